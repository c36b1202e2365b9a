/* credo fmt: the canonical layout of a policy source (described at the
 * top of fmt.c and in lang/README.md, "Formatting").  Only white space
 * changes: every token and every comment is kept, in order, so the
 * formatted policy compiles to the same program. */
#ifndef CREDO_FMT_H
#define CREDO_FMT_H

#include <stdbool.h>
#include <stddef.h>

#include "lang/diag.h"

/* Formats `src` (len bytes).  On success returns true and sets *out to a
 * malloc'd, NUL-terminated buffer of *out_len bytes (the caller frees it).
 * A source that does not parse gives false with its syntax errors in
 * diags (cr_diags_init'ed by the caller with the file and source); so does
 * running out of memory, or the layout changing a token, which would be a
 * bug in the formatter and is refused rather than written. */
bool cr_fmt(const char *src, size_t len, cr_diags *diags, char **out, size_t *out_len);

/* The same for a test file (NAME.test.credo; lang/fmt_test.c). */
bool cr_fmt_test(const char *src, size_t len, cr_diags *diags, char **out, size_t *out_len);

#endif
