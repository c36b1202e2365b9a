/* Finding where a JSON value ends without reading it: enough to cut an
 * array of applications into its elements (credo serve) or to find one
 * member of an application (the challenger's sticky key), while the
 * application's own reader (json_read.h) checks everything else and says
 * what is wrong. */
#ifndef CREDO_IO_JSON_SKIM_H
#define CREDO_IO_JSON_SKIM_H

#include <stdbool.h>

static inline bool cr_json_is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* p past JSON whitespace, at most end. */
const char *cr_json_skip_ws(const char *p, const char *end);
/* Just past the string whose opening quote is at p; NULL when it does
 * not end. */
const char *cr_json_string_end(const char *p, const char *end);
/* Just past the JSON value that starts at p; NULL when it runs off the
 * end (or p is at it).  Only strings and brackets are followed; a number or a
 * literal ends at whitespace, ',', ']' or '}'. */
const char *cr_json_value_end(const char *p, const char *end);

#endif
