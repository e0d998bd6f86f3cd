/* Configuration backups; see backup.h for the format and why it is so. */
#include "backup.h"

#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netdev.h"
#include "nettrial.h"
#include "repo.h"
#include "store-internal.h"

#define MAGIC "tarn-config "
#define SUM_TAG "sha256\t"
#define MAX_FIELDS 10

static int sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char d[32];
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, d) != 0)
		return -1;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return 0;
}

/* ---- making one ---- */

struct out {
	FILE *f;
	int bad; /* a value held a tab or a line break: it cannot be a field */
};

/* One record: kind, then n fields, tab-separated. */
static void put(struct out *o, const char *kind, int n, const char *const *fields)
{
	fputs(kind, o->f);
	for (int i = 0; i < n; i++) {
		if (strpbrk(fields[i], "\t\r\n"))
			o->bad = 1;
		fprintf(o->f, "\t%s", fields[i]);
	}
	fputc('\n', o->f);
}

static int put_iface(void *ctx, const struct tarn_iface *f)
{
	char mtu[24];
	snprintf(mtu, sizeof mtu, "%ld", f->mtu);
	put(ctx, "iface", 6, (const char *const[]){f->name, f->mode, f->ipv4, f->gateway4, f->ipv6, mtu});
	return 0;
}

static int put_bridge(void *ctx, const struct tarn_bridge *b)
{
	put(ctx, "bridge", 2, (const char *const[]){b->name, b->ports});
	return 0;
}

static int put_vlan(void *ctx, const struct tarn_vlan *v)
{
	char vid[24];
	snprintf(vid, sizeof vid, "%ld", v->vid);
	put(ctx, "vlan", 3, (const char *const[]){v->name, v->parent, vid});
	return 0;
}

static int put_bond(void *ctx, const struct tarn_bond *b)
{
	put(ctx, "bond", 3, (const char *const[]){b->name, b->mode, b->slaves});
	return 0;
}

static int put_repo(void *ctx, const struct tarn_repo *r)
{
	char lun[24];
	snprintf(lun, sizeof lun, "%d", r->lun);
	put(ctx, "repo", 9, (const char *const[]){r->name, r->uuid, r->kind, r->source, r->target, lun, r->fstype,
						  r->options, r->format ? "1" : "0"});
	return 0;
}

static int put_settings(tarn_store *st, struct out *o)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "SELECT key, value FROM settings ORDER BY key", -1, &s, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW)
		put(o, "setting", 2, (const char *const[]){(const char *)sqlite3_column_text(s, 0),
							    (const char *)sqlite3_column_text(s, 1)});
	sqlite3_finalize(s);
	return 0;
}

char *tarn_backup_make(tarn_store *st, const char *made_by, size_t *len, tarn_err err)
{
	char *buf = NULL, host[256] = "(no host name)", when[64], hex[65];
	size_t size = 0;
	struct out o = {open_memstream(&buf, &size), 0};
	if (!o.f)
		return snprintf(err, TARN_ERRLEN, "out of memory"), NULL;
	time_t now = time(NULL);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	tarn_store_get(st, "hostname", host, sizeof host);
	fprintf(o.f, MAGIC "%d\n# %s, host %s, %s\n", TARN_BACKUP_VERSION, made_by, host, when);
	/* a reader is in a transaction of its own: every part of one moment */
	int own, rc = tarn_store_begin_own(st, &own, err) ? -1 : 0;
	if (!rc)
		rc = put_settings(st, &o) || tarn_store_each_iface(st, put_iface, &o) ||
		     tarn_netdev_each_bond(st, put_bond, &o) || tarn_netdev_each_vlan(st, put_vlan, &o) ||
		     tarn_netdev_each_bridge(st, put_bridge, &o) || tarn_repo_each(st, put_repo, &o) ? -1 : 0;
	if (own)
		tarn_store_rollback(st); /* nothing was written */
	if (fflush(o.f) != 0 || rc || o.bad || size > TARN_BACKUP_MAX - 100 || sha256_hex(buf, size, hex)) {
		snprintf(err, TARN_ERRLEN, "%s", rc ? "cannot read the node store"
					: o.bad ? "a stored value holds a tab or a line break: it cannot be backed up"
					: "the backup would be too large");
		fclose(o.f);
		free(buf);
		return NULL;
	}
	fprintf(o.f, SUM_TAG "%s\n", hex);
	fclose(o.f);
	*len = size;
	return buf;
}

/* ---- reading one ---- */

struct rec {
	int line;
	const char *kind;
	char *f[MAX_FIELDS];
	int n;
	int done;
};

struct parsed {
	char *text;      /* a NUL-terminated copy, cut into fields */
	struct rec *r;
	int n;
};

static void parsed_free(struct parsed *p)
{
	free(p->text);
	free(p->r);
}

/* Checks the envelope (format, version, checksum) and cuts the records
 * into fields; nothing is validated yet. */
static int parse(const char *data, size_t len, struct parsed *p, tarn_err err)
{
	memset(p, 0, sizeof *p);
	if (len > TARN_BACKUP_MAX)
		return snprintf(err, TARN_ERRLEN, "the file is %zu bytes: no backup is over %d", len,
				TARN_BACKUP_MAX), -1;
	if (len < strlen(MAGIC) || memcmp(data, MAGIC, strlen(MAGIC)) != 0)
		return snprintf(err, TARN_ERRLEN, "this is not a Tarn configuration backup (it does not start "
				"with \"" MAGIC "\")"), -1;
	char *end;
	long version = strtol(data + strlen(MAGIC), &end, 10);
	if (end == data + strlen(MAGIC) || *end != '\n')
		return snprintf(err, TARN_ERRLEN, "the backup's first line is damaged"), -1;
	if (version != TARN_BACKUP_VERSION)
		return snprintf(err, TARN_ERRLEN, "the backup is format version %ld; this Tarn reads version %d",
				version, TARN_BACKUP_VERSION), -1;
	if (memchr(data, '\0', len))
		return snprintf(err, TARN_ERRLEN, "the backup is damaged: it holds a NUL byte"), -1;
	/* the last line is the checksum of everything before it */
	size_t body = len;
	if (body && data[body - 1] == '\n')
		body--;
	while (body && data[body - 1] != '\n')
		body--;
	char hex[65];
	if (len - body < strlen(SUM_TAG) + 64 || memcmp(data + body, SUM_TAG, strlen(SUM_TAG)) != 0)
		return snprintf(err, TARN_ERRLEN, "the backup is incomplete: its checksum line is missing "
				"(was the file cut short?)"), -1;
	if (sha256_hex(data, body, hex) || memcmp(hex, data + body + strlen(SUM_TAG), 64) != 0 ||
	    len - body - strlen(SUM_TAG) - 64 > 1)
		return snprintf(err, TARN_ERRLEN, "the backup is damaged: its checksum does not match its "
				"contents"), -1;
	int lines = 1;
	for (size_t i = 0; i < body; i++)
		lines += data[i] == '\n';
	p->text = malloc(body + 1);
	p->r = calloc((size_t)lines, sizeof *p->r);
	if (!p->text || !p->r) {
		parsed_free(p);
		return snprintf(err, TARN_ERRLEN, "out of memory"), -1;
	}
	memcpy(p->text, data, body);
	p->text[body] = '\0';
	int line = 2;
	for (char *l = strchr(p->text, '\n') + 1; *l; line++) { /* after the first line, checked above */
		char *nl = strchr(l, '\n'), *tab;
		if (nl)
			*nl = '\0';
		if (l[0] != '#') {
			struct rec *r = &p->r[p->n++];
			r->line = line;
			r->kind = l;
			for (char *f = l; (tab = strchr(f, '\t')) != NULL && r->n < MAX_FIELDS; f = tab + 1) {
				*tab = '\0';
				r->f[r->n++] = tab + 1;
			}
		}
		l = nl ? nl + 1 : l + strlen(l);
	}
	return 0;
}

/* ---- applying one ---- */

/* Puts "line N (kind name): " before the message in err. */
static int at(const struct rec *r, tarn_err err)
{
	char m[TARN_ERRLEN];
	snprintf(m, sizeof m, "%s", err);
	snprintf(err, TARN_ERRLEN, "line %d (%.8s %.20s): %.100s", r->line, r->kind, r->n ? r->f[0] : "", m);
	return -1;
}

/* Copies field i into dst, refusing what does not fit. */
static int take(const struct rec *r, int i, char *dst, size_t size, tarn_err err)
{
	if (strlen(r->f[i]) >= size)
		return snprintf(err, TARN_ERRLEN, "field %d is longer than %zu characters", i + 1, size - 1), -1;
	strcpy(dst, r->f[i]);
	return 0;
}

static int take_long(const struct rec *r, int i, long *out, tarn_err err)
{
	char *end;
	*out = strtol(r->f[i], &end, 10);
	if (!r->f[i][0] || *end)
		return snprintf(err, TARN_ERRLEN, "field %d, %.20s, is not a number", i + 1, r->f[i]), -1;
	return 0;
}

static int apply_iface(tarn_store *st, const struct rec *r, tarn_err err)
{
	struct tarn_iface f = {0};
	return take(r, 0, f.name, sizeof f.name, err) || take(r, 1, f.mode, sizeof f.mode, err) ||
	       take(r, 2, f.ipv4, sizeof f.ipv4, err) || take(r, 3, f.gateway4, sizeof f.gateway4, err) ||
	       take(r, 4, f.ipv6, sizeof f.ipv6, err) || take_long(r, 5, &f.mtu, err) ||
	       tarn_store_set_iface(st, &f, err) ? -1 : 0;
}

static int apply_repo(tarn_store *st, const struct rec *r, tarn_err err)
{
	struct tarn_repo p = {0};
	long lun = 0, format = 0;
	if (take(r, 0, p.name, sizeof p.name, err) || take(r, 1, p.uuid, sizeof p.uuid, err) ||
	    take(r, 2, p.kind, sizeof p.kind, err) || take(r, 3, p.source, sizeof p.source, err) ||
	    take(r, 4, p.target, sizeof p.target, err) || take_long(r, 5, &lun, err) ||
	    take(r, 6, p.fstype, sizeof p.fstype, err) || take(r, 7, p.options, sizeof p.options, err) ||
	    take_long(r, 8, &format, err))
		return -1;
	if (lun < 0 || lun > 16383 || (format != 0 && format != 1))
		return snprintf(err, TARN_ERRLEN, "the LUN or the format flag is out of range"), -1;
	if (!p.uuid[0])
		return snprintf(err, TARN_ERRLEN, "a repository keeps its uuid: it is missing"), -1;
	p.lun = (int)lun;
	p.format = (int)format;
	return tarn_repo_add(st, &p, err);
}

static int apply_netdev(tarn_store *st, const struct rec *r, tarn_err err)
{
	if (strcmp(r->kind, "bridge") == 0) {
		struct tarn_bridge b = {0};
		return take(r, 0, b.name, sizeof b.name, err) || take(r, 1, b.ports, sizeof b.ports, err) ||
		       tarn_netdev_set_bridge(st, &b, err) ? -1 : 0;
	}
	if (strcmp(r->kind, "bond") == 0) {
		struct tarn_bond b = {0};
		return take(r, 0, b.name, sizeof b.name, err) || take(r, 1, b.mode, sizeof b.mode, err) ||
		       take(r, 2, b.slaves, sizeof b.slaves, err) || tarn_netdev_set_bond(st, &b, err) ? -1 : 0;
	}
	struct tarn_vlan v = {0};
	if (take(r, 0, v.name, sizeof v.name, err) || take(r, 1, v.parent, sizeof v.parent, err) ||
	    take_long(r, 2, &v.vid, err))
		return -1;
	if (!v.name[0])
		return snprintf(err, TARN_ERRLEN, "a VLAN's name is missing"), -1;
	return tarn_netdev_set_vlan(st, &v, err);
}

static int apply_setting(tarn_store *st, const struct rec *r, tarn_err err)
{
	return tarn_store_set(st, r->f[0], r->f[1], err);
}

static const struct {
	const char *kind;
	int fields;
	int (*apply)(tarn_store *st, const struct rec *r, tarn_err err);
} kinds[] = {
	{"setting", 2, apply_setting}, {"iface", 6, apply_iface}, {"repo", 9, apply_repo},
	/* devices: placed after the rest, see apply */
	{"bond", 3, apply_netdev}, {"vlan", 3, apply_netdev}, {"bridge", 2, apply_netdev},
};
#define NKINDS ((int)(sizeof kinds / sizeof kinds[0]))
#define FIRST_DEVICE 3

/* Writes every record into st (inside a transaction). Devices are built on
 * one another in any order (a VLAN on a bond in a bridge): they are tried
 * again while each pass places one more, and the first that never fits
 * is what is reported. */
static int apply(tarn_store *st, struct parsed *p, tarn_err err)
{
	for (int i = 0; i < p->n; i++) {
		struct rec *r = &p->r[i];
		int k;
		for (k = 0; k < NKINDS && strcmp(kinds[k].kind, r->kind); k++)
			;
		if (k == NKINDS)
			return snprintf(err, TARN_ERRLEN, "line %d: \"%.20s\" is no kind of record a backup holds",
					r->line, r->kind), -1;
		if (r->n != kinds[k].fields)
			return snprintf(err, TARN_ERRLEN, "line %d: a %s record has %d fields, not %d", r->line,
					r->kind, r->n, kinds[k].fields), -1;
		if (k < FIRST_DEVICE && kinds[k].apply(st, r, err))
			return at(r, err);
		r->done = k < FIRST_DEVICE;
	}
	for (int placed = 1; placed;) {
		placed = 0;
		for (int i = 0; i < p->n; i++)
			if (!p->r[i].done && apply_netdev(st, &p->r[i], err) == 0)
				p->r[i].done = placed = 1;
	}
	for (int i = 0; i < p->n; i++)
		if (!p->r[i].done) {
			apply_netdev(st, &p->r[i], err); /* its message again */
			return at(&p->r[i], err);
		}
	return 0;
}

int tarn_backup_check(const char *data, size_t len, tarn_err err)
{
	struct parsed p;
	if (parse(data, len, &p, err))
		return -1;
	/* written into a scratch store through the same validated writes as a
	 * restore: what passes here is what a restore makes */
	tarn_store *scratch = tarn_store_open(":memory:", err);
	int rc = !scratch || tarn_store_begin(scratch, err) || apply(scratch, &p, err) ? -1 : 0;
	if (scratch)
		tarn_store_rollback(scratch);
	tarn_store_close(scratch);
	parsed_free(&p);
	return rc;
}

int tarn_backup_restore(tarn_store *st, const char *data, size_t len, long trial_seconds, tarn_err err)
{
	struct parsed p;
	int own;
	if (trial_seconds < 0 || trial_seconds > 3600)
		return snprintf(err, TARN_ERRLEN, "confirm %ld is not 0-3600 seconds", trial_seconds), -1;
	if (tarn_backup_check(data, len, err) || parse(data, len, &p, err))
		return -1;
	if (tarn_store_begin_own(st, &own, err)) {
		parsed_free(&p);
		return -1;
	}
	int rc = trial_seconds ? (tarn_net_trial_guard(st, "", trial_seconds, err) < 0 ? -1 : 0)
			       : tarn_store_exec(st, "DELETE FROM net_trial", err);
	/* the reconcilers' word on what goes: they report again on their next pass */
	if (!rc)
		rc = tarn_store_exec(st,
			"DELETE FROM settings WHERE key NOT IN ('console_password', 'agent_password');"
			"DELETE FROM interfaces; DELETE FROM bridges; DELETE FROM vlans; DELETE FROM bonds;"
			"DELETE FROM repositories; DELETE FROM status WHERE subject LIKE 'net.%';", err) ||
		     apply(st, &p, err) ||
		     tarn_store_exec(st, "DELETE FROM status WHERE subject LIKE 'repo.%' AND "
				     "substr(subject, 6) NOT IN (SELECT name FROM repositories)", err) ? -1 : 0;
	parsed_free(&p);
	return tarn_store_end_own(st, rc, own, err);
}
