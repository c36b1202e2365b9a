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

/* Floored modulo: the result has the sign of b. */
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
    cr_dec x = cr_value_dec(a), y = cr_value_dec(b), q, f, m, r;
    if (cr_dec_sign(y) == 0)
        return cr_call_fail(cx, "division by zero");
    /* a - b * floor(a / b), with the quotient floored exactly */
    cr_dec_status st = cr_dec_div(x, y, &q);
    if (st == CR_DEC_OK) st = cr_dec_round(q, 0, CR_ROUND_FLOOR, &f);
    if (st == CR_DEC_OK) st = cr_dec_mul(y, f, &m);
    if (st == CR_DEC_OK) st = cr_dec_sub(x, m, &r);
    /* the quotient was rounded at 16 digits: correct a remainder that
     * came out one step past b */
    if (st == CR_DEC_OK && cr_dec_sign(r) != 0 && cr_dec_sign(r) != cr_dec_sign(y))
        st = cr_dec_add(r, y, &r);
    return cr_dec_result(cx, st, r, out);
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
