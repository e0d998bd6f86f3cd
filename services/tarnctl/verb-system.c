/* tarnctl version | echo TEXT | methods | system upgrade ISO [--wait] */
#include <stdio.h>
#include <string.h>

#include "task-wait.h"
#include "verb.h"

static int version(struct tarnctl *t, int argc, char **argv)
{
	(void)argc, (void)argv;
	return tarnctl_call(t, "system.version", NULL, NULL);
}

static int echo(struct tarnctl *t, int argc, char **argv)
{
	(void)argc;
	return tarnctl_call_string(t, "system.echo", argv[0]);
}

static int methods(struct tarnctl *t, int argc, char **argv)
{
	(void)argc, (void)argv;
	return tarnctl_call(t, "system.listMethods", NULL, NULL);
}

static int system_verb(struct tarnctl *t, int argc, char **argv)
{
	int wait = argc == 3 && strcmp(argv[2], "--wait") == 0;
	if (strcmp(argv[0], "upgrade") != 0 || (argc == 3 && !wait)) {
		fprintf(stderr, "usage: tarnctl system upgrade ISO [--wait]\n");
		return EXIT_USAGE;
	}
	return tarnctl_taskf(t, "system.upgrade", wait, "(s)", argv[1]);
}

const struct tarnctl_verb tarnctl_verbs_system[] = {
	{"version", "", "the agent's product and version", 0, 0, version},
	{"echo", "TEXT", "send TEXT through the API and print the answer", 1, 1, echo},
	{"methods", "", "list every API method", 0, 0, methods},
	{"system", "upgrade ISO [--wait]", "write a Tarn ISO (a path on the host, or a file in a repository's "
					   "iso_pool) into the boot slot not in use; the next boot tries it once",
	 2, 3, system_verb},
	{NULL, NULL, NULL, 0, 0, NULL},
};
