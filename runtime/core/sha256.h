/* SHA-256 and HMAC-SHA256, for every hash credo records: a policy's
 * source and compiled program, reference data, the decision log's chain.
 *
 * Through nettle (Debian's nettle-dev, GnuTLS's crypto library, already
 * beneath libmicrohttpd): it uses the CPU's SHA instructions where there
 * are some, which made hashing a 1.2 KB decision-log row 6x faster than
 * libmd's portable code (0.81 against 5.05 us on this project's build
 * machine), and the log hashes every row it writes. */
#ifndef CREDO_SHA256_H
#define CREDO_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/hmac.h>
#include <nettle/sha2.h>

#define CR_SHA256_LEN 32
#define CR_SHA256_HEX_LEN 64

typedef struct sha256_ctx cr_sha256_ctx;

static inline void cr_sha256_init(cr_sha256_ctx *c) { sha256_init(c); }
static inline void cr_sha256_update(cr_sha256_ctx *c, const void *p, size_t n)
{
    sha256_update(c, n, (const uint8_t *)p);
}
static inline void cr_sha256_final(cr_sha256_ctx *c, uint8_t out[CR_SHA256_LEN])
{
    sha256_digest(c, CR_SHA256_LEN, out);
}

/* SHA-256 of n bytes. */
void cr_sha256(const void *p, size_t n, uint8_t out[CR_SHA256_LEN]);
/* n bytes as 2n lower-case hex digits and a NUL. */
void cr_hex(const uint8_t *p, size_t n, char *out);
/* 64 lower-case hex digits and a NUL. */
void cr_sha256_hex(const uint8_t digest[CR_SHA256_LEN], char out[CR_SHA256_HEX_LEN + 1]);
/* The SHA-256 of n bytes as 64 hex digits and a NUL. */
void cr_sha256_hex_of(const void *p, size_t n, char out[CR_SHA256_HEX_LEN + 1]);
/* The 32 bytes of 64 hex digits (either case); false when it is not that. */
int cr_sha256_from_hex(const char *hex, size_t n, uint8_t out[CR_SHA256_LEN]);

/* HMAC-SHA256 (RFC 2104) with a key set once and used for many messages. */
typedef struct hmac_sha256_ctx cr_hmac_sha256_ctx;
static inline void cr_hmac_sha256_init(cr_hmac_sha256_ctx *c, const void *key, size_t n)
{
    hmac_sha256_set_key(c, n, (const uint8_t *)key);
}
static inline void cr_hmac_sha256_update(cr_hmac_sha256_ctx *c, const void *p, size_t n)
{
    hmac_sha256_update(c, n, (const uint8_t *)p);
}
/* The MAC of what was added since the key was set or the last final;
 * the context is ready for the next message with the same key. */
static inline void cr_hmac_sha256_final(cr_hmac_sha256_ctx *c, uint8_t out[CR_SHA256_LEN])
{
    hmac_sha256_digest(c, CR_SHA256_LEN, out);
}

#endif
