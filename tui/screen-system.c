/* System: the logs, ping, restarting the agent, rebooting and shutting
 * down, resetting the configuration; and the local shell. Each action asks
 * the console password and a confirmation; the commands are options (tests
 * give harmless ones). */
#include <stdio.h>
#include <string.h>

#include "agent.h"

static void view_log(struct tui *t)
{
	char title[300];
	snprintf(title, sizeof title, "Log: %s", t->p.log);
	tui_pager(t, title, t->p.log, t->p.log_cmd);
}

/* What a command prints, its errors too (they are what a person needs). */
static void view_output(struct tui *t, const char *what, const char *cmd)
{
	char title[300], full[1200];
	snprintf(title, sizeof title, "%s: %.200s", what, cmd);
	snprintf(full, sizeof full, "(%.1000s) 2>&1", cmd);
	tui_pager(t, title, NULL, full);
}

static void agent_log(struct tui *t) { view_output(t, "Agent log", t->p.agent_log_cmd); }
static void kernel_log(struct tui *t) { view_output(t, "Kernel log", t->p.kernel_log_cmd); }
static void xen_log(struct tui *t) { view_output(t, "Xen log", t->p.xen_log_cmd); }

/* ---- ping ---- */

static const char *check_address(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	return tarn_check_host(v, err);
}

static int take_address(struct tui *t, struct tui_form *f, tarn_err err)
{
	(void)t, (void)err;
	snprintf(f->ctx, 256, "%s", f->f[0].value);
	return 0;
}

static void ping(struct tui *t)
{
	static char addr[256]; /* the last one, offered again */
	char cmd[800];
	struct tui_field fl[] = {{.label = "Address or host name", .check = check_address,
				  .hint = "like 192.0.2.1, 2001:db8::1 or gateway.example.org"}};
	TUI_COPY(fl[0].value, addr);
	struct tui_form f = {.title = "Ping", .f = fl, .n = 1, .save = take_address, .ctx = addr,
			     .intro = "Sends three pings and shows what ping prints (r in the view pings again)."};
	if (!tui_form_run(t, &f))
		return;
	/* checked above: letters, digits, '.', ':' and '-' only, nothing the shell reads */
	snprintf(cmd, sizeof cmd, "%.300s %s", t->p.ping_cmd, addr);
	tui_frame(t, "Ping", "");
	tui_print(3, 2, COLS - 4, A_BOLD, "Pinging %s ...", addr);
	refresh();
	view_output(t, "Ping", cmd);
}

/* ---- reset to defaults ---- */

static const char *check_reset(const struct tui_form *f, const char *v, tarn_err err)
{
	(void)f;
	if (strcmp(v, "RESET") == 0)
		return NULL;
	return snprintf(err, TARN_ERRLEN, "type RESET in capitals to reset; Esc keeps everything"), err;
}

static int save_reset(struct tui *t, struct tui_form *f, tarn_err err)
{
	(void)f;
	return tarn_store_reset(t->st, err);
}

static void reset_config(struct tui *t)
{
	if (!tui_store(t))
		return;
	struct tui_field fl[] = {{.label = "Type RESET to confirm", .check = check_reset,
				  .hint = "in capitals, then Enter; Esc keeps everything"}};
	struct tui_form f = {.title = "Reset configuration to defaults", .f = fl, .n = 1, .save = save_reset,
			     .needs_auth = 1,
			     .intro = "Clears the host name, DNS, NTP, every interface's addresses, bridges, VLANs "
				      "and bonds; xenbr0 goes back to DHCP. Kept: the console password (asked "
				      "now, and kept after), the agent password, storage repositories."};
	t->authed = 0; /* the whole host's settings: the password now, whenever it was last given */
	if (tui_form_run(t, &f))
		tui_message(t, "Reset to defaults",
			    "The configuration is back to its defaults; the agent applies it (xenbr0 by "
			    "DHCP). The console password is kept: it is asked as before.", 0);
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
		{'t', "Agent log", "What the agent (tarnd) and its supervisor logged.", agent_log},
		{'k', "Kernel log", "dom0's kernel messages (dmesg).", kernel_log},
		{'e', "Xen log", "The hypervisor's own messages (xl dmesg).", xen_log},
		{'i', "Ping", "Diagnostics: ping an address or host name from this host.", ping},
		{'a', "Restart the agent", "Stops and starts tarnd (the API and the reconcilers).", restart_agent},
		{'r', "Reboot", "Restarts the host.", reboot_host},
		{'o', "Shut down", "Powers the host off.", poweroff_host},
		{'z', "Reset configuration to defaults", "Host name, DNS, NTP and network settings back to a new "
		 "host's; the passwords are kept.", reset_config},
		{'b', "Back up configuration", "Saves this host's configuration to a file (a USB stick, or the data "
		 "partition).", tui_backup_config},
		{'c', "Restore configuration", "Replaces this host's configuration with a backup's.", tui_restore_config},
	};
	int sel = 0, i, n = (int)(sizeof items / sizeof items[0]);
	while ((i = tui_list(t, "System", items, n, &sel)) >= 0)
		items[i].run(t);
}

void screen_shell(struct tui *t)
{
	t->authed = 0; /* the shell is root's: always ask */
	if (!tui_authorize(t))
		return;
	tui_run_command(t, t->p.shell_cmd, 1);
}
