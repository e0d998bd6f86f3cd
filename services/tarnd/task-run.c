/* Worker processes for the engine's tasks; see task-run.h. */
#include "task-run.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event.h"
#include "migrate-request.h"
#include "repo-apply.h"
#include "xen.h"

#define FAIL(...) (snprintf(err, TARN_ERRLEN, __VA_ARGS__), err)

static const struct {
	const char *kind;
	int (*run)(struct tarn_job *j, tarn_err msg);
} kinds[] = {
	{"repo.import", tarn_job_import},
	{"disk.create", tarn_job_disks},
	{"guest.fromtemplate", tarn_job_from_template},
	{"guest.clone", tarn_job_clone},
	{"guest.snapshot", tarn_job_snapshot},
	{"guest.revert", tarn_job_revert},
	{"guest.deletesnapshot", tarn_job_delete_snapshot},
	{"guest.deletedisks", tarn_job_delete_disks},
	{"system.upgrade", tarn_job_upgrade},
	{TARN_MIGRATE_TASK, tarn_job_migrate},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

int tarn_job_progress(struct tarn_job *j, int percent, int force, const char *fmt, ...)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - j->last.tv_sec) * 1000 + (now.tv_nsec - j->last.tv_nsec) / 1000000;
	if (!force && ms < 250)
		return 0;
	j->last = now;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return tarn_task_progress(j->st, j->task->id, percent, msg) == 1;
}

int tarn_job_arg(const struct tarn_job *j, const char *key, char *buf, size_t len)
{
	size_t k = strlen(key);
	for (const char *l = j->task->args; *l; l += strcspn(l, "\n"), l += *l == '\n') {
		if (strncmp(l, key, k) != 0 || l[k] != '=')
			continue;
		size_t n = strcspn(l + k + 1, "\n");
		if (n >= len)
			return -1;
		memcpy(buf, l + k + 1, n);
		buf[n] = '\0';
		return 0;
	}
	return -1;
}

const char *tarn_job_repo(const struct tarn_job *j, char *dir, size_t len, tarn_err err)
{
	if (!tarn_repo_here(j->st, j->task->subject))
		return FAIL("there is no repository %.64s", j->task->subject);
	tarn_repo_dir(j->root, j->task->subject, dir, len);
	if (!tarn_repo_mounted(dir))
		return FAIL("repository %.64s is not mounted (tarnctl repo list says why)", j->task->subject);
	return NULL;
}

const char *tarn_job_room(const struct tarn_job *j, const char *dir, uint64_t need, const char *what,
			  tarn_err err)
{
	struct statvfs vfs;
	if (statvfs(dir, &vfs) != 0)
		return FAIL("cannot read the free space of repository %.64s", j->task->subject);
	uint64_t free = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (free >= need)
		return NULL;
	char have[24];
	tarn_size_text(free, have, sizeof have);
	return FAIL("%.70s will not fit: repository %.30s has %.12s free", what, j->task->subject, have);
}

static void worker(const struct tarn_workers *w, const struct tarn_task *t, pid_t engine)
{
	tarn_err msg = "", ignore;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != engine)
		_exit(1);
	tarn_xen_after_fork(); /* a job that uses libxl makes its own context */
	signal(SIGCHLD, SIG_DFL); /* the engine's libxl handler (xen.h) is not the worker's */
	tarn_store *st = tarn_store_open(w->db, msg);
	if (!st)
		_exit(1);
	struct tarn_job j = {.st = st, .task = t, .root = w->root, .pool = w->pool, .pool_key = w->pool_key};
	int rc = TARN_JOB_FAILED;
	for (size_t k = 0; k < NKINDS; k++)
		if (strcmp(kinds[k].kind, t->kind) == 0)
			rc = kinds[k].run(&j, msg);
	static const char *const state[] = {"done", "cancelled", "failed"};
	char subject[200];
	snprintf(subject, sizeof subject, "task.%lld", (long long)t->id);
	tarn_task_finish(st, t->id, state[rc], msg, ignore);
	tarn_event_add(st, rc == TARN_JOB_FAILED ? "error" : "info", subject, msg);
	tarn_store_close(st);
	_exit(0);
}

/* A task whose worker ended without finishing it: fail it, and remove
 * what it left half-made. */
static void orphaned(struct tarn_workers *w, tarn_store *st, int i, const char *why)
{
	struct tarn_task t;
	char dir[4096];
	tarn_err ignore;
	if (tarn_task_get(st, w->task[i].id, &t) == 0 && strcmp(t.state, "running") == 0)
		tarn_task_finish(st, t.id, "failed", why, ignore);
	tarn_repo_dir(w->root, w->task[i].subject, dir, sizeof dir);
	if (strcmp(w->task[i].kind, TARN_MIGRATE_TASK) && tarn_repo_mounted(dir)) /* its subject is a guest */
		tarn_repo_sweep(st, dir, w->task[i].id);
	w->pid[i] = 0;
}

void tarn_workers_poll(struct tarn_workers *w, tarn_store *st)
{
	static const char *wanted[NKINDS + 1];
	for (size_t k = 0; k < NKINDS; k++)
		wanted[k] = kinds[k].kind;
	for (int i = 0; i < TARN_WORKERS; i++) {
		int status;
		if (w->pid[i] && waitpid(w->pid[i], &status, WNOHANG) == w->pid[i])
			orphaned(w, st, i, WIFSIGNALED(status) ? "the task's worker was killed"
							       : "the task's worker ended without an answer");
	}
	for (int i = 0; i < TARN_WORKERS; i++) {
		if (w->pid[i] || tarn_task_claim(st, wanted, &w->task[i]) != 1)
			continue;
		pid_t engine = getpid();
		w->pid[i] = fork();
		if (w->pid[i] == 0)
			worker(w, &w->task[i], engine);
		if (w->pid[i] < 0)
			orphaned(w, st, i, "cannot start a worker process");
	}
}

void tarn_workers_stop(struct tarn_workers *w, tarn_store *st)
{
	for (int i = 0; i < TARN_WORKERS; i++) {
		if (!w->pid[i])
			continue;
		kill(w->pid[i], SIGKILL);
		waitpid(w->pid[i], NULL, 0);
		orphaned(w, st, i, "interrupted: the agent stopped");
	}
}
