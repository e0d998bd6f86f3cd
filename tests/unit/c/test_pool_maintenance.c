/* lib/pool-maintenance on a real one-node dqlite pool whose other members
 * are rows only (their heartbeats and free memory written by hand; the
 * engine's reports likewise): where guests go, how a cold move waits for
 * the domain to go, a target that leaves meanwhile, what cannot move, a
 * move called off, and placement passing a member in maintenance over. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dqnode.h"
#include "pool-maintenance.h"

static char dir[] = "/tmp/tarn-pool-maint-test.XXXXXX";

struct sql {
	const char *text;
	char out[256];
};

/* Runs one statement; a query's first column of its first row in out. */
static int run(void *ctx, tarn_dqlite *c, tarn_err err)
{
	struct sql *s = ctx;
	s->out[0] = '\0';
	if (strncmp(s->text, "SELECT", 6) != 0)
		return tarn_dqlite_exec(c, s->text, NULL, 0, NULL, NULL, err) ? TARN_POOL_DOWN : 0;
	struct tarn_dq_rows *r = tarn_dqlite_query(c, s->text, NULL, 0, err);
	if (!r)
		return TARN_POOL_DOWN;
	if (r->nrows && tarn_dq_at(r, 0, 0)->type == TARN_DQ_TEXT)
		snprintf(s->out, sizeof s->out, "%s", tarn_dq_at(r, 0, 0)->s);
	tarn_dq_rows_free(r);
	return 0;
}

static const char *sql(tarn_pool *p, const char *text)
{
	static struct sql s;
	tarn_err err;
	s.text = text;
	if (tarn_pool_with_leader(p, run, &s, err))
		snprintf(s.out, sizeof s.out, "error: %.240s", err);
	return s.out;
}

/* "host desired moving_to" of a guest. */
static const char *where(tarn_pool *p, const char *name)
{
	char q[200];
	snprintf(q, sizeof q, "SELECT host || ' ' || desired || ' ' || moving_to FROM guests WHERE name = '%s'", name);
	return sql(p, q);
}

static void guest(tarn_pool *p, const char *name, const char *uuid, int mib, const char *desired)
{
	char cfg[200];
	tarn_err err;
	snprintf(cfg, sizeof cfg, "name = '%s'\nmemory = %d\nkernel = '/k'\n", name, mib);
	struct tarn_guest g = {.uuid = uuid, .name = name, .xlcfg = cfg, .desired = desired, .host = "1"};
	tarn_pool_guest_define(p, &g, err);
}

/* What member 1's engine reports of a guest: running, or gone. */
static void report_actual(tarn_pool *p, const char *uuid, const char *actual)
{
	tarn_err err;
	struct tarn_guest g = {.uuid = uuid, .actual = actual, .error = "", .affinity = "",
			       .domid = strcmp(actual, "stopped") ? 7 : -1};
	tarn_pool_guest_report(p, &g, err);
}

static const char *evacuation(tarn_pool *p)
{
	return sql(p, "SELECT evacuation FROM members WHERE id = '1'");
}

#define BIG "11111111-1111-4111-8111-111111111111"
#define SMALL "22222222-2222-4222-8222-222222222222"

static void moves(tarn_pool *p)
{
	tarn_err err = "";
	guest(p, "big", BIG, 512, "running");
	guest(p, "small", SMALL, 64, "running");
	guest(p, "held", "33333333-3333-4333-8333-333333333333", 64, "paused");
	guest(p, "idle", "44444444-4444-4444-8444-444444444444", 64, "stopped");
	report_actual(p, BIG, "running");
	report_actual(p, SMALL, "running");
	CHECK("maintenance: out of maintenance, a round changes nothing",
	      tarn_pool_evacuate(p, "1", NULL, err) == 0 && !strcmp(where(p, "big"), "1 running ") && !evacuation(p)[0]);
	CHECK("maintenance: an unknown member is refused",
	      tarn_pool_set_maintenance(p, "9", 1, err) == TARN_POOL_REFUSED && strstr(err, "no member 9"));
	CHECK("maintenance: member 1 is put in maintenance", tarn_pool_set_maintenance(p, "127.0.0.1:1", 0, err) ==
	      TARN_POOL_REFUSED && tarn_pool_set_maintenance(p, "1", 1, err) == 0 &&
	      !strcmp(evacuation(p), "waiting for the member's agent"));
	int left = tarn_pool_evacuate(p, "1", NULL, err);
	CHECK("maintenance: running guests are shut down for a move, each where its memory fits (2 has 1000 MiB "
	      "free, 3 100)", left == 3 && !strcmp(where(p, "big"), "1 stopped 2") &&
	      !strcmp(where(p, "small"), "1 stopped 2"));
	CHECK("maintenance: a paused guest is named, not moved; a stopped one stays",
	      strstr(evacuation(p), "moving 2 guest(s); 1 guest(s) cannot move, first held (paused") &&
	      !strcmp(where(p, "held"), "1 paused ") && !strcmp(where(p, "idle"), "1 stopped "));
	CHECK("maintenance: a move waits while the domain is still there",
	      tarn_pool_evacuate(p, "1", NULL, err) == 3 && !strcmp(where(p, "big"), "1 stopped 2"));
	report_actual(p, SMALL, "stopped");
	sql(p, "UPDATE members SET maintenance = 1 WHERE id = '2'");
	tarn_pool_evacuate(p, "1", NULL, err);
	CHECK("maintenance: its domain gone, a guest whose target left is started where it now fits (3)",
	      !strcmp(where(p, "small"), "3 running "));
	report_actual(p, BIG, "stopped");
	tarn_pool_evacuate(p, "1", NULL, err);
	CHECK("maintenance: one that fits nowhere now stays stopped, named",
	      !strcmp(where(p, "big"), "1 stopped 2") && strstr(evacuation(p), "first big (stopped to move"));
	CHECK("maintenance: out of maintenance, it runs here again",
	      tarn_pool_set_maintenance(p, "1", 0, err) == 0 && tarn_pool_evacuate(p, "1", NULL, err) >= 0 &&
	      !strcmp(where(p, "big"), "1 running ") && !evacuation(p)[0]);
	report_actual(p, BIG, "running");
	tarn_pool_set_maintenance(p, "1", 1, err);
	sql(p, "UPDATE members SET maintenance = 0 WHERE id = '2'");
	tarn_pool_evacuate(p, "1", NULL, err);
	CHECK("maintenance: a new desired state calls a move off",
	      !strcmp(where(p, "big"), "1 stopped 2") && tarn_pool_guest_set_state(p, "big", "stopped", err) == 0 &&
	      !strcmp(where(p, "big"), "1 stopped ") && tarn_pool_evacuate(p, "1", NULL, err) >= 0 &&
	      !strcmp(where(p, "big"), "1 stopped "));
	struct tarn_guest g = {.uuid = "55555555-5555-4555-8555-555555555555", .name = "fresh",
			       .xlcfg = "name = 'fresh'\nmemory = 64\nkernel = '/k'\n", .desired = "stopped", .host = ""};
	CHECK("maintenance: a guest defined on a member in maintenance is placed on another",
	      tarn_pool_guest_define(p, &g, err) == 0 && !strcmp(where(p, "fresh"), "2 stopped "));
	CHECK("maintenance: guest.place onto it is refused",
	      tarn_pool_guest_place(p, "fresh", "1", err) == TARN_POOL_REFUSED && strstr(err, "in maintenance"));
}

/* The agent's live moves, stood in for: guest live1 goes live (once asked,
 * its move is under way), any other is refused (moved cold). */
struct live {
	int asked, under_way;
	char target[32];
};

static int live(void *ctx, const char *name, const char *target, tarn_err why)
{
	struct live *l = ctx;
	if (strcmp(name, "live1") != 0)
		return snprintf(why, TARN_ERRLEN, "its disks are not shared"), 1;
	l->asked++;
	snprintf(l->target, sizeof l->target, "%s", target);
	l->under_way = 1;
	return 0;
}

static int busy(void *ctx, const char *name)
{
	const struct live *l = ctx;
	return l->under_way && !strcmp(name, "live1");
}

static void live_moves(tarn_pool *p)
{
	tarn_err err = "";
	struct live l = {0};
	const struct tarn_evacuate_hooks hooks = {live, busy, &l};
	guest(p, "live1", "66666666-6666-4666-8666-666666666666", 64, "running");
	guest(p, "cold1", "77777777-7777-4777-8777-777777777777", 64, "running");
	report_actual(p, "66666666-6666-4666-8666-666666666666", "running");
	report_actual(p, "77777777-7777-4777-8777-777777777777", "running");
	tarn_pool_evacuate(p, "1", &hooks, err);
	CHECK("maintenance: a guest that can go live is handed to the live move, not shut down",
	      l.asked == 1 && !strcmp(l.target, "2") && !strcmp(where(p, "live1"), "1 running "));
	CHECK("maintenance: one the live move refuses is moved cold", !strcmp(where(p, "cold1"), "1 stopped 2"));
	tarn_pool_evacuate(p, "1", &hooks, err);
	CHECK("maintenance: a live move under way is not asked for again, and counts as moving",
	      l.asked == 1 && !strcmp(where(p, "live1"), "1 running ") && strstr(evacuation(p), "moving 2 guest(s)"));
}

int main(void)
{
	char addr[64];
	tarn_err err = "";
	pid_t node = first_node(addr, dir);
	if (node < 0)
		return 1;
	tarn_pool *p = tarn_pool_open(addr, 1);
	int rc = -3;
	for (int i = 0; i < 100 && (rc = tarn_pool_schema_version(p, err)) < 0; i++)
		usleep(100 * 1000); /* the node elects itself */
	CHECK("maintenance: (a pool of member 1, with members 2 and 3 as rows)",
	      tarn_pool_create(p, "lab", NULL, err) == 0);
	char q[300];
	snprintf(q, sizeof q, "INSERT INTO members (id, address, roles, agent, seen, free_mib) VALUES"
		 " ('2', '127.0.0.2:1', 'vm-server', '', %lld, 1000), ('3', '127.0.0.3:1', 'vm-server', '', %lld, 100)",
		 (long long)time(NULL) + 3600, (long long)time(NULL) + 3600);
	sql(p, q);
	sql(p, "UPDATE members SET free_mib = 5000 WHERE id = '1'");
	moves(p);
	live_moves(p);
	stop_node(node);
	tarn_pool_close(p);
	snprintf(q, sizeof q, "rm -rf %s", dir);
	if (system(q) != 0)
		return 1;
	CHECK_EXIT();
}
