/* Every verb tarnctl knows. */
#include "verb.h"

extern const struct tarnctl_verb tarnctl_verbs_system[];
extern const struct tarnctl_verb tarnctl_verbs_net[];
extern const struct tarnctl_verb tarnctl_verbs_pool[];
extern const struct tarnctl_verb tarnctl_verbs_guest[];
extern const struct tarnctl_verb tarnctl_verbs_guest_disk[];
extern const struct tarnctl_verb tarnctl_verbs_guest_migrate[];
extern const struct tarnctl_verb tarnctl_verbs_host[];
extern const struct tarnctl_verb tarnctl_verbs_task[];
extern const struct tarnctl_verb tarnctl_verbs_event[];
extern const struct tarnctl_verb tarnctl_verbs_repo[];
extern const struct tarnctl_verb tarnctl_verbs_disk[];
extern const struct tarnctl_verb tarnctl_verbs_config[];

const struct tarnctl_verb *const tarnctl_verbs[] = {
	tarnctl_verbs_system,
	tarnctl_verbs_net,
	tarnctl_verbs_pool,
	tarnctl_verbs_guest,
	tarnctl_verbs_guest_disk,
	tarnctl_verbs_guest_migrate,
	tarnctl_verbs_host,
	tarnctl_verbs_task,
	tarnctl_verbs_event,
	tarnctl_verbs_repo,
	tarnctl_verbs_disk,
	tarnctl_verbs_config,
	NULL,
};
