/* Network changes on trial; see nettrial.h. The previous configuration is
 * kept as one JSON document (SQLite's json1), so it is taken and put back
 * by SQL alone, in the transaction of the change or of the roll-back. */
#include "nettrial.h"

#include <stdio.h>
#include <string.h>

#include "event.h"
#include "netdev.h"
#include "store-internal.h"

#define SNAPSHOT                                                                                          \
	"SELECT json_object("                                                                             \
	"'interfaces', (SELECT json_group_array(json_array(name, mode, ipv4, gateway4, ipv6, mtu))"      \
	"  FROM interfaces),"                                                                             \
	"'bridges', (SELECT json_group_array(json_array(name, ports)) FROM bridges),"                     \
	"'vlans', (SELECT json_group_array(json_array(name, parent, vid)) FROM vlans),"                   \
	"'bonds', (SELECT json_group_array(json_array(name, mode, slaves)) FROM bonds))"

#define FROM(part) " FROM json_each((SELECT previous FROM net_trial), '$." part "');"
static const char restore[] =
	"DELETE FROM interfaces; DELETE FROM bridges; DELETE FROM vlans; DELETE FROM bonds;"
	"INSERT INTO interfaces (name, mode, ipv4, gateway4, ipv6, mtu) SELECT value->>0, value->>1,"
	"  value->>2, value->>3, value->>4, value->>5" FROM("interfaces")
	"INSERT INTO bridges (name, ports) SELECT value->>0, value->>1" FROM("bridges")
	"INSERT INTO vlans (name, parent, vid) SELECT value->>0, value->>1, value->>2" FROM("vlans")
	"INSERT INTO bonds (name, mode, slaves) SELECT value->>0, value->>1, value->>2" FROM("bonds")
	"DELETE FROM net_trial;";

/* Adds to path what name is built on, depth first: a bridge's ports, a
 * bond's slaves, a VLAN's parent. */
static void lower(tarn_store *st, const char *name, char *path, size_t len, int depth)
{
	static const char *const sql[] = {"SELECT ports FROM bridges WHERE name = ?1",
					  "SELECT slaves FROM bonds WHERE name = ?1",
					  "SELECT parent FROM vlans WHERE name = ?1"};
	if (depth > 4 || tarn_netdev_listed(path, name))
		return;
	snprintf(path + strlen(path), len - strlen(path), " %s", name);
	for (int i = 0; i < 3; i++) {
		char below[TARN_NETDEV_LIST] = "", *save = NULL;
		sqlite3_stmt *s;
		if (sqlite3_prepare_v2(st->db, sql[i], -1, &s, NULL) != SQLITE_OK)
			continue;
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			tarn_store_copy_text(s, 0, below, sizeof below);
		sqlite3_finalize(s);
		for (char *w = strtok_r(below, " ", &save); w; w = strtok_r(NULL, " ", &save))
			lower(st, w, path, len, depth + 1);
	}
}

static int touches_management(tarn_store *st, const char *names)
{
	char mgmt[16], path[1024] = "", copy[TARN_NETDEV_LIST + 16], *save = NULL;
	if (tarn_store_get(st, "mgmt_interface", mgmt, sizeof mgmt) != 0)
		snprintf(mgmt, sizeof mgmt, "%s", TARN_MGMT_DEFAULT);
	lower(st, mgmt, path, sizeof path, 0);
	snprintf(copy, sizeof copy, "%s", names);
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (tarn_netdev_listed(path + 1, w))
			return 1;
	return 0;
}

int tarn_net_trial_guard(tarn_store *st, const char *names, long seconds, tarn_err err)
{
	if (seconds < 0 || seconds > 3600)
		return snprintf(err, TARN_ERRLEN, "confirm %ld is not 0-3600 seconds", seconds), -1;
	if (!st->in_txn)
		return snprintf(err, TARN_ERRLEN, "a change goes on trial inside its transaction"), -1;
	if (seconds == 0 && !touches_management(st, names))
		return 0;
	if (seconds == 0)
		seconds = TARN_TRIAL_DEFAULT;
	/* the first change of a trial keeps what to go back to; later ones
	 * only restart the countdown */
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "INSERT INTO net_trial VALUES (1, strftime('%s') + ?1, ?1, (" SNAPSHOT "))"
			       " ON CONFLICT(id) DO UPDATE SET deadline = strftime('%s') + ?1, seconds = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		return tarn_store_fail(st, err, "node store");
	sqlite3_bind_int64(s, 1, seconds);
	return tarn_store_write(st, s, err) ? -1 : 1;
}

int tarn_net_confirm(tarn_store *st, tarn_err err)
{
	if (tarn_store_exec(st, "DELETE FROM net_trial", err))
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return snprintf(err, TARN_ERRLEN, "no network change is waiting to be confirmed"), -1;
	tarn_event_add(st, "info", "net", "the network change on trial was confirmed");
	return 0;
}

int tarn_net_trial_pending(tarn_store *st, int64_t *deadline, long *seconds)
{
	sqlite3_stmt *s;
	int found = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT deadline, seconds FROM net_trial", -1, &s, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*deadline = sqlite3_column_int64(s, 0);
		*seconds = (long)sqlite3_column_int64(s, 1);
		found = 1;
	}
	sqlite3_finalize(s);
	return found;
}

int tarn_net_trial_expire(tarn_store *st, time_t now, tarn_err err)
{
	int64_t deadline;
	long seconds;
	if (!tarn_net_trial_pending(st, &deadline, &seconds) || now < deadline)
		return 0;
	/* look again inside the transaction: a confirm may just have come */
	if (tarn_store_begin(st, err))
		return -1;
	if (!tarn_net_trial_pending(st, &deadline, &seconds) || now < deadline) {
		tarn_store_rollback(st);
		return 0;
	}
	if (tarn_store_exec(st, restore, err) || tarn_store_commit(st, err)) {
		tarn_store_rollback(st);
		return -1;
	}
	char msg[128];
	snprintf(msg, sizeof msg, "the network change was not confirmed within %ld s: the previous "
		 "configuration is back", seconds);
	tarn_event_add(st, "warning", "net", msg);
	return 1;
}
