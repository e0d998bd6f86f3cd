/* The status screen: what this host is and how it is doing, refreshed every
 * two seconds. The summary also stands beside the main menu. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "event.h"
#include "fingerprint.h"
#include "tui.h"

#define REFRESH_MS 2000

struct status {
	char hostname[300], mgmt[32], how[80], addr[128];
	char xen[64], cpus[80], memory[64], dom0[64], guests[64], agent[96], persist[128];
	char pool[200], watchdog[96];
	int agent_ok, persist_ok, watchdog_armed;
};

/* A fact the agent read from the hypervisor (libxl) into the store. */
static int fact(struct tui *t, const char *key, char *buf, size_t n)
{
	return t->st && tarn_fact_get(t->st, key, buf, n, NULL) == 0 && buf[0];
}

/* On Xen, dom0 sees only its own CPUs and memory: the host's come from the
 * agent's facts, when it has read them. */
static void read_host_facts(struct tui *t, struct status *s)
{
	char running[8], cpus[16], cores[16], sockets[16], total[24], free_mib[24], guests[16];
	if (fact(t, "guests.running", guests, sizeof guests))
		snprintf(s->guests, sizeof s->guests, "%s running", guests);
	else
		snprintf(s->guests, sizeof s->guests, "not reported by the agent yet");
	if (!fact(t, "xen.running", running, sizeof running) || strcmp(running, "yes") != 0)
		return;
	if (fact(t, "host.cpus", cpus, sizeof cpus) && fact(t, "host.cores", cores, sizeof cores) &&
	    fact(t, "host.sockets", sockets, sizeof sockets))
		snprintf(s->cpus, sizeof s->cpus, "%s (%s cores, %s sockets)", cpus, cores, sockets);
	if (fact(t, "host.memory_total_mib", total, sizeof total) &&
	    fact(t, "host.memory_free_mib", free_mib, sizeof free_mib)) {
		memcpy(s->dom0, s->memory, sizeof s->dom0);
		snprintf(s->memory, sizeof s->memory, "%s MiB free of %s MiB", free_mib, total);
	}
}

static void read_xen(struct tui *t, struct status *s)
{
	char path[4200], type[32], major[16], minor[16], extra[32] = "";
	snprintf(path, sizeof path, "%s/type", t->p.hypervisor);
	if (tui_first_line(path, type, sizeof type) != 0 || strcmp(type, "xen") != 0) {
		snprintf(s->xen, sizeof s->xen, "not running on Xen");
		return;
	}
	snprintf(path, sizeof path, "%s/version/major", t->p.hypervisor);
	int bad = tui_first_line(path, major, sizeof major);
	snprintf(path, sizeof path, "%s/version/minor", t->p.hypervisor);
	bad |= tui_first_line(path, minor, sizeof minor);
	snprintf(path, sizeof path, "%s/version/extra", t->p.hypervisor);
	tui_first_line(path, extra, sizeof extra);
	if (bad)
		snprintf(s->xen, sizeof s->xen, "Xen (version unknown)");
	else
		snprintf(s->xen, sizeof s->xen, "Xen %s.%s%s", major, minor, extra);
}

static void read_memory(struct status *s)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long long total = -1, avail = -1;
	while (f && fgets(line, sizeof line, f)) {
		sscanf(line, "MemTotal: %lld kB", &total);
		sscanf(line, "MemAvailable: %lld kB", &avail);
	}
	if (f)
		fclose(f);
	if (total < 0 || avail < 0)
		snprintf(s->memory, sizeof s->memory, "unknown");
	else
		snprintf(s->memory, sizeof s->memory, "%lld MiB used of %lld MiB",
			 (total - avail) / 1024, total / 1024);
}

/* The management interface: how the store says it gets its address, and
 * the IPv4 addresses it really has. */
static void read_mgmt(struct tui *t, struct status *s)
{
	struct tarn_iface f;
	int stored = 0;
	snprintf(s->mgmt, sizeof s->mgmt, "xenbr0");
	if (t->st) {
		tarn_store_get(t->st, "mgmt_interface", s->mgmt, sizeof s->mgmt);
		stored = tarn_store_get_iface(t->st, s->mgmt, &f) == 0;
	}
	if (!stored)
		snprintf(s->how, sizeof s->how, "DHCP (default)");
	else if (strcmp(f.mode, "static") == 0)
		snprintf(s->how, sizeof s->how, "static %s", f.ipv4);
	else if (strcmp(f.mode, "dhcp") == 0)
		snprintf(s->how, sizeof s->how, "DHCP");
	else
		snprintf(s->how, sizeof s->how, "no address configured");

	if (tui_iface_ipv4(s->mgmt, s->addr, sizeof s->addr) == 0)
		snprintf(s->addr, sizeof s->addr, "no IPv4 address");
}

int tui_iface_ipv4(const char *name, char *out, size_t n)
{
	struct ifaddrs *ifs = NULL;
	int count = 0;
	out[0] = '\0';
	if (getifaddrs(&ifs) != 0)
		return 0;
	for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || strcmp(i->ifa_name, name))
			continue;
		char a[INET_ADDRSTRLEN] = "";
		unsigned prefix = 0;
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, a, sizeof a);
		if (i->ifa_netmask)
			prefix = (unsigned)__builtin_popcount(
				((struct sockaddr_in *)(void *)i->ifa_netmask)->sin_addr.s_addr);
		size_t used = strlen(out);
		snprintf(out + used, n - used, "%s%s/%u", used ? " " : "", a, prefix);
		count++;
	}
	freeifaddrs(ifs);
	return count;
}

/* A TCP connection to the agent's port on loopback, within 300 ms. */
static int port_answers(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int ok = 0;
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
		ok = 1;
	} else if (errno == EINPROGRESS) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int e = 0;
		socklen_t len = sizeof e;
		ok = poll(&p, 1, 300) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == 0 && e == 0;
	}
	close(fd);
	return ok;
}

static void read_agent(struct tui *t, struct status *s)
{
	if (t->p.agent_check) {
		char line[80] = "";
		FILE *p = popen(t->p.agent_check, "r");
		if (p && !fgets(line, sizeof line, p))
			line[0] = '\0';
		int rc = p ? pclose(p) : -1;
		line[strcspn(line, "\r\n")] = '\0';
		s->agent_ok = rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
		snprintf(s->agent, sizeof s->agent, "%s", line[0] ? line : s->agent_ok ? "running" : "not running");
		return;
	}
	s->agent_ok = port_answers(t->p.agent_port);
	if (s->agent_ok) {
		snprintf(s->agent, sizeof s->agent, "running (answering on port %d)", t->p.agent_port);
		return;
	}
	char pid[32];
	long n = tui_first_line(t->p.agent_pidfile, pid, sizeof pid) == 0 ? strtol(pid, NULL, 10) : 0;
	if (n > 0 && (kill((pid_t)n, 0) == 0 || errno == EPERM))
		snprintf(s->agent, sizeof s->agent, "port %d silent; supervisor alive", t->p.agent_port);
	else
		snprintf(s->agent, sizeof s->agent, "not running");
}

/* The pool and this host's role in it. Pool state is the agent's (dqlite),
 * so it is asked over the agent's local socket, where root needs no
 * password: within a second, only while the agent answers, and at most
 * once a refresh, so that keys never wait on a slow agent. */
static void ask_pool(struct tui *t, struct status *s);

static void read_pool(struct tui *t, struct status *s)
{
	static char last[sizeof s->pool];
	static double at = -1e9;
	double now = tui_now();
	if (now - at < REFRESH_MS / 1000.0 && last[0]) {
		memcpy(s->pool, last, sizeof last);
		return;
	}
	ask_pool(t, s);
	memcpy(last, s->pool, sizeof last);
	at = now;
}

static void ask_pool(struct tui *t, struct status *s)
{
	tarn_err err = "";
	xmlrpc_value *v = NULL;
	char name[80], master[8];
	if (!s->agent_ok) {
		snprintf(s->pool, sizeof s->pool, "unknown while the agent is not running");
		return;
	}
	enum tarn_call_result r = tui_callf(t, 1, &v, NULL, err, "pool.info", NULL);
	if (r == TARN_CALL_FAULT) /* it says why: "this host is in no pool yet ..." */
		snprintf(s->pool, sizeof s->pool, "%.150s", err);
	else if (r != TARN_CALL_OK)
		snprintf(s->pool, sizeof s->pool, "unknown (no answer on the agent's local socket)");
	else if (!tui_member(v, "name", name, sizeof name)[0] || !tui_member(v, "master", master, sizeof master)[0])
		snprintf(s->pool, sizeof s->pool, "unknown: the agent's answer was not understood");
	else
		snprintf(s->pool, sizeof s->pool, "%.60s, this host is %s", name,
			 strcmp(master, "yes") == 0 ? "the master" : "a member");
	if (v)
		xmlrpc_DECREF(v);
}

/* Xen's watchdog, as the engine records it for host.info, in tarnctl host
 * info's words: armed, the host reboots should its agent stop. No record
 * is what host.info calls not armed. */
static void read_watchdog(struct tui *t, struct status *s)
{
	char armed[8], timeout[16];
	if (!t->st)
		return;
	s->watchdog_armed = fact(t, "watchdog.armed", armed, sizeof armed) && strcmp(armed, "yes") == 0;
	if (!s->watchdog_armed)
		snprintf(s->watchdog, sizeof s->watchdog, "not armed (no HA guest runs here)");
	else if (fact(t, "watchdog.timeout", timeout, sizeof timeout))
		snprintf(s->watchdog, sizeof s->watchdog, "armed: Xen reboots this host %s s after its agent stops", timeout);
	else
		snprintf(s->watchdog, sizeof s->watchdog, "armed: Xen reboots this host should its agent stop");
}

/* Settings persist when a real file system (the TARN-DATA partition) is
 * mounted on the data directory; a tmpfs, or nothing, loses them. */
static void read_persist(struct tui *t, struct status *s)
{
	FILE *f = fopen(t->p.mounts, "r");
	char line[1024], dev[256], dir[512], type[64];
	int found = 0;
	s->persist_ok = 0;
	/* the last mount on the directory is the one in use */
	while (f && fgets(line, sizeof line, f)) {
		if (sscanf(line, "%255s %511s %63s", dev, dir, type) != 3 || strcmp(dir, t->p.data_dir) != 0)
			continue;
		found = 1;
		s->persist_ok = strcmp(type, "tmpfs") != 0 && strcmp(type, "ramfs") != 0;
		if (s->persist_ok)
			snprintf(s->persist, sizeof s->persist, "kept on %.60s", dev);
		else
			snprintf(s->persist, sizeof s->persist, "NOT kept: in memory (%.10s), lost at reboot", type);
	}
	if (f)
		fclose(f);
	if (!found)
		snprintf(s->persist, sizeof s->persist, "NOT kept: no data partition at %.60s", t->p.data_dir);
}

static void gather(struct tui *t, struct status *s)
{
	memset(s, 0, sizeof *s);
	if (!t->st)
		tui_store_try(t); /* what kept it shut (a busy first boot, a late mount) may have passed */
	if (!t->st || tarn_store_get(t->st, "hostname", s->hostname, sizeof s->hostname) != 0) {
		char sys[256] = "";
		gethostname(sys, sizeof sys - 1);
		snprintf(s->hostname, sizeof s->hostname, "%s (not set here)", sys[0] ? sys : "unknown");
	}
	read_mgmt(t, s);
	read_xen(t, s);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(s->cpus, sizeof s->cpus, "%ld", n);
	read_memory(s);
	read_host_facts(t, s);
	read_agent(t, s);
	read_pool(t, s);
	read_persist(t, s);
	read_watchdog(t, s);
}

int status_draw(struct tui *t, int y, int x, int h, int w)
{
	struct status s;
	gather(t, &s);
	const struct {
		const char *label, *value;
		attr_t a;
	} rows[] = {
		{"Product", "Tarn", A_BOLD},
		{"Version", t->version, A_NORMAL},
		{"Host name", s.hostname, A_BOLD},
		{"Management", s.mgmt, A_NORMAL},
		{"  address", s.addr, A_BOLD},
		{"  obtained", s.how, A_NORMAL},
		{"Hypervisor", s.xen, A_NORMAL},
		{"CPUs", s.cpus, A_NORMAL},
		{"Memory", s.memory, A_NORMAL},
		{"  dom0", s.dom0, A_NORMAL}, /* only when the host's memory is known */
		{"Guests", s.guests, A_NORMAL},
		{"Agent", s.agent, s.agent_ok ? t->a_ok : t->a_err},
		{"Pool", s.pool, A_NORMAL},
		{"Settings", s.persist, s.persist_ok ? t->a_ok : t->a_err},
		/* last: beside the menu, where rows are few, it is the one left out */
		{"Watchdog", s.watchdog, s.watchdog_armed ? A_BOLD : A_NORMAL},
	};
	int n = (int)(sizeof rows / sizeof rows[0]), used = 0;
	for (int i = 0; i < n && used < h; i++) {
		if (!rows[i].value[0])
			continue;
		tui_print(y + used, x, 12, t->a_dim, "%s", rows[i].label);
		/* a long value goes on to the next rows rather than being cut */
		used += tui_wrap(y + used, x + 12, w - 12, h - used, rows[i].a, rows[i].value);
	}
	if (!t->st && used + 1 < h)
		used += tui_wrap(y + used + 1, x, w, h - used - 1, t->a_err, t->store_err) + 1;
	return used;
}

static int show_applied(void *ctx, const char *subject, int ok, const char *message, int64_t gen)
{
	int *y = ctx;
	(void)gen;
	if (*y >= LINES - 2)
		return 1;
	tui_print(*y, 2, 24, A_NORMAL, "%s", subject);
	tui_print(*y, 27, COLS - 29, ok ? A_NORMAL : A_BOLD, "%s%s", ok ? "applied" : "FAILED: ", ok ? "" : message);
	(*y)++;
	return 0;
}

/* The agent's TLS certificate as host.info names it (on two lines), which
 * an admin joining another host to this one's pool checks; "" while the
 * agent does not answer. It does not change while the agent runs. */
static void read_certificate(struct tui *t, char lines[TARN_FINGERPRINT_LEN + 1])
{
	xmlrpc_value *v = NULL;
	tarn_err err = "";
	char fp[TARN_FINGERPRINT_LEN] = "";
	if (tui_callf(t, 1, &v, NULL, err, "host.info", NULL) == TARN_CALL_OK &&
	    tui_member(v, "fingerprint", fp, sizeof fp)[0])
		tarn_fingerprint_lines(fp, lines);
	if (v)
		xmlrpc_DECREF(v);
}

void screen_status(struct tui *t)
{
	char cert[TARN_FINGERPRINT_LEN + 1] = "";
	for (;;) {
		tui_frame(t, "Status", "Esc: back  Ctrl-L: redraw   (refreshes every 2 s)");
		int y = 2 + status_draw(t, 2, 2, LINES - 4, COLS - 4);
		if (!cert[0])
			read_certificate(t, cert);
		if (cert[0] && y < LINES - 3) {
			tui_print(y, 2, 12, t->a_dim, "Certificate");
			y += tui_wrap(y, 14, COLS - 16, 2, A_NORMAL, cert);
		}
		y++;
		if (t->st && y < LINES - 3) {
			tui_print(y++, 2, COLS - 4, A_BOLD, "What the agent made of the settings:");
			int y0 = y;
			tarn_store_each_status(t->st, show_applied, &y);
			if (y == y0)
				tui_print(y, 2, COLS - 4, t->a_dim, "nothing reported yet");
		}
		refresh();
		int k = tui_key(t, REFRESH_MS);
		if (tui_is_back(k) || k == 'q')
			return;
	}
}
