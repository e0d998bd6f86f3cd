/* High availability: the master's restarts and what they are chosen by;
 * see pool-ha.h. */
#include "pool-ha.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dqlite-client.h"
#include "pool-cluster.h"
#include "pool-job.h"
#include "xlcfg.h"

#define MAX_MOVES 64
#define PROBE_MS 1000
/* a member is up while its last heartbeat is at most three intervals old */
#define UP_SQL "seen >= ?1 - 3 * " TARN_STR(TARN_POOL_HEARTBEAT_S)
#define TARN_STR(x) TARN_STR_(x)
#define TARN_STR_(x) #x

static const char *text(const struct tarn_dq_rows *r, unsigned row, unsigned col)
{
	const struct tarn_dq_value *v = tarn_dq_at(r, row, col);
	return v->type == TARN_DQ_TEXT ? v->s : "";
}

/* One guest's fate, told once the transaction is committed. */
struct move {
	char guest[65], to[24], why[160];
};

struct takeover {
	const char *dead;
	int64_t seen;
	struct move moves[MAX_MOVES];
	int n, moved;
};

/* What a VM server that is up has room for: its free memory less what the
 * guests placed on it but not running yet will take. */
struct target {
	char id[24];
	long room;
};

static long memory_of(const char *xlcfg)
{
	struct tarn_xlcfg c;
	tarn_err ignored;
	return tarn_xlcfg_parse(xlcfg, &c, ignored) ? -1 : c.memory;
}

static int plan(struct takeover *t, tarn_dqlite *c, const struct tarn_dq_rows *m, const struct tarn_dq_rows *g,
		tarn_err err)
{
	struct target to[TARN_POOL_MAX_MEMBERS];
	unsigned nt = 0;
	for (unsigned i = 0; i < m->nrows && nt < TARN_POOL_MAX_MEMBERS; i++) {
		snprintf(to[nt].id, sizeof to[nt].id, "%s", text(m, i, 0));
		to[nt++].room = (long)tarn_dq_at(m, i, 1)->i;
	}
	for (unsigned i = 0; i < g->nrows; i++) /* placed, meant to run, not running yet */
		for (unsigned k = 0; k < nt; k++)
			if (!strcmp(text(g, i, 3), to[k].id) && !tarn_dq_at(g, i, 4)->i)
				to[k].room -= memory_of(text(g, i, 2));
	for (unsigned i = 0; i < g->nrows && t->n < MAX_MOVES; i++) {
		if (strcmp(text(g, i, 3), t->dead) || !tarn_dq_at(g, i, 5)->i)
			continue;
		long need = memory_of(text(g, i, 2));
		struct target *best = NULL;
		for (unsigned k = 0; k < nt; k++)
			if (to[k].room >= need && (!best || to[k].room > best->room))
				best = &to[k];
		struct move *mv = &t->moves[t->n++];
		snprintf(mv->guest, sizeof mv->guest, "%s", text(g, i, 1));
		mv->to[0] = mv->why[0] = '\0';
		struct tarn_dq_value v[] = {TARN_DQ_S(best ? best->id : ""), TARN_DQ_S(text(g, i, 0)),
					    TARN_DQ_S(t->dead), TARN_DQ_S("")};
		int rc;
		if (best) {
			snprintf(mv->to, sizeof mv->to, "%s", best->id);
			best->room -= need;
			/* a cold move off the member (maintenance) had it stopped to
			 * start elsewhere: it is meant to run */
			rc = tarn_dqlite_exec(c, "UPDATE guests SET host = ?1, actual = 'unknown', domid = -1, error = '',"
					      "  error_gen = 0, gen = gen + 1, moving_to = '', desired = CASE moving_to"
					      "  WHEN '' THEN desired ELSE 'running' END WHERE uuid = ?2 AND host = ?3", v, 3,
					      NULL, NULL, err);
			t->moved++;
		} else {
			snprintf(mv->why, sizeof mv->why, "its host (member %.20s) is dead and no VM server that is up "
				 "has %ld MiB free to restart it (HA)", t->dead, need);
			v[3] = TARN_DQ_S(mv->why);
			rc = tarn_dqlite_exec(c, "UPDATE guests SET error = ?4, error_gen = gen WHERE uuid = ?2"
					      "  AND host = ?3 AND error != ?4", v, 4, NULL, NULL, err);
		}
		if (rc)
			return TARN_POOL_DOWN;
	}
	return 0;
}

/* Under the write lock: the member still dead as seen, its HA guests
 * moved with the guests' rows as they are now. */
static int take(void *ctx, tarn_dqlite *c, tarn_err err)
{
	struct takeover *t = ctx;
	struct tarn_dq_value v[] = {TARN_DQ_I(time(NULL)), TARN_DQ_S(t->dead), TARN_DQ_I(t->seen)};
	struct tarn_dq_rows *m = NULL, *g = NULL, *still = NULL;
	if (tarn_dqlite_exec(c, "BEGIN IMMEDIATE", NULL, 0, NULL, NULL, err))
		return TARN_POOL_DOWN;
	int rc = TARN_POOL_DOWN;
	still = tarn_dqlite_query(c, "SELECT 1 FROM members WHERE id = ?2 AND seen = ?3", v, 3, err);
	if (still && still->nrows == 1)
		m = tarn_dqlite_query(c, "SELECT id, f.memory_free_mib FROM members JOIN member_facts f USING (address)"
				      "  WHERE id != ?2 AND f.xen = 1 AND maintenance = 0 AND " UP_SQL
				      "  AND (',' || roles || ',') LIKE '%,vm-server,%'", v, 2, err);
	if (m)
		g = tarn_dqlite_query(c, "SELECT uuid, name, xlcfg, host, actual IN ('running', 'paused'), ha = 1 FROM guests"
				      "  WHERE desired IN ('running', 'paused') OR moving_to != '' ORDER BY name", NULL, 0,
				      err);
	if (still && still->nrows != 1)
		rc = 0; /* a heartbeat came meanwhile (or the member was ejected): alive, or not ours to judge */
	else if (g)
		rc = plan(t, c, m, g, err);
	tarn_dq_rows_free(still);
	tarn_dq_rows_free(m);
	tarn_dq_rows_free(g);
	if (rc == 0 && tarn_dqlite_exec(c, "COMMIT", NULL, 0, NULL, NULL, err) == 0)
		return 0;
	if (tarn_dqlite_alive(c))
		tarn_dqlite_exec(c, "ROLLBACK", NULL, 0, NULL, NULL, (tarn_err){0});
	t->n = t->moved = 0;
	return TARN_POOL_DOWN;
}

int tarn_pool_ha_takeover(tarn_pool *p, const char *dead, int64_t seen, tarn_ha_fn fn, void *ctx, tarn_err err)
{
	struct takeover *t = calloc(1, sizeof *t);
	if (!t)
		return snprintf(err, TARN_ERRLEN, "out of memory"), TARN_POOL_DOWN;
	t->dead = dead, t->seen = seen;
	int rc = tarn_pool_with_leader(p, take, t, err);
	for (int i = 0; rc == 0 && fn && i < t->n; i++)
		fn(ctx, t->moves[i].guest, t->moves[i].to, t->moves[i].why);
	rc = rc ? rc : t->moved;
	free(t);
	return rc;
}

static int64_t now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

struct seen_ctx {
	struct tarn_ha_watch *w;
	const char *self;
	char dead[TARN_POOL_MAX_MEMBERS][24], address[TARN_POOL_MAX_MEMBERS][256];
	int64_t seen[TARN_POOL_MAX_MEMBERS];
	unsigned ndead;
};

/* Notes each member's heartbeat; one unchanged for TARN_HA_RESTART_S is a
 * candidate, pending a probe. */
static int watch_member(void *ctx, const struct tarn_member *m)
{
	struct seen_ctx *s = ctx;
	struct tarn_ha_watch *w = s->w;
	int64_t now = now_mono();
	unsigned i = 0;
	while (i < w->n && strcmp(w->m[i].id, m->id))
		i++;
	if (i == w->n) {
		if (w->n == sizeof w->m / sizeof w->m[0])
			return 0;
		w->n++;
		snprintf(w->m[i].id, sizeof w->m[i].id, "%s", m->id);
		w->m[i].seen = m->seen - 1; /* changed: counted from now */
	}
	if (w->m[i].seen != m->seen)
		w->m[i].seen = m->seen, w->m[i].since = now;
	if (now - w->m[i].since >= TARN_HA_RESTART_S && strcmp(m->address, s->self) && s->ndead < TARN_POOL_MAX_MEMBERS) {
		snprintf(s->dead[s->ndead], sizeof s->dead[0], "%s", m->id);
		snprintf(s->address[s->ndead], sizeof s->address[0], "%s", m->address);
		s->seen[s->ndead++] = m->seen;
	}
	return 0;
}

int tarn_pool_ha_round(tarn_pool *p, struct tarn_ha_watch *w, int is_master, tarn_ha_fn fn, void *ctx,
		       tarn_err err)
{
	struct seen_ctx *s = calloc(1, sizeof *s);
	if (!s)
		return snprintf(err, TARN_ERRLEN, "out of memory"), TARN_POOL_DOWN;
	s->w = w, s->self = tarn_pool_address(p);
	int rc = tarn_pool_each_member(p, watch_member, s, err), moved = 0;
	for (unsigned i = 0; rc >= 0 && is_master && i < s->ndead; i++) {
		char leader[256];
		tarn_err ignored;
		if (tarn_dqlite_probe(s->address[i], PROBE_MS, leader, sizeof leader, ignored) == 0)
			continue; /* its node answers: not dead, whatever its heartbeat */
		rc = tarn_pool_ha_takeover(p, s->dead[i], s->seen[i], fn, ctx, err);
		moved += rc > 0 ? rc : 0;
		int jobs = rc < 0 ? 0 : tarn_pool_job_takeover(p, s->address[i], s->seen[i], err);
		if (jobs > 0 && fn) {
			char why[400];
			snprintf(why, sizeof why, "%d job(s) of member %.256s moved to another utility server or failed",
				 jobs, s->address[i]);
			fn(ctx, NULL, NULL, why);
		}
		rc = jobs < 0 ? jobs : rc;
	}
	free(s);
	return rc < 0 ? rc : moved;
}
