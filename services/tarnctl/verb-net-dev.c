/* tarnctl bridge | vlan | bond [add ... | del NAME], and links: network
 * devices as tables (or --json), changes that may go on trial. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verb-net.h"

static void cell(xmlrpc_env *env, xmlrpc_value *item, const struct tarnctl_column *c, int last)
{
	xmlrpc_value *v = NULL;
	char text[512] = "";
	xmlrpc_struct_find_value(env, item, c->key, &v);
	if (env->fault_occurred || !v)
		return;
	switch (xmlrpc_value_type(v)) {
	case XMLRPC_TYPE_STRING: {
		const char *s;
		xmlrpc_read_string(env, v, &s);
		if (!env->fault_occurred) {
			snprintf(text, sizeof text, "%s", s[0] ? s : "-");
			free((void *)s);
		}
		break;
	}
	case XMLRPC_TYPE_INT: {
		int n;
		xmlrpc_read_int(env, v, &n);
		snprintf(text, sizeof text, "%d", n);
		break;
	}
	case XMLRPC_TYPE_BOOL: {
		xmlrpc_bool b;
		xmlrpc_read_bool(env, v, &b);
		snprintf(text, sizeof text, "%s", b ? "yes" : "no");
		break;
	}
	default:
		snprintf(text, sizeof text, "?");
	}
	xmlrpc_DECREF(v);
	printf("%-*s%s", last ? 0 : c->width, text, last ? "\n" : " ");
}

void tarnctl_table(xmlrpc_env *env, xmlrpc_value *list, const struct tarnctl_column *cols, int ncols)
{
	for (int c = 0; c < ncols; c++)
		printf("%-*s%s", c == ncols - 1 ? 0 : cols[c].width, cols[c].title, c == ncols - 1 ? "\n" : " ");
	int n = xmlrpc_array_size(env, list);
	for (int i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_value *item;
		xmlrpc_array_read_item(env, list, (unsigned)i, &item);
		for (int c = 0; c < ncols && !env->fault_occurred; c++)
			cell(env, item, &cols[c], c == ncols - 1);
		if (!env->fault_occurred)
			xmlrpc_DECREF(item);
	}
}

#define TABLE(fn, ...)                                                                  \
	static void fn(xmlrpc_env *env, xmlrpc_value *list)                             \
	{                                                                               \
		static const struct tarnctl_column cols[] = {__VA_ARGS__};              \
		tarnctl_table(env, list, cols, (int)(sizeof cols / sizeof cols[0]));     \
	}
TABLE(show_bridges, {"name", "BRIDGE", 15}, {"ports", "PORTS", 0})
TABLE(show_vlans, {"name", "VLAN", 15}, {"parent", "PARENT", 15}, {"vid", "ID", 0})
TABLE(show_bonds, {"name", "BOND", 15}, {"mode", "MODE", 13}, {"slaves", "SLAVES", 0})
TABLE(show_links, {"name", "NAME", 15}, {"kind", "KIND", 8}, {"state", "STATE", 14}, {"carrier", "LINK", 4},
      {"mac", "MAC", 17}, {"mtu", "MTU", 5}, {"master", "MASTER", 10}, {"mode", "SET", 6},
      {"addresses", "ADDRESSES", 0})

int tarnctl_links(struct tarnctl *t, int argc, char **argv)
{
	(void)argc, (void)argv;
	return tarnctl_call(t, "net.interfaces", NULL, show_links);
}

int tarnctl_remove(struct tarnctl *t, const char *method, const char *name)
{
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	xmlrpc_value *p = xmlrpc_build_value(&env, "(s)", name);
	int rc = env.fault_occurred ? EXIT_FAULT : tarnctl_call(t, method, p, tarnctl_show_change);
	if (p)
		xmlrpc_DECREF(p);
	xmlrpc_env_clean(&env);
	return rc;
}

/* The verbs' common shape: no arguments lists; "del NAME" removes; "add"
 * with at least min arguments after it goes to add. */
static int device_verb(struct tarnctl *t, int argc, char **argv, const char *kind, int min,
		       int (*add)(struct tarnctl *t, int argc, char **argv, long confirm),
		       void (*show)(xmlrpc_env *, xmlrpc_value *), const char *usage)
{
	char list[32], del[32];
	long confirm = tarnctl_take_confirm(&argc, argv);
	snprintf(list, sizeof list, "net.list%ss", kind);
	snprintf(del, sizeof del, "net.delete%s", kind);
	if (argc == 0 && confirm == 0)
		return tarnctl_call(t, list, NULL, show);
	if (confirm >= 0 && argc == 2 && strcmp(argv[0], "del") == 0)
		return tarnctl_remove(t, del, argv[1]);
	if (confirm >= 0 && argc > min && strcmp(argv[0], "add") == 0)
		return add(t, argc - 1, argv + 1, confirm);
	fprintf(stderr, "usage: tarnctl %s\n", usage);
	return EXIT_USAGE;
}

static int add_bridge(struct tarnctl *t, int argc, char **argv, long confirm)
{
	char ports[256];
	if (tarnctl_join(argc - 1, argv + 1, ports, sizeof ports))
		return EXIT_USAGE;
	return tarnctl_change(t, "net.setBridge", confirm, "name", argv[0], "ports", ports, NULL);
}

static int add_bond(struct tarnctl *t, int argc, char **argv, long confirm)
{
	char slaves[256];
	if (tarnctl_join(argc - 2, argv + 2, slaves, sizeof slaves))
		return EXIT_USAGE;
	return tarnctl_change(t, "net.setBond", confirm, "name", argv[0], "mode", argv[1], "slaves", slaves, NULL);
}

static void show_vlan_made(xmlrpc_env *env, xmlrpc_value *r)
{
	const char *name;
	xmlrpc_decompose_value(env, r, "{s:s,*}", "name", &name);
	if (env->fault_occurred)
		return;
	printf("%s\n", name);
	free((void *)name);
	tarnctl_show_change(env, r);
}

/* A VLAN's id is an int: built here rather than through tarnctl_change. */
static int add_vlan(struct tarnctl *t, int argc, char **argv, long confirm)
{
	char *end;
	long vid = strtol(argv[1], &end, 10);
	if (*end || argc > 3) {
		fprintf(stderr, "usage: tarnctl vlan add PARENT VID [NAME] (VID a number, 1-4094)\n");
		return EXIT_USAGE;
	}
	xmlrpc_env env;
	xmlrpc_env_init(&env);
	xmlrpc_value *p = xmlrpc_build_value(&env, "({s:s,s:i,s:s,s:i})", "parent", argv[0], "vid",
					     vid > 99999 || vid < -99999 ? 99999 : (int)vid, "name",
					     argc > 2 ? argv[2] : "", "confirm", (int)confirm);
	int rc = env.fault_occurred ? EXIT_FAULT : tarnctl_call(t, "net.setVlan", p, show_vlan_made);
	if (p)
		xmlrpc_DECREF(p);
	xmlrpc_env_clean(&env);
	return rc;
}

int tarnctl_bridge(struct tarnctl *t, int argc, char **argv)
{
	return device_verb(t, argc, argv, "Bridge", 1, add_bridge, show_bridges,
			   "bridge [add NAME [PORT...] [--confirm SECONDS] | del NAME]");
}

int tarnctl_vlan(struct tarnctl *t, int argc, char **argv)
{
	return device_verb(t, argc, argv, "Vlan", 2, add_vlan, show_vlans,
			   "vlan [add PARENT VID [NAME] [--confirm SECONDS] | del NAME]");
}

int tarnctl_bond(struct tarnctl *t, int argc, char **argv)
{
	return device_verb(t, argc, argv, "Bond", 3, add_bond, show_bonds,
			   "bond [add NAME MODE SLAVE... [--confirm SECONDS] | del NAME]");
}
