/* lib/dqlite against a real dqlite node (libdqlite, in a child process so it
 * can be killed): exec and query with every type, bound parameters, a
 * constraint's error, and peers that die, stay silent or talk nonsense:
 * clear errors within the timeout, never a hang or a crash. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dqlite-client.h"
#include "dqnode.h"

static char dir[] = "/tmp/tarn-dqlite-test.XXXXXX";

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void types_and_params(tarn_dqlite *c)
{
	tarn_err err = "";
	int64_t id = 0, changes = 0;
	CHECK("dqlite: opens a database", tarn_dqlite_open(c, "test.db", err) == 0);
	CHECK("dqlite: exec creates a table",
	      tarn_dqlite_exec(c, "CREATE TABLE t (i INTEGER, f REAL, s TEXT UNIQUE, n TEXT, "
				  "b BOOLEAN)", NULL, 0, NULL, NULL, err) == 0);
	struct tarn_dq_value p[] = {TARN_DQ_I(-42), TARN_DQ_F(2.5), TARN_DQ_S("héllo"), TARN_DQ_NULLV,
				    TARN_DQ_I(1)};
	CHECK("dqlite: exec with int, double, text and null parameters",
	      tarn_dqlite_exec(c, "INSERT INTO t VALUES (?, ?, ?, ?, ?)", p, 5, &id, &changes, err) == 0);
	CHECK("dqlite: exec reports the row id and changes", id == 1 && changes == 1);
	struct tarn_dq_value p2[] = {TARN_DQ_I(INT64_MAX), TARN_DQ_F(-0.125), TARN_DQ_S(""), TARN_DQ_S("x"),
				     TARN_DQ_I(0)};
	tarn_dqlite_exec(c, "INSERT INTO t VALUES (?, ?, ?, ?, ?)", p2, 5, NULL, NULL, err);

	struct tarn_dq_rows *r = tarn_dqlite_query(c, "SELECT i, f, s, n, b FROM t ORDER BY i", NULL, 0, err);
	CHECK("dqlite: query answers", r != NULL);
	if (!r)
		return;
	CHECK("dqlite: query has the columns and rows", r->ncols == 5 && r->nrows == 2 &&
	      strcmp(r->names[0], "i") == 0 && strcmp(r->names[4], "b") == 0);
	CHECK("dqlite: an integer comes back", tarn_dq_at(r, 0, 0)->type == TARN_DQ_INT &&
	      tarn_dq_at(r, 0, 0)->i == -42 && tarn_dq_at(r, 1, 0)->i == INT64_MAX);
	CHECK("dqlite: a double comes back", tarn_dq_at(r, 0, 1)->type == TARN_DQ_FLOAT &&
	      tarn_dq_at(r, 0, 1)->f == 2.5 && tarn_dq_at(r, 1, 1)->f == -0.125);
	CHECK("dqlite: text comes back, UTF-8 and empty", tarn_dq_at(r, 0, 2)->type == TARN_DQ_TEXT &&
	      strcmp(tarn_dq_at(r, 0, 2)->s, "héllo") == 0 && strcmp(tarn_dq_at(r, 1, 2)->s, "") == 0);
	CHECK("dqlite: null comes back", tarn_dq_at(r, 0, 3)->type == TARN_DQ_NULL &&
	      tarn_dq_at(r, 1, 3)->type == TARN_DQ_TEXT);
	CHECK("dqlite: a boolean column reads as an integer", tarn_dq_at(r, 0, 4)->type == TARN_DQ_INT &&
	      tarn_dq_at(r, 0, 4)->i == 1 && tarn_dq_at(r, 1, 4)->i == 0);
	tarn_dq_rows_free(r);

	struct tarn_dq_value key = TARN_DQ_S("héllo");
	r = tarn_dqlite_query(c, "SELECT i FROM t WHERE s = ?", &key, 1, err);
	CHECK("dqlite: a query with a parameter", r && r->nrows == 1 && tarn_dq_at(r, 0, 0)->i == -42);
	tarn_dq_rows_free(r);

	struct tarn_dq_value dup[] = {TARN_DQ_I(7), TARN_DQ_F(0), TARN_DQ_S("héllo"), TARN_DQ_NULLV, TARN_DQ_I(0)};
	int rc = tarn_dqlite_exec(c, "INSERT INTO t VALUES (?, ?, ?, ?, ?)", dup, 5, NULL, NULL, err);
	CHECK("dqlite: a UNIQUE violation is refused with SQLite's message and code",
	      rc == -1 && strstr(err, "UNIQUE constraint failed: t.s") && tarn_dqlite_errcode(c) == 2067);
	CHECK("dqlite: bad SQL is an error naming it",
	      tarn_dqlite_exec(c, "INSERT INTO nowhere VALUES (1)", NULL, 0, NULL, NULL, err) == -1 &&
	      strstr(err, "no such table: nowhere"));
	CHECK("dqlite: the connection is still usable after refusals",
	      (r = tarn_dqlite_query(c, "SELECT count(*) FROM t", NULL, 0, err)) && tarn_dq_at(r, 0, 0)->i == 2);
	tarn_dq_rows_free(r);

	/* a transaction over several requests, rolled back */
	tarn_dqlite_exec(c, "BEGIN", NULL, 0, NULL, NULL, err);
	tarn_dqlite_exec(c, "DELETE FROM t", NULL, 0, NULL, NULL, err);
	tarn_dqlite_exec(c, "ROLLBACK", NULL, 0, NULL, NULL, err);
	r = tarn_dqlite_query(c, "SELECT count(*) FROM t", NULL, 0, err);
	CHECK("dqlite: a rolled-back transaction changes nothing", r && tarn_dq_at(r, 0, 0)->i == 2);
	tarn_dq_rows_free(r);

	/* more rows than fit one reply: the server sends them in batches */
	CHECK("dqlite: a multi-statement exec",
	      tarn_dqlite_exec(c, "CREATE TABLE big (k INTEGER, v TEXT); "
				  "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 3000) "
				  "INSERT INTO big SELECT k, printf('row %d', k) FROM n", NULL, 0, NULL, NULL, err) == 0);
	r = tarn_dqlite_query(c, "SELECT k, v FROM big ORDER BY k", NULL, 0, err);
	CHECK("dqlite: a result set over several replies arrives whole",
	      r && r->nrows == 3000 && tarn_dq_at(r, 2999, 0)->i == 3000 &&
	      strcmp(tarn_dq_at(r, 2999, 1)->s, "row 3000") == 0);
	tarn_dq_rows_free(r);
}

/* Peers that are not dqlite nodes, or stop being one. */
static void bad_peers(void)
{
	tarn_err err = "";
	char addr[64];
	int port, fd = listener(&port);
	snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tarn_dqlite *c = tarn_dqlite_connect(addr, 500, err); /* accepted by the kernel, never answered */
	CHECK("dqlite: a silent peer is a timeout, not a hang",
	      !c && strstr(err, "no answer within 500 ms") && seconds_since(&t0) < 3);
	close(fd);
	c = tarn_dqlite_connect(addr, 500, err);
	CHECK("dqlite: nobody listening is named", !c && strstr(err, "refused"));
	CHECK("dqlite: a malformed address is named", !tarn_dqlite_connect("nonsense", 500, err) &&
	      strstr(err, "is not host:port"));

	/* a peer that answers garbage */
	fd = listener(&port);
	snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
	pid_t pid = fork();
	if (pid == 0) {
		int s = accept(fd, NULL, NULL);
		unsigned char junk[64];
		memset(junk, 0xff, sizeof junk);
		if (s >= 0 && read(s, junk + 32, 16) > 0 && write(s, junk, sizeof junk) > 0)
			sleep(2);
		_exit(0);
	}
	c = tarn_dqlite_connect(addr, 1000, err);
	CHECK("dqlite: a reply that claims to be huge is refused", !c && strstr(err, "too big"));
	close(fd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A second node joins as a voter: connecting to it leads on to the first.
 * With the first gone, one of two voters is no quorum, and that is said. */
static void follow_the_leader(const char *leader, pid_t *first)
{
	tarn_err err = "";
	char addr2[64], dir2[] = "/tmp/tarn-dqlite-test2.XXXXXX";
	int port, fd = listener(&port);
	if (fd < 0 || !mkdtemp(dir2))
		return;
	close(fd);
	snprintf(addr2, sizeof addr2, "127.0.0.1:%d", port);
	pid_t second = start_node_id(2, addr2, dir2);
	tarn_dqlite *c = connect_retry(leader, err);
	CHECK("dqlite: adds a second node as a voter", c && tarn_dqlite_add_voter(c, 2, addr2, err) == 0);
	tarn_dqlite_close(c);
	c = connect_retry(addr2, err);
	CHECK("dqlite: a follower sends the client on to the leader", c && strcmp(tarn_dqlite_address(c), leader) == 0);
	CHECK("dqlite: a write through the followed connection lands",
	      c && tarn_dqlite_open(c, "test.db", err) == 0 &&
	      tarn_dqlite_exec(c, "INSERT INTO big VALUES (3001, 'two nodes')", NULL, 0, NULL, NULL, err) == 0);
	tarn_dqlite_close(c);
	stop_node(*first);
	*first = 0;
	int said = 0;
	for (int i = 0; i < 100 && !said; i++) {
		tarn_dqlite_close(c = tarn_dqlite_connect(addr2, 500, err));
		if (!(said = !c && (strstr(err, "has no leader") || strstr(err, "has no quorum"))))
			usleep(100 * 1000);
	}
	CHECK("dqlite: without a quorum, connecting says the pool has no leader (no quorum)", said);
	stop_node(second);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir2);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", dir2);
}

/* A transaction that reads and then writes while another connection
 * writes in between: with a plain BEGIN the late write fails ("database is
 * locked", its snapshot is stale); BEGIN IMMEDIATE takes the write lock
 * first, so the transaction goes through and the other writer is the one
 * told to try again. lib/pool-store.c relies on the second. */
static void interleaved_writers(const char *addr)
{
	tarn_err err = "", err2 = "";
	tarn_dqlite *a = connect_retry(addr, err), *b = connect_retry(addr, err2);
	int ok = a && b && tarn_dqlite_open(a, "test.db", err) == 0 && tarn_dqlite_open(b, "test.db", err2) == 0 &&
		 tarn_dqlite_exec(a, "CREATE TABLE w (n INTEGER)", NULL, 0, NULL, NULL, err) == 0;
	CHECK("dqlite: two connections to one database", ok);
	if (ok) {
		tarn_dqlite_exec(a, "BEGIN", NULL, 0, NULL, NULL, err);
		tarn_dq_rows_free(tarn_dqlite_query(a, "SELECT count(*) FROM w", NULL, 0, err));
		tarn_dqlite_exec(b, "INSERT INTO w VALUES (1)", NULL, 0, NULL, NULL, err2);
		int late = tarn_dqlite_exec(a, "INSERT INTO w VALUES (2)", NULL, 0, NULL, NULL, err);
		CHECK("dqlite: a plain BEGIN's late write after another's is refused as locked",
		      late != 0 && strstr(err, "locked"));
		tarn_dqlite_exec(a, "ROLLBACK", NULL, 0, NULL, NULL, (tarn_err){0});
		int began = tarn_dqlite_exec(a, "BEGIN IMMEDIATE", NULL, 0, NULL, NULL, err);
		tarn_dq_rows_free(tarn_dqlite_query(a, "SELECT count(*) FROM w", NULL, 0, err));
		int other = tarn_dqlite_exec(b, "INSERT INTO w VALUES (3)", NULL, 0, NULL, NULL, err2);
		int mine = tarn_dqlite_exec(a, "INSERT INTO w VALUES (4)", NULL, 0, NULL, NULL, err) ||
			   tarn_dqlite_exec(a, "COMMIT", NULL, 0, NULL, NULL, err);
		printf("# immediate: began %d, other %d (%s), mine %d (%s)\n", began, other, err2, mine, err);
		CHECK("dqlite: BEGIN IMMEDIATE's read-then-write goes through", began == 0 && mine == 0);
		CHECK("dqlite: the other writer is told the database is busy", other != 0);
	}
	tarn_dqlite_close(a);
	tarn_dqlite_close(b);
}

int main(void)
{
	tarn_err err = "";
	char addr[64];
	pid_t node = first_node(addr, dir);
	if (node < 0)
		return 1;
	tarn_dqlite *c = connect_retry(addr, err);
	CHECK("dqlite: connects to a node and finds it leads", c != NULL);
	if (c) {
		CHECK("dqlite: the leader's address is the node's", strcmp(tarn_dqlite_address(c), addr) == 0);
		types_and_params(c);
		interleaved_writers(addr);
		stop_node(node);
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		struct tarn_dq_rows *r = tarn_dqlite_query(c, "SELECT 1", NULL, 0, err);
		CHECK("dqlite: a node that dies is a clear error",
		      !r && strstr(err, "the server closed the connection"));
		CHECK("dqlite: and the next call fails at once",
		      tarn_dqlite_exec(c, "SELECT 1", NULL, 0, NULL, NULL, err) == -1 &&
		      strstr(err, "connection is closed") && seconds_since(&t0) < 2);
		tarn_dqlite_close(c);
		/* the data is on disk: a restarted node has it */
		node = start_node(addr, dir);
		c = connect_retry(addr, err);
		struct tarn_dq_rows *r2 = c && tarn_dqlite_open(c, "test.db", err) == 0
						  ? tarn_dqlite_query(c, "SELECT count(*) FROM big", NULL, 0, err) : NULL;
		CHECK("dqlite: committed rows survive a kill -9 of the node", r2 && tarn_dq_at(r2, 0, 0)->i == 3000);
		tarn_dq_rows_free(r2);
		tarn_dqlite_close(c);
		follow_the_leader(addr, &node);
	} else {
		printf("# %s\n", err);
	}
	stop_node(node);
	bad_peers();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	CHECK_EXIT();
}
