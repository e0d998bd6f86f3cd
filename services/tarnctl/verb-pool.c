/* tarnctl pool create NAME | info | members | jobs | join MASTER [--fingerprint FP] | leave [--force] | eject MEMBER |
 *              address IPV4:PORT | password | roles [utility,vm-server] | master MEMBER |
 *              maintenance MEMBER on|off
 *
 * The pool password (create, join, password) comes from $TARN_POOL_PASSWORD
 * or is asked for, never from the command line, where ps would show it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fingerprint.h"
#include "verb.h"

#define HEAD "%-20s %-22s %-8s %-5s %-9s %s\n"

/* A member's field an older agent may not send: left as it was when absent. */
static void optional_bool(xmlrpc_env *env, xmlrpc_value *m, const char *key, xmlrpc_bool *out)
{
	xmlrpc_value *v = NULL;
	xmlrpc_struct_find_value(env, m, key, &v);
	if (v) {
		xmlrpc_read_bool(env, v, out);
		xmlrpc_DECREF(v);
	}
}

static void optional_string(xmlrpc_env *env, xmlrpc_value *m, const char *key, const char **out)
{
	xmlrpc_value *v = NULL;
	xmlrpc_struct_find_value(env, m, key, &v);
	if (v) {
		xmlrpc_read_string(env, v, out);
		xmlrpc_DECREF(v);
	}
}

static void show_member(xmlrpc_env *env, xmlrpc_value *m)
{
	const char *id, *address, *raft = NULL, *evacuation = NULL;
	xmlrpc_value *roles, *seen_v = NULL;
	char list[128] = "", seen[16] = "-";
	xmlrpc_bool master = 0, up = 1, maintenance = 0;
	xmlrpc_decompose_value(env, m, "{s:s,s:s,s:A,s:b,*}", "id", &id, "address", &address, "roles", &roles, "master",
			       &master);
	if (env->fault_occurred)
		return;
	optional_string(env, m, "raft", &raft);
	optional_bool(env, m, "up", &up);
	optional_bool(env, m, "maintenance", &maintenance);
	optional_string(env, m, "evacuation", &evacuation);
	xmlrpc_struct_find_value(env, m, "seen", &seen_v);
	if (seen_v) {
		xmlrpc_int64 t = 0;
		xmlrpc_read_i8(env, seen_v, &t);
		xmlrpc_DECREF(seen_v);
		if (t > 0)
			snprintf(seen, sizeof seen, "%llds ago", (long long)(time(NULL) - t));
	}
	int n = xmlrpc_array_size(env, roles);
	for (int i = 0; i < n && !env->fault_occurred; i++) {
		const char *role;
		xmlrpc_value *r;
		xmlrpc_array_read_item(env, roles, (unsigned)i, &r);
		if (env->fault_occurred)
			break;
		xmlrpc_read_string(env, r, &role);
		xmlrpc_DECREF(r);
		if (!env->fault_occurred) {
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? "," : "", role);
			free((void *)role);
		}
	}
	if (!env->fault_occurred)
		printf("%-20s %-22s %-8s %-5s %-9s %s%s%s%s%s\n", id, address, raft ? raft : "-", up ? "up" : "DOWN", seen,
		       list, master ? " (leader)" : "", maintenance ? " MAINTENANCE" : "",
		       evacuation && evacuation[0] ? ": " : "", evacuation ? evacuation : "");
	free((void *)evacuation);
	free((void *)id);
	free((void *)address);
	free((void *)raft);
	xmlrpc_DECREF(roles);
}

static void show_members(xmlrpc_env *env, xmlrpc_value *members)
{
	printf(HEAD, "MEMBER", "ADDRESS", "RAFT", "STATE", "HEARTBEAT", "ROLES");
	int n = xmlrpc_array_size(env, members);
	for (int i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_value *m;
		xmlrpc_array_read_item(env, members, (unsigned)i, &m);
		if (!env->fault_occurred) {
			show_member(env, m);
			xmlrpc_DECREF(m);
		}
	}
}

static void show_pool(xmlrpc_env *env, xmlrpc_value *v)
{
	const char *name, *uuid, *leader, *vip;
	xmlrpc_int64 created;
	xmlrpc_bool master;
	xmlrpc_value *members;
	xmlrpc_decompose_value(env, v, "{s:s,s:s,s:I,s:s,s:b,s:s,s:A,*}", "name", &name, "uuid", &uuid, "created",
			       &created, "leader", &leader, "master", &master, "vip", &vip, "members", &members);
	if (env->fault_occurred)
		return;
	char when[32];
	time_t t = (time_t)created;
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
	printf("%-20s %s\n%-20s %s\n%-20s %s\n%-20s %s%s\n%-20s %s\n\n", "pool", name, "uuid", uuid, "created", when,
	       "master", leader, master ? " (this host)" : "", "virtual IP", vip[0] ? vip : "none");
	show_members(env, members);
	free((void *)name);
	free((void *)uuid);
	free((void *)leader);
	free((void *)vip);
	xmlrpc_DECREF(members);
}

/* The pool password: $TARN_POOL_PASSWORD, else asked on a terminal, else
 * one line of standard input when required. NULL when there is none. */
static char *pool_password(int required)
{
	char buf[300] = "";
	const char *env = getenv("TARN_POOL_PASSWORD");
	if (env) {
		snprintf(buf, sizeof buf, "%s", env);
	} else if (isatty(STDIN_FILENO)) {
		char *p = getpass(required ? "pool password: " : "pool password (Enter for none yet): ");
		snprintf(buf, sizeof buf, "%s", p ? p : "");
	} else if (!required || !fgets(buf, sizeof buf, stdin)) {
		return NULL;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf[0] ? strdup(buf) : NULL;
}

/* Asked on the terminal: whether the certificate the master presents
 * (named in the agent's refusal) is the one its console shows. The
 * fingerprint, or NULL when it is not trusted. */
static const char *confirm(const char *master, const char *refusal, char fp[TARN_FINGERPRINT_LEN])
{
	char answer[16] = "";
	if (tarn_fingerprint_find(refusal, fp) != 0) {
		fprintf(stderr, "tarnctl: %s\n", refusal);
		return NULL;
	}
	fprintf(stderr, "The pool master at %s presents the certificate\n  %s\nCompare it with the one its console's "
			"Status screen (or tarnctl host info there) shows.\nTrust it? [y/N] ", master, fp);
	if (!fgets(answer, sizeof answer, stdin) || (answer[0] != 'y' && answer[0] != 'Y')) {
		fprintf(stderr, "tarnctl: not joining\n");
		return NULL;
	}
	return fp;
}

/* pool join MASTER [--fingerprint FP]: without FP the agent refuses,
 * naming the certificate MASTER presents; on a terminal that is shown and
 * the join made again with it once confirmed. */
static int join(struct tarnctl *t, const char *master, const char *fingerprint, const char *pw)
{
	char fp[TARN_FINGERPRINT_LEN];
	if (fingerprint || !isatty(STDIN_FILENO))
		return fingerprint ? tarnctl_callf(t, "pool.join", show_pool, "(sss)", master, pw, fingerprint)
				   : tarnctl_callf(t, "pool.join", show_pool, "(ss)", master, pw);
	xmlrpc_env env;
	xmlrpc_value *params, *result = NULL;
	tarn_err err = "";
	int fault = 0, rc = EXIT_FAULT;
	xmlrpc_env_init(&env);
	params = xmlrpc_build_value(&env, "(ss)", master, pw);
	enum tarn_call_result r = env.fault_occurred ? TARN_CALL_UNREACHABLE
		: tarn_client_call(t->client, "pool.join", params, &result, &fault, err);
	if (r == TARN_CALL_FAULT && fault == TARN_FAULT_UNCONFIRMED)
		rc = confirm(master, err, fp) ? tarnctl_callf(t, "pool.join", show_pool, "(sss)", master, pw, fp)
					      : EXIT_FAULT;
	else if (r == TARN_CALL_FAULT)
		fprintf(stderr, "tarnctl: %s (fault %d)\n", err, fault);
	else if (r == TARN_CALL_UNREACHABLE)
		fprintf(stderr, "tarnctl: %s\n", env.fault_occurred ? env.fault_string : err), rc = EXIT_UNREACHABLE;
	else
		show_pool(&env, result), rc = EXIT_OK; /* an agent that does not ask */
	if (params)
		xmlrpc_DECREF(params);
	if (result)
		xmlrpc_DECREF(result);
	xmlrpc_env_clean(&env);
	return rc;
}

/* A method whose last parameter is the pool password (pool.join's the
 * one before its fingerprint: "" when not given). */
static int with_password(struct tarnctl *t, const char *method, const char *arg, int required,
			 void (*show)(xmlrpc_env *env, xmlrpc_value *result), const char *fingerprint)
{
	char *pw = pool_password(required);
	int rc;
	if (!pw && required) {
		fprintf(stderr, "tarnctl: the pool password is required ($TARN_POOL_PASSWORD, or asked)\n");
		return EXIT_USAGE;
	}
	if (fingerprint)
		rc = join(t, arg, fingerprint[0] ? fingerprint : NULL, pw);
	else if (!arg)
		rc = tarnctl_callf(t, method, show, "(s)", pw);
	else if (pw)
		rc = tarnctl_callf(t, method, show, "(ss)", arg, pw);
	else
		rc = tarnctl_callf(t, method, show, "(s)", arg);
	if (pw)
		memset(pw, 0, strlen(pw));
	free(pw);
	return rc;
}

static int pool(struct tarnctl *t, int argc, char **argv)
{
	const char *verb = argv[0];
	if (strcmp(verb, "create") == 0 && argc == 2)
		return with_password(t, "pool.create", argv[1], 0, show_pool, NULL);
	if (strcmp(verb, "info") == 0 && argc == 1)
		return tarnctl_call(t, "pool.info", NULL, show_pool);
	if (strcmp(verb, "members") == 0 && argc == 1)
		return tarnctl_call(t, "pool.members", NULL, show_members);
	if (strcmp(verb, "jobs") == 0 && argc == 1)
		return tarnctl_call(t, "pool.jobs", NULL, tarnctl_show_pool_jobs);
	if (strcmp(verb, "join") == 0 && (argc == 2 || (argc == 4 && strcmp(argv[2], "--fingerprint") == 0)))
		return with_password(t, "pool.join", argv[1], 1, show_pool, argc == 4 ? argv[3] : "");
	if (strcmp(verb, "leave") == 0 && argc == 1)
		return tarnctl_call(t, "pool.leave", NULL, NULL);
	if (strcmp(verb, "leave") == 0 && argc == 2 && strcmp(argv[1], "--force") == 0)
		return tarnctl_callf(t, "pool.leave", NULL, "(b)", (xmlrpc_bool)1);
	if (strcmp(verb, "eject") == 0 && argc == 2)
		return tarnctl_call_string(t, "pool.eject", argv[1]);
	if (strcmp(verb, "address") == 0 && argc == 2) {
		int rc = tarnctl_call_string(t, "pool.setAddress", argv[1]);
		if (rc == EXIT_OK)
			fprintf(stderr, "tarnctl: the agent uses it from its next start\n");
		return rc;
	}
	if (strcmp(verb, "password") == 0 && argc == 1)
		return with_password(t, "pool.setPassword", NULL, 1, NULL, NULL);
	if (strcmp(verb, "vip") == 0 && argc == 2)
		return tarnctl_call_string(t, "pool.setVirtualIp", strcmp(argv[1], "none") ? argv[1] : "");
	if (strcmp(verb, "roles") == 0 && argc <= 2)
		return tarnctl_call_string(t, "pool.setRoles", argc == 2 ? argv[1] : "");
	if (strcmp(verb, "master") == 0 && argc == 2)
		return tarnctl_call_strings(t, "pool.setMaster", 1, argv + 1, show_pool);
	if (strcmp(verb, "maintenance") == 0 && argc == 3 && (!strcmp(argv[2], "on") || !strcmp(argv[2], "off")))
		return tarnctl_callf(t, "pool.setMaintenance", NULL, "(sb)", argv[1], (xmlrpc_bool)!strcmp(argv[2], "on"));
	fprintf(stderr, "usage: tarnctl pool create NAME | info | members | jobs | join MASTER[:PORT] [--fingerprint FP] |\n"
			"       leave [--force] |\n"
			"       eject MEMBER | address IPV4:PORT | password | roles [utility,vm-server] |\n"
			"       master MEMBER | maintenance MEMBER on|off | vip IPV4/PREFIX|none\n"
			"       (the pool password: $TARN_POOL_PASSWORD, or asked)\n");
	return EXIT_USAGE;
}

const struct tarnctl_verb tarnctl_verbs_pool[] = {
	{"pool", "SUBCOMMAND",
	 "create NAME, info, members, jobs (the I/O work handed to utility servers), join MASTER[:PORT] [--fingerprint SHA256:..] (the master's certificate, as "
	 "its host info shows it; asked to confirm on a terminal when left out), leave [--force], eject MEMBER (id or pool address), "
	 "address IPV4:PORT (this host's, from the agent's next start), password, "
	 "roles [utility,vm-server] (this host's; none when left out), master MEMBER (hand the master's role "
	 "to a voter), maintenance MEMBER on|off (no new guests; its running guests moved away)", 1, 4, pool},
	{NULL, NULL, NULL, 0, 0, NULL},
};
