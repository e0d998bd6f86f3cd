/* tarnctl config backup FILE | config restore FILE [--confirm SECONDS] | config reset --yes */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "fileio.h"
#include "verb.h"

static const char *backup_file; /* where show_backup writes */
static int backup_failed;

static void show_backup(xmlrpc_env *env, xmlrpc_value *v)
{
	const unsigned char *data;
	size_t len;
	tarn_err err = "";
	xmlrpc_read_base64(env, v, &len, &data);
	if (env->fault_occurred)
		return;
	/* it holds the password hashes: the owner's alone */
	if (tarn_write_file_atomic(backup_file, data, len, 0600, err)) {
		fprintf(stderr, "tarnctl: %s\n", err);
		backup_failed = 1;
	} else {
		printf("configuration saved to %s (%zu bytes)\n", backup_file, len);
	}
	free((void *)data);
}

static void show_restore(xmlrpc_env *env, xmlrpc_value *v)
{
	int trial;
	xmlrpc_decompose_value(env, v, "{s:i,*}", "trial", &trial);
	if (env->fault_occurred)
		return;
	printf("configuration restored; the agent applies it\n");
	if (trial)
		printf("the network part is on trial: tarnctl confirm within %d s keeps it\n", trial);
}

static int usage(void)
{
	fprintf(stderr, "usage: tarnctl config backup FILE | config restore FILE [--confirm SECONDS] | "
			"config reset --yes\n");
	return EXIT_USAGE;
}

static int config(struct tarnctl *t, int argc, char **argv)
{
	const char *what = argv[0];
	if (strcmp(what, "backup") == 0 && argc == 2) {
		backup_file = argv[1];
		t->json = 0; /* the answer is a file, not something to print */
		int rc = tarnctl_call(t, "config.backup", NULL, show_backup);
		return rc == EXIT_OK && backup_failed ? EXIT_FAULT : rc;
	}
	if (strcmp(what, "restore") == 0 && (argc == 2 || argc == 4)) {
		char *end = NULL;
		long confirm = argc == 4 ? strtol(argv[3], &end, 10) : 0;
		if (argc == 4 && (strcmp(argv[2], "--confirm") || !argv[3][0] || *end || confirm < 1 || confirm > 3600))
			return fprintf(stderr, "tarnctl: --confirm takes 1-3600 seconds\n"), EXIT_USAGE;
		size_t len;
		tarn_err err = "";
		char *data = tarn_read_file(argv[1], TARN_BACKUP_MAX, &len, err);
		if (!data)
			return fprintf(stderr, "tarnctl: %s\n", err), EXIT_USAGE;
		int rc = tarnctl_callf(t, "config.restore", show_restore, "(6i)", (const unsigned char *)data, len,
				       (int)confirm);
		free(data);
		return rc;
	}
	if (strcmp(what, "reset") == 0 && argc == 2 && strcmp(argv[1], "--yes") == 0)
		return tarnctl_call(t, "config.reset", NULL, NULL);
	if (strcmp(what, "reset") == 0 && argc == 1) {
		fprintf(stderr, "tarnctl: config reset clears the host name, DNS, NTP and every network setting: "
				"add --yes if you mean it\n");
		return EXIT_USAGE;
	}
	return usage();
}

const struct tarnctl_verb tarnctl_verbs_config[] = {
	{"config", "backup|restore|reset", "save this host's configuration to a file, restore one, or reset "
					   "to defaults (with --yes)", 1, 4, config},
	{NULL, NULL, NULL, 0, 0, NULL},
};
