/* lib/diskcopy: sparse copies keep holes and content; a cancel or a full
 * file system (a 512 KiB tmpfs in a private mount namespace) leaves nothing. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "diskcopy.h"

#define MIB (1024 * 1024)

/* Writes len bytes of a pattern at off. */
static int put(int fd, off_t off, size_t len, unsigned seed)
{
	char *buf = malloc(len);
	for (size_t i = 0; buf && i < len; i++)
		buf[i] = (char)(seed * 31 + i * 7 + i / 4096);
	int ok = buf && pwrite(fd, buf, len, off) == (ssize_t)len;
	free(buf);
	return ok ? 0 : -1;
}

static int same(const char *a, const char *b)
{
	FILE *x = fopen(a, "rb"), *y = fopen(b, "rb");
	int eq = x && y;
	while (eq) {
		int c = fgetc(x), d = fgetc(y);
		eq = c == d;
		if (c == EOF)
			break;
	}
	if (x)
		fclose(x);
	if (y)
		fclose(y);
	return eq;
}

static int cancel_at_once(void *ctx, uint64_t done)
{
	(void)ctx;
	return done > 0;
}

static int last_done(void *ctx, uint64_t done)
{
	*(uint64_t *)ctx = done;
	return 0;
}

int main(void)
{
	char dir[] = "/tmp/tarn-diskcopy.XXXXXX", src[96], dst[96], other[96], small[96], cmd[128];
	tarn_err err = "";
	if (!mkdtemp(dir))
		return 1;
	snprintf(src, sizeof src, "%s/src.img", dir);
	snprintf(dst, sizeof dst, "%s/dst.img", dir);
	snprintf(other, sizeof other, "%s/other.img", dir);
	int fd = open(src, O_RDWR | O_CREAT | O_EXCL, 0640);
	int made = fd >= 0 && ftruncate(fd, 64 * MIB) == 0 && put(fd, 0, 4096, 1) == 0 &&
		   put(fd, 10 * MIB, MIB, 2) == 0 && put(fd, 64 * MIB - 4096, 4096, 3) == 0 && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	CHECK("diskcopy: a sparse source is made", made);

	uint64_t seen = 0;
	struct tarn_copy_result res;
	CHECK("diskcopy: a sparse copy succeeds", tarn_copy_file(src, dst, last_done, &seen, &res, err) == TARN_COPY_OK);
	CHECK("diskcopy: the copy's content is identical", same(src, dst));
	struct stat s, d;
	CHECK("diskcopy: the copy has the source's size and mode",
	      stat(src, &s) == 0 && stat(dst, &d) == 0 && d.st_size == s.st_size && (d.st_mode & 0777) == 0640);
	CHECK("diskcopy: the holes stay holes (under 8 MiB allocated of 64)", (int64_t)d.st_blocks * 512 < 8 * MIB);
	fd = open(dst, O_RDONLY);
	off_t hole = fd >= 0 ? lseek(fd, 0, SEEK_HOLE) : -1, data = fd >= 0 ? lseek(fd, 1 * MIB, SEEK_DATA) : -1;
	if (fd >= 0)
		close(fd);
	CHECK("diskcopy: the first hole starts where the source's does", hole >= 4096 && hole < 10 * MIB);
	CHECK("diskcopy: the next data is the source's", data >= 9 * MIB && data <= 10 * MIB);
	CHECK("diskcopy: only the data was read and written (or it was a reflink)",
	      res.reflinked || (res.bytes >= MIB + 8192 && res.bytes < 8 * MIB && seen == res.bytes));
	CHECK("diskcopy: tarn_copy_need counts allocated bytes", tarn_copy_need(src, err) < 8 * MIB &&
	      tarn_copy_need(src, err) >= MIB);

	CHECK("diskcopy: an existing destination is refused",
	      tarn_copy_file(src, dst, NULL, NULL, NULL, err) == TARN_COPY_FAILED && strstr(err, "File exists"));
	CHECK("diskcopy: ... and kept", same(src, dst));
	CHECK("diskcopy: a missing source fails with its name",
	      tarn_copy_file(other, dst, NULL, NULL, NULL, err) == TARN_COPY_FAILED && strstr(err, "other.img"));
	CHECK("diskcopy: a cancel ends the copy",
	      tarn_copy_file(src, other, cancel_at_once, NULL, NULL, err) == TARN_COPY_CANCELLED);
	CHECK("diskcopy: a cancelled copy leaves no file", access(other, F_OK) != 0 && errno == ENOENT);
	CHECK("diskcopy: room for a little", tarn_copy_room(dir, 4096, err) == 0);
	CHECK("diskcopy: no room for an exabyte, and says what is free",
	      tarn_copy_room(dir, (uint64_t)1 << 60, err) == -1 && strstr(err, "needed") && strstr(err, "free"));

	/* a full file system: a 512 KiB tmpfs in a mount namespace of our own */
	snprintf(small, sizeof small, "%s/small", dir);
	mkdir(small, 0755);
	if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
	    mount("tarn-test", small, "tmpfs", 0, "size=512k") == 0) {
		char full[128];
		snprintf(full, sizeof full, "%s/full.img", small);
		int rc = tarn_copy_file(src, full, NULL, NULL, NULL, err);
		CHECK("diskcopy: a full file system fails the copy as no space", rc == TARN_COPY_NOSPACE);
		CHECK("diskcopy: ... saying so", strstr(err, "no space left for") != NULL);
		CHECK("diskcopy: ... and leaves no partial file", access(full, F_OK) != 0);
		umount(small);
	} else {
		printf("SKIP diskcopy: a full file system: cannot mount a tmpfs here (%s)\n", strerror(errno));
	}

	CHECK("diskcopy: tarn_remove_tree removes a tree", tarn_remove_tree(dir) == 0 && access(dir, F_OK) != 0);
	CHECK("diskcopy: ... and a missing one is no error", tarn_remove_tree(dir) == 0);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	CHECK_EXIT();
}
