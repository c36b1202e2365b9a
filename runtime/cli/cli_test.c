/* credo test: run policy tests (NAME.test.credo files, JSON-lines case
 * files) and report coverage of the policy's parts. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/cli/cli.h"
#include "runtime/author/policy_test.h"

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
    "  -v, --verbose       a line for each passing test too\n"
    "\n"
    "exit status: 0 all passed, 1 a test failed or coverage is too low, 2 usage.\n";

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

int cr_cmd_test(int argc, char **argv)
{
    if (cr_cli_want_help(argc, argv))
        return cr_cli_usage(usage_test, 0);
    cr_test_options opt = {false, -1.0, false, stdout};
    const char *cases = NULL;
    const char *paths[256];
    int npaths = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--coverage") == 0) {
            opt.coverage = true;
        } else if (strcmp(a, "--coverage-min") == 0 && i + 1 < argc) {
            char *end;
            opt.coverage_min = strtod(argv[++i], &end);
            if (*end == '%')
                end++;
            if (*end || opt.coverage_min < 0 || opt.coverage_min > 100) {
                fprintf(stderr, "credo test: --coverage-min needs a percentage from 0 to 100\n");
                return 2;
            }
        } else if (strcmp(a, "--cases") == 0 && i + 1 < argc) {
            cases = argv[++i];
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            opt.verbose = true;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "credo test: unknown option %s\n", a);
            return cr_cli_usage(usage_test, 2);
        } else if (npaths < 256) {
            paths[npaths++] = a;
        }
    }
    if (npaths == 0 || (cases && npaths != 1))
        return cr_cli_usage(usage_test, 2);
    cr_test_totals tot = {0, 0, 0, 0, false};
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
    if (opt.coverage && tot.parts)
        printf("coverage: %.1f%% of %u policy parts\n", 100.0 * tot.covered / tot.parts, tot.parts);
    printf("%u passed, %u failed\n", tot.passed, tot.failed);
    return tot.failed || tot.coverage_failed ? 1 : 0;
}
