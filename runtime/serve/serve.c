/* credo serve: the policies of a directory as an HTTP JSON service.
 *
 *   POST /v1/decide/NAME   one application (a JSON object) or an array of them
 *   GET  /v1/policies      what is served, which version, since when
 *   GET  /healthz          "ok"
 *   GET  /metrics          Prometheus text
 *
 * An application is decided exactly as `credo run` decides a line (the
 * same cr_decide), and the answer is the line run writes with
 * "policy", "version" and "sha256" added.  The policies come from
 * registry.c, which compiles changed files in its own thread and
 * swaps them in whole; the counters are in metrics.c.
 *
 * libmicrohttpd runs the HTTP side in a pool of threads, each with its
 * own event loop; an application is decided in the thread that read it,
 * with a session of the policy's version taken for that request alone. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "runtime/cli/cli.h"
#include "runtime/decide.h"
#include "runtime/io/json_skim.h"
#include "runtime/serve/access_log.h"
#include "runtime/serve/auth.h"
#include "runtime/serve/edge.h"
#include "runtime/serve/json_error.h"
#include "runtime/serve/metrics.h"
#include "runtime/serve/online.h"
#include "runtime/serve/registry.h"
#include "runtime/serve/tls.h"
#include "runtime/core/date.h"

static const char usage_serve[] =
    "usage: credo serve [options] DIR\n"
    "\n"
    "Serves every policy DIR/*.credo (not *.test.credo) and every compiled\n"
    "DIR/*.credoc over HTTP, by the name in its header, and reloads a policy\n"
    "when its file changes: the new version is compiled in the background and\n"
    "swapped in whole; one that does not compile is reported on stderr and the\n"
    "old version goes on serving.  With --trust KEY.pub only .credoc files\n"
    "signed by that key are served (credo compile --sign).\n"
    "\n"
    "  POST /v1/decide/NAME   a JSON object (one application): its decision, as\n"
    "                         credo run writes it, with \"policy\", \"version\",\n"
    "                         \"sha256\" and \"program_sha256\" added; a JSON array\n"
    "                         of applications: the\n"
    "                         array of their decisions, in order.  An application\n"
    "                         that cannot be decided gets its ERROR object (200).\n"
    "                         400: the body is not a JSON object or array; 404: no\n"
    "                         such policy; 413: the body is too large; 401: no\n"
    "                         or a wrong token (with --tokens)\n"
    "  GET  /v1/policies      name, version, sha256, program_sha256, effective,\n"
    "                         file, loaded_at, newer_not_loaded (the first error\n"
    "                         of a newer file that did not load); not_loaded\n"
    "  GET  /healthz          ok\n"
    "  GET  /metrics          Prometheus text: decisions, errors, latency, reloads,\n"
    "                         versions served, connections dropped\n"
    "\n"
    "  --port N            TCP port (default 8080; 0: any free port, printed on stderr)\n"
    "  --bind ADDR         IP address to listen on (default 127.0.0.1)\n"
    "  --threads N         server threads (default: the number of CPUs; at most\n"
    "                      256); with --log a request waiting for its commit holds\n"
    "                      none of them\n"
    "  --as-of DATE        the date `today` means (YYYY-MM-DD; default: each\n"
    "                      request's current date, UTC)\n"
    "  --max-body BYTES    largest request body (default 10485760, 10 MiB; at most\n"
    "                      268435456, 256 MiB)\n"
    "  --max-batch N       most applications in one array (default 10000; at most\n"
    "                      1000000)\n"
    "  --timeout SECONDS   a connection must send a whole request (headers and body)\n"
    "                      within this of opening or of its previous response, and\n"
    "                      is closed when idle this long (default 30; at most 3600)\n"
    "  --grace SECONDS     on SIGTERM, how long requests in flight may take to finish\n"
    "                      (default: --timeout; 0 to 3600)\n"
    "  --max-connections N       connections open at once (default 1024; at most 65536)\n"
    "  --max-connections-per-ip N  from one client address (default 64; at most 65536)\n"
    "  --deadline-ms N     wall-clock milliseconds allowed per application (default:\n"
    "                      none, at most 60000); past it, that application's answer\n"
    "                      is an ERROR \"deadline of N ms exceeded\"\n"
    "\n"
    "Versions: DIR may hold several versions of a policy (files declaring the\n"
    "same name with different effective dates); each request is decided by the\n"
    "version in effect on its date, POST /v1/decide/NAME?as_of=YYYY-MM-DD (else\n"
    "--as-of, else today): the latest effective date not after it.  A policy\n"
    "served from one file decides on every date.  404 when no version is in\n"
    "effect on the date; 400 when as_of is not a date.\n"
    "\n"
    "  --log FILE          record every decision answered in FILE, the decision log\n"
    "                      of credo run --log (check it with credo audit FILE\n"
    "                      verify); a decision is committed (fsync) before its\n"
    "                      answer is sent, concurrent requests sharing one commit;\n"
    "                      a request waiting for its commit holds no thread.\n"
    "                      503 with a JSON error when it cannot be logged (also\n"
    "                      for a policy without version, effective date or owner)\n"
    "  --log-key KEYFILE   the log is keyed (HMAC-SHA256), as credo run --log-key\n"
    "  --log-sign KEY.pem  sign a checkpoint every 10000 decisions and when stopping\n"
    "  --challenger NAME:CHALLENGER  the policy CHALLENGER (served from DIR)\n"
    "                      decides a stable share of the requests to NAME, chosen by\n"
    "                      a hash of app_id; the answer carries \"arm\":\"champion\"\n"
    "                      or \"challenger\" and the policy and version that decided\n"
    "  --share P%          the challengers' share, 0% to 100% (e.g. 10%)\n"
    "  --sticky-key FIELD  choose the share by this field (e.g. customer_id) instead\n"
    "                      of app_id: an applicant who applies again stays in the\n"
    "                      same arm; an application without it goes to the champion\n"
    "  --shadow NAME:SHADOW  the policy SHADOW also decides every application to\n"
    "                      NAME; its decisions go to the log only (needs --log)\n"
    "\n"
    "  --tls-cert FILE     serve HTTPS: the certificate (chain), PEM\n"
    "  --tls-key FILE      and its private key, PEM\n"
    "  --tokens FILE       every route but /healthz needs \"Authorization: Bearer TOKEN\"\n"
    "                      with a token whose SHA-256 is a line of FILE (64 hex\n"
    "                      digits, a space, the token's name); else 401\n"
    "  --open-route PATH   PATH answers without a token (\"/metrics\"; a PATH ending\n"
    "                      in / opens every path under it); may be repeated\n"
    "  --access-log FILE   append a JSON line per request: time, client, token name,\n"
    "                      route, policy, version, outcome, status, latency_us\n"
    "  --hash-token [NAME] read a token from stdin, print its line for --tokens, exit\n"
    "\n"
    "A request with two Content-Length headers, or Content-Length and\n"
    "Transfer-Encoding, is refused 400; a path with a control character, 404.\n"
    "Deploy a policy by writing it into DIR under a name starting with a dot\n"
    "(never served), then renaming it into place: a file is loaded only once\n"
    "it is closed after writing or renamed in, and only when it compiles;\n"
    "/v1/policies says why a newer one was not loaded.  A lookup's data file\n"
    "that changes reloads its policy the same way.\n"
    "\n"
    "Example: every answer logged, a 10% challenger keeping each customer in one\n"
    "arm, and a shadow, then one application as of a date:\n"
    "  credo serve --log decisions.db --challenger sme:sme_next --share 10% \\\n"
    "      --sticky-key customer_id --shadow sme:sme_shadow policies/\n"
    "  curl -d @application.json 'http://127.0.0.1:8080/v1/decide/sme?as_of=2026-12-01'\n"
    "\n"
    "SIGINT or SIGTERM stops the server: it stops accepting connections,\n"
    "lets the requests in flight finish for --grace seconds, answers what is\n"
    "still running then 503, and exits 0 within a second more.\n"
    "\n"
    "exit status: 0 stopped by a signal, 1 the server cannot start, 2 usage.\n";

enum { POLL_MS = 200 };          /* how often the policy directory is looked at */

typedef struct serve_opts {
    const char *dir;
    const char *bind;
    unsigned long long port;
    unsigned long long threads;
    bool fixed_today;            /* --as-of given */
    int64_t today;
    unsigned long long max_body;
    unsigned long long max_batch;
    unsigned long long timeout;
    unsigned long long grace;
    bool grace_given;
    unsigned long long max_connections, max_per_ip;
    unsigned long long deadline_ms;  /* 0: none */
    const char *tls_cert, *tls_key;
    const char *tokens;
    const char *open_routes[CR_AUTH_MAX_OPEN_ROUTES];
    size_t nopen_routes;
    const char *access_log;
    cr_online_opts online;       /* --log, --challenger, --shadow (online.h) */
} serve_opts;

typedef struct server {
    const serve_opts *o;
    cr_registry *reg;
    cr_serve_metrics *metrics;
    cr_serve_log *log;           /* --log; NULL: none */
    cr_edge *edge;
    cr_auth *auth;               /* NULL: no --tokens */
    cr_access_log *access_log;   /* NULL: no --access-log */
    cr_tls tls;
    struct MHD_Daemon *daemon;
    atomic_uint inflight;        /* requests begun and not yet completed */
    atomic_bool stopping;        /* answers then close their connection */
    atomic_bool expired;         /* the grace period is over: what still runs is answered 503 */
    /* the listening socket MHD_quiesce_daemon hands back: closed only after
     * MHD_stop_daemon, because MHD's own threads may still have it in
     * their poll set until then (ThreadSanitizer saw the race) */
    MHD_socket quiesced;
} server;

/* One HTTP request, from its headers to its completion. */
typedef struct request {
    struct timespec start;
    bool decide;                 /* /v1/decide/NAME: timed in the histogram */
    bool answered;               /* a response is queued; the rest of the body is dropped */
    bool too_large;              /* the body went past --max-body: 413 once it ends */
    bool body_done;              /* the whole body has been read */
    size_t dropped;              /* bytes of it read and thrown away since */
    char *policy;                /* NAME */
    bool has_as_of;              /* ?as_of=YYYY-MM-DD */
    int64_t as_of;
    cr_buf body;
    /* for the access log */
    unsigned status;
    const char *token;           /* the token's name (owned by the auth table) */
    char *route;                 /* the path asked for */
    char *version;               /* of the policy that decided */
    char *answered_policy;       /* the challenger's name, when it decided and is another policy */
    long long by_challenger;     /* applications the challenger decided; -1: no challenger */
    const char *outcome;
    /* --log: the decisions handed to the log, the answer kept until it
     * has them (online.h); the connection suspended meanwhile */
    struct MHD_Connection *conn;
    cr_online_call call;
    cr_buf out;
    uint64_t counts[CR_METRIC_OUTCOMES];
    bool whole;                  /* every application of it was decided */
    bool logging;                /* handed to the log, not yet answered */
} request;

/* ---- options ------------------------------------------------------------------ */

/* A whole number in [min, max], or false. */
static bool parse_count(const char *s, unsigned long long min, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || n < min || n > max)
        return false;
    *out = n;
    return true;
}

static unsigned long default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (unsigned long)n;
}

/* The numeric options, each with its documented range (usage_serve). */
typedef struct numeric_option {
    const char *name;
    unsigned long long min, max;
    size_t at;                   /* offsetof the unsigned long long in serve_opts */
} numeric_option;

static const numeric_option numeric_options[] = {
    {"--port", 0, 65535, offsetof(serve_opts, port)},
    {"--threads", 1, 256, offsetof(serve_opts, threads)},
    {"--max-body", 1, 256ull << 20, offsetof(serve_opts, max_body)},
    {"--max-batch", 1, 1000000, offsetof(serve_opts, max_batch)},
    {"--timeout", 1, 3600, offsetof(serve_opts, timeout)},
    {"--grace", 0, 3600, offsetof(serve_opts, grace)},
    {"--max-connections", 1, 65536, offsetof(serve_opts, max_connections)},
    {"--max-connections-per-ip", 1, 65536, offsetof(serve_opts, max_per_ip)},
    {"--deadline-ms", 1, CR_DEADLINE_MS_MAX, offsetof(serve_opts, deadline_ms)},
};

static const numeric_option *find_numeric(const char *a)
{
    for (size_t i = 0; i < sizeof numeric_options / sizeof numeric_options[0]; i++)
        if (strcmp(a, numeric_options[i].name) == 0)
            return &numeric_options[i];
    return NULL;
}

/* Sets the option from v; false with the reason on stderr. */
static bool set_numeric(const numeric_option *no, const char *v, serve_opts *o)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (end == v || *end || v[0] == '-' || v[0] == '+') {
        fprintf(stderr, "credo serve: %s %s is not a whole number\n", no->name, v);
        return false;
    }
    if (errno == ERANGE || n > no->max) {
        fprintf(stderr, "credo serve: %s %s is more than the maximum, %llu\n", no->name, v, no->max);
        return false;
    }
    if (n < no->min) {
        fprintf(stderr, "credo serve: %s %s must be at least %llu\n", no->name, v, no->min);
        return false;
    }
    *(unsigned long long *)((char *)o + no->at) = n;
    if (strcmp(no->name, "--grace") == 0)
        o->grace_given = true;
    return true;
}

/* The options that take a file or a text; false when a is not one. */
static bool set_text_option(const char *a, const char *v, serve_opts *o, int *rc)
{
    if (strcmp(a, "--bind") == 0)
        o->bind = v;
    else if (strcmp(a, "--tls-cert") == 0)
        o->tls_cert = v;
    else if (strcmp(a, "--tls-key") == 0)
        o->tls_key = v;
    else if (strcmp(a, "--tokens") == 0)
        o->tokens = v;
    else if (strcmp(a, "--access-log") == 0)
        o->access_log = v;
    else if (strcmp(a, "--open-route") == 0) {
        if (v[0] != '/' || o->nopen_routes == CR_AUTH_MAX_OPEN_ROUTES) {
            fprintf(stderr, "credo serve: --open-route %s: %s\n", v,
                    v[0] != '/' ? "a path starts with /" : "more than 64 of them");
            *rc = 2;
        } else {
            o->open_routes[o->nopen_routes++] = v;
        }
    } else if (strcmp(a, "--as-of") == 0) {
        if (!cr_date_parse(v, strlen(v), &o->today)) {
            fprintf(stderr, "credo serve: --as-of %s is not a date YYYY-MM-DD\n", v);
            *rc = 2;
        }
        o->fixed_today = true;
    } else {
        return false;
    }
    return true;
}

/* The options make sense together; else the exit status. */
static int check_options(serve_opts *o)
{
    if (!o->tls_cert != !o->tls_key) {
        fprintf(stderr, "credo serve: --tls-cert and --tls-key go together\n");
        return 2;
    }
    if (o->nopen_routes && !o->tokens) {
        fprintf(stderr, "credo serve: --open-route needs --tokens (without it every route is open)\n");
        return 2;
    }
    if (!cr_online_check(&o->online))
        return 2;
    if (!o->grace_given)
        o->grace = o->timeout;
    return o->dir ? -1 : cr_cli_usage(usage_serve, 2);
}

/* Returns -1 when the options are fine, else the exit status. */
static int parse_args(int argc, char **argv, serve_opts *o)
{
    /* 'n': a numeric option (numeric_options), 't': a file or a text
     * (set_text_option), 'o': one of online.c's; the name tells which */
    static const struct option longopts[] = {
        {"port", required_argument, NULL, 'n'},         {"threads", required_argument, NULL, 'n'},
        {"max-body", required_argument, NULL, 'n'},     {"max-batch", required_argument, NULL, 'n'},
        {"timeout", required_argument, NULL, 'n'},      {"grace", required_argument, NULL, 'n'},
        {"max-connections", required_argument, NULL, 'n'},
        {"max-connections-per-ip", required_argument, NULL, 'n'},
        {"deadline-ms", required_argument, NULL, 'n'},
        {"bind", required_argument, NULL, 't'},         {"as-of", required_argument, NULL, 't'},
        {"tls-cert", required_argument, NULL, 't'},     {"tls-key", required_argument, NULL, 't'},
        {"tokens", required_argument, NULL, 't'},       {"open-route", required_argument, NULL, 't'},
        {"access-log", required_argument, NULL, 't'},
        {"log", required_argument, NULL, 'o'},          {"log-key", required_argument, NULL, 'o'},
        {"log-sign", required_argument, NULL, 'o'},     {"challenger", required_argument, NULL, 'o'},
        {"shadow", required_argument, NULL, 'o'},       {"share", required_argument, NULL, 'o'},
        {"sticky-key", required_argument, NULL, 'o'},   {NULL, 0, NULL, 0}};
    int c, index = 0;
    while ((c = cr_cli_getopt_index("serve", argc, argv, "", longopts, &index)) != -1) {
        if (c == '?')
            return 2;
        char name[32];
        snprintf(name, sizeof name, "--%s", longopts[index].name);
        int rc = -1;
        if (c == 'n' ? !set_numeric(find_numeric(name), optarg, o)
            : c == 't' ? (set_text_option(name, optarg, o, &rc), rc >= 0)
                       : cr_online_option(name, optarg, &o->online) < 0)
            return 2;
    }
    int first = cr_cli_optind();
    if (argc - first != 1)
        return cr_cli_usage_error("serve", first == argc ? "no DIR given" : "one DIR ('%s' is one too many)",
                                  argv[argc - 1]);
    o->dir = argv[first];
    return check_options(o);
}

/* --bind and --port as a socket address (IPv4 or IPv6, "[::1]" too). */
static bool parse_bind(const char *host, unsigned long port, struct sockaddr_storage *ss, bool *v6)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *v6 = false;
        return true;
    }
    char buf[INET6_ADDRSTRLEN + 2];
    size_t n = strlen(host);
    if (n >= 2 && n < sizeof buf && host[0] == '[' && host[n - 1] == ']') {
        memcpy(buf, host + 1, n - 2);
        buf[n - 2] = '\0';
        host = buf;
    }
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *v6 = true;
        return true;
    }
    return false;
}

/* ---- responses ------------------------------------------------------------------ */

/* A response that needs no freeing, for when memory ran out. */
static enum MHD_Result respond_static(struct MHD_Connection *c, unsigned status, const char *text)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Queues out as the response (MHD takes its memory).  allow: the Allow
 * header of a 405. */
static enum MHD_Result respond(server *sv, struct MHD_Connection *c, request *rq, unsigned status,
                               const char *type, cr_buf *out, const char *allow)
{
    rq->answered = true;
    /* the deadline stops once nothing more is to be read; a body refused
     * before it arrived (401, 404, 413) must still come in time, or a
     * client could drip it for ever */
    if (!rq->decide || rq->body_done)
        cr_edge_request_read(c);
    if (out->failed) {
        cr_buf_free(out);
        status = 500;
    }
    rq->status = out->p ? status : 500;
    if (status >= 400)
        cr_metrics_error(sv->metrics, status);
    if (!out->p)
        return respond_static(c, 500, "{\"error\":\"out of memory\"}\n");
    struct MHD_Response *resp = MHD_create_response_from_buffer(out->len, out->p, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        cr_buf_free(out);
        return MHD_NO;
    }
    *out = (cr_buf){0};
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    if (status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    /* a keep-alive client must not send another when stopping, nor after
     * a request whose end cannot be known */
    if (atomic_load(&sv->stopping) || status == 400)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result respond_error(server *sv, struct MHD_Connection *c, request *rq, unsigned status,
                                     const char *allow, const char *what)
{
    cr_buf out = {0};
    cr_json_error(&out, status, "%s", what);
    return respond(sv, c, rq, status, "application/json", &out, allow);
}

/* ---- deciding ------------------------------------------------------------------ */

/* The elements of a JSON array, one at a time. */
typedef struct elem_iter {
    const char *p, *end;
    bool first;
} elem_iter;

/* 1 with the next element in *e, *n; 0 when the array ended (nothing but
 * white space after it); -1 when it is not a well-formed array. */
static int next_elem(elem_iter *it, const char **e, size_t *n)
{
    const char *p = cr_json_skip_ws(it->p, it->end);
    if (p < it->end && *p == ']' && it->first)
        return cr_json_skip_ws(p + 1, it->end) == it->end ? 0 : -1;
    if (!it->first) {
        if (p < it->end && *p == ']')
            return cr_json_skip_ws(p + 1, it->end) == it->end ? 0 : -1;
        if (p == it->end || *p != ',')
            return -1;
        p = cr_json_skip_ws(p + 1, it->end);
    }
    const char *q = p < it->end ? cr_json_value_end(p, it->end) : NULL;
    if (!q || q == p)
        return -1;
    *e = p;
    *n = (size_t)(q - p);
    it->p = q;
    it->first = false;
    return 1;
}

/* How many elements the array at p has; false when it is not well formed
 * (then no application of it is decided). */
static bool count_elems(const char *p, const char *end, size_t *count)
{
    elem_iter it = {p + 1, end, true};
    const char *e;
    size_t n, k = 0;
    int rc;
    while ((rc = next_elem(&it, &e, &n)) == 1)
        k++;
    *count = k;
    return rc == 0;
}

static void decide_one(cr_online_call *call, const char *app, size_t len, uint64_t n, cr_buf *out,
                       uint64_t counts[CR_METRIC_OUTCOMES])
{
    int outcome = cr_online_decide(call, app, len, n, out);
    counts[outcome < 0 ? CR_METRIC_ERROR : outcome]++;
}

/* "[\n" decisions joined by ",\n" "\n]\n": one decision a line, like run,
 * and "line" in an ERROR object is the application's place in the array. */
static bool decide_array(server *sv, cr_online_call *s, const char *p, const char *end, cr_buf *out,
                         uint64_t counts[CR_METRIC_OUTCOMES])
{
    elem_iter it = {p + 1, end, true};
    const char *e;
    size_t n;
    uint64_t i = 0;
    cr_buf_puts(out, "[\n");
    while (!out->failed && next_elem(&it, &e, &n) == 1) {
        if (atomic_load(&sv->expired))
            return false;        /* stopping, and the grace period is over */
        if (i) {
            out->len--;                       /* the previous decision's newline */
            cr_buf_puts(out, ",\n");
        }
        decide_one(s, e, n, ++i, out, counts);
    }
    cr_buf_puts(out, "]\n");
    return true;
}

static const char *const outcome_names[CR_METRIC_OUTCOMES] = {"APPROVE", "REFER", "REJECT", "ERROR"};

/* The rest of a decide request once its decisions are decided (and,
 * with --log, logged or not): the versions given back, the status. */
static unsigned finish_decide(server *sv, request *rq, cr_buf *out)
{
    /* a request cut off by the end of --grace is answered 503 and
     * nothing of it is logged: the caller saw none of its decisions */
    unsigned status = cr_online_end(&rq->call, rq->whole ? 200 : 503, out);
    if (!rq->whole)
        return cr_json_error(out, 503, "the server is stopping: the request was not finished within --grace");
    if (status == 200)           /* a 503 decided nothing the caller saw */
        cr_metrics_decisions(sv->metrics, rq->policy, rq->counts);
    return status;
}

/* Called on the log's thread: the request's decisions are committed, or
 * cannot be.  Its connection was suspended before they were handed over,
 * so a resume never comes before the suspension. */
static void on_logged(cr_serve_log_req *r)
{
    request *rq = r->arg;
    MHD_resume_connection(rq->conn);
}

enum { LOGGING = 0 };            /* decide_body: decisions for the log, no status yet */

/* The body of POST /v1/decide/NAME: the response in out, the status
 * returned, or LOGGING when there are decisions to hand to the log
 * before the answer (finish_decide once it has them); what decided, for
 * the access log, in rq. */
static unsigned decide_body(server *sv, request *rq, const cr_buf *body, cr_buf *out)
{
    const char *p = body->p ? body->p : "", *end = p + body->len;
    p = cr_json_skip_ws(p, end);
    while (end > p && cr_json_is_ws(end[-1]))
        end--;
    /* a JSON object or array is an answer per application, even when one
     * of them is bad JSON; anything else is not a request at all */
    if (p == end || (*p != '{' && *p != '['))
        return cr_json_error(out, 400, "the body must be a JSON object (an application) or an array of them");
    size_t n = 1;
    if (*p == '[' && !count_elems(p, end, &n))
        return cr_json_error(out, 400, "the body is not a well-formed JSON array");
    if (n > sv->o->max_batch)
        return cr_json_error(out, 413, "%zu applications in one request; at most %llu", n, sv->o->max_batch);
    int64_t today = rq->has_as_of ? rq->as_of : sv->o->fixed_today ? sv->o->today : cr_cli_today();
    cr_online_call *call = &rq->call;
    unsigned status = cr_online_begin(call, &sv->o->online, sv->log, sv->reg, rq->policy, today, out);
    if (status != 200)
        return status;
    rq->whole = true;
    if (*p == '{')
        decide_one(call, p, (size_t)(end - p), 1, out, rq->counts);
    else
        rq->whole = decide_array(sv, call, p, end, out, rq->counts);
    /* for the access log: the policy and version that answered one
     * application (the challenger's, when it did), the champion's for an
     * array, and how many of them the challenger answered */
    const cr_program *by = call->v[*p == '{' ? call->answered_by : 0]->prog;
    rq->version = by->version ? strdup(by->version) : NULL;
    if (by != call->v[0]->prog && by->name)
        rq->answered_policy = strdup(by->name);
    rq->by_challenger = call->v[1] ? (long long)call->by_challenger : -1;
    rq->outcome = !rq->whole ? NULL : *p == '[' ? "ARRAY" : NULL;
    for (int i = 0; rq->whole && *p == '{' && i < CR_METRIC_OUTCOMES; i++)
        if (rq->counts[i])
            rq->outcome = outcome_names[i];
    if (rq->whole && cr_online_wants_log(call, 200, out))
        return LOGGING;
    return finish_decide(sv, rq, out);
}

/* ---- requests ------------------------------------------------------------------ */

static const char *after_prefix(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* The first call of POST /v1/decide/NAME, with the headers: what can be
 * refused before reading the body is refused here. */
static enum MHD_Result begin_decide(server *sv, struct MHD_Connection *c, request *rq, const char *name,
                                    const char *method)
{
    rq->decide = true;
    if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
        return respond_error(sv, c, rq, 405, "POST", "use POST to decide");
    cr_policy_version *v = *name && !strchr(name, '/') ? cr_registry_acquire(sv->reg, name) : NULL;
    if (!v) {
        char what[300];
        snprintf(what, sizeof what, "no policy named %.200s", name);
        return respond_error(sv, c, rq, 404, NULL, what);
    }
    cr_version_release(v);
    const char *as_of = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "as_of");
    if (as_of && !cr_date_parse(as_of, strlen(as_of), &rq->as_of)) {
        char what[120];
        snprintf(what, sizeof what, "as_of=%.40s is not a date YYYY-MM-DD", as_of);
        return respond_error(sv, c, rq, 400, NULL, what);
    }
    rq->has_as_of = as_of != NULL;
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    unsigned long long len;
    if (cl && parse_count(cl, 0, ULLONG_MAX, &len) && len > sv->o->max_body)
        return respond_error(sv, c, rq, 413, NULL, "the body is larger than --max-body");
    if (!(rq->policy = strdup(name)))
        return respond_error(sv, c, rq, 500, NULL, "out of memory");
    return MHD_YES;              /* the body follows */
}

typedef void get_handler(server *sv, cr_buf *out);

static void get_healthz(server *sv, cr_buf *out)
{
    cr_buf_puts(out, "ok\n");
}

static void get_policies(server *sv, cr_buf *out)
{
    cr_registry_list_json(sv->reg, out);
}

static void get_metrics(server *sv, cr_buf *out)
{
    uint64_t ok, failed;
    cr_registry_loads(sv->reg, &ok, &failed);
    cr_metrics_write(sv->metrics, out, cr_registry_count(sv->reg), ok, failed);
    cr_registry_metrics_write(sv->reg, out);
    cr_edge_metrics_write(sv->edge, out);
}

static const struct get_route {
    const char *path;
    const char *type;
    get_handler *handler;
} get_routes[] = {
    {"/healthz", "text/plain; charset=utf-8", get_healthz},
    {"/v1/policies", "application/json", get_policies},
    {"/metrics", "text/plain; version=0.0.4; charset=utf-8", get_metrics},
};

/* The first call of a request: route it; GETs are answered at once. */
static enum MHD_Result begin_request(server *sv, struct MHD_Connection *c, const char *url, const char *method,
                                     void **con_cls)
{
    request *rq = calloc(1, sizeof *rq);
    if (!rq)
        return MHD_NO;           /* closes the connection */
    rq->conn = c;
    rq->by_challenger = -1;
    clock_gettime(CLOCK_MONOTONIC, &rq->start);
    atomic_fetch_add(&sv->inflight, 1);
    *con_cls = rq;
    rq->route = strndup(url, 300);
    /* the edge: before any route, and before the token */
    const char *framing = cr_edge_framing_error(c);
    if (framing)
        return respond_error(sv, c, rq, 400, NULL, framing);
    if (cr_edge_path_has_control(url))
        return respond_error(sv, c, rq, 404, NULL, "no such endpoint");
    if (atomic_load(&sv->expired))
        return respond_error(sv, c, rq, 503, NULL, "the server is stopping");
    if (sv->auth && !cr_auth_is_open(sv->auth, url)) {
        const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        if (!(rq->token = cr_auth_check(sv->auth, h)))
            return respond_error(sv, c, rq, 401, NULL, h ? "the token is not valid" : "a bearer token is needed");
    }
    const char *name = after_prefix(url, "/v1/decide/");
    if (name)
        return begin_decide(sv, c, rq, name, method);
    for (size_t i = 0; i < sizeof get_routes / sizeof get_routes[0]; i++) {
        const struct get_route *r = &get_routes[i];
        if (strcmp(url, r->path) != 0)
            continue;
        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
            return respond_error(sv, c, rq, 405, "GET, HEAD", "use GET");
        cr_buf out = {0};
        r->handler(sv, &out);
        return respond(sv, c, rq, 200, r->type, &out, NULL);
    }
    return respond_error(sv, c, rq, 404, NULL, "no such endpoint");
}

/* A piece of the body of a decide request.  A body without a
 * Content-Length can only be found too large while it arrives, and
 * libmicrohttpd takes a response only before the body or after it: the
 * rest is read and dropped, then answered 413, unless it goes on for
 * another --max-body, when the connection is closed instead. */
static enum MHD_Result take_body(server *sv, request *rq, const char *data, size_t n)
{
    if (!rq->too_large && rq->body.len + n > sv->o->max_body) {
        rq->too_large = true;
        cr_buf_free(&rq->body);
    }
    if (rq->too_large) {
        rq->dropped += n;
        return rq->dropped > sv->o->max_body ? MHD_NO : MHD_YES;
    }
    cr_buf_put(&rq->body, data, n);
    return MHD_YES;              /* out of memory: answered 500 at the end */
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    server *sv = cls;
    request *rq = *con_cls;
    if (!rq)
        return begin_request(sv, c, url, method, con_cls);
    if (rq->answered) {
        *upload_size = 0;        /* refused early: the rest is dropped */
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        /* the grace period is over and the body still comes: no answer
         * can be queued mid-body, so the connection is closed */
        return atomic_load(&sv->expired) ? MHD_NO : take_body(sv, rq, upload, n);
    }
    /* the whole body is here: its deadline stops while it is decided */
    rq->body_done = true;
    cr_edge_request_read(c);
    if (rq->too_large)
        return respond_error(sv, c, rq, 413, NULL, "the body is larger than --max-body");
    if (rq->body.failed)
        return respond_error(sv, c, rq, 500, NULL, "out of memory");
    unsigned status;
    if (rq->logging) {
        /* resumed: the log has told it */
        rq->logging = false;
        status = finish_decide(sv, rq, &rq->out);
    } else if ((status = decide_body(sv, rq, &rq->body, &rq->out)) == LOGGING) {
        /* suspended first, then handed to the log: on_logged resumes it,
         * and this handler is called again */
        rq->logging = true;
        MHD_suspend_connection(c);
        if (!cr_online_submit(&rq->call, 200, &rq->out, on_logged, rq))
            MHD_resume_connection(c);    /* nothing handed over: finish_decide answers 500 or 503 */
        return MHD_YES;
    }
    return respond(sv, c, rq, status, "application/json", &rq->out, NULL);
}

static double seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* One line of the access log.  A request whose connection failed
 * before it was answered has status 0. */
static void log_access(server *sv, struct MHD_Connection *c, request *rq, enum MHD_RequestTerminationCode toe,
                       double took)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    cr_access_entry e = {
        .client = ci ? ci->client_addr : NULL,
        .token = rq->token,
        .route = rq->route,
        .policy = rq->answered_policy ? rq->answered_policy : rq->policy,
        .version = rq->version,
        .by_challenger = rq->by_challenger,
        .outcome = rq->outcome,
        .status = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? rq->status : 0,
        .latency_us = (uint64_t)(took * 1e6),
    };
    cr_access_log_write(sv->access_log, &e);
}

/* The response is sent (or the connection failed): the request is done. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    server *sv = cls;
    request *rq = *con_cls;
    if (!rq)
        return;
    if (rq->logging)             /* told, resumed, and its connection failed before the answer */
        cr_online_end(&rq->call, 200, &rq->out);
    double took = seconds_since(&rq->start);
    if (rq->decide && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        cr_metrics_latency(sv->metrics, took);
    if (sv->access_log)
        log_access(sv, c, rq, toe, took);
    cr_edge_request_done(c);
    cr_buf_free(&rq->body);
    cr_buf_free(&rq->out);
    free(rq->policy);
    free(rq->route);
    free(rq->version);
    free(rq->answered_policy);
    free(rq);
    *con_cls = NULL;
    atomic_fetch_sub(&sv->inflight, 1);
}

/* ---- the server ----------------------------------------------------------------- */

/* Room for --max-connections sockets: the soft limit on open files is
 * raised towards the hard one (1024 by default, which would cap the
 * server near a thousand clients whatever the option says). */
static void raise_open_files(serve_opts *o)
{
    enum { SPARE = 64 };         /* the listening socket, the ITC, policy and log files */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t want = (rlim_t)o->max_connections + SPARE;
    if (rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < want) {
        unsigned long long fit = rl.rlim_cur > 2 * SPARE ? (unsigned long long)rl.rlim_cur - SPARE : SPARE;
        fprintf(stderr, "credo serve: only %llu open files are allowed (ulimit -n): at most %llu connections\n",
                (unsigned long long)rl.rlim_cur, fit);
        o->max_connections = fit;
    }
}

static bool start_daemon(server *sv, const struct sockaddr_storage *addr, bool v6)
{
    const serve_opts *o = sv->o;
    /* ITC: MHD_quiesce_daemon needs it, to stop accepting while the
     * requests in flight finish */
    /* suspend and resume: a request waiting for the decision log (--log)
     * is put aside rather than holding its thread */
    /* poll(), not epoll: libmicrohttpd 0.9.75's epoll loop waits again,
     * with the whole connection timeout, after a wait that returned
     * exactly 128 events, and those 128 connections then stall until it
     * ends (tests/golden/serve_many_connections.sh).  poll() has no such
     * limit; what it costs and gives is measured in tests/bench/README.md
     * (about 2 us more CPU a request without a log, a few percent more
     * requests/s with --log). */
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    if (sv->log)
        flags |= MHD_ALLOW_SUSPEND_RESUME;
    if (sv->tls.cert)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem ops[16];
    size_t n = 0;
#define OPTION(opt, value, ptr) (ops[n++] = (struct MHD_OptionItem){(opt), (intptr_t)(value), (void *)(ptr)})
    /* the logger first: MHD logs with its own until it is set */
    OPTION(MHD_OPTION_EXTERNAL_LOGGER, cr_edge_on_log, sv->edge);
    OPTION(MHD_OPTION_SOCK_ADDR, 0, addr);
    if (o->threads > 1)          /* one thread: no pool (a pool of 1 is warned about) */
        OPTION(MHD_OPTION_THREAD_POOL_SIZE, o->threads, NULL);
    OPTION(MHD_OPTION_CONNECTION_TIMEOUT, o->timeout, NULL);
    OPTION(MHD_OPTION_CONNECTION_LIMIT, o->max_connections, NULL);
    OPTION(MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->max_per_ip, NULL);
    OPTION(MHD_OPTION_NOTIFY_COMPLETED, on_completed, sv);
    OPTION(MHD_OPTION_NOTIFY_CONNECTION, cr_edge_on_connection, sv->edge);
    OPTION(MHD_OPTION_UNESCAPE_CALLBACK, cr_edge_unescape, NULL);
    if (sv->tls.cert) {
        OPTION(MHD_OPTION_HTTPS_MEM_CERT, 0, sv->tls.cert);
        OPTION(MHD_OPTION_HTTPS_MEM_KEY, 0, sv->tls.key);
    }
    OPTION(MHD_OPTION_END, 0, NULL);
#undef OPTION
    sv->daemon = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request, sv, MHD_OPTION_ARRAY, ops,
                                  MHD_OPTION_END);
    if (!sv->daemon) {
        fprintf(stderr, "credo serve: cannot listen on %s port %llu%s\n", o->bind, o->port,
                sv->tls.cert ? " (or the TLS certificate and key do not fit together)" : "");
        return false;
    }
    cr_edge_daemon_started(sv->edge);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(sv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : (unsigned)o->port;
    fprintf(stderr, "credo serve: listening on %s://%s%s%s:%u/ (%zu policies from %s, %llu threads%s)\n",
            sv->tls.cert ? "https" : "http", v6 ? "[" : "", o->bind, v6 ? "]" : "", port,
            cr_registry_count(sv->reg), o->dir, o->threads, sv->auth ? ", bearer tokens" : "");
    return true;
}

/* Waits until no request has been in flight for quiet_ticks ticks of
 * 10 ms, or until `until` (seconds since start); true when none is. */
static bool wait_quiet(server *sv, const struct timespec *start, double until, int quiet_ticks)
{
    struct timespec tick = {0, 10 * 1000000L};
    int quiet = 0;
    while (quiet < quiet_ticks && seconds_since(start) < until) {
        nanosleep(&tick, NULL);
        quiet = atomic_load(&sv->inflight) > 0 ? 0 : quiet + 1;
    }
    return atomic_load(&sv->inflight) == 0;
}

/* Past --grace + 1 s the process goes, whatever still runs. */
static void *watchdog_main(void *arg)
{
    const double *seconds = arg;
    struct timespec t = {(time_t)*seconds, (long)((*seconds - (double)(time_t)*seconds) * 1e9)};
    nanosleep(&t, NULL);
    fprintf(stderr, "credo serve: requests still running past --grace; exiting\n");
    _exit(0);
}

/* Stops accepting connections, then waits (at most --grace) for the
 * requests in flight to be answered.  "None in flight" must hold for a
 * little while: a keep-alive client answered just before the stop (so
 * without "Connection: close") may already be sending its next request
 * on the open connection, and that one is answered too, with a close.
 * Past the grace period, what still runs is answered 503 (an array of
 * applications stops at its next one), and a body still arriving is cut
 * off; those answers get most of one more second to leave. */
static void drain(server *sv)
{
    static double watchdog_s;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    atomic_store(&sv->stopping, true);
    sv->quiesced = MHD_quiesce_daemon(sv->daemon);
    double grace = (double)sv->o->grace;
    watchdog_s = grace + 0.9;
    pthread_t dog;
    if (pthread_create(&dog, NULL, watchdog_main, &watchdog_s) == 0)
        pthread_detach(dog);
    if (wait_quiet(sv, &start, grace, 20))
        return;
    atomic_store(&sv->expired, true);
    fprintf(stderr, "credo serve: %u requests still running after --grace %llu s: answering them 503\n",
            atomic_load(&sv->inflight), sv->o->grace);
    wait_quiet(sv, &start, grace + 0.7, 1);   /* the 503s are out: no more come */
}

/* SIGINT and SIGTERM are blocked in every thread (set before any thread
 * starts) and taken by sigwait in the main thread: no handler runs
 * inside the server's code.  Their disposition is made the default so a
 * shell that starts us in the background with SIGINT ignored does not
 * make Ctrl-C and kill -INT useless. */
static void block_stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);    /* a client that goes away is not a reason to die */
    pthread_sigmask(SIG_BLOCK, set, NULL);
}

/* What stands between a client and the routes: TLS, tokens, the access
 * log, the connection deadlines. */
static bool open_edge(server *sv)
{
    const serve_opts *o = sv->o;
    if (o->tls_cert && !cr_tls_load(o->tls_cert, o->tls_key, &sv->tls))
        return false;
    if (o->tokens) {
        if (!(sv->auth = cr_auth_load(o->tokens)))
            return false;
        for (size_t i = 0; i < o->nopen_routes; i++)
            if (!cr_auth_open_route(sv->auth, o->open_routes[i])) {
                fprintf(stderr, "credo serve: out of memory\n");
                return false;
            }
    }
    if (o->access_log && !(sv->access_log = cr_access_log_open(o->access_log)))
        return false;
    if (!(sv->edge = cr_edge_new((unsigned)o->timeout))) {
        fprintf(stderr, "credo serve: out of memory\n");
        return false;
    }
    return true;
}

static int serve(server *sv, const struct sockaddr_storage *addr, bool v6)
{
    sigset_t stop;
    block_stop_signals(&stop);
    cr_session_limits limits = CR_SESSION_LIMITS_DEFAULT;
    limits.deadline_ms = (uint32_t)sv->o->deadline_ms;
    if (!open_edge(sv))
        return 1;
    if (!(sv->reg = cr_registry_open(sv->o->dir, &limits)))
        return 1;
    if (!(sv->metrics = cr_metrics_new())) {
        fprintf(stderr, "credo serve: out of memory\n");
        return 1;
    }
    if (sv->o->online.log && !(sv->log = cr_serve_log_open(sv->o->online.log, sv->o->online.log_key,
                                                             sv->o->online.log_sign)))
        return 1;
    if (!cr_registry_watch(sv->reg, POLL_MS) || !cr_edge_start(sv->edge) || !start_daemon(sv, addr, v6))
        return 1;
    int sig = 0;
    sigwait(&stop, &sig);
    fprintf(stderr, "credo serve: %s: finishing the requests in flight\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    drain(sv);
    return 0;
}

int cr_cmd_serve(int argc, char **argv)
{
    if (cr_cli_want_help(argc, argv))
        return cr_cli_usage(usage_serve, 0);
    if (argc >= 1 && strcmp(argv[0], "--hash-token") == 0 && argc <= 2)
        return cr_auth_hash_token_main(argc == 2 ? argv[1] : NULL);
    serve_opts o = {
        .bind = "127.0.0.1", .port = 8080,
        .max_body = 10u << 20, .max_batch = 10000, .timeout = 30,
        .max_connections = 1024, .max_per_ip = 64, .online = CR_ONLINE_OPTS_DEFAULT,
    };
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    /* with --log a request waiting for its commit is suspended and holds
     * no thread (serve_log.h): no more threads are needed than without */
    if (!o.threads)
        o.threads = default_threads();
    raise_open_files(&o);
    struct sockaddr_storage addr;
    bool v6;
    if (!parse_bind(o.bind, o.port, &addr, &v6)) {
        fprintf(stderr, "credo serve: --bind %s is not an IPv4 or IPv6 address\n", o.bind);
        return 2;
    }
    server sv = {.o = &o, .quiesced = MHD_INVALID_SOCKET};
    atomic_init(&sv.inflight, 0);
    atomic_init(&sv.stopping, false);
    atomic_init(&sv.expired, false);
    rc = serve(&sv, &addr, v6);
    /* in this order: every request handed to the log told, so none is
     * left suspended (libmicrohttpd cannot stop with one); no request
     * runs once the daemon is stopped, and only then can the policies'
     * versions and the counters go */
    cr_serve_log_flush(sv.log);
    if (sv.daemon)
        MHD_stop_daemon(sv.daemon);
    if (sv.quiesced != MHD_INVALID_SOCKET)
        close(sv.quiesced);
    cr_serve_log_close(sv.log);
    cr_registry_free(sv.reg);
    cr_metrics_free(sv.metrics);
    cr_edge_free(sv.edge);
    cr_auth_free(sv.auth);
    cr_access_log_close(sv.access_log);
    cr_tls_free(&sv.tls);
    if (rc == 0)
        fprintf(stderr, "credo serve: stopped\n");
    return rc;
}
