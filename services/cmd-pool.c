/* pool.*: the server pool this host belongs to, kept in the replicated pool
 * store. A standalone host is a pool of one once pool.create names it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

tarn_pool *tarn_cmd_need_pool(xmlrpc_env *env, void *agent)
{
	const struct tarn_agent *a = agent;
	if (!a->pool)
		xmlrpc_env_set_fault(env, TARN_FAULT_UNAVAILABLE,
				     "the pool node is not running on this host (see the agent's log)");
	return a->pool;
}

xmlrpc_value *tarn_cmd_pool_fault(xmlrpc_env *env, int rc, const char *err)
{
	xmlrpc_env_set_fault(env, rc == TARN_POOL_REFUSED ? TARN_FAULT_INVALID : TARN_FAULT_UNAVAILABLE, err);
	return NULL;
}

/* A comma-separated list as an array of strings. */
static xmlrpc_value *split(xmlrpc_env *env, const char *list)
{
	xmlrpc_value *a = xmlrpc_array_new(env);
	char copy[256], *save = NULL;
	snprintf(copy, sizeof copy, "%s", list);
	for (char *w = strtok_r(copy, ",", &save); w && !env->fault_occurred; w = strtok_r(NULL, ",", &save)) {
		xmlrpc_value *s = xmlrpc_string_new(env, w);
		if (s) {
			xmlrpc_array_append_item(env, a, s);
			xmlrpc_DECREF(s);
		}
	}
	return a;
}

static int add_member(void *ctx, const char *id, const char *address, const char *roles)
{
	void **c = ctx;
	xmlrpc_env *env = c[0];
	xmlrpc_value *r = split(env, roles);
	xmlrpc_value *m = env->fault_occurred ? NULL
		: xmlrpc_build_value(env, "{s:s,s:s,s:V}", "id", id, "address", address, "roles", r);
	if (m) {
		xmlrpc_array_append_item(env, c[1], m);
		xmlrpc_DECREF(m);
	}
	if (r)
		xmlrpc_DECREF(r);
	return env->fault_occurred ? -1 : 0;
}

static xmlrpc_value *info(xmlrpc_env *env, tarn_pool *pool)
{
	struct tarn_pool_info i;
	tarn_err err = "";
	int rc = tarn_pool_info(pool, &i, err);
	if (rc)
		return tarn_cmd_pool_fault(env, rc, err);
	xmlrpc_value *members = xmlrpc_array_new(env);
	void *ctx[2] = {env, members};
	if (!env->fault_occurred && (rc = tarn_pool_each_member(pool, add_member, ctx, err)) != 0 &&
	    !env->fault_occurred)
		tarn_cmd_pool_fault(env, rc, err);
	xmlrpc_value *v = env->fault_occurred ? NULL
		: xmlrpc_build_value(env, "{s:s,s:s,s:I,s:s,s:b,s:A}", "name", i.name, "uuid", i.uuid, "created",
				     (xmlrpc_int64)i.created, "leader", i.leader, "master", (xmlrpc_bool)i.is_master,
				     "members", members);
	if (members)
		xmlrpc_DECREF(members);
	return v;
}

static xmlrpc_value *pool_create(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const char *name;
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	tarn_err err = "";
	if (!pool)
		return NULL;
	xmlrpc_decompose_value(env, p, "(s)", &name);
	if (env->fault_occurred)
		return NULL;
	int rc = tarn_pool_create(pool, name, err);
	free((void *)name);
	return rc ? tarn_cmd_pool_fault(env, rc, err) : info(env, pool);
}

static xmlrpc_value *pool_info(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)p, (void)call;
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	return pool ? info(env, pool) : NULL;
}

const struct tarn_cmd tarn_cmd_pool[] = {
	{"pool.create", "S:s", "Makes this host a pool of one with the given name; refused if it is in a pool.",
	 pool_create},
	{"pool.info", "S:", "The pool: name, uuid, created, leader (the master's pool address), whether this "
			    "host is master, and the members with their addresses and roles.", pool_info},
	{NULL, NULL, NULL, NULL},
};
