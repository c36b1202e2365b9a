/* What the two bench programs that link libcredo share (bench_credo.c and
 * floor.c): compiling the policy, a session as `credo run --as-of
 * 2026-12-01` makes it, every line read into slots of its own, and one VM
 * decision on pre-read slots.  Include after bench_common.h (BENCH_PROG
 * names the program in messages). */
#ifndef CREDO_BENCH_SLOTS_H
#define CREDO_BENCH_SLOTS_H

#include "lang/compile.h"
#include "runtime/core/date.h"
#include "runtime/io/json_read.h"
#include "runtime/vm/vm.h"

static cr_program *load(const char *path)
{
    size_t len;
    char *src = cr_read_file(path, &len);
    if (!src) {
        fprintf(stderr, BENCH_PROG ": cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    cr_diags d;
    cr_diags_init(&d, path, src, len);
    cr_program *p = cr_compile(path, src, len, &d);
    if (!p || d.errors) {
        cr_diags_print(&d, stderr);
        cr_program_free(p);
        p = NULL;
    }
    cr_diags_free(&d);
    free(src);
    return p;
}

static cr_session *new_session(const cr_program *p)
{
    cr_session *s = cr_session_new(p, NULL);
    if (!s) {
        fprintf(stderr, BENCH_PROG ": out of memory\n");
        return NULL;
    }
    if (!cr_date_parse("2026-12-01", 10, &s->today)) /* --as-of 2026-12-01 */
        s->today = 0;
    return s;
}

/* Every line read by cr_json_read into a slot array of its own, from
 * `loader` (never reset: the decoded texts and lists live there, and
 * undecoded texts point into buf, which must stay).  A line that cannot be
 * read gets NULL, an ERROR line; the first few errors go to stderr
 * (*complaints counts them).  NULL when out of memory. */
static cr_value **read_slots(const cr_program *p, const char *buf, const size_t *starts, const size_t *lens, size_t n,
                             cr_arena *loader, unsigned *complaints)
{
    cr_value **slots = malloc((n ? n : 1) * sizeof *slots);
    uint32_t nfields = p->input->nfields;
    cr_json_limits jl = CR_JSON_LIMITS_DEFAULT;
    for (size_t i = 0; slots && i < n; i++) {
        cr_json_result res;
        slots[i] = cr_arena_alloc(loader, (nfields ? nfields : 1) * sizeof **slots);
        if (!slots[i]) {
            free(slots);
            slots = NULL;
        } else if (cr_json_read(p->input, buf + starts[i], lens[i], loader, &jl, slots[i], &res) != 0) {
            if (++*complaints <= 5)
                fprintf(stderr, BENCH_PROG ": line %zu: %s\n", i + 1, res.error);
            slots[i] = NULL;
        }
    }
    if (!slots)
        fprintf(stderr, BENCH_PROG ": out of memory\n");
    return slots;
}

/* One decision by the VM, as credo run makes it minus reading: the
 * session begun on its own slots (cr_session_begin clears them, never an
 * application's), then pointed at the application's. */
static bool vm_decide(cr_session *s, cr_value *own, cr_value *slots)
{
    s->slots = own;
    cr_session_begin(s);
    s->slots = slots;
    return cr_session_run(s);
}

#endif
