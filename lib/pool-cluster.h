/* The pool's Raft membership: admitting a host in two steps, removing a
 * node, and keeping enough voters. Every change goes through the pool
 * store's connection to the leader, so any member may make it; results are
 * the store's (0, TARN_POOL_REFUSED, TARN_POOL_DOWN).
 *
 * A join: the joiner asks a member to admit it (tarn_pool_admit: a new
 * node id, added as a spare, which gets nothing yet); it then restarts its
 * node empty with that id and asks to be seated (tarn_pool_seat: a role,
 * the log caught up, a member row). A join that fails between the two is
 * undone with tarn_pool_expel. */
#ifndef TARN_POOL_CLUSTER_H
#define TARN_POOL_CLUSTER_H
#include <stdint.h>

#include "dqlite-client.h"
#include "pool-store.h"

#define TARN_POOL_MAX_MEMBERS 32
#define TARN_POOL_VOTERS 3   /* a majority of 2 survives one loss */
/* Every other member is a standby (holds the log, ready to vote): a spare
 * gets nothing from the pool, not even who is in it, so its own agent could
 * not find the leader (a seventh member's join failed so). */
#define TARN_POOL_STANDBYS (TARN_POOL_MAX_MEMBERS - TARN_POOL_VOTERS)
#define TARN_POOL_HEARTBEAT_S 10 /* each a Raft commit: not more often; a
				  * member is up while its last is at most
				  * three intervals old */

/* The nodes as the leader knows them; *nodes is the caller's to free. */
int tarn_pool_nodes(tarn_pool *p, struct tarn_dq_node **nodes, unsigned *n, tarn_err err);
/* "voter", "standby", "spare" */
const char *tarn_pool_role_name(int role);

/* Admits a host whose pool node is at address: *id gets its new node id.
 * Refused when a member already has that address or the pool is full. A
 * spare left at that address by a join that never finished is removed
 * first. */
int tarn_pool_admit(tarn_pool *p, const char *address, uint64_t *id, tarn_err err);
/* Seats admitted node id, now running: a voter while the pool has fewer
 * than TARN_POOL_VOTERS, else a standby, else a spare; then its member row
 * (agent: its agent's "host:port"). */
int tarn_pool_seat(tarn_pool *p, uint64_t id, const char *address, const char *agent, tarn_err err);
/* Removes node id from the pool and its member row. */
int tarn_pool_expel(tarn_pool *p, uint64_t id, tarn_err err);
/* Removes a dead member named by id or pool address; refused for this
 * member and for one that still answers (it should leave instead). A
 * member row whose node the pool no longer has (after tarn-pool-recover)
 * is removed as it is. */
int tarn_pool_eject(tarn_pool *p, const char *who, tarn_err err);

/* Hands the master's role (Raft leadership) to the member named by id or
 * pool address and waits, up to a few seconds, until it leads. Refused for
 * a member that is unknown, down, or not a voter (only voters lead). */
int tarn_pool_set_master(tarn_pool *p, const char *who, tarn_err err);

/* The leader's upkeep of roles: an online standby or spare becomes a voter
 * while fewer than TARN_POOL_VOTERS voters answer, then a voter found
 * down twice running becomes a standby; an online spare becomes a standby
 * while standbys are short. *down carries the last round's findings
 * between calls (zero it first). Returns how many roles changed, or a
 * TARN_POOL_* result. */
struct tarn_pool_watch {
	uint64_t down[TARN_POOL_MAX_MEMBERS]; /* ids found down last round */
	unsigned ndown;
};
int tarn_pool_balance(tarn_pool *p, struct tarn_pool_watch *w, tarn_err err);

#endif
