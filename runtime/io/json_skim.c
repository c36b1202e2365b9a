/* Where a JSON value ends, without reading it (json_skim.h). */
#include "runtime/io/json_skim.h"

#include <stddef.h>

const char *cr_json_skip_ws(const char *p, const char *end)
{
    while (p < end && cr_json_is_ws(*p))
        p++;
    return p;
}

const char *cr_json_string_end(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

const char *cr_json_value_end(const char *p, const char *end)
{
    if (p >= end)
        return NULL;
    if (*p == '"')
        return cr_json_string_end(p, end);
    if (*p != '{' && *p != '[') {            /* a number or a literal */
        while (p < end && !cr_json_is_ws(*p) && *p != ',' && *p != ']' && *p != '}')
            p++;
        return p;
    }
    size_t depth = 0;
    while (p < end) {
        if (*p == '"') {
            if (!(p = cr_json_string_end(p, end)))
                return NULL;
            continue;
        }
        if (*p == '{' || *p == '[')
            depth++;
        else if ((*p == '}' || *p == ']') && --depth == 0)
            return p + 1;
        p++;
    }
    return NULL;
}
