/* The timing harness the bench programs share (bench_credo.c, floor.c and
 * handwritten.c), so their figures are measured the same way.  Each
 * defines BENCH_ENGINE (the name in its RESULT lines) and BENCH_PROG (in
 * its messages) before including this. */
#ifndef CREDO_BENCH_COMMON_H
#define CREDO_BENCH_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct tally {
    uint64_t n, by[4], reasons; /* by: APPROVE, REFER, REJECT, ERROR */
} tally;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Timed modes run at least REPS passes and at least min_seconds in all
 * (at most 1000 passes), and keep the best pass.  BENCH_MIN_SECONDS
 * overrides the 1 s (profile.sh sets 0: exactly REPS passes). */
static double min_seconds = 1.0;

static bool more_passes(int r, int reps, double spent)
{
    return r < reps || (spent < min_seconds && r < 1000);
}

static void report(const char *mode, const tally *t, double best)
{
    printf("RESULT engine=" BENCH_ENGINE " mode=%s n=%llu best_s=%.6f approve=%llu refer=%llu reject=%llu error=%llu"
           " reasons=%llu rss_kb=%ld\n",
           mode, (unsigned long long)t->n, best, (unsigned long long)t->by[0], (unsigned long long)t->by[1],
           (unsigned long long)t->by[2], (unsigned long long)t->by[3], (unsigned long long)t->reasons, peak_rss_kb());
}

static size_t trim(const char *line, size_t len)
{
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    return len;
}

/* The whole file in memory, split into lines (not NUL-terminated). */
static char *slurp_lines(const char *path, size_t **starts, size_t **lens, size_t *count)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, BENCH_PROG ": cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            char *p = realloc(buf, cap *= 2);
            if (!p)
                free(buf);
            buf = p;
        }
    }
    fclose(f);
    if (!buf)
        return NULL;
    size_t n = 0, c = 1024;
    size_t *st = malloc(c * sizeof *st), *ln = malloc(c * sizeof *ln);
    for (size_t i = 0; i < len && st && ln;) {
        char *nl = memchr(buf + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - buf) : len;
        if (n == c) {
            c *= 2;
            st = realloc(st, c * sizeof *st);
            ln = realloc(ln, c * sizeof *ln);
            if (!st || !ln)
                break;
        }
        st[n] = i;
        ln[n++] = trim(buf + i, e - i);
        i = e + 1;
    }
    if (!st || !ln) {
        fprintf(stderr, BENCH_PROG ": out of memory\n");
        return NULL;
    }
    *starts = st;
    *lens = ln;
    *count = n;
    return buf;
}

/* BENCH_MIN_SECONDS, when set. */
static void read_min_seconds(void)
{
    const char *ms = getenv("BENCH_MIN_SECONDS");
    if (ms && *ms)
        min_seconds = atof(ms);
}

#endif
