/* The access log of `credo serve` (access_log.h).  A line is formatted
 * in the request's thread and written whole under a mutex, then flushed,
 * so lines never interleave and a crash loses none already answered. */
#include "runtime/serve/access_log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/io/decision_json.h"

struct cr_access_log {
    FILE *f;
    pthread_mutex_t lock;
    bool failed;                 /* a write failed: reported once */
};

cr_access_log *cr_access_log_open(const char *path)
{
    cr_access_log *l = calloc(1, sizeof *l);
    if (!l || pthread_mutex_init(&l->lock, NULL) != 0) {
        free(l);
        fprintf(stderr, "credo serve: out of memory\n");
        return NULL;
    }
    if (!(l->f = fopen(path, "a"))) {
        fprintf(stderr, "credo serve: --access-log %s: %s\n", path, strerror(errno));
        pthread_mutex_destroy(&l->lock);
        free(l);
        return NULL;
    }
    return l;
}

void cr_access_log_close(cr_access_log *l)
{
    if (!l)
        return;
    fclose(l->f);
    pthread_mutex_destroy(&l->lock);
    free(l);
}

static void put_string_or_null(cr_buf *b, const char *s, size_t max)
{
    if (!s) {
        cr_buf_puts(b, "null");
        return;
    }
    size_t n = strlen(s);
    cr_buf_json_string(b, s, n < max ? n : max);
}

static void put_client(cr_buf *b, const struct sockaddr *sa)
{
    char text[INET6_ADDRSTRLEN] = "";
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, text, sizeof text);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, text, sizeof text);
    put_string_or_null(b, *text ? text : NULL, sizeof text);
}

static void put_time(cr_buf *b)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char text[32];
    strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    cr_buf_printf(b, "{\"time\":\"%s.%03ldZ\"", text, now.tv_nsec / 1000000);
}

void cr_access_log_write(cr_access_log *l, const cr_access_entry *e)
{
    cr_buf b = {0};
    put_time(&b);
    cr_buf_puts(&b, ",\"client\":");
    put_client(&b, e->client);
    cr_buf_puts(&b, ",\"token\":");
    put_string_or_null(&b, e->token, 200);
    cr_buf_puts(&b, ",\"route\":");
    put_string_or_null(&b, e->route, 300);   /* a client's path: bounded */
    cr_buf_puts(&b, ",\"policy\":");
    put_string_or_null(&b, e->policy, 300);
    cr_buf_puts(&b, ",\"version\":");
    put_string_or_null(&b, e->version, 300);
    if (e->by_challenger >= 0)
        cr_buf_printf(&b, ",\"challenger\":%lld", e->by_challenger);
    cr_buf_puts(&b, ",\"outcome\":");
    put_string_or_null(&b, e->outcome, 16);
    cr_buf_printf(&b, ",\"status\":%u,\"latency_us\":%llu}\n", e->status, (unsigned long long)e->latency_us);
    if (b.failed) {
        cr_buf_free(&b);
        return;
    }
    pthread_mutex_lock(&l->lock);
    bool ok = fwrite(b.p, 1, b.len, l->f) == b.len && fflush(l->f) == 0;
    if (!ok && !l->failed)
        fprintf(stderr, "credo serve: cannot write the access log: %s\n", strerror(errno));
    l->failed = !ok;
    pthread_mutex_unlock(&l->lock);
    cr_buf_free(&b);
}
