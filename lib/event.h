/* The host's event log and the facts the engine reads from the host, in
 * the node store. Neither is desired state: writing them does not wake the
 * reconcilers. */
#ifndef TARN_EVENT_H
#define TARN_EVENT_H
#include <stdint.h>

#include "store.h"

/* level: "info", "warning" or "error". The log keeps the newest 1000. */
int tarn_event_add(tarn_store *st, const char *level, const char *subject, const char *message);
typedef int (*tarn_event_fn)(void *ctx, int64_t id, int64_t at, const char *level, const char *subject,
			     const char *message);
/* Events with an id above since, oldest first, at most limit. */
int tarn_event_each(tarn_store *st, int64_t since, int limit, tarn_event_fn fn, void *ctx);

/* Facts ("xen.version", "host.cpus" ...) with the time they were read. */
int tarn_fact_set(tarn_store *st, const char *key, const char *value, tarn_err err);
/* Copies the value into buf; returns 0, or -1 when unknown. */
int tarn_fact_get(tarn_store *st, const char *key, char *buf, size_t len, int64_t *at);

#endif
