/* credo --version: the release (runtime/version.h, as credo_version()
 * returns it), the commit it was built from and the build's compiler
 * options, written into build/gen/version.h when the command is built and
 * given to this file alone (the Makefile's -include), so a new commit
 * recompiles only it. */
#include <stdio.h>

#include "runtime/cli/cli.h"
#include "runtime/version.h"

/* A build that does not give the header (a script compiling the sources
 * itself, as tests/golden/threads_tsan.sh does) still compiles, and says
 * it does not know. */
#ifndef CREDO_COMMIT
#define CREDO_COMMIT "unknown"
#define CREDO_BUILD "unknown"
#endif

int cr_cli_version(void)
{
    printf("credo %s\ncommit %s\nbuilt with %s\n", CREDO_VERSION, CREDO_COMMIT, CREDO_BUILD);
    return 0;
}
