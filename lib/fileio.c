/* Files written whole or not at all; see fileio.h. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int tarn_write_file_atomic(const char *path, const void *data, size_t len, int mode, tarn_err err)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return snprintf(err, TARN_ERRLEN, "path too long"), -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return snprintf(err, TARN_ERRLEN, "cannot write %.100s: %s", tmp, strerror(errno)), -1;
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, TARN_ERRLEN, "cannot write %.100s: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		snprintf(err, TARN_ERRLEN, "cannot save %.100s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

char *tarn_read_file(const char *path, size_t max, size_t *len, tarn_err err)
{
	FILE *f = fopen(path, "rbe");
	if (!f)
		return snprintf(err, TARN_ERRLEN, "cannot read %.100s: %s", path, strerror(errno)), NULL;
	char *buf = malloc(max + 2);
	*len = buf ? fread(buf, 1, max + 1, f) : 0;
	int bad = !buf || ferror(f);
	fclose(f);
	if (bad || *len > max) {
		snprintf(err, TARN_ERRLEN, "%.100s: %s", path, bad ? "cannot read it" : "too large");
		free(buf);
		return NULL;
	}
	buf[*len] = '\0';
	return buf;
}

int tarn_send_all(int fd, const void *data, size_t n)
{
	const char *p = data;
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k, n -= (size_t)k;
	}
	return 0;
}
