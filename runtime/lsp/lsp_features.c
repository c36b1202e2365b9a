/* What the language server answers, each from the compiler's own parts:
 * diagnostics from cr_compile, formatting from cr_fmt, names from the
 * token index (lsp_index.c), types from the compiled program, built-ins
 * from the stdlib's table. */
#include <stdlib.h>
#include <string.h>

#include "lang/compile.h"
#include "lang/fmt.h"
#include "lang/types.h"
#include "runtime/lsp/lsp.h"
#include "stdlib/stdlib.h"
#include "parser.h"

static const char *const keywords[] = {
    "policy", "version", "effective", "owner", "input", "const", "let", "fn", "admission", "reject", "refer",
    "approve", "when", "and", "or", "not", "in", "matches", "is", "if", "then", "else", "list", "of", "for",
    "where", "count", "any", "all", "null", "true", "false", "today", "scorecard", "base", "reasons",
    "segment", "otherwise", "table", "hit", "first", "unique", "collect", "decide", "as", "lookup", "from",
    "csv", "sqlite", "key", "has", "int", "number", "money", "rate", "bool", "text", "date",
};

/* ---- diagnostics ---- */

/* A test file (NAME.test.credo) is not a policy: `credo test` reads it. */
static bool is_test_file(const char *path)
{
    size_t n = strlen(path), k = strlen(".test.credo");
    return n >= k && strcmp(path + n - k, ".test.credo") == 0;
}

cJSON *cr_lsp_diagnostics(const cr_lsp_doc *doc)
{
    if (is_test_file(doc->path)) {
        cJSON *params = cJSON_CreateObject();
        cJSON_AddStringToObject(params, "uri", doc->uri);
        cJSON_AddArrayToObject(params, "diagnostics");
        return params;
    }
    cr_diags diags;
    cr_diags_init(&diags, doc->path, doc->text, doc->len);
    cr_program *p = cr_compile(doc->path, doc->text, doc->len, &diags);
    cr_program_free(p);
    cJSON *list = cJSON_CreateArray();
    for (uint32_t i = 0; i < diags.count; i++) {
        const cr_diagnostic *g = &diags.items[i];
        cJSON *d = cJSON_CreateObject();
        /* an empty span (the end of the file) still gets one character */
        uint32_t end = g->span.end > g->span.start ? g->span.end : g->span.start + 1;
        if (end > doc->len)
            end = (uint32_t)doc->len;
        cJSON_AddItemToObject(d, "range", cr_lsp_range(doc->text, doc->len, g->span.start, end));
        cJSON_AddNumberToObject(d, "severity", g->severity == CR_SEV_ERROR ? 1 : g->severity == CR_SEV_WARNING ? 2 : 3);
        cJSON_AddStringToObject(d, "source", "credo");
        cJSON_AddStringToObject(d, "message", g->msg);
        cJSON_AddItemToArray(list, d);
    }
    if (diags.dropped) {
        char msg[96];
        snprintf(msg, sizeof msg, "%u more diagnostics not shown", diags.dropped);
        cJSON *d = cJSON_CreateObject();
        cJSON_AddItemToObject(d, "range", cr_lsp_range(doc->text, doc->len, 0, 0));
        cJSON_AddNumberToObject(d, "severity", 3);
        cJSON_AddStringToObject(d, "source", "credo");
        cJSON_AddStringToObject(d, "message", msg);
        cJSON_AddItemToArray(list, d);
    }
    cr_diags_free(&diags);
    cJSON *params = cJSON_CreateObject();
    cJSON_AddStringToObject(params, "uri", doc->uri);
    cJSON_AddItemToObject(params, "diagnostics", list);
    return params;
}

/* ---- helpers ---- */

static cJSON *location(const cr_lsp_doc *doc, uint32_t start, uint32_t end)
{
    cJSON *l = cJSON_CreateObject();
    cJSON_AddStringToObject(l, "uri", doc->uri);
    cJSON_AddItemToObject(l, "range", cr_lsp_range(doc->text, doc->len, start, end));
    return l;
}

static uint32_t line_no(const char *src, uint32_t off)
{
    uint32_t line = 1;
    for (uint32_t i = 0; i < off; i++)
        line += src[i] == '\n';
    return line;
}

/* The line starting at off, without its comment, trimmed, at most size-1 bytes. */
static void line_text(const char *src, size_t len, uint32_t off, char *buf, size_t size)
{
    while (off < len && (src[off] == ' ' || src[off] == '\t'))
        off++;
    size_t o = 0;
    bool quoted = false;
    for (uint32_t i = off; i < len && src[i] != '\n' && o + 1 < size; i++) {
        if (src[i] == '"')
            quoted = !quoted;
        if (src[i] == '#' && !quoted)
            break;
        buf[o++] = src[i];
    }
    while (o && (buf[o - 1] == ' ' || buf[o - 1] == '\r' || buf[o - 1] == '{'))
        o--;
    buf[o] = '\0';
}

/* A field's declared type: the text after its ':' up to the end of the
 * line, a comment, or a ',' or '}' closing an inline record. */
static void field_type(const char *src, size_t len, uint32_t after, char *buf, size_t size)
{
    uint32_t i = after;
    while (i < len && (src[i] == ' ' || src[i] == ':'))
        i++;
    size_t o = 0;
    int depth = 0;
    for (; i < len && src[i] != '\n' && src[i] != '#' && o + 1 < size; i++) {
        if (depth == 0 && (src[i] == ',' || src[i] == '}'))
            break;
        depth += src[i] == '{' ? 1 : src[i] == '}' ? -1 : 0;
        buf[o++] = src[i];
    }
    while (o && (buf[o - 1] == ' ' || buf[o - 1] == '\r'))
        o--;
    buf[o] = '\0';
}

/* The type the compiler gave a const, let or result: "" when the policy
 * does not compile. */
static void let_type(const cr_lsp_doc *doc, const char *name, size_t n, char *buf, size_t size)
{
    buf[0] = '\0';
    cr_diags diags;
    cr_diags_init(&diags, doc->path, doc->text, doc->len);
    cr_program *p = cr_compile(doc->path, doc->text, doc->len, &diags);
    for (uint32_t i = 0; p && i < p->nlets; i++)
        if (strlen(p->lets[i].name) == n && memcmp(p->lets[i].name, name, n) == 0)
            cr_type_name(p->lets[i].type, buf, size);
    cr_program_free(p);
    cr_diags_free(&diags);
}

/* The token at a position, which must be a name; -1 otherwise. */
static int name_token_at(const cr_lsp_doc *doc, const cr_lsp_index *ix, const cJSON *pos)
{
    int ti = cr_lsp_token_at(ix, cr_lsp_offset(doc->text, doc->len, pos));
    return ti >= 0 && cr_lsp_token_is_name(&ix->toks[ti]) ? ti : -1;
}

/* The item keyword of the block enclosing token ti (KW_SCORECARD, ...), or 0. */
static int enclosing_block(const cr_lsp_index *ix, int ti)
{
    int depth = 0;
    for (int i = ti; i >= 0; i--) {
        int k = ix->toks[i].kind;
        if (k == '}')
            depth++;
        else if (k == '{' && depth-- == 0) {
            for (int j = i - 1; j >= 0; j--) {
                int kj = ix->toks[j].kind;
                if (kj == KW_SCORECARD || kj == KW_SEGMENT || kj == KW_TABLE || kj == KW_INPUT || kj == KW_ADMISSION ||
                    kj == KW_DECIDE || kj == KW_LOOKUP || kj == KW_LET || kj == KW_CONST || kj == KW_FN)
                    return kj;
            }
            return 0;
        }
    }
    return 0;
}

/* In a scorecard, the bin around off: "< 600 -> -40" between '|' (or the
 * characteristic's ':') and the next '|' or the end of the line. */
static bool bin_at(const char *src, size_t len, uint32_t off, char *buf, size_t size)
{
    uint32_t a = off, b = off;
    while (a > 0 && src[a - 1] != '|' && src[a - 1] != ':' && src[a - 1] != '\n')
        a--;
    while (b < len && src[b] != '|' && src[b] != '\n' && src[b] != '#')
        b++;
    while (a < b && src[a] == ' ')
        a++;
    while (b > a && (src[b - 1] == ' ' || src[b - 1] == '\r'))
        b--;
    snprintf(buf, size, "%.*s", (int)(b - a), src + a);
    return strstr(buf, "->") != NULL;
}

static cJSON *markdown(const char *text)
{
    cJSON *h = cJSON_CreateObject();
    cJSON *c = cJSON_AddObjectToObject(h, "contents");
    cJSON_AddStringToObject(c, "kind", "markdown");
    cJSON_AddStringToObject(c, "value", text);
    return h;
}

/* ---- hover ---- */

cJSON *cr_lsp_hover(const cr_lsp_doc *doc, const cJSON *pos)
{
    cr_lsp_index ix;
    if (!cr_lsp_index_build(&ix, doc->text, doc->len))
        return NULL;
    const char *src = doc->text;
    uint32_t off = cr_lsp_offset(src, doc->len, pos);
    int ti = cr_lsp_token_at(&ix, off);
    char text[1400], line[600], type[200];
    cJSON *out = NULL;
    if (ti >= 0 && cr_lsp_token_is_name(&ix.toks[ti])) {
        const cr_lsp_token *t = &ix.toks[ti];
        size_t n = t->end - t->start;
        int d = cr_lsp_name_find(&ix, src, src + t->start, n);
        char word[64];
        snprintf(word, sizeof word, "%.*s", (int)n, src + t->start);
        int b = n < sizeof word ? cr_builtin_find(word) : -1;
        if (d >= 0) {
            const cr_lsp_name *nm = &ix.names[d];
            line_text(src, doc->len, nm->item, line, sizeof line);
            type[0] = '\0';
            if (nm->kind == LSP_FIELD || nm->kind == LSP_PARAM)
                field_type(src, doc->len, nm->end, type, sizeof type);
            else if (nm->kind == LSP_CONST || nm->kind == LSP_LET || nm->kind == LSP_RESULT)
                let_type(doc, src + nm->start, nm->end - nm->start, type, sizeof type);
            char owner[160] = "";
            if (nm->owner != UINT32_MAX) {
                const cr_lsp_name *o = &ix.names[nm->owner];
                snprintf(owner, sizeof owner, " of %s %.*s", cr_lsp_kind_word(o->kind), (int)(o->end - o->start),
                         src + o->start);
            }
            snprintf(text, sizeof text, "**%s** `%.*s`%s%s%s  \ndefined at line %u%s\n\n```credo\n%s\n```",
                     cr_lsp_kind_word(nm->kind), (int)n, src + t->start, type[0] ? ": `" : "", type,
                     type[0] ? "`" : "", line_no(src, nm->start), owner, line);
            out = markdown(text);
        } else if (b >= 0) {
            snprintf(text, sizeof text, "**built-in** `%s`: %s", cr_builtins[b].name, cr_builtins[b].doc);
            out = markdown(text);
        }
    }
    if (!out && ti >= 0 && enclosing_block(&ix, ti) == KW_SCORECARD && bin_at(src, doc->len, off, line, sizeof line)) {
        const char *arrow = strstr(line, "->");
        while (strstr(arrow + 2, "->"))
            arrow = strstr(arrow + 2, "->");
        const char *pts = arrow + 2;
        while (*pts == ' ')
            pts++;
        snprintf(text, sizeof text, "**bin** `%s`: %s points", line, pts);
        out = markdown(text);
    }
    cr_lsp_index_free(&ix);
    return out;
}

/* ---- definition and references ---- */

cJSON *cr_lsp_definition(const cr_lsp_doc *doc, const cJSON *pos)
{
    cr_lsp_index ix;
    if (!cr_lsp_index_build(&ix, doc->text, doc->len))
        return NULL;
    cJSON *out = NULL;
    int ti = name_token_at(doc, &ix, pos);
    if (ti >= 0) {
        const cr_lsp_token *t = &ix.toks[ti];
        int d = cr_lsp_name_find(&ix, doc->text, doc->text + t->start, t->end - t->start);
        if (d >= 0)
            out = location(doc, ix.names[d].start, ix.names[d].end);
    }
    cr_lsp_index_free(&ix);
    return out;
}

cJSON *cr_lsp_references(const cr_lsp_doc *doc, const cJSON *pos, bool with_declaration)
{
    cr_lsp_index ix;
    if (!cr_lsp_index_build(&ix, doc->text, doc->len))
        return NULL;
    cJSON *out = cJSON_CreateArray();
    int ti = name_token_at(doc, &ix, pos);
    if (ti >= 0) {
        const char *src = doc->text;
        const cr_lsp_token *t = &ix.toks[ti];
        size_t n = t->end - t->start;
        int d = cr_lsp_name_find(&ix, src, src + t->start, n);
        for (uint32_t i = 0; i < ix.ntoks; i++) {
            const cr_lsp_token *u = &ix.toks[i];
            if (!cr_lsp_token_is_name(u) || u->end - u->start != n || memcmp(src + u->start, src + t->start, n) != 0)
                continue;
            if (!with_declaration && d >= 0 && u->start == ix.names[d].start)
                continue;
            cJSON_AddItemToArray(out, location(doc, u->start, u->end));
        }
    }
    cr_lsp_index_free(&ix);
    return out;
}

/* ---- symbols ---- */

static int symbol_kind(cr_lsp_kind k)
{
    switch (k) {
    case LSP_INPUT: return 23;      /* Struct */
    case LSP_FIELD: return 8;       /* Field */
    case LSP_CONST: return 14;      /* Constant */
    case LSP_LET: case LSP_RESULT: case LSP_PARAM: return 13; /* Variable */
    case LSP_FN: return 12;         /* Function */
    case LSP_SCORECARD: return 5;   /* Class */
    case LSP_SEGMENT: return 10;    /* Enum */
    case LSP_LABEL: return 22;      /* EnumMember */
    case LSP_TABLE: return 18;      /* Array */
    case LSP_LOOKUP: return 2;      /* Module */
    case LSP_CODE: return 24;       /* Event */
    }
    return 13;
}

cJSON *cr_lsp_symbols(const cr_lsp_doc *doc)
{
    cr_lsp_index ix;
    if (!cr_lsp_index_build(&ix, doc->text, doc->len))
        return NULL;
    cJSON *out = cJSON_CreateArray();
    for (uint32_t i = 0; i < ix.nnames; i++) {
        const cr_lsp_name *nm = &ix.names[i];
        if (nm->kind == LSP_PARAM)
            continue;
        cJSON *s = cJSON_CreateObject();
        char *name = strndup(doc->text + nm->start, nm->end - nm->start);
        cJSON_AddStringToObject(s, "name", name ? name : "?");
        free(name);
        cJSON_AddNumberToObject(s, "kind", symbol_kind(nm->kind));
        cJSON_AddItemToObject(s, "location", location(doc, nm->start, nm->end));
        if (nm->owner != UINT32_MAX) {
            const cr_lsp_name *o = &ix.names[nm->owner];
            char *on = strndup(doc->text + o->start, o->end - o->start);
            cJSON_AddStringToObject(s, "containerName", on ? on : "?");
            free(on);
        }
        cJSON_AddItemToArray(out, s);
    }
    cr_lsp_index_free(&ix);
    return out;
}

/* ---- completion ---- */

static int completion_kind(cr_lsp_kind k)
{
    switch (k) {
    case LSP_FIELD: return 5;          /* Field */
    case LSP_CONST: return 21;         /* Constant */
    case LSP_FN: return 3;             /* Function */
    case LSP_LABEL: return 20;         /* EnumMember */
    case LSP_INPUT: return 22;         /* Struct */
    case LSP_SCORECARD: case LSP_SEGMENT: case LSP_TABLE: case LSP_LOOKUP: return 7; /* Class */
    case LSP_CODE: return 23;          /* Event */
    default: return 6;                 /* Variable */
    }
}

static void add_item(cJSON *items, const char *label, int kind, const char *detail)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "label", label);
    cJSON_AddNumberToObject(c, "kind", kind);
    if (detail)
        cJSON_AddStringToObject(c, "detail", detail);
    cJSON_AddItemToArray(items, c);
}

/* The characteristics of the scorecard whose name is toks[at]: at the
 * start of each row of its block, NAME before ':' or `as` (a nested
 * field's path, `residence.kind`, is not a member name, so left out). */
static void add_characteristics(cJSON *items, const cr_lsp_index *ix, const char *src, uint32_t at)
{
    uint32_t i = at + 1, depth = 0;
    while (i < ix->ntoks && ix->toks[i].kind != '{')
        i++;
    for (; i < ix->ntoks; i++) {
        const cr_lsp_token *t = &ix->toks[i];
        if (t->kind == '{')
            depth++;
        else if (t->kind == '}' && --depth == 0)
            return;
        else if (depth == 1 && t->kind == T_IDENT && i + 1 < ix->ntoks &&
                 (ix->toks[i + 1].kind == ':' || ix->toks[i + 1].kind == KW_AS) &&
                 (ix->toks[i - 1].kind == '{' || memchr(src + ix->toks[i - 1].end, '\n', t->start - ix->toks[i - 1].end))) {
            char *name = strndup(src + t->start, t->end - t->start);
            if (name)
                add_item(items, name, 5, "characteristic: the points it took");
            free(name);
        }
    }
}

/* The named outputs of the table whose name is toks[at]:
 * `table NAME(inputs) -> (name: type, ...)`. */
static void add_outputs(cJSON *items, const cr_lsp_index *ix, const char *src, uint32_t at)
{
    uint32_t i = at + 1, depth = 0;
    for (; i < ix->ntoks; i++) {   /* past the inputs */
        int k = ix->toks[i].kind;
        if (k == '(')
            depth++;
        else if (k == ')' && --depth == 0)
            break;
        else if (k == '{')
            return;
    }
    if (i + 2 >= ix->ntoks || ix->toks[i + 1].kind != T_ARROW || ix->toks[i + 2].kind != '(')
        return;
    depth = 0;
    for (i += 2; i < ix->ntoks; i++) {
        const cr_lsp_token *t = &ix->toks[i];
        if (t->kind == '(' || t->kind == '{' || t->kind == '[')
            depth++;
        else if ((t->kind == ')' || t->kind == '}' || t->kind == ']') && --depth == 0)
            return;
        else if (depth == 1 && t->kind == T_IDENT && i + 1 < ix->ntoks && ix->toks[i + 1].kind == ':') {
            char *name = strndup(src + t->start, t->end - t->start);
            if (name)
                add_item(items, name, 5, "output of the table");
            free(name);
        }
    }
}

/* After `NAME.` (or `NAME.` and part of a word): the members of what NAME
 * is, when it has any (a scorecard's methods and characteristics, the
 * admission's outcome, a table's named outputs, an input's or lookup's
 * fields); false when the cursor is not after a member's dot. */
static bool member_completion(cJSON *items, const cr_lsp_index *ix, const char *src, uint32_t off)
{
    /* the last token that ends at or before the cursor */
    uint32_t lo = cr_lsp_tokens_before(ix, off, true);
    if (lo == 0)
        return false;
    uint32_t dot = lo - 1;
    if (ix->toks[dot].kind == T_IDENT && ix->toks[dot].end == off && dot > 0)
        dot--;                        /* `score.lo|`: the word being typed */
    if (ix->toks[dot].kind != '.' || dot == 0)
        return false;
    const cr_lsp_token *recv = &ix->toks[dot - 1];
    if (recv->end != ix->toks[dot].start)
        return false;
    if (recv->kind == KW_ADMISSION) {
        static const char *const adm[][2] = {
            {"reasons", "every code that fired, in order"},
            {"rejections", "the reject codes that fired"},
            {"referrals", "the refer codes that fired"},
            {"rejected", "a reject rule fired"},
            {"referred", "a refer rule fired"},
        };
        for (size_t i = 0; i < sizeof adm / sizeof adm[0]; i++)
            add_item(items, adm[i][0], 10, adm[i][1]);   /* Property */
        return true;
    }
    if (recv->kind != T_IDENT)
        return false;
    int d = cr_lsp_name_find(ix, src, src + recv->start, recv->end - recv->start);
    if (d < 0)
        return false;
    const cr_lsp_name *nm = &ix->names[d];
    uint32_t def = 0;                 /* the defining token */
    while (def < ix->ntoks && ix->toks[def].start != nm->start)
        def++;
    switch (nm->kind) {
    case LSP_SCORECARD:
        add_item(items, "lowest", 2, "lowest(k): the reason codes of the k characteristics with the fewest points");
        add_item(items, "reasons", 2, "reasons(k): the reason codes of the k characteristics that lost the most "
                 "points against their best bin");
        add_characteristics(items, ix, src, def);
        return true;
    case LSP_TABLE:
        add_outputs(items, ix, src, def);
        return true;
    case LSP_INPUT:
    case LSP_LOOKUP:
        for (uint32_t i = 0; i < ix->nnames; i++)
            if (ix->names[i].kind == LSP_FIELD && ix->names[i].owner == (uint32_t)d) {
                char *name = strndup(src + ix->names[i].start, ix->names[i].end - ix->names[i].start);
                if (name)
                    add_item(items, name, 5, "field");
                free(name);
            }
        return true;
    default:
        return false;
    }
}

cJSON *cr_lsp_completion(const cr_lsp_doc *doc, const cJSON *pos)
{
    cr_lsp_index ix;
    if (!cr_lsp_index_build(&ix, doc->text, doc->len))
        return NULL;
    cJSON *items = cJSON_CreateArray();
    if (pos && member_completion(items, &ix, doc->text, cr_lsp_offset(doc->text, doc->len, pos))) {
        cr_lsp_index_free(&ix);
        cJSON *out = cJSON_CreateObject();
        cJSON_AddBoolToObject(out, "isIncomplete", false);
        cJSON_AddItemToObject(out, "items", items);
        return out;
    }
    for (uint32_t i = 0; i < ix.nnames; i++) {
        const cr_lsp_name *nm = &ix.names[i];
        if (nm->kind == LSP_PARAM || cr_lsp_name_find(&ix, doc->text, doc->text + nm->start, nm->end - nm->start) != (int)i)
            continue; /* a name once, as its definition */
        char *name = strndup(doc->text + nm->start, nm->end - nm->start);
        if (name)
            add_item(items, name, completion_kind(nm->kind), cr_lsp_kind_word(nm->kind));
        free(name);
    }
    for (uint32_t i = 0; i < cr_nbuiltins; i++)
        add_item(items, cr_builtins[i].name, 3, cr_builtins[i].doc);
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        add_item(items, keywords[i], 14, NULL);
    cr_lsp_index_free(&ix);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddBoolToObject(out, "isIncomplete", false);
    cJSON_AddItemToObject(out, "items", items);
    return out;
}

/* ---- formatting ---- */

cJSON *cr_lsp_formatting(const cr_lsp_doc *doc)
{
    cr_diags diags;
    cr_diags_init(&diags, doc->path, doc->text, doc->len);
    char *formatted = NULL;
    size_t flen = 0;
    cJSON *edits = cJSON_CreateArray();
    if (cr_fmt(doc->text, doc->len, &diags, &formatted, &flen) &&
        (flen != doc->len || memcmp(formatted, doc->text, flen) != 0)) {
        /* one edit, the whole document: what `credo fmt` would write */
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToObject(e, "range", cr_lsp_range(doc->text, doc->len, 0, (uint32_t)doc->len));
        cJSON_AddItemToObject(e, "newText", cJSON_CreateString(formatted));
        cJSON_AddItemToArray(edits, e);
    }
    free(formatted);
    cr_diags_free(&diags);
    return edits;
}
