/* lib/netdev and lib/nettrial: bridges, VLANs and bonds validated against
 * each other and the system (lo is the one interface every host has), and
 * a change on trial rolled back or confirmed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "event.h"
#include "netdev.h"
#include "nettrial.h"
#include "store.h"

static int count(tarn_store *st, const char *kind)
{
	int n = 0;
	struct tarn_bridge b;
	struct tarn_vlan v;
	struct tarn_bond d;
	if (!strcmp(kind, "bridge"))
		n = tarn_netdev_get_bridge(st, "br1", &b) == 0;
	if (!strcmp(kind, "vlan"))
		n = tarn_netdev_get_vlan(st, "lo.4000", &v) == 0;
	if (!strcmp(kind, "bond"))
		n = tarn_netdev_get_bond(st, "bond1", &d) == 0;
	return n;
}

static int last_event(void *ctx, int64_t id, int64_t at, const char *level, const char *subject,
		      const char *message)
{
	(void)id, (void)at, (void)subject;
	snprintf(ctx, 200, "%s %s", level, message);
	return 0;
}

static void devices(tarn_store *st)
{
	tarn_err err = "";
	struct tarn_vlan v = {.parent = "lo", .vid = 10};
	CHECK("netdev: a VLAN on an existing parent is stored", tarn_netdev_set_vlan(st, &v, err) == 0);
	CHECK("netdev: a VLAN without a name is called PARENT.VID", strcmp(v.name, "lo.10") == 0);
	struct tarn_vlan bad = {.parent = "lo", .vid = 5000};
	CHECK("netdev: VLAN 5000 is refused, saying why",
	      tarn_netdev_set_vlan(st, &bad, err) == -1 && strstr(err, "VLAN 5000 is not 1-4094"));
	struct tarn_vlan orphan = {.parent = "nosuch0", .vid = 7};
	CHECK("netdev: a VLAN on a missing parent is refused",
	      tarn_netdev_set_vlan(st, &orphan, err) == -1 && strstr(err, "no interface nosuch0"));
	struct tarn_vlan twin = {.name = "other", .parent = "lo", .vid = 10};
	CHECK("netdev: the same VLAN twice on a parent is refused",
	      tarn_netdev_set_vlan(st, &twin, err) == -1 && strstr(err, "already there as lo.10"));

	struct tarn_bridge br0 = {"br0", "lo.10"}, br1 = {"br1", "lo.10"};
	int64_t g = tarn_store_generation(st);
	CHECK("netdev: a bridge with a VLAN as its port is stored", tarn_netdev_set_bridge(st, &br0, err) == 0);
	CHECK("netdev: storing the same bridge again changes nothing",
	      tarn_netdev_set_bridge(st, &br0, err) == 0 && tarn_store_generation(st) == g + 1);
	CHECK("netdev: a port in two bridges is refused, naming the other bridge",
	      tarn_netdev_set_bridge(st, &br1, err) == -1 && strstr(err, "already a port of bridge br0"));
	CHECK("netdev: the refused bridge is not stored", count(st, "bridge") == 0);
	struct tarn_bridge self = {"br2", "br2"}, twice = {"br2", "lo lo"}, nested = {"br2", "br0"};
	CHECK("netdev: a bridge in itself is refused", tarn_netdev_set_bridge(st, &self, err) == -1);
	CHECK("netdev: a port listed twice is refused",
	      tarn_netdev_set_bridge(st, &twice, err) == -1 && strstr(err, "listed twice"));
	CHECK("netdev: a bridge as a port is refused", tarn_netdev_set_bridge(st, &nested, err) == -1);

	struct tarn_bond bond0 = {"bond0", "active-backup", "lo"}, fancy = {"bond1", "fancy", "lo"};
	CHECK("netdev: an active-backup bond is stored", tarn_netdev_set_bond(st, &bond0, err) == 0);
	CHECK("netdev: an unknown bond mode is refused",
	      tarn_netdev_set_bond(st, &fancy, err) == -1 && strstr(err, "fancy is not a bond mode"));
	CHECK("netdev: the refused bond is not stored", count(st, "bond") == 0);
	struct tarn_bond on_vlan = {"bond1", "802.3ad", "lo.10"}, none = {"bond1", "802.3ad", ""};
	CHECK("netdev: a VLAN as a bond slave is refused",
	      tarn_netdev_set_bond(st, &on_vlan, err) == -1 && strstr(err, "network cards"));
	CHECK("netdev: a bond without slaves is refused", tarn_netdev_set_bond(st, &none, err) == -1);
	struct tarn_bridge steal = {"br1", "lo"};
	CHECK("netdev: a bond slave as a bridge port is refused",
	      tarn_netdev_set_bridge(st, &steal, err) == -1 && strstr(err, "slave of bond bond0"));
	struct tarn_bridge clash = {"lo.10", ""};
	CHECK("netdev: a bridge cannot take a VLAN's name",
	      tarn_netdev_set_bridge(st, &clash, err) == -1 && strstr(err, "already a vlan"));

	CHECK("netdev: a VLAN that is a bridge port cannot be removed",
	      tarn_netdev_delete(st, "vlan", "lo.10", err) == -1 && strstr(err, "port of bridge br0"));
	struct tarn_iface addr = {.name = "br2", .mode = "dhcp"};
	struct tarn_bridge br2 = {"br2", ""};
	tarn_netdev_set_bridge(st, &br2, err);
	tarn_store_set_iface(st, &addr, err);
	CHECK("netdev: removing a bridge removes its addressing",
	      tarn_netdev_delete(st, "bridge", "br2", err) == 0 && tarn_store_get_iface(st, "br2", &addr) == -1);
	CHECK("netdev: removing what is not there is refused",
	      tarn_netdev_delete(st, "bond", "br0", err) == -1 && strstr(err, "no bond br0"));
}

/* set br0's address inside a change guarded for names */
static int trial_change(tarn_store *st, const char *names, long seconds, const char *cidr)
{
	tarn_err err = "";
	struct tarn_iface f = {.name = "br0", .mode = "static"};
	snprintf(f.ipv4, sizeof f.ipv4, "%s", cidr);
	if (tarn_store_begin(st, err))
		return -1;
	int trial = tarn_net_trial_guard(st, names, seconds, err);
	if (trial < 0 || tarn_store_set_iface(st, &f, err) || tarn_store_commit(st, err)) {
		tarn_store_rollback(st);
		return -1;
	}
	return trial;
}

static int address_is(tarn_store *st, const char *cidr)
{
	struct tarn_iface f;
	return tarn_store_get_iface(st, "br0", &f) == 0 && strcmp(f.ipv4, cidr) == 0;
}

static void trial(tarn_store *st)
{
	tarn_err err = "";
	int64_t deadline;
	long seconds;
	char event[200] = "";
	time_t now = time(NULL);
	CHECK("trial: without a management interface set, only xenbr0's changes go on trial",
	      trial_change(st, "br0", 0, "192.0.2.10/24") == 0 && !tarn_net_trial_pending(st, &deadline, &seconds) &&
	      trial_change(st, "eth0 xenbr0", 0, "192.0.2.10/24") == 1);
	tarn_net_confirm(st, err);
	tarn_store_set(st, "mgmt_interface", "br0", err);
	CHECK("trial: a change of another device is not on trial", trial_change(st, "eth7", 0, "192.0.2.10/24") == 0);
	CHECK("trial: a change of a port of the management bridge goes on trial",
	      trial_change(st, "lo.10", 30, "192.0.2.10/24") == 1);
	tarn_net_confirm(st, err);
	CHECK("trial: a management change goes on trial for the default time",
	      trial_change(st, "br0", 0, "192.0.2.20/24") == 1 && tarn_net_trial_pending(st, &deadline, &seconds) &&
	      seconds == TARN_TRIAL_DEFAULT && deadline >= now + TARN_TRIAL_DEFAULT);
	CHECK("trial: a second change restarts the countdown but keeps what to go back to",
	      trial_change(st, "br0", 5, "192.0.2.30/24") == 1 && tarn_net_trial_pending(st, &deadline, &seconds) &&
	      seconds == 5);
	CHECK("trial: nothing happens before the deadline", tarn_net_trial_expire(st, now, err) == 0 &&
	      address_is(st, "192.0.2.30/24"));
	int64_t g = tarn_store_generation(st);
	CHECK("trial: at the deadline the change is rolled back", tarn_net_trial_expire(st, now + 6, err) == 1);
	CHECK("trial: the last confirmed address is back in the store", address_is(st, "192.0.2.10/24"));
	CHECK("trial: bridges, VLANs and bonds are back too",
	      tarn_netdev_kind(st, "br0") && tarn_netdev_kind(st, "lo.10") && tarn_netdev_kind(st, "bond0"));
	CHECK("trial: the roll-back moves the generation", tarn_store_generation(st) > g);
	CHECK("trial: nothing is pending after a roll-back", !tarn_net_trial_pending(st, &deadline, &seconds));
	tarn_event_each(st, 0, 1000, last_event, event);
	CHECK("trial: the roll-back is logged as a warning", strstr(event, "warning") && strstr(event, "not confirmed"));

	CHECK("trial: a confirmed change stays", trial_change(st, "br0", 5, "192.0.2.40/24") == 1 &&
	      tarn_net_confirm(st, err) == 0 && tarn_net_trial_expire(st, now + 100, err) == 0 &&
	      address_is(st, "192.0.2.40/24"));
	CHECK("trial: confirming with nothing on trial is an error",
	      tarn_net_confirm(st, err) == -1 && strstr(err, "no network change"));
	CHECK("trial: a deadline over an hour is refused", trial_change(st, "br0", 4000, "192.0.2.50/24") == -1 &&
	      address_is(st, "192.0.2.40/24"));
}

int main(void)
{
	char dir[] = "/tmp/tarn-netdev-test.XXXXXX", path[64], cmd[96];
	tarn_err err = "";
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/node.db", dir);
	tarn_store *st = tarn_store_open(path, err);
	CHECK("netdev: the store opens", st != NULL);
	if (!st)
		return 1;
	devices(st);
	trial(st);
	tarn_store_close(st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("FAIL netdev: cannot remove %s\n", dir);
	CHECK_EXIT();
}
