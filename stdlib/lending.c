/* pow, and the lending formulas a consumer-loan policy prices with:
 * equal_instalment (the level monthly payment of an amortising loan),
 * equal_principal_instalment (instalment k of an equal-principal loan)
 * and apr (the annual rate that cash flows earn, by their internal rate
 * of return).  All in exact decimals: each product is rounded half-even
 * at 18 fractional digits and each quotient at 16, as `*` and `/` are
 * (lang/README.md), and money results are rounded half up to cents. */
#include "stdlib/stdlib.h"

/* x to the power of the int n, by squaring (exact while the result has
 * at most 18 fractional digits); 1 when n is 0, 1 / x^-n when
 * n is negative (16 places, as `/`). */
static cr_dec_status dec_pow(cr_dec x, int64_t n, cr_dec *out)
{
    uint64_t e = n < 0 ? (uint64_t)(-(n + 1)) + 1 : (uint64_t)n;
    cr_dec acc = cr_dec_from_int(1), base = x;
    cr_dec_status st = CR_DEC_OK;
    while (e && st == CR_DEC_OK) {
        if (e & 1)
            st = cr_dec_mul(acc, base, &acc);
        e >>= 1;
        if (e && st == CR_DEC_OK)
            st = cr_dec_mul(base, base, &base);
    }
    if (st == CR_DEC_OK && n < 0)
        st = cr_dec_div(cr_dec_from_int(1), acc, &acc);
    *out = acc;
    return st;
}

CR_BUILTIN(cr_fn_pow)
{
    (void)n;
    int64_t e = args[1].u.i;
    if (cr_num_cmp(args[0], cr_int(0)) == 0 && e < 0)
        return cr_call_fail(cx, "pow: zero to a negative power");
    cr_dec d;
    return cr_dec_result(cx, dec_pow(cr_value_dec(args[0]), e, &d), d, out);
}

/* The monthly rate of an annual rate written in percent, as policies
 * write rates (6.30 is 6.30% a year): annual / 1200. */
static bool monthly_rate(cr_call_ctx *cx, cr_value annual, const char *fn, cr_dec *r)
{
    if (cr_num_cmp(annual, cr_int(0)) < 0)
        return cr_call_fail(cx, "%s: the annual rate is below zero", fn);
    cr_dec_status st = cr_dec_div(cr_value_dec(annual), cr_dec_from_int(1200), r);
    return st == CR_DEC_OK || cr_call_fail(cx, "%s: %s", fn, cr_dec_status_text(st));
}

static bool months_ok(cr_call_ctx *cx, cr_value months, const char *fn)
{
    if (months.u.i < 1 || months.u.i > 1200)
        return cr_call_fail(cx, "%s: %lld months; use 1 to 1200", fn, (long long)months.u.i);
    return true;
}

/* Rounds d half up to cents into *out. */
static bool cents(cr_call_ctx *cx, cr_dec_status st, cr_dec d, cr_value *out)
{
    if (st == CR_DEC_OK)
        st = cr_dec_round(d, 2, CR_ROUND_HALF_UP, &d);
    return cr_dec_result(cx, st, d, out);
}

/* equal_instalment(principal, annual_rate, months): P·r·(1+r)^n / ((1+r)^n − 1)
 * with r = annual_rate / 1200; P / n when the rate is 0. */
CR_BUILTIN(cr_fn_equal_instalment)
{
    (void)n;
    cr_dec r, g, num, den, pay;
    if (!monthly_rate(cx, args[1], "equal_instalment", &r) || !months_ok(cx, args[2], "equal_instalment"))
        return false;
    cr_dec p = cr_value_dec(args[0]);
    int64_t m = args[2].u.i;
    if (cr_dec_sign(r) == 0)
        return cents(cx, cr_dec_div(p, cr_dec_from_int(m), &pay), pay, out);
    cr_dec_status st = cr_dec_add(cr_dec_from_int(1), r, &g);
    if (st == CR_DEC_OK) st = dec_pow(g, m, &g);
    if (st == CR_DEC_OK) st = cr_dec_mul(p, r, &num);
    if (st == CR_DEC_OK) st = cr_dec_mul(num, g, &num);
    if (st == CR_DEC_OK) st = cr_dec_sub(g, cr_dec_from_int(1), &den);
    if (st == CR_DEC_OK) st = cr_dec_div(num, den, &pay);
    return cents(cx, st, pay, out);
}

/* equal_principal_instalment(principal, annual_rate, months, k): the k-th
 * payment (k from 1) of an equal-principal loan, P/n + (P − (k−1)·P/n)·r;
 * the first is the largest. */
CR_BUILTIN(cr_fn_equal_principal_instalment)
{
    (void)n;
    cr_dec r, part, paid, left, interest, pay;
    if (!monthly_rate(cx, args[1], "equal_principal_instalment", &r) ||
        !months_ok(cx, args[2], "equal_principal_instalment"))
        return false;
    int64_t m = args[2].u.i, k = args[3].u.i;
    if (k < 1 || k > m)
        return cr_call_fail(cx, "equal_principal_instalment: instalment %lld of %lld; use 1 to %lld", (long long)k,
                            (long long)m, (long long)m);
    cr_dec p = cr_value_dec(args[0]);
    cr_dec_status st = cr_dec_div(p, cr_dec_from_int(m), &part);
    if (st == CR_DEC_OK) st = cr_dec_mul(part, cr_dec_from_int(k - 1), &paid);
    if (st == CR_DEC_OK) st = cr_dec_sub(p, paid, &left);
    if (st == CR_DEC_OK) st = cr_dec_mul(left, r, &interest);
    if (st == CR_DEC_OK) st = cr_dec_add(part, interest, &pay);
    return cents(cx, st, pay, out);
}

/* The sign of Σ flows[i] / (1+r)^i, by Horner's rule without a factor
 * above 1: from the last flow by d = 1/(1+r) when r >= 0, and when r < 0
 * from the first by x = 1+r, which gives the sum times x^(n-1), of the
 * same sign.  Only an extreme flow can then overflow. */
static cr_dec_status npv_sign(const cr_value *flows, uint32_t nf, cr_dec r, int *sign)
{
    cr_dec one = cr_dec_from_int(1), x, acc = cr_dec_from_int(0);
    cr_dec_status st = cr_dec_add(one, r, &x);
    bool forward = cr_dec_sign(r) < 0;
    if (st == CR_DEC_OK && !forward)
        st = cr_dec_div(one, x, &x);
    for (uint32_t k = 0; k < nf && st == CR_DEC_OK; k++) {
        st = cr_dec_mul(acc, x, &acc);
        if (st == CR_DEC_OK)
            st = cr_dec_add(acc, cr_value_dec(flows[forward ? k : nf - 1 - k]), &acc);
    }
    *sign = cr_dec_sign(acc);
    return st;
}
/* apr(flows): the annual percentage rate of monthly cash flows (the first
 * now, one a month after): the monthly internal rate of return r, where
 * Σ flows[i] / (1+r)^i = 0, times 1200, rounded half up to 4 places.  r
 * is found by bisection between −50% and 100% a month to 1e-14; the flows
 * must change sign once (a loan paid out and paid back), so that there
 * is one such r. */
CR_BUILTIN(cr_fn_apr)
{
    (void)n;
    const cr_value *flows = args[0].u.items;
    uint32_t nf = args[0].len;
    if (nf < 2 || nf > 1201)
        return cr_call_fail(cx, "apr: %u cash flows; use 2 to 1201", nf);
    uint32_t changes = 0;
    int last = 0;
    for (uint32_t i = 0; i < nf; i++) {
        int s = cr_num_cmp(flows[i], cr_int(0));
        if (s && last && s != last)
            changes++;
        if (s)
            last = s;
    }
    if (changes != 1)
        return cr_call_fail(cx, "apr: the cash flows change sign %u times; they must change sign once", changes);
    /* lo and hi bracket the root: f changes sign between them */
    cr_dec lo, hi = cr_dec_from_int(1), eps, mid, w, two = cr_dec_from_int(2);
    cr_dec_parse("-0.5", 4, &lo);
    cr_dec_parse("0.00000000000001", 16, &eps);
    int s_lo, s_hi, s_mid;
    cr_dec_status st = npv_sign(flows, nf, lo, &s_lo);
    if (st == CR_DEC_OK)
        st = npv_sign(flows, nf, hi, &s_hi);
    if (st != CR_DEC_OK)
        return cr_call_fail(cx, "apr: %s", cr_dec_status_text(st));
    if (s_lo * s_hi > 0)
        return cr_call_fail(cx, "apr: no monthly rate between -50%% and 100%% returns these cash flows");
    for (int it = 0; it < 200 && st == CR_DEC_OK && s_lo != 0 && s_hi != 0; it++) {
        st = cr_dec_sub(hi, lo, &w);
        if (st != CR_DEC_OK || cr_dec_cmp(w, eps) <= 0)
            break;
        st = cr_dec_add(lo, hi, &mid);
        if (st == CR_DEC_OK) st = cr_dec_div(mid, two, &mid);
        if (st == CR_DEC_OK) st = npv_sign(flows, nf, mid, &s_mid);
        if (st != CR_DEC_OK)
            break;
        if (s_mid == 0) {
            lo = hi = mid;
            break;
        }
        if (s_mid == s_lo)
            lo = mid;
        else
            hi = mid;
    }
    if (s_lo == 0) hi = lo;
    if (s_hi == 0) lo = hi;
    cr_dec rate;
    if (st == CR_DEC_OK) st = cr_dec_add(lo, hi, &mid);
    if (st == CR_DEC_OK) st = cr_dec_div(mid, two, &mid);
    if (st == CR_DEC_OK) st = cr_dec_mul(mid, cr_dec_from_int(1200), &rate);
    if (st == CR_DEC_OK) st = cr_dec_round(rate, 4, CR_ROUND_HALF_UP, &rate);
    return cr_dec_result(cx, st, rate, out);
}
