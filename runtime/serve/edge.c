/* The HTTP edge of `credo serve` (edge.h).
 *
 * Deadlines: libmicrohttpd's connection timeout is an idle timeout, reset
 * by every byte, so a slow client that sends a header line every ten
 * seconds is never timed out by it.  Every connection is therefore kept
 * in a list with the time its current request must be in by; a thread
 * looks at the list four times a second and shuts down (shutdown(2)) the
 * sockets past it, and libmicrohttpd then closes them as it would a
 * client that went away.  The list's mutex is also taken by the "closed"
 * notification, which libmicrohttpd sends before it closes the socket:
 * so a socket is never shut down after its number may have been reused. */
#include "runtime/serve/edge.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

typedef struct tracked {
    struct tracked *prev, *next;
    MHD_socket fd;
    unsigned deadline_s;         /* the edge's, for the request threads */
    /* CLOCK_MONOTONIC milliseconds the current request must be in by; 0
     * while one is being answered.  Written by request threads, read by
     * the reaper: atomic. */
    atomic_llong deadline_ms;
    bool cut;                    /* shut down by us: counted once */
} tracked;

enum { MAX_FORMATS = 64 };       /* kinds of libmicrohttpd message printed once each */

struct cr_edge {
    unsigned deadline_s;
    pthread_mutex_t lock;        /* the list and the formats seen */
    tracked *head;
    const char *formats[MAX_FORMATS];
    size_t nformats;
    atomic_bool started;
    atomic_uint_least64_t opened, open, timed_out, refused, messages;

    pthread_t reaper;
    bool reaping;
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_cond;    /* on CLOCK_MONOTONIC */
    bool stop;
};

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

cr_edge *cr_edge_new(unsigned deadline_s)
{
    cr_edge *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    pthread_condattr_t ca;
    bool ok = pthread_condattr_init(&ca) == 0;
    ok = ok && pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 && pthread_cond_init(&e->stop_cond, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!ok || pthread_mutex_init(&e->lock, NULL) != 0 || pthread_mutex_init(&e->stop_lock, NULL) != 0) {
        free(e);                 /* only at start-up: the process exits */
        return NULL;
    }
    e->deadline_s = deadline_s;
    atomic_init(&e->started, false);
    atomic_init(&e->opened, 0);
    atomic_init(&e->open, 0);
    atomic_init(&e->timed_out, 0);
    atomic_init(&e->refused, 0);
    atomic_init(&e->messages, 0);
    return e;
}

/* Shuts down every connection past its deadline. */
static void reap(cr_edge *e)
{
    long long now = now_ms();
    pthread_mutex_lock(&e->lock);
    for (tracked *t = e->head; t; t = t->next) {
        long long d = atomic_load(&t->deadline_ms);
        if (!t->cut && d > 0 && now > d) {
            shutdown(t->fd, SHUT_RDWR);
            t->cut = true;
            atomic_fetch_add(&e->timed_out, 1);
        }
    }
    pthread_mutex_unlock(&e->lock);
}

static void *reaper_main(void *arg)
{
    cr_edge *e = arg;
    pthread_mutex_lock(&e->stop_lock);
    while (!e->stop) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        t.tv_nsec += 250000000L;
        t.tv_sec += t.tv_nsec / 1000000000L;
        t.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&e->stop_cond, &e->stop_lock, &t);
        if (e->stop)
            break;
        pthread_mutex_unlock(&e->stop_lock);
        reap(e);
        pthread_mutex_lock(&e->stop_lock);
    }
    pthread_mutex_unlock(&e->stop_lock);
    return NULL;
}

bool cr_edge_start(cr_edge *e)
{
    if (pthread_create(&e->reaper, NULL, reaper_main, e) != 0) {
        fprintf(stderr, "credo serve: cannot start the connection deadline thread\n");
        return false;
    }
    e->reaping = true;
    return true;
}

/* After MHD_stop_daemon: every connection is closed by then. */
void cr_edge_free(cr_edge *e)
{
    if (!e)
        return;
    if (e->reaping) {
        pthread_mutex_lock(&e->stop_lock);
        e->stop = true;
        pthread_cond_signal(&e->stop_cond);
        pthread_mutex_unlock(&e->stop_lock);
        pthread_join(e->reaper, NULL);
    }
    for (tracked *t = e->head, *next; t; t = next) {
        next = t->next;
        free(t);
    }
    pthread_mutex_destroy(&e->lock);
    pthread_mutex_destroy(&e->stop_lock);
    pthread_cond_destroy(&e->stop_cond);
    free(e);
}

void cr_edge_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                           enum MHD_ConnectionNotificationCode code)
{
    cr_edge *e = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        atomic_fetch_add(&e->opened, 1);
        atomic_fetch_add(&e->open, 1);
        const union MHD_ConnectionInfo *fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        tracked *t = fd ? calloc(1, sizeof *t) : NULL;
        *socket_context = t;
        if (!t)
            return;              /* out of memory: this one has only the idle timeout */
        t->fd = fd->connect_fd;
        t->deadline_s = e->deadline_s;
        atomic_init(&t->deadline_ms, now_ms() + 1000LL * e->deadline_s);
        pthread_mutex_lock(&e->lock);
        t->next = e->head;
        if (e->head)
            e->head->prev = t;
        e->head = t;
        pthread_mutex_unlock(&e->lock);
        return;
    }
    atomic_fetch_sub(&e->open, 1);
    tracked *t = *socket_context;
    if (!t)
        return;
    pthread_mutex_lock(&e->lock);
    if (t->prev)
        t->prev->next = t->next;
    else
        e->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    pthread_mutex_unlock(&e->lock);
    free(t);
    *socket_context = NULL;
}

static void set_deadline(struct MHD_Connection *c, bool running)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    tracked *t = ci ? ci->socket_context : NULL;
    if (t)
        atomic_store(&t->deadline_ms, running ? 0 : now_ms() + 1000LL * t->deadline_s);
}

void cr_edge_request_read(struct MHD_Connection *c)
{
    set_deadline(c, true);
}

void cr_edge_request_done(struct MHD_Connection *c)
{
    set_deadline(c, false);
}

/* Messages that mean one connection was turned away by a limit. */
static bool is_refusal(const char *fmt)
{
    return strstr(fmt, "limit") != NULL || strstr(fmt, "Limit") != NULL;
}

void cr_edge_on_log(void *cls, const char *fmt, va_list ap)
{
    cr_edge *e = cls;
    if (!atomic_load(&e->started)) {
        fputs("credo serve: httpd: ", stderr);
        vfprintf(stderr, fmt, ap);
        return;
    }
    atomic_fetch_add(is_refusal(fmt) ? &e->refused : &e->messages, 1);
    /* a format is a string literal of libmicrohttpd: its address names its kind */
    bool first = false;
    pthread_mutex_lock(&e->lock);
    size_t i = 0;
    while (i < e->nformats && e->formats[i] != fmt)
        i++;
    if (i == e->nformats && i < MAX_FORMATS) {
        e->formats[e->nformats++] = fmt;
        first = true;
    }
    pthread_mutex_unlock(&e->lock);
    if (!first)
        return;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    fprintf(stderr, "credo serve: httpd: %s (printed once; counted in /metrics)\n", msg);
}

void cr_edge_daemon_started(cr_edge *e)
{
    atomic_store(&e->started, true);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t cr_edge_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    char *w = s;
    for (const char *r = s; *r;) {
        int hi, lo;
        if (r[0] == '%' && (hi = hex_digit(r[1])) >= 0 && (lo = hex_digit(r[2])) >= 0) {
            unsigned char b = (unsigned char)(hi * 16 + lo);
            if (b >= 0x20 && b != 0x7f) {
                *w++ = (char)b;
                r += 3;
                continue;
            }
        }
        *w++ = *r++;
    }
    *w = '\0';
    return (size_t)(w - s);
}

bool cr_edge_path_has_control(const char *path)
{
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

typedef struct framing {
    unsigned content_length, transfer_encoding;
} framing;

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    framing *f = cls;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        f->content_length += 1 + (value && strchr(value, ',') != NULL);   /* "5, 5" is two */
    else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
        f->transfer_encoding++;
    return MHD_YES;
}

const char *cr_edge_framing_error(struct MHD_Connection *c)
{
    framing f = {0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &f);
    if (f.content_length > 1)
        return "ambiguous framing: more than one Content-Length";
    if (f.content_length && f.transfer_encoding)
        return "ambiguous framing: Content-Length together with Transfer-Encoding";
    if (f.transfer_encoding > 1)
        return "ambiguous framing: more than one Transfer-Encoding";
    return NULL;
}

void cr_edge_metrics_write(cr_edge *e, cr_buf *out)
{
    cr_buf_puts(out, "# HELP credo_connections_open Client connections open now.\n"
                     "# TYPE credo_connections_open gauge\n");
    cr_buf_printf(out, "credo_connections_open %llu\n", (unsigned long long)atomic_load(&e->open));
    cr_buf_puts(out, "# HELP credo_connections_total Client connections accepted.\n"
                     "# TYPE credo_connections_total counter\n");
    cr_buf_printf(out, "credo_connections_total %llu\n", (unsigned long long)atomic_load(&e->opened));
    cr_buf_puts(out, "# HELP credo_connections_dropped_total Connections closed by the server: a request not"
                     " in by its deadline, or refused by a connection limit.\n"
                     "# TYPE credo_connections_dropped_total counter\n");
    cr_buf_printf(out, "credo_connections_dropped_total{reason=\"deadline\"} %llu\n",
                  (unsigned long long)atomic_load(&e->timed_out));
    cr_buf_printf(out, "credo_connections_dropped_total{reason=\"limit\"} %llu\n",
                  (unsigned long long)atomic_load(&e->refused));
    cr_buf_puts(out, "# HELP credo_httpd_messages_total Other messages of the HTTP library (each kind is"
                     " printed once on stderr).\n"
                     "# TYPE credo_httpd_messages_total counter\n");
    cr_buf_printf(out, "credo_httpd_messages_total %llu\n", (unsigned long long)atomic_load(&e->messages));
}
