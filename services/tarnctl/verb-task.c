/* tarnctl task list [N] | show ID | cancel ID | wait ID */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verb.h"

struct task {
	xmlrpc_int64 id;
	const char *kind, *subject, *state, *message;
	int progress;
};

static int read_task(xmlrpc_env *env, xmlrpc_value *v, struct task *k)
{
	xmlrpc_decompose_value(env, v, "{s:I,s:s,s:s,s:s,s:s,s:i,*}", "id", &k->id, "kind", &k->kind, "subject",
			       &k->subject, "state", &k->state, "message", &k->message, "progress", &k->progress);
	return env->fault_occurred ? -1 : 0;
}

static void free_task(struct task *k)
{
	free((void *)k->kind), free((void *)k->subject), free((void *)k->state), free((void *)k->message);
}

static void show_row(const struct task *k)
{
	char what[200];
	snprintf(what, sizeof what, "%s%s%s", k->kind, k->subject[0] ? " " : "", k->subject);
	printf("%-6lld %-28s %-9s %3d%%  %s\n", (long long)k->id, what, k->state, k->progress, k->message);
}

static void show_list(xmlrpc_env *env, xmlrpc_value *list)
{
	int n = xmlrpc_array_size(env, list);
	printf("%-6s %-28s %-9s %4s  %s\n", "ID", "TASK", "STATE", "DONE", "MESSAGE");
	for (int i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_value *item;
		struct task k;
		xmlrpc_array_read_item(env, list, (unsigned)i, &item);
		if (env->fault_occurred)
			return;
		if (read_task(env, item, &k) == 0) {
			show_row(&k);
			free_task(&k);
		}
		xmlrpc_DECREF(item);
	}
}

/* ID from the command line; -1 (after a usage message) when it is not one. */
static long long task_id(const char *arg)
{
	char *end;
	long long id = strtoll(arg, &end, 10);
	if (*arg && !*end && id > 0)
		return id;
	fprintf(stderr, "tarnctl: %s is not a task id (a number from tarnctl task list)\n", arg);
	return -1;
}

static int call_id(struct tarnctl *t, const char *method, long long id,
		   void (*show)(xmlrpc_env *env, xmlrpc_value *result))
{
	return tarnctl_callf(t, method, show, "(I)", (xmlrpc_int64)id);
}

/* Follows a task until it ends, printing its progress as it changes. The
 * exit code is the task's: 0 done, 1 failed or cancelled. */
int tarnctl_task_wait(struct tarnctl *t, long long id)
{
	char last[400] = "";
	struct timespec pause = {0, 250 * 1000 * 1000};
	for (;;) {
		xmlrpc_env env;
		xmlrpc_env_init(&env);
		xmlrpc_value *p = xmlrpc_build_value(&env, "(I)", (xmlrpc_int64)id), *v = NULL;
		int fault = 0, ended = 0, ok = 0;
		tarn_err err = "";
		enum tarn_call_result r = env.fault_occurred ? TARN_CALL_FAULT
				: tarn_client_call(t->client, "task.get", p, &v, &fault, err);
		struct task k;
		if (r == TARN_CALL_OK && read_task(&env, v, &k) == 0) {
			char now[400];
			snprintf(now, sizeof now, "%s %d%% %s", k.state, k.progress, k.message);
			if (!t->json && strcmp(now, last) != 0)
				printf("%-9s %3d%%  %s\n", k.state, k.progress, k.message);
			snprintf(last, sizeof last, "%s", now);
			ended = strcmp(k.state, "queued") != 0 && strcmp(k.state, "running") != 0;
			ok = strcmp(k.state, "done") == 0;
			free_task(&k);
		}
		if (v)
			xmlrpc_DECREF(v);
		if (p)
			xmlrpc_DECREF(p);
		xmlrpc_env_clean(&env);
		if (r != TARN_CALL_OK || (ended && t->json)) {
			/* an error, or the final task for --json, is printed the usual way */
			int rc = call_id(t, "task.get", id, NULL);
			return rc != EXIT_OK ? rc : ok ? EXIT_OK : EXIT_FAULT;
		}
		if (ended)
			return ok ? EXIT_OK : EXIT_FAULT;
		fflush(stdout);
		nanosleep(&pause, NULL);
	}
}

static int task(struct tarnctl *t, int argc, char **argv)
{
	const char *what = argv[0];
	if (strcmp(what, "list") == 0 && argc <= 2) {
		long long n = argc == 2 ? task_id(argv[1]) : 50;
		if (n < 0)
			return EXIT_USAGE;
		return tarnctl_callf(t, "task.list", show_list, "(i)", (int)(n > 1000 ? 1000 : n));
	}
	long long id = argc == 2 ? task_id(argv[1]) : -1;
	if (id > 0 && strcmp(what, "show") == 0)
		return call_id(t, "task.get", id, NULL);
	if (id > 0 && strcmp(what, "cancel") == 0)
		return call_id(t, "task.cancel", id, NULL);
	if (id > 0 && strcmp(what, "wait") == 0)
		return tarnctl_task_wait(t, id);
	fprintf(stderr, "usage: tarnctl task list [N] | show ID | cancel ID | wait ID\n");
	return EXIT_USAGE;
}

const struct tarnctl_verb tarnctl_verbs_task[] = {
	{"task", "list|show|cancel|wait", "the engine's tasks: list [N], show ID, cancel ID, wait ID "
					  "(until it ends; exit 0 when done)", 1, 2, task},
	{NULL, NULL, NULL, 0, 0, NULL},
};
