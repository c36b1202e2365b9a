/* The expansion budget.  The compiler inlines a function at every call
 * (lang/compile.c), so what one call becomes is its function's body with
 * every call in that body inlined in turn: 25 functions that each call
 * the one before twice are 2^25 copies of the first, from a 1 KB file.
 * This pass measures, without inlining anything, what each call would
 * copy, and refuses a policy past one of three bounds, at the call and
 * naming the chain of functions that grows:
 *
 *   nodes copied by inlining, in all     CR_MAX_EXPANSION
 *   functions calling functions          CR_MAX_CALL_DEPTH deep
 *   nesting of an expression, inlined    CR_MAX_INLINED_DEPTH levels
 *
 * Each function is measured once (the answer is kept on its item), so the
 * pass is linear in the policy however much the calls would copy; the
 * walk stops at the first bound it passes, so its own depth is bounded
 * too.  Nothing else in a policy grows faster than its source: lets,
 * consts, scorecards, segments and tables are compiled once, and a
 * comprehension or aggregate nests only as deep as it is written (the
 * nesting limit).  lang/sema.c says how this part fits the others. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lang/sema_private.h"

enum { MEASURE_NOT_YET, MEASURE_WALKING, MEASURE_DONE };

/* What an expression comes to once every call in it is inlined. */
typedef struct measure {
    uint64_t nodes;           /* its nodes and those of the bodies copied (saturating) */
    uint32_t depth;           /* how deep it nests */
    uint32_t calls;           /* the longest chain of calls in it */
    const cr_item *heaviest;  /* the function whose call copies the most, or NULL */
    const cr_item *deepest;   /* the function at the head of the longest chain, or NULL */
} measure;

typedef struct expander {
    sema *S;
    uint64_t copied;                            /* nodes copied by the calls so far */
    const cr_item *path[CR_MAX_CALL_DEPTH + 2]; /* the functions being measured, outermost first */
    uint32_t npath;
    bool stop;                                  /* a bound was passed: the walk ends */
    int why;                                    /* which (PASSED_...), or the budget (reported) */
    const cr_item *culprit;                     /* the function the walk stopped at */
} expander;

static uint64_t add_sat(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

static measure measure_expr(expander *X, const cr_expr *e, uint32_t level, bool top);

/* Merges a child's measure into its parent's. */
static void merge(measure *m, measure c)
{
    m->nodes = add_sat(m->nodes, c.nodes);
    if (c.depth + 1 > m->depth)
        m->depth = c.depth + 1;
    if (c.calls > m->calls) {
        m->calls = c.calls;
        m->deepest = c.deepest;
    }
    if (c.heaviest && (!m->heaviest || c.heaviest->expand_nodes > m->heaviest->expand_nodes))
        m->heaviest = c.heaviest;
}

static void merge_list(expander *X, measure *m, const cr_expr_list *l, uint32_t level, bool top)
{
    for (uint32_t i = 0; i < l->count && !X->stop; i++)
        merge(m, measure_expr(X, l->items[i], level + 1, top));
}

/* Why the walk stopped. */
enum { PASSED_NOTHING, PASSED_CALL_DEPTH, PASSED_NESTING };

/* "f25 -> f24 -> ... -> f1": the functions being measured when the walk
 * stopped, then the one it stopped at and, when that one was measured
 * already, the chain below it (by_depth: its longest chain of calls, else
 * the calls that copy the most); a long chain keeps its first and last
 * names. */
static void chain_text(const expander *X, const cr_item *last, bool by_depth, char *buf, size_t size)
{
    const cr_item *names[2 * CR_MAX_CALL_DEPTH + 4];
    uint32_t n = 0;
    for (uint32_t i = 0; i < X->npath; i++)
        names[n++] = X->path[i];
    for (const cr_item *f = last; f && n < sizeof names / sizeof names[0];
         f = f->expand_state == MEASURE_DONE ? (by_depth ? f->expand_deepest : f->expand_heaviest) : NULL)
        names[n++] = f;
    size_t at = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < n && at < size; i++) {
        if (n > 10 && i == 6) {
            at += (size_t)snprintf(buf + at, size - at, " -> ...");
            i = n - 3;
        }
        at += (size_t)snprintf(buf + at, size - at, "%s%s", i ? " -> " : "", names[i]->name);
    }
}

static void stop(expander *X, int why, const cr_item *at)
{
    X->stop = true;
    X->why = why;
    X->culprit = at;
}

/* Measures function fn's body (once: the answer is kept on the item), or
 * stops the walk when fn would be one function too deep. */
static void measure_fn(expander *X, cr_item *fn, uint32_t level)
{
    if (fn->expand_state != MEASURE_NOT_YET)
        return;     /* measured, or being measured: it calls itself, which sema reports */
    if (X->npath >= CR_MAX_CALL_DEPTH || level > CR_MAX_INLINED_DEPTH) {
        stop(X, level > CR_MAX_INLINED_DEPTH ? PASSED_NESTING : PASSED_CALL_DEPTH, fn);
        return;
    }
    fn->expand_state = MEASURE_WALKING;
    X->path[X->npath++] = fn;
    measure m = measure_expr(X, fn->expr, level, false);
    if (X->stop)
        return;     /* the path stays as it is, for the message */
    X->npath--;
    fn->expand_nodes = m.nodes;
    fn->expand_depth = m.depth;
    fn->expand_calls = m.calls + 1;
    fn->expand_heaviest = m.heaviest;
    fn->expand_deepest = m.deepest;
    fn->expand_state = MEASURE_DONE;
}

/* A number for a message: exact, or "more than 10^12". */
static const char *count_text(uint64_t n, char *buf, size_t size)
{
    if (n > 1000000000000ull)
        snprintf(buf, size, "more than 10^12");
    else
        snprintf(buf, size, "%" PRIu64, n);
    return buf;
}

/* A call of a function: its arguments, once each, and its body copied.
 * A call written in an item (`top`) adds its copy to the policy's, and
 * reports a bound the walk from it passed. */
static measure measure_call(expander *X, const cr_expr *e, uint32_t level, bool top)
{
    measure m = {1, 1, 0, NULL, NULL};
    merge_list(X, &m, &e->u.call.args, level, top);
    cr_item *fn = e->item;
    if (!X->stop)
        measure_fn(X, fn, level + 1);
    if (!X->stop && fn->expand_state == MEASURE_DONE) {
        if (X->npath + fn->expand_calls > CR_MAX_CALL_DEPTH)
            stop(X, PASSED_CALL_DEPTH, fn);
        else if (level + fn->expand_depth > CR_MAX_INLINED_DEPTH)
            stop(X, PASSED_NESTING, fn);
    }
    if (X->stop) {
        if (top && X->why != PASSED_NOTHING) {
            char chain[400];
            chain_text(X, X->culprit, X->why == PASSED_CALL_DEPTH, chain, sizeof chain);
            if (X->why == PASSED_NESTING)
                err(X->S, e->span, "%s: inlined, this call nests more than %d levels deep, the most an expression may",
                    chain, CR_MAX_INLINED_DEPTH);
            else
                err(X->S, e->span, "%s: functions call functions more than %d deep, the most they may",
                    chain, CR_MAX_CALL_DEPTH);
        }
        return m;
    }
    if (fn->expand_state != MEASURE_DONE)
        return m;   /* it calls itself: reported by sema */
    merge(&m, (measure){fn->expand_nodes, fn->expand_depth, fn->expand_calls, fn, fn});
    if (top) {
        X->copied = add_sat(X->copied, fn->expand_nodes);
        if (X->copied > CR_MAX_EXPANSION) {
            char chain[400], call[32], all[32];
            chain_text(X, fn, false, chain, sizeof chain);
            err(X->S, e->span,
                "%s exceeds the expansion budget of %d nodes: a function's body is copied at every call, "
                "and this call copies %s (the policy %s in all)", chain, CR_MAX_EXPANSION,
                count_text(fn->expand_nodes, call, sizeof call), count_text(X->copied, all, sizeof all));
            stop(X, PASSED_NOTHING, fn);
        }
    }
    return m;
}

/* What e comes to inlined; `level` is how deep the walk is in the
 * expression being inlined into, `top` whether e is written in an item
 * (not in a function's body). */
static measure measure_expr(expander *X, const cr_expr *e, uint32_t level, bool top)
{
    measure m = {0, 0, 0, NULL, NULL};
    if (!e || X->stop)
        return m;
    m.nodes = 1;
    m.depth = 1;
    switch (e->kind) {
    case E_CALL:
        if (e->ref == REF_FN && e->item)
            return measure_call(X, e, level, top);
        merge_list(X, &m, &e->u.call.args, level, top);
        break;
    case E_METHOD:
        merge(&m, measure_expr(X, e->u.call.recv, level + 1, top));
        merge_list(X, &m, &e->u.call.args, level, top);
        break;
    case E_FIELD:
        merge(&m, measure_expr(X, e->u.call.recv, level + 1, top));
        break;
    case E_UNARY: case E_BINARY:
        merge(&m, measure_expr(X, e->u.bin.a, level + 1, top));
        merge(&m, measure_expr(X, e->u.bin.b, level + 1, top));
        break;
    case E_INDEX: case E_SLICE: case E_IF: case E_MATCHES: case E_ISNULL: case E_HAS: case E_BETWEEN:
        merge(&m, measure_expr(X, e->u.tri.a, level + 1, top));
        merge(&m, measure_expr(X, e->u.tri.b, level + 1, top));
        merge(&m, measure_expr(X, e->u.tri.c, level + 1, top));
        break;
    case E_LIST: case E_SET:
        merge_list(X, &m, &e->u.list, level, top);
        break;
    case E_AGG: case E_COMP:
        merge(&m, measure_expr(X, e->u.loop.src, level + 1, top));
        merge(&m, measure_expr(X, e->u.loop.cond, level + 1, top));
        merge(&m, measure_expr(X, e->u.loop.body, level + 1, top));
        break;
    default:
        break;
    }
    return m;
}

static void measure_cell(expander *X, const cr_cell *c)
{
    measure_expr(X, c->a, 0, true);
    measure_expr(X, c->b, 0, true);
    for (uint32_t i = 0; i < c->set.count; i++)
        measure_expr(X, c->set.items[i], 0, true);
}

/* Every expression written in an item (a function's body is measured
 * where it is called). */
static void measure_item(expander *X, const cr_item *it)
{
    switch (it->kind) {
    case I_CONST: case I_LET: case I_RESULT:
        measure_expr(X, it->expr, 0, true);
        break;
    case I_ADMISSION: case I_RULE:
        for (const cr_rule_decl *r = it->rules; r; r = r->next)
            measure_expr(X, r->cond, 0, true);
        break;
    case I_SCORECARD:
        for (const cr_charac *c = it->characs; c; c = c->next)
            for (const cr_bin *b = c->bins; b; b = b->next) {
                measure_cell(X, &b->cell);
                measure_expr(X, b->points, 0, true);
            }
        break;
    case I_SEGMENT:
        for (const cr_seg_row *r = it->seg_rows; r; r = r->next)
            measure_expr(X, r->cond, 0, true);
        break;
    case I_TABLE:
        for (uint32_t i = 0; i < it->inputs.count; i++)
            measure_expr(X, it->inputs.items[i], 0, true);
        for (const cr_table_row *r = it->rows; r; r = r->next) {
            for (uint32_t k = 0; k < r->outs.count; k++)
                measure_expr(X, r->outs.items[k], 0, true);
            for (uint32_t i = 0; i < r->ncells; i++)
                measure_cell(X, &r->cells[i]);
        }
        break;
    case I_DECIDE:
        for (const cr_decide_row *r = it->decide; r; r = r->next) {
            measure_expr(X, r->cond, 0, true);
            for (uint32_t i = 0; i < r->reasons.count; i++)
                measure_expr(X, r->reasons.items[i], 0, true);
        }
        break;
    default:
        break;
    }
}

void cr_sema_check_expansion(sema *S)
{
    expander X;
    memset(&X, 0, sizeof X);
    X.S = S;
    for (const cr_item *it = S->ast->items; it && !X.stop; it = it->next)
        measure_item(&X, it);
}
