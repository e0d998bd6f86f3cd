/* The API's method registry, built from the command table. */
#include "registry.h"

#include <stdio.h>

xmlrpc_registry *tarn_registry_new(struct tarn_agent *agent, tarn_err err)
{
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	/* bounds on what a request may make the parser build */
	xmlrpc_limit_set(XMLRPC_NESTING_LIMIT_ID, 32);
	xmlrpc_limit_set(XMLRPC_XML_SIZE_LIMIT_ID, 1 << 20);
	xmlrpc_registry *reg = xmlrpc_registry_new(&env);
	for (int n = 0; !env.fault_occurred && tarn_cmd_namespaces[n]; n++)
		for (const struct tarn_cmd *c = tarn_cmd_namespaces[n]; c->name && !env.fault_occurred; c++) {
			struct xmlrpc_method_info3 info = {
				.methodName = c->name, .methodFunction = c->fn, .serverInfo = agent,
				.signatureString = c->signature, .help = c->help,
			};
			xmlrpc_registry_add_method3(&env, reg, &info);
		}
	if (env.fault_occurred) {
		snprintf(err, TARN_ERRLEN, "API registry: %s", env.fault_string);
		if (reg)
			xmlrpc_registry_free(reg);
		reg = NULL;
	}
	xmlrpc_env_clean(&env);
	return reg;
}
