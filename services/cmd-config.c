/* config.*: this host's whole configuration: a backup file (backup.h),
 * restoring one, and going back to defaults. The file travels as base64,
 * so a damaged one reaches the checksum whatever bytes it holds (an XML
 * string could not carry them). */
#include <stdio.h>
#include <stdlib.h>

#include "backup.h"
#include "cmd.h"

static xmlrpc_value *refuse(xmlrpc_env *env, const char *msg)
{
	xmlrpc_env_set_fault(env, TARN_FAULT_INVALID, msg);
	return NULL;
}

static xmlrpc_value *config_backup(xmlrpc_env *env, xmlrpc_value *params, void *agent, void *call)
{
	(void)params, (void)call;
	const struct tarn_agent *a = agent;
	char made_by[96];
	size_t len;
	tarn_err err = "";
	snprintf(made_by, sizeof made_by, "Tarn %s", a->version);
	char *text = tarn_backup_make(a->store, made_by, &len, err);
	if (!text) {
		xmlrpc_env_set_fault(env, TARN_FAULT_INTERNAL, err);
		return NULL;
	}
	xmlrpc_value *v = xmlrpc_base64_new(env, len, (const unsigned char *)text);
	free(text);
	return v;
}

/* The backup: base64, or a string from a caller who has the text. */
static int read_backup(xmlrpc_env *env, xmlrpc_value *params, const unsigned char **data, size_t *len)
{
	xmlrpc_value *v;
	if (xmlrpc_array_size(env, params) < 1 && !env->fault_occurred)
		xmlrpc_env_set_fault(env, TARN_FAULT_TYPE, "config.restore takes the backup file");
	if (env->fault_occurred)
		return -1;
	xmlrpc_array_read_item(env, params, 0, &v);
	if (env->fault_occurred)
		return -1;
	if (xmlrpc_value_type(v) == XMLRPC_TYPE_STRING)
		xmlrpc_read_string_lp(env, v, len, (const char **)data);
	else
		xmlrpc_read_base64(env, v, len, data);
	xmlrpc_DECREF(v);
	return env->fault_occurred ? -1 : 0;
}

static xmlrpc_value *config_restore(xmlrpc_env *env, xmlrpc_value *params, void *agent, void *call)
{
	(void)call;
	const struct tarn_agent *a = agent;
	const unsigned char *data;
	size_t len;
	int64_t confirm;
	tarn_err err = "";
	if (tarn_cmd_int_param(env, params, 1, 0, 0, 3600, "confirm", &confirm) ||
	    read_backup(env, params, &data, &len))
		return NULL;
	int rc = tarn_backup_restore(a->store, (const char *)data, len, (long)confirm, err);
	free((void *)data);
	if (rc)
		return refuse(env, err);
	return xmlrpc_build_value(env, "{s:i}", "trial", (int)confirm);
}

static xmlrpc_value *config_reset(xmlrpc_env *env, xmlrpc_value *params, void *agent, void *call)
{
	(void)params, (void)call;
	const struct tarn_agent *a = agent;
	tarn_err err = "";
	if (tarn_store_reset(a->store, err))
		return refuse(env, err);
	return xmlrpc_bool_new(env, 1);
}

const struct tarn_cmd tarn_cmd_config[] = {
	{"config.backup", "6:", "This host's configuration (settings, network, repositories' definitions, "
				"password hashes) as one file, in base64.", config_backup},
	{"config.restore", "S:6,S:6i,S:s,S:si", "Replaces this host's configuration by a backup's, checked "
						  "whole first; confirm: seconds to confirm the network part in "
						  "(net.confirm). Answers {trial}.", config_restore},
	{"config.reset", "b:", "Host name, DNS, NTP and network back to a new host's (xenbr0 by DHCP); the "
			       "passwords and repositories are kept.", config_reset},
	{NULL, NULL, NULL, NULL},
};
