/* Guests: the pool's guest definitions, asked of the agent (guest.* over
 * its local socket), with the desired state beside the actual one; define
 * one from an xl.cfg file, start, shut down, force off, reboot, pause,
 * resume and delete. Whatever the agent refuses, or does not offer (yet),
 * is shown in its own words: the console never pretends. When the agent
 * does not answer, the screen says so and offers to restart it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"

#define MAX_GUESTS 256
#define MAX_XLCFG (64 * 1024) /* as tarnctl guest define */
#define LIST_TIMEOUT 2        /* seconds: the list refreshes without holding keys up */
#define ACT_TIMEOUT 15

struct guest {
	char name[72], desired[16], actual[16], type[8];
	int memory, vcpus;
};

struct guests {
	struct guest g[MAX_GUESTS];
	int n;
	enum tarn_call_result rc; /* of the last guest.list */
	tarn_err err;
};

static void load(struct tui *t, struct guests *l)
{
	xmlrpc_value *list = NULL;
	l->n = 0;
	l->err[0] = '\0';
	l->rc = tui_callf(t, LIST_TIMEOUT, &list, NULL, l->err, "guest.list", NULL);
	if (l->rc != TARN_CALL_OK)
		return;
	if (xmlrpc_value_type(list) != XMLRPC_TYPE_ARRAY) {
		l->rc = TARN_CALL_FAULT;
		snprintf(l->err, sizeof l->err, "the agent's list of guests was not understood");
	}
	for (int i = 0; i < tui_items(list) && l->n < MAX_GUESTS; i++) {
		xmlrpc_value *item = tui_item(list, i);
		struct guest *g = &l->g[l->n++];
		tui_member(item, "name", g->name, sizeof g->name);
		tui_member(item, "desired", g->desired, sizeof g->desired);
		tui_member(item, "actual", g->actual, sizeof g->actual);
		tui_member(item, "type", g->type, sizeof g->type);
		g->memory = (int)tui_member_int(item, "memory");
		g->vcpus = (int)tui_member_int(item, "vcpus");
	}
	xmlrpc_DECREF(list);
}

static const char agent_down[] =
	"The agent (tarnd) is not answering, so guests cannot be listed or changed. Host settings "
	"can still be changed from the main menu. Press a to restart the agent.";

/* What a call that did not go through means to a person. */
static void call_failed(struct tui *t, const char *title, enum tarn_call_result rc, const char *err)
{
	char msg[TARN_ERRLEN + sizeof agent_down + 40];
	if (rc == TARN_CALL_UNREACHABLE)
		snprintf(msg, sizeof msg, "%s\n\n(%s)", agent_down, err);
	else
		snprintf(msg, sizeof msg, "The agent did not do it: %s", err);
	tui_message(t, title, msg, 1);
}

/* ---- actions on one guest ---- */

struct action {
	int key;
	const char *title, *help;
	const char *method, *state; /* guest.setState takes the state */
	const char *confirm;        /* asked first when not NULL: %s is the guest */
	const char *done;           /* %s is the guest */
};

static const struct action actions[] = {
	{'s', "Start", "The guest is meant to run: the agent starts it.", "guest.setState", "running", NULL,
	 "%s is meant to run now: the agent starts it."},
	{'h', "Shut down", "The guest is meant to be stopped: the agent shuts it down cleanly.", "guest.setState",
	 "stopped", NULL, "%s is meant to be stopped now: the agent shuts it down."},
	{'f', "Force off", "Stops the guest at once, like pulling its plug.", "guest.destroy", NULL,
	 "Force %s off at once? Whatever it has not written to its disks is lost.", "%s is forced off."},
	{'b', "Reboot", "Restarts the guest.", "guest.reboot", NULL, NULL, "%s is rebooting."},
	{'p', "Pause", "Freezes the guest in memory.", "guest.setState", "paused", NULL,
	 "%s is meant to be paused now."},
	{'u', "Resume", "A paused guest runs again.", "guest.setState", "running", NULL,
	 "%s is meant to run again now."},
	{'d', "Delete", "Removes the guest's definition (its disks are kept). It must be stopped first.",
	 "guest.undefine", NULL, "Delete guest %s? Its definition is removed from the pool; its disks are kept.",
	 "%s is deleted."},
};
#define N_ACTIONS ((int)(sizeof actions / sizeof actions[0]))

static void act(struct tui *t, const struct action *a, const char *name)
{
	char text[300];
	tarn_err err = "";
	if (!tui_authorize(t))
		return;
	if (a->confirm) {
		snprintf(text, sizeof text, a->confirm, name);
		if (!tui_confirm(t, a->title, text))
			return;
	}
	tui_frame(t, a->title, "");
	tui_print(3, 2, COLS - 4, A_BOLD, "%s: asking the agent ...", name);
	refresh();
	/* guest.setState takes the state after the name; "(s)" leaves it unread */
	enum tarn_call_result rc =
		tui_callf(t, ACT_TIMEOUT, NULL, NULL, err, a->method, a->state ? "(ss)" : "(s)", name, a->state);
	if (rc != TARN_CALL_OK) {
		call_failed(t, a->title, rc, err);
		return;
	}
	snprintf(text, sizeof text, a->done, name);
	tui_message(t, a->title, text, 0);
}

/* Enter on a guest: its actions as a list. */
static void actions_menu(struct tui *t, const char *name)
{
	struct tui_entry e[N_ACTIONS];
	char title[100];
	int sel = 0, i;
	for (i = 0; i < N_ACTIONS; i++)
		e[i] = (struct tui_entry){actions[i].key, actions[i].title, actions[i].help, NULL};
	snprintf(title, sizeof title, "Guest %s", name);
	if ((i = tui_list(t, title, e, N_ACTIONS, &sel)) >= 0)
		act(t, &actions[i], name);
}

/* ---- create from an xl.cfg file ---- */

static const char *check_cfg_path(const struct tui_form *f, const char *v, tarn_err err)
{
	struct stat sb;
	(void)f;
	if (!*v)
		return snprintf(err, TARN_ERRLEN, "the path of an xl.cfg file is required"), err;
	if (tarn_check_path(v, err))
		return err;
	if (stat(v, &sb) != 0 || access(v, R_OK) != 0)
		return snprintf(err, TARN_ERRLEN, "cannot read %.80s: %s", v, strerror(errno)), err;
	if (!S_ISREG(sb.st_mode))
		return snprintf(err, TARN_ERRLEN, "%.80s is not a file", v), err;
	if (sb.st_size > MAX_XLCFG)
		return snprintf(err, TARN_ERRLEN, "%.80s is larger than 64 KiB: not an xl.cfg", v), err;
	return NULL;
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

static int define_guest(struct tui *t, struct tui_form *f, tarn_err err)
{
	struct define_ctx *c = f->ctx;
	xmlrpc_value *g = NULL;
	char *text = read_cfg(f->f[0].value, err), reason[TARN_ERRLEN];
	if (!text)
		return -1;
	enum tarn_call_result rc = tui_callf(t, ACT_TIMEOUT, &g, NULL, reason, "guest.define", "(s)", text);
	free(text);
	if (rc == TARN_CALL_UNREACHABLE)
		return snprintf(err, TARN_ERRLEN, "the agent is not answering (Esc, then a restarts it): %.100s",
				reason), -1;
	if (rc != TARN_CALL_OK)
		return snprintf(err, TARN_ERRLEN, "the agent did not take it: %.130s", reason), -1;
	tui_member(g, "name", c->name, sizeof c->name);
	xmlrpc_DECREF(g);
	return 0;
}

static void create_guest(struct tui *t)
{
	struct define_ctx c = {""};
	struct tui_field fl[] = {{.label = "xl.cfg file", .check = check_cfg_path,
				  .hint = "an absolute path, like /var/lib/tarn/guests/web.cfg"}};
	struct tui_form f = {.title = "Create a guest", .f = fl, .n = 1, .save = define_guest, .ctx = &c,
			     .needs_auth = 1,
			     .intro = "From a Xen guest configuration (xl.cfg), as it is: the guest is defined "
				      "in the pool, stopped; s starts it."};
	if (!tui_form_run(t, &f))
		return;
	char msg[160];
	snprintf(msg, sizeof msg, "Guest %s is defined, stopped. Select it and press s to start it.", c.name);
	tui_message(t, "Guest defined", msg, 0);
}

/* ---- the list ---- */

static void draw(struct tui *t, const struct guests *l, int sel)
{
	tui_frame(t, "Guests", "Up/Down  Enter: actions  c: create  a: restart agent  Esc: back");
	if (l->rc == TARN_CALL_UNREACHABLE) {
		int y = 2 + tui_wrap(2, 2, COLS - 4, 4, t->a_err, agent_down);
		tui_wrap(y + 1, 2, COLS - 4, 3, t->a_dim, l->err);
		return;
	}
	if (l->rc != TARN_CALL_OK) {
		tui_print(2, 2, COLS - 4, t->a_err, "The agent cannot list the guests:");
		tui_wrap(3, 2, COLS - 4, 4, t->a_err, l->err);
		return;
	}
	tui_print(2, 2, COLS - 4, A_BOLD, "%-24s %-9s %-9s %-4s %9s %5s", "Guest", "Desired", "Actual", "Type",
		  "Memory", "vCPUs");
	int rows = LINES - 7, top = sel >= rows ? sel - rows + 1 : 0;
	for (int i = top; i < l->n && i - top < rows; i++) {
		const struct guest *g = &l->g[i];
		/* desired and actual side by side; a difference stands out */
		attr_t a = i == sel ? t->a_sel : strcmp(g->desired, g->actual) ? A_BOLD : A_NORMAL;
		tui_print(3 + i - top, 2, COLS - 4, a, "%-24.24s %-9s %-9s %-4s %5d MiB %5d", g->name, g->desired,
			  g->actual, g->type, g->memory, g->vcpus);
	}
	if (!l->n)
		tui_print(4, 2, COLS - 4, t->a_dim, "No guests yet: c creates one from an xl.cfg file.");
	tui_print(LINES - 3, 2, COLS - 4, t->a_dim, "s start  h shut down  f force off  b reboot  p pause  "
		  "u resume  d delete");
}

void screen_guests(struct tui *t)
{
	static struct guests l; /* large: not on the stack */
	int sel = 0;
	curs_set(0);
	for (;;) {
		load(t, &l);
		if (sel >= l.n)
			sel = l.n - 1;
		if (sel < 0)
			sel = 0;
		draw(t, &l, sel);
		refresh();
		int k = tui_key(t, 2000), have = l.rc == TARN_CALL_OK && l.n > 0;
		if (k == KEY_UP && sel > 0)
			sel--;
		else if (k == KEY_DOWN && sel < l.n - 1)
			sel++;
		else if ((tui_is_enter(k) || k == KEY_RIGHT) && have)
			actions_menu(t, l.g[sel].name);
		else if (k == 'c' || k == 'C')
			create_guest(t);
		else if (k == 'a' || k == 'A')
			tui_restart_agent(t);
		else if (tui_is_back(k))
			return;
		for (int i = 0; have && k > 0 && k < 256 && i < N_ACTIONS; i++)
			if (k == actions[i].key)
				act(t, &actions[i], l.g[sel].name);
	}
}
