/* The body of an HTTP error answer of credo serve: {"error":"..."} and a
 * newline, the message formatted like printf and escaped as JSON. */
#ifndef CREDO_SERVE_JSON_ERROR_H
#define CREDO_SERVE_JSON_ERROR_H

#include "runtime/io/decision_json.h"

/* Replaces out's contents with the error; returns status, so a caller
 * can answer `return cr_json_error(out, 404, ...)`. */
unsigned cr_json_error(cr_buf *out, unsigned status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
