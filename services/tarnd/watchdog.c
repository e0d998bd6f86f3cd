/* Xen's watchdog for dom0; see watchdog.h. */
#include "watchdog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "event.h"
#include "fileio.h"

/* xc_watchdog: a slot's id, 0, or -1 with errno. */
static int call(struct tarn_watchdog *w, uint32_t id, uint32_t timeout)
{
	if (!w->xch && !(w->xch = xc_interface_open(NULL, NULL, 0)))
		return -1;
	return xc_watchdog(w->xch, id, timeout);
}

/* A failed call, said once until one works. */
static void failed(struct tarn_watchdog *w, tarn_store *st, const char *what)
{
	if (!w->failing) {
		char msg[300];
		snprintf(msg, sizeof msg, "cannot %s: %s", what, strerror(errno));
		tarn_event_add(st, "error", "watchdog", msg);
		syslog(LOG_ERR, "watchdog: %s", msg);
	}
	w->failing = 1;
}

/* What host.info shows (watchdog.armed, watchdog.timeout), and an event
 * when msg is not NULL. */
static void say(struct tarn_watchdog *w, tarn_store *st, const char *level, const char *msg)
{
	tarn_err err;
	char timeout[16];
	snprintf(timeout, sizeof timeout, "%d", !w->slot ? 0 : w->fencing ? TARN_WATCHDOG_FENCE : TARN_WATCHDOG_TIMEOUT);
	if (tarn_fact_set(st, "watchdog.armed", w->slot ? "yes" : "no", err) ||
	    tarn_fact_set(st, "watchdog.timeout", timeout, err))
		syslog(LOG_WARNING, "watchdog: %s", err);
	if (!msg)
		return;
	tarn_event_add(st, level, "watchdog", msg);
	syslog(strcmp(level, "info") ? LOG_WARNING : LOG_INFO, "watchdog: %s", msg);
}

static void kicked(struct tarn_watchdog *w)
{
	clock_gettime(CLOCK_MONOTONIC, &w->kicked);
	w->failing = 0;
}

static void forget(struct tarn_watchdog *w)
{
	w->slot = 0;
	w->fencing = 0;
	if (unlink(w->path) != 0 && errno != ENOENT)
		syslog(LOG_WARNING, "watchdog: cannot remove %s: %m", w->path);
}

void tarn_watchdog_open(struct tarn_watchdog *w, const char *rundir, tarn_store *st)
{
	*w = (struct tarn_watchdog){0};
	snprintf(w->path, sizeof w->path, "%s/tarn", rundir);
	if (mkdir(w->path, 0755) != 0 && errno != EEXIST) /* the local socket's directory, made there first */
		syslog(LOG_WARNING, "watchdog: cannot make %s: %m", w->path);
	snprintf(w->path, sizeof w->path, "%s/tarn/watchdog", rundir);
	tarn_err err;
	size_t len;
	char *text = tarn_read_file(w->path, 64, &len, err);
	long slot = text ? strtol(text, NULL, 10) : 0;
	int found = text != NULL;
	free(text);
	if (slot < 1 || slot > 2) {
		if (found)
			forget(w);
		say(w, st, "info", NULL);
		return;
	}
	char msg[200];
	if (call(w, (uint32_t)slot, TARN_WATCHDOG_TIMEOUT) == 0) {
		w->slot = (uint32_t)slot;
		kicked(w);
		snprintf(msg, sizeof msg, "Xen's watchdog slot %ld, left armed by the agent that stopped, is kicked "
			 "again (%d s)", slot, TARN_WATCHDOG_TIMEOUT);
		say(w, st, "info", msg);
	} else if (errno == EINVAL) { /* Xen holds no such slot: nothing to take over */
		forget(w);
		say(w, st, "info", NULL);
	} else { /* kept: tried again at each turn */
		w->slot = (uint32_t)slot;
		failed(w, st, "kick the slot the agent that stopped left");
	}
}

static void arm(struct tarn_watchdog *w, int ha, tarn_store *st)
{
	int id = call(w, 0, TARN_WATCHDOG_TIMEOUT);
	if (id <= 0) {
		failed(w, st, errno == ENOSPC ? "arm Xen's watchdog: both of dom0's slots are taken" : "arm Xen's watchdog");
		return;
	}
	w->slot = (uint32_t)id;
	kicked(w);
	char text[16], msg[300];
	tarn_err err;
	snprintf(text, sizeof text, "%d\n", id);
	if (tarn_write_file_atomic(w->path, text, strlen(text), 0644, err))
		syslog(LOG_ERR, "watchdog: %s: an agent restarted after a crash will not find slot %d", err, id);
	snprintf(msg, sizeof msg, "Xen's watchdog armed (slot %d, %d s): %d HA guest(s) run here; should this "
		 "agent stop answering, Xen reboots the host before the pool restarts them elsewhere", id,
		 TARN_WATCHDOG_TIMEOUT, ha);
	say(w, st, "info", msg);
}

static void disarm(struct tarn_watchdog *w, tarn_store *st, const char *why)
{
	if (call(w, w->slot, 0) != 0 && errno != EINVAL) { /* EINVAL: not armed any more */
		failed(w, st, "disarm Xen's watchdog");
		return;
	}
	char msg[300];
	snprintf(msg, sizeof msg, "Xen's watchdog disarmed (slot %u): %s", (unsigned)w->slot, why);
	forget(w);
	w->failing = 0;
	say(w, st, "info", msg);
}

void tarn_watchdog_run(struct tarn_watchdog *w, int ha, int healthy, int fencing, tarn_store *st)
{
	if (ha == 0 && w->slot)
		disarm(w, st, "no HA guest runs here");
	else if (ha > 0 && !w->slot && !w->stopping)
		arm(w, ha, st);
	if (!w->slot)
		return;
	if (!healthy) {
		/* a pool of others silent for the fence deadline: the fence is due
		 * now, and should it not end the HA guests (a destroy that never
		 * ends), Xen reboots the host before a master may restart them
		 * (pool-ha.h); before the first read, the 30 s left stand */
		if (fencing && !w->fencing && call(w, w->slot, TARN_WATCHDOG_FENCE) == 0) {
			w->fencing = 1;
			kicked(w);
			say(w, st, "warning", "the pool is silent: Xen's watchdog now reboots this host in "
			    TARN_WATCHDOG_STR(TARN_WATCHDOG_FENCE) " s unless its HA guests have stopped by then");
		}
		return;
	}
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - w->kicked.tv_sec < TARN_WATCHDOG_KICK && !w->fencing)
		return;
	if (call(w, w->slot, TARN_WATCHDOG_TIMEOUT) == 0) {
		kicked(w);
		if (w->fencing) {
			w->fencing = 0;
			say(w, st, "info", "the pool answers again: Xen's watchdog is kicked with "
			    TARN_WATCHDOG_STR(TARN_WATCHDOG_TIMEOUT) " s again");
		}
	} else if (errno == EINVAL) { /* Xen holds no such slot: armed again at the next turn */
		char msg[200];
		snprintf(msg, sizeof msg, "Xen no longer holds watchdog slot %u: it is armed again", (unsigned)w->slot);
		forget(w);
		say(w, st, "warning", msg);
	} else
		failed(w, st, "kick Xen's watchdog");
}

void tarn_watchdog_disarm(struct tarn_watchdog *w, tarn_store *st, const char *why)
{
	w->stopping = 1;
	if (w->slot)
		disarm(w, st, why);
}

void tarn_watchdog_close(struct tarn_watchdog *w)
{
	if (w->xch)
		xc_interface_close(w->xch);
	w->xch = NULL;
}
