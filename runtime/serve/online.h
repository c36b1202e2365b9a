/* One decide request of `credo serve`, online: the version of the
 * policy in effect on the request's date, a challenger taking a stable
 * share and a shadow deciding beside it (--challenger, --share,
 * --shadow, --sticky-key, as `credo run` has them), and the decisions
 * logged (--log, serve_log.h) before the answer goes out: handed to the
 * log, and the answer made once the log says they are committed. */
#ifndef CREDO_SERVE_ONLINE_H
#define CREDO_SERVE_ONLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/io/decision_json.h"
#include "runtime/serve/registry.h"
#include "runtime/serve/serve_log.h"

enum { CR_ONLINE_MAX_PAIRS = 16 };

/* A champion's name and the name of the policy beside it. */
typedef struct cr_online_pair {
    const char *champion, *other;
    size_t champion_len;
} cr_online_pair;

typedef struct cr_online_opts {
    const char *log, *log_key, *log_sign;
    cr_online_pair challengers[CR_ONLINE_MAX_PAIRS], shadows[CR_ONLINE_MAX_PAIRS];
    size_t nchallengers, nshadows;
    int share_bp;                /* -1: not given */
    const char *sticky_key;      /* NULL: app_id */
} cr_online_opts;

#define CR_ONLINE_OPTS_DEFAULT {.share_bp = -1}

/* The options of this module: 1 when a is one (its value v taken), 0
 * when it is not, -1 when its value is bad (the reason on stderr). */
int cr_online_option(const char *a, const char *v, cr_online_opts *o);
/* The options together; false (the reason on stderr) when they do not fit. */
bool cr_online_check(const cr_online_opts *o);

/* One request. */
typedef struct cr_online_call {
    const cr_online_opts *o;
    cr_serve_log *log;           /* NULL: no --log */
    cr_policy_version *v[3];     /* champion, challenger, shadow (NULL: none) */
    cr_session *s[3];
    int64_t as_of;
    char as_of_text[16];
    cr_buf keep;                 /* the log's texts, until the commit */
    struct cr_online_rec *recs;  /* one per decision to log */
    size_t nrecs, cap;
    bool failed;                 /* out of memory */
    /* for the access log: the arm (0 champion, 1 challenger) that
     * answered the last application, and how many the challenger did */
    int answered_by;
    size_t by_challenger;
    /* handed to the log (cr_online_submit), until cr_online_end */
    cr_dlog_entry *entries;
    const cr_program **progs;
    uint8_t (*content)[32];
    cr_serve_log_req req;
    bool submitted;
    bool refused;                /* the log is closed: the server is stopping */
} cr_online_call;

/* Takes the versions of policy `name` in effect on as_of and their
 * sessions: 200, or the error's status with its JSON in out (404: no
 * such policy, or none in effect on that date; 500). */
unsigned cr_online_begin(cr_online_call *c, const cr_online_opts *o, cr_serve_log *log, cr_registry *reg,
                         const char *name, int64_t as_of, cr_buf *out);
/* Decides one application into out, as credo run writes it with
 * "policy", "version", "sha256", "program_sha256" (and "arm" when the
 * policy has a challenger) added; the shadow decides it too, for the
 * log only.  Returns its outcome (cr_outcome_code), or -1 for ERROR. */
int cr_online_decide(cr_online_call *c, const char *app, size_t len, uint64_t n, cr_buf *out);
/* True when, with --log and status 200, the request has decisions to
 * hand to the log (cr_online_submit) before its answer. */
bool cr_online_wants_log(const cr_online_call *c, unsigned status, const cr_buf *out);
/* With --log and status 200: hands the request's decisions to the log
 * and gives the sessions back; true when they were handed over, and then
 * done(arg) is called on the log's thread once the log has them (or
 * cannot have them), and only then may cr_online_end be called.  False
 * when there is nothing to wait for (no log, a status other than 200, out
 * of memory, or the server stopping, which cr_online_end answers). */
bool cr_online_submit(cr_online_call *c, unsigned status, const cr_buf *out, void (*done)(cr_serve_log_req *),
                      void *arg);
/* Gives the versions and sessions back.  Returns status, or 503 (the
 * reason as JSON in out) when the decisions could not be logged or the
 * server is stopping, or 500 when they could not be handed to the log. */
unsigned cr_online_end(cr_online_call *c, unsigned status, cr_buf *out);

#endif
