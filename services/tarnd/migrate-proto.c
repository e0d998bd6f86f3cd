/* Live migration's conversation; see migrate-proto.h. */
#include "migrate-proto.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"

int tarn_migrate_wait_ms = 120 * 1000;

int64_t tarn_migrate_now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* libxl may leave the descriptor non-blocking: the messages around its
 * stream are written and read blocking, with poll for the time limit. */
static void blocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

static int send_all(int fd, const char *p, size_t n)
{
	blocking(fd);
	return tarn_send_all(fd, p, n);
}

static int say(int fd, const char *line)
{
	char buf[400];
	int n = snprintf(buf, sizeof buf, "%s\n", line);
	return send_all(fd, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* Reads exactly n bytes within the wait: 0, or -1 (EOF, error, time up). */
static int read_exactly(int fd, char *p, size_t n)
{
	int64_t deadline = tarn_migrate_now_ms() + tarn_migrate_wait_ms;
	blocking(fd);
	while (n) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - tarn_migrate_now_ms();
		int r = left > 0 ? poll(&pf, 1, (int)left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		ssize_t k = read(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k, n -= (size_t)k;
	}
	return 0;
}

/* One line, byte by byte: nothing past it is taken from libxl's stream.
 * 0, or -1 (EOF, time up, or longer than len). */
static int hear(int fd, char *line, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (read_exactly(fd, line + i, 1))
			return -1;
		if (line[i] == '\n') {
			line[i] = '\0';
			return 0;
		}
	}
	return -1;
}

/* The other end's answer: 0 for want (or "want REST": why gets REST), 1
 * for "no REASON" (why gets the reason), -1 when the conversation broke
 * (why says so). */
static int answer(int fd, const char *want, char *why, size_t len)
{
	char line[300];
	size_t k = strlen(want);
	if (hear(fd, line, sizeof line))
		return snprintf(why, len, "the connection ended without an answer"), -1;
	if (strncmp(line, want, k) == 0 && (line[k] == '\0' || line[k] == ' '))
		return snprintf(why, len, "%.150s", line[k] ? line + k + 1 : ""), 0;
	if (strncmp(line, "no ", 3) == 0)
		return snprintf(why, len, "%.150s", line + 3), 1;
	return snprintf(why, len, "an unexpected answer (%.60s)", line), -1;
}

static void progress(const struct tarn_migrate_ops *ops, void *x, int percent, const char *note)
{
	if (ops->progress)
		ops->progress(x, percent, note);
}

static int send_offer(int fd, const struct tarn_migrate_offer *o)
{
	char head[600];
	int n = snprintf(head, sizeof head, TARN_MIGRATE_BANNER "\nguest %s\nuuid %s\nfrom %s\nto %s\nconfig %zu\n",
			 o->guest, o->uuid, o->from, o->to, o->config_len);
	return (size_t)n >= sizeof head || send_all(fd, head, (size_t)n) || send_all(fd, o->config, o->config_len) ? -1 : 0;
}

/* Resumes the source's copy after a failure described in why. */
static void resume(const struct tarn_migrate_ops *ops, void *x, struct tarn_migrate_result *res, const char *why,
		   tarn_err msg)
{
	tarn_err err = "";
	if (ops->resume(x, err) == 0) {
		res->end = TARN_MIGRATE_RESUMED;
		snprintf(msg, TARN_ERRLEN, "%.120s; resumed here", why);
	} else {
		res->end = TARN_MIGRATE_LOST;
		snprintf(msg, TARN_ERRLEN, "%.70s; not resumed here either: %.60s", why, err);
	}
}

/* After "go" the target's answer is lost: the pool store says where the
 * guest runs now (the target destroys its copy unless it recorded it). */
static void ask_store(const struct tarn_migrate_ops *ops, void *x, struct tarn_migrate_result *res, const char *why,
		      tarn_err msg)
{
	tarn_err err = "";
	int there = ops->placed_on_target(x);
	if (there == 1) {
		res->end = TARN_MIGRATED;
		if (ops->destroy(x, err))
			snprintf(msg, TARN_ERRLEN, "the target took the guest, but its copy here could not be destroyed: "
				 "%.80s", err);
		else
			snprintf(msg, TARN_ERRLEN, "the target took the guest (its answer was lost: %.80s)", why);
	} else if (there == 0) {
		resume(ops, x, res, why, msg);
	} else {
		res->end = TARN_MIGRATE_LOST;
		snprintf(msg, TARN_ERRLEN, "%.60s; the pool store cannot say where the guest runs: left "
			 "suspended here; check both hosts", why);
	}
}

void tarn_migrate_send(const struct tarn_migrate_ops *ops, void *x, int fd, const struct tarn_migrate_offer *o,
		       struct tarn_migrate_result *res, tarn_err msg)
{
	char why[TARN_ERRLEN] = "";
	tarn_err err = "";
	int64_t start = tarn_migrate_now_ms();
	*res = (struct tarn_migrate_result){.end = TARN_MIGRATE_UNTOUCHED, .downtime_ms = -1};
	int rc = send_offer(fd, o) ? (snprintf(why, sizeof why, "the connection broke"), -1)
				   : answer(fd, "ok", why, sizeof why);
	if (rc) {
		snprintf(msg, TARN_ERRLEN, "%s%.90s; the guest runs on, untouched",
			 rc > 0 ? "the target refused: " : "no answer from the target: ", why);
		goto out;
	}
	progress(ops, x, 10, "sending the guest's memory");
	rc = ops->send(x, fd, err);
	if (rc == 1) {
		snprintf(msg, TARN_ERRLEN, "the guest did not suspend (%.90s); it runs on here", err);
		goto out;
	}
	if (rc) {
		snprintf(why, sizeof why, "sending the guest failed: %.90s", err);
		resume(ops, x, res, why, msg);
		goto out;
	}
	progress(ops, x, 90, "the target is restoring the guest");
	if ((rc = answer(fd, "ready", err, sizeof err)) != 0) {
		snprintf(why, sizeof why, "the target could not restore the guest: %.90s", err);
		resume(ops, x, res, why, msg);
		goto out;
	}
	progress(ops, x, 95, "the guest starts on the target");
	int64_t go = tarn_migrate_now_ms();
	if (say(fd, "go")) {
		ask_store(ops, x, res, "the connection broke before the target was told to go", msg);
		goto out;
	}
	rc = answer(fd, "done", err, sizeof err);
	int64_t down = ops->suspended_ms(x);
	if (rc == 0) {
		/* "done MS": the target's time from go to the guest unpaused
		 * (its placement is recorded after, while the guest runs) */
		char *end;
		long long after_go = strtoll(err, &end, 10);
		res->end = TARN_MIGRATED;
		if (down > 0)
			res->downtime_ms = *err && !*end && after_go >= 0 ? go - down + after_go
									 : tarn_migrate_now_ms() - down;
		if (ops->destroy(x, err))
			snprintf(msg, TARN_ERRLEN, "the guest runs on the target; its old copy here was not "
				 "destroyed: %.80s", err);
		else
			snprintf(msg, TARN_ERRLEN, "the guest runs on the target");
	} else if (rc > 0) {
		snprintf(why, sizeof why, "the target could not start the guest: %.90s", err);
		resume(ops, x, res, why, msg);
	} else {
		ask_store(ops, x, res, err, msg);
	}
out:
	res->total_ms = tarn_migrate_now_ms() - start;
}

void tarn_migrate_offer_free(struct tarn_migrate_offer *o)
{
	free(o->config);
	o->config = NULL;
}

/* "KEY VALUE" into value[len]; 0, or -1. */
static int field(int fd, const char *key, char *value, size_t len)
{
	char line[300];
	size_t k = strlen(key);
	if (hear(fd, line, sizeof line) || strncmp(line, key, k) || line[k] != ' ' || strlen(line + k + 1) >= len ||
	    !line[k + 1])
		return -1;
	memcpy(value, line + k + 1, strlen(line + k + 1) + 1);
	return 0;
}

static int read_offer(int fd, struct tarn_migrate_offer *o, tarn_err err)
{
	char line[300], size[24];
	char *end;
	if (hear(fd, line, sizeof line) || strcmp(line, TARN_MIGRATE_BANNER))
		return snprintf(err, TARN_ERRLEN, "not a Tarn migration (or another version)"), -1;
	if (field(fd, "guest", o->guest, sizeof o->guest) || field(fd, "uuid", o->uuid, sizeof o->uuid) ||
	    field(fd, "from", o->from, sizeof o->from) || field(fd, "to", o->to, sizeof o->to) ||
	    field(fd, "config", size, sizeof size))
		return snprintf(err, TARN_ERRLEN, "a malformed offer"), -1;
	unsigned long long n = strtoull(size, &end, 10);
	if (*end || n == 0 || n > TARN_MIGRATE_MAX_CONFIG)
		return snprintf(err, TARN_ERRLEN, "a configuration of %.20s bytes", size), -1;
	if (!(o->config = malloc(n + 1)))
		return snprintf(err, TARN_ERRLEN, "out of memory"), -1;
	o->config_len = n;
	o->config[n] = '\0';
	if (read_exactly(fd, o->config, n))
		return snprintf(err, TARN_ERRLEN, "the configuration was cut short"), -1;
	return 0;
}

/* The target's "no REASON". */
static void refuse(int fd, const char *why)
{
	char line[300];
	snprintf(line, sizeof line, "no %.290s", why);
	for (char *c = line; *c; c++)
		if (*c == '\n')
			*c = ' ';
	say(fd, line);
}

void tarn_migrate_receive(const struct tarn_migrate_ops *ops, void *x, int fd, struct tarn_migrate_offer *o,
			  struct tarn_migrate_result *res, tarn_err msg)
{
	tarn_err err = "";
	char why[TARN_ERRLEN];
	int64_t start = tarn_migrate_now_ms();
	*res = (struct tarn_migrate_result){.end = TARN_MIGRATE_UNTOUCHED, .downtime_ms = -1};
	memset(o, 0, sizeof *o);
	if (read_offer(fd, o, err) || ops->accept(x, o, err)) {
		refuse(fd, err);
		snprintf(msg, TARN_ERRLEN, "refused: %.90s", err);
		goto out;
	}
	if (say(fd, "ok")) {
		snprintf(msg, TARN_ERRLEN, "the source went away before sending the guest");
		goto out;
	}
	if (ops->receive(x, fd, err)) {
		refuse(fd, err);
		snprintf(msg, TARN_ERRLEN, "the guest could not be restored: %.90s", err);
		goto out;
	}
	res->end = TARN_MIGRATE_RESUMED; /* a paused copy here, until "go" */
	int rc = say(fd, "ready") ? -1 : answer(fd, "go", why, sizeof why);
	if (rc) {
		ops->destroy(x, err);
		res->end = TARN_MIGRATE_UNTOUCHED;
		snprintf(msg, TARN_ERRLEN, "the source did not say go (%.90s): our copy was destroyed",
			 rc > 0 ? why : "the connection ended");
		goto out;
	}
	int64_t go = tarn_migrate_now_ms();
	int unpaused = ops->unpause(x, err) == 0;
	int64_t running = tarn_migrate_now_ms() - go;
	if (!unpaused || ops->record(x, err)) {
		tarn_err ignore;
		refuse(fd, err);
		ops->destroy(x, ignore);
		res->end = TARN_MIGRATE_UNTOUCHED;
		snprintf(msg, TARN_ERRLEN, "the guest could not be started here: %.90s; our copy was destroyed", err);
		goto out;
	}
	res->end = TARN_MIGRATED;
	snprintf(why, sizeof why, "done %lld", (long long)running);
	if (say(fd, why))
		snprintf(msg, TARN_ERRLEN, "the guest runs here (the source did not hear so: it asks the pool store)");
	else
		snprintf(msg, TARN_ERRLEN, "the guest runs here");
out:
	res->total_ms = tarn_migrate_now_ms() - start;
}
