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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "runtime/cli/cli.h"
#include "runtime/decide.h"
#include "runtime/serve/metrics.h"
#include "runtime/serve/registry.h"
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
    "                         such policy; 413: the body is too large\n"
    "  GET  /v1/policies      name, version, sha256, program_sha256, effective,\n"
    "                         file, loaded_at\n"
    "  GET  /healthz          ok\n"
    "  GET  /metrics          Prometheus text: decisions, errors, latency, reloads\n"
    "\n"
    "  --port N            TCP port (default 8080; 0: any free port, printed on stderr)\n"
    "  --bind ADDR         IP address to listen on (default 127.0.0.1)\n"
    "  --threads N         server threads (default: the number of CPUs)\n"
    "  --as-of DATE        the date `today` means (YYYY-MM-DD; default: each\n"
    "                      request's current date, UTC)\n"
    "  --max-body BYTES    largest request body (default 10485760, 10 MiB)\n"
    "  --max-batch N       most applications in one array (default 10000)\n"
    "  --timeout SECONDS   close a connection idle this long (default 30); also the\n"
    "                      longest wait for requests in flight when stopping\n"
    "\n"
    "SIGINT or SIGTERM stops the server: it stops accepting connections,\n"
    "finishes the requests in flight and exits 0.\n"
    "\n"
    "exit status: 0 stopped by a signal, 1 the server cannot start, 2 usage.\n";

enum { POLL_MS = 200 };          /* how often the policy directory is looked at */

typedef struct serve_opts {
    const char *dir;
    const char *bind;
    unsigned long port;
    unsigned long threads;
    bool fixed_today;            /* --as-of given */
    int64_t today;
    unsigned long long max_body;
    unsigned long long max_batch;
    unsigned long timeout;
} serve_opts;

typedef struct server {
    const serve_opts *o;
    cr_registry *reg;
    cr_serve_metrics *metrics;
    struct MHD_Daemon *daemon;
    atomic_uint inflight;        /* requests begun and not yet completed */
    atomic_bool stopping;        /* answers then close their connection */
    /* the listening socket MHD_quiesce_daemon hands back: closed only after
     * MHD_stop_daemon, because MHD's own threads may still have it in
     * their epoll set until then (ThreadSanitizer saw the race) */
    MHD_socket quiesced;
} server;

/* One HTTP request, from its headers to its completion. */
typedef struct request {
    struct timespec start;
    bool decide;                 /* /v1/decide/NAME: timed in the histogram */
    bool answered;               /* a response is queued; the rest of the body is dropped */
    bool too_large;              /* the body went past --max-body: 413 once it ends */
    size_t dropped;              /* bytes of it read and thrown away since */
    char *policy;                /* NAME */
    cr_buf body;
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

/* --port and the other numeric options: false when the value is bad. */
static bool numeric_option(const char *a, const char *v, serve_opts *o)
{
    unsigned long long n;
    if (strcmp(a, "--port") == 0 && parse_count(v, 0, 65535, &n))
        o->port = (unsigned long)n;
    else if (strcmp(a, "--threads") == 0 && parse_count(v, 1, 1024, &n))
        o->threads = (unsigned long)n;
    else if (strcmp(a, "--max-body") == 0 && parse_count(v, 1, (unsigned long long)SIZE_MAX / 2, &n))
        o->max_body = n;
    else if (strcmp(a, "--max-batch") == 0 && parse_count(v, 1, 100000000, &n))
        o->max_batch = n;
    else if (strcmp(a, "--timeout") == 0 && parse_count(v, 1, 86400, &n))
        o->timeout = (unsigned long)n;
    else
        return false;
    return true;
}

/* Returns -1 when the options are fine, else the exit status. */
static int parse_args(int argc, char **argv, serve_opts *o)
{
    static const struct option longopts[] = {
        {"port", required_argument, NULL, 'n'},      {"threads", required_argument, NULL, 'n'},
        {"max-body", required_argument, NULL, 'n'},  {"max-batch", required_argument, NULL, 'n'},
        {"timeout", required_argument, NULL, 'n'},   {"bind", required_argument, NULL, 'b'},
        {"as-of", required_argument, NULL, 'A'},     {NULL, 0, NULL, 0}};
    int c, index = 0;
    while ((c = cr_cli_getopt_index("serve", argc, argv, "", longopts, &index)) != -1) {
        if (c == 'b') {
            o->bind = optarg;
        } else if (c == 'A') {
            if (!cr_date_parse(optarg, strlen(optarg), &o->today)) {
                fprintf(stderr, "credo serve: --as-of %s is not a date YYYY-MM-DD\n", optarg);
                return 2;
            }
            o->fixed_today = true;
        } else if (c == 'n') {
            char name[32];
            snprintf(name, sizeof name, "--%s", longopts[index].name);
            if (!numeric_option(name, optarg, o)) {
                fprintf(stderr, "credo serve: %s %s is out of range or not a number\n", name, optarg);
                return 2;
            }
        } else {
            return 2;
        }
    }
    int first = cr_cli_optind();
    if (argc - first != 1)
        return cr_cli_usage_error("serve", first == argc ? "no DIR given" : "one DIR ('%s' is one too many)",
                                  argv[argc - 1]);
    o->dir = argv[first];
    return -1;
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

/* {"error":"..."} in out; returns status. */
static unsigned error_json(cr_buf *out, unsigned status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static unsigned error_json(cr_buf *out, unsigned status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    out->len = 0;
    cr_buf_puts(out, "{\"error\":");
    cr_buf_json_string(out, msg, strlen(msg));
    cr_buf_puts(out, "}\n");
    return status;
}

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
    if (out->failed) {
        cr_buf_free(out);
        status = 500;
    }
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
    if (atomic_load(&sv->stopping))   /* a keep-alive client must not send another */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result respond_error(server *sv, struct MHD_Connection *c, request *rq, unsigned status,
                                     const char *allow, const char *what)
{
    cr_buf out = {0};
    error_json(&out, status, "%s", what);
    return respond(sv, c, rq, status, "application/json", &out, allow);
}

/* ---- deciding ------------------------------------------------------------------ */

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && is_ws(*p))
        p++;
    return p;
}

/* Just past the string whose opening quote is at p; NULL when it does
 * not end. */
static const char *string_end(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

/* Just past the JSON value that starts at p; NULL when it runs off the
 * end.  Only strings and brackets are followed, enough to find where an
 * application ends; the application's reader checks everything else and
 * says what is wrong. */
static const char *value_end(const char *p, const char *end)
{
    if (*p == '"')
        return string_end(p, end);
    if (*p != '{' && *p != '[') {            /* a number or a literal */
        while (p < end && !is_ws(*p) && *p != ',' && *p != ']' && *p != '}')
            p++;
        return p;
    }
    size_t depth = 0;
    while (p < end) {
        if (*p == '"') {
            if (!(p = string_end(p, end)))
                return NULL;
            continue;
        }
        if (*p == '{' || *p == '[')
            depth++;
        else if ((*p == '}' || *p == ']') && --depth == 0)
            return p + 1;
        p++;
    }
    return NULL;
}

/* The elements of a JSON array, one at a time. */
typedef struct elem_iter {
    const char *p, *end;
    bool first;
} elem_iter;

/* 1 with the next element in *e, *n; 0 when the array ended (nothing but
 * white space after it); -1 when it is not a well-formed array. */
static int next_elem(elem_iter *it, const char **e, size_t *n)
{
    const char *p = skip_ws(it->p, it->end);
    if (p < it->end && *p == ']' && it->first)
        return skip_ws(p + 1, it->end) == it->end ? 0 : -1;
    if (!it->first) {
        if (p < it->end && *p == ']')
            return skip_ws(p + 1, it->end) == it->end ? 0 : -1;
        if (p == it->end || *p != ',')
            return -1;
        p = skip_ws(p + 1, it->end);
    }
    const char *q = p < it->end ? value_end(p, it->end) : NULL;
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

/* Adds "policy" and "version" (as run --challenger does) and "sha256":
 * the version that decided. */
static void tag_version(cr_buf *out, size_t start, const cr_program *p)
{
    cr_cli_tag_policy(out, start, p);
    if (out->len < start + 2)
        return;
    out->len -= 2;                            /* reopen the object: drop "}\n" */
    cr_buf_puts(out, ",\"sha256\":\"");
    cr_buf_puts(out, p->sha256);
    cr_buf_puts(out, "\",\"program_sha256\":\"");
    cr_buf_puts(out, p->program_sha256);
    cr_buf_puts(out, "\"}\n");
}

static void decide_one(cr_session *s, const char *app, size_t len, uint64_t n, cr_buf *out,
                       uint64_t counts[CR_METRIC_OUTCOMES])
{
    size_t start = out->len;
    cr_decided d;
    bool ok = cr_decide(s, app, len, out, &(cr_decide_opts){.line = n}, &d);
    tag_version(out, start, s->prog);
    counts[ok ? (int)s->outcome : CR_METRIC_ERROR]++;
}

/* "[\n" decisions joined by ",\n" "\n]\n": one decision a line, like run,
 * and "line" in an ERROR object is the application's place in the array. */
static void decide_array(cr_session *s, const char *p, const char *end, cr_buf *out,
                         uint64_t counts[CR_METRIC_OUTCOMES])
{
    elem_iter it = {p + 1, end, true};
    const char *e;
    size_t n;
    uint64_t i = 0;
    cr_buf_puts(out, "[\n");
    while (!out->failed && next_elem(&it, &e, &n) == 1) {
        if (i) {
            out->len--;                       /* the previous decision's newline */
            cr_buf_puts(out, ",\n");
        }
        decide_one(s, e, n, ++i, out, counts);
    }
    cr_buf_puts(out, "]\n");
}

/* The body of POST /v1/decide/NAME: the response in out, the status returned. */
static unsigned decide_body(server *sv, const char *name, const cr_buf *body, cr_buf *out)
{
    const char *p = body->p ? body->p : "", *end = p + body->len;
    p = skip_ws(p, end);
    while (end > p && is_ws(end[-1]))
        end--;
    /* a JSON object or array is an answer per application, even when one
     * of them is bad JSON; anything else is not a request at all */
    if (p == end || (*p != '{' && *p != '['))
        return error_json(out, 400, "the body must be a JSON object (an application) or an array of them");
    size_t n = 1;
    if (*p == '[' && !count_elems(p, end, &n))
        return error_json(out, 400, "the body is not a well-formed JSON array");
    if (n > sv->o->max_batch)
        return error_json(out, 413, "%zu applications in one request; at most %llu", n, sv->o->max_batch);
    cr_policy_version *v = cr_registry_acquire(sv->reg, name);
    if (!v)
        return error_json(out, 404, "no policy named %s", name);
    cr_session *s = cr_version_session(v);
    if (!s) {
        cr_version_release(v);
        return error_json(out, 500, "out of memory");
    }
    s->today = sv->o->fixed_today ? sv->o->today : cr_cli_today();
    uint64_t counts[CR_METRIC_OUTCOMES] = {0};
    if (*p == '{')
        decide_one(s, p, (size_t)(end - p), 1, out, counts);
    else
        decide_array(s, p, end, out, counts);
    cr_version_give_back(v, s);
    cr_metrics_decisions(sv->metrics, v->prog->name, counts);
    cr_version_release(v);
    return 200;
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
    clock_gettime(CLOCK_MONOTONIC, &rq->start);
    atomic_fetch_add(&sv->inflight, 1);
    *con_cls = rq;
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
        return take_body(sv, rq, upload, n);
    }
    /* the whole body is here */
    if (rq->too_large)
        return respond_error(sv, c, rq, 413, NULL, "the body is larger than --max-body");
    if (rq->body.failed)
        return respond_error(sv, c, rq, 500, NULL, "out of memory");
    cr_buf out = {0};
    unsigned status = decide_body(sv, rq->policy, &rq->body, &out);
    return respond(sv, c, rq, status, "application/json", &out, NULL);
}

static double seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* The response is sent (or the connection failed): the request is done. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    server *sv = cls;
    request *rq = *con_cls;
    if (!rq)
        return;
    if (rq->decide && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        cr_metrics_latency(sv->metrics, seconds_since(&rq->start));
    cr_buf_free(&rq->body);
    free(rq->policy);
    free(rq);
    *con_cls = NULL;
    atomic_fetch_sub(&sv->inflight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    fputs("credo serve: httpd: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* ---- the server ----------------------------------------------------------------- */

static bool start_daemon(server *sv, const struct sockaddr_storage *addr, bool v6)
{
    const serve_opts *o = sv->o;
    /* ITC: MHD_quiesce_daemon needs it, to stop accepting while the
     * requests in flight finish */
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    /* the logger first: MHD logs with its own until it is set */
    sv->daemon = MHD_start_daemon(
        flags, (uint16_t)o->port, NULL, NULL, on_request, sv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)addr, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)(o->threads > 1 ? o->threads : 0), MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->timeout,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, sv, MHD_OPTION_END);
    if (!sv->daemon) {
        fprintf(stderr, "credo serve: cannot listen on %s port %lu\n", o->bind, o->port);
        return false;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(sv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : (unsigned)o->port;
    fprintf(stderr, "credo serve: listening on http://%s%s%s:%u/ (%zu policies from %s, %lu threads)\n",
            v6 ? "[" : "", o->bind, v6 ? "]" : "", port, cr_registry_count(sv->reg), o->dir, o->threads);
    return true;
}

/* Stops accepting connections, then waits (at most --timeout) for the
 * requests in flight to be answered.  "None in flight" must hold for a
 * little while: a keep-alive client answered just before the stop (so
 * without "Connection: close") may already be sending its next request
 * on the open connection, and that one is answered too, with a close. */
static void drain(server *sv)
{
    atomic_store(&sv->stopping, true);
    sv->quiesced = MHD_quiesce_daemon(sv->daemon);
    enum { TICK_MS = 10, QUIET_TICKS = 20 };
    struct timespec start, tick = {0, TICK_MS * 1000000L};
    clock_gettime(CLOCK_MONOTONIC, &start);
    int quiet = 0;
    while (quiet < QUIET_TICKS && seconds_since(&start) < (double)sv->o->timeout) {
        nanosleep(&tick, NULL);
        quiet = atomic_load(&sv->inflight) > 0 ? 0 : quiet + 1;
    }
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

static int serve(server *sv, const struct sockaddr_storage *addr, bool v6)
{
    sigset_t stop;
    block_stop_signals(&stop);
    static const cr_session_limits limits = CR_SESSION_LIMITS_DEFAULT;
    if (!(sv->reg = cr_registry_open(sv->o->dir, &limits)))
        return 1;
    if (!(sv->metrics = cr_metrics_new())) {
        fprintf(stderr, "credo serve: out of memory\n");
        return 1;
    }
    if (!cr_registry_watch(sv->reg, POLL_MS) || !start_daemon(sv, addr, v6))
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
    serve_opts o = {
        .bind = "127.0.0.1", .port = 8080, .threads = default_threads(),
        .max_body = 10u << 20, .max_batch = 10000, .timeout = 30,
    };
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    struct sockaddr_storage addr;
    bool v6;
    if (!parse_bind(o.bind, o.port, &addr, &v6)) {
        fprintf(stderr, "credo serve: --bind %s is not an IPv4 or IPv6 address\n", o.bind);
        return 2;
    }
    server sv = {.o = &o, .quiesced = MHD_INVALID_SOCKET};
    atomic_init(&sv.inflight, 0);
    atomic_init(&sv.stopping, false);
    rc = serve(&sv, &addr, v6);
    /* in this order: no request runs once the daemon is stopped, and
     * only then can the policies' versions and the counters go */
    if (sv.daemon)
        MHD_stop_daemon(sv.daemon);
    if (sv.quiesced != MHD_INVALID_SOCKET)
        close(sv.quiesced);
    cr_registry_free(sv.reg);
    cr_metrics_free(sv.metrics);
    if (rc == 0)
        fprintf(stderr, "credo serve: stopped\n");
    return rc;
}
