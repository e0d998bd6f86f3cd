/* The pool store over dqlite; see pool-store.h. */
#include "pool-store.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "auth.h"
#include "cpulist.h"
#include "validate.h"
#include "dqlite-client.h"
#include "pool-cluster.h"
#include "xlcfg.h"

#define DATABASE "pool"
#define MAX_XLCFG (64 * 1024)

struct tarn_pool {
	pthread_mutex_t lock;
	tarn_dqlite *c;
	char address[256];
	char node_id[24];
	char agent[256];
	int64_t free_mib; /* this host's memory free for guests, with the heartbeat */
	int in_txn; /* a transaction of ours is open: a busy statement is not retried */
};

/* Schema migrations, applied in order, each in one transaction with the new
 * version; a version is never edited once released, only added. */
static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE pool (id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL,"
	"  uuid TEXT NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE members (id TEXT PRIMARY KEY, address TEXT NOT NULL UNIQUE, roles TEXT NOT NULL);"
	"CREATE TABLE guests (uuid TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, xlcfg TEXT NOT NULL,"
	"  desired TEXT NOT NULL CHECK (desired IN ('running','stopped','paused')),"
	"  host TEXT NOT NULL DEFAULT '', ha INTEGER NOT NULL DEFAULT 0 CHECK (ha IN (0, 1)));",
	/* 2: what the engine saw (actual state), and what the API asks beyond a power state */
	"ALTER TABLE guests ADD COLUMN gen INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE guests ADD COLUMN drift TEXT NOT NULL DEFAULT 'restore' CHECK (drift IN ('restore','leave'));"
	"ALTER TABLE guests ADD COLUMN request TEXT NOT NULL DEFAULT '' CHECK (request IN ('','reboot','destroy'));"
	"ALTER TABLE guests ADD COLUMN stop_timeout INTEGER NOT NULL DEFAULT 60;"
	"ALTER TABLE guests ADD COLUMN pins TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE guests ADD COLUMN actual TEXT NOT NULL DEFAULT 'unknown';"
	"ALTER TABLE guests ADD COLUMN error TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE guests ADD COLUMN error_gen INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE guests ADD COLUMN affinity TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE guests ADD COLUMN domid INTEGER NOT NULL DEFAULT -1;",
	/* 3: desired state 'suspended' (saved to a file); SQLite changes a CHECK only by a new table */
	"CREATE TABLE guests3 (uuid TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, xlcfg TEXT NOT NULL,"
	"  desired TEXT NOT NULL CHECK (desired IN ('running','stopped','paused','suspended')),"
	"  host TEXT NOT NULL DEFAULT '', ha INTEGER NOT NULL DEFAULT 0 CHECK (ha IN (0, 1)),"
	"  gen INTEGER NOT NULL DEFAULT 1,"
	"  drift TEXT NOT NULL DEFAULT 'restore' CHECK (drift IN ('restore','leave')),"
	"  request TEXT NOT NULL DEFAULT '' CHECK (request IN ('','reboot','destroy')),"
	"  stop_timeout INTEGER NOT NULL DEFAULT 60, pins TEXT NOT NULL DEFAULT '',"
	"  actual TEXT NOT NULL DEFAULT 'unknown', error TEXT NOT NULL DEFAULT '',"
	"  error_gen INTEGER NOT NULL DEFAULT 0, affinity TEXT NOT NULL DEFAULT '',"
	"  domid INTEGER NOT NULL DEFAULT -1);"
	"INSERT INTO guests3 SELECT uuid, name, xlcfg, desired, host, ha, gen, drift, request, stop_timeout, pins,"
	"  actual, error, error_gen, affinity, domid FROM guests;"
	"DROP TABLE guests;"
	"ALTER TABLE guests3 RENAME TO guests;",
	/* 4: pools of several hosts: the pool password's hash, each member's agent
	 * and heartbeat; "master" is no longer stored (it is whoever leads) */
	"ALTER TABLE pool ADD COLUMN password TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE members ADD COLUMN agent TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE members ADD COLUMN seen INTEGER NOT NULL DEFAULT 0;"
	"UPDATE members SET roles = trim(replace(roles, 'master', ''), ',');",
	/* 5: what each member's engine last read of its host, for checks made
	 * elsewhere (a migration's target: free memory, CPU); pool-facts.h */
	"CREATE TABLE member_facts (address TEXT PRIMARY KEY, memory_total_mib INTEGER NOT NULL,"
	"  memory_free_mib INTEGER NOT NULL, cpu TEXT NOT NULL DEFAULT '', hw_cap TEXT NOT NULL DEFAULT '',"
	"  xen INTEGER NOT NULL DEFAULT 0, at INTEGER NOT NULL);",
	/* 6: maintenance mode (no new guests; the running ones moved away), each
	 * member's free memory for guests (-1 unknown) with its heartbeat, and
	 * where a guest being moved off a member goes */
	"ALTER TABLE members ADD COLUMN maintenance INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE members ADD COLUMN free_mib INTEGER NOT NULL DEFAULT -1;"
	"ALTER TABLE members ADD COLUMN evacuation TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE guests ADD COLUMN moving_to TEXT NOT NULL DEFAULT '';",
	/* 7: the pool's virtual IP (address/prefix, '' for none): the master holds it */
	"ALTER TABLE pool ADD COLUMN vip TEXT NOT NULL DEFAULT '';",
	/* 8: repositories of the whole pool (NFS only: pool-repo.h), and what
	 * each member's engine made of each (mounted, failed, not needed) */
	"CREATE TABLE repositories (name TEXT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
	"  source TEXT NOT NULL UNIQUE, options TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE member_repos (address TEXT NOT NULL, name TEXT NOT NULL, state TEXT NOT NULL,"
	"  message TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL, PRIMARY KEY (address, name));",
	/* 9: I/O work on pool repositories handed to a utility server (pool-job.h) */
	"CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, repo TEXT NOT NULL,"
	"  args TEXT NOT NULL DEFAULT '', host TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('queued','running','done','failed','cancelled')),"
	"  progress INTEGER NOT NULL DEFAULT 0, message TEXT NOT NULL DEFAULT '',"
	"  cancel INTEGER NOT NULL DEFAULT 0, task INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	"CREATE INDEX jobs_host ON jobs (host, state);",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

tarn_pool *tarn_pool_open(const char *address, uint64_t node_id)
{
	tarn_pool *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	snprintf(p->address, sizeof p->address, "%s", address);
	snprintf(p->node_id, sizeof p->node_id, "%" PRIu64, node_id);
	p->free_mib = -1;
	return p;
}

void tarn_pool_reconnect(tarn_pool *p)
{
	pthread_mutex_lock(&p->lock);
	tarn_dqlite_close(p->c);
	p->c = NULL;
	pthread_mutex_unlock(&p->lock);
}

void tarn_pool_set_free_mib(tarn_pool *p, int64_t mib)
{
	pthread_mutex_lock(&p->lock);
	p->free_mib = mib;
	pthread_mutex_unlock(&p->lock);
}

void tarn_pool_set_node(tarn_pool *p, uint64_t node_id)
{
	pthread_mutex_lock(&p->lock);
	snprintf(p->node_id, sizeof p->node_id, "%" PRIu64, node_id);
	tarn_dqlite_close(p->c);
	p->c = NULL;
	pthread_mutex_unlock(&p->lock);
}

void tarn_pool_set_agent(tarn_pool *p, const char *agent)
{
	pthread_mutex_lock(&p->lock);
	snprintf(p->agent, sizeof p->agent, "%s", agent);
	pthread_mutex_unlock(&p->lock);
}

const char *tarn_pool_address(const tarn_pool *p) { return p->address; }

void tarn_pool_close(tarn_pool *p)
{
	if (!p)
		return;
	tarn_dqlite_close(p->c);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* A new connection to whoever leads, with the database open. */
static int connect_leader(tarn_pool *p, tarn_err err)
{
	tarn_dqlite *c = tarn_dqlite_connect(p->address, 5000, err);
	if (!c || tarn_dqlite_open(c, DATABASE, err)) {
		tarn_dqlite_close(c);
		return TARN_POOL_DOWN; /* the old one stays, dead, for its error code */
	}
	tarn_dqlite_close(p->c);
	p->c = c;
	return 0;
}

/* The statement just failed because its peer no longer leads (a handover,
 * pool.setMaster, or an election): outside a transaction it is worth
 * following the new leader and trying once more. True when connected anew
 * (err then holds the new connection's word, or is kept). */
static int leader_moved(tarn_pool *p, tarn_err err)
{
	int code = tarn_dqlite_errcode(p->c);
	if (p->in_txn || (code != 10250 && code != 10506)) /* SQLITE_IOERR_NOT_LEADER, _LEADERSHIP_LOST */
		return 0;
	tarn_err why;
	if (connect_leader(p, why) == 0)
		return 1;
	snprintf(err, TARN_ERRLEN, "%s", why);
	return 0;
}

/* Puts "what: " before the message in err. */
static void prefix(tarn_err err, const char *what)
{
	char why[TARN_ERRLEN];
	snprintf(why, sizeof why, "%s", err);
	snprintf(err, TARN_ERRLEN, "%s: %.*s", what, (int)(TARN_ERRLEN - strlen(what) - 3), why);
}

/* A failed statement: a constraint is a refusal, anything else the pool's
 * failure. err already holds the server's message. */
static int failed(tarn_pool *p, tarn_err err)
{
	int code = tarn_dqlite_errcode(p->c);
	if (code > 0 && (code & 0xff) == 19) /* SQLITE_CONSTRAINT_* */
		return TARN_POOL_REFUSED;
	/* SQLITE_IOERR, _NOT_LEADER, _LEADERSHIP_LOST: dqlite's words for a
	 * leader that lost its majority (a partitioned minority) */
	if (code == 10 || code == (10 | 40 << 8) || code == (10 | 41 << 8))
		return snprintf(err, TARN_ERRLEN, "the pool has no quorum: this member reaches no majority of the "
				"pool's voters, so changes are refused until it does (the write was not acknowledged)"),
		       TARN_POOL_DOWN;
	return prefix(err, "pool store"), TARN_POOL_DOWN;
}

/* Outside a transaction, a statement another member's transaction keeps
 * out ("database is locked": SQLITE_BUSY) is tried again for about a second;
 * transactions begin IMMEDIATE (taking the write lock first), so they are
 * short and what they read cannot go stale before they write. */
static int exec(tarn_pool *p, const char *sql, const struct tarn_dq_value *v, unsigned n, int64_t *changes,
		tarn_err err)
{
	for (int i = 0, moved = 0;; i++) {
		if (tarn_dqlite_exec(p->c, sql, v, n, NULL, changes, err) == 0)
			return 0;
		if (!moved++ && leader_moved(p, err))
			continue;
		if (p->in_txn || i == 12 || (tarn_dqlite_errcode(p->c) & 0xff) != 5 /* SQLITE_BUSY */)
			return failed(p, err);
		usleep(20000 * (unsigned)(i + 1) / 2);
	}
}

static int begin_immediate(tarn_pool *p, tarn_err err)
{
	int rc = exec(p, "BEGIN IMMEDIATE", NULL, 0, NULL, err);
	p->in_txn = rc == 0;
	return rc;
}

static struct tarn_dq_rows *query(tarn_pool *p, const char *sql, const struct tarn_dq_value *v, unsigned n,
				  tarn_err err)
{
	struct tarn_dq_rows *r = tarn_dqlite_query(p->c, sql, v, n, err);
	if (!r && leader_moved(p, err))
		r = tarn_dqlite_query(p->c, sql, v, n, err);
	if (!r)
		failed(p, err);
	return r;
}

static int version(tarn_pool *p, int *v, tarn_err err)
{
	struct tarn_dq_rows *r = query(p, "SELECT version FROM schema", NULL, 0, err);
	if (!r || r->nrows != 1) {
		tarn_dq_rows_free(r);
		return TARN_POOL_DOWN;
	}
	*v = (int)tarn_dq_at(r, 0, 0)->i;
	tarn_dq_rows_free(r);
	return 0;
}

static int migrate(tarn_pool *p, tarn_err err)
{
	int have = 0;
	if (exec(p, "CREATE TABLE IF NOT EXISTS schema (id INTEGER PRIMARY KEY CHECK (id = 1),"
		    "  version INTEGER NOT NULL); INSERT OR IGNORE INTO schema VALUES (1, 0)", NULL, 0, NULL, err) ||
	    version(p, &have, err))
		return TARN_POOL_DOWN;
	if (have > SCHEMA_VERSION) {
		snprintf(err, TARN_ERRLEN, "the pool store has schema %d, newer than this Tarn (%d): "
			 "refusing to touch it", have, SCHEMA_VERSION);
		return TARN_POOL_DOWN;
	}
	for (int v = have; v < SCHEMA_VERSION; v++) {
		struct tarn_dq_value next = TARN_DQ_I(v + 1);
		/* another process (this agent's engine, another member) may have
		 * migrated since: look again once the write lock is ours */
		if (begin_immediate(p, err))
			return TARN_POOL_DOWN;
		int now = v, rc = version(p, &now, err);
		if (rc == 0 && now > v) {
			rc = exec(p, "COMMIT", NULL, 0, NULL, err);
			v = now - 1;
		} else if (rc == 0) {
			rc = exec(p, migrations[v], NULL, 0, NULL, err) ||
			     exec(p, "UPDATE schema SET version = ?", &next, 1, NULL, err) ||
			     exec(p, "COMMIT", NULL, 0, NULL, err);
		}
		if (rc) {
			tarn_dqlite_exec(p->c, "ROLLBACK", NULL, 0, NULL, NULL, (tarn_err){0});
			p->in_txn = 0;
			return TARN_POOL_DOWN;
		}
		p->in_txn = 0;
	}
	return 0;
}

/* Takes the lock and makes sure of a live connection to the leader, with
 * the schema up to date. */
static int enter(tarn_pool *p, tarn_err err)
{
	err[0] = '\0';
	pthread_mutex_lock(&p->lock);
	if (tarn_dqlite_alive(p->c))
		return 0;
	int rc = connect_leader(p, err);
	if (rc == 0 && migrate(p, err))
		rc = TARN_POOL_DOWN;
	if (rc) {
		tarn_dqlite_close(p->c);
		p->c = NULL;
		pthread_mutex_unlock(&p->lock);
		prefix(err, "the pool is unavailable");
	}
	return rc;
}

static int leave(tarn_pool *p, int rc)
{
	pthread_mutex_unlock(&p->lock);
	return rc;
}

/* Writes run in a transaction: on any failure it is rolled back. */
static int begin(tarn_pool *p, tarn_err err)
{
	int rc = enter(p, err);
	if (rc == 0 && (rc = begin_immediate(p, err)) != 0)
		leave(p, 0);
	return rc;
}

static int end(tarn_pool *p, int rc, tarn_err err)
{
	if (rc == 0)
		rc = exec(p, "COMMIT", NULL, 0, NULL, err);
	if (rc != 0 && tarn_dqlite_alive(p->c))
		tarn_dqlite_exec(p->c, "ROLLBACK", NULL, 0, NULL, NULL, (tarn_err){0});
	p->in_txn = 0;
	return leave(p, rc);
}

int tarn_pool_schema_version(tarn_pool *p, tarn_err err)
{
	int v = 0, rc = enter(p, err);
	if (rc)
		return rc;
	rc = version(p, &v, err);
	return leave(p, rc ? rc : v);
}

void tarn_pool_new_uuid(char out[37])
{
	unsigned char b[16] = {0};
	if (getrandom(b, sizeof b, 0) != sizeof b) /* never short for 16 bytes; belt and braces */
		for (int i = 0; i < 16; i++)
			b[i] = (unsigned char)rand();
	b[6] = (b[6] & 0x0f) | 0x40; /* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80; /* RFC 4122 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
		 b[14], b[15]);
}

/* The hash of a new pool password; "" for none. */
static int hash_password(const char *password, char *hash, size_t n, tarn_err err)
{
	hash[0] = '\0';
	if (password && password[0] && tarn_auth_hash(password, hash, n, err))
		return prefix(err, "pool password"), TARN_POOL_REFUSED;
	return 0;
}

int tarn_pool_create(tarn_pool *p, const char *name, const char *password, tarn_err err)
{
	char uuid[37], hash[256];
	if (tarn_check_name(name, err))
		return TARN_POOL_REFUSED;
	if (hash_password(password, hash, sizeof hash, err))
		return TARN_POOL_REFUSED;
	tarn_pool_new_uuid(uuid);
	int rc = begin(p, err);
	if (rc)
		return rc;
	struct tarn_dq_rows *r = query(p, "SELECT name FROM pool", NULL, 0, err);
	if (!r) {
		rc = TARN_POOL_DOWN;
	} else if (r->nrows) {
		snprintf(err, TARN_ERRLEN, "this host is already in pool %.64s", tarn_dq_at(r, 0, 0)->s);
		rc = TARN_POOL_REFUSED;
	}
	tarn_dq_rows_free(r);
	struct tarn_dq_value pool[] = {TARN_DQ_S(name), TARN_DQ_S(uuid), TARN_DQ_I(time(NULL)), TARN_DQ_S(hash)};
	struct tarn_dq_value me[] = {TARN_DQ_S(p->node_id), TARN_DQ_S(p->address), TARN_DQ_S(p->agent),
				     TARN_DQ_I(time(NULL))};
	if (rc == 0)
		rc = exec(p, "INSERT INTO pool (id, name, uuid, created, password) VALUES (1, ?, ?, ?, ?)", pool, 4,
			  NULL, err);
	if (rc == 0)
		rc = exec(p, "INSERT OR REPLACE INTO members (id, address, roles, agent, seen) "
			  "VALUES (?, ?, 'utility,vm-server', ?, ?)", me, 4, NULL, err);
	return end(p, rc, err);
}

/* One setting of the pool's row: sql is "UPDATE pool SET column = ?". */
static int set_pool_column(tarn_pool *p, const char *sql, const char *value, tarn_err err)
{
	int rc = enter(p, err);
	if (rc)
		return rc;
	int64_t changes = 0;
	struct tarn_dq_value v = TARN_DQ_S(value);
	rc = exec(p, sql, &v, 1, &changes, err);
	if (rc == 0 && changes == 0)
		rc = (snprintf(err, TARN_ERRLEN, "this host is in no pool yet (pool.create makes one)"), TARN_POOL_REFUSED);
	return leave(p, rc);
}

int tarn_pool_set_password(tarn_pool *p, const char *password, tarn_err err)
{
	char hash[256];
	if (!password || !password[0])
		return snprintf(err, TARN_ERRLEN, "a pool password is required"), TARN_POOL_REFUSED;
	if (hash_password(password, hash, sizeof hash, err))
		return TARN_POOL_REFUSED;
	return set_pool_column(p, "UPDATE pool SET password = ?", hash, err);
}

int tarn_pool_set_vip(tarn_pool *p, const char *vip, tarn_err err)
{
	tarn_err why = "";
	if (vip[0] && (strlen(vip) >= sizeof ((struct tarn_pool_info *)0)->vip || strchr(vip, ':') ||
		       !strchr(vip, '/') || tarn_check_cidr(vip, why)))
		return snprintf(err, TARN_ERRLEN, "virtual IP %.48s: %.80s", vip,
				why[0] ? why : "not IPV4-ADDRESS/PREFIX (or \"\" for none)"), TARN_POOL_REFUSED;
	return set_pool_column(p, "UPDATE pool SET vip = ?", vip, err);
}

int tarn_pool_set_roles(tarn_pool *p, const char *roles, tarn_err err)
{
	char copy[128], *save = NULL, kept[128] = "";
	if (strlen(roles) >= sizeof copy)
		return snprintf(err, TARN_ERRLEN, "roles: too long"), TARN_POOL_REFUSED;
	snprintf(copy, sizeof copy, "%s", roles);
	int utility = 0, vm = 0;
	for (char *w = strtok_r(copy, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		if (strcmp(w, "utility") == 0)
			utility = 1;
		else if (strcmp(w, "vm-server") == 0)
			vm = 1;
		else if (strcmp(w, "master") == 0)
			return snprintf(err, TARN_ERRLEN, "the pool master is whichever member leads the pool: it is "
				       "not chosen as a role"), TARN_POOL_REFUSED;
		else
			return snprintf(err, TARN_ERRLEN, "no role %.40s: the roles are utility and vm-server", w),
			       TARN_POOL_REFUSED;
	}
	snprintf(kept, sizeof kept, "%s%s%s", utility ? "utility" : "", utility && vm ? "," : "", vm ? "vm-server" : "");
	int rc = enter(p, err);
	if (rc)
		return rc;
	int64_t changes = 0;
	struct tarn_dq_value v[] = {TARN_DQ_S(kept), TARN_DQ_S(p->address)};
	rc = exec(p, "UPDATE members SET roles = ? WHERE address = ?", v, 2, &changes, err);
	if (rc == 0 && changes == 0)
		rc = (snprintf(err, TARN_ERRLEN, "this host is in no pool yet (pool.create makes one)"), TARN_POOL_REFUSED);
	return leave(p, rc);
}

int tarn_pool_check_password(tarn_pool *p, const char *password, tarn_err err)
{
	int rc = enter(p, err);
	if (rc)
		return rc;
	char hash[256] = "";
	struct tarn_dq_rows *r = query(p, "SELECT password FROM pool", NULL, 0, err);
	if (!r)
		rc = TARN_POOL_DOWN;
	else if (r->nrows == 1 && tarn_dq_at(r, 0, 0)->type == TARN_DQ_TEXT)
		snprintf(hash, sizeof hash, "%s", tarn_dq_at(r, 0, 0)->s);
	tarn_dq_rows_free(r);
	leave(p, rc);
	if (rc)
		return rc;
	if (!hash[0])
		return snprintf(err, TARN_ERRLEN, "the pool has no pool password: nobody may join until one is set"),
		       TARN_POOL_REFUSED;
	return tarn_auth_verify(password, hash) ? 0
		: (snprintf(err, TARN_ERRLEN, "wrong pool password"), TARN_POOL_REFUSED);
}

int tarn_pool_with_leader(tarn_pool *p, tarn_leader_fn fn, void *ctx, tarn_err err)
{
	int rc = enter(p, err);
	if (rc)
		return rc;
	rc = fn(ctx, p->c, err);
	/* a statement met a peer that no longer leads (a connection kept from
	 * before this member joined a pool or the master was handed over):
	 * that peer wrote nothing, so fn runs once more against the leader */
	if (rc && leader_moved(p, err))
		rc = fn(ctx, p->c, err);
	return leave(p, rc);
}

int tarn_pool_exec(struct tarn_dqlite *c, const char *sql, const struct tarn_dq_value *v, unsigned n, int64_t *changes,
		   tarn_err err)
{
	return tarn_pool_exec_id(c, sql, v, n, NULL, changes, err);
}

int tarn_pool_exec_id(struct tarn_dqlite *c, const char *sql, const struct tarn_dq_value *v, unsigned n,
		      int64_t *last_id, int64_t *changes, tarn_err err)
{
	for (int i = 0;; i++) {
		if (tarn_dqlite_exec(c, sql, v, n, last_id, changes, err) == 0)
			return 0;
		if (i == 12 || (tarn_dqlite_errcode(c) & 0xff) != 5 /* SQLITE_BUSY */)
			return (tarn_dqlite_errcode(c) & 0xff) == 19 /* SQLITE_CONSTRAINT */ ? TARN_POOL_REFUSED
											      : TARN_POOL_DOWN;
		usleep(20000 * (unsigned)(i + 1) / 2);
	}
}

int tarn_pool_heartbeat(tarn_pool *p, tarn_err err)
{
	int rc = enter(p, err);
	if (rc)
		return rc;
	struct tarn_dq_value v[] = {TARN_DQ_I(time(NULL)), TARN_DQ_S(p->agent), TARN_DQ_I(p->free_mib),
				    TARN_DQ_S(p->node_id)};
	rc = exec(p, "UPDATE members SET seen = ?, agent = ?, free_mib = ? WHERE id = ?", v, 4, NULL, err);
	return leave(p, rc);
}

int tarn_pool_member_put(tarn_pool *p, const struct tarn_member *m, tarn_err err)
{
	int rc = enter(p, err);
	if (rc)
		return rc;
	/* a pool of one ran its unplaced guests on its one member: a second
	 * member would leave them to no engine, so they are placed there first
	 * (one statement each: a failed insert leaves them where they ran) */
	struct tarn_dq_value id = TARN_DQ_S(m->id);
	rc = exec(p, "UPDATE guests SET host = (SELECT id FROM members) WHERE host = ''"
		  "  AND (SELECT count(*) FROM members) = 1 AND NOT EXISTS (SELECT 1 FROM members WHERE id = ?)",
		  &id, 1, NULL, err);
	struct tarn_dq_value v[] = {TARN_DQ_S(m->id), TARN_DQ_S(m->address), TARN_DQ_S(m->roles),
				    TARN_DQ_S(m->agent), TARN_DQ_I(m->seen)};
	if (rc == 0)
		rc = exec(p, "INSERT OR REPLACE INTO members (id, address, roles, agent, seen) VALUES (?, ?, ?, ?, ?)",
			  v, 5, NULL, err);
	return leave(p, rc);
}

int tarn_pool_member_delete(tarn_pool *p, const char *id, tarn_err err)
{
	int rc = enter(p, err);
	if (rc)
		return rc;
	struct tarn_dq_value v = TARN_DQ_S(id);
	/* what it said of the pool's repositories goes with it */
	rc = exec(p, "DELETE FROM member_repos WHERE address IN (SELECT address FROM members WHERE id = ?)", &v, 1,
		  NULL, err);
	/* and its pool jobs end: no engine would claim or finish them now */
	if (rc == 0)
		rc = exec(p, "UPDATE jobs SET state = 'failed', updated = strftime('%s'), message = 'its utility server left"
			  " the pool' WHERE state IN ('queued', 'running') AND host IN (SELECT address FROM members WHERE"
			  " id = ?)", &v, 1, NULL, err);
	if (rc == 0)
		rc = exec(p, "DELETE FROM members WHERE id = ?", &v, 1, NULL, err);
	return leave(p, rc);
}

int tarn_pool_info(tarn_pool *p, struct tarn_pool_info *info, tarn_err err)
{
	int rc = enter(p, err);
	if (rc)
		return rc;
	struct tarn_dq_rows *r = query(p, "SELECT name, uuid, created, vip FROM pool", NULL, 0, err);
	if (!r) {
		rc = TARN_POOL_DOWN;
	} else if (r->nrows == 0) {
		snprintf(err, TARN_ERRLEN, "this host is in no pool yet (pool.create makes one)");
		rc = TARN_POOL_REFUSED;
	} else {
		snprintf(info->name, sizeof info->name, "%s", tarn_dq_at(r, 0, 0)->s);
		snprintf(info->uuid, sizeof info->uuid, "%s", tarn_dq_at(r, 0, 1)->s);
		info->created = tarn_dq_at(r, 0, 2)->i;
		snprintf(info->vip, sizeof info->vip, "%s", tarn_dq_at(r, 0, 3)->s);
		snprintf(info->leader, sizeof info->leader, "%s", tarn_dqlite_address(p->c));
		info->is_master = strcmp(info->leader, p->address) == 0;
	}
	tarn_dq_rows_free(r);
	return leave(p, rc);
}

/* Text of a column, "" for null. */
static const char *text(const struct tarn_dq_rows *r, unsigned row, unsigned col)
{
	const struct tarn_dq_value *v = tarn_dq_at(r, row, col);
	return v->type == TARN_DQ_TEXT ? v->s : "";
}

int tarn_pool_each_member(tarn_pool *p, tarn_member_fn fn, void *ctx, tarn_err err)
{
	int rc = enter(p, err);
	if (rc)
		return rc;
	struct tarn_dq_rows *r = query(p, "SELECT id, address, roles, agent, seen, maintenance, free_mib, evacuation"
				       "  FROM members ORDER BY address", NULL, 0, err);
	if (!r)
		rc = TARN_POOL_DOWN;
	for (unsigned i = 0; r && i < r->nrows && rc == 0; i++) {
		char roles[300];
		struct tarn_member m = {.id = text(r, i, 0), .address = text(r, i, 1), .roles = roles,
					.agent = text(r, i, 3), .seen = tarn_dq_at(r, i, 4)->i,
					.maintenance = (int)tarn_dq_at(r, i, 5)->i, .free_mib = tarn_dq_at(r, i, 6)->i,
					.evacuation = text(r, i, 7)};
		/* the master is whoever leads */
		m.master = strcmp(m.address, tarn_dqlite_address(p->c)) == 0;
		snprintf(roles, sizeof roles, "%s%s%s", m.master ? "master" : "", m.master && *text(r, i, 2) ? "," : "",
			 text(r, i, 2));
		rc = fn(ctx, &m);
	}
	tarn_dq_rows_free(r);
	return leave(p, rc);
}

const char *tarn_check_power_state(const char *s, tarn_err err)
{
	if (s && (!strcmp(s, "running") || !strcmp(s, "stopped") || !strcmp(s, "paused") || !strcmp(s, "suspended")))
		return NULL;
	snprintf(err, TARN_ERRLEN, "%.40s is not a power state (running, stopped, paused or suspended)", s ? s : "");
	return err;
}

static const char *check_guest(const struct tarn_guest *g, tarn_err err)
{
	if (tarn_check_name(g->name, err) || tarn_check_uuid(g->uuid, err) ||
	    tarn_check_power_state(g->desired, err))
		return err;
	if (!g->xlcfg || !g->xlcfg[0] || strlen(g->xlcfg) > MAX_XLCFG)
		return snprintf(err, TARN_ERRLEN, "a guest's xl.cfg is 1 byte to %d KiB", MAX_XLCFG / 1024), err;
	if (g->host && strlen(g->host) > 255)
		return snprintf(err, TARN_ERRLEN, "a placement host has at most 255 characters"), err;
	if (g->ha != 0 && g->ha != 1)
		return snprintf(err, TARN_ERRLEN, "ha is 0 or 1"), err;
	return NULL;
}

static int no_guest(const char *name, tarn_err err)
{
	snprintf(err, TARN_ERRLEN, "no guest named %.64s", name);
	return TARN_POOL_REFUSED;
}

int tarn_pool_has_role(const char *roles, const char *role)
{
	size_t n = strlen(role);
	for (const char *r = roles; *r; r += strcspn(r, ","), r += *r == ',') {
		if (strncmp(r, role, n) == 0 && (r[n] == ',' || r[n] == '\0'))
			return 1;
	}
	return 0;
}

static int member_up(int64_t seen)
{
	return (int64_t)time(NULL) - seen <= 3 * TARN_POOL_HEARTBEAT_S;
}

/* Where a guest meant to run goes: this member if it is
 * a VM server, else the first VM server that is up. host gets its id, or
 * "" when the pool has no member rows (a host in no pool: its engine runs
 * unplaced guests). Refused when there are members but none can run it. */
static int choose_host(tarn_pool *p, const char *guest, char *host, size_t n, tarn_err err)
{
	host[0] = '\0';
	/* a member in maintenance takes no new guests */
	struct tarn_dq_rows *r = query(p, "SELECT id, roles, seen, address, maintenance FROM members ORDER BY address",
				       NULL, 0, err);
	if (!r)
		return TARN_POOL_DOWN;
	/* this member by its address: the engine's handle has no node id */
	for (unsigned i = 0; i < r->nrows && !host[0]; i++)
		if (strcmp(text(r, i, 3), p->address) == 0 && tarn_pool_has_role(text(r, i, 1), "vm-server") &&
		    !tarn_dq_at(r, i, 4)->i)
			snprintf(host, n, "%s", text(r, i, 0));
	for (unsigned i = 0; i < r->nrows && !host[0]; i++)
		if (tarn_pool_has_role(text(r, i, 1), "vm-server") && member_up(tarn_dq_at(r, i, 2)->i) && !tarn_dq_at(r, i, 4)->i)
			snprintf(host, n, "%s", text(r, i, 0));
	int rc = 0;
	if (r->nrows && !host[0]) {
		snprintf(err, TARN_ERRLEN, "no VM-server member of the pool is up (and out of maintenance) to run guest "
			 "%.64s", guest);
		rc = TARN_POOL_REFUSED;
	}
	tarn_dq_rows_free(r);
	return rc;
}

/* Places an unplaced guest; one placed stays where it is. Reads, then one
 * conditional write (AND host = ''): whoever placed it in between wins, and
 * no transaction is held while the members are looked at. */
static int place_if_unplaced(tarn_pool *p, const char *name, tarn_err err)
{
	struct tarn_dq_value v = TARN_DQ_S(name);
	struct tarn_dq_rows *r = query(p, "SELECT host FROM guests WHERE name = ?", &v, 1, err);
	char host[32];
	int rc = !r ? TARN_POOL_DOWN : r->nrows == 0 ? no_guest(name, err) : 0;
	int unplaced = rc == 0 && !text(r, 0, 0)[0];
	tarn_dq_rows_free(r);
	if (unplaced && (rc = choose_host(p, name, host, sizeof host, err)) == 0 && host[0]) {
		struct tarn_dq_value set[] = {TARN_DQ_S(host), TARN_DQ_S(name)};
		rc = exec(p, "UPDATE guests SET host = ? WHERE name = ? AND host = ''", set, 2, NULL, err);
	}
	return rc;
}

int tarn_pool_guest_place(tarn_pool *p, const char *name, const char *member, tarn_err err)
{
	if (!member || !member[0] || strlen(member) > 255)
		return snprintf(err, TARN_ERRLEN, "a member is named by its id or pool address"), TARN_POOL_REFUSED;
	int rc = enter(p, err);
	if (rc)
		return rc;
	struct tarn_dq_value who[] = {TARN_DQ_S(member), TARN_DQ_S(member)};
	struct tarn_dq_rows *m = query(p, "SELECT id, address, roles, seen, maintenance FROM members"
				       "  WHERE id = ? OR address = ?", who, 2, err);
	struct tarn_dq_value v = TARN_DQ_S(name);
	/* what a member that is gone (ejected) last reported holds no more */
#define HOST_GONE "(host != '' AND host NOT IN (SELECT id FROM members))"
	struct tarn_dq_rows *g = m ? query(p, "SELECT desired, actual, " HOST_GONE " FROM guests WHERE name = ?", &v,
					   1, err) : NULL;
	char id[32] = "";
	if (!m || !g) {
		rc = TARN_POOL_DOWN;
	} else if (m->nrows == 0) {
		snprintf(err, TARN_ERRLEN, "no member %.64s in the pool (pool.members lists them by id and address)",
			 member);
		rc = TARN_POOL_REFUSED;
	} else if (!tarn_pool_has_role(text(m, 0, 2), "vm-server")) {
		snprintf(err, TARN_ERRLEN, "member %.64s is not a VM server (roles: %.64s)", member, text(m, 0, 2));
		rc = TARN_POOL_REFUSED;
	} else if (tarn_dq_at(m, 0, 4)->i) {
		snprintf(err, TARN_ERRLEN, "member %.64s is in maintenance: it takes no new guests", member);
		rc = TARN_POOL_REFUSED;
	} else if (!member_up(tarn_dq_at(m, 0, 3)->i)) {
		snprintf(err, TARN_ERRLEN, "member %.64s is down (no heartbeat for %lld s)", member,
			 (long long)(time(NULL) - tarn_dq_at(m, 0, 3)->i));
		rc = TARN_POOL_REFUSED;
	} else if (g->nrows == 0) {
		rc = no_guest(name, err);
	} else if (strcmp(text(g, 0, 0), "stopped") || (strcmp(text(g, 0, 1), "stopped") &&
							strcmp(text(g, 0, 1), "unknown") && !tarn_dq_at(g, 0, 2)->i)) {
		snprintf(err, TARN_ERRLEN, "guest %.64s is %s: stop it first, or move it live (guest.migrate)", name,
			 strcmp(text(g, 0, 0), "stopped") ? text(g, 0, 0) : text(g, 0, 1));
		rc = TARN_POOL_REFUSED;
	} else {
		snprintf(id, sizeof id, "%s", text(m, 0, 0));
	}
	tarn_dq_rows_free(m);
	tarn_dq_rows_free(g);
	/* only while it is still stopped: a start since the read wins */
	struct tarn_dq_value set[] = {TARN_DQ_S(id), TARN_DQ_S(name)};
	int64_t changes = 0;
	if (rc == 0)
		rc = exec(p, "UPDATE guests SET host = ?, gen = gen + 1 WHERE name = ? AND desired = 'stopped'"
			  "  AND (actual IN ('stopped', 'unknown') OR " HOST_GONE ")", set, 2, &changes, err);
#undef HOST_GONE
	if (rc == 0 && changes == 0)
		rc = (snprintf(err, TARN_ERRLEN, "guest %.64s was started meanwhile: stop it first, or move it live "
			       "(guest.migrate)", name), TARN_POOL_REFUSED);
	return leave(p, rc);
}

int tarn_pool_guest_define(tarn_pool *p, const struct tarn_guest *g, tarn_err err)
{
	if (check_guest(g, err))
		return TARN_POOL_REFUSED;
	/* placed now, where its config was checked against the host; with no
	 * VM server up it stays unplaced until it is started */
	char host[32] = "";
	tarn_err why;
	int rc = enter(p, err);
	if (rc)
		return rc;
	if ((!g->host || !g->host[0]) && choose_host(p, g->name, host, sizeof host, why) == TARN_POOL_DOWN)
		return snprintf(err, TARN_ERRLEN, "%s", why), leave(p, TARN_POOL_DOWN);
	if ((rc = begin_immediate(p, err)) != 0)
		return leave(p, rc);
	struct tarn_dq_value who[] = {TARN_DQ_S(g->name), TARN_DQ_S(g->uuid)};
	struct tarn_dq_rows *r = query(p, "SELECT name, uuid FROM guests WHERE name = ? OR uuid = ?", who, 2, err);
	if (!r) {
		rc = TARN_POOL_DOWN;
	} else if (r->nrows) {
		int same_name = strcmp(text(r, 0, 0), g->name) == 0;
		snprintf(err, TARN_ERRLEN, "a guest %s %.64s is already defined", same_name ? "named" : "with UUID",
			 same_name ? g->name : g->uuid);
		rc = TARN_POOL_REFUSED;
	}
	tarn_dq_rows_free(r);
	struct tarn_dq_value v[] = {TARN_DQ_S(g->uuid), TARN_DQ_S(g->name), TARN_DQ_S(g->xlcfg),
				    TARN_DQ_S(g->host && g->host[0] ? g->host : host), TARN_DQ_S(g->desired),
				    TARN_DQ_I(g->ha)};
	if (rc == 0)
		rc = exec(p, "INSERT INTO guests (uuid, name, xlcfg, host, desired, ha) VALUES (?, ?, ?, ?, ?, ?)",
			  v, 6, NULL, err);
	return end(p, rc, err);
}

#define GUEST_COLUMNS "uuid, name, xlcfg, desired, host, ha, gen, drift, request, stop_timeout, pins, " \
		      "actual, error, error_gen, affinity, domid"

int tarn_pool_guests(tarn_pool *p, const char *name, tarn_guest_fn fn, void *ctx, tarn_err err)
{
	int rc = enter(p, err);
	if (rc)
		return rc;
	struct tarn_dq_value v = TARN_DQ_S(name ? name : "");
	struct tarn_dq_rows *r = query(p, name ? "SELECT " GUEST_COLUMNS " FROM guests WHERE name = ?"
					      : "SELECT " GUEST_COLUMNS " FROM guests ORDER BY name",
				       &v, name ? 1 : 0, err);
	if (!r)
		rc = TARN_POOL_DOWN;
	else if (name && r->nrows == 0)
		rc = no_guest(name, err);
	for (unsigned i = 0; r && i < r->nrows && rc == 0; i++) {
		struct tarn_guest g = {
			.uuid = text(r, i, 0), .name = text(r, i, 1), .xlcfg = text(r, i, 2), .desired = text(r, i, 3),
			.host = text(r, i, 4), .ha = (int)tarn_dq_at(r, i, 5)->i, .gen = tarn_dq_at(r, i, 6)->i,
			.drift = text(r, i, 7), .request = text(r, i, 8), .stop_timeout = (int)tarn_dq_at(r, i, 9)->i,
			.pins = text(r, i, 10), .actual = text(r, i, 11), .error = text(r, i, 12),
			.error_gen = tarn_dq_at(r, i, 13)->i, .affinity = text(r, i, 14), .domid = (int)tarn_dq_at(r, i, 15)->i,
		};
		rc = fn(ctx, &g);
	}
	tarn_dq_rows_free(r);
	return leave(p, rc);
}

/* One field of one guest: "UPDATE guests SET field = ?1 WHERE name = ?2". */
static int update_guest(tarn_pool *p, const char *name, const char *sql, struct tarn_dq_value value, tarn_err err)
{
	int rc = enter(p, err);
	if (rc)
		return rc;
	int64_t changes = 0;
	struct tarn_dq_value v[] = {value, TARN_DQ_S(name)};
	rc = exec(p, sql, v, 2, &changes, err);
	if (rc == 0 && changes == 0)
		rc = no_guest(name, err);
	return leave(p, rc);
}

/* Why a suspend changed nothing: no such guest, or one meant to be stopped. */
static int not_suspendable(tarn_pool *p, const char *name, tarn_err err)
{
	struct tarn_dq_value v = TARN_DQ_S(name);
	struct tarn_dq_rows *r = query(p, "SELECT 1 FROM guests WHERE name = ?", &v, 1, err);
	int rc = !r ? TARN_POOL_DOWN : r->nrows == 0 ? no_guest(name, err) : TARN_POOL_REFUSED;
	if (r && r->nrows)
		snprintf(err, TARN_ERRLEN, "guest %.64s is meant to be stopped: there is nothing to suspend", name);
	tarn_dq_rows_free(r);
	return rc;
}

/* A new desired state, with the time a clean shutdown gets. */
static int set_state(tarn_pool *p, const char *name, const char *desired, int timeout, tarn_err err)
{
	if (tarn_check_power_state(desired, err))
		return TARN_POOL_REFUSED;
	if (timeout < 0 || timeout > 3600)
		return snprintf(err, TARN_ERRLEN, "a shutdown timeout is 0 to 3600 seconds"), TARN_POOL_REFUSED;
	int rc = enter(p, err);
	if (rc)
		return rc;
	/* meant to run: it needs a host first */
	if (!strcmp(desired, "running") || !strcmp(desired, "paused"))
		rc = place_if_unplaced(p, name, err);
	if (rc)
		return leave(p, rc);
	int64_t changes = 0;
	struct tarn_dq_value v[] = {TARN_DQ_S(desired), TARN_DQ_I(timeout), TARN_DQ_S(name)};
	/* only a guest with a domain can be suspended: one meant to be stopped has none */
	rc = exec(p, strcmp(desired, "suspended")
			     ? "UPDATE guests SET desired = ?, stop_timeout = ?, request = '', moving_to = '', gen = gen + 1"
			       " WHERE name = ?"
			     : "UPDATE guests SET desired = ?, stop_timeout = ?, request = '', moving_to = '', gen = gen + 1"
			       " WHERE name = ? AND desired != 'stopped'",
		  v, 3, &changes, err);
	if (rc == 0 && changes == 0)
		rc = strcmp(desired, "suspended") ? no_guest(name, err) : not_suspendable(p, name, err);
	return leave(p, rc);
}

int tarn_pool_guest_set_state(tarn_pool *p, const char *name, const char *desired, tarn_err err)
{
	return set_state(p, name, desired, TARN_STOP_TIMEOUT, err);
}

int tarn_pool_guest_stop(tarn_pool *p, const char *name, int timeout, tarn_err err)
{
	return set_state(p, name, "stopped", timeout, err);
}

int tarn_pool_guest_request(tarn_pool *p, const char *name, const char *request, tarn_err err)
{
	const char *sql;
	if (request && strcmp(request, "reboot") == 0)
		sql = "UPDATE guests SET request = 'reboot', gen = gen + 1 WHERE name = ?1 AND desired != 'stopped'";
	else if (request && strcmp(request, "destroy") == 0)
		sql = "UPDATE guests SET desired = 'stopped', request = 'destroy', gen = gen + 1 WHERE name = ?1";
	else
		return snprintf(err, TARN_ERRLEN, "a request is reboot or destroy"), TARN_POOL_REFUSED;
	int rc = enter(p, err);
	if (rc)
		return rc;
	int64_t changes = 0;
	struct tarn_dq_value v = TARN_DQ_S(name);
	rc = exec(p, sql, &v, 1, &changes, err);
	if (rc == 0 && changes == 0) {
		struct tarn_dq_rows *r = query(p, "SELECT 1 FROM guests WHERE name = ?", &v, 1, err);
		if (!r)
			rc = TARN_POOL_DOWN;
		else if (r->nrows == 0)
			rc = no_guest(name, err);
		else {
			snprintf(err, TARN_ERRLEN, "guest %.64s is meant to be stopped: start it instead", name);
			rc = TARN_POOL_REFUSED;
		}
		tarn_dq_rows_free(r);
	}
	return leave(p, rc);
}

int tarn_pool_guest_set_drift(tarn_pool *p, const char *name, const char *policy, tarn_err err)
{
	if (!policy || (strcmp(policy, "restore") && strcmp(policy, "leave")))
		return snprintf(err, TARN_ERRLEN, "%.40s is not a drift policy (restore or leave)", policy ? policy : ""),
		       TARN_POOL_REFUSED;
	return update_guest(p, name, "UPDATE guests SET drift = ?, gen = gen + 1 WHERE name = ?", TARN_DQ_S(policy),
			    err);
}

int tarn_pool_guest_pin(tarn_pool *p, const char *name, int vcpu, const char *cpulist, tarn_err err)
{
	libxl_bitmap b;
	char list[256], pins[1024];
	libxl_bitmap_init(&b);
	int bad = tarn_cpulist_parse(cpulist, TARN_MAX_CPUS, &b, err);
	if (!bad)
		tarn_cpulist_format(&b, TARN_MAX_CPUS, list, sizeof list);
	libxl_bitmap_dispose(&b);
	if (bad)
		return TARN_POOL_REFUSED;
	int rc = begin(p, err);
	if (rc)
		return rc;
	struct tarn_dq_value v = TARN_DQ_S(name);
	struct tarn_dq_rows *r = query(p, "SELECT xlcfg, pins FROM guests WHERE name = ?", &v, 1, err);
	struct tarn_xlcfg c;
	if (!r) {
		rc = TARN_POOL_DOWN;
	} else if (r->nrows == 0) {
		rc = no_guest(name, err);
	} else if (tarn_xlcfg_parse(text(r, 0, 0), &c, err)) {
		rc = TARN_POOL_REFUSED; /* stored only after a parse: never, in practice */
	} else if (vcpu < 0 || vcpu >= c.maxvcpus) {
		snprintf(err, TARN_ERRLEN, "guest %.64s has vCPUs 0 to %ld", name, c.maxvcpus - 1);
		rc = TARN_POOL_REFUSED;
	} else if (tarn_pins_set(text(r, 0, 1), vcpu, list, pins, sizeof pins)) {
		snprintf(err, TARN_ERRLEN, "too many pins for guest %.64s", name);
		rc = TARN_POOL_REFUSED;
	}
	tarn_dq_rows_free(r);
	struct tarn_dq_value set[] = {TARN_DQ_S(pins), TARN_DQ_S(name)};
	if (rc == 0)
		rc = exec(p, "UPDATE guests SET pins = ?, gen = gen + 1 WHERE name = ?", set, 2, NULL, err);
	return end(p, rc, err);
}

int tarn_pool_guest_set_ha(tarn_pool *p, const char *name, int ha, tarn_err err)
{
	return update_guest(p, name, "UPDATE guests SET ha = ? WHERE name = ?", TARN_DQ_I(ha != 0), err);
}

/* A new value within the config's own maximum (a maxmem or maxvcpus above
 * the old value was written in it; one equal to it may follow). */
static int within_max(const struct tarn_xlcfg *was, const char *key, long value, tarn_err err)
{
	int memory = strcmp(key, "memory") == 0;
	long max = memory ? was->maxmem : was->maxvcpus, old = memory ? was->memory : was->vcpus;
	if (max > old && value > max)
		return snprintf(err, TARN_ERRLEN, "%s %ld is above the guest's %s (%ld): raise that in its xl.cfg first",
				key, value, memory ? "maxmem" : "maxvcpus", max), -1;
	return 0;
}

int tarn_pool_guest_set_number(tarn_pool *p, const char *name, const char *key, long value, tarn_err err)
{
	if (!key || (strcmp(key, "memory") && strcmp(key, "vcpus")))
		return snprintf(err, TARN_ERRLEN, "only memory and vcpus are set this way"), TARN_POOL_REFUSED;
	int rc = begin(p, err);
	if (rc)
		return rc;
	struct tarn_dq_value v = TARN_DQ_S(name);
	struct tarn_dq_rows *r = query(p, "SELECT xlcfg FROM guests WHERE name = ?", &v, 1, err);
	struct tarn_xlcfg was, now;
	char *cfg = NULL;
	if (!r)
		rc = TARN_POOL_DOWN;
	else if (r->nrows == 0)
		rc = no_guest(name, err);
	else if (tarn_xlcfg_parse(text(r, 0, 0), &was, err) || within_max(&was, key, value, err) ||
		 tarn_xlcfg_set_number(text(r, 0, 0), key, value, &cfg, err) || tarn_xlcfg_parse(cfg, &now, err))
		rc = TARN_POOL_REFUSED;
	tarn_dq_rows_free(r);
	struct tarn_dq_value set[] = {TARN_DQ_S(cfg ? cfg : ""), TARN_DQ_S(name)};
	if (rc == 0)
		rc = exec(p, "UPDATE guests SET xlcfg = ?, gen = gen + 1 WHERE name = ?", set, 2, NULL, err);
	rc = end(p, rc, err);
	free(cfg);
	return rc;
}

int tarn_pool_guest_undefine(tarn_pool *p, const char *name, tarn_err err)
{
	int rc = begin(p, err);
	if (rc)
		return rc;
	struct tarn_dq_value v = TARN_DQ_S(name);
	struct tarn_dq_rows *r = query(p, "SELECT desired, actual FROM guests WHERE name = ?", &v, 1, err);
	if (!r) {
		rc = TARN_POOL_DOWN;
	} else if (r->nrows == 0) {
		rc = no_guest(name, err);
	} else if (strcmp(text(r, 0, 0), "stopped") != 0) {
		snprintf(err, TARN_ERRLEN, "guest %.64s is meant to be %s: stop it first", name, text(r, 0, 0));
		rc = TARN_POOL_REFUSED;
	} else if (strcmp(text(r, 0, 1), "stopped") && strcmp(text(r, 0, 1), "unknown")) {
		snprintf(err, TARN_ERRLEN, "guest %.64s is still %s: wait until it is stopped", name, text(r, 0, 1));
		rc = TARN_POOL_REFUSED;
	}
	tarn_dq_rows_free(r);
	if (rc == 0)
		rc = exec(p, "DELETE FROM guests WHERE name = ?", &v, 1, NULL, err);
	return end(p, rc, err);
}

int tarn_pool_guest_report(tarn_pool *p, const struct tarn_guest *g, tarn_err err)
{
	int rc = enter(p, err);
	if (rc)
		return rc;
	struct tarn_dq_value v[] = {TARN_DQ_S(g->actual), TARN_DQ_S(g->error), TARN_DQ_I(g->error_gen),
				    TARN_DQ_S(g->affinity), TARN_DQ_I(g->domid), TARN_DQ_S(g->uuid)};
	rc = exec(p, "UPDATE guests SET actual = ?, error = ?, error_gen = ?, affinity = ?, domid = ? WHERE uuid = ?",
		  v, 6, NULL, err);
	return leave(p, rc);
}

/* An engine's write that holds only while the guest is at generation gen:
 * 0 done, 1 the guest changed (or went) meanwhile. */
static int if_unchanged(tarn_pool *p, const char *sql, struct tarn_dq_value first, const char *uuid, int64_t gen,
			tarn_err err)
{
	int rc = enter(p, err);
	if (rc)
		return rc;
	int64_t changes = 0;
	struct tarn_dq_value v[] = {first, TARN_DQ_S(uuid), TARN_DQ_I(gen)};
	rc = exec(p, sql, v, 3, &changes, err);
	return leave(p, rc ? rc : changes == 0);
}

int tarn_pool_guest_adopt(tarn_pool *p, const char *uuid, int64_t gen, const char *desired, tarn_err err)
{
	if (tarn_check_power_state(desired, err))
		return TARN_POOL_REFUSED;
	return if_unchanged(p, "UPDATE guests SET desired = ?, request = '', gen = gen + 1 WHERE uuid = ? AND gen = ?",
			    TARN_DQ_S(desired), uuid, gen, err);
}

int tarn_pool_guest_request_done(tarn_pool *p, const char *uuid, int64_t gen, tarn_err err)
{
	return if_unchanged(p, "UPDATE guests SET request = ? WHERE uuid = ? AND gen = ?", TARN_DQ_S(""), uuid, gen,
			    err);
}
