/* Unit tests for runtime/audit/decision_log.c: the hash chain, what verify
 * detects (an edited byte in any content column, a deleted row, two
 * swapped rows, an edited policy source), deduplication, reopening, a
 * batch lost to a crash, two writers taking turns, and files that are not
 * decision logs.  Each test works in its own temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sha2.h>
#include <sqlite3.h>

#include "lang/compile.h"
#include "runtime/audit/decision_log.h"

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

static cr_dlog *open_log(fx *f)
{
    char err[600] = "";
    cr_dlog *l = cr_dlog_open(f->path, CR_DLOG_APPEND, err, sizeof err);
    if (!l)
        fail_msg("%s", err);
    assert_true(cr_dlog_add_policy(l, f->p));
    return l;
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
        .policy_sha256 = p->sha256, .as_of = "2026-12-01",
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

static cr_dlog_verdict verify(fx *f)
{
    char err[600] = "";
    cr_dlog *l = cr_dlog_open(f->path, CR_DLOG_READ, err, sizeof err);
    if (!l)
        fail_msg("%s", err);
    cr_dlog_verdict v;
    bool ok = cr_dlog_verify(l, &v);
    if (!ok)
        fail_msg("%s", cr_dlog_errmsg(l));
    cr_dlog_close(l);
    return v;
}

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
    raw_exec(db, "DROP TRIGGER decisions_no_update; DROP TRIGGER decisions_no_delete");
}

static char *column_of(sqlite3 *db, const char *col, int seq, int *len)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT %s FROM decisions WHERE seq = %d", col, seq);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const char *v = (const char *)sqlite3_column_text(st, 0);
    *len = sqlite3_column_bytes(st, 0);
    char *copy = malloc((size_t)*len + 1);
    assert_non_null(copy);
    memcpy(copy, v, (size_t)*len + 1);
    sqlite3_finalize(st);
    return copy;
}

static void set_column(sqlite3 *db, const char *col, int seq, const char *v, int len)
{
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE decisions SET %s = ?1 WHERE seq = %d", col, seq);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, v, len, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_finalize(st);
}

/* ---- the chain --------------------------------------------------------------- */

static void test_chain(void **state)
{
    fx *f = *state;
    cr_dlog *l = open_log(f);
    app a[3];
    for (int i = 0; i < 3; i++) {
        make_app(&a[i], f->p, i + 1, "champion");
        assert_int_equal(cr_dlog_append(l, &a[i].e), 1);
    }
    assert_int_equal(cr_dlog_pending(l), 3);
    assert_true(cr_dlog_commit(l));
    assert_int_equal(cr_dlog_pending(l), 0);
    cr_dlog_close(l);

    /* each row: seq in order, prev_hash the row before, row_hash its contents */
    sqlite3 *db = raw(f);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT seq, app_id, created_at, prev_hash, row_hash FROM decisions"
                                        " ORDER BY seq",
                                        -1, &st, NULL),
                     SQLITE_OK);
    char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int64(st, 0), i + 1);
        assert_string_equal(sqlite3_column_text(st, 1), a[i].app_id);
        assert_string_equal(sqlite3_column_text(st, 3), prev);
        a[i].e.created_at = (const char *)sqlite3_column_text(st, 2);
        assert_int_equal(strlen(a[i].e.created_at), 24); /* 2026-11-23T10:15:02.123Z */
        char want[65];
        cr_dlog_row_hash(prev, &a[i].e, want);
        assert_string_equal(sqlite3_column_text(st, 4), want);
        memcpy(prev, want, sizeof prev);
    }
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);

    cr_dlog_verdict v = verify(f);
    assert_true(v.intact);
    assert_int_equal(v.rows, 3);
    assert_int_equal(v.head_seq, 3);
    assert_string_equal(v.head_hash, prev);
}

/* The documented encoding, computed here independently. */
static void put(SHA2_CTX *c, const char *s)
{
    uint64_t n = strlen(s);
    uint8_t be[8];
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(n >> (56 - 8 * i));
    SHA256Update(c, be, 8);
    SHA256Update(c, (const uint8_t *)s, n);
}

static void test_hash_encoding(void **state)
{
    fx *f = *state;
    app a;
    make_app(&a, f->p, 1, "champion");
    a.e.created_at = "2026-11-23T10:15:02.123Z";
    const char *prev = "0000000000000000000000000000000000000000000000000000000000000000";
    SHA2_CTX c;
    SHA256Init(&c);
    SHA256Update(&c, (const uint8_t *)"credo-decision-log-v1\n", 22);
    const char *fields[] = {prev, a.e.app_id, a.e.policy_sha256, a.e.as_of, a.e.application, a.e.outcome,
                            a.e.reasons, a.e.results, a.e.fired, a.e.decided_by, a.e.created_at};
    for (int i = 0; i < 11; i++)
        put(&c, fields[i]);
    char want[65];
    SHA256End(&c, want);
    char got[65];
    cr_dlog_row_hash(prev, &a.e, got);
    assert_string_equal(got, want);

    /* a byte moved from one field to the next changes the hash */
    cr_dlog_entry moved = a.e;
    moved.reasons = "[]{";
    moved.reasons_len = 3;
    moved.results = a.e.results + 1;
    moved.results_len = a.e.results_len - 1;
    char other[65];
    cr_dlog_row_hash(prev, &moved, other);
    assert_string_not_equal(got, other);
}

/* ---- what verify detects ----------------------------------------------------- */

/* An edit of one column of row 3 of 5: one byte flipped, or for the
 * columns with a fixed set of values, another allowed value. */
static void check_edit(fx *f, const char *col)
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
    else {
        /* the first byte of app_id: "A3" -> "@3", not "A2", which is taken */
        v[strcmp(col, "app_id") == 0 ? 0 : len / 2] ^= 1;
        set_column(db, col, 3, v, len);
    }
    sqlite3_close(db);
    cr_dlog_verdict r = verify(f);
    if (r.intact)
        fail_msg("an edit of %s was not detected", col);
    assert_int_equal(r.seq, 3);
    assert_int_equal(r.rows, 2);
    assert_non_null(strstr(r.what, "seq 3 ("));
    assert_non_null(strstr(r.what, "altered"));
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
    const char *cols[] = {"app_id", "policy_sha256", "as_of", "application", "outcome", "reasons",
                          "results", "fired", "decided_by", "created_at", "prev_hash", "row_hash"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        check_edit(f, cols[i]);
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
    char *msg = NULL;
    assert_int_not_equal(sqlite3_exec(db, "UPDATE decisions SET outcome = 'REJECT'", NULL, NULL, &msg), SQLITE_OK);
    assert_non_null(strstr(msg, "append-only"));
    sqlite3_free(msg);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM decisions", NULL, NULL, &msg), SQLITE_OK);
    assert_non_null(strstr(msg, "append-only"));
    sqlite3_free(msg);
    sqlite3_close(db);
    assert_true(verify(f).intact);
}

/* ---- deduplication, reopening, crashes, two writers -------------------------- */

static void test_dedup(void **state)
{
    fx *f = *state;
    cr_dlog *l = open_log(f);
    app a;
    make_app(&a, f->p, 1, "champion");
    assert_int_equal(cr_dlog_append(l, &a.e), 1);
    assert_int_equal(cr_dlog_append(l, &a.e), 0);      /* same batch */
    assert_int_equal(cr_dlog_pending(l), 1);
    a.e.decided_by = "shadow";
    assert_int_equal(cr_dlog_append(l, &a.e), 1);      /* another role */
    a.e.decided_by = "champion";
    a.e.as_of = "2026-12-02";
    assert_int_equal(cr_dlog_append(l, &a.e), 1);      /* another as-of date */
    assert_true(cr_dlog_commit(l));
    cr_dlog_close(l);

    l = open_log(f);                                    /* a second run */
    a.e.as_of = "2026-12-01";
    assert_int_equal(cr_dlog_append(l, &a.e), 0);
    app b;
    make_app(&b, f->p, 2, "champion");
    assert_int_equal(cr_dlog_append(l, &b.e), 1);
    assert_true(cr_dlog_commit(l));
    cr_dlog_close(l);

    cr_dlog_verdict v = verify(f);
    assert_true(v.intact);
    assert_int_equal(v.rows, 4);
}

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
    assert_string_equal(p3, h2);
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
    assert_int_equal(cr_dlog_append(l, &a.e), 1);
    cr_dlog_close(l);                                   /* no commit */
    assert_int_equal(verify(f).rows, 3);

    l = open_log(f);
    for (int i = 1; i <= 5; i++) {
        make_app(&a, f->p, i, "champion");
        assert_int_equal(cr_dlog_append(l, &a.e), i >= 4);
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
    static char big[20000];
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

/* ---- files that are not decision logs ---------------------------------------- */

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

    fp = fopen(f->path, "w");                           /* empty: fine to write, not to audit */
    assert_non_null(fp);
    fclose(fp);
    expect_refused(f->path, CR_DLOG_READ, "not a credo decision log");
    make_log(f, 1);
    assert_true(verify(f).intact);

    expect_refused(f->dir, CR_DLOG_APPEND, "is a directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_encoding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_edited_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_deleted_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_swapped_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_policy_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dedup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_continues_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uncommitted_batch_is_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_other_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
