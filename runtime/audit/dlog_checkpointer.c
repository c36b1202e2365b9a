/* The decision log's WAL checkpoints on a thread of its own
 * (dlog_checkpointer.h). */
#include "runtime/audit/dlog_checkpointer.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/prctl.h>

struct cr_dlog_checkpointer {
    cr_dlog *log;
    sqlite3 *db;                      /* its own connection */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t committed;         /* a commit to copy */
    uint64_t commits;
    bool stopping;
};

static void *checkpointer_main(void *arg)
{
    cr_dlog_checkpointer *c = arg;
    prctl(PR_SET_NAME, "credo-ckpt");   /* so that top -H and perf tell the threads apart */
    uint64_t done = 0;
    for (;;) {
        pthread_mutex_lock(&c->mu);
        while (c->commits == done && !c->stopping)
            pthread_cond_wait(&c->committed, &c->mu);
        bool more = c->commits != done;
        done = c->commits;
        pthread_mutex_unlock(&c->mu);
        if (!more)
            break;
        /* a failure here costs only time: the next commit's WAL grows */
        sqlite3_wal_checkpoint_v2(c->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
    return NULL;
}

cr_dlog_checkpointer *cr_dlog_checkpointer_start(cr_dlog *l)
{
    cr_dlog_checkpointer *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->log = l;
    if (sqlite3_open_v2(cr_dlog_path(l), &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(c->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    sqlite3_busy_timeout(c->db, 5000);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->committed, NULL);
    if (pthread_create(&c->thread, NULL, checkpointer_main, c) != 0) {
        pthread_cond_destroy(&c->committed);
        pthread_mutex_destroy(&c->mu);
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    sqlite3_wal_autocheckpoint(cr_dlog_db(l), 0);
    return c;
}

void cr_dlog_checkpointer_kick(cr_dlog_checkpointer *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->commits++;
    pthread_cond_signal(&c->committed);
    pthread_mutex_unlock(&c->mu);
}

void cr_dlog_checkpointer_stop(cr_dlog_checkpointer *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->stopping = true;
    pthread_cond_signal(&c->committed);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    sqlite3_close(c->db);
    /* SQLite's checkpoints again, for whatever the log's owner writes next */
    sqlite3_wal_autocheckpoint(cr_dlog_db(c->log), 1000);
    pthread_cond_destroy(&c->committed);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
