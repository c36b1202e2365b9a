/* Helpers shared by the credo subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "date.h"

int cr_cli_usage(const char *text, int code)
{
    fputs(text, code ? stderr : stdout);
    return code;
}

bool cr_cli_want_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

/* Compiles one policy file, printing diagnostics to stderr. */
cr_program *cr_cli_load_policy(const char *path, bool warnings, int *errors)
{
    size_t len;
    char *src = cr_read_file(path, &len);
    if (!src) {
        fprintf(stderr, "credo: cannot read %s: %s\n", path, strerror(errno));
        *errors = 1;
        return NULL;
    }
    cr_diags d;
    cr_diags_init(&d, path, src, len);
    cr_program *p = cr_compile(path, src, len, &d);
    if (!warnings) {
        /* keep only errors */
        uint32_t o = 0;
        for (uint32_t i = 0; i < d.count; i++) {
            if (d.items[i].severity == CR_SEV_ERROR)
                d.items[o++] = d.items[i];
            else
                free(d.items[i].msg);
        }
        d.count = o;
    }
    cr_diags_print(&d, stderr);
    *errors = (int)d.errors;
    cr_diags_free(&d);
    free(src);
    return p;
}

int64_t cr_cli_today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    return cr_days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday);
}

