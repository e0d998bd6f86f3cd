/* The agent's recent tasks (task.list), newest first, redrawn every second
 * while the screen is open, so an import or a guest's creation is seen
 * moving; Up/Down scroll, Esc goes back. */
#include <stdio.h>

#include "agent.h"

#define TASKS 30
#define REFRESH_MS 1000

static void draw(struct tui *t, xmlrpc_value *v, const char *err, int top)
{
	tui_frame(t, "Tasks, newest first", "Up/Down: scroll  Esc: back  (refreshed every second)");
	tui_print(2, 2, COLS - 4, A_BOLD, "%6s %-12s %-14s %-9s %4s  %s", "Id", "Kind", "Subject", "State", "Done",
		  "Message");
	if (err[0]) {
		tui_wrap(4, 2, COLS - 4, 3, t->a_err, err);
		return;
	}
	int n = tui_items(v), rows = LINES - 4;
	if (n == 0)
		tui_print(3, 2, COLS - 4, t->a_dim, "(none)");
	for (int i = top; i < n && i - top < rows; i++) {
		xmlrpc_value *k = tui_item(v, i);
		char id[16], kind[24], subject[24], state[12], progress[8], msg[120];
		tui_print(3 + i - top, 2, COLS - 4, A_NORMAL, "%6s %-12s %-14.14s %-9s %3s%%  %s",
			  tui_member(k, "id", id, sizeof id), tui_member(k, "kind", kind, sizeof kind),
			  tui_member(k, "subject", subject, sizeof subject), tui_member(k, "state", state, sizeof state),
			  tui_member(k, "progress", progress, sizeof progress), tui_member(k, "message", msg, sizeof msg));
	}
}

void tui_task_list(struct tui *t)
{
	int top = 0;
	curs_set(0);
	for (;;) {
		xmlrpc_value *v = NULL;
		tarn_err err = "";
		if (tui_callf(t, 2, &v, NULL, err, "task.list", "(i)", TASKS) != TARN_CALL_OK)
			v = NULL;
		else
			err[0] = '\0';
		int n = tui_items(v), rows = LINES - 4;
		if (top > n - rows)
			top = n - rows;
		if (top < 0)
			top = 0;
		draw(t, v, err, top);
		refresh();
		if (v)
			xmlrpc_DECREF(v);
		int k = tui_key(t, REFRESH_MS);
		if (k == KEY_UP && top > 0)
			top--;
		else if (k == KEY_DOWN)
			top++;
		else if (k == KEY_PPAGE)
			top -= rows;
		else if (k == KEY_NPAGE)
			top += rows;
		else if (tui_is_back(k) || k == 'q')
			return;
	}
}
