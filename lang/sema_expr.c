/* Semantic analysis of expressions: each expression's checker, by the
 * production of lang/parser.y it checks, gives the expression its static
 * type and resolves its names; null-safety is enforced here too (an
 * optional value is an error unless a guard has narrowed it).  Lookups'
 * rows and `has` are here, with the check of a lookup's declaration.
 * lang/sema.c says how this part fits the others. */
#include <stdio.h>
#include <string.h>

#include "stdlib/stdlib.h"
#include "lang/sema_private.h"

/* Deeper than this, an expression is refused rather than risk the
 * stack (see the limits table in the README). */
#define CR_MAX_NESTING 1000

/* ---- null-safety: paths narrowed to non-null by guards ---- */

/* Does e name a lookup (resolved by check_lookup_key)? */
static bool is_lookup_ref(const cr_expr *e)
{
    return e && e->kind == E_NAME && e->ref == REF_ITEM && e->item && e->item->kind == I_LOOKUP;
}

/* The path e reads, as text, when it is one a guard can narrow: a name,
 * a field of a path (applicant.owner.name) or a lookup's row by a key path
 * (industry_risk[industry]).  False for anything else, or a path too long. */
bool cr_sema_path_of(const cr_expr *e, char *buf, size_t size)
{
    if (e->kind == E_NAME) {
        /* loop variables too: the narrowing ends with their scope */
        snprintf(buf, size, "%s", e->u.str.s);
        return true;
    }
    if (e->kind == E_FIELD && e->u.call.recv) {
        char inner[256];
        if (!cr_sema_path_of(e->u.call.recv, inner, sizeof inner))
            return false;
        int n = snprintf(buf, size, "%s.%s", inner, e->u.call.name);
        return n > 0 && (size_t)n < size;
    }
    if (e->kind == E_INDEX && is_lookup_ref(e->u.tri.a)) {
        /* a lookup's row by a key path is the same row wherever it is
         * read, so `t[k] is not null` guards `t[k].col` */
        char key[256];
        if (!cr_sema_path_of(e->u.tri.b, key, sizeof key))
            return false;
        int n = snprintf(buf, size, "%s[%s]", e->u.tri.a->u.str.s, key);
        return n > 0 && (size_t)n < size;
    }
    return false;
}

/* Does path p read the variable `name`: as its root, or as the root of
 * a lookup's key (`t[name]`)?  (After a '.' comes a field, not a variable.) */
static bool path_reads(const char *p, const char *name)
{
    size_t n = strlen(name);
    for (const char *at = p; at; at = strchr(at, '[')) {
        if (*at == '[')
            at++;
        if (strncmp(at, name, n) == 0 && (at[n] == '\0' || at[n] == '.' || at[n] == '[' || at[n] == ']'))
            return true;
    }
    return false;
}

/* Has a guard in force proved e's path not null?  A guard made before a
 * local of the same name was declared (`x is not null and count x in xs
 * where x > 3`) was about the other x: the local shadows it. */
static bool narrowed(sema *S, const cr_expr *e)
{
    char p[256];
    if (!cr_sema_path_of(e, p, sizeof p))
        return false;
    for (uint32_t i = 0; i < S->nnarrow; i++) {
        if (strcmp(S->narrow[i], p) != 0)
            continue;
        bool shadowed = false;
        for (uint32_t k = 0; k < S->nscope && !shadowed; k++)
            shadowed = S->scope[k].narrow_at > i && path_reads(p, S->scope[k].name);
        if (!shadowed)
            return true;
    }
    return false;
}

/* Pushes the paths that `e` being `truth` proves non-null: `x is not null`
 * true, `x is null` false, through and, or and not.  The caller pops them
 * by restoring S->nnarrow. */
static void push_facts(sema *S, const cr_expr *e, bool truth)
{
    if (!e)
        return;
    if (e->kind == E_ISNULL && e->u.tri.negate == truth) {
        char p[256];
        if (cr_sema_path_of(e->u.tri.a, p, sizeof p) && S->nnarrow < MAX_NARROW) {
            const char *s = cr_arena_strndup(S->arena, p, strlen(p));
            if (s)
                S->narrow[S->nnarrow++] = s;
        }
    } else if (e->kind == E_BINARY && e->u.bin.op == OP_AND_ && truth) {
        push_facts(S, e->u.bin.a, true);
        push_facts(S, e->u.bin.b, true);
    } else if (e->kind == E_BINARY && e->u.bin.op == OP_OR_ && !truth) {
        push_facts(S, e->u.bin.a, false);
        push_facts(S, e->u.bin.b, false);
    } else if (e->kind == E_UNARY && e->u.bin.op == OP_NOT_) {
        push_facts(S, e->u.bin.a, !truth);
    }
}

/* An operand that must not be null: an optional one is an error unless a
 * guard has narrowed it. */
static const cr_type *need_typed(sema *S, cr_expr *e, const cr_type *t)
{
    if (t->kind == CR_T_NULL) {
        err(S, e->span, "null cannot be used here");
        return &cr_type_error;
    }
    if (t->optional) {
        char b[96], p[256];
        if (cr_sema_path_of(e, p, sizeof p))
            err(S, e->span, "'%s' may be null (it is %s): guard it with 'is not null' or give a default with '?\?'", p, tname(t, b));
        else
            err(S, e->span, "this value may be null (it is %s): guard it with 'is not null' or give a default with '?\?'", tname(t, b));
        t = cr_sema_with_optional(S, t, false);
        e->type = t;
    }
    return t;
}

/* Checks e, an operand that must not be null. */
const cr_type *cr_sema_need(sema *S, cr_expr *e) { return need_typed(S, e, cr_sema_check(S, e)); }

/* Checks e, a condition: a bool, never null.  `what` names it in the message. */
void cr_sema_expect_bool(sema *S, cr_expr *e, const char *what)
{
    const cr_type *t = cr_sema_need(S, e);
    char b[96];
    if (!is_err(t) && t->kind != CR_T_BOOL)
        err(S, e->span, "%s must be true or false, but this is %s", what, tname(t, b));
}

/* Checks e, which must be a number (an int or a decimal), never null. */
const cr_type *cr_sema_expect_num(sema *S, cr_expr *e, const char *what)
{
    const cr_type *t = cr_sema_need(S, e);
    char b[96];
    if (!is_err(t) && !is_num(t)) {
        err(S, e->span, "%s needs a number, but this is %s", what, tname(t, b));
        return &cr_type_error;
    }
    return t;
}

/* ---- names ---- */

/* A bare LABEL where a value of segment labels lt is expected (the other
 * side of ==, an item of a set, a table cell, a table's output): resolves
 * it as one of lt's labels and returns true, or false when e is not such a
 * name (it names something else, or lt is not labels) and needs checking
 * as any other expression. */
bool cr_sema_resolve_label(sema *S, cr_expr *e, const cr_type *lt)
{
    if (e->kind != E_NAME || lt->kind != CR_T_LABEL)
        return false;
    if (cr_sema_find_item(S, e->u.str.s) || cr_record_find(S->rec, e->u.str.s, e->u.str.len) >= 0)
        return false;
    for (uint32_t i = S->nscope; i-- > 0;)
        if (strcmp(S->scope[i].name, e->u.str.s) == 0)
            return false;
    int k = cr_sema_find_label(lt->labels, e->u.str.s);
    if (k < 0) {
        char l[256];
        cr_sema_label_list(lt->labels, l, sizeof l);
        err(S, e->span, "'%s' is not a label of segment %s (%s)", e->u.str.s, lt->labels->name, l);
        e->type = &cr_type_error;
        return true;
    }
    e->ref = REF_LABEL;
    e->ref_index = (uint32_t)k;
    e->type = cr_sema_with_optional(S, lt, false);
    return true;
}

/* Edit distance, for "did you mean" (names are short). */
static unsigned edit_distance(const char *a, const char *b)
{
    size_t n = strlen(b);
    if (strlen(a) > 63 || n > 63)
        return 99;
    unsigned row[64];
    for (size_t j = 0; j <= n; j++)
        row[j] = (unsigned)j;
    for (size_t i = 1; a[i - 1]; i++) {
        unsigned diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= n; j++) {
            unsigned up = row[j];
            unsigned best = diag + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best) best = row[j] + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[n];
}

/* The input field or item whose name is nearest `name`, for "did you mean"; NULL when none is near. */
static const char *closest_name(sema *S, const char *name)
{
    if (S->diags->errors > 100)
        return NULL;   /* every name against every name: not for a policy of mistakes */
    const char *best = NULL;
    unsigned best_d = (unsigned)strlen(name) / 3 + 1;
    for (uint32_t i = 0; i < S->rec->nfields; i++) {
        unsigned d = edit_distance(name, S->rec->fields[i].name);
        if (d < best_d) { best_d = d; best = S->rec->fields[i].name; }
    }
    for (cr_item *it = S->ast->items; it; it = it->next) {
        if (!it->name || it->kind == I_INPUT || it->kind == I_ADMISSION || it->kind == I_DECIDE)
            continue;
        unsigned d = edit_distance(name, it->name);
        if (d < best_d) { best_d = d; best = it->name; }
    }
    return best;
}

/* NAME: a local (loop variable or parameter), an item (const, let, result,
 * scorecard, segment, table), an input field, the input record itself or
 * a segment's label, looked for in that order.  A lookup or a fn named
 * without its key or arguments is an error. */
static const cr_type *check_name(sema *S, cr_expr *e)
{
    const char *name = e->u.str.s;
    for (uint32_t i = S->nscope; i-- > 0;) {
        if (strcmp(S->scope[i].name, name) == 0) {
            CR_ASSERT(S->scope[i].slot < S->next_slot);
            e->ref = REF_LOCAL;
            e->ref_index = S->scope[i].slot;
            return S->scope[i].type;
        }
    }
    cr_item *it = cr_sema_find_item(S, name);
    if (it && it->kind == I_LOOKUP) {
        it->used = true;
        err(S, e->span, "'%s' is a lookup table: its row for a key is %s[key], and '%s has key' tests for one", name,
            name, name);
        return &cr_type_error;
    }
    if (it && it->kind != I_FN) {
        e->ref = REF_ITEM;
        e->item = it;
        it->used = true;
        return cr_sema_item_type(S, it, e->span);
    }
    int f = cr_record_find(S->rec, name, e->u.str.len);
    if (f >= 0) {
        CR_ASSERT((uint32_t)f < S->rec->nfields);
        e->ref = REF_INPUT;
        e->ref_index = (uint32_t)f;
        return S->rec->fields[f].type;
    }
    if (S->input && S->input->name && strcmp(S->input->name, name) == 0) {
        e->ref = REF_INPUT_RECORD;
        cr_type *t = alloc(S, sizeof *t);
        if (!t)
            return &cr_type_error;
        t->kind = CR_T_RECORD;
        t->rec = S->rec;
        t->spelling = "record";
        return t;
    }
    if (it && it->kind == I_FN) {
        err(S, e->span, "'%s' is a function: call it with arguments", name);
        return &cr_type_error;
    }
    /* a segment label used on its own (find_item above listed the segments) */
    cr_item *seg = NULL;
    if (S->segments) {
        for (uint32_t i = 0; i < S->nsegments_found && !seg; i++)
            if (S->segments[i]->labels && cr_sema_find_label(S->segments[i]->labels, name) >= 0)
                seg = S->segments[i];
    } else {
        for (cr_item *x = S->ast->items; x && !seg; x = x->next)
            if (x->kind == I_SEGMENT && x->labels && cr_sema_find_label(x->labels, name) >= 0)
                seg = x;
    }
    if (seg) {
        cr_type *t = alloc(S, sizeof *t);
        if (!t)
            return &cr_type_error;
        t->kind = CR_T_LABEL;
        t->spelling = seg->name;
        t->labels = seg->labels;
        e->ref = REF_LABEL;
        e->ref_index = (uint32_t)cr_sema_find_label(seg->labels, name);
        return t;
    }
    const char *guess = closest_name(S, name);
    if (guess)
        err(S, e->span, "unknown name '%s' (did you mean '%s'?)", name, guess);
    else
        err(S, e->span, "unknown name '%s'", name);
    return &cr_type_error;
}

/* ---- calls ---- */

/* Does type t fit a built-in's argument kind k (stdlib/stdlib.h): N number,
 * I int, T text, D date, L list of numbers, S text or list, X list? */
static bool builtin_arg_ok(char k, const cr_type *t)
{
    switch (k) {
    case 'N': return is_num(t);
    case 'I': return t->kind == CR_T_INT;
    case 'T': return t->kind == CR_T_TEXT || t->kind == CR_T_LABEL;
    case 'D': return t->kind == CR_T_DATE;
    case 'L': return (t->kind == CR_T_LIST || t->kind == CR_T_SET) && is_num(t->elem) && !t->elem->optional;
    case 'S': return t->kind == CR_T_TEXT || t->kind == CR_T_LIST || t->kind == CR_T_SET;
    case 'X': return t->kind == CR_T_LIST || t->kind == CR_T_SET;
    }
    return false;
}

/* The argument kind k in words, for a message. */
static const char *arg_kind_name(char k)
{
    switch (k) {
    case 'N': return "a number";
    case 'I': return "an int";
    case 'T': return "text";
    case 'D': return "a date";
    case 'L': return "a list of numbers";
    case 'S': return "text or a list";
    case 'X': return "a list";
    }
    return "?";
}

/* NAME(expr, ...)  |  count(expr, ...)
 * A fn of the policy (its parameters' types) or a built-in of
 * stdlib/registry.c (its arity and argument kinds, which also give the
 * result's type: an int when every number is). */
static const cr_type *check_call(sema *S, cr_expr *e)
{
    const char *name = e->u.call.name;
    cr_expr_list *args = &e->u.call.args;
    cr_item *fn = cr_sema_find_item(S, name);
    if (fn && fn->kind == I_FN) {
        e->ref = REF_FN;
        e->item = fn;
        fn->used = true;
        uint32_t np = 0;
        for (cr_param *p = fn->params; p; p = p->next)
            np++;
        if (np != args->count)
            err(S, e->span, "%s takes %u argument%s, %u given", name, np, np == 1 ? "" : "s", args->count);
        uint32_t i = 0;
        if (!fn->resolved)
            cr_sema_check_item(S, fn);
        CR_ASSERT(fn->resolved); /* its parameters' and result's types are known */
        for (cr_param *p = fn->params; p && i < args->count; p = p->next, i++) {
            /* resolved with the function: resolving again would repeat its errors */
            const cr_type *want = p->resolved ? p->resolved
                                  : p->type   ? cr_sema_type_from_expr(S, p->type, p->name)
                                              : &cr_type_error;
            const cr_type *got = cr_sema_check(S, args->items[i]);
            char a[96], b[96];
            if (!cr_sema_assignable(want, got))
                err(S, args->items[i]->span, "argument '%s' of %s is %s, but this is %s", p->name, name, tname(want, a), tname(got, b));
        }
        for (; i < args->count; i++)
            cr_sema_check(S, args->items[i]);
        return fn->value_type ? fn->value_type : &cr_type_error;
    }
    int bi = cr_builtin_find(name);
    if (bi < 0) {
        err(S, e->u.call.name_span, "unknown function '%s'", name);
        for (uint32_t i = 0; i < args->count; i++)
            cr_sema_check(S, args->items[i]);
        return &cr_type_error;
    }
    const cr_builtin *b = &cr_builtins[bi];
    e->builtin = bi;
    if (args->count < b->min_args || args->count > b->max_args) {
        if (b->min_args == b->max_args)
            err(S, e->span, "%s takes %u argument%s, %u given", name, b->min_args, b->min_args == 1 ? "" : "s", args->count);
        else
            err(S, e->span, "%s takes %u to %u arguments, %u given", name, b->min_args, b->max_args, args->count);
    }
    bool all_int = true, bad = false;
    const cr_type *list_elem = NULL;
    size_t nk = strlen(b->args);
    CR_ASSERT(nk > 0); /* every built-in names its argument kinds (stdlib/registry.c) */
    for (uint32_t i = 0; i < args->count; i++) {
        const cr_type *t = cr_sema_need(S, args->items[i]);
        if (is_err(t)) {
            bad = true;
            continue;
        }
        char k = b->args[i < nk ? i : nk - 1];
        if (k == 'V')
            k = (args->count == 1) ? 'L' : 'N';
        if (!builtin_arg_ok(k, t)) {
            char tb[96];
            err(S, args->items[i]->span, "argument %u of %s must be %s, but this is %s", i + 1, name, arg_kind_name(k), tname(t, tb));
            bad = true;
            continue;
        }
        if (t->kind == CR_T_DEC)
            all_int = false;
        if ((t->kind == CR_T_LIST || t->kind == CR_T_SET) && t->elem) {
            list_elem = t->elem;
            if (t->elem->kind == CR_T_DEC)
                all_int = false;
        }
    }
    if (bad)
        return &cr_type_error;
    switch (b->ret) {
    case 'I': return &cr_type_int;
    case 'R': return &cr_type_number;
    case 'B': return &cr_type_bool;
    case 'T': return &cr_type_text;
    case 'D': return &cr_type_date;
    case 'P': return all_int ? &cr_type_int : &cr_type_number;
    case 'E': return list_elem && list_elem->kind == CR_T_INT ? &cr_type_int : &cr_type_number;
    }
    return &cr_type_error;
}

/* ---- operators ---- */

/* expr == expr | expr != expr | expr < expr | expr <= expr | expr > expr | expr >= expr
 * Numbers with numbers, texts, dates; labels of one segment and bools only
 * for equality. */
static const cr_type *check_compare(sema *S, cr_expr *e)
{
    cr_expr *a = e->u.bin.a, *b = e->u.bin.b;
    cr_op op = e->u.bin.op;
    const cr_type *ta = NULL, *tb = NULL;
    /* a bare label on one side takes its meaning from the other side */
    if (b->kind == E_NAME) {
        ta = cr_sema_need(S, a);
        if (!cr_sema_resolve_label(S, b, ta))
            tb = cr_sema_need(S, b);
        else
            tb = b->type;
    } else if (a->kind == E_NAME) {
        tb = cr_sema_need(S, b);
        if (!cr_sema_resolve_label(S, a, tb))
            ta = cr_sema_need(S, a);
        else
            ta = a->type;
    } else {
        ta = cr_sema_need(S, a);
        tb = cr_sema_need(S, b);
    }
    if (is_err(ta) || is_err(tb))
        return &cr_type_bool;
    char x[96], y[96];
    bool ok;
    bool ordering = op == OP_LT_ || op == OP_LE_ || op == OP_GT_ || op == OP_GE_;
    if (is_num(ta) && is_num(tb))
        ok = true;
    else if (ta->kind != tb->kind)
        ok = false;
    else if (ta->kind == CR_T_LABEL)
        ok = !ordering && ta->labels == tb->labels;
    else if (ta->kind == CR_T_TEXT || ta->kind == CR_T_DATE)
        ok = true;
    else if (ta->kind == CR_T_BOOL)
        ok = !ordering;
    else
        ok = !ordering && cr_sema_assignable(ta, tb);
    if (!ok)
        err(S, e->span, "cannot compare %s with %s", tname(ta, x), tname(tb, y));
    else if (!ordering) {
        cr_sema_check_category(S, ta, b);
        cr_sema_check_category(S, tb, a);
    }
    return &cr_type_bool;
}

/* x in lo..hi, x not in lo..hi: x and both ends are numbers, or texts, or
 * dates, as for `lo <= x and x <= hi`. */
static const cr_type *check_between(sema *S, cr_expr *e)
{
    const cr_type *tx = cr_sema_need(S, e->u.tri.a);
    const cr_expr *ends[2] = {e->u.tri.b, e->u.tri.c};
    for (int i = 0; i < 2; i++) {
        const cr_type *t = cr_sema_need(S, (cr_expr *)ends[i]);
        if (is_err(tx) || is_err(t))
            continue;
        bool ok = (is_num(tx) && is_num(t)) ||
                  (tx->kind == t->kind && (tx->kind == CR_T_TEXT || tx->kind == CR_T_DATE));
        char x[96], y[96];
        if (!ok)
            err(S, ends[i]->span, "a range of %s cannot hold %s: both ends must be of its type", tname(t, y), tname(tx, x));
    }
    return &cr_type_bool;
}

/* A text literal x (or a const naming one) where a value of t is
 * expected: when t is a closed set of values (`one of`), x must be one of
 * them, or the comparison, bin or cell could never hold. */
void cr_sema_check_category(sema *S, const cr_type *t, const cr_expr *x)
{
    const cr_expr *lit = x;
    for (int hops = 0; lit && hops < 64 && lit->kind == E_NAME && lit->ref == REF_ITEM && lit->item &&
                       lit->item->kind == I_CONST; hops++)
        lit = lit->item->expr;
    if (!t || !x || !lit || lit->kind != E_STR || t->kind != CR_T_TEXT || !t->labels)
        return;
    if (cr_type_value_index(t, lit->u.str.s, lit->u.str.len) >= 0)
        return;
    char vals[512];
    err(S, x->span, "\"%.*s\" is not one of the values of '%s' (%s)", (int)(lit->u.str.len > 64 ? 64 : lit->u.str.len),
        lit->u.str.s, t->labels->name, cr_type_values_text(t, vals, sizeof vals));
}

/* expr in expr  |  expr not in expr
 * The right side is a set or a list; in a literal one, bare labels take
 * their meaning from the left side. */
static const cr_type *check_in(sema *S, cr_expr *e)
{
    const cr_type *ta = cr_sema_need(S, e->u.bin.a);
    cr_expr *set = e->u.bin.b;
    if (set->kind == E_SET || set->kind == E_LIST) {
        /* labels in a literal set take their meaning from the left side */
        for (uint32_t i = 0; i < set->u.list.count; i++) {
            cr_expr *x = set->u.list.items[i];
            if (!cr_sema_resolve_label(S, x, ta))
                cr_sema_need(S, x);
            char b1[96], b2[96];
            if (!is_err(ta) && !is_err(x->type) && !(is_num(ta) && is_num(x->type)) && !cr_sema_assignable(ta, x->type))
                err(S, x->span, "%s cannot be in a set that is compared with %s", tname(x->type, b1), tname(ta, b2));
            else
                cr_sema_check_category(S, ta, x);
        }
        set->type = cr_sema_list_of(S, ta);
        return &cr_type_bool;
    }
    const cr_type *ts = cr_sema_need(S, set);
    char b1[96], b2[96];
    if (is_err(ta) || is_err(ts))
        return &cr_type_bool;
    if (ts->kind != CR_T_LIST && ts->kind != CR_T_SET)
        err(S, set->span, "'in' needs a set or a list on its right, but this is %s", tname(ts, b1));
    else if (!(is_num(ta) && is_num(ts->elem)) && !cr_sema_assignable(cr_sema_with_optional(S, ts->elem, true), ta))
        err(S, e->span, "%s cannot be in %s", tname(ta, b1), tname(ts, b2));
    return &cr_type_bool;
}

/* expr and expr  |  expr or expr
 * The right side is checked knowing the left side's outcome: under `and`,
 * what the left proves non-null stays so on the right. */
static const cr_type *check_and_or(sema *S, cr_expr *e, cr_op op)
{
    cr_sema_expect_bool(S, e->u.bin.a, op == OP_AND_ ? "'and'" : "'or'");
    uint32_t saved = S->nnarrow;
    push_facts(S, e->u.bin.a, op == OP_AND_);
    cr_sema_expect_bool(S, e->u.bin.b, op == OP_AND_ ? "'and'" : "'or'");
    S->nnarrow = saved;
    return &cr_type_bool;
}

/* expr ?? expr: the value, or the default when it is null.  The result is
 * optional only when the default is. */
static const cr_type *check_coalesce(sema *S, cr_expr *e)
{
    char x[96], y[96];
    const cr_type *ta = cr_sema_check(S, e->u.bin.a);
    const cr_type *tb = cr_sema_check(S, e->u.bin.b);
    if (is_err(ta) || is_err(tb))
        return &cr_type_error;
    if (!ta->optional)
        warn(S, e->u.bin.a->span, "this is never null, so the '?\?' default is never used");
    const cr_type *j = cr_sema_join(S, cr_sema_with_optional(S, ta, false), tb);
    if (!j) {
        err(S, e->span, "the default after '?\?' is %s, but the value is %s", tname(tb, y), tname(ta, x));
        return &cr_type_error;
    }
    return cr_sema_with_optional(S, j, tb->optional);
}

/* expr + expr | expr - expr | expr * expr | expr / expr | expr % expr
 * Numbers (an int when both are ints, a decimal always for '/'), and text
 * + text joins them. */
static const cr_type *check_arith(sema *S, cr_expr *e, cr_op op)
{
    char x[96], y[96];
    static const char *names[] = {"'+'", "'-'", "'*'", "'/'", "'%'"};
    const cr_type *ta;
    if (op == OP_ADD_) {
        /* text + text joins them */
        ta = need_typed(S, e->u.bin.a, cr_sema_check(S, e->u.bin.a));
        if (!is_err(ta) && (ta->kind == CR_T_TEXT || ta->kind == CR_T_LABEL)) {
            const cr_type *tb = cr_sema_need(S, e->u.bin.b);
            if (!is_err(tb) && tb->kind != CR_T_TEXT && tb->kind != CR_T_LABEL)
                err(S, e->u.bin.b->span, "'+' joins text to text, but this is %s", tname(tb, y));
            return &cr_type_text;
        }
        if (!is_err(ta) && !is_num(ta)) {
            err(S, e->u.bin.a->span, "'+' needs numbers (or texts to join), but this is %s", tname(ta, x));
            ta = &cr_type_error;
        }
    } else {
        ta = cr_sema_expect_num(S, e->u.bin.a, names[op - OP_ADD_]);
    }
    const cr_type *tb = cr_sema_expect_num(S, e->u.bin.b, names[op - OP_ADD_]);
    if (is_err(ta) || is_err(tb))
        return &cr_type_error;
    if (op == OP_DIV_)
        return &cr_type_number;
    if (ta->kind == CR_T_INT && tb->kind == CR_T_INT)
        return &cr_type_int;
    return &cr_type_number;
}

/* expr OP expr: each operator's checker. */
static const cr_type *check_binary(sema *S, cr_expr *e)
{
    cr_op op = e->u.bin.op;
    switch (op) {
    case OP_AND_:
    case OP_OR_:
        return check_and_or(S, e, op);
    case OP_EQ_: case OP_NE_: case OP_LT_: case OP_LE_: case OP_GT_: case OP_GE_:
        return check_compare(S, e);
    case OP_IN_:
    case OP_NOTIN_:
        return check_in(S, e);
    case OP_COALESCE_:
        return check_coalesce(S, e);
    case OP_ADD_: case OP_SUB_: case OP_MUL_: case OP_DIV_: case OP_MOD_:
        return check_arith(S, e, op);
    default:
        break;
    }
    return &cr_type_error;
}

/* not expr  |  -expr */
static const cr_type *check_unary(sema *S, cr_expr *e)
{
    if (e->u.bin.op == OP_NOT_) {
        cr_sema_expect_bool(S, e->u.bin.a, "'not'");
        return &cr_type_bool;
    }
    const cr_type *t = cr_sema_expect_num(S, e->u.bin.a, "'-'");
    return is_err(t) ? t : t->kind == CR_T_INT ? &cr_type_int : &cr_type_number;
}

/* expr matches expr: text on the left, on the right a /regex/ or a const
 * holding one, whose pattern number the expression takes. */
static const cr_type *check_matches(sema *S, cr_expr *e)
{
    char b1[96];
    const cr_type *ta = cr_sema_need(S, e->u.tri.a);
    cr_expr *re = e->u.tri.b;
    if (!is_err(ta) && ta->kind != CR_T_TEXT)
        err(S, e->u.tri.a->span, "'matches' needs text on its left, but this is %s", tname(ta, b1));
    const cr_type *tr = cr_sema_check(S, re);
    cr_expr *lit = re;
    if (re->kind == E_NAME && re->ref == REF_ITEM && re->item && re->item->kind == I_CONST)
        lit = re->item->expr;
    if (is_err(tr))
        return &cr_type_bool;
    if (!lit || lit->kind != E_REGEX) {
        err(S, re->span, "'matches' needs a regular expression /.../ (or a const holding one)");
        return &cr_type_bool;
    }
    e->ref_index = lit->ref_index;
    return &cr_type_bool;
}

/* expr is null  |  expr is not null: a guard; of a value never null, a
 * warning. */
static const cr_type *check_isnull(sema *S, cr_expr *e)
{
    char b1[96];
    const cr_type *t = cr_sema_check(S, e->u.tri.a);
    if (!is_err(t) && !t->optional)
        warn(S, e->span, "this is never null (it is %s), so the test is always %s", tname(t, b1), e->u.tri.negate ? "true" : "false");
    return &cr_type_bool;
}

/* if expr then expr else expr: each branch is checked under what the
 * condition proves (true in `then`, false in `else`); the result is the
 * type both fit in. */
static const cr_type *check_if(sema *S, cr_expr *e)
{
    char b1[96], b2[96];
    cr_sema_expect_bool(S, e->u.tri.a, "an 'if' condition");
    uint32_t saved = S->nnarrow;
    push_facts(S, e->u.tri.a, true);
    const cr_type *tb = cr_sema_check(S, e->u.tri.b);
    S->nnarrow = saved;
    push_facts(S, e->u.tri.a, false);
    const cr_type *tc = cr_sema_check(S, e->u.tri.c);
    S->nnarrow = saved;
    const cr_type *j = cr_sema_join(S, tb, tc);
    if (!j) {
        err(S, e->span, "the branches of this 'if' differ: %s and %s", tname(tb, b1), tname(tc, b2));
        return &cr_type_error;
    }
    return j;
}

/* ---- lists and loops ---- */

/* [expr, ...]  |  {expr, ...}: items of one type, never null; a set is not
 * empty. */
static const cr_type *check_list(sema *S, cr_expr *e)
{
    char b1[96], b2[96];
    const cr_type *elem = NULL;
    for (uint32_t i = 0; i < e->u.list.count; i++) {
        const cr_type *t = cr_sema_need(S, e->u.list.items[i]);
        if (!elem) {
            elem = t;
            continue;
        }
        const cr_type *j = cr_sema_join(S, elem, t);
        if (!j)
            err(S, e->u.list.items[i]->span, "a list's items must have one type: %s, then %s", tname(elem, b1), tname(t, b2));
        else
            elem = j;
    }
    if (!elem) {
        if (e->kind == E_SET)
            err(S, e->span, "an empty set has no type; write at least one value");
        elem = &cr_type_error;
    }
    cr_type *t = alloc(S, sizeof *t);
    if (!t)
        return &cr_type_error;
    t->kind = e->kind == E_SET ? CR_T_SET : CR_T_LIST;
    t->spelling = e->kind == E_SET ? "set" : "list";
    t->elem = elem;
    return t;
}

/* Declares a local (a loop variable or a parameter) in slot `slot`; the
 * caller ends its scope by restoring S->nscope. */
void cr_sema_scope_push(sema *S, const char *name, const cr_type *t, uint32_t slot)
{
    if (S->nscope == MAX_SCOPE)
        return;
    S->scope[S->nscope].name = name;
    S->scope[S->nscope].type = t;
    S->scope[S->nscope].slot = slot;
    S->scope[S->nscope].narrow_at = S->nnarrow;
    S->nscope++;
}

/* count|any|all NAME in expr where expr  |  [expr for NAME in expr [where expr]]
 * NAME is a local of the condition and the body, in the third of three
 * fresh slots (the list, the position, the item). */
static const cr_type *check_loop(sema *S, cr_expr *e)
{
    const cr_type *ts = cr_sema_need(S, e->u.loop.src);
    char b[96];
    const cr_type *elem = &cr_type_error;
    if (!is_err(ts)) {
        if (ts->kind != CR_T_LIST && ts->kind != CR_T_SET)
            err(S, e->u.loop.src->span, "expected a list to go through, but this is %s", tname(ts, b));
        else
            elem = ts->elem;
    }
    /* three slots: the list, the position, the item */
    e->u.loop.var_slot = S->next_slot;
    S->next_slot += 3;
    uint32_t saved = S->nscope, saved_n = S->nnarrow;
    cr_sema_scope_push(S, e->u.loop.var, elem, e->u.loop.var_slot + 2);
    const cr_type *result;
    if (e->kind == E_AGG) {
        cr_sema_expect_bool(S, e->u.loop.cond, "the 'where' condition");
        result = e->u.loop.agg == AGG_COUNT ? &cr_type_int : &cr_type_bool;
    } else {
        if (e->u.loop.cond) {
            cr_sema_expect_bool(S, e->u.loop.cond, "the 'where' condition");
            push_facts(S, e->u.loop.cond, true);
        }
        const cr_type *tb = cr_sema_check(S, e->u.loop.body);
        result = cr_sema_list_of(S, tb);
    }
    S->nscope = saved;
    S->nnarrow = saved_n;
    return result;
}

/* ---- lookups ---- */

/* The lookup that e names, when e is a name no local hides; else NULL. */
static cr_item *lookup_named(sema *S, const cr_expr *e)
{
    if (!e || e->kind != E_NAME)
        return NULL;
    for (uint32_t i = 0; i < S->nscope; i++)
        if (strcmp(S->scope[i].name, e->u.str.s) == 0)
            return NULL;
    cr_item *it = cr_sema_find_item(S, e->u.str.s);
    return it && it->kind == I_LOOKUP ? it : NULL;
}

/* Is rec the row of a lookup? */
static bool is_lookup_row(sema *S, const cr_record *rec)
{
    for (cr_item *it = S->ast->items; it; it = it->next)
        if (it->kind == I_LOOKUP && it->value_type && it->value_type->rec == rec)
            return true;
    return false;
}

/* lookup[key] and lookup has key: resolves the lookup, checks the key is text. */
static void check_lookup_key(sema *S, cr_expr *e, cr_item *lk)
{
    cr_expr *name = e->u.tri.a, *key = e->u.tri.b;
    /* pass 2 gave every lookup its row type and number */
    CR_ASSERT(lk->resolved && lk->sub_index < S->nlookups);
    name->ref = REF_ITEM;
    name->item = lk;
    name->type = lk->value_type ? lk->value_type : &cr_type_error;
    lk->used = true;
    e->ref_index = lk->sub_index;
    const cr_type *tk = cr_sema_need(S, key);
    char b[96];
    if (!is_err(tk) && tk->kind != CR_T_TEXT && tk->kind != CR_T_LABEL)
        err(S, key->span, "the keys of lookup %s are text, but this is %s", lk->name, tname(tk, b));
}

/* NAME[expr] where NAME is a lookup: the row, null when the key is absent
 * (so optional until a guard narrows it). */
static const cr_type *check_lookup_row(sema *S, cr_expr *e, cr_item *lk)
{
    check_lookup_key(S, e, lk);
    const cr_type *t = lk->value_type ? lk->value_type : &cr_type_error;
    return t->optional && narrowed(S, e) ? cr_sema_with_optional(S, t, false) : t;
}

/* expr has expr: a lookup on the left, a text key on the right. */
static const cr_type *check_has(sema *S, cr_expr *e)
{
    cr_item *lk = lookup_named(S, e->u.tri.a);
    if (lk) {
        check_lookup_key(S, e, lk);
        return &cr_type_bool;
    }
    const cr_type *ta = cr_sema_check(S, e->u.tri.a);
    char b[96];
    if (!is_err(ta))
        err(S, e->u.tri.a->span, "'has' asks a lookup table for a key, but this is %s", tname(ta, b));
    cr_sema_check(S, e->u.tri.b);
    return &cr_type_bool;
}

/* Is te a type a lookup's column may have (a scalar, optional or not)? */
static bool lookup_column_type(const cr_type_expr *te)
{
    static const char *const names[] = {"int", "number", "money", "rate", "bool", "text", "date"};
    if (!te || te->kind != TE_NAME)
        return false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(te->name, names[i]) == 0)
            return true;
    return false;
}

/* lookup NAME from csv|sqlite "path" [table TABLE] key COLUMN { NAME: type ... }
 * The row type: a record of the declared columns, optional because a key
 * may have no row.  Checked in pass 2, before any expression reads a row. */
void cr_sema_check_lookup(sema *S, cr_item *it)
{
    cr_lookup_decl *d = it->lookup;
    it->sub_index = S->nlookups++;
    it->resolved = true;
    bool ok = true;
    for (cr_field_decl *f = d->columns; f; f = f->next) {
        if (!lookup_column_type(f->type)) {
            const char *what = f->type->kind == TE_NAME ? f->type->name : f->type->kind == TE_LIST ? "a list" : "a record";
            err(S, f->type->span, "a lookup column is int, number, money, rate, bool, text or date (T? allows empty cells), not %s", what);
            ok = false;
        }
        if (strcmp(f->name, d->key) == 0) {
            err(S, f->span, "'%s' is the key column; the block declares the other columns", f->name);
            ok = false;
        }
    }
    it->value_type = ok ? cr_sema_record_type(S, d->columns, it->name, true, NULL) : &cr_type_error;
}

/* ---- fields, methods, items of lists ---- */

/* primary.NAME: a field of a record (a lookup's row passes its null on to
 * the field), or the points a scorecard's characteristic took
 * (score.credit_score). */
static const cr_type *check_field(sema *S, cr_expr *e)
{
    cr_expr *recv = e->u.call.recv;
    const char *name = e->u.call.name;
    /* score.credit_score: the points a characteristic took */
    if (recv->kind == E_NAME) {
        cr_item *it = cr_sema_find_item(S, recv->u.str.s);
        if (it && it->kind == I_SCORECARD) {
            cr_sema_check(S, recv);
            for (cr_charac *c = it->characs; c; c = c->next) {
                if (strcmp(c->name, name) == 0) {
                    e->ref = REF_CHARAC;
                    e->item = it;
                    if (!it->resolved)
                        cr_sema_check_item(S, it);
                    e->ref_index = c->index;
                    return it->value_type && it->value_type->kind == CR_T_INT ? &cr_type_int : &cr_type_number;
                }
            }
            err(S, e->u.call.name_span, "scorecard %s has no characteristic '%s'", it->name, name);
            return &cr_type_error;
        }
    }
    const cr_type *t = cr_sema_check(S, recv);
    if (is_err(t))
        return t;
    char b[96];
    if (t->kind != CR_T_RECORD) {
        err(S, e->u.call.name_span, "%s has no fields; '.%s' cannot be used here", tname(t, b), name);
        return &cr_type_error;
    }
    /* a field of a lookup's row is null when the row is: the null goes on
     * into the field, to be guarded or given a default there */
    bool carries_null = t->optional && is_lookup_row(S, t->rec);
    if (t->optional && !carries_null && !narrowed(S, recv))
        cr_sema_need(S, recv);
    int f = cr_record_find(t->rec, name, strlen(name));
    if (f < 0) {
        const char *guess = NULL;
        unsigned best_d = (unsigned)strlen(name) / 3 + 1;
        for (uint32_t i = 0; i < t->rec->nfields; i++) {
            unsigned d = edit_distance(name, t->rec->fields[i].name);
            if (d < best_d) { best_d = d; guess = t->rec->fields[i].name; }
        }
        if (guess)
            err(S, e->u.call.name_span, "unknown field '%s' in %s (did you mean '%s'?)", name, tname(t, b), guess);
        else
            err(S, e->u.call.name_span, "unknown field '%s' in %s", name, tname(t, b));
        return &cr_type_error;
    }
    CR_ASSERT((uint32_t)f < t->rec->nfields);
    e->ref_index = (uint32_t)f;
    if (recv->ref == REF_INPUT_RECORD) {
        /* a field of the input record is an input slot */
        CR_ASSERT(t->rec == S->rec);
        e->ref = REF_INPUT;
    }
    return carries_null ? cr_sema_with_optional(S, t->rec->fields[f].type, true) : t->rec->fields[f].type;
}

/* primary.NAME(expr, ...): scorecards have two methods, NAME.lowest(k),
 * the reason codes of their k lowest-scoring characteristics, and
 * NAME.reasons(k), those of the k that lost the most against their best bin. */
static const cr_type *check_method(sema *S, cr_expr *e)
{
    cr_expr *recv = e->u.call.recv;
    if (recv->kind == E_NAME) {
        cr_item *it = cr_sema_find_item(S, recv->u.str.s);
        if (it && it->kind == I_SCORECARD) {
            cr_sema_check(S, recv);
            const char *m = e->u.call.name;
            if (strcmp(m, "lowest") != 0 && strcmp(m, "reasons") != 0) {
                err(S, e->u.call.name_span, "scorecards have two methods, lowest(k) and reasons(k), not '%s'", m);
                return &cr_type_error;
            }
            if (e->u.call.args.count != 1) {
                err(S, e->span, "%s takes 1 argument (how many reason codes), %u given", m, e->u.call.args.count);
                return &cr_type_text_list;
            }
            const cr_type *k = cr_sema_need(S, e->u.call.args.items[0]);
            char b[96];
            if (!is_err(k) && k->kind != CR_T_INT)
                err(S, e->u.call.args.items[0]->span, "%s needs an int, but this is %s", m, tname(k, b));
            e->item = it;
            return &cr_type_text_list;
        }
    }
    cr_sema_check(S, recv);
    err(S, e->u.call.name_span, "unknown method '%s'", e->u.call.name);
    for (uint32_t i = 0; i < e->u.call.args.count; i++)
        cr_sema_check(S, e->u.call.args.items[i]);
    return &cr_type_error;
}

/* primary[expr]: an item of a list by its position, or a lookup's row. */
static const cr_type *check_index(sema *S, cr_expr *e)
{
    char b1[96];
    cr_item *lk = lookup_named(S, e->u.tri.a);
    if (lk)
        return check_lookup_row(S, e, lk);
    const cr_type *tl = cr_sema_need(S, e->u.tri.a);
    const cr_type *ti = cr_sema_need(S, e->u.tri.b);
    if (!is_err(ti) && ti->kind != CR_T_INT)
        err(S, e->u.tri.b->span, "a list position must be an int, but this is %s", tname(ti, b1));
    if (is_err(tl))
        return tl;
    if (tl->kind != CR_T_LIST) {
        err(S, e->u.tri.a->span, "only lists can be indexed, but this is %s", tname(tl, b1));
        return &cr_type_error;
    }
    return tl->elem;
}

/* primary[expr..expr]: a part of a list, by positions. */
static const cr_type *check_slice(sema *S, cr_expr *e)
{
    char b1[96];
    const cr_type *tl = cr_sema_need(S, e->u.tri.a);
    const cr_type *ti = cr_sema_need(S, e->u.tri.b);
    const cr_type *tj = cr_sema_need(S, e->u.tri.c);
    if (!is_err(ti) && ti->kind != CR_T_INT)
        err(S, e->u.tri.b->span, "a slice's start must be an int, but this is %s", tname(ti, b1));
    if (!is_err(tj) && tj->kind != CR_T_INT)
        err(S, e->u.tri.c->span, "a slice's end must be an int, but this is %s", tname(tj, b1));
    if (is_err(tl))
        return tl;
    if (tl->kind != CR_T_LIST) {
        err(S, e->u.tri.a->span, "only lists can be sliced, but this is %s", tname(tl, b1));
        return &cr_type_error;
    }
    return cr_sema_with_optional(S, tl, false);
}

/* admission.NAME: the admission's outcome, for decide and later items. */
static const cr_type *check_admission_member(sema *S, cr_expr *e)
{
    const char *m = e->u.str.s;
    if (strcmp(m, "reasons") == 0) { e->ref_index = ADM_REASONS; return &cr_type_text_list; }
    if (strcmp(m, "rejected") == 0) { e->ref_index = ADM_REJECTED; return &cr_type_bool; }
    if (strcmp(m, "referred") == 0) { e->ref_index = ADM_REFERRED; return &cr_type_bool; }
    if (strcmp(m, "rejections") == 0) { e->ref_index = ADM_REJECTIONS; return &cr_type_text_list; }
    if (strcmp(m, "referrals") == 0) { e->ref_index = ADM_REFERRALS; return &cr_type_text_list; }
    err(S, e->span, "admission has reasons, rejections, referrals, rejected and referred, not '%s'", m);
    return &cr_type_error;
}

/* ---- the expression checker ---- */

/* expr and primary: literals here, every other form by its checker above. */
static const cr_type *check_expr(sema *S, cr_expr *e)
{
    switch (e->kind) {
    case E_INT: return &cr_type_int;
    case E_DEC: return &cr_type_number;
    case E_STR: return &cr_type_text;
    case E_BOOL: return &cr_type_bool;
    case E_NULL: return &cr_type_null;
    case E_DATE: return &cr_type_date;
    case E_TODAY: return &cr_type_date;
    case E_REGEX: {
        int r = cr_sema_compile_regex(S, e->u.str.s, e->u.str.len, e->span);
        e->ref_index = r < 0 ? 0 : (uint32_t)r;
        return r < 0 ? &cr_type_error : &cr_type_regex;
    }
    case E_NAME: {
        const cr_type *t = check_name(S, e);
        if (t->optional && narrowed(S, e))
            t = cr_sema_with_optional(S, t, false);
        return t;
    }
    case E_FIELD: {
        const cr_type *t = check_field(S, e);
        if (t->optional && narrowed(S, e))
            t = cr_sema_with_optional(S, t, false);
        return t;
    }
    case E_METHOD: return check_method(S, e);
    case E_CALL: return check_call(S, e);
    case E_INDEX: return check_index(S, e);
    case E_SLICE: return check_slice(S, e);
    case E_UNARY: return check_unary(S, e);
    case E_BINARY: return check_binary(S, e);
    case E_MATCHES: return check_matches(S, e);
    case E_ISNULL: return check_isnull(S, e);
    case E_IF: return check_if(S, e);
    case E_LIST:
    case E_SET: return check_list(S, e);
    case E_AGG:
    case E_COMP:
        return check_loop(S, e);
    case E_HAS:
        return check_has(S, e);
    case E_BETWEEN:
        return check_between(S, e);
    case E_ADMISSION: return check_admission_member(S, e);
    }
    return &cr_type_error;
}

/* Checks e and stores its type in e->type (the error type, never NULL,
 * when it has none); refuses an expression nested deeper than
 * CR_MAX_NESTING, once. */
const cr_type *cr_sema_check(sema *S, cr_expr *e)
{
    if (!e)
        return &cr_type_error;
    if (S->depth >= CR_MAX_NESTING) {
        if (!S->too_deep)
            err(S, e->span, "this expression is nested more than %d levels deep", CR_MAX_NESTING);
        S->too_deep = true;
        e->type = &cr_type_error;
        return e->type;
    }
    S->depth++;
    const cr_type *t = check_expr(S, e);
    S->depth--;
    e->type = t ? t : &cr_type_error;
    return e->type;
}
