/* Storage repositories: the agent's list (repo.list) with each one's kind,
 * state, size and free space, this host's and the pool's (marked pool,
 * with how many members mounted it), refreshed every 2 s; adding (storage-add.c)
 * and removing them, importing an ISO or a template, creating disks, one
 * or many. The agent does the work: every action is a call on its local
 * socket, each field checked here first as the agent checks it; long work
 * is a task followed with a progress bar. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "repo.h"
#include "storage.h"

#define MAX_REPOS 64
#define REFRESH_MS 2000

struct repo_row {
	char name[65], kind[8], state[12], size[24], free_[24], source[256], message[256], scope[8];
	int members, mounted; /* a pool repository's members, and those that mounted it */
};

/* How many of a pool repository's members report it mounted. */
static void count_members(xmlrpc_value *it, struct repo_row *r)
{
	xmlrpc_env env;
	xmlrpc_value *m = NULL;
	char state[16];
	xmlrpc_env_init(&env);
	xmlrpc_struct_find_value(&env, it, "members", &m);
	xmlrpc_env_clean(&env);
	r->members = tui_items(m);
	for (int i = 0; i < r->members; i++)
		r->mounted += strcmp(tui_member(tui_item(m, i), "state", state, sizeof state), "mounted") == 0;
	if (m)
		xmlrpc_DECREF(m);
}

struct repos {
	struct repo_row r[MAX_REPOS];
	int n;
	char pool_unknown[300]; /* why the pool's cannot be read now, from repo.list's last entry; "" */
};

static enum tarn_call_result load(struct tui *t, struct repos *l, tarn_err err)
{
	xmlrpc_value *v = NULL;
	enum tarn_call_result rc = tui_callf(t, 2, &v, NULL, err, "repo.list", NULL);
	l->n = 0;
	l->pool_unknown[0] = '\0';
	for (int i = 0; rc == TARN_CALL_OK && i < tui_items(v) && l->n < MAX_REPOS; i++) {
		xmlrpc_value *it = tui_item(v, i);
		struct repo_row *r = &l->r[l->n];
		memset(r, 0, sizeof *r);
		if (!tui_member(it, "name", r->name, sizeof r->name)[0]) { /* the pool's cannot be read: why */
			tui_member(it, "message", l->pool_unknown, sizeof l->pool_unknown);
			continue;
		}
		l->n++;
		if (!tui_member(it, "scope", r->scope, sizeof r->scope)[0])
			strcpy(r->scope, "host"); /* an agent from before pool repositories */
		count_members(it, r);
		tui_member(it, "kind", r->kind, sizeof r->kind);
		tui_member(it, "state", r->state, sizeof r->state);
		tui_member(it, "source", r->source, sizeof r->source);
		tui_member(it, "message", r->message, sizeof r->message);
		tarn_size_text((uint64_t)tui_member_int(it, "size"), r->size, sizeof r->size);
		tarn_size_text((uint64_t)tui_member_int(it, "free"), r->free_, sizeof r->free_);
		if (strcmp(r->state, "mounted"))
			strcpy(r->size, "-"), strcpy(r->free_, "-");
	}
	if (v)
		xmlrpc_DECREF(v);
	return rc;
}

static void draw(struct tui *t, const struct repos *l, int sel, const char *fault)
{
	tui_frame(t, STORAGE_TITLE,
		  "a: add  x: remove  i: import  c: new disks  Enter: disks  t: tasks  Esc: back");
	tui_print(2, 2, COLS - 4, A_BOLD, "%-16s %-6s %-10s %9s %9s  %-4s  %s", "Name", "Kind", "State", "Size", "Free",
		  "For", "Source");
	int note = l->pool_unknown[0] ? 2 : 0; /* rows under the list for it */
	int rows = LINES - 8 - note, top = sel >= rows ? sel - rows + 1 : 0;
	for (int i = top; i < l->n && i - top < rows; i++) {
		const struct repo_row *r = &l->r[i];
		tui_print(3 + i - top, 2, COLS - 4, i == sel ? t->a_sel : A_NORMAL, "%-16.16s %-6s %-10s %9s %9s  %-4s  %s",
			  r->name, r->kind, r->state, r->size, r->free_, r->scope, r->source);
	}
	if (note)
		tui_wrap(LINES - 5 - note, 2, COLS - 4, note, t->a_err, l->pool_unknown);
	if (fault) {
		tui_wrap(LINES - 4, 2, COLS - 4, 2, t->a_err, fault);
	} else if (l->n == 0 && !l->pool_unknown[0]) {
		tui_wrap(4, 2, COLS - 4, 3, t->a_dim, "No repositories yet. a adds one: a local disk or partition, "
			 "an NFS export or an iSCSI target.");
	} else {
		const struct repo_row *r = &l->r[sel];
		int ok = strcmp(r->state, "mounted") == 0;
		if (strcmp(r->scope, "pool") == 0)
			tui_print(LINES - 4, 2, COLS - 4, A_NORMAL, "%s: the pool's %s %s, mounted on %d of %d members",
				  r->name, r->kind, r->source, r->mounted, r->members);
		else
			tui_print(LINES - 4, 2, COLS - 4, A_NORMAL, "%s: %s %s", r->name, r->kind, r->source);
		if (!ok)
			tui_wrap(LINES - 3, 2, COLS - 4, 2, strcmp(r->state, "failed") ? t->a_dim : t->a_err,
				 strcmp(r->state, "failed") ? "pending: the agent has not mounted it yet"
							    : r->message);
	}
	refresh();
}

/* The selected repository, or NULL after saying there is none. */
static const struct repo_row *chosen(struct tui *t, const struct repos *l, int sel)
{
	if (sel < l->n)
		return &l->r[sel];
	tui_message(t, STORAGE_TITLE, "There is no repository yet: a adds one.", 1);
	return NULL;
}

static void remove_repo(struct tui *t, const struct repo_row *r)
{
	char q[300], msg[TARN_ERRLEN + 100];
	tarn_err err = "";
	int pool = strcmp(r->scope, "pool") == 0;
	snprintf(q, sizeof q, "Remove repository %s from %s? It is unmounted%s; the files on it are kept (adding "
		 "it again finds them).", r->name, pool ? "the whole pool" : "this host", pool ? " on every member" : "");
	if (!tui_authorize(t) || !tui_confirm(t, "Remove a repository", q))
		return;
	int ok = tui_callf(t, TUI_AGENT_TIMEOUT, NULL, NULL, err, "repo.remove", "(ss)", r->name, r->scope) ==
		 TARN_CALL_OK;
	snprintf(msg, sizeof msg, ok ? "Repository %s is removed." : "Repository %s was not removed: %s", r->name, err);
	tui_message(t, "Remove a repository", msg, !ok);
}

/* ---- work that becomes a task: an import, new disks ---- */

struct queued {
	const char *repo;
	int id;
};

enum { M_REPO, M_SOURCE, M_POOL, M_COUNT };

static const char *check_source(const struct tui_form *f, const char *v, tarn_err err)
{
	char file[80];
	(void)f;
	return tarn_source_file_name(v, file, sizeof file, err);
}

static int save_import(struct tui *t, struct tui_form *f, tarn_err err)
{
	struct queued *q = f->ctx;
	xmlrpc_value *v;
	if (tui_callf(t, TUI_AGENT_TIMEOUT, &v, NULL, err, "repo.import", "(sss)", q->repo, f->f[M_SOURCE].value,
		      f->f[M_POOL].value) != TARN_CALL_OK)
		return -1;
	return tui_task_id(v, "repo.import", &q->id, err);
}

static void import(struct tui *t, const struct repo_row *r)
{
	static const char *const pools[] = {"iso_pool", "seed_pool", NULL};
	struct queued q = {.repo = r->name};
	struct tui_field fl[M_COUNT] = {
		[M_REPO] = {.label = "Into repository", .kind = TUI_FIXED},
		[M_SOURCE] = {.label = "Path or URL", .check = check_source,
			      .hint = "like /media/debian.iso or https://example.com/t.tgz"},
		[M_POOL] = {.label = "As", .kind = TUI_CHOICE, .choices = pools, .value = "iso_pool",
			    .hint = "iso_pool: an ISO; seed_pool: a template"},
	};
	TUI_COPY(fl[M_REPO].value, r->name);
	struct tui_form f = {.title = "Import an ISO or a template", .f = fl, .n = M_COUNT, .save = save_import,
			     .ctx = &q, .needs_auth = 1,
			     .intro = "A file on this host or on a web server is copied into the repository."};
	if (tui_form_run(t, &f))
		tui_task_watch(t, "Import an ISO or a template", q.id);
}

enum { D_REPO, D_PREFIX, D_SIZE, D_HOW_MANY, D_POOL, D_FIELDS };

TUI_FIELD_CHECK(check_prefix, tarn_check_disk_prefix)

static const char *check_size(const struct tui_form *f, const char *v, tarn_err err)
{
	uint64_t bytes;
	(void)f;
	return tarn_check_disk_size(v, &bytes, err);
}

static const char *check_count(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 6)
		return snprintf(err, TARN_ERRLEN, "how many: a number 1-1000"), err;
	return tarn_check_disk_count(atol(v), err);
}

static int save_disks(struct tui *t, struct tui_form *f, tarn_err err)
{
	struct queued *q = f->ctx;
	xmlrpc_value *v;
	if (tui_callf(t, TUI_AGENT_TIMEOUT, &v, NULL, err, "disk.create", "(ssiss)", q->repo, f->f[D_PREFIX].value,
		      atoi(f->f[D_HOW_MANY].value), f->f[D_SIZE].value, f->f[D_POOL].value) != TARN_CALL_OK)
		return -1;
	return tui_task_id(v, "disk.create", &q->id, err);
}

static void create_disks(struct tui *t, const struct repo_row *r)
{
	static const char *const pools[] = {"running_pool", "sharedDisk", NULL};
	struct queued q = {.repo = r->name};
	struct tui_field fl[D_FIELDS] = {
		[D_REPO] = {.label = "In repository", .kind = TUI_FIXED},
		[D_PREFIX] = {.label = "Name", .check = check_prefix, .hint = "disks are NAME-001.img, NAME-002.img ..."},
		[D_SIZE] = {.label = "Size of each", .check = check_size, .hint = "with a unit: 512M, 20G, 2T"},
		[D_HOW_MANY] = {.label = "How many", .check = check_count, .value = "1", .hint = "1-1000"},
		[D_POOL] = {.label = "Pool", .kind = TUI_CHOICE, .choices = pools, .value = "running_pool",
			    .hint = "running_pool: a guest's own; sharedDisk: shared by guests"},
	};
	TUI_COPY(fl[D_REPO].value, r->name);
	struct tui_form f = {.title = "Create virtual disks", .f = fl, .n = D_FIELDS, .save = save_disks, .ctx = &q,
			     .needs_auth = 1, .intro = "Sparse disk images: space is used as guests write."};
	if (tui_form_run(t, &f))
		tui_task_watch(t, "Create virtual disks", q.id);
}

/* ---- a repository's disks ---- */

/* Shows a list the agent answered with, one line an item. */
static void show_list(struct tui *t, const char *title, const char *header, xmlrpc_value *v,
		      void (*line)(xmlrpc_value *item, char *buf, size_t n))
{
	int n = tui_items(v);
	size_t cap = (size_t)(n + 2) * 200, used;
	char *text = malloc(cap);
	if (!text)
		return;
	used = (size_t)snprintf(text, cap, "%s\n", header);
	for (int i = 0; i < n; i++) {
		line(tui_item(v, i), text + used, cap - used);
		used += strlen(text + used);
	}
	if (n == 0)
		snprintf(text + used, cap - used, "(none)\n");
	tui_pager_text(t, title, text);
	free(text);
}

static void disk_line(xmlrpc_value *d, char *buf, size_t n)
{
	char name[80], pool[20], size[24], alloc[24];
	tarn_size_text((uint64_t)tui_member_int(d, "size"), size, sizeof size);
	tarn_size_text((uint64_t)tui_member_int(d, "allocated"), alloc, sizeof alloc);
	snprintf(buf, n > 200 ? 200 : n, "%-40s %-13s %10s %10s\n", tui_member(d, "name", name, sizeof name),
		 tui_member(d, "pool", pool, sizeof pool), size, alloc);
}

static void show_disks(struct tui *t, const struct repo_row *r)
{
	xmlrpc_value *v;
	tarn_err err = "";
	char title[100];
	if (tui_callf(t, TUI_AGENT_TIMEOUT, &v, NULL, err, "disk.list", "(s)", r->name) != TARN_CALL_OK) {
		tui_message(t, "Disks", err, 1);
		return;
	}
	snprintf(title, sizeof title, "Disks in %s", r->name);
	show_list(t, title, "Name                                     Pool                Size  Allocated", v,
		  disk_line);
	xmlrpc_DECREF(v);
}

void screen_storage(struct tui *t)
{
	struct repos *l = malloc(sizeof *l);
	int sel = 0;
	if (!l)
		return;
	curs_set(0);
	for (;;) {
		tarn_err err = "";
		enum tarn_call_result rc = load(t, l, err);
		if (rc == TARN_CALL_UNREACHABLE) {
			if (tui_agent_down(t, STORAGE_TITLE, err))
				continue;
			break;
		}
		if (sel >= l->n)
			sel = l->n ? l->n - 1 : 0;
		draw(t, l, sel, rc == TARN_CALL_FAULT ? err : NULL);
		int k = tui_key(t, REFRESH_MS);
		const struct repo_row *r;
		if (k == KEY_UP && sel > 0)
			sel--;
		else if (k == KEY_DOWN && sel < l->n - 1)
			sel++;
		else if (k == 'a' || k == 'A')
			storage_add(t);
		else if ((k == 'x' || k == 'X' || k == KEY_DC) && (r = chosen(t, l, sel)))
			remove_repo(t, r);
		else if ((k == 'i' || k == 'I') && (r = chosen(t, l, sel)))
			import(t, r);
		else if ((k == 'c' || k == 'C') && (r = chosen(t, l, sel)))
			create_disks(t, r);
		else if ((tui_is_enter(k) || k == KEY_RIGHT) && (r = chosen(t, l, sel)))
			show_disks(t, r);
		else if (k == 't' || k == 'T')
			tui_task_list(t);
		else if (tui_is_back(k) || k == 'q')
			break;
	}
	free(l);
}
