/* Display width of UTF-8 text (utf8.h), from libunistring's tables of
 * East Asian Width and of zero-width characters, so that the width follows
 * the Unicode version of the distribution's library rather than a table
 * copied here. */
#include "runtime/core/utf8.h"

#include <string.h>
#include <uniwidth.h>

size_t cr_utf8_width(const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t w = 0, i = 0;
    while (i < n) {
        if (s[i] < 0x80) { /* ASCII: printable characters take one column */
            w += s[i] >= 0x20 && s[i] < 0x7F;
            i++;
            continue;
        }
        size_t k = cr_utf8_seq_len(s + i, n - i);
        if (k == 0) {
            w++;
            i++;
            continue;
        }
        int cw = uc_width(cr_utf8_decode(s + i, k), "UTF-8");
        w += cw > 0 ? (size_t)cw : 0;
        i += k;
    }
    return w;
}

int cr_utf8_pad(const char *s, int cols)
{
    size_t bytes = strlen(s), width = cr_utf8_width(s, bytes);
    return cols + (int)(bytes - width);
}
