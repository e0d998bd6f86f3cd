/* Passwords: the console's and the agent's (the API's). Only yescrypt
 * hashes are stored, as `tarnd --set-password` stores them. */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "tui.h"

/* Characters, not bytes: a UTF-8 sequence counts once. */
static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static const char *check_new(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	if (chars(v) < TARN_PASSWORD_MIN)
		return snprintf(err, TARN_ERRLEN, "a password has at least %d characters", TARN_PASSWORD_MIN), err;
	return NULL;
}

const char *tui_check_again(const struct tui_form *f, const char *v, tarn_err err)
{
	for (int i = 1; i < f->n; i++)
		if (f->f[i].value == v && strcmp(v, f->f[i - 1].value) != 0)
			return snprintf(err, TARN_ERRLEN, "the two passwords differ"), err;
	return NULL;
}

static int save(struct tui *t, struct tui_form *f, tarn_err err)
{
	char hash[256];
	const char *key = f->ctx;
	if (tarn_auth_hash(f->f[0].value, hash, sizeof hash, err))
		return -1;
	if (tarn_store_begin(t->st, err))
		return -1;
	return tui_txn_end(t->st, tarn_store_set(t->st, key, hash, err), err);
}

int password_form(struct tui *t, const char *key, const char *title, int needs_auth)
{
	if (!tui_store(t))
		return 0;
	struct tui_field fields[] = {
		{.label = "New password", .kind = TUI_SECRET, .check = check_new,
		 .hint = "at least 8 characters; not shown as you type"},
		{.label = "Again", .kind = TUI_SECRET, .check = tui_check_again, .hint = "the same once more"},
	};
	struct tui_form f = {.title = title, .f = fields, .n = 2, .save = save, .ctx = (void *)key, .needs_auth = needs_auth,
			     .intro = "Type the new password twice. Only a salted yescrypt hash of it is kept."};
	int done = tui_form_run(t, &f);
	memset(fields, 0, sizeof fields);
	if (done)
		tui_message(t, "Saved", strcmp(key, "console_password") == 0
			    ? "The console password is set."
			    : "The agent password is set: API clients log in as admin with it.", 0);
	return done;
}

static void console_password(struct tui *t)
{
	char hash[256] = "";
	/* the first change sets it, which is this very one */
	if (t->st && tarn_store_get(t->st, "console_password", hash, sizeof hash) != 0) {
		tui_authorize(t);
		return;
	}
	if (tui_authorize(t))
		password_form(t, "console_password", "Console password", 1);
}

static void agent_password(struct tui *t)
{
	if (tui_authorize(t))
		password_form(t, "agent_password", "Agent password", 1);
}

void screen_password(struct tui *t)
{
	static const struct tui_entry items[] = {
		{'c', "Console password", "Asked before any change on this console, and for the local shell.",
		 console_password},
		{'a', "Agent password", "The API's password (user admin): tarnctl and remote managers use it.",
		 agent_password},
	};
	int sel = 0, i;
	while ((i = tui_list(t, "Passwords", items, 2, &sel)) >= 0)
		items[i].run(t);
}
