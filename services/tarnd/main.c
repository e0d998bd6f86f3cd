/* tarnd: the Tarn agent. Serves the XML-RPC API over HTTPS on port 8899.
 *
 *   tarnd [-f] [--listen ADDR] [--port N] [--state DIR] [--sysconf DIR] [--no-reconcile]
 *   tarnd --set-password [--state DIR]   (reads the new password on stdin)
 *
 * --sysconf is where the host name and resolv.conf are written (/etc);
 * --no-reconcile serves the API without touching the host (tests);
 * --rundir and --dhcp-script place the DHCP client's pid files and hook.
 *
 * State (the node store, the TLS key and certificate) lives in DIR,
 * /var/lib/tarn by default: the persistent data partition. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <xmlrpc-c/base.h>
#include <xmlrpc-c/server.h>

#include "auth.h"
#include "cert.h"
#include "cmd.h"
#include "http.h"
#include "net-apply.h"
#include "store.h"

#ifndef TARN_VERSION
#define TARN_VERSION "0.0.0"
#endif

static xmlrpc_registry *make_registry(struct tarn_agent *agent, tarn_err err)
{
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	/* bounds on what a request may make the parser build */
	xmlrpc_limit_set(XMLRPC_NESTING_LIMIT_ID, 32);
	xmlrpc_limit_set(XMLRPC_XML_SIZE_LIMIT_ID, 1 << 20);
	xmlrpc_registry *reg = xmlrpc_registry_new(&env);
	for (int n = 0; !env.fault_occurred && tarn_cmd_namespaces[n]; n++)
		for (const struct tarn_cmd *c = tarn_cmd_namespaces[n]; c->name && !env.fault_occurred; c++) {
			struct xmlrpc_method_info3 info = {
				.methodName = c->name, .methodFunction = c->fn, .serverInfo = agent,
				.signatureString = c->signature, .help = c->help,
			};
			xmlrpc_registry_add_method3(&env, reg, &info);
		}
	if (env.fault_occurred) {
		snprintf(err, TARN_ERRLEN, "API registry: %s", env.fault_string);
		if (reg)
			xmlrpc_registry_free(reg);
		reg = NULL;
	}
	xmlrpc_env_clean(&env);
	return reg;
}

/* The reconcilers run in their own thread on their own store connection:
 * whenever the generation moves, and again every 30 s while a subject
 * failed (a cable plugged in later, a NIC that appears). */
struct reconciler {
	const char *db;
	struct tarn_net_paths paths;
	pthread_t thread;
	volatile sig_atomic_t stop;
};

static void *reconcile_loop(void *arg)
{
	struct reconciler *r = arg;
	tarn_err err = "";
	tarn_store *st = tarn_store_open(r->db, err);
	if (!st) {
		syslog(LOG_ERR, "reconciler: %s", err);
		return NULL;
	}
	int64_t done = -1;
	int failed = 0;
	time_t retry_at = 0;
	while (!r->stop) {
		int64_t g = tarn_store_generation(st);
		if (g != done || (failed && time(NULL) >= retry_at)) {
			failed = tarn_net_reconcile(st, &r->paths, g);
			if (failed)
				syslog(LOG_WARNING, "network: %d setting(s) could not be applied (see net.status)", failed);
			done = g;
			retry_at = time(NULL) + 30;
		}
		usleep(300 * 1000);
	}
	tarn_store_close(st);
	return NULL;
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
	fprintf(stderr, "usage: tarnd [-f] [--listen ADDR] [--port N] [--state DIR] [--sysconf DIR]\n"
			"             [--no-reconcile]\n"
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
		{"dhcp-script", required_argument, NULL, 'd'}, {NULL, 0, NULL, 0},
	};
	const char *state = "/var/lib/tarn", *listen_on = NULL;
	struct reconciler rec = {.paths = {.sysconf = "/etc", .rundir = "/run",
					  .dhcp_script = "/usr/share/udhcpc/default.script"}};
	int foreground = 0, want_password = 0, reconcile = 1, o;
	long port = 8899;
	while ((o = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
		switch (o) {
		case 'f': foreground = 1; break;
		case 'l': listen_on = optarg; break;
		case 'p': port = strtol(optarg, NULL, 10); break;
		case 's': state = optarg; break;
		case 'P': want_password = 1; break;
		case 'e': rec.paths.sysconf = optarg; break;
		case 'n': reconcile = 0; break;
		case 'r': rec.paths.rundir = optarg; break;
		case 'd': rec.paths.dhcp_script = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || port < 1 || port > 65535)
		usage();

	openlog("tarnd", LOG_PID | (foreground ? LOG_PERROR : 0), LOG_DAEMON);
	signal(SIGPIPE, SIG_IGN);
	tarn_err err = "";
	char db[4096], tls[4096], key[4200], cert[4200], host[256] = "tarn";
	snprintf(db, sizeof db, "%s/node.db", state);
	snprintf(tls, sizeof tls, "%s/tls", state);
	snprintf(key, sizeof key, "%s/key.pem", tls);
	snprintf(cert, sizeof cert, "%s/cert.pem", tls);
	if (mkdir(state, 0755) != 0 && errno != EEXIST) {
		syslog(LOG_ERR, "cannot create %s: %m", state);
		return 1;
	}
	tarn_store *st = tarn_store_open(db, err);
	if (!st) {
		syslog(LOG_ERR, "%s", err);
		return 1;
	}
	if (want_password) {
		int rc = set_password(st, err);
		if (rc)
			fprintf(stderr, "tarnd: %s\n", err);
		tarn_store_close(st);
		return rc ? 1 : 0;
	}
	char *key_pem = NULL, *cert_pem = NULL;
	tarn_store_get(st, "hostname", host, sizeof host);
	if ((mkdir(tls, 0700) != 0 && errno != EEXIST) ||
	    tarn_cert_ensure(key, cert, host, &key_pem, &cert_pem, err)) {
		syslog(LOG_ERR, "%s", err[0] ? err : "cannot create the TLS directory");
		tarn_store_close(st);
		return 1;
	}
	struct tarn_agent agent = {.store = st, .version = TARN_VERSION};
	xmlrpc_registry *reg = make_registry(&agent, err);
	struct tarn_http_config cfg = {
		.address = listen_on, .port = (unsigned short)port, .key_pem = key_pem, .cert_pem = cert_pem,
		.max_request = 1 << 20, .threads = 4, .store = st, .registry = reg,
	};
	if (!foreground && daemon(0, 0) != 0) {
		syslog(LOG_ERR, "cannot become a daemon: %m");
		return 1;
	}
	/* The HTTP threads are started after daemon(): fork keeps only one thread. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	rec.db = db;
	if (reconcile && pthread_create(&rec.thread, NULL, reconcile_loop, &rec) != 0) {
		syslog(LOG_ERR, "cannot start the reconcilers");
		reconcile = 0;
	}
	struct tarn_http *http = reg ? tarn_http_start(&cfg, err) : NULL;
	int rc = 0;
	if (!http) {
		syslog(LOG_ERR, "%s", err);
		rc = 1;
	} else {
		char pw[8];
		syslog(LOG_INFO, "Tarn agent %s serving XML-RPC over HTTPS on port %ld%s", TARN_VERSION, port,
		       tarn_store_get(st, "agent_password", pw, sizeof pw) ? " (no agent password set: "
		       "every call is refused until one is)" : "");
		int sig;
		sigwait(&stop, &sig);
		syslog(LOG_INFO, "stopping on signal %d", sig);
		tarn_http_stop(http);
	}
	if (reconcile) {
		rec.stop = 1;
		pthread_join(rec.thread, NULL);
	}
	if (reg)
		xmlrpc_registry_free(reg);
	free(key_pem);
	free(cert_pem);
	tarn_store_close(st);
	return rc;
}
