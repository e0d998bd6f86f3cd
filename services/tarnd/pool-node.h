/* This host's pool node: the dqlite server embedded in the agent's API
 * process (it is network-facing, so never in the root engine). A
 * standalone host is a one-member pool whose node bootstraps itself. */
#ifndef TARN_POOL_NODE_H
#define TARN_POOL_NODE_H
#include <stdint.h>

#include "dqlite-client.h"
#include "pool-tls.h"
#include "validate.h"

struct tarn_pool_node;

/* Starts the node with its data (Raft log, snapshots, the node id, the
 * pool key) in dir, at tls->self ("IPv4:port", over TLS: pool-tls.h); *id
 * gets its Raft id, read from dir/node-id (1 when absent: a new lone node,
 * which bootstraps itself). A missing pool key is made. tls must outlive
 * the node. */
struct tarn_pool_node *tarn_pool_node_start(const char *dir, const struct tarn_pool_tls *tls, uint64_t *id,
					    tarn_err err);
void tarn_pool_node_stop(struct tarn_pool_node *n);
/* Records in dir the pool's nodes as this member last saw them (each
 * written only on change): dir/nodes, how many (a node of a pool of
 * several must not move to another address), and dir/cluster, one
 * "ID ADDRESS ROLE" line each, which tarn-pool-recover reads when the pool
 * has lost its majority and cannot be asked. */
int tarn_pool_node_note_cluster(const char *dir, const struct tarn_dq_node *nodes, unsigned n, tarn_err err);

#endif
