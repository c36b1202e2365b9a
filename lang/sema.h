/* Semantic analysis: resolves every name, gives every expression its
 * static type, enforces null-safety (an optional value must be guarded by
 * `is not null`, `??` or a condition before it is used), finds cycles
 * between lets and does the policy checks (segments need `otherwise`,
 * scorecard bins without gaps, decision-table rows that never match or
 * overlap).  It annotates the AST in place and keeps going after an error. */
#ifndef CREDO_SEMA_H
#define CREDO_SEMA_H

#include <stdbool.h>

#include "runtime/core/arena.h"
#include "lang/ast.h"
#include "lang/diag.h"
#include "lang/types.h"

typedef struct cr_sema_out {
    cr_record *input;          /* the input schema (an empty record when none) */
    const char *input_name;
    const char *key;           /* the input field naming each decision; NULL: "app_id" */
    uint32_t nlets, nscorecards, nsegments, ntables, ncharacs, nlookups;
    uint32_t nlocals;
    void **regex;              /* compiled patterns, pcre2_code_8 * */
    const char **regex_src;    /* their texts, for .credoc files */
    uint32_t *regex_len;
    uint32_t nregex;
} cr_sema_out;

/* The expansion budget (lang/sema_expand.c, README.md "Limits"):
 * functions are inlined at every call, so what a call copies is bounded
 * in all, in how deep functions call functions, and in how deep an
 * expression nests once inlined. */
#define CR_MAX_EXPANSION 100000
#define CR_MAX_CALL_DEPTH 64
#define CR_MAX_INLINED_DEPTH 4000

/* Returns false when there were errors (they are in diags). */
bool cr_sema(cr_policy_ast *ast, cr_arena *arena, cr_diags *diags, cr_sema_out *out);

/* The shared static types. */
extern const cr_type cr_type_error, cr_type_null, cr_type_bool, cr_type_int, cr_type_number,
    cr_type_text, cr_type_date, cr_type_regex, cr_type_text_list;

#endif
