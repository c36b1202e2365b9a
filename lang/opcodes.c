/* What each instruction does to the stack depth, shared by the compiler
 * (to size the stack) and the .credoc verifier (to check loaded code). */
#include "lang/opcodes.h"

#include "lang/program.h"

int cr_op_stack_effect(const cr_ins *in)
{
    switch ((cr_opcode)in->op) {
    case CR_OP_CONST: case CR_OP_INPUT: case CR_OP_LET: case CR_OP_LOCAL: case CR_OP_DUP:
    case CR_OP_TODAY: case CR_OP_ADMISSION: case CR_OP_SC_POINTS: case CR_OP_COMP_NEW: case CR_OP_TBL_END:
        return 1;
    case CR_OP_STORE: case CR_OP_POP: case CR_OP_INDEX: case CR_OP_ADD: case CR_OP_SUB: case CR_OP_MUL:
    case CR_OP_DIV: case CR_OP_MOD: case CR_OP_EQ: case CR_OP_NE: case CR_OP_LT: case CR_OP_LE:
    case CR_OP_GT: case CR_OP_GE: case CR_OP_JUMP_FALSE: case CR_OP_JUMP_TRUE: case CR_OP_AND_JUMP:
    case CR_OP_OR_JUMP: case CR_OP_COALESCE: case CR_OP_IN: case CR_OP_FIRE: case CR_OP_ITER_INIT:
    case CR_OP_AGG_COUNT: case CR_OP_AGG_ANY: case CR_OP_AGG_ALL: case CR_OP_COMP_ADD: case CR_OP_TBL_MATCH:
    case CR_OP_DECIDE: case CR_OP_LET_END:
        return -1;
    case CR_OP_SLICE:
        return -2;
    case CR_OP_CALL:
        return 1 - (int)in->a;
    case CR_OP_LIST: case CR_OP_REASONS:
        return 1 - (int)in->c;
    default:
        return 0;
    }
}

bool cr_op_is_jump(uint8_t op)
{
    switch ((cr_opcode)op) {
    case CR_OP_JUMP: case CR_OP_JUMP_FALSE: case CR_OP_JUMP_TRUE: case CR_OP_AND_JUMP: case CR_OP_OR_JUMP:
    case CR_OP_COALESCE: case CR_OP_AGG_ANY: case CR_OP_AGG_ALL: case CR_OP_ITER_NEXT:
        return true;
    default:
        return false;
    }
}
