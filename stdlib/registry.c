/* The one table of built-in functions.  The compiler checks calls against
 * it (arity, argument kinds, result kind); the VM calls through it. */
#include "stdlib/stdlib.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const cr_builtin cr_builtins[] = {
    /* math.c */
    {"min", cr_fn_min, 1, 255, "V", 'P', "smallest of the numbers, or of one list"},
    {"max", cr_fn_max, 1, 255, "V", 'P', "largest of the numbers, or of one list"},
    {"clamp", cr_fn_clamp, 3, 3, "NNN", 'P', "clamp(x, lo, hi): x kept within [lo, hi]"},
    {"abs", cr_fn_abs, 1, 1, "N", 'P', "absolute value"},
    {"sqrt", cr_fn_sqrt, 1, 1, "N", 'R', "square root, 16 fractional digits"},
    {"round", cr_fn_round, 2, 2, "NI", 'R', "round(x, n): n fractional digits, half away from zero"},
    {"round_half_even", cr_fn_round_half_even, 2, 2, "NI", 'R', "round(x, n), ties to even"},
    {"floor_to", cr_fn_floor_to, 2, 2, "NN", 'P', "largest multiple of step <= x"},
    {"ceil_to", cr_fn_ceil_to, 2, 2, "NN", 'P', "smallest multiple of step >= x"},
    {"floor", cr_fn_floor, 1, 1, "N", 'I', "largest int <= x"},
    {"ceil", cr_fn_ceil, 1, 1, "N", 'I', "smallest int >= x"},
    /* list.c */
    {"sum", cr_fn_sum, 1, 1, "L", 'E', "sum of a list of numbers (0 when empty)"},
    {"avg", cr_fn_avg, 1, 1, "L", 'R', "mean of a list of numbers (error when empty)"},
    {"count", cr_fn_count, 1, 1, "X", 'I', "number of items in a list"},
    {"stdev", cr_fn_stdev, 1, 1, "L", 'R', "population standard deviation (error when empty)"},
    /* text.c */
    {"len", cr_fn_len, 1, 1, "S", 'I', "characters in a text, items in a list"},
    {"upper", cr_fn_upper, 1, 1, "T", 'T', "text in upper case (ASCII letters)"},
    {"lower", cr_fn_lower, 1, 1, "T", 'T', "text in lower case (ASCII letters)"},
    {"starts_with", cr_fn_starts_with, 2, 2, "TT", 'B', "starts_with(text, prefix)"},
    {"ends_with", cr_fn_ends_with, 2, 2, "TT", 'B', "ends_with(text, suffix)"},
    {"contains", cr_fn_contains, 2, 2, "TT", 'B', "contains(text, part)"},
    /* date.c */
    {"days_between", cr_fn_days_between, 2, 2, "DD", 'I', "days_between(from, to): to - from in days"},
    {"months_between", cr_fn_months_between, 2, 2, "DD", 'I', "whole months from `from` to `to`"},
    {"add_months", cr_fn_add_months, 2, 2, "DI", 'D', "date n months later, clamped to the month's end"},
    {"add_days", cr_fn_add_days, 2, 2, "DI", 'D', "date n days later"},
    {"year", cr_fn_year, 1, 1, "D", 'I', "the date's year"},
    {"month", cr_fn_month, 1, 1, "D", 'I', "the date's month, 1 to 12"},
    {"day", cr_fn_day, 1, 1, "D", 'I', "the date's day of the month, 1 to 31"},
    /* lending.c */
    {"pow", cr_fn_pow, 2, 2, "NI", 'R', "pow(x, n): x to the int power n, exact up to 18 fractional digits"},
    {"equal_instalment", cr_fn_equal_instalment, 3, 3, "NNI", 'R',
     "equal_instalment(principal, annual_rate_percent, months): the level monthly payment, to cents"},
    {"equal_principal_instalment", cr_fn_equal_principal_instalment, 4, 4, "NNII", 'R',
     "equal_principal_instalment(principal, annual_rate_percent, months, k): payment k of an equal-principal loan"},
    {"apr", cr_fn_apr, 1, 1, "L", 'R', "apr(monthly_flows): the annual percentage rate by internal rate of return"},
    /* math.c: rounding to n places in the other directions */
    {"round_half_down", cr_fn_round_half_down, 2, 2, "NI", 'R', "round(x, n), ties toward zero"},
    {"round_up", cr_fn_round_up, 2, 2, "NI", 'R', "x to n fractional digits, away from zero"},
    {"round_down", cr_fn_round_down, 2, 2, "NI", 'R', "x to n fractional digits, toward zero"},
    {"round_floor", cr_fn_round_floor, 2, 2, "NI", 'R', "x to n fractional digits, toward -infinity"},
    {"round_ceil", cr_fn_round_ceil, 2, 2, "NI", 'R', "x to n fractional digits, toward +infinity"},
};

const uint32_t cr_nbuiltins = sizeof cr_builtins / sizeof cr_builtins[0];

int cr_builtin_find(const char *name)
{
    for (uint32_t i = 0; i < cr_nbuiltins; i++)
        if (strcmp(cr_builtins[i].name, name) == 0)
            return (int)i;
    return -1;
}

bool cr_call_fail(cr_call_ctx *cx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cx->err, cx->errsize, fmt, ap);
    va_end(ap);
    return false;
}
