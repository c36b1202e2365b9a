/* The static warnings: what an author and a reviewer want to know about a
 * policy that compiles.  A condition whose value is known when compiling
 * (always true or always false), an and-chain whose tests of one value
 * contradict each other (age < 18 and age > 65) or an or-chain whose
 * tests leave out no value (x >= 0 or x < 0), anywhere in a condition or
 * a let (sema_logic.c reads the chains), a value compared with itself, a
 * segment row after one that always matches.  They run last,
 * and only on a policy without errors, over the checked tree.  lang/sema.c
 * says how this part fits the others. */
#include <stdio.h>
#include <string.h>

#include "lang/sema_private.h"

/* ---- values known when compiling ---- */

/* The value of a literal number or text, or of a const holding one; *kind
 * says which (1 number, 2 text). */
static bool const_value(const cr_expr *e, cr_dec *num, const char **txt, uint32_t *tlen, int *kind)
{
    if (!e)
        return false;
    switch (e->kind) {
    case E_INT: *num = cr_dec_from_int(e->u.ival); *kind = 1; return true;
    case E_DEC: *num = e->u.dval; *kind = 1; return true;
    case E_STR: *txt = e->u.str.s; *tlen = e->u.str.len; *kind = 2; return true;
    case E_NAME:
        if (e->ref == REF_ITEM && e->item && e->item->kind == I_CONST)
            return const_value(e->item->expr, num, txt, tlen, kind);
        return false;
    default:
        return false;
    }
}

/* The value of a condition known when compiling: literals and consts
 * combined with and/or/not and comparisons of numbers or texts. */
static bool const_bool(const cr_expr *e, bool *out)
{
    if (!e)
        return false;
    bool a, b;
    switch (e->kind) {
    case E_BOOL: *out = e->u.ival != 0; return true;
    case E_NAME:
        if (e->ref == REF_ITEM && e->item && e->item->kind == I_CONST)
            return const_bool(e->item->expr, out);
        return false;
    case E_UNARY:
        if (e->u.bin.op == OP_NOT_ && const_bool(e->u.bin.a, &a)) { *out = !a; return true; }
        return false;
    case E_BINARY: {
        cr_op op = e->u.bin.op;
        if (op == OP_AND_) {
            bool ka = const_bool(e->u.bin.a, &a), kb = const_bool(e->u.bin.b, &b);
            if ((ka && !a) || (kb && !b)) { *out = false; return true; }
            if (ka && kb) { *out = true; return true; }
            return false;
        }
        if (op == OP_OR_) {
            bool ka = const_bool(e->u.bin.a, &a), kb = const_bool(e->u.bin.b, &b);
            if ((ka && a) || (kb && b)) { *out = true; return true; }
            if (ka && kb) { *out = false; return true; }
            return false;
        }
        if (op < OP_EQ_ || op > OP_GE_)
            return false;
        cr_dec x, y;
        const char *s1 = NULL, *s2 = NULL;
        uint32_t l1 = 0, l2 = 0;
        int k1 = 0, k2 = 0;
        if (!const_value(e->u.bin.a, &x, &s1, &l1, &k1) || !const_value(e->u.bin.b, &y, &s2, &l2, &k2) || k1 != k2)
            return false;
        int c;
        if (k1 == 1)
            c = cr_dec_cmp(x, y);
        else {
            uint32_t n = l1 < l2 ? l1 : l2;
            c = n ? memcmp(s1, s2, n) : 0;
            if (c == 0)
                c = (l1 > l2) - (l1 < l2);
        }
        switch (op) {
        case OP_EQ_: *out = c == 0; break;
        case OP_NE_: *out = c != 0; break;
        case OP_LT_: *out = c < 0; break;
        case OP_LE_: *out = c <= 0; break;
        case OP_GT_: *out = c > 0; break;
        default: *out = c >= 0; break;
        }
        return true;
    }
    default:
        return false;
    }
}

/* ---- comparisons of a value with itself ---- */

/* Source text of a span with runs of white space made one space. */
static void span_text(const sema *S, cr_span sp, char *buf, size_t size)
{
    size_t o = 0;
    bool space = false;
    for (uint32_t i = sp.start; i < sp.end && i < S->diags->len && o + 1 < size; i++) {
        char c = S->diags->src[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = true;
            continue;
        }
        if (space && o && o + 2 < size)
            buf[o++] = ' ';
        space = false;
        buf[o++] = c;
    }
    buf[o] = '\0';
}

/* Warns about `x == x`, `a < a` and the like anywhere in e. */
static void self_comparisons(sema *S, const cr_expr *e)
{
    if (!e)
        return;
    switch (e->kind) {
    case E_BINARY:
        if (e->u.bin.op >= OP_EQ_ && e->u.bin.op <= OP_GE_ && e->u.bin.a && e->u.bin.b) {
            char a[256], b[256];
            span_text(S, e->u.bin.a->span, a, sizeof a);
            span_text(S, e->u.bin.b->span, b, sizeof b);
            bool a_const = e->u.bin.a->kind == E_INT || e->u.bin.a->kind == E_DEC || e->u.bin.a->kind == E_STR;
            if (!a_const && a[0] && strcmp(a, b) == 0)
                warn(S, e->span, "this compares '%s' with itself, so it is always %s", a,
                     (e->u.bin.op == OP_EQ_ || e->u.bin.op == OP_LE_ || e->u.bin.op == OP_GE_) ? "true" : "false");
        }
        self_comparisons(S, e->u.bin.a);
        self_comparisons(S, e->u.bin.b);
        return;
    case E_UNARY:
        self_comparisons(S, e->u.bin.a);
        return;
    case E_IF: case E_INDEX: case E_SLICE: case E_MATCHES: case E_ISNULL: case E_HAS: case E_BETWEEN:
        self_comparisons(S, e->u.tri.a);
        self_comparisons(S, e->u.tri.b);
        self_comparisons(S, e->u.tri.c);
        return;
    case E_CALL: case E_METHOD:
        for (uint32_t i = 0; i < e->u.call.args.count; i++)
            self_comparisons(S, e->u.call.args.items[i]);
        return;
    case E_AGG: case E_COMP:
        self_comparisons(S, e->u.loop.cond);
        self_comparisons(S, e->u.loop.body);
        return;
    default:
        return;
    }
}

/* ---- the warnings, item by item ---- */

/* Every warning a condition can get; `what` names it ("rule DTI",
 * "segment tier, row PRIME"). */
/* Warns about every and-chain and or-chain inside e (e itself when
 * `inner`) whose tests of one value leave none (`age > 60 and age < 20`)
 * or leave out none (`x >= 0 or x < 0`); `what` names the item. */
static void chains(sema *S, const cr_expr *e, const char *what, bool inner)
{
    if (!e)
        return;
    char path[128];
    switch (e->kind) {
    case E_BINARY:
        if (inner && (e->u.bin.op == OP_AND_ || e->u.bin.op == OP_OR_)) {
            if (e->u.bin.op == OP_AND_ && cr_sema_chain_contradicts(e, path, sizeof path)) {
                warn(S, e->span, "%s: this test can never hold: its tests of '%s' contradict each other", what, path);
                return;
            }
            if (e->u.bin.op == OP_OR_ && cr_sema_chain_covers(e, path, sizeof path)) {
                warn(S, e->span, "%s: this test always holds: its tests of '%s' leave out no value", what, path);
                return;
            }
        }
        /* the rest of a chain is the chain: only what is not of it is inner */
        chains(S, e->u.bin.a, what, e->u.bin.a && !(e->u.bin.a->kind == E_BINARY && e->u.bin.a->u.bin.op == e->u.bin.op));
        chains(S, e->u.bin.b, what, e->u.bin.b && !(e->u.bin.b->kind == E_BINARY && e->u.bin.b->u.bin.op == e->u.bin.op));
        return;
    case E_UNARY:
        chains(S, e->u.bin.a, what, true);
        return;
    case E_BETWEEN:
        /* a range whose ends leave no value: `age in 65..18` */
        if (inner && cr_sema_chain_contradicts(e, path, sizeof path)) {
            warn(S, e->span, "%s: this test can never hold: its tests of '%s' contradict each other", what, path);
            return;
        }
        /* fall through */
    case E_IF: case E_INDEX: case E_SLICE: case E_MATCHES: case E_ISNULL: case E_HAS:
        chains(S, e->u.tri.a, what, true);
        chains(S, e->u.tri.b, what, true);
        chains(S, e->u.tri.c, what, true);
        return;
    case E_CALL: case E_METHOD:
        for (uint32_t i = 0; i < e->u.call.args.count; i++)
            chains(S, e->u.call.args.items[i], what, true);
        return;
    case E_LIST: case E_SET:
        for (uint32_t i = 0; i < e->u.list.count; i++)
            chains(S, e->u.list.items[i], what, true);
        return;
    case E_AGG: case E_COMP:
        chains(S, e->u.loop.cond, what, true);
        chains(S, e->u.loop.body, what, true);
        return;
    default:
        return;
    }
}

static void check_condition(sema *S, const cr_expr *cond, const char *what)
{
    bool v;
    char path[128];
    /* the warnings run on a policy without errors: every condition was checked */
    CR_ASSERT(cond->type != NULL);
    self_comparisons(S, cond);
    if (const_bool(cond, &v))
        warn(S, cond->span, "%s: the condition is always %s", what, v ? "true" : "false");
    else if (cr_sema_chain_contradicts(cond, path, sizeof path))
        warn(S, cond->span, "%s can never hold: its tests of '%s' contradict each other", what, path);
    else if (cr_sema_chain_covers(cond, path, sizeof path))
        warn(S, cond->span, "%s always holds: its tests of '%s' leave out no value", what, path);
    else
        chains(S, cond, what, false);
}

/* The warnings of every rule's, segment row's and decide row's condition,
 * and the self-comparisons in every const, let, result and fn. */
void cr_sema_static_warnings(sema *S)
{
    char what[160];
    for (cr_item *it = S->ast->items; it; it = it->next) {
        switch (it->kind) {
        case I_ADMISSION:
        case I_RULE:
            for (cr_rule_decl *r = it->rules; r; r = r->next) {
                snprintf(what, sizeof what, "rule %s", r->code);
                check_condition(S, r->cond, what);
            }
            break;
        case I_SEGMENT: {
            bool always = false;
            for (cr_seg_row *r = it->seg_rows; r; r = r->next) {
                if (!r->cond)
                    continue;
                if (always) {
                    warn(S, r->span, "segment %s: row %s can never be chosen: an earlier row always matches", it->name, r->label);
                    continue;
                }
                bool v;
                snprintf(what, sizeof what, "segment %s, row %s", it->name, r->label);
                check_condition(S, r->cond, what);
                char path[128];
                if ((const_bool(r->cond, &v) && v) || cr_sema_chain_covers(r->cond, path, sizeof path))
                    always = true;
            }
            break;
        }
        case I_DECIDE:
            for (cr_decide_row *r = it->decide; r; r = r->next)
                if (r->cond)
                    check_condition(S, r->cond, "this decide row");
            break;
        case I_LET: case I_RESULT: case I_CONST: case I_FN:
            self_comparisons(S, it->expr);
            snprintf(what, sizeof what, "%s %s", it->kind == I_LET ? "let" : it->kind == I_RESULT ? "result"
                                                 : it->kind == I_CONST ? "const" : "fn", it->name);
            chains(S, it->expr, what, true);
            break;
        default:
            break;
        }
    }
}
