/* guest.snapshot, guest.revert, guest.deleteSnapshot, and the disks of a
 * guest deleted with them (guest.deletedisks).
 *
 * A snapshot is a directory of copies (reflinks where the file system
 * can) of a stopped guest's own disks, with the list of which is which,
 * made under a partial name and renamed whole. A revert copies each
 * snapshot file beside its disk under a partial name, fsyncs it, writes a
 * journal naming every pair, then renames them over the disks and removes
 * the journal: an agent or host that dies before the journal leaves the
 * disks as they were (the partial files are swept), after it the sweep
 * finishes the renames. Either way no guest sees half a revert. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diskcopy.h"
#include "fileio.h"
#include "guest-job.h"
#include "repo-apply.h"

#define SAY(...) snprintf(err, TARN_ERRLEN, __VA_ARGS__)
#define JOURNAL ".revert"

/* The snapshot's name from the task, checked. */
static int snap_arg(struct tarn_job *j, char snap[65], tarn_err err)
{
	tarn_err why;
	if (tarn_job_arg(j, "snap", snap, 65) || tarn_check_name(snap, why))
		return SAY("the task's arguments are incomplete"), -1;
	return 0;
}

/* The guest, stopped when what is not NULL, with disks of its own. */
static int own_guest(struct tarn_job *j, tarn_pool **p, struct tarn_guest_copy *g, struct tarn_guest_disks *d,
		     const char *what, tarn_err err)
{
	if (tarn_job_guest(j, p, g, d, what, err))
		return -1;
	if (!d->nown)
		return SAY("guest %.64s has no disks of its own (writable files in a repository)", g->name), -1;
	return 0;
}

int tarn_job_snapshot(struct tarn_job *j, tarn_err err)
{
	char snap[65], snaps[4400], part[4500], final[4500], list[8192] = "", what[120], file[300];
	char *src[TARN_MAX_DISKS], *dst[TARN_MAX_DISKS] = {0};
	tarn_pool *p = NULL;
	struct tarn_guest_copy g = {0};
	struct tarn_guest_disks d;
	int n = 0, rc = TARN_JOB_FAILED, made = 0;
	size_t used = 0;
	if (snap_arg(j, snap, err) || own_guest(j, &p, &g, &d, "snapshotted", err))
		goto out;
	tarn_snapshot_dir(j->root, d.repo, g.name, NULL, snaps, sizeof snaps);
	snprintf(final, sizeof final, "%s/%s", snaps, snap);
	snprintf(part, sizeof part, "%s/" TARN_REPO_PARTIAL "%lld-%s", snaps, (long long)j->task->id, snap);
	snprintf(what, sizeof what, "snapshot %.64s", snap);
	if (access(final, F_OK) == 0) {
		SAY("guest %.64s already has a snapshot %.64s", g.name, snap);
		goto out;
	}
	mkdir(snaps, 0755);
	if (tarn_job_room(j, snaps, d.need, what, err))
		goto out;
	if (mkdir(part, 0755) != 0) {
		SAY("cannot make %.100s: %s", part, strerror(errno));
		goto out;
	}
	made = 1;
	rc = TARN_JOB_DONE;
	for (int i = 0; i < d.n && rc == TARN_JOB_DONE; i++) {
		if (!d.own[i])
			continue;
		snprintf(file, sizeof file, "%d-%s", i, strrchr(d.d[i].path, '/') + 1);
		src[n] = d.d[i].path;
		if (asprintf(&dst[n++], "%s/%s", part, file) < 0)
			rc = (SAY("out of memory"), TARN_JOB_FAILED);
		used += (size_t)snprintf(list + used, sizeof list - used, "%s %s\n", file, d.d[i].path);
		if (used >= sizeof list)
			rc = (SAY("the disks' paths are too long"), TARN_JOB_FAILED);
	}
	if (rc == TARN_JOB_DONE)
		rc = tarn_job_copy_files(j, src, dst, n, d.need, err);
	tarn_err why = "";
	char path[4600];
	snprintf(path, sizeof path, "%s/" TARN_SNAPSHOT_LIST, part);
	if (rc == TARN_JOB_DONE && tarn_write_file_atomic(path, list, strlen(list), 0644, why))
		rc = (SAY("%.150s", why), TARN_JOB_FAILED);
	if (rc == TARN_JOB_DONE && tarn_job_guest_unchanged(p, &g, err))
		rc = TARN_JOB_FAILED;
	if (rc == TARN_JOB_DONE && (tarn_fsync_dir(part) || tarn_rename_new(part, final)))
		rc = (SAY("cannot name snapshot %.64s: %s", snap, strerror(errno)), TARN_JOB_FAILED);
	if (rc == TARN_JOB_DONE) {
		tarn_fsync_dir(snaps);
		SAY("snapshot %.48s of guest %.48s taken (%d disk%s)", snap, g.name, n, n == 1 ? "" : "s");
	} else if (made) {
		tarn_remove_tree(part);
	}
out:
	for (int i = 0; i < n; i++)
		free(dst[i]);
	tarn_guest_copy_free(&g);
	tarn_pool_close(p);
	return rc;
}

struct pair {
	char file[300], path[4096], tmp[4400];
};

/* The snapshot's list of disks; how many, or -1 with err. */
static int read_list(const char *snapdir, struct pair *pairs, tarn_err err)
{
	char path[4600], *text;
	size_t len;
	tarn_err why;
	snprintf(path, sizeof path, "%s/" TARN_SNAPSHOT_LIST, snapdir);
	if (!(text = tarn_read_file(path, 64 * 1024, &len, why)))
		return SAY("%.150s", why), -1;
	int n = 0;
	for (char *line = strtok(text, "\n"); line && n < TARN_MAX_DISKS; line = strtok(NULL, "\n")) {
		char *sp = strchr(line, ' ');
		if (!sp || sp - line >= (long)sizeof pairs[n].file || strchr(line, '/') < sp)
			continue;
		snprintf(pairs[n].file, sizeof pairs[n].file, "%.*s", (int)(sp - line), line);
		snprintf(pairs[n].path, sizeof pairs[n].path, "%s", sp + 1);
		n++;
	}
	free(text);
	return n;
}

/* The renames a journal names; then the journal goes. */
static void replay(const char *journal)
{
	char *text;
	size_t len;
	tarn_err ignore;
	if (!(text = tarn_read_file(journal, 1 << 20, &len, ignore)))
		return;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *tab = strchr(line, '\t');
		if (tab && (*tab = '\0', access(line, F_OK) == 0) && rename(line, tab + 1) == 0) {
			*strrchr(tab + 1, '/') = '\0';
			tarn_fsync_dir(tab + 1);
		}
	}
	free(text);
	unlink(journal);
}

int tarn_job_revert(struct tarn_job *j, tarn_err err)
{
	char snap[65], snapdir[4500], journal[4500], *text = NULL;
	char *src[TARN_MAX_DISKS], *dst[TARN_MAX_DISKS];
	struct pair pairs[TARN_MAX_DISKS];
	tarn_pool *p = NULL;
	struct tarn_guest_copy g = {0};
	struct tarn_guest_disks d;
	int n = -1, rc = TARN_JOB_FAILED;
	uint64_t need = 0;
	if (snap_arg(j, snap, err) || own_guest(j, &p, &g, &d, "reverted", err))
		goto out;
	tarn_snapshot_dir(j->root, d.repo, g.name, snap, snapdir, sizeof snapdir);
	if (access(snapdir, F_OK) != 0) {
		SAY("guest %.64s has no snapshot %.64s", g.name, snap);
		goto out;
	}
	if ((n = read_list(snapdir, pairs, err)) < 0)
		goto out;
	for (int i = 0; i < n; i++) {
		char *slash = strrchr(pairs[i].path, '/');
		snprintf(pairs[i].tmp, sizeof pairs[i].tmp, "%.*s/" TARN_REPO_PARTIAL "%lld-%s", (int)(slash - pairs[i].path),
			 pairs[i].path, (long long)j->task->id, slash + 1);
		if (asprintf(&src[i], "%s/%s", snapdir, pairs[i].file) < 0)
			src[i] = NULL;
		dst[i] = pairs[i].tmp;
		int64_t b = src[i] ? tarn_copy_need(src[i], err) : -1;
		if (b < 0) {
			n = i + 1;
			goto out;
		}
		need += (uint64_t)b;
	}
	char dir[4096];
	if (tarn_job_repo(j, dir, sizeof dir, err) || tarn_job_room(j, dir, need, "the revert's copies", err))
		goto out;
	rc = tarn_job_copy_files(j, src, dst, n, need, err);
	/* every copy is whole and fsynced: the journal makes the renames certain */
	size_t len = 0;
	FILE *f = rc == TARN_JOB_DONE ? open_memstream(&text, &len) : NULL;
	for (int i = 0; f && i < n; i++)
		fprintf(f, "%s\t%s\n", pairs[i].tmp, pairs[i].path);
	if (f)
		fclose(f);
	tarn_err why = "";
	snprintf(journal, sizeof journal, "%.*s/" JOURNAL, (int)(strrchr(snapdir, '/') - snapdir), snapdir);
	if (rc == TARN_JOB_DONE && (!text || tarn_job_guest_unchanged(p, &g, err) ||
				    tarn_write_file_atomic(journal, text, len, 0600, why))) {
		if (why[0])
			SAY("%.150s", why);
		for (int i = 0; i < n; i++)
			unlink(pairs[i].tmp);
		rc = TARN_JOB_FAILED;
	}
	if (rc == TARN_JOB_DONE) {
		replay(journal);
		SAY("guest %.60s reverted to snapshot %.60s (%d disk%s)", g.name, snap, n, n == 1 ? "" : "s");
	}
out:
	for (int i = 0; i < n; i++)
		free(src[i]);
	free(text);
	tarn_guest_copy_free(&g);
	tarn_pool_close(p);
	return rc;
}

int tarn_job_delete_snapshot(struct tarn_job *j, tarn_err err)
{
	char snap[65], snapdir[4500], gone[4600];
	tarn_pool *p = NULL;
	struct tarn_guest_copy g = {0};
	struct tarn_guest_disks d;
	int rc = TARN_JOB_FAILED;
	if (snap_arg(j, snap, err) || own_guest(j, &p, &g, &d, NULL, err))
		goto out;
	tarn_snapshot_dir(j->root, d.repo, g.name, snap, snapdir, sizeof snapdir);
	snprintf(gone, sizeof gone, "%.*s/" TARN_REPO_PARTIAL "%lld-%s", (int)(strrchr(snapdir, '/') - snapdir),
		 snapdir, (long long)j->task->id, snap);
	/* renamed first: a snapshot is there whole, or not at all */
	if (rename(snapdir, gone) != 0) {
		SAY(errno == ENOENT ? "guest %.64s has no snapshot %.64s" : "cannot delete %.64s's snapshot %.64s",
		    g.name, snap);
		goto out;
	}
	tarn_remove_tree(gone);
	rc = TARN_JOB_DONE;
	SAY("snapshot %.64s of guest %.64s deleted", snap, g.name);
out:
	tarn_guest_copy_free(&g);
	tarn_pool_close(p);
	return rc;
}

int tarn_job_delete_disks(struct tarn_job *j, tarn_err err)
{
	char guest[65], key[16], path[4096], dir[4096], gdir[4300], more[4400];
	int deleted = 0, kept = 0;
	tarn_err why;
	if (tarn_job_arg(j, "guest", guest, sizeof guest) || tarn_check_name(guest, why))
		return SAY("the task's arguments are incomplete"), TARN_JOB_FAILED;
	for (int i = 0; i < TARN_MAX_DISKS + 2; i++) { /* its disks, kernel and ramdisk */
		snprintf(key, sizeof key, "disk%d", i);
		if (tarn_job_arg(j, key, path, sizeof path))
			break;
		/* checked again here, as root: only files in the guest's own directory */
		if (tarn_guest_owns(j->root, guest, path) && unlink(path) == 0)
			deleted++;
		else
			kept++;
	}
	if (tarn_job_repo(j, dir, sizeof dir, err) == NULL) {
		tarn_guest_dir(j->root, j->task->subject, guest, gdir, sizeof gdir);
		snprintf(more, sizeof more, "%s/" TARN_SNAPSHOTS, gdir);
		tarn_remove_tree(more);
		snprintf(more, sizeof more, "%s/vm.cfg", gdir);
		unlink(more);
		rmdir(gdir); /* only when nothing else is left in it */
	}
	SAY("guest %.64s's files deleted: %d%s", guest, deleted, kept ? " (some were not its own: kept)" : "");
	return TARN_JOB_DONE;
}

/* One guest directory: an interrupted revert is finished, then partial
 * files of tasks that are not running go. */
static void sweep_guest(tarn_store *st, const char *gdir, int64_t task)
{
	char path[4600];
	snprintf(path, sizeof path, "%s/" TARN_SNAPSHOTS "/" JOURNAL, gdir);
	if (access(path, F_OK) == 0)
		replay(path);
	const char *dirs[] = {gdir, path};
	snprintf(path, sizeof path, "%s/" TARN_SNAPSHOTS, gdir);
	for (int k = 0; k < 2; k++) {
		DIR *dd = opendir(dirs[k]);
		struct dirent *e;
		while (dd && (e = readdir(dd))) {
			long long id;
			struct tarn_task t;
			if (strncmp(e->d_name, TARN_REPO_PARTIAL, strlen(TARN_REPO_PARTIAL)) != 0 ||
			    sscanf(e->d_name + strlen(TARN_REPO_PARTIAL), "%lld-", &id) != 1)
				continue;
			if (task ? id == task : tarn_task_get(st, id, &t) != 0 || strcmp(t.state, "running") != 0) {
				char victim[4800];
				snprintf(victim, sizeof victim, "%s/%s", dirs[k], e->d_name);
				tarn_remove_tree(victim);
			}
		}
		if (dd)
			closedir(dd);
	}
}

void tarn_guest_disk_sweep(tarn_store *st, const char *dir, int64_t task)
{
	char pool[4200], gdir[4480];
	snprintf(pool, sizeof pool, "%s/running_pool", dir);
	DIR *d = opendir(pool);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		struct stat sb;
		snprintf(gdir, sizeof gdir, "%s/%s", pool, e->d_name);
		if (e->d_name[0] != '.' && lstat(gdir, &sb) == 0 && S_ISDIR(sb.st_mode))
			sweep_guest(st, gdir, task);
	}
	if (d)
		closedir(d);
}
