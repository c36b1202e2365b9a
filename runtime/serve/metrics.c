/* The counters of `credo serve` (metrics.h).
 *
 * Request-wide counters are atomics, so a request adds to them without a
 * lock.  Decisions are counted per policy name in a short list under a
 * mutex, taken once per request (an array of applications adds its
 * counts in one go).  Names are never removed: a Prometheus counter must
 * not go back to zero because its policy was deleted and added again. */
#include "runtime/serve/metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds of the latency buckets, seconds; +Inf is implied. */
static const double bucket_le[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
enum { NBUCKETS = sizeof bucket_le / sizeof bucket_le[0] };

/* The error statuses the server answers with. */
static const unsigned error_codes[] = {400, 401, 404, 405, 413, 500, 503};
enum { NCODES = sizeof error_codes / sizeof error_codes[0] };

static const char *const outcome_names[CR_METRIC_OUTCOMES] = {"APPROVE", "REFER", "REJECT", "ERROR"};

typedef struct policy_counts {
    struct policy_counts *next;
    uint64_t n[CR_METRIC_OUTCOMES];
    char name[];
} policy_counts;

struct cr_serve_metrics {
    pthread_mutex_t lock;        /* the policy list */
    policy_counts *policies;
    atomic_uint_least64_t errors[NCODES];
    atomic_uint_least64_t buckets[NBUCKETS + 1];   /* per bucket, not cumulative; the last is +Inf */
    atomic_uint_least64_t sum_ns;
};

cr_serve_metrics *cr_metrics_new(void)
{
    cr_serve_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        free(m);
        return NULL;
    }
    for (int i = 0; i < NCODES; i++)
        atomic_init(&m->errors[i], 0);
    for (int i = 0; i <= NBUCKETS; i++)
        atomic_init(&m->buckets[i], 0);
    atomic_init(&m->sum_ns, 0);
    return m;
}

void cr_metrics_free(cr_serve_metrics *m)
{
    if (!m)
        return;
    for (policy_counts *p = m->policies, *next; p; p = next) {
        next = p->next;
        free(p);
    }
    pthread_mutex_destroy(&m->lock);
    free(m);
}

void cr_metrics_decisions(cr_serve_metrics *m, const char *policy, const uint64_t counts[CR_METRIC_OUTCOMES])
{
    pthread_mutex_lock(&m->lock);
    policy_counts *p = m->policies;
    while (p && strcmp(p->name, policy) != 0)
        p = p->next;
    if (!p) {
        size_t len = strlen(policy);
        if ((p = calloc(1, sizeof *p + len + 1))) {
            memcpy(p->name, policy, len + 1);
            p->next = m->policies;
            m->policies = p;
        }
    }
    if (p)   /* out of memory: these decisions go uncounted, not the request */
        for (int i = 0; i < CR_METRIC_OUTCOMES; i++)
            p->n[i] += counts[i];
    pthread_mutex_unlock(&m->lock);
}

void cr_metrics_error(cr_serve_metrics *m, unsigned status)
{
    for (int i = 0; i < NCODES; i++)
        if (error_codes[i] == status)
            atomic_fetch_add(&m->errors[i], 1);
}

void cr_metrics_latency(cr_serve_metrics *m, double seconds)
{
    int i = 0;
    while (i < NBUCKETS && seconds > bucket_le[i])
        i++;
    atomic_fetch_add(&m->buckets[i], 1);
    atomic_fetch_add(&m->sum_ns, (uint_least64_t)(seconds * 1e9));
}

static void write_decisions(cr_serve_metrics *m, cr_buf *out)
{
    cr_buf_puts(out, "# HELP credo_decisions_total Applications answered, by policy and outcome"
                     " (ERROR: the application could not be decided).\n"
                     "# TYPE credo_decisions_total counter\n");
    pthread_mutex_lock(&m->lock);
    /* policy names are identifiers: nothing in them needs escaping */
    for (const policy_counts *p = m->policies; p; p = p->next)
        for (int i = 0; i < CR_METRIC_OUTCOMES; i++) {
            cr_buf_puts(out, "credo_decisions_total{policy=\"");
            cr_buf_puts(out, p->name);   /* any length: not through printf's 512 bytes */
            cr_buf_printf(out, "\",outcome=\"%s\"} %llu\n", outcome_names[i], (unsigned long long)p->n[i]);
        }
    pthread_mutex_unlock(&m->lock);
}

static void write_errors(cr_serve_metrics *m, cr_buf *out)
{
    cr_buf_puts(out, "# HELP credo_errors_total Requests refused or failed, by HTTP status.\n"
                     "# TYPE credo_errors_total counter\n");
    for (int i = 0; i < NCODES; i++)
        cr_buf_printf(out, "credo_errors_total{code=\"%u\"} %llu\n", error_codes[i],
                      (unsigned long long)atomic_load(&m->errors[i]));
}

static void write_latency(cr_serve_metrics *m, cr_buf *out)
{
    cr_buf_puts(out, "# HELP credo_request_duration_seconds Requests to /v1/decide/ (refused ones too), from"
                     " their headers to the response sent.\n"
                     "# TYPE credo_request_duration_seconds histogram\n");
    unsigned long long total = 0;
    for (int i = 0; i <= NBUCKETS; i++) {
        total += atomic_load(&m->buckets[i]);
        if (i < NBUCKETS)
            cr_buf_printf(out, "credo_request_duration_seconds_bucket{le=\"%g\"} %llu\n", bucket_le[i], total);
        else
            cr_buf_printf(out, "credo_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", total);
    }
    cr_buf_printf(out, "credo_request_duration_seconds_sum %.9f\n", (double)atomic_load(&m->sum_ns) / 1e9);
    cr_buf_printf(out, "credo_request_duration_seconds_count %llu\n", total);
}

void cr_metrics_write(cr_serve_metrics *m, cr_buf *out, size_t policies, uint64_t loads_ok, uint64_t loads_failed)
{
    write_decisions(m, out);
    write_errors(m, out);
    write_latency(m, out);
    /* cr_buf_printf formats at most 512 bytes: one line each */
    cr_buf_puts(out, "# HELP credo_policy_reloads_total Policy files compiled, the first loads included.\n"
                     "# TYPE credo_policy_reloads_total counter\n");
    cr_buf_printf(out, "credo_policy_reloads_total{result=\"ok\"} %llu\n", (unsigned long long)loads_ok);
    cr_buf_printf(out, "credo_policy_reloads_total{result=\"failed\"} %llu\n", (unsigned long long)loads_failed);
    cr_buf_puts(out, "# HELP credo_policies Policies being served.\n"
                     "# TYPE credo_policies gauge\n");
    cr_buf_printf(out, "credo_policies %zu\n", policies);
}
