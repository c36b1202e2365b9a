/* The instruction set: one row per opcode with everything the compiler,
 * the verifier (lang/credoc_verify.c) and the VM (runtime/vm/vm_loop.h)
 * must agree on.  An instruction is {op, a (8 bits), b (16 bits), c (32
 * bits)}; "push" and "pop" are the value stack.  From CR_OPCODES come the
 * enum, the names, the dispatch table of runtime/vm/vm_loop.h and
 * cr_ops[] (lang/opcodes.c), which the compiler sizes the stack with and
 * the verifier checks operands, stack depth and control flow with.
 *
 * A row is OP(name, a, b, c, pops, pushes, flow, contract), every field
 * required (the macro has a fixed number of arguments, and a misspelt kind
 * names no enum constant, so a row without its properties does not
 * compile):
 *   a, b, c  what each operand is: a cr_operand_kind without its CR_OPND_
 *   pops     values it takes off the stack on the way to the next
 *            instruction: 0 to 3, or A or C, the number in that operand
 *   pushes   values it then puts on the stack
 *   flow     where control goes after it: a cr_flow without its CR_FLOW_
 *   contract what it does, in one line */
#ifndef CREDO_OPCODES_H
#define CREDO_OPCODES_H

#include <stdbool.h>
#include <stdint.h>

#define CR_OPCODES(OP)                                                                                                                  \
    /* name      a        b           c           pops, pushes, flow, contract */                                                       \
    OP(CONST,      NONE,    NONE,       CONST,      0, 1, NEXT,   "push consts[c]")                                                     \
    OP(INPUT,      NONE,    NONE,       INPUT,      0, 1, NEXT,   "push input slot c")                                                  \
    OP(LET,        NONE,    NONE,       LET,        0, 1, NEXT,   "push let c, running its code first if this application has not")     \
    OP(LET_END,    NONE,    NONE,       OWN_LET,    1, 0, RETURN, "pop v; let c := v; back to the LET c that asked, which pushes v")    \
    OP(LOCAL,      NONE,    NONE,       LOCAL,      0, 1, NEXT,   "push locals[c]")                                                     \
    OP(STORE,      NONE,    NONE,       LOCAL_SET,  1, 0, NEXT,   "pop v; locals[c] := v")                                              \
    OP(POP,        NONE,    NONE,       NONE,       1, 0, NEXT,   "pop and forget")                                                     \
    OP(DUP,        NONE,    NONE,       NONE,       1, 2, NEXT,   "push a copy of the top")                                             \
    OP(FIELD,      NONE,    NONE,       FIELD,      1, 1, NEXT,   "pop record r; push r.items[c] (null when r is null)")                \
    OP(INDEX,      NONE,    NONE,       NONE,       2, 1, NEXT,   "pop i, xs; push xs[i], negative i counts from the end")              \
    OP(SLICE,      NONE,    NONE,       NONE,       3, 1, NEXT,   "pop j, i, xs; push xs[i..j], both ends included")                    \
    OP(ADD,        NONE,    NONE,       NONE,       2, 1, NEXT,   "pop b, a; push a + b (decimal unless both int; texts: joined)")      \
    OP(SUB,        NONE,    NONE,       NONE,       2, 1, NEXT,   "pop b, a; push a - b")                                               \
    OP(MUL,        NONE,    NONE,       NONE,       2, 1, NEXT,   "pop b, a; push a * b")                                               \
    OP(DIV,        NONE,    NONE,       NONE,       2, 1, NEXT,   "pop b, a; push a / b, always a decimal")                             \
    OP(MOD,        NONE,    NONE,       NONE,       2, 1, NEXT,   "pop b, a; push a mod b, the sign of b (floored)")                    \
    OP(NEG,        NONE,    NONE,       NONE,       1, 1, NEXT,   "pop a; push -a")                                                     \
    OP(TO_DEC,     NONE,    NONE,       NONE,       1, 1, NEXT,   "an int on top becomes the same exact decimal (scale 0)")             \
    OP(EQ,         NONE,    NONE,       NONE,       2, 1, NEXT,   "pop b, a; push a == b by value")                                     \
    OP(NE,         NONE,    NONE,       NONE,       2, 1, NEXT,   "pop b, a; push a != b")                                              \
    OP(LT,         NONE,    NONE,       NONE,       2, 1, NEXT,   "pop b, a; push a < b (numbers, texts, dates)")                       \
    OP(LE,         NONE,    NONE,       NONE,       2, 1, NEXT,   "pop b, a; push a <= b")                                              \
    OP(GT,         NONE,    NONE,       NONE,       2, 1, NEXT,   "pop b, a; push a > b")                                               \
    OP(GE,         NONE,    NONE,       NONE,       2, 1, NEXT,   "pop b, a; push a >= b")                                              \
    OP(NOT,        NONE,    NONE,       NONE,       1, 1, NEXT,   "pop a; push not a")                                                  \
    OP(JUMP,       NONE,    NONE,       TARGET,     0, 0, GOTO,   "pc := c")                                                            \
    OP(JUMP_FALSE, NONE,    NONE,       TARGET,     1, 0, BRANCH, "pop a; if not a: pc := c")                                           \
    OP(JUMP_TRUE,  NONE,    NONE,       TARGET,     1, 0, BRANCH, "pop a; if a: pc := c")                                               \
    OP(AND_JUMP,   NONE,    NONE,       TARGET,     1, 0, SHORT,  "if top is false: pc := c (keeping it); else pop")                    \
    OP(OR_JUMP,    NONE,    NONE,       TARGET,     1, 0, SHORT,  "if top is true: pc := c (keeping it); else pop")                     \
    OP(COALESCE,   NONE,    NONE,       TARGET,     1, 0, SHORT,  "if top is not null: pc := c (keeping it); else pop")                 \
    OP(IS_NULL,    FLAG,    NONE,       NONE,       1, 1, NEXT,   "pop a; push a is null (a=1: is not null)")                           \
    OP(IN,         FLAG,    NONE,       NONE,       2, 1, NEXT,   "pop set, x; push x in set (a=1: not in)")                            \
    OP(MATCH,      NONE,    NONE,       REGEX,      1, 1, NEXT,   "pop text; push whether regex c matches it")                          \
    OP(LOOKUP,     NONE,    NONE,       LOOKUP,     1, 1, NEXT,   "pop key; push the row of lookup c with that key, or null")           \
    OP(HAS,        NONE,    NONE,       LOOKUP,     1, 1, NEXT,   "pop key; push whether lookup c has a row with that key")             \
    OP(CALL,       ARGC,    NONE,       BUILTIN,    A, 1, NEXT,   "pop a arguments; push builtin c of them")                            \
    OP(LIST,       NONE,    NONE,       COUNT,      C, 1, NEXT,   "pop c values; push a list of them")                                  \
    OP(TODAY,      NONE,    NONE,       NONE,       0, 1, NEXT,   "push the evaluation's as-of date")                                   \
    OP(FIRE,       NONE,    NONE,       RULE,       1, 0, NEXT,   "pop a; if a: rule c fired")                                          \
    OP(ITER_INIT,  NONE,    ITER_START, NONE,       1, 0, NEXT,   "pop xs; locals[b] := xs, locals[b+1] := 0")                          \
    OP(ITER_NEXT,  NONE,    ITER_STEP,  TARGET,     0, 0, BRANCH, "if locals[b+1] < len: locals[b+2] := next item; else pc := c")       \
    OP(AGG_COUNT,  NONE,    NONE,       NONE,       2, 1, NEXT,   "pop a; if a: add 1 to the int under it")                             \
    OP(AGG_ANY,    NONE,    NONE,       TARGET,     2, 1, BRANCH, "pop a; if a: replace the top with true, pc := c")                    \
    OP(AGG_ALL,    NONE,    NONE,       TARGET,     2, 1, BRANCH, "pop a; if not a: replace the top with false, pc := c")               \
    OP(COMP_NEW,   NONE,    ITER_OF,    NONE,       0, 1, NEXT,   "push an empty list with room for len(locals[b]) items")              \
    OP(COMP_ADD,   NONE,    NONE,       NONE,       2, 1, NEXT,   "pop v; append v to the list under it")                               \
    OP(SC_MARK,    NONE,    CHARAC,     BIN,        1, 1, NEXT,   "characteristic b took bin c; its points are the top (kept)")         \
    OP(SC_POINTS,  NONE,    NONE,       CHARAC,     0, 1, NEXT,   "push the points characteristic c took")                              \
    OP(SC_LOWEST,  NONE,    NONE,       SCORECARD,  1, 1, NEXT,   "pop k; push the codes of scorecard c's k lowest characteristics")    \
    OP(SC_REASONS, NONE,    NONE,       SCORECARD,  2, 1, NEXT,   "pop k, bests; push the codes of the k that lost most against bests") \
    OP(SEG_MARK,   NONE,    SEGMENT,    SEG_ROW,    0, 0, NEXT,   "segment b chose row c")                                              \
    OP(TBL_START,  NONE,    NONE,       TABLE,      0, 0, NEXT,   "table c starts: no rows matched yet")                                \
    OP(TBL_MATCH,  NONE,    TABLE,      TBL_ROW,    1, 0, NEXT,   "pop v; row c of table b matched with output v")                      \
    OP(TBL_END,    NONE,    NONE,       TABLE,      0, 1, NEXT,   "push table c's result: its matched rows by its hit policy")          \
    OP(ADMISSION,  MEMBER,  NONE,       NONE,       0, 1, NEXT,   "push admission member a (cr_admission_member)")                      \
    OP(REASONS,    NONE,    NONE,       COUNT,      C, 1, NEXT,   "pop c codes or lists of codes; push them as one list")               \
    OP(DECIDE,     OUTCOME, NONE,       DECIDE_ROW, 1, 0, END,    "pop reasons; row c decides outcome a: 0 approve, 1 refer, 2 reject") \
    OP(FAIL,       NONE,    NONE,       MESSAGE,    0, 0, FAIL,   "stop this application with the error text consts[c]")                \
    OP(HALT,       NONE,    NONE,       NONE,       0, 0, END,    "the policy is done; the default outcome rule applies")              \
    OP(RECORD,     NONE,    NONE,       COUNT,      C, 1, NEXT,   "pop c values; push a record of them (a table row's named outputs)")  \
    OP(TBL_NONE,   NONE,    NONE,       TABLE,      0, 1, NEXT,   "push whether no row of table c has matched yet (its default row)")

typedef enum cr_opcode {
#define CR_OP_ENUM(name, a, b, c, pops, pushes, flow, contract) CR_OP_##name,
    CR_OPCODES(CR_OP_ENUM)
#undef CR_OP_ENUM
    CR_OP__COUNT
} cr_opcode;

extern const char *const cr_opcode_names[CR_OP__COUNT];

/* What an operand is, and so what the verifier checks it against.  A row
 * is K(name, span, locals, writes, what, of): an operand whose span is not
 * 0 names span things from its value on, all below cr_operand_limit (for
 * the plain kinds the verifier's message calls one a `what` and them
 * `of`); `locals` says the things are locals, and `writes` which of them
 * (bit i: the value + i) the instruction writes. */
#define CR_OPERAND_KINDS(K)                                                                                  \
    K(NONE,       1, false, 0, "", "")                   /* not used: 0, as the compiler leaves it */        \
    K(COUNT,      0, false, 0, "", "")                   /* how many values it pops (the stack bounds it) */ \
    K(ARGC,       0, false, 0, "", "")                   /* arguments, as many as built-in c takes */        \
    K(FLAG,       1, false, 0, "", "")                   /* 0 or 1 */                                        \
    K(MEMBER,     1, false, 0, "", "")                   /* a cr_admission_member */                         \
    K(OUTCOME,    1, false, 0, "", "")                   /* 0 approve, 1 refer, 2 reject */                  \
    K(FIELD,      0, false, 0, "", "")                   /* a field of the record on the stack */            \
    K(TARGET,     1, false, 0, "", "")                   /* an instruction of the same code */               \
    K(CONST,      1, false, 0, "constant", "constants")                                                      \
    K(MESSAGE,    1, false, 0, "constant", "constants")  /* a text constant */                               \
    K(INPUT,      1, false, 0, "input slot", "input fields")                                                 \
    K(LET,        1, false, 0, "let", "lets")                                                                \
    K(OWN_LET,    1, false, 0, "let", "lets")            /* the let whose code this instruction ends */      \
    K(LOCAL,      1, true,  0, "local", "locals")                                                            \
    K(LOCAL_SET,  1, true,  1, "local", "locals")                                                            \
    K(ITER_START, 3, true,  3, "locals up to", "locals") /* a walk's list, position and item */              \
    K(ITER_STEP,  3, true,  6, "locals up to", "locals")                                                     \
    K(ITER_OF,    2, true,  0, "locals up to", "locals") /* the walk whose list it reads */                  \
    K(RULE,       1, false, 0, "rule", "rules")                                                              \
    K(BUILTIN,    1, false, 0, "built-in", "built-ins")                                                      \
    K(REGEX,      1, false, 0, "regular expression", "regular expressions")                                  \
    K(LOOKUP,     1, false, 0, "lookup", "lookups")                                                          \
    K(CHARAC,     1, false, 0, "characteristic", "characteristics")                                          \
    K(BIN,        1, false, 0, "bin", "bins")            /* of characteristic b */                           \
    K(SCORECARD,  1, false, 0, "scorecard", "scorecards")                                                    \
    K(SEGMENT,    1, false, 0, "segment", "segments")                                                        \
    K(SEG_ROW,    1, false, 0, "segment row", "rows")    /* of segment b */                                  \
    K(TABLE,      1, false, 0, "table", "tables")                                                            \
    K(TBL_ROW,    1, false, 0, "table row", "rows")      /* of table b */                                    \
    K(DECIDE_ROW, 1, false, 0, "decide row", "decide rows")

typedef enum cr_operand_kind {
#define CR_OPND_ENUM(name, span, locals, writes, what, of) CR_OPND_##name,
    CR_OPERAND_KINDS(CR_OPND_ENUM)
#undef CR_OPND_ENUM
    CR_OPND__COUNT
} cr_operand_kind;

typedef struct cr_operand_kind_info {
    const char *name;
    uint8_t span;
    bool locals;
    uint8_t writes;
    const char *what, *of;
} cr_operand_kind_info;

extern const cr_operand_kind_info cr_operand_kinds[CR_OPND__COUNT];

/* How many values an instruction pops: a fixed number, or its operand a
 * or c (CALL's arguments, LIST's items, REASONS' values). */
typedef enum cr_pops { CR_POPS_0, CR_POPS_1, CR_POPS_2, CR_POPS_3, CR_POPS_A, CR_POPS_C } cr_pops;

/* Where control goes after an instruction. */
typedef enum cr_flow {
    CR_FLOW_NEXT,        /* on to the next instruction */
    CR_FLOW_BRANCH,      /* on, or to c: the stack the same either way */
    CR_FLOW_SHORT,       /* and, or, ??: on having popped its test, or to c keeping it */
    CR_FLOW_GOTO,        /* to c */
    CR_FLOW_RETURN,      /* back to the LET that asked for this let: the end of a let's code */
    CR_FLOW_END,         /* the decision is made: only the main code decides */
    CR_FLOW_FAIL         /* the application stops with an error */
} cr_flow;

/* One row of CR_OPCODES. */
typedef struct cr_op_info {
    const char *name;
    uint8_t operand[3];  /* cr_operand_kind of a, b, c */
    uint8_t pops;        /* cr_pops */
    uint8_t pushes;
    uint8_t flow;        /* cr_flow */
    const char *contract;
} cr_op_info;

extern const cr_op_info cr_ops[CR_OP__COUNT];

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

/* An opcode is a byte of cr_ins; a superinstruction's CMP is op - EQ. */
_Static_assert(CR_OP__ALL <= 256, "every opcode, plain and super, fits in cr_ins.op");
_Static_assert(CR_OP_NE == CR_OP_EQ + 1 && CR_OP_LT == CR_OP_EQ + 2 && CR_OP_LE == CR_OP_EQ + 3 &&
                   CR_OP_GT == CR_OP_EQ + 4 && CR_OP_GE == CR_OP_EQ + 5,
               "the comparisons are EQ..GE in this order (CMP in a as 0..5)");

/* Read from cr_ops: what an instruction pops on the way to the next one,
 * and its net effect on the stack depth there.  The compiler sizes the
 * stack with them and the verifier (lang/credoc_verify.c) holds its own
 * model of every instruction to them, so both agree with the table. */
struct cr_ins;
struct cr_program;
uint32_t cr_op_pops(const struct cr_ins *in);
int cr_op_stack_effect(const struct cr_ins *in);

/* Whether op may go to the instruction its c names (flow BRANCH,
 * SHORT or GOTO; a LET's c names a let, not an instruction), and
 * whether it may go on to the next instruction.  False for an op past
 * the table. */
bool cr_op_is_jump(uint8_t op);
bool cr_op_falls_through(uint8_t op);

/* Operand `which` of `in`: 0 a, 1 b, 2 c. */
uint32_t cr_operand_value(const struct cr_ins *in, unsigned which);

/* How many things an operand of kind k in instruction `in` of program P
 * may name: its value + its kind's span must not pass this.  A row (BIN,
 * SEG_ROW, TBL_ROW) is of the characteristic, segment or table in b, and
 * 0 when b is out of range; an argument count is the built-in c's
 * max_args + 1.  UINT64_MAX for the kinds not checked against a count
 * (COUNT, FIELD). */
uint64_t cr_operand_limit(const struct cr_program *P, const struct cr_ins *in, cr_operand_kind k);

/* Whether operand `which` (0 a, 1 b, 2 c) of `in` is one its kind allows
 * in P by range alone (and an argument count within the built-in's
 * arity): what the verifier checks of it before anything about regions
 * and values. */
bool cr_operand_in_range(const struct cr_program *P, const struct cr_ins *in, unsigned which);

#endif
