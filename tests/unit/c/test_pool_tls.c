/* services/tarnd/pool-tls against a real dqlite node (in a child process)
 * listening only on its private socket: the pool store's client reaches
 * it through the TLS listener with the pool key; another key, or plain
 * dqlite, gets nothing; this host's own node is dialed directly. */
#include <dqlite.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "check.h"
#include "dqlite-client.h"
#include "dqnode.h"
#include "pool-tls.h"

static char dir[] = "/tmp/tarn-pool-tls-test.XXXXXX";

/* The node at address, bound only to tls->inner, with its TLS listener:
 * in one process, as dqlite takes its own socket from its own process only. */
static pid_t start_inner_node(const struct tarn_pool_tls *tls)
{
	pid_t pid = fork();
	if (pid == 0) {
		dqlite_node *n;
		tarn_err err;
		signal(SIGPIPE, SIG_IGN);
		if (dqlite_node_create(1, tls->self, dir, &n) || dqlite_node_set_bind_address(n, tls->inner) ||
		    dqlite_node_set_network_latency_ms(n, 20) || dqlite_node_start(n) || !tarn_pool_tls_listen(tls, err))
			_exit(1);
		pause();
		_exit(0);
	}
	return pid;
}

int main(void)
{
	tarn_err err = "";
	char key[300], other[300], address[64];
	int port, fd = listener(&port);
	signal(SIGPIPE, SIG_IGN);
	openlog("test_pool_tls", LOG_PERROR, LOG_USER); /* the carrier's refusals, on stderr */
	if (fd < 0 || !mkdtemp(dir))
		return 1;
	close(fd);
	snprintf(address, sizeof address, "127.0.0.1:%d", port);
	snprintf(key, sizeof key, "%s/pool-key", dir);
	snprintf(other, sizeof other, "%s/other-key", dir);
	CHECK("pool tls: makes pool keys", tarn_pool_tls_new_key(key, err) == 0 && tarn_pool_tls_new_key(other, err) == 0);
	char hex[65];
	CHECK("pool tls: a key reads back as 64 hex digits", tarn_pool_tls_read_key(key, hex, err) == 0 &&
	      strlen(hex) == 64);
	CHECK("pool tls: a missing key is named", tarn_pool_tls_read_key("/nonexistent/key", hex, err) == -1 &&
	      strstr(err, "no pool key"));

	struct tarn_pool_tls node, member, stranger, self;
	tarn_pool_tls_init(&node, address, key);
	tarn_pool_tls_init(&member, "127.0.0.1:1", key);     /* another host with the pool key */
	tarn_pool_tls_init(&stranger, "127.0.0.1:1", other); /* another host with another key */
	tarn_pool_tls_init(&self, address, key);             /* the node's own host */
	pid_t child = start_inner_node(&node);
	tarn_dqlite *c;
	tarn_dqlite_set_dialer(NULL, NULL);
	c = tarn_dqlite_connect(address, 2000, err);
	CHECK("pool tls: plain dqlite on the node's address gets no answer", !c);
	tarn_dqlite_close(c);

	tarn_dqlite_set_dialer(tarn_pool_tls_dial, &member);
	c = connect_retry(address, err);
	int64_t changes = 0;
	CHECK("pool tls: a member with the pool key reaches the node through TLS", c != NULL &&
	      tarn_dqlite_open(c, "t", err) == 0 &&
	      tarn_dqlite_exec(c, "CREATE TABLE t (x); INSERT INTO t VALUES (1)", NULL, 0, NULL, &changes, err) == 0);
	struct tarn_dq_rows *r = c ? tarn_dqlite_query(c, "SELECT x FROM t", NULL, 0, err) : NULL;
	CHECK("pool tls: and reads back what it wrote", r && r->nrows == 1 && tarn_dq_at(r, 0, 0)->i == 1);
	tarn_dq_rows_free(r);
	tarn_dqlite_close(c);

	/* the node is up: its own socket still refuses this process */
	tarn_dqlite_set_dialer(tarn_pool_tls_dial, &self);
	c = tarn_dqlite_connect(address, 2000, err);
	CHECK("pool tls: the node's own socket refuses another process", !c);
	tarn_dqlite_close(c);

	tarn_dqlite_set_dialer(tarn_pool_tls_dial, &stranger);
	c = tarn_dqlite_connect(address, 2000, err);
	CHECK("pool tls: another pool key is refused, saying so", !c && strstr(err, "TLS"));
	tarn_dqlite_close(c);

	tarn_dqlite_set_dialer(NULL, NULL);

	/* the migration service: relayed to the engine's socket, not the node */
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	memcpy(un.sun_path + 1, node.migrate + 1, strlen(node.migrate) - 1);
	int engine = socket(AF_UNIX, SOCK_STREAM, 0), mfd = -1, peer = -1;
	char got[8] = "";
	if (engine < 0 || bind(engine, (struct sockaddr *)&un,
			       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(node.migrate))) ||
	    listen(engine, 4))
		return 1;
	int dialed = tarn_pool_tls_dial_service(&member, address, TARN_POOL_MIGRATE, 2000, &mfd, err);
	if (dialed == 0 && write(mfd, "stream", 6) == 6 && (peer = accept(engine, NULL, NULL)) >= 0 &&
	    read(peer, got, 6) != 6)
		got[0] = '\0';
	CHECK("pool tls: the migration service is relayed to the engine's socket", dialed == 0 && !strcmp(got, "stream"));
	if (peer >= 0)
		close(peer);
	if (mfd >= 0)
		close(mfd);
	dialed = tarn_pool_tls_dial_service(&stranger, address, TARN_POOL_MIGRATE, 2000, &mfd, err);
	CHECK("pool tls: the migration service refuses another pool key", dialed != 0 && strstr(err, "TLS"));
	close(engine);

	struct tarn_pool_tls_listener *again = tarn_pool_tls_listen(&node, err);
	CHECK("pool tls: an address in use is named", !again && strstr(err, "cannot listen on"));
	tarn_pool_tls_stop(again);
	usleep(200 * 1000); /* the relay threads see their ends close */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	CHECK_EXIT();
}
