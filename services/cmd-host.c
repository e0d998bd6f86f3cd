/* host.*: this host as the engine last read it (facts, refreshed every
 * few seconds), and reboot or shutdown, which the root engine runs as
 * tasks: this process never holds Xen or root powers. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "event.h"
#include "guest-config.h"
#include "task.h"

static long long fact_num(tarn_store *st, const char *key)
{
	char v[32] = "";
	return tarn_fact_get(st, key, v, sizeof v, NULL) == 0 ? atoll(v) : 0;
}

static xmlrpc_value *host_info(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)p, (void)call;
	const struct tarn_agent *a = agent;
	char host[256] = "", running[8] = "", xen[64] = "", reason[256] = "", kernel[128] = "";
	int64_t at = 0;
	gethostname(host, sizeof host - 1);
	/* host.uptime is written with every record of the facts: its age is theirs */
	long long age = tarn_fact_get(a->store, "host.uptime", kernel, sizeof kernel, &at) == 0
				? (long long)(time(NULL) - at) : -1;
	tarn_fact_get(a->store, "xen.running", running, sizeof running, NULL);
	tarn_fact_get(a->store, "xen.version", xen, sizeof xen, NULL);
	tarn_fact_get(a->store, "xen.reason", reason, sizeof reason, NULL);
	tarn_fact_get(a->store, "host.kernel", kernel, sizeof kernel, NULL);
	char hvm[16] = "";
	tarn_err hvm_reason = "";
	tarn_fact_get(a->store, "host.hvm", hvm, sizeof hvm, NULL);
	int on_xen = running[0] == 'y';
	char armed[8] = "";
	tarn_fact_get(a->store, "watchdog.armed", armed, sizeof armed, NULL);
	if (on_xen)
		tarn_guest_type_runs("hvm", tarn_hvm_named(hvm), access(TARN_DEVICE_MODEL, X_OK) == 0, hvm_reason);
	return xmlrpc_build_value(
		env, "{s:s,s:s,s:s,s:b,s:b,s:s,s:s,s:i,s:i,s:i,s:I,s:I,s:I,s:s,s:i,s:I,s:s,s:b,s:i}", "hostname", host, "version",
		a->version, "xen", on_xen ? xen : age < 0 ? "unknown yet" : "not running on Xen", "xen_running",
		(xmlrpc_bool)on_xen, "hvm", (xmlrpc_bool)(strcmp(hvm, "yes") == 0), "hvm_reason", hvm_reason,
		"xen_reason", reason, "cpus", (int)fact_num(a->store, "host.cpus"),
		"cores", (int)fact_num(a->store, "host.cores"), "sockets", (int)fact_num(a->store, "host.sockets"),
		"memory_total_mib", (xmlrpc_int64)fact_num(a->store, "host.memory_total_mib"),
		"memory_free_mib", (xmlrpc_int64)fact_num(a->store, "host.memory_free_mib"),
		"uptime", (xmlrpc_int64)(age < 0 ? 0 : fact_num(a->store, "host.uptime") + age),
		"kernel", kernel, "guests_running", (int)fact_num(a->store, "guests.running"),
		"facts_age", (xmlrpc_int64)age, "fingerprint", a->cert_fingerprint ? a->cert_fingerprint : "",
		"watchdog_armed", (xmlrpc_bool)(strcmp(armed, "yes") == 0),
		"watchdog_timeout", (int)fact_num(a->store, "watchdog.timeout"));
}

static xmlrpc_value *queue_power(xmlrpc_env *env, void *agent, const char *kind)
{
	const struct tarn_agent *a = agent;
	tarn_err err = "";
	struct tarn_task t;
	int64_t id = tarn_task_add(a->store, kind, "", "", err);
	if (id < 0 || tarn_task_get(a->store, id, &t) != 0) {
		xmlrpc_env_set_fault(env, TARN_FAULT_INTERNAL, id < 0 ? err : "the task vanished");
		return NULL;
	}
	return tarn_cmd_task_value(env, &t);
}

static xmlrpc_value *host_reboot(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)p, (void)call;
	return queue_power(env, agent, "host.reboot");
}

static xmlrpc_value *host_shutdown(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)p, (void)call;
	return queue_power(env, agent, "host.shutdown");
}

const struct tarn_cmd tarn_cmd_host[] = {
	{"host.info", "S:", "This host: hostname, Tarn version, Xen version (or \"not running on Xen\" "
			    "and xen_reason), hvm (whether HVM guests can run: AMD-V or VT-x with nested paging, and QEMU's device model) "
			    "and hvm_reason (why not, on Xen), cpus, cores, sockets, "
			    "memory_total_mib, memory_free_mib, "
			    "uptime (s), kernel, guests_running, and facts_age: how many seconds ago the "
			    "engine last recorded them (it does when one changes, and every 5 minutes; "
			    "-1: not yet); fingerprint: the agent's TLS certificate's SHA-256 "
			    "(SHA256:AB:..), which a host joining its pool is given to check it by; "
			    "watchdog_armed, whether Xen's watchdog would reboot this host should "
			    "its agent stop (armed while an HA guest runs here), and watchdog_timeout (s, 0 when "
			    "not armed).", host_info},
	{"host.reboot", "S:", "Queues a reboot of this host as a task (see task.get); returns the task.",
	 host_reboot},
	{"host.shutdown", "S:", "Queues powering this host off as a task; returns the task.", host_shutdown},
	{NULL, NULL, NULL, NULL},
};
