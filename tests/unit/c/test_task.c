/* lib/task and lib/event: the engine's work queue through its states, a
 * cancel at each stage, recovery after a dead engine; the event log's
 * order and cap; facts. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "event.h"
#include "task.h"

static int count_task(void *ctx, const struct tarn_task *t)
{
	(void)t;
	++*(int *)ctx;
	return 0;
}

static int last_event(void *ctx, int64_t id, int64_t at, const char *level, const char *subject,
		      const char *message)
{
	(void)at;
	(void)level;
	(void)subject;
	int64_t *p = ctx;
	p[0]++;
	p[1] = id;
	p[2] = strcmp(message, "event 1199") == 0;
	return 0;
}

int main(void)
{
	char dir[] = "/tmp/tarn-task-test.XXXXXX", path[64], cmd[96];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/node.db", dir);
	tarn_err err = "";
	tarn_store *st = tarn_store_open(path, err);
	CHECK("task: the store opens with the task schema", st != NULL && tarn_store_schema_version(st) >= 3);
	if (!st)
		return 1;

	int64_t g = tarn_store_generation(st);
	int64_t a = tarn_task_add(st, "disk.create", "repo-a", "count=3", err);
	int64_t b = tarn_task_add(st, "repo.import", "repo-a", "url=http://x/y.iso", err);
	CHECK("task: tasks are queued with rising ids", a > 0 && b > a);
	CHECK("task: queueing work is not a change of desired state", tarn_store_generation(st) == g);
	CHECK("task: a kind with capitals or spaces is refused", tarn_task_add(st, "Rm -rf", "", "", err) == -1 &&
						       strstr(err, "kind"));

	struct tarn_task t;
	const char *imports[] = {"repo.import", NULL};
	CHECK("task: claim takes the oldest task of a wanted kind",
	      tarn_task_claim(st, imports, &t) == 1 && t.id == b && strcmp(t.state, "running") == 0);
	CHECK("task: progress goes on when no cancel was asked", tarn_task_progress(st, b, 40, "40 MiB of 100") == 0);
	CHECK("task: a running task can be asked to cancel", tarn_task_cancel(st, b, err) == 0);
	CHECK("task: progress reports the cancel request", tarn_task_progress(st, b, 50, "50 MiB") == 1);
	CHECK("task: the task ends cancelled", tarn_task_finish(st, b, "cancelled", "stopped at 50%", err) == 0 &&
					      tarn_task_get(st, b, &t) == 0 && strcmp(t.state, "cancelled") == 0 &&
					      t.progress == 50);
	CHECK("task: a finished task cannot be cancelled", tarn_task_cancel(st, b, err) == -1 &&
						     strstr(err, "already ended (cancelled)"));
	CHECK("task: a finished task cannot be finished again", tarn_task_finish(st, b, "done", "", err) == -1);
	CHECK("task: an unknown task is named", tarn_task_cancel(st, 9999, err) == -1 &&
					       strstr(err, "no task 9999"));
	CHECK("task: no queued task of the wanted kind left", tarn_task_claim(st, imports, &t) == 0);

	int64_t c = tarn_task_add(st, "host.reboot", "", "", err);
	CHECK("task: a queued task is cancelled at once", tarn_task_cancel(st, c, err) == 0 &&
						     tarn_task_get(st, c, &t) == 0 &&
						     strcmp(t.state, "cancelled") == 0);
	int n = 0;
	CHECK("task: any kind is claimed with no filter", tarn_task_claim(st, NULL, &t) == 1 && t.id == a);
	int64_t f = tarn_task_add_follower(st, "disk.create", "isos", 12, "10.0.0.2:8900", "count=1\n", err);
	CHECK("task: a follower of pool job 12 is running from the start, its job first in its arguments",
	      f > 0 && tarn_task_get(st, f, &t) == 0 && !strcmp(t.state, "running") &&
	      !strcmp(t.args, TARN_TASK_FOLLOWS "12\nhost=10.0.0.2:8900\ncount=1\n") &&
	      tarn_task_claim(st, NULL, &t) == 0);
	n = 0;
	tarn_task_each_unfinished(st, count_task, &n);
	CHECK("task: the unfinished ones are listed (the claimed one and the follower)", n == 2);
	CHECK("task: a dead engine's running task fails on recovery, a follower does not",
	      tarn_task_recover(st) == 1 && tarn_task_get(st, f, &t) == 0 && !strcmp(t.state, "running") && tarn_task_get(st, a, &t) == 0 && strcmp(t.state, "failed") == 0 &&
	      strstr(t.message, "restarted"));
	CHECK("task: a bad end state is refused", tarn_task_finish(st, a, "exploded", "", err) == -1);
	n = 0;
	tarn_task_each(st, 2, count_task, &n);
	CHECK("task: the list honours its limit", n == 2);

	for (int i = 0; i < 1200; i++) {
		char m[32];
		snprintf(m, sizeof m, "event %d", i);
		tarn_event_add(st, i % 2 ? "info" : "warning", "test", m);
	}
	int64_t seen[3] = {0, 0, 0};
	tarn_event_each(st, 0, 5000, last_event, seen);
	CHECK("event: the log keeps the newest 1000, oldest first", seen[0] == 1000 && seen[2] == 1);
	seen[0] = 0;
	tarn_event_each(st, seen[1] - 3, 5000, last_event, seen);
	CHECK("event: reading since an id gives only what came after", seen[0] == 3);
	CHECK("event: an unknown level is refused", tarn_event_add(st, "panic", "test", "x") == -1);

	char v[64];
	int64_t at = 0;
	CHECK("fact: a fact is stored with its time", tarn_fact_set(st, "xen.version", "4.17.5", err) == 0 &&
						  tarn_fact_get(st, "xen.version", v, sizeof v, &at) == 0 &&
						  strcmp(v, "4.17.5") == 0 && at > 0);
	CHECK("fact: an unknown fact is -1", tarn_fact_get(st, "nope", v, sizeof v, NULL) == -1);
	tarn_store_close(st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	CHECK_EXIT();
}
