/* What the guest disk tasks (guest-copy.c, guest-snapshot.c) share. */
#ifndef TARN_GUEST_JOB_H
#define TARN_GUEST_JOB_H
#include "guest-disk.h"
#include "task-run.h"

/* Copies the n files src[i] to dst[i] (reflink or sparse) with the task's
 * progress over need bytes in all; TARN_JOB_*, having removed the copies
 * it made unless all were made. A full repository is said so. */
int tarn_job_copy_files(struct tarn_job *j, char *const src[], char *const dst[], int n, uint64_t need,
			tarn_err err);
/* The task's guest (argument guest=) from the pool store into g, with
 * its disks; when stopped_for is not NULL it must be stopped. The pool is
 * opened into *p (closed by the caller, even on failure). 0, or -1. */
int tarn_job_guest(struct tarn_job *j, tarn_pool **p, struct tarn_guest_copy *g, struct tarn_guest_disks *d,
		   const char *stopped_for, tarn_err err);
/* 0 when the guest is as it was read (same generation, still stopped),
 * else -1 with err: what the task made must not be kept. */
int tarn_job_guest_unchanged(tarn_pool *p, const struct tarn_guest_copy *g, tarn_err err);
/* rename(2) that never replaces what is at to. */
int tarn_rename_new(const char *from, const char *to);

/* Puts back an interrupted revert (a journal left by tarn_job_revert) and
 * removes the partial files of tasks that are not running (all but task's
 * when task is not 0) in the guests' directories of the repository at
 * dir. Called by the repository reconciler's sweep. */
void tarn_guest_disk_sweep(tarn_store *st, const char *dir, int64_t task);

#endif
