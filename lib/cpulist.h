/* CPU lists as xl.cfg writes them ("all", "3", "0-3,^2") and Tarn's live
 * vCPU pins, "VCPU:CPULIST" entries separated by spaces in vCPU order
 * ("0:1 1:0-3"), as the pool store keeps them. */
#ifndef TARN_CPULIST_H
#define TARN_CPULIST_H
#include <libxl.h>
#include <libxl_utils.h>
#include <stddef.h>

#include "validate.h"

/* A bound on CPU numbers where the host's count is not known (the API). */
#define TARN_MAX_CPUS 4096

/* libxl_bitmap_alloc without a libxl context (it needs one, and the API
 * process has none): the same calloc'ed map, which libxl_bitmap_dispose
 * frees. 0, or -1 out of memory. */
int tarn_bitmap_alloc(libxl_bitmap *b, int nbits);

/* Parses text into b, allocated here for ncpus bits (libxl_bitmap_init it
 * first, libxl_bitmap_dispose it after, either way). A CPU numbered ncpus
 * or above is refused: 0, or -1 with err saying what is wrong. */
int tarn_cpulist_parse(const char *text, int ncpus, libxl_bitmap *b, tarn_err err);
/* The bits set below ncpus as a list ("0-1,3"); "all" when every one is. */
void tarn_cpulist_format(const libxl_bitmap *b, int ncpus, char *buf, size_t len);

/* vcpu's CPU list in pins, copied into buf; NULL when it has none. */
const char *tarn_pins_get(const char *pins, int vcpu, char *buf, size_t len);
/* pins with vcpu's entry set to cpulist, into out: 0, or -1 when it does
 * not fit. */
int tarn_pins_set(const char *pins, int vcpu, const char *cpulist, char *out, size_t len);

#endif
