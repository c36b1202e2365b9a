/* A double as Python's repr() writes it (json_double.h).
 *
 * The digits are the fewest that read back as x; among as few, the
 * closest to x, as David Gay's dtoa (Python's) chooses.  Money read from
 * JSON or a CSV has few digits, so the common case is the exact fast
 * path: x * 10^k rounds to an integer m that m / 10^k gives back.  The
 * rest goes through printf at 15, 16 and 17 digits, each checked with
 * strtod. */
#include "runtime/io/json_double.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The powers of ten a double holds exactly. */
static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The digits of m (> 0) into d without trailing zeros; returns how many,
 * and *all the count with them. */
static int put_digits(uint64_t m, char *d, int *all)
{
    char tmp[24];
    int n = 0;
    while (m) {
        tmp[n++] = (char)('0' + m % 10);
        m /= 10;
    }
    *all = n;
    int k = 0;
    while (k < n - 1 && tmp[k] == '0')   /* the lowest digits, stored first */
        k++;
    for (int i = 0; i < n - k; i++)
        d[i] = tmp[n - 1 - i];
    return n - k;
}

/* Does the decimal digits * 10^exp read back as x?  Written with no
 * decimal point, so the locale's does not matter to strtod. */
static int reads_back(const char *digits, int n, int exp, double x)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%.*se%d", n, digits, exp);
    return strtod(buf, NULL) == x;
}

/* The shortest digits of x (finite, > 0) into d; returns how many, and
 * *decpt with x = 0.d1d2... * 10^decpt. */
static int shortest(double x, char *d, int *decpt)
{
    /* Below 2^50, x * 10^k is within 1/16 of its exact value and at most
     * one integer is within 1/8 of it, so the rounded product is the only
     * k-decimal candidate; the division is the correctly rounded value of
     * m / 10^k, which is what strtod gives for it. */
    for (int k = 0; k <= 22 && x * POW10[k] < 0x1p50; k++) {
        /* rounded by hand: exact below 2^50, and far cheaper than
         * nearbyint, a call that saves the floating-point state */
        double m = (double)(int64_t)(x * POW10[k] + 0.5);
        if (m != 0 && m / POW10[k] == x) {
            int all, n = put_digits((uint64_t)m, d, &all);
            *decpt = all - k;
            return n;
        }
    }
    /* printf's correctly rounded 15, 16 and 17 digits (from 1 for a
     * subnormal, which has fewer bits).  At 15 digits or fewer the rounded
     * one is the only candidate for a normal x; at 16, or where x's
     * interval is lopsided (a power of two) or narrow (a subnormal), its
     * neighbour may read back instead: then it is the only one that does. */
    for (int p = x < 0x1p-1022 ? 1 : 15; p <= 17; p++) {
        char buf[48], digits[24];
        snprintf(buf, sizeof buf, "%.*e", p - 1, x);
        int n = 0;
        const char *c = buf;
        for (; *c && *c != 'e'; c++)
            if (*c >= '0' && *c <= '9')
                digits[n++] = *c;
        digits[n] = '\0';
        int e10 = atoi(c + 1) - (p - 1);   /* x ~ digits * 10^e10 */
        int ok = reads_back(digits, n, e10, x);
        if (!ok && p < 17) {
            uint64_t v = strtoull(digits, NULL, 10), lo = 1;
            for (int i = 1; i < p; i++)
                lo *= 10;
            for (int step = -1; step <= 1 && !ok; step += 2) {
                uint64_t w = v + (uint64_t)(int64_t)step;
                if (w < lo || w >= lo * 10)   /* no longer p digits */
                    continue;
                snprintf(digits, sizeof digits, "%llu", (unsigned long long)w);
                ok = reads_back(digits, n, e10, x);
            }
        }
        if (ok || p == 17) {
            while (n > 1 && digits[n - 1] == '0')
                n--;
            memcpy(d, digits, (size_t)n);
            *decpt = e10 + p;
            return n;
        }
    }
    return 0;   /* not reached: 17 digits always read back */
}

size_t cr_json_double(double x, char out[CR_JSON_DOUBLE_MAX])
{
    char *o = out;
    if (signbit(x)) {
        *o++ = '-';
        x = -x;
    }
    if (x == 0) {
        memcpy(o, "0.0", 4);
        return (size_t)(o - out) + 3;
    }
    char d[24] = "0";
    int decpt, n = shortest(x, d, &decpt);
    if (decpt <= -4 || decpt > 16) {   /* repr's exponent form: 1e-05, 1.5e+16 */
        *o++ = d[0];
        if (n > 1) {
            *o++ = '.';
            memcpy(o, d + 1, (size_t)n - 1);
            o += n - 1;
        }
        o += sprintf(o, "e%c%02d", decpt - 1 < 0 ? '-' : '+', abs(decpt - 1));
    } else if (decpt <= 0) {            /* 0.00123 */
        memcpy(o, "0.", 2);
        o += 2;
        memset(o, '0', (size_t)-decpt);
        o += -decpt;
        memcpy(o, d, (size_t)n);
        o += n;
    } else if (decpt >= n) {            /* 79000.0 */
        memcpy(o, d, (size_t)n);
        o += n;
        memset(o, '0', (size_t)(decpt - n));
        o += decpt - n;
        memcpy(o, ".0", 2);
        o += 2;
    } else {                            /* 37729.36 */
        memcpy(o, d, (size_t)decpt);
        o += decpt;
        *o++ = '.';
        memcpy(o, d + decpt, (size_t)(n - decpt));
        o += n - decpt;
    }
    *o = '\0';
    return (size_t)(o - out);
}
