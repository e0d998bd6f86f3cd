/* What the parts of the network reconciler share during one pass
 * (net-apply.c runs it; net-devices.c, net-ntp.c do their part). */
#ifndef TARN_NET_PASS_H
#define TARN_NET_PASS_H
#include <stdint.h>
#include <sys/types.h>

#include "net-apply.h"

struct tarn_net_pass {
	tarn_store *st;
	const struct tarn_net_paths *paths;
	int64_t generation;
	int failed;
};

/* Records what became of a subject: applied (error NULL) or why not. */
void tarn_net_record(struct tarn_net_pass *p, const char *subject, const char *error);
/* The live process whose pid a file holds, or 0. */
pid_t tarn_net_running(const char *pidfile);
void tarn_net_dhcp_stop(struct tarn_net_pass *p, const char *ifname);
/* Runs an iproute2 command (or any tool); NULL, or err filled. */
const char *tarn_net_run(const char *const argv[], tarn_err err);

/* Bridges, VLANs and bonds (net-devices.c): removes what Tarn made and the
 * store no longer has, creates and updates the rest. */
void tarn_net_devices(struct tarn_net_pass *p);
/* The NTP servers (net-ntp.c). */
void tarn_net_ntp(struct tarn_net_pass *p);

#endif
