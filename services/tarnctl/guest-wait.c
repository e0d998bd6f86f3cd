/* Following a guest to its desired state; see guest-wait.h. */
#include "guest-wait.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct seen {
	char desired[16], actual[16], request[16], error[300];
	long long gen, error_gen;
};

/* guest.get: 0, or the exit code, said on stderr. With again set, the
 * pool's "cannot be reached now: try again" is EXIT_AGAIN, unsaid. */
#define EXIT_AGAIN (-1)
static int get(struct tarnctl *t, const char *name, struct seen *s, int again)
{
	xmlrpc_env env;
	xmlrpc_value *p, *r = NULL;
	int fault = 0;
	tarn_err err = "";
	xmlrpc_env_init(&env);
	p = xmlrpc_build_value(&env, "(s)", name);
	enum tarn_call_result c = env.fault_occurred ? TARN_CALL_FAULT
						     : tarn_client_call(t->client, "guest.get", p, &r, &fault, err);
	if (p)
		xmlrpc_DECREF(p);
	if (c != TARN_CALL_OK) {
		xmlrpc_env_clean(&env);
		if (again && c == TARN_CALL_FAULT && fault == -32500) /* TARN_FAULT_UNAVAILABLE */
			return EXIT_AGAIN;
		fprintf(stderr, "tarnctl: %s\n", err[0] ? err : "cannot read the guest");
		return c == TARN_CALL_UNREACHABLE ? EXIT_UNREACHABLE : EXIT_FAULT;
	}
	const char *desired, *actual, *request, *error;
	int gen, error_gen;
	xmlrpc_decompose_value(&env, r, "{s:s,s:s,s:s,s:s,s:i,s:i,*}", "desired", &desired, "actual", &actual, "request",
			       &request, "error", &error, "gen", &gen, "error_gen", &error_gen);
	xmlrpc_DECREF(r);
	int bad = env.fault_occurred;
	xmlrpc_env_clean(&env);
	if (bad) {
		fprintf(stderr, "tarnctl: guest.get answered without the guest's state\n");
		return EXIT_FAULT;
	}
	snprintf(s->desired, sizeof s->desired, "%s", desired);
	snprintf(s->actual, sizeof s->actual, "%s", actual);
	snprintf(s->request, sizeof s->request, "%s", request);
	snprintf(s->error, sizeof s->error, "%s", error);
	s->gen = gen, s->error_gen = error_gen;
	free((void *)desired), free((void *)actual), free((void *)request), free((void *)error);
	return 0;
}

long long tarnctl_guest_gen(struct tarnctl *t, const char *name)
{
	struct seen s;
	return get(t, name, &s, 0) ? -1 : s.gen;
}

int tarnctl_guest_wait(struct tarnctl *t, const char *name, long long gen_after)
{
	char last[16] = "";
	time_t until = time(NULL) + TARNCTL_GUEST_WAIT, unknown_since = time(NULL), failing = 0;
	for (;;) {
		struct seen s;
		int rc = get(t, name, &s, 1);
		if (rc == EXIT_AGAIN) {
			if (tarnctl_election_wait(&failing) && time(NULL) <= until) {
				sleep(1);
				continue;
			}
			rc = get(t, name, &s, 0); /* once more, saying why if it fails */
		}
		if (rc)
			return rc;
		failing = 0;
		if (strcmp(s.actual, last)) {
			fprintf(stderr, "%s: %s\n", name, s.actual);
			snprintf(last, sizeof last, "%s", s.actual);
		}
		if (!strcmp(s.actual, s.desired) && !s.request[0])
			return EXIT_OK;
		if (s.error[0] && s.error_gen >= gen_after) {
			fprintf(stderr, "tarnctl: %s: %s\n", name, s.error);
			return EXIT_FAULT;
		}
		if (strcmp(s.actual, "unknown"))
			unknown_since = time(NULL);
		/* A guest just defined is first reported at the engine's next
		 * scan, which a busy host (or software emulation) can delay well
		 * past its 2 s period: 10 s gave up on a guest that was starting. */
		if (time(NULL) - unknown_since > 60) {
			fprintf(stderr, "tarnctl: %s: no host has reported this guest (is its host running Xen?)\n", name);
			return EXIT_FAULT;
		}
		if (time(NULL) > until) {
			fprintf(stderr, "tarnctl: %s is still %s, not %s, after %d s\n", name, s.actual, s.desired,
				TARNCTL_GUEST_WAIT);
			return EXIT_FAULT;
		}
		usleep(500 * 1000);
	}
}
