/* Well-formed UTF-8 (Unicode table 3-7): no overlong forms, no surrogates,
 * nothing past U+10FFFF, no sequence cut short.  One definition for every
 * place text enters: the JSON reader, the lexer's string literals, the C
 * API, lookup tables and the .credoc reader.  Inline: the JSON reader
 * checks every byte of every application. */
#ifndef CREDO_UTF8_H
#define CREDO_UTF8_H

#include <stddef.h>

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

#endif
