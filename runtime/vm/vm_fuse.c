/* Superinstructions for the plain loop.  Profiling the reference policy
 * showed a third of the VM's time in dispatch and in pushing a constant
 * only to compare with it and jump on the result: scorecard bins and
 * admission tests are nearly all "operand, constant, compare, jump".  The
 * copy made here marks each such run at its first instruction; the loop
 * (runtime/vm/vm_loop.h) does the run in one step.  The program's code, its
 * .credoc, disassembly and the tracing loop never see these.
 *
 * Also here: where a failed test may jump past tests that must fail too
 * (thread_failed_tests), and whether the code can run an instruction
 * twice, which decides whether the plain loop must count the instruction
 * budget. */
#include "runtime/vm/vm_fuse.h"

#include "stdlib/stdlib.h"

#include <stdlib.h>
#include <string.h>

static bool is_cmp(uint8_t op) { return op >= CR_OP_EQ && op <= CR_OP_GE; }

/* Whether comparing with constant k costs nothing beyond the instruction
 * (the loop's cmp_work): not a text of 64 bytes or more, not a list.  A
 * superinstruction compares only with such a constant, so it need not
 * charge the budget for the comparison's work. */
static bool free_compare(const cr_program *p, uint32_t k)
{
    const cr_value *v = &p->consts[k];
    return v->tag == CR_TEXT ? v->len < 64 : v->tag < CR_TEXT || v->tag == CR_DATE;
}

/* Whether the fused test at t is the one at j: the same input or let, the
 * same comparison, constants of the same value (cr_value_eq: 0.3 and 0.30
 * too, which every comparison treats alike).  An input field never changes
 * in a run and a let, once computed, neither, so the two give the same
 * answer. */
static bool same_test(const cr_program *p, const cr_ins *f, uint32_t j, uint32_t t)
{
    return f[t].op == f[j].op && f[t].c == f[j].c && f[t].a == f[j].a &&
           cr_value_eq(p->consts[p->code[t + 1].c], p->consts[p->code[j + 1].c]);
}

/* A first-hit table tests its rows in order and goes on to the next row
 * when a cell fails; rows that share their first cell ("PRIME | <= 12",
 * "PRIME | <= 24", "PRIME | else") test it again and again.  When the test
 * "operand, constant, compare, JUMP_FALSE t" fails and the code at t is the
 * same test, it fails too, and so does the one at its own target: the
 * number of such tests in a row is kept in the fused instruction's b, and
 * the loop that does not count instructions (runtime/vm/vm_loop.h) follows
 * them without running them.  The counting loops run every test, so
 * `executed` and the budget are those of the program's code. */
static void thread_failed_tests(const cr_program *p, cr_ins *f)
{
    uint32_t n = p->ncode;
    for (uint32_t j = 0; j < n; j++) {
        if (f[j].op != CR_SOP_INPUT_K_CMP_JF && f[j].op != CR_SOP_LET_K_CMP_JF)
            continue;
        uint16_t hops = 0;
        uint32_t at = j, t = p->code[j + 3].c;
        /* forward only: a chain cannot come back to where it started */
        while (t > at && t < n - 3 && hops < UINT16_MAX && same_test(p, f, j, t)) {
            hops++;
            at = t;
            t = p->code[t + 3].c;
        }
        f[j].b = hops;
    }
}

cr_ins *cr_fuse_code(const cr_program *p)
{
    uint32_t n = p->ncode;
    cr_ins *f = malloc((n ? n : 1) * sizeof *f);
    if (!f)
        return NULL;
    memcpy(f, p->code, n * sizeof *f);
    for (uint32_t j = 0; j < n; j++) {
        const cr_ins *c = &p->code[j];
        uint32_t left = n - j;
        uint8_t op = c[0].op;
        bool jf;
        if ((op == CR_OP_INPUT || op == CR_OP_LET) && left >= 4 && c[1].op == CR_OP_CONST && is_cmp(c[2].op) &&
            free_compare(p, c[1].c) && c[3].op == CR_OP_FIRE) {
            f[j].op = op == CR_OP_INPUT ? CR_SOP_INPUT_K_CMP_FIRE : CR_SOP_LET_K_CMP_FIRE;
            f[j].a = (uint8_t)(c[2].op - CR_OP_EQ);
        } else if (op == CR_OP_INPUT && left >= 3 && c[1].op == CR_OP_CONST && c[2].op == CR_OP_IN) {
            f[j].op = CR_SOP_INPUT_K_IN;
            f[j].a = c[2].a;
        } else if ((op == CR_OP_LOCAL || op == CR_OP_INPUT || op == CR_OP_LET) && left >= 3 &&
                   c[1].op == CR_OP_CONST && is_cmp(c[2].op) && free_compare(p, c[1].c)) {
            jf = left >= 4 && c[3].op == CR_OP_JUMP_FALSE;
            if (op == CR_OP_LOCAL && !jf)
                continue;   /* CONST; CMP at j + 1 is fused on its own */
            f[j].op = op == CR_OP_LOCAL ? CR_SOP_LOCAL_K_CMP_JF
                    : op == CR_OP_INPUT ? (jf ? CR_SOP_INPUT_K_CMP_JF : CR_SOP_INPUT_K_CMP)
                    : (jf ? CR_SOP_LET_K_CMP_JF : CR_SOP_LET_K_CMP);
            f[j].a = (uint8_t)(c[2].op - CR_OP_EQ);
        } else if (op == CR_OP_CONST && left >= 2 && is_cmp(c[1].op) && free_compare(p, c[0].c)) {
            jf = left >= 3 && c[2].op == CR_OP_JUMP_FALSE;
            f[j].op = jf ? CR_SOP_K_CMP_JF : CR_SOP_K_CMP;
            f[j].a = (uint8_t)(c[1].op - CR_OP_EQ);
        } else if (op == CR_OP_CONST && left >= 4 && c[1].op == CR_OP_SC_MARK && c[2].op == CR_OP_ADD &&
                   c[3].op == CR_OP_JUMP) {
            f[j].op = CR_SOP_SC_BIN;
        } else if (op == CR_OP_CALL && left >= 2 && c[1].op == CR_OP_TO_DEC) {
            f[j].op = CR_SOP_CALL_DEC;
        }
    }
    thread_failed_tests(p, f);
    return f;
}

bool cr_code_runs_once(const cr_program *p)
{
    for (uint32_t j = 0; j < p->ncode; j++)
        if (cr_op_is_jump(p->code[j].op) && p->code[j].c <= j)
            return false;
    return true;
}
