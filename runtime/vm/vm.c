/* The dispatch loop: one function, `switch` by default and computed goto
 * where the compiler has it (CASE/NEXT below).  Every run-time error names
 * the source place of the instruction that failed, from prog->spans. */
#include "runtime/vm/vm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "lang/diag.h"
#include "lang/lookup.h"
#include "runtime/core/check.h"
#include "stdlib/stdlib.h"
#include "runtime/vm/regex_fixed.h"
#include "runtime/vm/vm_fuse.h"

const char *cr_outcome_name(cr_outcome_code o)
{
    switch (o) {
    case CR_APPROVE: return "APPROVE";
    case CR_REFER: return "REFER";
    case CR_REJECT: return "REJECT";
    }
    return "?";
}

static void *zalloc(size_t n) { return calloc(n ? n : 1, 1); }

cr_session *cr_session_new(const cr_program *p, const cr_session_limits *limits)
{
    static const cr_session_limits defaults = CR_SESSION_LIMITS_DEFAULT;
    cr_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->prog = p;
    s->limits = limits ? *limits : defaults;
    cr_arena_init(&s->arena, 64 * 1024, s->limits.max_memory);
    s->slots = zalloc(p->input->nfields * sizeof *s->slots);
    s->lets = zalloc(p->nlets * sizeof *s->lets);
    s->let_state = zalloc(p->nlets);
    s->locals = zalloc(p->nlocals * sizeof *s->locals);
    s->stack = zalloc((p->max_stack + 4) * sizeof *s->stack);
    s->ret = zalloc((p->nlets + 1) * sizeof *s->ret);
    s->fired = zalloc(p->nrules * sizeof *s->fired);
    s->sc_bin = zalloc(p->ncharacs * sizeof *s->sc_bin);
    s->sc_points = zalloc(p->ncharacs * sizeof *s->sc_points);
    s->seg_row = zalloc(p->nsegments * sizeof *s->seg_row);
    size_t tr = (size_t)p->ntables * (p->max_table_rows ? p->max_table_rows : 1);
    s->tbl_rows = zalloc(tr * sizeof *s->tbl_rows);
    s->tbl_vals = zalloc(tr * sizeof *s->tbl_vals);
    s->tbl_count = zalloc(p->ntables * sizeof *s->tbl_count);
    s->match_data = pcre2_match_data_create(1, NULL);
    s->match_ctx = pcre2_match_context_create(NULL);
    s->regex_fixed = zalloc(p->nregex * sizeof *s->regex_fixed);
    if (!s->regex_fixed || !s->slots || !s->lets || !s->let_state || !s->locals || !s->stack || !s->ret || !s->fired ||
        !s->sc_bin || !s->sc_points || !s->seg_row || !s->tbl_rows || !s->tbl_vals || !s->tbl_count ||
        !s->match_data || !s->match_ctx) {
        cr_session_free(s);
        return NULL;
    }
    s->fast = cr_fuse_code(p);   /* NULL: the plain code, only slower */
    s->runs_once = cr_code_runs_once(p);
    for (uint32_t j = 0; s->fast && j < p->ncode; j++)
        if (s->fast[j].op == CR_SOP_INPUT_K_IN)
            s->fused_work += p->consts[p->code[j + 1].c].len;
    for (uint32_t i = 0; i < p->nregex; i++)   /* NULL: PCRE2, only slower */
        s->regex_fixed[i] = cr_regex_fixed_compile(p->regex_src[i], p->regex_len[i]);
    pcre2_set_match_limit(s->match_ctx, s->limits.regex_match_limit);
    pcre2_set_depth_limit(s->match_ctx, s->limits.regex_depth_limit);
    return s;
}

void cr_session_free(cr_session *s)
{
    if (!s)
        return;
    cr_arena_free(&s->arena);
    free(s->slots);
    free(s->lets);
    free(s->let_state);
    free(s->locals);
    free(s->stack);
    free(s->ret);
    free(s->fired);
    free(s->sc_bin);
    free(s->sc_points);
    free(s->seg_row);
    free(s->tbl_rows);
    free(s->tbl_vals);
    free(s->tbl_count);
    free(s->fast);
    if (s->regex_fixed)
        for (uint32_t i = 0; i < s->prog->nregex; i++)
            free(s->regex_fixed[i]);
    free(s->regex_fixed);
    pcre2_match_data_free(s->match_data);
    pcre2_match_context_free(s->match_ctx);
    free(s);
}

/* What one application's run leaves in the session, forgotten before the
 * next run: lets, fired rules, bins, rows, outcome and error. */
static void clear_run(cr_session *s)
{
    const cr_program *p = s->prog;
    memset(s->let_state, LET_NOT_RUN, p->nlets);
    s->nfired = 0;
    for (uint32_t i = 0; i < p->ncharacs; i++)
        s->sc_bin[i] = -1;
    for (uint32_t i = 0; i < p->nsegments; i++)
        s->seg_row[i] = -1;
    memset(s->tbl_count, 0, p->ntables * sizeof *s->tbl_count);
    s->outcome = CR_APPROVE;
    s->reasons = cr_list(NULL, 0);
    s->decided = false;
    s->decide_row = -1;
    s->error[0] = '\0';
    s->error_in = NULL;
    s->executed = 0;
    s->past_deadline = false;
    s->recount = false;
}

/* Never inlined, even by link-time optimisation: a decision's two steps
 * stay functions of their own, so a profile can count exactly them
 * (tests/bench/profile.sh); one call each per decision costs nothing. */
__attribute__((noinline)) void cr_session_begin(cr_session *s)
{
    cr_arena_reset(&s->arena);
    clear_run(s);
}

/* ---- helpers ---- */

static void set_error(cr_session *s, uint32_t pc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_error(cr_session *s, uint32_t pc, const char *fmt, ...)
{
    const cr_program *p = s->prog;
    char what[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    cr_span sp = pc < p->ncode ? p->spans[pc] : (cr_span){0, 0};
    uint32_t line, col;
    cr_source_linecol(p->src, p->len, sp.start, &line, &col);
    s->error_span = sp;
    /* the let whose code holds pc names where it happened: lets' code is
     * laid out one after another behind the main code */
    s->error_in = NULL;
    uint32_t best = UINT32_MAX;
    for (uint32_t i = 0; i < p->nlets; i++)
        if (p->lets[i].pc <= pc && (best == UINT32_MAX || p->lets[i].pc > p->lets[best].pc))
            best = i;
    if (best != UINT32_MAX)
        s->error_in = p->lets[best].name;
    if (s->error_in)
        snprintf(s->error, sizeof s->error, "%s:%u:%u: %s (in %s)", p->file, line, col, what, s->error_in);
    else
        snprintf(s->error, sizeof s->error, "%s:%u:%u: %s", p->file, line, col, what);
}

/* Reason codes of the k characteristics of scorecard sc with the lowest
 * points, ties in source order. */
static bool lowest_codes(cr_session *s, uint32_t sc, int64_t k, cr_value *out)
{
    const cr_program *p = s->prog;
    const cr_scorecard_info *si = &p->scorecards[sc];
    if (k < 0)
        k = 0;
    if ((uint64_t)k > si->count)
        k = si->count;
    cr_value *items = cr_arena_alloc(&s->arena, (size_t)(k ? k : 1) * sizeof *items);
    uint32_t *order = cr_arena_alloc(&s->arena, (si->count ? si->count : 1) * sizeof *order);
    if (!items || !order)
        return false;
    for (uint32_t i = 0; i < si->count; i++)
        order[i] = si->first + i;
    /* insertion sort: stable, and scorecards are short */
    for (uint32_t i = 1; i < si->count; i++) {
        uint32_t v = order[i];
        uint32_t j = i;
        while (j > 0 && cr_num_cmp(s->sc_points[order[j - 1]], s->sc_points[v]) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    for (int64_t i = 0; i < k; i++) {
        const char *code = p->characs[order[i]].code;
        items[i] = cr_text(code, (uint32_t)strlen(code));
    }
    *out = cr_list(items, (uint32_t)k);
    return true;
}

/* Reason codes of the k characteristics of scorecard sc that lost the
 * most points against their best bin (bests: the best points of each, in
 * order), ties in source order; one that lost nothing gives none.  0, or
 * -1 out of memory, or 1 with err set (a loss past 38 digits). */
static int loss_codes(cr_session *s, uint32_t sc, cr_value bests, int64_t k, cr_value *out, char *err, size_t errsize)
{
    const cr_program *p = s->prog;
    const cr_scorecard_info *si = &p->scorecards[sc];
    uint32_t n = 0;
    cr_value *loss = cr_arena_alloc(&s->arena, (si->count ? si->count : 1) * sizeof *loss);
    uint32_t *order = cr_arena_alloc(&s->arena, (si->count ? si->count : 1) * sizeof *order);
    if (!loss || !order)
        return -1;
    cr_call_ctx cx = {.arena = &s->arena, .err = err, .errsize = errsize};
    for (uint32_t i = 0; i < si->count; i++) {
        cr_value got = s->sc_points[si->first + i];
        if (bests.tag != CR_LIST || i >= bests.len || (bests.u.items[i].tag != CR_INT && bests.u.items[i].tag != CR_DEC) ||
            (got.tag != CR_INT && got.tag != CR_DEC))
            continue;
        cr_value d;
        if (!cr_num_sub(&cx, bests.u.items[i], got, &d))
            return 1;
        if (cr_num_cmp(d, cr_int(0)) <= 0)
            continue;
        /* insertion by loss, largest first; stable, and scorecards are short */
        uint32_t j = n++;
        while (j > 0 && cr_num_cmp(loss[j - 1], d) < 0) {
            loss[j] = loss[j - 1];
            order[j] = order[j - 1];
            j--;
        }
        loss[j] = d;
        order[j] = si->first + i;
    }
    if (k < 0)
        k = 0;
    if ((uint64_t)k > n)
        k = n;
    cr_value *items = cr_arena_alloc(&s->arena, (size_t)(k ? k : 1) * sizeof *items);
    if (!items)
        return -1;
    for (int64_t i = 0; i < k; i++) {
        const char *code = p->characs[order[i]].code;
        items[i] = cr_text(code, (uint32_t)strlen(code));
    }
    *out = cr_list(items, (uint32_t)k);
    return 0;
}

static bool flatten_reasons(cr_session *s, const cr_value *vals, uint32_t n, cr_value *out)
{
    uint32_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += vals[i].tag == CR_LIST ? vals[i].len : vals[i].tag == CR_TEXT ? 1 : 0;
    cr_value *items = cr_arena_alloc(&s->arena, (total ? total : 1) * sizeof *items);
    if (!items)
        return false;
    uint32_t o = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (vals[i].tag == CR_LIST) {
            for (uint32_t j = 0; j < vals[i].len; j++)
                if (vals[i].u.items[j].tag == CR_TEXT)
                    items[o++] = vals[i].u.items[j];
        } else if (vals[i].tag == CR_TEXT) {
            items[o++] = vals[i];
        }
    }
    *out = cr_list(items, o);
    return true;
}

/* Codes of the rules that fired, in order: of the admission block only
 * (or every rule) and of one kind (or both, kind < 0). */
static bool admission_codes(cr_session *s, bool only_admission, int kind, cr_value *out)
{
    const cr_program *p = s->prog;
    cr_value *items = cr_arena_alloc(&s->arena, (s->nfired ? s->nfired : 1) * sizeof *items);
    if (!items)
        return false;
    uint32_t o = 0;
    for (uint32_t i = 0; i < s->nfired; i++) {
        const cr_rule_info *r = &p->rules[s->fired[i]];
        if ((!only_admission || r->in_admission) && (kind < 0 || r->kind == kind))
            items[o++] = cr_text(r->code, (uint32_t)strlen(r->code));
    }
    *out = cr_list(items, o);
    return true;
}

static bool admission_has(const cr_session *s, int kind)
{
    for (uint32_t i = 0; i < s->nfired; i++) {
        const cr_rule_info *r = &s->prog->rules[s->fired[i]];
        if (r->in_admission && r->kind == kind)
            return true;
    }
    return false;
}

/* Where v stands in the order of type t's values: a label's or a closed
 * set's text by its place (the first declared first), anything else last. */
static int64_t value_rank(const cr_type *t, cr_value v)
{
    const cr_labels *l = t->labels;
    if (v.tag == CR_TEXT && l)
        for (uint32_t k = 0; k < l->count; k++)
            if (strlen(l->names[k]) == v.len && memcmp(l->names[k], v.u.s, v.len) == 0)
                return k;
    return l ? (int64_t)l->count : 0;
}

/* < 0 when output a comes before output b by a table's priority: an
 * earlier label or value of a closed set, a higher number, and named
 * outputs by the first that differs.  Values not of type t (a program
 * verified for another type) are equal. */
static int priority_cmp(const cr_type *t, cr_value a, cr_value b)
{
    if (!t)
        return 0;
    if (t->kind == CR_T_RECORD && t->rec) {
        if (a.tag != CR_RECORD || b.tag != CR_RECORD || a.len != t->rec->nfields || b.len != t->rec->nfields)
            return 0;
        for (uint32_t i = 0; i < t->rec->nfields; i++) {
            int c = priority_cmp(t->rec->fields[i].type, a.u.items[i], b.u.items[i]);
            if (c)
                return c;
        }
        return 0;
    }
    if (t->kind == CR_T_LABEL || (t->kind == CR_T_TEXT && t->labels)) {
        int64_t x = value_rank(t, a), y = value_rank(t, b);
        return x < y ? -1 : x > y;
    }
    if ((a.tag == CR_INT || a.tag == CR_DEC) && (b.tag == CR_INT || b.tag == CR_DEC))
        return -cr_num_cmp(a, b);
    return 0;
}

/* Combines the rows of a table that matched, by its hit policy. */
static bool table_end(cr_session *s, uint32_t t, cr_value *out, char *err, size_t errsize)
{
    const cr_program *p = s->prog;
    const cr_table_info *ti = &p->tables[t];
    uint32_t n = s->tbl_count[t];
    uint32_t *rows = s->tbl_rows + (size_t)t * p->max_table_rows;
    cr_value *vals = s->tbl_vals + (size_t)t * p->max_table_rows;
    cr_call_ctx cx = {.arena = &s->arena, .err = err, .errsize = errsize};
    if (ti->hit == HIT_RULE_ORDER || ti->hit == HIT_OUTPUT_ORDER) {
        cr_value *items = cr_arena_alloc(&s->arena, (n ? n : 1) * sizeof *items);
        if (!items)
            return cr_call_fail(&cx, "out of memory for this application");
        memcpy(items, vals, n * sizeof *items);
        /* output_order: a stable insertion sort, so equal outputs keep their rows' order */
        const cr_type *order = ti->out ? ti->out->elem : NULL;
        for (uint32_t i = 1; ti->hit == HIT_OUTPUT_ORDER && i < n; i++) {
            cr_value v = items[i];
            uint32_t j = i;
            for (; j > 0 && priority_cmp(order, v, items[j - 1]) < 0; j--)
                items[j] = items[j - 1];
            items[j] = v;
        }
        *out = cr_list(items, n);
        return true;
    }
    if (ti->hit == HIT_COLLECT) {
        switch (ti->collect) {
        case COLLECT_COUNT: *out = cr_int(n); return true;
        case COLLECT_LIST: {
            cr_value *items = cr_arena_alloc(&s->arena, (n ? n : 1) * sizeof *items);
            if (!items)
                return cr_call_fail(&cx, "out of memory for this application");
            memcpy(items, vals, n * sizeof *items);
            *out = cr_list(items, n);
            return true;
        }
        case COLLECT_SUM: {
            cr_value acc = cr_int(0);
            for (uint32_t i = 0; i < n; i++)
                if (!cr_num_add(&cx, acc, vals[i], &acc))
                    return false;
            *out = acc;
            return true;
        }
        default: {
            if (n == 0)
                return cr_call_fail(&cx, "no row of table %s matches, so it has no %s", ti->name,
                                    ti->collect == COLLECT_MIN ? "minimum" : "maximum");
            cr_value best = vals[0];
            for (uint32_t i = 1; i < n; i++) {
                int c = cr_num_cmp(vals[i], best);
                if (ti->collect == COLLECT_MIN ? c < 0 : c > 0)
                    best = vals[i];
            }
            *out = best;
            return true;
        }
        }
    }
    if (n == 0)
        return cr_call_fail(&cx, "no row of table %s matches", ti->name);
    switch (ti->hit) {
    case HIT_UNIQUE:
        if (n > 1) {
            uint32_t l1, c1, l2, c2;
            cr_source_linecol(p->src, p->len, ti->row_spans[rows[0]].start, &l1, &c1);
            cr_source_linecol(p->src, p->len, ti->row_spans[rows[1]].start, &l2, &c2);
            return cr_call_fail(&cx, "unique table %s: rows %u (line %u) and %u (line %u) both match",
                                ti->name, rows[0] + 1, l1, rows[1] + 1, l2);
        }
        break;
    case HIT_ANY:
        for (uint32_t i = 1; i < n; i++)
            if (!cr_value_eq(vals[i], vals[0]))
                return cr_call_fail(&cx, "table %s (hit any): rows %u and %u match with different results",
                                    ti->name, rows[0] + 1, rows[i] + 1);
        break;
    case HIT_PRIORITY: {
        /* the first of the matching rows whose output comes first */
        uint32_t best = 0;
        for (uint32_t i = 1; i < n; i++)
            if (priority_cmp(ti->out, vals[i], vals[best]) < 0)
                best = i;
        *out = vals[best];
        return true;
    }
    default:
        break;
    }
    *out = vals[0];
    return true;
}

static bool slice(cr_session *s, cr_value xs, int64_t i, int64_t j, cr_value *out, char *err, size_t errsize)
{
    int64_t n = xs.len;
    int64_t a = i < 0 ? n + i : i, b = j < 0 ? n + j : j;
    if (a < 0 || b >= n || a > b + 1) {
        snprintf(err, errsize, "slice [%lld..%lld] is outside a list of %lld items", (long long)i, (long long)j, (long long)n);
        return false;
    }
    (void)s;
    *out = cr_list(xs.u.items + a, (uint32_t)(b - a + 1));
    return true;
}

/* ---- the budget and the deadline ---- */

/* With a deadline, the loop is handed its budget this much at a time and
 * looks at the clock between (a few tens of microseconds of work). */
#define CR_CLOCK_EVERY 10000u

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* The loop's budget in hand (*left) cannot pay `need`: past the deadline
 * (s->past_deadline), or with too little in reserve, false; else moves
 * what is needed and up to CR_CLOCK_EVERY more from the reserve into it.
 * Without a deadline everything is in hand from the start, so this only
 * says no. */
static bool vm_refill(cr_session *s, uint64_t *left, uint64_t *reserve, uint64_t need)
{
    if (s->deadline_ns && now_ns() >= s->deadline_ns) {
        s->past_deadline = true;
        return false;
    }
    uint64_t want = need - *left;
    if (*reserve < want)
        return false;
    uint64_t take = *reserve - want < CR_CLOCK_EVERY ? *reserve : want + CR_CLOCK_EVERY;
    *left += take;
    *reserve -= take;
    return true;
}

/* What a comparison costs beyond its instruction: the bytes of two texts
 * (a 64-byte block each, of the shorter) or the items of two lists it
 * may read; nothing for numbers, dates, truth values and null.  A
 * superinstruction compares with a constant that costs nothing here
 * (runtime/vm/vm_fuse.c fuses no other), so it need not ask. */
static inline uint64_t cmp_work(const cr_value *a, const cr_value *b)
{
    if (a->tag < CR_TEXT || b->tag < CR_TEXT || a->tag == CR_DATE)
        return 0;
    uint32_t n = a->len < b->len ? a->len : b->len;
    return a->tag == CR_TEXT ? n >> 6 : n;
}

/* ---- the loop ---- */

#if defined(__GNUC__) && !defined(CREDO_NO_COMPUTED_GOTO)
#define CR_COMPUTED_GOTO 1
#endif

/* Comparison in the loop, out of line: numbers too big for vm_cmp's
 * int64 scaling by cr_num_cmp, everything else by cr_value_cmp (equality
 * of lists, records and the rest by cr_value_eq, whose 0 means equal). */
static int vm_cmp_slow(const cr_value *a, const cr_value *b)
{
    int r;
    if ((a->tag == CR_INT || a->tag == CR_DEC) && (b->tag == CR_INT || b->tag == CR_DEC))
        r = cr_num_cmp(*a, *b);
    else
        r = cr_value_eq(*a, *b) ? 0 : cr_value_cmp(*a, *b) == 0 ? 1 : cr_value_cmp(*a, *b);
    return (r > 0) - (r < 0);
}

/* The fast cases inline, the rest out of line: most comparisons in a
 * policy are of numbers (an int or a decimal against a constant of
 * another scale: `dti <= 0.35`, `business_years < 3`) or short texts. */
static inline __attribute__((always_inline)) int vm_cmp(const cr_value *a, const cr_value *b)
{
    if ((a->tag == CR_DEC || a->tag == CR_INT) && (b->tag == CR_DEC || b->tag == CR_INT)) {
        int r = cr_num_cmp_fast(a, b);
        return r != 2 ? r : vm_cmp_slow(a, b);
    }
    if (a->tag == CR_TEXT && b->tag == CR_TEXT)
        return cr_text_cmp(a, b);
    return vm_cmp_slow(a, b);
}

/* Whether a is in the list or set `set`: texts against texts, the usual
 * case, without a call per item; anything else by cr_value_eq. */
static inline __attribute__((always_inline)) bool vm_in(const cr_value *a, const cr_value *set)
{
    const cr_value *items = set->u.items;
    if (a->tag == CR_TEXT) {
        for (uint32_t i = 0; i < set->len; i++)
            if (items[i].tag == CR_TEXT ? cr_text_eq(a, &items[i]) : cr_value_eq(*a, items[i]))
                return true;
        return false;
    }
    for (uint32_t i = 0; i < set->len; i++)
        if (cr_value_eq(*a, items[i]))
            return true;
    return false;
}

/* CALL: pops in->a arguments and pushes built-in in->c of them; the new
 * top of the stack, or NULL when the built-in failed (the error in cx). */
static inline __attribute__((always_inline)) cr_value *vm_call(cr_call_ctx *cx, const cr_ins *in, cr_value *sp)
{
    cr_value r;
    sp -= in->a;
    if (!cr_builtins[in->c].fn(cx, sp, in->a, &r))
        return NULL;
    *sp++ = r;
    return sp;
}

/* TO_DEC: an int becomes the same exact decimal. */
static inline void vm_to_dec(cr_value *v)
{
    if (v->tag == CR_INT)
        cr_put_dec(v, v->u.i, 0);
}

/* holds[k] says, bit r + 1, whether comparison k (EQ..GE as 0..5) holds
 * when the operands compare as r (-1, 0 or 1) */
static const uint8_t cmp_holds[6] = {2, 5, 1, 3, 4, 6};
#define CMP_HOLDS(k, r) ((cmp_holds[(k)] >> ((r) + 1)) & 1)

/* Where a fused "operand, constant, compare, JUMP_FALSE t" goes when its
 * test fails: t, or, in the loop that does not count instructions
 * (`thread`), past the in->b tests from t on that are the same test and
 * so fail too (runtime/vm/vm_fuse.c); each is one load, not a dispatch. */
static inline uint32_t failed_test_target(const cr_ins *canon, const cr_ins *in, uint32_t cur, bool thread)
{
    uint32_t t = canon[cur + 3].c;
    if (thread)
        for (uint16_t h = in->b; h; h--)
            t = canon[t + 3].c;
    return t;
}

/* Whether comparison k (EQ..GE as 0..5) holds between a and b, as
 * CMP_HOLDS(k, vm_cmp(a, b)); two texts are tested for equality (segment
 * labels, grades, codes) by length and bytes, without ordering them. */
static inline __attribute__((always_inline)) bool vm_holds(unsigned k, const cr_value *a, const cr_value *b)
{
    if (k <= 1 && a->tag == CR_TEXT && b->tag == CR_TEXT)
        return cr_text_eq(a, b) == (k == 0);
    return CMP_HOLDS(k, vm_cmp(a, b));
}

static void trace_add(cr_session *s, uint32_t pc, cr_value x, cr_value y, cr_value r)
{
    cr_trace *t = s->trace;
    if (t->count == t->cap) {
        t->dropped++;
        return;
    }
    cr_trace_entry *e = &t->items[t->count++];
    e->pc = pc;
    e->a = x;
    e->b = y;
    e->r = r;
}

/* What the verifier (lang/credoc_verify.c) proves of the values an
 * instruction reads, for the loop's CR_ASSERTs: a condition is a bool or
 * null; arithmetic's operands are numbers or null; what is indexed or
 * walked is not a text or a record (a list or a set, whose items are read,
 * or a value of no items). */
static inline bool vm_condition(cr_value v) { return v.tag == CR_BOOL || v.tag == CR_NULL; }
static inline bool vm_number(cr_value v) { return v.tag == CR_INT || v.tag == CR_DEC || v.tag == CR_NULL; }
static inline bool vm_has_items(cr_value v) { return v.tag != CR_TEXT && v.tag != CR_RECORD; }

/* Whether run[0..] holds the plain instructions op0, op1, ... that a
 * superinstruction stands for (runtime/vm/vm_fuse.c); CR_OP__ALL: the run
 * is shorter. */
static inline bool vm_run_is(const cr_ins *run, unsigned op0, unsigned op1, unsigned op2, unsigned op3)
{
    return run[0].op == op0 && run[1].op == op1 && (op2 == CR_OP__ALL || run[2].op == op2) &&
           (op3 == CR_OP__ALL || run[3].op == op3);
}

#ifdef CREDO_CHECKS
/* What the verifier proves before every instruction, asserted at each
 * dispatch of the loop: the stack within max_stack (each let's code runs
 * on top of its caller's, and the verifier holds the sum of every code's
 * deepest stack to max_stack), the values a plain instruction pops there
 * and room for what it pushes, and each of its operands in range for its
 * kind (lang/opcodes.h).  A superinstruction's case checks the run it
 * stands for. */
static bool vm_dispatch_ok(const cr_session *s, const cr_ins *in, const cr_value *sp)
{
    const cr_program *p = s->prog;
    if (sp < s->stack || sp > s->stack + p->max_stack)
        return false;
    if (in->op >= CR_OP__COUNT)
        return in->op < CR_OP__ALL;
    uint64_t depth = (uint64_t)(sp - s->stack), pops = cr_op_pops(in);
    if (depth < pops || depth - pops + cr_ops[in->op].pushes > p->max_stack)
        return false;
    for (unsigned o = 0; o < 3; o++)
        if (!cr_operand_in_range(p, in, o))
            return false;
    return true;
}
#endif

#define CR_LOOP_NAME run_plain
#define CR_TRACING 0
#define CR_BUDGET 1
#include "runtime/vm/vm_loop.h"
#undef CR_LOOP_NAME
#undef CR_BUDGET

#define CR_LOOP_NAME run_unbudgeted
#define CR_BUDGET 0
#include "runtime/vm/vm_loop.h"
#undef CR_LOOP_NAME
#undef CR_TRACING
#undef CR_BUDGET

#define CR_LOOP_NAME run_traced
#define CR_TRACING 1
#define CR_BUDGET 1
#include "runtime/vm/vm_loop.h"
#undef CR_LOOP_NAME
#undef CR_TRACING
#undef CR_BUDGET

__attribute__((noinline)) bool cr_session_run(cr_session *s)
{
    s->deadline_ns = s->limits.deadline_ms ? now_ns() + (uint64_t)s->limits.deadline_ms * 1000000u : 0;
    if (s->trace) {
        s->trace->count = 0;
        s->trace->dropped = 0;
        return run_traced(s);
    }
    /* Code whose instructions run at most once each cannot spend a budget
     * of at least its length: then the instructions need not be counted
     * (about one instruction in sixteen of the loop's), unless the caller
     * wants the count; with a deadline, only when they are too few to
     * need the clock.  The work of built-ins is counted against what
     * they leave; an application whose work may not fit is run again,
     * counting, from where it began, so it ends as the counting loop
     * would have ended it. */
    if (s->fast && s->runs_once && !s->count_instructions &&
        s->prog->ncode + s->fused_work <= s->limits.max_instructions &&
        (!s->deadline_ns || s->prog->ncode <= CR_CLOCK_EVERY)) {
        cr_arena_mark mark = cr_arena_save(&s->arena);
        bool ok = run_unbudgeted(s);
        if (ok || !s->recount)
            return ok;
        cr_arena_rewind(&s->arena, mark);
        clear_run(s);
    }
    return run_plain(s);
}
