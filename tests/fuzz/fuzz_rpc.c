/* libFuzzer target: an authenticated request body, through xmlrpc-c's
 * parser and Tarn's whole method table, against a real node store on a
 * tmpfs. Anything but a crash, a sanitizer report or a leak is fine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xmlrpc-c/base.h>
#include <xmlrpc-c/server.h>

#include "cmd.h"
#include "registry.h"
#include "store.h"

static xmlrpc_registry *reg;
static struct tarn_agent agent = {.version = "fuzz"};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	static char dir[] = "/dev/shm/tarn-fuzz.XXXXXX";
	char db[64];
	tarn_err err = "";
	if (!mkdtemp(dir))
		abort();
	snprintf(db, sizeof db, "%s/node.db", dir);
	agent.store = tarn_store_open(db, err);
	reg = agent.store ? tarn_registry_new(&agent, err) : NULL;
	if (!reg) {
		fprintf(stderr, "fuzz setup: %s\n", err);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	xmlrpc_env env;
	xmlrpc_mem_block *out = NULL;
	xmlrpc_env_init(&env);
	tarn_registry_process(&env, reg, (const char *)data, size, &out);
	if (out)
		xmlrpc_mem_block_free(out);
	xmlrpc_env_clean(&env);
	return 0;
}
