/* Self-signed TLS identity for a fresh host (GnuTLS). */
#include "cert.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, len = 0, n;
	do {
		if (len + 4096 + 1 > cap) {
			char *b = realloc(buf, cap = cap * 2 + 8192);
			if (!b) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = b;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0 && len < 1 << 20);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static int make_pair(const char *key_path, const char *cert_path, const char *host_name, tarn_err err)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t kpem = {0}, cpem = {0};
	unsigned char serial[16];
	int rc = -1, g;
	time_t now = time(NULL);

	if ((g = gnutls_x509_privkey_init(&key)) ||
	    (g = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
					      GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) ||
	    (g = gnutls_x509_crt_init(&crt)) || (g = gnutls_x509_crt_set_version(crt, 3)) ||
	    (g = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial)))
		goto out;
	serial[0] &= 0x7f; /* a positive serial number */
	if ((g = gnutls_x509_crt_set_serial(crt, serial, sizeof serial)) ||
	    (g = gnutls_x509_crt_set_activation_time(crt, now - 3600)) ||
	    (g = gnutls_x509_crt_set_expiration_time(crt, now + 10L * 365 * 86400)) ||
	    (g = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, host_name,
					       (unsigned)strlen(host_name))) ||
	    (g = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, host_name,
						      (unsigned)strlen(host_name), GNUTLS_FSAN_SET)) ||
	    (g = gnutls_x509_crt_set_key(crt, key)) ||
	    (g = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) ||
	    (g = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) ||
	    (g = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &kpem)) ||
	    (g = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cpem)))
		goto out;
	/* the key first: a certificate without its key would be unusable */
	if (tarn_write_file_atomic(key_path, kpem.data, kpem.size, 0600, err) == 0 &&
	    tarn_write_file_atomic(cert_path, cpem.data, cpem.size, 0644, err) == 0)
		rc = 0;
out:
	if (g)
		snprintf(err, TARN_ERRLEN, "cannot make a TLS certificate: %s", gnutls_strerror(g));
	gnutls_free(kpem.data);
	gnutls_free(cpem.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return rc;
}

int tarn_cert_ensure(const char *key_path, const char *cert_path, const char *host_name,
		     char **key_pem, char **cert_pem, tarn_err err)
{
	if (access(key_path, F_OK) != 0 && access(cert_path, F_OK) != 0 &&
	    make_pair(key_path, cert_path, host_name, err))
		return -1;
	*key_pem = slurp(key_path);
	*cert_pem = slurp(cert_path);
	if (!*key_pem || !*cert_pem) {
		snprintf(err, TARN_ERRLEN, "cannot read the TLS key %.50s and certificate %.50s", key_path, cert_path);
		free(*key_pem);
		free(*cert_pem);
		return -1;
	}
	return 0;
}
