/* guest.migrate: a running guest's live migration to another member, asked
 * of the guest's host (lib/migrate-request.h: the checks, then a task of
 * this host's engine, services/tarnd/migrate-xen.h). A refusal is a -500
 * fault saying why, and the guest is not touched. This process stays
 * unprivileged: it only queues the task. */
#include <stdlib.h>

#include "cmd.h"
#include "migrate-request.h"

static xmlrpc_value *guest_migrate(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const struct tarn_agent *a = agent;
	const char *name, *target;
	tarn_err err = "";
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	if (!pool)
		return NULL;
	xmlrpc_decompose_value(env, p, "(ss)", &name, &target);
	if (env->fault_occurred)
		return NULL;
	int64_t task = 0;
	int rc = tarn_migrate_request(a->store, pool, a->repo_root ? a->repo_root : "/var/lib/tarn/repos", name, target,
				      &task, err);
	xmlrpc_value *v = rc ? tarn_cmd_pool_fault(env, rc, err) : xmlrpc_int_new(env, (int)task);
	free((void *)name);
	free((void *)target);
	return v;
}

const struct tarn_cmd tarn_cmd_guest_migrate[] = {
	{"guest.migrate", "i:ss", "Moves a running guest live to another member (its id or pool address), which must "
				  "be an up VM server with the memory free, a compatible CPU and the guest's disks "
				  "(shared repositories only; none is fine). Call it on the guest's host. Returns a "
				  "task (task.get) whose message gives the guest's downtime; a refusal changes "
				  "nothing.", guest_migrate},
	{NULL, NULL, NULL, NULL},
};
