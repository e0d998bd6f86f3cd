/* The guest reconciler's decision, as pure code: from what a guest is
 * meant to be (the pool store), what Xen shows of its domain, and what the
 * engine remembers from its last look, the one thing to do now. No libxl
 * here: guest-apply.c reads Xen and carries the plan out, and the unit
 * tests drive this directly.
 *
 * Drift is a change the engine did not make: the domain was as desired at
 * the last scan, nobody changed what is desired since, and now it is not
 * (xl destroy, xl create, xl pause by hand). A guest that shuts itself
 * down (poweroff, reboot, crash) is not drift: its on_poweroff, on_reboot,
 * on_crash (or on_watchdog) action from xl.cfg applies. */
#ifndef TARN_GUEST_DECIDE_H
#define TARN_GUEST_DECIDE_H
#include <stdint.h>
#include <time.h>

/* suspended: its memory saved to a file and its domain gone (guest-apply.h) */
enum tarn_power { TARN_STOPPED, TARN_RUNNING, TARN_PAUSED, TARN_SUSPENDED };
enum tarn_request { TARN_REQ_NONE, TARN_REQ_REBOOT, TARN_REQ_DESTROY };
/* xl.cfg's on_* actions that Tarn carries out */
enum tarn_on { TARN_ON_DESTROY, TARN_ON_RESTART, TARN_ON_PRESERVE };

struct tarn_guest_want {
	enum tarn_power desired;
	enum tarn_request request;
	int leave_drift;   /* drift policy "leave": make what was done the desired state */
	int stop_timeout;  /* seconds for a clean shutdown; 0: destroy at once */
	int64_t gen;       /* the pool's generation of this guest */
	enum tarn_on on_poweroff, on_reboot, on_watchdog, on_crash;
};

/* SAVED: no domain, and a saved state to resume it from */
enum tarn_dom { TARN_DOM_ABSENT, TARN_DOM_RUNNING, TARN_DOM_PAUSED, TARN_DOM_SHUTDOWN, TARN_DOM_DYING, TARN_DOM_SAVED };
enum tarn_why { TARN_WHY_POWEROFF, TARN_WHY_REBOOT, TARN_WHY_SUSPEND, TARN_WHY_CRASH, TARN_WHY_WATCHDOG,
		TARN_WHY_OTHER };

struct tarn_guest_seen {
	enum tarn_dom dom;
	enum tarn_why why; /* with TARN_DOM_SHUTDOWN */
};

/* What the engine keeps of a guest between scans (zeroed at first). */
struct tarn_guest_memory {
	int known;            /* scanned before */
	enum tarn_dom last;   /* what was seen then */
	int settled;          /* it was as desired then, with nothing to do */
	int64_t gen;          /* the generation then */
	time_t stop_deadline; /* a clean shutdown was asked: destroy after this */
	time_t retry_at;      /* a start failed: not again before this */
	int failures;         /* starts failed in a row (for the back-off) */
	time_t paused_since;  /* a pause not made here was first seen then (0: none) */
};

/* A pause made outside Tarn is drift only once it has lasted this long:
 * xl destroy pauses a domain before it tears its devices down, which under
 * load takes seconds, and such a domain must not be unpaused. */
#define TARN_PAUSE_GRACE 10

enum tarn_act {
	TARN_ACT_NONE,
	TARN_ACT_CREATE,   /* a new domain; left paused when meant to be paused */
	TARN_ACT_SHUTDOWN, /* a clean shutdown (unpaused first) */
	TARN_ACT_DESTROY,
	TARN_ACT_RESTART,  /* destroy, and the next scan creates it again */
	TARN_ACT_PAUSE,
	TARN_ACT_UNPAUSE,
	TARN_ACT_REBOOT,   /* ask the guest to reboot (on_reboot then applies) */
	TARN_ACT_SUSPEND,  /* save its memory to a file, then destroy the domain */
	TARN_ACT_RESTORE,  /* a domain made again from the saved state (then removed) */
	TARN_ACT_DISCARD,  /* remove the saved state: a suspended guest is stopped */
};

struct tarn_guest_plan {
	enum tarn_act act;
	int adopt;                   /* record desired := adopt_state */
	enum tarn_power adopt_state;
	int request_done;            /* clear the one-shot request */
	int drift;                   /* the change was made outside Tarn */
	const char *why;             /* for the event log; NULL when there is nothing to say */
	const char *actual;          /* the state to report */
};

/* Decides, and updates m for the next scan. */
void tarn_guest_decide(const struct tarn_guest_want *w, const struct tarn_guest_seen *s, struct tarn_guest_memory *m,
		       time_t now, struct tarn_guest_plan *p);

/* After a start failed: when to try again (5 s, doubling, at most 5 min). */
void tarn_guest_start_failed(struct tarn_guest_memory *m, time_t now);

const char *tarn_power_name(enum tarn_power p);

/* Whether this member's engine runs a guest whose placement is host (a
 * member id, "" when unplaced): one placed on self (this member's id, ""
 * when it has no member row), or an unplaced one while the pool has at
 * most one member (a standalone host, or a store from before placement):
 * in a pool of several an unplaced guest runs nowhere, never everywhere. */
int tarn_guest_runs_here(const char *host, const char *self, int members);

#endif
