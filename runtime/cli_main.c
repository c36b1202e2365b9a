/* The credo command: `credo check`, `credo run` and their help.
 *
 * Exit status (also in `credo --help`):
 *   0  success (check: no errors; run: every line got a decision)
 *   1  check: the policy has errors; run: the policy does not compile or
 *      the input cannot be read
 *   2  usage error
 *   3  run: finished, but at least one line was an ERROR */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lang/compile.h"
#include "date.h"
#include "decision_json.h"
#include "json_read.h"
#include "vm.h"

static const char usage_main[] =
    "usage: credo <command> [options] [files]\n"
    "\n"
    "credo evaluates credit policies written in the credo language.\n"
    "\n"
    "commands:\n"
    "  check FILE...           compile policies and report every error\n"
    "  run POLICY [INPUT]      decide each application (JSON lines) of INPUT or stdin\n"
    "  help [COMMAND]          show help for a command\n"
    "\n"
    "exit status: 0 success, 1 policy errors or unreadable input, 2 usage,\n"
    "3 run finished with at least one ERROR line.\n";

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

static const char usage_run[] =
    "usage: credo run [options] POLICY [INPUT]\n"
    "\n"
    "Reads applications as JSON lines (one object per line) from INPUT or\n"
    "stdin and writes one decision per line, in input order:\n"
    "  {\"app_id\":...,\"decision\":\"APPROVE|REFER|REJECT\",\"reasons\":[...],<results>}\n"
    "A line that cannot be decided (bad JSON, a missing or mistyped field, a\n"
    "run-time error) gives\n"
    "  {\"app_id\":...,\"line\":N,\"decision\":\"ERROR\",\"error\":\"<field or place>: <what>\"}\n"
    "and the run goes on with the next line.\n"
    "\n"
    "  --as-of DATE        the date `today` means (YYYY-MM-DD; default: the current date, UTC)\n"
    "  --explain           add why: rules fired, scorecard bins, segment row, table rows\n"
    "  --budget N          instructions allowed per application (default 1000000)\n"
    "\n"
    "exit status: 0 every line decided, 1 the policy does not compile or the\n"
    "input cannot be read, 2 usage, 3 finished with at least one ERROR line.\n";

static int usage(const char *text, int code)
{
    fputs(text, code ? stderr : stdout);
    return code;
}

static bool want_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

/* Compiles one policy file, printing diagnostics to stderr. */
static cr_program *load_policy(const char *path, bool warnings, int *errors)
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

static int cmd_check(int argc, char **argv)
{
    if (want_help(argc, argv))
        return usage(usage_check, 0);
    bool warnings = true;
    int nfiles = 0, failed = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
            warnings = false;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "credo check: unknown option %s\n", argv[i]);
            return usage(usage_check, 2);
        }
    }
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1])
            continue;
        nfiles++;
        int errors = 0;
        cr_program *p = load_policy(argv[i], warnings, &errors);
        if (!p || errors)
            failed++;
        cr_program_free(p);
    }
    if (nfiles == 0)
        return usage(usage_check, 2);
    return failed ? 1 : 0;
}

static int64_t today_utc(void)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    return cr_days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday);
}

static int cmd_run(int argc, char **argv)
{
    if (want_help(argc, argv))
        return usage(usage_run, 0);
    const char *files[2] = {NULL, NULL};
    int nfiles = 0;
    bool explain = false;
    int64_t today = today_utc();
    cr_session_limits limits = CR_SESSION_LIMITS_DEFAULT;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--explain") == 0) {
            explain = true;
        } else if (strcmp(a, "--as-of") == 0 && i + 1 < argc) {
            const char *d = argv[++i];
            if (!cr_date_parse(d, strlen(d), &today)) {
                fprintf(stderr, "credo run: --as-of %s is not a date YYYY-MM-DD\n", d);
                return 2;
            }
        } else if (strcmp(a, "--budget") == 0 && i + 1 < argc) {
            char *end;
            unsigned long long n = strtoull(argv[++i], &end, 10);
            if (*end || n == 0) {
                fprintf(stderr, "credo run: --budget needs a positive number\n");
                return 2;
            }
            limits.max_instructions = n;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "credo run: unknown option %s\n", a);
            return usage(usage_run, 2);
        } else if (nfiles < 2) {
            files[nfiles++] = a;
        } else {
            return usage(usage_run, 2);
        }
    }
    if (nfiles == 0)
        return usage(usage_run, 2);
    int errors = 0;
    cr_program *p = load_policy(files[0], true, &errors);
    if (!p)
        return 1;
    FILE *in = stdin;
    if (nfiles == 2 && strcmp(files[1], "-") != 0) {
        in = fopen(files[1], "rb");
        if (!in) {
            fprintf(stderr, "credo run: cannot read %s: %s\n", files[1], strerror(errno));
            cr_program_free(p);
            return 1;
        }
    }
    cr_session *s = cr_session_new(p, &limits);
    if (!s) {
        fprintf(stderr, "credo run: out of memory\n");
        cr_program_free(p);
        return 1;
    }
    s->today = today;
    cr_json_limits jl = CR_JSON_LIMITS_DEFAULT;
    cr_buf out = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t lineno = 0, bad = 0;
    while ((n = getline(&line, &cap, in)) >= 0) {
        lineno++;
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        cr_session_begin(s);
        cr_json_result res;
        out.len = 0;
        if (cr_json_read(p->input, line, len, &s->arena, &jl, s->slots, &res) != 0) {
            cr_write_error(&out, res.app_id, res.app_id_len, lineno, res.error);
            bad++;
        } else if (!cr_session_run(s)) {
            cr_write_error(&out, res.app_id, res.app_id_len, lineno, s->error);
            bad++;
        } else {
            cr_write_decision(&out, s, res.app_id, res.app_id_len, explain);
        }
        if (out.failed) {
            out.failed = false;
            out.len = 0;
            cr_write_error(&out, NULL, 0, lineno, "out of memory writing the decision");
            bad++;
        }
        fwrite(out.p, 1, out.len, stdout);
    }
    int rc = 0;
    if (ferror(in)) {
        fprintf(stderr, "credo run: error reading input after line %llu: %s\n", (unsigned long long)lineno, strerror(errno));
        rc = 1;
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "credo run: cannot write decisions: %s\n", strerror(errno));
        rc = 1;
    }
    free(line);
    cr_buf_free(&out);
    cr_session_free(s);
    cr_program_free(p);
    if (in != stdin)
        fclose(in);
    return rc ? rc : bad ? 3 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(usage_main, 2);
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        if (argc > 2 && strcmp(cmd, "help") == 0) {
            if (strcmp(argv[2], "check") == 0) return usage(usage_check, 0);
            if (strcmp(argv[2], "run") == 0) return usage(usage_run, 0);
        }
        return usage(usage_main, 0);
    }
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 2, argv + 2);
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    fprintf(stderr, "credo: unknown command '%s'\n", cmd);
    return usage(usage_main, 2);
}
