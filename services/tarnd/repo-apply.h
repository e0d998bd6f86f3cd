/* The repository reconciler: makes every repository in the node store
 * mounted at ROOT/<name> with its pools and marker, idempotently, and
 * unmounts what was removed. A device is formatted only when asked and
 * only when it holds no file system: an existing one is never destroyed.
 * What it did, or why it could not, goes to the status "repo.<name>" and
 * the event log. */
#ifndef TARN_REPO_APPLY_H
#define TARN_REPO_APPLY_H
#include <stdint.h>

#include "repo.h"

/* Returns how many repositories failed. */
int tarn_repo_reconcile(tarn_store *st, const char *root, int64_t generation);

/* 1 when dir is a mount point (in this mount namespace). */
int tarn_repo_mounted(const char *dir);
/* Removes the partial files of tasks that are not running (all of them
 * when task is 0, else only that task's) from a mounted repository. */
void tarn_repo_sweep(tarn_store *st, const char *dir, int64_t task);

#endif
