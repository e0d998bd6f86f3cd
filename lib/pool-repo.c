/* Pool-wide repositories in the pool store; see pool-repo.h. */
#include "pool-repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dqlite-client.h"

static const char *text(const struct tarn_dq_rows *r, unsigned row, unsigned col)
{
	const struct tarn_dq_value *v = tarn_dq_at(r, row, col);
	return v->type == TARN_DQ_TEXT && v->s ? v->s : "";
}

int tarn_pool_repo_needed(const char *roles)
{
	return tarn_pool_has_role(roles, "vm-server") || tarn_pool_has_role(roles, "utility");
}

/* Why a kind cannot be pool-wide, and what to do instead; NULL for nfs. */
static const char *not_shareable(const char *kind, tarn_err err)
{
	if (strcmp(kind, "iscsi") == 0)
		return snprintf(err, TARN_ERRLEN, "kind: iscsi cannot be pool-wide: ext4/XFS on a LUN is mounted by one "
				"host at a time (no cluster file system); add it to one host, or use NFS"), err;
	if (strcmp(kind, "local") == 0)
		return snprintf(err, TARN_ERRLEN, "kind: local cannot be pool-wide: its disk is in one host, which alone "
				"mounts it; add it to that host, or use an NFS export"), err;
	return NULL;
}

static int add(void *ctx, struct tarn_dqlite *c, tarn_err err)
{
	const struct tarn_repo *r = ctx;
	struct tarn_dq_value v[] = {TARN_DQ_S(r->name), TARN_DQ_S(r->source)};
	struct tarn_dq_rows *in = tarn_dqlite_query(c, "SELECT count(*) FROM pool", NULL, 0, err);
	struct tarn_dq_rows *had = in ? tarn_dqlite_query(c, "SELECT name, source FROM repositories"
							   "  WHERE name = ? OR source = ?", v, 2, err) : NULL;
	int rc = !had ? TARN_POOL_DOWN : 0;
	if (rc == 0 && tarn_dq_at(in, 0, 0)->i == 0) {
		snprintf(err, TARN_ERRLEN, "this host is in no pool yet (pool.create makes one)");
		rc = TARN_POOL_REFUSED;
	} else if (rc == 0 && had->nrows) {
		if (strcmp(text(had, 0, 0), r->name) == 0)
			snprintf(err, TARN_ERRLEN, "name: the pool already has a repository %.64s", r->name);
		else
			snprintf(err, TARN_ERRLEN, "source: %.100s is already pool repository %.64s", r->source,
				 text(had, 0, 0));
		rc = TARN_POOL_REFUSED;
	}
	tarn_dq_rows_free(in);
	tarn_dq_rows_free(had);
	struct tarn_dq_value row[] = {TARN_DQ_S(r->name), TARN_DQ_S(r->uuid), TARN_DQ_S(r->kind), TARN_DQ_S(r->source),
				      TARN_DQ_S(r->options)};
	/* one statement: a concurrent add of the same name meets the constraint */
	if (rc == 0 && (rc = tarn_pool_exec(c, "INSERT INTO repositories (name, uuid, kind, source, options)"
					     " VALUES (?, ?, ?, ?, ?)", row, 5, NULL, err)) == TARN_POOL_REFUSED)
		snprintf(err, TARN_ERRLEN, "name: the pool already has a repository %.64s (or that export)", r->name);
	return rc;
}

int tarn_pool_repo_add(tarn_pool *p, struct tarn_repo *r, tarn_err err)
{
	if (not_shareable(r->kind, err) || tarn_repo_check(r, err))
		return TARN_POOL_REFUSED;
	if (!r->uuid[0])
		tarn_pool_new_uuid(r->uuid);
	return tarn_pool_with_leader(p, add, r, err);
}

static int drop(void *ctx, struct tarn_dqlite *c, tarn_err err)
{
	struct tarn_dq_value v = TARN_DQ_S(ctx);
	int64_t changes = 0;
	/* the states go first: were the second statement to fail, the
	 * repository is still there and its members report again */
	int rc = tarn_pool_exec(c, "DELETE FROM member_repos WHERE name = ?", &v, 1, NULL, err);
	if (rc == 0)
		rc = tarn_pool_exec(c, "DELETE FROM repositories WHERE name = ?", &v, 1, &changes, err);
	if (rc == 0 && changes == 0)
		rc = (snprintf(err, TARN_ERRLEN, "name: the pool has no repository %.64s", (const char *)ctx),
		      TARN_POOL_REFUSED);
	return rc;
}

int tarn_pool_repo_remove(tarn_pool *p, const char *name, tarn_err err)
{
	if (tarn_check_name(name, err))
		return TARN_POOL_REFUSED;
	return tarn_pool_with_leader(p, drop, (void *)name, err);
}

struct reading {
	const char *self;
	int with_states;
	struct tarn_pool_repos *out;
};

static int read_repos(void *ctx, struct tarn_dqlite *c, tarn_err err)
{
	struct reading *rd = ctx;
	struct tarn_pool_repos *o = rd->out;
	struct tarn_dq_value me = TARN_DQ_S(rd->self);
	tarn_pool_repos_free(o); /* run again on a new leader: start afresh */
	struct tarn_dq_rows *m = tarn_dqlite_query(c, "SELECT roles FROM members WHERE address = ?", &me, 1, err);
	struct tarn_dq_rows *r = m ? tarn_dqlite_query(c, "SELECT name, uuid, kind, source, options FROM repositories"
							" ORDER BY name", NULL, 0, err) : NULL;
	struct tarn_dq_rows *s = r && rd->with_states
		? tarn_dqlite_query(c, "SELECT address, name, state, message, at FROM member_repos ORDER BY name, address",
				    NULL, 0, err) : NULL;
	int rc = !r || (rd->with_states && !s) ? TARN_POOL_DOWN : 0;
	if (rc == 0 && ((r->nrows && !(o->repo = calloc(r->nrows, sizeof *o->repo))) ||
			(s && s->nrows && !(o->states = calloc(s->nrows, sizeof *o->states)))))
		rc = (snprintf(err, TARN_ERRLEN, "out of memory"), TARN_POOL_DOWN);
	if (rc == 0 && m->nrows) {
		o->member = 1;
		snprintf(o->roles, sizeof o->roles, "%s", text(m, 0, 0));
	}
	for (unsigned i = 0; rc == 0 && i < r->nrows; i++, o->n++) {
		struct tarn_repo *x = &o->repo[i];
		snprintf(x->name, sizeof x->name, "%s", text(r, i, 0));
		snprintf(x->uuid, sizeof x->uuid, "%s", text(r, i, 1));
		snprintf(x->kind, sizeof x->kind, "%s", text(r, i, 2));
		snprintf(x->source, sizeof x->source, "%s", text(r, i, 3));
		snprintf(x->options, sizeof x->options, "%s", text(r, i, 4));
		snprintf(x->fstype, sizeof x->fstype, "%s", x->kind); /* nfs */
	}
	for (unsigned i = 0; rc == 0 && s && i < s->nrows; i++, o->nstates++) {
		struct tarn_pool_repo_state *x = &o->states[i];
		snprintf(x->address, sizeof x->address, "%s", text(s, i, 0));
		snprintf(x->name, sizeof x->name, "%s", text(s, i, 1));
		snprintf(x->state, sizeof x->state, "%s", text(s, i, 2));
		snprintf(x->message, sizeof x->message, "%s", text(s, i, 3));
		x->at = tarn_dq_at(s, i, 4)->i;
	}
	tarn_dq_rows_free(m);
	tarn_dq_rows_free(r);
	tarn_dq_rows_free(s);
	return rc;
}

int tarn_pool_repo_read(tarn_pool *p, const char *self, int with_states, struct tarn_pool_repos *out, tarn_err err)
{
	memset(out, 0, sizeof *out);
	struct reading rd = {self, with_states, out};
	int rc = tarn_pool_with_leader(p, read_repos, &rd, err);
	if (rc)
		tarn_pool_repos_free(out);
	return rc;
}

void tarn_pool_repos_free(struct tarn_pool_repos *r)
{
	free(r->repo);
	free(r->states);
	memset(r, 0, sizeof *r);
}

const struct tarn_repo *tarn_pool_repos_find(const struct tarn_pool_repos *r, const char *name)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->repo[i].name, name) == 0)
			return &r->repo[i];
	return NULL;
}

static int report(void *ctx, struct tarn_dqlite *c, tarn_err err)
{
	const struct tarn_pool_repo_state *s = ctx;
	struct tarn_dq_value v[] = {TARN_DQ_S(s->address), TARN_DQ_S(s->name), TARN_DQ_S(s->state),
				    TARN_DQ_S(s->message), TARN_DQ_I(time(NULL)), TARN_DQ_S(s->name)};
	/* only for a repository still there: a late report after a remove adds nothing */
	return tarn_pool_exec(c, "INSERT OR REPLACE INTO member_repos (address, name, state, message, at)"
			      " SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM repositories WHERE name = ?)",
			      v, 6, NULL, err);
}

int tarn_pool_repo_report(tarn_pool *p, const struct tarn_pool_repo_state *s, tarn_err err)
{
	return tarn_pool_with_leader(p, report, (void *)s, err);
}
