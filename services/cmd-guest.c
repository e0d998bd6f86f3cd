/* guest.*: guest definitions in the pool store, described in xl.cfg terms.
 * The API process records desired state only (it has no libxl context and
 * no root), and where the guest runs (its host, a member: pool-store.h):
 * the engine of the guest's host makes the hypervisor match and
 * reports back what it saw, "actual" ("unknown" until it does), with the
 * last error and each vCPU's affinity. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pool-cluster.h"
#include "xlcfg.h"

/* The pool's members, id to pool address, for showing where guests are. */
struct member_addresses {
	char id[TARN_POOL_MAX_MEMBERS][32];
	char address[TARN_POOL_MAX_MEMBERS][256];
	int n;
};

static int add_address(void *ctx, const struct tarn_member *m)
{
	struct member_addresses *a = ctx;
	if (a->n < TARN_POOL_MAX_MEMBERS) {
		snprintf(a->id[a->n], sizeof a->id[0], "%s", m->id);
		snprintf(a->address[a->n], sizeof a->address[0], "%s", m->address);
		a->n++;
	}
	return 0;
}

/* The pool address of member id; "" for none (unplaced, or a member gone). */
static const char *address_of(const struct member_addresses *a, const char *id)
{
	for (int i = 0; a && id[0] && i < a->n; i++)
		if (strcmp(a->id[i], id) == 0)
			return a->address[i];
	return "";
}

/* A guest as the API shows it; with its config when full. */
static xmlrpc_value *guest_value(xmlrpc_env *env, const struct tarn_guest *g, const struct member_addresses *a,
				 int full)
{
	struct tarn_xlcfg c;
	tarn_err ignore;
	if (tarn_xlcfg_parse(g->xlcfg, &c, ignore)) /* stored only after a parse: never, in practice */
		memset(&c, 0, sizeof c);
	xmlrpc_value *v = xmlrpc_build_value(
		env, "{s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:i,s:i,s:s,s:i,s:s,s:s,s:i,s:s,s:s,s:i,s:i}", "name", g->name, "uuid",
		g->uuid, "desired", g->desired, "actual", g->actual, "host", g->host, "ha", (xmlrpc_bool)g->ha, "type",
		c.type, "memory", (int)c.memory, "vcpus", (int)c.vcpus, "error", g->error, "error_gen", (int)g->error_gen,
		"request", g->request, "drift", g->drift, "stop_timeout", g->stop_timeout, "pins", g->pins, "affinity",
		g->affinity, "domid", g->domid, "gen", (int)g->gen);
	xmlrpc_value *where = v ? xmlrpc_string_new(env, address_of(a, g->host)) : NULL;
	if (where) {
		xmlrpc_struct_set_value(env, v, "host_address", where);
		xmlrpc_DECREF(where);
	}
	if (v && full) {
		xmlrpc_value *cfg = xmlrpc_string_new(env, g->xlcfg);
		if (cfg) {
			xmlrpc_struct_set_value(env, v, "xlcfg", cfg);
			xmlrpc_DECREF(cfg);
		}
	}
	return v;
}

struct collect {
	xmlrpc_env *env;
	xmlrpc_value *out; /* an array for a list, the value for one */
	int full;
	struct member_addresses *members;
};

static int collect(void *ctx, const struct tarn_guest *g)
{
	struct collect *c = ctx;
	xmlrpc_value *v = guest_value(c->env, g, c->members, c->full);
	if (v && c->full) {
		c->out = v;
	} else if (v) {
		xmlrpc_array_append_item(c->env, c->out, v);
		xmlrpc_DECREF(v);
	}
	return c->env->fault_occurred ? -1 : 0;
}

/* One guest by name, or (name NULL) an array of them all. */
static xmlrpc_value *get(xmlrpc_env *env, tarn_pool *pool, const char *name)
{
	struct member_addresses *members = calloc(1, sizeof *members);
	struct collect c = {env, name ? NULL : xmlrpc_array_new(env), name != NULL, members};
	tarn_err err = "";
	if (!members)
		xmlrpc_env_set_fault(env, TARN_FAULT_UNAVAILABLE, "out of memory");
	int rc = env->fault_occurred ? 0 : tarn_pool_each_member(pool, add_address, members, err);
	if (rc == 0 && !env->fault_occurred)
		rc = tarn_pool_guests(pool, name, collect, &c, err);
	free(members);
	if (rc && !env->fault_occurred)
		tarn_cmd_pool_fault(env, rc, err);
	if (env->fault_occurred && c.out) {
		xmlrpc_DECREF(c.out);
		c.out = NULL;
	}
	return c.out;
}

static xmlrpc_value *guest_define(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const char *text;
	struct tarn_xlcfg c;
	tarn_err err = "";
	xmlrpc_decompose_value(env, p, "(s)", &text);
	if (env->fault_occurred)
		return NULL;
	/* the config is checked before the pool is needed */
	xmlrpc_value *v = NULL;
	tarn_pool *pool = NULL;
	if (tarn_xlcfg_parse(text, &c, err) || tarn_cmd_guest_fits_host(agent, &c, -1, err))
		xmlrpc_env_set_fault(env, TARN_FAULT_INVALID, err);
	else if ((pool = tarn_cmd_need_pool(env, agent))) {
		if (!c.uuid[0])
			tarn_pool_new_uuid(c.uuid);
		struct tarn_guest g = {.uuid = c.uuid, .name = c.name, .xlcfg = text, .desired = "stopped", .host = ""};
		int rc = tarn_pool_guest_define(pool, &g, err);
		v = rc ? tarn_cmd_pool_fault(env, rc, err) : get(env, pool, c.name);
	}
	free((void *)text);
	return v;
}

static xmlrpc_value *guest_list(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)p, (void)call;
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	return pool ? get(env, pool, NULL) : NULL;
}

/* The methods that take a guest's name first. */
static tarn_pool *by_name(xmlrpc_env *env, xmlrpc_value *p, void *agent, const char *format,
			  const char **name, const char **arg)
{
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	if (!pool)
		return NULL;
	if (arg)
		xmlrpc_decompose_value(env, p, format, name, arg);
	else
		xmlrpc_decompose_value(env, p, format, name);
	return env->fault_occurred ? NULL : pool;
}

static xmlrpc_value *guest_get(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const char *name;
	tarn_pool *pool = by_name(env, p, agent, "(s)", &name, NULL);
	if (!pool)
		return NULL;
	xmlrpc_value *v = get(env, pool, name);
	free((void *)name);
	return v;
}

/* The end of a method that changed a guest: true, or the pool's fault. */
static xmlrpc_value *changed(xmlrpc_env *env, int rc, const char *err)
{
	return rc ? tarn_cmd_pool_fault(env, rc, err) : xmlrpc_bool_new(env, 1);
}

static xmlrpc_value *guest_set_state(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const char *name, *state;
	int64_t timeout;
	tarn_err err = "";
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	if (!pool || tarn_cmd_int_param(env, p, 2, -1, 0, 3600, "a shutdown timeout (seconds)", &timeout))
		return NULL;
	xmlrpc_decompose_value(env, p, "(ss*)", &name, &state);
	if (env->fault_occurred)
		return NULL;
	int rc = timeout >= 0 && strcmp(state, "stopped") == 0 ? tarn_pool_guest_stop(pool, name, (int)timeout, err)
							       : tarn_pool_guest_set_state(pool, name, state, err);
	free((void *)name);
	free((void *)state);
	return changed(env, rc, err);
}

/* guest.reboot, guest.destroy: a one-shot request to the engine. */
static xmlrpc_value *request(xmlrpc_env *env, xmlrpc_value *p, void *agent, const char *what)
{
	const char *name;
	tarn_err err = "";
	tarn_pool *pool = by_name(env, p, agent, "(s)", &name, NULL);
	if (!pool)
		return NULL;
	int rc = tarn_pool_guest_request(pool, name, what, err);
	free((void *)name);
	return changed(env, rc, err);
}

static xmlrpc_value *guest_reboot(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	return request(env, p, agent, "reboot");
}

static xmlrpc_value *guest_destroy(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	return request(env, p, agent, "destroy");
}

static xmlrpc_value *guest_set_drift(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const char *name, *policy;
	tarn_err err = "";
	tarn_pool *pool = by_name(env, p, agent, "(ss)", &name, &policy);
	if (!pool)
		return NULL;
	int rc = tarn_pool_guest_set_drift(pool, name, policy, err);
	free((void *)name);
	free((void *)policy);
	return changed(env, rc, err);
}

static xmlrpc_value *guest_pin(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const char *name, *cpus;
	int vcpu;
	tarn_err err = "";
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	if (!pool)
		return NULL;
	xmlrpc_decompose_value(env, p, "(sis)", &name, &vcpu, &cpus);
	if (env->fault_occurred)
		return NULL;
	int rc = tarn_pool_guest_pin(pool, name, vcpu, cpus, err);
	free((void *)name);
	free((void *)cpus);
	return changed(env, rc, err);
}

static xmlrpc_value *guest_set_ha(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const char *name;
	xmlrpc_bool ha;
	tarn_err err = "";
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	if (!pool)
		return NULL;
	xmlrpc_decompose_value(env, p, "(sb)", &name, &ha);
	if (env->fault_occurred)
		return NULL;
	int rc = tarn_pool_guest_set_ha(pool, name, ha, err);
	free((void *)name);
	return changed(env, rc, err);
}

static xmlrpc_value *guest_place(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const char *name, *member;
	tarn_err err = "";
	tarn_pool *pool = by_name(env, p, agent, "(ss)", &name, &member);
	if (!pool)
		return NULL;
	int rc = tarn_pool_guest_place(pool, name, member, err);
	free((void *)name);
	free((void *)member);
	return changed(env, rc, err);
}

static xmlrpc_value *guest_undefine(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const char *name;
	xmlrpc_bool disks = 0;
	tarn_err err = "";
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	if (!pool)
		return NULL;
	if (xmlrpc_array_size(env, p) == 2)
		xmlrpc_decompose_value(env, p, "(sb)", &name, &disks);
	else
		xmlrpc_decompose_value(env, p, "(s)", &name);
	if (env->fault_occurred)
		return NULL;
	if (disks) { /* its disks in running_pool/<name>/ too: a task */
		xmlrpc_value *v = tarn_cmd_delete_disks(env, agent, pool, name);
		free((void *)name);
		return v;
	}
	int rc = tarn_pool_guest_undefine(pool, name, err);
	free((void *)name);
	return changed(env, rc, err);
}

const struct tarn_cmd tarn_cmd_guest[] = {
	{"guest.define", "S:s", "Defines a guest from its xl.cfg text (stopped, placed on this host when it is a "
				"VM-server member); returns it.", guest_define},
	{"guest.list", "A:", "Every guest: desired state beside actual state (and the last error), placement (host: "
			     "a member id, and host_address its pool address), type, "
			     "memory, vcpus, vCPU pins and affinity.", guest_list},
	{"guest.get", "S:s", "One guest by name, with its xl.cfg.", guest_get},
	{"guest.setState", "b:ss,b:ssi", "Sets a guest's desired power state: running, stopped, paused or "
					 "suspended (saved to a file); a stop "
					 "gives a clean shutdown TIMEOUT seconds (default 60; 0: none) before the "
					 "domain is destroyed.", guest_set_state},
	{"guest.reboot", "b:s", "Asks a guest meant to run to reboot (its on_reboot then applies).", guest_reboot},
	{"guest.destroy", "b:s", "Destroys a guest's domain at once, without a clean shutdown; it is then meant to be "
				 "stopped.", guest_destroy},
	{"guest.setDriftPolicy", "b:ss", "What a change made outside Tarn (xl by hand) gets: restore (the desired "
					 "state is put back; the default) or leave (what was done becomes desired).",
	 guest_set_drift},
	{"guest.pin", "b:sis", "Pins vCPU N of a guest to a CPU list (like 1, 0-3 or all), now if it runs and at "
			       "every start.", guest_pin},
	{"guest.setHa", "b:sb", "Whether a guest is restarted on another member when its host dies.", guest_set_ha},
	{"guest.place", "b:ss", "Moves a stopped guest to another member (its id or pool address), which must be "
				"an up VM server; a guest meant to run is refused (guest.migrate moves one live).", guest_place},
	{"guest.undefine", "b:s,i:sb", "Removes a guest's definition; it must be meant to be stopped, and be stopped. "
				       "With DELETEDISKS true, its disks in running_pool/NAME/ (never others) are "
				       "deleted too, by a task whose id is returned (0: none).",
	 guest_undefine},
	{NULL, NULL, NULL, NULL},
};
