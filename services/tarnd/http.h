/* The network-facing side of the agent: XML-RPC over HTTPS (libmicrohttpd
 * with GnuTLS), HTTP basic auth against the stored hash, failed-login
 * throttling, and limits on request size and connections. The same server
 * answers plain HTTP on the local Unix socket (local-socket.h), where root
 * needs no password. */
#ifndef TARN_HTTP_H
#define TARN_HTTP_H
#include <stddef.h>
#include <xmlrpc-c/server.h>

#include "store.h"

struct tarn_http_config {
	const char *address;   /* IPv4 or IPv6 address to listen on; NULL for all */
	unsigned short port;
	const char *key_pem, *cert_pem;
	size_t max_request;    /* bytes; larger requests get a fault */
	unsigned threads;
	int local_fd;          /* a listening Unix socket to serve as well, or -1 */
	tarn_store *store;     /* holds the agent password's hash */
	xmlrpc_registry *registry;
	/* 1 when password is the pool's (user TARN_POOL_USER), 0 when not, -1
	 * with why when the pool cannot tell (no leader) */
	int (*pool_login)(void *pool_ctx, const char *password, tarn_err why);
	void *pool_ctx;
};

struct tarn_http;
struct tarn_http *tarn_http_start(const struct tarn_http_config *cfg, tarn_err err);
void tarn_http_stop(struct tarn_http *h);

/* The user name API clients authenticate as; and other pool members, with
 * the pool password, for the methods meant for them. */
#define TARN_API_USER "admin"
#define TARN_POOL_USER "pool"

#endif
