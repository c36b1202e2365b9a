/* Which files of the policy folder (and of the folders its lookups read)
 * are being written right now, from inotify: a file modified and not yet
 * closed is busy, and the registry does not compile it, however long
 * the writer pauses.  It is loaded once it is closed after writing
 * (IN_CLOSE_WRITE) or renamed into place (IN_MOVED_TO), which is the way
 * to deploy (write beside it, then rename over it).
 *
 * inotify only makes loading more careful: the registry still polls, so
 * a file system that sends no events (NFS) works as before.  A file
 * stays busy at most CR_WATCH_BUSY_MAX seconds after its last change, so
 * a writer that never closes (or a lost event) cannot block a reload for
 * ever.  Used by the registry's watcher thread alone. */
#ifndef CREDO_SERVE_WATCH_H
#define CREDO_SERVE_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/vm/vm.h"

enum { CR_WATCH_BUSY_MAX = 30 };

typedef struct cr_watch cr_watch;

/* Watches dir; NULL (and polling alone) when inotify is not available. */
cr_watch *cr_watch_open(const char *dir);
void cr_watch_close(cr_watch *w);
/* Also watches the folder holding path (a lookup's file); false when it
 * cannot. */
bool cr_watch_add_file_dir(cr_watch *w, const char *path);
/* Takes the events that arrived, without waiting. */
void cr_watch_drain(cr_watch *w);
/* True while path is being written (w may be NULL: never). */
bool cr_watch_busy(cr_watch *w, const char *path);

/* The data files the lookups of p read, p compiled from the source file
 * policy_path: each lookup's path relative to that file's folder, and
 * for SQLite its write-ahead log ("-wal") too; fn is called with each.
 * None for a .credoc, whose lookups' rows are inside it. */
void cr_watch_each_lookup_file(const char *policy_path, const cr_program *p,
                               void (*fn)(void *cls, const char *path), void *cls);
/* A number that changes when any of those files changes (size, time,
 * inode, or whether it exists); 0 when there are none. */
uint64_t cr_watch_lookups_stamp(const char *policy_path, const cr_program *p);
/* True when one of those files is busy. */
bool cr_watch_lookups_busy(cr_watch *w, const char *policy_path, const cr_program *p);

#endif
