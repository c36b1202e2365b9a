/* Champion/challenger over a population: what deciding the same
 * applications with a new policy instead of the old one changes.
 *
 * The caller runs both programs on each application (two sessions) and
 * hands both results to cr_popdiff_add, which keeps running totals: the
 * swap-set matrix of outcomes, every numeric result both policies write
 * (how many changed, exact sums, the values for charts), every label, text
 * or bool result (a matrix of old by new value), reason codes gained and
 * lost, and the list of applications whose decision changed.  The report
 * writers (diff_report.h) only read it. */
#ifndef CREDO_DIFF_POP_H
#define CREDO_DIFF_POP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/core/decimal.h"
#include "runtime/io/decision_json.h"
#include "runtime/vm/vm.h"

/* Outcome indexes: the VM's three decisions, then ERROR. */
#define CR_DIFF_ERROR 3
#define CR_DIFF_NOUT 4

const char *cr_diff_outcome_name(uint32_t o);

/* One policy's side of one application. */
typedef struct cr_diff_side {
    const cr_session *s;   /* after cr_session_run; its program is s->prog */
    const char *error;     /* NULL: decided; else why the line is an ERROR */
} cr_diff_side;

typedef enum cr_diff_kind {
    CR_DIFF_NUMBER,   /* int or decimal in both policies */
    CR_DIFF_LABEL,    /* segment label, text or bool in both */
    CR_DIFF_OTHER     /* anything else: only counted as changed or not */
} cr_diff_kind;

#define CR_DIFF_MAX_VALUES 24

typedef struct cr_diff_result {
    const char *name;          /* owned by the old program */
    cr_diff_kind kind;
    uint32_t old_let, new_let; /* where each program keeps it */
    uint64_t compared;         /* applications decided by both */
    uint64_t changed;          /* ... whose value differs */

    /* CR_DIFF_NUMBER: over applications with a number on both sides */
    uint64_t numbers;
    cr_dec sum_old, sum_new;
    bool sum_overflow;         /* a sum went past 38 digits: no sums shown */
    double *old_vals, *new_vals;  /* one per application, NAN when none (charts) */
    size_t nvals, cap;

    /* CR_DIFF_LABEL: old value (row) by new value (column) */
    char *values[CR_DIFF_MAX_VALUES];  /* in first-seen order; segment labels first */
    uint32_t nvalues;
    bool too_many;             /* more distinct values than the matrix holds */
    uint64_t matrix[CR_DIFF_MAX_VALUES][CR_DIFF_MAX_VALUES];
} cr_diff_result;

typedef struct cr_diff_reason {
    char *code;
    uint64_t gained, lost;     /* applications decided by both */
} cr_diff_reason;

/* A result (or "reasons") that differs for one application; JSON texts. */
typedef struct cr_diff_field {
    const char *name;
    char *old_text, *new_text;
} cr_diff_field;

typedef struct cr_diff_app {
    char *app_id;              /* NULL when the line had none */
    uint64_t line;
    uint8_t old_out, new_out;  /* outcome indexes */
    char *old_error, *new_error;
    cr_diff_field *fields;
    uint32_t nfields;
} cr_diff_app;

typedef struct cr_popdiff {
    const cr_program *old_prog, *new_prog;
    uint64_t apps;
    uint64_t matrix[CR_DIFF_NOUT][CR_DIFF_NOUT];   /* [old][new] */
    uint64_t errors_old, errors_new;

    cr_diff_result *results;   /* results both write, in the old policy's order */
    uint32_t nresults;
    const char **only_old, **only_new;   /* results one policy writes */
    uint32_t nonly_old, nonly_new;

    cr_diff_reason *reasons;   /* in first-seen order */
    uint32_t nreasons, reasons_cap;
    uint32_t *reason_index;    /* open addressing: reason number + 1, 0 empty */
    uint32_t reason_slots;

    cr_diff_app *changes;      /* applications whose decision changed */
    size_t nchanges, changes_cap;

    cr_buf scratch_a, scratch_b;
    bool oom;
} cr_popdiff;

/* False when memory runs out (free it anyway). */
bool cr_popdiff_init(cr_popdiff *d, const cr_program *old_prog, const cr_program *new_prog);
bool cr_popdiff_add(cr_popdiff *d, const char *app_id, size_t app_id_len, uint64_t line,
                    const cr_diff_side *a, const cr_diff_side *b);
void cr_popdiff_free(cr_popdiff *d);

/* Applications whose outcome changed (off the matrix's diagonal). */
uint64_t cr_popdiff_moved(const cr_popdiff *d);

/* (sum_new - sum_old) / numbers, exact to 16 places; false when there is
 * nothing to divide or the sums overflowed. */
bool cr_popdiff_mean_change(const cr_diff_result *r, cr_dec *out);

/* Changes NEW - OLD of a numeric result in seven buckets of a round step:
 * [-3s,-2s) [-2s,-s) [-s,0) 0 (0,s] (s,2s] (2s,3s]. */
typedef struct cr_diff_buckets {
    double step;
    uint64_t count[7];
} cr_diff_buckets;
void cr_popdiff_buckets(const cr_diff_result *r, cr_diff_buckets *b);

/* The distribution of a numeric result, old and new over the same bins:
 * bin i is [from + i*step, from + (i+1)*step), the last one closed. */
#define CR_DIFF_HIST_MAX 40
typedef struct cr_diff_hist {
    double from, step;
    uint32_t nbins;
    uint64_t old_count[CR_DIFF_HIST_MAX], new_count[CR_DIFF_HIST_MAX];
} cr_diff_hist;
/* False when neither side has a number. */
bool cr_popdiff_hist(const cr_diff_result *r, cr_diff_hist *h);

/* 1, 2 or 5 times a power of ten, at least x (x > 0). */
double cr_nice_step(double x);

#endif
