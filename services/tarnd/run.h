/* Running host tools (iproute2, udhcpc) without a shell. */
#ifndef TARN_RUN_H
#define TARN_RUN_H
#include <stddef.h>

#include "validate.h"

/* Runs argv[0] (found on PATH) with argv; collects stdout and stderr into
 * out (may be NULL). Returns the exit status, or -1 with err set when it
 * could not run or was killed. A non-zero status puts the tool's first
 * output line into err. */
int tarn_run(const char *const argv[], char *out, size_t outlen, tarn_err err);

#endif
