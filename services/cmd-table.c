/* Every API namespace the agent serves. */
#include "cmd.h"

extern const struct tarn_cmd tarn_cmd_system[];
extern const struct tarn_cmd tarn_cmd_net[];
extern const struct tarn_cmd tarn_cmd_pool[];
extern const struct tarn_cmd tarn_cmd_pool_jobs[];
extern const struct tarn_cmd tarn_cmd_guest[];
extern const struct tarn_cmd tarn_cmd_guest_run[];
extern const struct tarn_cmd tarn_cmd_guest_disk[];
extern const struct tarn_cmd tarn_cmd_guest_migrate[];
extern const struct tarn_cmd tarn_cmd_host[];
extern const struct tarn_cmd tarn_cmd_task[];
extern const struct tarn_cmd tarn_cmd_event[];
extern const struct tarn_cmd tarn_cmd_repo[];
extern const struct tarn_cmd tarn_cmd_config[];

const struct tarn_cmd *const tarn_cmd_namespaces[] = {
	tarn_cmd_system,
	tarn_cmd_net,
	tarn_cmd_pool,
	tarn_cmd_pool_peer,
	tarn_cmd_pool_jobs,
	tarn_cmd_guest,
	tarn_cmd_guest_run,
	tarn_cmd_guest_disk,
	tarn_cmd_guest_migrate,
	tarn_cmd_host,
	tarn_cmd_task,
	tarn_cmd_event,
	tarn_cmd_repo,
	tarn_cmd_config,
	NULL,
};
