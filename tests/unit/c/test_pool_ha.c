/* lib/pool-ha on a real one-member dqlite pool: a dead member's HA guests
 * move once, to a VM server that is up with room; a heartbeat seen since,
 * or a second round, moves nothing. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dqnode.h"
#include "pool-facts.h"
#include "pool-ha.h"
#include "pool-maintenance.h"

static char dir[] = "/tmp/tarn-pool-ha-test.XXXXXX";

/* "host error" of one guest. */
static int keep(void *ctx, const struct tarn_guest *g)
{
	snprintf(ctx, 512, "%s %s", g->host, g->error[0] ? g->error : "-");
	return 0;
}

static int keep_desired(void *ctx, const struct tarn_guest *g)
{
	snprintf(ctx, 512, "%s", g->desired);
	return 0;
}

static const char *desired(tarn_pool *p, const char *name, char out[512])
{
	tarn_err err;
	if (tarn_pool_guests(p, name, keep_desired, out, err))
		snprintf(out, 512, "? %s", err);
	return out;
}

static const char *where(tarn_pool *p, const char *name, char out[512])
{
	tarn_err err;
	if (tarn_pool_guests(p, name, keep, out, err))
		snprintf(out, 512, "? %s", err);
	return out;
}

static int moves;
static void count(void *ctx, const char *guest, const char *to, const char *why)
{
	(void)ctx, (void)why;
	moves += guest && to[0] != '\0';
}

/* A member's published facts: free memory, and whether Xen runs there. */
static int facts(tarn_pool *p, const char *address, long long free_mib, int xen, tarn_err err)
{
	struct tarn_pool_facts f = {.memory_total_mib = 8192, .memory_free_mib = free_mib, .xen = xen, .at = time(NULL)};
	snprintf(f.address, sizeof f.address, "%s", address);
	return tarn_pool_facts_put(p, &f, err);
}

/* Raw SQL on the leader, for a state no single call makes. */
static int sql(void *ctx, tarn_dqlite *c, tarn_err err)
{
	return tarn_dqlite_exec(c, ctx, NULL, 0, NULL, NULL, err) ? TARN_POOL_DOWN : 0;
}

static void define(tarn_pool *p, const char *name, int memory, int ha, tarn_err err)
{
	char cfg[128], uuid[37];
	snprintf(cfg, sizeof cfg, "name = \"%s\"\nmemory = %d\nkernel = \"/k\"\n", name, memory);
	tarn_pool_new_uuid(uuid);
	struct tarn_guest g = {.uuid = uuid, .name = name, .xlcfg = cfg, .desired = "running", .host = "7", .ha = ha};
	if (tarn_pool_guest_define(p, &g, err))
		fprintf(stderr, "define %s: %s\n", name, err);
}

int main(void)
{
	char addr[64], out[512];
	pid_t node = first_node(addr, dir);
	if (node < 0)
		return 1;
	tarn_pool *p = tarn_pool_open(addr, 1);
	tarn_err err = "";
	int rc = -1;
	for (int i = 0; i < 100 && (rc = tarn_pool_create(p, "ha", NULL, err)) == TARN_POOL_DOWN; i++)
		usleep(100 * 1000);
	int64_t now = time(NULL);
	struct tarn_member dead = {.id = "7", .address = "10.0.0.7:8900", .roles = "vm-server", .agent = "", .seen = now - 100},
			   live = {.id = "8", .address = "10.0.0.8:8900", .roles = "utility,vm-server", .agent = "", .seen = now},
			   small = {.id = "9", .address = "10.0.0.9:8900", .roles = "vm-server", .agent = "", .seen = now},
			   noxen = {.id = "10", .address = "10.0.0.10:8900", .roles = "vm-server", .agent = "", .seen = now},
			   maint = {.id = "11", .address = "10.0.0.11:8900", .roles = "vm-server", .agent = "", .seen = now};
	CHECK("ha: a pool with a dead member, two live VM servers, one off Xen and one in maintenance",
	      rc == 0 && !tarn_pool_member_put(p, &dead, err) && !tarn_pool_member_put(p, &live, err) &&
	      !tarn_pool_member_put(p, &small, err) && !tarn_pool_member_put(p, &noxen, err) && !tarn_pool_member_put(p, &maint, err) &&
	      !facts(p, maint.address, 8192, 1, err) && !tarn_pool_set_maintenance(p, "11", 1, err) && !facts(p, live.address, 1024, 1, err) &&
	      !facts(p, small.address, 100, 1, err) && !facts(p, "10.0.0.10:8900", 8192, 0, err));
	define(p, "web", 256, 1, err);
	define(p, "db", 512, 1, err);
	define(p, "plain", 64, 0, err);
	define(p, "huge", 4096, 1, err);
	define(p, "cold", 64, 1, err);
	tarn_pool_with_leader(p, sql, "UPDATE guests SET desired = 'stopped', moving_to = '8' WHERE name = 'cold'", err);
	CHECK("ha: a heartbeat other than the one judged dead moves nothing",
	      tarn_pool_ha_takeover(p, "7", now - 99, count, NULL, err) == 0 && moves == 0 &&
	      !strcmp(where(p, "web", out), "7 -"));
	rc = tarn_pool_ha_takeover(p, "7", now - 100, count, NULL, err);
	CHECK("ha: the dead member's HA guests move to the VM server with room that runs Xen and is not in "
	      "maintenance, in one go",
	      rc == 3 && moves == 3 && !strcmp(where(p, "web", out), "8 -") && !strcmp(where(p, "db", out), "8 -"));
	CHECK("ha: one stopped there for a cold move (maintenance) moves too, meant to run",
	      !strcmp(where(p, "cold", out), "8 -") && !strcmp(desired(p, "cold", out), "running"));
	CHECK("ha: a guest that is not HA stays", !strcmp(where(p, "plain", out), "7 -"));
	CHECK("ha: an HA guest no member has room for stays, with the reason as its error",
	      !strncmp(where(p, "huge", out), "7 ", 2) && strstr(out, "has 4096 MiB free"));
	CHECK("ha: a second round (or a second master) moves nothing more",
	      tarn_pool_ha_takeover(p, "7", now - 100, count, NULL, err) == 0 && moves == 3);
	define(p, "late", 512, 1, err);
	CHECK("ha: the guests moved count against the target's free memory (1024 MiB less 832)",
	      tarn_pool_ha_takeover(p, "7", now - 100, count, NULL, err) == 0 && !strncmp(where(p, "late", out), "7 ", 2));
	struct tarn_ha_watch w = {0}, follower = {0};
	CHECK("ha: a follower watches the heartbeats too, and moves nothing",
	      tarn_pool_ha_round(p, &follower, 0, count, NULL, err) == 0 && follower.n == 6 && moves == 3);
	CHECK("ha: a master's first round judges no one dead (it counts from when it starts watching)",
	      tarn_pool_ha_round(p, &w, 1, count, NULL, err) == 0 && w.n == 6 && moves == 3);
	stop_node(node);
	tarn_pool_close(p);
	if (remove_dir(dir))
		return 1;
	CHECK_EXIT();
}
