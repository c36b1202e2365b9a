/* The front end's entry point: source text to an immutable program
 * (lang/program.h).  Parsing, semantic analysis and code generation all
 * report into one cr_diags, so one run shows every mistake. */
#ifndef CREDO_COMPILE_H
#define CREDO_COMPILE_H

#include <stddef.h>

#include "lang/diag.h"
#include "lang/program.h"

/* The largest policy source cr_compile accepts, in bytes (README.md,
 * "Limits"); a longer one is a compile error. */
#define CR_MAX_SOURCE ((size_t)16 << 20)

/* The largest file cr_read_file reads: past it, NULL with errno EFBIG
 * (so `credo run /dev/zero` stops instead of eating memory). */
#define CR_MAX_FILE ((size_t)256 << 20)

/* Compiles `src` (len bytes, the policy file `file`).  Returns NULL when
 * there were errors, which are in diags (cr_diags_init'ed by the caller
 * with the same file and source).  The program keeps its own copy of the
 * source and the file name. */
cr_program *cr_compile(const char *file, const char *src, size_t len, cr_diags *diags);
void cr_program_free(cr_program *p);

/* Reads a whole file into a malloc'd buffer (NUL-terminated); NULL with
 * errno set on failure (EFBIG past CR_MAX_FILE bytes). */
char *cr_read_file(const char *path, size_t *len);

#endif
