/* repo.import: an ISO or a template, from a local path or an HTTP(S) URL,
 * into a repository's iso_pool or seed_pool. It is written under a
 * partial name, fsynced, and only then linked to its own name (link, not
 * rename: it never replaces a file of that name), so a full repository,
 * a cancel or a crash leaves no half file behind. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "task-run.h"

#define FAIL(...) (snprintf(err, TARN_ERRLEN, __VA_ARGS__), err)
#define SAY(...) snprintf(err, TARN_ERRLEN, __VA_ARGS__)

struct copy {
	struct tarn_job *j;
	const char *dir, *file;
	int fd;
	uint64_t done, total;
	int cancelled, failed, checked;
	char *err;
};

static const char *write_all(struct copy *c, const char *p, size_t n)
{
	char *err = c->err;
	while (n > 0) {
		ssize_t w = write(c->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == ENOSPC || errno == EDQUOT))
			return FAIL("repository %.40s is full: %.60s does not fit", c->j->task->subject, c->file);
		if (w <= 0)
			return FAIL("cannot write %.60s: %s", c->file, strerror(errno));
		p += w;
		n -= (size_t)w;
		c->done += (uint64_t)w;
	}
	return NULL;
}

/* Progress as "x of y"; 1 when a cancel was asked for. */
static int progress(struct copy *c)
{
	char done[24], total[24] = "?";
	tarn_size_text(c->done, done, sizeof done);
	if (c->total)
		tarn_size_text(c->total, total, sizeof total);
	int pct = c->total ? (int)(c->done * 100 / c->total) : 0;
	return tarn_job_progress(c->j, pct > 99 ? 99 : pct, 0, "%s of %s", done, total);
}

/* Refuses up-front what cannot fit, once the size is known. */
static const char *room(struct copy *c)
{
	char what[120], size[24];
	c->checked = 1;
	tarn_size_text(c->total, size, sizeof size);
	snprintf(what, sizeof what, "%.80s (%s)", c->file, size);
	return tarn_job_room(c->j, c->dir, c->total, what, c->err);
}

static int from_file(struct copy *c, const char *path)
{
	char *err = c->err;
	static char buf[1 << 20];
	struct stat sb;
	int in = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (in < 0)
		return SAY("cannot read %.100s: %s", path, strerror(errno)), TARN_JOB_FAILED;
	int rc = TARN_JOB_DONE;
	if (fstat(in, &sb) != 0 || !S_ISREG(sb.st_mode))
		rc = (SAY("%.100s is not a regular file", path), TARN_JOB_FAILED);
	c->total = (uint64_t)sb.st_size;
	if (rc == TARN_JOB_DONE && room(c))
		rc = TARN_JOB_FAILED;
	while (rc == TARN_JOB_DONE) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = (SAY("cannot read %.100s: %s", path, strerror(errno)), TARN_JOB_FAILED);
		else if (n == 0)
			break;
		else if (write_all(c, buf, (size_t)n))
			rc = TARN_JOB_FAILED;
		else if (progress(c))
			rc = TARN_JOB_CANCELLED;
	}
	close(in);
	return rc;
}

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct copy *c = ctx;
	if (write_all(c, p, size * n)) {
		c->failed = 1;
		return 0;
	}
	return size * n;
}

static int on_progress(void *ctx, curl_off_t total, curl_off_t now, curl_off_t up_total, curl_off_t up)
{
	(void)now, (void)up_total, (void)up;
	struct copy *c = ctx;
	if (total > 0 && !c->checked) {
		c->total = (uint64_t)total;
		if (room(c))
			return c->failed = 1;
	}
	return c->cancelled = progress(c);
}

static int from_url(struct copy *c, const char *url)
{
	char *err = c->err, why[CURL_ERROR_SIZE] = "";
	CURL *h = curl_easy_init();
	if (!h)
		return SAY("cannot start a download"), TARN_JOB_FAILED;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	/* a server that stalls for a minute is given up on */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, why);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
	CURLcode rc = curl_easy_perform(h);
	curl_easy_cleanup(h);
	if (rc == CURLE_OK)
		return TARN_JOB_DONE;
	if (c->cancelled)
		return TARN_JOB_CANCELLED;
	if (!c->failed)
		SAY("cannot download %.60s: %.80s", url, why[0] ? why : curl_easy_strerror(rc));
	return TARN_JOB_FAILED;
}

int tarn_job_import(struct tarn_job *j, tarn_err err)
{
	char source[1024], pool[16], file[80], dir[4096], part[4400], final[4400], size[24];
	if (tarn_job_arg(j, "source", source, sizeof source) || tarn_job_arg(j, "pool", pool, sizeof pool) ||
	    tarn_job_arg(j, "file", file, sizeof file) || tarn_check_pool(pool, 0, err) || tarn_check_name(file, err))
		return SAY("the task's arguments are incomplete"), TARN_JOB_FAILED;
	if (tarn_job_repo(j, dir, sizeof dir, err))
		return TARN_JOB_FAILED;
	snprintf(final, sizeof final, "%s/%s/%s", dir, pool, file);
	snprintf(part, sizeof part, "%s/%s/" TARN_REPO_PARTIAL "%lld-%s", dir, pool, (long long)j->task->id, file);
	if (access(final, F_OK) == 0)
		return SAY("%s/%.64s is already in repository %.40s", pool, file, j->task->subject), TARN_JOB_FAILED;
	struct copy c = {.j = j, .dir = dir, .file = file, .err = err};
	c.fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (c.fd < 0)
		return SAY("cannot create %.100s: %s", part, strerror(errno)), TARN_JOB_FAILED;
	tarn_job_progress(j, 0, 1, "starting");
	int rc = source[0] == '/' ? from_file(&c, source) : from_url(&c, source);
	if (rc == TARN_JOB_DONE && fsync(c.fd) != 0)
		rc = (SAY("cannot write %.60s: %s", file, strerror(errno)), TARN_JOB_FAILED);
	close(c.fd);
	if (rc == TARN_JOB_DONE && link(part, final) != 0)
		rc = (SAY("cannot name %s/%s: %s", pool, file, strerror(errno)), TARN_JOB_FAILED);
	unlink(part);
	if (rc == TARN_JOB_CANCELLED) {
		tarn_size_text(c.done, size, sizeof size);
		SAY("cancelled after %s; nothing was kept", size);
	}
	if (rc != TARN_JOB_DONE)
		return rc;
	snprintf(part, sizeof part, "%s/%s", dir, pool);
	int d = open(part, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d >= 0) { /* the new name survives a power cut */
		fsync(d);
		close(d);
	}
	tarn_size_text(c.done, size, sizeof size);
	return SAY("imported %s/%s (%s)", pool, file, size), TARN_JOB_DONE;
}
