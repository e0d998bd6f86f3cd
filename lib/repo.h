/* Storage repositories in the node store: where guests' disks, ISOs and
 * templates live. A repository is a file system the engine mounts at
 * ROOT/<name> (ROOT is /var/lib/tarn/repos) with Oracle VM's layout:
 * iso_pool, seed_pool, running_pool, sharedDisk and publish_pool, and a
 * marker file holding the repository's uuid, so that a file system that
 * was a repository is recognised when it is attached again.
 *
 *   local  a block device or partition (or, for tests, an image file),
 *          ext4 or xfs; formatted only when asked and only when it holds
 *          no file system at all
 *   nfs    server:/export
 *   iscsi  a portal address[:port], a target IQN and a LUN, ext4 or xfs */
#ifndef TARN_REPO_H
#define TARN_REPO_H
#include <stdint.h>

#include "store.h"
#include "units.h"

#define TARN_REPO_MARKER ".tarn-repository"
/* Work in progress in a pool is named TARN_REPO_PARTIAL<task id>-<name>
 * until it is whole; anything so named whose task is not running is
 * debris of a crash, and the reconciler removes it. */
#define TARN_REPO_PARTIAL ".tarn-partial-"

struct tarn_repo {
	char name[65];
	char uuid[37];    /* made by tarn_repo_add when empty */
	char kind[8];     /* local, nfs, iscsi */
	char source[256]; /* local: the device; nfs: server:/export; iscsi: the portal */
	char target[224]; /* iscsi: the target's IQN */
	int lun;          /* iscsi */
	char fstype[8];   /* local and iscsi: ext4 (the default) or xfs */
	char options[128];/* extra mount options, comma-separated */
	int format;       /* make a file system when the device has none */
};

/* The pools, in the order they are created. */
extern const char *const tarn_repo_pools[];

/* Validates a repository (an empty fstype becomes the kind's default);
 * err names the field at fault. */
const char *tarn_repo_check(struct tarn_repo *r, tarn_err err);
/* Validates and stores a new repository; err names the field at fault. */
int tarn_repo_add(tarn_store *st, struct tarn_repo *r, tarn_err err);
/* 0 with r filled, -1 when there is no such repository. */
int tarn_repo_get(tarn_store *st, const char *name, struct tarn_repo *r);
int tarn_repo_remove(tarn_store *st, const char *name, tarn_err err);
/* Whether this host has a repository of that name: its own, or one of the
 * pool's its engine mounted or tried to (it has its status). */
int tarn_repo_here(tarn_store *st, const char *name);
/* A file system attached again keeps the uuid its marker holds. */
int tarn_repo_set_uuid(tarn_store *st, const char *name, const char *uuid, tarn_err err);
/* Calls fn for each repository (at most 256) in name order until fn
 * returns non-zero; fn may use the store. */
int tarn_repo_each(tarn_store *st, int (*fn)(void *ctx, const struct tarn_repo *r), void *ctx);

/* ROOT/<name>, the repository's mount point. */
void tarn_repo_dir(const char *root, const char *name, char *buf, size_t len);
/* The repository's status subject: "repo.<name>". */
void tarn_repo_subject(const char *name, char *buf, size_t len);
/* Forgets the status of a repository that is gone. */
int tarn_repo_forget_status(tarn_store *st, const char *name);
/* Copies the status message into buf; returns 1 ok, 0 failed, -1 none. */
int tarn_repo_status(tarn_store *st, const char *name, char *buf, size_t len);

/* The parts of a repository, checked one by one (as a form does); the
 * messages do not name the field. An NFS export: server:/export. */
const char *tarn_check_nfs_export(const char *s, tarn_err err);
/* An iSCSI portal: address[:port], an IPv6 address in brackets. */
const char *tarn_check_portal(const char *s, tarn_err err);
/* An iSCSI target's name: iqn.YYYY-MM.domain[:...], eui.<hex>, naa.<hex>. */
const char *tarn_check_iqn(const char *s, tarn_err err);
/* Extra mount options: words like noatime or vers=4.1, comma-separated. */
const char *tarn_check_mount_options(const char *s, tarn_err err);
/* New disks: the name prefix (PREFIX-001.img ...), how many (1-1000) and
 * each one's size (at least 1M, in whole 512-byte sectors). */
const char *tarn_check_disk_prefix(const char *prefix, tarn_err err);
const char *tarn_check_disk_count(long count, tarn_err err);
const char *tarn_check_disk_size(const char *size, uint64_t *bytes, tarn_err err);

/* A pool name given to import (iso_pool, seed_pool) or disk creation
 * (running_pool, sharedDisk). */
const char *tarn_check_pool(const char *pool, int for_disks, tarn_err err);
/* An import source: an absolute path, or an http:// or https:// URL. */
const char *tarn_check_source(const char *source, tarn_err err);
/* The file name an import gets: the source's last component. */
const char *tarn_source_file_name(const char *source, char *buf, size_t len, tarn_err err);

#endif
