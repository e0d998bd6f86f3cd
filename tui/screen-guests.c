/* Guests: the pool's guest definitions, asked of the agent (guest.* over
 * its local socket), with the desired state beside the actual one and the
 * vCPU pins; create one (guest-create.c), start, shut down, force off,
 * reboot, pause, resume, delete, turn HA on or off, edit its memory, vCPUs
 * and pins (guest-edit.c) and open its text console (guest-console.c). Whatever the
 * agent refuses, or does not offer (yet), is shown in its own words: the
 * console never pretends. When the agent does not answer, the shared
 * agent-down screen says so and offers to restart it. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "guests.h"

#define MAX_GUESTS 256
#define LIST_TIMEOUT 2        /* seconds: the list refreshes without holding keys up */

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
		tui_member(item, "host", g->host, sizeof g->host);
		tui_member(item, "pins", g->pins, sizeof g->pins);
		tui_member(item, "affinity", g->affinity, sizeof g->affinity);
		tui_member(item, "error", g->error, sizeof g->error);
		g->memory = (int)tui_member_int(item, "memory");
		g->vcpus = (int)tui_member_int(item, "vcpus");
		g->ha = (int)tui_member_int(item, "ha");
	}
	xmlrpc_DECREF(list);
}

void guest_call_err(enum tarn_call_result rc, const char *why, tarn_err err)
{
	if (rc == TARN_CALL_UNREACHABLE)
		snprintf(err, TARN_ERRLEN, "the agent is not answering: %.130s", why);
	else
		snprintf(err, TARN_ERRLEN, "the agent did not do it: %.130s", why);
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
		tui_callf(t, GUEST_ACT_TIMEOUT, NULL, NULL, err, a->method, a->state ? "(ss)" : "(s)", name, a->state);
	if (rc != TARN_CALL_OK) {
		tarn_err msg;
		guest_call_err(rc, err, msg);
		msg[0] = (char)toupper((unsigned char)msg[0]); /* a sentence of its own */
		tui_message(t, a->title, msg, 1);
		return;
	}
	snprintf(text, sizeof text, a->done, name);
	tui_message(t, a->title, text, 0);
}

/* Beyond the agent's calls: the forms and the console, by letter. */
static const struct tui_entry more[] = {
	{'e', "Edit memory, vCPUs, pins", "Memory (MiB), the number of vCPUs and which CPUs each vCPU runs on.",
	 NULL},
	{'o', "Open the console", "The guest's text console (xl console); Ctrl-] comes back here.", NULL},
	{'v', "HA on or off", "High availability: whether the guest is restarted on another VM server when its "
	 "host dies.", NULL},
};
#define N_MORE ((int)(sizeof more / sizeof more[0]))

/* v: HA turned the other way (guest.setHa). */
static void toggle_ha(struct tui *t, const struct guest *g)
{
	char text[200];
	tarn_err err = "", msg;
	if (!tui_authorize(t))
		return;
	enum tarn_call_result rc = tui_callf(t, GUEST_ACT_TIMEOUT, NULL, NULL, err, "guest.setHa", "(sb)", g->name,
					     (xmlrpc_bool)!g->ha);
	if (rc != TARN_CALL_OK) {
		guest_call_err(rc, err, msg);
		msg[0] = (char)toupper((unsigned char)msg[0]);
		tui_message(t, "HA", msg, 1);
		return;
	}
	snprintf(text, sizeof text, g->ha ? "%s is no longer restarted elsewhere when its host dies."
					  : "%s is restarted on another VM server when its host dies (HA).", g->name);
	tui_message(t, "HA", text, 0);
}

/* Runs what key k means for guest g: 1, or 0 when it means nothing. */
static int run_key(struct tui *t, const struct guest *g, int k)
{
	for (int i = 0; k > 0 && k < 256 && i < N_ACTIONS; i++)
		if (tolower(k) == actions[i].key)
			return act(t, &actions[i], g->name), 1;
	if (k == 'e' || k == 'E')
		return guest_edit(t, g), 1;
	if (k == 'o' || k == 'O')
		return guest_console(t, g), 1;
	if (k == 'v' || k == 'V')
		return toggle_ha(t, g), 1;
	return 0;
}

/* Enter on a guest: its actions as a list. */
static void actions_menu(struct tui *t, const struct guest *g)
{
	struct tui_entry e[N_ACTIONS + N_MORE];
	char title[100];
	int sel = 0, i;
	for (i = 0; i < N_ACTIONS; i++)
		e[i] = (struct tui_entry){actions[i].key, actions[i].title, actions[i].help, NULL};
	for (i = 0; i < N_MORE; i++)
		e[N_ACTIONS + i] = more[i];
	snprintf(title, sizeof title, "Guest %s", g->name);
	if ((i = tui_list(t, title, e, N_ACTIONS + N_MORE, &sel)) >= 0)
		run_key(t, g, e[i].key);
}

/* ---- the list ---- */

static void draw(struct tui *t, const struct guests *l, int sel)
{
	tui_frame(t, GUESTS_TITLE, "Up/Down  Enter: actions  c: create  e: edit  o: console  Esc: back");
	if (l->rc != TARN_CALL_OK) {
		tui_print(2, 2, COLS - 4, t->a_err, "The agent cannot list the guests:");
		tui_wrap(3, 2, COLS - 4, 4, t->a_err, l->err);
		return;
	}
	tui_print(2, 2, COLS - 4, A_BOLD, "%-18s %-9s %-9s %-4s %9s %5s  %s", "Guest", "Desired", "Actual", "Type",
		  "Memory", "vCPUs", "Pins");
	int rows = LINES - 8, top = sel >= rows ? sel - rows + 1 : 0;
	for (int i = top; i < l->n && i - top < rows; i++) {
		const struct guest *g = &l->g[i];
		/* desired and actual side by side; a difference stands out */
		attr_t a = i == sel ? t->a_sel : strcmp(g->desired, g->actual) ? A_BOLD : A_NORMAL;
		tui_print(3 + i - top, 2, COLS - 4, a, "%-18.18s %-9.9s %-9.9s %-4s %5d MiB %5d  %s", g->name,
			  g->desired, g->actual, g->type, g->memory, g->vcpus, g->pins[0] ? g->pins : "-");
	}
	if (!l->n) {
		tui_print(4, 2, COLS - 4, t->a_dim, "No guests yet: c creates one.");
	} else {
		/* the selected guest whole: the pins in full, what Xen has, the last error */
		const struct guest *g = &l->g[sel];
		tui_print(LINES - 5, 2, COLS - 4, A_NORMAL, "%s: HA %s, pins %s, affinity %s", g->name, g->ha ? "on" : "off",
			  g->pins[0] ? g->pins : "none", g->affinity[0] ? g->affinity : "not reported");
		if (g->error[0])
			tui_print(LINES - 4, 2, COLS - 4, t->a_err, "%s", g->error);
	}
	tui_print(LINES - 3, 2, COLS - 4, t->a_dim, "s start  h shut down  f force off  b reboot  p pause  "
		  "u resume  d delete  v HA");
}

void screen_guests(struct tui *t)
{
	static struct guests l; /* large: not on the stack */
	int sel = 0;
	curs_set(0);
	for (;;) {
		load(t, &l);
		if (l.rc == TARN_CALL_UNREACHABLE) {
			if (tui_agent_down(t, GUESTS_TITLE, l.err))
				continue;
			return;
		}
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
			actions_menu(t, &l.g[sel]);
		else if (k == 'c' || k == 'C')
			guest_create(t);
		else if (k == 'a' || k == 'A')
			tui_restart_agent(t);
		else if (tui_is_back(k))
			return;
		else if (have)
			run_key(t, &l.g[sel], k);
	}
}
