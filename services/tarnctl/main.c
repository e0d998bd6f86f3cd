/* tarnctl: the command line over the agent's API.
 *
 *   tarnctl [--host H] [--port N] [--cacert FILE | --insecure] [--socket PATH] [--json] VERB [ARGS]
 *
 * Without --host, the agent's local socket is used when it is there (root
 * needs no password on it); else HTTPS to 127.0.0.1. The password comes
 * from $TARN_PASSWORD, --password-file, or a prompt.
 * Exit codes: 0 done, 1 the agent refused (a fault), 2 usage, 3 the agent
 * could not be reached or the login failed. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xmlrpc-c/json.h>

#include "verb.h"

#define DEFAULT_CACERT "/var/lib/tarn/tls/cert.pem"

int tarnctl_election_wait(time_t *since)
{
	if (!*since)
		*since = time(NULL);
	return time(NULL) - *since < 30;
}

void tarnctl_show(xmlrpc_env *env, xmlrpc_value *v)
{
	switch (xmlrpc_value_type(v)) {
	case XMLRPC_TYPE_STRUCT: {
		int n = xmlrpc_struct_size(env, v);
		for (int i = 0; i < n && !env->fault_occurred; i++) {
			xmlrpc_value *k, *val;
			const char *key;
			xmlrpc_struct_read_member(env, v, (unsigned)i, &k, &val);
			if (env->fault_occurred)
				break;
			xmlrpc_read_string(env, k, &key);
			if (!env->fault_occurred) {
				printf("%-20s ", key);
				tarnctl_show(env, val);
				free((void *)key);
			}
			xmlrpc_DECREF(k);
			xmlrpc_DECREF(val);
		}
		break;
	}
	case XMLRPC_TYPE_ARRAY: {
		int n = xmlrpc_array_size(env, v);
		for (int i = 0; i < n && !env->fault_occurred; i++) {
			xmlrpc_value *item;
			xmlrpc_array_read_item(env, v, (unsigned)i, &item);
			if (!env->fault_occurred) {
				tarnctl_show(env, item);
				xmlrpc_DECREF(item);
			}
		}
		break;
	}
	default: {
		xmlrpc_mem_block *out = xmlrpc_mem_block_new(env, 0);
		if (env->fault_occurred)
			break;
		xmlrpc_serialize_json(env, v, out);
		if (!env->fault_occurred) {
			const char *s = xmlrpc_mem_block_contents(out);
			size_t len = xmlrpc_mem_block_size(out);
			/* strings print without their JSON quotes */
			if (len >= 2 && s[0] == '"')
				printf("%.*s\n", (int)len - 2, s + 1);
			else
				printf("%.*s\n", (int)len, s);
		}
		xmlrpc_mem_block_free(out);
	}
	}
}

int tarnctl_call(struct tarnctl *t, const char *method, xmlrpc_value *params,
		 void (*show)(xmlrpc_env *env, xmlrpc_value *result))
{
	xmlrpc_value *result = NULL;
	int fault = 0;
	tarn_err err = "";
	enum tarn_call_result r = tarn_client_call(t->client, method, params, &result, &fault, err);
	if (r == TARN_CALL_UNREACHABLE) {
		fprintf(stderr, "tarnctl: %s\n", err);
		return EXIT_UNREACHABLE;
	}
	if (r == TARN_CALL_FAULT) {
		if (t->json)
			printf("{\"fault\":{\"code\":%d,\"message\":\"%s\"}}\n", fault, "see stderr");
		fprintf(stderr, "tarnctl: %s (fault %d)\n", err, fault);
		return EXIT_FAULT;
	}
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	if (t->json) {
		xmlrpc_mem_block *out = xmlrpc_mem_block_new(&env, 0);
		if (!env.fault_occurred)
			xmlrpc_serialize_json(&env, result, out);
		if (!env.fault_occurred)
			printf("%.*s\n", (int)xmlrpc_mem_block_size(out),
			       (const char *)xmlrpc_mem_block_contents(out));
		if (out)
			xmlrpc_mem_block_free(out);
	} else {
		(show ? show : tarnctl_show)(&env, result);
	}
	int rc = env.fault_occurred ? EXIT_FAULT : EXIT_OK;
	if (env.fault_occurred)
		fprintf(stderr, "tarnctl: cannot show the answer: %s\n", env.fault_string);
	xmlrpc_env_clean(&env);
	xmlrpc_DECREF(result);
	return rc;
}

int tarnctl_callf(struct tarnctl *t, const char *method, void (*show)(xmlrpc_env *env, xmlrpc_value *result),
		  const char *format, ...)
{
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	va_list ap;
	va_start(ap, format);
	xmlrpc_value *p = NULL;
	const char *tail;
	xmlrpc_build_value_va(&env, format, ap, &p, &tail);
	va_end(ap);
	int rc = env.fault_occurred ? EXIT_FAULT : tarnctl_call(t, method, p, show);
	if (env.fault_occurred)
		fprintf(stderr, "tarnctl: cannot build the call: %s\n", env.fault_string);
	if (p)
		xmlrpc_DECREF(p);
	xmlrpc_env_clean(&env);
	return rc;
}

int tarnctl_call_strings(struct tarnctl *t, const char *method, int n, char **args,
			 void (*show)(xmlrpc_env *env, xmlrpc_value *result))
{
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	xmlrpc_value *p = xmlrpc_array_new(&env);
	for (int i = 0; i < n && !env.fault_occurred; i++) {
		xmlrpc_value *s = xmlrpc_string_new(&env, args[i]);
		if (s) {
			xmlrpc_array_append_item(&env, p, s);
			xmlrpc_DECREF(s);
		}
	}
	int rc = env.fault_occurred ? EXIT_FAULT : tarnctl_call(t, method, p, show);
	if (p)
		xmlrpc_DECREF(p);
	xmlrpc_env_clean(&env);
	return rc;
}

int tarnctl_call_string(struct tarnctl *t, const char *method, const char *arg)
{
	return tarnctl_callf(t, method, NULL, "(s)", arg);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: tarnctl [--host H] [--port N] [--cacert FILE | --insecure] [--socket PATH]\n"
		   "               [--json] [--password-file FILE] VERB [ARGS]\n\nverbs:\n");
	for (int n = 0; tarnctl_verbs[n]; n++)
		for (const struct tarnctl_verb *v = tarnctl_verbs[n]; v->name; v++)
			fprintf(f, "  %-10s %-12s %s\n", v->name, v->args, v->help);
	fprintf(f, "\nWithout --host, the agent's local socket (" TARN_CLIENT_SOCKET ") is used when it is\n"
		   "there; root needs no password on it. The password is read from $TARN_PASSWORD,\n"
		   "--password-file, or asked for.\n");
}

static char *read_password(const char *file)
{
	char buf[300];
	const char *env = getenv("TARN_PASSWORD");
	if (file) {
		FILE *f = fopen(file, "re");
		if (!f || !fgets(buf, sizeof buf, f)) {
			if (f)
				fclose(f);
			return NULL;
		}
		fclose(f);
	} else if (env) {
		snprintf(buf, sizeof buf, "%s", env);
	} else if (isatty(STDIN_FILENO)) {
		char *p = getpass("agent password: ");
		snprintf(buf, sizeof buf, "%s", p ? p : "");
	} else {
		return NULL;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	return strdup(buf);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"host", required_argument, NULL, 'H'}, {"port", required_argument, NULL, 'p'},
		{"cacert", required_argument, NULL, 'c'}, {"insecure", no_argument, NULL, 'k'},
		{"json", no_argument, NULL, 'j'}, {"password-file", required_argument, NULL, 'w'},
		{"socket", required_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct tarn_client_opts co = {0};
	struct tarnctl t = {0};
	const char *password_file = NULL;
	int o;
	while ((o = getopt_long(argc, argv, "+H:p:c:kjw:s:h", opts, NULL)) != -1) {
		switch (o) {
		case 'H': co.host = optarg; break;
		case 'p': co.port = atoi(optarg); break;
		case 'c': co.cafile = optarg; break;
		case 'k': co.insecure = 1; break;
		case 'j': t.json = 1; break;
		case 'w': password_file = optarg; break;
		case 's': co.socket = optarg; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* a verb is one word ("guest"), or two ("guest clone"), which wins */
	const struct tarnctl_verb *verb = NULL;
	for (int n = 0; tarnctl_verbs[n]; n++)
		for (const struct tarnctl_verb *v = tarnctl_verbs[n]; v->name; v++) {
			size_t first = strcspn(v->name, " ");
			int two = v->name[first] == ' ';
			if (strncmp(v->name, argv[optind], first) == 0 && argv[optind][first] == '\0' &&
			    (two ? optind + 1 < argc && strcmp(v->name + first + 1, argv[optind + 1]) == 0
				 : !verb))
				verb = v;
		}
	int nargs = argc - optind - 1;
	if (!verb) {
		fprintf(stderr, "tarnctl: unknown verb %s (tarnctl --help lists them)\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (nargs < verb->min_args || nargs > verb->max_args) {
		fprintf(stderr, "usage: tarnctl %s %s\n", verb->name, verb->args);
		return EXIT_USAGE;
	}
	if (!co.cafile && !co.insecure && access(DEFAULT_CACERT, R_OK) == 0)
		co.cafile = DEFAULT_CACERT;
	if (!co.socket && !co.host && access(TARN_CLIENT_SOCKET, F_OK) == 0)
		co.socket = TARN_CLIENT_SOCKET;
	/* root on the local socket needs none, but may give one */
	int optional = co.socket && geteuid() == 0;
	char *password = !optional || password_file || getenv("TARN_PASSWORD") ? read_password(password_file)
									       : NULL;
	if (!password && !optional) {
		fprintf(stderr, "tarnctl: no password: set TARN_PASSWORD or use --password-file\n");
		return EXIT_USAGE;
	}
	co.password = password;
	tarn_err err = "";
	t.client = tarn_client_open(&co, err);
	int rc = EXIT_UNREACHABLE;
	if (!t.client)
		fprintf(stderr, "tarnctl: %s\n", err);
	else
		rc = verb->run(&t, nargs, argv + optind + 1);
	tarn_client_close(t.client);
	if (password)
		memset(password, 0, strlen(password));
	free(password);
	return rc;
}
