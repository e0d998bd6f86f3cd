/* A test double of the part of libxl the engine uses: domains are files in
 * the directory $TARN_XEN_DOUBLE (DOMID: "NAME STATE MIB", STATE r running,
 * p paused, s shut down), so tests run guests, and see and kill them, with
 * no hypervisor. Linked into a test build of tarnd (tarnd-double), its
 * definitions take the place of libxenlight's; the real library still
 * provides the types' helpers (init, dispose, bitmaps, JSON). Asynchronous
 * operations end at once, their completion queued for libxl_event_check.
 * Memory: $TARN_XEN_DOUBLE_MIB (4096 by default), less 512 for dom0, less
 * the domains'. Saving and restoring are not doubled: they fail.
 *
 * Xen's domain watchdog (libxenctrl's xc_watchdog) is doubled too, as Xen
 * keeps it across the engine's restarts: dom0's two slots in the file
 * watchdog ("EXPIRY EXPIRY", epoch seconds, 0 when free), and every call
 * appended to watchdog.log as "TIME arm|kick|disarm ID TIMEOUT RESULT"; a
 * slot found expired at a call is logged "TIME fired ID" (on Xen the host
 * would have rebooted) and freed. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <libxl.h>
#include <libxl_utils.h>
#include <stdio.h>
#include <sys/time.h>

#include "watchdog.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct libxl__ctx {
	libxl_ev_user done[64]; /* operations ended, for libxl_event_check */
	int rcs[64], ndone;
};

struct dom {
	char name[80];
	char state;
	long mib;
};

static const char *dir(void) { return getenv("TARN_XEN_DOUBLE"); }

static long total_mib(void)
{
	const char *s = getenv("TARN_XEN_DOUBLE_MIB");
	return s ? atol(s) : 4096;
}

static int load(uint32_t domid, struct dom *d)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%u", dir(), domid);
	FILE *f = fopen(path, "r");
	int ok = f && fscanf(f, "%79s %c %ld", d->name, &d->state, &d->mib) == 3;
	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

static int save(uint32_t domid, const struct dom *d)
{
	char path[4200], tmp[4300];
	snprintf(path, sizeof path, "%s/%u", dir(), domid);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return ERROR_FAIL;
	fprintf(f, "%s %c %ld\n", d->name, d->state, d->mib);
	return fclose(f) == 0 && rename(tmp, path) == 0 ? 0 : ERROR_FAIL;
}

/* The domain ids there are, ascending; *n of them. */
static uint32_t *domids(int *n)
{
	DIR *dp = opendir(dir());
	uint32_t *ids = NULL;
	*n = 0;
	for (struct dirent *e; dp && (e = readdir(dp));) {
		char *end;
		unsigned long id = strtoul(e->d_name, &end, 10);
		if (*end || id == 0 || e->d_name[0] == '.')
			continue;
		uint32_t *more = realloc(ids, (size_t)(*n + 1) * sizeof *ids);
		if (!more)
			break;
		ids = more;
		int i = (*n)++;
		for (; i > 0 && ids[i - 1] > id; i--)
			ids[i] = ids[i - 1];
		ids[i] = (uint32_t)id;
	}
	if (dp)
		closedir(dp);
	return ids;
}

static long used_mib(void)
{
	int n;
	long used = 512;
	uint32_t *ids = domids(&n);
	struct dom d;
	for (int i = 0; i < n; i++)
		used += load(ids[i], &d) == 0 ? d.mib : 0;
	free(ids);
	return used;
}

static int done(libxl_ctx *ctx, const libxl_asyncop_how *how, int rc)
{
	if (!how)
		return rc;
	if (ctx->ndone == 64)
		return ERROR_FAIL;
	ctx->done[ctx->ndone] = how->u.for_event;
	ctx->rcs[ctx->ndone++] = rc;
	return 0;
}

int libxl_ctx_alloc(libxl_ctx **pctx, int version, unsigned flags, xentoollog_logger *lg)
{
	(void)version, (void)flags, (void)lg;
	*pctx = dir() ? calloc(1, sizeof **pctx) : NULL;
	return *pctx ? 0 : ERROR_FAIL;
}

int libxl_ctx_free(libxl_ctx *ctx)
{
	free(ctx);
	return 0;
}

void libxl_childproc_setmode(libxl_ctx *ctx, const libxl_childproc_hooks *hooks, void *user)
{
	(void)ctx, (void)hooks, (void)user;
}

int libxl_osevent_beforepoll(libxl_ctx *ctx, int *nfds_io, struct pollfd *fds, int *timeout_upd,
			     struct timeval now)
{
	(void)fds, (void)now;
	*nfds_io = 0;
	if (ctx->ndone)
		*timeout_upd = 0;
	return 0;
}

void libxl_osevent_afterpoll(libxl_ctx *ctx, int nfds, const struct pollfd *fds, struct timeval now)
{
	(void)ctx, (void)nfds, (void)fds, (void)now;
}

int libxl_event_check(libxl_ctx *ctx, libxl_event **event_r, uint64_t typemask, libxl_event_predicate *predicate,
		      void *predicate_user)
{
	(void)typemask, (void)predicate, (void)predicate_user;
	if (!ctx->ndone)
		return ERROR_NOT_READY;
	libxl_event *ev = calloc(1, sizeof *ev);
	if (!ev)
		return ERROR_NOMEM;
	ev->type = LIBXL_EVENT_TYPE_OPERATION_COMPLETE;
	ev->for_user = ctx->done[0];
	ev->u.operation_complete.rc = ctx->rcs[0];
	ctx->ndone--;
	memmove(ctx->done, ctx->done + 1, (size_t)ctx->ndone * sizeof *ctx->done);
	memmove(ctx->rcs, ctx->rcs + 1, (size_t)ctx->ndone * sizeof *ctx->rcs);
	*event_r = ev;
	return 0;
}

void libxl_event_free(libxl_ctx *ctx, libxl_event *event)
{
	(void)ctx;
	free(event);
}

const libxl_version_info *libxl_get_version_info(libxl_ctx *ctx)
{
	static libxl_version_info v = {.xen_version_major = 4, .xen_version_minor = 17,
				       .xen_version_extra = ".0-double", .pagesize = 4096};
	(void)ctx;
	return &v;
}

int libxl_get_physinfo(libxl_ctx *ctx, libxl_physinfo *pi)
{
	(void)ctx;
	pi->nr_cpus = 2, pi->threads_per_core = 1, pi->cores_per_socket = 2;
	pi->total_pages = (uint64_t)total_mib() * 256;
	pi->free_pages = (uint64_t)(total_mib() - used_mib()) * 256;
	return 0;
}

int libxl_get_online_cpus(libxl_ctx *ctx)
{
	(void)ctx;
	return 2;
}

int libxl_get_free_memory(libxl_ctx *ctx, uint64_t *memkb)
{
	(void)ctx;
	*memkb = (uint64_t)(total_mib() - used_mib()) * 1024;
	return 0;
}

int libxl_domain_need_memory(libxl_ctx *ctx, libxl_domain_config *config, uint32_t domid_for_logging,
			     uint64_t *need_memkb)
{
	(void)ctx, (void)domid_for_logging;
	*need_memkb = config->b_info.max_memkb != LIBXL_MEMKB_DEFAULT ? config->b_info.max_memkb
								      : config->b_info.target_memkb;
	return 0;
}

libxl_dominfo *libxl_list_domain(libxl_ctx *ctx, int *nb_domain_out)
{
	(void)ctx;
	int n;
	uint32_t *ids = domids(&n);
	libxl_dominfo *info = calloc((size_t)n + 1, sizeof *info);
	int k = 0;
	for (int i = -1; info && i < n; i++) {
		struct dom d = {"Domain-0", 'r', 512};
		if (i >= 0 && load(ids[i], &d))
			continue;
		libxl_dominfo_init(&info[k]);
		info[k].domid = i < 0 ? 0 : ids[i];
		info[k].paused = d.state == 'p';
		info[k].shutdown = d.state == 's';
		info[k].shutdown_reason = LIBXL_SHUTDOWN_REASON_POWEROFF;
		info[k].current_memkb = (uint64_t)d.mib * 1024;
		info[k].vcpu_online = 1;
		k++;
	}
	free(ids);
	*nb_domain_out = k;
	return info;
}

void libxl_dominfo_list_free(libxl_dominfo *list, int nb_domain)
{
	for (int i = 0; i < nb_domain; i++)
		libxl_dominfo_dispose(&list[i]);
	free(list);
}

int libxl_domain_info(libxl_ctx *ctx, libxl_dominfo *info_r, uint32_t domid)
{
	(void)ctx;
	struct dom d;
	if (load(domid, &d))
		return ERROR_DOMAIN_NOTFOUND;
	info_r->domid = domid;
	info_r->paused = d.state == 'p';
	info_r->vcpu_max_id = 0;
	info_r->vcpu_online = 1;
	return 0;
}

char *libxl_domid_to_name(libxl_ctx *ctx, uint32_t domid)
{
	(void)ctx;
	struct dom d;
	return domid == 0 ? strdup("Domain-0") : load(domid, &d) == 0 ? strdup(d.name) : NULL;
}

int libxl_domain_create_new(libxl_ctx *ctx, libxl_domain_config *d_config, uint32_t *domid,
			    const libxl_asyncop_how *ao_how, const libxl_asyncprogress_how *aop_console_how)
{
	(void)aop_console_how;
	int n;
	uint32_t *ids = domids(&n);
	*domid = n ? ids[n - 1] + 1 : 1;
	free(ids);
	struct dom d = {.state = 'p', .mib = (long)(d_config->b_info.target_memkb / 1024)};
	snprintf(d.name, sizeof d.name, "%s", d_config->c_info.name ? d_config->c_info.name : "unnamed");
	if (total_mib() - used_mib() < d.mib)
		return ERROR_NOMEM;
	return done(ctx, ao_how, save(*domid, &d));
}

int libxl_domain_create_restore(libxl_ctx *ctx, libxl_domain_config *d_config, uint32_t *domid, int restore_fd,
				int send_back_fd, const libxl_domain_restore_params *params,
				const libxl_asyncop_how *ao_how, const libxl_asyncprogress_how *aop_console_how)
{
	(void)ctx, (void)d_config, (void)domid, (void)restore_fd, (void)send_back_fd, (void)params, (void)ao_how;
	(void)aop_console_how;
	return ERROR_FAIL;
}

int libxl_domain_suspend(libxl_ctx *ctx, uint32_t domid, int fd, int flags, const libxl_asyncop_how *ao_how)
{
	(void)ctx, (void)domid, (void)fd, (void)flags, (void)ao_how;
	return ERROR_FAIL;
}

int libxl_domain_resume(libxl_ctx *ctx, uint32_t domid, int suspend_cancel, const libxl_asyncop_how *ao_how)
{
	(void)ctx, (void)domid, (void)suspend_cancel, (void)ao_how;
	return ERROR_FAIL;
}

int libxl_domain_destroy(libxl_ctx *ctx, uint32_t domid, const libxl_asyncop_how *ao_how)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%u", dir(), domid);
	return done(ctx, ao_how, unlink(path) == 0 ? 0 : ERROR_DOMAIN_NOTFOUND);
}

/* A domain's state set to to. */
static int set_state(uint32_t domid, char to)
{
	struct dom d;
	if (load(domid, &d))
		return ERROR_DOMAIN_NOTFOUND;
	d.state = to;
	return save(domid, &d);
}

int libxl_domain_shutdown(libxl_ctx *ctx, uint32_t domid, const libxl_asyncop_how *ao_how)
{
	return done(ctx, ao_how, set_state(domid, 's'));
}

int libxl_domain_reboot(libxl_ctx *ctx, uint32_t domid, const libxl_asyncop_how *ao_how)
{
	return done(ctx, ao_how, set_state(domid, 'r'));
}

int libxl_domain_pause(libxl_ctx *ctx, uint32_t domid, const libxl_asyncop_how *ao_how)
{
	return done(ctx, ao_how, set_state(domid, 'p'));
}

int libxl_domain_unpause(libxl_ctx *ctx, uint32_t domid, const libxl_asyncop_how *ao_how)
{
	return done(ctx, ao_how, set_state(domid, 'r'));
}

libxl_vcpuinfo *libxl_list_vcpu(libxl_ctx *ctx, uint32_t domid, int *nb_vcpu, int *nr_cpus_out)
{
	(void)ctx, (void)domid;
	*nb_vcpu = 0, *nr_cpus_out = 2;
	return NULL;
}

void libxl_vcpuinfo_list_free(libxl_vcpuinfo *list, int nr_vcpus)
{
	(void)nr_vcpus;
	free(list);
}

int libxl_set_vcpuaffinity(libxl_ctx *ctx, uint32_t domid, uint32_t vcpuid, const libxl_bitmap *cpumap_hard,
			   const libxl_bitmap *cpumap_soft)
{
	(void)ctx, (void)domid, (void)vcpuid, (void)cpumap_hard, (void)cpumap_soft;
	return 0;
}

int libxl_set_vcpuonline(libxl_ctx *ctx, uint32_t domid, libxl_bitmap *cpumap, const libxl_asyncop_how *ao_how)
{
	(void)cpumap;
	struct dom d;
	return done(ctx, ao_how, load(domid, &d) ? ERROR_DOMAIN_NOTFOUND : 0);
}

int libxl_cpu_bitmap_alloc(libxl_ctx *ctx, libxl_bitmap *cpumap, int max_cpus)
{
	(void)ctx;
	cpumap->size = (uint32_t)((max_cpus > 0 ? max_cpus : 2) + 7) / 8;
	cpumap->map = calloc(cpumap->size, 1);
	return cpumap->map ? 0 : ERROR_NOMEM;
}

int libxl_get_memory_target(libxl_ctx *ctx, uint32_t domid, uint64_t *out_target)
{
	(void)ctx;
	struct dom d;
	if (load(domid, &d))
		return ERROR_DOMAIN_NOTFOUND;
	*out_target = (uint64_t)d.mib * 1024;
	return 0;
}

int libxl_set_memory_target(libxl_ctx *ctx, uint32_t domid, int64_t target_memkb, int relative, int enforce)
{
	(void)ctx, (void)enforce;
	struct dom d;
	if (load(domid, &d))
		return ERROR_DOMAIN_NOTFOUND;
	d.mib = relative ? d.mib + (long)(target_memkb / 1024) : (long)(target_memkb / 1024);
	return save(domid, &d);
}

int libxl_retrieve_domain_configuration(libxl_ctx *ctx, uint32_t domid, libxl_domain_config *d_config,
					const libxl_asyncop_how *ao_how)
{
	(void)ctx, (void)domid, (void)d_config, (void)ao_how;
	return ERROR_FAIL;
}

/* Xen's domain watchdog: the slots' expiries, file watchdog. */
static void slots_path(char *path, size_t len, const char *name)
{
	snprintf(path, len, "%s/%s", dir(), name);
}

static double now_s(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static void watchdog_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void watchdog_log(const char *fmt, ...)
{
	char path[4200];
	slots_path(path, sizeof path, "watchdog.log");
	FILE *f = fopen(path, "a");
	if (!f)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(f, "%.3f ", now_s());
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

struct xc_interface_core {
	int unused;
};

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger, unsigned open_flags)
{
	(void)logger, (void)dombuild_logger, (void)open_flags;
	return dir() ? calloc(1, sizeof(xc_interface)) : NULL;
}

int xc_interface_close(xc_interface *xch)
{
	free(xch);
	return 0;
}

/* As Xen's domain_watchdog (xen/common/sched/core.c): id 0 arms a free
 * slot and returns its id (ENOSPC when none is), a slot's id kicks it
 * (timeout > 0) or disarms it (0); an id that is not armed is EINVAL. */
int xc_watchdog(xc_interface *xch, uint32_t id, uint32_t timeout)
{
	(void)xch;
	char path[4200], tmp[4300];
	double exp[2] = {0, 0}, now = now_s();
	slots_path(path, sizeof path, "watchdog");
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%lf %lf", &exp[0], &exp[1]) != 2)
			exp[0] = exp[1] = 0;
		fclose(f);
	}
	for (int i = 0; i < 2; i++)
		if (exp[i] && exp[i] < now) {
			watchdog_log("fired %d\n", i + 1);
			exp[i] = 0;
		}
	const char *op = id == 0 ? "arm" : timeout ? "kick" : "disarm";
	int rc = 0, err = 0;
	if (id > 2 || (id && !exp[id - 1]))
		rc = -1, err = EINVAL;
	else if (id == 0) {
		int i = !exp[0] ? 0 : !exp[1] ? 1 : -1;
		if (i < 0)
			rc = -1, err = ENOSPC;
		else
			exp[i] = now + timeout, rc = i + 1;
	} else
		exp[id - 1] = timeout ? now + timeout : 0;
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f) {
		fprintf(f, "%.3f %.3f\n", exp[0], exp[1]);
		if (fclose(f) != 0 || rename(tmp, path) != 0)
			unlink(tmp);
	}
	watchdog_log("%s %u %u %d\n", op, (unsigned)id, (unsigned)timeout, rc < 0 ? -err : rc);
	errno = err;
	return rc;
}
