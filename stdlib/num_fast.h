/* The common cases of number arithmetic and ordering, inline: two numbers
 * (ints, or decimals whose coefficients fit int64) whose result fits int64
 * at the result's scale.  Most money, ratio and count arithmetic in a
 * policy is of this kind, and the VM and the built-ins run it on every
 * decision.
 *
 * Each gives exactly what its general function in num.c gives (value,
 * kind and scale: int op int is int, anything with a decimal is a decimal
 * at max(scales) for + and -, at the sum of the scales for *), or returns
 * false, and then the caller takes the general function, which also
 * reports every error. */
#ifndef CREDO_NUM_FAST_H
#define CREDO_NUM_FAST_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/core/value.h"

/* A number's coefficient in int64 and its scale (0 for an int). */
static inline bool cr_num_small(const cr_value *v, int64_t *c, int *scale)
{
    if (v->tag == CR_INT) {
        *c = v->u.i;
        *scale = 0;
        return true;
    }
    if (v->tag == CR_DEC && (int64_t)v->u.coef == v->u.coef) {
        *c = (int64_t)v->u.coef;
        *scale = v->scale;
        return true;
    }
    return false;
}

static inline void cr_num_small_put(cr_value *out, bool is_int, int64_t c, int scale)
{
    if (is_int)
        *out = cr_int(c);
    else
        cr_put_dec(out, c, scale);
}

/* Both coefficients at the larger scale, in int64. */
static inline bool cr_num_small_pair(const cr_value *a, const cr_value *b, int64_t *x, int64_t *y, int *scale)
{
    int xs, ys;
    if (!cr_num_small(a, x, &xs) || !cr_num_small(b, y, &ys))
        return false;
    if (xs < ys) {
        if (ys - xs > 18 || __builtin_mul_overflow(*x, (int64_t)cr_dec_pow10_64[ys - xs], x))
            return false;
        xs = ys;
    } else if (ys < xs) {
        if (xs - ys > 18 || __builtin_mul_overflow(*y, (int64_t)cr_dec_pow10_64[xs - ys], y))
            return false;
    }
    *scale = xs;
    return true;
}

/* a + b, or a - b when sub (a constant at every call, so no branch). */
static inline bool cr_num_addsub_fast(const cr_value *a, const cr_value *b, cr_value *out, bool sub)
{
    int64_t x, y, r;
    int scale;
    if (!cr_num_small_pair(a, b, &x, &y, &scale) ||
        (sub ? __builtin_sub_overflow(x, y, &r) : __builtin_add_overflow(x, y, &r)))
        return false;
    cr_num_small_put(out, a->tag == CR_INT && b->tag == CR_INT, r, scale);
    return true;
}

static inline bool cr_num_add_fast(const cr_value *a, const cr_value *b, cr_value *out)
{
    return cr_num_addsub_fast(a, b, out, false);
}

static inline bool cr_num_sub_fast(const cr_value *a, const cr_value *b, cr_value *out)
{
    return cr_num_addsub_fast(a, b, out, true);
}

/* A product of more than CR_DEC_MAX_SCALE places is rounded by the general
 * path, so it is not taken here. */
static inline bool cr_num_mul_fast(const cr_value *a, const cr_value *b, cr_value *out)
{
    int64_t x, y, r;
    int xs, ys;
    if (!cr_num_small(a, &x, &xs) || !cr_num_small(b, &y, &ys) || xs + ys > CR_DEC_MAX_SCALE ||
        __builtin_mul_overflow(x, y, &r))
        return false;
    cr_num_small_put(out, a->tag == CR_INT && b->tag == CR_INT, r, xs + ys);
    return true;
}

/* -1, 0, 1 as cr_num_cmp orders two numbers (a and b must be numbers), or
 * 2 when a coefficient, or a coefficient taken to the other's scale, does
 * not fit int64: then ask cr_num_cmp. */
static inline int cr_num_cmp_fast(const cr_value *a, const cr_value *b)
{
    int64_t x, y;
    if (a->tag == CR_INT && b->tag == CR_INT) {
        x = a->u.i;
        y = b->u.i;
    } else {
        int scale;
        if (!cr_num_small_pair(a, b, &x, &y, &scale))
            return 2;
    }
    return (x > y) - (x < y);
}

int cr_num_cmp(cr_value a, cr_value b);

/* cr_num_cmp without the call when the fast case applies. */
static inline int cr_num_order(const cr_value *a, const cr_value *b)
{
    int r = cr_num_cmp_fast(a, b);
    return r != 2 ? r : cr_num_cmp(*a, *b);
}

#endif
