/* Pool traffic over TLS, authenticated and encrypted with the pool key (a
 * pre-shared key every member holds; TLS-PSK with ephemeral ECDHE).
 *
 * dqlite 1.11 has no TLS, so the node listens only on a private abstract
 * Unix socket (tarn_pool_tls_inner) and this module carries its traffic:
 * a listener takes TLS connections on the node's address and relays each
 * to that socket; a dialer (dqlite's connect function for the node's Raft
 * connections, and lib/dqlite-client's dialer for the pool store's) makes
 * a TLS connection and hands back one end of a socket pair that a thread
 * relays. In the node's own process its socket is dialed directly; dqlite
 * takes a connection on it from that process only, so other processes
 * (the engine) come in over TLS too.
 *
 * The same listener carries a second service, live migration: a dialer
 * that names it (its PSK identity, under the same key) is relayed to the
 * engine's migration socket (tarn_pool_tls.migrate) instead of the node.
 *
 * The key is read from its file at each handshake, so a join that changes
 * it needs no restart of anything but the node. */
#ifndef TARN_POOL_TLS_H
#define TARN_POOL_TLS_H
#include "validate.h"

struct tarn_pool_tls {
	char self[256];      /* this node's address ("IPv4:port"); "" outside its process */
	char inner[300];     /* the node's own socket: "@tarn-pool-" self */
	char migrate[300];   /* the engine's migration socket: "@tarn-migrate-" self */
	char key_path[4200]; /* the pool key file: 64 hex digits */
};

/* Fills t for the node at address with its key in key_path. */
void tarn_pool_tls_init(struct tarn_pool_tls *t, const char *address, const char *key_path);

/* A new random pool key, written to path. */
int tarn_pool_tls_new_key(const char *path, tarn_err err);
/* The key in path as 64 hex digits into hex[65]. */
int tarn_pool_tls_read_key(const char *path, char hex[65], tarn_err err);

/* Connects to the node at address: *fd is a stream socket carrying the
 * node's protocol in the clear, its other side TLS. arg is the
 * tarn_pool_tls. The shape of lib/dqlite-client's dialer. */
int tarn_pool_tls_dial(void *arg, const char *address, unsigned timeout_ms, int *fd, tarn_err err);
/* What a connection carries: the pool node's protocol, or a live
 * migration's stream to the engine of the member at address. */
enum tarn_pool_service { TARN_POOL_NODE, TARN_POOL_MIGRATE };
int tarn_pool_tls_dial_service(const struct tarn_pool_tls *t, const char *address, enum tarn_pool_service service,
			       unsigned timeout_ms, int *fd, tarn_err err);
/* The same, in the shape of dqlite_node_set_connect_func. */
int tarn_pool_tls_connect(void *arg, const char *address, int *fd);

struct tarn_pool_tls_listener;
/* Listens on t->self, relaying each authenticated connection to t->inner
 * (or, for TARN_POOL_MIGRATE, to t->migrate). */
struct tarn_pool_tls_listener *tarn_pool_tls_listen(const struct tarn_pool_tls *t, tarn_err err);
void tarn_pool_tls_stop(struct tarn_pool_tls_listener *l);

#endif
