/* A live migration asked for; see migrate-request.h. */
#include "migrate-request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest-disk.h"
#include "migrate-check.h"
#include "pool-cluster.h"
#include "pool-repo.h"
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
	const struct tarn_pool_repos *pool; /* with every member's state */
	const char *target;                 /* the target's pool address */
};

/* This host's own repository of that name first (a pool one of the same
 * name is not mounted here), else the pool's if the target has mounted it. */
static const char *repo_kind(void *ctx, const char *name)
{
	struct kinds *k = ctx;
	if (tarn_repo_get(k->st, name, &k->r) == 0)
		return k->r.kind;
	if (!tarn_pool_repos_find(k->pool, name))
		return NULL;
	for (int i = 0; i < k->pool->nstates; i++)
		if (!strcmp(k->pool->states[i].name, name) && !strcmp(k->pool->states[i].address, k->target))
			return strcmp(k->pool->states[i].state, "mounted") ? TARN_MIGRATE_POOL_UNMOUNTED
									   : TARN_MIGRATE_POOL_REPO;
	return TARN_MIGRATE_POOL_UNMOUNTED;
}

struct last {
	const char *name;
	char *state;
};

static int newest(void *ctx, const struct tarn_task *t)
{
	struct last *l = ctx;
	if (strcmp(t->kind, TARN_MIGRATE_TASK) || strcmp(t->subject, l->name))
		return 0;
	snprintf(l->state, 12, "%s", t->state);
	return 1;
}

void tarn_migrate_last(tarn_store *st, const char *name, char state[12])
{
	struct last l = {name, state};
	state[0] = 0;
	tarn_task_each(st, 64, newest, &l);
}

int tarn_migrate_under_way(tarn_store *st, const char *name)
{
	char last[12];
	tarn_migrate_last(st, name, last);
	return !strcmp(last, "queued") || !strcmp(last, "running");
}

/* Every check; 0 with w filled, or a TARN_POOL_* result with err. */
static int check(tarn_store *st, const char *repo_root, tarn_pool *pool, const struct tarn_guest_copy *g, struct members *w,
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
	struct tarn_pool_repos pr;
	if ((rc = tarn_pool_repo_read(pool, w->self_address, 1, &pr, err)) != 0)
		return rc;
	struct kinds k = {.st = st, .pool = &pr, .target = w->address};
	rc = tarn_migrate_check_memory(w->target, &dst, c.memory, (int64_t)time(NULL), FACTS_STALE_S, err) ||
	     tarn_migrate_check_cpu(w->target, &src, &dst, err) ||
	     tarn_migrate_check_disks(repo_root, g->xlcfg, repo_kind, &k, err);
	tarn_pool_repos_free(&pr);
	if (rc)
		return TARN_POOL_REFUSED;
	if (strcmp(g->desired, "running") || strcmp(g->actual, "running")) {
		snprintf(err, TARN_ERRLEN, "guest %.40s is %.12s (meant to be %.12s): only a running guest moves live "
			 "(guest.place moves a stopped one)", g->name, g->actual, g->desired);
		return TARN_POOL_REFUSED;
	}
	if (tarn_migrate_under_way(st, g->name)) {
		snprintf(err, TARN_ERRLEN, "guest %.64s is already being migrated (task.list)", g->name);
		return TARN_POOL_REFUSED;
	}
	return 0;
}

int tarn_migrate_request(tarn_store *st, tarn_pool *pool, const char *repo_root, const char *name, const char *target,
			 int64_t *task, tarn_err err)
{
	struct tarn_guest_copy g;
	struct members w = {.target = target, .self_address = tarn_pool_address(pool)};
	int rc = tarn_guest_read(pool, name, &g, err);
	if (rc == 0)
		rc = check(st, repo_root, pool, &g, &w, err);
	tarn_guest_copy_free(&g);
	if (rc)
		return rc;
	char args[400];
	snprintf(args, sizeof args, "target=%s\ntarget_address=%s\nsource=%s\n", w.id, w.address, w.self_id);
	*task = tarn_task_add(st, TARN_MIGRATE_TASK, name, args, err);
	return *task < 0 ? TARN_POOL_DOWN : 0;
}
