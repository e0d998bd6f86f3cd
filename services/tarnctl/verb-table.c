/* Every verb tarnctl knows. */
#include "verb.h"

extern const struct tarnctl_verb tarnctl_verbs_system[];

const struct tarnctl_verb *const tarnctl_verbs[] = {
	tarnctl_verbs_system,
	NULL,
};
