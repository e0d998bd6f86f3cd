/* A real dqlite node for tests, in a child process so that a test can kill
 * it (and so libdqlite's own allocations stay out of the leak check). */
#ifndef TARN_DQNODE_H
#define TARN_DQNODE_H
#include <dqlite.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dqlite-client.h"

/* A listening socket on a free loopback port. */
static inline int listener(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, l) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)&a, &l))
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

/* A node with its data in dir; id 1 bootstraps a one-member cluster, others
 * wait to be added. */
static inline pid_t start_node_id(unsigned id, const char *address, const char *dir)
{
	pid_t pid = fork();
	if (pid == 0) {
		dqlite_node *n;
		signal(SIGPIPE, SIG_IGN);
		if (dqlite_node_create(id, address, dir, &n) || dqlite_node_set_bind_address(n, address) ||
		    dqlite_node_set_network_latency_ms(n, 20) || dqlite_node_start(n))
			_exit(1);
		pause();
		_exit(0);
	}
	return pid;
}

static inline pid_t start_node(const char *address, const char *dir)
{
	return start_node_id(1, address, dir);
}

/* The first start: a free port for addr (64 bytes), the directory made
 * from its mkdtemp template. */
static inline pid_t first_node(char *addr, char *dir)
{
	int port, fd = listener(&port);
	if (fd < 0 || !mkdtemp(dir))
		return -1;
	close(fd);
	signal(SIGPIPE, SIG_IGN);
	snprintf(addr, 64, "127.0.0.1:%d", port);
	return start_node(addr, dir);
}

static inline void stop_node(pid_t pid)
{
	if (pid <= 0) /* never kill(0): that is the whole process group */
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Connects, retrying while the node starts and elects itself. */
static inline tarn_dqlite *connect_retry(const char *address, tarn_err err)
{
	tarn_dqlite *c = NULL;
	for (int i = 0; i < 100 && !c; i++)
		if (!(c = tarn_dqlite_connect(address, 2000, err)))
			usleep(100 * 1000);
	return c;
}

/* The test's data directory, removed at its end: 0, or -1. */
static inline int remove_dir(const char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
