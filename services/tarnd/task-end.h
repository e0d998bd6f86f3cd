/* How the engine ends a task: the task's final state, and an event that
 * says so, so the log tells what the engine did and how it went. */
#ifndef TARN_TASK_END_H
#define TARN_TASK_END_H
#include "task.h"

/* state: "done", "failed" or "cancelled". Returns 0, or -1 (logged). */
int tarn_task_end(tarn_store *st, const struct tarn_task *t, const char *state, const char *message);

#endif
