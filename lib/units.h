/* Sizes as people read them. (Parsing them is tarn_parse_size, in
 * validate.h.) */
#ifndef TARN_UNITS_H
#define TARN_UNITS_H
#include <stddef.h>
#include <stdint.h>

/* "512 B", "1.5 GiB", "20 GiB": binary units, one decimal below 10. */
void tarn_size_text(uint64_t bytes, char *buf, size_t len);

#endif
