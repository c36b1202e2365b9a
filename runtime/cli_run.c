/* credo run: JSON lines in, one decision per line out, in input order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "decision_json.h"
#include "json_read.h"
#include "vm.h"

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

int cr_cmd_run(int argc, char **argv)
{
    if (cr_cli_want_help(argc, argv))
        return cr_cli_usage(usage_run, 0);
    const char *files[2] = {NULL, NULL};
    int nfiles = 0;
    bool explain = false;
    int64_t today = cr_cli_today();
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
            return cr_cli_usage(usage_run, 2);
        } else if (nfiles < 2) {
            files[nfiles++] = a;
        } else {
            return cr_cli_usage(usage_run, 2);
        }
    }
    if (nfiles == 0)
        return cr_cli_usage(usage_run, 2);
    int errors = 0;
    cr_program *p = cr_cli_load_policy(files[0], true, &errors);
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

