/* Exact decimal arithmetic; see decimal.h for the contract.
 *
 * Every operation works on sign and magnitude.  Magnitudes are at most
 * 10^38 - 1, so they fit an unsigned __int128; intermediates that can grow
 * beyond that (a product, a scaled dividend, the square of a root) are held
 * in a 256-bit integer, which is wide enough for any of them (< 10^77), so
 * nothing ever wraps and an overflow is reported only when the final result
 * does not fit in 38 digits. */
#include "decimal.h"

typedef unsigned __int128 cr_u128;

/* 256-bit unsigned integer, least significant limb first. */
typedef struct cr_dec_u256 {
    uint64_t w[4];
} cr_dec_u256;

/* 10^38 - 1, the largest coefficient magnitude. */
#define CR_DEC_MAX_COEF ((cr_u128)10000000000000000000u * 10000000000000000000u - 1)

/* 10^n for 0 <= n <= 38 (10^38 < 2^127). */
static cr_u128 cr_dec_pow10(int n)
{
    cr_u128 p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

static cr_u128 cr_dec_mag(cr_i128 c)
{
    /* Negate in unsigned arithmetic so even INT128_MIN cannot overflow. */
    return c < 0 ? (cr_u128)0 - (cr_u128)c : (cr_u128)c;
}

/* Builds a decimal from sign and magnitude; m must be <= CR_DEC_MAX_COEF. */
static cr_dec cr_dec_make(int neg, cr_u128 m, int scale)
{
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

/* x /= d in place, returns x % d; d > 0 fits 64 bits (every 10^k used). */
static uint64_t cr_dec_divmod_small(cr_dec_u256 *x, uint64_t d)
{
    uint64_t rem = 0;
    for (int i = 3; i >= 0; i--) {
        cr_u128 cur = ((cr_u128)rem << 64) | x->w[i];
        x->w[i] = (uint64_t)(cur / d);
        rem = (uint64_t)(cur % d);
    }
    return rem;
}

/* Binary long division *q = n / d, returns n % d.  Needs 0 < d < 2^127 (true
 * of any coefficient magnitude), so the shifted remainder never wraps. */
static cr_u128 cr_dec_divmod_wide(cr_dec_u256 n, cr_u128 d, cr_dec_u256 *q)
{
    cr_u128 r = 0;
    cr_dec_u256 z = {{0, 0, 0, 0}};
    *q = z;
    for (int bit = 255; bit >= 0; bit--) {
        r = (r << 1) | ((n.w[bit / 64] >> (bit % 64)) & 1);
        if (r >= d) {
            r -= d;
            q->w[bit / 64] |= (uint64_t)1 << (bit % 64);
        }
    }
    return r;
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
    cr_u128 p = cr_dec_pow10(a.scale);
    if (a.coef % (cr_i128)p != 0)
        return CR_DEC_PRECISION;
    cr_i128 v = a.coef / (cr_i128)p;
    if (v < INT64_MIN || v > INT64_MAX)
        return CR_DEC_OVERFLOW;
    *out = (int64_t)v;
    return CR_DEC_OK;
}

cr_dec_status cr_dec_add(cr_dec a, cr_dec b, cr_dec *out)
{
    int scale = a.scale > b.scale ? a.scale : b.scale;
    cr_dec_u256 xw = cr_dec_mul_wide(cr_dec_mag(a.coef), cr_dec_pow10(scale - a.scale));
    cr_dec_u256 yw = cr_dec_mul_wide(cr_dec_mag(b.coef), cr_dec_pow10(scale - b.scale));
    /* Only the operand with the smaller scale was scaled up, and it may now
     * exceed 38 digits while the exact sum still fits (10^37 - 9..9.9 is
     * 0.1).  Past 2^128, though, no operand of the other sign (< 10^38) can
     * bring it back in range. */
    if (xw.w[2] != 0 || xw.w[3] != 0 || yw.w[2] != 0 || yw.w[3] != 0)
        return CR_DEC_OVERFLOW;
    cr_u128 x = ((cr_u128)xw.w[1] << 64) | xw.w[0];
    cr_u128 y = ((cr_u128)yw.w[1] << 64) | yw.w[0];
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

cr_dec_status cr_dec_sub(cr_dec a, cr_dec b, cr_dec *out)
{
    return cr_dec_add(a, cr_dec_neg(b), out);
}

/* The product is formed exactly in 256 bits, so an intermediate that is
 * wider than 128 bits is not an error by itself: CR_DEC_OVERFLOW means the
 * product, after rounding to 18 fractional digits when its scale exceeds
 * that, has more than 38 digits. */
cr_dec_status cr_dec_mul(cr_dec a, cr_dec b, cr_dec *out)
{
    int neg = (a.coef < 0) != (b.coef < 0);
    int scale = a.scale + b.scale;
    cr_dec_u256 p = cr_dec_mul_wide(cr_dec_mag(a.coef), cr_dec_mag(b.coef));
    if (scale > CR_DEC_MAX_SCALE) {
        int k = scale - CR_DEC_MAX_SCALE;
        cr_u128 r = cr_dec_divmod_small(&p, (uint64_t)cr_dec_pow10(k));
        if (cr_dec_round_away(CR_ROUND_HALF_EVEN, neg, (int)(p.w[0] & 1),
                              cr_dec_half_pow(r, k, 0), r != 0))
            cr_dec_inc_wide(&p);
        scale = CR_DEC_MAX_SCALE;
    }
    cr_u128 m;
    if (!cr_dec_fits(p, &m))
        return CR_DEC_OVERFLOW;
    *out = cr_dec_make(neg, m, scale);
    return CR_DEC_OK;
}

/* a / b = (|a.coef| / |b.coef|) * 10^(b.scale - a.scale).  The quotient at
 * CR_DEC_DIV_SCALE places is |a.coef| * 10^e / |b.coef| with
 * e = 16 + b.scale - a.scale; the dividend can reach 10^72, so it is built in
 * 256 bits and divided by binary long division: no intermediate wraps.  When
 * e < 0 (a has 17 or 18 places, b at most 1), the integer quotient is
 * rounded down to 16 places with the division's remainder as sticky bit.
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
    if (b.coef == 0)
        return CR_DEC_DIVZERO;
    int neg = (a.coef < 0) != (b.coef < 0);
    int e = CR_DEC_DIV_SCALE + b.scale - a.scale;
    cr_u128 bm = cr_dec_mag(b.coef);
    cr_dec_u256 q;
    int away;
    if (e >= 0) {
        cr_u128 r = cr_dec_divmod_wide(cr_dec_mul_wide(cr_dec_mag(a.coef), cr_dec_pow10(e)), bm, &q);
        int half = r < bm - r ? -1 : r > bm - r ? 1 : 0;
        away = cr_dec_round_away(CR_ROUND_HALF_EVEN, neg, (int)(q.w[0] & 1), half, r != 0);
    } else {
        cr_u128 r = cr_dec_divmod_wide(cr_dec_mul_wide(cr_dec_mag(a.coef), 1), bm, &q);
        cr_u128 r2 = cr_dec_divmod_small(&q, (uint64_t)cr_dec_pow10(-e));
        away = cr_dec_round_away(CR_ROUND_HALF_EVEN, neg, (int)(q.w[0] & 1),
                                 cr_dec_half_pow(r2, -e, r != 0), r != 0 || r2 != 0);
    }
    if (away)
        cr_dec_inc_wide(&q);

    int min_scale = a.scale > b.scale ? a.scale : b.scale;
    int scale = CR_DEC_DIV_SCALE;
    cr_u128 m;
    for (;;) {
        int fits = cr_dec_fits(q, &m);
        if (scale == 0 || (fits && scale <= min_scale))
            break;
        cr_dec_u256 t = q;
        if (cr_dec_divmod_small(&t, 10) != 0)
            break;
        q = t;
        scale--;
    }
    if (!cr_dec_fits(q, &m))
        return CR_DEC_OVERFLOW;
    while (scale < min_scale && m <= CR_DEC_MAX_COEF / 10) {
        m *= 10;
        scale++;
    }
    *out = cr_dec_make(neg && m != 0, m, scale);
    return CR_DEC_OK;
}

cr_dec cr_dec_neg(cr_dec a)
{
    a.coef = -a.coef;
    return a;
}

cr_dec cr_dec_abs(cr_dec a)
{
    if (a.coef < 0)
        a.coef = -a.coef;
    return a;
}

int cr_dec_cmp(cr_dec a, cr_dec b)
{
    int sa = cr_dec_sign(a), sb = cr_dec_sign(b);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    /* Same sign: compare magnitudes at the common scale, in 256 bits so the
     * rescaling cannot overflow. */
    int scale = a.scale > b.scale ? a.scale : b.scale;
    int c = cr_dec_cmp_wide(cr_dec_mul_wide(cr_dec_mag(a.coef), cr_dec_pow10(scale - a.scale)),
                            cr_dec_mul_wide(cr_dec_mag(b.coef), cr_dec_pow10(scale - b.scale)));
    return sa > 0 ? c : -c;
}

cr_dec_status cr_dec_round(cr_dec a, int n, cr_round_mode mode, cr_dec *out)
{
    if (n < 0 || n > CR_DEC_MAX_SCALE)
        return CR_DEC_DOMAIN;
    int neg = a.coef < 0;
    cr_u128 m = cr_dec_mag(a.coef);
    if (n >= a.scale) {
        if (!cr_dec_fits(cr_dec_mul_wide(m, cr_dec_pow10(n - a.scale)), &m))
            return CR_DEC_OVERFLOW;
    } else {
        int k = a.scale - n;
        cr_u128 p = cr_dec_pow10(k), r = m % p;
        m /= p;
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
    if (step.coef == 0)
        return CR_DEC_DIVZERO;
    if (step.coef < 0)
        return CR_DEC_DOMAIN;
    int neg = a.coef < 0;
    /* Rounding toward -inf for a negative a moves its magnitude up. */
    int away = mode == CR_ROUND_FLOOR ? neg : !neg;
    cr_u128 am = cr_dec_mag(a.coef), s = (cr_u128)step.coef;
    cr_dec_u256 x;
    if (step.scale >= a.scale) {
        x = cr_dec_mul_wide(am, cr_dec_pow10(step.scale - a.scale));
    } else {
        cr_u128 p = cr_dec_pow10(a.scale - step.scale);
        x = cr_dec_mul_wide(am / p + (cr_u128)(away && am % p != 0), 1);
    }
    cr_dec_u256 q;
    cr_u128 r = cr_dec_divmod_wide(x, s, &q), qm, m;
    /* q >= 2^128 would make q * s far beyond range. */
    if (q.w[2] != 0 || q.w[3] != 0)
        return CR_DEC_OVERFLOW;
    qm = ((cr_u128)q.w[1] << 64) | q.w[0];
    if (away && r != 0 && __builtin_add_overflow(qm, (cr_u128)1, &qm))
        return CR_DEC_OVERFLOW;
    if (!cr_dec_fits(cr_dec_mul_wide(qm, s), &m))
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

/* sqrt(a) * 10^scale is computed at t > scale places as the integer square
 * root of |a.coef| * 10^(2t - a.scale) (t is chosen so that exponent is not
 * negative), then rounded half-even down to `scale` places, with "the root
 * was inexact" as sticky bit.  The radicand stays below 10^77 and fits 256
 * bits; the root is found bit by bit, squaring candidates exactly. */
cr_dec_status cr_dec_sqrt(cr_dec a, int scale, cr_dec *out)
{
    if (a.coef < 0 || scale < 0 || scale > CR_DEC_MAX_SCALE)
        return CR_DEC_DOMAIN;
    int t = (a.scale + 1) / 2 > scale ? (a.scale + 1) / 2 : scale;
    t++;
    cr_dec_u256 n = cr_dec_mul_wide((cr_u128)a.coef, cr_dec_pow10(2 * t - a.scale));
    /* n < 10^76, so its root is < 10^38 < 2^127. */
    cr_u128 root = 0;
    for (int bit = 126; bit >= 0; bit--) {
        cr_u128 cand = root | ((cr_u128)1 << bit);
        if (cr_dec_cmp_wide(cr_dec_mul_wide(cand, cand), n) <= 0)
            root = cand;
    }
    int exact = cr_dec_cmp_wide(cr_dec_mul_wide(root, root), n) == 0;
    int k = t - scale;
    cr_u128 p = cr_dec_pow10(k), r = root % p, m = root / p;
    m += (cr_u128)cr_dec_round_away(CR_ROUND_HALF_EVEN, 0, (int)(m & 1),
                                    cr_dec_half_pow(r, k, !exact), r != 0 || !exact);
    *out = cr_dec_make(0, m, scale);
    return CR_DEC_OK;
}

size_t cr_dec_format(cr_dec a, char *buf)
{
    /* A scale outside the contract is clamped so buf can never overflow. */
    int scale = a.scale < 0 ? 0 : a.scale > CR_DEC_MAX_SCALE ? CR_DEC_MAX_SCALE : a.scale;
    cr_u128 m = cr_dec_mag(a.coef);
    char rev[CR_DEC_FMT_MAX];
    int nd = 0;
    /* Digits in reverse, at least scale + 1 of them so "0.05" gets its 0s. */
    do {
        rev[nd++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m != 0 || nd <= scale);
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
