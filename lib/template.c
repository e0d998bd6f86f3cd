/* Templates in seed_pool; see template.h. */
#include "template.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"

#define SAY(...) snprintf(err, TARN_ERRLEN, __VA_ARGS__)
#define FAIL(...) (SAY(__VA_ARGS__), -1)

static int failed(tarn_err err, const char *name, const char *why)
{
	return snprintf(err, TARN_ERRLEN, "template %.30s: %.115s", name, why), -1;
}

/* Adds the file at path (relative to the template, or absolute) when it is
 * inside the template: its index, -1 when it is outside, -2 on error. */
static int add_file(struct tarn_template *t, const char *what, const char *path, tarn_err err)
{
	char full[4400], real[PATH_MAX];
	struct stat sb;
	snprintf(full, sizeof full, "%s%s%s", path[0] == '/' ? "" : t->dir, path[0] == '/' ? "" : "/", path);
	if (path[0] == '/' && strncmp(path, t->dir, strlen(t->dir)) != 0)
		return -1; /* shared: /boot, iso_pool, ... */
	if (!realpath(full, real) || stat(real, &sb) != 0)
		return SAY("vm.cfg: %.20s %.80s: %s", what, path, strerror(errno)), -2;
	size_t dl = strlen(t->dir);
	if (strncmp(real, t->dir, dl) != 0 || real[dl] != '/')
		return SAY("vm.cfg: %.20s %.80s is outside the template", what, path), -2;
	if (!S_ISREG(sb.st_mode))
		return SAY("vm.cfg: %.20s %.80s is not a file", what, path), -2;
	const char *base = strrchr(real, '/') + 1;
	for (int i = 0; i < t->nfiles; i++)
		if (strcmp(t->files[i].name, base) == 0)
			return SAY("vm.cfg: two files named %.60s: a guest's directory holds one", base), -2;
	if (t->nfiles == TARN_TEMPLATE_FILES)
		return SAY("vm.cfg: too many files"), -2;
	struct tarn_template_file *f = &t->files[t->nfiles];
	snprintf(f->src, sizeof f->src, "%s", real);
	snprintf(f->name, sizeof f->name, "%s", base);
	t->need += (uint64_t)sb.st_blocks * 512;
	return t->nfiles++;
}

/* The kernel or ramdisk, when the template holds it. */
static int boot_file(struct tarn_template *t, const char *key, int *index, tarn_err err)
{
	struct tarn_xlu x;
	const char *v;
	*index = -1;
	if (tarn_xlu_open(&x, t->text, err))
		return -1;
	char path[4096] = "";
	if (xlu_cfg_get_string(x.c, key, &v, 1) == 0)
		snprintf(path, sizeof path, "%s", v);
	tarn_xlu_close(&x);
	if (path[0] && (*index = add_file(t, key, path, err)) == -2)
		return -1;
	return 0;
}

int tarn_template_load(const char *repo_dir, const char *name, struct tarn_template *t, tarn_err err)
{
	char cfg[4400];
	struct stat sb;
	size_t len;
	memset(t, 0, sizeof *t);
	tarn_err why;
	if (tarn_check_name(name, why))
		return FAIL("template: %.100s", why);
	snprintf(t->name, sizeof t->name, "%s", name);
	char dir[4200];
	snprintf(dir, sizeof dir, "%s/seed_pool/%s", repo_dir, name);
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) || !realpath(dir, t->dir))
		return FAIL("there is no template %.64s in seed_pool", name);
	snprintf(cfg, sizeof cfg, "%s/" TARN_TEMPLATE_CFG, t->dir);
	if (!(t->text = tarn_read_file(cfg, 64 * 1024, &len, why)))
		return failed(err, name, errno == ENOENT ? "it has no vm.cfg" : why);
	if ((t->ndisks = tarn_xlcfg_disks(t->text, t->disks, TARN_MAX_DISKS, why)) < 0)
		return failed(err, name, why);
	for (int i = 0; i < t->ndisks; i++) {
		struct tarn_xlcfg_disk *d = &t->disks[i];
		t->copied[i] = d->path[0] ? add_file(t, d->vdev, d->path, why) : -1;
		if (t->copied[i] == -2)
			return failed(err, name, why);
		if (t->copied[i] == -1 && d->path[0] && !d->readonly)
			return FAIL("template %.30s: disk %.12s (%.40s) is outside it and writable", name, d->vdev,
				    d->path);
		if (t->copied[i] >= 0 && stat(t->files[t->copied[i]].src, &sb) == 0)
			t->disk_bytes += (uint64_t)sb.st_size;
	}
	if (boot_file(t, "kernel", &t->kernel, why) || boot_file(t, "ramdisk", &t->ramdisk, why))
		return failed(err, name, why);
	/* checked as the guest would have it: the paths made absolute */
	char *as_guest = tarn_template_guest_cfg(t, t->dir, name, NULL, why);
	int rc = as_guest ? tarn_xlcfg_parse(as_guest, &t->cfg, why) : -1;
	free(as_guest);
	return rc ? failed(err, name, why) : 0;
}

void tarn_template_free(struct tarn_template *t)
{
	free(t->text);
	t->text = NULL;
}

char *tarn_template_guest_cfg(const struct tarn_template *t, const char *guest_dir, const char *name,
			      const char *uuid, tarn_err err)
{
	char path[4500];
	char *specs[TARN_MAX_DISKS] = {0};
	char *text = NULL;
	int ok = 1;
	for (int i = 0; ok && i < t->ndisks; i++) {
		const struct tarn_xlcfg_disk *d = &t->disks[i];
		ok = (specs[i] = malloc(sizeof d->spec + sizeof path)) != NULL;
		if (ok && t->copied[i] < 0)
			snprintf(specs[i], sizeof d->spec, "%s", d->spec);
		else if (ok)
			snprintf(path, sizeof path, "%s/%s", guest_dir, t->files[t->copied[i]].name),
				ok = tarn_xlcfg_disk_move(d, path, specs[i], sizeof d->spec + sizeof path, err) == 0;
	}
	if (ok)
		text = t->ndisks ? tarn_xlcfg_set_disks(t->text, specs, t->ndisks, err) : strdup(t->text);
	for (int i = 0; i < t->ndisks; i++)
		free(specs[i]);
	const char *keys[] = {"kernel", "ramdisk"};
	const int idx[] = {t->kernel, t->ramdisk};
	for (int k = 0; k < 2; k++)
		if (idx[k] >= 0) {
			snprintf(path, sizeof path, "%s/%s", guest_dir, t->files[idx[k]].name);
			text = tarn_xlcfg_set_string(text, keys[k], path, err);
		}
	text = tarn_xlcfg_set_string(text, "name", name, err);
	return uuid ? tarn_xlcfg_set_string(text, "uuid", uuid, err) : text;
}
