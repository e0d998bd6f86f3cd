/* A guest's text console from the host's: the screen is handed to
 * `xl console NAME` (run here, as root, on the guest's host) until Ctrl-],
 * xl console's escape, then the console's screen comes back as it was.
 * A guest that is not running has no console: that is said instead. Like
 * the local shell, it asks the console password: the guest's console may
 * well be a root shell of the guest. */
#include <stdio.h>
#include <string.h>

#include "guests.h"

#define TITLE "Guest console"

void guest_console(struct tui *t, const struct guest *g)
{
	char msg[400], cmd[1200];
	tarn_err err;
	if (strcmp(g->actual, "running") && strcmp(g->actual, "paused")) {
		snprintf(msg, sizeof msg, "Guest %s is not running (it is %s), so it has no console to open. "
			 "s starts it.", g->name, g->actual[0] ? g->actual : "unknown");
		tui_message(t, TITLE, msg, 1);
		return;
	}
	if (tarn_check_name(g->name, err)) { /* the name goes on a command line: only what a name may be */
		tui_message(t, TITLE, err, 1);
		return;
	}
	snprintf(msg, sizeof msg, "Open guest %s's text console? Ctrl-] returns to the console.", g->name);
	if (!tui_authorize(t) || !tui_confirm(t, TITLE, msg))
		return;
	snprintf(cmd, sizeof cmd, "clear; printf '[ Guest %s: Ctrl-] returns to the Tarn console ]\\r\\n'; "
		 "exec %s '%s'", g->name, t->p.console_cmd, g->name);
	int rc = tui_run_command(t, cmd, 1);
	if (rc == 0)
		return;
	if (rc < 0)
		snprintf(msg, sizeof msg, "The console of guest %s could not be opened.", g->name);
	else
		snprintf(msg, sizeof msg, "The console of guest %s ended with status %d: has the guest stopped?",
			 g->name, rc);
	tui_message(t, TITLE, msg, 1);
}
