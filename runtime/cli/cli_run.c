/* credo run: JSON lines in, one decision per line out, in input order.
 *
 * With --log the decisions are also recorded in a decision log
 * (decision_log.h), every line: what stdout says is what the log holds.
 * The log is the record: a decision counts as made once its batch is
 * committed, so the batch's lines go to stdout only after the commit.  A
 * batch ends after 10,000 lines, after a second, or as soon as the input has
 * no complete line ready, so a caller feeding one application at a time
 * gets each answer at once.  After a crash, stdout may lack the lines of
 * the last committed batch; running the same input again (without
 * --as-of: as of the date the cut-short run recorded) writes every line
 * and adds only the rows the log lacks. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <sys/stat.h>

#include "runtime/cli/cli.h"
#include "runtime/core/date.h"
#include "runtime/decide.h"
#include "runtime/io/decision_json.h"
#include "runtime/audit/decision_log.h"
#include "runtime/audit/dlog_writer.h"
#include "runtime/io/json_read.h"
#include "runtime/core/limit.h"
#include "runtime/core/sha256.h"
#include "runtime/vm/vm.h"

static const char usage_run[] =
    "usage: credo run [options] POLICY [INPUT]\n"
    "\n"
    "POLICY is a policy file, a compiled .credoc, or a folder holding versions\n"
    "of one policy: the version in effect on the as-of date (the latest\n"
    "effective date not after it) decides.\n"
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
    "  --budget N          instructions allowed per application (default 1000000,\n"
    "                      at most 1000000000); built-ins count the items and\n"
    "                      64-byte blocks of text they read\n"
    "  --deadline-ms N     wall-clock milliseconds allowed per application (default:\n"
    "                      none, at most 60000); past it, that application is an\n"
    "                      ERROR line \"deadline of N ms exceeded\"\n"
    "  --max-memory SIZE   memory allowed per application (default 64M, at most 1G;\n"
    "                      SIZE in bytes or with K, M or G)\n"
    "  --max-line SIZE     longest input line (default 16M, at most 64M); a longer\n"
    "                      line is an ERROR line and the run goes on\n"
    "  --log FILE          record every decision in FILE, an SQLite decision log\n"
    "                      (created when missing; check it with credo audit).  A line\n"
    "                      is written to stdout once its batch is committed to the\n"
    "                      log (every 10000 lines, every second, or when the input\n"
    "                      pauses).  A decision already logged (same app_id, policy,\n"
    "                      as-of date and role, from the same application line and\n"
    "                      reference data, written the same) is not logged twice;\n"
    "                      one that differs is logged as a new row superseding the\n"
    "                      old.  Without --as-of, a run over the same policy and\n"
    "                      INPUT file as a run that was cut short resumes it, as of\n"
    "                      the date that run recorded.  A summary goes to stderr.\n"
    "  --log-key KEYFILE   a new log is keyed: every row's hash is an HMAC-SHA256\n"
    "                      with the bytes of KEYFILE (at least 32: head -c 32\n"
    "                      /dev/urandom > KEYFILE); a keyed log needs its key to be\n"
    "                      appended to or verified\n"
    "  --log-sign KEY.pem  sign a checkpoint of the log's head with this Ed25519\n"
    "                      private key (credo keygen) every 10000 decisions and at\n"
    "                      the end of the run\n"
    "  --challenger FILE   the policy FILE decides a stable share of the applications,\n"
    "                      chosen by a hash of app_id; every line then also carries\n"
    "                      \"policy\" and \"version\" (the policy that decided)\n"
    "  --share P%          the challenger's share, 0% to 100% (e.g. 10% or 2.5%)\n"
    "  --sticky-key FIELD  choose the challenger's share by a hash of this field\n"
    "                      (e.g. customer_id) instead of app_id, so an applicant\n"
    "                      who applies again stays with the same policy; an\n"
    "                      application without it goes to the champion\n"
    "  --shadow FILE       the policy FILE also decides every application; its\n"
    "                      decisions go to the log only (needs --log), stdout is\n"
    "                      unchanged\n"
    "  -j N, --jobs N      decide with N threads; the output keeps the input order\n"
    "                      and is byte for byte the same as with one thread\n"
    "  --db FILE           read the applications from the SQLite database FILE\n"
    "                      (opened read-only), one row each: with --table NAME\n"
    "                      every row of a table, with --query \"SELECT ...\" the\n"
    "                      rows of a query.  Column names are field names; INTEGER\n"
    "                      and REAL columns are numbers (REAL as SQLite writes it,\n"
    "                      15 digits: keep money as TEXT or INTEGER to be exact),\n"
    "                      TEXT holding a JSON list or object ([...] or {...}) is\n"
    "                      taken as JSON, other TEXT as text, NULL as null\n"
    "  --out-db FILE       also write each decision into an SQLite table (app_id,\n"
    "                      line, decision, decision_json); created if missing\n"
    "  --out-table NAME    that table's name (default decisions)\n"
    "  --summary           counts by outcome, errors and decisions per second on\n"
    "                      stderr at the end (also when stderr is a terminal, with a\n"
    "                      progress line while reading a file)\n"
    "\n"
    "exit status: 0 every line decided, 1 the policy does not compile, the\n"
    "input cannot be read or the log cannot be written, 2 usage, 3 finished\n"
    "with at least one ERROR line.\n";

/* ---- the challenger's tag (shared with credo serve and the replay of credo audit) ---- */

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
    size_t max_line;             /* bytes of one input line, without its newline */
    const char *log;
    const char *log_key, *log_sign;      /* the log's HMAC key file, its signing key */
    bool as_of_given;
    const char *second;          /* the challenger or shadow policy */
    bool shadow;
    int share_bp;                /* challenger share in basis points, -1 unset */
    const char *sticky_key;      /* the field that chooses the arm; NULL: app_id */
    int jobs;                    /* worker threads */
    const char *db, *table, *query;      /* applications from SQLite */
    const char *out_db, *out_table;      /* decisions into SQLite */
    bool summary;
} run_opts;

/* -j N, --jobs N, -jN: a number of threads. */
static bool parse_jobs(const char *v, int *jobs)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n < 1 || n > 256) {
        fprintf(stderr, "credo run: -j needs a number of threads from 1 to 256\n");
        return false;
    }
    *jobs = (int)n;
    return true;
}

/* --max-memory and --max-line: a size up to its maximum. */
static bool parse_size_option(const char *name, const char *v, uint64_t max, uint64_t *out)
{
    char m[32];
    if (!cr_size_parse(v, out) || *out == 0) {
        fprintf(stderr, "credo run: %s needs a size in bytes, or with K, M or G (e.g. 64M)\n", name);
        return false;
    }
    if (*out > max) {
        fprintf(stderr, "credo run: %s %s is more than the maximum, %s\n", name, v, cr_size_text(max, m, sizeof m));
        return false;
    }
    return true;
}

enum {
    OPT_EXPLAIN = 256, OPT_AS_OF, OPT_BUDGET, OPT_MAX_MEMORY, OPT_MAX_LINE, OPT_LOG, OPT_LOG_KEY, OPT_LOG_SIGN,
    OPT_CHALLENGER, OPT_SHADOW, OPT_SHARE, OPT_STICKY_KEY, OPT_DEADLINE_MS, OPT_DB, OPT_TABLE, OPT_QUERY, OPT_OUT_DB, OPT_OUT_TABLE, OPT_SUMMARY
};

static const struct option run_longopts[] = {
    {"explain", no_argument, NULL, OPT_EXPLAIN},          {"as-of", required_argument, NULL, OPT_AS_OF},
    {"budget", required_argument, NULL, OPT_BUDGET},      {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
    {"max-line", required_argument, NULL, OPT_MAX_LINE},  {"log", required_argument, NULL, OPT_LOG},
    {"log-key", required_argument, NULL, OPT_LOG_KEY},    {"log-sign", required_argument, NULL, OPT_LOG_SIGN},
    {"challenger", required_argument, NULL, OPT_CHALLENGER}, {"shadow", required_argument, NULL, OPT_SHADOW},
    {"share", required_argument, NULL, OPT_SHARE},        {"jobs", required_argument, NULL, 'j'},
    {"sticky-key", required_argument, NULL, OPT_STICKY_KEY}, {"deadline-ms", required_argument, NULL, OPT_DEADLINE_MS},
    {"db", required_argument, NULL, OPT_DB},              {"table", required_argument, NULL, OPT_TABLE},
    {"query", required_argument, NULL, OPT_QUERY},        {"out-db", required_argument, NULL, OPT_OUT_DB},
    {"out-table", required_argument, NULL, OPT_OUT_TABLE}, {"summary", no_argument, NULL, OPT_SUMMARY},
    {NULL, 0, NULL, 0}};

/* One option and its value v; false (the reason on stderr) when it is wrong. */
static bool parse_option(int c, const char *v, run_opts *o)
{
    uint64_t n;
    switch (c) {
    case OPT_EXPLAIN: o->explain = true; return true;
    case OPT_AS_OF:
        if (!cr_date_parse(v, strlen(v), &o->today)) {
            fprintf(stderr, "credo run: --as-of %s is not a date YYYY-MM-DD\n", v);
            return false;
        }
        o->as_of_given = true;
        return true;
    case OPT_BUDGET: return cr_cli_parse_budget("run", v, &o->limits.max_instructions);
    case OPT_DEADLINE_MS: return cr_cli_parse_deadline("run", v, &o->limits.deadline_ms);
    case OPT_MAX_MEMORY:
        if (!parse_size_option("--max-memory", v, CR_MAX_MEMORY_MAX, &n))
            return false;
        o->limits.max_memory = (size_t)n;
        return true;
    case OPT_MAX_LINE:
        if (!parse_size_option("--max-line", v, CR_MAX_LINE_MAX, &n))
            return false;
        o->max_line = (size_t)n;
        return true;
    case OPT_LOG: o->log = v; return true;
    case OPT_LOG_KEY: o->log_key = v; return true;
    case OPT_LOG_SIGN: o->log_sign = v; return true;
    case OPT_CHALLENGER:
    case OPT_SHADOW:
        if (o->second) {
            fprintf(stderr, "credo run: give one of --challenger and --shadow, once\n");
            return false;
        }
        o->second = v;
        o->shadow = c == OPT_SHADOW;
        return true;
    case OPT_SHARE:
        if ((o->share_bp = cr_cli_parse_share(v)) < 0) {
            fprintf(stderr, "credo run: --share %s is not a share from 0%% to 100%%, e.g. 10%%\n", v);
            return false;
        }
        return true;
    case OPT_STICKY_KEY: o->sticky_key = v; return true;
    case 'j': return parse_jobs(v, &o->jobs);
    case OPT_DB: o->db = v; return true;
    case OPT_TABLE: o->table = v; return true;
    case OPT_QUERY: o->query = v; return true;
    case OPT_OUT_DB: o->out_db = v; return true;
    case OPT_OUT_TABLE: o->out_table = v; return true;
    case OPT_SUMMARY: o->summary = true; return true;
    default: return false;   /* '?': cr_cli_getopt said why */
    }
}

/* Returns -1 when the options are fine, else the exit status. */
static int parse_args(int argc, char **argv, run_opts *o)
{
    int c;
    while ((c = cr_cli_getopt("run", argc, argv, "j:", run_longopts)) != -1)
        if (!parse_option(c, optarg, o))
            return 2;
    for (int i = cr_cli_optind(); i < argc; i++) {
        if (o->nfiles == 2)
            return cr_cli_usage_error("run", "one POLICY and one INPUT ('%s' is one too many)", argv[i]);
        o->files[o->nfiles++] = argv[i];
    }
    if (o->nfiles == 0)
        return cr_cli_usage_error("run", "no POLICY given");
    if (o->db && o->nfiles > 1) {
        fprintf(stderr, "credo run: give the applications as INPUT or with --db, not both\n");
        return 2;
    }
    if (o->db && !o->table == !o->query) {
        fprintf(stderr, "credo run: --db needs --table NAME or --query \"SELECT ...\"\n");
        return 2;
    }
    if ((o->table || o->query) && !o->db) {
        fprintf(stderr, "credo run: --table and --query go with --db FILE\n");
        return 2;
    }
    if (o->out_table && !o->out_db) {
        fprintf(stderr, "credo run: --out-table goes with --out-db FILE\n");
        return 2;
    }
    if (o->second && !o->shadow && o->share_bp < 0) {
        fprintf(stderr, "credo run: --challenger needs --share, e.g. --share 10%%\n");
        return 2;
    }
    if (o->share_bp >= 0 && (!o->second || o->shadow)) {
        fprintf(stderr, "credo run: --share goes with --challenger\n");
        return 2;
    }
    if (o->sticky_key && (!o->second || o->shadow)) {
        fprintf(stderr, "credo run: --sticky-key goes with --challenger\n");
        return 2;
    }
    if (o->shadow && !o->log) {
        fprintf(stderr, "credo run: --shadow needs --log: its decisions go only to the log\n");
        return 2;
    }
    if ((o->log_key || o->log_sign) && !o->log) {
        fprintf(stderr, "credo run: --log-key and --log-sign go with --log FILE\n");
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
    size_t max;                    /* longest line, without its '\n'; 0: no limit */
    bool skipping;                 /* dropping the rest of a line longer than max */
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
 * stays valid until the next call.  A line longer than r->max is not kept:
 * it is read to its end and given as *line NULL, *len 0. */
static bool reader_next(line_reader *r, const char **line, size_t *len)
{
    for (;;) {
        char *nl = r->scan < r->end ? memchr(r->buf + r->scan, '\n', r->end - r->scan) : NULL;
        if (nl) {
            *line = r->buf + r->start;
            *len = (size_t)(nl + 1 - *line);
            r->start = r->scan = r->start + *len;
            if (r->skipping || (r->max && *len - 1 > r->max)) {
                r->skipping = false;
                *line = NULL;
                *len = 0;
            }
            return true;
        }
        r->scan = r->end;
        if (r->max && r->end - r->start > r->max) {
            r->skipping = true;            /* too long: drop what is read so far */
            r->start = r->scan = r->end;
        }
        if (r->eof || r->err) {
            if (r->err || (r->end == r->start && !r->skipping))
                return false;
            *line = r->buf + r->start;     /* the last line, without a newline */
            *len = r->end - r->start;
            r->start = r->scan = r->end;
            if (r->skipping) {
                r->skipping = false;
                *line = NULL;
                *len = 0;
            }
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

/* ---- where the applications come from ---------------------------------------- */

/* JSON lines from a file or stdin, or the rows of an SQLite table or query
 * turned into the JSON objects a decision system would send. */
typedef struct source {
    line_reader lr;
    sqlite3 *db;
    sqlite3_stmt *st;
    cr_buf row;
    const char *db_name;
    const cr_record *schema;     /* to read SQLite's 0/1 as a bool field's false/true */
    bool done;
    int db_err;                  /* an SQLite step failed */
    /* progress: bytes of a regular input file read so far */
    off_t size;
} source;

static bool db_text_is_json(const unsigned char *t, int n)
{
    while (n > 0 && (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')) {
        t++;
        n--;
    }
    return n > 0 && (*t == '[' || *t == '{');
}

/* One row as a JSON object, field names from the columns. */
static void row_json(source *src)
{
    sqlite3_stmt *st = src->st;
    cr_buf *b = &src->row;
    b->len = 0;
    cr_buf_put(b, "{", 1);
    int n = sqlite3_column_count(st);
    for (int i = 0; i < n; i++) {
        const char *name = sqlite3_column_name(st, i);
        if (i)
            cr_buf_put(b, ",", 1);
        cr_buf_json_string(b, name, strlen(name));
        cr_buf_put(b, ":", 1);
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_NULL:
            cr_buf_puts(b, "null");
            break;
        case SQLITE_INTEGER: {
            /* SQLite has no booleans: 0 and 1 in a bool field are false and true */
            int f = cr_record_find(src->schema, name, strlen(name));
            sqlite3_int64 v = sqlite3_column_int64(st, i);
            if (f >= 0 && src->schema->fields[f].type->kind == CR_T_BOOL && (v == 0 || v == 1)) {
                cr_buf_puts(b, v ? "true" : "false");
                break;
            }
            cr_buf_puts(b, (const char *)sqlite3_column_text(st, i));
            break;
        }
        case SQLITE_FLOAT:
            cr_buf_puts(b, (const char *)sqlite3_column_text(st, i));
            break;
        default: {
            const unsigned char *t = sqlite3_column_text(st, i);
            int len = sqlite3_column_bytes(st, i);
            if (db_text_is_json(t, len))
                cr_buf_put(b, (const char *)t, (size_t)len);
            else
                cr_buf_json_string(b, (const char *)t, (size_t)len);
        }
        }
    }
    cr_buf_put(b, "}", 1);
}

static bool source_next(source *src, const char **line, size_t *len)
{
    if (!src->db)
        return reader_next(&src->lr, line, len);
    if (src->done)
        return false;
    int rc = sqlite3_step(src->st);
    if (rc == SQLITE_ROW) {
        row_json(src);
        if (src->row.failed) {
            src->db_err = SQLITE_NOMEM;
            src->done = true;
            return false;
        }
        *line = src->row.p;
        *len = src->row.len;
        if (src->lr.max && src->row.len > src->lr.max) {
            *line = NULL;   /* as an over-long input line */
            *len = 0;
        }
        return true;
    }
    src->done = true;
    if (rc != SQLITE_DONE)
        src->db_err = rc;
    return false;
}

static bool source_ready(source *src)
{
    return src->db ? true : reader_ready(&src->lr);
}

static bool open_db_source(source *src, const run_opts *o)
{
    src->db_name = o->db;
    if (sqlite3_open_v2(o->db, &src->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "credo run: %s: %s\n", o->db, src->db ? sqlite3_errmsg(src->db) : "cannot open");
        return false;
    }
    sqlite3_busy_timeout(src->db, 5000);
    char *sql = o->query ? NULL : sqlite3_mprintf("SELECT * FROM \"%w\"", o->table);
    int rc = sqlite3_prepare_v2(src->db, o->query ? o->query : sql, -1, &src->st, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "credo run: %s: %s\n", o->db, sqlite3_errmsg(src->db));
        return false;
    }
    if (!sqlite3_stmt_readonly(src->st)) {
        fprintf(stderr, "credo run: %s: --query must only read (a SELECT)\n", o->db);
        return false;
    }
    return true;
}

static void close_source(source *src)
{
    sqlite3_finalize(src->st);
    sqlite3_close(src->db);
    cr_buf_free(&src->row);
    free(src->lr.buf);
}

/* ---- the run ------------------------------------------------------------------ */

/* A commit costs an fsync (2 ms on this project's build machine): 10,000
 * lines a batch keep that under a tenth of logging's time, and a second
 * at most keeps answers coming to a caller that feeds lines slowly. */
enum { BATCH_LINES = 10000, BATCH_BYTES = 4 << 20 };
#define BATCH_SECONDS 1.0

/* What deciding one line left for the in-order part (log, output): all of
 * it copied out of the session into its decider's buffer, as offsets. */
typedef struct line_rec {
    size_t out, out_len;          /* the stdout line */
    size_t app, app_len;          /* app_id */
    bool has_app, ok;
    const cr_program *prog;       /* the policy that decided */
    uint8_t outcome;
    size_t reasons, reasons_len, fired, fired_len;
    /* the shadow's decision, for the log only */
    bool has_shadow, ok2;
    uint8_t outcome2;
    size_t out2, out2_len, reasons2, reasons2_len, fired2, fired2_len;
} line_rec;

/* A thread's own sessions and the buffer its decisions are written to. */
typedef struct decider {
    cr_session *s, *s2;
    cr_buf buf;
    /* the lines it decides in a parallel chunk */
    const char **lines;
    size_t *lens;
    uint64_t first_lineno;
    line_rec *recs;
    uint32_t count;
    bool failed;
} decider;

typedef struct runner {
    const run_opts *o;
    cr_program *champion, *second;
    decider *deciders;           /* o->jobs of them */
    int ndeciders;
    cr_dlog *log;
    cr_dlog_writer *writer;      /* appends and commits on a thread of its own */
    cr_dlog_writer_stats logged;
    uint64_t noted;              /* superseding rows told on stderr (the writer's) */
    bool log_failed;             /* the writer's failure was told */
    char data_champion[CR_DLOG_HASH_LEN + 1], data_second[CR_DLOG_HASH_LEN + 1];   /* their reference data */
    /* the run record: the policy and input as absolute paths, the input's
     * SHA-256 when it is a regular file, the run it resumes */
    char policy_abs[PATH_MAX], input_abs[PATH_MAX], input_sha[CR_DLOG_HASH_LEN + 1];
    char resumed_policy[CR_DLOG_HASH_LEN + 1];
    int64_t run_id, resumed_run;
    char as_of[16];
    cr_buf pending;              /* stdout lines of the batch, until its commit */
    uint32_t batch_lines;
    struct timespec batch_start, started;
    uint64_t bad;                /* ERROR lines on stdout */
    uint64_t lines, by_outcome[3];
    /* decisions into SQLite */
    sqlite3 *out_db;
    sqlite3_stmt *out_insert;
    uint64_t out_rows;
    /* progress */
    bool progress;
    double last_progress;
    int out_err;                 /* errno of the first failed write to stdout */
} runner;

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

/* The log's columns of a decision, appended to the decider's buffer. */
static void log_columns(decider *w, const cr_session *s, bool ok, size_t *reasons, size_t *reasons_len, size_t *fired,
                        size_t *fired_len)
{
    *reasons = w->buf.len;
    if (ok)
        cr_buf_json_value(&w->buf, s->reasons, NULL);
    else
        cr_buf_puts(&w->buf, "[]");
    *reasons_len = w->buf.len - *reasons;
    *fired = w->buf.len;
    if (ok)
        json_codes(&w->buf, s);
    else
        cr_buf_puts(&w->buf, "[]");
    *fired_len = w->buf.len - *fired;
}

/* Decides one line into w->buf: the part that may run on any thread. */
static void decide_line(const runner *r, decider *w, const char *line, size_t len, uint64_t lineno, line_rec *rec)
{
    const run_opts *o = r->o;
    const cr_decide_opts how = {.line = lineno, .explain = o->explain};
    cr_decided d;
    bool ok = false;
    const char *app_id = NULL;
    size_t app_id_len = 0;
    cr_session *s = w->s;
    memset(rec, 0, sizeof *rec);
    rec->out = w->buf.len;
    if (!line) {
        /* longer than --max-line: the reader kept none of it */
        char what[64], size[32];
        snprintf(what, sizeof what, "line: longer than %s", cr_size_text(o->max_line, size, sizeof size));
        cr_write_error_keyed(&w->buf, s->prog, NULL, 0, false, lineno, what);
    } else {
        /* --sticky-key: the arm is chosen before deciding, from the key */
        const char *key;
        size_t key_len;
        if (o->sticky_key && cr_cli_sticky_value(line, len, o->sticky_key, &key, &key_len) &&
            cr_cli_in_share(key, key_len, o->share_bp))
            s = w->s2;
        ok = cr_decide(s, line, len, &w->buf, &how, &d);
        if (r->second && !o->shadow && !o->sticky_key && d.app_id &&
            cr_cli_in_share(d.app_id, d.app_id_len, o->share_bp)) {
            s = w->s2;
            w->buf.len = rec->out;
            ok = cr_decide(s, line, len, &w->buf, &how, &d);
        }
        app_id = d.app_id;
        app_id_len = d.app_id_len;
    }
    if (r->second && !o->shadow)
        cr_cli_tag_policy(&w->buf, rec->out, s->prog);
    rec->out_len = w->buf.len - rec->out;
    rec->ok = ok;
    rec->prog = s->prog;
    rec->outcome = (uint8_t)s->outcome;
    rec->has_app = app_id != NULL;
    rec->app = w->buf.len;
    if (app_id)
        cr_buf_put(&w->buf, app_id, app_id_len);
    rec->app_len = w->buf.len - rec->app;
    if (r->log)
        log_columns(w, s, ok, &rec->reasons, &rec->reasons_len, &rec->fired, &rec->fired_len);
    if (o->shadow && line) {
        cr_decided d2;
        rec->has_shadow = true;
        rec->out2 = w->buf.len;
        rec->ok2 = cr_decide(w->s2, line, len, &w->buf, &how, &d2);
        cr_cli_tag_policy(&w->buf, rec->out2, r->second);
        rec->out2_len = w->buf.len - rec->out2;
        rec->outcome2 = (uint8_t)w->s2->outcome;
        log_columns(w, w->s2, rec->ok2, &rec->reasons2, &rec->reasons2_len, &rec->fired2, &rec->fired2_len);
    }
}

/* Adds one decision to the log's open batch: every line, those without
 * an app_id (ERROR lines) too, so that the log holds what stdout says. */
static bool log_decision(runner *r, const decider *w, const line_rec *rec, bool shadow, const char *line, size_t len)
{
    const char *by = shadow ? "shadow" : rec->prog == r->champion ? "champion" : "challenger";
    const char *b = w->buf.p;
    bool ok = shadow ? rec->ok2 : rec->ok;
    const cr_program *p = shadow ? r->second : rec->prog;
    size_t out = shadow ? rec->out2 : rec->out, out_len = shadow ? rec->out2_len : rec->out_len;
    cr_dlog_entry e = {
        .app_id = rec->has_app ? b + rec->app : NULL, .app_id_len = rec->app_len,
        .policy_sha256 = p->sha256, .program_sha256 = p->program_sha256, .as_of = r->as_of,
        .application = line, .application_len = line ? len : 0,   /* NULL: longer than --max-line */
        .outcome = ok ? cr_outcome_name((cr_outcome_code)(shadow ? rec->outcome2 : rec->outcome)) : "ERROR",
        .reasons = b + (shadow ? rec->reasons2 : rec->reasons),
        .reasons_len = shadow ? rec->reasons2_len : rec->reasons_len,
        .results = b + out, .results_len = out_len - 1,   /* without the newline */
        .fired = b + (shadow ? rec->fired2 : rec->fired),
        .fired_len = shadow ? rec->fired2_len : rec->fired_len,
        .decided_by = by,
        .data_sha256 = p == r->champion ? r->data_champion : r->data_second,
    };
    if (cr_dlog_writer_add(r->writer, &e))
        return true;
    fprintf(stderr, "credo run: %s\n", cr_dlog_writer_error(r->writer));
    r->log_failed = true;
    return false;
}

/* The writer's thread, after each append: the first superseding rows
 * are told on stderr. */
static void log_appended(void *ctx, const cr_dlog_entry *e, int rc, int64_t seq, int64_t superseded)
{
    runner *r = ctx;
    if (rc == CR_DLOG_SUPERSEDED && r->noted++ < 10)
        fprintf(stderr,
                "credo run: %s: note: app_id %.*s (%s, as of %s) decided again from a different application line,"
                " reference data or decision line: logged as seq %lld, superseding seq %lld\n",
                r->o->log, (int)e->app_id_len, e->app_id, e->decided_by, e->as_of, (long long)seq,
                (long long)superseded);
}

/* The writer's thread, after each commit: the batch's lines, now that the
 * log holds them. */
static bool log_committed(void *ctx, const char *bytes, size_t len, const char **why)
{
    runner *r = ctx;
    fwrite(bytes, 1, len, stdout);
    fflush(stdout);
    if (!ferror(stdout))
        return true;
    r->out_err = errno;   /* stdout failed: stop, the end says why */
    *why = "cannot write decisions";
    return false;
}

static double seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* Ends the batch: the writer commits it, then (and only then) writes its
 * lines. */
static bool commit_batch(runner *r)
{
    if (r->batch_lines == 0)
        return true;
    bool ok = cr_dlog_writer_commit(r->writer, r->pending.p, r->pending.len);
    if (!ok)
        fprintf(stderr, "credo run: %s\n", cr_dlog_writer_error(r->writer));
    r->log_failed |= !ok;
    r->pending.len = 0;
    r->batch_lines = 0;
    return ok;
}

static bool batch_due(runner *r, source *in)
{
    if (r->batch_lines == 0)
        return false;
    return r->batch_lines >= BATCH_LINES || r->pending.len >= BATCH_BYTES ||
           seconds_since(&r->batch_start) >= BATCH_SECONDS || !source_ready(in);
}

static bool out_db_row(runner *r, const decider *w, const line_rec *rec, uint64_t lineno)
{
    sqlite3_stmt *st = r->out_insert;
    const char *b = w->buf.p;
    sqlite3_reset(st);
    if (rec->has_app)
        sqlite3_bind_text(st, 1, b + rec->app, (int)rec->app_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 1);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)lineno);
    sqlite3_bind_text(st, 3, rec->ok ? cr_outcome_name((cr_outcome_code)rec->outcome) : "ERROR", -1, SQLITE_STATIC);
    /* reasons: from the decision line itself, so no log columns are needed */
    sqlite3_bind_text(st, 4, b + rec->out, (int)rec->out_len - 1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        fprintf(stderr, "credo run: %s: %s\n", r->o->out_db, sqlite3_errmsg(r->out_db));
        return false;
    }
    if (++r->out_rows % 10000 == 0 &&
        (sqlite3_exec(r->out_db, "COMMIT; BEGIN", NULL, NULL, NULL) != SQLITE_OK)) {
        fprintf(stderr, "credo run: %s: %s\n", r->o->out_db, sqlite3_errmsg(r->out_db));
        return false;
    }
    return true;
}

/* The in-order part of one line: count it, log it, write it. */
static bool finish_line(runner *r, const decider *w, const line_rec *rec, const char *line, size_t len,
                        uint64_t lineno)
{
    r->lines++;
    if (!rec->ok)
        r->bad++;
    else
        r->by_outcome[rec->outcome]++;
    if (r->out_db && !out_db_row(r, w, rec, lineno))
        return false;
    if (!r->log) {
        fwrite(w->buf.p + rec->out, 1, rec->out_len, stdout);
        if (ferror(stdout) && !r->out_err)
            r->out_err = errno;   /* stdout failed (a full disk): stop, the end says why */
        return !ferror(stdout);
    }
    if (!log_decision(r, w, rec, false, line, len))
        return false;
    if (rec->has_shadow && !log_decision(r, w, rec, true, line, len))
        return false;
    if (r->batch_lines++ == 0)
        clock_gettime(CLOCK_MONOTONIC, &r->batch_start);
    cr_buf_put(&r->pending, w->buf.p + rec->out, rec->out_len);
    if (r->pending.failed) {
        fprintf(stderr, "credo run: out of memory\n");
        return false;
    }
    return true;
}

static void print_log_summary(const runner *r)
{
    fprintf(stderr, "credo run: %s: %llu decisions logged (%llu superseding an earlier decision), %llu already logged"
            " (skipped)", r->o->log, (unsigned long long)r->logged.added, (unsigned long long)r->logged.superseded,
            (unsigned long long)r->logged.skipped);
    if (r->o->log_sign)
        fprintf(stderr, ", %u checkpoint%s signed", cr_dlog_checkpoints(r->log),
                cr_dlog_checkpoints(r->log) == 1 ? "" : "s");
    fputc('\n', stderr);
}

static void print_summary(const runner *r)
{
    double secs = seconds_since(&r->started);
    fprintf(stderr, "credo run: %llu applications: %llu APPROVE, %llu REFER, %llu REJECT, %llu ERROR in %.2f s",
            (unsigned long long)r->lines, (unsigned long long)r->by_outcome[CR_APPROVE],
            (unsigned long long)r->by_outcome[CR_REFER], (unsigned long long)r->by_outcome[CR_REJECT],
            (unsigned long long)r->bad, secs);
    if (secs > 0)
        fprintf(stderr, " (%.0f decisions/s, %d thread%s)", (double)r->lines / secs, r->ndeciders,
                r->ndeciders == 1 ? "" : "s");
    fputc('\n', stderr);
}

/* A progress line on a terminal: how far through the file, the rate, the
 * time left.  At most five times a second. */
static void show_progress(runner *r, const source *in, bool last)
{
    double secs = seconds_since(&r->started);
    if (!last && secs - r->last_progress < 0.2)
        return;
    r->last_progress = secs;
    off_t done = lseek(in->lr.fd, 0, SEEK_CUR) - (off_t)(in->lr.end - in->lr.start);
    double frac = in->size > 0 ? (double)done / (double)in->size : 0;
    double rate = secs > 0 ? (double)r->lines / secs : 0;
    double eta = frac > 0 ? secs * (1 - frac) / frac : 0;
    int width = 30, fill = (int)(frac * width + 0.5);
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r[%s] %5.1f%%  %llu decided  %.0f/s  %.0f s left ", bar, frac * 100,
            (unsigned long long)r->lines, rate, last ? 0.0 : eta);
    if (last)
        fputc('\n', stderr);
}

/* One thread: line by line, line i of its share into recs[i]. */
static void *decide_chunk(void *arg)
{
    void **a = arg;
    const runner *r = a[0];
    decider *w = a[1];
    w->buf.len = 0;
    for (uint32_t i = 0; i < w->count; i++)
        decide_line(r, w, w->lines[i], w->lens[i], w->first_lineno + i, &w->recs[i]);
    w->failed = w->buf.failed;
    return NULL;
}

static uint64_t trimmed(const char *line, size_t n)
{
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    return n;
}

enum { CHUNK_LINES = 2048 };
#define CHUNK_BYTES ((size_t)64 << 20)   /* a chunk of long lines stops early */

/* With several threads: read a chunk of lines, split it into one
 * contiguous run per thread, decide in parallel, then finish every line in
 * input order on this thread. */
static int run_parallel(runner *r, source *in, uint64_t *lineno)
{
    int nw = r->ndeciders;
    size_t chunk = (size_t)CHUNK_LINES * (size_t)nw;
    char **copies = calloc(chunk, sizeof *copies);
    size_t *offs = calloc(chunk, sizeof *offs);
    size_t *lens = calloc(chunk, sizeof *lens);
    line_rec *recs = calloc(chunk, sizeof *recs);
    pthread_t *threads = calloc((size_t)nw, sizeof *threads);
    void *(*args)[2] = calloc((size_t)nw, sizeof *args);
    cr_buf text = {0};
    int rc = 0;
    if (!copies || !offs || !lens || !recs || !threads || !args) {
        fprintf(stderr, "credo run: out of memory\n");
        rc = 1;
        goto out;
    }
    for (;;) {
        /* the lines of one chunk, copied: the reader's buffer moves */
        size_t n = 0;
        text.len = 0;
        const char *line;
        size_t len;
        while (n < chunk && text.len < CHUNK_BYTES && source_next(in, &line, &len)) {
            offs[n] = line ? text.len : SIZE_MAX;   /* the buffer may move: offsets now, pointers later */
            lens[n] = line ? trimmed(line, len) : 0;
            if (line)
                cr_buf_put(&text, line, lens[n]);
            n++;
        }
        if (text.failed) {
            fprintf(stderr, "credo run: out of memory\n");
            rc = 1;
            break;
        }
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++)
            copies[i] = offs[i] == SIZE_MAX ? NULL : text.p + offs[i];   /* NULL: longer than --max-line */
        size_t per = (n + (size_t)nw - 1) / (size_t)nw, at = 0;
        int started = 0;
        for (int t = 0; t < nw && at < n; t++) {
            decider *w = &r->deciders[t];
            w->lines = (const char **)copies + at;
            w->lens = lens + at;
            w->recs = recs + at;
            w->count = (uint32_t)(at + per <= n ? per : n - at);
            w->first_lineno = *lineno + at + 1;
            args[t][0] = r;
            args[t][1] = w;
            started++;
            if (pthread_create(&threads[t], NULL, decide_chunk, args[t]) != 0) {
                decide_chunk(args[t]); /* no thread: decide it here */
                threads[t] = 0;
            }
            at += w->count;
        }
        int used = started;
        for (int t = 0; t < used; t++)
            if (threads[t])
                pthread_join(threads[t], NULL);
        for (int t = 0; t < used; t++) {
            if (r->deciders[t].failed) {
                fprintf(stderr, "credo run: out of memory\n");
                rc = 1;
                goto out;
            }
        }
        at = 0;
        for (int t = 0; t < used; t++) {
            decider *w = &r->deciders[t];
            for (uint32_t i = 0; i < w->count; i++) {
                size_t k = at + i;
                if (!finish_line(r, w, &w->recs[i], copies[k], lens[k], *lineno + k + 1)) {
                    rc = 1;
                    goto out;
                }
                if (r->log && batch_due(r, in) && !commit_batch(r)) {
                    rc = 1;
                    goto out;
                }
            }
            at += w->count;
        }
        *lineno += n;
        if (r->progress)
            show_progress(r, in, false);
    }
out:
    cr_buf_free(&text);
    free(copies);
    free(offs);
    free(lens);
    free(recs);
    free(threads);
    free(args);
    return rc;
}

/* Reads and decides every line.  Returns 0, or 1 when the input or the
 * log failed. */
static int run_lines(runner *r, source *in)
{
    const char *line;
    size_t n;
    uint64_t lineno = 0;
    int rc = 0;
    if (r->ndeciders > 1) {
        rc = run_parallel(r, in, &lineno);
    } else {
        decider *w = &r->deciders[0];
        line_rec rec;
        while (source_next(in, &line, &n)) {
            lineno++;
            size_t len = trimmed(line, n);
            w->buf.len = 0;
            decide_line(r, w, line, len, lineno, &rec);
            if (w->buf.failed) {
                fprintf(stderr, "credo run: out of memory\n");
                return 1;
            }
            if (!finish_line(r, w, &rec, line, len, lineno))
                return 1;
            if (r->log && batch_due(r, in) && !commit_batch(r))
                return 1;
            if (r->progress)
                show_progress(r, in, false);
        }
    }
    if (rc)
        return rc;
    if (r->log && !commit_batch(r))
        return 1;
    if (r->progress)
        show_progress(r, in, true);
    if (in->lr.err) {
        fprintf(stderr, "credo run: error reading input after line %llu: %s\n", (unsigned long long)lineno,
                strerror(in->lr.err));
        return 1;
    }
    if (in->db_err) {
        fprintf(stderr, "credo run: %s: reading row %llu: %s\n", in->db_name, (unsigned long long)lineno + 1,
                sqlite3_errstr(in->db_err));
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
    if (!(r->champion = cr_cli_load_policy_at(o->files[0], o->today, true, &errors)))
        return false;
    if (o->second && !(r->second = cr_cli_load_policy_at(o->second, o->today, true, &errors)))
        return false;
    if (o->log && (!cr_cli_require_identity(r->champion, "the decision log records it") ||
                   (r->second && !cr_cli_require_identity(r->second, "the decision log records it"))))
        return false;
    r->ndeciders = o->jobs > 0 ? o->jobs : 1;
    r->deciders = calloc((size_t)r->ndeciders, sizeof *r->deciders);
    if (!r->deciders) {
        fprintf(stderr, "credo run: out of memory\n");
        return false;
    }
    for (int i = 0; i < r->ndeciders; i++) {
        decider *w = &r->deciders[i];
        if (!(w->s = new_session(r->champion, o)) || (r->second && !(w->s2 = new_session(r->second, o))))
            return false;
    }
    return true;
}

/* ---- the log: its run record, resuming, opening ----------------------------------- */

/* The SHA-256 of a regular file in hex into out; "" when it is not one
 * (a pipe, a terminal) or cannot be read. */
static void file_sha256(const char *path, char out[CR_DLOG_HASH_LEN + 1])
{
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return;
    uint8_t buf[1 << 16];
    cr_sha256_ctx c;
    cr_sha256_init(&c);
    ssize_t n = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
            if (n > 0)
                cr_sha256_update(&c, buf, (size_t)n);
        if (n == 0) {
            uint8_t d[CR_SHA256_LEN];
            cr_sha256_final(&c, d);
            cr_sha256_hex(d, out);
        }
    }
    close(fd);
}

/* What the run record names: the policy and the input as absolute paths,
 * and the input's SHA-256 when it is a regular file. */
static void run_identity(runner *r, const run_opts *o)
{
    if (!realpath(o->files[0], r->policy_abs))
        snprintf(r->policy_abs, sizeof r->policy_abs, "%s", o->files[0]);
    const char *in = o->db ? o->db : o->nfiles == 2 && strcmp(o->files[1], "-") != 0 ? o->files[1] : NULL;
    if (!in)
        snprintf(r->input_abs, sizeof r->input_abs, "-");
    else if (!realpath(in, r->input_abs))
        snprintf(r->input_abs, sizeof r->input_abs, "%s", in);
    if (in && !o->db)
        file_sha256(in, r->input_sha);
}

/* Without --as-of, a run over the same policy file and the same input file
 * (path and bytes) as a run that was cut short continues it as of the date
 * that run recorded: a batch killed at 23:59 and resumed at 00:01 logs no
 * decision twice.  False (reason printed) when the log cannot be read. */
static bool resume(runner *r, run_opts *o)
{
    run_identity(r, o);
    if (o->as_of_given || !r->input_sha[0])
        return true;
    char as_of[16], err[600];
    int found = cr_dlog_unfinished_run(o->log, r->policy_abs, r->input_abs, r->input_sha, as_of, &r->resumed_run,
                                       r->resumed_policy, err, sizeof err);
    if (found < 0)
        fprintf(stderr, "credo run: %s\n", err);
    if (found <= 0)
        return found == 0;
    if (!cr_date_parse(as_of, strlen(as_of), &o->today)) {
        fprintf(stderr, "credo run: %s: run %lld records the as-of date '%s', not a date\n", o->log,
                (long long)r->resumed_run, as_of);
        return false;
    }
    fprintf(stderr,
            "credo run: %s: resuming run %lld over the same policy and input, which did not finish: as of %s, the"
            " date it recorded (--as-of DATE starts a new run)\n",
            o->log, (long long)r->resumed_run, as_of);
    return true;
}

/* The key and signing key the options name, read.  False with the reason
 * printed (never a key's contents). */
static bool read_log_keys(const run_opts *o, cr_dlog_key **key, cr_ed25519_key *signer)
{
    char err[600];
    if (o->log_key && (!(*key = malloc(sizeof **key)) || !cr_dlog_key_read(o->log_key, *key, err, sizeof err))) {
        fprintf(stderr, "credo run: %s\n", *key ? err : "out of memory");
        return false;
    }
    if (o->log_sign && !cr_ed25519_read(o->log_sign, signer, err, sizeof err)) {
        fprintf(stderr, "credo run: %s\n", err);
        return false;
    }
    if (o->log_sign && !signer->has_secret) {
        fprintf(stderr, "credo run: %s: a public key: --log-sign needs the private key (credo keygen NAME writes"
                        " NAME.key)\n", o->log_sign);
        return false;
    }
    return true;
}

/* Opened after the input, so a run that cannot read its input leaves no
 * new log behind. */
static bool open_log(runner *r, const run_opts *o)
{
    char err[600];
    cr_dlog_key *key = NULL;
    cr_ed25519_key signer = {0};
    if (read_log_keys(o, &key, &signer)) {
        cr_dlog_options lo = {.key = key, .signer = o->log_sign ? &signer : NULL};
        if (!(r->log = cr_dlog_open_with(o->log, CR_DLOG_APPEND, &lo, err, sizeof err)))
            fprintf(stderr, "credo run: %s\n", err);
    }
    if (key)
        memset(key, 0, sizeof *key);
    free(key);
    memset(&signer, 0, sizeof signer);
    if (!r->log)
        return false;
    if (!cr_dlog_add_policy(r->log, r->champion) || (r->second && !cr_dlog_add_policy(r->log, r->second))) {
        fprintf(stderr, "credo run: %s\n", cr_dlog_errmsg(r->log));
        return false;
    }
    if (!cr_dlog_data_sha256(r->champion, r->data_champion) ||
        (r->second && !cr_dlog_data_sha256(r->second, r->data_second))) {
        fprintf(stderr, "credo run: out of memory\n");
        return false;
    }
    if (r->resumed_run && strcmp(r->resumed_policy, r->champion->sha256) != 0) {
        fprintf(stderr,
                "credo run: %s: run %lld over this policy file and input did not finish, but the policy's source has"
                " changed since; give --as-of DATE to start a new run\n",
                o->log, (long long)r->resumed_run);
        return false;
    }
    cr_dlog_run run = {.as_of = r->as_of, .policy_file = r->policy_abs, .policy_sha256 = r->champion->sha256,
                       .data_sha256 = r->data_champion, .input = r->input_abs, .input_sha256 = r->input_sha};
    if (!cr_dlog_run_begin(r->log, &run, &r->run_id)) {
        fprintf(stderr, "credo run: %s\n", cr_dlog_errmsg(r->log));
        return false;
    }
    cr_dlog_writer_calls calls = {.ctx = r, .appended = log_appended, .committed = log_committed};
    if (!(r->writer = cr_dlog_writer_start(r->log, &calls, err, sizeof err))) {
        fprintf(stderr, "credo run: %s: %s\n", o->log, err);
        return false;
    }
    return true;
}

/* Waits for the writer; when every line was decided and committed, the
 * run is finished (with a last signed checkpoint when signing).  False
 * (reason printed) when the log failed. */
static bool finish_log(runner *r, bool finished)
{
    char err[600];
    bool ok = !r->writer || cr_dlog_writer_stop(r->writer, &r->logged, err, sizeof err);
    r->writer = NULL;
    if (!ok) {
        if (!r->log_failed)   /* not told yet */
            fprintf(stderr, "credo run: %s\n", err);
        r->log_failed = true;
    } else if (finished && !cr_dlog_run_finish(r->log, r->run_id)) {
        fprintf(stderr, "credo run: %s\n", cr_dlog_errmsg(r->log));
        ok = false;
    }
    return ok;
}

static bool open_out_db(runner *r, const run_opts *o)
{
    const char *table = o->out_table ? o->out_table : "decisions";
    if (sqlite3_open_v2(o->out_db, &r->out_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        fprintf(stderr, "credo run: %s: %s\n", o->out_db, r->out_db ? sqlite3_errmsg(r->out_db) : "cannot open");
        return false;
    }
    sqlite3_busy_timeout(r->out_db, 5000);
    char *sql = sqlite3_mprintf(
        "CREATE TABLE IF NOT EXISTS \"%w\" (app_id TEXT, line INTEGER, decision TEXT, decision_json TEXT);"
        "BEGIN",
        table);
    char *err = NULL;
    int rc = sqlite3_exec(r->out_db, sql, NULL, NULL, &err);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "credo run: %s: %s\n", o->out_db, err ? err : sqlite3_errmsg(r->out_db));
        sqlite3_free(err);
        return false;
    }
    sql = sqlite3_mprintf("INSERT INTO \"%w\" (app_id, line, decision, decision_json) VALUES (?, ?, ?, ?)", table);
    rc = sqlite3_prepare_v2(r->out_db, sql, -1, &r->out_insert, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "credo run: %s: table %s: %s\n", o->out_db, table, sqlite3_errmsg(r->out_db));
        return false;
    }
    return true;
}

static bool close_out_db(runner *r)
{
    bool ok = true;
    sqlite3_finalize(r->out_insert);
    r->out_insert = NULL;
    if (r->out_db && sqlite3_exec(r->out_db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "credo run: %s: %s\n", r->o->out_db, sqlite3_errmsg(r->out_db));
        ok = false;
    }
    sqlite3_close(r->out_db);
    r->out_db = NULL;
    return ok;
}

static void teardown(runner *r)
{
    finish_log(r, false);    /* a writer still running (a failure before the run) */
    cr_dlog_close(r->log);   /* rolls back a batch a failure left open */
    cr_buf_free(&r->pending);
    if (r->out_db) {
        sqlite3_finalize(r->out_insert);
        sqlite3_close(r->out_db);
    }
    for (int i = 0; r->deciders && i < r->ndeciders; i++) {
        cr_session_free(r->deciders[i].s);
        cr_session_free(r->deciders[i].s2);
        cr_buf_free(&r->deciders[i].buf);
    }
    free(r->deciders);
    cr_program_free(r->champion);
    cr_program_free(r->second);
}

int cr_cmd_run(int argc, char **argv)
{
    if (cr_cli_want_help(argc, argv))
        return cr_cli_usage(usage_run, 0);
    run_opts o = {.today = cr_cli_today(), .limits = CR_SESSION_LIMITS_DEFAULT, .share_bp = -1,
                  .max_line = CR_MAX_LINE_DEFAULT};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    runner r = {0};
    source in = {.lr = {.fd = STDIN_FILENO, .max = o.max_line}};
    clock_gettime(CLOCK_MONOTONIC, &r.started);
    if ((o.log && !resume(&r, &o)) || !setup(&r, &o)) {
        teardown(&r);
        return 1;
    }
    if (o.db) {
        in.schema = r.champion->input;
        if (!open_db_source(&in, &o)) {
            close_source(&in);
            teardown(&r);
            return 1;
        }
    } else if (o.nfiles == 2 && strcmp(o.files[1], "-") != 0) {
        in.lr.fd = open(o.files[1], O_RDONLY | O_CLOEXEC);
        if (in.lr.fd < 0) {
            fprintf(stderr, "credo run: cannot read %s: %s\n", o.files[1], strerror(errno));
            teardown(&r);
            return 1;
        }
        struct stat st;
        if (fstat(in.lr.fd, &st) == 0 && S_ISREG(st.st_mode)) {
            in.size = st.st_size;
            r.progress = isatty(STDERR_FILENO) && st.st_size > 0;
        }
    }
    if ((o.log && !open_log(&r, &o)) || (o.out_db && !open_out_db(&r, &o))) {
        if (in.lr.fd != STDIN_FILENO)
            close(in.lr.fd);
        close_source(&in);
        teardown(&r);
        return 1;
    }
    rc = run_lines(&r, &in);
    if (r.log && !finish_log(&r, rc == 0))
        rc = 1;
    if (r.out_db && !close_out_db(&r))
        rc = 1;
    if (r.log)
        print_log_summary(&r);
    if (o.summary || isatty(STDERR_FILENO))
        print_summary(&r);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "credo run: cannot write decisions: %s\n", strerror(r.out_err ? r.out_err : errno));
        rc = 1;
    }
    if (in.lr.fd != STDIN_FILENO)
        close(in.lr.fd);
    close_source(&in);
    teardown(&r);
    return rc ? rc : r.bad ? 3 : 0;
}
