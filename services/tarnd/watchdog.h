/* Xen's own watchdog for dom0, held by the engine while an HA guest runs
 * on this host (pool-ha.h has the timeline it keeps).
 *
 * Fencing (guest-apply.c) needs a live engine: one killed or wedged (kill
 * -9 of the whole agent, a libxl call that never returns) leaves its
 * domains running, and once the master restarts its HA guests elsewhere
 * they run twice. The hypervisor's domain watchdog (SCHEDOP_watchdog,
 * libxenctrl's xc_watchdog) closes that: armed, it must be kicked within
 * its timeout, or Xen shuts dom0 down with reason watchdog, which reboots
 * the machine and so ends every domain on it ("Watchdog timer fired for
 * domain 0" on Xen's console). Xen gives a domain two slots: id 0 arms a
 * free one and returns its id (1 or 2; ENOSPC when both are taken), a
 * slot's id with a timeout kicks it, with 0 disarms it; an id not armed is
 * EINVAL.
 *
 * The engine arms a slot when the guest reconciler sees an HA guest's
 * domain here, kicks it every TARN_WATCHDOG_KICK seconds from its loop
 * while it is healthy (the loop turns, and the pool answers or has not
 * been silent for the fence deadline; once it has, the slot is given
 * TARN_WATCHDOG_FENCE seconds, the fence's deadline), and disarms it when no HA guest
 * runs here and on a clean stop (SIGTERM, a reboot or shutdown through
 * the API). The slot's id is kept in RUNDIR/tarn/watchdog so that the
 * engine the supervisor starts after a crash kicks the same slot at once
 * instead of arming (and leaking) another; an agent that keeps dying at
 * start, restarted ever later by the supervisor, ends in the reboot. */
#ifndef TARN_WATCHDOG_H
#define TARN_WATCHDOG_H
#include <stdint.h>
#include <time.h>
#include <xentoollog.h>

#include "store.h"

/* libxenctrl's calls used here, as xenctrl.h declares them (it needs GNU
 * C's anonymous unions, not this build's C11); tests/double/libxl.c
 * defines them for tarnd-double. */
typedef struct xc_interface_core xc_interface;
xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger, unsigned open_flags);
int xc_interface_close(xc_interface *xch);
int xc_watchdog(xc_interface *xch, uint32_t id, uint32_t timeout);

/* Seconds Xen waits for a kick: longer than the engine's longest blocking
 * step (pool calls ~5 s, udhcpc ~9 s, a scan against a slow pool), short
 * enough that the host is rebooted before a master restarts its HA guests
 * (pool-ha.h). */
#define TARN_WATCHDOG_TIMEOUT 30
#define TARN_WATCHDOG_KICK 3
/* Seconds given instead once the engine no longer stands by its HA guests
 * (the pool silent for the fence deadline): the fence's destroys have that
 * long to end them, or the reboot does (pool-ha.h). */
#define TARN_WATCHDOG_FENCE 8
#define TARN_WATCHDOG_STR(x) TARN_WATCHDOG_STR_(x)
#define TARN_WATCHDOG_STR_(x) #x

struct tarn_watchdog {
	char path[4200];               /* RUNDIR/tarn/watchdog: the armed slot's id */
	xc_interface *xch;             /* opened on first use */
	uint32_t slot;                 /* 0: not armed */
	struct timespec kicked;        /* the last kick or arm (monotonic) */
	int failing;                   /* a call failed: said once until one works */
	int stopping;                  /* a clean stop is under way: not armed again */
	int fencing;                   /* given TARN_WATCHDOG_FENCE: not kicked until healthy */
};

/* Takes over the slot an engine that stopped left armed (its id in
 * RUNDIR/tarn/watchdog), kicking it at once; a slot Xen no longer holds is
 * forgotten. */
void tarn_watchdog_open(struct tarn_watchdog *w, const char *rundir, tarn_store *st);
/* One turn of the engine's loop: ha is how many HA guests have a domain
 * here (-1: not known yet: the state is kept), healthy whether the engine
 * still stands by them, fencing whether its fence is due (the slot then
 * gets TARN_WATCHDOG_FENCE). Arms, kicks when due, or disarms. */
void tarn_watchdog_run(struct tarn_watchdog *w, int ha, int healthy, int fencing, tarn_store *st);
/* A clean stop (why says which): disarms the slot, forgets it, and arms
 * none again (until stopping is cleared: the stop did not happen). */
void tarn_watchdog_disarm(struct tarn_watchdog *w, tarn_store *st, const char *why);
void tarn_watchdog_close(struct tarn_watchdog *w);

#endif
