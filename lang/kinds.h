/* What the syntax tree (ast.h) and the compiled program (program.h) both
 * name: a place in the source and the kinds of rule, hit policy, collect
 * aggregate and reference-table source.  The program carries these past
 * compiling, so they live here rather than in the syntax tree, and the
 * VM's side never sees the tree. */
#ifndef CREDO_KINDS_H
#define CREDO_KINDS_H

#include <stdint.h>

/* A byte span [start, end) in the policy source; line and column are
 * worked out only when a diagnostic is printed. */
typedef struct cr_span {
    uint32_t start, end;
} cr_span;

typedef enum cr_rule_kind { RULE_REJECT, RULE_REFER } cr_rule_kind;

/* RULE_ORDER and OUTPUT_ORDER give a list: every matching row's output,
 * in row order or by the output's priority (PRIORITY's order). */
typedef enum cr_hit {
    HIT_FIRST, HIT_UNIQUE, HIT_PRIORITY, HIT_ANY, HIT_COLLECT, HIT_RULE_ORDER, HIT_OUTPUT_ORDER
} cr_hit;
typedef enum cr_collect { COLLECT_LIST, COLLECT_SUM, COLLECT_MIN, COLLECT_MAX, COLLECT_COUNT } cr_collect;

/* What ADMISSION pushes (its operand a): `admission.reasons` and the rest. */
typedef enum cr_admission_member {
    ADM_REASONS,     /* every code that fired, in order (a list of texts) */
    ADM_REJECTED,    /* a reject rule fired (bool) */
    ADM_REFERRED,    /* a refer rule fired (bool) */
    ADM_REJECTIONS,  /* the reject codes that fired */
    ADM_REFERRALS,   /* the refer codes that fired */
    ADM_COUNT
} cr_admission_member;

/* Where a scorecard characteristic's value can be read after a run, for
 * explain and coverage (cr_charac_info.src_kind). */
typedef enum cr_charac_source {
    CHARAC_SRC_NONE,   /* neither: a const or an expression */
    CHARAC_SRC_INPUT,  /* an input slot */
    CHARAC_SRC_LET     /* a let's value */
} cr_charac_source;

/* Where a reference table (`lookup`) is read from. */
typedef enum cr_lookup_source { LOOKUP_CSV, LOOKUP_SQLITE } cr_lookup_source;

#endif
