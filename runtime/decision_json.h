/* Writes decisions as JSON lines into a growable buffer that is reused
 * from one application to the next (no allocation once it is big enough). */
#ifndef CREDO_DECISION_JSON_H
#define CREDO_DECISION_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm.h"

typedef struct cr_buf {
    char *p;
    size_t len, cap;
    bool failed;   /* an allocation failed; the contents are cut short */
} cr_buf;

void cr_buf_free(cr_buf *b);
void cr_buf_put(cr_buf *b, const char *s, size_t n);
void cr_buf_puts(cr_buf *b, const char *s);
void cr_buf_printf(cr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal, escaped. */
void cr_buf_json_string(cr_buf *b, const char *s, size_t n);
/* A value as JSON: decimals exactly with their scale, dates as "YYYY-MM-DD",
 * records as objects (t gives the field names; may be NULL). */
void cr_buf_json_value(cr_buf *b, cr_value v, const cr_type *t);

/* {"app_id":…,"decision":…,"reasons":[…], every named result…[, "explain":{…}]}
 * followed by a newline.  app_id may be NULL (written as null). */
void cr_write_decision(cr_buf *b, const cr_session *s, const char *app_id, size_t app_id_len, bool explain);
/* {"app_id":…,"line":N,"decision":"ERROR","error":"…"} and a newline. */
void cr_write_error(cr_buf *b, const char *app_id, size_t app_id_len, uint64_t line, const char *error);

#endif
