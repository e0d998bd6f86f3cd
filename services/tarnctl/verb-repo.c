/* tarnctl repo list | add | remove | import */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "task-wait.h"
#include "units.h"

#define REPO_USAGE                                                                                    \
	"usage: tarnctl repo list\n"                                                                  \
	"       tarnctl repo add NAME local DEVICE [--fstype ext4|xfs] [--format] [--options OPTS]\n" \
	"       tarnctl repo add NAME nfs SERVER:/EXPORT [--options OPTS]\n"                          \
	"       tarnctl repo add NAME iscsi PORTAL[:PORT] --target IQN [--lun N] [--fstype T] [--format]\n" \
	"       tarnctl repo remove NAME\n"                                                           \
	"       tarnctl repo import NAME PATH|URL [--pool iso_pool|seed_pool] [--wait]\n"

static int usage(void)
{
	fputs(REPO_USAGE, stderr);
	return EXIT_USAGE;
}

/* A struct member read for the table, as text. */
static void field(xmlrpc_env *env, xmlrpc_value *s, const char *key, char *buf, size_t len)
{
	xmlrpc_value *v = NULL;
	buf[0] = '\0';
	xmlrpc_struct_find_value(env, s, key, &v);
	if (env->fault_occurred || !v)
		return;
	if (xmlrpc_value_type(v) == XMLRPC_TYPE_STRING) {
		const char *t;
		xmlrpc_read_string(env, v, &t);
		if (!env->fault_occurred) {
			snprintf(buf, len, "%s", t);
			free((void *)t);
		}
	} else if (xmlrpc_value_type(v) == XMLRPC_TYPE_I8) {
		xmlrpc_int64 n;
		xmlrpc_read_i8(env, v, &n);
		tarn_size_text((uint64_t)n, buf, len);
	}
	xmlrpc_DECREF(v);
}

static void show_repos(xmlrpc_env *env, xmlrpc_value *list)
{
	int n = xmlrpc_array_size(env, list);
	printf("%-16s %-6s %-8s %-10s %-10s %s\n", "NAME", "KIND", "STATE", "SIZE", "FREE", "SOURCE / DETAIL");
	for (int i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_value *r;
		char name[80], kind[8], state[16], size[24], free_[24], source[300], msg[256];
		xmlrpc_array_read_item(env, list, (unsigned)i, &r);
		if (env->fault_occurred)
			return;
		field(env, r, "name", name, sizeof name);
		field(env, r, "kind", kind, sizeof kind);
		field(env, r, "state", state, sizeof state);
		field(env, r, "size", size, sizeof size);
		field(env, r, "free", free_, sizeof free_);
		field(env, r, "source", source, sizeof source);
		field(env, r, "message", msg, sizeof msg);
		xmlrpc_DECREF(r);
		printf("%-16s %-6s %-8s %-10s %-10s %s\n", name, kind, state, strcmp(state, "mounted") ? "-" : size,
		       strcmp(state, "mounted") ? "-" : free_, source);
		if (strcmp(state, "mounted"))
			printf("%-16s %s\n", "", msg);
	}
}

static int add(struct tarnctl *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"fstype", required_argument, NULL, 'f'}, {"format", no_argument, NULL, 'F'},
		{"options", required_argument, NULL, 'o'}, {"target", required_argument, NULL, 't'},
		{"lun", required_argument, NULL, 'l'}, {NULL, 0, NULL, 0},
	};
	const char *fstype = "", *options = "", *target = "";
	int format = 0, lun = 0, o;
	optind = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'f': fstype = optarg; break;
		case 'F': format = 1; break;
		case 'o': options = optarg; break;
		case 't': target = optarg; break;
		case 'l': lun = atoi(optarg); break;
		default: return usage();
		}
	}
	if (argc - optind != 3)
		return usage();
	return tarnctl_callf(t, "repo.add", NULL, "({s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:b})", "name", argv[optind],
			     "kind", argv[optind + 1], "source", argv[optind + 2], "fstype", fstype, "options",
			     options, "target", target, "lun", lun, "format", (xmlrpc_bool)format);
}

static int import(struct tarnctl *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"pool", required_argument, NULL, 'p'}, {"wait", no_argument, NULL, 'w'}, {NULL, 0, NULL, 0},
	};
	const char *pool = "iso_pool";
	int wait = 0, o;
	optind = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'p': pool = optarg; break;
		case 'w': wait = 1; break;
		default: return usage();
		}
	}
	if (argc - optind != 2)
		return usage();
	return tarnctl_taskf(t, "repo.import", wait, "(sss)", argv[optind], argv[optind + 1], pool);
}

static int repo(struct tarnctl *t, int argc, char **argv)
{
	const char *sub = argv[0];
	if (strcmp(sub, "list") == 0 && argc == 1)
		return tarnctl_call(t, "repo.list", NULL, show_repos);
	if (strcmp(sub, "add") == 0)
		return add(t, argc, argv);
	if (strcmp(sub, "remove") == 0 && argc == 2)
		return tarnctl_call_string(t, "repo.remove", argv[1]);
	if (strcmp(sub, "import") == 0)
		return import(t, argc, argv);
	return usage();
}

const struct tarnctl_verb tarnctl_verbs_repo[] = {
	{"repo", "SUBCOMMAND", "storage repositories: list, add, remove, import", 1, 16, repo},
	{NULL, NULL, NULL, 0, 0, NULL},
};
