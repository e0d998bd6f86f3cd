/* Every verb tarnctl knows. */
#include "verb.h"

extern const struct tarnctl_verb tarnctl_verbs_system[];
extern const struct tarnctl_verb tarnctl_verbs_net[];
extern const struct tarnctl_verb tarnctl_verbs_repo[];
extern const struct tarnctl_verb tarnctl_verbs_disk[];

const struct tarnctl_verb *const tarnctl_verbs[] = {
	tarnctl_verbs_system,
	tarnctl_verbs_net,
	tarnctl_verbs_repo,
	tarnctl_verbs_disk,
	NULL,
};
