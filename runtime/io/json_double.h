/* A double as the JSON number that names it: the shortest decimal that
 * reads back as the same double, laid out as Python's repr() lays it out
 * ("0.1", "79000.0", "1e-05", "1.5e+300").  Python's json.dumps writes a
 * float this way, so a pandas column decided through
 * credo_decide_columns reads exactly as the JSON line credo run reads
 * for the same row: same decimal, same scale. */
#ifndef CREDO_IO_JSON_DOUBLE_H
#define CREDO_IO_JSON_DOUBLE_H

#include <stddef.h>

/* Room for the longest: "-1.2345678901234567e-308" and a NUL. */
#define CR_JSON_DOUBLE_MAX 32

/* Writes finite x into out (NUL-terminated); returns its length.  Not
 * for NaN or infinities, which JSON has no number for. */
size_t cr_json_double(double x, char out[CR_JSON_DOUBLE_MAX]);

#endif
