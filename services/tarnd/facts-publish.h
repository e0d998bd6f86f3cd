/* The engine publishes its host's facts (host-facts.h, in the node store)
 * to the pool store (lib/pool-facts.h), where whoever checks a migration to
 * this member reads them: when they changed, and at least every
 * TARN_FACTS_REPUBLISH seconds (each write is a Raft commit). */
#ifndef TARN_FACTS_PUBLISH_H
#define TARN_FACTS_PUBLISH_H
#include "pool-facts.h"
#include "store.h"

#define TARN_FACTS_REPUBLISH 60

struct tarn_facts_publisher {
	struct tarn_pool_facts last; /* what was published, at last.at */
};

/* Publishes when due; 0, or -1 with err (the pool down: tried again next time). */
int tarn_facts_publish(struct tarn_facts_publisher *fp, tarn_pool *pool, tarn_store *st, tarn_err err);

#endif
