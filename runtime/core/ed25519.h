/* Ed25519 signatures (RFC 8032), for compiled policies a release step
 * signs (`credo compile --sign`) and decision-log checkpoints.
 *
 * Keys are PEM files as OpenSSL writes them, so a bank's own tooling can
 * make and check them: a private key is PKCS#8 ("BEGIN PRIVATE KEY",
 * `openssl genpkey -algorithm ed25519`), a public key is SubjectPublicKeyInfo
 * ("BEGIN PUBLIC KEY", `openssl pkey -pubout`).  `credo keygen` writes the
 * same two files.  Through nettle, like SHA-256 (sha256.h). */
#ifndef CREDO_ED25519_H
#define CREDO_ED25519_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CR_ED25519_KEY_LEN 32
#define CR_ED25519_SIG_LEN 64
/* A key's id: the first 16 hex digits of the SHA-256 of its public key,
 * short enough to print, long enough to tell a bank's keys apart. */
#define CR_ED25519_ID_LEN 16

typedef struct cr_ed25519_key {
    bool has_secret;                      /* read from a private key */
    uint8_t secret[CR_ED25519_KEY_LEN];
    uint8_t pub[CR_ED25519_KEY_LEN];
} cr_ed25519_key;

/* A new key pair from the system's random source (getrandom). */
bool cr_ed25519_generate(cr_ed25519_key *k, char *err, size_t errsz);
/* Reads a private or a public key file (PEM).  False with "PATH: what" in
 * err when it cannot be read or is not an Ed25519 key; the message never
 * quotes the file. */
bool cr_ed25519_read(const char *path, cr_ed25519_key *k, char *err, size_t errsz);
/* The PEM text of k's private key (has_secret) or public key, into buf;
 * false when buf is too small (128 bytes is enough for either). */
bool cr_ed25519_pem(const cr_ed25519_key *k, bool secret, char *buf, size_t size);
void cr_ed25519_id(const uint8_t pub[CR_ED25519_KEY_LEN], char out[CR_ED25519_ID_LEN + 1]);

/* Signs n bytes with k (which must have its secret). */
void cr_ed25519_sign(const cr_ed25519_key *k, const void *msg, size_t n, uint8_t sig[CR_ED25519_SIG_LEN]);
bool cr_ed25519_verify(const uint8_t pub[CR_ED25519_KEY_LEN], const void *msg, size_t n,
                       const uint8_t sig[CR_ED25519_SIG_LEN]);

#endif
