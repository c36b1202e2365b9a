/* The policies `credo serve` answers for: every DIR/NAME.credo file (not
 * NAME.test.credo), each served by the policy name its header declares, and
 * compiled again when the file changes.  Part of the command, not of the
 * library (serve/ is the command's, so the Makefile keeps it out of
 * libcredo).
 *
 * A compiled policy is published as a reference-counted version.  A
 * request takes a reference to the current version (under the registry's
 * mutex, a few instructions long) and decides with it however long it
 * takes; a reload swaps the registry's pointer and drops the registry's
 * reference, and the old version is freed by whichever request releases
 * it last.  So a request is never answered by a half-loaded policy, and
 * never loses its policy halfway.
 *
 * Sessions are mutable and belong to one thread at a time: each version
 * keeps a pool of idle ones.  A request takes one out, decides, and puts
 * it back, so the pool grows to the number of requests deciding at once
 * (at most the number of server threads) and no session is ever used by
 * two threads together. */
#ifndef CREDO_CLI_SERVE_REGISTRY_H
#define CREDO_CLI_SERVE_REGISTRY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "runtime/io/decision_json.h"
#include "runtime/vm/vm.h"

typedef struct cr_policy_version {
    cr_program *prog;            /* immutable */
    char data_sha256[65];        /* its reference data's identity in the decision log; "" none */
    char loaded_at[24];          /* when it was published, "YYYY-MM-DDTHH:MM:SSZ" */
    atomic_uint refs;            /* the registry's while current, plus one per request */
    cr_session_limits limits;
    pthread_mutex_t pool_lock;   /* the pool only */
    cr_session **pool;           /* idle sessions */
    size_t npool, cap;
} cr_policy_version;

typedef struct cr_registry cr_registry;

/* Loads every policy of dir now, printing diagnostics to stderr; a policy
 * that does not compile is reported and left out (it is loaded when its
 * file changes).  NULL, with the reason printed, when dir cannot be read. */
cr_registry *cr_registry_open(const char *dir, const cr_session_limits *limits);
/* Starts the thread that polls dir every interval_ms and reloads. */
bool cr_registry_watch(cr_registry *r, unsigned interval_ms);
/* Stops the watcher and drops the registry's references; the caller
 * must have released every version it acquired. */
void cr_registry_free(cr_registry *r);

/* The current version of the policy called name, with a reference the
 * caller gives back with cr_version_release; NULL when none is served.
 * Of several versions (files declaring the same policy with different
 * effective dates), the one taking effect last. */
cr_policy_version *cr_registry_acquire(cr_registry *r, const char *name);
/* The version of the policy called name in effect on as_of (a day
 * number): of its versions, the one with the latest effective date not
 * after as_of, as `credo run DIR` chooses; a policy served from one file
 * only is in effect on every date, as `credo run FILE` decides.  NULL
 * when none is served (*known false) or none is in effect then (*known
 * true). */
cr_policy_version *cr_registry_acquire_at(cr_registry *r, const char *name, int64_t as_of, bool *known);
void cr_version_release(cr_policy_version *v);
/* An idle session of v for the caller alone (NULL: out of memory), and
 * giving it back when the application is decided. */
cr_session *cr_version_session(cr_policy_version *v);
void cr_version_give_back(cr_policy_version *v, cr_session *s);

/* {"policies":[{"name","version","sha256","program_sha256","effective","file",
 * "loaded_at","newer_not_loaded"},...],"not_loaded":[{"file","newer_not_loaded"},...]}
 * and a newline: every version served, each with its effective date;
 * "newer_not_loaded" is null or {"error","at"}: the first error line of the
 * file's newest content, which did not load. */
void cr_registry_list_json(cr_registry *r, cr_buf *out);
/* How many policies are served, and how many loads succeeded and failed
 * since start (the first loads included). */
size_t cr_registry_count(cr_registry *r);
void cr_registry_loads(cr_registry *r, uint64_t *ok, uint64_t *failed);
/* Which version each file serves, and which files' newest content did
 * not load and why, in the Prometheus text format. */
void cr_registry_metrics_write(cr_registry *r, cr_buf *out);

#endif
