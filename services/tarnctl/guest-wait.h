/* tarnctl guest ... --wait: follows a guest until the engine reports its
 * actual state as the desired one with no request pending, printing each
 * state it passes through (on stderr). */
#ifndef TARNCTL_GUEST_WAIT_H
#define TARNCTL_GUEST_WAIT_H
#include "verb.h"

/* Give up after this long (seconds). */
#define TARNCTL_GUEST_WAIT 600

/* EXIT_OK when it got there; EXIT_FAULT when the engine reported an error
 * about this request (the generation after the call: gen_after), or it did
 * not get there in time; EXIT_UNREACHABLE when the agent went away. */
int tarnctl_guest_wait(struct tarnctl *t, const char *name, long long gen_after);

/* The guest's generation now (-1 when it cannot be read). */
long long tarnctl_guest_gen(struct tarnctl *t, const char *name);

#endif
