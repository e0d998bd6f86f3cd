/* Host facts into the pool store; see facts-publish.h. */
#include "facts-publish.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"

static long long fact_ll(tarn_store *st, const char *key)
{
	char buf[32] = "";
	return tarn_fact_get(st, key, buf, sizeof buf, NULL) == 0 ? atoll(buf) : -1;
}

int tarn_facts_publish(struct tarn_facts_publisher *fp, tarn_pool *pool, tarn_store *st, tarn_err err)
{
	struct tarn_pool_facts f = {0};
	char xen[8] = "";
	snprintf(f.address, sizeof f.address, "%s", tarn_pool_address(pool));
	f.memory_total_mib = fact_ll(st, "host.memory_total_mib");
	f.memory_free_mib = fact_ll(st, "host.memory_free_mib");
	tarn_fact_get(st, "host.cpu", f.cpu, sizeof f.cpu, NULL);
	tarn_fact_get(st, "xen.hw_cap", f.hw_cap, sizeof f.hw_cap, NULL);
	f.xen = tarn_fact_get(st, "xen.running", xen, sizeof xen, NULL) == 0 && strcmp(xen, "yes") == 0;
	f.at = (int64_t)time(NULL);
	if (f.memory_total_mib < 0) /* not read yet */
		return 0;
	const struct tarn_pool_facts *l = &fp->last;
	if (l->at && f.at - l->at < TARN_FACTS_REPUBLISH && f.memory_total_mib == l->memory_total_mib &&
	    f.memory_free_mib == l->memory_free_mib && !strcmp(f.cpu, l->cpu) && !strcmp(f.hw_cap, l->hw_cap) &&
	    f.xen == l->xen)
		return 0;
	if (tarn_pool_facts_put(pool, &f, err))
		return -1;
	fp->last = f;
	return 0;
}
