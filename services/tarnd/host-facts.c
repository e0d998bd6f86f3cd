/* Host facts from libxl and /proc; see host-facts.h. */
#include "host-facts.h"

#include <inttypes.h>
#include <libxl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "guest-config.h"

#include "event.h"

struct readings {
	char xen_version[32], reason[200], kernel[65];
	char cpu[128], hw_cap[160]; /* a migration's CPU check (lib/migrate-check.h) */
	int xen;
	long cpus, cores, sockets, guests;
	enum tarn_hvm hvm;
	long long mem_total_mib, mem_free_mib, uptime;
};

struct tarn_host_facts {
	int was_running; /* -1 unknown, else the last xen.running, to log changes only */
	struct readings written; /* what the store holds, uptime aside */
	time_t written_at;	 /* 0: nothing written yet */
};

struct tarn_host_facts *tarn_host_facts_new(void)
{
	struct tarn_host_facts *hf = calloc(1, sizeof *hf);
	if (hf)
		hf->was_running = -1;
	return hf;
}

void tarn_host_facts_free(struct tarn_host_facts *hf)
{
	free(hf);
}

/* Xen's view: version, CPU topology, the host's memory (not dom0's) and
 * running guests. 0, or -1 with r->reason when Xen cannot be asked. */
static int read_xen(struct tarn_xen *x, struct readings *r)
{
	libxl_ctx *ctx = tarn_xen_ctx(x, r->reason, sizeof r->reason);
	if (!ctx)
		return -1;
	tarn_xen_clear(x);
	const libxl_version_info *v = libxl_get_version_info(ctx);
	libxl_physinfo pi;
	libxl_physinfo_init(&pi);
	int rc = -1;
	if (v && libxl_get_physinfo(ctx, &pi) == 0) {
		snprintf(r->xen_version, sizeof r->xen_version, "%d.%d%s", v->xen_version_major,
			 v->xen_version_minor, v->xen_version_extra ? v->xen_version_extra : "");
		uint64_t per_mib = (1u << 20) / (uint64_t)(v->pagesize > 0 ? v->pagesize : 4096);
		r->cpus = pi.nr_cpus;
		r->hvm = tarn_hvm_of(pi.cap_hvm, pi.cap_hap, pi.cap_shadow);
		r->cores = pi.threads_per_core ? pi.nr_cpus / pi.threads_per_core : pi.nr_cpus;
		r->sockets = pi.cores_per_socket ? r->cores / pi.cores_per_socket : 1;
		r->mem_total_mib = (long long)(pi.total_pages / per_mib);
		r->mem_free_mib = (long long)((pi.free_pages - pi.outstanding_pages) / per_mib);
		for (int i = 0; i < 8; i++)
			snprintf(r->hw_cap + 9 * i, sizeof r->hw_cap - 9 * (size_t)i, "%s%08" PRIx32, i ? ":" : "",
				 pi.hw_cap[i]);
		int n = 0;
		libxl_dominfo *doms = libxl_list_domain(ctx, &n);
		r->guests = 0;
		for (int i = 0; doms && i < n; i++)
			r->guests += doms[i].domid != 0; /* dom0 is the host itself */
		if (doms)
			libxl_dominfo_list_free(doms, n);
		rc = doms ? 0 : -1;
	}
	libxl_physinfo_dispose(&pi);
	if (rc)
		snprintf(r->reason, sizeof r->reason, "%s", tarn_xen_last(x)[0] ? tarn_xen_last(x) : "libxl did not answer");
	return rc;
}

/* Without Xen: the kernel's view. Available memory stands for "free" (what
 * could be had without swapping), as Xen's free pages do for guests. */
static void read_proc(struct readings *r)
{
	char line[256];
	long long kib;
	FILE *f = fopen("/proc/meminfo", "re");
	while (f && fgets(line, sizeof line, f)) {
		if (sscanf(line, "MemTotal: %lld kB", &kib) == 1)
			r->mem_total_mib = kib / 1024;
		else if (sscanf(line, "MemAvailable: %lld kB", &kib) == 1)
			r->mem_free_mib = kib / 1024;
	}
	if (f)
		fclose(f);
	/* sockets and cores: distinct "physical id"s, and "cpu cores" in each */
	long ids[64], per_socket = 0, v;
	int nids = 0;
	r->cpus = 0;
	f = fopen("/proc/cpuinfo", "re");
	while (f && fgets(line, sizeof line, f)) {
		if (strncmp(line, "processor", 9) == 0)
			r->cpus++;
		else if (sscanf(line, "physical id : %ld", &v) == 1) {
			int seen = 0;
			for (int i = 0; i < nids; i++)
				seen |= ids[i] == v;
			if (!seen && nids < 64)
				ids[nids++] = v;
		} else if (sscanf(line, "cpu cores : %ld", &v) == 1)
			per_socket = v;
	}
	if (f)
		fclose(f);
	if (r->cpus == 0)
		r->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	r->sockets = nids ? nids : 1;
	r->cores = per_socket ? per_socket * r->sockets : r->cpus;
	r->guests = 0;
}

/* "VENDOR FAMILY MODEL" of the first CPU, as cpuid says (dom0 sees the
 * real vendor, family and model): "" when /proc does not say. */
static void read_cpu_id(struct readings *r)
{
	char line[256], vendor[64] = "";
	long family = -1, model = -1;
	FILE *f = fopen("/proc/cpuinfo", "re");
	while (f && fgets(line, sizeof line, f) && (model < 0 || family < 0 || !vendor[0])) {
		if (sscanf(line, "vendor_id : %63s", vendor) == 1 || sscanf(line, "cpu family : %ld", &family) == 1)
			continue;
		sscanf(line, "model : %ld", &model);
	}
	if (f)
		fclose(f);
	r->cpu[0] = '\0';
	if (vendor[0] && family >= 0 && model >= 0)
		snprintf(r->cpu, sizeof r->cpu, "%s %ld %ld", vendor, family, model);
}

static int set_long(tarn_store *st, const char *key, long long v, tarn_err err)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", v);
	return tarn_fact_set(st, key, buf, err);
}

/* Whether the readings need writing: they changed (uptime aside, which
 * readers extrapolate from the write time), or the last write is older than
 * TARN_FACTS_CONFIRM. Writing only then spares a USB stick holding the
 * store a commit every few seconds. */
static int facts_changed(const struct tarn_host_facts *hf, const struct readings *r)
{
	const struct readings *w = &hf->written;
	return hf->written_at == 0 || time(NULL) - hf->written_at >= TARN_FACTS_CONFIRM || r->xen != w->xen ||
	       strcmp(r->xen_version, w->xen_version) || strcmp(r->reason, w->reason) ||
	       strcmp(r->kernel, w->kernel) || r->cpus != w->cpus || r->cores != w->cores ||
	       r->sockets != w->sockets || r->guests != w->guests || r->hvm != w->hvm || r->mem_total_mib != w->mem_total_mib ||
	       r->mem_free_mib != w->mem_free_mib || strcmp(r->cpu, w->cpu) || strcmp(r->hw_cap, w->hw_cap);
}

int tarn_host_facts_refresh(struct tarn_host_facts *hf, struct tarn_xen *x, tarn_store *st, tarn_err err)
{
	struct readings r = {0};
	int xen = read_xen(x, &r) == 0;
	if (!xen)
		read_proc(&r);
	if (xen != hf->was_running) {
		if (xen)
			syslog(LOG_INFO, "Xen %s: %ld CPUs, %lld MiB", r.xen_version, r.cpus, r.mem_total_mib);
		else
			syslog(LOG_WARNING, "not running on Xen (%s): guests cannot run", r.reason);
		hf->was_running = xen;
	}
	FILE *f = fopen("/proc/uptime", "re");
	double up = 0;
	if (f) {
		if (fscanf(f, "%lf", &up) != 1)
			up = 0;
		fclose(f);
	}
	r.uptime = (long long)up;
	struct utsname u;
	snprintf(r.kernel, sizeof r.kernel, "%s", uname(&u) == 0 ? u.release : "unknown");
	r.xen = xen;
	read_cpu_id(&r);
	if (!facts_changed(hf, &r))
		return 0;
	if (tarn_store_begin(st, err))
		return -1;
	int rc = tarn_fact_set(st, "xen.running", xen ? "yes" : "no", err) ||
		 tarn_fact_set(st, "xen.version", r.xen_version, err) ||
		 tarn_fact_set(st, "xen.reason", xen ? "" : r.reason, err) ||
		 set_long(st, "host.cpus", r.cpus, err) || set_long(st, "host.cores", r.cores, err) ||
		 set_long(st, "host.sockets", r.sockets, err) ||
		 set_long(st, "host.memory_total_mib", r.mem_total_mib, err) ||
		 set_long(st, "host.memory_free_mib", r.mem_free_mib, err) ||
		 set_long(st, "host.uptime", r.uptime, err) || tarn_fact_set(st, "host.kernel", r.kernel, err) ||
		 set_long(st, "guests.running", r.guests, err) ||
		 tarn_fact_set(st, "host.hvm", tarn_hvm_names[r.hvm], err) ||
		 tarn_fact_set(st, "host.cpu", r.cpu, err) || tarn_fact_set(st, "xen.hw_cap", r.hw_cap, err);
	if (rc) {
		tarn_store_rollback(st);
		return -1;
	}
	if (tarn_store_commit(st, err))
		return -1;
	hf->written = r;
	hf->written_at = time(NULL);
	return 0;
}
