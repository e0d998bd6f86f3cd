/* Host name: the name this host gives itself. */
#include <stdio.h>

#include "tui.h"

static const char *check_hostname(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	return tarn_check_hostname(v, err);
}

static int save(struct tui *t, struct tui_form *f, tarn_err err)
{
	if (tarn_store_begin(t->st, err))
		return -1;
	return tui_txn_end(t->st, tarn_store_set(t->st, "hostname", f->f[0].value, err), err);
}

void screen_hostname(struct tui *t)
{
	if (!tui_store(t))
		return;
	struct tui_field fields[] = {
		{.label = "Host name", .kind = TUI_TEXT, .check = check_hostname,
		 .hint = "letters, digits and '-', labels joined by '.', like tarn-01.example.org"},
	};
	tarn_store_get(t->st, "hostname", fields[0].value, sizeof fields[0].value);
	struct tui_form f = {.title = "Host name", .f = fields, .n = 1, .save = save, .needs_auth = 1,
			     .intro = "The name this host gives itself (the agent applies it)."};
	if (tui_form_run(t, &f)) {
		char msg[320];
		snprintf(msg, sizeof msg, "The host name is now %s.", fields[0].value);
		tui_message(t, "Saved", msg, 0);
	}
}
