/* The engine's libxl context; see xen.h. */
#include "xen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <xentoollog.h>

struct tarn_xen {
	xentoollog_logger ops; /* first: libxl hands it back as a xentoollog_logger */
	char last[200];
	libxl_ctx *ctx;
	int libxl_fds; /* how many descriptors the last beforepoll added */
	int from;      /* where they start in the engine's array */
	void (*progress)(void *arg, const char *doing, int percent);
	void *progress_arg;
};

/* The engine's context, which a child forked from it must let go of
 * (tarn_xen_after_fork) before it uses libxl itself. */
static libxl_ctx *engine_ctx;

static const libxl_childproc_hooks child_hooks = {
	.chldowner = libxl_sigchld_owner_libxl_always_selective_reap,
};

static void log_message(xentoollog_logger *l, xentoollog_level level, int errnoval, const char *context,
			const char *format, va_list ap)
{
	struct tarn_xen *x = (struct tarn_xen *)l;
	if (level < XTL_ERROR)
		return;
	size_t n = (size_t)snprintf(x->last, sizeof x->last, "%s: ", context ? context : "libxl");
	if (n < sizeof x->last)
		n += (size_t)vsnprintf(x->last + n, sizeof x->last - n, format, ap);
	if (errnoval >= 0 && n < sizeof x->last)
		snprintf(x->last + n, sizeof x->last - n, ": %s", strerror(errnoval));
	if (x->ctx) /* before there is one, Xen's absence is said once, by the host facts */
		syslog(LOG_ERR, "%s", x->last);
}

static void log_progress(xentoollog_logger *l, const char *context, const char *doing, int percent,
			 unsigned long done, unsigned long total)
{
	struct tarn_xen *x = (struct tarn_xen *)l;
	(void)context, (void)done, (void)total;
	if (x->progress)
		x->progress(x->progress_arg, doing, percent);
}

static void log_destroy(xentoollog_logger *l)
{
	(void)l; /* lives inside struct tarn_xen */
}

struct tarn_xen *tarn_xen_new(void)
{
	struct tarn_xen *x = calloc(1, sizeof *x);
	if (x) {
		x->ops.vmessage = log_message;
		x->ops.progress = log_progress;
		x->ops.destroy = log_destroy;
	}
	return x;
}

void tarn_xen_free(struct tarn_xen *x)
{
	if (!x)
		return;
	if (x->ctx && x->ctx == engine_ctx)
		engine_ctx = NULL;
	if (x->ctx)
		libxl_ctx_free(x->ctx);
	free(x);
}

libxl_ctx *tarn_xen_ctx(struct tarn_xen *x, char *why, size_t len)
{
	if (x->ctx)
		return x->ctx;
	x->last[0] = '\0';
	if (libxl_ctx_alloc(&x->ctx, LIBXL_VERSION, 0, &x->ops) != 0) {
		x->ctx = NULL;
		snprintf(why, len, "%s", x->last[0] ? x->last : "libxl cannot start");
		return NULL;
	}
	libxl_childproc_setmode(x->ctx, &child_hooks, NULL);
	if (!engine_ctx)
		engine_ctx = x->ctx;
	return x->ctx;
}

void tarn_xen_on_progress(struct tarn_xen *x, void (*fn)(void *arg, const char *doing, int percent), void *arg)
{
	x->progress = fn;
	x->progress_arg = arg;
}

void tarn_xen_after_fork(void)
{
	if (engine_ctx)
		libxl_postfork_child_noexec(engine_ctx);
	engine_ctx = NULL;
}

libxl_ctx *tarn_xen_have(const struct tarn_xen *x)
{
	return x->ctx;
}

const char *tarn_xen_last(const struct tarn_xen *x)
{
	return x->last;
}

void tarn_xen_clear(struct tarn_xen *x)
{
	x->last[0] = '\0';
}

void tarn_xen_beforepoll(struct tarn_xen *x, struct pollfd **fds, int *n, int *cap, int *timeout_ms)
{
	x->libxl_fds = 0;
	x->from = *n;
	if (!x->ctx)
		return;
	for (;;) {
		struct timeval now;
		gettimeofday(&now, NULL);
		int room = *cap - *n;
		int rc = libxl_osevent_beforepoll(x->ctx, &room, *fds + *n, timeout_ms, now);
		if (rc == 0) {
			x->libxl_fds = room;
			*n += room;
			return;
		}
		if (rc != ERROR_BUFFERFULL)
			return;
		struct pollfd *more = realloc(*fds, (size_t)(*n + room) * sizeof **fds);
		if (!more)
			return;
		*fds = more;
		*cap = *n + room;
	}
}

void tarn_xen_afterpoll(struct tarn_xen *x, const struct pollfd *fds, int n)
{
	if (!x->ctx || n < x->from + x->libxl_fds)
		return;
	struct timeval now;
	gettimeofday(&now, NULL);
	libxl_osevent_afterpoll(x->ctx, x->libxl_fds, fds + x->from, now);
}
