/* The guest reconciler's decision; see guest-decide.h. */
#include "guest-decide.h"

#include <stddef.h>
#include <string.h>

const char *tarn_power_name(enum tarn_power p)
{
	return p == TARN_RUNNING ? "running" : p == TARN_PAUSED ? "paused" : p == TARN_SUSPENDED ? "suspended" : "stopped";
}

static const char *actual_name(const struct tarn_guest_seen *s, const struct tarn_guest_memory *m)
{
	switch (s->dom) {
	case TARN_DOM_ABSENT: return "stopped";
	case TARN_DOM_RUNNING: return m->stop_deadline ? "stopping" : "running";
	case TARN_DOM_PAUSED: return m->stop_deadline ? "stopping" : "paused";
	case TARN_DOM_SHUTDOWN:
		return s->why == TARN_WHY_CRASH || s->why == TARN_WHY_WATCHDOG ? "crashed" : "shutdown";
	case TARN_DOM_DYING: return "dying";
	case TARN_DOM_SAVED: return "suspended";
	}
	return "unknown";
}

/* A domain that shut itself down: xl.cfg's on_* action for the reason. */
static void on_shutdown(const struct tarn_guest_want *w, const struct tarn_guest_seen *s, struct tarn_guest_plan *p)
{
	static const char *const said[][3] = {
		/* destroy, restart, preserve */
		{"it powered off: destroyed (on_poweroff=destroy)", "it powered off: restarting (on_poweroff=restart)",
		 "it powered off: kept for inspection (on_poweroff=preserve)"},
		{"it rebooted: destroyed (on_reboot=destroy)", "it rebooted: restarting (on_reboot=restart)",
		 "it rebooted: kept for inspection (on_reboot=preserve)"},
		{"its watchdog fired: destroyed (on_watchdog=destroy)", "its watchdog fired: restarting (on_watchdog=restart)",
		 "its watchdog fired: kept for inspection (on_watchdog=preserve)"},
		{"it crashed: destroyed (on_crash=destroy)", "it crashed: restarting (on_crash=restart)",
		 "it crashed: kept for inspection (on_crash=preserve)"},
	};
	int row;
	enum tarn_on on;
	switch (s->why) {
	case TARN_WHY_REBOOT: row = 1, on = w->on_reboot; break;
	case TARN_WHY_WATCHDOG: row = 2, on = w->on_watchdog; break;
	case TARN_WHY_CRASH: row = 3, on = w->on_crash; break;
	case TARN_WHY_SUSPEND: /* suspended to memory or a file: left as it is */
		p->why = NULL;
		return;
	default: row = 0, on = w->on_poweroff; break;
	}
	p->why = said[row][on];
	if (on == TARN_ON_DESTROY) {
		p->act = TARN_ACT_DESTROY;
		p->adopt = w->desired != TARN_STOPPED; /* the guest chose to stop: it stays stopped */
		p->adopt_state = TARN_STOPPED;
	} else if (on == TARN_ON_RESTART) {
		p->act = TARN_ACT_RESTART;
	}
}

static const char *drift_why(enum tarn_dom was, enum tarn_dom now)
{
	if (now == TARN_DOM_ABSENT)
		return "its domain was destroyed outside Tarn";
	if (now == TARN_DOM_SAVED || was == TARN_DOM_SAVED)
		return "its saved state changed outside Tarn";
	if (was == TARN_DOM_ABSENT)
		return "a domain was started for it outside Tarn";
	return now == TARN_DOM_PAUSED ? "it was paused outside Tarn" : "it was unpaused outside Tarn";
}

/* Toward the desired power state. */
static void reconcile(const struct tarn_guest_want *w, const struct tarn_guest_seen *s, struct tarn_guest_memory *m,
		      time_t now, struct tarn_guest_plan *p)
{
	switch (w->desired) {
	case TARN_RUNNING:
		if (s->dom == TARN_DOM_ABSENT && now >= m->retry_at)
			p->act = TARN_ACT_CREATE;
		else if (s->dom == TARN_DOM_SAVED && now >= m->retry_at)
			p->act = TARN_ACT_RESTORE;
		else if (s->dom == TARN_DOM_PAUSED)
			p->act = TARN_ACT_UNPAUSE;
		break;
	case TARN_PAUSED:
		if (s->dom == TARN_DOM_ABSENT && now >= m->retry_at)
			p->act = TARN_ACT_CREATE;
		else if (s->dom == TARN_DOM_SAVED && now >= m->retry_at)
			p->act = TARN_ACT_RESTORE;
		else if (s->dom == TARN_DOM_RUNNING)
			p->act = TARN_ACT_PAUSE;
		break;
	case TARN_SUSPENDED: /* a guest with no domain stays as it is: there is nothing to save */
		if ((s->dom == TARN_DOM_RUNNING || s->dom == TARN_DOM_PAUSED) && now >= m->retry_at)
			p->act = TARN_ACT_SUSPEND;
		break;
	case TARN_STOPPED:
		if (s->dom == TARN_DOM_SAVED)
			p->act = TARN_ACT_DISCARD;
		if (s->dom == TARN_DOM_ABSENT || s->dom == TARN_DOM_SAVED)
			break;
		if (w->stop_timeout <= 0) {
			p->act = TARN_ACT_DESTROY;
		} else if (!m->stop_deadline) {
			p->act = TARN_ACT_SHUTDOWN;
			m->stop_deadline = now + w->stop_timeout;
		} else if (now >= m->stop_deadline) {
			p->act = TARN_ACT_DESTROY;
			p->why = "it did not shut down in time: destroyed";
		}
		break;
	}
}

/* A settled running guest's domain seen paused, for less than
 * TARN_PAUSE_GRACE: perhaps the start of an xl destroy, so not yet drift. */
static int pause_held(const struct tarn_guest_seen *s, struct tarn_guest_memory *m, time_t now)
{
	if (s->dom != TARN_DOM_PAUSED || m->last != TARN_DOM_RUNNING)
		return 0;
	if (!m->paused_since)
		m->paused_since = now;
	return now - m->paused_since < TARN_PAUSE_GRACE;
}

static enum tarn_power power_of(enum tarn_dom d)
{
	return d == TARN_DOM_RUNNING ? TARN_RUNNING : d == TARN_DOM_PAUSED ? TARN_PAUSED
	       : d == TARN_DOM_SAVED ? TARN_SUSPENDED : TARN_STOPPED;
}

void tarn_guest_decide(const struct tarn_guest_want *w, const struct tarn_guest_seen *s, struct tarn_guest_memory *m,
		       time_t now, struct tarn_guest_plan *p)
{
	*p = (struct tarn_guest_plan){.act = TARN_ACT_NONE};
	if (m->known && m->gen != w->gen) /* asked anew: a failed start may be tried at once */
		m->retry_at = 0, m->failures = 0;
	if (w->desired != TARN_STOPPED || s->dom == TARN_DOM_ABSENT)
		m->stop_deadline = 0;
	if (s->dom != TARN_DOM_PAUSED)
		m->paused_since = 0;
	int as_was = m->known && m->settled && m->gen == w->gen; /* nothing asked or done since the last scan */
	if (as_was && (s->dom == TARN_DOM_DYING || pause_held(s, m, now))) {
		/* on its way out, or perhaps about to be, and not by us: wait,
		 * remembering it as it was, so that its end is seen as drift */
		p->actual = actual_name(s, m);
		return;
	}
	if (s->dom == TARN_DOM_DYING) {
		/* on its way out: wait */
	} else if (w->request == TARN_REQ_DESTROY) {
		p->request_done = 1;
		if (s->dom == TARN_DOM_SAVED)
			p->act = TARN_ACT_DISCARD, p->why = "its saved state discarded on request";
		else if (s->dom != TARN_DOM_ABSENT)
			p->act = TARN_ACT_DESTROY, p->why = "destroyed on request";
	} else if (s->dom == TARN_DOM_SHUTDOWN) {
		if (w->desired == TARN_STOPPED)
			p->act = TARN_ACT_DESTROY; /* the end of a stop (or a preserved one no longer wanted) */
		else
			on_shutdown(w, s, p);
	} else if (w->request == TARN_REQ_REBOOT) {
		p->request_done = 1;
		if (s->dom == TARN_DOM_RUNNING)
			p->act = TARN_ACT_REBOOT, p->why = "rebooting on request";
		else if (s->dom == TARN_DOM_PAUSED) /* a paused guest cannot reboot itself */
			p->act = TARN_ACT_RESTART, p->why = "restarting on request (it was paused)";
	} else if (as_was && s->dom != m->last) {
		p->drift = 1;
		p->why = drift_why(m->last, s->dom);
		if (w->leave_drift) {
			p->adopt = 1;
			p->adopt_state = power_of(s->dom);
		} else {
			reconcile(w, s, m, now, p);
		}
	} else {
		reconcile(w, s, m, now, p);
	}
	p->actual = actual_name(s, m);
	m->known = 1;
	m->last = s->dom;
	m->gen = w->gen;
	m->settled = p->act == TARN_ACT_NONE && !p->adopt && w->request == TARN_REQ_NONE &&
		     s->dom != TARN_DOM_SHUTDOWN && s->dom != TARN_DOM_DYING && power_of(s->dom) == w->desired;
}

void tarn_guest_start_failed(struct tarn_guest_memory *m, time_t now)
{
	int wait = m->failures < 6 ? 5 << m->failures : 300;
	m->failures++;
	m->retry_at = now + (wait > 300 ? 300 : wait);
}

int tarn_guest_runs_here(const char *host, const char *self, int members)
{
	if (!host || !host[0])
		return members <= 1;
	return self && self[0] && strcmp(host, self) == 0;
}
