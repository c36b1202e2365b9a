/* Code generation: walks the typed AST once and emits bytecode.
 *
 * Layout of a program: the main code first (admission rules, then the
 * other rules, then every named result forced in source order, then the
 * decide block, then HALT), followed by the code of each let, which runs
 * the first time an application asks for it and ends with LET_END.
 * Functions are inlined at each call; their parameters and loop variables
 * have fixed local slots, which is safe because nothing recurses. */
#include "lang/compile.h"
#include "lang/credoc.h"
#include "runtime/core/sha256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>


#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "lang/lookup.h"
#include "lang/parse.h"
#include "lang/sema.h"
#include "runtime/core/check.h"
#include "stdlib/stdlib.h"

typedef struct comp {
    cr_program *P;
    cr_diags *diags;
    cr_ins *code;
    cr_span *spans;
    uint32_t n, cap;
    cr_value *consts;
    uint32_t nconsts, const_cap;
    int32_t depth, max_depth;   /* value stack depth of the region being emitted */
    uint32_t region_start;      /* its first instruction */
    uint32_t stack_total;       /* sum of every region's maximum */
    uint32_t nlocals;
    uint32_t *const_of_let;     /* per let: 1 + the constant a const item became, 0 not yet */
    bool oom;
} comp;

static void *palloc(comp *C, size_t n)
{
    void *p = cr_arena_calloc(&C->P->arena, n);
    if (!p)
        C->oom = true;
    return p;
}

static uint32_t emit(comp *C, cr_opcode op, uint8_t a, uint16_t b, uint32_t c, cr_span sp)
{
    if (C->n == C->cap) {
        uint32_t cap = C->cap ? C->cap * 2 : 256;
        cr_ins *code = realloc(C->code, cap * sizeof *code);
        cr_span *spans = realloc(C->spans, cap * sizeof *spans);
        if (code) C->code = code;
        if (spans) C->spans = spans;
        if (!code || !spans) {
            C->oom = true;
            return C->n ? C->n - 1 : 0;
        }
        C->cap = cap;
    }
    cr_ins *in = &C->code[C->n];
    in->op = (uint8_t)op;
    in->a = a;
    in->b = b;
    in->c = c;
    C->spans[C->n] = sp;
    /* what it pops, the code before it left (unless an instruction was
     * lost to a failed allocation); a jump emitted with its target goes
     * back into its own code (a forward one is patched) */
    CR_ASSERT(op < CR_OP__COUNT && (C->oom || C->depth >= (int32_t)cr_op_pops(in)));
    CR_ASSERT(C->oom || !cr_op_is_jump(op) || c == 0 || (c >= C->region_start && c < C->n));
    C->depth += cr_op_stack_effect(in);
    if (C->depth > C->max_depth)
        C->max_depth = C->depth;
    return C->n++;
}

/* Points the jump at `at` to the next instruction, which is in the same
 * code: every code ends in an instruction after its last patch. */
static void patch(comp *C, uint32_t at)
{
    if (C->oom)
        return;
    CR_ASSERT(at >= C->region_start && at < C->n && cr_op_is_jump(C->code[at].op));
    C->code[at].c = C->n;
}

static uint32_t add_const(comp *C, cr_value v)
{
    if (C->nconsts == C->const_cap) {
        uint32_t cap = C->const_cap ? C->const_cap * 2 : 64;
        cr_value *n = realloc(C->consts, cap * sizeof *n);
        if (!n) {
            C->oom = true;
            return 0;
        }
        C->consts = n;
        C->const_cap = cap;
    }
    C->consts[C->nconsts] = v;
    return C->nconsts++;
}

static cr_value text_value(const char *s)
{
    return cr_text(s, (uint32_t)strlen(s));
}

static uint32_t const_text(comp *C, const char *s) { return add_const(C, text_value(s)); }

/* The value of a literal (or a list/set of literals); false otherwise. */
static bool literal_value(comp *C, const cr_expr *e, cr_value *out)
{
    switch (e->kind) {
    case E_INT: *out = cr_int(e->u.ival); return true;
    case E_DEC: *out = cr_decv(e->u.dval); return true;
    case E_STR: *out = cr_text(e->u.str.s, e->u.str.len); return true;
    case E_BOOL: *out = cr_bool(e->u.ival != 0); return true;
    case E_NULL: *out = cr_null(); return true;
    case E_DATE: *out = cr_date(e->u.ival); return true;
    case E_NAME:
        if (e->ref == REF_LABEL && e->type && e->type->labels) {
            *out = text_value(e->type->labels->names[e->ref_index]);
            return true;
        }
        if (e->ref == REF_ITEM && e->item && e->item->kind == I_CONST)
            return literal_value(C, e->item->expr, out);
        return false;
    case E_LIST:
    case E_SET: {
        cr_value *items = palloc(C, (e->u.list.count ? e->u.list.count : 1) * sizeof *items);
        if (!items)
            return false;
        for (uint32_t i = 0; i < e->u.list.count; i++)
            if (!literal_value(C, e->u.list.items[i], &items[i]))
                return false;
        *out = cr_list(items, e->u.list.count);
        if (e->kind == E_SET)
            out->tag = CR_SET;
        return true;
    }
    default:
        return false;
    }
}

static void expr(comp *C, const cr_expr *e);
static cr_value best_points(comp *C, const cr_item *it);
static uint32_t new_local(comp *C);

/* An int where the type says decimal (an if branch, a ?? default, a
 * min of int and decimal, a table row) becomes a decimal, so later
 * arithmetic on it is decimal arithmetic with decimal limits. */
static bool widens(const cr_type *want, const cr_type *got)
{
    return want && got && want->kind == CR_T_DEC && got->kind == CR_T_INT;
}

static void widen(comp *C, const cr_type *want, const cr_type *got, cr_span sp)
{
    if (widens(want, got))
        emit(C, CR_OP_TO_DEC, 0, 0, 0, sp);
}

static void expr_as(comp *C, const cr_expr *e, const cr_type *want)
{
    cr_value v;
    if (e->kind == E_INT && widens(want, e->type) && literal_value(C, e, &v)) {
        /* an int literal where a decimal is wanted (the 0 of an if, a
         * table cell): the decimal constant, not CONST; TO_DEC */
        cr_put_dec(&v, v.u.i, 0);
        emit(C, CR_OP_CONST, 0, 0, add_const(C, v), e->span);
        return;
    }
    expr(C, e);
    widen(C, want, e->type, e->span);
}

/* The constant a const item built from literals is, added to the pool the
 * first time it is asked for (its uses and its own code share it: a set is
 * not copied per use); false for any other item. */
static bool const_index(comp *C, const cr_item *it, uint32_t *k)
{
    cr_value v;
    if (it->kind != I_CONST || !C->const_of_let)
        return false;
    uint32_t *memo = &C->const_of_let[it->index];
    if (!*memo && literal_value(C, it->expr, &v))
        *memo = add_const(C, v) + 1;
    *k = *memo - 1;
    return *memo != 0;
}

static void emit_let(comp *C, const cr_item *it, cr_span sp)
{
    emit(C, CR_OP_LET, 0, 0, it->index, sp);
}

/* Where the cell tests of a scorecard characteristic or a table column
 * read the value they test: one instruction, LOCAL of the local it was
 * stored in, or the INPUT or LET that the value is, read in place. */
typedef struct operand {
    uint8_t op;
    uint32_t c;
} operand;

/* Emits what gives e for the cell tests that follow.  An input field or a
 * let (one INPUT or LET) is read by each test itself: no STORE and no
 * LOCAL, and the tests become "operand, constant, compare, jump" runs of
 * an input or a let, which the VM does in one dispatch; a let is then
 * computed by the first test that reads it.  Only when `in_place`:
 * a scorecard asks it only when its first bin tests the value, since what
 * explain shows of a characteristic is read back from its input or let.
 * Anything else is computed once into local `slot`. */
static operand cell_operand(comp *C, const cr_expr *e, uint32_t slot, bool in_place)
{
    uint32_t at = C->n;
    expr(C, e);
    if (in_place && !C->oom && C->n == at + 1 &&
        (C->code[at].op == CR_OP_INPUT || C->code[at].op == CR_OP_LET)) {
        operand o = {C->code[at].op, C->code[at].c};
        C->n--;                 /* take the instruction back: each test has it */
        C->depth--;
        return o;
    }
    emit(C, CR_OP_STORE, 0, 0, slot, e->span);
    return (operand){CR_OP_LOCAL, slot};
}

/* Jumps to a failure label when the value `v` gives does not pass the
 * cell; falls through when it does.  `fails` collects the jumps. */
typedef struct jumps {
    uint32_t *at;
    uint32_t n, cap;
} jumps;

static void add_jump(comp *C, jumps *j, uint32_t at)
{
    if (j->n == j->cap) {
        uint32_t cap = j->cap ? j->cap * 2 : 16;
        uint32_t *n = realloc(j->at, cap * sizeof *n);
        if (!n) {
            C->oom = true;
            return;
        }
        j->at = n;
        j->cap = cap;
    }
    j->at[j->n++] = at;
}

static void patch_all(comp *C, jumps *j);

/* `optional`: v may be null, which only `-` and a `null` cell match, so
 * any other cell first fails on null. */
static void cell_test(comp *C, const cr_cell *cell, operand v, jumps *fails, bool optional)
{
    static const cr_opcode cmp[] = {
        [CELL_EQ] = CR_OP_EQ, [CELL_NE] = CR_OP_NE, [CELL_LT] = CR_OP_LT,
        [CELL_LE] = CR_OP_LE, [CELL_GT] = CR_OP_GT, [CELL_GE] = CR_OP_GE,
    };
    if (cell->kind == CELL_ANY)
        return;
    if (cell->kind == CELL_NULL || optional) {
        emit(C, (cr_opcode)v.op, 0, 0, v.c, cell->span);
        emit(C, CR_OP_IS_NULL, cell->kind != CELL_NULL, 0, 0, cell->span);
        add_jump(C, fails, emit(C, CR_OP_JUMP_FALSE, 0, 0, 0, cell->span));
    }
    switch (cell->kind) {
    case CELL_ANY:
    case CELL_NULL:
        return;
    case CELL_RANGE:
        emit(C, (cr_opcode)v.op, 0, 0, v.c, cell->span);
        expr(C, cell->a);
        emit(C, cell->lo_open ? CR_OP_GT : CR_OP_GE, 0, 0, 0, cell->span);
        add_jump(C, fails, emit(C, CR_OP_JUMP_FALSE, 0, 0, 0, cell->span));
        emit(C, (cr_opcode)v.op, 0, 0, v.c, cell->span);
        expr(C, cell->b);
        emit(C, cell->hi_open ? CR_OP_LT : CR_OP_LE, 0, 0, 0, cell->span);
        add_jump(C, fails, emit(C, CR_OP_JUMP_FALSE, 0, 0, 0, cell->span));
        return;
    case CELL_IN:
        emit(C, (cr_opcode)v.op, 0, 0, v.c, cell->span);
        expr(C, cell->a);
        emit(C, CR_OP_IN, 0, 0, 0, cell->span);
        add_jump(C, fails, emit(C, CR_OP_JUMP_FALSE, 0, 0, 0, cell->span));
        return;
    case CELL_ANYOF: {
        /* each test but the last goes on to the next when it fails and
         * past the rest when it passes */
        jumps pass = {NULL, 0, 0};
        for (uint32_t i = 0; i + 1 < cell->ntests; i++) {
            jumps next = {NULL, 0, 0};
            cell_test(C, &cell->tests[i], v, &next, false);
            add_jump(C, &pass, emit(C, CR_OP_JUMP, 0, 0, 0, cell->tests[i].span));
            patch_all(C, &next);
        }
        if (cell->ntests)
            cell_test(C, &cell->tests[cell->ntests - 1], v, fails, false);
        patch_all(C, &pass);
        return;
    }
    case CELL_SET: {
        cr_value set;
        emit(C, (cr_opcode)v.op, 0, 0, v.c, cell->span);
        cr_expr fake;
        memset(&fake, 0, sizeof fake);
        fake.kind = E_SET;
        fake.u.list = cell->set;
        if (literal_value(C, &fake, &set)) {
            emit(C, CR_OP_CONST, 0, 0, add_const(C, set), cell->span);
        } else {
            for (uint32_t i = 0; i < cell->set.count; i++)
                expr(C, cell->set.items[i]);
            emit(C, CR_OP_LIST, 0, 0, cell->set.count, cell->span);
        }
        emit(C, CR_OP_IN, 0, 0, 0, cell->span);
        add_jump(C, fails, emit(C, CR_OP_JUMP_FALSE, 0, 0, 0, cell->span));
        return;
    }
    default:
        emit(C, (cr_opcode)v.op, 0, 0, v.c, cell->span);
        expr(C, cell->a);
        emit(C, cmp[cell->kind], 0, 0, 0, cell->span);
        add_jump(C, fails, emit(C, CR_OP_JUMP_FALSE, 0, 0, 0, cell->span));
        return;
    }
}

/* Points every collected jump here and forgets them. */
static void patch_all(comp *C, jumps *j)
{
    for (uint32_t i = 0; i < j->n; i++)
        patch(C, j->at[i]);
    free(j->at);
    j->at = NULL;
    j->n = j->cap = 0;
}

static void expr_binary(comp *C, const cr_expr *e)
{
    static const cr_opcode ops[] = {
        [OP_ADD_] = CR_OP_ADD, [OP_SUB_] = CR_OP_SUB, [OP_MUL_] = CR_OP_MUL, [OP_DIV_] = CR_OP_DIV,
        [OP_MOD_] = CR_OP_MOD, [OP_EQ_] = CR_OP_EQ, [OP_NE_] = CR_OP_NE, [OP_LT_] = CR_OP_LT,
        [OP_LE_] = CR_OP_LE, [OP_GT_] = CR_OP_GT, [OP_GE_] = CR_OP_GE,
    };
    cr_op op = e->u.bin.op;
    uint32_t j;
    switch (op) {
    case OP_AND_:
    case OP_OR_:
        expr(C, e->u.bin.a);
        j = emit(C, op == OP_AND_ ? CR_OP_AND_JUMP : CR_OP_OR_JUMP, 0, 0, 0, e->span);
        expr(C, e->u.bin.b);
        patch(C, j);
        return;
    case OP_COALESCE_:
        expr_as(C, e->u.bin.a, e->type);
        j = emit(C, CR_OP_COALESCE, 0, 0, 0, e->span);
        expr_as(C, e->u.bin.b, e->type);
        patch(C, j);
        return;
    case OP_IN_:
    case OP_NOTIN_: {
        cr_value set;
        expr(C, e->u.bin.a);
        if ((e->u.bin.b->kind == E_SET || e->u.bin.b->kind == E_LIST) && literal_value(C, e->u.bin.b, &set))
            emit(C, CR_OP_CONST, 0, 0, add_const(C, set), e->u.bin.b->span);
        else
            expr(C, e->u.bin.b);
        emit(C, CR_OP_IN, op == OP_NOTIN_, 0, 0, e->span);
        return;
    }
    default:
        expr(C, e->u.bin.a);
        expr(C, e->u.bin.b);
        emit(C, ops[op], 0, 0, 0, e->span);
        return;
    }
}

static void expr_loop(comp *C, const cr_expr *e)
{
    uint16_t slot = (uint16_t)e->u.loop.var_slot;
    expr(C, e->u.loop.src);
    emit(C, CR_OP_ITER_INIT, 0, slot, 0, e->span);
    if (e->kind == E_COMP) {
        emit(C, CR_OP_COMP_NEW, 0, slot, 0, e->span);
        uint32_t top = C->n;
        uint32_t next = emit(C, CR_OP_ITER_NEXT, 0, slot, 0, e->span);
        if (e->u.loop.cond) {
            expr(C, e->u.loop.cond);
            emit(C, CR_OP_JUMP_FALSE, 0, 0, top, e->u.loop.cond->span);
        }
        expr(C, e->u.loop.body);
        emit(C, CR_OP_COMP_ADD, 0, 0, 0, e->span);
        emit(C, CR_OP_JUMP, 0, 0, top, e->span);
        patch(C, next);
        return;
    }
    cr_value init = e->u.loop.agg == AGG_COUNT ? cr_int(0) : cr_bool(e->u.loop.agg == AGG_ALL);
    emit(C, CR_OP_CONST, 0, 0, add_const(C, init), e->span);
    uint32_t top = C->n;
    uint32_t next = emit(C, CR_OP_ITER_NEXT, 0, slot, 0, e->span);
    expr(C, e->u.loop.cond);
    uint32_t agg;
    switch (e->u.loop.agg) {
    case AGG_COUNT: agg = emit(C, CR_OP_AGG_COUNT, 0, 0, 0, e->span); break;
    case AGG_ANY: agg = emit(C, CR_OP_AGG_ANY, 0, 0, 0, e->span); break;
    default: agg = emit(C, CR_OP_AGG_ALL, 0, 0, 0, e->span); break;
    }
    emit(C, CR_OP_JUMP, 0, 0, top, e->span);
    patch(C, next);
    if (e->u.loop.agg != AGG_COUNT)
        patch(C, agg);
}

static void expr(comp *C, const cr_expr *e)
{
    cr_value v;
    uint32_t k;
    switch (e->kind) {
    case E_INT: case E_DEC: case E_STR: case E_BOOL: case E_NULL: case E_DATE:
        literal_value(C, e, &v);
        emit(C, CR_OP_CONST, 0, 0, add_const(C, v), e->span);
        return;
    case E_REGEX:
        emit(C, CR_OP_CONST, 0, 0, add_const(C, cr_null()), e->span);
        return;
    case E_TODAY:
        emit(C, CR_OP_TODAY, 0, 0, 0, e->span);
        return;
    case E_NAME:
        switch (e->ref) {
        case REF_LOCAL: emit(C, CR_OP_LOCAL, 0, 0, e->ref_index, e->span); return;
        case REF_INPUT: emit(C, CR_OP_INPUT, 0, 0, e->ref_index, e->span); return;
        case REF_ITEM:
            /* a const built from literals is its value: one CONST, not a
             * let to run and look up */
            if (e->item && const_index(C, e->item, &k)) {
                emit(C, CR_OP_CONST, 0, 0, k, e->span);
                return;
            }
            emit_let(C, e->item, e->span);
            return;
        case REF_LABEL:
            literal_value(C, e, &v);
            emit(C, CR_OP_CONST, 0, 0, add_const(C, v), e->span);
            return;
        default:
            emit(C, CR_OP_CONST, 0, 0, add_const(C, cr_null()), e->span);
            return;
        }
    case E_FIELD:
        if (e->ref == REF_CHARAC) {
            emit_let(C, e->item, e->span);
            emit(C, CR_OP_POP, 0, 0, 0, e->span);
            emit(C, CR_OP_SC_POINTS, 0, 0, e->ref_index, e->span);
        } else if (e->ref == REF_INPUT) {
            emit(C, CR_OP_INPUT, 0, 0, e->ref_index, e->span);
        } else {
            expr(C, e->u.call.recv);
            emit(C, CR_OP_FIELD, 0, 0, e->ref_index, e->span);
        }
        return;
    case E_METHOD:
        emit_let(C, e->item, e->span);
        emit(C, CR_OP_POP, 0, 0, 0, e->span);
        if (strcmp(e->u.call.name, "reasons") == 0) {
            emit(C, CR_OP_CONST, 0, 0, add_const(C, best_points(C, e->item)), e->span);
            expr(C, e->u.call.args.items[0]);
            emit(C, CR_OP_SC_REASONS, 0, 0, e->item->sub_index, e->span);
            return;
        }
        expr(C, e->u.call.args.items[0]);
        emit(C, CR_OP_SC_LOWEST, 0, 0, e->item->sub_index, e->span);
        return;
    case E_CALL:
        if (e->ref == REF_FN) {
            /* inline: all arguments first, then into the parameter slots */
            const cr_param *prm = e->item->params;
            for (uint32_t i = 0; i < e->u.call.args.count; i++, prm = prm ? prm->next : NULL)
                expr_as(C, e->u.call.args.items[i], prm ? prm->resolved : NULL);
            for (uint32_t i = e->u.call.args.count; i-- > 0;)
                emit(C, CR_OP_STORE, 0, 0, e->item->param_slot + i, e->span);
            expr_as(C, e->item->expr, e->type);
        } else {
            for (uint32_t i = 0; i < e->u.call.args.count; i++)
                expr(C, e->u.call.args.items[i]);
            emit(C, CR_OP_CALL, (uint8_t)e->u.call.args.count, 0, (uint32_t)e->builtin, e->span);
            widen(C, e->type, &cr_type_int, e->span);
        }
        return;
    case E_INDEX:
        if (e->u.tri.a->item && e->u.tri.a->item->kind == I_LOOKUP) {
            expr(C, e->u.tri.b);
            emit(C, CR_OP_LOOKUP, 0, 0, e->ref_index, e->span);
            return;
        }
        expr(C, e->u.tri.a);
        expr(C, e->u.tri.b);
        emit(C, CR_OP_INDEX, 0, 0, 0, e->span);
        return;
    case E_HAS:
        expr(C, e->u.tri.b);
        emit(C, CR_OP_HAS, 0, 0, e->ref_index, e->span);
        return;
    case E_SLICE:
        expr(C, e->u.tri.a);
        expr(C, e->u.tri.b);
        expr(C, e->u.tri.c);
        emit(C, CR_OP_SLICE, 0, 0, 0, e->span);
        return;
    case E_UNARY:
        expr(C, e->u.bin.a);
        emit(C, e->u.bin.op == OP_NOT_ ? CR_OP_NOT : CR_OP_NEG, 0, 0, 0, e->span);
        return;
    case E_BINARY:
        expr_binary(C, e);
        return;
    case E_MATCHES:
        expr(C, e->u.tri.a);
        emit(C, CR_OP_MATCH, 0, 0, e->ref_index, e->span);
        return;
    case E_ISNULL:
        expr(C, e->u.tri.a);
        emit(C, CR_OP_IS_NULL, e->u.tri.negate, 0, 0, e->span);
        return;
    case E_BETWEEN: {
        /* x once into a local; x >= lo and x <= hi; not, for `not in`.
         * The comparisons carry x's place, so that explain says "age 70
         * is above 65" as it does of `age > 65`. */
        uint32_t slot = new_local(C);
        cr_span xs = e->u.tri.a->span;
        expr(C, e->u.tri.a);
        emit(C, CR_OP_STORE, 0, 0, slot, xs);
        emit(C, CR_OP_LOCAL, 0, 0, slot, xs);
        expr(C, e->u.tri.b);
        emit(C, CR_OP_GE, 0, 0, 0, xs);
        uint32_t j = emit(C, CR_OP_AND_JUMP, 0, 0, 0, e->span);
        emit(C, CR_OP_LOCAL, 0, 0, slot, xs);
        expr(C, e->u.tri.c);
        emit(C, CR_OP_LE, 0, 0, 0, xs);
        patch(C, j);
        if (e->u.tri.negate)
            emit(C, CR_OP_NOT, 0, 0, 0, e->span);
        return;
    }
    case E_IF: {
        expr(C, e->u.tri.a);
        uint32_t jf = emit(C, CR_OP_JUMP_FALSE, 0, 0, 0, e->span);
        expr_as(C, e->u.tri.b, e->type);
        uint32_t je = emit(C, CR_OP_JUMP, 0, 0, 0, e->span);
        C->depth--; /* only one branch's value is on the stack */
        patch(C, jf);
        expr_as(C, e->u.tri.c, e->type);
        patch(C, je);
        return;
    }
    case E_LIST:
    case E_SET:
        if (literal_value(C, e, &v)) {
            emit(C, CR_OP_CONST, 0, 0, add_const(C, v), e->span);
            return;
        }
        for (uint32_t i = 0; i < e->u.list.count; i++)
            expr_as(C, e->u.list.items[i], e->type ? e->type->elem : NULL);
        emit(C, CR_OP_LIST, 0, 0, e->u.list.count, e->span);
        return;
    case E_AGG:
    case E_COMP:
        expr_loop(C, e);
        return;
    case E_ADMISSION:
        emit(C, CR_OP_ADMISSION, (uint8_t)e->ref_index, 0, 0, e->span);
        return;
    }
}

/* ---- items ---- */

static uint32_t new_local(comp *C) { return C->nlocals++; }

static void begin_region(comp *C)
{
    C->depth = 0;
    C->max_depth = 0;
    C->region_start = C->n;
}

/* After the code's HALT or LET_END, which leave its stack empty. */
static void end_region(comp *C)
{
    CR_ASSERT(C->oom || C->depth == 0);
    C->stack_total += (uint32_t)C->max_depth + 1;
}

static char *upper_code(comp *C, const char *prefix, const char *name)
{
    size_t n = strlen(prefix) + strlen(name);
    char *s = palloc(C, n + 1);
    if (!s)
        return (char *)"";
    snprintf(s, n + 1, "%s%s", prefix, name);
    for (char *p = s; *p; p++) {
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
        else if (*p == '.')
            *p = '_';
    }
    return s;
}

/* The most points each characteristic of scorecard `it` can take, in
 * its order: what score.reasons(k) measures each one's loss against. */
static cr_value best_points(comp *C, const cr_item *it)
{
    uint32_t n = 0;
    for (const cr_charac *c = it->characs; c; c = c->next)
        n++;
    cr_value *items = palloc(C, (n ? n : 1) * sizeof *items);
    if (!items)
        return cr_list(NULL, 0);
    n = 0;
    for (const cr_charac *c = it->characs; c; c = c->next, n++) {
        items[n] = cr_int(0);
        bool first = true;
        for (const cr_bin *b = c->bins; b; b = b->next) {
            cr_value pts;
            if (literal_value(C, b->points, &pts) && (first || cr_num_cmp(pts, items[n]) > 0))
                items[n] = pts;
            first = false;
        }
    }
    return cr_list(items, n);
}

static void compile_scorecard(comp *C, const cr_item *it)
{
    cr_program *P = C->P;
    cr_scorecard_info *si = &P->scorecards[it->sub_index];
    si->name = it->name;
    si->first = UINT32_MAX;
    cr_value base;
    literal_value(C, it->base, &base);
    emit(C, CR_OP_CONST, 0, 0, add_const(C, base), it->base->span);
    uint32_t slot = new_local(C);
    for (const cr_charac *c = it->characs; c; c = c->next) {
        if (si->first == UINT32_MAX)
            si->first = c->index;
        si->count++;
        cr_charac_info *ci = &P->characs[c->index];
        ci->name = c->name;
        ci->code = c->code ? c->code : upper_code(C, "SC_", c->name);
        if (c->ref->ref == REF_INPUT) {
            ci->src_kind = CHARAC_SRC_INPUT;
            ci->src_index = c->ref->ref_index;
        } else if (c->ref->ref == REF_ITEM && c->ref->item) {
            ci->src_kind = CHARAC_SRC_LET;
            ci->src_index = c->ref->item->index;
        }
        uint32_t nb = 0;
        for (const cr_bin *b = c->bins; b; b = b->next)
            nb++;
        ci->nbins = nb;
        ci->bin_spans = palloc(C, (nb ? nb : 1) * sizeof *ci->bin_spans);
        operand v = cell_operand(C, c->ref, slot, c->bins && c->bins->cell.kind != CELL_ANY);
        jumps done = {NULL, 0, 0};
        /* the `null` bin, wherever it is written, is tested first: no
         * other bin matches a missing value, and none of their tests
         * then meets one */
        uint32_t bi = 0;
        for (int pass = 0; pass < 2; pass++, bi = 0)
        for (const cr_bin *b = c->bins; b; b = b->next, bi++) {
            if ((b->cell.kind == CELL_NULL) != (pass == 0))
                continue;
            if (ci->bin_spans)
                ci->bin_spans[bi] = b->span;
            jumps fails = {NULL, 0, 0};
            cell_test(C, &b->cell, v, &fails, false);
            cr_value pts;
            literal_value(C, b->points, &pts);
            emit(C, CR_OP_CONST, 0, 0, add_const(C, pts), b->points->span);
            emit(C, CR_OP_SC_MARK, 0, (uint16_t)c->index, bi, b->span);
            emit(C, CR_OP_ADD, 0, 0, 0, b->span);
            add_jump(C, &done, emit(C, CR_OP_JUMP, 0, 0, 0, b->span));
            patch_all(C, &fails);
        }
        char msg[200];
        snprintf(msg, sizeof msg, "no bin of characteristic %s in scorecard %s matches", c->name, it->name);
        const char *m = cr_arena_strndup(&P->arena, msg, strlen(msg));
        emit(C, CR_OP_FAIL, 0, 0, const_text(C, m ? m : "no bin matches"), c->name_span);
        patch_all(C, &done);
    }
}

static void compile_segment(comp *C, const cr_item *it)
{
    cr_program *P = C->P;
    cr_segment_info *si = &P->segments[it->sub_index];
    si->name = it->name;
    uint32_t n = 0;
    for (const cr_seg_row *r = it->seg_rows; r; r = r->next)
        n++;
    si->nrows = n;
    si->labels = palloc(C, (n ? n : 1) * sizeof *si->labels);
    si->row_spans = palloc(C, (n ? n : 1) * sizeof *si->row_spans);
    if (!si->labels || !si->row_spans)
        return;
    jumps done = {NULL, 0, 0};
    uint32_t i = 0;
    for (const cr_seg_row *r = it->seg_rows; r; r = r->next, i++) {
        si->labels[i] = r->label;
        si->row_spans[i] = r->span;
        uint32_t jf = UINT32_MAX;
        if (r->cond) {
            expr(C, r->cond);
            jf = emit(C, CR_OP_JUMP_FALSE, 0, 0, 0, r->span);
        }
        emit(C, CR_OP_SEG_MARK, 0, (uint16_t)it->sub_index, i, r->span);
        emit(C, CR_OP_CONST, 0, 0, const_text(C, r->label), r->span);
        add_jump(C, &done, emit(C, CR_OP_JUMP, 0, 0, 0, r->span));
        C->depth--;
        if (jf != UINT32_MAX)
            patch(C, jf);
        if (!r->cond)
            break;
    }
    char msg[160];
    snprintf(msg, sizeof msg, "no row of segment %s matches", it->name);
    const char *m = cr_arena_strndup(&P->arena, msg, strlen(msg));
    emit(C, CR_OP_FAIL, 0, 0, const_text(C, m ? m : "no row matches"), it->name_span);
    C->depth++;
    patch_all(C, &done);
}

/* A row's outputs: one value, or each named output in order, made a record. */
static void table_outputs(comp *C, const cr_item *it, const cr_table_row *r)
{
    const cr_type *out = it->value_type;
    if (it->hit == HIT_COLLECT || it->hit == HIT_RULE_ORDER || it->hit == HIT_OUTPUT_ORDER)
        out = it->hit == HIT_COLLECT && it->collect == COLLECT_COUNT ? NULL
            : it->hit != HIT_COLLECT || it->collect == COLLECT_LIST ? (out ? out->elem : NULL) : out;
    if (it->type && it->type->kind == TE_RECORD && it->type->outputs && out && out->kind == CR_T_RECORD && out->rec) {
        for (uint32_t k = 0; k < r->outs.count && k < out->rec->nfields; k++)
            expr_as(C, r->outs.items[k], out->rec->fields[k].type);
        emit(C, CR_OP_RECORD, 0, 0, out->rec->nfields, r->span);
        return;
    }
    expr_as(C, r->out, out);
}

static void compile_table(comp *C, const cr_item *it)
{
    cr_program *P = C->P;
    cr_table_info *ti = &P->tables[it->sub_index];
    ti->name = it->name;
    ti->hit = (uint8_t)it->hit;
    ti->collect = (uint8_t)it->collect;
    ti->out = it->value_type;
    uint32_t n = 0;
    for (const cr_table_row *r = it->rows; r; r = r->next)
        n++;
    ti->nrows = n;
    if (n > P->max_table_rows)
        P->max_table_rows = n;
    ti->row_spans = palloc(C, (n ? n : 1) * sizeof *ti->row_spans);
    uint32_t base = C->nlocals;
    C->nlocals += it->inputs.count;
    operand *cols = calloc(it->inputs.count ? it->inputs.count : 1, sizeof *cols);
    if (!cols) {
        C->oom = true;
        return;
    }
    /* A let in a column is computed by the first row that tests it, or
     * not at all when no row gets that far: a let is computed when
     * something needs it, and nothing reads a table's inputs afterwards. */
    for (uint32_t i = 0; i < it->inputs.count; i++)
        cols[i] = cell_operand(C, it->inputs.items[i], base + i, true);
    emit(C, CR_OP_TBL_START, 0, 0, it->sub_index, it->name_span);
    jumps done = {NULL, 0, 0};
    uint32_t ri = 0;
    for (const cr_table_row *r = it->rows; r; r = r->next, ri++) {
        if (ti->row_spans)
            ti->row_spans[ri] = r->span;
        jumps fails = {NULL, 0, 0};
        if (r->is_default && it->hit != HIT_FIRST) {
            /* the default row: only when no other row matched (a first-hit
             * table jumps past it from every row that matches) */
            emit(C, CR_OP_TBL_NONE, 0, 0, it->sub_index, r->span);
            add_jump(C, &fails, emit(C, CR_OP_JUMP_FALSE, 0, 0, 0, r->span));
        }
        for (uint32_t i = 0; i < r->ncells && i < it->inputs.count; i++)
            cell_test(C, &r->cells[i], cols[i], &fails,
                      it->inputs.items[i]->type && it->inputs.items[i]->type->optional);
        table_outputs(C, it, r);
        emit(C, CR_OP_TBL_MATCH, 0, (uint16_t)it->sub_index, ri, r->span);
        if (it->hit == HIT_FIRST)
            add_jump(C, &done, emit(C, CR_OP_JUMP, 0, 0, 0, r->span));
        patch_all(C, &fails);
    }
    patch_all(C, &done);
    emit(C, CR_OP_TBL_END, 0, 0, it->sub_index, it->name_span);
    free(cols);
}

static void compile_let_body(comp *C, cr_item *it)
{
    cr_program *P = C->P;
    cr_let_info *li = &P->lets[it->index];
    li->name = it->name;
    li->pc = C->n;
    li->type = it->value_type;
    li->span = it->name_span;
    begin_region(C);
    switch (it->kind) {
    case I_CONST: {
        uint32_t k;
        li->kind = LET_CONST;
        if (const_index(C, it, &k))
            emit(C, CR_OP_CONST, 0, 0, k, it->expr->span);
        else
            expr(C, it->expr);
        break;
    }
    case I_LET: li->kind = LET_PLAIN; expr(C, it->expr); break;
    case I_RESULT: li->kind = LET_RESULT; expr(C, it->expr); break;
    case I_SCORECARD: li->kind = LET_SCORECARD; li->index = it->sub_index; compile_scorecard(C, it); break;
    case I_SEGMENT: li->kind = LET_SEGMENT; li->index = it->sub_index; compile_segment(C, it); break;
    case I_TABLE: li->kind = LET_TABLE; li->index = it->sub_index; compile_table(C, it); break;
    default: break;
    }
    emit(C, CR_OP_LET_END, 0, 0, it->index, it->name_span);
    end_region(C);
}

static void compile_rule(comp *C, const cr_rule_decl *r, bool in_admission)
{
    cr_program *P = C->P;
    cr_rule_info *ri = &P->rules[P->nrules];
    ri->code = r->code;
    ri->desc = r->desc;
    ri->kind = (uint8_t)r->kind;
    ri->in_admission = in_admission;
    ri->span = r->span;
    expr(C, r->cond);
    emit(C, CR_OP_FIRE, 0, 0, P->nrules, r->span);
    P->nrules++;
}

static void compile_decide(comp *C, const cr_item *it)
{
    cr_program *P = C->P;
    uint32_t n = 0;
    for (const cr_decide_row *r = it->decide; r; r = r->next)
        n++;
    P->decide_spans = palloc(C, (n ? n : 1) * sizeof *P->decide_spans);
    if (!P->decide_spans)
        return;
    P->ndecide = n;
    uint32_t row = 0;
    for (const cr_decide_row *r = it->decide; r; r = r->next, row++) {
        P->decide_spans[row] = r->span;
        uint32_t jf = UINT32_MAX;
        if (r->cond) {
            expr(C, r->cond);
            jf = emit(C, CR_OP_JUMP_FALSE, 0, 0, 0, r->span);
        }
        for (uint32_t i = 0; i < r->reasons.count; i++)
            expr(C, r->reasons.items[i]);
        emit(C, CR_OP_REASONS, 0, 0, r->reasons.count, r->span);
        emit(C, CR_OP_DECIDE, (uint8_t)r->outcome, 0, row, r->span);
        if (jf != UINT32_MAX)
            patch(C, jf);
    }
}

static bool generate(comp *C, cr_policy_ast *ast, const cr_sema_out *so)
{
    cr_program *P = C->P;
    P->lets = palloc(C, (so->nlets ? so->nlets : 1) * sizeof *P->lets);
    C->const_of_let = palloc(C, (so->nlets ? so->nlets : 1) * sizeof *C->const_of_let);
    P->scorecards = palloc(C, (so->nscorecards ? so->nscorecards : 1) * sizeof *P->scorecards);
    P->characs = palloc(C, (so->ncharacs ? so->ncharacs : 1) * sizeof *P->characs);
    P->segments = palloc(C, (so->nsegments ? so->nsegments : 1) * sizeof *P->segments);
    P->tables = palloc(C, (so->ntables ? so->ntables : 1) * sizeof *P->tables);
    uint32_t nrules = 0, nresults = 0;
    for (cr_item *it = ast->items; it; it = it->next) {
        if (it->kind == I_ADMISSION || it->kind == I_RULE)
            for (cr_rule_decl *r = it->rules; r; r = r->next)
                nrules++;
        if (it->kind == I_RESULT || it->kind == I_SCORECARD || it->kind == I_SEGMENT)
            nresults++;
    }
    P->rules = palloc(C, (nrules ? nrules : 1) * sizeof *P->rules);
    P->results = palloc(C, (nresults ? nresults : 1) * sizeof *P->results);
    if (C->oom)
        return false;
    P->nlets = so->nlets;
    P->nscorecards = so->nscorecards;
    P->ncharacs = so->ncharacs;
    P->nsegments = so->nsegments;
    P->ntables = so->ntables;
    C->nlocals = so->nlocals;

    /* main: admission rules, other rules, results, decide */
    begin_region(C);
    for (cr_item *it = ast->items; it; it = it->next)
        if (it->kind == I_ADMISSION)
            for (cr_rule_decl *r = it->rules; r; r = r->next)
                compile_rule(C, r, true);
    for (cr_item *it = ast->items; it; it = it->next)
        if (it->kind == I_RULE)
            compile_rule(C, it->rules, false);
    for (cr_item *it = ast->items; it; it = it->next) {
        if (it->kind == I_RESULT || it->kind == I_SCORECARD || it->kind == I_SEGMENT) {
            P->results[P->nresults++] = it->index;
            emit_let(C, it, it->name_span);
            emit(C, CR_OP_POP, 0, 0, 0, it->name_span);
        }
    }
    for (cr_item *it = ast->items; it; it = it->next)
        if (it->kind == I_DECIDE) {
            P->has_decide = true;
            compile_decide(C, it);
        }
    emit(C, CR_OP_HALT, 0, 0, 0, ast->header_span);
    end_region(C);

    for (cr_item *it = ast->items; it; it = it->next)
        switch (it->kind) {
        case I_CONST: case I_LET: case I_RESULT: case I_SCORECARD: case I_SEGMENT: case I_TABLE:
            compile_let_body(C, it);
            break;
        default:
            break;
        }
    return !C->oom;
}

cr_program *cr_compile(const char *file, const char *src, size_t len, cr_diags *diags)
{
    if (len > CR_MAX_SOURCE) {
        cr_span sp = {0, 0};
        cr_diag(diags, CR_SEV_ERROR, sp, "the policy is %zu bytes, more than the maximum policy size, 16 MiB (%zu bytes)",
                len, CR_MAX_SOURCE);
        return NULL;
    }
    cr_program *P = calloc(1, sizeof *P);
    if (!P)
        return NULL;
    cr_arena_init(&P->arena, 64 * 1024, 0);
    char *src_copy = cr_arena_strndup(&P->arena, src, len);
    const char *file_copy = cr_arena_strndup(&P->arena, file, strlen(file));
    cr_policy_ast *ast = cr_arena_calloc(&P->arena, sizeof *ast);
    if (!src_copy || !file_copy || !ast) {
        cr_program_free(P);
        return NULL;
    }
    P->file = file_copy;
    P->src = src_copy;
    P->len = len;
    uint8_t digest[CR_SHA256_LEN];
    cr_sha256(src, len, digest);
    cr_sha256_hex(digest, P->sha256);

    cr_parse_ctx pc;
    memset(&pc, 0, sizeof pc);
    pc.arena = &P->arena;
    pc.diags = diags;
    pc.src = src_copy;
    pc.len = len;
    pc.ast = ast;
    if (!cr_parse(&pc)) {
        cr_program_free(P);
        return NULL;
    }
    cr_sema_out so;
    memset(&so, 0, sizeof so);
    bool ok = cr_sema(ast, &P->arena, diags, &so);
    P->regex = so.regex;
    P->regex_src = so.regex_src;
    P->regex_len = so.regex_len;
    P->nregex = so.nregex;
    /* the lookups' data is read even after an error elsewhere, so one
     * `credo check` reports a bad table along with the policy's mistakes */
    P->nlookups = so.nlookups;
    P->lookups = cr_arena_calloc(&P->arena, (so.nlookups ? so.nlookups : 1) * sizeof *P->lookups);
    if (!P->lookups) {
        cr_diag(diags, CR_SEV_ERROR, ast->header_span, "out of memory while reading the lookups");
        ok = false;
    } else if (!cr_lookups_load(P, ast, diags)) {
        ok = false;
    }
    if (!ok) {
        cr_program_free(P);
        return NULL;
    }
    P->name = ast->name;
    P->title = ast->title;
    P->version = ast->version;
    P->owner = ast->owner;
    P->effective = ast->effective;
    P->has_effective = ast->has_effective;
    P->input = so.input;
    P->input_name = so.input_name;
    P->key = so.key;

    comp C;
    memset(&C, 0, sizeof C);
    C.P = P;
    C.diags = diags;
    if (!generate(&C, ast, &so)) {
        free(C.code);
        free(C.spans);
        free(C.consts);
        cr_diag(diags, CR_SEV_ERROR, ast->header_span, "out of memory while compiling");
        cr_program_free(P);
        return NULL;
    }
    /* move the code and constants into the program's arena */
    P->code = cr_arena_alloc(&P->arena, (C.n ? C.n : 1) * sizeof *P->code);
    P->spans = cr_arena_alloc(&P->arena, (C.n ? C.n : 1) * sizeof *P->spans);
    P->consts = cr_arena_alloc(&P->arena, (C.nconsts ? C.nconsts : 1) * sizeof *P->consts);
    if (P->code && P->spans && P->consts) {
        memcpy(P->code, C.code, C.n * sizeof *P->code);
        memcpy(P->spans, C.spans, C.n * sizeof *P->spans);
        if (C.nconsts)
            memcpy(P->consts, C.consts, C.nconsts * sizeof *P->consts);
    }
    free(C.code);
    free(C.spans);
    free(C.consts);
    if (!P->code || !P->spans || !P->consts) {
        cr_program_free(P);
        return NULL;
    }
    P->ncode = C.n;
    P->nconsts = C.nconsts;
    P->nlocals = C.nlocals;
    P->max_stack = C.stack_total + 16;
    if (!cr_program_identity(P)) {   /* what runs, for every decision's record */
        cr_program_free(P);
        return NULL;
    }
    return P;
}

void cr_program_free(cr_program *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->nregex; i++)
        pcre2_code_free(p->regex[i]);
    cr_arena_free(&p->arena);
    free(p);
}

char *cr_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        if ((uint64_t)st.st_size > CR_MAX_FILE) {
            fclose(f);
            errno = EFBIG;
            return NULL;
        }
        cap = (size_t)st.st_size + 2;   /* the whole file at once, and room to see its end */
    }
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n + 1 < cap) {
            if (ferror(f)) {
                free(buf);
                buf = NULL;
            }
            break;
        }
        if (n > CR_MAX_FILE) {
            free(buf);
            buf = NULL;
            errno = EFBIG;
            break;
        }
        cap = cap > (CR_MAX_FILE + 2) / 2 ? CR_MAX_FILE + 2 : cap * 2;
        char *nb = realloc(buf, cap);
        if (!nb) {
            free(buf);
            buf = NULL;
            errno = ENOMEM;
        }
        buf = nb;
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    *len = n;
    return buf;
}
