/* What the decision log's files share (decision_log.c opens, dlog_append.c
 * writes, dlog_verify.c checks): the connection's state and its error
 * functions.  Internal to runtime/audit/. */
#ifndef CREDO_DLOG_PRIVATE_H
#define CREDO_DLOG_PRIVATE_H

#include "runtime/audit/decision_log.h"
#include "runtime/audit/dlog_hash.h"

#define DLOG_SCHEMA 3
#define DLOG_APPLICATION_ID 0x4352444C   /* "CRDL" in the file header */

/* A policy, program or data set stored in the log: its hash and its row id. */
typedef struct dlog_ref {
    char sha[CR_DLOG_HASH_LEN + 1];
    int64_t id;
} dlog_ref;

struct cr_dlog {
    sqlite3 *db;
    char *path;
    cr_dlog_mode mode;
    int schema;                       /* user_version */
    /* schema 3: the log's own record */
    bool has_record;
    char id[CR_DLOG_ID_LEN + 1];
    bool keyed;
    char key_id[17];
    /* the key given to open, if any, and the chain's MAC with it */
    bool have_key;
    char given_key_id[17];
    dlog_mac mac;
    /* signing checkpoints */
    bool signing;
    cr_ed25519_key signer;
    uint32_t checkpoint_every;
    uint32_t ncheckpoints;
    /* writing */
    sqlite3_stmt *insert, *tail, *probe_key, *probe_input, *cp_insert, *cp_last;
    bool in_txn;                      /* a write transaction of ours is open */
    uint32_t pending;                 /* rows added in it */
    int64_t tail_seq;                 /* the last row, committed or ours */
    uint8_t tail_hash[CR_SHA256_LEN];
    int64_t last_checkpoint;          /* seq of the last checkpoint */
    int64_t last_seq, last_superseded;
    dlog_ref *policies, *data, *programs;   /* added through this connection */
    size_t npolicies, ndata, nprograms;
    /* caller_syncs: cr_dlog_sync's own descriptor of the WAL file; -1: none */
    int wal_fd;
    /* created_at, formatted once per millisecond */
    int64_t now_ms;
    char now_text[64];
    char err[512];
};

void cr_dlog_set_error(cr_dlog *l, const char *what);
void cr_dlog_set_sqlite_error(cr_dlog *l);
bool cr_dlog_exec(cr_dlog *l, const char *sql);
bool cr_dlog_query_int(cr_dlog *l, const char *sql, int64_t *out);
bool cr_dlog_prepare(cr_dlog *l, const char *sql, sqlite3_stmt **st);
/* caller_syncs: opens the WAL for cr_dlog_sync (dlog_sync.c), once the
 * log is open in WAL mode.  False with the error set. */
bool cr_dlog_open_wal(cr_dlog *l);
/* Now, UTC, to the millisecond: 2026-11-23T10:15:02.123Z. */
void cr_dlog_now(char out[64]);

#endif
