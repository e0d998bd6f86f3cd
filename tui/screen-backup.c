/* System's backup and restore of the configuration (lib/backup.h): a file
 * written where the user says (a mounted USB stick; by default under the
 * data partition's backups/), and read back, checked whole before anything
 * is asked or changed. Both ask the console password: the file holds the
 * password hashes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "backup.h"
#include "fileio.h"
#include "tui.h"

static const char *check_file(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	if (!*v)
		return snprintf(err, TARN_ERRLEN, "a file name is required, like /mnt/usb/tarn.config"), err;
	return tarn_check_path(v, err);
}

static int save_backup(struct tui *t, struct tui_form *f, tarn_err err)
{
	char made_by[96], dir[512];
	size_t len;
	snprintf(made_by, sizeof made_by, "Tarn %s", t->version);
	snprintf(dir, sizeof dir, "%s/backups", t->p.data_dir);
	mkdir(dir, 0700); /* the default place; elsewhere the directory must be there */
	char *text = tarn_backup_make(t->st, made_by, &len, err);
	int rc = text ? tarn_write_file_atomic(f->f[0].value, text, len, 0600, err) : -1;
	free(text);
	return rc;
}

void tui_backup_config(struct tui *t)
{
	if (!tui_store(t))
		return;
	char host[64] = "tarn", when[32];
	time_t now = time(NULL);
	tarn_store_get(t->st, "hostname", host, sizeof host);
	host[strcspn(host, ".")] = '\0';
	strftime(when, sizeof when, "%Y%m%d-%H%M%S", localtime(&now));
	struct tui_field fl[] = {{.label = "Save to file", .check = check_file,
				  .hint = "a path; a USB stick must be mounted first (Local shell: mount)"}};
	snprintf(fl[0].value, sizeof fl[0].value, "%.150s/backups/%s-%s.tarn-config", t->p.data_dir, host, when);
	fl[0].cur = strlen(fl[0].value);
	struct tui_form f = {.title = "Back up configuration", .f = fl, .n = 1, .save = save_backup,
			     .needs_auth = 1,
			     .intro = "Saves the host name, DNS, NTP, interfaces, bridges, VLANs, bonds, storage "
				      "repositories' definitions and the password hashes to one file. Keep it "
				      "private."};
	t->authed = 0; /* it holds the password hashes: ask now */
	if (tui_form_run(t, &f)) {
		char msg[400];
		snprintf(msg, sizeof msg, "The configuration was saved to %.300s.", fl[0].value);
		tui_message(t, "Backed up", msg, 0);
	}
}

/* ---- restore ---- */

static const char *check_backup_file(const struct tui_form *f, const char *v, tarn_err err)
{
	size_t len;
	if (check_file(f, v, err))
		return err;
	char *text = tarn_read_file(v, TARN_BACKUP_MAX, &len, err);
	int rc = text ? tarn_backup_check(text, len, err) : -1;
	free(text);
	return rc ? err : NULL;
}

static int save_restore(struct tui *t, struct tui_form *f, tarn_err err)
{
	size_t len;
	char q[400], *text = tarn_read_file(f->f[0].value, TARN_BACKUP_MAX, &len, err);
	if (!text)
		return -1;
	/* the comment line says what host and when it is from */
	char *about = strstr(text, "\n# "), *end = about ? strchr(about + 1, '\n') : NULL;
	snprintf(q, sizeof q, "Replace this host's whole configuration with the backup's (%.*s)? The "
		 "console and agent passwords become the backup's.", about && end ? (int)(end - about - 3) : 0,
		 about ? about + 3 : "");
	int rc = tui_confirm(t, "Restore configuration", q)
			 ? tarn_backup_restore(t->st, text, len, 0, err)
			 : (snprintf(err, TARN_ERRLEN, "cancelled"), -1);
	free(text);
	return rc;
}

void tui_restore_config(struct tui *t)
{
	if (!tui_store(t))
		return;
	struct tui_field fl[] = {{.label = "Restore from file", .check = check_backup_file,
				  .hint = "a .tarn-config file; a USB stick must be mounted first"}};
	snprintf(fl[0].value, sizeof fl[0].value, "%.200s/backups/", t->p.data_dir);
	fl[0].cur = strlen(fl[0].value);
	struct tui_form f = {.title = "Restore configuration", .f = fl, .n = 1, .save = save_restore,
			     .needs_auth = 1,
			     .intro = "Replaces the settings, network, repositories' definitions and passwords with "
				      "a backup's. The file is checked whole first: a damaged one changes nothing."};
	t->authed = 0;
	if (tui_form_run(t, &f))
		tui_message(t, "Restored", "The configuration is the backup's now; the agent applies it. The "
			    "console password is the backup's from now on.", 0);
	t->authed = 0; /* the password may have changed */
}
