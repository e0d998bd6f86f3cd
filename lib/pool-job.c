/* The pool's job table; see pool-job.h. */
#include "pool-job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dqlite-client.h"

#define COLUMNS "id, kind, repo, args, host, state, progress, message, cancel, task, created, updated"
#define UTILITY_SQL "(',' || m.roles || ',') LIKE '%,utility,%'"
#define MOUNTED_SQL \
	"EXISTS (SELECT 1 FROM member_repos r WHERE r.address = m.address AND r.name = ?2 AND r.state = 'mounted')"
/* the candidates for a job on repository ?2 at time ?1, ?3 excluded */
#define CANDIDATES_SQL \
	"FROM members m WHERE " UTILITY_SQL " AND " MOUNTED_SQL " AND m.maintenance = 0 AND m.address != ?3" \
	"  AND m.seen >= ?1 - " TARN_STR(TARN_POOL_JOB_FRESH_S)                                            \
	" ORDER BY (SELECT count(*) FROM jobs j WHERE j.host = m.address AND j.state IN ('queued', 'running')),"   \
	"  m.free_mib DESC, m.address LIMIT 1"
#define TARN_STR(x) TARN_STR_(x)
#define TARN_STR_(x) #x

static const char *text(const struct tarn_dq_rows *r, unsigned row, unsigned col)
{
	const struct tarn_dq_value *v = tarn_dq_at(r, row, col);
	return v->type == TARN_DQ_TEXT && v->s ? v->s : "";
}

static void row(const struct tarn_dq_rows *r, unsigned i, struct tarn_pool_job *j)
{
	j->id = tarn_dq_at(r, i, 0)->i;
	snprintf(j->kind, sizeof j->kind, "%s", text(r, i, 1));
	snprintf(j->repo, sizeof j->repo, "%s", text(r, i, 2));
	snprintf(j->args, sizeof j->args, "%s", text(r, i, 3));
	snprintf(j->host, sizeof j->host, "%s", text(r, i, 4));
	snprintf(j->state, sizeof j->state, "%s", text(r, i, 5));
	j->progress = (int)tarn_dq_at(r, i, 6)->i;
	snprintf(j->message, sizeof j->message, "%s", text(r, i, 7));
	j->cancel = tarn_dq_at(r, i, 8)->i != 0;
	j->task = tarn_dq_at(r, i, 9)->i;
	j->created = tarn_dq_at(r, i, 10)->i;
	j->updated = tarn_dq_at(r, i, 11)->i;
}

/* Why no member could take a job on repo: the first missing condition. */
static int why_none(tarn_dqlite *c, const char *repo, tarn_err err)
{
	struct tarn_dq_value v[] = {TARN_DQ_I(0), TARN_DQ_S(repo)};
	struct tarn_dq_rows *r = tarn_dqlite_query(c, "SELECT (SELECT count(*) FROM members m WHERE " UTILITY_SQL "),"
						   " (SELECT count(*) FROM members m WHERE " UTILITY_SQL " AND " MOUNTED_SQL
						   ")", v, 2, err);
	if (!r)
		return TARN_POOL_DOWN;
	if (tarn_dq_at(r, 0, 0)->i == 0)
		snprintf(err, TARN_ERRLEN, "repo: no member of the pool has the utility role, which does the pool's "
			 "I/O work (on a member: tarnctl pool roles utility,vm-server)");
	else if (tarn_dq_at(r, 0, 1)->i == 0)
		snprintf(err, TARN_ERRLEN, "repo: no utility server has repository %.64s mounted (tarnctl repo list "
			 "shows each member's state)", repo);
	else
		snprintf(err, TARN_ERRLEN, "repo: no utility server with repository %.64s mounted is up and out of "
			 "maintenance now; try again once one is", repo);
	tarn_dq_rows_free(r);
	return TARN_POOL_REFUSED;
}

struct adding {
	const char *kind, *repo, *args;
	struct tarn_pool_job *out;
};

static int add(void *ctx, tarn_dqlite *c, tarn_err err)
{
	struct adding *a = ctx;
	int64_t now = time(NULL), id = 0, changes = 0;
	struct tarn_dq_value old = TARN_DQ_I(now - TARN_POOL_JOB_KEEP_S);
	struct tarn_dq_value v[] = {TARN_DQ_I(now), TARN_DQ_S(a->repo), TARN_DQ_S(""), TARN_DQ_S(a->kind),
				    TARN_DQ_S(a->args)};
	int rc = tarn_pool_exec(c, "DELETE FROM jobs WHERE state IN ('done', 'failed', 'cancelled') AND updated < ?",
				&old, 1, NULL, err);
	/* one statement: two members adding at once both count what is committed */
	if (rc == 0)
		rc = tarn_pool_exec_id(c, "INSERT INTO jobs (kind, repo, args, host, state, message, created, updated)"
				       " SELECT ?4, ?2, ?5, m.address, 'queued', 'queued on utility server ' || m.address,"
				       " ?1, ?1 " CANDIDATES_SQL, v, 5, &id, &changes, err);
	if (rc == 0 && changes == 0)
		return why_none(c, a->repo, err);
	if (rc)
		return rc;
	struct tarn_dq_value k = TARN_DQ_I(id);
	struct tarn_dq_rows *r = tarn_dqlite_query(c, "SELECT " COLUMNS " FROM jobs WHERE id = ?", &k, 1, err);
	if (r && r->nrows == 1)
		row(r, 0, a->out);
	rc = r && r->nrows == 1 ? 0 : TARN_POOL_DOWN;
	tarn_dq_rows_free(r);
	return rc;
}

int tarn_pool_job_add(tarn_pool *p, const char *kind, const char *repo, const char *args,
		      struct tarn_pool_job *out, tarn_err err)
{
	memset(out, 0, sizeof *out);
	if (strlen(kind) >= sizeof out->kind || strlen(args) >= sizeof out->args || tarn_check_name(repo, err))
		return snprintf(err, TARN_ERRLEN, "the job's kind, repository or arguments are too long"),
		       TARN_POOL_REFUSED;
	struct adding a = {kind, repo, args, out};
	return tarn_pool_with_leader(p, add, &a, err);
}

struct listing {
	const char *host;
	int64_t id;
	int limit;
	struct tarn_pool_job *out;
	int n;
};

static int list(void *ctx, tarn_dqlite *c, tarn_err err)
{
	struct listing *l = ctx;
	struct tarn_dq_value v[] = {TARN_DQ_I(l->id), TARN_DQ_S(l->host ? l->host : ""), TARN_DQ_I(l->limit)};
	struct tarn_dq_rows *r = tarn_dqlite_query(
		c, l->id ? "SELECT " COLUMNS " FROM jobs WHERE id = ?1"
		 : l->host ? "SELECT " COLUMNS " FROM jobs WHERE host = ?2 AND state IN ('queued', 'running') ORDER BY id"
			   : "SELECT " COLUMNS " FROM jobs WHERE ?2 = '' ORDER BY id DESC LIMIT ?3",
		v, l->id ? 1 : l->host ? 2 : 3, err);
	if (!r)
		return TARN_POOL_DOWN;
	free(l->out); /* run again on a new leader: start afresh */
	l->n = 0;
	l->out = r->nrows ? calloc(r->nrows, sizeof *l->out) : NULL;
	if (r->nrows && !l->out) {
		tarn_dq_rows_free(r);
		return snprintf(err, TARN_ERRLEN, "out of memory"), TARN_POOL_DOWN;
	}
	for (unsigned i = 0; i < r->nrows; i++)
		row(r, i, &l->out[l->n++]);
	tarn_dq_rows_free(r);
	return 0;
}

int tarn_pool_job_list(tarn_pool *p, const char *host, int limit, struct tarn_pool_job **out, int *n,
		       tarn_err err)
{
	struct listing l = {.host = host, .limit = limit};
	int rc = tarn_pool_with_leader(p, list, &l, err);
	*out = l.out;
	*n = rc ? 0 : l.n;
	return rc;
}

int tarn_pool_job_get(tarn_pool *p, int64_t id, struct tarn_pool_job *j, tarn_err err)
{
	struct listing l = {.id = id};
	int rc = tarn_pool_with_leader(p, list, &l, err);
	if (rc == 0 && l.n != 1)
		rc = (snprintf(err, TARN_ERRLEN, "the pool has no job %lld", (long long)id), TARN_POOL_REFUSED);
	if (rc == 0)
		*j = l.out[0];
	free(l.out);
	return rc;
}

struct change {
	const char *sql;
	struct tarn_dq_value v[6];
	unsigned n;
	int64_t changes;
};

static int change(void *ctx, tarn_dqlite *c, tarn_err err)
{
	struct change *ch = ctx;
	return tarn_pool_exec(c, ch->sql, ch->v, ch->n, &ch->changes, err);
}

int tarn_pool_job_claim(tarn_pool *p, int64_t id, const char *host, tarn_err err)
{
	struct change ch = {"UPDATE jobs SET state = 'running', message = 'starting on ' || ?2, updated = ?3"
			    " WHERE id = ?1 AND host = ?2 AND state = 'queued' AND cancel = 0",
			    {TARN_DQ_I(id), TARN_DQ_S(host), TARN_DQ_I(time(NULL))}, 3, 0};
	int rc = tarn_pool_with_leader(p, change, &ch, err);
	return rc ? rc : ch.changes == 1;
}

int tarn_pool_job_set_task(tarn_pool *p, int64_t id, const char *host, int64_t task, tarn_err err)
{
	struct change ch = {"UPDATE jobs SET task = ?3 WHERE id = ?1 AND host = ?2 AND state = 'running'",
			    {TARN_DQ_I(id), TARN_DQ_S(host), TARN_DQ_I(task)}, 3, 0};
	return tarn_pool_with_leader(p, change, &ch, err);
}

int tarn_pool_job_mirror(tarn_pool *p, const struct tarn_pool_job *j, tarn_err err)
{
	struct change ch = {"UPDATE jobs SET state = ?3, progress = ?4, message = ?5, updated = ?6"
			    " WHERE id = ?1 AND host = ?2 AND state = 'running'",
			    {TARN_DQ_I(j->id), TARN_DQ_S(j->host), TARN_DQ_S(j->state), TARN_DQ_I(j->progress),
			     TARN_DQ_S(j->message), TARN_DQ_I(time(NULL))}, 6, 0};
	return tarn_pool_with_leader(p, change, &ch, err);
}

int tarn_pool_job_cancel(tarn_pool *p, int64_t id, tarn_err err)
{
	struct change ch = {"UPDATE jobs SET cancel = 1, updated = ?2,"
			    " state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END,"
			    " message = CASE WHEN state = 'queued' THEN 'cancelled before it started' ELSE message END"
			    " WHERE id = ?1 AND state IN ('queued', 'running')",
			    {TARN_DQ_I(id), TARN_DQ_I(time(NULL))}, 2, 0};
	int rc = tarn_pool_with_leader(p, change, &ch, err);
	if (rc == 0 && ch.changes == 0)
		rc = (snprintf(err, TARN_ERRLEN, "job %lld has already ended, or there is none", (long long)id),
		      TARN_POOL_REFUSED);
	return rc;
}

struct takeover {
	const char *dead;
	int64_t seen;
	int changed;
};

/* In one transaction: the member still dead as seen; each queued job
 * moved to the best other candidate, or failed; each running one failed. */
static int take(void *ctx, tarn_dqlite *c, tarn_err err)
{
	struct takeover *t = ctx;
	int64_t now = time(NULL);
	struct tarn_dq_value d[] = {TARN_DQ_I(now), TARN_DQ_S(t->dead), TARN_DQ_I(t->seen)};
	t->changed = 0;
	if (tarn_dqlite_exec(c, "BEGIN IMMEDIATE", NULL, 0, NULL, NULL, err))
		return TARN_POOL_DOWN;
	struct tarn_dq_rows *still = tarn_dqlite_query(c, "SELECT 1 FROM members WHERE address = ?2 AND seen = ?3",
						       d, 3, err);
	struct tarn_dq_rows *q = still && still->nrows == 1
		? tarn_dqlite_query(c, "SELECT id, repo FROM jobs WHERE host = ?2 AND state = 'queued'", d, 2, err)
		: NULL;
	int rc = !still || (still->nrows == 1 && !q) ? TARN_POOL_DOWN : 0;
	for (unsigned i = 0; rc == 0 && q && i < q->nrows; i++) {
		int64_t moved = 0;
		struct tarn_dq_value v[] = {TARN_DQ_I(now), TARN_DQ_S(text(q, i, 1)), TARN_DQ_S(t->dead),
					    TARN_DQ_I(tarn_dq_at(q, i, 0)->i)};
		rc = tarn_pool_exec(c, "UPDATE jobs SET updated = ?1, host = (SELECT m.address " CANDIDATES_SQL "),"
				    " message = 'moved from ' || ?3 || ', which stopped answering'"
				    " WHERE id = ?4 AND EXISTS (SELECT 1 " CANDIDATES_SQL ")", v, 4, &moved, err);
		if (rc == 0 && !moved)
			rc = tarn_pool_exec(c, "UPDATE jobs SET updated = ?1, state = 'failed', message = 'utility server '"
					    " || ?3 || ' stopped answering, and no other has repository ' || ?2 ||"
					    " ' mounted' WHERE id = ?4", v, 4, NULL, err);
		t->changed += rc == 0;
	}
	int64_t failed = 0;
	if (rc == 0 && q)
		rc = tarn_pool_exec(c, "UPDATE jobs SET updated = ?1, state = 'failed', message = 'utility server ' || ?2"
				    " || ' stopped answering while it ran this (its partial files stay until it is back)'"
				    " WHERE host = ?2 AND state = 'running'", d, 2, &failed, err);
	t->changed += (int)failed;
	tarn_dq_rows_free(still);
	tarn_dq_rows_free(q);
	if (rc == 0 && tarn_dqlite_exec(c, "COMMIT", NULL, 0, NULL, NULL, err) == 0)
		return 0;
	if (tarn_dqlite_alive(c))
		tarn_dqlite_exec(c, "ROLLBACK", NULL, 0, NULL, NULL, (tarn_err){0});
	return rc ? rc : TARN_POOL_DOWN;
}

int tarn_pool_job_takeover(tarn_pool *p, const char *dead, int64_t seen, tarn_err err)
{
	struct takeover t = {dead, seen, 0};
	int rc = tarn_pool_with_leader(p, take, &t, err);
	return rc ? rc : t.changed;
}
