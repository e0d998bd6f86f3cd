/* The engine's side of the pool's jobs; see pool-jobs.h. */
#include "pool-jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "event.h"
#include "pool-job.h"
#include "task.h"

/* The id after key at the start of args, or 0. */
static int64_t leading_id(const char *args, const char *key)
{
	size_t k = strlen(key);
	return strncmp(args, key, k) == 0 ? strtoll(args + k, NULL, 10) : 0;
}

static int ended(const char *state)
{
	return strcmp(state, "queued") && strcmp(state, "running");
}

/* The unfinished local tasks: those that run a job here, and followers. */
struct locals {
	struct tarn_task *t;
	int n, cap;
};

static int keep(void *ctx, const struct tarn_task *t)
{
	struct locals *l = ctx;
	if (!leading_id(t->args, TARN_JOB_RUNS) && !leading_id(t->args, TARN_TASK_FOLLOWS))
		return 0;
	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 8;
		struct tarn_task *more = realloc(l->t, (size_t)cap * sizeof *more);
		if (!more)
			return 1;
		l->t = more, l->cap = cap;
	}
	l->t[l->n++] = *t;
	return 0;
}

/* The local task running job id, or NULL. */
static const struct tarn_task *runner(const struct locals *l, int64_t id)
{
	for (int i = 0; i < l->n; i++)
		if (leading_id(l->t[i].args, TARN_JOB_RUNS) == id)
			return &l->t[i];
	return NULL;
}

static void mirror(tarn_pool *p, const struct tarn_pool_job *j, const char *state, int progress, const char *message)
{
	tarn_err err = "";
	struct tarn_pool_job m = *j;
	snprintf(m.state, sizeof m.state, "%s", state);
	snprintf(m.message, sizeof m.message, "%s", message);
	m.progress = progress;
	if (tarn_pool_job_mirror(p, &m, err))
		syslog(LOG_WARNING, "pool job %lld: its state was not written: %s", (long long)j->id, err);
}

/* A job queued here: claimed, and queued as a local task. */
static void start(tarn_pool *p, tarn_store *st, const char *self, const struct tarn_pool_job *j)
{
	tarn_err err = "";
	char args[sizeof j->args + 32];
	if (tarn_pool_job_claim(p, j->id, self, err) != 1)
		return;
	snprintf(args, sizeof args, TARN_JOB_RUNS "%lld\n%s", (long long)j->id, j->args);
	int64_t task = tarn_task_add(st, j->kind, j->repo, args, err);
	if (task < 0) {
		char why[300];
		snprintf(why, sizeof why, "cannot be queued on %.60s: %.200s", self, err);
		mirror(p, j, "failed", 0, why);
	} else if (tarn_pool_job_set_task(p, j->id, self, task, err)) {
		syslog(LOG_WARNING, "pool job %lld: task %lld not recorded yet: %s", (long long)j->id, (long long)task,
		       err); /* the next poll finds it by its arguments */
	}
}

/* A job running here: its task's state written to it, a cancel passed on. */
static void follow_task(tarn_pool *p, tarn_store *st, const char *self, const struct tarn_pool_job *j,
			const struct locals *l)
{
	tarn_err err = "";
	struct tarn_task t;
	const struct tarn_task *r = runner(l, j->id);
	int64_t task = j->task ? j->task : r ? r->id : 0;
	if (!task || tarn_task_get(st, task, &t) != 0) {
		mirror(p, j, "failed", j->progress, "its task here is gone (the agent restarted before it started)");
		return;
	}
	if (!j->task)
		tarn_pool_job_set_task(p, j->id, self, task, err);
	if (ended(t.state))
		mirror(p, j, t.state, t.progress, t.message);
	else if (t.progress != j->progress || strcmp(t.message, j->message))
		mirror(p, j, "running", t.progress, t.message);
	if (j->cancel && !t.cancel && !ended(t.state))
		tarn_task_cancel(st, task, err);
}

/* A local task that follows a job asked here: the job's state in it. */
static void follow_job(tarn_pool *p, tarn_store *st, const struct tarn_task *t)
{
	tarn_err err = "";
	struct tarn_pool_job j;
	char msg[300], subject[40];
	int rc = tarn_pool_job_get(p, leading_id(t->args, TARN_TASK_FOLLOWS), &j, err);
	if (rc == TARN_POOL_DOWN)
		return;
	if (rc)
		snprintf(j.state, sizeof j.state, "failed"), snprintf(j.message, sizeof j.message, "%.200s", err);
	snprintf(msg, sizeof msg, "%s%.60s: %.200s", strcmp(j.state, "queued") ? "on " : "", rc ? "the pool" : j.host,
		 j.message);
	if (ended(j.state)) {
		snprintf(subject, sizeof subject, "task.%lld", (long long)t->id);
		if (tarn_task_finish(st, t->id, j.state, msg, err) == 0)
			tarn_event_add(st, strcmp(j.state, "failed") ? "info" : "error", subject, msg);
		return;
	}
	int cancel = t->cancel;
	if (j.progress != t->progress || strcmp(msg, t->message))
		cancel |= tarn_task_progress(st, t->id, j.progress, msg) == 1;
	if (cancel && !j.cancel) /* one that ended meanwhile is finished by the next poll */
		tarn_pool_job_cancel(p, j.id, err);
}

void tarn_pool_jobs_run(struct tarn_pool_jobs *pj, tarn_pool *p, tarn_store *st, const char *self, time_t now)
{
	if (!p || now < pj->next)
		return;
	pj->next = now + TARN_POOL_JOBS_POLL;
	struct tarn_pool_job *mine = NULL;
	struct locals l = {0};
	int n = 0;
	tarn_err err = "";
	if (tarn_pool_job_list(p, self, 0, &mine, &n, err)) {
		if (!pj->down)
			syslog(LOG_WARNING, "pool jobs: cannot be read: %s", err);
		pj->down = 1;
		free(mine);
		return;
	}
	pj->down = 0;
	tarn_task_each_unfinished(st, keep, &l);
	for (int i = 0; i < n; i++) {
		if (!strcmp(mine[i].state, "queued"))
			start(p, st, self, &mine[i]);
		else
			follow_task(p, st, self, &mine[i], &l);
	}
	for (int i = 0; i < l.n; i++) {
		int64_t job = leading_id(l.t[i].args, TARN_JOB_RUNS);
		int held = 0;
		for (int k = 0; job && k < n; k++)
			held |= mine[k].id == job;
		if (job && !held && !l.t[i].cancel) /* taken away: this member was judged dead meanwhile */
			tarn_task_cancel(st, l.t[i].id, err);
		if (!job)
			follow_job(p, st, &l.t[i]);
	}
	free(l.t);
	free(mine);
}
