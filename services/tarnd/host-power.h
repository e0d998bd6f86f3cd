/* host.reboot and host.shutdown tasks, run by the root engine. The host's
 * own reboot and poweroff are used only on a Tarn host (/etc/tarn-version);
 * tests give a command of their own instead (tarnd --power-cmd), which is
 * run with "reboot" or "shutdown" as its one argument. */
#ifndef TARN_HOST_POWER_H
#define TARN_HOST_POWER_H
#include "store.h"
#include "watchdog.h"

/* Runs the oldest queued power task, if any: 1 when one ran, else 0. Xen's
 * watchdog (wd, or NULL) is disarmed first: the host's own shutdown stops
 * the agent, and must not end in the watchdog's reboot. */
int tarn_host_power_run(tarn_store *st, const char *power_cmd, struct tarn_watchdog *wd);

#endif
