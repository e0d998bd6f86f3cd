/* Editing xl.cfg text; see xlcfg-edit.h. The scanner knows just enough of
 * libxlutil's grammar (settings "key = value" or "key += value" ended by
 * a line end or ';', strings in either quote, lists in brackets, comments
 * from '#') to find where each setting starts and ends: the texts it gets
 * have already been accepted by libxlutil. */
#include "xlcfg-edit.h"

#include <ctype.h>
#include <libxlutil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xlcfg.h"

struct setting {
	size_t start, name_end, end; /* the setting's text is [start, end) */
};

static const char *skip_string(const char *p)
{
	char q = *p++;
	while (*p && *p != q && *p != '\n')
		p += *p == '\\' && p[1] ? 2 : 1;
	return *p == q ? p + 1 : NULL;
}

/* The end of the value at p, or NULL. */
static const char *skip_value(const char *p)
{
	if (*p == '\'' || *p == '"')
		return skip_string(p);
	if (*p != '[') {
		while (*p && !isspace((unsigned char)*p) && *p != ';' && *p != '#')
			p++;
		return p;
	}
	int depth = 0;
	do {
		if (*p == '\'' || *p == '"') {
			if (!(p = skip_string(p)))
				return NULL;
			continue;
		}
		if (*p == '#')
			p += strcspn(p, "\n");
		else if (*p == '[')
			depth++, p++;
		else if (*p == ']')
			depth--, p++;
		else if (*p)
			p++;
		else
			return NULL;
	} while (depth > 0);
	return p;
}

/* The next setting at or after *at; 1 found, 0 at the end, -1 on text
 * this scanner does not understand. */
static int next_setting(const char *text, size_t *at, struct setting *s)
{
	const char *p = text + *at;
	for (;;) {
		while (isspace((unsigned char)*p) || *p == ';')
			p++;
		if (*p != '#')
			break;
		p += strcspn(p, "\n");
	}
	if (!*p)
		return 0;
	if (!isalpha((unsigned char)*p) && *p != '_')
		return -1;
	s->start = (size_t)(p - text);
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	s->name_end = (size_t)(p - text);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '+')
		p++;
	if (*p++ != '=')
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!(p = skip_value(p)))
		return -1;
	s->end = (size_t)(p - text);
	*at = s->end;
	return 1;
}

char *tarn_xlcfg_set(const char *text, const char *key, const char *value, tarn_err err)
{
	size_t len = strlen(text), at = 0, copied = 0, klen = strlen(key);
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	if (!f)
		return snprintf(err, TARN_ERRLEN, "out of memory"), NULL;
	struct setting s;
	int rc, found = 0;
	while ((rc = next_setting(text, &at, &s)) == 1) {
		if (s.name_end - s.start != klen || strncmp(text + s.start, key, klen) != 0)
			continue;
		fwrite(text + copied, 1, s.start - copied, f);
		if (!found++)
			fprintf(f, "%s = %s", key, value);
		copied = s.end;
	}
	fwrite(text + copied, 1, len - copied, f);
	if (!found)
		fprintf(f, "%s%s = %s\n", len && text[len - 1] != '\n' ? "\n" : "", key, value);
	if (fclose(f) != 0 || rc < 0) {
		free(out);
		snprintf(err, TARN_ERRLEN, rc < 0 ? "xl.cfg: cannot find where its settings are" : "out of memory");
		return NULL;
	}
	return out;
}

int tarn_xlcfg_quote(const char *s, char *buf, size_t len, tarn_err err)
{
	if (strpbrk(s, "'\"\\\n\r"))
		return snprintf(err, TARN_ERRLEN, "%.100s: a quote, backslash or line end cannot go in xl.cfg", s), -1;
	if (snprintf(buf, len, "'%s'", s) >= (int)len)
		return snprintf(err, TARN_ERRLEN, "%.100s: too long", s), -1;
	return 0;
}

int tarn_xlcfg_disks(const char *text, struct tarn_xlcfg_disk *out, int max, tarn_err err)
{
	struct tarn_xlu x;
	XLU_ConfigList *list;
	int n = 0, count = 0;
	if (tarn_xlu_open(&x, text, err))
		return -1;
	if (xlu_cfg_get_list(x.c, "disk", &list, &n, 0) != 0)
		n = 0;
	for (int i = 0; i < n && count < max; i++) {
		const char *spec = xlu_cfg_get_listitem(list, i);
		libxl_device_disk d;
		libxl_device_disk_init(&d);
		if (!spec || xlu_disk_parse(x.c, 1, &spec, &d)) {
			libxl_device_disk_dispose(&d);
			tarn_xlu_said(&x, err, "xl.cfg: disk: a specification xl cannot read");
			tarn_xlu_close(&x);
			return -1;
		}
		struct tarn_xlcfg_disk *o = &out[count++];
		snprintf(o->spec, sizeof o->spec, "%s", spec);
		snprintf(o->path, sizeof o->path, "%s", d.pdev_path ? d.pdev_path : "");
		snprintf(o->vdev, sizeof o->vdev, "%s", d.vdev ? d.vdev : "");
		o->readonly = !d.readwrite;
		o->cdrom = d.is_cdrom;
		libxl_device_disk_dispose(&d);
	}
	tarn_xlu_close(&x);
	if (n > max)
		return snprintf(err, TARN_ERRLEN, "xl.cfg: more than %d disks", max), -1;
	return count;
}

int tarn_xlcfg_disk_move(const struct tarn_xlcfg_disk *d, const char *path, char *buf, size_t len, tarn_err err)
{
	/* the path as a whole parameter: after the start, a ',' ':' or '=',
	 * and before a ',' or the end; the last such (target= comes last) */
	size_t plen = strlen(d->path);
	const char *hit = NULL;
	for (const char *p = strstr(d->spec, d->path); plen && p; p = strstr(p + 1, d->path))
		if ((p == d->spec || strchr(",:=", p[-1])) && (p[plen] == ',' || p[plen] == '\0'))
			hit = p;
	if (!hit)
		return snprintf(err, TARN_ERRLEN, "disk %.20s: cannot find its path in %.80s", d->vdev, d->spec), -1;
	if (strchr(path, ',') || strchr(path, '\''))
		return snprintf(err, TARN_ERRLEN, "disk %.20s: a path with a comma or quote: %.80s", d->vdev, path), -1;
	if (snprintf(buf, len, "%.*s%s%s", (int)(hit - d->spec), d->spec, path, hit + plen) >= (int)len)
		return snprintf(err, TARN_ERRLEN, "disk %.20s: the specification is too long", d->vdev), -1;
	return 0;
}

char *tarn_xlcfg_set_disks(const char *text, char *const specs[], int n, tarn_err err)
{
	char *list = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&list, &len);
	if (!f)
		return snprintf(err, TARN_ERRLEN, "out of memory"), NULL;
	fputs("[", f);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s '%s'", i ? "," : "", specs[i]);
	fputs(n ? " ]" : "]", f);
	char *out = fclose(f) == 0 ? tarn_xlcfg_set(text, "disk", list, err) : NULL;
	free(list);
	return out;
}

char *tarn_xlcfg_set_string(char *text, const char *key, const char *value, tarn_err err)
{
	char quoted[4400];
	char *out = text && tarn_xlcfg_quote(value, quoted, sizeof quoted, err) == 0
			    ? tarn_xlcfg_set(text, key, quoted, err) : NULL;
	free(text);
	return out;
}
