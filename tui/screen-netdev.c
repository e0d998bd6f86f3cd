/* Bridges, VLANs and bonds: what the node store asks for, beside what the
 * kernel has and what the agent made of it. Changes are checked by
 * lib/netdev.h (the API's own rules) and written in one transaction; one
 * that touches the management path goes on trial, as an interface's does.
 * Their addressing is set under Network interfaces, like any interface's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netdev.h"
#include "netsys.h"
#include "tui.h"

#define MAX_DEVS 192 /* 64 of each kind: what lib/netdev.c lists */

struct dev {
	char name[16];
	const char *kind;              /* "bridge", "vlan" or "bond" */
	char members[TARN_NETDEV_LIST]; /* a bridge's ports, a VLAN's parent, a bond's slaves */
	char mode[16];                 /* a bond's */
	long vid;                      /* a VLAN's */
};

struct devs {
	struct dev d[MAX_DEVS];
	int n;
};

static struct dev *next_dev(struct devs *l, const char *kind, const char *name)
{
	if (l->n >= MAX_DEVS)
		return NULL;
	struct dev *d = &l->d[l->n++];
	memset(d, 0, sizeof *d);
	d->kind = kind;
	TUI_COPY(d->name, name);
	return d;
}

static int add_bridge(void *ctx, const struct tarn_bridge *b)
{
	struct dev *d = next_dev(ctx, "bridge", b->name);
	if (d)
		TUI_COPY(d->members, b->ports);
	return 0;
}

static int add_vlan(void *ctx, const struct tarn_vlan *v)
{
	struct dev *d = next_dev(ctx, "vlan", v->name);
	if (d) {
		TUI_COPY(d->members, v->parent);
		d->vid = v->vid;
	}
	return 0;
}

static int add_bond(void *ctx, const struct tarn_bond *b)
{
	struct dev *d = next_dev(ctx, "bond", b->name);
	if (d) {
		TUI_COPY(d->members, b->slaves);
		TUI_COPY(d->mode, b->mode);
	}
	return 0;
}

static void list_devs(struct tui *t, struct devs *l)
{
	l->n = 0;
	tarn_netdev_each_bridge(t->st, add_bridge, l);
	tarn_netdev_each_vlan(t->st, add_vlan, l);
	tarn_netdev_each_bond(t->st, add_bond, l);
}

/* What the agent made of a device: its status in the store. */
struct applied {
	const char *subject;
	char text[TARN_ERRLEN + 16];
};

static int find_status(void *ctx, const char *subject, int ok, const char *message, int64_t gen)
{
	struct applied *a = ctx;
	(void)gen;
	if (strcmp(subject, a->subject) != 0)
		return 0;
	snprintf(a->text, sizeof a->text, ok ? "applied" : "FAILED: %s", message);
	return 1;
}

/* "bridge", "VLAN", "bond", or capitalised. */
static const char *kind_word(const char *kind, int capital)
{
	if (strcmp(kind, "vlan") == 0)
		return "VLAN";
	if (strcmp(kind, "bond") == 0)
		return capital ? "Bond" : "bond";
	return capital ? "Bridge" : "bridge";
}

/* The kernel's link state, then the agent's word. */
static void dev_state(struct tui *t, const struct dev *d, char *out, size_t n)
{
	char subject[40];
	struct tarn_link l;
	snprintf(subject, sizeof subject, "net.%s.%s", d->kind, d->name);
	struct applied a = {subject, "not applied yet"};
	tarn_store_each_status(t->st, find_status, &a);
	snprintf(out, n, "%s, %s", tarn_link_get(d->name, &l) == 0 ? l.state : "absent", a.text);
}

static void dev_members(const struct dev *d, char *out, size_t n)
{
	if (strcmp(d->kind, "vlan") == 0)
		snprintf(out, n, "%s, id %ld", d->members, d->vid);
	else if (strcmp(d->kind, "bond") == 0)
		snprintf(out, n, "%s: %s", d->mode, d->members);
	else
		snprintf(out, n, "%s", d->members[0] ? d->members : "(no ports)");
}

/* The host's network cards, to say what can be a member. */
struct nics {
	char text[200];
};

static int add_nic(void *ctx, const struct tarn_link *l)
{
	struct nics *c = ctx;
	size_t used = strlen(c->text);
	if (strcmp(l->kind, "nic") == 0)
		snprintf(c->text + used, sizeof c->text - used, " %s", l->name);
	return 0;
}

static void nic_intro(char *out, size_t n)
{
	struct nics c = {""};
	tarn_link_each(add_nic, &c);
	snprintf(out, n, "Network cards on this host:%s", c.text[0] ? c.text : " none found");
}

/* ---- the forms: a new device, or a stored one's members ---- */

struct dev_form {
	const char *kind;
	char old_members[TARN_NETDEV_LIST]; /* what the change takes away: on trial with it */
	char name[16];                      /* as saved (a VLAN's may be made) */
	int trial;
};

static const char *check_ifname(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	return tarn_check_ifname(v, err);
}

static const char *check_optional_ifname(const struct tui_form *f, const char *v, tarn_err err)
{
	return *v ? check_ifname(f, v, err) : NULL;
}

/* Space-separated interface names; a bond needs one at least. */
static const char *check_list(const struct tui_form *f, const char *v, tarn_err err)
{
	char copy[256], *save = NULL;
	int n = 0;
	snprintf(copy, sizeof copy, "%s", v);
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save), n++)
		if (tarn_check_ifname(w, err))
			return err;
	if (!n && strcmp(((const struct dev_form *)f->ctx)->kind, "bond") == 0)
		return snprintf(err, TARN_ERRLEN, "a bond needs at least one network card"), err;
	return NULL;
}

static const char *check_vid(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	if (!*v)
		return snprintf(err, TARN_ERRLEN, "a VLAN id is required, 1-4094"), err;
	if (strspn(v, "0123456789") != strlen(v) || strlen(v) > 9)
		return snprintf(err, TARN_ERRLEN, "VLAN id %.20s is not a number", v), err;
	return tarn_check_vlan_id(strtol(v, NULL, 10), err);
}

typedef int (*dev_write)(tarn_store *st, void *dev, tarn_err err);

/* One transaction: on trial first when the device, what it had or what it
 * gets is on the management path. */
static int write_dev(struct tui *t, struct dev_form *c, const char *members, dev_write write, void *dev,
		     tarn_err err)
{
	char names[2 * TARN_NETDEV_LIST + 20];
	snprintf(names, sizeof names, "%s %s %s", c->name, c->old_members, members);
	if (tarn_store_begin(t->st, err))
		return -1;
	int trial = tui_net_guard(t, names, err);
	int rc = trial < 0 || write(t->st, dev, err);
	c->trial = trial == 1;
	return tui_txn_end(t->st, rc, err);
}

static int write_bridge(tarn_store *st, void *dev, tarn_err err) { return tarn_netdev_set_bridge(st, dev, err); }
static int write_vlan(tarn_store *st, void *dev, tarn_err err) { return tarn_netdev_set_vlan(st, dev, err); }
static int write_bond(tarn_store *st, void *dev, tarn_err err) { return tarn_netdev_set_bond(st, dev, err); }

static int save_bridge(struct tui *t, struct tui_form *f, tarn_err err)
{
	struct dev_form *c = f->ctx;
	struct tarn_bridge b = {.name = ""};
	TUI_COPY(b.name, f->f[0].value);
	TUI_COPY(b.ports, f->f[1].value);
	TUI_COPY(c->name, b.name);
	return write_dev(t, c, b.ports, write_bridge, &b, err);
}

static int save_vlan(struct tui *t, struct tui_form *f, tarn_err err)
{
	struct dev_form *c = f->ctx;
	struct tarn_vlan v = {.vid = strtol(f->f[1].value, NULL, 10)};
	TUI_COPY(v.parent, f->f[0].value);
	TUI_COPY(v.name, f->f[2].value);
	/* named now, so the trial sees the name it will have (lib refuses one too long) */
	if (!v.name[0] && snprintf(v.name, sizeof v.name, "%s.%ld", v.parent, v.vid) >= (int)sizeof v.name)
		v.name[0] = '\0';
	TUI_COPY(c->name, v.name);
	return write_dev(t, c, v.parent, write_vlan, &v, err);
}

static int save_bond(struct tui *t, struct tui_form *f, tarn_err err)
{
	struct dev_form *c = f->ctx;
	struct tarn_bond b = {.name = ""};
	TUI_COPY(b.name, f->f[0].value);
	TUI_COPY(b.mode, f->f[1].value);
	TUI_COPY(b.slaves, f->f[2].value);
	TUI_COPY(c->name, b.name);
	return write_dev(t, c, b.slaves, write_bond, &b, err);
}

/* Runs a device's form; old is the stored device being changed, or NULL. */
static void dev_form_run(struct tui *t, const char *kind, const struct dev *old)
{
	struct dev_form c = {.kind = kind};
	char title[64], intro[240];
	struct tui_field fl[3];
	struct tui_form f = {.title = title, .intro = intro, .f = fl, .ctx = &c, .needs_auth = 1};
	memset(fl, 0, sizeof fl);
	nic_intro(intro, sizeof intro);
	if (old)
		TUI_COPY(c.old_members, old->members);
	if (strcmp(kind, "bridge") == 0) {
		fl[0] = (struct tui_field){.label = "Bridge name", .check = check_ifname,
					   .hint = "like xenbr1: guests' network interfaces join it"};
		fl[1] = (struct tui_field){.label = "Ports", .check = check_list,
					   .hint = "the network card (or bond, VLAN) it is over, like eth1"};
		f.n = 2, f.save = save_bridge;
		if (old)
			TUI_COPY(fl[1].value, old->members);
	} else if (strcmp(kind, "vlan") == 0) {
		fl[0] = (struct tui_field){.label = "Parent interface", .check = check_ifname,
					   .hint = "the network card, bond or bridge it is tagged on"};
		fl[1] = (struct tui_field){.label = "VLAN id", .check = check_vid, .hint = "1-4094"};
		fl[2] = (struct tui_field){.label = "Name", .check = check_optional_ifname,
					   .hint = "optional: PARENT.ID when empty"};
		f.n = 3, f.save = save_vlan;
		if (old) {
			TUI_COPY(fl[0].value, old->members);
			snprintf(fl[1].value, sizeof fl[1].value, "%ld", old->vid);
		}
	} else {
		fl[0] = (struct tui_field){.label = "Bond name", .check = check_ifname, .hint = "like bond0"};
		fl[1] = (struct tui_field){.label = "Mode", .kind = TUI_CHOICE, .choices = tarn_bond_modes,
					   .hint = "Left/Right: the bonding driver's mode"};
		fl[2] = (struct tui_field){.label = "Network cards", .check = check_list,
					   .hint = "its slaves, separated by spaces, like eth1 eth2"};
		f.n = 3, f.save = save_bond;
		TUI_COPY(fl[1].value, old ? old->mode : tarn_bond_modes[0]);
		if (old)
			TUI_COPY(fl[2].value, old->members);
	}
	int name_field = strcmp(kind, "vlan") == 0 ? 2 : 0;
	if (old) {
		fl[name_field].kind = TUI_FIXED;
		fl[name_field].check = NULL;
		TUI_COPY(fl[name_field].value, old->name);
		snprintf(title, sizeof title, "Change %s %s", kind_word(kind, 0), old->name);
	} else {
		snprintf(title, sizeof title, "Add a %s", kind_word(kind, 0));
		for (int i = 0; !strcmp(kind, "bridge") && i < 100; i++) { /* the first free xenbrN */
			snprintf(fl[0].value, sizeof fl[0].value, "xenbr%d", i);
			if (!tarn_netdev_kind(t->st, fl[0].value) && !tarn_link_exists(fl[0].value))
				break;
		}
	}
	if (!tui_form_run(t, &f) || (c.trial && tui_keep_or_put_back(t)))
		return;
	char msg[120];
	snprintf(msg, sizeof msg, "%s %s is saved; the agent makes it. Its addresses are set under "
		 "Network interfaces.", kind_word(kind, 1), c.name);
	tui_message(t, "Saved", msg, 0);
}

static void remove_dev(struct tui *t, const struct dev *d)
{
	char q[200], msg[TARN_ERRLEN + 80];
	tarn_err err = "";
	if (!tui_authorize(t))
		return;
	snprintf(q, sizeof q, "Remove %s %s? Its addressing goes with it, and the agent takes the device away.",
		 kind_word(d->kind, 0), d->name);
	if (!tui_confirm(t, "Remove a device", q))
		return;
	int trial = 0, rc = tarn_store_begin(t->st, err);
	if (rc == 0) {
		trial = tui_net_guard(t, d->name, err);
		rc = tui_txn_end(t->st, trial < 0 || tarn_netdev_delete(t->st, d->kind, d->name, err), err);
	}
	if (rc) {
		snprintf(msg, sizeof msg, "Nothing was removed: %s", err);
		tui_message(t, "Not removed", msg, 1);
	} else if (trial != 1 || !tui_keep_or_put_back(t)) {
		snprintf(msg, sizeof msg, "%s %s is removed.", kind_word(d->kind, 1), d->name);
		tui_message(t, "Removed", msg, 0);
	}
}

void screen_netdev(struct tui *t)
{
	static struct devs l; /* large: not on the stack */
	int sel = 0;
	if (!tui_store(t))
		return;
	curs_set(0);
	for (;;) {
		list_devs(t, &l);
		if (sel >= l.n)
			sel = l.n - 1;
		if (sel < 0)
			sel = 0;
		tui_frame(t, "Bridges, VLANs and bonds",
			  "Up/Down  Enter: change  b/v/o: add bridge/VLAN/bond  d: remove  Esc: back");
		tui_print(2, 2, COLS - 4, A_BOLD, "%-15s %-6s %-26s %s", "Device", "Kind", "Members", "State");
		int rows = LINES - 8, top = sel >= rows ? sel - rows + 1 : 0;
		for (int i = top; i < l.n && i - top < rows; i++) {
			char members[TARN_NETDEV_LIST + 32], state[TARN_ERRLEN + 40];
			dev_members(&l.d[i], members, sizeof members);
			dev_state(t, &l.d[i], state, sizeof state);
			tui_print(3 + i - top, 2, COLS - 4, i == sel ? t->a_sel : A_NORMAL, "%-15s %-6s %-26.26s %s",
				  l.d[i].name, l.d[i].kind, members, state);
		}
		if (!l.n) {
			tui_print(4, 2, COLS - 4, t->a_dim, "None yet: b, v or o adds a bridge, a VLAN or a bond.");
		} else { /* the selected one's state whole: a failure's message is long */
			char state[TARN_ERRLEN + 40], line[TARN_ERRLEN + 64];
			dev_state(t, &l.d[sel], state, sizeof state);
			snprintf(line, sizeof line, "%s: %s", l.d[sel].name, state);
			tui_wrap(LINES - 5, 2, COLS - 4, 2, A_NORMAL, line);
		}
		char nics[240];
		nic_intro(nics, sizeof nics);
		tui_print(LINES - 3, 2, COLS - 4, t->a_dim, "%s", nics);
		refresh();
		int k = tui_key(t, 2000); /* the agent's word comes in by itself */
		if (k == KEY_UP && sel > 0)
			sel--;
		else if (k == KEY_DOWN && sel < l.n - 1)
			sel++;
		else if ((tui_is_enter(k) || k == KEY_RIGHT) && l.n)
			dev_form_run(t, l.d[sel].kind, &l.d[sel]);
		else if (k == 'b' || k == 'B')
			dev_form_run(t, "bridge", NULL);
		else if (k == 'v' || k == 'V')
			dev_form_run(t, "vlan", NULL);
		else if (k == 'o' || k == 'O')
			dev_form_run(t, "bond", NULL);
		else if ((k == 'd' || k == 'D' || k == KEY_DC) && l.n)
			remove_dev(t, &l.d[sel]);
		else if (tui_is_back(k))
			return;
	}
}
