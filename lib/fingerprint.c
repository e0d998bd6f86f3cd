/* Certificate fingerprints as text; see fingerprint.h. */
#include "fingerprint.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void tarn_fingerprint_format(const unsigned char digest[TARN_FINGERPRINT_BYTES], char out[TARN_FINGERPRINT_LEN])
{
	char *p = out + sprintf(out, "%s", TARN_FINGERPRINT_PREFIX);
	for (int i = 0; i < TARN_FINGERPRINT_BYTES; i++)
		p += sprintf(p, i ? ":%02X" : "%02X", digest[i]);
}

const char *tarn_fingerprint_parse(const char *in, char out[TARN_FINGERPRINT_LEN], tarn_err err)
{
	unsigned char digest[TARN_FINGERPRINT_BYTES];
	size_t prefix = strlen(TARN_FINGERPRINT_PREFIX), n = 0;
	const char *s = in;
	if (strncasecmp(s, TARN_FINGERPRINT_PREFIX, prefix) == 0)
		s += prefix;
	for (; *s; s++) {
		if (*s == ':' && n % 2 == 0 && n > 0 && s[1] && s[1] != ':')
			continue; /* between pairs only */
		if (!isxdigit((unsigned char)*s) || n >= 2 * TARN_FINGERPRINT_BYTES)
			break;
		int v = isdigit((unsigned char)*s) ? *s - '0' : toupper((unsigned char)*s) - 'A' + 10;
		digest[n / 2] = (unsigned char)(n % 2 ? digest[n / 2] << 4 | v : v);
		n++;
	}
	if (*s || n != 2 * TARN_FINGERPRINT_BYTES) {
		snprintf(err, TARN_ERRLEN, "%.40s%s is not a SHA-256 fingerprint (64 hex digits, as SHA256:AB:CD:...)", in,
			 strlen(in) > 40 ? "..." : "");
		return err;
	}
	tarn_fingerprint_format(digest, out);
	return NULL;
}

int tarn_fingerprint_find(const char *text, char out[TARN_FINGERPRINT_LEN])
{
	tarn_err ignored;
	for (const char *s = text; (s = strstr(s, TARN_FINGERPRINT_PREFIX)); s++) {
		char candidate[TARN_FINGERPRINT_LEN];
		snprintf(candidate, sizeof candidate, "%s", s);
		if (strlen(candidate) == TARN_FINGERPRINT_LEN - 1 && !tarn_fingerprint_parse(candidate, out, ignored))
			return 0;
	}
	return -1;
}

void tarn_fingerprint_lines(const char *fp, char out[TARN_FINGERPRINT_LEN + 1])
{
	size_t half = strlen(TARN_FINGERPRINT_PREFIX) + 3 * (TARN_FINGERPRINT_BYTES / 2);
	if (strlen(fp) != TARN_FINGERPRINT_LEN - 1)
		half = strlen(fp);
	snprintf(out, TARN_FINGERPRINT_LEN + 1, "%.*s\n%s", (int)half, fp, fp + half);
}
