/* Calls to the agent over its local socket; see agent.h. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

enum tarn_call_result tui_callf(struct tui *t, unsigned timeout_s, xmlrpc_value **result, int *fault,
				tarn_err err, const char *method, const char *format, ...)
{
	struct tarn_client_opts o = {.socket = t->p.agent_socket, .timeout_s = timeout_s};
	xmlrpc_env env;
	xmlrpc_value *params = NULL, *r = NULL;
	int code = 0;
	enum tarn_call_result rc = TARN_CALL_FAULT;
	xmlrpc_env_init(&env);
	if (format) {
		const char *tail;
		va_list ap;
		va_start(ap, format);
		xmlrpc_build_value_va(&env, format, ap, &params, &tail);
		va_end(ap);
	}
	if (env.fault_occurred) {
		snprintf(err, TARN_ERRLEN, "cannot make the call %s: %.100s", method, env.fault_string);
	} else {
		tarn_client *c = tarn_client_open(&o, err);
		rc = c ? tarn_client_call(c, method, params, &r, &code, err) : TARN_CALL_UNREACHABLE;
		tarn_client_close(c);
	}
	xmlrpc_env_clean(&env);
	if (params)
		xmlrpc_DECREF(params);
	if (fault)
		*fault = code;
	if (result)
		*result = r;
	else if (r)
		xmlrpc_DECREF(r);
	return rc;
}

const char *tui_member(xmlrpc_value *s, const char *key, char *buf, size_t n)
{
	xmlrpc_env env;
	xmlrpc_value *v = NULL;
	buf[0] = '\0';
	xmlrpc_env_init(&env);
	if (s && xmlrpc_value_type(s) == XMLRPC_TYPE_STRUCT)
		xmlrpc_struct_find_value(&env, s, key, &v);
	if (!env.fault_occurred && v) {
		const char *text;
		xmlrpc_int i;
		xmlrpc_int64 i8;
		xmlrpc_bool b;
		switch (xmlrpc_value_type(v)) {
		case XMLRPC_TYPE_STRING:
			xmlrpc_read_string(&env, v, &text);
			if (!env.fault_occurred) {
				snprintf(buf, n, "%s", text);
				free((void *)text);
			}
			break;
		case XMLRPC_TYPE_INT:
			xmlrpc_read_int(&env, v, &i);
			snprintf(buf, n, "%d", i);
			break;
		case XMLRPC_TYPE_I8:
			xmlrpc_read_i8(&env, v, &i8);
			snprintf(buf, n, "%" PRId64, (int64_t)i8);
			break;
		case XMLRPC_TYPE_BOOL:
			xmlrpc_read_bool(&env, v, &b);
			snprintf(buf, n, "%s", b ? "yes" : "no");
			break;
		default:
			break;
		}
	}
	if (v)
		xmlrpc_DECREF(v);
	xmlrpc_env_clean(&env);
	return buf;
}

long long tui_member_int(xmlrpc_value *s, const char *key)
{
	char buf[32];
	tui_member(s, key, buf, sizeof buf);
	return strcmp(buf, "yes") == 0 ? 1 : strtoll(buf, NULL, 10);
}

int tui_items(xmlrpc_value *a)
{
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	int n = a && xmlrpc_value_type(a) == XMLRPC_TYPE_ARRAY ? xmlrpc_array_size(&env, a) : 0;
	xmlrpc_env_clean(&env);
	return n < 0 ? 0 : n;
}

xmlrpc_value *tui_item(xmlrpc_value *a, int i)
{
	xmlrpc_env env;
	xmlrpc_value *v = NULL;
	xmlrpc_env_init(&env);
	xmlrpc_array_read_item(&env, a, (unsigned)i, &v);
	xmlrpc_env_clean(&env);
	if (v)
		xmlrpc_DECREF(v); /* the array keeps its own reference */
	return v;
}

int tui_task_id(xmlrpc_value *v, const char *method, int *id, tarn_err err)
{
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	xmlrpc_read_int(&env, v, id);
	int bad = env.fault_occurred;
	xmlrpc_env_clean(&env);
	xmlrpc_DECREF(v);
	if (bad)
		snprintf(err, TARN_ERRLEN, "%s did not answer with a task", method);
	return bad ? -1 : 0;
}

static int agent_answers(struct tui *t)
{
	tarn_err ignore;
	return tui_callf(t, 1, NULL, NULL, ignore, "system.version", NULL) == TARN_CALL_OK;
}

int tui_agent_down(struct tui *t, const char *title, const char *why)
{
	char text[TARN_ERRLEN + 600];
	snprintf(text, sizeof text,
		 "The agent (tarnd) is not answering: %s\n\n"
		 "This screen is the agent's work, so it cannot be used until the agent runs again. "
		 "Host settings (network interfaces, host name, DNS and NTP, passwords) can still be "
		 "changed from the main menu: they are kept and applied when the agent runs.\n\n"
		 "r restarts the agent; this screen opens by itself once the agent answers.", why);
	curs_set(0);
	for (;;) {
		tui_frame(t, title, "r: restart the agent  Esc: back  Ctrl-L: redraw");
		tui_print(2, 2, COLS - 4, t->a_err, "The agent is not running or not answering.");
		tui_wrap(4, 2, COLS - 4, LINES - 6, A_NORMAL, text);
		refresh();
		int k = tui_key(t, 2000);
		if (tui_is_back(k) || k == 'q')
			return 0;
		if ((k == 'r' || k == 'R') && tui_restart_agent(t)) {
			tui_frame(t, title, "Esc: stop waiting");
			tui_print(3, 2, COLS - 4, A_BOLD, "Waiting for the agent to answer ...");
			refresh();
			for (int i = 0; i < 20 && !agent_answers(t); i++)
				if (tui_key(t, 500) == TUI_ESC)
					break;
		}
		if (agent_answers(t))
			return 1;
	}
}
