/* Semantic analysis: the checked syntax tree that the compiler trusts.
 *
 * cr_sema resolves every name (to an input field, an item, a local, a
 * segment's label, a function or a built-in), gives every expression its
 * static type, enforces null-safety (an optional value is used only under
 * `is not null`, `??` or a guarding condition) and makes the static policy
 * checks: a segment needs `otherwise`, a scorecard's bins leave no gap, a
 * table's rows that never match or overlap, rules that can never fire.  It
 * annotates the tree in place (cr_expr's type, ref, ref_index and item;
 * cr_item's value_type, index and sub_index) and keeps going after an
 * error, so one run reports every mistake.
 *
 * The passes, in cr_sema at the end of this file:
 *   1. the input block: its record, since any name may be one of its fields;
 *   2. every named item: names declared twice, each segment's labels and
 *      each lookup's row type (a type or a bare label may name them);
 *   3. every item in source order: rules, admission and decide where
 *      they stand; a const, let, result, scorecard, segment, table or fn
 *      on its first use if that comes earlier (cr_sema_item_type), so
 *      items are checked in dependency order and a cycle is an item met
 *      again while it is being checked ("depends on itself");
 *   4. items never used (warnings);
 *   5. when there was no error, the expansion budget: what inlining every
 *      function call would copy, measured before anything is copied;
 *   6. when there was still no error, the static warnings.
 *
 * The parts, each with one job (lang/sema_private.h is what they share):
 *   sema.c        input and types; names; const, let and results; fn;
 *                 admission and rules; decide; regular expressions; passes
 *   sema_expr.c   expressions: names, calls, operators, null-safety
 *                 narrowing, loops; lookups: their rows and `has`
 *   sema_table.c  scorecards, segments, decision tables: their cells, bins
 *                 that leave a gap, rows that never match or overlap
 *   sema_gaps.c   a decision table's gaps: applications no row matches
 *   sema_deps.c   dependency analysis: admission rules that read the
 *                 admission, functions that call themselves
 *   sema_expand.c the expansion budget: what inlining functions copies,
 *                 how deep functions call functions
 *   sema_warn.c   the static warnings: conditions always true or false,
 *                 tests that contradict each other, self-comparisons
 * Above each checker is the production of lang/parser.y that it checks.
 *
 * It calls the syntax tree and types (lang/ast.h, lang/types.h), the
 * diagnostics (lang/diag.h), the built-ins' table (stdlib/stdlib.h), the
 * decimals and the hash of runtime/core/, and PCRE2, to compile each
 * pattern once.  What it builds lives in the compile arena, as the tree
 * does; the compiled patterns go to the caller in cr_sema_out. */
#include "lang/sema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "runtime/core/hash.h"
#include "lang/names.h"
#include "lang/sema_private.h"

const cr_type cr_type_error = {CR_T_ERROR, false, "<error>", NULL, NULL, NULL};
const cr_type cr_type_null = {CR_T_NULL, true, "null", NULL, NULL, NULL};
const cr_type cr_type_bool = {CR_T_BOOL, false, "bool", NULL, NULL, NULL};
const cr_type cr_type_int = {CR_T_INT, false, "int", NULL, NULL, NULL};
const cr_type cr_type_number = {CR_T_DEC, false, "number", NULL, NULL, NULL};
const cr_type cr_type_text = {CR_T_TEXT, false, "text", NULL, NULL, NULL};
const cr_type cr_type_date = {CR_T_DATE, false, "date", NULL, NULL, NULL};
const cr_type cr_type_regex = {CR_T_REGEX, false, "regex", NULL, NULL, NULL};
const cr_type cr_type_text_list = {CR_T_LIST, false, "list", &cr_type_text, NULL, NULL};

/* alloc in the shape cr_record_build_index takes. */
static void *alloc_cb(void *ctx, size_t n) { return alloc(ctx, n); }

/* ---- input and types ---- */

/* t as T? (optional) or as T; the shared types are copied, never changed. */
const cr_type *cr_sema_with_optional(sema *S, const cr_type *t, bool optional)
{
    if (t->optional == optional || t->kind == CR_T_ERROR || t->kind == CR_T_NULL)
        return t;
    cr_type *n = alloc(S, sizeof *n);
    if (!n)
        return &cr_type_error;
    *n = *t;
    n->optional = optional;
    return n;
}

/* list of elem */
const cr_type *cr_sema_list_of(sema *S, const cr_type *elem)
{
    cr_type *n = alloc(S, sizeof *n);
    if (!n)
        return &cr_type_error;
    n->kind = CR_T_LIST;
    n->spelling = "list";
    n->elem = elem;
    return n;
}

/* Can a value of type `got` be used where `want` is expected? */
bool cr_sema_assignable(const cr_type *want, const cr_type *got)
{
    if (is_err(want) || is_err(got))
        return true;
    if (got->kind == CR_T_NULL)
        return want->optional;
    if (got->optional && !want->optional)
        return false;
    if (want->kind == CR_T_DEC && got->kind == CR_T_INT)
        return true;
    if (want->kind != got->kind)
        return false;
    switch (want->kind) {
    case CR_T_LIST:
    case CR_T_SET: return cr_sema_assignable(want->elem, got->elem);
    case CR_T_RECORD: return want->rec == got->rec;
    case CR_T_LABEL: return want->labels == got->labels;
    default: return true;
    }
}

/* The type both branches of an `if` (or items of a list) fit in; NULL when
 * there is none. */
const cr_type *cr_sema_join(sema *S, const cr_type *a, const cr_type *b)
{
    if (is_err(a)) return b;
    if (is_err(b)) return a;
    if (a->kind == CR_T_NULL) return cr_sema_with_optional(S, b, true);
    if (b->kind == CR_T_NULL) return cr_sema_with_optional(S, a, true);
    bool opt = a->optional || b->optional;
    if (is_num(a) && is_num(b))
        return cr_sema_with_optional(S, a->kind == CR_T_DEC ? a : b->kind == CR_T_DEC ? b : a, opt);
    if (a->kind == CR_T_TEXT && b->kind == CR_T_TEXT && a->labels != b->labels)
        return cr_sema_with_optional(S, &cr_type_text, opt); /* two closed sets, or one and any text: any text */
    if (cr_sema_assignable(cr_sema_with_optional(S, a, true), b))
        return cr_sema_with_optional(S, a, opt);
    return NULL;
}

/* { NAME: type, ... } (an input block's, a record field's or a lookup's
 * columns): a record of those fields, with its name index.  *out_rec, when
 * asked for, gets the record itself. */
const cr_type *cr_sema_record_type(sema *S, cr_field_decl *fields, const char *name, bool optional, cr_record **out_rec)
{
    uint32_t n = 0;
    for (cr_field_decl *f = fields; f; f = f->next)
        n++;
    cr_record *r = alloc(S, sizeof *r);
    cr_type *t = alloc(S, sizeof *t);
    if (!r || !t)
        return &cr_type_error;
    r->name = name;
    r->fields = alloc(S, (n ? n : 1) * sizeof *r->fields);
    if (!r->fields)
        return &cr_type_error;
    for (cr_field_decl *f = fields; f; f = f->next) {
        /* the index is built once every field is in: look back by name */
        for (uint32_t i = 0; i < r->nfields; i++)
            if (strcmp(r->fields[i].name, f->name) == 0)
                err(S, f->span, "field '%s' is declared twice", f->name);
        CR_ASSERT(r->nfields < n);
        cr_field *fd = &r->fields[r->nfields++];
        fd->name = f->name;
        fd->len = (uint32_t)strlen(f->name);
        fd->type = cr_sema_type_from_expr(S, f->type, f->name);
    }
    if (!cr_record_build_index(r, alloc_cb, S))
        S->oom = true;
    t->kind = CR_T_RECORD;
    t->spelling = "record";
    t->rec = r;
    t->optional = optional;
    if (out_rec)
        *out_rec = r;
    return t;
}

/* one of {"a", "b", ...}[?]: an input field's closed set of texts, each
 * once.  The reader refuses any other value, and the checks of cells and
 * comparisons refuse a literal outside it. */
static const cr_type *one_of_type(sema *S, cr_type_expr *te, const char *field)
{
    if (!S->in_input) {
        err(S, te->span, "a closed set of values ('one of') is declared on an input field");
        return &cr_type_error;
    }
    uint32_t n = te->values.count;
    cr_labels *l = alloc(S, sizeof *l);
    const char **names = alloc(S, (n ? n : 1) * sizeof *names);
    cr_type *t = alloc(S, sizeof *t);
    if (!l || !names || !t)
        return &cr_type_error;
    for (uint32_t i = 0; i < n; i++) {
        cr_expr *x = te->values.items[i];
        if (x->kind != E_STR || memchr(x->u.str.s, 0, x->u.str.len)) {
            err(S, x->span, "the values of 'one of' are texts written out, such as \"lt_0\"");
            continue;
        }
        bool dup = false;
        for (uint32_t k = 0; k < l->count && !dup; k++)
            dup = strcmp(names[k], x->u.str.s) == 0;
        if (dup)
            err(S, x->span, "\"%s\" is already one of the values of '%s'", x->u.str.s, field);
        else
            names[l->count++] = x->u.str.s;
    }
    l->name = field;
    l->names = names;
    t->kind = CR_T_TEXT;
    t->spelling = "text";
    t->labels = l;
    t->optional = te->optional;
    return t;
}

/* type: NAME[?] | list of type | { NAME: type, ... }[?]
 * where NAME is int, number, money, rate, bool, text, date or a segment's
 * name (its labels).  recname names a record type for messages. */
const cr_type *cr_sema_type_from_expr(sema *S, cr_type_expr *te, const char *recname)
{
    if (!te)
        return &cr_type_error;
    switch (te->kind) {
    case TE_LIST: {
        const cr_type *elem = cr_sema_type_from_expr(S, te->elem, recname);
        const cr_type *list = cr_sema_list_of(S, elem);
        /* (list of T)?: the list itself may be null or missing */
        return te->optional ? cr_sema_with_optional(S, list, true) : list;
    }
    case TE_RECORD:
        return cr_sema_record_type(S, te->fields, recname, te->optional, NULL);
    case TE_ONE_OF:
        return one_of_type(S, te, recname);
    case TE_NAME: {
        static const struct { const char *name; const cr_type *t; } names[] = {
            {"int", &cr_type_int}, {"number", &cr_type_number}, {"bool", &cr_type_bool},
            {"text", &cr_type_text}, {"date", &cr_type_date},
        };
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strcmp(te->name, names[i].name) == 0)
                return cr_sema_with_optional(S, names[i].t, te->optional);
        if (strcmp(te->name, "money") == 0 || strcmp(te->name, "rate") == 0) {
            cr_type *t = alloc(S, sizeof *t);
            if (!t)
                return &cr_type_error;
            *t = cr_type_number;
            t->spelling = te->name[0] == 'm' ? "money" : "rate";
            t->optional = te->optional;
            return t;
        }
        /* a segment's labels (pass 2 gave every segment its labels) */
        cr_item *it = cr_sema_find_item(S, te->name);
        if (it && it->kind == I_SEGMENT && it->labels) {
            cr_type *t = alloc(S, sizeof *t);
            if (!t)
                return &cr_type_error;
            t->kind = CR_T_LABEL;
            t->spelling = it->name;
            t->labels = it->labels;
            t->optional = te->optional;
            return t;
        }
        err(S, te->span, "unknown type '%s' (int, number, money, rate, bool, text, date, list of T, a record { ... } or a segment's name)", te->name);
        return &cr_type_error;
    }
    }
    return &cr_type_error;
}

/* ---- names ---- */

/* Does the item declare a name that expressions can use? */
static bool named_item(const cr_item *it)
{
    switch (it->kind) {
    case I_CONST: case I_LET: case I_RESULT: case I_SCORECARD: case I_SEGMENT: case I_TABLE: case I_FN:
    case I_LOOKUP:
        return it->name != NULL;
    default:
        return false;
    }
}

/* The first item of that name.  Names resolve through a hash index, so a
 * policy of many items compiles in linear time, not quadratic. */
cr_item *cr_sema_find_item(sema *S, const char *name)
{
    if (!S->names_built) {
        S->names_built = true;
        uint32_t n = 0, nseg = 0, cap = 16;
        for (cr_item *it = S->ast->items; it; it = it->next) {
            n++;
            nseg += it->kind == I_SEGMENT;
        }
        while (cap < 2 * n && cap < (1u << 30))
            cap *= 2;
        /* never full, so every probe below ends at an empty entry */
        CR_ASSERT(cap > n);
        S->names = cr_arena_calloc(S->arena, cap * sizeof *S->names);   /* NULL: scan instead */
        S->names_mask = cap - 1;
        S->segments = cr_arena_calloc(S->arena, (nseg ? nseg : 1) * sizeof *S->segments);
        for (cr_item *it = S->ast->items; S->segments && it; it = it->next)
            if (it->kind == I_SEGMENT)
                S->segments[S->nsegments_found++] = it;
        for (cr_item *it = S->ast->items; S->names && it; it = it->next) {
            if (!named_item(it))
                continue;
            uint32_t h = cr_hash_bytes(it->name, strlen(it->name)) & S->names_mask;
            while (S->names[h] && strcmp(S->names[h]->name, it->name) != 0)
                h = (h + 1) & S->names_mask;
            if (!S->names[h])
                S->names[h] = it;   /* the first of a name wins */
        }
    }
    if (S->names) {
        for (uint32_t h = cr_hash_bytes(name, strlen(name)) & S->names_mask; S->names[h]; h = (h + 1) & S->names_mask)
            if (strcmp(S->names[h]->name, name) == 0)
                return S->names[h];
        return NULL;
    }
    for (cr_item *it = S->ast->items; it; it = it->next)
        if (named_item(it) && strcmp(it->name, name) == 0)
            return it;
    return NULL;
}

/* The label's number in a segment, or -1. */
int cr_sema_find_label(const cr_labels *l, const char *name)
{
    for (uint32_t i = 0; i < l->count; i++)
        if (strcmp(l->names[i], name) == 0)
            return (int)i;
    return -1;
}

/* "PRIME, STANDARD, ..." for a message, cut to size. */
void cr_sema_label_list(const cr_labels *l, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < l->count && o + 2 < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? ", " : "", l->names[i]);
}

/* Is s written in capitals (a reason code such as DTI_HIGH)?  Reason
 * codes are ASCII: they travel to other systems (lang/names.h). */
static bool all_caps(const char *s)
{
    return cr_name_is_code(s);
}

/* ---- regular expressions: compiled once, here ---- */

/* T_REGEX /pattern/: compiled with PCRE2 (and its JIT where there is one)
 * into the policy's table of patterns; returns its number, or -1 after an
 * error.  sp is the literal's span, its slashes included. */
int cr_sema_compile_regex(sema *S, const char *pat, uint32_t len, cr_span sp)
{
    /* PCRE2 takes a NUL byte as a literal, but a policy's texts are UTF-8
     * without NUL everywhere (a .credoc could not hold this pattern) */
    const char *nul = memchr(pat, 0, len);
    if (nul) {
        cr_span at = sp;
        at.start = sp.start + 1 + (uint32_t)(nul - pat);
        at.end = at.start + 1;
        err(S, at, "a NUL byte is not allowed in a regular expression (write \\x00 to match one)");
        return -1;
    }
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, len, PCRE2_UTF | PCRE2_DOLLAR_ENDONLY, &code, &off, NULL);
    if (!re) {
        char msg[256];
        pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
        cr_span at = sp;
        at.start = sp.start + 1 + (uint32_t)(off < len ? off : len);
        at.end = at.start + 1;
        err(S, at, "invalid regular expression: %s", msg);
        return -1;
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* a failure just means no JIT */
    /* the text too: a compiled policy (.credoc) stores it, not the code */
    char *text = cr_arena_strndup(S->arena, pat, len);
    if (S->nregex == S->regex_cap) {
        uint32_t cap = S->regex_cap ? S->regex_cap * 2 : 8;
        void **n = alloc(S, cap * sizeof *n);
        const char **ns = alloc(S, cap * sizeof *ns);
        uint32_t *nl = alloc(S, cap * sizeof *nl);
        if (!n || !ns || !nl) {
            pcre2_code_free(re);
            return -1;
        }
        if (S->nregex) {
            memcpy(n, S->regex, S->nregex * sizeof *n);
            memcpy(ns, S->regex_src, S->nregex * sizeof *ns);
            memcpy(nl, S->regex_len, S->nregex * sizeof *nl);
        }
        S->regex = n;
        S->regex_src = ns;
        S->regex_len = nl;
        S->regex_cap = cap;
    }
    if (!text) {
        S->oom = true;
        pcre2_code_free(re);
        return -1;
    }
    CR_ASSERT(S->nregex < S->regex_cap);
    S->regex[S->nregex] = re;
    S->regex_src[S->nregex] = text;
    S->regex_len[S->nregex] = len;
    return (int)S->nregex++;
}

/* ---- const, let and results: items checked on first use ---- */

/* The type of the item a name refers to, checking the item first if this
 * is its first use; `use` is where the name is, for the cycle's message. */
const cr_type *cr_sema_item_type(sema *S, cr_item *it, cr_span use)
{
    if (it->resolving) {
        err(S, use, "'%s' depends on itself", it->name);
        return &cr_type_error;
    }
    if (!it->resolved)
        cr_sema_check_item(S, it);
    /* a name's type is read only once its item is checked */
    CR_ASSERT(it->resolved);
    return it->value_type ? it->value_type : &cr_type_error;
}

/* Can e be computed when compiling: literals, labels and consts combined
 * by operators, lists and `if`? */
static bool is_constant(const cr_expr *e)
{
    if (!e)
        return true;
    switch (e->kind) {
    case E_INT: case E_DEC: case E_STR: case E_BOOL: case E_NULL: case E_DATE: case E_REGEX:
        return true;
    case E_NAME:
        return e->ref == REF_LABEL || (e->ref == REF_ITEM && e->item && e->item->kind == I_CONST);
    case E_UNARY:
        return is_constant(e->u.bin.a);
    case E_BINARY:
        return is_constant(e->u.bin.a) && is_constant(e->u.bin.b);
    case E_LIST: case E_SET:
        for (uint32_t i = 0; i < e->u.list.count; i++)
            if (!is_constant(e->u.list.items[i]))
                return false;
        return true;
    case E_IF:
        return is_constant(e->u.tri.a) && is_constant(e->u.tri.b) && is_constant(e->u.tri.c);
    default:
        return false;
    }
}

/* const NAME = expr */
static void check_const(sema *S, cr_item *it)
{
    it->value_type = cr_sema_check(S, it->expr);
    if (!is_constant(it->expr))
        err(S, it->expr->span, "a const must be computed from values written out; use 'let' for '%s'", it->name);
}

/* let NAME = expr  |  NAME = expr (a named result): a value of no type
 * (the bare literal null) is an error already reported. */
static void check_let(sema *S, cr_item *it)
{
    it->value_type = cr_sema_check(S, it->expr);
    if (it->value_type->kind == CR_T_NULL)
        it->value_type = &cr_type_error;
}

/* ---- fn ---- */

/* fn NAME(NAME: type, ...) -> type = expr
 * The parameters are locals of the body; the result type is set before the
 * body is checked, so a call inside it checks against it (recursion itself
 * is found after, by cr_sema_fn_reaches). */
static void check_fn(sema *S, cr_item *it)
{
    char b1[96], b2[96];
    it->param_slot = S->next_slot;
    for (cr_param *p = it->params; p; p = p->next) {
        for (cr_param *q = it->params; q != p; q = q->next)
            if (strcmp(q->name, p->name) == 0)
                err(S, p->span, "parameter '%s' is declared twice", p->name);
        p->resolved = cr_sema_type_from_expr(S, p->type, p->name);
        cr_sema_scope_push(S, p->name, p->resolved, S->next_slot++);
    }
    const cr_type *want = cr_sema_type_from_expr(S, it->type, it->name);
    it->value_type = want;
    it->resolved = true; /* its type is known: calls inside it check against it */
    const cr_type *got = cr_sema_check(S, it->expr);
    if (!cr_sema_assignable(want, got))
        err(S, it->expr->span, "function %s returns %s, but its body gives %s", it->name, tname(want, b1), tname(got, b2));
}

/* Checks an item that has a value (const, let, result, scorecard, segment,
 * table) or a fn, once, on its first use or in pass 3, whichever is first. */
void cr_sema_check_item(sema *S, cr_item *it)
{
    if (it->resolved || it->resolving)
        return;
    it->resolving = true;
    /* an item is checked where it is declared: no loop variables or
     * narrowing of the place that first used it */
    uint32_t saved_scope = S->nscope, saved_narrow = S->nnarrow;
    S->nscope = 0;
    S->nnarrow = 0;
    switch (it->kind) {
    case I_CONST: check_const(S, it); break;
    case I_LET:
    case I_RESULT: check_let(S, it); break;
    case I_SCORECARD: cr_sema_check_scorecard(S, it); break;
    case I_SEGMENT: cr_sema_check_segment(S, it); break;
    case I_TABLE: cr_sema_check_table(S, it); break;
    case I_FN: check_fn(S, it); break;
    default:
        break;
    }
    S->nscope = saved_scope;
    S->nnarrow = saved_narrow;
    it->resolving = false;
    it->resolved = true;
}

/* ---- admission and rules ---- */

/* admission { rule ... }, and a rule on its own, where rule is
 *   reject CODE ["description"] when expr  |  refer CODE ["description"] when expr
 * The code is in capitals, the condition a bool; an admission rule may not
 * depend on the admission's own outcome. */
static void check_rules(sema *S, cr_item *it)
{
    for (cr_rule_decl *r = it->rules; r; r = r->next) {
        if (!cr_name_is_ascii(r->code))
            err(S, r->code_span, "rule code '%s' must be written in ASCII capitals, digits and '_', like AGE or "
                "DTI_HIGH: reason codes travel to other systems (the rule's description may be in any language)",
                r->code);
        else if (!all_caps(r->code))
            err(S, r->code_span, "rule code '%s' must be written in capitals, like AGE or DTI_HIGH", r->code);
        cr_sema_expect_bool(S, r->cond, "a rule's condition");
        const char *via = NULL;
        if (it->kind == I_ADMISSION && cr_sema_uses_admission(r->cond, 0, &via)) {
            if (via)
                err(S, r->cond->span, "admission rule %s depends on the admission's own outcome (through '%s')", r->code, via);
            else
                err(S, r->cond->span, "admission rule %s depends on the admission's own outcome", r->code);
        }
    }
}

/* ---- decide ---- */

/* decide { approve|refer|reject [reason, ...] [when expr] ... }
 * A reason is a CODE written out (a capitalised name that names nothing
 * else), a text, a label or a list of them; a row after one without a
 * condition can never be chosen. */
static void check_decide(sema *S, cr_item *it)
{
    bool always = false;
    char b1[96];
    for (cr_decide_row *r = it->decide; r; r = r->next) {
        if (always)
            warn(S, r->span, "this row can never be chosen: an earlier row has no condition");
        for (uint32_t i = 0; i < r->reasons.count; i++) {
            cr_expr *x = r->reasons.items[i];
            if (x->kind == E_NAME && all_caps(x->u.str.s) && !cr_sema_find_item(S, x->u.str.s) &&
                cr_record_find(S->rec, x->u.str.s, x->u.str.len) < 0) {
                x->kind = E_STR; /* a reason code written out */
                x->type = &cr_type_text;
                continue;
            }
            const cr_type *t = cr_sema_need(S, x);
            if (!is_err(t) && t->kind != CR_T_TEXT && t->kind != CR_T_LABEL &&
                !(t->kind == CR_T_LIST && (t->elem->kind == CR_T_TEXT || t->elem->kind == CR_T_LABEL)))
                err(S, x->span, "a reason must be a CODE, text or a list of text, but this is %s", tname(t, b1));
        }
        if (r->cond)
            cr_sema_expect_bool(S, r->cond, "a decide condition");
        else
            always = true;
    }
}

/* ---- the passes ---- */

static void check_input_key(sema *S, const cr_item *it);

/* Pass 1.  input NAME { NAME: type ... }: the one input block's record,
 * whose fields every name may refer to; without one, an empty record.
 * False when even that cannot be allocated. */
static bool check_input(sema *S)
{
    for (cr_item *it = S->ast->items; it; it = it->next) {
        if (it->kind != I_INPUT)
            continue;
        if (S->input) {
            err(S, it->name_span, "a policy has one input block; '%s' is already declared", S->input->name);
            continue;
        }
        S->input = it;
        S->in_input = true;
        cr_sema_record_type(S, it->type->fields, it->name, false, &S->rec);
        S->in_input = false;
        check_input_key(S, it);
    }
    if (!S->rec) {
        S->rec = alloc(S, sizeof *S->rec);
        if (S->rec) {
            S->rec->name = "input";
            S->rec->fields = alloc(S, sizeof *S->rec->fields);
            cr_record_build_index(S->rec, alloc_cb, S);
        }
        if (!S->rec || S->oom)
            return false;
    }
    return true;
}

/* Pass 2: names declared twice, and what a type or a bare label may name
 * before any expression is checked: every segment's labels and every
 * lookup's row type. */
/* The keys a decision line writes itself (io/decision_json.c, decide.c,
 * serve, run --challenger): a result of one of these names would be a
 * second key of that name in the line, which a JSON reader that keeps the
 * last one would read instead of credo's. */
static const char *const line_keys[] = {"app_id", "line", "decision", "reasons", "error", "explain",
                                        "policy", "version", "sha256", "program_sha256"};

/* input NAME key FIELD { ... }: the field whose value names each decision
 * (in its line, the log and explain, where app_id does by default) must be
 * a field of the input with a single value: text, a number or a date. */
static void check_input_key(sema *S, const cr_item *it)
{
    const char *key = it->input_key;
    if (!key || !S->rec)
        return;
    int f = cr_record_find(S->rec, key, strlen(key));
    if (f < 0) {
        err(S, it->input_key_span, "the key '%s' is not a field of input %s", key, it->name);
        return;
    }
    for (size_t i = 1; i < sizeof line_keys / sizeof line_keys[0]; i++)
        if (strcmp(key, line_keys[i]) == 0) {
            err(S, it->input_key_span, "the key cannot be '%s': every decision line has its own \"%s\"", key, key);
            return;
        }
    const cr_type *t = S->rec->fields[f].type;
    char b[96];
    if (t->kind != CR_T_TEXT && t->kind != CR_T_INT && t->kind != CR_T_DEC && t->kind != CR_T_DATE) {
        err(S, it->input_key_span, "the key '%s' must be a text, int, number or date field, but it is %s", key,
            cr_type_name(t, b, sizeof b));
        return;
    }
    S->key = key;
}

/* A result, scorecard or segment (each written to every decision under
 * its name) must not be called like a key of the line. */
static void check_result_name(sema *S, const cr_item *it)
{
    if (it->kind != I_RESULT && it->kind != I_SCORECARD && it->kind != I_SEGMENT)
        return;
    const char *what = it->kind == I_RESULT ? "result" : it->kind == I_SCORECARD ? "scorecard" : "segment";
    /* with a key of its own, a line has no app_id; the key is an input
     * field, which no item may be named like */
    for (size_t i = S->key ? 1 : 0; i < sizeof line_keys / sizeof line_keys[0]; i++)
        if (strcmp(it->name, line_keys[i]) == 0) {
            err(S, it->name_span,
                "'%s' cannot name a %s: every decision line has its own \"%s\" (the names app_id, line, decision, "
                "reasons, error, explain, policy, version, sha256 and program_sha256 are the line's)",
                it->name, what, it->name);
            return;
        }
}

static void declare_items(sema *S)
{
    for (cr_item *it = S->ast->items; it; it = it->next) {
        if (!it->name || it->kind == I_INPUT || it->kind == I_ADMISSION || it->kind == I_RULE || it->kind == I_DECIDE)
            continue;
        cr_item *first = cr_sema_find_item(S, it->name);
        if (first && first != it)
            err(S, it->name_span, "'%s' is already declared", it->name);
        else if (cr_record_find(S->rec, it->name, strlen(it->name)) >= 0)
            err(S, it->name_span, "'%s' is already an input field", it->name);
        check_result_name(S, it);
        if (it->kind == I_SEGMENT)
            cr_sema_check_segment_labels(S, it);
        if (it->kind == I_LOOKUP)
            cr_sema_check_lookup(S, it);
    }
}

/* Pass 3: every item in source order (those with a value may have been
 * checked already, on first use).  Items with a value are numbered here,
 * in source order, as the compiler lays out their slots. */
static void check_items(sema *S)
{
    uint32_t ndecide = 0;
    for (cr_item *it = S->ast->items; it; it = it->next) {
        switch (it->kind) {
        case I_CONST: case I_LET: case I_RESULT: case I_SCORECARD: case I_SEGMENT: case I_TABLE:
            cr_sema_check_item(S, it);
            CR_ASSERT(it->resolved && !it->resolving);
            it->index = S->nlets++;
            break;
        case I_FN:
            cr_sema_check_item(S, it);
            if (cr_sema_fn_reaches(it->expr, it, 0))
                err(S, it->name_span, "function %s calls itself; credo has no recursion", it->name);
            break;
        case I_ADMISSION:
        case I_RULE:
            check_rules(S, it);
            break;
        case I_DECIDE:
            if (ndecide++)
                err(S, it->name_span, "a policy has one decide block");
            check_decide(S, it);
            break;
        default:
            break;
        }
    }
}

/* Pass 4: a let, fn, const, table or lookup that nothing uses. */
static void warn_unused(sema *S)
{
    for (cr_item *it = S->ast->items; it; it = it->next)
        if ((it->kind == I_LET || it->kind == I_FN || it->kind == I_CONST || it->kind == I_TABLE || it->kind == I_LOOKUP) &&
            !it->used)
            warn(S, it->name_span, "%s '%s' is never used",
                 it->kind == I_FN ? "function" : it->kind == I_CONST ? "const" : it->kind == I_TABLE ? "table"
                 : it->kind == I_LOOKUP ? "lookup" : "let", it->name);
}

/* The passes described at the top of this file, in order. */
bool cr_sema(cr_policy_ast *ast, cr_arena *arena, cr_diags *diags, cr_sema_out *out)
{
    sema *S = calloc(1, sizeof *S);
    if (!S)
        return false;
    S->arena = arena;
    S->diags = diags;
    S->ast = ast;
    uint32_t errors_before = diags->errors;

    if (!check_input(S)) {
        free(S);
        return false;
    }
    declare_items(S);
    check_items(S);
    /* every local and every guard pushed while checking was popped */
    CR_ASSERT(S->nscope == 0 && S->nnarrow == 0 && S->depth == 0);
    warn_unused(S);
    if (diags->errors == errors_before)
        cr_sema_check_expansion(S);
    if (diags->errors == errors_before)
        cr_sema_static_warnings(S);

    out->input = S->rec;
    out->input_name = S->input ? S->input->name : "input";
    out->key = S->key;
    out->nlets = S->nlets;
    out->nscorecards = S->nscorecards;
    out->nsegments = S->nsegments;
    out->ntables = S->ntables;
    out->ncharacs = S->ncharacs;
    out->nlookups = S->nlookups;
    out->nlocals = S->next_slot;
    out->regex = S->regex;
    out->regex_src = S->regex_src;
    out->regex_len = S->regex_len;
    out->nregex = S->nregex;
    if (S->oom)
        cr_diag(diags, CR_SEV_ERROR, ast->header_span, "out of memory while checking the policy");
    bool ok = diags->errors == errors_before && !S->oom;
    free(S);
    return ok;
}
