/* net.*Bridge(s), net.*Vlan(s), net.*Bond(s): network devices in the node
 * store (lib/netdev.h validates them). Listing answers arrays of structs;
 * changes answer {trial: seconds} (see tarn_net_change). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-net.h"
#include "netdev.h"

/* A listing: fn is a tarn_netdev_each_* walk that appends through add. */
struct listing {
	xmlrpc_env *env;
	xmlrpc_value *list;
};

static int append(struct listing *l, xmlrpc_value *item)
{
	if (l->env->fault_occurred)
		return -1;
	xmlrpc_array_append_item(l->env, l->list, item);
	xmlrpc_DECREF(item);
	return l->env->fault_occurred ? -1 : 0;
}

static int add_bridge(void *ctx, const struct tarn_bridge *b)
{
	struct listing *l = ctx;
	return append(l, xmlrpc_build_value(l->env, "{s:s,s:s}", "name", b->name, "ports", b->ports));
}

static int add_vlan(void *ctx, const struct tarn_vlan *v)
{
	struct listing *l = ctx;
	return append(l, xmlrpc_build_value(l->env, "{s:s,s:s,s:i}", "name", v->name, "parent", v->parent,
					    "vid", (int)v->vid));
}

static int add_bond(void *ctx, const struct tarn_bond *b)
{
	struct listing *l = ctx;
	return append(l, xmlrpc_build_value(l->env, "{s:s,s:s,s:s}", "name", b->name, "mode", b->mode,
					    "slaves", b->slaves));
}

static xmlrpc_value *list(xmlrpc_env *env, int rc, struct listing *l)
{
	if (rc != 0 && !env->fault_occurred)
		xmlrpc_env_set_fault(env, TARN_FAULT_INTERNAL, "cannot read the node store");
	if (env->fault_occurred) {
		if (l->list)
			xmlrpc_DECREF(l->list);
		return NULL;
	}
	return l->list;
}

TARN_NET_METHOD(tarn_net_list_bridges)
{
	(void)p, (void)call;
	struct listing l = {env, xmlrpc_array_new(env)};
	return list(env, env->fault_occurred ? -1 : tarn_netdev_each_bridge(((struct tarn_agent *)agent)->store,
									add_bridge, &l), &l);
}

TARN_NET_METHOD(tarn_net_list_vlans)
{
	(void)p, (void)call;
	struct listing l = {env, xmlrpc_array_new(env)};
	return list(env, env->fault_occurred ? -1 : tarn_netdev_each_vlan(((struct tarn_agent *)agent)->store,
									add_vlan, &l), &l);
}

TARN_NET_METHOD(tarn_net_list_bonds)
{
	(void)p, (void)call;
	struct listing l = {env, xmlrpc_array_new(env)};
	return list(env, env->fault_occurred ? -1 : tarn_netdev_each_bond(((struct tarn_agent *)agent)->store,
									add_bond, &l), &l);
}

/* A device's fields as the set methods take them: strings, or a long. */
struct field {
	const char *key;
	size_t offset, len; /* len 0: a long */
};
#define TEXT(type, member) {#member, offsetof(type, member), sizeof(((type *)0)->member)}
#define NUMBER(type, member) {#member, offsetof(type, member), 0}

/* Reads the struct parameter of a set method into dev, and its confirm. */
static int read_fields(xmlrpc_env *env, xmlrpc_value *p, const struct field *f, int n, void *dev, long *confirm)
{
	xmlrpc_value *s;
	xmlrpc_decompose_value(env, p, "(S)", &s);
	if (env->fault_occurred)
		return -1;
	tarn_net_member_long(env, s, "confirm", confirm);
	for (int i = 0; i < n && !env->fault_occurred; i++) {
		char *at = (char *)dev + f[i].offset;
		if (f[i].len)
			tarn_net_member(env, s, f[i].key, at, f[i].len);
		else
			tarn_net_member_long(env, s, f[i].key, (long *)(void *)at);
	}
	xmlrpc_DECREF(s);
	return env->fault_occurred ? -1 : 0;
}

static int write_bridge(tarn_store *st, void *arg, tarn_err err) { return tarn_netdev_set_bridge(st, arg, err); }
static int write_vlan(tarn_store *st, void *arg, tarn_err err) { return tarn_netdev_set_vlan(st, arg, err); }
static int write_bond(tarn_store *st, void *arg, tarn_err err) { return tarn_netdev_set_bond(st, arg, err); }

/* A change of a device with members touches itself, the members it has
 * and those it will have. */
static xmlrpc_value *change_members(xmlrpc_env *env, tarn_store *st, const char *name, const char *before,
				    const char *after, long confirm,
				    int (*write)(tarn_store *, void *, tarn_err), void *dev)
{
	char names[2 * TARN_NETDEV_LIST + 20];
	snprintf(names, sizeof names, "%s %s %s", name, before, after);
	return tarn_net_change(env, st, names, confirm, write, dev);
}

TARN_NET_METHOD(tarn_net_set_bridge)
{
	(void)call;
	static const struct field f[] = {TEXT(struct tarn_bridge, name), TEXT(struct tarn_bridge, ports)};
	tarn_store *st = ((struct tarn_agent *)agent)->store;
	struct tarn_bridge b = {0}, old;
	long confirm = 0;
	if (read_fields(env, p, f, 2, &b, &confirm))
		return NULL;
	return change_members(env, st, b.name, tarn_netdev_get_bridge(st, b.name, &old) == 0 ? old.ports : "",
			      b.ports, confirm, write_bridge, &b);
}

TARN_NET_METHOD(tarn_net_set_bond)
{
	(void)call;
	static const struct field f[] = {TEXT(struct tarn_bond, name), TEXT(struct tarn_bond, mode),
					 TEXT(struct tarn_bond, slaves)};
	tarn_store *st = ((struct tarn_agent *)agent)->store;
	struct tarn_bond b = {0}, old;
	long confirm = 0;
	if (read_fields(env, p, f, 3, &b, &confirm))
		return NULL;
	return change_members(env, st, b.name, tarn_netdev_get_bond(st, b.name, &old) == 0 ? old.slaves : "",
			      b.slaves, confirm, write_bond, &b);
}

TARN_NET_METHOD(tarn_net_set_vlan)
{
	(void)call;
	static const struct field f[] = {TEXT(struct tarn_vlan, name), TEXT(struct tarn_vlan, parent),
					 NUMBER(struct tarn_vlan, vid)};
	struct tarn_vlan v = {0};
	long confirm = 0;
	if (read_fields(env, p, f, 3, &v, &confirm))
		return NULL;
	/* named now, so the trial guard sees the name it will have */
	if (!v.name[0] && snprintf(v.name, sizeof v.name, "%s.%ld", v.parent, v.vid) >= (int)sizeof v.name)
		v.name[0] = '\0';
	xmlrpc_value *r = tarn_net_change(env, ((struct tarn_agent *)agent)->store, v.name, confirm, write_vlan, &v);
	if (r) {
		xmlrpc_value *name = xmlrpc_string_new(env, v.name);
		xmlrpc_struct_set_value(env, r, "name", name);
		xmlrpc_DECREF(name);
	}
	return r;
}

struct removal {
	const char *kind, *name;
};

static int write_removal(tarn_store *st, void *arg, tarn_err err)
{
	const struct removal *r = arg;
	return tarn_netdev_delete(st, r->kind, r->name, err);
}

static xmlrpc_value *removal(xmlrpc_env *env, xmlrpc_value *p, void *agent, const char *kind)
{
	const char *name;
	xmlrpc_decompose_value(env, p, "(s)", &name);
	if (env->fault_occurred)
		return NULL;
	struct removal r = {kind, name};
	xmlrpc_value *v = tarn_net_change(env, ((struct tarn_agent *)agent)->store, name, 0, write_removal, &r);
	free((void *)name);
	return v;
}

TARN_NET_METHOD(tarn_net_delete_bridge)
{
	(void)call;
	return removal(env, p, agent, "bridge");
}

TARN_NET_METHOD(tarn_net_delete_vlan)
{
	(void)call;
	return removal(env, p, agent, "vlan");
}

TARN_NET_METHOD(tarn_net_delete_bond)
{
	(void)call;
	return removal(env, p, agent, "bond");
}
