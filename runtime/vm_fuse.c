/* Superinstructions for the plain loop.  Profiling the reference policy
 * showed a third of the VM's time in dispatch and in pushing a constant
 * only to compare with it and jump on the result: scorecard bins and
 * admission tests are nearly all "operand, constant, compare, jump".  The
 * copy made here marks each such run at its first instruction; the loop
 * (runtime/vm_loop.h) does the run in one step.  The program's code, its
 * .credoc, disassembly and the tracing loop never see these.
 *
 * Also here: whether the code can run an instruction twice, which decides
 * whether the plain loop must count the instruction budget. */
#include "vm_fuse.h"

#include <stdlib.h>
#include <string.h>

static bool is_cmp(uint8_t op) { return op >= CR_OP_EQ && op <= CR_OP_GE; }

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
            c[3].op == CR_OP_FIRE) {
            f[j].op = op == CR_OP_INPUT ? CR_SOP_INPUT_K_CMP_FIRE : CR_SOP_LET_K_CMP_FIRE;
            f[j].a = (uint8_t)(c[2].op - CR_OP_EQ);
        } else if (op == CR_OP_INPUT && left >= 3 && c[1].op == CR_OP_CONST && c[2].op == CR_OP_IN) {
            f[j].op = CR_SOP_INPUT_K_IN;
            f[j].a = c[2].a;
        } else if ((op == CR_OP_LOCAL || op == CR_OP_INPUT || op == CR_OP_LET) && left >= 3 &&
                   c[1].op == CR_OP_CONST && is_cmp(c[2].op)) {
            jf = left >= 4 && c[3].op == CR_OP_JUMP_FALSE;
            if (op == CR_OP_LOCAL && !jf)
                continue;   /* CONST; CMP at j + 1 is fused on its own */
            f[j].op = op == CR_OP_LOCAL ? CR_SOP_LOCAL_K_CMP_JF
                    : op == CR_OP_INPUT ? (jf ? CR_SOP_INPUT_K_CMP_JF : CR_SOP_INPUT_K_CMP)
                    : (jf ? CR_SOP_LET_K_CMP_JF : CR_SOP_LET_K_CMP);
            f[j].a = (uint8_t)(c[2].op - CR_OP_EQ);
        } else if (op == CR_OP_CONST && left >= 2 && is_cmp(c[1].op)) {
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
    return f;
}

bool cr_code_runs_once(const cr_program *p)
{
    for (uint32_t j = 0; j < p->ncode; j++)
        if (cr_op_is_jump(p->code[j].op) && p->code[j].c <= j)
            return false;
    return true;
}
