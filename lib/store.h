/* The node store: this host's settings in SQLite, on the data partition.
 *
 * The console writes it directly, so the host can be repaired while the
 * agent is down; the agent notices changes through the generation number
 * (bumped by triggers in the same transaction as every change) and applies
 * them. Every write is validated first and made in one transaction: a
 * refused or failed change leaves the store exactly as it was. */
#ifndef TARN_STORE_H
#define TARN_STORE_H
#include <stdint.h>

#include "validate.h"

typedef struct tarn_store tarn_store;

/* Opens or creates the database and brings its schema up to date. */
tarn_store *tarn_store_open(const char *path, tarn_err err);
/* tarn_store_open, first making the store's directory when it is missing
 * as the agent would: owned by the agent's API user (tarn, else nobody)
 * when run as root, so neither the database nor its WAL files are ever
 * root's, which the API process could not write (the console, first-boot
 * setup). */
tarn_store *tarn_store_open_making_dir(const char *path, tarn_err err);
void tarn_store_close(tarn_store *st);
int tarn_store_schema_version(tarn_store *st);

/* Counts committed changes; compare two readings to see whether anything
 * changed in between, from any process. */
int64_t tarn_store_generation(tarn_store *st);

/* Host settings by key: hostname, dns (space-separated addresses), ntp
 * (space-separated host names or addresses), mgmt_interface. Unknown keys
 * and invalid values are refused with a message. */
int tarn_store_set(tarn_store *st, const char *key, const char *value, tarn_err err);
/* Copies the value into buf; returns 0, or -1 when the key is unset. */
int tarn_store_get(tarn_store *st, const char *key, char *buf, size_t len);

/* How an interface (a NIC, bond, VLAN or bridge) gets its addresses. */
struct tarn_iface {
	char name[16];
	char mode[8];        /* "dhcp", "static" or "none" */
	char ipv4[64];       /* address/prefix when static, else empty */
	char gateway4[64];   /* optional, inside ipv4's network */
	char ipv6[64];       /* optional address/prefix */
	long mtu;            /* 0: leave as it is */
};
int tarn_store_set_iface(tarn_store *st, const struct tarn_iface *ifc, tarn_err err);
int tarn_store_get_iface(tarn_store *st, const char *name, struct tarn_iface *ifc);
int tarn_store_del_iface(tarn_store *st, const char *name, tarn_err err);

/* Calls fn for each stored interface (at most 64), in name order, until fn
 * returns non-zero. */
int tarn_store_each_iface(tarn_store *st, int (*fn)(void *ctx, const struct tarn_iface *f), void *ctx);

/* What a reconciler made of a subject ("net.iface.eth0", "net.hostname"):
 * applied, or the error, as of a generation. Status is not desired state:
 * recording it does not bump the generation. */
int tarn_store_set_status(tarn_store *st, const char *subject, int ok, const char *message,
			  int64_t generation, tarn_err err);
typedef int (*tarn_status_fn)(void *ctx, const char *subject, int ok, const char *message,
			      int64_t generation);
int tarn_store_each_status(tarn_store *st, tarn_status_fn fn, void *ctx);

/* Host settings back to a new host's, in one transaction (joining the
 * caller's): no host name, DNS, NTP or management interface of its own,
 * no interface addressing, bridges, VLANs or bonds, no network change on
 * trial; the management bridge (xenbr0) by DHCP. Kept: the console and
 * agent passwords, local repositories. */
int tarn_store_reset(tarn_store *st, tarn_err err);

/* Several changes as one: all of them land, or none. */
int tarn_store_begin(tarn_store *st, tarn_err err);
int tarn_store_commit(tarn_store *st, tarn_err err);
void tarn_store_rollback(tarn_store *st);

#endif
