/* disk.create: many sparse disk images at once, PREFIX-001.img ... in a
 * repository's running_pool or sharedDisk. What cannot fit is refused
 * before anything is made (sparse files take no room yet, but a guest
 * that fills its disk must find it there). All are made under partial
 * names first and named only when every one exists: a failure or a cancel
 * removes what this task made. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "task-run.h"

#define FAIL(...) (snprintf(err, TARN_ERRLEN, __VA_ARGS__), err)
#define SAY(...) snprintf(err, TARN_ERRLEN, __VA_ARGS__)

struct disks {
	char pool[4200];
	char prefix[65];
	int count, width;
	int64_t task;
};

static void disk_name(const struct disks *d, int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s-%0*d.img", d->prefix, d->width, i + 1);
}

static void path_of(const struct disks *d, int i, int partial, char *buf, size_t len)
{
	char name[100];
	disk_name(d, i, name, sizeof name);
	if (partial)
		snprintf(buf, len, "%s/" TARN_REPO_PARTIAL "%lld-%s", d->pool, (long long)d->task, name);
	else
		snprintf(buf, len, "%s/%s", d->pool, name);
}

/* Removes the first n partial files, and the first named ones. */
static void undo(const struct disks *d, int partial, int named)
{
	char path[4400];
	for (int i = 0; i < partial; i++)
		path_of(d, i, 1, path, sizeof path), unlink(path);
	for (int i = 0; i < named; i++)
		path_of(d, i, 0, path, sizeof path), unlink(path);
}

static const char *make_one(const struct disks *d, int i, uint64_t size, tarn_err err)
{
	char path[4400];
	path_of(d, i, 1, path, sizeof path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return FAIL("cannot create a disk in %.60s: %s", d->pool, strerror(errno));
	int ok = ftruncate(fd, (off_t)size) == 0 && fsync(fd) == 0;
	int saved = errno;
	close(fd);
	if (!ok) {
		unlink(path);
		return FAIL("cannot size a disk in %.60s: %s", d->pool, strerror(saved));
	}
	return NULL;
}

int tarn_job_disks(struct tarn_job *j, tarn_err err)
{
	char dir[4096], pool[16], count[16], size_text[32], path[4400], first[100], last[100], what[120];
	struct disks d = {.task = j->task->id};
	uint64_t size;
	if (tarn_job_arg(j, "prefix", d.prefix, sizeof d.prefix) || tarn_job_arg(j, "pool", pool, sizeof pool) ||
	    tarn_job_arg(j, "count", count, sizeof count) || tarn_job_arg(j, "size", size_text, sizeof size_text) ||
	    tarn_check_name(d.prefix, err) || tarn_check_pool(pool, 1, err) || tarn_parse_size(size_text, &size, err) ||
	    (d.count = atoi(count)) < 1 || d.count > 1000 || size == 0)
		return SAY("the task's arguments are incomplete"), TARN_JOB_FAILED;
	if (tarn_job_repo(j, dir, sizeof dir, err))
		return TARN_JOB_FAILED;
	snprintf(d.pool, sizeof d.pool, "%s/%s", dir, pool);
	d.width = snprintf(NULL, 0, "%d", d.count) < 3 ? 3 : snprintf(NULL, 0, "%d", d.count);
	char each[24], total[24];
	tarn_size_text(size, each, sizeof each);
	tarn_size_text(size * (uint64_t)d.count, total, sizeof total);
	snprintf(what, sizeof what, "%d disk%s of %s (%s)", d.count, d.count > 1 ? "s" : "", each, total);
	if (size > UINT64_MAX / (uint64_t)d.count || tarn_job_room(j, dir, size * (uint64_t)d.count, what, err))
		return TARN_JOB_FAILED;
	for (int i = 0; i < d.count; i++) {
		path_of(&d, i, 0, path, sizeof path);
		if (access(path, F_OK) == 0) {
			disk_name(&d, i, first, sizeof first);
			return SAY("%s/%s already exists: nothing was made", pool, first), TARN_JOB_FAILED;
		}
	}
	for (int i = 0; i < d.count; i++) {
		int cancel = tarn_job_progress(j, i * 90 / d.count, 0, "made %d of %d", i, d.count);
		if (cancel || make_one(&d, i, size, err)) {
			undo(&d, i, 0);
			if (cancel)
				SAY("cancelled after %d of %d disks; nothing was kept", i, d.count);
			return cancel ? TARN_JOB_CANCELLED : TARN_JOB_FAILED;
		}
	}
	for (int i = 0; i < d.count; i++) {
		char part[4400];
		path_of(&d, i, 1, part, sizeof part);
		path_of(&d, i, 0, path, sizeof path);
		if (link(part, path) != 0) {
			disk_name(&d, i, first, sizeof first);
			SAY("cannot name %s/%s: %s; nothing was kept", pool, first, strerror(errno));
			undo(&d, d.count, i);
			return TARN_JOB_FAILED;
		}
	}
	undo(&d, d.count, 0);
	int fd = open(d.pool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) { /* the names survive a power cut */
		fsync(fd);
		close(fd);
	}
	disk_name(&d, 0, first, sizeof first);
	disk_name(&d, d.count - 1, last, sizeof last);
	if (d.count == 1)
		return SAY("made %s/%s (%s)", pool, first, each), TARN_JOB_DONE;
	return SAY("made %d disks of %s in %s: %.40s to %.40s", d.count, each, pool, first, last), TARN_JOB_DONE;
}
