/* Confirm or roll back: a network change that could cut the management
 * path is applied on trial. The configuration before it (interfaces,
 * bridges, VLANs, bonds) and a deadline are kept in the node store; unless
 * tarn_net_confirm comes first, the engine puts that configuration back
 * at the deadline and logs an event. Because the trial lives in the store,
 * an agent restarted during the countdown still rolls back, and the
 * console starts one the same way as the API:
 *
 *   tarn_store_begin(st, err);
 *   tarn_net_trial_guard(st, "xenbr0", 0, err);   // before the change
 *   tarn_store_set_iface(st, &new_addressing, err);
 *   tarn_store_commit(st, err);
 *
 * Changes made while a trial runs join it: a roll-back goes back to the
 * last confirmed configuration, and each change restarts the countdown. */
#ifndef TARN_NETTRIAL_H
#define TARN_NETTRIAL_H
#include <stdint.h>
#include <time.h>

#include "store.h"

#define TARN_TRIAL_DEFAULT 60 /* seconds, when a management change names none */
/* The management interface while mgmt_interface is unset: the bridge the
 * image makes at boot over the first NIC with link, addressed by DHCP. */
#define TARN_MGMT_DEFAULT "xenbr0"

/* Inside an open transaction, before a change touching the devices in
 * names (space-separated): when one of them is the management interface
 * (setting mgmt_interface, else TARN_MGMT_DEFAULT) or something it is built on (its bridge's
 * ports, its bond's slaves, its VLAN's parent), or seconds > 0, puts the
 * change on trial for seconds (0: the default). Returns 1 when on trial,
 * 0 when not, -1 with err (seconds not 0-3600). */
int tarn_net_trial_guard(tarn_store *st, const char *names, long seconds, tarn_err err);

/* Keeps the change on trial; an error when there is none. */
int tarn_net_confirm(tarn_store *st, tarn_err err);

/* 1 with the deadline and the length of the countdown when a change is on
 * trial, 0 when none is. */
int tarn_net_trial_pending(tarn_store *st, int64_t *deadline, long *seconds);

/* For the engine, often: at or after the deadline, restores the previous
 * configuration (the generation moves, so the reconciler applies it) and
 * logs an event. Returns 1 when it rolled back, 0 when there was nothing
 * to do, -1 with err. */
int tarn_net_trial_expire(tarn_store *st, time_t now, tarn_err err);

#endif
