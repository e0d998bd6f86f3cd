/* Server pool: the pool this host is in (pool.info), its members with
 * their pool addresses, Raft roles, health and maintenance (refreshed every
 * 2 s), and this host's pool address and roles; creating a pool, joining
 * another host's, leaving one, ejecting a member that is gone, making a
 * member master or putting it in maintenance, and setting this host's pool
 * address. Pools are the agent's (its replicated store): every
 * action is a call on its local socket, and its refusals are shown in its
 * own words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "fingerprint.h"

#define TITLE "Server pool"
#define MAX_MEMBERS 32
#define JOIN_TIMEOUT 90 /* seconds: the master admits the node, which restarts and catches up */

static const char *const role_names[] = {"master", "utility", "vm-server"};
static const char *const role_titles[] = {"pool master", "utility server", "VM server"};

struct member {
	char id[40], address[128], roles[64], raft[16], evacuation[200];
	long long seen;
	int up, master, maintenance;
};

struct pool_view {
	int in_pool;
	char name[80], uuid[40], leader[128], created[40], vip[48], why[TARN_ERRLEN];
	char address[128]; /* this host's pool address now ("" when the agent did not say) */
	char stored[128];  /* the one stored for the agent's next start ("" when none) */
	struct member m[MAX_MEMBERS];
	int n, self; /* which member is this host; -1 when not known */
};

/* Joins an array of strings with ", ". */
static void join_roles(xmlrpc_value *a, char *buf, size_t n)
{
	xmlrpc_env env;
	buf[0] = '\0';
	xmlrpc_env_init(&env);
	for (int i = 0; i < tui_items(a) && !env.fault_occurred; i++) {
		const char *s;
		xmlrpc_read_string(&env, tui_item(a, i), &s);
		if (!env.fault_occurred) {
			size_t used = strlen(buf);
			snprintf(buf + used, n - used, "%s%s", used ? ", " : "", s);
			free((void *)s);
		}
	}
	xmlrpc_env_clean(&env);
}

static void read_members(struct pool_view *p, xmlrpc_value *info)
{
	xmlrpc_env env;
	xmlrpc_value *list = NULL;
	xmlrpc_env_init(&env);
	xmlrpc_struct_find_value(&env, info, "members", &list);
	p->n = 0;
	p->self = -1;
	for (int i = 0; list && i < tui_items(list) && p->n < MAX_MEMBERS; i++) {
		xmlrpc_value *it = tui_item(list, i), *roles = NULL;
		struct member *m = &p->m[p->n++];
		tui_member(it, "id", m->id, sizeof m->id);
		tui_member(it, "address", m->address, sizeof m->address);
		tui_member(it, "raft", m->raft, sizeof m->raft);
		m->seen = tui_member_int(it, "seen");
		m->up = tui_member_int(it, "up") == 1;
		m->master = tui_member_int(it, "master") == 1;
		m->maintenance = tui_member_int(it, "maintenance") == 1;
		tui_member(it, "evacuation", m->evacuation, sizeof m->evacuation);
		xmlrpc_struct_find_value(&env, it, "roles", &roles);
		join_roles(roles, m->roles, sizeof m->roles);
		if (roles)
			xmlrpc_DECREF(roles);
		if (*p->address && strcmp(m->address, p->address) == 0)
			p->self = p->n - 1;
	}
	if (p->self < 0 && p->n == 1)
		p->self = 0; /* a pool of one is this host */
	if (list)
		xmlrpc_DECREF(list);
	xmlrpc_env_clean(&env);
}

static enum tarn_call_result load(struct tui *t, struct pool_view *p)
{
	xmlrpc_value *v = NULL;
	memset(p, 0, sizeof *p);
	tarn_store *st = t->st ? t->st : tui_store_try(t); /* read only: no message when it cannot be */
	if (st && tarn_store_get(st, "pool_address", p->stored, sizeof p->stored))
		p->stored[0] = '\0';
	enum tarn_call_result rc = tui_callf(t, 2, &v, NULL, p->why, "pool.info", NULL);
	if (rc != TARN_CALL_OK)
		return rc;
	p->in_pool = 1;
	tui_member(v, "name", p->name, sizeof p->name);
	tui_member(v, "uuid", p->uuid, sizeof p->uuid);
	tui_member(v, "leader", p->leader, sizeof p->leader);
	tui_member(v, "vip", p->vip, sizeof p->vip);
	tui_member(v, "address", p->address, sizeof p->address);
	time_t when = (time_t)tui_member_int(v, "created");
	strftime(p->created, sizeof p->created, "%Y-%m-%d %H:%M UTC", gmtime(&when));
	read_members(p, v);
	xmlrpc_DECREF(v);
	return rc;
}

static int has_role(const char *roles, const char *role)
{
	size_t n = strlen(role);
	for (const char *p = strstr(roles, role); p; p = strstr(p + 1, role))
		if ((p == roles || p[-1] == ' ') && (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

/* "up, 2 s ago", "down, 5 min ago": a member's health by its last heartbeat. */
static const char *health(const struct member *m, char *buf, size_t n)
{
	long long age = (long long)time(NULL) - m->seen;
	const char *state = m->up ? "up" : "down";
	if (m->seen <= 0)
		snprintf(buf, n, "%s, never seen", state);
	else if (age < 120)
		snprintf(buf, n, "%s, %lld s ago", state, age < 0 ? 0 : age);
	else if (age < 7200)
		snprintf(buf, n, "%s, %lld min ago", state, age / 60);
	else if (age < 172800)
		snprintf(buf, n, "%s, %lld h ago", state, age / 3600);
	else
		snprintf(buf, n, "%s, %lld d ago", state, age / 86400);
	return buf;
}

/* This host's pool address, and the one it takes at the agent's next start.
 * Out of a pool the agent does not say which it uses: the stored one is shown. */
static void draw_address(struct tui *t, int y, const struct pool_view *p)
{
	const char *now = *p->address ? p->address : *p->stored ? p->stored : "127.0.0.1:8900";
	char note[200];
	snprintf(note, sizeof note, "%s", *p->address ? "" : *p->stored ? "(stored; used from the agent's start)"
							       : "(the default)");
	if (*p->address && *p->stored && strcmp(p->stored, p->address) != 0)
		snprintf(note, sizeof note, "(%.60s once the agent restarts)", p->stored);
	tui_print(y, 2, 12, t->a_dim, "Pool address");
	tui_print(y, 16, COLS - 18, A_NORMAL, "%s", now);
	tui_print(y, 17 + (int)strlen(now), COLS - 19 - (int)strlen(now), t->a_dim, "%s", note);
}

static void draw_members(struct tui *t, int y, const struct pool_view *p)
{
	tui_print(y, 2, COLS - 4, A_BOLD, "%-21s %-8s %-17s %s", "Member", "Raft", "Health", "");
	for (int i = 0; i < p->n && y < LINES - 6; i++) {
		const struct member *m = &p->m[i];
		char h[40], note[260];
		snprintf(note, sizeof note, "%s%s%s%s%s%s", m->master ? "master" : "",
			 m->master && i == p->self ? ", " : "", i == p->self ? "this host" : "",
			 m->maintenance && (m->master || i == p->self) ? ", " : "", m->maintenance ? "maintenance" : "",
			 m->maintenance && *m->evacuation ? ": " : "");
		if (m->maintenance)
			snprintf(note + strlen(note), sizeof note - strlen(note), "%s", m->evacuation);
		tui_print(++y, 2, COLS - 4, m->up ? A_NORMAL : t->a_err, "%-21.21s %-8.8s %-17.17s %s", m->address,
			  m->raft, health(m, h, sizeof h), note);
	}
}

static void draw(struct tui *t, const struct pool_view *p)
{
	tui_frame(t, TITLE, p->in_pool ? "j: join  l: leave  e: eject  m: member  a: addr  r: roles  v: VIP  Esc: back"
				       : "c: create  j: join  a: pool address  Esc: back  Ctrl-L: redraw");
	if (!p->in_pool) {
		tui_print(2, 2, COLS - 4, A_BOLD, "This host is in no pool.");
		tui_wrap(3, 2, COLS - 4, 3, t->a_dim, p->why);
		draw_address(t, 6, p);
		tui_wrap(8, 2, COLS - 4, 5, A_NORMAL, "c creates a pool with this host as its master (a pool of one "
			 "until others join); j joins the pool of another host, named by its agent's address, with the "
			 "pool password. Other hosts reach this one at its pool address: a give it one on the "
			 "management network before they join.");
		refresh();
		return;
	}
	const struct {
		const char *label, *value;
	} rows[] = {{"Pool", p->name}, {"UUID", p->uuid}, {"Created", p->created}, {"Master", p->leader}};
	int y = 2;
	for (int i = 0; i < 4; i++, y++) {
		tui_print(y, 2, 12, t->a_dim, "%s", rows[i].label);
		tui_print(y, 16, COLS - 18, i == 0 ? A_BOLD : A_NORMAL, "%s%s%s%s", rows[i].value,
			  i == 3 && p->self >= 0 && p->m[p->self].master ? " (this host)" : "",
			  i == 3 && *p->vip ? ", at virtual IP " : "", i == 3 ? p->vip : "");
	}
	draw_address(t, y++, p);
	draw_members(t, ++y, p);
	y = LINES - 4;
	tui_print(y, 2, COLS - 4, A_BOLD, "This host's roles:");
	if (p->self < 0) {
		tui_print(y, 21, COLS - 23, t->a_dim, "not known (its pool address is not among the members)");
	} else {
		for (int i = 0, x = 21; i < 3; x += (int)strlen(role_titles[i]) + 6, i++)
			tui_print(y, x, COLS - x, A_NORMAL, "[%c] %s", has_role(p->m[p->self].roles, role_names[i]) ? 'x' : ' ',
				  role_titles[i]);
	}
	tui_print(y + 1, 4, COLS - 6, t->a_dim, "r chooses them; the pool master is whichever member leads.");
	refresh();
}

/* The agent's answer to a pool action: 0, or -1 with err in its words. */
static int pool_call(struct tui *t, unsigned timeout_s, tarn_err err, const char *method, const char *format,
		     const char *a, const char *b)
{
	return tui_callf(t, timeout_s, NULL, NULL, err, method, format, a, b) == TARN_CALL_OK ? 0 : -1;
}

enum { R_UTILITY, R_VM, R_COUNT };

static int save_roles(struct tui *t, struct tui_form *f, tarn_err err)
{
	char roles[64];
	int u = strcmp(f->f[R_UTILITY].value, "yes") == 0, v = strcmp(f->f[R_VM].value, "yes") == 0;
	snprintf(roles, sizeof roles, "%s%s%s", u ? "utility" : "", u && v ? "," : "", v ? "vm-server" : "");
	return pool_call(t, TUI_AGENT_TIMEOUT, err, "pool.setRoles", "(s)", roles, NULL);
}

/* This host's roles: utility (I/O work) and VM server (runs guests). */
static void choose_roles(struct tui *t, const struct pool_view *p)
{
	static const char *const yesno[] = {"yes", "no", NULL};
	const char *now = p->self >= 0 ? p->m[p->self].roles : "";
	struct tui_field fl[R_COUNT] = {
		[R_UTILITY] = {.label = "Utility server", .kind = TUI_CHOICE, .choices = yesno,
			       .hint = "copies templates, clones, creates disks"},
		[R_VM] = {.label = "VM server", .kind = TUI_CHOICE, .choices = yesno, .hint = "runs guests"},
	};
	snprintf(fl[R_UTILITY].value, sizeof fl[R_UTILITY].value, "%s", has_role(now, "utility") ? "yes" : "no");
	snprintf(fl[R_VM].value, sizeof fl[R_VM].value, "%s", has_role(now, "vm-server") ? "yes" : "no");
	struct tui_form f = {.title = "This host's roles", .f = fl, .n = R_COUNT, .save = save_roles, .needs_auth = 1,
			     .intro = "Guests are placed only on VM servers; the master is whoever leads the pool."};
	if (tui_form_run(t, &f))
		tui_message(t, "Roles saved", "This host's roles are changed.", 0);
}

static const char *check_pass(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	return *v ? NULL : (snprintf(err, TARN_ERRLEN, "the pool's password is required"), err);
}

static void forget(struct tui_field *fl, int n)
{
	for (int i = 0; i < n; i++)
		if (fl[i].kind == TUI_SECRET)
			explicit_bzero(fl[i].value, sizeof fl[i].value);
}

/* ---- create ---- */

enum { C_NAME, C_PASS, C_AGAIN, C_COUNT };

TUI_FIELD_CHECK(check_name, tarn_check_name)

static int save_create(struct tui *t, struct tui_form *f, tarn_err err)
{
	return pool_call(t, TUI_AGENT_TIMEOUT, err, "pool.create", "(ss)", f->f[C_NAME].value, f->f[C_PASS].value);
}

static void create_pool(struct tui *t)
{
	struct tui_field fl[C_COUNT] = {
		[C_NAME] = {.label = "Pool name", .check = check_name, .hint = "like pool-1: letters, digits, '.', '_', '-'"},
		[C_PASS] = {.label = "Pool password", .kind = TUI_SECRET, .check = check_pass,
			    .hint = "other hosts give it to join; not shown"},
		[C_AGAIN] = {.label = "Again", .kind = TUI_SECRET, .check = tui_check_again, .hint = "the same once more"},
	};
	struct tui_form f = {.title = "Create a pool", .f = fl, .n = C_COUNT, .save = save_create, .needs_auth = 1,
			     .intro = "This host becomes the master of a new pool, in every role."};
	int done = tui_form_run(t, &f);
	forget(fl, C_COUNT);
	if (done) {
		char msg[200];
		snprintf(msg, sizeof msg, "Pool %.64s is created; this host is its master.", fl[C_NAME].value);
		tui_message(t, "Created", msg, 0);
	}
}

/* ---- this host's pool address ---- */

/* IPv4:port, as the pool node binds (dqlite 1.11 binds no IPv6). */
static const char *check_pool_address(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	const char *colon = strrchr(v, ':');
	char host[64], *end = NULL;
	if (!colon || colon == v || colon - v >= (long)sizeof host)
		return snprintf(err, TARN_ERRLEN, "an IPv4 address and a port, like 10.0.0.11:8900"), err;
	snprintf(host, sizeof host, "%.*s", (int)(colon - v), v);
	if (tarn_check_ipv4(host, err))
		return err;
	long port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 1 || port > 65535)
		return snprintf(err, TARN_ERRLEN, "the port is a number 1-65535"), err;
	return NULL;
}

static int save_address(struct tui *t, struct tui_form *f, tarn_err err)
{
	return pool_call(t, TUI_AGENT_TIMEOUT, err, "pool.setAddress", "(s)", f->f[0].value, NULL);
}

static void set_address(struct tui *t, const struct pool_view *p)
{
	struct tui_field fl[] = {{.label = "Pool address", .check = check_pool_address,
				  .hint = "IPv4:port on the management network, like 10.0.0.11:8900"}};
	TUI_COPY(fl[0].value, *p->stored ? p->stored : p->address);
	struct tui_form f = {.title = "This host's pool address", .f = fl, .n = 1, .save = save_address,
			     .needs_auth = 1,
			     .intro = "Where the other members reach this host's pool node. It is used from the "
				      "agent's next start; it cannot change while this host is in a pool of several."};
	if (!tui_form_run(t, &f))
		return;
	char msg[300];
	snprintf(msg, sizeof msg, "This host's pool address is %.64s from the agent's next start. It takes effect "
		 "when the agent restarts: the next question offers the restart now.", fl[0].value);
	tui_message(t, "Pool address saved", msg, 0);
	tui_restart_agent(t);
}

/* The pool's virtual IP: IPv4 address/prefix, or nothing for none. */
static const char *check_vip(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	if (!*v)
		return NULL;
	if (strchr(v, ':') || !strchr(v, '/'))
		return snprintf(err, TARN_ERRLEN, "an IPv4 address with its prefix, like 10.0.0.50/24"), err;
	return tarn_check_cidr(v, err);
}

static int save_vip(struct tui *t, struct tui_form *f, tarn_err err)
{
	return pool_call(t, TUI_AGENT_TIMEOUT, err, "pool.setVirtualIp", "(s)", f->f[0].value, NULL);
}

static void set_vip(struct tui *t, const struct pool_view *p)
{
	struct tui_field fl[] = {{.label = "Virtual IP", .check = check_vip,
				  .hint = "like 10.0.0.50/24; empty for none"}};
	TUI_COPY(fl[0].value, p->vip);
	struct tui_form f = {.title = "The pool's virtual IP", .f = fl, .n = 1, .save = save_vip, .needs_auth = 1,
			     .intro = "One address for managers, whichever member is master: the master holds it on "
				      "its management interface and gives it up when it stops leading."};
	if (tui_form_run(t, &f))
		tui_message(t, "Virtual IP saved", *fl[0].value ? "The master takes it within a few seconds."
								 : "The pool has no virtual IP now.", 0);
}

/* ---- join ---- */

enum { J_MASTER, J_PASS, J_COUNT };

TUI_FIELD_CHECK(check_master, tarn_check_host_port)

/* The agent refuses a join until the master's certificate is confirmed:
 * its refusal names the certificate's fingerprint, shown here to compare
 * with the master's console (Status) before the join is made again with
 * it. 1 when it is trusted (fp set), else 0 with err saying why not. */
static int trust_master(struct tui *t, const char *master, char fp[TARN_FINGERPRINT_LEN], tarn_err err)
{
	char q[400], lines[TARN_FINGERPRINT_LEN + 1];
	if (tarn_fingerprint_find(err, fp) != 0)
		return 0;
	tarn_fingerprint_lines(fp, lines);
	snprintf(q, sizeof q, "The pool master at %.60s presents the certificate\n%s\n\nIs it the one the master's "
		 "console shows (Status, Certificate)? Trust it and join?", master, lines);
	if (tui_confirm(t, "The master's certificate", q))
		return 1;
	snprintf(err, TARN_ERRLEN, "not joined: the master's certificate was not trusted");
	return 0;
}

static int save_join(struct tui *t, struct tui_form *f, tarn_err err)
{
	const char *master = f->f[J_MASTER].value, *password = f->f[J_PASS].value;
	char fp[TARN_FINGERPRINT_LEN];
	int fault = 0;
	tui_print(LINES - 3, 2, COLS - 4, A_BOLD, "Joining the pool at %.60s (this takes a few seconds) ...", master);
	refresh();
	enum tarn_call_result rc = tui_callf(t, JOIN_TIMEOUT, NULL, &fault, err, "pool.join", "(ss)", master, password);
	if (rc == TARN_CALL_FAULT && fault == TARN_FAULT_UNCONFIRMED && trust_master(t, master, fp, err))
		rc = tui_callf(t, JOIN_TIMEOUT, NULL, NULL, err, "pool.join", "(sss)", master, password, fp);
	return rc == TARN_CALL_OK ? 0 : -1;
}

static void join_pool(struct tui *t)
{
	struct tui_field fl[J_COUNT] = {
		[J_MASTER] = {.label = "Pool master", .check = check_master,
			      .hint = "a member's agent: address or name, :port if not 8899"},
		[J_PASS] = {.label = "Pool password", .kind = TUI_SECRET, .check = check_pass,
			    .hint = "not shown as you type"},
	};
	struct tui_form f = {.title = "Join a pool", .f = fl, .n = J_COUNT, .save = save_join, .needs_auth = 1,
			     .intro = "This host (with no guests, in no pool of several) joins the pool of the "
				      "host named here, once you confirm that host's certificate."};
	int done = tui_form_run(t, &f);
	forget(fl, J_COUNT);
	if (done)
		tui_message(t, "Joined", "This host joined the pool.", 0);
}

/* ---- leave and eject ---- */

static void leave_pool(struct tui *t, const struct pool_view *p)
{
	char q[400];
	tarn_err err = "";
	snprintf(q, sizeof q, "Leave pool %.64s? This host stops being one of its members and is on its own.",
		 p->name);
	if (!tui_authorize(t) || !tui_confirm(t, "Leave the pool", q))
		return;
	if (pool_call(t, JOIN_TIMEOUT, err, "pool.leave", NULL, NULL, NULL) == 0) {
		tui_message(t, "Left", "This host left the pool.", 0);
		return;
	}
	snprintf(q, sizeof q, "%.200s. Leave anyway (when the pool is gone or ejected this host)? The other "
		 "members are not told.", err);
	if (!tui_confirm(t, "The pool did not let this host go", q))
		return;
	if (tui_callf(t, JOIN_TIMEOUT, NULL, NULL, err, "pool.leave", "(b)", (xmlrpc_bool)1) == TARN_CALL_OK)
		tui_message(t, "Left", "This host left the pool (by force).", 0);
	else
		tui_message(t, "Not left", err, 1);
}

/* A member chosen from a list (this host too when with_self), after the
 * console password: its index in p->m, or -1. */
static int pick_member(struct tui *t, const struct pool_view *p, const char *title, const char *help, int with_self)
{
	struct tui_entry e[MAX_MEMBERS];
	char titles[MAX_MEMBERS][80];
	int idx[MAX_MEMBERS], n = 0, sel = 0;
	for (int i = 0; i < p->n && n < 9; i++) {
		if (i == p->self && !with_self)
			continue;
		char h[40];
		snprintf(titles[n], sizeof titles[n], "%-21.21s %-8.8s %-17.17s%s", p->m[i].address, p->m[i].raft,
			 health(&p->m[i], h, sizeof h), p->m[i].maintenance ? " maint." : "");
		e[n] = (struct tui_entry){.key = '1' + n, .title = titles[n], .help = help};
		idx[n++] = i;
	}
	if (n == 0) {
		tui_message(t, title, "There is no other member.", 1);
		return -1;
	}
	if (!tui_authorize(t))
		return -1;
	int c = tui_list(t, title, e, n, &sel);
	return c < 0 ? -1 : idx[c];
}

/* Asks, then calls method(member[, flag]); says how it went. */
static void member_change(struct tui *t, const char *title, const char *question, const char *method,
			  const char *id, int flag, const char *done)
{
	tarn_err err = "";
	if (!tui_confirm(t, title, question))
		return;
	enum tarn_call_result rc = flag < 0 ? tui_callf(t, JOIN_TIMEOUT, NULL, NULL, err, method, "(s)", id)
					    : tui_callf(t, JOIN_TIMEOUT, NULL, NULL, err, method, "(sb)", id,
							(xmlrpc_bool)flag);
	if (rc == TARN_CALL_OK)
		tui_message(t, title, done, 0);
	else
		tui_message(t, title, err, 1);
}

/* Chooses a member other than this host and removes it from the pool. */
static void eject_member(struct tui *t, const struct pool_view *p)
{
	int i = pick_member(t, p, "Eject which member?", "Ejects a member that is gone for good: the pool forgets it.",
			    0);
	if (i < 0)
		return;
	const struct member *m = &p->m[i];
	char q[300], done[120], h[40];
	snprintf(q, sizeof q, "Eject %.64s (%s) from the pool? A host that is still running must then leave by force.",
		 m->address, health(m, h, sizeof h));
	snprintf(done, sizeof done, "%.64s is no longer a member.", m->address);
	member_change(t, "Eject a member", q, "pool.eject", m->id, -1, done);
}

/* A member made master, or put in maintenance or taken out of it. */
static void manage_member(struct tui *t, const struct pool_view *p)
{
	int i = pick_member(t, p, "Which member?", "Make it the master, or put it in maintenance.", 1);
	if (i < 0)
		return;
	const struct member *m = &p->m[i];
	char maint[80], q[400], done[200];
	snprintf(maint, sizeof maint, "%s maintenance", m->maintenance ? "Take it out of" : "Put it in");
	struct tui_entry e[] = {
		{.key = '1', .title = "Make it the pool master", .help = "Only a voter that is up can be master."},
		{.key = '2', .title = maint, .help = "In maintenance a member gets no new guests, and its running "
						      "guests are moved to other VM servers."},
	};
	int sel = 0, c = tui_list(t, m->address, e, 2, &sel);
	if (c == 0) {
		snprintf(q, sizeof q, "Make %.64s the pool master? The master's role is handed over at once.", m->address);
		snprintf(done, sizeof done, "%.64s is the pool master.", m->address);
		member_change(t, "Pool master", q, "pool.setMaster", m->id, -1, done);
	} else if (c == 1 && !m->maintenance) {
		snprintf(q, sizeof q, "Put %.64s in maintenance? It gets no new guests; its running guests are shut "
			 "down and started on other VM servers with the memory free (one that cannot go anywhere "
			 "stays, and is named).", m->address);
		snprintf(done, sizeof done, "%.64s is in maintenance: the members list shows its guests leaving.",
			 m->address);
		member_change(t, "Maintenance", q, "pool.setMaintenance", m->id, 1, done);
	} else if (c == 1) {
		snprintf(q, sizeof q, "Take %.64s out of maintenance? It takes new guests again.", m->address);
		snprintf(done, sizeof done, "%.64s is out of maintenance.", m->address);
		member_change(t, "Maintenance", q, "pool.setMaintenance", m->id, 0, done);
	}
}

void screen_pool(struct tui *t)
{
	struct pool_view p;
	curs_set(0);
	for (;;) {
		enum tarn_call_result rc = load(t, &p);
		if (rc == TARN_CALL_UNREACHABLE) {
			if (tui_agent_down(t, TITLE, p.why))
				continue;
			return;
		}
		/* a fault is how the agent says there is no pool yet */
		draw(t, &p);
		int k = tui_key(t, 2000);
		if ((k == 'c' || k == 'C') && !p.in_pool)
			create_pool(t);
		else if (k == 'j' || k == 'J')
			join_pool(t);
		else if ((k == 'l' || k == 'L') && p.in_pool)
			leave_pool(t, &p);
		else if ((k == 'e' || k == 'E') && p.in_pool)
			eject_member(t, &p);
		else if ((k == 'm' || k == 'M') && p.in_pool)
			manage_member(t, &p);
		else if ((k == 'r' || k == 'R') && p.in_pool && p.self >= 0)
			choose_roles(t, &p);
		else if (k == 'a' || k == 'A')
			set_address(t, &p);
		else if ((k == 'v' || k == 'V') && p.in_pool)
			set_vip(t, &p);
		else if (tui_is_back(k) || k == 'q')
			return;
	}
}
