/* The agent's TLS identity: a key and certificate in PEM files. */
#ifndef TARN_CERT_H
#define TARN_CERT_H
#include "fileio.h"
#include "validate.h"

/* Loads key and certificate; when neither exists, makes a self-signed pair
 * for host_name first (replace the files to use a CA-signed one). Returns
 * malloc'd PEM texts. */
int tarn_cert_ensure(const char *key_path, const char *cert_path, const char *host_name,
		     char **key_pem, char **cert_pem, tarn_err err);

#endif
