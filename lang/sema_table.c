/* Semantic analysis of the blocks of rows: scorecards, segments and
 * decision tables.  Each cell is checked against the value it tests; then
 * what a reviewer wants found before a policy runs: scorecard bins that
 * leave a gap or can never match, segment rows after `otherwise`, table
 * rows that can never match (first hit) or can both match (unique).  Only
 * literal bounds are compared (a const stands for its value); a cell that
 * names a field or a let is unknown, and each comparison below says what it
 * assumes of one.  lang/sema.c says how this part fits the others. */
#include <stdio.h>
#include <string.h>

#include "lang/names.h"
#include "lang/sema_private.h"

/* ---- cells ---- */

static const cr_expr *const_resolved(const cr_expr *e);

/* The values a set cell holds: a `{a, b}` cell's, or those of the const
 * set a CELL_IN names (NULL when not written out as literals). */
static const cr_expr_list *cell_values(const cr_cell *c)
{
    if (c->kind == CELL_SET)
        return &c->set;
    if (c->kind != CELL_IN)
        return NULL;
    const cr_expr *e = const_resolved(c->a);
    return e && (e->kind == E_SET || e->kind == E_LIST) ? &e->u.list : NULL;
}

/* Each value of the const set x names, against a closed set t. */
static void check_set_category(sema *S, const cr_type *t, const cr_expr *x)
{
    const cr_expr *e = const_resolved(x);
    if (!e || (e->kind != E_SET && e->kind != E_LIST) || !t->labels || t->kind != CR_T_TEXT)
        return;
    for (uint32_t i = 0; i < e->u.list.count; i++) {
        const cr_expr *v = e->u.list.items[i];
        if (v->kind == E_STR && cr_type_value_index(t, v->u.str.s, v->u.str.len) < 0) {
            char vals[512];
            err(S, x->span, "\"%.*s\" in %.*s is not one of the values of '%s' (%s)",
                (int)(v->u.str.len > 64 ? 64 : v->u.str.len), v->u.str.s, (int)x->u.str.len, x->u.str.s,
                t->labels->name, cr_type_values_text(t, vals, sizeof vals));
            return;
        }
    }
}

/* Does x, a checked operand of a test of a value of type t, name a set
 * (a const set) the value is to be in, rather than a value? */
static bool names_const_set(const cr_expr *x, const cr_type *t)
{
    const cr_type *tx = x->type;
    return tx && (tx->kind == CR_T_SET || tx->kind == CR_T_LIST) && t->kind != CR_T_LIST && t->kind != CR_T_SET;
}

/* c, a test naming a set: the value is one of it, so the set must hold
 * values of t (and, over a `one of` value, only its values). */
static void check_in_set(sema *S, cr_cell *c, const cr_expr *x, const cr_type *t)
{
    char b1[96], b2[96];
    const cr_type *tx = x->type;
    c->kind = CELL_IN;
    if (is_err(t) || is_err(tx->elem))
        return;
    if (!(is_num(t) && is_num(tx->elem)) && !cr_sema_assignable(cr_sema_with_optional(S, t, false), tx->elem))
        err(S, x->span, "a set of %s cannot hold %s values", tname(tx->elem, b1), tname(t, b2));
    else
        check_set_category(S, t, x);
}

/* Turns a `{a, b, ...}` cell into the list of tests it is when one of its
 * items names a set: each item a test of its own, as the parser makes
 * `{< 5, > 10}` (its operands stay in c->set for the walks over names). */
static bool split_set(sema *S, cr_cell *c)
{
    cr_cell *tests = alloc(S, (c->set.count ? c->set.count : 1) * sizeof *tests);
    if (!tests)
        return false;
    for (uint32_t i = 0; i < c->set.count; i++) {
        tests[i].kind = CELL_EQ;
        tests[i].a = c->set.items[i];
        tests[i].span = c->set.items[i]->span;
    }
    c->kind = CELL_ANYOF;
    c->tests = tests;
    c->ntests = c->set.count;
    return true;
}

/* cell: else | - | operand | < operand | <= operand | > operand | >= operand
 *     | != operand | operand..operand | {operand, ...}
 * A scorecard bin's or a table row's test of one value of type t: its
 * operands compare with t, and an ordering test needs an ordered t. */
static void check_cell(sema *S, cr_cell *c, const cr_type *t)
{
    char b1[96], b2[96];
    cr_expr *ops[2] = {c->a, c->b};
    bool ordering = c->kind == CELL_LT || c->kind == CELL_LE || c->kind == CELL_GT || c->kind == CELL_GE || c->kind == CELL_RANGE;
    if (c->kind == CELL_ANY)
        return;
    if (c->kind == CELL_NULL) {
        cr_sema_check(S, c->a);   /* the literal null: nothing to compare */
        return;
    }
    if (c->kind == CELL_ANYOF) {
        for (uint32_t i = 0; i < c->ntests; i++)
            check_cell(S, &c->tests[i], t);
        return;
    }
    if (c->kind == CELL_SET) {
        bool names_set = false;
        for (uint32_t i = 0; i < c->set.count; i++) {
            cr_expr *x = c->set.items[i];
            if (!cr_sema_resolve_label(S, x, t))
                cr_sema_need(S, x);
            names_set = names_set || names_const_set(x, t);
        }
        /* `{HIGH_RISK, "X"}` is a list of tests, one of them a named set */
        if (names_set && !split_set(S, c))
            return;
        for (uint32_t i = 0; i < c->set.count; i++) {
            cr_expr *x = c->set.items[i];
            if (names_set && names_const_set(x, t))
                check_in_set(S, &c->tests[i], x, t);
            else if (!is_err(t) && !is_err(x->type) && !(is_num(t) && is_num(x->type)) && !cr_sema_assignable(t, x->type))
                err(S, x->span, "%s cannot be compared with %s", tname(x->type, b1), tname(t, b2));
            else
                cr_sema_check_category(S, t, x);
        }
        return;
    }
    for (int i = 0; i < 2; i++) {
        cr_expr *x = ops[i];
        if (!x)
            continue;
        if (!cr_sema_resolve_label(S, x, t))
            cr_sema_need(S, x);
        const cr_type *tx = x->type;
        if (is_err(t) || is_err(tx))
            continue;
        if (c->kind == CELL_EQ && names_const_set(x, t)) {
            check_in_set(S, c, x, t);
            continue;
        }
        if (ordering && !is_num(t) && t->kind != CR_T_DATE && t->kind != CR_T_TEXT)
            err(S, c->span, "%s values have no order; use a value or a set here", tname(t, b1));
        else if (!(is_num(t) && is_num(tx)) && !cr_sema_assignable(cr_sema_with_optional(S, t, false), tx))
            err(S, x->span, "%s cannot be compared with %s", tname(tx, b1), tname(t, b2));
        else if (c->kind == CELL_EQ || c->kind == CELL_NE)
            cr_sema_check_category(S, t, x);
    }
}

/* What a cell operand naming a const stands for: the const's own
 * expression (a const may name another); anything else as it is. */
static const cr_expr *const_resolved(const cr_expr *e)
{
    for (int hops = 0; e && hops < 64 && e->kind == E_NAME && e->ref == REF_ITEM && e->item &&
                       e->item->kind == I_CONST; hops++)
        e = e->item->expr;
    return e;
}

/* The number a literal operand (or a const holding one) stands for. */
static bool literal_dec(const cr_expr *e, cr_dec *d)
{
    e = const_resolved(e);
    if (!e) return false;
    if (e->kind == E_INT) { *d = cr_dec_from_int(e->u.ival); return true; }
    if (e->kind == E_DEC) { *d = e->u.dval; return true; }
    return false;
}

/* The values a numeric cell matches, as an interval (known only for literal bounds). */
static interval cell_interval(const cr_cell *c)
{
    interval v;
    memset(&v, 0, sizeof v);
    cr_dec a, b;
    switch (c->kind) {
    case CELL_ANY: v.known = true; v.lo_inf = v.hi_inf = true; break;
    case CELL_LT: if (literal_dec(c->a, &a)) { v.known = true; v.lo_inf = true; v.hi = a; v.hi_open = true; } break;
    case CELL_LE: if (literal_dec(c->a, &a)) { v.known = true; v.lo_inf = true; v.hi = a; } break;
    case CELL_GT: if (literal_dec(c->a, &a)) { v.known = true; v.hi_inf = true; v.lo = a; v.lo_open = true; } break;
    case CELL_GE: if (literal_dec(c->a, &a)) { v.known = true; v.hi_inf = true; v.lo = a; } break;
    case CELL_EQ: if (literal_dec(c->a, &a)) { v.known = true; v.lo = v.hi = a; } break;
    case CELL_RANGE:
        if (literal_dec(c->a, &a) && literal_dec(c->b, &b)) {
            v.known = true; v.lo = a; v.hi = b; v.lo_open = c->lo_open; v.hi_open = c->hi_open;
        }
        break;
    default: break;
    }
    return v;
}

/* Does interval x contain every value of y? */
static bool interval_covers(const interval *x, const interval *y)
{
    if (!x->known || !y->known)
        return false;
    if (!x->lo_inf) {
        if (y->lo_inf) return false;
        int c = cr_dec_cmp(x->lo, y->lo);
        if (c > 0 || (c == 0 && x->lo_open && !y->lo_open)) return false;
    }
    if (!x->hi_inf) {
        if (y->hi_inf) return false;
        int c = cr_dec_cmp(x->hi, y->hi);
        if (c < 0 || (c == 0 && x->hi_open && !y->hi_open)) return false;
    }
    return true;
}

/* Do intervals x and y share a value? (true when either is unknown) */
bool cr_sema_interval_meets(const interval *x, const interval *y)
{
    if (!x->known || !y->known)
        return true; /* unknown: assume they may overlap */
    /* x entirely below y? */
    if (!x->hi_inf && !y->lo_inf) {
        int c = cr_dec_cmp(x->hi, y->lo);
        if (c < 0 || (c == 0 && (x->hi_open || y->lo_open))) return false;
    }
    if (!y->hi_inf && !x->lo_inf) {
        int c = cr_dec_cmp(y->hi, x->lo);
        if (c < 0 || (c == 0 && (y->hi_open || x->lo_open))) return false;
    }
    return true;
}

/* Are a and b the same literal (a number, text, label or bool)? (false when unsure) */
static bool same_literal(const cr_expr *a, const cr_expr *b)
{
    a = const_resolved(a);
    b = const_resolved(b);
    if (!a || !b)
        return false;
    cr_dec x, y;
    if (literal_dec(a, &x) && literal_dec(b, &y))
        return cr_dec_cmp(x, y) == 0;
    if (a->kind == E_STR && b->kind == E_STR)
        return a->u.str.len == b->u.str.len && memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
    if (a->ref == REF_LABEL && b->ref == REF_LABEL)
        return a->ref_index == b->ref_index;
    if (a->kind == E_BOOL && b->kind == E_BOOL)
        return a->u.ival == b->u.ival;
    return false;
}

/* The kind of value a literal operand is (1 number, 2 text, 3 truth
 * value, 4 label), or 0 when it is not a literal: a field or a let may
 * hold any value, the same as another operand's. */
static int literal_class(const cr_expr *e)
{
    cr_dec d;
    e = const_resolved(e);
    if (!e) return 0;
    if (literal_dec(e, &d)) return 1;
    if (e->kind == E_STR) return 2;
    if (e->kind == E_BOOL) return 3;
    if (e->ref == REF_LABEL) return 4;
    return 0;
}

/* Do two rows give different outputs for sure: some output literal in
 * both and not the same?  (false when unsure: a let or an expression may
 * give the same value) */
static bool outputs_differ(const cr_table_row *p, const cr_table_row *r)
{
    if (p->outs.count == 0 || p->outs.count != r->outs.count)
        return literal_class(p->out) && literal_class(r->out) && !same_literal(p->out, r->out);
    for (uint32_t k = 0; k < p->outs.count; k++) {
        const cr_expr *a = p->outs.items[k], *b = r->outs.items[k];
        if (literal_class(a) && literal_class(b) && !same_literal(a, b))
            return true;
    }
    return false;
}

/* Can one value equal both operands? (true when unsure) */
static bool operands_meet(const cr_expr *a, const cr_expr *b)
{
    int k = literal_class(a);
    return k == 0 || k != literal_class(b) || same_literal(a, b);
}

/* Can one value equal x and be in set cell c? (true when unsure) */
static bool meets_set(const cr_cell *c, const cr_expr *x)
{
    const cr_expr_list *l = cell_values(c);
    if (!l)
        return true;
    for (uint32_t i = 0; i < l->count; i++)
        if (operands_meet(l->items[i], x))
            return true;
    return false;
}

/* Is x one of set cell c's literals? (false when unsure) */
static bool in_set(const cr_cell *c, const cr_expr *x)
{
    const cr_expr_list *l = cell_values(c);
    for (uint32_t i = 0; l && i < l->count; i++)
        if (same_literal(l->items[i], x))
            return true;
    return false;
}

static bool is_set(const cr_cell *c) { return c->kind == CELL_SET || c->kind == CELL_IN; }

/* Does cell x match every value cell y matches? (false when unsure) */
static bool cell_covers(const cr_cell *x, const cr_cell *y, bool numeric)
{
    if (x->kind == CELL_ANY)
        return true;
    if (y->kind == CELL_ANY)
        return false;
    if (x->kind == CELL_NULL || y->kind == CELL_NULL)
        return x->kind == y->kind;   /* null is in no other cell */
    if (y->kind == CELL_ANYOF) {     /* each of y's tests */
        for (uint32_t i = 0; i < y->ntests; i++)
            if (!cell_covers(x, &y->tests[i], numeric))
                return false;
        return true;
    }
    if (x->kind == CELL_ANYOF) {     /* one of x's tests (unsure when it takes several) */
        for (uint32_t i = 0; i < x->ntests; i++)
            if (cell_covers(&x->tests[i], y, numeric))
                return true;
        return false;
    }
    if (numeric) {
        interval a = cell_interval(x), b = cell_interval(y);
        if (a.known && b.known)
            return interval_covers(&a, &b);
    }
    if (x->kind == CELL_EQ && y->kind == CELL_EQ)
        return same_literal(x->a, y->a);
    if (is_set(x) && y->kind == CELL_EQ)
        return in_set(x, y->a);
    if (is_set(x) && is_set(y)) {
        const cr_expr_list *l = cell_values(y);
        if (!l || !cell_values(x))
            return false;
        for (uint32_t i = 0; i < l->count; i++)
            if (!in_set(x, l->items[i]))
                return false;
        return true;
    }
    return false;
}

/* Can one value match both cells? (true when unsure) */
static bool cells_meet(const cr_cell *x, const cr_cell *y, bool numeric)
{
    if (x->kind == CELL_ANY || y->kind == CELL_ANY)
        return true;
    if (x->kind == CELL_NULL || y->kind == CELL_NULL)
        return x->kind == y->kind;
    if (x->kind == CELL_ANYOF || y->kind == CELL_ANYOF) {
        const cr_cell *many = x->kind == CELL_ANYOF ? x : y, *other = many == x ? y : x;
        for (uint32_t i = 0; i < many->ntests; i++)
            if (cells_meet(&many->tests[i], other, numeric))
                return true;
        return false;
    }
    if (numeric) {
        interval a = cell_interval(x), b = cell_interval(y);
        if (a.known && b.known)
            return cr_sema_interval_meets(&a, &b);
    }
    if (x->kind == CELL_EQ && y->kind == CELL_EQ)
        return operands_meet(x->a, y->a);
    if (x->kind == CELL_EQ && is_set(y))
        return meets_set(y, x->a);
    if (is_set(x) && y->kind == CELL_EQ)
        return meets_set(x, y->a);
    if (is_set(x) && is_set(y)) {
        const cr_expr_list *l = cell_values(x);
        if (!l)
            return true;
        for (uint32_t i = 0; i < l->count; i++)
            if (meets_set(y, l->items[i]))
                return true;
        return false;
    }
    return true;
}

/* v with integer bounds, both closed: what it holds of the ints (`< 13`
 * is `<= 12`, `> 12.5` is `>= 13`), so that `<= 12` and `13..24` meet. */
static interval int_interval(interval v)
{
    cr_dec one = cr_dec_from_int(1);
    if (!v.known)
        return v;
    if (!v.lo_inf) {
        if (cr_dec_round(v.lo, 0, v.lo_open ? CR_ROUND_FLOOR : CR_ROUND_CEIL, &v.lo) != CR_DEC_OK ||
            (v.lo_open && cr_dec_add(v.lo, one, &v.lo) != CR_DEC_OK))
            v.known = false;
        v.lo_open = false;
    }
    if (!v.hi_inf) {
        if (cr_dec_round(v.hi, 0, v.hi_open ? CR_ROUND_CEIL : CR_ROUND_FLOOR, &v.hi) != CR_DEC_OK ||
            (v.hi_open && cr_dec_sub(v.hi, one, &v.hi) != CR_DEC_OK))
            v.known = false;
        v.hi_open = false;
    }
    return v;
}

/* Does the union of the bins' numeric cells cover every number (every
 * int, when ints)?  Returns false with a description of the first gap
 * found. */
static bool numeric_bins_cover(cr_bin *bins, bool ints, char *gap, size_t size)
{
    /* Walk up from -infinity: repeatedly extend the covered prefix with any
     * bin whose interval starts inside (or at the edge of) it. */
    bool have = false, inf = false, open = false;
    cr_dec hi = cr_dec_from_int(0);
    for (int pass = 0; pass < 64; pass++) {
        bool grew = false;
        for (cr_bin *b = bins; b; b = b->next)
        for (uint32_t ti = 0; ti < (b->cell.kind == CELL_ANYOF ? b->cell.ntests : 1); ti++) {
            interval v = cell_interval(b->cell.kind == CELL_ANYOF ? &b->cell.tests[ti] : &b->cell);
            if (ints)
                v = int_interval(v);
            if (!v.known)
                continue;
            bool starts_ok;
            cr_dec next;
            if (v.lo_inf)
                starts_ok = true;
            else if (!have)
                starts_ok = false;
            else if (ints) /* the int after hi is covered when v starts there */
                starts_ok = cr_dec_add(hi, cr_dec_from_int(1), &next) == CR_DEC_OK && cr_dec_cmp(v.lo, next) <= 0;
            else {
                int c = cr_dec_cmp(v.lo, hi);
                starts_ok = c < 0 || (c == 0 && (!v.lo_open || !open));
            }
            if (!starts_ok)
                continue;
            if (v.hi_inf) {
                if (!inf) grew = true;
                inf = true;
                have = true;
            } else if (!inf) {
                int c = have ? cr_dec_cmp(v.hi, hi) : 1;
                if (c > 0 || (c == 0 && open && !v.hi_open)) {
                    hi = v.hi;
                    open = v.hi_open;
                    have = true;
                    grew = true;
                }
            }
        }
        if (inf)
            return true;
        if (!grew)
            break;
    }
    char num[CR_DEC_FMT_MAX];
    if (!have)
        snprintf(gap, size, "no bin catches the lowest values");
    else {
        cr_dec next;
        if (ints && cr_dec_add(hi, cr_dec_from_int(1), &next) == CR_DEC_OK) {
            hi = next;     /* the first int not caught */
            open = true;
        }
        cr_dec_format(hi, num);
        snprintf(gap, size, "no bin catches values %s %s", open ? "from" : "above", num);
    }
    return false;
}

/* ---- missing values ---- */

/* Does one of the bins test for null? */
static bool has_null_cell_bins(const cr_bin *b)
{
    for (; b; b = b->next)
        if (b->cell.kind == CELL_NULL)
            return true;
    return false;
}

/* The type of a characteristic or table input e, whose bins or cells
 * test it: an optional value is allowed when they have a `null` test
 * (has_null), which alone catches the missing value; otherwise it is the
 * null-safety error, saying what to add (`fix`).  A `null` test of a value
 * that is never null is a warning.  Returns the type the other tests
 * compare with: e's, not optional.  e keeps its optional type, which the
 * compiler reads. */
static const cr_type *optional_operand(sema *S, cr_expr *e, bool has_null, cr_span where, const char *what,
                                       const char *fix)
{
    char b[96];
    const cr_type *t = cr_sema_check(S, e);
    if (t->kind == CR_T_NULL) {
        err(S, e->span, "null cannot be used here");
        return &cr_type_error;
    }
    if (is_err(t))
        return t;
    if (!t->optional) {
        if (has_null)
            warn(S, where, "'%s' is never null (it is %s): its 'null' test can never match", what, tname(t, b));
        return t;
    }
    if (!has_null)
        err(S, where, "'%s' may be null (it is %s): %s", what, tname(t, b), fix);
    return cr_sema_with_optional(S, t, false);
}

/* ---- closed sets of values ---- */

/* Can cell c match value v of a closed set (`one of`)?  A cell that names
 * a field or a let, or orders texts, may match anything. */
static bool cell_may_match_value(const cr_cell *c, const char *v)
{
    size_t n = strlen(v);
    const cr_expr *x;
    switch (c->kind) {
    case CELL_NULL: return false;
    case CELL_EQ:
    case CELL_NE:
        x = const_resolved(c->a);
        if (!x || x->kind != E_STR)
            return true;
        return (x->u.str.len == n && memcmp(x->u.str.s, v, n) == 0) == (c->kind == CELL_EQ);
    case CELL_SET:
    case CELL_IN: {
        const cr_expr_list *l = cell_values(c);
        if (!l)
            return true;
        for (uint32_t i = 0; i < l->count; i++) {
            x = const_resolved(l->items[i]);
            if (!x || x->kind != E_STR || (x->u.str.len == n && memcmp(x->u.str.s, v, n) == 0))
                return true;
        }
        return false;
    }
    case CELL_ANYOF:
        for (uint32_t i = 0; i < c->ntests; i++)
            if (cell_may_match_value(&c->tests[i], v))
                return true;
        return false;
    default:
        return true;
    }
}

/* The values of closed set t that no cell of cells[0..n) (every `stride`
 * cells, a table's column) may match, quoted, into buf; false when there
 * are none. */
static bool values_missed(const cr_type *t, const cr_cell *const *cells, uint32_t n, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = 0;
    for (uint32_t v = 0; v < t->labels->count; v++) {
        bool hit = false;
        for (uint32_t i = 0; i < n && !hit; i++)
            hit = cell_may_match_value(cells[i], t->labels->names[v]);
        if (hit)
            continue;
        int w = snprintf(buf + at, size - at, "%s\"%s\"", at ? ", " : "", t->labels->names[v]);
        if (w < 0 || (size_t)w >= size - at)
            break;
        at += (size_t)w;
    }
    return buf[0] != 0;
}

/* ---- scorecards ---- */

/* scorecard NAME base value { charac ... }
 *   charac: NAME[.NAME...] [as CODE]: cell -> value | cell -> value ...
 * The base and every bin's points are numbers written out (the score is an
 * int when all are ints); each characteristic is a number, text, bool or
 * label, named once, and its bins catch every value: an `else`, both bools,
 * or numeric bins without a gap.  A bin an earlier bin or `else` covers is
 * a warning. */
void cr_sema_check_scorecard(sema *S, cr_item *it)
{
    const cr_type *tb = cr_sema_expect_num(S, it->base, "a scorecard's base");
    bool all_int = !is_err(tb) && tb->kind == CR_T_INT;
    if (it->base && it->base->kind != E_INT && it->base->kind != E_DEC)
        err(S, it->base->span, "a scorecard's base must be a number written out");
    it->sub_index = S->nscorecards++;
    for (cr_charac *c = it->characs; c; c = c->next) {
        c->index = S->ncharacs++;
        for (cr_charac *d = it->characs; d != c; d = d->next)
            if (strcmp(d->name, c->name) == 0)
                err(S, c->name_span, "characteristic '%s' is already in this scorecard", c->name);
        /* reason codes are ASCII capitals: they travel to other systems */
        if (c->code && !cr_name_is_code(c->code))
            err(S, c->code_span, "reason code '%s' must be written in ASCII capitals, digits and '_', like SC_AGE: "
                "reason codes travel to other systems", c->code);
        else if (!c->code && !cr_name_is_ascii(c->name))
            err(S, c->name_span, "characteristic '%s' needs a reason code written in ASCII capitals, like "
                "'%s as SC_AGE': its default code, SC_ and its name, would not be ASCII", c->name, c->name);
        const cr_type *t = optional_operand(S, c->ref, c->bins && has_null_cell_bins(c->bins), c->name_span,
                                            c->name, "give it a bin 'null -> points'");
        bool numeric = is_num(t);
        if (!is_err(t) && !numeric && t->kind != CR_T_TEXT && t->kind != CR_T_LABEL && t->kind != CR_T_BOOL)
            err(S, c->name_span, "a characteristic must be a number, text, bool or label, but '%s' is %s", c->name, tname(t, (char[96]){0}));
        bool has_else = false;
        uint32_t nbins = 0;
        for (cr_bin *b = c->bins; b; b = b->next)
            nbins++;
        if (nbins > CR_MAX_PAIRWISE)
            warn(S, c->name_span, "'%s' has %u bins, more than %d: bins that can never match are not looked for",
                 c->name, nbins, CR_MAX_PAIRWISE);
        bool seen_null = false;
        for (cr_bin *b = c->bins; b; b = b->next) {
            if (b->cell.kind == CELL_NULL) {
                /* only the missing value: neither `else` nor another bin catches it */
                if (seen_null)
                    warn(S, b->span, "this bin can never match: an earlier 'null' bin catches the missing value");
                seen_null = true;
                check_cell(S, &b->cell, t);
                cr_sema_expect_num(S, b->points, "points");
                if (b->points && b->points->type && !is_err(b->points->type) && b->points->type->kind != CR_T_INT)
                    all_int = false;
                if (b->points && b->points->kind != E_INT && b->points->kind != E_DEC)
                    err(S, b->points->span, "points must be a number written out");
                continue;
            }
            bool after_else = has_else;
            if (after_else)
                warn(S, b->span, "this bin can never match: an earlier 'else' catches everything");
            if (b->cell.kind == CELL_ANY)
                has_else = true;
            check_cell(S, &b->cell, t);
            const cr_type *tp = cr_sema_expect_num(S, b->points, "points");
            if (!is_err(tp) && tp->kind != CR_T_INT)
                all_int = false;
            if (b->points && b->points->kind != E_INT && b->points->kind != E_DEC)
                err(S, b->points->span, "points must be a number written out");
            for (cr_bin *p = c->bins; p != b && !after_else && nbins <= CR_MAX_PAIRWISE; p = p->next)
                if (b->cell.kind != CELL_ANY && cell_covers(&p->cell, &b->cell, numeric)) {
                    warn(S, b->cell.span, "this bin can never match: an earlier bin of '%s' catches all its values", c->name);
                    break;
                }
        }
        bool both_bools = false;
        if (t->kind == CR_T_BOOL) {
            bool seen_true = false, seen_false = false;
            for (cr_bin *b = c->bins; b; b = b->next)
                if (b->cell.kind == CELL_EQ && b->cell.a && b->cell.a->kind == E_BOOL) {
                    if (b->cell.a->u.ival) seen_true = true;
                    else seen_false = true;
                }
            both_bools = seen_true && seen_false;
        }
        if (!has_else && !both_bools && !is_err(t)) {
            char gap[160];
            if (t->kind == CR_T_TEXT && t->labels) {
                /* a closed set: each value needs a bin, then no `else` */
                const cr_cell *cells[CR_MAX_PAIRWISE];
                uint32_t k = 0;
                for (cr_bin *b = c->bins; b && k < CR_MAX_PAIRWISE; b = b->next)
                    cells[k++] = &b->cell;
                char miss[400];
                if (values_missed(t, cells, k, miss, sizeof miss))
                    err(S, c->name_span, "no bin of '%s' catches %s; add a bin for it or 'else'", c->name, miss);
            } else if (!numeric)
                err(S, c->name_span, "characteristic '%s' has no 'else' bin, so some values of it get no points", c->name);
            else if (!numeric_bins_cover(c->bins, t->kind == CR_T_INT, gap, sizeof gap))
                err(S, c->name_span, "the bins of '%s' leave a gap: %s; add a bin or 'else'", c->name, gap);
        }
    }
    it->value_type = all_int ? &cr_type_int : &cr_type_number;
}

/* ---- segments ---- */

/* segment NAME { LABEL when expr ... LABEL otherwise }: its labels, each
 * once, in pass 2, so that a type, a comparison or a table cell may name
 * them before the segment is checked. */
void cr_sema_check_segment_labels(sema *S, cr_item *it)
{
    uint32_t n = 0;
    for (cr_seg_row *r = it->seg_rows; r; r = r->next)
        n++;
    cr_labels *l = alloc(S, sizeof *l);
    const char **names = alloc(S, (n ? n : 1) * sizeof *names);
    if (!l || !names)
        return;
    l->name = it->name;
    l->names = names;
    for (cr_seg_row *r = it->seg_rows; r; r = r->next) {
        bool dup = false;
        for (uint32_t i = 0; i < l->count; i++)
            if (strcmp(names[i], r->label) == 0)
                dup = true;
        if (dup)
            err(S, r->span, "label %s is used twice in segment %s", r->label, it->name);
        else
            names[l->count++] = r->label;
    }
    it->labels = l;
}

/* segment NAME { LABEL when expr ... LABEL otherwise }
 * Each condition is a bool; the last row is `otherwise`, so every
 * applicant gets a label.  The segment's value is one of its labels. */
void cr_sema_check_segment(sema *S, cr_item *it)
{
    /* its labels were made in pass 2 (unless memory ran out) */
    CR_ASSERT(it->labels || S->oom);
    it->sub_index = S->nsegments++;
    bool otherwise = false;
    for (cr_seg_row *r = it->seg_rows; r; r = r->next) {
        if (otherwise) {
            err(S, r->span, "this row comes after 'otherwise' and can never be chosen");
            continue;
        }
        if (!r->cond)
            otherwise = true;
        else
            cr_sema_expect_bool(S, r->cond, "a segment condition");
    }
    if (!otherwise)
        err(S, it->name_span, "segment %s has no 'otherwise' row: an applicant matching no row would get no segment", it->name);
    cr_type *t = alloc(S, sizeof *t);
    if (!t)
        return;
    t->kind = CR_T_LABEL;
    t->spelling = it->name;
    t->labels = it->labels;
    it->value_type = t;
}

/* ---- decision tables ---- */

/* "limit, rate": the names of a record's fields, into buf. */
static const char *fields_text(const cr_record *r, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = 0;
    for (uint32_t i = 0; i < r->nfields && at < size; i++) {
        int w = snprintf(buf + at, size - at, "%s%s", i ? ", " : "", r->fields[i].name);
        if (w < 0)
            break;
        at += (size_t)w;
    }
    return buf;
}

/* Can outputs of type t be put in an order for `hit priority` and
 * `hit output_order`: numbers (the highest first), a segment's labels or
 * a closed set of texts (`one of {...}`, the first declared first)? */
static bool has_priority_order(const cr_type *t)
{
    return is_err(t) || is_num(t) || t->kind == CR_T_LABEL || (t->kind == CR_T_TEXT && t->labels);
}

/* The table's output type: a type, a closed set of texts, or its named
 * outputs `(name: type, ...)` (a record). */
static const cr_type *table_out_type(sema *S, cr_item *it)
{
    bool was = S->in_input;
    S->in_input = it->type && it->type->kind == TE_ONE_OF;   /* `one of` orders a table's outputs too */
    const cr_type *out = cr_sema_type_from_expr(S, it->type, it->name);
    S->in_input = was;
    if (it->type && it->type->kind == TE_RECORD && !it->type->outputs && !is_err(out))
        err(S, it->type->span, "a table's outputs are written in round brackets: -> (name: type, ...)");
    if (out->kind == CR_T_RECORD && out->rec && out->rec->nfields == 0)
        err(S, it->type->span, "table %s names no output", it->name);
    return out;
}

/* A row's outputs against the table's: one value for one output, one per
 * named output, in order. */
static void check_row_outputs(sema *S, cr_item *it, cr_table_row *r, const cr_type *out)
{
    char b1[96], b2[96];
    bool named = out->kind == CR_T_RECORD && out->rec && it->type && it->type->outputs;
    uint32_t want = named ? out->rec->nfields : 1;
    if (r->outs.count != want) {
        if (named)
            err(S, r->span, "this row gives %u output%s but table %s has %u (%s)", r->outs.count,
                r->outs.count == 1 ? "" : "s", it->name, want, fields_text(out->rec, b1, sizeof b1));
        else
            err(S, r->outs.items[1]->span, "table %s has one output, but this row gives %u", it->name, r->outs.count);
        for (uint32_t k = 0; k < r->outs.count; k++)
            cr_sema_check(S, r->outs.items[k]);
        return;
    }
    for (uint32_t k = 0; k < want; k++) {
        cr_expr *x = r->outs.items[k];
        const cr_type *ft = named ? out->rec->fields[k].type : out;
        const cr_type *to;
        if (!cr_sema_resolve_label(S, x, ft))
            to = cr_sema_check(S, x);
        else
            to = x->type;
        if (!cr_sema_assignable(ft, to)) {
            if (named)
                err(S, x->span, "output %s of table %s is %s, but this row gives %s", out->rec->fields[k].name,
                    it->name, tname(ft, b1), tname(to, b2));
            else
                err(S, x->span, "table %s gives %s, but this row gives %s", it->name, tname(ft, b1), tname(to, b2));
        } else {
            cr_sema_check_category(S, ft, x);
        }
    }
}

/* table NAME(expr, ...) -> type hit first|unique|priority|any|collect [sum|min|max|count]|rule_order|output_order
 *     { cell, ... -> value, ... ; default -> value, ... }
 * and the grid form, table NAME(expr, expr) -> type { | cell | cell ... cell | value | value ... },
 * which the parser spreads into first-hit rows of two cells.
 * Each row has one cell per input, each cell tests its input, each row
 * gives one value per output (a type, or named outputs `(name: type, ...)`,
 * whose value is a record); a `default` row, last, gives the outputs when
 * no other row matches.  The hit policy sets the value's type (collect,
 * rule_order and output_order give a list, collect count an int) and
 * what is warned about: rows that can never match (first) or can both
 * match (unique). */
void cr_sema_check_table(sema *S, cr_item *it)
{
    it->sub_index = S->ntables++;
    uint32_t errors_before = S->diags->errors;
    uint32_t n = it->inputs.count;
    const cr_type **in = alloc(S, (n ? n : 1) * sizeof *in);
    if (!in)
        return;
    for (uint32_t i = 0; i < n; i++) {
        bool has_null = false;
        for (cr_table_row *r = it->rows; r && !has_null; r = r->next)
            has_null = r->ncells == n && r->cells[i].kind == CELL_NULL;
        char path[256];
        cr_expr *x = it->inputs.items[i];
        if (!cr_sema_path_of(x, path, sizeof path))
            snprintf(path, sizeof path, "input %u of table %s", i + 1, it->name);
        in[i] = optional_operand(S, x, has_null, x->span, path, "give a row a 'null' cell for it");
    }
    const cr_type *out = table_out_type(S, it);
    char b1[96];
    uint32_t rowno = 0;
    const cr_table_row *deflt = NULL;
    for (cr_table_row *r = it->rows; r; r = r->next, rowno++) {
        if (r->is_default) {
            if (deflt)
                err(S, r->span, "table %s has two default rows", it->name);
            else if (r->next)
                err(S, r->span, "the default row of table %s must be its last row", it->name);
            else if (it->hit == HIT_COLLECT && it->collect == COLLECT_COUNT)
                err(S, r->span, "'hit collect count' has no default: it counts 0 when no row matches");
            deflt = r;
            check_row_outputs(S, it, r, out);
            continue;
        }
        if (r->ncells != n) {
            err(S, r->span, "this row has %u cells but table %s has %u inputs", r->ncells, it->name, n);
            continue;
        }
        for (uint32_t i = 0; i < n; i++) {
            /* a grid's row test and column test are shared by many rows
             * (only a grid's: other tables would pay rows x rows here) */
            bool seen = false;
            for (cr_table_row *p = it->rows; r->grid_row_span.end && p != r && !seen; p = p->next)
                seen = p->ncells == n && p->cells[i].span.start == r->cells[i].span.start &&
                       p->cells[i].span.end == r->cells[i].span.end;
            if (seen) {
                if (r->cells[i].a && !r->cells[i].a->type)
                    r->cells[i].a->type = &cr_type_error;
                continue;
            }
            check_cell(S, &r->cells[i], in[i]);
        }
        check_row_outputs(S, it, r, out);
    }
    /* a closed set of values as an input: a value no row's cell can
     * match would stop the application, so every value needs a row (one
     * column at a time: with several inputs, a row must still match the
     * others); a default row gives what no other row does */
    for (uint32_t i = 0; i < n && it->hit != HIT_COLLECT && it->hit != HIT_RULE_ORDER &&
                         it->hit != HIT_OUTPUT_ORDER && !deflt; i++) {
        if (in[i]->kind != CR_T_TEXT || !in[i]->labels)
            continue;
        const cr_cell *cells[CR_MAX_PAIRWISE];
        uint32_t k = 0;
        for (cr_table_row *r = it->rows; r && k < CR_MAX_PAIRWISE; r = r->next)
            if (r->ncells == n)
                cells[k++] = &r->cells[i];
        char miss[400], path[256];
        if (!cr_sema_path_of(it->inputs.items[i], path, sizeof path))
            snprintf(path, sizeof path, "input %u", i + 1);
        if (values_missed(in[i], cells, k, miss, sizeof miss))
            err(S, it->inputs.items[i]->span, "no row of table %s matches '%s' when it is %s; add a row or an 'else' cell",
                it->name, path, miss);
    }
    /* an application no row matches, from the values of several columns
     * together: only where it would be an ERROR, and only when the table
     * checked without an error (its cells are then what they seem) */
    if (S->diags->errors == errors_before && !deflt &&
        (it->hit == HIT_FIRST || it->hit == HIT_UNIQUE || it->hit == HIT_ANY || it->hit == HIT_PRIORITY))
        cr_sema_table_gaps(S, it, in);
    /* rows that never match (first) or may overlap (unique): every pair of
     * rows, so not for a table too big for that (README.md, "Limits") */
    rowno = 1;
    uint32_t nrows = 0;
    for (cr_table_row *r = it->rows; r; r = r->next)
        nrows++;
    if (nrows > CR_MAX_PAIRWISE && (it->hit == HIT_FIRST || it->hit == HIT_UNIQUE || it->hit == HIT_ANY))
        warn(S, it->name_span, "table %s has %u rows, more than %d: rows that %s are not looked for", it->name, nrows,
             CR_MAX_PAIRWISE, it->hit == HIT_FIRST ? "can never match" : "can both match");
    for (cr_table_row *r = it->rows; r && nrows <= CR_MAX_PAIRWISE; r = r->next, rowno++) {
        if (r->ncells != n || r->is_default)
            continue;
        uint32_t prevno = 1;
        for (cr_table_row *p = it->rows; p != r; p = p->next, prevno++) {
            if (p->ncells != n || p->is_default)
                continue;
            bool covers = true, meets = true;
            for (uint32_t i = 0; i < n; i++) {
                bool numeric = !is_err(in[i]) && is_num(in[i]);
                if (!cell_covers(&p->cells[i], &r->cells[i], numeric))
                    covers = false;
                if (!cells_meet(&p->cells[i], &r->cells[i], numeric))
                    meets = false;
            }
            if (covers && it->hit == HIT_FIRST) {
                warn(S, r->span, "row %u of table %s can never match: row %u matches everything it does", rowno, it->name, prevno);
                break;
            }
            if (meets && it->hit == HIT_UNIQUE) {
                warn(S, r->span, "rows %u and %u of unique table %s can both match one application", prevno, rowno, it->name);
                break;
            }
            /* hit any: rows that match together must agree, else that
             * application is an ERROR when it is decided */
            if (meets && it->hit == HIT_ANY && outputs_differ(p, r)) {
                warn(S, r->span, "rows %u and %u of table %s (hit any) can both match one application and give "
                     "different outputs: it would be an ERROR", prevno, rowno, it->name);
                break;
            }
        }
    }
    const cr_type *vt = out;
    if (it->hit == HIT_COLLECT) {
        switch (it->collect) {
        case COLLECT_LIST: vt = cr_sema_list_of(S, out); break;
        case COLLECT_COUNT: vt = &cr_type_int; break;
        default:
            if (!is_err(out) && !is_num(out))
                err(S, it->type->span, "'hit collect' with sum, min or max needs a numeric output, not %s", tname(out, b1));
            break;
        }
    }
    if (it->hit == HIT_RULE_ORDER || it->hit == HIT_OUTPUT_ORDER)
        vt = cr_sema_list_of(S, out);
    if ((it->hit == HIT_PRIORITY || it->hit == HIT_OUTPUT_ORDER) && !is_err(out)) {
        const char *h = it->hit == HIT_PRIORITY ? "priority" : "output_order";
        if (out->kind == CR_T_RECORD && out->rec) {
            for (uint32_t k = 0; k < out->rec->nfields; k++)
                if (!has_priority_order(out->rec->fields[k].type)) {
                    err(S, it->type->span, "'hit %s' orders the outputs, but output %s is %s: each output must be "
                        "numbers (the highest first), a segment's labels or one of {...} (the first declared first)",
                        h, out->rec->fields[k].name, tname(out->rec->fields[k].type, b1));
                    break;
                }
        } else if (!has_priority_order(out)) {
            err(S, it->type->span, "'hit %s' needs an output in an order: numbers (the highest first), a segment's "
                "labels or one of {...} (the first declared first), not %s", h, tname(out, b1));
        }
    }
    it->value_type = vt;
}

interval cr_sema_int_interval(interval x) { return int_interval(x); }
const cr_expr *cr_sema_const_resolved(const cr_expr *e) { return const_resolved(e); }
bool cr_sema_literal_dec(const cr_expr *e, cr_dec *d) { return literal_dec(e, d); }
const cr_expr_list *cr_sema_cell_values(const cr_cell *c) { return cell_values(c); }
