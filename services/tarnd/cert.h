/* The agent's TLS identity: a key and certificate in PEM files. */
#ifndef TARN_CERT_H
#define TARN_CERT_H
#include "validate.h"

/* Loads key and certificate; when neither exists, makes a self-signed pair
 * for host_name first (replace the files to use a CA-signed one). Returns
 * malloc'd PEM texts. */
int tarn_cert_ensure(const char *key_path, const char *cert_path, const char *host_name,
		     char **key_pem, char **cert_pem, tarn_err err);

/* Writes data to path through a temporary file, fsync and rename, so a
 * crash leaves the old file or the new one, never half of one. */
int tarn_write_file_atomic(const char *path, const void *data, size_t len, int mode, tarn_err err);

#endif
