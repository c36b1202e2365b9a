/* Well-formed UTF-8 (Unicode table 3-7): no overlong forms, no surrogates,
 * nothing past U+10FFFF, no sequence cut short.  One definition for every
 * place text enters: the JSON reader, the lexer's string literals, the C
 * API, lookup tables and the .credoc reader.  Inline: the JSON reader
 * checks every byte of every application.
 *
 * Below them, the display width of a text (utf8.c): the one measure of
 * every column credo lines up (fmt, explain, test and diff tables, the
 * caret under a diagnostic). */
#ifndef CREDO_UTF8_H
#define CREDO_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length of the well-formed sequence at s[0..n) whose first byte is
 * >= 0x80, or 0 when it is ill-formed.  The second byte's range excludes
 * exactly the overlong forms, surrogates and code points past U+10FFFF. */
static inline size_t cr_utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t k;
    if (c >= 0xC2 && c <= 0xDF) {
        k = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        k = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < k || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t j = 2; j < k; j++)
        if ((s[j] & 0xC0) != 0x80)
            return 0;
    return k;
}

/* Offset of the first byte of p[0..n) that does not start a well-formed
 * sequence, or n when all of it is UTF-8. */
static inline size_t cr_utf8_invalid_at(const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = cr_utf8_seq_len(s + i, n - i);
        if (k == 0)
            return i;
        i += k;
    }
    return n;
}

/* The code point of the well-formed sequence of k bytes at s (k from
 * cr_utf8_seq_len, or 1 for ASCII). */
static inline uint32_t cr_utf8_decode(const unsigned char *s, size_t k)
{
    static const unsigned char lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t cp = s[0] & lead_mask[k];
    for (size_t j = 1; j < k; j++)
        cp = cp << 6 | (s[j] & 0x3Fu);
    return cp;
}

/* The columns a terminal gives s[0..n): East Asian Wide and Fullwidth
 * characters (Chinese, Japanese, Korean, fullwidth forms) take two,
 * combining marks and other zero-width characters none, control
 * characters none, the rest one (Ambiguous ones too, as a terminal
 * outside a CJK locale shows them).  Invalid bytes count one each.
 * ASCII is counted without decoding. */
size_t cr_utf8_width(const char *s, size_t n);

/* The printf field width ("%-*s") that pads s to cols display columns:
 * cols plus the bytes s has beyond its width. */
int cr_utf8_pad(const char *s, int cols);

#endif
