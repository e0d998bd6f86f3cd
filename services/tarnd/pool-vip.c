/* The pool's virtual IP; see pool-vip.h. */
#include "pool-vip.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "event.h"
#include "nettrial.h"
#include "run.h"

#define VIP_CHECK_S 1 /* while the pool has a virtual IP: a new master takes it within a second or so */
#define VIP_IDLE_S 10 /* while it has none, or after the pool did not answer */

static int change(const char *verb, const char *vip, const char *dev, tarn_err err)
{
	const char *argv[] = {"ip", "-4", "addr", verb, vip, "dev", dev, NULL};
	return tarn_run(argv, NULL, 0, err) == 0 ? 0 : -1;
}

/* Tells neighbours and switches where the address now is. Best effort:
 * BusyBox's arping on the image, iputils' elsewhere, if any. */
static void announce(const char *vip, const char *dev)
{
	char ip[48];
	tarn_err err = "";
	snprintf(ip, sizeof ip, "%.*s", (int)strcspn(vip, "/"), vip);
	const char *argv[] = {"arping", "-U", "-c", "1", "-I", dev, ip, NULL};
	if (tarn_run(argv, NULL, 0, err) != 0)
		syslog(LOG_INFO, "pool: virtual IP %s not announced: %s", ip, err);
}

void tarn_pool_vip_drop(struct tarn_pool_vip *v, tarn_store *st)
{
	tarn_err err = "";
	char msg[160];
	if (!v->held[0])
		return;
	if (change("del", v->held, v->dev, err))
		syslog(LOG_WARNING, "pool: giving up the virtual IP %s: %s", v->held, err);
	snprintf(msg, sizeof msg, "this host gave up the pool's virtual IP %s", v->held);
	syslog(LOG_INFO, "pool: %s", msg);
	tarn_event_add(st, "info", "pool", msg);
	v->held[0] = '\0';
}

void tarn_pool_vip_run(struct tarn_pool_vip *v, tarn_pool *pool, tarn_store *st, time_t now)
{
	struct tarn_pool_info i;
	tarn_err err = "";
	char want[sizeof v->held] = "", dev[sizeof v->dev], msg[160];
	if (!pool || now < v->next)
		return;
	int rc = tarn_pool_info(pool, &i, err);
	if (tarn_store_get(st, "mgmt_interface", dev, sizeof dev) != 0)
		snprintf(dev, sizeof dev, "%s", TARN_MGMT_DEFAULT);
	if (rc == 0 && !v->swept && !i.is_master && i.vip[0] && change("del", i.vip, dev, err) == 0)
		syslog(LOG_INFO, "pool: removed the virtual IP %s an agent that stopped left here", i.vip);
	if (rc != TARN_POOL_DOWN)
		v->swept = 1; /* the pool answered (or this host is in none): no stale copy to look for */
	/* often only while it matters: the pool has one, this host holds it,
	 * or the pool node is still starting. Every second in a host in no
	 * pool kept a TCG guest's engine busy enough to apply a vCPU change
	 * 40 s late. */
	v->next = now + ((rc == 0 && i.vip[0]) || v->held[0] || !v->swept ? VIP_CHECK_S : VIP_IDLE_S);
	if (rc == 0 && i.is_master)
		snprintf(want, sizeof want, "%s", i.vip);
	if (!strcmp(want, v->held) && (!want[0] || !strcmp(dev, v->dev)))
		return;
	tarn_pool_vip_drop(v, st);
	if (!want[0])
		return;
	if (change("replace", want, dev, err)) {
		snprintf(msg, sizeof msg, "the pool's virtual IP %s cannot be added to %s: %s", want, dev, err);
		syslog(LOG_ERR, "pool: %s", msg);
		tarn_event_add(st, "error", "pool", msg);
		v->next = now + VIP_IDLE_S;
		return;
	}
	snprintf(v->held, sizeof v->held, "%s", want);
	snprintf(v->dev, sizeof v->dev, "%s", dev);
	snprintf(msg, sizeof msg, "this host, the pool master, holds the pool's virtual IP %s on %s", want, dev);
	syslog(LOG_INFO, "pool: %s", msg);
	tarn_event_add(st, "info", "pool", msg);
	announce(want, dev);
}
