/* Every VM instruction, one line of prose each.  An instruction is
 * {op, a (8 bits), b (16 bits), c (32 bits)}; "push"/"pop" are the value
 * stack.  This list feeds the enum, the names for disassembly and the
 * dispatch table of runtime/vm/vm.c. */
#ifndef CREDO_OPCODES_H
#define CREDO_OPCODES_H

#include <stdbool.h>
#include <stdint.h>

#define CR_OPCODES(OP)                                                                        \
    OP(CONST)        /* push consts[c] */                                                     \
    OP(INPUT)        /* push input slot c */                                                  \
    OP(LET)          /* push let c, running its code first if this application has not */   \
    OP(LET_END)      /* pop v; let c := v; return to where LET c was asked; push v */        \
    OP(LOCAL)        /* push locals[c] */                                                     \
    OP(STORE)        /* pop v; locals[c] := v */                                              \
    OP(POP)          /* pop and forget */                                                     \
    OP(DUP)          /* push a copy of the top */                                             \
    OP(FIELD)        /* pop record r; push r.items[c] (null when r is null) */               \
    OP(INDEX)        /* pop i, xs; push xs[i], negative i counts from the end */             \
    OP(SLICE)        /* pop j, i, xs; push xs[i..j], both ends included */                   \
    OP(ADD)          /* pop b, a; push a + b (int when both int, else exact decimal) */      \
    OP(SUB)          /* pop b, a; push a - b */                                               \
    OP(MUL)          /* pop b, a; push a * b */                                               \
    OP(DIV)          /* pop b, a; push a / b, always decimal (decimal.h gives the digits) */ \
    OP(MOD)          /* pop b, a; push a mod b, the sign of b (floored) */                   \
    OP(NEG)          /* pop a; push -a */                                                     \
    OP(TO_DEC)       /* an int on top becomes the same exact decimal (scale 0) */             \
    OP(EQ)           /* pop b, a; push a == b by value */                                    \
    OP(NE)           /* pop b, a; push a != b */                                              \
    OP(LT)           /* pop b, a; push a < b (numbers, texts, dates) */                      \
    OP(LE)           /* pop b, a; push a <= b */                                              \
    OP(GT)           /* pop b, a; push a > b */                                               \
    OP(GE)           /* pop b, a; push a >= b */                                              \
    OP(NOT)          /* pop a; push not a */                                                  \
    OP(JUMP)         /* pc := c */                                                            \
    OP(JUMP_FALSE)   /* pop a; if not a: pc := c */                                           \
    OP(JUMP_TRUE)    /* pop a; if a: pc := c */                                               \
    OP(AND_JUMP)     /* if top is false: pc := c (keeping it); else pop */                   \
    OP(OR_JUMP)      /* if top is true: pc := c (keeping it); else pop */                    \
    OP(COALESCE)     /* if top is not null: pc := c (keeping it); else pop */                \
    OP(IS_NULL)      /* pop a; push a is null (a=1: is not null) */                           \
    OP(IN)           /* pop set, x; push x in set (a=1: not in) */                            \
    OP(MATCH)        /* pop text; push whether regex c matches it */                         \
    OP(LOOKUP)       /* pop key; push the row of lookup c with that key, or null */          \
    OP(HAS)          /* pop key; push whether lookup c has a row with that key */            \
    OP(CALL)         /* pop a arguments; push builtin c of them */                           \
    OP(LIST)         /* pop c values; push a list of them */                                 \
    OP(TODAY)        /* push the evaluation's as-of date */                                   \
    OP(FIRE)         /* pop a; if a: rule c fired */                                          \
    OP(ITER_INIT)    /* pop xs; locals[b] := xs, locals[b+1] := 0 */                         \
    OP(ITER_NEXT)    /* if locals[b+1] < len: locals[b+2] := next item; else pc := c */      \
    OP(AGG_COUNT)    /* pop a; if a: add 1 to the int under it */                            \
    OP(AGG_ANY)      /* pop a; if a: replace the top with true, pc := c */                   \
    OP(AGG_ALL)      /* pop a; if not a: replace the top with false, pc := c */              \
    OP(COMP_NEW)     /* push an empty list with room for len(locals[b]) items */            \
    OP(COMP_ADD)     /* pop v; append v to the list under it */                               \
    OP(SC_MARK)      /* characteristic b took bin c; its points are the top (kept) */       \
    OP(SC_POINTS)    /* push the points characteristic c took */                             \
    OP(SC_LOWEST)    /* pop k; push the reason codes of scorecard c's k lowest characteristics */ \
    OP(SEG_MARK)     /* segment b chose row c */                                             \
    OP(TBL_START)    /* table c starts: no rows matched yet */                                \
    OP(TBL_MATCH)    /* row c of table b matched; its output is the top (kept) */            \
    OP(TBL_END)      /* combine the rows of table c that matched by its hit policy */        \
    OP(ADMISSION)    /* push admission member a (cr_admission_member) */ \
    OP(REASONS)      /* pop c values (codes or lists of codes); push them as one list */     \
    OP(DECIDE)       /* pop reasons; decide row c chose outcome a (0 approve, 1 refer, 2 reject); halt */\
    OP(FAIL)         /* stop this application with the error text consts[c] */              \
    OP(HALT)         /* the policy is done; the default outcome rule applies */

typedef enum cr_opcode {
#define CR_OP_ENUM(name) CR_OP_##name,
    CR_OPCODES(CR_OP_ENUM)
#undef CR_OP_ENUM
    CR_OP__COUNT
} cr_opcode;

extern const char *const cr_opcode_names[CR_OP__COUNT];

/* Superinstructions: never in a program, a .credoc or a disassembly.  A
 * session runs a copy of the program's code (runtime/vm/vm_fuse.c) in which
 * the first instruction of each of these runs of instructions carries the
 * superinstruction; it does what the whole run does in one dispatch,
 * reading the run's operands from the program's own code, and charges the
 * budget as many instructions as the run has.  Every superinstruction
 * stands only for the run that starts where it is, so a jump into the
 * middle of a run finds the plain instructions there.  When it cannot
 * (budget nearly spent, a let not yet computed, a text on the stack) it
 * runs its first plain instruction instead.  In each, CMP is one of
 * EQ..GE, kept in a as 0..5; t is the JUMP_FALSE's target. */
#define CR_SUPER_OPCODES(OP)                                                                  \
    OP(K_CMP)          /* CONST k; CMP */                                                     \
    OP(K_CMP_JF)       /* CONST k; CMP; JUMP_FALSE t */                                       \
    OP(LOCAL_K_CMP_JF) /* LOCAL x; CONST k; CMP; JUMP_FALSE t: a scorecard bin's test */      \
    OP(INPUT_K_CMP)    /* INPUT x; CONST k; CMP: an admission rule's test */                  \
    OP(INPUT_K_CMP_JF) /* INPUT x; CONST k; CMP; JUMP_FALSE t */                              \
    OP(LET_K_CMP)      /* LET x; CONST k; CMP, when x is already computed */                  \
    OP(LET_K_CMP_JF)   /* LET x; CONST k; CMP; JUMP_FALSE t, when x is already computed */    \
    OP(SC_BIN)         /* CONST p; SC_MARK; ADD; JUMP: a scorecard bin taken, points added */ \
    OP(CALL_DEC)       /* CALL f; TO_DEC: a built-in typed number, its result widened */       \
    OP(INPUT_K_CMP_FIRE) /* INPUT x; CONST k; CMP; FIRE r: an admission rule on one field */  \
    OP(LET_K_CMP_FIRE) /* LET x; CONST k; CMP; FIRE r, when x is already computed */          \
    OP(INPUT_K_IN)     /* INPUT x; CONST set; IN: a field in a constant set */

typedef enum cr_super_opcode {
    CR_SOP__BEFORE = CR_OP__COUNT - 1,
#define CR_SOP_ENUM(name) CR_SOP_##name,
    CR_SUPER_OPCODES(CR_SOP_ENUM)
#undef CR_SOP_ENUM
    CR_OP__ALL                 /* plain and super: the size of a dispatch table */
} cr_super_opcode;

/* Net effect of one instruction on the value stack depth (CALL, LIST and
 * REASONS depend on their operand).  The compiler sizes the stack with it
 * and the .credoc verifier (lang/credoc_verify.c) checks loaded code with
 * it, so both agree on what every instruction pushes and pops. */
struct cr_ins;
int cr_op_stack_effect(const struct cr_ins *in);

/* Whether op may go to the instruction its c names (a LET's c names a
 * let, not an instruction: it is not a jump). */
bool cr_op_is_jump(uint8_t op);

#endif
