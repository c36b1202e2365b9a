/* credo check: compile policies, report every error and warning. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cli/cli.h"

static const char usage_check[] =
    "usage: credo check [--quiet] FILE...\n"
    "\n"
    "Compiles each policy without running it and prints every error and\n"
    "warning as file:line:col: error: message, with the source line and a\n"
    "caret under the place.\n"
    "\n"
    "  -q, --quiet     print errors only, not warnings\n"
    "  --werror        treat warnings as errors\n"
    "\n"
    "Warnings are the policy checks: a rule that can never fire or always\n"
    "fires, a comparison of a value with itself, an unused let, const, table\n"
    "or function, a table row that can never match or rows of a unique table\n"
    "that overlap, a segment row after one that always matches.\n"
    "\n"
    "exit status: 0 no errors, 1 errors (or warnings with --werror), 2 usage.\n";

/* Compiles one file; returns its error count (warnings count too with
 * --werror), printing the diagnostics to stderr. */
static int check_file(const char *path, bool warnings, bool werror)
{
    size_t len;
    char *src = cr_read_file(path, &len);
    if (!src) {
        fprintf(stderr, "credo check: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    cr_diags d;
    cr_diags_init(&d, path, src, len);
    cr_program *p = cr_compile(path, src, len, &d);
    uint32_t o = 0;
    for (uint32_t i = 0; i < d.count; i++) {
        if (warnings || d.items[i].severity == CR_SEV_ERROR)
            d.items[o++] = d.items[i];
        else
            free(d.items[i].msg);
    }
    d.count = o;
    cr_diags_print(&d, stderr);
    int bad = (int)d.errors + (werror ? (int)d.warnings : 0);
    if (!p && bad == 0)
        bad = 1;
    cr_diags_free(&d);
    cr_program_free(p);
    free(src);
    return bad;
}

int cr_cmd_check(int argc, char **argv)
{
    if (cr_cli_want_help(argc, argv))
        return cr_cli_usage(usage_check, 0);
    bool warnings = true, werror = false;
    static const struct option longopts[] = {
        {"quiet", no_argument, NULL, 'q'}, {"werror", no_argument, NULL, 'W'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = cr_cli_getopt("check", argc, argv, "q", longopts)) != -1) {
        if (c == 'q')
            warnings = false;
        else if (c == 'W')
            werror = true;
        else
            return 2;
    }
    int first = cr_cli_optind(), failed = 0;
    if (first == argc)
        return cr_cli_usage_error("check", "no policy file given");
    for (int i = first; i < argc; i++)
        if (check_file(argv[i], warnings || werror, werror))
            failed++;
    return failed ? 1 : 0;
}
