/* Changing a guest's xl.cfg text as a user would edit it: one setting's
 * value replaced (or added), the rest of the text, comments included,
 * kept as it is; and the disks it names, as libxlutil reads them, so that
 * templates, clones and snapshots can find and move their files. */
#ifndef TARN_XLCFG_EDIT_H
#define TARN_XLCFG_EDIT_H
#include <stddef.h>

#include "validate.h"

/* text with key's value replaced by value, an xl.cfg literal ("\"web1\"",
 * "128", "[ 'a', 'b' ]"): the first setting of key is rewritten, later
 * ones (key += ...) removed; appended when there is none. malloc'd; NULL
 * with err when text cannot be scanned. */
char *tarn_xlcfg_set(const char *text, const char *key, const char *value, tarn_err err);
/* s as a quoted xl.cfg string into buf; -1 with err when it holds a quote,
 * a backslash or a line end (never needed in names and paths Tarn makes). */
int tarn_xlcfg_quote(const char *s, char *buf, size_t len, tarn_err err);
/* text (freed; NULL passes through) with key set to value quoted; NULL with err. */
char *tarn_xlcfg_set_string(char *text, const char *key, const char *value, tarn_err err);

#define TARN_MAX_DISKS 64

struct tarn_xlcfg_disk {
	char spec[1024]; /* as written in the config */
	char path[4096]; /* the backing file or device; "" for an empty CD drive */
	char vdev[32];
	int readonly, cdrom;
};
/* The disks of text, in order: how many (at most max), or -1 with err. */
int tarn_xlcfg_disks(const char *text, struct tarn_xlcfg_disk *out, int max, tarn_err err);
/* The disk's specification with its path changed to path (the other
 * parameters kept), into buf; -1 with err when it does not fit or the
 * path cannot be found in it. */
int tarn_xlcfg_disk_move(const struct tarn_xlcfg_disk *d, const char *path, char *buf, size_t len, tarn_err err);
/* text with the disk list replaced by specs (n of them); as tarn_xlcfg_set. */
char *tarn_xlcfg_set_disks(const char *text, char *const specs[], int n, tarn_err err);

#endif
