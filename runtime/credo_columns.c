/* credo_decide_columns (credo.h): many applications given column by
 * column, decided in one call, their decisions given back column by
 * column.
 *
 * Each row is written as the JSON application credo run would read for
 * it (a double as Python's json.dumps writes it, io/json_double.c) and
 * decided by cr_decide like any line: the same reader, checks, messages
 * and decision.  What this saves is the caller's work: one call instead
 * of one per row, no JSON text to build per row, and decisions in
 * columns a data frame takes whole, not lines to parse one by one. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/credo.h"
#include "runtime/core/limit.h"
#include "runtime/credo_session.h"
#include "runtime/decide.h"
#include "runtime/io/decision_json.h"
#include "runtime/io/json_double.h"
#include "runtime/io/json_skim.h"

/* The output's members before the named results. */
enum { COL_ID, COL_DECISION, COL_REASONS, COL_ERROR, COL_RESULTS };

static const char *usage(credo_error *err, const char *what)
{
    if (err) {
        memset(err, 0, sizeof *err);
        err->code = CREDO_E_USAGE;
        snprintf(err->message, sizeof err->message, "credo_decide_columns: %s", what);
    }
    return NULL;
}

static void put_int(cr_buf *b, int64_t v)
{
    char t[24], *e = t + sizeof t, *p = e;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    cr_buf_put(b, p, (size_t)(e - p));
}

static void put_double(cr_buf *b, double x)
{
    char t[CR_JSON_DOUBLE_MAX];
    if (isnan(x))
        cr_buf_put(b, "null", 4);
    else if (isinf(x))   /* JSON has no number for it: a text, which the field refuses */
        cr_buf_puts(b, x > 0 ? "\"inf\"" : "\"-inf\"");
    else
        cr_buf_put(b, t, cr_json_double(x, t));
}

/* Is t exactly one JSON value (white space around it aside)?  Anything
 * more would be read as more members of the row. */
static bool one_value(const char *t)
{
    const char *end = t + strlen(t), *p = cr_json_skip_ws(t, end);
    const char *e = cr_json_value_end(p, end);
    return e && e > p && cr_json_skip_ws(e, end) == end;
}

/* Row i of column c as a JSON value; false (and nothing written) when a
 * JSON cell is not one value. */
static bool put_cell(cr_buf *b, const credo_column *c, size_t i)
{
    bool null = c->nulls && c->nulls[i];
    switch (c->type) {
    case CREDO_COLUMN_INT64:
        if (null)
            cr_buf_put(b, "null", 4);
        else
            put_int(b, ((const int64_t *)c->values)[i]);
        return true;
    case CREDO_COLUMN_DOUBLE:
        put_double(b, ((const double *)c->values)[i]);
        return true;
    case CREDO_COLUMN_BOOL:
        cr_buf_puts(b, null ? "null" : ((const uint8_t *)c->values)[i] ? "true" : "false");
        return true;
    case CREDO_COLUMN_TEXT: {
        const char *t = ((const char *const *)c->values)[i];
        if (t)
            cr_buf_json_string(b, t, strlen(t));
        else
            cr_buf_put(b, "null", 4);
        return true;
    }
    case CREDO_COLUMN_JSON: {
        const char *t = ((const char *const *)c->values)[i];
        if (t && !one_value(t))
            return false;
        cr_buf_puts(b, t ? t : "null");
        return true;
    }
    default: {   /* CREDO_COLUMN_DOUBLE_LIST */
        const double *v = c->values;
        cr_buf_put(b, "[", 1);
        for (int64_t k = c->offsets[i]; k < c->offsets[i + 1]; k++) {
            if (k > c->offsets[i])
                cr_buf_put(b, ",", 1);
            put_double(b, v[k]);
        }
        cr_buf_put(b, "]", 1);
        return true;
    }
    }
}

/* Each column's member name, "field": written once per call into
 * s->members, at[c] where column c's starts (at[ncols] the end). */
static bool write_members(credo_session *s, const credo_column *cols, size_t ncols, size_t *at)
{
    cr_buf *m = &s->members;
    m->len = 0;
    m->failed = false;
    for (size_t c = 0; c < ncols; c++) {
        at[c] = m->len;
        cr_buf_json_string(m, cols[c].field, strlen(cols[c].field));
        cr_buf_put(m, ":", 1);
    }
    at[ncols] = m->len;
    return !m->failed;
}

/* Row i as a JSON application in s->row; NULL when it is one, else the
 * ERROR's message (in msg). */
static const char *write_row(credo_session *s, const credo_column *cols, size_t ncols, const size_t *at,
                             size_t i, char *msg, size_t size)
{
    cr_buf *b = &s->row;
    b->len = 0;
    b->failed = false;
    cr_buf_put(b, "{", 1);
    for (size_t c = 0; c < ncols; c++) {
        if (c)
            cr_buf_put(b, ",", 1);
        cr_buf_put(b, s->members.p + at[c], at[c + 1] - at[c]);
        if (!put_cell(b, &cols[c], i)) {
            snprintf(msg, size, "%s: json: not one JSON value", cols[c].field);
            return msg;
        }
    }
    cr_buf_put(b, "}", 1);
    if (b->failed)
        return "out of memory for the application";
    if (b->len > s->max_line) {   /* what credo run says of a line too long */
        char n[32];
        snprintf(msg, size, "line: longer than %s", cr_size_text(s->max_line, n, sizeof n));
        return msg;
    }
    return NULL;
}

/* The value of the member naming the application, as the decision or
 * ERROR line writes it: cr_write_id writes "KEY":VALUE into tmp, and
 * what follows the key's string and its ':' is the value. */
static void put_id(cr_buf *out, cr_buf *tmp, const cr_program *p, const cr_value *slots, const cr_decided *d)
{
    tmp->len = 0;
    cr_write_id(tmp, p, slots, d->app_id, d->app_id_len, slots ? false : d->app_id_number);
    const char *value = tmp->failed ? NULL : cr_json_string_end(tmp->p, tmp->p + tmp->len);
    if (value && value < tmp->p + tmp->len)
        cr_buf_put(out, value + 1, tmp->len - (size_t)(value + 1 - tmp->p));
    else
        out->failed = true;
}

/* One row's decision (or ERROR) appended to each column's list. */
static void put_decision(credo_session *s, size_t row, const cr_decided *d, const char *error)
{
    cr_buf *col = s->cols;
    const cr_session *vm = s->vm;
    const cr_program *p = vm->prog;
    bool ok = !error;
    for (size_t c = 0; c < s->ncols; c++)
        cr_buf_put(&col[c], row ? "," : "[", 1);
    /* s->out, the one-decision line, is free: texts of the row point into s->row */
    put_id(&col[COL_ID], &s->out, p, ok ? vm->slots : NULL, d);
    if (ok) {
        cr_buf_put(&col[COL_DECISION], "\"", 1);
        cr_buf_puts(&col[COL_DECISION], cr_outcome_name(vm->outcome));
        cr_buf_put(&col[COL_DECISION], "\"", 1);
        cr_buf_json_value(&col[COL_REASONS], vm->reasons, NULL);
        cr_buf_put(&col[COL_ERROR], "null", 4);
    } else {
        cr_buf_puts(&col[COL_DECISION], "\"ERROR\"");
        cr_buf_put(&col[COL_REASONS], "[]", 2);
        cr_buf_json_string(&col[COL_ERROR], error, strlen(error));
    }
    for (uint32_t i = 0; i < p->nresults; i++) {
        cr_buf *b = &col[COL_RESULTS + i];
        const cr_let_info *li = &p->lets[p->results[i]];
        cr_value v = ok ? vm->lets[p->results[i]] : cr_null();
        bool quote = v.tag != CR_NULL && li->type->kind == CR_T_DEC;   /* exact, whatever reads it */
        if (quote)
            cr_buf_put(b, "\"", 1);
        cr_buf_json_value(b, v, li->type);
        if (quote)
            cr_buf_put(b, "\"", 1);
    }
}

/* The lists made into the one object, in s->many. */
static const char *join(credo_session *s, size_t *out_len, credo_error *err)
{
    const cr_program *p = s->vm->prog;
    cr_buf *m = &s->many;
    m->len = 0;
    m->failed = false;
    for (size_t c = 0; c < s->ncols; c++) {
        const char *name = c == COL_ID        ? (p->key ? p->key : "app_id")
                           : c == COL_DECISION ? "decision"
                           : c == COL_REASONS  ? "reasons"
                           : c == COL_ERROR    ? "error"
                                               : p->lets[p->results[c - COL_RESULTS]].name;
        cr_buf_put(m, c ? "," : "{", 1);
        cr_buf_json_string(m, name, strlen(name));
        cr_buf_put(m, ":", 1);
        if (s->cols[c].len)
            cr_buf_put(m, s->cols[c].p, s->cols[c].len);
        else
            cr_buf_put(m, "[", 1);   /* no rows */
        cr_buf_put(m, "]", 1);
        m->failed |= s->cols[c].failed;
    }
    cr_buf_put(m, "}", 1);
    if (m->failed || s->row.failed) {
        m->len = 0;
        if (err) {
            memset(err, 0, sizeof *err);
            err->code = CREDO_E_MEMORY;
            snprintf(err->message, sizeof err->message, "out of memory writing the decisions");
        }
        return NULL;
    }
    if (out_len)
        *out_len = m->len;
    return m->p;
}

const char *credo_decide_columns(credo_session *s, const credo_column *columns, size_t ncolumns, size_t rows,
                                 size_t *out_len, size_t *errors, credo_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    if (out_len)
        *out_len = 0;
    if (errors)
        *errors = 0;
    if (!s)
        return usage(err, "session is NULL");
    if (ncolumns && !columns)
        return usage(err, "columns is NULL");
    for (size_t c = 0; c < ncolumns; c++) {
        const credo_column *k = &columns[c];
        if (!k->field || (!k->values && rows))
            return usage(err, "a column without its field or values");
        if (k->type < CREDO_COLUMN_INT64 || k->type > CREDO_COLUMN_DOUBLE_LIST)
            return usage(err, "a column of an unknown type");
        if (k->type == CREDO_COLUMN_DOUBLE_LIST && !k->offsets)
            return usage(err, "a DOUBLE_LIST column without offsets");
    }
    cr_api_forget(s);   /* no single decision to read afterwards */
    const cr_program *p = s->vm->prog;
    if (!s->cols) {
        s->cols = calloc(COL_RESULTS + p->nresults, sizeof *s->cols);
        if (!s->cols) {
            s->row.failed = true;
            return join(s, out_len, err);
        }
        s->ncols = COL_RESULTS + p->nresults;
    }
    for (size_t c = 0; c < s->ncols; c++) {
        s->cols[c].len = 0;
        s->cols[c].failed = false;
    }
    size_t *at = malloc((ncolumns + 1) * sizeof *at);   /* once per call, not per row */
    if (!at || !write_members(s, columns, ncolumns, at)) {
        free(at);
        s->row.failed = true;
        return join(s, out_len, err);
    }
    size_t nerr = 0;
    for (size_t i = 0; i < rows; i++) {
        char msg[320];
        cr_decided d = {0};
        const char *error = write_row(s, columns, ncolumns, at, i, msg, sizeof msg);
        if (!error) {
            cr_decide_opts how = {.line = i + 1, .json_limits = &s->json_limits};
            if (!cr_decide(s->vm, s->row.p, s->row.len, NULL, &how, &d))
                error = d.error;
        }
        nerr += error != NULL;
        put_decision(s, i, &d, error);
    }
    free(at);
    if (errors)
        *errors = nerr;
    return join(s, out_len, err);
}
