/* The agent's API over its local socket; see api.h. */
#include <stdio.h>

#include "api.h"

enum tarn_call_result tui_call(struct tui *t, const char *method, xmlrpc_value *params,
			       xmlrpc_value **result, unsigned timeout_s, tarn_err err)
{
	struct tarn_client_opts o = {.socket = t->p.agent_socket, .timeout_s = timeout_s};
	xmlrpc_value *r = NULL;
	int fault = 0;
	tarn_client *c = tarn_client_open(&o, err);
	if (!c)
		return TARN_CALL_UNREACHABLE;
	enum tarn_call_result rc = tarn_client_call(c, method, params, &r, &fault, err);
	tarn_client_close(c);
	if (rc == TARN_CALL_OK && result)
		*result = r;
	else if (rc == TARN_CALL_OK)
		xmlrpc_DECREF(r);
	return rc;
}

enum tarn_call_result tui_call_strings(struct tui *t, const char *method, const char *a, const char *b,
				       xmlrpc_value **result, unsigned timeout_s, tarn_err err)
{
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	xmlrpc_value *p = b ? xmlrpc_build_value(&env, "(ss)", a, b) : xmlrpc_build_value(&env, "(s)", a);
	enum tarn_call_result rc = TARN_CALL_FAULT;
	if (env.fault_occurred)
		snprintf(err, TARN_ERRLEN, "cannot build the call: %.100s", env.fault_string);
	else
		rc = tui_call(t, method, p, result, timeout_s, err);
	if (p)
		xmlrpc_DECREF(p);
	xmlrpc_env_clean(&env);
	return rc;
}
