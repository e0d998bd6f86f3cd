/* System: the log, restarting the agent, rebooting and shutting down; and
 * the local shell. Each action asks the console password and a confirmation;
 * the commands are options (tests give harmless ones). */
#include <stdio.h>

#include "agent.h"

static void view_log(struct tui *t)
{
	char title[300];
	snprintf(title, sizeof title, "Log: %s", t->p.log);
	tui_pager(t, title, t->p.log, t->p.log_cmd);
}

/* 1 when the command ran and succeeded. */
static int act(struct tui *t, const char *title, const char *question, const char *cmd,
	       const char *done)
{
	if (!tui_authorize(t) || !tui_confirm(t, title, question))
		return 0;
	tui_frame(t, title, "");
	tui_print(3, 2, COLS - 4, A_BOLD, "%s ...", title);
	refresh();
	int rc = tui_run_command(t, cmd, 0);
	char msg[300];
	if (rc == 0)
		snprintf(msg, sizeof msg, "%s", done);
	else
		snprintf(msg, sizeof msg, "It failed (%s %d): %.200s", rc < 0 ? "could not run" : "exit status",
			 rc, cmd);
	tui_message(t, title, msg, rc != 0);
	return rc == 0;
}

int tui_restart_agent(struct tui *t)
{
	return act(t, "Restart the agent", "Restart the Tarn agent? The API is unavailable for a few seconds.",
		   t->p.restart_cmd, "The agent was restarted.");
}

static void restart_agent(struct tui *t)
{
	tui_restart_agent(t);
}

static void reboot_host(struct tui *t)
{
	act(t, "Reboot", "Reboot this host? Running guests are stopped.", t->p.reboot_cmd,
	    "The host is rebooting.");
}

static void poweroff_host(struct tui *t)
{
	act(t, "Shut down", "Shut this host down? Running guests are stopped and the host powers off.",
	    t->p.poweroff_cmd, "The host is shutting down.");
}

void screen_system(struct tui *t)
{
	static const struct tui_entry items[] = {
		{'l', "View the log", "The system log, newest at the end (the log file, or else logread's buffer).", view_log},
		{'a', "Restart the agent", "Stops and starts tarnd (the API and the reconcilers).", restart_agent},
		{'r', "Reboot", "Restarts the host.", reboot_host},
		{'o', "Shut down", "Powers the host off.", poweroff_host},
	};
	int sel = 0, i;
	while ((i = tui_list(t, "System", items, 4, &sel)) >= 0)
		items[i].run(t);
}

void screen_shell(struct tui *t)
{
	t->authed = 0; /* the shell is root's: always ask */
	if (!tui_authorize(t))
		return;
	tui_run_command(t, t->p.shell_cmd, 1);
}
