/* tarnctl host info | host reboot --yes | host shutdown --yes |
 *         host evacuate [--reboot|--shutdown] [--timeout SECONDS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host-evacuate.h"
#include "verb.h"

static void show_info(xmlrpc_env *env, xmlrpc_value *v)
{
	const char *host, *version, *xen, *reason, *kernel, *hvm_reason;
	int cpus, cores, sockets, guests;
	xmlrpc_bool hvm;
	xmlrpc_int64 total, free_mib, uptime, age;
	xmlrpc_decompose_value(env, v, "{s:s,s:s,s:s,s:s,s:b,s:s,s:i,s:i,s:i,s:I,s:I,s:I,s:s,s:i,s:I,*}", "hostname",
			       &host, "version", &version, "xen", &xen, "xen_reason", &reason, "hvm", &hvm, "hvm_reason",
			       &hvm_reason, "cpus", &cpus, "cores", &cores, "sockets", &sockets, "memory_total_mib", &total,
			       "memory_free_mib", &free_mib, "uptime", &uptime, "kernel", &kernel,
			       "guests_running", &guests, "facts_age", &age);
	if (env->fault_occurred)
		return;
	printf("%-15s %s\n%-15s %s\n", "hostname", host, "Tarn", version);
	printf("%-15s %s%s%s%s\n", "Xen", xen, reason[0] ? " (" : "", reason, reason[0] ? ")" : "");
	printf("%-15s %s%s\n", "HVM guests", hvm ? "yes" : "no", hvm || !hvm_reason[0] ? "" : " (see below)");
	if (!hvm && hvm_reason[0])
		printf("%-15s %s\n", "", hvm_reason);
	printf("%-15s %d (%d cores, %d socket%s)\n", "CPUs", cpus, cores, sockets, sockets == 1 ? "" : "s");
	printf("%-15s %lld MiB free of %lld MiB\n", "memory", (long long)free_mib, (long long)total);
	printf("%-15s %d\n", "guests running", guests);
	printf("%-15s %lld d %02lld:%02lld\n", "uptime", (long long)uptime / 86400,
	       (long long)uptime % 86400 / 3600, (long long)uptime % 3600 / 60);
	printf("%-15s %s\n", "kernel", kernel);
	xmlrpc_bool armed = 0;
	int timeout = 0;
	xmlrpc_decompose_value(env, v, "{s:b,s:i,*}", "watchdog_armed", &armed, "watchdog_timeout", &timeout);
	if (env->fault_occurred) /* an older agent: not said */
		xmlrpc_env_clean(env), xmlrpc_env_init(env);
	else if (armed)
		printf("%-15s armed: Xen reboots this host %d s after its agent stops (an HA guest runs here)\n",
		       "watchdog", timeout);
	else
		printf("%-15s not armed (no HA guest runs here)\n", "watchdog");
	if (age < 0)
		printf("%-15s not yet: the engine has not read the host\n", "facts read");
	else
		printf("%-15s %lld s ago\n", "facts read", (long long)age);
	xmlrpc_value *fp = NULL; /* what a host joining this one's pool is given to check it by */
	xmlrpc_struct_find_value(env, v, "fingerprint", &fp);
	if (fp) {
		const char *text = NULL;
		xmlrpc_read_string(env, fp, &text);
		if (text && text[0])
			printf("%-15s %s\n", "certificate", text);
		free((void *)text);
		xmlrpc_DECREF(fp);
	}
	free((void *)host), free((void *)version), free((void *)xen), free((void *)reason), free((void *)kernel);
	free((void *)hvm_reason);
}

static void show_queued(xmlrpc_env *env, xmlrpc_value *task)
{
	xmlrpc_int64 id;
	const char *kind;
	xmlrpc_decompose_value(env, task, "{s:I,s:s,*}", "id", &id, "kind", &kind);
	if (env->fault_occurred)
		return;
	printf("%s queued as task %lld (tarnctl task wait %lld follows it)\n", kind, (long long)id,
	       (long long)id);
	free((void *)kind);
}

static int host(struct tarnctl *t, int argc, char **argv)
{
	const char *what = argv[0];
	if (strcmp(what, "info") == 0 && argc == 1)
		return tarnctl_call(t, "host.info", NULL, show_info);
	if (strcmp(what, "evacuate") == 0)
		return tarnctl_host_evacuate(t, argc, argv);
	int power = strcmp(what, "reboot") == 0 || strcmp(what, "shutdown") == 0;
	if (power && argc == 2 && strcmp(argv[1], "--yes") == 0)
		return tarnctl_call(t, strcmp(what, "reboot") == 0 ? "host.reboot" : "host.shutdown", NULL,
				    show_queued);
	if (power && argc == 1) {
		fprintf(stderr, "tarnctl: host %s stops every guest on this host: add --yes if you mean it\n",
			what);
		return EXIT_USAGE;
	}
	fprintf(stderr, "usage: tarnctl host info | host reboot --yes | host shutdown --yes |\n"
			"       host evacuate [--reboot|--shutdown] [--timeout SECONDS]\n");
	return EXIT_USAGE;
}

const struct tarnctl_verb tarnctl_verbs_host[] = {
	{"host", "info|reboot|shutdown|evacuate", "this host's Xen, CPUs, memory and uptime; reboot or power it "
						  "off (with --yes); evacuate: maintenance, its guests moved away, then "
						  "--reboot or --shutdown if asked", 1, 4, host},
	{NULL, NULL, NULL, 0, 0, NULL},
};
