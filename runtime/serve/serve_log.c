/* Group commit for `credo serve --log` (serve_log.h).
 *
 * Requests queue a cr_serve_log_req each (in their own memory: a request
 * stays until it is told).  One thread of the log's own takes the whole
 * queue, stores the policies not stored yet, appends every entry in queue
 * order, commits once, and tells each request.  Requests do not wait on a
 * thread of their own: the server puts the connection aside
 * (libmicrohttpd's suspend) and answers it when told, so the number of
 * requests sharing a commit is not bounded by the server's threads.  A
 * failed append or commit rolls the transaction back: no request of it is
 * answered 200, and the log's chain stays as it was.  Only the log's
 * thread uses the connection. */
#include "runtime/serve/serve_log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "runtime/audit/dlog_checkpointer.h"

struct cr_serve_log {
    cr_dlog *log;
    cr_dlog_checkpointer *ckpt;              /* the WAL copied beside the commits */
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t queued;                   /* a request to write, or stopping */
    pthread_cond_t idle;                     /* a batch told */
    cr_serve_log_req *head, *tail;
    bool writing;                            /* a batch taken and not yet told */
    bool stopping;
    /* the log thread's */
    char (*stored)[CR_DLOG_HASH_LEN + 1];   /* policies stored through this log */
    size_t nstored;
    uint64_t added, skipped, commits, failed;
    bool told;                               /* a failure was printed */
};

/* Stores p in the log unless it is already; false on failure. */
static bool store_policy(cr_serve_log *sl, const cr_program *p)
{
    for (size_t i = 0; i < sl->nstored; i++)
        if (strcmp(sl->stored[i], p->sha256) == 0)
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

/* One transaction for every request of the batch.  False with why. */
static bool write_batch(cr_serve_log *sl, cr_serve_log_req *batch, char *why, size_t whysz)
{
    /* policies first, each committed on its own, outside the rows' transaction */
    for (cr_serve_log_req *w = batch; w; w = w->next)
        for (size_t i = 0; i < w->n; i++)
            if (!store_policy(sl, w->progs[i])) {
                snprintf(why, whysz, "%s", cr_dlog_errmsg(sl->log));
                return false;
            }
    uint64_t added = 0, skipped = 0;
    for (cr_serve_log_req *w = batch; w; w = w->next)
        for (size_t i = 0; i < w->n; i++) {
            int rc = cr_dlog_append(sl->log, &w->e[i]);
            if (rc < 0) {
                snprintf(why, whysz, "%s", cr_dlog_errmsg(sl->log));
                cr_dlog_rollback(sl->log);
                return false;
            }
            if (rc == CR_DLOG_SKIPPED)
                skipped++;
            else
                added++;
        }
    if (!cr_dlog_commit(sl->log)) {
        snprintf(why, whysz, "%s", cr_dlog_errmsg(sl->log));
        cr_dlog_rollback(sl->log);
        return false;
    }
    sl->added += added;
    sl->skipped += skipped;
    sl->commits++;
    cr_dlog_checkpointer_kick(sl->ckpt);
    return true;
}

/* Writes one batch and tells its requests. */
static void commit_batch(cr_serve_log *sl, cr_serve_log_req *batch)
{
    char why[512] = "";
    bool ok = write_batch(sl, batch, why, sizeof why);
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
    for (cr_serve_log_req *w = batch, *next; w; w = next) {
        next = w->next;   /* w may go as soon as it is told */
        if (!ok)
            snprintf(w->why, sizeof w->why, "%s", why);
        w->ok = ok;
        w->done(w);
    }
}

static void *log_main(void *arg)
{
    cr_serve_log *sl = arg;
    prctl(PR_SET_NAME, "credo-log");
    pthread_mutex_lock(&sl->mu);
    for (;;) {
        while (!sl->head && !sl->stopping)
            pthread_cond_wait(&sl->queued, &sl->mu);
        if (!sl->head)
            break;               /* stopping, and nothing is left */
        cr_serve_log_req *batch = sl->head;
        sl->head = sl->tail = NULL;
        sl->writing = true;
        pthread_mutex_unlock(&sl->mu);
        commit_batch(sl, batch);
        pthread_mutex_lock(&sl->mu);
        sl->writing = false;
        pthread_cond_broadcast(&sl->idle);
    }
    pthread_mutex_unlock(&sl->mu);
    return NULL;
}

void cr_serve_log_submit(cr_serve_log *sl, cr_serve_log_req *r)
{
    r->next = NULL;
    pthread_mutex_lock(&sl->mu);
    if (sl->tail)
        sl->tail->next = r;
    else
        sl->head = r;
    sl->tail = r;
    if (!sl->writing)            /* a writing thread looks at the queue when it is done */
        pthread_cond_signal(&sl->queued);
    pthread_mutex_unlock(&sl->mu);
}

void cr_serve_log_flush(cr_serve_log *sl)
{
    if (!sl)
        return;
    pthread_mutex_lock(&sl->mu);
    while (sl->head || sl->writing)
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
        cr_dlog_options lo = {.key = key, .signer = sign_file ? &signer : NULL};
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
    pthread_cond_init(&sl->queued, NULL);
    pthread_cond_init(&sl->idle, NULL);
    sl->ckpt = cr_dlog_checkpointer_start(sl->log);
    if (pthread_create(&sl->thread, NULL, log_main, sl) != 0) {
        fprintf(stderr, "credo serve: %s: cannot start the log's thread\n", path);
        cr_serve_log_close(sl);
        return NULL;
    }
    sl->started = true;
    return sl;
}

void cr_serve_log_close(cr_serve_log *sl)
{
    if (!sl)
        return;
    /* called once no request is left: what is queued is written first */
    if (sl->started) {
        pthread_mutex_lock(&sl->mu);
        sl->stopping = true;
        pthread_cond_signal(&sl->queued);
        pthread_mutex_unlock(&sl->mu);
        pthread_join(sl->thread, NULL);
    }
    cr_dlog_checkpointer_stop(sl->ckpt);
    if (!cr_dlog_sign_head(sl->log))
        fprintf(stderr, "credo serve: %s: the last checkpoint: %s\n", cr_dlog_path(sl->log), cr_dlog_errmsg(sl->log));
    fprintf(stderr, "credo serve: %s: %llu decisions logged in %llu commits, %llu already logged (skipped)",
            cr_dlog_path(sl->log), (unsigned long long)sl->added, (unsigned long long)sl->commits,
            (unsigned long long)sl->skipped);
    if (cr_dlog_checkpoints(sl->log))
        fprintf(stderr, ", %u checkpoints signed", cr_dlog_checkpoints(sl->log));
    fputc('\n', stderr);
    cr_dlog_close(sl->log);
    free(sl->stored);
    pthread_cond_destroy(&sl->queued);
    pthread_cond_destroy(&sl->idle);
    pthread_mutex_destroy(&sl->mu);
    free(sl);
}
