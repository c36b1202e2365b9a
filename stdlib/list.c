/* Aggregates over lists: sum, avg, count, stdev (population).  Loops over
 * lists are only these and the language's bounded `count/any/all ... where`
 * and comprehensions, so every run ends. */
#include "stdlib.h"

CR_BUILTIN(cr_fn_sum)
{
    (void)n;
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
    cr_value total;
    if (!cr_fn_sum(cx, args, 1, &total))
        return false;
    return cr_num_div(cx, total, cr_int(args[0].len), out);
}

CR_BUILTIN(cr_fn_count)
{
    (void)cx;
    (void)n;
    *out = cr_int(args[0].len);
    return true;
}

/* sqrt(sum((x - mean)^2) / n), with the mean and the sum exact. */
CR_BUILTIN(cr_fn_stdev)
{
    (void)n;
    uint32_t len = args[0].len;
    if (len == 0)
        return cr_call_fail(cx, "stdev of an empty list");
    cr_value mean, acc = cr_int(0), d, sq, var;
    if (!cr_fn_avg(cx, args, 1, &mean))
        return false;
    for (uint32_t i = 0; i < len; i++) {
        if (!cr_num_sub(cx, args[0].u.items[i], mean, &d) || !cr_num_mul(cx, d, d, &sq) ||
            !cr_num_add(cx, acc, sq, &acc))
            return false;
    }
    if (!cr_num_div(cx, acc, cr_int(len), &var))
        return false;
    cr_dec r;
    return cr_dec_result(cx, cr_dec_sqrt(cr_value_dec(var), CR_DEC_DIV_SCALE, &r), r, out);
}
