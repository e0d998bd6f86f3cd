/* Templates, as Oracle VM keeps them: a directory seed_pool/<template>/ in
 * a repository holding vm.cfg (xl.cfg) and the files it names, by names
 * relative to the directory or by paths inside it. A guest made from one
 * gets copies of those files (its disks, and a kernel and ramdisk kept in
 * the template) in running_pool/<guest>/, and vm.cfg with the copies'
 * paths, its own name and a new uuid. Files outside the template (an ISO
 * in iso_pool, a kernel in /boot) are shared, so they must be read-only. */
#ifndef TARN_TEMPLATE_H
#define TARN_TEMPLATE_H
#include <stdint.h>

#include "xlcfg-edit.h"
#include "xlcfg.h"

#define TARN_TEMPLATE_CFG "vm.cfg"
#define TARN_TEMPLATE_FILES (TARN_MAX_DISKS + 2)

struct tarn_template_file {
	char src[4200]; /* in the template */
	char name[256]; /* its name in the guest's directory */
};

struct tarn_template {
	char name[65];
	char dir[4200];
	char *text;                /* vm.cfg as written */
	struct tarn_xlcfg cfg;     /* vm.cfg as a guest would have it */
	int ndisks;
	struct tarn_xlcfg_disk disks[TARN_MAX_DISKS];
	int copied[TARN_MAX_DISKS]; /* the disk is a file in the template: index into files, else -1 */
	int kernel, ramdisk;        /* likewise for the kernel and ramdisk */
	int nfiles;
	struct tarn_template_file files[TARN_TEMPLATE_FILES];
	uint64_t disk_bytes;        /* the disks' sizes */
	uint64_t need;              /* what copying every file writes at most */
};

/* Reads and checks seed_pool/<name> of the repository at repo_dir. 0, or
 * -1 with err (no such template, vm.cfg unreadable or wrong, a file it
 * names missing or outside it while writable). tarn_template_free after. */
int tarn_template_load(const char *repo_dir, const char *name, struct tarn_template *t, tarn_err err);
void tarn_template_free(struct tarn_template *t);
/* The guest's vm.cfg: the template's, with the copied files at
 * guest_dir/<name>, and the guest's name and uuid. malloc'd, or NULL. */
char *tarn_template_guest_cfg(const struct tarn_template *t, const char *guest_dir, const char *name,
			      const char *uuid, tarn_err err);

#endif
