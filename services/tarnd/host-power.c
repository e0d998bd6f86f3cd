/* Reboot and shutdown tasks; see host-power.h. */
#include "host-power.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "task-end.h"

#define POWER_TIMEOUT_S 120

/* Runs argv and waits up to POWER_TIMEOUT_S; fills why on failure. */
static int run(char *const argv[], char *why, size_t len)
{
	pid_t pid = fork();
	if (pid < 0)
		return snprintf(why, len, "cannot start %s: %s", argv[0], strerror(errno)), -1;
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL); /* the engine blocks SIGTERM; a child must not */
		execv(argv[0], argv);
		_exit(127);
	}
	int status = 0;
	struct timespec pause = {0, 100 * 1000 * 1000};
	for (int i = 0; waitpid(pid, &status, WNOHANG) == 0; i++) {
		if (i == POWER_TIMEOUT_S * 10) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return snprintf(why, len, "%s did not finish in %d s", argv[0], POWER_TIMEOUT_S), -1;
		}
		nanosleep(&pause, NULL);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return snprintf(why, len, "cannot run %s", argv[0]), -1;
	if (WIFEXITED(status))
		return snprintf(why, len, "%s exited %d", argv[0], WEXITSTATUS(status)), -1;
	return snprintf(why, len, "%s was killed by signal %d", argv[0], WTERMSIG(status)), -1;
}

int tarn_host_power_run(tarn_store *st, const char *power_cmd, struct tarn_watchdog *wd)
{
	static const char *const kinds[] = {"host.reboot", "host.shutdown", NULL};
	struct tarn_task t;
	if (tarn_task_claim(st, kinds, &t) != 1)
		return 0;
	int reboot = strcmp(t.kind, "host.reboot") == 0;
	char why[300];
	char *argv[3] = {NULL, NULL, NULL};
	if (power_cmd) {
		argv[0] = (char *)power_cmd;
		argv[1] = reboot ? "reboot" : "shutdown";
	} else if (access("/etc/tarn-version", F_OK) != 0) {
		tarn_task_end(st, &t, "failed", "not a Tarn host (no /etc/tarn-version): the agent does not "
						"reboot or power off this machine");
		return 1;
	} else {
		argv[0] = reboot ? "/sbin/reboot" : "/sbin/poweroff";
	}
	if (tarn_task_progress(st, t.id, 50, reboot ? "rebooting" : "shutting down") == 1) {
		tarn_task_end(st, &t, "cancelled", "cancelled before the host was told");
		return 1;
	}
	tarn_event_add(st, "warning", "host", reboot ? "rebooting, as asked through the API"
						     : "shutting down, as asked through the API");
	if (wd)
		tarn_watchdog_disarm(wd, st, reboot ? "the host reboots" : "the host shuts down");
	if (run(argv, why, sizeof why) == 0)
		tarn_task_end(st, &t, "done", reboot ? "reboot started" : "shutdown started");
	else {
		tarn_task_end(st, &t, "failed", why);
		if (wd) /* the host stays up: armed again at the engine's next turn */
			wd->stopping = 0;
	}
	return 1;
}
