/* Strict validation of user and API input; see validate.h. */
#include "validate.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *fail(tarn_err err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const char *fail(tarn_err err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, TARN_ERRLEN, fmt, ap);
	va_end(ap);
	return err;
}

/* Shows at most 40 characters of a bad value, so a hostile one cannot flood
 * a message or a log line. */
#define SHOWN(s) 40, (s)

static int empty(const char *s) { return s == NULL || *s == '\0'; }

const char *tarn_check_ipv4(const char *s, tarn_err err)
{
	if (empty(s))
		return fail(err, "an IPv4 address is required");
	/* inet_pton is strict (four decimal parts, no leading zeros) but says
	 * nothing about why: find the part that is out of range ourselves. */
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) == 1)
		return NULL;
	const char *p = s;
	for (int part = 0; part < 4; part++) {
		char *end;
		if (!isdigit((unsigned char)*p))
			break;
		long v = strtol(p, &end, 10);
		if (v > 255)
			return fail(err, "%ld is not 0-255 in %.*s", v, SHOWN(s));
		p = end;
		if (*p != '.')
			break;
		p++;
	}
	return fail(err, "%.*s is not an IPv4 address (four numbers 0-255, like 192.0.2.10)",
		    SHOWN(s));
}

const char *tarn_check_ipv6(const char *s, tarn_err err)
{
	struct in6_addr a;
	if (empty(s))
		return fail(err, "an IPv6 address is required");
	if (inet_pton(AF_INET6, s, &a) != 1)
		return fail(err, "%.*s is not an IPv6 address (like 2001:db8::10)", SHOWN(s));
	return NULL;
}

const char *tarn_check_ip(const char *s, tarn_err err)
{
	if (s && strchr(s, ':'))
		return tarn_check_ipv6(s, err);
	return tarn_check_ipv4(s, err);
}

/* Splits "addr/prefix" into its parts; returns the address family or 0. */
static int split_cidr(const char *s, char *addr, size_t addrlen, long *prefix, tarn_err err)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	if (empty(s))
		return fail(err, "an address with a prefix length is required"), 0;
	if (!slash || slash == s || (size_t)(slash - s) >= addrlen) {
		fail(err, "%.*s needs a prefix length, like 192.0.2.10/24", SHOWN(s));
		return 0;
	}
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (tarn_check_ip(addr, err))
		return 0;
	const char *digits = slash + 1;
	char *end;
	errno = 0;
	*prefix = strtol(digits, &end, 10);
	long max = family == AF_INET ? 32 : 128;
	if (!isdigit((unsigned char)*digits) || *end || errno || *prefix < 0 || *prefix > max) {
		fail(err, "prefix length /%.*s is not 0-%ld", SHOWN(digits), max);
		return 0;
	}
	return family;
}

const char *tarn_check_cidr(const char *s, tarn_err err)
{
	char addr[INET6_ADDRSTRLEN + 1];
	long prefix;
	return split_cidr(s, addr, sizeof addr, &prefix, err) ? NULL : err;
}

static int same_network(const unsigned char *a, const unsigned char *b, long prefix)
{
	long full = prefix / 8;
	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (prefix % 8 == 0)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - prefix % 8));
	return (a[full] & mask) == (b[full] & mask);
}

const char *tarn_check_gateway(const char *gw, const char *cidr, tarn_err err)
{
	char addr[INET6_ADDRSTRLEN + 1];
	long prefix;
	unsigned char a[16], g[16];
	if (tarn_check_ip(gw, err))
		return err;
	int family = split_cidr(cidr, addr, sizeof addr, &prefix, err);
	if (!family)
		return err;
	if ((strchr(gw, ':') != NULL) != (family == AF_INET6))
		return fail(err, "gateway %.*s is not of the same family as %.*s", SHOWN(gw), SHOWN(cidr));
	inet_pton(family, addr, a);
	inet_pton(family, gw, g);
	if (!same_network(a, g, prefix))
		return fail(err, "gateway %.*s is outside %.*s", SHOWN(gw), SHOWN(cidr));
	if (memcmp(a, g, family == AF_INET ? 4 : 16) == 0)
		return fail(err, "gateway %.*s is this host's own address", SHOWN(gw));
	return NULL;
}

const char *tarn_check_hostname(const char *s, tarn_err err)
{
	if (empty(s))
		return fail(err, "a host name is required");
	size_t n = strlen(s);
	if (n > 253)
		return fail(err, "a host name has at most 253 characters, not %zu", n);
	const char *label = s;
	for (const char *p = s;; p++) {
		if (*p == '.' || *p == '\0') {
			size_t len = (size_t)(p - label);
			if (len == 0)
				return fail(err, "%.*s has an empty label (two dots, or a dot at an end)", SHOWN(s));
			if (len > 63)
				return fail(err, "a label of a host name has at most 63 characters");
			if (label[0] == '-' || p[-1] == '-')
				return fail(err, "a label cannot start or end with '-' in %.*s", SHOWN(s));
			if (*p == '\0')
				break;
			label = p + 1;
		} else if (!isalnum((unsigned char)*p) && *p != '-') {
			if (isprint((unsigned char)*p))
				return fail(err, "'%c' is not allowed in a host name (letters, digits, '-' and '.')", *p);
			return fail(err, "a host name has only letters, digits, '-' and '.'");
		}
	}
	return NULL;
}

const char *tarn_check_host(const char *s, tarn_err err)
{
	struct in6_addr a;
	tarn_err ignore;
	if (empty(s))
		return fail(err, "an address or host name is required");
	if (inet_pton(AF_INET6, s, &a) == 1)
		return NULL;
	/* no top-level domain is all digits: 192.0.2.300 is a wrong address */
	if (strspn(s, "0123456789.") == strlen(s))
		return tarn_check_ipv4(s, err);
	if (tarn_check_hostname(s, ignore))
		return fail(err, "%.*s is neither an address nor a host name", SHOWN(s));
	return NULL;
}

const char *tarn_check_server(const char *s, const char **rest, tarn_err err)
{
	char host[256];
	size_t n;
	if (empty(s))
		return fail(err, "a server's name or address is required");
	if (s[0] == '[') {
		n = strcspn(s + 1, "]");
		if (s[1 + n] != ']' || n >= sizeof host)
			return fail(err, "%.*s: an IPv6 address ends with ']'", SHOWN(s));
		memcpy(host, s + 1, n);
		host[n] = '\0';
		*rest = s + n + 2;
		return tarn_check_ipv6(host, err);
	}
	n = strcspn(s, ":/");
	if (n == 0 || n >= sizeof host)
		return fail(err, "%.*s does not start with a server's name or address", SHOWN(s));
	memcpy(host, s, n);
	host[n] = '\0';
	*rest = s + n;
	return tarn_check_host(host, err);
}

const char *tarn_check_host_port(const char *s, tarn_err err)
{
	const char *rest;
	struct in6_addr a;
	if (s && inet_pton(AF_INET6, s, &a) == 1)
		return NULL;
	if (tarn_check_server(s, &rest, err))
		return err;
	if (!rest[0])
		return NULL;
	char *end = NULL;
	long port = rest[0] == ':' && isdigit((unsigned char)rest[1]) ? strtol(rest + 1, &end, 10) : -1;
	if (port < 1 || port > 65535 || *end)
		return fail(err, "%.*s: the port is a number 1-65535 after ':'", SHOWN(s));
	return NULL;
}

const char *tarn_check_vlan_id(long id, tarn_err err)
{
	if (id < 1 || id > 4094)
		return fail(err, "VLAN %ld is not 1-4094", id);
	return NULL;
}

const char *tarn_check_mtu(long mtu, tarn_err err)
{
	if (mtu < 576 || mtu > 9216)
		return fail(err, "MTU %ld is not 576-9216", mtu);
	return NULL;
}

const char *const tarn_bond_modes[] = {"active-backup", "802.3ad", "balance-rr", "balance-xor",
				       "broadcast", "balance-tlb", "balance-alb", NULL};

const char *tarn_check_bond_mode(const char *s, tarn_err err)
{
	for (size_t i = 0; s && tarn_bond_modes[i]; i++)
		if (strcmp(s, tarn_bond_modes[i]) == 0)
			return NULL;
	return fail(err, "%.*s is not a bond mode (active-backup, 802.3ad, balance-rr, "
		    "balance-xor, broadcast, balance-tlb, balance-alb)", SHOWN(s ? s : ""));
}

const char *tarn_check_name(const char *s, tarn_err err)
{
	if (empty(s))
		return fail(err, "a name is required");
	size_t n = strlen(s);
	if (n > 64)
		return fail(err, "a name has at most 64 characters, not %zu", n);
	if (s[0] == '.' || s[0] == '-')
		return fail(err, "a name cannot start with '%c'", s[0]);
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return fail(err, "a name has only letters, digits, '.', '_' and '-'");
	return NULL;
}

const char *tarn_check_ifname(const char *s, tarn_err err)
{
	if (empty(s))
		return fail(err, "an interface name is required");
	size_t n = strlen(s);
	if (n > 15)
		return fail(err, "an interface name has at most 15 characters, not %zu", n);
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return fail(err, "%s is not an interface name", s);
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || !isgraph((unsigned char)*p))
			return fail(err, "an interface name cannot contain '/', ':' or spaces");
	return NULL;
}

const char *tarn_check_uuid(const char *s, tarn_err err)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	if (s && strlen(s) == sizeof shape - 1) {
		size_t i;
		for (i = 0; shape[i]; i++)
			if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
				break;
		if (!shape[i])
			return NULL;
	}
	return fail(err, "%.*s is not a UUID (like 0f8fad5b-d9cb-469f-a165-70867728950e)",
		    SHOWN(s ? s : ""));
}

const char *tarn_check_path(const char *s, tarn_err err)
{
	if (empty(s))
		return fail(err, "a path is required");
	if (s[0] != '/')
		return fail(err, "%.*s is not an absolute path", SHOWN(s));
	if (strlen(s) > 4095)
		return fail(err, "a path has at most 4095 characters");
	for (const char *p = s; *p; p++) {
		if (iscntrl((unsigned char)*p))
			return fail(err, "a path cannot contain control characters");
		if (p[0] == '/' && p[1] == '.' && p[2] == '.' && (p[3] == '/' || p[3] == '\0'))
			return fail(err, "%.*s contains '..'", SHOWN(s));
	}
	return NULL;
}

const char *tarn_parse_size(const char *s, uint64_t *bytes, tarn_err err)
{
	if (empty(s))
		return fail(err, "a size is required, like 20G");
	if (!isdigit((unsigned char)*s))
		return fail(err, "%.*s is not a size (a number, then K, M, G or T)", SHOWN(s));
	char *end;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return fail(err, "%.*s is too large", SHOWN(s));
	int shift = 0;
	switch (toupper((unsigned char)*end)) {
	case '\0': break;
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	case 'T': shift = 40; break;
	default:
		return fail(err, "%.*s has an unknown unit (use K, M, G or T)", SHOWN(s));
	}
	if (*end) {
		end++;
		if (!strcasecmp(end, "iB") || !strcasecmp(end, "B"))
			end += strlen(end);
		if (*end)
			return fail(err, "%.*s has an unknown unit (use K, M, G or T)", SHOWN(s));
	}
	if (n > (UINT64_MAX >> shift))
		return fail(err, "%.*s is too large", SHOWN(s));
	*bytes = (uint64_t)n << shift;
	return NULL;
}
