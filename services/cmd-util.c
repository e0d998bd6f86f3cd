/* What the namespaces' methods share: reading parameters, building lists
 * (not a namespace: cmd-table.c does not list it). */
#include <inttypes.h>
#include <stdio.h>

#include "cmd.h"

int tarn_cmd_int_param(xmlrpc_env *env, xmlrpc_value *params, int index, int64_t dflt, int64_t min,
		       int64_t max, const char *what, int64_t *out)
{
	*out = dflt;
	int n = xmlrpc_array_size(env, params);
	if (env->fault_occurred || index >= n)
		return env->fault_occurred ? -1 : 0;
	xmlrpc_value *v;
	xmlrpc_array_read_item(env, params, (unsigned)index, &v);
	if (env->fault_occurred)
		return -1;
	if (xmlrpc_value_type(v) == XMLRPC_TYPE_I8) {
		xmlrpc_int64 i;
		xmlrpc_read_i8(env, v, &i);
		*out = i;
	} else {
		int i;
		xmlrpc_read_int(env, v, &i); /* anything else: a type fault naming what was wanted */
		*out = i;
	}
	xmlrpc_DECREF(v);
	if (env->fault_occurred)
		return -1;
	if (*out < min || *out > max) {
		char msg[160];
		snprintf(msg, sizeof msg, "%s must be %" PRId64 "-%" PRId64 ", not %" PRId64, what, min, max, *out);
		xmlrpc_env_set_fault(env, TARN_FAULT_INVALID, msg);
		return -1;
	}
	return 0;
}

int tarn_cmd_append(xmlrpc_env *env, xmlrpc_value *list, xmlrpc_value *item)
{
	if (env->fault_occurred)
		return -1;
	xmlrpc_array_append_item(env, list, item);
	xmlrpc_DECREF(item);
	return env->fault_occurred ? -1 : 0;
}

xmlrpc_value *tarn_cmd_list_result(xmlrpc_env *env, xmlrpc_value *list, int rc, const char *what)
{
	if (rc != 0 && !env->fault_occurred) {
		char msg[120];
		snprintf(msg, sizeof msg, "cannot read %s", what);
		xmlrpc_env_set_fault(env, TARN_FAULT_INTERNAL, msg);
	}
	if (env->fault_occurred && list) {
		xmlrpc_DECREF(list);
		list = NULL;
	}
	return list;
}
