/* Certificates' fingerprints and a server's certificate; see cert-peer.h. */
#include "cert-peer.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int digest_of(const gnutls_datum_t *der, char fp[TARN_FINGERPRINT_LEN], tarn_err err)
{
	unsigned char d[TARN_FINGERPRINT_BYTES];
	int g = gnutls_hash_fast(GNUTLS_DIG_SHA256, der->data, der->size, d);
	if (g)
		return snprintf(err, TARN_ERRLEN, "cannot hash a certificate: %s", gnutls_strerror(g)), -1;
	tarn_fingerprint_format(d, fp);
	return 0;
}

int tarn_cert_fingerprint(const char *pem, char fp[TARN_FINGERPRINT_LEN], tarn_err err)
{
	gnutls_datum_t in = {(unsigned char *)pem, (unsigned)strlen(pem)}, der = {NULL, 0};
	int g = gnutls_pem_base64_decode2("CERTIFICATE", &in, &der);
	int rc = g ? (snprintf(err, TARN_ERRLEN, "not a PEM certificate: %s", gnutls_strerror(g)), -1)
		   : digest_of(&der, fp, err);
	gnutls_free(der.data);
	return rc;
}

/* A TCP connection to host:port within timeout_s, reads and writes then
 * bounded by it too; -1 with err. */
static int dial(const char *host, int port, unsigned timeout_s, tarn_err err)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
	char service[12];
	snprintf(service, sizeof service, "%d", port);
	int g = getaddrinfo(host, service, &hints, &ai), fd = -1;
	snprintf(err, TARN_ERRLEN, "cannot connect to %.60s:%d: %s", host, port, strerror(EADDRNOTAVAIL));
	if (g)
		return snprintf(err, TARN_ERRLEN, "cannot resolve %.60s: %s", host, gai_strerror(g)), -1;
	for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
		struct pollfd p = {fd, POLLOUT, 0};
		int soerr = 0;
		socklen_t len = sizeof soerr;
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0 &&
		    (errno != EINPROGRESS || poll(&p, 1, (int)timeout_s * 1000) != 1 ||
		     getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || (errno = soerr) != 0)) {
			if (errno == EINPROGRESS)
				errno = ETIMEDOUT;
			snprintf(err, TARN_ERRLEN, "cannot connect to %.60s:%d: %s", host, port, strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	struct timeval tv = {(time_t)timeout_s, 0};
	if (fd >= 0 && (fcntl(fd, F_SETFL, 0) != 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)) {
		snprintf(err, TARN_ERRLEN, "cannot set up a connection to %.60s:%d: %s", host, port, strerror(errno));
		close(fd);
		fd = -1;
	}
	return fd;
}

int tarn_cert_peer(const char *host, int port, unsigned timeout_s, char **pem, char fp[TARN_FINGERPRINT_LEN],
		   tarn_err err)
{
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_session_t s = NULL;
	gnutls_datum_t out = {NULL, 0};
	int fd = dial(host, port, timeout_s, err), rc = -1, g = 0;
	*pem = NULL;
	if (fd < 0)
		return -1;
	if ((g = gnutls_certificate_allocate_credentials(&cred)) || (g = gnutls_init(&s, GNUTLS_CLIENT)) ||
	    (g = gnutls_set_default_priority(s)) || (g = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred)))
		goto out;
	gnutls_transport_set_int(s, fd);
	gnutls_handshake_set_timeout(s, timeout_s * 1000);
	do
		g = gnutls_handshake(s);
	while (g < 0 && !gnutls_error_is_fatal(g));
	if (g)
		goto out;
	unsigned n = 0;
	const gnutls_datum_t *chain = gnutls_certificate_get_peers(s, &n);
	if (!chain || n == 0) {
		snprintf(err, TARN_ERRLEN, "the TLS server at %.60s:%d presents no certificate", host, port);
		goto out;
	}
	if (digest_of(&chain[0], fp, err))
		goto out;
	if ((g = gnutls_pem_base64_encode2("CERTIFICATE", &chain[0], &out)))
		goto out;
	if (!(*pem = strndup((const char *)out.data, out.size)))
		snprintf(err, TARN_ERRLEN, "out of memory");
	rc = *pem ? 0 : -1;
	gnutls_bye(s, GNUTLS_SHUT_WR);
out:
	if (g)
		snprintf(err, TARN_ERRLEN, "no TLS handshake with %.60s:%d: %s", host, port, gnutls_strerror(g));
	gnutls_free(out.data);
	if (s)
		gnutls_deinit(s);
	if (cred)
		gnutls_certificate_free_credentials(cred);
	close(fd);
	return rc;
}
