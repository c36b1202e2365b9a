/* Calendar dates as day numbers (days since 1970-01-01, proleptic
 * Gregorian), the representation of every date value. */
#ifndef CREDO_DATE_H
#define CREDO_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int64_t cr_days_from_civil(int64_t y, unsigned m, unsigned d);
void cr_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
bool cr_date_valid(int64_t y, unsigned m, unsigned d);
/* Parses exactly "YYYY-MM-DD" (n == 10) into a day number. */
bool cr_date_parse(const char *s, size_t n, int64_t *days);
/* Writes "YYYY-MM-DD" and a NUL into buf (at least 16 bytes). */
size_t cr_date_format(int64_t days, char *buf);

#endif
