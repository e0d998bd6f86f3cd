/* A guest's disks for clones, snapshots and deletion; see guest-disk.h. */
#include "guest-disk.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "xlcfg.h"

#define FAIL(...) (snprintf(err, TARN_ERRLEN, __VA_ARGS__), -1)

/* The repository a path lies in (its name into repo), and the pool after
 * it (into pool); 0, or -1 when it is not under root. */
static int repo_of(const char *root, const char *path, char repo[65], char pool[32])
{
	size_t rl = strlen(root);
	if (strncmp(path, root, rl) != 0 || path[rl] != '/')
		return -1;
	const char *name = path + rl + 1, *slash = strchr(name, '/');
	if (!slash || slash - name > 64 || slash == name)
		return -1;
	snprintf(repo, 65, "%.*s", (int)(slash - name), name);
	snprintf(pool, 32, "%.*s", (int)strcspn(slash + 1, "/"), slash + 1);
	return 0;
}

int tarn_guest_disks(const char *root, const char *text, struct tarn_guest_disks *g, tarn_err err)
{
	memset(g, 0, sizeof *g);
	tarn_err why;
	if ((g->n = tarn_xlcfg_disks(text, g->d, TARN_MAX_DISKS, why)) < 0)
		return FAIL("%s", why);
	for (int i = 0; i < g->n; i++) {
		const struct tarn_xlcfg_disk *d = &g->d[i];
		char repo[65], pool[32];
		struct stat sb;
		int in_repo = repo_of(root, d->path, repo, pool) == 0;
		if (!d->path[0] || d->cdrom || d->readonly || (in_repo && strcmp(pool, "sharedDisk") == 0))
			continue;
		if (stat(d->path, &sb) != 0)
			return FAIL("disk %.20s: %.80s: %s", d->vdev, d->path, strerror(errno));
		if (!S_ISREG(sb.st_mode))
			return FAIL("disk %.20s (%.80s) is a device, not a file: it cannot be copied", d->vdev, d->path);
		if (!in_repo)
			return FAIL("disk %.20s (%.80s) is not in a repository", d->vdev, d->path);
		if (!g->repo[0])
			snprintf(g->repo, sizeof g->repo, "%s", repo);
		g->own[i] = 1;
		g->nown++;
		g->need += (uint64_t)sb.st_blocks * 512;
	}
	return 0;
}

void tarn_guest_dir(const char *root, const char *repo, const char *guest, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/running_pool/%s", root, repo, guest);
}

void tarn_snapshot_dir(const char *root, const char *repo, const char *guest, const char *snap, char *buf,
		       size_t len)
{
	snprintf(buf, len, "%s/%s/running_pool/%s/" TARN_SNAPSHOTS "%s%s", root, repo, guest, snap ? "/" : "",
		 snap ? snap : "");
}

int tarn_guest_owns(const char *root, const char *guest, const char *path)
{
	char real[PATH_MAX], repo[65], pool[32], dir[PATH_MAX + 200], realroot[PATH_MAX];
	struct stat sb;
	if (!realpath(root, realroot) || !realpath(path, real) || lstat(real, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    repo_of(realroot, real, repo, pool) != 0 || strcmp(pool, "running_pool") != 0)
		return 0;
	tarn_guest_dir(realroot, repo, guest, dir, sizeof dir);
	size_t dl = strlen(dir);
	return strncmp(real, dir, dl) == 0 && real[dl] == '/';
}

int tarn_guest_boot_files(const char *root, const char *guest, const char *text, char files[2][4096])
{
	static const char *const keys[] = {"kernel", "ramdisk"};
	struct tarn_xlu x;
	tarn_err why;
	int n = 0;
	files[0][0] = files[1][0] = '\0';
	if (tarn_xlu_open(&x, text, why))
		return 0;
	for (int k = 0; k < 2; k++) {
		const char *v;
		if (xlu_cfg_get_string(x.c, keys[k], &v, 1) == 0 && tarn_guest_owns(root, guest, v))
			n++, snprintf(files[k], 4096, "%s", v);
	}
	tarn_xlu_close(&x);
	return n;
}

static int copy_guest(void *ctx, const struct tarn_guest *g)
{
	struct tarn_guest_copy *c = ctx;
	snprintf(c->name, sizeof c->name, "%s", g->name);
	snprintf(c->uuid, sizeof c->uuid, "%s", g->uuid);
	snprintf(c->desired, sizeof c->desired, "%s", g->desired);
	snprintf(c->actual, sizeof c->actual, "%s", g->actual);
	c->gen = g->gen;
	c->domid = g->domid;
	return (c->xlcfg = strdup(g->xlcfg)) ? 0 : -1;
}

int tarn_guest_read(tarn_pool *p, const char *name, struct tarn_guest_copy *g, tarn_err err)
{
	memset(g, 0, sizeof *g);
	int rc = tarn_pool_guests(p, name, copy_guest, g, err);
	if (rc > 0 || (rc == 0 && !g->xlcfg))
		return snprintf(err, TARN_ERRLEN, "out of memory"), TARN_POOL_DOWN;
	return rc;
}

void tarn_guest_copy_free(struct tarn_guest_copy *g)
{
	free(g->xlcfg);
	g->xlcfg = NULL;
}

int tarn_guest_check_stopped(const struct tarn_guest_copy *g, const char *what, tarn_err err)
{
	if (strcmp(g->desired, "stopped") != 0)
		return FAIL("guest %.64s is meant to be %s: stop it before it is %s", g->name, g->desired, what);
	if (g->domid >= 0 || (strcmp(g->actual, "stopped") && strcmp(g->actual, "unknown")))
		return FAIL("guest %.64s is still %s: wait until it is stopped", g->name, g->actual);
	return 0;
}
