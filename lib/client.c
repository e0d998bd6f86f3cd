/* The agent's API client; see client.h. */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xmlrpc-c/client.h>

struct tarn_client {
	xmlrpc_client *x;
	xmlrpc_server_info *server;
};

tarn_client *tarn_client_open(const struct tarn_client_opts *o, tarn_err err)
{
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	tarn_client *c = calloc(1, sizeof *c);
	char url[300];
	const char *host = o->host ? o->host : "127.0.0.1";
	snprintf(url, sizeof url, strchr(host, ':') ? "https://[%s]:%d/RPC2" : "https://%s:%d/RPC2",
		 host, o->port ? o->port : 8899);
	struct xmlrpc_curl_xportparms curl = {
		.cainfo = o->cafile,
		.no_ssl_verifypeer = o->insecure,
		/* the certificate names the host; callers often dial an address */
		.no_ssl_verifyhost = 1,
		.timeout = (o->timeout_s ? o->timeout_s : 30) * 1000,
		.user_agent = "tarnctl",
	};
	struct xmlrpc_clientparms parms = {
		.transport = "curl", .transportparmsP = &curl, .transportparm_size = XMLRPC_CXPSIZE(referer),
	};
	if (!c)
		goto fail;
	xmlrpc_client_setup_global_const(&env);
	if (!env.fault_occurred)
		xmlrpc_client_create(&env, XMLRPC_CLIENT_NO_FLAGS, "tarnctl", "1", &parms,
				     XMLRPC_CPSIZE(progressFn), &c->x);
	if (!env.fault_occurred)
		c->server = xmlrpc_server_info_new(&env, url);
	if (!env.fault_occurred)
		xmlrpc_server_info_set_user(&env, c->server, o->user ? o->user : "admin",
					    o->password ? o->password : "");
	if (!env.fault_occurred)
		xmlrpc_server_info_allow_auth_basic(&env, c->server);
	if (!env.fault_occurred) {
		xmlrpc_env_clean(&env);
		return c;
	}
fail:
	snprintf(err, TARN_ERRLEN, "API client: %s", env.fault_occurred ? env.fault_string : "out of memory");
	xmlrpc_env_clean(&env);
	tarn_client_close(c);
	return NULL;
}

void tarn_client_close(tarn_client *c)
{
	if (!c)
		return;
	if (c->server)
		xmlrpc_server_info_free(c->server);
	if (c->x)
		xmlrpc_client_destroy(c->x);
	xmlrpc_client_teardown_global_const();
	free(c);
}

enum tarn_call_result tarn_client_call(tarn_client *c, const char *method, xmlrpc_value *params,
				       xmlrpc_value **result, int *fault_code, tarn_err err)
{
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	xmlrpc_value *none = NULL;
	if (!params)
		params = none = xmlrpc_array_new(&env);
	xmlrpc_client_call2(&env, c->x, c->server, method, params, result);
	if (none)
		xmlrpc_DECREF(none);
	enum tarn_call_result rc = TARN_CALL_OK;
	if (env.fault_occurred) {
		/* xmlrpc-c reports transport trouble as fault -504 (XMLRPC_NETWORK_ERROR) */
		if (env.fault_code == XMLRPC_NETWORK_ERROR) {
			rc = TARN_CALL_UNREACHABLE;
			if (strstr(env.fault_string, "401"))
				snprintf(err, TARN_ERRLEN, "the agent refused the login: wrong password?");
			else if (strstr(env.fault_string, "429"))
				snprintf(err, TARN_ERRLEN, "too many failed logins from here: wait and retry");
			else
				snprintf(err, TARN_ERRLEN, "cannot reach the agent: %.120s", env.fault_string);
		} else {
			rc = TARN_CALL_FAULT;
			*fault_code = env.fault_code;
			/* xmlrpc-c's own words before the agent's say nothing */
			const char *msg = env.fault_string, *prefix = "RPC failed at server.";
			if (strncmp(msg, prefix, strlen(prefix)) == 0)
				msg += strspn(msg + strlen(prefix), " ") + strlen(prefix);
			snprintf(err, TARN_ERRLEN, "%s", msg);
		}
	}
	xmlrpc_env_clean(&env);
	return rc;
}
