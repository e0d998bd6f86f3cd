/* tarnctl guest define FILE | list | show NAME | start|stop|pause NAME | ha NAME on|off |
 *              undefine NAME */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verb.h"

#define MAX_XLCFG (64 * 1024)

struct guest {
	const char *name, *uuid, *desired, *actual, *host, *type;
	xmlrpc_bool ha;
	int memory, vcpus;
};

static int read_guest(xmlrpc_env *env, xmlrpc_value *v, struct guest *g)
{
	xmlrpc_decompose_value(env, v, "{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:i,s:i,*}", "name", &g->name, "uuid",
			       &g->uuid, "desired", &g->desired, "actual", &g->actual, "host", &g->host, "type",
			       &g->type, "ha", &g->ha, "memory", &g->memory, "vcpus", &g->vcpus);
	return env->fault_occurred ? -1 : 0;
}

static void free_guest(struct guest *g)
{
	const char *s[] = {g->name, g->uuid, g->desired, g->actual, g->host, g->type};
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
		free((void *)s[i]);
}

static void show_list(xmlrpc_env *env, xmlrpc_value *list)
{
	int n = xmlrpc_array_size(env, list);
	printf("%-24s %-8s %-8s %-4s %8s %5s %-3s %s\n", "NAME", "DESIRED", "ACTUAL", "TYPE", "MEMORY", "VCPUS",
	       "HA", "HOST");
	for (int i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_value *item;
		struct guest g;
		xmlrpc_array_read_item(env, list, (unsigned)i, &item);
		if (env->fault_occurred)
			return;
		if (read_guest(env, item, &g) == 0) {
			printf("%-24s %-8s %-8s %-4s %7dM %5d %-3s %s\n", g.name, g.desired, g.actual, g.type, g.memory,
			       g.vcpus, g.ha ? "yes" : "no", g.host[0] ? g.host : "-");
			free_guest(&g);
		}
		xmlrpc_DECREF(item);
	}
}

static void show_guest(xmlrpc_env *env, xmlrpc_value *v)
{
	struct guest g;
	const char *cfg = NULL;
	if (read_guest(env, v, &g))
		return;
	printf("%-12s %s\n%-12s %s\n%-12s %s\n%-12s %s\n%-12s %s\n%-12s %dM\n%-12s %d\n%-12s %s\n%-12s %s\n",
	       "name", g.name, "uuid", g.uuid, "desired", g.desired, "actual", g.actual, "type", g.type, "memory",
	       g.memory, "vcpus", g.vcpus, "ha", g.ha ? "yes" : "no", "host", g.host[0] ? g.host : "-");
	free_guest(&g);
	xmlrpc_decompose_value(env, v, "{s:s,*}", "xlcfg", &cfg);
	if (!env->fault_occurred) {
		printf("\nxl.cfg:\n");
		for (const char *line = cfg; *line;) {
			size_t len = strcspn(line, "\n");
			printf("    %.*s\n", (int)len, line);
			line += len + (line[len] == '\n');
		}
		free((void *)cfg);
	}
}

/* The whole file, or standard input for "-"; NULL and a message if not. */
static char *slurp(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	char *buf = f ? malloc(MAX_XLCFG + 2) : NULL;
	size_t n = buf ? fread(buf, 1, MAX_XLCFG + 1, f) : 0;
	int bad = !f || !buf || ferror(f);
	const char *why = !f || ferror(f) ? strerror(errno) : !buf ? "out of memory" : NULL;
	if (f && f != stdin)
		fclose(f);
	if (!bad && n > MAX_XLCFG)
		bad = 1, why = "larger than 64 KiB";
	if (bad) {
		fprintf(stderr, "tarnctl: cannot read %s: %s\n", path, why);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static int define(struct tarnctl *t, const char *path)
{
	char *text = slurp(path);
	if (!text)
		return EXIT_USAGE;
	int rc = tarnctl_call_strings(t, "guest.define", 1, &text, show_guest);
	free(text);
	return rc;
}

static int set_ha(struct tarnctl *t, const char *name, int on)
{
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	xmlrpc_value *p = xmlrpc_build_value(&env, "(sb)", name, (xmlrpc_bool)on);
	int rc = env.fault_occurred ? EXIT_FAULT : tarnctl_call(t, "guest.setHa", p, NULL);
	if (p)
		xmlrpc_DECREF(p);
	xmlrpc_env_clean(&env);
	return rc;
}

static const struct {
	const char *verb, *state;
} power[] = {{"start", "running"}, {"stop", "stopped"}, {"pause", "paused"}};

static int guest(struct tarnctl *t, int argc, char **argv)
{
	const char *sub = argv[0];
	if (argc == 1 && strcmp(sub, "list") == 0)
		return tarnctl_call(t, "guest.list", NULL, show_list);
	if (argc == 2 && strcmp(sub, "define") == 0)
		return define(t, argv[1]);
	if (argc == 2 && strcmp(sub, "show") == 0)
		return tarnctl_call_strings(t, "guest.get", 1, argv + 1, show_guest);
	if (argc == 2 && strcmp(sub, "undefine") == 0)
		return tarnctl_call_strings(t, "guest.undefine", 1, argv + 1, NULL);
	if (argc == 3 && strcmp(sub, "ha") == 0 && (!strcmp(argv[2], "on") || !strcmp(argv[2], "off")))
		return set_ha(t, argv[1], strcmp(argv[2], "on") == 0);
	for (size_t i = 0; argc == 2 && i < sizeof power / sizeof power[0]; i++)
		if (strcmp(sub, power[i].verb) == 0) {
			char *args[] = {argv[1], (char *)power[i].state};
			return tarnctl_call_strings(t, "guest.setState", 2, args, NULL);
		}
	fprintf(stderr, "usage: tarnctl guest define FILE | list | show NAME | start NAME | stop NAME |\n"
			"                     pause NAME | ha NAME on|off | undefine NAME\n");
	return EXIT_USAGE;
}

const struct tarnctl_verb tarnctl_verbs_guest[] = {
	{"guest", "SUBCOMMAND", "define FILE (an xl.cfg; - for stdin), list, show NAME, start|stop|pause NAME "
				"(the desired state), ha NAME on|off, undefine NAME", 1, 3, guest},
	{NULL, NULL, NULL, 0, 0, NULL},
};
