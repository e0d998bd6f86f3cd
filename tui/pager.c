/* A scrollable view of a text file (a log), or of what a command prints
 * (logread: BusyBox's syslogd keeps the log in memory), opened at its end;
 * or of a text (a list the agent answered with), opened at its top. Only
 * the last 2 MiB are kept, so a huge log cannot exhaust dom0's memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

#define PAGER_MAX (2 << 20)

struct text {
	char *buf;
	char **line;
	int n;
	char err[160];
};

/* Reads a stream, keeping its last PAGER_MAX bytes. */
static char *slurp(FILE *f, size_t *len)
{
	size_t cap = 65536, n = 0, got;
	char *buf = malloc(cap + 1), *grown;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n < cap)
			continue;
		if (cap < PAGER_MAX && (grown = realloc(buf, cap * 2 + 1))) {
			buf = grown;
			cap *= 2;
		} else { /* full: drop the older half */
			memmove(buf, buf + n / 2, n - n / 2);
			n -= n / 2;
		}
	}
	if (buf)
		buf[n] = '\0';
	*len = n;
	return buf;
}

/* Cuts the text in x->buf (got bytes) into lines. */
static void split(struct text *x, size_t got)
{
	if (!x->buf)
		return;
	int cap = 1;
	for (size_t i = 0; i < got; i++)
		cap += x->buf[i] == '\n';
	x->line = malloc((size_t)cap * sizeof *x->line);
	if (!x->line)
		return;
	for (char *p = x->buf; *p && x->n < cap;) {
		x->line[x->n++] = p;
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
}

/* The file at path, or else what cmd prints. */
static void load(struct text *x, const char *path, const char *cmd)
{
	free(x->buf);
	free(x->line);
	memset(x, 0, sizeof *x);
	FILE *f = path ? fopen(path, "r") : NULL;
	int piped = 0;
	if (!f && cmd && (f = popen(cmd, "r")))
		piped = 1;
	if (!f) {
		snprintf(x->err, sizeof x->err, "cannot read %.100s: %m", path ? path : cmd);
		return;
	}
	size_t got;
	x->buf = slurp(f, &got);
	int rc = piped ? pclose(f) : fclose(f);
	if (piped && rc != 0 && got == 0 && path)
		snprintf(x->err, sizeof x->err, "cannot read %.60s, and %.60s printed nothing", path, cmd);
	else if (piped && got == 0)
		snprintf(x->err, sizeof x->err, "%.100s printed nothing", cmd);
	split(x, got);
}

/* Shows x from line top (-1: its end); r reloads it from path or cmd
 * (a text given as it is has neither). */
static void page(struct tui *t, const char *title, struct text *x, int top, const char *path, const char *cmd)
{
	int left = 0;
	curs_set(0);
	for (;;) {
		int rows = LINES - 3;
		if (rows < 1)
			rows = 1;
		if (top < 0 || top > x->n - rows)
			top = x->n - rows; /* the end: the newest lines */
		if (top < 0)
			top = 0;
		tui_frame(t, title, path || cmd ? "Up/Down PgUp/PgDn space b: scroll  g/G: top/end  r: reload  Esc: back"
					 : "Up/Down PgUp/PgDn space b: scroll  g/G: top/end  Esc: back");
		if (x->err[0])
			tui_print(2, 2, COLS - 4, t->a_err, "%s", x->err);
		for (int i = 0; i < rows && top + i < x->n; i++) {
			const char *l = x->line[top + i];
			tui_print(1 + i, 0, COLS, A_NORMAL, "%s", (int)strlen(l) > left ? l + left : "");
		}
		tui_print(LINES - 2, COLS - 24, 24, t->a_dim, "lines %d-%d of %d", x->n ? top + 1 : 0,
			  top + rows < x->n ? top + rows : x->n, x->n);
		refresh();
		int k = tui_key(t, -1);
		if (k == TUI_ESC || k == 'q' || k == KEY_BACKSPACE || k == 127)
			break;
		else if (k == KEY_UP)
			top = top > 0 ? top - 1 : 0;
		else if (k == KEY_DOWN)
			top++;
		else if (k == KEY_PPAGE || k == 'b')
			top = top > rows ? top - rows : 0;
		else if (k == KEY_NPAGE || k == ' ')
			top += rows;
		else if (k == KEY_HOME || k == 'g')
			top = 0;
		else if (k == KEY_END || k == 'G')
			top = -1;
		else if (k == KEY_LEFT)
			left = left >= 8 ? left - 8 : 0;
		else if (k == KEY_RIGHT)
			left += 8;
		else if (k == 'r' && (path || cmd)) {
			load(x, path, cmd);
			top = -1;
		}
		if (top >= x->n - rows) /* scrolling past the end stays at the end */
			top = -1;
	}
}

void tui_pager(struct tui *t, const char *title, const char *path, const char *cmd)
{
	struct text x = {0};
	load(&x, path, cmd);
	page(t, title, &x, -1, path, cmd);
	free(x.buf);
	free(x.line);
}

void tui_pager_text(struct tui *t, const char *title, const char *text)
{
	struct text x = {.buf = strdup(text)};
	split(&x, x.buf ? strlen(x.buf) : 0);
	page(t, title, &x, 0, NULL, NULL);
	free(x.buf);
	free(x.line);
}
