/* The pool's Raft membership; see pool-cluster.h. */
#include "pool-cluster.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define PROBE_MS 1000 /* a member that takes longer to say who leads is down */

/* A failure on the leader's connection: a refusal keeps its words, the rest
 * is the pool being unreachable. */
static int down(tarn_err err, const char *what)
{
	char why[TARN_ERRLEN];
	snprintf(why, sizeof why, "%s", err);
	snprintf(err, TARN_ERRLEN, "%s: %.*s", what, (int)(TARN_ERRLEN - strlen(what) - 3), why);
	return TARN_POOL_DOWN;
}

struct nodes_ctx {
	struct tarn_dq_node *nodes;
	unsigned n;
};

static int get_nodes(void *ctx, tarn_dqlite *c, tarn_err err)
{
	struct nodes_ctx *x = ctx;
	return tarn_dqlite_cluster(c, &x->nodes, &x->n, err) ? down(err, "the pool's members") : 0;
}

int tarn_pool_nodes(tarn_pool *p, struct tarn_dq_node **nodes, unsigned *n, tarn_err err)
{
	struct nodes_ctx x = {0};
	int rc = tarn_pool_with_leader(p, get_nodes, &x, err);
	*nodes = x.nodes, *n = x.n;
	return rc;
}

const char *tarn_pool_role_name(int role)
{
	return role == TARN_DQ_VOTER ? "voter" : role == TARN_DQ_STANDBY ? "standby" : "spare";
}

/* The member row's id for a node at address, "" when none. */
static int member_at(tarn_dqlite *c, const char *address, char *id, size_t n, tarn_err err)
{
	struct tarn_dq_value v = TARN_DQ_S(address);
	struct tarn_dq_rows *r = tarn_dqlite_query(c, "SELECT id FROM members WHERE address = ?", &v, 1, err);
	if (!r)
		return down(err, "the pool's members");
	id[0] = '\0';
	if (r->nrows && tarn_dq_at(r, 0, 0)->type == TARN_DQ_TEXT)
		snprintf(id, n, "%s", tarn_dq_at(r, 0, 0)->s);
	tarn_dq_rows_free(r);
	return 0;
}

struct admit {
	const char *address;
	uint64_t id;
};

static int admit(void *ctx, tarn_dqlite *c, tarn_err err)
{
	struct admit *a = ctx;
	struct tarn_dq_node *nodes = NULL;
	unsigned n = 0;
	char member[32];
	int rc = member_at(c, a->address, member, sizeof member, err);
	if (rc)
		return rc;
	if (member[0])
		return snprintf(err, TARN_ERRLEN, "member %.24s already has pool address %.60s (eject it first if it "
				"is gone)", member, a->address), TARN_POOL_REFUSED;
	if (tarn_dqlite_cluster(c, &nodes, &n, err))
		return down(err, "the pool's members");
	for (unsigned i = 0; i < n && rc == 0; i++)
		if (strcmp(nodes[i].address, a->address) == 0 && tarn_dqlite_remove(c, nodes[i].id, err))
			rc = down(err, "removing what a failed join left");
	/* a member on loopback cannot be reached from a host that is not */
	for (unsigned i = 0; i < n && rc == 0; i++)
		if (!strncmp(nodes[i].address, "127.", 4) && strncmp(a->address, "127.", 4))
			rc = (snprintf(err, TARN_ERRLEN, "member %.24s has a loopback pool address: give it one other "
				       "hosts reach (pool.setAddress) and restart its agent", nodes[i].address),
			      TARN_POOL_REFUSED);
	if (rc == 0 && n >= TARN_POOL_MAX_MEMBERS)
		rc = (snprintf(err, TARN_ERRLEN, "the pool is full (%d members)", TARN_POOL_MAX_MEMBERS),
		TARN_POOL_REFUSED);
	/* a random id, never 1 (the id a lone node bootstraps with) nor taken */
	for (int unique = 0; rc == 0 && !unique;) {
		if (getrandom(&a->id, sizeof a->id, 0) != sizeof a->id)
			a->id = (uint64_t)time(NULL) * 2654435761u;
		a->id = (a->id >> 1) | 2;
		unique = 1;
		for (unsigned i = 0; i < n; i++)
			unique &= nodes[i].id != a->id;
	}
	free(nodes);
	if (rc == 0 && tarn_dqlite_add(c, a->id, a->address, err))
		rc = down(err, "adding the node");
	return rc;
}

int tarn_pool_admit(tarn_pool *p, const char *address, uint64_t *id, tarn_err err)
{
	struct admit a = {.address = address};
	struct tarn_pool_info info;
	int rc = tarn_pool_info(p, &info, err); /* in a pool, and its leader answers */
	if (rc == 0)
		rc = tarn_pool_with_leader(p, admit, &a, err);
	*id = a.id;
	return rc;
}

/* The role a new node gets: whatever is short, voters first. */
static int role_for(const struct tarn_dq_node *nodes, unsigned n, uint64_t id)
{
	unsigned voters = 0, standbys = 0;
	for (unsigned i = 0; i < n; i++)
		if (nodes[i].id != id)
			voters += nodes[i].role == TARN_DQ_VOTER, standbys += nodes[i].role == TARN_DQ_STANDBY;
	return voters < TARN_POOL_VOTERS ? TARN_DQ_VOTER : standbys < TARN_POOL_STANDBYS ? TARN_DQ_STANDBY
											 : TARN_DQ_SPARE;
}

struct seat {
	uint64_t id;
	const char *address;
};

static int seat(void *ctx, tarn_dqlite *c, tarn_err err)
{
	struct seat *s = ctx;
	struct tarn_dq_node *nodes = NULL;
	unsigned n = 0;
	int found = 0, rc = 0, now = TARN_DQ_SPARE;
	if (tarn_dqlite_cluster(c, &nodes, &n, err))
		return down(err, "the pool's members");
	for (unsigned i = 0; i < n; i++)
		if (nodes[i].id == s->id && strcmp(nodes[i].address, s->address) == 0)
			found = 1, now = nodes[i].role;
	int role = role_for(nodes, n, s->id);
	free(nodes);
	if (!found)
		return snprintf(err, TARN_ERRLEN, "node %" PRIu64 " at %.60s was not admitted (or was removed): join "
				"again", s->id, s->address), TARN_POOL_REFUSED;
	/* a role at least as good as the one it would get is kept */
	if (role < now && tarn_dqlite_assign(c, s->id, role, err))
		rc = down(err, "giving the new member its role");
	return rc;
}

int tarn_pool_seat(tarn_pool *p, uint64_t id, const char *address, const char *agent, tarn_err err)
{
	struct seat s = {id, address};
	char sid[24];
	snprintf(sid, sizeof sid, "%" PRIu64, id);
	struct tarn_member m = {.id = sid, .address = address, .roles = "utility,vm-server", .agent = agent,
				.seen = time(NULL)};
	int rc = tarn_pool_with_leader(p, seat, &s, err);
	return rc ? rc : tarn_pool_member_put(p, &m, err);
}

static int expel(void *ctx, tarn_dqlite *c, tarn_err err)
{
	uint64_t id = *(uint64_t *)ctx;
	char sid[24];
	snprintf(sid, sizeof sid, "%" PRIu64, id);
	struct tarn_dq_value v = TARN_DQ_S(sid);
	if (tarn_dqlite_exec(c, "DELETE FROM members WHERE id = ?", &v, 1, NULL, NULL, err))
		return down(err, "removing the member");
	struct tarn_dq_node *nodes = NULL;
	unsigned n = 0;
	int found = 0;
	if (tarn_dqlite_cluster(c, &nodes, &n, err))
		return down(err, "the pool's members");
	for (unsigned i = 0; i < n; i++)
		found |= nodes[i].id == id;
	free(nodes);
	return found && tarn_dqlite_remove(c, id, err) ? down(err, "removing the node") : 0;
}

int tarn_pool_expel(tarn_pool *p, uint64_t id, tarn_err err)
{
	return tarn_pool_with_leader(p, expel, &id, err);
}

/* The node named by id or pool address, or NULL. */
static struct tarn_dq_node *find_node(struct tarn_dq_node *nodes, unsigned n, const char *who)
{
	for (unsigned i = 0; i < n; i++) {
		char sid[24];
		snprintf(sid, sizeof sid, "%" PRIu64, nodes[i].id);
		if (strcmp(sid, who) == 0 || strcmp(nodes[i].address, who) == 0)
			return &nodes[i];
	}
	return NULL;
}

static int no_member(const char *who, tarn_err err)
{
	snprintf(err, TARN_ERRLEN, "no member %.60s in this pool (give its id or pool address)", who);
	return TARN_POOL_REFUSED;
}

static int transfer(void *ctx, tarn_dqlite *c, tarn_err err)
{
	return tarn_dqlite_transfer(c, *(uint64_t *)ctx, err) ? down(err, "handing the master's role over") : 0;
}

int tarn_pool_set_master(tarn_pool *p, const char *who, tarn_err err)
{
	struct tarn_dq_node *nodes = NULL, *it;
	unsigned n = 0;
	struct tarn_pool_info info;
	int rc = tarn_pool_info(p, &info, err);
	if (rc == 0)
		rc = tarn_pool_nodes(p, &nodes, &n, err);
	it = rc == 0 ? find_node(nodes, n, who) : NULL;
	char leader[256], address[256] = "";
	tarn_err ignored;
	uint64_t id = it ? it->id : 0;
	if (it)
		snprintf(address, sizeof address, "%s", it->address);
	if (rc == 0 && !it)
		rc = no_member(who, err);
	else if (rc == 0 && it->role != TARN_DQ_VOTER)
		rc = (snprintf(err, TARN_ERRLEN, "member %.40s is a %s, not a voter: only the %d voters can be "
			       "master (a voter lost or ejected is replaced)", who, tarn_pool_role_name(it->role),
			       TARN_POOL_VOTERS), TARN_POOL_REFUSED);
	else if (rc == 0 && strcmp(address, tarn_pool_address(p)) != 0 &&
		 tarn_dqlite_probe(address, PROBE_MS, leader, sizeof leader, ignored) != 0)
		rc = (snprintf(err, TARN_ERRLEN, "member %.60s is down (its pool node does not answer): it cannot be "
			       "master", who), TARN_POOL_REFUSED);
	free(nodes);
	if (rc || strcmp(info.leader, address) == 0)
		return rc; /* refused, or master already */
	if ((rc = tarn_pool_with_leader(p, transfer, &id, err)) != 0)
		return rc;
	tarn_pool_reconnect(p); /* the old leader's connection no longer leads */
	for (int i = 0; i < 50; i++) {
		if (tarn_pool_info(p, &info, ignored) == 0 && strcmp(info.leader, address) == 0)
			return 0;
		struct timespec t = {0, 100 * 1000 * 1000};
		nanosleep(&t, NULL);
	}
	return snprintf(err, TARN_ERRLEN, "the master's role was handed to %.40s, but %.40s leads now: the pool "
			"elected again", who, info.leader), TARN_POOL_DOWN;
}

struct row_of {
	const char *who;
	char *id;
	size_t n;
};

static int find_row(void *ctx, const struct tarn_member *m)
{
	struct row_of *r = ctx;
	if (strcmp(m->id, r->who) == 0 || strcmp(m->address, r->who) == 0)
		snprintf(r->id, r->n, "%s", m->id);
	return 0;
}

int tarn_pool_eject(tarn_pool *p, const char *who, tarn_err err)
{
	struct tarn_dq_node *nodes = NULL, *it = NULL;
	unsigned n = 0;
	int rc = tarn_pool_nodes(p, &nodes, &n, err);
	if (rc == 0)
		it = find_node(nodes, n, who);
	char leader[256], row[32] = "";
	tarn_err ignored;
	/* a member row whose node the pool no longer has (after a recovery
	 * from a lost majority: tarn-pool-recover) just goes */
	struct row_of r = {who, row, sizeof row};
	if (rc == 0 && !it && (rc = tarn_pool_each_member(p, find_row, &r, err)) == 0 && row[0]) {
		free(nodes);
		return tarn_pool_member_delete(p, row, err);
	}
	if (rc == 0 && !it)
		rc = no_member(who, err);
	else if (rc == 0 && strcmp(it->address, tarn_pool_address(p)) == 0)
		rc = (snprintf(err, TARN_ERRLEN, "%.60s is this host: leave the pool instead", who), TARN_POOL_REFUSED);
	else if (rc == 0 && tarn_dqlite_probe(it->address, PROBE_MS, leader, sizeof leader, ignored) == 0)
		rc = (snprintf(err, TARN_ERRLEN, "member %.40s is up: it should leave itself (pool.leave there); "
			      "eject is for a member that is gone", who), TARN_POOL_REFUSED);
	uint64_t id = it ? it->id : 0;
	free(nodes);
	return rc ? rc : tarn_pool_expel(p, id, err);
}

static int was_down(const struct tarn_pool_watch *w, uint64_t id)
{
	for (unsigned i = 0; i < w->ndown; i++)
		if (w->down[i] == id)
			return 1;
	return 0;
}

struct assign {
	uint64_t id;
	int role;
};

static int assign(void *ctx, tarn_dqlite *c, tarn_err err)
{
	const struct assign *a = ctx;
	return tarn_dqlite_assign(c, a->id, a->role, err) ? down(err, "changing a member's role") : 0;
}

/* Only members are balanced: a node admitted but not yet seated is a
 * join under way, which gives it its role itself. */
struct membership {
	const struct tarn_dq_node *nodes;
	unsigned n;
	int *member;
};

static int mark_member(void *ctx, const struct tarn_member *m)
{
	struct membership *x = ctx;
	for (unsigned i = 0; i < x->n; i++) {
		char id[24];
		snprintf(id, sizeof id, "%" PRIu64, x->nodes[i].id);
		x->member[i] |= strcmp(id, m->id) == 0;
	}
	return 0;
}

int tarn_pool_balance(tarn_pool *p, struct tarn_pool_watch *w, tarn_err err)
{
	struct tarn_dq_node *nodes = NULL;
	unsigned n = 0, voters = 0, standbys = 0, ndown = 0;
	int rc = tarn_pool_nodes(p, &nodes, &n, err);
	if (rc)
		return rc;
	if (n > TARN_POOL_MAX_MEMBERS * 2)
		n = TARN_POOL_MAX_MEMBERS * 2; /* never, as admit stops at the maximum */
	int member[TARN_POOL_MAX_MEMBERS * 2] = {0};
	struct membership x = {nodes, n, member};
	if ((rc = tarn_pool_each_member(p, mark_member, &x, err)) != 0) {
		free(nodes);
		return rc;
	}
	int up[TARN_POOL_MAX_MEMBERS * 2];
	uint64_t now_down[TARN_POOL_MAX_MEMBERS];
	/* who answers, asked without the store's lock held */
	for (unsigned i = 0; i < n; i++) {
		char leader[256];
		tarn_err ignored;
		up[i] = strcmp(nodes[i].address, tarn_pool_address(p)) == 0 ||
			tarn_dqlite_probe(nodes[i].address, PROBE_MS, leader, sizeof leader, ignored) == 0;
		if (!up[i] && ndown < TARN_POOL_MAX_MEMBERS)
			now_down[ndown++] = nodes[i].id;
		voters += up[i] && nodes[i].role == TARN_DQ_VOTER;
		standbys += up[i] && nodes[i].role == TARN_DQ_STANDBY;
	}
	int changed = 0;
	/* promote: standbys before spares, as they hold the log already */
	for (int from = TARN_DQ_STANDBY; from <= TARN_DQ_SPARE && rc == 0; from++)
		for (unsigned i = 0; i < n && voters < TARN_POOL_VOTERS && rc == 0; i++)
			if (up[i] && member[i] && nodes[i].role == from) { /* a join under way seats itself */
				struct assign a = {nodes[i].id, TARN_DQ_VOTER};
				if ((rc = tarn_pool_with_leader(p, assign, &a, err)) == 0)
					voters++, changed++, standbys -= from == TARN_DQ_STANDBY, nodes[i].role = TARN_DQ_VOTER;
			}
	/* a voter down twice running gives its vote up once enough others vote.
	 * It becomes a standby, not a spare: back, it then hears from the
	 * leader and learns its role; a spare would hear nothing and, voter in
	 * its own old view, keep calling elections that unseat the leader. */
	for (unsigned i = 0; i < n && rc == 0; i++)
		if (!up[i] && nodes[i].role == TARN_DQ_VOTER && voters >= TARN_POOL_VOTERS && was_down(w, nodes[i].id)) {
			struct assign a = {nodes[i].id, TARN_DQ_STANDBY};
			if ((rc = tarn_pool_with_leader(p, assign, &a, err)) == 0)
				changed++;
		}
	for (unsigned i = 0; i < n && standbys < TARN_POOL_STANDBYS && rc == 0; i++)
		if (up[i] && member[i] && nodes[i].role == TARN_DQ_SPARE) {
			struct assign a = {nodes[i].id, TARN_DQ_STANDBY};
			if ((rc = tarn_pool_with_leader(p, assign, &a, err)) == 0)
				standbys++, changed++;
		}
	memcpy(w->down, now_down, ndown * sizeof *now_down);
	w->ndown = ndown;
	free(nodes);
	return rc ? rc : changed;
}
