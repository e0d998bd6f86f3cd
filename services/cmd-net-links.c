/* net.interfaces: every interface on the host as the kernel shows it
 * (read from sysfs, which needs no privilege), beside what the node store
 * says about it; stored ones the host does not have are listed as
 * "absent". */
#include <stdio.h>
#include <string.h>

#include "cmd-net.h"
#include "netdev.h"
#include "netsys.h"

struct links {
	xmlrpc_env *env;
	tarn_store *st;
	xmlrpc_value *list;
};

static int add(struct links *c, const struct tarn_link *l)
{
	struct tarn_iface f = {0};
	const char *device = tarn_netdev_kind(c->st, l->name);
	int stored = tarn_store_get_iface(c->st, l->name, &f) == 0;
	xmlrpc_value *item = xmlrpc_build_value(
		c->env, "{s:s,s:s,s:s,s:i,s:s,s:i,s:s,s:b,s:s,s:s,s:s,s:s,s:s,s:s}", "name", l->name, "kind",
		l->kind, "state", l->state, "carrier", l->carrier, "mac", l->mac, "mtu", (int)l->mtu, "master",
		l->master, "managed", (xmlrpc_bool)(strcmp(l->alias, TARN_LINK_ALIAS) == 0), "addresses",
		l->addresses, "device", device ? device : "", "mode", stored ? f.mode : "", "ipv4", f.ipv4,
		"gateway4", f.gateway4, "ipv6", f.ipv6);
	if (c->env->fault_occurred)
		return -1;
	xmlrpc_array_append_item(c->env, c->list, item);
	xmlrpc_DECREF(item);
	return c->env->fault_occurred ? -1 : 0;
}

static int add_link(void *ctx, const struct tarn_link *l) { return add(ctx, l); }

/* A stored name the host does not have. */
static int add_absent(struct links *c, const char *name, const char *kind)
{
	struct tarn_link l = {.carrier = -1};
	if (tarn_link_exists(name))
		return 0;
	snprintf(l.name, sizeof l.name, "%s", name);
	snprintf(l.kind, sizeof l.kind, "%s", kind);
	snprintf(l.state, sizeof l.state, "absent");
	return add(c, &l);
}

static int absent_iface(void *ctx, const struct tarn_iface *f)
{
	struct links *c = ctx;
	return tarn_netdev_kind(c->st, f->name) ? 0 : add_absent(ctx, f->name, "");
}
static int absent_bridge(void *ctx, const struct tarn_bridge *b) { return add_absent(ctx, b->name, "bridge"); }
static int absent_vlan(void *ctx, const struct tarn_vlan *v) { return add_absent(ctx, v->name, "vlan"); }
static int absent_bond(void *ctx, const struct tarn_bond *b) { return add_absent(ctx, b->name, "bond"); }

TARN_NET_METHOD(tarn_net_interfaces)
{
	(void)p, (void)call;
	struct links c = {env, ((struct tarn_agent *)agent)->store, xmlrpc_array_new(env)};
	if (!env->fault_occurred &&
	    (tarn_link_each(add_link, &c) || tarn_store_each_iface(c.st, absent_iface, &c) ||
	     tarn_netdev_each_bridge(c.st, absent_bridge, &c) || tarn_netdev_each_vlan(c.st, absent_vlan, &c) ||
	     tarn_netdev_each_bond(c.st, absent_bond, &c)) &&
	    !env->fault_occurred)
		xmlrpc_env_set_fault(env, TARN_FAULT_INTERNAL, "cannot read the interfaces");
	if (env->fault_occurred) {
		if (c.list)
			xmlrpc_DECREF(c.list);
		return NULL;
	}
	return c.list;
}
