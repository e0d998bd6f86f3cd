/* tarnctl disk create --count N --size SIZE --prefix P [--shared] [--wait] REPO | disk list REPO */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "task-wait.h"
#include "units.h"

static int usage(void)
{
	fputs("usage: tarnctl disk create --count N --size SIZE --prefix PREFIX [--shared] [--wait] REPO\n"
	      "       tarnctl disk list REPO\n", stderr);
	return EXIT_USAGE;
}

static int create(struct tarnctl *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"count", required_argument, NULL, 'c'}, {"size", required_argument, NULL, 's'},
		{"prefix", required_argument, NULL, 'p'}, {"shared", no_argument, NULL, 'S'},
		{"wait", no_argument, NULL, 'w'}, {NULL, 0, NULL, 0},
	};
	const char *size = NULL, *prefix = NULL;
	long count = 1;
	int shared = 0, wait = 0, o;
	char *end = NULL;
	optind = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c': count = strtol(optarg, &end, 10); break;
		case 's': size = optarg; break;
		case 'p': prefix = optarg; break;
		case 'S': shared = 1; break;
		case 'w': wait = 1; break;
		default: return usage();
		}
	}
	if (argc - optind != 1 || !size || !prefix || (end && *end) || count < 0 || count > 0x7fffffff)
		return usage();
	return tarnctl_taskf(t, "disk.create", wait, "(ssiss)", argv[optind], prefix, (int)count, size,
			     shared ? "sharedDisk" : "running_pool");
}

static void show_disks(xmlrpc_env *env, xmlrpc_value *list)
{
	int n = xmlrpc_array_size(env, list);
	printf("%-32s %-13s %-10s %s\n", "NAME", "POOL", "SIZE", "ALLOCATED");
	for (int i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_value *d;
		const char *name, *pool;
		xmlrpc_int64 size, used;
		char s[24], u[24];
		xmlrpc_array_read_item(env, list, (unsigned)i, &d);
		if (env->fault_occurred)
			return;
		xmlrpc_decompose_value(env, d, "{s:s,s:s,s:I,s:I,*}", "name", &name, "pool", &pool, "size", &size,
				       "allocated", &used);
		xmlrpc_DECREF(d);
		if (env->fault_occurred)
			return;
		tarn_size_text((uint64_t)size, s, sizeof s);
		tarn_size_text((uint64_t)used, u, sizeof u);
		printf("%-32s %-13s %-10s %s\n", name, pool, s, u);
		free((void *)name);
		free((void *)pool);
	}
}

static int disk(struct tarnctl *t, int argc, char **argv)
{
	if (strcmp(argv[0], "create") == 0)
		return create(t, argc, argv);
	if (strcmp(argv[0], "list") == 0 && argc == 2)
		return tarnctl_callf(t, "disk.list", show_disks, "(s)", argv[1]);
	return usage();
}

const struct tarnctl_verb tarnctl_verbs_disk[] = {
	{"disk", "SUBCOMMAND", "virtual disks in a repository: create, list", 1, 16, disk},
	{NULL, NULL, NULL, 0, 0, NULL},
};
