/* What `credo run` and `credo serve` share about challengers: the share
 * option, the stable choice of arm, and the field that keeps an
 * applicant in one arm (--sticky-key). */
#include <stdint.h>
#include <string.h>

#include "runtime/cli/cli.h"
#include "runtime/core/sha256.h"
#include "runtime/io/json_skim.h"

int cr_cli_parse_share(const char *s)
{
    long whole = 0, frac = 0;
    int digits = 0, fdigits = 0;
    for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
        whole = whole * 10 + (*s - '0');
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9' && fdigits < 2; s++, fdigits++)
            frac = frac * 10 + (*s - '0');
    if (fdigits == 1)
        frac *= 10;
    if (*s == '%')
        s++;
    if (*s || digits == 0 || whole * 100 + frac > 10000)
        return -1;
    return (int)(whole * 100 + frac);
}

bool cr_cli_in_share(const char *key, size_t len, int share_bp)
{
    uint8_t d[CR_SHA256_LEN];
    cr_sha256(key, len, d);
    uint64_t h = 0;
    for (int i = 0; i < 8; i++)
        h = h << 8 | d[i];
    return h % 10000 < (uint64_t)share_bp;
}

/* A light walk over the top level of the object, not a full reading: the
 * application's reader checks the JSON and reports what is wrong; here
 * only the key's value is wanted, before deciding, to choose the arm. */
bool cr_cli_sticky_value(const char *json, size_t len, const char *field, const char **v, size_t *vlen)
{
    const char *p = json, *end = json + len;
    size_t flen = strlen(field);
    p = cr_json_skip_ws(p, end);
    if (p == end || *p != '{')
        return false;
    for (p++;;) {
        p = cr_json_skip_ws(p, end);
        if (p == end || *p != '"')
            return false;
        const char *k = p + 1, *ke = cr_json_string_end(p, end);
        if (!ke)
            return false;
        p = cr_json_skip_ws(ke, end);
        if (p == end || *p != ':')
            return false;
        p = cr_json_skip_ws(p + 1, end);
        const char *ve = cr_json_value_end(p, end);
        if (!ve || ve == p)
            return false;
        if ((size_t)(ke - 1 - k) == flen && memcmp(k, field, flen) == 0) {
            if (*p == 'n' && ve - p == 4 && memcmp(p, "null", 4) == 0)
                return false;   /* null: no key, as when absent */
            if (*p == '"') {    /* a text: its characters, as app_id's */
                p++;
                ve--;
            }
            *v = p;
            *vlen = (size_t)(ve - p);
            return true;
        }
        p = cr_json_skip_ws(ve, end);
        if (p == end || *p != ',')
            return false;
        p++;
    }
}

void cr_cli_tag_served(cr_buf *out, size_t start, const cr_program *p, const char *arm)
{
    cr_cli_tag_policy(out, start, p);
    if (out->len < start + 2)
        return;
    out->len -= 2;                            /* reopen the object: drop "}\n" */
    cr_buf_puts(out, ",\"sha256\":\"");
    cr_buf_puts(out, p->sha256);
    cr_buf_puts(out, "\",\"program_sha256\":\"");
    cr_buf_puts(out, p->program_sha256);
    cr_buf_puts(out, "\"");
    if (arm) {
        cr_buf_puts(out, ",\"arm\":\"");
        cr_buf_puts(out, arm);
        cr_buf_puts(out, "\"");
    }
    cr_buf_puts(out, "}\n");
}
