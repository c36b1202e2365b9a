/* credo explain: why one application got its decision. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cli/cli.h"
#include "runtime/core/date.h"
#include "runtime/decide.h"
#include "runtime/io/explain.h"
#include "runtime/io/explain_people.h"
#include "runtime/vm/vm.h"

static const char usage_explain[] =
    "usage: credo explain [options] POLICY APPLICATION\n"
    "\n"
    "Decides one application and shows why: each rule with the values it\n"
    "compared, each scorecard characteristic's value, bin and points, the\n"
    "segment rows tried, the table rows matched, every derived value and the\n"
    "decide row; under the policy, each reference table (lookup) with the\n"
    "SHA-256 of its file.  APPLICATION is a file holding one JSON object, or\n"
    "JSON lines with --app or --line choosing one; - reads stdin.\n"
    "\n"
    "  --as-of DATE    the date `today` means (default: the current date, UTC)\n"
    "  --app ID        the line whose app_id is ID (or the policy's input key,\n"
    "                  `input NAME key FIELD`: a text or a number)\n"
    "  --line N        the N-th line (from 1)\n"
    "  --json          the same account as one JSON object (--format json)\n"
    "  --html          a page for a credit committee (--format html): the outcome\n"
    "                  and its reasons in words, the checks, the score against\n"
    "                  each characteristic's best bin, the segment and why, the\n"
    "                  calculations and the policy's identity; self-contained\n"
    "  --format F      trace (the default, above), text (the page's account as\n"
    "                  plain text), html or json\n"
    "\n"
    "example: credo explain --html --as-of 2026-12-01 --app APP00000005 \\\n"
    "           policies/sme_tax_loan.credo tests/reference/applicants.jsonl > why.html\n"
    "\n"
    "exit status: 0 explained, 1 the policy does not compile, the input cannot\n"
    "be read or the application is an ERROR (its error is printed), 2 usage.\n";

/* Whether a JSON line has "key":"id" or "key":id (a number) in it. */
static bool line_has_id(const char *line, const char *key, const char *id)
{
    char want[300];
    snprintf(want, sizeof want, "\"%s\":\"%s\"", key, id);
    if (strstr(line, want))
        return true;
    int n = snprintf(want, sizeof want, "\"%s\":%s", key, id);
    for (const char *at = line; n > 0 && (at = strstr(at, want)) != NULL; at++) {
        char next = at[n];
        if (next == ',' || next == '}' || next == ' ' || next == '\n' || next == '\r' || next == '\t' || next == '\0')
            return true;
    }
    return false;
}

/* The chosen application's text, malloc'd; NULL with a message. */
static char *pick_application(FILE *in, const char *key, const char *app, long want_line, size_t *len)
{
    char *line = NULL, *found = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0, nonempty = 0;
    size_t total = 0;
    char *all = NULL;
    while ((n = getline(&line, &cap, in)) >= 0) {
        lineno++;
        /* keep everything too: a single object may span several lines */
        char *na = realloc(all, total + (size_t)n + 1);
        if (!na)
            break;
        all = na;
        memcpy(all + total, line, (size_t)n);
        total += (size_t)n;
        all[total] = '\0';
        size_t k = (size_t)n;
        while (k && (line[k - 1] == '\n' || line[k - 1] == '\r' || line[k - 1] == ' '))
            k--;
        if (k == 0)
            continue;
        nonempty++;
        if (found)
            continue;
        bool hit = false;
        if (want_line > 0)
            hit = lineno == want_line;
        else if (app)
            hit = line_has_id(line, key, app);
        if (hit) {
            found = strndup(line, k);
            *len = k;
        }
    }
    free(line);
    if (found) {
        free(all);
        return found;
    }
    if (app || want_line > 0) {
        free(all);
        if (app)
            fprintf(stderr, "credo explain: no application with %s %s\n", key, app);
        else
            fprintf(stderr, "credo explain: there is no line %ld\n", want_line);
        return NULL;
    }
    if (!all || nonempty == 0) {
        free(all);
        fprintf(stderr, "credo explain: the input holds no application\n");
        return NULL;
    }
    /* one object, possibly over several lines, or one JSON line */
    if (nonempty > 1 && all[0] == '{') {
        /* several lines: accept only if they are one object (the reader decides) */
    }
    *len = total;
    return all;
}

int cr_cmd_explain(int argc, char **argv)
{
    if (cr_cli_want_help(argc, argv))
        return cr_cli_usage(usage_explain, 0);
    const char *files[2] = {NULL, NULL};
    int nfiles = 0;
    bool json = false;
    const char *format = "trace";
    const char *app = NULL;
    long want_line = 0;
    int64_t today = cr_cli_today();
    static const struct option longopts[] = {{"json", no_argument, NULL, 'J'},
                                             {"html", no_argument, NULL, 'H'},
                                             {"format", required_argument, NULL, 'F'},
                                             {"as-of", required_argument, NULL, 'A'},
                                             {"app", required_argument, NULL, 'P'},
                                             {"line", required_argument, NULL, 'L'},
                                             {NULL, 0, NULL, 0}};
    int c;
    while ((c = cr_cli_getopt("explain", argc, argv, "", longopts)) != -1) {
        if (c == 'J') {
            json = true;
        } else if (c == 'H') {
            format = "html";
        } else if (c == 'F') {
            format = optarg;
            if (strcmp(format, "json") == 0)
                json = true;
            else if (strcmp(format, "trace") && strcmp(format, "text") && strcmp(format, "html"))
                return cr_cli_usage_error("explain", "--format %s: expected trace, text, html or json", format);
        } else if (c == 'A') {
            if (!cr_date_parse(optarg, strlen(optarg), &today))
                return cr_cli_usage_error("explain", "--as-of %s is not a date YYYY-MM-DD", optarg);
        } else if (c == 'P') {
            app = optarg;
        } else if (c == 'L') {
            char *end;
            want_line = strtol(optarg, &end, 10);
            if (end == optarg || *end || want_line <= 0)
                return cr_cli_usage_error("explain", "--line needs a positive number");
        } else {
            return 2;
        }
    }
    for (int i = cr_cli_optind(); i < argc; i++) {
        if (nfiles == 2)
            return cr_cli_usage_error("explain", "one POLICY and one APPLICATION ('%s' is one too many)", argv[i]);
        files[nfiles++] = argv[i];
    }
    if (nfiles != 2)
        return cr_cli_usage_error("explain", "needs a POLICY and an APPLICATION");
    int errors = 0;
    cr_program *p = cr_cli_load_policy(files[0], false, &errors);
    if (!p)
        return 1;
    FILE *in = strcmp(files[1], "-") == 0 ? stdin : fopen(files[1], "rb");
    if (!in) {
        fprintf(stderr, "credo explain: cannot read %s: %s\n", files[1], strerror(errno));
        cr_program_free(p);
        return 1;
    }
    size_t len = 0;
    char *text = pick_application(in, p->key ? p->key : "app_id", app, want_line, &len);
    if (in != stdin)
        fclose(in);
    int rc = 1;
    cr_session *s = text ? cr_session_new(p, NULL) : NULL;
    cr_trace trace = {0};
    trace.cap = 100000;
    trace.items = s ? malloc(trace.cap * sizeof *trace.items) : NULL;
    if (s && trace.items) {
        s->today = today;
        s->trace = &trace;
        cr_decided d;
        if (!cr_decide(s, text, len, NULL, NULL, &d)) {
            fprintf(stderr, "credo explain: the application is an ERROR: %s\n", d.error);
        } else {
            if (json) {
                cr_buf b = {0};
                cr_explain_json(&b, s, d.app_id, d.app_id_len);
                fwrite(b.p, 1, b.len, stdout);
                cr_buf_free(&b);
            } else if (strcmp(format, "html") == 0 || strcmp(format, "text") == 0) {
                cr_buf b = {0};
                (format[0] == 'h' ? cr_explain_html : cr_explain_plain)(&b, s, d.app_id, d.app_id_len);
                fwrite(b.p, 1, b.len, stdout);
                cr_buf_free(&b);
            } else {
                cr_explain_text(stdout, s, d.app_id, d.app_id_len);
            }
            rc = 0;
        }
    }
    free(trace.items);
    cr_session_free(s);
    free(text);
    cr_program_free(p);
    return rc;
}
