/* This host's pool membership; see pool-member.h. */
#include "pool-member.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <glob.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cert-peer.h"
#include "client.h"
#include "cmd.h"
#include "event.h"
#include "fileio.h"
#include "migrate-request.h"
#include "pool-cluster.h"
#include "pool-maintenance.h"
#include "pool-ha.h"
#include "pool-node.h"
#include "pool-tls.h"

#define BALANCE_S 2     /* the leader's look at who is up */
#define EVACUATE_S 2    /* a member's look at the guests it moves away */
#define PEER_TIMEOUT_S 30
#define PIN_TIMEOUT_S 10 /* the handshake that reads the master's certificate */
#define MASTER_CERT "master-cert-" /* in the pool directory, while a join runs */

struct tarn_membership {
	pthread_mutex_t lock; /* the node, against a join or leave restarting it */
	pthread_cond_t wake;
	pthread_t keeper;
	atomic_int stopping; /* set without the lock, which a keeper's round holds */
	char pooldir[4096], node_dir[4200], aside[4200];
	char address[256], agent[256], leader[256];
	uint64_t id;
	struct tarn_pool_tls tls; /* the node's address, socket and key file */
	struct tarn_pool_node *node;
	tarn_pool *pool;
	tarn_store *facts; /* the node store: this host's free memory, as the engine read it */
	const char *repo_root;
};

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *f)
{
	(void)sb, (void)type, (void)f;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static int rm_tree(const char *path)
{
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 || errno == ENOENT ? 0 : -1;
}

static int exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

/* A join's pinned certificates that an agent killed mid-way left. */
static void drop_certificates(const char *pooldir)
{
	char pattern[4200];
	glob_t g;
	snprintf(pattern, sizeof pattern, "%s/" MASTER_CERT "*", pooldir);
	if (glob(pattern, 0, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
	globfree(&g);
}

/* The node's data once lived in the pool directory itself: moved into
 * node/. A join that never finished is put back, one that did is tidied. */
static int prepare(struct tarn_membership *m, const char *pooldir, tarn_err err)
{
	char joined[4300];
	snprintf(m->pooldir, sizeof m->pooldir, "%s", pooldir);
	snprintf(m->node_dir, sizeof m->node_dir, "%s/node", pooldir);
	snprintf(m->aside, sizeof m->aside, "%s/standalone", pooldir);
	snprintf(joined, sizeof joined, "%s/joined", m->node_dir);
	if (!exists(m->node_dir)) {
		DIR *d = opendir(pooldir);
		if (!d || mkdir(m->node_dir, 0700) != 0) {
			if (d)
				closedir(d);
			return snprintf(err, TARN_ERRLEN, "pool: cannot make %.80s: %s", m->node_dir, strerror(errno)), -1;
		}
		for (struct dirent *e; (e = readdir(d));) {
			char from[4300], to[4600];
			if (e->d_name[0] == '.' || !strcmp(e->d_name, "node") || !strcmp(e->d_name, "standalone") ||
			    !strncmp(e->d_name, MASTER_CERT, strlen(MASTER_CERT)))
				continue;
			snprintf(from, sizeof from, "%s/%s", pooldir, e->d_name);
			snprintf(to, sizeof to, "%s/%s", m->node_dir, e->d_name);
			if (rename(from, to) != 0)
				syslog(LOG_ERR, "pool: cannot move %s into node/: %m", from);
		}
		closedir(d);
	}
	drop_certificates(pooldir);
	if (exists(m->aside)) {
		int done = exists(joined);
		syslog(LOG_WARNING, "pool: a join was interrupted %s", done ? "after it was accepted: finishing it"
									  : "before it was accepted: undoing it");
		if (done ? rm_tree(m->aside) : rm_tree(m->node_dir) || rename(m->aside, m->node_dir))
			return snprintf(err, TARN_ERRLEN, "pool: cannot recover from an interrupted join in %.80s: %s",
					pooldir, strerror(errno)), -1;
	}
	return 0;
}

static int start_node(struct tarn_membership *m, tarn_err err)
{
	m->node = tarn_pool_node_start(m->node_dir, &m->tls, &m->id, err);
	return m->node ? 0 : -1;
}

static void stop_node(struct tarn_membership *m)
{
	tarn_pool_node_stop(m->node);
	m->node = NULL;
}

/* What the master's HA round did with a dead member's guest. */
static void ha_said(void *ctx, const char *guest, const char *to, const char *why)
{
	(void)ctx;
	if (!guest)
		syslog(LOG_WARNING, "pool: %s", why);
	else if (to[0])
		syslog(LOG_WARNING, "pool: HA: guest %s restarts on member %s: its host is dead", guest, to);
	else
		syslog(LOG_ERR, "pool: HA: guest %s: %s", guest, why);
}

/* This host's memory free for guests, as the engine last read it; -1 unknown. */
static int64_t free_mib(struct tarn_membership *m)
{
	char buf[32] = "";
	return m->facts && tarn_fact_get(m->facts, "host.memory_free_mib", buf, sizeof buf, NULL) == 0 && buf[0]
		? strtoll(buf, NULL, 10) : -1;
}

/* An evacuation's live move: a guest whose last live migration failed
 * (a target that took no stream, say) is moved cold instead. */
static int move_live(void *ctx, const char *name, const char *target, tarn_err why)
{
	struct tarn_membership *m = ctx;
	char last[12];
	int64_t task = 0;
	tarn_migrate_last(m->facts, name, last);
	if (!strcmp(last, "failed"))
		return snprintf(why, TARN_ERRLEN, "its last live migration failed"), 1;
	int rc = tarn_migrate_request(m->facts, m->pool, m->repo_root, name, target, &task, why);
	if (rc)
		syslog(LOG_INFO, "pool: guest %s moves cold, not live: %s", name, why);
	return rc;
}

static int moving_live(void *ctx, const char *name)
{
	struct tarn_membership *m = ctx;
	return tarn_migrate_under_way(m->facts, name);
}

/* Moving guests off this member while it is in maintenance (live where
 * the guest can go live, else cold); what cannot move is said when that
 * changes. */
static void evacuate(struct tarn_membership *m, int *was)
{
	char me[24];
	tarn_err err = "";
	snprintf(me, sizeof me, "%" PRIu64, m->id);
	const struct tarn_evacuate_hooks hooks = {move_live, moving_live, m};
	int left = tarn_pool_evacuate(m->pool, me, &hooks, err);
	if (left < 0)
		syslog(LOG_WARNING, "pool: moving guests off this host: %s", err);
	else if (left != *was)
		syslog(LOG_INFO, "pool: %d guest(s) still to move off this host", left);
	*was = left;
}

/* When the keeper's rounds are next due, and what they carry over. */
struct rounds {
	time_t beat_at, balance_at, evacuate_at; /* when each is next due */
	struct tarn_pool_watch watch;            /* the leader's: who was down */
	struct tarn_ha_watch ha;                 /* everyone's: when each heartbeat last changed */
	int evacuating;                          /* guests left to move, as last said */
};

/* One round of the keeper: who leads (said when it changes); the
 * heartbeat; the leader's upkeep of roles and its HA restarts; moving
 * guests away. */
static void keep(struct tarn_membership *m, time_t now, struct rounds *r)
{
	char leader[256] = "";
	tarn_err err = "";
	struct tarn_pool_info info;
	if (tarn_pool_info(m->pool, &info, err) == 0)
		snprintf(leader, sizeof leader, "%s", info.leader);
	if (strcmp(leader, m->leader) != 0 && (leader[0] || m->leader[0])) {
		if (leader[0])
			syslog(LOG_INFO, "pool: the master is now %s%s", leader, info.is_master ? " (this host)" : "");
		else
			syslog(LOG_WARNING, "pool: no master: %s", err);
		snprintf(m->leader, sizeof m->leader, "%s", leader);
	}
	if (!leader[0] || m->stopping)
		return;
	if (now >= r->beat_at) {
		struct tarn_dq_node *nodes = NULL;
		unsigned n = 0;
		r->beat_at = now + TARN_POOL_HEARTBEAT_S;
		tarn_pool_set_free_mib(m->pool, free_mib(m));
		if (tarn_pool_heartbeat(m->pool, err) || tarn_pool_nodes(m->pool, &nodes, &n, err) ||
		    tarn_pool_node_note_cluster(m->node_dir, nodes, n, err))
			syslog(LOG_WARNING, "pool: heartbeat: %s", err);
		free(nodes);
	}
	int due = now >= r->balance_at && !m->stopping;
	if (due) {
		r->balance_at = now + BALANCE_S;
		if (tarn_pool_ha_round(m->pool, &r->ha, info.is_master, ha_said, NULL, err) < 0)
			syslog(LOG_WARNING, "pool: HA: %s", err);
	}
	if (info.is_master && due) {
		int changed = tarn_pool_balance(m->pool, &r->watch, err);
		if (changed < 0)
			syslog(LOG_WARNING, "pool: keeping voters: %s", err);
		else if (changed)
			syslog(LOG_INFO, "pool: %d member role(s) changed to keep %d voters", changed, TARN_POOL_VOTERS);
	}
	if (now >= r->evacuate_at && !m->stopping) {
		r->evacuate_at = now + EVACUATE_S;
		evacuate(m, &r->evacuating);
	}
}

static void *keeper(void *arg)
{
	struct tarn_membership *m = arg;
	struct rounds r = {0};
	pthread_mutex_lock(&m->lock);
	while (!m->stopping) {
		if (m->node)
			keep(m, time(NULL), &r);
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_sec += 1;
		pthread_cond_timedwait(&m->wake, &m->lock, &t);
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

struct tarn_membership *tarn_membership_start(const char *pooldir, const char *address, const char *agent,
					      tarn_store *facts, const char *repo_root, tarn_err err)
{
	struct tarn_membership *m = calloc(1, sizeof *m);
	if (!m)
		return snprintf(err, TARN_ERRLEN, "out of memory"), NULL;
	m->facts = facts;
	m->repo_root = repo_root;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->wake, NULL);
	snprintf(m->address, sizeof m->address, "%s", address);
	snprintf(m->agent, sizeof m->agent, "%s", agent);
	char key[4300];
	snprintf(key, sizeof key, "%s/node/pool-key", pooldir);
	tarn_pool_tls_init(&m->tls, address, key);
	tarn_dqlite_set_dialer(tarn_pool_tls_dial, &m->tls);
	if (prepare(m, pooldir, err) || start_node(m, err) || !(m->pool = tarn_pool_open(address, m->id))) {
		if (m->node && !m->pool)
			snprintf(err, TARN_ERRLEN, "out of memory");
		stop_node(m);
		free(m);
		return NULL;
	}
	tarn_pool_set_agent(m->pool, agent);
	if (pthread_create(&m->keeper, NULL, keeper, m) != 0) {
		tarn_pool_close(m->pool);
		stop_node(m);
		free(m);
		return snprintf(err, TARN_ERRLEN, "pool: cannot start the keeper thread"), NULL;
	}
	return m;
}

void tarn_membership_stop(struct tarn_membership *m)
{
	if (!m)
		return;
	m->stopping = 1; /* a round under way stops at its next step */
	pthread_mutex_lock(&m->lock);
	pthread_cond_signal(&m->wake);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->keeper, NULL);
	tarn_pool_close(m->pool);
	stop_node(m);
	pthread_cond_destroy(&m->wake);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

tarn_pool *tarn_membership_pool(struct tarn_membership *m)
{
	return m ? m->pool : NULL;
}

/* The member a join calls: its agent, the pool password, and the file
 * holding the certificate it presented (pinned by the admin's fingerprint)
 * that every call checks it by. */
struct peer {
	char host[256];
	int port;
	const char *password;
	char cafile[4300];
};

/* A call to the member's agent as the pool ("pool" and the pool password),
 * over TLS with its pinned certificate; no host name check, which a
 * self-signed certificate naming the host, dialled by address, fails. */
static int peer_call(const struct peer *p, const char *method, xmlrpc_value *params, xmlrpc_value **result,
		     tarn_err err)
{
	struct tarn_client_opts o = {.host = p->host, .port = p->port, .user = "pool", .password = p->password,
				     .cafile = p->cafile, .timeout_s = PEER_TIMEOUT_S};
	int fault = 0;
	tarn_client *c = tarn_client_open(&o, err);
	enum tarn_call_result rc = c ? tarn_client_call(c, method, params, result, &fault, err) : TARN_CALL_UNREACHABLE;
	tarn_client_close(c);
	if (rc == TARN_CALL_UNREACHABLE && strstr(err, "refused the login"))
		snprintf(err, TARN_ERRLEN, "the pool master at %.60s refused the pool password", p->host);
	else if (rc == TARN_CALL_UNREACHABLE && strstr(err, "certificate"))
		snprintf(err, TARN_ERRLEN, "the pool master at %.60s:%d no longer presents the certificate it showed "
			 "first: not joining", p->host, p->port);
	else if (rc == TARN_CALL_UNREACHABLE && !strstr(err, "too many failed"))
		snprintf(err, TARN_ERRLEN, "cannot reach the pool master's agent at %.60s:%d", p->host, p->port);
	if (rc == TARN_CALL_FAULT) /* its words, and whether to try again later */
		return fault == -32500 ? TARN_POOL_DOWN : TARN_POOL_REFUSED;
	return rc == TARN_CALL_OK ? 0 : TARN_POOL_DOWN;
}

/* The pinned certificate in a file of its own for the client's checks
 * (POOLDIR/master-cert-*, which the node's moves during a join leave be):
 * 0, or TARN_POOL_DOWN with err. */
static int keep_certificate(struct tarn_membership *m, struct peer *p, const char *pem, tarn_err err)
{
	snprintf(p->cafile, sizeof p->cafile, "%s/" MASTER_CERT "XXXXXX", m->pooldir);
	int fd = mkstemp(p->cafile), ok = fd >= 0 && write(fd, pem, strlen(pem)) == (ssize_t)strlen(pem);
	if (!ok)
		snprintf(err, TARN_ERRLEN, "cannot keep the master's certificate in %.80s: %s", m->pooldir,
			 strerror(errno));
	if (fd >= 0 && (close(fd) || !ok))
		unlink(p->cafile);
	if (!ok)
		p->cafile[0] = '\0';
	return ok ? 0 : TARN_POOL_DOWN;
}

/* Before the password goes anywhere: the certificate the master presents
 * must be the one the admin read on its console (no fingerprint: refused,
 * naming it). It is then kept in p->cafile (removed by the caller). */
static int pin_master(struct tarn_membership *m, struct peer *p, const char *fingerprint, tarn_err err)
{
	char want[TARN_FINGERPRINT_LEN], got[TARN_FINGERPRINT_LEN], *pem = NULL, why[TARN_ERRLEN];
	int rc = 0;
	if (fingerprint && tarn_fingerprint_parse(fingerprint, want, err))
		return TARN_POOL_REFUSED;
	if (tarn_cert_peer(p->host, p->port, PIN_TIMEOUT_S, &pem, got, why))
		rc = (snprintf(err, TARN_ERRLEN, "cannot reach the pool master's agent at %.60s:%d: %.200s", p->host,
			       p->port, why), TARN_POOL_DOWN);
	else if (!fingerprint)
		rc = (snprintf(err, TARN_ERRLEN, "the pool master at %.40s:%d presents certificate %s; check it on the "
			       "master's console (Status) and join again with that fingerprint", p->host, p->port, got),
		      TARN_JOIN_UNCONFIRMED);
	else if (strcmp(want, got) != 0)
		rc = (snprintf(err, TARN_ERRLEN, "the pool master at %.40s:%d presents certificate %s, not the %s you "
			       "gave: not joining", p->host, p->port, got + 7, want + 7), TARN_POOL_REFUSED);
	else
		rc = keep_certificate(m, p, pem, err);
	free(pem);
	return rc;
}

/* host and port from "host[:port]" (a bare IPv6 address has no port). */
static int split_master(const char *master, struct peer *p, tarn_err err)
{
	if (tarn_check_host_port(master, err))
		return TARN_POOL_REFUSED;
	const char *colon = strrchr(master, ':');
	p->port = 8899;
	if (colon && strchr(master, ':') == colon) {
		p->port = atoi(colon + 1);
		snprintf(p->host, sizeof p->host, "%.*s", (int)(colon - master), master);
	} else {
		snprintf(p->host, sizeof p->host, "%s", master);
	}
	return 0;
}

/* This host may join: a pool of one at most, with no guests to lose. */
static int count_guest(void *ctx, const struct tarn_guest *g)
{
	(void)g;
	++*(int *)ctx;
	return 0;
}

static int standalone(struct tarn_membership *m, tarn_err err)
{
	struct tarn_dq_node *nodes = NULL;
	unsigned n = 0;
	int guests = 0, rc = tarn_pool_nodes(m->pool, &nodes, &n, err);
	free(nodes);
	if (rc == 0 && n > 1)
		return snprintf(err, TARN_ERRLEN, "this host is in a pool of %u members: leave it first", n),
		       TARN_POOL_REFUSED;
	if (rc == 0 && (rc = tarn_pool_guests(m->pool, NULL, count_guest, &guests, err)) == 0 && guests)
		return snprintf(err, TARN_ERRLEN, "this host has %d guest definition(s): a host joins a pool with "
				"none (undefine them first)", guests), TARN_POOL_REFUSED;
	return rc;
}

/* Swaps this node's data for an empty node with the pool's id and key. */
static int restart_as(struct tarn_membership *m, uint64_t id, const char *key, tarn_err err)
{
	char path[4300], keyed[80], buf[32];
	err[0] = '\0';
	stop_node(m);
	snprintf(path, sizeof path, "%s/node-id", m->node_dir);
	snprintf(buf, sizeof buf, "%" PRIu64 "\n", id);
	snprintf(keyed, sizeof keyed, "%s\n", key);
	if (rename(m->node_dir, m->aside) != 0 || mkdir(m->node_dir, 0700) != 0 ||
	    tarn_write_file_atomic(path, buf, strlen(buf), 0600, err) ||
	    tarn_write_file_atomic(m->tls.key_path, keyed, strlen(keyed), 0600, err) || start_node(m, err)) {
		if (!err[0])
			snprintf(err, TARN_ERRLEN, "pool: cannot set up the new node in %.80s: %s", m->node_dir,
				 strerror(errno));
		return -1;
	}
	tarn_pool_set_node(m->pool, m->id);
	return 0;
}

/* Back to the data the host had before the join. */
static void restore(struct tarn_membership *m)
{
	tarn_err err = "";
	stop_node(m);
	if (exists(m->aside) && (rm_tree(m->node_dir) || rename(m->aside, m->node_dir)))
		syslog(LOG_ERR, "pool: cannot put back %s: %m", m->aside);
	if (start_node(m, err))
		syslog(LOG_ERR, "pool: after a failed join: %s", err);
	tarn_pool_set_node(m->pool, m->id);
}

/* The joiner's last step: recorded as joined, then the old data goes. */
static int settle(struct tarn_membership *m, tarn_err err)
{
	char path[4300];
	snprintf(path, sizeof path, "%s/joined", m->node_dir);
	if (tarn_write_file_atomic(path, "1\n", 2, 0600, err))
		return -1;
	if (rm_tree(m->aside))
		syslog(LOG_WARNING, "pool: cannot remove %s: %m", m->aside);
	return 0;
}

/* The node id and the pool key from the master's admission. */
static int read_admission(xmlrpc_value *v, uint64_t *id, char key[65], tarn_err err)
{
	xmlrpc_env env;
	const char *s = NULL, *k = NULL;
	xmlrpc_env_init(&env);
	xmlrpc_decompose_value(&env, v, "{s:s,s:s,*}", "id", &s, "key", &k);
	char *end = NULL;
	*id = s ? strtoull(s, &end, 10) : 0;
	int ok = !env.fault_occurred && s && *end == '\0' && *id > 1 && strlen(k) == 64 &&
		 strspn(k, "0123456789abcdef") == 64;
	if (ok)
		memcpy(key, k, 65);
	free((void *)s);
	if (k)
		explicit_bzero((char *)k, strlen(k));
	free((void *)k);
	xmlrpc_env_clean(&env);
	return ok ? 0 : (snprintf(err, TARN_ERRLEN, "the pool master's answer has no node id and key"), TARN_POOL_DOWN);
}

int tarn_membership_key(void *mp, char hex[65], tarn_err err)
{
	const struct tarn_membership *m = mp;
	return tarn_pool_tls_read_key(m->tls.key_path, hex, err) ? TARN_POOL_DOWN : 0;
}

/* Calls method(id as text[, address, agent]) on the master. */
static int peer_id_call(struct tarn_membership *m, const struct peer *p, const char *method, uint64_t id,
			int with_addresses, tarn_err err)
{
	xmlrpc_env env;
	xmlrpc_value *r = NULL;
	char sid[24];
	snprintf(sid, sizeof sid, "%" PRIu64, id);
	xmlrpc_env_init(&env);
	xmlrpc_value *params = with_addresses ? xmlrpc_build_value(&env, "(sss)", sid, m->address, m->agent)
					      : xmlrpc_build_value(&env, "(s)", sid);
	int rc = env.fault_occurred ? (snprintf(err, TARN_ERRLEN, "out of memory"), TARN_POOL_DOWN)
				    : peer_call(p, method, params, &r, err);
	if (params)
		xmlrpc_DECREF(params);
	if (r)
		xmlrpc_DECREF(r);
	xmlrpc_env_clean(&env);
	return rc;
}

/* The join's second half, once admitted: this node restarts empty as the
 * pool's, the master seats it, and only then is the old data dropped; or
 * it is all undone and the master told. */
static int seat(struct tarn_membership *m, const struct peer *p, uint64_t id, const char *key, tarn_err err)
{
	int rc;
	pthread_mutex_lock(&m->lock);
	if (restart_as(m, id, key, err) == 0)
		rc = peer_id_call(m, p, "pool.peerSeat", id, 1, err);
	else
		rc = TARN_POOL_DOWN;
	if (rc == 0 && settle(m, err))
		rc = TARN_POOL_DOWN;
	if (rc) {
		char why[TARN_ERRLEN];
		tarn_err ignored;
		snprintf(why, sizeof why, "%s", err);
		restore(m);
		pthread_mutex_unlock(&m->lock);
		peer_id_call(m, p, "pool.peerAbort", id, 0, ignored);
		snprintf(err, TARN_ERRLEN, "joining failed, this host is as it was: %.*s", TARN_ERRLEN - 45, why);
		return rc;
	}
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int tarn_membership_join(void *mp, const char *master, const char *password, const char *fingerprint,
			 tarn_err err)
{
	struct tarn_membership *m = mp;
	struct peer p = {.password = password};
	char key[65] = "";
	uint64_t id = 0;
	if (!password || !password[0])
		return snprintf(err, TARN_ERRLEN, "the pool password is required"), TARN_POOL_REFUSED;
	int rc = split_master(master, &p, err);
	/* a node on loopback cannot be reached from another host */
	if (rc == 0 && strncmp(m->address, "127.", 4) == 0 && strncmp(p.host, "127.", 4) != 0 &&
	    strcmp(p.host, "localhost") != 0)
		rc = (snprintf(err, TARN_ERRLEN, "this host's pool address %.24s is loopback: set one other hosts "
			       "reach (pool.setAddress), restart the agent, join again", m->address), TARN_POOL_REFUSED);
	if (rc == 0)
		rc = standalone(m, err);
	if (rc == 0)
		rc = pin_master(m, &p, fingerprint, err);
	xmlrpc_env env;
	xmlrpc_value *params = NULL, *r = NULL;
	xmlrpc_env_init(&env);
	if (rc == 0 && !(params = xmlrpc_build_value(&env, "(ss)", m->address, m->agent)))
		rc = (snprintf(err, TARN_ERRLEN, "out of memory"), TARN_POOL_DOWN);
	if (rc == 0 && (rc = peer_call(&p, "pool.peerAdmit", params, &r, err)) == 0)
		rc = read_admission(r, &id, key, err);
	if (params)
		xmlrpc_DECREF(params);
	if (r)
		xmlrpc_DECREF(r);
	xmlrpc_env_clean(&env);
	if (rc == 0) {
		syslog(LOG_INFO, "pool: admitted by %s as node %" PRIu64 "; restarting the pool node to join", master, id);
		rc = seat(m, &p, id, key, err);
	}
	explicit_bzero(key, sizeof key);
	if (p.cafile[0])
		unlink(p.cafile);
	if (rc == 0)
		syslog(LOG_INFO, "pool: joined the pool of %s as node %" PRIu64, master, id);
	return rc;
}

/* Leadership goes to another voter that answers before the leader leaves. */
static int hand_over(void *ctx, struct tarn_dqlite *c, tarn_err err)
{
	const struct tarn_membership *m = ctx;
	struct tarn_dq_node *nodes = NULL;
	unsigned n = 0;
	int rc = TARN_POOL_REFUSED;
	if (tarn_dqlite_cluster(c, &nodes, &n, err))
		return TARN_POOL_DOWN;
	snprintf(err, TARN_ERRLEN, "no other voting member answers to hand the master's role to");
	for (unsigned i = 0; i < n && rc; i++) {
		char leader[256];
		tarn_err ignored;
		if (nodes[i].id != m->id && nodes[i].role == TARN_DQ_VOTER &&
		    tarn_dqlite_probe(nodes[i].address, 1000, leader, sizeof leader, ignored) == 0)
			rc = tarn_dqlite_transfer(c, nodes[i].id, err) ? TARN_POOL_DOWN : 0;
	}
	free(nodes);
	return rc;
}

int tarn_membership_leave(void *mp, int force, tarn_err err)
{
	struct tarn_membership *m = mp;
	struct tarn_dq_node *nodes = NULL;
	struct tarn_pool_info info;
	unsigned n = 0;
	int rc = tarn_pool_nodes(m->pool, &nodes, &n, err);
	free(nodes);
	if (rc == TARN_POOL_DOWN && force) {
		syslog(LOG_WARNING, "pool: leaving by force, the pool unreachable: %s", err);
		rc = 0, n = 2;
	} else if (rc == TARN_POOL_DOWN) {
		char why[TARN_ERRLEN];
		snprintf(why, sizeof why, "%s", err);
		snprintf(err, TARN_ERRLEN, "%.*s (if the pool ejected this host, leave with force)", TARN_ERRLEN - 55,
			 why);
		return rc;
	}
	if (rc == 0 && n <= 1)
		return snprintf(err, TARN_ERRLEN, "this host is the pool's only member: there is no pool to leave"),
		       TARN_POOL_REFUSED;
	if (rc == 0 && !force)
		rc = tarn_pool_info(m->pool, &info, err);
	if (rc == 0 && !force && info.is_master && (rc = tarn_pool_with_leader(m->pool, hand_over, m, err)) == 0)
		tarn_pool_set_node(m->pool, m->id); /* follow the new leader */
	if (rc == 0 && !force)
		rc = tarn_pool_expel(m->pool, m->id, err);
	if (rc)
		return rc;
	pthread_mutex_lock(&m->lock);
	stop_node(m);
	rc = rm_tree(m->node_dir) || mkdir(m->node_dir, 0700) ? -1 : start_node(m, err);
	if (rc && !err[0])
		snprintf(err, TARN_ERRLEN, "pool: cannot make a new node in %.80s: %s", m->node_dir, strerror(errno));
	if (rc == 0)
		tarn_pool_set_node(m->pool, m->id);
	pthread_mutex_unlock(&m->lock);
	if (rc == 0)
		syslog(LOG_INFO, "pool: left the pool; this host is on its own");
	return rc ? TARN_POOL_DOWN : 0;
}
