/* tarnctl template list REPO
 * tarnctl guest create-from-template REPO TEMPLATE NAME [--wait]
 * tarnctl guest clone NAME NEWNAME [--wait]
 * tarnctl guest snapshot|revert|delete-snapshot NAME SNAPSHOT [--wait]
 * tarnctl guest snapshots NAME
 * tarnctl guest delete NAME [--disks] [--wait] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "task-wait.h"
#include "units.h"

/* The options these verbs take; the words left in *args (after argv[0]). */
static int options(int argc, char **argv, int *wait, int *disks, char ***args)
{
	static const struct option opts[] = {
		{"wait", no_argument, NULL, 'w'}, {"disks", no_argument, NULL, 'd'}, {NULL, 0, NULL, 0},
	};
	int o;
	optind = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'w')
			*wait = 1;
		else if (o == 'd' && disks)
			*disks = 1;
		else
			return -1;
	}
	*args = argv + optind;
	return argc - optind;
}

static int usage(const char *verb, const char *args)
{
	fprintf(stderr, "usage: tarnctl %s %s\n", verb, args);
	return EXIT_USAGE;
}

static int from_template(struct tarnctl *t, int argc, char **argv)
{
	int wait = 0;
	char **a;
	if (options(argc, argv, &wait, NULL, &a) != 3)
		return usage("guest create-from-template", "REPO TEMPLATE NAME [--wait]");
	return tarnctl_taskf(t, "guest.createFromTemplate", wait, "(sss)", a[0], a[1], a[2]);
}

static int clone(struct tarnctl *t, int argc, char **argv)
{
	int wait = 0;
	char **a;
	if (options(argc, argv, &wait, NULL, &a) != 2)
		return usage("guest clone", "NAME NEWNAME [--wait]");
	return tarnctl_taskf(t, "guest.clone", wait, "(ss)", a[0], a[1]);
}

/* snapshot, revert, delete-snapshot: NAME SNAPSHOT */
static int snapshot_verb(struct tarnctl *t, int argc, char **argv)
{
	static const struct {
		const char *verb, *method;
	} verbs[] = {{"snapshot", "guest.snapshot"}, {"revert", "guest.revert"},
		     {"delete-snapshot", "guest.deleteSnapshot"}};
	int wait = 0;
	char **a;
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(argv[0], verbs[i].verb) == 0)
			return options(argc, argv, &wait, NULL, &a) != 2
				       ? usage(argv[0], "NAME SNAPSHOT [--wait]")
				       : tarnctl_taskf(t, verbs[i].method, wait, "(ss)", a[0], a[1]);
	return EXIT_USAGE;
}

static void show_snapshots(xmlrpc_env *env, xmlrpc_value *list)
{
	int n = xmlrpc_array_size(env, list);
	printf("%-24s %-20s %s\n", "NAME", "TAKEN", "SIZE");
	for (int i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_value *s;
		const char *name;
		xmlrpc_int64 when, size;
		char taken[32], sz[24];
		xmlrpc_array_read_item(env, list, (unsigned)i, &s);
		if (env->fault_occurred)
			return;
		xmlrpc_decompose_value(env, s, "{s:s,s:I,s:I,*}", "name", &name, "time", &when, "size", &size);
		xmlrpc_DECREF(s);
		if (env->fault_occurred)
			return;
		time_t tt = (time_t)when;
		strftime(taken, sizeof taken, "%Y-%m-%d %H:%M:%S", localtime(&tt));
		tarn_size_text((uint64_t)size, sz, sizeof sz);
		printf("%-24s %-20s %s\n", name, taken, sz);
		free((void *)name);
	}
}

static int snapshots(struct tarnctl *t, int argc, char **argv)
{
	(void)argc;
	return tarnctl_callf(t, "guest.snapshots", show_snapshots, "(s)", argv[1]);
}

static void show_deleted(xmlrpc_env *env, xmlrpc_value *v)
{
	int id = 0;
	if (xmlrpc_value_type(v) == XMLRPC_TYPE_INT)
		xmlrpc_read_int(env, v, &id);
	if (id)
		printf("undefined; its disks are deleted by task %d (tarnctl task show %d)\n", id, id);
	else
		printf("undefined\n");
}

static int delete(struct tarnctl *t, int argc, char **argv)
{
	int wait = 0, disks = 0;
	char **a;
	if (options(argc, argv, &wait, &disks, &a) != 1 || (wait && !disks))
		return usage("guest delete", "NAME [--disks [--wait]]");
	if (!disks)
		return tarnctl_callf(t, "guest.undefine", show_deleted, "(s)", a[0]);
	if (!wait)
		return tarnctl_callf(t, "guest.undefine", show_deleted, "(sb)", a[0], (xmlrpc_bool)1);
	xmlrpc_value *r = NULL;
	int fault, id = 0;
	tarn_err err = "";
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	xmlrpc_value *p = xmlrpc_build_value(&env, "(sb)", a[0], (xmlrpc_bool)1);
	enum tarn_call_result c = p ? tarn_client_call(t->client, "guest.undefine", p, &r, &fault, err) : TARN_CALL_FAULT;
	if (p)
		xmlrpc_DECREF(p);
	if (c == TARN_CALL_OK)
		xmlrpc_read_int(&env, r, &id);
	if (r)
		xmlrpc_DECREF(r);
	xmlrpc_env_clean(&env);
	if (c != TARN_CALL_OK) {
		fprintf(stderr, "tarnctl: %s\n", err);
		return c == TARN_CALL_UNREACHABLE ? EXIT_UNREACHABLE : EXIT_FAULT;
	}
	return id ? tarnctl_task_wait(t, id) : EXIT_OK;
}

static void show_templates(xmlrpc_env *env, xmlrpc_value *list)
{
	int n = xmlrpc_array_size(env, list);
	printf("%-24s %8s %5s %5s %-10s %s\n", "NAME", "MEMORY", "VCPUS", "DISKS", "SIZE", "PROBLEM");
	for (int i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_value *s;
		const char *name, *error;
		int memory, vcpus, disks;
		xmlrpc_int64 size;
		char sz[24];
		xmlrpc_array_read_item(env, list, (unsigned)i, &s);
		if (env->fault_occurred)
			return;
		xmlrpc_decompose_value(env, s, "{s:s,s:i,s:i,s:i,s:I,s:s,*}", "name", &name, "memory", &memory, "vcpus",
				       &vcpus, "disks", &disks, "size", &size, "error", &error);
		xmlrpc_DECREF(s);
		if (env->fault_occurred)
			return;
		tarn_size_text((uint64_t)size, sz, sizeof sz);
		printf("%-24s %7dM %5d %5d %-10s %s\n", name, memory, vcpus, disks, sz, error[0] ? error : "-");
		free((void *)name);
		free((void *)error);
	}
}

static int template(struct tarnctl *t, int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[0], "list") != 0)
		return usage("template", "list REPO");
	return tarnctl_callf(t, "template.list", show_templates, "(s)", argv[1]);
}

const struct tarnctl_verb tarnctl_verbs_guest_disk[] = {
	{"template", "list REPO", "the templates in a repository's seed_pool", 2, 2, template},
	{"guest create-from-template", "REPO TEMPLATE NAME [--wait]",
	 "a new guest (stopped) with copies of a template's disks", 4, 5, from_template},
	{"guest clone", "NAME NEWNAME [--wait]", "a copy of a stopped guest and its disks", 3, 4, clone},
	{"guest snapshot", "NAME SNAPSHOT [--wait]", "snapshot a stopped guest's disks", 3, 4, snapshot_verb},
	{"guest snapshots", "NAME", "a guest's snapshots", 2, 2, snapshots},
	{"guest revert", "NAME SNAPSHOT [--wait]", "a stopped guest's disks back to a snapshot", 3, 4, snapshot_verb},
	{"guest delete-snapshot", "NAME SNAPSHOT [--wait]", "delete a snapshot", 3, 4, snapshot_verb},
	{"guest delete", "NAME [--disks [--wait]]", "undefine; with --disks, delete its disks in running_pool/NAME",
	 2, 4, delete},
	{NULL, NULL, NULL, 0, 0, NULL},
};
