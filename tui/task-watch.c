/* A queued task followed to its end with a progress bar (task.get every
 * half second): Esc leaves it running in the background, c cancels it. */
#include <stdio.h>
#include <string.h>

#include "agent.h"

struct task_view {
	char kind[40], subject[80], state[16], message[256];
	int progress;
};

/* 0, or -1 when the agent did not answer (err says why). */
static int get(struct tui *t, int id, struct task_view *v, tarn_err err)
{
	xmlrpc_value *r = NULL;
	if (tui_callf(t, 2, &r, NULL, err, "task.get", "(i)", id) != TARN_CALL_OK)
		return -1;
	tui_member(r, "kind", v->kind, sizeof v->kind);
	tui_member(r, "subject", v->subject, sizeof v->subject);
	tui_member(r, "state", v->state, sizeof v->state);
	tui_member(r, "message", v->message, sizeof v->message);
	v->progress = (int)tui_member_int(r, "progress");
	xmlrpc_DECREF(r);
	return 0;
}

static void bar(struct tui *t, int y, int x, int w, int percent)
{
	int inner = w - 8, full;
	if (inner < 4)
		return;
	percent = percent < 0 ? 0 : percent > 100 ? 100 : percent;
	full = inner * percent / 100;
	tui_print(y, x, 1, A_NORMAL, "[");
	attrset(t->a_sel);
	mvhline(y, x + 1, ' ', full);
	attrset(A_NORMAL);
	mvhline(y, x + 1 + full, ACS_CKBOARD, inner - full); /* '#' on a terminal without line drawing */
	tui_print(y, x + 1 + inner, 7, A_NORMAL, "] %3d%%", percent);
}

/* Says how the task ended: 1 done, 0 not. */
static int ended(struct tui *t, const char *title, int id, const struct task_view *v)
{
	char msg[400];
	int done = strcmp(v->state, "done") == 0;
	snprintf(msg, sizeof msg, "Task %d %s: %s", id,
		 done ? "is done" : strcmp(v->state, "cancelled") == 0 ? "was cancelled" : "failed",
		 v->message[0] ? v->message : "(no message)");
	tui_message(t, title, msg, !done);
	return done;
}

int tui_task_watch(struct tui *t, const char *title, int id)
{
	struct task_view v = {.state = "queued"};
	tarn_err err = "";
	char msg[TARN_ERRLEN + 120];
	int asked_cancel = 0;
	curs_set(0);
	for (;;) {
		if (get(t, id, &v, err)) {
			snprintf(msg, sizeof msg, "Task %d: the agent stopped answering (%s). The task goes on "
				 "if the agent is still running.", id, err);
			tui_message(t, title, msg, 1);
			return -1;
		}
		if (strcmp(v.state, "queued") && strcmp(v.state, "running"))
			return ended(t, title, id, &v);
		tui_frame(t, title, asked_cancel ? "Esc: leave it running in the background"
						 : "Esc: leave it running in the background  c: cancel it");
		tui_print(2, 2, COLS - 4, A_BOLD, "Task %d: %s %s", id, v.kind, v.subject);
		tui_print(3, 2, COLS - 4, A_NORMAL, "%s%s", v.state, asked_cancel ? " (cancel asked for)" : "");
		bar(t, 5, 2, COLS - 4, v.progress);
		tui_wrap(7, 2, COLS - 4, LINES - 9, t->a_dim, v.message);
		refresh();
		int k = tui_key(t, 500);
		if (k == TUI_ESC) {
			snprintf(msg, sizeof msg, "Task %d goes on in the background (t on the storage screen "
				 "lists the tasks).", id);
			tui_message(t, title, msg, 0);
			return -1;
		}
		if ((k == 'c' || k == 'C') && !asked_cancel && tui_confirm(t, title, "Cancel this task? "
									   "What it made so far is removed.")) {
			if (tui_callf(t, TUI_AGENT_TIMEOUT, NULL, NULL, err, "task.cancel", "(i)", id) == TARN_CALL_OK)
				asked_cancel = 1;
			else
				tui_message(t, title, err, 1);
		}
	}
}
