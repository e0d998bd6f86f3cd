/* The guest reconciler over libxl; see guest-apply.h. */
#include "guest-apply.h"

#include <errno.h>
#include <fcntl.h>
#include <libxl_utils.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cpulist.h"
#include "event.h"
#include "fileio.h"
#include "guest-config.h"
#include "guest-decide.h"
#include "migrate-request.h"
#include "pool-ha.h"
#include "pool-store.h"
#include "task.h"
#include "xlcfg.h"

/* A guest as the pool store has it, copied out of the read. */
struct want {
	char uuid[37], name[65], host[256], desired[16], request[16], drift[16];
	char actual[16], error[TARN_ERRLEN], affinity[256];
	char *xlcfg, *pins;
	int64_t gen, error_gen;
	int stop_timeout, domid, ha;
};

struct wants {
	struct want *w;
	int n;
};

/* What the engine keeps of a guest. */
struct rec {
	char uuid[37], name[65];
	int present;                 /* still defined, at the last read */
	int ha;                      /* an HA guest, at the last read: fenced when the pool is lost */
	struct tarn_guest_memory mem;
	char error[TARN_ERRLEN];     /* what went wrong, and at which generation */
	int64_t error_gen;
	/* an asynchronous operation in flight: TARN_ACT_CREATE, _DESTROY,
	 * _SUSPEND or _RESTORE */
	enum tarn_act op;
	libxl_domain_config dc;      /* the create's or restore's, until it ends */
	int fd;                      /* the saved state being written or read */
	uint32_t domid;
	int unpause;                 /* the created domain is meant to run */
	long memory, vcpus;          /* what its domain was given (MiB, count); 0: not known */
};

struct tarn_guests {
	struct tarn_xen *xen;
	tarn_pool *pool;
	char self[256];
	char savedir[4096]; /* suspended guests' memory, UUID.save, and configuration, UUID.json */
	char console_dir[4096]; /* xenconsoled's logs, "" when not handed over */
	gid_t console_gid;
	struct rec **recs;
	int nrecs, busy;
	time_t next_scan;
	int pool_down; /* said once until it answers again */
	time_t pool_ok;  /* the last read of the pool that worked */
	int fenced;      /* HA guests destroyed while the pool was lost; until it answers */
	int looked;      /* a scan has read the pool since the engine started */
	int members;     /* the pool's members at the last read: a pool of one never fences */
	int ha_doms;     /* HA guests with a domain here at the last look (-1: none yet): watchdog.h */
};

/* A domain as listed. */
struct dom {
	uint32_t domid;
	char *name;
	struct tarn_guest_seen seen;
};

/* An event, also in syslog. */
static void say(tarn_store *st, const char *level, const char *subject, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	tarn_event_add(st, level, subject, msg);
	syslog(strcmp(level, "info") ? LOG_WARNING : LOG_INFO, "%s: %s", subject, msg);
}

struct tarn_guests *tarn_guests_new(struct tarn_xen *xen, const char *pool_address, const char *statedir)
{
	struct tarn_guests *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->xen = xen;
	snprintf(g->self, sizeof g->self, "%s", pool_address);
	snprintf(g->savedir, sizeof g->savedir, "%s/suspend", statedir);
	g->pool_ok = time(NULL);
	g->ha_doms = -1;
	/* the engine creates no pool: the node id is not needed */
	if (!(g->pool = tarn_pool_open(pool_address, 0))) {
		free(g);
		return NULL;
	}
	return g;
}

void tarn_guests_console(struct tarn_guests *g, const char *dir, gid_t gid)
{
	snprintf(g->console_dir, sizeof g->console_dir, "%s", dir);
	g->console_gid = gid;
}

/* Where the guest's console is logged: 0, or -1 when nowhere. */
static int console_path(const struct tarn_guests *g, const char *name, char *path, size_t len)
{
	return g->console_dir[0] ? (snprintf(path, len, "%s/guest-%s.log", g->console_dir, name), 0) : -1;
}

/* The guest's console log, readable by the API's group (not a link). */
static void share_console(const struct tarn_guests *g, const char *name)
{
	char path[4200];
	struct stat sb;
	if (console_path(g, name, path, sizeof path))
		return;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_gid != g->console_gid || !(sb.st_mode & S_IRGRP)) &&
	    (fchown(fd, (uid_t)-1, g->console_gid) || fchmod(fd, (sb.st_mode & 0750) | S_IRGRP)))
		syslog(LOG_WARNING, "guest %s: cannot make its console log readable by the API: %m", name);
	close(fd);
}

int tarn_guests_busy(const struct tarn_guests *g)
{
	return g && g->busy;
}

void tarn_guests_free(struct tarn_guests *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->nrecs; i++)
		if (g->recs[i]->op == TARN_ACT_NONE) /* else libxl still holds it: the process is ending */
			free(g->recs[i]);
	free(g->recs);
	tarn_pool_close(g->pool);
	free(g);
}

static struct rec *find_rec(struct tarn_guests *g, const struct want *w)
{
	for (int i = 0; i < g->nrecs; i++)
		if (strcmp(g->recs[i]->uuid, w->uuid) == 0)
			return g->recs[i];
	struct rec **more = realloc(g->recs, (size_t)(g->nrecs + 1) * sizeof *more);
	struct rec *r = calloc(1, sizeof *r);
	if (!more || !r) {
		if (more)
			g->recs = more;
		free(r);
		return NULL;
	}
	g->recs = more;
	g->recs[g->nrecs++] = r;
	snprintf(r->uuid, sizeof r->uuid, "%s", w->uuid);
	snprintf(r->name, sizeof r->name, "%s", w->name);
	r->fd = -1;
	snprintf(r->error, sizeof r->error, "%s", w->error); /* kept across an agent restart */
	r->error_gen = w->error_gen;
	return r;
}

/* Guests no longer defined are forgotten, once nothing is in flight for them. */
static void forget_gone(struct tarn_guests *g)
{
	int k = 0;
	for (int i = 0; i < g->nrecs; i++) {
		if (!g->recs[i]->present && g->recs[i]->op == TARN_ACT_NONE)
			free(g->recs[i]);
		else
			g->recs[k++] = g->recs[i];
	}
	g->nrecs = k;
}

static void set_error(struct rec *r, int64_t gen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof r->error, fmt, ap);
	va_end(ap);
	r->error_gen = gen;
}

/* libxl's own words for what failed, or a plain fallback. */
static const char *why(const struct tarn_guests *g)
{
	const char *last = tarn_xen_last(g->xen);
	return last[0] ? last : "libxl failed (see the system log)";
}

static int copy_want(void *ctx, const struct tarn_guest *src)
{
	struct wants *ws = ctx;
	struct want *more = realloc(ws->w, (size_t)(ws->n + 1) * sizeof *more);
	if (!more)
		return -1;
	ws->w = more;
	struct want *w = &ws->w[ws->n];
	memset(w, 0, sizeof *w);
	snprintf(w->uuid, sizeof w->uuid, "%s", src->uuid);
	snprintf(w->name, sizeof w->name, "%s", src->name);
	snprintf(w->host, sizeof w->host, "%s", src->host);
	snprintf(w->desired, sizeof w->desired, "%s", src->desired);
	snprintf(w->request, sizeof w->request, "%s", src->request);
	snprintf(w->drift, sizeof w->drift, "%s", src->drift);
	snprintf(w->actual, sizeof w->actual, "%s", src->actual);
	snprintf(w->error, sizeof w->error, "%s", src->error);
	snprintf(w->affinity, sizeof w->affinity, "%s", src->affinity);
	w->gen = src->gen, w->error_gen = src->error_gen;
	w->stop_timeout = src->stop_timeout, w->domid = src->domid, w->ha = src->ha;
	w->xlcfg = strdup(src->xlcfg);
	w->pins = strdup(src->pins);
	if (!w->xlcfg || !w->pins) {
		free(w->xlcfg);
		free(w->pins);
		return -1;
	}
	ws->n++;
	return 0;
}

static void free_wants(struct wants *ws)
{
	for (int i = 0; i < ws->n; i++) {
		free(ws->w[i].xlcfg);
		free(ws->w[i].pins);
	}
	free(ws->w);
}

static struct tarn_guest_seen seen_of(const libxl_dominfo *d)
{
	struct tarn_guest_seen s = {TARN_DOM_RUNNING, TARN_WHY_OTHER};
	if (d->dying) {
		s.dom = TARN_DOM_DYING;
	} else if (d->shutdown) {
		s.dom = TARN_DOM_SHUTDOWN;
		switch (d->shutdown_reason) {
		case LIBXL_SHUTDOWN_REASON_POWEROFF: s.why = TARN_WHY_POWEROFF; break;
		case LIBXL_SHUTDOWN_REASON_REBOOT: s.why = TARN_WHY_REBOOT; break;
		case LIBXL_SHUTDOWN_REASON_SUSPEND: s.why = TARN_WHY_SUSPEND; break;
		case LIBXL_SHUTDOWN_REASON_CRASH: s.why = TARN_WHY_CRASH; break;
		case LIBXL_SHUTDOWN_REASON_WATCHDOG: s.why = TARN_WHY_WATCHDOG; break;
		default: s.why = TARN_WHY_OTHER; break;
		}
	} else if (d->paused) {
		s.dom = TARN_DOM_PAUSED;
	}
	return s;
}

static enum tarn_on on_of(libxl_action_on_shutdown a)
{
	return a == LIBXL_ACTION_ON_SHUTDOWN_RESTART ? TARN_ON_RESTART
	       : a == LIBXL_ACTION_ON_SHUTDOWN_PRESERVE ? TARN_ON_PRESERVE : TARN_ON_DESTROY;
}

/* What the pool asks, in the decision's terms; the on_* actions are read
 * from the xl.cfg only when a domain has shut down, the one time they count. */
static void want_of(const struct want *w, int shut_down, int ncpus, struct tarn_guest_want *out)
{
	*out = (struct tarn_guest_want){
		.desired = !strcmp(w->desired, "running") ? TARN_RUNNING
			   : !strcmp(w->desired, "paused") ? TARN_PAUSED
			   : !strcmp(w->desired, "suspended") ? TARN_SUSPENDED : TARN_STOPPED,
		.request = !strcmp(w->request, "reboot") ? TARN_REQ_REBOOT
			   : !strcmp(w->request, "destroy") ? TARN_REQ_DESTROY : TARN_REQ_NONE,
		.leave_drift = strcmp(w->drift, "leave") == 0,
		.stop_timeout = w->stop_timeout,
		.gen = w->gen,
		.on_reboot = TARN_ON_RESTART,
	};
	libxl_domain_config dc;
	tarn_err ignore;
	libxl_domain_config_init(&dc);
	if (shut_down && tarn_guest_config(w->xlcfg, w->uuid, ncpus, &dc, ignore) == 0) {
		out->on_poweroff = on_of(dc.on_poweroff);
		out->on_reboot = on_of(dc.on_reboot);
		out->on_watchdog = on_of(dc.on_watchdog);
		out->on_crash = on_of(dc.on_crash);
	}
	libxl_domain_config_dispose(&dc);
}

/* A suspended guest's files: STATEDIR/suspend/UUID.EXT. */
static void saved_path(const struct tarn_guests *g, const char *uuid, const char *ext, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.%s", g->savedir, uuid, ext);
}

static int is_saved(const struct tarn_guests *g, const char *uuid)
{
	char path[4200];
	saved_path(g, uuid, "save", path, sizeof path);
	return access(path, F_OK) == 0;
}

static void unlink_saved(const struct tarn_guests *g, const char *uuid)
{
	char path[4200];
	saved_path(g, uuid, "save", path, sizeof path);
	unlink(path);
	saved_path(g, uuid, "save.tmp", path, sizeof path);
	unlink(path);
	saved_path(g, uuid, "json", path, sizeof path);
	unlink(path);
}

/* A suspended guest meant to be stopped: its saved memory is dropped. */
static void discard(struct tarn_guests *g, struct rec *r, tarn_store *st)
{
	unlink_saved(g, r->uuid);
	say(st, "info", "guest", "guest %s: its saved state was discarded (it is stopped)", r->name);
}

/* The domain's configuration as libxl keeps it (what xl save writes too),
 * beside the save file: a restore needs the very configuration it was
 * saved with, whatever the xl.cfg says since. Then the memory is written
 * to UUID.save.tmp, renamed when done (finished()). */
static void suspend(struct tarn_guests *g, libxl_ctx *ctx, struct rec *r, const struct want *w, uint32_t domid,
		    tarn_store *st)
{
	char path[4200];
	tarn_err err = "";
	libxl_domain_config dc;
	libxl_domain_config_init(&dc);
	char *json = libxl_retrieve_domain_configuration(ctx, domid, &dc, NULL) == 0
			     ? libxl_domain_config_to_json(ctx, &dc) : NULL;
	libxl_domain_config_dispose(&dc);
	saved_path(g, r->uuid, "json", path, sizeof path);
	if (!json) {
		set_error(r, w->gen, "cannot suspend: cannot read its domain's configuration: %s", why(g));
	} else if ((mkdir(g->savedir, 0700) && errno != EEXIST) ||
		   tarn_write_file_atomic(path, json, strlen(json), 0600, err)) {
		set_error(r, w->gen, "cannot suspend: %s", err[0] ? err : strerror(errno));
	} else {
		saved_path(g, r->uuid, "save.tmp", path, sizeof path);
		r->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		libxl_asyncop_how how = {.callback = NULL, .u.for_event = (libxl_ev_user)(uintptr_t)r};
		if (r->fd < 0) {
			set_error(r, w->gen, "cannot suspend: %s: %s", path, strerror(errno));
		} else if (libxl_domain_suspend(ctx, domid, r->fd, 0, &how) == 0) {
			r->op = TARN_ACT_SUSPEND;
			r->domid = domid;
			g->busy++;
			say(st, "info", "guest", "guest %s: suspending to %s", r->name, g->savedir);
			free(json);
			return;
		} else {
			set_error(r, w->gen, "cannot suspend: %s", why(g));
		}
	}
	free(json);
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	unlink_saved(g, r->uuid);
	tarn_guest_start_failed(&r->mem, time(NULL)); /* not tried again at every scan */
	say(st, "error", "guest", "guest %s: %s", r->name, r->error);
}

/* The configuration and the stream a suspended guest is restored from. */
static int restore_from(struct tarn_guests *g, libxl_ctx *ctx, struct rec *r, tarn_err err)
{
	char path[4200];
	size_t len;
	saved_path(g, r->uuid, "json", path, sizeof path);
	char *json = tarn_read_file(path, 1 << 20, &len, err);
	int rc = json && libxl_domain_config_from_json(ctx, &r->dc, json) == 0 ? 0 : -1;
	if (json && rc)
		snprintf(err, TARN_ERRLEN, "its saved configuration (%s.json) is not one libxl reads", r->uuid);
	free(json);
	saved_path(g, r->uuid, "save", path, sizeof path);
	if (rc == 0 && (r->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, TARN_ERRLEN, "its saved state (%s.save): %s", r->uuid, strerror(errno));
		rc = -1;
	}
	return rc;
}

/* Whether this host runs the guest's type: HVM and PVH need AMD-V or
 * VT-x with nested paging, HVM QEMU's device model too. */
static int type_runs(libxl_ctx *ctx, const libxl_domain_config *dc, tarn_err err)
{
	libxl_physinfo pi;
	libxl_physinfo_init(&pi);
	enum tarn_hvm hvm = libxl_get_physinfo(ctx, &pi) == 0 ? tarn_hvm_of(pi.cap_hvm, pi.cap_hap, pi.cap_shadow)
							     : TARN_HVM_NONE;
	libxl_physinfo_dispose(&pi);
	libxl_domain_type t = dc->c_info.type;
	return tarn_guest_type_runs(t == LIBXL_DOMAIN_TYPE_HVM ? "hvm" : t == LIBXL_DOMAIN_TYPE_PVH ? "pvh" : "pv", hvm,
				    access(TARN_DEVICE_MODEL, X_OK) == 0, err);
}

/* An HVM guest's serial console is QEMU's: logged where xenconsoled logs
 * the PV guests' consoles, so guest.console reads both alike. */
static int log_serial(const struct tarn_guests *g, libxl_domain_config *dc, tarn_err err)
{
	char path[4200];
	return console_path(g, dc->c_info.name, path, sizeof path) ? 0 : tarn_guest_config_serial_log(dc, path, err);
}

/* Starts creating the guest's domain, new or (TARN_ACT_RESTORE) from its
 * saved state; it ends in finished(). */
static void create(struct tarn_guests *g, libxl_ctx *ctx, struct rec *r, const struct want *w, int ncpus,
		   tarn_store *st)
{
	tarn_err err = "";
	uint64_t need = 0, free_kb = 0;
	int restore = is_saved(g, w->uuid);
	libxl_domain_config_init(&r->dc);
	tarn_xen_clear(g->xen);
	if (restore ? restore_from(g, ctx, r, err)
		    : tarn_guest_config(w->xlcfg, w->uuid, ncpus, &r->dc, err) ||
			      tarn_guest_config_pin(&r->dc, ncpus, w->pins, err) || type_runs(ctx, &r->dc, err) ||
			      log_serial(g, &r->dc, err)) {
		set_error(r, w->gen, "cannot %s: %s", restore ? "resume" : "start", err);
	} else if (libxl_domain_need_memory(ctx, &r->dc, INVALID_DOMID, &need) == 0 &&
		   libxl_get_free_memory(ctx, &free_kb) == 0 && need > free_kb) {
		set_error(r, w->gen, "cannot %s: it needs %llu MiB and the host has %llu MiB free", restore ? "resume" : "start",
			  (unsigned long long)(need + 1023) / 1024, (unsigned long long)free_kb / 1024);
	} else {
		libxl_asyncop_how how = {.callback = NULL, .u.for_event = (libxl_ev_user)(uintptr_t)r};
		libxl_domain_restore_params params;
		libxl_domain_restore_params_init(&params);
		params.stream_version = 2; /* what libxl_domain_suspend writes */
		int rc = restore ? libxl_domain_create_restore(ctx, &r->dc, &r->domid, r->fd, -1, &params, &how, NULL)
				 : libxl_domain_create_new(ctx, &r->dc, &r->domid, &how, NULL);
		libxl_domain_restore_params_dispose(&params);
		if (rc == 0) {
			r->op = restore ? TARN_ACT_RESTORE : TARN_ACT_CREATE;
			r->memory = (long)(r->dc.b_info.target_memkb / 1024);
			r->vcpus = libxl_bitmap_count_set(&r->dc.b_info.avail_vcpus);
			r->unpause = strcmp(w->desired, "running") == 0;
			g->busy++;
			say(st, "info", "guest", "guest %s: %s", r->name, restore ? "resuming from its saved state" : "starting");
			return;
		}
		set_error(r, w->gen, "cannot %s: %s", restore ? "resume" : "start", why(g));
	}
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	libxl_domain_config_dispose(&r->dc);
	tarn_guest_start_failed(&r->mem, time(NULL));
	say(st, "error", "guest", "guest %s: %s", r->name, r->error);
}

static void destroy(struct tarn_guests *g, libxl_ctx *ctx, struct rec *r, int64_t gen, uint32_t domid,
		    tarn_store *st)
{
	libxl_asyncop_how how = {.callback = NULL, .u.for_event = (libxl_ev_user)(uintptr_t)r};
	tarn_xen_clear(g->xen);
	if (libxl_domain_destroy(ctx, domid, &how) == 0) {
		r->op = TARN_ACT_DESTROY;
		g->busy++;
		return;
	}
	set_error(r, gen, "cannot destroy domain %u: %s", domid, why(g));
	say(st, "error", "guest", "guest %s: %s", r->name, r->error);
}

/* A quick libxl call; a failure is the guest's error. */
static void quick(struct tarn_guests *g, struct rec *r, const struct want *w, int rc, const char *what,
		  tarn_store *st)
{
	if (rc == 0)
		return;
	set_error(r, w->gen, "cannot %s: %s", what, why(g));
	say(st, "error", "guest", "guest %s: %s", r->name, r->error);
}

/* An HVM guest without PV drivers cannot hear a shutdown or reboot asked
 * through Xen (rc ERROR_NOPARAVIRT): it gets the ACPI power button or a
 * reset instead, as xl's -F does. */
static int pv_or_acpi(libxl_ctx *ctx, uint32_t domid, int rc, libxl_trigger trigger)
{
	return rc == ERROR_NOPARAVIRT ? libxl_send_trigger(ctx, domid, trigger, 0, NULL) : rc;
}

static void act(struct tarn_guests *g, libxl_ctx *ctx, struct rec *r, const struct want *w, const struct dom *d,
		const struct tarn_guest_plan *p, int ncpus, tarn_store *st)
{
	tarn_xen_clear(g->xen);
	switch (p->act) {
	case TARN_ACT_NONE: break;
	case TARN_ACT_CREATE: create(g, ctx, r, w, ncpus, st); break;
	case TARN_ACT_DESTROY:
	case TARN_ACT_RESTART: destroy(g, ctx, r, w->gen, d->domid, st); break;
	case TARN_ACT_SUSPEND: suspend(g, ctx, r, w, d->domid, st); break;
	case TARN_ACT_RESTORE: create(g, ctx, r, w, ncpus, st); break;
	case TARN_ACT_DISCARD: discard(g, r, st); break;
	case TARN_ACT_SHUTDOWN:
		if (d->seen.dom == TARN_DOM_PAUSED) /* a paused guest cannot hear the request */
			libxl_domain_unpause(ctx, d->domid, NULL);
		say(st, "info", "guest", "guest %s: shutting down (destroyed if still up after %d s)", r->name,
		    w->stop_timeout);
		quick(g, r, w, pv_or_acpi(ctx, d->domid, libxl_domain_shutdown(ctx, d->domid, NULL), LIBXL_TRIGGER_POWER),
		      "shut down cleanly", st);
		break;
	case TARN_ACT_PAUSE: quick(g, r, w, libxl_domain_pause(ctx, d->domid, NULL), "pause", st); break;
	case TARN_ACT_UNPAUSE: quick(g, r, w, libxl_domain_unpause(ctx, d->domid, NULL), "unpause", st); break;
	case TARN_ACT_REBOOT:
		quick(g, r, w, pv_or_acpi(ctx, d->domid, libxl_domain_reboot(ctx, d->domid, NULL), LIBXL_TRIGGER_RESET),
		      "reboot", st);
		break;
	}
}

/* A suspend ended: the saved state put in place and the domain destroyed,
 * or, when it failed, the domain running on and the partial file gone. */
static void suspended(struct tarn_guests *g, libxl_ctx *ctx, struct rec *r, int rc, tarn_store *st)
{
	char tmp[4200], path[4200];
	saved_path(g, r->uuid, "save.tmp", tmp, sizeof tmp);
	saved_path(g, r->uuid, "save", path, sizeof path);
	int io = rc == 0 ? fsync(r->fd) : 0;
	if (close(r->fd) || io || (rc == 0 && rename(tmp, path))) {
		snprintf(r->error, sizeof r->error, "cannot suspend: writing its saved state: %s", strerror(errno));
		rc = -1;
	} else if (rc) {
		set_error(r, r->mem.gen, "cannot suspend: %s", why(g));
	}
	r->fd = -1;
	if (rc == 0) {
		say(st, "info", "guest", "guest %s: suspended to %s", r->name, path);
		destroy(g, ctx, r, r->mem.gen, r->domid, st);
		return;
	}
	r->error_gen = r->mem.gen;
	unlink_saved(g, r->uuid);
	libxl_domain_resume(ctx, r->domid, 1, NULL); /* the guest goes on where it was */
	tarn_guest_start_failed(&r->mem, time(NULL));
	say(st, "error", "guest", "guest %s: %s", r->name, r->error);
}

/* An asynchronous operation ended. */
static void finished(struct tarn_guests *g, libxl_ctx *ctx, struct rec *r, int rc, tarn_store *st)
{
	enum tarn_act op = r->op;
	r->op = TARN_ACT_NONE;
	g->busy--;
	g->next_scan = 0; /* look again at once */
	if (op == TARN_ACT_DESTROY) {
		if (rc)
			say(st, "error", "guest", "guest %s: destroying its domain failed: %s", r->name, why(g));
		return;
	}
	if (op == TARN_ACT_SUSPEND) {
		suspended(g, ctx, r, rc, st);
		return;
	}
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	if (op == TARN_ACT_RESTORE && rc == 0)
		unlink_saved(g, r->uuid); /* running again: the saved state is spent */
	libxl_domain_config_dispose(&r->dc);
	if (rc == 0 && r->unpause && libxl_domain_unpause(ctx, r->domid, NULL) != 0)
		rc = -1;
	if (rc == 0) {
		r->mem.failures = 0;
		say(st, "info", "guest", "guest %s: %s (domain %u)%s", r->name, op == TARN_ACT_RESTORE ? "resumed" : "started",
		    r->domid, r->unpause ? "" : ", paused");
		return;
	}
	set_error(r, r->mem.gen, op == TARN_ACT_RESTORE ? "cannot resume (set it stopped to discard its saved state): %s"
							: "cannot start: %s", why(g));
	tarn_guest_start_failed(&r->mem, time(NULL));
	say(st, "error", "guest", "guest %s: %s", r->name, r->error);
}

/* Ended operations come as OPERATION_COMPLETE events naming their guest. */
static void collect(struct tarn_guests *g, libxl_ctx *ctx, tarn_store *st)
{
	libxl_event *ev;
	while (libxl_event_check(ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL) == 0) {
		if (ev->type == LIBXL_EVENT_TYPE_OPERATION_COMPLETE)
			finished(g, ctx, (struct rec *)(uintptr_t)ev->for_user, ev->u.operation_complete.rc, st);
		libxl_event_free(ctx, ev);
	}
}

/* Live pins (w->pins) applied where Xen's affinity differs; each vCPU's
 * hard affinity as Xen has it afterwards, into out ("0:1 1:all"). */
static void pin(struct tarn_guests *g, libxl_ctx *ctx, struct rec *r, const struct want *w, uint32_t domid,
		int ncpus, char *out, size_t len, tarn_store *st)
{
	int nb = 0, nr = 0;
	libxl_vcpuinfo *v = libxl_list_vcpu(ctx, domid, &nb, &nr);
	size_t at = 0;
	if (!v) {
		snprintf(out, len, "%s", w->affinity);
		return;
	}
	out[0] = '\0';
	for (int i = 0; i < nb; i++) {
		char list[256], have[256];
		tarn_err err;
		tarn_cpulist_format(&v[i].cpumap, ncpus, have, sizeof have);
		if (tarn_pins_get(w->pins, (int)v[i].vcpuid, list, sizeof list)) {
			libxl_bitmap m;
			libxl_bitmap_init(&m);
			if (tarn_cpulist_parse(list, ncpus, &m, err)) {
				set_error(r, w->gen, "cannot pin vCPU %u: %s", v[i].vcpuid, err);
			} else {
				tarn_cpulist_format(&m, ncpus, list, sizeof list);
				if (strcmp(list, have) && libxl_set_vcpuaffinity(ctx, domid, v[i].vcpuid, &m, NULL) == 0) {
					say(st, "info", "guest", "guest %s: vCPU %u pinned to CPUs %s", r->name, v[i].vcpuid,
					    list);
					snprintf(have, sizeof have, "%s", list);
				} else if (strcmp(list, have)) {
					set_error(r, w->gen, "cannot pin vCPU %u: %s", v[i].vcpuid, why(g));
				}
			}
			libxl_bitmap_dispose(&m);
		}
		if (at < len)
			at += (size_t)snprintf(out + at, len - at, "%s%u:%s", at ? " " : "", v[i].vcpuid, have);
	}
	libxl_vcpuinfo_list_free(v, nb);
}

/* The config's memory, live: up to the domain's static maximum (its maxmem
 * at start), which Xen cannot raise. */
static void live_memory(struct tarn_guests *g, libxl_ctx *ctx, struct rec *r, const struct want *w, uint32_t domid,
			long mib, tarn_store *st)
{
	uint64_t target = 0;
	if (!r->memory && libxl_get_memory_target(ctx, domid, &target) == 0 && target == (uint64_t)mib * 1024) {
		r->memory = mib; /* first look (a restarted engine): already so */
		return;
	}
	libxl_domain_config dc;
	libxl_domain_config_init(&dc);
	uint64_t max = libxl_retrieve_domain_configuration(ctx, domid, &dc, NULL) == 0 ? dc.b_info.max_memkb : 0;
	libxl_domain_config_dispose(&dc);
	uint64_t want = (uint64_t)mib * 1024;
	if (max && want > max)
		want = max;
	r->memory = mib; /* asked once per change, whatever comes of it */
	if (libxl_set_memory_target(ctx, domid, (int64_t)want, 0, 1) != 0) {
		set_error(r, w->gen, "cannot set memory to %llu MiB: %s", (unsigned long long)want / 1024, why(g));
		say(st, "error", "guest", "guest %s: %s", r->name, r->error);
	} else if (want < (uint64_t)mib * 1024) {
		say(st, "info", "guest", "guest %s: memory set to %llu MiB, its maximum while it runs; %ld MiB at its "
		    "next start", r->name, (unsigned long long)want / 1024, mib);
	} else {
		say(st, "info", "guest", "guest %s: memory set to %ld MiB", r->name, mib);
	}
}

/* The config's vCPUs, live: online up to the domain's maximum (its
 * maxvcpus at start). */
static void live_vcpus(struct tarn_guests *g, libxl_ctx *ctx, struct rec *r, const struct want *w, uint32_t domid,
		       long n, tarn_store *st)
{
	libxl_dominfo info;
	libxl_dominfo_init(&info);
	int have = libxl_domain_info(ctx, &info, domid) == 0;
	long max = have ? (long)info.vcpu_max_id + 1 : n, online = have ? (long)info.vcpu_online : 0;
	libxl_dominfo_dispose(&info);
	int first = !r->vcpus; /* a restarted engine's first look */
	r->vcpus = n;
	if (!have || (first && online == n))
		return;
	long want = n < max ? n : max;
	libxl_bitmap m;
	libxl_bitmap_init(&m);
	int rc = libxl_cpu_bitmap_alloc(ctx, &m, (int)max);
	for (long i = 0; rc == 0 && i < want; i++)
		libxl_bitmap_set(&m, (int)i);
	if (rc || libxl_set_vcpuonline(ctx, domid, &m, NULL) != 0) {
		set_error(r, w->gen, "cannot set %ld vCPUs online: %s", want, why(g));
		say(st, "error", "guest", "guest %s: %s", r->name, r->error);
	} else if (want < n) {
		say(st, "info", "guest", "guest %s: %ld vCPUs online, its maximum while it runs; %ld at its next start",
		    r->name, want, n);
	} else {
		say(st, "info", "guest", "guest %s: %ld vCPUs online", r->name, n);
	}
	libxl_bitmap_dispose(&m);
}

/* Memory and vCPUs changed in the config since the domain got them. */
static void resize(struct tarn_guests *g, libxl_ctx *ctx, struct rec *r, const struct want *w, uint32_t domid,
		   tarn_store *st)
{
	struct tarn_xlcfg c;
	tarn_err err;
	if (tarn_xlcfg_parse(w->xlcfg, &c, err))
		return;
	tarn_xen_clear(g->xen);
	if (c.memory != r->memory)
		live_memory(g, ctx, r, w, domid, c.memory, st);
	if (c.vcpus != r->vcpus)
		live_vcpus(g, ctx, r, w, domid, c.vcpus, st);
}

/* Writes what was seen when it differs from what the pool has. */
static void report(struct tarn_guests *g, const struct want *w, const struct rec *r, const char *actual,
		   const char *affinity, int domid)
{
	if (!strcmp(w->actual, actual) && !strcmp(w->error, r->error) && w->error_gen == r->error_gen &&
	    !strcmp(w->affinity, affinity) && w->domid == domid)
		return;
	struct tarn_guest t = {.uuid = w->uuid, .actual = actual, .error = r->error, .error_gen = r->error_gen,
			       .affinity = affinity, .domid = domid};
	tarn_err err;
	if (tarn_pool_guest_report(g->pool, &t, err))
		syslog(LOG_WARNING, "guest %s: cannot report its state: %s", w->name, err);
}

static const struct dom *dom_named(const struct dom *doms, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (doms[i].name && strcmp(doms[i].name, name) == 0)
			return &doms[i];
	return NULL;
}

/* A guest left alone this scan: what the engine remembers of it is kept. */
static void keep_rec(struct tarn_guests *g, const struct want *w)
{
	struct rec *r = find_rec(g, w);
	if (r)
		r->present = 1;
}

static void one_guest(struct tarn_guests *g, libxl_ctx *ctx, const struct want *w, const struct dom *doms, int n,
		      int ncpus, time_t now, tarn_store *st)
{
	struct rec *r = find_rec(g, w);
	if (!r)
		return;
	r->present = 1;
	r->ha = w->ha;
	const struct dom *d = dom_named(doms, n, w->name);
	struct tarn_guest_seen seen = {is_saved(g, w->uuid) ? TARN_DOM_SAVED : TARN_DOM_ABSENT, TARN_WHY_OTHER};
	if (d)
		seen = d->seen;
	const char *actual = r->op == TARN_ACT_CREATE ? "starting" : r->op == TARN_ACT_RESTORE ? "resuming"
			     : r->op == TARN_ACT_SUSPEND ? "suspending" : "stopping";
	if (r->op == TARN_ACT_NONE) {
		struct tarn_guest_want want;
		struct tarn_guest_plan p;
		tarn_err err;
		want_of(w, seen.dom == TARN_DOM_SHUTDOWN, ncpus, &want);
		tarn_guest_decide(&want, &seen, &r->mem, now, &p);
		actual = p.actual;
		if (p.drift)
			say(st, "warning", "drift", "guest %s: %s; %s", w->name, p.why,
			    p.adopt ? (p.adopt_state == TARN_STOPPED ? "left so: now meant to be stopped (drift policy leave)"
				       : p.adopt_state == TARN_PAUSED ? "left so: now meant to be paused (drift policy leave)"
				       : "left so: now meant to be running (drift policy leave)")
				    : "restoring it (drift policy restore)");
		else if (p.why)
			say(st, "info", "guest", "guest %s: %s", w->name, p.why);
		if (p.adopt && tarn_pool_guest_adopt(g->pool, w->uuid, w->gen, tarn_power_name(p.adopt_state), err) < 0)
			syslog(LOG_WARNING, "guest %s: cannot record its new desired state: %s", w->name, err);
		if (p.request_done && tarn_pool_guest_request_done(g->pool, w->uuid, w->gen, err) < 0)
			syslog(LOG_WARNING, "guest %s: cannot clear its request: %s", w->name, err);
		if (r->mem.settled)
			r->error[0] = '\0', r->error_gen = 0;
		act(g, ctx, r, w, d, &p, ncpus, st);
		if (r->op == TARN_ACT_CREATE || r->op == TARN_ACT_RESTORE)
			actual = r->op == TARN_ACT_CREATE ? "starting" : "resuming";
	}
	char affinity[256] = "";
	if (d && r->op == TARN_ACT_NONE && (seen.dom == TARN_DOM_RUNNING || seen.dom == TARN_DOM_PAUSED)) {
		pin(g, ctx, r, w, d->domid, ncpus, affinity, sizeof affinity, st);
		resize(g, ctx, r, w, d->domid, st);
		share_console(g, w->name);
	}
	report(g, w, r, actual, affinity, d && seen.dom != TARN_DOM_DYING ? (int)d->domid : -1);
}

/* Who this engine is in the pool: the member row at its pool address (its
 * Raft id changes when the host joins or leaves, its address does not),
 * and how many members there are. */
struct whoami {
	const char *address;
	char id[32];
	int members;
};

static int find_self(void *ctx, const struct tarn_member *m)
{
	struct whoami *me = ctx;
	me->members++;
	if (strcmp(m->address, me->address) == 0)
		snprintf(me->id, sizeof me->id, "%s", m->id);
	return 0;
}

/* Xen's domains (not dom0), with names; NULL when they cannot be listed. */
static struct dom *list_doms(struct tarn_guests *g, libxl_ctx *ctx, int *n)
{
	libxl_dominfo *info = libxl_list_domain(ctx, n);
	struct dom *doms = info ? calloc((size_t)(*n ? *n : 1), sizeof *doms) : NULL;
	if (!doms)
		syslog(LOG_WARNING, "guests: cannot list Xen's domains: %s", why(g));
	for (int i = 0; doms && i < *n; i++) {
		doms[i].domid = info[i].domid;
		doms[i].name = info[i].domid ? libxl_domid_to_name(ctx, info[i].domid) : NULL;
		doms[i].seen = seen_of(&info[i]);
	}
	if (info)
		libxl_dominfo_list_free(info, *n);
	return doms;
}

static void free_doms(struct dom *doms, int n)
{
	for (int i = 0; doms && i < n; i++)
		free(doms[i].name);
	free(doms);
}

/* Fencing (pool-ha.h): the pool has not answered for TARN_HA_FENCE_S, so
 * a master on the other side may soon restart this host's HA guests; their
 * domains here are destroyed first. (A pool of one has no other side: its
 * guests are left running.) Their desired state is left alone: if
 * they were not moved, they start here again once the pool answers. */
static void fence(struct tarn_guests *g, libxl_ctx *ctx, tarn_store *st)
{
	int n = 0;
	struct dom *doms = list_doms(g, ctx, &n);
	if (!doms)
		return;
	g->fenced = 1;
	for (int i = 0; i < g->nrecs; i++) {
		struct rec *r = g->recs[i];
		const struct dom *d = r->ha && r->op == TARN_ACT_NONE ? dom_named(doms, n, r->name) : NULL;
		if (!d)
			continue;
		say(st, "warning", "ha", "guest %s: destroyed (fencing): this host has not reached the pool's majority "
		    "for %lld s, and an HA guest restarts on another member", r->name, (long long)(time(NULL) - g->pool_ok));
		destroy(g, ctx, r, r->mem.gen, d->domid, st);
	}
	free_doms(doms, n);
}

/* A guest placed on another member with a domain here: the pool store
 * says which copy lives, so this one must not run twice. Looked for when
 * the pool answers again after a fence (HA guests moved by the master
 * meanwhile) and at the engine's start, for every guest: a stopped engine
 * could neither fence nor finish what it was doing, such as a migration's
 * target left with its copy restored paused when the source resumed its
 * own. */
static void evict(struct tarn_guests *g, libxl_ctx *ctx, const struct want *w, const struct dom *doms, int n,
		  tarn_store *st)
{
	const struct dom *d = dom_named(doms, n, w->name);
	struct rec *r = d && d->seen.dom != TARN_DOM_DYING ? find_rec(g, w) : NULL;
	if (!r || r->op != TARN_ACT_NONE)
		return;
	if (w->ha && g->fenced)
		say(st, "warning", "ha", "guest %s: destroyed here: the pool restarted it on member %s while this host "
		    "was cut off", w->name, w->host);
	else
		say(st, "warning", "guest", "guest %s: destroyed here: the pool places it on member %s, and this copy "
		    "was left while the agent was stopped", w->name, w->host);
	destroy(g, ctx, r, w->gen, d->domid, st);
}

/* The HA guests with a domain here that is not being torn down. */
static int count_ha(const struct tarn_guests *g, const struct dom *doms, int n)
{
	int k = 0;
	for (int i = 0; i < g->nrecs; i++) {
		const struct dom *d = g->recs[i]->ha ? dom_named(doms, n, g->recs[i]->name) : NULL;
		k += d && d->seen.dom != TARN_DOM_DYING;
	}
	return k;
}

/* After a fence, until the pool answers: its domains are seen to go. */
static void recount_fenced(struct tarn_guests *g, libxl_ctx *ctx)
{
	int n = 0;
	struct dom *doms = list_doms(g, ctx, &n);
	if (doms)
		g->ha_doms = count_ha(g, doms, n);
	free_doms(doms, n);
}

static void scan(struct tarn_guests *g, libxl_ctx *ctx, tarn_store *st)
{
	struct wants ws = {0};
	struct whoami me = {.address = g->self};
	tarn_err err = "";
	if (tarn_pool_each_member(g->pool, find_self, &me, err) ||
	    tarn_pool_guests(g->pool, NULL, copy_want, &ws, err)) {
		if (!g->pool_down)
			syslog(LOG_WARNING, "guests: %s", err[0] ? err : "cannot read the pool's guests");
		g->pool_down = 1;
		free_wants(&ws);
		if (!g->fenced && g->members > 1 && time(NULL) - g->pool_ok >= TARN_HA_FENCE_S)
			fence(g, ctx, st);
		else if (g->fenced)
			recount_fenced(g, ctx);
		return;
	}
	g->pool_down = 0;
	g->pool_ok = time(NULL);
	g->members = me.members;
	int n = 0;
	struct dom *doms = list_doms(g, ctx, &n);
	if (!doms) {
		free_wants(&ws);
		return;
	}
	int ncpus = libxl_get_online_cpus(ctx);
	time_t now = time(NULL);
	for (int i = 0; i < g->nrecs; i++)
		g->recs[i]->present = 0;
	for (int i = 0; i < ws.n; i++)
		/* a guest whose live migration is under way: its domain is the
		 * migration's, which resumes or destroys it (migrate-xen.h) */
		if (tarn_guest_runs_here(ws.w[i].host, me.id, me.members) && tarn_migrate_under_way(st, ws.w[i].name))
			keep_rec(g, &ws.w[i]);
		else if (tarn_guest_runs_here(ws.w[i].host, me.id, me.members))
			one_guest(g, ctx, &ws.w[i], doms, n, ncpus > 0 ? ncpus : 1, now, st);
		else if (ws.w[i].host[0] && ((ws.w[i].ha && g->fenced) || !g->looked) &&
			 !tarn_migrate_under_way(st, ws.w[i].name))
			evict(g, ctx, &ws.w[i], doms, n, st);
	g->fenced = 0, g->looked = 1;
	forget_gone(g);
	g->ha_doms = count_ha(g, doms, n);
	free_doms(doms, n);
	free_wants(&ws);
}

int tarn_guests_ha_here(const struct tarn_guests *g)
{
	return g ? g->ha_doms : -1;
}

int tarn_guests_standing(const struct tarn_guests *g)
{
	/* before its first read the pool's size is not known: as if others were there */
	return g && ((g->looked && g->members <= 1) || time(NULL) - g->pool_ok < TARN_HA_FENCE_S);
}

int tarn_guests_fencing(const struct tarn_guests *g)
{
	return g && g->looked && !tarn_guests_standing(g); /* read, not of this host alone, silent for the deadline */
}

void tarn_guests_wake(struct tarn_guests *g)
{
	if (g)
		g->next_scan = 0;
}

void tarn_guests_run(struct tarn_guests *g, tarn_store *st)
{
	libxl_ctx *ctx = tarn_xen_have(g->xen);
	if (!ctx) /* not on Xen, or not yet: the host facts make the context and say why not */
		return;
	collect(g, ctx, st);
	if (time(NULL) < g->next_scan)
		return;
	scan(g, ctx, st);
	g->next_scan = time(NULL) + TARN_GUEST_SCAN;
}
