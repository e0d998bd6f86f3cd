/* Repositories of the whole pool (pool schema 8): NFS exports that every
 * member with the VM-server or utility role mounts at the same place,
 * ROOT/<name>, as it mounts its own (repo.h); and what each member's
 * engine made of each one, so any member can show the pool-wide picture.
 *
 * Only NFS may be pool-wide: an iSCSI LUN or a local disk holds ext4 or
 * XFS, which one host at a time may mount (Tarn has no cluster file
 * system), so those are refused with what to do instead. */
#ifndef TARN_POOL_REPO_H
#define TARN_POOL_REPO_H
#include <stdint.h>

#include "pool-store.h"
#include "repo.h"

/* Per member: "mounted", "failed" or "not needed" (a member with neither
 * role); message says where, or why not. */
struct tarn_pool_repo_state {
	char address[256]; /* the member's pool address */
	char name[65];
	char state[16];
	char message[256];
	int64_t at;
};

/* One read of the pool's repositories (name order) and, when asked, every
 * member's state of them; with this member's roles. */
struct tarn_pool_repos {
	int n;
	struct tarn_repo *repo;
	int nstates;
	struct tarn_pool_repo_state *states;
	int member;      /* this host is a member of a pool */
	char roles[128]; /* its roles then */
};

/* Validates and records a new pool repository; r->uuid is made when
 * empty. Refused: another kind than nfs (saying why and what instead), a
 * name or export the pool already has, a host in no pool. */
int tarn_pool_repo_add(tarn_pool *p, struct tarn_repo *r, tarn_err err);
/* Removes it pool-wide (each member's engine then unmounts it);
 * TARN_POOL_REFUSED when there is none. */
int tarn_pool_repo_remove(tarn_pool *p, const char *name, tarn_err err);
/* Reads them; self is this member's pool address. Free with
 * tarn_pool_repos_free, also after a failure. */
int tarn_pool_repo_read(tarn_pool *p, const char *self, int with_states, struct tarn_pool_repos *out, tarn_err err);
void tarn_pool_repos_free(struct tarn_pool_repos *r);
/* The repository named, or NULL. */
const struct tarn_repo *tarn_pool_repos_find(const struct tarn_pool_repos *r, const char *name);
/* A member's state of a repository, as its engine found it. */
int tarn_pool_repo_report(tarn_pool *p, const struct tarn_pool_repo_state *s, tarn_err err);
/* Whether a member with these roles mounts the pool's repositories. */
int tarn_pool_repo_needed(const char *roles);

#endif
