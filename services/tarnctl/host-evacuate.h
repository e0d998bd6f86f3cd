/* tarnctl host evacuate [--reboot|--shutdown] [--timeout SECONDS]: puts this
 * host in maintenance (pool.setMaintenance), follows its guests moving
 * away (pool.members' evacuation), then reboots or powers it off when
 * asked, only once nothing is left on it. */
#ifndef TARNCTL_HOST_EVACUATE_H
#define TARNCTL_HOST_EVACUATE_H
#include "verb.h"

#define TARNCTL_EVACUATE_WAIT 600 /* seconds, by default */

int tarnctl_host_evacuate(struct tarnctl *t, int argc, char **argv);

#endif
