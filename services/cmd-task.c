/* task.*: the engine's work queue, watched and cancelled. Tasks are asked
 * for by the namespaces that need them (host.reboot ...). */
#include <stdio.h>

#include "cmd.h"
#include "event.h"
#include "task.h"

xmlrpc_value *tarn_cmd_task_value(xmlrpc_env *env, const struct tarn_task *t)
{
	return xmlrpc_build_value(env, "{s:I,s:s,s:s,s:s,s:s,s:i,s:s,s:b,s:I,s:I}", "id", (xmlrpc_int64)t->id,
				  "kind", t->kind, "subject", t->subject, "args", t->args, "state", t->state,
				  "progress", t->progress, "message", t->message, "cancel_requested",
				  (xmlrpc_bool)(t->cancel != 0), "created", (xmlrpc_int64)t->created,
				  "updated", (xmlrpc_int64)t->updated);
}

static int add_task(void *ctx, const struct tarn_task *t)
{
	void **c = ctx;
	xmlrpc_env *env = c[0];
	return tarn_cmd_append(env, c[1], tarn_cmd_task_value(env, t));
}

static xmlrpc_value *task_list(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const struct tarn_agent *a = agent;
	int64_t limit;
	if (tarn_cmd_int_param(env, p, 0, 50, 1, 1000, "limit", &limit))
		return NULL;
	xmlrpc_value *list = xmlrpc_array_new(env);
	void *ctx[2] = {env, list};
	int rc = env->fault_occurred ? -1 : tarn_task_each(a->store, (int)limit, add_task, ctx);
	return tarn_cmd_list_result(env, list, rc, "the tasks");
}

/* The task named by the first parameter, or a fault. */
static int find_task(xmlrpc_env *env, xmlrpc_value *p, const struct tarn_agent *a, struct tarn_task *t)
{
	int64_t id;
	if (tarn_cmd_int_param(env, p, 0, 0, 1, INT64_MAX, "a task id", &id))
		return -1;
	if (tarn_task_get(a->store, id, t) != 0) {
		char msg[64];
		snprintf(msg, sizeof msg, "there is no task %lld", (long long)id);
		xmlrpc_env_set_fault(env, TARN_FAULT_INVALID, msg);
		return -1;
	}
	return 0;
}

static xmlrpc_value *task_get(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	struct tarn_task t;
	return find_task(env, p, agent, &t) ? NULL : tarn_cmd_task_value(env, &t);
}

static xmlrpc_value *task_cancel(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const struct tarn_agent *a = agent;
	struct tarn_task t;
	tarn_err err = "";
	if (find_task(env, p, a, &t))
		return NULL;
	if (tarn_task_cancel(a->store, t.id, err)) {
		xmlrpc_env_set_fault(env, TARN_FAULT_INVALID, err);
		return NULL;
	}
	char msg[200];
	snprintf(msg, sizeof msg, "task %lld (%s) cancel asked for through the API", (long long)t.id, t.kind);
	tarn_event_add(a->store, "info", "task", msg);
	return xmlrpc_bool_new(env, 1);
}

const struct tarn_cmd tarn_cmd_task[] = {
	{"task.list", "A:,A:i", "The newest tasks first, at most limit (default 50, up to 1000).", task_list},
	{"task.get", "S:i", "One task: kind, subject, state (queued, running, done, failed, cancelled), "
			    "progress 0-100 and the latest message.", task_get},
	{"task.cancel", "b:i", "Cancels a queued task, or asks a running one to stop.", task_cancel},
	{NULL, NULL, NULL, NULL},
};
