/* Every method of every namespace in cmd-table.c, in one xmlrpc-c
 * registry, with bounds on what a request may make the parser build. */
#ifndef TARN_REGISTRY_H
#define TARN_REGISTRY_H
#include <xmlrpc-c/server.h>

#include "cmd.h"

xmlrpc_registry *tarn_registry_new(struct tarn_agent *agent, tarn_err err);

#endif
