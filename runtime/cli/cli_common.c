/* Helpers shared by the credo subcommands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <sys/stat.h>

#include "runtime/cli/cli.h"
#include "runtime/core/date.h"
#include "runtime/core/limit.h"
#include "lang/credoc.h"
#include "runtime/core/ed25519.h"

/* The keys of --trust; none: any .credoc with a valid seal, and sources. */
#define MAX_TRUSTED 16
static cr_ed25519_key trusted_keys[MAX_TRUSTED];
static uint32_t ntrusted;

int cr_cli_take_trust(int argc, char **argv)
{
    int o = 0;
    for (int i = 0; i < argc; i++) {
        const char *path = NULL;
        if (strcmp(argv[i], "--trust") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strncmp(argv[i], "--trust=", 8) == 0)
            path = argv[i] + 8;
        else if (strcmp(argv[i], "--") == 0) {
            while (i < argc)
                argv[o++] = argv[i++];
            break;
        } else {
            argv[o++] = argv[i];
            continue;
        }
        char err[512];
        if (ntrusted == MAX_TRUSTED) {
            fprintf(stderr, "credo: --trust: at most %d keys\n", MAX_TRUSTED);
            return -1;
        }
        cr_ed25519_key *k = &trusted_keys[ntrusted];
        if (!cr_ed25519_read(path, k, err, sizeof err)) {
            fprintf(stderr, "credo: --trust %s\n", err);
            return -1;
        }
        /* a private key works too; only its public half is kept */
        k->has_secret = false;
        memset(k->secret, 0, sizeof k->secret);
        ntrusted++;
    }
    if (o < argc)
        argv[o] = NULL;
    return o;
}

int cr_cli_usage(const char *text, int code)
{
    fputs(text, code ? stderr : stdout);
    return code;
}

bool cr_cli_want_help(int argc, char **argv)
{
    for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

int cr_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "credo %s: %s\ntry 'credo %s --help'\n", cmd, msg, cmd);
    return 2;
}

/* The argv getopt walks, to tell when a new command starts parsing. */
static char **getopt_argv;

int cr_cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts, const struct option *longopts)
{
    return cr_cli_getopt_index(cmd, argc, argv, shortopts, longopts, NULL);
}

int cr_cli_getopt_index(const char *cmd, int argc, char **argv, const char *shortopts,
                        const struct option *longopts, int *index)
{
    /* getopt starts at index 1: argv[-1], the command's name, is its
     * program name.  optind = 0 makes it start afresh. */
    char **av = argv - 1;
    if (getopt_argv != av) {
        getopt_argv = av;
        optind = 0;
    }
    char shorts[64];
    snprintf(shorts, sizeof shorts, ":%s", shortopts);   /* ':' reports a missing value apart */
    opterr = 0;
    int c = getopt_long(argc + 1, av, shorts, longopts, index);
    if (c != '?' && c != ':')
        return c;
    const char *arg = optind - 1 >= 1 && optind - 1 <= argc ? av[optind - 1] : "";
    bool long_opt = strncmp(arg, "--", 2) == 0;
    if (c == ':') {
        if (long_opt)
            cr_cli_usage_error(cmd, "option '%s' needs a value", arg);
        else
            cr_cli_usage_error(cmd, "option '-%c' needs a value", optopt);
    } else if (long_opt && strchr(arg, '=') && optopt) {
        cr_cli_usage_error(cmd, "option '%.*s' takes no value", (int)(strchr(arg, '=') - arg), arg);
    } else if (long_opt) {
        cr_cli_usage_error(cmd, "unknown option '%s'", arg);
    } else {
        cr_cli_usage_error(cmd, "unknown option '-%c'", optopt ? optopt : '?');
    }
    return '?';
}

int cr_cli_optind(void)
{
    return optind - 1;
}

/* A compiled policy (.credoc, known by its magic bytes, not its name):
 * read and verified, never compiled again. */
static cr_program *load_compiled(const char *path, const char *data, size_t len, int *errors, FILE *diag)
{
    char err[512];
    cr_credoc_trust trust = {trusted_keys, ntrusted};
    cr_program *p = cr_credoc_read(data, len, &trust, err, sizeof err);
    if (!p) {
        fprintf(diag, "credo: cannot load %s: %s\n", path, err);
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
    return cr_cli_load_policy_to(path, warnings, errors, stderr);
}

cr_program *cr_cli_load_policy_to(const char *path, bool warnings, int *errors, FILE *diag)
{
    size_t len;
    char *src = cr_read_file(path, &len);
    if (!src) {
        fprintf(diag, "credo: cannot read %s: %s\n", path, strerror(errno));
        *errors = 1;
        return NULL;
    }
    if (cr_credoc_is(src, len)) {
        cr_program *p = load_compiled(path, src, len, errors, diag);
        free(src);
        return p;
    }
    if (ntrusted) {
        fprintf(diag, "credo: cannot load %s: it is a policy's source, and with --trust only a .credoc signed by a "
                        "trusted key is loaded (credo compile --sign)\n", path);
        free(src);
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
    cr_diags_print(&d, diag);
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


/* ---- policy identity and versions ---- */

const char *cr_cli_missing_identity(const cr_program *p)
{
    return !p->version || !p->version[0] ? "version \"...\""
           : !p->has_effective          ? "effective DATE"
           : !p->owner || !p->owner[0]  ? "owner \"...\""
                                        : NULL;
}

bool cr_cli_require_identity(const cr_program *p, const char *why)
{
    const char *missing = cr_cli_missing_identity(p);
    if (!missing)
        return true;
    fprintf(stderr, "credo: %s: the policy header needs %s (%s: every decision must name the policy's"
                    " name, version, effective date and owner)\n",
            p->file, missing, why);
    return false;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* One candidate of a folder of versions, without its diagnostics: a
 * .credoc read under the --trust keys, or a source compiled (none under
 * --trust).  NULL, said on stderr, when it cannot be a candidate. */
static cr_program *load_candidate(const char *path)
{
    size_t len;
    char *data = cr_read_file(path, &len);
    if (!data)
        return NULL;
    cr_program *p = NULL;
    char err[512];
    if (cr_credoc_is(data, len)) {
        cr_credoc_trust trust = {trusted_keys, ntrusted};
        if (!(p = cr_credoc_read(data, len, &trust, err, sizeof err)))
            fprintf(stderr, "credo: %s is refused (%s); it is not a candidate\n", path, err);
    } else if (ntrusted) {
        fprintf(stderr, "credo: %s is a policy's source; under --trust it is not a candidate\n", path);
    } else {
        cr_diags diags;
        cr_diags_init(&diags, path, data, len);
        p = cr_compile(path, data, len, &diags);
        cr_diags_free(&diags);
        if (!p)
            fprintf(stderr, "credo: %s does not compile; it is not a candidate (credo check %s)\n", path, path);
    }
    free(data);
    return p;
}

/* A folder of versions of one policy: the one in effect on as_of is the
 * one with the latest effective date not after it. */
static cr_program *load_version_in_effect(const char *dir, int64_t as_of, bool warnings, int *errors)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    cr_program *best = NULL;
    char best_path[4096] = "", first_name[256] = "", day[16];
    bool several_names = false, tie = false;
    struct dirent *e;
    *errors = 0;
    while ((e = readdir(d)) != NULL) {
        bool source = ends_with(e->d_name, ".credo") && !ends_with(e->d_name, ".test.credo");
        if (e->d_name[0] == '.' || (!source && !ends_with(e->d_name, ".credoc")))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", e->d_name);
        cr_program *p = load_candidate(path);
        if (!p)
            continue;
        if (!first_name[0])
            snprintf(first_name, sizeof first_name, "%s", p->name);
        else if (strcmp(first_name, p->name) != 0)
            several_names = true;
        if (!p->has_effective || p->effective > as_of) {
            cr_program_free(p);
            continue;
        }
        if (best && p->effective == best->effective) {
            tie = true;
        }
        if (!best || p->effective > best->effective) {
            cr_program_free(best);
            best = p;
            tie = false;
            snprintf(best_path, sizeof best_path, "%s", path);
        } else {
            cr_program_free(p);
        }
    }
    closedir(d);
    cr_date_format(as_of, day);
    if (several_names) {
        fprintf(stderr, "credo: %s holds different policies (%s and others); a folder of versions holds one policy\n",
                dir, first_name);
        cr_program_free(best);
        *errors = 1;
        return NULL;
    }
    if (tie) {
        fprintf(stderr, "credo: %s: two versions take effect on the same date, the one in effect on %s is ambiguous\n",
                dir, day);
        cr_program_free(best);
        *errors = 1;
        return NULL;
    }
    if (!best) {
        fprintf(stderr, "credo: %s: no version of the policy is in effect on %s\n", dir, day);
        *errors = 1;
        return NULL;
    }
    cr_program_free(best);
    /* load it again the normal way, so its warnings are shown */
    return cr_cli_load_policy(best_path, warnings, errors);
}

cr_program *cr_cli_load_policy_at(const char *path, int64_t as_of, bool warnings, int *errors)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return load_version_in_effect(path, as_of, warnings, errors);
    cr_program *p = cr_cli_load_policy(path, warnings, errors);
    if (p && p->has_effective && p->effective > as_of) {
        char eff[16], day[16];
        cr_date_format(p->effective, eff);
        cr_date_format(as_of, day);
        fprintf(stderr, "credo: warning: %s takes effect on %s, after the as-of date %s\n", path, eff, day);
    }
    return p;
}

bool cr_cli_parse_budget(const char *cmd, const char *v, uint64_t *out)
{
    char *end;
    unsigned long long n = strtoull(v, &end, 10);   /* past ULLONG_MAX: ULLONG_MAX */
    if (*end || n == 0 || *v == '-') {
        fprintf(stderr, "credo %s: --budget needs a positive number\n", cmd);
        return false;
    }
    if (n > CR_MAX_INSTRUCTIONS_MAX) {
        fprintf(stderr, "credo %s: --budget %s is more than the maximum, %llu\n", cmd, v, CR_MAX_INSTRUCTIONS_MAX);
        return false;
    }
    *out = n;
    return true;
}

bool cr_cli_parse_deadline(const char *cmd, const char *v, uint32_t *out)
{
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    if (*end || n == 0 || *v == '-' || *v == '\0') {
        fprintf(stderr, "credo %s: --deadline-ms needs a positive number of milliseconds\n", cmd);
        return false;
    }
    if (n > CR_DEADLINE_MS_MAX) {
        fprintf(stderr, "credo %s: --deadline-ms %s is more than the maximum, %u\n", cmd, v, CR_DEADLINE_MS_MAX);
        return false;
    }
    *out = (uint32_t)n;
    return true;
}
