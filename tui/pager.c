/* A scrollable view of a text file (a log), opened at its end. Only the
 * last 2 MiB are read, so a huge log cannot exhaust dom0's memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tui.h"

#define PAGER_MAX (2 << 20)

struct text {
	char *buf;
	char **line;
	int n;
	char err[160];
};

static void load(struct text *x, const char *path)
{
	free(x->buf);
	free(x->line);
	memset(x, 0, sizeof *x);
	FILE *f = fopen(path, "r");
	struct stat sb;
	if (!f || fstat(fileno(f), &sb) != 0) {
		snprintf(x->err, sizeof x->err, "cannot read %.100s: %m", path);
		if (f)
			fclose(f);
		return;
	}
	long size = sb.st_size > PAGER_MAX ? PAGER_MAX : (long)sb.st_size;
	if (sb.st_size > PAGER_MAX)
		fseek(f, -(long)PAGER_MAX, SEEK_END);
	x->buf = malloc((size_t)size + 1);
	size_t got = x->buf ? fread(x->buf, 1, (size_t)size, f) : 0;
	fclose(f);
	if (!x->buf)
		return;
	x->buf[got] = '\0';
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

void tui_pager(struct tui *t, const char *title, const char *path)
{
	struct text x = {0};
	int top = -1, left = 0;
	load(&x, path);
	curs_set(0);
	for (;;) {
		int rows = LINES - 3;
		if (rows < 1)
			rows = 1;
		if (top < 0 || top > x.n - rows)
			top = x.n - rows; /* the end: the newest lines */
		if (top < 0)
			top = 0;
		tui_frame(t, title, "Up/Down PgUp/PgDn space b: scroll  g/G: top/end  r: reload  Esc: back");
		if (x.err[0])
			tui_print(2, 2, COLS - 4, t->a_err, "%s", x.err);
		for (int i = 0; i < rows && top + i < x.n; i++) {
			const char *l = x.line[top + i];
			tui_print(1 + i, 0, COLS, A_NORMAL, "%s", (int)strlen(l) > left ? l + left : "");
		}
		tui_print(LINES - 2, COLS - 24, 24, t->a_dim, "lines %d-%d of %d", x.n ? top + 1 : 0,
			  top + rows < x.n ? top + rows : x.n, x.n);
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
		else if (k == 'r') {
			load(&x, path);
			top = -1;
		}
		if (top >= x.n - rows) /* scrolling past the end stays at the end */
			top = -1;
	}
	free(x.buf);
	free(x.line);
}
