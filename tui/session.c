/* The console password, asked before any change: once a session, and again
 * after idle_limit seconds without a key. A wrong one changes nothing. */
#include <string.h>

#include "auth.h"
#include "tui.h"

int tui_authorize(struct tui *t)
{
	char hash[256] = "", pass[TARN_PASSWORD_MAX + 4];
	if (t->authed)
		return 1;
	tarn_store *st = tui_store(t);
	if (!st)
		return 0;
	if (tarn_store_get(st, "console_password", hash, sizeof hash) != 0 || !hash[0]) {
		tui_message(t, "Set a console password",
			    "No console password is set yet. Choose one now: it will be asked "
			    "before any change is made on this console.", 0);
		if (!password_form(t, "console_password", "Set the console password", 0)) {
			tui_message(t, "Nothing was changed",
				    "Without a console password no change can be made here.", 1);
			return 0;
		}
		t->authed = 1;
		return 1;
	}
	if (!tui_ask_secret(t, "Console password", "Password:", pass, sizeof pass)) {
		tui_message(t, "Nothing was changed", "Cancelled: nothing was changed.", 0);
		return 0;
	}
	int ok = tarn_auth_verify(pass, hash);
	memset(pass, 0, sizeof pass);
	if (!ok) {
		napms(1000); /* a guesser at the keyboard gets one try a second */
		tui_message(t, "Wrong password", "Wrong console password: nothing was changed.", 1);
		return 0;
	}
	t->authed = 1;
	return 1;
}
