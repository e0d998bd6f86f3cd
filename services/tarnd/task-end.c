/* Ending a task with an event; see task-end.h. */
#include "task-end.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "event.h"

int tarn_task_end(tarn_store *st, const struct tarn_task *t, const char *state, const char *message)
{
	tarn_err err = "";
	char what[600];
	if (tarn_task_finish(st, t->id, state, message, err)) {
		syslog(LOG_ERR, "task %lld (%s): %s", (long long)t->id, t->kind, err);
		return -1;
	}
	snprintf(what, sizeof what, "task %lld (%s%s%s) %s%s%s", (long long)t->id, t->kind,
		 t->subject[0] ? " " : "", t->subject, state, message[0] ? ": " : "", message);
	tarn_event_add(st, strcmp(state, "failed") == 0 ? "error" : "info", "task", what);
	return 0;
}
