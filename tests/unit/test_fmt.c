/* Unit tests for credo fmt (lang/fmt.c).
 *
 * Over every policy in policies/ and tests/golden/ (paths relative to the
 * project root, the working directory of the test run): formatting is
 * idempotent, keeps every comment, and a policy that compiles compiles to
 * the same bytecode and constants after formatting.  Then exact layouts:
 * a messy admission block, decision table, grid, scorecard and segment
 * come out aligned; comments and blank lines land where the layout says;
 * a source that does not parse is refused. */
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

#include "lang/compile.h"
#include "lang/fmt.h"
#include "lang/parse.h"
#include "lang/program.h"
#include "runtime/core/arena.h"
#include "runtime/core/value.h"
#include "parser.h"
#include "lexer.h"

/* ---- helpers ----------------------------------------------------------- */

/* Formats src, failing the test (with the diagnostics) if it is refused. */
static char *fmt_ok(const char *src, size_t len, size_t *out_len)
{
    cr_diags d;
    cr_diags_init(&d, "t.credo", src, len);
    char *out = NULL;
    bool ok = cr_fmt(src, len, &d, &out, out_len);
    if (!ok)
        cr_diags_print(&d, stderr);
    cr_diags_free(&d);
    if (!ok)
        fail_msg("cr_fmt refused:\n%.*s", (int)len, src);
    assert_non_null(out);
    assert_int_equal(strlen(out), *out_len);
    return out;
}

/* The expected layout, exactly. */
static void assert_fmt(const char *src, const char *want)
{
    size_t n;
    char *out = fmt_ok(src, strlen(src), &n);
    if (strcmp(out, want) != 0)
        fail_msg("formatted:\n%s\nexpected:\n%s", out, want);
    /* and formatting the expected layout changes nothing */
    char *again = fmt_ok(want, strlen(want), &n);
    assert_string_equal(again, want);
    free(again);
    free(out);
}

/* The comments of a source, as the scanner sees them (so a '#' inside a
 * text is not one), their texts joined by newlines. */
static int comments_of(const char *src, size_t len, char **texts)
{
    cr_arena arena;
    cr_arena_init(&arena, 16 * 1024, 0);
    cr_diags d;
    cr_diags_init(&d, "t.credo", src, len);
    cr_parse_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.arena = &arena;
    ctx.diags = &d;
    ctx.src = src;
    ctx.len = len;
    ctx.keep_comments = true;
    yyscan_t scanner;
    assert_int_equal(cr_yylex_init_extra(&ctx, &scanner), 0);
    YY_BUFFER_STATE buf = cr_yy_scan_bytes(src, (int)len, scanner);
    CR_YYSTYPE val;
    cr_span sp;
    int k, count = 0;
    size_t used = 0;
    char *all = calloc(len + 1, 1);
    assert_non_null(all);
    while ((k = cr_yylex(&val, &sp, scanner)) != 0) {
        if (k != T_COMMENT)
            continue;
        count++;
        uint32_t end = sp.end;
        while (end > sp.start && (src[end - 1] == ' ' || src[end - 1] == '\r' || src[end - 1] == '\t'))
            end--;
        memcpy(all + used, src + sp.start, end - sp.start);
        used += end - sp.start;
        all[used++] = '\n';
    }
    cr_yy_delete_buffer(buf, scanner);
    cr_yylex_destroy(scanner);
    cr_diags_free(&d);
    cr_arena_free(&arena);
    *texts = all;
    return count;
}

/* Same value, bit for bit where it matters: tag, scale, contents. */
static bool value_same(cr_value a, cr_value b)
{
    if (a.tag != b.tag || a.len != b.len || (a.tag == CR_DEC && a.scale != b.scale))
        return false;
    switch ((cr_tag)a.tag) {
    case CR_NULL: return true;
    case CR_BOOL: return a.u.b == b.u.b;
    case CR_INT: case CR_DATE: case CR_REGEX: return a.u.i == b.u.i;
    case CR_DEC: return a.u.coef == b.u.coef;
    case CR_TEXT: return a.len == 0 || memcmp(a.u.s, b.u.s, a.len) == 0;
    case CR_LIST: case CR_SET: case CR_RECORD:
        for (uint32_t i = 0; i < a.len; i++)
            if (!value_same(a.u.items[i], b.u.items[i]))
                return false;
        return true;
    }
    return false;
}

static void assert_same_program(const char *file, const cr_program *a, const cr_program *b)
{
    if (a->ncode != b->ncode)
        fail_msg("%s: %u instructions before formatting, %u after", file, a->ncode, b->ncode);
    for (uint32_t i = 0; i < a->ncode; i++) {
        const cr_ins *x = &a->code[i], *y = &b->code[i];
        if (x->op != y->op || x->a != y->a || x->b != y->b || x->c != y->c)
            fail_msg("%s: instruction %u differs after formatting", file, i);
    }
    if (a->nconsts != b->nconsts)
        fail_msg("%s: %u constants before formatting, %u after", file, a->nconsts, b->nconsts);
    for (uint32_t i = 0; i < a->nconsts; i++)
        if (!value_same(a->consts[i], b->consts[i]))
            fail_msg("%s: constant %u differs after formatting", file, i);
    assert_int_equal(a->nregex, b->nregex);
    assert_int_equal(a->nlets, b->nlets);
    assert_int_equal(a->nrules, b->nrules);
    for (uint32_t i = 0; i < a->nrules; i++) {
        assert_string_equal(a->rules[i].code, b->rules[i].code);
        assert_true((a->rules[i].desc == NULL) == (b->rules[i].desc == NULL));
        if (a->rules[i].desc)
            assert_string_equal(a->rules[i].desc, b->rules[i].desc);
    }
}

/* Compiles quietly; NULL when the policy has errors. */
static cr_program *compile_quiet(const char *file, const char *src, size_t len)
{
    cr_diags d;
    cr_diags_init(&d, file, src, len);
    cr_program *p = cr_compile(file, src, len, &d);
    if (p && d.errors) {
        cr_program_free(p);
        p = NULL;
    }
    cr_diags_free(&d);
    return p;
}

/* ---- the corpus: every policy of the project ------------------------- */

typedef struct corpus {
    char **paths;
    int n;
} corpus;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void corpus_add_dir(corpus *c, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s (run the tests from the project root)", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n <= 6 || strcmp(e->d_name + n - 6, ".credo") != 0)
            continue;
        char **np = realloc(c->paths, (size_t)(c->n + 1) * sizeof *np);
        assert_non_null(np);
        c->paths = np;
        size_t len = strlen(dir) + n + 2;
        c->paths[c->n] = malloc(len);
        assert_non_null(c->paths[c->n]);
        snprintf(c->paths[c->n], len, "%s/%s", dir, e->d_name);
        c->n++;
    }
    closedir(d);
}

static corpus corpus_load(void)
{
    corpus c = {NULL, 0};
    corpus_add_dir(&c, "policies");
    corpus_add_dir(&c, "tests/golden");
    qsort(c.paths, (size_t)c.n, sizeof *c.paths, cmp_str);
    return c;
}

static void corpus_free(corpus *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->paths[i]);
    free(c->paths);
}

/* Does it parse?  (A golden file may be there to show a syntax error.) */
static bool parses(const char *path, const char *src, size_t len)
{
    cr_diags d;
    cr_diags_init(&d, path, src, len);
    char *out = NULL;
    size_t n;
    bool ok = cr_fmt(src, len, &d, &out, &n);
    free(out);
    cr_diags_free(&d);
    return ok;
}

static void test_corpus_idempotent(void **state)
{
    (void)state;
    corpus c = corpus_load();
    int formatted = 0;
    for (int i = 0; i < c.n; i++) {
        size_t len, n1, n2;
        char *src = cr_read_file(c.paths[i], &len);
        assert_non_null(src);
        if (!parses(c.paths[i], src, len)) {
            free(src);
            continue;
        }
        char *once = fmt_ok(src, len, &n1);
        char *twice = fmt_ok(once, n1, &n2);
        if (n1 != n2 || memcmp(once, twice, n1) != 0)
            fail_msg("%s: formatting twice differs from once:\n%s\n---\n%s", c.paths[i], once, twice);
        formatted++;
        free(twice);
        free(once);
        free(src);
    }
    assert_true(formatted >= 8);
    corpus_free(&c);
}

static void test_corpus_same_program(void **state)
{
    (void)state;
    corpus c = corpus_load();
    int compared = 0;
    bool showcase = false;
    for (int i = 0; i < c.n; i++) {
        size_t len, n;
        char *src = cr_read_file(c.paths[i], &len);
        assert_non_null(src);
        cr_program *before = compile_quiet(c.paths[i], src, len);
        if (!before) {
            free(src);
            continue;
        }
        char *out = fmt_ok(src, len, &n);
        cr_program *after = compile_quiet(c.paths[i], out, n);
        if (!after)
            fail_msg("%s: compiles, but not once formatted:\n%s", c.paths[i], out);
        assert_same_program(c.paths[i], before, after);
        compared++;
        showcase |= strcmp(c.paths[i], "policies/sme_tax_loan.credo") == 0;
        cr_program_free(after);
        cr_program_free(before);
        free(out);
        free(src);
    }
    assert_true(showcase);
    assert_true(compared >= 4);
    corpus_free(&c);
}

static void test_corpus_comments_kept(void **state)
{
    (void)state;
    corpus c = corpus_load();
    int with_comments = 0;
    for (int i = 0; i < c.n; i++) {
        size_t len, n;
        char *src = cr_read_file(c.paths[i], &len);
        assert_non_null(src);
        if (!parses(c.paths[i], src, len)) {
            free(src);
            continue;
        }
        char *out = fmt_ok(src, len, &n);
        char *before, *after;
        int nb = comments_of(src, len, &before);
        int na = comments_of(out, n, &after);
        if (nb != na)
            fail_msg("%s: %d comments before formatting, %d after", c.paths[i], nb, na);
        assert_string_equal(before, after);
        with_comments += nb > 0;
        free(before);
        free(after);
        free(out);
        free(src);
    }
    assert_true(with_comments >= 1);
    corpus_free(&c);
}

/* ---- layouts --------------------------------------------------------- */

static void test_admission_aligned(void **state)
{
    (void)state;
    assert_fmt(
        "policy t \"x\"\n"
        "input app { age: int\n"
        " dti: rate\n"
        "   industry: text }\n"
        "admission {\n"
        "reject AGE \"too young\" when age<18\n"
        "   refer   DTI_HIGH when dti>0.6   # watch\n"
        " reject   INDUSTRY_RESTRICTED   \"restricted industry\"    when industry in {\"K70\",\"B06\"}\n"
        "}\n",
        "policy t \"x\"\n"
        "input app {\n"
        "  age: int\n"
        "  dti: rate\n"
        "  industry: text\n"
        "}\n"
        "admission {\n"
        "  reject AGE                 \"too young\"           when age < 18\n"
        "  refer  DTI_HIGH                                  when dti > 0.6  # watch\n"
        "  reject INDUSTRY_RESTRICTED \"restricted industry\" when industry in {\"K70\", \"B06\"}\n"
        "}\n");
}

static void test_admission_without_descriptions(void **state)
{
    (void)state;
    assert_fmt(
        "policy t\n"
        "admission {\n"
        "  refer A when x > 1\n"
        "  refer LONGER when y\n"
        "}\n"
        "reject  LATE   when  z\n",
        "policy t\n"
        "admission {\n"
        "  refer A      when x > 1\n"
        "  refer LONGER when y\n"
        "}\n"
        "reject LATE when z\n");
}

static void test_table_aligned(void **state)
{
    (void)state;
    assert_fmt(
        "policy t\n"
        "table band(score,term)->text hit first{\n"
        "<600,-->\"HIGH\"\n"
        "600..699 , <=12->\"MEDIUM\"\n"
        "-,-  ->  \"LOW\"\n"
        "}\n"
        "table m(tier) -> number hit unique {\n"
        "  PRIME -> 0.30\n"
        "  SUBPRIME->-0.10\n"
        "  REFER -> (min(a, b) * 2)\n"
        "}\n",
        "policy t\n"
        "table band(score, term) -> text hit first {\n"
        "  < 600,    -     -> \"HIGH\"\n"
        "  600..699, <= 12 -> \"MEDIUM\"\n"
        "  -,        -     -> \"LOW\"\n"
        "}\n"
        "table m(tier) -> number hit unique {\n"
        "  PRIME    -> 0.30\n"
        "  SUBPRIME -> -0.10\n"
        "  REFER    -> (min(a, b) * 2)\n"
        "}\n");
}

/* A default row has no cells: its word spans them, so its arrow lines up
 * with the other rows'; a word wider than the cells widens the last. */
static void test_default_row_aligned(void **state)
{
    (void)state;
    assert_fmt(
        "policy t\n"
        "table offer(tier, term) -> (limit: money, rate: rate) hit first {\n"
        "  PRIME, <= 24 -> 50000, 4.20\n"
        "  STANDARD, - -> 20000, 7.50\n"
        "  default -> 0, 0\n"
        "}\n"
        "table short(a, b) -> int hit first {\n"
        "  1, 2 -> 1\n"
        "  -, < 10 -> 2\n"
        "  default->3\n"
        "}\n",
        "policy t\n"
        "table offer(tier, term) -> (limit: money, rate: rate) hit first {\n"
        "  PRIME,    <= 24 -> 50000, 4.20\n"
        "  STANDARD, -     -> 20000, 7.50\n"
        "  default         -> 0, 0\n"
        "}\n"
        "table short(a, b) -> int hit first {\n"
        "  1, 2    -> 1\n"
        "  -, < 10 -> 2\n"
        "  default -> 3\n"
        "}\n");
}

static void test_grid_aligned(void **state)
{
    (void)state;
    assert_fmt(
        "policy t\n"
        "table premium(tier,requested_term)->rate{\n"
        "|<=12|<= 24|else\n"
        "PRIME|0.80|1.10|1.40\n"
        "STANDARD | 1.60 | 1.90 | -2.30   # negative\n"
        "}\n",
        "policy t\n"
        "table premium(tier, requested_term) -> rate {\n"
        "           | <= 12 | <= 24 | else\n"
        "  PRIME    | 0.80  | 1.10  | 1.40\n"
        "  STANDARD | 1.60  | 1.90  | -2.30  # negative\n"
        "}\n");
}

static void test_scorecard_segment_decide(void **state)
{
    (void)state;
    assert_fmt(
        "policy t\n"
        "scorecard s base 600 {\n"
        "  score: <600->-40|else->10\n"
        "  grade as SC_G : \"A\"->25 | else -> -30\n"
        "  industry:{\"K70\",\"B06\"}->-5\n"
        "         | else -> 0\n"
        "}\n"
        "segment tier {\n"
        "PRIME when s>=700 and grade==\"A\"\n"
        "STANDARD otherwise\n"
        "}\n"
        "decide {\n"
        "reject admission.reasons when admission.rejected\n"
        "refer LOW, s.lowest(2) when tier==STANDARD\n"
        "approve\n"
        "}\n",
        "policy t\n"
        "scorecard s base 600 {\n"
        "  score:         < 600 -> -40 | else -> 10\n"
        "  grade as SC_G: \"A\" -> 25 | else -> -30\n"
        "  industry:      {\"K70\", \"B06\"} -> -5\n"
        "               | else -> 0\n"
        "}\n"
        "segment tier {\n"
        "  PRIME    when s >= 700 and grade == \"A\"\n"
        "  STANDARD otherwise\n"
        "}\n"
        "decide {\n"
        "  reject admission.reasons when admission.rejected\n"
        "  refer  LOW, s.lowest(2)  when tier == STANDARD\n"
        "  approve\n"
        "}\n");
}

static void test_header_input_expressions(void **state)
{
    (void)state;
    assert_fmt(
        "policy   t \"x\"   version \"1\"  effective 2026-12-01 owner \"me\"\n"
        "input app {\n"
        "  score: int   # bureau\n"
        "    collateral: money?     # may be null\n"
        "  owner: {name:text,share:rate}\n"
        "  sales: list of money\n"
        "}\n"
        "const R={\"K70\",\"B06\"}\n"
        "let q=sum(sales[0..2])+sales[-1]-sales[-3..-1][0]*-2\n"
        "let c = count m in sales where m<1000\n"
        "let l=[m*2 for m in sales where m>0]\n"
        "let n = if collateral is not null then collateral else 0\n"
        "limit=floor_to(min(q,3000000),1000)\n"
        "fn pay(p:money,r:rate,n:int)->money=\n"
        "  round(p/n+p*r/100/12,2)\n",
        "policy t \"x\"\n"
        "  version \"1\"\n"
        "  effective 2026-12-01\n"
        "  owner \"me\"\n"
        "input app {\n"
        "  score: int          # bureau\n"
        "  collateral: money?  # may be null\n"
        "  owner: { name: text, share: rate }\n"
        "  sales: list of money\n"
        "}\n"
        "const R = {\"K70\", \"B06\"}\n"
        "let q = sum(sales[0..2]) + sales[-1] - sales[-3..-1][0] * -2\n"
        "let c = count m in sales where m < 1000\n"
        "let l = [m * 2 for m in sales where m > 0]\n"
        "let n = if collateral is not null then collateral else 0\n"
        "limit = floor_to(min(q, 3000000), 1000)\n"
        "fn pay(p: money, r: rate, n: int) -> money =\n"
        "  round(p / n + p * r / 100 / 12, 2)\n");
}

/* Trailing comments line up; lines far wider than the others' median
 * (long record types) line up among themselves instead. */
static void test_comment_columns(void **state)
{
    (void)state;
    assert_fmt(
        "policy t\n"
        "input app {\n"
        "  a: int  # x\n"
        "  bb: text # y\n"
        "  cooperative: { name: text, joined: date, guarantees: bool }? # z\n"
        "  land: {number: text, expires: date}?   # w\n"
        "  c: int # v\n"
        "}\n",
        "policy t\n"
        "input app {\n"
        "  a: int    # x\n"
        "  bb: text  # y\n"
        "  cooperative: { name: text, joined: date, guarantees: bool }?  # z\n"
        "  land: { number: text, expires: date }?                        # w\n"
        "  c: int    # v\n"
        "}\n");
}

/* Line breaks inside an expression stay, re-indented with the item;
 * a comment inside one stays too. */
static void test_continuations_kept(void **state)
{
    (void)state;
    assert_fmt(
        "policy t\n"
        "admission {\n"
        "      reject X when a > 1\n"
        "          and b < 2   # both\n"
        "}\n"
        "let adjustments = (if g == \"A\" then -0.20 else 0)\n"
        "                + (if i > 3 then 0.30 else 0)\n"
        "                # the last one\n"
        "                + (if c is null then 0.50 else 0)\n",
        "policy t\n"
        "admission {\n"
        "  reject X when a > 1\n"
        "      and b < 2  # both\n"
        "}\n"
        "let adjustments = (if g == \"A\" then -0.20 else 0)\n"
        "                + (if i > 3 then 0.30 else 0)\n"
        "                # the last one\n"
        "                + (if c is null then 0.50 else 0)\n");
}

/* Runs of blank lines collapse to one; none after `{`, before `}`, at the
 * start or the end; comments keep their lines. */
static void test_blank_lines_and_comments(void **state)
{
    (void)state;
    assert_fmt(
        "\n\n# top\n\n\n\npolicy t\n\n\n"
        "segment tier {   # tiers\n"
        "\n"
        "  # the best\n"
        "PRIME when s>=700\n"
        "\n\n\n"
        "  # the rest\n"
        "STANDARD otherwise\n"
        "\n"
        "   # nothing else\n"
        "\n"
        "}   # end\n"
        "\n\n"
        "# tail\n\n\n",
        "# top\n"
        "\n"
        "policy t\n"
        "\n"
        "segment tier {  # tiers\n"
        "  # the best\n"
        "  PRIME    when s >= 700\n"
        "\n"
        "  # the rest\n"
        "  STANDARD otherwise\n"
        "\n"
        "  # nothing else\n"
        "}  # end\n"
        "\n"
        "# tail\n");
}

/* A row with a comment inside its aligned part keeps its own lines and is
 * left out of the columns. */
static void test_comment_inside_row(void **state)
{
    (void)state;
    assert_fmt(
        "policy t\n"
        "admission {\n"
        "  reject AGE \"young\" when a < 18\n"
        "  reject X   # odd place\n"
        "    \"odd\" when b\n"
        "  refer LONG_CODE when c\n"
        "}\n",
        "policy t\n"
        "admission {\n"
        "  reject AGE       \"young\" when a < 18\n"
        "  reject X  # odd place\n"
        "    \"odd\" when b\n"
        "  refer  LONG_CODE         when c\n"
        "}\n");
}

/* Numbers, texts and patterns are copied, never re-spelt; CRLF becomes LF. */
static void test_tokens_verbatim(void **state)
{
    (void)state;
    assert_fmt(
        "policy t\r\n"
        "const A = 1_000_000\r\n"
        "const B = 6.30   # keeps its scale\r\n"
        "const C = 1e-3\r\n"
        "const D = \"a\\u00e9 \\\"q\\\" #not a comment\"\r\n"
        "const E = /^[0-9]{2}#x$/\r\n"
        "let f = a / b / c\r\n",
        "policy t\n"
        "const A = 1_000_000\n"
        "const B = 6.30  # keeps its scale\n"
        "const C = 1e-3\n"
        "const D = \"a\\u00e9 \\\"q\\\" #not a comment\"\n"
        "const E = /^[0-9]{2}#x$/\n"
        "let f = a / b / c\n");
}

/* Wide characters take two columns when padding. */
static void test_wide_descriptions(void **state)
{
    (void)state;
    assert_fmt(
        "policy t\n"
        "admission {\n"
        "  reject A \"\xe5\xb9\xb4\xe9\xbe\x84\" when a\n"
        "  reject B \"abcdef\" when b\n"
        "}\n",
        "policy t\n"
        "admission {\n"
        "  reject A \"\xe5\xb9\xb4\xe9\xbe\x84\"   when a\n"
        "  reject B \"abcdef\" when b\n"
        "}\n");
}

static void test_syntax_error_refused(void **state)
{
    (void)state;
    const char *src = "policy t\nadmission {\n  reject when x\n}\n";
    cr_diags d;
    cr_diags_init(&d, "t.credo", src, strlen(src));
    char *out = (char *)"untouched";
    size_t n = 7;
    assert_false(cr_fmt(src, strlen(src), &d, &out, &n));
    assert_null(out);
    assert_int_equal(n, 0);
    assert_true(d.errors > 0);
    cr_diags_free(&d);
}

/* The showcase policy is in the layout already. */
static void test_showcase_is_formatted(void **state)
{
    (void)state;
    size_t len, n;
    char *src = cr_read_file("policies/sme_tax_loan.credo", &len);
    assert_non_null(src);
    char *out = fmt_ok(src, len, &n);
    if (n != len || memcmp(out, src, len) != 0)
        fail_msg("policies/sme_tax_loan.credo is not formatted; credo fmt gives:\n%s", out);
    free(out);
    free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_idempotent),
        cmocka_unit_test(test_corpus_same_program),
        cmocka_unit_test(test_corpus_comments_kept),
        cmocka_unit_test(test_admission_aligned),
        cmocka_unit_test(test_admission_without_descriptions),
        cmocka_unit_test(test_table_aligned),
        cmocka_unit_test(test_default_row_aligned),
        cmocka_unit_test(test_grid_aligned),
        cmocka_unit_test(test_scorecard_segment_decide),
        cmocka_unit_test(test_header_input_expressions),
        cmocka_unit_test(test_comment_columns),
        cmocka_unit_test(test_continuations_kept),
        cmocka_unit_test(test_blank_lines_and_comments),
        cmocka_unit_test(test_comment_inside_row),
        cmocka_unit_test(test_tokens_verbatim),
        cmocka_unit_test(test_wide_descriptions),
        cmocka_unit_test(test_syntax_error_refused),
        cmocka_unit_test(test_showcase_is_formatted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
