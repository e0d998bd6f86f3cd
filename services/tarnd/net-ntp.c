/* NTP servers for chrony: chrony.conf in the sysconf directory, written
 * atomically, with a "server HOST iburst" line each, the drift file on the
 * data partition, makestep (a host whose clock starts far off is stepped
 * in its first updates rather than slewed for days) and rtcsync (the
 * kernel keeps the hardware clock in step). chronyd is started with it as
 * its own user (_chrony: it keeps only the right to set the clock), and
 * restarted when the file changes, only on a Tarn host (sysconf /etc,
 * which tarnd allows only there): elsewhere, as in tests, a daemon that
 * sets the clock must not start. The status says whether it runs. */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "net-pass.h"

#define CHRONY_USER "_chrony"

/* Is there a chronyd on PATH? */
static int have_chronyd(void)
{
	char path[4096], *save = NULL, file[4200];
	snprintf(path, sizeof path, "%s", getenv("PATH") ? getenv("PATH") : "/usr/sbin:/usr/bin:/sbin:/bin");
	for (char *d = strtok_r(path, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(file, sizeof file, "%s/chronyd", d);
		if (access(file, X_OK) == 0)
			return 1;
	}
	return 0;
}

/* The running chronyd's pid (its own pid file, which chronyd writes in
 * the run directory it makes for itself), or 0. A pid that now belongs to
 * another program does not count. */
static pid_t chronyd_pid(const char *pidfile)
{
	char comm[64] = "", path[64];
	pid_t pid = tarn_net_running(pidfile);
	if (!pid)
		return 0;
	snprintf(path, sizeof path, "/proc/%ld/comm", (long)pid);
	FILE *f = fopen(path, "re");
	if (f) {
		if (!fgets(comm, sizeof comm, f))
			comm[0] = '\0';
		fclose(f);
	}
	return strncmp(comm, "chronyd", 7) == 0 ? pid : 0;
}

static void stop(pid_t pid)
{
	if (!pid)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 60 && kill(pid, 0) == 0; i++)
		usleep(50 * 1000);
}

/* The drift file's directory, which chronyd (no longer root) writes. */
static const char *drift_dir(const char *dir, tarn_err err)
{
	struct passwd *pw = getpwnam(CHRONY_USER);
	if (!pw)
		return snprintf(err, TARN_ERRLEN, "there is no user %s for chronyd", CHRONY_USER), err;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return snprintf(err, TARN_ERRLEN, "cannot make %.80s: %s", dir, strerror(errno)), err;
	if (chown(dir, pw->pw_uid, pw->pw_gid) != 0)
		return snprintf(err, TARN_ERRLEN, "cannot give %.80s to %s: %s", dir, CHRONY_USER, strerror(errno)),
		       err;
	return NULL;
}

/* Starts chronyd when it is not running, restarts it when its file
 * changed, stops it when there are no servers; says what became of it. */
static const char *chronyd(const char *conf, const char *dir, const char *rundir, int changed, int servers,
			   char *said, size_t saidlen, tarn_err err)
{
	char pidfile[512];
	snprintf(pidfile, sizeof pidfile, "%s/chrony/chronyd.pid", rundir);
	pid_t pid = chronyd_pid(pidfile);
	if (!servers) {
		stop(pid);
		snprintf(said, saidlen, "no NTP servers: chronyd is not running");
		return NULL;
	}
	if (!have_chronyd())
		return snprintf(err, TARN_ERRLEN, "chrony.conf is written, but there is no chronyd on this host"), err;
	if (!pid || changed) {
		stop(pid);
		if (drift_dir(dir, err))
			return err;
		/* chronyd forks, and its first process returns once the daemon
		 * is running (its pid file written) or has failed (status 1,
		 * with its message) */
		const char *start[] = {"chronyd", "-f", conf, "-u", CHRONY_USER, NULL};
		if (tarn_net_run(start, err))
			return err;
		pid = chronyd_pid(pidfile);
		if (!pid)
			return snprintf(err, TARN_ERRLEN, "chronyd started, but is not running (see the system log)"), err;
	}
	snprintf(said, saidlen, "chronyd is running (pid %ld) with %d server%s", (long)pid, servers,
		 servers == 1 ? "" : "s");
	return NULL;
}

void tarn_net_ntp(struct tarn_net_pass *p)
{
	char list[512], path[512], dir[512], text[2048], old[2048] = "", said[200] = "";
	tarn_err err = "";
	int servers = 0;
	if (tarn_store_get(p->st, "ntp", list, sizeof list) != 0)
		return;
	snprintf(dir, sizeof dir, "%s/chrony", p->paths->statedir ? p->paths->statedir : "/var/lib/tarn");
	snprintf(text, sizeof text, "# written by tarnd from the node store\n");
	char *save = NULL;
	for (char *w = strtok_r(list, " ", &save); w; w = strtok_r(NULL, " ", &save), servers++)
		snprintf(text + strlen(text), sizeof text - strlen(text), "server %s iburst\n", w);
	snprintf(text + strlen(text), sizeof text - strlen(text),
		 "# the clock's rate error, kept across reboots on the data partition\n"
		 "driftfile %s/chrony.drift\n"
		 "# step a clock that starts more than a second off, in the first updates\n"
		 "makestep 1 3\n"
		 "# the kernel keeps the hardware clock in step\n"
		 "rtcsync\n"
		 "# chronyc on the host only, over chronyd's Unix socket\n"
		 "cmdport 0\n",
		 dir);
	snprintf(path, sizeof path, "%s/chrony.conf", p->paths->sysconf);
	FILE *f = fopen(path, "re");
	if (f) {
		old[fread(old, 1, sizeof old - 1, f)] = '\0';
		fclose(f);
	}
	int changed = strcmp(old, text) != 0;
	const char *error = changed && tarn_write_file_atomic(path, text, strlen(text), 0644, err) ? err : NULL;
	if (!error && strcmp(p->paths->sysconf, "/etc") == 0)
		error = chronyd(path, dir, p->paths->rundir, changed, servers, said, sizeof said, err);
	else if (!error)
		snprintf(said, sizeof said, "chrony.conf is written (chronyd is started on a Tarn host only)");
	if (error) {
		tarn_net_record(p, "net.ntp", error);
		return;
	}
	tarn_err ignore;
	tarn_store_set_status(p->st, "net.ntp", 1, said, p->generation, ignore);
}
