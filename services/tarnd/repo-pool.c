/* The engine's poll of the pool's repositories; see repo-pool.h. */
#include "repo-pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "repo-apply.h"

/* FNV-1a over what decides the mounts: roles, names, sources, options. */
static unsigned long long mix(unsigned long long h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (h ^ 0xff) * 1099511628211ULL; /* a separator: "ab","c" is not "a","bc" */
}

static unsigned long long digest(const struct tarn_pool_repos *r)
{
	unsigned long long h = mix(14695981039346656037ULL, r->member ? r->roles : "-");
	for (int i = 0; i < r->n; i++)
		h = mix(mix(mix(mix(h, r->repo[i].name), r->repo[i].uuid), r->repo[i].source), r->repo[i].options);
	return h;
}

/* Writes what changed since the last report. */
static void report(struct tarn_repo_pool *rp, tarn_pool *p, const char *self)
{
	struct tarn_pool_repo_state *s = rp->found;
	rp->unsent = 0;
	for (int i = 0; s && i < rp->now.n; i++) {
		struct tarn_pool_repo_state *was = rp->sent ? &rp->sent[i] : NULL;
		if (was && !strcmp(was->state, s[i].state) && !strcmp(was->message, s[i].message))
			continue;
		tarn_err err = "";
		snprintf(s[i].address, sizeof s[i].address, "%s", self);
		if (tarn_pool_repo_report(p, &s[i], err) != 0)
			rp->unsent = 1;
		else if (was)
			*was = s[i];
	}
}

int tarn_repo_pool_poll(struct tarn_repo_pool *rp, tarn_pool *p, const char *self, time_t now)
{
	if (!p || now < rp->next)
		return 0;
	rp->next = now + TARN_REPO_POOL_POLL;
	struct tarn_pool_repos r;
	tarn_err err = "";
	if (tarn_pool_repo_read(p, self, 0, &r, err)) {
		if (!rp->down)
			syslog(LOG_WARNING, "repositories: the pool's cannot be read (mounted ones stay): %s", err);
		rp->down = 1;
		return 0;
	}
	rp->down = 0;
	unsigned long long d = digest(&r);
	if (rp->read && d == rp->digest) {
		tarn_pool_repos_free(&r);
		if (rp->unsent)
			report(rp, p, self);
		return 0;
	}
	tarn_pool_repos_free(&rp->now);
	free(rp->sent);
	free(rp->found);
	rp->found = NULL;
	rp->now = r;
	rp->sent = calloc((size_t)(r.n ? r.n : 1), sizeof *rp->sent); /* NULL: everything is sent again */
	rp->digest = d;
	rp->read = 1;
	return 1;
}

int tarn_repo_pool_reconcile(struct tarn_repo_pool *rp, tarn_pool *p, const char *self, tarn_store *st,
			     const char *root, int64_t generation)
{
	struct tarn_pool_repo_state *s = calloc((size_t)(rp->now.n ? rp->now.n : 1), sizeof *s);
	if (!s)
		return 1;
	int failed = tarn_repo_reconcile(st, root, generation, rp->read ? &rp->now : NULL, s);
	free(rp->found);
	rp->found = s;
	if (rp->read && p)
		report(rp, p, self);
	return failed;
}

void tarn_repo_pool_free(struct tarn_repo_pool *rp)
{
	tarn_pool_repos_free(&rp->now);
	free(rp->sent);
	free(rp->found);
	memset(rp, 0, sizeof *rp);
}
