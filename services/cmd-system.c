/* system.*: liveness and identity. (system.listMethods, methodHelp and
 * methodSignature come with xmlrpc-c's registry.) */
#include <stdlib.h>

#include "cmd.h"

static xmlrpc_value *system_echo(xmlrpc_env *env, xmlrpc_value *params, void *agent, void *call)
{
	(void)agent, (void)call;
	const char *text;
	xmlrpc_decompose_value(env, params, "(s)", &text);
	if (env->fault_occurred)
		return NULL;
	xmlrpc_value *v = xmlrpc_string_new(env, text);
	free((void *)text);
	return v;
}

static xmlrpc_value *system_version(xmlrpc_env *env, xmlrpc_value *params, void *agent, void *call)
{
	(void)params, (void)call;
	const struct tarn_agent *a = agent;
	return xmlrpc_build_value(env, "{s:s,s:s}", "product", "Tarn", "version", a->version);
}

const struct tarn_cmd tarn_cmd_system[] = {
	{"system.echo", "s:s", "Returns its argument: a liveness check through the whole stack.", system_echo},
	{"system.version", "S:", "The product name and version of this agent.", system_version},
	{NULL, NULL, NULL, NULL},
};
