/* Bearer tokens of `credo serve` (auth.h). */
#include "runtime/serve/auth.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/core/sha256.h"

typedef struct token {
    uint8_t hash[CR_SHA256_LEN];
    char *name;
} token;

struct cr_auth {
    token *tokens;
    size_t ntokens;
    char *open[CR_AUTH_MAX_OPEN_ROUTES];
    size_t nopen;
};

void cr_auth_free(cr_auth *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->ntokens; i++)
        free(a->tokens[i].name);
    for (size_t i = 0; i < a->nopen; i++)
        free(a->open[i]);
    free(a->tokens);
    free(a);
}

/* One line of the file into a->tokens; false with the reason in why. */
static bool parse_line(cr_auth *a, char *line, const char **why)
{
    char *p = line;
    while (isspace((unsigned char)*p))
        p++;
    if (!*p || *p == '#')
        return true;
    char *hex = p;
    while (*p && !isspace((unsigned char)*p))
        p++;
    size_t hexlen = (size_t)(p - hex);
    while (isspace((unsigned char)*p))
        p++;
    char *name = p;
    size_t n = strlen(name);
    while (n && isspace((unsigned char)name[n - 1]))
        name[--n] = '\0';
    token t;
    if (hexlen != CR_SHA256_HEX_LEN || !cr_sha256_from_hex(hex, hexlen, t.hash)) {
        *why = "expected the SHA-256 of a token (64 hex digits), then its name";
        return false;
    }
    if (!n) {
        *why = "the token has no name (64 hex digits, then a name)";
        return false;
    }
    if (a->ntokens == CR_AUTH_MAX_TOKENS) {
        *why = "more than 10000 tokens";
        return false;
    }
    token *grown = realloc(a->tokens, (a->ntokens + 1) * sizeof *grown);
    if (!grown || !(t.name = strdup(name))) {
        if (grown)
            a->tokens = grown;
        *why = "out of memory";
        return false;
    }
    a->tokens = grown;
    a->tokens[a->ntokens++] = t;
    return true;
}

cr_auth *cr_auth_load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "credo serve: --tokens %s: %s\n", path, strerror(errno));
        return NULL;
    }
    cr_auth *a = calloc(1, sizeof *a);
    char line[1024];
    unsigned lineno = 0;
    bool ok = a != NULL;
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        const char *why = NULL;
        if (!strchr(line, '\n') && !feof(f))
            why = "line too long";
        else
            ok = parse_line(a, line, &why);
        if (why) {
            fprintf(stderr, "credo serve: %s:%u: %s\n", path, lineno, why);
            ok = false;
        }
    }
    fclose(f);
    if (ok && a->ntokens == 0) {
        fprintf(stderr, "credo serve: --tokens %s holds no token: every request would be refused\n", path);
        ok = false;
    }
    if (!ok) {
        cr_auth_free(a);
        return NULL;
    }
    return a;
}

bool cr_auth_open_route(cr_auth *a, const char *path)
{
    if (a->nopen == CR_AUTH_MAX_OPEN_ROUTES)
        return false;
    if (!(a->open[a->nopen] = strdup(path)))
        return false;
    a->nopen++;
    return true;
}

bool cr_auth_is_open(const cr_auth *a, const char *path)
{
    if (strcmp(path, "/healthz") == 0)
        return true;
    for (size_t i = 0; i < a->nopen; i++) {
        const char *o = a->open[i];
        size_t n = strlen(o);
        if (strcmp(path, o) == 0 || (n && o[n - 1] == '/' && strncmp(path, o, n) == 0))
            return true;
    }
    return false;
}

const char *cr_auth_check(const cr_auth *a, const char *authorization)
{
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
        return NULL;
    const char *tok = authorization + 7;
    while (*tok == ' ')
        tok++;
    size_t n = strlen(tok);
    while (n && tok[n - 1] == ' ')
        n--;
    if (!n)
        return NULL;
    uint8_t h[CR_SHA256_LEN];
    cr_sha256(tok, n, h);
    const char *found = NULL;
    for (size_t i = 0; i < a->ntokens; i++) {
        unsigned diff = 0;
        for (size_t k = 0; k < CR_SHA256_LEN; k++)
            diff |= (unsigned)(h[k] ^ a->tokens[i].hash[k]);
        if (diff == 0)
            found = a->tokens[i].name;   /* and go on: every line is compared */
    }
    return found;
}

int cr_auth_hash_token_main(const char *name)
{
    char line[4096];
    if (!fgets(line, sizeof line, stdin)) {
        fprintf(stderr, "credo serve: --hash-token reads the token from stdin, and there was none\n");
        return 2;
    }
    size_t n = strcspn(line, "\r\n");
    line[n] = '\0';
    if (!n || strchr(line, ' ')) {
        fprintf(stderr, "credo serve: --hash-token: the token must be one word, not empty\n");
        return 2;
    }
    char hex[CR_SHA256_HEX_LEN + 1];
    cr_sha256_hex_of(line, n, hex);
    printf("%s %s\n", hex, name && *name ? name : "client");
    memset(line, 0, sizeof line);
    return 0;
}
