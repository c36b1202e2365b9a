/* Syncing a decision log's WAL from a thread other than its writer's
 * (cr_dlog_sync, decision_log.h; the log opened with caller_syncs).
 *
 * SQLite with synchronous=NORMAL writes a commit's frames to the WAL
 * and does not fsync them; an fdatasync of the WAL file afterwards makes
 * them durable, as synchronous=FULL would have at the commit.  Linux
 * syncs a file's dirty pages whichever descriptor wrote them, so a
 * descriptor of our own does it without touching the connection, which
 * the writer goes on using.  The WAL file keeps its inode while the log
 * is open: SQLite overwrites it from the start after a checkpoint and
 * removes it only when the last connection closes.  The file's name is
 * SQLite's (it follows a symbolic link to the log), taken at open. */
#include "runtime/audit/dlog_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool cr_dlog_open_wal(cr_dlog *l)
{
    const char *db = sqlite3_db_filename(l->db, "main");
    const char *wal = db ? sqlite3_filename_wal(db) : NULL;
    if (!wal || (l->wal_fd = open(wal, O_RDONLY | O_CLOEXEC)) < 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "cannot open its WAL, to sync it: %s", wal ? strerror(errno) : "no WAL");
        cr_dlog_set_error(l, msg);
        return false;
    }
    return true;
}

bool cr_dlog_sync(cr_dlog *l, char *err, size_t errsz)
{
    if (fdatasync(l->wal_fd) != 0) {
        snprintf(err, errsz, "%s: cannot sync its WAL: %s", l->path, strerror(errno));
        return false;
    }
    return true;
}
