/* credo fmt for test files (NAME.test.credo, runtime/author/policy_test.h):
 * the canonical layout from the token stream, as fmt.c does for policies.
 *
 *   - top-level lines (policy, as_of, fixture, test, equivalent) start in
 *     column 1, a test's lines (given, check, as_of, expect) are indented
 *     2, and its closing } stands alone in column 1;
 *   - blank lines stay where the author put them, a run collapsing to one;
 *     none at the start or end of a test or of the file;
 *   - single spaces between tokens, none before , : ) ] or after ( [ and
 *     a unary -, none around . and ..; a record's braces have a space
 *     inside ({ age: 17 });
 *   - a line break inside a record, list or brackets stays, and the line
 *     keeps its indentation relative to the line its item starts on (at
 *     least 2 more; a closing bracket at least as much);
 *   - a comment stays at the end of its line (two spaces before it) or on
 *     a line of its own, indented as the line after it would be.
 *
 * Only white space changes; the result is lexed again and refused if any
 * token differs. */
#include <stdlib.h>
#include <string.h>

#include "lang/fmt.h"
#include "lang/parse.h"
#include "runtime/core/arena.h"

#include "parser.h"
#include "lexer.h"

typedef struct ftok {
    int kind;
    uint32_t start, end;
} ftok;

/* Every token of src, comments included; NULL when the scanner fails or
 * meets a character that is no token. */
static ftok *lex_all(const char *src, size_t len, cr_diags *diags, uint32_t *count)
{
    uint32_t n;
    cr_token *all = cr_lex_all(src, len, diags, true, &n);
    ftok *toks = all ? malloc((n ? n : 1) * sizeof *toks) : NULL;
    bool ok = toks != NULL;
    for (uint32_t i = 0; ok && i < n; i++) {
        if (all[i].kind == T_BAD) {
            cr_diag(diags, CR_SEV_ERROR, all[i].sp, "invalid character");
            ok = false;
        }
        toks[i] = (ftok){all[i].kind, all[i].sp.start, all[i].sp.end};
    }
    free(all);
    if (!ok || diags->errors) {
        free(toks);
        return NULL;
    }
    *count = n;
    return toks;
}

static bool word_is(const char *src, const ftok *t, const char *w)
{
    size_t n = strlen(w);
    return (t->kind == T_IDENT || t->kind == KW_POLICY) && t->end - t->start == n && memcmp(src + t->start, w, n) == 0;
}

static bool starts_statement(const char *src, const ftok *t, bool in_test)
{
    static const char *const top[] = {"policy", "as_of", "fixture", "test", "equivalent"};
    static const char *const inner[] = {"given", "check", "as_of", "expect"};
    const char *const *words = in_test ? inner : top;
    size_t n = in_test ? 4 : 5;
    for (size_t i = 0; i < n; i++)
        if (word_is(src, t, words[i]))
            return true;
    return false;
}

/* Does a token of this kind end an operand (so a '-' after it subtracts)? */
static bool ends_operand(int k)
{
    return k == T_IDENT || k == T_INT || k == T_DEC || k == T_STRING || k == T_DATE || k == ')' || k == ']' ||
           k == '}' || k == KW_TRUE || k == KW_FALSE || k == KW_NULL;
}

static uint32_t column(const char *src, uint32_t at)
{
    uint32_t c = 0;
    while (at > 0 && src[at - 1] != '\n') {
        at--;
        c++;
    }
    return c;
}

static uint32_t newlines_between(const char *src, uint32_t a, uint32_t b)
{
    uint32_t n = 0;
    for (uint32_t i = a; i < b; i++)
        n += src[i] == '\n';
    return n;
}

typedef struct out {
    char *p;
    size_t len, cap;
    bool oom;
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->oom)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = (o->cap ? o->cap * 2 : 4096) + n;
        char *p = realloc(o->p, cap);
        if (!p) {
            o->oom = true;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = 0;
}

static void spaces(out *o, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        put(o, " ", 1);
}

/* The space between two tokens on one line. */
static bool space_between(const ftok *prev2, const ftok *a, const ftok *b, bool a_record_open, bool b_record_close)
{
    if (b->kind == T_COMMENT)
        return true;
    if (b->kind == ',' || b->kind == ')' || b->kind == ']' || b->kind == ':' || b->kind == '.' || b->kind == T_DOTDOT)
        return false;
    if (a->kind == '(' || a->kind == '[' || a->kind == '.' || a->kind == T_DOTDOT)
        return false;
    if (a->kind == '{' && b->kind == '}')
        return false;
    if (a_record_open || b_record_close)
        return true;
    if (a->kind == '-' && !(prev2 && ends_operand(prev2->kind)))
        return false;   /* a unary minus */
    return true;
}

enum { BRACE_TEST = 1, BRACE_RECORD = 2 };

bool cr_fmt_test(const char *src, size_t len, cr_diags *diags, char **result, size_t *result_len)
{
    uint32_t n;
    ftok *t = lex_all(src, len, diags, &n);
    if (!t)
        return false;
    out o = {0};
    uint8_t braces[256];
    uint32_t nbraces = 0, nest = 0;
    bool in_test = false;
    uint32_t item_old = 0, item_new = 0;
    for (uint32_t i = 0; i < n && !o.oom; i++) {
        const ftok *a = i ? &t[i - 1] : NULL, *b = &t[i];
        bool closes_test = b->kind == '}' && nbraces && braces[nbraces - 1] == BRACE_TEST;
        bool stmt = nest == 0 && (closes_test || starts_statement(src, b, in_test));
        uint32_t nl = a ? newlines_between(src, a->end, b->start) : 0;
        bool own_comment = b->kind == T_COMMENT && nl > 0 && nest == 0;
        bool after_test_open = a && a->kind == '{' && nbraces && braces[nbraces - 1] == BRACE_TEST;
        if (!a) {
            item_old = column(src, b->start);
        } else if ((nest > 0 && (nl > 0 || a->kind == T_COMMENT)) ||
                   (nest == 0 && nl > 0 && !stmt && !own_comment && a->kind != T_COMMENT && !after_test_open)) {
            /* a line break inside an item stays: the same indentation
             * relative to the item's first line, at least 2 more (a
             * closing bracket: at least as much) */
            put(&o, "\n", 1);
            uint32_t col = column(src, b->start), rel = col > item_old ? col - item_old : 0;
            bool closing = b->kind == '}' || b->kind == ']' || b->kind == ')';
            uint32_t min = closing ? 0 : 2;
            spaces(&o, item_new + (rel > min ? rel : min));
        } else if (stmt || own_comment || a->kind == T_COMMENT || after_test_open) {
            bool blank = nl >= 2 && !after_test_open && !closes_test;
            put(&o, blank ? "\n\n" : "\n", blank ? 2 : 1);
            uint32_t indent = in_test && !closes_test ? 2 : 0;
            spaces(&o, indent);
            if (b->kind != T_COMMENT) {
                item_old = column(src, b->start);
                item_new = indent;
            }
        } else {
            bool a_open = a->kind == '{' && nbraces && braces[nbraces - 1] == BRACE_RECORD;
            bool b_close = b->kind == '}' && nbraces && braces[nbraces - 1] == BRACE_RECORD;
            if (space_between(i >= 2 ? &t[i - 2] : NULL, a, b, a_open, b_close))
                put(&o, b->kind == T_COMMENT ? "  " : " ", b->kind == T_COMMENT ? 2 : 1);
        }
        put(&o, src + b->start, b->end - b->start);
        if (b->kind == '{') {
            bool test_block = !in_test && nest == 0 && i >= 2 && t[i - 1].kind == T_STRING && word_is(src, &t[i - 2], "test");
            if (nbraces < sizeof braces)
                braces[nbraces++] = test_block ? BRACE_TEST : BRACE_RECORD;
            if (test_block)
                in_test = true;
            else
                nest++;
        } else if (b->kind == '}' && nbraces) {
            if (braces[--nbraces] == BRACE_TEST)
                in_test = false;
            else if (nest)
                nest--;
        } else if (b->kind == '[' || b->kind == '(') {
            nest++;
        } else if ((b->kind == ']' || b->kind == ')') && nest) {
            nest--;
        }
    }
    if (n)
        put(&o, "\n", 1);
    else
        put(&o, "", 0);
    /* the same tokens, or nothing is written */
    bool same = !o.oom;
    if (same) {
        cr_diags d2;
        cr_diags_init(&d2, "", o.p, o.len);
        uint32_t n2;
        ftok *t2 = lex_all(o.p, o.len, &d2, &n2);
        same = t2 && n2 == n;
        for (uint32_t i = 0; same && i < n; i++)
            same = t2[i].kind == t[i].kind && t2[i].end - t2[i].start == t[i].end - t[i].start &&
                   memcmp(o.p + t2[i].start, src + t[i].start, t[i].end - t[i].start) == 0;
        free(t2);
        cr_diags_free(&d2);
        if (!same)
            cr_diag(diags, CR_SEV_ERROR, (cr_span){0, 0}, "the layout would change a token: the file is left as it is");
    } else {
        cr_diag(diags, CR_SEV_ERROR, (cr_span){0, 0}, "out of memory");
    }
    free(t);
    if (!same) {
        free(o.p);
        return false;
    }
    *result = o.p;
    *result_len = o.len;
    return true;
}
