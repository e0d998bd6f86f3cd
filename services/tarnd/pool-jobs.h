/* The engine's side of the pool's jobs (lib/pool-job.h), every
 * TARN_POOL_JOBS_POLL seconds:
 *   - the jobs queued on this member are claimed and queued as local
 *     tasks (arguments prefixed TARN_JOB_RUNS<job id>), which the workers
 *     run like any other;
 *   - those tasks' progress and end are written to their jobs, and a
 *     cancel asked in the pool is passed on; a task whose job was taken
 *     away (its member judged dead meanwhile) is cancelled;
 *   - the local tasks that follow a job asked here (task.h's followers)
 *     get the job's progress and end, and pass a cancel the other way.
 * A pool that cannot be read changes nothing: the next poll catches up. */
#ifndef TARN_POOL_JOBS_H
#define TARN_POOL_JOBS_H
#include <time.h>

#include "pool-store.h"
#include "store.h"

#define TARN_POOL_JOBS_POLL 2
#define TARN_JOB_RUNS "for_job="

struct tarn_pool_jobs {
	time_t next;
	int down; /* the last read failed: said once in syslog */
};

void tarn_pool_jobs_run(struct tarn_pool_jobs *pj, tarn_pool *p, tarn_store *st, const char *self, time_t now);

#endif
