/* tarnctl's tasks: queue, then show or follow; see task-wait.h. Reads
 * tasks through repo.taskInfo until a task.* namespace serves them all. */
#include "task-wait.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xmlrpc-c/json.h>

static void show_id(xmlrpc_env *env, xmlrpc_value *v)
{
	int id;
	xmlrpc_read_int(env, v, &id);
	if (!env->fault_occurred)
		printf("task %d queued (tarnctl repo task %d shows it)\n", id, id);
}

static void print_json(xmlrpc_value *v)
{
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	xmlrpc_mem_block *out = xmlrpc_mem_block_new(&env, 0);
	if (!env.fault_occurred)
		xmlrpc_serialize_json(&env, v, out);
	if (!env.fault_occurred)
		printf("%.*s\n", (int)xmlrpc_mem_block_size(out), (const char *)xmlrpc_mem_block_contents(out));
	if (out)
		xmlrpc_mem_block_free(out);
	xmlrpc_env_clean(&env);
}

/* One look at the task: its state, progress and message. */
static int look(struct tarnctl *t, int id, char *state, size_t len, int *progress, char *msg, size_t msglen,
		xmlrpc_value **raw)
{
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	xmlrpc_value *p = xmlrpc_build_value(&env, "(i)", id), *r = NULL;
	int fault, rc = EXIT_FAULT;
	tarn_err err = "";
	enum tarn_call_result c = env.fault_occurred ? TARN_CALL_FAULT
						     : tarn_client_call(t->client, "repo.taskInfo", p, &r, &fault, err);
	if (c == TARN_CALL_OK) {
		const char *s, *m;
		xmlrpc_decompose_value(&env, r, "{s:s,s:i,s:s,*}", "state", &s, "progress", progress, "message", &m);
		if (!env.fault_occurred) {
			snprintf(state, len, "%s", s);
			snprintf(msg, msglen, "%s", m);
			free((void *)s);
			free((void *)m);
			rc = EXIT_OK;
		}
		*raw = r;
	} else {
		fprintf(stderr, "tarnctl: %s\n", err);
		rc = c == TARN_CALL_UNREACHABLE ? EXIT_UNREACHABLE : EXIT_FAULT;
	}
	if (p)
		xmlrpc_DECREF(p);
	xmlrpc_env_clean(&env);
	return rc;
}

int tarnctl_task(struct tarnctl *t, const char *method, xmlrpc_value *params, int wait)
{
	if (!wait)
		return tarnctl_call(t, method, params, show_id);
	xmlrpc_value *r = NULL;
	int fault, id = 0;
	tarn_err err = "";
	enum tarn_call_result c = tarn_client_call(t->client, method, params, &r, &fault, err);
	if (c != TARN_CALL_OK) {
		fprintf(stderr, "tarnctl: %s\n", err);
		return c == TARN_CALL_UNREACHABLE ? EXIT_UNREACHABLE : EXIT_FAULT;
	}
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	xmlrpc_read_int(&env, r, &id);
	xmlrpc_DECREF(r);
	xmlrpc_env_clean(&env);
	char state[16] = "", msg[256] = "", shown[300] = "";
	int progress = 0, rc;
	for (;;) {
		xmlrpc_value *raw = NULL;
		if ((rc = look(t, id, state, sizeof state, &progress, msg, sizeof msg, &raw)) != EXIT_OK)
			return rc;
		int ended = strcmp(state, "queued") && strcmp(state, "running");
		char line[300];
		snprintf(line, sizeof line, "task %d: %s %d%% %s", id, state, progress, msg);
		if (strcmp(line, shown) && !ended)
			fprintf(stderr, "%s\n", strcpy(shown, line));
		if (ended) {
			if (t->json)
				print_json(raw);
			else
				printf("task %d %s: %s\n", id, state, msg);
			xmlrpc_DECREF(raw);
			return strcmp(state, "done") == 0 ? EXIT_OK : EXIT_FAULT;
		}
		xmlrpc_DECREF(raw);
		usleep(300 * 1000);
	}
}

/* Builds the params, then calls method as a task (task) or not. */
static int callv(struct tarnctl *t, const char *method, void (*show)(xmlrpc_env *, xmlrpc_value *), int task,
		 int wait, const char *format, va_list ap)
{
	xmlrpc_env env;
	xmlrpc_value *p = NULL;
	const char *tail;
	xmlrpc_env_init(&env);
	xmlrpc_build_value_va(&env, format, ap, &p, &tail);
	int rc = env.fault_occurred ? EXIT_FAULT
		 : task		    ? tarnctl_task(t, method, p, wait)
				    : tarnctl_call(t, method, p, show);
	if (p)
		xmlrpc_DECREF(p);
	xmlrpc_env_clean(&env);
	return rc;
}

int tarnctl_callf(struct tarnctl *t, const char *method, void (*show)(xmlrpc_env *env, xmlrpc_value *result),
		  const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	int rc = callv(t, method, show, 0, 0, format, ap);
	va_end(ap);
	return rc;
}

int tarnctl_taskf(struct tarnctl *t, const char *method, int wait, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	int rc = callv(t, method, NULL, 1, wait, format, ap);
	va_end(ap);
	return rc;
}
