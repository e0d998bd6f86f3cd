/* tarnctl's queued work: call, then show the task or follow it; see
 * task-wait.h. */
#include "task-wait.h"

#include <stdarg.h>
#include <stdio.h>

static void show_id(xmlrpc_env *env, xmlrpc_value *v)
{
	int id;
	xmlrpc_read_int(env, v, &id);
	if (!env->fault_occurred)
		printf("task %d queued (tarnctl task show %d shows it)\n", id, id);
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
	int bad = env.fault_occurred;
	xmlrpc_DECREF(r);
	xmlrpc_env_clean(&env);
	if (bad) {
		fprintf(stderr, "tarnctl: %s did not answer with a task id\n", method);
		return EXIT_FAULT;
	}
	return tarnctl_task_wait(t, id);
}

int tarnctl_taskf(struct tarnctl *t, const char *method, int wait, const char *format, ...)
{
	xmlrpc_env env;
	xmlrpc_value *p = NULL;
	const char *tail;
	va_list ap;
	xmlrpc_env_init(&env);
	va_start(ap, format);
	xmlrpc_build_value_va(&env, format, ap, &p, &tail);
	va_end(ap);
	int rc = env.fault_occurred ? EXIT_FAULT : tarnctl_task(t, method, p, wait);
	if (p)
		xmlrpc_DECREF(p);
	xmlrpc_env_clean(&env);
	return rc;
}
