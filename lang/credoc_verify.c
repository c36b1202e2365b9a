/* The bytecode verifier: what a program read from a .credoc must satisfy
 * before the VM may run it.
 *
 * runtime/vm/vm.c trusts its code completely (that is what makes it fast): it
 * indexes constants, slots and tables without checks, reads a condition's
 * bool without looking at its tag, walks `items` of whatever it is told is
 * a list, appends to comprehension lists without a bound.  Code from the
 * compiler deserves that trust; code from a file does not.  So this file
 * proves, for every path through the code, what the VM assumes:
 *
 *  - every opcode exists and every operand is in range; jumps stay inside
 *    the main code or the one let they belong to; each let's code ends in
 *    its LET_END, the main code in HALT;
 *  - the stack never goes below the start of its code, never beyond
 *    max_stack, and has one depth at each instruction whatever the path;
 *  - values are used as the VM reads them.  An abstract interpretation
 *    tracks each stack slot and local as a *shape*: the tags its value may
 *    have and, for lists and records, the shapes of their items.  A
 *    condition must be a bool (or null), only lists and sets are indexed or
 *    walked, a record must have the field asked for, a local is read only
 *    after this let wrote it (locals keep values of earlier applications);
 *  - the few counters the VM keeps without bounds cannot overflow: a rule
 *    fires at most once (rule numbers rise along every path of the main
 *    code), a table row matches at most once between TBL_START and TBL_END,
 *    a comprehension appends at most one item per item it walks (the list
 *    COMP_NEW made has room for exactly that many), and a count starts from
 *    a small constant;
 *  - every named result is computed on every path that reaches a decision
 *    (the decision record reads it);
 *  - LOOKUP and HAS name a lookup that exists; a LOOKUP gives a row of that
 *    table's record type or null, and every stored row is such a row under
 *    a text key (FIELD then reads its columns as the type says).
 *
 * Lets are verified callees first (the compiler's lets never call each
 * other in a cycle), so a LET's result has the shape its code produces. */
#include "lang/credoc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/core/check.h"
#include "stdlib/stdlib.h"

/* A switch over opcodes or operand kinds lists every one: a new opcode
 * without its case here does not compile. */
#pragma GCC diagnostic error "-Wswitch"

/* Values nest deeper than this only in a program built to exhaust the VM's
 * recursion (equality and JSON output recurse into lists). */
#define MAX_SHAPE_DEPTH 48
/* Bounds that no compiled policy comes near and that keep a hostile file
 * from making verification itself slow or huge. */
#define MAX_STATE_SLOTS (1u << 24)
#define MAX_WRITE_SETS (1u << 24)
#define MAX_LOCALS 65539u

#define TAG(t) ((uint16_t)(1u << (t)))
#define T_NUM (TAG(CR_INT) | TAG(CR_DEC))
#define T_SEQ (TAG(CR_LIST) | TAG(CR_SET))
#define T_BOOLISH (TAG(CR_BOOL) | TAG(CR_NULL))
#define T_ALL ((uint16_t)((1u << (CR_REGEX + 1)) - 1))

/* What a value may be: its possible tags and, when it may be a list or
 * set, the shape of every item; when it may be a record, the first
 * nfields fields it surely has. */
typedef struct shape {
    uint16_t tags;
    uint8_t depth;
    uint32_t nfields;
    const struct shape *elem;           /* NULL: no item can exist */
    const struct shape *const *fields;
} shape;

enum { F_MAY_ADD = 1, F_SMALL = 2 };

/* A stack slot.  `comp` marks the one slot holding a list COMP_NEW made
 * (its iteration's ITER_INIT pc + 1); F_MAY_ADD says an ITER_NEXT has
 * produced an item since the last COMP_ADD to it. */
typedef struct slot {
    const shape *sh;
    uint32_t comp;
    uint16_t comp_b;
    uint8_t flags;
} slot;

enum { ROLE_PLAIN, ROLE_ITER_LIST, ROLE_ITER_POS };

/* A local: NULL shape until this code writes it.  Locals b and b+1 of an
 * iteration carry its ITER_INIT pc + 1 while nothing else wrote them. */
typedef struct local {
    const shape *sh;
    uint32_t iter;
    uint8_t role;
} local;

typedef struct state {
    bool reached;
    uint32_t depth;
    int32_t last_fire;      /* highest rule fired so far, -1 none */
    int32_t tbl_open;       /* table between TBL_START and TBL_END: -1 none, -2 paths disagree */
    int32_t tbl_last;       /* highest row of it matched so far */
    const shape *tbl_sh;    /* the outputs of its rows that matched */
    slot *stack;
    local *locals;
} state;

typedef struct region {
    uint32_t start, end;    /* instructions [start, end) */
    int32_t let;            /* -1: the main code */
} region;

typedef struct ver {
    const cr_program *P;
    char *err;
    size_t errsize;
    bool failed;
    cr_arena arena;

    region *regions;        /* in code order; regions[0] is the main code */
    uint32_t nregions;
    uint32_t *let_region;   /* let -> its region */
    const shape **let_shape;
    const shape **const_shape;
    const shape **input_shape;
    const shape **lookup_shape; /* per lookup: its row, or null */
    uint32_t **writes;      /* per let: every local it or a let it asks for may write */
    uint32_t *nwrites;
    uint64_t write_total;

    /* the region being analysed */
    const region *R;
    int32_t *lmap;          /* local -> index in state.locals, -1 */
    uint32_t nref;
    uint32_t *ref;          /* the locals it references */
    int32_t *join_at;       /* pc - R->start -> join point number, -1 */
    state *joins;
    uint32_t *work;
    uint32_t nwork;
    bool *queued;
    uint64_t slots_used;
    uint64_t steps, max_steps;
    uint32_t max_depth;     /* deepest stack of this region */
    uint64_t depth_total;   /* sum over regions */
    uint32_t depth_before;  /* the stack depth before the instruction being stepped */
    state cur;              /* the state being stepped: max_stack slots, every local */
} ver;

static const shape bottom = {0, 0, 0, NULL, NULL};
static const shape s_null = {TAG(CR_NULL), 0, 0, NULL, NULL};
static const shape s_bool = {TAG(CR_BOOL), 0, 0, NULL, NULL};
static const shape s_int = {TAG(CR_INT), 0, 0, NULL, NULL};
static const shape s_dec = {TAG(CR_DEC), 0, 0, NULL, NULL};
static const shape s_num = {T_NUM, 0, 0, NULL, NULL};
static const shape s_points = {T_NUM | TAG(CR_NULL), 0, 0, NULL, NULL};
static const shape s_text = {TAG(CR_TEXT), 0, 0, NULL, NULL};
static const shape s_date = {TAG(CR_DATE), 0, 0, NULL, NULL};
static const shape s_texts = {TAG(CR_LIST), 1, 0, &s_text, NULL};

static bool fail(ver *V, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(ver *V, const char *fmt, ...)
{
    if (V->failed)
        return false;
    V->failed = true;
    int n = snprintf(V->err, V->errsize, "credoc: ");
    if (n < 0 || (size_t)n >= V->errsize)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(V->err + n, V->errsize - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

static void *v_alloc(ver *V, size_t n)
{
    void *p = cr_arena_calloc(&V->arena, n ? n : 1);
    if (!p)
        fail(V, "out of memory while verifying the program");
    return p;
}

static const char *op_name(uint8_t op) { return op < CR_OP__COUNT ? cr_opcode_names[op] : "?"; }

/* "let dti" or "the main code": where an instruction lives, for messages. */
static const char *region_name(const ver *V, const region *R, char *buf, size_t size)
{
    if (R->let < 0)
        snprintf(buf, size, "the main code");
    else
        snprintf(buf, size, "let %s", V->P->lets[R->let].name);
    return buf;
}

/* ---- shapes ------------------------------------------------------------ */

/* A new shape, refused when it nests too deep for the VM's recursion. */
static const shape *mk(ver *V, uint16_t tags, const shape *elem, uint32_t nfields, const shape *const *fields)
{
    shape tmp = {tags, 0, (tags & TAG(CR_RECORD)) ? nfields : 0, (tags & T_SEQ) ? elem : NULL,
                 (tags & TAG(CR_RECORD)) ? fields : NULL};
    unsigned d = 0;
    if (tmp.elem)
        d = tmp.elem->depth + 1u;
    if (tags & TAG(CR_RECORD)) {
        if (d < 1)
            d = 1;
        for (uint32_t i = 0; i < tmp.nfields; i++)
            if (fields[i]->depth + 1u > d)
                d = fields[i]->depth + 1u;
    }
    if (d > MAX_SHAPE_DEPTH) {
        fail(V, "values would nest more than %d deep", MAX_SHAPE_DEPTH);
        return NULL;
    }
    tmp.depth = (uint8_t)d;
    shape *s = v_alloc(V, sizeof *s);
    if (s)
        *s = tmp;
    return s;
}

static const shape *list_of(ver *V, const shape *elem) { return mk(V, TAG(CR_LIST), elem, 0, NULL); }

/* Is every value of shape a also of shape b? */
static bool shape_le(const shape *a, const shape *b)
{
    if (a == b || a->tags == 0)
        return true;
    if ((a->tags & b->tags) != a->tags)
        return false;
    if ((a->tags & T_SEQ) && a->elem && !(b->elem && shape_le(a->elem, b->elem)))
        return false;
    if (a->tags & TAG(CR_RECORD)) {
        if (b->nfields > a->nfields)
            return false;
        for (uint32_t i = 0; i < b->nfields; i++)
            if (!shape_le(a->fields[i], b->fields[i]))
                return false;
    }
    return true;
}

/* The least shape holding both; returns a itself when b adds nothing, so
 * a caller sees a change as a different pointer. */
static const shape *join(ver *V, const shape *a, const shape *b)
{
    if (!a || !b || V->failed)
        return a ? a : b;
    if (shape_le(b, a))
        return a;
    if (shape_le(a, b))
        return b;
    const shape *elem = a->elem ? (b->elem ? join(V, a->elem, b->elem) : a->elem) : b->elem;
    uint32_t nf = 0;
    const shape **fields = NULL;
    bool ra = a->tags & TAG(CR_RECORD), rb = b->tags & TAG(CR_RECORD);
    if (ra && rb) {
        /* records of two layouts: only the fields both surely have */
        nf = a->nfields < b->nfields ? a->nfields : b->nfields;
        fields = v_alloc(V, nf * sizeof *fields);
        for (uint32_t i = 0; fields && i < nf; i++)
            fields[i] = join(V, a->fields[i], b->fields[i]);
    } else if (ra || rb) {
        const shape *r = ra ? a : b;
        nf = r->nfields;
        fields = (const shape **)r->fields;
    }
    if (V->failed)
        return a;
    return mk(V, a->tags | b->tags, elem, nf, fields);
}

static const shape *without(ver *V, const shape *s, uint16_t tags)
{
    if (!(s->tags & tags))
        return s;
    return mk(V, (uint16_t)(s->tags & ~tags), s->elem, s->nfields, s->fields);
}

/* The items of a list or set of this shape (a record's are never walked). */
static const shape *elem_of(const shape *s)
{
    return (s->tags & T_SEQ) && s->elem ? s->elem : &bottom;
}

static const shape *type_shape(ver *V, const cr_type *t, unsigned depth);

static const shape *record_shape(ver *V, const cr_record *r, unsigned depth)
{
    const shape **fields = v_alloc(V, r->nfields * sizeof *fields);
    for (uint32_t i = 0; fields && i < r->nfields && !V->failed; i++)
        fields[i] = type_shape(V, r->fields[i].type, depth + 1);
    if (V->failed)
        return &bottom;
    return mk(V, TAG(CR_RECORD), NULL, r->nfields, fields);
}

/* What the JSON reader can put in a slot of type t (runtime/io/json_read.c). */
static const shape *type_shape(ver *V, const cr_type *t, unsigned depth)
{
    if (depth > MAX_SHAPE_DEPTH) {
        fail(V, "the input's types nest more than %d deep", MAX_SHAPE_DEPTH);
        return &bottom;
    }
    uint16_t opt = t->optional ? TAG(CR_NULL) : 0;
    const shape *s;
    switch (t->kind) {
    case CR_T_BOOL: s = &s_bool; break;
    case CR_T_INT: s = &s_int; break;
    case CR_T_DEC: s = &s_dec; break;
    case CR_T_TEXT: s = &s_text; break;
    case CR_T_DATE: s = &s_date; break;
    case CR_T_LIST:
        if (!t->elem) {
            fail(V, "an input list has no item type");
            return &bottom;
        }
        s = list_of(V, type_shape(V, t->elem, depth + 1));
        break;
    case CR_T_RECORD:
        if (!t->rec) {
            fail(V, "an input record has no fields");
            return &bottom;
        }
        s = record_shape(V, t->rec, depth);
        break;
    default:
        fail(V, "an input field has a type the JSON reader cannot fill");
        return &bottom;
    }
    if (!s)
        return &bottom;
    return opt ? mk(V, (uint16_t)(s->tags | opt), s->elem, s->nfields, s->fields) : s;
}

static const shape *value_shape(ver *V, cr_value v, unsigned depth)
{
    if (depth > MAX_SHAPE_DEPTH) {
        fail(V, "a constant nests more than %d deep", MAX_SHAPE_DEPTH);
        return &bottom;
    }
    switch ((cr_tag)v.tag) {
    case CR_NULL: return &s_null;
    case CR_BOOL: return &s_bool;
    case CR_INT: return &s_int;
    case CR_DEC: return &s_dec;
    case CR_TEXT: return &s_text;
    case CR_DATE: return &s_date;
    case CR_REGEX: return mk(V, TAG(CR_REGEX), NULL, 0, NULL);
    case CR_LIST:
    case CR_SET: {
        const shape *e = NULL;
        for (uint32_t i = 0; i < v.len && !V->failed; i++) {
            const shape *x = value_shape(V, v.u.items[i], depth + 1);
            e = e ? join(V, e, x) : x;
        }
        return V->failed ? &bottom : mk(V, TAG(v.tag), e, 0, NULL);
    }
    case CR_RECORD: {
        const shape **fields = v_alloc(V, v.len * sizeof *fields);
        for (uint32_t i = 0; fields && i < v.len && !V->failed; i++)
            fields[i] = value_shape(V, v.u.items[i], depth + 1);
        return V->failed ? &bottom : mk(V, TAG(CR_RECORD), NULL, v.len, fields);
    }
    }
    fail(V, "a constant has tag %u", v.tag);
    return &bottom;
}

/* ---- static checks, one instruction at a time ---------------------------- */

static bool check_index(ver *V, uint32_t pc, const char *what, uint64_t i, uint64_t n, const char *of)
{
    if (i < n)
        return true;
    return fail(V, "instruction %u (%s) uses %s %llu, past the end (%llu %s)", pc, op_name(V->P->code[pc].op),
                what, (unsigned long long)i, (unsigned long long)n, of);
}

/* The table a let owns: TBL_* instructions for it may appear only there. */
static bool owns_table(const ver *V, const region *R, uint32_t t)
{
    return R->let >= 0 && V->P->lets[R->let].kind == LET_TABLE && V->P->lets[R->let].index == t;
}

/* Operand `which` (0 a, 1 b, 2 c) of instruction pc against what its kind
 * in lang/opcodes.h allows: for most kinds a range, "index < count of X"
 * (cr_operand_limit), and for some more than that. */
static bool check_operand(ver *V, const region *R, uint32_t pc, unsigned which)
{
    const cr_program *P = V->P;
    const cr_ins *in = &P->code[pc];
    cr_operand_kind k = (cr_operand_kind)cr_ops[in->op].operand[which];
    const cr_operand_kind_info *ki = &cr_operand_kinds[k];
    uint32_t v = cr_operand_value(in, which);
    char rn[160];
    switch (k) {
    case CR_OPND_NONE:   /* checked with the other unused operands */
    case CR_OPND_COUNT:  /* bounded by the stack it pops */
    case CR_OPND_FIELD:  /* checked against the record's shape when it runs */
        return true;
    case CR_OPND_ARGC: { /* c, the built-in, is checked first */
        const cr_builtin *bi = &cr_builtins[in->c];
        if (!cr_operand_in_range(P, in, which))
            return fail(V, "instruction %u calls %s with %u arguments; it takes %u to %u", pc, bi->name, in->a,
                        bi->min_args, bi->max_args);
        return true;
    }
    case CR_OPND_FLAG:
        return cr_operand_in_range(P, in, which) ||
               fail(V, "instruction %u (%s) has a=%u; it takes 0 or 1", pc, op_name(in->op), in->a);
    case CR_OPND_MEMBER:
        return cr_operand_in_range(P, in, which) ||
               fail(V, "instruction %u (%s) asks for member %u; there are %d", pc, op_name(in->op), in->a, ADM_COUNT);
    case CR_OPND_OUTCOME:
        return cr_operand_in_range(P, in, which) ||
               fail(V, "instruction %u (%s) has outcome %u; there are 3", pc, op_name(in->op), in->a);
    case CR_OPND_TARGET:
        if (v >= P->ncode)
            return fail(V, "jump at instruction %u goes to %u, past the end (%u instructions)", pc, v, P->ncode);
        if (v < R->start || v >= R->end)
            return fail(V, "jump at instruction %u goes to %u, outside %s (instructions %u to %u)", pc, v,
                        region_name(V, R, rn, sizeof rn), R->start, R->end - 1);
        return true;
    case CR_OPND_OWN_LET:
        if (R->let < 0 || v != (uint32_t)R->let || pc != R->end - 1)
            return fail(V, "instruction %u (%s of let %u) is not the end of that let's code (%s, instructions %u to %u)",
                        pc, op_name(in->op), v, region_name(V, R, rn, sizeof rn), R->start, R->end - 1);
        return true;
    case CR_OPND_RULE:
        if (R->let >= 0)
            return fail(V, "instruction %u (%s) is in %s; rules fire only in the main code", pc, op_name(in->op),
                        region_name(V, R, rn, sizeof rn));
        break;
    case CR_OPND_TABLE:
        if (!check_index(V, pc, ki->what, v, cr_operand_limit(P, in, k), ki->of))
            return false;
        if (!owns_table(V, R, v))
            return fail(V, "instruction %u (%s) works on table %s from %s, not from the table's own let", pc,
                        op_name(in->op), P->tables[v].name, region_name(V, R, rn, sizeof rn));
        return true;
    case CR_OPND_MESSAGE:
        if (!check_index(V, pc, ki->what, v, cr_operand_limit(P, in, k), ki->of))
            return false;
        if (P->consts[v].tag != CR_TEXT)
            return fail(V, "instruction %u (%s) uses constant %u as its message, which is not a text", pc,
                        op_name(in->op), v);
        return true;
    case CR_OPND_CONST: case CR_OPND_INPUT: case CR_OPND_LET: case CR_OPND_LOCAL: case CR_OPND_LOCAL_SET:
    case CR_OPND_ITER_START: case CR_OPND_ITER_STEP: case CR_OPND_ITER_OF: case CR_OPND_BUILTIN:
    case CR_OPND_REGEX: case CR_OPND_LOOKUP: case CR_OPND_CHARAC: case CR_OPND_BIN: case CR_OPND_SCORECARD:
    case CR_OPND_SEGMENT: case CR_OPND_SEG_ROW: case CR_OPND_TBL_ROW: case CR_OPND_DECIDE_ROW:
    case CR_OPND__COUNT:
        break;
    }
    /* the last of the span things it names must be there */
    return check_index(V, pc, ki->what, (uint64_t)v + ki->span - 1, cr_operand_limit(P, in, k), ki->of);
}

static bool check_operands(ver *V, const region *R, uint32_t pc)
{
    const cr_program *P = V->P;
    const cr_ins *in = &P->code[pc];
    char rn[160];
    if (in->op >= CR_OP__COUNT)
        return fail(V, "instruction %u has opcode %u, which does not exist (the last is %u)", pc, in->op,
                    CR_OP__COUNT - 1);
    const cr_op_info *op = &cr_ops[in->op];
    /* the operands it does not use must be 0 as the compiler leaves them,
     * so a flipped bit there is caught too */
    bool use_a = op->operand[0] != CR_OPND_NONE, use_b = op->operand[1] != CR_OPND_NONE,
         use_c = op->operand[2] != CR_OPND_NONE;
    if ((!use_a && in->a) || (!use_b && in->b) || (!use_c && in->c))
        return fail(V, "instruction %u (%s) has operands a=%u b=%u c=%u where it uses %s%s%s%s", pc,
                    op_name(in->op), in->a, in->b, in->c, use_a || use_b || use_c ? "" : "none", use_a ? "a " : "",
                    use_b ? "b " : "", use_c ? "c" : "");
    if (op->flow == CR_FLOW_END && R->let >= 0)
        return fail(V, "instruction %u (%s) is in %s; only the main code decides", pc, op_name(in->op),
                    region_name(V, R, rn, sizeof rn));
    /* b, then c, then a: a row is checked once its table (b) is, an
     * argument count once its built-in (c) is */
    return check_operand(V, R, pc, 1) && check_operand(V, R, pc, 2) && check_operand(V, R, pc, 0);
}

/* ---- regions: the main code, then each let's code ------------------------ */

typedef struct let_start {
    uint32_t pc, let;
} let_start;

static int by_pc(const void *a, const void *b)
{
    const let_start *x = a, *y = b;
    if (x->pc != y->pc)
        return (x->pc > y->pc) - (x->pc < y->pc);
    return (x->let > y->let) - (x->let < y->let);
}

static bool make_regions(ver *V)
{
    const cr_program *P = V->P;
    let_start *order = v_alloc(V, P->nlets * sizeof *order);
    V->regions = v_alloc(V, (P->nlets + 1) * sizeof *V->regions);
    V->let_region = v_alloc(V, P->nlets * sizeof *V->let_region);
    if (V->failed)
        return false;
    for (uint32_t i = 0; i < P->nlets; i++) {
        if (P->lets[i].pc >= P->ncode)
            return fail(V, "let %s starts at instruction %u, past the end (%u instructions)", P->lets[i].name,
                        P->lets[i].pc, P->ncode);
        order[i] = (let_start){P->lets[i].pc, i};
    }
    qsort(order, P->nlets, sizeof *order, by_pc);
    uint32_t main_end = P->nlets ? order[0].pc : P->ncode;
    if (main_end == 0)
        return fail(V, "let %s starts at instruction 0, where the main code must be", P->lets[order[0].let].name);
    V->regions[0] = (region){0, main_end, -1};
    for (uint32_t i = 0; i < P->nlets; i++) {
        uint32_t l = order[i].let;
        uint32_t end = i + 1 < P->nlets ? order[i + 1].pc : P->ncode;
        if (end == order[i].pc)
            return fail(V, "lets %s and %s both start at instruction %u", P->lets[l].name,
                        P->lets[order[i + 1].let].name, end);
        V->regions[i + 1] = (region){order[i].pc, end, (int32_t)l};
        V->let_region[l] = i + 1;
    }
    V->nregions = P->nlets + 1;
    return true;
}

/* Every instruction's operands, each let ending in its LET_END and the
 * main code in HALT; and each table owned by exactly one let. */
static bool check_static(ver *V)
{
    const cr_program *P = V->P;
    for (uint32_t r = 0; r < V->nregions; r++) {
        const region *R = &V->regions[r];
        for (uint32_t pc = R->start; pc < R->end; pc++)
            if (!check_operands(V, R, pc))
                return false;
        uint8_t last = P->code[R->end - 1].op;
        if (R->let >= 0 && last != CR_OP_LET_END)
            return fail(V, "let %s does not end in LET_END (instruction %u is %s)", P->lets[R->let].name, R->end - 1,
                        op_name(last));
        if (R->let < 0 && last != CR_OP_HALT)
            return fail(V, "the main code does not end in HALT (instruction %u is %s)", R->end - 1, op_name(last));
    }
    uint8_t *owned = v_alloc(V, P->ntables);
    if (!owned)
        return false;
    for (uint32_t i = 0; i < P->nlets; i++) {
        const cr_let_info *li = &P->lets[i];
        uint32_t n = li->kind == LET_SCORECARD ? P->nscorecards : li->kind == LET_SEGMENT ? P->nsegments
                     : li->kind == LET_TABLE ? P->ntables : UINT32_MAX;
        if (n != UINT32_MAX && li->index >= n)
            return fail(V, "let %s is %s %u, past the end (%u)", li->name,
                        li->kind == LET_SCORECARD ? "scorecard" : li->kind == LET_SEGMENT ? "segment" : "table",
                        li->index, n);
        if (li->kind == LET_TABLE && owned[li->index]++)
            return fail(V, "two lets compute table %s", P->tables[li->index].name);
    }
    return true;
}

/* ---- lets: who asks for whom, and which locals each may write ------------- */

/* Adds a local to a let's write set once (stamp marks who has it). */
static void add_write(uint32_t *buf, uint32_t *n, uint32_t *stamp, uint32_t mark, uint32_t slot_no)
{
    if (stamp[slot_no] == mark)
        return;
    stamp[slot_no] = mark;
    buf[(*n)++] = slot_no;
}

/* Orders the lets callees first (a cycle is refused: the compiler's lets
 * never ask for each other in a circle, and the VM would only stop it at
 * run time) and gives each the locals it and everything it asks for may
 * write. */
static bool order_lets(ver *V, uint32_t **order_out)
{
    const cr_program *P = V->P;
    uint32_t n = P->nlets;
    uint32_t *outdeg = v_alloc(V, n * sizeof *outdeg);
    uint32_t *cstart = v_alloc(V, (n + 1) * sizeof *cstart);
    uint32_t *stamp = v_alloc(V, (n ? n : 1) * sizeof *stamp);
    uint32_t *order = v_alloc(V, n * sizeof *order);
    if (V->failed)
        return false;
    /* callers of each let, counted then listed (each pair once) */
    uint64_t nedges = 0;
    for (uint32_t l = 0; l < n; l++) {
        const region *R = &V->regions[V->let_region[l]];
        for (uint32_t pc = R->start; pc < R->end; pc++) {
            const cr_ins *in = &P->code[pc];
            if (in->op == CR_OP_LET && stamp[in->c] != l + 1) {
                stamp[in->c] = l + 1;
                outdeg[l]++;
                cstart[in->c]++;
                nedges++;
            }
        }
    }
    uint32_t *callers = v_alloc(V, nedges * sizeof *callers);
    uint32_t *fill = v_alloc(V, (n + 1) * sizeof *fill);
    if (V->failed)
        return false;
    uint32_t acc = 0;
    for (uint32_t l = 0; l <= n; l++) {
        uint32_t c = l < n ? cstart[l] : 0;
        cstart[l] = acc;
        fill[l] = acc;
        acc += c;
    }
    memset(stamp, 0, n * sizeof *stamp);
    for (uint32_t l = 0; l < n; l++) {
        const region *R = &V->regions[V->let_region[l]];
        for (uint32_t pc = R->start; pc < R->end; pc++) {
            const cr_ins *in = &P->code[pc];
            if (in->op == CR_OP_LET && stamp[in->c] != l + 1) {
                stamp[in->c] = l + 1;
                callers[fill[in->c]++] = l;
            }
        }
    }
    /* Kahn: a let is ready once every let it asks for is */
    uint32_t head = 0, tail = 0;
    for (uint32_t l = 0; l < n; l++)
        if (outdeg[l] == 0)
            order[tail++] = l;
    while (head < tail) {
        uint32_t l = order[head++];
        for (uint32_t k = cstart[l]; k < cstart[l + 1]; k++)
            if (--outdeg[callers[k]] == 0)
                order[tail++] = callers[k];
    }
    if (tail < n) {
        for (uint32_t l = 0; l < n; l++)
            if (outdeg[l])
                return fail(V, "let %s asks for itself, directly or through other lets", P->lets[l].name);
    }
    *order_out = order;
    return true;
}

/* Adds to a let's write set the locals instruction `in` writes: those of
 * its operands' kinds (lang/opcodes.h) that say so. */
static void add_direct_writes(const cr_ins *in, uint32_t *buf, uint32_t *n, uint32_t *stamp, uint32_t mark)
{
    for (unsigned o = 0; o < 3; o++) {
        const cr_operand_kind_info *ki = &cr_operand_kinds[cr_ops[in->op].operand[o]];
        for (unsigned i = 0; ki->locals && i < ki->span; i++)
            if (ki->writes >> i & 1u)
                add_write(buf, n, stamp, mark, cr_operand_value(in, o) + i);
    }
}

static bool write_sets(ver *V, const uint32_t *order)
{
    const cr_program *P = V->P;
    V->writes = v_alloc(V, P->nlets * sizeof *V->writes);
    V->nwrites = v_alloc(V, P->nlets * sizeof *V->nwrites);
    uint32_t *stamp = v_alloc(V, P->nlocals * sizeof *stamp);
    uint32_t *buf = v_alloc(V, P->nlocals * sizeof *buf);
    if (V->failed)
        return false;
    for (uint32_t i = 0; i < P->nlets; i++) {
        uint32_t l = order[i], n = 0, mark = i + 1;
        const region *R = &V->regions[V->let_region[l]];
        for (uint32_t pc = R->start; pc < R->end; pc++) {
            const cr_ins *in = &P->code[pc];
            add_direct_writes(in, buf, &n, stamp, mark);
            if (in->op == CR_OP_LET) /* callees come earlier in the order */
                for (uint32_t k = 0; k < V->nwrites[in->c]; k++)
                    add_write(buf, &n, stamp, mark, V->writes[in->c][k]);
        }
        V->write_total += n;
        if (V->write_total > MAX_WRITE_SETS)
            return fail(V, "the program is too large to verify (its lets write too many locals)");
        V->writes[l] = v_alloc(V, n * sizeof **V->writes);
        if (!V->writes[l])
            return false;
        memcpy(V->writes[l], buf, n * sizeof *buf);
        V->nwrites[l] = n;
    }
    return true;
}

/* ---- abstract states ---------------------------------------------------- */

static bool state_alloc(ver *V, state *s, uint32_t depth_cap)
{
    V->slots_used += (uint64_t)depth_cap + V->nref;
    if (V->slots_used > MAX_STATE_SLOTS)
        return fail(V, "the program is too large to verify (too many branches with deep stacks)");
    s->stack = v_alloc(V, depth_cap * sizeof *s->stack);
    s->locals = v_alloc(V, V->nref * sizeof *s->locals);
    return !V->failed;
}

static void state_copy(ver *V, state *dst, const state *src)
{
    dst->reached = src->reached;
    dst->depth = src->depth;
    dst->last_fire = src->last_fire;
    dst->tbl_open = src->tbl_open;
    dst->tbl_last = src->tbl_last;
    dst->tbl_sh = src->tbl_sh;
    memcpy(dst->stack, src->stack, src->depth * sizeof *src->stack);
    memcpy(dst->locals, src->locals, V->nref * sizeof *src->locals);
}

/* Merges the state arriving at join point pc into the one stored there;
 * true when the stored one changed (pc must be looked at again). */
static bool merge(ver *V, uint32_t pc, const state *in)
{
    state *d = &V->joins[V->join_at[pc - V->R->start]];
    if (!d->reached) {
        if (!state_alloc(V, d, in->depth))
            return false;
        state_copy(V, d, in);
        return true;
    }
    if (d->depth != in->depth) {
        fail(V, "two paths reach instruction %u with different stack depths (%u and %u)", pc, d->depth, in->depth);
        return false;
    }
    bool changed = false;
    for (uint32_t i = 0; i < d->depth; i++) {
        slot *a = &d->stack[i];
        const slot *b = &in->stack[i];
        const shape *j = join(V, a->sh, b->sh);
        uint8_t flags = a->flags & b->flags;
        uint32_t comp = a->comp == b->comp && a->comp_b == b->comp_b ? a->comp : 0;
        if (!comp)
            flags &= (uint8_t)~F_MAY_ADD;
        if (j != a->sh || flags != a->flags || comp != a->comp) {
            a->sh = j;
            a->flags = flags;
            a->comp = comp;
            changed = true;
        }
    }
    for (uint32_t i = 0; i < V->nref; i++) {
        local *a = &d->locals[i];
        const local *b = &in->locals[i];
        /* a local counts as written only when every path wrote it */
        const shape *j = a->sh && b->sh ? join(V, a->sh, b->sh) : NULL;
        bool same_iter = a->role == b->role && a->iter == b->iter;
        if (j != a->sh || (!same_iter && a->role != ROLE_PLAIN)) {
            a->sh = j;
            if (!same_iter) {
                a->role = ROLE_PLAIN;
                a->iter = 0;
            }
            changed = true;
        }
    }
    if (in->last_fire > d->last_fire) {
        d->last_fire = in->last_fire;
        changed = true;
    }
    if (in->tbl_open != d->tbl_open && d->tbl_open != -2) {
        d->tbl_open = -2;
        changed = true;
    }
    if (in->tbl_last > d->tbl_last) {
        d->tbl_last = in->tbl_last;
        changed = true;
    }
    const shape *t = join(V, d->tbl_sh, in->tbl_sh);
    if (t != d->tbl_sh) {
        d->tbl_sh = t;
        changed = true;
    }
    return changed && !V->failed;
}

static void enqueue(ver *V, uint32_t pc)
{
    uint32_t j = (uint32_t)V->join_at[pc - V->R->start];
    if (!V->queued[j]) {
        V->queued[j] = true;
        V->work[V->nwork++] = pc;
    }
}

/* Control reaches pc (a jump target) in state s. */
static bool flow_to(ver *V, uint32_t pc, const state *s)
{
    if (merge(V, pc, s))
        enqueue(V, pc);
    return !V->failed;
}

/* ---- the instructions --------------------------------------------------- */

/* Change of the stack depth from before instruction in to after it, as its
 * row of lang/opcodes.h has it: on to the next instruction, or by its jump
 * (a SHORT one keeps its test there). */
static inline int64_t row_effect(const cr_ins *in, bool jumping)
{
    return cr_op_stack_effect(in) + (jumping && cr_ops[in->op].flow == CR_FLOW_SHORT);
}

/* Instruction pc jumps to its c in state s. */
static bool jump(ver *V, uint32_t pc, const state *s)
{
    const cr_ins *in = &V->P->code[pc];
    CR_ASSERT(cr_op_is_jump(in->op));
    CR_ASSERT((int64_t)s->depth == (int64_t)V->depth_before + row_effect(in, true));
    return flow_to(V, in->c, s);
}

static bool need(ver *V, uint32_t pc, const state *s, uint32_t n)
{
    if (s->depth >= n)
        return true;
    const cr_ins *in = &V->P->code[pc];
    return fail(V, "instruction %u (%s) takes %u values but the stack holds %u there", pc, op_name(in->op), n,
                s->depth);
}

static bool push(ver *V, uint32_t pc, state *s, const shape *sh, uint8_t flags)
{
    if (!sh)
        return false;
    if (s->depth + 1 > V->P->max_stack)
        return fail(V, "instruction %u (%s) takes the stack above max_stack (%u)", pc, op_name(V->P->code[pc].op),
                    V->P->max_stack);
    s->stack[s->depth++] = (slot){sh, 0, 0, flags};
    if (s->depth > V->max_depth)
        V->max_depth = s->depth;
    return true;
}

static const char *tags_text(uint16_t tags, char *buf, size_t size)
{
    static const char *const names[] = {"null", "bool", "int", "decimal", "text", "date", "list", "record", "set", "regex"};
    size_t o = 0;
    buf[0] = '\0';
    for (int t = 0; t <= CR_REGEX; t++)
        if (tags & TAG(t))
            o += (size_t)snprintf(buf + o, o < size ? size - o : 0, "%s%s", o ? " or " : "", names[t]);
    if (!tags)
        snprintf(buf, size, "nothing");
    return buf;
}

/* The value at depth `from_top` (0 = top) may only have tags in `allowed`. */
static bool expect(ver *V, uint32_t pc, const state *s, uint32_t from_top, uint16_t allowed, const char *what)
{
    const shape *sh = s->stack[s->depth - 1 - from_top].sh;
    if (!(sh->tags & ~allowed))
        return true;
    char got[96];
    return fail(V, "instruction %u (%s) needs %s, but the value may be %s", pc, op_name(V->P->code[pc].op), what,
                tags_text(sh->tags, got, sizeof got));
}

#define BOOLISH(from_top) expect(V, pc, s, (from_top), T_BOOLISH, "a bool")
/* arithmetic reads a value's coefficient: numbers (or null, which reads as 0) only */
#define NUMBER(from_top) expect(V, pc, s, (from_top), T_NUM | TAG(CR_NULL), "a number")
/* items are read from lists and sets; a text's bytes are not items */
#define ITEMS(from_top) expect(V, pc, s, (from_top), (uint16_t)(T_ALL & ~(TAG(CR_TEXT) | TAG(CR_RECORD))), "a list")

static local *loc(ver *V, state *s, uint32_t local_index) { return &s->locals[V->lmap[local_index]]; }

/* A stack slot's list loses its right to COMP_ADD when its iteration's
 * list or position is overwritten. */
static void kill_comps(state *s, uint32_t local_index)
{
    for (uint32_t i = 0; i < s->depth; i++) {
        slot *x = &s->stack[i];
        if (x->comp && (x->comp_b == local_index || x->comp_b + 1u == local_index)) {
            x->comp = 0;
            x->flags &= (uint8_t)~F_MAY_ADD;
        }
    }
}

static void write_local(ver *V, state *s, uint32_t local_index, const shape *sh)
{
    *loc(V, s, local_index) = (local){sh, 0, ROLE_PLAIN};
    kill_comps(s, local_index);
}

/* After LET c: the locals that let (or one it asks for) may write hold
 * something else now, as far as this code knows. */
static void havoc(ver *V, state *s, uint32_t let)
{
    for (uint32_t k = 0; k < V->nwrites[let]; k++) {
        uint32_t g = V->writes[let][k];
        if (V->lmap[g] >= 0) {
            *loc(V, s, g) = (local){NULL, 0, ROLE_PLAIN};
            kill_comps(s, g);
        }
    }
}

static bool iteration(ver *V, uint32_t pc, state *s, uint32_t b)
{
    const local *xs = loc(V, s, b), *pos = loc(V, s, b + 1);
    if (xs->role == ROLE_ITER_LIST && pos->role == ROLE_ITER_POS && xs->iter == pos->iter && xs->iter)
        return true;
    return fail(V, "instruction %u (%s) walks locals %u and %u, which no ITER_INIT set up on every path to it", pc,
                op_name(V->P->code[pc].op), b, b + 1);
}

static bool call(ver *V, uint32_t pc, state *s, const cr_ins *in)
{
    const cr_builtin *bi = &cr_builtins[in->c];
    uint32_t n = in->a;   /* on the stack: step checked what CALL pops */
    size_t nargs = strlen(bi->args);
    /* what the built-in may give back: a number argument or an item of a list argument */
    const shape *vals = &bottom;
    for (uint32_t i = 0; i < n; i++) {
        char kind = bi->args[i < nargs ? i : nargs - 1];
        uint32_t from_top = n - 1 - i;
        const shape *a = s->stack[s->depth - 1 - from_top].sh;
        bool ok = true;
        switch (kind) {
        case 'T': ok = expect(V, pc, s, from_top, TAG(CR_TEXT) | TAG(CR_NULL), "a text"); break;
        case 'D': ok = expect(V, pc, s, from_top, TAG(CR_DATE) | TAG(CR_NULL), "a date"); break;
        case 'L': ok = ITEMS(from_top); break;
        case 'N': ok = NUMBER(from_top); break;
        case 'I': ok = expect(V, pc, s, from_top, TAG(CR_INT) | TAG(CR_NULL), "an int"); break;
        case 'V': ok = expect(V, pc, s, from_top, T_NUM | T_SEQ | TAG(CR_NULL), "numbers or a list"); break;
        case 'S': case 'X': break;
        default: return fail(V, "built-in %s takes an argument of kind '%c', which this verifier does not know", bi->name, kind);
        }
        if (!ok)
            return false;
        if ((kind == 'L' || kind == 'V') && (elem_of(a)->tags & ~(T_NUM | TAG(CR_NULL))))
            return fail(V, "instruction %u calls %s on a list whose items may not be numbers", pc, bi->name);
        vals = join(V, join(V, vals, without(V, a, T_SEQ)), elem_of(a));
    }
    s->depth -= n;
    const shape *r;
    switch (bi->ret) {
    case 'I': r = &s_int; break;
    case 'R': r = &s_dec; break;
    case 'B': r = &s_bool; break;
    case 'T': r = &s_text; break;
    case 'D': r = &s_date; break;
    /* ints in, int out; anything else may make a decimal */
    case 'E': r = vals->tags & ~TAG(CR_INT) ? &s_num : &s_int; break;
    case 'P': r = vals->tags & ~TAG(CR_INT) ? join(V, &s_num, vals) : vals; break;
    default: return fail(V, "built-in %s returns kind '%c', which this verifier does not know", bi->name, bi->ret);
    }
    return push(V, pc, s, r, 0);
}

/* ADD of texts: the VM copies both operands' bytes (text + text is all
 * the compiler makes; a null, as the verifier cannot see a guard, reads as
 * no bytes or as a number). */
static bool concat(ver *V, uint32_t pc, state *s)
{
    const uint16_t texty = TAG(CR_TEXT) | TAG(CR_NULL);
    if (!expect(V, pc, s, 1, texty, "a text") || !expect(V, pc, s, 0, texty, "a text"))
        return false;
    bool may_be_null = s->stack[s->depth - 2].sh->tags & TAG(CR_NULL);
    s->depth -= 2;
    return push(V, pc, s, may_be_null ? join(V, &s_text, &s_num) : &s_text, 0);
}

static const shape *table_result(ver *V, const cr_table_info *t, const shape *rows)
{
    if (t->hit == HIT_RULE_ORDER || t->hit == HIT_OUTPUT_ORDER)
        return list_of(V, rows);
    if (t->hit != HIT_COLLECT)
        return rows;
    switch (t->collect) {
    case COLLECT_COUNT: return &s_int;
    case COLLECT_SUM: return rows->tags & ~TAG(CR_INT) ? &s_num : &s_int;
    case COLLECT_LIST: return list_of(V, rows);
    default: return rows;
    }
}

/* One instruction: checks it against state s and updates s to the state
 * after it on the fall-through path; jumps flow to their targets from
 * here.  *next is false when control does not fall through.  What it pops
 * and whether it falls through are its row of lang/opcodes.h; the cases
 * say what it does to the values (run_from holds the depth each leaves
 * to that row). */
static bool step(ver *V, uint32_t pc, state *s, bool *next)
{
    const cr_program *P = V->P;
    const cr_ins *in = &P->code[pc];
    CR_ASSERT(in->op < CR_OP__COUNT); /* check_static refused the rest */
    *next = cr_op_falls_through(in->op);
    if (++V->steps > V->max_steps)
        return fail(V, "the program is too large to verify (its loops take too many passes)");
    if (!need(V, pc, s, cr_op_pops(in)))
        return false;
    V->depth_before = s->depth;
    switch ((cr_opcode)in->op) {
    case CR_OP_CONST: {
        cr_value v = P->consts[in->c];
        bool small = v.tag == CR_INT && v.u.i >= -(INT64_C(1) << 40) && v.u.i <= (INT64_C(1) << 40);
        return push(V, pc, s, V->const_shape[in->c], small ? F_SMALL : 0);
    }
    case CR_OP_INPUT: return push(V, pc, s, V->input_shape[in->c], 0);
    case CR_OP_LET:
        havoc(V, s, in->c);
        return push(V, pc, s, V->let_shape[in->c], 0);
    case CR_OP_LET_END:
        if (s->depth != 1)
            return fail(V, "let %s ends (instruction %u) with %u values on its stack instead of 1",
                        P->lets[in->c].name, pc, s->depth);
        V->let_shape[in->c] = join(V, V->let_shape[in->c], s->stack[0].sh);
        return !V->failed;
    case CR_OP_LOCAL: {
        const local *l = loc(V, s, in->c);
        if (!l->sh)
            return fail(V, "instruction %u reads local %u, which this code has not written on every path to it "
                        "(it may hold a value of an earlier application)", pc, in->c);
        return push(V, pc, s, l->sh, 0);
    }
    case CR_OP_STORE:
        s->depth--;
        write_local(V, s, in->c, s->stack[s->depth].sh);
        return true;
    case CR_OP_POP:
        s->depth--;
        return true;
    case CR_OP_DUP:
        /* a copy of a comprehension's list may not append to it */
        return push(V, pc, s, s->stack[s->depth - 1].sh, s->stack[s->depth - 1].flags & F_SMALL);
    case CR_OP_FIELD: {
        const shape *r = s->stack[s->depth - 1].sh;
        const shape *out = &bottom;
        if (r->tags & TAG(CR_RECORD)) {
            if (in->c >= r->nfields)
                return fail(V, "instruction %u (FIELD) reads field %u of a record that may have only %u fields", pc,
                            in->c, r->nfields);
            out = r->fields[in->c];
        }
        if (r->tags & ~TAG(CR_RECORD))
            out = join(V, out, &s_null);
        s->depth--;
        return push(V, pc, s, out, 0);
    }
    case CR_OP_INDEX: {
        if (!ITEMS(1))
            return false;
        const shape *e = elem_of(s->stack[s->depth - 2].sh);
        s->depth -= 2;
        return push(V, pc, s, e, 0);
    }
    case CR_OP_SLICE: {
        if (!ITEMS(2))
            return false;
        const shape *e = elem_of(s->stack[s->depth - 3].sh);
        s->depth -= 3;
        return push(V, pc, s, list_of(V, e), 0);
    }
    case CR_OP_ADD: case CR_OP_SUB: case CR_OP_MUL: case CR_OP_DIV: case CR_OP_MOD: {
        if (in->op == CR_OP_ADD && ((s->stack[s->depth - 1].sh->tags | s->stack[s->depth - 2].sh->tags) & TAG(CR_TEXT)))
            return concat(V, pc, s);
        if (!NUMBER(1) || !NUMBER(0))
            return false;
        /* int op int stays int (runtime/../stdlib/num.c); / is always decimal */
        bool ints = !((s->stack[s->depth - 1].sh->tags | s->stack[s->depth - 2].sh->tags) & ~TAG(CR_INT));
        s->depth -= 2;
        return push(V, pc, s, in->op == CR_OP_DIV ? &s_dec : ints ? &s_int : &s_num, 0);
    }
    case CR_OP_NEG: {
        if (!NUMBER(0))
            return false;
        uint16_t t = s->stack[s->depth - 1].sh->tags;
        s->depth--;
        return push(V, pc, s, !(t & ~TAG(CR_INT)) ? &s_int : (t & TAG(CR_INT)) ? &s_num : &s_dec, 0);
    }
    case CR_OP_TO_DEC: {
        slot *x = &s->stack[s->depth - 1];
        if (x->sh->tags & TAG(CR_INT))
            x->sh = mk(V, (uint16_t)((x->sh->tags & ~TAG(CR_INT)) | TAG(CR_DEC)), x->sh->elem, x->sh->nfields,
                       x->sh->fields);
        x->flags &= (uint8_t)~F_SMALL;
        return x->sh != NULL;
    }
    case CR_OP_EQ: case CR_OP_NE: case CR_OP_LT: case CR_OP_LE: case CR_OP_GT: case CR_OP_GE:
        s->depth -= 2;
        return push(V, pc, s, &s_bool, 0);
    case CR_OP_NOT:
        if (!BOOLISH(0))
            return false;
        s->stack[s->depth - 1].flags = 0;
        return true;
    case CR_OP_JUMP:
        return jump(V, pc, s);
    case CR_OP_JUMP_FALSE: case CR_OP_JUMP_TRUE:
        if (!BOOLISH(0))
            return false;
        s->depth--;
        return jump(V, pc, s);
    case CR_OP_AND_JUMP: case CR_OP_OR_JUMP:
        if (!BOOLISH(0) || !jump(V, pc, s))
            return false;
        s->depth--;
        return true;
    case CR_OP_COALESCE: {
        slot keep = s->stack[s->depth - 1];
        /* on the jump the value is known not to be null */
        s->stack[s->depth - 1].sh = without(V, keep.sh, TAG(CR_NULL));
        if (V->failed || !jump(V, pc, s))
            return false;
        s->stack[s->depth - 1] = keep;
        s->depth--;
        return true;
    }
    case CR_OP_IS_NULL:
        s->depth--;
        return push(V, pc, s, &s_bool, 0);
    case CR_OP_IN:
        if (!ITEMS(0))
            return false;
        s->depth -= 2;
        return push(V, pc, s, &s_bool, 0);
    case CR_OP_MATCH:
        if (!expect(V, pc, s, 0, TAG(CR_TEXT) | TAG(CR_NULL), "a text"))
            return false;
        s->depth--;
        return push(V, pc, s, &s_bool, 0);
    case CR_OP_LOOKUP: case CR_OP_HAS:
        /* a key that is not a text finds nothing (vm_loop.h) */
        s->depth--;
        return push(V, pc, s, in->op == CR_OP_HAS ? &s_bool : V->lookup_shape[in->c], 0);
    case CR_OP_CALL:
        return call(V, pc, s, in);
    case CR_OP_LIST: {
        const shape *e = NULL;
        for (uint32_t i = s->depth - in->c; i < s->depth; i++)
            e = e ? join(V, e, s->stack[i].sh) : s->stack[i].sh;
        s->depth -= in->c;
        return push(V, pc, s, list_of(V, e), 0);
    }
    case CR_OP_RECORD: {
        const shape **f = v_alloc(V, in->c * sizeof *f);
        if (!f)
            return false;
        for (uint32_t i = 0; i < in->c; i++)
            f[i] = s->stack[s->depth - in->c + i].sh;
        s->depth -= in->c;
        return push(V, pc, s, mk(V, TAG(CR_RECORD), NULL, in->c, f), 0);
    }
    case CR_OP_TODAY: return push(V, pc, s, &s_date, 0);
    case CR_OP_FIRE:
        if (!BOOLISH(0))
            return false;
        /* rising rule numbers: none fires twice, so s->fired cannot overflow */
        if ((int64_t)in->c <= s->last_fire)
            return fail(V, "instruction %u fires rule %u after rule %d may have fired; rules fire once, in order", pc,
                        in->c, s->last_fire);
        s->last_fire = (int32_t)in->c;
        s->depth--;
        return true;
    case CR_OP_ITER_INIT: {
        if (!ITEMS(0))
            return false;
        s->depth--;
        write_local(V, s, in->b, s->stack[s->depth].sh);
        write_local(V, s, in->b + 1u, &s_int);
        *loc(V, s, in->b) = (local){s->stack[s->depth].sh, pc + 1, ROLE_ITER_LIST};
        *loc(V, s, in->b + 1u) = (local){&s_int, pc + 1, ROLE_ITER_POS};
        return true;
    }
    case CR_OP_ITER_NEXT: {
        if (!iteration(V, pc, s, in->b) || !jump(V, pc, s))
            return false;
        const local *xs = loc(V, s, in->b);
        uint32_t iter = xs->iter;
        write_local(V, s, in->b + 2u, elem_of(xs->sh));
        /* one more item walked: each list COMP_NEW made for this walk may take one */
        for (uint32_t i = 0; i < s->depth; i++)
            if (s->stack[i].comp == iter && s->stack[i].comp_b == in->b)
                s->stack[i].flags |= F_MAY_ADD;
        return true;
    }
    case CR_OP_AGG_COUNT:
        if (!BOOLISH(0))
            return false;
        if (s->stack[s->depth - 2].sh->tags & ~TAG(CR_INT) || !(s->stack[s->depth - 2].flags & F_SMALL))
            return fail(V, "instruction %u (AGG_COUNT) counts on a value that is not a count started from a small int", pc);
        s->depth--;
        return true;
    case CR_OP_AGG_ANY: case CR_OP_AGG_ALL: {
        if (!BOOLISH(0))
            return false;
        s->depth--;
        slot keep = s->stack[s->depth - 1];
        s->stack[s->depth - 1] = (slot){&s_bool, 0, 0, 0};
        if (!jump(V, pc, s))
            return false;
        s->stack[s->depth - 1] = keep;
        return true;
    }
    case CR_OP_COMP_NEW: {
        if (!iteration(V, pc, s, in->b))
            return false;
        uint32_t iter = loc(V, s, in->b)->iter;
        if (!push(V, pc, s, list_of(V, NULL), 0))
            return false;
        s->stack[s->depth - 1].comp = iter;
        s->stack[s->depth - 1].comp_b = in->b;
        return true;
    }
    case CR_OP_COMP_ADD: {
        slot *list = &s->stack[s->depth - 2];
        if (!list->comp || !(list->flags & F_MAY_ADD))
            return fail(V, "instruction %u (COMP_ADD) appends to a list that has no room for it (only a "
                        "comprehension's list may take one item per item walked)", pc);
        const shape *e = list->sh->elem ? join(V, list->sh->elem, s->stack[s->depth - 1].sh) : s->stack[s->depth - 1].sh;
        list->sh = list_of(V, e);
        list->flags &= (uint8_t)~F_MAY_ADD;
        s->depth--;
        return list->sh != NULL;
    }
    case CR_OP_SC_MARK:
        /* points outlive the application (explain, lowest): numbers only */
        return expect(V, pc, s, 0, T_NUM | TAG(CR_NULL), "points (a number)");
    case CR_OP_SC_POINTS: return push(V, pc, s, &s_points, 0);
    case CR_OP_SC_LOWEST:
        s->depth--;
        return push(V, pc, s, &s_texts, 0);
    case CR_OP_SC_REASONS:
        /* the best points: a list of numbers, one per characteristic (the
         * VM gives one past the list's end no loss) */
        if (!ITEMS(1))
            return false;
        if (elem_of(s->stack[s->depth - 2].sh)->tags & ~T_NUM)
            return fail(V, "instruction %u (SC_REASONS) needs a list of numbers under its count", pc);
        s->depth -= 2;
        return push(V, pc, s, &s_texts, 0);
    case CR_OP_SEG_MARK: return true;
    case CR_OP_TBL_START:
        if (s->tbl_open != -1)
            return fail(V, "instruction %u starts table %s while a table is open", pc, P->tables[in->c].name);
        s->tbl_open = (int32_t)in->c;
        s->tbl_last = -1;
        s->tbl_sh = &bottom;
        return true;
    case CR_OP_TBL_MATCH:
        if (s->tbl_open != (int32_t)in->b)
            return fail(V, "instruction %u matches a row of table %s, which is not started on every path to it", pc,
                        P->tables[in->b].name);
        /* rising row numbers: a row matches once, so the table's rows fit */
        if ((int64_t)in->c <= s->tbl_last)
            return fail(V, "instruction %u matches row %u of table %s after row %d may have matched; rows match once, in order",
                        pc, in->c, P->tables[in->b].name, s->tbl_last);
        s->tbl_last = (int32_t)in->c;
        s->tbl_sh = join(V, s->tbl_sh, s->stack[s->depth - 1].sh);
        s->depth--;
        return !V->failed;
    case CR_OP_TBL_NONE:
        if (s->tbl_open != (int32_t)in->c)
            return fail(V, "instruction %u asks whether a row of table %s matched, which is not started on every path to it",
                        pc, P->tables[in->c].name);
        return push(V, pc, s, &s_bool, 0);
    case CR_OP_TBL_END: {
        if (s->tbl_open != (int32_t)in->c)
            return fail(V, "instruction %u ends table %s, which is not started on every path to it", pc,
                        P->tables[in->c].name);
        /* sums, minimums, maximums and priorities compare the outputs as numbers */
        const cr_table_info *t = &P->tables[in->c];
        const cr_type *order = t->hit == HIT_OUTPUT_ORDER && t->out ? t->out->elem : t->out;
        bool numeric = (t->hit == HIT_COLLECT && t->collect != COLLECT_LIST && t->collect != COLLECT_COUNT) ||
                       ((t->hit == HIT_PRIORITY || t->hit == HIT_OUTPUT_ORDER) &&
                        !(order && (order->kind == CR_T_LABEL || order->kind == CR_T_RECORD ||
                                    (order->kind == CR_T_TEXT && order->labels))));
        if (numeric && (s->tbl_sh->tags & ~(T_NUM | TAG(CR_NULL))))
            return fail(V, "instruction %u ends table %s, whose rows' outputs are compared as numbers but may be "
                        "something else", pc, t->name);
        s->tbl_open = -1;
        return push(V, pc, s, table_result(V, t, s->tbl_sh), 0);
    }
    case CR_OP_ADMISSION: /* reasons, rejections, referrals are codes; rejected, referred bools */
        return push(V, pc, s, in->a == ADM_REJECTED || in->a == ADM_REFERRED ? &s_bool : &s_texts, 0);
    case CR_OP_REASONS:
        s->depth -= in->c;
        return push(V, pc, s, &s_texts, 0);
    case CR_OP_DECIDE:
        return expect(V, pc, s, 0, TAG(CR_LIST), "reasons (a list of texts)") &&
               (shape_le(s->stack[s->depth - 1].sh, &s_texts) ||
                fail(V, "instruction %u (DECIDE) has reasons that may hold more than texts", pc));
    case CR_OP_FAIL:
    case CR_OP_HALT:
        return true;
    case CR_OP__COUNT:
        break;
    }
    return fail(V, "instruction %u has opcode %u, which does not exist", pc, in->op);
}

/* ---- one region ----------------------------------------------------------- */

/* The locals the region's instructions name (their operands' kinds say
 * which operands name locals, and how many from there). */
static bool region_locals(ver *V, const region *R)
{
    const cr_program *P = V->P;
    V->nref = 0;
    for (uint32_t pc = R->start; pc < R->end; pc++) {
        const cr_ins *in = &P->code[pc];
        for (unsigned o = 0; o < 3; o++) {
            const cr_operand_kind_info *ki = &cr_operand_kinds[cr_ops[in->op].operand[o]];
            uint32_t first = cr_operand_value(in, o);
            for (uint32_t k = first; ki->locals && k < first + ki->span; k++)
                if (V->lmap[k] < 0) {
                    V->lmap[k] = (int32_t)V->nref;
                    V->ref[V->nref++] = k;
                }
        }
    }
    return true;
}

static void region_locals_clear(ver *V)
{
    for (uint32_t i = 0; i < V->nref; i++)
        V->lmap[V->ref[i]] = -1;
    V->nref = 0;
}

/* Runs from pc in state cur until control stops or falls into a join point. */
static bool run_from(ver *V, uint32_t pc, state *cur)
{
    for (;;) {
        bool next;
        if (!step(V, pc, cur, &next))
            return false;
        if (!next)
            return true;
        CR_ASSERT((int64_t)cur->depth == (int64_t)V->depth_before + row_effect(&V->P->code[pc], false));
        pc++;
        if (pc >= V->R->end)
            return fail(V, "instruction %u falls through past the end of its code", pc - 1);
        if (V->join_at[pc - V->R->start] >= 0)
            return flow_to(V, pc, cur);
    }
}

static bool analyse_region(ver *V, const region *R)
{
    const cr_program *P = V->P;
    V->R = R;
    V->max_depth = 0;
    uint32_t len = R->end - R->start;
    region_locals(V, R);
    V->join_at = v_alloc(V, len * sizeof *V->join_at);
    if (!V->join_at)
        return false;
    uint32_t njoins = 0;
    for (uint32_t i = 0; i < len; i++)
        V->join_at[i] = -1;
    for (uint32_t pc = R->start; pc < R->end; pc++)
        if (cr_op_is_jump(P->code[pc].op) && V->join_at[P->code[pc].c - R->start] < 0)
            V->join_at[P->code[pc].c - R->start] = (int32_t)njoins++;
    V->joins = v_alloc(V, njoins * sizeof *V->joins);
    V->queued = v_alloc(V, njoins * sizeof *V->queued);
    V->work = v_alloc(V, njoins * sizeof *V->work);
    V->nwork = 0;
    if (V->failed)
        return false;
    state cur = V->cur;
    cur.depth = 0;
    for (uint32_t i = 0; i < V->nref; i++)
        cur.locals[i] = (local){NULL, 0, ROLE_PLAIN};
    cur.reached = true;
    cur.last_fire = -1;
    cur.tbl_open = -1;
    cur.tbl_last = -1;
    cur.tbl_sh = &bottom;
    bool ok = V->join_at[0] >= 0 ? flow_to(V, R->start, &cur) : run_from(V, R->start, &cur);
    while (ok && V->nwork) {
        uint32_t pc = V->work[--V->nwork];
        int32_t j = V->join_at[pc - R->start];
        V->queued[j] = false;
        state_copy(V, &cur, &V->joins[j]);
        ok = run_from(V, pc, &cur);
    }
    region_locals_clear(V);
    V->depth_total += V->max_depth;
    return ok && !V->failed;
}

/* ---- named results are computed before every decision --------------------- */

/* A LET in the main code runs on every path to a decision when no decision
 * comes before it and no jump skips over it. */
static bool results_forced(ver *V)
{
    const cr_program *P = V->P;
    const region *M = &V->regions[0];
    uint32_t n = M->end;
    int32_t *cover = v_alloc(V, (n + 1) * sizeof *cover);
    uint8_t *forced = v_alloc(V, P->nlets);
    if (V->failed)
        return false;
    for (uint32_t pc = 0; pc < n; pc++) {
        const cr_ins *in = &P->code[pc];
        if (cr_op_is_jump(in->op) && in->c > pc + 1) {
            cover[pc + 1]++;
            cover[in->c]--;
        }
    }
    int32_t skipped = 0;
    for (uint32_t pc = 0; pc < n; pc++) {
        skipped += cover[pc];
        const cr_ins *in = &P->code[pc];
        if (in->op == CR_OP_DECIDE || in->op == CR_OP_HALT)
            break;
        if (in->op == CR_OP_LET && skipped == 0)
            forced[in->c] = 1;
    }
    for (uint32_t i = 0; i < P->nresults; i++)
        if (!forced[P->results[i]])
            return fail(V, "result %s is not computed on every path to a decision", P->lets[P->results[i]].name);
    return true;
}

/* ---- lookups ------------------------------------------------------------------ */

/* What LOOKUP pushes: a row of the lookup's record type, or null; and
 * every stored row must be such a row (FIELD reads them as the type says)
 * with a text key. */
static bool lookup_shapes(ver *V)
{
    const cr_program *P = V->P;
    V->lookup_shape = v_alloc(V, P->nlookups * sizeof *V->lookup_shape);
    for (uint32_t i = 0; i < P->nlookups && !V->failed; i++) {
        const cr_lookup_info *lk = &P->lookups[i];
        if (!lk->row || lk->row->kind != CR_T_RECORD || !lk->row->rec)
            return fail(V, "lookup %s has no row type", lk->name);
        const shape *row = record_shape(V, lk->row->rec, 0);
        if (V->failed)
            return false;
        V->lookup_shape[i] = mk(V, TAG(CR_RECORD) | TAG(CR_NULL), NULL, row->nfields, row->fields);
        for (uint32_t r = 0; r < lk->nrows && !V->failed; r++) {
            if (lk->keys[r].tag != CR_TEXT)
                return fail(V, "lookup %s: the key of row %u is not a text", lk->name, r + 1);
            if (lk->rows[r].len != row->nfields || !shape_le(value_shape(V, lk->rows[r], 0), row))
                return fail(V, "lookup %s: row %u does not have the columns its type declares", lk->name, r + 1);
        }
    }
    return !V->failed;
}

/* ---- the whole program ------------------------------------------------------ */

static bool verify(ver *V)
{
    const cr_program *P = V->P;
    if (!P->input || !P->code || P->ncode == 0)
        return fail(V, "the program has no code or no input record");
    if (P->nlocals > MAX_LOCALS)
        return fail(V, "the program has %u locals; at most %u are allowed", P->nlocals, MAX_LOCALS);
    if ((uint64_t)P->max_stack > (uint64_t)P->ncode + P->nlets + 17)
        return fail(V, "max_stack %u is more than %u instructions can use", P->max_stack, P->ncode);
    for (uint32_t i = 0; i < P->nresults; i++)
        if (P->results[i] >= P->nlets)
            return fail(V, "result %u is let %u, past the end (%u lets)", i, P->results[i], P->nlets);
    if (!make_regions(V) || !check_static(V))
        return false;
    uint32_t *order = NULL;
    if (!order_lets(V, &order) || !write_sets(V, order))
        return false;
    V->const_shape = v_alloc(V, P->nconsts * sizeof *V->const_shape);
    V->input_shape = v_alloc(V, P->input->nfields * sizeof *V->input_shape);
    V->let_shape = v_alloc(V, P->nlets * sizeof *V->let_shape);
    V->cur.stack = v_alloc(V, ((size_t)P->max_stack + 1) * sizeof *V->cur.stack);
    V->cur.locals = v_alloc(V, P->nlocals * sizeof *V->cur.locals);
    V->lmap = v_alloc(V, P->nlocals * sizeof *V->lmap);
    V->ref = v_alloc(V, P->nlocals * sizeof *V->ref);
    if (V->failed)
        return false;
    for (uint32_t i = 0; i < P->nlocals; i++)
        V->lmap[i] = -1;
    for (uint32_t i = 0; i < P->nconsts && !V->failed; i++)
        V->const_shape[i] = value_shape(V, P->consts[i], 0);
    for (uint32_t i = 0; i < P->input->nfields && !V->failed; i++)
        V->input_shape[i] = type_shape(V, P->input->fields[i].type, 0);
    if (!V->failed && !lookup_shapes(V))
        return false;
    for (uint32_t i = 0; i < P->nlets; i++)
        V->let_shape[i] = &bottom;
    if (V->failed)
        return false;
    V->max_steps = (uint64_t)P->ncode * 64 + 1000000;
    for (uint32_t i = 0; i < P->nlets; i++)
        if (!analyse_region(V, &V->regions[V->let_region[order[i]]]))
            return false;
    if (!analyse_region(V, &V->regions[0]))
        return false;
    if (V->depth_total > P->max_stack)
        return fail(V, "the code needs a stack of %llu values; max_stack says %u",
                    (unsigned long long)V->depth_total, P->max_stack);
    return results_forced(V);
}

bool cr_program_verify(const cr_program *p, char *err, size_t errsize)
{
    ver V;
    memset(&V, 0, sizeof V);
    V.P = p;
    V.err = err;
    V.errsize = errsize;
    if (errsize)
        err[0] = '\0';
    cr_arena_init(&V.arena, 64 * 1024, 0);
    bool ok = verify(&V);
    cr_arena_free(&V.arena);
    return ok && !V.failed;
}
