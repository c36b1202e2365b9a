/* credo compile: a policy to a .credoc that `credo run` (and every command
 * that loads a policy) reads instead of compiling. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cli/cli.h"
#include "lang/credoc.h"
#include "runtime/core/ed25519.h"

static const char usage_compile[] =
    "usage: credo compile POLICY -o FILE.credoc [--sign KEY.pem]\n"
    "\n"
    "Compiles POLICY (its errors and warnings as `credo check` prints them)\n"
    "and writes the program to FILE.credoc: the policy's identity, its source\n"
    "text and SHA-256, the bytecode and the reference tables it read, sealed\n"
    "with the SHA-256 of every byte.  `credo run FILE.credoc` decides exactly\n"
    "as the source does, without compiling it; a .credoc with any byte\n"
    "changed, or cut short, is refused.\n"
    "\n"
    "  --sign KEY.pem   also sign it with this Ed25519 private key (PKCS#8 PEM,\n"
    "                   as `openssl genpkey -algorithm ed25519` writes it); a\n"
    "                   command given --trust KEY.pub then loads it, and no\n"
    "                   policy that key did not sign\n"
    "\n"
    "Prints one line: FILE.credoc, the policy's name and version, the\n"
    "SHA-256 of its source, the SHA-256 of the program (what decisions,\n"
    "the decision log and serve name as program_sha256) and the key id\n"
    "that signed it.\n"
    "\n"
    "exit status: 0 written, 1 the policy has errors, the key cannot be\n"
    "read or the file cannot be written, 2 usage.\n";

/* Writes buf to path through a temporary file and a rename, so a failed
 * write never leaves half a .credoc under the name. */
static bool write_file(const char *path, const void *buf, size_t len)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp)
        return false;
    snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    bool ok = f != NULL;
    if (f) {
        ok = fwrite(buf, 1, len, f) == len;
        ok = (fclose(f) == 0) && ok;
    }
    int saved = errno;
    if (ok && rename(tmp, path) != 0) {
        saved = errno;
        ok = false;
    }
    if (!ok)
        remove(tmp);
    free(tmp);
    errno = saved;
    return ok;
}

int cr_cmd_compile(int argc, char **argv)
{
    if (cr_cli_want_help(argc, argv))
        return cr_cli_usage(usage_compile, 0);
    const char *policy = NULL, *out = NULL, *sign = NULL;
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'}, {"sign", required_argument, NULL, 's'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = cr_cli_getopt("compile", argc, argv, "o:", longopts)) != -1) {
        if (c == 'o' && !out)
            out = optarg;
        else if (c == 's' && !sign)
            sign = optarg;
        else if (c == 'o' || c == 's')
            return cr_cli_usage_error("compile", "%s given twice", c == 'o' ? "-o" : "--sign");
        else
            return 2;
    }
    int first = cr_cli_optind();
    if (first == argc)
        return cr_cli_usage_error("compile", "no policy given");
    if (argc - first > 1)
        return cr_cli_usage_error("compile", "one policy at a time ('%s' is a second)", argv[first + 1]);
    policy = argv[first];
    if (!out)
        return cr_cli_usage_error("compile", "-o FILE.credoc is required");
    cr_ed25519_key key;
    char err[512];
    if (sign) {
        if (!cr_ed25519_read(sign, &key, err, sizeof err)) {
            fprintf(stderr, "credo compile: --sign %s\n", err);
            return 1;
        }
        if (!key.has_secret) {
            fprintf(stderr, "credo compile: --sign %s: a public key; signing needs the private key\n", sign);
            return 1;
        }
    }
    int errors = 0;
    cr_program *p = cr_cli_load_policy(policy, true, &errors);
    if (!p)
        return 1;
    size_t len;
    void *buf = cr_credoc_encode(p, sign ? &key : NULL, &len);
    if (!buf) {
        fprintf(stderr, "credo compile: out of memory\n");
        cr_program_free(p);
        return 1;
    }
    /* Read it back before writing: what is written is known to load (a
     * policy whose texts are not UTF-8 cannot be a .credoc, for one). */
    cr_credoc_trust self = {&key, 1};
    cr_program *back = cr_credoc_read(buf, len, sign ? &self : NULL, err, sizeof err);
    int rc = 0;
    if (!back) {
        fprintf(stderr, "credo compile: %s cannot be written as a .credoc: %s\n", policy, err);
        rc = 1;
    } else if (!write_file(out, buf, len)) {
        fprintf(stderr, "credo compile: cannot write %s: %s\n", out, strerror(errno));
        rc = 1;
    } else {
        printf("%s: policy %s %s, source sha256 %s, program sha256 %s, %s%s\n", out, back->name,
               back->version ? back->version : "(no version)", back->sha256, back->program_sha256,
               back->signed_by[0] ? "signed by key " : "unsigned", back->signed_by);
    }
    cr_program_free(back);
    free(buf);
    cr_program_free(p);
    return rc;
}
