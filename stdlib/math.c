/* min, max, clamp, abs, sqrt, round, round_half_even, round_half_down,
 * round_up, round_down, round_floor, round_ceil, floor_to, ceil_to, floor,
 * ceil. */
#include "stdlib/stdlib.h"

/* min/max take numbers, or one list of numbers. */
static bool extreme(cr_call_ctx *cx, const cr_value *args, uint32_t n, cr_value *out, int want, const char *name)
{
    const cr_value *xs = args;
    uint32_t len = n;
    if (n == 1 && (args[0].tag == CR_LIST || args[0].tag == CR_SET)) {
        xs = args[0].u.items;
        len = args[0].len;
        cx->work += len;
        if (len == 0)
            return cr_call_fail(cx, "%s of an empty list", name);
    }
    const cr_value *best = &xs[0];
    bool any_dec = xs[0].tag == CR_DEC;
    for (uint32_t i = 1; i < len; i++) {
        any_dec |= xs[i].tag == CR_DEC;
        if (cr_num_order(&xs[i], best) == want)
            best = &xs[i];
    }
    /* the compiler typed the call decimal when any argument is */
    *out = any_dec && best->tag == CR_INT ? cr_decv(cr_value_dec(*best)) : *best;
    return true;
}

CR_BUILTIN(cr_fn_min) { return extreme(cx, args, n, out, -1, "min"); }
CR_BUILTIN(cr_fn_max) { return extreme(cx, args, n, out, 1, "max"); }

CR_BUILTIN(cr_fn_clamp)
{
    (void)n;
    if (cr_num_order(&args[1], &args[2]) > 0)
        return cr_call_fail(cx, "clamp: the lower bound is above the upper bound");
    cr_value v = args[0];
    if (cr_num_order(&v, &args[1]) < 0) v = args[1];
    if (cr_num_order(&v, &args[2]) > 0) v = args[2];
    /* keep the kind the compiler promised: decimal when any argument is */
    if (v.tag == CR_INT && (args[0].tag == CR_DEC || args[1].tag == CR_DEC || args[2].tag == CR_DEC))
        v = cr_decv(cr_value_dec(v));
    *out = v;
    return true;
}

CR_BUILTIN(cr_fn_abs)
{
    (void)n;
    if (cr_num_cmp(args[0], cr_int(0)) < 0)
        return cr_num_neg(cx, args[0], out);
    *out = args[0];
    return true;
}

CR_BUILTIN(cr_fn_sqrt)
{
    (void)n;
    cr_dec d;
    if (cr_num_cmp(args[0], cr_int(0)) < 0)
        return cr_call_fail(cx, "square root of a negative number");
    return cr_dec_result(cx, cr_dec_sqrt(cr_value_dec(args[0]), CR_DEC_DIV_SCALE, &d), d, out);
}

static bool round_to(cr_call_ctx *cx, const cr_value *args, cr_value *out, cr_round_mode mode)
{
    int64_t digits = args[1].u.i;
    if (digits < 0 || digits > CR_DEC_MAX_SCALE)
        return cr_call_fail(cx, "round: %lld fractional digits; use 0 to %d", (long long)digits, CR_DEC_MAX_SCALE);
    cr_dec d;
    return cr_dec_result(cx, cr_dec_round(cr_value_dec(args[0]), (int)digits, mode, &d), d, out);
}

CR_BUILTIN(cr_fn_round) { (void)n; return round_to(cx, args, out, CR_ROUND_HALF_UP); }
CR_BUILTIN(cr_fn_round_half_even) { (void)n; return round_to(cx, args, out, CR_ROUND_HALF_EVEN); }
CR_BUILTIN(cr_fn_round_half_down) { (void)n; return round_to(cx, args, out, CR_ROUND_HALF_DOWN); }
CR_BUILTIN(cr_fn_round_up) { (void)n; return round_to(cx, args, out, CR_ROUND_UP); }
CR_BUILTIN(cr_fn_round_down) { (void)n; return round_to(cx, args, out, CR_ROUND_DOWN); }
CR_BUILTIN(cr_fn_round_floor) { (void)n; return round_to(cx, args, out, CR_ROUND_FLOOR); }
CR_BUILTIN(cr_fn_round_ceil) { (void)n; return round_to(cx, args, out, CR_ROUND_CEIL); }

static bool to_step(cr_call_ctx *cx, const cr_value *args, cr_value *out, bool up)
{
    const cr_value zero = cr_int(0);
    if (cr_num_order(&args[1], &zero) <= 0)
        return cr_call_fail(cx, "%s: the step must be above zero", up ? "ceil_to" : "floor_to");
    cr_dec d;
    cr_dec_status st = up ? cr_dec_ceil_to(cr_value_dec(args[0]), cr_value_dec(args[1]), &d)
                          : cr_dec_floor_to(cr_value_dec(args[0]), cr_value_dec(args[1]), &d);
    if (!cr_dec_result(cx, st, d, out))
        return false;
    if (args[0].tag == CR_INT && args[1].tag == CR_INT) {
        int64_t i;
        if (cr_dec_to_int(d, &i) != CR_DEC_OK)
            return cr_call_fail(cx, "number is out of range");
        *out = cr_int(i);
    }
    return true;
}

CR_BUILTIN(cr_fn_floor_to) { (void)n; return to_step(cx, args, out, false); }
CR_BUILTIN(cr_fn_ceil_to) { (void)n; return to_step(cx, args, out, true); }

static bool to_int(cr_call_ctx *cx, cr_value v, cr_round_mode mode, cr_value *out)
{
    if (v.tag == CR_INT) {
        *out = v;
        return true;
    }
    cr_dec d;
    int64_t i;
    cr_dec_status st = cr_dec_round(cr_value_dec(v), 0, mode, &d);
    if (st == CR_DEC_OK)
        st = cr_dec_to_int(d, &i);
    if (st != CR_DEC_OK)
        return cr_call_fail(cx, "%s", cr_dec_status_text(st));
    *out = cr_int(i);
    return true;
}

CR_BUILTIN(cr_fn_floor) { (void)n; return to_int(cx, args[0], CR_ROUND_FLOOR, out); }
CR_BUILTIN(cr_fn_ceil) { (void)n; return to_int(cx, args[0], CR_ROUND_CEIL, out); }
