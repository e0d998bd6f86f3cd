/* What the engine reads from the host and records as facts (lib/event.h)
 * for host.info and the console: the Xen version, CPUs, memory, running
 * guests, uptime and kernel. Xen is asked through libxl; without a
 * hypervisor (a developer's machine) the facts say so, and CPUs and memory
 * come from /proc. Only the root engine holds the libxl context (xen.h).
 *
 * The keys (tarn_fact_get; the console may read them from the store too):
 *   xen.running "yes" or "no"; xen.reason why not (libxl's words);
 *   xen.version "4.17.3" (empty off Xen); host.cpus (logical), host.cores,
 *   host.sockets; host.memory_total_mib, host.memory_free_mib (the host's,
 *   not dom0's: free for guests; off Xen, MemAvailable); host.uptime
 *   (seconds, as read); host.kernel (release); guests.running (not dom0);
 *   host.hvm "yes" when Xen can run HVM and PVH guests (the CPU's AMD-V or
 *   VT-x with nested paging), "no-paging" when the CPU lacks nested paging
 *   only, "no" otherwise and off Xen (guest-config.h's tarn_hvm_names);
 *   host.cpu "VENDOR FAMILY MODEL" (cpuid's, "" unknown); xen.hw_cap Xen's
 *   hardware capability words, "w0:...:w7" in hex ("" off Xen): a
 *   migration's CPU check (lib/migrate-check.h). */
#ifndef TARN_HOST_FACTS_H
#define TARN_HOST_FACTS_H
#include "store.h"
#include "xen.h"

/* Read the host this often, in seconds; the store is written only when a
 * reading changed, or TARN_FACTS_CONFIRM seconds after the last write. */
#define TARN_FACTS_INTERVAL 10
#define TARN_FACTS_CONFIRM 300

struct tarn_host_facts;
struct tarn_host_facts *tarn_host_facts_new(void);
void tarn_host_facts_free(struct tarn_host_facts *hf);
/* Reads the host and records every fact when they need writing; 0, or -1
 * with err filled when the store refused them. */
int tarn_host_facts_refresh(struct tarn_host_facts *hf, struct tarn_xen *x, tarn_store *st, tarn_err err);

#endif
