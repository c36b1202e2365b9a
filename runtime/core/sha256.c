/* SHA-256 of a buffer, and hashes as hex (sha256.h).  Calls nettle. */
#include "runtime/core/sha256.h"

void cr_sha256(const void *p, size_t n, uint8_t out[CR_SHA256_LEN])
{
    cr_sha256_ctx c;
    cr_sha256_init(&c);
    cr_sha256_update(&c, p, n);
    cr_sha256_final(&c, out);
}

void cr_hex(const uint8_t *p, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
    out[2 * n] = '\0';
}

void cr_sha256_hex(const uint8_t digest[CR_SHA256_LEN], char out[CR_SHA256_HEX_LEN + 1])
{
    cr_hex(digest, CR_SHA256_LEN, out);
}

void cr_sha256_hex_of(const void *p, size_t n, char out[CR_SHA256_HEX_LEN + 1])
{
    uint8_t d[CR_SHA256_LEN];
    cr_sha256(n ? p : "", n, d);
    cr_sha256_hex(d, out);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int cr_sha256_from_hex(const char *hex, size_t n, uint8_t out[CR_SHA256_LEN])
{
    if (n != CR_SHA256_HEX_LEN)
        return 0;
    for (int i = 0; i < CR_SHA256_LEN; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 1;
}
