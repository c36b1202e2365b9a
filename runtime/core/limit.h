/* The maxima of credo's limits, and the checks a caller's limits go
 * through (README.md, "Limits").  A caller may lower any limit below its
 * default; none may be raised past its maximum here.
 *
 *   limit                        default         maximum         where
 *   policy source                16 MiB          16 MiB          CR_MAX_SOURCE (lang/compile.h)
 *   expression nesting           1000            1000            CR_MAX_NESTING (lang/sema_expr.c)
 *   JSON nesting depth           64              CR_JSON_MAX_DEPTH       cr_json_limits.max_depth
 *   JSON text (one string)       1 MiB           CR_JSON_MAX_TEXT        cr_json_limits.max_text
 *   JSON list items              100,000         CR_JSON_MAX_LIST        cr_json_limits.max_list
 *   input line (credo run)       16 MiB          CR_MAX_LINE_MAX         --max-line
 *   instructions per decision    1,000,000       CR_MAX_INSTRUCTIONS_MAX --budget, cr_session_limits
 *   memory per decision          64 MiB          CR_MAX_MEMORY_MAX       --max-memory, cr_session_limits
 *   regex match limit            100,000         CR_REGEX_MATCH_LIMIT_MAX  cr_session_limits
 *   regex depth limit            1,000           CR_REGEX_DEPTH_LIMIT_MAX  cr_session_limits
 *   deadline per decision        none            CR_DEADLINE_MS_MAX      --deadline-ms, cr_session_limits
 *   nodes copied by inlining     100,000         CR_MAX_EXPANSION (lang/sema.h)
 *   calls within calls           64              CR_MAX_CALL_DEPTH (lang/sema.h)
 *   nesting once inlined         4,000           CR_MAX_INLINED_DEPTH (lang/sema.h) */
#ifndef CREDO_LIMIT_H
#define CREDO_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What one application may cost the VM (runtime/vm/vm.h). */
typedef struct cr_session_limits {
    uint64_t max_instructions;  /* per application; default 1,000,000 */
    size_t max_memory;          /* session arena bytes per application; default 64 MiB */
    uint32_t regex_match_limit; /* PCRE2 match limit; default 100,000 */
    uint32_t regex_depth_limit; /* PCRE2 depth limit; default 1,000 */
    uint32_t deadline_ms;       /* wall-clock milliseconds per application; 0 (the default): none */
} cr_session_limits;

#define CR_SESSION_LIMITS_DEFAULT {1000000, 64u << 20, 100000, 1000, 0}

/* What one application may hold when read from JSON (runtime/io/json_read.h). */
typedef struct cr_json_limits {
    uint32_t max_depth;     /* nesting of arrays/objects, default 64 */
    uint32_t max_text;      /* bytes in one string, default 1 MiB */
    uint32_t max_list;      /* items in one array, default 100000 */
} cr_json_limits;

#define CR_JSON_LIMITS_DEFAULT {64, 1u << 20, 100000}

/* The most a caller may ask for (README.md, "Limits"); cr_json_read takes
 * a larger limit as its maximum. */
#define CR_JSON_MAX_DEPTH 1000u
#define CR_JSON_MAX_TEXT (16u << 20)
#define CR_JSON_MAX_LIST 10000000u

#define CR_MAX_LINE_DEFAULT ((size_t)16 << 20)
#define CR_MAX_LINE_MAX ((size_t)64 << 20)
#define CR_MAX_INSTRUCTIONS_MAX 1000000000ull
#define CR_MAX_MEMORY_MAX ((size_t)1 << 30)
#define CR_REGEX_MATCH_LIMIT_MAX 10000000u
#define CR_REGEX_DEPTH_LIMIT_MAX 100000u
#define CR_DEADLINE_MS_MAX 60000u

/* True when every limit is from 1 to its maximum (the deadline from 0,
 * none, to its maximum); else false and
 * "<limit> <value> is more than the maximum, <max>" (or "... must be at
 * least 1") in err. */
bool cr_session_limits_check(const cr_session_limits *l, char *err, size_t errsize);
bool cr_json_limits_check(const cr_json_limits *l, char *err, size_t errsize);

/* "16 MiB", "64 KiB", "1 GiB", or "1000 bytes". */
const char *cr_size_text(uint64_t n, char *buf, size_t size);
/* A size: digits, then optionally K, M or G (KiB, MiB, GiB; "KiB", "MB"
 * and lower case are taken too).  False when it is not one or overflows. */
bool cr_size_parse(const char *s, uint64_t *out);

#endif
