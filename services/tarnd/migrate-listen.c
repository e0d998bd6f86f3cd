/* The engine's migration socket; see migrate-listen.h. */
#include "migrate-listen.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "migrate-xen.h"
#include "xen.h"

int tarn_migrate_listen(struct tarn_migrate_listener *l, const char *pool, const char *db, gid_t api_gid,
			tarn_err err)
{
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	memset(l, 0, sizeof *l);
	l->api_gid = api_gid, l->db = db, l->pool = pool;
	/* "@tarn-migrate-" pool: the abstract name the API's carrier relays to */
	int n = snprintf(un.sun_path + 1, sizeof un.sun_path - 1, "tarn-migrate-%s", pool);
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (l->fd < 0 || n <= 0 || (size_t)n >= sizeof un.sun_path - 1 ||
	    bind(l->fd, (struct sockaddr *)&un, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n)) ||
	    listen(l->fd, 4)) {
		snprintf(err, TARN_ERRLEN, "migration socket for %.60s: %m", pool);
		if (l->fd >= 0)
			close(l->fd);
		l->fd = -1;
		return -1;
	}
	return 0;
}

void tarn_migrate_accept(struct tarn_migrate_listener *l)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC), slot = -1;
	if (fd < 0)
		return;
	for (int i = 0; i < TARN_MIGRATE_INCOMING && slot < 0; i++)
		if (!l->kids[i])
			slot = i;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) || (cred.uid != 0 && cred.gid != l->api_gid)) {
		syslog(LOG_WARNING, "migrate: a connection from uid %u refused: only the API process relays them",
		       (unsigned)cred.uid);
		close(fd);
		return;
	}
	if (slot < 0) {
		syslog(LOG_WARNING, "migrate: %d incoming migrations already: one more refused", TARN_MIGRATE_INCOMING);
		close(fd);
		return;
	}
	pid_t engine = getpid(), pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != engine)
			_exit(1);
		close(l->fd);
		tarn_xen_after_fork();
		signal(SIGCHLD, SIG_DFL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		_exit(tarn_migrate_serve(fd, l->db, l->pool));
	}
	if (pid < 0)
		syslog(LOG_ERR, "migrate: cannot start a receiver: %m");
	else
		l->kids[slot] = pid;
	close(fd);
}

void tarn_migrate_reap(struct tarn_migrate_listener *l)
{
	for (int i = 0; i < TARN_MIGRATE_INCOMING; i++)
		if (l->kids[i] && waitpid(l->kids[i], NULL, WNOHANG) == l->kids[i])
			l->kids[i] = 0;
}

void tarn_migrate_close(struct tarn_migrate_listener *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	for (int i = 0; i < TARN_MIGRATE_INCOMING; i++)
		if (l->kids[i]) {
			kill(l->kids[i], SIGKILL);
			waitpid(l->kids[i], NULL, 0);
			l->kids[i] = 0;
		}
}
