/* The decision log of `credo serve --log`: the same hash-chained log as
 * `credo run --log` (runtime/audit/decision_log.h), with group commit on
 * a thread of its own.  A request hands over its decisions (submit) and
 * is put aside, holding no server thread; the log's thread takes every
 * request waiting, appends them all in one transaction, commits once
 * (one fsync: WAL, synchronous=FULL) and then tells each request, which
 * is answered only then.  While it commits, the next requests gather for
 * the next transaction, so under load a commit carries as many requests
 * as arrive during one commit, and a request waits for at most about two
 * commits.  A request whose decisions cannot be committed is told so,
 * and gets a 503. */
#ifndef CREDO_SERVE_LOG_H
#define CREDO_SERVE_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/audit/decision_log.h"

typedef struct cr_serve_log cr_serve_log;

/* One request's decisions, in the request's own memory until done runs. */
typedef struct cr_serve_log_req {
    const cr_program *const *progs;  /* progs[i] decided e[i]; stored first when new */
    const cr_dlog_entry *e;
    size_t n;                        /* at least 1 */
    /* called on the log's thread once the decisions are committed (ok)
     * or could not be (!ok, the reason in why): none of them is in the
     * log then.  The request may go as soon as it is called. */
    void (*done)(struct cr_serve_log_req *r);
    void *arg;                       /* the caller's */
    bool ok;
    char why[512];
    struct cr_serve_log_req *next;   /* the log's */
} cr_serve_log_req;

/* Opens (or creates) the log at path, keyed with the key file key_file
 * and signing checkpoints with sign_file when given, and starts its
 * thread.  NULL with the reason printed. */
cr_serve_log *cr_serve_log_open(const char *path, const char *key_file, const char *sign_file);
/* Queues r for the next commit; r->done is called later, on the log's
 * thread, never from inside this call.  False, and r not queued, once
 * cr_serve_log_flush has been called (the server is stopping). */
bool cr_serve_log_submit(cr_serve_log *sl, cr_serve_log_req *r);
/* Stops taking requests, and waits until every request submitted has
 * been told: then none is left waiting (a server stops only so). */
void cr_serve_log_flush(cr_serve_log *sl);
/* Once no request is left: the rest written, a last signed checkpoint
 * when signing, and the log closed; prints how many decisions were
 * logged in how many commits. */
void cr_serve_log_close(cr_serve_log *sl);

#endif
