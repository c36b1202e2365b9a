/* The decision log: an append-only, tamper-evident record of every decision
 * in an SQLite database (`credo run --log FILE`, checked by `credo audit`).
 *
 * Schema (user_version 3, application_id 0x4352444C "CRDL"):
 *
 *   log         one row: what this log is
 *     id          TEXT NOT NULL     32 random hex digits, made when the log is
 *                                   created; anchors and checkpoints name it
 *     created     TEXT NOT NULL     UTC, 2026-11-23T10:15:02.123Z
 *     keyed       INTEGER NOT NULL  1: every row_hash is an HMAC-SHA256 with
 *                                   the log's key; 0: plain SHA-256.  Fixed
 *                                   when the log is created: a log is keyed
 *                                   from its first row or not at all
 *     key_id      TEXT              keyed: 16 hex digits of
 *                                   HMAC-SHA256(key, "credo-log-key-id"), which
 *                                   names the key without revealing it
 *
 *   policies    one row per policy source ever used, stored once
 *     id         INTEGER PRIMARY KEY
 *     sha256     TEXT UNIQUE        SHA-256 of the source, hex (cr_program.sha256)
 *     name, version, effective, owner   its header (NULL when it has none)
 *     file       TEXT NOT NULL      the path it was first logged from; replay
 *                                   compiles under this name so that run-time
 *                                   error places ("file:line:col") read the same
 *     source     TEXT NOT NULL      the policy's exact source text
 *
 *   programs    one row per compiled program that decided: what ran, beside
 *               what was written
 *     id         INTEGER PRIMARY KEY
 *     sha256     TEXT UNIQUE        cr_program.program_sha256, hex: the
 *                                   program's encoding (bytecode, constants,
 *                                   tables, the source and its lookups'
 *                                   hashes), as `credo compile` and
 *                                   `credo explain` print it
 *     policy     INTEGER            its source (policies.id)
 *     signed_by  TEXT               the key id of the trusted signature its
 *                                   .credoc carried (`--trust`); NULL: none
 *
 *   data        one row per set of reference tables (`lookup`) a policy read
 *     id            INTEGER PRIMARY KEY
 *     sha256        TEXT UNIQUE     SHA-256 of tables, hex
 *     policy        INTEGER         the policy that read them (policies.id)
 *     tables        TEXT NOT NULL   JSON list, in declaration order:
 *                                   [{"lookup","from":"csv"|"sqlite","path",
 *                                   "table" (sqlite),"key","sha256" of the file}]
 *
 *   decisions   one row per decision, in the order they were made
 *     seq          INTEGER PRIMARY KEY  1, 2, 3, ... with no gaps
 *     app_id       TEXT        the application's app_id; NULL when its line
 *                              has none (an ERROR line: every line is logged)
 *     policy       INTEGER     the policy that decided (policies.id)
 *     data         INTEGER     the reference tables it read (data.id); NULL
 *                              when the policy reads none
 *     program      INTEGER     the program that ran (programs.id), of the
 *                              same policy
 *     as_of        TEXT        the date `today` meant, YYYY-MM-DD
 *     decided_by   TEXT        champion, challenger or shadow
 *     outcome      TEXT        APPROVE, REFER, REJECT or ERROR
 *     reasons      TEXT        JSON array of the decision's reasons
 *     fired        TEXT        JSON array of the codes of the rules that fired
 *     results      TEXT        the decision line exactly as written to stdout,
 *                              without its newline
 *     application  TEXT        the input line exactly as received, without its
 *                              terminator; NULL for a line longer than
 *                              --max-line (never kept)
 *     created_at   TEXT        UTC, 2026-11-23T10:15:02.123Z
 *     supersedes   INTEGER     the seq of the decision this one replaces: the
 *                              latest earlier row with the same app_id,
 *                              policy, as_of and decided_by, decided from a
 *                              different application line, reference data or
 *                              decision line; NULL when it replaces none
 *     input_hash   INTEGER     the first 8 bytes of the row's content digest
 *     prev_hash    BLOB        row_hash of seq - 1 (32 bytes); for seq 1 the
 *                              genesis hash
 *     row_hash     BLOB        32 bytes, see below
 *   with one index, decisions_app (app_id, as_of, input_hash): it finds an
 *   application's earlier decisions (`credo audit show`, a rerun), and with
 *   increasing app_ids its inserts stay at its end.
 *
 *   checkpoints one row per signed checkpoint (`credo run --log-sign KEY`)
 *     seq          INTEGER PRIMARY KEY  the last decision it covers
 *     rows         INTEGER     how many decisions the log held then (= seq)
 *     head         BLOB        that decision's row_hash
 *     signer       BLOB        the Ed25519 public key that signed (32 bytes)
 *     signature    BLOB        Ed25519 signature of the head text (below)
 *     created_at   TEXT
 *
 *   runs        one row per `credo run --log`, to resume a run cut short
 *     id, started, as_of, policy_file (the POLICY argument, made absolute),
 *     policy_sha256 (its source), data_sha256 (its reference tables, NULL
 *     if none), input (the INPUT argument made absolute, "-" for stdin, or
 *     the --db file), input_sha256 (when INPUT is a regular file), finished
 *     (UTC, NULL until every line was decided and committed)
 *
 *   Triggers refuse UPDATE and DELETE on decisions and checkpoints.  They
 *   only stop mistakes (anyone with the file can drop them); the chain,
 *   its key and the signatures are what make a change detectable.  The runs
 *   table is bookkeeping, outside the chain.
 *
 * Hashes.  A field is its length in bytes as 8 bytes big-endian, then its
 * bytes; an SQL NULL is the length 0xFFFFFFFFFFFFFFFF and no bytes.
 *   content     = SHA-256("credo-decision-content-v3\n", data's sha256 (hex,
 *                 or NULL), application, results)
 *   row_hash    = MAC("credo-decision-log-v3\n", prev_hash, app_id, the
 *                 policy's sha256 (hex), the program's sha256 (hex), as_of, decided_by, outcome, reasons,
 *                 fired, created_at, supersedes (decimal, or NULL), content)
 *   genesis     = MAC("credo-decision-log-v3 genesis\n", log.id)
 * where MAC is HMAC-SHA256 with the key in a keyed log, plain SHA-256
 * otherwise (the domain text is hashed as is, without a length).  seq is
 * left out on purpose: prev_hash fixes each row's place, and keeping seq
 * out lets verify tell a moved row (its own hash holds, its link does
 * not) from an edited one.
 *   head text   = "credo-log-head v1\nlog ID\nseq N\nrows N\nhead HEX\n",
 * which a checkpoint signs and an anchor (`credo audit LOG anchor`) holds.
 *
 * What it proves.  Plain: that no row was changed by accident or by someone
 * who did not recompute the chain; anyone can recompute it.  Keyed: that
 * no row was changed, removed or moved by anyone without the key (they
 * cannot recompute a MAC); holders of the key can rewrite.  Signed
 * checkpoints: that the log up to each checkpoint is what the holder of the
 * signing key saw, which a holder of the HMAC key cannot forge either.
 * Rows cut from the end, back to a checkpoint, leave a valid log: only an
 * anchor kept elsewhere (or a checkpoint kept elsewhere) shows them.
 *
 * Writing.  Rows are added inside a transaction that the caller commits
 * (credo run commits every 10,000 rows, every second and whenever its input
 * runs dry); a decision counts as made only once committed, and a commit
 * is durable (WAL, synchronous=FULL: an fsync of the WAL per commit).
 * Each write transaction begins with BEGIN IMMEDIATE and re-reads the last
 * committed row, so rows always chain to what is really in the file, even
 * with two writers taking turns.  A crash (kill -9) loses at most the
 * transaction in progress.  A decision whose app_id, policy, as_of and
 * decided_by match the latest logged one, from the same application line,
 * reference data and decision line, is not logged twice; one that differs
 * is logged as a new row that supersedes it.
 *
 * Older schemas.  Logs of user_version 1 and 2 (hex TEXT hashes, the row
 * hash rule of cr_dlog_row_hash_v2, no key, no supersedes) are read and
 * verified as they are; credo refuses to append to them (start a new log). */
#ifndef CREDO_DECISION_LOG_H
#define CREDO_DECISION_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "lang/program.h"
#include "runtime/core/ed25519.h"

#define CR_DLOG_HASH_LEN 64           /* hex digits of a hash */
#define CR_DLOG_ID_LEN 32             /* hex digits of a log's id */
#define CR_DLOG_KEY_MIN 32            /* bytes of an HMAC key, at least */
#define CR_DLOG_KEY_MAX 4096          /* and at most */
#define CR_DLOG_CHECKPOINT_EVERY 10000

/* A log connection: for one thread at a time. */
typedef struct cr_dlog cr_dlog;

/* An HMAC key, read from a file: all of its bytes (a trailing newline
 * too), CR_DLOG_KEY_MIN to CR_DLOG_KEY_MAX of them. */
typedef struct cr_dlog_key {
    uint8_t bytes[CR_DLOG_KEY_MAX];
    size_t len;
} cr_dlog_key;

/* Reads a key file.  False with "PATH: what" in err; the message never
 * quotes the file's contents. */
bool cr_dlog_key_read(const char *path, cr_dlog_key *k, char *err, size_t errsz);
/* The key's id (16 hex digits), as the log records it. */
void cr_dlog_key_id(const cr_dlog_key *k, char out[17]);

/* One decision to log.  Texts with a length may hold any bytes; the
 * others are NUL-terminated. */
typedef struct cr_dlog_entry {
    const char *app_id;               /* NULL: the line has none */
    size_t app_id_len;
    const char *policy_sha256;        /* 64 hex digits; its policy added first */
    const char *program_sha256;       /* 64 hex digits: the program that ran (cr_program.program_sha256) */
    const char *as_of;                /* YYYY-MM-DD */
    const char *application;          /* NULL: not kept (longer than --max-line) */
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
    const uint8_t *content;           /* cr_dlog_content of it, when the caller has it; NULL: computed */
} cr_dlog_entry;

/* The row's content digest (decision_log.h, "Hashes"): what identifies a
 * rerun, computed wherever is cheapest (the writer thread's caller). */
void cr_dlog_content(const cr_dlog_entry *e, uint8_t out[32]);

typedef enum cr_dlog_mode {
    CR_DLOG_APPEND,                   /* read-write; created when missing */
    CR_DLOG_READ                      /* read-only; must exist */
} cr_dlog_mode;

typedef struct cr_dlog_options {
    const cr_dlog_key *key;           /* HMAC key; NULL: none */
    const cr_ed25519_key *signer;     /* APPEND: sign checkpoints; NULL: none */
    uint32_t checkpoint_every;        /* decisions between checkpoints; 0: CR_DLOG_CHECKPOINT_EVERY */
    /* APPEND: a commit writes the WAL without an fsync (synchronous=NORMAL)
     * and only cr_dlog_sync makes it durable, so that the fsync can run on
     * another thread while the next rows are appended (credo serve).  A
     * commit counts as durable only once a cr_dlog_sync begun after it
     * has returned true. */
    bool caller_syncs;
} cr_dlog_options;

/* Opens a decision log.  In APPEND mode a missing or empty file gets the
 * schema, keyed when o->key is given; appending to a keyed log needs its
 * key, to a log without a key needs none, and an older schema is refused.
 * In READ mode any key is accepted here and judged by cr_dlog_verify.  Any
 * other file (not SQLite, corrupt, another application's database, a
 * newer schema) is refused.  Returns NULL with "PATH: what" in err. */
cr_dlog *cr_dlog_open_with(const char *path, cr_dlog_mode mode, const cr_dlog_options *o, char *err, size_t errsz);
/* cr_dlog_open_with without a key or a signer. */
cr_dlog *cr_dlog_open(const char *path, cr_dlog_mode mode, char *err, size_t errsz);
/* Rolls back rows not yet committed, then closes. */
void cr_dlog_close(cr_dlog *l);
/* With caller_syncs: an fdatasync of the log's WAL, which makes every
 * commit that returned before this call durable.  It does not use the
 * connection, so it may run on another thread while the log is being
 * written, but on one thread at a time.  False with "PATH: what" in err;
 * after a failure no later commit can be trusted either (what the disk
 * dropped is not known), so the caller should stop counting any. */
bool cr_dlog_sync(cr_dlog *l, char *err, size_t errsz);

/* After a function below fails: "PATH: what", e.g.
 * "decisions.db: database is locked". */
const char *cr_dlog_errmsg(const cr_dlog *l);
const char *cr_dlog_path(const cr_dlog *l);
/* The connection, for queries of its own (credo audit).  Opened READ, it
 * has a view, log_decisions, of every schema's decisions in one shape:
 * seq, app_id, policy_sha256, as_of, application, outcome, reasons,
 * results, fired, decided_by, created_at, data_sha256, supersedes (NULL
 * before schema 3). */
sqlite3 *cr_dlog_db(cr_dlog *l);
/* Its user_version: 1, 2 or 3. */
int cr_dlog_schema(const cr_dlog *l);
/* Schema 3: its id, and whether it is keyed (with the key's id). */
const char *cr_dlog_id(const cr_dlog *l);
bool cr_dlog_keyed(const cr_dlog *l, char key_id[17]);

/* Stores the policy's identity and source unless already there, and the
 * reference tables it read (its data set) when it has any; commits at
 * once (a decision row must never refer to a policy not stored). */
bool cr_dlog_add_policy(cr_dlog *l, const cr_program *p);

/* The identity of the reference tables p read when it loaded (64 hex
 * digits, the data table's sha256) into out, or "" when p has none.
 * False when out of memory. */
bool cr_dlog_data_sha256(const cr_program *p, char out[CR_DLOG_HASH_LEN + 1]);

enum {
    CR_DLOG_SKIPPED = 0,              /* the latest row of its key is the same decision */
    CR_DLOG_ADDED = 1,
    CR_DLOG_SUPERSEDED = 2            /* added, superseding an earlier row */
};
/* Adds one decision to the current transaction (beginning one when none
 * is open): CR_DLOG_ADDED, CR_DLOG_SUPERSEDED or CR_DLOG_SKIPPED, -1 on
 * error. */
int cr_dlog_append(cr_dlog *l, const cr_dlog_entry *e);
/* After an append: the seq of the row added (or of the row that made it
 * a skip), and of the row it superseded (0 if none). */
int64_t cr_dlog_last_seq(const cr_dlog *l);
int64_t cr_dlog_last_superseded(const cr_dlog *l);
/* Rows added since the last commit. */
uint32_t cr_dlog_pending(const cr_dlog *l);
/* Commits the current transaction, if any, first adding a signed
 * checkpoint when a signer is set and checkpoint_every rows have been
 * added since the last one. */
bool cr_dlog_commit(cr_dlog *l);
/* Drops the rows added since the last commit (after a failed append or
 * commit), so that the next append begins a new transaction. */
void cr_dlog_rollback(cr_dlog *l);
/* With a signer: commits what is open with a signed checkpoint of the
 * head, when rows were added since the last one (a long-running writer
 * such as credo serve, as it stops).  True without a signer. */
bool cr_dlog_sign_head(cr_dlog *l);
/* Checkpoints signed by this connection so far. */
uint32_t cr_dlog_checkpoints(const cr_dlog *l);

/* ---- runs ---- */

typedef struct cr_dlog_run {
    const char *as_of;
    const char *policy_file;          /* absolute */
    const char *policy_sha256;
    const char *data_sha256;          /* NULL or "": none */
    const char *input;                /* absolute path, "-" (stdin) or the --db file */
    const char *input_sha256;         /* NULL: not a regular file */
} cr_dlog_run;

/* Records the start of a run (committed at once); its id into *id. */
bool cr_dlog_run_begin(cr_dlog *l, const cr_dlog_run *r, int64_t *id);
/* Every line of the run was decided and committed: a last signed
 * checkpoint (with a signer, when rows were added since the last), and
 * the run, with every unfinished run of the same policy file, input and
 * as_of before it, marked finished. */
bool cr_dlog_run_finish(cr_dlog *l, int64_t id);

/* The latest unfinished run of the log at path over the same policy file
 * and input (path and SHA-256), to resume: 1 with its as_of (YYYY-MM-DD),
 * id and policy_sha256 filled in, 0 when there is none (or no log yet),
 * -1 with err on failure. */
int cr_dlog_unfinished_run(const char *path, const char *policy_file, const char *input, const char *input_sha256,
                           char as_of[16], int64_t *id, char policy_sha256[CR_DLOG_HASH_LEN + 1], char *err,
                           size_t errsz);

/* ---- verifying ---- */

/* A head kept elsewhere: an anchor file (`credo audit LOG anchor`) or
 * SEQ:HASH. */
typedef struct cr_dlog_anchor {
    bool has_log_id;
    char log_id[CR_DLOG_ID_LEN + 1];
    int64_t seq, rows;
    uint8_t head[32];
    bool is_signed;
    uint8_t signer[CR_ED25519_KEY_LEN];
    uint8_t signature[CR_ED25519_SIG_LEN];
} cr_dlog_anchor;

/* Parses "SEQ:HASH" (64 hex digits) or an anchor file's text.  False
 * with the reason in why. */
bool cr_dlog_anchor_parse_head(const char *s, cr_dlog_anchor *a, char *why, size_t whysz);
bool cr_dlog_anchor_read(const char *path, cr_dlog_anchor *a, char *err, size_t errsz);
/* The anchor text of l's head (the last row; seq 0 when empty), signed
 * when signer is given, into out.  False when out is too small or l is
 * not of schema 3. */
bool cr_dlog_anchor_text(const cr_dlog_anchor *a, const cr_ed25519_key *signer, char *out, size_t size);

typedef struct cr_dlog_check {
    const uint8_t *trust;             /* an Ed25519 public key: every checkpoint
                                         (and a signed anchor) must be its */
    const cr_dlog_anchor *anchor;     /* a head kept elsewhere; NULL: none */
} cr_dlog_check;

/* What verify found. */
typedef struct cr_dlog_verdict {
    bool intact;
    uint64_t rows;                    /* rows checked and found intact */
    int64_t seq;                      /* when not intact: the first row affected, 0 if none */
    char app_id[128];                 /* and its app_id ("" if unknown) */
    char what[512];                   /* "seq 7 (app_id X): altered: ..." */
    int64_t head_seq;                 /* the last row (0 when empty) */
    char head_hash[CR_DLOG_HASH_LEN + 1];
    cr_dlog_anchor head;              /* schema 3: the head as an anchor */
    uint32_t checkpoints;             /* signed checkpoints checked */
    int64_t last_checkpoint;          /* the seq of the last one, 0 if none */
    char notes[1024];                 /* lines of what was not checked, and why */
} cr_dlog_verdict;

/* Walks the log: its key (when keyed, the key given to open must be its
 * key), each stored policy and data set against its hash, then each row in
 * seq order (its hash, its link to the row before, its seq the one after,
 * its supersedes), each checkpoint's head and signature, and the anchor.
 * Stops at the first fault.  Returns false on a database error
 * (cr_dlog_errmsg), true with the verdict otherwise.  c may be NULL. */
bool cr_dlog_verify(cr_dlog *l, const cr_dlog_check *c, cr_dlog_verdict *v);

/* Does the row at seq hash to its row_hash?  1 yes, 0 no, 2 cannot tell
 * (a keyed log opened without its key), -1 a database error. */
int cr_dlog_row_intact(cr_dlog *l, int64_t seq);

#endif
