/* credo test: run policy tests (NAME.test.credo files, JSON-lines case
 * files) and report coverage of the policy's parts. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/cli/cli.h"
#include "runtime/author/policy_test.h"
#include "runtime/author/test_report.h"

static const char usage_test[] =
    "usage: credo test [options] PATH...\n"
    "       credo test [options] POLICY --cases CASES.jsonl\n"
    "\n"
    "Runs the tests of policies.  PATH is a NAME.test.credo file, a policy\n"
    "NAME.credo (its NAME.test.credo beside it is run) or a directory (every\n"
    "*.test.credo in it).  With --cases, each line of CASES.jsonl is\n"
    "  {\"name\":...,\"application\":{...},\"expect\":{\"decision\":...,\"limit\":...}}\n"
    "Each failure shows the test, the expected and actual values and the\n"
    "decision's trace; the last line is `N passed, N failed`.\n"
    "\n"
    "  --coverage          list every rule, scorecard bin, segment row, table row\n"
    "                      and decide row no test exercised, with file:line\n"
    "  --coverage-min P    fail when a policy's coverage is below P percent\n"
    "  --mutate            mutation testing: each threshold moved one unit, < and <=\n"
    "                      (> and >=) swapped, each rule removed, points and table\n"
    "                      outputs moved, segment conditions negated, one at a time;\n"
    "                      lists each mutant no test catches (SURVIVED file:line:col)\n"
    "                      and the mutation score\n"
    "  --mutate-min P      fail when a policy's mutation score is below P percent\n"
    "  --format F          text (the default), json (one document: every test's result\n"
    "                      and failure, each policy's coverage and the parts never\n"
    "                      exercised) or junit (JUnit XML for a CI server: a testsuite\n"
    "                      per file, a testcase per test, failure elements; coverage\n"
    "                      as properties); the document alone goes to stdout\n"
    "  -v, --verbose       a line for each passing test too\n"
    "\n"
    "A test file (syntax: lang/README.md, \"Tests\"; man 5 credo):\n"
    "  as_of 2026-12-01\n"
    "  fixture adult = { app_id: \"T1\", age: 40, income: 4000.00 }\n"
    "  test \"aged 17 is rejected\" {\n"
    "    given adult with { age: 17 }\n"
    "    expect decision == REJECT\n"
    "    expect limit == 4000 * 3\n"
    "  }\n"
    "\n"
    "example: credo test --coverage --mutate --mutate-min 90 policies/\n"
    "\n"
    "exit status: 0 all passed, 1 a test failed or coverage or the mutation score\n"
    "is too low, 2 usage.\n";

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.test.credo directly in dir, in name order. */
static void test_directory(const char *dir, const cr_test_options *opt, cr_test_totals *tot)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "credo test: cannot open %s\n", dir);
        tot->failed++;
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!ends_with(e->d_name, ".test.credo"))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (!names[n])
            break;
        snprintf(names[n], len, "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", e->d_name);
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        cr_test_file(names[i], opt, tot);
        free(names[i]);
    }
    free(names);
}

/* "90" or "90%": a percentage from 0 to 100. */
static bool parse_percent(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    if (*end == '%')
        end++;
    return end != s && !*end && *out >= 0 && *out <= 100;
}

int cr_cmd_test(int argc, char **argv)
{
    if (cr_cli_want_help(argc, argv))
        return cr_cli_usage(usage_test, 0);
    cr_test_options opt = {.coverage_min = -1.0, .out = stdout, .mutate_min = -1.0};
    const char *cases = NULL;
    enum { OPT_COVERAGE = 256, OPT_COVERAGE_MIN, OPT_CASES, OPT_MUTATE, OPT_MUTATE_MIN, OPT_FORMAT };
    const char *format = "text";
    static const struct option longopts[] = {{"coverage", no_argument, NULL, OPT_COVERAGE},
                                             {"coverage-min", required_argument, NULL, OPT_COVERAGE_MIN},
                                             {"cases", required_argument, NULL, OPT_CASES},
                                             {"mutate", no_argument, NULL, OPT_MUTATE},
                                             {"format", required_argument, NULL, OPT_FORMAT},
                                             {"mutate-min", required_argument, NULL, OPT_MUTATE_MIN},
                                             {"verbose", no_argument, NULL, 'v'},
                                             {NULL, 0, NULL, 0}};
    int c;
    while ((c = cr_cli_getopt("test", argc, argv, "v", longopts)) != -1) {
        if (c == OPT_COVERAGE) {
            opt.coverage = true;
        } else if (c == OPT_COVERAGE_MIN || c == OPT_MUTATE_MIN) {
            double *min = c == OPT_COVERAGE_MIN ? &opt.coverage_min : &opt.mutate_min;
            if (!parse_percent(optarg, min))
                return cr_cli_usage_error("test", "--%s needs a percentage from 0 to 100, not '%s'",
                                          c == OPT_COVERAGE_MIN ? "coverage-min" : "mutate-min", optarg);
            opt.mutate |= c == OPT_MUTATE_MIN;
        } else if (c == OPT_MUTATE) {
            opt.mutate = true;
        } else if (c == OPT_FORMAT) {
            if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0 && strcmp(optarg, "junit") != 0)
                return cr_cli_usage_error("test", "--format is text, json or junit, not '%s'", optarg);
            format = optarg;
        } else if (c == OPT_CASES) {
            cases = optarg;
        } else if (c == 'v') {
            opt.verbose = true;
        } else {
            return 2;
        }
    }
    const char **paths = (const char **)argv + cr_cli_optind();
    int npaths = argc - cr_cli_optind();
    if (npaths == 0)
        return cr_cli_usage_error("test", "no test file, policy or directory given");
    if (cases && npaths != 1)
        return cr_cli_usage_error("test", "--cases takes one POLICY, %d given", npaths);
    if (cases && opt.mutate)
        return cr_cli_usage_error("test", "--mutate runs a test file's tests, not --cases");
    if (opt.mutate && !(opt.quiet = fopen("/dev/null", "w"))) {
        fprintf(stderr, "credo test: cannot open /dev/null\n");
        return 1;
    }
    cr_test_totals tot = {0};
    cr_test_report report = {0};
    if (strcmp(format, "text") != 0) {
        opt.report = &report;
        opt.out = stderr;   /* what is not in the document */
    }
    if (cases) {
        cr_test_cases(paths[0], cases, &opt, &tot);
    } else {
        for (int i = 0; i < npaths; i++) {
            struct stat st;
            if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
                test_directory(paths[i], &opt, &tot);
            } else if (ends_with(paths[i], ".test.credo")) {
                cr_test_file(paths[i], &opt, &tot);
            } else if (ends_with(paths[i], ".credo")) {
                size_t n = strlen(paths[i]);
                char *t = malloc(n + 6);
                if (!t)
                    return 1;
                memcpy(t, paths[i], n - 6);
                strcpy(t + n - 6, ".test.credo");
                cr_test_file(t, &opt, &tot);
                free(t);
            } else {
                fprintf(stderr, "credo test: %s is not a policy, a test file or a directory\n", paths[i]);
                tot.failed++;
            }
        }
    }
    if (opt.report) {
        /* the document alone on stdout, for a CI server to read */
        if (strcmp(format, "json") == 0)
            cr_report_write_json(&report, stdout);
        else
            cr_report_write_junit(&report, stdout);
        bool oom = report.oom;
        cr_report_free(&report);
        if (oom) {
            fprintf(stderr, "credo test: out of memory writing the report\n");
            return 1;
        }
        if (opt.mutate)
            fclose(opt.quiet);
        return tot.failed || tot.coverage_failed || tot.mutate_failed ? 1 : 0;
    }
    if (opt.coverage && tot.parts)
        printf("coverage: %.1f%% of %u policy parts\n", 100.0 * tot.covered / tot.parts, tot.parts);
    if (opt.mutate) {
        fclose(opt.quiet);
        printf("mutation score: %.1f%% (%u of %u mutants killed, %u survived, %u of them boundary)\n",
               tot.killed + tot.survived ? 100.0 * tot.killed / (tot.killed + tot.survived) : 100.0, tot.killed,
               tot.killed + tot.survived, tot.survived, tot.boundary_survived);
    }
    printf("%u passed, %u failed\n", tot.passed, tot.failed);
    return tot.failed || tot.coverage_failed || tot.mutate_failed ? 1 : 0;
}
