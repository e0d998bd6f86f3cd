/* Result lines for tests/run.sh: "PASS name" or "FAIL name: why". */
#ifndef TARN_CHECK_H
#define TARN_CHECK_H
#include <stdio.h>

static int check_failures;

#define CHECK(name, cond)                                                   \
	do {                                                                \
		if (cond) {                                                 \
			printf("PASS %s\n", (name));                        \
		} else {                                                    \
			printf("FAIL %s: %s is false (%s:%d)\n", (name),    \
			       #cond, __FILE__, __LINE__);                  \
			check_failures++;                                   \
		}                                                           \
		fflush(stdout);                                             \
	} while (0)

#define CHECK_EXIT() return check_failures ? 1 : 0

#endif
