/* The decision log in SQLite: opening (and creating) it, its own record
 * (id, key), the policies and reference data its rows name.  The schema
 * and the hash rules are described in decision_log.h; appending is in
 * dlog_append.c, verifying in dlog_verify.c. */
#include "runtime/audit/dlog_private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime/core/date.h"
#include "runtime/io/decision_json.h"

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS log (\n"
    "  id      TEXT NOT NULL,\n"
    "  created TEXT NOT NULL,\n"
    "  keyed   INTEGER NOT NULL CHECK (keyed IN (0, 1)),\n"
    "  key_id  TEXT\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS policies (\n"
    "  id        INTEGER PRIMARY KEY,\n"
    "  sha256    TEXT NOT NULL UNIQUE,\n"
    "  name      TEXT NOT NULL,\n"
    "  version   TEXT,\n"
    "  effective TEXT,\n"
    "  owner     TEXT,\n"
    "  file      TEXT NOT NULL,\n"
    "  source    TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS programs (\n"
    "  id        INTEGER PRIMARY KEY,\n"
    "  sha256    TEXT NOT NULL UNIQUE,\n"
    "  policy    INTEGER NOT NULL REFERENCES policies (id),\n"
    "  signed_by TEXT\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS data (\n"
    "  id      INTEGER PRIMARY KEY,\n"
    "  sha256  TEXT NOT NULL UNIQUE,\n"
    "  policy  INTEGER NOT NULL REFERENCES policies (id),\n"
    "  tables  TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS decisions (\n"
    "  seq         INTEGER PRIMARY KEY,\n"
    "  app_id      TEXT,\n"
    "  policy      INTEGER NOT NULL REFERENCES policies (id),\n"
    "  data        INTEGER REFERENCES data (id),\n"
    "  program     INTEGER NOT NULL REFERENCES programs (id),\n"
    "  as_of       TEXT NOT NULL,\n"
    "  decided_by  TEXT NOT NULL,\n"
    "  outcome     TEXT NOT NULL,\n"
    "  reasons     TEXT NOT NULL,\n"
    "  fired       TEXT NOT NULL,\n"
    "  results     TEXT NOT NULL,\n"
    "  application TEXT,\n"
    "  created_at  TEXT NOT NULL,\n"
    "  supersedes  INTEGER,\n"
    "  input_hash  INTEGER NOT NULL,\n"
    "  prev_hash   BLOB NOT NULL,\n"
    "  row_hash    BLOB NOT NULL\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS decisions_app ON decisions (app_id, as_of, input_hash);\n"
    "CREATE TABLE IF NOT EXISTS checkpoints (\n"
    "  seq        INTEGER PRIMARY KEY,\n"
    "  rows       INTEGER NOT NULL,\n"
    "  head       BLOB NOT NULL,\n"
    "  signer     BLOB NOT NULL,\n"
    "  signature  BLOB NOT NULL,\n"
    "  created_at TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS runs (\n"
    "  id            INTEGER PRIMARY KEY,\n"
    "  started       TEXT NOT NULL,\n"
    "  as_of         TEXT NOT NULL,\n"
    "  policy_file   TEXT NOT NULL,\n"
    "  policy_sha256 TEXT NOT NULL,\n"
    "  data_sha256   TEXT,\n"
    "  input         TEXT NOT NULL,\n"
    "  input_sha256  TEXT,\n"
    "  finished      TEXT\n"
    ");\n"
    "CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions\n"
    "  BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;\n"
    "CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions\n"
    "  BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;\n"
    "CREATE TRIGGER IF NOT EXISTS checkpoints_no_update BEFORE UPDATE ON checkpoints\n"
    "  BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;\n"
    "CREATE TRIGGER IF NOT EXISTS checkpoints_no_delete BEFORE DELETE ON checkpoints\n"
    "  BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;\n";

/* Read-only, every schema's decisions in one shape (cr_dlog_db). */
static const char view_3_sql[] =
    "CREATE TEMP VIEW log_decisions AS SELECT d.seq AS seq, d.app_id AS app_id, p.sha256 AS policy_sha256,"
    " d.as_of AS as_of, d.application AS application, d.outcome AS outcome, d.reasons AS reasons,"
    " d.results AS results, d.fired AS fired, d.decided_by AS decided_by, d.created_at AS created_at,"
    " x.sha256 AS data_sha256, d.supersedes AS supersedes, g.sha256 AS program_sha256"
    " FROM main.decisions d LEFT JOIN main.policies p ON p.id = d.policy LEFT JOIN main.data x ON x.id = d.data"
    " LEFT JOIN main.programs g ON g.id = d.program;\n";
static const char view_2_sql[] =
    "CREATE TEMP VIEW log_decisions AS SELECT seq, app_id, policy_sha256, as_of, application, outcome, reasons,"
    " results, fired, decided_by, created_at, data_sha256, NULL AS supersedes, NULL AS program_sha256"
    " FROM main.decisions;\n";
/* Schema 1 has no data table and no data_sha256 column: no row of it has data. */
static const char view_1_sql[] =
    "CREATE TEMP VIEW log_decisions AS SELECT seq, app_id, policy_sha256, as_of, application, outcome, reasons,"
    " results, fired, decided_by, created_at, NULL AS data_sha256, NULL AS supersedes,"
    " NULL AS program_sha256 FROM main.decisions;\n"
    "CREATE TEMP TABLE data (sha256 TEXT PRIMARY KEY, policy_sha256 TEXT, tables TEXT);\n";

/* ---- errors and small functions ---------------------------------------------------- */

void cr_dlog_set_error(cr_dlog *l, const char *what)
{
    snprintf(l->err, sizeof l->err, "%s: %s", l->path, what);
}

/* The connection's last error, e.g. "database is locked"; for a file that
 * cannot be opened, the system's reason too, which SQLite leaves out. */
void cr_dlog_set_sqlite_error(cr_dlog *l)
{
    if (!l->db) {
        cr_dlog_set_error(l, "out of memory");
        return;
    }
    int sys = sqlite3_system_errno(l->db);
    if ((sqlite3_errcode(l->db) & 0xff) == SQLITE_CANTOPEN && sys) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s (%s)", sqlite3_errmsg(l->db), strerror(sys));
        cr_dlog_set_error(l, msg);
        return;
    }
    cr_dlog_set_error(l, sqlite3_errmsg(l->db));
}

const char *cr_dlog_errmsg(const cr_dlog *l) { return l->err; }
const char *cr_dlog_path(const cr_dlog *l) { return l->path; }
sqlite3 *cr_dlog_db(cr_dlog *l) { return l->db; }
int cr_dlog_schema(const cr_dlog *l) { return l->schema; }
const char *cr_dlog_id(const cr_dlog *l) { return l->id; }
uint32_t cr_dlog_checkpoints(const cr_dlog *l) { return l->ncheckpoints; }

bool cr_dlog_keyed(const cr_dlog *l, char key_id[17])
{
    if (key_id)
        memcpy(key_id, l->key_id, sizeof l->key_id);
    return l->keyed;
}

bool cr_dlog_exec(cr_dlog *l, const char *sql)
{
    if (sqlite3_exec(l->db, sql, NULL, NULL, NULL) == SQLITE_OK)
        return true;
    cr_dlog_set_sqlite_error(l);
    return false;
}

/* Runs a statement that returns one integer (a PRAGMA or a count). */
bool cr_dlog_query_int(cr_dlog *l, const char *sql, int64_t *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK) {
        cr_dlog_set_sqlite_error(l);
        return false;
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        *out = 0;
    else
        cr_dlog_set_sqlite_error(l);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

bool cr_dlog_prepare(cr_dlog *l, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v3(l->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK)
        return true;
    cr_dlog_set_sqlite_error(l);
    return false;
}

void cr_dlog_now(char out[64])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

/* ---- opening ----------------------------------------------------------------------- */

/* Is the file what we expect?  Checked before anything is written, so a
 * database of another program is never touched (not even switched to WAL). */
static bool check_identity(cr_dlog *l, bool *empty)
{
    int64_t objects, app_id, version, tables;
    if (!cr_dlog_query_int(l, "SELECT count(*) FROM sqlite_master", &objects) ||
        !cr_dlog_query_int(l, "PRAGMA application_id", &app_id) || !cr_dlog_query_int(l, "PRAGMA user_version", &version))
        return false;
    *empty = objects == 0 && app_id == 0;
    if (*empty)
        return true;
    if (app_id != DLOG_APPLICATION_ID) {
        cr_dlog_set_error(l, "not a credo decision log (an SQLite database of something else)");
        return false;
    }
    if (version > DLOG_SCHEMA) {
        char msg[128];
        snprintf(msg, sizeof msg, "decision log schema %lld is newer than this credo reads (%d)", (long long)version,
                 DLOG_SCHEMA);
        cr_dlog_set_error(l, msg);
        return false;
    }
    if (!cr_dlog_query_int(l,
                        "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                        " AND name IN ('policies', 'decisions')",
                        &tables))
        return false;
    if (tables != 2 || version < 1) {
        cr_dlog_set_error(l, "not a credo decision log (its tables are missing)");
        return false;
    }
    l->schema = (int)version;
    return true;
}

/* WAL: readers (credo audit) never block the writer; synchronous=FULL: a
 * committed batch survives a power cut, not only a crash (an fsync of the
 * WAL at each commit), unless the caller syncs (caller_syncs: NORMAL, and
 * the WAL is synced by cr_dlog_sync, dlog_sync.c).  A new log gets 16 KiB pages: a row is about 1 KB,
 * and bigger pages waste less at their ends and take fewer WAL frames
 * (measured: a third less time per row than 4 KiB pages).  The page size
 * must be set before the switch to WAL; on an existing log it is ignored. */
static bool set_write_pragmas(cr_dlog *l, bool empty, bool caller_syncs)
{
    if (empty && !cr_dlog_exec(l, "PRAGMA page_size = 16384"))
        return false;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(l->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK) {
        cr_dlog_set_sqlite_error(l);
        return false;
    }
    int rc = sqlite3_step(st);
    bool wal = rc == SQLITE_ROW && sqlite3_column_text(st, 0) &&
               strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
    if (rc != SQLITE_ROW)
        cr_dlog_set_sqlite_error(l);
    else if (!wal)
        cr_dlog_set_error(l, "cannot switch the database to WAL mode");
    sqlite3_finalize(st);
    return wal && cr_dlog_exec(l, caller_syncs ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL");
}

/* 32 random hex digits. */
static bool random_id(cr_dlog *l, char out[CR_DLOG_ID_LEN + 1])
{
    uint8_t b[CR_DLOG_ID_LEN / 2];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0 && errno != EINTR) {
            cr_dlog_set_error(l, strerror(errno));
            return false;
        }
        if (n > 0)
            got += (size_t)n;
    }
    cr_hex(b, sizeof b, out);
    return true;
}

/* The schema and the log's record, keyed when a key is given.  IMMEDIATE
 * and IF NOT EXISTS: two writers creating the same new file at once end up
 * with one schema and one record (the second then finds the first's key). */
static bool create_schema(cr_dlog *l, const cr_dlog_options *o)
{
    char pragmas[128], id[CR_DLOG_ID_LEN + 1], now[64], key_id[17];
    snprintf(pragmas, sizeof pragmas, "PRAGMA application_id = %d; PRAGMA user_version = %d;", DLOG_APPLICATION_ID,
             DLOG_SCHEMA);
    if (!random_id(l, id))
        return false;
    cr_dlog_now(now);
    if (o->key)
        cr_dlog_key_id(o->key, key_id);
    if (!cr_dlog_exec(l, "BEGIN IMMEDIATE"))
        return false;
    sqlite3_stmt *st = NULL;
    bool ok = cr_dlog_exec(l, schema_sql) && cr_dlog_exec(l, pragmas) &&
              sqlite3_prepare_v2(l->db,
                                 "INSERT INTO log (id, created, keyed, key_id) SELECT ?1, ?2, ?3, ?4"
                                 " WHERE NOT EXISTS (SELECT 1 FROM log)",
                                 -1, &st, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, o->key != NULL);
        sqlite3_bind_text(st, 4, o->key ? key_id : NULL, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    if (!ok)
        cr_dlog_set_sqlite_error(l);
    sqlite3_finalize(st);
    if (!ok || !cr_dlog_exec(l, "COMMIT")) {
        sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
        return false;
    }
    l->schema = DLOG_SCHEMA;
    return true;
}

/* The log's record: its id and whether it is keyed. */
static bool read_record(cr_dlog *l)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(l->db, "SELECT id, keyed, key_id FROM log", -1, &st, NULL) != SQLITE_OK) {
        /* a read of a log whose record table was dropped: verify says so */
        if (l->mode == CR_DLOG_READ)
            return true;
        cr_dlog_set_sqlite_error(l);
        return false;
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0), *kid = (const char *)sqlite3_column_text(st, 2);
        snprintf(l->id, sizeof l->id, "%s", id ? id : "");
        l->keyed = sqlite3_column_int(st, 1) != 0;
        snprintf(l->key_id, sizeof l->key_id, "%s", kid ? kid : "");
        l->has_record = true;
    } else if (rc != SQLITE_DONE) {
        cr_dlog_set_sqlite_error(l);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return false;
    if (!l->has_record && l->mode == CR_DLOG_APPEND) {
        cr_dlog_set_error(l, "the log's record (its id and key) is missing; run credo audit verify");
        return false;
    }
    return true;
}

/* Appending: the key given must be the log's. */
static bool check_key(cr_dlog *l)
{
    char msg[400];
    if (l->keyed && !l->have_key) {
        cr_dlog_set_error(l, "a keyed log (its rows are MACs): appending to it needs its key (--log-key KEYFILE)");
        return false;
    }
    if (!l->keyed && l->have_key) {
        cr_dlog_set_error(l, "a log without a key: a log is keyed from its first row or not at all; give a new log"
                          " file for a keyed log");
        return false;
    }
    if (l->keyed && strcmp(l->key_id, l->given_key_id) != 0) {
        snprintf(msg, sizeof msg, "wrong key: the log was written with key id %s, the key given has id %s", l->key_id,
                 l->given_key_id);
        cr_dlog_set_error(l, msg);
        return false;
    }
    return true;
}

static bool prepare_writes(cr_dlog *l)
{
    return cr_dlog_prepare(l,
                        "INSERT INTO decisions (seq, app_id, policy, data, as_of, decided_by, outcome, reasons, fired,"
                        " results, application, created_at, supersedes, input_hash, prev_hash, row_hash, program)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                        &l->insert) &&
           cr_dlog_prepare(l, "SELECT seq, row_hash FROM decisions ORDER BY seq DESC LIMIT 1", &l->tail) &&
           cr_dlog_prepare(l,
                        "SELECT seq, app_id, policy, decided_by, input_hash, data, application, results"
                        " FROM decisions WHERE app_id = ?1 AND as_of = ?2",
                        &l->probe_key) &&
           cr_dlog_prepare(l,
                        "SELECT seq, policy, decided_by, data, application, results FROM decisions"
                        " WHERE app_id IS NULL AND as_of = ?1 AND input_hash = ?2",
                        &l->probe_input) &&
           cr_dlog_prepare(l,
                        "INSERT INTO checkpoints (seq, rows, head, signer, signature, created_at)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        &l->cp_insert) &&
           cr_dlog_prepare(l, "SELECT coalesce(max(seq), 0) FROM checkpoints", &l->cp_last);
}

/* A read-only open of a missing file would fail with SQLite's vague
 * "unable to open database file"; say what is wrong instead. */
static bool check_file(cr_dlog *l)
{
    struct stat st;
    if (stat(l->path, &st) != 0) {
        if (errno != ENOENT || l->mode == CR_DLOG_READ) {
            cr_dlog_set_error(l, strerror(errno));
            return false;
        }
        return true;
    }
    if (S_ISDIR(st.st_mode)) {
        cr_dlog_set_error(l, "is a directory");
        return false;
    }
    return true;
}

static bool open_db(cr_dlog *l, const cr_dlog_options *o)
{
    if (!check_file(l))
        return false;
    /* NOMUTEX: a cr_dlog is used by one thread at a time (its transaction
     * state is not shared), so SQLite's own locking is only cost */
    int flags = SQLITE_OPEN_NOMUTEX |
                (l->mode == CR_DLOG_READ ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (sqlite3_open_v2(l->path, &l->db, flags, NULL) != SQLITE_OK) {
        cr_dlog_set_sqlite_error(l);
        return false;
    }
    sqlite3_busy_timeout(l->db, 5000);
    bool empty;
    if (!check_identity(l, &empty))
        return false;
    if (l->mode == CR_DLOG_READ) {
        if (empty) {
            cr_dlog_set_error(l, "not a credo decision log (an empty database)");
            return false;
        }
        if (l->schema == 3 && !read_record(l))
            return false;
        return cr_dlog_exec(l, l->schema == 3 ? view_3_sql : l->schema == 2 ? view_2_sql : view_1_sql);
    }
    if (!empty && l->schema < DLOG_SCHEMA) {
        char msg[300];
        snprintf(msg, sizeof msg,
                 "a decision log of schema %d: credo appends only to schema %d logs (keyed chains, checkpoints,"
                 " superseding rows); give a new log file (this one still verifies with credo audit)",
                 l->schema, DLOG_SCHEMA);
        cr_dlog_set_error(l, msg);
        return false;
    }
    if (!set_write_pragmas(l, empty, o->caller_syncs) || (empty && !create_schema(l, o)) || !read_record(l) ||
        !check_key(l) || (o->caller_syncs && !cr_dlog_open_wal(l)))
        return false;
    return prepare_writes(l);
}

cr_dlog *cr_dlog_open_with(const char *path, cr_dlog_mode mode, const cr_dlog_options *o, char *err, size_t errsz)
{
    static const cr_dlog_options none = {0};
    if (!o)
        o = &none;
    cr_dlog *l = calloc(1, sizeof *l);
    char *p = strdup(path);
    if (!l || !p) {
        snprintf(err, errsz, "%s: out of memory", path);
        free(l);
        free(p);
        return NULL;
    }
    l->path = p;
    l->mode = mode;
    l->wal_fd = -1;
    l->have_key = o->key != NULL;
    cr_dlog_mac_init(&l->mac, o->key ? o->key->bytes : NULL, o->key ? o->key->len : 0);
    if (o->key)
        cr_dlog_key_id(o->key, l->given_key_id);
    if (o->signer && mode == CR_DLOG_APPEND) {
        l->signing = true;
        l->signer = *o->signer;
    }
    l->checkpoint_every = o->checkpoint_every ? o->checkpoint_every : CR_DLOG_CHECKPOINT_EVERY;
    if (!open_db(l, o)) {
        snprintf(err, errsz, "%s", l->err);
        cr_dlog_close(l);
        return NULL;
    }
    return l;
}

cr_dlog *cr_dlog_open(const char *path, cr_dlog_mode mode, char *err, size_t errsz)
{
    return cr_dlog_open_with(path, mode, NULL, err, errsz);
}

void cr_dlog_close(cr_dlog *l)
{
    if (!l)
        return;
    sqlite3_stmt *st[] = {l->insert, l->tail, l->probe_key, l->probe_input, l->cp_insert, l->cp_last};
    for (size_t i = 0; i < sizeof st / sizeof st[0]; i++)
        sqlite3_finalize(st[i]);
    if (l->db && !sqlite3_get_autocommit(l->db))
        sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(l->db);
    if (l->wal_fd >= 0)
        close(l->wal_fd);
    memset(&l->signer, 0, sizeof l->signer);
    memset(&l->mac, 0, sizeof l->mac);   /* the key's inner and outer states */
    free(l->policies);
    free(l->data);
    free(l->programs);
    free(l->path);
    free(l);
}

/* ---- the data a policy read --------------------------------------------------------- */

/* Its reference tables, as the data table's `tables` text: a JSON list in
 * declaration order, [{"lookup":…,"from":"csv"|"sqlite","path":…,
 * ["table":…,]"key":…,"sha256":…}].  False when it has none. */
static bool data_tables(const cr_program *p, cr_buf *b)
{
    if (p->nlookups == 0)
        return false;
    cr_buf_puts(b, "[");
    for (uint32_t i = 0; i < p->nlookups; i++) {
        const cr_lookup_info *lk = &p->lookups[i];
        cr_buf_puts(b, i ? ",{\"lookup\":" : "{\"lookup\":");
        cr_buf_json_string(b, lk->name, strlen(lk->name));
        cr_buf_puts(b, lk->source == LOOKUP_SQLITE ? ",\"from\":\"sqlite\",\"path\":" : ",\"from\":\"csv\",\"path\":");
        cr_buf_json_string(b, lk->path, strlen(lk->path));
        if (lk->table) {
            cr_buf_puts(b, ",\"table\":");
            cr_buf_json_string(b, lk->table, strlen(lk->table));
        }
        cr_buf_puts(b, ",\"key\":");
        cr_buf_json_string(b, lk->key, strlen(lk->key));
        cr_buf_printf(b, ",\"sha256\":\"%s\"}", lk->sha256);
    }
    cr_buf_puts(b, "]");
    return true;
}

bool cr_dlog_data_sha256(const cr_program *p, char out[CR_DLOG_HASH_LEN + 1])
{
    cr_buf b = {0};
    out[0] = '\0';
    if (!data_tables(p, &b))
        return true;
    bool ok = !b.failed;
    if (ok)
        cr_sha256_hex_of(b.p, b.len, out);
    cr_buf_free(&b);
    return ok;
}

/* Remembers a stored policy's or data set's row id, so each append finds
 * it by a comparison of hashes, not a query. */
static bool remember(cr_dlog *l, dlog_ref **refs, size_t *n, const char *sha, int64_t id)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*refs)[i].sha, sha) == 0)
            return true;
    dlog_ref *p = realloc(*refs, (*n + 1) * sizeof *p);
    if (!p) {
        cr_dlog_set_error(l, "out of memory");
        return false;
    }
    *refs = p;
    snprintf(p[*n].sha, sizeof p[*n].sha, "%s", sha);
    p[(*n)++].id = id;
    return true;
}

/* Inserts unless there, then reads the row's id: the statement is
 * "INSERT ... ON CONFLICT DO NOTHING" with the sha256 as ?1. */
static bool store(cr_dlog *l, sqlite3_stmt *ins, const char *table, const char *sha, int64_t *id)
{
    bool ok = sqlite3_step(ins) == SQLITE_DONE;
    if (!ok) {
        cr_dlog_set_sqlite_error(l);
        return false;
    }
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE sha256 = ?1", table);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK) {
        cr_dlog_set_sqlite_error(l);
        return false;
    }
    sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else
        cr_dlog_set_sqlite_error(l);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW;
}

static bool add_data(cr_dlog *l, const cr_program *p, int64_t policy_id)
{
    cr_buf b = {0};
    if (!data_tables(p, &b))
        return true;
    char sha[CR_DLOG_HASH_LEN + 1];
    sqlite3_stmt *st = NULL;
    int64_t id = 0;
    bool ok = !b.failed;
    if (!ok)
        cr_dlog_set_error(l, "out of memory");
    else if (sqlite3_prepare_v2(l->db,
                                "INSERT INTO data (sha256, policy, tables) VALUES (?1, ?2, ?3)"
                                " ON CONFLICT (sha256) DO NOTHING",
                                -1, &st, NULL) != SQLITE_OK)
        ok = false, cr_dlog_set_sqlite_error(l);
    if (ok) {
        cr_sha256_hex_of(b.p, b.len, sha);
        sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, policy_id);
        sqlite3_bind_text(st, 3, b.p, (int)b.len, SQLITE_STATIC);
        ok = store(l, st, "data", sha, &id) && remember(l, &l->data, &l->ndata, sha, id);
    }
    sqlite3_finalize(st);
    cr_buf_free(&b);
    return ok;
}

/* What runs, beside the source: the program's hash (cr_program_identity)
 * and the key id of the trusted signature it carried, if any. */
static bool add_program(cr_dlog *l, const cr_program *p, int64_t policy_id)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(l->db,
                           "INSERT INTO programs (sha256, policy, signed_by) VALUES (?1, ?2, ?3)"
                           " ON CONFLICT (sha256) DO NOTHING",
                           -1, &st, NULL) != SQLITE_OK) {
        cr_dlog_set_sqlite_error(l);
        return false;
    }
    sqlite3_bind_text(st, 1, p->program_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, policy_id);
    sqlite3_bind_text(st, 3, p->signed_by[0] ? p->signed_by : NULL, -1, SQLITE_STATIC);
    int64_t id = 0;
    bool ok = store(l, st, "programs", p->program_sha256, &id);
    sqlite3_finalize(st);
    return ok && remember(l, &l->programs, &l->nprograms, p->program_sha256, id);
}

bool cr_dlog_add_policy(cr_dlog *l, const cr_program *p)
{
    if (l->mode != CR_DLOG_APPEND) {
        cr_dlog_set_error(l, "opened read-only");
        return false;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(l->db,
                           "INSERT INTO policies (sha256, name, version, effective, owner, file, source)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (sha256) DO NOTHING",
                           -1, &st, NULL) != SQLITE_OK) {
        cr_dlog_set_sqlite_error(l);
        return false;
    }
    char effective[16];
    if (p->has_effective)
        cr_date_format(p->effective, effective);
    sqlite3_bind_text(st, 1, p->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->name ? p->name : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, p->version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, p->has_effective ? effective : NULL, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, p->owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, p->file ? p->file : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, p->src, (int)p->len, SQLITE_STATIC);
    int64_t id = 0;
    bool ok = store(l, st, "policies", p->sha256, &id);
    sqlite3_finalize(st);
    return ok && remember(l, &l->policies, &l->npolicies, p->sha256, id) && add_program(l, p, id) &&
           add_data(l, p, id);
}
