/* Limit checks and sizes as text; see limit.h and README.md, "Limits". */
#include "runtime/core/limit.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *cr_size_text(uint64_t n, char *buf, size_t size)
{
    static const char *const unit[] = {"GiB", "MiB", "KiB"};
    for (int i = 0; i < 3; i++) {
        uint64_t u = (uint64_t)1 << (30 - 10 * i);
        if (n >= u && n % u == 0) {
            snprintf(buf, size, "%" PRIu64 " %s", n / u, unit[i]);
            return buf;
        }
    }
    snprintf(buf, size, "%" PRIu64 " byte%s", n, n == 1 ? "" : "s");
    return buf;
}

bool cr_size_parse(const char *s, uint64_t *out)
{
    uint64_t n = 0;
    const char *p = s;
    if (!isdigit((unsigned char)*p))
        return false;
    for (; isdigit((unsigned char)*p); p++) {
        if (n > (UINT64_MAX - 9) / 10)
            return false;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    int shift = 0;
    switch (*p) {
    case 'k': case 'K': shift = 10; p++; break;
    case 'm': case 'M': shift = 20; p++; break;
    case 'g': case 'G': shift = 30; p++; break;
    default: break;
    }
    if (shift && (*p == 'i' || *p == 'I'))
        p++;
    if (shift && (*p == 'b' || *p == 'B'))
        p++;
    if (*p || n > UINT64_MAX >> shift)
        return false;
    *out = n << shift;
    return true;
}

/* One limit: from 1 to max.  `size` says whether to write it as a size. */
static bool within(const char *name, uint64_t v, uint64_t max, bool size, char *err, size_t errsize)
{
    char a[32], b[32];
    if (v == 0) {
        snprintf(err, errsize, "%s must be at least 1", name);
        return false;
    }
    if (v > max) {
        if (size)
            snprintf(err, errsize, "%s %s is more than the maximum, %s", name, cr_size_text(v, a, sizeof a),
                     cr_size_text(max, b, sizeof b));
        else
            snprintf(err, errsize, "%s %" PRIu64 " is more than the maximum, %" PRIu64, name, v, max);
        return false;
    }
    return true;
}

bool cr_session_limits_check(const cr_session_limits *l, char *err, size_t errsize)
{
    return within("instruction budget", l->max_instructions, CR_MAX_INSTRUCTIONS_MAX, false, err, errsize) &&
           within("memory limit", l->max_memory, CR_MAX_MEMORY_MAX, true, err, errsize) &&
           within("regex match limit", l->regex_match_limit, CR_REGEX_MATCH_LIMIT_MAX, false, err, errsize) &&
           within("regex depth limit", l->regex_depth_limit, CR_REGEX_DEPTH_LIMIT_MAX, false, err, errsize) &&
           (l->deadline_ms == 0 || within("deadline (ms)", l->deadline_ms, CR_DEADLINE_MS_MAX, false, err, errsize));
}

bool cr_json_limits_check(const cr_json_limits *l, char *err, size_t errsize)
{
    return within("JSON depth limit", l->max_depth, CR_JSON_MAX_DEPTH, false, err, errsize) &&
           within("JSON text limit", l->max_text, CR_JSON_MAX_TEXT, true, err, errsize) &&
           within("JSON list limit", l->max_list, CR_JSON_MAX_LIST, false, err, errsize);
}
