/* What tarnctl's network verbs share (verb-net.c, verb-net-dev.c). */
#ifndef TARNCTL_VERB_NET_H
#define TARNCTL_VERB_NET_H
#include "verb.h"

/* Takes "--confirm SECONDS" out of the arguments: the seconds (0 when
 * absent), or -1 when they are not a number. */
long tarnctl_take_confirm(int *argc, char **argv);
/* Calls a change method with one struct built from "key", value pairs
 * (NULL ends; "confirm" is added when > 0) and says when the change is on
 * trial and must be confirmed. */
int tarnctl_change(struct tarnctl *t, const char *method, long confirm, ...);
/* Shows a change's answer: nothing, or that it is on trial. */
void tarnctl_show_change(xmlrpc_env *env, xmlrpc_value *r);
/* Calls a removal method with a name; says when it is on trial. */
int tarnctl_remove(struct tarnctl *t, const char *method, const char *name);
/* Joins words with spaces into out; -1 when they do not fit. */
int tarnctl_join(int argc, char **argv, char *out, size_t len);
/* Prints an array of structs as a table: columns of members by key. */
struct tarnctl_column {
	const char *key, *title;
	int width; /* the last column is not padded */
};
void tarnctl_table(xmlrpc_env *env, xmlrpc_value *list, const struct tarnctl_column *cols, int ncols);

int tarnctl_bridge(struct tarnctl *t, int argc, char **argv);
int tarnctl_vlan(struct tarnctl *t, int argc, char **argv);
int tarnctl_bond(struct tarnctl *t, int argc, char **argv);
int tarnctl_links(struct tarnctl *t, int argc, char **argv);

#endif
