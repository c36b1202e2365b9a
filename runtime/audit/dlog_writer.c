/* The decision log's writer thread (dlog_writer.h).  Entries travel in
 * chunks of up to CHUNK_ENTRIES, each with its own copy of their texts;
 * one mutex guards the queue, the free chunks and the failure, so the
 * caller takes it once per chunk, not once per decision.  At most
 * MAX_CHUNKS are in flight: a caller faster than the log waits.
 *
 * A third thread, on a connection of its own, copies the WAL into the
 * database after each commit (an SQLite checkpoint, PASSIVE: it never
 * blocks the writer).  Left to SQLite, the commit that fills the WAL does
 * it, and the writer waits: the copy is about a seventh of logging's
 * time.  Where that connection cannot be opened, SQLite's own checkpoints
 * stay on. */
#include "runtime/audit/dlog_writer.h"

#include <pthread.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/io/decision_json.h"

enum { CHUNK_ENTRIES = 256, MAX_CHUNKS = 32 };

/* An entry's texts, as offsets into its chunk's bytes. */
typedef struct wentry {
    size_t app_id, app_id_len, application, application_len, reasons, reasons_len, results, results_len, fired,
        fired_len, policy, program, as_of, outcome, decided_by, created_at, data;
    bool has_app_id, has_application, has_created_at, has_data;
    uint8_t content[32];              /* its digest, made by the caller */
} wentry;

typedef struct chunk {
    struct chunk *next;
    cr_buf bytes;
    wentry e[CHUNK_ENTRIES];
    size_t n;
    bool commit;                      /* commit after its entries */
    size_t out, out_len;              /* then hand bytes[out..] to committed */
} chunk;

struct cr_dlog_writer {
    cr_dlog *log;
    cr_dlog_writer_calls calls;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t ready, space;      /* a chunk queued; a chunk free */
    chunk *head, *tail;               /* queued, in order */
    chunk *free;
    size_t nchunks;                   /* allocated */
    bool stopping, failed;
    char err[600];
    chunk *cur;                       /* being filled: the caller's */
    cr_dlog_writer_stats stats, batch;   /* the writer thread's */
    /* the checkpointer */
    sqlite3 *ckpt_db;
    pthread_t ckpt_thread;
    pthread_cond_t committed;         /* a commit to copy */
    uint64_t commits;
    bool ckpt_running;
};

/* ---- the writer's thread ---------------------------------------------------------- */

static const char *text_at(const chunk *c, size_t off) { return c->bytes.p + off; }

static cr_dlog_entry entry_of(const chunk *c, const wentry *w)
{
    return (cr_dlog_entry){
        .app_id = w->has_app_id ? text_at(c, w->app_id) : NULL, .app_id_len = w->app_id_len,
        .policy_sha256 = text_at(c, w->policy), .program_sha256 = text_at(c, w->program), .as_of = text_at(c, w->as_of),
        .application = w->has_application ? text_at(c, w->application) : NULL,
        .application_len = w->application_len,
        .outcome = text_at(c, w->outcome),
        .reasons = text_at(c, w->reasons), .reasons_len = w->reasons_len,
        .results = text_at(c, w->results), .results_len = w->results_len,
        .fired = text_at(c, w->fired), .fired_len = w->fired_len,
        .decided_by = text_at(c, w->decided_by),
        .created_at = w->has_created_at ? text_at(c, w->created_at) : NULL,
        .data_sha256 = w->has_data ? text_at(c, w->data) : NULL,
        .content = w->content,
    };
}

static void fail_with(cr_dlog_writer *w, const char *why)
{
    pthread_mutex_lock(&w->mu);
    if (!w->failed) {
        w->failed = true;
        snprintf(w->err, sizeof w->err, "%s", why);
    }
    pthread_mutex_unlock(&w->mu);
}

/* One chunk's entries, then its commit.  False at a failure. */
static bool write_chunk(cr_dlog_writer *w, chunk *c)
{
    for (size_t i = 0; i < c->n; i++) {
        cr_dlog_entry e = entry_of(c, &c->e[i]);
        int rc = cr_dlog_append(w->log, &e);
        if (rc < 0) {
            fail_with(w, cr_dlog_errmsg(w->log));
            return false;
        }
        if (rc == CR_DLOG_SKIPPED)
            w->batch.skipped++;
        else
            w->batch.added++;
        if (rc == CR_DLOG_SUPERSEDED)
            w->batch.superseded++;
        if (w->calls.appended)
            w->calls.appended(w->calls.ctx, &e, rc, cr_dlog_last_seq(w->log), cr_dlog_last_superseded(w->log));
    }
    if (!c->commit)
        return true;
    if (!cr_dlog_commit(w->log)) {
        fail_with(w, cr_dlog_errmsg(w->log));
        return false;
    }
    w->stats.added += w->batch.added;
    w->stats.superseded += w->batch.superseded;
    w->stats.skipped += w->batch.skipped;
    memset(&w->batch, 0, sizeof w->batch);
    pthread_mutex_lock(&w->mu);
    w->commits++;
    pthread_cond_signal(&w->committed);
    pthread_mutex_unlock(&w->mu);
    const char *why = "cannot write";
    if (w->calls.committed && !w->calls.committed(w->calls.ctx, c->bytes.p + c->out, c->out_len, &why)) {
        fail_with(w, why);
        return false;
    }
    return true;
}

static void *writer_main(void *arg)
{
    cr_dlog_writer *w = arg;
    prctl(PR_SET_NAME, "credo-writer");   /* so that top -H and perf tell the threads apart */
    bool ok = true;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        while (!w->head && !w->stopping)
            pthread_cond_wait(&w->ready, &w->mu);
        chunk *c = w->head;
        if (c) {
            w->head = c->next;
            if (!w->head)
                w->tail = NULL;
        }
        pthread_mutex_unlock(&w->mu);
        if (!c)
            break;            /* stopping, and nothing left */
        if (ok)
            ok = write_chunk(w, c);   /* after a failure the rest is dropped: never logged, never printed */
        pthread_mutex_lock(&w->mu);
        c->next = w->free;
        w->free = c;
        pthread_cond_signal(&w->space);
        pthread_mutex_unlock(&w->mu);
    }
    return NULL;
}

/* ---- the checkpointer's thread ----------------------------------------------------- */

static void *checkpointer_main(void *arg)
{
    cr_dlog_writer *w = arg;
    prctl(PR_SET_NAME, "credo-ckpt");
    uint64_t done = 0;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        while (w->commits == done && !w->stopping)
            pthread_cond_wait(&w->committed, &w->mu);
        bool more = w->commits != done;
        done = w->commits;
        pthread_mutex_unlock(&w->mu);
        if (!more)
            break;
        /* a failure here costs only time: the next commit's WAL grows */
        sqlite3_wal_checkpoint_v2(w->ckpt_db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
    return NULL;
}

/* The checkpointer's connection and thread; false (SQLite's own
 * checkpoints then stay on) when either cannot be had. */
static bool start_checkpointer(cr_dlog_writer *w)
{
    if (sqlite3_open_v2(cr_dlog_path(w->log), &w->ckpt_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(w->ckpt_db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(w->ckpt_db);
        w->ckpt_db = NULL;
        return false;
    }
    sqlite3_busy_timeout(w->ckpt_db, 5000);
    if (pthread_create(&w->ckpt_thread, NULL, checkpointer_main, w) != 0) {
        sqlite3_close(w->ckpt_db);
        w->ckpt_db = NULL;
        return false;
    }
    w->ckpt_running = true;
    sqlite3_wal_autocheckpoint(cr_dlog_db(w->log), 0);
    return true;
}

/* ---- the caller's side ------------------------------------------------------------- */

/* A chunk to fill: a free one, a new one, or (when MAX_CHUNKS are out)
 * the next one the writer frees.  NULL when out of memory. */
static chunk *take_chunk(cr_dlog_writer *w)
{
    pthread_mutex_lock(&w->mu);
    while (!w->free && w->nchunks >= MAX_CHUNKS)
        pthread_cond_wait(&w->space, &w->mu);
    chunk *c = w->free;
    if (c)
        w->free = c->next;
    else if ((c = calloc(1, sizeof *c)))
        w->nchunks++;
    pthread_mutex_unlock(&w->mu);
    if (c) {
        c->next = NULL;
        c->n = 0;
        c->commit = false;
        c->bytes.len = 0;
        c->bytes.failed = false;
    }
    return c;
}

static bool submit(cr_dlog_writer *w)
{
    chunk *c = w->cur;
    w->cur = NULL;
    pthread_mutex_lock(&w->mu);
    if (w->tail)
        w->tail->next = c;
    else
        w->head = c;
    w->tail = c;
    bool ok = !w->failed;
    pthread_cond_signal(&w->ready);
    pthread_mutex_unlock(&w->mu);
    return ok;
}

static bool current(cr_dlog_writer *w)
{
    if (!w->cur && !(w->cur = take_chunk(w))) {
        fail_with(w, "out of memory");
        return false;
    }
    return true;
}

/* Copies n bytes (and a NUL) into the chunk; their offset. */
static size_t put(chunk *c, const char *s, size_t n)
{
    size_t off = c->bytes.len;
    cr_buf_put(&c->bytes, s ? s : "", s ? n : 0);
    cr_buf_put(&c->bytes, "", 1);
    return off;
}

static size_t put_text(chunk *c, const char *s) { return put(c, s, s ? strlen(s) : 0); }

bool cr_dlog_writer_add(cr_dlog_writer *w, const cr_dlog_entry *e)
{
    if (!current(w))
        return false;
    chunk *c = w->cur;
    wentry *x = &c->e[c->n];
    *x = (wentry){
        .has_app_id = e->app_id != NULL, .app_id_len = e->app_id_len,
        .has_application = e->application != NULL, .application_len = e->application_len,
        .reasons_len = e->reasons_len, .results_len = e->results_len, .fired_len = e->fired_len,
        .has_created_at = e->created_at != NULL, .has_data = e->data_sha256 && *e->data_sha256,
    };
    x->app_id = put(c, e->app_id, e->app_id_len);
    x->application = put(c, e->application, e->application_len);
    x->reasons = put(c, e->reasons, e->reasons_len);
    x->results = put(c, e->results, e->results_len);
    x->fired = put(c, e->fired, e->fired_len);
    x->policy = put_text(c, e->policy_sha256);
    x->program = put_text(c, e->program_sha256 ? e->program_sha256 : "");
    x->as_of = put_text(c, e->as_of);
    x->outcome = put_text(c, e->outcome);
    x->decided_by = put_text(c, e->decided_by);
    x->created_at = put_text(c, e->created_at);
    x->data = put_text(c, x->has_data ? e->data_sha256 : NULL);
    cr_dlog_content(e, x->content);   /* here: the caller's thread has time to spare, the writer's not */
    if (c->bytes.failed) {
        fail_with(w, "out of memory");
        return false;
    }
    c->n++;
    /* a failure of the writer shows at the next chunk handed over */
    return c->n < CHUNK_ENTRIES || submit(w);
}

bool cr_dlog_writer_commit(cr_dlog_writer *w, const char *bytes, size_t len)
{
    if (!current(w))
        return false;
    chunk *c = w->cur;
    c->commit = true;
    c->out = c->bytes.len;
    c->out_len = len;
    cr_buf_put(&c->bytes, bytes, len);
    if (c->bytes.failed) {
        fail_with(w, "out of memory");
        return false;
    }
    return submit(w);
}

const char *cr_dlog_writer_error(cr_dlog_writer *w) { return w->err; }

cr_dlog_writer *cr_dlog_writer_start(cr_dlog *l, const cr_dlog_writer_calls *calls, char *err, size_t errsz)
{
    cr_dlog_writer *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    w->log = l;
    w->calls = *calls;
    if (pthread_mutex_init(&w->mu, NULL) != 0) {
        free(w);
        snprintf(err, errsz, "cannot start the log's writer");
        return NULL;
    }
    pthread_cond_init(&w->ready, NULL);
    pthread_cond_init(&w->space, NULL);
    pthread_cond_init(&w->committed, NULL);
    start_checkpointer(w);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        if (w->ckpt_running) {
            pthread_mutex_lock(&w->mu);
            w->stopping = true;
            pthread_cond_signal(&w->committed);
            pthread_mutex_unlock(&w->mu);
            pthread_join(w->ckpt_thread, NULL);
            sqlite3_close(w->ckpt_db);
            sqlite3_wal_autocheckpoint(cr_dlog_db(w->log), 1000);
        }
        pthread_cond_destroy(&w->committed);
        pthread_cond_destroy(&w->ready);
        pthread_cond_destroy(&w->space);
        pthread_mutex_destroy(&w->mu);
        free(w);
        snprintf(err, errsz, "cannot start the log's writer thread");
        return NULL;
    }
    return w;
}

static void free_chunks(chunk *c)
{
    while (c) {
        chunk *next = c->next;
        cr_buf_free(&c->bytes);
        free(c);
        c = next;
    }
}

bool cr_dlog_writer_stop(cr_dlog_writer *w, cr_dlog_writer_stats *stats, char *err, size_t errsz)
{
    /* entries added after the last commit are not committed: a batch
     * counts only once its commit is asked for */
    if (w->cur) {
        w->cur->next = NULL;
        free_chunks(w->cur);
        w->cur = NULL;
    }
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->ready);
    pthread_cond_signal(&w->committed);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    if (w->ckpt_running) {
        pthread_join(w->ckpt_thread, NULL);
        sqlite3_close(w->ckpt_db);
        /* SQLite's checkpoints again, for whatever the log's owner writes next */
        sqlite3_wal_autocheckpoint(cr_dlog_db(w->log), 1000);
    }
    bool ok = !w->failed;
    if (!ok)
        snprintf(err, errsz, "%s", w->err);
    if (stats)
        *stats = w->stats;
    free_chunks(w->free);
    free_chunks(w->head);
    pthread_cond_destroy(&w->committed);
    pthread_cond_destroy(&w->ready);
    pthread_cond_destroy(&w->space);
    pthread_mutex_destroy(&w->mu);
    free(w);
    return ok;
}
