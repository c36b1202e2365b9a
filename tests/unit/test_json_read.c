/* Unit tests for runtime/io/json_read.c.
 *
 * Every line is copied into a buffer of exactly its length, with no
 * terminator, so AddressSanitizer catches any read past the end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/core/date.h"
#include "runtime/io/json_read.h"

/* ---- the schema ---------------------------------------------------------- */

enum { F_APP_ID, F_AGE, F_INCOME, F_GRADE, F_BLACKLISTED, F_COLLATERAL, F_SALES, F_START, F_OWNER,
       NFIELDS };

static const cr_type t_text = {.kind = CR_T_TEXT};
static const cr_type t_int = {.kind = CR_T_INT};
static const cr_type t_num = {.kind = CR_T_DEC, .spelling = "number"};
static const cr_type t_num_opt = {.kind = CR_T_DEC, .optional = true, .spelling = "number"};
static const cr_type t_money_opt = {.kind = CR_T_DEC, .optional = true, .spelling = "money"};
static const cr_type t_bool = {.kind = CR_T_BOOL};
static const cr_type t_date = {.kind = CR_T_DATE};
static const cr_type t_sales = {.kind = CR_T_LIST, .elem = &t_num};

static cr_field owner_fields[] = {{"name", 4, &t_text}, {"share", 5, &t_num}};
static cr_record owner_rec = {.name = "owner", .nfields = 2, .fields = owner_fields};
static const cr_type t_owner = {.kind = CR_T_RECORD, .rec = &owner_rec};

static cr_field app_fields[NFIELDS] = {
    {"app_id", 6, &t_text},      {"age", 3, &t_int},          {"income", 6, &t_num},
    {"grade", 5, &t_text},       {"blacklisted", 11, &t_bool}, {"collateral", 10, &t_num_opt},
    {"sales", 5, &t_sales},      {"start", 5, &t_date},       {"owner", 5, &t_owner},
};
static cr_record app_rec = {.name = "application", .nfields = NFIELDS, .fields = app_fields};

/* A second schema for list items that may be null, lists of records, and an
 * app_id that is not one of the fields. */
enum { L_SCORES, L_OWNERS, L_AMOUNT, L_SEGMENT, LFIELDS };
static const cr_type t_scores = {.kind = CR_T_LIST, .elem = &t_num_opt};
static const cr_type t_owners = {.kind = CR_T_LIST, .elem = &t_owner};
static const cr_labels risk_labels = {"risk", 0, NULL};
static const cr_type t_label_opt = {.kind = CR_T_LABEL, .optional = true, .labels = &risk_labels};
static cr_field loan_fields[LFIELDS] = {
    {"scores", 6, &t_scores}, {"owners", 6, &t_owners}, {"amount", 6, &t_money_opt},
    {"segment", 7, &t_label_opt}};
static cr_record loan_rec = {.name = "loan", .nfields = LFIELDS, .fields = loan_fields};

static cr_arena schema_arena;

static void *schema_alloc(void *ctx, size_t n) { return cr_arena_calloc(ctx, n); }

static int group_setup(void **state)
{
    cr_arena_init(&schema_arena, 0, 0);
    if (!cr_record_build_index(&owner_rec, schema_alloc, &schema_arena) ||
        !cr_record_build_index(&app_rec, schema_alloc, &schema_arena) ||
        !cr_record_build_index(&loan_rec, schema_alloc, &schema_arena))
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    cr_arena_free(&schema_arena);
    return 0;
}

/* ---- reading a line --------------------------------------------------------- */

static cr_arena g_arena;
static char *g_buf;        /* the line: exactly its length, no terminator */
static size_t g_len;
static cr_value g_slots[NFIELDS];
static cr_json_result g_res;

static int setup(void **state)
{
    cr_arena_init(&g_arena, 4096, 0);
    return 0;
}

static int teardown(void **state)
{
    free(g_buf);
    g_buf = NULL;
    cr_arena_free(&g_arena);
    return 0;
}

static int read_n(const cr_record *r, const char *text, size_t n, const cr_json_limits *lim)
{
    free(g_buf);
    g_buf = malloc(n);
    g_len = n;
    if (n) {
        assert_non_null(g_buf);
        memcpy(g_buf, text, n);
    }
    cr_arena_reset(&g_arena);
    memset(g_slots, 0x5A, sizeof g_slots);
    memset(&g_res, 0x5A, sizeof g_res);
    return cr_json_read(r, g_buf, n, &g_arena, lim, g_slots, &g_res);
}

static void ok_in(const cr_record *r, const char *text, const cr_json_limits *lim)
{
    int rc = read_n(r, text, strlen(text), lim);
    if (rc != 0)
        fail_msg("%s\n  -> %s", text, g_res.error);
    assert_string_equal(g_res.error, "");
}

static void error_in(const cr_record *r, const char *text, const cr_json_limits *lim, const char *want)
{
    int rc = read_n(r, text, strlen(text), lim);
    if (rc != -1)
        fail_msg("%s\n  -> accepted, wanted: %s", text, want);
    assert_string_equal(g_res.error, want);
    /* A failed read leaves no half-filled slots. */
    for (uint32_t i = 0; i < r->nfields; i++)
        assert_int_equal(g_slots[i].tag, CR_NULL);
}

static void ok(const char *text) { ok_in(&app_rec, text, NULL); }
static void fails(const char *text, const char *want) { error_in(&app_rec, text, NULL, want); }

/* A complete, valid application; name's value replaced by value (NULL
 * leaves the member out), `front` members (if any) put first. */
static const char *const defaults[NFIELDS] = {
    "\"A-1\"", "30", "1000.50", "\"B\"", "false", NULL, "[1,2.5]", "\"2024-01-31\"",
    "{\"name\":\"Ann\",\"share\":0.5}",
};
static char g_line[1 << 16];

static const char *app_line(const char *front, const char *name, const char *value)
{
    size_t n = (size_t)snprintf(g_line, sizeof g_line, "{%s", front ? front : "");
    bool first = !front;
    for (int i = 0; i < NFIELDS; i++) {
        const char *v = strcmp(app_fields[i].name, name) == 0 ? value : defaults[i];
        if (!v)
            continue;
        n += (size_t)snprintf(g_line + n, sizeof g_line - n, "%s\"%s\":%s", first ? "" : ",",
                              app_fields[i].name, v);
        first = false;
    }
    snprintf(g_line + n, sizeof g_line - n, "}");
    return g_line;
}

static const char *app_with(const char *name, const char *value) { return app_line(NULL, name, value); }

static void expect_text(cr_value v, const char *want, size_t n)
{
    assert_int_equal(v.tag, CR_TEXT);
    assert_int_equal(v.len, n);
    assert_memory_equal(v.u.s, want, n);
}

static bool in_line(const char *p) { return p >= g_buf && p < g_buf + g_len; }

static void expect_dec(cr_value v, const char *want)
{
    char buf[CR_DEC_FMT_MAX];
    assert_int_equal(v.tag, CR_DEC);
    cr_dec_format(cr_value_dec(v), buf);
    assert_string_equal(buf, want);
}

static void expect_app_id(const char *want)
{
    if (!want) {
        assert_null(g_res.app_id);
        assert_int_equal(g_res.app_id_len, 0);
        return;
    }
    assert_non_null(g_res.app_id);
    assert_int_equal(g_res.app_id_len, strlen(want));
    assert_memory_equal(g_res.app_id, want, strlen(want));
}

/* ---- tests -------------------------------------------------------------------- */

static void test_full_application(void **state)
{
    ok(app_with("", NULL));
    expect_text(g_slots[F_APP_ID], "A-1", 3);
    assert_true(in_line(g_slots[F_APP_ID].u.s)); /* no escapes: no copy */
    assert_int_equal(g_slots[F_AGE].tag, CR_INT);
    assert_int_equal(g_slots[F_AGE].u.i, 30);
    expect_dec(g_slots[F_INCOME], "1000.50");
    assert_int_equal(g_slots[F_INCOME].scale, 2);
    expect_text(g_slots[F_GRADE], "B", 1);
    assert_int_equal(g_slots[F_BLACKLISTED].tag, CR_BOOL);
    assert_false(g_slots[F_BLACKLISTED].u.b);
    assert_int_equal(g_slots[F_COLLATERAL].tag, CR_NULL); /* optional, absent */
    assert_int_equal(g_slots[F_SALES].tag, CR_LIST);
    assert_int_equal(g_slots[F_SALES].len, 2);
    expect_dec(g_slots[F_SALES].u.items[0], "1");
    expect_dec(g_slots[F_SALES].u.items[1], "2.5");
    assert_int_equal(g_slots[F_START].tag, CR_DATE);
    assert_int_equal(g_slots[F_START].u.i, cr_days_from_civil(2024, 1, 31));
    cr_value owner = g_slots[F_OWNER];
    assert_int_equal(owner.tag, CR_RECORD);
    assert_int_equal(owner.len, 2);
    expect_text(owner.u.items[0], "Ann", 3);
    expect_dec(owner.u.items[1], "0.5");
    expect_app_id("A-1");
    assert_true(in_line(g_res.app_id));

    ok(app_with("collateral", "250000.00"));
    expect_dec(g_slots[F_COLLATERAL], "250000.00");
    ok(app_with("collateral", "null"));
    assert_int_equal(g_slots[F_COLLATERAL].tag, CR_NULL);
    ok(app_with("blacklisted", "true"));
    assert_true(g_slots[F_BLACKLISTED].u.b);
}

/* The slots of app_with("collateral", "1.5"). */
static void expect_default_slots(void)
{
    expect_text(g_slots[F_APP_ID], "A-1", 3);
    assert_int_equal(g_slots[F_AGE].tag, CR_INT);
    assert_int_equal(g_slots[F_AGE].u.i, 30);
    expect_dec(g_slots[F_INCOME], "1000.50");
    expect_text(g_slots[F_GRADE], "B", 1);
    assert_int_equal(g_slots[F_BLACKLISTED].tag, CR_BOOL);
    assert_false(g_slots[F_BLACKLISTED].u.b);
    expect_dec(g_slots[F_COLLATERAL], "1.5");
    assert_int_equal(g_slots[F_SALES].tag, CR_LIST);
    assert_int_equal(g_slots[F_SALES].len, 2);
    expect_dec(g_slots[F_SALES].u.items[1], "2.5");
    assert_int_equal(g_slots[F_START].tag, CR_DATE);
    assert_int_equal(g_slots[F_START].u.i, cr_days_from_civil(2024, 1, 31));
    assert_int_equal(g_slots[F_OWNER].tag, CR_RECORD);
    expect_text(g_slots[F_OWNER].u.items[0], "Ann", 3);
    expect_app_id("A-1");
}

/* The reader tries the declared order first: any other order of the
 * members reads the same slots, and a member given twice is still one. */
static void test_member_order(void **state)
{
    ok(app_with("collateral", "1.5"));
    expect_default_slots();
    for (int rot = 1; rot <= NFIELDS; rot++) {
        /* rotated by rot, then reversed when rot is odd */
        size_t n = (size_t)snprintf(g_line, sizeof g_line, "{");
        for (int k = 0; k < NFIELDS; k++) {
            int i = (k + rot) % NFIELDS;
            if (rot % 2)
                i = NFIELDS - 1 - i;
            const char *v = i == F_COLLATERAL ? "1.5" : defaults[i];
            n += (size_t)snprintf(g_line + n, sizeof g_line - n, "%s\"%s\":%s", k ? "," : "", app_fields[i].name, v);
        }
        snprintf(g_line + n, sizeof g_line - n, "}");
        ok(g_line);
        expect_default_slots();
    }
    fails("{\"app_id\":\"A\",\"age\":1,\"app_id\":\"B\"}", "app_id: given twice");
    fails("{\"age\":1,\"app_id\":\"A\",\"age\":1}", "age: given twice");
}

static void test_whitespace_around(void **state)
{
    ok(" \t\r\n{ \"app_id\" : \"A-1\" ,\n \"age\":\t30 , \"income\" : 1 , \"grade\" : \"B\" ,"
       " \"blacklisted\" : true , \"sales\" : [ ] , \"start\" : \"2024-01-31\" ,"
       " \"owner\" : { \"name\" : \"A\" , \"share\" : 1 } } \r\n");
    assert_int_equal(g_slots[F_AGE].u.i, 30);
    assert_int_equal(g_slots[F_SALES].tag, CR_LIST);
    assert_int_equal(g_slots[F_SALES].len, 0);
    expect_text(g_slots[F_OWNER].u.items[0], "A", 1);
    expect_app_id("A-1");
    /* Members in any order. */
    ok("{\"owner\":{\"share\":2,\"name\":\"Z\"},\"start\":\"2024-01-31\",\"sales\":[],"
       "\"blacklisted\":false,\"grade\":\"C\",\"income\":0,\"age\":1,\"app_id\":\"q\"}");
    expect_text(g_slots[F_OWNER].u.items[0], "Z", 1);
    expect_dec(g_slots[F_OWNER].u.items[1], "2");
}

static void test_decimals_exact(void **state)
{
    static const char *const cases[][2] = {
        {"0.1", "0.1"},       {"1.50", "1.50"},   {"0", "0"},           {"-0", "0"},
        {"-12.345", "-12.345"}, {"1e2", "100"},   {"1E+2", "100"},      {"1.5e1", "15"},
        {"25e-4", "0.0025"},  {"0.000", "0.000"}, {"-0.05", "-0.05"},
        {"123456789012345678901234567890.12345678", "123456789012345678901234567890.12345678"},
        {"99999999999999999999999999999999999999", "99999999999999999999999999999999999999"},
        {"0.123456789012345678", "0.123456789012345678"},
        {"0.100000000000000000000", "0.100000000000000000"},
        {"0e999999999", "0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ok(app_with("income", cases[i][0]));
        expect_dec(g_slots[F_INCOME], cases[i][1]);
    }
    ok(app_with("sales", "[0.1,1.50,-7,3e0]"));
    expect_dec(g_slots[F_SALES].u.items[0], "0.1");
    expect_dec(g_slots[F_SALES].u.items[1], "1.50");
    expect_dec(g_slots[F_SALES].u.items[2], "-7");
    expect_dec(g_slots[F_SALES].u.items[3], "3");
}

static void test_decimal_errors(void **state)
{
    fails(app_with("income", "1e400"), "income: number 1e400 is out of range");
    fails(app_with("collateral", "-1e400"), "collateral: number -1e400 is out of range");
    fails(app_with("income", "999999999999999999999999999999999999999"),
          "income: number 999999999999999999999999999999999999999 is out of range");
    /* A long number is quoted to 40 bytes. */
    fails(app_with("income", "10000000000000000000000000000000000000000000000000"),
          "income: number 1000000000000000000000000000000000000000... is out of range");
    fails(app_with("income", "0.1234567890123456789"),
          "income: number 0.1234567890123456789 has more than 18 fractional digits");
    fails(app_with("income", "1e-400"), "income: number 1e-400 has more than 18 fractional digits");
    fails(app_with("sales", "[1,2,1e99]"), "sales[2]: number 1e99 is out of range");
}

static void test_ints(void **state)
{
    static const struct { const char *in; int64_t want; } cases[] = {
        {"42", 42},
        {"-7", -7},
        {"0", 0},
        {"-0", 0},
        {"123456789012345678", 123456789012345678},
        {"1234567890123456789", 1234567890123456789},
        {"9223372036854775807", INT64_MAX},
        {"-9223372036854775808", INT64_MIN},
        {"1.0", 1},
        {"1e2", 100},
        {"2.50e1", 25},
        {"-3.000", -3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ok(app_with("age", cases[i].in));
        assert_int_equal(g_slots[F_AGE].tag, CR_INT);
        assert_true(g_slots[F_AGE].u.i == cases[i].want);
    }
    fails(app_with("age", "5.5"), "age: expected int, got number 5.5");
    fails(app_with("age", "1e-1"), "age: expected int, got number 1e-1");
    fails(app_with("age", "1e-30"), "age: expected int, got number 1e-30");
    fails(app_with("age", "9223372036854775808"), "age: number 9223372036854775808 is out of range");
    fails(app_with("age", "-9223372036854775809"),
          "age: number -9223372036854775809 is out of range");
    fails(app_with("age", "1e19"), "age: number 1e19 is out of range");
    fails(app_with("age", "1e400"), "age: number 1e400 is out of range");
}

static void test_wrong_types(void **state)
{
    fails(app_with("age", "\"30\""), "age: expected int, got text");
    fails(app_with("age", "true"), "age: expected int, got bool");
    fails(app_with("age", "null"), "age: expected int, got null");
    fails(app_with("age", "[1]"), "age: expected int, got list");
    fails(app_with("age", "{}"), "age: expected int, got object");
    fails(app_with("income", "null"), "income: expected number, got null");
    fails(app_with("collateral", "\"x\""), "collateral: expected number, got text"); /* no '?' */
    fails(app_with("blacklisted", "1"), "blacklisted: expected bool, got number");
    fails(app_with("blacklisted", "null"), "blacklisted: expected bool, got null");
    fails(app_with("grade", "5"), "grade: expected text, got number");
    fails(app_with("sales", "{}"), "sales: expected list of number, got object");
    fails(app_with("sales", "\"1,2\""), "sales: expected list of number, got text");
    fails(app_with("sales", "null"), "sales: expected list of number, got null");
    fails(app_with("owner", "[]"), "owner: expected record owner, got list");
    fails(app_with("owner", "null"), "owner: expected record owner, got null");
    fails(app_with("start", "20240131"), "start: expected date, got number");
    error_in(&loan_rec, "{\"amount\":\"12\"}", NULL, "amount: expected money, got text");
    /* Not an input type: only null fits. */
    error_in(&loan_rec, "{\"segment\":\"low\"}", NULL, "segment: expected risk label, got text");
    /* The type is reported before anything wrong inside the value. */
    fails(app_with("age", "[1,\"\xff\"]"), "age: expected int, got list");
    fails(app_with("age", "\"\xff\""), "age: expected int, got text");
}

static void test_dates(void **state)
{
    ok(app_with("start", "\"2024-02-29\""));
    assert_int_equal(g_slots[F_START].u.i, cr_days_from_civil(2024, 2, 29));
    ok(app_with("start", "\"1970-01-01\""));
    assert_int_equal(g_slots[F_START].tag, CR_DATE);
    assert_int_equal(g_slots[F_START].u.i, 0);
    ok(app_with("start", "\"2024\\u002d01-31\"")); /* escapes are decoded first */
    assert_int_equal(g_slots[F_START].u.i, cr_days_from_civil(2024, 1, 31));

    fails(app_with("start", "\"2023-02-29\""),
          "start: expected a date YYYY-MM-DD, got \"2023-02-29\"");
    fails(app_with("start", "\"2024-1-1\""), "start: expected a date YYYY-MM-DD, got \"2024-1-1\"");
    fails(app_with("start", "\"\""), "start: expected a date YYYY-MM-DD, got \"\"");
    fails(app_with("start", "\"2024-01-31T00:00\""),
          "start: expected a date YYYY-MM-DD, got \"2024-01-31T00:00\"");
    fails(app_with("start", "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\""),
          "start: expected a date YYYY-MM-DD, got \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\"");
    /* Cut at a character boundary: byte 40 is inside the \u00e9. */
    fails(app_with("start", "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xc3\xa9xxxx\""),
          "start: expected a date YYYY-MM-DD, got \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\"");
}

static void test_lists(void **state)
{
    /* 20 items: the arena array grows past its first sizes. */
    char items[256];
    size_t n = 0;
    items[n++] = '[';
    for (int i = 0; i < 20; i++)
        n += (size_t)snprintf(items + n, sizeof items - n, "%s%d.%d", i ? "," : "", i, i % 10);
    snprintf(items + n, sizeof items - n, "]");
    ok(app_with("sales", items));
    assert_int_equal(g_slots[F_SALES].len, 20);
    for (int i = 0; i < 20; i++) {
        char want[16];
        snprintf(want, sizeof want, "%d.%d", i, i % 10);
        expect_dec(g_slots[F_SALES].u.items[i], want);
    }

    fails(app_with("sales", "[1,null]"), "sales[1]: expected number, got null");
    fails(app_with("sales", "[1,\"2\"]"), "sales[1]: expected number, got text");
    fails(app_with("sales", "[[1]]"), "sales[0]: expected number, got list");

    /* Items that may be null, and lists of records. */
    ok_in(&loan_rec, "{\"scores\":[1,null,2.5],\"owners\":[]}", NULL);
    assert_int_equal(g_slots[L_SCORES].len, 3);
    assert_int_equal(g_slots[L_SCORES].u.items[1].tag, CR_NULL);
    expect_dec(g_slots[L_SCORES].u.items[2], "2.5");
    assert_int_equal(g_slots[L_AMOUNT].tag, CR_NULL);
    ok_in(&loan_rec,
          "{\"scores\":[],\"owners\":[{\"name\":\"A\",\"share\":0.25},{\"share\":0.75,\"name\":\"B\"}]}",
          NULL);
    cr_value owners = g_slots[L_OWNERS];
    assert_int_equal(owners.len, 2);
    assert_int_equal(owners.u.items[1].tag, CR_RECORD);
    expect_text(owners.u.items[1].u.items[0], "B", 1);
    expect_dec(owners.u.items[1].u.items[1], "0.75");
    error_in(&loan_rec,
             "{\"scores\":[],\"owners\":[{\"name\":\"A\",\"share\":1},{\"name\":\"B\",\"share\":\"x\"}]}",
             NULL, "owners[1].share: expected number, got text");
    error_in(&loan_rec, "{\"scores\":[],\"owners\":[{\"name\":\"A\"}]}", NULL,
             "owners[0].share: required field is missing");
    error_in(&loan_rec, "{\"scores\":[],\"owners\":[null]}", NULL,
             "owners[0]: expected record owner, got null");
}

static void test_max_list(void **state)
{
    cr_json_limits lim = {64, 1u << 20, 3};
    ok_in(&app_rec, app_with("sales", "[1,2,3]"), &lim);
    assert_int_equal(g_slots[F_SALES].len, 3);
    error_in(&app_rec, app_with("sales", "[1,2,3,4]"), &lim, "sales: list has more than 3 items");
    /* Skipped lists are only validated: they take no memory. */
    ok_in(&app_rec, app_line("\"extra\":[1,2,3,4,5]", "", NULL), &lim);
    lim.max_list = 0;
    ok_in(&app_rec, app_with("sales", "[]"), &lim);
    error_in(&app_rec, app_with("sales", "[1]"), &lim, "sales: list has more than 0 items");
}

static void test_max_text(void **state)
{
    cr_json_limits lim = {64, 5, 100};
    ok_in(&app_rec, app_with("grade", "\"abcde\""), &lim);
    error_in(&app_rec, app_with("grade", "\"abcdef\""), &lim, "grade: text is longer than 5 bytes");
    /* Counted after decoding: 20 bytes of escapes, 5 bytes of text. */
    ok_in(&app_rec, app_with("grade", "\"\\n\\n\\u0041\\u00e9\""), &lim);
    expect_text(g_slots[F_GRADE], "\n\nA\xc3\xa9", 5);
}

static void test_nested_records(void **state)
{
    fails(app_with("owner", "{\"name\":\"Ann\",\"share\":\"x\"}"), "owner.share: expected number, got text");
    fails(app_with("owner", "{\"name\":\"Ann\"}"), "owner.share: required field is missing");
    fails(app_with("owner", "{}"), "owner.name: required field is missing");
    fails(app_with("owner", "{\"name\":\"A\",\"name\":\"B\",\"share\":1}"), "owner.name: given twice");
    fails("{\"owner\":{\"name\":\"\xff\"}}", "owner.name: invalid UTF-8 at byte 18");
    ok(app_with("owner", "{\"name\":\"A\",\"share\":1,\"extra\":{\"deep\":[1,{\"x\":null}]},\"app_id\":7}"));
    expect_app_id("A-1"); /* only the top level's app_id counts */
}

static void test_missing_and_duplicates(void **state)
{
    fails(app_with("age", NULL), "age: required field is missing");
    fails(app_with("owner", NULL), "owner: required field is missing");
    fails("{}", "app_id: required field is missing");
    fails("{\"app_id\":\"A\"}", "age: required field is missing"); /* first in schema order */
    expect_app_id("A");
    fails(app_line("\"age\":1", "", NULL), "age: given twice");
    fails("{\"age\":1,\"age\":1}", "age: given twice");
    fails("{\"collateral\":null,\"collateral\":1}", "collateral: given twice");
    /* Unknown members may repeat: they are not kept. */
    ok(app_line("\"x\":1,\"x\":2", "", NULL));
}

static void test_app_id(void **state)
{
    /* Captured after a field error: the scan goes on without storing. */
    fails("{\"age\":\"x\",\"income\":1,\"app_id\":\"A-17\"}", "age: expected int, got text");
    expect_app_id("A-17");
    fails("{\"age\":\"x\",\"grade\":5,\"sales\":[null],\"app_id\":\"A-17\"}", "age: expected int, got text");
    expect_app_id("A-17");
    fails("{\"age\":1e400,\"app_id\":\"A-18\",\"owner\":{}}", "age: number 1e400 is out of range");
    expect_app_id("A-18");
    /* A number's text; the schema's text type does not stop the capture. */
    fails(app_with("app_id", "12345"), "app_id: expected text, got number");
    expect_app_id("12345");
    /* Not a field of the schema: still captured. */
    ok_in(&loan_rec, "{\"app_id\":-12.5e3,\"scores\":[],\"owners\":[]}", NULL);
    expect_app_id("-12.5e3");
    ok_in(&loan_rec, "{\"scores\":[],\"owners\":[],\"app_id\":\"L\\u00e9\\\"1\"}", NULL);
    expect_app_id("L\xc3\xa9\"1");
    /* Decoded, and the same text as the slot. */
    ok(app_with("app_id", "\"A\\u00e9\\n\""));
    expect_app_id("A\xc3\xa9\n");
    expect_text(g_slots[F_APP_ID], "A\xc3\xa9\n", 4);
    assert_false(in_line(g_slots[F_APP_ID].u.s));
    assert_ptr_equal(g_res.app_id, g_slots[F_APP_ID].u.s); /* decoded once */
    ok(app_with("app_id", "\"\""));
    expect_app_id("");
    assert_non_null(g_res.app_id);
    /* Neither text nor number, absent, or nested: none. */
    fails(app_with("app_id", "true"), "app_id: expected text, got bool");
    expect_app_id(NULL);
    fails(app_with("app_id", "{\"x\":\"y\"}"), "app_id: expected text, got object");
    expect_app_id(NULL);
    ok_in(&loan_rec, "{\"scores\":[],\"owners\":[{\"app_id\":\"Z\",\"name\":\"A\",\"share\":1}]}", NULL);
    expect_app_id(NULL);
    fails(app_with("app_id", NULL), "app_id: required field is missing");
    expect_app_id(NULL);
    /* Invalid text is not captured. */
    fails("{\"app_id\":\"A\xff\"}", "app_id: invalid UTF-8 at byte 12");
    expect_app_id(NULL);
    /* The line broke off before it; after it, it is kept. */
    fails("{\"age\":1 \"app_id\":\"A\"}", "json: byte 9: expected ',' or '}'");
    expect_app_id(NULL);
    fails("{\"app_id\":\"A-12\" 1}", "json: byte 17: expected ',' or '}'");
    expect_app_id("A-12");
    fails("{\"app_id\":\"A\",\"age\":}", "json: byte 20: expected a value");
    expect_app_id("A");
    /* Given twice: an error, and the first one is kept. */
    fails("{\"app_id\":\"A\",\"app_id\":\"B\"}", "app_id: given twice");
    expect_app_id("A");
}

static void test_unknown_members(void **state)
{
    ok(app_line("\"extra\":{\"a\":[1,{\"b\":null}],\"c\":\"x\\u00e9\\ud83d\\ude00\",\"d\":{}},"
                "\"zz\":[true,false,null,-1.5e3,\"\",{},[]],\"n\":null,\"e\":{},\"big\":1e999999",
                "", NULL));
    expect_dec(g_slots[F_INCOME], "1000.50");
    ok("{\"owner\":{\"name\":\"A\",\"share\":1,\"more\":[[[]]]},\"app_id\":\"x\",\"age\":1,\"income\":1,"
       "\"grade\":\"\",\"blacklisted\":false,\"sales\":[],\"start\":\"2024-01-31\"}");
    /* Skipped values are still checked. */
    fails("{\"extra\":\"\xc0\xaf\"}", "extra: invalid UTF-8 at byte 10");
    fails("{\"extra\":[1,\"\xff\"]}", "extra[1]: invalid UTF-8 at byte 13");
    fails("{\"extra\":{\"k\":[{\"m\":\"\\q\"}]}}", "extra.k[0].m: invalid escape at byte 21");
    fails("{\"extra\":[1,]}", "json: byte 12: expected a value");
    fails("{\"extra\":01}", "json: byte 10: expected ',' or '}'");
    fails("{\"extra\":{\"a\" 1}}", "json: byte 14: expected ':'");
    fails("{\"extra\":[1}", "json: byte 11: expected ',' or ']'");
    /* A path too long for the message loses its head. */
    char outer[101], inner[101], line[512], want[256];
    memset(outer, 'a', 100);
    memset(inner, 'b', 100);
    outer[100] = inner[100] = '\0';
    snprintf(line, sizeof line, "{\"%s\":{\"%s\":[\"\xff\"]}}", outer, inner);
    snprintf(want, sizeof want, "...%s[0]: invalid UTF-8 at byte 210", inner);
    fails(line, want);
}

static void test_escapes(void **state)
{
    ok(app_with("grade", "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\""));
    expect_text(g_slots[F_GRADE], "a\"b\\c/d\b\f\n\r\t", 12);
    assert_false(in_line(g_slots[F_GRADE].u.s)); /* decoded into the arena */
    static const char *const cases[][2] = {
        {"\"\\u00e9\"", "\xc3\xa9"},
        {"\"\\u20AC\\u20ac\"", "\xe2\x82\xac\xe2\x82\xac"},
        {"\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80"},
        {"\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf"},
        {"\"\\u0041BC\"", "ABC"},
        {"\"x\\u007f\\u0080\\u07ff\\u0800\\uffff\"", "x\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ok(app_with("grade", cases[i][0]));
        expect_text(g_slots[F_GRADE], cases[i][1], strlen(cases[i][1]));
    }
    ok(app_with("grade", "\"a\\u0000b\""));
    expect_text(g_slots[F_GRADE], "a\0b", 3);
    /* Raw UTF-8 needs no copy. */
    ok(app_with("grade", "\"h\xc3\xa9llo \xf0\x9f\x98\x80 \xed\x9f\xbf \xee\x80\x80 \xf4\x8f\xbf\xbf\""));
    const char *raw = "h\xc3\xa9llo \xf0\x9f\x98\x80 \xed\x9f\xbf \xee\x80\x80 \xf4\x8f\xbf\xbf";
    expect_text(g_slots[F_GRADE], raw, strlen(raw));
    assert_true(in_line(g_slots[F_GRADE].u.s));
    /* A key with escapes is decoded before the lookup. */
    ok(app_line("\"\\u0061ge\":5", "age", NULL));
    assert_int_equal(g_slots[F_AGE].u.i, 5);

    /* `{"grade":"` is 10 bytes: the faults below are at byte 10 or later. */
    fails("{\"grade\":\"\\ud800\"}", "grade: unpaired surrogate at byte 10");
    fails("{\"grade\":\"\\udc00\"}", "grade: unpaired surrogate at byte 10");
    fails("{\"grade\":\"\\ud800\\u0041\"}", "grade: unpaired surrogate at byte 10");
    fails("{\"grade\":\"\\ud800x\"}", "grade: unpaired surrogate at byte 10");
    fails("{\"grade\":\"ab\\ud83d\"}", "grade: unpaired surrogate at byte 12");
    fails("{\"grade\":\"\\x\"}", "grade: invalid escape at byte 10");
    fails("{\"grade\":\"\\u12g4\"}", "grade: invalid escape at byte 10");
    fails("{\"grade\":\"\\u12\"}", "grade: invalid escape at byte 10");
    fails("{\"grade\":\"\\'\"}", "grade: invalid escape at byte 10");
    fails("{\"grade\":\"a\x01z\"}", "grade: unescaped control character at byte 11");
    fails("{\"grade\":\"a\tz\"}", "grade: unescaped control character at byte 11");
    /* An escaped quote does not end the string even after a fault. */
    fails("{\"grade\":\"\\x\\\"\",\"app_id\":\"K\"}", "grade: invalid escape at byte 10");
    expect_app_id("K");
    /* Only the first fault is reported. */
    fails("{\"grade\":\"\\x\xff\"}", "grade: invalid escape at byte 10");
    /* In a key, a fault is a syntax error. */
    fails("{\"a\\x\":1}", "json: byte 3: invalid escape in a key");
    fails("{\"a\xff\":1}", "json: byte 3: invalid UTF-8 in a key");
}

/* Strings long enough for the 16-byte scan, with the byte that ends a
 * plain run at every position of the first three 16-byte blocks: the
 * closing quote itself (every length), an escape, a control character, a
 * byte just outside the special ranges (space, '!', '[', ']', DEL), a
 * two-byte character and a byte that is never UTF-8. */
static void test_long_strings(void **state)
{
    char body[64], val[80], want[64], msg[96];
    for (size_t len = 0; len <= 48; len++) {
        memset(body, 'x', len);
        snprintf(val, sizeof val, "\"%.*s\"", (int)len, body);
        ok(app_with("grade", val));
        expect_text(g_slots[F_GRADE], body, len);
        for (size_t i = 0; i < len; i++) {
            static const char plain[] = {' ', '!', '[', ']', 0x7f};
            for (size_t k = 0; k < sizeof plain; k++) {
                memcpy(want, body, len);
                want[i] = plain[k];
                snprintf(val, sizeof val, "\"%.*s\"", (int)len, want);
                ok(app_with("grade", val));
                expect_text(g_slots[F_GRADE], want, len);
            }
            /* "\n" at i: decoded, one byte shorter than written */
            snprintf(val, sizeof val, "\"%.*s\\n%.*s\"", (int)i, body, (int)(len - i - 1), body);
            ok(app_with("grade", val));
            memcpy(want, body, len);
            want[i] = '\n';
            expect_text(g_slots[F_GRADE], want, len);
            /* U+00E9 at i: kept as written */
            snprintf(val, sizeof val, "\"%.*s\xc3\xa9%.*s\"", (int)i, body, (int)(len - i - 1), body);
            ok(app_with("grade", val));
            expect_text(g_slots[F_GRADE], val + 1, len + 1);
            static const struct { char byte; const char *what; } bad[] = {
                {0x01, "unescaped control character"}, {0x1f, "unescaped control character"},
                {(char)0x80, "invalid UTF-8"}, {(char)0xff, "invalid UTF-8"},
            };
            for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
                memcpy(want, body, len);
                want[i] = bad[k].byte;
                snprintf(val, sizeof val, "\"%.*s\"", (int)len, want);
                const char *line = app_with("grade", val);
                size_t at = (size_t)(strstr(line, "\"grade\":\"") - line) + 9 + i;
                snprintf(msg, sizeof msg, "grade: %s at byte %zu", bad[k].what, at);
                fails(line, msg);
            }
        }
        /* a key as long, cut off by the end of the line */
        snprintf(val, sizeof val, "{\"%.*s", (int)len, body);
        snprintf(msg, sizeof msg, "json: byte %zu: unexpected end of line", len + 2);
        fails(val, msg);
    }
}

/* Numbers of 1 to 22 digits, with and without a fraction or exponent, are
 * read as the general decimal parser reads them: the one-pass digits of
 * the reader agree with cr_dec_parse wherever they are used. */
static void test_numbers_like_parse(void **state)
{
    uint64_t x = 88172645463325252u;
    char num[64], want[CR_DEC_FMT_MAX], got[CR_DEC_FMT_MAX];
    for (int n = 0; n < 20000; n++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t k = 0;
        if (x & 1)
            num[k++] = '-';
        int whole = 1 + (int)(x >> 8) % 22, frac = (x >> 16) & 3 ? (int)(x >> 20) % 21 : 0;
        for (int i = 0; i < whole; i++)
            num[k++] = (char)('0' + (i == 0 && whole > 1 ? 1 + (x >> (24 + i)) % 9 : (x >> (24 + i)) % 10));
        if (frac) {
            num[k++] = '.';
            for (int i = 0; i < frac; i++)
                num[k++] = (char)('0' + (x >> (30 + i)) % 10);
        }
        if (((x >> 60) & 7) == 0)
            k += (size_t)snprintf(num + k, sizeof num - k, "e%d", (int)((x >> 40) % 9) - 4);
        num[k] = '\0';
        cr_dec d;
        cr_dec_status st = cr_dec_parse(num, k, &d);
        const char *line = app_with("income", num);
        int rc = read_n(&app_rec, line, strlen(line), NULL);
        if (st != CR_DEC_OK) {
            if (rc != -1)
                fail_msg("%s: read, but cr_dec_parse says %s", num, cr_dec_status_text(st));
            continue;
        }
        if (rc != 0)
            fail_msg("%s: %s", num, g_res.error);
        cr_dec_format(d, want);
        cr_dec_format(cr_value_dec(g_slots[F_INCOME]), got);
        if (strcmp(want, got) != 0 || g_slots[F_INCOME].scale != d.scale)
            fail_msg("%s: read %s (scale %d), cr_dec_parse %s (scale %d)", num, got, g_slots[F_INCOME].scale, want,
                     d.scale);
        int64_t i64;
        line = app_with("age", num);
        rc = read_n(&app_rec, line, strlen(line), NULL);
        if (cr_dec_to_int(d, &i64) == CR_DEC_OK) {
            if (rc != 0 || g_slots[F_AGE].tag != CR_INT || g_slots[F_AGE].u.i != i64)
                fail_msg("%s as an int: %s", num, rc ? g_res.error : "a different value");
        } else if (rc != -1) {
            fail_msg("%s as an int: read, but it is not one", num);
        }
    }
}

static void test_invalid_utf8(void **state)
{
    static const char *const cases[][2] = {
        {"{\"grade\":\"\xc0\xaf\"}", "10"},         /* overlong '/' */
        {"{\"grade\":\"\xc1\xbf\"}", "10"},         /* overlong */
        {"{\"grade\":\"\xe0\x80\xaf\"}", "10"},     /* overlong, 3 bytes */
        {"{\"grade\":\"\xe0\x9f\xbf\"}", "10"},     /* overlong, 3 bytes */
        {"{\"grade\":\"\xf0\x80\x80\xaf\"}", "10"}, /* overlong, 4 bytes */
        {"{\"grade\":\"\xf0\x8f\xbf\xbf\"}", "10"}, /* overlong, 4 bytes */
        {"{\"grade\":\"\xed\xa0\x80\"}", "10"},     /* surrogate U+D800 */
        {"{\"grade\":\"\xed\xbf\xbf\"}", "10"},     /* surrogate U+DFFF */
        {"{\"grade\":\"\xf4\x90\x80\x80\"}", "10"}, /* U+110000 */
        {"{\"grade\":\"\xf5\x80\x80\x80\"}", "10"},
        {"{\"grade\":\"\xff\"}", "10"},
        {"{\"grade\":\"ab\x80\"}", "12"},           /* lone continuation */
        {"{\"grade\":\"\xe2\x82\"}", "10"},         /* cut short by the quote */
        {"{\"grade\":\"\xf0\x9f\x98 \"}", "10"},    /* cut short by a space */
        {"{\"grade\":\"\xc3\"}", "10"},
        {"{\"grade\":\"ok \xc3\xa9 \xe2\x28\xa1\"}", "16"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "grade: invalid UTF-8 at byte %s", cases[i][1]);
        fails(cases[i][0], want);
    }
    /* Cut off by the end of the line: the line's end is what is reported. */
    fails("{\"grade\":\"\xe2\x82", "json: byte 12: unexpected end of line");
    fails("{\"grade\":\"\\u00", "json: byte 14: unexpected end of line");
    fails("{\"grade\":\"\\", "json: byte 11: unexpected end of line");
}

static void test_depth(void **state)
{
    char line[300];
    /* The application is level 1: 63 more levels are fine, 64 are not. */
    for (int levels = 63; levels <= 64; levels++) {
        size_t n = (size_t)snprintf(line, sizeof line, "{\"deep\":");
        for (int i = 0; i < levels; i++)
            line[n++] = '[';
        for (int i = 0; i < levels; i++)
            line[n++] = ']';
        line[n++] = '}';
        line[n] = '\0';
        if (levels == 63)
            fails(line, "app_id: required field is missing");
        else
            fails(line, "json: byte 71: nested deeper than 64");
    }
    cr_json_limits lim = {3, 1u << 20, 100};
    error_in(&app_rec, "{\"x\":[[[1]]]}", &lim, "json: byte 7: nested deeper than 3");
    error_in(&app_rec, "{\"x\":{\"y\":{\"z\":{}}}}", &lim, "json: byte 15: nested deeper than 3");
    error_in(&app_rec, "{\"x\":[[1]],\"y\":{\"z\":{}}}", &lim, "app_id: required field is missing");
    /* Typed values count too. */
    lim.max_depth = 1;
    error_in(&app_rec, "{\"owner\":{}}", &lim, "json: byte 9: nested deeper than 1");
    error_in(&app_rec, "{\"sales\":[]}", &lim, "json: byte 9: nested deeper than 1");
    /* A very deep line fails fast, without deep recursion. */
    size_t big = 200000;
    char *deep = malloc(big + 1);
    assert_non_null(deep);
    memset(deep, '[', big);
    deep[0] = '{';
    deep[1] = '"';
    deep[2] = 'x';
    deep[3] = '"';
    deep[4] = ':';
    deep[big] = '\0';
    fails(deep, "json: byte 68: nested deeper than 64");
    free(deep);
}

static void test_syntax(void **state)
{
    fails("", "json: byte 0: expected an object");
    assert_int_equal(cr_json_read(&app_rec, NULL, 0, &g_arena, NULL, g_slots, &g_res), -1);
    assert_string_equal(g_res.error, "json: byte 0: expected an object");
    fails("   ", "json: byte 3: expected an object");
    fails("\n", "json: byte 1: expected an object");
    fails("[1]", "json: byte 0: expected an object");
    fails("\"x\"", "json: byte 0: expected an object");
    fails("{", "json: byte 1: unexpected end of line");
    fails("{\"age\":1 \"x\":2}", "json: byte 9: expected ',' or '}'");
    fails("{\"age\":1,}", "json: byte 9: expected a key");
    fails("{,}", "json: byte 1: expected a key or '}'");
    fails("{age:1}", "json: byte 1: expected a key or '}'");
    fails("{\"age\" 1}", "json: byte 7: expected ':'");
    fails("{\"age\":}", "json: byte 7: expected a value");
    fails("{\"age\":tru}", "json: byte 7: expected a value");
    fails("{\"age\":nul", "json: byte 10: unexpected end of line");
    fails("{\"age\":True}", "json: byte 7: expected a value");
    /* A scalar's syntax is checked before its type; a list or object of
     * the wrong type is reported as soon as it opens. */
    fails("{\"age\":\"abc", "json: byte 11: unexpected end of line");
    fails("{\"age\":1.}", "json: byte 9: invalid number");
    fails("{\"age\":[1,", "age: expected int, got list");
    fails("{\"x\":-}", "json: byte 6: invalid number");
    fails("{\"x\":-a}", "json: byte 6: invalid number");
    fails("{\"x\":1.}", "json: byte 7: invalid number");
    fails("{\"x\":1.e5}", "json: byte 7: invalid number");
    fails("{\"x\":1e}", "json: byte 7: invalid number");
    fails("{\"x\":1e+}", "json: byte 8: invalid number");
    fails("{\"x\":.5}", "json: byte 5: expected a value");
    fails("{\"x\":+1}", "json: byte 5: expected a value");
    fails("{\"x\":01}", "json: byte 6: expected ',' or '}'");
    fails("{\"x\":\"abc", "json: byte 9: unexpected end of line");
    fails("{\"x\":\"abc\\\"}", "json: byte 12: unexpected end of line");
    fails("{\"x\":1", "json: byte 6: unexpected end of line");
    fails("{\"x\":1,", "json: byte 7: unexpected end of line");
    fails("{\"x\"", "json: byte 4: unexpected end of line");
    fails("{\"x\":", "json: byte 5: unexpected end of line");
    fails("{\"x\":[", "json: byte 6: unexpected end of line");
    fails("{\"x\":{\"a\":1", "json: byte 11: unexpected end of line");
    /* A NUL byte is just a wrong byte. */
    assert_int_equal(read_n(&app_rec, "{\"x\":\0}", 7, NULL), -1);
    assert_string_equal(g_res.error, "json: byte 5: expected a value");
    assert_int_equal(read_n(&app_rec, "{\"x\":\"\0\"}", 9, NULL), -1);
    assert_string_equal(g_res.error, "x: unescaped control character at byte 6");

    /* Anything but whitespace after the object. */
    char line[512];
    snprintf(line, sizeof line, "%s x", app_with("", NULL));
    char want[64];
    snprintf(want, sizeof want, "json: byte %zu: unexpected data after the object", strlen(line) - 1);
    fails(line, want);
    snprintf(line, sizeof line, "%s{}", app_with("", NULL));
    snprintf(want, sizeof want, "json: byte %zu: unexpected data after the object", strlen(line) - 2);
    fails(line, want);
    snprintf(line, sizeof line, "%s \t\r\n", app_with("", NULL));
    ok(line);
    /* The first error wins over a later syntax error, but the result is -1. */
    fails("{\"age\":\"x\",", "age: expected int, got text");
}

/* Every proper prefix of a valid line is rejected as cut off, and no read
 * goes past its end (ASan watches the exact-size buffer). */
static void test_every_prefix(void **state)
{
    const char *lines[] = {
        app_with("", NULL),
        " {\"app_id\" : \"A\\u00e9\\ud83d\\ude00\\n\", \"age\":-12, \"income\":1.5e-3, \"grade\":\"\xc3\xa9\","
        "\"blacklisted\":true,\"collateral\":null,\"sales\":[1, 2 ,3e1],\"start\":\"2024-01-31\","
        "\"owner\":{\"name\":\"\\\"N\\\"\",\"share\":0},\"x\":[{},[],\"\",-0.0E+0,false]} ",
    };
    for (size_t l = 0; l < sizeof lines / sizeof lines[0]; l++) {
        char full[1024];
        snprintf(full, sizeof full, "%s", lines[l]);
        size_t n = strlen(full), start = strspn(full, " ");
        ok(full);
        size_t end = n;
        while (full[end - 1] == ' ')
            end--;
        for (size_t k = 0; k < end; k++) {
            assert_int_equal(read_n(&app_rec, full, k, NULL), -1);
            char want[64];
            if (k <= start)
                snprintf(want, sizeof want, "json: byte %zu: expected an object", k);
            else
                snprintf(want, sizeof want, "json: byte %zu: unexpected end of line", k);
            if (strcmp(g_res.error, want) != 0)
                fail_msg("prefix %zu of %s: %s", k, full, g_res.error);
        }
    }
}

static void test_out_of_memory(void **state)
{
    cr_arena small;
    cr_arena_init(&small, 256, 512);
    const char *line = app_with("sales", "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,"
                                         "21,22,23,24,25,26,27,28,29,30,31,32,33,34]");
    cr_json_result res;
    cr_value slots[NFIELDS];
    size_t n = strlen(line);
    char *buf = malloc(n);
    assert_non_null(buf);
    memcpy(buf, line, n);
    assert_int_equal(cr_json_read(&app_rec, buf, n, &small, NULL, slots, &res), -1);
    assert_string_equal(res.error, "json: out of memory for this application (limit 512 bytes)");
    cr_arena_reset(&small);
    /* The same arena is enough for a short line. */
    const char *short_line = app_with("sales", "[]");
    size_t n2 = strlen(short_line);
    char *buf2 = malloc(n2);
    assert_non_null(buf2);
    memcpy(buf2, short_line, n2);
    assert_int_equal(cr_json_read(&app_rec, buf2, n2, &small, NULL, slots, &res), 0);
    expect_text(slots[F_GRADE], "B", 1);
    free(buf);
    free(buf2);
    cr_arena_free(&small);
}

static void test_limits_default(void **state)
{
    /* NULL limits mean CR_JSON_LIMITS_DEFAULT: 1 MiB texts are fine. */
    size_t big = (1u << 20);
    char *line = malloc(big + 100);
    assert_non_null(line);
    int n = snprintf(line, 100, "{\"grade\":\"");
    memset(line + n, 'g', big + 1);
    snprintf(line + n + big + 1, 20, "\"}");
    fails(line, "grade: text is longer than 1048576 bytes");
    line[n + big] = '"';
    line[n + big + 1] = '}';
    line[n + big + 2] = '\0';
    fails(line, "app_id: required field is missing");
    free(line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_application, setup, teardown),
        cmocka_unit_test_setup_teardown(test_member_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whitespace_around, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decimals_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decimal_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_and_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_app_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_members, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers_like_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits_default, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
