/* The main menu: every screen of the console, in one table, with the live
 * status beside it. Add a screen by adding its line here. */
#include <ctype.h>

#include "tui.h"

static const struct tui_entry menu[] = {
	{'s', "Status", "This host in detail, and what the agent made of its settings.", screen_status},
	{'n', "Network interfaces", "DHCP or a static address, gateway, IPv6 and MTU for each "
	 "interface; which one is for management.", screen_network},
	{'h', "Host name", "The name this host gives itself.", screen_hostname},
	{'d', "DNS and NTP servers", "Where this host resolves names and gets its time.", screen_dns},
	{'b', "Bridges, VLANs, bonds", "Network devices: bridges over network cards, VLANs and bonds.", screen_netdev},
	{'g', "Guests", "The pool's guests, desired and actual state side by side: create, start, shut "
	 "down, pause, delete.", screen_guests},
	{'r', "Storage repositories", "Local disks, NFS and iSCSI repositories; ISOs, templates and virtual disks.", screen_storage},
	{'o', "Server pool", "The pool this host is in, its members and roles; create, join or leave one.", screen_pool},
	{'p', "Passwords", "The console password and the agent's (API) password.", screen_password},
	{'y', "System", "Logs, ping; restart the agent; reboot or shut down the host; reset to defaults.", screen_system},
	{'x', "Local shell", "A root shell on this console (asks the console password).", screen_shell},
};
#define MENU_N ((int)(sizeof menu / sizeof menu[0]))
#define MENU_W 28

static void draw(struct tui *t, int sel)
{
	tui_frame(t, "Console", t->allow_quit
		  ? "Up/Down: select  Enter or letter: open  q: quit  Ctrl-L: redraw"
		  : "Up/Down: select  Enter or letter: open  Ctrl-L: redraw");
	for (int i = 0; i < MENU_N; i++) {
		tui_print(2 + i, 1, 2, t->a_key, "%c", menu[i].key);
		tui_print(2 + i, 3, MENU_W - 4, i == sel ? t->a_sel : A_NORMAL, " %-*s", MENU_W - 5,
			  menu[i].title);
	}
	tui_wrap(3 + MENU_N, 1, MENU_W - 3, LINES - 4 - MENU_N, t->a_dim, menu[sel].help);
	attrset(t->a_dim);
	mvvline(2, MENU_W - 1, ACS_VLINE, LINES - 4);
	attrset(A_NORMAL);
	status_draw(t, 2, MENU_W + 1, LINES - 4, COLS - MENU_W - 2);
	refresh();
}

void menu_run(struct tui *t)
{
	int sel = 0;
	curs_set(0);
	for (;;) {
		draw(t, sel);
		int k = tui_key(t, 2000), open = -1;
		if (k == KEY_UP)
			sel = (sel + MENU_N - 1) % MENU_N;
		else if (k == KEY_DOWN || k == '\t')
			sel = (sel + 1) % MENU_N;
		else if (k == KEY_HOME)
			sel = 0;
		else if (k == KEY_END)
			sel = MENU_N - 1;
		else if (tui_is_enter(k) || k == KEY_RIGHT)
			open = sel;
		else if (k == 'q' || k == 'Q') {
			if (t->allow_quit)
				return;
			tui_message(t, "This console stays open",
				    "This is the host's console: it does not exit. Choose Local shell "
				    "(x) for a shell.", 0);
		}
		for (int i = 0; k > 0 && k < 256 && i < MENU_N; i++)
			if (tolower(k) == menu[i].key)
				open = sel = i;
		if (open >= 0) {
			menu[open].run(t);
			curs_set(0);
		}
	}
}
