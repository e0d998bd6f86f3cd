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
	"       tarnctl repo add NAME nfs SERVER:/EXPORT [--options OPTS] [--pool]\n"                 \
	"       tarnctl repo add NAME iscsi PORTAL[:PORT] --target IQN [--lun N] [--fstype T] [--format]\n" \
	"       tarnctl repo remove NAME [--pool | --host]\n"                                         \
	"  --pool: the whole pool's (every VM-server and utility member mounts it; NFS only)\n"       \
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

/* A pool repository's members: "ADDRESS STATE" a line, with why when not mounted. */
static void show_members(xmlrpc_env *env, xmlrpc_value *r)
{
	xmlrpc_value *members = NULL;
	xmlrpc_struct_find_value(env, r, "members", &members);
	int n = members && !env->fault_occurred ? xmlrpc_array_size(env, members) : 0;
	for (int i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_value *m;
		char address[260], state[16], msg[256];
		xmlrpc_array_read_item(env, members, (unsigned)i, &m);
		if (env->fault_occurred)
			break;
		field(env, m, "address", address, sizeof address);
		field(env, m, "state", state, sizeof state);
		field(env, m, "message", msg, sizeof msg);
		xmlrpc_DECREF(m);
		printf("%-16s member %s: %s%s%s\n", "", address, state, strcmp(state, "mounted") ? ": " : "",
		       strcmp(state, "mounted") ? msg : "");
	}
	if (members)
		xmlrpc_DECREF(members);
}

static void show_repos(xmlrpc_env *env, xmlrpc_value *list)
{
	int n = xmlrpc_array_size(env, list);
	printf("%-16s %-5s %-6s %-10s %-10s %-10s %s\n", "NAME", "SCOPE", "KIND", "STATE", "SIZE", "FREE",
	       "SOURCE / DETAIL");
	for (int i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_value *r;
		char name[80], scope[8], kind[8], state[16], size[24], free_[24], source[300], msg[256];
		xmlrpc_array_read_item(env, list, (unsigned)i, &r);
		if (env->fault_occurred)
			return;
		field(env, r, "name", name, sizeof name);
		field(env, r, "scope", scope, sizeof scope);
		field(env, r, "kind", kind, sizeof kind);
		field(env, r, "state", state, sizeof state);
		field(env, r, "size", size, sizeof size);
		field(env, r, "free", free_, sizeof free_);
		field(env, r, "source", source, sizeof source);
		field(env, r, "message", msg, sizeof msg);
		if (!name[0]) { /* the pool's cannot be read now: the message says why */
			printf("%s\n", msg);
			xmlrpc_DECREF(r);
			continue;
		}
		printf("%-16s %-5s %-6s %-10s %-10s %-10s %s\n", name, scope, kind, state,
		       strcmp(state, "mounted") ? "-" : size, strcmp(state, "mounted") ? "-" : free_, source);
		if (strcmp(state, "mounted"))
			printf("%-16s %s\n", "", msg);
		show_members(env, r);
		xmlrpc_DECREF(r);
	}
}

static int add(struct tarnctl *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"fstype", required_argument, NULL, 'f'}, {"format", no_argument, NULL, 'F'},
		{"options", required_argument, NULL, 'o'}, {"target", required_argument, NULL, 't'},
		{"lun", required_argument, NULL, 'l'}, {"pool", no_argument, NULL, 'p'}, {NULL, 0, NULL, 0},
	};
	const char *fstype = "", *options = "", *target = "", *scope = "host";
	int format = 0, lun = 0, o;
	optind = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'f': fstype = optarg; break;
		case 'F': format = 1; break;
		case 'o': options = optarg; break;
		case 't': target = optarg; break;
		case 'l': lun = atoi(optarg); break;
		case 'p': scope = "pool"; break;
		default: return usage();
		}
	}
	if (argc - optind != 3)
		return usage();
	return tarnctl_callf(t, "repo.add", NULL, "({s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:b,s:s})", "name", argv[optind],
			     "kind", argv[optind + 1], "source", argv[optind + 2], "fstype", fstype, "options",
			     options, "target", target, "lun", lun, "format", (xmlrpc_bool)format, "scope", scope);
}

/* remove NAME [--pool | --host]: without either, the host's own first */
static int remove_repo(struct tarnctl *t, int argc, char **argv)
{
	if (argc == 2)
		return tarnctl_call_string(t, "repo.remove", argv[1]);
	if (argc == 3 && (!strcmp(argv[2], "--pool") || !strcmp(argv[2], "--host")))
		return tarnctl_callf(t, "repo.remove", NULL, "(ss)", argv[1], argv[2] + 2);
	return usage();
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
	if (strcmp(sub, "remove") == 0)
		return remove_repo(t, argc, argv);
	if (strcmp(sub, "import") == 0)
		return import(t, argc, argv);
	return usage();
}

const struct tarnctl_verb tarnctl_verbs_repo[] = {
	{"repo", "SUBCOMMAND", "storage repositories: list, add, remove, import", 1, 16, repo},
	{NULL, NULL, NULL, 0, 0, NULL},
};
