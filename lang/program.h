/* A compiled policy: bytecode, constants and the tables that name what the
 * code does (rules, results, scorecards, segments, decision tables), all in
 * one arena that lives as long as the program.  A program is immutable once
 * built, so threads share it; each thread evaluates with its own session
 * (runtime/vm/vm.h). */
#ifndef CREDO_PROGRAM_H
#define CREDO_PROGRAM_H

#include <stdbool.h>
#include <stdint.h>

#include "lang/kinds.h"
#include "lang/opcodes.h"
#include "lang/types.h"
#include "runtime/core/arena.h"
#include "runtime/core/value.h"

typedef struct cr_ins {
    uint8_t op;
    uint8_t a;
    uint16_t b;
    uint32_t c;
} cr_ins;

typedef struct cr_rule_info {
    const char *code;
    const char *desc;          /* may be NULL */
    uint8_t kind;              /* RULE_REJECT / RULE_REFER */
    bool in_admission;
    cr_span span;
} cr_rule_info;

typedef enum cr_let_kind { LET_PLAIN, LET_CONST, LET_RESULT, LET_SCORECARD, LET_SEGMENT, LET_TABLE } cr_let_kind;

typedef struct cr_let_info {
    const char *name;
    uint32_t pc;               /* start of its code; ends with LET_END */
    uint8_t kind;              /* cr_let_kind */
    uint32_t index;            /* kind's own table: scorecard, segment or table number */
    const cr_type *type;
    cr_span span;
} cr_let_info;

typedef struct cr_charac_info {
    const char *name;
    const char *code;          /* adverse-action reason code */
    uint8_t src_kind;          /* cr_charac_source: where its value lives after a run */
    uint32_t src_index;
    uint32_t nbins;
    cr_span *bin_spans;
} cr_charac_info;

typedef struct cr_scorecard_info {
    const char *name;
    uint32_t first, count;     /* its characteristics in prog->characs */
} cr_scorecard_info;

typedef struct cr_segment_info {
    const char *name;
    uint32_t nrows;
    const char **labels;       /* label of each row */
    cr_span *row_spans;
} cr_segment_info;

typedef struct cr_table_info {
    const char *name;
    uint8_t hit, collect;      /* cr_hit, cr_collect */
    uint32_t nrows;
    cr_span *row_spans;
    const cr_type *out;
} cr_table_info;

/* A reference table (a `lookup`), read once when the policy loaded: its
 * rows as values in the program's arena and an open-addressing index of
 * their keys (FNV-1a, linear probing), so LOOKUP and HAS cost one hash.
 * The name, path and SHA-256 say which data a decision was made with. */
typedef struct cr_lookup_info {
    const char *name;
    uint8_t source;            /* cr_lookup_source */
    const char *path;          /* as the policy writes it, relative to its folder */
    const char *table;         /* SQLite: the table read; NULL for a CSV file */
    const char *key;           /* the key column */
    char sha256[65];           /* of the file's bytes when they were read */
    const cr_type *row;        /* an optional record: a row, or null for an absent key */
    uint32_t nrows;
    const cr_value *keys;      /* texts, one per row */
    const cr_value *rows;      /* records in row->rec's field order, one per row */
    uint32_t *index;           /* row number + 1, 0 = empty; index_mask + 1 entries */
    uint32_t index_mask;
    cr_span span;              /* the declaration */
} cr_lookup_info;

typedef struct cr_program {
    cr_arena arena;
    /* the exact source and what identifies it */
    const char *file;
    const char *src;
    size_t len;
    char sha256[65];           /* of the source text */
    /* What runs, beside what was written: the SHA-256 of the program's
     * .credoc encoding without its file name and with each lookup's rows
     * stood for by their SHA-256 (cr_program_identity).  Two programs with
     * this hash decide alike on the same data. */
    char program_sha256[65];
    /* The key id (lang/credoc.h) of the trusted signature a .credoc
     * carried; "" when it was compiled here or carried none trusted. */
    char signed_by[17];
    const char *name, *title, *version, *owner;
    int64_t effective;
    bool has_effective;

    const cr_record *input;    /* input slots, in declaration order */
    const char *input_name;
    /* The input field whose value names each decision (its line's first
     * member, the log's app_id, explain); NULL: "app_id", which need not
     * be a field.  A top-level text, int, number or date field. */
    const char *key;

    cr_ins *code;
    cr_span *spans;            /* source place of each instruction */
    uint32_t ncode;
    cr_value *consts;
    uint32_t nconsts;

    cr_let_info *lets;
    uint32_t nlets;
    uint32_t *results;         /* lets written to the decision, in source order */
    uint32_t nresults;
    cr_rule_info *rules;
    uint32_t nrules;
    cr_scorecard_info *scorecards;
    uint32_t nscorecards;
    cr_charac_info *characs;
    uint32_t ncharacs;
    cr_segment_info *segments;
    uint32_t nsegments;
    cr_table_info *tables;
    uint32_t ntables;
    cr_lookup_info *lookups;
    uint32_t nlookups;

    void **regex;              /* pcre2_code_8 *, compiled (and JIT-compiled) at load */
    const char **regex_src;    /* each pattern's text (NUL-terminated), kept so a .credoc can */
    uint32_t *regex_len;       /* store it and compile it again when loaded; its length */
    uint32_t nregex;
    uint32_t nlocals;
    uint32_t max_stack;
    uint32_t max_table_rows;
    bool has_decide;
    cr_span *decide_spans;     /* each decide row, for explain and coverage */
    uint32_t ndecide;
} cr_program;

#endif
