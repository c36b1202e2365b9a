/* Reads one application (a JSON object) straight into input slots.
 *
 * No tree is built: the object is scanned once, each key is looked up in
 * the schema's field index and its value is checked against the field's
 * type and written into the field's slot.  Numbers become exact decimals
 * from their text.  Texts without escapes point into the line itself (so
 * the line must outlive the slots); decoded texts, lists and nested
 * records are allocated in the session arena. */
#ifndef CREDO_JSON_READ_H
#define CREDO_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/core/arena.h"
#include "runtime/core/limit.h"
#include "runtime/core/value.h"
#include "lang/types.h"

typedef struct cr_json_result {
    /* The application's "app_id" member (top level) when it is a string or
     * a number: its text, pointing into the line or the arena; NULL when
     * absent or when the line broke off before it. */
    const char *app_id;
    uint32_t app_id_len;
    bool app_id_number;   /* it was a JSON number (its digits, unquoted) */
    /* On failure: "<field path>: <what is wrong>", e.g.
     * "age: expected int, got text", "monthly_sales[3]: expected number, got null",
     * "collateral_value: number 1e400 is out of range",
     * "json: byte 17: expected ',' or '}'". */
    char error[256];
} cr_json_result;

/* Returns 0 and fills slots[0..schema->nfields) on success; -1 with
 * res->error set on failure.  Unknown members are validated and skipped.
 * A missing or null member is CR_NULL when its type is optional, an error
 * otherwise.  A member given twice is an error. */
int cr_json_read(const cr_record *schema, const char *line, size_t len, cr_arena *arena,
                 const cr_json_limits *limits, cr_value *slots, cr_json_result *res);
/* The same, capturing as res->app_id the top-level member id_key (a
 * policy's `input NAME key FIELD`) instead of "app_id" (id_key NULL). */
int cr_json_read_keyed(const cr_record *schema, const char *id_key, const char *line, size_t len, cr_arena *arena,
                       const cr_json_limits *limits, cr_value *slots, cr_json_result *res);

#endif
