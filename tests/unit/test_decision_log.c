/* Unit tests for runtime/audit/: the hash chain (its rule computed here
 * again, plain and keyed), what verify detects (an edited byte in any
 * column, a deleted, renumbered or swapped row, an edited policy source, a
 * wrong or missing key, a forged checkpoint, rows cut from the end against
 * an anchor), reruns skipped and changed decisions superseding, reopening,
 * a batch lost to a crash, two writers taking turns, the writer thread,
 * the runs table, older schemas and files that are not decision logs.
 * Each test works in its own temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "lang/compile.h"
#include "runtime/audit/decision_log.h"
#include "runtime/audit/dlog_writer.h"
#include "runtime/core/sha256.h"

static const char policy_src[] =
    "policy t version \"1.0\" effective 2026-12-01 owner \"risk\"\n"
    "input a {\n"
    "  app_id: text\n"
    "  age: int\n"
    "}\n"
    "admission {\n"
    "  reject AGE when age < 18\n"
    "}\n";

/* ---- fixtures ---------------------------------------------------------------- */

typedef struct fx {
    char dir[64];
    char path[96];
    cr_program *p;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    strcpy(f->dir, "/tmp/credo-dlog-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/d.db", f->dir);
    cr_diags d;
    cr_diags_init(&d, "t.credo", policy_src, strlen(policy_src));
    f->p = cr_compile("t.credo", policy_src, strlen(policy_src), &d);
    if (!f->p)
        cr_diags_print(&d, stderr);
    cr_diags_free(&d);
    assert_non_null(f->p);
    *state = f;
    return 0;
}

/* The database and its WAL files: a stale WAL left next to a new file of
 * the same name would be read as part of it. */
static void remove_db(fx *f)
{
    const char *suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[128];
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
        unlink(p);
    }
}

static int teardown(void **state)
{
    fx *f = *state;
    remove_db(f);
    rmdir(f->dir);
    cr_program_free(f->p);
    free(f);
    return 0;
}

static cr_dlog *open_with(fx *f, const cr_dlog_options *o)
{
    char err[600] = "";
    cr_dlog *l = cr_dlog_open_with(f->path, CR_DLOG_APPEND, o, err, sizeof err);
    if (!l)
        fail_msg("%s", err);
    assert_true(cr_dlog_add_policy(l, f->p));
    return l;
}

static cr_dlog *open_log(fx *f) { return open_with(f, NULL); }

/* A key of 32 bytes, all b. */
static cr_dlog_key key_of(uint8_t b)
{
    cr_dlog_key k = {.len = 32};
    memset(k.bytes, b, 32);
    return k;
}

/* Application number i, with its own texts. */
typedef struct app {
    char app_id[16], line[64], results[96];
    cr_dlog_entry e;
} app;

static void make_app(app *a, const cr_program *p, int i, const char *decided_by)
{
    snprintf(a->app_id, sizeof a->app_id, "A%d", i);
    snprintf(a->line, sizeof a->line, "{\"app_id\":\"A%d\",\"age\":%d}", i, 10 + i * 7);
    bool reject = 10 + i * 7 < 18;
    snprintf(a->results, sizeof a->results, "{\"app_id\":\"A%d\",\"decision\":\"%s\",\"reasons\":[%s]}", i,
             reject ? "REJECT" : "APPROVE", reject ? "\"AGE\"" : "");
    a->e = (cr_dlog_entry){
        .app_id = a->app_id, .app_id_len = strlen(a->app_id),
        .policy_sha256 = p->sha256, .program_sha256 = p->program_sha256, .as_of = "2026-12-01",
        .application = a->line, .application_len = strlen(a->line),
        .outcome = reject ? "REJECT" : "APPROVE",
        .reasons = reject ? "[\"AGE\"]" : "[]", .reasons_len = reject ? 7 : 2,
        .results = a->results, .results_len = strlen(a->results),
        .fired = reject ? "[\"AGE\"]" : "[]", .fired_len = reject ? 7 : 2,
        .decided_by = decided_by,
    };
}

/* Logs applications from..to (inclusive) in one batch. */
static void log_apps(cr_dlog *l, const cr_program *p, int from, int to)
{
    for (int i = from; i <= to; i++) {
        app a;
        make_app(&a, p, i, "champion");
        assert_int_equal(cr_dlog_append(l, &a.e), 1);
    }
    assert_true(cr_dlog_commit(l));
}

static void make_log(fx *f, int n)
{
    cr_dlog *l = open_log(f);
    log_apps(l, f->p, 1, n);
    cr_dlog_close(l);
}

static cr_dlog_verdict verify_with(fx *f, const cr_dlog_key *key, const cr_dlog_check *c)
{
    char err[600] = "";
    cr_dlog_options o = {.key = key};
    cr_dlog *l = cr_dlog_open_with(f->path, CR_DLOG_READ, &o, err, sizeof err);
    if (!l)
        fail_msg("%s", err);
    cr_dlog_verdict v;
    bool ok = cr_dlog_verify(l, c, &v);
    if (!ok)
        fail_msg("%s", cr_dlog_errmsg(l));
    cr_dlog_close(l);
    return v;
}

static cr_dlog_verdict verify(fx *f) { return verify_with(f, NULL, NULL); }

/* A plain connection, as someone with the sqlite3 tool would have. */
static sqlite3 *raw(fx *f)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
}

static void drop_triggers(sqlite3 *db)
{
    raw_exec(db, "DROP TRIGGER decisions_no_update; DROP TRIGGER decisions_no_delete;"
                 "DROP TRIGGER checkpoints_no_update; DROP TRIGGER checkpoints_no_delete");
}

static char *column_of(sqlite3 *db, const char *col, int seq, int *len)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT %s FROM decisions WHERE seq = %d", col, seq);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const char *v = (const char *)sqlite3_column_blob(st, 0);
    *len = sqlite3_column_bytes(st, 0);
    char *copy = malloc((size_t)*len + 1);
    assert_non_null(copy);
    if (*len)
        memcpy(copy, v, (size_t)*len);
    copy[*len] = '\0';
    sqlite3_finalize(st);
    return copy;
}

/* Sets a column, keeping its type (TEXT, BLOB or INTEGER as text). */
static void set_column(sqlite3 *db, const char *col, int seq, const char *v, int len)
{
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE decisions SET %s = CASE typeof(%s) WHEN 'blob' THEN CAST(?1 AS BLOB)"
             " WHEN 'integer' THEN CAST(?1 AS INTEGER) ELSE ?1 END WHERE seq = %d", col, col, seq);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, v, len, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_finalize(st);
}

/* ---- the rule, computed here again ------------------------------------------ */

/* The documented encoding: each field its length in 8 bytes big-endian,
 * then its bytes; NULL is all ones and no bytes. */
typedef struct hasher {
    bool keyed;
    cr_sha256_ctx sha;
    cr_hmac_sha256_ctx mac;
} hasher;

static void h_init(hasher *h, const cr_dlog_key *k, const char *domain)
{
    h->keyed = k != NULL;
    if (k) {
        cr_hmac_sha256_init(&h->mac, k->bytes, k->len);
        cr_hmac_sha256_update(&h->mac, domain, strlen(domain));
    } else {
        cr_sha256_init(&h->sha);
        cr_sha256_update(&h->sha, domain, strlen(domain));
    }
}

static void h_bytes(hasher *h, const void *p, size_t n)
{
    if (h->keyed)
        cr_hmac_sha256_update(&h->mac, p, n);
    else
        cr_sha256_update(&h->sha, p, n);
}

static void h_field(hasher *h, const void *p, size_t n)
{
    uint64_t len = p ? n : UINT64_MAX;
    uint8_t be[8];
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(len >> (56 - 8 * i));
    h_bytes(h, be, 8);
    if (p)
        h_bytes(h, p, n);
}

static void h_text(hasher *h, const char *s) { h_field(h, s, s ? strlen(s) : 0); }

static void h_end(hasher *h, uint8_t out[32])
{
    if (h->keyed)
        cr_hmac_sha256_final(&h->mac, out);
    else
        cr_sha256_final(&h->sha, out);
}

static void genesis(const cr_dlog_key *k, const char *log_id, uint8_t out[32])
{
    hasher h;
    h_init(&h, k, "credo-decision-log-v3 genesis\n");
    h_text(&h, log_id);
    h_end(&h, out);
}

/* row_hash of an entry logged without reference data, superseding none. */
static void row_hash(const cr_dlog_key *k, const uint8_t prev[32], const cr_dlog_entry *e, uint8_t out[32])
{
    hasher c;
    uint8_t content[32];
    h_init(&c, NULL, "credo-decision-content-v3\n");
    h_field(&c, NULL, 0);
    h_field(&c, e->application, e->application_len);
    h_field(&c, e->results, e->results_len);
    h_end(&c, content);
    hasher h;
    h_init(&h, k, "credo-decision-log-v3\n");
    h_field(&h, prev, 32);
    h_field(&h, e->app_id, e->app_id_len);
    h_text(&h, e->policy_sha256);
    h_text(&h, e->program_sha256);
    h_text(&h, e->as_of);
    h_text(&h, e->decided_by);
    h_text(&h, e->outcome);
    h_field(&h, e->reasons, e->reasons_len);
    h_field(&h, e->fired, e->fired_len);
    h_text(&h, e->created_at);
    h_field(&h, NULL, 0);
    h_field(&h, content, 32);
    h_end(&h, out);
}

static void log_id_of(sqlite3 *db, char out[33])
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT id FROM log", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(out, 33, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* Every row of the log at f has the row_hash the rule gives. */
static void check_rule(fx *f, const cr_dlog_key *k, app *a, int n)
{
    sqlite3 *db = raw(f);
    char id[33];
    log_id_of(db, id);
    uint8_t prev[32];
    genesis(k, id, prev);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT seq, app_id, created_at, prev_hash, row_hash FROM decisions"
                                        " ORDER BY seq",
                                        -1, &st, NULL),
                     SQLITE_OK);
    for (int i = 0; i < n; i++) {
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int64(st, 0), i + 1);
        assert_string_equal(sqlite3_column_text(st, 1), a[i].app_id);
        assert_int_equal(sqlite3_column_bytes(st, 3), 32);
        assert_memory_equal(sqlite3_column_blob(st, 3), prev, 32);
        a[i].e.created_at = (const char *)sqlite3_column_text(st, 2);
        assert_int_equal(strlen(a[i].e.created_at), 24); /* 2026-11-23T10:15:02.123Z */
        uint8_t want[32];
        row_hash(k, prev, &a[i].e, want);
        assert_int_equal(sqlite3_column_bytes(st, 4), 32);
        assert_memory_equal(sqlite3_column_blob(st, 4), want, 32);
        memcpy(prev, want, 32);
        a[i].e.created_at = NULL;
    }
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* ---- the chain --------------------------------------------------------------- */

static void test_chain(void **state)
{
    fx *f = *state;
    cr_dlog *l = open_log(f);
    app a[3];
    for (int i = 0; i < 3; i++) {
        make_app(&a[i], f->p, i + 1, "champion");
        assert_int_equal(cr_dlog_append(l, &a[i].e), CR_DLOG_ADDED);
    }
    assert_int_equal(cr_dlog_pending(l), 3);
    assert_true(cr_dlog_commit(l));
    assert_int_equal(cr_dlog_pending(l), 0);
    cr_dlog_close(l);
    check_rule(f, NULL, a, 3);
    cr_dlog_verdict v = verify(f);
    assert_true(v.intact);
    assert_int_equal(v.rows, 3);
    assert_int_equal(v.head_seq, 3);
    assert_int_equal(v.head.seq, 3);
    assert_int_equal(strlen(v.head.log_id), 32);
}

static void test_keyed_chain(void **state)
{
    fx *f = *state;
    cr_dlog_key k = key_of(7), other = key_of(8);
    cr_dlog_options o = {.key = &k};
    cr_dlog *l = open_with(f, &o);
    app a[3];
    for (int i = 0; i < 3; i++) {
        make_app(&a[i], f->p, i + 1, "champion");
        assert_int_equal(cr_dlog_append(l, &a[i].e), CR_DLOG_ADDED);
    }
    assert_true(cr_dlog_commit(l));
    char key_id[17], want_id[17];
    assert_true(cr_dlog_keyed(l, key_id));
    cr_dlog_key_id(&k, want_id);
    assert_string_equal(key_id, want_id);
    cr_dlog_close(l);
    check_rule(f, &k, a, 3);
    assert_true(verify_with(f, &k, NULL).intact);

    /* the log records the key's id, never the key */
    sqlite3 *db = raw(f);
    int n;
    char *stored = column_of(db, "row_hash", 1, &n);
    free(stored);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT keyed, key_id FROM log", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    assert_string_equal(sqlite3_column_text(st, 1), want_id);
    sqlite3_finalize(st);
    sqlite3_close(db);

    cr_dlog_verdict v = verify(f);
    assert_false(v.intact);
    assert_non_null(strstr(v.what, "a keyed log"));
    v = verify_with(f, &other, NULL);
    assert_false(v.intact);
    assert_non_null(strstr(v.what, "wrong key"));

    /* appending needs the same key */
    char err[600];
    assert_null(cr_dlog_open(f->path, CR_DLOG_APPEND, err, sizeof err));
    assert_non_null(strstr(err, "needs its key"));
    cr_dlog_options wrong = {.key = &other};
    assert_null(cr_dlog_open_with(f->path, CR_DLOG_APPEND, &wrong, err, sizeof err));
    assert_non_null(strstr(err, "wrong key"));
}

/* A plain log stays plain: a key given to it is refused, and verify
 * with a key fails (a keyed log stripped of its record would look so). */
static void test_key_for_plain_log(void **state)
{
    fx *f = *state;
    make_log(f, 2);
    cr_dlog_key k = key_of(7);
    cr_dlog_options o = {.key = &k};
    char err[600];
    assert_null(cr_dlog_open_with(f->path, CR_DLOG_APPEND, &o, err, sizeof err));
    assert_non_null(strstr(err, "keyed from its first row or not at all"));
    cr_dlog_verdict v = verify_with(f, &k, NULL);
    assert_false(v.intact);
    assert_non_null(strstr(v.what, "says it has no key"));
}

/* A byte moved from one field to the next changes the hash. */
static void test_hash_encoding(void **state)
{
    fx *f = *state;
    app a;
    make_app(&a, f->p, 1, "champion");
    a.e.created_at = "2026-11-23T10:15:02.123Z";
    uint8_t prev[32] = {0}, h1[32], h2[32];
    row_hash(NULL, prev, &a.e, h1);
    cr_dlog_entry moved = a.e;
    moved.reasons = "[]{";
    moved.reasons_len = 3;
    moved.fired = "]";
    moved.fired_len = 1;
    row_hash(NULL, prev, &moved, h2);
    assert_memory_not_equal(h1, h2, 32);
}

/* ---- what verify detects ----------------------------------------------------- */

/* An edit of one column of row 3 of 5: one byte flipped, or for the
 * columns with a fixed set of values, another allowed value. */
static void check_edit(fx *f, const char *col, const char *what)
{
    make_log(f, 5);
    sqlite3 *db = raw(f);
    drop_triggers(db);
    int len;
    char *v = column_of(db, col, 3, &len);
    if (strcmp(col, "outcome") == 0)
        set_column(db, col, 3, strcmp(v, "APPROVE") == 0 ? "REJECT" : "APPROVE", -1);
    else if (strcmp(col, "decided_by") == 0)
        set_column(db, col, 3, "shadow", -1);
    else if (strcmp(col, "supersedes") == 0)
        set_column(db, col, 3, "1", -1);
    else if (strcmp(col, "policy") == 0)
        set_column(db, col, 3, "99", -1);
    else if (strcmp(col, "input_hash") == 0)
        set_column(db, col, 3, "12345", -1);
    else {
        /* the first byte of app_id: "A3" -> "@3", not "A2", which is taken */
        v[strcmp(col, "app_id") == 0 ? 0 : len / 2] ^= 1;
        set_column(db, col, 3, v, len);
    }
    sqlite3_close(db);
    cr_dlog_verdict r = verify(f);
    if (r.intact)
        fail_msg("an edit of %s was not detected", col);
    if (r.seq != 3 || !strstr(r.what, "seq 3 (") || !strstr(r.what, what))
        fail_msg("an edit of %s: %s", col, r.what);
    assert_int_equal(r.rows, 2);
    if (strcmp(col, "app_id") == 0)
        assert_string_equal(r.app_id, v);   /* names the row as it now reads */
    else
        assert_string_equal(r.app_id, "A3");
    free(v);
    remove_db(f);
}

static void test_verify_edited_byte(void **state)
{
    fx *f = *state;
    const char *cols[] = {"app_id", "as_of", "application", "outcome", "reasons", "results", "fired",
                          "decided_by", "created_at", "supersedes", "prev_hash", "row_hash"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        check_edit(f, cols[i], "altered");
    check_edit(f, "input_hash", "altered: its input_hash");
    check_edit(f, "policy", "its policy is not in the policies table");
}

static void test_verify_deleted_row(void **state)
{
    fx *f = *state;
    make_log(f, 5);
    sqlite3 *db = raw(f);
    drop_triggers(db);
    raw_exec(db, "DELETE FROM decisions WHERE seq = 3");
    sqlite3_close(db);
    cr_dlog_verdict v = verify(f);
    assert_false(v.intact);
    assert_int_equal(v.seq, 3);
    assert_string_equal(v.what, "seq 3 missing: the next row is seq 4 (app_id A4)");

    /* renumbered: the row now at seq 3 does not link to seq 2 */
    db = raw(f);
    raw_exec(db, "UPDATE decisions SET seq = seq - 1 WHERE seq > 3");
    sqlite3_close(db);
    v = verify(f);
    assert_false(v.intact);
    assert_int_equal(v.seq, 3);
    assert_string_equal(v.app_id, "A4");
    assert_non_null(strstr(v.what, "seq 3 (app_id A4): out of order"));

    db = raw(f);
    raw_exec(db, "DELETE FROM decisions WHERE seq = 1");
    sqlite3_close(db);
    v = verify(f);
    assert_false(v.intact);
    assert_int_equal(v.seq, 1);
    assert_string_equal(v.what, "seq 1 missing: the next row is seq 2 (app_id A2)");
}

static void test_verify_swapped_rows(void **state)
{
    fx *f = *state;
    make_log(f, 5);
    sqlite3 *db = raw(f);
    drop_triggers(db);
    raw_exec(db, "UPDATE decisions SET seq = -1 WHERE seq = 2;"
                 "UPDATE decisions SET seq = 2 WHERE seq = 4;"
                 "UPDATE decisions SET seq = 4 WHERE seq = -1;");
    sqlite3_close(db);
    cr_dlog_verdict v = verify(f);
    assert_false(v.intact);
    assert_int_equal(v.seq, 2);
    assert_int_equal(v.rows, 1);
    assert_string_equal(v.app_id, "A4");
    assert_non_null(strstr(v.what, "seq 2 (app_id A4): out of order"));
}

static void test_verify_policy_source(void **state)
{
    fx *f = *state;
    make_log(f, 2);
    sqlite3 *db = raw(f);
    raw_exec(db, "UPDATE policies SET source = replace(source, 'age < 18', 'age < 21')");
    sqlite3_close(db);
    cr_dlog_verdict v = verify(f);
    assert_false(v.intact);
    assert_int_equal(v.seq, 0);
    assert_non_null(strstr(v.what, "its source does not hash to its sha256"));

    /* a decision whose policy is gone */
    db = raw(f);
    raw_exec(db, "DELETE FROM policies");
    sqlite3_close(db);
    v = verify(f);
    assert_false(v.intact);
    assert_int_equal(v.seq, 1);
    assert_non_null(strstr(v.what, "its policy is not in the policies table"));
}

static void test_append_only(void **state)
{
    fx *f = *state;
    make_log(f, 2);
    sqlite3 *db = raw(f);
    const char *sql[] = {"UPDATE decisions SET outcome = 'REJECT'", "DELETE FROM decisions",
                         "UPDATE checkpoints SET rows = 1", "DELETE FROM checkpoints"};
    for (int i = 0; i < 4; i++) {
        char *msg = NULL;
        raw_exec(db, "INSERT INTO checkpoints VALUES (1, 1, x'00', x'00', x'00', '')");
        assert_int_not_equal(sqlite3_exec(db, sql[i], NULL, NULL, &msg), SQLITE_OK);
        assert_non_null(strstr(msg, "append-only"));
        sqlite3_free(msg);
        raw_exec(db, "DROP TRIGGER checkpoints_no_delete; DELETE FROM checkpoints;"
                     "CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints"
                     " BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;");
    }
    sqlite3_close(db);
    assert_true(verify(f).intact);
}

/* ---- reruns and superseding decisions ------------------------------------------ */

static void test_rerun_and_supersede(void **state)
{
    fx *f = *state;
    cr_dlog *l = open_log(f);
    app a, b;
    make_app(&a, f->p, 1, "champion");
    assert_int_equal(cr_dlog_append(l, &a.e), CR_DLOG_ADDED);          /* seq 1 */
    assert_int_equal(cr_dlog_append(l, &a.e), CR_DLOG_SKIPPED);        /* the same, same batch */
    assert_int_equal(cr_dlog_last_seq(l), 1);
    assert_int_equal(cr_dlog_pending(l), 1);
    a.e.decided_by = "shadow";
    assert_int_equal(cr_dlog_append(l, &a.e), CR_DLOG_ADDED);          /* 2: another role */
    a.e.decided_by = "champion";
    a.e.as_of = "2026-12-02";
    assert_int_equal(cr_dlog_append(l, &a.e), CR_DLOG_ADDED);          /* 3: another as-of date */
    assert_int_equal(cr_dlog_last_superseded(l), 0);
    assert_true(cr_dlog_commit(l));
    cr_dlog_close(l);

    l = open_log(f);                                                    /* a second run */
    a.e.as_of = "2026-12-01";
    assert_int_equal(cr_dlog_append(l, &a.e), CR_DLOG_SKIPPED);
    /* the same app_id from another line: a new decision, superseding seq 1 */
    make_app(&b, f->p, 1, "champion");
    snprintf(b.line, sizeof b.line, "{\"app_id\":\"A1\",\"age\":40}");
    b.e.application_len = strlen(b.line);
    assert_int_equal(cr_dlog_append(l, &b.e), CR_DLOG_SUPERSEDED);     /* 4 */
    assert_int_equal(cr_dlog_last_seq(l), 4);
    assert_int_equal(cr_dlog_last_superseded(l), 1);
    assert_int_equal(cr_dlog_append(l, &b.e), CR_DLOG_SKIPPED);        /* the latest is b */
    /* back to the first line: it supersedes b, the latest */
    assert_int_equal(cr_dlog_append(l, &a.e), CR_DLOG_SUPERSEDED);     /* 5 */
    assert_int_equal(cr_dlog_last_superseded(l), 4);
    /* the same line, written otherwise (--explain): the line logged is the one written */
    a.e.results = "{\"app_id\":\"A1\",\"decision\":\"APPROVE\",\"reasons\":[],\"explain\":{}}";
    a.e.results_len = strlen(a.e.results);
    assert_int_equal(cr_dlog_append(l, &a.e), CR_DLOG_SUPERSEDED);     /* 6 */
    assert_int_equal(cr_dlog_last_superseded(l), 5);
    /* lines without an app_id: logged, a rerun of the same one skipped,
     * another one never superseding */
    cr_dlog_entry e = a.e;
    e.app_id = NULL;
    e.app_id_len = 0;
    e.application = "not json";
    e.application_len = 8;
    e.results = "{\"app_id\":null,\"line\":3,\"decision\":\"ERROR\",\"error\":\"json: byte 0\"}";
    e.results_len = strlen(e.results);
    e.outcome = "ERROR";
    assert_int_equal(cr_dlog_append(l, &e), CR_DLOG_ADDED);            /* 7 */
    assert_int_equal(cr_dlog_append(l, &e), CR_DLOG_SKIPPED);
    e.application = "not json either";
    e.application_len = 15;
    assert_int_equal(cr_dlog_append(l, &e), CR_DLOG_ADDED);            /* 8 */
    e.application = NULL;                                               /* longer than --max-line */
    e.application_len = 0;
    assert_int_equal(cr_dlog_append(l, &e), CR_DLOG_ADDED);            /* 9 */
    assert_int_equal(cr_dlog_append(l, &e), CR_DLOG_SKIPPED);
    assert_true(cr_dlog_commit(l));
    cr_dlog_close(l);

    cr_dlog_verdict v = verify(f);
    if (!v.intact)
        fail_msg("%s", v.what);
    assert_int_equal(v.rows, 9);
    sqlite3 *db = raw(f);
    int n;
    char *s = column_of(db, "supersedes", 6, &n);
    assert_string_equal(s, "5");
    free(s);
    /* a supersedes that names a row of another application is caught */
    drop_triggers(db);
    raw_exec(db, "UPDATE decisions SET supersedes = 2 WHERE seq = 4");
    sqlite3_close(db);
    v = verify(f);
    assert_false(v.intact);
    assert_int_equal(v.seq, 4);
}

/* ---- reopening, crashes, two writers ------------------------------------------- */

static void test_reopen_continues_chain(void **state)
{
    fx *f = *state;
    make_log(f, 2);
    cr_dlog *l = open_log(f);
    log_apps(l, f->p, 3, 4);
    cr_dlog_close(l);
    sqlite3 *db = raw(f);
    int n;
    char *h2 = column_of(db, "row_hash", 2, &n);
    char *p3 = column_of(db, "prev_hash", 3, &n);
    assert_memory_equal(p3, h2, 32);
    free(h2);
    free(p3);
    sqlite3_close(db);
    cr_dlog_verdict v = verify(f);
    assert_true(v.intact);
    assert_int_equal(v.rows, 4);
}

/* A batch never committed (a crash) leaves the committed prefix; the next
 * run chains to it and adds what is missing. */
static void test_uncommitted_batch_is_lost(void **state)
{
    fx *f = *state;
    cr_dlog *l = open_log(f);
    log_apps(l, f->p, 1, 3);
    app a;
    make_app(&a, f->p, 4, "champion");
    assert_int_equal(cr_dlog_append(l, &a.e), CR_DLOG_ADDED);
    cr_dlog_close(l);                                   /* no commit */
    assert_int_equal(verify(f).rows, 3);

    l = open_log(f);
    for (int i = 1; i <= 5; i++) {
        make_app(&a, f->p, i, "champion");
        assert_int_equal(cr_dlog_append(l, &a.e), i >= 4 ? CR_DLOG_ADDED : CR_DLOG_SKIPPED);
    }
    assert_true(cr_dlog_commit(l));
    cr_dlog_close(l);
    cr_dlog_verdict v = verify(f);
    assert_true(v.intact);
    assert_int_equal(v.rows, 5);
}

/* Each write transaction chains to the last row in the file, not to the
 * last row this writer saw. */
static void test_two_writers(void **state)
{
    fx *f = *state;
    cr_dlog *a = open_log(f), *b = open_log(f);
    log_apps(a, f->p, 1, 2);
    log_apps(b, f->p, 3, 4);
    log_apps(a, f->p, 5, 6);
    cr_dlog_close(a);
    cr_dlog_close(b);
    cr_dlog_verdict v = verify(f);
    assert_true(v.intact);
    assert_int_equal(v.rows, 6);
}

/* A full disk (here: a page limit) is an error naming the file; what was
 * committed stays a valid chain. */
static void test_disk_full(void **state)
{
    fx *f = *state;
    cr_dlog *l = open_log(f);
    log_apps(l, f->p, 1, 2);
    sqlite3 *db = cr_dlog_db(l);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %d", sqlite3_column_int(st, 0) + 2);
    sqlite3_finalize(st);
    raw_exec(db, sql);
    static char big[40000];
    memset(big, 'x', sizeof big);
    int rc = 1, i;
    for (i = 3; i < 50 && rc == 1; i++) {
        app a;
        make_app(&a, f->p, i, "champion");
        a.e.application = big;
        a.e.application_len = sizeof big;
        rc = cr_dlog_append(l, &a.e);
    }
    assert_int_equal(rc, -1);
    char want[160];
    snprintf(want, sizeof want, "%s: database or disk is full", f->path);
    assert_string_equal(cr_dlog_errmsg(l), want);
    cr_dlog_close(l);                                   /* rolls back the batch */
    cr_dlog_verdict v = verify(f);
    assert_true(v.intact);
    assert_int_equal(v.rows, 2);
}

/* ---- checkpoints and anchors ------------------------------------------------------ */

static cr_ed25519_key new_signer(void)
{
    cr_ed25519_key k;
    char err[100];
    assert_true(cr_ed25519_generate(&k, err, sizeof err));
    return k;
}

/* Five rows, committed one by one, with a checkpoint every two and at the
 * end: at seq 2, 4 and 5. */
static void make_signed_log(fx *f, const cr_dlog_key *key, const cr_ed25519_key *signer)
{
    cr_dlog_options o = {.key = key, .signer = signer, .checkpoint_every = 2};
    cr_dlog *l = open_with(f, &o);
    for (int i = 1; i <= 5; i++)
        log_apps(l, f->p, i, i);
    int64_t run;
    cr_dlog_run r = {.as_of = "2026-12-01", .policy_file = "/p", .policy_sha256 = f->p->sha256, .input = "-"};
    assert_true(cr_dlog_run_begin(l, &r, &run));
    assert_true(cr_dlog_run_finish(l, run));
    assert_int_equal(cr_dlog_checkpoints(l), 3);
    cr_dlog_close(l);
}

static void test_checkpoints(void **state)
{
    fx *f = *state;
    cr_ed25519_key k = new_signer(), other = new_signer();
    make_signed_log(f, NULL, &k);
    cr_dlog_check c = {.trust = k.pub};
    cr_dlog_verdict v = verify_with(f, NULL, &c);
    if (!v.intact)
        fail_msg("%s", v.what);
    assert_int_equal(v.checkpoints, 3);
    assert_int_equal(v.last_checkpoint, 5);
    c.trust = other.pub;
    v = verify_with(f, NULL, &c);
    assert_false(v.intact);
    assert_non_null(strstr(v.what, "checkpoint at seq 2: signed by another key"));

    /* a forged signature */
    sqlite3 *db = raw(f);
    drop_triggers(db);
    raw_exec(db, "UPDATE checkpoints SET signature = zeroblob(64) WHERE seq = 4");
    sqlite3_close(db);
    v = verify(f);
    assert_false(v.intact);
    assert_non_null(strstr(v.what, "checkpoint at seq 4: its signature does not verify"));

    /* checkpoints removed: --trust wants one */
    db = raw(f);
    raw_exec(db, "DELETE FROM checkpoints");
    sqlite3_close(db);
    c.trust = k.pub;
    v = verify_with(f, NULL, &c);
    assert_false(v.intact);
    assert_non_null(strstr(v.what, "no signed checkpoint"));
}

/* What credo serve needs of a long-lived connection: a batch that failed
 * is rolled back and the next chains to the last committed row; the head
 * is signed when it stops, once. */
static void test_rollback_and_sign_head(void **state)
{
    fx *f = *state;
    cr_ed25519_key k = new_signer();
    cr_dlog_options o = {.signer = &k, .checkpoint_every = 1000};
    cr_dlog *l = open_with(f, &o);
    log_apps(l, f->p, 1, 3);
    assert_int_equal(cr_dlog_checkpoints(l), 0);
    app a;
    make_app(&a, f->p, 4, "champion");
    assert_int_equal(cr_dlog_append(l, &a.e), CR_DLOG_ADDED);
    cr_dlog_rollback(l);
    assert_int_equal(cr_dlog_pending(l), 0);
    log_apps(l, f->p, 5, 5);
    assert_int_equal(cr_dlog_last_seq(l), 4);   /* chained after seq 3: the rolled-back row left no gap */
    assert_true(cr_dlog_sign_head(l));
    assert_int_equal(cr_dlog_checkpoints(l), 1);
    assert_true(cr_dlog_sign_head(l));           /* nothing new: no second checkpoint */
    assert_int_equal(cr_dlog_checkpoints(l), 1);
    cr_dlog_close(l);
    cr_dlog_check c = {.trust = k.pub};
    cr_dlog_verdict v = verify_with(f, NULL, &c);
    if (!v.intact)
        fail_msg("%s", v.what);
    assert_int_equal(v.rows, 4);
    assert_int_equal(v.checkpoints, 1);
    assert_int_equal(v.last_checkpoint, 4);
    sqlite3 *db = raw(f);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM decisions WHERE app_id = 'A4'", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* Rows cut from the end, with the checkpoint after the cut: only an
 * anchor shows it. */
static void test_anchor_truncation(void **state)
{
    fx *f = *state;
    cr_ed25519_key k = new_signer();
    make_signed_log(f, NULL, &k);
    cr_dlog_verdict v = verify(f);
    assert_true(v.intact);
    char text[1024];
    assert_true(cr_dlog_anchor_text(&v.head, &k, text, sizeof text));
    char path[128];
    snprintf(path, sizeof path, "%s/anchor", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    cr_dlog_anchor a;
    char err[300];
    assert_true(cr_dlog_anchor_read(path, &a, err, sizeof err));
    unlink(path);
    assert_true(a.is_signed);
    assert_int_equal(a.seq, 5);
    cr_dlog_check c = {.trust = k.pub, .anchor = &a};
    assert_true(verify_with(f, NULL, &c).intact);

    sqlite3 *db = raw(f);
    drop_triggers(db);
    raw_exec(db, "DELETE FROM decisions WHERE seq > 3; DELETE FROM checkpoints WHERE seq > 3");
    sqlite3_close(db);
    v = verify(f);
    assert_true(v.intact);                              /* without the anchor: a valid log */
    v = verify_with(f, NULL, &c);
    assert_false(v.intact);
    assert_int_equal(v.seq, 4);
    assert_string_equal(v.what, "truncated: the anchor names seq 5, the log ends at seq 3");

    /* an anchor that was altered, or names another log */
    a.seq = 3;
    v = verify_with(f, NULL, &c);
    assert_false(v.intact);
    assert_non_null(strstr(v.what, "the anchor: its signature does not verify"));
    a.is_signed = false;
    a.log_id[0] = a.log_id[0] == '0' ? '1' : '0';
    v = verify_with(f, NULL, &c);
    assert_false(v.intact);
    assert_non_null(strstr(v.what, "the anchor is of another log"));

    /* SEQ:HASH */
    assert_true(cr_dlog_anchor_parse_head("3:00000000000000000000000000000000000000000000000000000000000000ff", &a,
                                          err, sizeof err));
    c.anchor = &a;
    c.trust = NULL;
    v = verify_with(f, NULL, &c);
    assert_false(v.intact);
    assert_non_null(strstr(v.what, "the anchor's head (seq 3) is not this log's row_hash at seq 3"));
    assert_false(cr_dlog_anchor_parse_head("3:12", &a, err, sizeof err));
    assert_false(cr_dlog_anchor_parse_head("x:00", &a, err, sizeof err));
}

/* A keyed log rewritten by someone without the key: every hash from the
 * edited row on recomputed with plain SHA-256.  The row's MAC fails. */
static void test_keyed_rewrite(void **state)
{
    fx *f = *state;
    cr_dlog_key k = key_of(9);
    cr_dlog_options o = {.key = &k};
    cr_dlog *l = open_with(f, &o);
    app a[4];
    for (int i = 0; i < 4; i++) {
        make_app(&a[i], f->p, i + 1, "champion");
        assert_int_equal(cr_dlog_append(l, &a[i].e), CR_DLOG_ADDED);
    }
    assert_true(cr_dlog_commit(l));
    cr_dlog_close(l);
    sqlite3 *db = raw(f);
    drop_triggers(db);
    /* rows 2..4 rechained without the key, row 2's outcome changed */
    char id[33];
    log_id_of(db, id);
    int n;
    char *prev = column_of(db, "row_hash", 1, &n);
    uint8_t p[32];
    memcpy(p, prev, 32);
    free(prev);
    a[1].e.outcome = "REJECT";
    set_column(db, "outcome", 2, "REJECT", -1);
    for (int i = 1; i < 4; i++) {
        int m;
        char *created = column_of(db, "created_at", i + 1, &m);
        a[i].e.created_at = created;
        uint8_t h[32];
        row_hash(NULL, p, &a[i].e, h);
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(db, "UPDATE decisions SET prev_hash = ?1, row_hash = ?2 WHERE seq = ?3",
                                            -1, &st, NULL),
                         SQLITE_OK);
        sqlite3_bind_blob(st, 1, p, 32, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 2, h, 32, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 3, i + 1);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
        memcpy(p, h, 32);
        free(created);
    }
    sqlite3_close(db);
    cr_dlog_verdict v = verify_with(f, &k, NULL);
    assert_false(v.intact);
    assert_int_equal(v.seq, 2);
    assert_string_equal(v.app_id, "A2");
    assert_non_null(strstr(v.what, "seq 2 (app_id A2): altered"));
}

/* ---- the writer thread, the runs table ---------------------------------------------- */

typedef struct seen {
    int committed, appended;
    char bytes[64];
} seen;

static void on_appended(void *ctx, const cr_dlog_entry *e, int rc, int64_t seq, int64_t superseded)
{
    seen *s = ctx;
    (void)e, (void)superseded;
    assert_int_equal(rc, CR_DLOG_ADDED);
    assert_int_equal(seq, ++s->appended);
}

static bool on_committed(void *ctx, const char *bytes, size_t len, const char **why)
{
    seen *s = ctx;
    (void)why;
    char want[32];
    snprintf(want, sizeof want, "batch %d", ++s->committed);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(bytes, want, len);
    return true;
}

static void test_writer(void **state)
{
    fx *f = *state;
    cr_dlog *l = open_log(f);
    seen s = {0};
    cr_dlog_writer_calls calls = {.ctx = &s, .appended = on_appended, .committed = on_committed};
    char err[600];
    cr_dlog_writer *w = cr_dlog_writer_start(l, &calls, err, sizeof err);
    assert_non_null(w);
    for (int i = 1; i <= 1000; i++) {
        app a;
        make_app(&a, f->p, i, "champion");
        assert_true(cr_dlog_writer_add(w, &a.e));      /* copied: a goes out of scope */
        if (i % 300 == 0) {
            char b[32];
            snprintf(b, sizeof b, "batch %d", i / 300);
            assert_true(cr_dlog_writer_commit(w, b, strlen(b)));
        }
    }
    cr_dlog_writer_stats st;
    assert_true(cr_dlog_writer_stop(w, &st, err, sizeof err));
    assert_int_equal(s.committed, 3);
    assert_int_equal(st.added, 900);                  /* the last 100 were never committed */
    cr_dlog_close(l);
    cr_dlog_verdict v = verify(f);
    assert_true(v.intact);
    assert_int_equal(v.rows, 900);
}

static void test_runs(void **state)
{
    fx *f = *state;
    cr_dlog *l = open_log(f);
    int64_t run;
    cr_dlog_run r = {.as_of = "2026-12-01", .policy_file = "/p/t.credo", .policy_sha256 = f->p->sha256,
                     .input = "/p/apps.jsonl", .input_sha256 = "ab"};
    assert_true(cr_dlog_run_begin(l, &r, &run));
    cr_dlog_close(l);
    char as_of[16], sha[65], err[600];
    int64_t id = 0;
    assert_int_equal(cr_dlog_unfinished_run(f->path, "/p/t.credo", "/p/apps.jsonl", "ab", as_of, &id, sha, err,
                                            sizeof err),
                     1);
    assert_string_equal(as_of, "2026-12-01");
    assert_int_equal(id, run);
    assert_string_equal(sha, f->p->sha256);
    assert_int_equal(cr_dlog_unfinished_run(f->path, "/p/t.credo", "/p/apps.jsonl", "cd", as_of, &id, sha, err,
                                            sizeof err),
                     0);

    /* a second run of the same, killed too, then one that finishes: all done */
    l = open_log(f);
    int64_t run2;
    assert_true(cr_dlog_run_begin(l, &r, &run2));
    assert_true(cr_dlog_run_finish(l, run2));
    cr_dlog_close(l);
    assert_int_equal(cr_dlog_unfinished_run(f->path, "/p/t.credo", "/p/apps.jsonl", "ab", as_of, &id, sha, err,
                                            sizeof err),
                     0);
    assert_int_equal(cr_dlog_unfinished_run("/nonexistent/log.db", "/p", "/i", "ab", as_of, &id, sha, err,
                                            sizeof err),
                     0);
}

/* ---- keys, older schemas, files that are not decision logs ---------------------- */

static void test_key_files(void **state)
{
    fx *f = *state;
    char path[128], err[600];
    snprintf(path, sizeof path, "%s/k", f->dir);
    cr_dlog_key *k = malloc(sizeof *k);
    assert_non_null(k);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("secret-but-short", fp);
    fclose(fp);
    assert_false(cr_dlog_key_read(path, k, err, sizeof err));
    assert_non_null(strstr(err, "32 to 4096 bytes"));
    assert_null(strstr(err, "secret"));                 /* never quoted */
    fp = fopen(path, "w");
    for (int i = 0; i < 40; i++)
        fputc('a' + i % 26, fp);
    fclose(fp);
    assert_true(cr_dlog_key_read(path, k, err, sizeof err));
    assert_int_equal(k->len, 40);
    unlink(path);
    assert_false(cr_dlog_key_read(path, k, err, sizeof err));
    assert_non_null(strstr(err, "No such file"));
    free(k);
}

static void expect_refused(const char *path, cr_dlog_mode mode, const char *want)
{
    char err[600] = "";
    cr_dlog *l = cr_dlog_open(path, mode, err, sizeof err);
    if (l) {
        cr_dlog_close(l);
        fail_msg("%s was opened", path);
    }
    if (!strstr(err, want) || strncmp(err, path, strlen(path)) != 0)
        fail_msg("%s: expected '%s' in: %s", path, want, err);
}

static void test_refuses_other_files(void **state)
{
    fx *f = *state;
    expect_refused(f->path, CR_DLOG_READ, "No such file or directory");
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    fputs("{\"app_id\":\"A1\"}\nnot a database at all, but long enough to look at\n", fp);
    fclose(fp);
    expect_refused(f->path, CR_DLOG_APPEND, "file is not a database");
    expect_refused(f->path, CR_DLOG_READ, "file is not a database");
    remove_db(f);

    sqlite3 *db = raw(f);
    raw_exec(db, "CREATE TABLE customers (id INTEGER)");
    sqlite3_close(db);
    expect_refused(f->path, CR_DLOG_APPEND, "not a credo decision log");
    expect_refused(f->path, CR_DLOG_READ, "not a credo decision log");
    remove_db(f);

    /* a schema 2 log is read, not appended to */
    db = raw(f);
    raw_exec(db, "PRAGMA application_id = 1129464908; PRAGMA user_version = 2;"
                 "CREATE TABLE policies (sha256 TEXT PRIMARY KEY, name TEXT, version TEXT, effective TEXT,"
                 " owner TEXT, file TEXT, source TEXT);"
                 "CREATE TABLE data (sha256 TEXT PRIMARY KEY, policy_sha256 TEXT, tables TEXT);"
                 "CREATE TABLE decisions (seq INTEGER PRIMARY KEY, app_id TEXT, policy_sha256 TEXT, as_of TEXT,"
                 " application TEXT, outcome TEXT, reasons TEXT, results TEXT, fired TEXT, decided_by TEXT,"
                 " created_at TEXT, prev_hash TEXT, row_hash TEXT, data_sha256 TEXT)");
    sqlite3_close(db);
    expect_refused(f->path, CR_DLOG_APPEND, "a decision log of schema 2: credo appends only to schema 3 logs");
    assert_true(verify(f).intact);
    remove_db(f);

    fp = fopen(f->path, "w");                           /* empty: fine to write, not to audit */
    assert_non_null(fp);
    fclose(fp);
    expect_refused(f->path, CR_DLOG_READ, "not a credo decision log");
    make_log(f, 1);
    assert_true(verify(f).intact);

    expect_refused(f->dir, CR_DLOG_APPEND, "is a directory");
}

/* The connection's synchronous setting. */
static int64_t synchronous(cr_dlog *l)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(cr_dlog_db(l), "PRAGMA synchronous", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

typedef struct syncing {
    cr_dlog *l;
    _Atomic int stop;
    _Atomic int syncs, failures;
} syncing;

static void *sync_loop(void *arg)
{
    syncing *s = arg;
    char err[300];
    while (!s->stop) {
        if (cr_dlog_sync(s->l, err, sizeof err))
            s->syncs++;
        else
            s->failures++;
    }
    return NULL;
}

/* caller_syncs (credo serve): commits without an fsync (NORMAL, where a
 * plain log is FULL), and cr_dlog_sync on another thread, through the
 * WAL SQLite itself names: opened through a symbolic link, the WAL is
 * beside the log, not beside the link. */
static void test_caller_syncs(void **state)
{
    fx *f = *state;
    cr_dlog *l = open_log(f);
    assert_int_equal(synchronous(l), 2);
    cr_dlog_close(l);
    char link[sizeof f->path], real[sizeof f->path];
    snprintf(link, sizeof link, "%.60s/link.db", f->dir);
    memcpy(real, f->path, sizeof real);
    assert_int_equal(symlink(real, link), 0);
    memcpy(f->path, link, sizeof f->path);
    cr_dlog_options o = {.caller_syncs = true};
    l = open_with(f, &o);
    memcpy(f->path, real, sizeof f->path);
    assert_int_equal(synchronous(l), 1);
    syncing s = {.l = l};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, sync_loop, &s), 0);
    /* the syncer has run once before the commits begin, so it runs beside
     * them however busy the machine (else it may not be scheduled at all
     * before it is stopped) */
    while (s.syncs + s.failures == 0)
        sched_yield();
    for (int i = 0; i < 20; i++)
        log_apps(l, f->p, 1 + i * 5, 5 + i * 5);
    char err[300];
    assert_true(cr_dlog_sync(l, err, sizeof err));
    s.stop = 1;
    pthread_join(t, NULL);
    assert_int_equal(s.failures, 0);
    assert_true(s.syncs > 0);
    cr_dlog_close(l);
    unlink(link);
    cr_dlog_verdict v = verify(f);
    assert_true(v.intact);
    assert_int_equal(v.rows, 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyed_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_for_plain_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_encoding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_edited_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_deleted_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_swapped_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_policy_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rerun_and_supersede, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_continues_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uncommitted_batch_is_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anchor_truncation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyed_rewrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_and_sign_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_other_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_caller_syncs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
