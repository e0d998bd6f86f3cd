/* Reflink or sparse copies of disk images; see diskcopy.h. */
#include "diskcopy.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "units.h"

#define CHUNK (1 << 20)

static int failed(int errnum, const char *what, const char *path, tarn_err err)
{
	if (errnum == ENOSPC || errnum == EDQUOT) {
		snprintf(err, TARN_ERRLEN, "no space left for %.120s", path);
		return TARN_COPY_NOSPACE;
	}
	snprintf(err, TARN_ERRLEN, "cannot %s %.100s: %s", what, path, strerror(errnum));
	return TARN_COPY_FAILED;
}

/* Copies [from, to) of in into out at the same offsets. */
static int copy_range(int in, int out, off_t from, off_t to, char *buf, const char *src, const char *dst,
		      uint64_t *done, tarn_copy_fn fn, void *ctx, tarn_err err)
{
	while (from < to) {
		size_t want = (size_t)(to - from) < CHUNK ? (size_t)(to - from) : CHUNK;
		ssize_t n = pread(in, buf, want, from);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return failed(n < 0 ? errno : EIO, "read", src, err);
		for (ssize_t w = 0; w < n;) {
			ssize_t m = pwrite(out, buf + w, (size_t)(n - w), from + w);
			if (m < 0 && errno == EINTR)
				continue;
			if (m <= 0)
				return failed(m < 0 ? errno : EIO, "write", dst, err);
			w += m;
		}
		from += n;
		*done += (uint64_t)n;
		if (fn && fn(ctx, *done)) {
			snprintf(err, TARN_ERRLEN, "cancelled");
			return TARN_COPY_CANCELLED;
		}
	}
	return TARN_COPY_OK;
}

/* The data extents of in, one after another; a file system without
 * SEEK_DATA is copied whole. */
static int sparse_copy(int in, int out, off_t size, const char *src, const char *dst, uint64_t *done,
		       tarn_copy_fn fn, void *ctx, tarn_err err)
{
	char *buf = malloc(CHUNK);
	if (!buf)
		return snprintf(err, TARN_ERRLEN, "out of memory"), TARN_COPY_FAILED;
	int rc = TARN_COPY_OK;
	for (off_t at = 0; rc == TARN_COPY_OK && at < size;) {
		off_t data = lseek(in, at, SEEK_DATA);
		if (data < 0 && errno == ENXIO) /* only a hole is left */
			break;
		off_t hole = data < 0 ? size : lseek(in, data, SEEK_HOLE);
		if (data < 0 && errno != EINVAL)
			rc = failed(errno, "read", src, err);
		else if (hole < 0)
			rc = failed(errno, "read", src, err);
		else
			rc = copy_range(in, out, data < 0 ? at : data, hole, buf, src, dst, done, fn, ctx, err);
		at = hole;
	}
	free(buf);
	/* the size, with the trailing hole */
	if (rc == TARN_COPY_OK && ftruncate(out, size) != 0)
		rc = failed(errno, "size", dst, err);
	return rc;
}

int tarn_copy_file(const char *src, const char *dst, tarn_copy_fn fn, void *ctx, struct tarn_copy_result *res,
		   tarn_err err)
{
	struct tarn_copy_result ignore;
	struct stat sb;
	res = res ? res : &ignore;
	memset(res, 0, sizeof *res);
	int in = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (in < 0)
		return failed(errno, "read", src, err);
	if (fstat(in, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(in);
		return snprintf(err, TARN_ERRLEN, "%.120s is not a regular file", src), TARN_COPY_FAILED;
	}
	int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, sb.st_mode & 0777);
	if (out < 0) {
		int e = errno;
		close(in);
		return failed(e, "create", dst, err);
	}
	int rc = TARN_COPY_OK;
	if (ioctl(out, FICLONE, in) == 0)
		res->reflinked = 1;
	else
		rc = sparse_copy(in, out, sb.st_size, src, dst, &res->bytes, fn, ctx, err);
	if (rc == TARN_COPY_OK && fsync(out) != 0)
		rc = failed(errno, "write", dst, err);
	if (close(out) != 0 && rc == TARN_COPY_OK)
		rc = failed(errno, "write", dst, err);
	close(in);
	if (rc != TARN_COPY_OK)
		unlink(dst);
	return rc;
}

int64_t tarn_copy_need(const char *path, tarn_err err)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return snprintf(err, TARN_ERRLEN, "cannot read %.120s: %s", path, strerror(errno)), -1;
	return (int64_t)sb.st_blocks * 512;
}

int tarn_copy_room(const char *dir, uint64_t need, tarn_err err)
{
	struct statvfs vfs;
	if (statvfs(dir, &vfs) != 0)
		return snprintf(err, TARN_ERRLEN, "cannot read the free space of %.100s: %s", dir, strerror(errno)), -1;
	uint64_t have = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (have >= need)
		return 0;
	char n[24], h[24];
	tarn_size_text(need, n, sizeof n);
	tarn_size_text(have, h, sizeof h);
	return snprintf(err, TARN_ERRLEN, "%s needed, %s free", n, h), -1;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) == 0 || errno == ENOENT ? 0 : -1;
}

int tarn_remove_tree(const char *path)
{
	struct stat sb;
	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(sb.st_mode))
		return unlink(path);
	return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int tarn_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}
