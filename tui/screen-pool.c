/* Server pool: the pool this host is in (pool.info), its members with
 * their addresses and roles, and this host's roles; creating a pool, and
 * joining or leaving one. Pools are the agent's (its replicated store):
 * every action is a call on its local socket. Joining another host's pool
 * and leaving one come with multi-host pools: until the agent has those
 * methods, the forms check what is typed and then say so plainly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"

#define TITLE "Server pool"
#define MAX_MEMBERS 32

static const char *const role_names[] = {"master", "utility", "vm-server"};
static const char *const role_titles[] = {"pool master", "utility server", "VM server"};

struct member {
	char id[40], address[128], roles[64];
};

struct pool_view {
	int in_pool;
	char name[80], uuid[40], leader[128], created[40], why[TARN_ERRLEN];
	int master;
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
		xmlrpc_struct_find_value(&env, it, "roles", &roles);
		join_roles(roles, m->roles, sizeof m->roles);
		if (roles)
			xmlrpc_DECREF(roles);
		if (p->master && strcmp(m->address, p->leader) == 0)
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
	char master[8];
	memset(p, 0, sizeof *p);
	enum tarn_call_result rc = tui_callf(t, 2, &v, NULL, p->why, "pool.info", NULL);
	if (rc != TARN_CALL_OK)
		return rc;
	p->in_pool = 1;
	tui_member(v, "name", p->name, sizeof p->name);
	tui_member(v, "uuid", p->uuid, sizeof p->uuid);
	tui_member(v, "leader", p->leader, sizeof p->leader);
	p->master = strcmp(tui_member(v, "master", master, sizeof master), "yes") == 0;
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

static void draw(struct tui *t, const struct pool_view *p, const char *fault)
{
	tui_frame(t, TITLE, p->in_pool ? "c: create  j: join  l: leave  Esc: back  Ctrl-L: redraw"
				       : "c: create a pool  j: join a pool  Esc: back  Ctrl-L: redraw");
	if (!p->in_pool) {
		tui_print(2, 2, COLS - 4, A_BOLD, "This host is in no pool.");
		tui_wrap(3, 2, COLS - 4, 3, fault ? t->a_err : t->a_dim, fault ? fault : p->why);
		tui_wrap(6, 2, COLS - 4, 4, A_NORMAL, "c creates a pool with this host as its master (a pool of one "
			 "until others join); j joins the pool another host is the master of.");
		refresh();
		return;
	}
	const struct {
		const char *label, *value;
	} rows[] = {{"Pool", p->name}, {"UUID", p->uuid}, {"Created", p->created}, {"Master", p->leader}};
	int y = 2;
	for (int i = 0; i < 4; i++, y++) {
		tui_print(y, 2, 12, t->a_dim, "%s", rows[i].label);
		tui_print(y, 14, COLS - 16, i == 0 ? A_BOLD : A_NORMAL, "%s%s", rows[i].value,
			  i == 3 && p->master ? " (this host)" : "");
	}
	tui_print(++y, 2, COLS - 4, A_BOLD, "%-22s %-24s %s", "Member", "Address", "Roles");
	for (int i = 0; i < p->n && y < LINES - 7; i++) {
		char id[64];
		snprintf(id, sizeof id, "%.40s%s", p->m[i].id, i == p->self ? " (this host)" : "");
		tui_print(++y, 2, COLS - 4, A_NORMAL, "%-22.22s %-24.24s %s", id, p->m[i].address, p->m[i].roles);
	}
	y += 2;
	tui_print(y, 2, COLS - 4, A_BOLD, "This host's roles:");
	if (p->self < 0) {
		tui_print(y, 21, COLS - 23, t->a_dim, "not known here (this host is not the master)");
	} else {
		for (int i = 0, x = 21; i < 3; x += (int)strlen(role_titles[i]) + 6, i++)
			tui_print(y, x, COLS - x, A_NORMAL, "[%c] %s", has_role(p->m[p->self].roles, role_names[i]) ? 'x' : ' ',
				  role_titles[i]);
	}
	tui_wrap(y + 1, 4, COLS - 6, 2, t->a_dim, "Roles are given by the pool: choosing them comes with "
		 "multi-host pools (not in this version).");
	if (fault)
		tui_wrap(LINES - 3, 2, COLS - 4, 2, t->a_err, fault);
	refresh();
}

/* The agent's answer to a pool action: 0, or -1 with err saying why (and
 * what is not built yet said plainly). */
static int pool_call(struct tui *t, const char *what, tarn_err err, const char *method, const char *format,
		     const char *a, const char *b)
{
	int fault = 0;
	if (tui_callf(t, TUI_AGENT_TIMEOUT, NULL, &fault, err, method, format, a, b) == TARN_CALL_OK)
		return 0;
	if (fault == XMLRPC_NO_SUCH_METHOD_ERROR) {
		snprintf(err, TARN_ERRLEN, "%s comes with multi-host pools; not available in this version", what);
		tui_message(t, "Not available in this version", err, 1);
	}
	return -1;
}

TUI_FIELD_CHECK(check_name, tarn_check_name)

static int save_create(struct tui *t, struct tui_form *f, tarn_err err)
{
	return pool_call(t, "Creating a pool", err, "pool.create", "(s)", f->f[0].value, NULL);
}

static void create_pool(struct tui *t)
{
	struct tui_field fl[] = {{.label = "Pool name", .check = check_name,
				  .hint = "like pool-1: letters, digits, '.', '_', '-'"}};
	struct tui_form f = {.title = "Create a pool", .f = fl, .n = 1, .save = save_create, .needs_auth = 1,
			     .intro = "This host becomes the master of a new pool, in every role."};
	if (tui_form_run(t, &f)) {
		char msg[200];
		snprintf(msg, sizeof msg, "Pool %.64s is created; this host is its master.", fl[0].value);
		tui_message(t, "Created", msg, 0);
	}
}

enum { J_MASTER, J_PASS, J_AGAIN, J_COUNT };

TUI_FIELD_CHECK(check_master, tarn_check_host_port)

static const char *check_pass(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	return *v ? NULL : (snprintf(err, TARN_ERRLEN, "the pool's password is required"), err);
}

static int save_join(struct tui *t, struct tui_form *f, tarn_err err)
{
	return pool_call(t, "Joining another host's pool", err, "pool.join", "(ss)", f->f[J_MASTER].value,
			 f->f[J_PASS].value);
}

static void join_pool(struct tui *t)
{
	struct tui_field fl[J_COUNT] = {
		[J_MASTER] = {.label = "Pool master", .check = check_master,
			      .hint = "its address or name, with :port if not 8899"},
		[J_PASS] = {.label = "Pool password", .kind = TUI_SECRET, .check = check_pass,
			    .hint = "not shown as you type"},
		[J_AGAIN] = {.label = "Again", .kind = TUI_SECRET, .check = tui_check_again, .hint = "the same once more"},
	};
	struct tui_form f = {.title = "Join a pool", .f = fl, .n = J_COUNT, .save = save_join, .needs_auth = 1,
			     .intro = "This host joins the pool whose master is named here."};
	int done = tui_form_run(t, &f);
	memset(fl[J_PASS].value, 0, sizeof fl[J_PASS].value);
	memset(fl[J_AGAIN].value, 0, sizeof fl[J_AGAIN].value);
	if (done)
		tui_message(t, "Joined", "This host joined the pool.", 0);
}

static void leave_pool(struct tui *t, const struct pool_view *p)
{
	char q[300];
	tarn_err err = "";
	snprintf(q, sizeof q, "Leave pool %s? This host stops being one of its members.", p->name);
	if (!tui_authorize(t) || !tui_confirm(t, "Leave the pool", q))
		return;
	if (pool_call(t, "Leaving a pool", err, "pool.leave", NULL, NULL, NULL) == 0)
		tui_message(t, "Left", "This host left the pool.", 0);
	else if (!strstr(err, "not available in this version"))
		tui_message(t, "Not left", err, 1);
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
		draw(t, &p, NULL);
		int k = tui_key(t, 2000);
		if (k == 'c' || k == 'C')
			create_pool(t);
		else if (k == 'j' || k == 'J')
			join_pool(t);
		else if ((k == 'l' || k == 'L') && p.in_pool)
			leave_pool(t, &p);
		else if (tui_is_back(k) || k == 'q')
			return;
	}
}
