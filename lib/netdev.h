/* Network devices Tarn makes from the node store: bridges (xenbrN by
 * convention) with their ports, VLANs on a parent and bonds of NICs. Their
 * addressing is an interface like any other (store.h, tarn_iface).
 *
 * Every write is validated against what is already stored (and, for a
 * VLAN's parent, against the system's interfaces) and made in one
 * transaction: a device can be in one bridge only, a bond slave in no
 * bridge and no other bond, a name is one device's. Refusals name what is
 * wrong. Inside tarn_store_begin/commit they join that transaction. */
#ifndef TARN_NETDEV_H
#define TARN_NETDEV_H

#include "store.h"

#define TARN_NETDEV_LIST 256 /* space-separated ports or slaves, at most 16 */

struct tarn_bridge {
	char name[16];
	char ports[TARN_NETDEV_LIST];
};

struct tarn_vlan {
	char name[16];   /* empty: PARENT.VID */
	char parent[16];
	long vid;        /* 1-4094 */
};

struct tarn_bond {
	char name[16];
	char mode[16];   /* tarn_check_bond_mode */
	char slaves[TARN_NETDEV_LIST];
};

int tarn_netdev_set_bridge(tarn_store *st, const struct tarn_bridge *b, tarn_err err);
int tarn_netdev_set_vlan(tarn_store *st, struct tarn_vlan *v, tarn_err err); /* fills an empty name */
int tarn_netdev_set_bond(tarn_store *st, const struct tarn_bond *b, tarn_err err);

/* Removes a bridge, VLAN or bond and its addressing; refused while another
 * device is built on it (a bond in a bridge, a VLAN on a bond). */
int tarn_netdev_delete(tarn_store *st, const char *kind, const char *name, tarn_err err);

/* 0 with the stored device filled, -1 when there is none. */
int tarn_netdev_get_bridge(tarn_store *st, const char *name, struct tarn_bridge *b);
int tarn_netdev_get_vlan(tarn_store *st, const char *name, struct tarn_vlan *v);
int tarn_netdev_get_bond(tarn_store *st, const char *name, struct tarn_bond *b);

/* Each stored device of a kind, in name order, until fn returns non-zero. */
int tarn_netdev_each_bridge(tarn_store *st, int (*fn)(void *ctx, const struct tarn_bridge *b), void *ctx);
int tarn_netdev_each_vlan(tarn_store *st, int (*fn)(void *ctx, const struct tarn_vlan *v), void *ctx);
int tarn_netdev_each_bond(tarn_store *st, int (*fn)(void *ctx, const struct tarn_bond *b), void *ctx);

/* "bridge", "vlan", "bond", or NULL when name is no stored device. */
const char *tarn_netdev_kind(tarn_store *st, const char *name);

/* Drops the reconciler's status of devices and interfaces no longer
 * stored, so a removed bridge is not reported for ever. */
int tarn_netdev_prune_status(tarn_store *st);

/* Is word one of the space-separated words of list? */
int tarn_netdev_listed(const char *list, const char *word);

#endif
