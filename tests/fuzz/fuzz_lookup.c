/* libFuzzer target for reference tables (lang/lookup.c): any bytes are
 * the CSV file of a policy's `lookup`, read when the policy compiles
 * (RFC 4180 quoting, a header naming the columns, every cell converted to
 * its column's type, the keys indexed).  A file that loads must give a
 * program that survives a .credoc round trip and decides applications
 * looking keys up; anything else must be a compile error naming the row
 * and column, never a crash, hang or leak.
 *
 * The bytes are written to a CSV file in a temporary folder (made once,
 * removed at exit) next to the policy's name.  Build and run with
 * tests/fuzz/run.sh; replay with tests/fuzz/replay.c. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "lang/credoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char policy[] =
    "policy fuzz_lookup\n"
    "input app { app_id: text\n"
    "  key: text }\n"
    "lookup t from csv \"t.csv\" key code {\n"
    "  name: text?\n"
    "  amount: money?\n"
    "  n: int?\n"
    "  on: date?\n"
    "  flag: bool?\n"
    "}\n"
    "r_name = t[key].name ?? \"-\"\n"
    "r_amount = t[key].amount ?? 0\n"
    "r_n = t[key].n ?? -1\n"
    "r_on = t[key].on ?? 2026-01-01\n"
    "r_flag = t[key].flag ?? false\n"
    "has_it = t has key\n";

static char dir[64], csv_path[96], policy_path[96];

static void cleanup(void)
{
    unlink(csv_path);
    rmdir(dir);
}

static void setup(void)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/credo-fuzz-XXXXXX", base);
    if (!mkdtemp(dir)) {
        perror("fuzz_lookup: mkdtemp");
        abort();
    }
    snprintf(csv_path, sizeof csv_path, "%s/t.csv", dir);
    snprintf(policy_path, sizeof policy_path, "%s/p.credo", dir);
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0])
        setup();
    FILE *f = fopen(csv_path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror("fuzz_lookup: writing the CSV file");
        abort();
    }
    cr_diags d;
    cr_diags_init(&d, policy_path, policy, sizeof policy - 1);
    cr_program *p = cr_compile(policy_path, policy, sizeof policy - 1, &d);
    cr_diags_print(&d, fuzz_devnull());
    cr_diags_free(&d);
    if (!p)
        return 0;
    char err[512];
    size_t n;
    void *bytes = cr_credoc_encode(p, NULL, &n);
    if (bytes) {
        cr_program *q = cr_credoc_read(bytes, n, NULL, err, sizeof err);
        if (!q) {
            fprintf(stderr, "fuzz_lookup: a compiled program does not read back from its .credoc: %s\n", err);
            abort();
        }
        cr_program_free(q);
        free(bytes);
    }
    cr_session *s = cr_session_new(p, NULL);
    if (s) {
        s->today = FUZZ_TODAY;
        static const cr_json_limits jl = CR_JSON_LIMITS_DEFAULT;
        static const char *const apps[] = {
            "{\"app_id\":\"A\",\"key\":\"K1\"}", "{\"app_id\":\"B\",\"key\":\"\"}",
            "{\"app_id\":\"C\",\"key\":\"C36\"}", "{\"app_id\":\"D\",\"key\":\"code\"}",
        };
        for (size_t i = 0; i < sizeof apps / sizeof *apps; i++)
            fuzz_decide(s, apps[i], strlen(apps[i]), &jl, 1);
        cr_session_free(s);
    }
    cr_program_free(p);
    return 0;
}
