/* The HTML report of `credo diff` (diff_report.h): one self-contained
 * page, inline CSS and inline SVG drawn here, no script, font, image or
 * link to fetch, so it opens offline and can be archived or mailed with
 * the audit file as it is. */
#include "runtime/author/diff_report.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/core/date.h"

/* Rows of the changed-applications table; the JSON report has them all. */
#define HTML_MAX_ROWS 5000
/* Reason codes drawn in the chart; the table below it has them all. */
#define CHART_MAX_REASONS 20

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
    "margin:2em auto;max-width:1100px;padding:0 1em;color:#1d2430;background:#fff}\n"
    "h1{font-size:1.5em;margin:0 0 .3em}\n"
    "h2{font-size:1.2em;margin:1.8em 0 .6em;border-bottom:1px solid #d8dde6;padding-bottom:.2em}\n"
    "table{border-collapse:collapse;margin:.5em 0 1em}\n"
    "th,td{padding:.25em .6em;border:1px solid #d8dde6;text-align:right;vertical-align:top}\n"
    "th{background:#f3f5f8}\n"
    "td.l,th.l{text-align:left}\n"
    "td.diag{background:#eef0f3;color:#555}\n"
    "table.apps td{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}\n"
    ".meta td,.meta th{border:none;padding:.1em .8em .1em 0;text-align:left}\n"
    ".note{color:#4a5568}\n"
    "figure{margin:1em 0 1.5em}\n"
    "figcaption{font-weight:600;margin-bottom:.3em}\n"
    "svg.chart{background:#fcfcfd;border:1px solid #e2e6ec;max-width:100%;height:auto}\n"
    "svg.chart text{font-size:11px;fill:#333}\n";

static const char old_fill[] = "#6b7c93", new_fill[] = "#e07b39";
static const char gain_fill[] = "#c0392b", lost_fill[] = "#2e86c1";

static void esc_n(cr_buf *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        cr_buf_put(b, s + start, i - start);
        cr_buf_puts(b, rep);
        start = i + 1;
    }
    cr_buf_put(b, s + start, n - start);
}

static void esc(cr_buf *b, const char *s)
{
    if (s)
        esc_n(b, s, strlen(s));
}

static void policy_title(cr_buf *b, const cr_program *p)
{
    esc(b, p->name ? p->name : "(unnamed)");
    if (p->version) {
        cr_buf_puts(b, " ");
        esc(b, p->version);
    }
}

/* ---- page head ------------------------------------------------------------- */

static void meta_row(cr_buf *b, const char *label, const char *file, const cr_program *p)
{
    cr_buf_printf(b, "<tr><th>%s</th><td>", label);
    esc(b, file);
    cr_buf_puts(b, "</td><td>");
    policy_title(b, p);
    cr_buf_puts(b, "</td><td class=\"note\">sha256 ");
    cr_buf_put(b, p->sha256, 12);
    cr_buf_puts(b, "</td></tr>\n");
}

static void html_head(cr_buf *b, const cr_popdiff *d, const cr_diff_meta *m)
{
    char day[16];
    cr_date_format(m->as_of, day);
    cr_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>credo diff: ");
    policy_title(b, d->old_prog);
    cr_buf_puts(b, " against ");
    policy_title(b, d->new_prog);
    cr_buf_puts(b, "</title>\n<style>\n");
    cr_buf_puts(b, css);
    cr_buf_puts(b, "</style>\n</head>\n<body>\n<h1>Champion/challenger: ");
    policy_title(b, d->old_prog);
    cr_buf_puts(b, " &rarr; ");
    policy_title(b, d->new_prog);
    cr_buf_puts(b, "</h1>\n<table class=\"meta\">\n");
    meta_row(b, "OLD", m->old_file, d->old_prog);
    meta_row(b, "NEW", m->new_file, d->new_prog);
    cr_buf_puts(b, "<tr><th>population</th><td>");
    esc(b, m->input_file);
    cr_buf_printf(b, "</td><td>%" PRIu64 " applications</td><td class=\"note\">as of %s</td></tr>\n</table>\n", d->apps,
                  day);
    uint64_t moved = cr_popdiff_moved(d);
    cr_buf_printf(b, "<p><b>%zu</b> applications changed: the outcome moved for <b>%" PRIu64 "</b>, "
                     "%" PRIu64 " kept their outcome with other results or reasons.",
                  d->nchanges, moved, (uint64_t)d->nchanges - moved);
    if (d->errors_old || d->errors_new)
        cr_buf_printf(b, " ERROR lines: %" PRIu64 " under OLD, %" PRIu64 " under NEW.", d->errors_old, d->errors_new);
    cr_buf_puts(b, "</p>\n");
}

/* ---- matrices ------------------------------------------------------------- */

/* Off the diagonal, the darker the cell the more applications moved. */
static void count_cell(cr_buf *b, uint64_t n, bool diagonal, uint64_t most)
{
    if (diagonal)
        cr_buf_printf(b, "<td class=\"diag\">%" PRIu64 "</td>", n);
    else if (n && most)
        cr_buf_printf(b, "<td style=\"background:rgba(224,123,57,%.2f)\">%" PRIu64 "</td>",
                      0.15 + 0.6 * (double)n / (double)most, n);
    else
        cr_buf_printf(b, "<td>%" PRIu64 "</td>", n);
}

static void html_matrix(cr_buf *b, const cr_popdiff *d)
{
    uint64_t most = 0, col[CR_DIFF_NOUT + 1] = {0};
    for (uint32_t i = 0; i < CR_DIFF_NOUT; i++)
        for (uint32_t j = 0; j < CR_DIFF_NOUT; j++)
            if (i != j && d->matrix[i][j] > most)
                most = d->matrix[i][j];
    cr_buf_puts(b, "<h2 id=\"decisions\">Decisions: the swap set</h2>\n"
                   "<p class=\"note\">Rows: the outcome under OLD; columns: under NEW.</p>\n"
                   "<table class=\"matrix\"><tr><th class=\"l\">OLD \\ NEW</th>");
    for (uint32_t j = 0; j < CR_DIFF_NOUT; j++)
        cr_buf_printf(b, "<th>%s</th>", cr_diff_outcome_name(j));
    cr_buf_puts(b, "<th>total</th></tr>\n");
    for (uint32_t i = 0; i < CR_DIFF_NOUT; i++) {
        uint64_t row = 0;
        cr_buf_printf(b, "<tr><th class=\"l\">%s</th>", cr_diff_outcome_name(i));
        for (uint32_t j = 0; j < CR_DIFF_NOUT; j++) {
            count_cell(b, d->matrix[i][j], i == j, most);
            row += d->matrix[i][j];
            col[j] += d->matrix[i][j];
        }
        col[CR_DIFF_NOUT] += row;
        cr_buf_printf(b, "<td>%" PRIu64 "</td></tr>\n", row);
    }
    cr_buf_puts(b, "<tr><th class=\"l\">total</th>");
    for (uint32_t j = 0; j <= CR_DIFF_NOUT; j++)
        cr_buf_printf(b, "<td>%" PRIu64 "</td>", col[j]);
    cr_buf_puts(b, "</tr>\n</table>\n");
}

static void label_matrix(cr_buf *b, const cr_diff_result *r)
{
    uint64_t most = 0;
    for (uint32_t i = 0; i < r->nvalues; i++)
        for (uint32_t j = 0; j < r->nvalues; j++)
            if (i != j && r->matrix[i][j] > most)
                most = r->matrix[i][j];
    cr_buf_puts(b, "<table class=\"matrix\"><tr><th class=\"l\">OLD \\ NEW</th>");
    for (uint32_t j = 0; j < r->nvalues; j++) {
        cr_buf_puts(b, "<th>");
        esc(b, r->values[j]);
        cr_buf_puts(b, "</th>");
    }
    cr_buf_puts(b, "</tr>\n");
    for (uint32_t i = 0; i < r->nvalues; i++) {
        cr_buf_puts(b, "<tr><th class=\"l\">");
        esc(b, r->values[i]);
        cr_buf_puts(b, "</th>");
        for (uint32_t j = 0; j < r->nvalues; j++)
            count_cell(b, r->matrix[i][j], i == j, most);
        cr_buf_puts(b, "</tr>\n");
    }
    cr_buf_puts(b, "</table>\n");
}

static void html_labels(cr_buf *b, const cr_popdiff *d)
{
    bool any = false;
    for (uint32_t i = 0; i < d->nresults; i++)
        any |= d->results[i].kind != CR_DIFF_NUMBER;
    if (!any)
        return;
    cr_buf_puts(b, "<h2 id=\"labels\">Segments and labels</h2>\n");
    for (uint32_t i = 0; i < d->nresults; i++) {
        const cr_diff_result *r = &d->results[i];
        if (r->kind == CR_DIFF_NUMBER)
            continue;
        cr_buf_puts(b, "<h3>");
        esc(b, r->name);
        cr_buf_printf(b, "</h3>\n<p class=\"note\">%" PRIu64 " of %" PRIu64 " applications decided by both changed.</p>\n",
                      r->changed, r->compared);
        if (r->kind == CR_DIFF_LABEL && !r->too_many)
            label_matrix(b, r);
        else if (r->kind == CR_DIFF_LABEL)
            cr_buf_printf(b, "<p class=\"note\">More than %d distinct values: no matrix.</p>\n", CR_DIFF_MAX_VALUES);
    }
}

/* Results one policy writes and the other does not: never compared. */
static void html_only(cr_buf *b, const cr_popdiff *d)
{
    if (!d->nonly_old && !d->nonly_new)
        return;
    cr_buf_puts(b, "<p class=\"note\">Not compared, written by one policy only:");
    for (uint32_t i = 0; i < d->nonly_old; i++) {
        cr_buf_puts(b, i ? ", " : " ");
        esc(b, d->only_old[i]);
        cr_buf_puts(b, " (OLD)");
    }
    for (uint32_t i = 0; i < d->nonly_new; i++) {
        cr_buf_puts(b, i || d->nonly_old ? ", " : " ");
        esc(b, d->only_new[i]);
        cr_buf_puts(b, " (NEW)");
    }
    cr_buf_puts(b, ".</p>\n");
}

/* ---- numeric results and their histograms ---------------------------------- */

#define SVG_W 720
#define SVG_H 270
#define PLOT_L 64
#define PLOT_T 34
#define PLOT_W 636
#define PLOT_H 170

static void svg_bar(cr_buf *b, double x, double w, uint64_t n, uint64_t most, const char *fill, const char *tip)
{
    double h = most ? PLOT_H * (double)n / (double)most : 0;
    cr_buf_printf(b, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %" PRIu64
                     "</title></rect>\n",
                  x, PLOT_T + PLOT_H - h, w, h, fill, tip, n);
}

static void svg_legend(cr_buf *b, const cr_popdiff *d)
{
    cr_buf_printf(b, "<rect x=\"%d\" y=\"8\" width=\"12\" height=\"12\" fill=\"%s\"/>", PLOT_L, old_fill);
    cr_buf_printf(b, "<text x=\"%d\" y=\"18\">OLD ", PLOT_L + 16);
    policy_title(b, d->old_prog);
    cr_buf_printf(b, "</text><rect x=\"%d\" y=\"8\" width=\"12\" height=\"12\" fill=\"%s\"/>", PLOT_L + 260, new_fill);
    cr_buf_printf(b, "<text x=\"%d\" y=\"18\">NEW ", PLOT_L + 276);
    policy_title(b, d->new_prog);
    cr_buf_puts(b, "</text>\n");
}

static void svg_axes(cr_buf *b, const cr_diff_hist *h, uint64_t most, const char *name)
{
    int base = PLOT_T + PLOT_H;
    cr_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#8a94a6\"/>", PLOT_L, base, PLOT_L + PLOT_W, base);
    cr_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#8a94a6\"/>\n", PLOT_L, PLOT_T, PLOT_L, base);
    for (int k = 0; k <= 2; k++)
        cr_buf_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%" PRIu64 "</text>", PLOT_L - 6,
                      base - PLOT_H * k / 2.0 + 4, most * (uint64_t)k / 2);
    /* about eight edge labels, so long numbers do not overlap */
    uint32_t every = (h->nbins + 7) / 8;
    double gw = (double)PLOT_W / h->nbins;
    for (uint32_t i = 0; i <= h->nbins; i += every)
        cr_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%.10g</text>", PLOT_L + i * gw, base + 16,
                      i == h->nbins ? "end" : "middle", h->from + i * h->step);
    cr_buf_printf(b, "\n<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", PLOT_L + PLOT_W / 2, SVG_H - 12);
    esc(b, name);
    cr_buf_puts(b, " (applications per bin)</text>\n");
}

static void svg_histogram(cr_buf *b, const cr_popdiff *d, const cr_diff_result *r)
{
    cr_diff_hist h;
    if (!cr_popdiff_hist(r, &h))
        return;
    uint64_t most = 0;
    for (uint32_t i = 0; i < h.nbins; i++) {
        most = h.old_count[i] > most ? h.old_count[i] : most;
        most = h.new_count[i] > most ? h.new_count[i] : most;
    }
    cr_buf_puts(b, "<figure><figcaption>Distribution of ");
    esc(b, r->name);
    cr_buf_puts(b, ": OLD against NEW</figcaption>\n");
    cr_buf_printf(b, "<svg class=\"chart histogram\" id=\"hist-");
    esc(b, r->name);
    cr_buf_printf(b, "\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n", SVG_W, SVG_H, SVG_W, SVG_H);
    svg_legend(b, d);
    double gw = (double)PLOT_W / h.nbins;
    for (uint32_t i = 0; i < h.nbins; i++) {
        char tip[128];
        double x = PLOT_L + i * gw;
        snprintf(tip, sizeof tip, "[%.10g, %.10g) OLD", h.from + i * h.step, h.from + (i + 1) * h.step);
        svg_bar(b, x + gw * 0.08, gw * 0.42, h.old_count[i], most, old_fill, tip);
        snprintf(tip, sizeof tip, "[%.10g, %.10g) NEW", h.from + i * h.step, h.from + (i + 1) * h.step);
        svg_bar(b, x + gw * 0.5, gw * 0.42, h.new_count[i], most, new_fill, tip);
    }
    svg_axes(b, &h, most, r->name);
    cr_buf_puts(b, "</svg></figure>\n");
}

static void number_row(cr_buf *b, const cr_diff_result *r)
{
    cr_dec mean, shown;
    cr_buf_puts(b, "<tr><td class=\"l\">");
    esc(b, r->name);
    cr_buf_printf(b, "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>", r->compared, r->changed);
    if (!r->sum_overflow) {
        cr_diff_put_dec(b, r->sum_old);
        cr_buf_puts(b, "</td><td>");
        cr_diff_put_dec(b, r->sum_new);
    } else {
        cr_buf_puts(b, "overflow</td><td>overflow");
    }
    cr_buf_puts(b, "</td><td>");
    if (cr_popdiff_mean_change(r, &mean) && cr_dec_round(mean, 2, CR_ROUND_HALF_EVEN, &shown) == CR_DEC_OK)
        cr_diff_put_dec(b, shown);
    cr_buf_puts(b, "</td><td class=\"l\">");
    if (!r->changed)
        cr_buf_puts(b, "none");
    cr_diff_buckets bk;
    cr_popdiff_buckets(r, &bk);
    for (int i = 0, first = 1; i < 7; i++) {
        char label[96];
        if (!bk.count[i] || (i == 3 && r->changed == 0))
            continue;
        cr_diff_bucket_label(&bk, i, label, sizeof label);
        cr_buf_printf(b, "%s%s: %" PRIu64, first ? "" : "<br>", label, bk.count[i]);
        first = 0;
    }
    cr_buf_puts(b, "</td></tr>\n");
}

static void html_numbers(cr_buf *b, FILE *f, const cr_popdiff *d)
{
    bool any = false;
    for (uint32_t i = 0; i < d->nresults; i++)
        any |= d->results[i].kind == CR_DIFF_NUMBER;
    if (!any)
        return;
    cr_buf_puts(b, "<h2 id=\"numbers\">Numeric results</h2>\n"
                   "<p class=\"note\">Over applications decided by both policies; sums (exact), mean and sizes of "
                   "change over those with a number under both.</p>\n"
                   "<table><tr><th class=\"l\">result</th><th>compared</th><th>changed</th><th>sum OLD</th>"
                   "<th>sum NEW</th><th>mean change</th><th class=\"l\">change NEW &minus; OLD</th></tr>\n");
    for (uint32_t i = 0; i < d->nresults; i++)
        if (d->results[i].kind == CR_DIFF_NUMBER)
            number_row(b, &d->results[i]);
    cr_buf_puts(b, "</table>\n");
    for (uint32_t i = 0; i < d->nresults; i++)
        if (d->results[i].kind == CR_DIFF_NUMBER) {
            svg_histogram(b, d, &d->results[i]);
            cr_diff_flush(b, f, false);
        }
}

/* ---- reasons ------------------------------------------------------------- */

#define RS_ROW 22
#define RS_CENTER 450
#define RS_HALF 230

static void reason_bar(cr_buf *b, int y, uint64_t n, uint64_t most, bool gained, const char *code)
{
    double w = most ? RS_HALF * (double)n / (double)most : 0;
    double x = gained ? RS_CENTER : RS_CENTER - w;
    cr_buf_printf(b, "<rect class=\"bar\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>", x, y + 4,
                  w, RS_ROW - 8, gained ? gain_fill : lost_fill);
    esc(b, code);
    cr_buf_printf(b, " %s: %" PRIu64 "</title></rect>", gained ? "gained" : "lost", n);
    if (n)
        cr_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%" PRIu64 "</text>", gained ? x + w + 4 : x - 4,
                      y + RS_ROW - 7, gained ? "start" : "end", n);
}

static void svg_reasons(cr_buf *b, const cr_diff_reason **v, uint32_t n)
{
    uint64_t most = 0;
    for (uint32_t i = 0; i < n; i++) {
        most = v[i]->gained > most ? v[i]->gained : most;
        most = v[i]->lost > most ? v[i]->lost : most;
    }
    int h = 30 + (int)n * RS_ROW + 10;
    cr_buf_printf(b, "<figure><figcaption>Reason codes: lost (left) and gained (right)</figcaption>\n"
                     "<svg class=\"chart reasons\" id=\"reasons-chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n",
                  SVG_W, h, SVG_W, h);
    cr_buf_printf(b, "<text x=\"%d\" y=\"18\" text-anchor=\"end\" fill=\"%s\">lost</text>", RS_CENTER - 8, lost_fill);
    cr_buf_printf(b, "<text x=\"%d\" y=\"18\" fill=\"%s\">gained</text>\n", RS_CENTER + 8, gain_fill);
    for (uint32_t i = 0; i < n; i++) {
        int y = 30 + (int)i * RS_ROW;
        cr_buf_printf(b, "<text x=\"8\" y=\"%d\">", y + RS_ROW - 7);
        esc(b, v[i]->code);
        cr_buf_puts(b, "</text>");
        reason_bar(b, y, v[i]->lost, most, false, v[i]->code);
        reason_bar(b, y, v[i]->gained, most, true, v[i]->code);
        cr_buf_puts(b, "\n");
    }
    cr_buf_printf(b, "<line x1=\"%d\" y1=\"26\" x2=\"%d\" y2=\"%d\" stroke=\"#8a94a6\"/>\n</svg></figure>\n", RS_CENTER,
                  RS_CENTER, h - 6);
}

static void html_reasons(cr_buf *b, const cr_popdiff *d)
{
    cr_buf_puts(b, "<h2 id=\"reasons\">Reasons gained and lost</h2>\n");
    const cr_diff_reason **v = cr_diff_sorted_reasons(d);
    if (!v) {
        cr_buf_puts(b, "<p>No reason code was gained or lost.</p>\n");
        return;
    }
    svg_reasons(b, v, d->nreasons < CHART_MAX_REASONS ? d->nreasons : CHART_MAX_REASONS);
    cr_buf_puts(b, "<table><tr><th class=\"l\">code</th><th>gained</th><th>lost</th></tr>\n");
    for (uint32_t i = 0; i < d->nreasons; i++) {
        cr_buf_puts(b, "<tr><td class=\"l\">");
        esc(b, v[i]->code);
        cr_buf_printf(b, "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td></tr>\n", v[i]->gained, v[i]->lost);
    }
    cr_buf_puts(b, "</table>\n");
    free(v);
}

/* ---- changed applications ----------------------------------------------------- */

static void app_row(cr_buf *b, const cr_diff_app *a)
{
    cr_buf_puts(b, "<tr><td class=\"l\">");
    esc(b, a->app_id ? a->app_id : "(no app_id)");
    cr_buf_printf(b, "</td><td>%" PRIu64 "</td><td class=\"l\">%s</td><td class=\"l\">%s</td><td class=\"l\">", a->line,
                  cr_diff_outcome_name(a->old_out), cr_diff_outcome_name(a->new_out));
    for (uint32_t i = 0; i < a->nfields; i++) {
        cr_buf_puts(b, i ? "<br>" : "");
        esc(b, a->fields[i].name);
        cr_buf_puts(b, ": ");
        esc(b, a->fields[i].old_text);
        cr_buf_puts(b, " &rarr; ");
        esc(b, a->fields[i].new_text);
    }
    if (a->old_error && !a->new_error) {
        cr_buf_puts(b, "OLD error: ");
        esc(b, a->old_error);
    }
    if (a->new_error && !a->old_error) {
        cr_buf_puts(b, "NEW error: ");
        esc(b, a->new_error);
    }
    cr_buf_puts(b, "</td></tr>\n");
}

static void html_changes(cr_buf *b, FILE *f, const cr_popdiff *d)
{
    size_t n = d->nchanges < HTML_MAX_ROWS ? d->nchanges : HTML_MAX_ROWS;
    cr_buf_puts(b, "<h2 id=\"changes\">Changed applications</h2>\n");
    if (!d->nchanges) {
        cr_buf_puts(b, "<p>No application changed.</p>\n");
        return;
    }
    if (n < d->nchanges)
        cr_buf_printf(b, "<p class=\"note\">The first %zu of %zu; <code>credo diff --json</code> lists all.</p>\n", n,
                      d->nchanges);
    cr_buf_puts(b, "<table class=\"apps\"><tr><th class=\"l\">app_id</th><th>line</th><th class=\"l\">OLD</th>"
                   "<th class=\"l\">NEW</th><th class=\"l\">what changed</th></tr>\n");
    for (size_t i = 0; i < n; i++) {
        app_row(b, &d->changes[i]);
        cr_diff_flush(b, f, false);
    }
    cr_buf_puts(b, "</table>\n");
}

void cr_diff_write_html(FILE *f, const cr_popdiff *d, const cr_diff_meta *m)
{
    cr_buf b = {0};
    html_head(&b, d, m);
    html_matrix(&b, d);
    html_numbers(&b, f, d);
    html_labels(&b, d);
    html_only(&b, d);
    html_reasons(&b, d);
    html_changes(&b, f, d);
    cr_buf_puts(&b, "<p class=\"note\">Written by credo diff.</p>\n</body>\n</html>\n");
    cr_diff_flush(&b, f, true);
    cr_buf_free(&b);
}
