/* The repository reconciler: makes every repository in the node store
 * mounted at ROOT/<name> with its pools and marker, idempotently, and
 * unmounts what was removed. A device is formatted only when asked and
 * only when it holds no file system: an existing one is never destroyed.
 * What it did, or why it could not, goes to the status "repo.<name>" and
 * the event log. */
#ifndef TARN_REPO_APPLY_H
#define TARN_REPO_APPLY_H
#include <stdint.h>

#include "pool-repo.h"
#include "repo.h"

/* Returns how many repositories failed. pool: the pool's repositories
 * (pool-repo.h) as last read, merged with the host's own; NULL before the
 * pool was ever read, and then mounts of the pool's are left as they are
 * (a pool that cannot be read never unmounts anything). states gets
 * pool->n entries: this host's state of each. */
int tarn_repo_reconcile(tarn_store *st, const char *root, int64_t generation, const struct tarn_pool_repos *pool,
			struct tarn_pool_repo_state *states);

/* 1 when dir is a mount point (in this mount namespace). */
int tarn_repo_mounted(const char *dir);
/* Removes the partial files of tasks that are not running (all of them
 * when task is 0, else only that task's) from a mounted repository of
 * this host's; a pool repository's are left (they may be another
 * member's, whose task ids are its own). */
void tarn_repo_sweep(tarn_store *st, const char *dir, int64_t task);

#endif
