/* The engine's work queue over the node store; see task.h. */
#include "task.h"

#include <stdio.h>
#include <string.h>

#include "store-internal.h"

#define COLUMNS "id, kind, subject, args, state, progress, message, cancel, created, updated"

static void row(sqlite3_stmt *s, struct tarn_task *t)
{
	t->id = sqlite3_column_int64(s, 0);
	tarn_store_copy_text(s, 1, t->kind, sizeof t->kind);
	tarn_store_copy_text(s, 2, t->subject, sizeof t->subject);
	tarn_store_copy_text(s, 3, t->args, sizeof t->args);
	tarn_store_copy_text(s, 4, t->state, sizeof t->state);
	t->progress = sqlite3_column_int(s, 5);
	tarn_store_copy_text(s, 6, t->message, sizeof t->message);
	t->cancel = sqlite3_column_int(s, 7);
	t->created = sqlite3_column_int64(s, 8);
	t->updated = sqlite3_column_int64(s, 9);
}

static int64_t add(tarn_store *st, const char *kind, const char *subject, const char *args, const char *state,
		   tarn_err err)
{
	struct tarn_task t;
	if (!kind || !kind[0] || strlen(kind) >= sizeof t.kind || strspn(kind, "abcdefghijklmnopqrstuvwxyz.") != strlen(kind))
		return snprintf(err, TARN_ERRLEN, "a task kind is a short lower-case name"), -1;
	if (strlen(subject) >= sizeof t.subject || strlen(args) >= sizeof t.args)
		return snprintf(err, TARN_ERRLEN, "the task's subject or arguments are too long"), -1;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "INSERT INTO tasks (kind, subject, args, state, created, updated) "
			       "VALUES (?1, ?2, ?3, ?4, strftime('%s'), strftime('%s'))", -1, &s, NULL) != SQLITE_OK)
		return tarn_store_fail(st, err, "node store");
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, args, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, state, -1, SQLITE_STATIC);
	if (tarn_store_write(st, s, err))
		return -1;
	return sqlite3_last_insert_rowid(st->db);
}

int64_t tarn_task_add(tarn_store *st, const char *kind, const char *subject, const char *args,
		      tarn_err err)
{
	return add(st, kind, subject, args, "queued", err);
}

int64_t tarn_task_add_follower(tarn_store *st, const char *kind, const char *subject, int64_t job,
			       const char *host, const char *args, tarn_err err)
{
	char all[sizeof ((struct tarn_task *)0)->args];
	if (snprintf(all, sizeof all, TARN_TASK_FOLLOWS "%lld\nhost=%s\n%s", (long long)job, host, args) >=
	    (int)sizeof all)
		return snprintf(err, TARN_ERRLEN, "the task's subject or arguments are too long"), -1;
	return add(st, kind, subject, all, "running", err);
}

static int kind_wanted(const char *const *kinds, const char *kind)
{
	if (!kinds)
		return 1;
	for (; *kinds; kinds++)
		if (strcmp(*kinds, kind) == 0)
			return 1;
	return 0;
}

int tarn_task_claim(tarn_store *st, const char *const *kinds, struct tarn_task *t)
{
	tarn_err err;
	sqlite3_stmt *s;
	/* IMMEDIATE: two engines (or an engine and a console) never take the same task */
	if (tarn_store_exec(st, "BEGIN IMMEDIATE", err))
		return -1;
	if (sqlite3_prepare_v2(st->db, "SELECT " COLUMNS " FROM tasks WHERE state = 'queued' ORDER BY id",
			       -1, &s, NULL) != SQLITE_OK) {
		tarn_store_exec(st, "ROLLBACK", err);
		return -1;
	}
	int found = 0;
	while (!found && sqlite3_step(s) == SQLITE_ROW) {
		row(s, t);
		found = kind_wanted(kinds, t->kind);
	}
	sqlite3_finalize(s);
	if (found) {
		sqlite3_stmt *u;
		if (sqlite3_prepare_v2(st->db, "UPDATE tasks SET state = 'running', updated = strftime('%s') "
				       "WHERE id = ?1", -1, &u, NULL) != SQLITE_OK) {
			tarn_store_exec(st, "ROLLBACK", err);
			return -1;
		}
		sqlite3_bind_int64(u, 1, t->id);
		if (tarn_store_write(st, u, err)) {
			tarn_store_exec(st, "ROLLBACK", err);
			return -1;
		}
		snprintf(t->state, sizeof t->state, "running");
	}
	if (tarn_store_exec(st, "COMMIT", err)) {
		tarn_store_exec(st, "ROLLBACK", err);
		return -1;
	}
	return found;
}

int tarn_task_progress(tarn_store *st, int64_t id, int percent, const char *message)
{
	tarn_err err;
	sqlite3_stmt *s;
	if (percent < 0)
		percent = 0;
	if (percent > 100)
		percent = 100;
	if (sqlite3_prepare_v2(st->db, "UPDATE tasks SET progress = ?2, message = ?3, updated = strftime('%s') "
			       "WHERE id = ?1 AND state = 'running' RETURNING cancel", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, percent);
	sqlite3_bind_text(s, 3, message ? message : "", -1, SQLITE_STATIC);
	int rc = sqlite3_step(s), cancel = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return tarn_store_fail(st, err, "task progress");
	return cancel ? 1 : 0;
}

int tarn_task_finish(tarn_store *st, int64_t id, const char *state, const char *message, tarn_err err)
{
	if (strcmp(state, "done") && strcmp(state, "failed") && strcmp(state, "cancelled"))
		return snprintf(err, TARN_ERRLEN, "a task ends done, failed or cancelled, not %.20s", state), -1;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "UPDATE tasks SET state = ?2, message = ?3, updated = strftime('%s'),"
			       " progress = CASE WHEN ?2 = 'done' THEN 100 ELSE progress END "
			       "WHERE id = ?1 AND state = 'running'", -1, &s, NULL) != SQLITE_OK)
		return tarn_store_fail(st, err, "node store");
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, message ? message : "", -1, SQLITE_STATIC);
	if (tarn_store_write(st, s, err))
		return -1;
	if (sqlite3_changes(st->db) != 1)
		return snprintf(err, TARN_ERRLEN, "task %lld is not running", (long long)id), -1;
	return 0;
}

int tarn_task_cancel(tarn_store *st, int64_t id, tarn_err err)
{
	struct tarn_task t;
	if (tarn_task_get(st, id, &t) != 0)
		return snprintf(err, TARN_ERRLEN, "there is no task %lld", (long long)id), -1;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "UPDATE tasks SET cancel = 1, updated = strftime('%s'),"
			       " state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END,"
			       " message = CASE WHEN state = 'queued' THEN 'cancelled before it started'"
			       " ELSE message END WHERE id = ?1 AND state IN ('queued', 'running')",
			       -1, &s, NULL) != SQLITE_OK)
		return tarn_store_fail(st, err, "node store");
	sqlite3_bind_int64(s, 1, id);
	if (tarn_store_write(st, s, err))
		return -1;
	if (sqlite3_changes(st->db) != 1)
		return snprintf(err, TARN_ERRLEN, "task %lld has already ended (%s)", (long long)id, t.state), -1;
	return 0;
}

int tarn_task_get(tarn_store *st, int64_t id, struct tarn_task *t)
{
	sqlite3_stmt *s;
	int rc = -1;
	if (sqlite3_prepare_v2(st->db, "SELECT " COLUMNS " FROM tasks WHERE id = ?1", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		row(s, t);
		rc = 0;
	}
	sqlite3_finalize(s);
	return rc;
}

static int each(tarn_store *st, const char *sql, int limit, int (*fn)(void *ctx, const struct tarn_task *t),
		void *ctx)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(s, 1, limit);
	int rc = 0;
	struct tarn_task t;
	while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
		row(s, &t);
		rc = fn(ctx, &t);
	}
	sqlite3_finalize(s);
	return rc;
}

int tarn_task_each(tarn_store *st, int limit, int (*fn)(void *ctx, const struct tarn_task *t), void *ctx)
{
	return each(st, "SELECT " COLUMNS " FROM tasks ORDER BY id DESC LIMIT ?1", limit, fn, ctx);
}

int tarn_task_each_unfinished(tarn_store *st, int (*fn)(void *ctx, const struct tarn_task *t), void *ctx)
{
	return each(st, "SELECT " COLUMNS " FROM tasks WHERE state IN ('queued', 'running') AND ?1 ORDER BY id", 1,
		    fn, ctx);
}

int tarn_task_recover(tarn_store *st)
{
	tarn_err err;
	if (tarn_store_exec(st, "UPDATE tasks SET state = 'failed', updated = strftime('%s'),"
			    " message = 'interrupted: the agent restarted while it ran' WHERE state = 'running'"
			    " AND args NOT LIKE '" TARN_TASK_FOLLOWS "%'",
			    err))
		return -1;
	return sqlite3_changes(st->db);
}
