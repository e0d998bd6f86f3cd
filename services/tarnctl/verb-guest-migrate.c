/* tarnctl guest migrate NAME MEMBER [--wait]: a running guest moved live to
 * another member (its id or pool address); with --wait the task's progress
 * is followed and its last word gives the guest's downtime. */
#include <stdio.h>
#include <string.h>

#include "task-wait.h"

static int migrate(struct tarnctl *t, int argc, char **argv)
{
	const char *word[2];
	int n = 0, wait = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--wait") == 0)
			wait = 1;
		else if (argv[i][0] == '-' || n == 2)
			n = 3;
		else
			word[n++] = argv[i];
	}
	if (n != 2) {
		fprintf(stderr, "usage: tarnctl guest migrate NAME MEMBER [--wait]\n");
		return EXIT_USAGE;
	}
	return tarnctl_taskf(t, "guest.migrate", wait, "(ss)", word[0], word[1]);
}

const struct tarnctl_verb tarnctl_verbs_guest_migrate[] = {
	{"guest migrate", "NAME MEMBER [--wait]",
	 "move a running guest live to another member (its id or pool address)", 3, 4, migrate},
	{NULL, NULL, NULL, 0, 0, NULL},
};
