/* len, upper, lower, starts_with, ends_with, contains.  Texts are UTF-8
 * (the reader checks); len counts characters, case mapping is ASCII only so
 * codes like "k70" and "K70" compare the same after upper().  Each adds
 * a 64-byte block of the text it reads to cx->work (the VM's budget). */
#define _GNU_SOURCE /* memmem */
#include "stdlib/stdlib.h"

#include <string.h>

CR_BUILTIN(cr_fn_len)
{
    (void)n;
    if (args[0].tag != CR_TEXT) {
        *out = cr_int(args[0].len);
        return true;
    }
    cx->work += args[0].len >> 6;
    int64_t chars = 0;
    for (uint32_t i = 0; i < args[0].len; i++)
        chars += ((unsigned char)args[0].u.s[i] & 0xC0) != 0x80;
    *out = cr_int(chars);
    return true;
}

static bool map_case(cr_call_ctx *cx, cr_value t, cr_value *out, bool up)
{
    cx->work += t.len >> 6;
    char *s = cr_arena_alloc(cx->arena, t.len ? t.len : 1);
    if (!s)
        return cr_call_fail(cx, "out of memory for this application (limit %zu bytes)", cx->arena->limit);
    for (uint32_t i = 0; i < t.len; i++) {
        char c = t.u.s[i];
        if (up && c >= 'a' && c <= 'z') c = (char)(c - 32);
        if (!up && c >= 'A' && c <= 'Z') c = (char)(c + 32);
        s[i] = c;
    }
    *out = cr_text(s, t.len);
    return true;
}

CR_BUILTIN(cr_fn_upper) { (void)n; return map_case(cx, args[0], out, true); }
CR_BUILTIN(cr_fn_lower) { (void)n; return map_case(cx, args[0], out, false); }

CR_BUILTIN(cr_fn_starts_with)
{
    (void)n;
    cr_value t = args[0], p = args[1];
    cx->work += p.len >> 6;
    *out = cr_bool(p.len <= t.len && (p.len == 0 || memcmp(t.u.s, p.u.s, p.len) == 0));
    return true;
}

CR_BUILTIN(cr_fn_ends_with)
{
    (void)n;
    cr_value t = args[0], p = args[1];
    cx->work += p.len >> 6;
    *out = cr_bool(p.len <= t.len && (p.len == 0 || memcmp(t.u.s + t.len - p.len, p.u.s, p.len) == 0));
    return true;
}

CR_BUILTIN(cr_fn_contains)
{
    (void)n;
    cr_value t = args[0], p = args[1];
    cx->work += ((uint64_t)t.len + p.len) >> 6;
    *out = cr_bool(p.len == 0 || (t.len >= p.len && memmem(t.u.s, t.len, p.u.s, p.len) != NULL));
    return true;
}
