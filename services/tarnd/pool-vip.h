/* The pool's virtual IP follows the master (OVM's "virtual IP of the
 * pool"): managers keep one address whichever member leads. The engine
 * (it has the root to add an address) asks the pool who leads; while this
 * host does, it holds the address on its management interface and
 * announces it by unsolicited ARP; when it stops leading, or cannot reach
 * the pool (a cut-off master has no quorum), it gives the address up. */
#ifndef TARN_POOL_VIP_H
#define TARN_POOL_VIP_H
#include <time.h>

#include "pool-store.h"
#include "store.h"

struct tarn_pool_vip {
	char held[48];  /* the address held, "ADDRESS/PREFIX"; "" for none */
	char dev[16];   /* ... on this interface */
	time_t next;    /* when to ask the pool again */
	int swept;      /* a stale copy from before this start was removed */
};

/* One check when due: takes, moves or gives up the address. */
void tarn_pool_vip_run(struct tarn_pool_vip *v, tarn_pool *pool, tarn_store *st, time_t now);
/* Gives it up (the agent stops). */
void tarn_pool_vip_drop(struct tarn_pool_vip *v, tarn_store *st);

#endif
