/* The pool's TLS carrier; see pool-tls.h. */
#include "pool-tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "fileio.h"

#define IDENTITY "tarn-pool"
#define MIGRATE_IDENTITY "tarn-migrate" /* the same key: which service, not who */
/* TLS 1.3 (or 1.2) with the pre-shared key and a fresh ECDHE share each
 * time: authenticated, encrypted, forward secret */
#define PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-KX-ALL:+ECDHE-PSK"
#define HANDSHAKE_MS 5000
/* A pool connection whose sent data goes unacknowledged this long, or
 * whose idle peer stops answering keepalives, is dropped, so Raft dials
 * afresh. Without it a connection that carried data into a partition kept
 * it queued behind TCP's backed-off retransmissions after the network
 * came back, and the next election waited on it for about 40 s. */
#define PEER_SILENT_S 10

void tarn_pool_tls_init(struct tarn_pool_tls *t, const char *address, const char *key_path)
{
	snprintf(t->self, sizeof t->self, "%s", address);
	snprintf(t->inner, sizeof t->inner, "@tarn-pool-%s", address);
	snprintf(t->migrate, sizeof t->migrate, "@tarn-migrate-%s", address);
	snprintf(t->key_path, sizeof t->key_path, "%s", key_path);
}

int tarn_pool_tls_new_key(const char *path, tarn_err err)
{
	unsigned char k[32];
	char hex[66];
	if (getrandom(k, sizeof k, 0) != (ssize_t)sizeof k)
		return snprintf(err, TARN_ERRLEN, "pool key: no random bytes: %s", strerror(errno)), -1;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", k[i]);
	hex[64] = '\n', hex[65] = '\0';
	explicit_bzero(k, sizeof k);
	return tarn_write_file_atomic(path, hex, 65, 0600, err);
}

int tarn_pool_tls_read_key(const char *path, char hex[65], tarn_err err)
{
	FILE *f = fopen(path, "re");
	char buf[80] = "";
	int ok = f && fgets(buf, sizeof buf, f) && strspn(buf, "0123456789abcdef") == 64;
	if (f)
		fclose(f);
	if (ok)
		memcpy(hex, buf, 64), hex[64] = '\0';
	explicit_bzero(buf, sizeof buf);
	return ok ? 0 : (snprintf(err, TARN_ERRLEN, "no pool key in %.100s", path), -1);
}

/* One TLS connection and the clear socket it is relayed to. */
struct relay {
	gnutls_session_t s;
	gnutls_psk_client_credentials_t client;
	gnutls_psk_server_credentials_t server;
	int net, clear;
	char inner[300]; /* server side: where to relay once the handshake is done */
	char migrate[300]; /* ... when the client named the migration service */
};

static void relay_free(struct relay *r)
{
	if (r->s)
		gnutls_deinit(r->s);
	if (r->client)
		gnutls_psk_free_client_credentials(r->client);
	if (r->server)
		gnutls_psk_free_server_credentials(r->server);
	if (r->net >= 0)
		close(r->net);
	if (r->clear >= 0)
		close(r->clear);
	free(r);
}

static int tls_write_all(gnutls_session_t s, const char *p, size_t n)
{
	while (n) {
		ssize_t k = gnutls_record_send(s, p, n);
		if (k == GNUTLS_E_AGAIN || k == GNUTLS_E_INTERRUPTED)
			continue;
		if (k <= 0)
			return -1;
		p += k, n -= (size_t)k;
	}
	return 0;
}

/* Copies both ways until either side ends. */
static void pump(struct relay *r)
{
	char buf[16384];
	for (;;) {
		struct pollfd p[2] = {{.fd = r->net, .events = POLLIN}, {.fd = r->clear, .events = POLLIN}};
		if (gnutls_record_check_pending(r->s) == 0 && poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (gnutls_record_check_pending(r->s) || (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t k = gnutls_record_recv(r->s, buf, sizeof buf);
			if (k == GNUTLS_E_AGAIN || k == GNUTLS_E_INTERRUPTED)
				continue;
			if (k <= 0 || tarn_send_all(r->clear, buf, (size_t)k))
				return;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t k = recv(r->clear, buf, sizeof buf, 0);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0 || tls_write_all(r->s, buf, (size_t)k))
				return;
		}
	}
}

static int connect_inner(const char *name)
{
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	if (n >= sizeof un.sun_path)
		return -1;
	memcpy(un.sun_path, name, n);
	un.sun_path[0] = '\0'; /* abstract */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&un, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Pool node traffic notices a silent peer within PEER_SILENT_S; a
 * migration stream, whose receiver may stop reading for a while as it
 * restores the guest, keeps TCP's own patience. */
static void watch_peer(int fd)
{
	int on = 1, idle = PEER_SILENT_S, interval = 1, count = PEER_SILENT_S;
	unsigned ms = PEER_SILENT_S * 1000;
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
}

/* The server side's thread: the handshake, then the relay to the node. */
static void *serve(void *arg)
{
	struct relay *r = arg;
	int rc;
	do
		rc = gnutls_handshake(r->s);
	while (rc < 0 && !gnutls_error_is_fatal(rc));
	const char *user = rc < 0 ? NULL : gnutls_psk_server_get_username(r->s);
	const char *to = user && strcmp(user, MIGRATE_IDENTITY) == 0 ? r->migrate : r->inner;
	if (to == r->inner)
		watch_peer(r->net);
	if (rc < 0)
		syslog(LOG_WARNING, "pool: a TLS connection refused: %s", gnutls_strerror(rc));
	else if ((r->clear = connect_inner(to)) < 0)
		syslog(LOG_WARNING, "pool: cannot reach %s on %s: %m", to == r->inner ? "the pool node" : "the engine", to);
	else
		pump(r);
	relay_free(r);
	return NULL;
}

static void *carry(void *arg)
{
	struct relay *r = arg;
	pump(r);
	relay_free(r);
	return NULL;
}

static int spawn(void *(*fn)(void *), struct relay *r)
{
	pthread_t t;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 256 * 1024);
	int rc = pthread_create(&t, &a, fn, r);
	pthread_attr_destroy(&a);
	return rc;
}

static int parse_address(const char *address, struct sockaddr_in *a)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(address, ':');
	*a = (struct sockaddr_in){.sin_family = AF_INET};
	if (!colon || (size_t)(colon - address) >= sizeof host)
		return -1;
	snprintf(host, sizeof host, "%.*s", (int)(colon - address), address);
	long port = strtol(colon + 1, NULL, 10);
	a->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &a->sin_addr) == 1 && port > 0 && port < 65536 ? 0 : -1;
}

/* A TCP connection within timeout_ms, then blocking, with the handshake's
 * time bounded by a receive timeout (cleared once it is done). */
static int tcp_connect(const char *address, unsigned timeout_ms, tarn_err err)
{
	struct sockaddr_in a;
	if (parse_address(address, &a))
		return snprintf(err, TARN_ERRLEN, "pool: %.60s is not an IPv4 address:port", address), -1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), soerr = 0, one = 1;
	if (fd < 0)
		return snprintf(err, TARN_ERRLEN, "pool: socket: %s", strerror(errno)), -1;
	socklen_t el = sizeof soerr;
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	int rc = connect(fd, (struct sockaddr *)&a, sizeof a) == 0 || errno == EINPROGRESS ? 0 : errno;
	if (rc == 0 && poll(&p, 1, (int)timeout_ms) != 1)
		rc = ETIMEDOUT;
	if (rc == 0 && (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el) || soerr))
		rc = soerr ? soerr : errno;
	struct timeval tv = {.tv_sec = HANDSHAKE_MS / 1000};
	if (rc == 0 && (fcntl(fd, F_SETFL, 0) || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv)))
		rc = errno;
	if (rc) {
		close(fd);
		return snprintf(err, TARN_ERRLEN, "pool %.60s: %s", address, strerror(rc)), -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static void clear_timeout(int fd)
{
	struct timeval none = {0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
}

static struct relay *relay_new(int net)
{
	struct relay *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->net = net, r->clear = -1;
	return r;
}

int tarn_pool_tls_dial(void *arg, const char *address, unsigned timeout_ms, int *fd, tarn_err err)
{
	return tarn_pool_tls_dial_service(arg, address, TARN_POOL_NODE, timeout_ms, fd, err);
}

int tarn_pool_tls_dial_service(const struct tarn_pool_tls *t, const char *address, enum tarn_pool_service service,
			       unsigned timeout_ms, int *fd, tarn_err err)
{
	char hex[65];
	*fd = -1;
	if (service == TARN_POOL_NODE && strcmp(address, t->self) == 0) { /* this host's node: no network in between */
		if ((*fd = connect_inner(t->inner)) < 0)
			return snprintf(err, TARN_ERRLEN, "pool node %.60s: %s", address, strerror(errno)), -1;
		return 0;
	}
	if (tarn_pool_tls_read_key(t->key_path, hex, err))
		return -1;
	int pair[2] = {-1, -1}, net = tcp_connect(address, timeout_ms, err), rc = -1;
	struct relay *r = net >= 0 ? relay_new(net) : NULL;
	if (!r) {
		if (net >= 0)
			close(net), snprintf(err, TARN_ERRLEN, "out of memory");
		explicit_bzero(hex, sizeof hex);
		return -1;
	}
	gnutls_datum_t key = {(unsigned char *)hex, 64};
	if (gnutls_psk_allocate_client_credentials(&r->client) == 0 &&
	    gnutls_psk_set_client_credentials(r->client, service == TARN_POOL_MIGRATE ? MIGRATE_IDENTITY : IDENTITY, &key,
					      GNUTLS_PSK_KEY_HEX) == 0 &&
	    gnutls_init(&r->s, GNUTLS_CLIENT) == 0 && gnutls_priority_set_direct(r->s, PRIORITY, NULL) == 0 &&
	    gnutls_credentials_set(r->s, GNUTLS_CRD_PSK, r->client) == 0) {
		gnutls_transport_set_int(r->s, net);
		gnutls_handshake_set_timeout(r->s, HANDSHAKE_MS);
		do
			rc = gnutls_handshake(r->s);
		while (rc < 0 && !gnutls_error_is_fatal(rc));
		if (rc < 0)
			snprintf(err, TARN_ERRLEN, "pool %.60s: TLS: %s (not a member, or another pool key)", address,
				 gnutls_strerror(rc));
	} else {
		snprintf(err, TARN_ERRLEN, "pool: cannot set up TLS");
	}
	explicit_bzero(hex, sizeof hex);
	clear_timeout(net);
	if (service == TARN_POOL_NODE)
		watch_peer(net);
	if (rc == 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair)) {
		snprintf(err, TARN_ERRLEN, "pool: socketpair: %s", strerror(errno));
		rc = -1;
	}
	if (rc == 0) {
		r->clear = pair[1];
		if (spawn(carry, r)) {
			snprintf(err, TARN_ERRLEN, "pool: cannot start a relay thread");
			close(pair[0]);
			rc = -1;
			r->clear = pair[1]; /* closed with r */
		}
	}
	if (rc) {
		relay_free(r);
		return -1;
	}
	*fd = pair[0];
	return 0;
}

int tarn_pool_tls_connect(void *arg, const char *address, int *fd)
{
	tarn_err err = "";
	if (tarn_pool_tls_dial(arg, address, 3000, fd, err) == 0)
		return 0;
	syslog(LOG_DEBUG, "%s", err);
	return 1; /* DQLITE_ERROR: Raft tries again */
}

struct tarn_pool_tls_listener {
	struct tarn_pool_tls t;
	int fd, stop[2];
	pthread_t thread;
};

/* The server's key for the one identity there is. */
static int server_key(gnutls_session_t s, const char *user, gnutls_datum_t *key)
{
	const struct tarn_pool_tls *t = gnutls_session_get_ptr(s);
	char hex[65];
	tarn_err err;
	if ((strcmp(user, IDENTITY) != 0 && strcmp(user, MIGRATE_IDENTITY) != 0) ||
	    tarn_pool_tls_read_key(t->key_path, hex, err))
		return -1;
	gnutls_datum_t h = {(unsigned char *)hex, 64};
	int rc = gnutls_hex_decode2(&h, key);
	explicit_bzero(hex, sizeof hex);
	return rc ? -1 : 0;
}

static void accept_one(struct tarn_pool_tls_listener *l, int fd)
{
	int one = 1;
	struct relay *r = relay_new(fd);
	struct timeval tv = {.tv_sec = HANDSHAKE_MS / 1000};
	if (!r) {
		close(fd);
		return;
	}
	snprintf(r->inner, sizeof r->inner, "%s", l->t.inner);
	snprintf(r->migrate, sizeof r->migrate, "%s", l->t.migrate);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (gnutls_psk_allocate_server_credentials(&r->server) || gnutls_init(&r->s, GNUTLS_SERVER) ||
	    gnutls_priority_set_direct(r->s, PRIORITY, NULL) ||
	    gnutls_credentials_set(r->s, GNUTLS_CRD_PSK, r->server)) {
		relay_free(r);
		return;
	}
	gnutls_psk_set_server_credentials_function(r->server, server_key);
	gnutls_session_set_ptr(r->s, &l->t);
	gnutls_transport_set_int(r->s, fd);
	gnutls_handshake_set_timeout(r->s, HANDSHAKE_MS);
	if (spawn(serve, r))
		relay_free(r);
}

static void *listen_loop(void *arg)
{
	struct tarn_pool_tls_listener *l = arg;
	for (;;) {
		struct pollfd p[2] = {{.fd = l->fd, .events = POLLIN}, {.fd = l->stop[0], .events = POLLIN}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN) {
			int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				accept_one(l, fd);
		}
	}
	return NULL;
}

struct tarn_pool_tls_listener *tarn_pool_tls_listen(const struct tarn_pool_tls *t, tarn_err err)
{
	struct sockaddr_in a;
	struct tarn_pool_tls_listener *l = calloc(1, sizeof *l);
	int one = 1;
	if (!l)
		return snprintf(err, TARN_ERRLEN, "out of memory"), NULL;
	l->t = *t;
	l->stop[0] = l->stop[1] = -1;
	if (parse_address(t->self, &a)) {
		snprintf(err, TARN_ERRLEN, "pool node: %.60s is not an IPv4 address:port", t->self);
		free(l);
		return NULL;
	}
	l->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l->fd < 0 || setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    bind(l->fd, (struct sockaddr *)&a, sizeof a) || listen(l->fd, 64) || pipe2(l->stop, O_CLOEXEC) ||
	    pthread_create(&l->thread, NULL, listen_loop, l)) {
		snprintf(err, TARN_ERRLEN, "pool node: cannot listen on %.60s: %s", t->self, strerror(errno));
		if (l->fd >= 0)
			close(l->fd);
		for (int i = 0; i < 2; i++)
			if (l->stop[i] >= 0)
				close(l->stop[i]);
		free(l);
		return NULL;
	}
	return l;
}

void tarn_pool_tls_stop(struct tarn_pool_tls_listener *l)
{
	if (!l)
		return;
	if (write(l->stop[1], "", 1) < 0)
		syslog(LOG_ERR, "pool: cannot stop the TLS listener: %m");
	pthread_join(l->thread, NULL);
	close(l->fd);
	close(l->stop[0]);
	close(l->stop[1]);
	free(l);
}
