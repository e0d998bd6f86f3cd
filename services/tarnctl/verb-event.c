/* tarnctl events [--since ID] [--limit N]: the newest 20, or up to N after
 * event ID (100 by default) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verb.h"

static void show_events(xmlrpc_env *env, xmlrpc_value *list)
{
	int n = xmlrpc_array_size(env, list);
	printf("%-6s %-19s %-7s %-8s %s\n", "ID", "TIME", "LEVEL", "SUBJECT", "MESSAGE");
	for (int i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_value *item;
		xmlrpc_int64 id, at;
		const char *level, *subject, *message;
		xmlrpc_array_read_item(env, list, (unsigned)i, &item);
		if (env->fault_occurred)
			return;
		xmlrpc_decompose_value(env, item, "{s:I,s:I,s:s,s:s,s:s,*}", "id", &id, "at", &at, "level", &level,
				       "subject", &subject, "message", &message);
		xmlrpc_DECREF(item);
		if (env->fault_occurred)
			return;
		char when[32] = "?";
		time_t tt = (time_t)at;
		struct tm tm;
		if (localtime_r(&tt, &tm))
			strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
		printf("%-6lld %-19s %-7s %-8s %s\n", (long long)id, when, level, subject, message);
		free((void *)level), free((void *)subject), free((void *)message);
	}
}

static int number(const char *arg, long long *out)
{
	char *end;
	*out = strtoll(arg, &end, 10);
	return *arg && !*end && *out >= 0 ? 0 : -1;
}

static int events(struct tarnctl *t, int argc, char **argv)
{
	long long since = -1, limit = 0; /* without --since: the newest */
	for (int i = 0; i < argc; i += 2) {
		int ok = i + 1 < argc;
		if (ok && strcmp(argv[i], "--since") == 0)
			ok = number(argv[i + 1], &since) == 0;
		else if (ok && strcmp(argv[i], "--limit") == 0)
			ok = number(argv[i + 1], &limit) == 0 && limit >= 1 && limit <= 1000;
		else
			ok = 0;
		if (!ok) {
			fprintf(stderr, "usage: tarnctl events [--since ID] [--limit 1-1000]\n");
			return EXIT_USAGE;
		}
	}
	if (!limit)
		limit = since < 0 ? 20 : 100;
	return tarnctl_callf(t, "event.list", show_events, "(Ii)", (xmlrpc_int64)since, (int)limit);
}

const struct tarnctl_verb tarnctl_verbs_event[] = {
	{"events", "[--since ID]", "what the agent did: the newest 20, or those after event ID "
				   "(--limit N)", 0, 4, events},
	{NULL, NULL, NULL, 0, 0, NULL},
};
