/* credo compile: a policy to a .credoc that `credo run` (and every command
 * that loads a policy) reads instead of compiling. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cli/cli.h"
#include "lang/credoc.h"

static const char usage_compile[] =
    "usage: credo compile POLICY -o FILE.credoc\n"
    "\n"
    "Compiles POLICY (its errors and warnings as `credo check` prints them)\n"
    "and writes the program to FILE.credoc: the policy's identity, its source\n"
    "text and SHA-256, and the bytecode.  `credo run FILE.credoc` decides\n"
    "exactly as the source does, without compiling it; a .credoc that was\n"
    "changed or cut short is refused.\n"
    "\n"
    "exit status: 0 written, 1 the policy has errors or the file cannot be\n"
    "written, 2 usage.\n";

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
    const char *policy = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc && !out)
            out = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1])
            return cr_cli_usage(usage_compile, 2);
        else if (!policy)
            policy = argv[i];
        else
            return cr_cli_usage(usage_compile, 2);
    }
    if (!policy || !out)
        return cr_cli_usage(usage_compile, 2);
    int errors = 0;
    cr_program *p = cr_cli_load_policy(policy, true, &errors);
    if (!p)
        return 1;
    size_t len;
    void *buf = cr_credoc_encode(p, &len);
    if (!buf) {
        fprintf(stderr, "credo compile: out of memory\n");
        cr_program_free(p);
        return 1;
    }
    /* Read it back before writing: what is written is known to load (a
     * policy whose texts are not UTF-8 cannot be a .credoc, for one). */
    char err[512];
    cr_program *back = cr_credoc_read(buf, len, err, sizeof err);
    int rc = 0;
    if (!back) {
        fprintf(stderr, "credo compile: %s cannot be written as a .credoc: %s\n", policy, err);
        rc = 1;
    } else if (!write_file(out, buf, len)) {
        fprintf(stderr, "credo compile: cannot write %s: %s\n", out, strerror(errno));
        rc = 1;
    }
    cr_program_free(back);
    free(buf);
    cr_program_free(p);
    return rc;
}
