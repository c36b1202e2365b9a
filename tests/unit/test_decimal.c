/* Unit tests for runtime/core/decimal.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "runtime/core/decimal.h"

#define MAX38 "99999999999999999999999999999999999999"

/* Parses text that must be valid. */
static cr_dec dec(const char *s)
{
    cr_dec d;
    cr_dec_status st = cr_dec_parse(s, strlen(s), &d);
    if (st != CR_DEC_OK)
        fail_msg("cannot parse %s: %s", s, cr_dec_status_text(st));
    return d;
}

static void expect_text(cr_dec d, const char *want)
{
    char buf[CR_DEC_FMT_MAX];
    size_t n = cr_dec_format(d, buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

typedef cr_dec_status (*cr_binop)(cr_dec, cr_dec, cr_dec *);

/* op(a, b) succeeds with exactly the text want. */
static void expect_op(cr_binop op, const char *a, const char *b, const char *want)
{
    cr_dec r;
    cr_dec_status st = op(dec(a), dec(b), &r);
    if (st != CR_DEC_OK)
        fail_msg("%s with %s: %s, want %s", a, b, cr_dec_status_text(st), want);
    expect_text(r, want);
}

static void expect_op_fails(cr_binop op, const char *a, const char *b, cr_dec_status want)
{
    cr_dec r;
    cr_dec_status st = op(dec(a), dec(b), &r);
    if (st != want)
        fail_msg("%s with %s: %s, want %s", a, b, cr_dec_status_text(st), cr_dec_status_text(want));
}

static void test_add_sub(void **state)
{
    cr_dec r;
    assert_int_equal(cr_dec_add(dec("0.1"), dec("0.2"), &r), CR_DEC_OK);
    assert_int_equal(cr_dec_cmp(r, dec("0.3")), 0);
    expect_text(r, "0.3");
    assert_int_equal(r.scale, 1);

    /* Scales are aligned exactly; the result has the larger one. */
    expect_op(cr_dec_add, "1.5", "2.25", "3.75");
    expect_op(cr_dec_add, "12", "0.05", "12.05");
    expect_op(cr_dec_add, "1.10", "2.20", "3.30");
    expect_op(cr_dec_add, "-1.5", "1.50", "0.00");
    expect_op(cr_dec_sub, "1", "0.01", "0.99");
    expect_op(cr_dec_sub, "0.5", "0.75", "-0.25");
    expect_op(cr_dec_sub, "-3", "-3.000", "0.000");
    expect_op(cr_dec_add, "0.000000000000000001", "1000000000000000000", "1000000000000000000.000000000000000001");

    /* The 38-digit bound. */
    expect_op(cr_dec_add, MAX38, "-1", "99999999999999999999999999999999999998");
    expect_op_fails(cr_dec_add, MAX38, "1", CR_DEC_OVERFLOW);
    expect_op_fails(cr_dec_add, "-" MAX38, "-1", CR_DEC_OVERFLOW);
    expect_op_fails(cr_dec_sub, MAX38, "-1", CR_DEC_OVERFLOW);
    expect_op_fails(cr_dec_sub, "-" MAX38, "1", CR_DEC_OVERFLOW);
    expect_op_fails(cr_dec_add, MAX38, "0.1", CR_DEC_OVERFLOW);
    expect_op_fails(cr_dec_add, "50000000000000000000000000000000000000",
                    "50000000000000000000000000000000000000", CR_DEC_OVERFLOW);
    /* Scaling 10^37 to one place leaves 38 digits, but the exact sum fits. */
    expect_op(cr_dec_add, "10000000000000000000000000000000000000",
              "-9999999999999999999999999999999999999.9", "0.1");
}

static void test_mul(void **state)
{
    expect_op(cr_dec_mul, "1.5", "2.25", "3.375");
    expect_op(cr_dec_mul, "0.10", "0.20", "0.0200");
    expect_op(cr_dec_mul, "-3", "0.5", "-1.5");
    expect_op(cr_dec_mul, "-0.5", "-0.5", "0.25");
    expect_op(cr_dec_mul, "-7", "0.00", "0.00");
    expect_op(cr_dec_mul, "1000.00", "0.0525", "52.500000");

    /* Scale 19 is rounded half-even to 18: 1.5e-18 -> 2e-18, 2.5e-18 -> 2e-18. */
    expect_op(cr_dec_mul, "0.000000001", "0.0000000015", "0.000000000000000002");
    expect_op(cr_dec_mul, "0.000000001", "0.0000000025", "0.000000000000000002");
    expect_op(cr_dec_mul, "0.000000001", "-0.0000000035", "-0.000000000000000004");
    expect_op(cr_dec_mul, "0.000000001", "0.0000000004", "0.000000000000000000");
    expect_op(cr_dec_mul, "0.123456789012345678", "0.123456789012345678", "0.015241578753238837");
    /* The exact product has 40 digits (wider than 128 bits); rounded to 18
     * places it fits. */
    expect_op(cr_dec_mul, "12345.6789012345678901", "9876.5432109876543210",
              "121932631.137021795224734034");
    expect_op(cr_dec_mul, "1.000000000000000000", "1000.000000000000000000",
              "1000.000000000000000000");

    /* The 38-digit bound. */
    expect_op(cr_dec_mul, "10000000000000000000", "9999999999999999999",
              "99999999999999999990000000000000000000");
    expect_op_fails(cr_dec_mul, "10000000000000000000", "10000000000000000000", CR_DEC_OVERFLOW);
    expect_op_fails(cr_dec_mul, MAX38, "10", CR_DEC_OVERFLOW);
    expect_op_fails(cr_dec_mul, MAX38, "-1.1", CR_DEC_OVERFLOW);
    expect_op_fails(cr_dec_mul, MAX38, MAX38, CR_DEC_OVERFLOW);
    expect_op(cr_dec_mul, MAX38, "-1", "-" MAX38);
}

static void test_div(void **state)
{
    expect_op(cr_dec_div, "1", "3", "0.3333333333333333");
    expect_op(cr_dec_div, "2", "3", "0.6666666666666667");
    expect_op(cr_dec_div, "-2", "3", "-0.6666666666666667");
    expect_op(cr_dec_div, "10", "4", "2.5");
    expect_op(cr_dec_div, "1234.56", "5000.00", "0.246912");
    expect_op(cr_dec_div, "6", "3", "2");
    expect_op(cr_dec_div, "6.00", "3", "2.00");
    expect_op(cr_dec_div, "6", "3.0", "2.0");
    expect_op(cr_dec_div, "-6.0", "0.5", "-12.0");
    expect_op(cr_dec_div, "1", "0.00001", "100000.00000");
    expect_op(cr_dec_div, "0", "-7", "0");
    /* Ties at the 16th place go to even. */
    expect_op(cr_dec_div, "0.0000000000000001", "2", "0.0000000000000000");
    expect_op(cr_dec_div, "0.0000000000000003", "2", "0.0000000000000002");
    expect_op(cr_dec_div, "0.0000000000000005", "-2", "-0.0000000000000002");
    expect_op(cr_dec_div, "0.00000000000000005", "2", "0.00000000000000000");
    /* Fewer than 16 places would be too small: rounds to zero. */
    expect_op(cr_dec_div, "0.000000000000000007", "2", "0.000000000000000000");
    /* a with 18 places over b with 1: the quotient is found at 17 places
     * and rounded to 16, then padded back to 18. */
    expect_op(cr_dec_div, "1.000000000000000005", "0.1", "10.000000000000000000");
    expect_op(cr_dec_div, "1.000000000000000015", "0.1", "10.000000000000000200");
    expect_op(cr_dec_div, "1.000000000000000050", "0.1", "10.000000000000000500");

    /* Large coefficients: the dividend scaled to 16 places has 54 digits. */
    expect_op(cr_dec_div, "1234567890123456789012.3456789012345678", "7.0000000000000001",
              "176366841446208110196.5230763257747926");
    expect_op(cr_dec_div, MAX38, "3", "33333333333333333333333333333333333333");
    expect_op(cr_dec_div, MAX38, MAX38, "1");
    expect_op(cr_dec_div, "1", MAX38, "0");
    expect_op(cr_dec_div, "-" MAX38, "-1", MAX38);
    /* An exact quotient that fits is not lost to its presentation scale. */
    expect_op(cr_dec_div, "12345678901234567890123456789012345678", "0.2",
              "61728394506172839450617283945061728390");
    expect_op_fails(cr_dec_div, MAX38, "7", CR_DEC_OVERFLOW);
    expect_op_fails(cr_dec_div, MAX38, "0.1", CR_DEC_OVERFLOW);
    expect_op_fails(cr_dec_div, "1", "0", CR_DEC_DIVZERO);
    expect_op_fails(cr_dec_div, "0", "0.00", CR_DEC_DIVZERO);
}

static void test_neg_abs(void **state)
{
    expect_text(cr_dec_neg(dec("1.50")), "-1.50");
    expect_text(cr_dec_neg(dec("-0.05")), "0.05");
    expect_text(cr_dec_neg(dec("0.00")), "0.00");
    expect_text(cr_dec_abs(dec("-12.5")), "12.5");
    expect_text(cr_dec_abs(dec("12.5")), "12.5");
    expect_text(cr_dec_abs(dec("-" MAX38)), MAX38);
    assert_int_equal(cr_dec_sign(dec("-0.01")), -1);
    assert_int_equal(cr_dec_sign(dec("0.00")), 0);
    assert_int_equal(cr_dec_sign(dec("3")), 1);
}

static void test_cmp(void **state)
{
    assert_int_equal(cr_dec_cmp(dec("1.0"), dec("1.00")), 0);
    assert_int_equal(cr_dec_cmp(dec("1"), dec("1.000000000000000000")), 0);
    assert_int_equal(cr_dec_cmp(dec("0"), dec("-0.00")), 0);
    assert_int_equal(cr_dec_cmp(dec("1.01"), dec("1.1")), -1);
    assert_int_equal(cr_dec_cmp(dec("1.1"), dec("1.01")), 1);
    assert_int_equal(cr_dec_cmp(dec("-1"), dec("1")), -1);
    assert_int_equal(cr_dec_cmp(dec("0"), dec("-0.01")), 1);
    assert_int_equal(cr_dec_cmp(dec("-2.5"), dec("-2.45")), -1);
    assert_int_equal(cr_dec_cmp(dec("-2.45"), dec("-2.5")), 1);
    assert_int_equal(cr_dec_cmp(dec("-2.50"), dec("-2.5")), 0);
    /* Rescaling MAX38 to 18 places would not fit 128 bits. */
    assert_int_equal(cr_dec_cmp(dec(MAX38), dec("99999999999999999999.999999999999999999")), 1);
    assert_int_equal(cr_dec_cmp(dec("99999999999999999999.999999999999999999"), dec(MAX38)), -1);
    assert_int_equal(cr_dec_cmp(dec("-" MAX38), dec("-0.000000000000000001")), -1);
    assert_int_equal(cr_dec_cmp(dec(MAX38), dec(MAX38)), 0);
}

struct round_case {
    const char *in;
    int n;
    const char *half_up, *half_even, *floor, *ceil, *down;
};

static void test_round(void **state)
{
    static const struct round_case cases[] = {
        {"2.345", 2, "2.35", "2.34", "2.34", "2.35", "2.34"},
        {"2.355", 2, "2.36", "2.36", "2.35", "2.36", "2.35"},
        {"-2.345", 2, "-2.35", "-2.34", "-2.35", "-2.34", "-2.34"},
        {"-2.355", 2, "-2.36", "-2.36", "-2.36", "-2.35", "-2.35"},
        {"2.341", 2, "2.34", "2.34", "2.34", "2.35", "2.34"},
        {"-2.349", 2, "-2.35", "-2.35", "-2.35", "-2.34", "-2.34"},
        {"-2.5", 0, "-3", "-2", "-3", "-2", "-2"},
        {"-3.5", 0, "-4", "-4", "-4", "-3", "-3"},
        {"-0.004", 2, "0.00", "0.00", "-0.01", "0.00", "0.00"},
        {"0.005", 2, "0.01", "0.00", "0.00", "0.01", "0.00"},
        {"-1.25", 1, "-1.3", "-1.2", "-1.3", "-1.2", "-1.2"},
        {"7", 0, "7", "7", "7", "7", "7"},
        {"2.5", 2, "2.50", "2.50", "2.50", "2.50", "2.50"},
        {"-0.1", 18, "-0.100000000000000000", "-0.100000000000000000", "-0.100000000000000000",
         "-0.100000000000000000", "-0.100000000000000000"},
        {"99999999999999999999.999999999999999999", 0, "100000000000000000000",
         "100000000000000000000", "99999999999999999999", "100000000000000000000",
         "99999999999999999999"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct round_case *c = &cases[i];
        const char *want[] = {c->half_up, c->half_even, c->floor, c->ceil, c->down};
        for (int mode = CR_ROUND_HALF_UP; mode <= CR_ROUND_DOWN; mode++) {
            cr_dec r;
            assert_int_equal(cr_dec_round(dec(c->in), c->n, (cr_round_mode)mode, &r), CR_DEC_OK);
            assert_int_equal(r.scale, c->n);
            expect_text(r, want[mode]);
        }
    }
    cr_dec r;
    assert_int_equal(cr_dec_round(dec(MAX38), 1, CR_ROUND_HALF_EVEN, &r), CR_DEC_OVERFLOW);
    assert_int_equal(cr_dec_round(dec("1"), 19, CR_ROUND_HALF_EVEN, &r), CR_DEC_DOMAIN);
    assert_int_equal(cr_dec_round(dec("1"), -1, CR_ROUND_HALF_EVEN, &r), CR_DEC_DOMAIN);
}

static void test_floor_ceil_to(void **state)
{
    expect_op(cr_dec_floor_to, "12345.67", "1000", "12000");
    expect_op(cr_dec_ceil_to, "12345.67", "1000", "13000");
    expect_op(cr_dec_floor_to, "-12345.67", "1000", "-13000");
    expect_op(cr_dec_ceil_to, "-12345.67", "1000", "-12000");
    expect_op(cr_dec_floor_to, "2.347", "0.05", "2.30");
    expect_op(cr_dec_ceil_to, "2.347", "0.05", "2.35");
    expect_op(cr_dec_floor_to, "-2.347", "0.05", "-2.35");
    expect_op(cr_dec_ceil_to, "-2.347", "0.05", "-2.30");
    expect_op(cr_dec_floor_to, "2.35", "0.05", "2.35");
    expect_op(cr_dec_ceil_to, "2.35", "0.05", "2.35");
    expect_op(cr_dec_floor_to, "2.3500001", "0.05", "2.35");
    expect_op(cr_dec_ceil_to, "2.3500001", "0.05", "2.40");
    expect_op(cr_dec_floor_to, "-1.5", "1", "-2");
    expect_op(cr_dec_ceil_to, "-1.5", "1", "-1");
    expect_op(cr_dec_ceil_to, "-0.3", "1", "0");
    expect_op(cr_dec_floor_to, "0.3", "1", "0");
    expect_op(cr_dec_floor_to, "7", "0.25", "7.00");
    expect_op(cr_dec_ceil_to, "7.1", "0.25", "7.25");
    expect_op(cr_dec_floor_to, "1000", "300", "900");
    expect_op(cr_dec_ceil_to, "1000", "300", "1200");
    expect_op(cr_dec_floor_to, MAX38, "1000", "99999999999999999999999999999999999000");
    expect_op_fails(cr_dec_ceil_to, MAX38, "1000", CR_DEC_OVERFLOW);
    expect_op_fails(cr_dec_floor_to, "-" MAX38, "1000", CR_DEC_OVERFLOW);
    expect_op_fails(cr_dec_floor_to, "100000000000000000000", "0.000000000000000001",
                    CR_DEC_OVERFLOW);
    expect_op_fails(cr_dec_floor_to, "1", "0", CR_DEC_DIVZERO);
    expect_op_fails(cr_dec_ceil_to, "1", "0.00", CR_DEC_DIVZERO);
    expect_op_fails(cr_dec_floor_to, "1", "-1", CR_DEC_DOMAIN);
    expect_op_fails(cr_dec_ceil_to, "1", "-0.05", CR_DEC_DOMAIN);
}

static void expect_sqrt(const char *a, int scale, const char *want)
{
    cr_dec r;
    assert_int_equal(cr_dec_sqrt(dec(a), scale, &r), CR_DEC_OK);
    assert_int_equal(r.scale, scale);
    expect_text(r, want);
}

static void test_sqrt(void **state)
{
    expect_sqrt("2.25", 2, "1.50");
    expect_sqrt("2", 10, "1.4142135624");
    expect_sqrt("2", 18, "1.414213562373095049");
    expect_sqrt("2", 0, "1");
    expect_sqrt("2.5", 0, "2");
    expect_sqrt("4", 0, "2");
    expect_sqrt("0", 3, "0.000");
    expect_sqrt("0.0225", 1, "0.2"); /* exactly 0.15: tie to even */
    expect_sqrt("0.0625", 1, "0.2"); /* exactly 0.25: tie to even */
    expect_sqrt("0.000000000000000001", 9, "0.000000001");
    expect_sqrt("0.00000000000000001", 0, "0");
    expect_sqrt("144.000", 1, "12.0");
    expect_sqrt(MAX38, 18, "10000000000000000000.000000000000000000");
    expect_sqrt(MAX38, 0, "10000000000000000000");
    cr_dec r;
    assert_int_equal(cr_dec_sqrt(dec("-1"), 2, &r), CR_DEC_DOMAIN);
    assert_int_equal(cr_dec_sqrt(dec("-0.01"), 2, &r), CR_DEC_DOMAIN);
    assert_int_equal(cr_dec_sqrt(dec("4"), 19, &r), CR_DEC_DOMAIN);
}

/* The root of a 64-bit radicand starts from a double's guess: check the
 * result is correctly rounded, (2R - 1)^2 < 4 * a * 10^(2 * scale) <
 * (2R + 1)^2 (a tie cannot occur: the middle term is even, the others
 * odd), around every perfect square where the guess is most likely off:
 * k^2 - 1, k^2, k^2 + 1 for k up to 2^32 - 1, and random radicands. */
static void check_root(uint64_t a, int scale)
{
    cr_dec r, x = {(cr_i128)a, 0};
    assert_int_equal(cr_dec_sqrt(x, scale, &r), CR_DEC_OK);
    assert_int_equal(r.scale, scale);
    unsigned __int128 R = (unsigned __int128)r.coef, p = 1;
    for (int i = 0; i < 2 * scale; i++)
        p *= 10;
    /* a < 2^64 and scale <= 4: 4 * a * 10^8 < 2^97, R < 2^46 */
    unsigned __int128 n4 = 4 * (unsigned __int128)a * p;
    assert_true(R == 0 || (2 * R - 1) * (2 * R - 1) < n4);
    assert_true(n4 < (2 * R + 1) * (2 * R + 1));
}

static void test_sqrt_guess(void **state)
{
    (void)state;
    static const uint64_t ks[] = {1, 2, 3, 94906265, 94906266, 3037000499, 3037000500,
                                  4294967295u, 4294967294u, 2147483648u, 67108863, 67108864};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        uint64_t k2 = ks[i] * ks[i];
        for (int scale = 0; scale <= 4; scale++) {
            check_root(k2 - 1, scale);
            check_root(k2, scale);
            if (k2 != UINT64_MAX)
                check_root(k2 + 1, scale);
        }
    }
    check_root(UINT64_MAX, 0);
    check_root(0, 3);
    /* sqrt(j^2 + j) is just below j + 1/2, and its radicand times 100 just
     * below (10j + 5)^2, where the double's guess rounds up: an
     * uncorrected guess would round the result up to j + 1. */
    for (uint64_t j = 429000000; j < 429001000; j++)
        check_root(j * j + j, 0);
    uint64_t x = 88172645463325252u;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint64_t k = x >> (32 + i % 32);
        check_root(i % 2 ? x >> (i % 64) : k * k - (i % 3), i % 5);
    }
}

/* Each path of the arithmetic, with results the bit-at-a-time division
 * and square root gave before the fast paths existed. */
static void test_paths(void **state)
{
    /* Division: a 128-bit dividend over a 64-bit divisor, over a 128-bit
     * divisor; a 256-bit dividend over a 64-bit divisor (a limb at a time)
     * and over a 128-bit one (algorithm D); the integer quotient rounded
     * down to 16 places (e < 0). */
    expect_op(cr_dec_div, "1234.56", "0.07", "17636.5714285714285714");
    expect_op(cr_dec_div, "12345678901234567890.12", "98765432109876543210.98", "0.1249999988609375");
    expect_op(cr_dec_div, "340282366920938463463374607431768211", "18446744073709551616",
              "18446744073709551.616");
    expect_op(cr_dec_div, "12345678901234567890123.45", "3.7", "3336669973306639970303.6351351351351351");
    expect_op(cr_dec_div, "-99999999999999999999999.99", "18446744073709551617", "-5421.0108624275221697");
    expect_op(cr_dec_div, "1234567890123456789012345.67", "98765432109876543210.123",
              "12499.9998860937500015");
    expect_op(cr_dec_div, "7", "0.000000000000000003", "2333333333333333333.333333333333333300");
    expect_op(cr_dec_div, "0.000000000000000001", "99999999999999999999.999999999999999999",
              "0.000000000000000000");

    /* Square roots: radicands of 64, 128 and 256 bits, exact squares and
     * one below. */
    expect_sqrt("4", 18, "2.000000000000000000");
    expect_sqrt("18446744073709551616", 18, "4294967296.000000000000000000");
    expect_sqrt("0.000000000000000002", 18, "0.000000001414213562");
    expect_sqrt("99999999999999999999.999999999999999999", 18, "10000000000.000000000000000000");
    expect_sqrt("12345678901234567890123456789", 18, "111111110611111.109936111105818556");
    expect_sqrt("1524157875323883675019051998750190521", 0, "1234567890123456789");
    expect_sqrt("1524157875323883675019051998750190521", 18, "1234567890123456789.000000000000000000");
    expect_sqrt("1524157875323883675019051998750190520", 0, "1234567890123456789");
    expect_sqrt("1524157875323883675019051998750190520", 18, "1234567890123456789.000000000000000000");

    /* add, mul, floor_to and ceil_to in 128 bits and beyond. */
    expect_op(cr_dec_add, "99999999999999999999.999999999999999999", "-99999999999999999999.99999999999999999",
              "0.000000000000000009");
    expect_op_fails(cr_dec_sub, "12345678901234567890123456789012345678", "0.1", CR_DEC_OVERFLOW);
    expect_op(cr_dec_mul, "123456789.123456789", "987654321.987654321", "121932631356500531.347203169112635269");
    expect_op(cr_dec_mul, "0.000000000123456789", "0.00000000987654321", "0.000000000000000001");
    expect_op(cr_dec_ceil_to, "123456789012345678901.5", "0.00000000000000007",
              "123456789012345678901.50000000000000002");
    expect_op(cr_dec_floor_to, "-98765.4321", "0.25", "-98765.50");
    expect_op_fails(cr_dec_floor_to, "12345678901234567890123456789.5", "0.0000000007", CR_DEC_OVERFLOW);

    /* Comparisons across scales: in 128 bits, and where a rescaled
     * coefficient would pass 38 digits. */
    assert_int_equal(cr_dec_cmp(dec("-0.5"), dec("0.25")), -1);
    assert_int_equal(cr_dec_cmp(dec("0.25"), dec("-0.5")), 1);
    assert_int_equal(cr_dec_cmp(dec("-" MAX38), dec("-99999999999999999999.999999999999999999")), -1);
    assert_int_equal(cr_dec_cmp(dec("12345678901234567890"), dec("12345678901234567890.000000000000000000")), 0);
}

/* ---- division against shift-and-subtract ---------------------------------- */

typedef unsigned __int128 u128;

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A magnitude of exactly `bits` bits (1..126: below 10^38). */
static u128 random_bits(int bits)
{
    u128 x = ((u128)rng() << 64) | rng();
    x >>= 128 - bits;
    return x | ((u128)1 << (bits - 1));
}

/* The quotient cr_dec_div must give, from first principles: n = |a| *
 * 10^e (e = 16 + b.scale - a.scale >= 0) in four limbs, divided one bit at
 * a time, rounded half-even, trailing zeros dropped down to the larger of
 * the two scales (every scale here is at most 16).  False when the
 * quotient would not fit 126 bits (the test does not ask then).  *two_limb
 * says whether the divisor has two limbs (2^64 <= |b| < 2^114) and the
 * quotient before rounding is below 2^62: the case decimal.c guesses. */
static bool reference_div(cr_dec a, cr_dec b, cr_dec *out, bool *two_limb)
{
    int e = 16 + b.scale - a.scale;
    u128 am = a.coef < 0 ? -(u128)a.coef : (u128)a.coef, bm = b.coef < 0 ? -(u128)b.coef : (u128)b.coef;
    uint64_t n[4] = {(uint64_t)am, (uint64_t)(am >> 64), 0, 0};
    for (int k = 0; k < e; k++) {
        u128 carry = 0;
        for (int i = 0; i < 4; i++) {
            u128 t = (u128)n[i] * 10 + carry;
            n[i] = (uint64_t)t;
            carry = t >> 64;
        }
    }
    uint64_t q[4] = {0, 0, 0, 0};
    u128 r = 0;
    for (int i = 255; i >= 0; i--) {
        r = (r << 1) | ((n[i / 64] >> (i % 64)) & 1);   /* r < bm < 2^127: no wrap */
        if (r >= bm) {
            r -= bm;
            q[i / 64] |= (uint64_t)1 << (i % 64);
        }
    }
    if (q[2] || q[3] || (q[1] >> 62))
        return false;
    u128 qq = ((u128)q[1] << 64) | q[0];
    *two_limb = (bm >> 64) != 0 && (bm >> 114) == 0 && (qq >> 62) == 0;
    if (2 * r > bm || (2 * r == bm && (qq & 1)))
        qq++;
    int scale = 16, floor_scale = a.scale > b.scale ? a.scale : b.scale;
    while (scale > floor_scale && qq % 10 == 0) {
        qq /= 10;
        scale--;
    }
    bool neg = (a.coef < 0) != (b.coef < 0);
    out->coef = neg ? -(__int128)qq : (__int128)qq;
    out->scale = scale;
    return true;
}

static void expect_reference_div(cr_dec a, cr_dec b, int *checked, int *guessed)
{
    cr_dec want, got;
    bool two_limb;
    if (!reference_div(a, b, &want, &two_limb))
        return;
    *guessed += two_limb;
    assert_int_equal(cr_dec_div(a, b, &got), CR_DEC_OK);
    if (got.coef != want.coef || got.scale != want.scale) {
        char x[CR_DEC_FMT_MAX], y[CR_DEC_FMT_MAX], g[CR_DEC_FMT_MAX], w[CR_DEC_FMT_MAX];
        cr_dec_format(a, x);
        cr_dec_format(b, y);
        cr_dec_format(got, g);
        cr_dec_format(want, w);
        fail_msg("%s / %s = %s, want %s", x, y, g, w);
    }
    (*checked)++;
}

/* Divisors of two limbs, quotients up to 2^62 (the path of a ratio of two
 * 16-place quotients), and every other size around them; exact quotients
 * and exact ties included. */
static void test_div_reference(void **state)
{
    (void)state;
    int checked = 0, guessed = 0, ties = 0;
    for (int i = 0; i < 300000; i++) {
        cr_dec a, b;
        a.scale = (int)(rng() % 17);
        b.scale = (int)(rng() % 17);
        if (16 + b.scale - a.scale < 0)
            b.scale = a.scale - 16;
        int e = 16 + b.scale - a.scale;
        int lb = i % 4 == 0 ? 1 + (int)(rng() % 126) : 60 + (int)(rng() % 60);
        u128 bm = random_bits(lb), am;
        if (i % 10 == 9) {
            /* q * bm exactly, q * bm + bm / 2 (a tie at 16 places), or
             * q * bm + a little (a guess just below an integer: the last
             * correction upward), with e = 0 so the dividend is the
             * coefficient itself */
            a.scale = 16;
            b.scale = 0;
            e = 0;
            bm = random_bits(65 + (int)(rng() % 2)) & ~(u128)1;
            int kind = i / 10 % 3;
            am = (u128)(rng() >> 4) * bm + (kind == 0 ? 0 : kind == 1 ? bm / 2 : 1 + rng() % 1000);
            ties += kind == 1;
        } else {
            int la = lb + 62 - (int)(e * 3.3219) - (int)(rng() % 24);
            if (i % 4 == 1)
                la = 1 + (int)(rng() % 126);
            la = la < 1 ? 1 : la > 126 ? 126 : la;
            am = random_bits(la);
        }
        a.coef = rng() & 1 ? -(__int128)am : (__int128)am;
        b.coef = rng() & 1 ? -(__int128)bm : (__int128)bm;
        expect_reference_div(a, b, &checked, &guessed);
    }
    /* 64-bit operands whose dividend at 16 places, a * 10^19, has its high
     * limb just below, at and just above the divisor: the quotient just
     * fits 64 bits, or does not */
    for (int i = 0; i < 30000; i++) {
        u128 bm = random_bits(2 + (int)(rng() % 60));
        u128 am = ((bm << 64) + 9999999999999999999u) / 10000000000000000000u + (u128)(int)(i % 3) - 1;
        cr_dec a = {rng() & 1 ? -(__int128)am : (__int128)am, 0}, b = {(__int128)bm, 3};
        expect_reference_div(a, b, &checked, &guessed);
    }
    assert_true(checked > 220000);
    assert_true(guessed > 100000);
    assert_true(ties > 8000);
}

/* ---- square roots of up to 38 digits, checked in 256 bits ----------------- */

typedef struct { uint64_t w[4]; } u256;

/* x * y, each below 2^128 */
static u256 mul256(u128 x, u128 y)
{
    u256 r = {{0, 0, 0, 0}};
    uint64_t xs[2] = {(uint64_t)x, (uint64_t)(x >> 64)}, ys[2] = {(uint64_t)y, (uint64_t)(y >> 64)};
    for (int i = 0; i < 2; i++) {
        u128 carry = 0;
        for (int j = 0; j < 2; j++) {
            u128 t = (u128)xs[i] * ys[j] + r.w[i + j] + carry;
            r.w[i + j] = (uint64_t)t;
            carry = t >> 64;
        }
        r.w[i + 2] += (uint64_t)carry;
    }
    return r;
}

/* x * 10 in place (x stays below 2^256 here) */
static void times10(u256 *x)
{
    u128 carry = 0;
    for (int i = 0; i < 4; i++) {
        u128 t = (u128)x->w[i] * 10 + carry;
        x->w[i] = (uint64_t)t;
        carry = t >> 64;
    }
}

static int cmp256(u256 x, u256 y)
{
    for (int i = 3; i >= 0; i--)
        if (x.w[i] != y.w[i])
            return x.w[i] < y.w[i] ? -1 : 1;
    return 0;
}

/* sqrt(a) at `scale` places is R, rounded half-even, when
 * (2R - 1)^2 <= 4 * a.coef * 10^(2 * scale - a.scale) <= (2R + 1)^2, equal
 * (a tie) only with R even.  Each side is taken to the larger power of ten
 * so all three are integers; a tie needs 2 * scale < a.scale. */
static void check_big_root(u128 am, int ascale, int scale)
{
    cr_dec a = {(__int128)am, ascale}, r;
    assert_int_equal(cr_dec_sqrt(a, scale, &r), CR_DEC_OK);
    assert_int_equal(r.scale, scale);
    u128 R = (u128)r.coef;
    u256 n4 = mul256(am, 4), lo = mul256(2 * R - 1, 2 * R - 1), hi = mul256(2 * R + 1, 2 * R + 1);
    for (int i = 0; i < 2 * scale - ascale; i++)
        times10(&n4);
    for (int i = 0; i < ascale - 2 * scale; i++) {
        times10(&lo);
        times10(&hi);
    }
    int below = R == 0 ? -1 : cmp256(lo, n4), above = cmp256(n4, hi);
    if (below > 0 || above > 0 || ((below == 0 || above == 0) && (R & 1))) {
        char x[CR_DEC_FMT_MAX], y[CR_DEC_FMT_MAX];
        cr_dec_format(a, x);
        cr_dec_format(r, y);
        fail_msg("sqrt(%s) at %d places = %s, not correctly rounded", x, scale, y);
    }
}

/* Radicands of every size up to 38 digits at every scale (the roots of
 * up to 90 bits are corrected from the seed in 128 bits, the larger by
 * Newton's steps in 256 bits), and perfect squares of up to 126 bits
 * with their neighbours. */
static void test_sqrt_reference(void **state)
{
    (void)state;
    for (int i = 0; i < 200000; i++) {
        int ascale = (int)(rng() % 19), scale = (int)(rng() % 19);
        if (2 * scale < ascale)
            scale = (ascale + 1) / 2;
        u128 am;
        if (i % 4 == 3) {
            u128 k = random_bits(1 + (int)(rng() % 63));
            am = k * k + (u128)(int)(rng() % 3) - 1;
            ascale = 0;
        } else if (i % 4 == 2) {
            /* (10j + 5)^2 at 2 * (scale + 1) places has the root
             * (10j + 5) / 10^(scale + 1): a tie at `scale` places, which an
             * error of one in the last digit of the root, or in whether
             * it is exact, would break; with its neighbours */
            scale = (int)(rng() % 9);
            ascale = 2 * (scale + 1);
            u128 k = 10 * (random_bits(1 + (int)(rng() % 59)) - 1) + 5;
            am = k * k + (u128)(int)(rng() % 3) - 1;
        } else {
            am = random_bits(1 + (int)(rng() % 126));
        }
        check_big_root(am, ascale, scale);
    }
}

struct parse_case {
    const char *in;
    cr_dec_status st;
    const char *text; /* formatted result when st is CR_DEC_OK */
    int scale;
};

static void test_parse(void **state)
{
    static const struct parse_case cases[] = {
        {"0", CR_DEC_OK, "0", 0},
        {"-0", CR_DEC_OK, "0", 0},
        {"-0.00", CR_DEC_OK, "0.00", 2},
        {"12", CR_DEC_OK, "12", 0},
        {"-12.5", CR_DEC_OK, "-12.5", 1},
        {"1.50", CR_DEC_OK, "1.50", 2},
        {"0.001", CR_DEC_OK, "0.001", 3},
        {"1.5e2", CR_DEC_OK, "150", 0},
        {"1.5E+2", CR_DEC_OK, "150", 0},
        {"1.25e1", CR_DEC_OK, "12.5", 1},
        {"1e-3", CR_DEC_OK, "0.001", 3},
        {"-25e-1", CR_DEC_OK, "-2.5", 1},
        {"100e-2", CR_DEC_OK, "1.00", 2},
        {"0e5", CR_DEC_OK, "0", 0},
        {"0e-400", CR_DEC_OK, "0.000000000000000000", 18},
        {"1e0", CR_DEC_OK, "1", 0},
        {"1e37", CR_DEC_OK, "10000000000000000000000000000000000000", 0},
        {MAX38, CR_DEC_OK, MAX38, 0},
        {"-" MAX38, CR_DEC_OK, "-" MAX38, 0},
        {"0.000000000000000001", CR_DEC_OK, "0.000000000000000001", 18},
        {"1.0000000000000000000000", CR_DEC_OK, "1.000000000000000000", 18},
        {"100e-20", CR_DEC_OK, "0.000000000000000001", 18},
        {"00000", CR_DEC_SYNTAX, NULL, 0},
        {"0.00000000000000000000000000000000000000000001e44", CR_DEC_OK, "1", 0},
        {"1e38", CR_DEC_OVERFLOW, NULL, 0},
        {"1e400", CR_DEC_OVERFLOW, NULL, 0},
        {"-1e400", CR_DEC_OVERFLOW, NULL, 0},
        {"1e999999999999999999999999", CR_DEC_OVERFLOW, NULL, 0},
        {"100000000000000000000000000000000000000", CR_DEC_OVERFLOW, NULL, 0},
        {"10000000000000000000000.000000000000000000", CR_DEC_OVERFLOW, NULL, 0},
        {"0.1234567890123456789", CR_DEC_PRECISION, NULL, 0},
        {"1e-19", CR_DEC_PRECISION, NULL, 0},
        {"1e-999999999999999999999", CR_DEC_PRECISION, NULL, 0},
        {"", CR_DEC_SYNTAX, NULL, 0},
        {"-", CR_DEC_SYNTAX, NULL, 0},
        {"+1", CR_DEC_SYNTAX, NULL, 0},
        {"01", CR_DEC_SYNTAX, NULL, 0},
        {"-01", CR_DEC_SYNTAX, NULL, 0},
        {".5", CR_DEC_SYNTAX, NULL, 0},
        {"5.", CR_DEC_SYNTAX, NULL, 0},
        {"5.e3", CR_DEC_SYNTAX, NULL, 0},
        {"1e", CR_DEC_SYNTAX, NULL, 0},
        {"1e+", CR_DEC_SYNTAX, NULL, 0},
        {"1.5x", CR_DEC_SYNTAX, NULL, 0},
        {" 1", CR_DEC_SYNTAX, NULL, 0},
        {"1 ", CR_DEC_SYNTAX, NULL, 0},
        {"1,5", CR_DEC_SYNTAX, NULL, 0},
        {"--1", CR_DEC_SYNTAX, NULL, 0},
        {"1e400x", CR_DEC_SYNTAX, NULL, 0},
        {"NaN", CR_DEC_SYNTAX, NULL, 0},
        {"Infinity", CR_DEC_SYNTAX, NULL, 0},
        {"0x10", CR_DEC_SYNTAX, NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct parse_case *c = &cases[i];
        cr_dec d;
        cr_dec_status st = cr_dec_parse(c->in, strlen(c->in), &d);
        if (st != c->st)
            fail_msg("parse \"%s\": got %s, want %s", c->in, cr_dec_status_text(st),
                     cr_dec_status_text(c->st));
        if (st == CR_DEC_OK) {
            expect_text(d, c->text);
            assert_int_equal(d.scale, c->scale);
        }
    }
    /* Exactly n bytes are read: a prefix parses, an embedded NUL does not. */
    cr_dec d;
    assert_int_equal(cr_dec_parse("12.5junk", 4, &d), CR_DEC_OK);
    expect_text(d, "12.5");
    assert_int_equal(cr_dec_parse("1\0" "2", 3, &d), CR_DEC_SYNTAX);
}

static void test_to_int(void **state)
{
    int64_t v = 0;
    assert_int_equal(cr_dec_to_int(dec("42"), &v), CR_DEC_OK);
    assert_int_equal(v, 42);
    assert_int_equal(cr_dec_to_int(dec("-42.000"), &v), CR_DEC_OK);
    assert_int_equal(v, -42);
    assert_int_equal(cr_dec_to_int(dec("0.00"), &v), CR_DEC_OK);
    assert_int_equal(v, 0);
    assert_int_equal(cr_dec_to_int(dec("9223372036854775807"), &v), CR_DEC_OK);
    assert_true(v == INT64_MAX);
    assert_int_equal(cr_dec_to_int(dec("-9223372036854775808.0"), &v), CR_DEC_OK);
    assert_true(v == INT64_MIN);
    assert_int_equal(cr_dec_to_int(dec("9223372036854775808"), &v), CR_DEC_OVERFLOW);
    assert_int_equal(cr_dec_to_int(dec("-9223372036854775809"), &v), CR_DEC_OVERFLOW);
    assert_int_equal(cr_dec_to_int(dec(MAX38), &v), CR_DEC_OVERFLOW);
    assert_int_equal(cr_dec_to_int(dec("1.5"), &v), CR_DEC_PRECISION);
    assert_int_equal(cr_dec_to_int(dec("-0.000000000000000001"), &v), CR_DEC_PRECISION);
    cr_dec d = cr_dec_from_int(INT64_MIN);
    assert_int_equal(cr_dec_to_int(d, &v), CR_DEC_OK);
    assert_true(v == INT64_MIN);
    expect_text(d, "-9223372036854775808");
}

static void test_format(void **state)
{
    cr_dec d;
    d.coef = 0, d.scale = 2;
    expect_text(d, "0.00");
    d.coef = 0, d.scale = 0;
    expect_text(d, "0");
    d.coef = -5, d.scale = 2;
    expect_text(d, "-0.05");
    d.coef = 630, d.scale = 2;
    expect_text(d, "6.30");
    d.coef = 1, d.scale = 3;
    expect_text(d, "0.001");
    d.coef = 12, d.scale = 0;
    expect_text(d, "12");
    d.coef = -125, d.scale = 1;
    expect_text(d, "-12.5");
    d.coef = -1, d.scale = 18;
    expect_text(d, "-0.000000000000000001");
    expect_text(dec("-" MAX38), "-" MAX38);
    expect_text(dec("-99999999999999999999.999999999999999999"),
                "-99999999999999999999.999999999999999999");
    expect_text(cr_dec_from_int(-7), "-7");
}

static void test_status_text(void **state)
{
    assert_string_equal(cr_dec_status_text(CR_DEC_OK), "ok");
    assert_string_equal(cr_dec_status_text(CR_DEC_OVERFLOW), "number is out of range");
    assert_string_equal(cr_dec_status_text(CR_DEC_DIVZERO), "division by zero");
    assert_string_equal(cr_dec_status_text(CR_DEC_SYNTAX), "not a number");
    assert_string_equal(cr_dec_status_text(CR_DEC_PRECISION), "more than 18 fractional digits");
    assert_string_equal(cr_dec_status_text(CR_DEC_DOMAIN), "outside the function's domain");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_sub),
        cmocka_unit_test(test_mul),
        cmocka_unit_test(test_div),
        cmocka_unit_test(test_neg_abs),
        cmocka_unit_test(test_cmp),
        cmocka_unit_test(test_round),
        cmocka_unit_test(test_floor_ceil_to),
        cmocka_unit_test(test_sqrt),
        cmocka_unit_test(test_sqrt_guess),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_div_reference),
        cmocka_unit_test(test_sqrt_reference),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_to_int),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_status_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
