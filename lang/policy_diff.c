/* The structural comparison of two policies (policy_diff.h).
 *
 * Constructs are matched the way a credit officer names them: fields,
 * consts, lets, results, functions, scorecards, segments and tables by
 * name, rules by code, characteristics by name, segment rows by label.
 * Rows that have no name (scorecard bins, table rows, decide rows) are
 * aligned by a longest common subsequence of their text, so inserting a
 * row shows as one added row rather than every later row changed; rows
 * left over on both sides of a gap are paired as changed, those with the
 * same test (bin, cells or condition) first. */
#include "lang/policy_diff.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/parse.h"
#include "runtime/core/date.h"

bool cr_policy_tree_parse(cr_policy_tree *t, const char *src, size_t len, cr_diags *diags)
{
    memset(t, 0, sizeof *t);
    cr_arena_init(&t->arena, 64 * 1024, 0);
    t->src = src;
    t->len = len;
    cr_parse_ctx pc;
    memset(&pc, 0, sizeof pc);
    pc.arena = &t->arena;
    pc.diags = diags;
    pc.src = src;
    pc.len = len;
    pc.ast = &t->ast;
    return cr_parse(&pc);
}

void cr_policy_tree_free(cr_policy_tree *t)
{
    cr_arena_free(&t->arena);
}

const char *cr_change_kind_name(cr_change_kind k)
{
    switch (k) {
    case CR_CHANGE_ADDED: return "added";
    case CR_CHANGE_REMOVED: return "removed";
    case CR_CHANGE_CHANGED: return "changed";
    case CR_CHANGE_REORDERED: return "reordered";
    }
    return "changed";
}

void cr_policy_diff_free(cr_policy_diff *d)
{
    for (uint32_t i = 0; i < d->count; i++) {
        free(d->items[i].what);
        free(d->items[i].old_text);
        free(d->items[i].new_text);
    }
    free(d->items);
    memset(d, 0, sizeof *d);
}

/* ---- source text, normalised ------------------------------------------ */

/* A small mirror of the lexer's token boundaries (lexer.l), enough to drop
 * comments and white space without touching texts and regular
 * expressions, where '#' and spaces mean themselves. */
typedef struct scan {
    const char *s;
    size_t pos, end;
    bool prev_ends;   /* the last token ends an operand: a '/' after it divides */
} scan;

typedef struct token {
    size_t start, end;
    bool space;       /* white space or a comment came before it */
    bool newline;     /* ... and held a line break */
} token;

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static bool is_word(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

/* Keywords after which a '/' starts a regular expression (OPEN in lexer.l). */
static bool opens_operand(const char *w, size_t n)
{
    static const char *const words[] = {
        "policy", "input", "const", "let", "fn", "admission", "reject", "refer", "when", "and",
        "or", "not", "in", "matches", "is", "if", "then", "else", "list", "of", "for", "where",
        "count", "any", "all", "approve", "scorecard", "segment", "otherwise", "table", "decide", "as",
        "lookup", "has",
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == n && memcmp(words[i], w, n) == 0)
            return true;
    return false;
}

static bool is_pair(char a, char b)
{
    static const char *const pairs[] = {"==", "!=", "<=", ">=", "->", "??", ".."};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (pairs[i][0] == a && pairs[i][1] == b)
            return true;
    return false;
}

/* Skips white space and comments; false at the end. */
static bool skip_space(scan *sc, token *t)
{
    t->space = t->newline = false;
    while (sc->pos < sc->end) {
        char c = sc->s[sc->pos];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            t->space = true;
            t->newline |= c == '\n';
            sc->pos++;
        } else if (c == '#') {
            t->space = true;
            while (sc->pos < sc->end && sc->s[sc->pos] != '\n')
                sc->pos++;
        } else {
            return true;
        }
    }
    return false;
}

/* End of a quoted text or a regex body starting after its opening quote
 * at q; stops at the closing quote (not included) or the line's end. */
static size_t quoted_end(const scan *sc, size_t q, char quote)
{
    while (q < sc->end && sc->s[q] != quote && sc->s[q] != '\n')
        q += (sc->s[q] == '\\' && q + 1 < sc->end) ? 2 : 1;
    return q;
}

static bool next_token(scan *sc, token *t)
{
    if (!skip_space(sc, t))
        return false;
    const char *s = sc->s;
    size_t p = sc->pos, q = p + 1;
    unsigned char c = (unsigned char)s[p];
    bool ends = false;
    if (c == '"') {
        q = quoted_end(sc, q, '"');
        q += q < sc->end && s[q] == '"';
        ends = true;
    } else if (c == '/' && !sc->prev_ends) {
        size_t r = quoted_end(sc, q, '/');
        if (r < sc->end && s[r] == '/' && r > q) {
            q = r + 1;
            ends = true;
        }
    } else if (is_word(c)) {
        while (q < sc->end && is_word((unsigned char)s[q]))
            q++;
        /* a decimal point belongs to the number: 0.6 (but 1..5 is a range) */
        if (is_digit(c) && q + 1 < sc->end && s[q] == '.' && is_digit((unsigned char)s[q + 1]))
            for (q++; q < sc->end && is_word((unsigned char)s[q]); q++) {
            }
        ends = is_digit(c) || !opens_operand(s + p, q - p);
    } else if (q < sc->end && is_pair((char)c, s[q])) {
        q++;
    } else {
        ends = c == ')' || c == ']' || c == '}';
    }
    t->start = p;
    t->end = q;
    sc->pos = q;
    sc->prev_ends = ends;
    return true;
}

typedef enum flat_mode {
    FLAT_LINE,    /* one line: every gap becomes one space */
    FLAT_LINES,   /* a block: line breaks and indentation kept */
    FLAT_CANON    /* for comparing: a space only between two words */
} flat_mode;

/* Columns of white space before offset `at` on its line. */
static size_t indent_at(const char *s, size_t at)
{
    size_t k = at;
    while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t'))
        k--;
    return (k == 0 || s[k - 1] == '\n') ? at - k : 0;
}

static size_t put_gap(char *out, size_t o, const char *s, const token *t, size_t base, flat_mode mode, char last)
{
    if (mode == FLAT_CANON) {
        if (is_word((unsigned char)last) && is_word((unsigned char)s[t->start]))
            out[o++] = ' ';
    } else if (mode == FLAT_LINES && t->newline) {
        out[o++] = '\n';
        size_t ind = indent_at(s, t->start);
        for (size_t k = base; k < ind; k++)
            out[o++] = ' ';
    } else if (t->space) {
        out[o++] = ' ';
    }
    return o;
}

/* The text of span sp, comments dropped and white space normalised.
 * NULL when memory runs out. */
static char *flatten(const cr_policy_tree *tr, cr_span sp, flat_mode mode)
{
    size_t n = sp.end > sp.start ? sp.end - sp.start : 0;
    if (sp.end > tr->len)
        n = 0;
    /* the output never outgrows the input: each gap written is shorter
     * than the white space it stands for; 2n is margin */
    char *out = malloc(2 * n + 1);
    if (!out)
        return NULL;
    scan sc = {tr->src, sp.start, sp.start + n, false};
    size_t base = indent_at(tr->src, sp.start), o = 0;
    token t;
    char last = 0;
    while (next_token(&sc, &t)) {
        if (o > 0)
            o = put_gap(out, o, tr->src, &t, base, mode, last);
        memcpy(out + o, tr->src + t.start, t.end - t.start);
        o += t.end - t.start;
        last = tr->src[t.end - 1];
    }
    out[o] = '\0';
    return out;
}

static cr_span span2(cr_span a, cr_span b)
{
    cr_span s = {a.start, b.end};
    return s;
}

/* ---- the change list -------------------------------------------------- */

typedef struct dctx {
    const cr_policy_tree *a, *b;
    cr_policy_diff *out;
} dctx;

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static char *str_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static uint32_t line_at(const cr_policy_tree *t, uint32_t off)
{
    uint32_t line, col;
    cr_source_linecol(t->src, t->len, off, &line, &col);
    return line;
}

/* Records one change, taking the strings; a NULL string that should be
 * there means memory ran out. */
static void add_change(dctx *D, cr_change_kind kind, const char *section, char *what,
                       char *old_text, char *new_text, uint32_t old_line, uint32_t new_line)
{
    cr_policy_diff *d = D->out;
    bool ok = what && (kind == CR_CHANGE_ADDED || old_text) && (kind == CR_CHANGE_REMOVED || new_text);
    if (ok && d->count == d->cap) {
        uint32_t cap = d->cap ? d->cap * 2 : 16;
        cr_change *items = realloc(d->items, cap * sizeof *items);
        if (items) {
            d->items = items;
            d->cap = cap;
        }
        ok = items != NULL;
    }
    if (!ok) {
        free(what);
        free(old_text);
        free(new_text);
        d->oom = true;
        return;
    }
    cr_change *c = &d->items[d->count++];
    c->kind = kind;
    c->section = section;
    c->what = what;
    c->old_text = old_text;
    c->new_text = new_text;
    c->old_line = old_line;
    c->new_line = new_line;
}

/* Do two spans read the same once white space and comments are gone? */
static bool same_text(dctx *D, cr_span sa, cr_span sb)
{
    char *x = flatten(D->a, sa, FLAT_CANON), *y = flatten(D->b, sb, FLAT_CANON);
    bool same = x && y && strcmp(x, y) == 0;
    if (!x || !y)
        D->out->oom = true;
    free(x);
    free(y);
    return same;
}

/* A construct in one policy only: its whole text. */
static void one_side(dctx *D, bool added, const char *section, char *what, cr_span sp, bool block)
{
    const cr_policy_tree *t = added ? D->b : D->a;
    char *text = flatten(t, sp, block ? FLAT_LINES : FLAT_LINE);
    uint32_t line = line_at(t, sp.start);
    if (added)
        add_change(D, CR_CHANGE_ADDED, section, what, NULL, text, 0, line);
    else
        add_change(D, CR_CHANGE_REMOVED, section, what, text, NULL, line, 0);
}

/* The same construct in both: a change when its text differs. */
static void both_sides(dctx *D, const char *section, char *what, cr_span sa, cr_span sb)
{
    if (same_text(D, sa, sb)) {
        free(what);
        return;
    }
    add_change(D, CR_CHANGE_CHANGED, section, what, flatten(D->a, sa, FLAT_LINE), flatten(D->b, sb, FLAT_LINE),
               line_at(D->a, sa.start), line_at(D->b, sb.start));
}

/* ---- order of named things ---------------------------------------------- */

/* How many of keys[0..i] equal keys[i]: the occurrence number of keys[i]. */
static uint32_t occurrence(const char *const *keys, uint32_t i)
{
    uint32_t k = 0;
    for (uint32_t j = 0; j <= i; j++)
        k += strcmp(keys[j], keys[i]) == 0;
    return k;
}

/* Index of the k-th (1-based) key equal to key, or -1. */
static int32_t find_nth(const char *const *keys, uint32_t n, const char *key, uint32_t k)
{
    for (uint32_t j = 0; j < n; j++)
        if (strcmp(keys[j], key) == 0 && --k == 0)
            return (int32_t)j;
    return -1;
}

static char *join_keys(const char *const *keys, const uint32_t *idx, uint32_t n)
{
    size_t len = 1;
    for (uint32_t i = 0; i < n; i++)
        len += strlen(keys[idx[i]]) + 2;
    char *s = malloc(len);
    if (!s)
        return NULL;
    size_t o = 0;
    for (uint32_t i = 0; i < n; i++) {
        size_t k = strlen(keys[idx[i]]);
        if (i) {
            memcpy(s + o, ", ", 2);
            o += 2;
        }
        memcpy(s + o, keys[idx[i]], k);
        o += k;
    }
    s[o] = '\0';
    return s;
}

/* The keys both lists have, in each list's order; a change when the two
 * orders differ (first match wins in segments, rules give reasons in
 * order, so order is policy). */
static void check_order(dctx *D, const char *section, char *what, const char *const *ka, uint32_t na,
                        const char *const *kb, uint32_t nb, uint32_t la, uint32_t lb)
{
    uint32_t *ia = malloc((na + 1) * sizeof *ia), *ib = malloc((nb + 1) * sizeof *ib);
    uint32_t n = 0, m = 0;
    bool differ = false;
    if (!ia || !ib) {
        D->out->oom = true;
    } else {
        for (uint32_t i = 0; i < na; i++)
            if (find_nth(kb, nb, ka[i], occurrence(ka, i)) >= 0)
                ia[n++] = i;
        for (uint32_t j = 0; j < nb; j++)
            if (find_nth(ka, na, kb[j], occurrence(kb, j)) >= 0)
                ib[m++] = j;
        for (uint32_t i = 0; i < n && i < m; i++)
            differ |= strcmp(ka[ia[i]], kb[ib[i]]) != 0;
    }
    if (differ)
        add_change(D, CR_CHANGE_REORDERED, section, what, join_keys(ka, ia, n), join_keys(kb, ib, m), la, lb);
    else
        free(what);
    free(ia);
    free(ib);
}

/* ---- rows without names: aligned ------------------------------------------ */

typedef struct entry {
    char *key;     /* canonical test: paired first within a gap */
    char *full;    /* canonical whole row: equal rows are the same row */
    char *shown;   /* what the report prints */
    uint32_t line;
} entry;

typedef struct entries {
    entry *v;
    uint32_t n, cap;
} entries;

static void entries_push(dctx *D, entries *e, char *key, char *full, char *shown, uint32_t line)
{
    if (key && full && shown && e->n == e->cap) {
        uint32_t cap = e->cap ? e->cap * 2 : 8;
        entry *v = realloc(e->v, cap * sizeof *v);
        if (v) {
            e->v = v;
            e->cap = cap;
        }
    }
    if (!key || !full || !shown || e->n == e->cap) {
        free(key);
        free(full);
        free(shown);
        D->out->oom = true;
        return;
    }
    entry *x = &e->v[e->n++];
    x->key = key;
    x->full = full;
    x->shown = shown;
    x->line = line;
}

static void entries_free(entries *e)
{
    for (uint32_t i = 0; i < e->n; i++) {
        free(e->v[i].key);
        free(e->v[i].full);
        free(e->v[i].shown);
    }
    free(e->v);
    memset(e, 0, sizeof *e);
}

typedef struct rows_ctx {
    dctx *D;
    const char *section;
    const char *prefix;   /* "score.dti bin", "table premium row", "decide row" */
    const entries *a, *b;
} rows_ctx;

static void row_change(rows_ctx *R, cr_change_kind kind, const entry *x, const entry *y, uint32_t number)
{
    add_change(R->D, kind, R->section, str_printf("%s %u", R->prefix, number),
               x ? strdup(x->shown) : NULL, y ? strdup(y->shown) : NULL, x ? x->line : 0, y ? y->line : 0);
}

/* One gap between rows that stayed: removed rows rem[], added rows add[].
 * Pairs those with the same test, then the rest in order, as changed. */
static void flush_gap(rows_ctx *R, const uint32_t *rem, uint32_t nrem, const uint32_t *add, uint32_t nadd)
{
    if (!nrem && !nadd)
        return;
    int32_t *pair = malloc((nrem + 1) * sizeof *pair);
    bool *taken = calloc(nadd + 1, sizeof *taken);
    if (!pair || !taken) {
        free(pair);
        free(taken);
        R->D->out->oom = true;
        return;
    }
    for (uint32_t r = 0; r < nrem; r++) {
        pair[r] = -1;
        for (uint32_t k = 0; k < nadd && pair[r] < 0; k++)
            if (!taken[k] && strcmp(R->a->v[rem[r]].key, R->b->v[add[k]].key) == 0)
                taken[k] = true, pair[r] = (int32_t)k;
    }
    for (uint32_t r = 0, k = 0; r < nrem; r++) {
        while (k < nadd && taken[k])
            k++;
        if (pair[r] < 0 && k < nadd)
            taken[k] = true, pair[r] = (int32_t)k;
    }
    for (uint32_t r = 0; r < nrem; r++) {
        const entry *x = &R->a->v[rem[r]];
        if (pair[r] >= 0)
            row_change(R, CR_CHANGE_CHANGED, x, &R->b->v[add[pair[r]]], add[pair[r]] + 1);
        else
            row_change(R, CR_CHANGE_REMOVED, x, NULL, rem[r] + 1);
    }
    for (uint32_t k = 0; k < nadd; k++)
        if (!taken[k])
            row_change(R, CR_CHANGE_ADDED, NULL, &R->b->v[add[k]], add[k] + 1);
    free(pair);
    free(taken);
}

/* lcs[i * (nb + 1) + j]: length of the longest common subsequence of
 * a[i..] and b[j..], rows compared by their canonical text. */
static uint32_t *lcs_table(const entries *a, const entries *b)
{
    size_t w = (size_t)b->n + 1;
    uint32_t *L = calloc(((size_t)a->n + 1) * w, sizeof *L);
    if (!L)
        return NULL;
    for (uint32_t i = a->n; i-- > 0;)
        for (uint32_t j = b->n; j-- > 0;) {
            uint32_t down = L[(i + 1) * w + j], right = L[i * w + j + 1];
            L[i * w + j] = strcmp(a->v[i].full, b->v[j].full) == 0 ? L[(i + 1) * w + j + 1] + 1
                                                                   : (down > right ? down : right);
        }
    return L;
}

static void diff_rows(dctx *D, const char *section, const char *prefix, const entries *a, const entries *b)
{
    rows_ctx R = {D, section, prefix, a, b};
    uint32_t *L = lcs_table(a, b);
    uint32_t *rem = malloc((a->n + 1) * sizeof *rem), *add = malloc((b->n + 1) * sizeof *add);
    if (!L || !rem || !add) {
        D->out->oom = true;
    } else {
        size_t w = (size_t)b->n + 1;
        uint32_t i = 0, j = 0, nrem = 0, nadd = 0;
        while (i < a->n || j < b->n) {
            if (i < a->n && j < b->n && strcmp(a->v[i].full, b->v[j].full) == 0) {
                flush_gap(&R, rem, nrem, add, nadd);
                nrem = nadd = 0;
                i++, j++;
            } else if (j < b->n && (i == a->n || L[i * w + j + 1] >= L[(i + 1) * w + j])) {
                add[nadd++] = j++;
            } else {
                rem[nrem++] = i++;
            }
        }
        flush_gap(&R, rem, nrem, add, nadd);
    }
    free(L);
    free(rem);
    free(add);
}

/* ---- header and input ------------------------------------------------- */

static void header_value(dctx *D, const char *what, const char *a, const char *b, bool quote)
{
    if ((!a && !b) || (a && b && strcmp(a, b) == 0))
        return;
    const char *fmt = quote ? "\"%s\"" : "%s";
    char *x = a ? str_printf(fmt, a) : NULL, *y = b ? str_printf(fmt, b) : NULL;
    cr_change_kind k = !a ? CR_CHANGE_ADDED : !b ? CR_CHANGE_REMOVED : CR_CHANGE_CHANGED;
    add_change(D, k, "header", strdup(what), x, y, a ? line_at(D->a, D->a->ast.header_span.start) : 0,
               b ? line_at(D->b, D->b->ast.header_span.start) : 0);
}

static void diff_header(dctx *D)
{
    const cr_policy_ast *a = &D->a->ast, *b = &D->b->ast;
    char ea[16] = "", eb[16] = "";
    if (a->has_effective)
        cr_date_format(a->effective, ea);
    if (b->has_effective)
        cr_date_format(b->effective, eb);
    header_value(D, "policy", a->name, b->name, false);
    header_value(D, "title", a->title, b->title, true);
    header_value(D, "version", a->version, b->version, true);
    header_value(D, "effective", a->has_effective ? ea : NULL, b->has_effective ? eb : NULL, false);
    header_value(D, "owner", a->owner, b->owner, true);
}

static const cr_item *find_kind(const cr_policy_ast *ast, cr_item_kind k)
{
    for (const cr_item *it = ast->items; it; it = it->next)
        if (it->kind == k)
            return it;
    return NULL;
}

static const cr_field_decl *find_field(const cr_field_decl *f, const char *name)
{
    for (; f; f = f->next)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

static void diff_input(dctx *D)
{
    const cr_item *ia = find_kind(&D->a->ast, I_INPUT), *ib = find_kind(&D->b->ast, I_INPUT);
    if (!ia || !ib) {
        if (ia || ib)
            one_side(D, ib != NULL, "input", str_printf("input %s", ib ? ib->name : ia->name),
                     ib ? ib->span : ia->span, true);
        return;
    }
    if (strcmp(ia->name, ib->name) != 0)
        add_change(D, CR_CHANGE_CHANGED, "input", strdup("input name"), strdup(ia->name), strdup(ib->name),
                   line_at(D->a, ia->name_span.start), line_at(D->b, ib->name_span.start));
    /* the key names every decision line: app_id when none is declared */
    const char *ka = ia->input_key ? ia->input_key : "app_id", *kb = ib->input_key ? ib->input_key : "app_id";
    if (strcmp(ka, kb) != 0)
        add_change(D, CR_CHANGE_CHANGED, "input", strdup("input key"), strdup(ka), strdup(kb),
                   line_at(D->a, (ia->input_key ? ia->input_key_span : ia->name_span).start),
                   line_at(D->b, (ib->input_key ? ib->input_key_span : ib->name_span).start));
    const cr_field_decl *fa = ia->type ? ia->type->fields : NULL, *fb = ib->type ? ib->type->fields : NULL;
    for (const cr_field_decl *f = fa; f; f = f->next) {
        const cr_field_decl *g = find_field(fb, f->name);
        if (!g)
            one_side(D, false, "input", str_printf("field %s", f->name), f->type->span, false);
        else
            both_sides(D, "input", str_printf("field %s", f->name), f->type->span, g->type->span);
    }
    for (const cr_field_decl *g = fb; g; g = g->next)
        if (!find_field(fa, g->name))
            one_side(D, true, "input", str_printf("field %s", g->name), g->type->span, false);
}

/* ---- consts, lets, results, functions --------------------------------- */

static bool is_named(cr_item_kind k) { return k == I_CONST || k == I_LET || k == I_RESULT || k == I_FN; }

static const char *kind_word(cr_item_kind k)
{
    switch (k) {
    case I_CONST: return "const";
    case I_LET: return "let";
    case I_RESULT: return "result";
    case I_FN: return "fn";
    default: return "item";
    }
}

static const cr_item *find_named(const cr_policy_ast *ast, const char *name)
{
    for (const cr_item *it = ast->items; it; it = it->next)
        if (is_named(it->kind) && it->name && strcmp(it->name, name) == 0)
            return it;
    return NULL;
}

static void diff_named_pair(dctx *D, const cr_item *x, const cr_item *y)
{
    const char *sec = kind_word(x->kind);
    char *what = str_printf("%s %s", sec, x->name);
    if (x->kind != y->kind) {
        /* a let that became a result (or the like): the whole line both ways */
        add_change(D, CR_CHANGE_CHANGED, sec, what, flatten(D->a, x->span, FLAT_LINE),
                   flatten(D->b, y->span, FLAT_LINE), line_at(D->a, x->span.start), line_at(D->b, y->span.start));
        return;
    }
    if (x->kind == I_FN) {
        cr_span sa = {x->name_span.start, x->expr->span.start}, sb = {y->name_span.start, y->expr->span.start};
        if (!same_text(D, sa, sb)) {
            both_sides(D, sec, what, x->span, y->span);
            return;
        }
    }
    both_sides(D, sec, what, x->expr->span, y->expr->span);
}

/* What a reader needs of a const, let or result on one side only: its
 * expression; of a function, the whole definition (parameters too). */
static cr_span named_span(const cr_item *it) { return it->kind == I_FN ? it->span : it->expr->span; }

static void diff_named(dctx *D, cr_item_kind kind)
{
    for (const cr_item *it = D->a->ast.items; it; it = it->next) {
        if (it->kind != kind)
            continue;
        const cr_item *jt = find_named(&D->b->ast, it->name);
        if (jt)
            diff_named_pair(D, it, jt);
        else
            one_side(D, false, kind_word(kind), str_printf("%s %s", kind_word(kind), it->name), named_span(it), true);
    }
    for (const cr_item *jt = D->b->ast.items; jt; jt = jt->next)
        if (jt->kind == kind && !find_named(&D->a->ast, jt->name))
            one_side(D, true, kind_word(kind), str_printf("%s %s", kind_word(kind), jt->name), named_span(jt), true);
}

/* ---- rules -------------------------------------------------------------- */

typedef struct rule_list {
    const cr_rule_decl **r;
    const char **code;
    bool *in_admission;
    uint32_t n;
} rule_list;

/* Admission rules first, then rules outside the block: the order the
 * program evaluates them in. */
static bool collect_rules(const cr_policy_ast *ast, rule_list *L)
{
    uint32_t n = 0;
    for (const cr_item *it = ast->items; it; it = it->next)
        if (it->kind == I_ADMISSION || it->kind == I_RULE)
            for (const cr_rule_decl *r = it->rules; r; r = r->next)
                n++;
    L->r = malloc((n + 1) * sizeof *L->r);
    L->code = malloc((n + 1) * sizeof *L->code);
    L->in_admission = malloc((n + 1) * sizeof *L->in_admission);
    L->n = 0;
    if (!L->r || !L->code || !L->in_admission)
        return false;
    for (int pass = 0; pass < 2; pass++)
        for (const cr_item *it = ast->items; it; it = it->next)
            if (it->kind == (pass ? I_RULE : I_ADMISSION))
                for (const cr_rule_decl *r = it->rules; r; r = r->next) {
                    L->r[L->n] = r;
                    L->code[L->n] = r->code;
                    L->in_admission[L->n++] = !pass;
                }
    return true;
}

static void rule_list_free(rule_list *L)
{
    free(L->r);
    free(L->code);
    free(L->in_admission);
}

static const char *rule_section(bool in_admission) { return in_admission ? "admission" : "rules"; }
static const char *rule_kind(const cr_rule_decl *r) { return r->kind == RULE_REJECT ? "reject" : "refer"; }

static void diff_rule_pair(dctx *D, const cr_rule_decl *x, bool xa, const cr_rule_decl *y, bool ya)
{
    const char *sec = rule_section(ya);
    uint32_t lx = line_at(D->a, x->span.start), ly = line_at(D->b, y->span.start);
    if (xa != ya)
        add_change(D, CR_CHANGE_CHANGED, sec, str_printf("rule %s place", x->code),
                   strdup(xa ? "in admission" : "outside admission"),
                   strdup(ya ? "in admission" : "outside admission"), lx, ly);
    if (x->kind != y->kind)
        add_change(D, CR_CHANGE_CHANGED, sec, str_printf("rule %s outcome", x->code), strdup(rule_kind(x)),
                   strdup(rule_kind(y)), lx, ly);
    if ((x->desc || y->desc) && (!x->desc || !y->desc || strcmp(x->desc, y->desc) != 0)) {
        char *dx = x->desc ? str_printf("\"%s\"", x->desc) : NULL, *dy = y->desc ? str_printf("\"%s\"", y->desc) : NULL;
        cr_change_kind k = !x->desc ? CR_CHANGE_ADDED : !y->desc ? CR_CHANGE_REMOVED : CR_CHANGE_CHANGED;
        add_change(D, k, sec, str_printf("rule %s description", x->code), dx, dy, lx, ly);
    }
    both_sides(D, sec, str_printf("rule %s", x->code), x->cond->span, y->cond->span);
}

/* Moves the changes from `start` on that are in section `first` ahead of
 * the others, keeping each group's order, so a section prints once. */
static void group_section(dctx *D, uint32_t start, const char *first)
{
    cr_policy_diff *d = D->out;
    uint32_t n = d->count - start, k = 0;
    if (n < 2)
        return;
    cr_change *tmp = malloc(n * sizeof *tmp);
    if (!tmp) {
        d->oom = true;
        return;
    }
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = start; i < d->count; i++)
            if ((strcmp(d->items[i].section, first) == 0) == (pass == 0))
                tmp[k++] = d->items[i];
    memcpy(d->items + start, tmp, n * sizeof *tmp);
    free(tmp);
}

static void diff_rules(dctx *D)
{
    uint32_t start = D->out->count;
    rule_list A, B;
    bool ok_a = collect_rules(&D->a->ast, &A);   /* both run: both need freeing */
    bool ok_b = collect_rules(&D->b->ast, &B);
    if (!ok_a || !ok_b) {
        D->out->oom = true;
        rule_list_free(&A);
        rule_list_free(&B);
        return;
    }
    for (uint32_t i = 0; i < A.n; i++) {
        int32_t j = find_nth(B.code, B.n, A.code[i], occurrence(A.code, i));
        if (j >= 0)
            diff_rule_pair(D, A.r[i], A.in_admission[i], B.r[j], B.in_admission[j]);
        else
            one_side(D, false, rule_section(A.in_admission[i]), str_printf("rule %s", A.code[i]), A.r[i]->span, false);
    }
    for (uint32_t j = 0; j < B.n; j++)
        if (find_nth(A.code, A.n, B.code[j], occurrence(B.code, j)) < 0)
            one_side(D, true, rule_section(B.in_admission[j]), str_printf("rule %s", B.code[j]), B.r[j]->span, false);
    /* the admission block's order is the order of its reasons */
    uint32_t na = 0, nb = 0;
    while (na < A.n && A.in_admission[na])
        na++;
    while (nb < B.n && B.in_admission[nb])
        nb++;
    const cr_item *ia = find_kind(&D->a->ast, I_ADMISSION), *ib = find_kind(&D->b->ast, I_ADMISSION);
    check_order(D, "admission", strdup("admission order"), A.code, na, B.code, nb,
                ia ? line_at(D->a, ia->span.start) : 0, ib ? line_at(D->b, ib->span.start) : 0);
    rule_list_free(&A);
    rule_list_free(&B);
    group_section(D, start, "admission");
}

/* ---- scorecards ------------------------------------------------------------ */

static const cr_charac *find_charac(const cr_charac *c, const char *name)
{
    for (; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static cr_span charac_span(const cr_charac *c)
{
    cr_span sp = c->name_span;
    for (const cr_bin *b = c->bins; b; b = b->next)
        sp.end = b->span.end;
    return sp;
}

static char *charac_code(const cr_charac *c)
{
    if (c->code)
        return strdup(c->code);
    char *s = str_printf("SC_%s (default)", c->name);
    for (char *p = s ? s + 3 : NULL; p && *p && *p != ' '; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    return s;
}

static void bin_entries(dctx *D, const cr_policy_tree *t, const cr_charac *c, entries *e)
{
    for (const cr_bin *b = c->bins; b; b = b->next)
        entries_push(D, e, flatten(t, b->cell.span, FLAT_CANON), flatten(t, b->span, FLAT_CANON),
                     flatten(t, b->span, FLAT_LINE), line_at(t, b->span.start));
}

static void diff_charac(dctx *D, const char *card, const cr_charac *x, const cr_charac *y)
{
    char *cx = charac_code(x), *cy = charac_code(y);
    uint32_t lx = line_at(D->a, x->name_span.start), ly = line_at(D->b, y->name_span.start);
    if (cx && cy && strcmp(cx, cy) == 0) {
        free(cx);
        free(cy);
    } else {
        add_change(D, CR_CHANGE_CHANGED, "scorecard", str_printf("%s.%s reason code", card, x->name), cx, cy, lx, ly);
    }
    entries a = {0}, b = {0};
    bin_entries(D, D->a, x, &a);
    bin_entries(D, D->b, y, &b);
    char *prefix = str_printf("%s.%s bin", card, x->name);
    if (prefix)
        diff_rows(D, "scorecard", prefix, &a, &b);
    else
        D->out->oom = true;
    free(prefix);
    entries_free(&a);
    entries_free(&b);
}

static uint32_t charac_names(const cr_charac *c, const char **names, uint32_t cap)
{
    uint32_t n = 0;
    for (; c && n < cap; c = c->next)
        names[n++] = c->name;
    return n;
}

static uint32_t count_characs(const cr_charac *c)
{
    uint32_t n = 0;
    for (; c; c = c->next)
        n++;
    return n;
}

static void diff_scorecard(dctx *D, const cr_item *x, const cr_item *y)
{
    both_sides(D, "scorecard", str_printf("scorecard %s base", x->name), x->base->span, y->base->span);
    for (const cr_charac *c = x->characs; c; c = c->next) {
        const cr_charac *d = find_charac(y->characs, c->name);
        if (d)
            diff_charac(D, x->name, c, d);
        else
            one_side(D, false, "scorecard", str_printf("%s.%s", x->name, c->name), charac_span(c), false);
    }
    for (const cr_charac *d = y->characs; d; d = d->next)
        if (!find_charac(x->characs, d->name))
            one_side(D, true, "scorecard", str_printf("%s.%s", y->name, d->name), charac_span(d), false);
    /* characteristic order breaks ties in score.lowest(n) */
    uint32_t na = count_characs(x->characs), nb = count_characs(y->characs);
    const char **ka = malloc((na + 1) * sizeof *ka), **kb = malloc((nb + 1) * sizeof *kb);
    if (ka && kb)
        check_order(D, "scorecard", str_printf("scorecard %s order", x->name), ka, charac_names(x->characs, ka, na),
                    kb, charac_names(y->characs, kb, nb), line_at(D->a, x->span.start), line_at(D->b, y->span.start));
    else
        D->out->oom = true;
    free(ka);
    free(kb);
}

/* ---- segments -------------------------------------------------------------- */

static const cr_seg_row *find_seg_row(const cr_seg_row *r, const char *label)
{
    for (; r; r = r->next)
        if (strcmp(r->label, label) == 0)
            return r;
    return NULL;
}

static char *seg_cond(const cr_policy_tree *t, const cr_seg_row *r, flat_mode mode)
{
    return r->cond ? flatten(t, r->cond->span, mode) : strdup("otherwise");
}

static void diff_seg_row(dctx *D, const char *seg, const cr_seg_row *x, const cr_seg_row *y)
{
    char *cx = seg_cond(D->a, x, FLAT_CANON), *cy = seg_cond(D->b, y, FLAT_CANON);
    bool same = cx && cy && strcmp(cx, cy) == 0;
    if (!cx || !cy)
        D->out->oom = true;
    free(cx);
    free(cy);
    if (!same)
        add_change(D, CR_CHANGE_CHANGED, "segment", str_printf("segment %s row %s", seg, x->label),
                   seg_cond(D->a, x, FLAT_LINE), seg_cond(D->b, y, FLAT_LINE), line_at(D->a, x->span.start),
                   line_at(D->b, y->span.start));
}

static uint32_t seg_labels(const cr_seg_row *r, const char **labels)
{
    uint32_t n = 0;
    for (; r; r = r->next)
        if (labels)
            labels[n++] = r->label;
        else
            n++;
    return n;
}

static void diff_segment(dctx *D, const cr_item *x, const cr_item *y)
{
    for (const cr_seg_row *r = x->seg_rows; r; r = r->next) {
        const cr_seg_row *s = find_seg_row(y->seg_rows, r->label);
        if (s)
            diff_seg_row(D, x->name, r, s);
        else
            one_side(D, false, "segment", str_printf("segment %s row %s", x->name, r->label), r->span, false);
    }
    for (const cr_seg_row *s = y->seg_rows; s; s = s->next)
        if (!find_seg_row(x->seg_rows, s->label))
            one_side(D, true, "segment", str_printf("segment %s row %s", y->name, s->label), s->span, false);
    /* the first row that holds gives the label */
    uint32_t na = seg_labels(x->seg_rows, NULL), nb = seg_labels(y->seg_rows, NULL);
    const char **ka = malloc((na + 1) * sizeof *ka), **kb = malloc((nb + 1) * sizeof *kb);
    if (ka && kb)
        check_order(D, "segment", str_printf("segment %s order", x->name), ka, seg_labels(x->seg_rows, ka), kb,
                    seg_labels(y->seg_rows, kb), line_at(D->a, x->span.start), line_at(D->b, y->span.start));
    else
        D->out->oom = true;
    free(ka);
    free(kb);
}

/* ---- tables ---------------------------------------------------------------- */

static const char *hit_name(const cr_item *t)
{
    static const char *const hits[] = {"first", "unique", "priority", "any", "collect", "rule_order", "output_order"};
    static const char *const collects[] = {"collect", "collect sum", "collect min", "collect max", "collect count"};
    if (t->hit == HIT_COLLECT)
        return collects[t->collect];
    return hits[t->hit];
}

/* A row's cells joined: ", " between cells for the reader, "," for the key. */
static char *row_cells(const cr_policy_tree *t, const cr_table_row *r, flat_mode mode)
{
    size_t len = 1;
    char **parts = calloc(r->ncells + 1, sizeof *parts);
    bool ok = parts != NULL;
    for (uint32_t i = 0; ok && i < r->ncells; i++) {
        parts[i] = flatten(t, r->cells[i].span, mode);
        ok = parts[i] != NULL;
        len += ok ? strlen(parts[i]) + 2 : 0;
    }
    char *s = ok ? malloc(len) : NULL;
    if (s) {
        size_t o = 0;
        for (uint32_t i = 0; i < r->ncells; i++) {
            o += (size_t)sprintf(s + o, "%s%s", i ? (mode == FLAT_CANON ? "," : ", ") : "", parts[i]);
        }
    }
    for (uint32_t i = 0; parts && i < r->ncells; i++)
        free(parts[i]);
    free(parts);
    return s;
}

static char *row_text(const cr_policy_tree *t, const cr_table_row *r, flat_mode mode)
{
    cr_span outs = r->outs.count ? span2(r->outs.items[0]->span, r->outs.items[r->outs.count - 1]->span) : r->out->span;
    char *cells = r->is_default ? strdup("default") : row_cells(t, r, mode), *out = flatten(t, outs, mode);
    char *s = cells && out ? str_printf(mode == FLAT_CANON ? "%s->%s" : "%s -> %s", cells, out) : NULL;
    free(cells);
    free(out);
    return s;
}

static void table_entries(dctx *D, const cr_policy_tree *t, const cr_item *it, entries *e)
{
    for (const cr_table_row *r = it->rows; r; r = r->next)
        entries_push(D, e, r->is_default ? strdup("default") : row_cells(t, r, FLAT_CANON), row_text(t, r, FLAT_CANON),
                     row_text(t, r, FLAT_LINE),
                     line_at(t, r->span.start));
}

static cr_span inputs_span(const cr_item *t)
{
    cr_span sp = t->name_span;
    if (t->inputs.count)
        sp = span2(t->inputs.items[0]->span, t->inputs.items[t->inputs.count - 1]->span);
    return sp;
}

static void diff_table(dctx *D, const cr_item *x, const cr_item *y)
{
    uint32_t lx = line_at(D->a, x->span.start), ly = line_at(D->b, y->span.start);
    both_sides(D, "table", str_printf("table %s inputs", x->name), inputs_span(x), inputs_span(y));
    both_sides(D, "table", str_printf("table %s type", x->name), x->type->span, y->type->span);
    if (strcmp(hit_name(x), hit_name(y)) != 0)
        add_change(D, CR_CHANGE_CHANGED, "table", str_printf("table %s hit", x->name), strdup(hit_name(x)),
                   strdup(hit_name(y)), lx, ly);
    entries a = {0}, b = {0};
    table_entries(D, D->a, x, &a);
    table_entries(D, D->b, y, &b);
    char *prefix = str_printf("table %s row", x->name);
    if (prefix)
        diff_rows(D, "table", prefix, &a, &b);
    else
        D->out->oom = true;
    free(prefix);
    entries_free(&a);
    entries_free(&b);
}

/* ---- decide ---------------------------------------------------------------- */

static void decide_entries(dctx *D, const cr_policy_tree *t, const cr_item *it, entries *e)
{
    for (const cr_decide_row *r = it->decide; r; r = r->next)
        entries_push(D, e, r->cond ? flatten(t, r->cond->span, FLAT_CANON) : strdup(""),
                     flatten(t, r->span, FLAT_CANON), flatten(t, r->span, FLAT_LINE), line_at(t, r->span.start));
}

static void diff_decide(dctx *D, const cr_item *x, const cr_item *y)
{
    entries a = {0}, b = {0};
    decide_entries(D, D->a, x, &a);
    decide_entries(D, D->b, y, &b);
    diff_rows(D, "decide", "decide row", &a, &b);
    entries_free(&a);
    entries_free(&b);
}

/* ---- lookups ---------------------------------------------------------------- */

/* A lookup's declaration, as a whole: where its data comes from and its
 * columns.  (The data itself is not in the policy's text.) */
static void diff_lookup(dctx *D, const cr_item *x, const cr_item *y)
{
    both_sides(D, "lookup", str_printf("lookup %s", x->name), x->span, y->span);
}

/* ---- blocks by name --------------------------------------------------------- */

static const cr_item *find_item(const cr_policy_ast *ast, cr_item_kind k, const char *name)
{
    for (const cr_item *it = ast->items; it; it = it->next)
        if (it->kind == k && it->name && strcmp(it->name, name) == 0)
            return it;
    return NULL;
}

/* "table premium"; the decide block is just "decide". */
static char *block_name(const char *section, const char *name)
{
    return strcmp(section, name) == 0 ? strdup(section) : str_printf("%s %s", section, name);
}

static void diff_blocks(dctx *D, cr_item_kind k, const char *section,
                        void (*pair)(dctx *, const cr_item *, const cr_item *))
{
    for (const cr_item *it = D->a->ast.items; it; it = it->next) {
        if (it->kind != k)
            continue;
        const cr_item *jt = find_item(&D->b->ast, k, it->name);
        if (jt)
            pair(D, it, jt);
        else
            one_side(D, false, section, block_name(section, it->name), it->span, true);
    }
    for (const cr_item *jt = D->b->ast.items; jt; jt = jt->next)
        if (jt->kind == k && !find_item(&D->a->ast, k, jt->name))
            one_side(D, true, section, block_name(section, jt->name), jt->span, true);
}

bool cr_policy_diff_run(const cr_policy_tree *old_tree, const cr_policy_tree *new_tree, cr_policy_diff *out)
{
    dctx D = {old_tree, new_tree, out};
    diff_header(&D);
    diff_input(&D);
    diff_blocks(&D, I_LOOKUP, "lookup", diff_lookup);
    diff_named(&D, I_CONST);
    diff_named(&D, I_LET);
    diff_named(&D, I_RESULT);
    diff_named(&D, I_FN);
    diff_rules(&D);
    diff_blocks(&D, I_SCORECARD, "scorecard", diff_scorecard);
    diff_blocks(&D, I_SEGMENT, "segment", diff_segment);
    diff_blocks(&D, I_TABLE, "table", diff_table);
    diff_blocks(&D, I_DECIDE, "decide", diff_decide);
    return !out->oom;
}
