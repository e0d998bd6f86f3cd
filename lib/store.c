/* The node store over SQLite; see store.h. */
#include "store.h"
#include "store-internal.h"

#include "nettrial.h" /* TARN_MGMT_DEFAULT */

#include <arpa/inet.h>
#include <libgen.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

int tarn_store_fail(tarn_store *st, tarn_err err, const char *what)
{
	snprintf(err, TARN_ERRLEN, "%s: %s", what, sqlite3_errmsg(st->db));
	return -1;
}

int tarn_store_exec(tarn_store *st, const char *sql, tarn_err err)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, TARN_ERRLEN, "node store: %s", msg ? msg : "unknown error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int tarn_store_query_int(tarn_store *st, const char *sql, int64_t *out)
{
	sqlite3_stmt *s;
	int rc = -1;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		rc = 0;
	}
	sqlite3_finalize(s);
	return rc;
}

static tarn_store *open_as_caller(const char *path, tarn_err err);

/* Root (the engine, the console) opens the store as the user who owns its
 * directory, so the -wal and -shm files it may create are never root's.
 * SQLite does chown them afterwards, but a process that opens them in
 * between falls back to read-only for good ("attempt to write a readonly
 * database"). fsuid is per thread and only governs file access. */
tarn_store *tarn_store_open(const char *path, tarn_err err)
{
	char dir[4096];
	struct stat sb;
	snprintf(dir, sizeof dir, "%s", path);
	if (geteuid() != 0 || stat(dirname(dir), &sb) != 0 || sb.st_uid == 0)
		return open_as_caller(path, err);
	int old_gid = setfsgid(sb.st_gid), old_uid = setfsuid(sb.st_uid);
	tarn_store *st = open_as_caller(path, err);
	setfsuid((uid_t)old_uid);
	setfsgid((gid_t)old_gid);
	return st;
}

tarn_store *tarn_store_open_making_dir(const char *path, tarn_err err)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) == 0 && geteuid() == 0) {
			const struct passwd *pw = getpwnam("tarn");
			if (!pw)
				pw = getpwnam("nobody");
			if (pw && chown(dir, pw->pw_uid, pw->pw_gid) != 0)
				rmdir(dir); /* then the open below says what is wrong */
		}
	}
	return tarn_store_open(path, err);
}

static tarn_store *open_as_caller(const char *path, tarn_err err)
{
	tarn_store *st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(err, TARN_ERRLEN, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(err, TARN_ERRLEN, "cannot open the node store %s: %s", path,
			 st->db ? sqlite3_errmsg(st->db) : "out of memory");
		tarn_store_close(st);
		return NULL;
	}
	/* WAL lets the console read while the agent writes; FULL sync makes a
	 * commit survive a power cut, which settings writes are rare enough to
	 * afford. */
	sqlite3_busy_timeout(st->db, 5000);
	/* Switching a new file to WAL is refused at once (no busy wait) while
	 * another opener holds it: on a first boot the agent and the console
	 * race here, so a busy open is tried again for a while. */
	for (int i = 0;; i++) {
		if (tarn_store_exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON",
				    err) == 0 &&
		    tarn_store_migrate(st, err) == 0)
			return st;
		if (i == 50 || (sqlite3_errcode(st->db) & 0xff) != SQLITE_BUSY)
			break;
		usleep(100 * 1000);
	}
	tarn_store_close(st);
	return NULL;
}

void tarn_store_close(tarn_store *st)
{
	if (!st)
		return;
	sqlite3_close(st->db);
	free(st);
}

int64_t tarn_store_generation(tarn_store *st)
{
	int64_t n = -1;
	tarn_store_query_int(st, "SELECT n FROM generation", &n);
	return n;
}

/* A space-separated list whose every word passes check. */
static const char *check_list(const char *v, const char *(*check)(const char *, tarn_err),
			      int max, tarn_err err)
{
	char copy[512], *save = NULL;
	int n = 0;
	if (strlen(v) >= sizeof copy)
		return snprintf(err, TARN_ERRLEN, "the list is too long"), err;
	strcpy(copy, v);
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (++n > max)
			return snprintf(err, TARN_ERRLEN, "at most %d entries", max), err;
		if (check(w, err))
			return err;
	}
	return NULL;
}

static const char *check_host_or_ip(const char *s, tarn_err err)
{
	tarn_err ignore;
	if (tarn_check_ip(s, ignore) == NULL || tarn_check_hostname(s, ignore) == NULL)
		return NULL;
	return snprintf(err, TARN_ERRLEN, "%.40s is neither an address nor a host name", s), err;
}

static const char *check_dns(const char *v, tarn_err err) { return check_list(v, tarn_check_ip, 3, err); }
static const char *check_ntp(const char *v, tarn_err err) { return check_list(v, check_host_or_ip, 8, err); }

/* Only a crypt(3) hash is ever stored for a password, never the password. */
static const char *check_password_hash(const char *v, tarn_err err)
{
	if (strncmp(v, "$y$", 3) != 0 || strlen(v) < 20 || strchr(v, ' '))
		return snprintf(err, TARN_ERRLEN, "a password is stored as a yescrypt hash only"), err;
	return NULL;
}

/* The pool node's address: IPv4 and port (dqlite 1.11 binds no IPv6). */
static const char *check_pool_address(const char *v, tarn_err err)
{
	char host[16];
	struct in_addr a;
	const char *colon = strrchr(v, ':');
	char *end = NULL;
	long port = colon ? strtol(colon + 1, &end, 10) : 0;
	if (!colon || colon - v >= (long)sizeof host || !end || *end || port < 1 || port > 65535 ||
	    (snprintf(host, sizeof host, "%.*s", (int)(colon - v), v), inet_pton(AF_INET, host, &a) != 1))
		return snprintf(err, TARN_ERRLEN, "%.60s is not an IPv4 address:port", v), err;
	return NULL;
}

static const struct {
	const char *key;
	const char *(*check)(const char *, tarn_err);
} setting_kinds[] = {
	{"hostname", tarn_check_hostname},
	{"dns", check_dns},
	{"ntp", check_ntp},
	{"mgmt_interface", tarn_check_ifname},
	{"agent_password", check_password_hash},
	{"console_password", check_password_hash},
	{"pool_address", check_pool_address},
};

/* Runs one write statement, committing it alone unless a transaction is open. */
int tarn_store_write(tarn_store *st, sqlite3_stmt *s, tarn_err err)
{
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return tarn_store_fail(st, err, "node store write failed");
	return 0;
}

int tarn_store_set(tarn_store *st, const char *key, const char *value, tarn_err err)
{
	size_t i, n = sizeof setting_kinds / sizeof setting_kinds[0];
	for (i = 0; i < n && strcmp(setting_kinds[i].key, key ? key : ""); i++)
		;
	if (i == n)
		return snprintf(err, TARN_ERRLEN, "unknown setting %.40s", key ? key : ""), -1;
	if (!value || setting_kinds[i].check(value, err))
		return value ? -1 : (snprintf(err, TARN_ERRLEN, "a value is required"), -1);
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "INSERT INTO settings VALUES (?1, ?2) "
			       "ON CONFLICT(key) DO UPDATE SET value = ?2 WHERE value IS NOT ?2",
			       -1, &s, NULL) != SQLITE_OK)
		return tarn_store_fail(st, err, "node store");
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	return tarn_store_write(st, s, err);
}

int tarn_store_copy_text(sqlite3_stmt *s, int col, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	snprintf(buf, len, "%s", t ? (const char *)t : "");
	return 0;
}

int tarn_store_get(tarn_store *st, const char *key, char *buf, size_t len)
{
	sqlite3_stmt *s;
	int rc = -1;
	if (sqlite3_prepare_v2(st->db, "SELECT value FROM settings WHERE key = ?1", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		rc = tarn_store_copy_text(s, 0, buf, len);
	sqlite3_finalize(s);
	return rc;
}

static const char *check_iface(const struct tarn_iface *f, tarn_err err)
{
	if (tarn_check_ifname(f->name, err))
		return err;
	if (strcmp(f->mode, "static") == 0) {
		if (tarn_check_cidr(f->ipv4, err))
			return err;
		if (f->gateway4[0] && tarn_check_gateway(f->gateway4, f->ipv4, err))
			return err;
	} else if (strcmp(f->mode, "dhcp") == 0 || strcmp(f->mode, "none") == 0) {
		if (f->ipv4[0] || f->gateway4[0])
			return snprintf(err, TARN_ERRLEN, "an IPv4 address and gateway are only set "
					"in static mode"), err;
	} else {
		return snprintf(err, TARN_ERRLEN, "mode %.10s is not dhcp, static or none", f->mode), err;
	}
	if (f->ipv6[0] && (tarn_check_cidr(f->ipv6, err) || !strchr(f->ipv6, ':')))
		return err[0] ? err : (snprintf(err, TARN_ERRLEN, "%.40s is not an IPv6 address", f->ipv6), err);
	if (f->mtu && tarn_check_mtu(f->mtu, err))
		return err;
	return NULL;
}

int tarn_store_set_iface(tarn_store *st, const struct tarn_iface *f, tarn_err err)
{
	err[0] = '\0';
	if (check_iface(f, err))
		return -1;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db,
			       "INSERT OR REPLACE INTO interfaces (name, mode, ipv4, gateway4, ipv6, mtu) "
			       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &s, NULL) != SQLITE_OK)
		return tarn_store_fail(st, err, "node store");
	sqlite3_bind_text(s, 1, f->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, f->mode, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, f->ipv4, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, f->gateway4, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, f->ipv6, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, f->mtu);
	return tarn_store_write(st, s, err);
}

int tarn_store_get_iface(tarn_store *st, const char *name, struct tarn_iface *f)
{
	sqlite3_stmt *s;
	int rc = -1;
	if (sqlite3_prepare_v2(st->db, "SELECT name, mode, ipv4, gateway4, ipv6, mtu FROM interfaces "
			       "WHERE name = ?1", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		tarn_store_copy_text(s, 0, f->name, sizeof f->name);
		tarn_store_copy_text(s, 1, f->mode, sizeof f->mode);
		tarn_store_copy_text(s, 2, f->ipv4, sizeof f->ipv4);
		tarn_store_copy_text(s, 3, f->gateway4, sizeof f->gateway4);
		tarn_store_copy_text(s, 4, f->ipv6, sizeof f->ipv6);
		f->mtu = (long)sqlite3_column_int64(s, 5);
		rc = 0;
	}
	sqlite3_finalize(s);
	return rc;
}

int tarn_store_del_iface(tarn_store *st, const char *name, tarn_err err)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "DELETE FROM interfaces WHERE name = ?1", -1, &s, NULL) != SQLITE_OK)
		return tarn_store_fail(st, err, "node store");
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	return tarn_store_write(st, s, err);
}

int tarn_store_begin_own(tarn_store *st, int *own, tarn_err err)
{
	*own = !st->in_txn;
	return *own ? tarn_store_begin(st, err) : 0;
}

int tarn_store_end_own(tarn_store *st, int rc, int own, tarn_err err)
{
	if (!own)
		return rc;
	if (rc) {
		tarn_store_rollback(st);
		return -1;
	}
	return tarn_store_commit(st, err);
}

int tarn_store_reset(tarn_store *st, tarn_err err)
{
	int own;
	if (tarn_store_begin_own(st, &own, err))
		return -1;
	/* the agent's word on the devices goes too: it reports again on its next pass */
	int rc = tarn_store_exec(st,
		"DELETE FROM settings WHERE key NOT IN ('console_password', 'agent_password');"
		"DELETE FROM interfaces; DELETE FROM bridges; DELETE FROM vlans; DELETE FROM bonds;"
		"DELETE FROM net_trial; DELETE FROM status WHERE subject LIKE 'net.%';"
		"INSERT INTO interfaces (name, mode) VALUES ('" TARN_MGMT_DEFAULT "', 'dhcp');", err);
	return tarn_store_end_own(st, rc, own, err);
}

int tarn_store_begin(tarn_store *st, tarn_err err)
{
	if (st->in_txn)
		return snprintf(err, TARN_ERRLEN, "a change is already open"), -1;
	if (tarn_store_exec(st, "BEGIN IMMEDIATE", err))
		return -1;
	st->in_txn = 1;
	return 0;
}

int tarn_store_commit(tarn_store *st, tarn_err err)
{
	st->in_txn = 0;
	if (tarn_store_exec(st, "COMMIT", err)) {
		tarn_store_rollback(st);
		return -1;
	}
	return 0;
}

void tarn_store_rollback(tarn_store *st)
{
	st->in_txn = 0;
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int tarn_store_set_status(tarn_store *st, const char *subject, int ok, const char *message,
			  int64_t generation, tarn_err err)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO status VALUES (?1, ?2, ?3, ?4, strftime('%s'))",
			       -1, &s, NULL) != SQLITE_OK)
		return tarn_store_fail(st, err, "node store");
	sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, ok);
	sqlite3_bind_text(s, 3, message ? message : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, generation);
	return tarn_store_write(st, s, err);
}

int tarn_store_each_status(tarn_store *st, tarn_status_fn fn, void *ctx)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "SELECT subject, ok, message, generation FROM status ORDER BY subject",
			       -1, &s, NULL) != SQLITE_OK)
		return -1;
	int rc = 0;
	while (rc == 0 && sqlite3_step(s) == SQLITE_ROW)
		rc = fn(ctx, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int(s, 1),
			(const char *)sqlite3_column_text(s, 2), sqlite3_column_int64(s, 3));
	sqlite3_finalize(s);
	return rc;
}

int tarn_store_each_iface(tarn_store *st, int (*fn)(void *ctx, const struct tarn_iface *f), void *ctx)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "SELECT name FROM interfaces ORDER BY name", -1, &s, NULL) != SQLITE_OK)
		return -1;
	/* names first, then each row: fn may use the store itself */
	char names[64][16];
	int n = 0, rc = 0;
	while (n < 64 && sqlite3_step(s) == SQLITE_ROW)
		tarn_store_copy_text(s, 0, names[n++], sizeof names[0]);
	sqlite3_finalize(s);
	for (int i = 0; i < n && rc == 0; i++) {
		struct tarn_iface f;
		if (tarn_store_get_iface(st, names[i], &f) == 0)
			rc = fn(ctx, &f);
	}
	return rc;
}
