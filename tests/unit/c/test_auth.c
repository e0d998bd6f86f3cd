/* lib/auth: yescrypt hashes, what passwords are refused, and the failed-login
 * throttle, driven by a fake clock. */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "check.h"

static tarn_err e;
static struct tarn_throttle t; /* static: zeroed, and 25 KiB off the stack */

static int refused(const char *password, const char *words)
{
	char h[128];
	e[0] = '\0';
	return tarn_auth_hash(password, h, sizeof h, e) == -1 && strstr(e, words) &&
	       (!*password || !strstr(e, password)); /* the message never quotes it */
}

static void hashing(void)
{
	const char *pw = "correct horse battery";
	char h[128] = "", h2[128] = "";
	CHECK("auth: a good password hashes", tarn_auth_hash(pw, h, sizeof h, e) == 0);
	CHECK("auth: a hash verifies its password", tarn_auth_verify(pw, h) == 1);
	CHECK("auth: a hash does not verify a wrong password",
	      tarn_auth_verify("correct horse batterz", h) == 0);
	CHECK("auth: a hash does not verify an empty password", tarn_auth_verify("", h) == 0);
	CHECK("auth: a hash does not verify a NULL password", tarn_auth_verify(NULL, h) == 0);
	CHECK("auth: the hash is yescrypt ($y$)", strncmp(h, "$y$", 3) == 0);
	CHECK("auth: the hash does not contain the password", h[0] && !strstr(h, pw));
	CHECK("auth: two hashes of one password differ (salted)",
	      tarn_auth_hash(pw, h2, sizeof h2, e) == 0 && strcmp(h, h2) != 0 &&
	      tarn_auth_verify(pw, h2) == 1);
	CHECK("auth: the store accepts the hash's form", strlen(h) >= 20 && !strchr(h, ' '));
	char small[16];
	CHECK("auth: a too small output buffer is refused",
	      tarn_auth_hash(pw, small, sizeof small, e) == -1 && strstr(e, "no room"));

	CHECK("auth: a 7-character password is refused", refused("1234567", "too short"));
	CHECK("auth: an 8-character password is accepted", tarn_auth_hash("12345678", h2, sizeof h2, e) == 0);
	CHECK("auth: length counts characters, not bytes", refused("\u00e9\u00e9\u00e9\u00e9\u00e9", "too short"));
	CHECK("auth: an empty password is refused", refused("", "required"));
	CHECK("auth: a NULL password is refused",
	      tarn_auth_hash(NULL, h2, sizeof h2, e) == -1 && strstr(e, "required"));
	CHECK("auth: a newline is refused", refused("password\nline", "control characters"));
	CHECK("auth: a tab is refused", refused("pass\tword", "control characters"));
	CHECK("auth: an escape is refused", refused("password\033[2J", "control characters"));
	CHECK("auth: a DEL is refused", refused("password\x7f", "control characters"));
	CHECK("auth: a C1 control (UTF-8) is refused", refused("password\xc2\x9b", "control characters"));
	char longpw[300];
	memset(longpw, 'a', 257);
	longpw[257] = '\0';
	CHECK("auth: 257 characters are refused", refused(longpw, "too long"));
	longpw[256] = '\0';
	CHECK("auth: 256 characters are accepted",
	      tarn_auth_hash(longpw, h2, sizeof h2, e) == 0 && tarn_auth_verify(longpw, h2) == 1);

	CHECK("auth: an empty stored hash never verifies", tarn_auth_verify("", "") == 0 &&
							 tarn_auth_verify(pw, "") == 0);
	CHECK("auth: a bare $y$ never verifies", tarn_auth_verify(pw, "$y$") == 0 &&
						 tarn_auth_verify("", "$y$") == 0);
	CHECK("auth: garbage never verifies", tarn_auth_verify(pw, "garbage") == 0 &&
					      tarn_auth_verify("garbage", "garbage") == 0);
	CHECK("auth: a NULL stored hash never verifies", tarn_auth_verify(pw, NULL) == 0);
	char cut[128];
	snprintf(cut, sizeof cut, "%s", h);
	cut[strlen(cut) - 1] = '\0';
	CHECK("auth: a truncated hash never verifies", tarn_auth_verify(pw, cut) == 0);
	snprintf(cut, sizeof cut, "%s", h);
	cut[strlen(cut) - 1] ^= 1;
	CHECK("auth: an altered hash never verifies", tarn_auth_verify(pw, cut) == 0);
}

static int fails(const char *client, int n, double now)
{
	for (int i = 0; i < n; i++)
		tarn_throttle_failed(&t, client, now);
	double r;
	return tarn_throttle_allowed(&t, client, now, &r);
}

static void throttling(void)
{
	const char *a = "192.0.2.1";
	double r = -1;
	CHECK("auth: throttle: an unknown client is allowed",
	      tarn_throttle_allowed(&t, a, 100, &r) == 1 && r == 0);
	CHECK("auth: throttle: 4 failures are allowed", fails(a, 4, 100) == 1);
	tarn_throttle_failed(&t, a, 101);
	CHECK("auth: throttle: the 5th failure in 60 s is refused, retry_after > 0",
	      tarn_throttle_allowed(&t, a, 101, &r) == 0 && r == 1);
	CHECK("auth: throttle: retry_after counts down",
	      tarn_throttle_allowed(&t, a, 101.25, &r) == 0 && r == 0.75);
	CHECK("auth: throttle: another client is unaffected",
	      tarn_throttle_allowed(&t, "192.0.2.2", 101, &r) == 1 && r == 0);
	CHECK("auth: throttle: allowed again when the delay has passed",
	      tarn_throttle_allowed(&t, a, 102, &r) == 1 && r == 0);

	/* Each further failure, made when allowed again, doubles the delay. */
	double now = 102, prev = 1;
	int doubles = 1;
	for (int i = 0; i < 12; i++) {
		tarn_throttle_failed(&t, a, now);
		tarn_throttle_allowed(&t, a, now, &r);
		if (r != (2 * prev < 300 ? 2 * prev : 300))
			doubles = 0;
		prev = r;
		now += r;
	}
	CHECK("auth: throttle: the delay doubles with each failure", doubles);
	CHECK("auth: throttle: the delay is capped at 300 s", r == 300);
	CHECK("auth: throttle: refused just before the capped delay ends",
	      tarn_throttle_allowed(&t, a, now - 0.5, &r) == 0);

	tarn_throttle_succeeded(&t, a);
	CHECK("auth: throttle: a success resets the client",
	      tarn_throttle_allowed(&t, a, now - 0.5, &r) == 1 && r == 0);
	CHECK("auth: throttle: after a success, 4 failures are allowed again", fails(a, 4, now) == 1);
	CHECK("auth: throttle: failures older than 60 s are forgotten", fails(a, 1, now + 61) == 1);
	CHECK("auth: throttle: and new ones count again", fails(a, 4, now + 62) == 0);

	/* Fill the table: "old" is refused and least recently seen, "c0" has
	 * 4 failures, then 254 more clients; one more evicts only "old". */
	memset(&t, 0, sizeof t);
	CHECK("auth: throttle: setup: old is refused", fails("old", 5, 0) == 0);
	fails("c0", 4, 0.01);
	char c[32];
	for (int i = 1; i < TARN_THROTTLE_SLOTS - 1; i++) {
		snprintf(c, sizeof c, "2001:db8::%d", i);
		tarn_throttle_failed(&t, c, 0.02 + i * 1e-4);
	}
	tarn_throttle_failed(&t, "new", 0.1);
	CHECK("auth: throttle: a full table evicts the least recently seen",
	      tarn_throttle_allowed(&t, "old", 0.2, &r) == 1);
	CHECK("auth: throttle: the others are kept when full", fails("c0", 1, 0.2) == 0);
	CHECK("auth: throttle: the newcomer is tracked", fails("new", 4, 0.3) == 0);
	for (int i = 0; i < 3 * TARN_THROTTLE_SLOTS; i++) {
		snprintf(c, sizeof c, "198.51.100.%d", i);
		tarn_throttle_failed(&t, c, 1 + i);
	}
	CHECK("auth: throttle: many more clients than slots keep it working",
	      fails(c, 5, 1000) == 0 && tarn_throttle_allowed(&t, "198.51.100.0", 1000, &r) == 1);
}

int main(void)
{
	hashing();
	throttling();
	CHECK_EXIT();
}
