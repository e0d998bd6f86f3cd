/* Queued work: an API call that answers with a task id, shown, or with
 * --wait followed to its end. */
#ifndef TARNCTL_TASK_WAIT_H
#define TARNCTL_TASK_WAIT_H
#include "verb.h"

/* Calls method; then prints the task id, or, when wait, its progress (on
 * stderr) until it ends. EXIT_OK when it is queued or, with wait, done;
 * EXIT_FAULT when it failed or was cancelled. */
int tarnctl_task(struct tarnctl *t, const char *method, xmlrpc_value *params, int wait);

/* tarnctl_task with params built from an xmlrpc-c format ("(ssi)") and
 * its values. */
int tarnctl_taskf(struct tarnctl *t, const char *method, int wait, const char *format, ...);

#endif
