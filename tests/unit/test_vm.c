/* Unit tests for the virtual machine (runtime/vm/vm.c), end to end.
 *
 * Each test compiles a small policy, reads one application (a JSON line,
 * copied into a buffer of exactly its length so AddressSanitizer catches
 * any read past its end), runs it and compares the whole decision line the
 * CLI would print: {"app_id":...,"decision":...,"reasons":[...],results...}
 * or {"app_id":...,"line":1,"decision":"ERROR","error":"..."}.
 *
 * Policies are written one source line per string literal, so the
 * file:line:col in the expected errors can be counted from the text;
 * every policy is named "t.credo". `today` is 2026-12-01. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/compile.h"
#include "runtime/core/date.h"
#include "runtime/io/decision_json.h"
#include "runtime/io/json_read.h"
#include "runtime/vm/vm.h"

#define TODAY "2026-12-01"

/* ---- helpers ---------------------------------------------------------------- */

typedef struct pol {
    cr_program *p;
    cr_session *s;
} pol;

/* Compiles `src` (asserting it compiles; diagnostics to stderr when it
 * does not) and makes a session whose today is TODAY. */
static void pol_load(pol *P, const char *src, const cr_session_limits *lim)
{
    size_t len = strlen(src);
    cr_diags d;
    cr_diags_init(&d, "t.credo", src, len);
    cr_program *p = cr_compile("t.credo", src, len, &d);
    uint32_t errors = d.errors;
    if (!p || errors)
        cr_diags_print(&d, stderr);
    cr_diags_free(&d);
    if (!p || errors) {
        cr_program_free(p);
        fail_msg("the policy does not compile:\n%s", src);
    }
    P->p = p;
    P->s = cr_session_new(p, lim);
    assert_non_null(P->s);
    assert_true(cr_date_parse(TODAY, strlen(TODAY), &P->s->today));
}

static void pol_free(pol *P)
{
    cr_session_free(P->s);
    cr_program_free(P->p);
    P->s = NULL;
    P->p = NULL;
}

/* Decides one application as `credo run` does (begin, read, run, write)
 * and puts the JSON line, without its newline, into out.  Returns true
 * when the application got a decision, false for an ERROR line. */
static bool pol_run(pol *P, const char *json, char *out, size_t outsz)
{
    cr_session *s = P->s;
    size_t n = strlen(json);
    char *line = malloc(n ? n : 1); /* exactly the line, no terminator */
    assert_non_null(line);
    memcpy(line, json, n);
    cr_session_begin(s);
    cr_json_limits jl = CR_JSON_LIMITS_DEFAULT;
    cr_json_result res;
    cr_buf b = {0};
    bool decided = false;
    if (cr_json_read(P->p->input, line, n, &s->arena, &jl, s->slots, &res) != 0) {
        cr_write_error(&b, res.app_id, res.app_id_len, 1, res.error);
    } else if (!cr_session_run(s)) {
        cr_write_error(&b, res.app_id, res.app_id_len, 1, s->error);
    } else {
        cr_write_decision(&b, s, res.app_id, res.app_id_len, false);
        decided = true;
    }
    free(line);
    assert_false(b.failed);
    assert_non_null(b.p);
    size_t len = b.len;
    if (len && b.p[len - 1] == '\n')
        len--;
    assert_true(len < outsz);
    memcpy(out, b.p, len);
    out[len] = '\0';
    cr_buf_free(&b);
    return decided;
}

/* Compiles the policy, decides one application into out and frees
 * everything.  Returns true when it was decided, false for an ERROR. */
static bool decide_lim(const char *src, const char *json, const cr_session_limits *lim, char *out, size_t outsz)
{
    pol P;
    pol_load(&P, src, lim);
    bool ok = pol_run(&P, json, out, outsz);
    pol_free(&P);
    return ok;
}

static bool decide(const char *src, const char *json, char *out, size_t outsz)
{
    return decide_lim(src, json, NULL, out, outsz);
}

/* One policy, one application, the whole expected line. */
static void check(const char *src, const char *json, const char *want)
{
    char out[4096];
    decide(src, json, out, sizeof out);
    assert_string_equal(out, want);
}

/* The application is decided (not an ERROR) and the line is `want`. */
static void expect_decided(pol *P, const char *json, const char *want)
{
    char out[4096];
    bool ok = pol_run(P, json, out, sizeof out);
    assert_string_equal(out, want);
    assert_true(ok);
}

/* The application is an ERROR (cr_session_run or the reader returned
 * false) and the line is `want`. */
static void expect_error(pol *P, const char *json, const char *want)
{
    char out[4096];
    bool ok = pol_run(P, json, out, sizeof out);
    assert_string_equal(out, want);
    assert_false(ok);
}

/* ---- arithmetic ----------------------------------------------------------------- */

static const char arith_src[] =
    "policy t\n"
    "input app { a: int  b: int  x: number  y: number }\n"
    "sum = a + b\n"
    "diff = a - b\n"
    "prod = a * b\n"
    "quot = a / b\n"
    "third = 1 / 3\n"
    "rem = a % b\n"
    "neg = -a\n"
    "mixed = a + x\n"
    "mixed_mul = x * b\n"
    "scaled = x * 1\n"
    "lit = 6.30\n"
    "whole = x + 0.70\n"
    "dq = x / y\n"
    "exact = 0.1 + 0.2 == 0.3\n";

static void test_arith(void **state)
{
    (void)state;
    check(arith_src, "{\"a\":7,\"b\":2,\"x\":6.30,\"y\":0.5}",
          "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"sum\":9,\"diff\":5,\"prod\":14,"
          "\"quot\":3.5,\"third\":0.3333333333333333,\"rem\":1,\"neg\":-7,\"mixed\":13.30,\"mixed_mul\":12.60,"
          "\"scaled\":6.30,\"lit\":6.30,\"whole\":7.00,\"dq\":12.60,\"exact\":true}");
    /* floored modulo takes the sign of the divisor; negative operands */
    check(arith_src, "{\"a\":-7,\"b\":2,\"x\":-0.05,\"y\":-0.25}",
          "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"sum\":-5,\"diff\":-9,\"prod\":-14,"
          "\"quot\":-3.5,\"third\":0.3333333333333333,\"rem\":1,\"neg\":7,\"mixed\":-7.05,\"mixed_mul\":-0.10,"
          "\"scaled\":-0.05,\"lit\":6.30,\"whole\":0.65,\"dq\":0.20,\"exact\":true}");
}

/* int / int is a decimal even when it divides evenly; int stays int
 * through + - * and %. */
static void test_int_division(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { a: int  b: int }\n"
        "q = a / b\n"
        "two_thirds = 2 / 3\n"
        "q_plus = a / b + 1\n"
        "m = a % b\n"
        "m_neg = a % -4\n";
    check(src, "{\"a\":6,\"b\":3}",
          "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"q\":2,\"two_thirds\":0.6666666666666667,"
          "\"q_plus\":3,\"m\":0,\"m_neg\":-2}");
    check(src, "{\"a\":1,\"b\":8}",
          "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"q\":0.125,\"two_thirds\":0.6666666666666667,"
          "\"q_plus\":1.125,\"m\":1,\"m_neg\":-3}");
}

/* ---- comparison -------------------------------------------------------------------- */

static void test_compare(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { a: int  x: number  s: text  u: text  d: date }\n"
        "n1 = x == 1.5\n"
        "n2 = a < x\n"
        "n3 = 2 > 1.99\n"
        "n4 = 1.0 == 1\n"
        "n5 = x >= 1.500000\n"
        "n6 = x != 1.50\n"
        "s1 = s == \"abc\"\n"
        "s2 = s < u\n"
        "s3 = \"ab\" < \"abc\"\n"
        "s4 = s != u\n"
        "s5 = \"B\" < \"a\"\n"
        "d1 = d < today\n"
        "d2 = d >= 2026-11-30\n"
        "d3 = today == 2026-12-01\n"
        "d4 = today\n"
        "d5 = d\n";
    check(src, "{\"a\":1,\"x\":1.50,\"s\":\"abc\",\"u\":\"abd\",\"d\":\"2026-11-30\"}",
          "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"n1\":true,\"n2\":true,\"n3\":true,"
          "\"n4\":true,\"n5\":true,\"n6\":false,\"s1\":true,\"s2\":true,\"s3\":true,\"s4\":true,\"s5\":true,"
          "\"d1\":true,\"d2\":true,\"d3\":true,\"d4\":\"2026-12-01\",\"d5\":\"2026-11-30\"}");
    check(src, "{\"a\":2,\"x\":1.49,\"s\":\"abd\",\"u\":\"abd\",\"d\":\"2026-12-01\"}",
          "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"n1\":false,\"n2\":false,\"n3\":true,"
          "\"n4\":true,\"n5\":false,\"n6\":true,\"s1\":false,\"s2\":false,\"s3\":true,\"s4\":false,\"s5\":true,"
          "\"d1\":false,\"d2\":true,\"d3\":true,\"d4\":\"2026-12-01\",\"d5\":\"2026-12-01\"}");
}

/* ---- and / or short-circuit, if ---------------------------------------------------- */

static void test_short_circuit(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { a: int  b: int }\n"
        "admission {\n"
        "  reject BIG when b != 0 and a / b > 1\n"
        "  refer ZERO when b == 0 or a / b < 0\n"
        "}\n"
        "ok = b == 0 or a / b > 1\n"
        "guarded = if b == 0 then 0 else a / b\n";
    pol P;
    pol_load(&P, src, NULL);
    /* b = 0: the right side of and/or and the else branch are never run */
    expect_decided(&P, "{\"a\":5,\"b\":0}",
                   "{\"app_id\":null,\"decision\":\"REFER\",\"reasons\":[\"ZERO\"],\"ok\":true,\"guarded\":0}");
    expect_decided(&P, "{\"a\":5,\"b\":2}",
                   "{\"app_id\":null,\"decision\":\"REJECT\",\"reasons\":[\"BIG\"],\"ok\":true,\"guarded\":2.5}");
    expect_decided(&P, "{\"a\":-5,\"b\":2}",
                   "{\"app_id\":null,\"decision\":\"REFER\",\"reasons\":[\"ZERO\"],\"ok\":false,\"guarded\":-2.5}");
    pol_free(&P);
}

/* ---- null ------------------------------------------------------------------------ */

static void test_null(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { c: money?  n: int?  s: text? }\n"
        "c0 = c ?? 0\n"
        "isn = c is null\n"
        "notn = c is not null\n"
        "guard = if c is not null then c * 2 else -1\n"
        "nn = n ?? 7\n"
        "both = (n ?? 0) + (c ?? 1.5)\n"
        "sn = s ?? \"none\"\n"
        "sg = s is not null and s == \"x\"\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"c\":null}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"c0\":0,\"isn\":true,\"notn\":false,"
                   "\"guard\":-1,\"nn\":7,\"both\":1.5,\"sn\":\"none\",\"sg\":false}");
    expect_decided(&P, "{\"c\":12.50,\"n\":3,\"s\":\"x\"}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"c0\":12.50,\"isn\":false,\"notn\":true,"
                   "\"guard\":25.00,\"nn\":3,\"both\":15.50,\"sn\":\"x\",\"sg\":true}");
    pol_free(&P);
}

/* ---- in / not in, matches -------------------------------------------------------- */

static void test_in(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { code: text  n: int  x: number }\n"
        "const RESTRICTED = {\"K70\", \"B06\"}\n"
        "const NUMS = {1, 2, 3}\n"
        "r1 = code in RESTRICTED\n"
        "r2 = code not in RESTRICTED\n"
        "r3 = code in {\"A\", \"K70\"}\n"
        "r4 = n in NUMS\n"
        "r5 = n not in {4, 5}\n"
        "r6 = x in {1, 2.5}\n"
        "r7 = x in [n, 2.50]\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"code\":\"K70\",\"n\":2,\"x\":2.50}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"r1\":true,\"r2\":false,\"r3\":true,"
                   "\"r4\":true,\"r5\":true,\"r6\":true,\"r7\":true}");
    expect_decided(&P, "{\"code\":\"k70\",\"n\":4,\"x\":1.0}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"r1\":false,\"r2\":true,\"r3\":false,"
                   "\"r4\":false,\"r5\":false,\"r6\":true,\"r7\":false}");
    pol_free(&P);
}

static void test_matches(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { code: text  name: text }\n"
        "const FMT = /^[A-Z]{2}[0-9]{3}$/\n"
        "m1 = code matches FMT\n"
        "m2 = code matches /^K/\n"
        "m3 = name matches /^北.$/\n"
        "m4 = not (code matches /x/)\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"code\":\"KA123\",\"name\":\"北京\"}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"m1\":true,\"m2\":true,\"m3\":true,\"m4\":true}");
    expect_decided(&P, "{\"code\":\"KA123\\n\",\"name\":\"北京市\"}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"m1\":false,\"m2\":true,\"m3\":false,\"m4\":true}");
    expect_decided(&P, "{\"code\":\"xa12\",\"name\":\"\"}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"m1\":false,\"m2\":false,\"m3\":false,\"m4\":false}");
    pol_free(&P);
}

/* ---- lists ----------------------------------------------------------------------- */

static void test_index_slice(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { xs: list of int  i: int }\n"
        "first = xs[0]\n"
        "last = xs[-1]\n"
        "mid = xs[1..2]\n"
        "tail = xs[-2..-1]\n"
        "whole = xs[0..-1]\n"
        "one = xs[2..2]\n"
        "lit = [10, 20, 30][1]\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"xs\":[1,2,3,4],\"i\":0}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"first\":1,\"last\":4,\"mid\":[2,3],"
                   "\"tail\":[3,4],\"whole\":[1,2,3,4],\"one\":[3],\"lit\":20}");
    expect_decided(&P, "{\"xs\":[7,8,9],\"i\":0}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"first\":7,\"last\":9,\"mid\":[8,9],"
                   "\"tail\":[8,9],\"whole\":[7,8,9],\"one\":[9],\"lit\":20}");
    /* xs[1..2] of a list of 2 items is out of range */
    expect_error(&P, "{\"app_id\":\"L2\",\"xs\":[1,2],\"i\":0}",
                 "{\"app_id\":\"L2\",\"line\":1,\"decision\":\"ERROR\",\"error\":"
                 "\"t.credo:5:7: slice [1..2] is outside a list of 2 items (in mid)\"}");
    pol_free(&P);
}

static void test_index_errors(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { xs: list of int  i: int }\n"
        "at = xs[i]\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"xs\":[5,6,7],\"i\":-3}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"at\":5}");
    expect_error(&P, "{\"xs\":[5,6,7],\"i\":3}",
                 "{\"app_id\":null,\"line\":1,\"decision\":\"ERROR\",\"error\":"
                 "\"t.credo:3:6: position 3 is outside a list of 3 items (in at)\"}");
    expect_error(&P, "{\"xs\":[5,6,7],\"i\":-4}",
                 "{\"app_id\":null,\"line\":1,\"decision\":\"ERROR\",\"error\":"
                 "\"t.credo:3:6: position -4 is outside a list of 3 items (in at)\"}");
    expect_error(&P, "{\"xs\":[],\"i\":0}",
                 "{\"app_id\":null,\"line\":1,\"decision\":\"ERROR\",\"error\":"
                 "\"t.credo:3:6: position 0 is outside a list of 0 items (in at)\"}");
    pol_free(&P);
}

static void test_loops(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { xs: list of int  ms: list of money }\n"
        "n_big = count x in xs where x > 2\n"
        "any_big = any x in xs where x > 3\n"
        "all_pos = all x in xs where x > 0\n"
        "dbl = [x * 2 for x in xs where x > 1]\n"
        "sq = [x * x for x in xs]\n"
        "halves = [m / 2 for m in ms]\n"
        "nested = count x in [y + 1 for y in xs] where x > 2\n"
        "pairs = count x in xs where any y in xs where y == x * 2\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"xs\":[1,2,3,4],\"ms\":[1.00,0.25]}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"n_big\":2,\"any_big\":true,"
                   "\"all_pos\":true,\"dbl\":[4,6,8],\"sq\":[1,4,9,16],\"halves\":[0.50,0.125],\"nested\":3,\"pairs\":2}");
    expect_decided(&P, "{\"xs\":[0,-1],\"ms\":[]}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"n_big\":0,\"any_big\":false,"
                   "\"all_pos\":false,\"dbl\":[],\"sq\":[0,1],\"halves\":[],\"nested\":0,\"pairs\":1}");
    expect_decided(&P, "{\"xs\":[],\"ms\":[3]}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"n_big\":0,\"any_big\":false,"
                   "\"all_pos\":true,\"dbl\":[],\"sq\":[],\"halves\":[1.5],\"nested\":0,\"pairs\":0}");
    pol_free(&P);
}

/* ---- records --------------------------------------------------------------------- */

static void test_records(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app {\n"
        "  owner: { name: text, share: number }\n"
        "  guarantor: { name: text, share: number }?\n"
        "}\n"
        "share = owner.share\n"
        "big_owner = owner.share >= 0.5\n"
        "gname = if guarantor is not null then guarantor.name else \"none\"\n"
        "gshare = if guarantor is null then 0 else guarantor.share\n"
        "total = owner.share + (if guarantor is not null then guarantor.share else 0)\n"
        "o = owner\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"owner\":{\"name\":\"Li\",\"share\":0.6}}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"share\":0.6,\"big_owner\":true,"
                   "\"gname\":\"none\",\"gshare\":0,\"total\":0.6,\"o\":{\"name\":\"Li\",\"share\":0.6}}");
    expect_decided(&P, "{\"owner\":{\"name\":\"Li\",\"share\":0.45},\"guarantor\":{\"share\":0.30,\"name\":\"Wang\"}}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"share\":0.45,\"big_owner\":false,"
                   "\"gname\":\"Wang\",\"gshare\":0.30,\"total\":0.75,\"o\":{\"name\":\"Li\",\"share\":0.45}}");
    pol_free(&P);
}

/* Lists of records, rules outside the admission block, admission.* */
static void test_record_lists_and_rules(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { owners: list of { name: text, share: number } }\n"
        "let big = count o in owners where o.share > 0.2\n"
        "reject TOP_LEVEL when big > 1\n"
        "admission {\n"
        "  refer ADM when big > 0\n"
        "}\n"
        "names = [o.name for o in owners where o.share > 0.2]\n"
        "first_share = if count(owners) > 0 then owners[0].share else 0\n"
        "ref = admission.referred\n"
        "rej = admission.rejected\n"
        "ar = admission.reasons\n";
    pol P;
    pol_load(&P, src, NULL);
    /* the top-level rule takes part in the default outcome, not in admission.* */
    expect_decided(&P, "{\"owners\":[{\"name\":\"A\",\"share\":0.5},{\"name\":\"B\",\"share\":0.3},"
                       "{\"name\":\"C\",\"share\":0.1}]}",
                   "{\"app_id\":null,\"decision\":\"REJECT\",\"reasons\":[\"TOP_LEVEL\"],\"names\":[\"A\",\"B\"],"
                   "\"first_share\":0.5,\"ref\":true,\"rej\":false,\"ar\":[\"ADM\"]}");
    expect_decided(&P, "{\"owners\":[{\"name\":\"A\",\"share\":0.25}]}",
                   "{\"app_id\":null,\"decision\":\"REFER\",\"reasons\":[\"ADM\"],\"names\":[\"A\"],"
                   "\"first_share\":0.25,\"ref\":true,\"rej\":false,\"ar\":[\"ADM\"]}");
    expect_decided(&P, "{\"owners\":[]}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"names\":[],"
                   "\"first_share\":0,\"ref\":false,\"rej\":false,\"ar\":[]}");
    pol_free(&P);
}

/* Date built-ins called from a policy, against today = 2026-12-01. */
static void test_dates_in_policy(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { born: date  opened: date }\n"
        "age = months_between(born, today) / 12\n"
        "whole_years = floor(months_between(born, today) / 12)\n"
        "days_open = days_between(opened, today)\n"
        "due = add_months(today, 3)\n"
        "next_week = add_days(today, 7)\n"
        "y = year(today)\n"
        "admission {\n"
        "  reject MINOR when add_months(born, 18 * 12) > today\n"
        "}\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"born\":\"1990-12-02\",\"opened\":\"2026-11-01\"}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"age\":35.9166666666666667,"
                   "\"whole_years\":35,\"days_open\":30,\"due\":\"2027-03-01\",\"next_week\":\"2026-12-08\",\"y\":2026}");
    expect_decided(&P, "{\"born\":\"2008-12-02\",\"opened\":\"2026-12-01\"}",
                   "{\"app_id\":null,\"decision\":\"REJECT\",\"reasons\":[\"MINOR\"],\"age\":17.9166666666666667,"
                   "\"whole_years\":17,\"days_open\":0,\"due\":\"2027-03-01\",\"next_week\":\"2026-12-08\",\"y\":2026}");
    expect_decided(&P, "{\"born\":\"2008-12-01\",\"opened\":\"2027-01-01\"}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"age\":18,"
                   "\"whole_years\":18,\"days_open\":-31,\"due\":\"2027-03-01\",\"next_week\":\"2026-12-08\",\"y\":2026}");
    pol_free(&P);
}

/* ---- lets -------------------------------------------------------------------------- */

static void test_lets(void **state)
{
    (void)state;
    /* one let used by three rules and a result; another only computed
     * when needed (it would divide by zero otherwise) */
    static const char src[] =
        "policy t\n"
        "input app { a: int }\n"
        "let big = a * 1000\n"
        "let q = 10 / a\n"
        "let chain = big + q\n"
        "admission {\n"
        "  refer R1 when big > 1\n"
        "  refer R2 when big > 2000\n"
        "  refer R3 when big > 3000\n"
        "}\n"
        "v = big + big\n"
        "r = if a == 0 then 0 else chain\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"a\":0}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"v\":0,\"r\":0}");
    expect_decided(&P, "{\"a\":3}",
                   "{\"app_id\":null,\"decision\":\"REFER\",\"reasons\":[\"R1\",\"R2\"],\"v\":6000,"
                   "\"r\":3003.3333333333333333}");
    expect_decided(&P, "{\"a\":5}",
                   "{\"app_id\":null,\"decision\":\"REFER\",\"reasons\":[\"R1\",\"R2\",\"R3\"],\"v\":10000,\"r\":5002}");
    pol_free(&P);
}

/* ---- admission: the default outcome ------------------------------------------- */

static void test_admission_default(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { a: int }\n"
        "admission {\n"
        "  refer R1 \"a above 1\" when a > 1\n"
        "  reject J1 \"a above 2\" when a > 2\n"
        "  refer R2 when a > 3\n"
        "  reject J2 when a > 4\n"
        "}\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"app_id\":\"A0\",\"a\":0}", "{\"app_id\":\"A0\",\"decision\":\"APPROVE\",\"reasons\":[]}");
    expect_decided(&P, "{\"app_id\":\"A2\",\"a\":2}", "{\"app_id\":\"A2\",\"decision\":\"REFER\",\"reasons\":[\"R1\"]}");
    /* REJECT beats REFER: only the reject codes */
    expect_decided(&P, "{\"app_id\":\"A3\",\"a\":3}", "{\"app_id\":\"A3\",\"decision\":\"REJECT\",\"reasons\":[\"J1\"]}");
    expect_decided(&P, "{\"app_id\":\"A5\",\"a\":5}",
                   "{\"app_id\":\"A5\",\"decision\":\"REJECT\",\"reasons\":[\"J1\",\"J2\"]}");
    /* app_id may be a number */
    expect_decided(&P, "{\"app_id\":17,\"a\":-1}", "{\"app_id\":\"17\",\"decision\":\"APPROVE\",\"reasons\":[]}");
    pol_free(&P);

    /* several refers, in source order, none rejecting */
    static const char src2[] =
        "policy t\n"
        "input app { a: int  b: int }\n"
        "admission {\n"
        "  refer RB when b > 0\n"
        "  refer RA when a > 0\n"
        "  reject NEVER when a > 100\n"
        "}\n";
    check(src2, "{\"a\":1,\"b\":1}", "{\"app_id\":null,\"decision\":\"REFER\",\"reasons\":[\"RB\",\"RA\"]}");
}

/* ---- decide ---------------------------------------------------------------------- */

static void test_decide(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { a: int  b: int }\n"
        "admission {\n"
        "  reject J1 when a > 5\n"
        "  refer R1 when b > 5\n"
        "  reject J2 when a > 6\n"
        "}\n"
        "decide {\n"
        "  reject admission.reasons when admission.rejected\n"
        "  refer MANUAL, admission.reasons when admission.referred\n"
        "  approve BIG when a == 5\n"
        "  refer LOW, \"TEXT_REASON\", [\"L1\", \"L2\"] when b < 0\n"
        "  approve\n"
        "}\n";
    pol P;
    pol_load(&P, src, NULL);
    /* admission.reasons: every admission code that fired, refers too */
    expect_decided(&P, "{\"a\":7,\"b\":6}",
                   "{\"app_id\":null,\"decision\":\"REJECT\",\"reasons\":[\"J1\",\"R1\",\"J2\"]}");
    /* first match: the reject row wins over the b < 0 row */
    expect_decided(&P, "{\"a\":6,\"b\":-1}", "{\"app_id\":null,\"decision\":\"REJECT\",\"reasons\":[\"J1\"]}");
    expect_decided(&P, "{\"a\":0,\"b\":6}", "{\"app_id\":null,\"decision\":\"REFER\",\"reasons\":[\"MANUAL\",\"R1\"]}");
    expect_decided(&P, "{\"a\":5,\"b\":0}", "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[\"BIG\"]}");
    /* reason lists are flattened */
    expect_decided(&P, "{\"a\":0,\"b\":-1}",
                   "{\"app_id\":null,\"decision\":\"REFER\",\"reasons\":[\"LOW\",\"TEXT_REASON\",\"L1\",\"L2\"]}");
    expect_decided(&P, "{\"a\":0,\"b\":0}", "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[]}");
    pol_free(&P);

    /* a decide block overrides the default: a REJECT rule fired, yet APPROVE */
    static const char src2[] =
        "policy t\n"
        "input app { a: int }\n"
        "admission {\n"
        "  reject J1 when a > 0\n"
        "}\n"
        "decide {\n"
        "  approve OVERRIDE when a == 1\n"
        "  reject admission.reasons, \"MORE\"\n"
        "}\n";
    check(src2, "{\"a\":1}", "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[\"OVERRIDE\"]}");
    check(src2, "{\"a\":2}", "{\"app_id\":null,\"decision\":\"REJECT\",\"reasons\":[\"J1\",\"MORE\"]}");
    check(src2, "{\"a\":0}", "{\"app_id\":null,\"decision\":\"REJECT\",\"reasons\":[\"MORE\"]}");

    /* no row of the decide block matches: the default rule decides */
    static const char src3[] =
        "policy t\n"
        "input app { a: int }\n"
        "admission {\n"
        "  reject J when a > 5\n"
        "  refer F when a > 4\n"
        "}\n"
        "decide {\n"
        "  refer R when a == 1\n"
        "}\n";
    pol_load(&P, src3, NULL);
    expect_decided(&P, "{\"a\":1}", "{\"app_id\":null,\"decision\":\"REFER\",\"reasons\":[\"R\"]}");
    expect_decided(&P, "{\"a\":7}", "{\"app_id\":null,\"decision\":\"REJECT\",\"reasons\":[\"J\"]}");
    expect_decided(&P, "{\"a\":5}", "{\"app_id\":null,\"decision\":\"REFER\",\"reasons\":[\"F\"]}");
    expect_decided(&P, "{\"a\":0}", "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[]}");
    assert_false(P.s->decided);
    pol_free(&P);
}

/* ---- scorecards -------------------------------------------------------------------- */

static void test_scorecard(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { score: int  grade: text  util: rate }\n"
        "scorecard sc base 600 {\n"
        "  score: < 600 -> -40 | < 700 -> 10 | else -> 30\n"
        "  grade as GRADE_CODE: \"A\" -> 25 | \"B\" -> 10 | else -> -30\n"
        "  util: <= 0.3 -> 10 | else -> -10\n"
        "}\n"
        "pts_grade = sc.grade\n"
        "low2 = sc.lowest(2)\n"
        "low9 = sc.lowest(9)\n"
        "decide {\n"
        "  refer LOW_SCORE, sc.lowest(1) when sc < 600\n"
        "  approve\n"
        "}\n";
    pol P;
    pol_load(&P, src, NULL);
    /* 10, 10, -10: ties (score, grade) stay in source order */
    expect_decided(&P, "{\"score\":650,\"grade\":\"B\",\"util\":0.5}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"sc\":610,\"pts_grade\":10,"
                   "\"low2\":[\"SC_UTIL\",\"SC_SCORE\"],\"low9\":[\"SC_UTIL\",\"SC_SCORE\",\"GRADE_CODE\"]}");
    expect_decided(&P, "{\"score\":550,\"grade\":\"C\",\"util\":0.1}",
                   "{\"app_id\":null,\"decision\":\"REFER\",\"reasons\":[\"LOW_SCORE\",\"SC_SCORE\"],\"sc\":540,"
                   "\"pts_grade\":-30,\"low2\":[\"SC_SCORE\",\"GRADE_CODE\"],"
                   "\"low9\":[\"SC_SCORE\",\"GRADE_CODE\",\"SC_UTIL\"]}");
    /* the bin edges: 700 is not < 700; 0.30 is <= 0.3 */
    expect_decided(&P, "{\"score\":700,\"grade\":\"A\",\"util\":0.30}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"sc\":665,\"pts_grade\":25,"
                   "\"low2\":[\"SC_UTIL\",\"GRADE_CODE\"],\"low9\":[\"SC_UTIL\",\"GRADE_CODE\",\"SC_SCORE\"]}");
    pol_free(&P);
}

static void test_scorecard_decimal_points(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { a: int  b: int }\n"
        "scorecard s base 0 {\n"
        "  a: < 1 -> 0.10 | else -> 0.20\n"
        "  b: < 1 -> 0.20 | else -> 0.15\n"
        "}\n"
        "exact = s == 0.3\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"a\":0,\"b\":0}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"s\":0.30,\"exact\":true}");
    expect_decided(&P, "{\"a\":1,\"b\":1}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"s\":0.35,\"exact\":false}");
    pol_free(&P);
}

/* ---- segments ---------------------------------------------------------------------- */

static void test_segment(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { score: int  grade: text }\n"
        "segment tier {\n"
        "  PRIME when score >= 700 and grade == \"A\"\n"
        "  NEAR when score >= 700\n"
        "  STANDARD when score >= 600\n"
        "  SUB otherwise\n"
        "}\n"
        "is_prime = tier == PRIME\n"
        "decide {\n"
        "  refer tier when tier in {SUB}\n"
        "  approve\n"
        "}\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"score\":750,\"grade\":\"A\"}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"tier\":\"PRIME\",\"is_prime\":true}");
    expect_decided(&P, "{\"score\":750,\"grade\":\"B\"}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"tier\":\"NEAR\",\"is_prime\":false}");
    expect_decided(&P, "{\"score\":600,\"grade\":\"A\"}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"tier\":\"STANDARD\",\"is_prime\":false}");
    expect_decided(&P, "{\"score\":599,\"grade\":\"A\"}",
                   "{\"app_id\":null,\"decision\":\"REFER\",\"reasons\":[\"SUB\"],\"tier\":\"SUB\",\"is_prime\":false}");
    pol_free(&P);
}

/* ---- tables ------------------------------------------------------------------------ */

static void test_table_first(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { score: int  term: int }\n"
        "table price(score, term) -> number hit first {\n"
        "  < 600, -     -> 9.5\n"
        "  < 700, <= 12 -> 7.25\n"
        "  < 700, -     -> 7.75\n"
        "  >= 700, {6, 12, 24} -> 5\n"
        "}\n"
        "p = price\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"score\":500,\"term\":6}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"p\":9.5}");
    expect_decided(&P, "{\"score\":650,\"term\":12}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"p\":7.25}");
    expect_decided(&P, "{\"score\":650,\"term\":13}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"p\":7.75}");
    expect_decided(&P, "{\"score\":700,\"term\":24}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"p\":5}");
    /* no row matches: an error naming the table */
    expect_error(&P, "{\"app_id\":\"NM\",\"score\":700,\"term\":36}",
                 "{\"app_id\":\"NM\",\"line\":1,\"decision\":\"ERROR\",\"error\":"
                 "\"t.credo:3:7: no row of table price matches (in price)\"}");
    pol_free(&P);
}

static void test_table_unique(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { score: int }\n"
        "table band(score) -> text hit unique {\n"
        "  < 600 -> \"HIGH\"\n"
        "  600..699 -> \"MEDIUM\"\n"
        "  650..749 -> \"MIDDLE\"\n"
        "  >= 750 -> \"LOW\"\n"
        "}\n"
        "b = band\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"score\":620}", "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"b\":\"MEDIUM\"}");
    expect_decided(&P, "{\"score\":700}", "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"b\":\"MIDDLE\"}");
    expect_decided(&P, "{\"score\":800}", "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"b\":\"LOW\"}");
    /* two rows match: an error naming both rows and their lines */
    expect_error(&P, "{\"score\":660}",
                 "{\"app_id\":null,\"line\":1,\"decision\":\"ERROR\",\"error\":"
                 "\"t.credo:3:7: unique table band: rows 2 (line 5) and 3 (line 6) both match (in band)\"}");
    pol_free(&P);
}

/* `hit any` cannot be written: `any` is a keyword and the grammar wants a
 * name after `hit` (see the report); priority is tested here. */
static void test_table_priority(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { score: int  term: int }\n"
        "table prio(score) -> number hit priority {\n"
        "  < 700 -> 1\n"
        "  600..799 -> 3.5\n"
        "  >= 650 -> 2\n"
        "}\n"
        "segment risk {\n"
        "  HIGH when score < 0\n"
        "  MED when score < -1\n"
        "  LOW otherwise\n"
        "}\n"
        "table worst(score, term) -> risk hit priority {\n"
        "  -, > 24 -> MED\n"
        "  < 600, - -> HIGH\n"
        "  -, - -> LOW\n"
        "}\n"
        "table strict(score) -> int hit priority {\n"
        "  > 900 -> 1\n"
        "}\n"
        "p = prio\n"
        "w = worst\n"
        "st = if score > 900 then strict else 0\n";
    pol P;
    pol_load(&P, src, NULL);
    /* the highest number wins; of labels, the segment's earliest */
    expect_decided(&P, "{\"score\":600,\"term\":36}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"risk\":\"LOW\",\"p\":3.5,\"w\":\"MED\",\"st\":0}");
    expect_decided(&P, "{\"score\":500,\"term\":36}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"risk\":\"LOW\",\"p\":1,\"w\":\"HIGH\",\"st\":0}");
    expect_decided(&P, "{\"score\":850,\"term\":12}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"risk\":\"LOW\",\"p\":2,\"w\":\"LOW\",\"st\":0}");
    expect_decided(&P, "{\"score\":680,\"term\":12}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"risk\":\"LOW\",\"p\":3.5,\"w\":\"LOW\",\"st\":0}");
    expect_decided(&P, "{\"score\":950,\"term\":12}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"risk\":\"LOW\",\"p\":2,\"w\":\"LOW\",\"st\":1}");
    pol_free(&P);

    /* no row matches a priority table: an error */
    static const char src2[] =
        "policy t\n"
        "input app { score: int }\n"
        "table strict(score) -> int hit priority {\n"
        "  > 900 -> 1\n"
        "  > 950 -> 2\n"
        "}\n"
        "st = strict\n";
    pol_load(&P, src2, NULL);
    expect_decided(&P, "{\"score\":960}", "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"st\":2}");
    expect_error(&P, "{\"score\":10}",
                 "{\"app_id\":null,\"line\":1,\"decision\":\"ERROR\",\"error\":"
                 "\"t.credo:3:7: no row of table strict matches (in strict)\"}");
    pol_free(&P);
}

static void test_table_collect(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { score: int  term: int }\n"
        "table fsum(score, term) -> number hit collect sum {\n"
        "  < 700, - -> 1.5\n"
        "  -, > 12 -> 0.25\n"
        "  -, > 24 -> 0.25\n"
        "}\n"
        "table fmin(score, term) -> number hit collect min {\n"
        "  < 700, - -> 1.5\n"
        "  -, > 12 -> 0.25\n"
        "  -, > 24 -> 0.75\n"
        "}\n"
        "table fmax(score, term) -> number hit collect max {\n"
        "  < 700, - -> 1.5\n"
        "  -, > 12 -> 0.25\n"
        "  -, > 24 -> 2\n"
        "}\n"
        "table fcount(score, term) -> number hit collect count {\n"
        "  < 700, - -> 1.5\n"
        "  -, > 12 -> 0.25\n"
        "  -, > 24 -> 0.25\n"
        "}\n"
        "table flist(score, term) -> text hit collect {\n"
        "  < 700, - -> \"A\"\n"
        "  -, > 12 -> \"B\"\n"
        "  -, > 24 -> \"C\"\n"
        "}\n"
        "table isum(term) -> int hit collect sum {\n"
        "  > 6 -> 1\n"
        "  > 12 -> 2\n"
        "}\n"
        "s = fsum\n"
        "mn = if fcount > 0 then fmin else 0\n"
        "mx = if fcount > 0 then fmax else 0\n"
        "c = fcount\n"
        "l = flist\n"
        "i = isum\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"score\":650,\"term\":36}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"s\":2.00,\"mn\":0.25,\"mx\":2,\"c\":3,"
                   "\"l\":[\"A\",\"B\",\"C\"],\"i\":3}");
    expect_decided(&P, "{\"score\":750,\"term\":18}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"s\":0.25,\"mn\":0.25,\"mx\":0.25,\"c\":1,"
                   "\"l\":[\"B\"],\"i\":3}");
    /* nothing matches: sum 0, count 0, an empty list */
    expect_decided(&P, "{\"score\":750,\"term\":6}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"s\":0,\"mn\":0,\"mx\":0,\"c\":0,"
                   "\"l\":[],\"i\":0}");
    pol_free(&P);

    /* min of no rows is an error */
    static const char src2[] =
        "policy t\n"
        "input app { term: int }\n"
        "table fmin(term) -> number hit collect min {\n"
        "  > 12 -> 0.25\n"
        "}\n"
        "m = fmin\n";
    pol_load(&P, src2, NULL);
    expect_decided(&P, "{\"term\":24}", "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"m\":0.25}");
    expect_error(&P, "{\"term\":12}",
                 "{\"app_id\":null,\"line\":1,\"decision\":\"ERROR\",\"error\":"
                 "\"t.credo:3:7: no row of table fmin matches, so it has no minimum (in fmin)\"}");
    pol_free(&P);
}

static void test_table_grid(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { tier: text  term: int }\n"
        "table premium(tier, term) -> rate {\n"
        "         | <= 12 | <= 24 | else\n"
        "  \"P\"    | 0.80  | 1.10  | 1.40\n"
        "  \"S\"    | 1.60  | 1.90  | 2.30\n"
        "}\n"
        "rate = 3.10 + premium\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"tier\":\"P\",\"term\":12}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"rate\":3.90}");
    expect_decided(&P, "{\"tier\":\"S\",\"term\":18}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"rate\":5.00}");
    expect_decided(&P, "{\"tier\":\"S\",\"term\":36}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"rate\":5.40}");
    expect_error(&P, "{\"tier\":\"X\",\"term\":36}",
                 "{\"app_id\":null,\"line\":1,\"decision\":\"ERROR\",\"error\":"
                 "\"t.credo:3:7: no row of table premium matches (in premium)\"}");
    pol_free(&P);
}

/* ---- functions --------------------------------------------------------------------- */

static void test_fn(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { x: int  y: int  z: int  xs: list of int }\n"
        "fn f(a: int, b: int) -> int = a * 10 + b\n"
        "fn g(v: number) -> number = v * 2\n"
        "fn above(vs: list of int, k: int) -> int = count v in vs where v > k\n"
        "fn h(a: int) -> number = g(a) + f(a, a)\n"
        "r1 = f(1, 2)\n"
        "r2 = f(x, f(y, z))\n"
        "r3 = f(f(x, y), z)\n"
        "r4 = g(1.25)\n"
        "r5 = above(xs, above(xs, 0))\n"
        "r6 = h(f(y, x))\n"
        "r7 = f(x, y) + f(y, x)\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"x\":1,\"y\":2,\"z\":3,\"xs\":[1,5,2,6]}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"r1\":12,\"r2\":33,\"r3\":123,"
                   "\"r4\":2.50,\"r5\":2,\"r6\":273,\"r7\":33}");
    pol_free(&P);
}

/* ---- run-time errors ------------------------------------------------------------- */

static void test_error_div_zero(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { a: int  b: int  m: money }\n"
        "q = a / b\n"
        "admission {\n"
        "  reject J when m / 0 > 1\n"
        "}\n";
    char out[4096];
    /* in a result: named by the let it happened in */
    bool ok = decide(src, "{\"app_id\":\"Z\",\"a\":1,\"b\":0,\"m\":1.00}", out, sizeof out);
    assert_false(ok);
    /* the admission rule runs first: not inside any let */
    assert_string_equal(out, "{\"app_id\":\"Z\",\"line\":1,\"decision\":\"ERROR\",\"error\":"
                             "\"t.credo:5:17: division by zero\"}");

    static const char src2[] =
        "policy t\n"
        "input app { a: int  b: int }\n"
        "let ratio = a / b\n"
        "admission {\n"
        "  refer R when ratio > 1\n"
        "}\n"
        "m = a % b\n";
    ok = decide(src2, "{\"a\":1,\"b\":0}", out, sizeof out);
    assert_false(ok);
    assert_string_equal(out, "{\"app_id\":null,\"line\":1,\"decision\":\"ERROR\",\"error\":"
                             "\"t.credo:3:13: division by zero (in ratio)\"}");
}

static void test_error_int_overflow(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { a: int  b: int }\n"
        "p = a * b\n";
    char out[4096];
    bool ok = decide(src, "{\"a\":4294967296,\"b\":4294967296}", out, sizeof out);
    assert_false(ok);
    assert_string_equal(out, "{\"app_id\":null,\"line\":1,\"decision\":\"ERROR\",\"error\":"
                             "\"t.credo:3:5: int overflow in 4294967296 * 4294967296 (in p)\"}");

    static const char src2[] =
        "policy t\n"
        "input app { a: int  b: int }\n"
        "d = a - b\n"
        "n = -a\n";
    ok = decide(src2, "{\"a\":-9223372036854775807,\"b\":2}", out, sizeof out);
    assert_false(ok);
    assert_string_equal(out, "{\"app_id\":null,\"line\":1,\"decision\":\"ERROR\",\"error\":"
                             "\"t.credo:3:5: int overflow in -9223372036854775807 - 2 (in d)\"}");
    ok = decide(src2, "{\"a\":-9223372036854775808,\"b\":-2}", out, sizeof out);
    assert_false(ok);
    assert_string_equal(out, "{\"app_id\":null,\"line\":1,\"decision\":\"ERROR\",\"error\":"
                             "\"t.credo:4:5: int overflow in -(-9223372036854775808) (in n)\"}");
}

static void test_error_decimal_overflow(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { m: money }\n"
        "big = m * m * m\n";
    char out[4096];
    bool ok = decide(src, "{\"m\":1000000000000000}", out, sizeof out);
    assert_false(ok);
    assert_string_equal(out, "{\"app_id\":null,\"line\":1,\"decision\":\"ERROR\",\"error\":"
                             "\"t.credo:3:7: '*' overflows: the result needs more than 38 digits (in big)\"}");
    ok = decide(src, "{\"m\":1000000000000}", out, sizeof out);
    assert_true(ok);
    assert_string_equal(out, "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],"
                             "\"big\":1000000000000000000000000000000000000}");
}

/* A let that is a table's input is computed by the first row that tests
 * it; a row that fails on an earlier input does not get to it, and when
 * no row does, its error never happens. */
static void test_table_input_let_when_needed(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { a: int, b: int }\n"
        "let q = 10 / b\n"
        "table t(a, q) -> int hit first {\n"
        "  < 0, < 1 -> 1\n"
        "  -,   -   -> 2\n"
        "}\n"
        "r = t\n";
    check(src, "{\"a\":5,\"b\":0}", "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"r\":2}");
    check(src, "{\"a\":-1,\"b\":20}", "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"r\":1}");
    char out[4096];
    assert_false(decide(src, "{\"a\":-1,\"b\":0}", out, sizeof out));
    assert_non_null(strstr(out, "division by zero"));
}

static void test_error_budget(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { xs: list of int }\n"
        "n = count x in xs where x > 0\n";
    cr_session_limits lim = CR_SESSION_LIMITS_DEFAULT;
    lim.max_instructions = 40;
    pol P;
    pol_load(&P, src, &lim);
    /* the loop jumps back: the budget is counted even when not asked for */
    assert_false(P.s->runs_once);
    assert_false(P.s->count_instructions);
    expect_decided(&P, "{\"xs\":[1,2]}", "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"n\":2}");
    assert_true(P.s->executed > 0);
    assert_true(P.s->executed < 40);
    expect_error(&P, "{\"xs\":[1,2,3,4,5,6,7,8,9,10,11,12]}",
                 "{\"app_id\":null,\"line\":1,\"decision\":\"ERROR\",\"error\":"
                 "\"t.credo:3:5: instruction budget of 40 exceeded (in n)\"}");
    /* the session goes on after an error */
    expect_decided(&P, "{\"xs\":[]}", "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"n\":0}");
    pol_free(&P);
}

/* A run-time error makes cr_session_run return false even when rules that
 * ran before it left the outcome at APPROVE; a reader error never runs. */
static void test_error_is_not_a_decision(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { a: int  b: int }\n"
        "admission {\n"
        "  refer R when a > 100\n"
        "}\n"
        "q = a / b\n";
    pol P;
    pol_load(&P, src, NULL);
    cr_session *s = P.s;
    static const char line[] = "{\"a\":1,\"b\":0}";
    cr_session_begin(s);
    cr_json_limits jl = CR_JSON_LIMITS_DEFAULT;
    cr_json_result res;
    assert_int_equal(cr_json_read(P.p->input, line, strlen(line), &s->arena, &jl, s->slots, &res), 0);
    assert_false(cr_session_run(s));
    assert_string_equal(s->error, "t.credo:6:5: division by zero (in q)");
    assert_non_null(s->error_in);
    assert_string_equal(s->error_in, "q");
    expect_error(&P, "{\"app_id\":\"J\",\"a\":\"x\",\"b\":1}",
                 "{\"app_id\":\"J\",\"line\":1,\"decision\":\"ERROR\",\"error\":\"a: expected int, got text\"}");
    pol_free(&P);
}

/* The session arena's limit: an application that needs more memory is an
 * ERROR, and the next one (after the arena is reset) is decided. */
static void test_error_memory(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { s: text  xs: list of int }\n"
        "u = count v in [upper(s) for x in xs] where len(v) > 0\n";
    cr_session_limits lim = CR_SESSION_LIMITS_DEFAULT;
    lim.max_memory = 64 * 1024;
    pol P;
    pol_load(&P, src, &lim);
    char json[4096];
    int o = snprintf(json, sizeof json, "{\"s\":\"");
    for (int i = 0; i < 1000; i++)
        json[o++] = 'a';
    o += snprintf(json + o, sizeof json - (size_t)o, "\",\"xs\":[");
    for (int i = 0; i < 100; i++)
        o += snprintf(json + o, sizeof json - (size_t)o, "%s%d", i ? "," : "", i);
    snprintf(json + o, sizeof json - (size_t)o, "]}");
    expect_error(&P, json,
                 "{\"app_id\":null,\"line\":1,\"decision\":\"ERROR\",\"error\":"
                 "\"t.credo:3:17: out of memory for this application (limit 65536 bytes) (in u)\"}");
    expect_decided(&P, "{\"s\":\"ab\",\"xs\":[1,2,3]}",
                   "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"u\":3}");
    expect_error(&P, json,
                 "{\"app_id\":null,\"line\":1,\"decision\":\"ERROR\",\"error\":"
                 "\"t.credo:3:17: out of memory for this application (limit 65536 bytes) (in u)\"}");
    pol_free(&P);
}

/* A pattern that backtracks catastrophically stops at the match limit. */
static void test_error_regex_limit(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { s: text }\n"
        "m = s matches /^(a+)+$/\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"s\":\"aaaa\"}", "{\"app_id\":null,\"decision\":\"APPROVE\",\"reasons\":[],\"m\":true}");
    expect_error(&P, "{\"s\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\"}",
                 "{\"app_id\":null,\"line\":1,\"decision\":\"ERROR\",\"error\":"
                 "\"t.credo:3:5: regular expression failed: match limit exceeded (in m)\"}");
    pol_free(&P);
}

/* ---- one session, many applications --------------------------------------------- */

static void test_session_reuse(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app {\n"
        "  app_id: text\n"
        "  name: text\n"
        "  sales: list of money\n"
        "  collateral: money?\n"
        "}\n"
        "let total = sum(sales)\n"
        "admission {\n"
        "  reject NO_SALES when count(sales) == 0\n"
        "  refer THIN when (collateral ?? 0) < 1000\n"
        "}\n"
        "up = upper(name)\n"
        "doubled = [s * 2 for s in sales where s > 0]\n"
        "limit = floor_to(total * 0.2, 100)\n";
    pol P;
    pol_load(&P, src, NULL);
    expect_decided(&P, "{\"app_id\":\"A1\",\"name\":\"li wei\",\"sales\":[1000.00,2500.50,0],\"collateral\":5000}",
                   "{\"app_id\":\"A1\",\"decision\":\"APPROVE\",\"reasons\":[],\"up\":\"LI WEI\","
                   "\"doubled\":[2000.00,5001.00],\"limit\":700}");
    expect_decided(&P, "{\"app_id\":\"A2\",\"name\":\"zhang\",\"sales\":[],\"collateral\":null}",
                   "{\"app_id\":\"A2\",\"decision\":\"REJECT\",\"reasons\":[\"NO_SALES\"],\"up\":\"ZHANG\","
                   "\"doubled\":[],\"limit\":0}");
    expect_decided(&P, "{\"app_id\":\"A3\",\"name\":\"wang\\u0021\",\"sales\":[10000],\"collateral\":999.99}",
                   "{\"app_id\":\"A3\",\"decision\":\"REFER\",\"reasons\":[\"THIN\"],\"up\":\"WANG!\","
                   "\"doubled\":[20000],\"limit\":2000}");
    /* the first application again: the same result after two others */
    expect_decided(&P, "{\"app_id\":\"A1\",\"name\":\"li wei\",\"sales\":[1000.00,2500.50,0],\"collateral\":5000}",
                   "{\"app_id\":\"A1\",\"decision\":\"APPROVE\",\"reasons\":[],\"up\":\"LI WEI\","
                   "\"doubled\":[2000.00,5001.00],\"limit\":700}");
    pol_free(&P);
}

/* The reference policy compiles and decides one applicant. */
static void test_reference_policy(void **state)
{
    (void)state;
    size_t len;
    char *src = cr_read_file("policies/sme_tax_loan.credo", &len);
    if (!src)
        skip();
    pol P;
    pol_load(&P, src, NULL);
    free(src);
    char out[4096];
    bool ok = pol_run(&P,
                      "{\"app_id\":\"R1\",\"age\":40,\"business_years\":6,\"industry\":\"F51\","
                      "\"uscc\":\"91110000MA01ABCD2X\",\"annual_revenue\":2000000,\"tax_paid_12m\":60000,"
                      "\"tax_grade\":\"A\",\"pos_flow_12m\":1500000,\"monthly_income\":100000,"
                      "\"monthly_debt_payment\":20000,\"credit_score\":720,\"overdue_count_24m\":0,"
                      "\"max_overdue_days_24m\":0,\"inquiries_3m\":1,\"blacklisted\":false,"
                      "\"requested_amount\":300000,\"requested_term\":12,\"collateral_value\":null,"
                      "\"monthly_sales\":[100,100,100,100,100,100,100,100,100,100,100,100]}",
                      out, sizeof out);
    assert_true(ok);
    assert_non_null(strstr(out, "\"app_id\":\"R1\",\"decision\":\""));
    pol_free(&P);
}

/* Superinstructions (runtime/vm/vm_fuse.c), the loop without a budget and
 * the fixed-shape regex matcher change nothing but speed: the reference
 * policy over its first 400 applicants decides the same, runs the same
 * number of instructions and, with every budget from 1 up to what a
 * decision takes, stops at the same place with the same error as the
 * program's own code run without them, matching with PCRE2. */
static void run_both(pol *fast, pol *plain, const char *line, uint64_t budget)
{
    char a[4096], b[4096];
    fast->s->limits.max_instructions = budget;
    plain->s->limits.max_instructions = budget;
    bool da = pol_run(fast, line, a, sizeof a);
    bool db = pol_run(plain, line, b, sizeof b);
    if (da != db || strcmp(a, b) != 0 || fast->s->executed != plain->s->executed)
        fail_msg("budget %llu, %s\nwith superinstructions: %s (%llu run)\nwithout: %s (%llu run)",
                 (unsigned long long)budget, line, a, (unsigned long long)fast->s->executed, b,
                 (unsigned long long)plain->s->executed);
}

/* Without the count: the same decision or error, by the loop that keeps no
 * budget when the budget cannot run out (executed stays 0), else by the
 * counting one. */
static void run_uncounted(pol *free_run, const pol *counted, const char *line, uint64_t budget)
{
    char a[4096], b[4096];
    free_run->s->limits.max_instructions = budget;
    bool da = pol_run(free_run, line, a, sizeof a);
    bool db = pol_run((pol *)counted, line, b, sizeof b);
    if (da != db || strcmp(a, b) != 0)
        fail_msg("budget %llu, %s\nuncounted: %s\ncounted: %s", (unsigned long long)budget, line, a, b);
    /* The loop that does not count leaves executed 0; it runs when the
     * budget covers the code, and keeps what the code cannot spend for the
     * built-ins' work.  When that work might not fit, the application is
     * run again counting, which leaves the count.  Work is part of the
     * count, so a budget of the code and the count always fits it. */
    if (budget >= free_run->p->ncode + free_run->s->fused_work + counted->s->executed)
        assert_int_equal(free_run->s->executed, 0);
    else if (da && (budget < free_run->p->ncode || free_run->s->executed != 0))
        assert_int_equal(free_run->s->executed, counted->s->executed);
}

static void test_superinstructions(void **state)
{
    (void)state;
    size_t len, alen;
    char *src = cr_read_file("policies/sme_tax_loan.credo", &len);
    char *apps = cr_read_file("tests/reference/applicants.jsonl", &alen);
    if (!src || !apps) {
        free(src);
        free(apps);
        skip();
    }
    pol fast, plain, free_run;
    pol_load(&fast, src, NULL);
    pol_load(&plain, src, NULL);
    pol_load(&free_run, src, NULL);
    free(src);
    assert_non_null(fast.s->fast);
    assert_true(fast.s->runs_once);   /* no loop: every jump goes forward */
    fast.s->count_instructions = true;
    uint32_t fused = 0;
    for (uint32_t i = 0; i < fast.p->ncode; i++)
        fused += fast.s->fast[i].op >= CR_OP__COUNT;
    assert_true(fused >= 40);   /* scorecard bins and admission tests */
    free(plain.s->fast);
    plain.s->fast = NULL;
    /* and PCRE2 for every regex, where the session has a fixed-shape
     * matcher (runtime/vm/regex_fixed.h) for the USCC format */
    assert_int_equal(plain.p->nregex, 1);
    assert_non_null(plain.s->regex_fixed[0]);
    free(plain.s->regex_fixed[0]);
    plain.s->regex_fixed[0] = NULL;
    char *line = apps;
    for (int n = 0; n < 400 && line < apps + alen; n++) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        run_both(&fast, &plain, line, 1000000);
        uint64_t took = fast.s->executed;
        assert_true(took > 50);
        run_uncounted(&free_run, &fast, line, 1000000);
        if (n < 40) {
            for (uint64_t budget = 1; budget <= took + 1; budget++) {
                run_both(&fast, &plain, line, budget);
                run_uncounted(&free_run, &fast, line, budget);
            }
            /* from the code's length up, no budget can run out */
            for (uint64_t budget = fast.p->ncode - 1; budget <= fast.p->ncode + 1; budget++) {
                run_both(&fast, &plain, line, budget);
                run_uncounted(&free_run, &fast, line, budget);
            }
        }
        line = end ? end + 1 : apps + alen;
    }
    free(apps);
    pol_free(&fast);
    pol_free(&plain);
    pol_free(&free_run);
}

/* A failed first cell of a grid row skips the rows after it that test the
 * same cell (runtime/vm/vm_fuse.c): on an input text, a computed let and an
 * input number, the loop that follows those chains gives every
 * decision and error that the counting loops give, and the counting loops
 * still count every test. */
static void test_failed_tests_threaded(void **state)
{
    (void)state;
    static const char src[] =
        "policy t\n"
        "input app { tier: text  term: int  amount: money  band: int }\n"
        "let size = amount / 1000\n"
        "table premium(tier, term) -> rate {\n"
        "         | <= 12 | <= 24 | else\n"
        "  \"P\"    | 0.80  | 1.10  | 1.40\n"
        "  \"S\"    | 1.60  | 1.90  | 2.30\n"
        "  \"R\"    | 3.00  | 3.50  | 4.00\n"
        "}\n"
        "table fee(size, term) -> number {\n"
        "          | <= 12 | else\n"
        "  < 10    | 1     | 2\n"
        "  < 100   | 3     | 4\n"
        "  >= 100  | 5     | 6\n"
        "}\n"
        "table extra(band, term) -> number {\n"
        "      | <= 24 | else\n"
        "  1   | 10    | 20\n"
        "  2   | 30    | 40\n"
        "}\n"
        "rate = 3.10 + premium\n"
        "charge = fee + extra\n";
    pol fast, plain, free_run;
    pol_load(&fast, src, NULL);
    pol_load(&plain, src, NULL);
    pol_load(&free_run, src, NULL);
    free(plain.s->fast);
    plain.s->fast = NULL;
    fast.s->count_instructions = true;
    assert_true(free_run.s->runs_once);
    /* premium's rows 1, 2, 4, 5, 7 and 8 start a chain (a failed first
     * cell goes past 2 or 1 same tests), fee's 1, 3, 5 and extra's 1, 3
     * one of 1 */
    uint32_t chains = 0, hops = 0;
    for (uint32_t i = 0; i < free_run.p->ncode; i++)
        if (free_run.s->fast[i].op >= CR_OP__COUNT && free_run.s->fast[i].b) {
            chains++;
            hops += free_run.s->fast[i].b;
        }
    assert_int_equal(chains, 11);
    assert_int_equal(hops, 14);
    static const char *const tiers[] = {"P", "S", "R", "X"};
    static const char *const amounts[] = {"5000", "50000.5", "99999.99", "100000", "2500000"};
    static const char *const bands[] = {"1", "2", "3"};
    static const int terms[] = {6, 12, 18, 24, 36};
    int decided = 0, errors = 0;
    for (int t = 0; t < 4; t++)
        for (int a = 0; a < 5; a++)
            for (int b = 0; b < 3; b++)
                for (int m = 0; m < 5; m++) {
                    char line[256];
                    snprintf(line, sizeof line, "{\"tier\":\"%s\",\"term\":%d,\"amount\":%s,\"band\":%s}", tiers[t],
                             terms[m], amounts[a], bands[b]);
                    run_both(&fast, &plain, line, 1000000);
                    run_uncounted(&free_run, &fast, line, 1000000);
                    char out[4096];
                    if (pol_run(&free_run, line, out, sizeof out))
                        decided++;
                    else
                        errors++;
                }
    /* every tier but X with band 1 or 2 decides; the rest stop at a table
     * no row of which matches */
    assert_int_equal(decided, 3 * 5 * 2 * 5);
    assert_int_equal(errors, 4 * 5 * 3 * 5 - decided);
    pol_free(&fast);
    pol_free(&plain);
    pol_free(&free_run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arith),
        cmocka_unit_test(test_int_division),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_short_circuit),
        cmocka_unit_test(test_null),
        cmocka_unit_test(test_in),
        cmocka_unit_test(test_matches),
        cmocka_unit_test(test_index_slice),
        cmocka_unit_test(test_index_errors),
        cmocka_unit_test(test_loops),
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_record_lists_and_rules),
        cmocka_unit_test(test_dates_in_policy),
        cmocka_unit_test(test_lets),
        cmocka_unit_test(test_admission_default),
        cmocka_unit_test(test_decide),
        cmocka_unit_test(test_scorecard),
        cmocka_unit_test(test_scorecard_decimal_points),
        cmocka_unit_test(test_segment),
        cmocka_unit_test(test_table_first),
        cmocka_unit_test(test_table_unique),
        cmocka_unit_test(test_table_priority),
        cmocka_unit_test(test_table_collect),
        cmocka_unit_test(test_table_grid),
        cmocka_unit_test(test_fn),
        cmocka_unit_test(test_error_div_zero),
        cmocka_unit_test(test_error_int_overflow),
        cmocka_unit_test(test_error_decimal_overflow),
        cmocka_unit_test(test_table_input_let_when_needed),
        cmocka_unit_test(test_error_budget),
        cmocka_unit_test(test_error_is_not_a_decision),
        cmocka_unit_test(test_error_memory),
        cmocka_unit_test(test_error_regex_limit),
        cmocka_unit_test(test_session_reuse),
        cmocka_unit_test(test_reference_policy),
        cmocka_unit_test(test_superinstructions),
        cmocka_unit_test(test_failed_tests_threaded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
