/* This host's pool membership, in the API process: the pool node and the
 * store's handle on it, a keeper thread (heartbeats, watching who leads,
 * the leader's upkeep of roles, moving guests off this host while it is in
 * maintenance: pool-maintenance.h), and the two changes that restart the
 * node: joining another host's pool and leaving it.
 *
 * The node's data lives in POOLDIR/node. A join moves it to
 * POOLDIR/standalone and starts an empty node with the id the pool gave;
 * only once the pool has seated it (node/joined written) is the old data
 * deleted. A failed join puts it back, and so does the next start after a
 * crash half-way. */
#ifndef TARN_POOL_MEMBER_H
#define TARN_POOL_MEMBER_H
#include "pool-store.h"
#include "store.h"

struct tarn_membership;

/* Starts the node at address ("IPv4:port"); agent is this host's API as
 * other members reach it ("host:port"); facts is the node store, where the
 * engine records the host's free memory (sent with each heartbeat) and
 * where live migrations of an evacuation are queued; repo_root is where
 * repositories are mounted. NULL, with err, when the node cannot start. */
struct tarn_membership *tarn_membership_start(const char *pooldir, const char *address, const char *agent,
					      tarn_store *facts, const char *repo_root, tarn_err err);
void tarn_membership_stop(struct tarn_membership *m);
tarn_pool *tarn_membership_pool(struct tarn_membership *m);

/* Joins the pool of the agent at master ("host[:port]", port 8899 by
 * default) with the pool password, once the certificate master presents
 * has fingerprint (as the admin read it on the master); every call of the
 * join checks it. Refused (TARN_POOL_REFUSED; TARN_JOIN_UNCONFIRMED
 * without a fingerprint, err naming master's) or failed (TARN_POOL_DOWN)
 * with err saying why; this host then stays as it was. */
int tarn_membership_join(void *m, const char *master, const char *password, const char *fingerprint,
			 tarn_err err);
/* The pool key (64 hex digits) that members' TLS is keyed with. */
int tarn_membership_key(void *m, char hex[65], tarn_err err);
/* Leaves the pool: this host becomes a lone host in no pool. With force,
 * even when the pool cannot be reached to be told (a host the pool
 * ejected while it was away, or the last of a pool that is gone). */
int tarn_membership_leave(void *m, int force, tarn_err err);

#endif
