/* The system's network interfaces as the kernel shows them in sysfs
 * (/sys/class/net): kind, link state, MAC, MTU, master, addresses. Reading
 * needs no privilege, so the API process lists them too. */
#ifndef TARN_NETSYS_H
#define TARN_NETSYS_H

struct tarn_link {
	char name[16];
	char kind[16];      /* bridge, vlan, bond, nic, loopback, virtual, or the kernel's DEVTYPE */
	char state[16];     /* operstate: up, down, lowerlayerdown, unknown ... */
	int admin_up;       /* IFF_UP: set up by an administrator (or Tarn) */
	int carrier;        /* 1 link, 0 none, -1 unknown (the device is down) */
	char mac[24];
	long mtu;
	char master[16];    /* the bridge or bond it is enslaved to, or "" */
	char alias[64];     /* "tarn" on devices Tarn made */
	char parent[16];    /* a VLAN's parent */
	long vid;           /* a VLAN's id (needs /proc/net/vlan), else 0 */
	char bond_mode[16]; /* a bond's mode */
	char addresses[256];/* space-separated address/prefix, IPv4 then IPv6 */
};

/* The alias that marks a device Tarn made, so it is removed again when it
 * leaves the store, and nothing else ever is. */
#define TARN_LINK_ALIAS "tarn"

int tarn_link_exists(const char *name);
/* Fills l; returns -1 when there is no such interface. */
int tarn_link_get(const char *name, struct tarn_link *l);
/* Each interface in name order (at most 256), until fn returns non-zero. */
int tarn_link_each(int (*fn)(void *ctx, const struct tarn_link *l), void *ctx);

#endif
