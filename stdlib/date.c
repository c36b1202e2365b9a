/* days_between, months_between, add_months, add_days, year.  Dates are day
 * numbers (runtime/core/date.h); `today` is the evaluation's as-of date. */
#include "stdlib/stdlib.h"

#include "runtime/core/date.h"

CR_BUILTIN(cr_fn_days_between)
{
    (void)cx;
    (void)n;
    *out = cr_int(args[1].u.i - args[0].u.i);
    return true;
}

/* Whole months from a to b: 2026-01-15 to 2026-02-14 is 0 months, to
 * 2026-02-15 is 1; 2026-01-31 to 2026-02-28 (the month's end) is 1.
 * Negative when b is before a. */
CR_BUILTIN(cr_fn_months_between)
{
    (void)cx;
    (void)n;
    int64_t y1, y2;
    unsigned m1, d1, m2, d2;
    int64_t a = args[0].u.i, b = args[1].u.i;
    int sign = 1;
    if (b < a) {
        int64_t t = a; a = b; b = t;
        sign = -1;
    }
    cr_civil_from_days(a, &y1, &m1, &d1);
    cr_civil_from_days(b, &y2, &m2, &d2);
    int64_t months = (y2 - y1) * 12 + ((int64_t)m2 - (int64_t)m1);
    /* the last day of a shorter month completes the month, so that
     * months_between(d, add_months(d, n)) is n: 01-31 to 02-28 is 1 */
    bool month_end = !cr_date_valid(y2, m2, d2 + 1);
    if (d2 < d1 && !month_end)
        months--;
    *out = cr_int(sign * months);
    return true;
}

CR_BUILTIN(cr_fn_add_months)
{
    (void)n;
    int64_t y;
    unsigned m, d;
    cr_civil_from_days(args[0].u.i, &y, &m, &d);
    int64_t k = args[1].u.i;
    if (k > 120000 || k < -120000)
        return cr_call_fail(cx, "add_months: %lld months is out of range", (long long)k);
    int64_t total = y * 12 + (int64_t)(m - 1) + k;
    int64_t ny = total >= 0 ? total / 12 : -((-total + 11) / 12);
    unsigned nm = (unsigned)(total - ny * 12) + 1;
    while (d > 28 && !cr_date_valid(ny, nm, d))
        d--; /* the 31st of a shorter month is its last day */
    *out = cr_date(cr_days_from_civil(ny, nm, d));
    return true;
}

CR_BUILTIN(cr_fn_add_days)
{
    (void)n;
    int64_t r;
    if (__builtin_add_overflow(args[0].u.i, args[1].u.i, &r) || r > 3000000 || r < -3000000)
        return cr_call_fail(cx, "add_days: the date is out of range");
    *out = cr_date(r);
    return true;
}

CR_BUILTIN(cr_fn_month)
{
    (void)cx;
    (void)n;
    int64_t y;
    unsigned m, d;
    cr_civil_from_days(args[0].u.i, &y, &m, &d);
    *out = cr_int(m);
    return true;
}

CR_BUILTIN(cr_fn_day)
{
    (void)cx;
    (void)n;
    int64_t y;
    unsigned m, d;
    cr_civil_from_days(args[0].u.i, &y, &m, &d);
    *out = cr_int(d);
    return true;
}

CR_BUILTIN(cr_fn_year)
{
    (void)cx;
    (void)n;
    int64_t y;
    unsigned m, d;
    cr_civil_from_days(args[0].u.i, &y, &m, &d);
    *out = cr_int(y);
    return true;
}
