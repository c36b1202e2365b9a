/* The decision log in SQLite: schema, appending, the hash chain and its
 * verification.  The schema and the row_hash encoding are described in
 * decision_log.h. */
#include "runtime/audit/decision_log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sha2.h>

#include "runtime/core/date.h"
#include "runtime/io/decision_json.h"

#define APPLICATION_ID 0x4352444C   /* "CRDL" in the file header */
#define SCHEMA_VERSION 2            /* 2 added the data table and decisions.data_sha256 */
#define HASH_DOMAIN "credo-decision-log-v1\n"

static const char zero_hash[CR_DLOG_HASH_LEN + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

#define DATA_TABLE_SQL                                              \
    "CREATE TABLE IF NOT EXISTS data (\n"                             \
    "  sha256        TEXT PRIMARY KEY NOT NULL,\n"                    \
    "  policy_sha256 TEXT NOT NULL REFERENCES policies (sha256),\n"   \
    "  tables        TEXT NOT NULL\n"                                 \
    ");\n"

static const char schema_sql[] =
    DATA_TABLE_SQL
    "CREATE TABLE IF NOT EXISTS policies (\n"
    "  sha256    TEXT PRIMARY KEY NOT NULL,\n"
    "  name      TEXT NOT NULL,\n"
    "  version   TEXT,\n"
    "  effective TEXT,\n"
    "  owner     TEXT,\n"
    "  file      TEXT NOT NULL,\n"
    "  source    TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS decisions (\n"
    "  seq           INTEGER PRIMARY KEY,\n"
    "  app_id        TEXT NOT NULL,\n"
    "  policy_sha256 TEXT NOT NULL REFERENCES policies (sha256),\n"
    "  as_of         TEXT NOT NULL,\n"
    "  application   TEXT NOT NULL,\n"
    "  outcome       TEXT NOT NULL CHECK (outcome IN ('APPROVE', 'REFER', 'REJECT', 'ERROR')),\n"
    "  reasons       TEXT NOT NULL,\n"
    "  results       TEXT NOT NULL,\n"
    "  fired         TEXT NOT NULL,\n"
    "  decided_by    TEXT NOT NULL CHECK (decided_by IN ('champion', 'challenger', 'shadow')),\n"
    "  created_at    TEXT NOT NULL,\n"
    "  prev_hash     TEXT NOT NULL,\n"
    "  row_hash      TEXT NOT NULL,\n"
    "  data_sha256   TEXT REFERENCES data (sha256),\n"
    "  UNIQUE (app_id, policy_sha256, as_of, decided_by)\n"
    ");\n"
    "CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions\n"
    "  BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;\n"
    "CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions\n"
    "  BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;\n";

/* A schema 1 log (before reference tables were recorded) gains the
 * column and the table when credo appends to it; its rows keep their
 * hashes (a row without data_sha256 hashes as it always did). */
static const char upgrade_1_sql[] =
    "ALTER TABLE decisions ADD COLUMN data_sha256 TEXT REFERENCES data (sha256);\n"
    DATA_TABLE_SQL
    "PRAGMA user_version = 2;\n";

/* Read-only, a schema 1 log is read through temporary objects of the same
 * shape: no row of it has data. */
static const char view_1_sql[] =
    "CREATE TEMP VIEW decisions AS SELECT *, NULL AS data_sha256 FROM main.decisions;\n"
    "CREATE TEMP TABLE data (sha256 TEXT PRIMARY KEY, policy_sha256 TEXT, tables TEXT);\n";

static const char data_sql[] =
    "INSERT INTO data (sha256, policy_sha256, tables) VALUES (?1, ?2, ?3) ON CONFLICT (sha256) DO NOTHING";

static const char insert_sql[] =
    "INSERT INTO decisions (seq, app_id, policy_sha256, as_of, application, outcome, reasons,"
    " results, fired, decided_by, created_at, prev_hash, row_hash, data_sha256)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
    " ON CONFLICT (app_id, policy_sha256, as_of, decided_by) DO NOTHING";

static const char logged_sql[] =
    "SELECT application, data_sha256 FROM decisions"
    " WHERE app_id = ?1 AND policy_sha256 = ?2 AND as_of = ?3 AND decided_by = ?4";

static const char tail_sql[] = "SELECT seq, row_hash FROM decisions ORDER BY seq DESC LIMIT 1";

static const char policy_sql[] =
    "INSERT INTO policies (sha256, name, version, effective, owner, file, source)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (sha256) DO NOTHING";

struct cr_dlog {
    sqlite3 *db;
    char *path;
    cr_dlog_mode mode;
    sqlite3_stmt *insert, *tail, *logged;
    bool in_txn;                      /* a write transaction of ours is open */
    uint32_t pending;                 /* rows added in it */
    int64_t tail_seq;                 /* the last row, committed or ours */
    char tail_hash[CR_DLOG_HASH_LEN + 1];
    char err[512];
};

/* ---- errors ------------------------------------------------------------------ */

static void set_error(cr_dlog *l, const char *what)
{
    snprintf(l->err, sizeof l->err, "%s: %s", l->path, what);
}

/* The connection's last error, e.g. "database is locked"; for a file that
 * cannot be opened, the system's reason too, which SQLite leaves out. */
static void set_sqlite_error(cr_dlog *l)
{
    if (!l->db) {
        set_error(l, "out of memory");
        return;
    }
    int sys = sqlite3_system_errno(l->db);
    if ((sqlite3_errcode(l->db) & 0xff) == SQLITE_CANTOPEN && sys) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s (%s)", sqlite3_errmsg(l->db), strerror(sys));
        set_error(l, msg);
        return;
    }
    set_error(l, sqlite3_errmsg(l->db));
}

const char *cr_dlog_errmsg(const cr_dlog *l) { return l->err; }
const char *cr_dlog_path(const cr_dlog *l) { return l->path; }
sqlite3 *cr_dlog_db(cr_dlog *l) { return l->db; }

static bool exec(cr_dlog *l, const char *sql)
{
    if (sqlite3_exec(l->db, sql, NULL, NULL, NULL) == SQLITE_OK)
        return true;
    set_sqlite_error(l);
    return false;
}

/* Runs a statement that returns one integer (a PRAGMA or a count). */
static bool query_int(cr_dlog *l, const char *sql, int64_t *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK) {
        set_sqlite_error(l);
        return false;
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        *out = 0;
    else
        set_sqlite_error(l);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* ---- hashing ----------------------------------------------------------------- */

enum { F_PREV, F_APP_ID, F_POLICY, F_AS_OF, F_APPLICATION, F_OUTCOME, F_REASONS, F_RESULTS, F_FIRED,
       F_DECIDED_BY, F_CREATED_AT, F_DATA, NFIELDS };

typedef struct field {
    const void *p;                    /* NULL: an SQL NULL */
    size_t len;
} field;

static void put_field(SHA2_CTX *ctx, field f)
{
    uint64_t n = f.p ? (uint64_t)f.len : UINT64_MAX;
    uint8_t be[8];
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(n >> (56 - 8 * i));
    SHA256Update(ctx, be, sizeof be);
    if (f.p && f.len)
        SHA256Update(ctx, f.p, f.len);
}

/* SHA-256 of n bytes in lower-case hex (libmd): a stored policy source
 * or data set. */
static void sha256_hex(const void *p, size_t n, char out[CR_DLOG_HASH_LEN + 1])
{
    SHA256Data(n ? p : (const uint8_t *)"", n, out);
}

static void hash_fields(const field f[NFIELDS], char out[CR_DLOG_HASH_LEN + 1])
{
    SHA2_CTX ctx;
    SHA256Init(&ctx);
    SHA256Update(&ctx, (const uint8_t *)HASH_DOMAIN, strlen(HASH_DOMAIN));
    for (int i = 0; i < F_DATA; i++)
        put_field(&ctx, f[i]);
    if (f[F_DATA].p)
        put_field(&ctx, f[F_DATA]);   /* only a row decided with reference tables has it */
    SHA256End(&ctx, out);
}

static field text_field(const char *s) { return (field){s, s ? strlen(s) : 0}; }

void cr_dlog_row_hash(const char *prev_hash, const cr_dlog_entry *e, char out[CR_DLOG_HASH_LEN + 1])
{
    field f[NFIELDS];
    f[F_PREV] = text_field(prev_hash);
    f[F_APP_ID] = (field){e->app_id, e->app_id_len};
    f[F_POLICY] = text_field(e->policy_sha256);
    f[F_AS_OF] = text_field(e->as_of);
    f[F_APPLICATION] = (field){e->application, e->application_len};
    f[F_OUTCOME] = text_field(e->outcome);
    f[F_REASONS] = (field){e->reasons, e->reasons_len};
    f[F_RESULTS] = (field){e->results, e->results_len};
    f[F_FIRED] = (field){e->fired, e->fired_len};
    f[F_DECIDED_BY] = text_field(e->decided_by);
    f[F_CREATED_AT] = text_field(e->created_at);
    f[F_DATA] = text_field(e->data_sha256 && *e->data_sha256 ? e->data_sha256 : NULL);
    hash_fields(f, out);
}

/* ---- opening ----------------------------------------------------------------- */

/* Is the file what we expect?  Checked before anything is written, so a
 * database of another program is never touched (not even switched to WAL). */
static bool check_identity(cr_dlog *l, bool *empty)
{
    int64_t objects, app_id, version, tables;
    if (!query_int(l, "SELECT count(*) FROM sqlite_master", &objects) ||
        !query_int(l, "PRAGMA application_id", &app_id) || !query_int(l, "PRAGMA user_version", &version))
        return false;
    *empty = objects == 0 && app_id == 0;
    if (*empty)
        return true;
    if (app_id != APPLICATION_ID) {
        set_error(l, "not a credo decision log (an SQLite database of something else)");
        return false;
    }
    if (version > SCHEMA_VERSION) {
        char msg[128];
        snprintf(msg, sizeof msg, "decision log schema %lld is newer than this credo reads (%d)", (long long)version,
                 SCHEMA_VERSION);
        set_error(l, msg);
        return false;
    }
    if (!query_int(l,
                   "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                   " AND name IN ('policies', 'decisions')",
                   &tables))
        return false;
    if (tables != 2 || version < 1) {
        set_error(l, "not a credo decision log (its tables are missing)");
        return false;
    }
    return true;
}

static bool upgrade(cr_dlog *l)
{
    if (!exec(l, "BEGIN IMMEDIATE"))
        return false;
    int64_t version;
    /* another writer may have upgraded it meanwhile */
    if (!query_int(l, "PRAGMA user_version", &version) || (version < 2 && !exec(l, upgrade_1_sql)) ||
        !exec(l, "COMMIT")) {
        sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
        return false;
    }
    return true;
}

static bool create_schema(cr_dlog *l)
{
    char pragmas[128];
    snprintf(pragmas, sizeof pragmas, "PRAGMA application_id = %d; PRAGMA user_version = %d;", APPLICATION_ID,
             SCHEMA_VERSION);
    /* IMMEDIATE and IF NOT EXISTS: two writers creating the same new file
     * at once end up with one schema. */
    if (!exec(l, "BEGIN IMMEDIATE"))
        return false;
    if (!exec(l, schema_sql) || !exec(l, pragmas) || !exec(l, "COMMIT")) {
        sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
        return false;
    }
    return true;
}

/* WAL: readers (credo audit) never block the writer; synchronous=FULL: a
 * committed batch survives a power cut, not only a crash. */
static bool set_write_pragmas(cr_dlog *l)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(l->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK) {
        set_sqlite_error(l);
        return false;
    }
    int rc = sqlite3_step(st);
    bool wal = rc == SQLITE_ROW && sqlite3_column_text(st, 0) &&
               strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
    if (rc != SQLITE_ROW)
        set_sqlite_error(l);
    else if (!wal)
        set_error(l, "cannot switch the database to WAL mode");
    sqlite3_finalize(st);
    return wal && exec(l, "PRAGMA synchronous = FULL");
}

static bool prepare(cr_dlog *l, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v3(l->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK)
        return true;
    set_sqlite_error(l);
    return false;
}

/* A read-only open of a missing file would fail with SQLite's vague
 * "unable to open database file"; say what is wrong instead. */
static bool check_file(cr_dlog *l)
{
    struct stat st;
    if (stat(l->path, &st) != 0) {
        if (errno != ENOENT || l->mode == CR_DLOG_READ) {
            set_error(l, strerror(errno));
            return false;
        }
        return true;
    }
    if (S_ISDIR(st.st_mode)) {
        set_error(l, "is a directory");
        return false;
    }
    return true;
}

static bool open_db(cr_dlog *l)
{
    if (!check_file(l))
        return false;
    int flags = l->mode == CR_DLOG_READ ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(l->path, &l->db, flags, NULL) != SQLITE_OK) {
        set_sqlite_error(l);
        return false;
    }
    sqlite3_busy_timeout(l->db, 5000);
    bool empty;
    if (!check_identity(l, &empty))
        return false;
    if (empty && l->mode == CR_DLOG_READ) {
        set_error(l, "not a credo decision log (an empty database)");
        return false;
    }
    int64_t version = SCHEMA_VERSION;
    if (!empty && !query_int(l, "PRAGMA user_version", &version))
        return false;
    if (l->mode == CR_DLOG_READ)
        return version >= 2 || exec(l, view_1_sql);
    if (!set_write_pragmas(l))
        return false;
    if (empty && !create_schema(l))
        return false;
    if (!empty && version < 2 && !upgrade(l))
        return false;
    return prepare(l, insert_sql, &l->insert) && prepare(l, tail_sql, &l->tail) &&
           prepare(l, logged_sql, &l->logged);
}

cr_dlog *cr_dlog_open(const char *path, cr_dlog_mode mode, char *err, size_t errsz)
{
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
    if (!open_db(l)) {
        snprintf(err, errsz, "%s", l->err);
        cr_dlog_close(l);
        return NULL;
    }
    return l;
}

void cr_dlog_close(cr_dlog *l)
{
    if (!l)
        return;
    sqlite3_finalize(l->insert);
    sqlite3_finalize(l->tail);
    sqlite3_finalize(l->logged);
    if (l->db && !sqlite3_get_autocommit(l->db))
        sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(l->db);
    free(l->path);
    free(l);
}

/* ---- the data a policy read ----------------------------------------------------- */

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
        sha256_hex(b.p, b.len, out);
    cr_buf_free(&b);
    return ok;
}

static bool add_data(cr_dlog *l, const cr_program *p)
{
    cr_buf b = {0};
    if (!data_tables(p, &b))
        return true;
    char sha[CR_DLOG_HASH_LEN + 1];
    sqlite3_stmt *st = NULL;
    bool ok = !b.failed;
    if (!ok)
        set_error(l, "out of memory");
    else if (sqlite3_prepare_v2(l->db, data_sql, -1, &st, NULL) != SQLITE_OK)
        ok = false, set_sqlite_error(l);
    if (ok) {
        sha256_hex(b.p, b.len, sha);
        sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, p->sha256, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, b.p, (int)b.len, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
        if (!ok)
            set_sqlite_error(l);
    }
    sqlite3_finalize(st);
    cr_buf_free(&b);
    return ok;
}

/* ---- writing ----------------------------------------------------------------- */

bool cr_dlog_add_policy(cr_dlog *l, const cr_program *p)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(l->db, policy_sql, -1, &st, NULL) != SQLITE_OK) {
        set_sqlite_error(l);
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
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    if (!ok)
        set_sqlite_error(l);
    sqlite3_finalize(st);
    return ok && add_data(l, p);
}

/* Opens a write transaction and finds the row to chain to.  Read here,
 * inside the transaction, not once at open: another writer may have added
 * rows since. */
static bool begin(cr_dlog *l)
{
    if (!exec(l, "BEGIN IMMEDIATE"))
        return false;
    l->in_txn = true;
    l->pending = 0;
    l->tail_seq = 0;
    memcpy(l->tail_hash, zero_hash, sizeof zero_hash);
    int rc = sqlite3_step(l->tail);
    if (rc == SQLITE_ROW) {
        l->tail_seq = sqlite3_column_int64(l->tail, 0);
        const unsigned char *h = sqlite3_column_text(l->tail, 1);
        if (!h || sqlite3_column_bytes(l->tail, 1) != CR_DLOG_HASH_LEN) {
            char msg[160];
            snprintf(msg, sizeof msg, "the last row (seq %lld) has no valid row_hash; run credo audit verify",
                     (long long)l->tail_seq);
            set_error(l, msg);
            rc = SQLITE_ERROR;
        } else {
            memcpy(l->tail_hash, h, CR_DLOG_HASH_LEN + 1);
        }
    } else if (rc != SQLITE_DONE) {
        set_sqlite_error(l);
    }
    sqlite3_reset(l->tail);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return true;
    /* never chain to a guess */
    sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
    l->in_txn = false;
    return false;
}

/* After a failed statement SQLite may have rolled the transaction back
 * itself (a full disk, an I/O error); the next append must begin anew. */
static void forget_lost_txn(cr_dlog *l)
{
    if (sqlite3_get_autocommit(l->db)) {
        l->in_txn = false;
        l->pending = 0;
    }
}

/* Now, UTC, to the millisecond: 2026-11-23T10:15:02.123Z. */
static void now_iso(char out[64])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

static void bind_len(sqlite3_stmt *st, int i, const char *s, size_t n)
{
    sqlite3_bind_text64(st, i, s ? s : "", s ? n : 0, SQLITE_STATIC, SQLITE_UTF8);
}

/* For a row already logged: 0 when it was logged from the same
 * application line with the same reference data, 2 when not (the log
 * keeps the first), -1 on error. */
static int same_application(cr_dlog *l, const cr_dlog_entry *e)
{
    sqlite3_stmt *st = l->logged;
    bind_len(st, 1, e->app_id, e->app_id_len);
    bind_len(st, 2, e->policy_sha256, strlen(e->policy_sha256));
    bind_len(st, 3, e->as_of, strlen(e->as_of));
    bind_len(st, 4, e->decided_by, strlen(e->decided_by));
    int rc = sqlite3_step(st), same = -1;
    if (rc == SQLITE_ROW) {
        const void *p = sqlite3_column_blob(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        const char *data = (const char *)sqlite3_column_text(st, 1);
        bool same_data = data ? e->data_sha256 && strcmp(data, e->data_sha256) == 0 : !e->data_sha256 || !*e->data_sha256;
        same = n == e->application_len && (n == 0 || memcmp(p, e->application, n) == 0) && same_data ? 0 : 2;
    } else {
        set_sqlite_error(l);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return same;
}

int cr_dlog_append(cr_dlog *l, const cr_dlog_entry *entry)
{
    if (l->mode != CR_DLOG_APPEND) {
        set_error(l, "opened read-only");
        return -1;
    }
    if (!l->in_txn && !begin(l))
        return -1;
    cr_dlog_entry e = *entry;
    char created[64];
    if (!e.created_at) {
        now_iso(created);
        e.created_at = created;
    }
    char hash[CR_DLOG_HASH_LEN + 1];
    cr_dlog_row_hash(l->tail_hash, &e, hash);
    sqlite3_stmt *st = l->insert;
    sqlite3_bind_int64(st, 1, l->tail_seq + 1);
    bind_len(st, 2, e.app_id, e.app_id_len);
    bind_len(st, 3, e.policy_sha256, strlen(e.policy_sha256));
    bind_len(st, 4, e.as_of, strlen(e.as_of));
    bind_len(st, 5, e.application, e.application_len);
    bind_len(st, 6, e.outcome, strlen(e.outcome));
    bind_len(st, 7, e.reasons, e.reasons_len);
    bind_len(st, 8, e.results, e.results_len);
    bind_len(st, 9, e.fired, e.fired_len);
    bind_len(st, 10, e.decided_by, strlen(e.decided_by));
    bind_len(st, 11, e.created_at, strlen(e.created_at));
    bind_len(st, 12, l->tail_hash, CR_DLOG_HASH_LEN);
    bind_len(st, 13, hash, CR_DLOG_HASH_LEN);
    if (e.data_sha256 && *e.data_sha256)
        bind_len(st, 14, e.data_sha256, strlen(e.data_sha256));
    else
        sqlite3_bind_null(st, 14);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        set_sqlite_error(l);
    /* the bound texts belong to the caller: drop them before returning */
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        forget_lost_txn(l);
        return -1;
    }
    if (sqlite3_changes(l->db) == 0)
        return same_application(l, &e);  /* already logged: the chain does not move */
    l->tail_seq++;
    memcpy(l->tail_hash, hash, sizeof hash);
    l->pending++;
    return 1;
}

uint32_t cr_dlog_pending(const cr_dlog *l) { return l->pending; }

bool cr_dlog_commit(cr_dlog *l)
{
    if (!l->in_txn)
        return true;
    if (sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        set_sqlite_error(l);
        forget_lost_txn(l);
        return false;
    }
    l->in_txn = false;
    l->pending = 0;
    return true;
}

/* ---- verifying --------------------------------------------------------------- */

/* A column's bytes as a field (NULL stays NULL). */
static field column_field(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return (field){NULL, 0};
    const void *p = sqlite3_column_blob(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    return (field){p ? p : "", n};
}

/* An app_id fit for a message: printable ASCII, cut short. */
static void copy_app_id(char *dst, size_t dstsz, field f)
{
    size_t n = 0;
    const unsigned char *s = f.p;
    for (size_t i = 0; s && i < f.len && n + 1 < dstsz; i++)
        dst[n++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
    dst[n] = '\0';
}

static bool field_is(field f, const char *s)
{
    return f.p && f.len == strlen(s) && memcmp(f.p, s, f.len) == 0;
}

typedef struct policy_set {
    char (*sha)[CR_DLOG_HASH_LEN + 1];
    size_t n, cap;
    /* the data sets, each with the policy that read it */
    char (*data)[2][CR_DLOG_HASH_LEN + 1];
    size_t ndata, data_cap;
} policy_set;

/* Is f a stored data set read by policy `policy`? */
static bool data_known(const policy_set *ps, field f, field policy)
{
    for (size_t i = 0; i < ps->ndata; i++)
        if (field_is(f, ps->data[i][0]))
            return field_is(policy, ps->data[i][1]);
    return false;
}

static bool policy_known(const policy_set *ps, field f)
{
    for (size_t i = 0; i < ps->n; i++)
        if (field_is(f, ps->sha[i]))
            return true;
    return false;
}

static void verdict(cr_dlog_verdict *v, int64_t seq, const char *app_id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void verdict(cr_dlog_verdict *v, int64_t seq, const char *app_id, const char *fmt, ...)
{
    v->intact = false;
    v->seq = seq;
    snprintf(v->app_id, sizeof v->app_id, "%s", app_id);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->what, sizeof v->what, fmt, ap);
    va_end(ap);
}

/* Every stored source must hash to its key: a decision names its policy by
 * that hash, so an edited source would silently change what it names. */
static bool verify_policies(cr_dlog *l, cr_dlog_verdict *v, policy_set *ps)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(l->db, "SELECT sha256, source, name FROM policies ORDER BY rowid", -1, &st, NULL) !=
        SQLITE_OK) {
        set_sqlite_error(l);
        return false;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && v->intact) {
        field key = column_field(st, 0), src = column_field(st, 1);
        const unsigned char *name = sqlite3_column_text(st, 2);
        char shown[CR_DLOG_HASH_LEN + 1], hex[CR_DLOG_HASH_LEN + 1];
        copy_app_id(shown, sizeof shown, key);
        sha256_hex(src.p, src.p ? src.len : 0, hex);
        if (!src.p || !field_is(key, hex)) {
            verdict(v, 0, "", "policy %s (%s): altered: its source does not hash to its sha256", shown,
                    name ? (const char *)name : "?");
            break;
        }
        if (ps->n == ps->cap) {
            size_t cap = ps->cap ? ps->cap * 2 : 8;
            void *p = realloc(ps->sha, cap * sizeof *ps->sha);
            if (!p) {
                set_error(l, "out of memory");
                sqlite3_finalize(st);
                return false;
            }
            ps->sha = p;
            ps->cap = cap;
        }
        memcpy(ps->sha[ps->n++], hex, sizeof hex);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        set_sqlite_error(l);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* Every stored data set must hash to its key and belong to a stored
 * policy: a decision names the reference tables it read by that hash. */
static bool verify_data(cr_dlog *l, cr_dlog_verdict *v, policy_set *ps)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(l->db, "SELECT sha256, policy_sha256, tables FROM data ORDER BY rowid", -1, &st, NULL) !=
        SQLITE_OK) {
        set_sqlite_error(l);
        return false;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && v->intact) {
        field key = column_field(st, 0), policy = column_field(st, 1), tables = column_field(st, 2);
        char shown[CR_DLOG_HASH_LEN + 1], hex[CR_DLOG_HASH_LEN + 1];
        copy_app_id(shown, sizeof shown, key);
        sha256_hex(tables.p, tables.len, hex);
        if (!tables.p || !field_is(key, hex)) {
            verdict(v, 0, "", "data %s: altered: its tables do not hash to its sha256", shown);
            break;
        }
        if (!policy_known(ps, policy)) {
            verdict(v, 0, "", "data %s: its policy is not in the policies table", shown);
            break;
        }
        if (ps->ndata == ps->data_cap) {
            size_t cap = ps->data_cap ? ps->data_cap * 2 : 8;
            void *p = realloc(ps->data, cap * sizeof *ps->data);
            if (!p) {
                set_error(l, "out of memory");
                sqlite3_finalize(st);
                return false;
            }
            ps->data = p;
            ps->data_cap = cap;
        }
        memcpy(ps->data[ps->ndata][0], hex, sizeof hex);
        copy_app_id(ps->data[ps->ndata][1], CR_DLOG_HASH_LEN + 1, policy);
        ps->ndata++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        set_sqlite_error(l);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* One row against the chain so far; false with the verdict at a fault,
 * true with the row's hash in hash. */
static bool verify_row(sqlite3_stmt *st, int64_t expect_seq, const char *prev, const policy_set *ps,
                       cr_dlog_verdict *v, char hash[CR_DLOG_HASH_LEN + 1])
{
    int64_t seq = sqlite3_column_int64(st, 0);
    field f[NFIELDS];
    for (int i = F_APP_ID; i < NFIELDS; i++)
        f[i] = column_field(st, i);    /* columns 1..10 are app_id..created_at */
    f[F_PREV] = column_field(st, 11);
    field stored = column_field(st, 12);
    f[F_DATA] = column_field(st, 13);
    char app[sizeof v->app_id];
    copy_app_id(app, sizeof app, f[F_APP_ID]);
    if (seq > expect_seq) {
        if (seq == expect_seq + 1)
            verdict(v, expect_seq, app, "seq %lld missing: the next row is seq %lld (app_id %s)",
                    (long long)expect_seq, (long long)seq, app);
        else
            verdict(v, expect_seq, app, "seq %lld..%lld missing: the next row is seq %lld (app_id %s)",
                    (long long)expect_seq, (long long)seq - 1, (long long)seq, app);
        return false;
    }
    if (seq < expect_seq) {
        verdict(v, seq, app, "seq %lld (app_id %s): out of place: seq numbers start at 1", (long long)seq, app);
        return false;
    }
    hash_fields(f, hash);
    if (!field_is(stored, hash)) {
        verdict(v, seq, app, "seq %lld (app_id %s): altered: its contents do not match its row_hash", (long long)seq,
                app);
        return false;
    }
    if (!field_is(f[F_PREV], prev)) {
        verdict(v, seq, app,
                "seq %lld (app_id %s): out of order: its prev_hash is not the row_hash of seq %lld"
                " (rows moved or swapped, or seq %lld replaced)",
                (long long)seq, app, (long long)seq - 1, (long long)seq - 1);
        return false;
    }
    if (!policy_known(ps, f[F_POLICY])) {
        verdict(v, seq, app, "seq %lld (app_id %s): its policy is not in the policies table", (long long)seq, app);
        return false;
    }
    if (f[F_DATA].p && !data_known(ps, f[F_DATA], f[F_POLICY])) {
        verdict(v, seq, app, "seq %lld (app_id %s): its reference data is not in the data table, or not its policy's",
                (long long)seq, app);
        return false;
    }
    return true;
}

static bool verify_chain(cr_dlog *l, cr_dlog_verdict *v, const policy_set *ps)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(l->db,
                           "SELECT seq, app_id, policy_sha256, as_of, application, outcome, reasons, results,"
                           " fired, decided_by, created_at, prev_hash, row_hash, data_sha256"
                           " FROM decisions ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK) {
        set_sqlite_error(l);
        return false;
    }
    char prev[CR_DLOG_HASH_LEN + 1], hash[CR_DLOG_HASH_LEN + 1];
    memcpy(prev, zero_hash, sizeof prev);
    int64_t expect = 1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!verify_row(st, expect, prev, ps, v, hash))
            break;
        memcpy(prev, hash, sizeof prev);
        v->rows++;
        v->head_seq = expect++;
        memcpy(v->head_hash, prev, sizeof prev);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        set_sqlite_error(l);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

bool cr_dlog_verify(cr_dlog *l, cr_dlog_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->intact = true;
    memcpy(v->head_hash, zero_hash, sizeof zero_hash);
    /* One read transaction, so a writer going on meanwhile is not seen
     * halfway; inside our own open write transaction, that one serves. */
    bool own = sqlite3_get_autocommit(l->db) != 0;
    if (own && !exec(l, "BEGIN"))
        return false;
    policy_set ps = {0};
    bool ok = verify_policies(l, v, &ps) && (!v->intact || verify_data(l, v, &ps)) &&
              (!v->intact || verify_chain(l, v, &ps));
    free(ps.sha);
    free(ps.data);
    if (own)
        sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL);
    return ok;
}
