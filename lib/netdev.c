/* Bridges, VLANs and bonds in the node store; see netdev.h. */
#include "netdev.h"

#include <stdio.h>
#include <string.h>

#include "netsys.h"
#include "store-internal.h"

int tarn_netdev_listed(const char *list, const char *word)
{
	size_t n = strlen(word);
	if (n == 0)
		return 0;
	for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/* The first stored device of a table whose list column names word, other
 * than except; copies its name into who. */
static int listed_in(tarn_store *st, const char *sql, const char *word, const char *except, char *who,
		     size_t len)
{
	sqlite3_stmt *s;
	int found = 0;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(s, 1, word, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, except, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		found = !tarn_store_copy_text(s, 0, who, len);
	sqlite3_finalize(s);
	return found;
}

#define IN_LIST(t, col) "SELECT name FROM " t " WHERE instr(' ' || " col " || ' ', ' ' || ?1 || ' ') > 0 " \
			"AND name IS NOT ?2 ORDER BY name"
static int port_of(tarn_store *st, const char *w, const char *except, char *who, size_t len)
{
	return listed_in(st, IN_LIST("bridges", "ports"), w, except, who, len);
}

static int slave_of(tarn_store *st, const char *w, const char *except, char *who, size_t len)
{
	return listed_in(st, IN_LIST("bonds", "slaves"), w, except, who, len);
}

const char *tarn_netdev_kind(tarn_store *st, const char *name)
{
	static const char *const kinds[] = {"bridge", "vlan", "bond"};
	static const char *const sql[] = {"SELECT 1 FROM bridges WHERE name = ?1",
					  "SELECT 1 FROM vlans WHERE name = ?1",
					  "SELECT 1 FROM bonds WHERE name = ?1"};
	for (int i = 0; i < 3; i++) {
		sqlite3_stmt *s;
		if (sqlite3_prepare_v2(st->db, sql[i], -1, &s, NULL) != SQLITE_OK)
			return NULL;
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		int found = sqlite3_step(s) == SQLITE_ROW;
		sqlite3_finalize(s);
		if (found)
			return kinds[i];
	}
	return NULL;
}

/* A name is one device's: refuses it when another kind has it. */
static const char *check_own_name(tarn_store *st, const char *name, const char *kind, tarn_err err)
{
	if (tarn_check_ifname(name, err))
		return err;
	const char *k = tarn_netdev_kind(st, name);
	if (k && strcmp(k, kind) != 0)
		return snprintf(err, TARN_ERRLEN, "%s is already a %s", name, k), err;
	return NULL;
}

/* Is it here to be built on: a stored device or one of the system's? */
static const char *check_exists(tarn_store *st, const char *name, tarn_err err)
{
	if (tarn_netdev_kind(st, name) || tarn_link_exists(name))
		return NULL;
	return snprintf(err, TARN_ERRLEN, "there is no interface %s on this host or in the store", name), err;
}

/* Copies a space-separated list into out with single spaces, checking each
 * name, refusing repeats, owner itself and more than 16 members; each
 * member then passes check (bridge or bond rules). */
static const char *check_members(tarn_store *st, const char *owner, const char *list, char *out,
				 const char *(*check)(tarn_store *, const char *, const char *, tarn_err),
				 tarn_err err)
{
	char copy[TARN_NETDEV_LIST], *save = NULL;
	int n = 0;
	out[0] = '\0';
	if (strlen(list) >= sizeof copy)
		return snprintf(err, TARN_ERRLEN, "the list of members is too long"), err;
	strcpy(copy, list);
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (++n > 16)
			return snprintf(err, TARN_ERRLEN, "%s can have at most 16 members", owner), err;
		if (tarn_check_ifname(w, err))
			return err;
		if (strcmp(w, owner) == 0)
			return snprintf(err, TARN_ERRLEN, "%s cannot be a member of itself", w), err;
		if (tarn_netdev_listed(out, w))
			return snprintf(err, TARN_ERRLEN, "%s is listed twice", w), err;
		if (check(st, owner, w, err) || check_exists(st, w, err))
			return err;
		snprintf(out + strlen(out), TARN_NETDEV_LIST - strlen(out), "%s%s", n > 1 ? " " : "", w);
	}
	return NULL;
}

static const char *check_port(tarn_store *st, const char *bridge, const char *port, tarn_err err)
{
	char who[16];
	const char *k = tarn_netdev_kind(st, port);
	if (k && strcmp(k, "bridge") == 0)
		return snprintf(err, TARN_ERRLEN, "%s is a bridge: a bridge cannot be a port of another", port), err;
	if (port_of(st, port, bridge, who, sizeof who))
		return snprintf(err, TARN_ERRLEN, "%s is already a port of bridge %s", port, who), err;
	if (slave_of(st, port, "", who, sizeof who))
		return snprintf(err, TARN_ERRLEN, "%s is a slave of bond %s: make %s the port instead", port, who,
				who), err;
	return NULL;
}

static const char *check_slave(tarn_store *st, const char *bond, const char *slave, tarn_err err)
{
	char who[16];
	const char *k = tarn_netdev_kind(st, slave);
	if (k)
		return snprintf(err, TARN_ERRLEN, "%s is a %s: a bond's slaves are network cards", slave, k), err;
	if (slave_of(st, slave, bond, who, sizeof who))
		return snprintf(err, TARN_ERRLEN, "%s is already a slave of bond %s", slave, who), err;
	if (port_of(st, slave, "", who, sizeof who))
		return snprintf(err, TARN_ERRLEN, "%s is a port of bridge %s: a bond slave cannot also be a bridge "
				"port", slave, who), err;
	return NULL;
}

/* Prepares sql and binds the texts (NULL ends), for one write. */
static int write_texts(tarn_store *st, const char *sql, const char *a, const char *b, const char *c,
		       tarn_err err)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return tarn_store_fail(st, err, "node store");
	sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(s, 2, b, -1, SQLITE_STATIC);
	if (c)
		sqlite3_bind_text(s, 3, c, -1, SQLITE_STATIC);
	return tarn_store_write(st, s, err);
}

/* An unchanged row is not rewritten, so the generation does not move. */
int tarn_netdev_set_bridge(tarn_store *st, const struct tarn_bridge *b, tarn_err err)
{
	char ports[TARN_NETDEV_LIST];
	int own;
	err[0] = '\0';
	if (tarn_store_begin_own(st, &own, err))
		return -1;
	int rc = check_own_name(st, b->name, "bridge", err) ||
		 check_members(st, b->name, b->ports, ports, check_port, err) ||
		 write_texts(st, "INSERT INTO bridges VALUES (?1, ?2) ON CONFLICT(name) "
			     "DO UPDATE SET ports = ?2 WHERE ports IS NOT ?2", b->name, ports, NULL, err) ? -1 : 0;
	return tarn_store_end_own(st, rc, own, err);
}

int tarn_netdev_set_bond(tarn_store *st, const struct tarn_bond *b, tarn_err err)
{
	char slaves[TARN_NETDEV_LIST];
	int own;
	err[0] = '\0';
	if (tarn_store_begin_own(st, &own, err))
		return -1;
	int rc = check_own_name(st, b->name, "bond", err) || tarn_check_bond_mode(b->mode, err) ||
		 check_members(st, b->name, b->slaves, slaves, check_slave, err) ? -1 : 0;
	if (!rc && !slaves[0])
		rc = (snprintf(err, TARN_ERRLEN, "bond %s needs at least one slave", b->name), -1);
	if (!rc)
		rc = write_texts(st, "INSERT INTO bonds VALUES (?1, ?2, ?3) ON CONFLICT(name) DO UPDATE SET "
				 "mode = ?2, slaves = ?3 WHERE mode IS NOT ?2 OR slaves IS NOT ?3",
				 b->name, b->mode, slaves, err);
	return tarn_store_end_own(st, rc, own, err);
}

static const char *check_vlan(tarn_store *st, struct tarn_vlan *v, tarn_err err)
{
	if (tarn_check_ifname(v->parent, err) || tarn_check_vlan_id(v->vid, err))
		return err;
	if (!v->name[0] &&
	    snprintf(v->name, sizeof v->name, "%s.%ld", v->parent, v->vid) >= (int)sizeof v->name) {
		v->name[0] = '\0';
		return snprintf(err, TARN_ERRLEN, "%s.%ld is longer than 15 characters: give the VLAN a name",
				v->parent, v->vid), err;
	}
	if (check_own_name(st, v->name, "vlan", err))
		return err;
	if (strcmp(v->name, v->parent) == 0)
		return snprintf(err, TARN_ERRLEN, "VLAN %s cannot be its own parent", v->name), err;
	char who[16];
	if (slave_of(st, v->parent, "", who, sizeof who))
		return snprintf(err, TARN_ERRLEN, "%s is a slave of bond %s: put the VLAN on %s", v->parent, who,
				who), err;
	if (check_exists(st, v->parent, err))
		return err;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "SELECT name FROM vlans WHERE parent = ?1 AND vid = ?2 AND name != ?3",
			       -1, &s, NULL) != SQLITE_OK)
		return tarn_store_fail(st, err, "node store"), err;
	sqlite3_bind_text(s, 1, v->parent, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, v->vid);
	sqlite3_bind_text(s, 3, v->name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(err, TARN_ERRLEN, "VLAN %ld on %s is already there as %s", v->vid, v->parent,
			 (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return err[0] ? err : NULL;
}

int tarn_netdev_set_vlan(tarn_store *st, struct tarn_vlan *v, tarn_err err)
{
	int own;
	err[0] = '\0';
	if (tarn_store_begin_own(st, &own, err))
		return -1;
	int rc = check_vlan(st, v, err) ? -1 : 0;
	if (!rc) {
		sqlite3_stmt *s;
		if (sqlite3_prepare_v2(st->db, "INSERT INTO vlans VALUES (?1, ?2, ?3) ON CONFLICT(name) DO UPDATE "
				       "SET parent = ?2, vid = ?3 WHERE parent IS NOT ?2 OR vid IS NOT ?3",
				       -1, &s, NULL) != SQLITE_OK)
			rc = tarn_store_fail(st, err, "node store");
		else {
			sqlite3_bind_text(s, 1, v->name, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 2, v->parent, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 3, v->vid);
			rc = tarn_store_write(st, s, err);
		}
	}
	return tarn_store_end_own(st, rc, own, err);
}

static const char *check_unused(tarn_store *st, const char *name, tarn_err err)
{
	char who[16];
	if (port_of(st, name, "", who, sizeof who))
		return snprintf(err, TARN_ERRLEN, "%s is a port of bridge %s: take it out there first", name, who), err;
	if (listed_in(st, "SELECT name FROM vlans WHERE parent = ?1 AND name IS NOT ?2", name, "", who, sizeof who))
		return snprintf(err, TARN_ERRLEN, "VLAN %s is on %s: remove it first", who, name), err;
	return NULL;
}

int tarn_netdev_delete(tarn_store *st, const char *kind, const char *name, tarn_err err)
{
	static const char *const kinds[] = {"bridge", "vlan", "bond"};
	static const char *const sql[] = {"DELETE FROM bridges WHERE name = ?1", "DELETE FROM vlans WHERE name = ?1",
					  "DELETE FROM bonds WHERE name = ?1"};
	int i, own;
	err[0] = '\0';
	for (i = 0; i < 3 && strcmp(kind, kinds[i]); i++)
		;
	if (i == 3)
		return snprintf(err, TARN_ERRLEN, "%.20s is not bridge, vlan or bond", kind), -1;
	const char *k = tarn_netdev_kind(st, name);
	if (!k || strcmp(k, kind) != 0)
		return snprintf(err, TARN_ERRLEN, "there is no %s %.20s in the store", kind, name), -1;
	if (tarn_store_begin_own(st, &own, err))
		return -1;
	int rc = check_unused(st, name, err) || write_texts(st, sql[i], name, NULL, NULL, err) ||
		 tarn_store_del_iface(st, name, err) ? -1 : 0;
	return tarn_store_end_own(st, rc, own, err);
}

static int each_name(tarn_store *st, const char *sql, char names[][16], int max)
{
	sqlite3_stmt *s;
	int n = 0;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	while (n < max && sqlite3_step(s) == SQLITE_ROW)
		tarn_store_copy_text(s, 0, names[n++], 16);
	sqlite3_finalize(s);
	return n;
}

static int get_row(tarn_store *st, const char *sql, const char *name, char *a, size_t alen, char *b, size_t blen,
		   long *num)
{
	sqlite3_stmt *s;
	int rc = -1;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		tarn_store_copy_text(s, 0, a, alen);
		if (b)
			tarn_store_copy_text(s, 1, b, blen);
		if (num)
			*num = (long)sqlite3_column_int64(s, 1);
		rc = 0;
	}
	sqlite3_finalize(s);
	return rc;
}

int tarn_netdev_get_bridge(tarn_store *st, const char *name, struct tarn_bridge *b)
{
	memset(b, 0, sizeof *b);
	snprintf(b->name, sizeof b->name, "%.15s", name);
	return get_row(st, "SELECT ports FROM bridges WHERE name = ?1", name, b->ports, sizeof b->ports, NULL, 0,
		       NULL);
}

int tarn_netdev_get_vlan(tarn_store *st, const char *name, struct tarn_vlan *v)
{
	memset(v, 0, sizeof *v);
	snprintf(v->name, sizeof v->name, "%.15s", name);
	return get_row(st, "SELECT parent, vid FROM vlans WHERE name = ?1", name, v->parent, sizeof v->parent,
		       NULL, 0, &v->vid);
}

int tarn_netdev_get_bond(tarn_store *st, const char *name, struct tarn_bond *b)
{
	memset(b, 0, sizeof *b);
	snprintf(b->name, sizeof b->name, "%.15s", name);
	return get_row(st, "SELECT mode, slaves FROM bonds WHERE name = ?1", name, b->mode, sizeof b->mode,
		       b->slaves, sizeof b->slaves, NULL);
}

/* Each row of a table through its get function; fn gets a struct of the
 * kind (names first: fn may use the store itself). */
#define EACH(kind, table)                                                                              \
	int tarn_netdev_each_##kind(tarn_store *st, int (*fn)(void *ctx, const struct tarn_##kind *d),  \
				    void *ctx)                                                            \
	{                                                                                              \
		char names[64][16];                                                                    \
		int n = each_name(st, "SELECT name FROM " table " ORDER BY name", names, 64), rc = 0;  \
		for (int i = 0; i < n && rc == 0; i++) {                                               \
			struct tarn_##kind d;                                                          \
			if (tarn_netdev_get_##kind(st, names[i], &d) == 0)                              \
				rc = fn(ctx, &d);                                                      \
		}                                                                                      \
		return n < 0 ? -1 : rc;                                                                \
	}
EACH(bridge, "bridges")
EACH(vlan, "vlans")
EACH(bond, "bonds")

int tarn_netdev_prune_status(tarn_store *st)
{
	tarn_err err;
	return tarn_store_exec(st,
		"DELETE FROM status WHERE"
		" (subject LIKE 'net.bridge.%' AND substr(subject, 12) NOT IN (SELECT name FROM bridges)) OR"
		" (subject LIKE 'net.vlan.%' AND substr(subject, 10) NOT IN (SELECT name FROM vlans)) OR"
		" (subject LIKE 'net.bond.%' AND substr(subject, 10) NOT IN (SELECT name FROM bonds)) OR"
		" (subject LIKE 'net.iface.%' AND substr(subject, 11) NOT IN (SELECT name FROM interfaces))", err);
}
