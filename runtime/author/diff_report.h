/* The reports of `credo diff`: a population comparison (diff_pop.h) as
 * text for the terminal, as one JSON document or as a self-contained HTML
 * page with inline SVG charts; a policy comparison (lang/policy_diff.h) as
 * text or JSON.  Writers only write; the caller checks the stream. */
#ifndef CREDO_DIFF_REPORT_H
#define CREDO_DIFF_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lang/policy_diff.h"
#include "runtime/io/decision_json.h"
#include "runtime/author/diff_pop.h"

typedef struct cr_diff_meta {
    const char *old_file, *new_file;
    const char *input_file;     /* NULL for a policy comparison */
    int64_t as_of;              /* day number */
    uint64_t list;              /* changed applications shown on the terminal */
} cr_diff_meta;

void cr_diff_write_text(FILE *f, const cr_popdiff *d, const cr_diff_meta *m);
void cr_diff_write_json(FILE *f, const cr_popdiff *d, const cr_diff_meta *m);
void cr_diff_write_html(FILE *f, const cr_popdiff *d, const cr_diff_meta *m);

void cr_pdiff_write_text(FILE *f, const cr_policy_diff *d, const cr_program *a, const cr_program *b,
                         const cr_diff_meta *m);
void cr_pdiff_write_json(FILE *f, const cr_policy_diff *d, const cr_program *a, const cr_program *b,
                         const cr_diff_meta *m);

/* Shared by the writers. */
/* Writes out what b holds and empties it, once it is big (always when
 * `all`), so a report of millions of rows never sits whole in memory. */
void cr_diff_flush(cr_buf *b, FILE *f, bool all);
/* An exact decimal as text. */
void cr_diff_put_dec(cr_buf *b, cr_dec d);
/* The reason tallies, most frequent first (gained + lost), then by code;
 * malloc'd array of d->nreasons pointers, NULL when empty or out of memory. */
const cr_diff_reason **cr_diff_sorted_reasons(const cr_popdiff *d);
/* The bounds of bucket i of cr_diff_buckets ("[-2000, -1000)", "0"). */
void cr_diff_bucket_label(const cr_diff_buckets *b, int i, char *out, size_t size);

#endif
