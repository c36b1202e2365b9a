/* The public API (credo.h) over the internal one: cr_compile for
 * policies, a cr_session decided through cr_decide (decide.h) as `credo
 * run` decides each line, so a decision made here is byte for byte the
 * line credo run writes.
 *
 * The opaque credo_policy wraps the immutable cr_program plus what the
 * API adds once at load (the effective date as text, one-field records
 * for credo_set_json); nothing in it changes afterwards, which is what
 * lets threads share it.  A credo_session wraps a cr_session plus the
 * state of field-by-field building and the last decision's output. */
#include "runtime/credo.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lang/compile.h"
#include "lang/credoc.h"
#include "runtime/core/ed25519.h"
#include "runtime/core/date.h"
#include "runtime/core/limit.h"
#include "runtime/core/utf8.h"
#include "runtime/credo_session.h"
#include "runtime/decide.h"
#include "runtime/io/decision_json.h"
#include "runtime/io/explain.h"
#include "runtime/io/json_read.h"
#include "runtime/version.h"
#include "runtime/vm/vm.h"

#if defined(__GNUC__)
#define CREDO_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CREDO_PRINTF(f, a)
#endif

/* Values quoted in messages are cut to this many bytes, as the reader does. */
#define QUOTE_MAX 40

/* ---- errors ---------------------------------------------------------------- */

static void clear_error(credo_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

CREDO_PRINTF(6, 7)
static int set_error(credo_error *err, int code, const char *file, unsigned line, unsigned column,
                     const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->column = column;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

/* Records a setter's error: the first one since credo_begin is kept for
 * credo_decide, so a caller may set every field and check once. */
CREDO_PRINTF(3, 4)
static int note(credo_session *s, int code, const char *fmt, ...)
{
    if (s->pending.code != CREDO_OK)
        return code;
    s->pending.code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->pending.message, sizeof s->pending.message, fmt, ap);
    va_end(ap);
    return code;
}

/* ---- policies -------------------------------------------------------------- */

/* The first error in source order, as `credo check` lists them. */
static const cr_diagnostic *first_error(const cr_diags *d)
{
    const cr_diagnostic *best = NULL;
    for (uint32_t i = 0; i < d->count; i++) {
        const cr_diagnostic *g = &d->items[i];
        if (g->severity == CR_SEV_ERROR && (!best || g->span.start < best->span.start))
            best = g;
    }
    return best;
}

static int compile_error(const cr_diags *d, const char *name, credo_error *err)
{
    const cr_diagnostic *g = first_error(d);
    if (!g)   /* no diagnostic, no program: the compiler ran out of memory */
        return set_error(err, CREDO_E_MEMORY, name, 0, 0, "out of memory compiling the policy");
    uint32_t line, col;
    cr_source_linecol(d->src, d->len, g->span.start, &line, &col);
    return set_error(err, CREDO_E_COMPILE, name, line, col, "%s", g->msg);
}

static void *index_calloc(void *ctx, size_t n)
{
    (void)ctx;
    return calloc(1, n);
}

static bool build_alone(credo_policy *p)
{
    const cr_record *in = p->prog->input;
    p->none.name = in->name;
    p->alone = calloc(in->nfields ? in->nfields : 1, sizeof *p->alone);
    if (!p->alone)
        return false;
    for (uint32_t i = 0; i < in->nfields; i++) {
        p->alone[i].name = in->name;
        p->alone[i].nfields = 1;
        p->alone[i].fields = &in->fields[i];
        if (!cr_record_build_index(&p->alone[i], index_calloc, NULL))
            return false;
    }
    return true;
}

/* Each type's name as the policy writes it; a result with no type of
 * its own (a segment's) is a label. */
static char *type_text(const cr_type *t)
{
    char buf[256];
    return strdup(t ? cr_type_name(t, buf, sizeof buf) : "label");
}

static bool name_types(credo_policy *p)
{
    const cr_program *prog = p->prog;
    uint32_t nf = prog->input->nfields, nr = prog->nresults;
    p->field_types = calloc(nf ? nf : 1, sizeof *p->field_types);
    p->result_types = calloc(nr ? nr : 1, sizeof *p->result_types);
    if (!p->field_types || !p->result_types)
        return false;
    for (uint32_t i = 0; i < nf; i++)
        if (!(p->field_types[i] = type_text(prog->input->fields[i].type)))
            return false;
    for (uint32_t i = 0; i < nr; i++)
        if (!(p->result_types[i] = type_text(prog->lets[prog->results[i]].type)))
            return false;
    return true;
}

/* The API's policy around a program (which it then owns). */
static credo_policy *wrap_program(cr_program *prog, const char *name, credo_error *err)
{
    credo_policy *p = calloc(1, sizeof *p);
    if (!p) {
        cr_program_free(prog);
        set_error(err, CREDO_E_MEMORY, name, 0, 0, "out of memory");
        return NULL;
    }
    p->prog = prog;
    if (prog->has_effective)
        cr_date_format(prog->effective, p->effective);
    if (!build_alone(p) || !name_types(p)) {
        credo_policy_free(p);
        set_error(err, CREDO_E_MEMORY, name, 0, 0, "out of memory");
        return NULL;
    }
    return p;
}

void credo_policy_free(credo_policy *p)
{
    if (!p)
        return;
    if (p->alone)
        for (uint32_t i = 0; i < p->prog->input->nfields; i++)
            free(p->alone[i].index);
    free(p->alone);
    for (uint32_t i = 0; p->field_types && i < p->prog->input->nfields; i++)
        free(p->field_types[i]);
    for (uint32_t i = 0; p->result_types && i < p->prog->nresults; i++)
        free(p->result_types[i]);
    free(p->field_types);
    free(p->result_types);
    cr_program_free(p->prog);
    free(p);
}

credo_policy *credo_policy_compile(const char *name, const char *src, size_t len, credo_error *err)
{
    clear_error(err);
    if (!name)
        name = "<policy>";
    if (!src) {
        if (len) {
            set_error(err, CREDO_E_USAGE, name, 0, 0, "credo_policy_compile: src is NULL");
            return NULL;
        }
        src = "";
    }
    cr_diags d;
    cr_diags_init(&d, name, src, len);
    cr_program *prog = cr_compile(name, src, len, &d);
    if (!prog || d.errors) {
        compile_error(&d, name, err);
        cr_diags_free(&d);
        cr_program_free(prog);
        return NULL;
    }
    cr_diags_free(&d);
    return wrap_program(prog, name, err);
}

/* A .credoc from `credo compile`: read and verified, not compiled, as
 * every credo command loads one.  A damaged one cannot be used, like a
 * policy that does not compile. */
static credo_policy *load_compiled(const char *path, const char *data, size_t len, const cr_credoc_trust *trust,
                                   credo_error *err)
{
    char why[400];
    cr_program *prog = cr_credoc_read(data, len, trust, why, sizeof why);
    if (!prog) {
        set_error(err, CREDO_E_COMPILE, path, 0, 0, "cannot load %s: %s", path, why);
        return NULL;
    }
    return wrap_program(prog, path, err);
}

/* Loads path, a .credoc under trust (NULL: any sealed one) or, without a
 * trust list, a source. */
static credo_policy *load_policy(const char *path, const cr_credoc_trust *trust, credo_error *err)
{
    if (!path) {
        set_error(err, CREDO_E_USAGE, NULL, 0, 0, "credo_policy_load: path is NULL");
        return NULL;
    }
    size_t len;
    char *src = cr_read_file(path, &len);
    if (!src) {
        int e = errno;
        set_error(err, e == ENOMEM ? CREDO_E_MEMORY : CREDO_E_IO, path, 0, 0, "cannot read %s: %s", path,
                  strerror(e));
        return NULL;
    }
    credo_policy *p;
    if (cr_credoc_is(src, len))
        p = load_compiled(path, src, len, trust, err);
    else if (trust && trust->nkeys) {
        set_error(err, CREDO_E_COMPILE, path, 0, 0,
                  "cannot load %s: it is a policy's source; only a .credoc signed by a trusted key is loaded", path);
        p = NULL;
    } else
        p = credo_policy_compile(path, src, len, err);
    free(src);   /* the program keeps its own copy */
    return p;
}

credo_policy *credo_policy_load(const char *path, credo_error *err)
{
    clear_error(err);
    return load_policy(path, NULL, err);
}

credo_policy *credo_policy_load_trusted(const char *path, const char *const *keys, size_t nkeys, credo_error *err)
{
    clear_error(err);
    if (!keys || !nkeys) {
        set_error(err, CREDO_E_USAGE, NULL, 0, 0, "credo_policy_load_trusted: no keys");
        return NULL;
    }
    cr_ed25519_key *k = calloc(nkeys, sizeof *k);
    if (!k) {
        set_error(err, CREDO_E_MEMORY, NULL, 0, 0, "out of memory");
        return NULL;
    }
    credo_policy *p = NULL;
    char why[300];
    size_t i = 0;
    for (; i < nkeys; i++)
        if (!keys[i] || !cr_ed25519_read(keys[i], &k[i], why, sizeof why))
            break;
    if (i < nkeys) {
        set_error(err, CREDO_E_IO, keys[i] ? keys[i] : "", 0, 0, "%s", keys[i] ? why : "a key path is NULL");
    } else {
        cr_credoc_trust trust = {k, (uint32_t)nkeys};
        p = load_policy(path, &trust, err);
    }
    memset(k, 0, nkeys * sizeof *k);   /* a private key given by mistake does not linger */
    free(k);
    return p;
}

const char *credo_policy_name(const credo_policy *p) { return p ? p->prog->name : NULL; }
const char *credo_policy_version(const credo_policy *p) { return p ? p->prog->version : NULL; }
const char *credo_policy_owner(const credo_policy *p) { return p ? p->prog->owner : NULL; }
const char *credo_policy_sha256(const credo_policy *p) { return p ? p->prog->sha256 : NULL; }
const char *credo_policy_program_sha256(const credo_policy *p) { return p ? p->prog->program_sha256 : NULL; }
const char *credo_policy_signed_by(const credo_policy *p) { return p ? p->prog->signed_by : NULL; }
const char *credo_policy_key(const credo_policy *p)
{
    return !p ? NULL : p->prog->key ? p->prog->key : "app_id";
}

const char *credo_policy_effective(const credo_policy *p)
{
    return p && p->effective[0] ? p->effective : NULL;
}

const char *credo_policy_title(const credo_policy *p) { return p ? p->prog->title : NULL; }

size_t credo_policy_field_count(const credo_policy *p) { return p ? p->prog->input->nfields : 0; }
size_t credo_policy_result_count(const credo_policy *p) { return p ? p->prog->nresults : 0; }

const char *credo_policy_field_name(const credo_policy *p, size_t i)
{
    return i < credo_policy_field_count(p) ? p->prog->input->fields[i].name : NULL;
}

const char *credo_policy_field_type(const credo_policy *p, size_t i)
{
    return i < credo_policy_field_count(p) ? p->field_types[i] : NULL;
}

const char *credo_policy_result_name(const credo_policy *p, size_t i)
{
    return i < credo_policy_result_count(p) ? p->prog->lets[p->prog->results[i]].name : NULL;
}

const char *credo_policy_result_type(const credo_policy *p, size_t i)
{
    return i < credo_policy_result_count(p) ? p->result_types[i] : NULL;
}

/* ---- the library and its limits ------------------------------------------- */

const char *credo_version(void) { return CREDO_VERSION; }

void credo_config_init(credo_config *c)
{
    if (!c)
        return;
    const cr_session_limits sl = CR_SESSION_LIMITS_DEFAULT;
    const cr_json_limits jl = CR_JSON_LIMITS_DEFAULT;
    *c = (credo_config){.max_instructions = sl.max_instructions, .max_memory = sl.max_memory,
                        .regex_match_limit = sl.regex_match_limit, .regex_depth_limit = sl.regex_depth_limit,
                        .json_max_depth = jl.max_depth, .json_max_text = jl.max_text, .json_max_list = jl.max_list,
                        .max_line = CR_MAX_LINE_DEFAULT, .deadline_ms = sl.deadline_ms};
}

/* c's limits in the library's own terms, checked against their maxima
 * by the same checks as the command line's options. */
static int split_config(const credo_config *c, cr_session_limits *sl, cr_json_limits *jl, size_t *max_line,
                        credo_error *err)
{
    char why[200], a[32], b[32];
    if (c->max_memory > CR_MAX_MEMORY_MAX)   /* before it is narrowed to a size_t */
        return set_error(err, CREDO_E_USAGE, NULL, 0, 0, "memory limit %s is more than the maximum, %s",
                         cr_size_text(c->max_memory, a, sizeof a), cr_size_text(CR_MAX_MEMORY_MAX, b, sizeof b));
    *sl = (cr_session_limits){c->max_instructions, (size_t)c->max_memory, c->regex_match_limit,
                              c->regex_depth_limit, c->deadline_ms};
    *jl = (cr_json_limits){c->json_max_depth, c->json_max_text, c->json_max_list};
    if (!cr_session_limits_check(sl, why, sizeof why) || !cr_json_limits_check(jl, why, sizeof why))
        return set_error(err, CREDO_E_USAGE, NULL, 0, 0, "%s", why);
    if (c->max_line == 0)
        return set_error(err, CREDO_E_USAGE, NULL, 0, 0, "line limit must be at least 1");
    if (c->max_line > CR_MAX_LINE_MAX)
        return set_error(err, CREDO_E_USAGE, NULL, 0, 0, "line limit %s is more than the maximum, %s",
                         cr_size_text(c->max_line, a, sizeof a), cr_size_text(CR_MAX_LINE_MAX, b, sizeof b));
    *max_line = (size_t)c->max_line;
    return CREDO_OK;
}

int credo_config_check(const credo_config *c, credo_error *err)
{
    clear_error(err);
    if (!c)
        return set_error(err, CREDO_E_USAGE, NULL, 0, 0, "credo_config_check: config is NULL");
    cr_session_limits sl;
    cr_json_limits jl;
    size_t max_line;
    return split_config(c, &sl, &jl, &max_line, err);
}

/* ---- sessions -------------------------------------------------------------- */

/* The current date, UTC: what credo run's --as-of defaults to. */
static int64_t today_utc(void)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    return cr_days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday);
}

credo_session *credo_session_new(const credo_policy *p, credo_error *err)
{
    return credo_session_new_with(p, NULL, err);
}

credo_session *credo_session_new_with(const credo_policy *p, const credo_config *c, credo_error *err)
{
    clear_error(err);
    if (!p) {
        set_error(err, CREDO_E_USAGE, NULL, 0, 0, "credo_session_new: policy is NULL");
        return NULL;
    }
    credo_config defaults;
    credo_config_init(&defaults);
    cr_session_limits limits;
    cr_json_limits json;
    size_t max_line;
    if (split_config(c ? c : &defaults, &limits, &json, &max_line, err) != CREDO_OK)
        return NULL;
    credo_session *s = calloc(1, sizeof *s);
    uint32_t nfields = p->prog->input->nfields;
    if (s) {
        s->policy = p;
        s->json_limits = json;
        s->max_line = max_line;
        s->vm = cr_session_new(p->prog, &limits);
        s->given = calloc(nfields ? nfields : 1, sizeof *s->given);
    }
    if (!s || !s->vm || !s->given) {
        credo_session_free(s);
        set_error(err, CREDO_E_MEMORY, NULL, 0, 0, "out of memory making a session");
        return NULL;
    }
    s->vm->today = today_utc();
    return s;
}

void credo_session_free(credo_session *s)
{
    if (!s)
        return;
    cr_session_free(s->vm);
    if (s->trace)
        free(s->trace->items);
    free(s->trace);
    cr_buf_free(&s->many);
    cr_buf_free(&s->row);
    cr_buf_free(&s->members);
    for (size_t i = 0; i < s->ncols; i++)
        cr_buf_free(&s->cols[i]);
    free(s->cols);
    free(s->given);
    free(s->line);
    cr_buf_free(&s->out);
    free(s);
}

int credo_session_set_as_of(credo_session *s, const char *date)
{
    int64_t days;
    if (!s || !date || !cr_date_parse(date, strlen(date), &days))
        return CREDO_E_USAGE;
    s->vm->today = days;
    return CREDO_OK;
}

/* ---- deciding -------------------------------------------------------------- */

/* Forgets the previous decision; the session itself is begun by
 * cr_decide, or by credo_begin for field-by-field building. */
static void start_application(credo_session *s)
{
    s->out.len = 0;
    s->out.failed = false;
    s->reasons = NULL;
    s->nreasons = 0;
    s->app_id = NULL;
    s->app_id_len = 0;
    s->app_id_number = false;
    s->state = ST_IDLE;
}

void cr_api_forget(credo_session *s)
{
    start_application(s);
}

/* The API's lines have no newline; a line that could not be written at
 * all is no line. */
static void end_line(credo_session *s)
{
    if (s->out.len && !s->out.failed)
        s->out.p[--s->out.len] = '\0';
    else
        s->out.len = 0;
}

/* Ends the application as an ERROR whose line is in s->out; the caller's
 * err gets code and message. */
static int failed(credo_session *s, credo_error *err, int code, const char *file, unsigned line, unsigned col,
                  const char *message)
{
    end_line(s);
    s->state = ST_FAILED;
    return set_error(err, code, file, line, col, "%s", message);
}

/* Ends the application as an ERROR before or after cr_decide: its line is
 * written with `line_text` (what credo run would say), with a shorter one
 * when memory runs out, as cr_decide does. */
static int fail_decision(credo_session *s, credo_error *err, int code, const char *line_text,
                         const char *file, unsigned line, unsigned col, const char *message)
{
    s->out.len = 0;
    cr_write_error_keyed(&s->out, s->policy->prog, s->app_id, s->app_id_len, s->app_id_number, s->decisions,
                         line_text);
    if (s->out.failed) {
        s->out.failed = false;
        s->out.len = 0;
        cr_write_error_keyed(&s->out, s->policy->prog, NULL, 0, false, s->decisions, "out of memory writing the decision");
    }
    return failed(s, err, code, file, line, col, message);
}

/* A run-time error: the vm says "file:line:col: what (in NAME)"; err
 * gets the place in its fields and the rest as the message. */
static int fail_runtime(credo_session *s, credo_error *err)
{
    const cr_program *prog = s->vm->prog;
    uint32_t line, col;
    cr_source_linecol(prog->src, prog->len, s->vm->error_span.start, &line, &col);
    char prefix[320];
    snprintf(prefix, sizeof prefix, "%s:%u:%u: ", prog->file, line, col);
    const char *what = s->vm->error;
    if (strncmp(what, prefix, strlen(prefix)) == 0)
        what += strlen(prefix);
    return failed(s, err, CREDO_E_RUNTIME, prog->file, line, col, what);
}

/* NUL-terminated copies of the reasons, for credo_reason. */
static bool collect_reasons(credo_session *s)
{
    cr_value r = s->vm->reasons;
    if (r.tag != CR_LIST || r.len == 0)
        return true;
    s->reasons = cr_arena_alloc(&s->vm->arena, r.len * sizeof *s->reasons);
    if (!s->reasons)
        return false;
    for (uint32_t i = 0; i < r.len; i++) {
        cr_value v = r.u.items[i];
        bool text = v.tag == CR_TEXT;
        if (!(s->reasons[i] = cr_arena_strndup(&s->vm->arena, text ? v.u.s : "", text ? v.len : 0)))
            return false;
    }
    s->nreasons = r.len;
    return true;
}

/* Decides the application (line NULL: the slots are filled) through
 * cr_decide, the way credo run decides a line, numbered by the session's
 * count of decisions; then what the API adds to its line. */
static int decide(credo_session *s, const char *line, size_t len, credo_error *err)
{
    const cr_decide_opts how = {.line = s->decisions, .app_id = s->app_id, .app_id_len = s->app_id_len,
                                .app_id_number = s->app_id_number, .json_limits = &s->json_limits};
    cr_decided d;
    cr_decide(s->vm, line, len, &s->out, &how, &d);
    if (line) {   /* the application's name as read, for an ERROR line written again below */
        s->app_id = d.read.app_id;
        s->app_id_len = d.read.app_id_len;
        s->app_id_number = d.read.app_id_number;
    }
    if (d.status == CR_DECIDED && collect_reasons(s)) {
        end_line(s);
        s->state = ST_DECIDED;
        return CREDO_OK;
    }
    if (d.status == CR_BAD_INPUT)
        return failed(s, err, CREDO_E_INPUT, NULL, 0, 0, d.error);
    if (d.status == CR_RUN_ERROR)
        return fail_runtime(s, err);
    /* decided, but memory ran out for its line or its reasons */
    s->reasons = NULL;
    s->nreasons = 0;
    const char *m = "out of memory writing the decision";
    return fail_decision(s, err, CREDO_E_MEMORY, m, NULL, 0, 0, m);
}

/* Keeps a copy of the application: texts without escapes stay pointers
 * into it, and the caller's buffer may be gone before the results are read. */
static bool copy_line(credo_session *s, const char *json, size_t len)
{
    if (len + 1 > s->line_cap) {
        size_t cap = s->line_cap ? s->line_cap : 4096;
        while (cap < len + 1)
            cap *= 2;
        char *p = realloc(s->line, cap);
        if (!p)
            return false;
        s->line = p;
        s->line_cap = cap;
    }
    if (len)
        memcpy(s->line, json, len);
    s->line[len] = '\0';
    return true;
}

/* What credo run says of a line longer than --max-line. */
static void line_too_long(const credo_session *s, char *m, size_t size)
{
    char n[32];
    snprintf(m, size, "line: longer than %s", cr_size_text(s->max_line, n, sizeof n));
}

int credo_decide_json(credo_session *s, const char *json, size_t len, credo_error *err)
{
    clear_error(err);
    if (!s)
        return set_error(err, CREDO_E_USAGE, NULL, 0, 0, "credo_decide_json: session is NULL");
    start_application(s);
    s->decisions++;
    if (!json)
        len = 0;
    if (len > s->max_line) {
        char m[64];
        line_too_long(s, m, sizeof m);
        return fail_decision(s, err, CREDO_E_INPUT, m, NULL, 0, 0, m);
    }
    if (!copy_line(s, json, len)) {
        const char *m = "out of memory for the application";
        return fail_decision(s, err, CREDO_E_MEMORY, m, NULL, 0, 0, m);
    }
    return decide(s, s->line, len, err);
}

/* The session's many-lines buffer, NUL-terminated; NULL when memory ran out. */
static const char *many_text(credo_session *s, size_t *out_len, credo_error *err)
{
    if (s->many.failed || !cr_buf_reserve(&s->many, 0)) {
        s->many.len = 0;
        set_error(err, CREDO_E_MEMORY, NULL, 0, 0, "out of memory writing the decisions");
        return NULL;
    }
    s->many.p[s->many.len] = '\0';
    if (out_len)
        *out_len = s->many.len;
    return s->many.p;
}

const char *credo_decide_lines(credo_session *s, const char *lines, size_t len, size_t *out_len, size_t *errors,
                               credo_error *err)
{
    clear_error(err);
    if (out_len)
        *out_len = 0;
    if (errors)
        *errors = 0;
    if (!s) {
        set_error(err, CREDO_E_USAGE, NULL, 0, 0, "credo_decide_lines: session is NULL");
        return NULL;
    }
    start_application(s);   /* no single decision to read afterwards */
    s->many.len = 0;
    s->many.failed = false;
    if (!lines)
        len = 0;
    size_t nerr = 0;
    uint64_t lineno = 0;
    for (size_t at = 0; at < len && !s->many.failed;) {
        const char *nl = memchr(lines + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - lines) : len;
        cr_decide_opts how = {.line = ++lineno, .json_limits = &s->json_limits};
        cr_decided d;
        if (end - at > s->max_line) {   /* as credo run: not read at all */
            char m[64];
            line_too_long(s, m, sizeof m);
            cr_write_error_keyed(&s->many, s->policy->prog, NULL, 0, false, lineno, m);
            nerr++;
        } else if (!cr_decide(s->vm, lines + at, end - at, &s->many, &how, &d)) {
            nerr++;
        }
        at = end + 1;
    }
    if (errors)
        *errors = nerr;
    return many_text(s, out_len, err);
}

const char *credo_explain_json(credo_session *s, const char *json, size_t len, size_t *out_len, credo_error *err)
{
    clear_error(err);
    if (out_len)
        *out_len = 0;
    if (!s) {
        set_error(err, CREDO_E_USAGE, NULL, 0, 0, "credo_explain_json: session is NULL");
        return NULL;
    }
    if (!s->trace) {   /* as credo explain: room for 100,000 steps, the rest counted */
        s->trace = calloc(1, sizeof *s->trace);
        if (s->trace) {
            s->trace->cap = 100000;
            s->trace->items = malloc(s->trace->cap * sizeof *s->trace->items);
        }
        if (!s->trace || !s->trace->items) {
            free(s->trace);
            s->trace = NULL;
            set_error(err, CREDO_E_MEMORY, NULL, 0, 0, "out of memory for the explanation");
            return NULL;
        }
    }
    /* the trace only for this decision and its account: the tracing loop is slower */
    s->vm->trace = s->trace;
    int rc = credo_decide_json(s, json, len, err);
    s->many.len = 0;
    s->many.failed = false;
    if (rc == CREDO_OK)
        cr_explain_json(&s->many, s->vm, s->app_id, s->app_id_len);
    s->vm->trace = NULL;
    if (rc != CREDO_OK)
        return NULL;
    if (s->many.len && s->many.p[s->many.len - 1] == '\n')
        s->many.len--;
    return many_text(s, out_len, err);
}

void credo_begin(credo_session *s)
{
    if (!s)
        return;
    start_application(s);
    cr_session_begin(s->vm);
    memset(s->given, 0, s->policy->prog->input->nfields * sizeof *s->given);
    memset(&s->pending, 0, sizeof s->pending);
    s->state = ST_BUILDING;
}

int credo_decide(credo_session *s, credo_error *err)
{
    clear_error(err);
    if (!s || s->state != ST_BUILDING)
        return set_error(err, CREDO_E_USAGE, NULL, 0, 0,
                         "credo_decide: call credo_begin and set the fields first");
    s->decisions++;
    if (s->pending.code != CREDO_OK)
        return fail_decision(s, err, s->pending.code, s->pending.message, NULL, 0, 0, s->pending.message);
    const cr_record *in = s->policy->prog->input;
    for (uint32_t i = 0; i < in->nfields; i++) {
        if (s->given[i])
            continue;
        if (in->fields[i].type->optional) {
            s->vm->slots[i] = cr_null();   /* an optional field never set is null */
            continue;
        }
        char m[320];
        snprintf(m, sizeof m, "%s: required field is missing", in->fields[i].name);
        return fail_decision(s, err, CREDO_E_INPUT, m, NULL, 0, 0, m);
    }
    return decide(s, NULL, 0, err);
}

/* ---- setters --------------------------------------------------------------- */

/* The field naming the application: the policy's input key, or "app_id". */
static bool is_app_id(const credo_session *s, const char *field)
{
    const char *key = s->policy->prog->key;
    return strcmp(field, key ? key : "app_id") == 0;
}

/* The input field's number into *f, -1 for an "app_id" the input does not
 * declare; or CREDO_E_USAGE. */
static int find_field(credo_session *s, const char *setter, const char *field, int *f)
{
    if (!s)
        return CREDO_E_USAGE;
    if (s->state != ST_BUILDING)
        return note(s, CREDO_E_USAGE, "%s: call credo_begin before setting fields", setter);
    if (!field)
        return note(s, CREDO_E_USAGE, "%s: the field name is NULL", setter);
    const cr_record *in = s->policy->prog->input;
    *f = cr_record_find(in, field, strlen(field));
    if (*f < 0 && !is_app_id(s, field))
        return note(s, CREDO_E_USAGE, "%s: the policy's input %s has no field '%s'", setter,
                    s->policy->prog->input_name ? s->policy->prog->input_name : "", field);
    return CREDO_OK;
}

static const cr_type *field_type(const credo_session *s, int f)
{
    return s->policy->prog->input->fields[f].type;
}

static int wrong_type(credo_session *s, const char *setter, const char *field, int f, const char *takes)
{
    char name[128];
    return note(s, CREDO_E_USAGE, "%s: field '%s' is %s; %s takes %s", setter, field,
                cr_type_name(field_type(s, f), name, sizeof name), setter, takes);
}

/* The "app_id" of the application: the decision line names it. */
static int keep_app_id(credo_session *s, const char *field, const char *text, size_t n, bool copy, bool number)
{
    if (!is_app_id(s, field))
        return CREDO_OK;
    if (copy && !(text = cr_arena_strndup(&s->vm->arena, text, n)))
        return note(s, CREDO_E_MEMORY, "%s: out of memory for this application", field);
    s->app_id = text;
    s->app_id_len = n;
    s->app_id_number = number;
    return CREDO_OK;
}

static void store(credo_session *s, int f, cr_value v)
{
    s->vm->slots[f] = v;
    s->given[f] = true;
}

int credo_set_int(credo_session *s, const char *field, int64_t value)
{
    int f, rc = find_field(s, "credo_set_int", field, &f);
    if (rc)
        return rc;
    if (f >= 0) {
        cr_kind k = field_type(s, f)->kind;
        if (k != CR_T_INT && k != CR_T_DEC)
            return wrong_type(s, "credo_set_int", field, f, "int and decimal fields");
        store(s, f, k == CR_T_INT ? cr_int(value) : cr_decv(cr_dec_from_int(value)));
    }
    char text[24];   /* as a JSON app_id 17 is named "17" */
    int n = snprintf(text, sizeof text, "%lld", (long long)value);
    return keep_app_id(s, field, text, (size_t)n, true, true);
}

/* A decimal's text as the reader reports numbers: the first QUOTE_MAX bytes. */
static int bad_number(credo_session *s, const char *field, const char *text, size_t n, const char *what)
{
    int q = n > QUOTE_MAX ? QUOTE_MAX : (int)n;
    return note(s, CREDO_E_INPUT, "%s: number %.*s%s %s", field, q, text, (size_t)q < n ? "..." : "", what);
}

int credo_set_decimal(credo_session *s, const char *field, const char *text)
{
    int f, rc = find_field(s, "credo_set_decimal", field, &f);
    if (rc)
        return rc;
    if (!text)
        return note(s, CREDO_E_USAGE, "credo_set_decimal: the text is NULL (use credo_set_null)");
    cr_kind k = f >= 0 ? field_type(s, f)->kind : CR_T_DEC;
    if (k != CR_T_INT && k != CR_T_DEC)
        return wrong_type(s, "credo_set_decimal", field, f, "int and decimal fields");
    size_t n = strlen(text);
    cr_dec d;
    cr_dec_status st = cr_dec_parse(text, n, &d);
    if (st == CR_DEC_SYNTAX) {
        int q = n > QUOTE_MAX ? QUOTE_MAX : (int)n;
        return note(s, CREDO_E_INPUT, "%s: expected a number, got \"%.*s%s\"", field, q, text,
                    (size_t)q < n ? "..." : "");
    }
    int64_t i = 0;
    if (st == CR_DEC_OK && k == CR_T_INT)
        st = cr_dec_to_int(d, &i);   /* 1.0 and 1e2 are integral, 5.5 is not: as the reader */
    if (st == CR_DEC_OVERFLOW)
        return bad_number(s, field, text, n, "is out of range");
    if (st == CR_DEC_PRECISION && k == CR_T_INT) {
        int q = n > QUOTE_MAX ? QUOTE_MAX : (int)n;
        return note(s, CREDO_E_INPUT, "%s: expected int, got number %.*s%s", field, q, text,
                    (size_t)q < n ? "..." : "");
    }
    if (st == CR_DEC_PRECISION)
        return bad_number(s, field, text, n, "has more than 18 fractional digits");
    if (st != CR_DEC_OK)
        return bad_number(s, field, text, n, cr_dec_status_text(st));
    if (f >= 0)
        store(s, f, k == CR_T_INT ? cr_int(i) : cr_decv(d));
    return keep_app_id(s, field, text, n, true, true);
}

static int set_date_field(credo_session *s, const char *field, int f, const char *text)
{
    size_t n = strlen(text);
    int64_t days;
    if (!cr_date_parse(text, n, &days)) {
        int q = n > QUOTE_MAX ? QUOTE_MAX : (int)n;
        return note(s, CREDO_E_INPUT, "%s: expected a date YYYY-MM-DD, got \"%.*s%s\"", field, q, text,
                    (size_t)q < n ? "..." : "");
    }
    store(s, f, cr_date(days));
    return CREDO_OK;
}

int credo_set_text(credo_session *s, const char *field, const char *text)
{
    int f, rc = find_field(s, "credo_set_text", field, &f);
    if (rc)
        return rc;
    if (!text)
        return note(s, CREDO_E_USAGE, "credo_set_text: the text is NULL (use credo_set_null)");
    cr_kind k = f >= 0 ? field_type(s, f)->kind : CR_T_TEXT;
    if (k == CR_T_DATE)   /* JSON has no dates either: a date field takes text */
        return set_date_field(s, field, f, text);
    if (k != CR_T_TEXT)
        return wrong_type(s, "credo_set_text", field, f, "text and date fields");
    size_t n = strlen(text);
    size_t bad = cr_utf8_invalid_at(text, n);
    if (bad < n)
        return note(s, CREDO_E_INPUT, "%s: invalid UTF-8 at byte %zu", field, bad);
    if (n > s->json_limits.max_text)
        return note(s, CREDO_E_INPUT, "%s: text is longer than %u bytes", field, (unsigned)s->json_limits.max_text);
    if (f >= 0 && cr_type_value_index(field_type(s, f), text, n) < 0) {
        char vals[512];
        return note(s, CREDO_E_INPUT, "%s: \"%.*s\" is not one of %s", field, (int)(n > 64 ? 64 : n), text,
                    cr_type_values_text(field_type(s, f), vals, sizeof vals));
    }
    char *copy = cr_arena_strndup(&s->vm->arena, text, n);
    if (!copy)
        return note(s, CREDO_E_MEMORY, "%s: out of memory for this application", field);
    if (f >= 0)
        store(s, f, cr_text(copy, (uint32_t)n));
    return keep_app_id(s, field, copy, n, false, false);
}

int credo_set_bool(credo_session *s, const char *field, int value)
{
    int f, rc = find_field(s, "credo_set_bool", field, &f);
    if (rc)
        return rc;
    if (f < 0)
        return note(s, CREDO_E_USAGE, "credo_set_bool: app_id is a text or a number");
    if (field_type(s, f)->kind != CR_T_BOOL)
        return wrong_type(s, "credo_set_bool", field, f, "bool fields");
    store(s, f, cr_bool(value != 0));
    return CREDO_OK;
}

int credo_set_date(credo_session *s, const char *field, const char *date)
{
    int f, rc = find_field(s, "credo_set_date", field, &f);
    if (rc)
        return rc;
    if (f < 0)
        return note(s, CREDO_E_USAGE, "credo_set_date: app_id is a text or a number");
    if (field_type(s, f)->kind != CR_T_DATE)
        return wrong_type(s, "credo_set_date", field, f, "date fields");
    if (!date)
        return note(s, CREDO_E_USAGE, "credo_set_date: the date is NULL (use credo_set_null)");
    return set_date_field(s, field, f, date);
}

int credo_set_null(credo_session *s, const char *field)
{
    int f, rc = find_field(s, "credo_set_null", field, &f);
    if (rc)
        return rc;
    if (is_app_id(s, field)) {
        s->app_id = NULL;
        s->app_id_len = 0;
    }
    if (f < 0)
        return CREDO_OK;
    const cr_type *t = field_type(s, f);
    if (!t->optional) {   /* the reader's words for a null where a value is required */
        cr_type plain = *t;
        plain.optional = false;
        char name[128];
        return note(s, CREDO_E_INPUT, "%s: expected %s, got null", field, cr_type_name(&plain, name, sizeof name));
    }
    store(s, f, cr_null());
    return CREDO_OK;
}

/* ---- credo_set_json -------------------------------------------------------- */

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Where the first JSON value in s[0..n) ends, by strings and brackets
 * alone (the reader checks the rest).  Text after it would otherwise be
 * read as more members of the {"field":...} wrapper: "1, \"other\": 2". */
static size_t value_end(const char *s, size_t n)
{
    size_t i = 0;
    int depth = 0;
    bool in_text = false;
    while (i < n && is_ws(s[i]))
        i++;
    for (; i < n; i++) {
        char c = s[i];
        if (in_text) {
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                in_text = false;
                if (depth == 0)
                    return i + 1;
            }
        } else if (c == '"') {
            in_text = true;
        } else if (c == '[' || c == '{') {
            depth++;
        } else if (c == ']' || c == '}') {
            if (depth == 0)
                return i;   /* closes nothing of the value: what follows it */
            if (--depth == 0)
                return i + 1;
        } else if (depth == 0 && (c == ',' || c == ':' || is_ws(c))) {
            return i;
        }
    }
    return n;
}

/* The reader's message for the wrapper line, told in the caller's terms:
 * byte offsets ("json: byte 17", "at byte 17") shifted back by the
 * wrapper's prefix, and a syntax error named after the field. */
static void unwrap_message(const char *in, size_t shift, const char *field, char *out, size_t size)
{
    size_t o = 0;
    if (strncmp(in, "json: ", 6) == 0)
        o = (size_t)snprintf(out, size, "%s: ", field);
    while (*in && o + 1 < size) {
        if (strncmp(in, "byte ", 5) == 0 && in[5] >= '0' && in[5] <= '9') {
            char *end;
            unsigned long long b = strtoull(in + 5, &end, 10);
            int k = snprintf(out + o, size - o, "byte %llu", b >= shift ? b - shift : 0);
            o += k > 0 ? (size_t)k : 0;
            in = end;
            continue;
        }
        out[o++] = *in++;
    }
    out[o < size ? o : size - 1] = '\0';
}

int credo_set_json(credo_session *s, const char *field, const char *json)
{
    int f, rc = find_field(s, "credo_set_json", field, &f);
    if (rc)
        return rc;
    if (!json)
        return note(s, CREDO_E_USAGE, "credo_set_json: the JSON text is NULL");
    size_t n = strlen(json), end = value_end(json, n);
    for (size_t i = end; i < n; i++)
        if (!is_ws(json[i]))
            return note(s, CREDO_E_INPUT, "%s: json: byte %zu: unexpected data after the value", field, i);
    /* {"field":<json>}: the same reader, limits and messages as a whole
     * application; it lives in the arena because texts point into it. */
    size_t klen = strlen(field), prefix = klen + 4, total = prefix + n + 1;
    char *line = cr_arena_alloc(&s->vm->arena, total);
    if (!line)
        return note(s, CREDO_E_MEMORY, "%s: out of memory for this application", field);
    memcpy(line, "{\"", 2);
    memcpy(line + 2, field, klen);
    memcpy(line + 2 + klen, "\":", 2);
    memcpy(line + prefix, json, n);
    line[total - 1] = '}';
    const cr_record *rec = f >= 0 ? &s->policy->alone[f] : &s->policy->none;
    cr_value v = cr_null();
    cr_json_result res;
    if (cr_json_read_keyed(rec, s->policy->prog->key, line, total, &s->vm->arena, &s->json_limits, &v, &res) != 0) {
        char m[sizeof res.error + 64];
        unwrap_message(res.error, prefix, field, m, sizeof m);
        return note(s, strstr(m, "out of memory") ? CREDO_E_MEMORY : CREDO_E_INPUT, "%s", m);
    }
    if (f >= 0)
        store(s, f, v);
    if (is_app_id(s, field)) {   /* a text or a number names the application */
        s->app_id = res.app_id;
        s->app_id_len = res.app_id_len;
        s->app_id_number = res.app_id_number;
    }
    return CREDO_OK;
}

/* ---- reading the decision -------------------------------------------------- */

const char *credo_outcome(const credo_session *s)
{
    if (!s)
        return NULL;
    if (s->state == ST_DECIDED)
        return cr_outcome_name(s->vm->outcome);
    return s->state == ST_FAILED ? "ERROR" : NULL;
}

size_t credo_reason_count(const credo_session *s)
{
    return s && s->state == ST_DECIDED ? s->nreasons : 0;
}

const char *credo_reason(const credo_session *s, size_t i)
{
    return i < credo_reason_count(s) ? s->reasons[i] : NULL;
}

/* The named result's let number, or -1. */
static int find_result(const credo_session *s, const char *name)
{
    if (!s || !name || s->state != ST_DECIDED)
        return -1;
    const cr_program *p = s->vm->prog;
    for (uint32_t i = 0; i < p->nresults; i++)
        if (strcmp(p->lets[p->results[i]].name, name) == 0)
            return (int)p->results[i];
    return -1;
}

/* snprintf's contract for bytes that are already formatted. */
static int put_text(char *buf, size_t size, const char *text, size_t n)
{
    if (size) {
        size_t k = n < size - 1 ? n : size - 1;
        memcpy(buf, text, k);
        buf[k] = '\0';
    }
    return n > 0x7fffffff ? 0x7fffffff : (int)n;
}

int credo_result_text(const credo_session *s, const char *name, char *buf, size_t size)
{
    int r = find_result(s, name);
    if (size && buf)
        buf[0] = '\0';
    else
        size = 0;
    if (r < 0)
        return CREDO_NO_RESULT;
    cr_value v = s->vm->lets[r];
    char tmp[CR_DEC_FMT_MAX];
    switch ((cr_tag)v.tag) {
    case CR_NULL: return CREDO_NULL_RESULT;
    case CR_BOOL: return put_text(buf, size, v.u.b ? "true" : "false", v.u.b ? 4 : 5);
    case CR_INT: return put_text(buf, size, tmp, (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)v.u.i));
    case CR_DEC: return put_text(buf, size, tmp, cr_dec_format(cr_value_dec(v), tmp));
    case CR_TEXT: return put_text(buf, size, v.u.s, v.len);
    case CR_DATE: return put_text(buf, size, tmp, cr_date_format(v.u.i, tmp));
    default: {   /* lists and records: as JSON, as in the decision line */
        cr_buf b = {0};
        cr_buf_json_value(&b, v, s->vm->prog->lets[r].type);
        int n = b.failed ? CREDO_NO_RESULT : put_text(buf, size, b.p ? b.p : "", b.len);
        cr_buf_free(&b);
        return n;
    }
    }
}

int credo_result_int(const credo_session *s, const char *name, int64_t *out)
{
    int r = find_result(s, name);
    if (r < 0 || !out)
        return CREDO_E_USAGE;
    cr_value v = s->vm->lets[r];
    if (v.tag == CR_INT) {
        *out = v.u.i;
        return CREDO_OK;
    }
    if (v.tag == CR_DEC && cr_dec_to_int(cr_value_dec(v), out) == CR_DEC_OK)
        return CREDO_OK;
    return CREDO_E_USAGE;
}

const char *credo_decision_json(const credo_session *s, size_t *len)
{
    bool have = s && (s->state == ST_DECIDED || s->state == ST_FAILED) && s->out.len;
    if (len)
        *len = have ? s->out.len : 0;
    return have ? s->out.p : NULL;
}
