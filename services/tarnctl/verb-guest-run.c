/* tarnctl guest memory NAME MIB | vcpus NAME N | console-log NAME [BYTES];
 * see guest-run.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-run.h"
#include "guest-wait.h"

/* What the call changed, for the note after it. */
static const char *changed;

/* After guest.get: whether the change is live now or at the next start. */
static void note(xmlrpc_env *env, xmlrpc_value *v)
{
	const char *name, *actual;
	xmlrpc_decompose_value(env, v, "{s:s,s:s,*}", "name", &name, "actual", &actual);
	if (env->fault_occurred)
		return;
	if (!strcmp(actual, "running") || !strcmp(actual, "paused"))
		printf("%s: %s in its xl.cfg; the agent applies it to the running guest as far as Xen allows "
		       "(see tarnctl events)\n", name, changed);
	else
		printf("%s: %s in its xl.cfg; it applies at its next start\n", name, changed);
	free((void *)name);
	free((void *)actual);
}

static int set_number(struct tarnctl *t, const char *method, const char *what, char **arg)
{
	char *end, msg[80];
	long v = strtol(arg[1], &end, 10);
	if (*end || end == arg[1] || v < 0 || v > 1L << 30)
		return EXIT_USAGE;
	int rc = tarnctl_callf(t, method, NULL, "(si)", arg[0], (int)v);
	if (rc != EXIT_OK || t->json)
		return rc;
	snprintf(msg, sizeof msg, "%s set to %ld%s", what, v, strcmp(what, "memory") ? "" : " MiB");
	changed = msg;
	return tarnctl_call_strings(t, "guest.get", 1, arg, note);
}

static void print_log(xmlrpc_env *env, xmlrpc_value *v)
{
	const char *text;
	size_t len;
	xmlrpc_read_string_lp(env, v, &len, &text);
	if (env->fault_occurred)
		return;
	fwrite(text, 1, len, stdout);
	if (len && text[len - 1] != '\n')
		putchar('\n');
	free((void *)text);
}

int tarnctl_guest_run(struct tarnctl *t, const char *sub, int n, char **arg, int wait)
{
	if (n == 2 && !wait && strcmp(sub, "memory") == 0)
		return set_number(t, "guest.setMemory", "memory", arg);
	if (n == 2 && !wait && strcmp(sub, "vcpus") == 0)
		return set_number(t, "guest.setVcpus", "vCPUs", arg);
	if ((n == 1 || n == 2) && !wait && strcmp(sub, "console-log") == 0) {
		char *end = NULL;
		long bytes = n == 2 ? strtol(arg[1], &end, 10) : 16384;
		if ((end && *end) || bytes < 1 || bytes > 1 << 20)
			return EXIT_USAGE;
		return tarnctl_callf(t, "guest.console", print_log, "(si)", arg[0], (int)bytes);
	}
	return EXIT_USAGE;
}
