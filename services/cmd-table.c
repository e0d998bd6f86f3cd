/* Every API namespace the agent serves. */
#include "cmd.h"

extern const struct tarn_cmd tarn_cmd_system[];
extern const struct tarn_cmd tarn_cmd_net[];

const struct tarn_cmd *const tarn_cmd_namespaces[] = {
	tarn_cmd_system,
	tarn_cmd_net,
	NULL,
};
