/* Writes decisions as JSON lines into a growable buffer that is reused
 * from one application to the next (no allocation once it is big enough). */
#ifndef CREDO_DECISION_JSON_H
#define CREDO_DECISION_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "runtime/vm/vm.h"

typedef struct cr_buf {
    char *p;
    size_t len, cap;
    bool failed;   /* an allocation failed; the contents are cut short */
} cr_buf;

void cr_buf_free(cr_buf *b);
/* Room for n more bytes and a NUL; false (and b->failed) when it cannot grow. */
bool cr_buf_reserve(cr_buf *b, size_t n);
/* Inline: a decision line is some forty short pieces, most of a length
 * known where they are written, so the copy becomes a few moves. */
static inline void cr_buf_put(cr_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap && !cr_buf_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}
void cr_buf_puts(cr_buf *b, const char *s);
void cr_buf_printf(cr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal, escaped. */
void cr_buf_json_string(cr_buf *b, const char *s, size_t n);
/* A value as JSON: decimals exactly with their scale, dates as "YYYY-MM-DD",
 * records as objects (t gives the field names; may be NULL). */
void cr_buf_json_value(cr_buf *b, cr_value v, const cr_type *t);

/* "KEY":VALUE, the member naming the application: KEY is the policy's
 * input key (`input NAME key FIELD`), or "app_id" when it declares none
 * (or p is NULL).  With slots (the application was read), the key
 * field's value as its type writes it; else app_id (NULL: null), as a
 * text, or as the number's digits when number says the JSON had one and
 * the key is a field. */
void cr_write_id(cr_buf *b, const cr_program *p, const cr_value *slots, const char *app_id, size_t n, bool number);
/* {"app_id":…,"decision":…,"reasons":[…], every named result…[, "explain":{…}]}
 * followed by a newline; the first member is cr_write_id's, from the
 * session's slots.  app_id may be NULL (written as null). */
void cr_write_decision(cr_buf *b, const cr_session *s, const char *app_id, size_t app_id_len, bool explain);
/* {"app_id":…,"line":N,"decision":"ERROR","error":"…"} and a newline. */
void cr_write_error(cr_buf *b, const char *app_id, size_t app_id_len, uint64_t line, const char *error);
/* The same, naming the application as cr_write_id does for program p. */
void cr_write_error_keyed(cr_buf *b, const cr_program *p, const char *app_id, size_t app_id_len, bool number,
                          uint64_t line, const char *error);

#endif
