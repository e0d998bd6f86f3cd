/* tarn-tui, the host's console: what its screens share.
 *
 * Shaped like XenServer's xsconsole: one file per screen (screen-*.c), one
 * menu table (menu.c) naming them, shared widgets (widgets.c, pager.c) and
 * the console-password gate (session.c). Everything draws on stdscr and is
 * redrawn whole on every pass of a screen's loop: curses sends only what
 * changed, so a live refresh does not flicker, and a resize or Ctrl-L is
 * just another pass. Screens read and write the node store (lib/store.h)
 * directly; every change is validated first and written in one transaction.
 * What is the agent's (storage, the pool, guests) is asked of it: agent.h. */
#ifndef TARN_TUI_H
#define TARN_TUI_H
#include <curses.h>
#include <time.h>

#include "store.h"

#ifndef TARN_VERSION
#define TARN_VERSION "0.0.0"   /* the build's VERSION, given by the Makefile */
#endif

/* Where things are and what the actions run: defaults for a Tarn host,
 * every one overridable (options or environment) so tests touch nothing. */
struct tui_paths {
	const char *store;          /* the node store */
	const char *version_file;   /* /etc/tarn-version */
	const char *data_dir;       /* /var/lib/tarn: persistent when a partition is mounted there */
	const char *mounts;         /* /proc/self/mounts */
	const char *hypervisor;     /* /sys/hypervisor */
	const char *log;            /* the file "View the log" shows */
	const char *log_cmd;        /* or, when there is none, this command's output */
	const char *agent_check;    /* a command whose exit status says whether the agent is well */
	const char *agent_pidfile;  /* the agent's supervisor */
	const char *agent_socket;   /* the agent's local API socket (root needs no password) */
	int agent_port;
	const char *restart_cmd, *reboot_cmd, *poweroff_cmd, *shell_cmd;
	const char *agent_log_cmd, *kernel_log_cmd, *xen_log_cmd; /* System's other logs */
	const char *ping_cmd;       /* diagnostics: run with an address after it */
	const char *console_cmd;    /* a guest's text console: run with the guest's name after it */
};

struct tui {
	struct tui_paths p;
	char version[64];           /* this Tarn's: the version file's, else the build's */
	tarn_store *st;             /* NULL when the store could not be opened */
	char store_err[TARN_ERRLEN];
	int allow_quit;             /* tests only: 'q' on the main menu exits */
	int authed;                 /* the console password was given this session */
	double idle_limit;          /* seconds without a key before it is asked again */
	double last_key;
	int confirm_seconds;        /* length of a management change's trial; 0: the store's default */
	/* attributes: colour when the terminal has it, else bold/reverse */
	attr_t a_title, a_sel, a_err, a_ok, a_dim, a_key;
};

/* A screen or action: the menu table's entries and sub-menus' lines. */
struct tui_entry {
	int key;                    /* a letter that opens it */
	const char *title;
	const char *help;           /* one line shown while it is selected */
	void (*run)(struct tui *t);
};

/* Screens (screen-*.c) */
void screen_status(struct tui *t);
void screen_network(struct tui *t);
void screen_hostname(struct tui *t);
void screen_dns(struct tui *t);
void screen_password(struct tui *t);
void screen_system(struct tui *t);
void screen_shell(struct tui *t);
void tui_backup_config(struct tui *t);  /* System's, screen-backup.c */
void tui_restore_config(struct tui *t);
void screen_netdev(struct tui *t);
void screen_guests(struct tui *t);
void screen_storage(struct tui *t);
void screen_pool(struct tui *t);
/* The IPv4 addresses (address/prefix, space-separated) the kernel has on
 * an interface now; returns how many. */
int tui_iface_ipv4(const char *name, char *out, size_t n);
/* The status summary, drawn in the box at (y, x) of h rows and w columns;
 * returns the rows used. */
int status_draw(struct tui *t, int y, int x, int h, int w);

/* screen-network.c: inside an open transaction, before a change of the
 * devices in names, puts it on trial when it touches the management path
 * (1; 0 when not, -1 with err). After the commit, tui_keep_or_put_back asks
 * whether to keep the change on trial; 0 when none is. */
int tui_net_guard(struct tui *t, const char *names, tarn_err err);
int tui_keep_or_put_back(struct tui *t);

/* menu.c: the main menu, with the status beside it. Returns when the user
 * quits (only with allow_quit). */
void menu_run(struct tui *t);

/* session.c: asks the console password before a change (once a session,
 * again after idle_limit); when none is set yet, has one set. Returns 1 when
 * the change may go ahead; otherwise it has told the user nothing changed. */
int tui_authorize(struct tui *t);
/* screen-password.c: sets the password stored under key (console_password
 * or agent_password) from a form that asks it twice; asks the console
 * password first when needs_auth (not for the very first one). 1 when set. */
int password_form(struct tui *t, const char *key, const char *title, int needs_auth);

/* Keys: getch with idle tracking; Ctrl-L repaints the terminal. A pass of
 * the caller's loop follows every return, which redraws. timeout_ms < 0
 * waits for a key; ERR on timeout. */
#define TUI_CTRL(c) ((c) & 0x1f)
#define TUI_ESC 27
int tui_key(struct tui *t, int timeout_ms);
int tui_is_enter(int k);
int tui_is_back(int k);     /* Esc, Left on a list, Backspace */

/* widgets.c: the frame (title bar and key hints on the last line), dialogs */
void tui_frame(struct tui *t, const char *title, const char *hints);
void tui_print(int y, int x, int w, attr_t a, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Prints text wrapped at word boundaries in w columns; returns rows used. */
int tui_wrap(int y, int x, int w, int maxrows, attr_t a, const char *text);
void tui_message(struct tui *t, const char *title, const char *text, int error);
int tui_confirm(struct tui *t, const char *title, const char *question);
/* Keep (1) or put back (0) a change; put back when seconds pass unanswered. */
int tui_countdown(struct tui *t, const char *title, const char *question, int seconds);
/* Asks one hidden line; 1 with it in out, 0 when Esc. */
int tui_ask_secret(struct tui *t, const char *title, const char *label, char *out, size_t n);
/* A vertical list of entries: returns the index chosen with Enter or its
 * letter, -1 for Esc. sel keeps the cursor between calls. */
int tui_list(struct tui *t, const char *title, const struct tui_entry *e, int n, int *sel);

/* Forms: labelled fields, each checked as the cursor leaves it and all of
 * them before anything is saved; what is wrong is shown under the field. */
enum tui_field_kind { TUI_TEXT, TUI_SECRET, TUI_CHOICE, TUI_FIXED };
struct tui_form;
struct tui_field {
	const char *label;
	enum tui_field_kind kind;
	char value[256];
	const char *const *choices; /* TUI_CHOICE: value is one of these */
	const char *hint;           /* shown beside the field while it is empty or focused */
	/* NULL or the message for what is wrong (written into err) */
	const char *(*check)(const struct tui_form *f, const char *value, tarn_err err);
	char err[TARN_ERRLEN];
	size_t cur;                 /* cursor in value */
};
struct tui_form {
	const char *title;
	const char *intro;          /* a line above the fields, or NULL */
	struct tui_field *f;
	int n;
	int focus;
	void *ctx;
	/* Writes the change (after every field passed its check and the console
	 * password was given); 0, or -1 with a message, having changed nothing;
	 * -2 when it made part of the change (several calls) and err says which. */
	int (*save)(struct tui *t, struct tui_form *f, tarn_err err);
	int needs_auth;             /* ask the console password before saving */
};
/* Runs the form until it is saved (1) or left with Esc (0). */
int tui_form_run(struct tui *t, struct tui_form *f);
/* A form field's check that is a validator of the value alone (validate.h). */
#define TUI_FIELD_CHECK(name, validator)                                                        \
	static const char *name(const struct tui_form *f, const char *v, tarn_err err)          \
	{                                                                                        \
		(void)f;                                                                         \
		return validator(v, err);                                                        \
	}
/* A form field's check: the password typed again matches the field before. */
const char *tui_check_again(const struct tui_form *f, const char *v, tarn_err err);

/* pager.c: a scrollable view of a file (or, when it cannot be read or path
 * is NULL, of what cmd prints), opened at its end. */
void tui_pager(struct tui *t, const char *title, const char *path, const char *cmd);
/* The same view of a text, opened at its top. */
void tui_pager_text(struct tui *t, const char *title, const char *text);

/* Runs a shell command with the terminal handed back to it when
 * interactive; returns its exit status (-1 when it could not run). */
int tui_run_command(struct tui *t, const char *cmd, int interactive);
/* The store, or NULL after telling the user why it is not available. */
tarn_store *tui_store(struct tui *t);
/* Opens the store when it is not open yet (making its directory as the
 * agent would); NULL, silently, with the reason in t->store_err. */
tarn_store *tui_store_try(struct tui *t);
/* Ends a change begun with tarn_store_begin: commits when rc is 0, else
 * rolls back so nothing of it lands. 0, or -1 (err says why). */
int tui_txn_end(tarn_store *st, int rc, tarn_err err);
double tui_now(void);
/* The first line of a file, without its newline: 0, or -1 when unreadable. */
int tui_first_line(const char *path, char *buf, size_t n);
/* Copies a string into an array, cut to fit. */
#define TUI_COPY(dst, src) snprintf((dst), sizeof(dst), "%.*s", (int)sizeof(dst) - 1, (src))

#endif
