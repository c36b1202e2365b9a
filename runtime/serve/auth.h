/* Bearer tokens of `credo serve` (--tokens FILE, --open-route PATH).
 *
 * The file holds no token, only each token's SHA-256, as 64 hex digits,
 * then white space and a name that says whose it is (the access log
 * writes the name, never the token):
 *
 *   # credo serve --tokens: SHA-256 of each token, and its holder
 *   9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 origination
 *
 * A request carries its token as "Authorization: Bearer TOKEN"; its hash
 * is compared with every line's in constant time (all of them, every
 * time), so the time to refuse says nothing about how near a guess was. */
#ifndef CREDO_SERVE_AUTH_H
#define CREDO_SERVE_AUTH_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cr_auth cr_auth;

enum { CR_AUTH_MAX_TOKENS = 10000, CR_AUTH_MAX_OPEN_ROUTES = 64 };

/* Reads the token file; NULL with file:line: and the reason on stderr. */
cr_auth *cr_auth_load(const char *path);
void cr_auth_free(cr_auth *a);
/* PATH answers without a token: an exact path, or every path under it
 * when it ends with '/' ("/v1/decide/").  False when there are too many. */
bool cr_auth_open_route(cr_auth *a, const char *path);
/* True when path needs no token (/healthz never does). */
bool cr_auth_is_open(const cr_auth *a, const char *path);
/* The name of the token in an Authorization header value ("Bearer
 * TOKEN"); NULL when it is missing or not one of the file's. */
const char *cr_auth_check(const cr_auth *a, const char *authorization);

/* `credo serve --hash-token [NAME]`: reads a token from stdin (its first
 * line) and prints the line for the token file.  The exit status. */
int cr_auth_hash_token_main(const char *name);

#endif
