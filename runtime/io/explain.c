/* `credo explain`: why one application got its decision, as text for a
 * credit officer or as JSON, built from a run of the VM's tracing loop
 * (explain.h).  Reads the session's trace and the program's tables; calls
 * the JSON writer beside it and lang/diag.h for source lines. */
#include "runtime/io/explain.h"
#include "runtime/io/explain_parts.h"

#include <stdio.h>
#include <string.h>

#include "lang/diag.h"
#include "runtime/core/date.h"
#include "runtime/core/utf8.h"

/* ---- source text and values ---- */

uint32_t cr_ex_line_of(const cr_program *p, cr_span sp)
{
    uint32_t line, col;
    cr_source_linecol(p->src, p->len, sp.start, &line, &col);
    return line;
}

/* The policy's text of a span, white space runs made one space. */
void cr_ex_span_text(const cr_program *p, cr_span sp, char *buf, size_t size)
{
    size_t o = 0;
    bool space = false;
    for (uint32_t i = sp.start; i < sp.end && i < p->len && o + 4 < size; i++) {
        char c = p->src[i];
        if (c == '#') { /* a comment inside the span */
            while (i < sp.end && p->src[i] != '\n')
                i++;
            space = true;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = true;
            continue;
        }
        if (space && o)
            buf[o++] = ' ';
        space = false;
        buf[o++] = c;
    }
    if (o + 4 >= size && sp.end - sp.start > o) {
        memcpy(buf + o - 3, "...", 3);
    }
    buf[o] = '\0';
}

void cr_ex_value_text(cr_value v, const cr_type *t, char *buf, size_t size)
{
    cr_buf b = {0};
    cr_buf_json_value(&b, v, t);
    if (b.p && b.len > size - 1) {
        memcpy(buf, b.p, size - 4);
        strcpy(buf + size - 4, "...");
    } else {
        snprintf(buf, size, "%s", b.p ? b.p : "?");
    }
    cr_buf_free(&b);
}

static bool inside(cr_span outer, cr_span inner)
{
    return inner.start >= outer.start && inner.end <= outer.end;
}

static bool is_test_op(uint8_t op)
{
    switch ((cr_opcode)op) {
    case CR_OP_EQ: case CR_OP_NE: case CR_OP_LT: case CR_OP_LE: case CR_OP_GT: case CR_OP_GE:
    case CR_OP_IN: case CR_OP_MATCH: case CR_OP_IS_NULL: case CR_OP_HAS:
        return true;
    default:
        return false;
    }
}

const char *cr_ex_op_symbol(uint8_t op, uint8_t a)
{
    switch ((cr_opcode)op) {
    case CR_OP_EQ: return "==";
    case CR_OP_NE: return "!=";
    case CR_OP_LT: return "<";
    case CR_OP_LE: return "<=";
    case CR_OP_GT: return ">";
    case CR_OP_GE: return ">=";
    case CR_OP_IN: return a ? "not in" : "in";
    case CR_OP_MATCH: return "matches";
    case CR_OP_IS_NULL: return a ? "is not null" : "is null";
    case CR_OP_HAS: return "has";
    default: return "?";
    }
}

/* "age < 18: 47 < 18 -> false" for one traced test. */
static void test_text(const cr_session *s, const cr_trace_entry *e, char *buf, size_t size)
{
    const cr_program *p = s->prog;
    const cr_ins *in = &p->code[e->pc];
    char src[160], a[96], b[96];
    cr_ex_span_text(p, p->spans[e->pc], src, sizeof src);
    cr_ex_value_text(e->a, NULL, a, sizeof a);
    const char *res = e->r.u.b ? "true" : "false";
    switch ((cr_opcode)in->op) {
    case CR_OP_IS_NULL:
    case CR_OP_MATCH:
        snprintf(buf, size, "%s: %s %s -> %s", src, a, cr_ex_op_symbol(in->op, in->a), res);
        break;
    case CR_OP_HAS: /* blacklist has uscc: blacklist has "9131..." -> false */
        snprintf(buf, size, "%s: %s has %s -> %s", src, p->lookups[in->c].name, a, res);
        break;
    default:
        cr_ex_value_text(e->b, NULL, b, sizeof b);
        snprintf(buf, size, "%s: %s %s %s -> %s", src, a, cr_ex_op_symbol(in->op, in->a), b, res);
    }
}


void cr_ex_tests_in(const cr_session *s, cr_span sp, cr_ex_test_cb cb, void *ctx)
{
    const cr_program *p = s->prog;
    for (uint32_t i = 0; i < s->trace->count; i++) {
        const cr_trace_entry *e = &s->trace->items[i];
        if (!is_test_op(p->code[e->pc].op) || !inside(sp, p->spans[e->pc]))
            continue;
        char text[512];
        test_text(s, e, text, sizeof text);
        cb(ctx, text, e);
    }
}

/* The span of a let's expression: every instruction of its code. */
cr_span cr_ex_let_expr_span(const cr_program *p, uint32_t let)
{
    cr_span sp = {UINT32_MAX, 0};
    for (uint32_t pc = p->lets[let].pc; pc < p->ncode; pc++) {
        const cr_ins *in = &p->code[pc];
        if (in->op == CR_OP_LET_END && in->c == let)
            break;
        if (p->spans[pc].start < sp.start) sp.start = p->spans[pc].start;
        if (p->spans[pc].end > sp.end) sp.end = p->spans[pc].end;
    }
    if (sp.start == UINT32_MAX)
        sp.start = sp.end = p->lets[let].span.end;
    return sp;
}

int cr_ex_let_of(const cr_program *p, uint8_t kind, uint32_t index)
{
    for (uint32_t i = 0; i < p->nlets; i++)
        if (p->lets[i].kind == kind && p->lets[i].index == index)
            return (int)i;
    return -1;
}

bool cr_ex_rule_fired(const cr_session *s, uint32_t rule)
{
    for (uint32_t i = 0; i < s->nfired; i++)
        if (s->fired[i] == rule)
            return true;
    return false;
}

/* The text between two offsets, trimmed, into buf. */
static void trimmed(const char *src, uint32_t from, uint32_t to, char *buf, size_t size)
{
    while (from < to && (src[from] == ' ' || src[from] == '\t'))
        from++;
    while (to > from && (src[to - 1] == ' ' || src[to - 1] == '\t' || src[to - 1] == '\r'))
        to--;
    snprintf(buf, size, "%.*s", (int)(to - from), src + from);
}

/* Offsets of the '|' on the line [ls, end) outside quoted text, up to max. */
static uint32_t bars_of(const char *src, uint32_t ls, uint32_t end, uint32_t *at, uint32_t max)
{
    uint32_t n = 0;
    bool quoted = false;
    for (uint32_t i = ls; i < end && src[i] != '\n'; i++) {
        if (src[i] == '"' && (i == ls || src[i - 1] != '\\'))
            quoted = !quoted;
        else if (!quoted && src[i] == '#')
            break;
        else if (!quoted && src[i] == '|' && n < max)
            at[n++] = i;
    }
    return n;
}

void cr_ex_table_place(const cr_program *p, const cr_table_info *t, uint32_t row, char *buf, size_t size)
{
    cr_span sp = t->row_spans[row];
    uint32_t line = cr_ex_line_of(p, sp);
    const char *src = p->src;
    uint32_t ls = sp.start;
    while (ls > 0 && src[ls - 1] != '\n')
        ls--;
    uint32_t bar[64];
    uint32_t col = bars_of(src, ls, sp.start, bar, 64);
    if (col == 0) { /* an ordinary row: its cells start the line */
        uint32_t k = sp.start + 7;
        while (k < sp.end && (src[k] == ' ' || src[k] == '\t' || src[k] == '\n' || src[k] == '\r'))
            k++;
        if (sp.end - sp.start > 9 && !memcmp(src + sp.start, "default", 7) && !memcmp(src + k, "->", 2))
            snprintf(buf, size, "the default row %u (line %u)", row + 1, line);   /* no other row matched */
        else
            snprintf(buf, size, "row %u (line %u)", row + 1, line);
        return;
    }
    /* A grid cell: the row's test leads its line, the column's test is the
     * col-th cell of the header, the nearest line above that starts with '|'. */
    char label[128], head[128] = "?";
    trimmed(src, ls, bar[0], label, sizeof label);
    uint32_t hs = ls;
    while (hs > 0) {
        uint32_t prev = hs - 1;
        while (prev > 0 && src[prev - 1] != '\n')
            prev--;
        hs = prev;
        uint32_t k = hs;
        while (src[k] == ' ' || src[k] == '\t')
            k++;
        if (src[k] == '{' || src[k] == '}' || hs == 0)
            break;
        if (src[k] == '|') {
            uint32_t hb[65];
            uint32_t nb = bars_of(src, hs, (uint32_t)p->len, hb, 64);
            uint32_t end = hb[nb - 1];
            while (end < p->len && src[end] != '\n' && src[end] != '#')
                end++;
            hb[nb] = end;
            if (col <= nb)
                trimmed(src, hb[col - 1] + 1, hb[col], head, sizeof head);
            break;
        }
    }
    snprintf(buf, size, "row %s, column %s (line %u)", label, head, line);
}

/* A nested field's value (residence.kind, applicant.owner.share): its
 * names followed from the input's slots through the records' types; null
 * where a record on the way is null. */
static bool dotted_value(const cr_session *s, const char *name, cr_value *v)
{
    const cr_program *p = s->prog;
    const cr_record *rec = p->input;
    const char *part = name, *dot = strchr(part, '.');
    if (!dot)
        return false;
    if (p->input_name && (size_t)(dot - part) == strlen(p->input_name) &&
        memcmp(part, p->input_name, (size_t)(dot - part)) == 0) {   /* applicant.residence.kind */
        part = dot + 1;
        dot = strchr(part, '.');
    }
    bool top = true;
    cr_value cur = cr_null();
    for (;;) {
        size_t n = dot ? (size_t)(dot - part) : strlen(part);
        int f = rec ? cr_record_find(rec, part, n) : -1;
        if (f < 0)
            return false;
        if (top)
            cur = s->slots[f];
        else
            cur = cur.tag == CR_RECORD && (uint32_t)f < cur.len ? cur.u.items[f] : cr_null();
        top = false;
        if (!dot)
            break;
        const cr_type *t = rec->fields[f].type;
        rec = t ? t->rec : NULL;
        part = dot + 1;
        dot = strchr(part, '.');
    }
    *v = cur;
    return true;
}

bool cr_ex_charac_value(const cr_session *s, const cr_charac_info *ci, cr_value *v)
{
    if (ci->src_kind == CHARAC_SRC_INPUT) {
        *v = s->slots[ci->src_index];
        return true;
    }
    if (ci->src_kind == CHARAC_SRC_LET && s->let_state[ci->src_index] == LET_DONE) {
        *v = s->lets[ci->src_index];
        return true;
    }
    return dotted_value(s, ci->name, v);
}

/* ---- text ---- */

/* "Lookup      industry_risk  data/industry_risk.csv, 41 rows, sha256 ...",
 * one line a table: the data a decision was made with, under the policy
 * that read it. */
static void print_lookups(FILE *out, const cr_program *p)
{
    int width = 0;
    for (uint32_t i = 0; i < p->nlookups; i++)
        if ((int)cr_utf8_width(p->lookups[i].name, strlen(p->lookups[i].name)) > width)
            width = (int)cr_utf8_width(p->lookups[i].name, strlen(p->lookups[i].name));
    for (uint32_t i = 0; i < p->nlookups; i++) {
        const cr_lookup_info *lk = &p->lookups[i];
        fprintf(out, "Lookup      %-*s  %s%s%s, %u row%s, sha256 %s\n", cr_utf8_pad(lk->name, width), lk->name, lk->path,
                lk->table ? " table " : "", lk->table ? lk->table : "", lk->nrows, lk->nrows == 1 ? "" : "s", lk->sha256);
    }
}

static void print_test_line(void *ctx, const char *text, const cr_trace_entry *e)
{
    (void)e;
    fprintf((FILE *)ctx, "        %s\n", text);
}

void cr_explain_text(FILE *out, const cr_session *s, const char *app_id, size_t app_id_len)
{
    const cr_program *p = s->prog;
    char buf[512], val[256];
    char day[16];
    cr_date_format(s->today, day);
    fprintf(out, "Application %.*s\n", app_id ? (int)app_id_len : 1, app_id ? app_id : "-");
    fprintf(out, "Policy      %s %s (%s), sha256 %s\n", p->name, p->version ? p->version : "", p->file, p->sha256);
    print_lookups(out, p);
    fprintf(out, "Program     sha256 %s%s%s\n", p->program_sha256, p->signed_by[0] ? ", signed by key " : "",
            p->signed_by);
    fprintf(out, "As of       %s\n", day);
    cr_ex_value_text(s->reasons, NULL, val, sizeof val);
    fprintf(out, "Decision    %s   reasons %s\n", cr_outcome_name(s->outcome), val);

    if (p->nrules) {
        int code_width = 16; /* the longest code sets the column, so long codes do not push the rest */
        for (uint32_t i = 0; i < p->nrules; i++)
            if ((int)strlen(p->rules[i].code) > code_width)
                code_width = (int)strlen(p->rules[i].code);
        fprintf(out, "\nRules (every rule is evaluated; codes collected in order)\n");
        for (uint32_t i = 0; i < p->nrules; i++) {
            const cr_rule_info *r = &p->rules[i];
            bool fired = cr_ex_rule_fired(s, i);
            fprintf(out, "  %-6s %-*s %-8s line %u%s%s\n", r->kind == RULE_REJECT ? "reject" : "refer", cr_utf8_pad(r->code, code_width), r->code,
                    fired ? "FIRED" : "-", cr_ex_line_of(p, r->span), r->desc ? "  " : "", r->desc ? r->desc : "");
            cr_ex_tests_in(s, r->span, print_test_line, out);
        }
    }

    for (uint32_t k = 0; k < p->nscorecards; k++) {
        const cr_scorecard_info *sc = &p->scorecards[k];
        int let = cr_ex_let_of(p, LET_SCORECARD, k);
        if (let < 0 || s->let_state[let] != LET_DONE)
            continue;
        cr_ex_value_text(s->lets[let], NULL, val, sizeof val);
        fprintf(out, "\nScorecard %s = %s\n", sc->name, val);
        for (uint32_t i = 0; i < sc->count; i++) {
            uint32_t c = sc->first + i;
            const cr_charac_info *ci = &p->characs[c];
            cr_value v;
            char vtext[96] = "?", pts[64] = "-";
            if (cr_ex_charac_value(s, ci, &v))
                cr_ex_value_text(v, NULL, vtext, sizeof vtext);
            if (s->sc_bin[c] >= 0) {
                cr_ex_span_text(p, ci->bin_spans[s->sc_bin[c]], buf, sizeof buf);
                cr_ex_value_text(s->sc_points[c], NULL, pts, sizeof pts);
            } else {
                snprintf(buf, sizeof buf, "(no bin)");
            }
            fprintf(out, "  %-*s = %-*s bin %-*s points %s\n", cr_utf8_pad(ci->name, 20), ci->name,
                    cr_utf8_pad(vtext, 22), vtext, cr_utf8_pad(buf, 24), buf, pts);
        }
    }

    for (uint32_t k = 0; k < p->nsegments; k++) {
        const cr_segment_info *sg = &p->segments[k];
        if (s->seg_row[k] < 0)
            continue;
        fprintf(out, "\nSegment %s = %s (first row that holds)\n", sg->name, sg->labels[s->seg_row[k]]);
        for (int32_t i = 0; i <= s->seg_row[k]; i++) {
            cr_ex_span_text(p, sg->row_spans[i], buf, sizeof buf);
            fprintf(out, "  %-8s %s\n", i == s->seg_row[k] ? "chosen" : "no", buf);
            cr_ex_tests_in(s, sg->row_spans[i], print_test_line, out);
        }
    }

    bool tables = false;
    for (uint32_t k = 0; k < p->ntables; k++) {
        const cr_table_info *t = &p->tables[k];
        int let = cr_ex_let_of(p, LET_TABLE, k);
        if (let < 0 || s->let_state[let] != LET_DONE)
            continue;
        if (!tables)
            fprintf(out, "\nTables\n");
        tables = true;
        cr_ex_value_text(s->lets[let], t->out, val, sizeof val);
        fprintf(out, "  %s = %s\n", t->name, val);
        const uint32_t *rows = s->tbl_rows + (size_t)k * p->max_table_rows;
        for (uint32_t i = 0; i < s->tbl_count[k]; i++) {
            cr_ex_span_text(p, t->row_spans[rows[i]], buf, sizeof buf);
            char place[300];
            cr_ex_table_place(p, t, rows[i], place, sizeof place);
            fprintf(out, "    %s matched: %s\n", place, buf);
        }
    }

    fprintf(out, "\nValues (in the order of the policy)\n");
    for (uint32_t i = 0; i < p->nlets; i++) {
        const cr_let_info *li = &p->lets[i];
        if (li->kind == LET_CONST || li->kind == LET_SCORECARD || li->kind == LET_SEGMENT || li->kind == LET_TABLE)
            continue;
        if (s->let_state[i] != LET_DONE) {
            fprintf(out, "  %-*s   (not needed for this application)\n", cr_utf8_pad(li->name, 20), li->name);
            continue;
        }
        cr_ex_span_text(p, cr_ex_let_expr_span(p, i), buf, sizeof buf);
        cr_ex_value_text(s->lets[i], li->type, val, sizeof val);
        fprintf(out, "  %-*s = %s\n  %-20s   = %s\n", cr_utf8_pad(li->name, 20), li->name, buf, "", val);
    }

    if (p->has_decide) {
        fprintf(out, "\nDecide (first row that holds)\n");
        int32_t last = s->decide_row >= 0 ? s->decide_row : (int32_t)p->ndecide - 1;
        for (int32_t i = 0; i <= last && (uint32_t)i < p->ndecide; i++) {
            cr_ex_span_text(p, p->decide_spans[i], buf, sizeof buf);
            fprintf(out, "  %-8s %s\n", i == s->decide_row ? "chosen" : "no", buf);
            cr_ex_tests_in(s, p->decide_spans[i], print_test_line, out);
        }
        if (s->decide_row < 0)
            fprintf(out, "  no row held: the default rule decided\n");
    } else {
        fprintf(out, "\nDecision rule: REJECT if a reject rule fired, else REFER if a refer rule fired, else APPROVE\n");
    }
    if (s->trace->dropped)
        fprintf(out, "\n(%u traced steps were not kept)\n", s->trace->dropped);
}

/* ---- JSON ---- */

typedef struct json_tests {
    cr_buf *b;
    bool first;
} json_tests;

static void json_test(void *ctx, const char *text, const cr_trace_entry *e)
{
    json_tests *jt = ctx;
    (void)e;
    if (!jt->first)
        cr_buf_put(jt->b, ",", 1);
    jt->first = false;
    cr_buf_json_string(jt->b, text, strlen(text));
}

static void json_tests_in(cr_buf *b, const cr_session *s, cr_span sp)
{
    json_tests jt = {b, true};
    cr_buf_puts(b, ",\"tests\":[");
    cr_ex_tests_in(s, sp, json_test, &jt);
    cr_buf_puts(b, "]");
}

static void json_str(cr_buf *b, const char *key, const char *v)
{
    cr_buf_printf(b, "\"%s\":", key);
    if (v)
        cr_buf_json_string(b, v, strlen(v));
    else
        cr_buf_puts(b, "null");
}

static void json_lookup(cr_buf *b, const cr_lookup_info *lk, bool first)
{
    cr_buf_puts(b, first ? "{" : ",{");
    json_str(b, "name", lk->name);
    cr_buf_printf(b, ",\"source\":\"%s\",", lk->source == LOOKUP_SQLITE ? "sqlite" : "csv");
    json_str(b, "path", lk->path);
    cr_buf_puts(b, ",");
    json_str(b, "table", lk->table);
    cr_buf_puts(b, ",");
    json_str(b, "key", lk->key);
    cr_buf_printf(b, ",\"rows\":%u,\"sha256\":\"%s\"}", lk->nrows, lk->sha256);
}

void cr_explain_json(cr_buf *b, const cr_session *s, const char *app_id, size_t app_id_len)
{
    const cr_program *p = s->prog;
    char buf[512], day[16];
    cr_date_format(s->today, day);
    cr_buf_put(b, "{", 1);
    cr_write_id(b, p, s->slots, app_id, app_id_len, false);
    cr_buf_printf(b, ",\"decision\":\"%s\",\"reasons\":", cr_outcome_name(s->outcome));
    cr_buf_json_value(b, s->reasons, NULL);
    cr_buf_puts(b, ",\"policy\":{");
    json_str(b, "name", p->name);
    cr_buf_puts(b, ",");
    json_str(b, "version", p->version);
    cr_buf_puts(b, ",");
    json_str(b, "file", p->file);
    cr_buf_printf(b, ",\"sha256\":\"%s\",\"program_sha256\":\"%s\"", p->sha256, p->program_sha256);
    if (p->signed_by[0])
        cr_buf_printf(b, ",\"signed_by\":\"%s\"", p->signed_by);
    cr_buf_puts(b, ",\"lookups\":[");
    for (uint32_t i = 0; i < p->nlookups; i++)
        json_lookup(b, &p->lookups[i], i == 0);
    cr_buf_printf(b, "]},\"as_of\":\"%s\",\"rules\":[", day);
    for (uint32_t i = 0; i < p->nrules; i++) {
        const cr_rule_info *r = &p->rules[i];
        cr_buf_printf(b, "%s{\"code\":", i ? "," : "");
        cr_buf_json_string(b, r->code, strlen(r->code));
        cr_buf_printf(b, ",\"kind\":\"%s\",\"fired\":%s,\"line\":%u,", r->kind == RULE_REJECT ? "reject" : "refer",
                      cr_ex_rule_fired(s, i) ? "true" : "false", cr_ex_line_of(p, r->span));
        json_str(b, "description", r->desc);
        json_tests_in(b, s, r->span);
        cr_buf_puts(b, "}");
    }
    cr_buf_puts(b, "],\"scorecards\":[");
    bool first = true;
    for (uint32_t k = 0; k < p->nscorecards; k++) {
        const cr_scorecard_info *sc = &p->scorecards[k];
        int let = cr_ex_let_of(p, LET_SCORECARD, k);
        if (let < 0 || s->let_state[let] != LET_DONE)
            continue;
        cr_buf_printf(b, "%s{", first ? "" : ",");
        first = false;
        json_str(b, "name", sc->name);
        cr_buf_puts(b, ",\"total\":");
        cr_buf_json_value(b, s->lets[let], NULL);
        cr_buf_puts(b, ",\"characteristics\":[");
        for (uint32_t i = 0; i < sc->count; i++) {
            uint32_t c = sc->first + i;
            const cr_charac_info *ci = &p->characs[c];
            cr_value v;
            cr_buf_printf(b, "%s{", i ? "," : "");
            json_str(b, "name", ci->name);
            cr_buf_puts(b, ",\"value\":");
            if (cr_ex_charac_value(s, ci, &v))
                cr_buf_json_value(b, v, NULL);
            else
                cr_buf_puts(b, "null");
            if (s->sc_bin[c] >= 0) {
                cr_ex_span_text(p, ci->bin_spans[s->sc_bin[c]], buf, sizeof buf);
                cr_buf_printf(b, ",\"bin\":%d,\"line\":%u,", s->sc_bin[c] + 1, cr_ex_line_of(p, ci->bin_spans[s->sc_bin[c]]));
                json_str(b, "bin_text", buf);
                cr_buf_puts(b, ",\"points\":");
                cr_buf_json_value(b, s->sc_points[c], NULL);
            }
            cr_buf_puts(b, "}");
        }
        cr_buf_puts(b, "]}");
    }
    cr_buf_puts(b, "],\"segments\":[");
    first = true;
    for (uint32_t k = 0; k < p->nsegments; k++) {
        const cr_segment_info *sg = &p->segments[k];
        if (s->seg_row[k] < 0)
            continue;
        cr_buf_printf(b, "%s{", first ? "" : ",");
        first = false;
        json_str(b, "name", sg->name);
        cr_buf_puts(b, ",");
        json_str(b, "label", sg->labels[s->seg_row[k]]);
        cr_buf_puts(b, ",\"rows\":[");
        for (int32_t i = 0; i <= s->seg_row[k]; i++) {
            cr_ex_span_text(p, sg->row_spans[i], buf, sizeof buf);
            cr_buf_printf(b, "%s{\"label\":", i ? "," : "");
            cr_buf_json_string(b, sg->labels[i], strlen(sg->labels[i]));
            cr_buf_printf(b, ",\"chosen\":%s,\"line\":%u,", i == s->seg_row[k] ? "true" : "false", cr_ex_line_of(p, sg->row_spans[i]));
            json_str(b, "row", buf);
            json_tests_in(b, s, sg->row_spans[i]);
            cr_buf_puts(b, "}");
        }
        cr_buf_puts(b, "]}");
    }
    cr_buf_puts(b, "],\"tables\":[");
    first = true;
    for (uint32_t k = 0; k < p->ntables; k++) {
        const cr_table_info *t = &p->tables[k];
        int let = cr_ex_let_of(p, LET_TABLE, k);
        if (let < 0 || s->let_state[let] != LET_DONE)
            continue;
        cr_buf_printf(b, "%s{", first ? "" : ",");
        first = false;
        json_str(b, "name", t->name);
        cr_buf_puts(b, ",\"value\":");
        cr_buf_json_value(b, s->lets[let], t->out);
        cr_buf_puts(b, ",\"rows\":[");
        const uint32_t *rows = s->tbl_rows + (size_t)k * p->max_table_rows;
        for (uint32_t i = 0; i < s->tbl_count[k]; i++) {
            cr_ex_span_text(p, t->row_spans[rows[i]], buf, sizeof buf);
            char place[300];
            cr_ex_table_place(p, t, rows[i], place, sizeof place);
            cr_buf_printf(b, "%s{\"row\":%u,\"line\":%u,", i ? "," : "", rows[i] + 1, cr_ex_line_of(p, t->row_spans[rows[i]]));
            json_str(b, "place", place);
            cr_buf_puts(b, ",");
            json_str(b, "text", buf);
            cr_buf_puts(b, "}");
        }
        cr_buf_puts(b, "]}");
    }
    cr_buf_puts(b, "],\"values\":[");
    first = true;
    for (uint32_t i = 0; i < p->nlets; i++) {
        const cr_let_info *li = &p->lets[i];
        if (li->kind == LET_CONST || li->kind == LET_SCORECARD || li->kind == LET_SEGMENT || li->kind == LET_TABLE ||
            s->let_state[i] != LET_DONE)
            continue;
        cr_ex_span_text(p, cr_ex_let_expr_span(p, i), buf, sizeof buf);
        cr_buf_printf(b, "%s{", first ? "" : ",");
        first = false;
        json_str(b, "name", li->name);
        cr_buf_puts(b, ",");
        json_str(b, "expression", buf);
        cr_buf_printf(b, ",\"result\":%s,\"value\":", li->kind == LET_RESULT ? "true" : "false");
        cr_buf_json_value(b, s->lets[i], li->type);
        cr_buf_puts(b, "}");
    }
    cr_buf_puts(b, "],\"decide\":");
    if (p->has_decide) {
        cr_buf_printf(b, "{\"row\":%d,\"rows\":[", s->decide_row >= 0 ? s->decide_row + 1 : 0);
        int32_t last = s->decide_row >= 0 ? s->decide_row : (int32_t)p->ndecide - 1;
        for (int32_t i = 0; i <= last && (uint32_t)i < p->ndecide; i++) {
            cr_ex_span_text(p, p->decide_spans[i], buf, sizeof buf);
            cr_buf_printf(b, "%s{\"chosen\":%s,\"line\":%u,", i ? "," : "", i == s->decide_row ? "true" : "false",
                          cr_ex_line_of(p, p->decide_spans[i]));
            json_str(b, "row", buf);
            json_tests_in(b, s, p->decide_spans[i]);
            cr_buf_puts(b, "}");
        }
        cr_buf_puts(b, "]}");
    } else {
        cr_buf_puts(b, "null");
    }
    cr_buf_puts(b, "}\n");
}
