/* Shared widgets: keys, the frame, dialogs, lists and forms. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tui.h"

int tui_key(struct tui *t, int timeout_ms)
{
	timeout(timeout_ms);
	int k = getch();
	double now = tui_now();
	/* idle too long (typing or not): the next change asks the password again */
	if (now - t->last_key > t->idle_limit)
		t->authed = 0;
	if (k == ERR)
		return ERR;
	t->last_key = now;
	if (k == TUI_CTRL('l')) {
		clearok(curscr, TRUE);
		return KEY_REFRESH;
	}
	return k;
}

int tui_is_enter(int k) { return k == '\r' || k == '\n' || k == KEY_ENTER; }
int tui_is_back(int k) { return k == TUI_ESC || k == KEY_LEFT || k == KEY_BACKSPACE || k == 127 || k == 8; }

void tui_print(int y, int x, int w, attr_t a, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	if (y < 0 || y >= LINES || x < 0 || x >= COLS || w <= 0)
		return;
	if (x + w > COLS)
		w = COLS - x;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	for (char *p = buf; *p; p++) /* nothing from a file or the store drives the terminal */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = (*p == '\t') ? ' ' : '?';
	attrset(a);
	mvaddnstr(y, x, buf, w);
	attrset(A_NORMAL);
}

/* Where the line starting at p breaks in w columns: its length in *n, and
 * the start of the next line. */
static const char *line_break(const char *p, int w, int *n)
{
	*n = (int)strcspn(p, "\n");
	if (*n > w) {
		int at = w;
		while (at > 0 && p[at] != ' ')
			at--;
		*n = at ? at : w;
	}
	p += *n;
	while (*p == ' ')
		p++;
	return *p == '\n' ? p + 1 : p;
}

int tui_wrap(int y, int x, int w, int maxrows, attr_t a, const char *text)
{
	int rows = 0, n;
	for (const char *p = text; *p && rows < maxrows && w > 0; rows++) {
		const char *next = line_break(p, w, &n);
		tui_print(y + rows, x, w, a, "%.*s", n, p);
		p = next;
	}
	return rows;
}

void tui_frame(struct tui *t, const char *title, const char *hints)
{
	erase();
	attrset(t->a_title);
	mvhline(0, 0, ' ', COLS);
	tui_print(0, 1, COLS - 2, t->a_title, "Tarn %s  %s", t->version, title);
	attrset(t->a_title);
	mvhline(LINES - 1, 0, ' ', COLS);
	tui_print(LINES - 1, 1, COLS - 2, t->a_title, "%s", hints);
	attrset(A_NORMAL);
}

/* A bordered box in the middle of the screen; returns its top-left corner. */
static void dialog_box(struct tui *t, int h, int w, const char *title, int *y, int *x)
{
	if (w > COLS - 2)
		w = COLS - 2;
	if (h > LINES - 2)
		h = LINES - 2;
	*y = (LINES - h) / 2;
	*x = (COLS - w) / 2;
	if (h < 3 || w < 6) /* no room: the caller's text still goes where it fits */
		return;
	for (int r = 0; r < h; r++)
		mvhline(*y + r, *x, ' ', w);
	attrset(A_BOLD);
	mvaddch(*y, *x, ACS_ULCORNER);
	mvhline(*y, *x + 1, ACS_HLINE, w - 2);
	mvaddch(*y, *x + w - 1, ACS_URCORNER);
	mvvline(*y + 1, *x, ACS_VLINE, h - 2);
	mvvline(*y + 1, *x + w - 1, ACS_VLINE, h - 2);
	mvaddch(*y + h - 1, *x, ACS_LLCORNER);
	mvhline(*y + h - 1, *x + 1, ACS_HLINE, w - 2);
	mvaddch(*y + h - 1, *x + w - 1, ACS_LRCORNER);
	attrset(A_NORMAL);
	tui_print(*y, *x + 2, w - 4, t->a_key, " %s ", title);
}

static int text_rows(const char *text, int w)
{
	int rows = 0, n;
	for (const char *p = text; *p && w > 0; rows++)
		p = line_break(p, w, &n);
	return rows;
}

/* Draws a dialog with text and the given buttons; sel is highlighted. */
static void dialog(struct tui *t, int fresh, const char *title, const char *text, int error,
		   const char *const *buttons, int nbuttons, int sel)
{
	if (fresh)
		tui_frame(t, title, "Enter: choose  Esc: back  Ctrl-L: redraw");
	int w = COLS - 4 < 64 ? COLS - 4 : 64, rows = text_rows(text, w - 4);
	int y, x;
	dialog_box(t, rows + 4, w, title, &y, &x);
	tui_wrap(y + 1, x + 2, w - 4, LINES - 4, error ? t->a_err : A_NORMAL, text);
	int bx = x + w - 2;
	for (int i = nbuttons - 1; i >= 0; i--) {
		bx -= (int)strlen(buttons[i]) + 5;
		tui_print(y + rows + 2, bx, w, i == sel ? t->a_sel : A_NORMAL, "[ %s ]", buttons[i]);
	}
	refresh();
}

void tui_message(struct tui *t, const char *title, const char *text, int error)
{
	static const char *const ok[] = {"OK"};
	curs_set(0);
	int fresh = 0;
	for (;;) {
		dialog(t, fresh, title, text, error, ok, 1, 0);
		int k = tui_key(t, -1);
		if (tui_is_enter(k) || k == TUI_ESC || k == ' ')
			return;
		fresh = 1;
	}
}

int tui_confirm(struct tui *t, const char *title, const char *question)
{
	static const char *const yn[] = {"Yes", "No"};
	int sel = 1, fresh = 0;
	curs_set(0);
	for (;;) {
		dialog(t, fresh, title, question, 0, yn, 2, sel);
		fresh = 1;
		int k = tui_key(t, -1);
		if (k == 'y' || k == 'Y')
			return 1;
		if (k == 'n' || k == 'N' || k == TUI_ESC)
			return 0;
		if (tui_is_enter(k))
			return sel == 0;
		if (k == KEY_LEFT || k == KEY_RIGHT || k == '\t' || k == KEY_BTAB)
			sel = !sel;
	}
}

int tui_countdown(struct tui *t, const char *title, const char *question, int seconds)
{
	static const char *const kr[] = {"Keep", "Put back"};
	int sel = 0, fresh = 0;
	double end = tui_now() + seconds;
	curs_set(0);
	for (;;) {
		double left = end - tui_now();
		if (left <= 0)
			return 0;
		char text[512];
		snprintf(text, sizeof text, "%s\n\nPut back in %d s unless kept.", question, (int)left + 1);
		dialog(t, fresh, title, text, 0, kr, 2, sel);
		fresh = 1;
		int k = tui_key(t, left < 1 ? (int)(left * 1000) + 1 : 1000);
		if (k == 'k' || k == 'K' || k == 'y' || k == 'Y')
			return 1;
		if (k == 'p' || k == 'P' || k == 'n' || k == 'N' || k == TUI_ESC)
			return 0;
		if (tui_is_enter(k))
			return sel == 0;
		if (k == KEY_LEFT || k == KEY_RIGHT || k == '\t' || k == KEY_BTAB)
			sel = !sel;
	}
}

/* Line editing shared by forms and prompts; 1 when the key was used. */
static int edit_key(char *buf, size_t size, size_t *cur, int k)
{
	size_t len = strlen(buf);
	if (*cur > len)
		*cur = len;
	if (k == KEY_BACKSPACE || k == 127 || k == 8) {
		if (*cur == 0)
			return 1;
		memmove(buf + *cur - 1, buf + *cur, len - *cur + 1);
		(*cur)--;
	} else if (k == KEY_DC || k == TUI_CTRL('d')) {
		if (*cur < len)
			memmove(buf + *cur, buf + *cur + 1, len - *cur);
	} else if (k == KEY_LEFT) {
		if (*cur > 0)
			(*cur)--;
	} else if (k == KEY_RIGHT) {
		if (*cur < len)
			(*cur)++;
	} else if (k == KEY_HOME || k == TUI_CTRL('a')) {
		*cur = 0;
	} else if (k == KEY_END || k == TUI_CTRL('e')) {
		*cur = len;
	} else if (k == TUI_CTRL('u')) {
		buf[0] = '\0';
		*cur = 0;
	} else if (k >= 0x20 && k <= 0xff && k != 0x7f) {
		if (len + 1 >= size)
			return 1;
		memmove(buf + *cur + 1, buf + *cur, len - *cur + 1);
		buf[(*cur)++] = (char)k;
	} else {
		return 0;
	}
	return 1;
}

/* Draws an editable value in w columns at (y, x), scrolled to show the
 * cursor, and returns the cursor's column. */
static int draw_value(int y, int x, int w, attr_t a, const char *v, size_t cur, int secret)
{
	char shown[300];
	size_t len = strlen(v), off = 0;
	int inner = w - 2;
	if (inner < 1)
		return x;
	if (cur >= (size_t)inner)
		off = cur - (size_t)inner + 1;
	for (size_t i = 0; i < len && i < sizeof shown - 1; i++)
		shown[i] = secret ? '*' : v[i];
	shown[len < sizeof shown - 1 ? len : sizeof shown - 1] = '\0';
	tui_print(y, x, 1, A_NORMAL, "[");
	attrset(a);
	mvhline(y, x + 1, ' ', inner);
	attrset(A_NORMAL);
	tui_print(y, x + 1, inner, a, "%s", off < len ? shown + off : "");
	tui_print(y, x + w - 1, 1, A_NORMAL, "]");
	return x + 1 + (int)(cur - off);
}

int tui_ask_secret(struct tui *t, const char *title, const char *label, char *out, size_t n)
{
	size_t cur = 0;
	int fresh = 0;
	out[0] = '\0';
	for (;;) {
		if (fresh)
			tui_frame(t, title, "Enter: done  Esc: cancel  Ctrl-L: redraw");
		int w = COLS - 4 < 60 ? COLS - 4 : 60, y, x;
		dialog_box(t, 6, w, title, &y, &x);
		tui_print(y + 2, x + 2, w - 4, A_NORMAL, "%s", label);
		int lw = (int)strlen(label) + 1;
		int cx = draw_value(y + 2, x + 2 + lw, w - 4 - lw, t->a_sel, out, cur, 1);
		tui_print(y + 4, x + 2, w - 4, t->a_dim, "(not shown as you type)");
		move(y + 2, cx);
		curs_set(1);
		refresh();
		int k = tui_key(t, -1);
		fresh = 1;
		if (tui_is_enter(k)) {
			curs_set(0);
			return 1;
		}
		if (k == TUI_ESC) {
			memset(out, 0, n);
			curs_set(0);
			return 0;
		}
		edit_key(out, n, &cur, k);
	}
}

int tui_list(struct tui *t, const char *title, const struct tui_entry *e, int n, int *sel)
{
	curs_set(0);
	for (;;) {
		if (*sel < 0 || *sel >= n)
			*sel = 0;
		tui_frame(t, title, "Up/Down: select  Enter or letter: open  Esc: back  Ctrl-L: redraw");
		for (int i = 0; i < n; i++) {
			tui_print(2 + i, 2, 3, t->a_key, "%c", e[i].key);
			tui_print(2 + i, 5, COLS - 7, i == *sel ? t->a_sel : A_NORMAL, " %-40s", e[i].title);
		}
		tui_wrap(3 + n, 2, COLS - 4, LINES - 5 - n, t->a_dim, e[*sel].help);
		refresh();
		int k = tui_key(t, -1);
		if (k == KEY_UP)
			*sel = (*sel + n - 1) % n;
		else if (k == KEY_DOWN || k == '\t')
			*sel = (*sel + 1) % n;
		else if (tui_is_enter(k) || k == KEY_RIGHT)
			return *sel;
		else if (tui_is_back(k))
			return -1;
		for (int i = 0; k > 0 && k < 256 && i < n; i++)
			if (tolower(k) == e[i].key)
				return *sel = i;
	}
}

/* ---- forms ---- */

/* A choice field's value is the text of one of its choices: moves by delta. */
static void choose(struct tui_field *fl, int delta)
{
	int n = 0, at = 0;
	while (fl->choices[n])
		n++;
	for (int i = 0; i < n; i++)
		if (strcmp(fl->choices[i], fl->value) == 0)
			at = i;
	at = ((at + delta) % n + n) % n;
	TUI_COPY(fl->value, fl->choices[at]);
}

static int check_field(struct tui_form *f, int i)
{
	struct tui_field *fl = &f->f[i];
	fl->err[0] = '\0';
	if (fl->check && fl->check(f, fl->value, fl->err) == NULL)
		fl->err[0] = '\0';
	return fl->err[0] != '\0';
}

/* Checks the field being left, and again every field showing a message
 * (one field's check may depend on another's value). */
static void check_on_leave(struct tui_form *f)
{
	check_field(f, f->focus);
	for (int i = 0; i < f->n; i++)
		if (f->f[i].err[0])
			check_field(f, i);
}

static void move_focus(struct tui_form *f, int step)
{
	for (int i = 0; i < f->n; i++) {
		f->focus = (f->focus + step + f->n) % f->n;
		if (f->f[f->focus].kind != TUI_FIXED)
			return;
	}
}

static void form_draw(struct tui *t, struct tui_form *f, const char *status, int status_err)
{
	int choices = 0;
	for (int i = 0; i < f->n; i++)
		choices |= f->f[i].kind == TUI_CHOICE;
	tui_frame(t, f->title, choices ? "Tab/Up/Down: field  Left/Right or letter: choice  Enter: save  Esc: cancel"
				       : "Tab/Up/Down: field  Enter: save  Esc: cancel  Ctrl-L: redraw");
	int y = 2, lw = 24, vx = 2 + lw + 1, vw = COLS - vx - 2, cy = -1, cx = 0;
	if (vw > 44)
		vw = 44;
	if (f->intro)
		y += tui_wrap(y, 2, COLS - 4, 3, A_NORMAL, f->intro) + 1;
	for (int i = 0; i < f->n; i++, y += 2) {
		struct tui_field *fl = &f->f[i];
		int focus = i == f->focus;
		tui_print(y, 2, lw, focus ? A_BOLD : A_NORMAL, "%s", fl->label);
		attr_t a = focus ? t->a_sel : A_NORMAL;
		if (fl->kind == TUI_FIXED) {
			tui_print(y, vx + 1, vw, A_BOLD, "%s", fl->value);
		} else if (fl->kind == TUI_CHOICE) {
			tui_print(y, vx, vw, a, "< %s >", fl->value);
		} else {
			int c = draw_value(y, vx, vw, a, fl->value, fl->cur, fl->kind == TUI_SECRET);
			if (focus)
				cy = y, cx = c;
		}
		if (fl->err[0])
			tui_print(y + 1, 4, COLS - 5, t->a_err, "! %s", fl->err);
		else if (focus && fl->hint)
			tui_print(y + 1, 4, COLS - 5, t->a_dim, "%s", fl->hint);
	}
	if (status)
		tui_wrap(y, 2, COLS - 4, LINES - 2 - y, status_err ? t->a_err : t->a_ok, status);
	if (cy >= 0) {
		move(cy, cx);
		curs_set(1);
	} else {
		curs_set(0);
	}
	refresh();
}

int tui_form_run(struct tui *t, struct tui_form *f)
{
	char status[TARN_ERRLEN + 64] = "";
	int status_err = 0;
	if (f->f[f->focus].kind == TUI_FIXED)
		move_focus(f, 1);
	for (int i = 0; i < f->n; i++)
		f->f[i].cur = strlen(f->f[i].value);
	for (;;) {
		form_draw(t, f, status[0] ? status : NULL, status_err);
		int k = tui_key(t, -1);
		struct tui_field *fl = &f->f[f->focus];
		if (k == TUI_ESC) {
			curs_set(0);
			return 0;
		} else if (k == '\t' || k == KEY_DOWN) {
			check_on_leave(f);
			move_focus(f, 1);
		} else if (k == KEY_BTAB || k == KEY_UP) {
			check_on_leave(f);
			move_focus(f, -1);
		} else if (tui_is_enter(k)) {
			int bad = -1;
			for (int i = f->n - 1; i >= 0; i--)
				if (check_field(f, i))
					bad = i;
			if (bad >= 0) {
				f->focus = bad;
				snprintf(status, sizeof status, "Nothing was saved: %s.", f->f[bad].err);
				status_err = 1;
				continue;
			}
			curs_set(0);
			if (f->needs_auth && !tui_authorize(t)) {
				snprintf(status, sizeof status, "Nothing was saved.");
				status_err = 1;
				continue;
			}
			tarn_err err = "";
			int saved = f->save(t, f, err);
			if (saved != 0) { /* -2: part of it was, and err says which */
				snprintf(status, sizeof status, saved == -2 ? "%s" : "Nothing was saved: %s", err);
				status_err = 1;
				continue;
			}
			form_draw(t, f, NULL, 0); /* what was saved stays behind the message */
			curs_set(0);
			return 1;
		} else if (fl->kind == TUI_CHOICE) {
			if (k == KEY_LEFT)
				choose(fl, -1);
			else if (k == KEY_RIGHT || k == ' ')
				choose(fl, 1);
			for (int i = 0; k > ' ' && k < 127 && fl->choices[i]; i++)
				if (fl->choices[i][0] == k) { /* a choice's first letter picks it */
					TUI_COPY(fl->value, fl->choices[i]);
					break;
				}
			fl->err[0] = '\0';
		} else if (fl->kind != TUI_FIXED && edit_key(fl->value, sizeof fl->value, &fl->cur, k)) {
			fl->err[0] = '\0';
			status[0] = '\0';
		}
	}
}
