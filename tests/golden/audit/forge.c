/* A forger's tool, for tests/golden/audit_forge.sh: what someone with
 * write access to a decision log, the sqlite3 tool and the documented hash
 * rule (runtime/audit/decision_log.h), but without the log's key, can do.
 *
 *   forge LOG rechain SEQ   recompute input_hash, prev_hash and row_hash of
 *                           every row from SEQ on with plain SHA-256, so
 *                           that a log edited with sqlite3 chains again
 *
 * It drops the append-only triggers first.  Written from the documentation
 * alone, with nettle and SQLite: it shares no code with credo. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>
#include <sqlite3.h>

static void field(struct sha256_ctx *c, const void *p, size_t n)
{
    uint64_t len = p ? n : UINT64_MAX;
    uint8_t be[8];
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(len >> (56 - 8 * i));
    sha256_update(c, 8, be);
    if (p && n)
        sha256_update(c, n, p);
}

/* Column i of the row as a field: NULL stays NULL. */
static void column(struct sha256_ctx *c, sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL) {
        field(c, NULL, 0);
        return;
    }
    const void *p = sqlite3_column_blob(st, i);
    field(c, p ? p : "", (size_t)sqlite3_column_bytes(st, i));
}

static void die(sqlite3 *db, const char *what)
{
    fprintf(stderr, "forge: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 4 || strcmp(argv[2], "rechain") != 0) {
        fprintf(stderr, "usage: forge LOG rechain SEQ\n");
        return 2;
    }
    long from = atol(argv[3]);
    sqlite3 *db;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK)
        die(db, "open");
    sqlite3_exec(db, "DROP TRIGGER IF EXISTS decisions_no_update; DROP TRIGGER IF EXISTS decisions_no_delete;"
                     "BEGIN", NULL, NULL, NULL);
    uint8_t prev[32];
    sqlite3_stmt *st;
    struct sha256_ctx c;
    if (from <= 1) {
        /* the genesis: the log's id */
        if (sqlite3_prepare_v2(db, "SELECT id FROM log", -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
            die(db, "the log's id");
        sha256_init(&c);
        sha256_update(&c, strlen("credo-decision-log-v3 genesis\n"), (const uint8_t *)"credo-decision-log-v3 genesis\n");
        column(&c, st, 0);
        sha256_digest(&c, 32, prev);
    } else {
        if (sqlite3_prepare_v2(db, "SELECT row_hash FROM decisions WHERE seq = ?1", -1, &st, NULL) != SQLITE_OK)
            die(db, "prepare");
        sqlite3_bind_int64(st, 1, from - 1);
        if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_bytes(st, 0) != 32)
            die(db, "the row before");
        memcpy(prev, sqlite3_column_blob(st, 0), 32);
    }
    sqlite3_finalize(st);

    sqlite3_stmt *up;
    if (sqlite3_prepare_v2(db,
                           "SELECT d.seq, x.sha256, d.application, d.results, d.app_id, p.sha256, g.sha256, d.as_of,"
                           " d.decided_by, d.outcome, d.reasons, d.fired, d.created_at, CAST(d.supersedes AS TEXT)"
                           " FROM decisions d JOIN policies p ON p.id = d.policy LEFT JOIN data x ON x.id = d.data"
                           " JOIN programs g ON g.id = d.program"
                           " WHERE d.seq >= ?1 ORDER BY d.seq",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE decisions SET input_hash = ?1, prev_hash = ?2, row_hash = ?3 WHERE seq = ?4", -1,
                           &up, NULL) != SQLITE_OK)
        die(db, "prepare");
    sqlite3_bind_int64(st, 1, from);
    long n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        uint8_t content[32], row[32];
        sha256_init(&c);
        sha256_update(&c, strlen("credo-decision-content-v3\n"), (const uint8_t *)"credo-decision-content-v3\n");
        for (int i = 1; i <= 3; i++)
            column(&c, st, i);           /* data's sha256, application, results */
        sha256_digest(&c, 32, content);
        sha256_init(&c);
        sha256_update(&c, strlen("credo-decision-log-v3\n"), (const uint8_t *)"credo-decision-log-v3\n");
        field(&c, prev, 32);
        for (int i = 4; i <= 13; i++)
            column(&c, st, i);           /* app_id, policy, program .. supersedes */
        field(&c, content, 32);
        sha256_digest(&c, 32, row);
        int64_t input = 0;
        for (int i = 0; i < 8; i++)
            input = (int64_t)((uint64_t)input << 8 | content[i]);
        sqlite3_bind_int64(up, 1, input);
        sqlite3_bind_blob(up, 2, prev, 32, SQLITE_TRANSIENT);
        sqlite3_bind_blob(up, 3, row, 32, SQLITE_TRANSIENT);
        sqlite3_bind_int64(up, 4, sqlite3_column_int64(st, 0));
        if (sqlite3_step(up) != SQLITE_DONE)
            die(db, "update");
        sqlite3_reset(up);
        memcpy(prev, row, 32);
        n++;
    }
    sqlite3_finalize(st);
    sqlite3_finalize(up);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        die(db, "commit");
    sqlite3_close(db);
    printf("forge: %ld rows rechained from seq %ld\n", n, from);
    return 0;
}
