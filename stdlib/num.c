/* Arithmetic and ordering on run-time values, shared by the VM and the
 * built-ins.  int op int stays int (overflow is an error, never a wrap);
 * anything with a decimal is exact decimal arithmetic (runtime/core/decimal.c). */
#include "stdlib/stdlib.h"

#include <string.h>

bool cr_dec_result(cr_call_ctx *cx, cr_dec_status st, cr_dec d, cr_value *out)
{
    if (st != CR_DEC_OK)
        return cr_call_fail(cx, "%s", cr_dec_status_text(st));
    cr_put_dec(out, d.coef, d.scale);
    return true;
}

/* Decimal results: an overflow names the operation that overflowed. */
static bool dec_op(cr_call_ctx *cx, cr_dec_status st, cr_dec d, cr_value *out, const char *op)
{
    if (st == CR_DEC_OVERFLOW)
        return cr_call_fail(cx, "'%s' overflows: the result needs more than %d digits", op, CR_DEC_MAX_DIGITS);
    return cr_dec_result(cx, st, d, out);
}

bool cr_num_add(cr_call_ctx *cx, cr_value a, cr_value b, cr_value *out)
{
    if (cr_num_add_fast(&a, &b, out))
        return true;
    if (a.tag == CR_INT && b.tag == CR_INT) {
        int64_t r;
        if (__builtin_add_overflow(a.u.i, b.u.i, &r))
            return cr_call_fail(cx, "int overflow in %lld + %lld", (long long)a.u.i, (long long)b.u.i);
        *out = cr_int(r);
        return true;
    }
    cr_dec d;
    return dec_op(cx, cr_dec_add(cr_value_dec(a), cr_value_dec(b), &d), d, out, "+");
}

bool cr_num_sub(cr_call_ctx *cx, cr_value a, cr_value b, cr_value *out)
{
    if (cr_num_sub_fast(&a, &b, out))
        return true;
    if (a.tag == CR_INT && b.tag == CR_INT) {
        int64_t r;
        if (__builtin_sub_overflow(a.u.i, b.u.i, &r))
            return cr_call_fail(cx, "int overflow in %lld - %lld", (long long)a.u.i, (long long)b.u.i);
        *out = cr_int(r);
        return true;
    }
    cr_dec d;
    return dec_op(cx, cr_dec_sub(cr_value_dec(a), cr_value_dec(b), &d), d, out, "-");
}

bool cr_num_mul(cr_call_ctx *cx, cr_value a, cr_value b, cr_value *out)
{
    if (cr_num_mul_fast(&a, &b, out))
        return true;
    if (a.tag == CR_INT && b.tag == CR_INT) {
        int64_t r;
        if (__builtin_mul_overflow(a.u.i, b.u.i, &r))
            return cr_call_fail(cx, "int overflow in %lld * %lld", (long long)a.u.i, (long long)b.u.i);
        *out = cr_int(r);
        return true;
    }
    cr_dec d;
    return dec_op(cx, cr_dec_mul(cr_value_dec(a), cr_value_dec(b), &d), d, out, "*");
}

bool cr_num_div(cr_call_ctx *cx, cr_value a, cr_value b, cr_value *out)
{
    cr_dec d;
    return dec_op(cx, cr_dec_div(cr_value_dec(a), cr_value_dec(b), &d), d, out, "/");
}

/* (r * 10) mod m for r < m < 2^127, without passing 2^128: 10r is 8r + 2r,
 * each doubling reduced as it goes. */
static cr_u128 mul10_mod(cr_u128 r, cr_u128 m)
{
    cr_u128 r2 = r << 1;
    if (r2 >= m)
        r2 -= m;
    cr_u128 r8 = r2;
    for (int i = 0; i < 2; i++) {
        r8 <<= 1;
        if (r8 >= m)
            r8 -= m;
    }
    cr_u128 t = r8 + r2;
    return t >= m ? t - m : t;
}

/* Floored modulo: the result has the sign of b.  Exact for every pair of
 * decimals: both are brought to the larger scale, where the remainder of
 * their coefficients is computed digit by digit when the dividend's would
 * not fit, so no quotient is ever formed (a % b fits whenever b does;
 * only a result that needs more than 38 digits, a tiny negative a with a
 * huge b, is an overflow). */
bool cr_num_mod(cr_call_ctx *cx, cr_value a, cr_value b, cr_value *out)
{
    if (a.tag == CR_INT && b.tag == CR_INT) {
        if (b.u.i == 0)
            return cr_call_fail(cx, "division by zero");
        if (b.u.i == -1) {
            *out = cr_int(0);
            return true;
        }
        int64_t r = a.u.i % b.u.i;
        if (r != 0 && ((r < 0) != (b.u.i < 0)))
            r += b.u.i;
        *out = cr_int(r);
        return true;
    }
    cr_dec x = cr_value_dec(a), y = cr_value_dec(b), r;
    if (cr_dec_sign(y) == 0)
        return cr_call_fail(cx, "division by zero");
    int scale = x.scale > y.scale ? x.scale : y.scale;
    cr_u128 ax = (cr_u128)(x.coef < 0 ? -x.coef : x.coef), ay = (cr_u128)(y.coef < 0 ? -y.coef : y.coef);
    cr_u128 m;   /* |b| at the common scale, or a's magnitude already below it */
    cr_u128 rem;
    if (y.scale < scale) {
        /* |b| scaled up; past 38 digits it is larger than any |a| at this
         * scale, and a result near it would not fit: cr_dec_add says so */
        const cr_u128 max = (cr_u128)cr_dec_pow10_64[19] * cr_dec_pow10_64[19] - 1;
        cr_u128 f = cr_dec_pow10_64[scale - y.scale];
        if (ay > max / f) {
            rem = ax;
            m = 0;
        } else {
            m = ay * f;
            rem = ax % m;
        }
    } else {
        m = ay;
        rem = ax % m;
        for (int i = x.scale; i < scale; i++)   /* |a| * 10^(scale - x.scale) mod m */
            rem = mul10_mod(rem, m);
    }
    if (rem == 0) {
        r.coef = 0;
        r.scale = scale;
        return cr_dec_result(cx, CR_DEC_OK, r, out);
    }
    r.coef = (cr_i128)rem;
    r.scale = scale;
    if (x.coef < 0)
        r.coef = -r.coef;
    /* truncated remainder has a's sign; floored takes b's: add b once */
    if ((r.coef < 0) != (y.coef < 0)) {
        if (m) {
            r.coef = r.coef < 0 ? (cr_i128)(m - rem) : -(cr_i128)(m - rem);
            return cr_dec_result(cx, CR_DEC_OK, r, out);
        }
        return dec_op(cx, cr_dec_add(r, y, &r), r, out, "%");
    }
    return cr_dec_result(cx, CR_DEC_OK, r, out);
}

bool cr_num_neg(cr_call_ctx *cx, cr_value a, cr_value *out)
{
    if (a.tag == CR_INT) {
        if (a.u.i == INT64_MIN)
            return cr_call_fail(cx, "int overflow in -(%lld)", (long long)a.u.i);
        *out = cr_int(-a.u.i);
        return true;
    }
    *out = cr_decv(cr_dec_neg(cr_value_dec(a)));
    return true;
}

int cr_num_cmp(cr_value a, cr_value b)
{
    int r = cr_num_cmp_fast(&a, &b);
    if (r != 2)
        return r;
    return cr_dec_cmp(cr_value_dec(a), cr_value_dec(b));
}

int cr_value_cmp(cr_value a, cr_value b)
{
    if ((a.tag == CR_INT || a.tag == CR_DEC) && (b.tag == CR_INT || b.tag == CR_DEC))
        return cr_num_cmp(a, b);
    if (a.tag != b.tag)
        return a.tag < b.tag ? -1 : 1;
    switch ((cr_tag)a.tag) {
    case CR_NULL: return 0;
    case CR_BOOL: return (a.u.b > b.u.b) - (a.u.b < b.u.b);
    case CR_DATE: return (a.u.i > b.u.i) - (a.u.i < b.u.i);
    case CR_TEXT: return cr_text_cmp(&a, &b);
    default:
        return cr_value_eq(a, b) ? 0 : 1;
    }
}

bool cr_value_eq(cr_value a, cr_value b)
{
    if ((a.tag == CR_INT || a.tag == CR_DEC) && (b.tag == CR_INT || b.tag == CR_DEC))
        return cr_num_cmp(a, b) == 0;
    if (a.tag != b.tag)
        return false;
    switch ((cr_tag)a.tag) {
    case CR_NULL: return true;
    case CR_BOOL: return a.u.b == b.u.b;
    case CR_DATE: return a.u.i == b.u.i;
    case CR_TEXT: return cr_text_eq(&a, &b);
    case CR_LIST: case CR_SET: case CR_RECORD:
        if (a.len != b.len)
            return false;
        for (uint32_t i = 0; i < a.len; i++)
            if (!cr_value_eq(a.u.items[i], b.u.items[i]))
                return false;
        return true;
    default:
        return false;
    }
}
