/* Editing a guest: its memory (MiB), its number of vCPUs and which CPUs
 * each vCPU runs on, in one form. Each is the agent's: guest.setMemory,
 * guest.setVcpus, then guest.pin for each vCPU whose CPU list changed, in
 * that order, and only what differs from what the agent has. The agent
 * checks again (it knows the host: more memory than there is is refused)
 * and its words are shown under the form; when a later call is refused,
 * the form says which changes were already made. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "event.h"
#include "guests.h"

#define MAX_MEMORY_MIB (16L << 20) /* as an xl.cfg (xlcfg.c): 16 TiB */
#define MAX_VCPUS 512
#define PIN_LEN 256

/* A whole number from lo to hi, written plainly (xl reads "010" as octal). */
static const char *number(const char *v, long lo, long hi, const char *what, tarn_err err)
{
	size_t n = strlen(v);
	if (!n || strspn(v, "0123456789") != n || n > 9 || (v[0] == '0' && n > 1) || atol(v) < lo ||
	    atol(v) > hi)
		return snprintf(err, TARN_ERRLEN, "%s: a whole number from %ld to %ld", what, lo, hi), err;
	return NULL;
}

const char *guest_check_memory(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	return number(v, 1, MAX_MEMORY_MIB, "memory in MiB", err);
}

const char *guest_check_vcpus(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	return number(v, 1, MAX_VCPUS, "vCPUs", err);
}

/* ---- pins: "all", one CPU list for every vCPU, or "VCPU:LIST ..." ---- */

enum { E_NAME, E_MEMORY, E_VCPUS, E_PINS, E_FIELDS };

struct edit_ctx {
	const char *name;
	long memory, vcpus;   /* what the agent has: only a difference is sent */
	char pins[PIN_LEN];   /* the agent's "VCPU:LIST ..." */
	int ncpus;            /* this host's CPUs when the agent reported them, else TARN_MAX_CPUS */
	int changes;          /* calls made by the last save */
};

/* Checks list against the host's ncpus; and puts it in out (when not
 * NULL) as the agent keeps it: read as the agent reads it, for any CPU
 * number ("all" stays all, "0-1" stays 0-1 on a host of 2). 0, or -1 with
 * err saying what is wrong with it. */
static int normal(const char *list, int ncpus, char *out, size_t n, tarn_err err)
{
	libxl_bitmap b;
	libxl_bitmap_init(&b);
	int bad = tarn_cpulist_parse(list, ncpus, &b, err);
	libxl_bitmap_dispose(&b);
	if (!bad && out) {
		libxl_bitmap_init(&b);
		bad = tarn_cpulist_parse(list, TARN_MAX_CPUS, &b, err);
		if (!bad)
			tarn_cpulist_format(&b, TARN_MAX_CPUS, out, n);
		libxl_bitmap_dispose(&b);
	}
	return bad ? -1 : 0;
}

/* The CPU list the field's text gives vCPU vcpu: "all" when it names none. */
static const char *pin_in(const char *text, int vcpu, char *buf, size_t n)
{
	if (!strchr(text, ':'))
		return *text ? text : "all";
	return tarn_pins_get(text, vcpu, buf, n) ? buf : "all";
}

static const char *check_pins(const struct tui_form *f, const char *v, tarn_err err)
{
	const struct edit_ctx *c = f->ctx;
	tarn_err why;
	char seen[MAX_VCPUS] = {0};
	long vcpus = guest_check_vcpus(f, f->f[E_VCPUS].value, why) ? c->vcpus : atol(f->f[E_VCPUS].value);
	if (!strchr(v, ':')) {
		if (strchr(v, ' '))
			return snprintf(err, TARN_ERRLEN, "one CPU list (like 0-3) or VCPU:LIST for each vCPU, "
				 "separated by spaces (0:1 1:2-3)"), err;
		if (*v && normal(v, c->ncpus, NULL, 0, why))
			return snprintf(err, TARN_ERRLEN, "%s", why), err;
		return NULL;
	}
	for (const char *s = v; *s;) {
		size_t len = strcspn(s, " ");
		if (len == 0) { /* the spaces between pins */
			s++;
			continue;
		}
		char *end, list[PIN_LEN];
		long vcpu = s[0] >= '0' && s[0] <= '9' ? strtol(s, &end, 10) : -1;
		if (vcpu < 0 || *end != ':' || end >= s + len)
			return snprintf(err, TARN_ERRLEN, "%.*s: each vCPU's pin is VCPU:LIST, like 1:2-3", (int)len, s),
			       err;
		if (vcpu >= vcpus)
			return snprintf(err, TARN_ERRLEN, "vCPU %ld does not exist: the guest has vCPUs 0 to %ld", vcpu,
					vcpus - 1), err;
		if (seen[vcpu]++)
			return snprintf(err, TARN_ERRLEN, "vCPU %ld is pinned twice", vcpu), err;
		snprintf(list, sizeof list, "%.*s", (int)(s + len - end - 1), end + 1);
		if (normal(list, c->ncpus, NULL, 0, why))
			return snprintf(err, TARN_ERRLEN, "vCPU %ld: %.120s", vcpu, why), err;
		s += len;
	}
	return NULL;
}

/* ---- saving: one call for each thing that changed ---- */

/* Asks the agent for one change; 0, or -1 with err naming what. */
static int ask(struct tui *t, const char *what, tarn_err err, const char *method, const char *format, const char *name,
	       long a, const char *b)
{
	tarn_err why = "";
	int fault = 0;
	enum tarn_call_result rc = b ? tui_callf(t, GUEST_ACT_TIMEOUT, NULL, &fault, why, method, format, name, (int)a, b)
				     : tui_callf(t, GUEST_ACT_TIMEOUT, NULL, &fault, why, method, format, name, (int)a);
	if (rc == TARN_CALL_OK)
		return 0;
	if (fault == XMLRPC_NO_SUCH_METHOD_ERROR)
		snprintf(err, TARN_ERRLEN, "%s: this agent cannot change that yet (it has no %s)", what, method);
	else {
		tarn_err msg;
		guest_call_err(rc, why, msg);
		snprintf(err, TARN_ERRLEN, "%.24s: %.130s", what, msg);
	}
	return -1;
}

/* Appends a change made to done. */
static void made(char *done, size_t n, const char *change)
{
	size_t at = strlen(done);
	snprintf(done + at, n - at, "%s%s", at ? ", " : "", change);
}

/* -1 (nothing changed) or -2 (done was), with err saying why it stopped. */
static int refused(const char *done, tarn_err err)
{
	if (!done[0])
		return -1;
	char why[TARN_ERRLEN];
	snprintf(why, sizeof why, "%s", err);
	snprintf(err, TARN_ERRLEN, "Changed: %.50s; not changed: %.80s", done, why);
	return -2;
}

static int save_edit(struct tui *t, struct tui_form *f, tarn_err err)
{
	struct edit_ctx *c = f->ctx;
	long memory = atol(f->f[E_MEMORY].value), vcpus = atol(f->f[E_VCPUS].value);
	char done[200] = "", what[80], want[PIN_LEN], have[PIN_LEN], buf[PIN_LEN], pins[PIN_LEN];
	c->changes = 0;
	const struct {
		const char *what, *method, *done; /* done: %ld is the new value */
		long *have, want;
	} amounts[] = {
		{"memory", "guest.setMemory", "memory %ld MiB", &c->memory, memory},
		{"vCPUs", "guest.setVcpus", "%ld vCPUs", &c->vcpus, vcpus},
	};
	for (int i = 0; i < 2; i++) {
		if (amounts[i].want == *amounts[i].have)
			continue;
		if (ask(t, amounts[i].what, err, amounts[i].method, "(si)", c->name, amounts[i].want, NULL))
			return refused(done, err);
		*amounts[i].have = amounts[i].want, c->changes++;
		snprintf(what, sizeof what, amounts[i].done, amounts[i].want);
		made(done, sizeof done, what);
	}
	for (int i = 0; i < vcpus; i++) {
		if (normal(pin_in(f->f[E_PINS].value, i, buf, sizeof buf), c->ncpus, want, sizeof want, err))
			return refused(done, err); /* checked already: never, in practice */
		if (!tarn_pins_get(c->pins, i, have, sizeof have))
			strcpy(have, "all");
		if (!strcmp(want, have))
			continue;
		snprintf(what, sizeof what, "vCPU %d's pin", i);
		if (ask(t, what, err, "guest.pin", "(sis)", c->name, i, want))
			return refused(done, err);
		if (tarn_pins_set(c->pins, i, want, pins, sizeof pins) == 0)
			memcpy(c->pins, pins, sizeof pins);
		c->changes++;
		snprintf(what, sizeof what, "vCPU %d on %.40s", i, want);
		made(done, sizeof done, what);
	}
	return 0;
}

/* The pins of the vCPUs the guest has (the agent keeps those of vCPUs
 * taken away since, for when they come back): "all" when there are none. */
static void shown_pins(const struct guest *g, char *out, size_t n)
{
	char list[PIN_LEN], pins[PIN_LEN];
	out[0] = '\0';
	for (int i = 0; i < g->vcpus; i++)
		if (tarn_pins_get(g->pins, i, list, sizeof list) && tarn_pins_set(out, i, list, pins, sizeof pins) == 0)
			snprintf(out, n, "%s", pins);
	if (!out[0])
		snprintf(out, n, "all");
}

void guest_edit(struct tui *t, const struct guest *g)
{
	char cpus[16], title[100], msg[500];
	struct edit_ctx c = {.name = g->name, .memory = g->memory, .vcpus = g->vcpus, .ncpus = TARN_MAX_CPUS};
	TUI_COPY(c.pins, g->pins);
	if ((t->st || tui_store_try(t)) && tarn_fact_get(t->st, "host.cpus", cpus, sizeof cpus, NULL) == 0 && atoi(cpus) > 0)
		c.ncpus = atoi(cpus);
	struct tui_field fl[E_FIELDS] = {
		[E_NAME] = {.label = "Guest", .kind = TUI_FIXED},
		[E_MEMORY] = {.label = "Memory (MiB)", .check = guest_check_memory, .hint = "like 512 or 2048"},
		[E_VCPUS] = {.label = "vCPUs", .check = guest_check_vcpus, .hint = "1 to 512"},
		[E_PINS] = {.label = "vCPU pins", .check = check_pins,
			    .hint = "all; one CPU list for every vCPU (0-3); or each: 0:1 1:2-3"},
	};
	TUI_COPY(fl[E_NAME].value, g->name);
	snprintf(fl[E_MEMORY].value, sizeof fl[E_MEMORY].value, "%d", g->memory);
	snprintf(fl[E_VCPUS].value, sizeof fl[E_VCPUS].value, "%d", g->vcpus);
	shown_pins(g, fl[E_PINS].value, sizeof fl[E_PINS].value);
	snprintf(title, sizeof title, "Edit guest %s", g->name);
	struct tui_form f = {.title = title, .f = fl, .n = E_FIELDS, .save = save_edit, .ctx = &c, .needs_auth = 1,
			     .intro = "Only what changed is sent to the agent; what it refuses is shown here."};
	if (!tui_form_run(t, &f))
		return;
	if (!c.changes)
		snprintf(msg, sizeof msg, "Nothing was changed: guest %s has these already.", g->name);
	else
		snprintf(msg, sizeof msg, "Guest %s: memory %ld MiB, %ld vCPUs, pins %s.", g->name, c.memory, c.vcpus,
			 c.pins[0] ? c.pins : "none");
	tui_message(t, title, msg, 0);
}
