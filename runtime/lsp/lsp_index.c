/* The names of a policy, for hover, go to definition, references,
 * symbols and completion: the token stream of the compiler's own scanner
 * (lang/lexer.l), and where each name is defined, read from the tokens
 * rather than the syntax tree so that a policy with a syntax error being
 * typed still has its names. */
#include <stdlib.h>
#include <string.h>

#include "lang/parse.h"
#include "runtime/lsp/lsp.h"
#include "parser.h"
#include "lexer.h"

const char *cr_lsp_kind_word(cr_lsp_kind k)
{
    switch (k) {
    case LSP_INPUT: return "input";
    case LSP_FIELD: return "field";
    case LSP_CONST: return "const";
    case LSP_LET: return "let";
    case LSP_RESULT: return "result";
    case LSP_FN: return "function";
    case LSP_PARAM: return "parameter";
    case LSP_SCORECARD: return "scorecard";
    case LSP_SEGMENT: return "segment";
    case LSP_LABEL: return "label";
    case LSP_TABLE: return "table";
    case LSP_LOOKUP: return "lookup";
    case LSP_CODE: return "reason code";
    }
    return "name";
}

static bool scan(cr_lsp_index *ix, const char *src, size_t len)
{
    uint32_t n;
    cr_token *toks = cr_lex_all(src, len, NULL, false, &n);
    if (!toks || !(ix->toks = malloc((n ? n : 1) * sizeof *ix->toks))) {
        free(toks);
        return false;
    }
    for (uint32_t i = 0; i < n; i++)
        ix->toks[i] = (cr_lsp_token){toks[i].kind, toks[i].sp.start, toks[i].sp.end};
    ix->ntoks = n;
    free(toks);
    return true;
}

static bool add(cr_lsp_index *ix, uint32_t *cap, cr_lsp_kind kind, const cr_lsp_token *t, uint32_t item, uint32_t owner)
{
    if (ix->nnames == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        cr_lsp_name *grown = realloc(ix->names, *cap * sizeof *grown);
        if (!grown)
            return false;
        ix->names = grown;
    }
    ix->names[ix->nnames++] = (cr_lsp_name){kind, t->start, t->end, item, owner};
    return true;
}

static uint32_t line_start(const char *src, uint32_t off)
{
    while (off > 0 && src[off - 1] != '\n')
        off--;
    return off;
}

/* Which block a brace opens: what the names inside it are. */
typedef enum block { B_OTHER, B_INPUT, B_SEGMENT, B_LOOKUP } block;

bool cr_lsp_index_build(cr_lsp_index *ix, const char *src, size_t len)
{
    memset(ix, 0, sizeof *ix);
    if (!scan(ix, src, len))
        return false;
    uint32_t cap = 0, n = ix->ntoks;
    const cr_lsp_token *t = ix->toks;
    int depth = 0, parens = 0;
    block open = B_OTHER;        /* the block at depth 1 */
    uint32_t owner = UINT32_MAX; /* its name */
    block next = B_OTHER;        /* what the next '{' at depth 0 opens */
    uint32_t next_owner = UINT32_MAX;
    bool in_fn_params = false;
    for (uint32_t i = 0; i < n; i++) {
        int k = t[i].kind, k1 = i + 1 < n ? t[i + 1].kind : 0;
        uint32_t item = line_start(src, t[i].start);
        bool ok = true;
        if (k == '{') {
            if (depth == 0) {
                open = next;
                owner = next_owner;
                next = B_OTHER;
            }
            depth++;
            continue;
        }
        if (k == '}') {
            if (depth > 0 && --depth == 0)
                open = B_OTHER;
            continue;
        }
        if (k == '(')
            parens++;
        if (k == ')' && parens > 0 && --parens == 0)
            in_fn_params = false;
        if (depth == 0 && parens == 0 && k1 == T_IDENT) {
            cr_lsp_kind kind = LSP_LET;
            bool defines = true;
            switch (k) {
            case KW_INPUT: kind = LSP_INPUT; next = B_INPUT; break;
            case KW_CONST: kind = LSP_CONST; break;
            case KW_LET: kind = LSP_LET; break;
            case KW_FN: kind = LSP_FN; in_fn_params = true; break;
            case KW_SCORECARD: kind = LSP_SCORECARD; break;
            case KW_SEGMENT: kind = LSP_SEGMENT; next = B_SEGMENT; break;
            case KW_TABLE: kind = LSP_TABLE; break;
            case KW_LOOKUP: kind = LSP_LOOKUP; next = B_LOOKUP; break;
            case KW_REJECT: case KW_REFER: kind = LSP_CODE; break;
            default: defines = false;
            }
            if (defines) {
                if (next != B_OTHER)
                    next_owner = ix->nnames;
                ok = add(ix, &cap, kind, &t[i + 1], item, UINT32_MAX);
                i++;
            }
        } else if (k == T_IDENT && depth == 0 && parens == 0 && k1 == '=' && t[i].start == item) {
            ok = add(ix, &cap, LSP_RESULT, &t[i], item, UINT32_MAX); /* limit = ... */
        } else if (k == T_IDENT && in_fn_params && parens == 1 && k1 == ':') {
            ok = add(ix, &cap, LSP_PARAM, &t[i], item, UINT32_MAX);
        } else if (k == T_IDENT && depth >= 1 && (open == B_INPUT || open == B_LOOKUP) && k1 == ':') {
            ok = add(ix, &cap, LSP_FIELD, &t[i], item, owner);
        } else if (k == T_IDENT && depth == 1 && open == B_SEGMENT && (k1 == KW_WHEN || k1 == KW_OTHERWISE)) {
            ok = add(ix, &cap, LSP_LABEL, &t[i], item, owner);
        } else if ((k == KW_REJECT || k == KW_REFER) && depth == 1 && k1 == T_IDENT && i + 2 < n &&
                   t[i + 2].kind != ',' && t[i + 2].kind != '.') {
            /* a rule in admission (decide rows name codes, they do not define them) */
            bool in_admission = false;
            for (uint32_t j = i; j-- > 0;)
                if (t[j].kind == '{') {
                    in_admission = j > 0 && t[j - 1].kind == KW_ADMISSION;
                    break;
                }
            if (in_admission) {
                ok = add(ix, &cap, LSP_CODE, &t[i + 1], item, UINT32_MAX);
                i++;
            }
        }
        if (!ok) {
            cr_lsp_index_free(ix);
            return false;
        }
    }
    return true;
}

void cr_lsp_index_free(cr_lsp_index *ix)
{
    free(ix->toks);
    free(ix->names);
    memset(ix, 0, sizeof *ix);
}

uint32_t cr_lsp_tokens_before(const cr_lsp_index *ix, uint32_t off, bool by_end)
{
    uint32_t lo = 0, hi = ix->ntoks;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if ((by_end ? ix->toks[mid].end : ix->toks[mid].start) <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int cr_lsp_token_at(const cr_lsp_index *ix, uint32_t off)
{
    /* the last token starting at or before off */
    uint32_t lo = cr_lsp_tokens_before(ix, off, false);
    if (lo == 0)
        return -1;
    const cr_lsp_token *t = &ix->toks[lo - 1];
    return off <= t->end ? (int)(lo - 1) : -1;
}

bool cr_lsp_token_is_name(const cr_lsp_token *t)
{
    return t->kind == T_IDENT;
}

int cr_lsp_name_find(const cr_lsp_index *ix, const char *src, const char *name, size_t n)
{
    int found = -1;
    for (uint32_t i = 0; i < ix->nnames; i++) {
        const cr_lsp_name *d = &ix->names[i];
        if (d->end - d->start != n || memcmp(src + d->start, name, n) != 0)
            continue;
        /* a parameter is a local: any other definition of the name wins */
        if (found < 0 || ix->names[found].kind == LSP_PARAM)
            found = (int)i;
    }
    return found;
}
