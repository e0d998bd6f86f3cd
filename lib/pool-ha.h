/* High availability: guests marked HA (tarn_pool_guest_set_ha) are
 * restarted on another VM server when their host dies, exactly once.
 *
 * Who decides: only the master (the Raft leader), in its keeper round. A
 * member is dead for it when its heartbeat has not changed for
 * TARN_HA_RESTART_S seconds by the master's own clock (never comparing
 * clocks of two hosts) and its pool node does not answer. The move is one
 * transaction that checks again, under the write lock, that the guest is
 * still on that member and that the member's heartbeat is still the one
 * seen: a second master, or a second round, finds the guest moved or the
 * member alive and changes nothing.
 *
 * Fencing: a host cut off from the pool's quorum cannot know whether it is
 * about to be declared dead, so its engine destroys its own HA guests once
 * its reads of the pool have failed for TARN_HA_FENCE_S seconds. That
 * must happen before any master restarts them elsewhere:
 *
 *   the cut-off host's last heartbeat commit          t0
 *   its last read that worked (heartbeats every 10 s)  <= t0 + 10 (+ ~3 s
 *                                   while a leader without quorum steps down)
 *   its fence: + 15 s failing, + one 2 s scan, + up to ~7 s for the read
 *   that fails (a 5 s request deadline, 1 s probes) + the destroy  <= t0 + 38
 *   the earliest restart elsewhere                      >= t0 + 45
 *
 * Every member watches the heartbeats, so a master that took over
 * meanwhile has counted from when it, as a follower, saw the last one.
 *
 * What fencing cannot cover, an engine that is itself stopped or wedged
 * (kill -9 of the whole agent, a libxl call that never returns), Xen's
 * watchdog does (services/tarnd/watchdog.h): while an HA guest runs here
 * the engine kicks it every 3 s from its loop; unkicked for 30 s, Xen
 * reboots the host, and every domain on it ends:
 *
 *   the agent (engine and API process) stops                     tk
 *   its last heartbeat commit (the API process, every 10 s)       t0 >= tk - 10
 *   its engine's last kick                                        <= tk
 *   Xen's watchdog fires, the machine resets                      <= tk + 30 <= t0 + 40
 *   the earliest restart elsewhere                                >= t0 + 45
 *
 * An engine wedged while its API process runs on keeps the heartbeat
 * going: nothing restarts elsewhere until the watchdog's reboot ends it.
 * A cut-off engine stops kicking once the pool has been silent for
 * TARN_HA_FENCE_S, and gives the slot TARN_WATCHDOG_FENCE (8) seconds
 * instead: its fence destroys the HA guests (by t0 + 38) and, none left,
 * disarms the watchdog. Should the fence fail (a destroy that never ends),
 * the watchdog reboots the host by t0 + 13 + 15 + ~7 (the engine's turn
 * that sees it) + 8 = t0 + 43, before the earliest restart elsewhere. The
 * next engine to start on a host also destroys its domains of guests the
 * pool placed elsewhere. */
#ifndef TARN_POOL_HA_H
#define TARN_POOL_HA_H
#include <stdint.h>

#include "pool-store.h"

#define TARN_HA_FENCE_S 15
#define TARN_HA_RESTART_S 45

/* One guest moved (to is the new host's id), or left (to "" and why: no
 * VM server up has room for it); guest NULL: something else the round did
 * (a dead member's pool jobs), in why. */
typedef void (*tarn_ha_fn)(void *ctx, const char *guest, const char *to, const char *why);
/* Moves the HA guests meant to run on member dead (or stopped there for a
 * cold move away: maintenance), whose heartbeat is still seen, to VM
 * servers that are up, out of maintenance, run Xen and have the memory free
 * (their engines' published facts, pool-facts.h; the one with most room
 * first), in one transaction. Returns how many moved,
 * or a TARN_POOL_* result; 0 when the member is alive after all. */
int tarn_pool_ha_takeover(tarn_pool *p, const char *dead, int64_t seen, tarn_ha_fn fn, void *ctx, tarn_err err);

/* The master's watch of heartbeats: a member's seen value and when (the
 * master's monotonic clock) it last changed. */
struct tarn_ha_watch {
	struct {
		char id[24];
		int64_t seen;
		int64_t since;
	} m[64];
	unsigned n;
};
/* One round, on every member: the heartbeats are watched by all, so a
 * member that becomes master has counted already (a time seen by anyone is
 * no earlier than the heartbeat's commit: as safe as the master's own);
 * only the master (is_master) moves guests, and a dead member's pool jobs
 * (pool-job.h). Returns guests moved, or a
 * TARN_POOL_* result. */
int tarn_pool_ha_round(tarn_pool *p, struct tarn_ha_watch *w, int is_master, tarn_ha_fn fn, void *ctx,
		       tarn_err err);

#endif
