/* The engine's one libxl context, which the host facts and the guest
 * reconciler share: made on first use (and again until Xen answers, as
 * xenstored may come up after the agent), kept for the engine's life.
 * libxl's error messages are kept (the last one says more than libxl's
 * return codes) and logged once the context works.
 *
 * libxl starts child processes (hotplug scripts) and watches xenstore
 * while its asynchronous operations run: the engine's loop polls libxl's
 * file descriptors beside its own (tarn_xen_beforepoll/afterpoll). The
 * engine reaps its own children by pid (the API process, task workers),
 * so libxl reaps only its own (libxl_sigchld_owner_libxl_always_selective_reap). */
#ifndef TARN_XEN_H
#define TARN_XEN_H
#include <libxl.h>
#include <poll.h>
#include <stddef.h>

struct tarn_xen;
struct tarn_xen *tarn_xen_new(void);
/* Frees the context: only once no libxl operation is in flight. */
void tarn_xen_free(struct tarn_xen *x);
/* The context, or NULL with why (libxl's words) when Xen cannot be used. */
libxl_ctx *tarn_xen_ctx(struct tarn_xen *x, char *why, size_t len);
/* The context if there is one already (the host facts make it). */
libxl_ctx *tarn_xen_have(const struct tarn_xen *x);
/* libxl's last error since tarn_xen_clear, "" when none. */
const char *tarn_xen_last(const struct tarn_xen *x);
void tarn_xen_clear(struct tarn_xen *x);
/* libxl's progress reports (a save's memory sent) go to fn. */
void tarn_xen_on_progress(struct tarn_xen *x, void (*fn)(void *arg, const char *doing, int percent), void *arg);
/* In a child forked from the engine, before it makes a context of its own:
 * the engine's is let go (libxl_postfork_child_noexec) and must not be
 * used there. */
void tarn_xen_after_fork(void);

/* The engine's poll: libxl's descriptors are added after the first *n of
 * *fds (grown as needed; *cap is its size), and *timeout_ms lowered to
 * libxl's next deadline. Nothing is added while there is no context. */
void tarn_xen_beforepoll(struct tarn_xen *x, struct pollfd **fds, int *n, int *cap, int *timeout_ms);
/* After poll(2): libxl does the work its descriptors and timers are due
 * for (fds and n as beforepoll left them). */
void tarn_xen_afterpoll(struct tarn_xen *x, const struct pollfd *fds, int n);

#endif
