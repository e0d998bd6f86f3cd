/* Every method of every namespace in cmd-table.c, in one xmlrpc-c
 * registry, with bounds on what a request may make the parser build. */
#ifndef TARN_REGISTRY_H
#define TARN_REGISTRY_H
#include <xmlrpc-c/server.h>

#include "cmd.h"

xmlrpc_registry *tarn_registry_new(struct tarn_agent *agent, tarn_err err);
void tarn_registry_free(xmlrpc_registry *reg);

/* Parses, dispatches and serialises one request body (not NUL-terminated):
 * xmlrpc_registry_process_call2, after refusing what crashes the parser. */
void tarn_registry_process(xmlrpc_env *env, xmlrpc_registry *reg, const char *body, size_t len,
			   xmlrpc_mem_block **out);
/* The same for a caller who is not the administrator (cmd.h). */
void tarn_registry_process_as(xmlrpc_env *env, xmlrpc_registry *reg, const char *body, size_t len,
			      const struct tarn_caller *who, xmlrpc_mem_block **out);

#endif
