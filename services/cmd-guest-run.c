/* guest.* for a guest's run time: memory and vCPUs (kept in its xl.cfg,
 * applied live by the engine where Xen allows), its console log, suspend
 * to a file and resume. Limits are checked against the host's facts, as
 * the engine last read them (host-facts.h): this process has no libxl. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	char xen[8] = "", hvm[16] = "";
	if (tarn_guest_fits(c->memory, vcpus, fact_long(a->store, "host.memory_total_mib"),
			    fact_long(a->store, "host.cpus"), err))
		return -1;
	/* off Xen nothing runs: what the CPU has is not known from here */
	tarn_fact_get(a->store, "xen.running", xen, sizeof xen, NULL);
	tarn_fact_get(a->store, "host.hvm", hvm, sizeof hvm, NULL);
	if (strcmp(xen, "yes") == 0 && hvm[0] &&
	    tarn_guest_type_runs(c->type, tarn_hvm_named(hvm), access(TARN_DEVICE_MODEL, X_OK) == 0, err))
		return -1;
	return 0;
}

/* The pool, and the (name, integer) parameters; NULL with a fault. */
static tarn_pool *name_and_int(xmlrpc_env *env, xmlrpc_value *p, void *agent, const char **name, int *value)
{
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	if (pool)
		xmlrpc_decompose_value(env, p, "(si)", name, value);
	return env->fault_occurred ? NULL : pool;
}

/* guest.setMemory and guest.setVcpus: the guest's xl.cfg gets the new
 * value (so it holds at the next start); the engine applies it live. */
static xmlrpc_value *set_number(xmlrpc_env *env, xmlrpc_value *p, void *agent, const char *key)
{
	const char *name;
	int value;
	tarn_err err = "";
	tarn_pool *pool = name_and_int(env, p, agent, &name, &value);
	if (!pool)
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

#define CONSOLE_MAX (256 * 1024)

/* Bytes of a console as XML-RPC can carry them: UTF-8 kept, terminal
 * escape sequences and control characters (but newline and tab) dropped,
 * a byte that is not UTF-8 shown as '?'. In place; returns the new length. */
static size_t printable(char *buf, size_t n)
{
	unsigned char *b = (unsigned char *)buf;
	size_t out = 0;
	for (size_t i = 0; i < n;) {
		unsigned c = b[i];
		if (c == 0x1b && i + 1 < n && b[i + 1] == '[') { /* CSI: ESC [ parameters final */
			for (i += 2; i < n && (b[i] < 0x40 || b[i] > 0x7e); i++)
				;
			i++;
			continue;
		}
		if (c < 0x80) {
			if (c >= 0x20 ? c != 0x7f : c == '\n' || c == '\t')
				b[out++] = (unsigned char)c;
			i++;
			continue;
		}
		size_t len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
		size_t k = 1;
		while (len && k < len && i + k < n && (b[i + k] & 0xc0) == 0x80)
			k++;
		if (len && k == len) {
			memmove(b + out, b + i, len);
			out += len, i += len;
		} else {
			b[out++] = '?';
			i++;
		}
	}
	return out;
}

static int exists(void *ctx, const struct tarn_guest *g)
{
	(void)ctx, (void)g;
	return 0;
}

/* guest.console: the last bytes of the guest's console log. */
static xmlrpc_value *guest_console(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const struct tarn_agent *a = agent;
	const char *name;
	int want;
	tarn_err err = "";
	tarn_pool *pool = name_and_int(env, p, agent, &name, &want);
	if (!pool)
		return NULL;
	char path[4200];
	xmlrpc_value *v = NULL;
	int rc = tarn_pool_guests(pool, name, exists, NULL, err); /* a known guest: its name is safe in a path */
	if (rc) {
		tarn_cmd_pool_fault(env, rc, err);
	} else if (want < 1 || want > CONSOLE_MAX) {
		xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "bytes is 1 to %d", CONSOLE_MAX);
	} else {
		snprintf(path, sizeof path, "%s/guest-%s.log", a->console_dir ? a->console_dir : "", name);
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		struct stat sb;
		char *buf = fd >= 0 && fstat(fd, &sb) == 0 ? malloc((size_t)want) : NULL;
		off_t from = buf && sb.st_size > want ? sb.st_size - want : 0;
		ssize_t n = buf ? pread(fd, buf, (size_t)want, from) : -1;
		if (fd < 0 && errno == ENOENT)
			xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "guest %s has no console log yet "
						       "(it has not run on this host)", name);
		else if (n < 0)
			xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INTERNAL, "cannot read %s: %s", path,
						       strerror(errno));
		else
			v = xmlrpc_string_new_lp(env, printable(buf, (size_t)n), buf);
		free(buf);
		if (fd >= 0)
			close(fd);
	}
	free((void *)name);
	return v;
}

/* guest.suspend and guest.resume: desired states, as guest.setState sets them. */
static xmlrpc_value *power(xmlrpc_env *env, xmlrpc_value *p, void *agent, const char *state)
{
	const char *name;
	tarn_err err = "";
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	if (pool)
		xmlrpc_decompose_value(env, p, "(s)", &name);
	if (!pool || env->fault_occurred)
		return NULL;
	int rc = tarn_pool_guest_set_state(pool, name, state, err);
	free((void *)name);
	return rc ? tarn_cmd_pool_fault(env, rc, err) : xmlrpc_bool_new(env, 1);
}

static xmlrpc_value *guest_suspend(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	return power(env, p, agent, "suspended");
}

static xmlrpc_value *guest_resume(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	return power(env, p, agent, "running");
}

const struct tarn_cmd tarn_cmd_guest_run[] = {
	{"guest.setMemory", "b:si", "Sets a guest's memory in MiB, in its xl.cfg (for every start) and, if it runs, "
				    "live up to its maxmem; checked against the host's memory.", guest_set_memory},
	{"guest.setVcpus", "b:si", "Sets a guest's number of vCPUs, in its xl.cfg and, if it runs, live up to its "
				   "maxvcpus; checked against the host's CPUs.", guest_set_vcpus},
	{"guest.console", "s:si", "The last BYTES (up to 256 KiB) of a guest's console log, as xenconsoled keeps it "
				  "on this host (terminal escapes and control characters left out).", guest_console},
	{"guest.suspend", "b:s", "Suspends a running or paused guest to a file on this host (its domain then goes; "
				 "desired state suspended); refused for a guest meant to be stopped.", guest_suspend},
	{"guest.resume", "b:s", "Makes a guest meant to run again: a suspended one is restored from its file, a "
				"paused one unpaused (the same as guest.setState running).", guest_resume},
	{NULL, NULL, NULL, NULL},
};
