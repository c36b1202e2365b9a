/* Diagnostics: collected while a policy compiles (cr_diag), kept in
 * source order and printed as `file:line:col: error: message`, the source
 * line and a caret (diag.h).  Columns in file:line:col count characters
 * (code points); the caret stands in the terminal's columns
 * (runtime/core/utf8.h). */
#include "lang/diag.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/core/utf8.h"

void cr_diags_init(cr_diags *d, const char *file, const char *src, size_t len)
{
    memset(d, 0, sizeof *d);
    d->file = file;
    d->src = src;
    d->len = len;
}

void cr_diags_free(cr_diags *d)
{
    for (uint32_t i = 0; i < d->count; i++)
        free(d->items[i].msg);
    free(d->items);
    d->items = NULL;
    d->count = d->cap = 0;
}

void cr_vdiag(cr_diags *d, cr_severity sev, cr_span span, const char *fmt, va_list ap)
{
    if (d->count >= CR_MAX_DIAGS) {
        d->dropped++;
        if (sev == CR_SEV_ERROR)
            d->errors++;
        else if (sev == CR_SEV_WARNING)
            d->warnings++;
        return;
    }
    if (d->count == d->cap) {
        uint32_t cap = d->cap ? d->cap * 2 : 16;
        cr_diagnostic *items = realloc(d->items, cap * sizeof *items);
        if (!items)
            return; /* out of memory: the count of errors still stands */
        d->items = items;
        d->cap = cap;
    }
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    cr_diagnostic *g = &d->items[d->count];
    g->msg = strdup(buf);
    if (!g->msg)
        return;
    g->severity = sev;
    g->span = span;
    d->count++;
    if (sev == CR_SEV_ERROR)
        d->errors++;
    else if (sev == CR_SEV_WARNING)
        d->warnings++;
}

void cr_diag(cr_diags *d, cr_severity sev, cr_span span, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cr_vdiag(d, sev, span, fmt, ap);
    va_end(ap);
    if (sev == CR_SEV_ERROR && d->errors == 0)
        d->errors = 1; /* even when the message itself could not be kept */
}

void cr_source_linecol(const char *src, size_t len, uint32_t off, uint32_t *line, uint32_t *col)
{
    uint32_t l = 1, c = 1;
    if (off > len)
        off = (uint32_t)len;
    for (uint32_t i = 0; i < off; i++) {
        unsigned char ch = (unsigned char)src[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static const char *sev_name(cr_severity s)
{
    return s == CR_SEV_ERROR ? "error" : s == CR_SEV_WARNING ? "warning" : "note";
}

static void print_at(const cr_diags *d, const cr_diagnostic *g, uint32_t line, uint32_t col, FILE *out);
static size_t char_len(const char *s, size_t i, size_t end);

void cr_diag_print_one(const cr_diags *d, const cr_diagnostic *g, FILE *out)
{
    uint32_t line, col;
    cr_source_linecol(d->src, d->len, g->span.start, &line, &col);
    print_at(d, g, line, col, out);
}

/* Moves a byte offset back to the start of its UTF-8 character. */
static size_t char_start(const char *s, size_t lo, size_t i)
{
    while (i > lo && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

static void print_at(const cr_diags *d, const cr_diagnostic *g, uint32_t line, uint32_t col, FILE *out)
{
    fprintf(out, "%s:%u:%u: %s: %s\n", d->file, line, col, sev_name(g->severity), g->msg);
    /* The source line, then a caret under the span (tabs kept as tabs so
     * the caret lines up); a long line only around the caret. */
    size_t ls = g->span.start > d->len ? d->len : g->span.start;
    while (ls > 0 && d->src[ls - 1] != '\n')
        ls--;
    size_t le = ls;
    while (le < d->len && d->src[le] != '\n')
        le++;
    size_t start = g->span.start > le ? le : g->span.start;
    bool cut_left = false, cut_right = false;
    if (le - ls > CR_DIAG_LINE_MAX) {
        size_t half = CR_DIAG_LINE_MAX / 2;
        if (start - ls > half) {
            ls = char_start(d->src, ls, start - half);
            cut_left = true;
        }
        if (le - ls > CR_DIAG_LINE_MAX) {
            le = char_start(d->src, ls, ls + CR_DIAG_LINE_MAX);
            cut_right = true;
        }
        if (start > le)
            start = le;
    }
    fprintf(out, "%s%.*s%s\n", cut_left ? "..." : "", (int)(le - ls), d->src + ls, cut_right ? "..." : "");
    if (cut_left)
        fputs("   ", out);
    /* in the terminal's columns: a wide character (Chinese) takes two, so
     * its caret stands under its first column */
    for (size_t i = ls; i < start;) {
        size_t k = char_len(d->src, i, start);
        if (d->src[i] == '\t')
            fputc('\t', out);
        else
            fprintf(out, "%*s", (int)cr_utf8_width(d->src + i, k), "");
        i += k;
    }
    fputc('^', out);
    size_t end = g->span.end > le ? le : g->span.end;
    size_t cols = end > start ? cr_utf8_width(d->src + start, end - start) : 0;
    for (size_t c = 1; c < cols; c++)
        fputc('~', out);
    fputc('\n', out);
}

/* The bytes of the character at s[i] (1 for an invalid byte), not past end. */
static size_t char_len(const char *s, size_t i, size_t end)
{
    size_t k = (unsigned char)s[i] < 0x80 ? 1 : cr_utf8_seq_len((const unsigned char *)s + i, end - i);
    return k ? k : 1;
}


static void print_sorted(const cr_diags *d, FILE *out);

/* Everything is written to memory first and then in one write: stderr is
 * unbuffered, and a caret line written a character at a time made a
 * thousand diagnostics take seconds. */
void cr_diags_print(const cr_diags *d, FILE *out)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
        print_sorted(d, out);
        return;
    }
    print_sorted(d, mem);
    if (fclose(mem) == 0)
        fwrite(text, 1, len, out);
    else
        print_sorted(d, out);
    free(text);
}

static void print_sorted(const cr_diags *d, FILE *out)
{
    /* Sort pointers, stably, so diagnostics at one place keep their order. */
    const cr_diagnostic **order = malloc(d->count * sizeof *order);
    if (!order) {
        for (uint32_t i = 0; i < d->count; i++)
            cr_diag_print_one(d, &d->items[i], out);
        return;
    }
    for (uint32_t i = 0; i < d->count; i++)
        order[i] = &d->items[i];
    /* insertion sort: stable, and diagnostics are few */
    for (uint32_t i = 1; i < d->count; i++) {
        const cr_diagnostic *g = order[i];
        uint32_t j = i;
        while (j > 0 && order[j - 1]->span.start > g->span.start) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = g;
    }
    /* in source order, so each line and column is counted on from the last */
    uint32_t at = 0, line = 1, col = 1;
    for (uint32_t i = 0; i < d->count; i++) {
        uint32_t off = order[i]->span.start > d->len ? (uint32_t)d->len : order[i]->span.start;
        uint32_t l, c;
        cr_source_linecol(d->src + at, d->len - at, off - at, &l, &c);
        col = l > 1 ? c : col + c - 1;
        line += l - 1;
        at = off;
        print_at(d, order[i], line, col, out);
    }
    free(order);
    if (d->dropped)
        fprintf(out, "%s: %u more diagnostics not shown (%u errors and %u warnings in all)\n", d->file, d->dropped,
                d->errors, d->warnings);
}
