/* Maintenance mode and evacuation; see pool-maintenance.h. */
#include "pool-maintenance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dqlite-client.h"
#include "pool-cluster.h"
#include "xlcfg.h"

#define EVACUATION_LEN 200

struct maintenance {
	const char *who;
	int on;
};

static int set_maintenance(void *ctx, tarn_dqlite *c, tarn_err err)
{
	const struct maintenance *m = ctx;
	int64_t changes = 0;
	/* the member's own keeper says how the evacuation goes from its next round */
	struct tarn_dq_value v[] = {TARN_DQ_I(m->on), TARN_DQ_S(m->on ? "waiting for the member's agent" : ""),
				    TARN_DQ_S(m->who), TARN_DQ_S(m->who)};
	if (tarn_dqlite_exec(c, "UPDATE members SET maintenance = ?, evacuation = ? WHERE id = ? OR address = ?", v,
			     4, NULL, &changes, err))
		return TARN_POOL_DOWN;
	if (changes == 0)
		return snprintf(err, TARN_ERRLEN, "no member %.60s in this pool (give its id or pool address)", m->who),
		       TARN_POOL_REFUSED;
	return 0;
}

int tarn_pool_set_maintenance(tarn_pool *p, const char *who, int on, tarn_err err)
{
	struct maintenance m = {who, on != 0};
	if (!who || !who[0] || strlen(who) > 255)
		return snprintf(err, TARN_ERRLEN, "a member is named by its id or pool address"), TARN_POOL_REFUSED;
	return tarn_pool_with_leader(p, set_maintenance, &m, err);
}

static const char *text(const struct tarn_dq_rows *r, unsigned row, unsigned col)
{
	const struct tarn_dq_value *v = tarn_dq_at(r, row, col);
	return v->type == TARN_DQ_TEXT ? v->s : "";
}

/* Where guests may go, with the memory already promised to moves. */
struct target {
	char id[32];
	int64_t free_mib; /* -1 unknown: not chosen */
};

/* A running guest to move, once the round's reading of the pool is over:
 * live if the hooks can, else cold. */
struct move {
	char uuid[40], name[80], target[32];
};

struct round {
	const char *me;
	const struct tarn_evacuate_hooks *hooks;
	struct move moves[TARN_POOL_MAX_MEMBERS]; /* more wait for the next round */
	unsigned nmoves;
	int maintenance;
	char status[EVACUATION_LEN]; /* as stored */
	struct target targets[TARN_POOL_MAX_MEMBERS];
	unsigned ntargets;
	int moving, stuck;
	char why[EVACUATION_LEN]; /* the first guest that cannot move, and why */
};

/* This member's row, and the VM servers up and out of maintenance. */
static int read_members(struct round *r, tarn_dqlite *c, tarn_err err)
{
	struct tarn_dq_rows *m = tarn_dqlite_query(c, "SELECT id, roles, seen, maintenance, free_mib, evacuation"
						      "  FROM members ORDER BY free_mib DESC", NULL, 0, err);
	if (!m)
		return TARN_POOL_DOWN;
	int found = 0;
	for (unsigned i = 0; i < m->nrows; i++) {
		int up = (int64_t)time(NULL) - tarn_dq_at(m, i, 2)->i <= 3 * TARN_POOL_HEARTBEAT_S;
		if (strcmp(text(m, i, 0), r->me) == 0) {
			found = 1;
			r->maintenance = (int)tarn_dq_at(m, i, 3)->i;
			snprintf(r->status, sizeof r->status, "%s", text(m, i, 5));
		} else if (up && !tarn_dq_at(m, i, 3)->i && tarn_pool_has_role(text(m, i, 1), "vm-server") &&
			   r->ntargets < TARN_POOL_MAX_MEMBERS) {
			struct target *t = &r->targets[r->ntargets++];
			snprintf(t->id, sizeof t->id, "%s", text(m, i, 0));
			t->free_mib = tarn_dq_at(m, i, 4)->i;
		}
	}
	tarn_dq_rows_free(m);
	return found ? 0 : 1;
}

/* The target with the most memory left that fits mib, or NULL. */
static struct target *choose(struct round *r, long mib)
{
	struct target *best = NULL;
	for (unsigned i = 0; i < r->ntargets; i++)
		if (r->targets[i].free_mib >= mib && (!best || r->targets[i].free_mib > best->free_mib))
			best = &r->targets[i];
	return best;
}

static void cannot_move(struct round *r, const char *name, const char *why)
{
	if (!r->stuck++)
		snprintf(r->why, sizeof r->why, "%.64s (%.120s)", name, why);
}

/* Starts a cold move of guest uuid to member target: a clean shutdown here
 * (the guest's stop timeout, then its domain is destroyed), with the
 * target recorded; finish_cold_move starts it there once its domain is
 * gone. A change of desired state meanwhile (guest.setState clears
 * moving_to) calls the move off. */
static int move_cold(void *ctx, tarn_dqlite *c, tarn_err err)
{
	const struct move *mv = ctx;
	struct tarn_dq_value v[] = {TARN_DQ_S(mv->target), TARN_DQ_S(mv->uuid)};
	return tarn_dqlite_exec(c, "UPDATE guests SET moving_to = ?, desired = 'stopped', request = '', gen = gen + 1"
				"  WHERE uuid = ? AND desired = 'running' AND moving_to = ''", v, 2, NULL, NULL, err)
		       ? TARN_POOL_DOWN : 0;
}

/* The second half of a cold move: the guest's domain is gone here, so it is
 * placed on host (its target, or another one if that one left) and meant
 * to run there; host is this member when a move out of maintenance found
 * nowhere to go: it runs here again. */
static int finish_cold_move(tarn_dqlite *c, const char *uuid, const char *moving_to, const char *host, tarn_err err)
{
	struct tarn_dq_value v[] = {TARN_DQ_S(host), TARN_DQ_S(uuid), TARN_DQ_S(moving_to)};
	return tarn_dqlite_exec(c, "UPDATE guests SET host = ?, moving_to = '', desired = 'running', gen = gen + 1"
				"  WHERE uuid = ? AND moving_to = ? AND desired = 'stopped'", v, 3, NULL, NULL, err)
		       ? TARN_POOL_DOWN : 0;
}

static struct target *target_named(struct round *r, const char *id)
{
	for (unsigned i = 0; i < r->ntargets; i++)
		if (strcmp(r->targets[i].id, id) == 0)
			return &r->targets[i];
	return NULL;
}

/* One guest placed on this member: finish its move, start one, or say why not. */
static int evacuate_guest(struct round *r, tarn_dqlite *c, const struct tarn_dq_rows *g, unsigned i, tarn_err err)
{
	const char *uuid = text(g, i, 0), *name = text(g, i, 1), *desired = text(g, i, 2), *actual = text(g, i, 3),
		   *moving_to = text(g, i, 4);
	struct tarn_xlcfg cfg;
	tarn_err why = "";
	long mib = tarn_xlcfg_parse(text(g, i, 5), &cfg, why) == 0 ? cfg.memory : -1;
	if (moving_to[0]) {
		struct target *t = target_named(r, moving_to);
		/* "unknown": no engine ever reported it, so it has no domain (as guest.place holds) */
		if (strcmp(actual, "stopped") && strcmp(actual, "unknown")) {
			if (t && mib > 0)
				t->free_mib -= mib; /* promised to it */
			return r->moving++, 0;      /* still shutting down */
		}
		if (!t && mib >= 0)
			t = choose(r, mib); /* its target left meanwhile (down, in maintenance, ejected) */
		if (t) {
			t->free_mib -= mib > 0 ? mib : 0;
			return finish_cold_move(c, uuid, moving_to, t->id, err);
		}
		if (!r->maintenance)
			return finish_cold_move(c, uuid, moving_to, r->me, err);
		return cannot_move(r, name, "stopped to move, and no VM server can take it now"), 0;
	}
	if (!r->maintenance || !strcmp(desired, "stopped"))
		return 0; /* a stopped guest stays placed here: it takes nothing */
	if (r->hooks && r->hooks->busy(r->hooks->ctx, name))
		return r->moving++, 0; /* its live move is under way */
	if (strcmp(desired, "running"))
		return cannot_move(r, name, strcmp(desired, "paused") ? "suspended here: resume it first"
								       : "paused: resume it or stop it first"), 0;
	if (mib < 0)
		return cannot_move(r, name, why), 0;
	struct target *t = choose(r, mib);
	if (!t) {
		char need[120];
		snprintf(need, sizeof need, "no VM server up and out of maintenance has %ld MiB free", mib);
		return cannot_move(r, name, need), 0;
	}
	if (r->nmoves == TARN_POOL_MAX_MEMBERS)
		return r->moving++, 0; /* the next round takes it */
	struct move *mv = &r->moves[r->nmoves++];
	snprintf(mv->uuid, sizeof mv->uuid, "%s", uuid);
	snprintf(mv->name, sizeof mv->name, "%s", name);
	snprintf(mv->target, sizeof mv->target, "%s", t->id);
	t->free_mib -= mib, r->moving++;
	return 0;
}

static int evacuate(void *ctx, tarn_dqlite *c, tarn_err err)
{
	struct round *r = ctx;
	int rc = read_members(r, c, err);
	if (rc)
		return rc < 0 ? rc : 0; /* no member row: in no pool, or not seated yet */
	struct tarn_dq_value me = TARN_DQ_S(r->me);
	struct tarn_dq_rows *g = tarn_dqlite_query(c, "SELECT uuid, name, desired, actual, moving_to, xlcfg"
						      "  FROM guests WHERE host = ? ORDER BY name", &me, 1, err);
	if (!g)
		return TARN_POOL_DOWN;
	for (unsigned i = 0; i < g->nrows && rc == 0; i++)
		rc = evacuate_guest(r, c, g, i, err);
	tarn_dq_rows_free(g);
	char status[EVACUATION_LEN] = "";
	int k = r->maintenance && r->moving ? snprintf(status, sizeof status, "moving %d guest(s)", r->moving) : 0;
	if (r->maintenance && r->stuck)
		snprintf(status + k, sizeof status - (size_t)k, "%s%d guest(s) cannot move, first %.150s", k ? "; " : "",
			 r->stuck, r->why);
	else if (r->maintenance && !r->moving)
		snprintf(status, sizeof status, "done");
	struct tarn_dq_value v[] = {TARN_DQ_S(status), TARN_DQ_S(r->me)};
	if (rc == 0 && strcmp(status, r->status) != 0 &&
	    tarn_dqlite_exec(c, "UPDATE members SET evacuation = ? WHERE id = ?", v, 2, NULL, NULL, err))
		rc = TARN_POOL_DOWN;
	return rc;
}

int tarn_pool_evacuate(tarn_pool *p, const char *me, const struct tarn_evacuate_hooks *hooks, tarn_err err)
{
	struct round *r = calloc(1, sizeof *r);
	if (!r)
		return snprintf(err, TARN_ERRLEN, "out of memory"), TARN_POOL_DOWN;
	r->me = me, r->hooks = hooks;
	int rc = tarn_pool_with_leader(p, evacuate, r, err);
	/* live moves are asked for outside the reading: the request reads the pool itself */
	for (unsigned i = 0; rc == 0 && i < r->nmoves; i++) {
		tarn_err why = "";
		if (!hooks || hooks->live(hooks->ctx, r->moves[i].name, r->moves[i].target, why) != 0)
			rc = tarn_pool_with_leader(p, move_cold, &r->moves[i], err);
	}
	int left = r->moving + r->stuck;
	free(r);
	return rc ? rc : left;
}
