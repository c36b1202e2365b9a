/* Exact decimal arithmetic; see decimal.h for the contract.
 *
 * Every operation works on sign and magnitude.  Magnitudes are at most
 * 10^38 - 1, so they fit an unsigned __int128; intermediates that can grow
 * beyond that (a product, a scaled dividend, the square of a root) are held
 * in a 256-bit integer, which is wide enough for any of them (< 10^77), so
 * nothing ever wraps and an overflow is reported only when the final result
 * does not fit in 38 digits.
 *
 * Speed: the common cases stay in 128 bits (equal scales, or a rescaled
 * operand that stays within 38 digits; products and scaled dividends that
 * fit, by __builtin_mul_overflow), powers of ten come from a table, the
 * 256-bit paths divide a 64-bit limb at a time or by Knuth's algorithm D,
 * and square roots are Newton's iteration from a 60-bit seed.  Where a
 * quotient or a root is known to be near a guess from doubles, the guess is
 * corrected exactly from a remainder formed modulo 2^128, which is exact
 * because it is known to be small.  A fast path gives exactly what the
 * wide path would: it is only taken when nothing of the wide computation
 * is lost. */
#include "runtime/core/decimal.h"

#include "runtime/core/check.h"

/* 256-bit unsigned integer, least significant limb first. */
typedef struct cr_dec_u256 {
    uint64_t w[4];
} cr_dec_u256;


/* 10^n for 0 <= n <= 19 (decimal.h). */
const uint64_t cr_dec_pow10_64[20] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u,
    10000000000u, 100000000000u, 1000000000000u, 10000000000000u, 100000000000000u,
    1000000000000000u, 10000000000000000u, 100000000000000000u, 1000000000000000000u,
    CR_DEC_P19,
};

/* 10^n for 0 <= n <= 38 (10^38 < 2^127). */
#define CR_DEC_P19X(k) ((cr_u128)CR_DEC_P19 * k##u)
static const cr_u128 cr_dec_pow10_128[39] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u,
    10000000000u, 100000000000u, 1000000000000u, 10000000000000u, 100000000000000u,
    1000000000000000u, 10000000000000000u, 100000000000000000u, 1000000000000000000u,
    CR_DEC_P19, CR_DEC_P19X(10), CR_DEC_P19X(100), CR_DEC_P19X(1000), CR_DEC_P19X(10000),
    CR_DEC_P19X(100000), CR_DEC_P19X(1000000), CR_DEC_P19X(10000000), CR_DEC_P19X(100000000),
    CR_DEC_P19X(1000000000), CR_DEC_P19X(10000000000), CR_DEC_P19X(100000000000),
    CR_DEC_P19X(1000000000000), CR_DEC_P19X(10000000000000), CR_DEC_P19X(100000000000000),
    CR_DEC_P19X(1000000000000000), CR_DEC_P19X(10000000000000000),
    CR_DEC_P19X(100000000000000000), CR_DEC_P19X(1000000000000000000), CR_DEC_P19X(10000000000000000000),
};
#undef CR_DEC_P19X

/* 10^n: every caller passes 0 <= n <= 38.  Outside that (only a decimal
 * outside its contract could ask) it is what repeated multiplication gives:
 * 1 for n <= 0, the product wrapped modulo 2^128 above 38. */
static cr_u128 cr_dec_pow10_slow(int n)
{
    cr_u128 p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

static inline cr_u128 cr_dec_pow10(int n)
{
    CR_ASSERT(n >= 0 && n <= 38);
    if ((unsigned)n <= 38)
        return cr_dec_pow10_128[n];
    return cr_dec_pow10_slow(n);
}

static inline cr_u128 cr_dec_mag(cr_i128 c)
{
    /* Negate in unsigned arithmetic so even INT128_MIN cannot overflow. */
    return c < 0 ? (cr_u128)0 - (cr_u128)c : (cr_u128)c;
}

/* Whether d keeps decimal.h's contract: 0 <= scale <= CR_DEC_MAX_SCALE and
 * |coef| <= 10^38 - 1.  The operations rely on it (a scale indexes the
 * tables of powers, negating a coefficient cannot overflow) and do not
 * test it: what makes a decimal (this file, the readers of JSON, lookups
 * and .credoc files) keeps it. */
static inline int cr_dec_valid(cr_dec d)
{
    return d.scale >= 0 && d.scale <= CR_DEC_MAX_SCALE && cr_dec_mag(d.coef) <= CR_DEC_MAX_COEF;
}

/* Builds a decimal from sign and magnitude; m must be <= CR_DEC_MAX_COEF. */
static inline cr_dec cr_dec_make(int neg, cr_u128 m, int scale)
{
    CR_ASSERT(m <= CR_DEC_MAX_COEF && scale >= 0 && scale <= CR_DEC_MAX_SCALE);
    cr_dec d;
    d.coef = neg ? -(cr_i128)m : (cr_i128)m;
    d.scale = scale;
    return d;
}

/* Full 128 x 128 -> 256-bit product, from four 64 x 64 partial products. */
static cr_dec_u256 cr_dec_mul_wide(cr_u128 a, cr_u128 b)
{
    uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64);
    uint64_t b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
    cr_u128 p00 = (cr_u128)a0 * b0, p01 = (cr_u128)a0 * b1;
    cr_u128 p10 = (cr_u128)a1 * b0, p11 = (cr_u128)a1 * b1;
    /* Each sum below adds at most three 64-bit values plus a carry: no wrap. */
    cr_u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
    cr_u128 hi = (mid >> 64) + (p01 >> 64) + (p10 >> 64) + (uint64_t)p11;
    cr_dec_u256 r;
    r.w[0] = (uint64_t)p00;
    r.w[1] = (uint64_t)mid;
    r.w[2] = (uint64_t)hi;
    r.w[3] = (uint64_t)((hi >> 64) + (p11 >> 64));
    return r;
}

static inline cr_dec_u256 cr_dec_from_u128(cr_u128 x)
{
    cr_dec_u256 r = {{(uint64_t)x, (uint64_t)(x >> 64), 0, 0}};
    return r;
}

/* Whether x < 2^128, and then its low 128 bits are all of it. */
static inline int cr_dec_is_u128(cr_dec_u256 x)
{
    return (x.w[2] | x.w[3]) == 0;
}

static inline cr_u128 cr_dec_low_u128(cr_dec_u256 x)
{
    return ((cr_u128)x.w[1] << 64) | x.w[0];
}

static int cr_dec_cmp_wide(cr_dec_u256 x, cr_dec_u256 y)
{
    for (int i = 3; i >= 0; i--)
        if (x.w[i] != y.w[i])
            return x.w[i] < y.w[i] ? -1 : 1;
    return 0;
}

static void cr_dec_inc_wide(cr_dec_u256 *x)
{
    for (int i = 0; i < 4; i++)
        if (++x->w[i] != 0)
            break;
}

/* x / d and *rem = x % d for any d > 0. */
static inline cr_u128 cr_dec_div_u128(cr_u128 x, cr_u128 d, cr_u128 *rem)
{
    if ((d >> 64) == 0) {
        uint64_t r;
        cr_u128 q = cr_dec_div_u64(x, (uint64_t)d, &r);
        *rem = r;
        return q;
    }
    cr_u128 q = x / d;
    *rem = x - q * d;
    return q;
}

/* *x * 10^d when that is within 38 digits (|x| < 10^(38 - d)), else 0 and
 * *x unchanged: the caller then takes its 256-bit path. */
static inline int cr_dec_scale_up(cr_i128 *x, int d)
{
    if ((unsigned)d > 38 || cr_dec_mag(*x) >= cr_dec_pow10_128[38 - d])
        return 0;
    *x *= (cr_i128)cr_dec_pow10_128[d];
    return 1;
}

/* x /= d in place, returns x % d; d > 0 fits 64 bits. */
static uint64_t cr_dec_divmod_small(cr_dec_u256 *x, uint64_t d)
{
    uint64_t rem = 0;
    for (int i = 3; i >= 0; i--) {
        if (rem == 0) {
            /* Leading limbs (and any limb after an exact step) need only a
             * 64-bit division. */
            uint64_t w = x->w[i];
            x->w[i] = w / d;
            rem = w % d;
        } else {
            x->w[i] = cr_dec_div_2by1(rem, x->w[i], d, &rem);
        }
    }
    return rem;
}

/* Knuth's algorithm D (TAOCP vol. 2, 4.3.1) for a 256-bit n and a divisor
 * d of two 64-bit limbs (d >= 2^64): *q = n / d, returns n % d.
 *
 * With a two-limb divisor the usual test that corrects the estimated
 * quotient digit (qhat * v0 > rhat * 2^64 + u[j]) compares qhat * d with
 * the whole of the current three limbs, so after it qhat is exact: the
 * multiply-and-subtract never goes negative (no add-back step), and its
 * result, the partial remainder, is below d < 2^128.  It is therefore
 * formed modulo 2^128 from the low two limbs. */
static cr_u128 cr_dec_divmod_knuth(cr_dec_u256 n, cr_u128 d, cr_dec_u256 *q)
{
    CR_ASSERT((d >> 64) != 0); /* __builtin_clzll(0) is undefined */
    /* Normalise: shift divisor and dividend so the divisor's top bit is set. */
    int s = __builtin_clzll((uint64_t)(d >> 64));
    cr_u128 v = d << s;
    uint64_t v1 = (uint64_t)(v >> 64), v0 = (uint64_t)v;
    uint64_t u[5];
    if (s != 0) {
        u[4] = n.w[3] >> (64 - s);
        for (int i = 3; i > 0; i--)
            u[i] = (n.w[i] << s) | (n.w[i - 1] >> (64 - s));
        u[0] = n.w[0] << s;
    } else {
        u[4] = 0;
        for (int i = 0; i < 4; i++)
            u[i] = n.w[i];
    }
    q->w[3] = 0;
    /* The running remainder u[j+2..j] < v * 2^64 keeps u[j+2] <= v1. */
    for (int j = 2; j >= 0; j--) {
        CR_ASSERT(u[j + 2] <= v1);
        uint64_t qhat, rhat;
        int rhat_big = 0; /* rhat >= 2^64: qhat is certainly not too large */
        if (u[j + 2] >= v1) {
            /* The digit is at most 2^64 - 1; rhat = u[j+1] + v1 then. */
            qhat = UINT64_MAX;
            rhat = u[j + 1] + v1;
            rhat_big = rhat < v1;
        } else {
            qhat = cr_dec_div_2by1(u[j + 2], u[j + 1], v1, &rhat);
        }
        while (!rhat_big && (cr_u128)qhat * v0 > (((cr_u128)rhat << 64) | u[j])) {
            qhat--;
            rhat += v1;
            rhat_big = rhat < v1;
        }
        cr_u128 r = ((((cr_u128)u[j + 1] << 64) | u[j])) - (cr_u128)qhat * v;
        u[j + 2] = 0;
        u[j + 1] = (uint64_t)(r >> 64);
        u[j] = (uint64_t)r;
        q->w[j] = qhat;
    }
    /* The remainder is in u[0..1], still shifted left by s. */
    return (((cr_u128)u[1] << 64) | u[0]) >> s;
}

/* *q = n / d, returns n % d, for any d > 0: a native 128-bit division when
 * n fits, one 64-bit limb at a time when d does, else algorithm D. */
static cr_u128 cr_dec_divmod_wide(cr_dec_u256 n, cr_u128 d, cr_dec_u256 *q)
{
    if (cr_dec_is_u128(n)) {
        cr_u128 r;
        *q = cr_dec_from_u128(cr_dec_div_u128(cr_dec_low_u128(n), d, &r));
        return r;
    }
    if ((d >> 64) == 0) {
        *q = n;
        return cr_dec_divmod_small(q, (uint64_t)d);
    }
    return cr_dec_divmod_knuth(n, d, q);
}

/* x to the nearest double, for first guesses only. */
static inline double cr_dec_to_double(cr_u128 x)
{
    return (double)(uint64_t)(x >> 64) * 0x1p64 + (double)(uint64_t)x;
}

/* 10^n as a double (exact up to 10^22, nearest beyond), 0 <= n <= 38. */
static const double cr_dec_pow10_dbl[39] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31,
    1e32, 1e33, 1e34, 1e35, 1e36, 1e37, 1e38,
};

/* *q = am * 10^e / d and *r the remainder, for a divisor of two limbs
 * (2^64 <= d < 2^114) and a quotient below 2^62: the case of a ratio of
 * two quotients at 16 places (a coefficient of variation, stdev / mean).
 * Without a 256-bit product or a 128-bit division: a guess g from
 * doubles (relative error below 2^-50, so |q - g| < 2^12), the remainder
 * n - g * d formed modulo 2^128, which is exact as a signed number
 * because |n - g * d| <= (|q - g| + 1) * d < 2^127; one more guess from
 * that remainder leaves g within 1 of q, and a step or two makes it q.
 * 0 when the case does not apply. */
static int cr_dec_div_guess(cr_u128 am, int e, cr_u128 d, uint64_t *q, cr_u128 *r)
{
    if ((d >> 64) == 0 || (d >> 114) != 0 || (unsigned)e > 38)
        return 0;
    double dd = cr_dec_to_double(d);
    double dq = cr_dec_to_double(am) * cr_dec_pow10_dbl[e] / dd;
    if (!(dq < 0x1p62))
        return 0;
    uint64_t g = (uint64_t)dq;
    cr_i128 rem = (cr_i128)(am * cr_dec_pow10_128[e] - (cr_u128)g * d);
    if (rem < 0 || (cr_u128)rem >= d) {
        double dr = rem < 0 ? -cr_dec_to_double((cr_u128)0 - (cr_u128)rem) : cr_dec_to_double((cr_u128)rem);
        int64_t step = (int64_t)(dr / dd);
        g += (uint64_t)step;
        rem -= (cr_i128)step * (cr_i128)d;
        while (rem < 0) {
            g--;
            rem += (cr_i128)d;
        }
        while ((cr_u128)rem >= d) {
            g++;
            rem -= (cr_i128)d;
        }
    }
    *q = g;
    *r = (cr_u128)rem;
    return 1;
}

/* Stores x in *m when x <= 10^38 - 1. */
static int cr_dec_fits(cr_dec_u256 x, cr_u128 *m)
{
    if (x.w[2] != 0 || x.w[3] != 0)
        return 0;
    cr_u128 v = ((cr_u128)x.w[1] << 64) | x.w[0];
    if (v > CR_DEC_MAX_COEF)
        return 0;
    *m = v;
    return 1;
}

/* Where the dropped part r of a division by 10^k lies against one half:
 * -1 below, 0 exactly half, 1 above.  sticky says something nonzero was
 * dropped even before r (it breaks a tie upward). */
static int cr_dec_half_pow(cr_u128 r, int k, int sticky)
{
    cr_u128 half = 5 * cr_dec_pow10(k - 1);
    if (r != half)
        return r < half ? -1 : 1;
    return sticky ? 1 : 0;
}

/* Whether a truncated magnitude must grow by one unit.  half is the
 * comparison of the dropped part with one half; inexact says it is nonzero. */
static int cr_dec_round_away(cr_round_mode mode, int neg, int odd, int half, int inexact)
{
    if (!inexact)
        return 0;
    switch (mode) {
    case CR_ROUND_HALF_UP: return half >= 0;
    case CR_ROUND_HALF_EVEN: return half > 0 || (half == 0 && odd);
    case CR_ROUND_FLOOR: return neg;
    case CR_ROUND_CEIL: return !neg;
    case CR_ROUND_DOWN: return 0;
    case CR_ROUND_UP: return 1;
    case CR_ROUND_HALF_DOWN: return half > 0;
    }
    return 0;
}

const char *cr_dec_status_text(cr_dec_status st)
{
    switch (st) {
    case CR_DEC_OK: return "ok";
    case CR_DEC_OVERFLOW: return "number is out of range";
    case CR_DEC_DIVZERO: return "division by zero";
    case CR_DEC_SYNTAX: return "not a number";
    case CR_DEC_PRECISION: return "more than 18 fractional digits";
    case CR_DEC_DOMAIN: return "outside the function's domain";
    }
    return "unknown decimal status";
}

static int cr_dec_isdigit(char c)
{
    return c >= '0' && c <= '9';
}

/* Digit k of the digit string formed by the integer part [0, ni) and the
 * fraction part [f0, f0 + nf) of s, the '.' skipped. */
static int cr_dec_digit_at(const char *s, size_t i0, size_t ni, size_t f0, size_t k)
{
    return k < ni ? s[i0 + k] - '0' : s[f0 + (k - ni)] - '0';
}

cr_dec_status cr_dec_parse(const char *s, size_t n, cr_dec *out)
{
    /* Caps the exponent's magnitude while reading it: anything past this is
     * out of range (or all zeros) anyway, and int64_t arithmetic on it plus a
     * digit count stays far from overflow. */
    const int64_t exp_cap = (int64_t)1 << 40;
    size_t i = 0;
    int neg = 0;
    if (i < n && s[i] == '-') {
        neg = 1;
        i++;
    }
    size_t i0 = i;
    if (i < n && s[i] == '0')
        i++;
    else if (i < n && s[i] >= '1' && s[i] <= '9')
        while (i < n && cr_dec_isdigit(s[i]))
            i++;
    else
        return CR_DEC_SYNTAX;
    size_t ni = i - i0, f0 = i, nf = 0;
    if (i < n && s[i] == '.') {
        f0 = ++i;
        while (i < n && cr_dec_isdigit(s[i]))
            i++;
        nf = i - f0;
        if (nf == 0)
            return CR_DEC_SYNTAX;
    }
    int64_t e = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        if (i >= n || !cr_dec_isdigit(s[i]))
            return CR_DEC_SYNTAX;
        while (i < n && cr_dec_isdigit(s[i])) {
            if (e < exp_cap)
                e = e * 10 + (s[i] - '0');
            i++;
        }
        if (eneg)
            e = -e;
    }
    if (i != n)
        return CR_DEC_SYNTAX;

    /* The number is digits * 10^(e - nf).  Trim it to its significant
     * digits [first, last]; tz counts the zeros after them. */
    size_t nd_all = ni + nf, first = 0, last;
    while (first < nd_all && cr_dec_digit_at(s, i0, ni, f0, first) == 0)
        first++;
    /* Written scale: fractional digits after the exponent, never below 0. */
    int64_t written = (int64_t)nf - e;
    if (written < 0)
        written = 0;
    int64_t scale = written > CR_DEC_MAX_SCALE ? CR_DEC_MAX_SCALE : written;
    if (first == nd_all) {
        *out = cr_dec_make(0, 0, (int)scale);
        return CR_DEC_OK;
    }
    last = nd_all - 1;
    while (cr_dec_digit_at(s, i0, ni, f0, last) == 0)
        last--;
    int64_t nd = (int64_t)(last - first + 1);
    int64_t tz = (int64_t)(nd_all - 1 - last);
    /* Coefficient = significant digits * 10^shift at the chosen scale. */
    int64_t shift = e - (int64_t)nf + tz + scale;
    if (shift < 0)
        return CR_DEC_PRECISION; /* nonzero digits beyond 18 places */
    if (nd + shift > CR_DEC_MAX_DIGITS)
        return CR_DEC_OVERFLOW;
    cr_u128 m = 0;
    for (size_t k = first; k <= last; k++)
        m = m * 10 + (cr_u128)cr_dec_digit_at(s, i0, ni, f0, k);
    m *= cr_dec_pow10((int)shift);
    *out = cr_dec_make(neg, m, (int)scale);
    return CR_DEC_OK;
}

cr_dec_status cr_dec_to_int(cr_dec a, int64_t *out)
{
    CR_ASSERT(cr_dec_valid(a));
    cr_i128 v = a.coef;
    if (a.scale != 0) {
        cr_u128 p = cr_dec_pow10(a.scale);
        if (a.coef % (cr_i128)p != 0)
            return CR_DEC_PRECISION;
        v = a.coef / (cr_i128)p;
    }
    if (v < INT64_MIN || v > INT64_MAX)
        return CR_DEC_OVERFLOW;
    *out = (int64_t)v;
    return CR_DEC_OK;
}

/* a + b when rescaling an operand does not fit 128 bits: in 256 bits. */
static cr_dec_status cr_dec_add_wide(cr_dec a, cr_dec b, cr_dec *out)
{
    int scale = a.scale > b.scale ? a.scale : b.scale;
    cr_dec_u256 xw = cr_dec_mul_wide(cr_dec_mag(a.coef), cr_dec_pow10(scale - a.scale));
    cr_dec_u256 yw = cr_dec_mul_wide(cr_dec_mag(b.coef), cr_dec_pow10(scale - b.scale));
    /* Only the operand with the smaller scale was scaled up, and it may now
     * exceed 38 digits while the exact sum still fits (10^37 - 9..9.9 is
     * 0.1).  Past 2^128, though, no operand of the other sign (< 10^38) can
     * bring it back in range. */
    if (!cr_dec_is_u128(xw) || !cr_dec_is_u128(yw))
        return CR_DEC_OVERFLOW;
    cr_u128 x = cr_dec_low_u128(xw);
    cr_u128 y = cr_dec_low_u128(yw);
    cr_u128 m;
    int aneg = a.coef < 0, bneg = b.coef < 0, neg;
    if (aneg == bneg) {
        if (__builtin_add_overflow(x, y, &m))
            return CR_DEC_OVERFLOW;
        neg = aneg;
    } else if (x >= y) {
        m = x - y;
        neg = aneg;
    } else {
        m = y - x;
        neg = bneg;
    }
    if (m > CR_DEC_MAX_COEF)
        return CR_DEC_OVERFLOW;
    *out = cr_dec_make(neg && m != 0, m, scale);
    return CR_DEC_OK;
}

/* The common case in signed 128-bit arithmetic: equal scales, or the
 * rescaled operand is within 38 digits and the sum fits.  Anything else
 * takes the wide path. */
cr_dec_status cr_dec_add(cr_dec a, cr_dec b, cr_dec *out)
{
    CR_ASSERT(cr_dec_valid(a) && cr_dec_valid(b));
    cr_i128 x = a.coef, y = b.coef, r;
    int scale = a.scale;
    if (a.scale != b.scale) {
        if (a.scale < b.scale) {
            scale = b.scale;
            if (!cr_dec_scale_up(&x, b.scale - a.scale))
                return cr_dec_add_wide(a, b, out);
        } else if (!cr_dec_scale_up(&y, a.scale - b.scale)) {
            return cr_dec_add_wide(a, b, out);
        }
    }
    if (__builtin_add_overflow(x, y, &r))
        return cr_dec_add_wide(a, b, out);
    if (r > (cr_i128)CR_DEC_MAX_COEF || r < -(cr_i128)CR_DEC_MAX_COEF)
        return CR_DEC_OVERFLOW;
    out->coef = r;
    out->scale = scale;
    return CR_DEC_OK;
}

cr_dec_status cr_dec_sub(cr_dec a, cr_dec b, cr_dec *out)
{
    return cr_dec_add(a, cr_dec_neg(b), out);
}

/* The product is formed exactly (in 128 bits when it fits, else in 256),
 * so an intermediate that is wider than 128 bits is not an error by
 * itself: CR_DEC_OVERFLOW means the product, after rounding to 18
 * fractional digits when its scale exceeds that, has more than 38 digits. */
cr_dec_status cr_dec_mul(cr_dec a, cr_dec b, cr_dec *out)
{
    CR_ASSERT(cr_dec_valid(a) && cr_dec_valid(b));
    int neg = (a.coef < 0) != (b.coef < 0);
    int scale = a.scale + b.scale;
    cr_u128 x = cr_dec_mag(a.coef), y = cr_dec_mag(b.coef), m;
    if (!__builtin_mul_overflow(x, y, &m) && scale <= CR_DEC_MAX_SCALE + 19) {
        if (scale > CR_DEC_MAX_SCALE) {
            int k = scale - CR_DEC_MAX_SCALE;
            uint64_t r;
            cr_u128 q = cr_dec_div_u64(m, cr_dec_pow10_64[k], &r);
            q += (cr_u128)cr_dec_round_away(CR_ROUND_HALF_EVEN, neg, (int)(q & 1),
                                            cr_dec_half_pow(r, k, 0), r != 0);
            m = q;
            scale = CR_DEC_MAX_SCALE;
        }
        if (m > CR_DEC_MAX_COEF)
            return CR_DEC_OVERFLOW;
        *out = cr_dec_make(neg, m, scale);
        return CR_DEC_OK;
    }
    cr_dec_u256 p = cr_dec_mul_wide(x, y);
    if (scale > CR_DEC_MAX_SCALE) {
        int k = scale - CR_DEC_MAX_SCALE;
        cr_u128 r = cr_dec_divmod_small(&p, (uint64_t)cr_dec_pow10(k));
        if (cr_dec_round_away(CR_ROUND_HALF_EVEN, neg, (int)(p.w[0] & 1),
                              cr_dec_half_pow(r, k, 0), r != 0))
            cr_dec_inc_wide(&p);
        scale = CR_DEC_MAX_SCALE;
    }
    if (!cr_dec_fits(p, &m))
        return CR_DEC_OVERFLOW;
    *out = cr_dec_make(neg, m, scale);
    return CR_DEC_OK;
}

/* The end of a division: q is the rounded quotient at `scale` places (16,
 * or fewer after the wide loop of cr_dec_div).  Trailing zeros are dropped
 * while the scale is above min_scale, or while the coefficient does not fit;
 * zeros are then appended up to min_scale where they fit. */
static cr_dec_status cr_dec_div_finish(cr_u128 q, int scale, int neg, int min_scale, cr_dec *out)
{
    /* Above 2^64 one digit at a time in 128 bits, the rest in 64 bits. */
    while ((q >> 64) != 0) {
        int fits = q <= CR_DEC_MAX_COEF;
        if (scale == 0 || (fits && scale <= min_scale))
            goto done;
        uint64_t digit;
        cr_u128 t = cr_dec_div_u64(q, 10, &digit);
        if (digit != 0)
            goto done;
        q = t;
        scale--;
    }
    int floor_scale = min_scale > 0 ? min_scale : 0;
    if (scale > floor_scale) {
        /* Below 2^64 every q fits: drop min(trailing zeros, scale -
         * floor_scale) digits, 8 at a time, then 4, 2, 1. */
        uint64_t q64 = (uint64_t)q;
        int avail = scale - floor_scale;
        if (q64 == 0) {
            avail = 0;
            scale = floor_scale;
        }
        while (avail >= 8 && q64 % 100000000u == 0) {
            q64 /= 100000000u;
            avail -= 8;
        }
        if (avail >= 4 && q64 % 10000u == 0) {
            q64 /= 10000u;
            avail -= 4;
        }
        if (avail >= 2 && q64 % 100u == 0) {
            q64 /= 100u;
            avail -= 2;
        }
        if (avail >= 1 && q64 % 10u == 0) {
            q64 /= 10u;
            avail -= 1;
        }
        if (q64 != 0)
            scale = floor_scale + avail;
        q = q64;
    }
done:
    if (q > CR_DEC_MAX_COEF)
        return CR_DEC_OVERFLOW;
    while (scale < min_scale && q <= CR_DEC_MAX_COEF / 10) {
        q *= 10;
        scale++;
    }
    *out = cr_dec_make(neg && q != 0, q, scale);
    return CR_DEC_OK;
}

/* a / b = (|a.coef| / |b.coef|) * 10^(b.scale - a.scale).  The quotient at
 * CR_DEC_DIV_SCALE places is |a.coef| * 10^e / |b.coef| with
 * e = 16 + b.scale - a.scale; the dividend can reach 10^72.  It is divided
 * natively when it fits 128 bits, else in 256 bits (one 64-bit limb at a
 * time when the divisor fits 64 bits, else by algorithm D): no intermediate
 * wraps.  When e < 0 (a has 17 or 18 places, b at most 1), the integer
 * quotient is rounded down to 16 places with the division's remainder as
 * sticky bit.
 *
 * Scale of the result: trailing zeros are dropped down to max(a.scale,
 * b.scale) (zeros are appended up to it when it exceeds 16).  Two corner
 * cases put the exact value ahead of that presentation scale instead of
 * reporting an overflow: zeros are not appended where the coefficient would
 * no longer fit, and more trailing zeros are dropped when that makes a
 * too-long coefficient fit.  CR_DEC_OVERFLOW means the rounded quotient has
 * more than 38 significant digits. */
cr_dec_status cr_dec_div(cr_dec a, cr_dec b, cr_dec *out)
{
    CR_ASSERT(cr_dec_valid(a) && cr_dec_valid(b));
    if (b.coef == 0)
        return CR_DEC_DIVZERO;
    int neg = (a.coef < 0) != (b.coef < 0);
    int e = CR_DEC_DIV_SCALE + b.scale - a.scale;
    int min_scale = a.scale > b.scale ? a.scale : b.scale;
    cr_u128 am = cr_dec_mag(a.coef), bm = cr_dec_mag(b.coef), n;
    uint64_t g;
    cr_u128 gr;
    if (e >= 0 && e <= 19 && (am >> 64) == 0 && (bm >> 64) == 0) {
        /* The common case (amounts, counts, their ratios): a 64 x 64-bit
         * product and one hardware division when the quotient fits 64
         * bits, two when it does not (a mean: a sum of amounts over a
         * count).  n < 2^128 and q <= n / 2 unless b64 is 1, and then r is
         * 0: q + 1 cannot wrap. */
        uint64_t b64 = (uint64_t)bm, r;
        n = (cr_u128)(uint64_t)am * cr_dec_pow10_64[e];
        cr_u128 q;
        if ((uint64_t)(n >> 64) < b64)
            q = cr_dec_div_2by1((uint64_t)(n >> 64), (uint64_t)n, b64, &r);
        else
            q = cr_dec_div_u64(n, b64, &r);
        int half = r < b64 - r ? -1 : r > b64 - r ? 1 : 0;
        q += (cr_u128)cr_dec_round_away(CR_ROUND_HALF_EVEN, neg, (int)(q & 1), half, r != 0);
        return cr_dec_div_finish(q, CR_DEC_DIV_SCALE, neg, min_scale, out);
    }
    if (e >= 0 && cr_dec_div_guess(am, e, bm, &g, &gr)) {
        int half = gr < bm - gr ? -1 : gr > bm - gr ? 1 : 0;
        cr_u128 q = (cr_u128)g + (cr_u128)cr_dec_round_away(CR_ROUND_HALF_EVEN, neg, (int)(g & 1), half, gr != 0);
        return cr_dec_div_finish(q, CR_DEC_DIV_SCALE, neg, min_scale, out);
    }
    if (e >= 0 && e <= 38 && !__builtin_mul_overflow(am, cr_dec_pow10_128[e], &n)) {
        cr_u128 r, q = cr_dec_div_u128(n, bm, &r);
        int half = r < bm - r ? -1 : r > bm - r ? 1 : 0;
        /* q < n unless bm is 1, and then r is 0: q + 1 cannot wrap. */
        q += (cr_u128)cr_dec_round_away(CR_ROUND_HALF_EVEN, neg, (int)(q & 1), half, r != 0);
        return cr_dec_div_finish(q, CR_DEC_DIV_SCALE, neg, min_scale, out);
    }
    if (e < 0 && e >= -19) {
        cr_u128 r, q = cr_dec_div_u128(am, bm, &r);
        uint64_t r2;
        cr_u128 q2 = cr_dec_div_u64(q, cr_dec_pow10_64[-e], &r2);
        q2 += (cr_u128)cr_dec_round_away(CR_ROUND_HALF_EVEN, neg, (int)(q2 & 1),
                                         cr_dec_half_pow(r2, -e, r != 0), r != 0 || r2 != 0);
        return cr_dec_div_finish(q2, CR_DEC_DIV_SCALE, neg, min_scale, out);
    }

    /* The dividend needs more than 128 bits. */
    cr_dec_u256 q;
    int away;
    if (e >= 0) {
        cr_u128 r = cr_dec_divmod_wide(cr_dec_mul_wide(am, cr_dec_pow10(e)), bm, &q);
        int half = r < bm - r ? -1 : r > bm - r ? 1 : 0;
        away = cr_dec_round_away(CR_ROUND_HALF_EVEN, neg, (int)(q.w[0] & 1), half, r != 0);
    } else {
        cr_u128 r = cr_dec_divmod_wide(cr_dec_from_u128(am), bm, &q);
        cr_u128 r2 = cr_dec_divmod_small(&q, (uint64_t)cr_dec_pow10(-e));
        away = cr_dec_round_away(CR_ROUND_HALF_EVEN, neg, (int)(q.w[0] & 1),
                                 cr_dec_half_pow(r2, -e, r != 0), r != 0 || r2 != 0);
    }
    if (away)
        cr_dec_inc_wide(&q);

    int scale = CR_DEC_DIV_SCALE;
    while (!cr_dec_is_u128(q)) {
        /* Too long to fit: only dropping trailing zeros can help. */
        if (scale == 0)
            return CR_DEC_OVERFLOW;
        cr_dec_u256 t = q;
        if (cr_dec_divmod_small(&t, 10) != 0)
            return CR_DEC_OVERFLOW;
        q = t;
        scale--;
    }
    return cr_dec_div_finish(cr_dec_low_u128(q), scale, neg, min_scale, out);
}

cr_dec cr_dec_neg(cr_dec a)
{
    CR_ASSERT(cr_dec_valid(a));
    a.coef = -a.coef;
    return a;
}

cr_dec cr_dec_abs(cr_dec a)
{
    CR_ASSERT(cr_dec_valid(a));
    if (a.coef < 0)
        a.coef = -a.coef;
    return a;
}

/* cr_dec_cmp when a rescaled coefficient would exceed 38 digits: same
 * sign, magnitudes compared at the common scale in 256 bits. */
__attribute__((noinline)) static int cr_dec_cmp_wide_path(cr_dec a, cr_dec b)
{
    int sa = cr_dec_sign(a), sb = cr_dec_sign(b);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    int scale = a.scale > b.scale ? a.scale : b.scale;
    int c = cr_dec_cmp_wide(cr_dec_mul_wide(cr_dec_mag(a.coef), cr_dec_pow10(scale - a.scale)),
                            cr_dec_mul_wide(cr_dec_mag(b.coef), cr_dec_pow10(scale - b.scale)));
    return sa > 0 ? c : -c;
}

/* Both at the common scale in signed 128 bits (rescaling keeps the value,
 * so the signed comparison orders signs too), unless a rescaled
 * coefficient would exceed 38 digits. */
int cr_dec_cmp(cr_dec a, cr_dec b)
{
    CR_ASSERT(cr_dec_valid(a) && cr_dec_valid(b));
    cr_i128 x = a.coef, y = b.coef;
    if (a.scale < b.scale) {
        if (!cr_dec_scale_up(&x, b.scale - a.scale))
            return cr_dec_cmp_wide_path(a, b);
    } else if (a.scale > b.scale) {
        if (!cr_dec_scale_up(&y, a.scale - b.scale))
            return cr_dec_cmp_wide_path(a, b);
    }
    return (x > y) - (x < y);
}

cr_dec_status cr_dec_round(cr_dec a, int n, cr_round_mode mode, cr_dec *out)
{
    CR_ASSERT(cr_dec_valid(a));
    if (n < 0 || n > CR_DEC_MAX_SCALE)
        return CR_DEC_DOMAIN;
    int neg = a.coef < 0;
    cr_u128 m = cr_dec_mag(a.coef);
    if (n >= a.scale) {
        if (__builtin_mul_overflow(m, cr_dec_pow10(n - a.scale), &m) || m > CR_DEC_MAX_COEF)
            return CR_DEC_OVERFLOW;
    } else {
        int k = a.scale - n;
        cr_u128 r, q = cr_dec_div_u128(m, cr_dec_pow10(k), &r);
        m = q;
        /* m <= (10^38 - 1) / 10 here, so one more unit still fits. */
        m += (cr_u128)cr_dec_round_away(mode, neg, (int)(m & 1), cr_dec_half_pow(r, k, 0), r != 0);
    }
    *out = cr_dec_make(neg && m != 0, m, n);
    return CR_DEC_OK;
}

/* Shared by floor_to and ceil_to.  With step = s * 10^-k (s > 0), a multiple
 * q * step is <= a exactly when q * s <= floor(a * 10^k), since q * s is an
 * integer; likewise for >= and ceil.  So a is first rounded to the step's
 * scale in the wanted direction, then divided by s as integers.  The result
 * has the step's scale. */
static cr_dec_status cr_dec_step(cr_dec a, cr_dec step, cr_round_mode mode, cr_dec *out)
{
    CR_ASSERT(cr_dec_valid(a) && cr_dec_valid(step));
    if (step.coef == 0)
        return CR_DEC_DIVZERO;
    if (step.coef < 0)
        return CR_DEC_DOMAIN;
    int neg = a.coef < 0;
    /* Rounding toward -inf for a negative a moves its magnitude up. */
    int away = mode == CR_ROUND_FLOOR ? neg : !neg;
    cr_u128 am = cr_dec_mag(a.coef), s = (cr_u128)step.coef, qm, r, m;
    cr_u128 x;
    if (step.scale >= a.scale) {
        if (__builtin_mul_overflow(am, cr_dec_pow10(step.scale - a.scale), &x)) {
            /* x >= 2^128: divide in 256 bits. */
            cr_dec_u256 q;
            r = cr_dec_divmod_wide(cr_dec_mul_wide(am, cr_dec_pow10(step.scale - a.scale)), s, &q);
            /* q >= 2^128 would make q * s far beyond range. */
            if (!cr_dec_is_u128(q))
                return CR_DEC_OVERFLOW;
            qm = cr_dec_low_u128(q);
            goto have_q;
        }
    } else {
        cr_u128 rest, t = cr_dec_div_u128(am, cr_dec_pow10(a.scale - step.scale), &rest);
        x = t + (cr_u128)(away && rest != 0);
    }
    qm = cr_dec_div_u128(x, s, &r);
have_q:
    if (away && r != 0 && __builtin_add_overflow(qm, (cr_u128)1, &qm))
        return CR_DEC_OVERFLOW;
    if (__builtin_mul_overflow(qm, s, &m) || m > CR_DEC_MAX_COEF)
        return CR_DEC_OVERFLOW;
    *out = cr_dec_make(neg && m != 0, m, step.scale);
    return CR_DEC_OK;
}

cr_dec_status cr_dec_floor_to(cr_dec a, cr_dec step, cr_dec *out)
{
    return cr_dec_step(a, step, CR_ROUND_FLOOR, out);
}

cr_dec_status cr_dec_ceil_to(cr_dec a, cr_dec step, cr_dec *out)
{
    return cr_dec_step(a, step, CR_ROUND_CEIL, out);
}

/* floor(sqrt(n)) for n < 2^64.  The double's square root is only a first
 * guess, off by at most a few units from the true root (n rounds to 53
 * bits); the integer corrections below make the result exact. */
static uint64_t cr_dec_isqrt64(uint64_t n)
{
    uint64_t r = (uint64_t)__builtin_sqrt((double)n);
    if (r > UINT32_MAX)
        r = UINT32_MAX; /* the root of n < 2^64 is below 2^32 */
    while (r * r > n)
        r--;
    while (r < UINT32_MAX && (r + 1) * (r + 1) <= n)
        r++;
    return r;
}

/* One step of Newton's iteration for floor(sqrt(n)), x > 0:
 * (x + n / x) / 2 rounded down.  For any x > 0 the result is at least
 * floor(sqrt(n)); for x > floor(sqrt(n)) it is below x. */
static cr_u128 cr_dec_newton(cr_dec_u256 n, cr_u128 x)
{
    cr_dec_u256 q;
    cr_dec_divmod_wide(n, x, &q);
    /* Callers keep x and n / x below 2^127 (see cr_dec_isqrt). */
    CR_ASSERT(x != 0 && (x >> 127) == 0 && cr_dec_is_u128(q) && (cr_dec_low_u128(q) >> 127) == 0);
    return (x + cr_dec_low_u128(q)) >> 1;
}

/* floor(sqrt(n)) for n < 2^254 (n < 10^76 here, so the root is < 2^127);
 * *exact says whether it is the whole root (its square is n).
 *
 * Seed: n is shifted by an even number of bits (right by s, or left by l)
 * to T of 125 or 126 bits.  The integer root of T's top 64 bits,
 * plus one and shifted, is >= sqrt(T) and within a relative 2^-30 of it; one
 * Newton step in 128 bits (a single 128 / 64 division) brings that to
 * 2^-60; shifted back by s/2 (or l/2) it is the seed for n.
 *
 * Then Newton steps on n until r * r <= n.  From any r > 0 a step gives at
 * least floor(sqrt(n)), so the first r with r * r <= n is floor(sqrt(n))
 * itself; while r * r > n, r > floor(sqrt(n)) and the next step decreases.
 * From this seed one step is enough except for roots above about 2^120. */
static cr_u128 cr_dec_isqrt(cr_dec_u256 n, int *exact)
{
    int top = 3;
    while (top >= 0 && n.w[top] == 0)
        top--;
    if (top < 0) {
        *exact = 1;
        return 0;
    }
    if (top == 0) {
        uint64_t r = cr_dec_isqrt64(n.w[0]);
        *exact = r * r == n.w[0];
        return r;
    }
    int bits = 64 * top + 64 - __builtin_clzll(n.w[top]);
    int s = 0, l = 0;
    uint64_t t0, t1; /* T = t1 * 2^64 + t0, 2^124 <= T < 2^126 */
    if (bits > 126) {
        s = bits - 126;
        s += s & 1;
        int li = s / 64, sh = s % 64;
        CR_ASSERT(li <= 2);
        uint64_t w2 = li + 2 < 4 ? n.w[li + 2] : 0;
        t0 = n.w[li];
        t1 = n.w[li + 1]; /* li <= 2: s <= 128 since bits <= 254 */
        if (sh != 0) {
            t0 = (t0 >> sh) | (t1 << (64 - sh));
            t1 = (t1 >> sh) | (w2 << (64 - sh));
        }
    } else {
        l = (126 - bits) & ~1;
        cr_u128 t = cr_dec_low_u128(n) << l;
        t0 = (uint64_t)t;
        t1 = (uint64_t)(t >> 64);
    }
    /* T's top 64 bits (T >> 62 < 2^64) have a root < 2^32: plus one and
     * shifted by 31 it is >= sqrt(T), and <= 2^63. */
    uint64_t x = (cr_dec_isqrt64((t1 << 2) | (t0 >> 62)) + 1) << 31;
    /* T / x fits: T's high limb t1 < x, since T < x^2 < x * 2^64. */
    CR_ASSERT(t1 < x);
    uint64_t rem;
    uint64_t y = (x + cr_dec_div_2by1(t1, t0, x, &rem)) >> 1;
    /* y < 2^63, so r < 2^127; r is within about a relative 2^-60 of
     * sqrt(n) < 2^126.4, so n / r < 2^127 too, and after a step r >
     * floor(sqrt(n)) gives n / r <= sqrt(n) + 1.  r > 0: sqrt(n) >= 2^32
     * and l / 2 <= 30. */
    cr_u128 r = s != 0 ? (cr_u128)y << (s / 2) : (cr_u128)(y >> (l / 2));
    if (bits <= 180) {
        /* Then n - r^2 is about n * 2^-59, below 2^127: formed modulo
         * 2^128 it is exact as a signed number.  So is the Newton step
         * r + (n - r^2) / 2r, taken in doubles (the step is below 2^36,
         * the doubles' error in it below 1), which leaves r within 2 of
         * floor(sqrt(n)); the remainder n - r^2 then says which way to
         * go.  No 256-bit division or product. */
        cr_u128 nlo = cr_dec_low_u128(n);
        cr_i128 d = (cr_i128)(nlo - r * r);
        double dd = d < 0 ? -cr_dec_to_double((cr_u128)0 - (cr_u128)d) : cr_dec_to_double((cr_u128)d);
        r += (cr_u128)(cr_i128)(int64_t)(dd / (2.0 * cr_dec_to_double(r)));
        d = (cr_i128)(nlo - r * r);
        while (d < 0) {
            r--;
            d += (cr_i128)(2 * r + 1);
        }
        while (d > (cr_i128)(2 * r)) {
            d -= (cr_i128)(2 * r + 1);
            r++;
        }
        *exact = d == 0;
        return r;
    }
    for (;;) {
        r = cr_dec_newton(n, r);
        int c = cr_dec_cmp_wide(cr_dec_mul_wide(r, r), n);
        if (c <= 0) {
            *exact = c == 0;
            return r;
        }
    }
}

/* sqrt(a) * 10^scale is computed at t > scale places as the integer square
 * root of |a.coef| * 10^(2t - a.scale) (t is chosen so that exponent is not
 * negative), then rounded half-even down to `scale` places, with "the root
 * was inexact" as sticky bit.  The radicand stays below 10^77 and fits 256
 * bits; its root is < 10^38 < 2^127. */
cr_dec_status cr_dec_sqrt(cr_dec a, int scale, cr_dec *out)
{
    CR_ASSERT(cr_dec_valid(a));
    if (a.coef < 0 || scale < 0 || scale > CR_DEC_MAX_SCALE)
        return CR_DEC_DOMAIN;
    int t = (a.scale + 1) / 2 > scale ? (a.scale + 1) / 2 : scale;
    t++;
    cr_dec_u256 n = cr_dec_mul_wide((cr_u128)a.coef, cr_dec_pow10(2 * t - a.scale));
    int exact;
    cr_u128 root = cr_dec_isqrt(n, &exact);
    int k = t - scale;
    cr_u128 r, m = cr_dec_div_u128(root, cr_dec_pow10(k), &r);
    m += (cr_u128)cr_dec_round_away(CR_ROUND_HALF_EVEN, 0, (int)(m & 1),
                                    cr_dec_half_pow(r, k, !exact), r != 0 || !exact);
    *out = cr_dec_make(0, m, scale);
    return CR_DEC_OK;
}

size_t cr_dec_format(cr_dec a, char *buf)
{
    CR_ASSERT(cr_dec_valid(a));
    /* A scale outside the contract is clamped so buf can never overflow. */
    int scale = a.scale < 0 ? 0 : a.scale > CR_DEC_MAX_SCALE ? CR_DEC_MAX_SCALE : a.scale;
    cr_u128 m = cr_dec_mag(a.coef);
    char rev[CR_DEC_FMT_MAX];
    int nd = 0;
    /* Digits in reverse, at least scale + 1 of them so "0.05" gets its 0s;
     * in 64-bit arithmetic once the rest fits. */
    while ((m >> 64) != 0) {
        cr_u128 q = m / 10;
        rev[nd++] = (char)('0' + (int)(m - q * 10));
        m = q;
    }
    uint64_t m64 = (uint64_t)m;
    do {
        rev[nd++] = (char)('0' + (int)(m64 % 10));
        m64 /= 10;
    } while (m64 != 0 || nd <= scale);
    size_t len = 0;
    if (a.coef < 0)
        buf[len++] = '-';
    while (nd > 0) {
        buf[len++] = rev[--nd];
        if (nd == scale && scale > 0)
            buf[len++] = '.';
    }
    buf[len] = '\0';
    return len;
}
