/* Allocation failure: every allocation the library makes while compiling
 * the reference policy, deciding its first applicants, writing their
 * decisions and logging them is made to fail in turn, and each time the
 * library must end in a clean error: no crash, no leak, no wrong answer.
 *
 * Linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup
 * against libcredo.a: the library's calls to those go to the __wrap_
 * functions below, which count them and fail the n-th (PCRE2's and
 * SQLite's own allocations are theirs, not wrapped).  For n = 1, 2, ...
 * until a run makes fewer than n allocations:
 *
 *   1. credo_policy_load(POLICY), credo_session_new, set_as_of;
 *   2. each of the first APPS lines of APPLICANTS: credo_decide_json and
 *      credo_decision_json; the decisions also go to a decision log
 *      (cr_dlog, a new one each run in LOGDIR, committed at the end);
 *   3. everything freed.
 *
 * Clean means: a load or session that fails says so with CREDO_E_MEMORY
 * (or a compile error that says "out of memory"); a decision is either
 * byte for byte the one made with no failure, or an ERROR whose message
 * says "memory"; a log call that fails says "out of memory"; and every
 * allocation made during the run is freed by its end (counted here, and
 * LeakSanitizer checks too in the san build).  Each n is run twice: with
 * only the n-th allocation failing, and with every allocation from the
 * n-th on failing (memory that stays exhausted).
 *
 * Usage: alloc_fail POLICY APPLICANTS [APPS [LOGDIR]]
 * (APPS default 50, LOGDIR default /dev/shm, else /tmp); exit 0 when every
 * step was clean. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lang/compile.h"
#include "runtime/credo.h"
#include "runtime/audit/decision_log.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
void __wrap_free(void *p);
void __real_free(void *p);

/* ---- the failing allocator ------------------------------------------------- */

static long fail_at;        /* 0: nothing fails */
static bool sticky;         /* every allocation from fail_at on fails */
static long count;          /* allocations asked for since the run began */
static long failed;         /* allocations refused in this run */
static long live;           /* allocations not yet freed */

static bool refuse(void)
{
    count++;
    if (fail_at && (count == fail_at || (sticky && count > fail_at))) {
        failed++;
        errno = ENOMEM;   /* as malloc does */
        return true;
    }
    return false;
}

void *__wrap_malloc(size_t n)
{
    if (refuse())
        return NULL;
    void *p = __real_malloc(n);
    live += p != NULL;
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    if (refuse())
        return NULL;
    void *p = __real_calloc(n, size);
    live += p != NULL;
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    if (refuse())
        return NULL;
    void *q = __real_realloc(p, n);
    if (!p && q)
        live++;
    else if (p && !q && n == 0)
        live--;
    return q;
}

char *__wrap_strdup(const char *s)
{
    if (refuse())
        return NULL;
    char *p = __real_strdup(s);
    live += p != NULL;
    return p;
}

void __wrap_free(void *p)
{
    live -= p != NULL;
    __real_free(p);
}

/* ---- one run ------------------------------------------------------------------ */

#define MAX_APPS 1000

static const char *policy_path;
static char log_path[4096];
static char *lines[MAX_APPS];
static size_t lens[MAX_APPS];
static int napps;
static char *want[MAX_APPS];        /* the decisions with nothing failing */

typedef struct outcome {
    long allocations;
    long refused;
    int errors;                     /* clean errors seen */
    char bad[600];                  /* what was not clean; "" when all was */
} outcome;

static void bad(outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad(outcome *o, const char *fmt, ...)
{
    if (o->bad[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->bad, sizeof o->bad, fmt, ap);
    va_end(ap);
}

static bool says_memory(const char *m) { return m && strstr(m, "memory") != NULL; }

static void log_decision(cr_dlog *log, const credo_policy *p, credo_session *s, int i, const char *json,
                         size_t len, outcome *o)
{
    char app[32];
    snprintf(app, sizeof app, "APP%d", i);
    const char *outc = credo_outcome(s);
    cr_dlog_entry e = {
        .app_id = app, .app_id_len = strlen(app), .policy_sha256 = credo_policy_sha256(p),
        .program_sha256 = credo_policy_program_sha256(p),
        .as_of = "2026-12-01", .application = lines[i], .application_len = lens[i],
        .outcome = outc ? outc : "ERROR", .reasons = "[]", .reasons_len = 2,
        .results = json ? json : "{}", .results_len = json ? len : 2, .fired = "[]", .fired_len = 2,
        .decided_by = "champion", .created_at = "2026-12-01T00:00:00.000Z",
    };
    if (cr_dlog_append(log, &e) < 0) {
        if (says_memory(cr_dlog_errmsg(log)))
            o->errors++;
        else
            bad(o, "cr_dlog_append failed without saying why: %s", cr_dlog_errmsg(log));
    }
}

/* With `reference` the decisions are kept as what every later run must
 * give; otherwise each is compared with them. */
static outcome run(bool reference)
{
    outcome o = {0};
    credo_error err;
    long live_before = live;
    char side[4200];
    unlink(log_path);
    snprintf(side, sizeof side, "%s-wal", log_path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", log_path);
    unlink(side);
    count = failed = 0;

    credo_policy *p = credo_policy_load(policy_path, &err);
    credo_session *s = NULL;
    cr_dlog *log = NULL;
    if (!p) {
        if (err.code == CREDO_E_MEMORY || (err.code == CREDO_E_COMPILE && says_memory(err.message)))
            o.errors++;
        else
            bad(&o, "credo_policy_load failed with code %d: %s:%u:%u: %s", err.code, err.file, err.line,
                err.column, err.message);
        goto done;
    }
    if (!(s = credo_session_new(p, &err))) {
        if (err.code == CREDO_E_MEMORY)
            o.errors++;
        else
            bad(&o, "credo_session_new failed with code %d: %s", err.code, err.message);
        goto done;
    }
    if (credo_session_set_as_of(s, "2026-12-01") != CREDO_OK) {
        bad(&o, "credo_session_set_as_of failed");
        goto done;
    }
    char why[600];
    if (!(log = cr_dlog_open(log_path, CR_DLOG_APPEND, why, sizeof why))) {
        if (says_memory(why))
            o.errors++;
        else
            bad(&o, "cr_dlog_open failed without saying why: %s", why);
    } else {
        /* the policy's row; a failure leaves the log unusable for decisions */
        cr_program *prog = *(cr_program **)p;   /* credo_policy starts with its program */
        if (!cr_dlog_add_policy(log, prog)) {
            if (says_memory(cr_dlog_errmsg(log)))
                o.errors++;
            else
                bad(&o, "cr_dlog_add_policy failed without saying why: %s", cr_dlog_errmsg(log));
            cr_dlog_close(log);
            log = NULL;
        }
    }
    for (int i = 0; i < napps; i++) {
        int rc = credo_decide_json(s, lines[i], lens[i], &err);
        size_t len = 0;
        const char *json = credo_decision_json(s, &len);
        if (reference) {
            if (!json) {
                bad(&o, "no decision for applicant %d with nothing failing", i + 1);
                goto done;
            }
            want[i] = __real_strdup(json);
        } else if (json && strcmp(json, want[i]) == 0) {
            /* the same answer as with nothing failing */
        } else if (rc == CREDO_OK) {
            bad(&o, "applicant %d: a different decision and no error:\n  got  %s\n  want %s", i + 1,
                json ? json : "(none)", want[i]);
        } else if (!says_memory(err.message)) {
            bad(&o, "applicant %d: error %d that does not say memory: %s", i + 1, rc, err.message);
        } else if (json && !strstr(json, "\"decision\":\"ERROR\"")) {
            bad(&o, "applicant %d: error %d (%s) but the decision line says: %s", i + 1, rc, err.message, json);
        } else {
            o.errors++;
        }
        if (log)
            log_decision(log, p, s, i, json, len, &o);
    }
    if (log && !cr_dlog_commit(log)) {
        if (says_memory(cr_dlog_errmsg(log)))
            o.errors++;
        else
            bad(&o, "cr_dlog_commit failed without saying why: %s", cr_dlog_errmsg(log));
    }
done:
    cr_dlog_close(log);
    credo_session_free(s);
    credo_policy_free(p);
    o.allocations = count;
    o.refused = failed;
    if (live != live_before && !o.bad[0])
        bad(&o, "%ld allocations not freed", live - live_before);
    live = live_before;
    return o;
}

static char *slurp_lines(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while (napps < MAX_APPS && (n = getline(&line, &cap, f)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        lines[napps] = __real_malloc((size_t)n + 1);
        memcpy(lines[napps], line, (size_t)n);
        lines[napps][n] = '\0';
        lens[napps++] = (size_t)n;
    }
    __real_free(line);
    fclose(f);
    return lines[0];
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: alloc_fail POLICY APPLICANTS [APPS]\n");
        return 2;
    }
    policy_path = argv[1];
    int want_apps = argc > 3 ? atoi(argv[3]) : 50;
    if (!slurp_lines(argv[2])) {
        fprintf(stderr, "alloc_fail: cannot read %s\n", argv[2]);
        return 2;
    }
    if (napps > want_apps)
        napps = want_apps;
    const char *dir = argc > 4 ? argv[4] : access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(log_path, sizeof log_path, "%s/alloc_fail.%ld.db", dir, (long)getpid());

    outcome ref = run(true);
    if (ref.bad[0]) {
        fprintf(stderr, "alloc_fail: with nothing failing: %s\n", ref.bad);
        return 1;
    }
    /* a second run: anything the library sets up once has been */
    ref = run(false);
    if (ref.bad[0] || ref.errors) {
        fprintf(stderr, "alloc_fail: second run with nothing failing: %s\n", ref.bad[0] ? ref.bad : "errors");
        return 1;
    }
    long total = ref.allocations;
    int problems = 0;
    long clean = 0, absorbed = 0;
    for (int mode = 0; mode < 2; mode++) {
        sticky = mode == 1;
        for (fail_at = 1;; fail_at++) {
            outcome o = run(false);
            if (o.refused == 0)
                break;   /* this run made fewer than fail_at allocations: every one has failed */
            if (o.bad[0]) {
                fprintf(stderr, "alloc_fail: allocation %ld of %ld failing%s: %s\n", fail_at, o.allocations,
                        sticky ? " (and every one after)" : "", o.bad);
                if (++problems >= 20) {
                    fprintf(stderr, "alloc_fail: stopping after 20 problems\n");
                    goto out;
                }
            } else if (o.errors) {
                clean++;
            } else {
                absorbed++;   /* the library got by without that allocation */
            }
        }
    }
out:
    fail_at = 0;
    unlink(log_path);
    snprintf(log_path + strlen(log_path), 8, "-wal");
    unlink(log_path);
    log_path[strlen(log_path) - 4] = '\0';
    snprintf(log_path + strlen(log_path), 8, "-shm");
    unlink(log_path);
    for (int i = 0; i < napps; i++)
        __real_free(want[i]), __real_free(lines[i]);
    printf("alloc_fail: %ld allocations in a run (%d applicants); each failed in turn, alone and with every"
           " later one: %ld clean errors, %ld absorbed, %d problems\n",
           total, napps, clean, absorbed, problems);
    return problems ? 1 : 0;
}
