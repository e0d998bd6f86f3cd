/* The engine's view of the pool's repositories (pool-repo.h): read every
 * TARN_REPO_POOL_POLL seconds (two small queries), kept from the last read
 * that worked, so a pool that cannot be read leaves them as they were; and
 * this host's state of each, written to the pool only when it changed (a
 * Raft commit each). */
#ifndef TARN_REPO_POOL_H
#define TARN_REPO_POOL_H
#include <time.h>

#include "pool-repo.h"

#define TARN_REPO_POOL_POLL 2

struct tarn_repo_pool {
	struct tarn_pool_repos now; /* the last read that worked */
	int read;                   /* one has worked */
	unsigned long long digest;  /* of now: whether a read changed anything */
	time_t next;                /* the next read */
	int down;                   /* a read failed: said once */
	struct tarn_pool_repo_state *found; /* this host's states at the last reconcile, in now's order */
	struct tarn_pool_repo_state *sent;  /* what the pool has of them */
	int unsent;                 /* a report failed: sent again at the next poll */
};

/* 1 when the pool's repositories or this member's roles changed: the
 * repositories are to be reconciled. Sends a report that failed again.
 * self is this member's pool address. */
int tarn_repo_pool_poll(struct tarn_repo_pool *rp, tarn_pool *p, const char *self, time_t now);
/* Reconciles the host's and the pool's repositories (repo-apply.h) and
 * reports this host's states that changed; how many failed. */
int tarn_repo_pool_reconcile(struct tarn_repo_pool *rp, tarn_pool *p, const char *self, tarn_store *st,
			     const char *root, int64_t generation);
void tarn_repo_pool_free(struct tarn_repo_pool *rp);

#endif
