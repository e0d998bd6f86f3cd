/* The node store's schema and its migrations; see store.h. */
#include <sqlite3.h>
#include <stdio.h>

#include "store.h"
#include "store-internal.h"

/* Triggers that bump the generation on every change of a desired-state
 * table, in the same transaction, so the agent notices. */
#define BUMPS(t)                                                                                   \
	"CREATE TRIGGER " t "_i AFTER INSERT ON " t " BEGIN UPDATE generation SET n = n + 1; END;" \
	"CREATE TRIGGER " t "_u AFTER UPDATE ON " t " BEGIN UPDATE generation SET n = n + 1; END;" \
	"CREATE TRIGGER " t "_d AFTER DELETE ON " t " BEGIN UPDATE generation SET n = n + 1; END;"

/* Schema migrations, applied in order, each in its own transaction with the
 * new user_version; a version is never edited once released, only added. */
static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE generation (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);"
	"INSERT INTO generation VALUES (1, 0);"
	"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE interfaces (name TEXT PRIMARY KEY, mode TEXT NOT NULL"
	"  CHECK (mode IN ('dhcp','static','none')), ipv4 TEXT NOT NULL DEFAULT '',"
	"  gateway4 TEXT NOT NULL DEFAULT '', ipv6 TEXT NOT NULL DEFAULT '',"
	"  mtu INTEGER NOT NULL DEFAULT 0);"
	"CREATE TRIGGER settings_i AFTER INSERT ON settings BEGIN UPDATE generation SET n = n + 1; END;"
	"CREATE TRIGGER settings_u AFTER UPDATE ON settings BEGIN UPDATE generation SET n = n + 1; END;"
	"CREATE TRIGGER settings_d AFTER DELETE ON settings BEGIN UPDATE generation SET n = n + 1; END;"
	"CREATE TRIGGER interfaces_i AFTER INSERT ON interfaces BEGIN UPDATE generation SET n = n + 1; END;"
	"CREATE TRIGGER interfaces_u AFTER UPDATE ON interfaces BEGIN UPDATE generation SET n = n + 1; END;"
	"CREATE TRIGGER interfaces_d AFTER DELETE ON interfaces BEGIN UPDATE generation SET n = n + 1; END;",
	/* 2: what the reconcilers made of each subject; not a change of
	 * desired state, so it does not bump the generation */
	"CREATE TABLE status (subject TEXT PRIMARY KEY, ok INTEGER NOT NULL, message TEXT NOT NULL,"
	"  generation INTEGER NOT NULL, at INTEGER NOT NULL);",
	/* 3: network devices (their addressing stays in interfaces), local
	 * repositories, the engine's work queue, the event log and the facts
	 * the engine reads from the host. Tasks, events and facts are not
	 * desired state: no generation bump. */
	"CREATE TABLE bridges (name TEXT PRIMARY KEY, ports TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE vlans (name TEXT PRIMARY KEY, parent TEXT NOT NULL,"
	"  vid INTEGER NOT NULL CHECK (vid BETWEEN 1 AND 4094), UNIQUE (parent, vid));"
	"CREATE TABLE bonds (name TEXT PRIMARY KEY, mode TEXT NOT NULL, slaves TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE repositories (name TEXT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('local','nfs','iscsi')), source TEXT NOT NULL,"
	"  fstype TEXT NOT NULL DEFAULT '', options TEXT NOT NULL DEFAULT '',"
	"  format INTEGER NOT NULL DEFAULT 0);"
	BUMPS("bridges") BUMPS("vlans") BUMPS("bonds") BUMPS("repositories")
	"CREATE TABLE tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,"
	"  subject TEXT NOT NULL DEFAULT '', args TEXT NOT NULL DEFAULT '',"
	"  state TEXT NOT NULL DEFAULT 'queued'"
	"  CHECK (state IN ('queued','running','done','failed','cancelled')),"
	"  progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),"
	"  message TEXT NOT NULL DEFAULT '', cancel INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	"CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,"
	"  level TEXT NOT NULL CHECK (level IN ('info','warning','error')),"
	"  subject TEXT NOT NULL, message TEXT NOT NULL);"
	/* the log keeps the newest 1000 */
	"CREATE TRIGGER events_keep AFTER INSERT ON events"
	"  BEGIN DELETE FROM events WHERE id <= NEW.id - 1000; END;"
	"CREATE TABLE facts (key TEXT PRIMARY KEY, value TEXT NOT NULL, at INTEGER NOT NULL);",
	/* 4: a network change on trial (nettrial.h): the configuration to go
	 * back to and the deadline, kept here so that a restarted agent, or
	 * a console, still rolls back. Not desired state: no bump. */
	"CREATE TABLE net_trial (id INTEGER PRIMARY KEY CHECK (id = 1), deadline INTEGER NOT NULL,"
	"  seconds INTEGER NOT NULL, previous TEXT NOT NULL);",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

int tarn_store_schema_version(tarn_store *st)
{
	int64_t v = -1;
	tarn_store_query_int(st, "PRAGMA user_version", &v);
	return (int)v;
}

int tarn_store_migrate(tarn_store *st, tarn_err err)
{
	int have = tarn_store_schema_version(st);
	if (have > SCHEMA_VERSION) {
		snprintf(err, TARN_ERRLEN, "node store has schema %d, newer than this Tarn (%d): "
			 "refusing to touch it", have, SCHEMA_VERSION);
		return -1;
	}
	for (int v = have; v < SCHEMA_VERSION; v++) {
		char bump[48];
		snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
		if (tarn_store_exec(st, "BEGIN IMMEDIATE", err))
			return -1;
		/* Another process (the agent and the console start together on
		 * first boot) may have migrated since we looked: look again
		 * under the write lock, and skip what it already did. */
		int now = tarn_store_schema_version(st);
		if (now > v) {
			tarn_store_exec(st, "ROLLBACK", (tarn_err){0});
			v = now - 1;
			continue;
		}
		if (tarn_store_exec(st, migrations[v], err) || tarn_store_exec(st, bump, err) || tarn_store_exec(st, "COMMIT", err)) {
			tarn_store_exec(st, "ROLLBACK", (tarn_err){0});
			return -1;
		}
	}
	return 0;
}
