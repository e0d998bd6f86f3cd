/* lib/fingerprint and lib/cert-peer: the shown form, what an admin may type,
 * finding one in a message, and a certificate's (as openssl computes it). */
#include <stdlib.h>
#include <string.h>

#include "cert-peer.h"
#include "check.h"

/* openssl req -x509 -newkey ec ...; openssl x509 -noout -fingerprint -sha256 */
static const char *pem =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBeDCCAR+gAwIBAgIUC55ShM0O7GiMEpml4cpEqz+HTzwwCgYIKoZIzj0EAwIw\n"
	"EjEQMA4GA1UEAwwHZnAtdGVzdDAeFw0yNjExMjQwOTMyMTRaFw0zNjExMjEwOTMy\n"
	"MTRaMBIxEDAOBgNVBAMMB2ZwLXRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC\n"
	"AASXJrbdrwLz+DR2OtJUElG2k9W3YjGIat145Zuv1xzCt1AC5RaP9qc98kuofdXD\n"
	"Fd+qO3tJc9UiitgBkS7FVLETo1MwUTAdBgNVHQ4EFgQUmImXH6Z3jYJwxv9ol2G0\n"
	"xIzpwfswHwYDVR0jBBgwFoAUmImXH6Z3jYJwxv9ol2G0xIzpwfswDwYDVR0TAQH/\n"
	"BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiB6w3JFiLJYEhIZuNS8N1gOEwDoxwsp\n"
	"0wUhtXirwBNS7AIgLt3HxOCIdsqRKDwLezpck/XgB3ADVUY2AfxLlTxy1KI=\n"
	"-----END CERTIFICATE-----\n"
	;
#define FP "SHA256:73:CC:43:B9:8A:81:76:A2:3E:BD:58:0A:1A:86:9C:1F:EE:49:EC:29:18:A9:99:D4:20:4D:FA:74:BD:56:C2:8B"

int main(void)
{
	char fp[TARN_FINGERPRINT_LEN], got[TARN_FINGERPRINT_LEN];
	tarn_err e = "";
	CHECK("fingerprint: a PEM certificate's is openssl's SHA-256, shown SHA256:AB:..",
	      tarn_cert_fingerprint(pem, fp, e) == 0 && strcmp(fp, FP) == 0);
	CHECK("fingerprint: the shown form parses to itself", !tarn_fingerprint_parse(FP, got, e) && !strcmp(got, FP));
	CHECK("fingerprint: without the prefix, in lower case",
	      !tarn_fingerprint_parse(FP + 7, got, e) && !strcmp(got, FP) &&
	      !tarn_fingerprint_parse("73:cc:43:b9:8a:81:76:a2:3e:bd:58:0a:1a:86:9c:1f:ee:49:ec:29:18:a9:99:d4:20:4d:"
				      "fa:74:bd:56:c2:8b", got, e) && !strcmp(got, FP));
	CHECK("fingerprint: without colons, prefix in lower case",
	      !tarn_fingerprint_parse("sha256:73cc43b98a8176a23ebd580a1a869c1fee49ec2918a999d4204dfa74bd56c28b", got, e) &&
	      !strcmp(got, FP));
	CHECK("fingerprint: one digit short is refused, saying what is wanted",
	      tarn_fingerprint_parse("73cc43b98a8176a23ebd580a1a869c1fee49ec2918a999d4204dfa74bd56c28", got, e) &&
	      strstr(e, "not a SHA-256 fingerprint"));
	CHECK("fingerprint: one digit more is refused",
	      tarn_fingerprint_parse("73cc43b98a8176a23ebd580a1a869c1fee49ec2918a999d4204dfa74bd56c28b0", got, e));
	CHECK("fingerprint: a stray character or a colon inside a pair is refused",
	      tarn_fingerprint_parse("73cc43b98a8176a23ebd580a1a869c1fee49ec2918a999d4204dfa74bd56c28x", got, e) &&
	      tarn_fingerprint_parse("7:3cc43b98a8176a23ebd580a1a869c1fee49ec2918a999d4204dfa74bd56c28b", got, e) &&
	      tarn_fingerprint_parse("", got, e) && tarn_fingerprint_parse("MD5:" FP, got, e));
	CHECK("fingerprint: found in a fault message",
	      tarn_fingerprint_find("the pool master at h:1 presents certificate " FP "; check it", got) == 0 &&
	      !strcmp(got, FP));
	CHECK("fingerprint: a message without one has none",
	      tarn_fingerprint_find("presents certificate SHA256:AB:CD; check", got) == -1 &&
	      tarn_fingerprint_find("nothing", got) == -1);
	char lines[TARN_FINGERPRINT_LEN + 1];
	tarn_fingerprint_lines(FP, lines);
	CHECK("fingerprint: on two lines for 80 columns, after the 16th pair",
	      !strcmp(lines, "SHA256:73:CC:43:B9:8A:81:76:A2:3E:BD:58:0A:1A:86:9C:1F:\n"
			     "EE:49:EC:29:18:A9:99:D4:20:4D:FA:74:BD:56:C2:8B"));
	CHECK("fingerprint: not PEM is refused", tarn_cert_fingerprint("hello", fp, e) == -1 && strstr(e, "PEM"));
	char *peer = NULL;
	CHECK("fingerprint: no server at a closed port: an error, no certificate",
	      tarn_cert_peer("127.0.0.1", 1, 2, &peer, fp, e) == -1 && !peer && strstr(e, "127.0.0.1:1"));
	CHECK_EXIT();
}
