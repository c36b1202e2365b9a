/* What the accounts of a decision share (explain.c defines these; the
 * trace account, JSON, the plain-language text and the HTML page all read
 * one run of the tracing loop through them, so none evaluates twice). */
#ifndef CREDO_EXPLAIN_PARTS_H
#define CREDO_EXPLAIN_PARTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/program.h"
#include "runtime/vm/vm.h"

/* The 1-based source line of a span. */
uint32_t cr_ex_line_of(const cr_program *p, cr_span sp);
/* The policy's text of a span, white space runs made one space, comments
 * dropped, cut with "..." to fit size. */
void cr_ex_span_text(const cr_program *p, cr_span sp, char *buf, size_t size);
/* A value as JSON text ("B", 0.10, ["C","D"]), cut with "..." to fit. */
void cr_ex_value_text(cr_value v, const cr_type *t, char *buf, size_t size);
/* "<", "not in", "is null", ... for a test instruction and its a operand. */
const char *cr_ex_op_symbol(uint8_t op, uint8_t a);

/* Calls cb for every test (comparison, in, matches, is null, has) traced
 * inside a span (a rule, a segment row, a decide row), in the order run,
 * with the account's one-line text of it ("age < 18: 47 < 18 -> false"). */
typedef void (*cr_ex_test_cb)(void *ctx, const char *text, const cr_trace_entry *e);
void cr_ex_tests_in(const cr_session *s, cr_span sp, cr_ex_test_cb cb, void *ctx);

/* The span of a let's expression; the let of a scorecard, segment or
 * table (-1 if none); whether a rule fired; a characteristic's value. */
cr_span cr_ex_let_expr_span(const cr_program *p, uint32_t let);
int cr_ex_let_of(const cr_program *p, uint8_t kind, uint32_t index);
bool cr_ex_rule_fired(const cr_session *s, uint32_t rule);
bool cr_ex_charac_value(const cr_session *s, const cr_charac_info *ci, cr_value *v);

/* Where a matched table row stands, for a reader: "row 3 (line 83)", or
 * for a cell of a grid table its row and column as the policy heads them,
 * "row SUBPRIME, column <= 12 (line 96)". */
void cr_ex_table_place(const cr_program *p, const cr_table_info *t, uint32_t row, char *buf, size_t size);

#endif
