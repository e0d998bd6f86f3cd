/* The embedded dqlite node; see pool-node.h. */
#include "pool-node.h"

#include <arpa/inet.h>
#include <errno.h>
#include <dqlite.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fileio.h"
#include "pool-cluster.h"

struct tarn_pool_node {
	dqlite_node *node;
	struct tarn_pool_tls_listener *listener;
};

/* Reads a small file whole into buf ("" when absent). */
static void read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

/* The node id and the address it last had are kept beside the data. The
 * first node of a pool is id 1, which dqlite bootstraps as a one-member
 * cluster. */
static int identity(const char *dir, uint64_t *id, char *was, size_t len, tarn_err err)
{
	char path[4200], buf[32];
	snprintf(path, sizeof path, "%s/node-id", dir);
	read_small(path, buf, sizeof buf);
	*id = buf[0] ? strtoull(buf, NULL, 10) : 1;
	if (*id == 0)
		return snprintf(err, TARN_ERRLEN, "%.100s holds no node id", path), -1;
	if (!buf[0] && tarn_write_file_atomic(path, "1\n", 2, 0600, err))
		return -1;
	/* a lone node's own pool key, until a pool gives it its own */
	char hex[65];
	snprintf(path, sizeof path, "%s/pool-key", dir);
	if (access(path, F_OK) != 0 && tarn_pool_tls_new_key(path, err))
		return -1;
	if (tarn_pool_tls_read_key(path, hex, err))
		return -1;
	explicit_bzero(hex, sizeof hex);
	snprintf(path, sizeof path, "%s/address", dir);
	read_small(path, was, len);
	return 0;
}

/* How many nodes the pool had when last seen (tarn_pool_node_note_size). */
static long last_size(const char *dir)
{
	char path[4200], buf[32];
	snprintf(path, sizeof path, "%s/nodes", dir);
	read_small(path, buf, sizeof buf);
	return buf[0] ? strtol(buf, NULL, 10) : 1;
}

int tarn_pool_node_note_cluster(const char *dir, const struct tarn_dq_node *nodes, unsigned n, tarn_err err)
{
	char path[4200], buf[32], list[TARN_POOL_MAX_MEMBERS * 2 * 300] = "", was[sizeof list] = "";
	size_t k = 0;
	for (unsigned i = 0; i < n && k < sizeof list - 300; i++)
		k += (size_t)snprintf(list + k, sizeof list - k, "%" PRIu64 " %s %s\n", nodes[i].id, nodes[i].address,
				      tarn_pool_role_name(nodes[i].role));
	snprintf(path, sizeof path, "%s/cluster", dir);
	FILE *f = fopen(path, "re");
	if (f) {
		was[fread(was, 1, sizeof was - 1, f)] = '\0';
		fclose(f);
	}
	if (strcmp(was, list) && tarn_write_file_atomic(path, list, strlen(list), 0600, err))
		return -1;
	if (last_size(dir) == (long)n)
		return 0;
	snprintf(path, sizeof path, "%s/nodes", dir);
	snprintf(buf, sizeof buf, "%u\n", n);
	return tarn_write_file_atomic(path, buf, strlen(buf), 0600, err);
}

/* dqlite 1.11 binds to IPv4 "address:port" only. Checked, and tried, before
 * a node is made: libdqlite says nothing of why it cannot listen, and leaks
 * what it set up when a node is destroyed unstarted. */
static int check_address(const char *address, tarn_err err)
{
	char host[INET_ADDRSTRLEN];
	struct sockaddr_in a = {.sin_family = AF_INET};
	const char *colon = strrchr(address, ':');
	char *end;
	long port = colon ? strtol(colon + 1, &end, 10) : 0;
	if (!colon || (size_t)(colon - address) >= sizeof host || *end != '\0' || port < 1 || port > 65535 ||
	    (snprintf(host, sizeof host, "%.*s", (int)(colon - address), address),
	     inet_pton(AF_INET, host, &a.sin_addr) != 1))
		return snprintf(err, TARN_ERRLEN, "pool node: %.60s is not an IPv4 address:port", address), -1;
	a.sin_port = htons((uint16_t)port);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    bind(fd, (struct sockaddr *)&a, sizeof a)) {
		snprintf(err, TARN_ERRLEN, "pool node: cannot listen on %.60s: %s", address, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

struct tarn_pool_node *tarn_pool_node_start(const char *dir, const struct tarn_pool_tls *tls, uint64_t *id,
					    tarn_err err)
{
	const char *address = tls->self;
	char was[300], path[4200];
	if (check_address(address, err) || identity(dir, id, was, sizeof was, err))
		return NULL;
	int moved = was[0] && strcmp(was, address) != 0;
	if (moved && last_size(dir) > 1)
		return snprintf(err, TARN_ERRLEN, "pool node: was at %.40s; in a pool of several it cannot move "
				"to %.40s", was, address), NULL;
	struct tarn_pool_node *n = calloc(1, sizeof *n);
	if (!n)
		return snprintf(err, TARN_ERRLEN, "out of memory"), NULL;
	const char *step = "create";
	int rc = dqlite_node_create(*id, address, dir, &n->node);
	/* A one-member pool whose address changed (--pool-listen) moves its
	 * Raft configuration along; a member of a larger one would split from
	 * it, so it was refused above. */
	dqlite_node_info me = {.id = *id, .address = address};
	if (rc == 0 && moved)
		step = "move to the new address", rc = dqlite_node_recover(n->node, &me, 1);
	/* the node itself only on its private socket; the network gets TLS */
	if (rc == 0)
		step = "listen", rc = dqlite_node_set_bind_address(n->node, tls->inner);
	if (rc == 0)
		step = "configure", rc = dqlite_node_set_connect_func(n->node, tarn_pool_tls_connect, (void *)tls);
	/* 50 ms: a new leader in about 1.5 s rather than 5 (measured) */
	if (rc == 0)
		step = "configure", rc = dqlite_node_set_network_latency_ms(n->node, 50);
	if (rc == 0)
		step = "start", rc = dqlite_node_start(n->node);
	if (rc == 0 && !(n->listener = tarn_pool_tls_listen(tls, err))) {
		dqlite_node_stop(n->node);
		dqlite_node_destroy(n->node);
		free(n);
		return NULL;
	}
	snprintf(path, sizeof path, "%s/address", dir);
	snprintf(was, sizeof was, "%s\n", address);
	if (rc == 0 && tarn_write_file_atomic(path, was, strlen(was), 0600, err)) {
		tarn_pool_tls_stop(n->listener);
		dqlite_node_stop(n->node);
		rc = -1;
	} else if (rc != 0) {
		const char *why = n->node ? dqlite_node_errmsg(n->node) : "";
		snprintf(err, TARN_ERRLEN, "pool node on %.60s: cannot %s: %s", address, step,
			 why && why[0] ? why : "failed");
	}
	if (rc != 0) {
		if (n->node)
			dqlite_node_destroy(n->node);
		free(n);
		return NULL;
	}
	return n;
}

void tarn_pool_node_stop(struct tarn_pool_node *n)
{
	if (!n)
		return;
	dqlite_node_stop(n->node);
	dqlite_node_destroy(n->node);
	tarn_pool_tls_stop(n->listener);
	free(n);
}
