/* Live migration through libxl; see migrate-xen.h. */
#include "migrate-xen.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "guest-disk.h"
#include "migrate-proto.h"
#include "pool-facts.h"
#include "pool-tls.h"
#include "xen.h"

#include <libxl_utils.h>

/* A context of this process's own; NULL with why. */
static libxl_ctx *own_ctx(struct tarn_xen **x, tarn_err why)
{
	*x = tarn_xen_new();
	libxl_ctx *ctx = *x ? tarn_xen_ctx(*x, why, TARN_ERRLEN) : NULL;
	if (!*x)
		snprintf(why, TARN_ERRLEN, "out of memory");
	return ctx;
}

/* libxl's last words, or what the call was. */
static int xen_fail(struct tarn_xen *x, const char *what, tarn_err err)
{
	const char *last = tarn_xen_last(x), *colon = strstr(last, ": ");
	/* "libxl: FILE:LINE:FUNCTION: Domain N:WHAT": WHAT says it */
	const char *why = colon && (colon = strstr(colon + 2, ": ")) ? colon + 2 : last;
	syslog(LOG_ERR, "migrate: %s: %s", what, last);
	snprintf(err, TARN_ERRLEN, "%.30s: %.120s", what, why[0] ? why : "libxl failed");
	return -1;
}

/* ---- the source ---- */

struct source {
	struct tarn_job *j;
	struct tarn_xen *xen;
	libxl_ctx *ctx;
	uint32_t domid;
	tarn_pool *pool;
	char uuid[37], target[32];
	atomic_int watching;
	atomic_llong suspended; /* ms, monotonic; 0 until seen */
	int live;               /* 0: stop-and-copy, this Xen cannot track the guest's writes */
};

/* Whether this Xen can copy the guest while it runs: a live copy tracks the
 * pages it writes (log-dirty), which needs shadow paging for a PV guest
 * (hardware paging, HAP, serves HVM and PVH). Debian's Xen 4.17 is built
 * without shadow paging: its PV guests move suspended (stop-and-copy). */
static int can_copy_live(struct source *s)
{
	libxl_physinfo pi;
	libxl_dominfo d;
	libxl_physinfo_init(&pi);
	libxl_dominfo_init(&d);
	int live = 0;
	if (libxl_get_physinfo(s->ctx, &pi) == 0 && libxl_domain_info(s->ctx, &d, s->domid) == 0)
		live = d.domain_type == LIBXL_DOMAIN_TYPE_PV ? pi.cap_shadow : pi.cap_hap || pi.cap_shadow;
	libxl_physinfo_dispose(&pi);
	libxl_dominfo_dispose(&d);
	return live;
}

/* Watches for the moment the guest stops for the last round of the live
 * copy (its shutdown reason "suspend"): the downtime starts there. */
static void *watch_suspend(void *arg)
{
	struct source *s = arg;
	while (atomic_load(&s->watching)) {
		libxl_dominfo info;
		libxl_dominfo_init(&info);
		if (libxl_domain_info(s->ctx, &info, s->domid) == 0 && info.shutdown &&
		    info.shutdown_reason == LIBXL_SHUTDOWN_REASON_SUSPEND) {
			atomic_store(&s->suspended, tarn_migrate_now_ms());
			atomic_store(&s->watching, 0);
		}
		libxl_dominfo_dispose(&info);
		usleep(5000);
	}
	return NULL;
}

static void on_progress(void *arg, const char *doing, int percent)
{
	struct source *s = arg;
	if (percent >= 0 && percent <= 100)
		tarn_job_progress(s->j, 10 + percent * 8 / 10, 0, "sending the guest: %.60s %d%%", doing, percent);
}

static int src_send(void *x, int fd, tarn_err err)
{
	struct source *s = x;
	pthread_t t;
	atomic_store(&s->watching, 1);
	int watched = pthread_create(&t, NULL, watch_suspend, s) == 0;
	tarn_xen_clear(s->xen);
	tarn_job_progress(s->j, 10, 1, s->live ? "copying the guest while it runs"
					       : "suspending the guest, then copying it (this Xen has no log-dirty for it)");
	tarn_xen_on_progress(s->xen, on_progress, s);
	int rc = libxl_domain_suspend(s->ctx, s->domid, fd, s->live ? LIBXL_SUSPEND_LIVE : 0, NULL);
	tarn_xen_on_progress(s->xen, NULL, NULL);
	atomic_store(&s->watching, 0);
	if (watched)
		pthread_join(t, NULL);
	if (rc == ERROR_GUEST_TIMEDOUT) /* it never suspended: nothing to resume (xl_migrate.c) */
		return xen_fail(s->xen, "libxl", err), 1;
	return rc ? xen_fail(s->xen, "libxl_domain_suspend", err) : 0;
}

static int64_t src_suspended(void *x)
{
	return atomic_load(&((struct source *)x)->suspended);
}

static int src_resume(void *x, tarn_err err)
{
	struct source *s = x;
	tarn_xen_clear(s->xen);
	return libxl_domain_resume(s->ctx, s->domid, 1, NULL) ? xen_fail(s->xen, "libxl_domain_resume", err) : 0;
}

static int src_destroy(void *x, tarn_err err)
{
	struct source *s = x;
	tarn_xen_clear(s->xen);
	return libxl_domain_destroy(s->ctx, s->domid, NULL) ? xen_fail(s->xen, "libxl_domain_destroy", err) : 0;
}

static int src_placed(void *x)
{
	struct source *s = x;
	char host[32];
	tarn_err err;
	if (tarn_pool_guest_host(s->pool, s->uuid, host, sizeof host, err))
		return -1;
	return strcmp(host, s->target) == 0;
}

static void src_progress(void *x, int percent, const char *note)
{
	tarn_job_progress(((struct source *)x)->j, percent, 1, "%s", note);
}

static const struct tarn_migrate_ops source_ops = {
	.send = src_send, .suspended_ms = src_suspended, .resume = src_resume, .destroy = src_destroy,
	.placed_on_target = src_placed, .progress = src_progress,
};

/* The running domain's configuration as libxl keeps it (what xl sends):
 * JSON, malloc'd; NULL with err. */
static char *domain_json(struct source *s, tarn_err err)
{
	libxl_domain_config dc;
	libxl_domain_config_init(&dc);
	tarn_xen_clear(s->xen);
	char *json = libxl_retrieve_domain_configuration(s->ctx, s->domid, &dc, NULL) == 0
			     ? libxl_domain_config_to_json(s->ctx, &dc) : NULL;
	libxl_domain_config_dispose(&dc);
	if (!json)
		xen_fail(s->xen, "its domain's configuration", err);
	return json;
}

/* The guest as the task found it: still placed here and running. */
static int source_guest(struct source *s, struct tarn_migrate_offer *o, const char *self, tarn_err err)
{
	struct tarn_guest_copy g;
	char host[32] = "";
	int rc = tarn_guest_read(s->pool, o->guest, &g, err);
	if (rc == 0) {
		snprintf(s->uuid, sizeof s->uuid, "%s", g.uuid);
		snprintf(o->uuid, sizeof o->uuid, "%s", g.uuid);
		rc = tarn_pool_guest_host(s->pool, g.uuid, host, sizeof host, err);
	}
	if (rc == 0 && strcmp(host, self)) {
		snprintf(err, TARN_ERRLEN, "guest %.64s is no longer placed on this host", o->guest);
		rc = -1;
	} else if (rc == 0 && (strcmp(g.desired, "running") || strcmp(g.actual, "running"))) {
		snprintf(err, TARN_ERRLEN, "guest %.64s is %.16s (meant to be %.16s): only a running guest moves live",
			 o->guest, g.actual, g.desired);
		rc = -1;
	}
	tarn_guest_copy_free(&g);
	if (rc == 0 && libxl_name_to_domid(s->ctx, o->guest, &s->domid)) {
		snprintf(err, TARN_ERRLEN, "guest %.64s has no domain on this host", o->guest);
		rc = -1;
	}
	return rc ? -1 : 0;
}

int tarn_job_migrate(struct tarn_job *j, tarn_err msg)
{
	struct source s = {.j = j};
	struct tarn_migrate_offer o = {0};
	struct tarn_migrate_result res = {.end = TARN_MIGRATE_UNTOUCHED};
	char address[256], self[32];
	tarn_err err = "";
	int fd = -1;
	snprintf(o.guest, sizeof o.guest, "%.64s", j->task->subject);
	if (tarn_job_arg(j, "target", o.to, sizeof o.to) || tarn_job_arg(j, "target_address", address, sizeof address) ||
	    tarn_job_arg(j, "source", self, sizeof self))
		return snprintf(msg, TARN_ERRLEN, "the task's arguments are incomplete"), TARN_JOB_FAILED;
	snprintf(o.from, sizeof o.from, "%s", self);
	tarn_job_progress(j, 2, 1, "checking guest %.64s", o.guest);
	s.pool = tarn_pool_open(j->pool, 0);
	s.ctx = own_ctx(&s.xen, err);
	if (!s.pool || !s.ctx || source_guest(&s, &o, self, err) || !(o.config = domain_json(&s, err))) {
		snprintf(msg, TARN_ERRLEN, "%.150s", err[0] ? err : "out of memory");
		goto out;
	}
	o.config_len = strlen(o.config);
	s.live = can_copy_live(&s);
	struct tarn_pool_tls tls;
	tarn_pool_tls_init(&tls, j->pool, j->pool_key);
	tls.self[0] = '\0'; /* always over the network, to the target's carrier */
	tarn_job_progress(j, 5, 1, "connecting to member %.32s (%.64s)", o.to, address);
	if (tarn_pool_tls_dial_service(&tls, address, TARN_POOL_MIGRATE, 5000, &fd, err)) {
		snprintf(msg, TARN_ERRLEN, "cannot reach the target: %.110s", err);
		goto out;
	}
	tarn_migrate_send(&source_ops, &s, fd, &o, &res, err);
	if (res.end == TARN_MIGRATED && res.downtime_ms >= 0)
		snprintf(msg, TARN_ERRLEN, "guest %.40s moved %s to member %.20s in %.1f s; downtime %lld ms", o.guest,
			 s.live ? "live" : "suspended (no log-dirty here)", o.to, (double)res.total_ms / 1000,
			 (long long)res.downtime_ms);
	else if (res.end == TARN_MIGRATED)
		snprintf(msg, TARN_ERRLEN, "guest %.50s moved to member %.20s: %.60s", o.guest, o.to, err);
	else
		snprintf(msg, TARN_ERRLEN, "%.150s", err);
	tarn_event_add(j->st, res.end == TARN_MIGRATED ? "info" : "error", "guest", msg);
	syslog(res.end == TARN_MIGRATED ? LOG_INFO : LOG_ERR, "migrate: %s", msg);
out:
	if (fd >= 0)
		close(fd);
	free(o.config);
	tarn_xen_free(s.xen); /* every libxl call here was synchronous */
	tarn_pool_close(s.pool);
	return res.end == TARN_MIGRATED ? TARN_JOB_DONE : TARN_JOB_FAILED;
}

/* ---- the target ---- */

struct target {
	struct tarn_xen *xen;
	libxl_ctx *ctx;
	tarn_pool *pool;
	const char *address; /* this member's pool address */
	libxl_domain_config dc;
	uint32_t domid;
	int have_domain;
	const struct tarn_migrate_offer *o;
	tarn_err no_xen; /* why there is no context */
};

static int find_id(void *ctx, const struct tarn_member *m)
{
	struct target *t = ((void **)ctx)[0];
	char *id = ((void **)ctx)[1];
	if (strcmp(m->address, t->address) == 0)
		snprintf(id, 32, "%s", m->id);
	return 0;
}

/* The guest's disks reachable here: each file or device it names exists. */
static int disks_here(const libxl_domain_config *dc, tarn_err err)
{
	struct stat sb;
	for (int i = 0; i < dc->num_disks; i++) {
		const libxl_device_disk *d = &dc->disks[i];
		if (d->pdev_path && d->pdev_path[0] && stat(d->pdev_path, &sb) != 0)
			return snprintf(err, TARN_ERRLEN, "disk %.12s (%.80s) is not reachable here: %s",
					d->vdev ? d->vdev : "?", d->pdev_path, strerror(errno)), -1;
	}
	return 0;
}

/* What this host checks itself before the guest's memory comes: it is the
 * member named, the pool has the guest on the source, no domain here has
 * its name, the configuration is one libxl reads, Xen has the memory now,
 * and its disks are there. */
static int tgt_accept(void *x, const struct tarn_migrate_offer *o, tarn_err err)
{
	struct target *t = x;
	char self[32] = "", host[32] = "";
	uint32_t other;
	uint64_t need = 0, free_kb = 0;
	void *ids[2] = {t, self};
	t->o = o;
	if (!t->ctx)
		return snprintf(err, TARN_ERRLEN, "this host cannot run guests: %.120s", t->no_xen), -1;
	if (tarn_pool_each_member(t->pool, find_id, ids, err) ||
	    tarn_pool_guest_host(t->pool, o->uuid, host, sizeof host, err))
		return -1;
	if (strcmp(self, o->to))
		return snprintf(err, TARN_ERRLEN, "this host is member %.20s, not %.20s", self[0] ? self : "(none)", o->to), -1;
	if (strcmp(host, o->from))
		return snprintf(err, TARN_ERRLEN, "the pool has guest %.64s on member %.20s, not %.20s", o->guest, host,
				o->from), -1;
	if (libxl_name_to_domid(t->ctx, o->guest, &other) == 0)
		return snprintf(err, TARN_ERRLEN, "a domain named %.64s already runs here (domain %u)", o->guest, other), -1;
	tarn_xen_clear(t->xen);
	if (libxl_domain_config_from_json(t->ctx, &t->dc, o->config) || !t->dc.c_info.name ||
	    strcmp(t->dc.c_info.name, o->guest))
		return snprintf(err, TARN_ERRLEN, "the guest's configuration is not one libxl reads here"), -1;
	if (libxl_domain_need_memory(t->ctx, &t->dc, INVALID_DOMID, &need) || libxl_get_free_memory(t->ctx, &free_kb))
		return xen_fail(t->xen, "this host's free memory", err);
	if (need > free_kb)
		return snprintf(err, TARN_ERRLEN, "this host has %llu MiB free and guest %.64s needs %llu MiB",
				(unsigned long long)free_kb / 1024, o->guest, (unsigned long long)(need + 1023) / 1024), -1;
	return disks_here(&t->dc, err);
}

static int tgt_receive(void *x, int fd, tarn_err err)
{
	struct target *t = x;
	libxl_domain_restore_params params;
	libxl_domain_restore_params_init(&params);
	params.stream_version = 2; /* what libxl_domain_suspend writes */
	tarn_xen_clear(t->xen);
	/* left paused (as xl's migrate-receive leaves it) until the source says go */
	int rc = libxl_domain_create_restore(t->ctx, &t->dc, &t->domid, fd, -1, &params, NULL, NULL);
	libxl_domain_restore_params_dispose(&params);
	if (rc)
		return xen_fail(t->xen, "libxl_domain_create_restore", err);
	t->have_domain = 1;
	return 0;
}

static int tgt_unpause(void *x, tarn_err err)
{
	struct target *t = x;
	tarn_xen_clear(t->xen);
	return libxl_domain_unpause(t->ctx, t->domid, NULL) ? xen_fail(t->xen, "libxl_domain_unpause", err) : 0;
}

/* Whether the pool store has the guest on this member (the target). */
static int placed_here(const struct target *t)
{
	char host[32];
	tarn_err err;
	return tarn_pool_guest_host(t->pool, t->o->uuid, host, sizeof host, err) == 0 && strcmp(host, t->o->to) == 0;
}

/* The commit point: the guest's host is this member, if still the source.
 * A pool with no leader for a moment (an election: a pool of two under
 * load has them) is waited out, for at most half the time the source
 * waits for our answer, so that it never gives up (and resumes its copy)
 * while we may still record ours. A try whose answer was lost may have
 * been committed: a later "not on the source" is then checked. */
static int tgt_record(void *x, tarn_err err)
{
	struct target *t = x;
	int64_t until = tarn_migrate_now_ms() + tarn_migrate_wait_ms / 2;
	int rc;
	for (int tries = 0;; tries++) {
		rc = tarn_pool_guest_move(t->pool, t->o->uuid, t->o->from, t->o->to, (int)t->domid, err);
		if (rc == 1 && tries > 0 && placed_here(t))
			rc = 0;
		if (rc != TARN_POOL_DOWN || tarn_migrate_now_ms() >= until)
			break;
		if (tries == 0)
			syslog(LOG_WARNING, "migrate: guest %s: recording its move waits for the pool: %s", t->o->guest, err);
		sleep(1);
	}
	if (rc == 1)
		snprintf(err, TARN_ERRLEN, "the pool no longer has guest %.64s on member %.20s", t->o->guest, t->o->from);
	return rc ? -1 : 0;
}

static int tgt_destroy(void *x, tarn_err err)
{
	struct target *t = x;
	if (!t->have_domain)
		return 0;
	tarn_xen_clear(t->xen);
	if (libxl_domain_destroy(t->ctx, t->domid, NULL))
		return xen_fail(t->xen, "libxl_domain_destroy", err);
	t->have_domain = 0;
	return 0;
}

static const struct tarn_migrate_ops target_ops = {
	.accept = tgt_accept, .receive = tgt_receive, .unpause = tgt_unpause, .record = tgt_record,
	.destroy = tgt_destroy,
};

int tarn_migrate_serve(int fd, const char *db, const char *pool)
{
	struct target t = {.address = pool};
	struct tarn_migrate_offer o = {0};
	struct tarn_migrate_result res = {.end = TARN_MIGRATE_UNTOUCHED};
	tarn_err err = "", msg = "";
	libxl_domain_config_init(&t.dc);
	tarn_store *st = tarn_store_open(db, err);
	t.pool = tarn_pool_open(pool, 0);
	t.ctx = own_ctx(&t.xen, t.no_xen); /* without one, the offer is refused saying why */
	if (st && t.pool && t.xen) {
		tarn_migrate_receive(&target_ops, &t, fd, &o, &res, msg);
		char line[300];
		snprintf(line, sizeof line, "guest %.64s from member %.20s: %.150s", o.guest[0] ? o.guest : "?", o.from, msg);
		tarn_event_add(st, res.end == TARN_MIGRATED ? "info" : "warning", "guest", line);
		syslog(res.end == TARN_MIGRATED ? LOG_INFO : LOG_WARNING, "migrate: %s", line);
	} else {
		syslog(LOG_ERR, "migrate: cannot take a guest: %s", err[0] ? err : "out of memory");
	}
	tarn_migrate_offer_free(&o);
	libxl_domain_config_dispose(&t.dc);
	tarn_xen_free(t.xen);
	tarn_pool_close(t.pool);
	tarn_store_close(st);
	return res.end == TARN_MIGRATED ? 0 : 1;
}
