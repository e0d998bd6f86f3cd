/* NTP servers for BusyBox ntpd: "server HOST" lines in ntp.conf in the
 * sysconf directory (ntpd reads /etc/ntp.conf itself). ntpd is restarted
 * when the file changes, or started when it is not running, and only on a
 * Tarn host (sysconf /etc, which tarnd allows only there): elsewhere, as
 * in tests, a daemon that sets the clock must not start. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "net-pass.h"

/* Is there an ntpd on PATH? (Debian 12's busybox-static has no ntpd
 * applet: the image needs one for this to do anything.) */
static int have_ntpd(void)
{
	char path[4096], *save = NULL, file[4200];
	snprintf(path, sizeof path, "%s", getenv("PATH") ? getenv("PATH") : "/usr/sbin:/usr/bin:/sbin:/bin");
	for (char *d = strtok_r(path, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(file, sizeof file, "%s/ntpd", d);
		if (access(file, X_OK) == 0)
			return 1;
	}
	return 0;
}

static const char *ntpd(const char *rundir, int changed, tarn_err err)
{
	char pidfile[512];
	if (!have_ntpd())
		return snprintf(err, TARN_ERRLEN, "ntp.conf is written, but there is no ntpd on this host to use it"),
		       err;
	snprintf(pidfile, sizeof pidfile, "%s/ntpd.pid", rundir);
	pid_t pid = tarn_net_running(pidfile);
	if (pid && !changed)
		return NULL;
	if (pid)
		kill(pid, SIGTERM);
	for (int i = 0; pid && i < 20 && kill(pid, 0) == 0; i++)
		usleep(50 * 1000);
	/* -n: in the foreground, so start-stop-daemon's pid file is ntpd's */
	const char *start[] = {"start-stop-daemon", "-S", "-b", "-m", "-p", pidfile, "-x", "ntpd", "--", "-n",
			       NULL};
	return tarn_net_run(start, err);
}

void tarn_net_ntp(struct tarn_net_pass *p)
{
	char list[512], path[512], text[1024] = "# written by tarnd from the node store\n", old[1024] = "";
	tarn_err err = "";
	if (tarn_store_get(p->st, "ntp", list, sizeof list) != 0)
		return;
	char *save = NULL;
	for (char *w = strtok_r(list, " ", &save); w; w = strtok_r(NULL, " ", &save))
		snprintf(text + strlen(text), sizeof text - strlen(text), "server %s\n", w);
	snprintf(path, sizeof path, "%s/ntp.conf", p->paths->sysconf);
	FILE *f = fopen(path, "re");
	if (f) {
		old[fread(old, 1, sizeof old - 1, f)] = '\0';
		fclose(f);
	}
	int changed = strcmp(old, text) != 0;
	const char *error = changed && tarn_write_file_atomic(path, text, strlen(text), 0644, err) ? err : NULL;
	if (!error && strcmp(p->paths->sysconf, "/etc") == 0)
		error = ntpd(p->paths->rundir, changed, err);
	tarn_net_record(p, "net.ntp", error);
}
