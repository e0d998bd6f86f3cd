/* The engine's task runner: queued tasks (lib/task.h) run in worker
 * processes, a few at a time, while the engine's loop goes on
 * reconciling.
 *
 * A worker is a child process rather than a thread: it opens its own
 * store connection (SQLite connections do not cross threads or forks
 * well), a crash or a write hung on a dead NFS server stays in it, and
 * the engine can always end it with a kill. Workers die with the engine
 * (PR_SET_PDEATHSIG); a task left running is failed when the engine
 * starts again, and the reconciler removes its partial files. */
#ifndef TARN_TASK_RUN_H
#define TARN_TASK_RUN_H
#include <sys/types.h>
#include <time.h>

#include "repo.h"
#include "task.h"

#define TARN_WORKERS 4

struct tarn_workers {
	const char *db;   /* each worker opens the store itself */
	const char *root; /* repositories' mount points */
	const char *pool; /* the pool node's address, where guests are defined */
	const char *pool_key; /* the pool key its TLS is keyed with (a migration dials the target) */
	pid_t pid[TARN_WORKERS];
	struct tarn_task task[TARN_WORKERS];
};

/* Reaps finished workers and starts queued tasks in free slots. */
void tarn_workers_poll(struct tarn_workers *w, tarn_store *st);
/* Ends every worker; their tasks fail ("the agent stopped"). */
void tarn_workers_stop(struct tarn_workers *w, tarn_store *st);

/* What a task's code sees, in its worker. */
struct tarn_job {
	tarn_store *st;
	const struct tarn_task *task;
	const char *root;
	const char *pool; /* the pool node's address */
	const char *pool_key;
	struct timespec last; /* of the last progress write */
};
enum { TARN_JOB_DONE, TARN_JOB_CANCELLED, TARN_JOB_FAILED };

/* Records progress, at most a few times a second (always when force);
 * returns 1 when a cancel was asked for. */
int tarn_job_progress(struct tarn_job *j, int percent, int force, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A value from the task's arguments, lines of key=value; 0, or -1 when
 * it is missing or too long. */
int tarn_job_arg(const struct tarn_job *j, const char *key, char *buf, size_t len);
/* The directory of the task's repository (its subject), which must be
 * mounted. */
const char *tarn_job_repo(const struct tarn_job *j, char *dir, size_t len, tarn_err err);
/* Fails with a message when the repository at dir has less than need
 * bytes free; what names the work ("debian.iso (600 MiB)"). */
const char *tarn_job_room(const struct tarn_job *j, const char *dir, uint64_t need, const char *what,
			  tarn_err err);

/* The kinds. Each returns TARN_JOB_*, with the final message in msg. */
int tarn_job_import(struct tarn_job *j, tarn_err msg);
int tarn_job_disks(struct tarn_job *j, tarn_err msg);
/* guest-copy.c: a guest from a template, a clone */
int tarn_job_from_template(struct tarn_job *j, tarn_err msg);
int tarn_job_clone(struct tarn_job *j, tarn_err msg);
/* guest-snapshot.c: disk snapshots, and a deleted guest's disks */
int tarn_job_snapshot(struct tarn_job *j, tarn_err msg);
int tarn_job_revert(struct tarn_job *j, tarn_err msg);
int tarn_job_delete_snapshot(struct tarn_job *j, tarn_err msg);
int tarn_job_delete_disks(struct tarn_job *j, tarn_err msg);
int tarn_job_upgrade(struct tarn_job *j, tarn_err msg);
/* migrate-xen.c: a running guest's live migration to another member */
int tarn_job_migrate(struct tarn_job *j, tarn_err msg);

#endif
