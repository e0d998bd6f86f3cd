/* I/O work on the pool's repositories (pool schema 9): an import or a disk
 * creation asked of any member is handed to the least loaded utility
 * server that has the repository mounted, as Oracle VM's utility role does.
 *
 *   queued -> running -> done | failed | cancelled
 *   queued -> cancelled              (a cancel before it started)
 *   queued -> queued on another member, running -> failed
 *                                    (its member stopped answering: the
 *                                     master's HA round, pool-ha.c)
 *
 * The chosen member's engine claims its queued jobs with a conditional
 * update (host and state unchanged), runs each as a local task and mirrors
 * that task's progress into the job; the member asked keeps a local task
 * that follows the job (services/tarnd/pool-jobs.c), so task.get and
 * tarnctl --wait work there as for local work. */
#ifndef TARN_POOL_JOB_H
#define TARN_POOL_JOB_H
#include <stdint.h>

#include "pool-store.h"

/* A member's heartbeat older than this (wall clock) makes it no candidate:
 * three missed beats. The master's requeue uses the HA watch instead. */
#define TARN_POOL_JOB_FRESH_S (3 * 10)
/* Finished jobs are kept this long (seconds) for their followers. */
#define TARN_POOL_JOB_KEEP_S (7 * 24 * 3600)

struct tarn_pool_job {
	int64_t id;
	char kind[32];     /* repo.import, disk.create */
	char repo[65];     /* a pool repository */
	char args[1024];   /* the task's arguments, task.h */
	char host[256];    /* the chosen member's pool address */
	char state[12];
	int progress;
	char message[256];
	int cancel;        /* a cancel was asked for */
	int64_t task;      /* the host's local task running it; 0 before */
	int64_t created, updated;
};

/* Chooses the member (role utility, out of maintenance, a fresh heartbeat,
 * repo mounted there) with the fewest queued and running jobs, then the
 * most free memory, then the lowest address, and queues the job there, in
 * one statement: out gets id and host. TARN_POOL_REFUSED says why no
 * member can take it (none has the role, none has it mounted, none is up). */
int tarn_pool_job_add(tarn_pool *p, const char *kind, const char *repo, const char *args,
		      struct tarn_pool_job *out, tarn_err err);
/* One job; TARN_POOL_REFUSED when there is none. */
int tarn_pool_job_get(tarn_pool *p, int64_t id, struct tarn_pool_job *j, tarn_err err);
/* The jobs (newest first, at most limit; host NULL for every member's, or
 * only that member's queued and running ones) into *out, count into *n;
 * free(*out) also after a failure. */
int tarn_pool_job_list(tarn_pool *p, const char *host, int limit, struct tarn_pool_job **out, int *n,
		       tarn_err err);
/* The member's claim of a queued job, and the local task that runs it:
 * 1 claimed, 0 when it is no longer queued there (moved, cancelled). */
int tarn_pool_job_claim(tarn_pool *p, int64_t id, const char *host, tarn_err err);
int tarn_pool_job_set_task(tarn_pool *p, int64_t id, const char *host, int64_t task, tarn_err err);
/* The running job's state as its member's task has it; only while the job
 * is still that member's and running (a final state is final). */
int tarn_pool_job_mirror(tarn_pool *p, const struct tarn_pool_job *j, tarn_err err);
/* Asks a job to stop: a queued one is cancelled at once. */
int tarn_pool_job_cancel(tarn_pool *p, int64_t id, tarn_err err);
/* The master's handling of a member found dead (address, at heartbeat
 * seen): its queued jobs go to another candidate (or fail when there is
 * none), its running ones fail; nothing when its heartbeat moved. Returns
 * how many jobs changed, or a TARN_POOL_* result. */
int tarn_pool_job_takeover(tarn_pool *p, const char *dead, int64_t seen, tarn_err err);

#endif
