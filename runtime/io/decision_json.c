/* Decisions out: the growable buffer every writer uses (cr_buf) and the
 * JSON line of one decision or one ERROR (decision_json.h), with decimals
 * exactly at their scale.  Reads the session's results and the program's
 * tables; calls core's date formatting and lang/diag.h for places. */
#include "runtime/io/decision_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/diag.h"
#include "runtime/core/date.h"

void cr_buf_free(cr_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

bool cr_buf_reserve(cr_buf *b, size_t n)
{
    if (b->len + n + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void cr_buf_puts(cr_buf *b, const char *s) { cr_buf_put(b, s, strlen(s)); }

void cr_buf_printf(cr_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    cr_buf_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void cr_buf_json_string(cr_buf *b, const char *s, size_t n)
{
    if (!cr_buf_reserve(b, n + 2))
        return;
    cr_buf_put(b, "\"", 1);
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        cr_buf_put(b, s + start, i - start);
        char esc[8];
        switch (c) {
        case '"': cr_buf_put(b, "\\\"", 2); break;
        case '\\': cr_buf_put(b, "\\\\", 2); break;
        case '\n': cr_buf_put(b, "\\n", 2); break;
        case '\t': cr_buf_put(b, "\\t", 2); break;
        case '\r': cr_buf_put(b, "\\r", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
            cr_buf_put(b, esc, 6);
        }
        start = i + 1;
    }
    cr_buf_put(b, s + start, n - start);
    cr_buf_put(b, "\"", 1);
}

void cr_buf_json_value(cr_buf *b, cr_value v, const cr_type *t)
{
    char tmp[CR_DEC_FMT_MAX];
    switch ((cr_tag)v.tag) {
    case CR_NULL: cr_buf_put(b, "null", 4); return;
    case CR_BOOL: cr_buf_puts(b, v.u.b ? "true" : "false"); return;
    case CR_INT:
    case CR_DEC: { /* an int is a decimal of scale 0: the same digits as %lld */
        size_t n = cr_dec_format(cr_value_dec(v), tmp);
        cr_buf_put(b, tmp, n);
        return;
    }
    case CR_TEXT: cr_buf_json_string(b, v.u.s, v.len); return;
    case CR_DATE: {
        size_t n = cr_date_format(v.u.i, tmp);
        cr_buf_put(b, "\"", 1);
        cr_buf_put(b, tmp, n);
        cr_buf_put(b, "\"", 1);
        return;
    }
    case CR_LIST:
    case CR_SET:
        cr_buf_put(b, "[", 1);
        for (uint32_t i = 0; i < v.len; i++) {
            if (i)
                cr_buf_put(b, ",", 1);
            cr_buf_json_value(b, v.u.items[i], t && t->elem ? t->elem : NULL);
        }
        cr_buf_put(b, "]", 1);
        return;
    case CR_RECORD:
        cr_buf_put(b, "{", 1);
        for (uint32_t i = 0; i < v.len; i++) {
            if (i)
                cr_buf_put(b, ",", 1);
            if (t && t->rec && i < t->rec->nfields)
                cr_buf_json_string(b, t->rec->fields[i].name, t->rec->fields[i].len);
            else
                cr_buf_printf(b, "\"%u\"", i);
            cr_buf_put(b, ":", 1);
            cr_buf_json_value(b, v.u.items[i], t && t->rec && i < t->rec->nfields ? t->rec->fields[i].type : NULL);
        }
        cr_buf_put(b, "}", 1);
        return;
    case CR_REGEX:
        cr_buf_put(b, "null", 4);
        return;
    }
}

static void app_id_json(cr_buf *b, const char *app_id, size_t n)
{
    if (app_id)
        cr_buf_json_string(b, app_id, n);
    else
        cr_buf_put(b, "null", 4);
}

void cr_write_id(cr_buf *b, const cr_program *p, const cr_value *slots, const char *app_id, size_t n, bool number)
{
    const char *key = p && p->key ? p->key : "app_id";
    cr_buf_json_string(b, key, strlen(key));
    cr_buf_put(b, ":", 1);
    int f = p && p->key ? cr_record_find(p->input, p->key, strlen(p->key)) : -1;
    if (f >= 0 && slots)
        cr_buf_json_value(b, slots[f], p->input->fields[f].type);
    else if (f >= 0 && app_id && number)
        cr_buf_put(b, app_id, n);   /* a JSON number's digits, as the reader found them */
    else
        app_id_json(b, app_id, n);
}

static uint32_t line_of(const cr_program *p, cr_span sp)
{
    uint32_t line, col;
    cr_source_linecol(p->src, p->len, sp.start, &line, &col);
    return line;
}

/* Which rules fired, the bin of each characteristic, the segment row and
 * the table rows that matched: the why of one decision. */
static void write_explain(cr_buf *b, const cr_session *s)
{
    const cr_program *p = s->prog;
    cr_buf_puts(b, ",\"explain\":{\"fired\":[");
    for (uint32_t i = 0; i < s->nfired; i++) {
        const cr_rule_info *r = &p->rules[s->fired[i]];
        cr_buf_printf(b, "%s{\"code\":", i ? "," : "");
        cr_buf_json_string(b, r->code, strlen(r->code));
        cr_buf_printf(b, ",\"kind\":\"%s\",\"line\":%u", r->kind == RULE_REJECT ? "reject" : "refer", line_of(p, r->span));
        if (r->desc) {
            cr_buf_puts(b, ",\"description\":");
            cr_buf_json_string(b, r->desc, strlen(r->desc));
        }
        cr_buf_puts(b, "}");
    }
    cr_buf_puts(b, "],\"scorecards\":{");
    for (uint32_t k = 0; k < p->nscorecards; k++) {
        const cr_scorecard_info *sc = &p->scorecards[k];
        cr_buf_printf(b, "%s", k ? "," : "");
        cr_buf_json_string(b, sc->name, strlen(sc->name));
        cr_buf_puts(b, ":[");
        for (uint32_t i = 0; i < sc->count; i++) {
            uint32_t c = sc->first + i;
            const cr_charac_info *ci = &p->characs[c];
            cr_buf_printf(b, "%s{\"characteristic\":", i ? "," : "");
            cr_buf_json_string(b, ci->name, strlen(ci->name));
            if (s->sc_bin[c] >= 0) {
                cr_buf_printf(b, ",\"bin\":%d,\"line\":%u,\"points\":", s->sc_bin[c] + 1,
                              line_of(p, ci->bin_spans[s->sc_bin[c]]));
                cr_buf_json_value(b, s->sc_points[c], NULL);
            }
            cr_buf_puts(b, "}");
        }
        cr_buf_puts(b, "]");
    }
    cr_buf_puts(b, "},\"segments\":{");
    for (uint32_t k = 0; k < p->nsegments; k++) {
        const cr_segment_info *sg = &p->segments[k];
        cr_buf_printf(b, "%s", k ? "," : "");
        cr_buf_json_string(b, sg->name, strlen(sg->name));
        if (s->seg_row[k] >= 0) {
            cr_buf_printf(b, ":{\"row\":%d,\"line\":%u,\"label\":", s->seg_row[k] + 1, line_of(p, sg->row_spans[s->seg_row[k]]));
            cr_buf_json_string(b, sg->labels[s->seg_row[k]], strlen(sg->labels[s->seg_row[k]]));
            cr_buf_puts(b, "}");
        } else {
            cr_buf_puts(b, ":null");
        }
    }
    cr_buf_puts(b, "},\"tables\":{");
    for (uint32_t k = 0; k < p->ntables; k++) {
        const cr_table_info *t = &p->tables[k];
        cr_buf_printf(b, "%s", k ? "," : "");
        cr_buf_json_string(b, t->name, strlen(t->name));
        cr_buf_puts(b, ":[");
        const uint32_t *rows = s->tbl_rows + (size_t)k * p->max_table_rows;
        for (uint32_t i = 0; i < s->tbl_count[k]; i++)
            cr_buf_printf(b, "%s{\"row\":%u,\"line\":%u}", i ? "," : "", rows[i] + 1, line_of(p, t->row_spans[rows[i]]));
        cr_buf_puts(b, "]");
    }
    cr_buf_printf(b, "},\"instructions\":%llu}", (unsigned long long)s->executed);
}

void cr_write_decision(cr_buf *b, const cr_session *s, const char *app_id, size_t app_id_len, bool explain)
{
    const cr_program *p = s->prog;
    cr_buf_put(b, "{", 1);
    cr_write_id(b, p, s->slots, app_id, app_id_len, false);
    cr_buf_puts(b, ",\"decision\":\"");
    cr_buf_puts(b, cr_outcome_name(s->outcome));
    cr_buf_puts(b, "\",\"reasons\":");
    cr_buf_json_value(b, s->reasons, NULL);
    for (uint32_t i = 0; i < p->nresults; i++) {
        const cr_let_info *li = &p->lets[p->results[i]];
        cr_buf_put(b, ",", 1);
        cr_buf_json_string(b, li->name, strlen(li->name));
        cr_buf_put(b, ":", 1);
        cr_buf_json_value(b, s->lets[p->results[i]], li->type);
    }
    if (explain)
        write_explain(b, s);
    cr_buf_put(b, "}\n", 2);
}

void cr_write_error(cr_buf *b, const char *app_id, size_t app_id_len, uint64_t line, const char *error)
{
    cr_write_error_keyed(b, NULL, app_id, app_id_len, false, line, error);
}

void cr_write_error_keyed(cr_buf *b, const cr_program *p, const char *app_id, size_t app_id_len, bool number,
                          uint64_t line, const char *error)
{
    cr_buf_put(b, "{", 1);
    cr_write_id(b, p, NULL, app_id, app_id_len, number);
    cr_buf_printf(b, ",\"line\":%llu,\"decision\":\"ERROR\",\"error\":", (unsigned long long)line);
    cr_buf_json_string(b, error, strlen(error));
    cr_buf_put(b, "}\n", 2);
}
