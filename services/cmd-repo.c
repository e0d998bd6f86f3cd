/* repo.* and disk.*: storage repositories and the disks in them. These
 * methods run in the unprivileged API process: they validate, write the
 * node store and queue tasks; the root engine mounts, formats, copies and
 * creates. They read what the engine made (status, free space, files)
 * through the mount points, which the API process shares. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include "cmd.h"
#include "pool-repo.h"
#include "repo.h"
#include "task.h"

#define DEFAULT_ROOT "/var/lib/tarn/repos"

static xmlrpc_value *refuse(xmlrpc_env *env, const char *msg)
{
	xmlrpc_env_set_fault(env, TARN_FAULT_INVALID, msg);
	return NULL;
}

static void repo_dir(const struct tarn_agent *a, const char *name, char *buf, size_t len)
{
	tarn_repo_dir(a->repo_root ? a->repo_root : DEFAULT_ROOT, name, buf, len);
}

/* The mounted repository's directory; 0, or -1 when it is not mounted
 * (its status is not ok). */
static int mounted_dir(const struct tarn_agent *a, const char *name, char *dir, size_t len, struct statvfs *vfs)
{
	char msg[256];
	repo_dir(a, name, dir, len);
	return tarn_repo_status(a->store, name, msg, sizeof msg) == 1 && statvfs(dir, vfs) == 0 ? 0 : -1;
}

/* One repository's entry in repo.list: this host's state, and for the
 * pool's each member's (members: NULL for a host repository). */
static int list_item(xmlrpc_env *env, xmlrpc_value *list, const struct tarn_agent *a, const struct tarn_repo *r,
		     const char *scope, const char *state, const char *msg, xmlrpc_value *members)
{
	char dir[4200];
	struct statvfs vfs;
	int up = !strcmp(state, "mounted") && mounted_dir(a, r->name, dir, sizeof dir, &vfs) == 0;
	xmlrpc_value *item = xmlrpc_build_value(
		env, "{s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:b,s:s,s:s,s:s,s:I,s:I}", "name", r->name, "uuid", r->uuid,
		"kind", r->kind, "source", r->source, "target", r->target, "lun", r->lun, "fstype", r->fstype,
		"options", r->options, "format", (xmlrpc_bool)r->format, "scope", scope, "state", state, "message", msg,
		"size", (xmlrpc_int64)(up ? (uint64_t)vfs.f_blocks * vfs.f_frsize : 0), "free",
		(xmlrpc_int64)(up ? (uint64_t)vfs.f_bavail * vfs.f_frsize : 0));
	if (!env->fault_occurred && members)
		xmlrpc_struct_set_value(env, item, "members", members);
	if (env->fault_occurred)
		return item ? (xmlrpc_DECREF(item), -1) : -1;
	xmlrpc_array_append_item(env, list, item);
	xmlrpc_DECREF(item);
	return env->fault_occurred ? -1 : 0;
}

static int add_repo(void *ctx, const struct tarn_repo *r)
{
	void **c = ctx;
	const struct tarn_agent *a = c[2];
	char msg[256] = "";
	int ok = tarn_repo_status(a->store, r->name, msg, sizeof msg);
	return list_item(c[0], c[1], a, r, "host", ok == 1 ? "mounted" : ok == 0 ? "failed" : "pending",
			 ok < 0 ? "not applied yet" : msg, NULL);
}

/* While the pool cannot be read, the host's own are listed still, and
 * last an entry that says so: no name, scope pool, state unknown, the
 * sentence as its message (what an older client shows as it is). */
static void pool_unknown(xmlrpc_env *env, xmlrpc_value *list, const struct tarn_agent *a, const char *why)
{
	struct tarn_repo none = {0};
	char msg[TARN_ERRLEN + 60];
	snprintf(msg, sizeof msg, "the pool's repositories cannot be read now: %s", why);
	list_item(env, list, a, &none, "pool", "unknown", msg, NULL);
}

/* A read of a pool that does not answer fails only after seconds (15 with
 * its leader stopped): for DOWN_KEPT s after one, repo.list says so at once
 * instead of waiting again (the console, which lists every 2 s and waits 2,
 * would take the agent for down). One read at a time, so a call that came
 * meanwhile has the answer without a read of its own. */
#define DOWN_KEPT 10
static int read_pool(const struct tarn_agent *a, struct tarn_pool_repos *pr, tarn_err err)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static struct timespec failed; /* when the last read failed, if down */
	static int down;
	static tarn_err why;
	struct timespec now;
	int rc = -1;
	pthread_mutex_lock(&lock);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (down && now.tv_sec - failed.tv_sec < DOWN_KEPT) {
		snprintf(err, TARN_ERRLEN, "%s", why);
	} else if ((rc = tarn_pool_repo_read(a->pool, tarn_pool_address(a->pool), 1, pr, err)) != 0) {
		clock_gettime(CLOCK_MONOTONIC, &failed);
		snprintf(why, sizeof why, "%s", err);
		down = 1;
	} else {
		down = 0;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

/* The pool's repositories, each with this host's state and every member's. */
static void add_pool_repos(xmlrpc_env *env, xmlrpc_value *list, const struct tarn_agent *a)
{
	struct tarn_pool_repos pr;
	tarn_err err = "";
	if (!a->pool) {
		pool_unknown(env, list, a, "this host's pool node is not running (see the agent's log)");
		return;
	}
	if (read_pool(a, &pr, err)) {
		pool_unknown(env, list, a, err);
		return;
	}
	const char *self = tarn_pool_address(a->pool);
	for (int i = 0; i < pr.n && !env->fault_occurred; i++) {
		const char *state = "pending", *msg = "not applied yet on this host";
		xmlrpc_value *members = xmlrpc_array_new(env);
		for (int j = 0; j < pr.nstates && !env->fault_occurred; j++) {
			const struct tarn_pool_repo_state *s = &pr.states[j];
			if (strcmp(s->name, pr.repo[i].name))
				continue;
			if (!strcmp(s->address, self))
				state = s->state, msg = s->message;
			xmlrpc_value *m = xmlrpc_build_value(env, "{s:s,s:s,s:s,s:I}", "address", s->address, "state",
							     s->state, "message", s->message, "at", (xmlrpc_int64)s->at);
			if (!env->fault_occurred) {
				xmlrpc_array_append_item(env, members, m);
				xmlrpc_DECREF(m);
			}
		}
		if (!env->fault_occurred)
			list_item(env, list, a, &pr.repo[i], "pool", state, msg, members);
		if (members)
			xmlrpc_DECREF(members);
	}
	tarn_pool_repos_free(&pr);
}

static xmlrpc_value *repo_list(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)p, (void)call;
	const struct tarn_agent *a = agent;
	xmlrpc_value *list = xmlrpc_array_new(env);
	void *ctx[3] = {env, list, agent};
	if (!env->fault_occurred && tarn_repo_each(a->store, add_repo, ctx) != 0 && !env->fault_occurred)
		xmlrpc_env_set_fault(env, TARN_FAULT_INTERNAL, "cannot read the repositories");
	if (!env->fault_occurred)
		add_pool_repos(env, list, a);
	if (env->fault_occurred && list)
		xmlrpc_DECREF(list);
	return env->fault_occurred ? NULL : list;
}

/* Reads an optional struct member into a fixed string field, an int or a
 * bool, by the type the member must have. */
static int member(xmlrpc_env *env, xmlrpc_value *s, const char *key, char *text, size_t len, int *num)
{
	xmlrpc_value *v = NULL;
	xmlrpc_struct_find_value(env, s, key, &v);
	if (env->fault_occurred || !v)
		return env->fault_occurred ? -1 : 0;
	if (text) {
		const char *t;
		xmlrpc_read_string(env, v, &t);
		if (!env->fault_occurred) {
			if (strlen(t) < len)
				strcpy(text, t);
			else
				xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "%s: too long", key);
			free((void *)t);
		}
	} else if (xmlrpc_value_type(v) == XMLRPC_TYPE_BOOL) {
		xmlrpc_bool b;
		xmlrpc_read_bool(env, v, &b);
		*num = b;
	} else {
		xmlrpc_read_int(env, v, num);
	}
	xmlrpc_DECREF(v);
	return env->fault_occurred ? -1 : 0;
}

static xmlrpc_value *repo_add(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const struct tarn_agent *a = agent;
	struct tarn_repo r = {0};
	char scope[8] = "host";
	xmlrpc_value *s;
	xmlrpc_decompose_value(env, p, "(S)", &s);
	if (env->fault_occurred)
		return NULL;
	if (member(env, s, "name", r.name, sizeof r.name, NULL) == 0 &&
	    member(env, s, "kind", r.kind, sizeof r.kind, NULL) == 0 &&
	    member(env, s, "source", r.source, sizeof r.source, NULL) == 0 &&
	    member(env, s, "target", r.target, sizeof r.target, NULL) == 0 &&
	    member(env, s, "fstype", r.fstype, sizeof r.fstype, NULL) == 0 &&
	    member(env, s, "options", r.options, sizeof r.options, NULL) == 0 &&
	    member(env, s, "uuid", r.uuid, sizeof r.uuid, NULL) == 0 && member(env, s, "lun", NULL, 0, &r.lun) == 0 &&
	    member(env, s, "format", NULL, 0, &r.format) == 0)
		member(env, s, "scope", scope, sizeof scope, NULL);
	xmlrpc_DECREF(s);
	if (env->fault_occurred)
		return NULL;
	tarn_err err = "";
	if (strcmp(scope, "host") && strcmp(scope, "pool"))
		return refuse(env, "scope: host (this host alone) or pool (every VM-server and utility member)");
	if (strcmp(scope, "pool") == 0) {
		tarn_pool *pool = tarn_cmd_need_pool(env, agent);
		int rc = pool ? tarn_pool_repo_add(pool, &r, err) : 0;
		if (!pool || rc)
			return pool ? tarn_cmd_pool_fault(env, rc, err) : NULL;
	} else if (tarn_cmd_pool_has_repo(a, r.name)) {
		return xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "name: the pool has a repository %.64s, "
						      "mounted at the same place: choose another name", r.name), NULL;
	} else if (tarn_repo_add(a->store, &r, err)) {
		return refuse(env, err);
	}
	return xmlrpc_string_new(env, r.uuid);
}

static xmlrpc_value *repo_remove(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const struct tarn_agent *a = agent;
	const char *name, *scope = NULL;
	struct tarn_repo r;
	tarn_err err = "";
	if (xmlrpc_array_size(env, p) == 2)
		xmlrpc_decompose_value(env, p, "(ss)", &name, &scope);
	else
		xmlrpc_decompose_value(env, p, "(s)", &name);
	if (env->fault_occurred)
		return NULL;
	xmlrpc_value *v = NULL;
	/* by default the host's own; a name only the pool has is the pool's */
	int host = scope ? strcmp(scope, "host") == 0 : tarn_repo_get(a->store, name, &r) == 0;
	tarn_pool *pool = NULL;
	int rc = 0;
	if (scope && strcmp(scope, "host") && strcmp(scope, "pool"))
		refuse(env, "scope: host or pool");
	else if (host)
		v = tarn_repo_remove(a->store, name, err) ? refuse(env, err) : xmlrpc_bool_new(env, 1);
	else if ((pool = tarn_cmd_need_pool(env, agent)))
		v = (rc = tarn_pool_repo_remove(pool, name, err)) ? tarn_cmd_pool_fault(env, rc, err)
								   : xmlrpc_bool_new(env, 1);
	free((void *)name);
	free((void *)scope);
	return v;
}

/* Queues work on a repository that exists (tarn_cmd_queue_work says
 * whether it does); returns its task id. here: what only this host has,
 * which the work needs. */
static xmlrpc_value *queue(xmlrpc_env *env, const struct tarn_agent *a, const char *kind, const char *repo,
			   const char *args, const char *here)
{
	tarn_err err = "";
	if (tarn_check_name(repo, err))
		return xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "repo: there is no repository %.64s",
						      repo), NULL;
	return tarn_cmd_queue_work(env, a, kind, repo, args, here);
}

static xmlrpc_value *repo_import(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const char *repo, *source, *pool = NULL;
	char file[80], args[1024];
	tarn_err err = "";
	xmlrpc_value *result = NULL;
	if (xmlrpc_array_size(env, p) == 3)
		xmlrpc_decompose_value(env, p, "(sss)", &repo, &source, &pool);
	else
		xmlrpc_decompose_value(env, p, "(ss)", &repo, &source);
	if (env->fault_occurred)
		return NULL;
	if (tarn_source_file_name(source, file, sizeof file, err) || tarn_check_pool(pool ? pool : "iso_pool", 0, err))
		refuse(env, err);
	else if (snprintf(args, sizeof args, "source=%s\npool=%s\nfile=%s\n", source, pool ? pool : "iso_pool",
			  file) >= (int)sizeof args)
		refuse(env, "source: too long");
	else
		result = queue(env, agent, "repo.import", repo, args, source[0] == '/' ? source : NULL);
	free((void *)repo);
	free((void *)source);
	free((void *)pool);
	return result;
}

static const char *check_disks(const char *prefix, int count, const char *size, uint64_t *bytes, tarn_err err)
{
	tarn_err why = "";
	const char *bad = tarn_check_disk_prefix(prefix, why) ? "prefix"
			: tarn_check_disk_count(count, why)    ? "count"
			: tarn_check_disk_size(size, bytes, why) ? "size" : NULL;
	return bad ? (snprintf(err, TARN_ERRLEN, "%s: %.140s", bad, why), err) : NULL;
}

static xmlrpc_value *disk_create(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const struct tarn_agent *a = agent;
	const char *repo, *prefix, *size, *pool = NULL;
	int count;
	uint64_t bytes;
	char args[512], dir[4200];
	tarn_err err = "";
	struct statvfs vfs;
	xmlrpc_value *result = NULL;
	if (xmlrpc_array_size(env, p) == 5)
		xmlrpc_decompose_value(env, p, "(ssiss)", &repo, &prefix, &count, &size, &pool);
	else
		xmlrpc_decompose_value(env, p, "(ssis)", &repo, &prefix, &count, &size);
	if (env->fault_occurred)
		return NULL;
	if (check_disks(prefix, count, size, &bytes, err) || tarn_check_pool(pool ? pool : "running_pool", 1, err))
		refuse(env, err);
	else if (mounted_dir(a, repo, dir, sizeof dir, &vfs) == 0 &&
		 (uint64_t)vfs.f_bavail * vfs.f_frsize / bytes < (uint64_t)count) {
		char need[24], have[24];
		tarn_size_text(bytes * (uint64_t)count, need, sizeof need);
		tarn_size_text((uint64_t)vfs.f_bavail * vfs.f_frsize, have, sizeof have);
		xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "size: %d disks of %s need %s; repository %s "
					       "has %s free", count, size, need, repo, have);
	} else {
		snprintf(args, sizeof args, "prefix=%s\ncount=%d\nsize=%s\npool=%s\n", prefix, count, size,
			 pool ? pool : "running_pool");
		result = queue(env, a, "disk.create", repo, args, NULL);
	}
	free((void *)repo);
	free((void *)prefix);
	free((void *)size);
	free((void *)pool);
	return result;
}

static int by_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Adds the visible files of one pool, in name order. */
static void list_pool(xmlrpc_env *env, xmlrpc_value *list, const char *dir, const char *pool)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/%s", dir, pool);
	DIR *d = opendir(path);
	if (!d)
		return;
	char *names[4096];
	size_t n = 0;
	struct dirent *e;
	while (n < 4096 && (e = readdir(d)))
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof names[0], by_name);
	for (size_t i = 0; i < n; i++) {
		struct stat sb;
		snprintf(path, sizeof path, "%s/%s/%s", dir, pool, names[i] ? names[i] : "");
		if (names[i] && !env->fault_occurred && stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
			xmlrpc_value *item = xmlrpc_build_value(env, "{s:s,s:s,s:I,s:I}", "name", names[i], "pool",
								pool, "size", (xmlrpc_int64)sb.st_size, "allocated",
								(xmlrpc_int64)sb.st_blocks * 512);
			if (!env->fault_occurred) {
				xmlrpc_array_append_item(env, list, item);
				xmlrpc_DECREF(item);
			}
		}
		free(names[i]);
	}
}

static xmlrpc_value *disk_list(xmlrpc_env *env, xmlrpc_value *p, void *agent, void *call)
{
	(void)call;
	const struct tarn_agent *a = agent;
	const char *repo;
	char dir[4200];
	struct statvfs vfs;
	xmlrpc_decompose_value(env, p, "(s)", &repo);
	if (env->fault_occurred)
		return NULL;
	xmlrpc_value *list = NULL;
	if (!tarn_repo_here(a->store, repo))
		xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "repo: there is no repository %.64s", repo);
	else if (mounted_dir(a, repo, dir, sizeof dir, &vfs) != 0)
		xmlrpc_env_set_fault_formatted(env, TARN_FAULT_INVALID, "repo: %.64s is not mounted", repo);
	else if ((list = xmlrpc_array_new(env))) {
		list_pool(env, list, dir, "running_pool");
		list_pool(env, list, dir, "sharedDisk");
	}
	free((void *)repo);
	if (env->fault_occurred && list)
		xmlrpc_DECREF(list);
	return env->fault_occurred ? NULL : list;
}

/* The tasks this namespace queues, read and cancelled here until a task.*
 * namespace serves every kind. */
const struct tarn_cmd tarn_cmd_repo[] = {
	{"repo.list", "A:", "Storage repositories, this host's and the pool's: scope (host, pool), kind, source, "
			    "this host's state (mounted, failed, pending; not needed for a pool one on a member "
			    "with neither role), size and free bytes; a pool one has members, each member's state. "
			    "While the pool cannot be read, last an entry with no name, scope pool, state unknown "
			    "and the message why.",
	 repo_list},
	{"repo.add", "s:S", "Adds a repository: name, kind (local, nfs, iscsi), source (a device, "
			    "server:/export or an iSCSI portal), target and lun (iscsi), fstype (ext4, xfs), "
			    "options, format (make a file system on an empty device), scope (host, the default, or "
			    "pool: every VM-server and utility member mounts it; nfs only). Returns its uuid.",
	 repo_add},
	{"repo.remove", "b:s,b:ss", "Removes a repository (unmounts it; its files stay): this host's own, or the "
				    "pool's from every member when the host has none of that name or scope is "
				    "pool.", repo_remove},
	{"repo.import", "i:sss,i:ss", "Imports a file (a path or an http(s) URL) into a repository's iso_pool "
				      "(the default) or seed_pool. Returns a task id.", repo_import},
	{"disk.create", "i:ssis,i:ssiss", "Creates COUNT sparse disks PREFIX-001.img ... of SIZE (like 20G) in "
					  "a repository's running_pool (the default) or sharedDisk. Returns a "
					  "task id.", disk_create},
	{"disk.list", "A:s", "The disks in a repository's running_pool and sharedDisk.", disk_list},
	{NULL, NULL, NULL, NULL},
};
