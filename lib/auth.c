/* Password hashing and failed-login throttling; see auth.h. */
#include "auth.h"

#include <crypt.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(tarn_err err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(tarn_err err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, TARN_ERRLEN, fmt, ap);
	va_end(ap);
	return -1;
}

int tarn_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

/* Messages never quote the password: they may end up in a log. */
static int check_password(const char *p, tarn_err err)
{
	size_t chars = 0;
	if (!p || !*p)
		return fail(err, "a password is required");
	for (const unsigned char *s = (const unsigned char *)p; *s; s++) {
		/* C0, DEL, and C1 as UTF-8 (C2 80-9F): a console cannot type
		 * them back reliably, and a pasted newline is a mistake. */
		if (*s < 0x20 || *s == 0x7f || (*s == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f))
			return fail(err, "the password must not contain control characters "
					 "(tabs, newlines, escapes)");
		if ((*s & 0xc0) != 0x80) /* count UTF-8 characters, not bytes */
			chars++;
	}
	if (chars < TARN_PASSWORD_MIN)
		return fail(err, "the password is too short: at least %d characters",
			    TARN_PASSWORD_MIN);
	if (chars > TARN_PASSWORD_MAX)
		return fail(err, "the password is too long: at most %d characters",
			    TARN_PASSWORD_MAX);
	return 0;
}

/* crypt_data is 32 KiB: on the heap, so small thread stacks are safe, and
 * wiped afterwards, since it holds material derived from the password. */
static const char *hash_with(const char *password, const char *setting, struct crypt_data **cd)
{
	*cd = calloc(1, sizeof **cd);
	return *cd ? crypt_rn(password, setting, *cd, sizeof **cd) : NULL;
}

static void wipe(struct crypt_data *cd)
{
	if (cd)
		explicit_bzero(cd, sizeof *cd);
	free(cd);
}

int tarn_auth_hash(const char *password, char *out, size_t outlen, tarn_err err)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	if (check_password(password, err))
		return -1;
	/* NULL rbytes: libcrypt draws the salt from the OS RNG (getrandom);
	 * count 0: yescrypt's default cost, the same as /etc/shadow's. */
	if (!crypt_gensalt_rn("$y$", 0, NULL, 0, setting, sizeof setting))
		return fail(err, "cannot make a password salt: %s", strerror(errno));
	const char *h = hash_with(password, setting, &cd);
	int rc = 0;
	if (!h || strncmp(h, "$y$", 3) != 0)
		rc = fail(err, "yescrypt password hashing failed");
	else if (strlen(h) >= outlen)
		rc = fail(err, "no room for the password hash (%zu bytes)", strlen(h));
	else
		memcpy(out, h, strlen(h) + 1);
	wipe(cd);
	return rc;
}

int tarn_auth_verify(const char *password, const char *hash)
{
	struct crypt_data *cd;
	/* Only our own kind of hash: an empty or foreign one (DES, "*", "!")
	 * must not let anybody in. Overlong input could never have been set. */
	if (!password || !hash || strncmp(hash, "$y$", 3) != 0 ||
	    strlen(password) > 4 * TARN_PASSWORD_MAX)
		return 0;
	const char *h = hash_with(password, hash, &cd);
	size_t n = strlen(hash);
	int ok = h && h[0] == '$' && strlen(h) == n && tarn_ct_equal(h, hash, n);
	wipe(cd);
	return ok;
}

static int same_client(const struct tarn_throttle_entry *e, const char *client)
{
	return e->used && strncmp(e->client, client, sizeof e->client - 1) == 0;
}

static struct tarn_throttle_entry *find(struct tarn_throttle *t, const char *client)
{
	for (int i = 0; i < TARN_THROTTLE_SLOTS; i++)
		if (same_client(&t->e[i], client))
			return &t->e[i];
	return NULL;
}

/* A free slot, or else the least recently seen client's. */
static struct tarn_throttle_entry *claim(struct tarn_throttle *t, const char *client)
{
	struct tarn_throttle_entry *e = &t->e[0];
	for (int i = 0; i < TARN_THROTTLE_SLOTS && e->used; i++)
		if (!t->e[i].used || t->e[i].seen < e->seen)
			e = &t->e[i];
	memset(e, 0, sizeof *e);
	snprintf(e->client, sizeof e->client, "%s", client);
	e->used = 1;
	return e;
}

/* 1 s at the TARN_THROTTLE_FAILS-th failure, doubling, capped. */
static double delay(int failures)
{
	double d = 1;
	for (int i = TARN_THROTTLE_FAILS; i < failures && d < TARN_THROTTLE_MAX_DELAY; i++)
		d *= 2;
	return d < TARN_THROTTLE_MAX_DELAY ? d : TARN_THROTTLE_MAX_DELAY;
}

int tarn_throttle_allowed(struct tarn_throttle *t, const char *client, double now,
			  double *retry_after)
{
	struct tarn_throttle_entry *e = find(t, client ? client : "");
	double left = 0;
	if (e) {
		e->seen = now; /* a client still knocking keeps its refusal */
		left = e->until - now;
	}
	if (retry_after)
		*retry_after = left > 0 ? left : 0;
	return left <= 0;
}

void tarn_throttle_failed(struct tarn_throttle *t, const char *client, double now)
{
	if (!client)
		client = "";
	struct tarn_throttle_entry *e = find(t, client);
	if (!e)
		e = claim(t, client);
	e->seen = now;
	/* Forget old failures: a window after the first one, or once refused,
	 * a window after the refusal ended. */
	if (e->failures < TARN_THROTTLE_FAILS ? now - e->first > TARN_THROTTLE_WINDOW
					      : now - e->until > TARN_THROTTLE_WINDOW)
		e->failures = 0;
	if (e->failures == 0)
		e->first = now;
	if (e->failures < TARN_THROTTLE_FAILS + 30) /* the delay is capped long before */
		e->failures++;
	if (e->failures >= TARN_THROTTLE_FAILS)
		e->until = now + delay(e->failures);
}

void tarn_throttle_succeeded(struct tarn_throttle *t, const char *client)
{
	struct tarn_throttle_entry *e = find(t, client ? client : "");
	if (e)
		memset(e, 0, sizeof *e);
}
