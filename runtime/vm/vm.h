/* The virtual machine and its per-thread evaluation state.
 *
 * A session belongs to one thread and evaluates one application at a time
 * against one program.  Everything an application needs is allocated once
 * when the session is made (input slots, lets, locals, the value stack,
 * the trace) or comes from the session's arena, which is reset, not freed,
 * between applications: a steady stream of applications calls no malloc. */
#ifndef CREDO_VM_H
#define CREDO_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "lang/program.h"
#include "runtime/core/arena.h"
#include "runtime/core/limit.h"
#include "runtime/core/value.h"

/* Where a let stands in this application's run (cr_session.let_state):
 * cr_session_begin sets every let LET_NOT_RUN; LET runs its code once. */
typedef enum cr_let_state {
    LET_NOT_RUN,   /* not needed yet */
    LET_RUNNING,   /* its code is running: a LET of it now is a cycle */
    LET_DONE       /* computed: s->lets[i] holds its value */
} cr_let_state;

typedef enum cr_outcome_code { CR_APPROVE = 0, CR_REFER = 1, CR_REJECT = 2 } cr_outcome_code;

/* What the tracing loop records (credo explain): the instruction and the
 * values it compared, tested or produced.  Values point into the
 * application's memory and live until the next cr_session_begin. */
typedef struct cr_trace_entry {
    uint32_t pc;
    cr_value a, b, r;
} cr_trace_entry;

typedef struct cr_trace {
    cr_trace_entry *items;
    uint32_t count, cap;
    uint32_t dropped;           /* entries past cap */
} cr_trace;

typedef struct cr_session {
    const cr_program *prog;
    cr_session_limits limits;
    cr_arena arena;
    int64_t today;              /* the as-of date, a day number */

    cr_value *slots;            /* input fields, filled by the reader */
    cr_value *lets;
    uint8_t *let_state;         /* cr_let_state, one per let */
    cr_value *locals;
    cr_value *stack;
    uint32_t *ret;              /* per let, while its code runs: where to go back to */

    /* what happened, for the decision record and explain */
    uint32_t *fired;            /* rule numbers in firing order */
    uint32_t nfired;
    int32_t *sc_bin;            /* bin each characteristic took, -1 none */
    cr_value *sc_points;
    int32_t *seg_row;           /* row each segment chose, -1 none */
    uint32_t *tbl_rows;         /* per table: the rows that matched (prog->max_table_rows each) */
    cr_value *tbl_vals;         /* and their outputs */
    uint32_t *tbl_count;

    cr_outcome_code outcome;
    cr_value reasons;           /* list of text */
    bool decided;               /* by the decide block (else the default rule) */
    int32_t decide_row;         /* the decide row that chose, -1 none */

    cr_ins *fast;               /* the code the plain loop runs (runtime/vm/vm_fuse.c), or NULL */
    struct cr_regex_fixed **regex_fixed; /* per regex: its matcher without PCRE2 (runtime/vm/regex_fixed.h), or NULL */
    void *match_data;           /* pcre2_match_data_8 * */
    void *match_ctx;            /* pcre2_match_context_8 * */
    bool runs_once;             /* no instruction of the code can run twice in one application */
    uint64_t fused_work;        /* the work (items of constant sets) of every superinstruction
                                   in `fast` together */
    bool count_instructions;    /* set by a caller that reads executed (an explained decision) */
    uint64_t executed;          /* instructions run for the last application; counted only
                                   when tracing, when count_instructions is set or when
                                   the code could run out of budget, else 0 */
    cr_trace *trace;            /* non-NULL: run the tracing loop and record here */
    uint64_t deadline_ns;       /* this run's end by CLOCK_MONOTONIC (limits.deadline_ms), or 0 */
    bool past_deadline;         /* the run stopped at the deadline */
    bool recount;               /* the loop that does not count found built-ins' work near the
                                   budget: the run is done again, counting */

    /* the last run's error */
    char error[512];
    cr_span error_span;
    const char *error_in;       /* the let, rule or result it happened in */
} cr_session;

cr_session *cr_session_new(const cr_program *p, const cr_session_limits *limits);
void cr_session_free(cr_session *s);

/* Forgets the previous application: arena reset, lets and results
 * cleared.  The input slots are not: the caller fills every one before
 * cr_session_run (cr_json_read does, null for an absent field; the C API
 * nulls the fields not set), so clearing them here would be done twice. */
void cr_session_begin(cr_session *s);

/* Runs the program on s->slots.  Returns true with s->outcome and
 * s->reasons set, or false with s->error ("file:line:col: what (in NAME)"). */
bool cr_session_run(cr_session *s);

const char *cr_outcome_name(cr_outcome_code o);

#endif
