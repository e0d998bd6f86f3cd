/* tarnctl guest define FILE | list | show NAME | undefine NAME |
 *              start|pause|resume|reboot|destroy|suspend NAME [--wait] |
 *              stop NAME [--timeout SECONDS] [--force] [--wait] |
 *              pin NAME VCPU CPULIST | drift NAME restore|leave | ha NAME on|off |
 *              place NAME MEMBER |
 *              memory NAME MIB | vcpus NAME N | console-log NAME [BYTES] (verb-guest-run.c) */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-run.h"
#include "guest-wait.h"
#include "verb.h"

#define MAX_XLCFG (64 * 1024)

struct guest {
	const char *name, *uuid, *desired, *actual, *host, *host_address, *type, *error, *request, *drift, *pins,
		*affinity;
	xmlrpc_bool ha;
	int memory, vcpus, stop_timeout, domid;
};

static int read_guest(xmlrpc_env *env, xmlrpc_value *v, struct guest *g)
{
	/* at most 16 members a format: the host's address on its own */
	xmlrpc_decompose_value(env, v, "{s:s,*}", "host_address", &g->host_address);
	if (env->fault_occurred)
		return -1;
	xmlrpc_decompose_value(env, v, "{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:i,s:i,s:s,s:s,s:s,s:s,s:s,s:i,s:i,*}", "name",
			       &g->name, "uuid", &g->uuid, "desired", &g->desired, "actual", &g->actual, "host", &g->host,
			       "type", &g->type, "ha", &g->ha, "memory", &g->memory, "vcpus", &g->vcpus, "error",
			       &g->error, "request", &g->request, "drift", &g->drift, "pins", &g->pins, "affinity",
			       &g->affinity, "stop_timeout", &g->stop_timeout, "domid", &g->domid);
	if (env->fault_occurred)
		free((void *)g->host_address);
	return env->fault_occurred ? -1 : 0;
}

static void free_guest(struct guest *g)
{
	const char *s[] = {g->name, g->uuid, g->desired, g->actual, g->host, g->host_address, g->type, g->error,
			   g->request, g->drift, g->pins, g->affinity};
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
			       g.vcpus, g.ha ? "yes" : "no", g.host_address[0] ? g.host_address : g.host[0] ? g.host : "-");
			if (g.error[0])
				printf("    error: %s\n", g.error);
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
	printf("%-12s %s\n%-12s %s\n%-12s %s\n%-12s %s\n", "name", g.name, "uuid", g.uuid, "desired", g.desired,
	       "actual", g.actual);
	if (g.error[0])
		printf("%-12s %s\n", "error", g.error);
	if (g.request[0])
		printf("%-12s %s\n", "request", g.request);
	if (g.domid >= 0)
		printf("%-12s %d\n", "domid", g.domid);
	printf("%-12s %s\n%-12s %dM\n%-12s %d\n", "type", g.type, "memory", g.memory, "vcpus", g.vcpus);
	printf("%-12s %s\n%-12s %s\n", "pins", g.pins[0] ? g.pins : "-", "affinity",
	       g.affinity[0] ? g.affinity : "-");
	printf("%-12s %s\n%-12s %d s\n%-12s %s\n", "drift", g.drift, "stop timeout", g.stop_timeout, "ha",
	       g.ha ? "yes" : "no");
	if (g.host[0])
		printf("%-12s member %s (%s)\n", "host", g.host, g.host_address[0] ? g.host_address : "gone");
	else
		printf("%-12s - (unplaced)\n", "host");
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
	return tarnctl_callf(t, "guest.setHa", NULL, "(sb)", name, (xmlrpc_bool)on);
}

static int usage(void)
{
	fprintf(stderr, "usage: tarnctl guest define FILE | list | show NAME | undefine NAME\n"
			"       tarnctl guest start|pause|resume|reboot|destroy|suspend NAME [--wait]\n"
			"       tarnctl guest stop NAME [--timeout SECONDS] [--force] [--wait]\n"
			"       tarnctl guest pin NAME VCPU CPULIST | drift NAME restore|leave | ha NAME on|off\n"
			"       tarnctl guest place NAME MEMBER   (a stopped guest; MEMBER: id or pool address)\n"
			"       tarnctl guest memory NAME MIB | vcpus NAME N | console-log NAME [BYTES]\n");
	return EXIT_USAGE;
}

/* The power verbs: a call that changes what is desired, then, with
 * --wait, the guest followed until it is so. */
static int power(struct tarnctl *t, const char *verb, const char *name, int force, long timeout, int wait)
{
	static const struct {
		const char *verb, *state, *method;
	} verbs[] = {{"start", "running", NULL},  {"resume", "running", NULL}, {"pause", "paused", NULL},
		     {"stop", "stopped", NULL},   {"reboot", NULL, "guest.reboot"}, {"destroy", NULL, "guest.destroy"},
		     {"suspend", "suspended", NULL}};
	int rc = EXIT_USAGE;
	if (force) /* stop --force: no clean shutdown */
		rc = tarnctl_callf(t, "guest.destroy", NULL, "(s)", name);
	else if (timeout >= 0)
		rc = tarnctl_callf(t, "guest.setState", NULL, "(ssi)", name, "stopped", (int)timeout);
	for (size_t i = 0; rc == EXIT_USAGE && i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(verb, verbs[i].verb) == 0)
			rc = verbs[i].method ? tarnctl_callf(t, verbs[i].method, NULL, "(s)", name)
					     : tarnctl_callf(t, "guest.setState", NULL, "(ss)", name, verbs[i].state);
	if (rc != EXIT_OK || !wait)
		return rc;
	long long gen = tarnctl_guest_gen(t, name);
	return gen < 0 ? EXIT_FAULT : tarnctl_guest_wait(t, name, gen);
}

static int guest(struct tarnctl *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{"wait", no_argument, NULL, 'w'}, {"force", no_argument, NULL, 'f'},
		{"timeout", required_argument, NULL, 't'}, {NULL, 0, NULL, 0},
	};
	int wait = 0, force = 0, o;
	long timeout = -1;
	char *end = NULL;
	optind = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'w': wait = 1; break;
		case 'f': force = 1; break;
		case 't': timeout = strtol(optarg, &end, 10); break;
		default: return usage();
		}
	}
	if ((end && (*end || timeout < 0)) || ((force || timeout >= 0) && strcmp(argv[0], "stop")))
		return usage();
	const char *sub = argv[0];
	char **arg = argv + optind;
	int n = argc - optind, options = wait || force || timeout >= 0;
	if (n == 0 && strcmp(sub, "list") == 0 && !options)
		return tarnctl_call(t, "guest.list", NULL, show_list);
	if (n == 1 && strcmp(sub, "define") == 0 && !options)
		return define(t, arg[0]);
	if (n == 1 && strcmp(sub, "show") == 0 && !options)
		return tarnctl_call_strings(t, "guest.get", 1, arg, show_guest);
	if (n == 1 && strcmp(sub, "undefine") == 0 && !options)
		return tarnctl_call_strings(t, "guest.undefine", 1, arg, NULL);
	if (n == 2 && strcmp(sub, "ha") == 0 && (!strcmp(arg[1], "on") || !strcmp(arg[1], "off")) && !options)
		return set_ha(t, arg[0], strcmp(arg[1], "on") == 0);
	if (n == 2 && strcmp(sub, "place") == 0 && !options)
		return tarnctl_call_strings(t, "guest.place", 2, arg, NULL);
	if (n == 2 && strcmp(sub, "drift") == 0 && !options)
		return tarnctl_call_strings(t, "guest.setDriftPolicy", 2, arg, NULL);
	if (n == 3 && strcmp(sub, "pin") == 0 && !options) {
		long vcpu = strtol(arg[1], &end, 10);
		if (*end || vcpu < 0 || vcpu > 4096)
			return usage();
		return tarnctl_callf(t, "guest.pin", NULL, "(sis)", arg[0], (int)vcpu, arg[2]);
	}
	if (!force && timeout < 0) {
		int rc = tarnctl_guest_run(t, sub, n, arg, wait);
		if (rc != EXIT_USAGE)
			return rc;
	}
	if (n == 1) {
		int rc = power(t, sub, arg[0], force, timeout, wait);
		if (rc != EXIT_USAGE)
			return rc;
	}
	return usage();
}

const struct tarnctl_verb tarnctl_verbs_guest[] = {
	{"guest", "SUBCOMMAND", "define FILE (an xl.cfg; - for stdin), list, show NAME, start|pause|resume|reboot|"
				"destroy|suspend NAME [--wait], stop NAME [--timeout S] [--force] [--wait], pin NAME VCPU CPULIST, "
				"drift NAME restore|leave, ha NAME on|off, place NAME MEMBER, undefine NAME, memory NAME MIB, vcpus NAME N, console-log NAME [BYTES]",
	 1, 6, guest},
	{NULL, NULL, NULL, 0, 0, NULL},
};
