/* Dependency analysis on the checked tree: what an expression reaches
 * through the items and functions it names.  Two questions are asked:
 * does an admission rule read the admission's own outcome (it would depend
 * on itself), and does a function call itself (credo has no recursion)?
 * Both walks stop 64 items deep; the cycles between lets were already
 * found while checking ("depends on itself").  lang/sema.c says how this
 * part fits the others. */
#include "lang/sema_private.h"

/* ---- admission rules that read the admission ---- */

static bool list_uses_admission(const cr_expr_list *l, int depth, const char **via);
static bool item_uses_admission(const cr_item *it, int depth, const char **via);

/* Does e read the admission outcome (admission.reasons, .rejected, ...),
 * directly or through lets, scorecards, segments, tables or functions?
 * *via names the first item it went through. */
bool cr_sema_uses_admission(const cr_expr *e, int depth, const char **via)
{
    if (!e || depth > 64)
        return false;
    switch (e->kind) {
    case E_ADMISSION: return true;
    case E_NAME:
        return e->ref == REF_ITEM && e->item && item_uses_admission(e->item, depth + 1, via);
    case E_CALL:
        if (e->ref == REF_FN && e->item && item_uses_admission(e->item, depth + 1, via))
            return true;
        return list_uses_admission(&e->u.call.args, depth, via);
    case E_METHOD:
        return (e->item && item_uses_admission(e->item, depth + 1, via)) || list_uses_admission(&e->u.call.args, depth, via);
    case E_FIELD:
        if (e->ref == REF_CHARAC && e->item)
            return item_uses_admission(e->item, depth + 1, via);
        return cr_sema_uses_admission(e->u.call.recv, depth, via);
    case E_UNARY: case E_BINARY:
        return cr_sema_uses_admission(e->u.bin.a, depth, via) || cr_sema_uses_admission(e->u.bin.b, depth, via);
    case E_INDEX: case E_SLICE: case E_IF: case E_MATCHES: case E_ISNULL: case E_HAS:
        return cr_sema_uses_admission(e->u.tri.a, depth, via) || cr_sema_uses_admission(e->u.tri.b, depth, via) ||
               cr_sema_uses_admission(e->u.tri.c, depth, via);
    case E_LIST: case E_SET:
        return list_uses_admission(&e->u.list, depth, via);
    case E_AGG: case E_COMP:
        return cr_sema_uses_admission(e->u.loop.src, depth, via) || cr_sema_uses_admission(e->u.loop.cond, depth, via) ||
               cr_sema_uses_admission(e->u.loop.body, depth, via);
    default:
        return false;
    }
}

/* Does any expression of l read the admission outcome? */
static bool list_uses_admission(const cr_expr_list *l, int depth, const char **via)
{
    for (uint32_t i = 0; i < l->count; i++)
        if (cr_sema_uses_admission(l->items[i], depth, via))
            return true;
    return false;
}

/* Does the item's value read the admission outcome?  Names the item in *via when it is the first. */
static bool item_uses_admission(const cr_item *it, int depth, const char **via)
{
    if (depth > 64)
        return false;
    bool hit = false;
    switch (it->kind) {
    case I_CONST: case I_LET: case I_RESULT: case I_FN:
        hit = cr_sema_uses_admission(it->expr, depth, via);
        break;
    case I_SCORECARD:
        for (const cr_charac *c = it->characs; c && !hit; c = c->next)
            hit = cr_sema_uses_admission(c->ref, depth, via);
        break;
    case I_SEGMENT:
        for (const cr_seg_row *r = it->seg_rows; r && !hit; r = r->next)
            hit = cr_sema_uses_admission(r->cond, depth, via);
        break;
    case I_TABLE:
        hit = list_uses_admission(&it->inputs, depth, via);
        for (const cr_table_row *r = it->rows; r && !hit; r = r->next)
            hit = cr_sema_uses_admission(r->out, depth, via);
        break;
    default:
        break;
    }
    if (hit && !*via)
        *via = it->name;
    return hit;
}

/* ---- functions that call themselves ---- */

static bool item_reaches(const cr_item *it, const cr_item *target, int depth);
static bool list_reaches(const cr_expr_list *l, const cr_item *target, int depth);

/* Does e call the function target, directly or through another function
 * or an item it reads? */
bool cr_sema_fn_reaches(const cr_expr *e, const cr_item *target, int depth)
{
    if (!e || depth > 64)
        return false;
    switch (e->kind) {
    case E_CALL:
        if (e->ref == REF_FN && e->item) {
            CR_ASSERT(e->item->kind == I_FN); /* its expr is the body */
            if (e->item == target)
                return true;
            if (cr_sema_fn_reaches(e->item->expr, target, depth + 1))
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
    case E_INDEX: case E_SLICE: case E_IF: case E_MATCHES: case E_ISNULL: case E_HAS:
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

/* Does the item's value call target? */
static bool item_reaches(const cr_item *it, const cr_item *target, int depth)
{
    if (depth > 64)
        return false;
    switch (it->kind) {
    case I_CONST: case I_LET: case I_RESULT:
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
            if (cr_sema_fn_reaches(r->out, target, depth))
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
