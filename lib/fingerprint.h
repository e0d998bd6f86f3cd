/* A TLS certificate's fingerprint as Tarn shows it everywhere: the SHA-256
 * of the DER certificate, "SHA256:" then uppercase hex pairs joined by ':'
 * (as ssh shows a host key). Text only, so the CLI links it without a TLS
 * library; lib/cert-peer.h computes one. */
#ifndef TARN_FINGERPRINT_H
#define TARN_FINGERPRINT_H
#include "validate.h"

#define TARN_FINGERPRINT_BYTES 32
#define TARN_FINGERPRINT_PREFIX "SHA256:"
/* "SHA256:" + 32 pairs + 31 colons + NUL */
#define TARN_FINGERPRINT_LEN (7 + 3 * TARN_FINGERPRINT_BYTES)

void tarn_fingerprint_format(const unsigned char digest[TARN_FINGERPRINT_BYTES], char out[TARN_FINGERPRINT_LEN]);
/* What an admin typed, with or without "SHA256:", any case, colons
 * optional, in the shown form; NULL when acceptable, else err ("... is
 * not a SHA-256 fingerprint"). */
const char *tarn_fingerprint_parse(const char *in, char out[TARN_FINGERPRINT_LEN], tarn_err err);
/* fp on two lines (a newline after its 16th pair) for a console of 80
 * columns, where its 102 characters do not fit one. */
void tarn_fingerprint_lines(const char *fp, char out[TARN_FINGERPRINT_LEN + 1]);
/* The first fingerprint in the shown form within text (a fault message):
 * 0, or -1 when it has none. */
int tarn_fingerprint_find(const char *text, char out[TARN_FINGERPRINT_LEN]);

#endif
