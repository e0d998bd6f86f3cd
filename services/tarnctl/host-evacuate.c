/* Evacuating this host; see host-evacuate.h. */
#include "host-evacuate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Calls method quietly: its result, or NULL with *rc the exit code. */
static xmlrpc_value *ask(struct tarnctl *t, const char *method, xmlrpc_value *params, int *rc)
{
	xmlrpc_value *r = NULL;
	int fault = 0;
	tarn_err err = "";
	enum tarn_call_result c = tarn_client_call(t->client, method, params, &r, &fault, err);
	if (c == TARN_CALL_OK)
		return r;
	fprintf(stderr, "tarnctl: %s\n", err[0] ? err : method);
	*rc = c == TARN_CALL_UNREACHABLE ? EXIT_UNREACHABLE : EXIT_FAULT;
	return NULL;
}

/* This host's pool address (pool.info's address). */
static int own_address(struct tarnctl *t, char *address, size_t n)
{
	int rc = EXIT_OK;
	xmlrpc_value *r = ask(t, "pool.info", NULL, &rc);
	if (!r)
		return rc;
	xmlrpc_env env;
	const char *a = NULL;
	xmlrpc_env_init(&env);
	xmlrpc_decompose_value(&env, r, "{s:s,*}", "address", &a);
	xmlrpc_DECREF(r);
	if (env.fault_occurred)
		rc = (fprintf(stderr, "tarnctl: pool.info answered without this host's pool address\n"), EXIT_FAULT);
	else
		snprintf(address, n, "%s", a);
	free((void *)a);
	xmlrpc_env_clean(&env);
	return rc;
}

/* This host's evacuation status from pool.members. */
static int evacuation(struct tarnctl *t, const char *address, char *status, size_t n)
{
	int rc = EXIT_OK;
	xmlrpc_value *list = ask(t, "pool.members", NULL, &rc);
	if (!list)
		return rc;
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	int found = 0, count = xmlrpc_array_size(&env, list);
	for (int i = 0; i < count && !env.fault_occurred && !found; i++) {
		xmlrpc_value *m;
		const char *a = NULL, *e = NULL;
		xmlrpc_array_read_item(&env, list, (unsigned)i, &m);
		if (env.fault_occurred)
			break;
		xmlrpc_decompose_value(&env, m, "{s:s,s:s,*}", "address", &a, "evacuation", &e);
		xmlrpc_DECREF(m);
		if (!env.fault_occurred && strcmp(a, address) == 0)
			found = 1, snprintf(status, n, "%s", e);
		free((void *)a), free((void *)e);
	}
	xmlrpc_DECREF(list);
	if (env.fault_occurred || !found)
		rc = (fprintf(stderr, "tarnctl: this host (%s) is not among pool.members\n", address), EXIT_FAULT);
	xmlrpc_env_clean(&env);
	return rc;
}

static int usage(void)
{
	fprintf(stderr, "usage: tarnctl host evacuate [--reboot|--shutdown] [--timeout SECONDS]\n");
	return EXIT_USAGE;
}

int tarnctl_host_evacuate(struct tarnctl *t, int argc, char **argv)
{
	const char *power = NULL;
	long wait_s = TARNCTL_EVACUATE_WAIT;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reboot") || !strcmp(argv[i], "--shutdown"))
			power = power ? NULL : argv[i] + 2;
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc && (wait_s = atol(argv[++i])) > 0)
			continue;
		else
			return usage();
		if (!power)
			return usage(); /* both */
	}
	char address[256], status[256] = "", last[256] = "";
	int rc = own_address(t, address, sizeof address);
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	xmlrpc_value *p = rc ? NULL : xmlrpc_build_value(&env, "(sb)", address, (xmlrpc_bool)1);
	xmlrpc_value *r = p ? ask(t, "pool.setMaintenance", p, &rc) : NULL;
	if (p)
		xmlrpc_DECREF(p);
	if (r)
		xmlrpc_DECREF(r);
	xmlrpc_env_clean(&env);
	if (rc)
		return rc;
	fprintf(stderr, "%s: in maintenance: no new guests; moving the running ones away\n", address);
	/* until the host's own agent has looked (it writes a status of its own) and nothing moves */
	for (time_t until = time(NULL) + wait_s, failing = 0;; sleep(1)) {
		if ((rc = evacuation(t, address, status, sizeof status)) != 0) {
			if (!tarnctl_election_wait(&failing) || time(NULL) >= until)
				return rc;
			continue;
		}
		failing = 0;
		if (strcmp(status, last))
			fprintf(stderr, "%s: %s\n", address, status);
		snprintf(last, sizeof last, "%s", status);
		int settled = !strcmp(status, "done") || strstr(status, "cannot move");
		if (settled && !strstr(status, "moving"))
			break;
		if (time(NULL) >= until) {
			fprintf(stderr, "tarnctl: guests still moving after %ld s (it goes on; tarnctl pool members "
					"shows it)\n", wait_s);
			return EXIT_FAULT;
		}
	}
	if (strcmp(status, "done")) {
		fprintf(stderr, "tarnctl: some guests cannot leave this host%s; it stays in maintenance\n",
			power ? ", so it is not powered off: they would be lost" : "");
		return EXIT_FAULT;
	}
	if (!power)
		return EXIT_OK;
	return tarnctl_call(t, !strcmp(power, "reboot") ? "host.reboot" : "host.shutdown", NULL, NULL);
}
