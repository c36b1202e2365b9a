/* The logic of a chain of tests of one value: whether the tests of an
 * and-chain leave no value (`age > 60 and age < 20`), and whether those of
 * an or-chain leave none out (`x >= 0 or x < 0`).  A test is `path op
 * literal` (either way round; ==, !=, <, <=, >, >=), `path in a..b` or
 * `path not in a..b` with literal ends, or `not` of one, over a number, an
 * int or a date; each is the set of values it lets through, at most a few
 * intervals.  Over ints and dates the values are whole (`x > 5 and x < 6`
 * leaves none).  Any other test is left out, which can only hide a
 * contradiction or a tautology, never invent one.  sema_warn.c warns with
 * the answers. */
#include <stdio.h>
#include <string.h>

#include "lang/sema_private.h"

#define MAX_PARTS 8     /* intervals in the values of one test or of a meet */
#define MAX_TESTS 32    /* tests of one chain looked at */

typedef struct ivset {
    interval part[MAX_PARTS];
    uint32_t n;
} ivset;

typedef struct test {
    char path[128];
    bool whole;         /* int or date: the values are whole numbers */
    ivset values;
} test;

/* The number a literal (or a const naming one) holds: numbers, and dates
 * as their day numbers. */
static bool literal_number(const cr_expr *e, cr_dec *out, bool *is_date)
{
    if (!e)
        return false;
    switch (e->kind) {
    case E_INT: *out = cr_dec_from_int(e->u.ival); *is_date = false; return true;
    case E_DEC: *out = e->u.dval; *is_date = false; return true;
    case E_DATE: *out = cr_dec_from_int(e->u.ival); *is_date = true; return true;
    case E_NAME:
        if (e->ref == REF_ITEM && e->item && e->item->kind == I_CONST)
            return literal_number(e->item->expr, out, is_date);
        return false;
    default:
        return false;
    }
}

static interval below(cr_dec v, bool open) { return (interval){.known = true, .lo_inf = true, .hi = v, .hi_open = open}; }
static interval above(cr_dec v, bool open) { return (interval){.known = true, .hi_inf = true, .lo = v, .lo_open = open}; }
static interval between(cr_dec lo, cr_dec hi) { return (interval){.known = true, .lo = lo, .hi = hi}; }

/* Does x hold no value (no whole one, when whole)? */
static bool empty(interval x, bool whole)
{
    if (whole)
        x = cr_sema_int_interval(x);
    if (!x.known || x.lo_inf || x.hi_inf)
        return false;
    int c = cr_dec_cmp(x.lo, x.hi);
    return c > 0 || (c == 0 && (x.lo_open || x.hi_open));
}

static interval meet(interval x, interval y)
{
    interval r = x;
    if (!y.lo_inf) {
        int c = x.lo_inf ? -1 : cr_dec_cmp(x.lo, y.lo);
        if (c < 0 || (c == 0 && y.lo_open)) { r.lo_inf = false; r.lo = y.lo; r.lo_open = y.lo_open; }
    }
    if (!y.hi_inf) {
        int c = x.hi_inf ? 1 : cr_dec_cmp(x.hi, y.hi);
        if (c > 0 || (c == 0 && y.hi_open)) { r.hi_inf = false; r.hi = y.hi; r.hi_open = y.hi_open; }
    }
    return r;
}

/* The values outside x: at most two intervals. */
static ivset outside(interval x)
{
    ivset s = {.n = 0};
    if (!x.lo_inf)
        s.part[s.n++] = below(x.lo, !x.lo_open);
    if (!x.hi_inf)
        s.part[s.n++] = above(x.hi, !x.hi_open);
    return s;
}

/* The values outside a set: the meet of what is outside each part. */
static bool complement(const ivset *a, ivset *out, bool whole);

/* The parts of a and b that meet, dropping the empty ones; false when
 * there would be more than MAX_PARTS. */
static bool meet_sets(const ivset *a, const ivset *b, ivset *out, bool whole)
{
    ivset r = {.n = 0};
    for (uint32_t i = 0; i < a->n; i++)
        for (uint32_t j = 0; j < b->n; j++) {
            interval m = meet(a->part[i], b->part[j]);
            if (empty(m, whole))
                continue;
            if (r.n == MAX_PARTS)
                return false;
            r.part[r.n++] = m;
        }
    *out = r;
    return true;
}

/* Is every part of s empty? */
static bool none_left(const ivset *s, bool whole)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (!empty(s->part[i], whole))
            return false;
    return true;
}

static bool complement(const ivset *a, ivset *out, bool whole)
{
    ivset r = {.n = 1, .part = {{.known = true, .lo_inf = true, .hi_inf = true}}};
    for (uint32_t i = 0; i < a->n; i++) {
        ivset o = outside(a->part[i]);
        if (!meet_sets(&r, &o, &r, whole))
            return false;
    }
    *out = r;
    return true;
}

/* e as one test of a path, when it is one this file reads. */
static bool read_test(const cr_expr *e, test *t)
{
    cr_dec v, w;
    bool d1, d2;
    if (e->kind == E_UNARY && e->u.bin.op == OP_NOT_) {
        test inner;
        if (!read_test(e->u.bin.a, &inner) || !complement(&inner.values, &t->values, inner.whole))
            return false;
        memcpy(t->path, inner.path, sizeof t->path);
        t->whole = inner.whole;
        return true;
    }
    const cr_expr *x;
    if (e->kind == E_BETWEEN) {
        x = e->u.tri.a;
        if (!literal_number(e->u.tri.b, &v, &d1) || !literal_number(e->u.tri.c, &w, &d2))
            return false;
        t->values = (ivset){.n = 1, .part = {between(v, w)}};
        if (e->u.tri.negate && !complement(&t->values, &t->values, false))
            return false;
    } else if (e->kind == E_BINARY && e->u.bin.op >= OP_EQ_ && e->u.bin.op <= OP_GE_) {
        cr_op op = e->u.bin.op;
        x = e->u.bin.a;
        if (!literal_number(e->u.bin.b, &v, &d1)) {
            if (!literal_number(e->u.bin.a, &v, &d1))
                return false;
            x = e->u.bin.b;   /* literal op path: turn it round */
            op = op == OP_LT_ ? OP_GT_ : op == OP_LE_ ? OP_GE_ : op == OP_GT_ ? OP_LT_ : op == OP_GE_ ? OP_LE_ : op;
        }
        switch (op) {
        case OP_EQ_: t->values = (ivset){.n = 1, .part = {between(v, v)}}; break;
        case OP_NE_: t->values = (ivset){.n = 2, .part = {below(v, true), above(v, true)}}; break;
        case OP_LT_: t->values = (ivset){.n = 1, .part = {below(v, true)}}; break;
        case OP_LE_: t->values = (ivset){.n = 1, .part = {below(v, false)}}; break;
        case OP_GT_: t->values = (ivset){.n = 1, .part = {above(v, true)}}; break;
        default: t->values = (ivset){.n = 1, .part = {above(v, false)}}; break;
        }
    } else {
        return false;
    }
    const cr_type *ty = x->type;
    if (!ty || (ty->kind != CR_T_INT && ty->kind != CR_T_DEC && ty->kind != CR_T_DATE))
        return false;
    t->whole = ty->kind != CR_T_DEC;
    return cr_sema_path_of(x, t->path, sizeof t->path);
}

/* The tests of the chain of `op` at e (e itself when it is not one). */
static void collect(const cr_expr *e, cr_op op, test *out, uint32_t *n)
{
    if (!e || *n >= MAX_TESTS)
        return;
    if (e->kind == E_BINARY && e->u.bin.op == op) {
        collect(e->u.bin.a, op, out, n);
        collect(e->u.bin.b, op, out, n);
        return;
    }
    if (read_test(e, &out[*n]))
        (*n)++;
}

bool cr_sema_chain_contradicts(const cr_expr *e, char *path, size_t size)
{
    test t[MAX_TESTS];
    uint32_t n = 0;
    collect(e, OP_AND_, t, &n);
    for (uint32_t i = 0; i < n; i++) {
        ivset left = t[i].values;
        bool known = true;
        for (uint32_t j = i + 1; j < n && known; j++)
            if (strcmp(t[i].path, t[j].path) == 0)
                known = meet_sets(&left, &t[j].values, &left, t[i].whole);
        /* a single test can leave none too: `x in 5..1` */
        if (known && none_left(&left, t[i].whole)) {
            snprintf(path, size, "%s", t[i].path);
            return true;
        }
    }
    return false;
}

/* Do the parts of s, together, hold every value (every whole one)? */
static bool covers_all(const ivset *s, bool whole)
{
    bool have = false, open = false;
    cr_dec hi = cr_dec_from_int(0), one = cr_dec_from_int(1);
    for (uint32_t pass = 0; pass <= s->n; pass++) {
        for (uint32_t i = 0; i < s->n; i++) {
            interval v = whole ? cr_sema_int_interval(s->part[i]) : s->part[i];
            if (!v.known || empty(v, whole))
                continue;
            bool starts = v.lo_inf;
            if (!starts && have) {
                cr_dec next;
                if (whole)
                    starts = cr_dec_add(hi, one, &next) == CR_DEC_OK && cr_dec_cmp(v.lo, next) <= 0;
                else {
                    int c = cr_dec_cmp(v.lo, hi);
                    starts = c < 0 || (c == 0 && (!v.lo_open || !open));
                }
            }
            if (!starts)
                continue;
            if (v.hi_inf)
                return true;
            int c = have ? cr_dec_cmp(v.hi, hi) : 1;
            if (c > 0 || (c == 0 && open && !v.hi_open)) {
                hi = v.hi;
                open = v.hi_open;
                have = true;
            }
        }
    }
    return false;
}

bool cr_sema_chain_covers(const cr_expr *e, char *path, size_t size)
{
    test t[MAX_TESTS];
    uint32_t n = 0;
    collect(e, OP_OR_, t, &n);
    for (uint32_t i = 0; i < n; i++) {
        ivset all = {.n = 0};
        for (uint32_t j = i; j < n; j++)
            if (strcmp(t[i].path, t[j].path) == 0)
                for (uint32_t k = 0; k < t[j].values.n && all.n < MAX_PARTS; k++)
                    all.part[all.n++] = t[j].values.part[k];
        if (covers_all(&all, t[i].whole)) {
            snprintf(path, size, "%s", t[i].path);
            return true;
        }
    }
    return false;
}
