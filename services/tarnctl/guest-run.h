/* tarnctl guest memory|vcpus|console-log|suspend: a guest's run time
 * (verb-guest-run.c), beside the definition and power verbs. */
#ifndef TARNCTL_GUEST_RUN_H
#define TARNCTL_GUEST_RUN_H
#include "verb.h"

/* Runs sub with its n arguments; EXIT_USAGE when sub is not one of these
 * or its arguments are wrong (then verb-guest.c says how to call it). */
int tarnctl_guest_run(struct tarnctl *t, const char *sub, int n, char **arg, int wait);

#endif
