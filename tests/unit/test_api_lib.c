/* Unit tests for what credo.h offers beside deciding one application:
 * the library's version, the limits of credo_config (each at its
 * maximum, one past it and at 0, and each one lowered until an
 * application meets it), the policy's identity and its fields and
 * results, credo_decide_lines against credo_decide_json line by line, and
 * credo_explain_json against the internal path `credo explain --json`
 * takes.
 *
 * Run from the project root (make unit does): the reference policy and
 * its 5,000 applicants are read from policies/ and tests/reference/. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/credo.h"

#include "lang/compile.h"
#include "runtime/core/date.h"
#include "runtime/core/sha256.h"
#include "runtime/decide.h"
#include "runtime/io/explain.h"

#define POLICY "policies/sme_tax_loan.credo"
#define APPLICANTS "tests/reference/applicants.jsonl"
#define AS_OF "2026-12-01"

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    p[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return p;
}

static credo_policy *load(const char *path)
{
    credo_error err;
    credo_policy *p = credo_policy_load(path, &err);
    if (!p)
        fail_msg("%s:%u:%u: %s", err.file, err.line, err.column, err.message);
    return p;
}

static credo_policy *compile(const char *src)
{
    credo_error err;
    credo_policy *p = credo_policy_compile("t.credo", src, strlen(src), &err);
    if (!p)
        fail_msg("t.credo:%u:%u: %s", err.line, err.column, err.message);
    return p;
}

/* Decides json on a new session with config c; returns the decision
 * line (malloc'd) and the code in *rc. */
static char *decide_with(const credo_policy *p, const credo_config *c, const char *json, int *rc)
{
    credo_error err;
    credo_session *s = credo_session_new_with(p, c, &err);
    if (!s)
        fail_msg("credo_session_new_with: %s", err.message);
    assert_int_equal(credo_session_set_as_of(s, AS_OF), CREDO_OK);
    *rc = credo_decide_json(s, json, strlen(json), &err);
    char *line = strdup(credo_decision_json(s, NULL));
    credo_session_free(s);
    return line;
}

/* ---- version ------------------------------------------------------------------- */

static void test_version(void **state)
{
    (void)state;
    const char *v = credo_version();
    assert_non_null(v);
    /* digits.digits.digits, as the Makefile's VERSION */
    int dots = 0;
    for (const char *c = v; *c; c++) {
        if (*c == '.')
            dots++;
        else
            assert_true(isdigit((unsigned char)*c));
    }
    assert_int_equal(dots, 2);
    assert_true(isdigit((unsigned char)v[0]));
}

/* ---- limits -------------------------------------------------------------------- */

static void expect_refused(const credo_config *c, const char *want)
{
    credo_error err;
    assert_int_equal(credo_config_check(c, &err), CREDO_E_USAGE);
    assert_int_equal(err.code, CREDO_E_USAGE);
    if (!strstr(err.message, want))
        fail_msg("message '%s' does not say '%s'", err.message, want);
    credo_policy *p = compile("policy t input a { x: int } y = x\n");
    assert_null(credo_session_new_with(p, c, &err));
    assert_int_equal(err.code, CREDO_E_USAGE);
    assert_non_null(strstr(err.message, want));
    credo_policy_free(p);
}

static void test_config_bounds(void **state)
{
    (void)state;
    credo_config c;
    credo_config_init(&c);
    assert_int_equal(c.max_instructions, 1000000);
    assert_int_equal(c.max_memory, 64u << 20);
    assert_int_equal(c.regex_match_limit, 100000);
    assert_int_equal(c.regex_depth_limit, 1000);
    assert_int_equal(c.json_max_depth, 64);
    assert_int_equal(c.json_max_text, 1u << 20);
    assert_int_equal(c.json_max_list, 100000);
    assert_int_equal(c.max_line, 16u << 20);
    credo_error err;
    assert_int_equal(credo_config_check(&c, &err), CREDO_OK);

    credo_config max = {1000000000ull, 1ull << 30, 10000000, 100000, 1000, 16u << 20, 10000000, 64ull << 20, 60000};
    assert_int_equal(credo_config_check(&max, &err), CREDO_OK);

    c = max, c.max_instructions++;
    expect_refused(&c, "instruction budget 1000000001 is more than the maximum, 1000000000");
    c = max, c.max_memory++;
    expect_refused(&c, "memory limit 1073741825 bytes is more than the maximum, 1 GiB");
    c = max, c.max_memory = UINT64_MAX;
    expect_refused(&c, "is more than the maximum, 1 GiB");
    c = max, c.regex_match_limit++;
    expect_refused(&c, "regex match limit 10000001 is more than the maximum, 10000000");
    c = max, c.regex_depth_limit++;
    expect_refused(&c, "regex depth limit 100001 is more than the maximum, 100000");
    c = max, c.json_max_depth++;
    expect_refused(&c, "JSON depth limit 1001 is more than the maximum, 1000");
    c = max, c.json_max_text++;
    expect_refused(&c, "JSON text limit 16777217 bytes is more than the maximum, 16 MiB");
    c = max, c.json_max_list++;
    expect_refused(&c, "JSON list limit 10000001 is more than the maximum, 10000000");
    c = max, c.max_line++;
    expect_refused(&c, "line limit 67108865 bytes is more than the maximum, 64 MiB");
    c = max, c.deadline_ms++;
    expect_refused(&c, "deadline (ms) 60001 is more than the maximum, 60000");
    c = max, c.max_instructions = 0;
    expect_refused(&c, "instruction budget must be at least 1");
    c = max, c.max_line = 0;
    expect_refused(&c, "line limit must be at least 1");
    assert_int_equal(credo_config_check(NULL, &err), CREDO_E_USAGE);
}

/* Each limit lowered until an application meets it: the ERROR line says
 * which, as credo run's would; with the default the same application is
 * decided. */
static void test_config_applies(void **state)
{
    (void)state;
    credo_policy *p = compile("policy t\n"
                              "input a { app_id: text  code: text  xs: list of int  m: { k: int } }\n"
                              "n = sum(xs)\n"
                              "ok = code matches /^(a+)+$/\n"
                              "k = m.k\n");
    const char *app = "{\"app_id\":\"A\",\"code\":\"aaaaaaaaaaaa!\",\"xs\":[1,2,3],\"m\":{\"k\":1}}";
    int rc;
    char *line = decide_with(p, NULL, app, &rc);
    assert_int_equal(rc, CREDO_OK);
    assert_string_equal(line, "{\"app_id\":\"A\",\"decision\":\"APPROVE\",\"reasons\":[],\"n\":6,\"ok\":false,\"k\":1}");
    free(line);

    credo_config c;
#define CASE(field, value, want_code, want)                                         \
    do {                                                                            \
        credo_config_init(&c);                                                      \
        c.field = value;                                                            \
        line = decide_with(p, &c, app, &rc);                                        \
        assert_int_equal(rc, want_code);                                            \
        if (!strstr(line, want))                                                    \
            fail_msg(#field " %llu: '%s' does not say '%s'", (unsigned long long)(value), line, want); \
        free(line);                                                                 \
    } while (0)
    CASE(max_instructions, 3, CREDO_E_RUNTIME, "instruction budget of 3 exceeded");
    CASE(max_memory, 64, CREDO_E_INPUT, "out of memory");
    CASE(regex_match_limit, 1000, CREDO_E_RUNTIME, "regular expression failed: match limit exceeded");
    CASE(json_max_depth, 1, CREDO_E_INPUT, "nested deeper than 1");
    CASE(json_max_text, 5, CREDO_E_INPUT, "code: text is longer than 5 bytes");
    CASE(json_max_list, 2, CREDO_E_INPUT, "xs: list has more than 2 items");
    CASE(max_line, 40, CREDO_E_INPUT, "\"error\":\"line: longer than 40 bytes\"");
#undef CASE
    credo_policy_free(p);
}

/* ---- identity, fields and results ---------------------------------------------- */

static void test_identity(void **state)
{
    (void)state;
    credo_policy *p = load(POLICY);
    assert_string_equal(credo_policy_name(p), "sme_tax_loan");
    assert_string_equal(credo_policy_title(p), "SME working-capital loan on tax and POS data");
    assert_string_equal(credo_policy_version(p), "2026.11.1");
    assert_string_equal(credo_policy_effective(p), "2026-12-01");
    assert_string_equal(credo_policy_owner(p), "retail-risk");
    size_t len;
    char *src = read_all(POLICY, &len);
    uint8_t d[CR_SHA256_LEN];
    cr_sha256(src, len, d);
    char hex[65];
    for (int i = 0; i < CR_SHA256_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    assert_string_equal(credo_policy_sha256(p), hex);
    assert_int_equal(strlen(credo_policy_program_sha256(p)), 64);
    free(src);

    assert_int_equal(credo_policy_field_count(p), 20);
    assert_string_equal(credo_policy_field_name(p, 0), "app_id");
    assert_string_equal(credo_policy_field_type(p, 0), "text");
    assert_string_equal(credo_policy_field_name(p, 1), "age");
    assert_string_equal(credo_policy_field_type(p, 1), "int");
    assert_string_equal(credo_policy_field_name(p, 18), "collateral_value");
    assert_string_equal(credo_policy_field_type(p, 18), "money?");
    assert_string_equal(credo_policy_field_type(p, 19), "list of money");
    assert_null(credo_policy_field_name(p, 20));
    assert_null(credo_policy_field_type(p, 20));

    const char *names[] = {"score", "tier", "limit", "rate"};
    assert_int_equal(credo_policy_result_count(p), 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(credo_policy_result_name(p, i), names[i]);
    assert_string_equal(credo_policy_result_type(p, 0), "int");
    assert_string_equal(credo_policy_result_type(p, 1), "tier label");
    assert_null(credo_policy_result_name(p, 4));
    credo_policy_free(p);

    assert_int_equal(credo_policy_field_count(NULL), 0);
    assert_null(credo_policy_result_name(NULL, 0));
    assert_null(credo_policy_title(NULL));
}

/* ---- many lines ---------------------------------------------------------------- */

/* The 5,000 reference applicants in one call give what credo_decide_json
 * gives for each line, in order, each ended by a newline. */
static void test_decide_lines(void **state)
{
    (void)state;
    credo_policy *p = load(POLICY);
    credo_error err;
    credo_session *many = credo_session_new(p, &err), *one = credo_session_new(p, &err);
    assert_non_null(many);
    assert_non_null(one);
    credo_session_set_as_of(many, AS_OF);
    credo_session_set_as_of(one, AS_OF);
    size_t len, out_len, errors = 99;
    char *all = read_all(APPLICANTS, &len);
    const char *out = credo_decide_lines(many, all, len, &out_len, &errors, &err);
    assert_non_null(out);
    assert_int_equal(err.code, CREDO_OK);
    assert_int_equal(errors, 0);
    assert_int_equal(strlen(out), out_len);
    size_t n = 0, at = 0;
    for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n"), n++) {
        assert_int_equal(credo_decide_json(one, line, strlen(line), &err), CREDO_OK);
        size_t k;
        const char *want = credo_decision_json(one, &k);
        assert_true(at + k < out_len);
        assert_memory_equal(out + at, want, k);
        assert_int_equal(out[at + k], '\n');
        at += k + 1;
    }
    assert_int_equal(n, 5000);
    assert_int_equal(at, out_len);
    assert_null(credo_outcome(many));   /* no single decision afterwards */
    free(all);

    /* an empty line is an application (an ERROR, as credo run says), the
     * last line needs no newline, ERROR lines count from 1 */
    const char *three = "{\"app_id\":\"a\"}\n\nnot json";
    out = credo_decide_lines(many, three, strlen(three), &out_len, &errors, &err);
    assert_non_null(out);
    assert_int_equal(errors, 3);
    assert_string_equal(out,
                        "{\"app_id\":\"a\",\"line\":1,\"decision\":\"ERROR\",\"error\":\"age: required field is missing\"}\n"
                        "{\"app_id\":null,\"line\":2,\"decision\":\"ERROR\",\"error\":\"json: byte 0: expected an object\"}\n"
                        "{\"app_id\":null,\"line\":3,\"decision\":\"ERROR\",\"error\":\"json: byte 0: expected an object\"}\n");
    out = credo_decide_lines(many, "", 0, &out_len, &errors, &err);
    assert_non_null(out);
    assert_int_equal(out_len, 0);
    assert_int_equal(errors, 0);
    assert_null(credo_decide_lines(NULL, "", 0, &out_len, NULL, &err));
    assert_int_equal(err.code, CREDO_E_USAGE);
    credo_session_free(many);
    credo_session_free(one);
    credo_policy_free(p);
}

/* ---- explain ------------------------------------------------------------------- */

/* What `credo explain --json` writes (runtime/cli/cli_explain.c's path),
 * without its newline. */
static char *explain_internally(const char *line)
{
    size_t len;
    char *src = read_all(POLICY, &len);
    cr_diags d;
    cr_diags_init(&d, POLICY, src, len);
    cr_program *prog = cr_compile(POLICY, src, len, &d);
    assert_non_null(prog);
    cr_session *s = cr_session_new(prog, NULL);
    cr_trace trace = {.cap = 100000};
    trace.items = malloc(trace.cap * sizeof *trace.items);
    assert_true(cr_date_parse(AS_OF, strlen(AS_OF), &s->today));
    s->trace = &trace;
    cr_decided dd;
    assert_true(cr_decide(s, line, strlen(line), NULL, NULL, &dd));
    cr_buf b = {0};
    cr_explain_json(&b, s, dd.app_id, dd.app_id_len);
    assert_false(b.failed);
    char *out = strndup(b.p, b.len - 1);
    cr_buf_free(&b);
    free(trace.items);
    cr_session_free(s);
    cr_program_free(prog);
    cr_diags_free(&d);
    free(src);
    return out;
}

static void test_explain(void **state)
{
    (void)state;
    credo_policy *p = load(POLICY);
    credo_error err;
    credo_session *s = credo_session_new(p, &err);
    credo_session_set_as_of(s, AS_OF);
    size_t len;
    char *all = read_all(APPLICANTS, &len);
    int n = 0;
    for (char *line = strtok(all, "\n"); line && n < 50; line = strtok(NULL, "\n"), n++) {
        size_t k;
        const char *got = credo_explain_json(s, line, strlen(line), &k, &err);
        assert_non_null(got);
        assert_int_equal(strlen(got), k);
        char *want = explain_internally(line);
        assert_string_equal(got, want);
        free(want);
        /* the session's decision is the application's, and the next plain
         * decision runs without the trace */
        assert_non_null(credo_outcome(s));
        assert_int_equal(credo_decide_json(s, line, strlen(line), &err), CREDO_OK);
    }
    free(all);
    const char *bad = "{\"app_id\":\"X\"}";
    assert_null(credo_explain_json(s, bad, strlen(bad), NULL, &err));
    assert_int_equal(err.code, CREDO_E_INPUT);
    assert_string_equal(err.message, "age: required field is missing");
    assert_string_equal(credo_outcome(s), "ERROR");
    credo_session_free(s);
    credo_policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),      cmocka_unit_test(test_config_bounds),
        cmocka_unit_test(test_config_applies), cmocka_unit_test(test_identity),
        cmocka_unit_test(test_decide_lines), cmocka_unit_test(test_explain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
