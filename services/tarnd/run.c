/* fork/exec with captured output; see run.h. */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int tarn_run(const char *const argv[], char *out, size_t outlen, tarn_err err)
{
	char buf[4096];
	size_t len = 0;
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return snprintf(err, TARN_ERRLEN, "pipe: %s", strerror(errno)), -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return snprintf(err, TARN_ERRLEN, "fork: %s", strerror(errno)), -1;
	}
	if (pid == 0) {
		/* the engine blocks SIGTERM and SIGINT for its signalfd; a daemon
		 * started here (udhcpc) must not inherit that, or it cannot be stopped */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], buf + len, sizeof buf - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof buf - 1) { /* keep the start; drain the rest */
			char sink[512];
			while (read(p[0], sink, sizeof sink) > 0)
				;
			break;
		}
	}
	close(p[0]);
	buf[len] = '\0';
	if (out)
		snprintf(out, outlen, "%s", buf);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status))
		return snprintf(err, TARN_ERRLEN, "%s was killed", argv[0]), -1;
	if (WEXITSTATUS(status) != 0)
		snprintf(err, TARN_ERRLEN, "%s: %.*s", argv[0], (int)strcspn(buf, "\n"), buf);
	return WEXITSTATUS(status);
}
