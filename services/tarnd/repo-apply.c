/* The repository reconciler over mount(8), blkid, mkfs and iscsiadm; see
 * repo-apply.h. */
#include "repo-apply.h"

#include "diskcopy.h"
#include "guest-job.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "event.h"
#include "fileio.h"
#include "run.h"
#include "task.h"

#define FAIL(...) (snprintf(err, TARN_ERRLEN, __VA_ARGS__), err)

struct pass {
	tarn_store *st;
	const char *root;
	int64_t generation;
	int failed;
	const struct tarn_pool_repos *pool; /* NULL: not read yet */
	int pool_scope; /* applying one of the pool's repositories */
};

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *out = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

int tarn_repo_mounted(const char *dir)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], point[4096];
	int found = 0;
	while (f && !found && fgets(line, sizeof line, f))
		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1) {
			unescape(point);
			found = strcmp(point, dir) == 0;
		}
	if (f)
		fclose(f);
	return found;
}

/* Status and, when the state changes, an event. */
static void record(struct pass *p, const char *name, const char *error, const char *done)
{
	char subject[80], prev[256] = "";
	tarn_err ignore;
	tarn_repo_subject(name, subject, sizeof subject);
	int was = tarn_repo_status(p->st, name, prev, sizeof prev);
	tarn_store_set_status(p->st, subject, error == NULL, error ? error : done, p->generation, ignore);
	if (error && (was != 0 || strcmp(prev, error)))
		tarn_event_add(p->st, "error", subject, error);
	else if (!error && was != 1)
		tarn_event_add(p->st, "info", subject, done);
	if (error)
		p->failed++;
}

/* The block device (or image file) that holds the repository. */
static const char *iscsi_device(const struct tarn_repo *r, char *dev, size_t len, tarn_err err);

static const char *device(const struct tarn_repo *r, char *dev, size_t len, int *loop, tarn_err err)
{
	struct stat sb;
	*loop = 0;
	if (strcmp(r->kind, "iscsi") == 0)
		return iscsi_device(r, dev, len, err);
	if (stat(r->source, &sb) != 0)
		return FAIL("there is no device %.100s on this host", r->source);
	if (!S_ISBLK(sb.st_mode) && !S_ISREG(sb.st_mode))
		return FAIL("%.100s is neither a block device nor an image file", r->source);
	*loop = S_ISREG(sb.st_mode);
	snprintf(dev, len, "%s", r->source);
	return NULL;
}

/* The block device of the target's LUN, from sysfs: mdev makes no
 * /dev/disk/by-path links. */
static int iscsi_lun(const struct tarn_repo *r, char *dev, size_t len)
{
	glob_t g;
	int found = 0;
	if (glob("/sys/class/iscsi_session/session*/targetname", 0, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc && !found; i++) {
		char name[256] = "", pattern[4200];
		FILE *f = fopen(g.gl_pathv[i], "re");
		if (!f)
			continue;
		if (!fgets(name, sizeof name, f))
			name[0] = '\0';
		fclose(f);
		name[strcspn(name, "\n")] = '\0';
		if (strcmp(name, r->target) != 0)
			continue;
		*strrchr(g.gl_pathv[i], '/') = '\0';
		snprintf(pattern, sizeof pattern, "%s/device/target*/*:*:*:%d/block/*", g.gl_pathv[i], r->lun);
		glob_t b;
		if (glob(pattern, 0, NULL, &b) == 0 && b.gl_pathc > 0) {
			snprintf(dev, len, "/dev/%s", strrchr(b.gl_pathv[0], '/') + 1);
			found = 1;
		}
		globfree(&b);
	}
	globfree(&g);
	return found;
}

static const char *iscsi_device(const struct tarn_repo *r, char *dev, size_t len, tarn_err err)
{
	const char *discover[] = {"iscsiadm", "-m", "discovery", "-t", "sendtargets", "-p", r->source, NULL};
	const char *login[] = {"iscsiadm", "-m", "node", "-T", r->target, "-p", r->source, "--login", NULL};
	if (iscsi_lun(r, dev, len))
		return NULL;
	if (tarn_run(discover, NULL, 0, err))
		return err;
	int rc = tarn_run(login, NULL, 0, err);
	if (rc != 0 && rc != 15) /* 15: already logged in */
		return err;
	for (int i = 0; i < 50; i++, usleep(100 * 1000))
		if (iscsi_lun(r, dev, len))
			return NULL;
	return FAIL("iSCSI target %.80s shows no LUN %d", r->target, r->lun);
}

static void iscsi_logout(const char *portal, const char *target)
{
	tarn_err ignore;
	const char *logout[] = {"iscsiadm", "-m", "node", "-T", target, "-p", portal, "--logout", NULL};
	tarn_run(logout, NULL, 0, ignore);
}

/* What the device holds, by content (blkid -p reads the device itself,
 * not a cache): the file system's type and UUID, or a partition table. */
static const char *probe(const char *dev, char *type, char *fsuuid, int *table, tarn_err err)
{
	char out[2048];
	const char *argv[] = {"blkid", "-p", "-o", "export", dev, NULL};
	type[0] = fsuuid[0] = '\0';
	*table = 0;
	int rc = tarn_run(argv, out, sizeof out, err);
	if (rc == 2)
		return NULL; /* nothing recognised */
	if (rc != 0)
		return rc < 0 ? err : FAIL("cannot tell what %.60s holds: %.60s", dev, out);
	char *save = NULL;
	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "TYPE=", 5) == 0)
			snprintf(type, 16, "%.15s", l + 5);
		else if (strncmp(l, "UUID=", 5) == 0)
			snprintf(fsuuid, 40, "%.39s", l + 5);
		else if (strncmp(l, "PTTYPE=", 7) == 0)
			*table = 1;
	}
	return NULL;
}

/* 1 when the first MiB is all zeros. blkid knows file systems, RAID and
 * LVM members and partition tables, but not a database or an image file
 * someone pointed at by mistake: those have a header, and are left alone. */
static int blank(const char *dev, tarn_err err)
{
	static char buf[1 << 20];
	err[0] = '\0';
	int fd = open(dev, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return snprintf(err, TARN_ERRLEN, "cannot read %.80s: %s", dev, strerror(errno)), -1;
	ssize_t n = pread(fd, buf, sizeof buf, 0);
	close(fd);
	if (n < 0)
		return snprintf(err, TARN_ERRLEN, "cannot read %.80s: %s", dev, strerror(errno)), -1;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i])
			return 0;
	return 1;
}

/* Formats only a device that holds nothing blkid recognises and is blank
 * at its start. One that holds our own file system (its UUID is the
 * repository's: we made it) is used as it is. */
static const char *prepare(const struct tarn_repo *r, const char *dev, int *formatted, tarn_err err)
{
	char type[16], fsuuid[40];
	int table;
	*formatted = 0;
	if (probe(dev, type, fsuuid, &table, err))
		return err;
	if (type[0] && r->format && strcmp(fsuuid, r->uuid) != 0)
		return FAIL("%.50s already holds %s: not formatting it (add the repository without format "
			    "to use it)", dev, type);
	if (type[0] && strcmp(type, r->fstype) != 0)
		return FAIL("%.60s holds %s, not %s", dev, type, r->fstype);
	if (type[0])
		return NULL;
	if (table)
		return FAIL("%.60s holds a partition table: give one of its partitions", dev);
	if (!r->format)
		return FAIL("%.60s holds no file system (add the repository with format to make one)", dev);
	if (blank(dev, err) != 1)
		return err[0] ? err : FAIL("%.50s holds data no tool here recognises: not formatting it (wipe it "
					   "first if it is to go)", dev);
	char uuid_opt[48];
	snprintf(uuid_opt, sizeof uuid_opt, "uuid=%s", r->uuid);
	const char *ext4[] = {"mkfs.ext4", "-q", "-F", "-U", r->uuid, dev, NULL};
	const char *xfs[] = {"mkfs.xfs", "-q", "-m", uuid_opt, dev, NULL};
	if (tarn_run(strcmp(r->fstype, "xfs") == 0 ? xfs : ext4, NULL, 0, err))
		return err;
	*formatted = 1;
	return NULL;
}

/* Do mount options (a comma-separated list) name an NFS version? */
static int names_nfs_version(const char *options)
{
	for (const char *o = options; *o; o += strcspn(o, ","), o += *o == ',') {
		if (strncmp(o, "vers=", 5) == 0 || strncmp(o, "nfsvers=", 8) == 0 ||
		    (o[0] == 'v' && o[1] >= '2' && o[1] <= '4'))
			return 1;
	}
	return 0;
}

static const char *mount_repo(const struct tarn_repo *r, const char *dir, int *formatted, tarn_err err)
{
	char dev[4096], opts[200];
	int loop, nfs = strcmp(r->kind, "nfs") == 0;
	*formatted = 0;
	if (!nfs && (device(r, dev, sizeof dev, &loop, err) || prepare(r, dev, formatted, err)))
		return err;
	/* an NFS server that does not answer fails now rather than holding
	 * the engine for minutes; the next pass tries again. NFS is NFSv4
	 * (vers=4: mount.nfs takes the highest minor version both ends
	 * speak) unless the repository's options name a version: v4 needs
	 * neither rpcbind nor rpc.statd, which the image does not carry (an
	 * NFSv3 repository wants "vers=3,nolock"). mount(8) hands it to
	 * mount.nfs, from nfs-common. */
	snprintf(opts, sizeof opts, "%s%s%s%s", nfs ? "retry=0" : loop ? "loop" : "",
		 nfs && !names_nfs_version(r->options) ? ",vers=4" : "", (nfs || loop) && r->options[0] ? "," : "",
		 r->options);
	const char *argv[8] = {"mount", "-t", r->fstype};
	int n = 3;
	if (opts[0]) {
		argv[n++] = "-o";
		argv[n++] = opts;
	}
	argv[n++] = nfs ? r->source : dev;
	argv[n++] = dir;
	return tarn_run(argv, NULL, 0, err) ? err : NULL;
}

/* The marker names the repository the file system holds. Returns the
 * uuid it holds in have (empty when there is none). */
static const char *marker(const struct tarn_repo *r, const char *dir, int pool_scope, char *have, tarn_err err)
{
	char path[4200], text[600];
	have[0] = '\0';
	snprintf(path, sizeof path, "%s/" TARN_REPO_MARKER, dir);
	FILE *f = fopen(path, "re");
	if (f) {
		char line[300];
		while (fgets(line, sizeof line, f))
			if (strncmp(line, "uuid=", 5) == 0)
				snprintf(have, 37, "%.36s", line + 5);
		fclose(f);
		tarn_err bad;
		if (tarn_check_uuid(have, bad))
			return FAIL("%.60s/" TARN_REPO_MARKER " holds no valid uuid: not using it", dir);
		return NULL;
	}
	int n = snprintf(text, sizeof text, "# a Tarn storage repository\nuuid=%s\nname=%s\nkind=%s\n", r->uuid,
			 r->name, r->kind);
	if (strcmp(r->kind, "iscsi") == 0) /* to log out once it is removed */
		n += snprintf(text + n, sizeof text - (size_t)n, "portal=%s\ntarget=%s\n", r->source, r->target);
	if (pool_scope) /* left mounted while the pool cannot be read */
		n += snprintf(text + n, sizeof text - (size_t)n, "scope=pool\n");
	return tarn_write_file_atomic(path, text, (size_t)n, 0644, err) ? err : NULL;
}

static int pool_mount(const char *dir);

void tarn_repo_sweep(tarn_store *st, const char *dir, int64_t task)
{
	/* other members work in a pool repository too, and task ids are each
	 * host's own: its partial files are left alone (pool-job.h) */
	if (pool_mount(dir))
		return;
	for (int i = 0; tarn_repo_pools[i]; i++) {
		char pool[4200];
		snprintf(pool, sizeof pool, "%s/%s", dir, tarn_repo_pools[i]);
		DIR *d = opendir(pool);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			struct tarn_task t;
			long long id;
			if (strncmp(e->d_name, TARN_REPO_PARTIAL, strlen(TARN_REPO_PARTIAL)) != 0 ||
			    sscanf(e->d_name + strlen(TARN_REPO_PARTIAL), "%lld-", &id) != 1)
				continue;
			if (task ? id == task : tarn_task_get(st, id, &t) != 0 || strcmp(t.state, "running") != 0) {
				char path[4500]; /* a file, or a guest's directory being made */
				snprintf(path, sizeof path, "%s/%s", pool, e->d_name);
				tarn_remove_tree(path);
			}
		}
		if (d)
			closedir(d);
	}
	tarn_guest_disk_sweep(st, dir, task);
}

static const char *ready(struct pass *p, const struct tarn_repo *r, const char *dir, tarn_err err)
{
	char have[40];
	if (marker(r, dir, p->pool_scope, have, err))
		return err;
	if (have[0] && strcmp(have, r->uuid) != 0 && p->pool_scope)
		return FAIL("this export holds repository %s, not the pool's %s: give the pool another export", have,
			    r->uuid);
	if (have[0] && strcmp(have, r->uuid) != 0) {
		/* a file system that was a repository before: it keeps its identity */
		char note[200], subject[80];
		if (tarn_repo_set_uuid(p->st, r->name, have, err))
			return FAIL("this file system is repository %s, which is already attached here", have);
		snprintf(note, sizeof note, "recognised repository %s (attached again)", have);
		tarn_repo_subject(r->name, subject, sizeof subject);
		tarn_event_add(p->st, "info", subject, note);
	}
	for (int i = 0; tarn_repo_pools[i]; i++) {
		char pool[4200];
		snprintf(pool, sizeof pool, "%s/%s", dir, tarn_repo_pools[i]);
		if (mkdir(pool, 0755) != 0 && errno != EEXIST)
			return FAIL("cannot make %.80s: %s", pool, strerror(errno));
	}
	tarn_repo_sweep(p->st, dir, 0);
	return NULL;
}

/* The marker's portal, target (an iSCSI repository) and scope ("pool" for
 * one of the pool's) of the repository mounted at dir. */
static void marker_fields(const char *dir, char portal[260], char target[260], char scope[16])
{
	char path[4200], line[300];
	portal[0] = target[0] = scope[0] = '\0';
	snprintf(path, sizeof path, "%s/" TARN_REPO_MARKER, dir);
	FILE *f = fopen(path, "re");
	while (f && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "portal=", 7) == 0)
			snprintf(portal, 260, "%.255s", line + 7);
		else if (strncmp(line, "target=", 7) == 0)
			snprintf(target, 260, "%.255s", line + 7);
		else if (strncmp(line, "scope=", 6) == 0)
			snprintf(scope, 16, "%.15s", line + 6);
	}
	if (f)
		fclose(f);
}

/* 1 when dir holds a mount of one of the pool's repositories. */
static int pool_mount(const char *dir)
{
	char portal[260], target[260], scope[16];
	marker_fields(dir, portal, target, scope);
	return strcmp(scope, "pool") == 0;
}

static int apply_repo(void *ctx, const struct tarn_repo *r)
{
	struct pass *p = ctx;
	char dir[4096], done[300], size[24], avail[24];
	tarn_err err = "";
	const char *error = NULL;
	int formatted = 0, was_mounted;
	tarn_repo_dir(p->root, r->name, dir, sizeof dir);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		error = FAIL("cannot make the mount point %.80s: %s", dir, strerror(errno));
	was_mounted = !error && tarn_repo_mounted(dir);
	/* the host's own takes its name back from a pool repository mounted there */
	if (was_mounted && !p->pool_scope && pool_mount(dir)) {
		if (umount2(dir, 0) != 0)
			error = FAIL("the pool's repository %.64s is mounted here and cannot be unmounted: %s", r->name,
				     strerror(errno));
		was_mounted = error != NULL;
	}
	if (!error && !was_mounted)
		error = mount_repo(r, dir, &formatted, err);
	if (!error && (error = ready(p, r, dir, err)) && !was_mounted)
		umount2(dir, 0); /* not ours after all: leave it as it was */
	struct statvfs vfs;
	if (!error && statvfs(dir, &vfs) != 0)
		error = FAIL("cannot read the free space of %.80s: %s", dir, strerror(errno));
	if (!error) {
		tarn_size_text((uint64_t)vfs.f_blocks * vfs.f_frsize, size, sizeof size);
		tarn_size_text((uint64_t)vfs.f_bavail * vfs.f_frsize, avail, sizeof avail);
		snprintf(done, sizeof done, "mounted at %.200s%s: %s, %s free", dir,
			 formatted ? " (formatted)" : "", size, avail);
	}
	record(p, r->name, error, done);
	return 0;
}

/* A mount point under the root that no repository owns any more (or one
 * of the pool's this member does not need). */
static void release(struct pass *p, const char *name, const char *why)
{
	char dir[4096], portal[260], target[260], scope[16], subject[80];
	tarn_repo_dir(p->root, name, dir, sizeof dir);
	if (tarn_repo_mounted(dir)) {
		marker_fields(dir, portal, target, scope);
		if (umount2(dir, 0) != 0) {
			tarn_err err;
			record(p, name, FAIL("%s, but cannot unmount %.80s: %s", why, dir, strerror(errno)), NULL);
			return;
		}
		if (portal[0] && target[0])
			iscsi_logout(portal, target);
		tarn_repo_subject(name, subject, sizeof subject);
		char note[120];
		snprintf(note, sizeof note, "%s: unmounted", why);
		tarn_event_add(p->st, "info", subject, note);
	}
	rmdir(dir);
	tarn_repo_forget_status(p->st, name);
}

#define NOT_NEEDED "not needed: this member is neither a VM server nor a utility server"

/* One of the pool's repositories, merged with the host's own: a host
 * repository of the same name keeps the name here, and the pool's is
 * reported failed; a member with neither role does not mount it. */
static void apply_pool_repo(struct pass *p, const struct tarn_repo *r, struct tarn_pool_repo_state *s)
{
	struct tarn_repo own;
	int ok = 0;
	memset(s, 0, sizeof *s);
	snprintf(s->name, sizeof s->name, "%s", r->name);
	if (tarn_repo_get(p->st, r->name, &own) == 0) {
		snprintf(s->message, sizeof s->message, "not mounted here: this host has a repository of its own named "
			 "%s (remove or rename it to use the pool's)", r->name);
	} else if (!p->pool->member || !tarn_pool_repo_needed(p->pool->roles)) {
		release(p, r->name, "not needed here");
		ok = tarn_repo_status(p->st, r->name, s->message, sizeof s->message) == 0 ? 0 : 2;
		if (ok == 2)
			snprintf(s->message, sizeof s->message, NOT_NEEDED);
	} else {
		p->pool_scope = 1;
		apply_repo(p, r);
		p->pool_scope = 0;
		ok = tarn_repo_status(p->st, r->name, s->message, sizeof s->message) == 1;
	}
	snprintf(s->state, sizeof s->state, "%s", ok == 2 ? "not needed" : ok ? "mounted" : "failed");
}

/* Whether the mount point of name is still some repository's. */
static int owned(struct pass *p, const char *name)
{
	struct tarn_repo r;
	char dir[4096];
	if (tarn_repo_get(p->st, name, &r) == 0)
		return 1;
	if (p->pool) /* its members without the roles were released above */
		return tarn_pool_repos_find(p->pool, name) != NULL;
	/* the pool not read yet: its repositories stay as they are */
	tarn_repo_dir(p->root, name, dir, sizeof dir);
	return pool_mount(dir);
}

int tarn_repo_reconcile(tarn_store *st, const char *root, int64_t generation, const struct tarn_pool_repos *pool,
			struct tarn_pool_repo_state *states)
{
	struct pass p = {.st = st, .root = root, .generation = generation, .pool = pool};
	if (mkdir(root, 0755) != 0 && errno != EEXIST)
		return 1;
	tarn_repo_each(st, apply_repo, &p);
	for (int i = 0; pool && i < pool->n; i++)
		apply_pool_repo(&p, &pool->repo[i], &states[i]);
	DIR *d = opendir(root);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] != '.' && !owned(&p, e->d_name))
			release(&p, e->d_name, "removed");
	}
	if (d)
		closedir(d);
	return p.failed;
}
