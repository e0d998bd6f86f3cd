/* tarnctl hostname [NAME] | dns [ADDR...] | ntp [SERVER...] | mgmt [IFACE] |
 * iface NAME [dhcp | none | static CIDR [GATEWAY] | del] [--confirm S] | confirm | trial | status;
 * bridge, vlan, bond and links are in verb-net-dev.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verb-net.h"

/* Shows a setting, or sets it when a value is given. */
static int get_or_set(struct tarnctl *t, const char *get, const char *set, const char *value)
{
	return value ? tarnctl_call_string(t, set, value) : tarnctl_call(t, get, NULL, NULL);
}

static int hostname(struct tarnctl *t, int argc, char **argv)
{
	return get_or_set(t, "net.getHostname", "net.setHostname", argc ? argv[0] : NULL);
}

int tarnctl_join(int argc, char **argv, char *out, size_t len)
{
	out[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (strlen(out) + strlen(argv[i]) + 2 > len)
			return -1;
		if (i)
			strcat(out, " ");
		strcat(out, argv[i]);
	}
	return 0;
}

/* A list setting: the words joined by spaces. */
static int get_or_set_list(struct tarnctl *t, const char *get, const char *set, int argc, char **argv)
{
	char list[512];
	if (tarnctl_join(argc, argv, list, sizeof list))
		return EXIT_USAGE;
	return get_or_set(t, get, set, argc ? list : NULL);
}

static int dns(struct tarnctl *t, int argc, char **argv)
{
	return get_or_set_list(t, "net.getDns", "net.setDns", argc, argv);
}

static int ntp(struct tarnctl *t, int argc, char **argv)
{
	return get_or_set_list(t, "net.getNtp", "net.setNtp", argc, argv);
}

static int mgmt(struct tarnctl *t, int argc, char **argv)
{
	return get_or_set(t, "net.getManagementInterface", "net.setManagementInterface", argc ? argv[0] : NULL);
}

long tarnctl_take_confirm(int *argc, char **argv)
{
	for (int i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--confirm") != 0)
			continue;
		char *end = NULL;
		long s = i + 1 < *argc ? strtol(argv[i + 1], &end, 10) : -1;
		if (!end || *end || s < 0)
			return -1;
		memmove(argv + i, argv + i + 2, (size_t)(*argc - i - 2) * sizeof *argv);
		*argc -= 2;
		return s;
	}
	return 0;
}

void tarnctl_show_change(xmlrpc_env *env, xmlrpc_value *r)
{
	int trial = 0;
	xmlrpc_decompose_value(env, r, "{s:i,*}", "trial", &trial);
	if (!env->fault_occurred && trial > 0)
		printf("on trial: confirm within %d s (tarnctl confirm), or the previous network configuration "
		       "comes back\n", trial);
}

int tarnctl_change(struct tarnctl *t, const char *method, long confirm, ...)
{
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	xmlrpc_value *s = xmlrpc_struct_new(&env);
	va_list ap;
	va_start(ap, confirm);
	for (const char *key; !env.fault_occurred && (key = va_arg(ap, const char *));) {
		xmlrpc_value *v = xmlrpc_string_new(&env, va_arg(ap, const char *));
		if (!env.fault_occurred) {
			xmlrpc_struct_set_value(&env, s, key, v);
			xmlrpc_DECREF(v);
		}
	}
	va_end(ap);
	if (confirm > 0 && !env.fault_occurred) {
		xmlrpc_value *v = xmlrpc_int_new(&env, (int)confirm);
		xmlrpc_struct_set_value(&env, s, "confirm", v);
		xmlrpc_DECREF(v);
	}
	xmlrpc_value *p = env.fault_occurred ? NULL : xmlrpc_build_value(&env, "(S)", s);
	int rc = env.fault_occurred ? EXIT_FAULT : tarnctl_call(t, method, p, tarnctl_show_change);
	if (p)
		xmlrpc_DECREF(p);
	if (s)
		xmlrpc_DECREF(s);
	xmlrpc_env_clean(&env);
	return rc;
}

static int iface(struct tarnctl *t, int argc, char **argv)
{
	long confirm = tarnctl_take_confirm(&argc, argv);
	if (argc == 1 && confirm == 0)
		return tarnctl_call_string(t, "net.getInterface", argv[0]);
	const char *mode = argc > 1 ? argv[1] : "";
	if (argc == 2 && confirm == 0 && strcmp(mode, "del") == 0)
		return tarnctl_remove(t, "net.deleteInterface", argv[0]);
	int is_static = strcmp(mode, "static") == 0;
	if (confirm < 0 || argc < 2 || (is_static && argc < 3) || (!is_static && argc > 2)) {
		fprintf(stderr, "usage: tarnctl iface NAME [dhcp | none | static ADDRESS/PREFIX [GATEWAY] | del] "
				"[--confirm SECONDS]\n");
		return EXIT_USAGE;
	}
	return tarnctl_change(t, "net.setInterface", confirm, "name", argv[0], "mode", mode, "ipv4",
			      is_static ? argv[2] : "", "gateway4", is_static && argc > 3 ? argv[3] : "", NULL);
}

static int confirm(struct tarnctl *t, int argc, char **argv)
{
	(void)argc, (void)argv;
	return tarnctl_call(t, "net.confirm", NULL, NULL);
}

static void show_trial(xmlrpc_env *env, xmlrpc_value *r)
{
	xmlrpc_bool pending;
	int remaining;
	xmlrpc_decompose_value(env, r, "{s:b,s:i,*}", "pending", &pending, "remaining", &remaining);
	if (env->fault_occurred)
		return;
	if (pending)
		printf("a network change is on trial: %d s left to confirm it (tarnctl confirm)\n", remaining);
	else
		printf("no network change is waiting to be confirmed\n");
}

static int trial(struct tarnctl *t, int argc, char **argv)
{
	(void)argc, (void)argv;
	return tarnctl_call(t, "net.getTrial", NULL, show_trial);
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
	{"links", "", "every interface: kind, state, link, MAC, MTU, master, addresses", 0, 0, tarnctl_links},
	{"hostname", "[NAME]", "show or set the host name", 0, 1, hostname},
	{"dns", "[ADDR...]", "show or set the DNS servers (up to three)", 0, 3, dns},
	{"ntp", "[SERVER...]", "show or set the NTP servers (up to eight)", 0, 8, ntp},
	{"mgmt", "[IFACE]", "show or set the management interface: changes to it go on trial", 0, 1, mgmt},
	{"iface", "NAME [MODE]", "show or set an interface: dhcp, none, static ADDRESS/PREFIX [GATEWAY]; del",
	 1, 6, iface},
	{"bridge", "[add|del]", "list bridges; add NAME [PORT...]; del NAME", 0, 20, tarnctl_bridge},
	{"vlan", "[add|del]", "list VLANs; add PARENT VID [NAME]; del NAME", 0, 6, tarnctl_vlan},
	{"bond", "[add|del]", "list bonds; add NAME MODE SLAVE...; del NAME", 0, 21, tarnctl_bond},
	{"confirm", "", "keep the network change on trial (changes take --confirm SECONDS)", 0, 0, confirm},
	{"trial", "", "is a network change waiting to be confirmed, and for how long", 0, 0, trial},
	{NULL, NULL, NULL, 0, 0, NULL},
};
