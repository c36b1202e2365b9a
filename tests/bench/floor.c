/* The floor under credo's decide-only time: the reference policy
 * (tests/reference/POLICY.md, policies/sme_tax_loan.credo) written in C
 * straight against credo's own values, arithmetic and built-ins.  Each
 * step calls what the VM calls for it (cr_num_*, cr_fn_sum, avg, stdev,
 * min, floor_to, clamp, round, the fixed-pattern regex matcher, text
 * equality), in the policy's order, on the same input slots; there is no
 * bytecode, dispatch, value stack, let bookkeeping, trace or decision
 * record.  So no VM running today's exact decimals can decide faster than
 * this, and in make bench
 *     credo decide-only / floor   is what the VM itself costs,
 *     floor / hand-written        is what the exact values cost, which no
 *                                 work on the VM can remove.
 * The hand-written program (handwritten.c) needs neither: it keeps amounts
 * in int64 cents and compares cross-multiplied integers, with no mean,
 * standard deviation or quotient at all.
 *
 *   floor decide POLICY FILE [REPS]
 *
 * Every line is read into its own slots by cr_json_read, as bench_credo's
 * decide mode does (untimed).  Before timing, every application is also
 * decided by the VM (cr_session_run) and the two must agree on the
 * outcome, every reason code in order, score, tier, limit and rate, value
 * and scale; a difference is printed and the program exits 1, so a floor
 * that drifted from the policy cannot report a time.  Then the timed passes
 * print RESULT lines as bench_common.h does. */
#include "runtime/vm/regex_fixed.h"
#include "stdlib/num_fast.h"
#include "stdlib/stdlib.h"

#define BENCH_ENGINE "floor"
#define BENCH_PROG "floor"
#include "bench_common.h"
#include "bench_slots.h"

/* Input fields, looked up by name in the compiled policy's input record. */
enum {
    F_AGE, F_BUSINESS_YEARS, F_INDUSTRY, F_USCC, F_ANNUAL_REVENUE, F_TAX_PAID, F_TAX_GRADE, F_POS_FLOW,
    F_MONTHLY_INCOME, F_MONTHLY_DEBT, F_CREDIT_SCORE, F_OVERDUE_COUNT, F_MAX_OVERDUE_DAYS, F_INQUIRIES,
    F_BLACKLISTED, F_REQUESTED_AMOUNT, F_REQUESTED_TERM, F_COLLATERAL, F_MONTHLY_SALES, F__COUNT
};
static const char *const field_names[F__COUNT] = {
    "age", "business_years", "industry", "uscc", "annual_revenue", "tax_paid_12m", "tax_grade", "pos_flow_12m",
    "monthly_income", "monthly_debt_payment", "credit_score", "overdue_count_24m", "max_overdue_days_24m",
    "inquiries_3m", "blacklisted", "requested_amount", "requested_term", "collateral_value", "monthly_sales",
};
static int field[F__COUNT];

static const char *const rule_codes[] = {
    "AGE", "BIZ_YEARS", "USCC_INVALID", "TAX_GRADE", "DELINQUENCY", "INQUIRIES",
    "INDUSTRY", "BLACKLIST", "DTI", "SALES_DECLINE", "SCORE_LOW",
};
static const char *const charac_codes[7] = {
    "SC_CREDIT_SCORE", "SC_BUSINESS_YEARS", "SC_TAX_GRADE", "SC_DTI", "SC_OVERDUE_COUNT_24M", "SC_INQUIRIES_3M",
    "SC_SALES_CV",
};
static const char *const tier_names[4] = {"PRIME", "STANDARD", "SUBPRIME", "REFER"};

/* The policy's constants, as the compiler makes them: ints, and decimals
 * from their text. */
static cr_value dec(const char *s)
{
    cr_dec d;
    if (cr_dec_parse(s, strlen(s), &d) != CR_DEC_OK) {
        fprintf(stderr, "floor: bad constant %s\n", s);
        exit(1);
    }
    return cr_decv(d);
}
static cr_value text(const char *s) { return cr_text(s, (uint32_t)strlen(s)); }

static struct {
    cr_value i18, i65, i2, i3, i90, i6, i550, i600, i650, i700, i750, i5, i10, i1, i0, i610, i1000, i1000000,
        i3000000, i8, i10000, i12, i24;
    cr_value d06, d05, d02, d035, d015, d03, d025, d310, d1240, dm020, d030, d050, d0;
    cr_value grade_a, grade_b, grade_m, grade_c, grade_d, industries[7];
    cr_value multiplier[4], premium[4][3];
} K;
static cr_regex_fixed *uscc_format;

static void init_constants(void)
{
    K.i18 = cr_int(18); K.i65 = cr_int(65); K.i2 = cr_int(2); K.i3 = cr_int(3); K.i90 = cr_int(90);
    K.i6 = cr_int(6); K.i550 = cr_int(550); K.i600 = cr_int(600); K.i650 = cr_int(650); K.i700 = cr_int(700);
    K.i750 = cr_int(750); K.i5 = cr_int(5); K.i10 = cr_int(10); K.i1 = cr_int(1); K.i0 = cr_int(0);
    K.i610 = cr_int(610); K.i1000 = cr_int(1000); K.i1000000 = cr_int(1000000); K.i3000000 = cr_int(3000000);
    K.i8 = cr_int(8); K.i10000 = cr_int(10000); K.i12 = cr_int(12); K.i24 = cr_int(24);
    K.d06 = dec("0.6"); K.d05 = dec("0.5"); K.d02 = dec("0.2"); K.d035 = dec("0.35"); K.d015 = dec("0.15");
    K.d03 = dec("0.3"); K.d025 = dec("0.25"); K.d310 = dec("3.10"); K.d1240 = dec("12.40"); K.dm020 = dec("-0.20");
    K.d030 = dec("0.30"); K.d050 = dec("0.50"); K.d0 = dec("0");
    K.grade_a = text("A"); K.grade_b = text("B"); K.grade_m = text("M"); K.grade_c = text("C"); K.grade_d = text("D");
    static const char *const restricted[7] = {"K70", "B06", "B07", "C25", "C31", "C32", "J66"};
    for (int i = 0; i < 7; i++)
        K.industries[i] = text(restricted[i]);
    static const char *const mult[4] = {"0.30", "0.20", "0.10", "0"};
    static const char *const prem[4][3] = {
        {"0.80", "1.10", "1.40"}, {"1.60", "1.90", "2.30"}, {"3.20", "3.60", "4.10"}, {"0", "0", "0"}};
    for (int i = 0; i < 4; i++) {
        K.multiplier[i] = dec(mult[i]);
        for (int j = 0; j < 3; j++)
            K.premium[i][j] = dec(prem[i][j]);
    }
    const char *pat = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$";
    uscc_format = cr_regex_fixed_compile(pat, strlen(pat));
    if (!uscc_format) {
        fprintf(stderr, "floor: the USCC pattern does not compile\n");
        exit(1);
    }
}

typedef struct decision {
    int outcome;            /* CR_APPROVE, CR_REFER, CR_REJECT */
    int64_t score;
    int tier;
    cr_value limit, rate;
    const char *reasons[12];
    int nreasons;
} decision;

/* The VM's ordering and arithmetic: the inline fast case, else the call. */
static int order(const cr_value *a, const cr_value *b) { return cr_num_order(a, b); }
static bool add(cr_call_ctx *cx, cr_value a, cr_value b, cr_value *out)
{
    return cr_num_add_fast(&a, &b, out) || cr_num_add(cx, a, b, out);
}
static bool mul(cr_call_ctx *cx, cr_value a, cr_value b, cr_value *out)
{
    return cr_num_mul_fast(&a, &b, out) || cr_num_mul(cx, a, b, out);
}

/* One application; false when it cannot be decided (an arithmetic error). */
static bool decide(const cr_value *x, cr_arena *arena, decision *d)
{
    char err[384];
    cr_call_ctx cx = {.arena = arena, .err = err, .errsize = sizeof err};
    const cr_value *age = &x[field[F_AGE]], *years = &x[field[F_BUSINESS_YEARS]], *grade = &x[field[F_TAX_GRADE]];
    const cr_value *score_in = &x[field[F_CREDIT_SCORE]], *overdues = &x[field[F_OVERDUE_COUNT]];
    const cr_value *inquiries = &x[field[F_INQUIRIES]], *sales = &x[field[F_MONTHLY_SALES]];
    const cr_value *collateral = &x[field[F_COLLATERAL]], *uscc = &x[field[F_USCC]];
    const char *fired[11];
    int nf = 0;

    /* admission */
    if (order(age, &K.i18) < 0 || order(age, &K.i65) > 0)
        fired[nf++] = rule_codes[0];
    if (order(years, &K.i2) < 0)
        fired[nf++] = rule_codes[1];
    if (!cr_regex_fixed_match(uscc_format, uscc->u.s, uscc->len))
        fired[nf++] = rule_codes[2];
    if (cr_text_eq(grade, &K.grade_c) || cr_text_eq(grade, &K.grade_d))
        fired[nf++] = rule_codes[3];
    if (order(overdues, &K.i3) > 0 || order(&x[field[F_MAX_OVERDUE_DAYS]], &K.i90) >= 0)
        fired[nf++] = rule_codes[4];
    if (order(inquiries, &K.i6) > 0)
        fired[nf++] = rule_codes[5];
    for (int i = 0; i < 7; i++)
        if (cr_text_eq(&x[field[F_INDUSTRY]], &K.industries[i])) {
            fired[nf++] = rule_codes[6];
            break;
        }
    if (x[field[F_BLACKLISTED]].u.b)
        fired[nf++] = rule_codes[7];
    cr_value dti;
    if (!cr_num_div(&cx, x[field[F_MONTHLY_DEBT]], x[field[F_MONTHLY_INCOME]], &dti))
        return false;
    if (order(&dti, &K.d06) > 0)
        fired[nf++] = rule_codes[8];
    cr_value first, last, half, quarter;
    quarter = cr_list(sales->u.items, 3);
    if (!cr_fn_sum(&cx, &quarter, 1, &first))
        return false;
    quarter = cr_list(sales->u.items + sales->len - 3, 3);
    if (!cr_fn_sum(&cx, &quarter, 1, &last) || !mul(&cx, K.d05, first, &half))
        return false;
    if (order(&last, &half) < 0)
        fired[nf++] = rule_codes[9];
    if (order(score_in, &K.i550) < 0)
        fired[nf++] = rule_codes[10];

    /* scorecard */
    int64_t pts[7];
    pts[0] = order(score_in, &K.i600) < 0 ? -40 : order(score_in, &K.i650) < 0 ? -10
           : order(score_in, &K.i700) < 0 ? 15 : order(score_in, &K.i750) < 0 ? 35 : 55;
    pts[1] = order(years, &K.i3) < 0 ? -15 : order(years, &K.i5) < 0 ? 0 : order(years, &K.i10) < 0 ? 10 : 20;
    pts[2] = cr_text_eq(grade, &K.grade_a) ? 25 : cr_text_eq(grade, &K.grade_b) ? 10
           : cr_text_eq(grade, &K.grade_m) ? -5 : -30;
    pts[3] = order(&dti, &K.d02) <= 0 ? 20 : order(&dti, &K.d035) <= 0 ? 10 : order(&dti, &K.d05) <= 0 ? -5 : -25;
    pts[4] = order(overdues, &K.i0) == 0 ? 15 : order(overdues, &K.i1) == 0 ? 0 : -20;
    pts[5] = order(inquiries, &K.i1) <= 0 ? 10 : order(inquiries, &K.i3) <= 0 ? 0 : -15;
    cr_value mean, sd, cv;
    if (!cr_fn_avg(&cx, sales, 1, &mean))
        return false;
    if (order(&mean, &K.i0) == 0)
        cv = K.d0;
    else if (!cr_fn_stdev(&cx, sales, 1, &sd) || !cr_num_div(&cx, sd, mean, &cv))
        return false;
    pts[6] = order(&cv, &K.d015) < 0 ? 15 : order(&cv, &K.d03) < 0 ? 5 : -10;
    int64_t score = 600;
    for (int i = 0; i < 7; i++)
        score += pts[i];

    /* segment */
    cr_value sc = cr_int(score);
    int tier = order(&sc, &K.i700) >= 0 && cr_text_eq(grade, &K.grade_a) ? 0
             : order(&sc, &K.i650) >= 0 ? 1 : order(&sc, &K.i610) >= 0 ? 2 : 3;

    /* limit */
    cr_value addon, revenue_share, tax_cap, pos_cap, cap, args[4], m, limit;
    if (collateral->tag == CR_NULL) {
        addon = K.i0;
    } else {
        if (!mul(&cx, *collateral, K.d05, &args[0]))
            return false;
        args[1] = K.i1000000;
        if (!cr_fn_min(&cx, args, 2, &addon))
            return false;
    }
    if (!mul(&cx, x[field[F_ANNUAL_REVENUE]], K.multiplier[tier], &revenue_share) ||
        !mul(&cx, x[field[F_TAX_PAID]], K.i8, &tax_cap) || !mul(&cx, x[field[F_POS_FLOW]], K.d025, &pos_cap))
        return false;
    args[0] = revenue_share;
    args[1] = tax_cap;
    args[2] = pos_cap;
    args[3] = K.i3000000;
    if (!cr_fn_min(&cx, args, 4, &m) || !add(&cx, m, addon, &cap))
        return false;
    args[0] = cap;
    args[1] = x[field[F_REQUESTED_AMOUNT]];
    if (!cr_fn_min(&cx, args, 2, &m))
        return false;
    args[0] = m;
    args[1] = K.i1000;
    if (!cr_fn_floor_to(&cx, args, 2, &limit))
        return false;

    /* price */
    const cr_value *term = &x[field[F_REQUESTED_TERM]];
    int col = order(term, &K.i12) <= 0 ? 0 : order(term, &K.i24) <= 0 ? 1 : 2;
    cr_value adjustments, rate, clamped;
    if (!add(&cx, cr_text_eq(grade, &K.grade_a) ? K.dm020 : K.i0, order(inquiries, &K.i3) > 0 ? K.d030 : K.i0,
             &adjustments) ||
        !add(&cx, adjustments, collateral->tag == CR_NULL ? K.d050 : K.i0, &adjustments) ||
        !add(&cx, K.d310, K.premium[tier][col], &rate) || !add(&cx, rate, adjustments, &rate))
        return false;
    args[0] = rate;
    args[1] = K.d310;
    args[2] = K.d1240;
    if (!cr_fn_clamp(&cx, args, 3, &clamped))
        return false;
    args[0] = clamped;
    args[1] = cr_int(2);
    if (!cr_fn_round(&cx, args, 2, &rate))
        return false;

    /* decide */
    d->score = score;
    d->tier = tier;
    d->limit = limit;
    d->rate = rate;
    d->nreasons = 0;
    if (nf > 0) {
        d->outcome = CR_REJECT;
        for (int i = 0; i < nf; i++)
            d->reasons[d->nreasons++] = fired[i];
        return true;
    }
    bool low_limit = order(&limit, &K.i10000) < 0;
    if (tier == 3 || low_limit) {
        d->outcome = CR_REFER;
        if (tier != 3)
            d->reasons[d->nreasons++] = "LIMIT_TOO_LOW";
        /* the three lowest characteristics, ties in the scorecard's order */
        bool taken[7] = {false};
        for (int k = 0; k < 3; k++) {
            int best = -1;
            for (int i = 0; i < 7; i++)
                if (!taken[i] && (best < 0 || pts[i] < pts[best]))
                    best = i;
            taken[best] = true;
            d->reasons[d->nreasons++] = charac_codes[best];
        }
        return true;
    }
    d->outcome = CR_APPROVE;
    return true;
}

/* One timed pass: exactly the decisions.  A function of its own, never
 * inlined, so a profile can count this pass alone (tests/bench/profile.sh:
 * callgrind --toggle-collect=floor_pass), not the check against the VM. */
static __attribute__((noinline)) void floor_pass(cr_value **slots, size_t n, cr_arena *arena, tally *t)
{
    for (size_t i = 0; i < n; i++) {
        decision d;
        t->n++;
        if (!slots[i]) {
            t->by[3]++;
            continue;
        }
        cr_arena_reset(arena);
        if (decide(slots[i], arena, &d)) {
            t->by[d.outcome]++;
            t->reasons += (uint64_t)d.nreasons;
        } else {
            t->by[3]++;
        }
    }
}

static int let_index(const cr_program *p, const char *name)
{
    for (uint32_t i = 0; i < p->nlets; i++)
        if (strcmp(p->lets[i].name, name) == 0)
            return (int)i;
    fprintf(stderr, "floor: the policy has no let '%s'\n", name);
    exit(1);
}

/* The lets that hold the named results, looked up once. */
static int let_score, let_tier, let_limit, let_rate;

static bool same_number(const cr_value *a, const cr_value *b)
{
    return a->tag == b->tag && (a->tag != CR_DEC || a->scale == b->scale) && cr_num_cmp(*a, *b) == 0;
}

static bool is_text(const cr_value *v, const char *s)
{
    cr_value t = text(s);
    return v->tag == CR_TEXT && cr_text_eq(v, &t);
}

/* Whether the floor decided application `line` as the VM did; if not,
 * says what differs first. */
static bool agrees(const cr_session *s, const decision *d, size_t line)
{
    const cr_value *score = &s->lets[let_score], *tier = &s->lets[let_tier];
    const cr_value *limit = &s->lets[let_limit], *rate = &s->lets[let_rate];
    const char *what = NULL;
    uint32_t nr = s->reasons.tag == CR_LIST ? s->reasons.len : 0;
    if ((int)s->outcome != d->outcome)
        what = "the outcome";
    else if (score->tag != CR_INT || score->u.i != d->score)
        what = "the score";
    else if (!is_text(tier, tier_names[d->tier]))
        what = "the tier";
    else if (!same_number(limit, &d->limit))
        what = "the limit";
    else if (!same_number(rate, &d->rate))
        what = "the rate";
    else if (nr != (uint32_t)d->nreasons)
        what = "the number of reasons";
    for (uint32_t i = 0; !what && i < nr; i++)
        if (!is_text(&s->reasons.u.items[i], d->reasons[i]))
            what = "a reason code";
    if (what)
        fprintf(stderr, "floor: line %zu: %s differs from the VM's\n", line, what);
    return what == NULL;
}

int main(int argc, char **argv)
{
    if (argc < 4 || strcmp(argv[1], "decide") != 0) {
        fprintf(stderr, "usage: floor decide POLICY FILE [REPS]\n");
        return 2;
    }
    int reps = argc > 4 ? atoi(argv[4]) : 3;
    read_min_seconds();
    init_constants();
    cr_program *p = load(argv[2]);
    if (!p)
        return 1;
    for (int f = 0; f < F__COUNT; f++)
        if ((field[f] = cr_record_find(p->input, field_names[f], strlen(field_names[f]))) < 0) {
            fprintf(stderr, "floor: the policy's input has no field %s\n", field_names[f]);
            return 1;
        }
    let_score = let_index(p, "score");
    let_tier = let_index(p, "tier");
    let_limit = let_index(p, "limit");
    let_rate = let_index(p, "rate");
    size_t *st = NULL, *ln = NULL, n = 0;
    char *buf = slurp_lines(argv[3], &st, &ln, &n);
    cr_session *s = new_session(p);
    if (!buf || !s)
        return 1;
    cr_arena loader, arena;
    cr_arena_init(&loader, 1u << 20, 0);
    cr_arena_init(&arena, 64 * 1024, 0);
    unsigned complaints = 0;
    cr_value **slots = read_slots(p, buf, st, ln, n, &loader, &complaints);
    if (!slots)
        return 1;

    /* the floor must decide every application as the VM does */
    cr_value *own = s->slots;
    size_t differ = 0;
    for (size_t i = 0; i < n; i++) {
        if (!slots[i])
            continue;
        bool vm_ok = vm_decide(s, own, slots[i]);
        decision d;
        cr_arena_reset(&arena);
        bool ok = decide(slots[i], &arena, &d);
        if (vm_ok != ok) {
            if (differ++ < 5)
                fprintf(stderr, "floor: line %zu: %s where the VM %s\n", i + 1, ok ? "decided" : "failed",
                        vm_ok ? "decided" : "failed");
        } else if (ok && !agrees(s, &d, i + 1) && differ++ >= 5) {
            break;
        }
    }
    s->slots = own;
    cr_session_free(s);
    if (differ) {
        fprintf(stderr, "floor: decisions differ from the VM's; no time is reported\n");
        return 1;
    }

    tally t = {0};
    double best = 1e300, spent = 0;
    for (int r = 0; more_passes(r, reps, spent); r++) {
        memset(&t, 0, sizeof t);
        double t0 = now();
        floor_pass(slots, n, &arena, &t);
        double el = now() - t0;
        if (el < best)
            best = el;
        spent += el;
    }
    report("decide", &t, best);
    cr_arena_free(&arena);
    cr_arena_free(&loader);
    cr_program_free(p);
    free(slots);
    free(st);
    free(ln);
    free(buf);
    return 0;
}
