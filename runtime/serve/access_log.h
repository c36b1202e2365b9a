/* The access log of `credo serve` (--access-log FILE): one JSON object a
 * line per request answered, appended to FILE:
 *
 *   {"time":"2026-12-07T06:30:00.123Z","client":"127.0.0.1","token":"origination",
 *    "route":"/v1/decide/sme_tax_loan","policy":"sme_tax_loan","version":"2026.11.1",
 *    "outcome":"APPROVE","status":200,"latency_us":412}
 *
 * "token" is the token's name from the token file (null without one);
 * "outcome" the decision of a single application, "ARRAY" for an array
 * of them, null when nothing was decided.  "policy" and "version" name
 * what decided a single application: the challenger, when it did (with
 * --challenger); for an array, the champion.  With a challenger the line
 * also has "challenger": how many of the request's applications it
 * decided (after "version").  Never the application's data
 * nor the token itself.  May be called from any thread. */
#ifndef CREDO_SERVE_ACCESS_LOG_H
#define CREDO_SERVE_ACCESS_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct cr_access_log cr_access_log;

typedef struct cr_access_entry {
    const struct sockaddr *client;   /* NULL: unknown */
    const char *token;               /* name, or NULL */
    const char *route;               /* the path asked for */
    const char *policy, *version;    /* NULL when no policy answered */
    long long by_challenger;         /* -1: no challenger */
    const char *outcome;             /* NULL when nothing was decided */
    unsigned status;
    uint64_t latency_us;
} cr_access_entry;

/* Opens path for appending; NULL with the reason on stderr. */
cr_access_log *cr_access_log_open(const char *path);
void cr_access_log_close(cr_access_log *l);
void cr_access_log_write(cr_access_log *l, const cr_access_entry *e);

#endif
