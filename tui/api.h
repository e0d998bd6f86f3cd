/* The agent's API from the console: XML-RPC over the agent's local socket
 * (lib/client.h), where root needs no password. Pool and guest state are
 * the agent's (dqlite), so the screens for them ask it; host settings are
 * the node store's, written directly. */
#ifndef TARN_TUI_API_H
#define TARN_TUI_API_H
#include "client.h"
#include "tui.h"

/* Calls method within timeout_s seconds. On TARN_CALL_OK, *result (when
 * result is not NULL) is the caller's to xmlrpc_DECREF; otherwise err says
 * why: the agent's fault message, or that it cannot be reached. */
enum tarn_call_result tui_call(struct tui *t, const char *method, xmlrpc_value *params,
			       xmlrpc_value **result, unsigned timeout_s, tarn_err err);

/* The same with one or two string arguments (b may be NULL). */
enum tarn_call_result tui_call_strings(struct tui *t, const char *method, const char *a, const char *b,
				       xmlrpc_value **result, unsigned timeout_s, tarn_err err);

#endif
