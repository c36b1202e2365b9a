/* Aggregates over lists: sum, avg, count, stdev (population).  Loops over
 * lists are only these and the language's bounded `count/any/all ... where`
 * and comprehensions, so every run ends; each pass over a list adds its
 * items to cx->work, which the VM takes from the instruction budget, so
 * an aggregate inside a loop over the same list is bounded too.
 *
 * sum and stdev have a fast path in 64-bit integers that gives exactly what
 * the general path (one cr_num_* call per step) gives; it is taken only
 * when nothing in it can overflow, so every error, and every result near
 * the limits, comes from the general path. */
#include "stdlib/stdlib.h"

/* 10^n for 0 <= n <= 18. */
static inline int64_t pow10_64(int n) { return (int64_t)cr_dec_pow10_64[n]; }

/* 10^n for 0 <= n <= 36. */
static cr_i128 pow10_128(int n)
{
    return n <= 18 ? (cr_i128)pow10_64(n) : (cr_i128)pow10_64(n - 18) * pow10_64(18);
}

/* sum in int64.  The general path adds item by item: int + int stays int
 * (an int64 overflow is an error) until the first decimal, then exact
 * decimals, each partial sum at the largest scale so far, so the result
 * has the list's largest scale.  Here the same partial sums are formed in
 * int64, in one pass: the sum so far is rescaled when an item has more
 * places.  When nothing overflows (and every item is a number with a
 * coefficient in int64), the general path, whose limit is 38 digits, cannot
 * fail either and gives this sum, at the list's largest scale (*scale), or
 * an int when every item is one.  Otherwise false: take the general path. */
static bool sum_fast(const cr_value *items, uint32_t len, cr_value *out, int *scale)
{
    int s = 0;
    bool ints = true;
    int64_t acc = 0;
    for (uint32_t i = 0; i < len; i++) {
        const cr_value *v = &items[i];
        int64_t c;
        int vs = 0;
        if (v->tag == CR_INT) {
            c = v->u.i;
        } else if (v->tag == CR_DEC && v->scale <= CR_DEC_MAX_SCALE && (int64_t)v->u.coef == v->u.coef) {
            c = (int64_t)v->u.coef;
            vs = v->scale;
            ints = false;
        } else {
            return false;
        }
        if (vs > s) {
            if (__builtin_mul_overflow(acc, pow10_64(vs - s), &acc))
                return false;
            s = vs;
        } else if (vs < s && __builtin_mul_overflow(c, pow10_64(s - vs), &c)) {
            return false;
        }
        if (__builtin_add_overflow(acc, c, &acc))
            return false;
    }
    if (ints)
        *out = cr_int(acc);
    else
        cr_put_dec(out, acc, s);
    *scale = s;
    return true;
}

CR_BUILTIN(cr_fn_sum)
{
    (void)n;
    int s;
    cx->work += args[0].len;
    if (sum_fast(args[0].u.items, args[0].len, out, &s))
        return true;
    cr_value acc = cr_int(0);
    bool any_dec = false;
    for (uint32_t i = 0; i < args[0].len; i++) {
        any_dec |= args[0].u.items[i].tag == CR_DEC;
        if (!cr_num_add(cx, acc, args[0].u.items[i], &acc))
            return false;
    }
    if (any_dec && acc.tag == CR_INT)
        acc = cr_decv(cr_value_dec(acc));
    *out = acc;
    return true;
}

CR_BUILTIN(cr_fn_avg)
{
    (void)n;
    if (args[0].len == 0)
        return cr_call_fail(cx, "avg of an empty list");
    if (cx->mean_of == args[0].u.items && cx->mean_len == args[0].len) {
        *out = cx->mean;
        return true;
    }
    cr_value total;
    int s;
    bool fast = sum_fast(args[0].u.items, args[0].len, &total, &s);
    if (fast)
        cx->work += args[0].len;   /* (cr_fn_sum counts its own) */
    if ((!fast && !cr_fn_sum(cx, args, 1, &total)) || !cr_num_div(cx, total, cr_int(args[0].len), out))
        return false;
    cx->mean_of = args[0].u.items;
    cx->mean_len = args[0].len;
    cx->mean_sum_scale = fast ? s : -1;
    cx->mean = *out;
    return true;
}

CR_BUILTIN(cr_fn_count)
{
    (void)cx;
    (void)n;
    *out = cr_int(args[0].len);
    return true;
}

/* An item of a list that sum_fast accepted, at scale s >= its own, in
 * int64; false if that overflows. */
static bool item_at(cr_value v, int s, int64_t *x)
{
    if (v.tag == CR_INT)
        return !__builtin_mul_overflow(v.u.i, pow10_64(s), x);
    return !__builtin_mul_overflow((int64_t)v.u.coef, pow10_64(s - v.scale), x);
}

static cr_u128 square(int64_t a)
{
    uint64_t m = a < 0 ? 0 - (uint64_t)a : (uint64_t)a;
    return (cr_u128)m * m;
}

/* The general path's sum of squares, sum over the items of (x - mean)^2,
 * exactly as it forms it, without forming each step as a decimal.  The
 * items are those of a list sum_fast accepted, s its largest scale.
 *
 * With k the mean's scale, each x - mean has scale k (k >= s: the mean
 * keeps at least the sum's scale) and its square scale 2k.  When 2k <= 18
 * the squares are exact: their sum is formed directly.  When 2k > 18 each
 * square is rounded half-even to 18 places, dividing by 10^j, j = 2k - 18.
 * Write the mean at scale k as M = Q * 10^g + R with g = k - s and
 * 0 <= R < 10^g (Q is the mean floored to scale s).  Then x - mean at scale
 * k is a * 10^g - R, with a = x - Q an integer at scale s, and its square
 * over 10^j is
 *     a^2 * 10^(2g - j) - 2aR * 10^(g - j) + R^2 / 10^j.
 * When g >= j (that is k + s <= 18, always so for s <= 2) the first two
 * terms are even integers, so the square rounds to them plus
 * rho = R^2 / 10^j rounded half-even on its own: the same rho for every
 * item.  The sum is then
 *     10^(2g - j) * sum(a^2) - 2R * 10^(g - j) * sum(a) + n * rho.
 * Every square and partial sum of the general path is at most this sum, so
 * when it fits 38 digits nothing there overflowed either.  False (take the
 * general path) when g < j or anything here would not fit. */
static bool stdev_sum_sq(const cr_value *items, uint32_t len, int s, cr_dec mean, cr_dec *acc)
{
    int k = mean.scale;
    if (k < s || k > CR_DEC_MAX_SCALE)
        return false;
    int64_t x, a;
    cr_u128 sumsq = 0;
    if (2 * k <= CR_DEC_MAX_SCALE) {
        /* (a square within 38 digits has a root below 10^19: int64 loses
         * nothing that could fit) */
        if ((int64_t)mean.coef != mean.coef)
            return false;
        for (uint32_t i = 0; i < len; i++)
            if (!item_at(items[i], k, &x) || __builtin_sub_overflow(x, (int64_t)mean.coef, &a) ||
                __builtin_add_overflow(sumsq, square(a), &sumsq))
                return false;
        if (sumsq > CR_DEC_MAX_COEF)
            return false;
        acc->coef = (cr_i128)sumsq;
        acc->scale = 2 * k;
        return true;
    }
    int j = 2 * k - CR_DEC_MAX_SCALE, g = k - s;
    if (g < j)
        return false;
    /* Q and R by a 64-bit division of the mean's magnitude (g <= 18),
     * floored for a negative mean */
    uint64_t pg = (uint64_t)pow10_64(g), rem;
    cr_u128 qm = cr_dec_div_u64(mean.coef < 0 ? (cr_u128)0 - (cr_u128)mean.coef : (cr_u128)mean.coef, pg, &rem);
    cr_i128 q = (cr_i128)qm, r = rem;
    if (mean.coef < 0) {
        q = -q - (rem != 0);
        r = rem != 0 ? (cr_i128)(pg - rem) : 0;
    }
    if ((int64_t)q != q)
        return false;
    /* R < 10^g <= 10^18, so R^2 < 10^36 fits; j <= 18 too. */
    uint64_t pj = (uint64_t)pow10_64(j), rest;
    cr_i128 rho = (cr_i128)cr_dec_div_u64((cr_u128)(r * r), pj, &rest);
    rho += rest > pj / 2 || (rest == pj / 2 && (rho & 1));
    /* |a| < 2^64, so sum(a) over fewer than 2^32 items cannot overflow. */
    cr_i128 suma = 0;
    for (uint32_t i = 0; i < len; i++) {
        if (!item_at(items[i], s, &x) || __builtin_sub_overflow(x, (int64_t)q, &a) ||
            __builtin_add_overflow(sumsq, square(a), &sumsq))
            return false;
        suma += a;
    }
    cr_u128 t1;
    cr_i128 t2, t3, sum;
    if (__builtin_mul_overflow(sumsq, (cr_u128)pow10_128(2 * g - j), &t1) || t1 > (((cr_u128)1 << 127) - 1) ||
        __builtin_mul_overflow(2 * r * pow10_128(g - j), suma, &t2) ||
        __builtin_mul_overflow((cr_i128)len, rho, &t3) || __builtin_sub_overflow((cr_i128)t1, t2, &sum) ||
        __builtin_add_overflow(sum, t3, &sum))
        return false;
    if (sum < 0 || sum > (cr_i128)CR_DEC_MAX_COEF)
        return false;
    acc->coef = sum;
    acc->scale = CR_DEC_MAX_SCALE;
    return true;
}

/* sqrt(sum((x - mean)^2) / n), with the mean rounded at 16 places (avg),
 * each square rounded at 18 places (*), the sum exact, the quotient
 * rounded at 16 places (/) and the root at 16 places. */
CR_BUILTIN(cr_fn_stdev)
{
    (void)n;
    const cr_value *items = args[0].u.items;
    uint32_t len = args[0].len;
    if (len == 0)
        return cr_call_fail(cx, "stdev of an empty list");
    cr_value mean, acc = cr_int(0), d, sq, var;
    cr_dec sum;
    /* The mean is avg's (the one it has just computed for this list, or
     * computed now); avg leaves the scale of its int64 sum, or -1 when it
     * took the general path. */
    if (!cr_fn_avg(cx, args, 1, &mean))
        return false;
    cx->work += len;
    int s = cx->mean_sum_scale;
    if (s >= 0 && stdev_sum_sq(items, len, s, cr_value_dec(mean), &sum)) {
        acc = cr_decv(sum);
    } else {
        for (uint32_t i = 0; i < len; i++) {
            if (!cr_num_sub(cx, items[i], mean, &d) || !cr_num_mul(cx, d, d, &sq) ||
                !cr_num_add(cx, acc, sq, &acc))
                return false;
        }
    }
    if (!cr_num_div(cx, acc, cr_int(len), &var))
        return false;
    cr_dec r;
    return cr_dec_result(cx, cr_dec_sqrt(cr_value_dec(var), CR_DEC_DIV_SCALE, &r), r, out);
}
