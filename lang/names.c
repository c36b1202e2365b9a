/* Names by Unicode's identifier rules (names.h), with libunistring's
 * character properties (XID_Start, XID_Continue), normalisation (NFC) and
 * character names. */
#include "lang/names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unictype.h>
#include <uniname.h>
#include <uninorm.h>

#include "runtime/core/utf8.h"

static bool ascii_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool ascii_continue(unsigned char c)
{
    return ascii_start(c) || (c >= '0' && c <= '9');
}

size_t cr_name_length(const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            if (!(i == 0 ? ascii_start(s[i]) : ascii_continue(s[i])))
                break;
            i++;
            continue;
        }
        size_t k = cr_utf8_seq_len(s + i, n - i);
        if (k == 0)
            break;
        uint32_t cp = cr_utf8_decode(s + i, k);
        if (!(i == 0 ? uc_is_property_xid_start(cp) : uc_is_property_xid_continue(cp)))
            break;
        i += k;
    }
    return i;
}

size_t cr_name_bad_char(const char *text, size_t n, char *what, size_t size, char *ascii, bool *invalid)
{
    const unsigned char *s = (const unsigned char *)text;
    *ascii = 0;
    *invalid = false;
    size_t k = s[0] < 0x80 ? 1 : cr_utf8_seq_len(s, n);
    if (k == 0) {
        *invalid = true;
        /* invalid UTF-8: the bytes up to the next ASCII byte or the next
         * well-formed sequence go as one, so a mangled name is one error */
        snprintf(what, size, "invalid UTF-8 (byte 0x%02x): a policy is UTF-8 text", s[0]);
        size_t j = 1;
        while (j < n && s[j] >= 0x80 && cr_utf8_seq_len(s + j, n - j) == 0)
            j++;
        return j;
    }
    uint32_t cp = cr_utf8_decode(s, k);
    char name[UNINAME_MAX];
    if (!unicode_character_name(cp, name))
        snprintf(name, sizeof name, "%s", "unnamed");
    snprintf(what, size, "'%.*s' (U+%04X %s)", (int)k, text, (unsigned)cp, name);
    /* U+FF01..U+FF5E are ASCII's '!'..'~' in full width, as a Chinese
     * input method types them */
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        *ascii = (char)(cp - 0xFEE0);
    return k;
}

bool cr_name_not_nfc(const char *s, size_t n, char *out, size_t size, size_t *len)
{
    /* into a buffer of our own: what libunistring allocates is not the
     * library's to free (tests/alloc counts every allocation) */
    uint8_t buf[CR_NAME_NFC_MAX];
    size_t blen = sizeof buf;
    uint8_t *r = u8_normalize(UNINORM_NFC, (const uint8_t *)s, n, buf, &blen);
    if (!r)
        return false; /* out of memory: the name stands as written */
    bool differs = blen != n || memcmp(r, s, n) != 0;
    *len = blen < size ? blen : size;
    memcpy(out, r, *len);
    if (r != buf)
        free(r);
    return differs;
}

bool cr_name_is_code(const char *s)
{
    bool letter = false;
    for (; *s; s++) {
        if (*s >= 'A' && *s <= 'Z')
            letter = true;
        else if (!(*s >= '0' && *s <= '9') && *s != '_')
            return false;
    }
    return letter;
}

bool cr_name_is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}
