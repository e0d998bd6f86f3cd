/* Bridges, VLANs and bonds made to match the node store, with iproute2:
 * the tool the rest of the reconciler and Xen's own hotplug scripts use,
 * already in the image; libnl would save a few forks, but only on passes
 * that change something, and add a library to carry.
 *
 * Devices Tarn makes carry the alias "tarn" (netsys.h). Only those are
 * ever deleted, so a NIC or a device someone else made never is; a stored
 * device that already exists (xenbr0, made at boot) is adopted. What
 * already matches is not touched: a pass that changes nothing runs no
 * command that changes anything. */
#include <stdio.h>
#include <string.h>

#include "netdev.h"
#include "netsys.h"
#include "net-pass.h"

static int managed_kind(const char *kind)
{
	return !strcmp(kind, "bridge") || !strcmp(kind, "vlan") || !strcmp(kind, "bond");
}

static void record_device(struct tarn_net_pass *p, const char *kind, const char *name, const char *error)
{
	char subject[64];
	snprintf(subject, sizeof subject, "net.%s.%s", kind, name);
	tarn_net_record(p, subject, error);
}

/* Is the system's device what the store wants under its name? */
static int as_stored(tarn_store *st, const struct tarn_link *l)
{
	const char *kind = tarn_netdev_kind(st, l->name);
	struct tarn_vlan v;
	struct tarn_bond b;
	if (!kind || strcmp(kind, l->kind) != 0)
		return 0;
	if (!strcmp(kind, "vlan") && tarn_netdev_get_vlan(st, l->name, &v) == 0)
		return !strcmp(v.parent, l->parent) && (!l->vid || l->vid == v.vid);
	if (!strcmp(kind, "bond") && tarn_netdev_get_bond(st, l->name, &b) == 0)
		return !strcmp(b.mode, l->bond_mode);
	return 1;
}

/* A device Tarn made that the store no longer has, or has in another
 * shape (a VLAN's id, a bond's mode: made again below), goes. */
static int remove_stale(void *ctx, const struct tarn_link *l)
{
	struct tarn_net_pass *p = ctx;
	tarn_err err = "";
	if (strcmp(l->alias, TARN_LINK_ALIAS) != 0 || !managed_kind(l->kind) || as_stored(p->st, l))
		return 0;
	tarn_net_dhcp_stop(p, l->name);
	const char *del[] = {"ip", "link", "del", "dev", l->name, NULL};
	if (tarn_net_run(del, err))
		record_device(p, l->kind, l->name, err);
	return 0;
}

static const char *up(const struct tarn_link *l, tarn_err err)
{
	const char *cmd[] = {"ip", "link", "set", "dev", l->name, "up", NULL};
	return l->admin_up ? NULL : tarn_net_run(cmd, err);
}

/* Creates the device with add unless it is there; marks it Tarn's; up. */
static const char *make(const char *name, const char *kind, const char *const add[], tarn_err err)
{
	struct tarn_link l;
	if (tarn_link_get(name, &l) != 0 && (tarn_net_run(add, err) || tarn_link_get(name, &l) != 0))
		return err[0] ? err : (snprintf(err, TARN_ERRLEN, "%s was not created", name), err);
	if (strcmp(l.kind, kind) != 0)
		return snprintf(err, TARN_ERRLEN, "%s is on this host as a %s, not a %s", name, l.kind, kind), err;
	const char *alias[] = {"ip", "link", "set", "dev", name, "alias", TARN_LINK_ALIAS, NULL};
	if (strcmp(l.alias, TARN_LINK_ALIAS) != 0 && tarn_net_run(alias, err))
		return err;
	return up(&l, err);
}

/* Makes each of members a member of master, and up. Bond slaves are taken
 * down first: the bonding driver enslaves only devices that are down. */
static const char *enslave(const char *master, const char *members, int down_first, tarn_err err)
{
	char copy[TARN_NETDEV_LIST], *save = NULL;
	snprintf(copy, sizeof copy, "%s", members);
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		struct tarn_link l;
		if (tarn_link_get(w, &l) != 0)
			return snprintf(err, TARN_ERRLEN, "there is no interface %s on this host", w), err;
		if (strcmp(l.master, master) != 0) {
			const char *down[] = {"ip", "link", "set", "dev", w, "down", NULL};
			const char *set[] = {"ip", "link", "set", "dev", w, "master", master, NULL};
			if ((down_first && l.admin_up && tarn_net_run(down, err)) || tarn_net_run(set, err))
				return err;
			l.admin_up = down_first ? 0 : l.admin_up;
		}
		if (up(&l, err))
			return err;
	}
	return NULL;
}

struct release {
	const char *master, *members;
	char *err;
	const char *error;
};

/* Lets go of what master holds but the store no longer lists; never of
 * Xen's guest back-ends (vifD.N, tapD.N), which Xen's hotplug scripts put
 * into a bridge. */
static int release_one(void *ctx, const struct tarn_link *l)
{
	struct release *r = ctx;
	if (strcmp(l->master, r->master) != 0 || tarn_netdev_listed(r->members, l->name) ||
	    !strncmp(l->name, "vif", 3) || !strncmp(l->name, "tap", 3))
		return 0;
	const char *cmd[] = {"ip", "link", "set", "dev", l->name, "nomaster", NULL};
	r->error = tarn_net_run(cmd, r->err);
	return r->error != NULL;
}

static const char *members(const char *master, const char *list, int down_first, tarn_err err)
{
	struct release r = {.master = master, .members = list, .err = err};
	if (enslave(master, list, down_first, err))
		return err;
	tarn_link_each(release_one, &r);
	return r.error;
}

static int apply_bond(void *ctx, const struct tarn_bond *b)
{
	tarn_err err = "";
	/* miimon: without a link monitor a bond never notices a slave's
	 * carrier going, and active-backup never fails over */
	const char *add[] = {"ip", "link", "add", "name", b->name, "type", "bond", "mode", b->mode,
			     "miimon", "100", NULL};
	const char *error = make(b->name, "bond", add, err);
	record_device(ctx, "bond", b->name, error ? error : members(b->name, b->slaves, 1, err));
	return 0;
}

static int apply_vlan(void *ctx, const struct tarn_vlan *v)
{
	tarn_err err = "";
	char vid[16];
	struct tarn_link parent;
	const char *error = NULL;
	snprintf(vid, sizeof vid, "%ld", v->vid);
	const char *add[] = {"ip", "link", "add", "link", v->parent, "name", v->name, "type", "vlan", "id", vid,
			     NULL};
	if (tarn_link_get(v->parent, &parent) != 0)
		error = (snprintf(err, TARN_ERRLEN, "its parent %s is not on this host", v->parent), err);
	else if (!(error = up(&parent, err)))
		error = make(v->name, "vlan", add, err);
	record_device(ctx, "vlan", v->name, error);
	return 0;
}

static int apply_bridge(void *ctx, const struct tarn_bridge *b)
{
	tarn_err err = "";
	const char *add[] = {"ip", "link", "add", "name", b->name, "type", "bridge", NULL};
	const char *error = make(b->name, "bridge", add, err);
	record_device(ctx, "bridge", b->name, error ? error : members(b->name, b->ports, 0, err));
	return 0;
}

/* Bonds before the VLANs that may sit on them, both before the bridges
 * that take them as ports. */
void tarn_net_devices(struct tarn_net_pass *p)
{
	tarn_link_each(remove_stale, p);
	tarn_netdev_each_bond(p->st, apply_bond, p);
	tarn_netdev_each_vlan(p->st, apply_vlan, p);
	tarn_netdev_each_bridge(p->st, apply_bridge, p);
}
