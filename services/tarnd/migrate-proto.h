/* Live migration's conversation between the two engines, as xl's own
 * (tools/xl/xl_migrate.c) has it, over one stream socket that the pool's
 * TLS carrier relays (pool-tls.h, TARN_POOL_MIGRATE):
 *
 *   source                                  target
 *   "tarn-migrate 1", guest, uuid, from,
 *   to, "config N" + N bytes (libxl JSON) ->
 *                                       <-  "ok" | "no REASON"   (its checks)
 *   libxl's stream (suspend, live)      ->  restored, paused
 *                                       <-  "ready" | "no REASON"
 *   "go"                                ->  unpause; placement recorded
 *                                       <-  "done" | "no REASON"
 *   destroy its copy                        (on "no": destroyed its copy)
 *
 * Until "go" the source owns the guest: any failure resumes it there (or
 * leaves it untouched before the stream). After "go" the pool store is
 * the arbiter: the target records the guest's new host once its copy
 * runs, and destroys its copy when it cannot; a source that loses the
 * conversation then asks the store where the guest is and destroys or
 * resumes its own copy accordingly.
 *
 * No libxl here: what each end does to Xen and the pool store is behind
 * struct tarn_migrate_ops (migrate-xen.c has the real one, the unit tests
 * a double), so the conversation is tested off Xen. */
#ifndef TARN_MIGRATE_PROTO_H
#define TARN_MIGRATE_PROTO_H
#include <stddef.h>
#include <stdint.h>

#include "validate.h"

#define TARN_MIGRATE_BANNER "tarn-migrate 1"
#define TARN_MIGRATE_MAX_CONFIG (1 << 20)

/* What the source offers. config is the domain's configuration as libxl
 * keeps it (libxl_domain_config_to_json), NUL-terminated. */
struct tarn_migrate_offer {
	char guest[65], uuid[37], from[32], to[32];
	char *config;
	size_t config_len;
};

/* The outcome. */
enum tarn_migrate_end {
	TARN_MIGRATED,           /* runs on the target; the source's copy is gone */
	TARN_MIGRATE_UNTOUCHED,  /* refused or failed before the guest stopped: it runs on as it was */
	TARN_MIGRATE_RESUMED,    /* stopped, then resumed on the source */
	TARN_MIGRATE_LOST,       /* neither copy could be made to run (err says what) */
};

struct tarn_migrate_result {
	enum tarn_migrate_end end;
	int64_t downtime_ms;     /* source: from the guest's suspend to the target's "done"; -1 unknown */
	int64_t total_ms;        /* source: from the offer to the end */
};

/* What each end does; x is the caller's. Each returns 0, or -1 with err.
 * Source: send writes libxl's stream to fd, suspending the guest live;
 * it returns 1 (err filled) when the guest never suspended (it runs on
 * untouched). suspended_ms is when it suspended (a monotonic clock in ms,
 * 0 when not seen). resume and destroy act on the source's copy.
 * placed_on_target: 1 when the pool store has the guest on the target,
 * 0 when not, -1 when it cannot tell.
 * Target: accept checks the offer (memory, CPU, disks, the name free);
 * receive reads the stream from fd into a paused domain; unpause, record
 * (the new host in the pool store) and destroy act on that domain.
 * progress: a note and a percentage (the source's task). */
struct tarn_migrate_ops {
	int (*send)(void *x, int fd, tarn_err err);
	int64_t (*suspended_ms)(void *x);
	int (*resume)(void *x, tarn_err err);
	int (*destroy)(void *x, tarn_err err);
	int (*placed_on_target)(void *x);
	int (*accept)(void *x, const struct tarn_migrate_offer *o, tarn_err err);
	int (*receive)(void *x, int fd, tarn_err err);
	int (*unpause)(void *x, tarn_err err);
	int (*record)(void *x, tarn_err err);
	void (*progress)(void *x, int percent, const char *note);
};

/* How long each end waits for the other's next message, in ms (a
 * restore on the target can take a while under load). */
extern int tarn_migrate_wait_ms;

int64_t tarn_migrate_now_ms(void);

/* The source's side over fd (not closed). msg says what happened, for the
 * task and the event log; err why it failed. */
void tarn_migrate_send(const struct tarn_migrate_ops *ops, void *x, int fd, const struct tarn_migrate_offer *o,
		       struct tarn_migrate_result *res, tarn_err msg);
/* The target's side: reads the offer into o (o->config malloc'd, freed
 * by tarn_migrate_offer_free), then as above. */
void tarn_migrate_receive(const struct tarn_migrate_ops *ops, void *x, int fd, struct tarn_migrate_offer *o,
			  struct tarn_migrate_result *res, tarn_err msg);
void tarn_migrate_offer_free(struct tarn_migrate_offer *o);

#endif
