/* The agent's API client; see client.h. */
#include "client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xmlrpc-c/client.h>

#define MAX_ANSWER (64u << 20)

struct tarn_client {
	xmlrpc_client *x;         /* HTTPS */
	xmlrpc_server_info *server;
	int global;               /* xmlrpc-c's global set-up was made */
	CURL *local;              /* or the local socket */
	char socket[108];
	struct curl_slist *headers;
};

struct answer {
	char *data;
	size_t len;
};

static size_t take(char *data, size_t size, size_t n, void *ctx)
{
	struct answer *a = ctx;
	size_t len = size * n;
	if (a->len + len > MAX_ANSWER)
		return 0; /* curl then fails the transfer */
	char *d = realloc(a->data, a->len + len + 1);
	if (!d)
		return 0;
	memcpy(d + a->len, data, len);
	a->data = d;
	a->len += len;
	return len;
}

static tarn_client *open_local(const struct tarn_client_opts *o, tarn_client *c, tarn_err err)
{
	if (!(c->local = curl_easy_init()) ||
	    !(c->headers = curl_slist_append(NULL, "Content-Type: text/xml"))) {
		snprintf(err, TARN_ERRLEN, "API client: cannot set up libcurl");
		tarn_client_close(c);
		return NULL;
	}
	CURL *h = c->local;
	snprintf(c->socket, sizeof c->socket, "%s", o->socket);
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, o->socket);
	curl_easy_setopt(h, CURLOPT_URL, "http://localhost/RPC2");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "tarnctl");
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)(o->timeout_s ? o->timeout_s : 30));
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, take);
	if (o->password) { /* root is let in without one */
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, o->user ? o->user : "admin");
		curl_easy_setopt(h, CURLOPT_PASSWORD, o->password);
	}
	return c;
}

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
	if (o->socket)
		return open_local(o, c, err);
	xmlrpc_client_setup_global_const(&env);
	c->global = !env.fault_occurred;
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
	if (c->local)
		curl_easy_cleanup(c->local);
	curl_slist_free_all(c->headers);
	if (c->global)
		xmlrpc_client_teardown_global_const();
	free(c);
}

/* One call over the local socket: xmlrpc-c serialises and parses, libcurl
 * carries. Transport trouble is reported as xmlrpc-c's would be. */
static void call_local(xmlrpc_env *env, tarn_client *c, const char *method, xmlrpc_value *params,
		       xmlrpc_value **result)
{
	xmlrpc_mem_block *body = xmlrpc_mem_block_new(env, 0);
	struct answer a = {NULL, 0};
	if (!env->fault_occurred)
		xmlrpc_serialize_call(env, body, method, params);
	if (!env->fault_occurred) {
		curl_easy_setopt(c->local, CURLOPT_POSTFIELDS, xmlrpc_mem_block_contents(body));
		curl_easy_setopt(c->local, CURLOPT_POSTFIELDSIZE, (long)xmlrpc_mem_block_size(body));
		curl_easy_setopt(c->local, CURLOPT_WRITEDATA, &a);
		CURLcode rc = curl_easy_perform(c->local);
		long status = 0;
		curl_easy_getinfo(c->local, CURLINFO_RESPONSE_CODE, &status);
		if (rc != CURLE_OK)
			xmlrpc_env_set_fault_formatted(env, XMLRPC_NETWORK_ERROR, "%s", curl_easy_strerror(rc));
		else if (status != 200)
			xmlrpc_env_set_fault_formatted(env, XMLRPC_NETWORK_ERROR, "HTTP response code is %ld", status);
	}
	if (!env->fault_occurred) {
		int code = 0;
		const char *msg = NULL;
		xmlrpc_parse_response2(env, a.data ? a.data : "", a.len, result, &code, &msg);
		if (!env->fault_occurred && msg) {
			xmlrpc_env_set_fault(env, code, msg);
			free((void *)msg);
		}
	}
	free(a.data);
	if (body)
		xmlrpc_mem_block_free(body);
}

enum tarn_call_result tarn_client_call(tarn_client *c, const char *method, xmlrpc_value *params,
				       xmlrpc_value **result, int *fault_code, tarn_err err)
{
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	xmlrpc_value *none = NULL;
	if (!params)
		params = none = xmlrpc_array_new(&env);
	if (c->local)
		call_local(&env, c, method, params, result);
	else
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
			else if (c->local)
				snprintf(err, TARN_ERRLEN, "cannot reach the agent on %.60s: %.70s", c->socket,
					 env.fault_string);
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
