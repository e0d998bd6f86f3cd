/* The engine's migration socket: the abstract Unix socket
 * "@tarn-migrate-ADDRESS" (pool-tls.h) to which this host's API process
 * relays the pool's authenticated TLS connections that name the migration
 * service. Only that process (its group) or root may connect. Each
 * connection is served by a child (migrate-xen.h's target side), a few at
 * a time; the engine reaps them. */
#ifndef TARN_MIGRATE_LISTEN_H
#define TARN_MIGRATE_LISTEN_H
#include <sys/types.h>

#include "validate.h"

#define TARN_MIGRATE_INCOMING 4

struct tarn_migrate_listener {
	int fd;
	gid_t api_gid;       /* the API process's group: its relays are let in */
	const char *db;      /* the node store, for the children's events */
	const char *pool;    /* this member's pool address */
	pid_t kids[TARN_MIGRATE_INCOMING];
};

/* Listens; 0, or -1 with err (fd is then -1). */
int tarn_migrate_listen(struct tarn_migrate_listener *l, const char *pool, const char *db, gid_t api_gid,
			tarn_err err);
/* A connection is waiting (fd polled readable): take it. */
void tarn_migrate_accept(struct tarn_migrate_listener *l);
/* Reaps the children that ended. */
void tarn_migrate_reap(struct tarn_migrate_listener *l);
/* Stops listening and ends the children. */
void tarn_migrate_close(struct tarn_migrate_listener *l);

#endif
