/* Helpers shared by the credo subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "date.h"
#include "../lang/credoc.h"

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

/* A compiled policy (.credoc, known by its magic bytes, not its name):
 * read and verified, never compiled again. */
static cr_program *load_compiled(const char *path, const char *data, size_t len, int *errors)
{
    char err[512];
    cr_program *p = cr_credoc_read(data, len, err, sizeof err);
    if (!p) {
        fprintf(stderr, "credo: cannot load %s: %s\n", path, err);
        *errors = 1;
        return NULL;
    }
    *errors = 0;
    return p;
}

/* Compiles one policy file, printing diagnostics to stderr; a .credoc is
 * read instead. */
cr_program *cr_cli_load_policy(const char *path, bool warnings, int *errors)
{
    size_t len;
    char *src = cr_read_file(path, &len);
    if (!src) {
        fprintf(stderr, "credo: cannot read %s: %s\n", path, strerror(errno));
        *errors = 1;
        return NULL;
    }
    if (cr_credoc_is(src, len)) {
        cr_program *p = load_compiled(path, src, len, errors);
        free(src);
        return p;
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

