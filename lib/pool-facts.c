/* Members' facts and a guest's move in the pool store; see pool-facts.h. */
#include "pool-facts.h"

#include <stdio.h>
#include <string.h>

#include "dqlite-client.h"

static const char *text(const struct tarn_dq_rows *r, unsigned col)
{
	const struct tarn_dq_value *v = tarn_dq_at(r, 0, col);
	return v->type == TARN_DQ_TEXT && v->s ? v->s : "";
}

static int put(void *ctx, struct tarn_dqlite *c, tarn_err err)
{
	const struct tarn_pool_facts *f = ctx;
	struct tarn_dq_value v[] = {TARN_DQ_S(f->address), TARN_DQ_I(f->memory_total_mib), TARN_DQ_I(f->memory_free_mib),
				    TARN_DQ_S(f->cpu), TARN_DQ_S(f->hw_cap), TARN_DQ_I(f->xen), TARN_DQ_I(f->at)};
	return tarn_pool_exec(c, "INSERT OR REPLACE INTO member_facts (address, memory_total_mib, memory_free_mib, cpu, hw_cap,"
		    " xen, at) VALUES (?, ?, ?, ?, ?, ?, ?)", v, 7, NULL, err);
}

int tarn_pool_facts_put(tarn_pool *p, const struct tarn_pool_facts *f, tarn_err err)
{
	return tarn_pool_with_leader(p, put, (void *)f, err);
}

static int get(void *ctx, struct tarn_dqlite *c, tarn_err err)
{
	struct tarn_pool_facts *f = ctx;
	struct tarn_dq_value v = TARN_DQ_S(f->address);
	struct tarn_dq_rows *r = tarn_dqlite_query(c, "SELECT memory_total_mib, memory_free_mib, cpu, hw_cap, xen, at"
						   " FROM member_facts WHERE address = ?", &v, 1, err);
	int rc = !r ? TARN_POOL_DOWN : r->nrows ? 0 : TARN_POOL_REFUSED;
	if (rc == 0) {
		f->memory_total_mib = tarn_dq_at(r, 0, 0)->i;
		f->memory_free_mib = tarn_dq_at(r, 0, 1)->i;
		snprintf(f->cpu, sizeof f->cpu, "%s", text(r, 2));
		snprintf(f->hw_cap, sizeof f->hw_cap, "%s", text(r, 3));
		f->xen = (int)tarn_dq_at(r, 0, 4)->i;
		f->at = tarn_dq_at(r, 0, 5)->i;
	} else if (rc == TARN_POOL_REFUSED) {
		snprintf(err, TARN_ERRLEN, "member %.64s has published no host facts yet", f->address);
	}
	tarn_dq_rows_free(r);
	return rc;
}

int tarn_pool_facts_get(tarn_pool *p, const char *address, struct tarn_pool_facts *f, tarn_err err)
{
	memset(f, 0, sizeof *f);
	snprintf(f->address, sizeof f->address, "%s", address);
	return tarn_pool_with_leader(p, get, f, err);
}

struct move {
	const char *uuid, *from, *to;
	int domid;
	char *host;
	size_t n;
};

static int move(void *ctx, struct tarn_dqlite *c, tarn_err err)
{
	const struct move *m = ctx;
	int64_t changes = 0;
	/* it runs: what the old host reported (its actual state, domid) is the new one's now */
	struct tarn_dq_value v[] = {TARN_DQ_S(m->to), TARN_DQ_I(m->domid), TARN_DQ_S(m->uuid), TARN_DQ_S(m->from)};
	int rc = tarn_pool_exec(c, "UPDATE guests SET host = ?, domid = ?, actual = 'running', error = '', gen = gen + 1"
		      " WHERE uuid = ? AND host = ?", v, 4, &changes, err);
	return rc ? rc : changes == 0;
}

int tarn_pool_guest_move(tarn_pool *p, const char *uuid, const char *from, const char *to, int domid, tarn_err err)
{
	struct move m = {uuid, from, to, domid, NULL, 0};
	return tarn_pool_with_leader(p, move, &m, err);
}

static int host(void *ctx, struct tarn_dqlite *c, tarn_err err)
{
	const struct move *m = ctx;
	struct tarn_dq_value v = TARN_DQ_S(m->uuid);
	struct tarn_dq_rows *r = tarn_dqlite_query(c, "SELECT host FROM guests WHERE uuid = ?", &v, 1, err);
	int rc = !r ? TARN_POOL_DOWN : r->nrows ? 0 : TARN_POOL_REFUSED;
	if (rc == 0)
		snprintf(m->host, m->n, "%s", text(r, 0));
	else if (rc == TARN_POOL_REFUSED)
		snprintf(err, TARN_ERRLEN, "no guest %.40s in the pool", m->uuid);
	tarn_dq_rows_free(r);
	return rc;
}

int tarn_pool_guest_host(tarn_pool *p, const char *uuid, char *out, size_t n, tarn_err err)
{
	struct move m = {uuid, NULL, NULL, -1, out, n};
	return tarn_pool_with_leader(p, host, &m, err);
}
