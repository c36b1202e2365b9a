/* The account of one decision for people (explain_people.h), written as
 * an HTML page or as plain text by one walk over the traced run: what is
 * said, and in which order, is the same in both. */
#include "runtime/io/explain_people.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/core/date.h"
#include "runtime/io/explain_parts.h"
#include "runtime/io/explain_words.h"

/* ---- the writer: markup in HTML, layout in text ---- */

typedef struct pw {
    cr_buf *b;
    bool html;
} pw;

/* Text from the application or the policy: escaped in HTML. */
static void put(pw *w, const char *s, size_t n)
{
    if (!w->html) {
        cr_buf_put(w->b, s, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': cr_buf_puts(w->b, "&amp;"); break;
        case '<': cr_buf_puts(w->b, "&lt;"); break;
        case '>': cr_buf_puts(w->b, "&gt;"); break;
        case '"': cr_buf_puts(w->b, "&quot;"); break;
        case '\'': cr_buf_puts(w->b, "&#39;"); break;
        default: cr_buf_put(w->b, s + i, 1);
        }
    }
}

static void say(pw *w, const char *s)
{
    put(w, s, strlen(s));
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void sayf(pw *w, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    say(w, buf);
}

/* Markup (HTML) or layout (text): written as is, never escaped. */
static void mark(pw *w, const char *html, const char *text)
{
    cr_buf_puts(w->b, w->html ? html : text);
}

static void section(pw *w, const char *id, const char *title)
{
    if (w->html) {
        cr_buf_printf(w->b, "<section id=\"%s\"><h2>", id);
        say(w, title);
        cr_buf_puts(w->b, "</h2>\n");
    } else {
        cr_buf_printf(w->b, "\n%s\n", title);
        for (size_t i = strlen(title); i > 0; i--)
            cr_buf_puts(w->b, "-");
        cr_buf_puts(w->b, "\n");
    }
}

static const char page_style[] =
    "body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:52em;color:#222;padding:0 1em}"
    "h1{font-size:1.9em;margin:.2em 0}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:1.6em}"
    ".APPROVE{color:#1b6e20}.REJECT{color:#a11}.REFER{color:#a65c00}"
    "table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25em .5em;border-bottom:1px solid #eee;vertical-align:top}"
    ".bar{background:#eee;width:12em;height:.9em;display:inline-block}.bar span{display:block;height:100%;background:#3a6ea5}"
    ".fired{color:#a11;font-weight:600}.passed{color:#1b6e20}code{background:#f4f4f4;padding:0 .2em}"
    "footer{margin-top:2em;font-size:.85em;color:#555;border-top:1px solid #ccc}footer dd{font-family:monospace;word-break:break-all}"
    "ul.why{margin:.2em 0}";

static const char *outcome_words(cr_outcome_code o)
{
    switch (o) {
    case CR_APPROVE: return "Approved";
    case CR_REFER: return "Referred for review";
    case CR_REJECT: return "Declined";
    }
    return "?";
}

/* ---- the tests of a rule or row, in words ---- */

typedef struct words_ctx {
    pw *w;
    const cr_session *s;
    bool in_rule;
    int n;
} words_ctx;

static void word_item(void *ctx, const char *text, const cr_trace_entry *e)
{
    (void)text;
    words_ctx *c = ctx;
    char buf[600];
    cr_ex_test_words(c->s, e, c->in_rule, buf, sizeof buf);
    mark(c->w, c->n ? "" : "<ul class=\"why\">", "");
    mark(c->w, "<li>", "      ");
    say(c->w, buf);
    mark(c->w, "</li>\n", "\n");
    c->n++;
}

static void tests_in_words(pw *w, const cr_session *s, cr_span sp, bool in_rule)
{
    words_ctx c = {w, s, in_rule, 0};
    cr_ex_tests_in(s, sp, word_item, &c);
    if (c.n)
        mark(w, "</ul>", "");
}

/* ---- the parts of the account ---- */

static int rule_of_code(const cr_program *p, const char *code, size_t n)
{
    for (uint32_t i = 0; i < p->nrules; i++)
        if (strlen(p->rules[i].code) == n && memcmp(p->rules[i].code, code, n) == 0)
            return (int)i;
    return -1;
}

static int charac_of_code(const cr_program *p, const char *code, size_t n)
{
    for (uint32_t i = 0; i < p->ncharacs; i++)
        if (p->characs[i].code && strlen(p->characs[i].code) == n && memcmp(p->characs[i].code, code, n) == 0)
            return (int)i;
    return -1;
}

static bool bin_points(const char *bin, double *pts);

/* The most and fewest points a characteristic's bins give; false when a
 * bin's points are not a plain number. */
static bool charac_range(const cr_program *p, const cr_charac_info *ci, double *best, double *worst)
{
    char bin[256];
    double x;
    for (uint32_t j = 0; j < ci->nbins; j++) {
        cr_ex_span_text(p, ci->bin_spans[j], bin, sizeof bin);
        if (!bin_points(bin, &x))
            return false;
        if (j == 0 || x > *best)
            *best = x;
        if (j == 0 || x < *worst)
            *worst = x;
    }
    return ci->nbins > 0;
}

/* Which row of the decide block chose the outcome, and why. */
static void decide_row(pw *w, const cr_session *s)
{
    const cr_program *p = s->prog;
    if (!p->has_decide)
        return;
    char row[512];
    mark(w, "<p id=\"decided-by\">", "  ");
    if (s->decide_row < 0) {
        say(w, "No row of the policy's decide block held; the default rule decided.");
        mark(w, "</p>\n", "\n");
        return;
    }
    cr_ex_span_text(p, p->decide_spans[s->decide_row], row, sizeof row);
    say(w, "The outcome comes from the policy's decide row ");
    mark(w, "<code>", "\"");
    say(w, row);
    mark(w, "</code>", "\"");
    say(w, s->decide_row > 0 ? ", the first row that holds." : ", its first row.");
    mark(w, "</p>\n", "\n");
    tests_in_words(w, s, p->decide_spans[s->decide_row], false);
}

/* The reasons, each with what it means for this applicant. */
static void reasons(pw *w, const cr_session *s)
{
    const cr_program *p = s->prog;
    section(w, "why", "Reasons");
    uint32_t n = s->reasons.tag == CR_LIST ? s->reasons.len : 0;
    if (n == 0)
        mark(w, "<p>", "  ");
    if (n == 0)
        say(w, s->outcome == CR_APPROVE ? "No rule declined or referred this application." : "No reason was given.");
    mark(w, n == 0 ? "</p>\n" : "", n == 0 ? "\n" : "");
    mark(w, "<ol id=\"reasons\">\n", "");
    for (uint32_t i = 0; i < n; i++) {
        cr_value r = s->reasons.u.items[i];
        if (r.tag != CR_TEXT)
            continue;
        if (w->html) {
            cr_buf_puts(w->b, "<li data-code=\"");
            put(w, r.u.s, r.len);
            cr_buf_puts(w->b, "\"><strong class=\"code\">");
        } else {
            cr_buf_printf(w->b, "  %u. ", i + 1);
        }
        put(w, r.u.s, r.len);
        mark(w, "</strong>", "");
        int rule = rule_of_code(p, r.u.s, r.len);
        int ch = rule < 0 ? charac_of_code(p, r.u.s, r.len) : -1;
        if (rule >= 0 && p->rules[rule].desc) {
            say(w, ": ");
            say(w, p->rules[rule].desc);
        } else if (ch >= 0) {
            const cr_charac_info *ci = &p->characs[ch];
            char name[128], pts[64] = "?", val[256] = "?";
            double best = 0, worst = 0;
            cr_ex_name_words(ci->name, name, sizeof name);
            if (s->sc_bin[ch] >= 0)
                cr_ex_value_words(s->sc_points[ch], pts, sizeof pts);
            cr_value v;
            if (cr_ex_charac_value(s, ci, &v))
                cr_ex_value_words(v, val, sizeof val);
            sayf(w, ": in the score, %s %s earned %s points", name, val, pts);
            if (charac_range(p, ci, &best, &worst))
                sayf(w, " where the best earns %g", best);
        }
        mark(w, "\n", "\n");
        if (rule >= 0)
            tests_in_words(w, s, p->rules[rule].span, true);
        mark(w, "</li>\n", "");
    }
    mark(w, "</ol>\n", "");
    decide_row(w, s);
    mark(w, "</section>\n", "");
}

/* Every admission rule: met, or failed and why. */
static void checks(pw *w, const cr_session *s)
{
    const cr_program *p = s->prog;
    if (!p->nrules)
        return;
    section(w, "checks", "Rules checked");
    mark(w, "<table id=\"rules\"><tr><th>rule</th><th>for this application</th><th>what was compared</th></tr>\n", "");
    for (uint32_t i = 0; i < p->nrules; i++) {
        const cr_rule_info *r = &p->rules[i];
        bool fired = cr_ex_rule_fired(s, i);
        const char *res = !fired ? "does not apply" : r->kind == RULE_REJECT ? "applies: decline" : "applies: refer";
        if (w->html) {
            cr_buf_puts(w->b, "<tr><td>");
            say(w, r->desc ? r->desc : r->code);
            cr_buf_puts(w->b, " <code>");
            say(w, r->code);
            cr_buf_printf(w->b, "</code></td><td class=\"%s\">%s</td><td>", fired ? "fired" : "passed", res);
        } else {
            cr_buf_printf(w->b, "  %-16s ", res);
            say(w, r->desc ? r->desc : r->code);
            cr_buf_puts(w->b, " (");
            say(w, r->code);
            cr_buf_puts(w->b, ")\n");
        }
        tests_in_words(w, s, r->span, true);
        mark(w, "</td></tr>\n", "");
    }
    mark(w, "</table></section>\n", "");
}

/* The points after the last "->" of a bin's text ("< 600 -> -40"). */
static bool bin_points(const char *bin, double *pts)
{
    const char *arrow = NULL;
    for (const char *a = strstr(bin, "->"); a; a = strstr(a + 2, "->"))
        arrow = a;
    if (!arrow)
        return false;
    char *end;
    *pts = strtod(arrow + 2, &end);
    return end != arrow + 2;
}

/* Each characteristic's points beside the best its bins give. */
static void scores(pw *w, const cr_session *s)
{
    const cr_program *p = s->prog;
    for (uint32_t k = 0; k < p->nscorecards; k++) {
        const cr_scorecard_info *sc = &p->scorecards[k];
        int let = cr_ex_let_of(p, LET_SCORECARD, k);
        if (let < 0 || s->let_state[let] != LET_DONE)
            continue;
        char total[64], title[200];
        cr_ex_value_words(s->lets[let], total, sizeof total);
        if (strcmp(sc->name, "score") == 0)
            snprintf(title, sizeof title, "Score: %s", total);
        else
            snprintf(title, sizeof title, "Score %s: %s", sc->name, total);
        section(w, "score", title);
        mark(w, "<table><tr><th>characteristic</th><th>value</th><th>points</th><th>against the best bin</th></tr>\n", "");
        for (uint32_t i = 0; i < sc->count; i++) {
            uint32_t c = sc->first + i;
            const cr_charac_info *ci = &p->characs[c];
            char name[128], val[256] = "?", pts[64] = "-", bin[256];
            cr_ex_name_words(ci->name, name, sizeof name);
            cr_value v;
            if (cr_ex_charac_value(s, ci, &v))
                cr_ex_value_words(v, val, sizeof val);
            double got = 0, best = 0, worst = 0;
            bool known = s->sc_bin[c] >= 0;
            if (known)
                cr_ex_value_words(s->sc_points[c], pts, sizeof pts);
            bool ranged = charac_range(p, ci, &best, &worst);
            if (known && ranged) {
                cr_ex_span_text(p, ci->bin_spans[s->sc_bin[c]], bin, sizeof bin);
                bin_points(bin, &got);
            }
            int pct = !known || !ranged ? 0 : best > worst ? (int)((got - worst) * 100 / (best - worst) + 0.5) : 100;
            char bestw[64];
            snprintf(bestw, sizeof bestw, "%g", best);
            if (w->html) {
                cr_buf_puts(w->b, "<tr><td>");
                say(w, name);
                cr_buf_puts(w->b, "</td><td>");
                say(w, val);
                cr_buf_puts(w->b, "</td><td>");
                say(w, pts);
                cr_buf_printf(w->b, "</td><td><span class=\"bar\" title=\"%d%%\"><span style=\"width:%d%%\"></span></span> best %s</td></tr>\n",
                              pct, pct, bestw);
            } else {
                char bar[11];
                int fill = (pct + 5) / 10;
                for (int j = 0; j < 10; j++)
                    bar[j] = j < fill ? '#' : '.';
                bar[10] = '\0';
                cr_buf_puts(w->b, "  ");
                sayf(w, "%-24s %-22s %6s points  [%s] best %s\n", name, val, pts, bar, bestw);
            }
        }
        mark(w, "</table></section>\n", "");
    }
}

static void segments(pw *w, const cr_session *s)
{
    const cr_program *p = s->prog;
    for (uint32_t k = 0; k < p->nsegments; k++) {
        const cr_segment_info *sg = &p->segments[k];
        if (s->seg_row[k] < 0)
            continue;
        char name[128], title[300];
        cr_ex_name_words(sg->name, name, sizeof name);
        snprintf(title, sizeof title, "Segment %s: %s", name, sg->labels[s->seg_row[k]]);
        section(w, "segment", title);
        mark(w, "<ul>\n", "");
        for (int32_t i = 0; i <= s->seg_row[k]; i++) {
            bool chosen = i == s->seg_row[k];
            mark(w, "<li>", "  ");
            sayf(w, chosen ? "%s, because:" : "not %s:", sg->labels[i]);
            mark(w, "\n", "\n");
            tests_in_words(w, s, sg->row_spans[i], false);
            if (chosen && i == (int32_t)sg->nrows - 1) {
                mark(w, "<ul class=\"why\"><li>", "      ");
                say(w, "no earlier row held");
                mark(w, "</li></ul>", "\n");
            }
            mark(w, "</li>\n", "");
        }
        mark(w, "</ul></section>\n", "");
    }
}

/* The limit, the rate and every value on the way, each with its formula. */
static void calculations(pw *w, const cr_session *s)
{
    const cr_program *p = s->prog;
    section(w, "calculations", "Calculations, step by step");
    mark(w, "<table><tr><th>value</th><th>how it is computed</th><th>result</th></tr>\n", "");
    for (uint32_t k = 0; k < p->ntables; k++) {
        const cr_table_info *t = &p->tables[k];
        int let = cr_ex_let_of(p, LET_TABLE, k);
        if (let < 0 || s->let_state[let] != LET_DONE)
            continue;
        char name[128], val[256], place[300];
        cr_ex_name_words(t->name, name, sizeof name);
        cr_ex_typed_value_words(s->lets[let], t->out, val, sizeof val);
        const uint32_t *rows = s->tbl_rows + (size_t)k * p->max_table_rows;
        mark(w, "<tr><td>", "  ");
        say(w, name);
        mark(w, "</td><td>", ": from the table, ");
        for (uint32_t i = 0; i < s->tbl_count[k]; i++) {
            cr_ex_table_place(p, t, rows[i], place, sizeof place);
            sayf(w, "%s%s", i ? "; " : "", place);
        }
        if (s->tbl_count[k] == 0)
            say(w, "no row matched");
        mark(w, "</td><td>", " = ");
        say(w, val);
        mark(w, "</td></tr>\n", "\n");
    }
    for (uint32_t i = 0; i < p->nlets; i++) {
        const cr_let_info *li = &p->lets[i];
        if (li->kind != LET_PLAIN && li->kind != LET_RESULT)
            continue;
        if (s->let_state[i] != LET_DONE)
            continue;
        char name[128], expr[512], val[256];
        cr_ex_name_words(li->name, name, sizeof name);
        cr_ex_span_text(p, cr_ex_let_expr_span(p, i), expr, sizeof expr);
        cr_ex_typed_value_words(s->lets[i], li->type, val, sizeof val);
        if (w->html) {
            cr_buf_printf(w->b, "<tr%s><td>", li->kind == LET_RESULT ? " class=\"result\"" : "");
            say(w, name);
            cr_buf_puts(w->b, li->kind == LET_RESULT ? " <strong>(result)</strong>" : "");
            cr_buf_puts(w->b, "</td><td><code>");
            say(w, expr);
            cr_buf_puts(w->b, "</code></td><td>");
            say(w, val);
            cr_buf_puts(w->b, "</td></tr>\n");
        } else {
            sayf(w, "  %s%s = %s\n      = %s\n", name, li->kind == LET_RESULT ? " (result)" : "", expr, val);
        }
    }
    mark(w, "</table></section>\n", "");
}

/* Name, version, effective date, source and program SHA-256. */
static void identity(pw *w, const cr_program *p, const char *day)
{
    char eff[16] = "not stated";
    if (p->has_effective)
        cr_date_format(p->effective, eff);
    if (w->html)
        cr_buf_puts(w->b, "<footer id=\"policy\"><h2>Policy</h2><dl>\n");
    else
        section(w, "policy", "Policy");
    const char *rows[][2] = {
        {"name", p->name}, {"title", p->title}, {"version", p->version}, {"effective", eff},
        {"owner", p->owner}, {"decided as of", day}, {"source", p->file},
        {"source sha256", p->sha256}, {"program sha256", p->program_sha256},
        {"signed by key", p->signed_by[0] ? p->signed_by : NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (!rows[i][1])
            continue;
        if (w->html) {
            cr_buf_printf(w->b, "<dt>%s</dt><dd data-field=\"%s\">", rows[i][0], rows[i][0]);
            say(w, rows[i][1]);
            cr_buf_puts(w->b, "</dd>\n");
        } else {
            cr_buf_printf(w->b, "  %-15s ", rows[i][0]);
            say(w, rows[i][1]);
            cr_buf_puts(w->b, "\n");
        }
    }
    for (uint32_t i = 0; i < p->nlookups; i++) {
        const cr_lookup_info *lk = &p->lookups[i];
        mark(w, "<dt>reference table</dt><dd>", "  reference table ");
        sayf(w, "%s: %s, %u rows, sha256 %s", lk->name, lk->path, lk->nrows, lk->sha256);
        mark(w, "</dd>\n", "\n");
    }
    mark(w, "</dl></footer>\n", "");
}

static void account(pw *w, const cr_session *s, const char *app_id, size_t app_id_len)
{
    const cr_program *p = s->prog;
    char day[16];
    cr_date_format(s->today, day);
    const char *outcome = cr_outcome_name(s->outcome);
    if (w->html) {
        cr_buf_puts(w->b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>");
        sayf(w, "Application %.*s: %s", app_id ? (int)app_id_len : 1, app_id ? app_id : "-", outcome_words(s->outcome));
        cr_buf_puts(w->b, "</title>\n<style>");
        cr_buf_puts(w->b, page_style);
        cr_buf_puts(w->b, "</style></head><body>\n<header>");
        cr_buf_printf(w->b, "<h1 id=\"outcome\" class=\"%s\" data-decision=\"%s\">%s</h1>\n<p>Application <strong id=\"app-id\">",
                      outcome, outcome, outcome_words(s->outcome));
        put(w, app_id ? app_id : "-", app_id ? app_id_len : 1);
        cr_buf_puts(w->b, "</strong>, decided as of ");
        say(w, day);
        cr_buf_puts(w->b, " under the policy ");
        say(w, p->title ? p->title : p->name);
        cr_buf_puts(w->b, p->version ? " version " : "");
        say(w, p->version ? p->version : "");
        cr_buf_puts(w->b, ".</p></header>\n");
    } else {
        cr_buf_printf(w->b, "Application %.*s: %s (%s)\n", app_id ? (int)app_id_len : 1, app_id ? app_id : "-",
                      outcome_words(s->outcome), outcome);
        cr_buf_printf(w->b, "Decided as of %s under the policy %s%s%s\n", day, p->title ? p->title : p->name,
                      p->version ? " version " : "", p->version ? p->version : "");
    }
    reasons(w, s);
    checks(w, s);
    scores(w, s);
    segments(w, s);
    calculations(w, s);
    identity(w, p, day);
    mark(w, "</body></html>\n", "");
}

void cr_explain_html(cr_buf *b, const cr_session *s, const char *app_id, size_t app_id_len)
{
    pw w = {b, true};
    account(&w, s, app_id, app_id_len);
}

void cr_explain_plain(cr_buf *b, const cr_session *s, const char *app_id, size_t app_id_len)
{
    pw w = {b, false};
    account(&w, s, app_id, app_id_len);
}
