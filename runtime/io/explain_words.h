/* One traced test in words, for readers who do not read policy syntax:
 * "age 17 is below the minimum of 18", "tax grade B is one of C, D". */
#ifndef CREDO_EXPLAIN_WORDS_H
#define CREDO_EXPLAIN_WORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/vm/vm.h"

/* in_rule: the test belongs to an admission rule, where a bound is a
 * minimum or a maximum the applicant must meet. */
void cr_ex_test_words(const cr_session *s, const cr_trace_entry *e, bool in_rule, char *buf, size_t size);
/* A value as a reader writes it: texts without quotes, lists as "C, D". */
void cr_ex_value_words(cr_value v, char *buf, size_t size);
/* The same, with the value's type: a record's fields by name (a table's named outputs). */
void cr_ex_typed_value_words(cr_value v, const cr_type *t, char *buf, size_t size);
/* A policy name as words: "business_years" -> "business years". */
void cr_ex_name_words(const char *name, char *buf, size_t size);

#endif
