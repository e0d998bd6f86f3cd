/* Network interfaces: how each gets its addresses (DHCP, static, none),
 * its IPv6 address and MTU, and which one is for management. The list is
 * what the store knows and what the kernel has. */
#include <dirent.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nettrial.h"
#include "netsys.h"
#include "tui.h"

#define MAX_IFACES 64

struct list {
	char name[MAX_IFACES][16];
	int n;
};

static void add_name(struct list *l, const char *name)
{
	tarn_err ignore;
	if (l->n >= MAX_IFACES || tarn_check_ifname(name, ignore) || strcmp(name, "lo") == 0)
		return;
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->name[i], name) == 0)
			return;
	snprintf(l->name[l->n++], sizeof l->name[0], "%s", name);
}

static int add_stored(void *ctx, const struct tarn_iface *f)
{
	add_name(ctx, f->name);
	return 0;
}

static int by_name(const void *a, const void *b) { return strcmp(a, b); }

static void mgmt_name(struct tui *t, char *buf, size_t n)
{
	snprintf(buf, n, "xenbr0"); /* what the host bridges and configures at boot */
	tarn_store_get(t->st, "mgmt_interface", buf, n);
}

static void list_ifaces(struct tui *t, struct list *l)
{
	char mgmt[16];
	l->n = 0;
	mgmt_name(t, mgmt, sizeof mgmt);
	add_name(l, mgmt);
	tarn_store_each_iface(t->st, add_stored, l);
	DIR *d = opendir("/sys/class/net");
	for (struct dirent *e; d && (e = readdir(d));)
		if (tarn_link_exists(e->d_name)) /* not bonding_masters */
			add_name(l, e->d_name);
	if (d)
		closedir(d);
	qsort(l->name + 1, (size_t)(l->n - 1), sizeof l->name[0], by_name);
}

/* ---- the interface form ---- */

enum { F_NAME, F_MODE, F_IPV4, F_GW, F_IPV6, F_MTU, F_MGMT, F_COUNT };

/* What an interface's form works with: the management interface when it
 * opened, and whether its change went on trial. */
struct edit_ctx {
	char mgmt[16];
	int trial;
};

static int is_static(const struct tui_form *f) { return strcmp(f->f[F_MODE].value, "static") == 0; }

static const char *check_ipv4(const struct tui_form *f, const char *v, tarn_err err)
{
	if (!is_static(f))
		return NULL; /* not used, and cleared when saved */
	if (!*v)
		return snprintf(err, TARN_ERRLEN, "static addressing needs an address/prefix, like 192.0.2.10/24"), err;
	if (strchr(v, ':'))
		return snprintf(err, TARN_ERRLEN, "an IPv6 address goes in the IPv6 field"), err;
	if (!strchr(v, '/')) {
		if (tarn_check_ipv4(v, err))
			return err;
		return snprintf(err, TARN_ERRLEN, "%.40s needs a prefix length, like %.40s/24", v, v), err;
	}
	return tarn_check_cidr(v, err);
}

static const char *check_gw(const struct tui_form *f, const char *v, tarn_err err)
{
	tarn_err ignore;
	if (!is_static(f) || !*v)
		return NULL;
	if (check_ipv4(f, f->f[F_IPV4].value, ignore))
		return tarn_check_ipv4(v, err); /* the address's own message says the rest */
	return tarn_check_gateway(v, f->f[F_IPV4].value, err);
}

static const char *check_ipv6(const struct tui_form *f, const char *v, tarn_err err)
{
	char addr[64];
	(void)f;
	if (!*v)
		return NULL;
	snprintf(addr, sizeof addr, "%.*s", (int)strcspn(v, "/"), v);
	if (tarn_check_ipv6(addr, err))
		return err;
	if (!strchr(v, '/'))
		return snprintf(err, TARN_ERRLEN, "%.40s needs a prefix length, like %.40s/64", v, v), err;
	return tarn_check_cidr(v, err);
}

static const char *check_mtu(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	if (!*v)
		return NULL;
	if (strspn(v, "0123456789") != strlen(v) || strlen(v) > 9)
		return snprintf(err, TARN_ERRLEN, "MTU %.20s is not a number", v), err;
	long mtu = strtol(v, NULL, 10);
	return mtu ? tarn_check_mtu(mtu, err) : NULL;
}

static const char *check_mgmt(const struct tui_form *f, const char *v, tarn_err err)
{
	const char *current = ((const struct edit_ctx *)f->ctx)->mgmt;
	if (strcmp(v, "no") == 0 && strcmp(current, f->f[F_NAME].value) == 0)
		return snprintf(err, TARN_ERRLEN, "to change it, make another interface the management one"), err;
	return NULL;
}

/* A change that could cut the management path goes on trial, as the
 * API's do (lib/nettrial.h): kept only if confirmed in time. */
int tui_net_guard(struct tui *t, const char *names, tarn_err err)
{
	int trial = tarn_net_trial_guard(t->st, names, 0, err);
	if (trial == 1 && t->confirm_seconds)
		trial = tarn_net_trial_guard(t->st, names, t->confirm_seconds, err);
	return trial;
}

static int save(struct tui *t, struct tui_form *f, tarn_err err)
{
	struct edit_ctx *c = f->ctx;
	struct tarn_iface ifc = {0};
	char names[40];
	int make_mgmt = strcmp(f->f[F_MGMT].value, "yes") == 0;
	TUI_COPY(ifc.name, f->f[F_NAME].value);
	TUI_COPY(ifc.mode, f->f[F_MODE].value);
	if (is_static(f)) {
		TUI_COPY(ifc.ipv4, f->f[F_IPV4].value);
		TUI_COPY(ifc.gateway4, f->f[F_GW].value);
	}
	TUI_COPY(ifc.ipv6, f->f[F_IPV6].value);
	ifc.mtu = strtol(f->f[F_MTU].value, NULL, 10);
	snprintf(names, sizeof names, "%s %s", ifc.name, make_mgmt ? c->mgmt : "");
	if (tarn_store_begin(t->st, err))
		return -1;
	int trial = tui_net_guard(t, names, err);
	int rc = trial < 0 || tarn_store_set_iface(t->st, &ifc, err) ||
		 (make_mgmt && tarn_store_set(t->st, "mgmt_interface", ifc.name, err));
	c->trial = trial == 1;
	return tui_txn_end(t->st, rc, err);
}

/* A network change on trial (made here or through the API) is kept, or
 * put back at its deadline: the console may be the only way left to reach
 * a host whose management path went wrong. */
int tui_keep_or_put_back(struct tui *t)
{
	int64_t deadline;
	long seconds;
	tarn_err err = "";
	char msg[TARN_ERRLEN + 80];
	if (!tarn_net_trial_pending(t->st, &deadline, &seconds))
		return 0;
	long left = (long)(deadline - time(NULL));
	const char *title, *text;
	int r, bad;
	if (tui_countdown(t, "Keep the network change?",
			  "The change touches the management interface. If the host can still be "
			  "reached as it should, keep it; otherwise it is put back.", left > 1 ? (int)left : 1)) {
		bad = tarn_net_confirm(t->st, err) != 0;
		title = bad ? "Not kept" : "Kept";
		text = bad ? "The change could not be kept" : "The network change is kept.";
	} else {
		/* put back now: as the engine does at the deadline, which this is */
		r = tarn_net_trial_expire(t->st, (time_t)deadline, err);
		bad = r < 0;
		title = r < 0 ? "Not put back" : r ? "Put back" : "Nothing to put back";
		text = r < 0 ? "The previous settings could not be put back"
		     : r ? "The previous network settings were put back."
			 : "The change had already been kept or put back.";
	}
	snprintf(msg, sizeof msg, bad ? "%s: %s" : "%s", text, err);
	tui_message(t, title, msg, bad);
	return 1;
}

static void edit_iface(struct tui *t, const char *name)
{
	struct edit_ctx c = {.trial = 0};
	static const char *const modes[] = {"dhcp", "static", "none", NULL};
	static const char *const yesno[] = {"no", "yes", NULL};
	struct tarn_iface cur = {.mode = "dhcp"};
	char mgmt[16], title[64], now[160], intro[200];
	mgmt_name(t, mgmt, sizeof mgmt);
	tarn_store_get_iface(t->st, name, &cur);
	TUI_COPY(c.mgmt, mgmt);
	struct tui_field fl[F_COUNT] = {
		[F_NAME] = {.label = "Interface", .kind = TUI_FIXED},
		[F_MODE] = {.label = "Addressing", .kind = TUI_CHOICE, .choices = modes,
			    .hint = "Left/Right, or d, s or n: dhcp, static or none"},
		[F_IPV4] = {.label = "IPv4 address/prefix", .check = check_ipv4,
			    .hint = "static only, like 192.0.2.10/24"},
		[F_GW] = {.label = "IPv4 gateway", .check = check_gw,
			  .hint = "static only, optional; inside the network above"},
		[F_IPV6] = {.label = "IPv6 address/prefix", .check = check_ipv6,
			    .hint = "optional, like 2001:db8::10/64"},
		[F_MTU] = {.label = "MTU", .check = check_mtu, .hint = "576-9216; empty leaves it as it is"},
		[F_MGMT] = {.label = "Management interface", .kind = TUI_CHOICE, .choices = yesno,
			    .check = check_mgmt, .hint = "the interface the agent's API is reached on"},
	};
	snprintf(fl[F_NAME].value, sizeof fl[0].value, "%s", name);
	snprintf(fl[F_MODE].value, sizeof fl[0].value, "%s", cur.mode);
	snprintf(fl[F_IPV4].value, sizeof fl[0].value, "%s", cur.ipv4);
	snprintf(fl[F_GW].value, sizeof fl[0].value, "%s", cur.gateway4);
	snprintf(fl[F_IPV6].value, sizeof fl[0].value, "%s", cur.ipv6);
	if (cur.mtu)
		snprintf(fl[F_MTU].value, sizeof fl[0].value, "%ld", cur.mtu);
	snprintf(fl[F_MGMT].value, sizeof fl[0].value, "%s", strcmp(mgmt, name) ? "no" : "yes");
	snprintf(title, sizeof title, "Interface %s", name);
	if (tui_iface_ipv4(name, now, sizeof now))
		snprintf(intro, sizeof intro, "Now: %s", now);
	else
		snprintf(intro, sizeof intro, "Now: no IPv4 address%s",
			 if_nametoindex(name) ? "" : " (there is no such interface yet)");
	struct tui_form f = {.title = title, .intro = intro, .f = fl, .n = F_COUNT, .focus = F_MODE,
			     .save = save, .ctx = &c, .needs_auth = 1};
	if (!tui_form_run(t, &f))
		return;
	if (!c.trial || !tui_keep_or_put_back(t))
		tui_message(t, "Saved", "The interface settings are saved; the agent applies them.", 0);
}

/* ---- another interface, by name ---- */

static const char *check_name(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	return tarn_check_ifname(v, err);
}

static int take_name(struct tui *t, struct tui_form *f, tarn_err err)
{
	(void)t, (void)err;
	snprintf(f->ctx, 16, "%.15s", f->f[0].value);
	return 0;
}

static void other_iface(struct tui *t)
{
	char name[16];
	struct tui_field fl[] = {{.label = "Interface name", .check = check_name,
				  .hint = "a NIC, bond, VLAN or bridge, like eth1 or xenbr1"}};
	struct tui_form f = {.title = "Another interface", .f = fl, .n = 1, .save = take_name, .ctx = name,
			     .intro = "An interface that is not listed (one that does not exist yet)."};
	if (tui_form_run(t, &f))
		edit_iface(t, name);
}

void screen_network(struct tui *t)
{
	struct list l;
	int sel = 0;
	if (!tui_store(t))
		return;
	curs_set(0);
	for (;;) {
		char mgmt[16];
		list_ifaces(t, &l);
		mgmt_name(t, mgmt, sizeof mgmt);
		if (sel >= l.n)
			sel = l.n - 1;
		tui_frame(t, "Network interfaces",
			  "Up/Down: select  Enter: edit  a: another interface  Esc: back");
		tui_print(2, 2, COLS - 4, A_BOLD, "%-15s %-7s %-19s %-15s %5s", "Interface", "Mode",
			  "IPv4", "Gateway", "MTU");
		int rows = LINES - 6, top = sel >= rows ? sel - rows + 1 : 0;
		for (int i = top; i < l.n && i - top < rows; i++) {
			struct tarn_iface f = {.mode = "-"};
			char mtu[12] = "";
			tarn_store_get_iface(t->st, l.name[i], &f);
			if (f.mtu)
				snprintf(mtu, sizeof mtu, "%ld", f.mtu);
			tui_print(3 + i - top, 2, COLS - 4, i == sel ? t->a_sel : A_NORMAL,
				  "%-15s %-7s %-19s %-15s %5s %s", l.name[i], f.mode, f.ipv4, f.gateway4, mtu,
				  strcmp(l.name[i], mgmt) ? "" : "management");
		}
		int64_t deadline;
		long seconds;
		int trial = tarn_net_trial_pending(t->st, &deadline, &seconds);
		if (trial)
			tui_print(LINES - 2, 2, COLS - 4, t->a_err, "A network change is on trial: put back in %lld s "
				  "(k: keep it or not)", (long long)(deadline - time(NULL)));
		else
			tui_print(LINES - 2, 2, COLS - 4, t->a_dim, "Mode '-': not configured here (left as it is)");
		refresh();
		int k = tui_key(t, trial ? 1000 : -1);
		if (k == KEY_UP && sel > 0)
			sel--;
		else if (k == KEY_DOWN && sel < l.n - 1)
			sel++;
		else if (tui_is_enter(k) || k == KEY_RIGHT)
			edit_iface(t, l.name[sel]);
		else if (k == 'a' || k == 'A')
			other_iface(t);
		else if ((k == 'k' || k == 'K') && trial && tui_authorize(t))
			tui_keep_or_put_back(t); /* a change on trial from here or from the API */
		else if (tui_is_back(k))
			return;
	}
}
