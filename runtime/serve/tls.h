/* TLS of `credo serve` (--tls-cert FILE --tls-key FILE): libmicrohttpd's
 * own TLS, on GnuTLS, given the PEM certificate (chain) and private key
 * in memory. */
#ifndef CREDO_SERVE_TLS_H
#define CREDO_SERVE_TLS_H

#include <stdbool.h>

typedef struct cr_tls {
    char *cert, *key;            /* PEM text, NUL-terminated */
} cr_tls;

/* Reads both files; false with the reason on stderr (also when this
 * libmicrohttpd was built without TLS). */
bool cr_tls_load(const char *cert_path, const char *key_path, cr_tls *out);
/* Frees both, the key's bytes wiped first. */
void cr_tls_free(cr_tls *t);

#endif
