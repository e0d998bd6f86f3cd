/* The disks of a defined guest as clones, snapshots and deletion see
 * them. A guest's own disks are the writable files it names; CD-ROMs,
 * read-only disks and disks in a repository's sharedDisk are shared and
 * never copied, reverted or deleted. A writable disk that is a device
 * (phy:) cannot be copied: such guests cannot be cloned or snapshotted.
 * Snapshots live beside the guest's disks, in
 * ROOT/<repo>/running_pool/<guest>/.snapshots/<snapshot>/, in the
 * repository holding its first own disk. */
#ifndef TARN_GUEST_DISK_H
#define TARN_GUEST_DISK_H
#include <stdint.h>

#include "pool-store.h"
#include "xlcfg-edit.h"

#define TARN_SNAPSHOTS ".snapshots"
/* In a snapshot's directory: one line per disk, "FILE PATH": its copy and
 * the disk it was taken of. */
#define TARN_SNAPSHOT_LIST "disks"

struct tarn_guest_disks {
	int n;
	struct tarn_xlcfg_disk d[TARN_MAX_DISKS];
	int own[TARN_MAX_DISKS]; /* a writable file of this guest's */
	int nown;
	char repo[65];           /* holding the first own disk; "" when none */
	uint64_t need;           /* the own disks' allocated bytes */
};

/* Reads and sorts the disks of xlcfg text; repositories are mounted under
 * root. 0, or -1 with err (a device, a missing file, a disk not in a
 * repository). */
int tarn_guest_disks(const char *root, const char *text, struct tarn_guest_disks *g, tarn_err err);
/* ROOT/<repo>/running_pool/<guest>: the guest's directory. */
void tarn_guest_dir(const char *root, const char *repo, const char *guest, char *buf, size_t len);
/* The guest's snapshot directory, or one snapshot's (snap not NULL). */
void tarn_snapshot_dir(const char *root, const char *repo, const char *guest, const char *snap, char *buf,
		       size_t len);
/* 1 when path is a file inside ROOT/<repo>/running_pool/<guest>/ (no
 * "..", no symbolic link leading out), else 0. */
int tarn_guest_owns(const char *root, const char *guest, const char *path);

/* The guest's kernel and ramdisk when they are its own (files in its
 * directory, as a template's copies are) into files[0] and files[1]; ""
 * when shared (pvgrub2, /boot, a template's) or not given. How many are own. */
int tarn_guest_boot_files(const char *root, const char *guest, const char *text, char files[2][4096]);

/* A guest read out of the pool store; xlcfg malloc'd (tarn_guest_copy_free). */
struct tarn_guest_copy {
	char name[65], uuid[37], desired[16], actual[16];
	char *xlcfg;
	int64_t gen;
	int domid;
};
/* The pool store's result (0, TARN_POOL_REFUSED: no such guest, ...). */
int tarn_guest_read(tarn_pool *p, const char *name, struct tarn_guest_copy *g, tarn_err err);
void tarn_guest_copy_free(struct tarn_guest_copy *g);
/* 0 when the guest is meant to be stopped and is (no domain), else -1
 * with err saying so; what names the operation ("cloned"). */
int tarn_guest_check_stopped(const struct tarn_guest_copy *g, const char *what, tarn_err err);

#endif
