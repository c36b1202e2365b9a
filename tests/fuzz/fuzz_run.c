/* libFuzzer target for compile-then-run: the input is a policy, then a
 * line "---", then application lines (JSON, one per line).  The policy is
 * compiled; when it compiles, a session with small limits (200,000
 * instructions, 8 MiB, regex match limit 10,000 and depth 100) decides
 * each application (at most 16) and writes the decision, the first one
 * also through the tracing loop with its explanation.  Without a "---"
 * line, or when no line reads, an application made up from the input
 * schema is decided instead.  Nothing may crash, hang or leak; every
 * failure must be an ERROR line.
 *
 * Build and run with tests/fuzz/run.sh; replay with tests/fuzz/replay.c. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *find_sep(const char *s, size_t n)
{
    static const char sep[] = "\n---\n";
    for (size_t i = 0; i + sizeof sep - 1 <= n; i++)
        if (s[i] == '\n' && memcmp(s + i, sep, sizeof sep - 1) == 0)
            return s + i;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data;
    const char *sep = find_sep(src, size);
    size_t src_len = sep ? (size_t)(sep - src) : size;
    cr_diags d;
    cr_diags_init(&d, FUZZ_POLICY_NAME, src, src_len);
    cr_program *p = cr_compile(FUZZ_POLICY_NAME, src, src_len, &d);
    cr_diags_free(&d);
    if (!p)
        return 0;

    cr_session_limits lim = {200000, 8u << 20, 10000, 100, 0};
    cr_session *s = cr_session_new(p, &lim);
    cr_trace trace = {0};
    trace.cap = 4096;
    trace.items = malloc(trace.cap * sizeof *trace.items);
    if (!s || !trace.items) {
        free(trace.items);
        cr_session_free(s);
        cr_program_free(p);
        return 0;
    }
    s->today = FUZZ_TODAY;
    static const cr_json_limits jl = CR_JSON_LIMITS_DEFAULT;
    int read = 0, lines = 0;
    if (sep) {
        const char *at = sep + 5, *end = src + size;
        while (at < end && lines < 16) {
            const char *nl = memchr(at, '\n', (size_t)(end - at));
            size_t len = nl ? (size_t)(nl - at) : (size_t)(end - at);
            s->trace = lines == 0 ? &trace : NULL;
            read += fuzz_decide(s, at, len, &jl, lines == 0);
            lines++;
            at += len + 1;
        }
    }
    if (!read) {
        cr_buf made = {0};
        fuzz_synth_record(&made, p->input, 0);
        if (!made.failed) {
            s->trace = &trace;
            fuzz_decide(s, made.p, made.len, &jl, 1);
        }
        cr_buf_free(&made);
    }
    s->trace = NULL;
    free(trace.items);
    cr_session_free(s);
    cr_program_free(p);
    return 0;
}
