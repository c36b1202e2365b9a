/* The syntax tree.  The parser builds it in the compile arena; sema
 * annotates it (resolved names, types) in place; compile walks it once to
 * emit bytecode.  Nodes are never freed one by one. */
#ifndef CREDO_AST_H
#define CREDO_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "lang/kinds.h"
#include "lang/types.h"
#include "runtime/core/decimal.h"

typedef enum cr_expr_kind {
    E_INT, E_DEC, E_STR, E_BOOL, E_NULL, E_DATE, E_REGEX, E_TODAY,
    E_NAME,     /* name */
    E_FIELD,    /* a.name */
    E_INDEX,    /* a[b]: an item of a list, or the row of a lookup (a names it) */
    E_SLICE,    /* a[b..c] */
    E_CALL,     /* name(args) */
    E_METHOD,   /* a.name(args) */
    E_UNARY,    /* op a */
    E_BINARY,   /* a op b */
    E_MATCHES,  /* a matches b */
    E_ISNULL,   /* a is null / a is not null (negate) */
    E_IF,       /* if a then b else c */
    E_LIST,     /* [args] */
    E_SET,      /* {args} */
    E_AGG,      /* count|any|all var in a where b */
    E_COMP,     /* [b for var in a where c] */
    E_ADMISSION,/* admission.reasons / .rejected / .referred: str = member */
    E_HAS,      /* lookup has key: tri.a names the lookup, tri.b is the key */
    E_BETWEEN   /* a in b..c (both ends included); tri.negate: a not in b..c */
} cr_expr_kind;

typedef enum cr_op {
    OP_ADD_, OP_SUB_, OP_MUL_, OP_DIV_, OP_MOD_,
    OP_EQ_, OP_NE_, OP_LT_, OP_LE_, OP_GT_, OP_GE_,
    OP_AND_, OP_OR_, OP_COALESCE_, OP_IN_, OP_NOTIN_,
    OP_NEG_, OP_NOT_
} cr_op;

typedef enum cr_agg_kind { AGG_COUNT, AGG_ANY, AGG_ALL } cr_agg_kind;

/* What a name was resolved to by sema. */
typedef enum cr_ref_kind {
    REF_NONE, REF_INPUT, REF_INPUT_RECORD, REF_ITEM, REF_LOCAL, REF_LABEL, REF_FN, REF_CHARAC, REF_CODE
} cr_ref_kind;

typedef struct cr_expr cr_expr;
typedef struct cr_expr_list {
    cr_expr **items;
    uint32_t count, cap;
} cr_expr_list;

struct cr_expr {
    cr_expr_kind kind;
    cr_span span;
    const cr_type *type;  /* set by sema */
    union {
        int64_t ival;     /* E_INT, E_BOOL, E_DATE (days) */
        cr_dec dval;      /* E_DEC */
        struct { const char *s; uint32_t len; } str;   /* E_STR, E_REGEX (pattern), E_NAME */
        struct { cr_op op; cr_expr *a, *b; } bin;      /* E_UNARY (a), E_BINARY */
        struct { cr_expr *a, *b, *c; bool negate; } tri; /* E_INDEX, E_SLICE, E_IF, E_MATCHES, E_ISNULL, E_HAS, E_BETWEEN */
        struct { cr_expr *recv; const char *name; cr_span name_span; cr_expr_list args; } call; /* E_CALL, E_METHOD, E_FIELD (recv, name) */
        cr_expr_list list;                              /* E_LIST, E_SET */
        struct { cr_agg_kind agg; const char *var; cr_span var_span; cr_expr *src, *cond, *body; uint32_t var_slot; } loop; /* E_AGG, E_COMP */
    } u;
    /* Resolution (sema). */
    cr_ref_kind ref;
    uint32_t ref_index;   /* slot, let, const, local, label or fn index */
    int32_t builtin;      /* E_CALL of a built-in: its index, else -1 */
    struct cr_item *item; /* REF_ITEM / REF_FN: the item named */
};

typedef enum cr_type_expr_kind { TE_NAME, TE_LIST, TE_RECORD, TE_ONE_OF } cr_type_expr_kind;

typedef struct cr_field_decl cr_field_decl;
typedef struct cr_type_expr {
    cr_type_expr_kind kind;
    cr_span span;
    bool optional;
    const char *name;                 /* TE_NAME */
    struct cr_type_expr *elem;        /* TE_LIST */
    cr_field_decl *fields;            /* TE_RECORD: linked list */
    cr_expr_list values;              /* TE_ONE_OF: `one of {"a", "b"}`, the closed set of texts */
    bool outputs;                     /* TE_RECORD: a table's named outputs, `(name: type, ...)` */
} cr_type_expr;

struct cr_field_decl {
    const char *name;
    cr_span span;
    cr_type_expr *type;
    cr_field_decl *next;
};

typedef struct cr_rule_decl {
    cr_rule_kind kind;
    const char *code;
    cr_span code_span;
    const char *desc;     /* may be NULL */
    cr_expr *cond;
    cr_span span;
    struct cr_rule_decl *next;
} cr_rule_decl;

/* A test in a scorecard bin or a decision-table cell: `- ` or `else`
 * (anything), a value (equality), a comparison, a range (`a..b` and
 * `[a..b]` inclusive, `(a..b)`, `[a..b)`, `(a..b]` open at the round
 * bracket), a set of values, or `null` (the value is missing: the only
 * cell an optional value's null matches, besides `-`).  A set holding
 * other tests (`{< 5, > 10}`) is CELL_ANYOF: it matches when one of its
 * tests does.  A value that names a const set (`RESTRICTED`) is made
 * CELL_IN by sema: the value is in that set. */
typedef enum cr_cell_kind {
    CELL_ANY, CELL_EQ, CELL_NE, CELL_LT, CELL_LE, CELL_GT, CELL_GE, CELL_RANGE, CELL_SET, CELL_NULL,
    CELL_ANYOF, CELL_IN
} cr_cell_kind;

typedef struct cr_cell {
    cr_cell_kind kind;
    cr_span span;
    cr_expr *a, *b;        /* operands; CELL_RANGE uses both, CELL_IN names the set in a */
    cr_expr_list set;      /* CELL_SET; CELL_ANYOF: every operand of its tests (for the walks over names) */
    bool lo_open, hi_open; /* CELL_RANGE: a bound written with a round bracket is not in the range */
    struct cr_cell *tests; /* CELL_ANYOF: its tests */
    uint32_t ntests;
} cr_cell;

/* scorecard: one bin `cell -> points` of a characteristic. */
typedef struct cr_bin {
    cr_cell cell;
    cr_expr *points;
    cr_span span;
    struct cr_bin *next;
} cr_bin;

typedef struct cr_charac {
    const char *name;      /* the value it bins: a field, let or const */
    cr_span name_span;
    const char *code;      /* reason code; NULL = SC_<NAME> */
    cr_span code_span;     /* of the code after `as` */
    cr_bin *bins;
    struct cr_charac *next;
    cr_expr *ref;          /* E_NAME built from name, resolved by sema */
    uint32_t index;        /* number among all characteristics (sema) */
} cr_charac;

/* segment: `LABEL when cond` or `LABEL otherwise` (cond NULL). */
typedef struct cr_seg_row {
    const char *label;
    cr_span span;
    cr_expr *cond;
    struct cr_seg_row *next;
} cr_seg_row;

typedef struct cr_table_row {
    cr_cell *cells;
    uint32_t ncells;
    cr_expr *out;              /* the first output (the only one of most tables) */
    cr_expr_list outs;         /* every output, one per output of the table */
    bool is_default;           /* `default -> value`: no cells, used when no other row matches */
    cr_span span;
    cr_span grid_row_span;     /* grid form: the row's test (for messages) */
    cr_expr_list grid_values;  /* grid form, while parsing: one value per column */
    struct cr_table_row *next;
} cr_table_row;

/* decide: `approve|refer|reject reasons... [when cond]`, first match. */
typedef enum cr_outcome { OUT_APPROVE, OUT_REFER, OUT_REJECT } cr_outcome;

typedef struct cr_decide_row {
    cr_outcome outcome;
    cr_expr_list reasons;  /* E_STR codes or text / list-of-text expressions */
    cr_expr *cond;         /* NULL = always */
    cr_span span;
    struct cr_decide_row *next;
} cr_decide_row;

typedef struct cr_param {
    const char *name;
    cr_span span;
    cr_type_expr *type;
    const cr_type *resolved;   /* set by sema */
    struct cr_param *next;
} cr_param;

/* A reference table read once when the policy loads:
 *   lookup NAME from csv "path" key COLUMN { columns }
 *   lookup NAME from sqlite "path" table TABLE key COLUMN { columns }
 * The path is relative to the policy file's folder. */
typedef struct cr_lookup_decl {
    cr_lookup_source source;
    const char *path;
    cr_span path_span;
    const char *table;          /* LOOKUP_SQLITE only */
    cr_span table_span;
    const char *key;            /* the key column (keys are texts) */
    cr_span key_span;
    cr_field_decl *columns;     /* the value columns and their types */
    const char *pin_sha256;     /* `sha256 "…"`: the data's SHA-256 must be this; NULL: any */
    cr_span pin_span;
    int64_t min_rows;           /* `min_rows N`, when has_min_rows */
    bool has_min_rows;
    cr_span min_rows_span;
} cr_lookup_decl;

typedef enum cr_item_kind {
    I_INPUT, I_CONST, I_LET, I_RESULT, I_ADMISSION, I_RULE, I_FN,
    I_SCORECARD, I_SEGMENT, I_TABLE, I_DECIDE, I_LOOKUP
} cr_item_kind;

typedef struct cr_item {
    cr_item_kind kind;
    cr_span span;
    const char *name;           /* I_INPUT, I_CONST, I_LET, I_RESULT, I_FN */
    cr_span name_span;
    cr_expr *expr;              /* I_CONST, I_LET, I_RESULT, I_FN body */
    cr_type_expr *type;         /* I_INPUT record, I_FN result type */
    cr_param *params;           /* I_FN */
    cr_rule_decl *rules;        /* I_ADMISSION (list), I_RULE (one) */
    cr_expr *base;              /* I_SCORECARD */
    cr_charac *characs;         /* I_SCORECARD */
    cr_seg_row *seg_rows;       /* I_SEGMENT */
    cr_expr_list inputs;        /* I_TABLE input expressions */
    cr_hit hit;                 /* I_TABLE */
    cr_collect collect;
    cr_table_row *rows;         /* I_TABLE */
    cr_decide_row *decide;      /* I_DECIDE */
    cr_lookup_decl *lookup;     /* I_LOOKUP (its row type is value_type, its number sub_index) */
    const char *input_key;      /* I_INPUT: `key FIELD`, the field naming each decision; NULL: app_id */
    cr_span input_key_span;
    const cr_type *value_type;  /* type of the item's value, set by sema */
    bool used;                  /* referenced somewhere (sema) */
    bool resolving;             /* on the current let-dependency path */
    bool resolved;
    struct cr_item *next;
    uint32_t index;             /* let number (lets, results, consts, scorecards, segments, tables) */
    uint32_t sub_index;         /* scorecard, segment, table or lookup number */
    cr_labels *labels;          /* I_SEGMENT: its labels */
    uint32_t param_slot;        /* I_FN: first local slot of its parameters */
    /* dependency walks (sema_deps.c), each item's answer kept so every
     * walk is linear in the policy: */
    uint8_t reads_admission;    /* 0 not known, 1 being walked, 2 no, 3 yes */
    const char *admission_via;  /* when yes: the item that reads it */
    const struct cr_item *reach_target;  /* the function whose recursion walk last passed here */
    /* I_FN: what its body comes to with every call in it inlined
     * (sema_expand.c), measured once: */
    uint8_t expand_state;       /* 0 not yet, 1 being measured, 2 measured */
    uint32_t expand_depth;      /* how deep it nests */
    uint32_t expand_calls;      /* the longest chain of calls from it, itself included */
    uint64_t expand_nodes;      /* its nodes, with those of every body it copies */
    const struct cr_item *expand_heaviest;  /* the function it calls that copies the most */
    const struct cr_item *expand_deepest;   /* the function at the head of its longest chain */
} cr_item;

typedef struct cr_policy_ast {
    const char *name;
    cr_span name_span;
    const char *title;          /* may be NULL */
    const char *version;        /* may be NULL */
    int64_t effective;          /* day number; INT64_MIN when absent */
    bool has_effective;
    const char *owner;
    cr_span header_span;
    cr_item *items;             /* in source order */
} cr_policy_ast;

#endif
