/* The network reconciler over iproute2; see net-apply.h. */
#include "net-apply.h"

#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "netdev.h"
#include "netsys.h"
#include "net-pass.h"
#include "run.h"

void tarn_net_record(struct tarn_net_pass *p, const char *subject, const char *error)
{
	tarn_err ignore;
	tarn_store_set_status(p->st, subject, error == NULL, error ? error : "applied", p->generation, ignore);
	if (error)
		p->failed++;
}

static const char *apply_hostname(struct tarn_net_pass *p, tarn_err err)
{
	char name[256], path[512], line[260];
	if (tarn_store_get(p->st, "hostname", name, sizeof name) != 0)
		return NULL;
	char now[256] = "";
	gethostname(now, sizeof now);
	if (strcmp(now, name) != 0 && sethostname(name, strlen(name)) != 0)
		return snprintf(err, TARN_ERRLEN, "cannot set the host name: %m"), err;
	snprintf(path, sizeof path, "%s/hostname", p->paths->sysconf);
	int n = snprintf(line, sizeof line, "%s\n", name);
	return tarn_write_file_atomic(path, line, (size_t)n, 0644, err) ? err : NULL;
}

static const char *apply_dns(struct tarn_net_pass *p, tarn_err err)
{
	char list[512], path[512], text[1024] = "# written by tarnd from the node store\n";
	if (tarn_store_get(p->st, "dns", list, sizeof list) != 0)
		return NULL;
	char *save = NULL;
	for (char *w = strtok_r(list, " ", &save); w; w = strtok_r(NULL, " ", &save))
		snprintf(text + strlen(text), sizeof text - strlen(text), "nameserver %s\n", w);
	snprintf(path, sizeof path, "%s/resolv.conf", p->paths->sysconf);
	return tarn_write_file_atomic(path, text, strlen(text), 0644, err) ? err : NULL;
}

static void dhcp_pidfile(struct tarn_net_pass *p, const char *ifname, char *buf, size_t len)
{
	snprintf(buf, len, "%s/udhcpc.%s.pid", p->paths->rundir, ifname);
}

static pid_t dhcp_client(struct tarn_net_pass *p, const char *ifname)
{
	char path[512];
	dhcp_pidfile(p, ifname, path, sizeof path);
	return tarn_net_running(path);
}

pid_t tarn_net_running(const char *path)
{
	FILE *f = fopen(path, "re");
	long pid = 0;
	if (f) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid > 0 && kill((pid_t)pid, 0) == 0 ? (pid_t)pid : 0;
}

const char *tarn_net_run(const char *const argv[], tarn_err err)
{
	return tarn_run(argv, NULL, 0, err) ? err : NULL;
}

void tarn_net_dhcp_stop(struct tarn_net_pass *p, const char *ifname)
{
	pid_t pid = dhcp_client(p, ifname);
	if (pid)
		kill(pid, SIGTERM);
}

static const char *dhcp_start(struct tarn_net_pass *p, const char *ifname, tarn_err err)
{
	char pidfile[512];
	if (dhcp_client(p, ifname))
		return NULL; /* already running: leave its lease alone */
	dhcp_pidfile(p, ifname, pidfile, sizeof pidfile);
	const char *argv[] = {"udhcpc", "-b", "-S", "-i", ifname, "-p", pidfile,
			      "-s", p->paths->dhcp_script, NULL};
	return tarn_run(argv, NULL, 0, err) ? err : NULL;
}

/* Removes every global address of a family except keep (may be NULL);
 * *kept (may be NULL) tells whether keep is already there. */
static const char *prune_addresses(const char *ifname, const char *family, const char *keep, int *kept,
				   tarn_err err)
{
	if (kept)
		*kept = 0;
	char out[4096];
	const char *show[] = {"ip", family, "-o", "addr", "show", "dev", ifname, "scope", "global", NULL};
	if (tarn_run(show, out, sizeof out, err))
		return err;
	char *save = NULL;
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *inet = strstr(line, " inet");
		char addr[64];
		if (!inet || sscanf(inet, " %*s %63s", addr) != 1)
			continue;
		if (keep && strcmp(addr, keep) == 0) {
			if (kept)
				*kept = 1;
			continue;
		}
		const char *del[] = {"ip", family, "addr", "del", addr, "dev", ifname, NULL};
		if (tarn_run(del, NULL, 0, err))
			return err;
	}
	return NULL;
}

/* Makes cidr the interface's only global address of its family, adding it
 * only when missing: re-adding would flap it for anything watching. */
static const char *set_address(const char *ifname, const char *family, const char *cidr, tarn_err err)
{
	int kept;
	if (prune_addresses(ifname, family, cidr, &kept, err))
		return err;
	const char *add[] = {"ip", family, "addr", "add", cidr, "dev", ifname, NULL};
	return !kept && tarn_run(add, NULL, 0, err) ? err : NULL;
}

static const char *apply_static(const struct tarn_iface *f, tarn_err err)
{
	if (set_address(f->name, "-4", f->ipv4, err))
		return err;
	if (f->gateway4[0]) {
		const char *route[] = {"ip", "-4", "route", "replace", "default", "via", f->gateway4,
				       "dev", f->name, NULL};
		if (tarn_run(route, NULL, 0, err))
			return err;
	}
	return NULL;
}

static int apply_iface(void *ctx, const struct tarn_iface *f)
{
	struct tarn_net_pass *p = ctx;
	char subject[64], mtu[16];
	tarn_err err = "";
	const char *error = NULL;
	snprintf(subject, sizeof subject, "net.iface.%s", f->name);
	if (if_nametoindex(f->name) == 0) {
		snprintf(err, TARN_ERRLEN, "there is no interface %s on this host", f->name);
		tarn_net_record(p, subject, err);
		return 0;
	}
	snprintf(mtu, sizeof mtu, "%ld", f->mtu);
	/* without an MTU the list ends at "up"; what is already so is not
	 * set again, so a pass that changes nothing sends nothing */
	struct tarn_link l;
	int same_mtu = !f->mtu || (tarn_link_get(f->name, &l) == 0 && l.mtu == f->mtu);
	const char *up[] = {"ip", "link", "set", "dev", f->name, "up", same_mtu ? NULL : "mtu", mtu, NULL};
	if ((!same_mtu || tarn_link_get(f->name, &l) != 0 || !l.admin_up) && tarn_run(up, NULL, 0, err))
		error = err;
	else if (strcmp(f->mode, "dhcp") == 0)
		error = dhcp_start(p, f->name, err);
	else {
		tarn_net_dhcp_stop(p, f->name);
		error = strcmp(f->mode, "static") == 0 ? apply_static(f, err)
						       : prune_addresses(f->name, "-4", NULL, NULL, err);
	}
	if (!error && f->ipv6[0])
		error = set_address(f->name, "-6", f->ipv6, err);
	tarn_net_record(p, subject, error);
	return 0;
}

int tarn_net_reconcile(tarn_store *st, const struct tarn_net_paths *paths, int64_t generation)
{
	struct tarn_net_pass p = {.st = st, .paths = paths, .generation = generation};
	tarn_err err = "";
	tarn_net_record(&p, "net.hostname", apply_hostname(&p, err));
	tarn_net_record(&p, "net.dns", apply_dns(&p, err));
	tarn_net_ntp(&p);
	tarn_net_devices(&p);
	tarn_store_each_iface(st, apply_iface, &p);
	tarn_netdev_prune_status(st);
	return p.failed;
}
