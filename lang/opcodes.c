/* What is derived from the opcode table (lang/opcodes.h): the names, each
 * opcode's properties, its stack effect and control flow, and the range of
 * each operand kind, shared by the compiler (to size the stack), the
 * verifier (to check loaded code), the VM's assertions and the tests. */
#include "lang/opcodes.h"

#include "lang/program.h"
#include "stdlib/stdlib.h"

const char *const cr_opcode_names[CR_OP__COUNT] = {
#define CR_OP_NAME(name, a, b, c, pops, pushes, flow, contract) #name,
    CR_OPCODES(CR_OP_NAME)
#undef CR_OP_NAME
};

/* `"" contract` takes a string literal only; each field is pasted onto
 * its enum's prefix, so a kind or flow that does not exist fails here. */
const cr_op_info cr_ops[] = {
#define CR_OP_ROW(name, a, b, c, pops, pushes, flow, contract)                                                  \
    {#name, {CR_OPND_##a, CR_OPND_##b, CR_OPND_##c}, CR_POPS_##pops, pushes, CR_FLOW_##flow, "" contract},
    CR_OPCODES(CR_OP_ROW)
#undef CR_OP_ROW
};
_Static_assert(sizeof cr_ops / sizeof cr_ops[0] == CR_OP__COUNT, "one row of cr_ops per opcode");

const cr_operand_kind_info cr_operand_kinds[] = {
#define CR_OPND_ROW(name, span, locals, writes, what, of) {#name, span, locals, writes, "" what, "" of},
    CR_OPERAND_KINDS(CR_OPND_ROW)
#undef CR_OPND_ROW
};
_Static_assert(sizeof cr_operand_kinds / sizeof cr_operand_kinds[0] == CR_OPND__COUNT, "one row per operand kind");

uint32_t cr_op_pops(const cr_ins *in)
{
    switch ((cr_pops)cr_ops[in->op].pops) {
    case CR_POPS_0: case CR_POPS_1: case CR_POPS_2: case CR_POPS_3:
        return cr_ops[in->op].pops;
    case CR_POPS_A:
        return in->a;
    case CR_POPS_C:
        return in->c;
    }
    return 0;
}

int cr_op_stack_effect(const cr_ins *in)
{
    return (int)cr_ops[in->op].pushes - (int)cr_op_pops(in);
}

bool cr_op_is_jump(uint8_t op)
{
    if (op >= CR_OP__COUNT)
        return false;
    uint8_t f = cr_ops[op].flow;
    return f == CR_FLOW_BRANCH || f == CR_FLOW_SHORT || f == CR_FLOW_GOTO;
}

bool cr_op_falls_through(uint8_t op)
{
    if (op >= CR_OP__COUNT)
        return false;
    uint8_t f = cr_ops[op].flow;
    return f == CR_FLOW_NEXT || f == CR_FLOW_BRANCH || f == CR_FLOW_SHORT;
}

uint32_t cr_operand_value(const cr_ins *in, unsigned which)
{
    return which == 0 ? in->a : which == 1 ? in->b : in->c;
}

uint64_t cr_operand_limit(const cr_program *P, const cr_ins *in, cr_operand_kind k)
{
    switch (k) {
    case CR_OPND_NONE: return 1;
    case CR_OPND_COUNT: case CR_OPND_FIELD: return UINT64_MAX;
    case CR_OPND_ARGC: return in->c < cr_nbuiltins ? cr_builtins[in->c].max_args + 1u : 0;
    case CR_OPND_FLAG: return 2;
    case CR_OPND_MEMBER: return ADM_COUNT;
    case CR_OPND_OUTCOME: return 3;
    case CR_OPND_TARGET: return P->ncode;
    case CR_OPND_CONST: case CR_OPND_MESSAGE: return P->nconsts;
    case CR_OPND_INPUT: return P->input->nfields;
    case CR_OPND_LET: case CR_OPND_OWN_LET: return P->nlets;
    case CR_OPND_LOCAL: case CR_OPND_LOCAL_SET: case CR_OPND_ITER_START: case CR_OPND_ITER_STEP: case CR_OPND_ITER_OF:
        return P->nlocals;
    case CR_OPND_RULE: return P->nrules;
    case CR_OPND_BUILTIN: return cr_nbuiltins;
    case CR_OPND_REGEX: return P->nregex;
    case CR_OPND_LOOKUP: return P->nlookups;
    case CR_OPND_CHARAC: return P->ncharacs;
    case CR_OPND_BIN: return in->b < P->ncharacs ? P->characs[in->b].nbins : 0;
    case CR_OPND_SCORECARD: return P->nscorecards;
    case CR_OPND_SEGMENT: return P->nsegments;
    case CR_OPND_SEG_ROW: return in->b < P->nsegments ? P->segments[in->b].nrows : 0;
    case CR_OPND_TABLE: return P->ntables;
    case CR_OPND_TBL_ROW: return in->b < P->ntables ? P->tables[in->b].nrows : 0;
    case CR_OPND_DECIDE_ROW: return P->ndecide;
    case CR_OPND__COUNT: break;
    }
    return 0;
}

bool cr_operand_in_range(const cr_program *P, const cr_ins *in, unsigned which)
{
    cr_operand_kind k = (cr_operand_kind)cr_ops[in->op].operand[which];
    uint64_t v = cr_operand_value(in, which);
    uint64_t limit = cr_operand_limit(P, in, k);
    if (k == CR_OPND_ARGC)
        return limit && v >= cr_builtins[in->c].min_args && v < limit;
    return limit == UINT64_MAX || v + cr_operand_kinds[k].span <= limit;
}
