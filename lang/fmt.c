/* credo fmt: one canonical layout for policy sources.
 *
 * The layout:
 *   - 2-space indentation inside blocks ({ ... }); one item, field or row
 *     per line; `}` on a line of its own.
 *   - The header's attributes (version, effective, owner) each on their own
 *     line, indented 2.
 *   - Blank lines: one is kept wherever the author had one or more between
 *     two lines (runs collapse to one); none at the start of a block, before
 *     its `}`, inside an expression, or at the start or end of the file.
 *   - Columns.  admission: `reject`/`refer`, the CODE padded to the longest
 *     code, the description padded to the longest description (a rule
 *     without one gets blanks), then `when cond`.  scorecard: `name:` (or
 *     `name as CODE:`) padded so the bins start in one column, bins
 *     separated by ` | `.  segment: labels padded so `when`/`otherwise`
 *     align.  Decision tables: each `cell,` padded to its column, then
 *     `-> value`; grid tables padded so every `|` lines up.  decide: the
 *     outcome and the reasons padded so `when` aligns.  A column is as wide
 *     as its longest entry in the block, followed by one space; the last
 *     thing on a line is never padded.
 *   - Inside a line: single spaces around binary operators, `->`, `|`, `=`
 *     and after `,` and `:`; none inside ( ) [ ], inside a set's { }, around
 *     `.` and `..`, after a unary minus, before a call's `(` or an index's
 *     `[`.  A record type written on one line stays on one line, as
 *     `{ name: text, share: rate }`; one spread over lines (or commented)
 *     becomes a nested block of fields.
 *   - Expressions are not re-wrapped: a line break the author put inside an
 *     expression (or after `=`, or after `when`) is kept, and the
 *     continuation line keeps its indentation relative to the line the item
 *     or row starts on (at least 2 more), so hand-aligned continuations
 *     stay aligned when the item moves.  A line break between scorecard
 *     bins is kept too; the next bin starts in the bins' column.
 *   - Comments are kept where they were: at the end of their line or on a
 *     line of their own (indented like what follows them).  Trailing
 *     comments of consecutive lines (no blank or comment-only line between;
 *     all top-level, or all inside one block) line up two spaces after the
 *     longest of those lines; lines more than 20 columns longer than their
 *     median are left out and line up among themselves.  A row with a comment inside its
 *     aligned part is left out of the columns and keeps its line breaks.
 *
 * How: the source must parse (cr_parse).  Then the scanner runs again with
 * keep_comments and the layout is built from the token stream alone, so
 * nothing but white space can change: the structure (items, rows, cells)
 * is recognised from tokens that the grammar only allows in one place.
 * Token texts are copied from their byte spans, never re-spelt.  Finally
 * the result is scanned again and must give the same tokens and comments,
 * else it is refused. */
#include "lang/fmt.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lang/parse.h"
#include "runtime/core/utf8.h"
#include "parser.h"
#include "lexer.h"

#define BLOCK_INDENT 2
#define CONT_MIN 2       /* a continuation line is indented at least this much more */
#define COMMENT_GAP 2    /* spaces before an aligned trailing comment */
#define OUTLIER 20       /* a line this much wider than the median does not align (run_column) */

typedef struct ftok {
    int kind;
    uint32_t start, end;
    uint32_t nl;      /* newlines in the white space just before it */
    uint32_t col;     /* indentation width of the source line it is on */
} ftok;

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

typedef struct fline {
    size_t at;        /* its text starts at f->out.p[at]; it ends where the next line starts */
    int32_t comment;  /* index in f->m of the comment ending it (or that it is), -1 none */
    uint32_t depth;   /* block depth (see same_run) */
    bool blank, own;  /* own: a comment on a line of its own */
} fline;

/* A row of a block: code tokens [start, end); cells [cut[k], cut[k+1]) for
 * k < ncells are aligned in columns; [tail, end) follows, as written. */
typedef struct frow {
    uint32_t start, end, tail;
    uint32_t cut0, ncells;   /* its cuts are f->cuts[cut0 .. cut0 + ncells] */
    bool bins;               /* its tail is scorecard bins (emit_bins) */
    bool whole;              /* a table's `default` row: its one cell spans every column */
} frow;

typedef struct fmt {
    const char *src;
    ftok *c;          /* code tokens */
    uint32_t n;
    ftok *m;          /* comments */
    uint32_t nm;
    uint32_t *gap;    /* comments between c[j-1] and c[j]: m[gap[j] .. gap[j+1]) */
    sbuf out;         /* the lines' text */
    fline *lines;
    uint32_t nlines, cap_lines;
    frow *rows;
    uint32_t nrows, cap_rows;
    uint32_t *cuts;
    uint32_t ncuts, cap_cuts;
    uint32_t depth;
    bool after_open;  /* nothing since the last `{`: no blank line here */
    bool failed;      /* out of memory */
} fmt;

/* ---- small buffers ----------------------------------------------------- */

/* p with room for `need` elements of `elem` bytes (*cap counts them);
 * NULL when out of memory, p then untouched. */
static void *grown(void *p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    uint32_t nc = *cap ? *cap : 16;
    while (nc < need)
        nc *= 2;
    void *np = realloc(p, (size_t)nc * elem);
    if (np)
        *cap = nc;
    return np;
}

static void sb_put(fmt *f, sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->len + n + 1)
            nc *= 2;
        char *np = realloc(b->p, nc);
        if (!np) {
            f->failed = true;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_spaces(fmt *f, sbuf *b, uint32_t n)
{
    static const char sp[] = "                                ";
    while (n > 0) {
        uint32_t k = n < sizeof sp - 1 ? n : (uint32_t)(sizeof sp - 1);
        sb_put(f, b, sp, k);
        n -= k;
    }
}

/* Columns a text takes on a terminal: two for a wide East Asian character
 * (descriptions and names may well be Chinese), none for a combining mark
 * (runtime/core/utf8.h, the one measure of columns). */
static uint32_t text_width(const char *s, size_t n)
{
    return (uint32_t)cr_utf8_width(s, n);
}

/* ---- tokens ------------------------------------------------------------ */

/* Width of the indentation of the line that starts at byte `s` (a tab
 * goes to the next multiple of 8). */
static uint32_t indent_at(const char *src, size_t len, size_t s)
{
    uint32_t w = 0;
    for (; s < len && (src[s] == ' ' || src[s] == '\t'); s++)
        w = src[s] == '\t' ? (w / 8 + 1) * 8 : w + 1;
    return w;
}

typedef struct toklist {
    ftok *t;
    uint32_t n, cap;
} toklist;

/* Scans src with comments kept.  Lexical errors go to diags (there are
 * none in a source that parsed). */
static bool scan(const char *src, size_t len, cr_diags *diags, toklist *out)
{
    memset(out, 0, sizeof *out);
    uint32_t n;
    cr_token *toks = cr_lex_all(src, len, diags, true, &n);
    if (!toks || !(out->t = malloc((n ? n : 1) * sizeof *out->t))) {
        free(toks);
        return false;
    }
    out->n = out->cap = n;
    uint32_t prev_end = 0, col = indent_at(src, len, 0);
    for (uint32_t i = 0; i < n; i++) {
        ftok *t = &out->t[i];
        t->kind = toks[i].kind;
        t->start = toks[i].sp.start;
        t->end = toks[i].sp.end;
        t->nl = 0;
        /* only white space holds newlines: texts, patterns and comments end before one */
        for (uint32_t j = prev_end; j < t->start; j++) {
            if (src[j] == '\n') {
                t->nl++;
                col = indent_at(src, len, j + 1);
            }
        }
        t->col = col;
        prev_end = t->end;
    }
    free(toks);
    return true;
}

/* Splits the scanned tokens into code tokens and comments. */
static bool split_tokens(fmt *f, const toklist *all)
{
    f->c = malloc(((size_t)all->n + 1) * sizeof *f->c);
    f->m = malloc(((size_t)all->n + 1) * sizeof *f->m);
    f->gap = malloc(((size_t)all->n + 2) * sizeof *f->gap);
    if (!f->c || !f->m || !f->gap)
        return false;
    f->gap[0] = 0;
    for (uint32_t i = 0; i < all->n; i++) {
        if (all->t[i].kind == T_COMMENT) {
            f->m[f->nm++] = all->t[i];
        } else {
            f->gap[f->n + 1] = f->nm;
            f->c[f->n++] = all->t[i];
        }
    }
    f->gap[f->n + 1] = f->nm;
    return true;
}

static int kind(const fmt *f, uint32_t j)
{
    return j < f->n ? f->c[j].kind : 0;
}

static bool has_comments(const fmt *f, uint32_t j)
{
    return j <= f->n && f->gap[j] < f->gap[j + 1];
}

/* Did the author break the line between c[j-1] and c[j]? */
static bool broken(const fmt *f, uint32_t j)
{
    return j < f->n && (f->c[j].nl > 0 || has_comments(f, j));
}

/* Any comment between two of the tokens [a, b)? */
static bool comments_inside(const fmt *f, uint32_t a, uint32_t b)
{
    for (uint32_t j = a + 1; j < b; j++)
        if (has_comments(f, j))
            return true;
    return false;
}

static bool is_open(int k) { return k == '(' || k == '[' || k == '{'; }
static bool is_close(int k) { return k == ')' || k == ']' || k == '}'; }

/* Tokens after which an operand has ended: a '-' that follows one is a
 * subtraction, a '[' an index. */
static bool ends_operand(int k)
{
    switch (k) {
    case T_IDENT: case T_INT: case T_DEC: case T_STRING: case T_DATE: case T_REGEX:
    case KW_TRUE: case KW_FALSE: case KW_NULL: case KW_TODAY:
    case ')': case ']': case '}':
        return true;
    default:
        return false;
    }
}

/* ---- recognising structure ------------------------------------------- */

/* The bracket closing the one opened at j (n when there is none). */
static uint32_t matching(const fmt *f, uint32_t j)
{
    uint32_t depth = 0;
    for (uint32_t k = j; k < f->n; k++) {
        int t = kind(f, k);
        if (is_open(t))
            depth++;
        else if (is_close(t) && --depth == 0)
            return k;
    }
    return f->n;
}

/* Can c[j] not be part of the expression that began at c[first]?  These
 * tokens only ever start an item or a row, or follow an expression
 * (`when`, `->`, `|`); a name followed by `=` or a literal starts an item;
 * one followed by `when` or `otherwise` right after an operand (no
 * operator between) starts a segment row. */
static bool stops_expr(const fmt *f, uint32_t first, uint32_t j)
{
    int next = kind(f, j + 1);
    switch (kind(f, j)) {
    case KW_INPUT: case KW_CONST: case KW_LET: case KW_FN: case KW_REJECT: case KW_REFER:
    case KW_APPROVE: case KW_SCORECARD: case KW_SEGMENT: case KW_TABLE: case KW_DECIDE: case KW_LOOKUP:
    case KW_WHEN: case KW_OTHERWISE: case KW_POLICY: case T_ARROW: case '|':
        return true;
    case KW_ADMISSION:
        return next == '{';
    case T_IDENT:
        if (next == KW_WHEN || next == KW_OTHERWISE)
            return j > first && ends_operand(kind(f, j - 1));
        return next == '=' || next == T_STRING || next == T_DATE;
    default:
        return false;
    }
}

/* The end of the expression (or comma-separated expressions) from j. */
static uint32_t skip_expr(const fmt *f, uint32_t j)
{
    uint32_t depth = 0, first = j;
    for (; j < f->n; j++) {
        int t = kind(f, j);
        if (is_open(t)) {
            depth++;
        } else if (is_close(t)) {
            if (depth == 0)
                return j;
            depth--;
        } else if (depth == 0 && stops_expr(f, first, j)) {
            return j;
        }
    }
    return f->n;
}

/* operand: [-] number, or one literal or name */
static uint32_t skip_operand(const fmt *f, uint32_t j)
{
    if (kind(f, j) == '-' && (kind(f, j + 1) == T_INT || kind(f, j + 1) == T_DEC))
        return j + 2;
    return j + 1;
}

/* A row's or bin's value: an operand, null or ( expr ). */
static uint32_t skip_value(const fmt *f, uint32_t j)
{
    if (kind(f, j) == '(') {
        uint32_t m = matching(f, j);
        return m < f->n ? m + 1 : m;
    }
    return skip_operand(f, j);
}

/* A test: else, v, < v, <= v, > v, >= v, != v, a..b, {a, b} */
static uint32_t skip_cell(const fmt *f, uint32_t j)
{
    switch (kind(f, j)) {
    case KW_ELSE:
        return j + 1;
    case '{': {
        uint32_t m = matching(f, j);
        return m < f->n ? m + 1 : m;
    }
    case '<': case '>': case T_LE: case T_GE: case T_NE:
        return skip_operand(f, j + 1);
    default: {
        uint32_t k = skip_operand(f, j);
        return kind(f, k) == T_DOTDOT ? skip_operand(f, k + 1) : k;
    }
    }
}

/* A table row's test, where a lone '-' also means any. */
static uint32_t skip_rcell(const fmt *f, uint32_t j)
{
    if (kind(f, j) == '-' && kind(f, j + 1) != T_INT && kind(f, j + 1) != T_DEC)
        return j + 1;
    return skip_cell(f, j);
}

/* `one of {"a", "b"}`: a closed set of values (c[j] is `one`)? */
static bool is_one_of(const fmt *f, uint32_t j)
{
    return kind(f, j) == T_IDENT && kind(f, j + 1) == KW_OF && kind(f, j + 2) == '{';
}

/* int, money?, list of T, { fields }?, one of { values }? */
static uint32_t skip_type(const fmt *f, uint32_t j)
{
    uint32_t k;
    if (kind(f, j) == KW_LIST && kind(f, j + 1) == KW_OF)
        return skip_type(f, j + 2);
    if (is_one_of(f, j))
        j += 2;
    if (kind(f, j) == '{' || kind(f, j) == '(') {   /* a record; (list of T)? */
        k = matching(f, j);
        k = k < f->n ? k + 1 : k;
    } else {
        k = j + 1;
    }
    return kind(f, k) == '?' ? k + 1 : k;
}

/* name: type [,] */
static uint32_t skip_field(const fmt *f, uint32_t j)
{
    if (kind(f, j + 1) != ':')
        return j + 1;
    uint32_t k = skip_type(f, j + 2);
    return kind(f, k) == ',' ? k + 1 : k;
}

/* The first token of kind `want` at bracket depth 0 from j, or the first
 * unmatched closing bracket, or n. */
static uint32_t find_top(const fmt *f, uint32_t j, int want)
{
    uint32_t depth = 0;
    for (; j < f->n; j++) {
        int t = kind(f, j);
        if (depth == 0 && t == want)
            return j;
        if (is_open(t)) {
            depth++;
        } else if (is_close(t)) {
            if (depth == 0)
                return j;
            depth--;
        }
    }
    return f->n;
}

/* ---- writing lines ----------------------------------------------------- */

static void put(fmt *f, const char *s, size_t n)
{
    sb_put(f, &f->out, s, n);
}

static void put_tok(fmt *f, uint32_t j)
{
    put(f, f->src + f->c[j].start, f->c[j].end - f->c[j].start);
}

static fline *push_line(fmt *f)
{
    fline *grew = grown(f->lines, &f->cap_lines, f->nlines + 1, sizeof *f->lines);
    if (!grew) {
        f->failed = true;
        return NULL;
    }
    f->lines = grew;
    fline *l = &f->lines[f->nlines++];
    memset(l, 0, sizeof *l);
    l->at = f->out.len;
    l->comment = -1;
    l->depth = f->depth;
    return l;
}

static void new_line(fmt *f, uint32_t indent)
{
    if (push_line(f))
        sb_spaces(f, &f->out, indent);
    f->after_open = false;
}

/* Columns the current line takes so far. */
static uint32_t line_width(const fmt *f)
{
    size_t at = f->nlines ? f->lines[f->nlines - 1].at : 0;
    return text_width(f->out.p + at, f->out.len - at);
}

/* At most one blank line, never first, never right after a `{`. */
static void blank_line(fmt *f)
{
    if (f->nlines == 0 || f->after_open || f->lines[f->nlines - 1].blank)
        return;
    fline *l = push_line(f);
    if (l)
        l->blank = true;
}

/* A continuation line's indentation: its offset in the source from the
 * line its construct began on (ref), at least CONT_MIN, past indent. */
static uint32_t cont_indent(uint32_t indent, uint32_t col, uint32_t ref)
{
    return indent + (col >= ref + CONT_MIN ? col - ref : CONT_MIN);
}

#define NO_REF UINT32_MAX

/* The comments before c[j]: one on the line of c[j-1] stays at the end of
 * that line; the others get lines of their own at `indent` (or, inside an
 * expression, where continuation lines go: ref != NO_REF), with a blank
 * line before one the author separated by a blank line when blanks. */
static void gap_comments(fmt *f, uint32_t j, uint32_t indent, uint32_t ref, bool blanks)
{
    for (uint32_t k = f->gap[j]; k < f->gap[j + 1]; k++) {
        const ftok *m = &f->m[k];
        fline *last = f->nlines ? &f->lines[f->nlines - 1] : NULL;
        if (m->nl == 0 && j > 0 && k == f->gap[j] && last && !last->blank && last->comment < 0) {
            last->comment = (int32_t)k;
            continue;
        }
        if (blanks && m->nl >= 2)
            blank_line(f);
        new_line(f, ref == NO_REF ? indent : cont_indent(indent, m->col, ref));
        if (f->nlines) {
            f->lines[f->nlines - 1].own = true;
            f->lines[f->nlines - 1].comment = (int32_t)k;
        }
    }
}

/* Starts the line that c[j] begins: the comments before it, then a blank
 * line if the author left one. */
static void begin_line(fmt *f, uint32_t j, uint32_t indent)
{
    gap_comments(f, j, indent, NO_REF, true);
    if (j < f->n && f->c[j].nl >= 2)
        blank_line(f);
    new_line(f, indent);
}

/* Is there a space between c[j-1] and c[j], within a run that began at
 * c[first]? */
static bool space_before(const fmt *f, uint32_t first, uint32_t j)
{
    int p = kind(f, j - 1), c = kind(f, j);
    if (p == '-' && (j - 1 == first || !ends_operand(kind(f, j - 2))))
        return c == T_ARROW || c == '|';          /* unary minus; a lone '-' cell */
    if (p == '(' || p == '[' || p == '{' || p == '.' || p == T_DOTDOT)
        return false;
    if (c == ')' || c == ']' || c == '}' || c == ',' || c == ':' || c == '?' || c == '.' || c == T_DOTDOT)
        return false;
    if (c == '(' && (p == T_IDENT || p == KW_COUNT))
        return false;                             /* a call */
    if (c == '[' && ends_operand(p))
        return false;                             /* an index or a slice */
    return true;
}

/* Columns [a, b) take on one line. */
static uint32_t inline_width(const fmt *f, uint32_t a, uint32_t b)
{
    uint32_t w = 0;
    for (uint32_t j = a; j < b; j++) {
        if (j > a && space_before(f, a, j))
            w++;
        w += text_width(f->src + f->c[j].start, f->c[j].end - f->c[j].start);
    }
    return w;
}

/* Tokens [a, b) on the current line. */
static void emit_inline(fmt *f, uint32_t a, uint32_t b)
{
    for (uint32_t j = a; j < b; j++) {
        if (j > a && space_before(f, a, j))
            put(f, " ", 1);
        put_tok(f, j);
    }
}

/* Tokens [a, b) from the current line on, keeping the author's line
 * breaks and every comment; continuation lines are indented from `indent`
 * by their source offset from the column `ref` (see cont_indent). */
static void emit_free(fmt *f, uint32_t a, uint32_t b, uint32_t indent, uint32_t ref)
{
    for (uint32_t j = a; j < b; j++) {
        if (j > a && broken(f, j)) {
            gap_comments(f, j, indent, ref, false);
            new_line(f, cont_indent(indent, f->c[j].col, ref));
        } else if (j > a && space_before(f, a, j)) {
            put(f, " ", 1);
        }
        put_tok(f, j);
    }
}

/* Scorecard bins [a, b) from column `col` of the current line: a bin the
 * author put on a new line starts in that column again, its `|` (if it
 * leads the line) hanging just before it. */
static void emit_bins(fmt *f, uint32_t a, uint32_t b, uint32_t col)
{
    for (uint32_t j = a; j < b; j++) {
        if (j > a && broken(f, j)) {
            gap_comments(f, j, col, NO_REF, false);
            new_line(f, kind(f, j) == '|' && col >= 2 ? col - 2 : col);
        } else if (j > a && space_before(f, a, j)) {
            put(f, " ", 1);
        }
        put_tok(f, j);
    }
}

/* ---- rows and columns -------------------------------------------------- */

static void push_cut(fmt *f, uint32_t k)
{
    uint32_t *grew = grown(f->cuts, &f->cap_cuts, f->ncuts + 1, sizeof *f->cuts);
    if (!grew) {
        f->failed = true;
        return;
    }
    f->cuts = grew;
    f->cuts[f->ncuts++] = k;
}

/* Starts a row at c[start]; push_cut() then marks where each further cell
 * begins, and row_end() where the cells stop and the row ends. */
static void row_begin(fmt *f, uint32_t start)
{
    frow *grew = grown(f->rows, &f->cap_rows, f->nrows + 1, sizeof *f->rows);
    if (!grew) {
        f->failed = true;
        return;
    }
    f->rows = grew;
    frow *r = &f->rows[f->nrows++];
    memset(r, 0, sizeof *r);
    r->start = start;
    r->cut0 = f->ncuts;
    push_cut(f, start);
}

/* Returns where the next row starts, always past this one's start. */
static uint32_t row_end(fmt *f, uint32_t tail, uint32_t end)
{
    if (f->failed || f->nrows == 0)
        return f->n;
    frow *r = &f->rows[f->nrows - 1];
    if (end <= r->start)
        end = r->start + 1;
    if (end > f->n)
        end = f->n;
    if (tail > end)
        tail = end;
    push_cut(f, tail);
    r->tail = tail;
    r->end = end;
    r->ncells = f->ncuts - r->cut0 - 1;
    return end;
}

static uint32_t cell_a(const fmt *f, const frow *r, uint32_t k) { return f->cuts[r->cut0 + k]; }
static uint32_t cell_b(const fmt *f, const frow *r, uint32_t k) { return f->cuts[r->cut0 + k + 1]; }

/* The cells before this index are padded to their column: those followed
 * by something on the row. */
static uint32_t padded_cells(const fmt *f, const frow *r)
{
    if (r->tail < r->end)
        return r->ncells;
    uint32_t k = r->ncells;
    while (k > 0 && cell_a(f, r, k - 1) == cell_b(f, r, k - 1))
        k--;
    return k ? k - 1 : 0;
}

/* A row is laid out in columns unless a comment sits inside its cells
 * (or just before its tail, which joins the cells' line). */
static bool row_aligned(const fmt *f, const frow *r)
{
    uint32_t limit = r->tail < r->end ? r->tail + 1 : r->end;
    return !comments_inside(f, r->start, limit);
}

static void emit_row(fmt *f, const frow *r, const uint32_t *width, uint32_t indent)
{
    begin_line(f, r->start, indent);
    uint32_t ref = f->c[r->start].col;
    if (!row_aligned(f, r)) {
        emit_free(f, r->start, r->end, indent, ref);
        return;
    }
    uint32_t padded = padded_cells(f, r);
    bool any = false;
    if (r->whole && r->tail < r->end) {
        /* padded to where the other rows' arrows are (width[0] holds it) */
        emit_inline(f, r->start, r->tail);
        sb_spaces(f, &f->out, width[0] - inline_width(f, r->start, r->tail));
        any = true;
        padded = r->ncells;
    }
    for (uint32_t k = any ? r->ncells : 0; k < r->ncells; k++) {
        uint32_t a = cell_a(f, r, k), b = cell_b(f, r, k);
        if (k < padded ? width[k] == 0 : a == b)
            continue;                   /* a column empty on every row */
        if (any)
            put(f, " ", 1);
        any = true;
        emit_inline(f, a, b);
        if (k < padded)
            sb_spaces(f, &f->out, width[k] - inline_width(f, a, b));
    }
    if (r->tail < r->end) {
        if (any)
            put(f, " ", 1);
        if (r->bins)
            emit_bins(f, r->tail, r->end, line_width(f));
        else
            emit_free(f, r->tail, r->end, indent, ref);
    }
}

/* Writes the rows collected since f->nrows was 0, their columns padded to
 * the widest entry of the aligned rows. */
static void emit_rows(fmt *f, uint32_t indent)
{
    if (f->failed)
        return;
    uint32_t ncols = 0;
    for (uint32_t i = 0; i < f->nrows; i++)
        if (f->rows[i].ncells > ncols)
            ncols = f->rows[i].ncells;
    uint32_t *width = calloc(ncols + 1, sizeof *width);
    if (!width) {
        f->failed = true;
        return;
    }
    for (uint32_t i = 0; i < f->nrows; i++) {
        const frow *r = &f->rows[i];
        if (!row_aligned(f, r) || r->whole)
            continue;
        uint32_t padded = padded_cells(f, r);
        for (uint32_t k = 0; k < padded; k++) {
            uint32_t w = inline_width(f, cell_a(f, r, k), cell_b(f, r, k));
            if (w > width[k])
                width[k] = w;
        }
    }
    /* a default row's word spans the columns and their spaces, so its
     * arrow lines up with the others'; a longer word widens the last */
    uint32_t span = 0, last = 0;
    bool whole = false;
    for (uint32_t k = 0; k < ncols; k++)
        if (width[k]) {
            span += (span ? 1 : 0) + width[k];
            last = k;
        }
    for (uint32_t i = 0; i < f->nrows; i++) {
        const frow *r = &f->rows[i];
        if (!r->whole || !row_aligned(f, r))
            continue;
        whole = true;
        uint32_t w = inline_width(f, r->start, r->tail);
        if (w > span) {
            width[last] += w - span;
            span = w;
        }
    }
    uint32_t *dwidth = whole ? calloc(ncols + 1, sizeof *dwidth) : NULL;
    if (whole && !dwidth) {
        free(width);
        f->failed = true;
        return;
    }
    if (dwidth)
        dwidth[0] = span;
    for (uint32_t i = 0; i < f->nrows && !f->failed; i++)
        emit_row(f, &f->rows[i], f->rows[i].whole ? dwidth : width, indent);
    free(dwidth);
    free(width);
    f->nrows = 0;
    f->ncuts = 0;
}

/* One row on its own: its cells separated by single spaces. */
static uint32_t single_row(fmt *f, uint32_t start, uint32_t tail, uint32_t end, uint32_t indent)
{
    f->nrows = 0;
    f->ncuts = 0;
    row_begin(f, start);
    uint32_t next = row_end(f, tail, end);
    emit_rows(f, indent);
    return next;
}

/* ---- the rows of each block ------------------------------------------- */

/* reject CODE ["description"] when cond: returns where the next row starts */
static uint32_t rule_row(fmt *f, uint32_t j)
{
    row_begin(f, j);
    uint32_t k = j + 1;
    if (kind(f, j) == KW_REJECT || kind(f, j) == KW_REFER) {
        push_cut(f, j + 1);
        push_cut(f, j + 2);
        k = kind(f, j + 2) == T_STRING ? j + 3 : j + 2;
    }
    return row_end(f, k, skip_expr(f, k + 1));
}

static uint32_t rows_admission(fmt *f, uint32_t j)
{
    while (j < f->n && kind(f, j) != '}' && !f->failed)
        j = rule_row(f, j);
    return j;
}

/* LABEL when cond | LABEL otherwise */
static uint32_t rows_segment(fmt *f, uint32_t j)
{
    while (j < f->n && kind(f, j) != '}' && !f->failed) {
        row_begin(f, j);
        uint32_t end = kind(f, j + 1) == KW_OTHERWISE ? j + 2 : skip_expr(f, j + 2);
        j = row_end(f, j + 1, end);
    }
    return j;
}

/* outcome [reasons] [when cond] */
static uint32_t rows_decide(fmt *f, uint32_t j)
{
    while (j < f->n && kind(f, j) != '}' && !f->failed) {
        row_begin(f, j);
        push_cut(f, j + 1);
        uint32_t r = skip_expr(f, j + 1);
        uint32_t end = kind(f, r) == KW_WHEN ? skip_expr(f, r + 1) : r;
        j = row_end(f, r, end);
    }
    return j;
}

/* name [as CODE]: cell -> value | cell -> value ... */
static uint32_t rows_scorecard(fmt *f, uint32_t j)
{
    while (j < f->n && kind(f, j) != '}' && !f->failed) {
        row_begin(f, j);
        uint32_t colon = find_top(f, j, ':');
        uint32_t k = colon < f->n ? colon + 1 : colon;
        while (k < f->n) {
            uint32_t arrow = find_top(f, k, T_ARROW);
            if (kind(f, arrow) != T_ARROW)
                break;
            k = skip_value(f, arrow + 1);
            if (kind(f, k) != '|')
                break;
            k++;
        }
        j = row_end(f, colon < f->n ? colon + 1 : colon, k);
        if (f->nrows)
            f->rows[f->nrows - 1].bins = true;
    }
    return j;
}

/* cell, cell, ... -> value: each cell with its comma is a column */
static uint32_t rows_table(fmt *f, uint32_t j)
{
    while (j < f->n && kind(f, j) != '}' && !f->failed) {
        row_begin(f, j);
        uint32_t depth = 0, k = j;
        for (; k < f->n; k++) {
            int t = kind(f, k);
            if (is_open(t)) {
                depth++;
            } else if (is_close(t)) {
                if (depth == 0)
                    break;
                depth--;
            } else if (depth == 0 && t == ',') {
                push_cut(f, k + 1);
            } else if (depth == 0 && t == T_ARROW) {
                break;
            }
        }
        uint32_t end = kind(f, k) == T_ARROW ? skip_value(f, k + 1) : k;
        while (kind(f, k) == T_ARROW && kind(f, end) == ',')   /* several outputs: `-> 50000, 3.10` */
            end = skip_value(f, end + 1);
        /* `default -> ...` has no cells: its word stands for all of them */
        f->rows[f->nrows - 1].whole = k == j + 1 && kind(f, k) == T_ARROW && kind(f, j) == T_IDENT &&
                                      f->c[j].end - f->c[j].start == 7 && memcmp(f->src + f->c[j].start, "default", 7) == 0;
        j = row_end(f, k, end);
    }
    return j;
}

/* | col | col ...   then   row | value | value ...: the row test is one
 * column and each `| value` another, so the bars line up. */
static uint32_t rows_grid(fmt *f, uint32_t j)
{
    row_begin(f, j);
    push_cut(f, j);                      /* the header has no row test */
    uint32_t k = j;
    while (kind(f, k) == '|') {
        if (k > j)
            push_cut(f, k);
        k = skip_cell(f, k + 1);
    }
    j = row_end(f, k, k);
    while (j < f->n && kind(f, j) != '}' && !f->failed) {
        row_begin(f, j);
        k = skip_rcell(f, j);
        while (kind(f, k) == '|') {
            push_cut(f, k);
            k = skip_value(f, k + 1);
        }
        j = row_end(f, k, k);
    }
    return j;
}

/* ---- items ------------------------------------------------------------- */

/* A block's head, through its `{`, on one line (as written if a comment
 * is inside it); `split` > a puts a space before c[split] whatever precedes
 * it (scorecard NAME base (expr)). */
static void emit_head(fmt *f, uint32_t a, uint32_t split, uint32_t brace)
{
    if (comments_inside(f, a, brace + 1)) {
        emit_free(f, a, brace + 1, 0, f->c[a].col);
    } else if (split > a && split < brace) {
        emit_inline(f, a, split);
        put(f, " ", 1);
        emit_inline(f, split, brace + 1);
    } else {
        emit_inline(f, a, brace + 1);
    }
    f->after_open = true;
}

static void close_block(fmt *f, uint32_t close, uint32_t inner, uint32_t outer)
{
    if (close >= f->n)
        return;
    gap_comments(f, close, inner, NO_REF, true);
    f->depth--;
    new_line(f, outer);
    put_tok(f, close);
}

typedef uint32_t (*rows_fn)(fmt *f, uint32_t j);

/* head { rows }: returns where the next item starts. */
static uint32_t item_block(fmt *f, uint32_t j, uint32_t split, uint32_t brace, rows_fn rows)
{
    begin_line(f, j, 0);
    emit_head(f, j, split, brace);
    f->depth++;
    f->nrows = 0;
    f->ncuts = 0;
    uint32_t close = rows(f, brace + 1);
    emit_rows(f, BLOCK_INDENT);
    close_block(f, close, BLOCK_INDENT, 0);
    return close < f->n ? close + 1 : f->n;
}

static uint32_t emit_type(fmt *f, uint32_t j, uint32_t indent);

/* fields between `{` at j and its `}` at m on one line: { a: int, b: text } */
static void emit_record_inline(fmt *f, uint32_t j, uint32_t m)
{
    if (m == j + 1) {
        put(f, "{}", 2);
        return;
    }
    put(f, "{ ", 2);
    uint32_t k = j + 1;
    while (k < m && !f->failed) {
        put_tok(f, k);
        if (kind(f, k + 1) != ':') {
            k++;
        } else {
            put(f, ": ", 2);
            k = emit_type(f, k + 2, 0);
        }
        if (kind(f, k) == ',') {
            put(f, ",", 1);
            k++;
        }
        if (k < m)
            put(f, " ", 1);
    }
    put(f, " }", 2);
}

static uint32_t emit_fields(fmt *f, uint32_t j, uint32_t indent);

/* A type from c[j]; a record the author spread over lines (or commented)
 * becomes a nested block.  Returns the index after it. */
static uint32_t emit_type(fmt *f, uint32_t j, uint32_t indent)
{
    uint32_t k;
    if (kind(f, j) == KW_LIST && kind(f, j + 1) == KW_OF) {
        put(f, "list of ", 8);
        return emit_type(f, j + 2, indent);
    }
    if (kind(f, j) == '(') {           /* (list of T)? */
        k = matching(f, j);
        if (k >= f->n)
            return k;
        put_tok(f, j);
        emit_type(f, j + 1, indent);
        put_tok(f, k);
        k++;
    } else if (is_one_of(f, j)) {
        put_tok(f, j);
        put(f, " of ", 4);
        k = matching(f, j + 2);
        if (k >= f->n)
            return k;
        emit_inline(f, j + 2, k + 1);
        k++;
    } else if (kind(f, j) == '{') {
        uint32_t m = matching(f, j);
        if (m >= f->n)
            return m;
        bool block = false;
        for (uint32_t t = j + 1; t <= m && !block; t++)
            block = broken(f, t);
        if (block) {
            put_tok(f, j);
            f->after_open = true;
            f->depth++;
            uint32_t close = emit_fields(f, j + 1, indent + BLOCK_INDENT);
            close_block(f, close, indent + BLOCK_INDENT, indent);
        } else {
            emit_record_inline(f, j, m);
        }
        k = m + 1;
    } else {
        put_tok(f, j);
        k = j + 1;
    }
    if (kind(f, k) == '?') {
        put_tok(f, k);
        k++;
    }
    return k;
}

/* A comment between two of the tokens [a, b) outside any { }? */
static bool comments_outside_braces(const fmt *f, uint32_t a, uint32_t b)
{
    uint32_t depth = 0;
    for (uint32_t j = a + 1; j < b; j++) {
        if (depth == 0 && has_comments(f, j))
            return true;
        if (kind(f, j) == '{')
            depth++;
        else if (kind(f, j) == '}' && depth > 0)
            depth--;
    }
    return false;
}

/* Fields, one a line, up to the `}` (returned). */
static uint32_t emit_fields(fmt *f, uint32_t j, uint32_t indent)
{
    while (j < f->n && kind(f, j) != '}' && !f->failed) {
        uint32_t end = skip_field(f, j);
        begin_line(f, j, indent);
        if (kind(f, j + 1) != ':' || comments_outside_braces(f, j, end)) {
            emit_free(f, j, end, indent, f->c[j].col);
        } else {
            put_tok(f, j);
            put(f, ": ", 2);
            uint32_t k = emit_type(f, j + 2, indent);
            if (k < end)
                emit_inline(f, k, end);     /* its comma */
        }
        j = end;
    }
    return j;
}

/* head { fields }: an input block, or a lookup's columns */
static uint32_t item_fields(fmt *f, uint32_t j, uint32_t brace)
{
    begin_line(f, j, 0);
    emit_head(f, j, j, brace);
    f->depth++;
    uint32_t close = emit_fields(f, brace + 1, BLOCK_INDENT);
    close_block(f, close, BLOCK_INDENT, 0);
    return close < f->n ? close + 1 : f->n;
}

/* head = expr (const, let, a named result, fn): the head on one line, the
 * expression from `=` on with its line breaks. */
static uint32_t item_expr(fmt *f, uint32_t j, uint32_t eq)
{
    return single_row(f, j, eq, skip_expr(f, eq + 1), 0);
}

/* table NAME(inputs) -> type [hit POLICY [AGG]] {: its `{` */
static uint32_t table_brace(const fmt *f, uint32_t j)
{
    uint32_t open = find_top(f, j, '(');
    uint32_t close = kind(f, open) == '(' ? matching(f, open) : f->n;
    uint32_t k = close < f->n && kind(f, close + 1) == T_ARROW ? skip_type(f, close + 2) : f->n;
    while (k < f->n && kind(f, k) != '{' && kind(f, k) != '}')
        k++;
    return k;
}

static uint32_t item(fmt *f, uint32_t j)
{
    int next = kind(f, j + 1);
    switch (kind(f, j)) {
    case KW_INPUT:
        if (kind(f, j + 2) == '{')
            return item_fields(f, j, j + 2);
        if (kind(f, j + 4) == '{')     /* input NAME key FIELD { */
            return item_fields(f, j, j + 4);
        break;
    case KW_LOOKUP: {
        uint32_t brace = find_top(f, j, '{');
        if (kind(f, brace) == '{')
            return item_fields(f, j, brace);
        break;
    }
    case KW_ADMISSION:
        if (next == '{')
            return item_block(f, j, j, j + 1, rows_admission);
        break;
    case KW_DECIDE:
        if (next == '{')
            return item_block(f, j, j, j + 1, rows_decide);
        break;
    case KW_SEGMENT:
        if (kind(f, j + 2) == '{')
            return item_block(f, j, j, j + 2, rows_segment);
        break;
    case KW_SCORECARD: {
        uint32_t brace = skip_value(f, j + 3);
        if (kind(f, brace) == '{')
            return item_block(f, j, j + 3, brace, rows_scorecard);
        break;
    }
    case KW_TABLE: {
        uint32_t brace = table_brace(f, j);
        if (kind(f, brace) == '{')
            return item_block(f, j, j, brace, kind(f, brace + 1) == '|' ? rows_grid : rows_table);
        break;
    }
    case KW_CONST:
    case KW_LET:
        if (kind(f, j + 2) == '=')
            return item_expr(f, j, j + 2);
        break;
    case KW_FN: {
        uint32_t eq = find_top(f, j, '=');
        if (kind(f, eq) == '=')
            return item_expr(f, j, eq);
        break;
    }
    case KW_REJECT:
    case KW_REFER: {
        f->nrows = 0;
        f->ncuts = 0;
        uint32_t end = rule_row(f, j);
        emit_rows(f, 0);
        return end;
    }
    case T_IDENT:
        if (next == '=')
            return item_expr(f, j, j + 1);
        break;
    default:
        break;
    }
    /* not recognised (cannot happen in a policy that parsed): as written */
    return item_expr(f, j, j + 1);
}

/* policy NAME ["title"], then each attribute on its own indented line. */
static uint32_t header(fmt *f)
{
    if (kind(f, 0) != KW_POLICY)
        return 0;
    uint32_t end = kind(f, 2) == T_STRING ? 3 : 2;
    uint32_t j = single_row(f, 0, end, end, 0);
    while (kind(f, j) == T_IDENT && (kind(f, j + 1) == T_STRING || kind(f, j + 1) == T_DATE))
        j = single_row(f, j, j + 2, j + 2, BLOCK_INDENT);
    return j;
}

/* ---- output -------------------------------------------------------- */

static uint32_t trimmed_len(const fmt *f, uint32_t i)
{
    size_t at = f->lines[i].at;
    size_t end = i + 1 < f->nlines ? f->lines[i + 1].at : f->out.len;
    while (end > at && f->out.p[end - 1] == ' ')
        end--;
    return (uint32_t)(end - at);
}

static uint32_t comment_len(const fmt *f, int32_t k)
{
    const ftok *m = &f->m[k];
    uint32_t end = m->end;
    while (end > m->start && (f->src[end - 1] == ' ' || f->src[end - 1] == '\t' || f->src[end - 1] == '\r'))
        end--;
    return end - m->start;
}

/* Consecutive lines with code, no blank or comment-only line between,
 * all at the top level or all inside one block (a nested record included):
 * their trailing comments start in one column. */
static bool same_run(const fline *a, const fline *b)
{
    return !b->blank && !b->own && (a->depth == 0) == (b->depth == 0);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The column of the trailing comments of lines whose code widths (w, n of
 * them, sorted in place) are given: two spaces past the widest line,
 * leaving out lines more than OUTLIER columns wider than the median, which
 * would push every comment far right (a long record type among short
 * fields).  Those (wider than *limit) line up among themselves, at *far. */
static uint32_t run_column(uint32_t *w, uint32_t n, uint32_t *limit, uint32_t *far)
{
    qsort(w, n, sizeof *w, cmp_u32);
    *limit = w[(n - 1) / 2] + OUTLIER;
    *far = w[n - 1] + COMMENT_GAP;
    uint32_t maxw = 0;
    for (uint32_t k = 0; k < n; k++)
        if (w[k] <= *limit && w[k] > maxw)
            maxw = w[k];
    return maxw + COMMENT_GAP;
}

/* col[i] gets the column of line i's trailing comment (widths: scratch
 * space for one width a line). */
static void comment_columns(const fmt *f, uint32_t *col, uint32_t *widths)
{
    uint32_t i = 0;
    while (i < f->nlines) {
        const fline *l = &f->lines[i];
        if (l->blank || l->own) {
            i++;
            continue;
        }
        uint32_t e = i, n = 0;
        for (; e < f->nlines && same_run(l, &f->lines[e]); e++) {
            col[e] = text_width(f->out.p + f->lines[e].at, trimmed_len(f, e));
            if (f->lines[e].comment >= 0)
                widths[n++] = col[e];
        }
        uint32_t limit = 0, far = 0, column = n ? run_column(widths, n, &limit, &far) : 0;
        for (uint32_t k = i; k < e; k++)
            col[k] = col[k] > limit ? far : column;
        i = e;
    }
}

static bool finish(fmt *f, sbuf *res)
{
    uint32_t *col = calloc((size_t)f->nlines + 1, sizeof *col);
    uint32_t *widths = calloc((size_t)f->nlines + 1, sizeof *widths);
    if (!col || !widths) {
        free(col);
        free(widths);
        return false;
    }
    comment_columns(f, col, widths);
    free(widths);
    for (uint32_t i = 0; i < f->nlines; i++) {
        const fline *l = &f->lines[i];
        if (!l->blank) {
            uint32_t n = l->own ? (uint32_t)((i + 1 < f->nlines ? f->lines[i + 1].at : f->out.len) - l->at)
                                : trimmed_len(f, i);
            sb_put(f, res, f->out.p + l->at, n);
            if (l->comment >= 0) {
                if (!l->own) {
                    uint32_t w = text_width(f->out.p + l->at, n);
                    sb_spaces(f, res, col[i] > w ? col[i] - w : COMMENT_GAP);
                }
                sb_put(f, res, f->src + f->m[l->comment].start, comment_len(f, l->comment));
            }
        }
        sb_put(f, res, "\n", 1);
    }
    free(col);
    return !f->failed;
}

/* ---- checking the result --------------------------------------------- */

static bool same_text(const char *a, const ftok *ta, const char *b, const ftok *tb)
{
    uint32_t na = ta->end - ta->start, nb = tb->end - tb->start;
    if (ta->kind == T_COMMENT) {
        while (na > 0 && (a[ta->start + na - 1] == ' ' || a[ta->start + na - 1] == '\t' || a[ta->start + na - 1] == '\r'))
            na--;
        while (nb > 0 && (b[tb->start + nb - 1] == ' ' || b[tb->start + nb - 1] == '\t' || b[tb->start + nb - 1] == '\r'))
            nb--;
    }
    return ta->kind == tb->kind && na == nb && memcmp(a + ta->start, b + tb->start, na) == 0;
}

/* The formatted text must scan to the same tokens and comments. */
static bool same_tokens(const char *src, const toklist *orig, const char *out, size_t len)
{
    cr_diags scratch;
    cr_diags_init(&scratch, "", out, len);
    toklist again;
    bool ok = scan(out, len, &scratch, &again) && scratch.errors == 0 && again.n == orig->n;
    for (uint32_t i = 0; ok && i < orig->n; i++)
        ok = same_text(src, &orig->t[i], out, &again.t[i]);
    free(again.t);
    cr_diags_free(&scratch);
    return ok;
}

/* ---- entry point ------------------------------------------------------- */

static bool parses(const char *src, size_t len, cr_diags *diags)
{
    cr_arena arena;
    cr_arena_init(&arena, 64 * 1024, 0);
    cr_policy_ast *ast = cr_arena_calloc(&arena, sizeof *ast);
    bool ok = false;
    if (ast) {
        cr_parse_ctx pc;
        memset(&pc, 0, sizeof pc);
        pc.arena = &arena;
        pc.diags = diags;
        pc.src = src;
        pc.len = len;
        pc.ast = ast;
        ok = cr_parse(&pc);
    }
    cr_arena_free(&arena);
    return ok;
}

static void fmt_free(fmt *f)
{
    free(f->c);
    free(f->m);
    free(f->gap);
    free(f->out.p);
    free(f->lines);
    free(f->rows);
    free(f->cuts);
}

static void layout(fmt *f)
{
    uint32_t j = header(f);
    while (j < f->n && !f->failed)
        j = item(f, j);
    gap_comments(f, f->n, 0, NO_REF, true);
}

bool cr_fmt(const char *src, size_t len, cr_diags *diags, char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (!parses(src, len, diags))
        return false;
    cr_span none = {0, 0};
    toklist all;
    fmt f;
    memset(&f, 0, sizeof f);
    f.src = src;
    sbuf res = {0};
    bool ok = scan(src, len, diags, &all) && split_tokens(&f, &all);
    if (ok) {
        layout(&f);
        ok = !f.failed && finish(&f, &res);
    }
    if (!ok) {
        cr_diag(diags, CR_SEV_ERROR, none, "out of memory while formatting");
    } else if (!same_tokens(src, &all, res.p ? res.p : "", res.len)) {
        cr_diag(diags, CR_SEV_ERROR, none, "internal error: the layout would change the policy's tokens; the file is left as it is");
        ok = false;
    }
    free(all.t);
    fmt_free(&f);
    if (!ok) {
        free(res.p);
        return false;
    }
    if (!res.p) {
        res.p = calloc(1, 1);
        if (!res.p)
            return false;
    }
    *out = res.p;
    *out_len = res.len;
    return true;
}
