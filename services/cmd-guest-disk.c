/* Guests' disks: template.list, guest.createFromTemplate, guest.clone,
 * guest.snapshot, guest.snapshots, guest.revert, guest.deleteSnapshot.
 * What can be checked at once is checked here (the template, the name,
 * the guest stopped, the room), so that most mistakes are refused before
 * a task is queued; the copying, which needs root and time, is the
 * engine's (services/tarnd/guest-copy.c, guest-snapshot.c). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "diskcopy.h"
#include "guest-disk.h"
#include "repo.h"
#include "task.h"
#include "template.h"

#define DEFAULT_ROOT "/var/lib/tarn/repos"

static const char *root_of(const struct tarn_agent *a)
{
	return a->repo_root ? a->repo_root : DEFAULT_ROOT;
}

/* A mounted repository's directory; 0, or -1 with the fault set. */
static int repo_dir(xmlrpc_env *env, const struct tarn_agent *a, const char *repo, char *dir, size_t len)
{
	char msg[256];
	tarn_err why;
	if (tarn_check_name(repo, why) || !tarn_repo_here(a->store, repo))
		return xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "repo: there is no repository %.64s", repo), -1;
	if (tarn_repo_status(a->store, repo, msg, sizeof msg) != 1)
		return xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "repo: %.64s is not mounted", repo), -1;
	tarn_repo_dir(root_of(a), repo, dir, len);
	return 0;
}

/* 0 when there is room for need bytes in dir, else the fault. */
static int room(xmlrpc_env *env, const char *dir, const char *repo, uint64_t need)
{
	tarn_err why;
	if (tarn_copy_room(dir, need, why) == 0)
		return 0;
	xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "repository %.40s is full: %.100s", repo, why);
	return -1;
}

/* 0 when no guest has this name; else the fault. */
static int name_free(xmlrpc_env *env, tarn_pool *pool, const char *name)
{
	struct tarn_guest_copy g;
	tarn_err why = "";
	if (tarn_check_name(name, why))
		return xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "name: %.140s", why), -1;
	int rc = tarn_guest_read(pool, name, &g, why);
	tarn_guest_copy_free(&g);
	if (rc == 0)
		return xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "a guest named %.64s is already defined",
						      name), -1;
	return rc == TARN_POOL_REFUSED ? 0 : (tarn_cmd_pool_fault(env, rc, why), -1);
}

static int by_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The names in dir, sorted, not starting with '.'; how many (at most max). */
static int names_in(const char *dir, char **names, int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	while (d && n < max && (e = readdir(d)))
		if (e->d_name[0] != '.' && (names[n] = strdup(e->d_name)))
			n++;
	if (d)
		closedir(d);
	qsort(names, (size_t)n, sizeof names[0], by_name);
	return n;
}

static xmlrpc_value *template_list(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const char *repo;
	char dir[4200], seed[4300], *names[1024];
	xmlrpc_decompose_value(env, p, "(s)", &repo);
	if (env->fault_occurred)
		return NULL;
	xmlrpc_value *list = repo_dir(env, agent, repo, dir, sizeof dir) ? NULL : xmlrpc_array_new(env);
	snprintf(seed, sizeof seed, "%s/seed_pool", dir);
	int n = list ? names_in(seed, names, 1024) : 0;
	for (int i = 0; i < n; i++) {
		struct tarn_template t;
		tarn_err why = "";
		int ok = tarn_template_load(dir, names[i], &t, why) == 0;
		struct stat sb;
		snprintf(seed, sizeof seed, "%s/seed_pool/%s", dir, names[i]);
		if (stat(seed, &sb) == 0 && S_ISDIR(sb.st_mode))
			tarn_cmd_append(env, list, xmlrpc_build_value(env, "{s:s,s:i,s:i,s:i,s:I,s:s}", "name", names[i],
								      "memory", (int)t.cfg.memory, "vcpus",
								      (int)t.cfg.vcpus, "disks", ok ? t.ndisks : 0,
								      "size", (xmlrpc_int64)t.disk_bytes, "error",
								      ok ? "" : why));
		tarn_template_free(&t);
		free(names[i]);
	}
	free((void *)repo);
	return tarn_cmd_list_result(env, list, 0, "the templates");
}

static xmlrpc_value *create_from_template(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const char *repo, *tmpl, *name;
	char dir[4200], args[300];
	xmlrpc_value *v = NULL;
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	if (!pool)
		return NULL;
	xmlrpc_decompose_value(env, p, "(sss)", &repo, &tmpl, &name);
	if (env->fault_occurred)
		return NULL;
	struct tarn_template t;
	tarn_err why = "";
	int loaded = 0;
	if (repo_dir(env, agent, repo, dir, sizeof dir) == 0 && name_free(env, pool, name) == 0) {
		loaded = 1;
		if (tarn_template_load(dir, tmpl, &t, why))
			xmlrpc_env_set_fault(env, TARN_FAULT_INVALID, why);
		else if (tarn_cmd_guest_fits_host(agent, &t.cfg, -1, why)) /* as define would */
			xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "template %.64s: %.140s", tmpl, why);
		else if (room(env, dir, repo, t.need) == 0)
			snprintf(args, sizeof args, "template=%s\nname=%s\n", tmpl, name),
				v = tarn_cmd_queue_work(env, agent, "guest.fromtemplate", repo, args, NULL);
	}
	if (loaded)
		tarn_template_free(&t);
	free((void *)repo);
	free((void *)tmpl);
	free((void *)name);
	return v;
}

/* The guest named first in p, with its disks, which must be its own;
 * stopped when what is not NULL. 0, or -1 with the fault set. */
static int guest_disks(xmlrpc_env *env, const struct tarn_agent *a, tarn_pool *pool, const char *name,
		       struct tarn_guest_disks *d, const char *what)
{
	struct tarn_guest_copy g;
	tarn_err why = "";
	int rc = tarn_guest_read(pool, name, &g, why);
	if (rc)
		tarn_cmd_pool_fault(env, rc, why);
	else if (what && tarn_guest_check_stopped(&g, what, why))
		xmlrpc_env_set_fault(env, TARN_FAULT_INVALID, why);
	else if (tarn_guest_disks(root_of(a), g.xlcfg, d, why))
		xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "guest %.30s: %.120s", name, why);
	else if (!d->nown)
		xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "guest %.64s has no disks of its own "
					       "(writable files in a repository)", name);
	tarn_guest_copy_free(&g);
	return env->fault_occurred ? -1 : 0;
}

static xmlrpc_value *guest_clone(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const char *name, *copy;
	char dir[4200], args[300];
	struct tarn_guest_disks d;
	xmlrpc_value *v = NULL;
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	if (!pool)
		return NULL;
	xmlrpc_decompose_value(env, p, "(ss)", &name, &copy);
	if (env->fault_occurred)
		return NULL;
	if (name_free(env, pool, copy) == 0 && guest_disks(env, agent, pool, name, &d, "cloned") == 0 &&
	    repo_dir(env, agent, d.repo, dir, sizeof dir) == 0 && room(env, dir, d.repo, d.need) == 0) {
		snprintf(args, sizeof args, "guest=%s\nname=%s\n", name, copy);
		v = tarn_cmd_queue_work(env, agent, "guest.clone", d.repo, args, NULL);
	}
	free((void *)name);
	free((void *)copy);
	return v;
}

/* guest.snapshot, guest.revert, guest.deleteSnapshot: (guest, snapshot). */
static xmlrpc_value *snapshot_task(xmlrpc_env *env, xmlrpc_value *p, void *agent, const char *kind,
				   const char *stopped_for, int must_exist)
{
	const char *name, *snap;
	char args[300], path[4400];
	struct tarn_guest_disks d;
	tarn_err why = "";
	xmlrpc_value *v = NULL;
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	if (!pool)
		return NULL;
	xmlrpc_decompose_value(env, p, "(ss)", &name, &snap);
	if (env->fault_occurred)
		return NULL;
	if (tarn_check_name(snap, why))
		xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "snapshot: %.140s", why);
	else if (guest_disks(env, agent, pool, name, &d, stopped_for) == 0) {
		tarn_snapshot_dir(root_of(agent), d.repo, name, snap, path, sizeof path);
		struct stat sb;
		int exists = stat(path, &sb) == 0;
		if (exists != must_exist)
			xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, exists ? "guest %.64s already has a "
						       "snapshot %.64s" : "guest %.64s has no snapshot %.64s", name, snap);
		else
			snprintf(args, sizeof args, "guest=%s\nsnap=%s\n", name, snap),
				v = tarn_cmd_queue_task(env, agent, kind, d.repo, args);
	}
	free((void *)name);
	free((void *)snap);
	return v;
}

static xmlrpc_value *guest_snapshot(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	return snapshot_task(env, p, agent, "guest.snapshot", "snapshotted", 0);
}

static xmlrpc_value *guest_revert(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	return snapshot_task(env, p, agent, "guest.revert", "reverted", 1);
}

static xmlrpc_value *guest_delete_snapshot(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	return snapshot_task(env, p, agent, "guest.deletesnapshot", NULL, 1);
}

static xmlrpc_value *guest_snapshots(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const char *name;
	char dir[4400], path[4800], *names[1024];
	struct tarn_guest_disks d;
	tarn_pool *pool = tarn_cmd_need_pool(env, agent);
	if (!pool)
		return NULL;
	xmlrpc_decompose_value(env, p, "(s)", &name);
	if (env->fault_occurred)
		return NULL;
	xmlrpc_value *list = guest_disks(env, agent, pool, name, &d, NULL) ? NULL : xmlrpc_array_new(env);
	if (list)
		tarn_snapshot_dir(root_of(agent), d.repo, name, NULL, dir, sizeof dir);
	int n = list ? names_in(dir, names, 1024) : 0;
	for (int i = 0; i < n; i++) {
		struct stat sb;
		char *files[TARN_MAX_DISKS + 1];
		int64_t size = 0;
		snprintf(path, sizeof path, "%s/%s/" TARN_SNAPSHOT_LIST, dir, names[i]);
		if (stat(path, &sb) == 0) {
			snprintf(path, sizeof path, "%s/%s", dir, names[i]);
			int k = names_in(path, files, TARN_MAX_DISKS + 1);
			for (int f = 0; f < k; f++) {
				struct stat fs;
				char file[5200];
				snprintf(file, sizeof file, "%s/%s", path, files[f]);
				if (strcmp(files[f], TARN_SNAPSHOT_LIST) && stat(file, &fs) == 0)
					size += fs.st_size;
				free(files[f]);
			}
			tarn_cmd_append(env, list, xmlrpc_build_value(env, "{s:s,s:I,s:I}", "name", names[i], "time",
								      (xmlrpc_int64)sb.st_mtime, "size",
								      (xmlrpc_int64)size));
		}
		free(names[i]);
	}
	free((void *)name);
	return tarn_cmd_list_result(env, list, 0, "the snapshots");
}

xmlrpc_value *tarn_cmd_delete_disks(xmlrpc_env *env, void *agent, tarn_pool *pool, const char *name)
{
	struct tarn_guest_copy g;
	struct tarn_xlcfg_disk d[TARN_MAX_DISKS];
	char repo[65] = "", args[1024], dir[4400], boot[2][4096];
	const char *paths[TARN_MAX_DISKS + 2];
	tarn_err why = "";
	int rc = tarn_guest_read(pool, name, &g, why), n = rc ? -1 : tarn_xlcfg_disks(g.xlcfg, d, TARN_MAX_DISKS, why);
	size_t used = (size_t)snprintf(args, sizeof args, "guest=%s\n", name);
	if (n >= 0) /* its own kernel and ramdisk (a template's copies) go with it */
		tarn_guest_boot_files(root_of(agent), name, g.xlcfg, boot);
	tarn_guest_copy_free(&g);
	if (rc || n < 0)
		return rc ? tarn_cmd_pool_fault(env, rc, why) : (xmlrpc_env_set_fault(env, TARN_FAULT_INVALID, why), NULL);
	int np = 0;
	for (int i = 0; i < n; i++)
		if (!d[i].readonly && !d[i].cdrom)
			paths[np++] = d[i].path;
	for (int k = 0; k < 2; k++)
		if (boot[k][0])
			paths[np++] = boot[k];
	/* only files in running_pool/<name>/ of a repository (checked again as root) */
	for (int i = 0, k = 0; i < np; i++) {
		const char *after = strncmp(paths[i], root_of(agent), strlen(root_of(agent))) == 0
					    ? paths[i] + strlen(root_of(agent)) : NULL;
		char r[65];
		size_t rl = after && after[0] == '/' ? strcspn(after + 1, "/") : 0;
		if (!rl || rl > 64)
			continue;
		snprintf(r, sizeof r, "%.*s", (int)rl, after + 1);
		tarn_guest_dir(root_of(agent), r, name, dir, sizeof dir);
		if (strncmp(paths[i], dir, strlen(dir)) != 0 || paths[i][strlen(dir)] != '/' || strstr(paths[i], "/../"))
			continue;
		if (!repo[0])
			snprintf(repo, sizeof repo, "%s", r);
		used += (size_t)snprintf(args + used, used < sizeof args ? sizeof args - used : 0, "disk%d=%s\n", k++,
					 paths[i]);
	}
	if (used >= sizeof args)
		return xmlrpc_env_set_fault(env, TARN_FAULT_INVALID, "the disks' paths are too long to delete at once"),
		       NULL;
	if ((rc = tarn_pool_guest_undefine(pool, name, why)))
		return tarn_cmd_pool_fault(env, rc, why);
	return repo[0] ? tarn_cmd_queue_task(env, agent, "guest.deletedisks", repo, args) : xmlrpc_int_new(env, 0);
}

const struct tarn_cmd tarn_cmd_guest_disk[] = {
	{"template.list", "A:s", "The templates in a repository's seed_pool: name, memory (MiB), vcpus, disks and "
				 "their size in bytes, and what is wrong with one that cannot be used.", template_list},
	{"guest.createFromTemplate", "i:sss", "Makes guest NAME from TEMPLATE in REPO's seed_pool: its files are "
					      "copied (reflinked where possible) into running_pool/NAME, and it is "
					      "defined, stopped. Returns a task id.", create_from_template},
	{"guest.clone", "i:ss", "Copies a stopped guest whose disks are files into a new guest (new uuid, its "
				"disks in running_pool/NEWNAME). Returns a task id.", guest_clone},
	{"guest.snapshot", "i:ss", "Snapshots a stopped guest's disks under a name. Returns a task id.",
	 guest_snapshot},
	{"guest.snapshots", "A:s", "A guest's snapshots: name, time (unix) and size in bytes.", guest_snapshots},
	{"guest.revert", "i:ss", "Puts a stopped guest's disks back as they were in a snapshot. Returns a task id.",
	 guest_revert},
	{"guest.deleteSnapshot", "i:ss", "Deletes a guest's snapshot. Returns a task id.", guest_delete_snapshot},
	{NULL, NULL, NULL, NULL},
};
