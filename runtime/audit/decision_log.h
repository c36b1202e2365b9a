/* The decision log: an append-only, tamper-evident record of every decision
 * in an SQLite database (`credo run --log FILE`, checked by `credo audit`).
 *
 * Schema (user_version 2, application_id 0x4352444C "CRDL"):
 *
 *   policies    one row per policy source ever used, stored once
 *     sha256     TEXT PRIMARY KEY   SHA-256 of the source, hex (cr_program.sha256)
 *     name       TEXT NOT NULL      the policy's name
 *     version    TEXT               its version, NULL when the header has none
 *     effective  TEXT               its effective date YYYY-MM-DD, or NULL
 *     owner      TEXT               its owner, or NULL
 *     file       TEXT NOT NULL      the path it was first logged from; replay
 *                                   compiles under this name so that run-time
 *                                   error places ("file:line:col") read the same
 *     source     TEXT NOT NULL      the policy's exact source text
 *
 *   data        one row per set of reference tables (`lookup`) a policy read
 *     sha256        TEXT PRIMARY KEY  SHA-256 of tables, hex
 *     policy_sha256 TEXT NOT NULL     the policy that read them
 *     tables        TEXT NOT NULL     JSON list, in declaration order:
 *                                     [{"lookup","from":"csv"|"sqlite","path",
 *                                     "table" (sqlite),"key","sha256" of the file}]
 *
 *   decisions   one row per decision, in the order they were made
 *     seq            INTEGER PRIMARY KEY   1, 2, 3, ... with no gaps
 *     app_id         TEXT NOT NULL         the application's app_id
 *     policy_sha256  TEXT NOT NULL         the policy that decided (policies.sha256)
 *     as_of          TEXT NOT NULL         the date `today` meant, YYYY-MM-DD
 *     application    TEXT NOT NULL         the input line exactly as received,
 *                                          without its line terminator
 *     outcome        TEXT NOT NULL         APPROVE, REFER, REJECT or ERROR
 *     reasons        TEXT NOT NULL         JSON array of the decision's reasons
 *     results        TEXT NOT NULL         the decision JSON line as written,
 *                                          without its newline
 *     fired          TEXT NOT NULL         JSON array of the codes of the rules
 *                                          that fired, in firing order
 *     decided_by     TEXT NOT NULL         champion, challenger or shadow
 *     created_at     TEXT NOT NULL         UTC, 2026-11-23T10:15:02.123Z
 *     prev_hash      TEXT NOT NULL         row_hash of seq - 1; 64 zeros for seq 1
 *     row_hash       TEXT NOT NULL         see below
 *     data_sha256    TEXT                  the reference tables it was decided
 *                                          with (data.sha256); NULL when its
 *                                          policy reads none
 *     UNIQUE (app_id, policy_sha256, as_of, decided_by)
 *
 *   Triggers refuse UPDATE and DELETE on decisions.  They only stop
 *   mistakes (anyone with the file can drop them); the hash chain is what
 *   makes a change detectable.
 *
 * row_hash is the lower-case hex SHA-256 of
 *     "credo-decision-log-v1\n"
 *     then, for each of prev_hash, app_id, policy_sha256, as_of,
 *     application, outcome, reasons, results, fired, decided_by, created_at
 *     in this order: its length in bytes as 8 bytes big-endian, then its
 *     bytes (a NULL, which only tampering can produce, is the length
 *     0xFFFFFFFFFFFFFFFF and no bytes); then, only when data_sha256 is not
 *     NULL, data_sha256 the same way.  So a row without reference data
 *     hashes as in schema 1, and a schema 1 log, which credo upgrades in
 *     place when it appends to it, keeps verifying.
 * Length prefixes make the encoding unambiguous: no two different rows
 * give the same byte string.  seq is left out on purpose: prev_hash already
 * fixes each row's place in the chain, and keeping seq out lets `verify`
 * tell a moved row (its own hash holds, its link does not) from an edited
 * one (its own hash fails).
 *
 * Writing.  Rows are added inside a transaction that the caller commits
 * (credo run commits every 1000 rows, every second and whenever its input
 * runs dry); a decision counts as made only once committed.  Each write
 * transaction begins with BEGIN IMMEDIATE and re-reads the last committed
 * row, so rows always chain to what is really in the file, even with two
 * writers taking turns.  A crash (kill -9) loses at most the transaction
 * in progress: what is left is a valid prefix of the chain, and running
 * the same applications again adds only the missing rows, because a row
 * whose (app_id, policy_sha256, as_of, decided_by) is already logged is
 * skipped, not added twice.
 *
 * What the chain cannot show: rows cut from the end (the last row is as
 * valid as any other), or a forger who rewrites every hash after an edit.
 * `credo audit verify` prints the last row's hash so that it can be
 * recorded somewhere else. */
#ifndef CREDO_DECISION_LOG_H
#define CREDO_DECISION_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "lang/program.h"

#define CR_DLOG_HASH_LEN 64           /* hex digits of a row_hash */

typedef struct cr_dlog cr_dlog;

/* One decision to log.  Texts with a length may hold any bytes; the
 * others are NUL-terminated. */
typedef struct cr_dlog_entry {
    const char *app_id;
    size_t app_id_len;
    const char *policy_sha256;        /* 64 hex digits; its policy added first */
    const char *as_of;                /* YYYY-MM-DD */
    const char *application;
    size_t application_len;
    const char *outcome;              /* APPROVE, REFER, REJECT or ERROR */
    const char *reasons;              /* a JSON array */
    size_t reasons_len;
    const char *results;              /* the decision line, no newline */
    size_t results_len;
    const char *fired;                /* a JSON array */
    size_t fired_len;
    const char *decided_by;           /* champion, challenger or shadow */
    const char *created_at;           /* NULL: now */
    const char *data_sha256;          /* cr_dlog_data_sha256 of its policy; NULL or "": none */
} cr_dlog_entry;

typedef enum cr_dlog_mode {
    CR_DLOG_APPEND,                   /* read-write; created when missing */
    CR_DLOG_READ                      /* read-only; must exist */
} cr_dlog_mode;

/* Opens a decision log.  In APPEND mode a missing or empty file gets the
 * schema.  Any other file (not SQLite, corrupt, another application's
 * database, a newer schema) is refused.  Returns NULL with "PATH: what" in
 * err on failure. */
cr_dlog *cr_dlog_open(const char *path, cr_dlog_mode mode, char *err, size_t errsz);
/* Rolls back rows not yet committed, then closes. */
void cr_dlog_close(cr_dlog *l);

/* After a function below fails: "PATH: what", e.g.
 * "decisions.db: database is locked". */
const char *cr_dlog_errmsg(const cr_dlog *l);
const char *cr_dlog_path(const cr_dlog *l);
/* The connection, for queries of its own (credo audit). */
sqlite3 *cr_dlog_db(cr_dlog *l);

/* Stores the policy's identity and source unless already there, and the
 * reference tables it read (its data set) when it has any; commits at
 * once (a decision row must never refer to a policy not stored). */
bool cr_dlog_add_policy(cr_dlog *l, const cr_program *p);

/* The identity of the reference tables p read when it loaded (64 hex
 * digits, the data table's sha256) into out, or "" when p has none.
 * False when out of memory. */
bool cr_dlog_data_sha256(const cr_program *p, char out[CR_DLOG_HASH_LEN + 1]);

/* Adds one decision to the current transaction (beginning one when none
 * is open).  Returns 1 when added; when its (app_id, policy, as_of,
 * decided_by) is already logged, 0 if that row has the same application
 * line and reference data, and 2 if not (the log keeps the first); -1 on
 * error. */
int cr_dlog_append(cr_dlog *l, const cr_dlog_entry *e);
/* Rows added since the last commit. */
uint32_t cr_dlog_pending(const cr_dlog *l);
/* Commits the current transaction, if any. */
bool cr_dlog_commit(cr_dlog *l);

/* The row_hash of e after prev_hash (64 hex digits), into out[65]. */
void cr_dlog_row_hash(const char *prev_hash, const cr_dlog_entry *e, char out[CR_DLOG_HASH_LEN + 1]);

/* What verify found. */
typedef struct cr_dlog_verdict {
    bool intact;
    uint64_t rows;                    /* rows checked and found intact */
    int64_t seq;                      /* when not intact: the row at fault */
    char app_id[128];                 /* and its app_id ("" if unknown) */
    char what[512];                   /* "seq 7 (app_id X): altered: ..." */
    int64_t head_seq;                 /* the last row (0 when empty) */
    char head_hash[CR_DLOG_HASH_LEN + 1];
} cr_dlog_verdict;

/* Walks the chain in seq order: each row's hash must match its contents,
 * its prev_hash the row before, its seq the one after, and its policy must
 * be stored with a source that hashes to its sha256.  Stops at the first
 * fault.  Returns false on a database error (cr_dlog_errmsg), true with
 * the verdict otherwise. */
bool cr_dlog_verify(cr_dlog *l, cr_dlog_verdict *v);

#endif
