/* A decision log written on a thread of its own, so that hashing and
 * SQLite (most of what logging costs) run beside the deciding instead of
 * after it: `credo run --log` on two cores takes about the time of the
 * slower of the two, not their sum.
 *
 * The caller adds entries (copied at once) and ends each batch with
 * cr_dlog_writer_commit; the writer appends them in order, commits, then
 * hands the batch's bytes to `committed`, in order, on its thread: the
 * decisions reach stdout only once the log holds them.  While the writer
 * runs, the cr_dlog belongs to it. */
#ifndef CREDO_DLOG_WRITER_H
#define CREDO_DLOG_WRITER_H

#include "runtime/audit/decision_log.h"

typedef struct cr_dlog_writer cr_dlog_writer;

typedef struct cr_dlog_writer_calls {
    void *ctx;
    /* After each append, on the writer's thread: its result
     * (CR_DLOG_ADDED, _SUPERSEDED, _SKIPPED) and the entry.  May be NULL. */
    void (*appended)(void *ctx, const cr_dlog_entry *e, int rc, int64_t seq, int64_t superseded);
    /* After each commit, on the writer's thread, with the bytes given to
     * cr_dlog_writer_commit; false stops the writer (with `why`). */
    bool (*committed)(void *ctx, const char *bytes, size_t len, const char **why);
} cr_dlog_writer_calls;

/* What the committed batches held. */
typedef struct cr_dlog_writer_stats {
    uint64_t added, superseded, skipped;
} cr_dlog_writer_stats;

/* Starts the thread.  NULL with the reason in err. */
cr_dlog_writer *cr_dlog_writer_start(cr_dlog *l, const cr_dlog_writer_calls *calls, char *err, size_t errsz);
/* Queues one decision (its texts copied).  False once the writer has
 * failed: cr_dlog_writer_error says why. */
bool cr_dlog_writer_add(cr_dlog_writer *w, const cr_dlog_entry *e);
/* Ends the batch: the writer commits it, then passes bytes[0..len) (copied)
 * to `committed`.  False once the writer has failed. */
bool cr_dlog_writer_commit(cr_dlog_writer *w, const char *bytes, size_t len);
/* Waits until everything queued is done, ends the thread and frees it;
 * false if it failed (the reason is copied to err). */
bool cr_dlog_writer_stop(cr_dlog_writer *w, cr_dlog_writer_stats *stats, char *err, size_t errsz);
/* The reason of a failure, once cr_dlog_writer_add or _commit returned false. */
const char *cr_dlog_writer_error(cr_dlog_writer *w);

#endif
