/* The agent's API methods: one table (cmd-table.c) of small cmd-*.c files,
 * one per namespace, each entry an xmlrpc-c method with its signature. */
#ifndef TARN_CMD_H
#define TARN_CMD_H
#include <xmlrpc-c/base.h>
#include <xmlrpc-c/server.h>

#include "store.h"

/* What every method may use; passed as the registry's server info. */
struct tarn_agent {
	tarn_store *store;
	const char *version;
	const char *repo_root; /* where repositories are mounted */
};

struct tarn_cmd {
	const char *name;      /* "namespace.verb" */
	const char *signature; /* xmlrpc-c signature string, e.g. "s:s" */
	const char *help;
	xmlrpc_method2 fn;
};

extern const struct tarn_cmd *const tarn_cmd_namespaces[];

/* Fault codes callers can rely on (those of xmlrpc-c where it has one). */
enum {
	TARN_FAULT_TYPE = -501,     /* XMLRPC_TYPE_ERROR: wrong parameter type */
	TARN_FAULT_INVALID = -500,  /* a value refused by validation */
	TARN_FAULT_PARSE = -503,    /* XMLRPC_PARSE_ERROR: not XML-RPC */
	TARN_FAULT_NO_METHOD = -506,/* XMLRPC_NO_SUCH_METHOD_ERROR */
	TARN_FAULT_TOO_BIG = -509,  /* XMLRPC_LIMIT_EXCEEDED_ERROR */
	TARN_FAULT_INTERNAL = -32603,
};

#endif
