/* The engine's work queue, in the node store: long work (importing an ISO,
 * creating disks, a reboot) is asked for by the API or the console as a
 * task, run by the root engine, and watched and cancelled through the API.
 *
 *   queued -> running -> done | failed | cancelled
 *   queued -> cancelled                  (tarn_task_cancel)
 *
 * A running task polls tarn_task_progress, which reports a cancel request;
 * tasks left running by an engine that died are failed when it restarts. */
#ifndef TARN_TASK_H
#define TARN_TASK_H
#include <stdint.h>

#include "store.h"

struct tarn_task {
	int64_t id;
	char kind[32];     /* "repo.import", "disk.create", "host.reboot" ... */
	char subject[128]; /* what it works on: a repository, a guest */
	char args[1024];   /* the kind's own arguments, opaque here */
	char state[12];
	int progress;      /* 0-100 */
	char message[256]; /* the latest progress note, or the error */
	int cancel;        /* a cancel was asked for */
	int64_t created, updated;
};

/* Queues a task; returns its id (> 0), or -1 with err filled. */
int64_t tarn_task_add(tarn_store *st, const char *kind, const char *subject, const char *args,
		      tarn_err err);
/* A task that follows a pool job run elsewhere (pool-job.h): it is
 * running from the start, its arguments begin TARN_TASK_FOLLOWS<job id>
 * and host=<member>, and the engine mirrors the job into it; an engine
 * restart does not fail it (the job runs on). */
#define TARN_TASK_FOLLOWS "job="
int64_t tarn_task_add_follower(tarn_store *st, const char *kind, const char *subject, int64_t job,
			       const char *host, const char *args, tarn_err err);
/* Takes the oldest queued task of one of the kinds (a NULL-terminated
 * list; NULL: any kind) and marks it running: 1 with t filled, 0 when
 * there is none, -1 on error. */
int tarn_task_claim(tarn_store *st, const char *const *kinds, struct tarn_task *t);
/* Records progress; returns 1 when a cancel was asked for, 0 to go on. */
int tarn_task_progress(tarn_store *st, int64_t id, int percent, const char *message);
/* Ends a running task: state is "done", "failed" or "cancelled". */
int tarn_task_finish(tarn_store *st, int64_t id, const char *state, const char *message, tarn_err err);
/* A queued task is cancelled at once, a running one is asked to stop; a
 * finished or unknown one is an error. */
int tarn_task_cancel(tarn_store *st, int64_t id, tarn_err err);
int tarn_task_get(tarn_store *st, int64_t id, struct tarn_task *t);
/* Newest first, at most limit, until fn returns non-zero. */
int tarn_task_each(tarn_store *st, int limit, int (*fn)(void *ctx, const struct tarn_task *t), void *ctx);
/* The queued and running ones, oldest first, until fn returns non-zero. */
int tarn_task_each_unfinished(tarn_store *st, int (*fn)(void *ctx, const struct tarn_task *t), void *ctx);
/* At engine start: tasks a dead engine left running are failed. Returns
 * how many. */
int tarn_task_recover(tarn_store *st);

#endif
