/* The API's method registry, built from the command table. */
#include "registry.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Methods run one at a time. They share the API process's one store
 * connection, where one thread's transaction would take in another's
 * writes (and its rollback would undo them). Parsing, TLS and serialising
 * answers stay parallel; the methods themselves are short. */
static pthread_mutex_t method_lock = PTHREAD_MUTEX_INITIALIZER;

struct binding {
	const struct tarn_cmd *cmd;
	struct tarn_agent *agent;
	int peer; /* in tarn_cmd_pool_peer */
};
static struct binding *bindings; /* one per method, for the registry's life */

static xmlrpc_value *one_at_a_time(xmlrpc_env *env, xmlrpc_value *params, void *info, void *call)
{
	const struct binding *b = info;
	const struct tarn_caller *who = call;
	if (who && who->pool && !b->peer) {
		xmlrpc_env_set_fault_formatted(env, TARN_FAULT_NO_METHOD, "%s is not for pool members", b->cmd->name);
		return NULL;
	}
	pthread_mutex_lock(&method_lock);
	xmlrpc_value *r = b->cmd->fn(env, params, b->agent, call);
	pthread_mutex_unlock(&method_lock);
	/* a guest changed: the engine acts now rather than at its next scan */
	if (r && !env->fault_occurred && b->agent->engine_poke > 0 && strncmp(b->cmd->name, "guest.", 6) == 0 &&
	    write(b->agent->engine_poke, "g", 1) < 0 && errno != EAGAIN)
		fprintf(stderr, "tarnd: cannot wake the engine: %s\n", strerror(errno));
	return r;
}

void tarn_registry_free(xmlrpc_registry *reg)
{
	if (reg)
		xmlrpc_registry_free(reg);
	free(bindings);
	bindings = NULL;
}

xmlrpc_registry *tarn_registry_new(struct tarn_agent *agent, tarn_err err)
{
	size_t count = 0;
	for (int n = 0; tarn_cmd_namespaces[n]; n++)
		for (const struct tarn_cmd *c = tarn_cmd_namespaces[n]; c->name; c++)
			count++;
	free(bindings);
	if (!(bindings = calloc(count, sizeof *bindings))) {
		snprintf(err, TARN_ERRLEN, "API registry: out of memory");
		return NULL;
	}
	struct binding *b = bindings;
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	/* bounds on what a request may make the parser build */
	xmlrpc_limit_set(XMLRPC_NESTING_LIMIT_ID, 32);
	xmlrpc_limit_set(XMLRPC_XML_SIZE_LIMIT_ID, 1 << 20);
	xmlrpc_registry *reg = xmlrpc_registry_new(&env);
	for (int n = 0; !env.fault_occurred && tarn_cmd_namespaces[n]; n++)
		for (const struct tarn_cmd *c = tarn_cmd_namespaces[n]; c->name && !env.fault_occurred; c++) {
			*b = (struct binding){c, agent, tarn_cmd_namespaces[n] == tarn_cmd_pool_peer};
			struct xmlrpc_method_info3 info = {
				.methodName = c->name, .methodFunction = one_at_a_time, .serverInfo = b++,
				.signatureString = c->signature, .help = c->help,
			};
			xmlrpc_registry_add_method3(&env, reg, &info);
		}
	if (env.fault_occurred) {
		snprintf(err, TARN_ERRLEN, "API registry: %s", env.fault_string);
		tarn_registry_free(reg);
		reg = NULL;
	}
	xmlrpc_env_clean(&env);
	return reg;
}

/* Debian's xmlrpc-c 1.33 crashes while wording its own fault for an <i8>
 * that is not a number (found by the fuzzer: "<i8>3x</i8>", out of range,
 * entities). So every <i8> or <ex:i8> must hold plain digits in range,
 * else the request is refused before xmlrpc-c sees it. A CDATA section
 * that merely mentions "<i8>" is refused too: a fault, never a crash. */
static int bad_i8(const char *body, size_t len)
{
	const char *end = body + len;
	for (const char *t = body; (t = memmem(t, (size_t)(end - t), "i8", 2)); t += 2) {
		int opens = (t - body >= 1 && t[-1] == '<') || (t - body >= 4 && memcmp(t - 4, "<ex:", 4) == 0);
		const char *q = t + 2;
		if (!opens || (q < end && (isalnum((unsigned char)*q) || strchr("-_.:", *q))))
			continue; /* a closing tag, or another element whose name starts so */
		if (q >= end || *q != '>')
			return 1; /* attributes, white space or self-closing: not worth the risk */
		const char *num = ++q;
		if (q < end && (*q == '-' || *q == '+'))
			q++;
		const char *digits = q;
		while (q < end && isdigit((unsigned char)*q))
			q++;
		if (q == digits || q - num > 20 || q >= end || *q != '<')
			return 1;
		char buf[24];
		memcpy(buf, num, (size_t)(q - num));
		buf[q - num] = '\0';
		errno = 0;
		(void)strtoll(buf, NULL, 10);
		if (errno)
			return 1;
	}
	return 0;
}

void tarn_registry_process(xmlrpc_env *env, xmlrpc_registry *reg, const char *body, size_t len,
			   xmlrpc_mem_block **out)
{
	tarn_registry_process_as(env, reg, body, len, NULL, out);
}

void tarn_registry_process_as(xmlrpc_env *env, xmlrpc_registry *reg, const char *body, size_t len,
			      const struct tarn_caller *who, xmlrpc_mem_block **out)
{
	if (bad_i8(body, len))
		xmlrpc_env_set_fault(env, TARN_FAULT_PARSE, "an <i8> value must be a whole number in the 64-bit range");
	else
		xmlrpc_registry_process_call2(env, reg, body, len, (void *)who, out);
}
