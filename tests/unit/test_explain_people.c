/* Unit tests for the accounts of a decision for people
 * (runtime/io/explain_words.c, explain_people.c) and the place of a
 * matched table row (explain.c): one small policy decided with the
 * tracing loop, each test's words compared whole. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/compile.h"
#include "runtime/core/date.h"
#include "runtime/decide.h"
#include "runtime/io/explain_parts.h"
#include "runtime/io/explain_people.h"
#include "runtime/io/explain_words.h"

static const char policy[] =
    "policy words\n"
    "input applicant { app_id: text  age: int  grade: text  income: money  note: text? }\n"
    "admission {\n"
    "  reject YOUNG \"under 18\" when age < 18\n"
    "  reject OLD when age > 65\n"
    "  reject GRADE when grade in {\"C\", \"D\"}\n"
    "  refer  LOW when income <= 2000\n"
    "  refer  NOTE when note is null\n"
    "  refer  FORMAT when not (grade matches /^[A-D]$/)\n"
    "}\n"
    "segment tier {\n"
    "  TOP   when income >= 5000\n"
    "  OTHER otherwise\n"
    "}\n"
    "table premium(tier, age) -> rate {\n"
    "        | < 30 | else\n"
    "  TOP   | 0.5  | 0.7\n"
    "  OTHER | 1.5  | 1.7\n"
    "}\n"
    "rate = premium\n";

typedef struct run {
    cr_program *p;
    cr_session *s;
    cr_trace trace;
    cr_decided d;
    char *line;
} run;

static void decide(run *r, const char *app)
{
    size_t len = strlen(policy);
    cr_diags diags;
    cr_diags_init(&diags, "t.credo", policy, len);
    r->p = cr_compile("t.credo", policy, len, &diags);
    if (!r->p)
        cr_diags_print(&diags, stderr);
    cr_diags_free(&diags);
    assert_non_null(r->p);
    r->s = cr_session_new(r->p, NULL);
    assert_non_null(r->s);
    assert_true(cr_date_parse("2026-12-01", 10, &r->s->today));
    r->trace.cap = 1000;
    r->trace.items = malloc(r->trace.cap * sizeof *r->trace.items);
    r->s->trace = &r->trace;
    r->line = strdup(app);
    assert_true(cr_decide(r->s, r->line, strlen(r->line), NULL, NULL, &r->d));
}

static void run_free(run *r)
{
    free(r->trace.items);
    free(r->line);
    cr_session_free(r->s);
    cr_program_free(r->p);
}

typedef struct collected {
    const cr_session *s;
    char text[1024];
} collected;

static void collect(void *ctx, const char *text, const cr_trace_entry *e)
{
    (void)text;
    collected *c = ctx;
    char buf[300];
    cr_ex_test_words(c->s, e, true, buf, sizeof buf);
    strcat(c->text, buf);
    strcat(c->text, "; ");
}

/* The words of a rule's tests, joined by "; ". */
static const char *rule_words(run *r, uint32_t rule)
{
    static collected c;
    c.s = r->s;
    c.text[0] = '\0';
    cr_ex_tests_in(r->s, r->p->rules[rule].span, collect, &c);
    return c.text;
}

static void test_words_of_each_test(void **state)
{
    (void)state;
    run r = {0};
    decide(&r, "{\"app_id\":\"A\",\"age\":17,\"grade\":\"C\",\"income\":1500,\"note\":null}");
    assert_string_equal(rule_words(&r, 0), "age 17 is below the minimum of 18; ");
    assert_string_equal(rule_words(&r, 1), "age 17 is not above 65; ");
    assert_string_equal(rule_words(&r, 2), "grade C is one of C, D; ");
    assert_string_equal(rule_words(&r, 3), "income 1500 is at or below 2000; ");
    assert_string_equal(rule_words(&r, 4), "note is missing; ");
    assert_string_equal(rule_words(&r, 5), "grade C has the required form; ");
    run_free(&r);
}

static void test_grid_cell_place(void **state)
{
    (void)state;
    run r = {0};
    decide(&r, "{\"app_id\":\"A\",\"age\":40,\"grade\":\"A\",\"income\":9000,\"note\":\"n\"}");
    const cr_table_info *t = &r.p->tables[0];
    char place[200];
    uint32_t row = r.s->tbl_rows[0];
    cr_ex_table_place(r.p, t, row, place, sizeof place);
    assert_string_equal(place, "row TOP, column else (line 17)");
    cr_ex_table_place(r.p, t, 2, place, sizeof place);
    assert_string_equal(place, "row OTHER, column < 30 (line 18)");
    run_free(&r);
}

static void test_html_escapes_the_application(void **state)
{
    (void)state;
    run r = {0};
    decide(&r, "{\"app_id\":\"<script>x('&')</script>\",\"age\":17,\"grade\":\"A\",\"income\":9000,\"note\":\"n\"}");
    cr_buf b = {0};
    cr_explain_html(&b, r.s, r.d.app_id, r.d.app_id_len);
    cr_buf_put(&b, "", 1);
    assert_null(strstr(b.p, "<script"));
    assert_non_null(strstr(b.p, "&lt;script&gt;x(&#39;&amp;&#39;)&lt;/script&gt;"));
    assert_non_null(strstr(b.p, "<li data-code=\"YOUNG\"><strong class=\"code\">YOUNG</strong>: under 18"));
    assert_non_null(strstr(b.p, "<li>age 17 is below the minimum of 18</li>"));
    cr_buf_free(&b);
    cr_explain_plain(&b, r.s, r.d.app_id, r.d.app_id_len);
    cr_buf_put(&b, "", 1);
    assert_non_null(strstr(b.p, "Application <script>x('&')</script>: Declined (REJECT)\n"));
    cr_buf_free(&b);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words_of_each_test),
        cmocka_unit_test(test_grid_cell_place),
        cmocka_unit_test(test_html_escapes_the_application),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
