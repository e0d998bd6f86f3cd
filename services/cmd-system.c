/* system.*: liveness, identity and upgrades. (system.listMethods,
 * methodHelp and methodSignature come with xmlrpc-c's registry.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "task.h"

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

/* Queues the upgrade (services/tarnd/system-upgrade.c): ISO is a path on
 * the host or a file name in a repository's iso_pool. */
static xmlrpc_value *system_upgrade(xmlrpc_env *env, xmlrpc_value *params, void *agent, void *call)
{
	(void)call;
	const struct tarn_agent *a = agent;
	const char *iso;
	char args[1100];
	xmlrpc_value *v = NULL;
	xmlrpc_decompose_value(env, params, "(s)", &iso);
	if (env->fault_occurred)
		return NULL;
	if (!*iso || strlen(iso) > 1000 || strpbrk(iso, "\n\r") || *iso == '-')
		xmlrpc_env_set_fault(env, TARN_FAULT_INVALID,
				     "iso: a path on the host or a file name in a repository's iso_pool, "
				     "up to 1000 characters on one line");
	else {
		snprintf(args, sizeof args, "iso=%s\n", iso);
		v = tarn_cmd_queue_task(env, a, "system.upgrade", "host", args);
	}
	free((void *)iso);
	return v;
}

const struct tarn_cmd tarn_cmd_system[] = {
	{"system.echo", "s:s", "Returns its argument: a liveness check through the whole stack.", system_echo},
	{"system.version", "S:", "The product name and version of this agent.", system_version},
	{"system.upgrade", "i:s", "Writes a Tarn ISO (a path on the host, or a file in a repository's iso_pool) "
				  "into the boot slot not in use, to be tried once at the next boot; returns a task id.",
	 system_upgrade},
	{NULL, NULL, NULL, NULL},
};
