/* Certificates and their fingerprints (fingerprint.h) with GnuTLS: this
 * agent's own, and the one a server presents, read in a TLS handshake of
 * its own before anything secret is sent, to be pinned (client.h's cafile)
 * for the calls that follow. */
#ifndef TARN_CERT_PEER_H
#define TARN_CERT_PEER_H
#include "fingerprint.h"

/* The fingerprint of the first certificate in pem: 0, or -1 with err. */
int tarn_cert_fingerprint(const char *pem, char fp[TARN_FINGERPRINT_LEN], tarn_err err);
/* The certificate the TLS server at host:port presents (unchecked: the
 * caller compares its fingerprint), as PEM in *pem (the caller's to free)
 * with its fingerprint: 0, or -1 with err when it cannot be read within
 * timeout_s. */
int tarn_cert_peer(const char *host, int port, unsigned timeout_s, char **pem, char fp[TARN_FINGERPRINT_LEN],
		   tarn_err err);

#endif
