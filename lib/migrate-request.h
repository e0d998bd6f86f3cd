/* A running guest's live migration asked for: every check that can be made
 * before anything moves (lib/migrate-check.h, with what the pool store and
 * this host's node store say), then the task that moves it, queued for this
 * host's engine (services/tarnd/migrate-xen.h). The one way in for
 * guest.migrate and for whatever else moves guests (evacuating a host).
 *
 * It must run on the guest's host (the member at the pool handle's address):
 * a guest elsewhere is refused, naming the member that runs it. */
#ifndef TARN_MIGRATE_REQUEST_H
#define TARN_MIGRATE_REQUEST_H
#include <stdint.h>

#include "pool-store.h"
#include "store.h"

#define TARN_MIGRATE_TASK "guest.migrate"

/* Guest name to member target (its id or pool address); repo_root is where
 * repositories are mounted. 0 with *task the queued task's id; else
 * TARN_POOL_REFUSED (err says why: nothing was touched) or TARN_POOL_DOWN. */
int tarn_migrate_request(tarn_store *st, tarn_pool *pool, const char *repo_root, const char *name, const char *target,
			 int64_t *task, tarn_err err);

/* The state of the guest's newest migration task ("queued", "running",
 * "done", "failed" ...) into state (12 bytes); "" when it has none among
 * the latest tasks. */
void tarn_migrate_last(tarn_store *st, const char *name, char state[12]);
/* Whether the guest's newest migration task is queued or running. */
int tarn_migrate_under_way(tarn_store *st, const char *name);

#endif
