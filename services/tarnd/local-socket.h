/* The console's way in: a Unix socket, RUNDIR/tarn/api.sock, on which the
 * API is served as plain HTTP (no TLS on a local socket). A caller whose
 * SO_PEERCRED uid is 0 is trusted without a password (the console runs as
 * root and has asked the console password); any other local user gives
 * the agent password, as over the network.
 *
 * Root makes it before the API process drops privileges: RUNDIR/tarn is
 * root's, 0755, so no other user can replace or remove the socket, and the
 * socket is 0666 so that any local user may try a password. */
#ifndef TARN_LOCAL_SOCKET_H
#define TARN_LOCAL_SOCKET_H
#include <stddef.h>
#include <sys/stat.h>

#include "validate.h"

#define TARN_LOCAL_SOCKET "tarn/api.sock" /* under the run directory, /run */

/* Binds and listens; fills path and what was bound (for removing it later).
 * A stale socket from an agent that died is replaced. Returns the fd, or
 * -1 with err filled. */
int tarn_local_socket_open(const char *rundir, char *path, size_t len, struct stat *bound, tarn_err err);
/* Removes the socket if it is still the one bound (not a newer agent's);
 * nothing for a NULL path. */
void tarn_local_socket_remove(const char *path, const struct stat *bound);

#endif
