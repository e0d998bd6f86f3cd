/* Every API namespace the agent serves. */
#include "cmd.h"

extern const struct tarn_cmd tarn_cmd_system[];
extern const struct tarn_cmd tarn_cmd_net[];
extern const struct tarn_cmd tarn_cmd_repo[];

const struct tarn_cmd *const tarn_cmd_namespaces[] = {
	tarn_cmd_system,
	tarn_cmd_net,
	tarn_cmd_repo,
	NULL,
};
