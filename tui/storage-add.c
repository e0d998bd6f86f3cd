/* Adding a repository: a local disk or partition (chosen from this host's
 * block devices, or typed), an NFS export or an iSCSI target. Each field
 * is checked as the agent checks it; a device is formatted only after a
 * warning that names it and says it will be erased. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "repo.h"
#include "storage.h"

#define SYS_BLOCK "/sys/class/block"
#define MAX_DEVS 16

static const char *const fstypes[] = {"ext4", "xfs", NULL};
static const char *const yesno[] = {"no", "yes", NULL};
static const char *const scopes[] = {"this host", "whole pool", NULL};

/* ---- the checks of the forms' fields ---- */

TUI_FIELD_CHECK(check_name, tarn_check_name)
TUI_FIELD_CHECK(check_device, tarn_check_path)
TUI_FIELD_CHECK(check_export, tarn_check_nfs_export)
TUI_FIELD_CHECK(check_options, tarn_check_mount_options)
TUI_FIELD_CHECK(check_portal, tarn_check_portal)
TUI_FIELD_CHECK(check_iqn, tarn_check_iqn)

static const char *check_lun(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 5 || atoi(v) > 16383)
		return snprintf(err, TARN_ERRLEN, "a LUN is a number 0-16383"), err;
	return NULL;
}

/* ---- adding, through the agent ---- */

struct new_repo {
	const char *kind, *name, *source, *target, *fstype, *options;
	const char *scope; /* host (NULL too) or pool */
	int lun, format;
	const char *what; /* the device as the warning names it */
};

/* The warning before a format; 1 when the user agrees to erase. */
static int agree_to_erase(struct tui *t, const struct new_repo *r)
{
	char title[120], text[900];
	snprintf(title, sizeof title, "Erase %.80s?", r->what);
	snprintf(text, sizeof text,
		 "WARNING: %s WILL BE ERASED.\n\n"
		 "A new %s file system is made on it for repository %s: everything on it now is lost. "
		 "(The agent formats only a device that holds no file system or data it recognises; "
		 "do not count on that to protect data.)\n\n"
		 "Erase %s?", r->what, r->fstype, r->name, r->what);
	return tui_confirm(t, title, text);
}

static int submit(struct tui *t, const struct new_repo *r, tarn_err err)
{
	if (r->format && !agree_to_erase(t, r))
		return snprintf(err, TARN_ERRLEN, "not erased: the repository was not added"), -1;
	if (tui_callf(t, TUI_AGENT_TIMEOUT, NULL, NULL, err, "repo.add", "({s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:b,s:s})",
		      "name", r->name, "kind", r->kind, "source", r->source, "target", r->target, "lun", r->lun,
		      "fstype", r->fstype, "options", r->options, "format", (xmlrpc_bool)r->format, "scope",
		      r->scope ? r->scope : "host") != TARN_CALL_OK)
		return -1;
	return 0;
}

static void added(struct tui *t, const char *name, int format, int pool)
{
	char msg[200];
	snprintf(msg, sizeof msg, "Repository %.64s is added. %s %smounts it; its state shows in the list.", name,
		 pool ? "Every VM-server and utility member" : "The agent", format ? "formats and " : "");
	tui_message(t, "Added", msg, 0);
}

static int is_yes(const struct tui_field *f) { return strcmp(f->value, "yes") == 0; }

/* ---- a local disk or partition ---- */

enum { L_NAME, L_DEV, L_FS, L_FORMAT, L_COUNT };

static int save_local(struct tui *t, struct tui_form *f, tarn_err err)
{
	struct new_repo r = {.kind = "local", .name = f->f[L_NAME].value, .source = f->f[L_DEV].value,
			     .target = "", .fstype = f->f[L_FS].value, .options = "",
			     .format = is_yes(&f->f[L_FORMAT]), .what = f->f[L_DEV].value};
	return submit(t, &r, err);
}

static int read_line(const char *dir, const char *name, const char *file, char *buf, size_t n)
{
	char path[600];
	snprintf(path, sizeof path, "%s/%s/%s", dir, name, file);
	return tui_first_line(path, buf, n);
}

/* What uses a device now, if anything: a mount, a holder (LVM, RAID), or
 * its partitions. */
static void device_use(struct tui *t, const char *name, char *buf, size_t n)
{
	char path[600], line[1024], dev[300], dir[512];
	buf[0] = '\0';
	snprintf(dev, sizeof dev, "/dev/%s", name);
	FILE *m = fopen(t->p.mounts, "r");
	while (m && !buf[0] && fgets(line, sizeof line, m))
		if (sscanf(line, "%299s %511s", path, dir) == 2 && strcmp(path, dev) == 0)
			snprintf(buf, n, "mounted on %.40s", dir);
	if (m)
		fclose(m);
	/* a loop device: the file behind it (perhaps mounted elsewhere) */
	if (!buf[0] && read_line(SYS_BLOCK, name, "loop/backing_file", line, sizeof line) == 0)
		snprintf(buf, n, "file %.60s", line);
	snprintf(path, sizeof path, "%s/%s/holders", SYS_BLOCK, name);
	DIR *d = opendir(path);
	for (struct dirent *e; d && !buf[0] && (e = readdir(d));)
		if (e->d_name[0] != '.')
			snprintf(buf, n, "in use by %.20s", e->d_name);
	if (d)
		closedir(d);
	snprintf(path, sizeof path, "%s/%s", SYS_BLOCK, name);
	d = opendir(path);
	for (struct dirent *e; d && !buf[0] && (e = readdir(d));)
		if (strncmp(e->d_name, name, strlen(name)) == 0)
			snprintf(buf, n, "has partitions");
	if (d)
		closedir(d);
}

struct blockdev {
	char path[48], text[160];
};

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct blockdev *)a)->path, ((const struct blockdev *)b)->path);
}

/* This host's disks and partitions that could hold a repository; not RAM
 * disks, CD-ROMs or unused loop devices. */
static int list_devices(struct tui *t, struct blockdev *d, int max)
{
	int n = 0;
	DIR *dir = opendir(SYS_BLOCK);
	for (struct dirent *e; dir && n < max && (e = readdir(dir));) {
		char size[32], model[64] = "", use[80], part[8], text[24];
		const char *name = e->d_name;
		if (name[0] == '.' || !strncmp(name, "ram", 3) || !strncmp(name, "zram", 4) ||
		    !strncmp(name, "sr", 2) || !strncmp(name, "fd", 2) || strlen(name) > 32 ||
		    read_line(SYS_BLOCK, name, "size", size, sizeof size) || atoll(size) == 0)
			continue;
		int partition = read_line(SYS_BLOCK, name, "partition", part, sizeof part) == 0;
		if (!partition)
			read_line(SYS_BLOCK, name, "device/model", model, sizeof model);
		device_use(t, name, use, sizeof use);
		tarn_size_text((uint64_t)atoll(size) * 512, text, sizeof text);
		snprintf(d[n].path, sizeof d[n].path, "/dev/%s", name);
		snprintf(d[n].text, sizeof d[n].text, "%-12s %9s %-9s %-14.14s %s", d[n].path, text,
			 partition ? "partition" : "disk", model, use);
		n++;
	}
	if (dir)
		closedir(dir);
	qsort(d, (size_t)n, sizeof *d, by_path);
	return n;
}

/* The device chosen, into path ("" for one to type); 0 when Esc. */
static int choose_device(struct tui *t, char *path, size_t len)
{
	struct blockdev dev[MAX_DEVS];
	struct tui_entry e[MAX_DEVS + 1];
	int n = list_devices(t, dev, LINES - 8 < MAX_DEVS ? (LINES - 8 > 0 ? LINES - 8 : 0) : MAX_DEVS);
	for (int i = 0; i < n; i++)
		e[i] = (struct tui_entry){0, dev[i].text, "Used as it is, or formatted if you ask on the next "
					  "screen (after a warning that it will be erased).", NULL};
	e[n] = (struct tui_entry){'p', "Another device, or an image file: type its path",
				  "A device that is not listed, or a file holding a file system.", NULL};
	int sel = 0, i = tui_list(t, "Add a local disk or partition", e, n + 1, &sel);
	if (i < 0)
		return 0;
	snprintf(path, len, "%s", i < n ? dev[i].path : "");
	return 1;
}

static void add_local(struct tui *t)
{
	char dev[48];
	if (!choose_device(t, dev, sizeof dev))
		return;
	struct tui_field fl[L_COUNT] = {
		[L_NAME] = {.label = "Repository name", .check = check_name, .hint = "like local-1: letters, digits, '.', '_', '-'"},
		[L_DEV] = {.label = "Device", .check = check_device, .hint = "like /dev/sdb or /dev/sdb1"},
		[L_FS] = {.label = "File system", .kind = TUI_CHOICE, .choices = fstypes, .value = "ext4",
			  .hint = "of a new file system, or of the one on the device"},
		[L_FORMAT] = {.label = "Format (ERASES it)", .kind = TUI_CHOICE, .choices = yesno, .value = "no",
			      .hint = "yes: make a new file system on an empty device; you are warned first"},
	};
	TUI_COPY(fl[L_DEV].value, dev);
	struct tui_form f = {.title = "Add a local disk or partition", .f = fl, .n = L_COUNT, .save = save_local,
			     .needs_auth = 1,
			     .intro = "A disk or partition of this host becomes a repository (iso_pool, seed_pool, "
				      "running_pool ...)."};
	if (tui_form_run(t, &f))
		added(t, fl[L_NAME].value, is_yes(&fl[L_FORMAT]), 0);
}

/* ---- an NFS export ---- */

enum { N_NAME, N_EXPORT, N_OPTIONS, N_SCOPE, N_COUNT };

static int whole_pool(const struct tui_field *f) { return strcmp(f->value, "whole pool") == 0; }

static int save_nfs(struct tui *t, struct tui_form *f, tarn_err err)
{
	struct new_repo r = {.kind = "nfs", .name = f->f[N_NAME].value, .source = f->f[N_EXPORT].value,
			     .target = "", .fstype = "nfs", .options = f->f[N_OPTIONS].value,
			     .scope = whole_pool(&f->f[N_SCOPE]) ? "pool" : "host"};
	return submit(t, &r, err);
}

static void add_nfs(struct tui *t)
{
	struct tui_field fl[N_COUNT] = {
		[N_NAME] = {.label = "Repository name", .check = check_name, .hint = "like nfs-1: letters, digits, '.', '_', '-'"},
		[N_EXPORT] = {.label = "Export", .check = check_export, .hint = "server:/path, like nfs.example.com:/export/repo"},
		[N_OPTIONS] = {.label = "Mount options", .check = check_options, .hint = "optional, like vers=4.1,noatime"},
		[N_SCOPE] = {.label = "For", .kind = TUI_CHOICE, .choices = scopes, .value = "this host",
			     .hint = "whole pool: every VM-server and utility member mounts it"},
	};
	struct tui_form f = {.title = "Add an NFS export", .f = fl, .n = N_COUNT, .save = save_nfs, .needs_auth = 1,
			     .intro = "An NFS server's export becomes a repository; its server keeps the files."};
	if (tui_form_run(t, &f))
		added(t, fl[N_NAME].value, 0, whole_pool(&fl[N_SCOPE]));
}

/* ---- an iSCSI target ---- */

enum { I_NAME, I_PORTAL, I_IQN, I_LUN, I_FS, I_FORMAT, I_COUNT };

static int save_iscsi(struct tui *t, struct tui_form *f, tarn_err err)
{
	char what[300];
	snprintf(what, sizeof what, "LUN %.8s of %.200s", f->f[I_LUN].value, f->f[I_IQN].value);
	struct new_repo r = {.kind = "iscsi", .name = f->f[I_NAME].value, .source = f->f[I_PORTAL].value,
			     .target = f->f[I_IQN].value, .lun = atoi(f->f[I_LUN].value), .fstype = f->f[I_FS].value,
			     .options = "", .format = is_yes(&f->f[I_FORMAT]), .what = what};
	return submit(t, &r, err);
}

static void add_iscsi(struct tui *t)
{
	struct tui_field fl[I_COUNT] = {
		[I_NAME] = {.label = "Repository name", .check = check_name, .hint = "like san-1: letters, digits, '.', '_', '-'"},
		[I_PORTAL] = {.label = "Portal", .check = check_portal, .hint = "address[:port], like 192.0.2.20:3260"},
		[I_IQN] = {.label = "Target (IQN)", .check = check_iqn, .hint = "like iqn.2003-01.com.example:repo1"},
		[I_LUN] = {.label = "LUN", .check = check_lun, .value = "0", .hint = "0-16383"},
		[I_FS] = {.label = "File system", .kind = TUI_CHOICE, .choices = fstypes, .value = "ext4"},
		[I_FORMAT] = {.label = "Format (ERASES it)", .kind = TUI_CHOICE, .choices = yesno, .value = "no",
			      .hint = "yes: make a new file system on an empty LUN; you are warned first"},
	};
	struct tui_form f = {.title = "Add an iSCSI target", .f = fl, .n = I_COUNT, .save = save_iscsi,
			     .needs_auth = 1, .intro = "A LUN of an iSCSI target becomes a repository."};
	if (tui_form_run(t, &f))
		added(t, fl[I_NAME].value, is_yes(&fl[I_FORMAT]), 0);
}

void storage_add(struct tui *t)
{
	static const struct tui_entry kinds[] = {
		{'l', "A local disk or partition", "A disk of this host, formatted here if you ask.", add_local},
		{'n', "An NFS export", "server:/path, shared by the hosts that mount it.", add_nfs},
		{'i', "An iSCSI target", "A LUN on a SAN, by portal and target name (IQN).", add_iscsi},
	};
	int sel = 0, i = tui_list(t, "Add a repository", kinds, 3, &sel);
	if (i >= 0)
		kinds[i].run(t);
}
