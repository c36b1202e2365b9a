/* Group commit for `credo serve --log` (serve_log.h), in two threads.
 *
 * Requests queue a cr_serve_log_req each (in their own memory: a request
 * stays until it is told).  The writer appends every request queued to
 * the open transaction; when the syncer is free, it commits that
 * transaction (SQLite writes the WAL, without an fsync: the log is opened
 * with caller_syncs) and hands its requests to the syncer, which
 * fdatasyncs the WAL (cr_dlog_sync) and only then tells them.  So the
 * fsync of one transaction runs while the next is being appended, and a
 * request is told ok only after an fsync begun after its commit: what
 * synchronous=FULL promises, a decision durable before its answer.
 *
 * Requests do not wait on a thread of their own: the server suspends the
 * connection and answers it when told, so the requests sharing a commit
 * are not bounded by the server's threads.  A failed append or commit
 * rolls the open transaction back and tells its requests at once (503),
 * and the log's chain stays as it was.  A failed fsync leaves the log
 * broken: no request is told ok again (a later fsync cannot prove that
 * the earlier pages reached the disk), until the server is restarted.
 * Only the writer uses the connection. */
#include "runtime/serve/serve_log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

typedef struct req_list {
    cr_serve_log_req *head, *tail;
} req_list;

struct cr_serve_log {
    cr_dlog *log;
    pthread_t writer, syncer;
    int threads;                             /* started: 0, 1 (writer) or 2 */
    pthread_mutex_t mu;
    pthread_cond_t wake_writer;              /* queued, the syncer free, or stopping */
    pthread_cond_t wake_syncer;              /* a commit to sync, or stopping */
    pthread_cond_t idle;                     /* requests told */
    req_list queue;                          /* submitted, not yet appended */
    req_list open;                           /* appended to the open transaction */
    req_list to_sync;                        /* committed, for the syncer */
    bool appending;                          /* the writer holds requests taken from the queue */
    bool committing;                         /* the writer is committing `open` */
    bool syncing;                            /* the syncer holds a list */
    bool telling;                            /* the syncer is telling a list */
    bool commit_first;                       /* a request needs a policy stored: commit what is open first */
    bool stopping;
    bool closed;                             /* flushed: no request is taken */
    /* the writer's */
    char (*stored)[CR_DLOG_HASH_LEN + 1];   /* policies stored through this log */
    size_t nstored;
    uint64_t added, skipped, commits, failed;
    uint64_t open_added, open_skipped;       /* in the open transaction */
    bool told;                               /* a failure was printed */
    /* the syncer's */
    bool broken;                             /* an fsync failed */
    char broken_why[512];
};

static void list_add(req_list *l, cr_serve_log_req *r)
{
    r->next = NULL;
    if (l->tail)
        l->tail->next = r;
    else
        l->head = r;
    l->tail = r;
}

static cr_serve_log_req *list_take(req_list *l)
{
    cr_serve_log_req *h = l->head;
    l->head = l->tail = NULL;
    return h;
}

/* Tells every request of the list; called without the lock. */
static void tell(cr_serve_log_req *r, bool ok, const char *why)
{
    for (cr_serve_log_req *next; r; r = next) {
        next = r->next;   /* r may go as soon as it is told */
        if (!ok)
            snprintf(r->why, sizeof r->why, "%s", why);
        r->ok = ok;
        r->done(r);
    }
}

/* Printed once per run of failures. */
static void report(cr_serve_log *sl, bool ok, const char *why)
{
    if (!ok) {
        sl->failed++;
        if (!sl->told)
            fprintf(stderr, "credo serve: %s: cannot log decisions: %s; answering 503 until it can\n",
                    cr_dlog_path(sl->log), why);
        sl->told = true;
    } else if (sl->told) {
        fprintf(stderr, "credo serve: %s: logging again\n", cr_dlog_path(sl->log));
        sl->told = false;
    }
}

static bool stored(const cr_serve_log *sl, const cr_program *p)
{
    for (size_t i = 0; i < sl->nstored; i++)
        if (strcmp(sl->stored[i], p->sha256) == 0)
            return true;
    return false;
}

static bool needs_store(const cr_serve_log *sl, const cr_serve_log_req *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (!stored(sl, r->progs[i]))
            return true;
    return false;
}

/* Stores p in the log unless it is already; false on failure. */
static bool store_policy(cr_serve_log *sl, const cr_program *p)
{
    if (stored(sl, p))
        return true;
    if (!cr_dlog_add_policy(sl->log, p))
        return false;
    char(*grown)[CR_DLOG_HASH_LEN + 1] = realloc(sl->stored, (sl->nstored + 1) * sizeof *grown);
    if (grown) {   /* out of memory: stored again next time, which is harmless */
        sl->stored = grown;
        snprintf(sl->stored[sl->nstored++], CR_DLOG_HASH_LEN + 1, "%s", p->sha256);
    }
    return true;
}

/* Appends r's rows to the open transaction (its policies stored first,
 * when no transaction is open).  False with why: the open transaction is
 * rolled back. */
static bool append(cr_serve_log *sl, cr_serve_log_req *r, char *why, size_t whysz)
{
    for (size_t i = 0; i < r->n; i++)
        if (!store_policy(sl, r->progs[i])) {
            snprintf(why, whysz, "%s", cr_dlog_errmsg(sl->log));
            return false;
        }
    uint64_t added = 0, skipped = 0;
    for (size_t i = 0; i < r->n; i++) {
        int rc = cr_dlog_append(sl->log, &r->e[i]);
        if (rc < 0) {
            snprintf(why, whysz, "%s", cr_dlog_errmsg(sl->log));
            cr_dlog_rollback(sl->log);
            sl->open_added = sl->open_skipped = 0;
            return false;
        }
        if (rc == CR_DLOG_SKIPPED)
            skipped++;
        else
            added++;
    }
    sl->open_added += added;
    sl->open_skipped += skipped;
    return true;
}

/* Appends the requests taken from the queue, in order.  One that needs
 * a policy stored while a transaction is open goes back to the front of
 * the queue, with the rest, until that transaction is committed.  With
 * the lock held on entry and on return. */
static void append_batch(cr_serve_log *sl, cr_serve_log_req *batch)
{
    sl->appending = true;
    pthread_mutex_unlock(&sl->mu);
    req_list failed = {0};
    char why[512] = "";
    cr_serve_log_req *r = batch, *next;
    bool any_open = sl->open.head != NULL;   /* only the writer changes it */
    for (; r; r = next) {
        next = r->next;
        if (any_open && needs_store(sl, r))
            break;
        if (append(sl, r, why, sizeof why)) {
            pthread_mutex_lock(&sl->mu);
            list_add(&sl->open, r);
            pthread_mutex_unlock(&sl->mu);
            any_open = true;
        } else {
            /* the open transaction is gone with r */
            pthread_mutex_lock(&sl->mu);
            cr_serve_log_req *lost = list_take(&sl->open);
            pthread_mutex_unlock(&sl->mu);
            for (cr_serve_log_req *o = lost, *on; o; o = on) {
                on = o->next;
                list_add(&failed, o);
            }
            list_add(&failed, r);
            any_open = false;
        }
    }
    if (failed.head) {
        report(sl, false, why);
        tell(failed.head, false, why);
    }
    pthread_mutex_lock(&sl->mu);
    if (r) {   /* back to the front of the queue, in order */
        req_list back = {0};
        for (cr_serve_log_req *n2; r; r = n2) {
            n2 = r->next;
            list_add(&back, r);
        }
        if (sl->queue.head)
            back.tail->next = sl->queue.head;
        else
            sl->queue.tail = back.tail;
        sl->queue.head = back.head;
        sl->commit_first = true;
    }
    sl->appending = false;
    pthread_cond_broadcast(&sl->idle);
}

/* Commits the open transaction and hands its requests to the syncer.
 * With the lock held on entry and on return. */
static void commit_open(cr_serve_log *sl)
{
    sl->committing = true;
    pthread_mutex_unlock(&sl->mu);
    char why[512] = "";
    bool ok = cr_dlog_commit(sl->log);
    if (!ok) {
        snprintf(why, sizeof why, "%s", cr_dlog_errmsg(sl->log));
        cr_dlog_rollback(sl->log);
    } else {
        sl->commits++;
        sl->added += sl->open_added;
        sl->skipped += sl->open_skipped;
        if (sl->told)
            report(sl, true, NULL);   /* "logging again" */
    }
    sl->open_added = sl->open_skipped = 0;
    pthread_mutex_lock(&sl->mu);
    cr_serve_log_req *batch = list_take(&sl->open);
    sl->commit_first = false;
    if (ok) {
        sl->committing = false;
        sl->to_sync.head = batch;   /* to_sync is empty: the syncer was free */
        for (sl->to_sync.tail = batch; sl->to_sync.tail && sl->to_sync.tail->next;)
            sl->to_sync.tail = sl->to_sync.tail->next;
        pthread_cond_signal(&sl->wake_syncer);
        return;
    }
    pthread_mutex_unlock(&sl->mu);
    report(sl, false, why);
    tell(batch, false, why);
    pthread_mutex_lock(&sl->mu);
    sl->committing = false;
    pthread_cond_broadcast(&sl->idle);
}

static void *writer_main(void *arg)
{
    cr_serve_log *sl = arg;
    prctl(PR_SET_NAME, "credo-log");
    pthread_mutex_lock(&sl->mu);
    for (;;) {
        bool syncer_free = !sl->to_sync.head && !sl->syncing;
        if (sl->open.head && syncer_free)
            commit_open(sl);
        else if (sl->queue.head && !sl->commit_first)
            append_batch(sl, list_take(&sl->queue));
        else if (sl->stopping && !sl->queue.head && !sl->open.head)
            break;
        else
            pthread_cond_wait(&sl->wake_writer, &sl->mu);
    }
    pthread_mutex_unlock(&sl->mu);
    return NULL;
}

static void *syncer_main(void *arg)
{
    cr_serve_log *sl = arg;
    prctl(PR_SET_NAME, "credo-log-sync");
    pthread_mutex_lock(&sl->mu);
    for (;;) {
        while (!sl->to_sync.head && !sl->stopping)
            pthread_cond_wait(&sl->wake_syncer, &sl->mu);
        if (!sl->to_sync.head)
            break;
        cr_serve_log_req *batch = list_take(&sl->to_sync);
        sl->syncing = true;
        pthread_mutex_unlock(&sl->mu);
        char why[400];
        bool ok = !sl->broken && cr_dlog_sync(sl->log, why, sizeof why);
        if (!ok && !sl->broken) {
            sl->broken = true;
            snprintf(sl->broken_why, sizeof sl->broken_why, "%s; the log is not trusted until credo serve restarts",
                     why);
            fprintf(stderr, "credo serve: %s\n", sl->broken_why);
        }
        pthread_mutex_lock(&sl->mu);
        sl->syncing = false;
        sl->telling = true;
        pthread_cond_signal(&sl->wake_writer);   /* the next commit may go */
        pthread_mutex_unlock(&sl->mu);
        tell(batch, ok, sl->broken_why);
        pthread_mutex_lock(&sl->mu);
        sl->telling = false;
        pthread_cond_broadcast(&sl->idle);
    }
    pthread_mutex_unlock(&sl->mu);
    return NULL;
}

bool cr_serve_log_submit(cr_serve_log *sl, cr_serve_log_req *r)
{
    pthread_mutex_lock(&sl->mu);
    bool open = !sl->closed;
    if (open) {
        list_add(&sl->queue, r);
        pthread_cond_signal(&sl->wake_writer);
    }
    pthread_mutex_unlock(&sl->mu);
    return open;
}

void cr_serve_log_flush(cr_serve_log *sl)
{
    if (!sl)
        return;
    pthread_mutex_lock(&sl->mu);
    sl->closed = true;
    while (sl->queue.head || sl->open.head || sl->to_sync.head || sl->appending || sl->committing || sl->syncing ||
           sl->telling)
        pthread_cond_wait(&sl->idle, &sl->mu);
    pthread_mutex_unlock(&sl->mu);
}

/* The key and signing key files, read.  False with the reason printed. */
static bool read_keys(const char *key_file, const char *sign_file, cr_dlog_key **key, cr_ed25519_key *signer)
{
    char err[600];
    if (key_file && (!(*key = malloc(sizeof **key)) || !cr_dlog_key_read(key_file, *key, err, sizeof err))) {
        fprintf(stderr, "credo serve: %s\n", *key ? err : "out of memory");
        return false;
    }
    if (sign_file && !cr_ed25519_read(sign_file, signer, err, sizeof err)) {
        fprintf(stderr, "credo serve: %s\n", err);
        return false;
    }
    if (sign_file && !signer->has_secret) {
        fprintf(stderr, "credo serve: %s: a public key: --log-sign needs the private key (credo keygen NAME writes"
                        " NAME.key)\n", sign_file);
        return false;
    }
    return true;
}

cr_serve_log *cr_serve_log_open(const char *path, const char *key_file, const char *sign_file)
{
    cr_serve_log *sl = calloc(1, sizeof *sl);
    if (!sl) {
        fprintf(stderr, "credo serve: out of memory\n");
        return NULL;
    }
    cr_dlog_key *key = NULL;
    cr_ed25519_key signer = {0};
    char err[600];
    if (read_keys(key_file, sign_file, &key, &signer)) {
        /* the fsync is the syncer's (caller_syncs); SQLite checkpoints the
         * WAL itself, on the writer's thread, every 1000 pages: measured
         * faster here than the checkpointer thread of credo run --log,
         * whose copies raced the writer for the disk and kept the WAL
         * growing */
        cr_dlog_options lo = {.key = key, .signer = sign_file ? &signer : NULL, .caller_syncs = true};
        if (!(sl->log = cr_dlog_open_with(path, CR_DLOG_APPEND, &lo, err, sizeof err)))
            fprintf(stderr, "credo serve: %s\n", err);
    }
    if (key)
        memset(key, 0, sizeof *key);
    free(key);
    memset(&signer, 0, sizeof signer);
    if (!sl->log) {
        free(sl);
        return NULL;
    }
    pthread_mutex_init(&sl->mu, NULL);
    pthread_cond_init(&sl->wake_writer, NULL);
    pthread_cond_init(&sl->wake_syncer, NULL);
    pthread_cond_init(&sl->idle, NULL);
    if (pthread_create(&sl->writer, NULL, writer_main, sl) == 0 && ++sl->threads &&
        pthread_create(&sl->syncer, NULL, syncer_main, sl) == 0 && ++sl->threads)
        return sl;
    fprintf(stderr, "credo serve: %s: cannot start the log's threads\n", path);
    cr_serve_log_close(sl);
    return NULL;
}

void cr_serve_log_close(cr_serve_log *sl)
{
    if (!sl)
        return;
    /* called once no request is left: what is queued is written first */
    cr_serve_log_flush(sl);
    pthread_mutex_lock(&sl->mu);
    sl->stopping = true;
    pthread_cond_signal(&sl->wake_writer);
    pthread_cond_signal(&sl->wake_syncer);
    pthread_mutex_unlock(&sl->mu);
    if (sl->threads > 0)
        pthread_join(sl->writer, NULL);
    if (sl->threads > 1)
        pthread_join(sl->syncer, NULL);
    char why[512];
    if (!cr_dlog_sign_head(sl->log))
        fprintf(stderr, "credo serve: %s: the last checkpoint: %s\n", cr_dlog_path(sl->log), cr_dlog_errmsg(sl->log));
    else if (!sl->broken && !cr_dlog_sync(sl->log, why, sizeof why))   /* the checkpoint, and the policies */
        fprintf(stderr, "credo serve: %s\n", why);
    fprintf(stderr, "credo serve: %s: %llu decisions logged in %llu commits, %llu already logged (skipped)",
            cr_dlog_path(sl->log), (unsigned long long)sl->added, (unsigned long long)sl->commits,
            (unsigned long long)sl->skipped);
    if (cr_dlog_checkpoints(sl->log))
        fprintf(stderr, ", %u checkpoints signed", cr_dlog_checkpoints(sl->log));
    fputc('\n', stderr);
    cr_dlog_close(sl->log);
    free(sl->stored);
    pthread_cond_destroy(&sl->wake_writer);
    pthread_cond_destroy(&sl->wake_syncer);
    pthread_cond_destroy(&sl->idle);
    pthread_mutex_destroy(&sl->mu);
    free(sl);
}
