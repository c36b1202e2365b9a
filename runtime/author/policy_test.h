/* Policy tests: `NAME.test.credo` files beside a policy, and JSON-lines
 * case files, run against the compiled policy with coverage of its parts.
 *
 * A test file, in the language's own tokens:
 *
 *   policy "sme_tax_loan.credo"          # optional; default: NAME.credo beside it
 *   as_of 2026-12-01                      # optional; the date `today` means
 *   fixture base = { age: 40, tax_grade: "A", monthly_sales: [1, 2, 3], collateral_value: null }
 *
 *   test "owner under 18 is rejected" {
 *     given base with { age: 17 }
 *     expect decision == REJECT
 *     expect reasons contains AGE
 *     expect rate between 4.0 and 6.0
 *   }
 *   test "zero income stops the application" {
 *     given base with { monthly_income: 0 }
 *     expect error "division by zero"
 *   }
 *   test "a segment without otherwise does not compile" {
 *     check "broken/no_otherwise.credo"
 *     expect compile error "has no 'otherwise'"
 *   }
 *
 * Expectations: NAME == != < <= > >= VALUE, NAME between A and B,
 * NAME contains VALUE, NAME not contains VALUE, NAME is null, NAME is not
 * null, error "TEXT", compile error "TEXT", compile warning "TEXT".  NAME
 * is `decision`, `reasons`, `fired`, any let, result, scorecard, segment
 * or table of the policy, SCORECARD.CHARACTERISTIC (its points) or
 * TABLE.OUTPUT (a named output of a table with several); a name the
 * policy does not have is an error at its place before any test runs.
 *
 * A case file has one JSON object per line:
 *   {"name": "...", "application": {...}, "expect": {"decision": "REJECT", "reasons": ["AGE"], "limit": 120000}}
 * with "error": "TEXT" for an expected ERROR. */
#ifndef CREDO_POLICY_TEST_H
#define CREDO_POLICY_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lang/program.h"

/* Which parts of one policy the cases exercised. */
typedef struct cr_coverage {
    const cr_program *prog;
    uint8_t *rule_fired;       /* per rule */
    uint32_t *bin_base;        /* per characteristic: index of its first bin in bin_hit */
    uint8_t *bin_hit;
    uint32_t *seg_base;        /* per segment: its first row in seg_hit */
    uint8_t *seg_hit;
    uint32_t *tbl_base;        /* per table: its first row in tbl_hit */
    uint8_t *tbl_hit;
    uint8_t *decide_hit;       /* per decide row */
} cr_coverage;

typedef struct cr_test_options {
    bool coverage;             /* print the parts never exercised */
    double coverage_min;       /* fail below this percentage; < 0: no minimum */
    bool verbose;              /* a line per passing test too */
    FILE *out;
    bool mutate;               /* mutation testing (mutate.c) after the tests pass */
    double mutate_min;         /* fail below this mutation score, percent; < 0: no minimum */
    FILE *quiet;               /* where the runs of mutants write (/dev/null) */
    struct cr_test_report *report; /* --format json|junit: results collected here (test_report.h) */
} cr_test_options;

typedef struct cr_test_totals {
    uint32_t passed, failed;
    uint32_t parts, covered;   /* coverage, over every policy tested */
    bool coverage_failed;
    /* mutation testing, over every policy tested */
    uint32_t mutants, killed, survived, boundary_survived, invalid, equivalent;
    bool mutate_failed;
} cr_test_totals;

/* Runs one test file (policy found as described above). */
void cr_test_file(const char *test_path, const cr_test_options *opt, cr_test_totals *tot);
/* Runs a JSON-lines case file against a policy. */
void cr_test_cases(const char *policy_path, const char *cases_path, const cr_test_options *opt, cr_test_totals *tot);

/* A test file read once, to be run against one program or, in mutation
 * testing, against many. */
typedef struct cr_test_suite cr_test_suite;
/* NULL, with the test file's errors printed to out, when it cannot be read. */
cr_test_suite *cr_test_suite_read(const char *test_path, FILE *out);
/* The path of the policy the suite tests. */
const char *cr_test_suite_policy(const cr_test_suite *ts);
/* Runs the suite's tests against p, adding to tot and cov (`check` tests
 * too unless decisions_only); with stop_at_failure, stops at the first
 * test that fails.  False when out of memory. */
bool cr_test_suite_run(const cr_test_suite *ts, const cr_program *p, cr_coverage *cov, bool decisions_only,
                       bool stop_at_failure, const cr_test_options *opt, cr_test_totals *tot);
void cr_test_suite_free(cr_test_suite *ts);
/* The reason the test file gives for the mutant "LINE:COL MUTATION" being
 * equivalent to the policy, or NULL; marks the declaration used. */
const char *cr_test_suite_equivalent(const cr_test_suite *ts, const char *key);
/* Warns, to out, of each equivalent declaration no mutant matched. */
void cr_test_suite_unseen_equivalents(const cr_test_suite *ts, FILE *out);

/* Mutation testing (mutate.c): every small change of the policy's source
 * src an author could get wrong, each compiled and run against the suite;
 * prints the mutants no test caught and the score, adding to tot. */
void cr_mutate(const cr_test_suite *ts, const cr_program *p, const char *src, size_t len,
               const cr_test_options *opt, cr_test_totals *tot);

bool cr_coverage_init(cr_coverage *c, const cr_program *p);
void cr_coverage_free(cr_coverage *c);
/* Records what the session's last run exercised. */
struct cr_session;
void cr_coverage_add(cr_coverage *c, const struct cr_session *s);
/* Prints the parts never exercised as file:line lines and the percentage;
 * adds to the totals. */
void cr_coverage_report(const cr_coverage *c, const cr_test_options *opt, cr_test_totals *tot);

#endif
