/* Unit tests for reference tables (`lookup`, lang/lookup.c): reading CSV
 * files (quotes, commas and line breaks inside quotes, CRLF, blank lines,
 * nothing trimmed, empty optional cells, every malformed record and cell
 * with its row and column, duplicate keys, missing columns and files) and
 * SQLite tables (missing tables and columns, NULLs, REAL and INTEGER
 * values read as their text), the language around them (t[key], t has
 * key, a row's fields carrying its null, guards) and LOOKUP/HAS at run
 * time, present and absent keys over many rows.
 *
 * Every test works in a fresh temporary folder holding the policy
 * ("t.credo", compiled under that folder's path so its lookups are found
 * beside it) and its data.  Policies are one source line per string
 * literal, so line:col in the expected messages can be counted. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "lang/compile.h"
#include "lang/lookup.h"
#include "runtime/core/date.h"
#include "runtime/io/decision_json.h"
#include "runtime/io/json_read.h"
#include "runtime/vm/vm.h"

/* ---- a temporary folder ------------------------------------------------------ */

typedef struct folder {
    char dir[64];
    char *files[16];
    int nfiles;
} folder;

static int folder_setup(void **state)
{
    folder *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/credo-lookup-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int folder_teardown(void **state)
{
    folder *f = *state;
    for (int i = 0; i < f->nfiles; i++) {
        unlink(f->files[i]);
        free(f->files[i]);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static char *path_in(folder *f, const char *name)
{
    size_t n = strlen(f->dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", f->dir, name);
    return p;
}

/* Remembers a file of the folder, to remove it at the end. */
static const char *track(folder *f, const char *name)
{
    for (int i = 0; i < f->nfiles; i++)
        if (strcmp(strrchr(f->files[i], '/') + 1, name) == 0)
            return f->files[i];
    assert_true(f->nfiles < 16);
    f->files[f->nfiles] = path_in(f, name);
    return f->files[f->nfiles++];
}

static void write_bytes(folder *f, const char *name, const char *bytes, size_t n)
{
    FILE *out = fopen(track(f, name), "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(bytes, 1, n, out), n);
    assert_int_equal(fclose(out), 0);
}

static void write_text(folder *f, const char *name, const char *text) { write_bytes(f, name, text, strlen(text)); }

/* A SQLite database made by running sql. */
static void write_db(folder *f, const char *name, const char *sql)
{
    const char *path = track(f, name);
    unlink(path);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s", err);
    sqlite3_close(db);
}

/* ---- compiling and deciding ---------------------------------------------------- */

typedef struct compiled {
    cr_program *p;
    cr_diags d;
    char *src;
} compiled;

/* Compiles src as FOLDER/t.credo; diagnostics stay in c->d. */
static void compile_in(folder *f, const char *src, compiled *c)
{
    char *file = path_in(f, "t.credo");
    c->src = strdup(src);
    assert_non_null(c->src);
    cr_diags_init(&c->d, file, c->src, strlen(src));
    c->p = cr_compile(file, c->src, strlen(src), &c->d);
    free(file);
}

static void compiled_free(compiled *c)
{
    cr_program_free(c->p);
    cr_diags_free(&c->d);
    free(c->src);
}

static void print_diags(const cr_diags *d)
{
    for (uint32_t i = 0; i < d->count; i++) {
        uint32_t l, col;
        cr_source_linecol(d->src, d->len, d->items[i].span.start, &l, &col);
        fprintf(stderr, "    %u:%u: %s\n", l, col, d->items[i].msg);
    }
}

/* A diagnostic of severity sev at line:col whose text is msg (exactly, or
 * containing it when `part`). */
static void expect_diag_sev(const cr_diags *d, cr_severity sev, uint32_t line, uint32_t col, const char *msg, bool part)
{
    for (uint32_t i = 0; i < d->count; i++) {
        const cr_diagnostic *g = &d->items[i];
        uint32_t l, c;
        cr_source_linecol(d->src, d->len, g->span.start, &l, &c);
        if (g->severity == sev && l == line && c == col && (part ? strstr(g->msg, msg) != NULL : strcmp(g->msg, msg) == 0))
            return;
    }
    fprintf(stderr, "  diagnostics were:\n");
    print_diags(d);
    fail_msg("missing at %u:%u: %s", line, col, msg);
}

static void expect_error(const cr_diags *d, uint32_t line, uint32_t col, const char *msg)
{
    expect_diag_sev(d, CR_SEV_ERROR, line, col, msg, false);
}

/* Compiles src, which must fail with exactly this one error. */
static void expect_only_error(folder *f, const char *src, uint32_t line, uint32_t col, const char *msg)
{
    compiled c;
    compile_in(f, src, &c);
    assert_null(c.p);
    expect_error(&c.d, line, col, msg);
    if (c.d.errors != 1) {
        print_diags(&c.d);
        fail_msg("%u errors, not 1", c.d.errors);
    }
    compiled_free(&c);
}

/* Compiles src, which must compile without an error. */
static cr_program *compile_ok(folder *f, const char *src)
{
    compiled c;
    compile_in(f, src, &c);
    if (!c.p || c.d.errors) {
        print_diags(&c.d);
        fail_msg("does not compile:\n%s", src);
    }
    cr_program *p = c.p;
    c.p = NULL;
    compiled_free(&c);
    return p;
}

/* The decision line `credo run` would write for json (no newline). */
static void decide(const cr_program *p, const char *json, char *out, size_t size)
{
    cr_session *s = cr_session_new(p, NULL);
    assert_non_null(s);
    assert_true(cr_date_parse("2026-12-01", 10, &s->today));
    cr_session_begin(s);
    size_t n = strlen(json);
    char *line = malloc(n ? n : 1); /* exactly the line: ASan sees a read past it */
    assert_non_null(line);
    memcpy(line, json, n);
    cr_json_limits jl = CR_JSON_LIMITS_DEFAULT;
    cr_json_result res;
    cr_buf b = {0};
    if (cr_json_read(p->input, line, n, &s->arena, &jl, s->slots, &res) != 0)
        cr_write_error(&b, res.app_id, res.app_id_len, 1, res.error);
    else if (!cr_session_run(s))
        cr_write_error(&b, res.app_id, res.app_id_len, 1, s->error);
    else
        cr_write_decision(&b, s, res.app_id, res.app_id_len, false);
    assert_non_null(b.p);
    size_t len = b.len && b.p[b.len - 1] == '\n' ? b.len - 1 : b.len;
    assert_true(len < size);
    memcpy(out, b.p, len);
    out[len] = '\0';
    cr_buf_free(&b);
    free(line);
    cr_session_free(s);
}

static void expect_decision(const cr_program *p, const char *json, const char *want)
{
    char got[2048];
    decide(p, json, got, sizeof got);
    if (strcmp(got, want) != 0)
        fail_msg("for %s\n  got  %s\n  want %s", json, got, want);
}

/* ---- CSV: what a well-formed file may hold ---------------------------------------- */

#define SECTORS_POLICY                                              \
    "policy t\n"                                                    \
    "input app { k: text }\n"                                       \
    "lookup sectors from csv \"sectors.csv\" key code {\n"          \
    "  name: text\n"                                                \
    "  cap: rate?\n"                                                \
    "  since: date?\n"                                              \
    "  open: bool?\n"                                               \
    "  staff: int?\n"                                               \
    "}\n"                                                           \
    "name = sectors[k].name\n"                                      \
    "cap = sectors[k].cap\n"                                        \
    "since = sectors[k].since\n"                                    \
    "open = sectors[k].open\n"                                      \
    "staff = sectors[k].staff\n"

static void test_csv_quotes_commas_newlines_crlf(void **state)
{
    folder *f = *state;
    /* a byte order mark, CRLF records, quoted commas, "" quotes, line
     * breaks (LF and CRLF) inside quotes, a last record with no newline */
    write_text(f, "sectors.csv",
               "\xEF\xBB\xBF" "code,name,cap,since,open,staff\r\n"
               "C39,\"Computers, communication and electronics\",0.50,2024-01-31,true,12\r\n"
               "C31,\"Ferrous \"\"steel\"\" smelting\",0.25,2023-12-01,FALSE,-3\r\n"
               "E47,\"Building\nconstruction\",0.250,2025-02-28,1,0\r\n"
               "L72,\"two\r\nlines\",\"1e-2\",\"2026-01-01\",0,\"7\"");
    cr_program *p = compile_ok(f, SECTORS_POLICY);
    assert_int_equal(p->nlookups, 1);
    assert_int_equal(p->lookups[0].nrows, 4);
    expect_decision(p, "{\"k\":\"C39\"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"name\":\"Computers, communication and "
                    "electronics\",\"cap\":0.50,\"since\":\"2024-01-31\",\"open\":true,\"staff\":12}");
    expect_decision(p, "{\"k\":\"C31\"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"name\":\"Ferrous \\\"steel\\\" "
                    "smelting\",\"cap\":0.25,\"since\":\"2023-12-01\",\"open\":false,\"staff\":-3}");
    expect_decision(p, "{\"k\":\"E47\"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"name\":\"Building\\nconstruction\","
                    "\"cap\":0.250,\"since\":\"2025-02-28\",\"open\":true,\"staff\":0}");
    expect_decision(p, "{\"k\":\"L72\"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"name\":\"two\\r\\nlines\","
                    "\"cap\":0.01,\"since\":\"2026-01-01\",\"open\":false,\"staff\":7}");
    cr_program_free(p);
}

static void test_csv_empty_optional_cells(void **state)
{
    folder *f = *state;
    /* empty cells, quoted or not, are null in optional columns; a blank
     * line is skipped; columns the policy does not declare are ignored */
    write_text(f, "sectors.csv",
               "code,unused,name,cap,since,open,staff\n"
               "K70,x,Real estate,,,\"\",\n"
               "\n"
               "C36,y,Automobiles,0.5,,,\n");
    cr_program *p = compile_ok(f, SECTORS_POLICY);
    assert_int_equal(p->lookups[0].nrows, 2);
    expect_decision(p, "{\"k\":\"K70\"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"name\":\"Real estate\",\"cap\":null,"
                    "\"since\":null,\"open\":null,\"staff\":null}");
    cr_program_free(p);
}

/* ---- CSV: every mistake, with its row and column ---------------------------------------- */

#define RATES_POLICY                                                \
    "policy t\n"                                                    \
    "input app { k: text }\n"                                       \
    "lookup rates from csv \"rates.csv\" key code {\n"              \
    "  rate: rate\n"                                                \
    "  note: text?\n"                                               \
    "}\n"                                                           \
    "r = rates[k].rate ?? 0\n"

static void rates_error(folder *f, const char *csv, uint32_t line, uint32_t col, const char *msg)
{
    write_text(f, "rates.csv", csv);
    expect_only_error(f, RATES_POLICY, line, col, msg);
}

static void test_csv_bad_number(void **state)
{
    folder *f = *state;
    /* row numbers count the header as row 1, as a spreadsheet shows them;
     * the error points at the column's declaration */
    rates_error(f, "code,rate,note\nA,0.10,ok\nB,\"1,5\",comma\n", 4, 3,
                "lookup rates: rates.csv row 3, column rate: not a rate");
    rates_error(f, "code,rate,note\nA, 0.10,\n", 4, 3,
                "lookup rates: rates.csv row 2, column rate: not a rate");
    rates_error(f, "code,rate,note\nA,0.1234567890123456789,\n", 4, 3,
                "lookup rates: rates.csv row 2, column rate: not a rate: "
                "more than 18 fractional digits");
    /* a record with a line break inside quotes is still one row */
    rates_error(f, "code,rate,note\nA,1,\"two\nlines\"\nB,NaN,\n", 4, 3,
                "lookup rates: rates.csv row 3, column rate: not a rate");
}

static void test_csv_empty_required_cell(void **state)
{
    folder *f = *state;
    rates_error(f, "code,rate,note\nA,,x\n", 4, 3,
                "lookup rates: rates.csv row 2, column rate: empty, but the column's type is rate; "
                "declare it rate? to allow empty cells");
}

static void test_csv_duplicate_key(void **state)
{
    folder *f = *state;
    rates_error(f, "code,rate,note\nA,1,\nB,2,\nA,3,\n", 3, 39,
                "lookup rates: rates.csv rows 2 and 4 have the same key");
    /* keys are exact: 'a' and 'A ' are other keys */
    write_text(f, "rates.csv", "code,rate,note\nA,1,\na,2,\nA ,3,\n");
    cr_program *p = compile_ok(f, RATES_POLICY);
    assert_int_equal(p->lookups[0].nrows, 3);
    cr_program_free(p);
}

static void test_csv_empty_key(void **state)
{
    folder *f = *state;
    rates_error(f, "code,rate,note\nA,1,\n,2,\n", 3, 39, "lookup rates: rates.csv row 3: the key code is empty");
}

static void test_csv_missing_column(void **state)
{
    folder *f = *state;
    rates_error(f, "code,note\nA,x\n", 4, 3, "lookup rates: rates.csv has no column 'rate'");
    rates_error(f, "id,rate,note\nA,1,x\n", 3, 39,
                "lookup rates: rates.csv has no column 'code' (the key)");
    /* names are exact: a header cell with a space is another name */
    rates_error(f, "code,rate ,note\nA,1,x\n", 4, 3,
                "lookup rates: rates.csv has no column 'rate'");
    rates_error(f, "code,rate,rate,note\nA,1,2,x\n", 4, 3, "lookup rates: rates.csv names column 'rate' 2 times");
}

static void test_csv_missing_file(void **state)
{
    folder *f = *state;
    compiled c;
    compile_in(f, RATES_POLICY, &c);
    assert_null(c.p);
    char want[256];
    snprintf(want, sizeof want, "lookup rates: cannot read %s/rates.csv: No such file or directory", f->dir);
    expect_error(&c.d, 3, 23, want);
    compiled_free(&c);
    rates_error(f, "", 3, 23, "lookup rates: rates.csv is empty: it needs a header row naming its columns");
}

static void test_csv_malformed_records(void **state)
{
    folder *f = *state;
    rates_error(f, "code,rate,note\nA,1,\"never closed\n", 3, 8,
                "lookup rates: rates.csv row 2, column note: a quoted field is not closed before the end of the file");
    rates_error(f, "code,rate,note\nA,1,say \"hi\"\n", 3, 8,
                "lookup rates: rates.csv row 2, column note: a quote inside a field that does not start with one "
                "(quote the whole field and write the quote as \"\")");
    rates_error(f, "code,rate,note\nA,1,\"hi\" there\n", 3, 8,
                "lookup rates: rates.csv row 2, column note: text after the closing quote (a quote inside a quoted "
                "field is written \"\")");
    rates_error(f, "code,rate,note\nA,1\n", 3, 8, "lookup rates: rates.csv row 2 has 2 fields; the header has 3");
    rates_error(f, "code,rate,note\nA,1,x,y\n", 3, 8, "lookup rates: rates.csv row 2 has 4 fields; the header has 3");
    rates_error(f, "code,\"rate\nA,1,x\n", 3, 8,
                "lookup rates: rates.csv row 1, field 2: a quoted field is not closed before the end of the file");
}

static void test_csv_line_ends_and_blank_lines(void **state)
{
    folder *f = *state;
    /* blank lines are skipped but counted: row numbers stay the ones a
     * spreadsheet shows; a CRLF is one line end, a lone CR one too */
    rates_error(f, "code,rate,note\n\nA,x,\n", 4, 3,
                "lookup rates: rates.csv row 3, column rate: not a rate");
    rates_error(f, "code,rate,note\r\n\r\n\r\nA,x,\r\n", 4, 3,
                "lookup rates: rates.csv row 4, column rate: not a rate");
    rates_error(f, "code,rate,note\rA,1,\r\rB,x,", 4, 3,
                "lookup rates: rates.csv row 4, column rate: not a rate");
    /* a line of spaces is not blank */
    rates_error(f, "code,rate,note\nA,1,\n \n", 3, 8, "lookup rates: rates.csv row 3 has 1 field; the header has 3");
    /* an empty last line, LF or CRLF */
    const char *ok[] = {"code,rate,note\nA,1,x\n\n", "code,rate,note\r\nA,1,x\r\n\r\n", "code,rate,note\nA,1,x\r"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        write_text(f, "rates.csv", ok[i]);
        cr_program *p = compile_ok(f, RATES_POLICY);
        assert_int_equal(p->lookups[0].nrows, 1);
        cr_program_free(p);
    }
    /* a last record without a line end, its last field empty */
    write_text(f, "sectors.csv", "code,name,cap,since,open,staff\nA,x,,,,1\nB,y,0.5,,,");
    cr_program *p = compile_ok(f, SECTORS_POLICY);
    assert_int_equal(p->lookups[0].nrows, 2);
    expect_decision(p, "{\"k\":\"B\"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"name\":\"y\",\"cap\":0.5,"
                    "\"since\":null,\"open\":null,\"staff\":null}");
    cr_program_free(p);
    rates_error(f, "code,rate,note\nA,1,x\nB,2", 3, 8, "lookup rates: rates.csv row 3 has 2 fields; the header has 3");
}

static void test_csv_nothing_trimmed(void **state)
{
    folder *f = *state;
    /* spaces and tabs are part of a field, also around quotes */
    rates_error(f, "code,rate,note\nA,\t0.1,\n", 4, 3,
                "lookup rates: rates.csv row 2, column rate: not a rate");
    rates_error(f, "code,rate,note\nA,0.1 ,\n", 4, 3,
                "lookup rates: rates.csv row 2, column rate: not a rate");
    rates_error(f, "code,rate,note\nA,\"0.1\" ,\n", 3, 8,
                "lookup rates: rates.csv row 2, column rate: text after the closing quote (a quote inside a quoted "
                "field is written \"\")");
    rates_error(f, "code,rate,note\nA, \"0.1\",\n", 3, 8,
                "lookup rates: rates.csv row 2, column rate: a quote inside a field that does not start with one "
                "(quote the whole field and write the quote as \"\")");
    write_text(f, "sectors.csv", "code,name,cap,since,open,staff\n  K70 ,\t Real estate  ,,,,\n");
    cr_program *p = compile_ok(f, SECTORS_POLICY);
    expect_decision(p, "{\"k\":\"  K70 \"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"name\":\"\\t Real estate  \",\"cap\":null,"
                    "\"since\":null,\"open\":null,\"staff\":null}");
    cr_program_free(p);
}

static void test_csv_malformed_where(void **state)
{
    folder *f = *state;
    /* the row counts blank lines and records, not the line breaks inside
     * quotes; past the header's columns the field is named by number */
    rates_error(f, "code,rate,note\n\nA,1,\"two\nlines\"\nB\"C,1,\n", 3, 8,
                "lookup rates: rates.csv row 4, column code: a quote inside a field that does not start with one "
                "(quote the whole field and write the quote as \"\")");
    rates_error(f, "code,rate,note\nA,1,\"open\nstill open\n", 3, 8,
                "lookup rates: rates.csv row 2, column note: a quoted field is not closed before the end of the file");
    rates_error(f, "code,rate,note\nA,1,x,\"y\"z\n", 3, 8,
                "lookup rates: rates.csv row 2, field 4: text after the closing quote (a quote inside a quoted field "
                "is written \"\")");
    rates_error(f, "code,rate,note\nA,1,x,\"y\n", 3, 8,
                "lookup rates: rates.csv row 2, field 4: a quoted field is not closed before the end of the file");
    rates_error(f, "code,ra\"te,note\nA,1,x\n", 3, 8,
                "lookup rates: rates.csv row 1, field 2: a quote inside a field that does not start with one "
                "(quote the whole field and write the quote as \"\")");
    /* the first mistake stops the reading: a bad cell before a malformed record */
    rates_error(f, "code,rate,note\nA,x,\nB,1,\"open\n", 4, 3,
                "lookup rates: rates.csv row 2, column rate: not a rate");
}

static void test_csv_cells_of_each_type(void **state)
{
    folder *f = *state;
    const char *head = "code,name,cap,since,open,staff\n";
    struct { const char *row; uint32_t line; const char *msg; } bad[] = {
        {"A,x,,2025-02-30,,\n", 6, "lookup sectors: sectors.csv row 2, column since: not a date (YYYY-MM-DD)"},
        {"A,x,,2025-2-3,,\n", 6, "lookup sectors: sectors.csv row 2, column since: not a date (YYYY-MM-DD)"},
        {"A,x,,,yes,\n", 7, "lookup sectors: sectors.csv row 2, column open: not a bool (true, false, 1 or 0)"},
        {"A,x,,,,1.0\n", 8, "lookup sectors: sectors.csv row 2, column staff: not an int"},
        {"A,x,,,,99999999999999999999\n", 8, "lookup sectors: sectors.csv row 2, column staff: not an int"},
        {"A,x,,,,+1\n", 8, "lookup sectors: sectors.csv row 2, column staff: not an int"},
        {"A,\xff\xfe,,,,\n", 4, "lookup sectors: sectors.csv row 2, column name: not valid UTF-8"},
        {"\xc3(,x,,,,\n", 3, "lookup sectors: sectors.csv row 2: the key is not valid UTF-8"},
    };
    char csv[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(csv, sizeof csv, "%s%s", head, bad[i].row);
        write_text(f, "sectors.csv", csv);
        expect_only_error(f, SECTORS_POLICY, bad[i].line, bad[i].line == 3 ? 43 : 3, bad[i].msg);
    }
    /* the extremes that are valid */
    write_text(f, "sectors.csv", "code,name,cap,since,open,staff\n"
                                 "A,,-0.000000000000000001,0001-01-01,True,-9223372036854775808\n"
                                 "B,,99999999999999999999.999999999999999999,9999-12-31,0,9223372036854775807\n");
    const char *src = "policy t\n"
                      "input app { k: text }\n"
                      "lookup sectors from csv \"sectors.csv\" key code {\n"
                      "  name: text?\n"
                      "  cap: rate\n"
                      "  since: date\n"
                      "  open: bool\n"
                      "  staff: int\n"
                      "}\n"
                      "row = sectors[k]\n";
    cr_program *p = compile_ok(f, src);
    expect_decision(p, "{\"k\":\"A\"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"row\":{\"name\":null,"
                    "\"cap\":-0.000000000000000001,\"since\":\"0001-01-01\",\"open\":true,\"staff\":-9223372036854775808}}");
    expect_decision(p, "{\"k\":\"B\"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"row\":{\"name\":null,"
                    "\"cap\":99999999999999999999.999999999999999999,\"since\":\"9999-12-31\",\"open\":false,"
                    "\"staff\":9223372036854775807}}");
    cr_program_free(p);
}

/* ---- SQLite ----------------------------------------------------------------------------- */

#define LISTS_POLICY                                                        \
    "policy t\n"                                                            \
    "input app { k: text }\n"                                               \
    "lookup listed from sqlite \"lists.db\" table blacklist key uscc {\n"   \
    "  reason: text\n"                                                      \
    "  listed_on: date?\n"                                                  \
    "  fine: money?\n"                                                      \
    "  strikes: int?\n"                                                     \
    "}\n"                                                                   \
    "on_list = listed has k\n"                                              \
    "reason = listed[k].reason\n"                                           \
    "since = listed[k].listed_on\n"                                         \
    "fine = listed[k].fine\n"                                               \
    "strikes = listed[k].strikes\n"

static void test_sqlite_values_and_nulls(void **state)
{
    folder *f = *state;
    /* NULLs in optional columns are null; a REAL is read as SQLite's text
     * for it (0.1 stays 0.1, never 0.1000000000000000055..., and 1250000.0
     * keeps its scale); an INTEGER
     * key is a text key; '' is an empty text, not NULL */
    write_db(f, "lists.db",
             "CREATE TABLE blacklist(uscc TEXT, reason TEXT, listed_on TEXT, fine REAL, strikes INTEGER, other BLOB);"
             "INSERT INTO blacklist VALUES('91310115MA1K4LXB2T', 'fictitious invoices', '2025-06-30', 0.1, 2, x'00');"
             "INSERT INTO blacklist VALUES('91440300MA5G8JRT0E', '', NULL, NULL, NULL, NULL);"
             "INSERT INTO blacklist VALUES(12345, 'numeric key', '2024-01-01', 1250000, 1, NULL);");
    cr_program *p = compile_ok(f, LISTS_POLICY);
    assert_int_equal(p->lookups[0].nrows, 3);
    assert_string_equal(p->lookups[0].table, "blacklist");
    expect_decision(p, "{\"k\":\"91310115MA1K4LXB2T\"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"on_list\":true,\"reason\":\"fictitious "
                    "invoices\",\"since\":\"2025-06-30\",\"fine\":0.1,\"strikes\":2}");
    expect_decision(p, "{\"k\":\"91440300MA5G8JRT0E\"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"on_list\":true,\"reason\":\"\","
                    "\"since\":null,\"fine\":null,\"strikes\":null}");
    expect_decision(p, "{\"k\":\"12345\"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"on_list\":true,\"reason\":\"numeric key\","
                    "\"since\":\"2024-01-01\",\"fine\":1250000.0,\"strikes\":1}");
    expect_decision(p, "{\"k\":\"nobody\"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"on_list\":false,\"reason\":null,"
                    "\"since\":null,\"fine\":null,\"strikes\":null}");
    cr_program_free(p);
}

static void test_sqlite_null_where_not_allowed(void **state)
{
    folder *f = *state;
    write_db(f, "lists.db",
             "CREATE TABLE blacklist(uscc TEXT, reason TEXT, listed_on TEXT, fine REAL, strikes INTEGER);"
             "INSERT INTO blacklist VALUES('A', 'ok', NULL, NULL, NULL);"
             "INSERT INTO blacklist VALUES('B', NULL, NULL, NULL, NULL);");
    expect_only_error(f, LISTS_POLICY, 4, 3,
                      "lookup listed: lists.db table blacklist row 2, column reason: NULL, but the column's "
                      "type is text; declare it text? to allow NULLs");
    write_db(f, "lists.db",
             "CREATE TABLE blacklist(uscc TEXT, reason TEXT, listed_on TEXT, fine REAL, strikes INTEGER);"
             "INSERT INTO blacklist VALUES(NULL, 'x', NULL, NULL, NULL);");
    expect_only_error(f, LISTS_POLICY, 3, 58, "lookup listed: lists.db table blacklist row 1: the key uscc is NULL");
    write_db(f, "lists.db",
             "CREATE TABLE blacklist(uscc TEXT, reason TEXT, listed_on TEXT, fine REAL, strikes INTEGER);"
             "INSERT INTO blacklist VALUES('A', 'x', NULL, NULL, 2.5);");
    expect_only_error(f, LISTS_POLICY, 7, 3,
                      "lookup listed: lists.db table blacklist row 1, column strikes: not an int");
    write_db(f, "lists.db",
             "CREATE TABLE blacklist(uscc TEXT, reason TEXT, listed_on TEXT, fine REAL, strikes INTEGER);"
             "INSERT INTO blacklist VALUES('A', 'x', NULL, NULL, NULL);"
             "INSERT INTO blacklist VALUES('A', 'y', NULL, NULL, NULL);");
    expect_only_error(f, LISTS_POLICY, 3, 58, "lookup listed: lists.db table blacklist rows 1 and 2 have the same key");
}

static void test_sqlite_missing_table_and_column(void **state)
{
    folder *f = *state;
    write_db(f, "lists.db", "CREATE TABLE other(uscc TEXT);");
    expect_only_error(f, LISTS_POLICY, 3, 44, "lookup listed: lists.db has no table blacklist");
    /* column names are SQLite's: any case */
    write_db(f, "lists.db", "CREATE TABLE blacklist(USCC TEXT, Reason TEXT, listed_on TEXT, fine REAL);");
    expect_only_error(f, LISTS_POLICY, 7, 3,
                      "lookup listed: lists.db table blacklist has no column 'strikes'");
}

static void test_sqlite_not_a_database(void **state)
{
    folder *f = *state;
    write_text(f, "lists.db", "this is not a database, it only has the name of one\n");
    compiled c;
    compile_in(f, LISTS_POLICY, &c);
    assert_null(c.p);
    char want[256];
    snprintf(want, sizeof want, "lookup listed: %s/lists.db is not a SQLite database it can read: file is not a database",
             f->dir);
    expect_error(&c.d, 3, 27, want);
    compiled_free(&c);
    unlink(track(f, "lists.db"));
    compile_in(f, LISTS_POLICY, &c);
    assert_null(c.p);
    snprintf(want, sizeof want, "lookup listed: cannot read %s/lists.db: No such file or directory", f->dir);
    expect_error(&c.d, 3, 27, want);
    compiled_free(&c);
}

/* ---- the language ---------------------------------------------------------------------------- */

static void test_sema_around_lookups(void **state)
{
    folder *f = *state;
    write_text(f, "rates.csv", "code,rate,note\nA,0.1,x\n");
    compiled c;
    compile_in(f,
               "policy t\n"
               "input app { k: text, n: int, o: text? }\n"
               "lookup rates from csv \"rates.csv\" key code {\n"
               "  rate: list of rate\n"
               "  code: text\n"
               "}\n"
               "lookup rates2 from csv \"rates.csv\" key code { rate: rate }\n"
               "a = rates2[n]\n"
               "b = rates2\n"
               "c = k has k\n"
               "d = rates2[o]\n"
               "e = rates2[k].rate > 0\n"
               "g = rates2[k].rate ?? 0\n"
               "h = if rates2[k] is not null then rates2[k].rate else 0\n"
               "i = rates2[k] is not null and rates2[k].rate > 0\n"
               "lookup unused from csv \"rates.csv\" key code {}\n",
               &c);
    assert_null(c.p);
    expect_error(&c.d, 4, 9, "a lookup column is int, number, money, rate, bool, text or date (T? allows empty cells), not a list");
    expect_error(&c.d, 5, 3, "'code' is the key column; the block declares the other columns");
    expect_error(&c.d, 8, 12, "the keys of lookup rates2 are text, but this is int");
    expect_error(&c.d, 9, 5, "'rates2' is a lookup table: its row for a key is rates2[key], and 'rates2 has key' tests for one");
    expect_error(&c.d, 10, 5, "'has' asks a lookup table for a key, but this is text");
    expect_error(&c.d, 11, 12, "'o' may be null (it is text?): guard it with 'is not null' or give a default with '?\?'");
    expect_error(&c.d, 12, 5,
                 "'rates2[k].rate' may be null (it is rate?): guard it with 'is not null' or give a default with '?\?'");
    expect_diag_sev(&c.d, CR_SEV_WARNING, 16, 8, "lookup 'unused' is never used", false);
    assert_int_equal(c.d.errors, 7);
    compiled_free(&c);
}

static void test_sema_guards_and_lets(void **state)
{
    folder *f = *state;
    write_text(f, "rates.csv", "code,rate,note\nA,0.1,x\nB,0.2,\n");
    cr_program *p = compile_ok(f,
                               "policy t\n"
                               "input app { k: text }\n"
                               "segment tier {\n"
                               "  A when k == \"A\"\n"
                               "  B otherwise\n"
                               "}\n"
                               "lookup rates from csv \"rates.csv\" key code { rate: rate, note: text? }\n"
                               "let row = rates[k]\n"
                               "guarded = if rates[k] is not null then rates[k].rate * 2 else 0\n"
                               "via_let = if row is null then \"none\" else row.note ?? \"no note\"\n"
                               "by_label = rates[tier].rate ?? 0\n"
                               "listed = rates has k and not (rates has \"Z\")\n"
                               "refer NOT_LISTED when not (rates has k)\n");
    expect_decision(p, "{\"k\":\"A\"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"tier\":\"A\",\"guarded\":0.2,"
                    "\"via_let\":\"x\",\"by_label\":0.1,\"listed\":true}");
    expect_decision(p, "{\"k\":\"B\"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"tier\":\"B\",\"guarded\":0.4,"
                    "\"via_let\":\"no note\",\"by_label\":0.2,\"listed\":true}");
    expect_decision(p, "{\"k\":\"C\"}",
                    "{\"app_id\":null,\"decision\":\"REFER\",\"reasons\":[\"NOT_LISTED\"],\"tier\":\"B\",\"guarded\":0,"
                    "\"via_let\":\"none\",\"by_label\":0.2,\"listed\":false}");
    cr_program_free(p);
}

static void test_errors_everywhere_in_one_check(void **state)
{
    folder *f = *state;
    /* a bad table is reported along with the policy's other mistakes */
    write_text(f, "rates.csv", "code,rate,note\nA,x,\n");
    compiled c;
    compile_in(f, RATES_POLICY "s = nonexistent + 1\n", &c);
    assert_null(c.p);
    expect_error(&c.d, 4, 3, "lookup rates: rates.csv row 2, column rate: not a rate");
    expect_error(&c.d, 8, 5, "unknown name 'nonexistent'");
    compiled_free(&c);
}

/* ---- run time: many rows -------------------------------------------------------------------- */

static void test_many_rows(void **state)
{
    folder *f = *state;
    enum { N = 20000 };
    size_t cap = 64 + (size_t)N * 40, n = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    n += (size_t)snprintf(csv + n, cap - n, "code,rate,note\n");
    for (int i = 0; i < N; i++)
        n += (size_t)snprintf(csv + n, cap - n, "K%05d,%d.%02d,%s\n", i, i / 100, i % 100, i % 7 ? "" : "seventh");
    write_bytes(f, "rates.csv", csv, n);
    free(csv);
    cr_program *p = compile_ok(f, RATES_POLICY "note = rates[k].note\nhas_it = rates has k\n");
    const cr_lookup_info *lk = &p->lookups[0];
    assert_int_equal(lk->nrows, N);
    /* every key finds its own row, through an index at most half full */
    assert_true(lk->index_mask + 1 >= 2u * N);
    char key[16];
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "K%05d", i);
        assert_int_equal(cr_lookup_find(lk, key, 6), i);
    }
    assert_int_equal(cr_lookup_find(lk, "K20000", 6), -1);
    assert_int_equal(cr_lookup_find(lk, "K0000", 5), -1);
    assert_int_equal(cr_lookup_find(lk, "", 0), -1);
    expect_decision(p, "{\"k\":\"K00000\"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"r\":0.00,\"note\":\"seventh\",\"has_it\":true}");
    expect_decision(p, "{\"k\":\"K19999\"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"r\":199.99,\"note\":\"seventh\",\"has_it\":true}");
    expect_decision(p, "{\"k\":\"K12345\"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"r\":123.45,\"note\":null,\"has_it\":true}");
    expect_decision(p, "{\"k\":\"k12345\"}",
                    "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"r\":0,\"note\":null,\"has_it\":false}");
    cr_program_free(p);
}

static void test_identity(void **state)
{
    folder *f = *state;
    const char *csv = "code,rate,note\nA,0.1,x\n";
    write_text(f, "rates.csv", csv);
    cr_program *p = compile_ok(f, RATES_POLICY);
    const cr_lookup_info *lk = &p->lookups[0];
    assert_string_equal(lk->name, "rates");
    assert_string_equal(lk->path, "rates.csv");
    assert_null(lk->table);
    assert_string_equal(lk->key, "code");
    assert_int_equal(lk->source, LOOKUP_CSV);
    /* `sha256sum` of those 23 bytes */
    assert_string_equal(lk->sha256, "dca30bd59e0ee825b49d2c0c8556bb9593fc5fd5a90a597bb7262a4ecd7716db");
    cr_program_free(p);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, folder_setup, folder_teardown)
    const struct CMUnitTest tests[] = {
        T(test_csv_quotes_commas_newlines_crlf),
        T(test_csv_empty_optional_cells),
        T(test_csv_bad_number),
        T(test_csv_empty_required_cell),
        T(test_csv_duplicate_key),
        T(test_csv_empty_key),
        T(test_csv_missing_column),
        T(test_csv_missing_file),
        T(test_csv_malformed_records),
        T(test_csv_line_ends_and_blank_lines),
        T(test_csv_nothing_trimmed),
        T(test_csv_malformed_where),
        T(test_csv_cells_of_each_type),
        T(test_sqlite_values_and_nulls),
        T(test_sqlite_null_where_not_allowed),
        T(test_sqlite_missing_table_and_column),
        T(test_sqlite_not_a_database),
        T(test_sema_around_lookups),
        T(test_sema_guards_and_lets),
        T(test_errors_everywhere_in_one_check),
        T(test_many_rows),
        T(test_identity),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
