/* credo test --format json|junit: the results of a run collected as they
 * come (one per test or case line, and the coverage of each policy), then
 * written as one JSON document or as JUnit XML for a CI server. */
#ifndef CREDO_TEST_REPORT_H
#define CREDO_TEST_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct cr_test_result {
    char *file, *name, *failure;   /* failure: NULL when the test passed */
    uint32_t line;
} cr_test_result;

typedef struct cr_test_uncovered {
    char *policy, *what;
    uint32_t line;
} cr_test_uncovered;

typedef struct cr_test_policy_coverage {
    char *policy;
    uint32_t parts, covered;
} cr_test_policy_coverage;

typedef struct cr_test_report {
    cr_test_result *results;
    uint32_t nresults, capresults;
    cr_test_uncovered *uncovered;
    uint32_t nuncovered, capuncovered;
    cr_test_policy_coverage *coverage;
    uint32_t ncoverage, capcoverage;
    bool oom;
} cr_test_report;

/* One test (or case line) of file at line; failure is the text a failing
 * test printed, NULL or "" when it passed. */
void cr_report_result(cr_test_report *r, const char *file, uint32_t line, const char *name, bool ok,
                      const char *failure);
/* One part of policy no test exercised, and each policy's totals. */
void cr_report_uncovered(cr_test_report *r, const char *policy, uint32_t line, const char *what);
void cr_report_coverage(cr_test_report *r, const char *policy, uint32_t parts, uint32_t covered);

/* {"passed":N,"failed":N,"tests":[{"file","line","name","status","failure"}],
 *  "coverage":[{"policy","parts","covered","percent","uncovered":[{"line","what"}]}]} */
void cr_report_write_json(const cr_test_report *r, FILE *out);
/* <testsuites> with a <testsuite> per file, a <testcase> per test and a
 * <failure> in each that failed; coverage as the suites' properties. */
void cr_report_write_junit(const cr_test_report *r, FILE *out);
void cr_report_free(cr_test_report *r);

#endif
