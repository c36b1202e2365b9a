/* What changed between two versions of a policy, construct by construct:
 * the header, input fields, lookups, consts, lets, results and functions,
 * admission and other rules, scorecard characteristics and bins, segment
 * rows, table rows and decide rows.  Expressions are compared as source text with
 * white space and comments normalised away, so re-indenting a policy is
 * not a change; what an auditor reads is the old and the new text.
 *
 * The comparison works on syntax trees (cr_parse), not on programs: the
 * bytecode of a policy says nothing about which rule or bin a credit
 * officer wrote.  Callers compile both policies first (cr_compile) so that
 * only valid policies are compared. */
#ifndef CREDO_POLICY_DIFF_H
#define CREDO_POLICY_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/core/arena.h"
#include "lang/ast.h"
#include "lang/diag.h"

/* One policy's syntax tree and the source its spans point into. */
typedef struct cr_policy_tree {
    cr_arena arena;        /* owns the tree */
    cr_policy_ast ast;
    const char *src;       /* not owned: must outlive the tree */
    size_t len;
} cr_policy_tree;

/* Parses src (len bytes) into t; syntax errors go to diags.  False when the
 * tree is unusable.  cr_policy_tree_free is needed either way. */
bool cr_policy_tree_parse(cr_policy_tree *t, const char *src, size_t len, cr_diags *diags);
void cr_policy_tree_free(cr_policy_tree *t);

typedef enum cr_change_kind {
    CR_CHANGE_ADDED, CR_CHANGE_REMOVED, CR_CHANGE_CHANGED, CR_CHANGE_REORDERED
} cr_change_kind;

typedef struct cr_change {
    cr_change_kind kind;
    const char *section;   /* "header", "input", "const", "let", "result", "fn",
                              "admission", "rules", "scorecard", "segment",
                              "table", "decide" (static strings) */
    char *what;            /* "version", "rule DTI", "score.dti bin 3", ... */
    char *old_text;        /* NULL when added; may hold newlines for blocks */
    char *new_text;        /* NULL when removed */
    uint32_t old_line;     /* 1-based; 0 when absent */
    uint32_t new_line;
} cr_change;

/* The changes in reading order: sections in the order above, constructs in
 * the order of the old policy, then those only in the new one. */
typedef struct cr_policy_diff {
    cr_change *items;
    uint32_t count, cap;
    bool oom;
} cr_policy_diff;

/* Fills out (zeroed by the caller).  False when memory ran out; what was
 * found so far is still in out and must be freed. */
bool cr_policy_diff_run(const cr_policy_tree *old_tree, const cr_policy_tree *new_tree, cr_policy_diff *out);
void cr_policy_diff_free(cr_policy_diff *d);

/* "added", "removed", "changed", "reordered". */
const char *cr_change_kind_name(cr_change_kind k);

#endif
