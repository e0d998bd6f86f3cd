/* Copying guests' disk images: a reflink (FICLONE) where the file system
 * shares blocks between files (XFS, Btrfs), else a sparse copy that reads
 * only the data extents (SEEK_DATA/SEEK_HOLE) and leaves the holes as
 * holes. Used by templates, clones and snapshots. A copy is written whole
 * and fsynced, or removed: a failure (a full file system included) or a
 * cancel never leaves a partial destination behind. */
#ifndef TARN_DISKCOPY_H
#define TARN_DISKCOPY_H
#include <stdint.h>

#include "validate.h"

enum { TARN_COPY_OK = 0, TARN_COPY_FAILED = -1, TARN_COPY_NOSPACE = -2, TARN_COPY_CANCELLED = -3 };

/* Called as data is copied: done of this file's bytes to copy; a non-zero
 * return cancels the copy. */
typedef int (*tarn_copy_fn)(void *ctx, uint64_t done);

struct tarn_copy_result {
	int reflinked;  /* the blocks are shared, not copied */
	uint64_t bytes; /* data bytes read and written (0 when reflinked) */
};

/* Copies src to dst, which must not exist (made with src's mode). fn may
 * be NULL. TARN_COPY_*, with err for any but OK. */
int tarn_copy_file(const char *src, const char *dst, tarn_copy_fn fn, void *ctx, struct tarn_copy_result *res,
		   tarn_err err);

/* The bytes a sparse copy of path writes: its allocated blocks (what the
 * file system must have free), or -1 with err. */
int64_t tarn_copy_need(const char *path, tarn_err err);
/* 0 when the file system holding dir has need bytes free, else -1 with
 * err saying how much it has. */
int tarn_copy_room(const char *dir, uint64_t need, tarn_err err);

/* Removes path and, for a directory, everything in it (without following
 * symbolic links); a path that is not there is no error. 0, or -1. */
int tarn_remove_tree(const char *path);
/* fsyncs a directory, so the names just made or renamed in it last. */
int tarn_fsync_dir(const char *dir);

#endif
