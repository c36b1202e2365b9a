/* credo's speed, through the library (build/libcredo.a).
 *
 *   bench_credo e2e POLICY FILE [REPS]     like `credo run`: getline, cr_json_read,
 *                                          cr_session_run, cr_write_decision, write to /dev/null
 *   bench_credo decide POLICY FILE [REPS]  every application read into its own slots
 *                                          first (untimed); then only the runs are timed
 *   bench_credo json POLICY FILE [REPS]    cr_json_read alone, lines already in memory
 *   bench_credo compile POLICY [REPS]      cr_compile of the policy's text, in process
 *
 * Timed modes print one line
 *   RESULT engine=credo mode=... n=... best_s=... approve=... refer=... reject=... error=... reasons=... rss_kb=...
 * with best_s the fastest pass over the whole file (at least REPS passes and
 * at least one second in all); compile prints
 *   RESULT engine=credo mode=compile reps=... best_ms=... median_ms=... rules=... code=... rss_kb=...
 *
 * decide, honestly: a session reads its input from s->slots and keeps
 * lets, trace and per-run allocations in its own arena, which
 * cr_session_begin resets.  So every line is first read (cr_json_read)
 * into a slot array of its own, allocated, with its decoded texts and
 * lists, from one loader arena that is never reset, while the file stays
 * in memory because undecoded texts point into it.  Each timed decision
 * is then exactly what `credo run` does per line minus reading and
 * writing: cr_session_begin (the arena reset, lets and results cleared;
 * slots are the reader's to fill), then s->slots pointed at the
 * application's pre-read slots (no copy; the VM only reads slots), then
 * cr_session_run.  The outcomes are counted in every mode, so run.sh can
 * check that decide-only decided the same as end-to-end.  decide also
 * prints a DETAIL line: the time of n cr_session_begin calls alone (part
 * of the decide-only time, shown for scale) and the VM instructions a
 * pass executes, counted in one more pass that is not timed. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "lang/compile.h"
#include "runtime/core/date.h"
#include "runtime/io/decision_json.h"
#include "runtime/io/json_read.h"
#include "runtime/vm/vm.h"

#define BENCH_ENGINE "credo"
#define BENCH_PROG "bench_credo"
#include "bench_common.h"
#include "bench_slots.h"

static void count_ok(tally *t, const cr_session *s)
{
    t->n++;
    t->by[s->outcome]++;
    t->reasons += s->reasons.tag == CR_LIST ? s->reasons.len : 0;
}

static void count_error(tally *t)
{
    t->n++;
    t->by[3]++;
}

/* The loop of runtime/cli/cli_run.c, output to /dev/null. */
static int run_e2e(const cr_program *p, const char *path, int reps)
{
    cr_session *s = new_session(p);
    FILE *sink = fopen("/dev/null", "wb");
    if (!s || !sink)
        return 1;
    cr_json_limits jl = CR_JSON_LIMITS_DEFAULT;
    cr_buf out = {0};
    char *line = NULL;
    size_t cap = 0;
    tally t = {0};
    double best = 1e300;
    double spent = 0;
    for (int r = 0; more_passes(r, reps, spent); r++) {
        FILE *in = fopen(path, "rb");
        if (!in) {
            fprintf(stderr, "bench_credo: cannot read %s: %s\n", path, strerror(errno));
            return 1;
        }
        memset(&t, 0, sizeof t);
        uint64_t lineno = 0;
        double t0 = now();
        ssize_t got;
        while ((got = getline(&line, &cap, in)) >= 0) {
            lineno++;
            size_t len = trim(line, (size_t)got);
            cr_session_begin(s);
            cr_json_result res;
            out.len = 0;
            if (cr_json_read(p->input, line, len, &s->arena, &jl, s->slots, &res) != 0) {
                cr_write_error(&out, res.app_id, res.app_id_len, lineno, res.error);
                count_error(&t);
            } else if (!cr_session_run(s)) {
                cr_write_error(&out, res.app_id, res.app_id_len, lineno, s->error);
                count_error(&t);
            } else {
                cr_write_decision(&out, s, res.app_id, res.app_id_len, false);
                count_ok(&t, s);
            }
            fwrite(out.p, 1, out.len, sink);
        }
        fflush(sink);
        double el = now() - t0;
        if (el < best)
            best = el;
        spent += el;
        fclose(in);
    }
    report("e2e", &t, best);
    free(line);
    cr_buf_free(&out);
    fclose(sink);
    cr_session_free(s);
    return 0;
}

/* One timed pass of decide: exactly the decisions, each cr_session_begin
 * then cr_session_run on the application's pre-read slots.  A function of
 * its own, never inlined, so a profile can count this pass alone
 * (tests/bench/profile.sh: callgrind --toggle-collect=decide_pass), not the
 * timing of cr_session_begin alone or the pass that counts instructions. */
static __attribute__((noinline)) void decide_pass(cr_session *s, cr_value *own, cr_value **slots, size_t n, int r,
                                                  tally *t, unsigned *complaints)
{
    for (size_t i = 0; i < n; i++) {
        if (!slots[i]) {
            count_error(t);
            continue;
        }
        if (vm_decide(s, own, slots[i])) {
            count_ok(t, s);
        } else {
            count_error(t);
            if (++*complaints <= 5)
                fprintf(stderr, "bench_credo: pass %d, line %zu: %s\n", r + 1, i + 1, s->error);
        }
    }
}

static int run_decide(const cr_program *p, const char *path, int reps)
{
    size_t *st, *ln, n;
    char *buf = slurp_lines(path, &st, &ln, &n);
    cr_session *s = new_session(p);
    if (!buf || !s)
        return 1;
    /* every application in its own slots, from a loader arena never reset */
    cr_arena loader;
    cr_arena_init(&loader, 1u << 20, 0);
    unsigned complaints = 0; /* the first few errors go to stderr */
    cr_value **slots = read_slots(p, buf, st, ln, n, &loader, &complaints);
    if (!slots)
        return 1;
    cr_value *own = s->slots;
    tally t = {0};
    double best = 1e300, best_begin = 1e300;
    double spent = 0;
    for (int r = 0; more_passes(r, reps, spent); r++) {
        memset(&t, 0, sizeof t);
        double t0 = now();
        decide_pass(s, own, slots, n, r, &t, &complaints);
        double el = now() - t0;
        if (el < best)
            best = el;
        spent += el;
        /* cr_session_begin alone, for scale, on the session's own slots
         * (it clears them: never on an application's) */
        s->slots = own;
        t0 = now();
        for (size_t i = 0; i < n; i++)
            cr_session_begin(s);
        el = now() - t0;
        if (el < best_begin)
            best_begin = el;
    }
    /* the VM instructions, counted in one more pass, untimed: the timed
     * ones run the loop that does not count them when no budget could run
     * out (runtime/vm/vm_loop.h) */
    uint64_t executed = 0;
    s->count_instructions = true;
    for (size_t i = 0; i < n; i++) {
        if (!slots[i])
            continue;
        vm_decide(s, own, slots[i]);
        executed += s->executed;
    }
    s->count_instructions = false;
    s->slots = own;
    report("decide", &t, best);
    printf("DETAIL engine=credo mode=decide begin_s=%.6f vm_instructions=%llu\n", best_begin,
           (unsigned long long)executed);
    cr_session_free(s);
    cr_arena_free(&loader);
    free(slots);
    free(st);
    free(ln);
    free(buf);
    return 0;
}

static int run_json(const cr_program *p, const char *path, int reps)
{
    size_t *st, *ln, n;
    char *buf = slurp_lines(path, &st, &ln, &n);
    cr_session *s = new_session(p);
    if (!buf || !s)
        return 1;
    cr_json_limits jl = CR_JSON_LIMITS_DEFAULT;
    tally t = {0};
    double best = 1e300;
    double spent = 0;
    for (int r = 0; more_passes(r, reps, spent); r++) {
        memset(&t, 0, sizeof t);
        double t0 = now();
        for (size_t i = 0; i < n; i++) {
            cr_json_result res;
            cr_arena_reset(&s->arena);
            if (cr_json_read(p->input, buf + st[i], ln[i], &s->arena, &jl, s->slots, &res) != 0) {
                count_error(&t);
            } else {
                t.n++;
                t.by[0]++; /* read: counted as decided for the tally's sake */
            }
        }
        double el = now() - t0;
        if (el < best)
            best = el;
        spent += el;
    }
    report("json", &t, best);
    cr_session_free(s);
    free(st);
    free(ln);
    free(buf);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int run_compile(const char *path, int reps)
{
    size_t len;
    char *src = cr_read_file(path, &len);
    if (!src) {
        fprintf(stderr, "bench_credo: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    double *ms = malloc((size_t)reps * sizeof *ms);
    if (!ms)
        return 1;
    uint32_t rules = 0, ncode = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        cr_diags d;
        cr_diags_init(&d, path, src, len);
        cr_program *p = cr_compile(path, src, len, &d);
        bool bad = !p || d.errors;
        if (bad)
            cr_diags_print(&d, stderr);
        cr_diags_free(&d);
        if (p) {
            rules = p->nrules;
            ncode = p->ncode;
        }
        cr_program_free(p);
        ms[r] = (now() - t0) * 1e3;
        if (bad)
            return 1;
    }
    qsort(ms, (size_t)reps, sizeof *ms, cmp_double);
    printf("RESULT engine=credo mode=compile reps=%d best_ms=%.3f median_ms=%.3f rules=%u code=%u rss_kb=%ld\n", reps,
           ms[0], ms[reps / 2], rules, ncode, peak_rss_kb());
    free(ms);
    free(src);
    return 0;
}

int main(int argc, char **argv)
{
    read_min_seconds();
    if (argc >= 3 && strcmp(argv[1], "compile") == 0) {
        int reps = argc >= 4 ? atoi(argv[3]) : 20;
        return run_compile(argv[2], reps < 1 ? 1 : reps);
    }
    if (argc < 4) {
        fprintf(stderr, "usage: bench_credo e2e|decide|json POLICY FILE [REPS] | bench_credo compile POLICY [REPS]\n");
        return 2;
    }
    int reps = argc >= 5 ? atoi(argv[4]) : 3;
    if (reps < 1)
        reps = 1;
    cr_program *p = load(argv[2]);
    if (!p)
        return 1;
    int rc;
    if (strcmp(argv[1], "e2e") == 0)
        rc = run_e2e(p, argv[3], reps);
    else if (strcmp(argv[1], "decide") == 0)
        rc = run_decide(p, argv[3], reps);
    else if (strcmp(argv[1], "json") == 0)
        rc = run_json(p, argv[3], reps);
    else {
        fprintf(stderr, "bench_credo: unknown mode %s\n", argv[1]);
        rc = 2;
    }
    cr_program_free(p);
    return rc;
}
