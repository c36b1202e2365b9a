/* The decision log of `credo serve --log`: the same hash-chained log as
 * `credo run --log` (runtime/audit/decision_log.h), with group commit.  A
 * request hands over its decisions and waits; one request's thread at a
 * time appends every request waiting, commits them in one transaction
 * (one fsync: WAL, synchronous=FULL) and wakes them.  While it commits,
 * the next requests gather for the next transaction, so under load a
 * commit carries many requests and a request waits for at most about
 * two commits.  A request is answered only once its
 * decisions are committed; when they cannot be, it gets a 503. */
#ifndef CREDO_SERVE_LOG_H
#define CREDO_SERVE_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/audit/decision_log.h"

typedef struct cr_serve_log cr_serve_log;

/* Opens (or creates) the log at path, keyed with the key file key_file
 * and signing checkpoints with sign_file when given.  NULL with the
 * reason printed. */
cr_serve_log *cr_serve_log_open(const char *path, const char *key_file, const char *sign_file);
/* Logs n decisions (progs[i] decided e[i]; its policy is stored first
 * when new) and waits until they are committed.  False when they could
 * not be (the reason in why, and once on stderr): none of them is in
 * the log. */
bool cr_serve_log_write(cr_serve_log *sl, const cr_program *const *progs, const cr_dlog_entry *e, size_t n,
                        char *why, size_t whysz);
/* Once no request is left: a last signed checkpoint when signing, and
 * the log closed; prints how many decisions were logged. */
void cr_serve_log_close(cr_serve_log *sl);

#endif
