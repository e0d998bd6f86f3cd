/* tarnctl pool create NAME | pool info */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verb.h"

static void show_member(xmlrpc_env *env, xmlrpc_value *m, const char *leader)
{
	const char *id, *address;
	xmlrpc_value *roles;
	char list[128] = "";
	xmlrpc_decompose_value(env, m, "{s:s,s:s,s:A,*}", "id", &id, "address", &address, "roles", &roles);
	if (env->fault_occurred)
		return;
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
	printf("%-20s %-24s %s%s\n", id, address, list, strcmp(address, leader) ? "" : " (leader)");
	free((void *)id);
	free((void *)address);
	xmlrpc_DECREF(roles);
}

static void show_pool(xmlrpc_env *env, xmlrpc_value *v)
{
	const char *name, *uuid, *leader;
	xmlrpc_int64 created;
	xmlrpc_bool master;
	xmlrpc_value *members;
	xmlrpc_decompose_value(env, v, "{s:s,s:s,s:I,s:s,s:b,s:A,*}", "name", &name, "uuid", &uuid, "created",
			       &created, "leader", &leader, "master", &master, "members", &members);
	if (env->fault_occurred)
		return;
	char when[32];
	time_t t = (time_t)created;
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
	printf("%-20s %s\n%-20s %s\n%-20s %s\n%-20s %s%s\n\n", "pool", name, "uuid", uuid, "created", when,
	       "master", leader, master ? " (this host)" : "");
	printf("%-20s %-24s %s\n", "MEMBER", "ADDRESS", "ROLES");
	int n = xmlrpc_array_size(env, members);
	for (int i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_value *m;
		xmlrpc_array_read_item(env, members, (unsigned)i, &m);
		if (!env->fault_occurred) {
			show_member(env, m, leader);
			xmlrpc_DECREF(m);
		}
	}
	free((void *)name);
	free((void *)uuid);
	free((void *)leader);
	xmlrpc_DECREF(members);
}

static int pool(struct tarnctl *t, int argc, char **argv)
{
	if (strcmp(argv[0], "create") == 0 && argc == 2)
		return tarnctl_call_strings(t, "pool.create", 1, argv + 1, show_pool);
	if (strcmp(argv[0], "info") == 0 && argc == 1)
		return tarnctl_call(t, "pool.info", NULL, show_pool);
	fprintf(stderr, "usage: tarnctl pool create NAME | pool info\n");
	return EXIT_USAGE;
}

const struct tarnctl_verb tarnctl_verbs_pool[] = {
	{"pool", "SUBCOMMAND", "create NAME (this host becomes a pool of one), info", 1, 2, pool},
	{NULL, NULL, NULL, 0, 0, NULL},
};
