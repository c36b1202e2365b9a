/* Reference tables: the `lookup` items of a policy, read from a CSV file or
 * a SQLite table once, when the policy compiles, into values in the
 * program's arena (lang/program.h, cr_lookup_info), with an index of their
 * keys.  At run time LOOKUP and HAS only hash a key and probe the index. */
#ifndef CREDO_LOOKUP_H
#define CREDO_LOOKUP_H

#include <stdbool.h>
#include <stdint.h>

#include "lang/diag.h"
#include "lang/program.h"

/* The syntax tree (lang/ast.h), which the VM's side need not see. */
typedef struct cr_policy_ast cr_policy_ast;

/* Reads the data of every lookup in ast into P->lookups (P->nlookups
 * entries, each lookup at its item's sub_index), each file found relative
 * to the folder of P->file.  A missing file, table or column, a cell its
 * column's type cannot hold, an empty or duplicate key are errors in
 * diags at the lookup's declaration; false when there was any. */
bool cr_lookups_load(cr_program *P, const cr_policy_ast *ast, cr_diags *diags);

typedef enum cr_lookup_index_status {
    CR_LOOKUP_INDEX_OK,
    CR_LOOKUP_INDEX_OOM,
    CR_LOOKUP_INDEX_DUPLICATE  /* rows *dup_a and *dup_b have one key */
} cr_lookup_index_status;

/* Builds lk->index over lk->keys in arena (also for a lookup read back from
 * a .credoc, which never trusts a stored index). */
cr_lookup_index_status cr_lookup_index(cr_lookup_info *lk, cr_arena *arena, uint32_t *dup_a, uint32_t *dup_b);

/* The row number of key (len bytes) in lk, or -1 when it has none. */
int64_t cr_lookup_find(const cr_lookup_info *lk, const char *key, uint32_t len);

#endif
