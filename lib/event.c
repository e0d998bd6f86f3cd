/* Events and facts over the node store; see event.h. */
#include "event.h"

#include <stdio.h>
#include <string.h>

#include "store-internal.h"

int tarn_event_add(tarn_store *st, const char *level, const char *subject, const char *message)
{
	sqlite3_stmt *s;
	tarn_err err;
	if (sqlite3_prepare_v2(st->db, "INSERT INTO events (at, level, subject, message) "
			       "VALUES (strftime('%s'), ?1, ?2, ?3)", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, level, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, message, -1, SQLITE_STATIC);
	return tarn_store_write(st, s, err);
}

int tarn_event_each(tarn_store *st, int64_t since, int limit, tarn_event_fn fn, void *ctx)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "SELECT id, at, level, subject, message FROM events "
			       "WHERE id > ?1 ORDER BY id LIMIT ?2", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, since);
	sqlite3_bind_int(s, 2, limit);
	int rc = 0;
	while (rc == 0 && sqlite3_step(s) == SQLITE_ROW)
		rc = fn(ctx, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
			(const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3),
			(const char *)sqlite3_column_text(s, 4));
	sqlite3_finalize(s);
	return rc;
}

int tarn_fact_set(tarn_store *st, const char *key, const char *value, tarn_err err)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO facts VALUES (?1, ?2, strftime('%s'))",
			       -1, &s, NULL) != SQLITE_OK)
		return tarn_store_fail(st, err, "node store");
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	return tarn_store_write(st, s, err);
}

int tarn_fact_get(tarn_store *st, const char *key, char *buf, size_t len, int64_t *at)
{
	sqlite3_stmt *s;
	int rc = -1;
	if (sqlite3_prepare_v2(st->db, "SELECT value, at FROM facts WHERE key = ?1", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		tarn_store_copy_text(s, 0, buf, len);
		if (at)
			*at = sqlite3_column_int64(s, 1);
		rc = 0;
	}
	sqlite3_finalize(s);
	return rc;
}
