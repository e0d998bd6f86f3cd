/* Live migration through libxl, at both ends (the conversation itself is
 * migrate-proto.h's):
 *
 * - the source is the task TARN_MIGRATE_TASK (lib/migrate-request.h; subject: the guest; arguments
 *   target=ID, target_address=ADDR, source=ID), run by a worker of the
 *   source's engine (task-run.h, tarn_job_migrate): libxl_domain_suspend
 *   with LIBXL_SUSPEND_LIVE writing to one end of a socket pair that the
 *   pool's TLS carrier relays to the target (pool-tls.h,
 *   TARN_POOL_MIGRATE). A live copy needs Xen to track the pages the guest
 *   writes (log-dirty): shadow paging for a PV guest, which Debian's Xen
 *   4.17 is built without (physinfo's cap_shadow), so there a PV guest is
 *   suspended first and copied whole (stop-and-copy), and the task says so;
 * - the target is a child the target's engine forks for each connection
 *   on its migration socket (migrate-listen.h): libxl_domain_create_restore
 *   reading the stream into a paused domain, unpaused on the source's "go",
 *   and the guest's new host recorded in the pool store.
 *
 * Both are child processes of the engine: a migration that hangs or dies
 * stays there, and the engine's loop goes on. Each makes its own libxl
 * context after letting go of the engine's (tarn_xen_after_fork). */
#ifndef TARN_MIGRATE_XEN_H
#define TARN_MIGRATE_XEN_H
#include "task-run.h"

/* The target's side over fd (a connection relayed by this host's API
 * process), in a child of the engine; db is the node store (events),
 * pool this member's pool address. Returns the exit status. */
int tarn_migrate_serve(int fd, const char *db, const char *pool);

#endif
