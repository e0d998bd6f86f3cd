/* What a live migration needs of the pool store beyond pool-store.h: each
 * member's host facts (published by its engine, read by whoever checks a
 * migration to it), and the move of a running guest's placement, the
 * migration's commit point (services/tarnd/migrate-proto.h). */
#ifndef TARN_POOL_FACTS_H
#define TARN_POOL_FACTS_H
#include <stdint.h>

#include "pool-store.h"

/* A member's host as its engine last read it (lib/event.h's facts). */
struct tarn_pool_facts {
	char address[256];      /* the member's pool address */
	long long memory_total_mib, memory_free_mib;
	char cpu[128];          /* "VENDOR FAMILY MODEL" from cpuid, "" unknown */
	char hw_cap[160];       /* Xen's hardware capability words (physinfo hw_cap), "" off Xen */
	int xen;                /* Xen runs there */
	int64_t at;             /* when published, unix time */
};

/* Records f (under f->address). */
int tarn_pool_facts_put(tarn_pool *p, const struct tarn_pool_facts *f, tarn_err err);
/* The facts of the member at address; TARN_POOL_REFUSED when it published none. */
int tarn_pool_facts_get(tarn_pool *p, const char *address, struct tarn_pool_facts *f, tarn_err err);

/* The guest (by uuid) now runs on member to, with domain domid: its host
 * changes from member from, in one statement, only if it is still there.
 * 0 moved, 1 it was not on from (anymore), or a TARN_POOL_* failure. */
int tarn_pool_guest_move(tarn_pool *p, const char *uuid, const char *from, const char *to, int domid, tarn_err err);
/* The guest's host (a member id, "" unplaced) into host[n]; TARN_POOL_REFUSED when no such guest. */
int tarn_pool_guest_host(tarn_pool *p, const char *uuid, char *host, size_t n, tarn_err err);

#endif
