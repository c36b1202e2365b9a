/* Running totals of a champion/challenger comparison (diff_pop.h). */
#include "runtime/author/diff_pop.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/stdlib.h"
#include "runtime/core/hash.h"

const char *cr_diff_outcome_name(uint32_t o)
{
    return o == CR_DIFF_ERROR ? "ERROR" : cr_outcome_name((cr_outcome_code)o);
}

/* Byte equality that never hands memcmp a NULL (empty texts may have none). */
static bool bytes_eq(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        if (n)
            memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static int32_t find_result(const cr_program *p, const char *name)
{
    for (uint32_t i = 0; i < p->nresults; i++)
        if (strcmp(p->lets[p->results[i]].name, name) == 0)
            return (int32_t)i;
    return -1;
}

static bool is_number_type(const cr_type *t) { return t && (t->kind == CR_T_INT || t->kind == CR_T_DEC); }
static bool is_label_type(const cr_type *t)
{
    return t && (t->kind == CR_T_LABEL || t->kind == CR_T_TEXT || t->kind == CR_T_BOOL);
}

static cr_diff_kind classify(const cr_type *a, const cr_type *b)
{
    if (is_number_type(a) && is_number_type(b))
        return CR_DIFF_NUMBER;
    if (is_label_type(a) && is_label_type(b))
        return CR_DIFF_LABEL;
    return CR_DIFF_OTHER;
}

/* Number of value (s, n) in the label matrix, adding it when new; -1 when
 * the matrix is full or memory ran out. */
static int32_t label_index(cr_diff_result *r, const char *s, size_t n)
{
    for (uint32_t i = 0; i < r->nvalues; i++)
        if (bytes_eq(r->values[i], strlen(r->values[i]), s, n))
            return (int32_t)i;
    if (r->nvalues == CR_DIFF_MAX_VALUES) {
        r->too_many = true;
        return -1;
    }
    char *v = dup_n(s, n);
    if (!v)
        return -1;
    r->values[r->nvalues] = v;
    return (int32_t)r->nvalues++;
}

/* A segment's labels in row order read better than first-seen order. */
static void seed_labels(cr_diff_result *r, const cr_type *t)
{
    if (!t || t->kind != CR_T_LABEL || !t->labels)
        return;
    for (uint32_t i = 0; i < t->labels->count; i++)
        label_index(r, t->labels->names[i], strlen(t->labels->names[i]));
}

static bool match_results(cr_popdiff *d)
{
    const cr_program *a = d->old_prog, *b = d->new_prog;
    d->results = calloc(a->nresults + 1, sizeof *d->results);
    d->only_old = calloc(a->nresults + 1, sizeof *d->only_old);
    d->only_new = calloc(b->nresults + 1, sizeof *d->only_new);
    if (!d->results || !d->only_old || !d->only_new)
        return false;
    for (uint32_t i = 0; i < a->nresults; i++) {
        const cr_let_info *la = &a->lets[a->results[i]];
        int32_t j = find_result(b, la->name);
        if (j < 0) {
            d->only_old[d->nonly_old++] = la->name;
            continue;
        }
        const cr_let_info *lb = &b->lets[b->results[j]];
        cr_diff_result *r = &d->results[d->nresults++];
        r->name = la->name;
        r->old_let = a->results[i];
        r->new_let = b->results[j];
        r->kind = classify(la->type, lb->type);
        r->sum_old = r->sum_new = cr_dec_from_int(0);
        if (r->kind == CR_DIFF_LABEL) {
            seed_labels(r, la->type);
            seed_labels(r, lb->type);
        }
    }
    for (uint32_t j = 0; j < b->nresults; j++)
        if (find_result(a, b->lets[b->results[j]].name) < 0)
            d->only_new[d->nonly_new++] = b->lets[b->results[j]].name;
    return true;
}

bool cr_popdiff_init(cr_popdiff *d, const cr_program *old_prog, const cr_program *new_prog)
{
    memset(d, 0, sizeof *d);
    d->old_prog = old_prog;
    d->new_prog = new_prog;
    d->reason_slots = 64;
    d->reason_index = calloc(d->reason_slots, sizeof *d->reason_index);
    if (!d->reason_index || !match_results(d))
        d->oom = true;
    return !d->oom;
}

static void free_app(cr_diff_app *app)
{
    free(app->app_id);
    free(app->old_error);
    free(app->new_error);
    for (uint32_t i = 0; i < app->nfields; i++) {
        free(app->fields[i].old_text);
        free(app->fields[i].new_text);
    }
    free(app->fields);
}

void cr_popdiff_free(cr_popdiff *d)
{
    for (uint32_t i = 0; d->results && i < d->nresults; i++) {
        cr_diff_result *r = &d->results[i];
        free(r->old_vals);
        free(r->new_vals);
        for (uint32_t k = 0; k < r->nvalues; k++)
            free(r->values[k]);
    }
    free(d->results);
    free(d->only_old);
    free(d->only_new);
    for (uint32_t i = 0; i < d->nreasons; i++)
        free(d->reasons[i].code);
    free(d->reasons);
    free(d->reason_index);
    for (size_t i = 0; i < d->nchanges; i++)
        free_app(&d->changes[i]);
    free(d->changes);
    cr_buf_free(&d->scratch_a);
    cr_buf_free(&d->scratch_b);
    memset(d, 0, sizeof *d);
}

/* ---- reasons -------------------------------------------------------------- */

static bool reason_rehash(cr_popdiff *d)
{
    uint32_t slots = d->reason_slots * 2;
    uint32_t *index = calloc(slots, sizeof *index);
    if (!index)
        return false;
    for (uint32_t i = 0; i < d->nreasons; i++) {
        const char *c = d->reasons[i].code;
        uint32_t h = cr_hash_bytes(c, strlen(c)) & (slots - 1);
        while (index[h])
            h = (h + 1) & (slots - 1);
        index[h] = i + 1;
    }
    free(d->reason_index);
    d->reason_index = index;
    d->reason_slots = slots;
    return true;
}

static bool reason_append(cr_popdiff *d, const char *s, size_t n)
{
    if (d->nreasons == d->reasons_cap) {
        uint32_t cap = d->reasons_cap ? d->reasons_cap * 2 : 16;
        cr_diff_reason *v = realloc(d->reasons, cap * sizeof *v);
        if (!v)
            return false;
        d->reasons = v;
        d->reasons_cap = cap;
    }
    char *code = dup_n(s, n);
    if (!code)
        return false;
    d->reasons[d->nreasons].code = code;
    d->reasons[d->nreasons].gained = d->reasons[d->nreasons].lost = 0;
    d->nreasons++;
    return true;
}

/* The tally of reason code (s, n), added when new; NULL when out of memory. */
static cr_diff_reason *reason_of(cr_popdiff *d, const char *s, size_t n)
{
    if (2 * (d->nreasons + 1) > d->reason_slots && !reason_rehash(d))
        return NULL;
    uint32_t mask = d->reason_slots - 1, h = cr_hash_bytes(s, n) & mask;
    for (; d->reason_index[h]; h = (h + 1) & mask) {
        cr_diff_reason *r = &d->reasons[d->reason_index[h] - 1];
        if (bytes_eq(r->code, strlen(r->code), s, n))
            return r;
    }
    if (!reason_append(d, s, n))
        return NULL;
    d->reason_index[h] = d->nreasons;
    return &d->reasons[d->nreasons - 1];
}

static bool text_eq(cr_value a, cr_value b)
{
    return a.tag == CR_TEXT && b.tag == CR_TEXT && bytes_eq(a.u.s, a.len, b.u.s, b.len);
}

/* Is the text reasons.items[i] in list l?  Earlier items only when upto. */
static bool has_reason(cr_value l, cr_value x, uint32_t upto)
{
    for (uint32_t i = 0; i < l.len && i < upto; i++)
        if (text_eq(l.u.items[i], x))
            return true;
    return false;
}

/* Counts each code of `from` missing in `to` once (duplicates skipped). */
static bool tally_missing(cr_popdiff *d, cr_value from, cr_value to, bool gained)
{
    for (uint32_t i = 0; i < from.len; i++) {
        cr_value x = from.u.items[i];
        if (x.tag != CR_TEXT || has_reason(from, x, i) || has_reason(to, x, to.len))
            continue;
        cr_diff_reason *r = reason_of(d, x.u.s, x.len);
        if (!r)
            return false;
        if (gained)
            r->gained++;
        else
            r->lost++;
    }
    return true;
}

static bool same_list(cr_value a, cr_value b)
{
    if (a.len != b.len)
        return false;
    for (uint32_t i = 0; i < a.len; i++)
        if (!cr_value_eq(a.u.items[i], b.u.items[i]))
            return false;
    return true;
}

/* ---- one application --------------------------------------------------- */

static uint32_t side_outcome(const cr_diff_side *s) { return s->error ? CR_DIFF_ERROR : (uint32_t)s->s->outcome; }

static bool is_number(cr_value v) { return v.tag == CR_INT || v.tag == CR_DEC; }

static double value_double(cr_value v)
{
    if (v.tag == CR_INT)
        return (double)v.u.i;
    char tmp[CR_DEC_FMT_MAX];
    cr_dec_format(cr_value_dec(v), tmp);
    return strtod(tmp, NULL);
}

static bool push_vals(cr_diff_result *r, double a, double b)
{
    if (r->nvals == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        double *x = realloc(r->old_vals, cap * sizeof *x);
        if (x)
            r->old_vals = x;
        double *y = x ? realloc(r->new_vals, cap * sizeof *y) : NULL;
        if (!y)
            return false;
        r->new_vals = y;
        r->cap = cap;
    }
    r->old_vals[r->nvals] = a;
    r->new_vals[r->nvals++] = b;
    return true;
}

static void add_sums(cr_diff_result *r, cr_value a, cr_value b)
{
    cr_dec x, y;
    if (r->sum_overflow)
        return;
    if (cr_dec_add(r->sum_old, cr_value_dec(a), &x) != CR_DEC_OK || cr_dec_add(r->sum_new, cr_value_dec(b), &y) != CR_DEC_OK) {
        r->sum_overflow = true;
        return;
    }
    r->sum_old = x;
    r->sum_new = y;
}

/* A label's text for the matrix: the text itself, true/false, null. */
static void label_text(cr_value v, const char **s, size_t *n)
{
    if (v.tag == CR_TEXT) {
        *s = v.u.s;
        *n = v.len;
    } else {
        *s = v.tag == CR_BOOL ? (v.u.b ? "true" : "false") : "null";
        *n = strlen(*s);
    }
}

static void tally_label(cr_diff_result *r, cr_value a, cr_value b)
{
    const char *s;
    size_t n;
    label_text(a, &s, &n);
    int32_t i = label_index(r, s, n);
    label_text(b, &s, &n);
    int32_t j = label_index(r, s, n);
    if (i >= 0 && j >= 0)
        r->matrix[i][j]++;
}

static bool add_field(cr_popdiff *d, cr_diff_app *app, const char *name, const char *a, const char *b)
{
    if (!a || !b)
        return false;   /* the rendering ran out of memory */
    if (!app->fields) {
        app->fields = calloc(d->nresults + 1, sizeof *app->fields);
        if (!app->fields)
            return false;
    }
    cr_diff_field *f = &app->fields[app->nfields];
    f->name = name;
    f->old_text = strdup(a);
    f->new_text = strdup(b);
    app->nfields++;
    return f->old_text && f->new_text;
}

/* Renders both values as JSON into the scratch buffers; equal texts? */
static bool render_pair(cr_popdiff *d, cr_value a, const cr_type *ta, cr_value b, const cr_type *tb)
{
    d->scratch_a.len = d->scratch_b.len = 0;
    cr_buf_json_value(&d->scratch_a, a, ta);
    cr_buf_json_value(&d->scratch_b, b, tb);
    cr_buf_put(&d->scratch_a, "", 0);   /* NUL-terminates even when empty */
    cr_buf_put(&d->scratch_b, "", 0);
    if (d->scratch_a.failed || d->scratch_b.failed)
        d->oom = true;
    return bytes_eq(d->scratch_a.p, d->scratch_a.len, d->scratch_b.p, d->scratch_b.len);
}

/* One shared result of an application both policies decided. */
static bool compare_result(cr_popdiff *d, cr_diff_result *r, const cr_diff_side *a, const cr_diff_side *b,
                           cr_diff_app *app)
{
    cr_value va = a->s->lets[r->old_let], vb = b->s->lets[r->new_let];
    r->compared++;
    bool changed;
    if (is_number(va) && is_number(vb)) {
        r->numbers++;
        add_sums(r, va, vb);
        changed = cr_num_cmp(va, vb) != 0;
    } else {
        changed = !(va.tag == vb.tag && (va.tag == CR_NULL || cr_value_eq(va, vb)));
    }
    if (r->kind == CR_DIFF_LABEL)
        tally_label(r, va, vb);
    if (!changed)
        return true;
    r->changed++;
    render_pair(d, va, d->old_prog->lets[r->old_let].type, vb, d->new_prog->lets[r->new_let].type);
    return add_field(d, app, r->name, d->scratch_a.p, d->scratch_b.p);
}

static bool compare_reasons(cr_popdiff *d, const cr_diff_side *a, const cr_diff_side *b, cr_diff_app *app)
{
    cr_value ra = a->s->reasons, rb = b->s->reasons;
    if (ra.tag != CR_LIST || rb.tag != CR_LIST || same_list(ra, rb))
        return true;
    if (!tally_missing(d, rb, ra, true) || !tally_missing(d, ra, rb, false))
        return false;
    render_pair(d, ra, NULL, rb, NULL);
    return add_field(d, app, "reasons", d->scratch_a.p, d->scratch_b.p);
}

/* The numbers each side gave, for the charts: every application, NAN
 * where a side has none. */
static bool record_values(cr_diff_result *r, const cr_diff_side *a, const cr_diff_side *b)
{
    double x = NAN, y = NAN;
    if (!a->error && is_number(a->s->lets[r->old_let]))
        x = value_double(a->s->lets[r->old_let]);
    if (!b->error && is_number(b->s->lets[r->new_let]))
        y = value_double(b->s->lets[r->new_let]);
    return push_vals(r, x, y);
}

static bool keep_app(cr_popdiff *d, cr_diff_app *app, const char *app_id, size_t app_id_len,
                     const cr_diff_side *a, const cr_diff_side *b)
{
    if (d->nchanges == d->changes_cap) {
        size_t cap = d->changes_cap ? d->changes_cap * 2 : 256;
        cr_diff_app *v = realloc(d->changes, cap * sizeof *v);
        if (!v) {
            free_app(app);
            return false;
        }
        d->changes = v;
        d->changes_cap = cap;
    }
    app->app_id = app_id ? dup_n(app_id, app_id_len) : NULL;
    app->old_error = a->error ? strdup(a->error) : NULL;
    app->new_error = b->error ? strdup(b->error) : NULL;
    d->changes[d->nchanges++] = *app;
    return (!app_id || app->app_id) && (!a->error || app->old_error) && (!b->error || app->new_error);
}

bool cr_popdiff_add(cr_popdiff *d, const char *app_id, size_t app_id_len, uint64_t line,
                    const cr_diff_side *a, const cr_diff_side *b)
{
    cr_diff_app app;
    memset(&app, 0, sizeof app);
    app.line = line;
    app.old_out = (uint8_t)side_outcome(a);
    app.new_out = (uint8_t)side_outcome(b);
    d->apps++;
    d->matrix[app.old_out][app.new_out]++;
    d->errors_old += a->error != NULL;
    d->errors_new += b->error != NULL;
    bool ok = true, both = !a->error && !b->error;
    if (both)
        ok &= compare_reasons(d, a, b, &app);   /* first: reasons belong with the outcome */
    for (uint32_t i = 0; i < d->nresults; i++) {
        cr_diff_result *r = &d->results[i];
        if (r->kind == CR_DIFF_NUMBER)
            ok &= record_values(r, a, b);
        if (both)
            ok &= compare_result(d, r, a, b, &app);
    }
    /* two ERRORs are not a change: their messages name different files */
    if (ok && (app.old_out != app.new_out || app.nfields > 0))
        ok = keep_app(d, &app, app_id, app_id_len, a, b);
    else
        free_app(&app);
    if (!ok)
        d->oom = true;
    return !d->oom;
}

/* ---- summaries ------------------------------------------------------------ */

uint64_t cr_popdiff_moved(const cr_popdiff *d)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < CR_DIFF_NOUT; i++)
        for (uint32_t j = 0; j < CR_DIFF_NOUT; j++)
            if (i != j)
                n += d->matrix[i][j];
    return n;
}

bool cr_popdiff_mean_change(const cr_diff_result *r, cr_dec *out)
{
    cr_dec diff;
    if (r->sum_overflow || r->numbers == 0 || r->numbers > INT64_MAX)
        return false;
    if (cr_dec_sub(r->sum_new, r->sum_old, &diff) != CR_DEC_OK)
        return false;
    return cr_dec_div(diff, cr_dec_from_int((int64_t)r->numbers), out) == CR_DEC_OK;
}

double cr_nice_step(double x)
{
    if (!(x > 0) || !isfinite(x))
        return 1;
    double p = pow(10, floor(log10(x)));
    double m = x / p;
    return m <= 1 ? p : m <= 2 ? 2 * p : m <= 5 ? 5 * p : 10 * p;
}

void cr_popdiff_buckets(const cr_diff_result *r, cr_diff_buckets *b)
{
    memset(b, 0, sizeof *b);
    double most = 0;
    for (size_t i = 0; i < r->nvals; i++)
        if (!isnan(r->old_vals[i]) && !isnan(r->new_vals[i]))
            most = fmax(most, fabs(r->new_vals[i] - r->old_vals[i]));
    b->step = most > 0 ? cr_nice_step(most / 3) : 0;
    for (size_t i = 0; i < r->nvals; i++) {
        if (isnan(r->old_vals[i]) || isnan(r->new_vals[i]))
            continue;
        double delta = r->new_vals[i] - r->old_vals[i];
        if (delta == 0) {
            b->count[3]++;
            continue;
        }
        int k = (int)ceil(fabs(delta) / b->step);
        k = k < 1 ? 1 : k > 3 ? 3 : k;
        b->count[delta < 0 ? 3 - k : 3 + k]++;
    }
}

static void hist_range(const cr_diff_result *r, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < r->nvals; i++) {
        double v[2] = {r->old_vals[i], r->new_vals[i]};
        for (int k = 0; k < 2; k++)
            if (!isnan(v[k])) {
                *lo = fmin(*lo, v[k]);
                *hi = fmax(*hi, v[k]);
            }
    }
}

static uint32_t hist_bin(const cr_diff_hist *h, double v)
{
    double i = floor((v - h->from) / h->step);
    if (i < 0)
        return 0;
    return i >= h->nbins ? h->nbins - 1 : (uint32_t)i;
}

bool cr_popdiff_hist(const cr_diff_result *r, cr_diff_hist *h)
{
    memset(h, 0, sizeof *h);
    double lo, hi;
    hist_range(r, &lo, &hi);
    if (lo > hi)
        return false;
    /* about twenty bins of a round width, starting on a multiple of it */
    h->step = cr_nice_step(hi > lo ? (hi - lo) / 20 : fmax(fabs(lo) / 10, 1));
    for (;;) {
        h->from = floor(lo / h->step) * h->step;
        double n = floor((hi - h->from) / h->step) + 1;
        if (n <= CR_DIFF_HIST_MAX) {
            h->nbins = (uint32_t)n;
            break;
        }
        h->step = cr_nice_step(h->step * 1.5);
    }
    for (size_t i = 0; i < r->nvals; i++) {
        if (!isnan(r->old_vals[i]))
            h->old_count[hist_bin(h, r->old_vals[i])]++;
        if (!isnan(r->new_vals[i]))
            h->new_count[hist_bin(h, r->new_vals[i])]++;
    }
    return true;
}
