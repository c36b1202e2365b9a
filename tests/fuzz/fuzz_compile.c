/* libFuzzer target for the policy compiler: any bytes are a policy source
 * for cr_compile (lexer, parser, semantic analysis, code generation).  It
 * must give a program or diagnostics, never crash, hang or leak.  Its
 * diagnostics are printed (to /dev/null), so their line/column and caret
 * code runs too.  A program it gives must pass the .credoc verifier
 * (cr_program_verify) and survive a .credoc round trip: a compiled policy
 * that `credo compile` writes but `credo run` refuses is a bug, reported
 * here as a crash.  The formatter (cr_fmt) gets the same bytes.
 *
 * Build and run with tests/fuzz/run.sh; replay with tests/fuzz/replay.c. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "lang/credoc.h"
#include "lang/fmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data;
    cr_diags d;
    cr_diags_init(&d, FUZZ_POLICY_NAME, src, size);
    cr_program *p = cr_compile(FUZZ_POLICY_NAME, src, size, &d);
    cr_diags_print(&d, fuzz_devnull());
    if (p && d.errors) {
        fprintf(stderr, "fuzz_compile: cr_compile gave a program and %u errors\n", d.errors);
        abort();
    }
    if (p) {
        char err[512];
        if (!cr_program_verify(p, err, sizeof err)) {
            fprintf(stderr, "fuzz_compile: the verifier refuses a compiled program: %s\n", err);
            abort();
        }
        size_t n;
        void *bytes = cr_credoc_encode(p, NULL, &n);
        if (bytes) {
            cr_program *q = cr_credoc_read(bytes, n, NULL, err, sizeof err);
            if (!q) {
                fprintf(stderr, "fuzz_compile: a compiled program does not read back from its .credoc: %s\n", err);
                abort();
            }
            cr_program_free(q);
            free(bytes);
        }
        cr_program_free(p);
    }
    cr_diags_free(&d);

    cr_diags f;
    cr_diags_init(&f, FUZZ_POLICY_NAME, src, size);
    char *out = NULL;
    size_t out_len = 0;
    if (cr_fmt(src, size, &f, &out, &out_len))
        free(out);
    cr_diags_free(&f);
    return 0;
}
