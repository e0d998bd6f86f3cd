/* Guest configurations in xl.cfg terms, parsed by Xen's own libxlutil so
 * that existing configs import as they are, and checked for what Tarn
 * relies on: a name, memory, vCPUs, a known type, paths to the kernel and
 * ramdisk, disk specifications xl would accept. */
#ifndef TARN_XLCFG_H
#define TARN_XLCFG_H
#include "validate.h"

struct tarn_xlcfg {
	char name[65];
	char uuid[37];   /* "" when the config gives none */
	char type[4];    /* pv, pvh or hvm */
	long memory;     /* MiB */
	long vcpus;
	int disks;
};

/* 0, or -1 with err naming the line or the field that is wrong. */
int tarn_xlcfg_parse(const char *text, struct tarn_xlcfg *out, tarn_err err);

#endif
