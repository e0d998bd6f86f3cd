/* Creating a guest, three ways: from an xl.cfg file as it is; from a
 * kernel and a ramdisk, the form writing the xl.cfg; from a template in a
 * repository's seed_pool, which the agent copies (a task, followed with a
 * progress bar). Every field is checked here first; the agent checks the
 * result again (guest.define parses the xl.cfg with Xen's own libxlutil)
 * and whatever it refuses is shown in its words, with nothing defined. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guests.h"
#include "units.h"

#define MAX_XLCFG (64 * 1024) /* as tarnctl guest define */
#define MAX_ITEMS 64          /* repositories, templates offered in a list */

/* A file on this host the form names: "" when it is readable, regular and
 * at most max bytes; else why not (in err). what names it when empty. */
static const char *check_file(const char *v, const char *what, off_t max, tarn_err err)
{
	struct stat sb;
	if (!*v)
		return snprintf(err, TARN_ERRLEN, "%s is required", what), err;
	if (tarn_check_path(v, err))
		return err;
	if (stat(v, &sb) != 0 || access(v, R_OK) != 0)
		return snprintf(err, TARN_ERRLEN, "cannot read %.80s: %s", v, strerror(errno)), err;
	if (!S_ISREG(sb.st_mode))
		return snprintf(err, TARN_ERRLEN, "%.80s is not a file", v), err;
	if (max && sb.st_size > max)
		return snprintf(err, TARN_ERRLEN, "%.80s is larger than %lld KiB: not an xl.cfg", v,
				(long long)max / 1024), err;
	return NULL;
}

/* The agent defines the guest from text: 0 with its name in name, or -1. */
static int define(struct tui *t, const char *text, char *name, size_t n, tarn_err err)
{
	xmlrpc_value *g = NULL;
	tarn_err why = "";
	enum tarn_call_result rc = tui_callf(t, GUEST_ACT_TIMEOUT, &g, NULL, why, "guest.define", "(s)", text);
	if (rc == TARN_CALL_UNREACHABLE)
		return guest_call_err(rc, why, err), -1;
	if (rc != TARN_CALL_OK)
		return snprintf(err, TARN_ERRLEN, "the agent did not take it: %.130s", why), -1;
	tui_member(g, "name", name, n);
	xmlrpc_DECREF(g);
	return 0;
}

static void defined(struct tui *t, const char *name)
{
	char msg[160];
	snprintf(msg, sizeof msg, "Guest %s is defined, stopped. Select it and press s to start it.", name);
	tui_message(t, "Guest defined", msg, 0);
}

/* ---- from an xl.cfg file ---- */

static const char *check_cfg_path(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	return check_file(v, "the path of an xl.cfg file", MAX_XLCFG, err);
}

/* The whole file as text; NULL with err when it cannot be read. */
static char *read_cfg(const char *path, tarn_err err)
{
	FILE *f = fopen(path, "re");
	char *buf = f ? malloc(MAX_XLCFG + 1) : NULL;
	size_t n = buf ? fread(buf, 1, MAX_XLCFG + 1, f) : 0;
	int bad = !f || !buf || ferror(f) || n > MAX_XLCFG;
	if (bad)
		snprintf(err, TARN_ERRLEN, "cannot read %.80s: %s", path,
			 !f || (buf && ferror(f)) ? strerror(errno) : buf ? "larger than 64 KiB" : "out of memory");
	if (f)
		fclose(f);
	if (bad) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

struct define_ctx {
	char name[72]; /* the guest defined */
};

static int save_file(struct tui *t, struct tui_form *f, tarn_err err)
{
	struct define_ctx *c = f->ctx;
	char *text = read_cfg(f->f[0].value, err);
	if (!text)
		return -1;
	int rc = define(t, text, c->name, sizeof c->name, err);
	free(text);
	return rc;
}

static void from_file(struct tui *t)
{
	struct define_ctx c = {""};
	struct tui_field fl[] = {{.label = "xl.cfg file", .check = check_cfg_path,
				  .hint = "an absolute path, like /var/lib/tarn/guests/web.cfg"}};
	struct tui_form f = {.title = "Create a guest from an xl.cfg file", .f = fl, .n = 1, .save = save_file,
			     .ctx = &c, .needs_auth = 1,
			     .intro = "From a Xen guest configuration (xl.cfg), as it is: the guest is defined "
				      "in the pool, stopped; s starts it."};
	if (tui_form_run(t, &f))
		defined(t, c.name);
}

/* ---- from a kernel and a ramdisk ---- */

enum { K_NAME, K_MEMORY, K_VCPUS, K_KERNEL, K_RAMDISK, K_EXTRA, K_BRIDGE, K_FIELDS };

TUI_FIELD_CHECK(check_name, tarn_check_name)

/* What goes between double quotes in the xl.cfg: no quote, no backslash. */
static const char *quotable(const char *v, tarn_err err)
{
	if (strpbrk(v, "\"\\"))
		return snprintf(err, TARN_ERRLEN, "a '\"' or '\\' cannot be written into an xl.cfg"), err;
	return NULL;
}

static const char *check_kernel(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	return check_file(v, "the kernel's path", 0, err) ? err : quotable(v, err);
}

static const char *check_ramdisk(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	if (!*v)
		return NULL; /* a kernel can boot without one */
	return check_file(v, "the ramdisk's path", 0, err) ? err : quotable(v, err);
}

static const char *check_extra(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	return quotable(v, err);
}

static const char *check_bridge(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	if (!*v)
		return NULL; /* no network card */
	if (tarn_check_ifname(v, err))
		return err;
	if (strpbrk(v, ",=\"\\'"))
		return snprintf(err, TARN_ERRLEN, "a bridge's name has no ',', '=' or quotes"), err;
	return NULL;
}

/* The xl.cfg the form describes: a PV guest booted from the kernel. */
static void write_cfg(const struct tui_field *fl, char *buf, size_t n)
{
	size_t at = (size_t)snprintf(buf, n,
				     "# written by the Tarn console\n"
				     "name = \"%s\"\ntype = \"pv\"\nmemory = %s\nvcpus = %s\nkernel = \"%s\"\n",
				     fl[K_NAME].value, fl[K_MEMORY].value, fl[K_VCPUS].value, fl[K_KERNEL].value);
	if (fl[K_RAMDISK].value[0] && at < n)
		at += (size_t)snprintf(buf + at, n - at, "ramdisk = \"%s\"\n", fl[K_RAMDISK].value);
	if (fl[K_EXTRA].value[0] && at < n)
		at += (size_t)snprintf(buf + at, n - at, "extra = \"%s\"\n", fl[K_EXTRA].value);
	if (fl[K_BRIDGE].value[0] && at < n)
		snprintf(buf + at, n - at, "vif = [ \"bridge=%s\" ]\n", fl[K_BRIDGE].value);
}

static int save_kernel(struct tui *t, struct tui_form *f, tarn_err err)
{
	struct define_ctx *c = f->ctx;
	char text[8 * 1024];
	write_cfg(f->f, text, sizeof text);
	return define(t, text, c->name, sizeof c->name, err);
}

static void from_kernel(struct tui *t)
{
	struct define_ctx c = {""};
	struct tui_field fl[K_FIELDS] = {
		[K_NAME] = {.label = "Name", .check = check_name, .hint = "letters, digits, '.', '_' and '-'"},
		[K_MEMORY] = {.label = "Memory (MiB)", .check = guest_check_memory, .value = "512"},
		[K_VCPUS] = {.label = "vCPUs", .check = guest_check_vcpus, .value = "1"},
		[K_KERNEL] = {.label = "Kernel", .check = check_kernel, .hint = "a file on this host, like "
										 "/var/lib/tarn/boot/vmlinuz"},
		[K_RAMDISK] = {.label = "Ramdisk", .check = check_ramdisk, .hint = "a file on this host; empty: none"},
		[K_EXTRA] = {.label = "Kernel command line", .check = check_extra, .value = "console=hvc0",
			     .hint = "what the guest's kernel is booted with"},
		[K_BRIDGE] = {.label = "Network bridge", .check = check_bridge,
			      .hint = "like xenbr0: a network card on it; empty: none"},
	};
	struct tui_form f = {.title = "Create a guest from a kernel", .f = fl, .n = K_FIELDS, .save = save_kernel,
			     .ctx = &c, .needs_auth = 1,
			     .intro = "A PV guest booted from a kernel and ramdisk on this host; defined stopped."};
	if (tui_form_run(t, &f))
		defined(t, c.name);
}

/* ---- from a template in a repository's seed_pool ---- */

/* A line of a list to choose from: a repository or a template. */
struct item {
	char name[72];
	char line[100]; /* the name and what it is */
	char help[200]; /* under the list while it is selected */
};

/* A mounted repository from repo.list; 0 when it is not one to offer. */
static int repo_item(xmlrpc_value *it, struct item *o)
{
	char state[16], kind[8], free_[24];
	if (strcmp(tui_member(it, "state", state, sizeof state), "mounted"))
		return 0;
	tui_member(it, "name", o->name, sizeof o->name);
	tarn_size_text((uint64_t)tui_member_int(it, "free"), free_, sizeof free_);
	snprintf(o->line, sizeof o->line, "%-24.24s %-6s %10s free", o->name, tui_member(it, "kind", kind, sizeof kind),
		 free_);
	snprintf(o->help, sizeof o->help, "Templates in %.64s's seed_pool.", o->name);
	return 1;
}

/* A template from template.list, with what is wrong with it, if anything. */
static int template_item(xmlrpc_value *it, struct item *o)
{
	char error[160], size[24];
	tui_member(it, "name", o->name, sizeof o->name);
	tarn_size_text((uint64_t)tui_member_int(it, "size"), size, sizeof size);
	snprintf(o->line, sizeof o->line, "%-24.24s %6lld MiB %3lld vCPUs %2lld disks %10s", o->name,
		 tui_member_int(it, "memory"), tui_member_int(it, "vcpus"), tui_member_int(it, "disks"), size);
	if (tui_member(it, "error", error, sizeof error)[0])
		snprintf(o->help, sizeof o->help, "Cannot be used: %s", error);
	else
		snprintf(o->help, sizeof o->help, "Its disks are copied into running_pool/NAME of the repository.");
	return 1;
}

/* Asks for one of what method (with repo, when not NULL) lists: its index
 * in out, or -1 (Esc, or the reason told). */
static int choose(struct tui *t, const char *title, const char *method, const char *repo,
		  int (*item)(xmlrpc_value *it, struct item *o), struct item *out, const char *none)
{
	xmlrpc_value *v = NULL;
	tarn_err err = "";
	char msg[TARN_ERRLEN + 200];
	int fault = 0, n = 0, sel = 0;
	enum tarn_call_result rc = repo ? tui_callf(t, TUI_AGENT_TIMEOUT, &v, &fault, err, method, "(s)", repo)
					: tui_callf(t, TUI_AGENT_TIMEOUT, &v, &fault, err, method, NULL);
	if (rc != TARN_CALL_OK) {
		if (fault == XMLRPC_NO_SUCH_METHOD_ERROR)
			snprintf(msg, sizeof msg, "This agent cannot create guests from templates yet (it has no "
				 "%s).", method);
		else
			guest_call_err(rc, err, msg);
		tui_message(t, title, msg, 1);
		return -1;
	}
	for (int i = 0; i < tui_items(v) && n < MAX_ITEMS; i++)
		n += item(tui_item(v, i), &out[n]);
	xmlrpc_DECREF(v);
	if (n == 0) {
		tui_message(t, title, none, 1);
		return -1;
	}
	struct tui_entry e[MAX_ITEMS];
	for (int i = 0; i < n; i++)
		e[i] = (struct tui_entry){i < 9 ? '1' + i : 0, out[i].line, out[i].help, NULL};
	return tui_list(t, title, e, n, &sel);
}

struct template_ctx {
	const char *repo, *template;
	int task;
};

static int save_template(struct tui *t, struct tui_form *f, tarn_err err)
{
	struct template_ctx *c = f->ctx;
	xmlrpc_value *v;
	tarn_err why = "";
	enum tarn_call_result rc = tui_callf(t, GUEST_ACT_TIMEOUT, &v, NULL, why, "guest.createFromTemplate", "(sss)",
					     c->repo, c->template, f->f[2].value);
	if (rc == TARN_CALL_UNREACHABLE)
		return guest_call_err(rc, why, err), -1;
	if (rc != TARN_CALL_OK)
		return snprintf(err, TARN_ERRLEN, "the agent did not take it: %.130s", why), -1;
	return tui_task_id(v, "guest.createFromTemplate", &c->task, err);
}

static void from_template(struct tui *t)
{
	static struct item repos[MAX_ITEMS], templates[MAX_ITEMS];
	const char *title = "Create a guest from a template";
	char none[200];
	int r = choose(t, "From which repository?", "repo.list", NULL, repo_item, repos,
		       "No repository is mounted: add one under Storage repositories (r), then import a "
		       "template into its seed_pool (i).");
	if (r < 0)
		return;
	snprintf(none, sizeof none, "Repository %s has no template in its seed_pool: import one (Storage "
		 "repositories, i, as seed_pool).", repos[r].name);
	int p = choose(t, "Which template?", "template.list", repos[r].name, template_item, templates, none);
	if (p < 0)
		return;
	struct template_ctx c = {repos[r].name, templates[p].name, 0};
	struct tui_field fl[] = {
		{.label = "Repository", .kind = TUI_FIXED},
		{.label = "Template", .kind = TUI_FIXED},
		{.label = "Guest name", .check = check_name, .hint = "letters, digits, '.', '_' and '-'"},
	};
	TUI_COPY(fl[0].value, repos[r].name);
	TUI_COPY(fl[1].value, templates[p].name);
	struct tui_form f = {.title = title, .f = fl, .n = 3, .save = save_template, .ctx = &c, .needs_auth = 1,
			     .intro = "The agent copies the template's files and defines the guest, stopped."};
	if (tui_form_run(t, &f))
		tui_task_watch(t, title, c.task); /* its end says what became of the guest */
}

void guest_create(struct tui *t)
{
	static const struct tui_entry how[] = {
		{'f', "From an xl.cfg file", "A Xen guest configuration on this host, as it is.", NULL},
		{'k', "From a kernel and ramdisk", "Name, memory, vCPUs, a kernel and ramdisk on this host, its "
		 "command line and bridge: the console writes the xl.cfg.", NULL},
		{'t', "From a template", "A template in a repository's seed_pool: the agent copies it.", NULL},
	};
	int sel = 0;
	switch (tui_list(t, "Create a guest", how, 3, &sel)) {
	case 0: from_file(t); break;
	case 1: from_kernel(t); break;
	case 2: from_template(t); break;
	default: break;
	}
}
