/* Work on a repository's files (an import, disks, a template's copy, a
 * clone), queued where it belongs: a task of this host's for one of its
 * own repositories, or a pool job (lib/pool-job.h) for the least loaded
 * utility server when the repository is the pool's. */
#include <stdio.h>

#include "cmd.h"
#include "event.h"
#include "pool-job.h"
#include "pool-repo.h"
#include "repo.h"
#include "task.h"

int tarn_cmd_pool_has_repo(const struct tarn_agent *a, const char *name)
{
	struct tarn_pool_repos pr;
	tarn_err err;
	if (!a->pool || tarn_pool_repo_read(a->pool, tarn_pool_address(a->pool), 0, &pr, err))
		return 0;
	int has = tarn_pool_repos_find(&pr, name) != NULL;
	tarn_pool_repos_free(&pr);
	return has;
}

/* Hands the work to a utility server; returns the id of the task here
 * that follows it. */
static xmlrpc_value *queue_pool(xmlrpc_env *env, const struct tarn_agent *a, const char *kind, const char *repo,
				const char *args)
{
	tarn_err err = "";
	struct tarn_pool_job j;
	int rc = tarn_pool_job_add(a->pool, kind, repo, args, &j, err);
	if (rc)
		return tarn_cmd_pool_fault(env, rc, err);
	int64_t id = tarn_task_add_follower(a->store, kind, repo, j.id, j.host, args, err);
	if (id < 0) {
		tarn_pool_job_cancel(a->pool, j.id, (tarn_err){0});
		return xmlrpc_env_set_fault(env, TARN_FAULT_INTERNAL, err), NULL;
	}
	char msg[TARN_ERRLEN], subject[80];
	snprintf(msg, sizeof msg, "%s handed to utility server %.64s (pool job %lld, task %lld)", kind, j.host,
		 (long long)j.id, (long long)id);
	tarn_repo_subject(repo, subject, sizeof subject);
	tarn_event_add(a->store, "info", subject, msg);
	return xmlrpc_int_new(env, (int)id);
}

xmlrpc_value *tarn_cmd_queue_task(xmlrpc_env *env, const struct tarn_agent *a, const char *kind, const char *subject,
				  const char *args)
{
	tarn_err err = "";
	int64_t id = tarn_task_add(a->store, kind, subject, args, err);
	return id < 0 ? (xmlrpc_env_set_fault(env, TARN_FAULT_INTERNAL, err), NULL) : xmlrpc_int_new(env, (int)id);
}

xmlrpc_value *tarn_cmd_queue_work(xmlrpc_env *env, const struct tarn_agent *a, const char *kind, const char *repo,
				  const char *args, const char *here)
{
	char msg[256];
	struct tarn_repo own;
	/* the pool is read once, and only for a name this host has no repository of */
	int pools = tarn_repo_get(a->store, repo, &own) != 0 && tarn_cmd_pool_has_repo(a, repo);
	if (!pools && !tarn_repo_here(a->store, repo))
		return xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "repo: there is no repository %.64s",
						      repo), NULL;
	if (pools && here && tarn_repo_status(a->store, repo, msg, sizeof msg) != 1)
		return xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "repo: %.100s is on this host, which "
						      "has not mounted pool repository %.64s: ask a member that has both",
						      here, repo), NULL;
	if (pools && !here)
		return queue_pool(env, a, kind, repo, args);
	return tarn_cmd_queue_task(env, a, kind, repo, args);
}
