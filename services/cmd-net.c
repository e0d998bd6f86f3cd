/* net.*: host network settings in the node store. The network reconciler
 * applies them to the host; these methods only validate and record. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd-net.h"
#include "nettrial.h"

xmlrpc_value *tarn_net_refuse(xmlrpc_env *env, const char *msg)
{
	xmlrpc_env_set_fault(env, TARN_FAULT_INVALID, msg);
	return NULL;
}

static xmlrpc_value *get_setting(xmlrpc_env *env, void *agent, const char *key)
{
	const struct tarn_agent *a = agent;
	char v[512] = "";
	tarn_store_get(a->store, key, v, sizeof v);
	return xmlrpc_string_new(env, v);
}

static xmlrpc_value *set_setting(xmlrpc_env *env, xmlrpc_value *params, void *agent, const char *key)
{
	const struct tarn_agent *a = agent;
	const char *value;
	tarn_err err = "";
	xmlrpc_decompose_value(env, params, "(s)", &value);
	if (env->fault_occurred)
		return NULL;
	int rc = tarn_store_set(a->store, key, value, err);
	free((void *)value);
	return rc ? tarn_net_refuse(env, err) : xmlrpc_bool_new(env, 1);
}

static xmlrpc_value *get_hostname(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)p, (void)call;
	return get_setting(env, agent, "hostname");
}

static xmlrpc_value *set_hostname(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	return set_setting(env, p, agent, "hostname");
}

static xmlrpc_value *get_dns(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)p, (void)call;
	return get_setting(env, agent, "dns");
}

static xmlrpc_value *set_dns(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	return set_setting(env, p, agent, "dns");
}

static xmlrpc_value *get_interface(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const struct tarn_agent *a = agent;
	const char *name;
	struct tarn_iface f = {0};
	xmlrpc_decompose_value(env, p, "(s)", &name);
	if (env->fault_occurred)
		return NULL;
	int found = tarn_store_get_iface(a->store, name, &f) == 0;
	free((void *)name);
	if (!found)
		return tarn_net_refuse(env, "no settings stored for that interface");
	return xmlrpc_build_value(env, "{s:s,s:s,s:s,s:s,s:s,s:i}", "name", f.name, "mode", f.mode,
				  "ipv4", f.ipv4, "gateway4", f.gateway4, "ipv6", f.ipv6, "mtu", (int)f.mtu);
}

int tarn_net_member(xmlrpc_env *env, xmlrpc_value *s, const char *key, char *out, size_t len)
{
	xmlrpc_value *v = NULL;
	xmlrpc_struct_find_value(env, s, key, &v);
	if (env->fault_occurred || !v)
		return env->fault_occurred ? -1 : 0;
	const char *text;
	xmlrpc_read_string(env, v, &text);
	xmlrpc_DECREF(v);
	if (env->fault_occurred)
		return -1;
	int fits = strlen(text) < len;
	if (fits)
		strcpy(out, text);
	free((void *)text);
	return fits ? 0 : (xmlrpc_env_set_fault(env, TARN_FAULT_INVALID, "a field is too long"), -1);
}

int tarn_net_member_long(xmlrpc_env *env, xmlrpc_value *s, const char *key, long *out)
{
	xmlrpc_value *v = NULL;
	xmlrpc_struct_find_value(env, s, key, &v);
	if (env->fault_occurred || !v)
		return env->fault_occurred ? -1 : 0;
	int n;
	xmlrpc_read_int(env, v, &n);
	xmlrpc_DECREF(v);
	*out = n;
	return env->fault_occurred ? -1 : 0;
}

xmlrpc_value *tarn_net_change(xmlrpc_env *env, tarn_store *st, const char *names, long confirm,
			      int (*write)(tarn_store *st, void *arg, tarn_err err), void *arg)
{
	tarn_err err = "";
	int64_t deadline;
	long seconds = 0;
	int trial = tarn_store_begin(st, err) ? -2 : tarn_net_trial_guard(st, names, confirm, err);
	if (trial >= 0 && (write(st, arg, err) || tarn_store_commit(st, err)))
		trial = -1;
	if (trial == -1)
		tarn_store_rollback(st);
	if (trial > 0)
		tarn_net_trial_pending(st, &deadline, &seconds);
	if (trial < 0) {
		xmlrpc_env_set_fault(env, trial == -2 ? TARN_FAULT_INTERNAL : TARN_FAULT_INVALID, err);
		return NULL;
	}
	return xmlrpc_build_value(env, "{s:i}", "trial", (int)seconds);
}

static int write_iface(tarn_store *st, void *arg, tarn_err err) { return tarn_store_set_iface(st, arg, err); }
static int delete_iface(tarn_store *st, void *arg, tarn_err err) { return tarn_store_del_iface(st, arg, err); }

static xmlrpc_value *set_interface(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const struct tarn_agent *a = agent;
	struct tarn_iface f = {.mode = "dhcp"};
	long mtu = 0, confirm = 0;
	xmlrpc_value *s;
	xmlrpc_decompose_value(env, p, "(S)", &s);
	if (env->fault_occurred)
		return NULL;
	(void)(tarn_net_member(env, s, "name", f.name, sizeof f.name) ||
		tarn_net_member(env, s, "mode", f.mode, sizeof f.mode) ||
		tarn_net_member(env, s, "ipv4", f.ipv4, sizeof f.ipv4) ||
		tarn_net_member(env, s, "gateway4", f.gateway4, sizeof f.gateway4) ||
		tarn_net_member(env, s, "ipv6", f.ipv6, sizeof f.ipv6) ||
		tarn_net_member_long(env, s, "mtu", &mtu) || tarn_net_member_long(env, s, "confirm", &confirm));
	xmlrpc_DECREF(s);
	if (env->fault_occurred)
		return NULL;
	f.mtu = mtu;
	return tarn_net_change(env, a->store, f.name, confirm, write_iface, &f);
}

static xmlrpc_value *delete_interface(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const struct tarn_agent *a = agent;
	const char *name;
	xmlrpc_decompose_value(env, p, "(s)", &name);
	if (env->fault_occurred)
		return NULL;
	xmlrpc_value *r = tarn_net_change(env, a->store, name, 0, delete_iface, (void *)name);
	free((void *)name);
	return r;
}

static xmlrpc_value *get_ntp(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)p, (void)call;
	return get_setting(env, agent, "ntp");
}

static xmlrpc_value *set_ntp(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	return set_setting(env, p, agent, "ntp");
}

static xmlrpc_value *get_management(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)p, (void)call;
	return get_setting(env, agent, "mgmt_interface");
}

static xmlrpc_value *set_management(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	return set_setting(env, p, agent, "mgmt_interface");
}

static xmlrpc_value *confirm(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)p, (void)call;
	const struct tarn_agent *a = agent;
	tarn_err err = "";
	int rc = tarn_net_confirm(a->store, err);
	return rc ? tarn_net_refuse(env, err) : xmlrpc_bool_new(env, 1);
}

static xmlrpc_value *get_trial(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)p, (void)call;
	const struct tarn_agent *a = agent;
	int64_t deadline = 0;
	long seconds = 0;
	int pending = tarn_net_trial_pending(a->store, &deadline, &seconds);
	long left = pending ? (long)(deadline - time(NULL)) : 0;
	return xmlrpc_build_value(env, "{s:b,s:I,s:i,s:i}", "pending", (xmlrpc_bool)pending, "deadline",
				  (xmlrpc_int64)deadline, "seconds", (int)seconds, "remaining", (int)(left > 0 ? left : 0));
}

static int add_status(void *ctx, const char *subject, int ok, const char *message, int64_t generation)
{
	void **c = ctx;
	xmlrpc_env *env = c[0];
	xmlrpc_value *item = xmlrpc_build_value(env, "{s:s,s:b,s:s,s:I}", "subject", subject, "ok",
						(xmlrpc_bool)ok, "message", message, "generation",
						(xmlrpc_int64)generation);
	if (env->fault_occurred)
		return -1;
	xmlrpc_array_append_item(env, c[1], item);
	xmlrpc_DECREF(item);
	return env->fault_occurred ? -1 : 0;
}

static xmlrpc_value *status(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)p, (void)call;
	const struct tarn_agent *a = agent;
	xmlrpc_value *list = xmlrpc_array_new(env);
	void *ctx[2] = {env, list};
	if (!env->fault_occurred && tarn_store_each_status(a->store, add_status, ctx) != 0 && !env->fault_occurred)
		xmlrpc_env_set_fault(env, TARN_FAULT_INTERNAL, "cannot read the status");
	if (env->fault_occurred) {
		if (list)
			xmlrpc_DECREF(list);
		return NULL;
	}
	return list;
}

/* Changes of devices and addressing answer {trial: seconds}: 0, or the
 * time left to call net.confirm before the change is rolled back (a
 * change touching the management interface, or given "confirm"). */
const struct tarn_cmd tarn_cmd_net[] = {
	{"net.status", "A:", "What the network reconciler made of each setting: applied, or why not.", status},
	{"net.interfaces", "A:", "Every interface on the host (kind, state, carrier, MAC, MTU, master, "
				 "addresses) beside its stored settings.", tarn_net_interfaces},
	{"net.getHostname", "s:", "This host's name.", get_hostname},
	{"net.setHostname", "b:s", "Sets the host name (RFC 1123).", set_hostname},
	{"net.getDns", "s:", "DNS servers, space-separated.", get_dns},
	{"net.setDns", "b:s", "Sets up to three DNS servers (space-separated addresses).", set_dns},
	{"net.getNtp", "s:", "NTP servers, space-separated.", get_ntp},
	{"net.setNtp", "b:s", "Sets up to eight NTP servers (space-separated names or addresses).", set_ntp},
	{"net.getManagementInterface", "s:", "The interface the host is managed through.", get_management},
	{"net.setManagementInterface", "b:s", "Names the management interface: changes to it, or to what it "
					      "is built on, then need net.confirm.", set_management},
	{"net.getInterface", "S:s", "How an interface gets its addresses.", get_interface},
	{"net.setInterface", "S:S", "Sets an interface's mode (dhcp, static, none), ipv4 address/prefix, "
				    "gateway4, ipv6, mtu; confirm: seconds to confirm in.", set_interface},
	{"net.deleteInterface", "S:s", "Forgets an interface's addressing.", delete_interface},
	{"net.listBridges", "A:", "Stored bridges and their ports.", tarn_net_list_bridges},
	{"net.setBridge", "S:S", "Creates or changes a bridge: name, ports (space-separated), confirm.",
	 tarn_net_set_bridge},
	{"net.deleteBridge", "S:s", "Removes a bridge and its addressing.", tarn_net_delete_bridge},
	{"net.listVlans", "A:", "Stored VLANs: name, parent, vid.", tarn_net_list_vlans},
	{"net.setVlan", "S:S", "Creates or changes a VLAN: parent, vid (1-4094), name (default "
			       "PARENT.VID), confirm. Answers its name too.", tarn_net_set_vlan},
	{"net.deleteVlan", "S:s", "Removes a VLAN and its addressing.", tarn_net_delete_vlan},
	{"net.listBonds", "A:", "Stored bonds: name, mode, slaves.", tarn_net_list_bonds},
	{"net.setBond", "S:S", "Creates or changes a bond: name, mode, slaves (space-separated NICs), confirm.",
	 tarn_net_set_bond},
	{"net.deleteBond", "S:s", "Removes a bond and its addressing.", tarn_net_delete_bond},
	{"net.getTrial", "S:", "A network change waiting for confirmation: pending, deadline, seconds, "
			       "remaining.", get_trial},
	{"net.confirm", "b:", "Keeps the network change on trial.", confirm},
	{NULL, NULL, NULL, NULL},
};
