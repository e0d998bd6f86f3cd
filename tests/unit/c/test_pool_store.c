/* lib/pool-store on a real one-member dqlite pool: schema, the pool and its
 * members, validated guest writes, refusals that change nothing, and a
 * node that restarts under the store. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "pool-facts.h"
#include "pool-repo.h"
#include "dqnode.h"
#include "pool-store.h"

static char dir[] = "/tmp/tarn-pool-test.XXXXXX";

static int count_guests(void *ctx, const struct tarn_guest *g)
{
	(void)g;
	++*(int *)ctx;
	return 0;
}

static int keep_guest(void *ctx, const struct tarn_guest *g)
{
	char *out = ctx;
	snprintf(out, 512, "%s %s %s %s %d|%s", g->name, g->uuid, g->desired, g->host[0] ? g->host : "-", g->ha,
		 g->xlcfg);
	return 0;
}

/* What the engine reads and writes: "gen desired request drift timeout
 * pins|actual error error_gen affinity domid". */
static int keep_state(void *ctx, const struct tarn_guest *g)
{
	snprintf(ctx, 512, "%lld %s %s %s %d %s|%s %s %lld %s %d", (long long)g->gen, g->desired,
		 g->request[0] ? g->request : "-", g->drift, g->stop_timeout, g->pins[0] ? g->pins : "-", g->actual,
		 g->error[0] ? g->error : "-", (long long)g->error_gen, g->affinity[0] ? g->affinity : "-", g->domid);
	return 0;
}

static int keep_member(void *ctx, const struct tarn_member *m)
{
	snprintf(ctx, 512, "%s %s %s", m->id, m->address, m->roles);
	return 0;
}

static int guests(tarn_pool *p)
{
	int n = 0;
	tarn_err err;
	return tarn_pool_guests(p, NULL, count_guests, &n, err) == 0 ? n : -1;
}

static void pool_and_guests(tarn_pool *p, const char *addr)
{
	tarn_err err = "";
	struct tarn_pool_info info = {0};
	int rc = -3;
	for (int i = 0; i < 100 && (rc = tarn_pool_schema_version(p, err)) < 0; i++)
		usleep(100 * 1000); /* the node elects itself */
	CHECK("pool store: the schema is brought up to date", rc == 9);
	CHECK("pool store: no pool before one is created",
	      tarn_pool_info(p, &info, err) == TARN_POOL_REFUSED && strstr(err, "in no pool yet"));
	struct tarn_repo early = {.name = "early", .kind = "nfs", .source = "nas:/early"};
	CHECK("pool repo: refused on a host in no pool", tarn_pool_repo_add(p, &early, err) == TARN_POOL_REFUSED &&
	      strstr(err, "in no pool yet"));
	CHECK("pool store: a bad pool name is refused",
	      tarn_pool_create(p, "no spaces", NULL, err) == TARN_POOL_REFUSED && strstr(err, "letters, digits"));
	CHECK("pool store: creates a pool", tarn_pool_create(p, "lab", "pool secret 1", err) == 0);
	CHECK("pool store: a second create is refused, naming the pool",
	      tarn_pool_create(p, "other", NULL, err) == TARN_POOL_REFUSED && strstr(err, "already in pool lab"));
	CHECK("pool store: pool info", tarn_pool_info(p, &info, err) == 0 && strcmp(info.name, "lab") == 0 &&
	      strlen(info.uuid) == 36 && info.created > 1700000000 && strcmp(info.leader, addr) == 0 &&
	      info.is_master && info.vip[0] == '\0');
	CHECK("pool store: a virtual IP without its prefix is refused",
	      tarn_pool_set_vip(p, "10.0.0.50", err) == TARN_POOL_REFUSED && strstr(err, "IPV4-ADDRESS/PREFIX"));
	CHECK("pool store: an IPv6 virtual IP is refused",
	      tarn_pool_set_vip(p, "2001:db8::5/64", err) == TARN_POOL_REFUSED);
	CHECK("pool store: a wrong address is refused, naming the part",
	      tarn_pool_set_vip(p, "10.0.0.300/24", err) == TARN_POOL_REFUSED && strstr(err, "300"));
	CHECK("pool store: the virtual IP is set and shown",
	      tarn_pool_set_vip(p, "10.0.0.50/24", err) == 0 && tarn_pool_info(p, &info, err) == 0 &&
	      strcmp(info.vip, "10.0.0.50/24") == 0);
	CHECK("pool store: \"\" takes it away",
	      tarn_pool_set_vip(p, "", err) == 0 && tarn_pool_info(p, &info, err) == 0 && info.vip[0] == '\0');
	char m[512] = "", want[512];
	snprintf(want, sizeof want, "1 %s master,utility,vm-server", addr);
	CHECK("pool store: the creator is a member in every role",
	      tarn_pool_each_member(p, keep_member, m, err) == 0 && strcmp(m, want) == 0);
	CHECK("pool store: the pool password is checked against its hash",
	      tarn_pool_check_password(p, "pool secret 1", err) == 0 &&
	      tarn_pool_check_password(p, "pool secret 2", err) == TARN_POOL_REFUSED && strstr(err, "wrong pool password"));
	CHECK("pool store: a new pool password replaces the old",
	      tarn_pool_set_password(p, "pool secret 2", err) == 0 &&
	      tarn_pool_check_password(p, "pool secret 2", err) == 0 &&
	      tarn_pool_check_password(p, "pool secret 1", err) == TARN_POOL_REFUSED);
	CHECK("pool store: a short pool password is refused",
	      tarn_pool_set_password(p, "short", err) == TARN_POOL_REFUSED && strstr(err, "too short"));

	struct tarn_guest g = {.uuid = "0f8fad5b-d9cb-469f-a165-70867728950e", .name = "web1",
			       .xlcfg = "name = \"web1\"\nmemory = 256\n", .desired = "stopped", .host = ""};
	CHECK("pool store: defines a guest", tarn_pool_guest_define(p, &g, err) == 0);
	struct tarn_guest dup = g;
	dup.uuid = "1f8fad5b-d9cb-469f-a165-70867728950e";
	CHECK("pool store: a duplicate name is refused",
	      tarn_pool_guest_define(p, &dup, err) == TARN_POOL_REFUSED && strstr(err, "named web1 is already"));
	dup = g;
	dup.name = "web2";
	CHECK("pool store: a duplicate UUID is refused",
	      tarn_pool_guest_define(p, &dup, err) == TARN_POOL_REFUSED && strstr(err, "with UUID"));
	dup.uuid = "not-a-uuid";
	CHECK("pool store: a bad UUID is refused", tarn_pool_guest_define(p, &dup, err) == TARN_POOL_REFUSED);
	dup.uuid = "2f8fad5b-d9cb-469f-a165-70867728950e";
	dup.desired = "flying";
	CHECK("pool store: an unknown power state is refused",
	      tarn_pool_guest_define(p, &dup, err) == TARN_POOL_REFUSED && strstr(err, "flying is not a power"));
	CHECK("pool store: refusals left one guest", guests(p) == 1);

	char got[512] = "";
	CHECK("pool store: reads a guest back, placed on the member that defined it (id 1, a VM server)",
	      tarn_pool_guests(p, "web1", keep_guest, got, err) == 0 &&
	      strcmp(got, "web1 0f8fad5b-d9cb-469f-a165-70867728950e stopped 1 0|name = \"web1\"\nmemory = 256\n") == 0);
	CHECK("pool store: a missing guest is named",
	      tarn_pool_guests(p, "nope", keep_guest, got, err) == TARN_POOL_REFUSED && strstr(err, "no guest named nope"));
	CHECK("pool store: sets the desired state", tarn_pool_guest_set_state(p, "web1", "running", err) == 0 &&
	      tarn_pool_guests(p, "web1", keep_guest, got, err) == 0 && strstr(got, " running "));
	CHECK("pool store: sets the HA flag", tarn_pool_guest_set_ha(p, "web1", 1, err) == 0 &&
	      tarn_pool_guests(p, "web1", keep_guest, got, err) == 0 && strstr(got, " 1 1|") &&
	      tarn_pool_guest_set_ha(p, "ghost", 1, err) == TARN_POOL_REFUSED);
	CHECK("pool store: setting an unknown state is refused",
	      tarn_pool_guest_set_state(p, "web1", "asleep", err) == TARN_POOL_REFUSED);
	CHECK("pool store: setting a missing guest's state is refused",
	      tarn_pool_guest_set_state(p, "ghost", "running", err) == TARN_POOL_REFUSED && strstr(err, "ghost"));
	CHECK("pool store: a running guest is not undefined",
	      tarn_pool_guest_undefine(p, "web1", err) == TARN_POOL_REFUSED && strstr(err, "stop it first") &&
	      guests(p) == 1);
	CHECK("pool store: a stopped guest is undefined", tarn_pool_guest_set_state(p, "web1", "stopped", err) == 0 &&
	      tarn_pool_guest_undefine(p, "web1", err) == 0 && guests(p) == 0);
	CHECK("pool store: undefining a missing guest is refused",
	      tarn_pool_guest_undefine(p, "web1", err) == TARN_POOL_REFUSED);
	CHECK("pool store: defines again after an undefine", tarn_pool_guest_define(p, &g, err) == 0);
}

/* Desired state beyond a power state, and the engine's reports. */
static void guest_runtime(tarn_pool *p)
{
	tarn_err err = "";
	char got[512] = "";
	const char *uuid = "3f8fad5b-d9cb-469f-a165-70867728950e";
	struct tarn_guest g = {.uuid = uuid, .name = "tiny", .xlcfg = "name = 'tiny'\nmemory = 64\nvcpus = 2\nkernel = '/k'\n",
			       .desired = "stopped", .host = ""};
	CHECK("pool store: a new guest is at generation 1, actual unknown, no domain",
	      tarn_pool_guest_define(p, &g, err) == 0 && tarn_pool_guests(p, "tiny", keep_state, got, err) == 0 &&
	      strcmp(got, "1 stopped - restore 60 -|unknown - 0 - -1") == 0);
	CHECK("pool store: a stop with its own timeout bumps the generation",
	      tarn_pool_guest_stop(p, "tiny", 5, err) == 0 && tarn_pool_guests(p, "tiny", keep_state, got, err) == 0 &&
	      strncmp(got, "2 stopped - restore 5 ", 22) == 0);
	CHECK("pool store: a timeout over an hour is refused",
	      tarn_pool_guest_stop(p, "tiny", 3601, err) == TARN_POOL_REFUSED && strstr(err, "0 to 3600"));
	CHECK("pool store: no reboot for a guest meant to be stopped",
	      tarn_pool_guest_request(p, "tiny", "reboot", err) == TARN_POOL_REFUSED && strstr(err, "start it instead"));
	CHECK("pool store: a request for a missing guest names it",
	      tarn_pool_guest_request(p, "ghost", "reboot", err) == TARN_POOL_REFUSED && strstr(err, "no guest named ghost"));
	CHECK("pool store: a reboot request for a guest meant to run",
	      tarn_pool_guest_set_state(p, "tiny", "running", err) == 0 &&
	      tarn_pool_guest_request(p, "tiny", "reboot", err) == 0 &&
	      tarn_pool_guests(p, "tiny", keep_state, got, err) == 0 && strncmp(got, "4 running reboot restore 60 ", 28) == 0);
	CHECK("pool store: an unknown request is refused", tarn_pool_guest_request(p, "tiny", "nap", err) == TARN_POOL_REFUSED);
	CHECK("pool store: the engine clears a request done at its generation only",
	      tarn_pool_guest_request_done(p, uuid, 3, err) == 1 && tarn_pool_guest_request_done(p, uuid, 4, err) == 0 &&
	      tarn_pool_guests(p, "tiny", keep_state, got, err) == 0 && strncmp(got, "4 running - ", 12) == 0);
	CHECK("pool store: the drift policy", tarn_pool_guest_set_drift(p, "tiny", "leave", err) == 0 &&
	      tarn_pool_guest_set_drift(p, "tiny", "ignore", err) == TARN_POOL_REFUSED && strstr(err, "restore or leave") &&
	      tarn_pool_guests(p, "tiny", keep_state, got, err) == 0 && strncmp(got, "5 running - leave ", 18) == 0);
	CHECK("pool store: pins, normalised, in vCPU order",
	      tarn_pool_guest_pin(p, "tiny", 1, "0,1,2", err) == 0 && tarn_pool_guest_pin(p, "tiny", 0, "1", err) == 0 &&
	      tarn_pool_guests(p, "tiny", keep_state, got, err) == 0 && strstr(got, " 0:1 1:0-2|"));
	CHECK("pool store: a pin beyond the guest's vCPUs is refused",
	      tarn_pool_guest_pin(p, "tiny", 2, "1", err) == TARN_POOL_REFUSED && strstr(err, "vCPUs 0 to 1"));
	CHECK("pool store: a bad CPU list is refused",
	      tarn_pool_guest_pin(p, "tiny", 0, "one", err) == TARN_POOL_REFUSED && strstr(err, "one is not a CPU"));
	struct tarn_guest seen = {.uuid = uuid, .actual = "running", .error = "", .error_gen = 0,
				  .affinity = "0:1 1:0-1", .domid = 7};
	CHECK("pool store: the engine's report", tarn_pool_guest_report(p, &seen, err) == 0 &&
	      tarn_pool_guests(p, "tiny", keep_state, got, err) == 0 && strstr(got, "|running - 0 0:1 1:0-1 7"));
	CHECK("pool store: a guest with a domain is not undefined, even meant to be stopped",
	      tarn_pool_guest_set_state(p, "tiny", "stopped", err) == 0 &&
	      tarn_pool_guest_undefine(p, "tiny", err) == TARN_POOL_REFUSED && strstr(err, "still running"));
	CHECK("pool store: the engine adopts a state only at the generation it saw",
	      tarn_pool_guest_adopt(p, uuid, 1, "running", err) == 1 &&
	      tarn_pool_guests(p, "tiny", keep_state, got, err) == 0 && strncmp(got, "8 stopped ", 10) == 0 &&
	      tarn_pool_guest_adopt(p, uuid, 8, "running", err) == 0 &&
	      tarn_pool_guests(p, "tiny", keep_state, got, err) == 0 && strncmp(got, "9 running ", 10) == 0);
	CHECK("pool store: a destroy request means stopped",
	      tarn_pool_guest_request(p, "tiny", "destroy", err) == 0 &&
	      tarn_pool_guests(p, "tiny", keep_state, got, err) == 0 && strncmp(got, "10 stopped destroy ", 19) == 0);
	seen.actual = "stopped", seen.domid = -1, seen.affinity = "";
	CHECK("pool store: once stopped it is undefined", tarn_pool_guest_report(p, &seen, err) == 0 &&
	      tarn_pool_guest_undefine(p, "tiny", err) == 0);
}

static int keep_gen(void *ctx, const struct tarn_guest *g)
{
	*(int64_t *)ctx = g->gen;
	return 0;
}

/* A migration's view: members' facts, and a guest moved between members. */
static void migration(tarn_pool *p, const char *addr)
{
	tarn_err err = "";
	struct tarn_pool_facts f = {.memory_total_mib = 4096, .memory_free_mib = 1500, .cpu = "GenuineIntel 6 85",
				    .hw_cap = "bfebfbff:77fefbff", .xen = 1, .at = 1700000000}, got;
	snprintf(f.address, sizeof f.address, "%s", addr);
	CHECK("pool facts: a member with none published is refused, saying so",
	      tarn_pool_facts_get(p, addr, &got, err) == TARN_POOL_REFUSED && strstr(err, "no host facts"));
	CHECK("pool facts: published facts read back", tarn_pool_facts_put(p, &f, err) == 0 &&
	      tarn_pool_facts_get(p, addr, &got, err) == 0 && got.memory_free_mib == 1500 &&
	      got.memory_total_mib == 4096 && !strcmp(got.cpu, "GenuineIntel 6 85") &&
	      !strcmp(got.hw_cap, "bfebfbff:77fefbff") && got.xen == 1 && got.at == 1700000000);
	f.memory_free_mib = 900;
	CHECK("pool facts: a newer reading replaces the old", tarn_pool_facts_put(p, &f, err) == 0 &&
	      tarn_pool_facts_get(p, addr, &got, err) == 0 && got.memory_free_mib == 900);
	struct tarn_guest g = {.uuid = "9b2d6c0e-1111-4222-8333-444455556666", .name = "mover",
			       .xlcfg = "name = \"mover\"\nmemory = 64\nkernel = \"/k\"\n", .desired = "stopped", .host = "1"};
	char host[32] = "";
	int64_t gen = 0;
	CHECK("pool facts: a guest's host is read", tarn_pool_guest_define(p, &g, err) == 0 &&
	      tarn_pool_guest_host(p, g.uuid, host, sizeof host, err) == 0 && !strcmp(host, "1"));
	tarn_pool_guests(p, "mover", keep_gen, &gen, err);
	CHECK("pool facts: a move from the member it is on changes its host and generation",
	      tarn_pool_guest_move(p, g.uuid, "1", "2", 7, err) == 0 &&
	      tarn_pool_guest_host(p, g.uuid, host, sizeof host, err) == 0 && !strcmp(host, "2") &&
	      tarn_pool_guests(p, "mover", keep_gen, &(int64_t){0}, err) == 0);
	int64_t now = 0;
	tarn_pool_guests(p, "mover", keep_gen, &now, err);
	CHECK("pool facts: ... with a new generation", now == gen + 1);
	CHECK("pool facts: a move from a member it is not on changes nothing",
	      tarn_pool_guest_move(p, g.uuid, "1", "3", 9, err) == 1 &&
	      tarn_pool_guest_host(p, g.uuid, host, sizeof host, err) == 0 && !strcmp(host, "2"));
	CHECK("pool facts: an unknown guest's host is refused",
	      tarn_pool_guest_host(p, "00000000-0000-4000-8000-000000000000", host, sizeof host, err) ==
	      TARN_POOL_REFUSED);
	tarn_pool_guest_set_state(p, "mover", "stopped", err);
	struct tarn_guest gone = {.uuid = g.uuid, .actual = "stopped", .error = "", .affinity = "", .domid = -1};
	tarn_pool_guest_report(p, &gone, err);
	CHECK("pool facts: the moved guest can be undefined again", tarn_pool_guest_undefine(p, "mover", err) == 0);
}

/* Pool-wide repositories: only NFS, unique names and exports, members' states. */
static void repositories(tarn_pool *p, const char *addr)
{
	tarn_err err = "";
	struct tarn_repo r = {.name = "isos", .kind = "nfs", .source = "nas:/export/isos", .options = "vers=4.1"};
	struct tarn_pool_repos got;
	CHECK("pool repo: an nfs repository is added, with a uuid made",
	      tarn_pool_repo_add(p, &r, err) == 0 && strlen(r.uuid) == 36);
	CHECK("pool repo: read back with this member's roles",
	      tarn_pool_repo_read(p, addr, 0, &got, err) == 0 && got.n == 1 && !strcmp(got.repo[0].name, "isos") &&
	      !strcmp(got.repo[0].uuid, r.uuid) && !strcmp(got.repo[0].source, "nas:/export/isos") &&
	      !strcmp(got.repo[0].options, "vers=4.1") && !strcmp(got.repo[0].fstype, "nfs") && got.member &&
	      tarn_pool_repo_needed(got.roles) && tarn_pool_repos_find(&got, "isos") && !tarn_pool_repos_find(&got, "x"));
	tarn_pool_repos_free(&got);
	struct tarn_repo iscsi = {.name = "lun", .kind = "iscsi", .source = "192.0.2.20:3260",
				  .target = "iqn.2003-01.com.example:repo1"};
	CHECK("pool repo: iscsi is refused, saying why and what instead",
	      tarn_pool_repo_add(p, &iscsi, err) == TARN_POOL_REFUSED && strstr(err, "one host at a time") &&
	      strstr(err, "use NFS"));
	struct tarn_repo local = {.name = "disk", .kind = "local", .source = "/dev/sdb"};
	CHECK("pool repo: local is refused, saying why and what instead",
	      tarn_pool_repo_add(p, &local, err) == TARN_POOL_REFUSED && strstr(err, "its disk is in one host") &&
	      strstr(err, "NFS export"));
	struct tarn_repo again = {.name = "isos", .kind = "nfs", .source = "nas:/export/other"};
	CHECK("pool repo: a name the pool has is refused",
	      tarn_pool_repo_add(p, &again, err) == TARN_POOL_REFUSED && strstr(err, "already has a repository isos"));
	struct tarn_repo twice = {.name = "isos2", .kind = "nfs", .source = "nas:/export/isos"};
	CHECK("pool repo: an export the pool has is refused, naming its repository",
	      tarn_pool_repo_add(p, &twice, err) == TARN_POOL_REFUSED && strstr(err, "already pool repository isos"));
	struct tarn_repo bad = {.name = "bad", .kind = "nfs", .source = "no-export"};
	CHECK("pool repo: a bad export is refused", tarn_pool_repo_add(p, &bad, err) == TARN_POOL_REFUSED &&
	      strstr(err, "source"));
	struct tarn_pool_repo_state s = {.state = "mounted", .message = "mounted at /r/isos"};
	snprintf(s.address, sizeof s.address, "%s", addr);
	snprintf(s.name, sizeof s.name, "isos");
	CHECK("pool repo: a member's state is recorded and read",
	      tarn_pool_repo_report(p, &s, err) == 0 && tarn_pool_repo_read(p, addr, 1, &got, err) == 0 &&
	      got.nstates == 1 && !strcmp(got.states[0].state, "mounted") && !strcmp(got.states[0].address, addr) &&
	      got.states[0].at > 1700000000);
	tarn_pool_repos_free(&got);
	CHECK("pool repo: removed pool-wide, its states with it",
	      tarn_pool_repo_remove(p, "isos", err) == 0 && tarn_pool_repo_read(p, addr, 1, &got, err) == 0 &&
	      got.n == 0 && got.nstates == 0);
	tarn_pool_repos_free(&got);
	CHECK("pool repo: a late report of a removed repository adds nothing",
	      tarn_pool_repo_report(p, &s, err) == 0 && tarn_pool_repo_read(p, addr, 1, &got, err) == 0 &&
	      got.nstates == 0);
	tarn_pool_repos_free(&got);
	struct tarn_member gone = {.id = "77", .address = "10.0.0.77:8900", .roles = "vm-server", .agent = ""};
	struct tarn_pool_repo_state theirs = {.address = "10.0.0.77:8900", .name = "kept", .state = "mounted"};
	struct tarn_repo kept = {.name = "kept", .kind = "nfs", .source = "nas:/kept"};
	CHECK("pool repo: a member's states go when it is ejected",
	      tarn_pool_repo_add(p, &kept, err) == 0 && tarn_pool_member_put(p, &gone, err) == 0 &&
	      tarn_pool_repo_report(p, &theirs, err) == 0 && tarn_pool_repo_read(p, addr, 1, &got, err) == 0 &&
	      got.nstates == 1 && (tarn_pool_repos_free(&got), tarn_pool_member_delete(p, "77", err) == 0) &&
	      tarn_pool_repo_read(p, addr, 1, &got, err) == 0 && got.nstates == 0 && got.n == 1);
	tarn_pool_repos_free(&got);
	tarn_pool_repo_remove(p, "kept", err);
	CHECK("pool repo: removing one that is not there is refused",
	      tarn_pool_repo_remove(p, "isos", err) == TARN_POOL_REFUSED && strstr(err, "no repository isos"));
	CHECK("pool repo: a member without roles does not mount them", !tarn_pool_repo_needed("") &&
	      tarn_pool_repo_needed("utility") && tarn_pool_repo_needed("vm-server"));
}

int main(void)
{
	char addr[64];
	pid_t node = first_node(addr, dir);
	if (node < 0)
		return 1;
	tarn_pool *p = tarn_pool_open(addr, 1);
	pool_and_guests(p, addr);
	guest_runtime(p);
	migration(p, addr);
	repositories(p, addr);

	tarn_err err = "";
	stop_node(node);
	CHECK("pool store: a dead node is 'unavailable', not a hang (its closed connection seen before use)",
	      tarn_pool_guests(p, NULL, count_guests, &(int){0}, err) == TARN_POOL_DOWN &&
	      strstr(err, "the pool is unavailable"));
	CHECK("pool store: and stays so while it is down",
	      tarn_pool_guests(p, NULL, count_guests, &(int){0}, err) == TARN_POOL_DOWN &&
	      strstr(err, "the pool is unavailable"));
	node = start_node(addr, dir);
	int n = -1;
	for (int i = 0; i < 100 && (n = guests(p)) < 0; i++)
		usleep(100 * 1000);
	CHECK("pool store: reconnects when the node is back, data intact", n == 1);
	stop_node(node);
	tarn_pool_close(p);
	if (remove_dir(dir))
		return 1;
	CHECK_EXIT();
}
