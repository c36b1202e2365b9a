/* What credo.c and credo_columns.c share of the public API's opaque
 * types: the policy and the session as the library sees them.  Not
 * installed; nothing outside runtime/ includes it. */
#ifndef CREDO_SESSION_H
#define CREDO_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "lang/compile.h"
#include "runtime/credo.h"
#include "runtime/io/decision_json.h"
#include "runtime/io/json_read.h"
#include "runtime/vm/vm.h"

struct credo_policy {
    cr_program *prog;
    char effective[16];        /* "YYYY-MM-DD", or "" */
    /* Per input field, a record holding that field alone: credo_set_json
     * reads {"field":<json>} against it with the same reader as a whole
     * application, so a field's value is checked exactly the same way. */
    cr_record *alone;
    cr_record none;            /* no fields: "app_id" when the input has no such field */
    /* The input fields' and named results' types as the policy writes
     * them, for credo_policy_field_type and credo_policy_result_type. */
    char **field_types;
    char **result_types;
};

typedef enum session_state {
    ST_IDLE,                   /* nothing decided, not building */
    ST_BUILDING,               /* after credo_begin */
    ST_DECIDED,
    ST_FAILED                  /* the last decision is an ERROR line */
} session_state;

struct credo_session {
    const credo_policy *policy;
    cr_session *vm;
    session_state state;
    bool *given;               /* per input field: set since credo_begin */
    credo_error pending;       /* the first setter error since credo_begin */
    const char *app_id;        /* in line, or the vm arena; NULL when none */
    size_t app_id_len;
    bool app_id_number;        /* given as a number: an int or number key's ERROR line writes its digits */
    char *line;                /* our copy of the JSON application: slots point into it */
    size_t line_cap;
    cr_buf out;                /* the decision or ERROR line, without its newline */
    const char **reasons;      /* the decision's reasons, NUL-terminated, in the vm arena */
    size_t nreasons;
    unsigned long long decisions;  /* numbers ERROR lines as credo run numbers lines */
    cr_json_limits json_limits;    /* what an application's JSON may hold */
    size_t max_line;               /* bytes of one JSON application */
    cr_buf many;                   /* credo_decide_lines' lines, credo_explain_json's object */
    cr_trace *trace;               /* made by the first credo_explain_json */
    cr_buf row;                    /* credo_decide_columns: the row being decided, as a JSON application */
    cr_buf members;                /* and its columns' "field": member names */
    cr_buf *cols;                  /* and its output, a list per column (ncols of them, made by its first call) */
    size_t ncols;
};

/* Forgets the session's previous decision (credo.c): what credo_outcome
 * and the other readers of one decision see is none. */
void cr_api_forget(credo_session *s);

#endif
