/* Exact decimal arithmetic for number, money and rate.
 *
 * A decimal is coef * 10^-scale with a signed 128-bit coefficient.  Every
 * result is exact or an error: + - * never round (unless a product would
 * carry more than CR_DEC_MAX_SCALE fractional digits, then it is rounded
 * half-even to that scale); / rounds half-even to CR_DEC_DIV_SCALE
 * fractional digits.  A coefficient of more than CR_DEC_MAX_DIGITS digits is
 * an overflow, reported, never wrapped.  No result depends on a double
 * (a square root's first guess is one, corrected exactly in integers). */
#ifndef CREDO_DECIMAL_H
#define CREDO_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

typedef __int128 cr_i128;
typedef unsigned __int128 cr_u128;

typedef struct cr_dec {
    cr_i128 coef;
    int32_t scale; /* 0 .. CR_DEC_MAX_SCALE */
} cr_dec;

#define CR_DEC_MAX_SCALE 18
#define CR_DEC_DIV_SCALE 16
/* A coefficient has at most 38 decimal digits (|coef| <= 10^38 - 1). */
#define CR_DEC_MAX_DIGITS 38
/* Longest text cr_dec_format can write, with sign, point and NUL. */
#define CR_DEC_FMT_MAX 48

typedef enum cr_dec_status {
    CR_DEC_OK = 0,
    CR_DEC_OVERFLOW,  /* result does not fit */
    CR_DEC_DIVZERO,   /* division (or step) by zero */
    CR_DEC_SYNTAX,    /* text is not a number */
    CR_DEC_PRECISION, /* text has more fractional digits than CR_DEC_MAX_SCALE */
    CR_DEC_DOMAIN     /* e.g. square root of a negative number */
} cr_dec_status;

typedef enum cr_round_mode {
    CR_ROUND_HALF_UP,   /* ties away from zero: 2.345 -> 2.35, -2.345 -> -2.35 */
    CR_ROUND_HALF_EVEN, /* ties to even: 2.345 -> 2.34, 2.355 -> 2.36 */
    CR_ROUND_FLOOR,     /* toward -infinity */
    CR_ROUND_CEIL,      /* toward +infinity */
    CR_ROUND_DOWN,      /* toward zero */
    CR_ROUND_UP,        /* away from zero */
    CR_ROUND_HALF_DOWN  /* ties toward zero: 2.345 -> 2.34, -2.345 -> -2.34 */
} cr_round_mode;

const char *cr_dec_status_text(cr_dec_status st);

/* Parses a JSON-style number (optional '-', digits, optional fraction,
 * optional exponent) from exactly n bytes.  "-0" is zero.  Trailing zeros
 * beyond CR_DEC_MAX_SCALE are dropped; other excess digits are
 * CR_DEC_PRECISION.  The scale of the result is the number of fractional
 * digits written (after applying the exponent, never below 0). */
cr_dec_status cr_dec_parse(const char *s, size_t n, cr_dec *out);

/* (hi * 2^64 + lo) / d and the remainder, for hi < d: the quotient fits 64
 * bits.  One divq on x86-64; elsewhere the compiler's 128-bit division. */
static inline uint64_t cr_dec_div_2by1(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem)
{
#if defined(__x86_64__) && defined(__GNUC__)
    uint64_t q, r;
    __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
    *rem = r;
    return q;
#else
    cr_u128 cur = ((cr_u128)hi << 64) | lo;
    uint64_t q = (uint64_t)(cur / d);
    *rem = lo - q * d;
    return q;
#endif
}

/* x / d and *rem = x % d for a 64-bit d > 0: two hardware divisions at
 * most, no call to the 128-bit division routine. */
static inline cr_u128 cr_dec_div_u64(cr_u128 x, uint64_t d, uint64_t *rem)
{
    uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
    if (hi == 0) {
        *rem = lo % d;
        return lo / d;
    }
    uint64_t qhi = hi / d;
    uint64_t qlo = cr_dec_div_2by1(hi % d, lo, d, rem);
    return ((cr_u128)qhi << 64) | qlo;
}

/* 10^19, the largest power of ten in 64 bits. */
#define CR_DEC_P19 10000000000000000000u
/* 10^38 - 1, the largest coefficient magnitude (unsigned __int128). */
#define CR_DEC_MAX_COEF ((unsigned __int128)CR_DEC_P19 * CR_DEC_P19 - 1)

/* 10^n for 0 <= n <= 19: the one table of powers of ten, shared by the
 * stdlib's and the VM's int64 fast paths. */
extern const uint64_t cr_dec_pow10_64[20];

static inline cr_dec cr_dec_from_int(int64_t i) { cr_dec d = {(cr_i128)i, 0}; return d; }
/* Exact conversion: fails with CR_DEC_PRECISION when a has a nonzero
 * fraction, CR_DEC_OVERFLOW when it does not fit in int64. */
cr_dec_status cr_dec_to_int(cr_dec a, int64_t *out);

cr_dec_status cr_dec_add(cr_dec a, cr_dec b, cr_dec *out);
cr_dec_status cr_dec_sub(cr_dec a, cr_dec b, cr_dec *out);
cr_dec_status cr_dec_mul(cr_dec a, cr_dec b, cr_dec *out);
/* Quotient rounded half-even at CR_DEC_DIV_SCALE fractional digits, then
 * trailing zeros dropped down to max(a.scale, b.scale). */
cr_dec_status cr_dec_div(cr_dec a, cr_dec b, cr_dec *out);
cr_dec cr_dec_neg(cr_dec a);
cr_dec cr_dec_abs(cr_dec a);
/* -1, 0, 1 by value (1.0 == 1.00). */
int cr_dec_cmp(cr_dec a, cr_dec b);
static inline int cr_dec_sign(cr_dec a) { return (a.coef > 0) - (a.coef < 0); }

/* Rounds to n fractional digits (0 <= n <= CR_DEC_MAX_SCALE); the result
 * has scale exactly n (2.5 rounded to 2 digits is 2.50). */
cr_dec_status cr_dec_round(cr_dec a, int n, cr_round_mode mode, cr_dec *out);
/* Largest multiple of step <= a (floor_to), smallest >= a (ceil_to);
 * step must be > 0, else CR_DEC_DIVZERO / CR_DEC_DOMAIN. */
cr_dec_status cr_dec_floor_to(cr_dec a, cr_dec step, cr_dec *out);
cr_dec_status cr_dec_ceil_to(cr_dec a, cr_dec step, cr_dec *out);
/* Square root rounded half-even to `scale` fractional digits. */
cr_dec_status cr_dec_sqrt(cr_dec a, int scale, cr_dec *out);

/* Writes a exactly, with its scale ("6.30", "-0.05", "12"), NUL
 * terminated, into buf (at least CR_DEC_FMT_MAX bytes); returns length. */
size_t cr_dec_format(cr_dec a, char *buf);

#endif
