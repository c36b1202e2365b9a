/* What the parts of semantic analysis share, and nothing else includes:
 * the checker's state, the helpers every part uses to report and to
 * allocate, and the functions one part calls in another.  lang/sema.c
 * says which part checks what, and in what order. */
#ifndef CREDO_SEMA_PRIVATE_H
#define CREDO_SEMA_PRIVATE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "runtime/core/check.h"
#include "runtime/core/decimal.h"
#include "lang/sema.h"

/* Locals (loop variables and function parameters) in scope at once, and
 * paths a guard has proved non-null at once.  Past these a local is not
 * pushed (its name resolves as if it were not declared) and a guard is not
 * remembered (the value it guards stays optional). */
#define MAX_SCOPE 256
#define MAX_NARROW 256

/* A loop variable or a function parameter, and its slot among the locals. */
typedef struct local {
    const char *name;
    const cr_type *type;
    uint32_t slot;
    uint32_t narrow_at;  /* guards in force when it was declared: they were of another value of its name */
} local;

/* The state of one run of cr_sema. */
typedef struct sema {
    cr_arena *arena;
    cr_diags *diags;
    cr_policy_ast *ast;
    cr_item *input;                  /* the input block, or NULL */
    const char *key;                 /* its `key FIELD`, when declared and valid; NULL: app_id */
    cr_record *rec;                  /* its record (empty when none): the input fields */
    local scope[MAX_SCOPE];          /* the locals in scope, innermost last */
    uint32_t nscope;
    const char *narrow[MAX_NARROW];  /* paths known not to be null here */
    uint32_t nnarrow;
    uint32_t next_slot;              /* the next free local slot */
    uint32_t nlets, nscorecards, nsegments, ntables, ncharacs, nlookups;
    void **regex;                    /* compiled patterns (pcre2_code *) */
    const char **regex_src;          /* pattern texts, kept for .credoc files */
    uint32_t *regex_len;
    uint32_t nregex, regex_cap;
    uint32_t depth;                  /* of cr_sema_check calls, see CR_MAX_NESTING */
    bool too_deep;
    bool oom;
    cr_item **names;                 /* cr_sema_find_item's hash index of the items, built on first use */
    uint32_t names_mask;
    bool names_built;
    bool in_input;                   /* checking the input block's types: `one of` is allowed */
    cr_item **segments;              /* the segment items, with the index */
    uint32_t nsegments_found;
} sema;

/* ---- reporting and allocating (every part) ---- */

static inline void err(sema *S, cr_span sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline void err(sema *S, cr_span sp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cr_vdiag(S->diags, CR_SEV_ERROR, sp, fmt, ap);
    va_end(ap);
}

static inline void warn(sema *S, cr_span sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline void warn(sema *S, cr_span sp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cr_vdiag(S->diags, CR_SEV_WARNING, sp, fmt, ap);
    va_end(ap);
}

/* Zeroed memory from the compile arena; NULL (and S->oom) when it is full. */
static inline void *alloc(sema *S, size_t n)
{
    void *p = cr_arena_calloc(S->arena, n);
    if (!p)
        S->oom = true;
    return p;
}

/* A type's name for a message ("money?", "list of int"); buf holds 96 bytes. */
static inline const char *tname(const cr_type *t, char *buf) { return cr_type_name(t, buf, 96); }

/* An int or a decimal (number, money, rate). */
static inline bool is_num(const cr_type *t) { return t->kind == CR_T_INT || t->kind == CR_T_DEC; }
/* An error type: already reported, so it silences follow-on errors. */
static inline bool is_err(const cr_type *t) { return t->kind == CR_T_ERROR; }

/* ---- types and names (sema.c) ---- */

const cr_type *cr_sema_with_optional(sema *S, const cr_type *t, bool optional);
const cr_type *cr_sema_list_of(sema *S, const cr_type *elem);
bool cr_sema_assignable(const cr_type *want, const cr_type *got);
const cr_type *cr_sema_join(sema *S, const cr_type *a, const cr_type *b);
const cr_type *cr_sema_record_type(sema *S, cr_field_decl *fields, const char *name, bool optional,
                                   cr_record **out_rec);
const cr_type *cr_sema_type_from_expr(sema *S, cr_type_expr *te, const char *recname);
cr_item *cr_sema_find_item(sema *S, const char *name);
int cr_sema_find_label(const cr_labels *l, const char *name);
void cr_sema_label_list(const cr_labels *l, char *buf, size_t size);

/* ---- items, checked on first use (sema.c) ---- */

void cr_sema_check_item(sema *S, cr_item *it);
const cr_type *cr_sema_item_type(sema *S, cr_item *it, cr_span use);
int cr_sema_compile_regex(sema *S, const char *pat, uint32_t len, cr_span sp);

/* ---- expressions (sema_expr.c) ---- */

const cr_type *cr_sema_check(sema *S, cr_expr *e);
const cr_type *cr_sema_need(sema *S, cr_expr *e);
void cr_sema_expect_bool(sema *S, cr_expr *e, const char *what);
const cr_type *cr_sema_expect_num(sema *S, cr_expr *e, const char *what);
bool cr_sema_resolve_label(sema *S, cr_expr *e, const cr_type *lt);
void cr_sema_check_category(sema *S, const cr_type *t, const cr_expr *x);
void cr_sema_scope_push(sema *S, const char *name, const cr_type *t, uint32_t slot);
bool cr_sema_path_of(const cr_expr *e, char *buf, size_t size);
void cr_sema_check_lookup(sema *S, cr_item *it);

/* ---- scorecards, segments, decision tables (sema_table.c) ---- */

/* Tables and characteristics with more rows or bins than this are not
 * checked pair by pair for rows that never match (rows x rows work), nor
 * searched for gaps. */
#define CR_MAX_PAIRWISE 2000

/* What a cell operand naming a const stands for (the const's literal). */
const cr_expr *cr_sema_const_resolved(const cr_expr *e);
/* The number a literal operand (or a const holding one) stands for. */
bool cr_sema_literal_dec(const cr_expr *e, cr_dec *d);
/* The literals of a set cell, `{a, b}` or a const set's (NULL when unknown). */
const cr_expr_list *cr_sema_cell_values(const cr_cell *c);

/* A numeric cell or test as an interval, for gap, overlap and
 * contradiction checks; known is false when a bound is not a literal. */
typedef struct interval {
    bool known;
    cr_dec lo, hi;
    bool lo_inf, hi_inf, lo_open, hi_open;
} interval;

bool cr_sema_interval_meets(const interval *x, const interval *y);
/* x with whole-number bounds, both closed: what it holds of the ints. */
interval cr_sema_int_interval(interval x);

/* ---- chains of tests of one value (sema_logic.c) ---- */

/* Do the tests of the and-chain e (e alone when it is not one) leave no
 * value of one path?  Names it in path. */
bool cr_sema_chain_contradicts(const cr_expr *e, char *path, size_t size);
/* Do the tests of the or-chain e leave out no value of one path? */
bool cr_sema_chain_covers(const cr_expr *e, char *path, size_t size);
void cr_sema_check_scorecard(sema *S, cr_item *it);
void cr_sema_check_segment_labels(sema *S, cr_item *it);
void cr_sema_check_segment(sema *S, cr_item *it);
void cr_sema_check_table(sema *S, cr_item *it);

/* ---- gaps of a decision table (sema_gaps.c) ---- */

/* Warns of the first application (one value per input) no row of table
 * it matches; in[] are its inputs' types, not optional. */
void cr_sema_table_gaps(sema *S, cr_item *it, const cr_type *const *in);

/* ---- dependency analysis (sema_deps.c) ---- */

bool cr_sema_uses_admission(const cr_expr *e, int depth, const char **via);
bool cr_sema_fn_reaches(const cr_expr *e, const cr_item *target, int depth);

/* ---- the expansion budget (sema_expand.c) ---- */

void cr_sema_check_expansion(sema *S);

/* ---- the static warnings (sema_warn.c) ---- */

void cr_sema_static_warnings(sema *S);

#endif
