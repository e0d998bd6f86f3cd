/* The agent's API methods: one table (cmd-table.c) of small cmd-*.c files,
 * one per namespace, each entry an xmlrpc-c method with its signature. */
#ifndef TARN_CMD_H
#define TARN_CMD_H
#include <stdint.h>
#include <xmlrpc-c/base.h>
#include <xmlrpc-c/server.h>

#include "client.h"
#include "pool-store.h"
#include "store.h"

/* What restarts this host's pool node (services/tarnd/pool-member.c),
 * reached through pointers so the method tables link without it. */
struct tarn_membership_ops {
	/* fingerprint: the master's certificate as the admin read it on its
	 * console, NULL when not given (TARN_JOIN_UNCONFIRMED, err naming it) */
	int (*join)(void *membership, const char *master, const char *password, const char *fingerprint,
		    tarn_err err);
	int (*leave)(void *membership, int force, tarn_err err);
	int (*key)(void *membership, char hex[65], tarn_err err); /* the pool key */
};

/* What every method may use; passed as the registry's server info. */
struct tarn_agent {
	tarn_store *store;
	const char *version;
	tarn_pool *pool;   /* NULL when the pool node could not start */
	const char *repo_root; /* where repositories are mounted */
	const char *console_dir; /* xenconsoled's guest console logs (guest-NAME.log) */
	void *membership;  /* with membership_ops; NULL with the pool */
	const struct tarn_membership_ops *membership_ops;
	int engine_poke; /* a pipe to the root engine: a byte makes it look at the guests at once (<= 0: none) */
	const char *cert_fingerprint; /* of the agent's TLS certificate, as fingerprint.h shows it ("": unknown) */
};

/* join's answer when no fingerprint was given: nothing done, err carries
 * the master's (beside TARN_POOL_REFUSED and TARN_POOL_DOWN). */
enum { TARN_JOIN_UNCONFIRMED = -3 };

struct tarn_cmd {
	const char *name;      /* "namespace.verb" */
	const char *signature; /* xmlrpc-c signature string, e.g. "s:s" */
	const char *help;
	xmlrpc_method2 fn;
};

/* The methods other pool members may call, as the pool (cmd-pool.c); they
 * are in tarn_cmd_namespaces too. */
extern const struct tarn_cmd tarn_cmd_pool_peer[];

/* Who a call comes from (the registry's call info): the pool is another
 * member, authenticated with the pool password, and may call only
 * tarn_cmd_pool_peer's methods. */
struct tarn_caller {
	int pool;
};

extern const struct tarn_cmd *const tarn_cmd_namespaces[];

/* Fault codes callers can rely on (those of xmlrpc-c where it has one). */
enum {
	TARN_FAULT_TYPE = -501,     /* XMLRPC_TYPE_ERROR: wrong parameter type */
	TARN_FAULT_INVALID = -500,  /* a value refused by validation */
	TARN_FAULT_PARSE = -503,    /* XMLRPC_PARSE_ERROR: not XML-RPC */
	TARN_FAULT_NO_METHOD = -506,/* XMLRPC_NO_SUCH_METHOD_ERROR */
	TARN_FAULT_TOO_BIG = -509,  /* XMLRPC_LIMIT_EXCEEDED_ERROR */
	TARN_FAULT_UNAVAILABLE = -32500, /* the pool cannot be reached now: try again */
	/* and TARN_FAULT_UNCONFIRMED (client.h, which clients share) */
	TARN_FAULT_INTERNAL = -32603,
};

/* The pool, or NULL with a fault set when this host's pool node is down;
 * and a pool store result as a fault: -500 refused, -32500 unavailable. */
tarn_pool *tarn_cmd_need_pool(xmlrpc_env *env, void *agent);
/* cmd-work.c: whether the pool (when it answers) has a repository of that
 * name; and work on a repository's files (kind, args: task.h) queued here
 * for a repository of this host's, or handed to the pool's least loaded
 * utility server for one of the pool's, unless it needs what only this
 * host has (here names it: a local file to import), when the pool's
 * repository must be mounted here. Returns the task id here. */
int tarn_cmd_pool_has_repo(const struct tarn_agent *a, const char *name);
/* A name neither this host nor the pool has a repository of is refused. */
xmlrpc_value *tarn_cmd_queue_work(xmlrpc_env *env, const struct tarn_agent *a, const char *kind, const char *repo,
				  const char *args, const char *here);
/* A task of this host's (kind, subject, args: task.h) queued; its id, or
 * the fault. */
xmlrpc_value *tarn_cmd_queue_task(xmlrpc_env *env, const struct tarn_agent *a, const char *kind, const char *subject,
				  const char *args);
xmlrpc_value *tarn_cmd_pool_fault(xmlrpc_env *env, int rc, const char *err);
/* Integer parameter index (int or i8) of params, dflt when absent; a wrong
 * type is a type fault, a value outside min-max an invalid one naming
 * what. 0, or -1 with the fault set. */
int tarn_cmd_int_param(xmlrpc_env *env, xmlrpc_value *params, int index, int64_t dflt, int64_t min,
		       int64_t max, const char *what, int64_t *out);
/* Appends item to list and drops the caller's reference (nothing when a
 * fault is already set): 0, or -1 with the fault set. */
int tarn_cmd_append(xmlrpc_env *env, xmlrpc_value *list, xmlrpc_value *item);
/* The end of a method that walked the store into list: the list, or NULL
 * with a fault ("cannot read what") when the walk returned rc != 0. */
xmlrpc_value *tarn_cmd_list_result(xmlrpc_env *env, xmlrpc_value *list, int rc, const char *what);

struct tarn_xlcfg;
/* Whether a guest fits this host as the engine last read it (cmd-guest-run.c):
 * its memory, vcpus (below 0: not checked) and type (HVM needs AMD-V or VT-x).
 * 0, or -1 with err. */
int tarn_cmd_guest_fits_host(void *agent, const struct tarn_xlcfg *c, long vcpus, tarn_err err);

/* guest.undefine with deleteDisks (cmd-guest-disk.c): undefines the guest,
 * then queues the task that removes its disks in running_pool/<name>/
 * (found in its xl.cfg, read first); the task's id, 0 when there are none. */
xmlrpc_value *tarn_cmd_delete_disks(xmlrpc_env *env, void *agent, tarn_pool *pool, const char *name);

struct tarn_task;
/* A task as the API shows it (cmd-task.c). */
xmlrpc_value *tarn_cmd_task_value(xmlrpc_env *env, const struct tarn_task *t);

#endif
