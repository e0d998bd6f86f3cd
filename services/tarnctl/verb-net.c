/* tarnctl hostname [NAME] | dns [ADDR...] | iface NAME [dhcp | none | static CIDR [GATEWAY]] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verb.h"

/* Shows a setting, or sets it when a value is given. */
static int get_or_set(struct tarnctl *t, const char *get, const char *set, const char *value)
{
	return value ? tarnctl_call_string(t, set, value) : tarnctl_call(t, get, NULL, NULL);
}

static int hostname(struct tarnctl *t, int argc, char **argv)
{
	return get_or_set(t, "net.getHostname", "net.setHostname", argc ? argv[0] : NULL);
}

static int dns(struct tarnctl *t, int argc, char **argv)
{
	char list[512] = "";
	for (int i = 0; i < argc; i++) {
		if (strlen(list) + strlen(argv[i]) + 2 > sizeof list)
			return EXIT_USAGE;
		if (i)
			strcat(list, " ");
		strcat(list, argv[i]);
	}
	return get_or_set(t, "net.getDns", "net.setDns", argc ? list : NULL);
}

static int iface(struct tarnctl *t, int argc, char **argv)
{
	if (argc == 1)
		return tarnctl_call_string(t, "net.getInterface", argv[0]);
	const char *mode = argv[1];
	int is_static = strcmp(mode, "static") == 0;
	if ((is_static && argc < 3) || (!is_static && argc > 2)) {
		fprintf(stderr, "usage: tarnctl iface NAME [dhcp | none | static ADDRESS/PREFIX [GATEWAY]]\n");
		return EXIT_USAGE;
	}
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	xmlrpc_value *p = xmlrpc_build_value(&env, "({s:s,s:s,s:s,s:s})", "name", argv[0], "mode", mode,
					     "ipv4", is_static ? argv[2] : "",
					     "gateway4", is_static && argc > 3 ? argv[3] : "");
	int rc = env.fault_occurred ? EXIT_FAULT : tarnctl_call(t, "net.setInterface", p, NULL);
	if (p)
		xmlrpc_DECREF(p);
	xmlrpc_env_clean(&env);
	return rc;
}

static void show_status(xmlrpc_env *env, xmlrpc_value *list)
{
	int n = xmlrpc_array_size(env, list);
	printf("%-24s %-7s %s\n", "SETTING", "STATE", "DETAIL");
	for (int i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_value *item;
		const char *subject, *message;
		xmlrpc_bool ok;
		xmlrpc_int64 gen;
		xmlrpc_array_read_item(env, list, (unsigned)i, &item);
		if (env->fault_occurred)
			return;
		xmlrpc_decompose_value(env, item, "{s:s,s:b,s:s,s:I,*}", "subject", &subject, "ok", &ok,
				       "message", &message, "generation", &gen);
		xmlrpc_DECREF(item);
		if (env->fault_occurred)
			return;
		printf("%-24s %-7s %s\n", subject, ok ? "ok" : "FAILED", message);
		free((void *)subject);
		free((void *)message);
	}
}

static int status(struct tarnctl *t, int argc, char **argv)
{
	(void)argc, (void)argv;
	return tarnctl_call(t, "net.status", NULL, show_status);
}

const struct tarnctl_verb tarnctl_verbs_net[] = {
	{"status", "", "what the network reconciler applied, or why it could not", 0, 0, status},
	{"hostname", "[NAME]", "show or set the host name", 0, 1, hostname},
	{"dns", "[ADDR...]", "show or set the DNS servers (up to three)", 0, 3, dns},
	{"iface", "NAME [MODE]", "show or set an interface: dhcp, none, static ADDRESS/PREFIX [GATEWAY]",
	 1, 4, iface},
	{NULL, NULL, NULL, 0, 0, NULL},
};
