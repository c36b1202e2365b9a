/* libFuzzer target for the JSON application reader: any bytes are one
 * application line for cr_json_read against the reference policy's input
 * schema (policies/sme_tax_loan.credo), once with the default limits and
 * once with tiny ones (depth 3, texts of 8 bytes, lists of 4 items) so
 * that every limit's error path runs.  A line that reads is decided and
 * its decision written, as credo run does.
 *
 * Reads the policy from the project root: run from there, or set
 * CREDO_FUZZ_ROOT.  Build and run with tests/fuzz/run.sh; replay with
 * tests/fuzz/replay.c. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cr_program *policy;
static cr_session *session, *tight;

static void load(void)
{
    char buf[4096];
    const char *path = fuzz_path("policies/sme_tax_loan.credo", buf, sizeof buf);
    size_t len;
    char *src = fuzz_read(path, &len);
    cr_diags d;
    cr_diags_init(&d, path, src, len);
    policy = cr_compile(path, src, len, &d);
    cr_diags_free(&d);
    free(src);
    if (!policy) {
        fprintf(stderr, "fuzz_json: %s does not compile\n", path);
        abort();
    }
    cr_session_limits lim = CR_SESSION_LIMITS_DEFAULT;
    session = cr_session_new(policy, &lim);
    lim.max_memory = 4096;
    lim.max_instructions = 500;
    tight = cr_session_new(policy, &lim);
    if (!session || !tight)
        abort();
    session->today = tight->today = FUZZ_TODAY;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!policy)
        load();
    static const cr_json_limits defaults = CR_JSON_LIMITS_DEFAULT;
    static const cr_json_limits small = {3, 8, 4};
    const char *line = (const char *)data;
    fuzz_decide(session, line, size, &defaults, 1);
    fuzz_decide(tight, line, size, &small, 0);
    return 0;
}
