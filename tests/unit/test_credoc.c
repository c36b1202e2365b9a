/* Unit tests for compiled policies (lang/credoc.c, lang/credoc_verify.c).
 *
 * The round trip: the reference policy written to a .credoc and read back
 * decides the first 200 reference applicants exactly as the compiled
 * source does.  Then corruption: every truncation, a changed byte of the
 * source, instructions changed in the file's bytes (jumps, constant and
 * let indexes, opcodes, stack and type misuse the verifier must catch) and
 * a lying count are each refused with their message.  Every read is of a
 * buffer of exactly the file's length, so AddressSanitizer sees any read
 * past its end. */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/compile.h"
#include "lang/credoc.h"
#include "lang/lookup.h"
#include "runtime/core/date.h"
#include "runtime/core/ed25519.h"
#include "runtime/core/sha256.h"
#include "runtime/io/decision_json.h"
#include "runtime/io/json_read.h"
#include "runtime/vm/vm.h"

#define REFERENCE "policies/sme_tax_loan.credo"
#define APPLICANTS "tests/reference/applicants.jsonl"
#define TODAY "2026-12-01"

/* ---- helpers ---------------------------------------------------------------- */

static cr_program *compile_file(const char *path)
{
    size_t len;
    char *src = cr_read_file(path, &len);
    if (!src)
        fail_msg("cannot read %s", path);
    cr_diags d;
    cr_diags_init(&d, path, src, len);
    cr_program *p = cr_compile(path, src, len, &d);
    if (!p)
        cr_diags_print(&d, stderr);
    cr_diags_free(&d);
    free(src);
    return p;
}

static cr_program *compile_text(const char *src)
{
    cr_diags d;
    cr_diags_init(&d, "t.credo", src, strlen(src));
    cr_program *p = cr_compile("t.credo", src, strlen(src), &d);
    if (!p)
        cr_diags_print(&d, stderr);
    cr_diags_free(&d);
    assert_non_null(p);
    return p;
}

typedef struct file {
    uint8_t *p;
    size_t len;
} file;

static file encode(const cr_program *p)
{
    file f;
    f.p = cr_credoc_encode(p, NULL, &f.len);
    assert_non_null(f.p);
    return f;
}

/* The seal of an unsigned file: the last 33 bytes (credoc.h). */
#define SEAL_LEN (CR_SHA256_LEN + 1)

/* What a forger who can write the file does after changing its content:
 * recompute the seal, so that the reader's deeper checks are what must
 * refuse it. */
static void reseal(file *c)
{
    assert_true(c->len >= SEAL_LEN && c->p[c->len - 1] == 0);
    cr_sha256(c->p, c->len - SEAL_LEN, c->p + c->len - SEAL_LEN);
}

/* Reads bytes[0..len) from a copy of exactly that size; returns the
 * program or NULL with the message in err. */
static cr_program *read_exact(const uint8_t *bytes, size_t len, char *err, size_t errsize)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len)
        memcpy(copy, bytes, len);
    cr_program *p = cr_credoc_read(len ? copy : NULL, len, NULL, err, errsize);
    free(copy);
    return p;
}

/* Reads f as it is and expects a refusal whose message is exactly `want`. */
static void expect_refused_as_is(const file *f, const char *want)
{
    char err[512];
    cr_program *p = read_exact(f->p, f->len, err, sizeof err);
    if (p) {
        cr_program_free(p);
        fail_msg("accepted a file that should be refused with: %s", want);
    }
    if (strcmp(err, want) != 0)
        fail_msg("refused with\n  %s\nnot\n  %s", err, want);
}

/* Reseals damaged content (as a forger would) and expects the refusal
 * `want` from the checks beyond the seal. */
static void expect_refused(file *f, const char *want)
{
    reseal(f);
    expect_refused_as_is(f, want);
}

static void put32(uint8_t *at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        at[i] = (uint8_t)(v >> (8 * i));
}

/* Where the code section starts in f: the instruction count, then 16
 * bytes per instruction (op, a, b, c, span start, span end). */
static size_t code_offset(const file *f, const cr_program *p)
{
    uint8_t pat[20];
    put32(pat, p->ncode);
    const cr_ins *in = &p->code[0];
    pat[4] = in->op;
    pat[5] = in->a;
    pat[6] = (uint8_t)in->b;
    pat[7] = (uint8_t)(in->b >> 8);
    put32(pat + 8, in->c);
    put32(pat + 12, p->spans[0].start);
    put32(pat + 16, p->spans[0].end);
    for (size_t o = 0; o + sizeof pat <= f->len; o++)
        if (memcmp(f->p + o, pat, sizeof pat) == 0)
            return o;
    fail_msg("the code section is not where it should be");
    return 0;
}

static uint8_t *ins_at(const file *f, size_t code_off, uint32_t pc) { return f->p + code_off + 4 + 16 * (size_t)pc; }

/* The first instruction at or after `from` with opcode op. */
static uint32_t find_op(const cr_program *p, uint32_t from, uint8_t op)
{
    for (uint32_t pc = from; pc < p->ncode; pc++)
        if (p->code[pc].op == op)
            return pc;
    fail_msg("no %s in the program", cr_opcode_names[op]);
    return 0;
}

static void session_today(cr_session *s)
{
    assert_true(cr_date_parse(TODAY, strlen(TODAY), &s->today));
}

/* One application decided as `credo run` does: the JSON line it writes. */
static void decide(cr_session *s, const char *line, size_t len, uint64_t lineno, bool explain, cr_buf *out)
{
    const cr_program *p = s->prog;
    cr_session_begin(s);
    cr_json_limits jl = CR_JSON_LIMITS_DEFAULT;
    cr_json_result res;
    out->len = 0;
    if (cr_json_read(p->input, line, len, &s->arena, &jl, s->slots, &res) != 0)
        cr_write_error(out, res.app_id, res.app_id_len, lineno, res.error);
    else if (!cr_session_run(s))
        cr_write_error(out, res.app_id, res.app_id_len, lineno, s->error);
    else
        cr_write_decision(out, s, res.app_id, res.app_id_len, explain);
    assert_false(out->failed);
}

/* ---- the round trip ------------------------------------------------------------ */

static void test_round_trip_identity(void **state)
{
    (void)state;
    cr_program *p = compile_file(REFERENCE);
    assert_non_null(p);
    file f = encode(p);
    char err[512];
    cr_program *q = read_exact(f.p, f.len, err, sizeof err);
    if (!q)
        fail_msg("the reference policy's .credoc is refused: %s", err);
    assert_string_equal(q->file, p->file);
    assert_string_equal(q->name, p->name);
    assert_string_equal(q->title, p->title);
    assert_string_equal(q->version, p->version);
    assert_string_equal(q->owner, p->owner);
    assert_int_equal(q->has_effective, p->has_effective);
    assert_int_equal(q->effective, p->effective);
    assert_string_equal(q->sha256, p->sha256);
    assert_int_equal(q->len, p->len);
    assert_memory_equal(q->src, p->src, p->len);
    assert_int_equal(q->ncode, p->ncode);
    assert_memory_equal(q->code, p->code, p->ncode * sizeof *p->code);
    assert_int_equal(q->nconsts, p->nconsts);
    assert_int_equal(q->nlets, p->nlets);
    assert_int_equal(q->nregex, p->nregex);
    assert_int_equal(q->max_stack, p->max_stack);
    assert_int_equal(q->input->nfields, p->input->nfields);
    /* writing what was read gives the same bytes */
    file g = encode(q);
    assert_int_equal(g.len, f.len);
    assert_memory_equal(g.p, f.p, f.len);
    free(g.p);
    free(f.p);
    cr_program_free(q);
    cr_program_free(p);
}

static void test_round_trip_decisions(void **state)
{
    (void)state;
    cr_program *p = compile_file(REFERENCE);
    assert_non_null(p);
    file f = encode(p);
    char err[512];
    cr_program *q = read_exact(f.p, f.len, err, sizeof err);
    if (!q)
        fail_msg("refused: %s", err);
    cr_session *sp = cr_session_new(p, NULL), *sq = cr_session_new(q, NULL);
    assert_non_null(sp);
    assert_non_null(sq);
    session_today(sp);
    session_today(sq);
    FILE *in = fopen(APPLICANTS, "rb");
    assert_non_null(in);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t lineno = 0;
    cr_buf a = {0}, b = {0};
    while (lineno < 200 && (n = getline(&line, &cap, in)) >= 0) {
        lineno++;
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        for (int explain = 0; explain < 2; explain++) {
            decide(sp, line, len, lineno, explain, &a);
            decide(sq, line, len, lineno, explain, &b);
            if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0)
                fail_msg("line %llu decided differently:\n  source: %.*s  credoc: %.*s", (unsigned long long)lineno,
                         (int)a.len, a.p, (int)b.len, b.p);
        }
    }
    assert_int_equal(lineno, 200);
    free(line);
    fclose(in);
    cr_buf_free(&a);
    cr_buf_free(&b);
    cr_session_free(sp);
    cr_session_free(sq);
    cr_program_free(q);
    cr_program_free(p);
    free(f.p);
}

/* Every policy that compiles also verifies: the verifier accepts what the
 * compiler makes. */
static void test_compiled_policies_verify(void **state)
{
    (void)state;
    DIR *d = opendir("policies");
    assert_non_null(d);
    struct dirent *e;
    int checked = 0;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 6, ".credo") != 0 || strstr(e->d_name, ".test.credo"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "policies/%s", e->d_name);
        cr_program *p = compile_file(path);
        if (!p)
            continue;
        char err[512];
        if (!cr_program_verify(p, err, sizeof err))
            fail_msg("%s compiles but does not verify: %s", path, err);
        file f = encode(p);
        cr_program *q = read_exact(f.p, f.len, err, sizeof err);
        if (!q)
            fail_msg("%s's .credoc is refused: %s", path, err);
        cr_program_free(q);
        free(f.p);
        cr_program_free(p);
        checked++;
    }
    closedir(d);
    assert_true(checked >= 1);
}

/* ---- corrupt files -------------------------------------------------------------- */

typedef struct fixture {
    cr_program *p;     /* the reference policy, compiled */
    file f;            /* its .credoc */
    size_t code;       /* offset of the code section in f */
} fixture;

static int fixture_setup(void **state)
{
    fixture *x = calloc(1, sizeof *x);
    if (!x)
        return -1;
    x->p = compile_file(REFERENCE);
    if (!x->p)
        return -1;
    x->f.p = cr_credoc_encode(x->p, NULL, &x->f.len);
    if (!x->f.p)
        return -1;
    x->code = code_offset(&x->f, x->p);
    *state = x;
    return 0;
}

static int fixture_teardown(void **state)
{
    fixture *x = *state;
    free(x->f.p);
    cr_program_free(x->p);
    free(x);
    return 0;
}

/* A copy of the fixture's file to damage. */
static file copy_of(const fixture *x)
{
    file c;
    c.len = x->f.len;
    c.p = malloc(c.len);
    assert_non_null(c.p);
    memcpy(c.p, x->f.p, c.len);
    return c;
}

static void test_truncated_everywhere(void **state)
{
    fixture *x = *state;
    char err[512];
    for (size_t len = 0; len < x->f.len; len++) {
        cr_program *p = read_exact(x->f.p, len, err, sizeof err);
        if (p) {
            cr_program_free(p);
            fail_msg("a file cut to %zu of %zu bytes was accepted", len, x->f.len);
        }
        if (strncmp(err, "credoc: truncated", 17) != 0 &&
            strncmp(err, "credoc: the file was changed after it was compiled", 50) != 0)
            fail_msg("cut to %zu bytes: %s", len, err);
    }
    /* one byte too many: the seal is no longer where the file ends */
    file c;
    c.len = x->f.len + 1;
    c.p = calloc(1, c.len);
    assert_non_null(c.p);
    memcpy(c.p, x->f.p, x->f.len);
    expect_refused_as_is(&c, "credoc: the file was changed after it was compiled: its content does not match the "
                             "SHA-256 it carries (or it was cut short)");
    /* and a byte added to the content, resealed */
    memcpy(c.p, x->f.p, x->f.len - SEAL_LEN);
    c.p[x->f.len - SEAL_LEN] = 0;
    c.p[c.len - 1] = 0;
    char want[128];
    snprintf(want, sizeof want, "credoc: the program ends at byte %zu but the file goes on for 1 more byte",
             x->f.len - SEAL_LEN);
    expect_refused(&c, want);
    free(c.p);
}

static void test_not_a_credoc(void **state)
{
    (void)state;
    file f = {(uint8_t *)"policy x\n", 9};
    expect_refused_as_is(&f, "credoc: not a compiled policy (it does not start with CREDOC)");
    /* version 2, before the seal: compile the policy again */
    file g = {(uint8_t *)"CREDOC\x02\x00", 8};
    char want[160];
    snprintf(want, sizeof want,
             "credoc: format version 2; this credo reads version %d (older files carry no seal: compile the policy "
             "again)", CR_CREDOC_VERSION);
    expect_refused_as_is(&g, want);
}

static void test_source_byte_flipped(void **state)
{
    fixture *x = *state;
    file c = copy_of(x);
    /* the source text is stored whole: change one letter of it */
    uint8_t *src = memmem(c.p, c.len, x->p->src, x->p->len);
    assert_non_null(src);
    size_t at = (size_t)(strstr(x->p->src, "reject AGE") - x->p->src);
    src[at] = 'R';
    char err[512];
    cr_program *p = read_exact(c.p, c.len, err, sizeof err);
    assert_null(p);
    assert_non_null(strstr(err, "credoc: the file was changed after it was compiled: its content does not match"));
    /* resealed, the source's own SHA-256 still gives it away */
    reseal(&c);
    p = read_exact(c.p, c.len, err, sizeof err);
    assert_null(p);
    assert_non_null(strstr(err, "credoc: the source text does not match its SHA-256"));
    assert_non_null(strstr(err, "the file was changed after it was compiled"));
    free(c.p);
}

static void test_jump_out_of_range(void **state)
{
    fixture *x = *state;
    file c = copy_of(x);
    uint32_t pc = find_op(x->p, 0, CR_OP_OR_JUMP);
    put32(ins_at(&c, x->code, pc) + 4, 9000);
    char want[160];
    snprintf(want, sizeof want, "credoc: jump at instruction %u goes to 9000, past the end (%u instructions)", pc,
             x->p->ncode);
    expect_refused(&c, want);
    /* inside the code but into a let's code: still refused */
    put32(ins_at(&c, x->code, pc) + 4, x->p->lets[0].pc);
    reseal(&c);
    char err[512];
    assert_null(read_exact(c.p, c.len, err, sizeof err));
    assert_non_null(strstr(err, "outside the main code"));
    free(c.p);
}

static void test_bad_constant_index(void **state)
{
    fixture *x = *state;
    file c = copy_of(x);
    uint32_t pc = find_op(x->p, 0, CR_OP_CONST);
    put32(ins_at(&c, x->code, pc) + 4, x->p->nconsts + 5);
    char want[160];
    snprintf(want, sizeof want, "credoc: instruction %u (CONST) uses constant %u, past the end (%u constants)", pc,
             x->p->nconsts + 5, x->p->nconsts);
    expect_refused(&c, want);
    free(c.p);
}

static void test_bad_opcode(void **state)
{
    fixture *x = *state;
    file c = copy_of(x);
    ins_at(&c, x->code, 5)[0] = 200;
    char want[160];
    snprintf(want, sizeof want, "credoc: instruction 5 has opcode 200, which does not exist (the last is %d)",
             CR_OP__COUNT - 1);
    expect_refused(&c, want);
    free(c.p);
}

static void test_let_index_out_of_range(void **state)
{
    fixture *x = *state;
    file c = copy_of(x);
    uint32_t pc = find_op(x->p, 0, CR_OP_LET);
    put32(ins_at(&c, x->code, pc) + 4, x->p->nlets + 3);
    char want[160];
    snprintf(want, sizeof want, "credoc: instruction %u (LET) uses let %u, past the end (%u lets)", pc,
             x->p->nlets + 3, x->p->nlets);
    expect_refused(&c, want);
    free(c.p);
}

static void test_lying_count(void **state)
{
    fixture *x = *state;
    file c = copy_of(x);
    /* the constant count follows the last instruction */
    size_t at = x->code + 4 + 16 * (size_t)x->p->ncode;
    put32(c.p + at, 1u << 31);
    char want[200];
    snprintf(want, sizeof want,
             "credoc: truncated or corrupt: 2147483648 constants need at least 2147483648 bytes, but only %zu are "
             "left (byte %zu)", c.len - SEAL_LEN - at - 4, at);
    expect_refused(&c, want);
    /* and 2^31 instructions */
    file d = copy_of(x);
    put32(d.p + x->code, 1u << 31);
    snprintf(want, sizeof want,
             "credoc: truncated or corrupt: 2147483648 instructions need at least 34359738368 bytes, but only %zu "
             "are left (byte %zu)", d.len - SEAL_LEN - x->code - 4, x->code);
    expect_refused(&d, want);
    free(c.p);
    free(d.p);
}

/* ---- what the verifier catches beyond ranges -------------------------------------- */

/* The reference policy's main code starts:
 *   0 INPUT age  1 CONST 18  2 LT  3 OR_JUMP 7  4 INPUT age  5 CONST 65  6 GT  7 FIRE AGE */
static void test_main_code_shape(void **state)
{
    fixture *x = *state;
    const cr_ins *c = x->p->code;
    assert_int_equal(c[0].op, CR_OP_INPUT);
    assert_int_equal(c[1].op, CR_OP_CONST);
    assert_int_equal(c[2].op, CR_OP_LT);
    assert_int_equal(c[3].op, CR_OP_OR_JUMP);
    assert_int_equal(c[3].c, 7);
    assert_int_equal(c[6].op, CR_OP_GT);
    assert_int_equal(c[7].op, CR_OP_FIRE);
}

static void test_stack_underflow(void **state)
{
    fixture *x = *state;
    file c = copy_of(x);
    uint8_t *in = ins_at(&c, x->code, 1); /* CONST 18 -> POP */
    in[0] = CR_OP_POP;
    put32(in + 4, 0);
    expect_refused(&c, "credoc: instruction 2 (LT) takes 2 values but the stack holds 0 there");
    free(c.p);
}

static void test_two_depths_at_one_instruction(void **state)
{
    fixture *x = *state;
    file c = copy_of(x);
    put32(ins_at(&c, x->code, 3) + 4, 6); /* OR_JUMP to the GT: 1 value by the jump, 2 falling through */
    expect_refused(&c, "credoc: two paths reach instruction 6 with different stack depths (1 and 2)");
    free(c.p);
}

static void test_condition_not_bool(void **state)
{
    fixture *x = *state;
    file c = copy_of(x);
    ins_at(&c, x->code, 2)[0] = CR_OP_ADD; /* age + 18 as the OR_JUMP's condition */
    expect_refused(&c, "credoc: instruction 3 (OR_JUMP) needs a bool, but the value may be int");
    free(c.p);
}

static void test_rule_fired_twice(void **state)
{
    fixture *x = *state;
    file c = copy_of(x);
    uint32_t second = find_op(x->p, 8, CR_OP_FIRE);
    put32(ins_at(&c, x->code, second) + 4, 0);
    char want[160];
    snprintf(want, sizeof want,
             "credoc: instruction %u fires rule 0 after rule 0 may have fired; rules fire once, in order", second);
    expect_refused(&c, want);
    free(c.p);
}

static void test_text_indexed(void **state)
{
    fixture *x = *state;
    file c = copy_of(x);
    /* the SLICE of monthly_sales, given uscc (a text) instead */
    uint32_t slice = find_op(x->p, 0, CR_OP_SLICE);
    int uscc = cr_record_find(x->p->input, "uscc", 4);
    assert_true(uscc >= 0);
    uint32_t list = slice - 3;
    assert_int_equal(x->p->code[list].op, CR_OP_INPUT);
    put32(ins_at(&c, x->code, list) + 4, (uint32_t)uscc);
    char want[160];
    snprintf(want, sizeof want, "credoc: instruction %u (SLICE) needs a list, but the value may be text", slice);
    expect_refused(&c, want);
    free(c.p);
}

static void test_result_not_computed(void **state)
{
    fixture *x = *state;
    const cr_program *p = x->p;
    /* the main code asks for each result then pops it: ask for a const instead of `limit` */
    uint32_t limit = UINT32_MAX, other = UINT32_MAX;
    for (uint32_t i = 0; i < p->nlets; i++) {
        if (strcmp(p->lets[i].name, "limit") == 0)
            limit = i;
        if (p->lets[i].kind == LET_CONST)
            other = i;
    }
    assert_true(limit != UINT32_MAX && other != UINT32_MAX);
    uint32_t pc = 0;
    while (!(p->code[pc].op == CR_OP_LET && p->code[pc].c == limit && p->code[pc + 1].op == CR_OP_POP))
        pc++;
    file c = copy_of(x);
    put32(ins_at(&c, x->code, pc) + 4, other);
    expect_refused(&c, "credoc: result limit is not computed on every path to a decision");
    free(c.p);
}

/* Small policies for what the reference policy has no instance of. */
static void test_comprehension_overflow(void **state)
{
    (void)state;
    cr_program *p = compile_text("policy t\n"
                                 "input app { xs: list of int }\n"
                                 "doubled = [x * 2 for x in xs]\n");
    file f = encode(p);
    size_t code = code_offset(&f, p);
    /* the loop's back jump goes to ITER_NEXT; send it past it, to the body */
    uint32_t next = find_op(p, 0, CR_OP_ITER_NEXT);
    uint32_t add = find_op(p, next, CR_OP_COMP_ADD);
    assert_int_equal(p->code[add + 1].op, CR_OP_JUMP);
    put32(ins_at(&f, code, add + 1) + 4, next + 1);
    char want[200];
    snprintf(want, sizeof want,
             "credoc: instruction %u (COMP_ADD) appends to a list that has no room for it (only a comprehension's "
             "list may take one item per item walked)", add);
    expect_refused(&f, want);
    free(f.p);
    cr_program_free(p);
}

static void test_local_read_before_written(void **state)
{
    (void)state;
    cr_program *p = compile_text("policy t\n"
                                 "input app { a: int }\n"
                                 "table t(a * 2) -> int hit first {\n"
                                 "  < 5 -> 1\n"
                                 "  -   -> 2\n"
                                 "}\n"
                                 "r = t\n");
    file f = encode(p);
    size_t code = code_offset(&f, p);
    uint32_t store = find_op(p, 0, CR_OP_STORE); /* the table's computed input, into its local */
    uint32_t local = p->code[store].c;
    ins_at(&f, code, store)[0] = CR_OP_POP;
    put32(ins_at(&f, code, store) + 4, 0);
    uint32_t read = find_op(p, store, CR_OP_LOCAL);
    char want[200];
    snprintf(want, sizeof want,
             "credoc: instruction %u reads local %u, which this code has not written on every path to it (it may "
             "hold a value of an earlier application)", read, local);
    expect_refused(&f, want);
    free(f.p);
    cr_program_free(p);
}

static void test_record_field_out_of_range(void **state)
{
    (void)state;
    cr_program *p = compile_text("policy t\n"
                                 "input app { owner: { name: text, share: number } }\n"
                                 "s = owner.share\n");
    file f = encode(p);
    size_t code = code_offset(&f, p);
    uint32_t field = find_op(p, 0, CR_OP_FIELD);
    put32(ins_at(&f, code, field) + 4, 2);
    char want[160];
    snprintf(want, sizeof want, "credoc: instruction %u (FIELD) reads field 2 of a record that may have only 2 fields",
             field);
    expect_refused(&f, want);
    free(f.p);
    cr_program_free(p);
}

/* ---- lookups: the reference tables travel inside the .credoc ---------------- */

#define LOOKUP_POLICY "policies/supply_chain_loan.credo"
#define LOOKUP_APPLICANTS "examples/supply_chain_loan.jsonl"

/* p and q decide every line of apps alike, explained or not. */
static void expect_same_decisions(const cr_program *p, const cr_program *q, const char *apps)
{
    cr_session *sp = cr_session_new(p, NULL), *sq = cr_session_new(q, NULL);
    assert_non_null(sp);
    assert_non_null(sq);
    session_today(sp);
    session_today(sq);
    FILE *in = fopen(apps, "rb");
    assert_non_null(in);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t lineno = 0;
    cr_buf a = {0}, b = {0};
    while ((n = getline(&line, &cap, in)) >= 0) {
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        lineno++;
        for (int explain = 0; explain < 2; explain++) {
            decide(sp, line, len, lineno, explain, &a);
            decide(sq, line, len, lineno, explain, &b);
            if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0)
                fail_msg("line %llu decided differently:\n  source: %.*s  credoc: %.*s", (unsigned long long)lineno,
                         (int)a.len, a.p, (int)b.len, b.p);
        }
    }
    assert_true(lineno > 0);
    free(line);
    fclose(in);
    cr_buf_free(&a);
    cr_buf_free(&b);
    cr_session_free(sp);
    cr_session_free(sq);
}

static void test_lookup_round_trip(void **state)
{
    (void)state;
    cr_program *p = compile_file(LOOKUP_POLICY);
    assert_non_null(p);
    assert_int_equal(p->nlookups, 2);
    file f = encode(p);
    char err[512];
    cr_program *q = read_exact(f.p, f.len, err, sizeof err);
    if (!q)
        fail_msg("%s's .credoc is refused: %s", LOOKUP_POLICY, err);
    assert_int_equal(q->nlookups, p->nlookups);
    for (uint32_t i = 0; i < p->nlookups; i++) {
        const cr_lookup_info *x = &p->lookups[i], *y = &q->lookups[i];
        assert_string_equal(y->name, x->name);
        assert_int_equal(y->source, x->source);
        assert_string_equal(y->path, x->path);
        assert_true((x->table == NULL) == (y->table == NULL));
        if (x->table)
            assert_string_equal(y->table, x->table);
        assert_string_equal(y->key, x->key);
        assert_string_equal(y->sha256, x->sha256);
        assert_int_equal(y->nrows, x->nrows);
        assert_int_equal(y->row->rec->nfields, x->row->rec->nfields);
        /* every row, and an index of its own that finds it */
        cr_buf a = {0}, b = {0};
        for (uint32_t r = 0; r < x->nrows; r++) {
            assert_int_equal(y->keys[r].len, x->keys[r].len);
            assert_memory_equal(y->keys[r].u.s, x->keys[r].u.s, x->keys[r].len);
            assert_int_equal(cr_lookup_find(y, y->keys[r].u.s, y->keys[r].len), r);
            a.len = b.len = 0;
            cr_buf_json_value(&a, x->rows[r], x->row);
            cr_buf_json_value(&b, y->rows[r], y->row);
            assert_int_equal(a.len, b.len);
            assert_memory_equal(a.p, b.p, a.len);
        }
        cr_buf_free(&a);
        cr_buf_free(&b);
    }
    assert_string_equal(p->lookups[1].table, "blacklist");
    expect_same_decisions(p, q, LOOKUP_APPLICANTS);
    /* writing what was read gives the same bytes */
    file g = encode(q);
    assert_int_equal(g.len, f.len);
    assert_memory_equal(g.p, f.p, f.len);
    free(g.p);
    free(f.p);
    cr_program_free(q);
    cr_program_free(p);
}

/* Where `pat` (n bytes) is in f, the only place it is. */
static size_t find_bytes(const file *f, const void *pat, size_t n)
{
    const uint8_t *at = memmem(f->p, f->len, pat, n);
    assert_non_null(at);
    assert_null(memmem(at + 1, f->len - (size_t)(at + 1 - f->p), pat, n));
    return (size_t)(at - f->p);
}

static void test_lookup_corrupt(void **state)
{
    (void)state;
    cr_program *p = compile_file(LOOKUP_POLICY);
    assert_non_null(p);
    const cr_lookup_info *lk = &p->lookups[0];
    assert_string_equal(lk->name, "industry_risk");
    file f = encode(p);
    char want[256];

    /* a LOOKUP of a table that is not there */
    file c = {malloc(f.len), f.len};
    assert_non_null(c.p);
    memcpy(c.p, f.p, f.len);
    uint32_t pc = find_op(p, 0, CR_OP_LOOKUP);
    put32(ins_at(&c, code_offset(&c, p), pc) + 4, 7);
    snprintf(want, sizeof want, "credoc: instruction %u (LOOKUP) uses lookup 7, past the end (2 lookups)", pc);
    expect_refused(&c, want);

    /* two rows with one key: the reader builds the index and refuses it */
    memcpy(c.p, f.p, f.len);
    const uint8_t c36[] = {CR_TEXT, 3, 0, 0, 0, 'C', '3', '6'};
    c.p[find_bytes(&c, c36, sizeof c36) + 7] = '4';
    int64_t r34 = cr_lookup_find(lk, "C34", 3), r36 = cr_lookup_find(lk, "C36", 3);
    assert_true(r34 >= 0 && r34 < r36);
    snprintf(want, sizeof want, "credoc: lookup industry_risk has rows %lld and %lld with one key, C34",
             (long long)r34 + 1, (long long)r36 + 1);
    expect_refused(&c, want);

    /* a cell of another type than its column's: a rate that says it is a date */
    memcpy(c.p, f.p, f.len);
    const uint8_t a01[] = {CR_TEXT, 3, 0, 0, 0, 'A', '0', '1', CR_TEXT, 4, 0, 0, 0, 'H', 'I', 'G', 'H'};
    size_t cell = find_bytes(&c, a01, sizeof a01) + sizeof a01;
    assert_int_equal(c.p[cell], CR_DEC);
    c.p[cell] = CR_DATE;
    snprintf(want, sizeof want, "credoc: lookup industry_risk row 1 holds a value of tag %d in a column of type rate (byte %zu)",
             CR_DATE, cell);
    expect_refused(&c, want);

    free(c.p);
    free(f.p);
    cr_program_free(p);
}

/* ---- the seal: every byte covered ---------------------------------------------- */

/* Every bit of the reference policy's .credoc flipped in turn, one file
 * each: every one is refused, none loads. */
static void test_every_bit_flipped(void **state)
{
    fixture *x = *state;
    file c = copy_of(x);
    char err[512];
    size_t loaded = 0, bits = 8 * c.len;
    for (size_t bit = 0; bit < bits; bit++) {
        c.p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        cr_program *p = cr_credoc_read(c.p, c.len, NULL, err, sizeof err);
        if (p) {
            loaded++;
            cr_program_free(p);
        } else if (strncmp(err, "credoc: ", 8) != 0 || !err[8]) {
            fail_msg("bit %zu flipped: refused without a message (%s)", bit, err);
        }
        c.p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    if (loaded)
        fail_msg("%zu of %zu files with one bit flipped loaded", loaded, bits);
    /* and the file itself still loads */
    cr_program *p = cr_credoc_read(c.p, c.len, NULL, err, sizeof err);
    if (!p)
        fail_msg("the unchanged file is refused: %s", err);
    cr_program_free(p);
    free(c.p);
}

/* The embedded source edited and its own SHA-256 recomputed, as one who
 * wants the file to say it is another policy would: the seal refuses it. */
static void test_source_edited_with_its_hash(void **state)
{
    fixture *x = *state;
    file c = copy_of(x);
    uint8_t *src = memmem(c.p, c.len, x->p->src, x->p->len);
    assert_non_null(src);
    char *at = memmem(src, x->p->len, "age < 18", 8);
    assert_non_null(at);
    memcpy(at, "age < 21", 8);
    uint8_t digest[CR_SHA256_LEN];
    cr_sha256(src, x->p->len, digest);
    uint8_t stored[CR_SHA256_LEN];
    assert_true(cr_sha256_from_hex(x->p->sha256, 64, stored));
    uint8_t *hash_at = memmem(c.p, c.len, stored, sizeof stored);
    assert_non_null(hash_at);
    memcpy(hash_at, digest, sizeof digest);
    expect_refused_as_is(&c, "credoc: the file was changed after it was compiled: its content does not match the "
                             "SHA-256 it carries (or it was cut short)");
    free(c.p);
}

/* The identity of what runs: the same program read back has the same
 * program_sha256 as when it was compiled; another file name does not
 * change it, another constant does. */
static void test_program_identity(void **state)
{
    fixture *x = *state;
    char err[512];
    assert_int_equal(strlen(x->p->program_sha256), 64);
    cr_program *q = read_exact(x->f.p, x->f.len, err, sizeof err);
    assert_non_null(q);
    assert_string_equal(q->program_sha256, x->p->program_sha256);
    assert_string_not_equal(q->program_sha256, q->sha256);
    cr_program_free(q);
    /* a resealed change of one instruction's constant: a new identity */
    file c = copy_of(x);
    uint32_t pc = find_op(x->p, 0, CR_OP_CONST);
    uint8_t *in = ins_at(&c, x->code, pc);
    uint32_t k = (uint32_t)in[4] | (uint32_t)in[5] << 8;
    put32(in + 4, k == 0 ? 1 : k - 1);
    reseal(&c);
    q = read_exact(c.p, c.len, err, sizeof err);
    if (q) { /* it may verify: another constant of the same type */
        assert_string_not_equal(q->program_sha256, x->p->program_sha256);
        cr_program_free(q);
    }
    free(c.p);
}

static void key_pair(cr_ed25519_key *k, cr_ed25519_key *pub)
{
    char err[128];
    assert_true(cr_ed25519_generate(k, err, sizeof err));
    *pub = *k;
    pub->has_secret = false;
    memset(pub->secret, 0, sizeof pub->secret);
}

/* Signed files: a trusted signature loads and is named; another key, no
 * signature, a changed signature or a resealed change are refused. */
static void test_signatures(void **state)
{
    fixture *x = *state;
    cr_ed25519_key release, release_pub, other, other_pub;
    key_pair(&release, &release_pub);
    key_pair(&other, &other_pub);
    file s;
    s.p = cr_credoc_encode(x->p, &release, &s.len);
    assert_non_null(s.p);
    assert_int_equal(s.len, x->f.len + CR_ED25519_KEY_LEN + CR_ED25519_SIG_LEN);
    char err[512], id[CR_ED25519_ID_LEN + 1], other_id[CR_ED25519_ID_LEN + 1], want[256];
    cr_ed25519_id(release.pub, id);
    cr_ed25519_id(other.pub, other_id);
    cr_credoc_trust trust_release = {&release_pub, 1}, trust_other = {&other_pub, 1};

    cr_program *p = cr_credoc_read(s.p, s.len, &trust_release, err, sizeof err);
    if (!p)
        fail_msg("a file signed by the trusted key is refused: %s", err);
    assert_string_equal(p->signed_by, id);
    assert_string_equal(p->program_sha256, x->p->program_sha256);
    cr_program_free(p);
    /* without a trust list a signed file loads, its signature checked, not named */
    p = cr_credoc_read(s.p, s.len, NULL, err, sizeof err);
    assert_non_null(p);
    assert_string_equal(p->signed_by, "");
    cr_program_free(p);

    assert_null(cr_credoc_read(s.p, s.len, &trust_other, err, sizeof err));
    snprintf(want, sizeof want, "credoc: not signed by a trusted key (signed by: %s; trusted: %s)", id, other_id);
    assert_string_equal(err, want);
    assert_null(cr_credoc_read(x->f.p, x->f.len, &trust_release, err, sizeof err));
    snprintf(want, sizeof want, "credoc: not signed by a trusted key (signed by: nobody; trusted: %s)", id);
    assert_string_equal(err, want);

    /* one bit of the signature */
    s.p[s.len - 2] ^= 4;
    assert_null(cr_credoc_read(s.p, s.len, NULL, err, sizeof err));
    snprintf(want, sizeof want,
             "credoc: signature 1 (key %s) does not verify: the file was changed after it was signed", id);
    assert_string_equal(err, want);
    s.p[s.len - 2] ^= 4;
    /* the content changed and its SHA-256 recomputed: the signature is over the old one */
    size_t content = s.len - CR_SHA256_LEN - CR_ED25519_KEY_LEN - CR_ED25519_SIG_LEN - 1;
    uint32_t pc = find_op(x->p, 0, CR_OP_CONST);
    uint8_t *in = s.p + x->code + 4 + 16 * (size_t)pc;
    in[4] ^= 1;
    cr_sha256(s.p, content, s.p + content);
    assert_null(cr_credoc_read(s.p, s.len, &trust_release, err, sizeof err));
    assert_string_equal(err, want);
    /* every bit of the signed file, with the trust list */
    in[4] ^= 1;
    cr_sha256(s.p, content, s.p + content);
    size_t loaded = 0;
    for (size_t bit = 0; bit < 8 * s.len; bit += 7) {
        s.p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        p = cr_credoc_read(s.p, s.len, &trust_release, err, sizeof err);
        if (p) {
            loaded++;
            cr_program_free(p);
        }
        s.p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    assert_int_equal(loaded, 0);
    free(s.p);
}

/* The input's key travels in the file; one that names a list field (the
 * bytes just before the code section, changed and resealed) is refused,
 * as is a SC_REASONS whose best points are not a list of numbers. */
static void test_input_key(void **state)
{
    (void)state;
    cr_program *p = compile_text("policy k\ninput a key customer_no {\n  customer_no: int\n  customer_nx: list of int\n}\n"
                                 "scorecard s base 0 {\n  customer_no: < 5 -> 1 | else -> 0\n}\nr = s.reasons(1)\n");
    assert_string_equal(p->key, "customer_no");
    file c = encode(p);
    char err[512];
    cr_program *back = read_exact(c.p, c.len, err, sizeof err);
    assert_non_null(back);
    assert_string_equal(back->key, "customer_no");
    cr_program_free(back);
    size_t code = code_offset(&c, p);
    assert_memory_equal(c.p + code - 11, "customer_no", 11);
    memcpy(c.p + code - 11, "customer_nx", 11);
    expect_refused(&c, "credoc: the input's key 'customer_nx' is not a text, int, number or date field of the input");
    memcpy(c.p + code - 11, "customer_no", 11);
    /* SC_REASONS over a constant that is not a list of numbers */
    uint32_t pc = find_op(p, 0, CR_OP_SC_REASONS);
    assert_true(pc >= 2 && p->code[pc - 2].op == CR_OP_CONST);
    uint32_t text = UINT32_MAX;
    for (uint32_t i = 0; i < p->nconsts && text == UINT32_MAX; i++)
        if (p->consts[i].tag == CR_TEXT)
            text = i;
    assert_true(text != UINT32_MAX);
    put32(ins_at(&c, code, pc - 2) + 4, text);
    reseal(&c);
    assert_null(read_exact(c.p, c.len, err, sizeof err));
    assert_non_null(strstr(err, "SC_REASONS"));
    free(c.p);
    cr_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_identity),
        cmocka_unit_test(test_round_trip_decisions),
        cmocka_unit_test(test_compiled_policies_verify),
        cmocka_unit_test(test_lookup_round_trip),
        cmocka_unit_test(test_lookup_corrupt),
        cmocka_unit_test(test_not_a_credoc),
        cmocka_unit_test(test_input_key),
        cmocka_unit_test_setup_teardown(test_truncated_everywhere, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_source_byte_flipped, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_jump_out_of_range, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_bad_constant_index, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_bad_opcode, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_let_index_out_of_range, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_lying_count, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_main_code_shape, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_stack_underflow, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_two_depths_at_one_instruction, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_condition_not_bool, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_rule_fired_twice, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_text_indexed, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_result_not_computed, fixture_setup, fixture_teardown),
        cmocka_unit_test(test_comprehension_overflow),
        cmocka_unit_test(test_local_read_before_written),
        cmocka_unit_test(test_record_field_out_of_range),
        cmocka_unit_test_setup_teardown(test_every_bit_flipped, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_source_edited_with_its_hash, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_program_identity, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_signatures, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
