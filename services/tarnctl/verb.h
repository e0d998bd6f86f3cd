/* tarnctl's verbs: one table (verb-table.c) of small verb-*.c files. */
#ifndef TARNCTL_VERB_H
#define TARNCTL_VERB_H
#include <time.h>
#include <xmlrpc-c/base.h>

#include "client.h"

struct tarnctl {
	tarn_client *client;
	int json;       /* machine-readable output */
};

/* Exit codes scripts can rely on. */
enum { EXIT_OK = 0, EXIT_FAULT = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3 };

struct tarnctl_verb {
	const char *name;
	const char *args;   /* shown in usage */
	const char *help;
	int min_args, max_args;
	int (*run)(struct tarnctl *t, int argc, char **argv);
};

extern const struct tarnctl_verb *const tarnctl_verbs[];

/* Calls method with the given params (or none) and prints the result:
 * as JSON with --json, else through show (or a generic rendering). */
int tarnctl_call(struct tarnctl *t, const char *method, xmlrpc_value *params,
		 void (*show)(xmlrpc_env *env, xmlrpc_value *result));
/* tarnctl_call with params built by xmlrpc_build_value(format, ...). */
int tarnctl_callf(struct tarnctl *t, const char *method, void (*show)(xmlrpc_env *env, xmlrpc_value *result),
		  const char *format, ...);
/* tarnctl_call with a single string parameter. */
int tarnctl_call_string(struct tarnctl *t, const char *method, const char *arg);
/* tarnctl_call with n string parameters, shown through show (or NULL). */
int tarnctl_call_strings(struct tarnctl *t, const char *method, int n, char **args,
			 void (*show)(xmlrpc_env *env, xmlrpc_value *result));
/* The generic human rendering: scalars as they are, structs as "key: value"
 * lines, arrays one item a line. */
void tarnctl_show(xmlrpc_env *env, xmlrpc_value *v);

/* Follows task id until it ends, printing its progress as it changes;
 * EXIT_OK when it is done, EXIT_FAULT when it failed or was cancelled
 * (verb-task.c). */
int tarnctl_task_wait(struct tarnctl *t, long long id);
/* pool.jobs' answer as a table (pool-jobs.c). */
void tarnctl_show_pool_jobs(xmlrpc_env *env, xmlrpc_value *jobs);

/* A pool briefly without a leader (an election: a pool of two under load
 * has them) is waited out for up to 30 s by the verbs that follow
 * something. *since is when the failing calls began (0 while calls
 * succeed: it is set here); true while it is still worth waiting. */
int tarnctl_election_wait(time_t *since);

#endif
