/* The agent's API from the console: calls over its local socket, where
 * root needs no password. Repository, pool and guest actions go this way
 * (the agent does the work); host settings go to the node store directly
 * (tui.h), so they can be changed while the agent is down. */
#ifndef TARN_TUI_AGENT_H
#define TARN_TUI_AGENT_H
#include "client.h"
#include "tui.h"

#define TUI_AGENT_TIMEOUT 10 /* seconds an action may take to be answered */

/* Calls method with parameters built by xmlrpc_build_value from format
 * (an array, "(ss)"; NULL for none), waiting at most timeout_s. On
 * TARN_CALL_OK *result (when result is not NULL) is the caller's to
 * xmlrpc_DECREF; otherwise err says why, and *fault (when not NULL) is a
 * fault's code (XMLRPC_NO_SUCH_METHOD_ERROR: the agent has no such method). */
enum tarn_call_result tui_callf(struct tui *t, unsigned timeout_s, xmlrpc_value **result, int *fault,
				tarn_err err, const char *method, const char *format, ...);

/* Members of an answer's struct: as text (strings, numbers, booleans; ""
 * when absent), and as a number (0 when absent or not a number). */
const char *tui_member(xmlrpc_value *s, const char *key, char *buf, size_t n);
long long tui_member_int(xmlrpc_value *s, const char *key);
/* An array's length (0 when it is not one), and its item i (borrowed). */
int tui_items(xmlrpc_value *a);
xmlrpc_value *tui_item(xmlrpc_value *a, int i);

/* Reads the task id a call that queues work answered with, and releases
 * the answer: 0, or -1 (err says method did not answer with one). */
int tui_task_id(xmlrpc_value *v, const char *method, int *id, tarn_err err);

/* A screen that needs the agent found it not answering (why): says so,
 * says what still works without it, and offers to restart it. Returns 1
 * when the agent answers again (the caller tries again), 0 for Esc. */
int tui_agent_down(struct tui *t, const char *title, const char *why);
/* screen-system.c: asks, then restarts the agent (the System menu's
 * action); 1 when its restart command succeeded. */
int tui_restart_agent(struct tui *t);

/* task-watch.c: follows a queued task with a progress bar until it ends
 * and says how it ended: 1 done, 0 failed or cancelled; -1 when it was
 * left running in the background (Esc) or the agent stopped answering. */
int tui_task_watch(struct tui *t, const char *title, int id);
/* task-list.c: the agent's recent tasks, newest first, refreshed every
 * second until Esc. */
void tui_task_list(struct tui *t);

#endif
