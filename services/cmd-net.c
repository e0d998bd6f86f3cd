/* net.*: host network settings in the node store. The network reconciler
 * applies them to the host; these methods only validate and record. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static xmlrpc_value *refuse(xmlrpc_env *env, const char *msg)
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
	return rc ? refuse(env, err) : xmlrpc_bool_new(env, 1);
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
		return refuse(env, "no settings stored for that interface");
	return xmlrpc_build_value(env, "{s:s,s:s,s:s,s:s,s:s,s:i}", "name", f.name, "mode", f.mode,
				  "ipv4", f.ipv4, "gateway4", f.gateway4, "ipv6", f.ipv6, "mtu", (int)f.mtu);
}

/* Copies an optional string member of a struct into a fixed field. */
static int member(xmlrpc_env *env, xmlrpc_value *s, const char *key, char *out, size_t len)
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

static xmlrpc_value *set_interface(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const struct tarn_agent *a = agent;
	struct tarn_iface f = {.mode = "dhcp"};
	xmlrpc_value *s;
	xmlrpc_decompose_value(env, p, "(S)", &s);
	if (env->fault_occurred)
		return NULL;
	xmlrpc_value *mtu = NULL;
	if (member(env, s, "name", f.name, sizeof f.name) == 0 &&
	    member(env, s, "mode", f.mode, sizeof f.mode) == 0 &&
	    member(env, s, "ipv4", f.ipv4, sizeof f.ipv4) == 0 &&
	    member(env, s, "gateway4", f.gateway4, sizeof f.gateway4) == 0 &&
	    member(env, s, "ipv6", f.ipv6, sizeof f.ipv6) == 0) {
		xmlrpc_struct_find_value(env, s, "mtu", &mtu);
		if (mtu && !env->fault_occurred) {
			int m;
			xmlrpc_read_int(env, mtu, &m);
			f.mtu = m;
		}
	}
	if (mtu)
		xmlrpc_DECREF(mtu);
	xmlrpc_DECREF(s);
	if (env->fault_occurred)
		return NULL;
	tarn_err err = "";
	if (tarn_store_set_iface(a->store, &f, err))
		return refuse(env, err);
	return xmlrpc_bool_new(env, 1);
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

const struct tarn_cmd tarn_cmd_net[] = {
	{"net.status", "A:", "What the network reconciler made of each setting: applied, or why not.", status},
	{"net.getHostname", "s:", "This host's name.", get_hostname},
	{"net.setHostname", "b:s", "Sets the host name (RFC 1123).", set_hostname},
	{"net.getDns", "s:", "DNS servers, space-separated.", get_dns},
	{"net.setDns", "b:s", "Sets up to three DNS servers (space-separated addresses).", set_dns},
	{"net.getInterface", "S:s", "How an interface gets its addresses.", get_interface},
	{"net.setInterface", "b:S", "Sets an interface's mode (dhcp, static, none), ipv4 "
				    "address/prefix, gateway4, ipv6 and mtu.", set_interface},
	{NULL, NULL, NULL, NULL},
};
