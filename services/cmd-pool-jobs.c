/* pool.jobs: the pool's I/O work (lib/pool-job.h), as every member sees it:
 * which utility server each import or disk creation went to, and how it
 * goes there. Each is asked through repo.import or repo.diskCreate on a
 * pool repository, which answer with a local task that follows it. */
#include <stdlib.h>

#include "cmd.h"
#include "pool-job.h"

static xmlrpc_value *job_value(xmlrpc_env *env, const struct tarn_pool_job *j)
{
	return xmlrpc_build_value(env, "{s:I,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:b,s:I,s:I,s:I}", "id",
				  (xmlrpc_int64)j->id, "kind", j->kind, "repo", j->repo, "args", j->args, "host", j->host, "state", j->state, "progress",
				  j->progress, "message", j->message, "cancel_requested", (xmlrpc_bool)(j->cancel != 0),
				  "task", (xmlrpc_int64)j->task, "created", (xmlrpc_int64)j->created, "updated",
				  (xmlrpc_int64)j->updated);
}

static xmlrpc_value *pool_jobs(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	int64_t limit;
	tarn_pool *pool;
	if (tarn_cmd_int_param(env, p, 0, 50, 1, 1000, "limit", &limit) || !(pool = tarn_cmd_need_pool(env, agent)))
		return NULL;
	struct tarn_pool_job *jobs = NULL;
	int n = 0, rc;
	tarn_err err = "";
	if ((rc = tarn_pool_job_list(pool, NULL, (int)limit, &jobs, &n, err))) {
		free(jobs);
		return tarn_cmd_pool_fault(env, rc, err);
	}
	xmlrpc_value *list = xmlrpc_array_new(env);
	for (int i = 0; i < n && !env->fault_occurred; i++)
		tarn_cmd_append(env, list, job_value(env, &jobs[i]));
	free(jobs);
	return tarn_cmd_list_result(env, list, 0, "the pool's jobs");
}

const struct tarn_cmd tarn_cmd_pool_jobs[] = {
	{"pool.jobs", "A:,A:i", "The pool's I/O jobs, newest first, at most limit (default 50): kind, repo, args, host "
				"(the utility server chosen), state, progress, message, task (its task there).", pool_jobs},
	{NULL, NULL, NULL, NULL},
};
