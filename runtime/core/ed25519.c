/* Ed25519 keys in PEM files, signing and verifying (ed25519.h).  Calls
 * nettle and the C library; reads key files itself because a key is a
 * 120-byte PEM text, not a policy's input. */
#include "runtime/core/ed25519.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <nettle/base64.h>
#include <nettle/eddsa.h>

#include "runtime/core/sha256.h"

/* The fixed DER prefixes of an Ed25519 key (RFC 8410): the 32 key bytes
 * follow each. */
static const uint8_t pkcs8_prefix[16] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                         0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
static const uint8_t spki_prefix[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

static bool fail(char *err, size_t errsz, const char *path, const char *what)
{
    snprintf(err, errsz, "%s: %s", path, what);
    return false;
}

bool cr_ed25519_generate(cr_ed25519_key *k, char *err, size_t errsz)
{
    memset(k, 0, sizeof *k);
    size_t got = 0;
    while (got < sizeof k->secret) {
        ssize_t n = getrandom(k->secret + got, sizeof k->secret - got, 0);
        if (n < 0 && errno != EINTR)
            return fail(err, errsz, "getrandom", strerror(errno));
        if (n > 0)
            got += (size_t)n;
    }
    ed25519_sha512_public_key(k->pub, k->secret);
    k->has_secret = true;
    return true;
}

/* The DER bytes between "-----BEGIN <label>-----" and its END line. */
static size_t pem_body(const char *text, const char *label, uint8_t *der, size_t cap)
{
    char begin[64], end[64];
    snprintf(begin, sizeof begin, "-----BEGIN %s-----", label);
    snprintf(end, sizeof end, "-----END %s-----", label);
    const char *b = strstr(text, begin), *e = b ? strstr(b, end) : NULL;
    if (!b || !e)
        return 0;
    b += strlen(begin);
    char b64[256];
    size_t n = 0;
    for (const char *p = b; p < e; p++) {
        if (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
            continue;
        if (n + 1 >= sizeof b64)
            return 0;
        b64[n++] = *p;
    }
    struct base64_decode_ctx ctx;
    base64_decode_init(&ctx);
    size_t len = cap;
    if (!base64_decode_update(&ctx, &len, der, n, b64) || !base64_decode_final(&ctx))
        return 0;
    return len;
}

bool cr_ed25519_read(const char *path, cr_ed25519_key *k, char *err, size_t errsz)
{
    memset(k, 0, sizeof *k);
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errsz, path, strerror(errno));
    char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, f);
    bool too_long = !feof(f);
    fclose(f);
    if (too_long)
        return fail(err, errsz, path, "not an Ed25519 key file (longer than 4 KiB)");
    text[n] = '\0';
    uint8_t der[192];
    size_t len = pem_body(text, "PRIVATE KEY", der, sizeof der);
    if (len) {
        if (len != sizeof pkcs8_prefix + CR_ED25519_KEY_LEN || memcmp(der, pkcs8_prefix, sizeof pkcs8_prefix) != 0)
            return fail(err, errsz, path, "a private key, but not an Ed25519 one");
        memcpy(k->secret, der + sizeof pkcs8_prefix, CR_ED25519_KEY_LEN);
        ed25519_sha512_public_key(k->pub, k->secret);
        k->has_secret = true;
        return true;
    }
    len = pem_body(text, "PUBLIC KEY", der, sizeof der);
    if (len) {
        if (len != sizeof spki_prefix + CR_ED25519_KEY_LEN || memcmp(der, spki_prefix, sizeof spki_prefix) != 0)
            return fail(err, errsz, path, "a public key, but not an Ed25519 one");
        memcpy(k->pub, der + sizeof spki_prefix, CR_ED25519_KEY_LEN);
        return true;
    }
    return fail(err, errsz, path, "not an Ed25519 key in PEM form (BEGIN PRIVATE KEY or BEGIN PUBLIC KEY)");
}

bool cr_ed25519_pem(const cr_ed25519_key *k, bool secret, char *buf, size_t size)
{
    uint8_t der[48];
    size_t len;
    if (secret) {
        memcpy(der, pkcs8_prefix, sizeof pkcs8_prefix);
        memcpy(der + sizeof pkcs8_prefix, k->secret, CR_ED25519_KEY_LEN);
        len = sizeof pkcs8_prefix + CR_ED25519_KEY_LEN;
    } else {
        memcpy(der, spki_prefix, sizeof spki_prefix);
        memcpy(der + sizeof spki_prefix, k->pub, CR_ED25519_KEY_LEN);
        len = sizeof spki_prefix + CR_ED25519_KEY_LEN;
    }
    char b64[BASE64_ENCODE_RAW_LENGTH(48) + 1];
    base64_encode_raw(b64, len, der);
    b64[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
    const char *label = secret ? "PRIVATE KEY" : "PUBLIC KEY";
    int w = snprintf(buf, size, "-----BEGIN %s-----\n%s\n-----END %s-----\n", label, b64, label);
    return w > 0 && (size_t)w < size;
}

void cr_ed25519_id(const uint8_t pub[CR_ED25519_KEY_LEN], char out[CR_ED25519_ID_LEN + 1])
{
    uint8_t d[CR_SHA256_LEN];
    char hex[CR_SHA256_HEX_LEN + 1];
    cr_sha256(pub, CR_ED25519_KEY_LEN, d);
    cr_sha256_hex(d, hex);
    memcpy(out, hex, CR_ED25519_ID_LEN);
    out[CR_ED25519_ID_LEN] = '\0';
}

void cr_ed25519_sign(const cr_ed25519_key *k, const void *msg, size_t n, uint8_t sig[CR_ED25519_SIG_LEN])
{
    ed25519_sha512_sign(k->pub, k->secret, n, (const uint8_t *)msg, sig);
}

bool cr_ed25519_verify(const uint8_t pub[CR_ED25519_KEY_LEN], const void *msg, size_t n,
                       const uint8_t sig[CR_ED25519_SIG_LEN])
{
    return ed25519_sha512_verify(pub, n, (const uint8_t *)msg, sig) == 1;
}
