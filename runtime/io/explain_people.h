/* `credo explain --html` and `--format text`: the account of one decision
 * for a credit committee or a customer-facing officer, in words rather
 * than policy syntax: the outcome and its reasons first, then the checks,
 * the score against each characteristic's best bin, the segment and why,
 * the limit and rate step by step, and the policy's identity at the foot.
 * Read from the same traced run as the trace and the JSON (explain.h). */
#ifndef CREDO_EXPLAIN_PEOPLE_H
#define CREDO_EXPLAIN_PEOPLE_H

#include "runtime/io/decision_json.h"
#include "runtime/vm/vm.h"

/* A self-contained HTML page (inline CSS, no script, nothing fetched);
 * every text from the application or the policy is escaped. */
void cr_explain_html(cr_buf *b, const cr_session *s, const char *app_id, size_t app_id_len);
/* The same account as plain text. */
void cr_explain_plain(cr_buf *b, const cr_session *s, const char *app_id, size_t app_id_len);

#endif
