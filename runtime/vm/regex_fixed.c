/* The parser of the fixed-shape patterns of regex_fixed.h: one pass,
 * refusing (NULL) at the first thing outside the grammar. */
#include "runtime/vm/regex_fixed.h"

#include <stdlib.h>

#define MAX_COUNT 999
#define MAX_LENGTH 65536

static bool printable(unsigned char c) { return c >= 0x20 && c <= 0x7e; }
static bool alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
static void add(cr_regex_run *r, unsigned char c) { r->set[c >> 6] |= (uint64_t)1 << (c & 63); }

/* A class body from p (after '['); returns the position after ']', or NULL. */
static const unsigned char *parse_class(const unsigned char *p, const unsigned char *end, cr_regex_run *r)
{
    if (p < end && (*p == '^' || *p == ']' || *p == ':' || *p == '.' || *p == '='))
        return NULL;                       /* negated, ']' as a member, or POSIX [:x:] [.x.] [=x=] */
    const unsigned char *first = p;
    while (p < end && *p != ']') {
        unsigned char c = *p;
        if (!printable(c) || c == '\\' || c == '[')
            return NULL;
        if (c == '-' && p != first && !(p + 1 < end && p[1] == ']'))
            return NULL;                   /* a '-' neither first nor last, outside a range */
        if (c != '-' && p + 2 < end && p[1] == '-' && p[2] != ']') {
            unsigned char d = p[2];
            if (!printable(d) || d == '\\' || d == '[' || d == '-' || d < c)
                return NULL;
            for (unsigned x = c; x <= d; x++)
                add(r, (unsigned char)x);
            p += 3;
            continue;
        }
        add(r, c);
        p++;
    }
    if (p == end || p == first)
        return NULL;                       /* unclosed, or empty */
    return p + 1;
}

cr_regex_fixed *cr_regex_fixed_compile(const char *pat, size_t len)
{
    const unsigned char *p = (const unsigned char *)pat, *end = p + len;
    if (len < 2 || p[0] != '^' || end[-1] != '$')
        return NULL;
    p++;
    end--;                                 /* the final '$': atoms are before it */
    /* at most one run per pattern byte */
    cr_regex_fixed *re = calloc(1, sizeof *re + len * sizeof re->runs[0]);
    if (!re)
        return NULL;
    while (p < end) {
        cr_regex_run *r = &re->runs[re->nruns];
        unsigned char c = *p;
        if (c == '[') {
            p = parse_class(p + 1, end, r);
            if (!p)
                goto refuse;
        } else if (c == '\\') {
            if (p + 1 >= end)
                goto refuse;
            unsigned char e = p[1];
            if (e == 'd') {
                for (unsigned x = '0'; x <= '9'; x++)
                    add(r, (unsigned char)x);
            } else if (printable(e) && !alnum(e)) {
                add(r, e);
            } else {
                goto refuse;
            }
            p += 2;
        } else if (printable(c) && c != '^' && c != '$' && c != '.' && c != '|' && c != '(' && c != ')' &&
                   c != '?' && c != '*' && c != '+' && c != '{') {
            add(r, c);
            p++;
        } else {
            goto refuse;
        }
        r->count = 1;
        if (p < end && *p == '{') {
            uint32_t n = 0;
            int digits = 0;
            p++;
            while (p < end && *p >= '0' && *p <= '9' && digits < 3) {
                n = n * 10 + (uint32_t)(*p - '0');
                p++;
                digits++;
            }
            if (digits == 0 || p >= end || *p != '}' || n < 1 || n > MAX_COUNT)
                goto refuse;
            p++;
            r->count = n;
        }
        if (p < end && (*p == '?' || *p == '*' || *p == '+' || *p == '{'))
            goto refuse;                   /* another quantifier, lazy or possessive */
        re->length += r->count;
        re->nruns++;
        if (re->length > MAX_LENGTH)
            goto refuse;
    }
    return re;
refuse:
    free(re);
    return NULL;
}
