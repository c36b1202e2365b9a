/* TLS of `credo serve` (tls.h).  libmicrohttpd checks that the key fits
 * the certificate when the daemon starts; here the files are only read. */
#include "runtime/serve/tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

enum { MAX_PEM = 1 << 20 };      /* a certificate chain is a few KiB */

/* The whole file, NUL-terminated; NULL with the reason on stderr. */
static char *read_pem(const char *option, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "credo serve: %s %s: %s\n", option, path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(MAX_PEM + 1);
    size_t n = buf ? fread(buf, 1, MAX_PEM + 1, f) : 0;
    bool err = ferror(f);
    fclose(f);
    const char *why = NULL;
    if (!buf)
        why = "out of memory";
    else if (err)
        why = "cannot be read";
    else if (n > MAX_PEM)
        why = "is larger than 1 MiB";
    else if ((buf[n] = '\0', !strstr(buf, "-----BEGIN ")))
        why = "is not PEM (no -----BEGIN line)";
    if (why) {
        fprintf(stderr, "credo serve: %s %s %s\n", option, path, why);
        free(buf);
        return NULL;
    }
    return buf;
}

bool cr_tls_load(const char *cert_path, const char *key_path, cr_tls *out)
{
    *out = (cr_tls){0};
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        fprintf(stderr, "credo serve: this libmicrohttpd was built without TLS\n");
        return false;
    }
    if (!(out->cert = read_pem("--tls-cert", cert_path)) || !(out->key = read_pem("--tls-key", key_path))) {
        cr_tls_free(out);
        return false;
    }
    return true;
}

void cr_tls_free(cr_tls *t)
{
    if (t->key) {
        volatile char *p = t->key;   /* not optimised away: the key must not linger in freed memory */
        while (*p)
            *p++ = 0;
    }
    free(t->key);
    free(t->cert);
    *t = (cr_tls){0};
}
