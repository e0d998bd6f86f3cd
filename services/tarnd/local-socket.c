/* The local API socket; see local-socket.h. */
#include "local-socket.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* DIR exists (made 0755 if missing), is a directory, root's, and writable
 * by no one else: otherwise another user could swap the socket. */
static int root_dir(const char *dir, tarn_err err)
{
	struct stat sb;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return snprintf(err, TARN_ERRLEN, "cannot make %s: %s", dir, strerror(errno)), -1;
	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return snprintf(err, TARN_ERRLEN, "%s is not a directory", dir), -1;
	if (sb.st_uid != 0 || (sb.st_mode & 022))
		return snprintf(err, TARN_ERRLEN, "%s must be root's and writable by root alone (it is uid %u, "
				"mode %03o)", dir, (unsigned)sb.st_uid, (unsigned)(sb.st_mode & 0777)), -1;
	return 0;
}

int tarn_local_socket_open(const char *rundir, char *path, size_t len, struct stat *bound, tarn_err err)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char dir[sizeof a.sun_path];
	if ((size_t)snprintf(path, len, "%s/" TARN_LOCAL_SOCKET, rundir) >= len ||
	    strlen(path) >= sizeof a.sun_path)
		return snprintf(err, TARN_ERRLEN, "the run directory's path is too long for a socket"), -1;
	snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(path, '/') - path), path);
	if (root_dir(rundir, err) || root_dir(dir, err))
		return -1;
	strcpy(a.sun_path, path);
	struct stat sb;
	if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
		unlink(path); /* an agent that died left it; a live one is being replaced */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return snprintf(err, TARN_ERRLEN, "local socket: %s", strerror(errno)), -1;
	/* the umask keeps the socket from ever being wider open than 0666 for a
	 * moment, chmod makes it exactly that */
	mode_t old = umask(0111);
	int rc = bind(fd, (struct sockaddr *)&a, sizeof a);
	umask(old);
	if (rc != 0 || chmod(path, 0666) != 0 || listen(fd, 64) != 0 || lstat(path, bound) != 0) {
		snprintf(err, TARN_ERRLEN, "cannot serve on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void tarn_local_socket_remove(const char *path, const struct stat *bound)
{
	struct stat sb;
	if (path && lstat(path, &sb) == 0 && sb.st_ino == bound->st_ino && sb.st_dev == bound->st_dev)
		unlink(path);
}
