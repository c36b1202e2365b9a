/* Deciding a request online (online.h): versions by date, challenger,
 * shadow, and the decision log. */
#include "runtime/serve/online.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cli/cli.h"
#include "runtime/core/date.h"
#include "runtime/decide.h"
#include "runtime/serve/json_error.h"

enum { CHAMPION, CHALLENGER, SHADOW };
static const char *const arm_names[] = {"champion", "challenger", "shadow"};

/* ---- options ------------------------------------------------------------------ */

/* "CHAMPION:OTHER" into a pair; false when it is not one. */
static bool parse_pair(const char *v, cr_online_pair *p)
{
    const char *colon = strchr(v, ':');
    if (!colon || colon == v || !colon[1] || strchr(colon + 1, ':'))
        return false;
    *p = (cr_online_pair){.champion = v, .champion_len = (size_t)(colon - v), .other = colon + 1};
    return true;
}

int cr_online_option(const char *a, const char *v, cr_online_opts *o)
{
    static const char *const names[] = {"--log", "--log-key", "--log-sign", "--challenger", "--shadow", "--share",
                                        "--sticky-key"};
    size_t i = 0;
    while (i < sizeof names / sizeof names[0] && strcmp(a, names[i]) != 0)
        i++;
    if (i == sizeof names / sizeof names[0])
        return 0;
    if (!v) {
        fprintf(stderr, "credo serve: %s needs a value\n", a);
        return -1;
    }
    switch (i) {
    case 0: o->log = v; return 1;
    case 1: o->log_key = v; return 1;
    case 2: o->log_sign = v; return 1;
    case 3:
    case 4: {
        bool shadow = i == 4;
        cr_online_pair *pairs = shadow ? o->shadows : o->challengers;
        size_t *n = shadow ? &o->nshadows : &o->nchallengers;
        if (*n == CR_ONLINE_MAX_PAIRS) {
            fprintf(stderr, "credo serve: at most %d of %s\n", CR_ONLINE_MAX_PAIRS, a);
            return -1;
        }
        if (!parse_pair(v, &pairs[*n])) {
            fprintf(stderr, "credo serve: %s %s: give CHAMPION:%s, two policy names served from DIR\n", a, v,
                    shadow ? "SHADOW" : "CHALLENGER");
            return -1;
        }
        for (size_t k = 0; k < *n; k++)
            if (pairs[k].champion_len == pairs[*n].champion_len &&
                memcmp(pairs[k].champion, v, pairs[k].champion_len) == 0) {
                fprintf(stderr, "credo serve: %s: policy %.*s has one already\n", a, (int)pairs[k].champion_len, v);
                return -1;
            }
        (*n)++;
        return 1;
    }
    case 5:
        if ((o->share_bp = cr_cli_parse_share(v)) < 0) {
            fprintf(stderr, "credo serve: --share %s is not a share from 0%% to 100%%, e.g. 10%%\n", v);
            return -1;
        }
        return 1;
    default: o->sticky_key = v; return 1;
    }
}

bool cr_online_check(const cr_online_opts *o)
{
    const char *why = NULL;
    if (o->nchallengers && o->share_bp < 0)
        why = "--challenger needs --share, e.g. --share 10%";
    else if (o->share_bp >= 0 && !o->nchallengers)
        why = "--share goes with --challenger";
    else if (o->sticky_key && !o->nchallengers)
        why = "--sticky-key goes with --challenger";
    else if (o->nshadows && !o->log)
        why = "--shadow needs --log: its decisions go only to the log";
    else if ((o->log_key || o->log_sign) && !o->log)
        why = "--log-key and --log-sign go with --log FILE";
    if (why)
        fprintf(stderr, "credo serve: %s\n", why);
    return !why;
}

/* ---- a request ------------------------------------------------------------------ */

/* What one decision leaves for the log: offsets into c->keep. */
typedef struct cr_online_rec {
    int arm;
    const char *application;     /* in the request's body */
    size_t application_len;
    bool ok, has_app;
    const char *outcome;
    size_t app, app_len, reasons, reasons_len, fired, fired_len, results, results_len;
} cr_online_rec;

static const cr_online_pair *pair_of(const cr_online_pair *pairs, size_t n, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (pairs[i].champion_len == len && memcmp(pairs[i].champion, name, len) == 0)
            return &pairs[i];
    return NULL;
}

/* The challenger's or shadow's version on the date, with its session; a
 * policy beside that is not served, or not in effect then, takes no part. */
static bool take_other(cr_online_call *c, cr_registry *reg, const cr_online_pair *p, int arm)
{
    if (!p || !(c->v[arm] = cr_registry_acquire_at(reg, p->other, c->as_of, NULL)))
        return true;
    if (!(c->s[arm] = cr_version_session(c->v[arm])))
        return false;
    c->s[arm]->today = c->as_of;
    return true;
}

static void give_back(cr_online_call *c)
{
    for (int i = 0; i < 3; i++) {
        if (c->s[i])
            cr_version_give_back(c->v[i], c->s[i]);
        cr_version_release(c->v[i]);
        c->s[i] = NULL;
        c->v[i] = NULL;
    }
    cr_buf_free(&c->keep);
    free(c->recs);
    c->recs = NULL;
}

unsigned cr_online_begin(cr_online_call *c, const cr_online_opts *o, cr_serve_log *log, cr_registry *reg,
                         const char *name, int64_t as_of, cr_buf *out)
{
    *c = (cr_online_call){.o = o, .log = log, .as_of = as_of};
    cr_date_format(as_of, c->as_of_text);
    bool known;
    if (!(c->v[CHAMPION] = cr_registry_acquire_at(reg, name, as_of, &known))) {
        if (known)
            return cr_json_error(out, 404, "no version of policy %s is in effect on %s", name, c->as_of_text);
        return cr_json_error(out, 404, "no policy named %s", name);
    }
    if (!(c->s[CHAMPION] = cr_version_session(c->v[CHAMPION])) ||
        !take_other(c, reg, pair_of(o->challengers, o->nchallengers, name), CHALLENGER) ||
        !take_other(c, reg, pair_of(o->shadows, o->nshadows, name), SHADOW)) {
        give_back(c);
        return cr_json_error(out, 500, "out of memory");
    }
    c->s[CHAMPION]->today = as_of;
    for (int arm = 0; c->log && arm < 3; arm++) {
        const char *missing = c->v[arm] ? cr_cli_missing_identity(c->v[arm]->prog) : NULL;
        if (missing) {
            /* as credo run --log refuses it: a decision must name what made it */
            unsigned status = cr_json_error(out, 503,
                                         "the decision could not be logged: policy %s (%s) has no %s in its header;"
                                         " the decision log records the name, version, effective date and owner",
                                         c->v[arm]->prog->name, c->v[arm]->prog->file, missing);
            give_back(c);
            return status;
        }
    }
    return 200;
}

static void codes_json(cr_buf *b, const cr_session *s)
{
    cr_buf_put(b, "[", 1);
    for (uint32_t i = 0; i < s->nfired; i++) {
        const char *code = s->prog->rules[s->fired[i]].code;
        if (i)
            cr_buf_put(b, ",", 1);
        cr_buf_json_string(b, code, strlen(code));
    }
    cr_buf_put(b, "]", 1);
}

/* Keeps what the log needs of one decision: its line line[0..len) (no
 * newline) and the session's reasons and fired rules. */
static void keep(cr_online_call *c, int arm, const char *app, size_t app_len, const cr_decided *d, bool ok,
                 const char *line, size_t len)
{
    if (c->nrecs == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4;
        cr_online_rec *grown = realloc(c->recs, cap * sizeof *grown);
        if (!grown) {
            c->failed = true;
            return;
        }
        c->recs = grown;
        c->cap = cap;
    }
    const cr_session *s = c->s[arm];
    cr_buf *b = &c->keep;
    cr_online_rec *r = &c->recs[c->nrecs++];
    *r = (cr_online_rec){.arm = arm, .application = app, .application_len = app_len, .ok = ok,
                         .has_app = d->app_id != NULL,
                         .outcome = ok ? cr_outcome_name(s->outcome) : "ERROR"};
    r->app = b->len;
    if (d->app_id)
        cr_buf_put(b, d->app_id, d->app_id_len);
    r->app_len = b->len - r->app;
    r->reasons = b->len;
    if (ok)
        cr_buf_json_value(b, s->reasons, NULL);
    else
        cr_buf_puts(b, "[]");
    r->reasons_len = b->len - r->reasons;
    r->fired = b->len;
    if (ok)
        codes_json(b, s);
    else
        cr_buf_puts(b, "[]");
    r->fired_len = b->len - r->fired;
    r->results = b->len;
    cr_buf_put(b, line, len);
    r->results_len = len;
}

int cr_online_decide(cr_online_call *c, const char *app, size_t len, uint64_t n, cr_buf *out)
{
    const cr_decide_opts how = {.line = n};
    size_t start = out->len;
    int arm = CHAMPION;
    bool chosen = false;
    if (c->s[CHALLENGER] && c->o->sticky_key) {
        /* --sticky-key: the arm comes from the key, before deciding */
        const char *key;
        size_t key_len;
        if (cr_cli_sticky_value(app, len, c->o->sticky_key, &key, &key_len) &&
            cr_cli_in_share(key, key_len, c->o->share_bp))
            arm = CHALLENGER;
        chosen = true;
    }
    cr_decided d;
    bool ok = cr_decide(c->s[arm], app, len, out, &how, &d);
    if (c->s[CHALLENGER] && !chosen && d.app_id && cr_cli_in_share(d.app_id, d.app_id_len, c->o->share_bp)) {
        arm = CHALLENGER;
        out->len = start;
        ok = cr_decide(c->s[arm], app, len, out, &how, &d);
    }
    cr_cli_tag_served(out, start, c->s[arm]->prog, c->s[CHALLENGER] ? arm_names[arm] : NULL);
    c->answered_by = arm;
    c->by_challenger += arm == CHALLENGER;
    int outcome = ok ? (int)c->s[arm]->outcome : -1;
    if (!c->log || out->failed)
        return outcome;
    keep(c, arm, app, len, &d, ok, out->p + start, out->len - start - 1);
    if (c->s[SHADOW]) {
        /* its line is made in the log's buffer, never in the answer */
        cr_buf line = {0};
        cr_decided d2;
        bool ok2 = cr_decide(c->s[SHADOW], app, len, &line, &how, &d2);
        cr_cli_tag_served(&line, 0, c->s[SHADOW]->prog, arm_names[SHADOW]);
        if (line.failed)
            c->failed = true;
        else
            keep(c, SHADOW, app, len, &d2, ok2, line.p, line.len - 1);
        cr_buf_free(&line);
    }
    return outcome;
}

/* The log's entries for the request's decisions, in c; false when out
 * of memory. */
static bool make_entries(cr_online_call *c)
{
    size_t n = c->nrecs ? c->nrecs : 1;
    c->entries = calloc(n, sizeof *c->entries);
    c->progs = calloc(n, sizeof *c->progs);
    c->content = calloc(n, sizeof *c->content);
    if (!c->entries || !c->progs || !c->content)
        return false;
    for (size_t i = 0; i < c->nrecs; i++) {
        const cr_online_rec *r = &c->recs[i];
        const cr_policy_version *v = c->v[r->arm];
        const char *b = c->keep.p;
        c->progs[i] = v->prog;
        c->entries[i] = (cr_dlog_entry){
            .app_id = r->has_app ? b + r->app : NULL, .app_id_len = r->app_len,
            .policy_sha256 = v->prog->sha256, .program_sha256 = v->prog->program_sha256,
            .as_of = c->as_of_text,
            .application = r->application, .application_len = r->application_len,
            .outcome = r->outcome,
            .reasons = b + r->reasons, .reasons_len = r->reasons_len,
            .results = b + r->results, .results_len = r->results_len,
            .fired = b + r->fired, .fired_len = r->fired_len,
            .decided_by = arm_names[r->arm], .data_sha256 = v->data_sha256,
        };
        cr_dlog_content(&c->entries[i], c->content[i]);   /* here, on the request's thread, not the log's */
        c->entries[i].content = c->content[i];
    }
    return true;
}

/* The sessions back to their versions' pools; the versions stay, for
 * the entries point into their programs. */
static void give_sessions_back(cr_online_call *c)
{
    for (int i = 0; i < 3; i++) {
        if (c->s[i])
            cr_version_give_back(c->v[i], c->s[i]);
        c->s[i] = NULL;
    }
}

bool cr_online_wants_log(const cr_online_call *c, unsigned status, const cr_buf *out)
{
    return c->log && status == 200 && !out->failed && c->nrecs > 0;
}

bool cr_online_submit(cr_online_call *c, unsigned status, const cr_buf *out, void (*done)(cr_serve_log_req *),
                      void *arg)
{
    if (!cr_online_wants_log(c, status, out) || c->failed || c->keep.failed || !make_entries(c))
        return false;
    give_sessions_back(c);
    c->req = (cr_serve_log_req){.progs = c->progs, .e = c->entries, .n = c->nrecs, .done = done, .arg = arg};
    if (!cr_serve_log_submit(c->log, &c->req)) {
        c->refused = true;
        return false;
    }
    c->submitted = true;
    return true;
}

unsigned cr_online_end(cr_online_call *c, unsigned status, cr_buf *out)
{
    if (c->submitted) {
        if (!c->req.ok)
            status = cr_json_error(out, 503, "the decision could not be logged: %s", c->req.why);
    } else if (c->refused) {
        status = cr_json_error(out, 503, "the server is stopping: the decision was not logged");
    } else if (c->log && status == 200 && !out->failed && c->nrecs) {
        status = cr_json_error(out, 500, "out of memory");   /* it could not be handed over */
    }
    free(c->entries);
    free(c->progs);
    free(c->content);
    c->entries = NULL;
    c->progs = NULL;
    c->content = NULL;
    give_back(c);
    return status;
}
