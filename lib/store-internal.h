/* What the parts of the node store share (store.c, store-schema.c, task.c,
 * event.c ...). Not for the store's users: they see only the headers of
 * the parts. */
#ifndef TARN_STORE_INTERNAL_H
#define TARN_STORE_INTERNAL_H
#include <sqlite3.h>
#include <stdint.h>

#include "store.h"

struct tarn_store {
	sqlite3 *db;
	int in_txn; /* inside tarn_store_begin/commit: writes do not commit alone */
};

/* Fills err with "what: SQLite's message"; returns -1. */
int tarn_store_fail(tarn_store *st, tarn_err err, const char *what);
int tarn_store_exec(tarn_store *st, const char *sql, tarn_err err);
/* The first column of the first row; -1 when there is none. */
int tarn_store_query_int(tarn_store *st, const char *sql, int64_t *out);
/* Steps and finalizes one write statement; it commits alone unless a
 * tarn_store_begin transaction is open. */
int tarn_store_write(tarn_store *st, sqlite3_stmt *s, tarn_err err);
int tarn_store_copy_text(sqlite3_stmt *s, int col, char *buf, size_t len);
/* A change inside the caller's transaction, or in one of its own: begin
 * sets own; end commits (rc 0) or rolls back only what it began. */
int tarn_store_begin_own(tarn_store *st, int *own, tarn_err err);
int tarn_store_end_own(tarn_store *st, int rc, int own, tarn_err err);
/* Brings the schema up to date (store-schema.c). */
int tarn_store_migrate(tarn_store *st, tarn_err err);

#endif
