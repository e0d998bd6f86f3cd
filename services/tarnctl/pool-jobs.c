/* tarnctl pool jobs: the pool's I/O work, where it went and how it goes. */
#include <stdio.h>
#include <stdlib.h>

#include "verb.h"

static void show_job(xmlrpc_env *env, xmlrpc_value *j)
{
	xmlrpc_int64 id;
	int progress;
	const char *kind, *repo, *host, *state, *message;
	xmlrpc_decompose_value(env, j, "{s:I,s:s,s:s,s:s,s:s,s:i,s:s,*}", "id", &id, "kind", &kind, "repo", &repo,
			       "host", &host, "state", &state, "progress", &progress, "message", &message);
	if (env->fault_occurred)
		return;
	printf("%-6lld %-12s %-12s %-22s %-9s %3d%%  %s\n", (long long)id, kind, repo, host, state, progress, message);
	free((void *)kind), free((void *)repo), free((void *)host), free((void *)state), free((void *)message);
}

void tarnctl_show_pool_jobs(xmlrpc_env *env, xmlrpc_value *jobs)
{
	printf("%-6s %-12s %-12s %-22s %-9s %4s  %s\n", "JOB", "KIND", "REPO", "UTILITY SERVER", "STATE", "DONE",
	       "MESSAGE");
	int n = xmlrpc_array_size(env, jobs);
	for (int i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_value *j;
		xmlrpc_array_read_item(env, jobs, (unsigned)i, &j);
		if (!env->fault_occurred) {
			show_job(env, j);
			xmlrpc_DECREF(j);
		}
	}
}
