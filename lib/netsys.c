/* Network interfaces read from sysfs; see netsys.h. */
#include "netsys.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "validate.h"

#define SYS "/sys/class/net"

static int read_line(const char *dir, const char *file, char *buf, size_t len)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "re");
	buf[0] = '\0';
	if (!f)
		return -1;
	int ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return ok ? 0 : -1;
}

int tarn_link_exists(const char *name)
{
	tarn_err err;
	char path[300];
	if (tarn_check_ifname(name, err))
		return 0;
	/* ifindex: the bonding driver's bonding_masters file sits beside them */
	snprintf(path, sizeof path, SYS "/%s/ifindex", name);
	return access(path, F_OK) == 0;
}

static void link_name(const char *dir, const char *entry, char *out, size_t len)
{
	char path[128], target[256];
	snprintf(path, sizeof path, "%s/%s", dir, entry);
	ssize_t n = readlink(path, target, sizeof target - 1);
	out[0] = '\0';
	if (n <= 0)
		return;
	target[n] = '\0';
	const char *base = strrchr(target, '/');
	snprintf(out, len, "%.15s", base ? base + 1 : target);
}

static void kind_of(const char *dir, struct tarn_link *l)
{
	char line[64], path[128];
	FILE *f;
	snprintf(path, sizeof path, "%s/uevent", dir);
	l->kind[0] = '\0';
	if ((f = fopen(path, "re"))) {
		while (fgets(line, sizeof line, f))
			if (strncmp(line, "DEVTYPE=", 8) == 0) {
				line[strcspn(line, "\n")] = '\0';
				snprintf(l->kind, sizeof l->kind, "%.15s", line + 8);
			}
		fclose(f);
	}
	if (l->kind[0])
		return;
	snprintf(path, sizeof path, "%s/device", dir);
	read_line(dir, "type", line, sizeof line);
	snprintf(l->kind, sizeof l->kind, "%s", strcmp(line, "772") == 0 ? "loopback"
						 : access(path, F_OK) == 0 ? "nic" : "virtual");
}

/* A VLAN's parent is its one lower device; its id is in /proc/net/vlan. */
static void vlan_of(const char *dir, struct tarn_link *l)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strncmp(e->d_name, "lower_", 6) == 0)
			snprintf(l->parent, sizeof l->parent, "%.15s", e->d_name + 6);
	if (d)
		closedir(d);
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/net/vlan/%s", l->name);
	FILE *f = fopen(path, "re");
	const char *vid;
	if (f && fgets(line, sizeof line, f) && (vid = strstr(line, "VID: ")))
		l->vid = strtol(vid + 5, NULL, 10);
	if (f)
		fclose(f);
}

static int prefix_len(const struct sockaddr *mask)
{
	const unsigned char *b = mask->sa_family == AF_INET
		? (const unsigned char *)&((const struct sockaddr_in *)(const void *)mask)->sin_addr
		: (const unsigned char *)&((const struct sockaddr_in6 *)(const void *)mask)->sin6_addr;
	int n = 0;
	for (int i = 0; i < (mask->sa_family == AF_INET ? 4 : 16); i++)
		n += __builtin_popcount(b[i]);
	return n;
}

/* Global addresses (no IPv6 link-local), IPv4 first. */
static void addresses_of(const struct ifaddrs *all, struct tarn_link *l)
{
	l->addresses[0] = '\0';
	for (int family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0)
		for (const struct ifaddrs *a = all; a; a = a->ifa_next) {
			if (!a->ifa_addr || !a->ifa_netmask || a->ifa_addr->sa_family != family ||
			    strcmp(a->ifa_name, l->name) != 0)
				continue;
			char text[INET6_ADDRSTRLEN];
			const void *addr = family == AF_INET
				? (const void *)&((const struct sockaddr_in *)(const void *)a->ifa_addr)->sin_addr
				: (const void *)&((const struct sockaddr_in6 *)(const void *)a->ifa_addr)->sin6_addr;
			inet_ntop(family, addr, text, sizeof text);
			if (family == AF_INET6 && strncmp(text, "fe80:", 5) == 0)
				continue;
			size_t used = strlen(l->addresses);
			snprintf(l->addresses + used, sizeof l->addresses - used, "%s%s/%d", used ? " " : "", text,
				 prefix_len(a->ifa_netmask));
		}
}

static int fill(const char *name, const struct ifaddrs *all, struct tarn_link *l)
{
	char dir[64], line[64];
	if (!tarn_link_exists(name))
		return -1;
	memset(l, 0, sizeof *l);
	snprintf(l->name, sizeof l->name, "%s", name);
	snprintf(dir, sizeof dir, SYS "/%s", name);
	kind_of(dir, l);
	read_line(dir, "operstate", l->state, sizeof l->state);
	l->carrier = read_line(dir, "carrier", line, sizeof line) == 0 ? atoi(line) : -1;
	l->admin_up = read_line(dir, "flags", line, sizeof line) == 0 && (strtol(line, NULL, 16) & 1);
	read_line(dir, "address", l->mac, sizeof l->mac);
	l->mtu = read_line(dir, "mtu", line, sizeof line) == 0 ? strtol(line, NULL, 10) : 0;
	read_line(dir, "ifalias", l->alias, sizeof l->alias);
	link_name(dir, "master", l->master, sizeof l->master);
	if (strcmp(l->kind, "vlan") == 0)
		vlan_of(dir, l);
	if (strcmp(l->kind, "bond") == 0 && read_line(dir, "bonding/mode", line, sizeof line) == 0)
		snprintf(l->bond_mode, sizeof l->bond_mode, "%.*s", (int)strcspn(line, " "), line);
	addresses_of(all, l);
	return 0;
}

int tarn_link_get(const char *name, struct tarn_link *l)
{
	struct ifaddrs *all = NULL;
	getifaddrs(&all);
	int rc = fill(name, all, l);
	freeifaddrs(all);
	return rc;
}

static int by_name(const void *a, const void *b) { return strcmp(a, b); }

int tarn_link_each(int (*fn)(void *ctx, const struct tarn_link *l), void *ctx)
{
	char names[256][16];
	int n = 0, rc = 0;
	DIR *d = opendir(SYS);
	struct dirent *e;
	if (!d)
		return -1;
	while (n < 256 && (e = readdir(d)))
		if (e->d_name[0] != '.' && tarn_link_exists(e->d_name))
			strcpy(names[n++], e->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof names[0], by_name);
	struct ifaddrs *all = NULL;
	getifaddrs(&all);
	for (int i = 0; i < n && rc == 0; i++) {
		struct tarn_link l;
		if (fill(names[i], all, &l) == 0)
			rc = fn(ctx, &l);
	}
	freeifaddrs(all);
	return rc;
}
