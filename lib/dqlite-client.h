/* A small client for dqlite's wire protocol (version 1), which Debian's
 * libdqlite 1.11 serves but has no C client for: connect, find and follow
 * the Raft leader, open a database, run SQL with bound parameters, read
 * rows. Every read and write has a deadline, so a dead or silent peer is
 * an error, never a hang; a malformed reply is an error, never a crash.
 *
 * A connection is not thread-safe: one caller at a time. */
#ifndef TARN_DQLITE_CLIENT_H
#define TARN_DQLITE_CLIENT_H
#include <stdint.h>

#include "validate.h"

typedef struct tarn_dqlite tarn_dqlite;

/* Value types, as on the wire (SQLite's codes). */
enum { TARN_DQ_INT = 1, TARN_DQ_FLOAT = 2, TARN_DQ_TEXT = 3, TARN_DQ_BLOB = 4, TARN_DQ_NULL = 5 };

struct tarn_dq_value {
	int type;
	int64_t i;      /* TARN_DQ_INT (also booleans and unix times in rows) */
	double f;       /* TARN_DQ_FLOAT */
	const char *s;  /* TARN_DQ_TEXT; in rows it lives as long as the rows */
};
#define TARN_DQ_I(v) ((struct tarn_dq_value){.type = TARN_DQ_INT, .i = (v)})
#define TARN_DQ_F(v) ((struct tarn_dq_value){.type = TARN_DQ_FLOAT, .f = (v)})
#define TARN_DQ_S(v) ((struct tarn_dq_value){.type = TARN_DQ_TEXT, .s = (v)})
#define TARN_DQ_NULLV ((struct tarn_dq_value){.type = TARN_DQ_NULL})

/* Connects to a node ("host:port", or "@name" for an abstract Unix socket,
 * or "/path"), asks it who leads (a node that does not know, a standby,
 * has the voters it knows of asked), and follows to the leader. timeout_ms
 * bounds each request (connect, send, reply). No leader yet is an error
 * that says so: callers retry. */
tarn_dqlite *tarn_dqlite_connect(const char *address, unsigned timeout_ms, tarn_err err);
/* How "host:port" addresses are dialed from now on (the pool's TLS, in
 * the agent): fn sets *fd to a connected stream socket within timeout_ms,
 * or returns -1 with err. NULL: plain TCP. Set before any connection. */
typedef int (*tarn_dqlite_dialer)(void *arg, const char *address, unsigned timeout_ms, int *fd, tarn_err err);
void tarn_dqlite_set_dialer(tarn_dqlite_dialer fn, void *arg);
void tarn_dqlite_close(tarn_dqlite *c);
/* The address of the leader this connection speaks to. */
const char *tarn_dqlite_address(const tarn_dqlite *c);
/* False once the connection failed, its peer stopped leading, or the peer
 * closed it (seen without a round trip): connect again. */
int tarn_dqlite_alive(tarn_dqlite *c);

int tarn_dqlite_open(tarn_dqlite *c, const char *database, tarn_err err);

/* Asks the node at address who leads, without following: leader gets its
 * address, or "" when the node does not know (it is not a voter, or there
 * is an election). 0, or -1 when the node does not answer. */
int tarn_dqlite_probe(const char *address, unsigned timeout_ms, char *leader, size_t n, tarn_err err);

/* Raft roles, as on the wire: voters elect the leader and make a majority;
 * standbys get the log and are promoted quickly; spares get nothing. */
enum { TARN_DQ_VOTER = 0, TARN_DQ_STANDBY = 1, TARN_DQ_SPARE = 2 };
struct tarn_dq_node {
	uint64_t id;
	char address[256];
	int role;
};
/* The cluster's configuration as the connected node knows it; *nodes is
 * the caller's to free. Any node answers, leader or not. */
int tarn_dqlite_cluster(tarn_dqlite *c, struct tarn_dq_node **nodes, unsigned *n, tarn_err err);

/* Changes of membership, each committed by a majority before it returns;
 * c must be connected to the leader. A node is added as a spare (it gets
 * nothing until assigned a role); a voter or standby must be running to be
 * assigned (it catches up first). Transfer hands leadership to a voter. */
int tarn_dqlite_add(tarn_dqlite *c, uint64_t id, const char *address, tarn_err err);
int tarn_dqlite_assign(tarn_dqlite *c, uint64_t id, int role, tarn_err err);
int tarn_dqlite_remove(tarn_dqlite *c, uint64_t id, tarn_err err);
int tarn_dqlite_transfer(tarn_dqlite *c, uint64_t id, tarn_err err);
/* Add, then assign the voter role. */
int tarn_dqlite_add_voter(tarn_dqlite *c, uint64_t id, const char *address, tarn_err err);

/* Runs sql (several statements allowed; params bind to the first). */
int tarn_dqlite_exec(tarn_dqlite *c, const char *sql, const struct tarn_dq_value *params,
		     unsigned nparams, int64_t *last_id, int64_t *changes, tarn_err err);

/* A whole result set, read into memory. */
struct tarn_dq_rows {
	unsigned ncols, nrows;
	const char **names;           /* ncols */
	struct tarn_dq_value *values; /* nrows * ncols, row by row */
	char **bodies;                /* the messages the strings point into */
	unsigned nbodies;
};
struct tarn_dq_rows *tarn_dqlite_query(tarn_dqlite *c, const char *sql, const struct tarn_dq_value *params,
				       unsigned nparams, tarn_err err);
static inline const struct tarn_dq_value *tarn_dq_at(const struct tarn_dq_rows *r, unsigned row, unsigned col)
{
	return &r->values[row * r->ncols + col];
}
void tarn_dq_rows_free(struct tarn_dq_rows *r);

/* The last failure's code from the server (an SQLite extended code, e.g.
 * 2067 for a UNIQUE constraint), or 0 when the error was not the server's. */
int tarn_dqlite_errcode(const tarn_dqlite *c);

#endif
