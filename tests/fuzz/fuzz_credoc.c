/* libFuzzer target for the .credoc reader (lang/credoc.c): any bytes go to
 * cr_credoc_read, which must refuse them or return a program the VM can
 * run; an accepted program is run once, with explain output, on a fixed
 * application, so a hole in the verifier shows up as a crash here.
 *
 * The bytes are sealed first, as one who can write the file would seal a
 * forged one (a fresh SHA-256 and the current format version): a mutation
 * must get past the seal to reach the reader's deeper checks, which are
 * what this target exercises.  Half of the inputs (odd first byte after
 * the magic's) go unsealed, so the seal's own checks are fuzzed too.
 *
 * Build from the project root, after `make`, with the library's sources
 * (the Makefile's LIB_SRC):
 *   SRC=$(make -s --eval 'p: ; @echo $(LIB_SRC)' p)
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *     -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I. -Ibuild/gen \
 *     $(pkg-config --cflags libpcre2-8 sqlite3 nettle hogweed) tests/fuzz/fuzz_credoc.c $SRC \
 *     build/gen/parser.c build/gen/lexer.c $(pkg-config --libs libpcre2-8 sqlite3 nettle hogweed) -lcsv \
 *     -lm -pthread -o build/fuzz_credoc
 * Seed it with compiled policies (`credo compile policies/X.credo -o corpus/X.credoc`). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <stdbool.h>
#include <stdlib.h>

#include "lang/credoc.h"
#include "runtime/core/sha256.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The first applicant of tests/reference/applicants.jsonl: the seeds'
 * policy reads it, so mutated programs get as far as running. */
static const char app[] =
    "{\"app_id\":\"APP00000001\",\"age\":47,\"business_years\":9.6,\"industry\":\"F51\","
    "\"uscc\":\"91110108MAD272HD3U\",\"annual_revenue\":496586.6,\"tax_paid_12m\":8222.02,\"tax_grade\":\"M\","
    "\"pos_flow_12m\":312128.62,\"monthly_income\":4090.08,\"monthly_debt_payment\":1852.54,\"credit_score\":634,"
    "\"overdue_count_24m\":0,\"max_overdue_days_24m\":0,\"inquiries_3m\":0,\"blacklisted\":false,"
    "\"requested_amount\":79000.0,\"requested_term\":12,\"collateral_value\":700068.36,"
    "\"monthly_sales\":[37729.36,33308.63,30801.9,32050.41,33549.72,40084.68,40882.45,44554.48,45883.7,"
    "43879.53,40210.32,36301.2]}";

static void run_once(const cr_program *p)
{
    cr_session_limits lim = CR_SESSION_LIMITS_DEFAULT;
    lim.max_instructions = 100000;  /* loops are allowed; keep each run short */
    lim.max_memory = 16u << 20;
    cr_session *s = cr_session_new(p, &lim);
    if (!s)
        return;
    s->today = FUZZ_TODAY;
    cr_session_begin(s);
    cr_json_limits jl = CR_JSON_LIMITS_DEFAULT;
    cr_json_result res;
    cr_buf out = {0}, made = {0};
    int rc = cr_json_read(p->input, app, sizeof app - 1, &s->arena, &jl, s->slots, &res);
    if (rc != 0) {
        /* a program the fixed application does not fit: one made from its schema */
        fuzz_synth_record(&made, p->input, 0);
        cr_session_begin(s);
        if (!made.failed)
            rc = cr_json_read(p->input, made.p, made.len, &s->arena, &jl, s->slots, &res);
    }
    if (rc == 0) {
        if (cr_session_run(s))
            cr_write_decision(&out, s, res.app_id, res.app_id_len, true);
        else
            cr_write_error(&out, res.app_id, res.app_id_len, 1, s->error);
    }
    cr_buf_free(&out);
    cr_buf_free(&made);
    cr_session_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    /* a seed is already sealed: take its content */
    size_t content = size;
    if (size > CR_SHA256_LEN + 1 && data[size - 1] == 0)
        content = size - CR_SHA256_LEN - 1;
    bool seal = !(size > 8 && (data[size - 1] & 0x80));
    uint8_t *buf = malloc(content + CR_SHA256_LEN + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, content);
    size_t len = content;
    if (seal) {
        if (content >= CR_CREDOC_MAGIC_LEN + 2 && memcmp(buf, CR_CREDOC_MAGIC, CR_CREDOC_MAGIC_LEN) == 0) {
            buf[CR_CREDOC_MAGIC_LEN] = CR_CREDOC_VERSION & 0xFF;
            buf[CR_CREDOC_MAGIC_LEN + 1] = CR_CREDOC_VERSION >> 8;
        }
        cr_sha256(buf, content, buf + content);
        buf[content + CR_SHA256_LEN] = 0;
        len = content + CR_SHA256_LEN + 1;
    } else {
        memcpy(buf, data, size);
        len = size;
    }
    cr_program *p = cr_credoc_read(buf, len, NULL, err, sizeof err);
    free(buf);
    if (!p)
        return 0;
    run_once(p);
    cr_program_free(p);
    return 0;
}
