/* Repositories over the node store; see repo.h. */
#include "repo.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "store-internal.h"

const char *const tarn_repo_pools[] = {"iso_pool", "seed_pool", "running_pool", "sharedDisk",
				       "publish_pool", NULL};

#define FAIL(...) (snprintf(err, TARN_ERRLEN, __VA_ARGS__), err)

/* Puts the field's name before a validator's message. */
static const char *field(tarn_err err, const char *name)
{
	char m[TARN_ERRLEN];
	snprintf(m, sizeof m, "%s", err);
	snprintf(err, TARN_ERRLEN, "%s: %.120s", name, m);
	return err;
}

static int only(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return 0;
	return 1;
}

const char *tarn_check_nfs_export(const char *s, tarn_err err)
{
	const char *rest;
	if (!s[0])
		return FAIL("an NFS export is required, like nfs.example.com:/export/repo");
	if (tarn_check_server(s, &rest, err))
		return err;
	if (rest[0] != ':' || rest[1] != '/')
		return FAIL("%.40s is not server:/export", s);
	return tarn_check_path(rest + 1, err);
}

const char *tarn_check_portal(const char *s, tarn_err err)
{
	if (!s[0])
		return FAIL("an iSCSI portal is required, like 192.0.2.20:3260");
	if (s[0] != '[' && strchr(s, ':') != strrchr(s, ':'))
		return FAIL("%.40s: an IPv6 portal is written in brackets, like [2001:db8::20]:3260", s);
	return tarn_check_host_port(s, err);
}

/* iqn.YYYY-MM.reversed.domain[:anything], eui.<16 hex>, naa.<16 or 32 hex> */
const char *tarn_check_iqn(const char *s, tarn_err err)
{
	size_t n = strlen(s);
	int hex = (strncmp(s, "eui.", 4) == 0 && n == 20) ||
		  (strncmp(s, "naa.", 4) == 0 && (n == 20 || n == 36));
	if (hex && strspn(s + 4, "0123456789abcdefABCDEF") == n - 4)
		return NULL;
	if (strncmp(s, "iqn.", 4) == 0 && n > 12 && n < 224 && isdigit((unsigned char)s[4]) &&
	    s[8] == '-' && s[11] == '.' && only(s, ".-:") && !strpbrk(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
		return NULL;
	return FAIL("%.40s is not an iSCSI name (like iqn.2003-01.com.example:repo1)", s);
}

const char *tarn_check_mount_options(const char *s, tarn_err err)
{
	if (!only(s, "=,._-:/") || strstr(s, ",,"))
		return FAIL("mount options are words like noatime or vers=4.1, comma-separated");
	return NULL;
}

const char *tarn_check_disk_prefix(const char *prefix, tarn_err err)
{
	if (tarn_check_name(prefix, err))
		return err;
	return strlen(prefix) > 48 ? FAIL("a disk name prefix has at most 48 characters") : NULL;
}

const char *tarn_check_disk_count(long count, tarn_err err)
{
	return count < 1 || count > 1000 ? FAIL("%ld is not 1-1000", count) : NULL;
}

const char *tarn_check_disk_size(const char *size, uint64_t *bytes, tarn_err err)
{
	if (tarn_parse_size(size, bytes, err))
		return err;
	if (*bytes < (1 << 20) || *bytes % 512)
		return FAIL("a disk is at least 1M and a whole number of 512-byte sectors");
	return NULL;
}

static const char *check_repo(const struct tarn_repo *r, tarn_err err)
{
	int local = strcmp(r->kind, "local") == 0, nfs = strcmp(r->kind, "nfs") == 0,
	    iscsi = strcmp(r->kind, "iscsi") == 0;
	if (tarn_check_name(r->name, err))
		return field(err, "name");
	if (r->uuid[0] && tarn_check_uuid(r->uuid, err))
		return field(err, "uuid");
	if (!local && !nfs && !iscsi)
		return FAIL("kind: %.10s is not local, nfs or iscsi", r->kind);
	if (local && tarn_check_path(r->source, err))
		return field(err, "source");
	if ((nfs && tarn_check_nfs_export(r->source, err)) || (iscsi && tarn_check_portal(r->source, err)))
		return field(err, "source");
	if (iscsi && tarn_check_iqn(r->target, err))
		return field(err, "target");
	if (!iscsi && (r->target[0] || r->lun))
		return FAIL("target: only an iscsi repository has a target and a LUN");
	if (r->lun < 0 || r->lun > 16383)
		return FAIL("lun: %d is not 0-16383", r->lun);
	if (nfs && r->fstype[0] && strcmp(r->fstype, "nfs"))
		return FAIL("fstype: an nfs repository is nfs, not %.8s", r->fstype);
	if (!nfs && strcmp(r->fstype, "ext4") && strcmp(r->fstype, "xfs"))
		return FAIL("fstype: %.8s is not ext4 or xfs", r->fstype);
	if (nfs && r->format)
		return FAIL("format: an NFS export is formatted by its server, not here");
	return tarn_check_mount_options(r->options, err) ? field(err, "options") : NULL;
}

static void make_uuid(char *buf)
{
	unsigned char b[16] = {0};
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
		abort(); /* no randomness at all: nothing sensible to do */
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* Schema 3 has one source column: an iSCSI source is kept there as
 * PORTAL/IQN/LUN (neither a portal nor an IQN holds a '/'). */
static void encode_source(const struct tarn_repo *r, char *buf, size_t len)
{
	if (strcmp(r->kind, "iscsi") == 0)
		snprintf(buf, len, "%s/%s/%d", r->source, r->target, r->lun);
	else
		snprintf(buf, len, "%s", r->source);
}

static void decode_source(struct tarn_repo *r, const char *stored)
{
	char copy[600], *slash, *lun;
	snprintf(copy, sizeof copy, "%s", stored);
	if (strcmp(r->kind, "iscsi") == 0 && (slash = strchr(copy, '/')) && (lun = strrchr(copy, '/')) != slash) {
		*slash = *lun = '\0';
		r->lun = atoi(lun + 1);
		snprintf(r->target, sizeof r->target, "%.223s", slash + 1);
	}
	snprintf(r->source, sizeof r->source, "%.255s", copy);
}

/* The repository that already uses a source, if any: 0 with its name. */
static int source_user(tarn_store *st, const char *kind, const char *source, char *name, size_t len)
{
	sqlite3_stmt *s;
	int rc = -1;
	if (sqlite3_prepare_v2(st->db, "SELECT name FROM repositories WHERE kind = ?1 AND source = ?2", -1, &s,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, source, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		rc = tarn_store_copy_text(s, 0, name, len);
	sqlite3_finalize(s);
	return rc;
}

const char *tarn_repo_check(struct tarn_repo *r, tarn_err err)
{
	if (!r->fstype[0])
		strcpy(r->fstype, strcmp(r->kind, "nfs") ? "ext4" : "nfs");
	return check_repo(r, err);
}

int tarn_repo_add(tarn_store *st, struct tarn_repo *r, tarn_err err)
{
	if (tarn_repo_check(r, err))
		return -1;
	struct tarn_repo old;
	if (tarn_repo_get(st, r->name, &old) == 0)
		return snprintf(err, TARN_ERRLEN, "name: there is already a repository %s", r->name), -1;
	if (!r->uuid[0])
		make_uuid(r->uuid);
	char source[600], user[65];
	encode_source(r, source, sizeof source);
	/* one file system mounted twice through two loop devices is corrupted */
	if (source_user(st, r->kind, source, user, sizeof user) == 0)
		return snprintf(err, TARN_ERRLEN, "source: %.60s is already repository %s", r->source, user), -1;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "INSERT INTO repositories (name, uuid, kind, source, fstype, options, format)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &s, NULL) != SQLITE_OK)
		return tarn_store_fail(st, err, "node store");
	sqlite3_bind_text(s, 1, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, r->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, r->fstype, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, r->options, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 7, r->format != 0);
	if (tarn_store_write(st, s, err))
		return sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_UNIQUE
			       ? (snprintf(err, TARN_ERRLEN, "uuid: repository %s is already here", r->uuid), -1)
			       : -1;
	return 0;
}

int tarn_repo_get(tarn_store *st, const char *name, struct tarn_repo *r)
{
	sqlite3_stmt *s;
	int rc = -1;
	if (sqlite3_prepare_v2(st->db, "SELECT name, uuid, kind, source, fstype, options, format "
			       "FROM repositories WHERE name = ?1", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		char source[600];
		memset(r, 0, sizeof *r);
		tarn_store_copy_text(s, 0, r->name, sizeof r->name);
		tarn_store_copy_text(s, 1, r->uuid, sizeof r->uuid);
		tarn_store_copy_text(s, 2, r->kind, sizeof r->kind);
		tarn_store_copy_text(s, 3, source, sizeof source);
		tarn_store_copy_text(s, 4, r->fstype, sizeof r->fstype);
		tarn_store_copy_text(s, 5, r->options, sizeof r->options);
		r->format = sqlite3_column_int(s, 6);
		decode_source(r, source);
		rc = 0;
	}
	sqlite3_finalize(s);
	return rc;
}

/* One statement over a repository by name that must change one row. */
static int update_one(tarn_store *st, const char *sql, const char *name, const char *value, tarn_err err)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return tarn_store_fail(st, err, "node store");
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (value)
		sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	if (tarn_store_write(st, s, err))
		return -1;
	if (sqlite3_changes(st->db) != 1)
		return snprintf(err, TARN_ERRLEN, "name: there is no repository %.64s", name), -1;
	return 0;
}

int tarn_repo_remove(tarn_store *st, const char *name, tarn_err err)
{
	return update_one(st, "DELETE FROM repositories WHERE name = ?1", name, NULL, err);
}

int tarn_repo_set_uuid(tarn_store *st, const char *name, const char *uuid, tarn_err err)
{
	if (tarn_check_uuid(uuid, err))
		return -1;
	return update_one(st, "UPDATE repositories SET uuid = ?2 WHERE name = ?1", name, uuid, err);
}

int tarn_repo_each(tarn_store *st, int (*fn)(void *ctx, const struct tarn_repo *r), void *ctx)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "SELECT name FROM repositories ORDER BY name", -1, &s, NULL) != SQLITE_OK)
		return -1;
	/* names first, then each row: fn may use the store itself */
	enum { MAX = 256 };
	char(*names)[65] = calloc(MAX, sizeof *names);
	int n = 0, rc = names ? 0 : -1;
	while (names && n < MAX && sqlite3_step(s) == SQLITE_ROW)
		tarn_store_copy_text(s, 0, names[n++], sizeof names[0]);
	sqlite3_finalize(s);
	for (int i = 0; i < n && rc == 0; i++) {
		struct tarn_repo r;
		if (tarn_repo_get(st, names[i], &r) == 0)
			rc = fn(ctx, &r);
	}
	free(names);
	return rc;
}

void tarn_repo_dir(const char *root, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", root, name);
}

void tarn_repo_subject(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "repo.%s", name);
}

int tarn_repo_forget_status(tarn_store *st, const char *name)
{
	char subject[80];
	tarn_err err;
	tarn_repo_subject(name, subject, sizeof subject);
	return update_one(st, "DELETE FROM status WHERE subject = ?1", subject, NULL, err) ? -1 : 0;
}

int tarn_repo_here(tarn_store *st, const char *name)
{
	struct tarn_repo r;
	char msg[256];
	return tarn_repo_get(st, name, &r) == 0 || tarn_repo_status(st, name, msg, sizeof msg) >= 0;
}

int tarn_repo_status(tarn_store *st, const char *name, char *buf, size_t len)
{
	char subject[80];
	sqlite3_stmt *s;
	int rc = -1;
	tarn_repo_subject(name, subject, sizeof subject);
	if (sqlite3_prepare_v2(st->db, "SELECT ok, message FROM status WHERE subject = ?1", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		rc = sqlite3_column_int(s, 0) != 0;
		tarn_store_copy_text(s, 1, buf, len);
	}
	sqlite3_finalize(s);
	return rc;
}

const char *tarn_check_pool(const char *pool, int for_disks, tarn_err err)
{
	const char *a = for_disks ? "running_pool" : "iso_pool", *b = for_disks ? "sharedDisk" : "seed_pool";
	if (pool && (strcmp(pool, a) == 0 || strcmp(pool, b) == 0))
		return NULL;
	return FAIL("pool: %.20s is not %s or %s", pool ? pool : "", a, b);
}

const char *tarn_check_source(const char *s, tarn_err err)
{
	if (!s || !s[0])
		return FAIL("source: a path or an http(s):// URL is required");
	if (s[0] == '/')
		return tarn_check_path(s, err) ? field(err, "source") : NULL;
	const char *host = strncmp(s, "http://", 7) == 0 ? s + 7 : strncmp(s, "https://", 8) == 0 ? s + 8 : NULL;
	if (!host)
		return FAIL("source: %.40s is neither an absolute path nor an http(s):// URL", s);
	if (strlen(s) > 900)
		return FAIL("source: a URL has at most 900 characters");
	for (const char *p = s; *p; p++)
		if (!isgraph((unsigned char)*p))
			return FAIL("source: a URL cannot contain spaces or control characters (use %%20)");
	if (!host[0] || host[0] == '/')
		return FAIL("source: %.40s names no server", s);
	return NULL;
}

const char *tarn_source_file_name(const char *s, char *buf, size_t len, tarn_err err)
{
	if (tarn_check_source(s, err))
		return err;
	size_t end = s[0] == '/' ? strlen(s) : strcspn(s, "?#");
	size_t start = end;
	while (start > 0 && s[start - 1] != '/')
		start--;
	if (end == start || end - start >= len)
		return FAIL("source: %.40s does not end with a file name", s);
	memcpy(buf, s + start, end - start);
	buf[end - start] = '\0';
	if (tarn_check_name(buf, err))
		return field(err, "source: the file name");
	return NULL;
}
