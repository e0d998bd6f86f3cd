/* pool.*: the server pool this host belongs to, kept in the replicated pool
 * store. A standalone host is a pool of one once pool.create names it;
 * other hosts join it with the pool password. The pool.peer* methods are
 * the master's side of a join, called by the joining host's agent as the
 * pool (user "pool", the pool password). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "pool-cluster.h"
#include "pool-maintenance.h"

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
	for (char *w = strtok_r(copy, ",", &save); w && !env->fault_occurred; w = strtok_r(NULL, ",", &save))
		tarn_cmd_append(env, a, xmlrpc_string_new(env, w));
	return a;
}

struct members {
	xmlrpc_env *env;
	xmlrpc_value *list;
	struct tarn_dq_node *nodes; /* for each member's Raft role */
	unsigned n;
};

static int add_member(void *ctx, const struct tarn_member *m)
{
	struct members *c = ctx;
	xmlrpc_env *env = c->env;
	const char *raft = "none"; /* a member row whose node is gone */
	for (unsigned i = 0; i < c->n; i++) {
		char id[24];
		snprintf(id, sizeof id, "%" PRIu64, c->nodes[i].id);
		if (strcmp(id, m->id) == 0)
			raft = tarn_pool_role_name(c->nodes[i].role);
	}
	int64_t age = (int64_t)time(NULL) - m->seen;
	xmlrpc_value *r = split(env, m->roles);
	xmlrpc_value *v = env->fault_occurred ? NULL
		: xmlrpc_build_value(env, "{s:s,s:s,s:V,s:s,s:s,s:I,s:b,s:b,s:b,s:s,s:I}", "id", m->id, "address",
				     m->address, "roles", r, "agent", m->agent, "raft", raft, "seen", (xmlrpc_int64)m->seen,
				     "up", (xmlrpc_bool)(age <= 3 * TARN_POOL_HEARTBEAT_S), "master", (xmlrpc_bool)m->master,
				     "maintenance", (xmlrpc_bool)m->maintenance, "evacuation", m->evacuation, "free_mib",
				     (xmlrpc_int64)m->free_mib);
	if (r)
		xmlrpc_DECREF(r);
	return tarn_cmd_append(env, c->list, v);
}

/* The members with their roles, Raft roles and health; NULL with a fault. */
static xmlrpc_value *members(xmlrpc_env *env, tarn_pool *pool)
{
	tarn_err err = "";
	struct members c = {env, xmlrpc_array_new(env), NULL, 0};
	int rc = env->fault_occurred ? 0 : tarn_pool_nodes(pool, &c.nodes, &c.n, err);
	if (rc == 0 && !env->fault_occurred)
		rc = tarn_pool_each_member(pool, add_member, &c, err);
	free(c.nodes);
	if (rc && !env->fault_occurred)
		tarn_cmd_pool_fault(env, rc, err);
	if (env->fault_occurred && c.list) {
		xmlrpc_DECREF(c.list);
		c.list = NULL;
	}
	return c.list;
}

static xmlrpc_value *info(xmlrpc_env *env, tarn_pool *pool)
{
	struct tarn_pool_info i;
	tarn_err err = "";
	int rc = tarn_pool_info(pool, &i, err);
	if (rc)
		return tarn_cmd_pool_fault(env, rc, err);
	xmlrpc_value *list = members(env, pool);
	xmlrpc_value *v = env->fault_occurred ? NULL
		: xmlrpc_build_value(env, "{s:s,s:s,s:I,s:s,s:b,s:s,s:s,s:A}", "name", i.name, "uuid", i.uuid, "created",
				     (xmlrpc_int64)i.created, "leader", i.leader, "master", (xmlrpc_bool)i.is_master,
				     "vip", i.vip, "address", tarn_pool_address(pool), "members", list);
	if (list)
		xmlrpc_DECREF(list);
	return v;
}

static xmlrpc_value *pool_create(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const char *name = NULL, *password = NULL;
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	tarn_err err = "";
	if (!pool)
		return NULL;
	if (xmlrpc_array_size(env, p) == 2)
		xmlrpc_decompose_value(env, p, "(ss)", &name, &password);
	else
		xmlrpc_decompose_value(env, p, "(s)", &name);
	if (env->fault_occurred)
		return NULL;
	int rc = tarn_pool_create(pool, name, password, err);
	free((void *)name);
	free((void *)password);
	return rc ? tarn_cmd_pool_fault(env, rc, err) : info(env, pool);
}

static xmlrpc_value *pool_info(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)p, (void)call;
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	return pool ? info(env, pool) : NULL;
}

static xmlrpc_value *pool_members(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)p, (void)call;
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	return pool ? members(env, pool) : NULL;
}

/* A method of one string whose pool call answers only yes or no. */
static xmlrpc_value *one_string(xmlrpc_env *env, xmlrpc_value *p, void *agent,
				int (*fn)(tarn_pool *pool, const char *s, tarn_err err))
{
	const char *s = NULL;
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	tarn_err err = "";
	if (pool)
		xmlrpc_decompose_value(env, p, "(s)", &s);
	if (env->fault_occurred || !pool)
		return NULL;
	int rc = fn(pool, s, err);
	free((void *)s);
	return rc ? tarn_cmd_pool_fault(env, rc, err) : xmlrpc_bool_new(env, 1);
}

static xmlrpc_value *pool_set_password(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	return one_string(env, p, agent, tarn_pool_set_password);
}

static xmlrpc_value *pool_set_vip(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	return one_string(env, p, agent, tarn_pool_set_vip);
}

static xmlrpc_value *pool_set_roles(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	return one_string(env, p, agent, tarn_pool_set_roles);
}

/* Answers with pool.info: the master it now has. */
static xmlrpc_value *pool_set_master(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	xmlrpc_value *ok = one_string(env, p, agent, tarn_pool_set_master);
	if (!ok)
		return NULL;
	xmlrpc_DECREF(ok);
	return info(env, tarn_cmd_need_pool(env, agent));
}

static xmlrpc_value *pool_set_maintenance(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	const char *who = NULL;
	xmlrpc_bool on = 0;
	tarn_err err = "";
	if (pool)
		xmlrpc_decompose_value(env, p, "(sb)", &who, &on);
	if (env->fault_occurred || !pool)
		return NULL;
	int rc = tarn_pool_set_maintenance(pool, who, on, err);
	free((void *)who);
	return rc ? tarn_cmd_pool_fault(env, rc, err) : xmlrpc_bool_new(env, 1);
}

static xmlrpc_value *pool_eject(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	return one_string(env, p, agent, tarn_pool_eject);
}

/* Stored for the next start: a node of a pool of several cannot move. */
static xmlrpc_value *pool_set_address(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const struct tarn_agent *a = agent;
	const char *address = NULL;
	tarn_err err = "";
	struct tarn_dq_node *nodes = NULL;
	unsigned n = 0;
	xmlrpc_decompose_value(env, p, "(s)", &address);
	if (env->fault_occurred)
		return NULL;
	int rc = a->pool ? tarn_pool_nodes(a->pool, &nodes, &n, err) : 0;
	free(nodes);
	if (rc == 0 && n > 1)
		rc = (snprintf(err, TARN_ERRLEN, "this host is in a pool of %u members: its pool address cannot "
			       "change (leave the pool first)", n), TARN_POOL_REFUSED);
	if (rc == 0 && tarn_store_set(a->store, "pool_address", address, err))
		rc = TARN_POOL_REFUSED;
	free((void *)address);
	return rc ? tarn_cmd_pool_fault(env, rc, err) : xmlrpc_bool_new(env, 1);
}

/* The membership that restarts the node, or NULL with a fault. */
static const struct tarn_membership_ops *need_membership(xmlrpc_env *env, void *agent)
{
	const struct tarn_agent *a = agent;
	if (tarn_cmd_need_pool(env, agent) && !a->membership)
		xmlrpc_env_set_fault(env, TARN_FAULT_UNAVAILABLE, "this agent cannot change its pool membership");
	return env->fault_occurred ? NULL : a->membership_ops;
}

static xmlrpc_value *pool_join(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const struct tarn_membership_ops *ops = need_membership(env, agent);
	const struct tarn_agent *a = agent;
	const char *master = NULL, *password = NULL, *fingerprint = NULL;
	tarn_err err = "";
	if (ops && xmlrpc_array_size(env, p) == 3)
		xmlrpc_decompose_value(env, p, "(sss)", &master, &password, &fingerprint);
	else if (ops)
		xmlrpc_decompose_value(env, p, "(ss)", &master, &password);
	if (env->fault_occurred)
		return NULL;
	int rc = ops->join(a->membership, master, password, fingerprint && fingerprint[0] ? fingerprint : NULL, err);
	memset((char *)password, 0, strlen(password));
	free((void *)master);
	free((void *)password);
	free((void *)fingerprint);
	if (rc == TARN_JOIN_UNCONFIRMED)
		return xmlrpc_env_set_fault(env, TARN_FAULT_UNCONFIRMED, err), NULL;
	if (rc)
		return tarn_cmd_pool_fault(env, rc, err);
	/* the new node catches up and finds the leader within moments */
	for (int i = 0; i < 50; i++) {
		struct tarn_pool_info i_;
		if (tarn_pool_info(a->pool, &i_, err) == 0)
			break;
		usleep(200 * 1000);
	}
	return info(env, a->pool);
}

static xmlrpc_value *pool_leave(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const struct tarn_membership_ops *ops = need_membership(env, agent);
	const struct tarn_agent *a = agent;
	tarn_err err = "";
	xmlrpc_bool force = 0;
	if (ops && xmlrpc_array_size(env, p) == 1)
		xmlrpc_decompose_value(env, p, "(b)", &force);
	if (!ops || env->fault_occurred)
		return NULL;
	int rc = ops->leave(a->membership, force, err);
	return rc ? tarn_cmd_pool_fault(env, rc, err) : xmlrpc_bool_new(env, 1);
}

/* The master's side of a join: peerAdmit(address, agent) gives the joiner
 * its node id; peerSeat(id, address, agent) once its node runs empty with
 * that id; peerAbort(id) when it gave up between the two. */
static xmlrpc_value *peer_admit(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const char *address = NULL, *member_agent = NULL;
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	tarn_err err = "";
	if (pool)
		xmlrpc_decompose_value(env, p, "(ss)", &address, &member_agent);
	if (env->fault_occurred)
		return NULL;
	uint64_t id = 0;
	struct tarn_pool_info i;
	const struct tarn_agent *a = agent;
	char key[65] = "";
	int rc = !a->membership ? (snprintf(err, TARN_ERRLEN, "this agent has no pool key"), TARN_POOL_DOWN)
		: a->membership_ops->key(a->membership, key, err);
	if (rc == 0)
		rc = tarn_check_host_port(address, err) ? TARN_POOL_REFUSED : tarn_pool_admit(pool, address, &id, err);
	if (rc == 0)
		rc = tarn_pool_info(pool, &i, err);
	free((void *)address);
	free((void *)member_agent);
	if (rc)
		return tarn_cmd_pool_fault(env, rc, err);
	char sid[24];
	snprintf(sid, sizeof sid, "%" PRIu64, id);
	/* the pool key goes only to a caller that gave the pool password, over TLS */
	xmlrpc_value *v = xmlrpc_build_value(env, "{s:s,s:s,s:s,s:s}", "id", sid, "name", i.name, "uuid", i.uuid,
					     "key", key);
	explicit_bzero(key, sizeof key);
	return v;
}

static int parse_id(const char *s, uint64_t *id, tarn_err err)
{
	char *end = NULL;
	*id = s && *s ? strtoull(s, &end, 10) : 0;
	if (!end || *end || *id < 2)
		return snprintf(err, TARN_ERRLEN, "%.30s is not a node id", s ? s : ""), TARN_POOL_REFUSED;
	return 0;
}

static xmlrpc_value *peer_seat(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const char *sid = NULL, *address = NULL, *member_agent = NULL;
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	tarn_err err = "";
	uint64_t id;
	if (pool)
		xmlrpc_decompose_value(env, p, "(sss)", &sid, &address, &member_agent);
	if (env->fault_occurred)
		return NULL;
	int rc = parse_id(sid, &id, err);
	if (rc == 0)
		rc = tarn_pool_seat(pool, id, address, member_agent, err);
	free((void *)sid);
	free((void *)address);
	free((void *)member_agent);
	return rc ? tarn_cmd_pool_fault(env, rc, err) : xmlrpc_bool_new(env, 1);
}

static int abort_join(tarn_pool *pool, const char *sid, tarn_err err)
{
	uint64_t id;
	return parse_id(sid, &id, err) ? TARN_POOL_REFUSED : tarn_pool_expel(pool, id, err);
}

static xmlrpc_value *peer_abort(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	return one_string(env, p, agent, abort_join);
}

const struct tarn_cmd tarn_cmd_pool[] = {
	{"pool.create", "S:s,S:ss", "Makes this host a pool of one with the given name and (optional) pool password, "
				    "which joining hosts give; refused if it is in a pool.", pool_create},
	{"pool.info", "S:", "The pool: name, uuid, created, leader (the master's pool address), whether this "
			    "host is master, vip (the pool's virtual IP, \"\" for none), this host's pool address, "
			    "and the members (as pool.members).", pool_info},
	{"pool.members", "A:", "Each member: id, address (pool), agent, roles, raft (voter, standby, spare), "
			       "seen (last heartbeat, unix time), up, master, maintenance, evacuation (\"\", "
			       "\"moving N guest(s)\", \"done\", or what cannot move and why), free_mib (memory free "
			       "for guests at its last heartbeat, -1 unknown).", pool_members},
	{"pool.setMaster", "S:s", "Makes MEMBER (id or pool address) the pool master: leadership is handed to it; "
				  "refused for a member that is unknown, down or not a voter. Returns pool.info.",
	 pool_set_master},
	{"pool.setMaintenance", "b:sb", "Puts MEMBER (id or pool address) in maintenance (true) or takes it out: "
					"in maintenance it gets no new guests, and it moves its running guests to "
					"other VM servers with the memory free (see its evacuation in pool.members).",
	 pool_set_maintenance},
	{"pool.setVirtualIp", "b:s", "Sets the pool's virtual IP (IPV4-ADDRESS/PREFIX on the management network, "
				     "\"\" for none): the master holds it on its management interface and announces "
				     "it; a member that stops leading, or loses the pool, gives it up.", pool_set_vip},
	{"pool.setPassword", "b:s", "Sets the pool password that joining hosts must give.", pool_set_password},
	{"pool.setRoles", "b:s", "Sets this host's roles: a comma-separated subset of utility (I/O work) and vm-server "
				 "(runs guests); empty for neither. The master is whichever member leads.",
	 pool_set_roles},
	{"pool.setAddress", "b:s", "Sets this host's pool address (IPv4:port, on the management network; "
				   "default 127.0.0.1:8900, enough for a pool of one), used from the agent's "
				   "next start; refused in a pool of several.", pool_set_address},
	{"pool.join", "S:ss,S:sss", "Joins the pool whose member's agent is at MASTER (host[:port]) with the pool "
				    "password and FINGERPRINT, that agent's certificate's as its host.info shows it "
				    "(SHA256:AB:..; case and colons optional); this host must be in no pool of several "
				    "and have no guests. Without FINGERPRINT (or \"\") nothing is sent: fault -32501 "
				    "names the certificate MASTER presents, to check on its console and join again "
				    "with; another is refused, and so is a MASTER that changes certificate mid-way.",
	 pool_join},
	{"pool.leave", "b:,b:b", "Leaves the pool; this host is then on its own, in no pool. With FORCE true, even "
				 "when the pool cannot be reached (a host it ejected while away).", pool_leave},
	{"pool.eject", "b:s", "Removes a member that is gone (by id or pool address).", pool_eject},
	{NULL, NULL, NULL, NULL},
};

const struct tarn_cmd tarn_cmd_pool_peer[] = {
	{"pool.peerAdmit", "S:ss", "(pool members) Admits a joining host's node: ADDRESS, AGENT; returns its id "
				   "and the pool key.", peer_admit},
	{"pool.peerSeat", "b:sss", "(pool members) Seats an admitted node: ID, ADDRESS, AGENT.", peer_seat},
	{"pool.peerAbort", "b:s", "(pool members) Removes an admitted node whose join failed: ID.", peer_abort},
	{NULL, NULL, NULL, NULL},
};
