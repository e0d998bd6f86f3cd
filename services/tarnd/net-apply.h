/* The network reconciler: makes the host's host name, DNS servers and
 * interface addresses match the node store, idempotently (what already
 * matches is left untouched, so nothing flaps), and records per subject
 * what it did or why it could not. */
#ifndef TARN_NET_APPLY_H
#define TARN_NET_APPLY_H
#include <stdint.h>

#include "store.h"

struct tarn_net_paths {
	const char *sysconf; /* where hostname and resolv.conf go: /etc */
	const char *rundir;  /* DHCP client pid files: /run */
	const char *dhcp_script; /* udhcpc's hook: /usr/share/udhcpc/default.script */
	const char *statedir; /* the data partition (chrony's drift file): /var/lib/tarn */
};

/* Returns how many subjects failed. */
int tarn_net_reconcile(tarn_store *st, const struct tarn_net_paths *paths, int64_t generation);

#endif
