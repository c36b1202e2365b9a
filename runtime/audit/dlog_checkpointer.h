/* Copying a decision log's WAL into its database on a thread of its own
 * (an SQLite checkpoint, PASSIVE: it never blocks the log's writer).
 * Left to SQLite, the commit that fills the WAL does it, and the writer
 * waits: the copy is about a seventh of logging's time.  Used by the
 * writer of `credo run --log` (dlog_writer.c) and by `credo serve --log`. */
#ifndef CREDO_DLOG_CHECKPOINTER_H
#define CREDO_DLOG_CHECKPOINTER_H

#include "runtime/audit/decision_log.h"

typedef struct cr_dlog_checkpointer cr_dlog_checkpointer;

/* Opens a connection of its own to l's file and starts the thread, and
 * turns SQLite's own checkpoints off on l.  NULL (SQLite's own
 * checkpoints then stay on) when either cannot be had. */
cr_dlog_checkpointer *cr_dlog_checkpointer_start(cr_dlog *l);
/* After each commit on l: a copy to make. */
void cr_dlog_checkpointer_kick(cr_dlog_checkpointer *c);
/* Ends the thread and closes its connection; SQLite's checkpoints are on
 * again for whatever l's owner writes next.  NULL is fine. */
void cr_dlog_checkpointer_stop(cr_dlog_checkpointer *c);

#endif
