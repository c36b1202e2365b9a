/* The dispatch loop, included three times by vm.c: plain; plain without
 * the instruction budget (CR_BUDGET 0), for code in which no instruction
 * can run twice in one application, run under a budget at least as long as
 * the code, which therefore cannot run out; and with CR_TRACING set, which
 * records every comparison, test, rule firing, let value and call result
 * for `credo explain`.  The plain loops pay nothing for the tracing one.
 * Expects CR_LOOP_NAME, CR_TRACING and CR_BUDGET defined. */

#if CR_TRACING
#define TRACE(x, y, r) trace_add(s, cur, (x), (y), (r))
#else
#define TRACE(x, y, r) ((void)0)
#endif

static bool CR_LOOP_NAME(cr_session *s)
{
    const cr_program *p = s->prog;
    const cr_ins *canon = p->code;  /* the program's own: operands of superinstructions */
    const cr_ins *code = !CR_TRACING && s->fast ? s->fast : canon;
    const cr_value *consts = p->consts;
    cr_value *sp = s->stack;        /* next free */
    cr_value *locals = s->locals;
    uint32_t pc = 0, cur = 0;
    /* The budget: instructions and the work of built-ins and of the
     * instructions that walk a list or a text (README.md, "What the
     * budget counts").  With a deadline it is handed out CR_CLOCK_EVERY
     * at a time from `reserve`, the clock looked at between (vm_refill).
     * The loop that does not count instructions keeps only what they
     * cannot spend (the program has at most ncode of them to run), less
     * the work of its superinstructions (s->fused_work, at most once
     * each), for the other work, in `slack`. */
#if CR_BUDGET
    uint64_t budget = s->limits.max_instructions, reserve = 0;
#define WORK_LEFT budget
#else
    uint64_t budget = s->limits.max_instructions, slack = budget - p->ncode - s->fused_work, reserve = 0;
#define WORK_LEFT slack
#endif
    if (s->deadline_ns && WORK_LEFT > CR_CLOCK_EVERY) {
        reserve = WORK_LEFT - CR_CLOCK_EVERY;
        WORK_LEFT = CR_CLOCK_EVERY;
    }
    char err[384];
    err[0] = '\0';
    cr_call_ctx cx = {.arena = &s->arena, .err = err, .errsize = sizeof err};
    const cr_ins *in;
    cr_value a, b;

#if CR_BUDGET
#define SPEND_ONE                             \
    do {                                      \
        if (budget == 0)                      \
            goto out_of_budget;               \
        budget--;                             \
    } while (0)
#else
#define SPEND_ONE ((void)0)
#endif
/* Takes w from the budget for work beyond one instruction; w is 0 for
 * short texts and anything but lists, which costs one test. */
#define SPEND_WORK(w)                                                                           \
    do {                                                                                        \
        uint64_t w_ = (w);                                                                      \
        if (__builtin_expect(w_ != 0, 0)) {                                                     \
            if (__builtin_expect(w_ > WORK_LEFT, 0) && !vm_refill(s, &WORK_LEFT, &reserve, w_)) \
                goto out_of_work;                                                               \
            WORK_LEFT -= w_;                                                                    \
        }                                                                                       \
    } while (0)
/* After a built-in: what it read, from cx.work. */
#define SPEND_CALL_WORK()                     \
    do {                                      \
        if (__builtin_expect(cx.work != 0, 0)) { \
            SPEND_WORK(cx.work);              \
            cx.work = 0;                      \
        }                                     \
    } while (0)

#ifdef CR_COMPUTED_GOTO
    static void *const labels[CR_OP__ALL] = {
#define CR_OP_LABEL(name, a, b, c, pops, pushes, flow, contract) &&op_##name,
#define CR_SOP_LABEL(name) &&op_##name,
        CR_OPCODES(CR_OP_LABEL)
        CR_SUPER_OPCODES(CR_SOP_LABEL)
#undef CR_OP_LABEL
#undef CR_SOP_LABEL
    };
#define CASE(name) op_##name:
#define SUPER(name) op_##name:
#define FALLBACK                              \
    do {                                      \
        in = &canon[cur];                     \
        CR_ASSERT(vm_dispatch_ok(s, in, sp)); \
        goto *labels[in->op];                 \
    } while (0)
#define NEXT                                  \
    do {                                      \
        SPEND_ONE;                            \
        cur = pc;                             \
        in = &code[pc++];                     \
        CR_ASSERT(vm_dispatch_ok(s, in, sp)); \
        goto *labels[in->op];                 \
    } while (0)
    NEXT;
#else
#define CASE(name) case CR_OP_##name:
#define SUPER(name) case CR_SOP_##name:
#define NEXT goto dispatch
#define FALLBACK                              \
    do {                                      \
        in = &canon[cur];                     \
        goto dispatch_in;                     \
    } while (0)
dispatch:
    SPEND_ONE;
    cur = pc;
    in = &code[pc++];
dispatch_in:
    CR_ASSERT(vm_dispatch_ok(s, in, sp));
    switch ((int)in->op) {
#endif

    /* Each case below does what its row of lang/opcodes.h says.  Before it
     * runs, vm_dispatch_ok (CR_ASSERT at every dispatch) holds what the
     * verifier proved of every instruction: the values it pops are on the
     * stack, what it pushes fits under max_stack, each operand is in range
     * for its kind.  Above a case of more than one line: what else it
     * relies on, each held by a CR_ASSERT there. */

    CASE(CONST) *sp++ = consts[in->c]; NEXT;
    CASE(INPUT) *sp++ = s->slots[in->c]; NEXT;
    /* LET c: push let c's value, running its code first (to its LET_END c,
     * which comes back here) the first time this application asks.  Lets
     * never ask for themselves, directly or through others (sema refuses
     * it; the verifier orders lets callees first), so a let is never asked
     * for while its code runs: the error below is for unverified code. */
    CASE(LET)
        if (s->let_state[in->c] == LET_DONE) {
            *sp++ = s->lets[in->c];
            NEXT;
        }
        CR_ASSERT(s->let_state[in->c] == LET_NOT_RUN);
        if (s->let_state[in->c] == LET_RUNNING) {
            set_error(s, cur, "'%s' depends on itself", p->lets[in->c].name);
            return false;
        }
        s->let_state[in->c] = LET_RUNNING;
        s->ret[in->c] = pc;
        pc = p->lets[in->c].pc;
        NEXT;
    /* LET_END c: the value on top is let c's; it stays there as what the
     * LET that ran this code pushes.  It ends let c's own code (verified),
     * which only LET c starts, so let c is running. */
    CASE(LET_END)
        CR_ASSERT(s->let_state[in->c] == LET_RUNNING);
        s->lets[in->c] = sp[-1];
        TRACE(sp[-1], cr_null(), sp[-1]);
        s->let_state[in->c] = LET_DONE;
        pc = s->ret[in->c];
        NEXT;
    CASE(LOCAL) *sp++ = locals[in->c]; NEXT;
    CASE(STORE) locals[in->c] = *--sp; NEXT;
    CASE(POP) sp--; NEXT;
    CASE(DUP) sp[0] = sp[-1]; sp++; NEXT;
    /* FIELD c: pops a record, pushes its field c; anything else gives null.
     * A record has field c (the verifier tracks every record's fields). */
    CASE(FIELD)
        a = sp[-1];
        CR_ASSERT(a.tag != CR_RECORD || in->c < a.len);
        sp[-1] = a.tag == CR_RECORD ? a.u.items[in->c] : cr_null();
        NEXT;
    /* INDEX: pops i and xs, pushes xs[i] or stops the application when i
     * is outside.  xs has items (a list or a set: not a text or record). */
    CASE(INDEX) {
        b = *--sp;
        a = sp[-1];
        CR_ASSERT(vm_has_items(a));
        int64_t i = b.u.i < 0 ? (int64_t)a.len + b.u.i : b.u.i;
        if (i < 0 || i >= (int64_t)a.len) {
            set_error(s, cur, "position %lld is outside a list of %u items", (long long)b.u.i, a.len);
            return false;
        }
        sp[-1] = a.u.items[i];
        NEXT;
    }
    /* SLICE: pops j, i and xs, pushes xs[i..j] (a view of its items) or
     * stops the application.  xs has items. */
    CASE(SLICE) {
        cr_value j = *--sp;
        b = *--sp;
        CR_ASSERT(vm_has_items(sp[-1]));
        if (!slice(s, sp[-1], b.u.i, j.u.i, &sp[-1], err, sizeof err))
            goto fail;
        NEXT;
    }
    /* ADD: pops b and a, pushes a + b.  Two texts are joined (a text is
     * only ever added to a text or, as far as the verifier can see, a
     * null); numbers take the inline path unless it overflows. */
    CASE(ADD)
        b = *--sp;
        if (sp[-1].tag == CR_TEXT) {
            /* text + text (the compiler allows nothing else with text) */
            a = sp[-1];
            CR_ASSERT(b.tag == CR_TEXT || b.tag == CR_NULL);
            SPEND_WORK(((uint64_t)a.len + b.len) >> 6);
            char *t = cr_arena_alloc(&s->arena, (size_t)a.len + b.len + 1);
            if (!t)
                goto oom;
            memcpy(t, a.u.s, a.len);
            memcpy(t + a.len, b.u.s, b.len);
            sp[-1] = cr_text(t, a.len + b.len);
            NEXT;
        }
        if (cr_num_add_fast(&sp[-1], &b, &sp[-1]))
            NEXT;
        if (!cr_num_add(&cx, sp[-1], b, &sp[-1]))
            goto fail;
        NEXT;
    /* SUB, MUL, DIV, MOD: pop b and a, push a op b, or stop the application
     * (overflow, division by zero).  Both are numbers (or null, read as 0). */
    CASE(SUB)
        b = *--sp;
        CR_ASSERT(vm_number(sp[-1]) && vm_number(b));
        if (cr_num_sub_fast(&sp[-1], &b, &sp[-1]))
            NEXT;
        if (!cr_num_sub(&cx, sp[-1], b, &sp[-1]))
            goto fail;
        NEXT;
    CASE(MUL)
        b = *--sp;
        CR_ASSERT(vm_number(sp[-1]) && vm_number(b));
        if (cr_num_mul_fast(&sp[-1], &b, &sp[-1]))
            NEXT;
        if (!cr_num_mul(&cx, sp[-1], b, &sp[-1]))
            goto fail;
        NEXT;
    CASE(DIV)
        b = *--sp;
        CR_ASSERT(vm_number(sp[-1]) && vm_number(b));
        if (!cr_num_div(&cx, sp[-1], b, &sp[-1]))
            goto fail;
        NEXT;
    CASE(MOD)
        b = *--sp;
        CR_ASSERT(vm_number(sp[-1]) && vm_number(b));
        if (!cr_num_mod(&cx, sp[-1], b, &sp[-1]))
            goto fail;
        NEXT;
    /* NEG: the number on top negated, or the application stops. */
    CASE(NEG)
        CR_ASSERT(vm_number(sp[-1]));
        if (!cr_num_neg(&cx, sp[-1], &sp[-1]))
            goto fail;
        NEXT;
    CASE(TO_DEC) vm_to_dec(&sp[-1]); NEXT;
    CASE(EQ) b = *--sp; a = sp[-1]; SPEND_WORK(cmp_work(&a, &b)); sp[-1] = cr_bool(vm_cmp(&a, &b) == 0); TRACE(a, b, sp[-1]); NEXT;
    CASE(NE) b = *--sp; a = sp[-1]; SPEND_WORK(cmp_work(&a, &b)); sp[-1] = cr_bool(vm_cmp(&a, &b) != 0); TRACE(a, b, sp[-1]); NEXT;
    CASE(LT) b = *--sp; a = sp[-1]; SPEND_WORK(cmp_work(&a, &b)); sp[-1] = cr_bool(vm_cmp(&a, &b) < 0); TRACE(a, b, sp[-1]); NEXT;
    CASE(LE) b = *--sp; a = sp[-1]; SPEND_WORK(cmp_work(&a, &b)); sp[-1] = cr_bool(vm_cmp(&a, &b) <= 0); TRACE(a, b, sp[-1]); NEXT;
    CASE(GT) b = *--sp; a = sp[-1]; SPEND_WORK(cmp_work(&a, &b)); sp[-1] = cr_bool(vm_cmp(&a, &b) > 0); TRACE(a, b, sp[-1]); NEXT;
    CASE(GE) b = *--sp; a = sp[-1]; SPEND_WORK(cmp_work(&a, &b)); sp[-1] = cr_bool(vm_cmp(&a, &b) >= 0); TRACE(a, b, sp[-1]); NEXT;
    /* NOT and the tests below read a condition's bool without its tag: a
     * condition is a bool (or null, whose bool is false). */
    CASE(NOT) CR_ASSERT(vm_condition(sp[-1])); sp[-1].u.b = !sp[-1].u.b; NEXT;
    CASE(JUMP) pc = in->c; NEXT;
    CASE(JUMP_FALSE) CR_ASSERT(vm_condition(sp[-1])); if (!(--sp)->u.b) pc = in->c; NEXT;
    CASE(JUMP_TRUE) CR_ASSERT(vm_condition(sp[-1])); if ((--sp)->u.b) pc = in->c; NEXT;
    CASE(AND_JUMP) CR_ASSERT(vm_condition(sp[-1])); if (!sp[-1].u.b) pc = in->c; else sp--; NEXT;
    CASE(OR_JUMP) CR_ASSERT(vm_condition(sp[-1])); if (sp[-1].u.b) pc = in->c; else sp--; NEXT;
    CASE(COALESCE) if (sp[-1].tag != CR_NULL) pc = in->c; else sp--; NEXT;
    CASE(IS_NULL) a = sp[-1]; sp[-1] = cr_bool((a.tag == CR_NULL) != (in->a != 0)); TRACE(a, cr_null(), sp[-1]); NEXT;
    /* IN: pops the set and x, pushes whether x is one of its items (a=1:
     * whether it is not).  The set has items. */
    CASE(IN)
        b = *--sp;
        a = sp[-1];
        CR_ASSERT(vm_has_items(b));
        SPEND_WORK(b.len);
        sp[-1] = cr_bool(vm_in(&a, &b) != (in->a != 0));
        TRACE(a, b, sp[-1]);
        NEXT;
    /* MATCH c: the text on top becomes whether regex c matches it, or the
     * application stops when PCRE2 gives up (match or depth limit).  It is
     * a text or a null (whose length is 0). */
    CASE(MATCH) {
        a = sp[-1];
        CR_ASSERT(a.tag == CR_TEXT || a.tag == CR_NULL);
        SPEND_WORK(a.len >> 6);
        if (s->regex_fixed[in->c]) {
            sp[-1] = cr_bool(cr_regex_fixed_match(s->regex_fixed[in->c], a.u.s, a.len));
            TRACE(a, cr_null(), sp[-1]);
            NEXT;
        }
        pcre2_code *re = p->regex[in->c];
        /* Every text is well-formed UTF-8 before it gets here (the JSON
         * reader, the C API, lookups and the lexer check; joining and ASCII
         * case mapping keep it so), so PCRE2 need not check it again, and
         * the JIT's own entry (same limits, from the match context) can be
         * used; a pattern the JIT did not compile goes to pcre2_match. */
        int rc = pcre2_jit_match(re, (PCRE2_SPTR)a.u.s, a.len, 0, 0, s->match_data, s->match_ctx);
        if (rc == PCRE2_ERROR_JIT_BADOPTION)
            rc = pcre2_match(re, (PCRE2_SPTR)a.u.s, a.len, 0, PCRE2_NO_UTF_CHECK, s->match_data, s->match_ctx);
        if (rc >= 0) {
            sp[-1] = cr_bool(true);
            TRACE(a, cr_null(), sp[-1]);
        } else if (rc == PCRE2_ERROR_NOMATCH) {
            sp[-1] = cr_bool(false);
            TRACE(a, cr_null(), sp[-1]);
        } else {
            char msg[128];
            pcre2_get_error_message(rc, (PCRE2_UCHAR *)msg, sizeof msg);
            set_error(s, cur, "regular expression failed: %s", msg);
            return false;
        }
        NEXT;
    }
    /* LOOKUP c: the key on top becomes lookup c's row for it, or null.
     * Every stored row has the columns of the lookup's type (verified),
     * which is what FIELD reads of it. */
    CASE(LOOKUP) {
        /* the compiler gives a text key; anything else (only a damaged
         * program could) finds no row */
        const cr_lookup_info *lk = &p->lookups[in->c];
        a = sp[-1];
        SPEND_WORK(a.len >> 6);
        int64_t row = a.tag == CR_TEXT ? cr_lookup_find(lk, a.u.s, a.len) : -1;
        sp[-1] = row < 0 ? cr_null() : lk->rows[row];
        NEXT;
    }
    /* HAS c: the key on top becomes whether lookup c has a row for it. */
    CASE(HAS) {
        const cr_lookup_info *lk = &p->lookups[in->c];
        a = sp[-1];
        SPEND_WORK(a.len >> 6);
        sp[-1] = cr_bool(a.tag == CR_TEXT && cr_lookup_find(lk, a.u.s, a.len) >= 0);
        TRACE(a, cr_null(), sp[-1]);
        NEXT;
    }
    /* CALL a c: pops a arguments (as many as built-in c takes), pushes its
     * result or stops the application with its error.  Each argument has a
     * type the built-in reads (verified against its signature). */
    CASE(CALL)
        if (!(sp = vm_call(&cx, in, sp)))
            goto fail;
        SPEND_CALL_WORK();   /* after: a built-in knows what it did (a mean reused costs nothing) */
        TRACE(sp[-1], cr_null(), sp[-1]);
        NEXT;
    /* LIST c: pops c values, pushes a list of them (in this application's
     * arena). */
    CASE(LIST) {
        uint32_t n = in->c;
        cr_value *items = cr_arena_alloc(&s->arena, (n ? n : 1) * sizeof *items);
        if (!items)
            goto oom;
        sp -= n;
        memcpy(items, sp, n * sizeof *items);
        *sp++ = cr_list(items, n);
        NEXT;
    }
    /* RECORD c: a table row's named outputs, in the order of its fields. */
    CASE(RECORD) {
        uint32_t n = in->c;
        cr_value *items = cr_arena_alloc(&s->arena, (n ? n : 1) * sizeof *items);
        if (!items)
            goto oom;
        sp -= n;
        memcpy(items, sp, n * sizeof *items);
        *sp = cr_list(items, n);
        sp->tag = CR_RECORD;
        sp++;
        NEXT;
    }
    CASE(TODAY) *sp++ = cr_date(s->today); NEXT;
    /* FIRE c: pops a condition; when true, rule c fired.  Rules fire in
     * rising order along every path of the main code (verified), so each
     * at most once and s->fired, one entry per rule, has room. */
    CASE(FIRE)
        TRACE(sp[-1], cr_null(), sp[-1]);
        CR_ASSERT(vm_condition(sp[-1]) && s->nfired < p->nrules);
        if ((--sp)->u.b)
            s->fired[s->nfired++] = in->c;
        NEXT;
    /* ITER_INIT b: pops xs, which has items, and starts a walk of it in
     * locals b (the list) and b + 1 (the position). */
    CASE(ITER_INIT)
        CR_ASSERT(vm_has_items(sp[-1]));
        locals[in->b] = *--sp;
        locals[in->b + 1] = cr_int(0);
        NEXT;
    /* ITER_NEXT b c: the next item of the walk in locals b and b + 1 into
     * local b + 2, or, when none is left, on to c.  An ITER_INIT b started
     * that walk on every path here (verified), so local b has items and
     * local b + 1 is an int position. */
    CASE(ITER_NEXT) {
        cr_value *xs = &locals[in->b];
        CR_ASSERT(vm_has_items(*xs) && locals[in->b + 1].tag == CR_INT);
        int64_t i = locals[in->b + 1].u.i;
        if (i >= (int64_t)xs->len) {
            pc = in->c;
            NEXT;
        }
        locals[in->b + 2] = xs->u.items[i];
        locals[in->b + 1].u.i = i + 1;
        NEXT;
    }
    /* AGG_COUNT: pops a condition; when true, adds 1 to the count under
     * it, an int that started small and grows by at most one per item
     * walked (verified), so it cannot overflow. */
    CASE(AGG_COUNT)
        CR_ASSERT(vm_condition(sp[-1]) && sp[-2].tag == CR_INT);
        if ((--sp)->u.b)
            sp[-1].u.i++;
        NEXT;
    /* AGG_ANY c, AGG_ALL c: pop a condition; the first true (any) or false
     * (all) one replaces the answer under it and leaves the walk for c. */
    CASE(AGG_ANY)
        CR_ASSERT(vm_condition(sp[-1]));
        if ((--sp)->u.b) {
            sp[-1] = cr_bool(true);
            pc = in->c;
        }
        NEXT;
    CASE(AGG_ALL)
        CR_ASSERT(vm_condition(sp[-1]));
        if (!(--sp)->u.b) {
            sp[-1] = cr_bool(false);
            pc = in->c;
        }
        NEXT;
    /* COMP_NEW b: pushes an empty list with room for every item of the
     * walk in locals b and b + 1 (started on every path here, verified). */
    CASE(COMP_NEW) {
        CR_ASSERT(vm_has_items(locals[in->b]));
        uint32_t n = locals[in->b].len;
        cr_value *items = cr_arena_alloc(&s->arena, (n ? n : 1) * sizeof *items);
        if (!items)
            goto oom;
        *sp++ = cr_list(items, 0);
        NEXT;
    }
    /* COMP_ADD: pops v and appends it to the list under it, without a
     * bound: that list is one COMP_NEW made, and only one item is added
     * per item walked (verified), so it has room. */
    CASE(COMP_ADD) {
        a = *--sp;
        cr_value *list = &sp[-1];
        CR_ASSERT(list->tag == CR_LIST);
        ((cr_value *)list->u.items)[list->len++] = a;
        NEXT;
    }
    /* SC_MARK b c: characteristic b took bin c and the points on top
     * (kept), a number or null: points outlive the application's run
     * (explain, SC_LOWEST compare them as numbers). */
    CASE(SC_MARK)
        CR_ASSERT(vm_number(sp[-1]));
        s->sc_bin[in->b] = (int32_t)in->c;
        s->sc_points[in->b] = sp[-1];
        NEXT;
    CASE(SC_POINTS) *sp++ = s->sc_points[in->c]; NEXT;
    /* SC_LOWEST c: the count k on top becomes the reason codes of the k
     * characteristics of scorecard c with the fewest points. */
    CASE(SC_LOWEST)
        if (!lowest_codes(s, in->c, sp[-1].u.i, &sp[-1]))
            goto oom;
        NEXT;
    /* SC_REASONS c: the count k on top and, under it, the best points of
     * each characteristic of scorecard c become the reason codes of the
     * k that lost the most against their best, none that lost nothing. */
    CASE(SC_REASONS) {
        int r = loss_codes(s, in->c, sp[-2], sp[-1].u.i, &sp[-2], err, sizeof err);
        if (r < 0)
            goto oom;
        if (r > 0)
            goto fail;
        sp--;
        NEXT;
    }
    CASE(SEG_MARK) s->seg_row[in->b] = (int32_t)in->c; NEXT;
    CASE(TBL_START) s->tbl_count[in->c] = 0; NEXT;
    CASE(TBL_NONE) *sp++ = cr_bool(s->tbl_count[in->c] == 0); NEXT;
    /* TBL_MATCH b c: pops the output of row c of table b, which matched.
     * Between TBL_START b and TBL_END b (both in table b's own let) rows
     * match in rising order (verified), each at most once, so table b's
     * share of tbl_rows and tbl_vals has room. */
    CASE(TBL_MATCH) {
        CR_ASSERT(s->tbl_count[in->b] < p->tables[in->b].nrows && p->tables[in->b].nrows <= p->max_table_rows);
        uint32_t k = s->tbl_count[in->b]++;
        size_t at = (size_t)in->b * p->max_table_rows + k;
        s->tbl_rows[at] = in->c;
        s->tbl_vals[at] = *--sp;
        NEXT;
    }
    /* TBL_END c: pushes what table c's matched rows give by its hit
     * policy, or stops the application (no row matched, or two rows of a
     * unique table did). */
    CASE(TBL_END)
        if (!table_end(s, in->c, sp, err, sizeof err))
            goto fail;
        sp++;
        NEXT;
    /* ADMISSION a: pushes member a of the admission's outcome: the codes
     * that fired (all, rejects or refers) or whether a reject or a refer
     * fired.  a is a member (verified): ADM_COUNT is not one. */
    CASE(ADMISSION)
        switch ((cr_admission_member)in->a) {
        case ADM_REASONS:
        case ADM_REJECTIONS:
        case ADM_REFERRALS:
            if (!admission_codes(s, true, in->a == ADM_REASONS ? -1 : in->a == ADM_REJECTIONS ? RULE_REJECT : RULE_REFER, sp))
                goto oom;
            break;
        case ADM_COUNT:
            CR_ASSERT(!"ADMISSION asks for a member that is not one");
            /* fall through */
        case ADM_REJECTED:
        case ADM_REFERRED:
            *sp = cr_bool(admission_has(s, in->a == ADM_REJECTED ? RULE_REJECT : RULE_REFER));
            break;
        }
        sp++;
        NEXT;
    /* REASONS c: pops c values, codes or lists of codes, pushes them as
     * one list of codes. */
    CASE(REASONS) {
        uint32_t n = in->c;
        sp -= n;
        if (!flatten_reasons(s, sp, n, sp))
            goto oom;
        sp++;
        NEXT;
    }
    /* DECIDE a c: pops the reasons, a list of texts (verified), and ends
     * the run: decide row c chose outcome a.  Only the main code decides. */
    CASE(DECIDE)
        CR_ASSERT(sp[-1].tag == CR_LIST);
        s->reasons = *--sp;
        s->outcome = (cr_outcome_code)in->a;
        s->decided = true;
        s->decide_row = (int32_t)in->c;
        goto done;
    /* FAIL c: stops the application with the error text consts[c] (a text,
     * verified). */
    CASE(FAIL)
        CR_ASSERT(consts[in->c].tag == CR_TEXT);
        set_error(s, cur, "%.*s", (int)consts[in->c].len, consts[in->c].u.s);
        return false;
    /* HALT: the end of the main code; the default outcome rule decides. */
    CASE(HALT)
        goto done;

    /* ---- superinstructions (lang/opcodes.h): the plain loop only ----
     * Each first takes from the budget the rest of the instructions it
     * stands for, or, when the budget has not that many, runs its first
     * plain instruction alone so the budget runs out where it would have. */
#if CR_TRACING
    SUPER(K_CMP) SUPER(K_CMP_JF) SUPER(LOCAL_K_CMP_JF) SUPER(INPUT_K_CMP) SUPER(INPUT_K_CMP_JF)
    SUPER(LET_K_CMP) SUPER(LET_K_CMP_JF) SUPER(SC_BIN) SUPER(CALL_DEC)
    SUPER(INPUT_K_CMP_FIRE) SUPER(LET_K_CMP_FIRE) SUPER(INPUT_K_IN)
        FALLBACK;
#else
    /* Takes n instructions from the budget before a superinstruction
     * standing for n + 1, or runs its first plain instruction alone.
     * Each case relies on the program's code at cur being the run it
     * stands for (CR_ASSERT), and on what the verifier proved of that run's
     * plain instructions. */
#define CHARGE(n)                                 \
    do {                                          \
        if (CR_BUDGET && budget < (n))            \
            FALLBACK;                             \
        budget -= (n);                            \
    } while (0)
    SUPER(K_CMP)                    /* CONST k; CMP */
        CR_ASSERT(vm_run_is(&canon[cur], CR_OP_CONST, CR_OP_EQ + in->a, CR_OP__ALL, CR_OP__ALL));
        CHARGE(1);
        sp[-1] = cr_bool(vm_holds(in->a, &sp[-1], &consts[in->c]));
        pc = cur + 2;
        NEXT;
    SUPER(K_CMP_JF)                 /* CONST k; CMP; JUMP_FALSE t */
        CR_ASSERT(vm_run_is(&canon[cur], CR_OP_CONST, CR_OP_EQ + in->a, CR_OP_JUMP_FALSE, CR_OP__ALL));
        CHARGE(2);
        sp--;
        pc = vm_holds(in->a, sp, &consts[in->c]) ? cur + 3 : canon[cur + 2].c;
        NEXT;
    SUPER(LOCAL_K_CMP_JF)           /* LOCAL x; CONST k; CMP; JUMP_FALSE t */
        CR_ASSERT(vm_run_is(&canon[cur], CR_OP_LOCAL, CR_OP_CONST, CR_OP_EQ + in->a, CR_OP_JUMP_FALSE));
        CHARGE(3);
        pc = vm_holds(in->a, &locals[in->c], &consts[canon[cur + 1].c]) ? cur + 4 : canon[cur + 3].c;
        NEXT;
    SUPER(INPUT_K_CMP)              /* INPUT x; CONST k; CMP */
        CR_ASSERT(vm_run_is(&canon[cur], CR_OP_INPUT, CR_OP_CONST, CR_OP_EQ + in->a, CR_OP__ALL));
        CHARGE(2);
        *sp++ = cr_bool(vm_holds(in->a, &s->slots[in->c], &consts[canon[cur + 1].c]));
        pc = cur + 3;
        NEXT;
    SUPER(INPUT_K_CMP_JF)           /* INPUT x; CONST k; CMP; JUMP_FALSE t */
        CR_ASSERT(vm_run_is(&canon[cur], CR_OP_INPUT, CR_OP_CONST, CR_OP_EQ + in->a, CR_OP_JUMP_FALSE));
        CHARGE(3);
        pc = vm_holds(in->a, &s->slots[in->c], &consts[canon[cur + 1].c]) ? cur + 4 : failed_test_target(canon, in, cur, !CR_BUDGET);
        NEXT;
    SUPER(LET_K_CMP)                /* LET x (computed); CONST k; CMP */
        CR_ASSERT(vm_run_is(&canon[cur], CR_OP_LET, CR_OP_CONST, CR_OP_EQ + in->a, CR_OP__ALL));
        if (s->let_state[in->c] != LET_DONE)
            FALLBACK;
        CHARGE(2);
        *sp++ = cr_bool(vm_holds(in->a, &s->lets[in->c], &consts[canon[cur + 1].c]));
        pc = cur + 3;
        NEXT;
    SUPER(LET_K_CMP_JF)             /* LET x (computed); CONST k; CMP; JUMP_FALSE t */
        CR_ASSERT(vm_run_is(&canon[cur], CR_OP_LET, CR_OP_CONST, CR_OP_EQ + in->a, CR_OP_JUMP_FALSE));
        if (s->let_state[in->c] != LET_DONE)
            FALLBACK;
        CHARGE(3);
        pc = vm_holds(in->a, &s->lets[in->c], &consts[canon[cur + 1].c]) ? cur + 4 : failed_test_target(canon, in, cur, !CR_BUDGET);
        NEXT;
    SUPER(INPUT_K_CMP_FIRE)         /* INPUT x; CONST k; CMP; FIRE r */
        CR_ASSERT(vm_run_is(&canon[cur], CR_OP_INPUT, CR_OP_CONST, CR_OP_EQ + in->a, CR_OP_FIRE));
        CR_ASSERT(s->nfired < p->nrules);
        CHARGE(3);
        if (vm_holds(in->a, &s->slots[in->c], &consts[canon[cur + 1].c]))
            s->fired[s->nfired++] = canon[cur + 3].c;
        pc = cur + 4;
        NEXT;
    SUPER(LET_K_CMP_FIRE)           /* LET x (computed); CONST k; CMP; FIRE r */
        CR_ASSERT(vm_run_is(&canon[cur], CR_OP_LET, CR_OP_CONST, CR_OP_EQ + in->a, CR_OP_FIRE));
        if (s->let_state[in->c] != LET_DONE)
            FALLBACK;
        CR_ASSERT(s->nfired < p->nrules);
        CHARGE(3);
        if (vm_holds(in->a, &s->lets[in->c], &consts[canon[cur + 1].c]))
            s->fired[s->nfired++] = canon[cur + 3].c;
        pc = cur + 4;
        NEXT;
    SUPER(INPUT_K_IN)               /* INPUT x; CONST set; IN (a: 1 for not in) */
        CR_ASSERT(vm_run_is(&canon[cur], CR_OP_INPUT, CR_OP_CONST, CR_OP_IN, CR_OP__ALL) && canon[cur + 2].a == in->a);
        CR_ASSERT(vm_has_items(consts[canon[cur + 1].c]));
        /* the constant set's items too: counted here, and taken from the
         * loop's slack in advance where instructions are not counted */
        CHARGE(2 + (uint64_t)consts[canon[cur + 1].c].len);
        *sp++ = cr_bool(vm_in(&s->slots[in->c], &consts[canon[cur + 1].c]) != (in->a != 0));
        pc = cur + 3;
        NEXT;
    SUPER(SC_BIN) {                 /* CONST p; SC_MARK b c; ADD; JUMP t */
        const cr_ins *mark = &canon[cur + 1];
        cr_value pts = consts[in->c];
        CR_ASSERT(vm_run_is(&canon[cur], CR_OP_CONST, CR_OP_SC_MARK, CR_OP_ADD, CR_OP_JUMP));
        if (sp[-1].tag == CR_TEXT)
            FALLBACK;
        CHARGE(3);
        s->sc_bin[mark->b] = (int32_t)mark->c;
        s->sc_points[mark->b] = pts;
        int64_t r;
        if (sp[-1].tag == CR_INT && pts.tag == CR_INT && !__builtin_add_overflow(sp[-1].u.i, pts.u.i, &r)) {
            sp[-1].u.i = r;
        } else if (!cr_num_add(&cx, sp[-1], pts, &sp[-1])) {
            cur += 2;               /* the error is the ADD's */
            goto fail;
        }
        pc = canon[cur + 3].c;
        NEXT;
    }
    SUPER(CALL_DEC)                 /* CALL f n; TO_DEC */
        CR_ASSERT(vm_run_is(&canon[cur], CR_OP_CALL, CR_OP_TO_DEC, CR_OP__ALL, CR_OP__ALL));
        CHARGE(1);
        if (!(sp = vm_call(&cx, in, sp)))
            goto fail;
        SPEND_CALL_WORK();
        vm_to_dec(&sp[-1]);
        pc = cur + 2;
        NEXT;
#undef CHARGE
#endif
#ifndef CR_COMPUTED_GOTO
    /* Without computed goto only: an opcode past both tables, which
     * verified code never has.  An opcode missing its case is caught when
     * building with computed goto, whose labels[] names op_NAME for every
     * row of both tables. */
    default:
        set_error(s, cur, "bad instruction %u", in->op);
        return false;
    }
#endif

done:
    s->executed = CR_BUDGET ? s->limits.max_instructions - budget - reserve : 0;
    if (!s->decided) {
        /* the default rule: REJECT if any reject fired, else REFER if any
         * refer fired, else APPROVE; reasons are that kind's codes */
        bool rejected = false, referred = false;
        for (uint32_t i = 0; i < s->nfired; i++) {
            if (p->rules[s->fired[i]].kind == RULE_REJECT) rejected = true;
            else referred = true;
        }
        s->outcome = rejected ? CR_REJECT : referred ? CR_REFER : CR_APPROVE;
        if (!admission_codes(s, false, rejected ? RULE_REJECT : RULE_REFER, &s->reasons))
            goto oom;
        if (s->outcome == CR_APPROVE)
            s->reasons = cr_list(NULL, 0);
    }
    return true;

fail:
    set_error(s, cur, "%s", err);
    return false;
oom:
    set_error(s, cur, "out of memory for this application (limit %zu bytes)", s->limits.max_memory);
    return false;
#if CR_BUDGET
out_of_budget:
    if (vm_refill(s, &budget, &reserve, 1))
        NEXT;
    if (s->past_deadline) {
        set_error(s, pc, "deadline of %u ms exceeded", s->limits.deadline_ms);
        return false;
    }
    s->executed = s->limits.max_instructions;
    set_error(s, pc, "instruction budget of %llu exceeded", (unsigned long long)s->limits.max_instructions);
    return false;
#endif
out_of_work:
    if (s->past_deadline) {
        set_error(s, cur, "deadline of %u ms exceeded", s->limits.deadline_ms);
        return false;
    }
#if CR_BUDGET
    s->executed = s->limits.max_instructions;
    set_error(s, cur, "instruction budget of %llu exceeded", (unsigned long long)s->limits.max_instructions);
#else
    /* the work may fit the budget with the instructions actually run:
     * the caller runs the application again in the loop that counts */
    s->recount = true;
#endif
    return false;
}

#undef TRACE
#undef SPEND_ONE
#undef SPEND_WORK
#undef SPEND_CALL_WORK
#undef WORK_LEFT
#undef CASE
#undef SUPER
#undef FALLBACK
#undef NEXT
