/* Counters of `credo serve`, written in the Prometheus text format
 * (GET /metrics).  Every function may be called from any thread. */
#ifndef CREDO_CLI_SERVE_METRICS_H
#define CREDO_CLI_SERVE_METRICS_H

#include <stdint.h>

#include "runtime/io/decision_json.h"

/* The outcomes counted per policy: APPROVE, REFER, REJECT (cr_outcome_code
 * order), then ERROR, an application that could not be decided. */
enum { CR_METRIC_ERROR = 3, CR_METRIC_OUTCOMES = 4 };

typedef struct cr_serve_metrics cr_serve_metrics;

cr_serve_metrics *cr_metrics_new(void);
void cr_metrics_free(cr_serve_metrics *m);

/* Adds one request's decisions by outcome. */
void cr_metrics_decisions(cr_serve_metrics *m, const char *policy, const uint64_t counts[CR_METRIC_OUTCOMES]);
/* A request answered with an error status (4xx, 5xx). */
void cr_metrics_error(cr_serve_metrics *m, unsigned status);
/* How long one decide request took, in seconds. */
void cr_metrics_latency(cr_serve_metrics *m, double seconds);

/* Everything, with what the registry knows (policies served, loads). */
void cr_metrics_write(cr_serve_metrics *m, cr_buf *out, size_t policies, uint64_t loads_ok, uint64_t loads_failed);

#endif
