/* Text and JSON reports of `credo diff` (diff_report.h); the HTML page is
 * in diff_html.c. */
#include "runtime/author/diff_report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/core/date.h"
#include "runtime/core/utf8.h"

void cr_diff_flush(cr_buf *b, FILE *f, bool all)
{
    if (b->len && (all || b->len > (64u << 10))) {
        fwrite(b->p, 1, b->len, f);
        b->len = 0;
    }
}

void cr_diff_put_dec(cr_buf *b, cr_dec d)
{
    char tmp[CR_DEC_FMT_MAX];
    cr_buf_put(b, tmp, cr_dec_format(d, tmp));
}

static int by_weight(const void *x, const void *y)
{
    const cr_diff_reason *a = *(const cr_diff_reason *const *)x, *b = *(const cr_diff_reason *const *)y;
    uint64_t wa = a->gained + a->lost, wb = b->gained + b->lost;
    if (wa != wb)
        return wa > wb ? -1 : 1;
    return strcmp(a->code, b->code);
}

const cr_diff_reason **cr_diff_sorted_reasons(const cr_popdiff *d)
{
    if (!d->nreasons)
        return NULL;
    const cr_diff_reason **v = malloc(d->nreasons * sizeof *v);
    if (!v)
        return NULL;
    for (uint32_t i = 0; i < d->nreasons; i++)
        v[i] = &d->reasons[i];
    qsort(v, d->nreasons, sizeof *v, by_weight);
    return v;
}

void cr_diff_bucket_label(const cr_diff_buckets *b, int i, char *out, size_t size)
{
    static const int lo[7] = {-3, -2, -1, 0, 0, 1, 2}, hi[7] = {-2, -1, 0, 0, 1, 2, 3};
    double s = b->step;
    if (i != 3 && s == 0)
        snprintf(out, size, "-");   /* nothing changed: no ranges */
    else if (i == 3)
        snprintf(out, size, "unchanged");
    else if (i < 3)
        snprintf(out, size, "[%.10g, %.10g)", lo[i] * s, hi[i] * s);
    else
        snprintf(out, size, "(%.10g, %.10g]", lo[i] * s, hi[i] * s);
}

static void put_policy_name(cr_buf *b, const cr_program *p)
{
    cr_buf_puts(b, p->name ? p->name : "(unnamed)");
    if (p->version) {
        cr_buf_puts(b, " version ");
        cr_buf_puts(b, p->version);
    }
}

static const char arrow[] = " \xe2\x86\x92 ";   /* " → " */

/* ---- population: text ------------------------------------------------------ */

static void text_header(cr_buf *b, const cr_popdiff *d, const cr_diff_meta *m)
{
    char day[16];
    cr_date_format(m->as_of, day);
    uint64_t moved = cr_popdiff_moved(d);
    cr_buf_puts(b, "credo diff: champion OLD against challenger NEW\n  OLD  ");
    cr_buf_puts(b, m->old_file);
    cr_buf_puts(b, "  (");
    put_policy_name(b, d->old_prog);
    cr_buf_puts(b, ")\n  NEW  ");
    cr_buf_puts(b, m->new_file);
    cr_buf_puts(b, "  (");
    put_policy_name(b, d->new_prog);
    cr_buf_puts(b, ")\n  population  ");
    cr_buf_puts(b, m->input_file);
    cr_buf_printf(b, ": %" PRIu64 " applications, as of %s\n", d->apps, day);
    cr_buf_printf(b, "  changed  %zu applications: outcome moved %" PRIu64 ", same outcome with other results or reasons %" PRIu64 "\n",
                  d->nchanges, moved, (uint64_t)d->nchanges - moved);
    if (d->errors_old || d->errors_new)
        cr_buf_printf(b, "  ERROR lines  OLD %" PRIu64 ", NEW %" PRIu64 "\n", d->errors_old, d->errors_new);
}

static void text_matrix(cr_buf *b, const cr_popdiff *d)
{
    cr_buf_puts(b, "\ndecisions (rows OLD, columns NEW)\n  OLD \\ NEW ");
    for (uint32_t j = 0; j < CR_DIFF_NOUT; j++)
        cr_buf_printf(b, "%10s", cr_diff_outcome_name(j));
    cr_buf_printf(b, "%10s\n", "total");
    uint64_t col[CR_DIFF_NOUT + 1] = {0};
    for (uint32_t i = 0; i < CR_DIFF_NOUT; i++) {
        uint64_t row = 0;
        cr_buf_printf(b, "  %-10s", cr_diff_outcome_name(i));
        for (uint32_t j = 0; j < CR_DIFF_NOUT; j++) {
            cr_buf_printf(b, "%10" PRIu64, d->matrix[i][j]);
            row += d->matrix[i][j];
            col[j] += d->matrix[i][j];
        }
        col[CR_DIFF_NOUT] += row;
        cr_buf_printf(b, "%10" PRIu64 "\n", row);
    }
    cr_buf_printf(b, "  %-10s", "total");
    for (uint32_t j = 0; j <= CR_DIFF_NOUT; j++)
        cr_buf_printf(b, "%10" PRIu64, col[j]);
    cr_buf_puts(b, "\n");
}

/* A decimal right-aligned in width columns (decimals have no printf). */
static void put_dec_width(cr_buf *b, cr_dec v, int width)
{
    char tmp[CR_DEC_FMT_MAX];
    cr_dec_format(v, tmp);
    cr_buf_printf(b, "%*s", width, tmp);
}

static void text_buckets(cr_buf *b, const cr_diff_result *r)
{
    cr_diff_buckets bk;
    cr_popdiff_buckets(r, &bk);
    cr_buf_printf(b, "  change of %s (NEW - OLD):\n", r->name);
    for (int i = 0; i < 7; i++) {
        char label[96];
        if (!bk.count[i])
            continue;
        cr_diff_bucket_label(&bk, i, label, sizeof label);
        cr_buf_printf(b, "    %-30s %10" PRIu64 "\n", label, bk.count[i]);
    }
}

static void text_numbers(cr_buf *b, const cr_popdiff *d)
{
    bool any = false;
    for (uint32_t i = 0; i < d->nresults; i++)
        any |= d->results[i].kind == CR_DIFF_NUMBER;
    if (!any)
        return;
    cr_buf_puts(b, "\nnumeric results (applications decided by both)\n");
    cr_buf_printf(b, "  %-16s %10s %10s %20s %20s %14s\n", "result", "compared", "changed", "sum OLD", "sum NEW", "mean change");
    for (uint32_t i = 0; i < d->nresults; i++) {
        const cr_diff_result *r = &d->results[i];
        if (r->kind != CR_DIFF_NUMBER)
            continue;
        cr_buf_printf(b, "  %-*s %10" PRIu64 " %10" PRIu64 " ", cr_utf8_pad(r->name, 16), r->name, r->compared, r->changed);
        cr_dec mean, shown;
        if (r->sum_overflow) {
            cr_buf_printf(b, "%20s %20s %14s\n", "overflow", "overflow", "-");
            continue;
        }
        put_dec_width(b, r->sum_old, 20);
        cr_buf_puts(b, " ");
        put_dec_width(b, r->sum_new, 20);
        cr_buf_puts(b, " ");
        if (cr_popdiff_mean_change(r, &mean) && cr_dec_round(mean, 2, CR_ROUND_HALF_EVEN, &shown) == CR_DEC_OK)
            put_dec_width(b, shown, 14);
        else
            cr_buf_printf(b, "%14s", "-");
        cr_buf_puts(b, "\n");
    }
    for (uint32_t i = 0; i < d->nresults; i++) {
        const cr_diff_result *r = &d->results[i];
        if (r->kind == CR_DIFF_NUMBER && r->numbers < r->compared)
            cr_buf_printf(b, "  %s: sums, mean and sizes of change over the %" PRIu64 " with a number under both (null elsewhere)\n",
                          r->name, r->numbers);
    }
    for (uint32_t i = 0; i < d->nresults; i++)
        if (d->results[i].kind == CR_DIFF_NUMBER && d->results[i].changed)
            text_buckets(b, &d->results[i]);
}

static void text_label_matrix(cr_buf *b, const cr_diff_result *r)
{
    if (r->too_many) {
        cr_buf_printf(b, "    (more than %d distinct values: no matrix)\n", CR_DIFF_MAX_VALUES);
        return;
    }
    /* columns as wide as the widest value, in the terminal's columns (a
     * Chinese label takes two a character) */
    int colw = 10, roww = 12;
    for (uint32_t j = 0; j < r->nvalues; j++) {
        int w = (int)cr_utf8_width(r->values[j], strlen(r->values[j]));
        colw = w > colw ? w : colw;
        roww = w > roww ? w : roww;
    }
    cr_buf_printf(b, "    %-*s", roww, "OLD \\ NEW");
    for (uint32_t j = 0; j < r->nvalues; j++)
        cr_buf_printf(b, " %*s", cr_utf8_pad(r->values[j], colw), r->values[j]);
    cr_buf_puts(b, "\n");
    for (uint32_t i = 0; i < r->nvalues; i++) {
        cr_buf_printf(b, "    %-*s", cr_utf8_pad(r->values[i], roww), r->values[i]);
        for (uint32_t j = 0; j < r->nvalues; j++)
            cr_buf_printf(b, " %*" PRIu64, colw, r->matrix[i][j]);
        cr_buf_puts(b, "\n");
    }
}

static void text_labels(cr_buf *b, const cr_popdiff *d)
{
    bool header = false;
    for (uint32_t i = 0; i < d->nresults; i++) {
        const cr_diff_result *r = &d->results[i];
        if (r->kind == CR_DIFF_NUMBER)
            continue;
        if (!header)
            cr_buf_puts(b, "\nsegments, labels and other results (applications decided by both)\n");
        header = true;
        cr_buf_printf(b, "  %s: %" PRIu64 " of %" PRIu64 " changed\n", r->name, r->changed, r->compared);
        if (r->kind == CR_DIFF_LABEL)
            text_label_matrix(b, r);
    }
    for (uint32_t i = 0; i < d->nonly_old; i++)
        cr_buf_printf(b, "  %s: only OLD writes it\n", d->only_old[i]);
    for (uint32_t i = 0; i < d->nonly_new; i++)
        cr_buf_printf(b, "  %s: only NEW writes it\n", d->only_new[i]);
}

static void text_reasons(cr_buf *b, const cr_popdiff *d)
{
    cr_buf_puts(b, "\nreasons gained and lost (applications decided by both)\n");
    const cr_diff_reason **v = cr_diff_sorted_reasons(d);
    if (!v) {
        cr_buf_puts(b, "  no reason code gained or lost\n");
        return;
    }
    cr_buf_printf(b, "  %-24s %10s %10s\n", "code", "gained", "lost");
    for (uint32_t i = 0; i < d->nreasons; i++)
        cr_buf_printf(b, "  %-*s %10" PRIu64 " %10" PRIu64 "\n", cr_utf8_pad(v[i]->code, 24), v[i]->code, v[i]->gained,
                      v[i]->lost);
    free(v);
}

static void text_app(cr_buf *b, const cr_diff_app *a)
{
    cr_buf_puts(b, "  ");
    cr_buf_puts(b, a->app_id ? a->app_id : "(no app_id)");
    cr_buf_printf(b, "  line %" PRIu64 "  %s", a->line, cr_diff_outcome_name(a->old_out));
    cr_buf_puts(b, arrow);
    cr_buf_puts(b, cr_diff_outcome_name(a->new_out));
    for (uint32_t i = 0; i < a->nfields; i++) {
        cr_buf_puts(b, i ? "; " : "  ");
        cr_buf_puts(b, a->fields[i].name);
        cr_buf_puts(b, ": ");
        cr_buf_puts(b, a->fields[i].old_text);
        cr_buf_puts(b, arrow);
        cr_buf_puts(b, a->fields[i].new_text);
    }
    if (a->old_error && !a->new_error) {
        cr_buf_puts(b, "  OLD error: ");
        cr_buf_puts(b, a->old_error);
    }
    if (a->new_error && !a->old_error) {
        cr_buf_puts(b, "  NEW error: ");
        cr_buf_puts(b, a->new_error);
    }
    cr_buf_puts(b, "\n");
}

static void text_changes(cr_buf *b, FILE *f, const cr_popdiff *d, const cr_diff_meta *m)
{
    size_t n = d->nchanges < m->list ? d->nchanges : (size_t)m->list;
    if (!d->nchanges) {
        cr_buf_puts(b, "\nno application changed\n");
        return;
    }
    cr_buf_printf(b, "\nchanged applications (first %zu of %zu; --json lists all)\n", n, d->nchanges);
    for (size_t i = 0; i < n; i++) {
        text_app(b, &d->changes[i]);
        cr_diff_flush(b, f, false);
    }
}

void cr_diff_write_text(FILE *f, const cr_popdiff *d, const cr_diff_meta *m)
{
    cr_buf b = {0};
    text_header(&b, d, m);
    text_matrix(&b, d);
    text_numbers(&b, d);
    text_labels(&b, d);
    text_reasons(&b, d);
    text_changes(&b, f, d, m);
    cr_diff_flush(&b, f, true);
    cr_buf_free(&b);
}

/* ---- population: JSON ------------------------------------------------------ */

static void json_str(cr_buf *b, const char *s)
{
    if (s)
        cr_buf_json_string(b, s, strlen(s));
    else
        cr_buf_puts(b, "null");
}

static void json_policy(cr_buf *b, const char *file, const cr_program *p)
{
    cr_buf_puts(b, "{\"file\":");
    json_str(b, file);
    cr_buf_puts(b, ",\"policy\":");
    json_str(b, p->name);
    cr_buf_puts(b, ",\"version\":");
    json_str(b, p->version);
    cr_buf_puts(b, ",\"sha256\":");
    json_str(b, p->sha256);
    cr_buf_puts(b, "}");
}

static void json_names(cr_buf *b, const char *const *names, uint32_t n)
{
    cr_buf_puts(b, "[");
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            cr_buf_puts(b, ",");
        json_str(b, names[i]);
    }
    cr_buf_puts(b, "]");
}

static void json_counts(cr_buf *b, const uint64_t *v, uint32_t n)
{
    cr_buf_puts(b, "[");
    for (uint32_t i = 0; i < n; i++)
        cr_buf_printf(b, "%s%" PRIu64, i ? "," : "", v[i]);
    cr_buf_puts(b, "]");
}

static void json_head(cr_buf *b, const cr_popdiff *d, const cr_diff_meta *m)
{
    char day[16];
    cr_date_format(m->as_of, day);
    cr_buf_puts(b, "{\"old\":");
    json_policy(b, m->old_file, d->old_prog);
    cr_buf_puts(b, ",\n\"new\":");
    json_policy(b, m->new_file, d->new_prog);
    cr_buf_puts(b, ",\n\"input\":");
    json_str(b, m->input_file);
    cr_buf_printf(b, ",\"as_of\":\"%s\",\"applications\":%" PRIu64 ",\"changed\":%zu,\"outcome_moved\":%" PRIu64, day,
                  d->apps, d->nchanges, cr_popdiff_moved(d));
    cr_buf_printf(b, ",\"errors\":{\"old\":%" PRIu64 ",\"new\":%" PRIu64 "}", d->errors_old, d->errors_new);
    cr_buf_puts(b, ",\n\"outcomes\":[\"APPROVE\",\"REFER\",\"REJECT\",\"ERROR\"],\"matrix\":[");
    for (uint32_t i = 0; i < CR_DIFF_NOUT; i++) {
        if (i)
            cr_buf_puts(b, ",");
        json_counts(b, d->matrix[i], CR_DIFF_NOUT);
    }
    cr_buf_puts(b, "]");
}

static void json_buckets(cr_buf *b, const cr_diff_result *r)
{
    cr_diff_buckets bk;
    cr_popdiff_buckets(r, &bk);
    cr_buf_printf(b, ",\"change_buckets\":{\"step\":%.15g,\"labels\":[", bk.step);
    for (int i = 0; i < 7; i++) {
        char label[96];
        cr_diff_bucket_label(&bk, i, label, sizeof label);
        if (i)
            cr_buf_puts(b, ",");
        json_str(b, label);
    }
    cr_buf_puts(b, "],\"counts\":");
    json_counts(b, bk.count, 7);
    cr_buf_puts(b, "}");
}

static void json_hist(cr_buf *b, const cr_diff_result *r)
{
    cr_diff_hist h;
    if (!cr_popdiff_hist(r, &h))
        return;
    cr_buf_printf(b, ",\"histogram\":{\"from\":%.15g,\"step\":%.15g,\"old\":", h.from, h.step);
    json_counts(b, h.old_count, h.nbins);
    cr_buf_puts(b, ",\"new\":");
    json_counts(b, h.new_count, h.nbins);
    cr_buf_puts(b, "}");
}

static void json_number(cr_buf *b, const cr_diff_result *r)
{
    cr_buf_puts(b, "{\"name\":");
    json_str(b, r->name);
    cr_buf_printf(b, ",\"compared\":%" PRIu64 ",\"numbers\":%" PRIu64 ",\"changed\":%" PRIu64, r->compared, r->numbers,
                  r->changed);
    cr_dec mean;
    if (!r->sum_overflow) {
        cr_buf_puts(b, ",\"sum_old\":");
        cr_diff_put_dec(b, r->sum_old);
        cr_buf_puts(b, ",\"sum_new\":");
        cr_diff_put_dec(b, r->sum_new);
    }
    if (cr_popdiff_mean_change(r, &mean)) {
        cr_buf_puts(b, ",\"mean_change\":");
        cr_diff_put_dec(b, mean);
    }
    json_buckets(b, r);
    json_hist(b, r);
    cr_buf_puts(b, "}");
}

static void json_label(cr_buf *b, const cr_diff_result *r)
{
    cr_buf_puts(b, "{\"name\":");
    json_str(b, r->name);
    cr_buf_printf(b, ",\"compared\":%" PRIu64 ",\"changed\":%" PRIu64, r->compared, r->changed);
    if (r->kind != CR_DIFF_LABEL) {
        cr_buf_puts(b, "}");
        return;
    }
    cr_buf_printf(b, ",\"too_many_values\":%s,\"values\":", r->too_many ? "true" : "false");
    json_names(b, (const char *const *)r->values, r->nvalues);
    cr_buf_puts(b, ",\"matrix\":[");
    for (uint32_t i = 0; i < r->nvalues; i++) {
        if (i)
            cr_buf_puts(b, ",");
        json_counts(b, r->matrix[i], r->nvalues);
    }
    cr_buf_puts(b, "]}");
}

static void json_results(cr_buf *b, const cr_popdiff *d)
{
    for (int pass = 0; pass < 2; pass++) {
        cr_buf_puts(b, pass ? ",\n\"labels\":[" : ",\n\"numeric\":[");
        bool first = true;
        for (uint32_t i = 0; i < d->nresults; i++) {
            const cr_diff_result *r = &d->results[i];
            if ((r->kind == CR_DIFF_NUMBER) == (pass == 1))
                continue;
            cr_buf_puts(b, first ? "\n" : ",\n");
            first = false;
            if (pass)
                json_label(b, r);
            else
                json_number(b, r);
        }
        cr_buf_puts(b, "]");
    }
    cr_buf_puts(b, ",\n\"only_old\":");
    json_names(b, d->only_old, d->nonly_old);
    cr_buf_puts(b, ",\"only_new\":");
    json_names(b, d->only_new, d->nonly_new);
}

static void json_reasons(cr_buf *b, const cr_popdiff *d)
{
    const cr_diff_reason **v = cr_diff_sorted_reasons(d);
    cr_buf_puts(b, ",\n\"reasons\":[");
    for (uint32_t i = 0; v && i < d->nreasons; i++) {
        cr_buf_puts(b, i ? ",\n{\"code\":" : "\n{\"code\":");
        json_str(b, v[i]->code);
        cr_buf_printf(b, ",\"gained\":%" PRIu64 ",\"lost\":%" PRIu64 "}", v[i]->gained, v[i]->lost);
    }
    cr_buf_puts(b, "]");
    free(v);
}

static void json_app(cr_buf *b, const cr_diff_app *a)
{
    cr_buf_puts(b, "{\"app_id\":");
    json_str(b, a->app_id);
    cr_buf_printf(b, ",\"line\":%" PRIu64 ",\"old\":\"%s\",\"new\":\"%s\"", a->line, cr_diff_outcome_name(a->old_out),
                  cr_diff_outcome_name(a->new_out));
    if (a->old_error) {
        cr_buf_puts(b, ",\"old_error\":");
        json_str(b, a->old_error);
    }
    if (a->new_error) {
        cr_buf_puts(b, ",\"new_error\":");
        json_str(b, a->new_error);
    }
    cr_buf_puts(b, ",\"changes\":{");
    for (uint32_t i = 0; i < a->nfields; i++) {
        if (i)
            cr_buf_puts(b, ",");
        json_str(b, a->fields[i].name);
        cr_buf_puts(b, ":{\"old\":");
        cr_buf_puts(b, a->fields[i].old_text);   /* already JSON */
        cr_buf_puts(b, ",\"new\":");
        cr_buf_puts(b, a->fields[i].new_text);
        cr_buf_puts(b, "}");
    }
    cr_buf_puts(b, "}}");
}

void cr_diff_write_json(FILE *f, const cr_popdiff *d, const cr_diff_meta *m)
{
    cr_buf b = {0};
    json_head(&b, d, m);
    json_results(&b, d);
    json_reasons(&b, d);
    cr_buf_puts(&b, ",\n\"applications_changed\":[");
    for (size_t i = 0; i < d->nchanges; i++) {
        cr_buf_puts(&b, i ? ",\n" : "\n");
        json_app(&b, &d->changes[i]);
        cr_diff_flush(&b, f, false);
    }
    cr_buf_puts(&b, "]}\n");
    cr_diff_flush(&b, f, true);
    cr_buf_free(&b);
}

/* ---- policy comparison ------------------------------------------------------ */

static void put_lines(cr_buf *b, const cr_change *c)
{
    uint32_t x = c->old_line, y = c->new_line;
    if (!strcmp(c->section, "header") || (!x && !y))
        return;
    if (x && y && x != y)
        cr_buf_printf(b, "  (line %u%s%u)", x, arrow, y);
    else
        cr_buf_printf(b, "  (line %u)", x ? x : y);
}

/* A block's text: its first line after the label, the rest indented. */
static void put_block(cr_buf *b, const char *text)
{
    for (const char *p = text; *p; p++) {
        cr_buf_put(b, p, 1);
        if (*p == '\n')
            cr_buf_puts(b, "               ");
    }
}

static void text_change(cr_buf *b, const cr_change *c)
{
    cr_buf_printf(b, "  %-10s %s", cr_change_kind_name(c->kind), c->what);
    const char *one = c->kind == CR_CHANGE_ADDED ? c->new_text : c->kind == CR_CHANGE_REMOVED ? c->old_text : NULL;
    if (one && strchr(one, '\n')) {
        put_lines(b, c);
        cr_buf_puts(b, ":\n               ");
        put_block(b, one);
        cr_buf_puts(b, "\n");
        return;
    }
    cr_buf_puts(b, ": ");
    if (one) {
        cr_buf_puts(b, one);
    } else {
        cr_buf_puts(b, c->old_text);
        cr_buf_puts(b, " ");
        cr_buf_puts(b, arrow);
        cr_buf_puts(b, " ");
        cr_buf_puts(b, c->new_text);
    }
    put_lines(b, c);
    cr_buf_puts(b, "\n");
}

static void put_policy_line(cr_buf *b, const char *tag, const char *file, const cr_program *p)
{
    char day[16];
    cr_buf_printf(b, "  %s  ", tag);
    cr_buf_puts(b, file);
    cr_buf_puts(b, "  (");
    put_policy_name(b, p);
    if (p->has_effective) {
        cr_date_format(p->effective, day);
        cr_buf_printf(b, ", effective %s", day);
    }
    if (p->owner) {
        cr_buf_puts(b, ", owner ");
        cr_buf_puts(b, p->owner);
    }
    cr_buf_printf(b, ", sha256 %.12s)\n", p->sha256);
}

void cr_pdiff_write_text(FILE *f, const cr_policy_diff *d, const cr_program *a, const cr_program *b_,
                         const cr_diff_meta *m)
{
    cr_buf b = {0};
    cr_buf_puts(&b, "credo diff: what changed in the policy, OLD against NEW\n");
    put_policy_line(&b, "OLD", m->old_file, a);
    put_policy_line(&b, "NEW", m->new_file, b_);
    const char *section = NULL;
    uint32_t count[4] = {0};
    for (uint32_t i = 0; i < d->count; i++) {
        const cr_change *c = &d->items[i];
        if (!section || strcmp(section, c->section) != 0) {
            section = c->section;
            cr_buf_printf(&b, "\n%s\n", section);
        }
        text_change(&b, c);
        count[c->kind]++;
        cr_diff_flush(&b, f, false);
    }
    if (!d->count)
        cr_buf_printf(&b, "\nno changes%s\n",
                      strcmp(a->sha256, b_->sha256) == 0 ? ": the files are identical"
                                                          : ": the policies differ only in white space, comments or layout");
    else
        cr_buf_printf(&b, "\n%u changes: %u changed, %u added, %u removed, %u reordered\n", d->count,
                      count[CR_CHANGE_CHANGED], count[CR_CHANGE_ADDED], count[CR_CHANGE_REMOVED],
                      count[CR_CHANGE_REORDERED]);
    cr_diff_flush(&b, f, true);
    cr_buf_free(&b);
}

void cr_pdiff_write_json(FILE *f, const cr_policy_diff *d, const cr_program *a, const cr_program *b_,
                         const cr_diff_meta *m)
{
    cr_buf b = {0};
    cr_buf_puts(&b, "{\"old\":");
    json_policy(&b, m->old_file, a);
    cr_buf_puts(&b, ",\n\"new\":");
    json_policy(&b, m->new_file, b_);
    cr_buf_puts(&b, ",\n\"changes\":[");
    for (uint32_t i = 0; i < d->count; i++) {
        const cr_change *c = &d->items[i];
        cr_buf_puts(&b, i ? ",\n{\"section\":" : "\n{\"section\":");
        json_str(&b, c->section);
        cr_buf_printf(&b, ",\"kind\":\"%s\",\"what\":", cr_change_kind_name(c->kind));
        json_str(&b, c->what);
        cr_buf_puts(&b, ",\"old\":");
        json_str(&b, c->old_text);
        cr_buf_puts(&b, ",\"new\":");
        json_str(&b, c->new_text);
        cr_buf_printf(&b, ",\"old_line\":%u,\"new_line\":%u}", c->old_line, c->new_line);
        cr_diff_flush(&b, f, false);
    }
    cr_buf_puts(&b, "]}\n");
    cr_diff_flush(&b, f, true);
    cr_buf_free(&b);
}
