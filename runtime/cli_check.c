/* credo check: compile policies, report every error and warning. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage_check[] =
    "usage: credo check [--quiet] FILE...\n"
    "\n"
    "Compiles each policy without running it and prints every error and\n"
    "warning as file:line:col: error: message, with the source line and a\n"
    "caret under the place.\n"
    "\n"
    "  -q, --quiet     print errors only, not warnings\n"
    "\n"
    "exit status: 0 no errors, 1 errors, 2 usage.\n";

int cr_cmd_check(int argc, char **argv)
{
    if (cr_cli_want_help(argc, argv))
        return cr_cli_usage(usage_check, 0);
    bool warnings = true;
    int nfiles = 0, failed = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
            warnings = false;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "credo check: unknown option %s\n", argv[i]);
            return cr_cli_usage(usage_check, 2);
        }
    }
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1])
            continue;
        nfiles++;
        int errors = 0;
        cr_program *p = cr_cli_load_policy(argv[i], warnings, &errors);
        if (!p || errors)
            failed++;
        cr_program_free(p);
    }
    if (nfiles == 0)
        return cr_cli_usage(usage_check, 2);
    return failed ? 1 : 0;
}

