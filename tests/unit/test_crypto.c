/* Unit tests for runtime/core/sha256.h and runtime/core/ed25519.h: the
 * published test vectors, and key files as OpenSSL writes them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/core/ed25519.h"
#include "runtime/core/sha256.h"

static void hex_of(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

static void bytes_of(const char *hex, uint8_t *out)
{
    for (size_t i = 0; hex[2 * i]; i++)
        sscanf(hex + 2 * i, "%2hhx", &out[i]);
}

/* FIPS 180-2's examples. */
static void test_sha256_vectors(void **state)
{
    (void)state;
    uint8_t d[CR_SHA256_LEN];
    char hex[CR_SHA256_HEX_LEN + 1];
    cr_sha256("", 0, d);
    cr_sha256_hex(d, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    cr_sha256("abc", 3, d);
    cr_sha256_hex(d, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* in pieces, as the log hashes a row */
    cr_sha256_ctx c;
    cr_sha256_init(&c);
    cr_sha256_update(&c, "ab", 2);
    cr_sha256_update(&c, "c", 1);
    uint8_t d2[CR_SHA256_LEN];
    cr_sha256_final(&c, d2);
    assert_memory_equal(d, d2, CR_SHA256_LEN);
    uint8_t back[CR_SHA256_LEN];
    assert_true(cr_sha256_from_hex(hex, strlen(hex), back));
    assert_memory_equal(back, d, CR_SHA256_LEN);
    assert_false(cr_sha256_from_hex(hex, 63, back));
    hex[5] = 'g';
    assert_false(cr_sha256_from_hex(hex, 64, back));
}

/* RFC 4231, test cases 1 and 2; the context is reused for a second
 * message with the same key, as the log does row after row. */
static void test_hmac_sha256_vectors(void **state)
{
    (void)state;
    uint8_t key[20], mac[CR_SHA256_LEN];
    char hex[CR_SHA256_HEX_LEN + 1];
    memset(key, 0x0b, sizeof key);
    cr_hmac_sha256_ctx c;
    cr_hmac_sha256_init(&c, key, sizeof key);
    cr_hmac_sha256_update(&c, "Hi There", 8);
    cr_hmac_sha256_final(&c, mac);
    hex_of(mac, sizeof mac, hex);
    assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    cr_hmac_sha256_update(&c, "Hi There", 8);
    cr_hmac_sha256_final(&c, mac);
    hex_of(mac, sizeof mac, hex);
    assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    cr_hmac_sha256_init(&c, "Jefe", 4);
    cr_hmac_sha256_update(&c, "what do ya want for nothing?", 28);
    cr_hmac_sha256_final(&c, mac);
    hex_of(mac, sizeof mac, hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

/* RFC 8032, section 7.1, test 2 (one byte of message). */
static void test_ed25519_rfc8032(void **state)
{
    (void)state;
    cr_ed25519_key k = {.has_secret = true};
    bytes_of("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", k.secret);
    uint8_t want_pub[32], sig[CR_ED25519_SIG_LEN];
    bytes_of("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", want_pub);
    /* the public key comes from the secret through the PEM reader below;
     * here it is set as the RFC gives it */
    memcpy(k.pub, want_pub, 32);
    uint8_t msg = 0x72;
    cr_ed25519_sign(&k, &msg, 1, sig);
    char hex[2 * CR_ED25519_SIG_LEN + 1];
    hex_of(sig, sizeof sig, hex);
    assert_string_equal(hex, "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                             "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
    assert_true(cr_ed25519_verify(k.pub, &msg, 1, sig));
    msg ^= 1;
    assert_false(cr_ed25519_verify(k.pub, &msg, 1, sig));
    msg ^= 1;
    sig[10] ^= 0x40;
    assert_false(cr_ed25519_verify(k.pub, &msg, 1, sig));
}

static char *write_tmp(const char *text)
{
    static char path[64];
    strcpy(path, "/tmp/credo-key-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

/* A key pair from `openssl genpkey -algorithm ed25519` and `openssl pkey
 * -pubout`: read, the public key derived from the private one, and written
 * back byte for byte. */
static void test_ed25519_openssl_pem(void **state)
{
    (void)state;
    const char *priv = "-----BEGIN PRIVATE KEY-----\n"
                       "MC4CAQAwBQYDK2VwBCIEIB7qqWXm54dqCopjEVMWLf43Bg0iYYAWjSRw63fmwdPi\n"
                       "-----END PRIVATE KEY-----\n";
    const char *pub = "-----BEGIN PUBLIC KEY-----\n"
                      "MCowBQYDK2VwAyEA2pb+3czZasweDzmkFNh18YEmVLTWE8xwNNtKpLV+3IU=\n"
                      "-----END PUBLIC KEY-----\n";
    char err[256], pem[200];
    cr_ed25519_key k, p;
    char *path = write_tmp(priv);
    assert_true(cr_ed25519_read(path, &k, err, sizeof err));
    unlink(path);
    assert_true(k.has_secret);
    path = write_tmp(pub);
    assert_true(cr_ed25519_read(path, &p, err, sizeof err));
    unlink(path);
    assert_false(p.has_secret);
    assert_memory_equal(k.pub, p.pub, 32);
    assert_true(cr_ed25519_pem(&k, true, pem, sizeof pem));
    assert_string_equal(pem, priv);
    assert_true(cr_ed25519_pem(&k, false, pem, sizeof pem));
    assert_string_equal(pem, pub);

    uint8_t sig[CR_ED25519_SIG_LEN];
    cr_ed25519_sign(&k, "policy", 6, sig);
    assert_true(cr_ed25519_verify(p.pub, "policy", 6, sig));

    cr_ed25519_key g;
    assert_true(cr_ed25519_generate(&g, err, sizeof err));
    cr_ed25519_sign(&g, "policy", 6, sig);
    assert_true(cr_ed25519_verify(g.pub, "policy", 6, sig));
    assert_false(cr_ed25519_verify(p.pub, "policy", 6, sig));
}

/* What is not an Ed25519 key is refused with the path, never the file's
 * contents. */
static void test_ed25519_bad_files(void **state)
{
    (void)state;
    char err[256];
    cr_ed25519_key k;
    assert_false(cr_ed25519_read("/nonexistent/key.pem", &k, err, sizeof err));
    assert_string_equal(err, "/nonexistent/key.pem: No such file or directory");
    char *path = write_tmp("secret-hmac-key-material-not-a-pem-file\n");
    assert_false(cr_ed25519_read(path, &k, err, sizeof err));
    assert_non_null(strstr(err, "not an Ed25519 key in PEM form"));
    assert_null(strstr(err, "secret-hmac"));
    unlink(path);
    /* an RSA-sized body under the right label */
    path = write_tmp("-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf\n"
                     "9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==\n-----END PUBLIC KEY-----\n");
    assert_false(cr_ed25519_read(path, &k, err, sizeof err));
    assert_non_null(strstr(err, "a public key, but not an Ed25519 one"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_hmac_sha256_vectors),
        cmocka_unit_test(test_ed25519_rfc8032),
        cmocka_unit_test(test_ed25519_openssl_pem),
        cmocka_unit_test(test_ed25519_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
