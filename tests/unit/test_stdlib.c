/* Unit tests for the built-in functions (stdlib/), called directly through
 * the one table: cr_builtins[cr_builtin_find("name")].fn with a cr_call_ctx.
 *
 * Results are compared as the JSON text the decision writer would print
 * (decimals with their scale, dates as "YYYY-MM-DD", texts quoted) and by
 * their kind: I int, R decimal, B bool, T text, D date, L list. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/core/date.h"
#include "runtime/io/decision_json.h"
#include "stdlib/stdlib.h"

/* ---- helpers ------------------------------------------------------------------ */

static cr_arena g_arena;
static char g_err[256];

static int setup(void **state)
{
    (void)state;
    cr_arena_init(&g_arena, 4096, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cr_arena_free(&g_arena);
    return 0;
}

static cr_value I(int64_t i) { return cr_int(i); }

static cr_value D(const char *s)
{
    cr_dec d;
    assert_int_equal(cr_dec_parse(s, strlen(s), &d), CR_DEC_OK);
    return cr_decv(d);
}

static cr_value T(const char *s) { return cr_text(s, (uint32_t)strlen(s)); }

static cr_value DT(const char *s)
{
    int64_t days;
    assert_true(cr_date_parse(s, strlen(s), &days));
    return cr_date(days);
}

#define NARGS(...) ((uint32_t)(sizeof((cr_value[]){__VA_ARGS__}) / sizeof(cr_value)))
#define ARGS(...) ((const cr_value[]){__VA_ARGS__}), NARGS(__VA_ARGS__)
#define LIST(...) cr_list(((const cr_value[]){__VA_ARGS__}), NARGS(__VA_ARGS__))
#define EMPTY cr_list(NULL, 0)

static char kind_of(cr_value v)
{
    switch ((cr_tag)v.tag) {
    case CR_INT: return 'I';
    case CR_DEC: return 'R';
    case CR_BOOL: return 'B';
    case CR_TEXT: return 'T';
    case CR_DATE: return 'D';
    case CR_LIST: return 'L';
    default: return '?';
    }
}

/* Calls the built-in; returns its result, with g_err holding the error. */
static bool call(const char *name, const cr_value *args, uint32_t n, cr_value *out)
{
    int i = cr_builtin_find(name);
    if (i < 0)
        fail_msg("no built-in %s", name);
    const cr_builtin *b = &cr_builtins[i];
    assert_true(n >= b->min_args && n <= b->max_args);
    cr_call_ctx cx = {.arena = &g_arena, .err = g_err, .errsize = sizeof g_err};
    g_err[0] = '\0';
    memset(out, 0x5A, sizeof *out);
    return b->fn(&cx, args, n, out);
}

/* name(args) succeeds with a result of kind `kind` written as `want`. */
static void ok(const char *want, char kind, const char *name, const cr_value *args, uint32_t n)
{
    cr_value r;
    if (!call(name, args, n, &r))
        fail_msg("%s: unexpected error: %s (wanted %s)", name, g_err, want);
    cr_buf b = {0};
    cr_buf_json_value(&b, r, NULL);
    assert_false(b.failed);
    char got[512];
    snprintf(got, sizeof got, "%s", b.p ? b.p : "");
    cr_buf_free(&b);
    if (strcmp(got, want) != 0 || kind_of(r) != kind)
        fail_msg("%s: got %s (kind %c), wanted %s (kind %c)", name, got, kind_of(r), want, kind);
}

/* name(args) fails with exactly the error `want`. */
static void bad(const char *want, const char *name, const cr_value *args, uint32_t n)
{
    cr_value r;
    if (call(name, args, n, &r)) {
        cr_buf b = {0};
        cr_buf_json_value(&b, r, NULL);
        char got[512];
        snprintf(got, sizeof got, "%s", b.p ? b.p : "");
        cr_buf_free(&b);
        fail_msg("%s: got %s, wanted the error \"%s\"", name, got, want);
    }
    assert_string_equal(g_err, want);
}

/* ---- the table ----------------------------------------------------------------- */

static void test_table(void **state)
{
    (void)state;
    static const char *const expected[] = {
        "min", "max", "clamp", "abs", "sqrt", "round", "round_half_even", "floor_to", "ceil_to",
        "floor", "ceil", "sum", "avg", "count", "stdev", "len", "upper", "lower", "starts_with",
        "ends_with", "contains", "days_between", "months_between", "add_months", "add_days", "year", "month", "day",
        "pow", "equal_instalment", "equal_principal_instalment", "apr",
        "round_half_down", "round_up", "round_down", "round_floor", "round_ceil",
    };
    size_t nexp = sizeof expected / sizeof expected[0];
    assert_int_equal(cr_nbuiltins, nexp);
    for (uint32_t i = 0; i < cr_nbuiltins; i++) {
        const cr_builtin *b = &cr_builtins[i];
        assert_non_null(b->name);
        assert_true(b->name[0] != '\0');
        assert_non_null(b->fn);
        assert_true(b->min_args >= 1);
        assert_true(b->min_args <= b->max_args);
        assert_non_null(b->args);
        size_t na = strlen(b->args);
        assert_true(na >= 1);
        /* one letter per argument, the last repeating: never more letters than arguments */
        assert_true(na <= b->max_args);
        for (size_t k = 0; k < na; k++)
            if (!strchr("NITDLSXV", b->args[k]))
                fail_msg("%s: argument kind '%c' is not one of NITDLSXV", b->name, b->args[k]);
        if (b->ret == '\0' || !strchr("IRBTDPE", b->ret))
            fail_msg("%s: result kind '%c' is not one of IRBTDPE", b->name, b->ret);
        assert_non_null(b->doc);
        assert_true(b->doc[0] != '\0');
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(cr_builtins[j].name, b->name) == 0)
                fail_msg("built-in %s is registered twice", b->name);
        /* find gives back this entry */
        assert_int_equal(cr_builtin_find(b->name), (int)i);
    }
    for (size_t k = 0; k < nexp; k++)
        if (cr_builtin_find(expected[k]) < 0)
            fail_msg("built-in %s is missing", expected[k]);
    assert_int_equal(cr_builtin_find("nope"), -1);
    assert_int_equal(cr_builtin_find(""), -1);
    assert_int_equal(cr_builtin_find("MIN"), -1);
}

/* ---- math ------------------------------------------------------------------------- */

static void test_min_max(void **state)
{
    (void)state;
    ok("1", 'I', "min", ARGS(I(3), I(1), I(2)));
    ok("3", 'I', "max", ARGS(I(3), I(1), I(2)));
    ok("5", 'I', "min", ARGS(I(5)));
    ok("-7", 'I', "min", ARGS(I(-7), I(0)));
    ok("1.50", 'R', "min", ARGS(I(2), D("1.50")));
    ok("2.5", 'R', "max", ARGS(D("2.5"), D("2.50"), I(1)));   /* first of equals */
    ok("2.50", 'R', "max", ARGS(D("2.50"), D("2.5"), I(1)));
    /* one list */
    ok("1", 'I', "min", ARGS(LIST(I(4), I(1), I(9))));
    ok("9", 'I', "max", ARGS(LIST(I(4), I(1), I(9))));
    ok("-0.05", 'R', "min", ARGS(LIST(D("0.10"), D("-0.05"), D("0"))));
    ok("0.10", 'R', "max", ARGS(LIST(D("0.10"), D("-0.05"), D("0"))));
    ok("42", 'I', "max", ARGS(LIST(I(42))));
    bad("min of an empty list", "min", ARGS(EMPTY));
    bad("max of an empty list", "max", ARGS(EMPTY));
    /* INT64 extremes compare exactly */
    ok("-9223372036854775808", 'I', "min", ARGS(I(INT64_MAX), I(INT64_MIN)));
    ok("9223372036854775807", 'I', "max", ARGS(I(INT64_MAX), I(INT64_MIN)));
}

static void test_clamp(void **state)
{
    (void)state;
    ok("5", 'I', "clamp", ARGS(I(5), I(1), I(10)));
    ok("1", 'I', "clamp", ARGS(I(-5), I(1), I(10)));
    ok("10", 'I', "clamp", ARGS(I(50), I(1), I(10)));
    ok("7", 'I', "clamp", ARGS(I(7), I(7), I(7)));
    /* a decimal anywhere makes the result decimal */
    ok("5", 'R', "clamp", ARGS(I(5), D("1.0"), I(10)));
    ok("1.5", 'R', "clamp", ARGS(I(0), D("1.5"), I(10)));
    ok("10.25", 'R', "clamp", ARGS(I(20), I(1), D("10.25")));
    ok("3.5", 'R', "clamp", ARGS(D("3.5"), I(1), I(10)));
    ok("12.40", 'R', "clamp", ARGS(D("13.1"), D("3.10"), D("12.40")));
    bad("clamp: the lower bound is above the upper bound", "clamp", ARGS(I(5), I(10), I(1)));
    bad("clamp: the lower bound is above the upper bound", "clamp", ARGS(I(5), D("1.01"), I(1)));
}

static void test_abs(void **state)
{
    (void)state;
    ok("5", 'I', "abs", ARGS(I(-5)));
    ok("5", 'I', "abs", ARGS(I(5)));
    ok("0", 'I', "abs", ARGS(I(0)));
    ok("2.50", 'R', "abs", ARGS(D("-2.50")));
    ok("0.00", 'R', "abs", ARGS(D("0.00")));
    ok("9223372036854775807", 'I', "abs", ARGS(I(INT64_MIN + 1)));
    /* |INT64_MIN| does not fit in an int: an overflow error, not a wrap */
    bad("int overflow in -(-9223372036854775808)", "abs", ARGS(I(INT64_MIN)));
    /* the largest decimal */
    ok("99999999999999999999999999999999999999", 'R', "abs", ARGS(D("-99999999999999999999999999999999999999")));
}

static void test_sqrt(void **state)
{
    (void)state;
    ok("1.4142135623730950", 'R', "sqrt", ARGS(I(2)));
    ok("2.0000000000000000", 'R', "sqrt", ARGS(I(4)));
    ok("0.5000000000000000", 'R', "sqrt", ARGS(D("0.25")));
    ok("0.0000000000000000", 'R', "sqrt", ARGS(I(0)));
    ok("0.0000000010000000", 'R', "sqrt", ARGS(D("0.000000000000000001")));
    ok("3162277660168379331.9988935444327185", 'R', "sqrt", ARGS(D("1e37")));
    ok("3037000499.9760496922867524", 'R', "sqrt", ARGS(I(INT64_MAX)));
    bad("square root of a negative number", "sqrt", ARGS(I(-1)));
    bad("square root of a negative number", "sqrt", ARGS(D("-0.0001")));
}

static void test_round(void **state)
{
    (void)state;
    /* half away from zero vs half to even */
    ok("2.35", 'R', "round", ARGS(D("2.345"), I(2)));
    ok("2.34", 'R', "round_half_even", ARGS(D("2.345"), I(2)));
    ok("2.36", 'R', "round", ARGS(D("2.355"), I(2)));
    ok("2.36", 'R', "round_half_even", ARGS(D("2.355"), I(2)));
    ok("-2.35", 'R', "round", ARGS(D("-2.345"), I(2)));
    ok("-2.34", 'R', "round_half_even", ARGS(D("-2.345"), I(2)));
    ok("3", 'R', "round", ARGS(D("2.5"), I(0)));
    ok("2", 'R', "round_half_even", ARGS(D("2.5"), I(0)));
    ok("-3", 'R', "round", ARGS(D("-2.5"), I(0)));
    ok("2.3", 'R', "round", ARGS(D("2.3449"), I(1)));
    /* the result has exactly the digits asked for */
    ok("7.00", 'R', "round", ARGS(I(7), I(2)));
    ok("2.50", 'R', "round_half_even", ARGS(D("2.5"), I(2)));
    ok("0.333333333333333333", 'R', "round", ARGS(D("0.333333333333333333"), I(18)));
    bad("round: 19 fractional digits; use 0 to 18", "round", ARGS(D("2.345"), I(19)));
    bad("round: -1 fractional digits; use 0 to 18", "round", ARGS(D("2.345"), I(-1)));
    bad("round: 19 fractional digits; use 0 to 18", "round_half_even", ARGS(D("2.345"), I(19)));
    bad("round: -1 fractional digits; use 0 to 18", "round_half_even", ARGS(I(2), I(-1)));
}

static void test_floor_ceil_to(void **state)
{
    (void)state;
    ok("123000", 'I', "floor_to", ARGS(I(123456), I(1000)));
    ok("124000", 'I', "ceil_to", ARGS(I(123456), I(1000)));
    ok("2000", 'I', "floor_to", ARGS(I(2000), I(1000)));
    ok("2000", 'I', "ceil_to", ARGS(I(2000), I(1000)));
    ok("-2000", 'I', "floor_to", ARGS(I(-1500), I(1000)));
    ok("-1000", 'I', "ceil_to", ARGS(I(-1500), I(1000)));
    ok("0", 'I', "floor_to", ARGS(I(999), I(1000)));
    ok("1.20", 'R', "floor_to", ARGS(D("1.23"), D("0.05")));
    ok("1.25", 'R', "ceil_to", ARGS(D("1.23"), D("0.05")));
    ok("-1.25", 'R', "floor_to", ARGS(D("-1.23"), D("0.05")));
    ok("-1.20", 'R', "ceil_to", ARGS(D("-1.23"), D("0.05")));
    ok("1.25", 'R', "floor_to", ARGS(D("1.25"), D("0.05")));
    ok("700", 'R', "floor_to", ARGS(D("700.100"), I(100)));
    ok("123000", 'R', "floor_to", ARGS(D("123456.78"), I(1000)));
    ok("124000", 'R', "ceil_to", ARGS(D("123456.78"), I(1000)));
    ok("9223372036854775000", 'I', "floor_to", ARGS(I(INT64_MAX), I(1000)));
    /* the int result would not fit */
    bad("number is out of range", "ceil_to", ARGS(I(INT64_MAX), I(1000)));
    bad("floor_to: the step must be above zero", "floor_to", ARGS(I(5), I(0)));
    bad("floor_to: the step must be above zero", "floor_to", ARGS(I(5), D("-0.05")));
    bad("ceil_to: the step must be above zero", "ceil_to", ARGS(I(5), I(-1000)));
    bad("ceil_to: the step must be above zero", "ceil_to", ARGS(D("1.5"), D("0.00")));
}

static void test_floor_ceil(void **state)
{
    (void)state;
    ok("2", 'I', "floor", ARGS(D("2.7")));
    ok("-3", 'I', "floor", ARGS(D("-2.3")));
    ok("3", 'I', "ceil", ARGS(D("2.1")));
    ok("-2", 'I', "ceil", ARGS(D("-2.7")));
    ok("2", 'I', "floor", ARGS(D("2.000")));
    ok("2", 'I', "ceil", ARGS(D("2.000")));
    ok("5", 'I', "floor", ARGS(I(5)));
    ok("-5", 'I', "ceil", ARGS(I(-5)));
    ok("0", 'I', "ceil", ARGS(D("-0.5")));
    /* a decimal too big for an int */
    bad("number is out of range", "floor", ARGS(D("1e30")));
    bad("number is out of range", "ceil", ARGS(D("-1e30")));
}

/* ---- the inline fast paths against the general arithmetic ---------------------- */

static uint64_t g_rand = 0x9e3779b97f4a7c15u;

static uint64_t next_rand(void)
{
    /* xorshift64: a fixed sequence, so a failure repeats */
    g_rand ^= g_rand << 13;
    g_rand ^= g_rand >> 7;
    g_rand ^= g_rand << 17;
    return g_rand;
}

/* Numbers near every edge the fast paths test: small and int64-sized
 * coefficients, powers of ten, 0, negatives, decimals of every scale and
 * beyond int64. */
static cr_value random_number(void)
{
    static const int64_t edges[] = {0, 1, -1, 7, 10, 99, 1000, 123456789, 999999999999999999,
                                    1000000000000000000, 3037000499, 3037000500, INT64_MAX, INT64_MIN,
                                    INT64_MAX / 10, INT64_MIN / 10 - 1};
    uint64_t r = next_rand();
    int64_t c;
    switch (r % 4) {
    case 0: c = edges[(r >> 8) % (sizeof edges / sizeof edges[0])]; break;
    case 1: c = (int64_t)(next_rand() % 100000000) - 50000000; break;
    case 2: c = (int64_t)next_rand(); break;
    default: c = (int64_t)(next_rand() >> ((r >> 8) % 64)) * ((r >> 20) & 1 ? -1 : 1); break;
    }
    if ((r >> 30) % 3 == 0)
        return cr_int(c);
    cr_dec d = {(cr_i128)c, (int32_t)((r >> 40) % (CR_DEC_MAX_SCALE + 1))};
    if ((r >> 50) % 8 == 0)
        d.coef *= (cr_i128)1000000000000; /* beyond int64 */
    return cr_decv(d);
}

static void same_value(cr_value got, cr_value want)
{
    assert_int_equal(got.tag, want.tag);
    if (got.tag == CR_INT) {
        assert_true(got.u.i == want.u.i);
    } else {
        assert_int_equal(got.scale, want.scale);
        assert_true(got.u.coef == want.u.coef);
    }
}

/* What the general functions give: int op int in int64 (or no result on
 * an overflow), anything else by runtime/core/decimal.c. */
static bool general(char op, cr_value a, cr_value b, cr_value *out)
{
    if (a.tag == CR_INT && b.tag == CR_INT) {
        int64_t r;
        bool over = op == '+' ? __builtin_add_overflow(a.u.i, b.u.i, &r)
                  : op == '-' ? __builtin_sub_overflow(a.u.i, b.u.i, &r)
                              : __builtin_mul_overflow(a.u.i, b.u.i, &r);
        *out = cr_int(r);
        return !over;
    }
    cr_dec d;
    cr_dec_status st = op == '+' ? cr_dec_add(cr_value_dec(a), cr_value_dec(b), &d)
                     : op == '-' ? cr_dec_sub(cr_value_dec(a), cr_value_dec(b), &d)
                                 : cr_dec_mul(cr_value_dec(a), cr_value_dec(b), &d);
    *out = cr_decv(d);
    return st == CR_DEC_OK;
}

static void test_fast_paths(void **state)
{
    (void)state;
    int taken[4] = {0};
    for (int i = 0; i < 200000; i++) {
        cr_value a = random_number(), b = random_number(), got, want;
        static const char ops[] = "+-*";
        for (int k = 0; k < 3; k++) {
            bool fast = k == 0 ? cr_num_add_fast(&a, &b, &got)
                      : k == 1 ? cr_num_sub_fast(&a, &b, &got)
                               : cr_num_mul_fast(&a, &b, &got);
            if (!fast)
                continue;
            taken[k]++;
            /* a fast result is one the general path gives too */
            assert_true(general(ops[k], a, b, &want));
            same_value(got, want);
        }
        int c = cr_num_cmp_fast(&a, &b);
        if (c != 2) {
            taken[3]++;
            assert_int_equal(c, cr_dec_cmp(cr_value_dec(a), cr_value_dec(b)));
        }
    }
    /* each path was taken often, and so was the general one */
    for (int k = 0; k < 4; k++) {
        assert_true(taken[k] > 20000);
        assert_true(taken[k] < 200000);
    }
}

/* ---- % exactly ----------------------------------------------------------------- */

static bool mod(cr_value a, cr_value b, cr_value *out)
{
    cr_call_ctx cx = {.arena = &g_arena, .err = g_err, .errsize = sizeof g_err};
    g_err[0] = '\0';
    return cr_num_mod(&cx, a, b, out);
}

static void mod_is(const char *a, const char *b, const char *want)
{
    cr_value r;
    if (!mod(D(a), D(b), &r))
        fail_msg("%s %% %s: %s (wanted %s)", a, b, g_err, want);
    char got[CR_DEC_FMT_MAX];
    cr_dec_format(cr_value_dec(r), got);
    if (strcmp(got, want) != 0)
        fail_msg("%s %% %s = %s, wanted %s", a, b, got, want);
}

/* The remainder always fits, so it is always given, however large the
 * quotient: the cases a 16-place quotient could not reach. */
static void test_mod_exact(void **state)
{
    (void)state;
    mod_is("100000000000000000000000", "3", "1");
    mod_is("10000000000000000000000", "3", "1");
    mod_is("9223372036854775808", "0.0007", "0.0004");
    mod_is("1000000000000000000000", "1.000000000000000001", "0.000000000000001000");
    mod_is("99999999999999999999999999999999999999", "7", "1");
    mod_is("-99999999999999999999999999999999999999", "7", "6");
    mod_is("99999999999999999999.999999999999999999", "0.000000000000000007", "0.000000000000000001");
    mod_is("-7", "12", "5");
    mod_is("7", "-12", "-5");
    mod_is("-7.5", "2", "0.5");
    mod_is("5.5", "-0.3", "-0.2");
    mod_is("6", "0.3", "0.0");
    mod_is("0.000000000000000001", "10000000000000000000000000000000000000", "0.000000000000000001");
    cr_value r;
    /* b's sign on a tiny negative a: b minus a speck, 56 digits */
    assert_false(mod(D("-0.000000000000000001"), D("10000000000000000000000000000000000000"), &r));
    assert_string_equal(g_err, "'%' overflows: the result needs more than 38 digits");
    assert_false(mod(D("1"), D("0.0"), &r));
    assert_string_equal(g_err, "division by zero");
}

/* a % b against a - b * floor(a / b) computed by the general arithmetic,
 * on random operands up to 38 digits: equal wherever the general way gets
 * a result, and always of b's sign, smaller than b, with a - r a multiple
 * of b. */
static void test_mod_differential(void **state)
{
    (void)state;
    int compared = 0, beyond = 0;
    for (int i = 0; i < 200000; i++) {
        cr_value a = random_number(), b = random_number(), got;
        if ((i & 3) == 0) { /* 38 digits */
            cr_dec d = {((cr_i128)(next_rand() % 10000000000000000000u) * (cr_i128)10000000000000000000u +
                         (cr_i128)(next_rand() % 10000000000000000000u)) % ((cr_i128)cr_dec_pow10_64[19] *
                                                                            (cr_i128)cr_dec_pow10_64[19]),
                        (int32_t)(next_rand() % (CR_DEC_MAX_SCALE + 1))};
            if (next_rand() & 1)
                d.coef = -d.coef;
            a = cr_decv(d);
        }
        if (a.tag == CR_INT && b.tag == CR_INT)
            continue;
        cr_dec x = cr_value_dec(a), y = cr_value_dec(b);
        if (cr_dec_sign(y) == 0)
            continue;
        if (!mod(a, b, &got)) {
            /* only a result past 38 digits may fail */
            assert_string_equal(g_err, "'%' overflows: the result needs more than 38 digits");
            continue;
        }
        cr_dec r = cr_value_dec(got), q, f, m, want;
        assert_true(cr_dec_sign(r) == 0 || cr_dec_sign(r) == cr_dec_sign(y));
        assert_true(cr_dec_cmp(cr_dec_abs(r), cr_dec_abs(y)) < 0);
        assert_int_equal(r.scale, x.scale > y.scale ? x.scale : y.scale);
        cr_dec_status st = cr_dec_div(x, y, &q);
        if (st == CR_DEC_OK) st = cr_dec_round(q, 0, CR_ROUND_FLOOR, &f);
        if (st == CR_DEC_OK) st = cr_dec_mul(y, f, &m);
        if (st == CR_DEC_OK) st = cr_dec_sub(x, m, &want);
        if (st == CR_DEC_OK && cr_dec_sign(want) != 0 && cr_dec_sign(want) != cr_dec_sign(y))
            st = cr_dec_add(want, y, &want);
        if (st != CR_DEC_OK) {
            beyond++;
            /* a - r is a multiple of b where it can be formed */
            cr_dec diff;
            cr_value zero;
            if (cr_dec_sub(x, r, &diff) == CR_DEC_OK && mod(cr_decv(diff), b, &zero))
                assert_true(cr_dec_sign(cr_value_dec(zero)) == 0);
            continue;
        }
        compared++;
        if (cr_dec_cmp(r, want) != 0 || r.scale != want.scale) {
            char sa[CR_DEC_FMT_MAX], sb[CR_DEC_FMT_MAX], sr[CR_DEC_FMT_MAX], sw[CR_DEC_FMT_MAX];
            cr_dec_format(x, sa), cr_dec_format(y, sb), cr_dec_format(r, sr), cr_dec_format(want, sw);
            fail_msg("%s %% %s = %s, the general arithmetic gives %s", sa, sb, sr, sw);
        }
    }
    /* both kinds were met often */
    assert_true(compared > 20000);
    assert_true(beyond > 2000);
}

/* Results as decision lines write them: an int exactly as %lld writes it
 * (the boundaries, small numbers and 10,000 random ones), and a list whose
 * text is far longer than the buffer's first allocation, grown on the way. */
static void test_json_numbers_written(void **state)
{
    (void)state;
    char want[32];
    cr_buf b = {0};
    for (int i = 0; i < 10000 + 41; i++) {
        int64_t v;
        if (i < 41) {
            v = i - 20;
        } else {
            uint64_t x = next_rand();
            v = i == 41 ? INT64_MIN : i == 42 ? INT64_MAX : (int64_t)(x >> (x & 63));
            if ((x & 64) && v != INT64_MIN)   /* -INT64_MIN does not exist */
                v = -v;
        }
        b.len = 0;
        cr_buf_json_value(&b, cr_int(v), NULL);
        snprintf(want, sizeof want, "%lld", (long long)v);
        if (strcmp(b.p, want) != 0)
            fail_msg("int %s written as %s", want, b.p);
    }
    static cr_value items[3000];
    for (int i = 0; i < 3000; i++)
        items[i] = cr_int(1000 + i);
    b.len = 0;
    cr_buf_json_value(&b, cr_list(items, 3000), NULL);
    assert_false(b.failed);
    assert_int_equal(b.len, 2 + 3000 * 4 + 2999);
    assert_int_equal(strlen(b.p), b.len);
    assert_memory_equal(b.p, "[1000,1001,", 11);
    assert_memory_equal(b.p + b.len - 10, "3998,3999]", 10);
    cr_buf_free(&b);
}

/* Texts order by their bytes as unsigned (UTF-8 after ASCII), a prefix
 * first, on the short inline path and the memcmp one alike. */
static void test_text_order(void **state)
{
    (void)state;
    static const char *const sorted[] = {"", "A", "AB", "B", "a", "abcdefghijklmnopq", "abcdefghijklmnopqr",
                                         "abcdefghijklmnopz", "z", "\xc3\xa9", "\xe4\xb8\xad\xe6\x96\x87\xe4\xb8\xad\xe6\x96\x87xxxxxxxx"};
    size_t n = sizeof sorted / sizeof sorted[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            cr_value a = T(sorted[i]), b = T(sorted[j]);
            int want = (i > j) - (i < j);
            assert_int_equal(cr_text_cmp(&a, &b), want);
            assert_int_equal(cr_text_eq(&a, &b), i == j);
            assert_int_equal(cr_value_cmp(a, b), want);
        }
    /* equality of every length up to 40, a byte changed anywhere (the
     * overlapping word loads of 4 to 16 bytes see each) */
    char x[41], y[41];
    for (uint32_t len = 0; len <= 40; len++) {
        for (uint32_t i = 0; i < len; i++)
            x[i] = y[i] = (char)('a' + i % 26);
        assert_true(cr_bytes_eq(x, y, len));
        for (uint32_t at = 0; at < len; at++) {
            y[at] ^= 0x40;
            assert_false(cr_bytes_eq(x, y, len));
            y[at] ^= 0x40;
        }
    }
}

/* sum's int64 path against adding item by item with the general
 * arithmetic, over random lists of mixed kinds and scales. */
static void test_sum_fast_path(void **state)
{
    (void)state;
    cr_value items[16];
    int fast_ok = 0;
    for (int i = 0; i < 50000; i++) {
        uint32_t len = (uint32_t)(next_rand() % 16);
        for (uint32_t j = 0; j < len; j++) {
            items[j] = random_number();
            if (i % 2 == 0 && items[j].tag == CR_DEC) /* mostly money-sized */
                items[j].u.coef %= 100000000000;
        }
        cr_value want = cr_int(0), got;
        bool any_dec = false, ok_general = true;
        for (uint32_t j = 0; j < len && ok_general; j++) {
            any_dec |= items[j].tag == CR_DEC;
            ok_general = general('+', want, items[j], &want);
        }
        if (ok_general && any_dec && want.tag == CR_INT)
            want = cr_decv(cr_value_dec(want));
        cr_value arg = cr_list(items, len);
        cr_call_ctx cx = {.arena = &g_arena, .err = g_err, .errsize = sizeof g_err};
        bool ok_call = cr_fn_sum(&cx, &arg, 1, &got);
        assert_int_equal(ok_call, ok_general);
        if (ok_call) {
            same_value(got, want);
            fast_ok++;
        }
    }
    assert_true(fast_ok > 10000);
}

/* ---- lists -------------------------------------------------------------------------- */

static void test_sum(void **state)
{
    (void)state;
    ok("6", 'I', "sum", ARGS(LIST(I(1), I(2), I(3))));
    ok("0.30", 'R', "sum", ARGS(LIST(D("0.10"), D("0.20"))));
    ok("0.3", 'R', "sum", ARGS(LIST(D("0.1"), D("0.2"))));
    ok("1.5", 'R', "sum", ARGS(LIST(I(1), D("0.5"))));
    ok("5.00", 'R', "sum", ARGS(LIST(D("2.00"), I(3))));
    /* decimals that add up to a whole number stay decimal */
    ok("0.0", 'R', "sum", ARGS(LIST(D("0.5"), D("-0.5"))));
    ok("0", 'I', "sum", ARGS(EMPTY));
    ok("-4", 'I', "sum", ARGS(LIST(I(-4))));
    bad("int overflow in 9223372036854775807 + 1", "sum", ARGS(LIST(I(INT64_MAX), I(1))));
    bad("int overflow in -9223372036854775808 + -1", "sum", ARGS(LIST(I(INT64_MIN), I(-1))));
    bad("'+' overflows: the result needs more than 38 digits", "sum",
        ARGS(LIST(D("99999999999999999999999999999999999999"), I(1))));
    /* decimals go beyond int64 */
    ok("18446744073709551614.0", 'R', "sum",
       ARGS(LIST(D("9223372036854775807.0"), D("9223372036854775807"))));
    ok("92233720368547758.08", 'R', "sum", ARGS(LIST(D("92233720368547758.07"), D("0.01"))));
    /* mixed scales; an int before or after a decimal */
    ok("6.875", 'R', "sum", ARGS(LIST(D("1.5"), D("2.25"), I(3), D("0.125"))));
    ok("9223372036854775807.5", 'R', "sum", ARGS(LIST(I(INT64_MAX), D("0.5"))));
    ok("9223372036854775807.5", 'R', "sum", ARGS(LIST(D("0.5"), I(INT64_MAX))));
}

static void test_avg(void **state)
{
    (void)state;
    ok("1.5", 'R', "avg", ARGS(LIST(I(1), I(2))));
    ok("3", 'R', "avg", ARGS(LIST(I(2), I(4))));
    ok("1.6666666666666667", 'R', "avg", ARGS(LIST(I(1), I(2), I(2))));
    ok("0.15", 'R', "avg", ARGS(LIST(D("0.10"), D("0.20"))));
    ok("-2", 'R', "avg", ARGS(LIST(I(-2))));
    bad("avg of an empty list", "avg", ARGS(EMPTY));
    /* the sum of ints is exact or an error, never a wrap */
    bad("int overflow in 9223372036854775807 + 9223372036854775807", "avg", ARGS(LIST(I(INT64_MAX), I(INT64_MAX))));
    ok("9223372036854775807", 'R', "avg", ARGS(LIST(D("9223372036854775807"), D("9223372036854775807"))));
}

static void test_count(void **state)
{
    (void)state;
    ok("3", 'I', "count", ARGS(LIST(I(1), I(2), I(3))));
    ok("0", 'I', "count", ARGS(EMPTY));
    ok("2", 'I', "count", ARGS(LIST(T("a"), T("b"))));
}

static void test_stdev(void **state)
{
    (void)state;
    /* population standard deviation: mean 5, variance 4 */
    ok("2.0000000000000000", 'R', "stdev", ARGS(LIST(I(2), I(4), I(4), I(4), I(5), I(5), I(7), I(9))));
    ok("0.0000000000000000", 'R', "stdev", ARGS(LIST(I(5))));
    ok("0.0000000000000000", 'R', "stdev", ARGS(LIST(D("1.5"), D("1.50"))));
    ok("0.5000000000000000", 'R', "stdev", ARGS(LIST(I(1), I(2))));
    /* variance 2/3 is rounded at 16 digits first (0.6666666666666667),
     * whose root rounds to ...261 (the exact root of 2/3 is ...2603) */
    ok("0.8164965809277261", 'R', "stdev", ARGS(LIST(I(1), I(2), I(3))));
    bad("stdev of an empty list", "stdev", ARGS(EMPTY));
    /* Twelve months of sales: the mean has 16 places, so each square was
     * rounded at 18 (list.c forms the same sum without the squares). */
    ok("4901.8131040086132149", 'R', "stdev",
       ARGS(LIST(D("37729.36"), D("33308.63"), D("30801.9"), D("32050.41"), D("33549.72"), D("40084.68"),
                 D("40882.45"), D("44554.48"), D("45883.7"), D("43879.53"), D("40210.32"), D("36301.2"))));
    /* exact squares (a mean of 2 places) */
    ok("1.1180339887498948", 'R', "stdev", ARGS(LIST(D("1.00"), D("2.00"), D("3.00"), D("4.00"))));
    /* 3 places and a mean of 16: squares rounded item by item */
    ok("0.0012472191289425", 'R', "stdev", ARGS(LIST(D("0.001"), D("0.002"), D("0.004"))));
    ok("1.1642460006373224", 'R', "stdev", ARGS(LIST(I(1), D("2.5"), I(3), D("4.25"))));
    ok("3.7987571066804937", 'R', "stdev", ARGS(LIST(D("-1.5"), D("2.25"), I(-7))));
    ok("0.0000000000000000", 'R', "stdev", ARGS(LIST(D("0.000000000000000001"), D("0.000000000000000002"))));
    /* beyond int64 */
    ok("43479392751109274.0317371489383544", 'R', "stdev",
       ARGS(LIST(D("92233720368547758.07"), D("92233720368547758.07"), D("0.01"))));
    bad("'*' overflows: the result needs more than 38 digits", "stdev",
        ARGS(LIST(D("99999999999999999999.99"), D("-99999999999999999999.99"))));
    bad("'+' overflows: the result needs more than 38 digits", "stdev", ARGS(LIST(I(INT64_MAX), I(INT64_MIN + 1))));
}

/* stdev's int64 path (the sum of squares formed without the squares)
 * against the definition taken step by step with the general arithmetic:
 * the mean (avg), each (x - mean)^2, their sum, / n, the root at 16
 * places; random lists of amounts of 0 to 4 places, both signs. */
static void test_stdev_general(void **state)
{
    (void)state;
    int compared = 0;
    for (int t = 0; t < 20000; t++) {
        cr_value items[15];
        uint32_t len = 1 + (uint32_t)(next_rand() % 15);
        for (uint32_t i = 0; i < len; i++) {
            uint64_t r = next_rand();
            int64_t c = (int64_t)(r % 2000000000) - (t % 3 == 0 ? 1000000000 : 0);
            int scale = (int)((r >> 40) % 5);
            items[i] = scale == 0 && (r >> 50) % 2 ? cr_int(c) : cr_decv((cr_dec){c, scale});
        }
        cr_value list = cr_list(items, len), got, mean, acc = cr_int(0), d, sq;
        cr_call_ctx cx = {.arena = &g_arena, .err = g_err, .errsize = sizeof g_err};
        assert_true(cr_fn_stdev(&cx, &list, 1, &got));
        cr_call_ctx cx2 = {.arena = &g_arena, .err = g_err, .errsize = sizeof g_err};
        assert_true(cr_fn_avg(&cx2, &list, 1, &mean));
        bool ok_general = true;
        for (uint32_t i = 0; i < len && ok_general; i++)
            ok_general = general('-', items[i], mean, &d) && general('*', d, d, &sq) && general('+', acc, sq, &acc);
        if (!ok_general)
            continue;
        cr_dec v, root;
        assert_int_equal(cr_dec_div(cr_value_dec(acc), cr_dec_from_int(len), &v), CR_DEC_OK);
        assert_int_equal(cr_dec_sqrt(v, CR_DEC_DIV_SCALE, &root), CR_DEC_OK);
        same_value(got, cr_decv(root));
        compared++;
    }
    assert_true(compared > 15000);
}

/* stdev after avg of the same list, in one application, reuses avg's mean:
 * the same result as stdev alone, for lists on the int64 path and off it;
 * another list of the same length does not take the first one's mean. */
static void test_stdev_after_avg(void **state)
{
    (void)state;
    const cr_value small[] = {D("37729.36"), D("33308.6"), I(30801), D("32050.41")};
    const cr_value other[] = {D("1.5"), D("2.5"), D("3.5"), D("4.5")};
    const cr_value huge[] = {D("1234567890.123456789012"), D("2.5"), D("987654321.9"), I(7)}; /* beyond int64 */
    const cr_value *lists[] = {small, huge};
    for (int k = 0; k < 2; k++) {
        cr_value list = cr_list(lists[k], 4), alone, mean, after, again;
        cr_call_ctx cx1 = {.arena = &g_arena, .err = g_err, .errsize = sizeof g_err};
        cr_call_ctx cx2 = cx1;
        assert_true(cr_fn_stdev(&cx1, &list, 1, &alone));
        assert_true(cr_fn_avg(&cx2, &list, 1, &mean));
        assert_true(cx2.mean_of == lists[k]);
        assert_true(cr_fn_stdev(&cx2, &list, 1, &after));
        same_value(after, alone);
        cr_value list2 = cr_list(other, 4);
        assert_true(cr_fn_stdev(&cx2, &list2, 1, &again));
        cr_call_ctx cx3 = cx1;
        cr_value want;
        assert_true(cr_fn_stdev(&cx3, &list2, 1, &want));
        same_value(again, want);
        assert_true(cr_fn_avg(&cx2, &list2, 1, &again));
        ok("3.0", 'R', "avg", ARGS(cr_list(other, 4)));
        assert_true(cr_dec_cmp(cr_value_dec(again), cr_dec_from_int(3)) == 0);
    }
}

/* ---- text ------------------------------------------------------------------------- */

static void test_len(void **state)
{
    (void)state;
    ok("2", 'I', "len", ARGS(T("北京")));
    ok("3", 'I', "len", ARGS(T("abc")));
    ok("0", 'I', "len", ARGS(T("")));
    ok("4", 'I', "len", ARGS(T("é€😀a")));
    ok("3", 'I', "len", ARGS(LIST(I(1), I(2), I(3))));
    ok("0", 'I', "len", ARGS(EMPTY));
}

static void test_case(void **state)
{
    (void)state;
    ok("\"ABC-É1\"", 'T', "upper", ARGS(T("abc-É1")));
    ok("\"ABC-é1\"", 'T', "upper", ARGS(T("aBc-é1")));
    ok("\"àbc\"", 'T', "lower", ARGS(T("àBC")));
    ok("\"K70\"", 'T', "upper", ARGS(T("k70")));
    ok("\"k70\"", 'T', "lower", ARGS(T("K70")));
    ok("\"\"", 'T', "upper", ARGS(T("")));
    ok("\"\"", 'T', "lower", ARGS(T("")));
    ok("\"北京\"", 'T', "upper", ARGS(T("北京")));
    /* the argument is not changed */
    char buf[] = "mixed";
    cr_value r;
    assert_true(call("upper", ARGS(cr_text(buf, 5)), &r));
    assert_string_equal(buf, "mixed");
    assert_int_equal(r.len, 5);
    assert_memory_equal(r.u.s, "MIXED", 5);
}

static void test_affixes(void **state)
{
    (void)state;
    ok("true", 'B', "starts_with", ARGS(T("abc"), T("ab")));
    ok("true", 'B', "starts_with", ARGS(T("abc"), T("abc")));
    ok("false", 'B', "starts_with", ARGS(T("abc"), T("abcd")));
    ok("false", 'B', "starts_with", ARGS(T("abc"), T("b")));
    ok("true", 'B', "starts_with", ARGS(T("abc"), T("")));
    ok("true", 'B', "starts_with", ARGS(T(""), T("")));
    ok("false", 'B', "starts_with", ARGS(T(""), T("a")));
    ok("true", 'B', "starts_with", ARGS(T("北京市"), T("北京")));
    ok("true", 'B', "ends_with", ARGS(T("abc"), T("bc")));
    ok("false", 'B', "ends_with", ARGS(T("abc"), T("ab")));
    ok("false", 'B', "ends_with", ARGS(T("bc"), T("abc")));
    ok("true", 'B', "ends_with", ARGS(T("abc"), T("")));
    ok("true", 'B', "ends_with", ARGS(T(""), T("")));
    ok("true", 'B', "contains", ARGS(T("abc"), T("b")));
    ok("true", 'B', "contains", ARGS(T("abc"), T("abc")));
    ok("false", 'B', "contains", ARGS(T("abc"), T("bd")));
    ok("false", 'B', "contains", ARGS(T("ab"), T("abc")));
    ok("true", 'B', "contains", ARGS(T("abc"), T("")));
    ok("true", 'B', "contains", ARGS(T(""), T("")));
    ok("false", 'B', "contains", ARGS(T(""), T("a")));
    ok("false", 'B', "contains", ARGS(T("ABC"), T("b")));
    /* texts are not NUL terminated: only len bytes count */
    ok("false", 'B', "contains", ARGS(cr_text("abcdef", 3), T("d")));
    ok("true", 'B', "ends_with", ARGS(cr_text("abcdef", 3), T("c")));
}

/* ---- dates -------------------------------------------------------------------------- */

static void test_days_between(void **state)
{
    (void)state;
    ok("334", 'I', "days_between", ARGS(DT("2026-01-01"), DT("2026-12-01")));
    ok("-334", 'I', "days_between", ARGS(DT("2026-12-01"), DT("2026-01-01")));
    ok("0", 'I', "days_between", ARGS(DT("2026-12-01"), DT("2026-12-01")));
    ok("1", 'I', "days_between", ARGS(DT("2028-02-28"), DT("2028-02-29")));
    ok("2", 'I', "days_between", ARGS(DT("2026-02-28"), DT("2026-03-02")));
    ok("366", 'I', "days_between", ARGS(DT("2028-01-01"), DT("2029-01-01")));
    ok("1", 'I', "days_between", ARGS(DT("1969-12-31"), DT("1970-01-01")));
}

static void test_months_between(void **state)
{
    (void)state;
    ok("1", 'I', "months_between", ARGS(DT("2026-01-31"), DT("2026-02-28")));
    ok("1", 'I', "months_between", ARGS(DT("2026-01-31"), DT("2026-03-01")));
    ok("-1", 'I', "months_between", ARGS(DT("2026-03-01"), DT("2026-01-31")));
    ok("-1", 'I', "months_between", ARGS(DT("2026-02-28"), DT("2026-01-31")));
    ok("0", 'I', "months_between", ARGS(DT("2026-01-15"), DT("2026-02-14")));
    ok("1", 'I', "months_between", ARGS(DT("2028-01-31"), DT("2028-02-29")));
    ok("0", 'I', "months_between", ARGS(DT("2028-01-31"), DT("2028-02-28")));
    ok("12", 'I', "months_between", ARGS(DT("2026-01-15"), DT("2027-01-15")));
    ok("11", 'I', "months_between", ARGS(DT("2026-01-15"), DT("2027-01-14")));
    ok("-12", 'I', "months_between", ARGS(DT("2027-01-15"), DT("2026-01-15")));
    ok("0", 'I', "months_between", ARGS(DT("2026-05-05"), DT("2026-05-05")));
    ok("431", 'I', "months_between", ARGS(DT("1990-12-02"), DT("2026-12-01")));
    ok("432", 'I', "months_between", ARGS(DT("1990-12-01"), DT("2026-12-01")));
}

static void test_add_months(void **state)
{
    (void)state;
    ok("\"2026-02-28\"", 'D', "add_months", ARGS(DT("2026-01-31"), I(1)));
    ok("\"2028-02-29\"", 'D', "add_months", ARGS(DT("2028-01-31"), I(1)));
    ok("\"2029-02-28\"", 'D', "add_months", ARGS(DT("2028-02-29"), I(12)));
    ok("\"2032-02-29\"", 'D', "add_months", ARGS(DT("2028-02-29"), I(48)));
    ok("\"2026-04-30\"", 'D', "add_months", ARGS(DT("2026-03-31"), I(1)));
    ok("\"2026-02-28\"", 'D', "add_months", ARGS(DT("2026-03-31"), I(-1)));
    ok("\"2024-12-15\"", 'D', "add_months", ARGS(DT("2026-01-15"), I(-13)));
    ok("\"2027-01-15\"", 'D', "add_months", ARGS(DT("2026-12-15"), I(1)));
    ok("\"2026-12-01\"", 'D', "add_months", ARGS(DT("2026-12-01"), I(0)));
    ok("\"1969-12-31\"", 'D', "add_months", ARGS(DT("1970-01-31"), I(-1)));
    bad("add_months: 120001 months is out of range", "add_months", ARGS(DT("2026-01-31"), I(120001)));
    bad("add_months: -120001 months is out of range", "add_months", ARGS(DT("2026-01-31"), I(-120001)));
}

static void test_add_days(void **state)
{
    (void)state;
    ok("\"2026-03-01\"", 'D', "add_days", ARGS(DT("2026-02-28"), I(1)));
    ok("\"2028-02-29\"", 'D', "add_days", ARGS(DT("2028-02-28"), I(1)));
    ok("\"2026-12-08\"", 'D', "add_days", ARGS(DT("2026-12-01"), I(7)));
    ok("\"2025-12-31\"", 'D', "add_days", ARGS(DT("2026-01-01"), I(-1)));
    ok("\"2027-12-01\"", 'D', "add_days", ARGS(DT("2026-12-01"), I(365)));
    ok("\"2026-12-01\"", 'D', "add_days", ARGS(DT("2026-12-01"), I(0)));
    bad("add_days: the date is out of range", "add_days", ARGS(DT("2026-12-01"), I(INT64_MAX)));
    bad("add_days: the date is out of range", "add_days", ARGS(DT("2026-12-01"), I(-5000000)));
}

static void test_year(void **state)
{
    (void)state;
    ok("2026", 'I', "year", ARGS(DT("2026-12-01")));
    ok("2026", 'I', "year", ARGS(DT("2026-01-01")));
    ok("2025", 'I', "year", ARGS(DT("2025-12-31")));
    ok("1970", 'I', "year", ARGS(cr_date(0)));
    ok("1969", 'I', "year", ARGS(cr_date(-1)));
    ok("2028", 'I', "year", ARGS(DT("2028-02-29")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test_setup_teardown(test_min_max, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clamp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqrt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round, setup, teardown),
        cmocka_unit_test_setup_teardown(test_floor_ceil_to, setup, teardown),
        cmocka_unit_test_setup_teardown(test_floor_ceil, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fast_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mod_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mod_differential, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sum_fast_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_avg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stdev, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stdev_after_avg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stdev_general, setup, teardown),
        cmocka_unit_test_setup_teardown(test_len, setup, teardown),
        cmocka_unit_test_setup_teardown(test_case, setup, teardown),
        cmocka_unit_test_setup_teardown(test_affixes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_days_between, setup, teardown),
        cmocka_unit_test_setup_teardown(test_months_between, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_months, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_days, setup, teardown),
        cmocka_unit_test_setup_teardown(test_year, setup, teardown),
        cmocka_unit_test(test_json_numbers_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
