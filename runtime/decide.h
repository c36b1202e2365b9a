/* One application's way through the library, the same for every caller:
 * begin the session, read the JSON line into its input slots, run the
 * program, write the decision line or the ERROR line.
 *
 * `credo run` (and `credo serve` and the replay of `credo audit show`),
 * `credo test`, `explain`, `match`, `diff` and the public API (credo.h)
 * all decide through cr_decide, so an application gets the same
 * decision, and the same line, wherever it is decided.  What a caller
 * needs beyond the line (outcome, reasons, results, fired rules, the
 * trace, the error's place) it reads from the session afterwards. */
#ifndef CREDO_DECIDE_H
#define CREDO_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/io/decision_json.h"
#include "runtime/io/json_read.h"
#include "runtime/vm/vm.h"

typedef struct cr_decide_opts {
    uint64_t line;             /* the application's number in its input, which an ERROR line names */
    bool explain;              /* the decision line also says why, with the count of instructions run */
    /* With no line to read (cr_decide's line NULL): the application's
     * app_id, which the line names (NULL: none). */
    const char *app_id;
    size_t app_id_len;
    bool app_id_number;        /* it was given as a number */
    const cr_json_limits *json_limits;  /* what the line may hold; NULL: the defaults */
} cr_decide_opts;

typedef enum cr_decide_status {
    CR_DECIDED,                /* the session holds the outcome, reasons and results */
    CR_BAD_INPUT,              /* the reader refused the line (a field missing or mistyped, not JSON) */
    CR_RUN_ERROR,              /* the program stopped with an error: s->error, s->error_span */
    CR_WRITE_FAILED            /* decided, but memory ran out writing the line */
} cr_decide_status;

typedef struct cr_decided {
    cr_decide_status status;
    const char *error;         /* NULL when decided, else what the ERROR line says */
    /* The app_id the written line names: NULL when the application has
     * none, or when memory ran out and a shorter ERROR line was written
     * instead (it names none). */
    const char *app_id;
    size_t app_id_len;
    bool app_id_number;        /* it was a JSON number: an int or number key's line writes its digits */
    cr_json_result read;       /* the reader's result, when there was a line; error may point into it */
} cr_decided;

/* Decides the application line[0..len) (a JSON object) in s: begins the
 * session, reads the line into the slots with o->json_limits (NULL: the
 * default limits), runs
 * the program.  With line NULL the caller has begun the session and
 * filled the slots itself (the C API's setters, a test case's
 * application), and only the run is left.
 *
 * With out, the decision line, or the ERROR line (with o->line), is
 * appended to it with its newline; when memory runs out writing it, the
 * line is replaced by a shorter ERROR line saying so.  out NULL writes
 * nothing.  o NULL: line 0, not explained.
 *
 * Returns true when the application is decided and its decision line, if
 * asked for, written (d->status CR_DECIDED).  Texts of the application
 * point into the line, so it must live as long as the decision is read. */
bool cr_decide(cr_session *s, const char *line, size_t len, cr_buf *out, const cr_decide_opts *o, cr_decided *d);

#endif
