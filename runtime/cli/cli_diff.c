/* credo diff: champion/challenger over a population of applications, or,
 * without one, what changed in the policy itself construct by construct.
 * The totals are in diff_pop.c, the structural comparison in
 * lang/policy_diff.c and the reports in diff_report.c and diff_html.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/policy_diff.h"
#include "runtime/cli/cli.h"
#include "runtime/core/date.h"
#include "runtime/author/diff_pop.h"
#include "runtime/author/diff_report.h"
#include "runtime/decide.h"
#include "runtime/vm/vm.h"

static const char usage_diff[] =
    "usage: credo diff [options] OLD NEW [INPUT]\n"
    "\n"
    "With INPUT (JSON lines, one application per line; - for stdin), decides\n"
    "every application with both policies and reports what moved: the swap set\n"
    "of outcomes (rows OLD, columns NEW, ERROR included); every numeric result\n"
    "both policies write (how many changed, exact sums, mean change, changes by\n"
    "size); segment, label and other results (a matrix of old by new value);\n"
    "reason codes gained and lost; and the applications that changed.\n"
    "\n"
    "Without INPUT, reviews what changed in the policy itself, construct by\n"
    "construct: header, input fields, consts, lets, results, functions, rules\n"
    "(matched by code), scorecard bins, segment rows, table rows and decide\n"
    "rows, each with its old and new text.\n"
    "\n"
    "  --as-of DATE     the date `today` means (YYYY-MM-DD; default: the current date, UTC)\n"
    "  --json           write one JSON document instead of text\n"
    "  --html FILE      also write a self-contained HTML report with charts (needs INPUT)\n"
    "  --list N         changed applications listed in the text report (default 20)\n"
    "  --budget N       instructions allowed per application (default 1000000, at most\n"
    "                   1000000000)\n"
    "\n"
    "exit status: 0 done, 1 a policy does not compile or a file cannot be read\n"
    "or written, 2 usage, 3 done, but some lines were ERROR under a policy.\n";

typedef struct diff_opts {
    const char *files[3];      /* OLD, NEW, INPUT */
    int nfiles;
    bool json;
    const char *html;
    uint64_t list;
    int64_t today;
    cr_session_limits limits;
    const char *population_only;  /* an option given that needs INPUT */
} diff_opts;

static bool parse_count(const char *s, uint64_t *out)
{
    char *end;
    if (!*s || *s == '-')
        return false;
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    *out = n;
    return !*end && errno == 0;
}

/* One option and its value; 0 when fine, else the exit status. */
static int parse_option(int c, const char *v, diff_opts *o)
{
    switch (c) {
    case 'J':
        o->json = true;
        return 0;
    case 'A':
        o->population_only = "--as-of";
        if (cr_date_parse(v, strlen(v), &o->today))
            return 0;
        return cr_cli_usage_error("diff", "--as-of %s is not a date YYYY-MM-DD", v);
    case 'H':
        o->population_only = "--html";
        o->html = v;
        return 0;
    case 'L':
        o->population_only = "--list";
        if (parse_count(v, &o->list))
            return 0;
        return cr_cli_usage_error("diff", "--list needs a number");
    case 'B':
        o->population_only = "--budget";
        return cr_cli_parse_budget("diff", v, &o->limits.max_instructions) ? 0 : 2;
    default:
        return 2;
    }
}

static int parse_args(int argc, char **argv, diff_opts *o)
{
    cr_session_limits limits = CR_SESSION_LIMITS_DEFAULT;
    memset(o, 0, sizeof *o);
    o->list = 20;
    o->today = cr_cli_today();
    o->limits = limits;
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'J'},         {"as-of", required_argument, NULL, 'A'},
        {"html", required_argument, NULL, 'H'},   {"list", required_argument, NULL, 'L'},
        {"budget", required_argument, NULL, 'B'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = cr_cli_getopt("diff", argc, argv, "", longopts)) != -1) {
        int rc = parse_option(c, optarg, o);
        if (rc)
            return rc;
    }
    for (int i = cr_cli_optind(); i < argc; i++) {
        if (o->nfiles == 3)
            return cr_cli_usage_error("diff", "too many files ('%s' is a fourth)", argv[i]);
        o->files[o->nfiles++] = argv[i];
    }
    if (o->nfiles < 2)
        return cr_cli_usage_error("diff", "needs OLD and NEW policies");
    if (o->nfiles == 2 && o->population_only) {
        fprintf(stderr, "credo diff: %s needs an INPUT population (credo diff OLD NEW INPUT)\n", o->population_only);
        return 2;
    }
    return 0;
}

static int finish_stdout(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "credo diff: cannot write the report: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

/* ---- what changed in the policy ------------------------------------------ */

static bool parse_tree(const cr_program *p, cr_policy_tree *t)
{
    cr_diags d;
    cr_diags_init(&d, p->file, p->src, p->len);
    bool ok = cr_policy_tree_parse(t, p->src, p->len, &d);
    cr_diags_print(&d, stderr);   /* cannot happen: the policy compiled */
    cr_diags_free(&d);
    return ok;
}

static int policy_review(const diff_opts *o, const cr_program *a, const cr_program *b)
{
    cr_policy_tree ta, tb;
    bool ok_a = parse_tree(a, &ta);   /* both, so both can be freed */
    bool ok_b = parse_tree(b, &tb);
    cr_policy_diff d;
    memset(&d, 0, sizeof d);
    int rc = 1;
    if (ok_a && ok_b && cr_policy_diff_run(&ta, &tb, &d)) {
        cr_diff_meta m = {o->files[0], o->files[1], NULL, o->today, o->list};
        if (o->json)
            cr_pdiff_write_json(stdout, &d, a, b, &m);
        else
            cr_pdiff_write_text(stdout, &d, a, b, &m);
        rc = finish_stdout();
    } else if (ok_a && ok_b) {
        fprintf(stderr, "credo diff: out of memory comparing the policies\n");
    }
    cr_policy_diff_free(&d);
    cr_policy_tree_free(&ta);
    cr_policy_tree_free(&tb);
    return rc;
}

/* ---- champion/challenger over a population --------------------------------- */

typedef struct side {
    cr_session *s;
    cr_decided d;
} side;

/* Decides one line under one policy: NULL, or why it is an ERROR. */
static const char *decide(side *sd, const char *line, size_t len)
{
    return cr_decide(sd->s, line, len, NULL, NULL, &sd->d) ? NULL : sd->d.error;
}

/* Every line of in through both policies into d; 0, or 1 when reading
 * fails or memory runs out. */
static int run_population(FILE *in, const char *name, side *a, side *b, cr_popdiff *d)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t lineno = 0;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, in)) >= 0) {
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        lineno++;
        cr_diff_side x = {a->s, decide(a, line, len)};
        cr_diff_side y = {b->s, decide(b, line, len)};
        /* each reader finds app_id on its own; either will do */
        const cr_decided *r = a->d.app_id ? &a->d : &b->d;
        if (!cr_popdiff_add(d, r->app_id, r->app_id_len, lineno, &x, &y)) {
            fprintf(stderr, "credo diff: out of memory at line %llu\n", (unsigned long long)lineno);
            rc = 1;
        }
    }
    if (rc == 0 && ferror(in)) {
        fprintf(stderr, "credo diff: error reading %s after line %llu: %s\n", name, (unsigned long long)lineno,
                strerror(errno));
        rc = 1;
    }
    free(line);
    return rc;
}

static int write_html(FILE *f, const char *path, const cr_popdiff *d, const cr_diff_meta *m)
{
    cr_diff_write_html(f, d, m);
    if (fflush(f) != 0 || ferror(f)) {
        fprintf(stderr, "credo diff: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

/* The reports; html is the HTML file, already open, or NULL. */
static int report(const diff_opts *o, const cr_popdiff *d, FILE *html)
{
    const char *input = o->files[2];
    cr_diff_meta m = {o->files[0], o->files[1], strcmp(input, "-") ? input : "(stdin)", o->today, o->list};
    if (o->json)
        cr_diff_write_json(stdout, d, &m);
    else
        cr_diff_write_text(stdout, d, &m);
    int rc = finish_stdout();
    if (html && write_html(html, o->html, d, &m) != 0)
        rc = 1;
    if (rc == 0 && (d->errors_old || d->errors_new)) {
        fprintf(stderr, "credo diff: %llu lines were ERROR under OLD, %llu under NEW (see the matrix)\n",
                (unsigned long long)d->errors_old, (unsigned long long)d->errors_new);
        rc = 3;
    }
    return rc;
}

/* Opened before the run, so a path that cannot be written fails at once
 * rather than after deciding a whole population. */
static bool open_html(const diff_opts *o, FILE **html)
{
    *html = NULL;
    if (!o->html)
        return true;
    *html = fopen(o->html, "w");
    if (!*html)
        fprintf(stderr, "credo diff: cannot write %s: %s\n", o->html, strerror(errno));
    return *html != NULL;
}

/* Closes the HTML file; a report that failed leaves no half page behind. */
static int close_html(const diff_opts *o, FILE *html, int rc)
{
    if (!html)
        return rc;
    if (fclose(html) != 0 && rc != 1) {
        fprintf(stderr, "credo diff: cannot write %s: %s\n", o->html, strerror(errno));
        rc = 1;
    }
    if (rc == 1)
        remove(o->html);
    return rc;
}

static int population(const diff_opts *o, const cr_program *pa, const cr_program *pb)
{
    const char *input = o->files[2];
    FILE *in = strcmp(input, "-") ? fopen(input, "rb") : stdin, *html;
    if (!in) {
        fprintf(stderr, "credo diff: cannot read %s: %s\n", input, strerror(errno));
        return 1;
    }
    if (!open_html(o, &html)) {
        if (in != stdin)
            fclose(in);
        return 1;
    }
    side a = {.s = cr_session_new(pa, &o->limits)};
    side b = {.s = cr_session_new(pb, &o->limits)};
    cr_popdiff d;
    int rc = 1;
    if (!a.s || !b.s || !cr_popdiff_init(&d, pa, pb)) {
        fprintf(stderr, "credo diff: out of memory\n");
        if (a.s && b.s)
            cr_popdiff_free(&d);
    } else {
        a.s->today = b.s->today = o->today;
        rc = run_population(in, input, &a, &b, &d);
        if (rc == 0)
            rc = report(o, &d, html);
        cr_popdiff_free(&d);
    }
    cr_session_free(a.s);
    cr_session_free(b.s);
    if (in != stdin)
        fclose(in);
    return close_html(o, html, rc);
}

int cr_cmd_diff(int argc, char **argv)
{
    if (cr_cli_want_help(argc, argv))
        return cr_cli_usage(usage_diff, 0);
    diff_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    int errors = 0;
    cr_program *a = cr_cli_load_policy(o.files[0], false, &errors);
    cr_program *b = cr_cli_load_policy(o.files[1], false, &errors);
    if (!a || !b) {
        fprintf(stderr, "credo diff: nothing compared: %s%s%s could not be loaded\n", !a ? o.files[0] : "",
                !a && !b ? " and " : "", !b ? o.files[1] : "");
        rc = 1;
    } else {
        rc = o.nfiles == 3 ? population(&o, a, b) : policy_review(&o, a, b);
    }
    cr_program_free(a);
    cr_program_free(b);
    return rc;
}
