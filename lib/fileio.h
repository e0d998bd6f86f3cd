/* Generated files are written to a temporary name, fsynced and renamed, so
 * a crash leaves the old file or the new one, never half of one. */
#ifndef TARN_FILEIO_H
#define TARN_FILEIO_H
#include <stddef.h>

#include "validate.h"

int tarn_write_file_atomic(const char *path, const void *data, size_t len, int mode, tarn_err err);
/* The whole file, malloc'd with a NUL after its *len bytes; NULL with err
 * when it cannot be read or is over max bytes. */
char *tarn_read_file(const char *path, size_t max, size_t *len, tarn_err err);
/* Sends all of n bytes to a blocking socket (no SIGPIPE): 0, or -1. */
int tarn_send_all(int fd, const void *p, size_t n);

#endif
