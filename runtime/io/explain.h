/* Why one application got its decision, for a credit officer: every
 * admission rule with the values it compared, the scorecard's bins, the
 * segment rows tried, the table rows matched, the derived values and the
 * decide row.  Built from a run of the tracing loop (s->trace set). */
#ifndef CREDO_EXPLAIN_H
#define CREDO_EXPLAIN_H

#include <stdio.h>

#include "runtime/io/decision_json.h"
#include "runtime/vm/vm.h"

/* A readable account. */
void cr_explain_text(FILE *out, const cr_session *s, const char *app_id, size_t app_id_len);
/* The same as one JSON object (and a newline). */
void cr_explain_json(cr_buf *b, const cr_session *s, const char *app_id, size_t app_id_len);

#endif
