/* credo run: JSON lines in, one decision per line out, in input order.
 *
 * With --log the decisions are also recorded in a decision log
 * (decision_log.h).  The log is the record: a decision counts as made once
 * its batch is committed, so the batch's lines go to stdout only after
 * the commit.  A batch ends after 1000 lines, after a second, or as soon
 * as the input has no complete line ready, so a caller feeding one
 * application at a time gets each answer at once.  After a crash, stdout
 * may lack the lines of the last committed batch; running the same input
 * again writes every line and adds only the rows the log lacks. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sha2.h>

#include "cli.h"
#include "date.h"
#include "decision_json.h"
#include "decision_log.h"
#include "json_read.h"
#include "vm.h"

static const char usage_run[] =
    "usage: credo run [options] POLICY [INPUT]\n"
    "\n"
    "Reads applications as JSON lines (one object per line) from INPUT or\n"
    "stdin and writes one decision per line, in input order:\n"
    "  {\"app_id\":...,\"decision\":\"APPROVE|REFER|REJECT\",\"reasons\":[...],<results>}\n"
    "A line that cannot be decided (bad JSON, a missing or mistyped field, a\n"
    "run-time error) gives\n"
    "  {\"app_id\":...,\"line\":N,\"decision\":\"ERROR\",\"error\":\"<field or place>: <what>\"}\n"
    "and the run goes on with the next line.\n"
    "\n"
    "  --as-of DATE        the date `today` means (YYYY-MM-DD; default: the current date, UTC)\n"
    "  --explain           add why: rules fired, scorecard bins, segment row, table rows\n"
    "  --budget N          instructions allowed per application (default 1000000)\n"
    "  --log FILE          record every decision in FILE, an SQLite decision log\n"
    "                      (created when missing; check it with credo audit).  A line\n"
    "                      is written to stdout once its batch is committed to the\n"
    "                      log (every 1000 lines, every second, or when the input\n"
    "                      pauses).  An application already logged with the same\n"
    "                      policy, as-of date and role is skipped, not logged twice;\n"
    "                      a line without an app_id is not logged.  A summary goes\n"
    "                      to stderr.\n"
    "  --challenger FILE   the policy FILE decides a stable share of the applications,\n"
    "                      chosen by a hash of app_id; every line then also carries\n"
    "                      \"policy\" and \"version\" (the policy that decided)\n"
    "  --share P%          the challenger's share, 0% to 100% (e.g. 10% or 2.5%)\n"
    "  --shadow FILE       the policy FILE also decides every application; its\n"
    "                      decisions go to the log only (needs --log), stdout is\n"
    "                      unchanged\n"
    "\n"
    "exit status: 0 every line decided, 1 the policy does not compile, the\n"
    "input cannot be read or the log cannot be written, 2 usage, 3 finished\n"
    "with at least one ERROR line.\n";

/* ---- deciding one line (shared with the replay of credo audit) ---------------- */

void cr_cli_decide(cr_session *s, const char *line, size_t len, uint64_t lineno, bool explain, cr_buf *out,
                   cr_cli_decided *d)
{
    static const cr_json_limits jl = CR_JSON_LIMITS_DEFAULT;
    const cr_program *p = s->prog;
    cr_json_result res;
    size_t start = out->len;
    cr_session_begin(s);
    d->ok = false;
    if (cr_json_read(p->input, line, len, &s->arena, &jl, s->slots, &res) != 0) {
        cr_write_error(out, res.app_id, res.app_id_len, lineno, res.error);
    } else if (!cr_session_run(s)) {
        cr_write_error(out, res.app_id, res.app_id_len, lineno, s->error);
    } else {
        cr_write_decision(out, s, res.app_id, res.app_id_len, explain);
        d->ok = true;
    }
    d->app_id = res.app_id;
    d->app_id_len = res.app_id_len;
    if (out->failed) {
        out->failed = false;
        out->len = start;
        cr_write_error(out, NULL, 0, lineno, "out of memory writing the decision");
        d->ok = false;
        d->app_id = NULL;
    }
}

void cr_cli_tag_policy(cr_buf *out, size_t start, const cr_program *p)
{
    /* the line ends with "}\n": reopen the object */
    if (out->len < start + 2)
        return;
    out->len -= 2;
    cr_buf_puts(out, ",\"policy\":");
    cr_buf_json_string(out, p->name, strlen(p->name));
    cr_buf_puts(out, ",\"version\":");
    if (p->version)
        cr_buf_json_string(out, p->version, strlen(p->version));
    else
        cr_buf_puts(out, "null");
    cr_buf_put(out, "}\n", 2);
}

/* ---- options ------------------------------------------------------------------ */

typedef struct run_opts {
    const char *files[2];        /* POLICY [INPUT] */
    int nfiles;
    bool explain;
    int64_t today;
    cr_session_limits limits;
    const char *log;
    const char *second;          /* the challenger or shadow policy */
    bool shadow;
    int share_bp;                /* challenger share in basis points, -1 unset */
} run_opts;

/* "10%", "10", "2.5%", "0.25%": basis points, or -1. */
static int parse_share(const char *s)
{
    long whole = 0, frac = 0;
    int digits = 0, fdigits = 0;
    for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
        whole = whole * 10 + (*s - '0');
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9' && fdigits < 2; s++, fdigits++)
            frac = frac * 10 + (*s - '0');
    if (fdigits == 1)
        frac *= 10;
    if (*s == '%')
        s++;
    if (*s || digits == 0 || whole * 100 + frac > 10000)
        return -1;
    return (int)(whole * 100 + frac);
}

/* An option's value: the next argument. */
static const char *option_value(int argc, char **argv, int *i)
{
    return *i + 1 < argc ? argv[++*i] : NULL;
}

/* Returns -1 when the options are fine, else the exit status. */
static int parse_args(int argc, char **argv, run_opts *o)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--explain") == 0) {
            o->explain = true;
        } else if (strcmp(a, "--as-of") == 0 && (v = option_value(argc, argv, &i))) {
            if (!cr_date_parse(v, strlen(v), &o->today)) {
                fprintf(stderr, "credo run: --as-of %s is not a date YYYY-MM-DD\n", v);
                return 2;
            }
        } else if (strcmp(a, "--budget") == 0 && (v = option_value(argc, argv, &i))) {
            char *end;
            unsigned long long n = strtoull(v, &end, 10);
            if (*end || n == 0) {
                fprintf(stderr, "credo run: --budget needs a positive number\n");
                return 2;
            }
            o->limits.max_instructions = n;
        } else if (strcmp(a, "--log") == 0 && (v = option_value(argc, argv, &i))) {
            o->log = v;
        } else if ((strcmp(a, "--challenger") == 0 || strcmp(a, "--shadow") == 0) &&
                   (v = option_value(argc, argv, &i))) {
            if (o->second) {
                fprintf(stderr, "credo run: give one of --challenger and --shadow, once\n");
                return 2;
            }
            o->second = v;
            o->shadow = a[2] == 's';
        } else if (strcmp(a, "--share") == 0 && (v = option_value(argc, argv, &i))) {
            if ((o->share_bp = parse_share(v)) < 0) {
                fprintf(stderr, "credo run: --share %s is not a share from 0%% to 100%%, e.g. 10%%\n", v);
                return 2;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "credo run: unknown option %s\n", a);
            return cr_cli_usage(usage_run, 2);
        } else if (o->nfiles < 2) {
            o->files[o->nfiles++] = a;
        } else {
            return cr_cli_usage(usage_run, 2);
        }
    }
    if (o->nfiles == 0)
        return cr_cli_usage(usage_run, 2);
    if (o->second && !o->shadow && o->share_bp < 0) {
        fprintf(stderr, "credo run: --challenger needs --share, e.g. --share 10%%\n");
        return 2;
    }
    if (o->share_bp >= 0 && (!o->second || o->shadow)) {
        fprintf(stderr, "credo run: --share goes with --challenger\n");
        return 2;
    }
    if (o->shadow && !o->log) {
        fprintf(stderr, "credo run: --shadow needs --log: its decisions go only to the log\n");
        return 2;
    }
    return -1;
}

/* ---- reading lines ------------------------------------------------------------ */

/* Lines from a file descriptor.  Not stdio: with a log we must know
 * whether the next line is already there, to commit before waiting. */
typedef struct line_reader {
    int fd;
    char *buf;
    size_t start, end, scan, cap;  /* unread bytes [start, end); no '\n' in [start, scan) */
    bool eof;
    int err;                       /* errno of a failed read */
} line_reader;

static void reader_fill(line_reader *r)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->scan -= r->start;
        r->start = 0;
    }
    if (r->end == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1 << 16;
        char *p = realloc(r->buf, cap);
        if (!p) {
            r->err = ENOMEM;
            return;
        }
        r->buf = p;
        r->cap = cap;
    }
    ssize_t n;
    do
        n = read(r->fd, r->buf + r->end, r->cap - r->end);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        r->err = errno;
    else if (n == 0)
        r->eof = true;
    else
        r->end += (size_t)n;
}

/* The next line, its terminator included when there is one: true, or
 * false at the end of the input or on a read error (r->err).  The line
 * stays valid until the next call. */
static bool reader_next(line_reader *r, const char **line, size_t *len)
{
    for (;;) {
        char *nl = r->scan < r->end ? memchr(r->buf + r->scan, '\n', r->end - r->scan) : NULL;
        if (nl) {
            *line = r->buf + r->start;
            *len = (size_t)(nl + 1 - *line);
            r->start = r->scan = r->start + *len;
            return true;
        }
        r->scan = r->end;
        if (r->eof || r->err) {
            if (r->err || r->end == r->start)
                return false;
            *line = r->buf + r->start;     /* the last line, without a newline */
            *len = r->end - r->start;
            r->start = r->scan = r->end;
            return true;
        }
        reader_fill(r);
    }
}

/* Would reader_next return without waiting for more input? */
static bool reader_ready(line_reader *r)
{
    if (r->eof || r->err || memchr(r->buf + r->start, '\n', r->end - r->start))
        return true;
    struct pollfd p = {.fd = r->fd, .events = POLLIN};
    return poll(&p, 1, 0) != 0;   /* readable, closed or failed: no wait */
}

/* ---- the run ------------------------------------------------------------------ */

enum { BATCH_LINES = 1000, BATCH_BYTES = 4 << 20 };
#define BATCH_SECONDS 1.0

typedef struct runner {
    const run_opts *o;
    cr_program *champion, *second;
    cr_session *s, *s2;
    cr_dlog *log;
    char as_of[16];
    cr_buf out;                  /* the current line's decision */
    cr_buf out2;                 /* its shadow decision */
    cr_buf reasons, fired;       /* log columns of the current row */
    cr_buf pending;              /* stdout lines of the batch, until its commit */
    uint32_t batch_lines;
    struct timespec batch_start;
    uint64_t batch_added, batch_skipped;
    uint64_t added, skipped, unlogged;
    uint64_t conflicts;          /* skipped, but logged from another line */
    uint64_t bad;                /* ERROR lines on stdout */
} runner;

/* A stable share: the same app_id goes the same way in every run, on
 * every machine, whatever else is in the input. */
static bool in_share(const char *app_id, size_t len, int share_bp)
{
    SHA2_CTX ctx;
    uint8_t d[SHA256_DIGEST_LENGTH];
    SHA256Init(&ctx);
    SHA256Update(&ctx, (const uint8_t *)app_id, len);
    SHA256Final(d, &ctx);
    uint64_t h = 0;
    for (int i = 0; i < 8; i++)
        h = h << 8 | d[i];
    return h % 10000 < (uint64_t)share_bp;
}

static void json_codes(cr_buf *b, const cr_session *s)
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

/* Adds one decision (the line in out) to the log's open batch. */
static bool log_decision(runner *r, const cr_session *s, const cr_cli_decided *d, const char *line, size_t len,
                         const char *by, const cr_buf *out)
{
    if (!d->app_id) {
        /* nothing to find it by, nothing to deduplicate on; counted once
         * per line, not again for its shadow */
        if (strcmp(by, "shadow") != 0)
            r->unlogged++;
        return true;
    }
    r->reasons.len = r->fired.len = 0;
    if (d->ok) {
        cr_buf_json_value(&r->reasons, s->reasons, NULL);
        json_codes(&r->fired, s);
    } else {
        cr_buf_puts(&r->reasons, "[]");
        cr_buf_puts(&r->fired, "[]");
    }
    if (r->reasons.failed || r->fired.failed) {
        fprintf(stderr, "credo run: %s: out of memory\n", r->o->log);
        return false;
    }
    cr_dlog_entry e = {
        .app_id = d->app_id, .app_id_len = d->app_id_len,
        .policy_sha256 = s->prog->sha256, .as_of = r->as_of,
        .application = line, .application_len = len,
        .outcome = d->ok ? cr_outcome_name(s->outcome) : "ERROR",
        .reasons = r->reasons.p, .reasons_len = r->reasons.len,
        .results = out->p, .results_len = out->len - 1,   /* without the newline */
        .fired = r->fired.p, .fired_len = r->fired.len,
        .decided_by = by,
    };
    int rc = cr_dlog_append(r->log, &e);
    if (rc < 0) {
        fprintf(stderr, "credo run: %s\n", cr_dlog_errmsg(r->log));
        return false;
    }
    if (rc == 1)
        r->batch_added++;
    else
        r->batch_skipped++;
    if (rc == 2 && r->conflicts++ < 10)
        fprintf(stderr,
                "credo run: %s: warning: app_id %.*s was already logged (%s, as of %s) from a different"
                " application line; the log keeps the first\n",
                r->o->log, (int)d->app_id_len, d->app_id, by, r->as_of);
    return true;
}

static double seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* Commits the batch, then (and only then) writes its lines. */
static bool commit_batch(runner *r)
{
    if (!cr_dlog_commit(r->log)) {
        fprintf(stderr, "credo run: %s\n", cr_dlog_errmsg(r->log));
        return false;
    }
    r->added += r->batch_added;
    r->skipped += r->batch_skipped;
    r->batch_added = r->batch_skipped = 0;
    fwrite(r->pending.p, 1, r->pending.len, stdout);
    fflush(stdout);
    r->pending.len = 0;
    r->batch_lines = 0;
    return true;
}

static bool batch_due(runner *r, line_reader *in)
{
    if (r->batch_lines == 0)
        return false;
    return r->batch_lines >= BATCH_LINES || r->pending.len >= BATCH_BYTES ||
           seconds_since(&r->batch_start) >= BATCH_SECONDS || !reader_ready(in);
}

/* Decides one line, logs it and queues or writes its output. */
static bool run_line(runner *r, const char *line, size_t len, uint64_t lineno)
{
    const run_opts *o = r->o;
    cr_cli_decided d;
    cr_session *s = r->s;
    const char *by = "champion";
    r->out.len = 0;
    cr_cli_decide(s, line, len, lineno, o->explain, &r->out, &d);
    if (r->second && !o->shadow) {
        if (d.app_id && in_share(d.app_id, d.app_id_len, o->share_bp)) {
            s = r->s2;
            by = "challenger";
            r->out.len = 0;
            cr_cli_decide(s, line, len, lineno, o->explain, &r->out, &d);
        }
        cr_cli_tag_policy(&r->out, 0, s->prog);
    }
    if (!d.ok)
        r->bad++;
    if (!r->log) {
        fwrite(r->out.p, 1, r->out.len, stdout);
        return true;
    }
    if (!log_decision(r, s, &d, line, len, by, &r->out))
        return false;
    if (o->shadow) {
        cr_cli_decided d2;
        r->out2.len = 0;
        cr_cli_decide(r->s2, line, len, lineno, o->explain, &r->out2, &d2);
        cr_cli_tag_policy(&r->out2, 0, r->second);
        if (!log_decision(r, r->s2, &d2, line, len, "shadow", &r->out2))
            return false;
    }
    if (r->batch_lines++ == 0)
        clock_gettime(CLOCK_MONOTONIC, &r->batch_start);
    cr_buf_put(&r->pending, r->out.p, r->out.len);
    if (r->pending.failed) {
        fprintf(stderr, "credo run: out of memory\n");
        return false;
    }
    return true;
}

static void print_summary(const runner *r)
{
    fprintf(stderr, "credo run: %s: %llu decisions logged, %llu already logged (skipped)", r->o->log,
            (unsigned long long)r->added, (unsigned long long)r->skipped);
    if (r->conflicts)
        fprintf(stderr, ", %llu of them from a different application line", (unsigned long long)r->conflicts);
    if (r->unlogged)
        fprintf(stderr, ", %llu lines without an app_id not logged", (unsigned long long)r->unlogged);
    fputc('\n', stderr);
}

/* Reads and decides every line.  Returns 0, or 1 when the input or the
 * log failed. */
static int run_lines(runner *r, line_reader *in)
{
    const char *line;
    size_t n;
    uint64_t lineno = 0;
    while (reader_next(in, &line, &n)) {
        lineno++;
        size_t len = n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (!run_line(r, line, len, lineno))
            return 1;
        if (r->log && batch_due(r, in) && !commit_batch(r))
            return 1;
    }
    if (r->log && !commit_batch(r))
        return 1;
    if (in->err) {
        fprintf(stderr, "credo run: error reading input after line %llu: %s\n", (unsigned long long)lineno,
                strerror(in->err));
        return 1;
    }
    return 0;
}

static cr_session *new_session(const cr_program *p, const run_opts *o)
{
    cr_session *s = cr_session_new(p, &o->limits);
    if (!s)
        fprintf(stderr, "credo run: out of memory\n");
    else
        s->today = o->today;
    return s;
}

/* Policies and sessions; false (with the reason printed) when something
 * cannot be set up. */
static bool setup(runner *r, const run_opts *o)
{
    int errors = 0;
    r->o = o;
    cr_date_format(o->today, r->as_of);
    if (!(r->champion = cr_cli_load_policy(o->files[0], true, &errors)))
        return false;
    if (o->second && !(r->second = cr_cli_load_policy(o->second, true, &errors)))
        return false;
    return (r->s = new_session(r->champion, o)) && (!r->second || (r->s2 = new_session(r->second, o)));
}

/* Opened after the input, so a run that cannot read its input leaves no
 * new log behind. */
static bool open_log(runner *r, const run_opts *o)
{
    char err[600];
    if (!(r->log = cr_dlog_open(o->log, CR_DLOG_APPEND, err, sizeof err))) {
        fprintf(stderr, "credo run: %s\n", err);
        return false;
    }
    if (!cr_dlog_add_policy(r->log, r->champion) || (r->second && !cr_dlog_add_policy(r->log, r->second))) {
        fprintf(stderr, "credo run: %s\n", cr_dlog_errmsg(r->log));
        return false;
    }
    return true;
}

static void teardown(runner *r)
{
    cr_dlog_close(r->log);   /* rolls back a batch a failure left open */
    cr_buf_free(&r->out);
    cr_buf_free(&r->out2);
    cr_buf_free(&r->reasons);
    cr_buf_free(&r->fired);
    cr_buf_free(&r->pending);
    cr_session_free(r->s);
    cr_session_free(r->s2);
    cr_program_free(r->champion);
    cr_program_free(r->second);
}

int cr_cmd_run(int argc, char **argv)
{
    if (cr_cli_want_help(argc, argv))
        return cr_cli_usage(usage_run, 0);
    run_opts o = {.today = cr_cli_today(), .limits = CR_SESSION_LIMITS_DEFAULT, .share_bp = -1};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    runner r = {0};
    line_reader in = {.fd = STDIN_FILENO};
    if (!setup(&r, &o)) {
        teardown(&r);
        return 1;
    }
    if (o.nfiles == 2 && strcmp(o.files[1], "-") != 0) {
        in.fd = open(o.files[1], O_RDONLY | O_CLOEXEC);
        if (in.fd < 0) {
            fprintf(stderr, "credo run: cannot read %s: %s\n", o.files[1], strerror(errno));
            teardown(&r);
            return 1;
        }
    }
    if (o.log && !open_log(&r, &o)) {
        if (in.fd != STDIN_FILENO)
            close(in.fd);
        teardown(&r);
        return 1;
    }
    rc = run_lines(&r, &in);
    if (r.log)
        print_summary(&r);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "credo run: cannot write decisions: %s\n", strerror(errno));
        rc = 1;
    }
    free(in.buf);
    if (in.fd != STDIN_FILENO)
        close(in.fd);
    teardown(&r);
    return rc ? rc : r.bad ? 3 : 0;
}
