/* Passwords: the agent's HTTP basic auth and the console password.
 *
 * Only yescrypt hashes ("$y$", as Debian 12 uses for /etc/shadow) are made
 * and accepted; the plain password is never stored or logged. Failed network
 * logins are throttled per client address. */
#ifndef TARN_AUTH_H
#define TARN_AUTH_H
#include <stddef.h>

#include "validate.h"

#define TARN_PASSWORD_MIN 8   /* characters, not bytes */
#define TARN_PASSWORD_MAX 256

/* Hashes a new password with a random salt into out (128 bytes is plenty).
 * Returns 0, or -1 with a message: too short or long, control characters. */
int tarn_auth_hash(const char *password, char *out, size_t outlen, tarn_err err);
/* 1 when password matches the stored hash; 0 otherwise, including for an
 * empty or malformed hash. */
int tarn_auth_verify(const char *password, const char *hash);

/* 1 when the n bytes at a and b are equal. The time taken depends on n
 * only, so a partial match does not show in the timing. */
int tarn_ct_equal(const void *a, const void *b, size_t n);

/* After TARN_THROTTLE_FAILS failures within TARN_THROTTLE_WINDOW seconds a
 * client is refused for 1 s, doubling with each further failure up to
 * TARN_THROTTLE_MAX_DELAY; a success, or a quiet window after the refusal
 * ends, forgets it. A zeroed struct is an empty table; the least recently
 * seen client makes room for a new one. Not locked: callers serialise. */
#define TARN_THROTTLE_SLOTS 256
#define TARN_THROTTLE_FAILS 5
#define TARN_THROTTLE_WINDOW 60.0
#define TARN_THROTTLE_MAX_DELAY 300.0

struct tarn_throttle_entry {
	char client[64];   /* an address as text; longer keys are truncated */
	int used;
	int failures;
	double first;      /* first failure of the current window */
	double seen;       /* last use, for eviction */
	double until;      /* refused before this time */
};
struct tarn_throttle {
	struct tarn_throttle_entry e[TARN_THROTTLE_SLOTS];
};

/* now: seconds on a monotonic clock. When refused, returns 0 and sets
 * *retry_after (if not NULL) to the seconds left; otherwise returns 1. */
int tarn_throttle_allowed(struct tarn_throttle *t, const char *client, double now,
			  double *retry_after);
void tarn_throttle_failed(struct tarn_throttle *t, const char *client, double now);
void tarn_throttle_succeeded(struct tarn_throttle *t, const char *client);

#endif
