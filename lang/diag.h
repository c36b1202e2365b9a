/* Diagnostics: collected while compiling, printed as
 *   file:line:col: error: message
 *   <the source line>
 *   <caret under the span>
 * The compiler keeps going after an error so one run shows every mistake. */
#ifndef CREDO_DIAG_H
#define CREDO_DIAG_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "lang/kinds.h"

typedef enum cr_severity { CR_SEV_ERROR, CR_SEV_WARNING, CR_SEV_NOTE } cr_severity;

typedef struct cr_diag {
    cr_severity severity;
    cr_span span;
    char *msg;
} cr_diagnostic;

typedef struct cr_diags {
    const char *file;
    const char *src;
    size_t len;
    cr_diagnostic *items;
    uint32_t count, cap;
    uint32_t errors, warnings;
    uint32_t dropped;          /* counted but not kept: past CR_MAX_DIAGS */
} cr_diags;

/* At most this many diagnostics are kept (and printed); the rest are
 * counted, so that a policy of a million mistakes, or of a thousand
 * warnings on one long line, is reported in a moment and a screenful
 * rather than in megabytes. */
#define CR_MAX_DIAGS 100
/* A quoted source line longer than this many bytes is cut to a window
 * around the caret, with "..." where it was cut. */
#define CR_DIAG_LINE_MAX 160

void cr_diags_init(cr_diags *d, const char *file, const char *src, size_t len);
void cr_diags_free(cr_diags *d);
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
void cr_diag(cr_diags *d, cr_severity sev, cr_span span, const char *fmt, ...);
void cr_vdiag(cr_diags *d, cr_severity sev, cr_span span, const char *fmt, va_list ap);
/* 1-based line and column (column counts UTF-8 characters) of offset. */
void cr_source_linecol(const char *src, size_t len, uint32_t off, uint32_t *line, uint32_t *col);
/* Prints every diagnostic, in source order, with the line and a caret. */
void cr_diags_print(const cr_diags *d, FILE *out);
/* One diagnostic, as above, into out. */
void cr_diag_print_one(const cr_diags *d, const cr_diagnostic *g, FILE *out);

#endif
