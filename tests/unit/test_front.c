/* Unit tests for the front end: the lexer and the parser (through
 * cr_parse, checking the shape of the syntax tree), semantic analysis (every
 * diagnostic with its exact text and line:col) and the bytecode compiler
 * (cr_compile of the real SME policy and the invariants of its program). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/ast.h"
#include "lang/compile.h"
#include "lang/credoc.h"
#include "lang/diag.h"
#include "lang/opcodes.h"
#include "lang/parse.h"
#include "lang/program.h"
#include "lang/sema.h"
#include "runtime/core/arena.h"
#include "runtime/core/date.h"
#include "runtime/core/decimal.h"
#include "runtime/core/value.h"
#include "stdlib/stdlib.h"

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

static void print_diags(const cr_diags *d)
{
    for (uint32_t i = 0; i < d->count; i++) {
        uint32_t l, c;
        cr_source_linecol(d->src, d->len, d->items[i].span.start, &l, &c);
        fprintf(stderr, "    %u:%u: %s: %s\n", l, c,
                d->items[i].severity == CR_SEV_ERROR ? "error" : d->items[i].severity == CR_SEV_WARNING ? "warning" : "note",
                d->items[i].msg);
    }
}

/* Is there a diagnostic of severity sev, at line:col, whose text is exactly msg? */
static bool diag_at(const cr_diags *d, cr_severity sev, uint32_t line, uint32_t col, const char *msg)
{
    for (uint32_t i = 0; i < d->count; i++) {
        const cr_diagnostic *g = &d->items[i];
        if (g->severity != sev || strcmp(g->msg, msg) != 0)
            continue;
        uint32_t l, c;
        cr_source_linecol(d->src, d->len, g->span.start, &l, &c);
        if (l == line && c == col)
            return true;
    }
    return false;
}

static void expect_diag(const cr_diags *d, cr_severity sev, uint32_t line, uint32_t col, const char *msg)
{
    if (!diag_at(d, sev, line, col, msg)) {
        fprintf(stderr, "  diagnostics were:\n");
        print_diags(d);
        fail_msg("missing %s at %u:%u: %s", sev == CR_SEV_ERROR ? "error" : "warning", line, col, msg);
    }
}

/* Every diagnostic's span lies within the source. */
static void expect_spans_in_source(const cr_diags *d)
{
    for (uint32_t i = 0; i < d->count; i++) {
        if (d->items[i].span.start > d->items[i].span.end || d->items[i].span.end > d->len)
            fail_msg("diagnostic '%s' has span [%u, %u) outside a source of %zu bytes", d->items[i].msg,
                     d->items[i].span.start, d->items[i].span.end, d->len);
    }
}

/* A parse of one source: the tree lives in arena. */
typedef struct parsed {
    char *src;
    size_t len;
    cr_arena arena;
    cr_policy_ast *ast;
    cr_diags d;
    bool ok;
} parsed;

static parsed *parse_n(const char *src, size_t len)
{
    parsed *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->src = malloc(len + 1);
    assert_non_null(p->src);
    memcpy(p->src, src, len);
    p->src[len] = '\0';
    p->len = len;
    cr_arena_init(&p->arena, 16 * 1024, 0);
    p->ast = cr_arena_calloc(&p->arena, sizeof *p->ast);
    assert_non_null(p->ast);
    cr_diags_init(&p->d, "test.credo", p->src, p->len);
    cr_parse_ctx pc;
    memset(&pc, 0, sizeof pc);
    pc.arena = &p->arena;
    pc.diags = &p->d;
    pc.src = p->src;
    pc.len = p->len;
    pc.ast = p->ast;
    p->ok = cr_parse(&pc);
    return p;
}

static parsed *parse_src(const char *src) { return parse_n(src, strlen(src)); }

static void parsed_free(parsed *p)
{
    cr_diags_free(&p->d);
    cr_arena_free(&p->arena);
    free(p->src);
    free(p);
}

/* A source that must parse. */
static parsed *parse_ok(const char *src)
{
    parsed *p = parse_src(src);
    if (!p->ok) {
        print_diags(&p->d);
        fail_msg("does not parse:\n%s", src);
    }
    assert_int_equal(p->d.errors, 0);
    return p;
}

static cr_item *item_at(const cr_policy_ast *ast, unsigned n)
{
    cr_item *it = ast->items;
    for (unsigned i = 0; it && i < n; i++)
        it = it->next;
    if (!it)
        fail_msg("the policy has no item %u", n);
    return it;
}

static unsigned count_items(const cr_policy_ast *ast)
{
    unsigned n = 0;
    for (cr_item *it = ast->items; it; it = it->next)
        n++;
    return n;
}

/* "policy t\nlet a = <expr>\n" parsed; its expression. */
static parsed *parse_let(const char *expr_src, cr_expr **out)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "policy t\nlet a = %s\n", expr_src);
    parsed *p = parse_src(buf);
    *out = NULL;
    if (p->ok && p->ast->items && p->ast->items->kind == I_LET)
        *out = p->ast->items->expr;
    return p;
}

/* ---- the syntax tree as an s-expression ---- */

typedef struct sbuf {
    char s[4096];
    size_t n;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...)
{
    if (b->n + 1 >= sizeof b->s)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->s + b->n, sizeof b->s - b->n, fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    b->n += (size_t)k;
    if (b->n >= sizeof b->s)
        b->n = sizeof b->s - 1;
}

static const char *op_name(cr_op op)
{
    static const char *const names[] = {
        [OP_ADD_] = "+", [OP_SUB_] = "-", [OP_MUL_] = "*", [OP_DIV_] = "/", [OP_MOD_] = "%",
        [OP_EQ_] = "==", [OP_NE_] = "!=", [OP_LT_] = "<", [OP_LE_] = "<=", [OP_GT_] = ">", [OP_GE_] = ">=",
        [OP_AND_] = "and", [OP_OR_] = "or", [OP_COALESCE_] = "??", [OP_IN_] = "in", [OP_NOTIN_] = "not-in",
        [OP_NEG_] = "neg", [OP_NOT_] = "not",
    };
    return (unsigned)op < sizeof names / sizeof names[0] && names[op] ? names[op] : "?op";
}

static void dump(sbuf *b, const cr_expr *e);

static void dump_list(sbuf *b, const cr_expr_list *l, const char *sep_first)
{
    for (uint32_t i = 0; i < l->count; i++) {
        put(b, "%s", i == 0 ? sep_first : " ");
        dump(b, l->items[i]);
    }
}

static void dump(sbuf *b, const cr_expr *e)
{
    char num[CR_DEC_FMT_MAX];
    char day[16];
    if (!e) {
        put(b, "<none>");
        return;
    }
    switch (e->kind) {
    case E_INT: put(b, "%lld", (long long)e->u.ival); break;
    case E_DEC: cr_dec_format(e->u.dval, num); put(b, "%s", num); break;
    case E_STR: put(b, "\"%.*s\"", (int)e->u.str.len, e->u.str.s); break;
    case E_BOOL: put(b, "%s", e->u.ival ? "true" : "false"); break;
    case E_NULL: put(b, "null"); break;
    case E_DATE: cr_date_format(e->u.ival, day); put(b, "@%s", day); break;
    case E_REGEX: put(b, "/%.*s/", (int)e->u.str.len, e->u.str.s); break;
    case E_TODAY: put(b, "today"); break;
    case E_NAME: put(b, "%.*s", (int)e->u.str.len, e->u.str.s); break;
    case E_FIELD:
        put(b, "(. ");
        dump(b, e->u.call.recv);
        put(b, " %s)", e->u.call.name);
        break;
    case E_INDEX:
        put(b, "(index ");
        dump(b, e->u.tri.a);
        put(b, " ");
        dump(b, e->u.tri.b);
        put(b, ")");
        break;
    case E_HAS:
        put(b, "(has ");
        dump(b, e->u.tri.a);
        put(b, " ");
        dump(b, e->u.tri.b);
        put(b, ")");
        break;
    case E_BETWEEN:
    case E_SLICE:
        put(b, e->kind == E_SLICE ? "(slice " : e->u.tri.negate ? "(not-between " : "(between ");
        dump(b, e->u.tri.a);
        put(b, " ");
        dump(b, e->u.tri.b);
        put(b, " ");
        dump(b, e->u.tri.c);
        put(b, ")");
        break;
    case E_CALL:
        put(b, "(call %s", e->u.call.name);
        dump_list(b, &e->u.call.args, " ");
        put(b, ")");
        break;
    case E_METHOD:
        put(b, "(method ");
        dump(b, e->u.call.recv);
        put(b, " %s", e->u.call.name);
        dump_list(b, &e->u.call.args, " ");
        put(b, ")");
        break;
    case E_UNARY:
        put(b, "(%s ", op_name(e->u.bin.op));
        dump(b, e->u.bin.a);
        put(b, ")");
        break;
    case E_BINARY:
        put(b, "(%s ", op_name(e->u.bin.op));
        dump(b, e->u.bin.a);
        put(b, " ");
        dump(b, e->u.bin.b);
        put(b, ")");
        break;
    case E_MATCHES:
        put(b, "(matches ");
        dump(b, e->u.tri.a);
        put(b, " ");
        dump(b, e->u.tri.b);
        put(b, ")");
        break;
    case E_ISNULL:
        put(b, "(%s ", e->u.tri.negate ? "is-not-null" : "is-null");
        dump(b, e->u.tri.a);
        put(b, ")");
        break;
    case E_IF:
        put(b, "(if ");
        dump(b, e->u.tri.a);
        put(b, " ");
        dump(b, e->u.tri.b);
        put(b, " ");
        dump(b, e->u.tri.c);
        put(b, ")");
        break;
    case E_LIST:
        put(b, "[");
        dump_list(b, &e->u.list, "");
        put(b, "]");
        break;
    case E_SET:
        put(b, "{");
        dump_list(b, &e->u.list, "");
        put(b, "}");
        break;
    case E_AGG:
        put(b, "(%s %s ", e->u.loop.agg == AGG_COUNT ? "count" : e->u.loop.agg == AGG_ANY ? "any" : "all", e->u.loop.var);
        dump(b, e->u.loop.src);
        put(b, " ");
        dump(b, e->u.loop.cond);
        put(b, ")");
        break;
    case E_COMP:
        put(b, "(comp ");
        dump(b, e->u.loop.body);
        put(b, " %s ", e->u.loop.var);
        dump(b, e->u.loop.src);
        if (e->u.loop.cond) {
            put(b, " where ");
            dump(b, e->u.loop.cond);
        }
        put(b, ")");
        break;
    case E_ADMISSION: put(b, "admission.%.*s", (int)e->u.str.len, e->u.str.s); break;
    }
}

static void dump_cell(sbuf *b, const cr_cell *c)
{
    switch (c->kind) {
    case CELL_ANY: put(b, "_"); break;
    case CELL_EQ: dump(b, c->a); break;
    case CELL_NE: put(b, "!="); dump(b, c->a); break;
    case CELL_LT: put(b, "<"); dump(b, c->a); break;
    case CELL_LE: put(b, "<="); dump(b, c->a); break;
    case CELL_GT: put(b, ">"); dump(b, c->a); break;
    case CELL_GE: put(b, ">="); dump(b, c->a); break;
    case CELL_RANGE:
        put(b, c->lo_open ? "(" : "[");
        dump(b, c->a);
        put(b, "..");
        dump(b, c->b);
        put(b, c->hi_open ? ")" : "]");
        break;
    case CELL_SET: put(b, "{"); dump_list(b, &c->set, ""); put(b, "}"); break;
    case CELL_NULL: put(b, "null"); break;
    case CELL_IN: put(b, "in "); dump(b, c->a); break;
    case CELL_ANYOF:
        put(b, "any(");
        for (uint32_t i = 0; i < c->ntests; i++) {
            if (i)
                put(b, " ");
            dump_cell(b, &c->tests[i]);
        }
        put(b, ")");
        break;
    }
}

static const char *sexp(const cr_expr *e, sbuf *b)
{
    b->n = 0;
    b->s[0] = '\0';
    dump(b, e);
    return b->s;
}

/* The expression parses to exactly the tree `want`. */
static void expect_shape(const char *expr_src, const char *want)
{
    cr_expr *e;
    parsed *p = parse_let(expr_src, &e);
    if (!p->ok || !e) {
        print_diags(&p->d);
        fail_msg("'%s' does not parse", expr_src);
    }
    sbuf b;
    sexp(e, &b);
    if (strcmp(b.s, want) != 0)
        fail_msg("'%s' parses as %s, want %s", expr_src, b.s, want);
    parsed_free(p);
}

/* A bin, characteristic or table row as text: "cells -> out". */
static const char *row_text(sbuf *b, const cr_cell *cells, uint32_t n, const cr_expr *out)
{
    b->n = 0;
    b->s[0] = '\0';
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            put(b, ", ");
        dump_cell(b, &cells[i]);
    }
    put(b, " -> ");
    dump(b, out);
    return b->s;
}

/* Reads a file of the project, run from its folder (or from build/tests). */
static char *read_project_file(const char *rel, size_t *len, const char **path)
{
    static char buf[3][256];
    static const char *const prefixes[] = {"", "../", "../../"};
    for (unsigned i = 0; i < 3; i++) {
        snprintf(buf[i], sizeof buf[i], "%s%s", prefixes[i], rel);
        char *s = cr_read_file(buf[i], len);
        if (s) {
            *path = buf[i];
            return s;
        }
    }
    fail_msg("cannot read %s (run the tests from the project's folder)", rel);
    return NULL;
}

static cr_program *compile_src(const char *src, cr_diags *d)
{
    cr_diags_init(d, "test.credo", src, strlen(src));
    return cr_compile("test.credo", src, strlen(src), d);
}

/* ------------------------------------------------------------------ */
/* lexer                                                               */
/* ------------------------------------------------------------------ */

static void test_lex_int_literals(void **state)
{
    (void)state;
    cr_expr *e;
    parsed *p = parse_let("1_000_000", &e);
    assert_true(p->ok);
    assert_non_null(e);
    assert_int_equal(e->kind, E_INT);
    assert_int_equal(e->u.ival, 1000000);
    assert_int_equal(e->span.end - e->span.start, 9); /* the whole "1_000_000" */
    parsed_free(p);

    p = parse_let("9223372036854775807", &e);
    assert_true(p->ok);
    assert_int_equal(e->kind, E_INT);
    assert_true(e->u.ival == INT64_MAX);
    parsed_free(p);

    /* unary minus on a literal folds into the literal */
    p = parse_let("-9223372036854775807", &e);
    assert_true(p->ok);
    assert_int_equal(e->kind, E_INT);
    assert_true(e->u.ival == -INT64_MAX);
    assert_int_equal(e->span.start, 17);
    parsed_free(p);

    p = parse_let("0", &e);
    assert_true(p->ok);
    assert_int_equal(e->kind, E_INT);
    assert_int_equal(e->u.ival, 0);
    parsed_free(p);
}

static void test_lex_int_out_of_range(void **state)
{
    (void)state;
    cr_expr *e;
    parsed *p = parse_let("9223372036854775808", &e);
    assert_false(p->ok);
    assert_int_equal(p->d.errors, 1);
    expect_diag(&p->d, CR_SEV_ERROR, 2, 9, "integer 9223372036854775808 is out of range");
    parsed_free(p);

    /* the separators are not part of the number in the message */
    p = parse_let("10_000_000_000_000_000_000", &e);
    assert_false(p->ok);
    expect_diag(&p->d, CR_SEV_ERROR, 2, 9, "integer 10000000000000000000 is out of range");
    parsed_free(p);

    p = parse_let("1e400", &e);
    assert_false(p->ok);
    expect_diag(&p->d, CR_SEV_ERROR, 2, 9, "number 1e400: number is out of range");
    parsed_free(p);
}

static void expect_decimal(const char *text, const char *formatted, int32_t scale)
{
    cr_expr *e;
    parsed *p = parse_let(text, &e);
    if (!p->ok || !e)
        fail_msg("'%s' does not parse", text);
    if (e->kind != E_DEC)
        fail_msg("'%s' is expression kind %d, not E_DEC", text, (int)e->kind);
    char buf[CR_DEC_FMT_MAX];
    cr_dec_format(e->u.dval, buf);
    if (strcmp(buf, formatted) != 0)
        fail_msg("'%s' is the decimal %s, want %s", text, buf, formatted);
    assert_int_equal(e->u.dval.scale, scale);
    parsed_free(p);
}

static void test_lex_decimal_literals(void **state)
{
    (void)state;
    expect_decimal("0.1", "0.1", 1);
    expect_decimal("1_234.50", "1234.50", 2);      /* trailing zero kept: exact */
    expect_decimal("0.000_001", "0.000001", 6);
    expect_decimal("1.5e3", "1500", 0);            /* an exponent makes a decimal, never an int */
    expect_decimal("2e-2", "0.02", 2);
    expect_decimal("-0.25", "-0.25", 2);           /* folded minus */

    /* 0.1 + 0.2 stays two exact decimals */
    expect_shape("0.1 + 0.2", "(+ 0.1 0.2)");
}

static void test_lex_dates(void **state)
{
    (void)state;
    cr_expr *e;
    parsed *p = parse_let("2026-12-01", &e);
    assert_true(p->ok);
    assert_int_equal(e->kind, E_DATE);
    assert_true(e->u.ival == cr_days_from_civil(2026, 12, 1));
    assert_int_equal(e->span.end - e->span.start, 10);
    parsed_free(p);

    p = parse_let("2024-02-29", &e); /* leap day */
    assert_true(p->ok);
    assert_int_equal(e->kind, E_DATE);
    assert_true(e->u.ival == cr_days_from_civil(2024, 2, 29));
    parsed_free(p);

    p = parse_let("2026-02-30", &e);
    assert_false(p->ok);
    assert_int_equal(p->d.errors, 1);
    expect_diag(&p->d, CR_SEV_ERROR, 2, 9, "'2026-02-30' is not a calendar date");
    parsed_free(p);

    p = parse_let("2100-02-29", &e); /* not a leap year */
    assert_false(p->ok);
    expect_diag(&p->d, CR_SEV_ERROR, 2, 9, "'2100-02-29' is not a calendar date");
    parsed_free(p);

    p = parse_let("d + 2026-13-01", &e);
    assert_false(p->ok);
    expect_diag(&p->d, CR_SEV_ERROR, 2, 13, "'2026-13-01' is not a calendar date");
    parsed_free(p);

    /* the header's effective date */
    p = parse_ok("policy t effective 2026-12-01\n");
    assert_true(p->ast->has_effective);
    assert_true(p->ast->effective == cr_days_from_civil(2026, 12, 1));
    parsed_free(p);
    p = parse_ok("policy t\n");
    assert_false(p->ast->has_effective);
    parsed_free(p);
}

static void test_lex_strings(void **state)
{
    (void)state;
    cr_expr *e;
    /* \" \\ \/ \n \t and \u (two and three byte UTF-8) */
    parsed *p = parse_let("\"a\\\"b\\\\c\\/d\\ne\\tf\\u00e9\\u4e2d\\u0041\"", &e);
    assert_true(p->ok);
    assert_int_equal(e->kind, E_STR);
    const char want[] = "a\"b\\c/d\ne\tf\xc3\xa9\xe4\xb8\xad" "A";
    assert_int_equal(e->u.str.len, sizeof want - 1);
    assert_memory_equal(e->u.str.s, want, sizeof want - 1);
    parsed_free(p);

    p = parse_let("\"# not a comment\"", &e);
    assert_true(p->ok);
    assert_string_equal(e->u.str.s, "# not a comment");
    parsed_free(p);

    p = parse_let("\"\"", &e);
    assert_true(p->ok);
    assert_int_equal(e->kind, E_STR);
    assert_int_equal(e->u.str.len, 0);
    parsed_free(p);

    p = parse_let("\"a\\qb\"", &e);
    assert_false(p->ok);
    assert_int_equal(p->d.errors, 1);
    expect_diag(&p->d, CR_SEV_ERROR, 2, 11, "unknown escape '\\q' in text");
    parsed_free(p);

    p = parse_let("\"a\\u12\"", &e);
    assert_false(p->ok);
    expect_diag(&p->d, CR_SEV_ERROR, 2, 11, "\\u needs four hex digits naming a character");
    parsed_free(p);

    p = parse_let("\"a\\uD800\"", &e); /* a lone surrogate is no character */
    assert_false(p->ok);
    expect_diag(&p->d, CR_SEV_ERROR, 2, 11, "\\u needs four hex digits naming a character");
    parsed_free(p);
}

static void test_lex_unclosed_string(void **state)
{
    (void)state;
    parsed *p = parse_src("policy t\nlet s = \"abc\nlet u = 1\n");
    assert_false(p->ok);
    assert_int_equal(p->d.errors, 1);
    expect_diag(&p->d, CR_SEV_ERROR, 2, 9, "text is not closed before the end of the line");
    /* the scanner goes on at the next line: both lets are there */
    assert_int_equal(count_items(p->ast), 2);
    assert_string_equal(item_at(p->ast, 1)->name, "u");
    parsed_free(p);
}

static void test_lex_regex_or_division(void **state)
{
    (void)state;
    expect_shape("a / b / c", "(/ (/ a b) c)");
    expect_shape("a / 2 / 4", "(/ (/ a 2) 4)");
    expect_shape("(a) / 2 / (b)", "(/ (/ a 2) b)");
    expect_shape("xs[0] / 2 / 4", "(/ (/ (index xs 0) 2) 4)");
    expect_shape("f(x) / 2 / 4", "(/ (/ (call f x) 2) 4)");
    expect_shape("x matches /^A$/", "(matches x /^A$/)");
    expect_shape("x matches /^A$/ and y / 2 / 3 > 1", "(and (matches x /^A$/) (> (/ (/ y 2) 3) 1))");
    expect_shape("x matches /a\\/b/", "(matches x /a\\/b/)");
    expect_shape("x matches /^#[0-9]{2}$/", "(matches x /^#[0-9]{2}$/)");

    cr_expr *e;
    parsed *p = parse_let("/^[0-9A-H]{2}$/", &e);
    assert_true(p->ok);
    assert_int_equal(e->kind, E_REGEX);
    assert_int_equal(e->u.str.len, 13);
    assert_memory_equal(e->u.str.s, "^[0-9A-H]{2}$", 13);
    assert_int_equal(e->span.start, 17);
    assert_int_equal(e->span.end, 32);
    parsed_free(p);

    /* the division's '/' keeps its place after the give-back */
    p = parse_let("a / b / c", &e);
    assert_true(p->ok);
    assert_int_equal(e->u.bin.a->u.bin.b->span.start, 21); /* 'b' */
    assert_int_equal(e->u.bin.b->span.start, 25);          /* 'c' */
    parsed_free(p);
}

static void test_lex_comments(void **state)
{
    (void)state;
    parsed *p = parse_ok("# a policy\n"
                         "policy t   # the header\n"
                         "# a whole line / with slashes /\n"
                         "let a = 1  # trailing, a / b / c\n"
                         "let b = a / 2 # ratio\n");
    assert_int_equal(count_items(p->ast), 2);
    sbuf b;
    assert_string_equal(sexp(item_at(p->ast, 0)->expr, &b), "1");
    assert_string_equal(sexp(item_at(p->ast, 1)->expr, &b), "(/ a 2)");
    parsed_free(p);
}

static void test_lex_unexpected_character(void **state)
{
    (void)state;
    parsed *p = parse_src("policy t\nlet a = 1 @ 2\n");
    assert_false(p->ok);
    expect_diag(&p->d, CR_SEV_ERROR, 2, 11, "unexpected character '@'");
    parsed_free(p);

    p = parse_src("policy t\nlet a = 1\nlet b = $\n");
    assert_false(p->ok);
    expect_diag(&p->d, CR_SEV_ERROR, 3, 9, "unexpected character '$'");
    parsed_free(p);

    /* bytes that are not UTF-8 after a name that is not ASCII ('é'):
     * one error for the run, and the column counts characters */
    p = parse_src("policy t\nlet \xc3\xa9 = 1 \xff\xfe\n");
    assert_int_equal(p->d.errors, 1);
    expect_diag(&p->d, CR_SEV_ERROR, 2, 11, "invalid UTF-8 (byte 0xff): a policy is UTF-8 text");
    parsed_free(p);

    /* a NUL byte inside the source */
    p = parse_n("policy t\nlet a = \0 1\n", 21);
    assert_false(p->ok);
    expect_diag(&p->d, CR_SEV_ERROR, 2, 9, "unexpected byte 0x00");
    parsed_free(p);
}

/* ------------------------------------------------------------------ */
/* parser: expressions                                                 */
/* ------------------------------------------------------------------ */

static void test_parse_precedence(void **state)
{
    (void)state;
    expect_shape("a + b * c", "(+ a (* b c))");
    expect_shape("a * b + c", "(+ (* a b) c)");
    expect_shape("a - b - c", "(- (- a b) c)");
    expect_shape("a / b * c % d", "(% (* (/ a b) c) d)");
    expect_shape("(a + b) * c", "(* (+ a b) c)");
    expect_shape("not a and b", "(and (not a) b)");
    expect_shape("not a == b", "(not (== a b))");
    expect_shape("a or b and c", "(or a (and b c))");
    expect_shape("a and b or c and d", "(or (and a b) (and c d))");
    expect_shape("a or b or c", "(or (or a b) c)");
    expect_shape("x ?? 0 + 1", "(?? x (+ 0 1))");
    expect_shape("x ?? y ?? 0", "(?? x (?? y 0))");
    expect_shape("(x ?? 0) < 10000", "(< (?? x 0) 10000)");
    expect_shape("x ?? 0 < 10000", "(< (?? x 0) 10000)");
    expect_shape("a + b >= c * 2 and d != e", "(and (>= (+ a b) (* c 2)) (!= d e))");
    expect_shape("-x * y", "(* (neg x) y)");
    expect_shape("-(5)", "(neg 5)");
    expect_shape("- 5 * 2", "(* -5 2)");
    expect_shape("1 - -2", "(- 1 -2)");
    expect_shape("x in {\"A\", \"B\"}", "(in x {\"A\" \"B\"})");
    expect_shape("x not in [1, 2] or y", "(or (not-in x [1 2]) y)");
    expect_shape("not (x in s)", "(not (in x s))");
    expect_shape("x is null", "(is-null x)");
    expect_shape("x is not null and x > 5", "(and (is-not-null x) (> x 5))");
    expect_shape("a.b.c is null or d", "(or (is-null (. (. a b) c)) d)");
    expect_shape("today >= 2026-01-01", "(>= today @2026-01-01)");
    expect_shape("true and false or null == x", "(or (and true false) (== null x))");
}

static void test_parse_compound_expressions(void **state)
{
    (void)state;
    expect_shape("if a then 1 else 2", "(if a 1 2)");
    expect_shape("if a then 1 else 2 + 3", "(if a 1 (+ 2 3))");
    expect_shape("if a then 1 else if b then 2 else 3", "(if a 1 (if b 2 3))");
    expect_shape("(if a then 1 else 2) + 3", "(+ (if a 1 2) 3)");
    expect_shape("count x in xs where x > 1", "(count x xs (> x 1))");
    expect_shape("any l in loans where l.days > 30 and l.amount > 0",
                 "(any l loans (and (> (. l days) 30) (> (. l amount) 0)))");
    expect_shape("all s in sales where s > 0", "(all s sales (> s 0))");
    expect_shape("[x * 2 for x in xs]", "(comp (* x 2) x xs)");
    expect_shape("[x * 2 for x in xs where x > 0]", "(comp (* x 2) x xs where (> x 0))");
    expect_shape("[1, 2, 3]", "[1 2 3]");
    expect_shape("[]", "[]");
    expect_shape("xs[0..2]", "(slice xs 0 2)");
    expect_shape("xs[-3..-1]", "(slice xs -3 -1)");
    expect_shape("sum(xs[0..2]) * 2", "(* (call sum (slice xs 0 2)) 2)");
    expect_shape("xs[1]", "(index xs 1)");
    expect_shape("xs[-1]", "(index xs -1)");
    expect_shape("xs[i + 1]", "(index xs (+ i 1))");
    expect_shape("score.lowest(3)", "(method score lowest 3)");
    expect_shape("score.credit_score", "(. score credit_score)");
    expect_shape("admission.reasons", "admission.reasons");
    expect_shape("admission.rejected or admission.referred", "(or admission.rejected admission.referred)");
    expect_shape("round(x, 2)", "(call round x 2)");
    expect_shape("now()", "(call now)");
    expect_shape("count(xs) + 1", "(+ (call count xs) 1)");
    expect_shape("min(a, max(b, c))", "(call min a (call max b c))");
    expect_shape("app.addr.city", "(. (. app addr) city)");
    expect_shape("loans[0].amount", "(. (index loans 0) amount)");
    expect_shape("uscc matches USCC_FORMAT", "(matches uscc USCC_FORMAT)");
}

static void test_parse_spans(void **state)
{
    (void)state;
    cr_expr *e;
    /* "policy t\nlet a = " is 17 bytes */
    parsed *p = parse_let("alpha + beta * 10", &e);
    assert_true(p->ok);
    assert_int_equal(e->span.start, 17);
    assert_int_equal(e->span.end, 34);
    assert_int_equal(e->u.bin.b->span.start, 25); /* beta * 10 */
    assert_int_equal(e->u.bin.b->span.end, 34);
    parsed_free(p);

    p = parse_let("f(x, y)", &e);
    assert_true(p->ok);
    assert_int_equal(e->kind, E_CALL);
    assert_int_equal(e->u.call.name_span.start, 17);
    assert_int_equal(e->u.call.name_span.end, 18);
    assert_int_equal(e->span.end, 24);
    parsed_free(p);
}

/* ------------------------------------------------------------------ */
/* parser: items                                                       */
/* ------------------------------------------------------------------ */

static void test_parse_header_and_input(void **state)
{
    (void)state;
    parsed *p = parse_ok("policy p \"A title\" version \"1.2\" effective 2026-12-01 owner \"risk\"\n"
                         "input app {\n"
                         "  age: int\n"
                         "  addr: { city: text, zip: text? }?\n"
                         "  loans: list of { amount: money, days: int }\n"
                         "  col: money?\n"
                         "  tags: list of text\n"
                         "}\n");
    cr_policy_ast *a = p->ast;
    assert_string_equal(a->name, "p");
    assert_string_equal(a->title, "A title");
    assert_string_equal(a->version, "1.2");
    assert_string_equal(a->owner, "risk");
    assert_true(a->has_effective);
    assert_true(a->effective == cr_days_from_civil(2026, 12, 1));
    assert_int_equal(count_items(a), 1);

    cr_item *in = item_at(a, 0);
    assert_int_equal(in->kind, I_INPUT);
    assert_string_equal(in->name, "app");
    assert_non_null(in->type);
    assert_int_equal(in->type->kind, TE_RECORD);

    cr_field_decl *f = in->type->fields;
    assert_non_null(f);
    assert_string_equal(f->name, "age");
    assert_int_equal(f->type->kind, TE_NAME);
    assert_string_equal(f->type->name, "int");
    assert_false(f->type->optional);

    f = f->next;
    assert_string_equal(f->name, "addr");
    assert_int_equal(f->type->kind, TE_RECORD);
    assert_true(f->type->optional);
    cr_field_decl *g = f->type->fields;
    assert_string_equal(g->name, "city");
    assert_string_equal(g->type->name, "text");
    assert_false(g->type->optional);
    assert_string_equal(g->next->name, "zip");
    assert_string_equal(g->next->type->name, "text");
    assert_true(g->next->type->optional);
    assert_null(g->next->next);

    f = f->next;
    assert_string_equal(f->name, "loans");
    assert_int_equal(f->type->kind, TE_LIST);
    assert_false(f->type->optional);
    assert_int_equal(f->type->elem->kind, TE_RECORD);
    g = f->type->elem->fields;
    assert_string_equal(g->name, "amount");
    assert_string_equal(g->type->name, "money");
    assert_string_equal(g->next->name, "days");
    assert_string_equal(g->next->type->name, "int");
    assert_null(g->next->next);

    f = f->next;
    assert_string_equal(f->name, "col");
    assert_string_equal(f->type->name, "money");
    assert_true(f->type->optional);

    f = f->next;
    assert_string_equal(f->name, "tags");
    assert_int_equal(f->type->kind, TE_LIST);
    assert_int_equal(f->type->elem->kind, TE_NAME);
    assert_string_equal(f->type->elem->name, "text");
    assert_null(f->next);
    parsed_free(p);
}

static void test_parse_items(void **state)
{
    (void)state;
    parsed *p = parse_ok("policy p\n"
                         "const LIMIT = 5\n"
                         "let dti = debt / income\n"
                         "total = dti * 2\n"
                         "admission {\n"
                         "  reject AGE \"too young\" when age < 18\n"
                         "  refer  THIN when col is null\n"
                         "}\n"
                         "refer LATE when days > 30\n"
                         "reject SOLO \"alone\" when x\n"
                         "fn ratio(a: number, b: number?) -> number = a / (b ?? 1)\n"
                         "fn one() -> int = 1\n"
                         "decide {\n"
                         "  reject admission.reasons when admission.rejected\n"
                         "  refer LOW, score.lowest(2) when limit < 10000\n"
                         "  approve\n"
                         "}\n");
    static const cr_item_kind kinds[] = {I_CONST, I_LET, I_RESULT, I_ADMISSION, I_RULE, I_RULE, I_FN, I_FN, I_DECIDE};
    assert_int_equal(count_items(p->ast), sizeof kinds / sizeof kinds[0]);
    for (unsigned i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        assert_int_equal(item_at(p->ast, i)->kind, kinds[i]);
    sbuf b;

    cr_item *it = item_at(p->ast, 0);
    assert_string_equal(it->name, "LIMIT");
    assert_string_equal(sexp(it->expr, &b), "5");
    it = item_at(p->ast, 1);
    assert_string_equal(it->name, "dti");
    assert_string_equal(sexp(it->expr, &b), "(/ debt income)");
    assert_int_equal(it->name_span.start, 29);
    it = item_at(p->ast, 2);
    assert_string_equal(it->name, "total");
    assert_string_equal(sexp(it->expr, &b), "(* dti 2)");

    /* admission: two rules, with and without a description */
    it = item_at(p->ast, 3);
    cr_rule_decl *r = it->rules;
    assert_non_null(r);
    assert_int_equal(r->kind, RULE_REJECT);
    assert_string_equal(r->code, "AGE");
    assert_string_equal(r->desc, "too young");
    assert_string_equal(sexp(r->cond, &b), "(< age 18)");
    r = r->next;
    assert_non_null(r);
    assert_int_equal(r->kind, RULE_REFER);
    assert_string_equal(r->code, "THIN");
    assert_null(r->desc);
    assert_string_equal(sexp(r->cond, &b), "(is-null col)");
    assert_null(r->next);

    /* top-level rules */
    it = item_at(p->ast, 4);
    assert_int_equal(it->rules->kind, RULE_REFER);
    assert_string_equal(it->rules->code, "LATE");
    assert_null(it->rules->desc);
    assert_string_equal(sexp(it->rules->cond, &b), "(> days 30)");
    it = item_at(p->ast, 5);
    assert_int_equal(it->rules->kind, RULE_REJECT);
    assert_string_equal(it->rules->code, "SOLO");
    assert_string_equal(it->rules->desc, "alone");

    /* functions */
    it = item_at(p->ast, 6);
    assert_string_equal(it->name, "ratio");
    cr_param *pa = it->params;
    assert_string_equal(pa->name, "a");
    assert_string_equal(pa->type->name, "number");
    assert_false(pa->type->optional);
    assert_string_equal(pa->next->name, "b");
    assert_true(pa->next->type->optional);
    assert_null(pa->next->next);
    assert_string_equal(it->type->name, "number");
    assert_string_equal(sexp(it->expr, &b), "(/ a (?? b 1))");
    it = item_at(p->ast, 7);
    assert_string_equal(it->name, "one");
    assert_null(it->params);
    assert_string_equal(it->type->name, "int");

    /* decide rows */
    it = item_at(p->ast, 8);
    cr_decide_row *d = it->decide;
    assert_int_equal(d->outcome, OUT_REJECT);
    assert_int_equal(d->reasons.count, 1);
    assert_string_equal(sexp(d->reasons.items[0], &b), "admission.reasons");
    assert_string_equal(sexp(d->cond, &b), "admission.rejected");
    d = d->next;
    assert_int_equal(d->outcome, OUT_REFER);
    assert_int_equal(d->reasons.count, 2);
    assert_string_equal(sexp(d->reasons.items[0], &b), "LOW");
    assert_string_equal(sexp(d->reasons.items[1], &b), "(method score lowest 2)");
    assert_string_equal(sexp(d->cond, &b), "(< limit 10000)");
    d = d->next;
    assert_int_equal(d->outcome, OUT_APPROVE);
    assert_int_equal(d->reasons.count, 0);
    assert_null(d->cond);
    assert_null(d->next);
    parsed_free(p);
}

static void test_parse_scorecard(void **state)
{
    (void)state;
    parsed *p = parse_ok("policy p\n"
                         "scorecard score base 600 {\n"
                         "  credit_score as CS: < 600 -> -40 | 600..699 -> 10 | >= 700 -> 55\n"
                         "  grade: {\"A\", \"B\"} -> 5 | \"C\" -> 0 | else -> -10\n"
                         "  flag: true -> 3 | false -> -3\n"
                         "  dti: <= 0.2 -> 20 | > 0.2 -> (0 - 5) | != 1 -> 0.5\n"
                         "}\n");
    cr_item *it = item_at(p->ast, 0);
    assert_int_equal(it->kind, I_SCORECARD);
    assert_string_equal(it->name, "score");
    sbuf b;
    assert_string_equal(sexp(it->base, &b), "600");

    static const struct { const char *name, *code; const char *bins[3]; } want[] = {
        {"credit_score", "CS", {"<600 -> -40", "[600..699] -> 10", ">=700 -> 55"}},
        {"grade", NULL, {"{\"A\" \"B\"} -> 5", "\"C\" -> 0", "_ -> -10"}},
        {"flag", NULL, {"true -> 3", "false -> -3", NULL}},
        {"dti", NULL, {"<=0.2 -> 20", ">0.2 -> (- 0 5)", "!=1 -> 0.5"}},
    };
    cr_charac *c = it->characs;
    for (unsigned i = 0; i < 4; i++, c = c->next) {
        assert_non_null(c);
        assert_string_equal(c->name, want[i].name);
        if (want[i].code)
            assert_string_equal(c->code, want[i].code);
        else
            assert_null(c->code);
        assert_non_null(c->ref);
        assert_int_equal(c->ref->kind, E_NAME);
        cr_bin *bn = c->bins;
        for (unsigned k = 0; k < 3 && want[i].bins[k]; k++, bn = bn->next) {
            assert_non_null(bn);
            assert_string_equal(row_text(&b, &bn->cell, 1, bn->points), want[i].bins[k]);
        }
        assert_null(bn);
    }
    assert_null(c);
    parsed_free(p);
}

static void test_parse_segment(void **state)
{
    (void)state;
    parsed *p = parse_ok("policy p\n"
                         "segment tier {\n"
                         "  PRIME    when score >= 700 and grade == \"A\"\n"
                         "  STANDARD when score >= 650\n"
                         "  REFER    otherwise\n"
                         "}\n");
    cr_item *it = item_at(p->ast, 0);
    assert_int_equal(it->kind, I_SEGMENT);
    assert_string_equal(it->name, "tier");
    sbuf b;
    cr_seg_row *r = it->seg_rows;
    assert_string_equal(r->label, "PRIME");
    assert_string_equal(sexp(r->cond, &b), "(and (>= score 700) (== grade \"A\"))");
    r = r->next;
    assert_string_equal(r->label, "STANDARD");
    assert_string_equal(sexp(r->cond, &b), "(>= score 650)");
    r = r->next;
    assert_string_equal(r->label, "REFER");
    assert_null(r->cond);
    assert_null(r->next);
    parsed_free(p);
}

static void test_parse_table_rows(void **state)
{
    (void)state;
    parsed *p = parse_ok("policy p\n"
                         "table mult(tier, term) -> number hit unique {\n"
                         "  PRIME, <= 12 -> 0.30\n"
                         "  PRIME, 13..36 -> 0.25\n"
                         "  {A, B}, - -> x\n"
                         "  -, else -> 0\n"
                         "}\n"
                         "table fees(amount) -> money hit collect sum { > 1000 -> 10  > 5000 -> 20 }\n"
                         "table n(amount) -> int hit collect count { > 1 -> 1 }\n"
                         "table l(amount) -> text hit collect { > 1 -> \"a\" }\n"
                         "table f(amount) -> text hit first { else -> \"a\" }\n"
                         "table q(amount) -> text hit priority { else -> \"a\" }\n"
                         "table y(amount) -> text hit any { else -> null }\n"
                         "table m(amount) -> money hit collect max { else -> 1 }\n"
                         "table k(amount) -> money hit collect min { else -> 1 }\n");
    cr_item *it = item_at(p->ast, 0);
    assert_int_equal(it->kind, I_TABLE);
    assert_string_equal(it->name, "mult");
    assert_int_equal(it->hit, HIT_UNIQUE);
    assert_int_equal(it->inputs.count, 2);
    sbuf b;
    assert_string_equal(sexp(it->inputs.items[0], &b), "tier");
    assert_string_equal(sexp(it->inputs.items[1], &b), "term");
    assert_string_equal(it->type->name, "number");
    static const char *const rows[] = {
        "PRIME, <=12 -> 0.30", "PRIME, [13..36] -> 0.25", "{A B}, _ -> x", "_, _ -> 0",
    };
    cr_table_row *r = it->rows;
    for (unsigned i = 0; i < 4; i++, r = r->next) {
        assert_non_null(r);
        assert_int_equal(r->ncells, 2);
        assert_string_equal(row_text(&b, r->cells, r->ncells, r->out), rows[i]);
    }
    assert_null(r);

    static const struct { const char *name; cr_hit hit; cr_collect collect; } hits[] = {
        {"fees", HIT_COLLECT, COLLECT_SUM}, {"n", HIT_COLLECT, COLLECT_COUNT}, {"l", HIT_COLLECT, COLLECT_LIST},
        {"f", HIT_FIRST, COLLECT_LIST}, {"q", HIT_PRIORITY, COLLECT_LIST}, {"y", HIT_ANY, COLLECT_LIST},
        {"m", HIT_COLLECT, COLLECT_MAX}, {"k", HIT_COLLECT, COLLECT_MIN},
    };
    for (unsigned i = 0; i < sizeof hits / sizeof hits[0]; i++) {
        it = item_at(p->ast, i + 1);
        assert_string_equal(it->name, hits[i].name);
        assert_int_equal(it->hit, hits[i].hit);
        assert_int_equal(it->collect, hits[i].collect);
    }
    it = item_at(p->ast, 1);
    assert_non_null(it->rows);
    assert_non_null(it->rows->next);
    assert_string_equal(row_text(&b, it->rows->next->cells, 1, it->rows->next->out), ">5000 -> 20");
    parsed_free(p);
}

/* Ranges with their ends written, lists of tests, named outputs, a
 * default row and the two list hit policies. */
static void test_parse_table_forms(void **state)
{
    (void)state;
    parsed *p = parse_ok("policy p\n"
                         "table t(a, b.c) -> (limit: money, rate: rate) hit rule_order {\n"
                         "  [1..5), (0..1] -> 1, 2\n"
                         "  (1..5), [0..1] -> 3, 4\n"
                         "  {< 5, > 10, 7}, {\"A\", \"B\"} -> 5, 6\n"
                         "  default -> 0, 0\n"
                         "}\n"
                         "table u((a + 1)) -> int hit output_order { >= 3 -> 1 }\n");
    cr_item *it = item_at(p->ast, 0);
    assert_int_equal(it->hit, HIT_RULE_ORDER);
    assert_int_equal(it->type->kind, TE_RECORD);
    assert_true(it->type->outputs);
    sbuf b;
    assert_string_equal(sexp(it->inputs.items[1], &b), "(. b c)");
    static const char *const rows[] = {
        "[1..5), (0..1] -> 1", "(1..5), [0..1] -> 3", "any(<5 >10 7), {\"A\" \"B\"} -> 5",
    };
    cr_table_row *r = it->rows;
    for (unsigned i = 0; i < 3; i++, r = r->next) {
        assert_non_null(r);
        assert_int_equal(r->ncells, 2);
        assert_int_equal(r->outs.count, 2);
        assert_false(r->is_default);
        assert_string_equal(row_text(&b, r->cells, r->ncells, r->out), rows[i]);
    }
    assert_non_null(r);
    assert_true(r->is_default);
    assert_int_equal(r->ncells, 0);
    assert_int_equal(r->outs.count, 2);
    assert_null(r->next);
    it = item_at(p->ast, 1);
    assert_int_equal(it->hit, HIT_OUTPUT_ORDER);
    assert_string_equal(sexp(it->inputs.items[0], &b), "(+ a 1)");
    parsed_free(p);
}

static void test_parse_table_grid(void **state)
{
    (void)state;
    parsed *p = parse_ok("policy p\n"
                         "table premium(tier, term) -> rate {\n"
                         "         | <= 12 | <= 24 | else\n"
                         "  PRIME   | 0.80  | 1.10  | 1.40\n"
                         "  STD     | 1.60  | 1.90  | 2.30\n"
                         "  -       | 3     | 4     | (x + 1)\n"
                         "}\n");
    cr_item *it = item_at(p->ast, 0);
    assert_int_equal(it->kind, I_TABLE);
    assert_int_equal(it->hit, HIT_FIRST);
    assert_int_equal(it->inputs.count, 2);
    static const char *const rows[] = {
        "PRIME, <=12 -> 0.80", "PRIME, <=24 -> 1.10", "PRIME, _ -> 1.40",
        "STD, <=12 -> 1.60",   "STD, <=24 -> 1.90",   "STD, _ -> 2.30",
        "_, <=12 -> 3",        "_, <=24 -> 4",        "_, _ -> (+ x 1)",
    };
    sbuf b;
    unsigned n = 0;
    for (cr_table_row *r = it->rows; r; r = r->next, n++) {
        assert_true(n < 9);
        assert_int_equal(r->ncells, 2);
        assert_string_equal(row_text(&b, r->cells, r->ncells, r->out), rows[n]);
    }
    assert_int_equal(n, 9);
    /* each spread row points at its own value, and remembers its row test */
    cr_table_row *r5 = it->rows->next->next->next->next; /* STD, <= 24 */
    uint32_t l, c;
    cr_source_linecol(p->src, p->len, r5->span.start, &l, &c);
    assert_int_equal(l, 5);
    assert_int_equal(c, 21);
    cr_source_linecol(p->src, p->len, r5->grid_row_span.start, &l, &c);
    assert_int_equal(l, 5);
    assert_int_equal(c, 3);
    parsed_free(p);
}

/* ------------------------------------------------------------------ */
/* parser: errors                                                      */
/* ------------------------------------------------------------------ */

typedef struct parse_error_case {
    const char *src;
    uint32_t line, col;
    const char *msg;
} parse_error_case;

static void test_parse_errors(void **state)
{
    (void)state;
    static const parse_error_case cases[] = {
        {"policy t\nlet x = 1 +\nlet y = 2\n", 3, 1, "unexpected let"},
        {"policy t\nlet = 5\n", 2, 5, "unexpected '=', expecting name"},
        {"let a = 1\n", 1, 1, "unexpected let, expecting policy"},
        {"", 1, 1, "unexpected end of file, expecting policy"},
        {"policy t\nlet r = a < b < c\n", 2, 15, "unexpected '<'"},
        {"policy t\nlet a = 1 @ 2\n", 2, 11, "unexpected invalid character"},
        {"policy t\nscorecard s bas 0 { }\n", 2, 13, "expected 'base' after the scorecard's name"},
        {"policy t\ntable t(a) -> int hot first { }\n", 2, 19, "expected 'hit' and a hit policy after the table's type"},
        {"policy t\ntable t(a) -> int hit sometimes { }\n", 2, 23,
         "unknown hit policy 'sometimes' (first, unique, priority, any, collect, rule_order or output_order)"},
        {"policy t\ntable t(a) -> int hit collect avg { }\n", 2, 31, "unknown collect aggregate 'avg' (sum, min, max or count)"},
        {"policy t\ntable t(a) -> int hit first max { }\n", 2, 29, "only 'hit collect' takes an aggregate"},
        {"policy t\ntable t(a, b) -> int {\n    | 1 | 2 | 3\n  X | 1 | 2\n}\n", 4, 3,
         "this grid row has 2 values but the header has 3 columns"},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parsed *p = parse_src(cases[i].src);
        if (p->ok)
            fail_msg("case %u parses:\n%s", i, cases[i].src);
        assert_true(p->d.errors > 0);
        expect_diag(&p->d, CR_SEV_ERROR, cases[i].line, cases[i].col, cases[i].msg);
        expect_spans_in_source(&p->d);
        parsed_free(p);
    }
}

static void test_parse_error_recovery(void **state)
{
    (void)state;
    /* one run reports each of several independent syntax errors */
    parsed *p = parse_src("policy t\n"
                          "let a = 1 +\n"
                          "let b = 2\n"
                          "let c = * 3\n"
                          "let d = 4\n"
                          "let e = )\n");
    assert_false(p->ok);
    assert_int_equal(p->d.errors, 3);
    expect_diag(&p->d, CR_SEV_ERROR, 3, 1, "unexpected let");
    expect_diag(&p->d, CR_SEV_ERROR, 4, 9, "unexpected '*'");
    expect_diag(&p->d, CR_SEV_ERROR, 6, 9, "unexpected ')'");
    parsed_free(p);
}

/* A small policy with every kind of item, for the robustness tests. */
static const char small_policy[] =
    "policy small \"every item\" version \"1\" effective 2026-01-01 owner \"me\"\n"
    "input app {\n"
    "  age: int\n"
    "  grade: text\n"
    "  income: money\n"
    "  col: money?\n"
    "  sales: list of money\n"
    "  id: text\n"
    "}\n"
    "const SET = {\"C\", \"D\"}\n"
    "const RE = /^[A-Z]{2}[0-9]+$/\n"
    "let q = sum(sales[0..2]) / 3\n"
    "fn half(x: number) -> number = x / 2\n"
    "admission {\n"
    "  reject AGE \"too young\" when age < 18\n"
    "  reject GRADE when grade in SET or not (id matches RE)\n"
    "  refer THIN when (col ?? 0) < 100 and (count s in sales where s > 0) > 1\n"
    "}\n"
    "scorecard score base 600 {\n"
    "  age: < 30 -> -10 | 30..50 -> 10 | else -> 5\n"
    "  grade as GR: \"A\" -> 20 | {\"B\", \"M\"} -> 0 | else -> -20\n"
    "}\n"
    "segment tier {\n"
    "  PRIME when score >= 620\n"
    "  REST otherwise\n"
    "}\n"
    "table rate(tier, age) -> rate {\n"
    "        | < 40 | else\n"
    "  PRIME | 1.5  | 2\n"
    "  REST  | 3    | 4\n"
    "}\n"
    "limit = floor_to(min(half(income) * 2, q, 30000), 100)\n"
    "price = rate\n"
    "decide {\n"
    "  reject admission.reasons when admission.rejected\n"
    "  refer LOW, score.lowest(1) when limit < 1000 or tier == REST\n"
    "  approve\n"
    "}\n";

/* Compiles n bytes; the outcome and the diagnostics must agree. */
static bool compile_consistent(const char *src, size_t n)
{
    cr_diags d;
    cr_diags_init(&d, "fuzz.credo", src, n);
    cr_program *P = cr_compile("fuzz.credo", src, n, &d);
    if (P && d.errors != 0)
        fail_msg("a program was returned with %u errors for:\n%.*s", d.errors, (int)n, src);
    if (!P && d.errors == 0)
        fail_msg("no program and no error for:\n%.*s", (int)n, src);
    expect_spans_in_source(&d);
    bool ok = P != NULL;
    cr_program_free(P);
    cr_diags_free(&d);
    return ok;
}

static void test_parse_every_prefix(void **state)
{
    (void)state;
    size_t len = sizeof small_policy - 1;
    assert_true(compile_consistent(small_policy, len));
    unsigned failed = 0, passed = 0;
    for (size_t n = 0; n < len; n++) {
        /* a copy of exactly n bytes, so the sanitizers see reads past it */
        char *buf = malloc(n ? n : 1);
        assert_non_null(buf);
        memcpy(buf, small_policy, n);
        if (compile_consistent(buf, n))
            passed++;
        else
            failed++;
        free(buf);
    }
    /* most prefixes cut an item short; the header alone and the prefixes
     * ending between items compile */
    assert_true(failed > len / 2);
    assert_true(passed >= 2);
}

static void test_parse_garbled(void **state)
{
    (void)state;
    size_t len = sizeof small_policy - 1;
    static const char subst[] = {'(', ')', '"', '/', '{', '}', '|', '#', '\n', '\0', '-', '?', 'x', '.', ',', (char)0xff};
    char *buf = malloc(len);
    assert_non_null(buf);
    unsigned bad = 0;
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < sizeof subst; k++) {
            if (small_policy[i] == subst[k])
                continue;
            memcpy(buf, small_policy, len);
            buf[i] = subst[k];
            if (!compile_consistent(buf, len))
                bad++;
        }
        /* and with that byte deleted */
        memcpy(buf, small_policy, i);
        memcpy(buf + i, small_policy + i + 1, len - i - 1);
        if (!compile_consistent(buf, len - 1))
            bad++;
    }
    free(buf);
    assert_true(bad > len);

    static const char *const garbage[] = {
        "policy", "policy t {", "}}}}", "policy t\ninput {", "policy t\nlet a = ((((((", "policy t\n|||||",
        "policy t\ntable t( -> {", "policy t\nscorecard s base 1 { a: | | }", "policy t\ndecide { refer , , }",
        "policy t\nsegment s { A when }", "policy t\nadmission { reject }", "\"\"\"\"", "////////", "policy t\nlet a = /",
        "policy t\nfn f( -> = 1", "policy t\nlet a = [x for in]", "policy t\nlet a = 1..2",
    };
    for (unsigned i = 0; i < sizeof garbage / sizeof garbage[0]; i++)
        assert_false(compile_consistent(garbage[i], strlen(garbage[i])));
}

static char *repeat(const char *head, const char *unit, unsigned n, const char *tail)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char *s = malloc(hl + ul * n + tl + 1);
    assert_non_null(s);
    memcpy(s, head, hl);
    for (unsigned i = 0; i < n; i++)
        memcpy(s + hl + ul * i, unit, ul);
    memcpy(s + hl + ul * n, tail, tl + 1);
    return s;
}

static void test_parse_deep_nesting(void **state)
{
    (void)state;
    /* nesting past the parser's stack (200,000) is an error, not a crash */
    char *s = repeat("policy t\nlet a = ", "(", 300000, "1");
    parsed *p = parse_src(s);
    assert_false(p->ok);
    assert_true(p->d.errors > 0);
    expect_spans_in_source(&p->d);
    parsed_free(p);
    free(s);

    s = repeat("policy t\nlet a = ", "not ", 300000, "true");
    p = parse_src(s);
    assert_false(p->ok);
    assert_true(p->d.errors > 0);
    parsed_free(p);
    free(s);

    /* a long left-associative chain is no deeper for the parser */
    s = repeat("policy t\nlet a = 1", " + 1", 20000, "\n");
    p = parse_src(s);
    assert_true(p->ok);
    cr_expr *e = p->ast->items->expr;
    unsigned depth = 0;
    while (e->kind == E_BINARY) {
        depth++;
        e = e->u.bin.a;
    }
    assert_int_equal(depth, 20000);
    parsed_free(p);
    free(s);

    /* and a moderately long one compiles */
    s = repeat("policy t\nr = 1", " + 1", 500, "\n");
    cr_diags d;
    cr_program *P = compile_src(s, &d);
    assert_non_null(P);
    cr_program_free(P);
    cr_diags_free(&d);
    free(s);
}

/* ------------------------------------------------------------------ */
/* sema                                                                */
/* ------------------------------------------------------------------ */

/* Ten lines; the case's own text starts on line 11. */
#define HDR                                   \
    "policy t\n"                              \
    "input app {\n"                           \
    "  age: int\n"                            \
    "  name: text\n"                          \
    "  income: money\n"                       \
    "  col: money?\n"                         \
    "  born: date\n"                          \
    "  sales: list of money\n"                \
    "  addr: { city: text, zip: text? }\n"    \
    "}\n"

typedef struct sema_case {
    const char *src;      /* after HDR */
    cr_severity sev;
    uint32_t line, col;
    const char *msg;
    uint32_t errors;      /* exactly this many errors in all */
} sema_case;

#define E CR_SEV_ERROR
#define W CR_SEV_WARNING

static const sema_case sema_cases[] = {
    /* names */
    {"r = incme + 1\n", E, 11, 5, "unknown name 'incme' (did you mean 'income'?)", 1},
    {"r = zzzzzz\n", E, 11, 5, "unknown name 'zzzzzz'", 1},
    {"let total = 1\nr = totl\n", E, 12, 5, "unknown name 'totl' (did you mean 'total'?)", 1},
    {"r = addr.cty\n", E, 11, 10, "unknown field 'cty' in record addr (did you mean 'city'?)", 1},
    {"r = addr.street\n", E, 11, 10, "unknown field 'street' in record addr", 1},
    {"r = app.agee\n", E, 11, 9, "unknown field 'agee' in record app (did you mean 'age'?)", 1},
    {"r = age.x\n", E, 11, 9, "int has no fields; '.x' cannot be used here", 1},
    {"let a = 1\nlet a = 2\nr = a\n", E, 12, 5, "'a' is already declared", 1},
    {"let age = 1\n", E, 11, 5, "'age' is already an input field", 1},
    {"fn f(a: int) -> int = a\nr = f + 1\n", E, 12, 5, "'f' is a function: call it with arguments", 1},
    /* types */
    {"r = age > \"65\"\n", E, 11, 5, "cannot compare int with text", 1},
    {"r = born < 5\n", E, 11, 5, "cannot compare date with int", 1},
    {"r = (age > 1) < true\n", E, 11, 5, "cannot compare bool with bool", 1},
    {"r = name * 2\n", E, 11, 5, "'*' needs a number, but this is text", 1},
    {"r = 1 + name\n", E, 11, 9, "'+' needs a number, but this is text", 1},
    {"r = -name\n", E, 11, 6, "'-' needs a number, but this is text", 1},
    {"r = not age\n", E, 11, 9, "'not' must be true or false, but this is int", 1},
    {"r = age and true\n", E, 11, 5, "'and' must be true or false, but this is int", 1},
    {"r = null + 1\n", E, 11, 5, "null cannot be used here", 1},
    {"r = if age > 1 then 1 else \"x\"\n", E, 11, 5, "the branches of this 'if' differ: int and text", 1},
    {"r = if age then 1 else 2\n", E, 11, 8, "an 'if' condition must be true or false, but this is int", 1},
    {"r = [1, \"a\"]\n", E, 11, 9, "a list's items must have one type: int, then text", 1},
    {"r = age[0]\n", E, 11, 5, "only lists can be indexed, but this is int", 1},
    {"r = sales[\"a\"]\n", E, 11, 11, "a list position must be an int, but this is text", 1},
    {"r = sales[0..\"x\"]\n", E, 11, 14, "a slice's end must be an int, but this is text", 1},
    {"r = sales[1.5..2]\n", E, 11, 11, "a slice's start must be an int, but this is number", 1},
    {"r = name[0..1]\n", E, 11, 5, "only lists can be sliced, but this is text", 1},
    {"r = count x in age where x > 1\n", E, 11, 16, "expected a list to go through, but this is int", 1},
    {"r = count s in sales where s\n", E, 11, 28, "the 'where' condition must be true or false, but this is money", 1},
    {"r = admission.foo\n", E, 11, 5, "admission has reasons, rejections, referrals, rejected and referred, not 'foo'", 1},
    {"r = age in 5\n", E, 11, 12, "'in' needs a set or a list on its right, but this is int", 1},
    {"r = age in {\"a\"}\n", E, 11, 13, "text cannot be in a set that is compared with int", 1},
    {"r = name in sales\n", E, 11, 5, "text cannot be in list of money", 1},
    {"r = col ?? \"x\"\n", E, 11, 5, "the default after '?\?' is text, but the value is money?", 1},
    {"table t(age) -> foo hit first { else -> 1 }\nr = t\n", E, 11, 17,
     "unknown type 'foo' (int, number, money, rate, bool, text, date, list of T, a record { ... } or a segment's name)", 1},
    /* null safety */
    {"r = col > 5\n", E, 11, 5,
     "'col' may be null (it is money?): guard it with 'is not null' or give a default with '?\?'", 1},
    {"r = addr.zip == \"1\"\n", E, 11, 5,
     "'addr.zip' may be null (it is text?): guard it with 'is not null' or give a default with '?\?'", 1},
    {"r = col > 5 and col is not null\n", E, 11, 5,
     "'col' may be null (it is money?): guard it with 'is not null' or give a default with '?\?'", 1},
    {"r = col is null and col > 5\n", E, 11, 21,
     "'col' may be null (it is money?): guard it with 'is not null' or give a default with '?\?'", 1},
    {"r1 = col is not null and col > 5\nr2 = col * 2\n", E, 12, 6,
     "'col' may be null (it is money?): guard it with 'is not null' or give a default with '?\?'", 1},
    {"r = round(col, 2)\n", E, 11, 11,
     "'col' may be null (it is money?): guard it with 'is not null' or give a default with '?\?'", 1},
    {"r = (if age > 1 then col else 0) + 1\n", E, 11, 6,
     "this value may be null (it is money?): guard it with 'is not null' or give a default with '?\?'", 1},
    /* lets and consts */
    {"let a = b + 1\nlet b = a * 2\nr = a\n", E, 12, 9, "'a' depends on itself", 1},
    {"let c = c + 1\nr = c\n", E, 11, 9, "'c' depends on itself", 1},
    {"const C = age + 1\nr = C\n", E, 11, 11, "a const must be computed from values written out; use 'let' for 'C'", 1},
    {"const T = today\nr = T\n", E, 11, 11, "a const must be computed from values written out; use 'let' for 'T'", 1},
    /* built-in and own functions */
    {"r = round(income)\n", E, 11, 5, "round takes 2 arguments, 1 given", 1},
    {"r = min()\n", E, 11, 5, "min takes 1 to 255 arguments, 0 given", 1},
    {"r = len(name, name)\n", E, 11, 5, "len takes 1 argument, 2 given", 1},
    {"r = round(name, 2)\n", E, 11, 11, "argument 1 of round must be a number, but this is text", 1},
    {"r = round(income, 1.5)\n", E, 11, 19, "argument 2 of round must be an int, but this is number", 1},
    {"r = sum(age)\n", E, 11, 9, "argument 1 of sum must be a list of numbers, but this is int", 1},
    {"r = days_between(born, 5)\n", E, 11, 24, "argument 2 of days_between must be a date, but this is int", 1},
    {"r = upper(age)\n", E, 11, 11, "argument 1 of upper must be text, but this is int", 1},
    {"r = len(age)\n", E, 11, 9, "argument 1 of len must be text or a list, but this is int", 1},
    {"r = count(age)\n", E, 11, 11, "argument 1 of count must be a list, but this is int", 1},
    {"r = frobnicate(1)\n", E, 11, 5, "unknown function 'frobnicate'", 1},
    {"fn f(a: int, b: int) -> int = a + b\nr = f(1)\n", E, 12, 5, "f takes 2 arguments, 1 given", 1},
    {"fn f(a: int) -> int = a\nr = f(\"x\")\n", E, 12, 7, "argument 'a' of f is int, but this is text", 1},
    {"fn f(a: int) -> int = \"x\"\nr = f(1)\n", E, 11, 23, "function f returns int, but its body gives text", 1},
    {"fn f(a: int, a: int) -> int = a\nr = f(1, 2)\n", E, 11, 14, "parameter 'a' is declared twice", 1},
    {"fn f(n: int) -> int = if n <= 0 then 0 else f(n - 1)\nr = f(3)\n", E, 11, 4,
     "function f calls itself; credo has no recursion", 1},
    {"fn f(n: int) -> int = g(n)\nfn g(n: int) -> int = f(n)\nr = f(1)\n", E, 12, 4,
     "function g calls itself; credo has no recursion", 2},
    /* rules, regexes, decide */
    {"reject Too_young when age < 18\n", E, 11, 8, "rule code 'Too_young' must be written in capitals, like AGE or DTI_HIGH", 1},
    {"admission {\n  refer low when age < 18\n}\n", E, 12, 9, "rule code 'low' must be written in capitals, like AGE or DTI_HIGH", 1},
    {"reject AGE when age\n", E, 11, 17, "a rule's condition must be true or false, but this is int", 1},
    {"reject BAD when name matches /a(b/\n", E, 11, 34, "invalid regular expression: missing closing parenthesis", 1},
    {"reject BAD when name matches /a**b/\n", E, 11, 33,
     "invalid regular expression: quantifier does not follow a repeatable item", 1},
    {"const RE = /x[/\nreject BAD when name matches RE\n", E, 11, 15,
     "invalid regular expression: missing terminating ] for character class", 1},
    {"reject BAD when name matches \"abc\"\n", E, 11, 30, "'matches' needs a regular expression /.../ (or a const holding one)", 1},
    {"reject BAD when age matches /a/\n", E, 11, 17, "'matches' needs text on its left, but this is int", 1},
    {"decide {\n  reject 5\n}\n", E, 12, 10, "a reason must be a CODE, text or a list of text, but this is int", 1},
    {"decide {\n  refer X when age\n}\n", E, 12, 16, "a decide condition must be true or false, but this is int", 1},
    {"decide { approve }\ndecide { approve }\n", E, 12, 1, "a policy has one decide block", 1},
    /* segments */
    {"segment tier {\n  A when age > 30\n  B when age > 20\n}\nr = tier\n", E, 11, 9,
     "segment tier has no 'otherwise' row: an applicant matching no row would get no segment", 1},
    {"segment tier {\n  PRIME when age > 30\n  REST otherwise\n}\nr = tier == PRIMO\n", E, 15, 13,
     "'PRIMO' is not a label of segment tier (PRIME, REST)", 1},
    {"segment tier {\n  PRIME when age > 30\n  REST otherwise\n}\nr = tier in {PRIME, RST}\n", E, 15, 21,
     "'RST' is not a label of segment tier (PRIME, REST)", 1},
    {"segment tier {\n  PRIME when age > 30\n  REST otherwise\n}\nr = tier < PRIME\n", E, 15, 5,
     "cannot compare tier label with tier label", 1},
    {"segment tier {\n  A when age > 30\n  A when age > 20\n  B otherwise\n}\n", E, 13, 3, "label A is used twice in segment tier", 1},
    {"segment tier {\n  A otherwise\n  B when age > 20\n}\n", E, 13, 3, "this row comes after 'otherwise' and can never be chosen", 1},
    {"segment tier {\n  A when age\n  B otherwise\n}\n", E, 12, 10, "a segment condition must be true or false, but this is int", 1},
    /* scorecards */
    {"scorecard s base 0 {\n  age: < 600 -> 1 | >= 650 -> 2\n}\n", E, 12, 3,
     "the bins of 'age' leave a gap: no bin catches values from 600; add a bin or 'else'", 1},
    {"scorecard s base 0 {\n  income: <= 600 -> 1 | > 650 -> 2\n}\n", E, 12, 3,
     "the bins of 'income' leave a gap: no bin catches values above 600; add a bin or 'else'", 1},
    {"scorecard s base 0 {\n  age: >= 0 -> 1\n}\n", E, 12, 3,
     "the bins of 'age' leave a gap: no bin catches the lowest values; add a bin or 'else'", 1},
    {"scorecard s base 0 {\n  name: \"A\" -> 1 | \"B\" -> 2\n}\n", E, 12, 3,
     "characteristic 'name' has no 'else' bin, so some values of it get no points", 1},
    {"scorecard s base 0 {\n  age: < 30 -> (1 + 1) | else -> 0\n}\n", E, 12, 17, "points must be a number written out", 1},
    {"scorecard s base age {\n  age: < 30 -> 1 | else -> 0\n}\n", E, 11, 18, "a scorecard's base must be a number written out", 1},
    {"scorecard s base 0 {\n  age: < 30 -> 1 | else -> 0\n  age: < 30 -> 1 | else -> 0\n}\n", E, 13, 3,
     "characteristic 'age' is already in this scorecard", 1},
    {"scorecard s base 0 {\n  born: else -> 1\n}\n", E, 12, 3,
     "a characteristic must be a number, text, bool or label, but 'born' is date", 1},
    {"scorecard s base 0 {\n  age: \"x\" -> 1 | else -> 0\n}\n", E, 12, 8, "text cannot be compared with int", 1},
    {"scorecard s base 0 {\n  name: < 5 -> 1 | else -> 0\n}\n", E, 12, 11, "int cannot be compared with text", 1},
    {"scorecard s base 0 {\n  age: < 30 -> 1 | else -> 0\n}\nr = s.foo\n", E, 14, 7, "scorecard s has no characteristic 'foo'", 1},
    {"scorecard s base 0 {\n  age: < 30 -> 1 | else -> 0\n}\nr = s.top(1)\n", E, 14, 7,
     "scorecards have two methods, lowest(k) and reasons(k), not 'top'", 1},
    {"scorecard s base 0 {\n  age: < 30 -> 1 | else -> 0\n}\nr = s.lowest()\n", E, 14, 5,
     "lowest takes 1 argument (how many reason codes), 0 given", 1},
    {"scorecard s base 0 {\n  age: < 30 -> 1 | else -> 0\n}\nr = s.lowest(\"x\")\n", E, 14, 14, "lowest needs an int, but this is text", 1},
    {"r = age.foo(1)\n", E, 11, 9, "unknown method 'foo'", 1},
    /* tables */
    {"table t(age, name) -> number hit first {\n  < 30, \"A\" -> 1\n  < 40 -> 2\n}\nr = t\n", E, 13, 3,
     "this row has 1 cells but table t has 2 inputs", 1},
    {"table t(age) -> number hit first {\n  < 30, 1 -> 1\n  else -> 2\n}\nr = t\n", E, 12, 3,
     "this row has 2 cells but table t has 1 inputs", 1},
    {"table t(age) -> number hit first { else -> \"x\" }\nr = t\n", E, 11, 44, "table t gives number, but this row gives text", 1},
    {"table t(age) -> text hit collect sum { else -> \"x\" }\nr = t\n", E, 11, 17,
     "'hit collect' with sum, min or max needs a numeric output, not text", 1},
    {"table t(age) -> text hit priority { else -> \"x\" }\nr = t\n", E, 11, 17,
     "'hit priority' needs an output in an order: numbers (the highest first), a segment's labels or one of {...} (the first declared first), not text", 1},
    {"table t(born) -> int hit first {\n  {1, 2} -> 1\n  else -> 0\n}\nr = t\n", E, 12, 7, "int cannot be compared with date", 2},
    {"table t(col) -> int hit first { else -> 1 }\nr = t\n", E, 11, 9,
     "'col' may be null (it is money?): give a row a 'null' cell for it", 1},
    {"table t(col) -> int hit first {\n  null -> 0\n  < 5 -> 1\n  else -> 2\n}\nr = t\n", W, 0, 0, NULL, 0},
    {"scorecard s base 1 {\n  col: < 5 -> 1 | else -> 2\n}\n", E, 12, 3,
     "'col' may be null (it is money?): give it a bin 'null -> points'", 1},
    {"table t(name) -> int hit first {\n  {\"A\"} -> 1\n  else -> 0\n}\nr = t\n", W, 0, 0, NULL, 0},
    /* warnings: the policy still compiles */
    {"table t(age) -> number hit unique {\n  < 30 -> 1\n  < 40 -> 2\n  else -> 3\n}\nr = t\n", W, 13, 3,
     "rows 1 and 2 of unique table t can both match one application", 0},
    {"table t(name) -> number hit unique {\n  \"A\" -> 1\n  {\"B\", \"A\"} -> 2\n}\nr = t\n", W, 13, 3,
     "rows 1 and 2 of unique table t can both match one application", 0},
    {"table t(age) -> number hit first {\n  < 40 -> 1\n  < 30 -> 2\n  else -> 3\n}\nr = t\n", W, 13, 3,
     "row 2 of table t can never match: row 1 matches everything it does", 0},
    {"table t(age, name) -> number hit first {\n  -, \"A\" -> 1\n  >= 18, \"A\" -> 2\n  else, else -> 3\n}\nr = t\n", W, 13, 3,
     "row 2 of table t can never match: row 1 matches everything it does", 0},
    {"scorecard s base 0 {\n  age: < 30 -> 1 | < 20 -> 2 | else -> 0\n}\n", W, 12, 20,
     "this bin can never match: an earlier bin of 'age' catches all its values", 0},
    {"scorecard s base 0 {\n  age: else -> 1 | < 30 -> 0\n}\n", W, 12, 20,
     "this bin can never match: an earlier 'else' catches everything", 0},
    {"decide {\n  approve\n  reject X when age > 1\n}\n", W, 13, 3, "this row can never be chosen: an earlier row has no condition", 0},
    {"let unused = 1\n", W, 11, 5, "let 'unused' is never used", 0},
    {"fn h(a: int) -> int = a\n", W, 11, 4, "function 'h' is never used", 0},
    {"r = age ?? 0\n", W, 11, 5, "this is never null, so the '?\?' default is never used", 0},
    {"r = age is null\n", W, 11, 5, "this is never null (it is int), so the test is always false", 0},
    {"r = name is not null\n", W, 11, 5, "this is never null (it is text), so the test is always true", 0},
};

#undef E
#undef W

static void run_sema_case(unsigned i, const sema_case *c)
{
    char src[4096];
    snprintf(src, sizeof src, "%s%s", HDR, c->src);
    cr_diags d;
    cr_program *P = compile_src(src, &d);
    if (d.errors != c->errors) {
        print_diags(&d);
        fail_msg("case %u: %u errors, want %u:\n%s", i, d.errors, c->errors, c->src);
    }
    if ((P != NULL) != (c->errors == 0))
        fail_msg("case %u: compiled = %d with %u errors", i, P != NULL, d.errors);
    if (c->msg) {
        if (!diag_at(&d, c->sev, c->line, c->col, c->msg)) {
            print_diags(&d);
            fail_msg("case %u: missing %s at %u:%u: %s\n%s", i, c->sev == CR_SEV_ERROR ? "error" : "warning",
                     c->line, c->col, c->msg, c->src);
        }
    } else if (d.count != 0) {
        print_diags(&d);
        fail_msg("case %u: want no diagnostics:\n%s", i, c->src);
    }
    expect_spans_in_source(&d);
    cr_program_free(P);
    cr_diags_free(&d);
}

static void test_sema_diagnostics(void **state)
{
    (void)state;
    for (unsigned i = 0; i < sizeof sema_cases / sizeof sema_cases[0]; i++)
        run_sema_case(i, &sema_cases[i]);
}

/* A NUL byte inside a regex: PCRE2 would take it as a literal, but a
 * .credoc could not hold the pattern (found by fuzzing the compiler, now
 * tests/fuzz/regressions/compile/crash-4cbea537...). */
static void test_sema_regex_nul(void **state)
{
    (void)state;
    static const char src[] = HDR "reject BAD when name matches /a\0b/\n";
    size_t len = sizeof src - 1;
    cr_diags d;
    cr_diags_init(&d, "test.credo", src, len);
    cr_program *P = cr_compile("test.credo", src, len, &d);
    assert_null(P);
    assert_int_equal(d.errors, 1);
    expect_diag(&d, CR_SEV_ERROR, 11, 32, "a NUL byte is not allowed in a regular expression (write \\x00 to match one)");
    cr_diags_free(&d);
}

/* Guards that make an optional value safe to use: all accepted, silently. */
static void test_sema_null_guards(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "r = col is not null and col > 5\n",
        "r = if col is null then 0 else col\n",
        "r = col ?? 0\n",
        "r = (col ?? 0) * 2\n",
        "r = not (col is null) and col > 1\n",
        "r = col is null or col > 5\n",
        "r = not (col is null or col < 5)\n",
        "r = if col is not null then col * 2 else 0\n",
        "r = if not (col is not null) then 0 else col + 1\n",
        "r = addr.zip is not null and addr.zip == \"1\"\n",
        "r = if addr.zip is null then \"\" else upper(addr.zip)\n",
        "reject SMALL when col is not null and col < 5000\n",
        "r = col is not null and age > 1 and col > 5\n",
        "segment s {\n  HAS when col is not null and col > 0\n  NONE otherwise\n}\n",
        "fn safe(x: money?) -> number = x ?? 0\nr = safe(col)\n",
        "r = count s in sales where s > (col ?? 0)\n",
    };
    for (unsigned i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char src[2048];
        snprintf(src, sizeof src, "%s%s", HDR, ok[i]);
        cr_diags d;
        cr_program *P = compile_src(src, &d);
        if (!P || d.count != 0) {
            print_diags(&d);
            fail_msg("guard %u is not accepted silently:\n%s", i, ok[i]);
        }
        cr_program_free(P);
        cr_diags_free(&d);
    }
}

/* Mistakes in the input block itself (no HDR). */
static void test_sema_input_block(void **state)
{
    (void)state;
    cr_diags d;
    cr_program *P = compile_src("policy t\ninput a {\n  x: int\n  x: text\n}\n", &d);
    assert_null(P);
    assert_int_equal(d.errors, 1);
    expect_diag(&d, CR_SEV_ERROR, 4, 3, "field 'x' is declared twice");
    cr_diags_free(&d);

    P = compile_src("policy t\ninput a { x: int }\ninput b { y: int }\n", &d);
    assert_null(P);
    assert_int_equal(d.errors, 1);
    expect_diag(&d, CR_SEV_ERROR, 3, 7, "a policy has one input block; 'a' is already declared");
    cr_diags_free(&d);

    P = compile_src("policy t\ninput a { x: integer }\n", &d);
    assert_null(P);
    expect_diag(&d, CR_SEV_ERROR, 2, 14,
                "unknown type 'integer' (int, number, money, rate, bool, text, date, list of T, a record { ... } or a segment's name)");
    cr_diags_free(&d);

    /* a segment's name is a type */
    P = compile_src("policy t\ninput a { x: int }\n"
                    "segment tier {\n  HI when x > 1\n  LO otherwise\n}\n"
                    "fn top(t: tier) -> bool = t == HI\n"
                    "r = top(tier)\n", &d);
    if (!P)
        print_diags(&d);
    assert_non_null(P);
    assert_int_equal(d.count, 0);
    cr_program_free(P);
    cr_diags_free(&d);
}

/* Diagnostics are all reported in one run, at their own places. */
static void test_sema_many_mistakes(void **state)
{
    (void)state;
    cr_diags d;
    size_t len;
    const char *path;
    char *src = read_project_file("tests/golden/check_three_mistakes.credo", &len, &path);
    cr_diags_init(&d, "x.credo", src, len);
    cr_program *P = cr_compile("x.credo", src, len, &d);
    assert_null(P);
    assert_int_equal(d.errors, 3);
    expect_diag(&d, CR_SEV_ERROR, 12, 22, "unknown name 'monthly_incom' (did you mean 'monthly_income'?)");
    expect_diag(&d, CR_SEV_ERROR, 13, 21, "cannot compare int with text");
    expect_diag(&d, CR_SEV_ERROR, 14, 25,
                "'collateral_value' may be null (it is money?): guard it with 'is not null' or give a default with '?\?'");
    cr_diags_free(&d);
    free(src);
}

/* What sema resolves names to. */
static void test_sema_resolution(void **state)
{
    (void)state;
    const char *src = HDR
        "segment tier {\n  PRIME when age > 30\n  REST otherwise\n}\n"
        "let double = income * 2\n"
        "r = [s for s in sales where tier == PRIME and double > s]\n";
    cr_diags d;
    cr_diags_init(&d, "t.credo", src, strlen(src));
    cr_arena arena;
    cr_arena_init(&arena, 16 * 1024, 0);
    cr_policy_ast *ast = cr_arena_calloc(&arena, sizeof *ast);
    cr_parse_ctx pc;
    memset(&pc, 0, sizeof pc);
    pc.arena = &arena;
    pc.diags = &d;
    pc.src = src;
    pc.len = strlen(src);
    pc.ast = ast;
    assert_true(cr_parse(&pc));
    cr_sema_out so;
    memset(&so, 0, sizeof so);
    bool ok = cr_sema(ast, &arena, &d, &so);
    if (!ok)
        print_diags(&d);
    assert_true(ok);
    assert_int_equal(so.input->nfields, 7);
    assert_string_equal(so.input_name, "app");
    assert_int_equal(so.nsegments, 1);
    assert_int_equal(so.nlets, 3); /* tier, double, r */

    cr_item *r = item_at(ast, 3);
    assert_string_equal(r->name, "r");
    cr_expr *comp = r->expr;
    assert_int_equal(comp->kind, E_COMP);
    assert_int_equal(comp->type->kind, CR_T_LIST);
    assert_int_equal(comp->type->elem->kind, CR_T_DEC);
    cr_expr *src_e = comp->u.loop.src;            /* sales */
    assert_int_equal(src_e->ref, REF_INPUT);
    assert_int_equal(src_e->ref_index, 5);
    cr_expr *body = comp->u.loop.body;            /* s */
    assert_int_equal(body->ref, REF_LOCAL);
    assert_int_equal(body->ref_index, comp->u.loop.var_slot + 2);
    cr_expr *cond = comp->u.loop.cond;            /* tier == PRIME and double > s */
    cr_expr *eq = cond->u.bin.a;
    assert_int_equal(eq->u.bin.a->ref, REF_ITEM);
    assert_ptr_equal(eq->u.bin.a->item, item_at(ast, 1));
    assert_int_equal(eq->u.bin.b->ref, REF_LABEL);
    assert_int_equal(eq->u.bin.b->ref_index, 0);
    cr_expr *gt = cond->u.bin.b;
    assert_int_equal(gt->u.bin.a->ref, REF_ITEM);
    assert_ptr_equal(gt->u.bin.a->item, item_at(ast, 2));
    assert_true(item_at(ast, 2)->used);
    assert_int_equal(item_at(ast, 2)->value_type->kind, CR_T_DEC);

    assert_int_equal(so.nregex, 0);
    cr_arena_free(&arena);
    cr_diags_free(&d);
}

/* ------------------------------------------------------------------ */
/* compiler                                                            */
/* ------------------------------------------------------------------ */

/* The layout and the operands of every instruction: each operand of the
 * kind its opcode's row of lang/opcodes.h says, in range for it. */
static void check_program(const cr_program *P)
{
    assert_true(P->ncode > 0);
    assert_true(P->max_stack > 0);
    /* main first, then each let in order, ending with LET_END of itself */
    uint32_t main_end = P->nlets ? P->lets[0].pc : P->ncode;
    assert_true(main_end > 0);
    assert_int_equal(P->code[main_end - 1].op, CR_OP_HALT);
    unsigned halts = 0;
    for (uint32_t i = 0; i < P->ncode; i++)
        if (P->code[i].op == CR_OP_HALT)
            halts++;
    assert_int_equal(halts, 1);
    for (uint32_t i = 0; i < P->nlets; i++) {
        uint32_t end = i + 1 < P->nlets ? P->lets[i + 1].pc : P->ncode;
        if (end <= P->lets[i].pc)
            fail_msg("let %u (%s) has no code", i, P->lets[i].name);
        const cr_ins *last = &P->code[end - 1];
        if (last->op != CR_OP_LET_END || last->c != i)
            fail_msg("let %u (%s) ends with %s %u", i, P->lets[i].name, cr_opcode_names[last->op], last->c);
    }
    /* every instruction: a place in the source, operands in range, jumps
     * within its own region */
    uint32_t region = 0, rstart = 0, rend = main_end;
    for (uint32_t i = 0; i < P->ncode; i++) {
        while (i >= rend) {
            rstart = P->lets[region].pc;
            rend = region + 1 < P->nlets ? P->lets[region + 1].pc : P->ncode;
            region++;
        }
        const cr_ins *in = &P->code[i];
        const cr_span sp = P->spans[i];
        if (sp.start > sp.end || sp.end > P->len)
            fail_msg("instruction %u (%s) has span [%u, %u) outside %zu bytes", i, cr_opcode_names[in->op], sp.start,
                     sp.end, P->len);
        assert_true(in->op < CR_OP__COUNT);
        if (cr_op_is_jump(in->op) && (in->c < rstart || in->c >= rend))
            fail_msg("instruction %u (%s) jumps to %u outside [%u, %u)", i, cr_opcode_names[in->op], in->c, rstart, rend);
        for (unsigned o = 0; o < 3; o++)
            if (!cr_operand_in_range(P, in, o))
                fail_msg("instruction %u (%s): operand %c = %u is not a %s in range", i, cr_opcode_names[in->op],
                         "abc"[o], cr_operand_value(in, o), cr_operand_kinds[cr_ops[in->op].operand[o]].name);
    }
}

static int find_let(const cr_program *P, const char *name)
{
    for (uint32_t i = 0; i < P->nlets; i++)
        if (P->lets[i].name && strcmp(P->lets[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void test_compile_sme_policy(void **state)
{
    (void)state;
    size_t len;
    const char *path;
    char *src = read_project_file("policies/sme_tax_loan.credo", &len, &path);
    cr_diags d;
    cr_diags_init(&d, path, src, len);
    cr_program *P = cr_compile(path, src, len, &d);
    if (!P || d.count)
        print_diags(&d);
    assert_non_null(P);
    assert_int_equal(d.errors, 0);
    assert_int_equal(d.warnings, 0);

    assert_string_equal(P->name, "sme_tax_loan");
    assert_string_equal(P->title, "SME working-capital loan on tax and POS data");
    assert_string_equal(P->version, "2026.11.1");
    assert_string_equal(P->owner, "retail-risk");
    assert_true(P->has_effective);
    assert_true(P->effective == cr_days_from_civil(2026, 12, 1));
    assert_true(P->has_decide);

    assert_int_equal(P->nrules, 11);
    assert_int_equal(P->nscorecards, 1);
    assert_int_equal(P->ncharacs, 7);
    assert_int_equal(P->nsegments, 1);
    assert_int_equal(P->ntables, 2);
    assert_int_equal(P->nregex, 1);
    /* 3 consts, 8 lets, 2 named results, a scorecard, a segment, 2 tables */
    assert_int_equal(P->nlets, 17);

    static const char *const results[] = {"score", "tier", "limit", "rate"};
    assert_int_equal(P->nresults, 4);
    for (unsigned i = 0; i < 4; i++)
        assert_string_equal(P->lets[P->results[i]].name, results[i]);
    assert_int_equal(P->lets[P->results[0]].kind, LET_SCORECARD);
    assert_int_equal(P->lets[P->results[1]].kind, LET_SEGMENT);
    assert_int_equal(P->lets[P->results[2]].kind, LET_RESULT);
    assert_int_equal(P->lets[P->results[3]].kind, LET_RESULT);
    int k = find_let(P, "RESTRICTED_INDUSTRIES");
    assert_true(k >= 0);
    assert_int_equal(P->lets[k].kind, LET_CONST);
    k = find_let(P, "premium");
    assert_true(k >= 0);
    assert_int_equal(P->lets[k].kind, LET_TABLE);
    assert_int_equal(P->lets[k].index, 1);
    k = find_let(P, "dti");
    assert_true(k >= 0);
    assert_int_equal(P->lets[k].kind, LET_PLAIN);
    assert_int_equal(P->lets[k].type->kind, CR_T_DEC);

    /* the input */
    assert_string_equal(P->input_name, "applicant");
    assert_int_equal(P->input->nfields, 20);
    assert_string_equal(P->input->fields[0].name, "app_id");
    assert_string_equal(P->input->fields[18].name, "collateral_value");
    assert_true(P->input->fields[18].type->optional);
    assert_string_equal(P->input->fields[19].name, "monthly_sales");
    assert_int_equal(P->input->fields[19].type->kind, CR_T_LIST);
    assert_int_equal(P->input->fields[19].type->elem->kind, CR_T_DEC);
    assert_string_equal(P->input->fields[19].type->elem->spelling, "money");
    assert_int_equal(cr_record_find(P->input, "tax_grade", 9), 7);

    /* rules: all admission knock-outs, in order */
    static const char *const codes[] = {"AGE", "BIZ_YEARS", "USCC_INVALID", "TAX_GRADE", "DELINQUENCY", "INQUIRIES",
                                        "INDUSTRY", "BLACKLIST", "DTI", "SALES_DECLINE", "SCORE_LOW"};
    for (unsigned i = 0; i < 11; i++) {
        assert_string_equal(P->rules[i].code, codes[i]);
        assert_int_equal(P->rules[i].kind, RULE_REJECT);
        assert_true(P->rules[i].in_admission);
        assert_non_null(P->rules[i].desc);
    }
    assert_string_equal(P->rules[0].desc, "owner younger than 18 or older than 65");

    /* the scorecard's characteristics and their reason codes */
    static const struct { const char *name, *code; uint32_t nbins; } ch[] = {
        {"credit_score", "SC_CREDIT_SCORE", 5}, {"business_years", "SC_BUSINESS_YEARS", 4},
        {"tax_grade", "SC_TAX_GRADE", 4},       {"dti", "SC_DTI", 4},
        {"overdue_count_24m", "SC_OVERDUE_COUNT_24M", 3}, {"inquiries_3m", "SC_INQUIRIES_3M", 3},
        {"sales_cv", "SC_SALES_CV", 3},
    };
    assert_string_equal(P->scorecards[0].name, "score");
    assert_int_equal(P->scorecards[0].first, 0);
    assert_int_equal(P->scorecards[0].count, 7);
    for (unsigned i = 0; i < 7; i++) {
        assert_string_equal(P->characs[i].name, ch[i].name);
        assert_string_equal(P->characs[i].code, ch[i].code);
        assert_int_equal(P->characs[i].nbins, ch[i].nbins);
    }

    static const char *const labels[] = {"PRIME", "STANDARD", "SUBPRIME", "REFER"};
    assert_string_equal(P->segments[0].name, "tier");
    assert_int_equal(P->segments[0].nrows, 4);
    for (unsigned i = 0; i < 4; i++)
        assert_string_equal(P->segments[0].labels[i], labels[i]);

    assert_string_equal(P->tables[0].name, "multiplier");
    assert_int_equal(P->tables[0].hit, HIT_UNIQUE);
    assert_int_equal(P->tables[0].nrows, 4);
    assert_string_equal(P->tables[1].name, "premium");
    assert_int_equal(P->tables[1].hit, HIT_FIRST);
    assert_int_equal(P->tables[1].nrows, 12); /* the 4 x 3 grid */
    assert_int_equal(P->max_table_rows, 12);

    /* the program's identity */
    assert_int_equal(strlen(P->sha256), 64);
    for (unsigned i = 0; i < 64; i++)
        assert_non_null(strchr("0123456789abcdef", P->sha256[i]));
    /* it keeps its own copy of the source */
    assert_true(P->src != src);
    assert_int_equal(P->len, len);
    assert_memory_equal(P->src, src, len);
    assert_string_equal(P->file, path);

    check_program(P);

    /* one byte changed (in the first comment): still compiles, another hash */
    char sha[65];
    memcpy(sha, P->sha256, sizeof sha);
    assert_int_equal(src[2], 'S');
    src[2] = 's';
    cr_diags d2;
    cr_diags_init(&d2, path, src, len);
    cr_program *P2 = cr_compile(path, src, len, &d2);
    assert_non_null(P2);
    assert_int_equal(strlen(P2->sha256), 64);
    assert_string_not_equal(P2->sha256, sha);
    assert_int_equal(P2->ncode, P->ncode);
    cr_program_free(P2);
    cr_diags_free(&d2);

    /* and the same bytes give the same hash */
    src[2] = 'S';
    cr_diags_init(&d2, path, src, len);
    P2 = cr_compile(path, src, len, &d2);
    assert_non_null(P2);
    assert_string_equal(P2->sha256, sha);
    cr_program_free(P2);
    cr_diags_free(&d2);

    cr_program_free(P);
    cr_diags_free(&d);
    free(src);
}

static void test_compile_constant_set(void **state)
{
    (void)state;
    const char *src = "policy t\ninput app { g: text }\nreject BAD when g in {\"A\", \"B\"}\n";
    cr_diags d;
    cr_program *P = compile_src(src, &d);
    assert_non_null(P);
    assert_int_equal(d.count, 0);
    /* sha256sum of exactly these bytes */
    assert_string_equal(P->sha256, "629bf3afa422b1fb077d42b4d5a40233bdb722feecfd601c2981265f3318f92e");
    check_program(P);

    int set = -1;
    unsigned nsets = 0;
    for (uint32_t i = 0; i < P->nconsts; i++)
        if (P->consts[i].tag == CR_SET) {
            set = (int)i;
            nsets++;
        }
    assert_int_equal(nsets, 1);
    const cr_value *v = &P->consts[set];
    assert_int_equal(v->len, 2);
    bool a = false, b = false;
    for (uint32_t i = 0; i < 2; i++) {
        assert_int_equal(v->u.items[i].tag, CR_TEXT);
        assert_int_equal(v->u.items[i].len, 1);
        a |= v->u.items[i].u.s[0] == 'A';
        b |= v->u.items[i].u.s[0] == 'B';
    }
    assert_true(a && b);

    /* the rule: INPUT g, CONST set, IN, FIRE 0, then HALT; no LIST built */
    unsigned nconst_set = 0;
    for (uint32_t i = 0; i < P->ncode; i++) {
        assert_int_not_equal(P->code[i].op, CR_OP_LIST);
        if (P->code[i].op == CR_OP_CONST && P->code[i].c == (uint32_t)set)
            nconst_set++;
    }
    assert_int_equal(nconst_set, 1);
    assert_int_equal(P->ncode, 5);
    assert_int_equal(P->code[0].op, CR_OP_INPUT);
    assert_int_equal(P->code[0].c, 0);
    assert_int_equal(P->code[1].op, CR_OP_CONST);
    assert_int_equal(P->code[1].c, (uint32_t)set);
    assert_int_equal(P->code[2].op, CR_OP_IN);
    assert_int_equal(P->code[2].a, 0);
    assert_int_equal(P->code[3].op, CR_OP_FIRE);
    assert_int_equal(P->code[3].c, 0);
    assert_int_equal(P->code[4].op, CR_OP_HALT);
    /* the IN instruction points at the whole test in the source */
    assert_int_equal(P->spans[2].start, (uint32_t)(strstr(src, "g in") - src));
    assert_int_equal(P->spans[2].end, (uint32_t)strlen(src) - 1);
    assert_int_equal(P->nrules, 1);
    assert_string_equal(P->rules[0].code, "BAD");
    assert_null(P->rules[0].desc);
    assert_false(P->rules[0].in_admission);
    assert_int_equal(P->nlets, 0);
    assert_int_equal(P->nresults, 0);
    assert_false(P->has_decide);
    cr_program_free(P);
    cr_diags_free(&d);

    /* `not in` against a const set: the const's own code holds the set */
    src = "policy t\ninput app { g: text }\nconst OK = {\"A\", \"B\"}\nreject BAD when g not in OK\n";
    P = compile_src(src, &d);
    assert_non_null(P);
    check_program(P);
    nsets = 0;
    for (uint32_t i = 0; i < P->nconsts; i++)
        nsets += P->consts[i].tag == CR_SET;
    assert_int_equal(nsets, 1);
    bool found_notin = false;
    for (uint32_t i = 0; i < P->ncode; i++)
        if (P->code[i].op == CR_OP_IN && P->code[i].a == 1)
            found_notin = true;
    assert_true(found_notin);
    assert_int_equal(P->nlets, 1);
    assert_int_equal(P->lets[0].kind, LET_CONST);
    /* the use is the set itself, the constant the const's own code has:
     * no LET to run, and one copy of the set */
    uint32_t at = 0;
    while (at < P->ncode && P->code[at].op != CR_OP_IN)
        at++;
    assert_true(at > 0 && at < P->ncode);
    assert_int_equal(P->code[at - 1].op, CR_OP_CONST);
    assert_int_equal(P->consts[P->code[at - 1].c].tag, CR_SET);
    assert_int_equal(P->code[P->lets[0].pc].op, CR_OP_CONST);
    assert_int_equal(P->code[P->lets[0].pc].c, P->code[at - 1].c);
    for (uint32_t i = 0; i < P->ncode; i++)
        assert_int_not_equal(P->code[i].op, CR_OP_LET);
    cr_program_free(P);
    cr_diags_free(&d);
}

/* Cell tests of a scorecard characteristic or a table column that is an
 * input field or a let read it in place, each test "INPUT/LET, CONST,
 * compare, JUMP_FALSE"; a computed value, or a characteristic whose first
 * bin does not test it, is stored in a local first. */
static void test_compile_cells_read_in_place(void **state)
{
    (void)state;
    cr_diags d;
    const char *src = "policy t\n"
                      "input app { a: int, b: int }\n"
                      "let half = a / 2\n"
                      "scorecard s base 0 {\n"
                      "  a: < 10 -> 1 | else -> 2\n"
                      "  half: < 3 -> 1 | else -> 2\n"
                      "  b: else -> 5\n"
                      "}\n"
                      "table t(half, a + b) -> int hit first {\n"
                      "  < 1, < 2 -> 1\n"
                      "  -,   -   -> 2\n"
                      "}\n"
                      "r = t\n";
    cr_program *P = compile_src(src, &d);
    if (!P || d.count)
        print_diags(&d);
    assert_non_null(P);
    check_program(P);
    uint32_t nstore = 0, ninput_a = 0, nlet_half = 0, nlocal = 0;
    uint32_t half = UINT32_MAX;
    for (uint32_t i = 0; i < P->nlets; i++)
        if (strcmp(P->lets[i].name, "half") == 0)
            half = i;
    assert_int_not_equal(half, UINT32_MAX);
    for (uint32_t i = 0; i + 3 < P->ncode; i++) {
        const cr_ins *c = &P->code[i];
        bool test = c[1].op == CR_OP_CONST && c[2].op >= CR_OP_EQ && c[2].op <= CR_OP_GE &&
                    c[3].op == CR_OP_JUMP_FALSE;
        nstore += c->op == CR_OP_STORE;
        ninput_a += test && c->op == CR_OP_INPUT && c->c == 0;
        nlet_half += test && c->op == CR_OP_LET && c->c == half;
        nlocal += test && c->op == CR_OP_LOCAL;
    }
    assert_int_equal(ninput_a, 1);   /* a's one test */
    assert_int_equal(nlet_half, 2);  /* half's bin and the table's first column */
    assert_int_equal(nstore, 2);     /* b (its only bin is else) and a + b */
    assert_int_equal(nlocal, 1);     /* the table's a + b */
    cr_program_free(P);
    cr_diags_free(&d);
}

static void test_compile_small_policy(void **state)
{
    (void)state;
    cr_diags d;
    cr_program *P = compile_src(small_policy, &d);
    if (!P || d.count)
        print_diags(&d);
    assert_non_null(P);
    assert_int_equal(d.count, 0);
    check_program(P);
    assert_int_equal(P->nrules, 3);
    assert_int_equal(P->nregex, 1);
    assert_int_equal(P->ncharacs, 2);
    assert_string_equal(P->characs[1].code, "GR");
    assert_string_equal(P->characs[0].code, "SC_AGE");
    assert_int_equal(P->ntables, 1);
    assert_int_equal(P->tables[0].nrows, 4);
    assert_int_equal(P->nresults, 4); /* score, tier, limit, price */
    assert_true(P->has_decide);
    /* the decide block compiles to DECIDE instructions: reject, refer, approve */
    unsigned seen[3] = {0, 0, 0};
    for (uint32_t i = 0; i < P->ncode; i++)
        if (P->code[i].op == CR_OP_DECIDE)
            seen[P->code[i].a]++;
    assert_int_equal(seen[OUT_APPROVE], 1);
    assert_int_equal(seen[OUT_REFER], 1);
    assert_int_equal(seen[OUT_REJECT], 1);
    cr_program_free(P);
    cr_diags_free(&d);
}

static void test_compile_reports_and_returns_null(void **state)
{
    (void)state;
    cr_diags d;
    /* a syntax error stops before sema: one error only */
    cr_program *P = compile_src("policy t\ninput app { a: int }\nr = a +\nq = zzz\n", &d);
    assert_null(P);
    assert_int_equal(d.errors, 1);
    expect_diag(&d, CR_SEV_ERROR, 4, 3, "unexpected '='");
    cr_diags_free(&d);

    /* warnings alone do not stop a program */
    P = compile_src("policy t\nlet unused = 1\n", &d);
    assert_non_null(P);
    assert_int_equal(d.errors, 0);
    assert_int_equal(d.warnings, 1);
    check_program(P);
    cr_program_free(P);
    cr_diags_free(&d);

    /* the smallest policy */
    P = compile_src("policy t", &d);
    assert_non_null(P);
    assert_int_equal(P->ncode, 1);
    assert_int_equal(P->code[0].op, CR_OP_HALT);
    assert_int_equal(P->input->nfields, 0);
    assert_false(P->has_effective);
    check_program(P);
    cr_program_free(P);
    cr_diags_free(&d);
}

/* ------------------------------------------------------------------ */
/* the opcode table (lang/opcodes.h) is the one source                 */
/* ------------------------------------------------------------------ */

/* Every row: a name of its own that is the enum's, a contract, a pop
 * count that is the operand it names, a jump exactly when c is a target. */
static void test_opcode_table(void **state)
{
    (void)state;
    for (unsigned op = 0; op < CR_OP__COUNT; op++) {
        const cr_op_info *r = &cr_ops[op];
        assert_string_equal(r->name, cr_opcode_names[op]);
        assert_true(r->name[0] && strspn(r->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == strlen(r->name));
        for (unsigned k = 0; k < op; k++)
            if (strcmp(cr_ops[k].name, r->name) == 0)
                fail_msg("opcodes %u and %u are both %s", k, op, r->name);
        if (strlen(r->contract) < 4)
            fail_msg("%s has no contract", r->name);
        for (unsigned o = 0; o < 3; o++)
            assert_true(r->operand[o] < CR_OPND__COUNT);
        /* the jump flag: c names an instruction exactly when it may go there */
        bool jumps = r->flow == CR_FLOW_BRANCH || r->flow == CR_FLOW_SHORT || r->flow == CR_FLOW_GOTO;
        assert_int_equal(cr_op_is_jump((uint8_t)op), jumps);
        assert_int_equal(r->operand[2] == CR_OPND_TARGET, jumps);
        assert_true(r->operand[0] != CR_OPND_TARGET && r->operand[1] != CR_OPND_TARGET);
        assert_int_equal(cr_op_falls_through((uint8_t)op),
                         r->flow == CR_FLOW_NEXT || r->flow == CR_FLOW_BRANCH || r->flow == CR_FLOW_SHORT);
        /* the effect: fixed, or the count in the operand it names */
        assert_int_equal(r->pops == CR_POPS_A, r->operand[0] == CR_OPND_ARGC);
        assert_int_equal(r->pops == CR_POPS_C, r->operand[2] == CR_OPND_COUNT);
        cr_ins in = {(uint8_t)op, 2, 0, 3};
        int pops = r->pops == CR_POPS_A ? 2 : r->pops == CR_POPS_C ? 3 : r->pops;
        assert_int_equal(cr_op_pops(&in), pops);
        assert_int_equal(cr_op_stack_effect(&in), r->pushes - pops);
        /* the end of a let's code is LET_END, which names its let */
        assert_int_equal(r->flow == CR_FLOW_RETURN, r->operand[2] == CR_OPND_OWN_LET);
    }
    assert_false(cr_op_is_jump(CR_OP__COUNT));
    assert_false(cr_op_falls_through(CR_OP__COUNT));
    for (unsigned k = 0; k < CR_OPND__COUNT; k++) {
        const cr_operand_kind_info *ki = &cr_operand_kinds[k];
        assert_true(ki->writes >> ki->span == 0);
        assert_true(!ki->locals || ki->span > 0);
        assert_true(!ki->writes || ki->locals);
    }
}

/* Walks a code [start, end) by its rows' flow and stack effects from an
 * empty stack: every instruction reached finds what it pops, two paths
 * meet with one depth, a let's code ends on an empty stack.  Returns the
 * deepest stack. */
static uint32_t walk_by_table(const cr_program *P, uint32_t start, uint32_t end, const char *name)
{
    uint32_t n = end - start, top = 0, deepest = 0;
    int64_t *depth = malloc(n * sizeof *depth);
    uint32_t *work = malloc(n * sizeof *work);
    assert_non_null(depth);
    assert_non_null(work);
    for (uint32_t i = 0; i < n; i++)
        depth[i] = -1;
    depth[0] = 0;
    work[top++] = start;
    while (top) {
        uint32_t pc = work[--top];
        const cr_ins *in = &P->code[pc];
        const cr_op_info *r = &cr_ops[in->op];
        int64_t d = depth[pc - start];
        if (d < (int64_t)cr_op_pops(in))
            fail_msg("%s: instruction %u (%s) pops %u with %lld on the stack", name, pc, r->name, cr_op_pops(in),
                     (long long)d);
        int64_t after = d + cr_op_stack_effect(in);
        if (d > deepest || after > deepest)
            deepest = (uint32_t)(d > after ? d : after);
        uint32_t to[2], nto = 0;
        int64_t at[2];
        if (cr_op_falls_through(in->op)) {
            to[nto] = pc + 1;
            at[nto++] = after;
        }
        if (cr_op_is_jump(in->op)) {
            to[nto] = in->c;
            at[nto++] = after + (r->flow == CR_FLOW_SHORT);
        }
        if (r->flow == CR_FLOW_RETURN && after != 0)
            fail_msg("%s ends with %lld values on its stack", name, (long long)d);
        for (uint32_t k = 0; k < nto; k++) {
            assert_true(to[k] >= start && to[k] < end);
            int64_t *dd = &depth[to[k] - start];
            if (*dd < 0) {
                *dd = at[k];
                work[top++] = to[k];
            } else if (*dd != at[k]) {
                fail_msg("%s: instruction %u is reached with %lld and %lld values", name, to[k], (long long)*dd,
                         (long long)at[k]);
            }
        }
    }
    free(depth);
    free(work);
    return deepest;
}

/* Every policy of policies/ compiled: the verifier accepts it (and, in
 * the build with CR_ASSERT, holds its model of each instruction to the
 * table as it goes), every operand is of its kind and in range, and the
 * code walked by the table's effects and flow is consistent and needs
 * exactly the stack the compiler sized, by the same table, one
 * instruction after another. */
static void test_opcode_table_on_policies(void **state)
{
    (void)state;
    static const char *const dirs[] = {"policies", "../policies", "../../policies"};
    DIR *dir = NULL;
    const char *at = NULL;
    for (unsigned i = 0; i < 3 && !dir; i++)
        if ((dir = opendir(dirs[i])))
            at = dirs[i];
    if (!dir)
        fail_msg("cannot open policies/ (run the tests from the project's folder)");
    bool seen[CR_OP__COUNT] = {false};
    unsigned npolicies = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        size_t l = strlen(e->d_name);
        if (l < 7 || strcmp(e->d_name + l - 6, ".credo") != 0 || (l > 11 && strcmp(e->d_name + l - 11, ".test.credo") == 0))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", at, e->d_name);
        size_t len;
        char *src = cr_read_file(path, &len);
        assert_non_null(src);
        cr_diags d;
        cr_diags_init(&d, path, src, len);
        cr_program *P = cr_compile(path, src, len, &d);
        if (!P) {
            print_diags(&d);
            fail_msg("%s does not compile", path);
        }
        char err[512];
        if (!cr_program_verify(P, err, sizeof err))
            fail_msg("%s: %s", path, err);
        check_program(P);
        uint32_t main_end = P->nlets ? P->lets[0].pc : P->ncode, total = walk_by_table(P, 0, main_end, "the main code") + 1;
        for (uint32_t i = 0; i < P->nlets; i++)
            total += walk_by_table(P, P->lets[i].pc, i + 1 < P->nlets ? P->lets[i + 1].pc : P->ncode, P->lets[i].name) + 1;
        /* the compiler adds 16 to what its codes need */
        if (total + 16 != P->max_stack)
            fail_msg("%s: walked by the table the code needs a stack of %u; the compiler gave it %u", path, total + 16,
                     P->max_stack);
        for (uint32_t i = 0; i < P->ncode; i++)
            seen[P->code[i].op] = true;
        npolicies++;
        cr_program_free(P);
        cr_diags_free(&d);
        free(src);
    }
    closedir(dir);
    assert_true(npolicies >= 6);
    /* the policies use most of the instruction set */
    unsigned nseen = 0;
    for (unsigned op = 0; op < CR_OP__COUNT; op++)
        nseen += seen[op];
    assert_true(nseen >= CR_OP__COUNT * 3 / 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lex_int_literals),
        cmocka_unit_test(test_lex_int_out_of_range),
        cmocka_unit_test(test_lex_decimal_literals),
        cmocka_unit_test(test_lex_dates),
        cmocka_unit_test(test_lex_strings),
        cmocka_unit_test(test_lex_unclosed_string),
        cmocka_unit_test(test_lex_regex_or_division),
        cmocka_unit_test(test_lex_comments),
        cmocka_unit_test(test_lex_unexpected_character),
        cmocka_unit_test(test_parse_precedence),
        cmocka_unit_test(test_parse_compound_expressions),
        cmocka_unit_test(test_parse_spans),
        cmocka_unit_test(test_parse_header_and_input),
        cmocka_unit_test(test_parse_items),
        cmocka_unit_test(test_parse_scorecard),
        cmocka_unit_test(test_parse_segment),
        cmocka_unit_test(test_parse_table_rows),
        cmocka_unit_test(test_parse_table_forms),
        cmocka_unit_test(test_parse_table_grid),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_error_recovery),
        cmocka_unit_test(test_parse_every_prefix),
        cmocka_unit_test(test_parse_garbled),
        cmocka_unit_test(test_parse_deep_nesting),
        cmocka_unit_test(test_sema_diagnostics),
        cmocka_unit_test(test_sema_regex_nul),
        cmocka_unit_test(test_sema_null_guards),
        cmocka_unit_test(test_sema_input_block),
        cmocka_unit_test(test_sema_many_mistakes),
        cmocka_unit_test(test_sema_resolution),
        cmocka_unit_test(test_compile_sme_policy),
        cmocka_unit_test(test_compile_constant_set),
        cmocka_unit_test(test_compile_cells_read_in_place),
        cmocka_unit_test(test_compile_small_policy),
        cmocka_unit_test(test_compile_reports_and_returns_null),
        cmocka_unit_test(test_opcode_table),
        cmocka_unit_test(test_opcode_table_on_policies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
