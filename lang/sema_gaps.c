/* Gaps of a decision table: an application no row matches, which would
 * stop with an ERROR when it is decided.  A column's cells cut its values
 * into pieces that every cell of the column treats alike (between two
 * bounds, every number is in or out of each cell together), so one value
 * of each piece stands for all of it: each bound, a value between two
 * bounds, one below and one above them all (over an int or a date, the
 * whole values next to them only), each value of a closed set, each text
 * a cell names and one it does not, true and false, null for an optional
 * input.  A point is one such value per column; the table has a gap when
 * some point matches no row.  Each column's values get, once, the set of
 * rows whose cell may match them (a bitset), and the points are walked
 * column by column, the sets of the rows still matching ANDed on the way,
 * so an empty set ends the search there.  A cell that names a field or a
 * let, or orders texts, may match anything: it hides a gap rather than
 * invent one.  A number, date or truth value of one column that no row
 * matches is a gap whatever the other columns hold, and is looked for
 * first in every table; the combinations only in tables with at most
 * CR_MAX_GAP_POINTS points. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/core/date.h"
#include "lang/sema_private.h"

/* Points (one value per column) a table may have and still be searched:
 * past it `credo check` says nothing rather than take long. */
#define CR_MAX_GAP_POINTS 100000

typedef enum pt_kind { PT_NUM, PT_TEXT, PT_OTHER, PT_BOOL, PT_LABEL, PT_NULL } pt_kind;

/* One value standing for a piece of a column's values. */
typedef struct pt {
    pt_kind kind;
    cr_dec d;                 /* PT_NUM (a date as its day number) */
    const char *s;            /* PT_TEXT */
    uint32_t len;
    int64_t i;                /* PT_BOOL, PT_LABEL (its number) */
} pt;

typedef struct column {
    const cr_type *t;         /* the input's type, not optional */
    bool optional, is_date, ints;
    pt *vals;
    uint32_t nvals, cap;
    uint64_t *match;          /* nvals rows of `words`: bit r when row r may match vals[v] */
    pt *named;                /* a text column: the texts its cells name, for messages */
    uint32_t nnamed;
} column;

static bool push(sema *S, column *c, pt v)
{
    if (c->nvals == c->cap) {
        uint32_t cap = c->cap ? 2 * c->cap : 16;
        pt *n = alloc(S, cap * sizeof *n);
        if (!n)
            return false;
        if (c->nvals)
            memcpy(n, c->vals, c->nvals * sizeof *n);
        c->vals = n;
        c->cap = cap;
    }
    c->vals[c->nvals++] = v;
    return true;
}

/* The number a literal operand stands for (a date as its day number). */
static bool literal_num(const cr_expr *e, bool is_date, cr_dec *d)
{
    e = cr_sema_const_resolved(e);
    if (!e)
        return false;
    if (is_date) {
        if (e->kind != E_DATE)
            return false;
        *d = cr_dec_from_int(e->u.ival);
        return true;
    }
    return cr_sema_literal_dec(e, d);
}

/* May value v equal operand e? (true when e is not a literal) */
static bool may_equal(const column *c, const cr_expr *e, const pt *v)
{
    const cr_expr *x = cr_sema_const_resolved(e);
    cr_dec d;
    if (!x)
        return true;
    switch (v->kind) {
    case PT_NUM:
        return !literal_num(x, c->is_date, &d) || cr_dec_cmp(d, v->d) == 0;
    case PT_TEXT:
        return x->kind != E_STR || (x->u.str.len == v->len && memcmp(x->u.str.s, v->s, v->len) == 0);
    case PT_OTHER:
        return x->kind != E_STR;
    case PT_BOOL:
        return x->kind != E_BOOL || x->u.ival == v->i;
    case PT_LABEL:
        return x->ref != REF_LABEL || (int64_t)x->ref_index == v->i;
    case PT_NULL:
        return false;
    }
    return true;
}

/* May cell k match value v? (true when unsure) */
static bool may_match(const column *c, const cr_cell *k, const pt *v)
{
    cr_dec a, b;
    if (k->kind == CELL_ANY)
        return true;
    if (k->kind == CELL_NULL || v->kind == PT_NULL)
        return k->kind == CELL_NULL && v->kind == PT_NULL;   /* null is in no other cell */
    switch (k->kind) {
    case CELL_ANYOF:
        for (uint32_t i = 0; i < k->ntests; i++)
            if (may_match(c, &k->tests[i], v))
                return true;
        return false;
    case CELL_EQ:
        return may_equal(c, k->a, v);
    case CELL_NE: {
        const cr_expr *x = cr_sema_const_resolved(k->a);
        bool literal = x && (x->kind == E_STR || x->kind == E_BOOL || x->ref == REF_LABEL ||
                             literal_num(x, c->is_date, &a));
        return !literal || !may_equal(c, k->a, v);
    }
    case CELL_SET:
    case CELL_IN: {
        const cr_expr_list *l = cr_sema_cell_values(k);
        if (!l)
            return true;
        for (uint32_t i = 0; i < l->count; i++)
            if (may_equal(c, l->items[i], v))
                return true;
        return false;
    }
    default:
        break;
    }
    /* an ordering test: known over numbers and dates with literal bounds */
    if (v->kind != PT_NUM)
        return true;
    int lo, hi;
    switch (k->kind) {
    case CELL_LT: return !literal_num(k->a, c->is_date, &a) || cr_dec_cmp(v->d, a) < 0;
    case CELL_LE: return !literal_num(k->a, c->is_date, &a) || cr_dec_cmp(v->d, a) <= 0;
    case CELL_GT: return !literal_num(k->a, c->is_date, &a) || cr_dec_cmp(v->d, a) > 0;
    case CELL_GE: return !literal_num(k->a, c->is_date, &a) || cr_dec_cmp(v->d, a) >= 0;
    case CELL_RANGE:
        if (!literal_num(k->a, c->is_date, &a) || !literal_num(k->b, c->is_date, &b))
            return true;
        lo = cr_dec_cmp(v->d, a);
        hi = cr_dec_cmp(v->d, b);
        return (k->lo_open ? lo > 0 : lo >= 0) && (k->hi_open ? hi < 0 : hi <= 0);
    default:
        return true;
    }
}

/* The literal numbers and texts a cell names, onto c's values (numbers
 * are the bounds, from which fill_numbers makes the values). */
static bool gather(sema *S, column *c, const cr_cell *k)
{
    cr_dec d;
    if (k->kind == CELL_ANYOF) {
        for (uint32_t i = 0; i < k->ntests; i++)
            if (!gather(S, c, &k->tests[i]))
                return false;
        return true;
    }
    const cr_expr_list *l = k->kind == CELL_SET || k->kind == CELL_IN ? cr_sema_cell_values(k) : NULL;
    const cr_expr *ops[2] = {k->a, k->b};
    uint32_t n = l ? l->count : 2;
    for (uint32_t i = 0; i < n; i++) {
        const cr_expr *x = cr_sema_const_resolved(l ? l->items[i] : ops[i]);
        if (!x)
            continue;
        if (literal_num(x, c->is_date, &d)) {
            if (!push(S, c, (pt){.kind = PT_NUM, .d = d}))
                return false;
        } else if (x->kind == E_STR && c->t->kind == CR_T_TEXT && !c->t->labels) {
            if (!push(S, c, (pt){.kind = PT_TEXT, .s = x->u.str.s, .len = x->u.str.len}))
                return false;
        }
    }
    return true;
}

static int pt_cmp(const void *x, const void *y)
{
    const pt *a = x, *b = y;
    if (a->kind != b->kind)
        return (int)a->kind - (int)b->kind;
    if (a->kind == PT_NUM)
        return cr_dec_cmp(a->d, b->d);
    if (a->kind == PT_TEXT) {
        int r = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);
        return r ? r : (a->len > b->len) - (a->len < b->len);
    }
    return 0;
}

static uint32_t sort_unique(column *c)
{
    if (!c->nvals)
        return 0;
    qsort(c->vals, c->nvals, sizeof *c->vals, pt_cmp);
    uint32_t k = 1;
    for (uint32_t i = 1; i < c->nvals; i++)
        if (pt_cmp(&c->vals[i], &c->vals[k - 1]) != 0)
            c->vals[k++] = c->vals[i];
    return c->nvals = k;
}

/* From the sorted bounds b0 < b1 < ... of a number column, a value of
 * each piece: each bound, one between two bounds and one past each end;
 * over ints (and dates) the whole values next to each bound, as no value
 * lies between two consecutive ints. */
static bool fill_numbers(sema *S, column *c)
{
    uint32_t nb = sort_unique(c);
    cr_dec one = cr_dec_from_int(1), two = cr_dec_from_int(2);
    pt *b = alloc(S, (nb ? nb : 1) * sizeof *b);
    if (!b)
        return false;
    c->nvals = 0;
    if (!nb)   /* no bound: every number alike */
        return push(S, c, (pt){.kind = PT_NUM, .d = cr_dec_from_int(0)});
    memcpy(b, c->vals, nb * sizeof *b);
    for (uint32_t i = 0; i < nb; i++) {
        cr_dec x = b[i].d, y;
        if (c->ints) {
            /* the bound when it is whole, the first int above it, and for
             * the lowest bound the last int below it */
            cr_dec f, cl;
            if (cr_dec_round(x, 0, CR_ROUND_FLOOR, &f) != CR_DEC_OK || cr_dec_round(x, 0, CR_ROUND_CEIL, &cl) != CR_DEC_OK)
                return false;
            if (cr_dec_cmp(f, x) == 0 && !push(S, c, (pt){.kind = PT_NUM, .d = x}))
                return false;
            if (cr_dec_add(f, one, &y) == CR_DEC_OK && !push(S, c, (pt){.kind = PT_NUM, .d = y}))
                return false;
            if (i == 0 && cr_dec_sub(cl, one, &y) == CR_DEC_OK && !push(S, c, (pt){.kind = PT_NUM, .d = y}))
                return false;
            continue;
        }
        if (!push(S, c, (pt){.kind = PT_NUM, .d = x}))
            return false;
        if (i == 0 && cr_dec_sub(x, one, &y) == CR_DEC_OK && !push(S, c, (pt){.kind = PT_NUM, .d = y}))
            return false;
        if (i + 1 == nb) {
            if (cr_dec_add(x, one, &y) == CR_DEC_OK && !push(S, c, (pt){.kind = PT_NUM, .d = y}))
                return false;
        } else {
            /* the midpoint, when the division leaves it strictly between */
            cr_dec s;
            if (cr_dec_add(x, b[i + 1].d, &s) == CR_DEC_OK && cr_dec_div(s, two, &y) == CR_DEC_OK &&
                cr_dec_cmp(y, x) > 0 && cr_dec_cmp(y, b[i + 1].d) < 0 && !push(S, c, (pt){.kind = PT_NUM, .d = y}))
                return false;
        }
    }
    sort_unique(c);
    return true;
}

/* A column's values; false when its type is not one searched or memory
 * ran out. */
static bool column_values(sema *S, column *c, const cr_table_row *rows, uint32_t col, uint32_t n)
{
    const cr_type *t = c->t;
    c->is_date = t->kind == CR_T_DATE;
    c->ints = t->kind == CR_T_INT || c->is_date;
    if (t->kind == CR_T_BOOL) {
        if (!push(S, c, (pt){.kind = PT_BOOL, .i = 0}) || !push(S, c, (pt){.kind = PT_BOOL, .i = 1}))
            return false;
    } else if (t->kind == CR_T_LABEL || (t->kind == CR_T_TEXT && t->labels)) {
        /* a segment's labels, or a closed set of texts: each of them */
        for (uint32_t v = 0; t->labels && v < t->labels->count; v++) {
            const char *s = t->labels->names[v];
            pt p = t->kind == CR_T_LABEL ? (pt){.kind = PT_LABEL, .i = v}
                                         : (pt){.kind = PT_TEXT, .s = s, .len = (uint32_t)strlen(s)};
            if (!push(S, c, p))
                return false;
        }
    } else if (t->kind == CR_T_TEXT || t->kind == CR_T_INT || t->kind == CR_T_DEC || c->is_date) {
        for (const cr_table_row *r = rows; r; r = r->next)
            if (!r->is_default && r->ncells == n && !gather(S, c, &r->cells[col]))
                return false;
        if (t->kind == CR_T_TEXT) {
            c->nnamed = sort_unique(c);
            if (!(c->named = alloc(S, (c->nnamed ? c->nnamed : 1) * sizeof *c->named)))
                return false;
            if (c->nnamed)
                memcpy(c->named, c->vals, c->nnamed * sizeof *c->named);
            if (!push(S, c, (pt){.kind = PT_OTHER}))   /* a text no cell names */
                return false;
        } else if (!fill_numbers(S, c)) {
            return false;
        }
    } else {
        return false;
    }
    return !c->optional || push(S, c, (pt){.kind = PT_NULL});
}

/* "'credit_score' is 650", "'region' is none of {"EAST", "WEST"}",
 * "'bureau' is null", into buf. */
static void describe(const column *c, const pt *v, const char *path, char *buf, size_t size)
{
    char num[CR_DEC_FMT_MAX];
    size_t at = (size_t)snprintf(buf, size, "'%s' is ", path);
    if (at >= size)
        return;
    buf += at;
    size -= at;
    switch (v->kind) {
    case PT_NUM:
        if (c->is_date) {
            int64_t days = 0;
            cr_dec_to_int(v->d, &days);
            cr_date_format(days, num);
        } else {
            cr_dec_format(v->d, num);
        }
        snprintf(buf, size, "%s", num);
        return;
    case PT_TEXT:
        snprintf(buf, size, "\"%.*s\"", (int)(v->len > 64 ? 64 : v->len), v->s);
        return;
    case PT_OTHER: {
        if (!c->nnamed) {
            snprintf(buf, size, "any text");
            return;
        }
        at = (size_t)snprintf(buf, size, "none of {");
        for (uint32_t i = 0; i < c->nnamed && at < size; i++)
            at += (size_t)snprintf(buf + at, size - at, "%s\"%.*s\"", i ? ", " : "",
                                   (int)(c->named[i].len > 64 ? 64 : c->named[i].len), c->named[i].s);
        if (at < size)
            snprintf(buf + at, size - at, "}");
        return;
    }
    case PT_BOOL:
        snprintf(buf, size, "%s", v->i ? "true" : "false");
        return;
    case PT_LABEL:
        snprintf(buf, size, "%s", c->t->labels->names[v->i]);
        return;
    case PT_NULL:
        snprintf(buf, size, "null");
        return;
    }
}

/* Searches table it, whose inputs have the types in[] (not optional),
 * for a point no row matches, and warns of the first one found. */
void cr_sema_table_gaps(sema *S, cr_item *it, const cr_type *const *in)
{
    uint32_t n = it->inputs.count, nrows = 0;
    for (const cr_table_row *r = it->rows; r; r = r->next) {
        if (r->is_default)
            return;   /* the default row gives what no other row does */
        if (r->ncells != n)
            return;
        nrows++;
    }
    if (!n || !nrows || nrows > CR_MAX_PAIRWISE)
        return;
    column *cols = alloc(S, n * sizeof *cols);
    if (!cols)
        return;
    uint32_t words = (nrows + 63) / 64;
    uint64_t points = 1;
    for (uint32_t i = 0; i < n; i++) {
        column *c = &cols[i];
        const cr_type *xt = it->inputs.items[i]->type;
        if (!in[i] || is_err(in[i]) || !xt)
            return;
        c->t = in[i];
        c->optional = xt->optional;
        if (!column_values(S, c, it->rows, i, n))
            return;
        if (!(c->match = alloc(S, (size_t)c->nvals * words * sizeof *c->match)))
            return;
        /* the rows each value matches.  A text or a label no row matches
         * is left out: a table over an open text or a segment is often
         * asked only under a guard that keeps the rest away (farm_loan's
         * crops, pos_merchant_loan's tier D), which this search cannot
         * see.  A number, date or truth value no row matches is a hole
         * in the column's ranges (< 600, then > 650) and is kept. */
        uint32_t kept = 0;
        for (uint32_t v = 0; v < c->nvals; v++) {
            uint64_t *m = c->match + (size_t)kept * words, any = 0;
            uint32_t r = 0;
            memset(m, 0, words * sizeof *m);
            for (const cr_table_row *row = it->rows; row; row = row->next, r++)
                if (may_match(c, &row->cells[i], &c->vals[v])) {
                    m[r / 64] |= (uint64_t)1 << (r % 64);
                    any = 1;
                }
            pt_kind k = c->vals[v].kind;
            if (any || (k != PT_TEXT && k != PT_OTHER && k != PT_LABEL))
                c->vals[kept++] = c->vals[v];
        }
        c->nvals = kept;
        if (!kept)
            return;
        points = points > CR_MAX_GAP_POINTS ? points : points * c->nvals;
    }
    uint64_t *acc = alloc(S, (size_t)n * words * sizeof *acc);
    uint32_t *at = alloc(S, n * sizeof *at);
    if (!acc || !at)
        return;
    uint32_t depth = 0;
    /* a value no row matches is a gap of its column alone, whatever the
     * others hold: looked for first, in a table of any width (and only a
     * number, date or truth value is left unmatched here) */
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t v = 0; v < cols[i].nvals; v++) {
            const uint64_t *m = cols[i].match + (size_t)v * words;
            uint64_t any = 0;
            for (uint32_t w = 0; w < words; w++)
                any |= m[w];
            if (!any) {
                memset(at, 0, n * sizeof *at);
                at[i] = v;
                depth = n - 1;
                goto found;
            }
        }
    if (points > CR_MAX_GAP_POINTS)
        return;
    /* depth-first over the points: acc[i] holds the rows matching the
     * values chosen for columns 0..i */
    for (;;) {
        const uint64_t *m = cols[depth].match + (size_t)at[depth] * words;
        uint64_t *a = acc + (size_t)depth * words, any = 0;
        for (uint32_t w = 0; w < words; w++) {
            a[w] = depth ? acc[(size_t)(depth - 1) * words + w] & m[w] : m[w];
            any |= a[w];
        }
        if (!any)
            break;                        /* a gap: the values chosen so far, any others after */
        if (depth + 1 < n) {
            at[++depth] = 0;
            continue;
        }
        while (depth > 0 && at[depth] + 1 == cols[depth].nvals)
            depth--;
        if (at[depth] + 1 == cols[depth].nvals)
            return;                       /* every point matches a row */
        at[depth]++;
    }
found:;
    char what[1024], one[400], path[256];
    size_t len = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!cr_sema_path_of(it->inputs.items[i], path, sizeof path))
            snprintf(path, sizeof path, "input %u", i + 1);
        describe(&cols[i], &cols[i].vals[i <= depth ? at[i] : 0], path, one, sizeof one);
        int w = snprintf(what + len, sizeof what - len, "%s%s", !i ? "" : i + 1 == n ? " and " : ", ", one);
        if (w < 0 || (size_t)w >= sizeof what - len)
            break;
        len += (size_t)w;
    }
    warn(S, it->name_span, "no row of table %s matches when %s: that application would be an ERROR; add a row "
         "or a default row", it->name, what);
}
