/* event.*: what the agent did, oldest first, to follow from an id on. */
#include <stdlib.h>

#include "cmd.h"
#include "event.h"

static int add_event(void *ctx, int64_t id, int64_t at, const char *level, const char *subject,
		     const char *message)
{
	void **c = ctx;
	xmlrpc_env *env = c[0];
	return tarn_cmd_append(env, c[1], xmlrpc_build_value(env, "{s:I,s:I,s:s,s:s,s:s}", "id",
							     (xmlrpc_int64)id, "at", (xmlrpc_int64)at,
							     "level", level, "subject", subject,
							     "message", message));
}

/* Finds the id after which only the newest limit events remain. */
struct newest {
	int64_t ids[1000];
	int n;
};

static int note_id(void *ctx, int64_t id, int64_t at, const char *level, const char *subject,
		   const char *message)
{
	(void)at, (void)level, (void)subject, (void)message;
	struct newest *w = ctx;
	w->ids[w->n++ % 1000] = id;
	return 0;
}

static int64_t since_for_newest(tarn_store *st, int64_t limit)
{
	struct newest *w = calloc(1, sizeof *w);
	int64_t since = 0;
	/* the log keeps 1000 events, so one pass sees them all */
	if (w && tarn_event_each(st, 0, 1000, note_id, w) == 0 && w->n > limit)
		since = w->ids[(w->n - limit - 1) % 1000];
	free(w);
	return since;
}

static xmlrpc_value *event_list(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const struct tarn_agent *a = agent;
	int64_t since, limit;
	if (tarn_cmd_int_param(env, p, 0, 0, -1, INT64_MAX, "since_id", &since) ||
	    tarn_cmd_int_param(env, p, 1, 100, 1, 1000, "limit", &limit))
		return NULL;
	if (since < 0)
		since = since_for_newest(a->store, limit);
	xmlrpc_value *list = xmlrpc_array_new(env);
	void *ctx[2] = {env, list};
	int rc = env->fault_occurred ? -1 : tarn_event_each(a->store, since, (int)limit, add_event, ctx);
	return tarn_cmd_list_result(env, list, rc, "the event log");
}

const struct tarn_cmd tarn_cmd_event[] = {
	{"event.list", "A:,A:i,A:ii", "Events with an id above since_id (default 0; -1: the newest limit "
				      "events), oldest first, at most limit (default 100, up to 1000): id, "
				      "at (Unix time), level, subject, message.", event_list},
	{NULL, NULL, NULL, NULL},
};
