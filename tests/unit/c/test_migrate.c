/* Live migration's conversation (services/tarnd/migrate-proto.c) between
 * a source and a target over a socket pair, with a double standing in for
 * libxl and the pool store at each end: success with downtime measured,
 * refusals that leave the guest untouched, failures that resume it on the
 * source, and a target lost after "go", where the pool store decides. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "migrate-check.h"
#include "migrate-proto.h"

#define STREAM_BYTES 200000 /* more than a socket buffer: the stream must flow while read */

/* One end's double: what it was asked to do, and how it is to fail. */
struct fake {
	/* source */
	int send_rc;        /* 0, 1 (the guest did not suspend), -1 */
	int placed;         /* what the pool store says after a lost "done" */
	int64_t suspended;
	/* target */
	const char *refuse; /* accept fails with this */
	int receive_fails, record_fails, vanish_after_go;
	int fd;             /* its end, to vanish */
	/* what happened */
	int sent, resumed, destroyed, received, unpaused, recorded, last_percent;
	char offered_guest[65], offered_config[64];
};

static int f_send(void *x, int fd, tarn_err err)
{
	struct fake *f = x;
	static char buf[STREAM_BYTES];
	if (f->send_rc == 1)
		return snprintf(err, TARN_ERRLEN, "the guest did not answer the suspend request"), 1;
	memset(buf, 'S', sizeof buf);
	f->suspended = tarn_migrate_now_ms();
	if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
		return snprintf(err, TARN_ERRLEN, "the stream broke"), -1;
	f->sent = 1;
	return f->send_rc;
}
static int64_t f_suspended(void *x) { return ((struct fake *)x)->suspended; }
static int f_resume(void *x, tarn_err err) { (void)err; ((struct fake *)x)->resumed++; return 0; }
static int f_destroy(void *x, tarn_err err) { (void)err; ((struct fake *)x)->destroyed++; return 0; }
static int f_placed(void *x) { return ((struct fake *)x)->placed; }

static int f_accept(void *x, const struct tarn_migrate_offer *o, tarn_err err)
{
	struct fake *f = x;
	snprintf(f->offered_guest, sizeof f->offered_guest, "%s", o->guest);
	snprintf(f->offered_config, sizeof f->offered_config, "%s", o->config);
	return f->refuse ? (snprintf(err, TARN_ERRLEN, "%s", f->refuse), -1) : 0;
}

static int f_receive(void *x, int fd, tarn_err err)
{
	struct fake *f = x;
	static char buf[STREAM_BYTES];
	size_t got = 0;
	if (f->receive_fails)
		return snprintf(err, TARN_ERRLEN, "libxl: not enough memory to restore"), -1;
	while (got < sizeof buf) {
		ssize_t k = read(fd, buf + got, sizeof buf - got);
		if (k <= 0)
			return snprintf(err, TARN_ERRLEN, "the stream ended early"), -1;
		got += (size_t)k;
	}
	f->received = buf[0] == 'S' && buf[sizeof buf - 1] == 'S';
	return 0;
}

static int f_unpause(void *x, tarn_err err)
{
	struct fake *f = x;
	(void)err;
	if (f->vanish_after_go)
		shutdown(f->fd, SHUT_RDWR); /* as if the target's host died here */
	usleep(30 * 1000); /* unpausing takes a moment: part of the downtime */
	f->unpaused++;
	return 0;
}

static int f_record(void *x, tarn_err err)
{
	struct fake *f = x;
	if (f->record_fails)
		return snprintf(err, TARN_ERRLEN, "the pool has no leader now"), -1;
	usleep(300 * 1000); /* a Raft commit, while the guest already runs */
	f->recorded++;
	return 0;
}

static void f_progress(void *x, int percent, const char *note)
{
	(void)note;
	((struct fake *)x)->last_percent = percent;
}

static const struct tarn_migrate_ops ops = {f_send, f_suspended, f_resume, f_destroy, f_placed, f_accept,
					    f_receive, f_unpause, f_record, f_progress};

struct target {
	struct fake *f;
	struct tarn_migrate_offer o;
	struct tarn_migrate_result res;
	tarn_err msg;
};

static void *target_thread(void *arg)
{
	struct target *t = arg;
	tarn_migrate_receive(&ops, t->f, t->f->fd, &t->o, &t->res, t->msg);
	shutdown(t->f->fd, SHUT_RDWR);
	return NULL;
}

struct run {
	struct fake src, dst;
	struct tarn_migrate_result res;
	struct target t;
	tarn_err msg;
};

/* One migration of guest "g1" from member 1 to member 2. */
static void migrate(struct run *r)
{
	int sv[2];
	pthread_t th;
	char config[] = "{\"c_info\": {\"name\": \"g1\"}}";
	struct tarn_migrate_offer o = {.guest = "g1", .uuid = "6f1c1a4e-0000-4000-8000-000000000001", .from = "1",
				       .to = "2", .config = config, .config_len = strlen(config)};
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		abort();
	r->dst.fd = sv[1];
	r->t.f = &r->dst;
	pthread_create(&th, NULL, target_thread, &r->t);
	tarn_migrate_send(&ops, &r->src, sv[0], &o, &r->res, r->msg);
	close(sv[0]);
	pthread_join(th, NULL);
	close(sv[1]);
	tarn_migrate_offer_free(&r->t.o);
}

static const char *repo_kind(void *ctx, const char *repo)
{
	(void)ctx;
	return !strcmp(repo, "shared") ? "nfs" : !strcmp(repo, "local1") ? "local"
	       : !strcmp(repo, "pooled") ? TARN_MIGRATE_POOL_REPO : !strcmp(repo, "elsewhere") ? TARN_MIGRATE_POOL_UNMOUNTED
	       : NULL;
}

/* The checks made before anything moves (lib/migrate-check). */
static void checks(void)
{
	tarn_err err = "";
	struct tarn_member b = {.id = "2", .address = "10.0.0.2:8900", .roles = "vm-server"};
	struct tarn_member util = {.id = "3", .address = "10.0.0.3:8900", .roles = "utility"};
	CHECK("check: an unknown member is refused", tarn_migrate_check_member("x", "1", NULL, 1, err) &&
	      strstr(err, "no member x"));
	CHECK("check: the guest's own host is refused", tarn_migrate_check_member("1", "1", &(struct tarn_member){
	      .id = "1", .roles = "vm-server"}, 1, err) && strstr(err, "already runs on member 1"));
	CHECK("check: a member that is no VM server is refused", tarn_migrate_check_member("3", "1", &util, 1, err) &&
	      strstr(err, "not a VM server (roles: utility)"));
	CHECK("check: a member that is down is refused", tarn_migrate_check_member("2", "1", &b, 0, err) &&
	      strstr(err, "is down"));
	CHECK("check: an up VM server passes", tarn_migrate_check_member("2", "1", &b, 1, err) == 0);

	struct tarn_pool_facts small = {.memory_free_mib = 64, .xen = 1, .at = 1000, .cpu = "GenuineIntel 6 85"};
	CHECK("check: too little free memory on the target is refused, naming both figures",
	      tarn_migrate_check_memory("tarn-b", &small, 128, 1005, 60, err) &&
	      !strcmp(err, "member tarn-b has 64 MiB free and the guest needs 128 MiB"));
	CHECK("check: enough free memory passes", tarn_migrate_check_memory("tarn-b", &small, 64, 1005, 60, err) == 0);
	CHECK("check: facts too old are not trusted", tarn_migrate_check_memory("tarn-b", &small, 8, 1100, 60, err) &&
	      strstr(err, "has not published its free memory for 100 s"));
	small.xen = 0;
	CHECK("check: a target without Xen is refused", tarn_migrate_check_memory("tarn-b", &small, 8, 1005, 60, err) &&
	      strstr(err, "does not run Xen"));

	struct tarn_pool_facts src = {.cpu = "GenuineIntel 6 85", .hw_cap = "178bfbff:f6d8320b:0"};
	struct tarn_pool_facts same = {.cpu = "GenuineIntel 6 85", .hw_cap = "178bfbff:f6d8320b:0"};
	struct tarn_pool_facts amd = {.cpu = "AuthenticAMD 23 49", .hw_cap = "178bfbff:f6d8320b:0"};
	struct tarn_pool_facts more = {.cpu = "GenuineIntel 6 106", .hw_cap = "178bfbff:f6d8320f:1"};
	struct tarn_pool_facts less = {.cpu = "GenuineIntel 6 60", .hw_cap = "178bfbff:f6d83203:0"};
	CHECK("check: the same CPU passes", tarn_migrate_check_cpu("b", &src, &same, err) == 0);
	CHECK("check: another vendor is refused", tarn_migrate_check_cpu("b", &src, &amd, err) &&
	      strstr(err, "AuthenticAMD CPU and this host a GenuineIntel one"));
	CHECK("check: another model with every feature of the source passes",
	      tarn_migrate_check_cpu("b", &src, &more, err) == 0);
	CHECK("check: another model lacking a feature is refused, naming it",
	      tarn_migrate_check_cpu("b", &src, &less, err) && strstr(err, "lacks features") && strstr(err, "word 1: 00000008"));
	CHECK("check: an unknown target CPU is refused",
	      tarn_migrate_check_cpu("b", &src, &(struct tarn_pool_facts){0}, err) && strstr(err, "published no CPU"));

	CHECK("check: a guest without disks passes",
	      tarn_migrate_check_disks("/r", "name = 'g'\nmemory = 64\n", repo_kind, NULL, err) == 0);
	CHECK("check: disks in a shared repository pass",
	      tarn_migrate_check_disks("/r", "disk = ['/r/shared/running_pool/g/a.img,raw,xvda,w']\n", repo_kind, NULL,
				       err) == 0);
	CHECK("check: a disk in a local repository is refused",
	      tarn_migrate_check_disks("/r", "disk = ['/r/shared/running_pool/g/a.img,raw,xvda,w',"
				       " '/r/local1/running_pool/g/b.img,raw,xvdb,w']\n", repo_kind, NULL, err) &&
	      strstr(err, "disk xvdb is in local repository local1") && strstr(err, "only shared"));
	CHECK("check: a disk in a pool repository the target mounts passes",
	      tarn_migrate_check_disks("/r", "disk = ['/r/pooled/running_pool/g/a.img,raw,xvda,w']\n", repo_kind, NULL,
				       err) == 0);
	CHECK("check: a disk in a pool repository the target has not mounted is refused, saying so",
	      tarn_migrate_check_disks("/r", "disk = ['/r/elsewhere/running_pool/g/a.img,raw,xvda,w']\n", repo_kind,
				       NULL, err) && strstr(err, "pool repository elsewhere, which the target has not mounted"));
	CHECK("check: a disk outside the repositories is refused",
	      tarn_migrate_check_disks("/r", "disk = ['/srv/x.img,raw,xvda,w']\n", repo_kind, NULL, err) &&
	      strstr(err, "in no repository"));
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	checks();
	tarn_migrate_wait_ms = 5000;

	struct run ok = {0};
	migrate(&ok);
	CHECK("migrate: the target hears the guest and its libxl configuration",
	      !strcmp(ok.dst.offered_guest, "g1") && !strcmp(ok.dst.offered_config, "{\"c_info\": {\"name\": \"g1\"}}"));
	CHECK("migrate: the whole stream arrives and the target restores from it", ok.src.sent && ok.dst.received);
	CHECK("migrate: the target unpauses and records the new host once, after go",
	      ok.dst.unpaused == 1 && ok.dst.recorded == 1 && ok.dst.destroyed == 0);
	CHECK("migrate: the source destroys its copy and resumes nothing",
	      ok.res.end == TARN_MIGRATED && ok.src.destroyed == 1 && ok.src.resumed == 0);
	CHECK("migrate: both ends say it worked", ok.t.res.end == TARN_MIGRATED &&
	      !strcmp(ok.msg, "the guest runs on the target") && !strcmp(ok.t.msg, "the guest runs here"));
	CHECK("migrate: downtime is measured from the suspend, within the whole",
	      ok.res.downtime_ms >= 0 && ok.res.downtime_ms <= ok.res.total_ms);
	CHECK("migrate: downtime ends when the target's copy runs: its unpause counts, its record does not",
	      ok.res.downtime_ms >= 30 && ok.res.downtime_ms < 300);
	CHECK("migrate: progress reaches the last step", ok.src.last_percent == 95);

	struct run memory = {.dst.refuse = "member tarn-b has 64 MiB free and guest g1 needs 128 MiB"};
	migrate(&memory);
	CHECK("migrate: a target short of memory refuses, and the source says why",
	      memory.res.end == TARN_MIGRATE_UNTOUCHED &&
	      strstr(memory.msg, "the target refused: member tarn-b has 64 MiB free and guest g1 needs 128 MiB") &&
	      strstr(memory.msg, "runs on, untouched"));
	CHECK("migrate: a refusal leaves the guest untouched: nothing sent, resumed or destroyed",
	      !memory.src.sent && !memory.src.resumed && !memory.src.destroyed && !memory.dst.unpaused &&
	      memory.dst.received == 0);

	struct run restore = {.dst.receive_fails = 1};
	migrate(&restore);
	CHECK("migrate: a restore that fails on the target resumes the guest on the source",
	      restore.res.end == TARN_MIGRATE_RESUMED && restore.src.resumed == 1 && restore.src.destroyed == 0 &&
	      strstr(restore.msg, "resumed here"));

	struct run record = {.dst.record_fails = 1};
	migrate(&record);
	CHECK("migrate: a target that cannot record the move destroys its copy",
	      record.dst.destroyed == 1 && record.t.res.end == TARN_MIGRATE_UNTOUCHED);
	CHECK("migrate: ... and the source resumes, saying why",
	      record.res.end == TARN_MIGRATE_RESUMED && record.src.resumed == 1 && record.src.destroyed == 0 &&
	      strstr(record.msg, "the pool has no leader now"));

	struct run nosuspend = {.src.send_rc = 1};
	migrate(&nosuspend);
	CHECK("migrate: a guest that never suspended is not resumed, and the target drops the attempt",
	      nosuspend.res.end == TARN_MIGRATE_UNTOUCHED && nosuspend.src.resumed == 0 &&
	      nosuspend.src.destroyed == 0 && !nosuspend.dst.unpaused);

	struct run lost = {.dst.vanish_after_go = 1, .src.placed = 1};
	migrate(&lost);
	CHECK("migrate: the target gone after go with the move recorded: the source destroys its copy",
	      lost.res.end == TARN_MIGRATED && lost.src.destroyed == 1 && lost.src.resumed == 0);
	struct run notrec = {.dst.vanish_after_go = 1, .dst.record_fails = 1, .src.placed = 0};
	migrate(&notrec);
	CHECK("migrate: the target gone after go without the move recorded: the source resumes",
	      notrec.res.end == TARN_MIGRATE_RESUMED && notrec.src.resumed == 1 && notrec.src.destroyed == 0);
	struct run unknown = {.dst.vanish_after_go = 1, .src.placed = -1};
	migrate(&unknown);
	CHECK("migrate: when the pool store cannot say, neither copy is touched and the message says check both",
	      unknown.res.end == TARN_MIGRATE_LOST && unknown.src.resumed == 0 && unknown.src.destroyed == 0 &&
	      strstr(unknown.msg, "check both hosts"));

	/* not a migration at all */
	int sv[2];
	struct fake f = {0};
	struct tarn_migrate_offer o;
	struct tarn_migrate_result res;
	tarn_err msg = "";
	char line[100] = "";
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if (write(sv[0], "GET / HTTP/1.0\n", 15) != 15)
		return 1;
	tarn_migrate_receive(&ops, &f, sv[1], &o, &res, msg);
	ssize_t n = read(sv[0], line, sizeof line - 1);
	CHECK("migrate: something else than an offer is refused, touching nothing",
	      res.end == TARN_MIGRATE_UNTOUCHED && n > 0 && !strncmp(line, "no not a Tarn migration", 23) &&
	      !f.received && !f.unpaused && strstr(msg, "refused"));
	tarn_migrate_offer_free(&o);
	close(sv[0]);
	close(sv[1]);
	CHECK_EXIT();
}
