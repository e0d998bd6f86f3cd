/* tarnd: the Tarn agent. Serves the XML-RPC API over HTTPS on port 8899,
 * and to local callers on RUNDIR/tarn/api.sock (see local-socket.h).
 *
 *   tarnd [-f] [--listen ADDR] [--port N] [--pool-listen ADDR:PORT] [--state DIR]
 *         [--sysconf DIR] [--no-reconcile] [--rundir DIR] [--dhcp-script FILE]
 *         [--power-cmd FILE] [--repo-root DIR] [--console-dir DIR] [--run-guests]
 *   tarnd --set-password [--state DIR]   (reads the new password on stdin)
 *
 * --sysconf is where the host name and resolv.conf are written (/etc);
 * --no-reconcile serves the API without touching the host (tests);
 * --run-guests runs the guest reconciler even so (tests of tarnd-double,
 * the build with libxl's test double: tests/double/libxl.c);
 * --rundir and --dhcp-script place the DHCP client's pid files and hook;
 * --power-cmd runs FILE reboot|shutdown for host.reboot and host.shutdown
 * instead of the host's own commands (tests).
 * --repo-root is where repositories are mounted (DIR/repos).
 * --console-dir is where xenconsoled logs guest consoles (guest-NAME.log,
 * /var/log/xen/console): the API process reads them (guest.console), so
 * the directory is readable by its group, tarn.
 *
 * State (the node store in DIR/db, the TLS key and certificate in DIR/tls,
 * the pool node's data in DIR/pool) lives in DIR, /var/lib/tarn by
 * default: the persistent data partition.
 *
 * --pool-listen is the pool node's address (its traffic is TLS keyed with
 * the pool key: pool-tls.h): by default the one pool.setAddress stored,
 * else 127.0.0.1:8900, which is enough for a pool of one.
 *
 * Two processes: the engine (root) runs the reconcilers that change the
 * host; the API process (user tarn, or nobody) speaks TLS and XML-RPC and
 * only reads and writes the node store. A bug in the parser reaches no
 * root power. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "cert.h"
#include "cert-peer.h"
#include "event.h"
#include "facts-publish.h"
#include "guest-apply.h"
#include "host-facts.h"
#include "host-power.h"
#include "http.h"
#include "local-socket.h"
#include "migrate-listen.h"
#include "net-apply.h"
#include "nettrial.h"
#include "dqlite-client.h"
#include "pool-jobs.h"
#include "pool-member.h"
#include "pool-tls.h"
#include "pool-vip.h"
#include "registry.h"
#include "repo-apply.h"
#include "repo-pool.h"
#include "store.h"
#include "task.h"
#include "task-run.h"
#include "watchdog.h"

#ifndef TARN_VERSION
#define TARN_VERSION "0.0.0"
#endif

/* What the engine does besides stopping. */
struct engine_config {
	const struct tarn_net_paths *paths;
	int reconcile;          /* apply host settings (a Tarn host, or --sysconf) */
	int run_guests;         /* run the guest reconciler (with reconcile, or --run-guests) */
	const char *power_cmd;  /* --power-cmd: run instead of reboot/poweroff (tests) */
	const char *repo_root;  /* where repositories are mounted */
	const char *socket;     /* the local API socket, removed when the agent stops */
	const char *pool;       /* this member's pool node, where guests are read */
	const char *console_dir; /* xenconsoled's guest logs, made readable by api_gid */
	gid_t api_gid;
	const char *pool_key;   /* the pool key its TLS is keyed with (pool-tls.h) */
	int poke;               /* the API's wake-ups (a guest changed), or -1 */
	struct stat socket_bound;
};

/* Applies the network and repository settings when the store's generation moved, and
 * again every 30 s while a subject failed; records an event when there is
 * something new to say (a new generation, or a different failure count). */
static void reconcile(tarn_store *st, const struct engine_config *ec, int64_t *done, int *failed,
		      time_t *retry_at, struct tarn_repo_pool *rp, tarn_pool *pool)
{
	tarn_err err = "";
	/* a network change on trial that was not confirmed in time (nettrial.h) */
	int rolled = tarn_net_trial_expire(st, time(NULL), err);
	if (rolled)
		syslog(LOG_WARNING, "network: %s", rolled > 0 ? "change not confirmed: rolled back" : err);
	int64_t g = tarn_store_generation(st);
	/* the pool's repositories are polled: a change there touches no node store */
	int pool_changed = tarn_repo_pool_poll(rp, pool, ec->pool, time(NULL));
	if (g == *done && !pool_changed && !(*failed && time(NULL) >= *retry_at))
		return;
	int was = *failed, n = tarn_net_reconcile(st, ec->paths, g);
	if (g != *done || n != was) {
		char msg[120];
		if (n)
			snprintf(msg, sizeof msg, "%d setting(s) could not be applied (see net.status)", n);
		else
			snprintf(msg, sizeof msg, "host settings applied (generation %lld)", (long long)g);
		tarn_event_add(st, n ? "warning" : "info", "net", msg);
		if (n)
			syslog(LOG_WARNING, "network: %s", msg);
	}
	n += tarn_repo_pool_reconcile(rp, pool, ec->pool, st, ec->repo_root, g); /* records its own events */
	*failed = n;
	*done = g;
	*retry_at = time(NULL) + 30;
}

/* Waits up to 300 ms for a stop signal (on sfd), the API's poke (a guest
 * changed: *poked is set) or an incoming migration (taken here) while
 * libxl's descriptors and timers get their turn; the signal, or 0. */
static int engine_wait(int sfd, int poke, int *poked, struct tarn_migrate_listener *ml, struct tarn_xen *xen,
		       struct pollfd **fds, int *cap)
{
	int n = 3, timeout = 300;
	(*fds)[0] = (struct pollfd){.fd = sfd, .events = POLLIN};
	(*fds)[1] = (struct pollfd){.fd = poke, .events = POLLIN}; /* -1 (none) is ignored by poll */
	(*fds)[2] = (struct pollfd){.fd = ml->fd, .events = POLLIN};
	tarn_xen_beforepoll(xen, fds, &n, cap, &timeout);
	if (poll(*fds, (nfds_t)n, timeout) < 0)
		(*fds)[0].revents = (*fds)[1].revents = (*fds)[2].revents = 0; /* EINTR: a child ended (libxl's SIGCHLD handler) */
	tarn_xen_afterpoll(xen, *fds, n);
	if ((*fds)[2].revents & POLLIN)
		tarn_migrate_accept(ml);
	char drain[64];
	*poked = ((*fds)[1].revents & POLLIN) && read(poke, drain, sizeof drain) > 0;
	struct signalfd_siginfo si;
	if (((*fds)[0].revents & POLLIN) && read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
		return (int)si.ssi_signo;
	return 0;
}

/* Kicks (or arms, or disarms) Xen's watchdog when due: called between the
 * loop's steps, any of which may block for seconds. */
static void watch(struct tarn_watchdog *wd, const struct tarn_guests *guests, tarn_store *st)
{
	if (wd)
		tarn_watchdog_run(wd, tarn_guests_ha_here(guests), tarn_guests_standing(guests), tarn_guests_fencing(guests),
				  st);
}

/* The engine reads the host's facts every TARN_FACTS_INTERVAL seconds,
 * runs the reconcilers (the host's settings, repositories, guests) and the
 * tasks that need root, and between them waits in poll(2) on the stop
 * signals and libxl's descriptors. It returns when SIGTERM or SIGINT
 * arrives, or when the API process dies (the supervisor then restarts the
 * whole agent). */
static int engine(const char *db, const struct engine_config *ec, pid_t api, const sigset_t *stop)
{
	tarn_err err = "";
	static struct tarn_pool_tls tls; /* the pool store's connections follow the leader over TLS */
	tarn_pool_tls_init(&tls, ec->pool, ec->pool_key);
	tls.self[0] = '\0'; /* even to this host's node: dqlite takes its own socket from its own process only */
	tarn_dqlite_set_dialer(tarn_pool_tls_dial, &tls);
	tarn_store *st = tarn_store_open(db, err);
	struct tarn_host_facts *facts = tarn_host_facts_new();
	struct tarn_xen *xen = tarn_xen_new();
	struct tarn_guests *guests = xen ? tarn_guests_new(xen, ec->pool, ec->paths->statedir) : NULL;
	if (guests)
		tarn_guests_console(guests, ec->console_dir, ec->api_gid);
	int cap = 8, sfd = signalfd(-1, stop, SFD_CLOEXEC);
	struct pollfd *fds = calloc((size_t)cap, sizeof *fds);
	if (!st || !facts || !guests || !fds || sfd < 0) {
		syslog(LOG_ERR, "engine: %s", !st ? err : sfd < 0 ? "no signalfd" : "out of memory");
		kill(api, SIGTERM);
		waitpid(api, NULL, 0);
		tarn_store_close(st);
		tarn_host_facts_free(facts);
		tarn_guests_free(guests);
		tarn_xen_free(xen);
		free(fds);
		if (sfd >= 0)
			close(sfd);
		return 1;
	}
	/* first: a slot left armed by an engine that crashed is kicked at once */
	static struct tarn_watchdog watchdog;
	struct tarn_watchdog *wd = ec->run_guests ? &watchdog : NULL;
	if (wd)
		tarn_watchdog_open(wd, ec->paths->rundir, st);
	char msg[200];
	int lost = tarn_task_recover(st);
	if (lost > 0) {
		snprintf(msg, sizeof msg, "%d task(s) left running by an agent that stopped were failed", lost);
		tarn_event_add(st, "warning", "task", msg);
	}
	snprintf(msg, sizeof msg, "Tarn agent %s started%s", TARN_VERSION,
		 ec->reconcile ? "" : " (host settings are not applied here)");
	tarn_event_add(st, "info", "agent", msg);
	struct tarn_workers workers = {.db = db, .root = ec->repo_root, .pool = ec->pool, .pool_key = ec->pool_key};
	/* migrations: this member's facts for their checks, and its socket for incoming ones */
	struct tarn_facts_publisher publisher = {0};
	struct tarn_pool_vip vip = {0};
	tarn_pool *facts_pool = tarn_pool_open(ec->pool, 0);
	struct tarn_migrate_listener incoming;
	if (tarn_migrate_listen(&incoming, ec->pool, db, ec->api_gid, err))
		syslog(LOG_ERR, "%s: guests cannot migrate to this host", err);
	struct tarn_repo_pool repo_pool = {0};
	struct tarn_pool_jobs pool_jobs = {0};
	int64_t done = -1;
	int failed = 0, rc = 0;
	time_t retry_at = 0, facts_at = 0;
	for (;;) {
		if (ec->reconcile)
			{
			reconcile(st, ec, &done, &failed, &retry_at, &repo_pool, facts_pool);
			tarn_pool_jobs_run(&pool_jobs, facts_pool, st, ec->pool, time(NULL));
			tarn_workers_poll(&workers, st);
		}
		watch(wd, guests, st);
		if (time(NULL) >= facts_at) {
			if (tarn_host_facts_refresh(facts, xen, st, err))
				syslog(LOG_ERR, "host facts: %s", err);
			else if (facts_pool && tarn_facts_publish(&publisher, facts_pool, st, err))
				syslog(LOG_DEBUG, "host facts: not published to the pool: %s", err);
			facts_at = time(NULL) + TARN_FACTS_INTERVAL;
		}
		watch(wd, guests, st);
		if (ec->run_guests) { /* an agent that manages no host (tests' API-only one) holds no address */
			tarn_guests_run(guests, st);
			watch(wd, guests, st);
			tarn_pool_vip_run(&vip, facts_pool, st, time(NULL));
		}
		watch(wd, guests, st);
		tarn_host_power_run(st, ec->power_cmd, wd);
		int poked = 0, sig = engine_wait(sfd, ec->poke, &poked, &incoming, xen, &fds, &cap);
		tarn_migrate_reap(&incoming);
		if (poked)
			tarn_guests_wake(guests);
		if (sig == SIGTERM || sig == SIGINT) {
			syslog(LOG_INFO, "stopping on signal %d", sig);
			snprintf(msg, sizeof msg, "agent stopping on signal %d", sig);
			tarn_event_add(st, "info", "agent", msg);
			if (wd)
				tarn_watchdog_disarm(wd, st, "the agent stops");
			break;
		}
		if (waitpid(api, NULL, WNOHANG) == api) {
			syslog(LOG_ERR, "the API process died; stopping so the agent restarts whole");
			tarn_event_add(st, "error", "agent", "the API process died; the agent restarts");
			api = 0;
			rc = 1;
			break;
		}
	}
	tarn_workers_stop(&workers, st);
	tarn_pool_vip_drop(&vip, st);
	tarn_migrate_close(&incoming);
	tarn_pool_close(facts_pool);
	tarn_repo_pool_free(&repo_pool);
	if (api) {
		kill(api, SIGTERM);
		int status = 0;
		waitpid(api, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = 1;
	}
	tarn_local_socket_remove(ec->socket, &ec->socket_bound);
	tarn_host_facts_free(facts);
	if (wd) /* after the API process died it stays armed: the supervisor's next engine takes it over */
		tarn_watchdog_close(wd);
	/* a create or destroy still in flight keeps its configuration and the
	 * context: the process is ending, and the domain lives on regardless */
	if (!tarn_guests_busy(guests))
		tarn_xen_free(xen);
	tarn_guests_free(guests);
	free(fds);
	close(sfd);
	tarn_store_close(st);
	return rc;
}

/* The network-facing process: parses requests and speaks TLS, as an
 * unprivileged user with no way back to root. It needs only the node store
 * (desired state) and the TLS key it inherits in memory. */
static int drop_privileges(uid_t uid, gid_t gid, pid_t engine)
{
	if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || setuid(0) == 0)
		return -1; /* the last: it must not be able to regain root */
	/* Stop with the engine. Set after setuid, which clears it; and the
	 * engine may already be gone. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != engine)
		return -1;
	return 0;
}

/* The pool node and this host's membership. Without them the API still
 * serves everything else; pool calls then fault. agent is this host's API
 * as other members reach it: the pool address's host, the API's port. */
static struct tarn_membership *pool_start(const char *dir, const char *address, unsigned port, tarn_store *st,
					  const char *repo_root)
{
	tarn_err err = "";
	char agent[300];
	const char *colon = strrchr(address, ':');
	snprintf(agent, sizeof agent, "%.*s:%u", colon ? (int)(colon - address) : 0, address, port);
	struct tarn_membership *m = tarn_membership_start(dir, address, agent, st, repo_root, err);
	if (!m)
		syslog(LOG_ERR, "%s", err);
	return m;
}

/* Another member's login as the pool (http.h). */
static int pool_login(void *ctx, const char *password, tarn_err why)
{
	tarn_pool *pool = ctx;
	int rc = pool ? tarn_pool_check_password(pool, password, why) : TARN_POOL_DOWN;
	if (!pool)
		snprintf(why, TARN_ERRLEN, "the pool node is not running on this host");
	if (rc == TARN_POOL_REFUSED)
		syslog(LOG_WARNING, "pool login refused: %s", why);
	return rc == 0 ? 1 : rc == TARN_POOL_REFUSED ? 0 : -1;
}

static const struct tarn_membership_ops membership_ops = {tarn_membership_join, tarn_membership_leave,
							  tarn_membership_key};

static int api_process(const char *db, const char *pool_dir, const char *pool_address, const char *repo_root,
		       const char *console_dir, int poke, struct tarn_http_config *cfg, uid_t uid, gid_t gid, pid_t engine,
		       const sigset_t *stop)
{
	tarn_err err = "";
	if (drop_privileges(uid, gid, engine) != 0) {
		syslog(LOG_ERR, "API process: cannot drop privileges: %m");
		return 1;
	}
	tarn_store *st = tarn_store_open(db, err);
	if (!st) {
		syslog(LOG_ERR, "API process: %s", err);
		return 1;
	}
	struct tarn_membership *member = pool_start(pool_dir, pool_address, cfg->port, st, repo_root);
	char fingerprint[TARN_FINGERPRINT_LEN] = "";
	if (tarn_cert_fingerprint(cfg->cert_pem, fingerprint, err))
		syslog(LOG_WARNING, "the agent's certificate: %s", err);
	struct tarn_agent agent = {.store = st, .version = TARN_VERSION, .repo_root = repo_root,
				   .cert_fingerprint = fingerprint,
				   .console_dir = console_dir, .pool = tarn_membership_pool(member),
				   .membership = member, .membership_ops = &membership_ops, .engine_poke = poke};
	xmlrpc_registry *reg = tarn_registry_new(&agent, err);
	cfg->store = st;
	cfg->registry = reg;
	cfg->pool_login = pool_login;
	cfg->pool_ctx = agent.pool;
	/* After a crash the previous API process may hold the port for a moment
	 * longer (it is told to stop when its engine dies): retry for 10 s. */
	struct tarn_http *http = NULL;
	for (int i = 0; reg && !http && i < 20; i++)
		if (!(http = tarn_http_start(cfg, err)))
			usleep(500 * 1000);
	int rc = 0;
	if (!http) {
		syslog(LOG_ERR, "%s", err);
		rc = 1;
	} else {
		char pw[8];
		syslog(LOG_INFO, "Tarn agent %s serving XML-RPC over HTTPS on port %u as uid %u%s",
		       TARN_VERSION, cfg->port, (unsigned)uid,
		       tarn_store_get(st, "agent_password", pw, sizeof pw)
			       ? " (no agent password set: every call is refused until one is)" : "");
		int sig;
		sigwait(stop, &sig);
		tarn_http_stop(http);
	}
	if (reg)
		tarn_registry_free(reg);
	tarn_membership_stop(member);
	tarn_store_close(st);
	return rc;
}

/* The API process runs as user "tarn", or "nobody" where there is none. */
static int api_user(uid_t *uid, gid_t *gid)
{
	const struct passwd *pw = getpwnam("tarn");
	if (!pw)
		pw = getpwnam("nobody");
	if (!pw)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static int set_password(tarn_store *st, tarn_err err)
{
	char pass[300], hash[256];
	if (!fgets(pass, sizeof pass, stdin))
		return snprintf(err, TARN_ERRLEN, "no password on standard input"), -1;
	pass[strcspn(pass, "\n")] = '\0';
	int rc = tarn_auth_hash(pass, hash, sizeof hash, err) ||
		 tarn_store_set(st, "agent_password", hash, err) ? -1 : 0;
	memset(pass, 0, sizeof pass);
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: tarnd [-f] [--listen ADDR] [--port N] [--pool-listen ADDR:PORT] [--state DIR]\n"
			"             [--sysconf DIR] [--no-reconcile] [--rundir DIR] [--dhcp-script FILE]\n"
			"             [--power-cmd FILE] [--repo-root DIR] [--console-dir DIR] [--run-guests]\n"
			"       tarnd --set-password [--state DIR] < password\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"foreground", no_argument, NULL, 'f'}, {"listen", required_argument, NULL, 'l'},
		{"port", required_argument, NULL, 'p'}, {"state", required_argument, NULL, 's'},
		{"set-password", no_argument, NULL, 'P'}, {"sysconf", required_argument, NULL, 'e'},
		{"no-reconcile", no_argument, NULL, 'n'}, {"rundir", required_argument, NULL, 'r'},
		{"dhcp-script", required_argument, NULL, 'd'}, {"pool-listen", required_argument, NULL, 'L'},
		{"power-cmd", required_argument, NULL, 'o'}, {"repo-root", required_argument, NULL, 'R'},
		{"console-dir", required_argument, NULL, 'C'}, {"run-guests", no_argument, NULL, 'G'},
		{NULL, 0, NULL, 0},
	};
	const char *state = "/var/lib/tarn", *listen_on = NULL, *pool_listen = NULL;
	const char *power_cmd = NULL, *repo_root = NULL, *console_dir = "/var/log/xen/console";
	struct tarn_net_paths paths = {.sysconf = "/etc", .rundir = "/run",
				       .dhcp_script = "/usr/share/udhcpc/default.script"};
	int foreground = 0, want_password = 0, reconcile = 1, run_guests = 0, o;
	long port = 8899;
	while ((o = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
		switch (o) {
		case 'f': foreground = 1; break;
		case 'l': listen_on = optarg; break;
		case 'p': port = strtol(optarg, NULL, 10); break;
		case 's': state = optarg; break;
		case 'P': want_password = 1; break;
		case 'e': paths.sysconf = optarg; break;
		case 'n': reconcile = 0; break;
		case 'r': paths.rundir = optarg; break;
		case 'd': paths.dhcp_script = optarg; break;
		case 'L': pool_listen = optarg; break;
		case 'o': power_cmd = optarg; break;
		case 'R': repo_root = optarg; break;
		case 'C': console_dir = optarg; break;
		case 'G': run_guests = 1; break;
		default: usage();
		}
	}
	if (optind != argc || port < 1 || port > 65535)
		usage();
	paths.statedir = state;
	/* The reconcilers rewrite /etc and the host name: only on a Tarn host,
	 * never on a developer's machine that happens to run the agent. */
	if (reconcile && !want_password && strcmp(paths.sysconf, "/etc") == 0 &&
	    access("/etc/tarn-version", F_OK) != 0) {
		fprintf(stderr, "tarnd: not a Tarn host (no /etc/tarn-version): host settings will not be "
				"applied (give --sysconf DIR to apply them elsewhere)\n");
		reconcile = 0;
	}

	openlog("tarnd", LOG_PID | (foreground ? LOG_PERROR : 0), LOG_DAEMON);
	signal(SIGPIPE, SIG_IGN);
	tarn_err err = "";
	char dbdir[4096], db[4200], tls[4096], key[4200], cert[4200], pooldir[4096], host[256] = "tarn";
	char repos[4200];
	uid_t uid;
	gid_t gid;
	snprintf(dbdir, sizeof dbdir, "%s/db", state);
	snprintf(db, sizeof db, "%s/node.db", dbdir);
	snprintf(tls, sizeof tls, "%s/tls", state);
	snprintf(pooldir, sizeof pooldir, "%s/pool", state);
	snprintf(key, sizeof key, "%s/key.pem", tls);
	snprintf(cert, sizeof cert, "%s/cert.pem", tls);
	snprintf(repos, sizeof repos, "%s/repos", state);
	if (!repo_root)
		repo_root = repos;
	if (api_user(&uid, &gid) != 0) {
		syslog(LOG_ERR, "no user 'tarn' or 'nobody' to run the API process as");
		return 1;
	}
	/* The store lives in a directory of its own that the API user owns, so
	 * SQLite can make its journal files there; the rest of the state
	 * directory stays root's. The state directory must let it pass. */
	struct stat sb;
	if ((mkdir(state, 0755) != 0 && errno != EEXIST) || stat(state, &sb) != 0 ||
	    chmod(state, sb.st_mode | 0111) != 0 || (mkdir(dbdir, 0700) != 0 && errno != EEXIST) ||
	    chown(dbdir, uid, gid) != 0 || (mkdir(pooldir, 0700) != 0 && errno != EEXIST) ||
	    chown(pooldir, uid, gid) != 0) {
		syslog(LOG_ERR, "cannot prepare %s and %s: %m", dbdir, pooldir);
		return 1;
	}
	tarn_store *st = tarn_store_open(db, err);
	if (!st || chown(db, uid, gid) != 0) {
		syslog(LOG_ERR, "%s", st ? "cannot hand the node store to the API user" : err);
		tarn_store_close(st);
		return 1;
	}
	if (want_password) {
		int rc = set_password(st, err);
		if (rc)
			fprintf(stderr, "tarnd: %s\n", err);
		tarn_store_close(st);
		return rc ? 1 : 0;
	}
	char *key_pem = NULL, *cert_pem = NULL, pool_stored[64];
	tarn_store_get(st, "hostname", host, sizeof host);
	/* --pool-listen, else the address pool.setAddress stored, else loopback */
	if (!pool_listen)
		pool_listen = tarn_store_get(st, "pool_address", pool_stored, sizeof pool_stored) == 0
			? pool_stored : "127.0.0.1:8900";
	tarn_store_close(st); /* each process opens its own after the fork */
	if ((mkdir(tls, 0700) != 0 && errno != EEXIST) ||
	    tarn_cert_ensure(key, cert, host, &key_pem, &cert_pem, err)) {
		syslog(LOG_ERR, "%s", err[0] ? err : "cannot create the TLS directory");
		return 1;
	}
	char pool_key[4200];
	snprintf(pool_key, sizeof pool_key, "%s/node/pool-key", pooldir);
	struct engine_config ec = {.paths = &paths, .reconcile = reconcile, .run_guests = reconcile || run_guests, .power_cmd = power_cmd,
				  .repo_root = repo_root, .pool = pool_listen, .console_dir = console_dir, .api_gid = gid,
				  .pool_key = pool_key};
	char sock[4200];
	/* without it the console loses its way in, but the host stays manageable
	 * over the network: said loudly, not fatal */
	int local_fd = tarn_local_socket_open(paths.rundir, sock, sizeof sock, &ec.socket_bound, err);
	if (local_fd < 0)
		syslog(LOG_ERR, "%s; the API is not served locally", err);
	ec.socket = local_fd < 0 ? NULL : sock;
	struct tarn_http_config cfg = {
		.address = listen_on, .port = (unsigned short)port, .key_pem = key_pem, .cert_pem = cert_pem,
		.max_request = 1 << 20, .threads = 4, .local_fd = local_fd,
	};
	if (!foreground && daemon(0, 0) != 0) {
		syslog(LOG_ERR, "cannot become a daemon: %m");
		return 1;
	}
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	int poke[2] = {-1, -1};
	if (pipe2(poke, O_CLOEXEC | O_NONBLOCK) != 0)
		syslog(LOG_WARNING, "no pipe to wake the engine (%m): guest changes wait for its next scan");
	pid_t engine_pid = getpid(), api = fork();
	int rc;
	if (api < 0) {
		syslog(LOG_ERR, "cannot start the API process: %m");
		tarn_local_socket_remove(ec.socket, &ec.socket_bound);
		rc = 1;
	} else if (api == 0) {
		if (poke[0] >= 0)
			close(poke[0]);
		rc = api_process(db, pooldir, pool_listen, repo_root, console_dir, poke[1], &cfg, uid, gid, engine_pid,
				 &stop);
	} else {
		if (local_fd >= 0)
			close(local_fd); /* the API process serves it */
		if (poke[1] >= 0)
			close(poke[1]);
		ec.poke = poke[0];
		rc = engine(db, &ec, api, &stop);
	}
	free(key_pem);
	free(cert_pem);
	return rc;
}
