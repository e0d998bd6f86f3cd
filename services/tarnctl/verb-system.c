/* tarnctl version | echo TEXT | methods */
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

const struct tarnctl_verb tarnctl_verbs_system[] = {
	{"version", "", "the agent's product and version", 0, 0, version},
	{"echo", "TEXT", "send TEXT through the API and print the answer", 1, 1, echo},
	{"methods", "", "list every API method", 0, 0, methods},
	{NULL, NULL, NULL, 0, 0, NULL},
};
