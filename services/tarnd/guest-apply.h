/* The guest reconciler, in the engine: guests placed on this member (its
 * id in the guest's host), or not placed at all in a pool of one
 * (tarn_guest_runs_here), are brought to their desired power
 * state through libxl, and what Xen shows is reported to the pool store
 * beside it (actual state, the last error, each vCPU's affinity).
 *
 * Every TARN_GUEST_SCAN seconds, and at once after an operation ends, it
 * lists the domains (libxl_list_domain: running, paused, shut down and
 * why, dying), matches them to guests by name, and asks guest-decide.h
 * what to do. A domain started, stopped, paused or destroyed by hand with
 * xl shows at the next scan as drift, handled by the guest's policy.
 * libxl's domain death events (libxl_evenable_domain_death) are not used:
 * they need one registration per domain once it exists and say nothing of
 * a domain made by hand, which the scan must see anyway; one list every
 * 2 s costs a hypercall and a xenstore read per domain.
 *
 * Creating and destroying a domain take seconds (building it, hotplug
 * scripts, device teardown): they are libxl asynchronous operations that
 * progress in the engine's poll loop (xen.h), one at a time per guest, and
 * end with an event collected here. Shutdown, pause, unpause, reboot and
 * pinning are quick and done at once. A clean shutdown's timeout is a
 * deadline checked at each scan, never a sleep. */
#ifndef TARN_GUEST_APPLY_H
#define TARN_GUEST_APPLY_H
#include <sys/types.h>

#include "store.h"
#include "xen.h"

#define TARN_GUEST_SCAN 2

struct tarn_guests;
/* The pool is reached at pool_address, this member's node (the API
 * process runs it): the member row with that address is this host's, and
 * its id is what a guest placed here has in its host column.
 * Suspended guests are saved under STATEDIR/suspend. */
struct tarn_guests *tarn_guests_new(struct tarn_xen *xen, const char *pool_address, const char *statedir);
/* Where xenconsoled logs guest consoles (guest-NAME.log) and the group
 * that may read them (the API process's): each running guest's log is
 * made readable by it, whatever mode xenconsoled gave it. */
void tarn_guests_console(struct tarn_guests *g, const char *dir, gid_t gid);
/* Whether libxl operations are still in flight (then neither the context
 * nor their configurations may be freed). */
int tarn_guests_busy(const struct tarn_guests *g);
void tarn_guests_free(struct tarn_guests *g);
/* Collects ended operations, and scans when it is time; events go to st. */
void tarn_guests_run(struct tarn_guests *g, tarn_store *st);
/* For the watchdog (watchdog.h): how many HA guests have a domain here
 * (running, paused or shut down, not yet torn down), as the last look saw
 * them; -1 before the first look. */
int tarn_guests_ha_here(const struct tarn_guests *g);
/* Whether the engine still stands by its HA guests: the pool answers, or
 * has not been silent for the fence deadline (TARN_HA_FENCE_S, pool-ha.h),
 * or it is a pool of this host alone. */
int tarn_guests_standing(const struct tarn_guests *g);
/* Whether this host's fence is due: a pool of others silent for the fence
 * deadline (not before the first read: its size is not known). */
int tarn_guests_fencing(const struct tarn_guests *g);
/* Makes the next tarn_guests_run look at the pool store at once (the API
 * changed a guest) instead of at the next periodic scan. */
void tarn_guests_wake(struct tarn_guests *g);

#endif
