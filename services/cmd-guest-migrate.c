/* guest.migrate: a running guest's live migration to another member.
 *
 * Everything that can be known here is checked before anything moves
 * (lib/migrate-check.h): the guest runs on this host, the target is an up
 * VM server with the memory free and a compatible CPU (its facts in the
 * pool store), the guest's disks are in shared repositories. A refusal is
 * a -500 fault saying why, and the guest is not touched. Then the move is
 * a task of this host's engine (services/tarnd/migrate-xen.h), which the
 * target's engine checks again with what its Xen says. This process stays
 * unprivileged: it only queues the task. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "guest-disk.h"
#include "migrate-check.h"
#include "pool-cluster.h"
#include "repo.h"
#include "task.h"
#include "xlcfg.h"

#define FACTS_STALE_S 150 /* published when they change, and every 60 s */

/* The members this check needs: the target (by id or address) and this host. */
struct members {
	const char *target, *self_address;
	char id[32], address[256], roles[128], self_id[32];
	int found, up;
};

static int pick(void *ctx, const struct tarn_member *m)
{
	struct members *w = ctx;
	if (strcmp(m->address, w->self_address) == 0)
		snprintf(w->self_id, sizeof w->self_id, "%s", m->id);
	if (!w->found && (strcmp(m->id, w->target) == 0 || strcmp(m->address, w->target) == 0)) {
		w->found = 1;
		snprintf(w->id, sizeof w->id, "%s", m->id);
		snprintf(w->address, sizeof w->address, "%s", m->address);
		snprintf(w->roles, sizeof w->roles, "%s", m->roles);
		w->up = (int64_t)time(NULL) - m->seen <= 3 * TARN_POOL_HEARTBEAT_S;
	}
	return 0;
}

struct kinds {
	tarn_store *st;
	struct tarn_repo r;
};

static const char *repo_kind(void *ctx, const char *name)
{
	struct kinds *k = ctx;
	return tarn_repo_get(k->st, name, &k->r) == 0 ? k->r.kind : NULL;
}

static int already(void *ctx, const struct tarn_task *t)
{
	const char *name = ctx;
	return !strcmp(t->kind, "guest.migrate") && !strcmp(t->subject, name) &&
	       (!strcmp(t->state, "queued") || !strcmp(t->state, "running"));
}

/* Every check; 0 with w filled, or a TARN_POOL_* result with err. */
static int check(const struct tarn_agent *a, tarn_pool *pool, const struct tarn_guest_copy *g, struct members *w,
		 tarn_err err)
{
	char host[32] = "";
	struct tarn_xlcfg c;
	struct tarn_pool_facts src, dst;
	int rc = tarn_pool_each_member(pool, pick, w, err);
	if (rc == 0)
		rc = tarn_pool_guest_host(pool, g->uuid, host, sizeof host, err);
	if (rc)
		return rc;
	if (!w->self_id[0] || strcmp(host, w->self_id)) {
		snprintf(err, TARN_ERRLEN, "guest %.64s runs on member %.20s, not this host: ask that member's agent",
			 g->name, host[0] ? host : "(none)");
		return TARN_POOL_REFUSED;
	}
	struct tarn_member m = {.id = w->id, .address = w->address, .roles = w->roles};
	if (tarn_migrate_check_member(w->target, w->self_id, w->found ? &m : NULL, w->up, err) ||
	    tarn_xlcfg_parse(g->xlcfg, &c, err))
		return TARN_POOL_REFUSED;
	if ((rc = tarn_pool_facts_get(pool, w->address, &dst, err)) != 0 ||
	    (rc = tarn_pool_facts_get(pool, w->self_address, &src, err)) != 0)
		return rc;
	struct kinds k = {.st = a->store};
	if (tarn_migrate_check_memory(w->target, &dst, c.memory, (int64_t)time(NULL), FACTS_STALE_S, err) ||
	    tarn_migrate_check_cpu(w->target, &src, &dst, err) ||
	    tarn_migrate_check_disks(a->repo_root ? a->repo_root : "/var/lib/tarn/repos", g->xlcfg, repo_kind, &k, err))
		return TARN_POOL_REFUSED;
	if (strcmp(g->desired, "running") || strcmp(g->actual, "running")) {
		snprintf(err, TARN_ERRLEN, "guest %.40s is %.12s (meant to be %.12s): only a running guest moves live "
			 "(guest.place moves a stopped one)", g->name, g->actual, g->desired);
		return TARN_POOL_REFUSED;
	}
	if (tarn_task_each(a->store, 64, already, (void *)g->name) > 0) {
		snprintf(err, TARN_ERRLEN, "guest %.64s is already being migrated (task.list)", g->name);
		return TARN_POOL_REFUSED;
	}
	return 0;
}

static xmlrpc_value *guest_migrate(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const struct tarn_agent *a = agent;
	const char *name, *target;
	tarn_err err = "";
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	if (!pool)
		return NULL;
	xmlrpc_decompose_value(env, p, "(ss)", &name, &target);
	if (env->fault_occurred)
		return NULL;
	struct tarn_guest_copy g;
	struct members w = {.target = target, .self_address = tarn_pool_address(pool)};
	int rc = tarn_guest_read(pool, name, &g, err);
	if (rc == 0)
		rc = check(a, pool, &g, &w, err);
	tarn_guest_copy_free(&g);
	xmlrpc_value *v = NULL;
	if (rc) {
		tarn_cmd_pool_fault(env, rc, err);
	} else {
		char args[400];
		snprintf(args, sizeof args, "target=%s\ntarget_address=%s\nsource=%s\n", w.id, w.address, w.self_id);
		int64_t id = tarn_task_add(a->store, "guest.migrate", name, args, err);
		v = id < 0 ? (xmlrpc_env_set_fault(env, TARN_FAULT_INTERNAL, err), NULL) : xmlrpc_int_new(env, (int)id);
	}
	free((void *)name);
	free((void *)target);
	return v;
}

const struct tarn_cmd tarn_cmd_guest_migrate[] = {
	{"guest.migrate", "i:ss", "Moves a running guest live to another member (its id or pool address), which must "
				  "be an up VM server with the memory free, a compatible CPU and the guest's disks "
				  "(shared repositories only; none is fine). Call it on the guest's host. Returns a "
				  "task (task.get) whose message gives the guest's downtime; a refusal changes "
				  "nothing.", guest_migrate},
	{NULL, NULL, NULL, NULL},
};
