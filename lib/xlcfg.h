/* Guest configurations in xl.cfg terms, parsed by Xen's own libxlutil so
 * that existing configs import as they are, and checked for what Tarn
 * relies on: a name, memory, vCPUs, a known type, paths to the kernel and
 * ramdisk, disk specifications xl would accept. */
#ifndef TARN_XLCFG_H
#define TARN_XLCFG_H
#include <libxlutil.h>
#include <stdio.h>

#include "validate.h"

/* Debian's grub-xen-host: GRUB as a PV kernel (pvgrub2), which boots the
 * kernel its grub.cfg names on the guest's own disk */
#define TARN_PVGRUB "/usr/lib/grub-xen/grub-x86_64-xen.bin"

struct tarn_xlcfg {
	char name[65];
	char uuid[37];   /* "" when the config gives none */
	char type[4];    /* pv, pvh or hvm */
	long memory;     /* MiB */
	long maxmem;     /* MiB; memory unless the config says more */
	long vcpus;
	long maxvcpus;   /* vcpus unless the config says more */
	int disks;
};

/* 0, or -1 with err naming the line or the field that is wrong. */
int tarn_xlcfg_parse(const char *text, struct tarn_xlcfg *out, tarn_err err);

/* text with its top-level "key = ..." line(s) replaced by "key = value",
 * or that line added at the end when there is none; the rest is kept as
 * written (comments too). *out is a new string (free it). 0, or -1 with
 * err: a line that sets key and more ("memory = 64; vcpus = 2"), no memory. */
int tarn_xlcfg_set_number(const char *text, const char *key, long value, char **out, tarn_err err);

/* xl.cfg text read by libxlutil, which writes what is wrong (with the
 * line) to a report stream kept here for messages. */
struct tarn_xlu {
	XLU_Config *c;
	FILE *f;
	char *text;
	size_t len;
};
/* 0, or -1 with err (the text's syntax, its size, memory). */
int tarn_xlu_open(struct tarn_xlu *x, const char *text, tarn_err err);
void tarn_xlu_close(struct tarn_xlu *x);
/* Puts libxlutil's last report in err (otherwise when it said nothing);
 * returns -1. */
int tarn_xlu_said(struct tarn_xlu *x, tarn_err err, const char *otherwise);

#endif
