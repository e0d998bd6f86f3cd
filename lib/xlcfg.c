/* xl.cfg parsing through libxlutil; see xlcfg.h. */
#include "xlcfg.h"

#include <errno.h>
#include <libxlutil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXT (64 * 1024)
#define MAX_MEMORY (16L << 20) /* MiB: 16 TiB */
#define MAX_VCPUS 512

int tarn_xlu_said(struct tarn_xlu *r, tarn_err err, const char *otherwise)
{
	fflush(r->f);
	char *end = r->text ? r->text + strlen(r->text) : NULL;
	while (end && end > r->text && end[-1] == '\n')
		*--end = '\0';
	char *line = end ? strrchr(r->text, '\n') : NULL;
	line = line ? line + 1 : r->text;
	snprintf(err, TARN_ERRLEN, "%s", line && line[0] ? line : otherwise);
	return -1;
}

static int check_path(const XLU_Config *c, const char *key, tarn_err err)
{
	const char *v;
	tarn_err why;
	if (xlu_cfg_get_string(c, key, &v, 1) == 0 && tarn_check_path(v, why))
		return snprintf(err, TARN_ERRLEN, "xl.cfg: %s: %.130s", key, why), -1;
	return 0;
}

static int check_disks(XLU_Config *c, struct tarn_xlu *r, int *n, tarn_err err)
{
	XLU_ConfigList *list;
	*n = 0;
	if (xlu_cfg_get_list(c, "disk", &list, n, 0) == ESRCH)
		return 0;
	for (int i = 0; i < *n; i++) {
		const char *spec = xlu_cfg_get_listitem(list, i);
		libxl_device_disk d;
		libxl_device_disk_init(&d);
		int rc = spec ? xlu_disk_parse(c, 1, &spec, &d) : EINVAL;
		libxl_device_disk_dispose(&d);
		if (rc)
			return tarn_xlu_said(r, err, "xl.cfg: disk: a specification xl cannot read");
	}
	return 0;
}

/* A number within bounds; required or optional (then *v keeps its value). */
static int number(const XLU_Config *c, struct tarn_xlu *r, const char *key, long max, int required, long *v,
		  tarn_err err)
{
	int rc = xlu_cfg_get_bounded_long(c, key, 1, max, v, 0);
	if (rc == ESRCH && !required)
		return 0;
	if (rc == ESRCH)
		return snprintf(err, TARN_ERRLEN, "xl.cfg: %s is required", key), -1;
	if (rc) {
		/* "xl.cfg:3: warning: value `0' is ...": keep the line, name the field */
		tarn_xlu_said(r, err, "xl.cfg:");
		char *w = strstr(err, " warning:");
		int at = w ? (int)(w - err) : 7;
		snprintf(err + at, TARN_ERRLEN - (size_t)at, " %s must be a whole number from 1 to %ld", key, max);
		return -1;
	}
	return 0;
}

static int check(XLU_Config *c, struct tarn_xlu *r, struct tarn_xlcfg *out, tarn_err err)
{
	const char *v;
	tarn_err why;
	if (xlu_cfg_get_string(c, "name", &v, 0))
		return snprintf(err, TARN_ERRLEN, "xl.cfg: name is required"), -1;
	if (tarn_check_name(v, why))
		return snprintf(err, TARN_ERRLEN, "xl.cfg: name: %.130s", why), -1;
	snprintf(out->name, sizeof out->name, "%s", v);
	if (xlu_cfg_get_string(c, "uuid", &v, 1) == 0) {
		if (tarn_check_uuid(v, why))
			return snprintf(err, TARN_ERRLEN, "xl.cfg: uuid: %.130s", why), -1;
		snprintf(out->uuid, sizeof out->uuid, "%s", v);
	}
	/* type, or the older builder ("hvm" or "generic", which is pv) */
	if (xlu_cfg_get_string(c, "type", &v, 1)) {
		const char *builder;
		v = "pv";
		if (xlu_cfg_get_string(c, "builder", &builder, 1) == 0 && strcmp(builder, "generic") != 0)
			v = builder;
	}
	if (strcmp(v, "pv") && strcmp(v, "pvh") && strcmp(v, "hvm"))
		return snprintf(err, TARN_ERRLEN, "xl.cfg: type %.40s is not pv, pvh or hvm", v), -1;
	snprintf(out->type, sizeof out->type, "%s", v);
	out->vcpus = 1;
	out->maxvcpus = 0;
	if (number(c, r, "memory", MAX_MEMORY, 1, &out->memory, err) ||
	    number(c, r, "vcpus", MAX_VCPUS, 0, &out->vcpus, err) ||
	    number(c, r, "maxvcpus", MAX_VCPUS, 0, &out->maxvcpus, err) || check_path(c, "kernel", err) ||
	    check_path(c, "ramdisk", err))
		return -1;
	if (!out->maxvcpus)
		out->maxvcpus = out->vcpus;
	out->maxmem = out->memory;
	if (xlu_cfg_get_long(c, "maxmem", &out->maxmem, 1) == 0 && out->maxmem < out->memory)
		return snprintf(err, TARN_ERRLEN, "xl.cfg: maxmem (%ld) is below memory (%ld)", out->maxmem,
				out->memory), -1;
	if (out->maxvcpus < out->vcpus)
		return snprintf(err, TARN_ERRLEN, "xl.cfg: maxvcpus (%ld) is below vcpus (%ld)", out->maxvcpus,
				out->vcpus), -1;
	if (strcmp(out->type, "hvm") && xlu_cfg_get_string(c, "kernel", &v, 1) &&
	    xlu_cfg_get_string(c, "bootloader", &v, 1))
		return snprintf(err, TARN_ERRLEN, "xl.cfg: a %s guest needs a kernel (kernel = \"" TARN_PVGRUB
				"\" boots the one on its disk)", out->type), -1;
	return check_disks(c, r, &out->disks, err);
}

int tarn_xlu_open(struct tarn_xlu *x, const char *text, tarn_err err)
{
	memset(x, 0, sizeof *x);
	if (!text || !text[0] || strlen(text) > MAX_TEXT)
		return snprintf(err, TARN_ERRLEN, "an xl.cfg is 1 byte to %d KiB", MAX_TEXT / 1024), -1;
	if (!(x->f = open_memstream(&x->text, &x->len)))
		return snprintf(err, TARN_ERRLEN, "out of memory"), -1;
	if (!(x->c = xlu_cfg_init(x->f, "xl.cfg"))) {
		snprintf(err, TARN_ERRLEN, "out of memory");
	} else if (xlu_cfg_readdata(x->c, text, (int)strlen(text))) {
		tarn_xlu_said(x, err, "xl.cfg cannot be parsed");
	} else {
		return 0;
	}
	tarn_xlu_close(x);
	return -1;
}

void tarn_xlu_close(struct tarn_xlu *x)
{
	if (x->c)
		xlu_cfg_destroy(x->c);
	if (x->f)
		fclose(x->f);
	free(x->text);
	memset(x, 0, sizeof *x);
}

int tarn_xlcfg_parse(const char *text, struct tarn_xlcfg *out, tarn_err err)
{
	struct tarn_xlu x;
	memset(out, 0, sizeof *out);
	if (tarn_xlu_open(&x, text, err))
		return -1;
	int rc = check(x.c, &x, out, err);
	tarn_xlu_close(&x);
	return rc;
}

/* Whether line (up to its end) sets key: "key =", "key=", after blanks. */
static int sets(const char *line, const char *key)
{
	size_t n = strlen(key);
	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, key, n))
		return 0;
	line += n;
	while (*line == ' ' || *line == '\t')
		line++;
	return *line == '=';
}

int tarn_xlcfg_set_number(const char *text, const char *key, long value, char **out, tarn_err err)
{
	size_t len = 0;
	*out = NULL;
	FILE *f = open_memstream(out, &len);
	if (!f)
		return snprintf(err, TARN_ERRLEN, "out of memory"), -1;
	int done = 0, shared = 0;
	for (const char *line = text; *line;) {
		size_t n = strcspn(line, "\n");
		if (!sets(line, key)) {
			fprintf(f, "%.*s\n", (int)n, line);
		} else {
			shared |= memchr(line, ';', strcspn(line, "#\n")) != NULL;
			if (!done++)
				fprintf(f, "%s = %ld\n", key, value);
		}
		line += n + (line[n] == '\n');
	}
	if (!done)
		fprintf(f, "%s = %ld\n", key, value);
	if (fclose(f) != 0 || shared) {
		free(*out);
		*out = NULL;
		return snprintf(err, TARN_ERRLEN, shared ? "the xl.cfg sets %s on a line with other settings: change it "
				"by hand" : "out of memory", key), -1;
	}
	return 0;
}
