/* The checks made before a live migration moves anything (guest.migrate,
 * services/cmd-guest-migrate.c), as pure code over what the pool store
 * says: each returns 0, or -1 with err saying plainly why not. The target's
 * engine checks again with what Xen says there (its free memory now, the
 * disks' files) before it takes the stream. */
#ifndef TARN_MIGRATE_CHECK_H
#define TARN_MIGRATE_CHECK_H
#include <stdint.h>

#include "pool-facts.h"

/* The target as a member: not the source, a VM server, up. */
int tarn_migrate_check_member(const char *target, const char *source_id, const struct tarn_member *m, int up,
			      tarn_err err);
/* Room for a guest of mib MiB on the target (its facts, published at
 * f->at; older than stale_s seconds is refused as not known). */
int tarn_migrate_check_memory(const char *target, const struct tarn_pool_facts *f, long mib, int64_t now,
			      int stale_s, tarn_err err);
/* A compatible CPU: the same vendor, and the same family and model, or a
 * target whose Xen reports every hardware capability the source's does. */
int tarn_migrate_check_cpu(const char *target, const struct tarn_pool_facts *src, const struct tarn_pool_facts *dst,
			   tarn_err err);
/* Every disk of xlcfg reachable from the target: in a repository (under
 * root/REPO/) that is shared, as kind(ctx, REPO) says: "nfs" (one of this
 * host's own, as it defines it), TARN_MIGRATE_POOL_REPO (the pool's, which
 * the target has mounted) or TARN_MIGRATE_POOL_UNMOUNTED (the pool's, not
 * mounted there: refused); NULL: no such repository. A guest without disks
 * passes. */
#define TARN_MIGRATE_POOL_REPO "pool"
#define TARN_MIGRATE_POOL_UNMOUNTED "pool, unmounted"
int tarn_migrate_check_disks(const char *root, const char *xlcfg, const char *(*kind)(void *ctx, const char *repo),
			     void *ctx, tarn_err err);

#endif
