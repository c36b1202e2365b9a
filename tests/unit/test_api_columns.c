/* Unit tests for credo_decide_columns (credo.h) and the double writer
 * under it (runtime/io/json_double.c): every column type, nulls, a bad
 * row of each kind, each row's decision the one credo_decide_json gives
 * for the row written as JSON by hand, the output object byte for byte,
 * the usage errors; doubles written as Python's repr writes them. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/credo.h"
#include "runtime/io/json_double.h"

static const char SRC[] =
    "policy cols\n"
    "input a {\n"
    "  app_id: text\n"
    "  age: int\n"
    "  amount: money\n"
    "  vip: bool\n"
    "  n: int?\n"
    "  sales: list of money\n"
    "  born: date\n"
    "}\n"
    "refer YOUNG when age < 21\n"
    "twice = amount * 2\n"
    "total = sum(sales)\n"
    "times = (n ?? 0) + 1\n"
    "special = vip\n";

static void test_double_text(void **state)
{
    (void)state;
    static const struct {
        double x;
        const char *text;
    } cases[] = {
        {0.1, "0.1"},
        {79000.0, "79000.0"},
        {37729.36, "37729.36"},
        {-2.5, "-2.5"},
        {0.0, "0.0"},
        {-0.0, "-0.0"},
        {1e-4, "0.0001"},
        {1e-5, "1e-05"},
        {1e15, "1000000000000000.0"},
        {1e16, "1e+16"},
        {1.5e300, "1.5e+300"},
        {0.1 + 0.2, "0.30000000000000004"},
        {5e-324, "5e-324"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {3.6993799826786e-310, "3.6993799826786e-310"},        /* a subnormal: fewer digits than 15 */
        {6.183260036827614e+172, "6.183260036827614e+172"},    /* 2^574: the rounded 16 digits do not read back */
        {9007199254740993.0, "9007199254740992.0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[CR_JSON_DOUBLE_MAX];
        size_t n = cr_json_double(cases[i].x, out);
        assert_string_equal(out, cases[i].text);
        assert_int_equal(n, strlen(out));
    }
    /* every output reads back, and is never longer than %.17g's digits */
    srand(7);
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = 0;
        for (int k = 0; k < 4; k++)
            bits = bits << 16 | (uint64_t)(rand() & 0xffff);
        double x;
        memcpy(&x, &bits, sizeof x);
        if (!isfinite(x))
            continue;
        char out[CR_JSON_DOUBLE_MAX];
        cr_json_double(x, out);
        assert_true(strtod(out, NULL) == x);
    }
}

static credo_session *session(credo_policy **p)
{
    credo_error err;
    *p = credo_policy_compile("cols.credo", SRC, sizeof SRC - 1, &err);
    if (!*p)
        fail_msg("%s", err.message);
    credo_session *s = credo_session_new(*p, &err);
    assert_non_null(s);
    assert_int_equal(credo_session_set_as_of(s, "2026-12-01"), CREDO_OK);
    return s;
}

/* The rows of test_columns, as JSON lines a person would write. */
static const char *const LINES[] = {
    "{\"app_id\":\"A\",\"age\":30,\"amount\":0.1,\"vip\":true,\"n\":4,\"sales\":[1.5,2.25],\"born\":\"2000-02-29\"}",
    "{\"app_id\":\"B\\\"q\",\"age\":19,\"amount\":79000.0,\"vip\":false,\"n\":null,\"sales\":[],\"born\":\"1990-01-01\"}",
    "{\"app_id\":\"C\",\"age\":40,\"amount\":null,\"vip\":true,\"n\":1,\"sales\":[1.0],\"born\":\"1990-01-01\"}",
    "{\"app_id\":\"D\",\"age\":40,\"amount\":\"inf\",\"vip\":true,\"n\":1,\"sales\":[1.0],\"born\":\"1990-01-01\"}",
    "{\"app_id\":\"E\",\"age\":40,\"amount\":1,\"vip\":null,\"n\":1,\"sales\":[null],\"born\":\"1990-01-01\"}",
    "{\"app_id\":\"F\",\"age\":40,\"amount\":1,\"vip\":true,\"n\":1,\"sales\":[1.0],\"born\":\"1990-13-01\"}",
};
#define ROWS (sizeof LINES / sizeof *LINES)

static void test_columns(void **state)
{
    (void)state;
    credo_policy *p;
    credo_session *s = session(&p);
    const char *ids[ROWS] = {"A", "B\"q", "C", "D", "E", "F"};
    int64_t age[ROWS] = {30, 19, 40, 40, 40, 40};
    double amount[ROWS] = {0.1, 79000.0, NAN, INFINITY, 1, 1};
    uint8_t vip[ROWS] = {1, 0, 1, 1, 1, 1}, vip_null[ROWS] = {0, 0, 0, 0, 1, 0};
    int64_t n[ROWS] = {4, 0, 1, 1, 1, 1};
    uint8_t n_null[ROWS] = {0, 1, 0, 0, 0, 0};
    double sales[] = {1.5, 2.25, 1.0, 1.0, NAN, 1.0};
    int64_t cut[ROWS + 1] = {0, 2, 2, 3, 4, 5, 6};
    const char *born[ROWS] = {"\"2000-02-29\"", " \"1990-01-01\" ", "\"1990-01-01\"", "\"1990-01-01\"",
                              "\"1990-01-01\"", "\"1990-13-01\""};
    const credo_column cols[] = {
        {"app_id", CREDO_COLUMN_TEXT, ids, NULL, NULL},
        {"age", CREDO_COLUMN_INT64, age, NULL, NULL},
        {"amount", CREDO_COLUMN_DOUBLE, amount, NULL, NULL},
        {"vip", CREDO_COLUMN_BOOL, vip, vip_null, NULL},
        {"n", CREDO_COLUMN_INT64, n, n_null, NULL},
        {"sales", CREDO_COLUMN_DOUBLE_LIST, sales, NULL, cut},
        {"born", CREDO_COLUMN_JSON, born, NULL, NULL},
    };
    size_t len, errors;
    credo_error err;
    const char *out = credo_decide_columns(s, cols, 7, ROWS, &len, &errors, &err);
    assert_non_null(out);
    assert_int_equal(err.code, CREDO_OK);
    assert_int_equal(len, strlen(out));
    assert_int_equal(errors, 4);
    assert_string_equal(out,
        "{\"app_id\":[\"A\",\"B\\\"q\",\"C\",\"D\",\"E\",\"F\"],"
        "\"decision\":[\"APPROVE\",\"REFER\",\"ERROR\",\"ERROR\",\"ERROR\",\"ERROR\"],"
        "\"reasons\":[[],[\"YOUNG\"],[],[],[],[]],"
        "\"error\":[null,null,\"amount: expected money, got null\",\"amount: expected money, got text\","
        "\"vip: expected bool, got null\",\"born: expected a date YYYY-MM-DD, got \\\"1990-13-01\\\"\"],"
        "\"twice\":[\"0.2\",\"158000.0\",null,null,null,null],"
        "\"total\":[\"3.75\",\"0\",null,null,null,null],"
        "\"times\":[5,1,null,null,null,null],"
        "\"special\":[true,false,null,null,null,null]}");
    /* each row's decision and error are those of its JSON line */
    char *copy = strdup(out);
    for (size_t i = 0; i < ROWS; i++) {
        int rc = credo_decide_json(s, LINES[i], strlen(LINES[i]), &err);
        const char *outcome = credo_outcome(s);
        char want[160];
        snprintf(want, sizeof want, "\"%s\"", outcome);
        assert_non_null(strstr(copy, want));
        if (rc != CREDO_OK) {   /* the ERROR line's "error" member, as JSON, is in the output */
            char *member = strdup(strstr(credo_decision_json(s, NULL), "\"error\":") + 8);
            member[strlen(member) - 1] = '\0';   /* the line's closing brace */
            assert_non_null(strstr(copy, member));
            free(member);
        }
    }
    free(copy);
    /* no rows: empty lists */
    out = credo_decide_columns(s, cols, 7, 0, &len, &errors, &err);
    assert_string_equal(out, "{\"app_id\":[],\"decision\":[],\"reasons\":[],\"error\":[],\"twice\":[],\"total\":[],"
                             "\"times\":[],\"special\":[]}");
    credo_session_free(s);
    credo_policy_free(p);
}

static void test_bad_cells(void **state)
{
    (void)state;
    credo_policy *p;
    credo_session *s = session(&p);
    const char *json[2] = {"30, \"amount\": 5", "[30"};   /* more than one value; not a whole one */
    const credo_column cols[] = {{"age", CREDO_COLUMN_JSON, json, NULL, NULL}};
    size_t len, errors;
    credo_error err;
    const char *out = credo_decide_columns(s, cols, 1, 2, &len, &errors, &err);
    assert_non_null(out);
    assert_int_equal(errors, 2);
    assert_non_null(strstr(out, "\"error\":[\"age: json: not one JSON value\",\"age: json: not one JSON value\"]"));
    /* usage */
    assert_null(credo_decide_columns(NULL, cols, 1, 2, &len, &errors, &err));
    assert_int_equal(err.code, CREDO_E_USAGE);
    const credo_column unknown[] = {{"age", 99, json, NULL, NULL}};
    assert_null(credo_decide_columns(s, unknown, 1, 2, &len, &errors, &err));
    assert_string_equal(err.message, "credo_decide_columns: a column of an unknown type");
    const double v[1] = {1};
    const credo_column list[] = {{"sales", CREDO_COLUMN_DOUBLE_LIST, v, NULL, NULL}};
    assert_null(credo_decide_columns(s, list, 1, 1, &len, &errors, &err));
    assert_int_equal(err.code, CREDO_E_USAGE);
    const credo_column nofield[] = {{NULL, CREDO_COLUMN_DOUBLE, v, NULL, NULL}};
    assert_null(credo_decide_columns(s, nofield, 1, 1, &len, &errors, &err));
    assert_int_equal(err.code, CREDO_E_USAGE);
    /* a required field with no column: as a JSON line without it */
    out = credo_decide_columns(s, NULL, 0, 1, &len, &errors, &err);
    assert_non_null(strstr(out, "\"error\":[\"app_id: required field is missing\"]"));
    credo_session_free(s);
    credo_policy_free(p);
}

/* The line limit holds for a row made from columns as for a line read:
 * a row past it is an ERROR naming the limit, the next row is decided. */
static void test_line_limit(void **state)
{
    (void)state;
    credo_error err;
    credo_policy *p = credo_policy_compile("cols.credo", SRC, sizeof SRC - 1, &err);
    assert_non_null(p);
    credo_config c;
    credo_config_init(&c);
    c.max_line = 64;
    credo_session *s = credo_session_new_with(p, &c, &err);
    assert_non_null(s);
    assert_int_equal(credo_session_set_as_of(s, "2026-12-01"), CREDO_OK);
    const char *ids[2] = {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "B"};
    const credo_column cols[] = {{"app_id", CREDO_COLUMN_TEXT, ids, NULL, NULL}};
    size_t len, errors;
    const char *out = credo_decide_columns(s, cols, 1, 2, &len, &errors, &err);
    assert_non_null(out);
    assert_non_null(strstr(out, "\"error\":[\"line: longer than 64 bytes\",\"age: required field is missing\"]"));
    assert_int_equal(errors, 2);
    credo_session_free(s);
    credo_policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_double_text),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_bad_cells),
        cmocka_unit_test(test_line_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
