/* system.upgrade: runs tarn-upgrade ISO (rootfs/.../usr/sbin/tarn-upgrade,
 * found on PATH), which writes the boot slot the host did not boot from and
 * has GRUB try it once at the next boot. The script does the work and
 * judges the ISO; the task carries its last line as its message (what was
 * written, or why not). Repositories' iso_pool names resolve under the
 * agent's repository root. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "task-run.h"

/* The last non-empty line of text, without its newline, into msg. */
static void last_line(char *text, tarn_err msg)
{
	size_t n = strlen(text);
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	char *nl = strrchr(text, '\n');
	snprintf(msg, TARN_ERRLEN, "%s", nl ? nl + 1 : text);
}

int tarn_job_upgrade(struct tarn_job *j, tarn_err msg)
{
	char iso[1024];
	if (tarn_job_arg(j, "iso", iso, sizeof iso) != 0)
		return snprintf(msg, TARN_ERRLEN, "the task names no ISO"), TARN_JOB_FAILED;
	tarn_job_progress(j, 10, 1, "writing %.200s into the boot slot not in use", iso);
	int out[2];
	if (pipe(out) != 0)
		return snprintf(msg, TARN_ERRLEN, "cannot make a pipe: %s", strerror(errno)), TARN_JOB_FAILED;
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL); /* the engine blocks SIGTERM; a child must not */
		dup2(out[1], STDOUT_FILENO);
		dup2(out[1], STDERR_FILENO);
		close(out[0]);
		close(out[1]);
		if (j->root)
			setenv("TARN_REPO_ROOT", j->root, 1);
		execlp("tarn-upgrade", "tarn-upgrade", iso, (char *)NULL);
		printf("cannot run tarn-upgrade: %s\n", strerror(errno));
		_exit(127);
	}
	close(out[1]);
	if (pid < 0) {
		close(out[0]);
		return snprintf(msg, TARN_ERRLEN, "cannot start tarn-upgrade: %s", strerror(errno)), TARN_JOB_FAILED;
	}
	/* its whole output is a few lines; the tail is kept if it says more */
	char text[8192];
	size_t len = 0;
	ssize_t r;
	while ((r = read(out[0], text + len, sizeof text - 1 - len)) > 0 || (r < 0 && errno == EINTR)) {
		len += r > 0 ? (size_t)r : 0;
		if (len > sizeof text / 2) {
			memmove(text, text + len - sizeof text / 4, sizeof text / 4);
			len = sizeof text / 4;
		}
	}
	text[len] = '\0';
	close(out[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	last_line(text, msg);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return TARN_JOB_DONE;
	if (!*msg)
		snprintf(msg, TARN_ERRLEN, "tarn-upgrade failed (status %d)", status);
	return TARN_JOB_FAILED;
}
