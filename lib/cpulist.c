/* CPU lists and vCPU pins; see cpulist.h. */
#include "cpulist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One item: "N", "N-M", either with a leading "^" (taken away). */
static int item(const char *s, size_t len, int ncpus, libxl_bitmap *b, tarn_err err)
{
	char buf[32];
	if (len == 0 || len >= sizeof buf)
		return snprintf(err, TARN_ERRLEN, "a CPU list is items like 2, 0-3 or ^1, separated by commas"), -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	const char *p = buf;
	int take = *p == '^';
	p += take;
	if (strcmp(p, "all") == 0 && !take) {
		libxl_bitmap_set_any(b);
		return 0;
	}
	if (strncmp(p, "node", 4) == 0)
		return snprintf(err, TARN_ERRLEN, "%s: NUMA node lists are not supported; name CPUs", buf), -1;
	char *end;
	long lo = p[0] >= '0' && p[0] <= '9' ? strtol(p, &end, 10) : -1, hi = lo;
	if (lo >= 0 && *end == '-')
		hi = end[1] >= '0' && end[1] <= '9' ? strtol(end + 1, &end, 10) : -1;
	if (lo < 0 || hi < lo || *end != '\0')
		return snprintf(err, TARN_ERRLEN, "%s is not a CPU, a range of CPUs or all", buf), -1;
	if (hi >= ncpus)
		return snprintf(err, TARN_ERRLEN, "CPU %ld does not exist (there are %d)", hi, ncpus), -1;
	for (long i = lo; i <= hi; i++)
		take ? libxl_bitmap_reset(b, (int)i) : libxl_bitmap_set(b, (int)i);
	return 0;
}

int tarn_bitmap_alloc(libxl_bitmap *b, int nbits)
{
	b->size = (uint32_t)(nbits + 7) / 8;
	b->map = calloc(b->size ? b->size : 1, 1);
	return b->map ? 0 : -1;
}

int tarn_cpulist_parse(const char *text, int ncpus, libxl_bitmap *b, tarn_err err)
{
	if (ncpus < 1 || tarn_bitmap_alloc(b, ncpus) != 0)
		return snprintf(err, TARN_ERRLEN, "out of memory"), -1;
	/* libxl_bitmap_set_any sets whole bytes: keep the bits past ncpus clear */
	if (!text || !text[0])
		return snprintf(err, TARN_ERRLEN, "an empty CPU list"), -1;
	for (const char *s = text;;) {
		size_t len = strcspn(s, ",");
		if (item(s, len, ncpus, b, err))
			return -1;
		if (!s[len])
			break;
		s += len + 1;
	}
	for (int i = ncpus; i < (int)b->size * 8; i++)
		libxl_bitmap_reset(b, i);
	if (libxl_bitmap_is_empty(b))
		return snprintf(err, TARN_ERRLEN, "%.60s leaves no CPU", text), -1;
	return 0;
}

void tarn_cpulist_format(const libxl_bitmap *b, int ncpus, char *buf, size_t len)
{
	size_t at = 0;
	int all = 1;
	buf[0] = '\0';
	for (int i = 0; i < ncpus; i++) {
		if (!libxl_bitmap_test(b, i)) {
			all = 0;
			continue;
		}
		int j = i;
		while (j + 1 < ncpus && libxl_bitmap_test(b, j + 1))
			j++;
		if (at < len)
			at += (size_t)snprintf(buf + at, len - at, j > i ? "%s%d-%d" : "%s%d", at ? "," : "", i, j);
		i = j;
	}
	if (all)
		snprintf(buf, len, "all");
	else if (!buf[0])
		snprintf(buf, len, "none");
}

/* The entry for vcpu: where it starts and its length, or NULL. */
static const char *entry(const char *pins, int vcpu, size_t *len)
{
	for (const char *s = pins ? pins : ""; *s;) {
		size_t n = strcspn(s, " ");
		char *end;
		if (strtol(s, &end, 10) == vcpu && *end == ':' && end < s + n) {
			*len = n;
			return s;
		}
		s += n + (s[n] == ' ');
	}
	return NULL;
}

const char *tarn_pins_get(const char *pins, int vcpu, char *buf, size_t len)
{
	size_t n;
	const char *e = entry(pins, vcpu, &n);
	if (!e)
		return NULL;
	const char *list = strchr(e, ':') + 1;
	snprintf(buf, len, "%.*s", (int)(n - (size_t)(list - e)), list);
	return buf;
}

int tarn_pins_set(const char *pins, int vcpu, const char *cpulist, char *out, size_t len)
{
	size_t at = 0;
	int placed = 0;
	out[0] = '\0';
	for (const char *s = pins ? pins : "";; ) {
		size_t n = strcspn(s, " ");
		long v = n ? strtol(s, NULL, 10) : -1;
		if (!placed && (n == 0 || v >= vcpu)) {
			at += (size_t)snprintf(out + at, at < len ? len - at : 0, "%s%d:%s", at ? " " : "", vcpu, cpulist);
			placed = 1;
		}
		if (n == 0)
			break;
		if (v != vcpu)
			at += (size_t)snprintf(out + at, at < len ? len - at : 0, "%s%.*s", at ? " " : "", (int)n, s);
		s += n + (s[n] == ' ');
	}
	return at < len ? 0 : -1;
}
