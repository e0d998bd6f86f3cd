/* tarn-tui: the console of a Tarn host.
 *
 *   tarn-tui [--store PATH] [--version-file F] [--data-dir DIR] [--mounts F]
 *            [--hypervisor DIR] [--log F] [--log-cmd CMD] [--agent-port N]
 *            [--agent-pidfile F] [--agent-socket F] [--agent-check CMD]
 *            [--restart-cmd CMD] [--reboot-cmd CMD] [--poweroff-cmd CMD]
 *            [--shell-cmd CMD] [--idle-minutes N] [--confirm-seconds N] [--allow-quit]
 *
 * The commands may also come from the environment (TARN_TUI_RESTART_CMD,
 * TARN_TUI_REBOOT_CMD, TARN_TUI_POWEROFF_CMD, TARN_TUI_SHELL_CMD,
 * TARN_TUI_AGENT_CHECK, TARN_TUI_LOG_CMD, TARN_TUI_AGENT_LOG_CMD,
 * TARN_TUI_KERNEL_LOG_CMD, TARN_TUI_XEN_LOG_CMD, TARN_TUI_PING_CMD,
 * TARN_TUI_CONSOLE_CMD), so tests
 * never restart, reboot or stop the machine they run on. A change to the management interface is put
 * back unless kept within --confirm-seconds (the store's default, 60). Without --allow-quit the
 * console never exits by itself: it is the host's console, not a program run
 * from a shell. */
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "tui.h"

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && *v ? v : dflt;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: tarn-tui [--store PATH] [--version-file F] [--data-dir DIR] [--mounts F]\n"
		"                [--hypervisor DIR] [--log F] [--log-cmd CMD] [--agent-port N]\n"
		"                [--agent-pidfile F] [--agent-socket F] [--agent-check CMD]\n"
		"                [--restart-cmd CMD] [--reboot-cmd CMD] [--poweroff-cmd CMD]\n"
		"                [--shell-cmd CMD] [--idle-minutes N] [--confirm-seconds N] [--allow-quit]\n");
	exit(2);
}

static void colours(struct tui *t)
{
	t->a_title = A_REVERSE | A_BOLD;
	t->a_sel = A_REVERSE;
	t->a_err = A_BOLD;
	t->a_ok = A_NORMAL;
	t->a_dim = A_DIM;
	t->a_key = A_BOLD;
	if (!has_colors() || start_color() != OK)
		return;
	use_default_colors();
	init_pair(1, COLOR_WHITE, COLOR_BLUE);
	init_pair(2, COLOR_BLACK, COLOR_CYAN);
	init_pair(3, COLOR_RED, -1);
	init_pair(4, COLOR_GREEN, -1);
	init_pair(5, COLOR_YELLOW, -1);
	t->a_title = COLOR_PAIR(1) | A_BOLD;
	t->a_sel = COLOR_PAIR(2);
	t->a_err = COLOR_PAIR(3) | A_BOLD;
	t->a_ok = COLOR_PAIR(4);
	t->a_key = COLOR_PAIR(5) | A_BOLD;
}

/* The store's directory may not exist yet (the agent has never run, or the
 * host is in safe mode): the console must still be able to write settings,
 * so it makes the directory as the agent does. */
tarn_store *tui_store_try(struct tui *t)
{
	t->st = tarn_store_open_making_dir(t->p.store, t->store_err);
	return t->st;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"store", required_argument, NULL, 's'}, {"version-file", required_argument, NULL, 'v'},
		{"data-dir", required_argument, NULL, 'd'}, {"mounts", required_argument, NULL, 'm'},
		{"hypervisor", required_argument, NULL, 'x'}, {"log", required_argument, NULL, 'l'},
		{"log-cmd", required_argument, NULL, 'L'}, {"agent-socket", required_argument, NULL, 'k'},
		{"agent-port", required_argument, NULL, 'P'}, {"agent-pidfile", required_argument, NULL, 'p'},
		{"agent-check", required_argument, NULL, 'a'}, {"restart-cmd", required_argument, NULL, 'R'},
		{"reboot-cmd", required_argument, NULL, 'B'}, {"poweroff-cmd", required_argument, NULL, 'O'},
		{"shell-cmd", required_argument, NULL, 'S'}, {"idle-minutes", required_argument, NULL, 'i'},
		{"confirm-seconds", required_argument, NULL, 'c'},
		{"allow-quit", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct tui t = {
		.p = {
			.store = "/var/lib/tarn/db/node.db",
			.version_file = "/etc/tarn-version",
			.data_dir = "/var/lib/tarn",
			.mounts = "/proc/self/mounts",
			.hypervisor = "/sys/hypervisor",
			.log = "/var/log/messages",
			.log_cmd = env_or("TARN_TUI_LOG_CMD", "logread"),
			.agent_check = env_or("TARN_TUI_AGENT_CHECK", NULL),
			.agent_pidfile = "/run/tarnd-supervise.pid",
			.agent_socket = TARN_CLIENT_SOCKET,
			.agent_port = 8899,
			.restart_cmd = env_or("TARN_TUI_RESTART_CMD",
					      "/etc/rc.d/S90-agent stop; /etc/rc.d/S90-agent start"),
			.reboot_cmd = env_or("TARN_TUI_REBOOT_CMD", "reboot"),
			.poweroff_cmd = env_or("TARN_TUI_POWEROFF_CMD", "poweroff"),
			.shell_cmd = env_or("TARN_TUI_SHELL_CMD", "/bin/sh -l"),
			/* the agent and its supervisor log to syslog */
			.agent_log_cmd = env_or("TARN_TUI_AGENT_LOG_CMD", "logread | grep -E ' (tarnd\\[|supervise:)'"),
			.kernel_log_cmd = env_or("TARN_TUI_KERNEL_LOG_CMD", "dmesg"),
			.xen_log_cmd = env_or("TARN_TUI_XEN_LOG_CMD", "xl dmesg"),
			.ping_cmd = env_or("TARN_TUI_PING_CMD", "ping -c 3"),
			.console_cmd = env_or("TARN_TUI_CONSOLE_CMD", "xl console"),
		},
		.idle_limit = 5 * 60,
	};
	int o;
	char *end;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 's': t.p.store = optarg; break;
		case 'v': t.p.version_file = optarg; break;
		case 'd': t.p.data_dir = optarg; break;
		case 'm': t.p.mounts = optarg; break;
		case 'x': t.p.hypervisor = optarg; break;
		case 'l': t.p.log = optarg; break;
		case 'L': t.p.log_cmd = optarg; break;
		case 'P':
			t.p.agent_port = (int)strtol(optarg, &end, 10);
			if (*end || t.p.agent_port < 1 || t.p.agent_port > 65535)
				usage();
			break;
		case 'p': t.p.agent_pidfile = optarg; break;
		case 'k': t.p.agent_socket = optarg; break;
		case 'a': t.p.agent_check = *optarg ? optarg : NULL; break; /* '': the built-in check */
		case 'R': t.p.restart_cmd = optarg; break;
		case 'B': t.p.reboot_cmd = optarg; break;
		case 'O': t.p.poweroff_cmd = optarg; break;
		case 'S': t.p.shell_cmd = optarg; break;
		case 'i':
			t.idle_limit = strtod(optarg, &end) * 60;
			if (*end || !(t.idle_limit > 0))
				usage();
			break;
		case 'c':
			t.confirm_seconds = (int)strtol(optarg, &end, 10);
			if (*end || t.confirm_seconds < 1 || t.confirm_seconds > 3600)
				usage();
			break;
		case 'q': t.allow_quit = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();

	if (tui_first_line(t.p.version_file, t.version, sizeof t.version) != 0 || !t.version[0])
		TUI_COPY(t.version, TARN_VERSION);
	setlocale(LC_ALL, "");
	signal(SIGPIPE, SIG_IGN);
	tui_store_try(&t);
	/* arrows arrive as escape sequences: on a serial line too, they come
	 * well within 100 ms, and a lone Esc still feels immediate */
	set_escdelay(100);
	/* an unknown or missing TERM must not leave the host without a console:
	 * every serial terminal understands vt100 */
	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		fprintf(stderr, "tarn-tui: unknown terminal type '%s': using vt100\n", env_or("TERM", ""));
		setenv("TERM", "vt100", 1);
		scr = newterm(NULL, stdout, stdin);
	}
	if (!scr) {
		fprintf(stderr, "tarn-tui: cannot set up the terminal\n");
		tarn_store_close(t.st);
		return 1;
	}
	raw();          /* Ctrl-C, Ctrl-Z and Ctrl-\ are keys here, not signals */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	colours(&t);
	t.last_key = tui_now();

	menu_run(&t);

	endwin();
	delscreen(scr);
	tarn_store_close(t.st);
	return 0;
}

tarn_store *tui_store(struct tui *t)
{
	if (!t->st && !tui_store_try(t)) {
		char msg[TARN_ERRLEN + 64];
		snprintf(msg, sizeof msg, "The node store cannot be used, so nothing can be changed: %s",
			 t->store_err);
		tui_message(t, "Node store unavailable", msg, 1);
	}
	return t->st;
}

int tui_txn_end(tarn_store *st, int rc, tarn_err err)
{
	if (rc) {
		tarn_store_rollback(st);
		return -1;
	}
	return tarn_store_commit(st, err);
}

int tui_first_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int ok = fgets(buf, (int)n, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

double tui_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int tui_run_command(struct tui *t, const char *cmd, int interactive)
{
	(void)t;
	char full[4200];
	int rc;
	if (interactive) {
		def_prog_mode();
		endwin();
		rc = system(cmd);
		reset_prog_mode();
		clearok(curscr, TRUE);
		refresh();
	} else {
		snprintf(full, sizeof full, "(%s) </dev/null >/dev/null 2>&1", cmd);
		rc = system(full);
	}
	if (rc == -1 || !WIFEXITED(rc))
		return -1;
	return WEXITSTATUS(rc);
}
