#include "lang/sema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "runtime/core/hash.h"
#include "stdlib/stdlib.h"

const cr_type cr_type_error = {CR_T_ERROR, false, "<error>", NULL, NULL, NULL};
const cr_type cr_type_null = {CR_T_NULL, true, "null", NULL, NULL, NULL};
const cr_type cr_type_bool = {CR_T_BOOL, false, "bool", NULL, NULL, NULL};
const cr_type cr_type_int = {CR_T_INT, false, "int", NULL, NULL, NULL};
const cr_type cr_type_number = {CR_T_DEC, false, "number", NULL, NULL, NULL};
const cr_type cr_type_text = {CR_T_TEXT, false, "text", NULL, NULL, NULL};
const cr_type cr_type_date = {CR_T_DATE, false, "date", NULL, NULL, NULL};
const cr_type cr_type_regex = {CR_T_REGEX, false, "regex", NULL, NULL, NULL};
const cr_type cr_type_text_list = {CR_T_LIST, false, "list", &cr_type_text, NULL, NULL};

#define MAX_SCOPE 256
#define MAX_NARROW 256

typedef struct local {
    const char *name;
    const cr_type *type;
    uint32_t slot;
} local;

typedef struct sema {
    cr_arena *arena;
    cr_diags *diags;
    cr_policy_ast *ast;
    cr_item *input;
    cr_record *rec;
    local scope[MAX_SCOPE];
    uint32_t nscope;
    const char *narrow[MAX_NARROW];  /* paths known not to be null here */
    uint32_t nnarrow;
    uint32_t next_slot;
    uint32_t nlets, nscorecards, nsegments, ntables, ncharacs, nlookups;
    void **regex;
    const char **regex_src;          /* pattern texts, kept for .credoc files */
    uint32_t *regex_len;
    uint32_t nregex, regex_cap;
    cr_item *fn_stack[32];           /* functions being checked: recursion is an error */
    uint32_t nfn;
    uint32_t depth;                  /* of check() calls, see CR_MAX_NESTING */
    bool too_deep;
    bool oom;
    cr_item **names;                 /* find_item's hash index of the items, built on first use */
    uint32_t names_mask;
    bool names_built;
    cr_item **segments;              /* the segment items, with the index */
    uint32_t nsegments_found;
} sema;

static const cr_type *check(sema *S, cr_expr *e);

static void err(sema *S, cr_span sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void err(sema *S, cr_span sp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cr_vdiag(S->diags, CR_SEV_ERROR, sp, fmt, ap);
    va_end(ap);
}

static void warn(sema *S, cr_span sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void warn(sema *S, cr_span sp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cr_vdiag(S->diags, CR_SEV_WARNING, sp, fmt, ap);
    va_end(ap);
}

static void *alloc(sema *S, size_t n)
{
    void *p = cr_arena_calloc(S->arena, n);
    if (!p)
        S->oom = true;
    return p;
}

static void *alloc_cb(void *ctx, size_t n) { return alloc(ctx, n); }

static const char *tname(const cr_type *t, char *buf) { return cr_type_name(t, buf, 96); }

/* ---- types ---- */

static const cr_type *with_optional(sema *S, const cr_type *t, bool optional)
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

static const cr_type *list_of(sema *S, const cr_type *elem)
{
    cr_type *n = alloc(S, sizeof *n);
    if (!n)
        return &cr_type_error;
    n->kind = CR_T_LIST;
    n->spelling = "list";
    n->elem = elem;
    return n;
}

static bool is_num(const cr_type *t) { return t->kind == CR_T_INT || t->kind == CR_T_DEC; }
static bool is_err(const cr_type *t) { return t->kind == CR_T_ERROR; }

/* Can a value of type `got` be used where `want` is expected? */
static bool assignable(const cr_type *want, const cr_type *got)
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
    case CR_T_SET: return assignable(want->elem, got->elem);
    case CR_T_RECORD: return want->rec == got->rec;
    case CR_T_LABEL: return want->labels == got->labels;
    default: return true;
    }
}

/* The type both branches of an `if` (or items of a list) fit in. */
static const cr_type *join(sema *S, const cr_type *a, const cr_type *b)
{
    if (is_err(a)) return b;
    if (is_err(b)) return a;
    if (a->kind == CR_T_NULL) return with_optional(S, b, true);
    if (b->kind == CR_T_NULL) return with_optional(S, a, true);
    bool opt = a->optional || b->optional;
    if (is_num(a) && is_num(b))
        return with_optional(S, a->kind == CR_T_DEC ? a : b->kind == CR_T_DEC ? b : a, opt);
    if (assignable(with_optional(S, a, true), b))
        return with_optional(S, a, opt);
    return NULL;
}

static const cr_type *type_from_expr(sema *S, cr_type_expr *te, const char *recname);

static const cr_type *record_type(sema *S, cr_field_decl *fields, const char *name, bool optional, cr_record **out_rec)
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
        if (cr_record_find(r, f->name, strlen(f->name)) >= 0 || 0) {
            /* index not built yet: checked below */
        }
        for (uint32_t i = 0; i < r->nfields; i++)
            if (strcmp(r->fields[i].name, f->name) == 0)
                err(S, f->span, "field '%s' is declared twice", f->name);
        cr_field *fd = &r->fields[r->nfields++];
        fd->name = f->name;
        fd->len = (uint32_t)strlen(f->name);
        fd->type = type_from_expr(S, f->type, f->name);
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

static cr_item *find_item(sema *S, const char *name);

static const cr_type *type_from_expr(sema *S, cr_type_expr *te, const char *recname)
{
    if (!te)
        return &cr_type_error;
    switch (te->kind) {
    case TE_LIST: {
        const cr_type *elem = type_from_expr(S, te->elem, recname);
        return list_of(S, elem);
    }
    case TE_RECORD:
        return record_type(S, te->fields, recname, te->optional, NULL);
    case TE_NAME: {
        static const struct { const char *name; const cr_type *t; } names[] = {
            {"int", &cr_type_int}, {"number", &cr_type_number}, {"bool", &cr_type_bool},
            {"text", &cr_type_text}, {"date", &cr_type_date},
        };
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strcmp(te->name, names[i].name) == 0)
                return with_optional(S, names[i].t, te->optional);
        if (strcmp(te->name, "money") == 0 || strcmp(te->name, "rate") == 0) {
            cr_type *t = alloc(S, sizeof *t);
            if (!t)
                return &cr_type_error;
            *t = cr_type_number;
            t->spelling = te->name[0] == 'm' ? "money" : "rate";
            t->optional = te->optional;
            return t;
        }
        /* a segment's labels */
        cr_item *it = find_item(S, te->name);
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
static cr_item *find_item(sema *S, const char *name)
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

static int find_label(const cr_labels *l, const char *name)
{
    for (uint32_t i = 0; i < l->count; i++)
        if (strcmp(l->names[i], name) == 0)
            return (int)i;
    return -1;
}

static void label_list(const cr_labels *l, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < l->count && o + 2 < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? ", " : "", l->names[i]);
}

static bool all_caps(const char *s)
{
    bool letter = false;
    for (; *s; s++) {
        if (islower((unsigned char)*s))
            return false;
        if (isupper((unsigned char)*s))
            letter = true;
    }
    return letter;
}

/* ---- null-safety: paths narrowed to non-null by guards ---- */

/* Does e name a lookup (resolved by check_lookup_key)? */
static bool is_lookup_ref(const cr_expr *e)
{
    return e && e->kind == E_NAME && e->ref == REF_ITEM && e->item && e->item->kind == I_LOOKUP;
}

static bool path_of(const cr_expr *e, char *buf, size_t size)
{
    if (e->kind == E_NAME) {
        /* loop variables too: the narrowing ends with their scope */
        snprintf(buf, size, "%s", e->u.str.s);
        return true;
    }
    if (e->kind == E_FIELD && e->u.call.recv) {
        char inner[256];
        if (!path_of(e->u.call.recv, inner, sizeof inner))
            return false;
        int n = snprintf(buf, size, "%s.%s", inner, e->u.call.name);
        return n > 0 && (size_t)n < size;
    }
    if (e->kind == E_INDEX && is_lookup_ref(e->u.tri.a)) {
        /* a lookup's row by a key path is the same row wherever it is
         * read, so `t[k] is not null` guards `t[k].col` */
        char key[256];
        if (!path_of(e->u.tri.b, key, sizeof key))
            return false;
        int n = snprintf(buf, size, "%s[%s]", e->u.tri.a->u.str.s, key);
        return n > 0 && (size_t)n < size;
    }
    return false;
}

static bool narrowed(sema *S, const cr_expr *e)
{
    char p[256];
    if (!path_of(e, p, sizeof p))
        return false;
    for (uint32_t i = 0; i < S->nnarrow; i++)
        if (strcmp(S->narrow[i], p) == 0)
            return true;
    return false;
}

/* Pushes the paths that `e` being `truth` proves non-null. */
static void push_facts(sema *S, const cr_expr *e, bool truth)
{
    if (!e)
        return;
    if (e->kind == E_ISNULL && e->u.tri.negate == truth) {
        char p[256];
        if (path_of(e->u.tri.a, p, sizeof p) && S->nnarrow < MAX_NARROW) {
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
        if (path_of(e, p, sizeof p))
            err(S, e->span, "'%s' may be null (it is %s): guard it with 'is not null' or give a default with '?\?'", p, tname(t, b));
        else
            err(S, e->span, "this value may be null (it is %s): guard it with 'is not null' or give a default with '?\?'", tname(t, b));
        t = with_optional(S, t, false);
        e->type = t;
    }
    return t;
}

static const cr_type *need(sema *S, cr_expr *e) { return need_typed(S, e, check(S, e)); }

static void expect_bool(sema *S, cr_expr *e, const char *what)
{
    const cr_type *t = need(S, e);
    char b[96];
    if (!is_err(t) && t->kind != CR_T_BOOL)
        err(S, e->span, "%s must be true or false, but this is %s", what, tname(t, b));
}

static const cr_type *expect_num(sema *S, cr_expr *e, const char *what)
{
    const cr_type *t = need(S, e);
    char b[96];
    if (!is_err(t) && !is_num(t)) {
        err(S, e->span, "%s needs a number, but this is %s", what, tname(t, b));
        return &cr_type_error;
    }
    return t;
}

/* ---- lets and other items, checked on first use ---- */

static void check_item(sema *S, cr_item *it);

static const cr_type *item_type(sema *S, cr_item *it, cr_span use)
{
    if (it->resolving) {
        err(S, use, "'%s' depends on itself", it->name);
        return &cr_type_error;
    }
    if (!it->resolved)
        check_item(S, it);
    return it->value_type ? it->value_type : &cr_type_error;
}

/* ---- regular expressions: compiled once, here ---- */

static int compile_regex(sema *S, const char *pat, uint32_t len, cr_span sp)
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
    S->regex[S->nregex] = re;
    S->regex_src[S->nregex] = text;
    S->regex_len[S->nregex] = len;
    return (int)S->nregex++;
}

/* ---- expressions ---- */

static bool resolve_label_against(sema *S, cr_expr *e, const cr_type *lt)
{
    if (e->kind != E_NAME || lt->kind != CR_T_LABEL)
        return false;
    if (find_item(S, e->u.str.s) || cr_record_find(S->rec, e->u.str.s, e->u.str.len) >= 0)
        return false;
    for (uint32_t i = S->nscope; i-- > 0;)
        if (strcmp(S->scope[i].name, e->u.str.s) == 0)
            return false;
    int k = find_label(lt->labels, e->u.str.s);
    if (k < 0) {
        char l[256];
        label_list(lt->labels, l, sizeof l);
        err(S, e->span, "'%s' is not a label of segment %s (%s)", e->u.str.s, lt->labels->name, l);
        e->type = &cr_type_error;
        return true;
    }
    e->ref = REF_LABEL;
    e->ref_index = (uint32_t)k;
    e->type = with_optional(S, lt, false);
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

static const cr_type *check_name(sema *S, cr_expr *e)
{
    const char *name = e->u.str.s;
    for (uint32_t i = S->nscope; i-- > 0;) {
        if (strcmp(S->scope[i].name, name) == 0) {
            e->ref = REF_LOCAL;
            e->ref_index = S->scope[i].slot;
            return S->scope[i].type;
        }
    }
    cr_item *it = find_item(S, name);
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
        return item_type(S, it, e->span);
    }
    int f = cr_record_find(S->rec, name, e->u.str.len);
    if (f >= 0) {
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
            if (S->segments[i]->labels && find_label(S->segments[i]->labels, name) >= 0)
                seg = S->segments[i];
    } else {
        for (cr_item *x = S->ast->items; x && !seg; x = x->next)
            if (x->kind == I_SEGMENT && x->labels && find_label(x->labels, name) >= 0)
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
        e->ref_index = (uint32_t)find_label(seg->labels, name);
        return t;
    }
    const char *guess = closest_name(S, name);
    if (guess)
        err(S, e->span, "unknown name '%s' (did you mean '%s'?)", name, guess);
    else
        err(S, e->span, "unknown name '%s'", name);
    return &cr_type_error;
}

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

static const cr_type *check_call(sema *S, cr_expr *e)
{
    const char *name = e->u.call.name;
    cr_expr_list *args = &e->u.call.args;
    cr_item *fn = find_item(S, name);
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
            check_item(S, fn);
        for (cr_param *p = fn->params; p && i < args->count; p = p->next, i++) {
            const cr_type *want = p->type ? type_from_expr(S, p->type, p->name) : &cr_type_error;
            const cr_type *got = check(S, args->items[i]);
            char a[96], b[96];
            if (!assignable(want, got))
                err(S, args->items[i]->span, "argument '%s' of %s is %s, but this is %s", p->name, name, tname(want, a), tname(got, b));
        }
        for (; i < args->count; i++)
            check(S, args->items[i]);
        return fn->value_type ? fn->value_type : &cr_type_error;
    }
    int bi = cr_builtin_find(name);
    if (bi < 0) {
        err(S, e->u.call.name_span, "unknown function '%s'", name);
        for (uint32_t i = 0; i < args->count; i++)
            check(S, args->items[i]);
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
    for (uint32_t i = 0; i < args->count; i++) {
        const cr_type *t = need(S, args->items[i]);
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

static const cr_type *check_compare(sema *S, cr_expr *e)
{
    cr_expr *a = e->u.bin.a, *b = e->u.bin.b;
    cr_op op = e->u.bin.op;
    const cr_type *ta = NULL, *tb = NULL;
    /* a bare label on one side takes its meaning from the other side */
    if (b->kind == E_NAME) {
        ta = need(S, a);
        if (!resolve_label_against(S, b, ta))
            tb = need(S, b);
        else
            tb = b->type;
    } else if (a->kind == E_NAME) {
        tb = need(S, b);
        if (!resolve_label_against(S, a, tb))
            ta = need(S, a);
        else
            ta = a->type;
    } else {
        ta = need(S, a);
        tb = need(S, b);
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
        ok = !ordering && assignable(ta, tb);
    if (!ok)
        err(S, e->span, "cannot compare %s with %s", tname(ta, x), tname(tb, y));
    return &cr_type_bool;
}

static const cr_type *check_in(sema *S, cr_expr *e)
{
    const cr_type *ta = need(S, e->u.bin.a);
    cr_expr *set = e->u.bin.b;
    if (set->kind == E_SET || set->kind == E_LIST) {
        /* labels in a literal set take their meaning from the left side */
        for (uint32_t i = 0; i < set->u.list.count; i++) {
            cr_expr *x = set->u.list.items[i];
            if (!resolve_label_against(S, x, ta))
                need(S, x);
            char b1[96], b2[96];
            if (!is_err(ta) && !is_err(x->type) && !(is_num(ta) && is_num(x->type)) && !assignable(ta, x->type))
                err(S, x->span, "%s cannot be in a set that is compared with %s", tname(x->type, b1), tname(ta, b2));
        }
        set->type = list_of(S, ta);
        return &cr_type_bool;
    }
    const cr_type *ts = need(S, set);
    char b1[96], b2[96];
    if (is_err(ta) || is_err(ts))
        return &cr_type_bool;
    if (ts->kind != CR_T_LIST && ts->kind != CR_T_SET)
        err(S, set->span, "'in' needs a set or a list on its right, but this is %s", tname(ts, b1));
    else if (!(is_num(ta) && is_num(ts->elem)) && !assignable(with_optional(S, ts->elem, true), ta))
        err(S, e->span, "%s cannot be in %s", tname(ta, b1), tname(ts, b2));
    return &cr_type_bool;
}

static void scope_push(sema *S, const char *name, const cr_type *t, uint32_t slot)
{
    if (S->nscope == MAX_SCOPE)
        return;
    S->scope[S->nscope].name = name;
    S->scope[S->nscope].type = t;
    S->scope[S->nscope].slot = slot;
    S->nscope++;
}

static const cr_type *check_loop(sema *S, cr_expr *e)
{
    const cr_type *ts = need(S, e->u.loop.src);
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
    scope_push(S, e->u.loop.var, elem, e->u.loop.var_slot + 2);
    const cr_type *result;
    if (e->kind == E_AGG) {
        expect_bool(S, e->u.loop.cond, "the 'where' condition");
        result = e->u.loop.agg == AGG_COUNT ? &cr_type_int : &cr_type_bool;
    } else {
        if (e->u.loop.cond) {
            expect_bool(S, e->u.loop.cond, "the 'where' condition");
            push_facts(S, e->u.loop.cond, true);
        }
        const cr_type *tb = check(S, e->u.loop.body);
        result = list_of(S, tb);
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
    cr_item *it = find_item(S, e->u.str.s);
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
    name->ref = REF_ITEM;
    name->item = lk;
    name->type = lk->value_type ? lk->value_type : &cr_type_error;
    lk->used = true;
    e->ref_index = lk->sub_index;
    const cr_type *tk = need(S, key);
    char b[96];
    if (!is_err(tk) && tk->kind != CR_T_TEXT && tk->kind != CR_T_LABEL)
        err(S, key->span, "the keys of lookup %s are text, but this is %s", lk->name, tname(tk, b));
}

/* lookup[key]: the row, null when the key is absent (so optional until a
 * guard narrows it). */
static const cr_type *check_lookup_row(sema *S, cr_expr *e, cr_item *lk)
{
    check_lookup_key(S, e, lk);
    const cr_type *t = lk->value_type ? lk->value_type : &cr_type_error;
    return t->optional && narrowed(S, e) ? with_optional(S, t, false) : t;
}

static const cr_type *check_has(sema *S, cr_expr *e)
{
    cr_item *lk = lookup_named(S, e->u.tri.a);
    if (lk) {
        check_lookup_key(S, e, lk);
        return &cr_type_bool;
    }
    const cr_type *ta = check(S, e->u.tri.a);
    char b[96];
    if (!is_err(ta))
        err(S, e->u.tri.a->span, "'has' asks a lookup table for a key, but this is %s", tname(ta, b));
    check(S, e->u.tri.b);
    return &cr_type_bool;
}

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

/* lookup NAME from ... { columns }: the row type, a record of the declared
 * columns, optional because a key may have no row. */
static void check_lookup(sema *S, cr_item *it)
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
    it->value_type = ok ? record_type(S, d->columns, it->name, true, NULL) : &cr_type_error;
}

static const cr_type *check_field(sema *S, cr_expr *e)
{
    cr_expr *recv = e->u.call.recv;
    const char *name = e->u.call.name;
    /* score.credit_score: the points a characteristic took */
    if (recv->kind == E_NAME) {
        cr_item *it = find_item(S, recv->u.str.s);
        if (it && it->kind == I_SCORECARD) {
            check(S, recv);
            for (cr_charac *c = it->characs; c; c = c->next) {
                if (strcmp(c->name, name) == 0) {
                    e->ref = REF_CHARAC;
                    e->item = it;
                    if (!it->resolved)
                        check_item(S, it);
                    e->ref_index = c->index;
                    return it->value_type && it->value_type->kind == CR_T_INT ? &cr_type_int : &cr_type_number;
                }
            }
            err(S, e->u.call.name_span, "scorecard %s has no characteristic '%s'", it->name, name);
            return &cr_type_error;
        }
    }
    const cr_type *t = check(S, recv);
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
        need(S, recv);
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
    e->ref_index = (uint32_t)f;
    if (recv->ref == REF_INPUT_RECORD) {
        e->ref = REF_INPUT;
    }
    return carries_null ? with_optional(S, t->rec->fields[f].type, true) : t->rec->fields[f].type;
}

static const cr_type *check_method(sema *S, cr_expr *e)
{
    cr_expr *recv = e->u.call.recv;
    if (recv->kind == E_NAME) {
        cr_item *it = find_item(S, recv->u.str.s);
        if (it && it->kind == I_SCORECARD) {
            check(S, recv);
            if (strcmp(e->u.call.name, "lowest") != 0) {
                err(S, e->u.call.name_span, "scorecards have one method, lowest(k), not '%s'", e->u.call.name);
                return &cr_type_error;
            }
            if (e->u.call.args.count != 1) {
                err(S, e->span, "lowest takes 1 argument (how many reason codes), %u given", e->u.call.args.count);
                return &cr_type_text_list;
            }
            const cr_type *k = need(S, e->u.call.args.items[0]);
            char b[96];
            if (!is_err(k) && k->kind != CR_T_INT)
                err(S, e->u.call.args.items[0]->span, "lowest needs an int, but this is %s", tname(k, b));
            e->item = it;
            return &cr_type_text_list;
        }
    }
    check(S, recv);
    err(S, e->u.call.name_span, "unknown method '%s'", e->u.call.name);
    for (uint32_t i = 0; i < e->u.call.args.count; i++)
        check(S, e->u.call.args.items[i]);
    return &cr_type_error;
}

static const cr_type *check_binary(sema *S, cr_expr *e)
{
    cr_op op = e->u.bin.op;
    char x[96], y[96];
    switch (op) {
    case OP_AND_:
    case OP_OR_: {
        expect_bool(S, e->u.bin.a, op == OP_AND_ ? "'and'" : "'or'");
        uint32_t saved = S->nnarrow;
        push_facts(S, e->u.bin.a, op == OP_AND_);
        expect_bool(S, e->u.bin.b, op == OP_AND_ ? "'and'" : "'or'");
        S->nnarrow = saved;
        return &cr_type_bool;
    }
    case OP_EQ_: case OP_NE_: case OP_LT_: case OP_LE_: case OP_GT_: case OP_GE_:
        return check_compare(S, e);
    case OP_IN_:
    case OP_NOTIN_:
        return check_in(S, e);
    case OP_COALESCE_: {
        const cr_type *ta = check(S, e->u.bin.a);
        const cr_type *tb = check(S, e->u.bin.b);
        if (is_err(ta) || is_err(tb))
            return &cr_type_error;
        if (!ta->optional)
            warn(S, e->u.bin.a->span, "this is never null, so the '?\?' default is never used");
        const cr_type *j = join(S, with_optional(S, ta, false), tb);
        if (!j) {
            err(S, e->span, "the default after '?\?' is %s, but the value is %s", tname(tb, y), tname(ta, x));
            return &cr_type_error;
        }
        return with_optional(S, j, tb->optional);
    }
    case OP_ADD_: case OP_SUB_: case OP_MUL_: case OP_DIV_: case OP_MOD_: {
        static const char *names[] = {"'+'", "'-'", "'*'", "'/'", "'%'"};
        const cr_type *ta;
        if (op == OP_ADD_) {
            /* text + text joins them */
            ta = need_typed(S, e->u.bin.a, check(S, e->u.bin.a));
            if (!is_err(ta) && (ta->kind == CR_T_TEXT || ta->kind == CR_T_LABEL)) {
                const cr_type *tb = need(S, e->u.bin.b);
                if (!is_err(tb) && tb->kind != CR_T_TEXT && tb->kind != CR_T_LABEL)
                    err(S, e->u.bin.b->span, "'+' joins text to text, but this is %s", tname(tb, y));
                return &cr_type_text;
            }
            if (!is_err(ta) && !is_num(ta)) {
                err(S, e->u.bin.a->span, "'+' needs numbers (or texts to join), but this is %s", tname(ta, x));
                ta = &cr_type_error;
            }
        } else {
            ta = expect_num(S, e->u.bin.a, names[op - OP_ADD_]);
        }
        const cr_type *tb = expect_num(S, e->u.bin.b, names[op - OP_ADD_]);
        if (is_err(ta) || is_err(tb))
            return &cr_type_error;
        if (op == OP_DIV_)
            return &cr_type_number;
        if (ta->kind == CR_T_INT && tb->kind == CR_T_INT)
            return &cr_type_int;
        return &cr_type_number;
    }
    default:
        break;
    }
    return &cr_type_error;
}

static const cr_type *check_expr(sema *S, cr_expr *e)
{
    char b1[96], b2[96];
    switch (e->kind) {
    case E_INT: return &cr_type_int;
    case E_DEC: return &cr_type_number;
    case E_STR: return &cr_type_text;
    case E_BOOL: return &cr_type_bool;
    case E_NULL: return &cr_type_null;
    case E_DATE: return &cr_type_date;
    case E_TODAY: return &cr_type_date;
    case E_REGEX: {
        int r = compile_regex(S, e->u.str.s, e->u.str.len, e->span);
        e->ref_index = r < 0 ? 0 : (uint32_t)r;
        return r < 0 ? &cr_type_error : &cr_type_regex;
    }
    case E_NAME: {
        const cr_type *t = check_name(S, e);
        if (t->optional && narrowed(S, e))
            t = with_optional(S, t, false);
        return t;
    }
    case E_FIELD: {
        const cr_type *t = check_field(S, e);
        if (t->optional && narrowed(S, e))
            t = with_optional(S, t, false);
        return t;
    }
    case E_METHOD: return check_method(S, e);
    case E_CALL: return check_call(S, e);
    case E_INDEX: {
        cr_item *lk = lookup_named(S, e->u.tri.a);
        if (lk)
            return check_lookup_row(S, e, lk);
        const cr_type *tl = need(S, e->u.tri.a);
        const cr_type *ti = need(S, e->u.tri.b);
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
    case E_SLICE: {
        const cr_type *tl = need(S, e->u.tri.a);
        const cr_type *ti = need(S, e->u.tri.b);
        const cr_type *tj = need(S, e->u.tri.c);
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
        return with_optional(S, tl, false);
    }
    case E_UNARY:
        if (e->u.bin.op == OP_NOT_) {
            expect_bool(S, e->u.bin.a, "'not'");
            return &cr_type_bool;
        } else {
            const cr_type *t = expect_num(S, e->u.bin.a, "'-'");
            return is_err(t) ? t : t->kind == CR_T_INT ? &cr_type_int : &cr_type_number;
        }
    case E_BINARY: return check_binary(S, e);
    case E_MATCHES: {
        const cr_type *ta = need(S, e->u.tri.a);
        cr_expr *re = e->u.tri.b;
        if (!is_err(ta) && ta->kind != CR_T_TEXT)
            err(S, e->u.tri.a->span, "'matches' needs text on its left, but this is %s", tname(ta, b1));
        const cr_type *tr = check(S, re);
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
    case E_ISNULL: {
        const cr_type *t = check(S, e->u.tri.a);
        if (!is_err(t) && !t->optional)
            warn(S, e->span, "this is never null (it is %s), so the test is always %s", tname(t, b1), e->u.tri.negate ? "true" : "false");
        return &cr_type_bool;
    }
    case E_IF: {
        expect_bool(S, e->u.tri.a, "an 'if' condition");
        uint32_t saved = S->nnarrow;
        push_facts(S, e->u.tri.a, true);
        const cr_type *tb = check(S, e->u.tri.b);
        S->nnarrow = saved;
        push_facts(S, e->u.tri.a, false);
        const cr_type *tc = check(S, e->u.tri.c);
        S->nnarrow = saved;
        const cr_type *j = join(S, tb, tc);
        if (!j) {
            err(S, e->span, "the branches of this 'if' differ: %s and %s", tname(tb, b1), tname(tc, b2));
            return &cr_type_error;
        }
        return j;
    }
    case E_LIST:
    case E_SET: {
        const cr_type *elem = NULL;
        for (uint32_t i = 0; i < e->u.list.count; i++) {
            const cr_type *t = need(S, e->u.list.items[i]);
            if (!elem) {
                elem = t;
                continue;
            }
            const cr_type *j = join(S, elem, t);
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
    case E_AGG:
    case E_COMP:
        return check_loop(S, e);
    case E_HAS:
        return check_has(S, e);
    case E_ADMISSION: {
        const char *m = e->u.str.s;
        if (strcmp(m, "reasons") == 0) { e->ref_index = ADM_REASONS; return &cr_type_text_list; }
        if (strcmp(m, "rejected") == 0) { e->ref_index = ADM_REJECTED; return &cr_type_bool; }
        if (strcmp(m, "referred") == 0) { e->ref_index = ADM_REFERRED; return &cr_type_bool; }
        if (strcmp(m, "rejections") == 0) { e->ref_index = ADM_REJECTIONS; return &cr_type_text_list; }
        if (strcmp(m, "referrals") == 0) { e->ref_index = ADM_REFERRALS; return &cr_type_text_list; }
        err(S, e->span, "admission has reasons, rejections, referrals, rejected and referred, not '%s'", m);
        return &cr_type_error;
    }
    }
    return &cr_type_error;
}

/* Deeper than this, an expression is refused rather than risk the
 * stack (see the limits table in the README). */
#define CR_MAX_NESTING 1000
/* Tables and characteristics with more rows or bins than this are not
 * checked pair by pair for rows that never match (rows x rows work). */
#define CR_MAX_PAIRWISE 2000

static const cr_type *check(sema *S, cr_expr *e)
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

/* ---- scorecards, segments, tables: cells ---- */

/* A cell's test against an input of type t. */
static void check_cell(sema *S, cr_cell *c, const cr_type *t)
{
    char b1[96], b2[96];
    cr_expr *ops[2] = {c->a, c->b};
    bool ordering = c->kind == CELL_LT || c->kind == CELL_LE || c->kind == CELL_GT || c->kind == CELL_GE || c->kind == CELL_RANGE;
    if (c->kind == CELL_ANY)
        return;
    if (c->kind == CELL_SET) {
        for (uint32_t i = 0; i < c->set.count; i++) {
            cr_expr *x = c->set.items[i];
            if (!resolve_label_against(S, x, t))
                need(S, x);
            if (!is_err(t) && !is_err(x->type) && !(is_num(t) && is_num(x->type)) && !assignable(t, x->type))
                err(S, x->span, "%s cannot be compared with %s", tname(x->type, b1), tname(t, b2));
        }
        return;
    }
    for (int i = 0; i < 2; i++) {
        cr_expr *x = ops[i];
        if (!x)
            continue;
        if (!resolve_label_against(S, x, t))
            need(S, x);
        const cr_type *tx = x->type;
        if (is_err(t) || is_err(tx))
            continue;
        if (ordering && !is_num(t) && t->kind != CR_T_DATE && t->kind != CR_T_TEXT)
            err(S, c->span, "%s values have no order; use a value or a set here", tname(t, b1));
        else if (!(is_num(t) && is_num(tx)) && !assignable(with_optional(S, t, false), tx))
            err(S, x->span, "%s cannot be compared with %s", tname(tx, b1), tname(t, b2));
    }
}

/* Numeric cells as intervals, for gap and overlap checks.  Only literal
 * bounds are analysed; a cell with a name in it is treated as unknown. */
typedef struct interval {
    bool known;
    cr_dec lo, hi;
    bool lo_inf, hi_inf, lo_open, hi_open;
} interval;

/* What a cell operand naming a const stands for: the const's own
 * expression (a const may name another); anything else as it is. */
static const cr_expr *const_resolved(const cr_expr *e)
{
    for (int hops = 0; e && hops < 64 && e->kind == E_NAME && e->ref == REF_ITEM && e->item &&
                       e->item->kind == I_CONST; hops++)
        e = e->item->expr;
    return e;
}

static bool literal_dec(const cr_expr *e, cr_dec *d)
{
    e = const_resolved(e);
    if (!e) return false;
    if (e->kind == E_INT) { *d = cr_dec_from_int(e->u.ival); return true; }
    if (e->kind == E_DEC) { *d = e->u.dval; return true; }
    return false;
}

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
        if (literal_dec(c->a, &a) && literal_dec(c->b, &b)) { v.known = true; v.lo = a; v.hi = b; }
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

static bool interval_meets(const interval *x, const interval *y)
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

/* Can one value equal both operands? (true when unsure) */
static bool operands_meet(const cr_expr *a, const cr_expr *b)
{
    int k = literal_class(a);
    return k == 0 || k != literal_class(b) || same_literal(a, b);
}

/* Can one value equal x and be in set cell c? (true when unsure) */
static bool meets_set(const cr_cell *c, const cr_expr *x)
{
    for (uint32_t i = 0; i < c->set.count; i++)
        if (operands_meet(c->set.items[i], x))
            return true;
    return false;
}

static bool in_set(const cr_cell *c, const cr_expr *x)
{
    for (uint32_t i = 0; i < c->set.count; i++)
        if (same_literal(c->set.items[i], x))
            return true;
    return false;
}

/* Does cell x match every value cell y matches? (false when unsure) */
static bool cell_covers(const cr_cell *x, const cr_cell *y, bool numeric)
{
    if (x->kind == CELL_ANY)
        return true;
    if (y->kind == CELL_ANY)
        return false;
    if (numeric) {
        interval a = cell_interval(x), b = cell_interval(y);
        if (a.known && b.known)
            return interval_covers(&a, &b);
    }
    if (x->kind == CELL_EQ && y->kind == CELL_EQ)
        return same_literal(x->a, y->a);
    if (x->kind == CELL_SET && y->kind == CELL_EQ)
        return in_set(x, y->a);
    if (x->kind == CELL_SET && y->kind == CELL_SET) {
        for (uint32_t i = 0; i < y->set.count; i++)
            if (!in_set(x, y->set.items[i]))
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
    if (numeric) {
        interval a = cell_interval(x), b = cell_interval(y);
        if (a.known && b.known)
            return interval_meets(&a, &b);
    }
    if (x->kind == CELL_EQ && y->kind == CELL_EQ)
        return operands_meet(x->a, y->a);
    if (x->kind == CELL_EQ && y->kind == CELL_SET)
        return meets_set(y, x->a);
    if (x->kind == CELL_SET && y->kind == CELL_EQ)
        return meets_set(x, y->a);
    if (x->kind == CELL_SET && y->kind == CELL_SET) {
        for (uint32_t i = 0; i < x->set.count; i++)
            if (meets_set(y, x->set.items[i]))
                return true;
        return false;
    }
    return true;
}

/* Does the union of the bins' numeric cells cover every number?  Returns
 * false with a description of the first gap found. */
static bool numeric_bins_cover(cr_bin *bins, char *gap, size_t size)
{
    /* Walk up from -infinity: repeatedly extend the covered prefix with any
     * bin whose interval starts inside (or at the edge of) it. */
    bool have = false, inf = false, open = false;
    cr_dec hi = cr_dec_from_int(0);
    for (int pass = 0; pass < 64; pass++) {
        bool grew = false;
        for (cr_bin *b = bins; b; b = b->next) {
            interval v = cell_interval(&b->cell);
            if (!v.known)
                continue;
            bool starts_ok;
            if (v.lo_inf)
                starts_ok = true;
            else if (!have)
                starts_ok = false;
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
        cr_dec_format(hi, num);
        snprintf(gap, size, "no bin catches values %s %s", open ? "from" : "above", num);
    }
    return false;
}

static void check_scorecard(sema *S, cr_item *it)
{
    const cr_type *tb = expect_num(S, it->base, "a scorecard's base");
    bool all_int = !is_err(tb) && tb->kind == CR_T_INT;
    if (it->base && it->base->kind != E_INT && it->base->kind != E_DEC)
        err(S, it->base->span, "a scorecard's base must be a number written out");
    it->sub_index = S->nscorecards++;
    for (cr_charac *c = it->characs; c; c = c->next) {
        c->index = S->ncharacs++;
        for (cr_charac *d = it->characs; d != c; d = d->next)
            if (strcmp(d->name, c->name) == 0)
                err(S, c->name_span, "characteristic '%s' is already in this scorecard", c->name);
        const cr_type *t = need(S, c->ref);
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
        for (cr_bin *b = c->bins; b; b = b->next) {
            bool after_else = has_else;
            if (after_else)
                warn(S, b->span, "this bin can never match: an earlier 'else' catches everything");
            if (b->cell.kind == CELL_ANY)
                has_else = true;
            check_cell(S, &b->cell, t);
            const cr_type *tp = expect_num(S, b->points, "points");
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
            if (!numeric)
                err(S, c->name_span, "characteristic '%s' has no 'else' bin, so some values of it get no points", c->name);
            else if (!numeric_bins_cover(c->bins, gap, sizeof gap))
                err(S, c->name_span, "the bins of '%s' leave a gap: %s; add a bin or 'else'", c->name, gap);
        }
    }
    it->value_type = all_int ? &cr_type_int : &cr_type_number;
}

static void check_segment_labels(sema *S, cr_item *it)
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

static void check_segment(sema *S, cr_item *it)
{
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
            expect_bool(S, r->cond, "a segment condition");
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

static void check_table(sema *S, cr_item *it)
{
    it->sub_index = S->ntables++;
    uint32_t n = it->inputs.count;
    const cr_type **in = alloc(S, (n ? n : 1) * sizeof *in);
    if (!in)
        return;
    for (uint32_t i = 0; i < n; i++)
        in[i] = need(S, it->inputs.items[i]);
    const cr_type *out = type_from_expr(S, it->type, it->name);
    char b1[96], b2[96];
    uint32_t rowno = 0;
    for (cr_table_row *r = it->rows; r; r = r->next, rowno++) {
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
        const cr_type *to;
        if (!resolve_label_against(S, r->out, out))
            to = check(S, r->out);
        else
            to = r->out->type;
        if (!assignable(out, to))
            err(S, r->out->span, "table %s gives %s, but this row gives %s", it->name, tname(out, b1), tname(to, b2));
    }
    /* rows that never match (first) or may overlap (unique): every pair of
     * rows, so not for a table too big for that (README.md, "Limits") */
    rowno = 1;
    uint32_t nrows = 0;
    for (cr_table_row *r = it->rows; r; r = r->next)
        nrows++;
    if (nrows > CR_MAX_PAIRWISE && (it->hit == HIT_FIRST || it->hit == HIT_UNIQUE))
        warn(S, it->name_span, "table %s has %u rows, more than %d: rows that %s are not looked for", it->name, nrows,
             CR_MAX_PAIRWISE, it->hit == HIT_FIRST ? "can never match" : "can both match");
    for (cr_table_row *r = it->rows; r && nrows <= CR_MAX_PAIRWISE; r = r->next, rowno++) {
        if (r->ncells != n)
            continue;
        uint32_t prevno = 1;
        for (cr_table_row *p = it->rows; p != r; p = p->next, prevno++) {
            if (p->ncells != n)
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
        }
    }
    const cr_type *vt = out;
    if (it->hit == HIT_COLLECT) {
        switch (it->collect) {
        case COLLECT_LIST: vt = list_of(S, out); break;
        case COLLECT_COUNT: vt = &cr_type_int; break;
        default:
            if (!is_err(out) && !is_num(out))
                err(S, it->type->span, "'hit collect' with sum, min or max needs a numeric output, not %s", tname(out, b1));
            break;
        }
    }
    if (it->hit == HIT_PRIORITY && !is_err(out) && out->kind != CR_T_LABEL && !is_num(out))
        err(S, it->type->span, "'hit priority' needs an output of labels (earlier labels win) or numbers (the highest wins)");
    it->value_type = vt;
}

static void check_decide(sema *S, cr_item *it)
{
    bool always = false;
    char b1[96];
    for (cr_decide_row *r = it->decide; r; r = r->next) {
        if (always)
            warn(S, r->span, "this row can never be chosen: an earlier row has no condition");
        for (uint32_t i = 0; i < r->reasons.count; i++) {
            cr_expr *x = r->reasons.items[i];
            if (x->kind == E_NAME && all_caps(x->u.str.s) && !find_item(S, x->u.str.s) &&
                cr_record_find(S->rec, x->u.str.s, x->u.str.len) < 0) {
                x->kind = E_STR; /* a reason code written out */
                x->type = &cr_type_text;
                continue;
            }
            const cr_type *t = need(S, x);
            if (!is_err(t) && t->kind != CR_T_TEXT && t->kind != CR_T_LABEL &&
                !(t->kind == CR_T_LIST && (t->elem->kind == CR_T_TEXT || t->elem->kind == CR_T_LABEL)))
                err(S, x->span, "a reason must be a CODE, text or a list of text, but this is %s", tname(t, b1));
        }
        if (r->cond)
            expect_bool(S, r->cond, "a decide condition");
        else
            always = true;
    }
}

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

static void check_item(sema *S, cr_item *it)
{
    if (it->resolved || it->resolving)
        return;
    it->resolving = true;
    /* an item is checked where it is declared: no loop variables or
     * narrowing of the place that first used it */
    uint32_t saved_scope = S->nscope, saved_narrow = S->nnarrow;
    S->nscope = 0;
    S->nnarrow = 0;
    char b1[96], b2[96];
    switch (it->kind) {
    case I_CONST:
        it->value_type = check(S, it->expr);
        if (!is_constant(it->expr))
            err(S, it->expr->span, "a const must be computed from values written out; use 'let' for '%s'", it->name);
        break;
    case I_LET:
    case I_RESULT:
        it->value_type = check(S, it->expr);
        if (it->value_type->kind == CR_T_NULL)
            it->value_type = &cr_type_error;
        break;
    case I_SCORECARD: check_scorecard(S, it); break;
    case I_SEGMENT: check_segment(S, it); break;
    case I_TABLE: check_table(S, it); break;
    case I_FN: {
        if (S->nfn < 32)
            S->fn_stack[S->nfn++] = it;
        it->param_slot = S->next_slot;
        for (cr_param *p = it->params; p; p = p->next) {
            for (cr_param *q = it->params; q != p; q = q->next)
                if (strcmp(q->name, p->name) == 0)
                    err(S, p->span, "parameter '%s' is declared twice", p->name);
            p->resolved = type_from_expr(S, p->type, p->name);
            scope_push(S, p->name, p->resolved, S->next_slot++);
        }
        const cr_type *want = type_from_expr(S, it->type, it->name);
        it->value_type = want;
        it->resolved = true; /* its type is known: calls inside it check against it */
        const cr_type *got = check(S, it->expr);
        if (!assignable(want, got))
            err(S, it->expr->span, "function %s returns %s, but its body gives %s", it->name, tname(want, b1), tname(got, b2));
        if (S->nfn)
            S->nfn--;
        break;
    }
    default:
        break;
    }
    S->nscope = saved_scope;
    S->nnarrow = saved_narrow;
    it->resolving = false;
    it->resolved = true;
}

/* ---- static policy checks: warnings an author and a reviewer want ---- */

/* The value of a condition known when compiling: literals and consts
 * combined with and/or/not and comparisons of numbers or texts. */
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

/* One `path op number` test of an and-chain, as an interval on the path. */
typedef struct bound {
    char path[128];
    interval iv;
    cr_span span;
} bound;

static void collect_bounds(const cr_expr *e, bound *out, uint32_t *n, uint32_t max)
{
    if (!e || *n >= max)
        return;
    if (e->kind == E_BINARY && e->u.bin.op == OP_AND_) {
        collect_bounds(e->u.bin.a, out, n, max);
        collect_bounds(e->u.bin.b, out, n, max);
        return;
    }
    if (e->kind != E_BINARY || e->u.bin.op < OP_EQ_ || e->u.bin.op > OP_GE_ || e->u.bin.op == OP_NE_)
        return;
    const cr_expr *lhs = e->u.bin.a, *rhs = e->u.bin.b;
    cr_op op = e->u.bin.op;
    cr_dec v;
    const char *t;
    uint32_t tl;
    int k = 0;
    bool flipped = false;
    if (!const_value(rhs, &v, &t, &tl, &k)) {
        if (!const_value(lhs, &v, &t, &tl, &k))
            return;
        const cr_expr *tmp = lhs; lhs = rhs; rhs = tmp;
        flipped = true;
    }
    if (k != 1)
        return;
    bound *b = &out[*n];
    if (!path_of(lhs, b->path, sizeof b->path))
        return;
    if (flipped)
        op = op == OP_LT_ ? OP_GT_ : op == OP_LE_ ? OP_GE_ : op == OP_GT_ ? OP_LT_ : op == OP_GE_ ? OP_LE_ : op;
    memset(&b->iv, 0, sizeof b->iv);
    b->iv.known = true;
    b->span = e->span;
    switch (op) {
    case OP_EQ_: b->iv.lo = b->iv.hi = v; break;
    case OP_LT_: b->iv.lo_inf = true; b->iv.hi = v; b->iv.hi_open = true; break;
    case OP_LE_: b->iv.lo_inf = true; b->iv.hi = v; break;
    case OP_GT_: b->iv.hi_inf = true; b->iv.lo = v; b->iv.lo_open = true; break;
    default: b->iv.hi_inf = true; b->iv.lo = v; break;
    }
    (*n)++;
}

/* Can every test of an and-chain hold at once?  False when two tests on
 * one path leave no value (age < 18 and age > 65); names that path. */
static bool and_chain_satisfiable(const cr_expr *e, char *path, size_t size)
{
    bound b[32];
    uint32_t n = 0;
    collect_bounds(e, b, &n, 32);
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = i + 1; j < n; j++)
            if (strcmp(b[i].path, b[j].path) == 0 && !interval_meets(&b[i].iv, &b[j].iv)) {
                snprintf(path, size, "%s", b[i].path);
                return false;
            }
    return true;
}

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
    case E_IF: case E_INDEX: case E_SLICE: case E_MATCHES: case E_ISNULL: case E_HAS:
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

static void check_condition(sema *S, const cr_expr *cond, const char *what)
{
    bool v;
    char path[128];
    self_comparisons(S, cond);
    if (const_bool(cond, &v))
        warn(S, cond->span, "%s: the condition is always %s", what, v ? "true" : "false");
    else if (!and_chain_satisfiable(cond, path, sizeof path))
        warn(S, cond->span, "%s can never hold: its tests of '%s' contradict each other", what, path);
}

/* Does e read the admission outcome (admission.reasons, .rejected, ...),
 * directly or through lets, scorecards, segments, tables or functions?
 * *via names the first item it went through. */
static bool uses_admission(const cr_expr *e, int depth, const char **via);

static bool list_uses_admission(const cr_expr_list *l, int depth, const char **via)
{
    for (uint32_t i = 0; i < l->count; i++)
        if (uses_admission(l->items[i], depth, via))
            return true;
    return false;
}

static bool item_uses_admission(const cr_item *it, int depth, const char **via)
{
    if (depth > 64)
        return false;
    bool hit = false;
    switch (it->kind) {
    case I_CONST: case I_LET: case I_RESULT: case I_FN:
        hit = uses_admission(it->expr, depth, via);
        break;
    case I_SCORECARD:
        for (const cr_charac *c = it->characs; c && !hit; c = c->next)
            hit = uses_admission(c->ref, depth, via);
        break;
    case I_SEGMENT:
        for (const cr_seg_row *r = it->seg_rows; r && !hit; r = r->next)
            hit = uses_admission(r->cond, depth, via);
        break;
    case I_TABLE:
        hit = list_uses_admission(&it->inputs, depth, via);
        for (const cr_table_row *r = it->rows; r && !hit; r = r->next)
            hit = uses_admission(r->out, depth, via);
        break;
    default:
        break;
    }
    if (hit && !*via)
        *via = it->name;
    return hit;
}

static bool uses_admission(const cr_expr *e, int depth, const char **via)
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
        return uses_admission(e->u.call.recv, depth, via);
    case E_UNARY: case E_BINARY:
        return uses_admission(e->u.bin.a, depth, via) || uses_admission(e->u.bin.b, depth, via);
    case E_INDEX: case E_SLICE: case E_IF: case E_MATCHES: case E_ISNULL: case E_HAS:
        return uses_admission(e->u.tri.a, depth, via) || uses_admission(e->u.tri.b, depth, via) ||
               uses_admission(e->u.tri.c, depth, via);
    case E_LIST: case E_SET:
        return list_uses_admission(&e->u.list, depth, via);
    case E_AGG: case E_COMP:
        return uses_admission(e->u.loop.src, depth, via) || uses_admission(e->u.loop.cond, depth, via) ||
               uses_admission(e->u.loop.body, depth, via);
    default:
        return false;
    }
}

static void static_checks(sema *S)
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
                if (const_bool(r->cond, &v) && v)
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
            break;
        default:
            break;
        }
    }
}

/* Functions may not call themselves, directly or through another. */
static bool fn_reaches(const cr_expr *e, const cr_item *target, int depth);

static bool cell_reaches(const cr_cell *c, const cr_item *target, int depth)
{
    if (fn_reaches(c->a, target, depth) || fn_reaches(c->b, target, depth))
        return true;
    for (uint32_t i = 0; i < c->set.count; i++)
        if (fn_reaches(c->set.items[i], target, depth))
            return true;
    return false;
}

static bool item_reaches(const cr_item *it, const cr_item *target, int depth)
{
    if (depth > 64)
        return false;
    switch (it->kind) {
    case I_CONST: case I_LET: case I_RESULT:
        return fn_reaches(it->expr, target, depth);
    case I_SCORECARD:
        for (const cr_charac *c = it->characs; c; c = c->next)
            if (fn_reaches(c->ref, target, depth))
                return true;
        return false;
    case I_SEGMENT:
        for (const cr_seg_row *r = it->seg_rows; r; r = r->next)
            if (fn_reaches(r->cond, target, depth))
                return true;
        return false;
    case I_TABLE:
        for (uint32_t i = 0; i < it->inputs.count; i++)
            if (fn_reaches(it->inputs.items[i], target, depth))
                return true;
        for (const cr_table_row *r = it->rows; r; r = r->next) {
            if (fn_reaches(r->out, target, depth))
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

static bool list_reaches(const cr_expr_list *l, const cr_item *target, int depth)
{
    for (uint32_t i = 0; i < l->count; i++)
        if (fn_reaches(l->items[i], target, depth))
            return true;
    return false;
}

static bool fn_reaches(const cr_expr *e, const cr_item *target, int depth)
{
    if (!e || depth > 64)
        return false;
    switch (e->kind) {
    case E_CALL:
        if (e->ref == REF_FN && e->item) {
            if (e->item == target)
                return true;
            if (fn_reaches(e->item->expr, target, depth + 1))
                return true;
        }
        return list_reaches(&e->u.call.args, target, depth);
    case E_NAME:
        /* a let (or scorecard, segment, table) computed from inside the
         * function may call it again: that is recursion too */
        return e->ref == REF_ITEM && e->item && item_reaches(e->item, target, depth + 1);
    case E_METHOD: return fn_reaches(e->u.call.recv, target, depth) || list_reaches(&e->u.call.args, target, depth);
    case E_FIELD: return fn_reaches(e->u.call.recv, target, depth);
    case E_UNARY: case E_BINARY: return fn_reaches(e->u.bin.a, target, depth) || fn_reaches(e->u.bin.b, target, depth);
    case E_INDEX: case E_SLICE: case E_IF: case E_MATCHES: case E_ISNULL: case E_HAS:
        return fn_reaches(e->u.tri.a, target, depth) || fn_reaches(e->u.tri.b, target, depth) || fn_reaches(e->u.tri.c, target, depth);
    case E_LIST: case E_SET: return list_reaches(&e->u.list, target, depth);
    case E_AGG: case E_COMP:
        return fn_reaches(e->u.loop.src, target, depth) || fn_reaches(e->u.loop.cond, target, depth) || fn_reaches(e->u.loop.body, target, depth);
    default: return false;
    }
}

bool cr_sema(cr_policy_ast *ast, cr_arena *arena, cr_diags *diags, cr_sema_out *out)
{
    sema *S = calloc(1, sizeof *S);
    if (!S)
        return false;
    S->arena = arena;
    S->diags = diags;
    S->ast = ast;
    uint32_t errors_before = diags->errors;

    /* the input schema first: every name may refer to its fields */
    for (cr_item *it = ast->items; it; it = it->next) {
        if (it->kind != I_INPUT)
            continue;
        if (S->input) {
            err(S, it->name_span, "a policy has one input block; '%s' is already declared", S->input->name);
            continue;
        }
        S->input = it;
        record_type(S, it->type->fields, it->name, false, &S->rec);
    }
    if (!S->rec) {
        S->rec = alloc(S, sizeof *S->rec);
        if (S->rec) {
            S->rec->name = "input";
            S->rec->fields = alloc(S, sizeof *S->rec->fields);
            cr_record_build_index(S->rec, alloc_cb, S);
        }
        if (!S->rec || S->oom) {
            free(S);
            return false;
        }
    }
    /* names declared twice, and every segment's labels (types may name them) */
    for (cr_item *it = ast->items; it; it = it->next) {
        if (!it->name || it->kind == I_INPUT || it->kind == I_ADMISSION || it->kind == I_RULE || it->kind == I_DECIDE)
            continue;
        cr_item *first = find_item(S, it->name);
        if (first && first != it)
            err(S, it->name_span, "'%s' is already declared", it->name);
        else if (cr_record_find(S->rec, it->name, strlen(it->name)) >= 0)
            err(S, it->name_span, "'%s' is already an input field", it->name);
        if (it->kind == I_SEGMENT)
            check_segment_labels(S, it);
        if (it->kind == I_LOOKUP)
            check_lookup(S, it);
    }
    uint32_t ndecide = 0;
    for (cr_item *it = ast->items; it; it = it->next) {
        switch (it->kind) {
        case I_CONST: case I_LET: case I_RESULT: case I_SCORECARD: case I_SEGMENT: case I_TABLE:
            check_item(S, it);
            it->index = S->nlets++;
            break;
        case I_FN:
            check_item(S, it);
            if (fn_reaches(it->expr, it, 0))
                err(S, it->name_span, "function %s calls itself; credo has no recursion", it->name);
            break;
        case I_ADMISSION:
        case I_RULE:
            for (cr_rule_decl *r = it->rules; r; r = r->next) {
                if (!all_caps(r->code))
                    err(S, r->code_span, "rule code '%s' must be written in capitals, like AGE or DTI_HIGH", r->code);
                expect_bool(S, r->cond, "a rule's condition");
                const char *via = NULL;
                if (it->kind == I_ADMISSION && uses_admission(r->cond, 0, &via)) {
                    if (via)
                        err(S, r->cond->span, "admission rule %s depends on the admission's own outcome (through '%s')", r->code, via);
                    else
                        err(S, r->cond->span, "admission rule %s depends on the admission's own outcome", r->code);
                }
            }
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
    for (cr_item *it = ast->items; it; it = it->next)
        if ((it->kind == I_LET || it->kind == I_FN || it->kind == I_CONST || it->kind == I_TABLE || it->kind == I_LOOKUP) &&
            !it->used)
            warn(S, it->name_span, "%s '%s' is never used",
                 it->kind == I_FN ? "function" : it->kind == I_CONST ? "const" : it->kind == I_TABLE ? "table"
                 : it->kind == I_LOOKUP ? "lookup" : "let", it->name);
    if (diags->errors == errors_before)
        static_checks(S);

    out->input = S->rec;
    out->input_name = S->input ? S->input->name : "input";
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
