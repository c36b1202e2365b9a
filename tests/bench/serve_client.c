/* A small HTTP load client for `credo serve`: N connections, each in its
 * own thread, POST the same body again and again over keep-alive (or a
 * new connection per request with -C) for a while, then the request
 * rate and latency percentiles are printed.  wrk does this better when
 * it is installed; this one needs nothing but libc, and it can check
 * every response, which the reload test (tests/golden/serve.sh) needs.
 *
 *   serve_client -p PORT [-a ADDR] [-c CONNS] [-d SECONDS | -s STOPFILE] [-C] [-X]
 *                [-e EXPECTED] PATH BODYFILE
 *
 * -X: a connection the server closes ("Connection: close", as credo
 * serve answers once it is stopping) is not opened again: its thread
 * ends.  So a client stopped with the server fails only if a request it
 * sent was not answered.
 *
 * -e EXPECTED: every response must be 200 with the body EXPECTED's first
 * line (a decision as `credo run` writes it) followed by the "policy",
 * "version", "sha256" and "program_sha256" credo serve adds; the versions seen are counted
 * and printed as "version V N".
 *
 * -u TAG: every "@ID@" in the body is replaced, in every request, by an
 * id of its own (TAG-CONN-N-K), so that no two applications sent are the
 * same (a decision log records each); each 200 response's first
 * "version" and "arm" are counted and printed ("version V N", "arm A N").
 * -U TAG: the same, but the ids are numbered in the order the requests
 * are made, over all connections (TAG-000000000001, ...), as a
 * loan-origination system numbers applications as they come; -u's ids
 * (by connection) fall in scattered places of the sorted order.
 * Exit status 0 when every request succeeded (and there was at least
 * one), 1 otherwise, 2 usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { MAX_VERSIONS = 64, MAX_REPORTED = 5 };

typedef struct options {
    const char *addr;
    int port;
    int conns;
    double seconds;
    const char *stopfile;
    bool close_each;
    bool once;                   /* -X */
    const char *path;
    char *request;               /* the whole request, headers and body */
    size_t request_len;
    const char *unique;          /* -u TAG or -U TAG */
    bool ordered;                /* -U */
    char *body;                  /* with -u: the body, "@ID@" still in it */
    size_t body_len;
    char *expect;                /* the decision without its closing "}" */
    size_t expect_len;
} options;

typedef struct version_count {
    char name[64];
    uint64_t n;
} version_count;

typedef struct worker {
    const options *o;
    pthread_t thread;
    uint64_t *lat_ns;            /* one per successful request */
    size_t nlat, cap;
    uint64_t failures;           /* all of them: */
    uint64_t refused;            /* could not connect */
    uint64_t dropped;            /* sent, and the connection failed before the whole response */
    version_count versions[MAX_VERSIONS];
    int nversions;
    char *buf;                   /* the response being read */
    size_t buf_cap;
    int id;                      /* its place among the connections */
    uint64_t sent;               /* requests made, for -u */
    char *req;                   /* -u: the request being sent */
    size_t req_cap;
} worker;

static atomic_bool stop_flag;
static atomic_int reported;      /* bad responses printed so far */

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void report(const char *what, const char *body, size_t len)
{
    if (atomic_fetch_add(&reported, 1) < MAX_REPORTED)
        fprintf(stderr, "serve_client: %s: %.*s\n", what, (int)(len > 400 ? 400 : len), body ? body : "");
}

static int connect_to(const options *o)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
    if (inet_pton(AF_INET, o->addr, &a.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        p += k;
        n -= (size_t)k;
    }
    return true;
}

/* Reads into w->buf until it holds at least want bytes. */
static bool read_until(worker *w, int fd, size_t *have, size_t want)
{
    if (want + 1 > w->buf_cap) {
        size_t cap = w->buf_cap ? w->buf_cap : 65536;
        while (cap < want + 1)
            cap *= 2;
        char *p = realloc(w->buf, cap);
        if (!p)
            return false;
        w->buf = p;
        w->buf_cap = cap;
    }
    while (*have < want) {
        ssize_t k = recv(fd, w->buf + *have, w->buf_cap - 1 - *have, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        *have += (size_t)k;
    }
    w->buf[*have] = '\0';
    return true;
}

/* A header's value in the head [p, end), or NULL. */
static const char *header(const char *p, const char *end, const char *name)
{
    size_t n = strlen(name);
    for (const char *line = memchr(p, '\n', (size_t)(end - p)); line && line + 1 < end;
         line = memchr(line + 1, '\n', (size_t)(end - line - 1)))
        if ((size_t)(end - line - 1) > n && strncasecmp(line + 1, name, n) == 0 && line[1 + n] == ':')
            return line + 2 + n;
    return NULL;
}

typedef struct response {
    int status;
    const char *body;
    size_t len;
    bool close;                  /* the server closes the connection after it */
} response;

/* One response on fd, into w->buf; false when the connection failed. */
static bool read_response(worker *w, int fd, response *r)
{
    size_t have = 0;
    char *eoh;
    for (;;) {
        if (!read_until(w, fd, &have, have + 1))
            return false;
        if ((eoh = strstr(w->buf, "\r\n\r\n")))
            break;
    }
    size_t head = (size_t)(eoh + 4 - w->buf);
    const char *cl = header(w->buf, eoh, "Content-Length");
    const char *conn = header(w->buf, eoh, "Connection");
    if (!cl || sscanf(w->buf, "HTTP/1.%*d %d", &r->status) != 1)
        return false;
    size_t len = (size_t)strtoull(cl, NULL, 10);
    if (!read_until(w, fd, &have, head + len))
        return false;
    r->body = w->buf + head;
    r->len = len;
    r->close = conn && strncasecmp(conn + strspn(conn, " "), "close", 5) == 0;
    return true;
}

static void count_version(worker *w, const char *v, size_t n)
{
    for (int i = 0; i < w->nversions; i++)
        if (strlen(w->versions[i].name) == n && memcmp(w->versions[i].name, v, n) == 0) {
            w->versions[i].n++;
            return;
        }
    if (w->nversions == MAX_VERSIONS || n >= sizeof w->versions[0].name)
        return;
    version_count *c = &w->versions[w->nversions++];
    memcpy(c->name, v, n);
    c->name[n] = '\0';
    c->n = 1;
}

/* 200, the expected decision, then "policy", "version", "sha256",
 * "program_sha256" and the end. */
static bool check_response(worker *w, const response *r)
{
    const options *o = w->o;
    if (r->status != 200) {
        char what[32];
        snprintf(what, sizeof what, "status %d", r->status);
        report(what, r->body, r->len);
        return false;
    }
    if (o->unique) {
        static const char *const keys[] = {"\"version\":\"", "\"arm\":\""};
        for (int k = 0; k < 2; k++) {
            const char *v = strstr(r->body, keys[k]), *ve;
            if (!v || v >= r->body + r->len)
                continue;
            v += strlen(keys[k]);
            if (!(ve = strchr(v, '"')))
                continue;
            char name[64];
            int n = snprintf(name, sizeof name, "%s %.*s", k ? "arm" : "version", (int)(ve - v < 40 ? ve - v : 40), v);
            count_version(w, name, (size_t)n);
        }
    }
    if (!o->expect)
        return true;
    static const char policy[] = ",\"policy\":\"";
    static const char version[] = "\",\"version\":\"";
    static const char sha[] = "\",\"sha256\":\"";
    static const char prog[] = "\",\"program_sha256\":\"";
    const char *b = r->body, *end = r->body + r->len;
    const char *v = NULL, *ve = NULL;
    bool ok = r->len > o->expect_len + sizeof policy && memcmp(b, o->expect, o->expect_len) == 0 &&
              memcmp(b + o->expect_len, policy, sizeof policy - 1) == 0 && r->len >= 2 && end[-2] == '}' &&
              end[-1] == '\n' && (v = strstr(b + o->expect_len, version)) && v < end &&
              (ve = memchr(v + sizeof version - 1, '"', (size_t)(end - v - (sizeof version - 1)))) &&
              (size_t)(end - ve) == sizeof sha - 1 + 64 + sizeof prog - 1 + 64 + 3 &&
              memcmp(ve, sha, sizeof sha - 1) == 0 && memcmp(ve + sizeof sha - 1 + 64, prog, sizeof prog - 1) == 0;
    if (!ok) {
        report("unexpected body", r->body, r->len);
        return false;
    }
    v += sizeof version - 1;
    count_version(w, v, (size_t)(ve - v));
    return true;
}

static void record(worker *w, uint64_t ns)
{
    if (w->nlat == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 4096;
        uint64_t *p = realloc(w->lat_ns, cap * sizeof *p);
        if (!p)
            return;
        w->lat_ns = p;
        w->cap = cap;
    }
    w->lat_ns[w->nlat++] = ns;
}

static _Atomic unsigned long long next_id = 1;   /* -U */

/* -u: the request with every "@ID@" of the body made unique.  False
 * when out of memory. */
static bool unique_request(worker *w, const char **req, size_t *len)
{
    const options *o = w->o;
    const char *b = o->body, *end = o->body + o->body_len;
    size_t need = o->body_len + 512, n = 0, k = 0;
    for (const char *m = b; (m = strstr(m, "@ID@")) && m < end; m += 4)
        need += 64;
    if (need > w->req_cap) {
        char *p = realloc(w->req, need);
        if (!p)
            return false;
        w->req = p;
        w->req_cap = need;
    }
    char *body = w->req + 512;   /* the body first, then the head before it */
    w->sent++;
    for (const char *m; (m = strstr(b, "@ID@")) && m < end; b = m + 4) {
        memcpy(body + n, b, (size_t)(m - b));
        n += (size_t)(m - b);
        if (o->ordered)
            n += (size_t)sprintf(body + n, "%s-%012llu", o->unique, (unsigned long long)atomic_fetch_add(&next_id, 1));
        else
            n += (size_t)sprintf(body + n, "%s-%d-%llu-%zu", o->unique, w->id, (unsigned long long)w->sent, k++);
    }
    memcpy(body + n, b, (size_t)(end - b));
    n += (size_t)(end - b);
    char head[512];
    int h = snprintf(head, sizeof head,
                     "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n%s\r\n",
                     o->path, o->addr, n, o->close_each ? "Connection: close\r\n" : "");
    if (h < 0 || h >= 512)
        return false;
    memcpy(body - h, head, (size_t)h);
    *req = body - h;
    *len = (size_t)h + n;
    return true;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    const options *o = w->o;
    int fd = -1;
    while (!atomic_load(&stop_flag)) {
        if (fd < 0 && (fd = connect_to(o)) < 0) {
            w->failures++;
            w->refused++;
            report("cannot connect", strerror(errno), strlen(strerror(errno)));
            usleep(10000);
            continue;
        }
        const char *req = o->request;
        size_t req_len = o->request_len;
        if (o->unique && !unique_request(w, &req, &req_len)) {
            w->failures++;
            break;
        }
        uint64_t t0 = now_ns();
        response r;
        if (!send_all(fd, req, req_len) || !read_response(w, fd, &r)) {
            w->failures++;
            w->dropped++;
            report("connection failed", "", 0);
            close(fd);
            fd = -1;
            continue;
        }
        uint64_t t1 = now_ns();
        if (check_response(w, &r))
            record(w, t1 - t0);
        else
            w->failures++;
        if (r.close && o->once)
            break;
        if (r.close || o->close_each) {
            close(fd);
            fd = -1;
        }
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *p = malloc(cap);
    size_t k;
    while (p && (k = fread(p + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            char *q = realloc(p, cap *= 2);
            if (!q)
                free(p);
            p = q;
        }
    }
    fclose(f);
    if (p)
        *len = n;
    return p;
}

static bool build_request(options *o, const char *bodyfile)
{
    size_t blen;
    char *body = read_file(bodyfile, &blen);
    if (!body)
        return false;
    char head[512];
    int h = snprintf(head, sizeof head,
                     "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n%s\r\n",
                     o->path, o->addr, blen, o->close_each ? "Connection: close\r\n" : "");
    o->request = malloc((size_t)h + blen);
    if (!o->request) {
        free(body);
        return false;
    }
    memcpy(o->request, head, (size_t)h);
    memcpy(o->request + h, body, blen);
    o->request_len = (size_t)h + blen;
    if (o->unique) {
        o->body = body;
        o->body_len = blen;
    } else {
        free(body);
    }
    return true;
}

/* The expected decision: the file's first line without "}\n". */
static bool load_expect(options *o, const char *file)
{
    size_t n;
    if (!(o->expect = read_file(file, &n)))
        return false;
    char *nl = memchr(o->expect, '\n', n);
    if (nl)
        n = (size_t)(nl - o->expect);
    if (n < 2 || o->expect[n - 1] != '}')
        return false;
    o->expect_len = n - 1;
    return true;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_ms(const uint64_t *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)v[i] / 1e6;
}

static void add_versions(version_count *all, int *nall, const worker *w)
{
    for (int i = 0; i < w->nversions; i++) {
        int j = 0;
        while (j < *nall && strcmp(all[j].name, w->versions[i].name) != 0)
            j++;
        if (j == *nall) {
            if (*nall == MAX_VERSIONS)
                continue;
            all[(*nall)++] = w->versions[i];
        } else {
            all[j].n += w->versions[i].n;
        }
    }
}

/* Merges the workers' counts and prints the summary; returns the exit status. */
static int summarize(worker *ws, int n, double elapsed)
{
    size_t total = 0;
    uint64_t failures = 0, refused = 0, dropped = 0;
    for (int i = 0; i < n; i++) {
        total += ws[i].nlat;
        failures += ws[i].failures;
        refused += ws[i].refused;
        dropped += ws[i].dropped;
    }
    uint64_t *all = malloc((total ? total : 1) * sizeof *all);
    if (!all)
        return 1;
    size_t k = 0;
    version_count versions[MAX_VERSIONS];
    int nversions = 0;
    for (int i = 0; i < n; i++) {
        memcpy(all + k, ws[i].lat_ns, ws[i].nlat * sizeof *all);
        k += ws[i].nlat;
        add_versions(versions, &nversions, &ws[i]);
    }
    qsort(all, total, sizeof *all, compare_u64);
    printf("requests %zu failures %llu seconds %.2f req/s %.0f\n", total, (unsigned long long)failures, elapsed,
           (double)total / elapsed);
    if (failures)
        printf("failures: %llu could not connect, %llu connections failed mid-request, %llu bad responses\n",
               (unsigned long long)refused, (unsigned long long)dropped,
               (unsigned long long)(failures - refused - dropped));
    printf("latency ms p50 %.3f p90 %.3f p99 %.3f p99.9 %.3f max %.3f\n", pct_ms(all, total, 0.5),
           pct_ms(all, total, 0.9), pct_ms(all, total, 0.99), pct_ms(all, total, 0.999),
           pct_ms(all, total, 1.0));
    for (int i = 0; i < nversions; i++)
        printf("version %s %llu\n", versions[i].name, (unsigned long long)versions[i].n);
    free(all);
    return failures == 0 && total > 0 ? 0 : 1;
}

static void wait_for_stop(const options *o)
{
    uint64_t start = now_ns();
    for (;;) {
        usleep(20000);
        if (o->stopfile ? access(o->stopfile, F_OK) == 0 : (double)(now_ns() - start) / 1e9 >= o->seconds)
            break;
    }
}

static int usage(void)
{
    fputs("usage: serve_client -p PORT [-a ADDR] [-c CONNS] [-d SECONDS | -s STOPFILE] [-C] [-X] [-e EXPECTED]"
          " [-u TAG | -U TAG]"
          " PATH BODYFILE\n",
          stderr);
    return 2;
}

static int parse_args(int argc, char **argv, options *o, const char **bodyfile, const char **expect)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-C") == 0 || strcmp(a, "-X") == 0) {
            if (a[1] == 'C')
                o->close_each = true;
            else
                o->once = true;
            continue;
        }
        if (i + 1 >= argc)
            return usage();
        const char *v = argv[++i];
        if (strcmp(a, "-p") == 0)
            o->port = atoi(v);
        else if (strcmp(a, "-a") == 0)
            o->addr = v;
        else if (strcmp(a, "-c") == 0)
            o->conns = atoi(v);
        else if (strcmp(a, "-d") == 0)
            o->seconds = atof(v);
        else if (strcmp(a, "-s") == 0)
            o->stopfile = v;
        else if (strcmp(a, "-e") == 0)
            *expect = v;
        else if (strcmp(a, "-u") == 0 || strcmp(a, "-U") == 0) {
            o->unique = v;
            o->ordered = a[1] == 'U';
        }
        else
            return usage();
    }
    if (argc - i != 2 || o->port <= 0 || o->conns <= 0 || o->conns > 4096)
        return usage();
    o->path = argv[i];
    *bodyfile = argv[i + 1];
    return -1;
}

int main(int argc, char **argv)
{
    options o = {.addr = "127.0.0.1", .conns = 1, .seconds = 5};
    const char *bodyfile = NULL, *expect = NULL;
    int rc = parse_args(argc, argv, &o, &bodyfile, &expect);
    if (rc >= 0)
        return rc;
    if (!build_request(&o, bodyfile) || (expect && !load_expect(&o, expect))) {
        fprintf(stderr, "serve_client: cannot read %s\n", expect ? expect : bodyfile);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    worker *ws = calloc((size_t)o.conns, sizeof *ws);
    if (!ws)
        return 1;
    uint64_t start = now_ns();
    int started = 0;
    for (; started < o.conns; started++) {
        ws[started].o = &o;
        ws[started].id = started;
        if (pthread_create(&ws[started].thread, NULL, worker_main, &ws[started]) != 0)
            break;
    }
    wait_for_stop(&o);
    atomic_store(&stop_flag, true);
    for (int i = 0; i < started; i++)
        pthread_join(ws[i].thread, NULL);
    rc = summarize(ws, started, (double)(now_ns() - start) / 1e9);
    for (int i = 0; i < started; i++) {
        free(ws[i].lat_ns);
        free(ws[i].buf);
        free(ws[i].req);
    }
    free(o.body);
    free(ws);
    free(o.request);
    free(o.expect);
    return rc;
}
