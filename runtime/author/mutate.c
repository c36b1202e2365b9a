/* credo test --mutate: mutation testing.  Every small change of a policy
 * an author could get wrong is made in its source, one at a time: each
 * numeric threshold (after a comparison, a range bound, a bin's or a
 * cell's value) moved one unit of its scale either way, `<` <-> `<=` and
 * `>` <-> `>=`, each rule removed, each bin's points and each table
 * output moved one unit, each segment row's condition negated.  Each
 * mutant is compiled and the test file, read once (cr_test_suite), is
 * run against it until a test fails.  A mutant no test fails "survives":
 * the tests would not notice that mistake.
 *
 * Mutating the source, not the bytecode, keeps every mutant a policy an
 * author could have written: the compiler checks it like any other (a
 * mutant that does not compile is counted apart, never as killed), and
 * a survivor is reported at the place in the text to look at. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/author/policy_test.h"
#include "lang/compile.h"
#include "lang/parse.h"

#include "parser.h"
#include "lexer.h"

typedef struct mutant {
    uint32_t start, end;   /* the source bytes replaced */
    char *text;            /* by this */
    char what[200];        /* the mutation, for the report */
    bool boundary;         /* a threshold moved or a comparison swapped */
} mutant;

typedef struct mutants {
    mutant *items;
    uint32_t count, cap;
    bool oom;
} mutants;

static void add(mutants *m, uint32_t start, uint32_t end, char *text, bool boundary, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void add(mutants *m, uint32_t start, uint32_t end, char *text, bool boundary, const char *fmt, ...)
{
    if (!text || m->oom) {
        free(text);
        m->oom = true;
        return;
    }
    if (m->count == m->cap) {
        uint32_t cap = m->cap ? m->cap * 2 : 64;
        mutant *n = realloc(m->items, cap * sizeof *n);
        if (!n) {
            free(text);
            m->oom = true;
            return;
        }
        m->items = n;
        m->cap = cap;
    }
    mutant *x = &m->items[m->count++];
    x->start = start;
    x->end = end;
    x->text = text;
    x->boundary = boundary;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->what, sizeof x->what, fmt, ap);
    va_end(ap);
}

/* The policy's tokens, comments left out, and the end (kind 0) after
 * them, counted.  NULL when out of memory. */
static cr_token *tokens_of(const char *src, size_t len, uint32_t *count)
{
    cr_token *toks = cr_lex_all(src, len, NULL, false, count);
    if (toks)
        ++*count;
    return toks;
}

static char *dup_text(const char *s, size_t n)
{
    char *t = malloc(n + 1);
    if (t) {
        memcpy(t, s, n);
        t[n] = 0;
    }
    return t;
}

/* A number's text (an optional '-', digits with '_', an optional point
 * and digits) moved by delta units of its last digit: "0.30" +1 is
 * "0.31", "0" -1 is "-1", "-40" +1 is "-39".  NULL for numbers it does
 * not move (exponents, more than 18 digits). */
static char *moved(const char *s, size_t n, int delta)
{
    long long m = 0;
    int scale = -1, digits = 0;
    bool neg = false;
    size_t i = 0;
    if (i < n && s[i] == '-') {
        neg = true;
        i++;
    }
    for (; i < n; i++) {
        if (s[i] == '_')
            continue;
        if (s[i] == '.' && scale < 0) {
            scale = 0;
            continue;
        }
        if (s[i] < '0' || s[i] > '9' || ++digits > 18)
            return NULL;
        m = m * 10 + (s[i] - '0');
        if (scale >= 0)
            scale++;
    }
    if (scale < 0)
        scale = 0;
    m = (neg ? -m : m) + delta;
    char digitsbuf[32], out[48];
    unsigned long long a = m < 0 ? (unsigned long long)(-m) : (unsigned long long)m;
    int len = snprintf(digitsbuf, sizeof digitsbuf, "%0*llu", scale + 1, a);
    if (scale == 0)
        snprintf(out, sizeof out, "%s%s", m < 0 ? "-" : "", digitsbuf);
    else
        snprintf(out, sizeof out, "%s%.*s.%s", m < 0 ? "-" : "", len - scale, digitsbuf, digitsbuf + len - scale);
    return dup_text(out, strlen(out));
}

static bool is_comparison(int k)
{
    return k == '<' || k == T_LE || k == '>' || k == T_GE || k == T_EQ || k == T_NE;
}

/* Does a token of this kind end an operand (so a '-' after it subtracts)? */
static bool ends_operand(int k)
{
    return k == T_IDENT || k == T_INT || k == T_DEC || k == T_STRING || k == T_DATE || k == ')' || k == ']' ||
           k == KW_TRUE || k == KW_FALSE || k == KW_NULL || k == KW_TODAY;
}

static bool within(cr_span outer, uint32_t at)
{
    return at >= outer.start && at < outer.end;
}

static bool in_table_row(const cr_program *p, uint32_t at)
{
    for (uint32_t t = 0; t < p->ntables; t++)
        for (uint32_t r = 0; r < p->tables[t].nrows; r++)
            if (within(p->tables[t].row_spans[r], at))
                return true;
    return false;
}

static bool in_scorecard_bin(const cr_program *p, uint32_t at)
{
    for (uint32_t c = 0; c < p->ncharacs; c++)
        for (uint32_t b = 0; b < p->characs[c].nbins; b++)
            if (within(p->characs[c].bin_spans[b], at))
                return true;
    return false;
}

/* Both moves of the number at toks[i] (with its unary minus). */
static void number_mutants(mutants *m, const char *src, const cr_token *toks, uint32_t n, uint32_t i, const cr_program *p)
{
    uint32_t first = i;
    if (i >= 1 && toks[i - 1].kind == '-' && (i < 2 || !ends_operand(toks[i - 2].kind)))
        first = i - 1;
    int prev = first >= 1 ? toks[first - 1].kind : 0, next = i + 1 < n ? toks[i + 1].kind : 0;
    uint32_t start = toks[first].sp.start, end = toks[i].sp.end;
    const char *kind;
    bool boundary = true;
    if (is_comparison(prev))
        kind = "threshold";
    else if ((next == T_DOTDOT && prev != '[') || (prev == T_DOTDOT && next != ']'))
        kind = "range bound";
    else if (prev == T_ARROW && in_scorecard_bin(p, start))
        kind = "points", boundary = false;
    else if (prev == T_ARROW || (prev == '|' && in_table_row(p, start)))
        kind = "table output", boundary = false;
    else if ((next == ',' || next == T_ARROW) && (in_table_row(p, start) || in_scorecard_bin(p, start)))
        kind = "bin value";
    else
        return;
    for (int d = -1; d <= 1; d += 2) {
        char *t = moved(src + start, end - start, d);
        if (!t)
            return;
        add(m, start, end, t, boundary, "%s %.*s -> %s", kind, (int)(end - start), src + start, t);
    }
}

/* The mutants of one policy, in source order within each kind. */
static bool make_mutants(mutants *m, const cr_program *p, const char *src, size_t len)
{
    uint32_t n;
    cr_token *toks = tokens_of(src, len, &n);
    if (!toks)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        int k = toks[i].kind;
        cr_span sp = toks[i].sp;
        if (k == T_INT || k == T_DEC) {
            number_mutants(m, src, toks, n, i, p);
        } else if (k == '<' || k == T_LE || k == '>' || k == T_GE) {
            const char *to = k == '<' ? "<=" : k == T_LE ? "<" : k == '>' ? ">=" : ">";
            add(m, sp.start, sp.end, dup_text(to, strlen(to)), true, "comparison %.*s -> %s",
                (int)(sp.end - sp.start), src + sp.start, to);
        }
    }
    for (uint32_t r = 0; r < p->nrules; r++) {
        cr_span sp = p->rules[r].span;
        char *blank = malloc(sp.end - sp.start + 1);
        if (blank) {
            memset(blank, ' ', sp.end - sp.start);
            blank[sp.end - sp.start] = 0;
        }
        add(m, sp.start, sp.end, blank, false, "rule %s removed", p->rules[r].code);
    }
    for (uint32_t s = 0; s < p->nsegments; s++) {
        const cr_segment_info *sg = &p->segments[s];
        for (uint32_t r = 0; r < sg->nrows; r++) {
            cr_span row = sg->row_spans[r];
            uint32_t i = 0;
            while (i < n && (toks[i].sp.start < row.start || toks[i].kind != KW_WHEN))
                i++;
            if (i + 1 >= n || !within(row, toks[i].sp.start))
                continue;   /* otherwise */
            uint32_t c = toks[i + 1].sp.start, cn = row.end - c;
            char *t = malloc(cn + 8);
            if (t)
                snprintf(t, cn + 8, "not (%.*s)", (int)cn, src + c);
            add(m, c, row.end, t, false, "segment %s: the condition of row %s negated", sg->name, sg->labels[r]);
        }
    }
    free(toks);
    return !m->oom;
}

/* Compiles one mutant and runs the suite on it: 1 killed, 0 survived,
 * -1 did not compile. */
static int try_mutant(const cr_test_suite *ts, const cr_program *p, const char *src, size_t len, const mutant *x,
                      const cr_test_options *opt)
{
    size_t tn = strlen(x->text), n = len - (x->end - x->start) + tn;
    char *ms = malloc(n + 1);
    if (!ms)
        return -1;
    memcpy(ms, src, x->start);
    memcpy(ms + x->start, x->text, tn);
    memcpy(ms + x->start + tn, src + x->end, len - x->end);
    ms[n] = 0;
    cr_diags d;
    cr_diags_init(&d, p->file, ms, n);
    cr_program *mp = cr_compile(p->file, ms, n, &d);
    cr_diags_free(&d);
    int rc = -1;
    cr_coverage cov;
    if (mp && cr_coverage_init(&cov, mp)) {
        cr_test_options quiet = *opt;
        quiet.out = opt->quiet;
        quiet.verbose = false;
        cr_test_totals t;
        memset(&t, 0, sizeof t);
        if (cr_test_suite_run(ts, mp, &cov, true, true, &quiet, &t))
            rc = t.failed > 0;
        cr_coverage_free(&cov);
    }
    cr_program_free(mp);
    free(ms);
    return rc;
}

/* The source line of offset at, without its newline. */
static void print_line(FILE *out, const char *src, size_t len, uint32_t at)
{
    uint32_t b = at, e = at;
    while (b > 0 && src[b - 1] != '\n')
        b--;
    while (e < len && src[e] != '\n')
        e++;
    while (b < e && (src[b] == ' ' || src[b] == '\t'))
        b++;
    fprintf(out, "    %.*s\n", (int)(e - b > 160 ? 160 : e - b), src + b);
}

void cr_mutate(const cr_test_suite *ts, const cr_program *p, const char *src, size_t len, const cr_test_options *opt,
               cr_test_totals *tot)
{
    mutants m;
    memset(&m, 0, sizeof m);
    if (!make_mutants(&m, p, src, len)) {
        fprintf(opt->out, "FAIL %s: out of memory making mutants\n", p->file);
        tot->mutate_failed = true;
    } else {
        uint32_t killed = 0, survived = 0, boundary = 0, invalid = 0, equivalent = 0;
        for (uint32_t i = 0; i < m.count; i++) {
            const mutant *x = &m.items[i];
            int rc = try_mutant(ts, p, src, len, x, opt);
            if (rc < 0) {
                invalid++;
            } else if (rc) {
                killed++;
            } else {
                uint32_t line, col;
                char key[256];
                cr_source_linecol(src, len, x->start, &line, &col);
                snprintf(key, sizeof key, "%u:%u %s", line, col, x->what);
                if (cr_test_suite_equivalent(ts, key)) {
                    equivalent++;
                    continue;
                }
                fprintf(opt->out, "SURVIVED %s:%u:%u: %s%s\n", p->file, line, col, x->what,
                        x->boundary ? " (boundary)" : "");
                print_line(opt->out, src, len, x->start);
                survived++;
                boundary += x->boundary;
            }
        }
        double score = killed + survived ? 100.0 * killed / (killed + survived) : 100.0;
        cr_test_suite_unseen_equivalents(ts, opt->out);
        fprintf(opt->out,
                "mutation score of %s: %.1f%% (%u mutants: %u killed, %u survived, %u of them boundary; %u equivalent,"
                " %u did not compile)\n",
                p->file, score, m.count, killed, survived, boundary, equivalent, invalid);
        if (opt->mutate_min >= 0 && score + 1e-9 < opt->mutate_min) {
            fprintf(opt->out, "FAIL %s: mutation score %.1f%% is below the minimum %.1f%%\n", p->file, score,
                    opt->mutate_min);
            tot->mutate_failed = true;
        }
        tot->mutants += m.count;
        tot->killed += killed;
        tot->survived += survived;
        tot->boundary_survived += boundary;
        tot->invalid += invalid;
        tot->equivalent += equivalent;
    }
    for (uint32_t i = 0; i < m.count; i++)
        free(m.items[i].text);
    free(m.items);
}
