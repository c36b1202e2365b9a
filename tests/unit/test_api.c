/* Unit tests for the public API (runtime/credo.h), through that header
 * only: loading and identity, every error code with its place, deciding
 * by JSON and field by field (the same decision lines), reading results,
 * and four threads sharing one policy.  Last, the one path every
 * decision takes underneath (runtime/decide.h, cr_decide): the lines the
 * API gives are its lines, in each of its modes.
 *
 * Run from the project root (make unit does): the reference policy and
 * its 5,000 applicants are read from policies/ and tests/reference/.
 * `test_api NAME` runs only the tests whose name matches NAME (a cmocka
 * filter, e.g. test_threads for tests/golden/threads_tsan.sh). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/credo.h"

#include "lang/compile.h"
#include "lang/credoc.h"
#include "runtime/core/date.h"
#include "runtime/core/ed25519.h"
#include "runtime/core/sha256.h"
#include "runtime/decide.h"

#define POLICY "policies/sme_tax_loan.credo"
#define APPLICANTS "tests/reference/applicants.jsonl"
#define AS_OF "2026-12-01"

/* ---- fixtures ---------------------------------------------------------------- */

typedef struct lines {
    char **v;
    size_t n;
} lines;

static lines read_lines(const char *path)
{
    lines L = {0};
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0, size = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) > 0) {
        while (got && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        if (L.n == size) {
            size = size ? size * 2 : 1024;
            L.v = realloc(L.v, size * sizeof *L.v);
            assert_non_null(L.v);
        }
        L.v[L.n++] = strdup(line);
    }
    free(line);
    fclose(f);
    return L;
}

static void free_lines(lines *L)
{
    for (size_t i = 0; i < L->n; i++)
        free(L->v[i]);
    free(L->v);
    memset(L, 0, sizeof *L);
}

static credo_policy *load_reference(void)
{
    credo_error err;
    credo_policy *p = credo_policy_load(POLICY, &err);
    if (!p)
        fail_msg("%s:%u:%u: %s", err.file, err.line, err.column, err.message);
    return p;
}

static credo_session *session_for(const credo_policy *p)
{
    credo_error err;
    credo_session *s = credo_session_new(p, &err);
    assert_non_null(s);
    assert_int_equal(err.code, CREDO_OK);
    assert_int_equal(credo_session_set_as_of(s, AS_OF), CREDO_OK);
    return s;
}

static credo_policy *compile(const char *src)
{
    credo_error err;
    credo_policy *p = credo_policy_compile("t.credo", src, strlen(src), &err);
    if (!p)
        fail_msg("t.credo:%u:%u: %s", err.line, err.column, err.message);
    return p;
}

/* A small policy with the types the reference policy lacks: a date, an
 * optional text, a list of records; results of every kind. */
static const char small_src[] =
    "policy t \"API test policy\"\n"                                  /* 1 */
    "input a {\n"                                                     /* 2 */
    "  born: date\n"                                                  /* 3 */
    "  name: text\n"                                                  /* 4 */
    "  score: int\n"                                                  /* 5 */
    "  amount: money\n"                                               /* 6 */
    "  vip: bool\n"                                                   /* 7 */
    "  note: text?\n"                                                 /* 8 */
    "  owners: list of { name: text, share: rate }\n"                 /* 9 */
    "}\n"                                                             /* 10 */
    "let age_days = days_between(born, today)\n"                      /* 11 */
    "adult = age_days >= 6570\n"                                      /* 12 */
    "born_on = born\n"                                                /* 13 */
    "shares = sum([o.share for o in owners])\n"                       /* 14 */
    "first_owner = owners[0].name\n"                                  /* 15 */
    "names = [o.name for o in owners]\n"                              /* 16 */
    "remark = note\n"                                                 /* 17 */
    "per_point = amount / score\n"                                    /* 18 */
    "admission {\n"                                                   /* 19 */
    "  reject YOUNG \"under 18\" when not adult\n"                    /* 20 */
    "  refer VIP when vip\n"                                          /* 21 */
    "}\n";                                                            /* 22 */

static const char small_json[] =
    "{\"app_id\":7,\"born\":\"2000-02-29\",\"name\":\"Ann\",\"score\":3,\"amount\":10.00,\"vip\":true,"
    "\"note\":null,\"owners\":[{\"name\":\"A\",\"share\":0.50},{\"name\":\"B\",\"share\":0.25}]}";

static const char small_decision[] =
    "{\"app_id\":\"7\",\"decision\":\"REFER\",\"reasons\":[\"VIP\"],\"adult\":true,\"born_on\":\"2000-02-29\","
    "\"shares\":0.75,\"first_owner\":\"A\",\"names\":[\"A\",\"B\"],\"remark\":null,"
    "\"per_point\":3.3333333333333333}";

/* Sets the small policy's fields as small_json gives them; the optional
 * "note" only when set_note (null both ways). */
static void set_small_fields(credo_session *s, bool set_note)
{
    credo_begin(s);
    assert_int_equal(credo_set_int(s, "app_id", 7), CREDO_OK);
    assert_int_equal(credo_set_date(s, "born", "2000-02-29"), CREDO_OK);
    assert_int_equal(credo_set_text(s, "name", "Ann"), CREDO_OK);
    assert_int_equal(credo_set_int(s, "score", 3), CREDO_OK);
    assert_int_equal(credo_set_decimal(s, "amount", "10.00"), CREDO_OK);
    assert_int_equal(credo_set_bool(s, "vip", 1), CREDO_OK);
    if (set_note)
        assert_int_equal(credo_set_null(s, "note"), CREDO_OK);
    assert_int_equal(credo_set_json(s, "owners", "[{\"name\":\"A\",\"share\":0.50},{\"name\":\"B\",\"share\":0.25}]"),
                     CREDO_OK);
}

static void set_small(credo_session *s) { set_small_fields(s, true); }

/* Gives each member of a reference applicant line (flat; texts without
 * escapes; lists of numbers) to the setter for its kind of value.
 * Returns CREDO_OK or the first setter's error; no cmocka calls, so the
 * threads may use it. */
static int set_from_line(credo_session *s, const char *line)
{
    char key[64], val[1024];
    int first = CREDO_OK, rc;
    const char *p = line + 1;
    credo_begin(s);
    while (*p == '"') {
        const char *k = p + 1, *ke = strchr(k, '"');
        snprintf(key, sizeof key, "%.*s", (int)(ke - k), k);
        const char *v = ke + 2, *ve;
        if (*v == '"') {
            ve = strchr(v + 1, '"');
            snprintf(val, sizeof val, "%.*s", (int)(ve - v - 1), v + 1);
            rc = credo_set_text(s, key, val);
            ve++;
        } else if (*v == '[') {
            ve = strchr(v, ']') + 1;
            snprintf(val, sizeof val, "%.*s", (int)(ve - v), v);
            rc = credo_set_json(s, key, val);
        } else {
            ve = v + strcspn(v, ",}");
            snprintf(val, sizeof val, "%.*s", (int)(ve - v), v);
            if (strcmp(val, "true") == 0 || strcmp(val, "false") == 0)
                rc = credo_set_bool(s, key, val[0] == 't');
            else if (strcmp(val, "null") == 0)
                rc = credo_set_null(s, key);
            else if (strpbrk(val, ".eE"))
                rc = credo_set_decimal(s, key, val);
            else
                rc = credo_set_int(s, key, strtoll(val, NULL, 10));
        }
        if (rc != CREDO_OK && first == CREDO_OK)
            first = rc;
        p = *ve == ',' ? ve + 1 : ve;
    }
    return first;
}

static char *sha256_file_hex(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    cr_sha256_ctx ctx;
    cr_sha256_init(&ctx);
    unsigned char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        cr_sha256_update(&ctx, buf, n);
    fclose(f);
    uint8_t d[CR_SHA256_LEN];
    cr_sha256_final(&ctx, d);
    char *hex = malloc(CR_SHA256_HEX_LEN + 1);
    assert_non_null(hex);
    cr_sha256_hex(d, hex);
    return hex;
}

/* ---- policies ---------------------------------------------------------------- */

static void test_policy_identity(void **state)
{
    (void)state;
    credo_policy *p = load_reference();
    assert_string_equal(credo_policy_name(p), "sme_tax_loan");
    assert_string_equal(credo_policy_version(p), "2026.11.1");
    assert_string_equal(credo_policy_effective(p), "2026-12-01");
    assert_string_equal(credo_policy_owner(p), "retail-risk");
    char *hex = sha256_file_hex(POLICY);
    assert_string_equal(credo_policy_sha256(p), hex);
    free(hex);
    credo_policy_free(p);

    /* a header with nothing but the name */
    p = compile("policy bare\ninput a { x: int }\nr = x + 1\n");
    assert_string_equal(credo_policy_name(p), "bare");
    assert_null(credo_policy_version(p));
    assert_null(credo_policy_effective(p));
    assert_null(credo_policy_owner(p));
    assert_int_equal(strlen(credo_policy_sha256(p)), 64);
    credo_policy_free(p);
    credo_policy_free(NULL);
}

static void test_policy_io_error(void **state)
{
    (void)state;
    credo_error err;
    assert_null(credo_policy_load("no/such/policy.credo", &err));
    assert_int_equal(err.code, CREDO_E_IO);
    assert_string_equal(err.file, "no/such/policy.credo");
    assert_non_null(strstr(err.message, "No such file"));
    assert_null(credo_policy_load("no/such/policy.credo", NULL));   /* err may be NULL */
}

/* A policy whose input declares a key: it names every line, decided from
 * JSON or field by field, and an ERROR line; credo_policy_key says which. */
static void test_input_key(void **state)
{
    (void)state;
    credo_policy *p = compile("policy k\ninput a key customer_no {\n  customer_no: int\n  age: int\n}\n"
                              "refer YOUNG when age < 21\n");
    assert_string_equal(credo_policy_key(p), "customer_no");
    credo_session *s = session_for(p);
    credo_error err;
    const char *line = "{\"customer_no\":1002,\"age\":19}";
    assert_int_equal(credo_decide_json(s, line, strlen(line), &err), CREDO_OK);
    assert_string_equal(credo_decision_json(s, NULL), "{\"customer_no\":1002,\"decision\":\"REFER\",\"reasons\":[\"YOUNG\"]}");
    credo_begin(s);
    assert_int_equal(credo_set_int(s, "customer_no", 1003), CREDO_OK);
    assert_int_equal(credo_set_int(s, "age", 40), CREDO_OK);
    assert_int_equal(credo_decide(s, &err), CREDO_OK);
    assert_string_equal(credo_decision_json(s, NULL), "{\"customer_no\":1003,\"decision\":\"APPROVE\",\"reasons\":[]}");
    /* app_id is no field of this input: a setter refuses it */
    credo_begin(s);
    assert_int_equal(credo_set_text(s, "app_id", "X"), CREDO_E_USAGE);
    credo_begin(s);
    assert_int_equal(credo_set_int(s, "customer_no", 1004), CREDO_OK);
    assert_int_not_equal(credo_decide(s, &err), CREDO_OK);
    assert_string_equal(credo_decision_json(s, NULL), "{\"customer_no\":1004,\"line\":3,\"decision\":\"ERROR\","
                                                      "\"error\":\"age: required field is missing\"}");
    credo_session_free(s);
    credo_policy_free(p);
    credo_policy *plain = compile("policy p\ninput a {\n  age: int\n}\n");
    assert_string_equal(credo_policy_key(plain), "app_id");
    credo_policy_free(plain);
}

static void test_policy_compile_error(void **state)
{
    (void)state;
    /* two mistakes: the first in source order is reported */
    static const char src[] =
        "policy typo\n"
        "input a { score: int }\n"
        "segment tier {\n"
        "  PRIME when score >= 700\n"
        "  REST  otherwise\n"
        "}\n"
        "r = tier == PRIMO\n"
        "q = scroe + 1\n";
    credo_error err;
    assert_null(credo_policy_compile("typo.credo", src, strlen(src), &err));
    assert_int_equal(err.code, CREDO_E_COMPILE);
    assert_string_equal(err.file, "typo.credo");
    assert_int_equal(err.line, 7);
    assert_int_equal(err.column, 13);
    assert_string_equal(err.message, "'PRIMO' is not a label of segment tier (PRIME, REST)");

    /* a syntax error */
    static const char syntax[] = "policy x\ninput a { b: int }\nr = = 1\n";
    assert_null(credo_policy_compile("syntax.credo", syntax, strlen(syntax), &err));
    assert_int_equal(err.code, CREDO_E_COMPILE);
    assert_int_equal(err.line, 3);
    assert_true(err.column > 0);
    assert_true(err.message[0] != '\0');
}

/* ---- deciding by JSON ---------------------------------------------------------- */

static void test_decide_json(void **state)
{
    (void)state;
    credo_policy *p = load_reference();
    credo_session *s = session_for(p);
    lines L = read_lines(APPLICANTS);
    credo_error err;

    assert_null(credo_outcome(s));   /* nothing decided yet */
    assert_null(credo_decision_json(s, NULL));

    /* APP00000016: REFER with three reasons */
    assert_int_equal(credo_decide_json(s, L.v[15], strlen(L.v[15]), &err), CREDO_OK);
    assert_int_equal(err.code, CREDO_OK);
    assert_string_equal(credo_outcome(s), "REFER");
    assert_int_equal(credo_reason_count(s), 3);
    assert_string_equal(credo_reason(s, 0), "SC_CREDIT_SCORE");
    assert_string_equal(credo_reason(s, 2), "SC_TAX_GRADE");
    assert_null(credo_reason(s, 3));
    size_t len;
    const char *json = credo_decision_json(s, &len);
    static const char want16[] =
        "{\"app_id\":\"APP00000016\",\"decision\":\"REFER\",\"reasons\":[\"SC_CREDIT_SCORE\","
        "\"SC_OVERDUE_COUNT_24M\",\"SC_TAX_GRADE\"],\"score\":580,\"tier\":\"REFER\",\"limit\":154000,\"rate\":3.10}";
    assert_string_equal(json, want16);
    assert_int_equal(len, strlen(want16));

    /* APP00000001: APPROVE; results as text and as int */
    assert_int_equal(credo_decide_json(s, L.v[0], strlen(L.v[0]), &err), CREDO_OK);
    assert_string_equal(credo_outcome(s), "APPROVE");
    assert_int_equal(credo_reason_count(s), 0);
    char buf[64];
    assert_int_equal(credo_result_text(s, "rate", buf, sizeof buf), 4);
    assert_string_equal(buf, "6.30");   /* the scale is kept */
    assert_int_equal(credo_result_text(s, "tier", buf, sizeof buf), 8);
    assert_string_equal(buf, "SUBPRIME");
    assert_int_equal(credo_result_text(s, "limit", buf, sizeof buf), 5);
    assert_string_equal(buf, "79000");
    assert_int_equal(credo_result_text(s, "limit", buf, 3), 5);   /* cut short, like snprintf */
    assert_string_equal(buf, "79");
    assert_int_equal(credo_result_text(s, "limit", NULL, 0), 5);
    assert_int_equal(credo_result_text(s, "dti", buf, sizeof buf), CREDO_NO_RESULT);   /* a let, not a result */
    int64_t v;
    assert_int_equal(credo_result_int(s, "score", &v), CREDO_OK);
    assert_int_equal(v, 630);
    assert_int_equal(credo_result_int(s, "limit", &v), CREDO_OK);
    assert_int_equal(v, 79000);
    assert_int_equal(credo_result_int(s, "rate", &v), CREDO_E_USAGE);   /* 6.30 is not integral */
    assert_int_equal(credo_result_int(s, "tier", &v), CREDO_E_USAGE);
    assert_int_equal(credo_result_int(s, "nope", &v), CREDO_E_USAGE);

    /* a trailing newline, as read from a file, is fine */
    char *nl = malloc(strlen(L.v[0]) + 2);
    sprintf(nl, "%s\n", L.v[0]);
    assert_int_equal(credo_decide_json(s, nl, strlen(nl), NULL), CREDO_OK);
    free(nl);

    free_lines(&L);
    credo_session_free(s);
    credo_policy_free(p);
}

static void test_bad_application(void **state)
{
    (void)state;
    credo_policy *p = load_reference();
    credo_session *s = session_for(p);
    lines L = read_lines("examples/applicants.jsonl");
    credo_error err;
    /* the examples' last two lines are broken on purpose */
    const char *bad = L.v[L.n - 2];
    assert_int_equal(credo_decide_json(s, bad, strlen(bad), &err), CREDO_E_INPUT);
    assert_int_equal(err.code, CREDO_E_INPUT);
    assert_string_equal(err.message, "age: expected int, got text");
    assert_string_equal(err.file, "");
    assert_string_equal(credo_outcome(s), "ERROR");
    assert_int_equal(credo_reason_count(s), 0);
    assert_int_equal(credo_result_text(s, "limit", NULL, 0), CREDO_NO_RESULT);
    assert_string_equal(credo_decision_json(s, NULL), "{\"app_id\":\"APP90000001\",\"line\":1,\"decision\":\"ERROR\","
                                                      "\"error\":\"age: expected int, got text\"}");
    /* not JSON at all; the line number counts the session's decisions */
    assert_int_equal(credo_decide_json(s, "nope", 4, &err), CREDO_E_INPUT);
    assert_string_equal(err.message, "json: byte 0: expected an object");
    assert_string_equal(credo_decision_json(s, NULL), "{\"app_id\":null,\"line\":2,\"decision\":\"ERROR\","
                                                      "\"error\":\"json: byte 0: expected an object\"}");
    assert_int_equal(credo_decide_json(s, NULL, 0, &err), CREDO_E_INPUT);
    free_lines(&L);
    credo_session_free(s);
    credo_policy_free(p);
}

static void test_runtime_error(void **state)
{
    (void)state;
    credo_policy *p = load_reference();
    credo_session *s = session_for(p);
    lines L = read_lines("examples/applicants.jsonl");
    credo_error err;
    const char *zero_income = L.v[L.n - 1];
    assert_int_equal(credo_decide_json(s, zero_income, strlen(zero_income), &err), CREDO_E_RUNTIME);
    assert_string_equal(err.file, POLICY);
    assert_int_equal(err.line, 38);
    assert_int_equal(err.column, 11);
    assert_string_equal(err.message, "division by zero (in dti)");
    assert_string_equal(credo_decision_json(s, NULL),
                        "{\"app_id\":\"APP90000002\",\"line\":1,\"decision\":\"ERROR\",\"error\":"
                        "\"policies/sme_tax_loan.credo:38:11: division by zero (in dti)\"}");
    /* the session goes on */
    assert_int_equal(credo_decide_json(s, L.v[0], strlen(L.v[0]), &err), CREDO_OK);
    assert_int_equal(err.code, CREDO_OK);
    free_lines(&L);
    credo_session_free(s);
    credo_policy_free(p);
}

/* ---- deciding field by field ---------------------------------------------------- */

static void test_fields_equal_json(void **state)
{
    (void)state;
    credo_policy *p = load_reference();
    credo_session *byjson = session_for(p), *byfield = session_for(p);
    lines L = read_lines(APPLICANTS);
    credo_error err;
    assert_int_equal(L.n, 5000);
    /* the first 200 hold every outcome, nulls and decimals of every scale */
    for (size_t i = 0; i < 200; i++) {
        assert_int_equal(credo_decide_json(byjson, L.v[i], strlen(L.v[i]), &err), CREDO_OK);
        assert_int_equal(set_from_line(byfield, L.v[i]), CREDO_OK);
        assert_int_equal(credo_decide(byfield, &err), CREDO_OK);
        assert_string_equal(credo_decision_json(byfield, NULL), credo_decision_json(byjson, NULL));
    }
    free_lines(&L);
    credo_session_free(byjson);
    credo_session_free(byfield);
    credo_policy_free(p);
}

static void test_fields_every_type(void **state)
{
    (void)state;
    credo_policy *p = compile(small_src);
    credo_session *s = session_for(p);
    credo_error err;
    assert_int_equal(credo_decide_json(s, small_json, strlen(small_json), &err), CREDO_OK);
    assert_string_equal(credo_decision_json(s, NULL), small_decision);

    set_small(s);
    assert_int_equal(credo_decide(s, &err), CREDO_OK);
    assert_string_equal(credo_decision_json(s, NULL), small_decision);

    char buf[64];
    assert_int_equal(credo_result_text(s, "adult", buf, sizeof buf), 4);
    assert_string_equal(buf, "true");
    assert_int_equal(credo_result_text(s, "born_on", buf, sizeof buf), 10);
    assert_string_equal(buf, "2000-02-29");
    assert_int_equal(credo_result_text(s, "names", buf, sizeof buf), 9);
    assert_string_equal(buf, "[\"A\",\"B\"]");
    assert_int_equal(credo_result_text(s, "remark", buf, sizeof buf), CREDO_NULL_RESULT);
    assert_string_equal(buf, "");
    assert_int_equal(credo_result_text(s, "per_point", buf, sizeof buf), 18);
    assert_string_equal(buf, "3.3333333333333333");

    /* a date field takes text too; a set field can be set again */
    set_small(s);
    assert_int_equal(credo_set_text(s, "born", "2015-06-01"), CREDO_OK);
    assert_int_equal(credo_set_bool(s, "vip", 0), CREDO_OK);
    assert_int_equal(credo_set_text(s, "note", "see file"), CREDO_OK);
    assert_int_equal(credo_decide(s, &err), CREDO_OK);
    assert_string_equal(credo_outcome(s), "REJECT");
    assert_string_equal(credo_reason(s, 0), "YOUNG");
    assert_int_equal(credo_result_text(s, "remark", buf, sizeof buf), 8);
    assert_string_equal(buf, "see file");

    /* an optional field not set is null, not what the application before
     * gave it */
    set_small_fields(s, false);
    assert_int_equal(credo_decide(s, &err), CREDO_OK);
    assert_string_equal(credo_decision_json(s, NULL), small_decision);
    assert_int_equal(credo_result_text(s, "remark", buf, sizeof buf), CREDO_NULL_RESULT);

    /* the as-of date is what `today` means */
    set_small(s);
    assert_int_equal(credo_set_date(s, "born", "2010-01-01"), CREDO_OK);
    assert_int_equal(credo_session_set_as_of(s, "2028-01-01"), CREDO_OK);
    assert_int_equal(credo_decide(s, &err), CREDO_OK);
    assert_int_equal(credo_result_text(s, "adult", buf, sizeof buf), 4);   /* 6574 days */
    assert_int_equal(credo_session_set_as_of(s, "2027-12-25"), CREDO_OK);   /* 6567 days */
    set_small(s);
    assert_int_equal(credo_set_date(s, "born", "2010-01-01"), CREDO_OK);
    assert_int_equal(credo_decide(s, &err), CREDO_OK);
    assert_int_equal(credo_result_text(s, "adult", buf, sizeof buf), 5);
    assert_string_equal(buf, "false");
    assert_int_equal(credo_session_set_as_of(s, "2027-02-30"), CREDO_E_USAGE);

    credo_session_free(s);
    credo_policy_free(p);
}

static void test_app_id_not_declared(void **state)
{
    (void)state;
    credo_policy *p = compile("policy n\ninput a { x: int }\nr = x * 2\n");
    credo_session *s = session_for(p);
    credo_error err;
    credo_begin(s);
    assert_int_equal(credo_set_text(s, "app_id", "A-1"), CREDO_OK);
    assert_int_equal(credo_set_int(s, "x", 21), CREDO_OK);
    assert_int_equal(credo_decide(s, &err), CREDO_OK);
    assert_string_equal(credo_decision_json(s, NULL),
                        "{\"app_id\":\"A-1\",\"decision\":\"APPROVE\",\"reasons\":[],\"r\":42}");
    credo_begin(s);
    assert_int_equal(credo_set_json(s, "app_id", "\"A\\u002d2\""), CREDO_OK);
    assert_int_equal(credo_set_decimal(s, "x", "1e1"), CREDO_OK);   /* integral: an int field takes it */
    assert_int_equal(credo_decide(s, &err), CREDO_OK);
    assert_string_equal(credo_decision_json(s, NULL),
                        "{\"app_id\":\"A-2\",\"decision\":\"APPROVE\",\"reasons\":[],\"r\":20}");
    credo_begin(s);   /* no app_id: null, as in JSON */
    assert_int_equal(credo_set_int(s, "x", 1), CREDO_OK);
    assert_int_equal(credo_decide(s, &err), CREDO_OK);
    assert_string_equal(credo_decision_json(s, NULL),
                        "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"r\":2}");
    credo_session_free(s);
    credo_policy_free(p);
}

/* Texts and numbers at their edges: the setters agree with the JSON reader. */
static void test_texts_and_numbers(void **state)
{
    (void)state;
    credo_policy *p = compile("policy e\ninput a { t: text, d: number, i: int }\nr = t\nq = d\nn = i\n");
    credo_session *byjson = session_for(p), *s = session_for(p);
    credo_error err;
    static const char json[] =
        "{\"t\":\"Zo\\u00eb \\u20ac \\ud83d\\ude00\",\"d\":-0.000000000000000001,\"i\":-9223372036854775808}";
    assert_int_equal(credo_decide_json(byjson, json, strlen(json), &err), CREDO_OK);
    credo_begin(s);
    assert_int_equal(credo_set_text(s, "t", "Zo\xC3\xAB \xE2\x82\xAC \xF0\x9F\x98\x80"), CREDO_OK);
    assert_int_equal(credo_set_decimal(s, "d", "-0.000000000000000001"), CREDO_OK);
    assert_int_equal(credo_set_int(s, "i", INT64_MIN), CREDO_OK);
    assert_int_equal(credo_decide(s, &err), CREDO_OK);
    assert_string_equal(credo_decision_json(s, NULL), credo_decision_json(byjson, NULL));

    credo_begin(s);
    assert_int_equal(credo_set_decimal(s, "d", "0.0000000000000000001"), CREDO_E_INPUT);
    assert_int_equal(credo_decide(s, &err), CREDO_E_INPUT);
    assert_string_equal(err.message, "d: number 0.0000000000000000001 has more than 18 fractional digits");
    credo_begin(s);
    assert_int_equal(credo_set_text(s, "t", "\xF4\x90\x80\x80"), CREDO_E_INPUT);   /* above U+10FFFF */
    assert_int_equal(credo_set_text(s, "t", "\xE2\x82"), CREDO_E_INPUT);   /* cut short */
    assert_int_equal(credo_decide(s, &err), CREDO_E_INPUT);
    assert_string_equal(err.message, "t: invalid UTF-8 at byte 0");   /* the first error is kept */
    char *big = malloc((1u << 20) + 2);
    assert_non_null(big);
    memset(big, 'x', (1u << 20) + 1);
    big[(1u << 20) + 1] = '\0';
    credo_begin(s);
    assert_int_equal(credo_set_text(s, "t", big), CREDO_E_INPUT);
    assert_int_equal(credo_decide(s, &err), CREDO_E_INPUT);
    assert_string_equal(err.message, "t: text is longer than 1048576 bytes");
    free(big);

    /* a NULL source is an empty one, which does not compile */
    assert_null(credo_policy_compile(NULL, NULL, 0, &err));
    assert_int_equal(err.code, CREDO_E_COMPILE);
    assert_null(credo_policy_compile("x.credo", NULL, 5, &err));
    assert_int_equal(err.code, CREDO_E_USAGE);
    credo_session_free(byjson);
    credo_session_free(s);
    credo_policy_free(p);
}

/* ---- usage and input errors of the setters -------------------------------------- */

static void test_unknown_field(void **state)
{
    (void)state;
    credo_policy *p = load_reference();
    credo_session *s = session_for(p);
    lines L = read_lines(APPLICANTS);
    credo_error err;
    assert_int_equal(set_from_line(s, L.v[0]), CREDO_OK);
    assert_int_equal(credo_set_int(s, "agee", 40), CREDO_E_USAGE);
    assert_int_equal(credo_set_int(s, "age", 40), CREDO_OK);   /* later calls still work */
    assert_int_equal(credo_decide(s, &err), CREDO_E_USAGE);
    assert_string_equal(err.message, "credo_set_int: the policy's input applicant has no field 'agee'");
    assert_string_equal(credo_outcome(s), "ERROR");
    assert_string_equal(credo_decision_json(s, NULL),
                        "{\"app_id\":\"APP00000001\",\"line\":1,\"decision\":\"ERROR\",\"error\":"
                        "\"credo_set_int: the policy's input applicant has no field 'agee'\"}");
    free_lines(&L);
    credo_session_free(s);
    credo_policy_free(p);
}

/* Sets the small policy's fields, then `bad` breaks one; credo_decide
 * must fail with code and message. */
#define EXPECT_SET_FAILS(call, code, msg)                                   \
    do {                                                                    \
        set_small(s);                                                       \
        assert_int_equal((call), (code));                                   \
        assert_int_equal(credo_decide(s, &err), (code));                    \
        assert_string_equal(err.message, (msg));                            \
        assert_string_equal(credo_outcome(s), "ERROR");                     \
    } while (0)

static void test_setter_errors(void **state)
{
    (void)state;
    credo_policy *p = compile(small_src);
    credo_session *s = session_for(p);
    credo_error err;

    /* the wrong setter for the field's type */
    EXPECT_SET_FAILS(credo_set_int(s, "name", 1), CREDO_E_USAGE,
                     "credo_set_int: field 'name' is text; credo_set_int takes int and decimal fields");
    EXPECT_SET_FAILS(credo_set_bool(s, "score", 1), CREDO_E_USAGE,
                     "credo_set_bool: field 'score' is int; credo_set_bool takes bool fields");
    EXPECT_SET_FAILS(credo_set_text(s, "amount", "1"), CREDO_E_USAGE,
                     "credo_set_text: field 'amount' is money; credo_set_text takes text and date fields");
    EXPECT_SET_FAILS(credo_set_date(s, "name", "2020-01-01"), CREDO_E_USAGE,
                     "credo_set_date: field 'name' is text; credo_set_date takes date fields");
    EXPECT_SET_FAILS(credo_set_decimal(s, "vip", "1"), CREDO_E_USAGE,
                     "credo_set_decimal: field 'vip' is bool; credo_set_decimal takes int and decimal fields");
    EXPECT_SET_FAILS(credo_set_text(s, "name", NULL), CREDO_E_USAGE,
                     "credo_set_text: the text is NULL (use credo_set_null)");

    /* values the field cannot take: the reader's words */
    EXPECT_SET_FAILS(credo_set_decimal(s, "amount", "12,50"), CREDO_E_INPUT,
                     "amount: expected a number, got \"12,50\"");
    EXPECT_SET_FAILS(credo_set_decimal(s, "score", "5.5"), CREDO_E_INPUT, "score: expected int, got number 5.5");
    EXPECT_SET_FAILS(credo_set_decimal(s, "amount", "1e400"), CREDO_E_INPUT, "amount: number 1e400 is out of range");
    EXPECT_SET_FAILS(credo_set_text(s, "name", "A\xC0\xAF"), CREDO_E_INPUT, "name: invalid UTF-8 at byte 1");
    EXPECT_SET_FAILS(credo_set_date(s, "born", "2001-02-29"), CREDO_E_INPUT,
                     "born: expected a date YYYY-MM-DD, got \"2001-02-29\"");
    EXPECT_SET_FAILS(credo_set_null(s, "name"), CREDO_E_INPUT, "name: expected text, got null");
    EXPECT_SET_FAILS(credo_set_json(s, "owners", "[{\"name\":\"A\",\"share\":\"half\"}]"), CREDO_E_INPUT,
                     "owners[0].share: expected rate, got text");
    EXPECT_SET_FAILS(credo_set_json(s, "owners", "[{\"name\":\"A\"}]"), CREDO_E_INPUT,
                     "owners[0].share: required field is missing");
    EXPECT_SET_FAILS(credo_set_json(s, "owners", "[], \"vip\": false"), CREDO_E_INPUT,
                     "owners: json: byte 2: unexpected data after the value");
    EXPECT_SET_FAILS(credo_set_json(s, "owners", "[{\"name\":\"A\",\"share\":0.5},]"), CREDO_E_INPUT,
                     "owners: json: byte 26: expected a value");
    EXPECT_SET_FAILS(credo_set_json(s, "name", "\"a\xFF\""), CREDO_E_INPUT, "name: invalid UTF-8 at byte 2");
    EXPECT_SET_FAILS(credo_set_json(s, "score", "17}"), CREDO_E_INPUT,
                     "score: json: byte 2: unexpected data after the value");

    /* a required field never set */
    credo_begin(s);
    assert_int_equal(credo_set_date(s, "born", "2000-01-01"), CREDO_OK);
    assert_int_equal(credo_decide(s, &err), CREDO_E_INPUT);
    assert_string_equal(err.message, "name: required field is missing");

    /* order: setters need credo_begin, deciding twice needs it again */
    set_small(s);
    assert_int_equal(credo_decide(s, &err), CREDO_OK);
    assert_int_equal(credo_set_int(s, "score", 4), CREDO_E_USAGE);
    assert_int_equal(credo_decide(s, &err), CREDO_E_USAGE);
    assert_string_equal(err.message, "credo_decide: call credo_begin and set the fields first");
    assert_string_equal(credo_outcome(s), "REFER");   /* the decision is still there */

    credo_session_free(s);
    credo_policy_free(p);
}

/* A field declared `one of {...}` takes one of its values from
 * credo_set_text as from JSON, and refuses any other with the reader's words. */
static void test_set_categorical(void **state)
{
    (void)state;
    static const char src[] =
        "policy cats\n"
        "input app {\n"
        "  status: one of {\"lt_0\", \"none\"}\n"
        "}\n"
        "refer OVERDRAWN when status == \"lt_0\"\n";
    credo_policy *p = compile(src);
    credo_session *s = session_for(p);
    credo_error err;
    credo_begin(s);
    assert_int_equal(credo_set_text(s, "status", "lt_0"), CREDO_OK);
    assert_int_equal(credo_decide(s, &err), CREDO_OK);
    assert_string_equal(credo_outcome(s), "REFER");
    credo_begin(s);
    assert_int_equal(credo_set_text(s, "status", "LT_0"), CREDO_E_INPUT);
    assert_int_equal(credo_decide(s, &err), CREDO_E_INPUT);
    assert_string_equal(err.message, "status: \"LT_0\" is not one of \"lt_0\", \"none\"");
    assert_string_equal(credo_outcome(s), "ERROR");
    credo_session_free(s);
    credo_policy_free(p);
}

static void test_null_arguments(void **state)
{
    (void)state;
    credo_error err;
    assert_null(credo_session_new(NULL, &err));
    assert_int_equal(err.code, CREDO_E_USAGE);
    assert_int_equal(credo_decide_json(NULL, "{}", 2, &err), CREDO_E_USAGE);
    assert_int_equal(credo_decide(NULL, &err), CREDO_E_USAGE);
    assert_int_equal(credo_set_int(NULL, "x", 1), CREDO_E_USAGE);
    assert_int_equal(credo_session_set_as_of(NULL, AS_OF), CREDO_E_USAGE);
    assert_null(credo_outcome(NULL));
    assert_int_equal(credo_reason_count(NULL), 0);
    assert_null(credo_decision_json(NULL, NULL));
    assert_null(credo_policy_name(NULL));
    credo_begin(NULL);
    credo_session_free(NULL);
}

/* ---- threads ------------------------------------------------------------------ */

typedef struct worker {
    const credo_policy *policy;
    const lines *in;
    char *const *expected;
    size_t start;          /* each thread starts elsewhere in the list */
    int by_field;          /* decide with the setters instead of JSON */
    size_t mismatches, failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    credo_session *s = credo_session_new(w->policy, NULL);
    if (!s || credo_session_set_as_of(s, AS_OF) != CREDO_OK) {
        w->failures = w->in->n;
        credo_session_free(s);
        return NULL;
    }
    for (size_t k = 0; k < w->in->n; k++) {
        size_t i = (w->start + k) % w->in->n;
        const char *line = w->in->v[i];
        int rc = w->by_field ? set_from_line(s, line) : CREDO_OK;
        if (rc == CREDO_OK)
            rc = w->by_field ? credo_decide(s, NULL) : credo_decide_json(s, line, strlen(line), NULL);
        const char *json = credo_decision_json(s, NULL);
        if (rc != CREDO_OK)
            w->failures++;
        else if (!json || strcmp(json, w->expected[i]) != 0)
            w->mismatches++;
    }
    credo_session_free(s);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    credo_policy *p = load_reference();
    lines L = read_lines(APPLICANTS);
    assert_int_equal(L.n, 5000);
    /* the single-threaded run every thread must reproduce */
    char **expected = calloc(L.n, sizeof *expected);
    assert_non_null(expected);
    credo_session *s = session_for(p);
    for (size_t i = 0; i < L.n; i++) {
        assert_int_equal(credo_decide_json(s, L.v[i], strlen(L.v[i]), NULL), CREDO_OK);
        expected[i] = strdup(credo_decision_json(s, NULL));
    }
    credo_session_free(s);

    enum { NTHREADS = 4 };
    pthread_t tid[NTHREADS];
    worker w[NTHREADS];
    for (int t = 0; t < NTHREADS; t++) {
        w[t] = (worker){.policy = p, .in = &L, .expected = expected, .start = (size_t)t * L.n / NTHREADS,
                        .by_field = t == NTHREADS - 1};
        assert_int_equal(pthread_create(&tid[t], NULL, work, &w[t]), 0);
    }
    for (int t = 0; t < NTHREADS; t++)
        assert_int_equal(pthread_join(tid[t], NULL), 0);
    for (int t = 0; t < NTHREADS; t++) {
        if (w[t].mismatches || w[t].failures)
            fail_msg("thread %d: %zu decisions differ, %zu failed", t, w[t].mismatches, w[t].failures);
    }
    for (size_t i = 0; i < L.n; i++)
        free(expected[i]);
    free(expected);
    free_lines(&L);
    credo_policy_free(p);
}

/* ---- the one decision path (runtime/decide.h) -------------------------------------- */

/* The reference policy's program as the library keeps it, and a session
 * of it as of AS_OF. */
typedef struct vm_fixture {
    cr_program *prog;
    cr_session *s;
} vm_fixture;

static vm_fixture vm_reference(void)
{
    vm_fixture f;
    size_t len;
    char *src = cr_read_file(POLICY, &len);
    assert_non_null(src);
    cr_diags d;
    cr_diags_init(&d, POLICY, src, len);
    f.prog = cr_compile(POLICY, src, len, &d);
    assert_non_null(f.prog);
    assert_int_equal(d.errors, 0);
    cr_diags_free(&d);
    free(src);
    f.s = cr_session_new(f.prog, NULL);
    assert_non_null(f.s);
    assert_true(cr_date_parse(AS_OF, strlen(AS_OF), &f.s->today));
    return f;
}

static void vm_free(vm_fixture *f)
{
    cr_session_free(f->s);
    cr_program_free(f->prog);
}

/* The examples (every outcome, a bad line, a run-time error) and the first
 * 200 reference applicants, one session each way: the API's line is
 * cr_decide's line without its newline, numbered alike, with the same
 * verdict. */
static void test_decide_path_is_the_api(void **state)
{
    (void)state;
    vm_fixture f = vm_reference();
    cr_session *vm = f.s;
    credo_policy *p = load_reference();
    credo_session *s = session_for(p);
    lines E = read_lines("examples/applicants.jsonl"), L = read_lines(APPLICANTS);
    cr_buf out = {0};
    int seen[4] = {0};
    for (size_t i = 0; i < E.n + 200; i++) {
        const char *line = i < E.n ? E.v[i] : L.v[i - E.n];
        cr_decided d;
        out.len = 0;
        bool ok = cr_decide(vm, line, strlen(line), &out, &(cr_decide_opts){.line = i + 1}, &d);
        credo_error err;
        int rc = credo_decide_json(s, line, strlen(line), &err);
        seen[d.status]++;
        assert_int_equal(ok, d.status == CR_DECIDED);
        assert_int_equal(ok, d.error == NULL);
        assert_int_equal(rc, d.status == CR_DECIDED ? CREDO_OK : d.status == CR_BAD_INPUT ? CREDO_E_INPUT
                                                                                      : CREDO_E_RUNTIME);
        if (d.status == CR_BAD_INPUT)
            assert_string_equal(err.message, d.error);
        size_t n;
        const char *json = credo_decision_json(s, &n);
        assert_int_equal(out.len, n + 1);
        assert_memory_equal(out.p, json, n);
        assert_int_equal(out.p[n], '\n');
    }
    assert_true(seen[CR_DECIDED] > 0 && seen[CR_BAD_INPUT] > 0 && seen[CR_RUN_ERROR] > 0);
    assert_int_equal(seen[CR_WRITE_FAILED], 0);
    cr_buf_free(&out);
    free_lines(&E);
    free_lines(&L);
    credo_session_free(s);
    credo_policy_free(p);
    vm_free(&f);
}

/* The same application three ways: read by cr_decide; read by the caller
 * into the slots (line NULL, app_id given); with nothing written.  Then
 * explained: the plain line's results, then why and the count. */
static void test_decide_path_modes(void **state)
{
    (void)state;
    vm_fixture f = vm_reference();
    cr_session *vm = f.s;
    lines L = read_lines(APPLICANTS);
    const char *line = L.v[15];   /* APP00000016: REFER with three reasons */
    size_t len = strlen(line);
    cr_buf plain = {0}, out = {0};
    cr_decided d;
    assert_true(cr_decide(vm, line, len, &plain, NULL, &d));
    assert_int_equal(vm->outcome, CR_REFER);
    assert_int_equal(d.app_id_len, 11);
    assert_memory_equal(d.app_id, "APP00000016", 11);

    cr_session_begin(vm);
    cr_json_result res;
    assert_int_equal(cr_json_read(f.prog->input, line, len, &vm->arena, NULL, vm->slots, &res), 0);
    const cr_decide_opts named = {.app_id = res.app_id, .app_id_len = res.app_id_len};
    assert_true(cr_decide(vm, NULL, 0, &out, &named, &d));
    assert_int_equal(out.len, plain.len);
    assert_memory_equal(out.p, plain.p, plain.len);

    assert_true(cr_decide(vm, line, len, NULL, NULL, &d));
    assert_int_equal(vm->outcome, CR_REFER);
    assert_false(cr_decide(vm, "nope", 4, NULL, NULL, &d));
    assert_int_equal(d.status, CR_BAD_INPUT);
    assert_string_equal(d.error, "json: byte 0: expected an object");

    out.len = 0;
    assert_true(cr_decide(vm, line, len, &out, &(cr_decide_opts){.explain = true}, &d));
    assert_true(vm->count_instructions && vm->executed > 0);
    assert_true(out.len > plain.len);
    assert_memory_equal(out.p, plain.p, plain.len - 2);   /* all but "}\n" */
    assert_memory_equal(out.p + plain.len - 2, ",\"explain\":{", 12);
    cr_buf_free(&plain);
    cr_buf_free(&out);
    free_lines(&L);
    vm_free(&f);
}

/* A .credoc signed with tests/golden/keys/release.key: loaded under its
 * public key (and named), refused under another key; a source and an
 * unsigned .credoc refused under any; the program's identity is the
 * source's. */
static void test_load_trusted(void **state)
{
    (void)state;
    const char *release = "tests/golden/keys/release.pub", *other = "tests/golden/keys/other.pub";
    credo_error err;
    credo_policy *src = credo_policy_load(POLICY, &err);
    assert_non_null(src);
    assert_int_equal(strlen(credo_policy_program_sha256(src)), 64);
    assert_string_equal(credo_policy_signed_by(src), "");

    /* the signed and the unsigned .credoc (made with the internal API) */
    char why[256];
    cr_ed25519_key key;
    assert_true(cr_ed25519_read("tests/golden/keys/release.key", &key, why, sizeof why));
    cr_diags d;
    size_t srclen;
    char *text = cr_read_file(POLICY, &srclen);
    assert_non_null(text);
    cr_diags_init(&d, POLICY, text, srclen);
    cr_program *prog = cr_compile(POLICY, text, srclen, &d);
    assert_non_null(prog);
    cr_diags_free(&d);
    free(text);
    char signed_path[] = "/tmp/credo-signed-XXXXXX", plain_path[] = "/tmp/credo-plain-XXXXXX";
    int fd1 = mkstemp(signed_path), fd2 = mkstemp(plain_path);
    assert_true(fd1 >= 0 && fd2 >= 0);
    FILE *f1 = fdopen(fd1, "wb"), *f2 = fdopen(fd2, "wb");
    assert_true(cr_credoc_write(prog, &key, f1) && cr_credoc_write(prog, NULL, f2));
    fclose(f1);
    fclose(f2);
    cr_program_free(prog);

    const char *keys[] = {other, release};
    credo_policy *p = credo_policy_load_trusted(signed_path, keys, 2, &err);
    if (!p)
        fail_msg("the signed .credoc is refused: %s", err.message);
    char id[CR_ED25519_ID_LEN + 1];
    cr_ed25519_id(key.pub, id);
    assert_string_equal(credo_policy_signed_by(p), id);
    assert_string_equal(credo_policy_program_sha256(p), credo_policy_program_sha256(src));
    credo_policy_free(p);

    assert_null(credo_policy_load_trusted(signed_path, keys, 1, &err));
    assert_int_equal(err.code, CREDO_E_COMPILE);
    assert_non_null(strstr(err.message, "not signed by a trusted key"));
    assert_null(credo_policy_load_trusted(plain_path, &release, 1, &err));
    assert_int_equal(err.code, CREDO_E_COMPILE);
    assert_non_null(strstr(err.message, "signed by: nobody"));
    assert_null(credo_policy_load_trusted(POLICY, &release, 1, &err));
    assert_int_equal(err.code, CREDO_E_COMPILE);
    assert_non_null(strstr(err.message, "it is a policy's source"));
    const char *missing = "/nonexistent/key.pub";
    assert_null(credo_policy_load_trusted(signed_path, &missing, 1, &err));
    assert_int_equal(err.code, CREDO_E_IO);
    assert_null(credo_policy_load_trusted(signed_path, NULL, 0, &err));
    assert_int_equal(err.code, CREDO_E_USAGE);
    unlink(signed_path);
    unlink(plain_path);
    credo_policy_free(src);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_identity),
        cmocka_unit_test(test_input_key),
        cmocka_unit_test(test_policy_io_error),
        cmocka_unit_test(test_policy_compile_error),
        cmocka_unit_test(test_decide_json),
        cmocka_unit_test(test_bad_application),
        cmocka_unit_test(test_runtime_error),
        cmocka_unit_test(test_fields_equal_json),
        cmocka_unit_test(test_fields_every_type),
        cmocka_unit_test(test_app_id_not_declared),
        cmocka_unit_test(test_texts_and_numbers),
        cmocka_unit_test(test_unknown_field),
        cmocka_unit_test(test_setter_errors),
        cmocka_unit_test(test_set_categorical),
        cmocka_unit_test(test_null_arguments),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_decide_path_is_the_api),
        cmocka_unit_test(test_decide_path_modes),
        cmocka_unit_test(test_load_trusted),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
