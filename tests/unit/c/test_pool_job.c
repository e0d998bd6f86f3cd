/* lib/pool-job on a real one-member dqlite pool whose other members are
 * rows: the least loaded utility server with the repository mounted is
 * chosen, refusals say why, a claim is conditional, a job's state follows
 * its member's task, and a dead member's jobs move or fail. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dqnode.h"
#include "pool-job.h"
#include "pool-maintenance.h"
#include "pool-repo.h"
#include "pool-store.h"

static char dir[] = "/tmp/tarn-pool-job-test.XXXXXX";
#define TWO "10.0.0.2:8900"
#define THREE "10.0.0.3:8900"
#define FOUR "10.0.0.4:8900"

static int member(tarn_pool *p, const char *id, const char *address, const char *roles, int64_t seen)
{
	tarn_err err;
	struct tarn_member m = {.id = id, .address = address, .roles = roles, .agent = "", .seen = seen};
	return tarn_pool_member_put(p, &m, err);
}

static int mounted(tarn_pool *p, const char *address, const char *state)
{
	tarn_err err;
	struct tarn_pool_repo_state s = {.name = "isos"};
	snprintf(s.address, sizeof s.address, "%s", address);
	snprintf(s.state, sizeof s.state, "%s", state);
	return tarn_pool_repo_report(p, &s, err);
}

/* Queues a job; the chosen host, or "refused: why". */
static const char *queue(tarn_pool *p, struct tarn_pool_job *j)
{
	static char out[400];
	tarn_err err = "";
	int rc = tarn_pool_job_add(p, "disk.create", "isos", "prefix=d\ncount=1\nsize=1G\npool=running_pool\n", j, err);
	snprintf(out, sizeof out, "%s%s", rc ? "refused: " : "", rc ? err : j->host);
	return out;
}

static void choice(tarn_pool *p, const char *self)
{
	tarn_err err = "";
	struct tarn_pool_job j, k;
	struct tarn_repo r = {.name = "isos", .kind = "nfs", .source = "nas:/export/isos"};
	CHECK("job: setup (a pool repository, this member a VM server only)",
	      tarn_pool_repo_add(p, &r, err) == 0 && tarn_pool_set_roles(p, "vm-server", err) == 0);
	CHECK("job: refused when no member has the utility role, saying how to give it",
	      strstr(queue(p, &j), "refused: repo: no member of the pool has the utility role") &&
	      strstr(queue(p, &j), "tarnctl pool roles"));
	int64_t now = time(NULL);
	CHECK("job: setup (two utility servers, a VM server)",
	      tarn_pool_set_roles(p, "utility,vm-server", err) == 0 && member(p, "2", TWO, "utility", now) == 0 &&
	      member(p, "3", THREE, "vm-server", now) == 0 && member(p, "4", FOUR, "utility,vm-server", now) == 0);
	CHECK("job: refused when no utility server has the repository mounted",
	      strstr(queue(p, &j), "refused: repo: no utility server has repository isos mounted"));
	mounted(p, TWO, "mounted");
	mounted(p, THREE, "mounted");
	mounted(p, FOUR, "failed");
	mounted(p, self, "failed");
	CHECK("job: the one utility server with it mounted is chosen", !strcmp(queue(p, &j), TWO) && j.id > 0 &&
	      !strcmp(j.state, "queued") && !strcmp(j.kind, "disk.create") && !strcmp(j.repo, "isos") &&
	      strstr(j.message, "queued on utility server " TWO));
	mounted(p, FOUR, "mounted");
	CHECK("job: then the least loaded one", !strcmp(queue(p, &k), FOUR) && k.id > j.id);
	CHECK("job: a tie goes to the lowest address; a VM server is never chosen",
	      !strcmp(queue(p, &k), TWO) && !strcmp(queue(p, &k), FOUR));
	mounted(p, self, "mounted");
	CHECK("job: a member with fewer jobs comes first", !strcmp(queue(p, &k), self) && !strcmp(queue(p, &k), self));
	CHECK("job: setup (four in maintenance, two silent)",
	      tarn_pool_set_maintenance(p, FOUR, 1, err) == 0 && member(p, "2", TWO, "utility", now - 100) == 0);
	CHECK("job: one in maintenance or silent is skipped", !strcmp(queue(p, &k), self));
	mounted(p, self, "failed");
	CHECK("job: none left: refused, saying none is up and out of maintenance",
	      strstr(queue(p, &k), "refused: repo: no utility server with repository isos mounted is up"));
	CHECK("job: a repository name that is not one is refused",
	      tarn_pool_job_add(p, "repo.import", "bad name", "", &k, err) == TARN_POOL_REFUSED);
	tarn_pool_set_maintenance(p, FOUR, 0, err);
	member(p, "2", TWO, "utility", now);
}

static void life(tarn_pool *p, const char *self)
{
	tarn_err err = "";
	struct tarn_pool_job *mine = NULL, j;
	int n = 0;
	mounted(p, self, "mounted");
	CHECK("job: a member's list holds only its queued and running jobs",
	      tarn_pool_job_list(p, self, 0, &mine, &n, err) == 0 && n == 3 && !strcmp(mine[0].host, self) &&
	      mine[0].id < mine[1].id);
	int64_t id = n ? mine[0].id : 0, other = n > 1 ? mine[1].id : 0;
	free(mine);
	CHECK("job: another member's claim takes nothing", tarn_pool_job_claim(p, id, TWO, err) == 0);
	CHECK("job: its member's claim takes it, once",
	      tarn_pool_job_claim(p, id, self, err) == 1 && tarn_pool_job_claim(p, id, self, err) == 0);
	CHECK("job: the local task's id is recorded",
	      tarn_pool_job_set_task(p, id, self, 42, err) == 0 && tarn_pool_job_get(p, id, &j, err) == 0 &&
	      j.task == 42 && !strcmp(j.state, "running"));
	j.progress = 40;
	snprintf(j.message, sizeof j.message, "made 4 of 10");
	CHECK("job: progress is mirrored", tarn_pool_job_mirror(p, &j, err) == 0 &&
	      tarn_pool_job_get(p, id, &j, err) == 0 && j.progress == 40 && !strcmp(j.message, "made 4 of 10"));
	CHECK("job: a cancel of a running job is asked, not done",
	      tarn_pool_job_cancel(p, id, err) == 0 && tarn_pool_job_get(p, id, &j, err) == 0 && j.cancel &&
	      !strcmp(j.state, "running"));
	snprintf(j.state, sizeof j.state, "cancelled");
	tarn_pool_job_mirror(p, &j, err);
	snprintf(j.state, sizeof j.state, "done");
	CHECK("job: a final state is final",
	      tarn_pool_job_mirror(p, &j, err) == 0 && tarn_pool_job_get(p, id, &j, err) == 0 &&
	      !strcmp(j.state, "cancelled") && tarn_pool_job_cancel(p, id, err) == TARN_POOL_REFUSED &&
	      strstr(err, "already ended"));
	CHECK("job: a queued job's cancel is at once, and it cannot be claimed then",
	      tarn_pool_job_cancel(p, other, err) == 0 && tarn_pool_job_get(p, other, &j, err) == 0 &&
	      !strcmp(j.state, "cancelled") && tarn_pool_job_claim(p, other, self, err) == 0);
	CHECK("job: an unknown one is refused", tarn_pool_job_get(p, 999999, &j, err) == TARN_POOL_REFUSED &&
	      strstr(err, "no job 999999"));
}

static int state_of(tarn_pool *p, int64_t id, const char *state, const char *host)
{
	tarn_err err;
	struct tarn_pool_job j;
	return tarn_pool_job_get(p, id, &j, err) == 0 && !strcmp(j.state, state) && !strcmp(j.host, host);
}

static void dead_member(tarn_pool *p, const char *self)
{
	tarn_err err = "";
	struct tarn_pool_job q, r;
	int64_t seen = time(NULL);
	mounted(p, self, "failed");
	member(p, "2", TWO, "utility", seen - 100); /* only four is a candidate */
	member(p, "4", FOUR, "utility", seen);
	queue(p, &q);
	queue(p, &r);
	CHECK("job: setup (two jobs on four, one running)", !strcmp(q.host, FOUR) && !strcmp(r.host, FOUR) &&
	      tarn_pool_job_claim(p, r.id, FOUR, err) == 1);
	CHECK("job: a member whose heartbeat moved is not taken over",
	      tarn_pool_job_takeover(p, FOUR, seen - 1, err) == 0 && state_of(p, q.id, "queued", FOUR));
	mounted(p, self, "mounted");
	CHECK("job: a dead member's queued jobs move to a candidate, its running one fails",
	      tarn_pool_job_takeover(p, FOUR, seen, err) == 4 /* and two from choice() */ && state_of(p, q.id, "queued", self) &&
	      state_of(p, r.id, "failed", FOUR) && tarn_pool_job_get(p, r.id, &r, err) == 0 &&
	      strstr(r.message, "stopped answering while it ran this"));
	mounted(p, self, "failed");
	mounted(p, FOUR, "failed");
	member(p, "5", "10.0.0.5:8900", "utility", seen);
	mounted(p, "10.0.0.5:8900", "mounted");
	CHECK("job: (setup) a job on five, its only candidate", !strcmp(queue(p, &q), "10.0.0.5:8900"));
	mounted(p, "10.0.0.5:8900", "failed");
	CHECK("job: five dead with no other candidate: its queued job fails, saying why",
	      tarn_pool_job_takeover(p, "10.0.0.5:8900", seen, err) >= 1 && tarn_pool_job_get(p, q.id, &q, err) == 0 &&
	      !strcmp(q.state, "failed") && strstr(q.message, "no other has repository isos mounted"));
	mounted(p, "10.0.0.5:8900", "mounted");
	CHECK("job: a member that leaves the pool ends its jobs, saying so",
	      !strcmp(queue(p, &q), "10.0.0.5:8900") && tarn_pool_member_delete(p, "5", err) == 0 &&
	      tarn_pool_job_get(p, q.id, &q, err) == 0 && !strcmp(q.state, "failed") &&
	      !strcmp(q.message, "its utility server left the pool"));
}

int main(void)
{
	char addr[64];
	pid_t node = first_node(addr, dir);
	if (node < 0)
		return 1;
	tarn_pool *p = tarn_pool_open(addr, 1);
	tarn_err err = "";
	int rc = -3;
	for (int i = 0; i < 100 && (rc = tarn_pool_schema_version(p, err)) < 0; i++)
		usleep(100 * 1000); /* the node elects itself */
	CHECK("job: the pool store has schema 9", rc == 9);
	CHECK("job: setup (a pool)", tarn_pool_create(p, "lab", "pool secret 1", err) == 0 &&
	      tarn_pool_heartbeat(p, err) == 0);
	choice(p, addr);
	life(p, addr);
	dead_member(p, addr);
	stop_node(node);
	tarn_pool_close(p);
	if (remove_dir(dir))
		return 1;
	CHECK_EXIT();
}
