/* guest.fromTemplate and guest.clone: a new guest whose disks are copies
 * (reflinks where the file system can) made in a partial directory,
 * running_pool/.tarn-partial-<task>-<name>, named running_pool/<name> only
 * when whole, then defined, stopped. A failure, a cancel or a full
 * repository removes the directory: nothing half-made is left, and no
 * guest is defined. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diskcopy.h"
#include "fileio.h"
#include "guest-job.h"
#include "template.h"
#include "xlcfg.h"

#define SAY(...) snprintf(err, TARN_ERRLEN, __VA_ARGS__)

struct progress {
	struct tarn_job *j;
	uint64_t before, need;
	const char *file;
};

static int on_copy(void *ctx, uint64_t done)
{
	struct progress *p = ctx;
	char d[24], n[24];
	uint64_t all = p->before + done;
	int pct = p->need ? (int)(all * 100 / p->need) : 0;
	tarn_size_text(all, d, sizeof d);
	tarn_size_text(p->need, n, sizeof n);
	return tarn_job_progress(p->j, pct > 99 ? 99 : pct, 0, "copying %.60s: %s of %s", p->file, d, n);
}

int tarn_job_copy_files(struct tarn_job *j, char *const src[], char *const dst[], int n, uint64_t need,
			tarn_err err)
{
	struct progress p = {.j = j, .need = need};
	for (int i = 0; i < n; i++) {
		struct tarn_copy_result res;
		tarn_err why = "";
		p.file = strrchr(dst[i], '/') ? strrchr(dst[i], '/') + 1 : dst[i];
		int rc = tarn_copy_file(src[i], dst[i], on_copy, &p, &res, why);
		if (rc != TARN_COPY_OK) {
			while (i-- > 0)
				unlink(dst[i]);
			if (rc == TARN_COPY_NOSPACE)
				SAY("repository %.40s is full: %.60s does not fit; nothing was kept", j->task->subject, p.file);
			else if (rc == TARN_COPY_CANCELLED)
				SAY("cancelled; nothing was kept");
			else
				SAY("%.150s", why);
			return rc == TARN_COPY_CANCELLED ? TARN_JOB_CANCELLED : TARN_JOB_FAILED;
		}
		p.before += res.bytes;
	}
	return TARN_JOB_DONE;
}

int tarn_rename_new(const char *from, const char *to)
{
	return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}

int tarn_job_guest(struct tarn_job *j, tarn_pool **p, struct tarn_guest_copy *g, struct tarn_guest_disks *d,
		   const char *stopped_for, tarn_err err)
{
	char name[65];
	tarn_err why = "";
	memset(g, 0, sizeof *g);
	if (tarn_job_arg(j, "guest", name, sizeof name))
		return SAY("the task's arguments are incomplete"), -1;
	if (!(*p = tarn_pool_open(j->pool, 0)))
		return SAY("out of memory"), -1;
	if (tarn_guest_read(*p, name, g, why))
		return SAY("%.150s", why), -1;
	if (stopped_for && tarn_guest_check_stopped(g, stopped_for, err))
		return -1;
	if (tarn_guest_disks(j->root, g->xlcfg, d, why))
		return SAY("guest %.40s: %.110s", name, why), -1;
	return 0;
}

int tarn_job_guest_unchanged(tarn_pool *p, const struct tarn_guest_copy *g, tarn_err err)
{
	struct tarn_guest_copy now;
	tarn_err why = "";
	int rc = tarn_guest_read(p, g->name, &now, why);
	if (rc)
		SAY("guest %.30s: %.100s; nothing was kept", g->name, why);
	else if (now.gen != g->gen || tarn_guest_check_stopped(&now, "copied", why))
		SAY("guest %.64s changed meanwhile; nothing was kept", g->name);
	tarn_guest_copy_free(&now);
	return rc || now.gen != g->gen || why[0] ? -1 : 0;
}

/* The name the new guest will have must be free, and so its directory. */
static int name_free(tarn_pool *p, const char *name, const char *final, tarn_err err)
{
	struct tarn_guest_copy g;
	tarn_err why = "";
	int rc = tarn_guest_read(p, name, &g, why);
	tarn_guest_copy_free(&g);
	if (rc == 0)
		return SAY("a guest named %.64s is already defined", name), -1;
	if (rc != TARN_POOL_REFUSED)
		return SAY("%.150s", why), -1;
	if (access(final, F_OK) == 0)
		return SAY("running_pool/%.64s already exists; nothing was made", name), -1;
	return 0;
}

/* The copies are whole in part: write vm.cfg beside them, name the
 * directory final and define the guest. TARN_JOB_*; part or final are
 * removed on failure. */
static int finish(tarn_pool *p, const char *part, const char *final, const char *cfg,
		  tarn_err err)
{
	char path[4400], pool[4400];
	tarn_err why = "";
	struct tarn_xlcfg c;
	snprintf(path, sizeof path, "%s/vm.cfg", part);
	if (tarn_xlcfg_parse(cfg, &c, why) || tarn_write_file_atomic(path, cfg, strlen(cfg), 0644, why) ||
	    tarn_fsync_dir(part) || tarn_rename_new(part, final)) {
		tarn_remove_tree(part);
		return SAY("%.150s", why[0] ? why : strerror(errno)), TARN_JOB_FAILED;
	}
	snprintf(pool, sizeof pool, "%.*s", (int)(strrchr(final, '/') - final), final);
	tarn_fsync_dir(pool);
	struct tarn_guest g = {.uuid = c.uuid, .name = c.name, .xlcfg = cfg, .desired = "stopped", .host = ""};
	int rc = tarn_pool_guest_define(p, &g, why);
	if (rc) {
		tarn_remove_tree(final);
		return SAY("%.120s; nothing was kept", why), TARN_JOB_FAILED;
	}
	return TARN_JOB_DONE;
}

/* Makes the partial directory after checking the name and the room. */
static int start(struct tarn_job *j, tarn_pool *p, const char *dir, const char *name, uint64_t need, char *part,
		 char *final, size_t len, tarn_err err)
{
	char what[120], size[24];
	snprintf(final, len, "%s/running_pool/%s", dir, name);
	snprintf(part, len, "%s/running_pool/" TARN_REPO_PARTIAL "%lld-%s", dir, (long long)j->task->id, name);
	tarn_size_text(need, size, sizeof size);
	snprintf(what, sizeof what, "guest %.64s's disks (%s)", name, size);
	if (name_free(p, name, final, err) || tarn_job_room(j, dir, need, what, err))
		return -1;
	if (mkdir(part, 0755) != 0)
		return SAY("cannot make %.100s: %s", part, strerror(errno)), -1;
	tarn_job_progress(j, 0, 1, "copying %s", size);
	return 0;
}

int tarn_job_from_template(struct tarn_job *j, tarn_err err)
{
	char tmpl[65], name[65], dir[4096], part[4400], final[4400], uuid[37];
	char *src[TARN_TEMPLATE_FILES], *dst[TARN_TEMPLATE_FILES] = {0};
	tarn_err why = "";
	struct tarn_template t;
	if (tarn_job_arg(j, "template", tmpl, sizeof tmpl) || tarn_job_arg(j, "name", name, sizeof name) ||
	    tarn_check_name(name, why))
		return SAY("the task's arguments are incomplete"), TARN_JOB_FAILED;
	if (tarn_job_repo(j, dir, sizeof dir, err))
		return TARN_JOB_FAILED;
	if (tarn_template_load(dir, tmpl, &t, err)) {
		tarn_template_free(&t);
		return TARN_JOB_FAILED;
	}
	tarn_pool *p = tarn_pool_open(j->pool, 0);
	int made = p && start(j, p, dir, name, t.need, part, final, sizeof part, err) == 0;
	int rc = made ? TARN_JOB_DONE : TARN_JOB_FAILED;
	for (int i = 0; rc == TARN_JOB_DONE && i < t.nfiles; i++) {
		src[i] = t.files[i].src;
		if (asprintf(&dst[i], "%s/%s", part, t.files[i].name) < 0)
			rc = (SAY("out of memory"), TARN_JOB_FAILED);
	}
	if (rc == TARN_JOB_DONE)
		rc = tarn_job_copy_files(j, src, dst, t.nfiles, t.need, err);
	char *cfg = NULL;
	if (rc == TARN_JOB_DONE) {
		tarn_pool_new_uuid(uuid);
		if (!(cfg = tarn_template_guest_cfg(&t, final, name, uuid, why)))
			rc = (SAY("%.150s", why), TARN_JOB_FAILED);
	}
	if (rc == TARN_JOB_DONE)
		rc = finish(p, part, final, cfg, err);
	else if (made)
		tarn_remove_tree(part);
	if (rc == TARN_JOB_DONE)
		SAY("guest %.64s made from template %.60s", name, tmpl);
	for (int i = 0; i < t.nfiles; i++)
		free(dst[i]);
	free(cfg);
	tarn_template_free(&t);
	tarn_pool_close(p);
	return rc;
}

/* The name a copy of disk i gets in the new guest's directory: its own,
 * or with the disk's number before it when another has that name. */
static void copy_name(const struct tarn_guest_disks *d, int i, char *buf, size_t len)
{
	const char *base = strrchr(d->d[i].path, '/') + 1;
	int clash = 0;
	for (int k = 0; k < i; k++)
		clash |= d->own[k] && strcmp(strrchr(d->d[k].path, '/') + 1, base) == 0;
	if (clash)
		snprintf(buf, len, "%d-%s", i, base);
	else
		snprintf(buf, len, "%s", base);
}

/* The new guest's xl.cfg: the own disks, kernel and ramdisk (boot) at
 * their copies in final, the new name and uuid. malloc'd, or NULL with err. */
static char *clone_cfg(const struct tarn_guest_copy *g, const struct tarn_guest_disks *d, char boot[2][4096],
		       const char *final, const char *name, tarn_err err)
{
	char *specs[TARN_MAX_DISKS] = {0}, path[4800], file[300], q[4400], uuid[37];
	char *text = NULL;
	int ok = 1;
	for (int i = 0; ok && i < d->n; i++) {
		size_t len = sizeof d->d[i].spec + sizeof path;
		ok = (specs[i] = malloc(len)) != NULL;
		if (ok && !d->own[i])
			snprintf(specs[i], len, "%s", d->d[i].spec);
		else if (ok)
			copy_name(d, i, file, sizeof file), snprintf(path, sizeof path, "%s/%s", final, file),
				ok = tarn_xlcfg_disk_move(&d->d[i], path, specs[i], len, err) == 0;
	}
	if (ok)
		text = d->n ? tarn_xlcfg_set_disks(g->xlcfg, specs, d->n, err) : strdup(g->xlcfg);
	for (int i = 0; i < d->n; i++)
		free(specs[i]);
	const char *keys[] = {"kernel", "ramdisk"};
	for (int k = 0; k < 2; k++)
		if (boot[k][0])
			snprintf(path, sizeof path, "%s/%s", final, strrchr(boot[k], '/') + 1),
				text = tarn_xlcfg_set_string(text, keys[k], path, err);
	tarn_pool_new_uuid(uuid);
	char *named = text && tarn_xlcfg_quote(name, q, sizeof q, err) == 0 ? tarn_xlcfg_set(text, "name", q, err) : NULL;
	snprintf(q, sizeof q, "'%s'", uuid);
	char *out = named ? tarn_xlcfg_set(named, "uuid", q, err) : NULL;
	free(text);
	free(named);
	return out;
}

int tarn_job_clone(struct tarn_job *j, tarn_err err)
{
	char name[65], dir[4096], part[4400], final[4400], file[300], boot[2][4096] = {"", ""};
	char *src[TARN_MAX_DISKS + 2], *dst[TARN_MAX_DISKS + 2] = {0};
	tarn_err why = "";
	tarn_pool *p = NULL;
	struct tarn_guest_copy g = {0};
	struct tarn_guest_disks d = {0};
	int n = 0, made = 0, rc;
	char *cfg = NULL;
	if (tarn_job_arg(j, "name", name, sizeof name) || tarn_check_name(name, why))
		SAY("the task's arguments are incomplete");
	else if (tarn_job_guest(j, &p, &g, &d, "cloned", err) == 0 && !tarn_job_repo(j, dir, sizeof dir, err)) {
		/* its own kernel and ramdisk (a template's copies) are copied too */
		tarn_guest_boot_files(j->root, g.name, g.xlcfg, boot);
		for (int k = 0; k < 2; k++) {
			struct stat sb;
			if (boot[k][0] && stat(boot[k], &sb) == 0)
				d.need += (uint64_t)sb.st_blocks * 512;
		}
		made = start(j, p, dir, name, d.need, part, final, sizeof part, err) == 0;
	}
	rc = made ? TARN_JOB_DONE : TARN_JOB_FAILED;
	for (int i = 0; rc == TARN_JOB_DONE && i < d.n; i++) {
		if (!d.own[i])
			continue;
		copy_name(&d, i, file, sizeof file);
		src[n] = d.d[i].path;
		if (asprintf(&dst[n++], "%s/%s", part, file) < 0)
			rc = (SAY("out of memory"), TARN_JOB_FAILED);
	}
	for (int k = 0; rc == TARN_JOB_DONE && k < 2; k++) {
		if (!boot[k][0])
			continue;
		src[n] = boot[k];
		if (asprintf(&dst[n++], "%s/%s", part, strrchr(boot[k], '/') + 1) < 0)
			rc = (SAY("out of memory"), TARN_JOB_FAILED);
	}
	if (rc == TARN_JOB_DONE)
		rc = tarn_job_copy_files(j, src, dst, n, d.need, err);
	if (rc == TARN_JOB_DONE && !(cfg = clone_cfg(&g, &d, boot, final, name, why)))
		rc = (SAY("%.150s", why), TARN_JOB_FAILED);
	if (rc == TARN_JOB_DONE && tarn_job_guest_unchanged(p, &g, err))
		rc = TARN_JOB_FAILED;
	if (rc == TARN_JOB_DONE)
		rc = finish(p, part, final, cfg, err);
	else if (made)
		tarn_remove_tree(part);
	if (rc == TARN_JOB_DONE)
		SAY("guest %.64s cloned as %.64s (stopped)", g.name, name);
	for (int i = 0; i < n; i++)
		free(dst[i]);
	free(cfg);
	tarn_guest_copy_free(&g);
	tarn_pool_close(p);
	return rc;
}
