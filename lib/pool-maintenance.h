/* Maintenance mode: a member in maintenance takes no new guests (placement
 * skips it) and its running guests are moved to other VM servers with the
 * memory free for them. The member itself moves them, a round at a time
 * from its pool keeper (tarn_pool_evacuate), so a move under way survives
 * its agent restarting. A guest that cannot go anywhere (no VM server up,
 * out of maintenance, with its memory free; a paused or suspended guest)
 * stays where it is and is named in the member's evacuation status. */
#ifndef TARN_POOL_MAINTENANCE_H
#define TARN_POOL_MAINTENANCE_H
#include "pool-store.h"

/* Puts the member named by id or pool address in maintenance (on) or
 * takes it out; refused for a member that is unknown. */
int tarn_pool_set_maintenance(tarn_pool *p, const char *who, int on, tarn_err err);

/* How a running guest is moved live (lib/migrate-request.h), given by the
 * agent: live asks for the guest's live migration to member target and
 * returns 0 when it is under way, else non-zero (why says why): the guest
 * is then moved cold. busy tells whether a live move of the guest is
 * under way already. NULL hooks: every move is cold. */
struct tarn_evacuate_hooks {
	int (*live)(void *ctx, const char *name, const char *target, tarn_err why);
	int (*busy)(void *ctx, const char *name);
	void *ctx;
};

/* One round of member me (its id) moving its guests away: moves started
 * (each guest at most once; the rest wait for the next round), live where
 * the hooks can, else cold (a clean shutdown here, a start there); moves
 * whose first half is over finished, and the member's evacuation status
 * written when it changed. Moves under way are finished even once
 * maintenance is off. Returns how many guests are still to move or cannot,
 * or a TARN_POOL_* result. */
int tarn_pool_evacuate(tarn_pool *p, const char *me, const struct tarn_evacuate_hooks *hooks, tarn_err err);

#endif
