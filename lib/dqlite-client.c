/* dqlite wire protocol client; see dqlite.h. Messages are a header word
 * (body size in 8-byte words, little endian u32; type; schema; unused) and
 * a body of fields, each padded to a whole word. */
#include "dqlite-client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum { REQ_LEADER = 0, REQ_CLIENT = 1, REQ_OPEN = 3, REQ_EXEC_SQL = 8, REQ_QUERY_SQL = 9, REQ_ADD = 12,
       REQ_ASSIGN = 13, REQ_REMOVE = 14, REQ_CLUSTER = 16, REQ_TRANSFER = 17 };
enum { RES_FAILURE = 0, RES_SERVER = 1, RES_WELCOME = 2, RES_SERVERS = 3, RES_DB = 4, RES_RESULT = 6,
       RES_ROWS = 7, RES_EMPTY = 8 };
#define MAX_NODES 256
#define ROWS_PART 0xeeeeeeeeeeeeeeeeULL
#define ROWS_DONE 0xffffffffffffffffULL
#define MAX_BODY (16u << 20)  /* one reply; a server's batch is a page or so */
#define MAX_RESULT (64u << 20) /* a whole result set */

struct tarn_dqlite {
	int fd;
	unsigned timeout_ms;
	uint32_t db;
	int has_db, errcode;
	char address[256];
};

/* A growing request body. */
struct buf {
	unsigned char *p;
	size_t len, cap;
};

static int put(struct buf *b, const void *data, size_t n)
{
	size_t padded = (n + 7) & ~(size_t)7;
	if (b->len + padded > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + padded)
			cap *= 2;
		unsigned char *p = realloc(b->p, cap);
		if (!p)
			return -1;
		b->p = p, b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	memset(b->p + b->len + n, 0, padded - n);
	b->len += padded;
	return 0;
}

static void le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int put_u64(struct buf *b, uint64_t v)
{
	unsigned char w[8];
	le64(w, v);
	return put(b, w, 8);
}

static int put_text(struct buf *b, const char *s)
{
	return put(b, s, strlen(s) + 1);
}

/* Parameters: a count byte and one type byte each, padded; then values. */
static int put_params(struct buf *b, const struct tarn_dq_value *v, unsigned n, tarn_err err)
{
	if (n == 0)
		return 0;
	if (n > 255)
		return snprintf(err, TARN_ERRLEN, "dqlite: at most 255 parameters"), -1;
	unsigned char head[256] = {(unsigned char)n};
	for (unsigned i = 0; i < n; i++) {
		if (v[i].type < TARN_DQ_INT || v[i].type > TARN_DQ_NULL || v[i].type == TARN_DQ_BLOB ||
		    (v[i].type == TARN_DQ_TEXT && !v[i].s))
			return snprintf(err, TARN_ERRLEN, "dqlite: parameter %u has no value of a known type", i + 1), -1;
		head[i + 1] = (unsigned char)v[i].type;
	}
	int rc = put(b, head, n + 1);
	for (unsigned i = 0; i < n && rc == 0; i++) {
		uint64_t w = 0;
		if (v[i].type == TARN_DQ_TEXT) {
			rc = put_text(b, v[i].s);
			continue;
		}
		if (v[i].type == TARN_DQ_INT)
			w = (uint64_t)v[i].i;
		else if (v[i].type == TARN_DQ_FLOAT)
			memcpy(&w, &v[i].f, 8);
		rc = put_u64(b, w);
	}
	return rc ? (snprintf(err, TARN_ERRLEN, "out of memory"), -1) : 0;
}

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

static void deadline_in(struct timespec *d, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += ms / 1000;
	d->tv_nsec += (long)(ms % 1000) * 1000000;
	if (d->tv_nsec >= 1000000000)
		d->tv_sec++, d->tv_nsec -= 1000000000;
}

/* Moves exactly n bytes before the deadline; the connection is unusable
 * after a failure (a reply may be half read), so it is closed. */
static int io(tarn_dqlite *c, void *p, size_t n, int out, const struct timespec *deadline, tarn_err err)
{
	size_t done = 0;
	while (done < n) {
		struct pollfd pfd = {.fd = c->fd, .events = out ? POLLOUT : POLLIN};
		int r = poll(&pfd, 1, (int)ms_left(deadline));
		if (r == 0) {
			snprintf(err, TARN_ERRLEN, "dqlite %.60s: no answer within %u ms", c->address, c->timeout_ms);
			goto dead;
		}
		ssize_t k = r < 0 ? -1 : out ? send(c->fd, (char *)p + done, n - done, MSG_NOSIGNAL)
					     : recv(c->fd, (char *)p + done, n - done, 0);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k <= 0) {
			snprintf(err, TARN_ERRLEN, "dqlite %.60s: %s", c->address,
				 k == 0 || errno == EPIPE || errno == ECONNRESET ? "the server closed the connection"
										  : strerror(errno));
			goto dead;
		}
		done += (size_t)k;
	}
	return 0;
dead:
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	return -1;
}

static int receive(tarn_dqlite *c, const struct timespec *deadline, int *rtype, unsigned char **body,
		   size_t *len, tarn_err err)
{
	unsigned char h[8];
	if (io(c, h, 8, 0, deadline, err))
		return -1;
	uint64_t words = (uint64_t)h[0] | (uint64_t)h[1] << 8 | (uint64_t)h[2] << 16 | (uint64_t)h[3] << 24;
	if (words * 8 > MAX_BODY) {
		snprintf(err, TARN_ERRLEN, "dqlite %.60s: a reply of %llu bytes is too big", c->address,
			 (unsigned long long)words * 8);
		close(c->fd), c->fd = -1;
		return -1;
	}
	*len = words * 8;
	*rtype = h[4];
	*body = malloc(*len + 1);
	if (!*body)
		return snprintf(err, TARN_ERRLEN, "out of memory"), -1;
	(*body)[*len] = '\0'; /* a last unterminated string stops here */
	if (io(c, *body, *len, 0, deadline, err)) {
		free(*body), *body = NULL;
		return -1;
	}
	return 0;
}

/* A FAILURE reply becomes the error: code and message. */
static int failure(tarn_dqlite *c, const unsigned char *body, size_t len, tarn_err err)
{
	c->errcode = len >= 8 ? (int)get64(body) : -1;
	/* not (or no longer) the leader: this connection is of no more use */
	if (c->errcode == 10250 || c->errcode == 10506)
		close(c->fd), c->fd = -1;
	snprintf(err, TARN_ERRLEN, "%.*s", len > 8 ? (int)strnlen((const char *)body + 8, len - 8) : 0,
		 len > 8 ? (const char *)body + 8 : "");
	if (!err[0])
		snprintf(err, TARN_ERRLEN, "dqlite error %d", c->errcode);
	return -1;
}

/* Sends one request and reads one reply; *body is the caller's to free. */
static int roundtrip(tarn_dqlite *c, int type, const struct buf *req, int *rtype, unsigned char **body,
		     size_t *len, tarn_err err)
{
	c->errcode = 0;
	if (c->fd < 0)
		return snprintf(err, TARN_ERRLEN, "dqlite %.60s: the connection is closed", c->address), -1;
	struct timespec deadline;
	deadline_in(&deadline, c->timeout_ms);
	unsigned char h[8] = {0};
	uint32_t words = (uint32_t)(req->len / 8);
	h[0] = (unsigned char)words, h[1] = (unsigned char)(words >> 8);
	h[2] = (unsigned char)(words >> 16), h[3] = (unsigned char)(words >> 24);
	h[4] = (unsigned char)type;
	if (io(c, h, 8, 1, &deadline, err) || io(c, req->p, req->len, 1, &deadline, err) ||
	    receive(c, &deadline, rtype, body, len, err))
		return -1;
	if (*rtype == RES_FAILURE) {
		failure(c, *body, *len, err);
		free(*body), *body = NULL;
		return -1;
	}
	return 0;
}

/* A reply of the expected type with at least min bytes, else an error. */
static unsigned char *request(tarn_dqlite *c, int type, const struct buf *req, int want, size_t min,
			      size_t *len, tarn_err err)
{
	int rtype;
	unsigned char *body = NULL;
	if (roundtrip(c, type, req, &rtype, &body, len, err))
		return NULL;
	if (rtype != want || *len < min) {
		snprintf(err, TARN_ERRLEN, "dqlite %.60s: unexpected reply (type %d, %zu bytes) to request %d",
			 c->address, rtype, *len, type);
		free(body);
		close(c->fd), c->fd = -1;
		return NULL;
	}
	return body;
}

static tarn_dqlite_dialer dialer;
static void *dialer_arg;

void tarn_dqlite_set_dialer(tarn_dqlite_dialer fn, void *arg)
{
	dialer = fn, dialer_arg = arg;
}

/* The protocol version, then registration as a client. */
static int hello(tarn_dqlite *c, tarn_err err)
{
	struct timespec deadline;
	unsigned char v[8];
	le64(v, 1);
	deadline_in(&deadline, c->timeout_ms);
	if (io(c, v, 8, 1, &deadline, err))
		return -1;
	struct buf b = {0};
	size_t len;
	unsigned char *body = put_u64(&b, 0) ? NULL : request(c, REQ_CLIENT, &b, RES_WELCOME, 8, &len, err);
	int rc = body ? 0 : -1;
	free(b.p);
	free(body);
	return rc;
}

static int dial(tarn_dqlite *c, const char *address, tarn_err err)
{
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	snprintf(c->address, sizeof c->address, "%s", address);
	if (dialer && address[0] != '@' && address[0] != '/') {
		if (dialer(dialer_arg, address, c->timeout_ms, &c->fd, err))
			return c->fd = -1, -1;
		return hello(c, err);
	}
	if (address[0] == '@' || address[0] == '/') {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;
		size_t n = strlen(address);
		if (n >= sizeof un->sun_path)
			return snprintf(err, TARN_ERRLEN, "dqlite: socket name %.40s is too long", address), -1;
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, address, n);
		if (address[0] == '@')
			un->sun_path[0] = '\0';
		sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (address[0] == '/'));
	} else {
		char host[256];
		const char *colon = strrchr(address, ':');
		if (!colon || colon == address || (size_t)(colon - address) >= sizeof host)
			return snprintf(err, TARN_ERRLEN, "dqlite: %.60s is not host:port", address), -1;
		snprintf(host, sizeof host, "%.*s", (int)(colon - address), address);
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
		int rc = getaddrinfo(host, colon + 1, &hints, &ai);
		if (rc)
			return snprintf(err, TARN_ERRLEN, "dqlite: %.60s: %s", address, gai_strerror(rc)), -1;
		memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
		sl = ai->ai_addrlen;
		freeaddrinfo(ai);
	}
	c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return snprintf(err, TARN_ERRLEN, "dqlite: socket: %s", strerror(errno)), -1;
	if (connect(c->fd, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS) {
		snprintf(err, TARN_ERRLEN, "dqlite %.60s: %s", address, strerror(errno));
		return close(c->fd), c->fd = -1, -1;
	}
	struct pollfd pfd = {.fd = c->fd, .events = POLLOUT};
	int soerr = 0;
	socklen_t el = sizeof soerr;
	if (poll(&pfd, 1, (int)c->timeout_ms) != 1 || getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &el) || soerr) {
		snprintf(err, TARN_ERRLEN, "dqlite %.60s: %s", address,
			 soerr ? strerror(soerr) : "connection timed out");
		return close(c->fd), c->fd = -1, -1;
	}
	return hello(c, err);
}

/* Asks the node who leads: *leader gets its address ("" while none). */
static int ask_leader(tarn_dqlite *c, char *leader, size_t n, tarn_err err)
{
	struct buf b = {0};
	size_t len;
	unsigned char *body = put_u64(&b, 0) ? NULL : request(c, REQ_LEADER, &b, RES_SERVER, 16, &len, err);
	free(b.p);
	if (!body)
		return -1;
	snprintf(leader, n, "%.*s", (int)strnlen((char *)body + 8, len - 8), (char *)body + 8);
	free(body);
	return 0;
}

static tarn_dqlite *client_new(unsigned timeout_ms, tarn_err err)
{
	tarn_dqlite *c = calloc(1, sizeof *c);
	if (!c)
		return snprintf(err, TARN_ERRLEN, "out of memory"), NULL;
	c->fd = -1;
	c->timeout_ms = timeout_ms ? timeout_ms : 5000;
	return c;
}

int tarn_dqlite_probe(const char *address, unsigned timeout_ms, char *leader, size_t n, tarn_err err)
{
	tarn_dqlite *c = client_new(timeout_ms, err);
	int rc = !c || dial(c, address, err) || ask_leader(c, leader, n, err) ? -1 : 0;
	tarn_dqlite_close(c);
	return rc;
}

/* Only voters know the leader: a standby or spare node says "". Then the
 * voters it knows of are asked. */
static int ask_voters(tarn_dqlite *c, char *leader, size_t n, tarn_err err)
{
	struct tarn_dq_node *nodes = NULL;
	unsigned count = 0, voters = 0, answered = 0;
	if (tarn_dqlite_cluster(c, &nodes, &count, err))
		return -1;
	for (unsigned i = 0; i < count && !leader[0]; i++) {
		if (nodes[i].role != TARN_DQ_VOTER)
			continue;
		voters++;
		tarn_err ignored;
		if (strcmp(nodes[i].address, c->address) == 0 ||
		    tarn_dqlite_probe(nodes[i].address, c->timeout_ms < 1000 ? c->timeout_ms : 1000, leader, n,
				      ignored) == 0)
			answered++;
	}
	free(nodes);
	if (!leader[0])
		snprintf(err, TARN_ERRLEN, "the pool has no quorum: %u of %u voters answer and a majority "
			 "is needed (or an election is under way); changes are refused until then", answered, voters);
	return leader[0] ? 0 : -1;
}

tarn_dqlite *tarn_dqlite_connect(const char *address, unsigned timeout_ms, tarn_err err)
{
	tarn_dqlite *c = client_new(timeout_ms, err);
	char leader[256];
	if (!c || dial(c, address, err) || ask_leader(c, leader, sizeof leader, err) ||
	    (!leader[0] && ask_voters(c, leader, sizeof leader, err)))
		goto fail;
	/* a follower names the leader: follow, a few hops at most */
	for (int hop = 0; hop < 3; hop++) {
		if (strcmp(leader, c->address) == 0)
			return c;
		close(c->fd), c->fd = -1;
		if (dial(c, leader, err) || ask_leader(c, leader, sizeof leader, err))
			break;
		if (!leader[0]) {
			snprintf(err, TARN_ERRLEN, "dqlite %.60s: the pool has no leader at the moment "
				 "(an election, or no quorum: too few members up)", c->address);
			break;
		}
	}
fail:
	tarn_dqlite_close(c);
	return NULL;
}

void tarn_dqlite_close(tarn_dqlite *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

const char *tarn_dqlite_address(const tarn_dqlite *c) { return c->address; }
int tarn_dqlite_alive(tarn_dqlite *c)
{
	if (!c || c->fd < 0)
		return 0;
	/* the server never speaks unasked: anything to read is its end (a
	 * leader stepping down closes its clients) */
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	if (poll(&p, 1, 0) != 0) {
		close(c->fd);
		c->fd = -1;
		return 0;
	}
	return 1;
}
int tarn_dqlite_errcode(const tarn_dqlite *c) { return c->errcode; }

int tarn_dqlite_open(tarn_dqlite *c, const char *database, tarn_err err)
{
	struct buf b = {0};
	size_t len;
	unsigned char *body = put_text(&b, database) || put_u64(&b, 0) || put_text(&b, "volatile")
				      ? NULL : request(c, REQ_OPEN, &b, RES_DB, 8, &len, err);
	free(b.p);
	if (!body)
		return -1;
	c->db = (uint32_t)get64(body);
	c->has_db = 1;
	free(body);
	return 0;
}

/* A request of one or two words answered by EMPTY. */
static int change(tarn_dqlite *c, int type, uint64_t a, int two, uint64_t b, tarn_err err)
{
	struct buf req = {0};
	size_t len;
	unsigned char *body = NULL;
	if (put_u64(&req, a) || (two && put_u64(&req, b)))
		snprintf(err, TARN_ERRLEN, "out of memory");
	else
		body = request(c, type, &req, RES_EMPTY, 0, &len, err);
	free(req.p);
	free(body);
	return body ? 0 : -1;
}

int tarn_dqlite_add(tarn_dqlite *c, uint64_t id, const char *address, tarn_err err)
{
	struct buf add = {0};
	size_t len;
	unsigned char *body = NULL;
	if (put_u64(&add, id) || put_text(&add, address))
		snprintf(err, TARN_ERRLEN, "out of memory");
	else
		body = request(c, REQ_ADD, &add, RES_EMPTY, 0, &len, err);
	free(add.p);
	free(body);
	return body ? 0 : -1;
}

int tarn_dqlite_assign(tarn_dqlite *c, uint64_t id, int role, tarn_err err)
{
	if (role < TARN_DQ_VOTER || role > TARN_DQ_SPARE)
		return snprintf(err, TARN_ERRLEN, "dqlite: %d is not a role", role), -1;
	return change(c, REQ_ASSIGN, id, 1, (uint64_t)role, err);
}

int tarn_dqlite_remove(tarn_dqlite *c, uint64_t id, tarn_err err)
{
	return change(c, REQ_REMOVE, id, 0, 0, err);
}

int tarn_dqlite_transfer(tarn_dqlite *c, uint64_t id, tarn_err err)
{
	return change(c, REQ_TRANSFER, id, 0, 0, err);
}

int tarn_dqlite_add_voter(tarn_dqlite *c, uint64_t id, const char *address, tarn_err err)
{
	return tarn_dqlite_add(c, id, address, err) || tarn_dqlite_assign(c, id, TARN_DQ_VOTER, err) ? -1 : 0;
}

/* SERVERS: a count, then id, address and role for each. */
int tarn_dqlite_cluster(tarn_dqlite *c, struct tarn_dq_node **nodes, unsigned *count, tarn_err err)
{
	struct buf req = {0};
	size_t len, at = 8;
	*nodes = NULL, *count = 0;
	unsigned char *body = put_u64(&req, 1 /* with roles */) ? NULL
		: request(c, REQ_CLUSTER, &req, RES_SERVERS, 8, &len, err);
	free(req.p);
	if (!body)
		return -1;
	uint64_t n = get64(body);
	struct tarn_dq_node *v = n <= MAX_NODES ? calloc(n ? n : 1, sizeof *v) : NULL;
	int bad = !v;
	for (unsigned i = 0; !bad && i < n; i++) {
		size_t k = at + 8 < len ? strnlen((char *)body + at + 8, len - at - 8) : len;
		size_t end = at + 8 + ((k + 8) & ~(size_t)7);
		if (at + 8 >= len || k >= sizeof v[i].address || end + 8 > len) {
			bad = 1;
			break;
		}
		v[i].id = get64(body + at);
		memcpy(v[i].address, body + at + 8, k);
		v[i].role = (int)get64(body + end);
		at = end + 8;
	}
	free(body);
	if (bad) {
		free(v);
		return snprintf(err, TARN_ERRLEN, "dqlite %.60s: a malformed cluster list", c->address), -1;
	}
	*nodes = v, *count = (unsigned)n;
	return 0;
}

static int sql_request(tarn_dqlite *c, struct buf *b, const char *sql, const struct tarn_dq_value *params,
		       unsigned nparams, tarn_err err)
{
	if (!c->has_db)
		return snprintf(err, TARN_ERRLEN, "dqlite: no database open"), -1;
	if (put_u64(b, c->db) || put_text(b, sql))
		return snprintf(err, TARN_ERRLEN, "out of memory"), -1;
	return put_params(b, params, nparams, err);
}

int tarn_dqlite_exec(tarn_dqlite *c, const char *sql, const struct tarn_dq_value *params, unsigned nparams,
		     int64_t *last_id, int64_t *changes, tarn_err err)
{
	struct buf b = {0};
	size_t len;
	unsigned char *body = sql_request(c, &b, sql, params, nparams, err)
				      ? NULL : request(c, REQ_EXEC_SQL, &b, RES_RESULT, 16, &len, err);
	free(b.p);
	if (!body)
		return -1;
	if (last_id)
		*last_id = (int64_t)get64(body);
	if (changes)
		*changes = (int64_t)get64(body + 8);
	free(body);
	return 0;
}

/* Decodes one ROWS body into r: column count, names, rows up to the end
 * marker. Returns 1 if more bodies follow (PART), 0 at DONE, -1 if bad. */
static int decode_rows(struct tarn_dq_rows *r, char *body, size_t len, size_t *cap)
{
	size_t at = 8;
	if (len < 8)
		return -1;
	uint64_t ncols = get64((unsigned char *)body);
	if (ncols == 0 || ncols > 1000 || (r->ncols && ncols != r->ncols))
		return -1;
	r->ncols = (unsigned)ncols;
	const char **names = calloc(ncols, sizeof *names);
	if (!names)
		return -1;
	for (unsigned i = 0; i < ncols; i++) {
		size_t n = at < len ? strnlen(body + at, len - at) : 0;
		if (at >= len || at + n >= len) {
			free(names);
			return -1;
		}
		names[i] = body + at;
		at += (n + 8) & ~(size_t)7;
	}
	free(r->names);
	r->names = names;
	size_t header = ((ncols + 1) / 2 + 7) & ~(size_t)7;
	for (;;) {
		if (at + 8 > len)
			return -1;
		uint64_t w = get64((unsigned char *)body + at);
		if (w == ROWS_DONE || w == ROWS_PART)
			return w == ROWS_PART;
		if (at + header > len)
			return -1;
		const unsigned char *types = (unsigned char *)body + at;
		at += header;
		if ((size_t)(r->nrows + 1) * ncols > *cap) {
			size_t ncap = *cap ? *cap * 2 : ncols * 16;
			struct tarn_dq_value *v = realloc(r->values, ncap * sizeof *v);
			if (!v)
				return -1;
			r->values = v, *cap = ncap;
		}
		for (unsigned i = 0; i < ncols; i++) {
			struct tarn_dq_value *v = &r->values[r->nrows * ncols + i];
			int t = i % 2 ? types[i / 2] >> 4 : types[i / 2] & 0x0f;
			*v = (struct tarn_dq_value){.type = t};
			if (at + 8 > len)
				return -1;
			uint64_t x = get64((unsigned char *)body + at);
			size_t n;
			switch (t) {
			case 1: case 9: case 11: /* integer, unix time, boolean */
				v->type = TARN_DQ_INT, v->i = (int64_t)x, at += 8;
				break;
			case 2:
				memcpy(&v->f, &x, 8), at += 8;
				break;
			case 5:
				at += 8;
				break;
			case 3: case 10: /* text, ISO 8601 time */
				n = strnlen(body + at, len - at);
				if (at + n >= len)
					return -1;
				v->type = TARN_DQ_TEXT, v->s = body + at, at += (n + 8) & ~(size_t)7;
				break;
			case 4: /* blobs: skipped, as Tarn stores none */
				if (x > len || at + 8 + ((x + 7) & ~7ULL) > len)
					return -1;
				at += 8 + ((x + 7) & ~7ULL);
				break;
			default:
				return -1;
			}
		}
		r->nrows++;
	}
}

struct tarn_dq_rows *tarn_dqlite_query(tarn_dqlite *c, const char *sql, const struct tarn_dq_value *params,
				       unsigned nparams, tarn_err err)
{
	struct buf b = {0};
	size_t len, cap = 0, total = 0;
	unsigned char *body = sql_request(c, &b, sql, params, nparams, err)
				      ? NULL : request(c, REQ_QUERY_SQL, &b, RES_ROWS, 8, &len, err);
	free(b.p);
	if (!body)
		return NULL;
	struct tarn_dq_rows *r = calloc(1, sizeof *r);
	int more = r ? 1 : -1;
	while (more == 1) {
		char **bodies = realloc(r->bodies, (r->nbodies + 1) * sizeof *bodies);
		if (!bodies) {
			free(body);
			more = -1;
			break;
		}
		r->bodies = bodies;
		r->bodies[r->nbodies++] = (char *)body;
		total += len;
		more = decode_rows(r, (char *)body, len, &cap);
		body = NULL;
		if (more == 1) {
			/* the server sends the next batch unasked */
			struct timespec deadline;
			int rtype;
			deadline_in(&deadline, c->timeout_ms);
			if (total > MAX_RESULT || receive(c, &deadline, &rtype, &body, &len, err)) {
				if (total > MAX_RESULT)
					snprintf(err, TARN_ERRLEN, "dqlite: a result over %u MiB", MAX_RESULT >> 20);
				break;
			}
			if (rtype != RES_ROWS) {
				if (rtype == RES_FAILURE)
					failure(c, body, len, err);
				more = rtype == RES_FAILURE ? -2 : -1;
				free(body);
			}
		}
	}
	if (more == 0)
		return r;
	if (more == -1) {
		snprintf(err, TARN_ERRLEN, "dqlite %.60s: a malformed or unreadable result set", c->address);
		if (c->fd >= 0)
			close(c->fd), c->fd = -1;
	}
	if (!r)
		free(body);
	tarn_dq_rows_free(r);
	return NULL;
}

void tarn_dq_rows_free(struct tarn_dq_rows *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < r->nbodies; i++)
		free(r->bodies[i]);
	free(r->bodies);
	free(r->names);
	free(r->values);
	free(r);
}
