/* Dependency analysis on the checked tree: what an expression reaches
 * through the items and functions it names.  Two questions are asked:
 * does an admission rule read the admission's own outcome (it would depend
 * on itself), and does a function call itself (credo has no recursion)?
 * Each walk visits an item once (its answer is kept on the item), so it is
 * linear in the policy; the cycles between lets were already found while
 * checking ("depends on itself").  lang/sema.c says how this
 * part fits the others. */
#include "lang/sema_private.h"

/* ---- admission rules that read the admission ---- */

/* How deep a walk goes through items before it stops without an answer;
 * far past any real policy, and short enough for the C stack (a chain of
 * 50,000 lets is in tests/golden/hostile_policies.sh).  An answer cut
 * short is not kept. */
#define MAX_WALK_DEPTH 4096

enum { ADM_NOT_KNOWN, ADM_WALKING, ADM_NO, ADM_YES };

typedef struct adm_walk {
    const char **via;
    bool cut;           /* somewhere the walk went past MAX_WALK_DEPTH */
} adm_walk;

static bool uses_admission(const cr_expr *e, int depth, adm_walk *w);
static bool list_uses_admission(const cr_expr_list *l, int depth, adm_walk *w);
static bool item_uses_admission(cr_item *it, int depth, adm_walk *w);

/* Does e read the admission outcome (admission.reasons, .rejected, ...),
 * directly or through lets, scorecards, segments, tables or functions?
 * *via names the item that reads it.  Each item's answer is kept on it,
 * so a policy whose items each read the one before twice is walked once
 * per item, not once per path (2^30 paths took minutes). */
bool cr_sema_uses_admission(const cr_expr *e, int depth, const char **via)
{
    adm_walk w = {via, false};
    return uses_admission(e, depth, &w);
}

static bool uses_admission(const cr_expr *e, int depth, adm_walk *w)
{
    if (!e)
        return false;
    switch (e->kind) {
    case E_ADMISSION: return true;
    case E_NAME:
        return e->ref == REF_ITEM && e->item && item_uses_admission(e->item, depth + 1, w);
    case E_CALL:
        if (e->ref == REF_FN && e->item && item_uses_admission(e->item, depth + 1, w))
            return true;
        return list_uses_admission(&e->u.call.args, depth, w);
    case E_METHOD:
        return (e->item && item_uses_admission(e->item, depth + 1, w)) || list_uses_admission(&e->u.call.args, depth, w);
    case E_FIELD:
        if (e->ref == REF_CHARAC && e->item)
            return item_uses_admission(e->item, depth + 1, w);
        return uses_admission(e->u.call.recv, depth, w);
    case E_UNARY: case E_BINARY:
        return uses_admission(e->u.bin.a, depth, w) || uses_admission(e->u.bin.b, depth, w);
    case E_INDEX: case E_SLICE: case E_IF: case E_MATCHES: case E_ISNULL: case E_HAS: case E_BETWEEN:
        return uses_admission(e->u.tri.a, depth, w) || uses_admission(e->u.tri.b, depth, w) ||
               uses_admission(e->u.tri.c, depth, w);
    case E_LIST: case E_SET:
        return list_uses_admission(&e->u.list, depth, w);
    case E_AGG: case E_COMP:
        return uses_admission(e->u.loop.src, depth, w) || uses_admission(e->u.loop.cond, depth, w) ||
               uses_admission(e->u.loop.body, depth, w);
    default:
        return false;
    }
}

/* Does any expression of l read the admission outcome? */
static bool list_uses_admission(const cr_expr_list *l, int depth, adm_walk *w)
{
    for (uint32_t i = 0; i < l->count; i++)
        if (uses_admission(l->items[i], depth, w))
            return true;
    return false;
}

/* Does a scorecard bin's or table cell's test read it (`< cutoff`)? */
static bool cell_uses_admission(const cr_cell *c, int depth, adm_walk *w)
{
    return uses_admission(c->a, depth, w) || uses_admission(c->b, depth, w) || list_uses_admission(&c->set, depth, w);
}

/* Does the item's value read the admission outcome?  The answer is kept
 * on the item (cr_item.reads_admission). */
static bool item_uses_admission(cr_item *it, int depth, adm_walk *w)
{
    if (it->reads_admission == ADM_YES) {
        if (!*w->via)
            *w->via = it->admission_via;
        return true;
    }
    if (it->reads_admission != ADM_NOT_KNOWN)   /* no, or a cycle: reported elsewhere */
        return false;
    if (depth > MAX_WALK_DEPTH) {
        w->cut = true;
        return false;
    }
    it->reads_admission = ADM_WALKING;
    bool cut_before = w->cut;
    w->cut = false;
    const char *via = NULL, **outer = w->via;
    w->via = &via;
    bool hit = false;
    switch (it->kind) {
    case I_CONST: case I_LET: case I_RESULT: case I_FN:
        hit = uses_admission(it->expr, depth, w);
        break;
    case I_SCORECARD:
        for (const cr_charac *c = it->characs; c && !hit; c = c->next) {
            hit = uses_admission(c->ref, depth, w);
            for (const cr_bin *b = c->bins; b && !hit; b = b->next)
                hit = cell_uses_admission(&b->cell, depth, w) || uses_admission(b->points, depth, w);
        }
        break;
    case I_SEGMENT:
        for (const cr_seg_row *r = it->seg_rows; r && !hit; r = r->next)
            hit = uses_admission(r->cond, depth, w);
        break;
    case I_TABLE:
        hit = list_uses_admission(&it->inputs, depth, w);
        for (const cr_table_row *r = it->rows; r && !hit; r = r->next) {
            hit = list_uses_admission(&r->outs, depth, w);
            for (uint32_t i = 0; i < r->ncells && !hit; i++)
                hit = cell_uses_admission(&r->cells[i], depth, w);
        }
        break;
    default:
        break;
    }
    if (hit && !via)
        via = it->name;
    w->via = outer;
    if (hit && !*outer)
        *outer = via;
    it->admission_via = via;
    it->reads_admission = hit ? ADM_YES : w->cut ? ADM_NOT_KNOWN : ADM_NO;
    w->cut = w->cut || cut_before;
    return hit;
}

/* ---- functions that call themselves ---- */

static bool item_reaches(const cr_item *it, const cr_item *target, int depth);
static bool list_reaches(const cr_expr_list *l, const cr_item *target, int depth);

/* Does e call the function target, directly or through another function
 * or an item it reads? */
bool cr_sema_fn_reaches(const cr_expr *e, const cr_item *target, int depth)
{
    if (!e)
        return false;
    switch (e->kind) {
    case E_CALL:
        if (e->ref == REF_FN && e->item) {
            CR_ASSERT(e->item->kind == I_FN); /* its expr is the body */
            if (e->item == target)
                return true;
            if (item_reaches(e->item, target, depth + 1))
                return true;
        }
        return list_reaches(&e->u.call.args, target, depth);
    case E_NAME:
        /* a let (or scorecard, segment, table) computed from inside the
         * function may call it again: that is recursion too */
        return e->ref == REF_ITEM && e->item && item_reaches(e->item, target, depth + 1);
    case E_METHOD: return cr_sema_fn_reaches(e->u.call.recv, target, depth) || list_reaches(&e->u.call.args, target, depth);
    case E_FIELD: return cr_sema_fn_reaches(e->u.call.recv, target, depth);
    case E_UNARY: case E_BINARY: return cr_sema_fn_reaches(e->u.bin.a, target, depth) || cr_sema_fn_reaches(e->u.bin.b, target, depth);
    case E_INDEX: case E_SLICE: case E_IF: case E_MATCHES: case E_ISNULL: case E_HAS: case E_BETWEEN:
        return cr_sema_fn_reaches(e->u.tri.a, target, depth) || cr_sema_fn_reaches(e->u.tri.b, target, depth) || cr_sema_fn_reaches(e->u.tri.c, target, depth);
    case E_LIST: case E_SET: return list_reaches(&e->u.list, target, depth);
    case E_AGG: case E_COMP:
        return cr_sema_fn_reaches(e->u.loop.src, target, depth) || cr_sema_fn_reaches(e->u.loop.cond, target, depth) || cr_sema_fn_reaches(e->u.loop.body, target, depth);
    default: return false;
    }
}

/* Does a table cell's operand call target? */
static bool cell_reaches(const cr_cell *c, const cr_item *target, int depth)
{
    if (cr_sema_fn_reaches(c->a, target, depth) || cr_sema_fn_reaches(c->b, target, depth))
        return true;
    for (uint32_t i = 0; i < c->set.count; i++)
        if (cr_sema_fn_reaches(c->set.items[i], target, depth))
            return true;
    return false;
}

/* Does the item's value call target?  An item this walk passed already
 * did not (the walk would have stopped), so each is walked once. */
static bool item_reaches(const cr_item *it, const cr_item *target, int depth)
{
    if (depth > MAX_WALK_DEPTH || it->reach_target == target)
        return false;
    ((cr_item *)it)->reach_target = target;
    switch (it->kind) {
    case I_CONST: case I_LET: case I_RESULT: case I_FN:
        return cr_sema_fn_reaches(it->expr, target, depth);
    case I_SCORECARD:
        for (const cr_charac *c = it->characs; c; c = c->next)
            if (cr_sema_fn_reaches(c->ref, target, depth))
                return true;
        return false;
    case I_SEGMENT:
        for (const cr_seg_row *r = it->seg_rows; r; r = r->next)
            if (cr_sema_fn_reaches(r->cond, target, depth))
                return true;
        return false;
    case I_TABLE:
        for (uint32_t i = 0; i < it->inputs.count; i++)
            if (cr_sema_fn_reaches(it->inputs.items[i], target, depth))
                return true;
        for (const cr_table_row *r = it->rows; r; r = r->next) {
            for (uint32_t k = 0; k < r->outs.count; k++)
                if (cr_sema_fn_reaches(r->outs.items[k], target, depth))
                    return true;
            for (uint32_t i = 0; i < r->ncells; i++)
                if (cell_reaches(&r->cells[i], target, depth))
                    return true;
        }
        return false;
    default:
        return false;
    }
}

/* Does any expression of l call target? */
static bool list_reaches(const cr_expr_list *l, const cr_item *target, int depth)
{
    for (uint32_t i = 0; i < l->count; i++)
        if (cr_sema_fn_reaches(l->items[i], target, depth))
            return true;
    return false;
}
