/* The HTTP edge of `credo serve`: what is refused or cut off before a
 * request reaches a route.
 *
 *   - ambiguous framing: two Content-Length headers (equal or not), or
 *     Content-Length together with Transfer-Encoding, is a 400, so a
 *     proxy and this server can never disagree on where a request ends;
 *   - a control character in the path (%00 included) is a 404;
 *   - a connection must deliver a whole request (headers and body)
 *     within the deadline of its opening or of its previous response,
 *     or it is shut down: a client that trickles a header line every few
 *     seconds holds a connection for the deadline, not for ever;
 *   - libmicrohttpd's own messages (a connection refused by a limit, a
 *     reset) are counted for /metrics; each kind is printed once, so a
 *     flood of connections cannot flood stderr.
 *
 * Every function may be called from any thread. */
#ifndef CREDO_SERVE_EDGE_H
#define CREDO_SERVE_EDGE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "runtime/io/decision_json.h"

typedef struct cr_edge cr_edge;

/* deadline_s: seconds a connection has for one whole request. */
cr_edge *cr_edge_new(unsigned deadline_s);
/* Starts the thread that shuts down connections past their deadline. */
bool cr_edge_start(cr_edge *e);
void cr_edge_free(cr_edge *e);

/* For MHD_OPTION_NOTIFY_CONNECTION (cls: the edge). */
void cr_edge_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                           enum MHD_ConnectionNotificationCode code);
/* For MHD_OPTION_EXTERNAL_LOGGER (cls: the edge).  Until
 * cr_edge_daemon_started every message is printed (why the daemon could
 * not start). */
void cr_edge_on_log(void *cls, const char *fmt, va_list ap);
void cr_edge_daemon_started(cr_edge *e);
/* For MHD_OPTION_UNESCAPE_CALLBACK: %XX is decoded, except where it
 * stands for a control character, which stays as written (so
 * "/v1/decide/NAME%00" names no policy instead of NAME). */
size_t cr_edge_unescape(void *cls, struct MHD_Connection *c, char *s);

/* The request on c has been read whole (its deadline stops) / answered
 * (the next one's starts). */
void cr_edge_request_read(struct MHD_Connection *c);
void cr_edge_request_done(struct MHD_Connection *c);

/* Why the request's framing is ambiguous; NULL when it is not. */
const char *cr_edge_framing_error(struct MHD_Connection *c);
/* True when the path holds a byte below 0x20 or 0x7f. */
bool cr_edge_path_has_control(const char *path);

/* The edge's counters, in the Prometheus text format. */
void cr_edge_metrics_write(cr_edge *e, cr_buf *out);

#endif
