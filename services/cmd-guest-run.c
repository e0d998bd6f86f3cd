/* guest.* for a guest's run time: memory and vCPUs (kept in its xl.cfg,
 * applied live by the engine where Xen allows), its console log, suspend
 * to a file and resume. Limits are checked against the host's facts, as
 * the engine last read them (host-facts.h): this process has no libxl. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "event.h"
#include "guest-config.h"
#include "xlcfg.h"

static long fact_long(tarn_store *st, const char *key)
{
	char v[32] = "";
	return tarn_fact_get(st, key, v, sizeof v, NULL) == 0 ? atol(v) : 0;
}

int tarn_cmd_guest_fits_host(void *agent, const struct tarn_xlcfg *c, long vcpus, tarn_err err)
{
	const struct tarn_agent *a = agent;
	char xen[8] = "", hvm[8] = "";
	if (tarn_guest_fits(c->memory, vcpus, fact_long(a->store, "host.memory_total_mib"),
			    fact_long(a->store, "host.cpus"), err))
		return -1;
	/* off Xen nothing runs: what the CPU has is not known from here */
	tarn_fact_get(a->store, "xen.running", xen, sizeof xen, NULL);
	tarn_fact_get(a->store, "host.hvm", hvm, sizeof hvm, NULL);
	if (strcmp(xen, "yes") == 0 && hvm[0] && tarn_guest_type_runs(c->type, strcmp(hvm, "yes") == 0, err))
		return -1;
	return 0;
}

/* guest.setMemory and guest.setVcpus: the guest's xl.cfg gets the new
 * value (so it holds at the next start); the engine applies it live. */
static xmlrpc_value *set_number(xmlrpc_env *env, xmlrpc_value *p, void *agent, const char *key)
{
	const char *name;
	int value;
	tarn_err err = "";
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	if (!pool)
		return NULL;
	xmlrpc_decompose_value(env, p, "(si)", &name, &value);
	if (env->fault_occurred)
		return NULL;
	struct tarn_xlcfg c = {.memory = TARN_GUEST_MIN_MIB, .type = "pv"};
	int memory = strcmp(key, "memory") == 0, rc = TARN_POOL_REFUSED;
	if (memory)
		c.memory = value;
	if (tarn_cmd_guest_fits_host(agent, &c, memory ? -1 : value, err) == 0)
		rc = tarn_pool_guest_set_number(pool, name, key, value, err);
	free((void *)name);
	return rc ? tarn_cmd_pool_fault(env, rc, err) : xmlrpc_bool_new(env, 1);
}

static xmlrpc_value *guest_set_memory(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	return set_number(env, p, agent, "memory");
}

static xmlrpc_value *guest_set_vcpus(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	return set_number(env, p, agent, "vcpus");
}

const struct tarn_cmd tarn_cmd_guest_run[] = {
	{"guest.setMemory", "b:si", "Sets a guest's memory in MiB, in its xl.cfg (for every start) and, if it runs, "
				    "live up to its maxmem; checked against the host's memory.", guest_set_memory},
	{"guest.setVcpus", "b:si", "Sets a guest's number of vCPUs, in its xl.cfg and, if it runs, live up to its "
				   "maxvcpus; checked against the host's CPUs.", guest_set_vcpus},
	{NULL, NULL, NULL, NULL},
};
