/* Reads test files with the language's own scanner (lang/lexer.l), turns
 * each `given` into the JSON line a decision system would send, decides it
 * through the same reader and VM as `credo run`, and checks expectations
 * against the decision.  See policy_test.h for the file format. */
#define _GNU_SOURCE /* memmem */
#include "runtime/author/policy_test.h"
#include "runtime/author/test_report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lang/compile.h"
#include "lang/parse.h"
#include "stdlib/stdlib.h"
#include "runtime/core/date.h"
#include "runtime/decide.h"
#include "runtime/io/decision_json.h"
#include "runtime/io/json_read.h"
#include "runtime/vm/vm.h"

#include "parser.h"
#include "lexer.h"

/* ---- tokens ---- */

typedef struct tok {
    int kind;
    cr_span sp;
    CR_YYSTYPE val;
} tok;

typedef struct reader {
    const char *file;
    const char *src;
    size_t len;
    cr_arena *arena;
    cr_diags diags;
    cr_parse_ctx ctx;
    yyscan_t scanner;
    tok cur, next;
    bool failed;
} reader;

static void advance(reader *r)
{
    r->cur = r->next;
    memset(&r->next.val, 0, sizeof r->next.val);
    r->next.kind = cr_yylex(&r->next.val, &r->next.sp, r->scanner);
}

static bool is_word(const tok *t, const char *w)
{
    return t->kind == T_IDENT && strcmp(t->val.str.s, w) == 0;
}

static void fail_at(reader *r, cr_span sp, const char *msg)
{
    if (!r->failed)
        cr_diag(&r->diags, CR_SEV_ERROR, sp, "%s", msg);
    r->failed = true;
}

static bool expect_tok(reader *r, int kind, const char *what)
{
    if (r->cur.kind == kind) {
        advance(r);
        return true;
    }
    char msg[128];
    snprintf(msg, sizeof msg, "expected %s", what);
    fail_at(r, r->cur.sp, msg);
    return false;
}

/* ---- fixtures: records written like the language's literals ---- */

typedef struct pair {
    const char *key;
    char *json;    /* the value as JSON text */
} pair;

typedef struct record {
    pair *items;
    uint32_t count, cap;
} record;

typedef struct fixture {
    const char *name;
    cr_span span;
    record rec;
    struct fixture *next;
} fixture;

static void buf_json_value(reader *r, cr_buf *b);

static void buf_record(reader *r, cr_buf *b, record *pairs)
{
    if (!expect_tok(r, '{', "'{'"))
        return;
    if (b)
        cr_buf_put(b, "{", 1);
    bool first = true;
    while (!r->failed && r->cur.kind != '}' && r->cur.kind != 0) {
        if (r->cur.kind != T_IDENT && r->cur.kind != T_STRING) {
            fail_at(r, r->cur.sp, "expected a field name");
            return;
        }
        const char *key = r->cur.val.str.s;
        advance(r);
        if (!expect_tok(r, ':', "':' after the field name"))
            return;
        cr_buf vb = {0};
        buf_json_value(r, &vb);
        if (b) {
            if (!first)
                cr_buf_put(b, ",", 1);
            cr_buf_json_string(b, key, strlen(key));
            cr_buf_put(b, ":", 1);
            if (vb.p)
                cr_buf_put(b, vb.p, vb.len);
        }
        if (pairs) {
            /* a later value for the same key replaces the earlier one */
            uint32_t i;
            for (i = 0; i < pairs->count; i++)
                if (strcmp(pairs->items[i].key, key) == 0)
                    break;
            if (i == pairs->count) {
                if (pairs->count == pairs->cap) {
                    uint32_t cap = pairs->cap ? pairs->cap * 2 : 16;
                    pair *n = realloc(pairs->items, cap * sizeof *n);
                    if (!n) {
                        cr_buf_free(&vb);
                        fail_at(r, r->cur.sp, "out of memory");
                        return;
                    }
                    pairs->items = n;
                    pairs->cap = cap;
                }
                pairs->count++;
                pairs->items[i].key = key;
            } else {
                free(pairs->items[i].json);
            }
            pairs->items[i].json = vb.p ? vb.p : strdup("null");
        } else {
            cr_buf_free(&vb);
        }
        first = false;
        if (r->cur.kind == ',')
            advance(r);
    }
    expect_tok(r, '}', "'}'");
    if (b)
        cr_buf_put(b, "}", 1);
}

/* A value as JSON: numbers keep their exact text, dates become strings. */
static void buf_json_value(reader *r, cr_buf *b)
{
    tok t = r->cur;
    char tmp[32];
    switch (t.kind) {
    case '-':
        advance(r);
        if (r->cur.kind != T_INT && r->cur.kind != T_DEC) {
            fail_at(r, r->cur.sp, "expected a number after '-'");
            return;
        }
        cr_buf_put(b, "-", 1);
        /* fall through to the number */
        t = r->cur;
        /* FALLTHROUGH */
    case T_INT:
    case T_DEC:
        for (uint32_t i = t.sp.start; i < t.sp.end; i++)
            if (r->src[i] != '_')
                cr_buf_put(b, &r->src[i], 1);
        advance(r);
        return;
    case T_STRING:
        cr_buf_json_string(b, t.val.str.s, t.val.str.len);
        advance(r);
        return;
    case T_DATE:
        cr_date_format(t.val.ival, tmp);
        cr_buf_json_string(b, tmp, strlen(tmp));
        advance(r);
        return;
    case KW_TRUE: cr_buf_puts(b, "true"); advance(r); return;
    case KW_FALSE: cr_buf_puts(b, "false"); advance(r); return;
    case KW_NULL: cr_buf_puts(b, "null"); advance(r); return;
    case '[': {
        advance(r);
        cr_buf_put(b, "[", 1);
        bool first = true;
        while (!r->failed && r->cur.kind != ']' && r->cur.kind != 0) {
            if (!first)
                cr_buf_put(b, ",", 1);
            buf_json_value(r, b);
            first = false;
            if (r->cur.kind == ',')
                advance(r);
        }
        expect_tok(r, ']', "']'");
        cr_buf_put(b, "]", 1);
        return;
    }
    case '{':
        buf_record(r, b, NULL);
        return;
    default:
        fail_at(r, t.sp, "expected a value (a number, text, date, true, false, null, a list or a record)");
    }
}

/* ---- expected values ---- */

static bool read_value(reader *r, cr_value *out);

static bool read_number(reader *r, bool neg, cr_value *out)
{
    tok t = r->cur;
    advance(r);
    if (t.kind == T_INT) {
        *out = cr_int(neg ? -t.val.ival : t.val.ival);
        return true;
    }
    *out = cr_decv(neg ? cr_dec_neg(t.val.dval) : t.val.dval);
    return true;
}

/* An expected value is an expression over literals: `+ - * / %` and
 * brackets, with the policy's exact arithmetic (stdlib/num.c), so
 * `expect limit == 25000 * 12` means what it means in a policy. */
static bool read_operand(reader *r, cr_value *out);

static bool arith(reader *r, int op, cr_span sp, cr_value a, cr_value b, cr_value *out)
{
    char err[200] = "";
    cr_call_ctx cx = {.arena = r->arena, .err = err, .errsize = sizeof err};
    bool numbers = (a.tag == CR_INT || a.tag == CR_DEC) && (b.tag == CR_INT || b.tag == CR_DEC);
    bool ok = numbers && (op == '+'   ? cr_num_add(&cx, a, b, out)
                          : op == '-' ? cr_num_sub(&cx, a, b, out)
                          : op == '*' ? cr_num_mul(&cx, a, b, out)
                          : op == '/' ? cr_num_div(&cx, a, b, out)
                                      : cr_num_mod(&cx, a, b, out));
    if (!ok) {
        char msg[300];
        snprintf(msg, sizeof msg, "cannot compute this expected value: %s",
                 numbers ? err : "arithmetic needs numbers on both sides");
        fail_at(r, sp, msg);
    }
    return ok;
}

static bool read_term(reader *r, cr_value *out)
{
    if (!read_operand(r, out))
        return false;
    while (r->cur.kind == '*' || r->cur.kind == '/' || r->cur.kind == '%') {
        int op = r->cur.kind;
        cr_span sp = r->cur.sp;
        advance(r);
        cr_value b;
        if (!read_operand(r, &b) || !arith(r, op, sp, *out, b, out))
            return false;
    }
    return true;
}

static bool read_value(reader *r, cr_value *out)
{
    if (!read_term(r, out))
        return false;
    while (r->cur.kind == '+' || r->cur.kind == '-') {
        int op = r->cur.kind;
        cr_span sp = r->cur.sp;
        advance(r);
        cr_value b;
        if (!read_term(r, &b) || !arith(r, op, sp, *out, b, out))
            return false;
    }
    return true;
}

/* One operand: a JSON-like literal, a bare CODE or LABEL, a bracketed
 * expression or a negated operand. */
static bool read_operand(reader *r, cr_value *out)
{
    tok t = r->cur;
    switch (t.kind) {
    case '-': {
        advance(r);
        if (r->cur.kind == T_INT || r->cur.kind == T_DEC)
            return read_number(r, true, out);
        cr_value v;
        return read_operand(r, &v) && arith(r, '-', t.sp, cr_int(0), v, out);
    }
    case '(':
        advance(r);
        return read_value(r, out) && expect_tok(r, ')', "')'");
    case T_INT:
    case T_DEC:
        return read_number(r, false, out);
    case T_STRING:
    case T_IDENT:
        *out = cr_text(t.val.str.s, t.val.str.len);
        advance(r);
        return true;
    case T_DATE: *out = cr_date(t.val.ival); advance(r); return true;
    case KW_TRUE: *out = cr_bool(true); advance(r); return true;
    case KW_FALSE: *out = cr_bool(false); advance(r); return true;
    case KW_NULL: *out = cr_null(); advance(r); return true;
    case '[': {
        advance(r);
        cr_value tmp[256];
        uint32_t n = 0;
        while (!r->failed && r->cur.kind != ']' && r->cur.kind != 0) {
            if (n == 256) {
                fail_at(r, r->cur.sp, "a list of more than 256 expected values");
                return false;
            }
            if (!read_value(r, &tmp[n++]))
                return false;
            if (r->cur.kind == ',')
                advance(r);
        }
        if (!expect_tok(r, ']', "']'"))
            return false;
        cr_value *items = cr_arena_alloc(r->arena, (n ? n : 1) * sizeof *items);
        if (!items)
            return false;
        memcpy(items, tmp, n * sizeof *items);
        *out = cr_list(items, n);
        return true;
    }
    default:
        fail_at(r, t.sp, "expected a value to compare with");
        return false;
    }
}

/* ---- tests ---- */

typedef enum exp_kind {
    EX_CMP, EX_BETWEEN, EX_CONTAINS, EX_NOT_CONTAINS, EX_IS_NULL, EX_NOT_NULL,
    EX_ERROR, EX_COMPILE_ERROR, EX_COMPILE_WARNING
} exp_kind;

typedef struct expectation {
    exp_kind kind;
    int op;                  /* EX_CMP: T_EQ, T_NE, '<', T_LE, '>', T_GE */
    const char *name, *member;
    cr_span name_sp, member_sp;  /* where they are written, for errors */
    cr_value a, b;
    const char *text;
    cr_span span;
    struct expectation *next;
} expectation;

typedef struct test_case {
    const char *name;
    cr_span span;
    const char *fixture;     /* may be NULL */
    record overrides;
    bool has_given;
    const char *check_file;  /* compile-only test */
    int64_t as_of;
    bool has_as_of;
    expectation *exps, **tail;
    struct test_case *next;
} test_case;

static const char *op_text(int op)
{
    switch (op) {
    case T_EQ: return "==";
    case T_NE: return "!=";
    case '<': return "<";
    case T_LE: return "<=";
    case '>': return ">";
    case T_GE: return ">=";
    }
    return "?";
}

static expectation *read_expectation(reader *r)
{
    expectation *e = cr_arena_calloc(r->arena, sizeof *e);
    if (!e)
        return NULL;
    e->span.start = r->cur.sp.start;
    if (is_word(&r->cur, "error") && r->next.kind == T_STRING) {
        advance(r);
        e->kind = EX_ERROR;
        e->text = r->cur.val.str.s;
        advance(r);
    } else if (is_word(&r->cur, "compile") && (is_word(&r->next, "error") || is_word(&r->next, "warning"))) {
        advance(r);
        e->kind = is_word(&r->cur, "error") ? EX_COMPILE_ERROR : EX_COMPILE_WARNING;
        advance(r);
        if (r->cur.kind != T_STRING) {
            fail_at(r, r->cur.sp, "expected the text of the expected message");
            return NULL;
        }
        e->text = r->cur.val.str.s;
        advance(r);
    } else {
        if (r->cur.kind != T_IDENT) {
            fail_at(r, r->cur.sp, "expected what to check: decision, reasons, fired, a result's name, or error \"...\"");
            return NULL;
        }
        e->name = r->cur.val.str.s;
        e->name_sp = r->cur.sp;
        advance(r);
        if (r->cur.kind == '.') {
            advance(r);
            if (r->cur.kind != T_IDENT) {
                fail_at(r, r->cur.sp, "expected a characteristic's or a table output's name after '.'");
                return NULL;
            }
            e->member = r->cur.val.str.s;
            e->member_sp = r->cur.sp;
            advance(r);
        }
        int k = r->cur.kind;
        if (k == T_EQ || k == T_NE || k == '<' || k == T_LE || k == '>' || k == T_GE) {
            e->kind = EX_CMP;
            e->op = k;
            advance(r);
            read_value(r, &e->a);
        } else if (is_word(&r->cur, "between")) {
            e->kind = EX_BETWEEN;
            advance(r);
            read_value(r, &e->a);
            expect_tok(r, KW_AND, "'and'");
            read_value(r, &e->b);
        } else if (is_word(&r->cur, "contains")) {
            e->kind = EX_CONTAINS;
            advance(r);
            read_value(r, &e->a);
        } else if (k == KW_NOT && is_word(&r->next, "contains")) {
            e->kind = EX_NOT_CONTAINS;
            advance(r);
            advance(r);
            read_value(r, &e->a);
        } else if (k == KW_IS) {
            advance(r);
            e->kind = EX_IS_NULL;
            if (r->cur.kind == KW_NOT) {
                e->kind = EX_NOT_NULL;
                advance(r);
            }
            expect_tok(r, KW_NULL, "'null'");
        } else {
            fail_at(r, r->cur.sp, "expected ==, !=, <, <=, >, >=, between, contains, not contains or is null");
            return NULL;
        }
    }
    e->span.end = r->cur.sp.start;
    return r->failed ? NULL : e;
}

/* A mutant the author showed no application can tell from the policy
 * (`equivalent "LINE:COL MUTATION" because "WHY"`): mutation testing
 * does not count it as a survivor. */
typedef struct equivalent {
    const char *key, *why;
    cr_span span;
    bool seen;
    struct equivalent *next;
} equivalent;

typedef struct test_file {
    equivalent *equivalents;
    const char *policy;      /* path of the policy */
    int64_t as_of;
    bool has_as_of;
    fixture *fixtures;
    test_case *tests, **tail;
} test_file;

static test_case *read_test(reader *r)
{
    test_case *t = cr_arena_calloc(r->arena, sizeof *t);
    if (!t)
        return NULL;
    t->tail = &t->exps;
    t->span = r->cur.sp;
    advance(r); /* test */
    if (r->cur.kind != T_STRING) {
        fail_at(r, r->cur.sp, "expected the test's name in quotes");
        return NULL;
    }
    t->name = r->cur.val.str.s;
    advance(r);
    if (!expect_tok(r, '{', "'{'"))
        return NULL;
    while (!r->failed && r->cur.kind != '}' && r->cur.kind != 0) {
        if (is_word(&r->cur, "given")) {
            advance(r);
            t->has_given = true;
            if (r->cur.kind == T_IDENT) {
                t->fixture = r->cur.val.str.s;
                advance(r);
                if (is_word(&r->cur, "with")) {
                    advance(r);
                    buf_record(r, NULL, &t->overrides);
                }
            } else {
                buf_record(r, NULL, &t->overrides);
            }
        } else if (is_word(&r->cur, "check")) {
            advance(r);
            if (r->cur.kind != T_STRING) {
                fail_at(r, r->cur.sp, "expected the path of a policy to check");
                return NULL;
            }
            t->check_file = r->cur.val.str.s;
            advance(r);
        } else if (is_word(&r->cur, "as_of")) {
            advance(r);
            if (r->cur.kind != T_DATE) {
                fail_at(r, r->cur.sp, "expected a date after as_of");
                return NULL;
            }
            t->as_of = r->cur.val.ival;
            t->has_as_of = true;
            advance(r);
        } else if (is_word(&r->cur, "expect")) {
            advance(r);
            expectation *e = read_expectation(r);
            if (!e)
                return NULL;
            *t->tail = e;
            t->tail = &e->next;
        } else {
            fail_at(r, r->cur.sp, "expected given, check, as_of or expect");
            return NULL;
        }
    }
    expect_tok(r, '}', "'}' closing the test");
    return r->failed ? NULL : t;
}

static char *sibling_path(const char *file, const char *rel)
{
    if (rel[0] == '/')
        return strdup(rel);
    const char *slash = strrchr(file, '/');
    size_t dir = slash ? (size_t)(slash - file + 1) : 0;
    char *p = malloc(dir + strlen(rel) + 1);
    if (!p)
        return NULL;
    memcpy(p, file, dir);
    strcpy(p + dir, rel);
    return p;
}

static bool read_test_file(reader *r, test_file *tf, const char *path)
{
    tf->tail = &tf->tests;
    advance(r);
    advance(r);
    while (!r->failed && r->cur.kind != 0) {
        if (r->cur.kind == KW_POLICY) {
            advance(r);
            if (r->cur.kind != T_STRING) {
                fail_at(r, r->cur.sp, "expected the policy's path in quotes");
                break;
            }
            tf->policy = sibling_path(path, r->cur.val.str.s);
            advance(r);
        } else if (is_word(&r->cur, "as_of")) {
            advance(r);
            if (r->cur.kind != T_DATE) {
                fail_at(r, r->cur.sp, "expected a date after as_of");
                break;
            }
            tf->as_of = r->cur.val.ival;
            tf->has_as_of = true;
            advance(r);
        } else if (is_word(&r->cur, "fixture")) {
            advance(r);
            fixture *f = cr_arena_calloc(r->arena, sizeof *f);
            if (!f || r->cur.kind != T_IDENT) {
                fail_at(r, r->cur.sp, "expected the fixture's name");
                break;
            }
            f->name = r->cur.val.str.s;
            f->span = r->cur.sp;
            advance(r);
            expect_tok(r, '=', "'='");
            buf_record(r, NULL, &f->rec);
            f->next = tf->fixtures;
            tf->fixtures = f;
        } else if (is_word(&r->cur, "equivalent")) {
            equivalent *e = cr_arena_calloc(r->arena, sizeof *e);
            advance(r);
            if (!e || r->cur.kind != T_STRING) {
                fail_at(r, r->cur.sp, "expected the mutant in quotes, as credo test --mutate names it: \"LINE:COL MUTATION\"");
                break;
            }
            e->key = r->cur.val.str.s;
            e->span = r->cur.sp;
            advance(r);
            if (!is_word(&r->cur, "because") || r->next.kind != T_STRING) {
                fail_at(r, r->cur.sp, "expected because \"WHY\": why no application can tell this mutant from the policy");
                break;
            }
            advance(r);
            e->why = r->cur.val.str.s;
            advance(r);
            e->next = tf->equivalents;
            tf->equivalents = e;
        } else if (is_word(&r->cur, "test")) {
            test_case *t = read_test(r);
            if (!t)
                break;
            *tf->tail = t;
            tf->tail = &t->next;
        } else {
            fail_at(r, r->cur.sp, "expected policy, as_of, fixture, test or equivalent");
        }
    }
    if (!tf->tests && !r->failed) {
        /* a file that tests nothing would pass, and hide that it does not */
        cr_span sp = {0, 0};
        fail_at(r, sp, "the test file has no tests: write at least one `test \"NAME\" { given ... expect ... }`");
    }
    if (!tf->policy && !r->failed) {
        /* NAME.test.credo tests NAME.credo */
        size_t n = strlen(path);
        const char *suffix = ".test.credo";
        size_t sn = strlen(suffix);
        if (n > sn && strcmp(path + n - sn, suffix) == 0) {
            char *p = malloc(n - sn + 7);
            if (p) {
                memcpy(p, path, n - sn);
                strcpy(p + n - sn, ".credo");
            }
            tf->policy = p;
        } else {
            cr_span sp = {0, 0};
            fail_at(r, sp, "name the policy under test with `policy \"FILE.credo\"` (or call this file NAME.test.credo)");
        }
    }
    return !r->failed;
}

/* ---- running ---- */

/* What an expectation names in a program. */
typedef enum target_kind { TG_DECISION, TG_REASONS, TG_FIRED, TG_CHARAC, TG_LET } target_kind;

typedef struct target {
    target_kind kind;
    uint32_t index;          /* TG_CHARAC: in p->characs; TG_LET: in p->lets */
    int32_t field;           /* TG_LET: a field of its record (a table's named output), or -1 */
} target;

static int32_t find_let(const cr_program *p, const char *name)
{
    for (uint32_t i = 0; i < p->nlets; i++)
        if (strcmp(p->lets[i].name, name) == 0)
            return (int32_t)i;
    return -1;
}

/* The names of a record's fields, ", " between them, into buf. */
static const char *field_names(const cr_record *rec, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (uint32_t f = 0; f < rec->nfields && n < size; f++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s", f ? ", " : "", rec->fields[f].name);
    return buf;
}

/* Finds what `name` or `name.member` is in p: decision, reasons, fired,
 * a let (result, const, scorecard, segment, table), a scorecard's
 * characteristic, or a field of a let whose value is a record (a table's
 * named output).  Otherwise says why into `why`, and whether the member
 * is the wrong part. */
static bool find_target(const cr_program *p, const expectation *e, target *tg, bool *bad_member, char *why,
                        size_t whysize)
{
    *bad_member = false;
    tg->field = -1;
    if (!e->member) {
        static const char *const words[] = {"decision", "reasons", "fired"};
        for (int w = 0; w < 3; w++)
            if (strcmp(e->name, words[w]) == 0) {
                tg->kind = (target_kind)w;
                return true;
            }
    }
    if (e->member) {
        for (uint32_t k = 0; k < p->nscorecards; k++) {
            const cr_scorecard_info *sc = &p->scorecards[k];
            if (strcmp(sc->name, e->name) != 0)
                continue;
            for (uint32_t i = 0; i < sc->count; i++)
                if (strcmp(p->characs[sc->first + i].name, e->member) == 0) {
                    tg->kind = TG_CHARAC;
                    tg->index = sc->first + i;
                    return true;
                }
            *bad_member = true;
            snprintf(why, whysize, "scorecard %s has no characteristic '%s'", e->name, e->member);
            return false;
        }
    }
    int32_t i = find_let(p, e->name);
    if (i < 0) {
        snprintf(why, whysize, e->member ? "the policy has no scorecard or table named '%s'"
                                         : "the policy has no result, let, const, scorecard, segment or table named '%s'",
                 e->name);
        return false;
    }
    tg->kind = TG_LET;
    tg->index = (uint32_t)i;
    if (!e->member)
        return true;
    const cr_let_info *li = &p->lets[i];
    const char *what = li->kind == LET_TABLE ? "table" : "";
    if (!li->type || li->type->kind != CR_T_RECORD) {
        char tn[64];
        *bad_member = true;
        snprintf(why, whysize, "%s%s%s gives %s, which has no '%s': after '.' comes a scorecard's characteristic or a table's named output",
                 what, *what ? " " : "", e->name, cr_type_name(li->type, tn, sizeof tn), e->member);
        return false;
    }
    const cr_record *rec = li->type->rec;
    tg->field = cr_record_find(rec, e->member, strlen(e->member));
    if (tg->field < 0) {
        char names[160];
        *bad_member = true;
        snprintf(why, whysize, "%s %s has no %s '%s': its %ss are %s", *what ? what : "record", e->name,
                 *what ? "output" : "field", e->member, *what ? "output" : "field", field_names(rec, names, sizeof names));
        return false;
    }
    return true;
}

/* The value named by an expectation, after a successful run. */
static bool actual_value(const cr_session *s, const expectation *e, cr_arena *arena, cr_value *out, char *why, size_t whysize)
{
    const cr_program *p = s->prog;
    target tg;
    bool bad_member;
    if (!find_target(p, e, &tg, &bad_member, why, whysize))
        return false;
    switch (tg.kind) {
    case TG_DECISION: {
        const char *o = cr_outcome_name(s->outcome);
        *out = cr_text(o, (uint32_t)strlen(o));
        return true;
    }
    case TG_REASONS:
        *out = s->reasons;
        return true;
    case TG_FIRED: {
        cr_value *items = cr_arena_alloc(arena, (s->nfired ? s->nfired : 1) * sizeof *items);
        if (!items)
            return false;
        for (uint32_t i = 0; i < s->nfired; i++) {
            const char *c = p->rules[s->fired[i]].code;
            items[i] = cr_text(c, (uint32_t)strlen(c));
        }
        *out = cr_list(items, s->nfired);
        return true;
    }
    case TG_CHARAC:
        if (s->sc_bin[tg.index] < 0) {
            snprintf(why, whysize, "%s.%s took no bin", e->name, e->member);
            return false;
        }
        *out = s->sc_points[tg.index];
        return true;
    case TG_LET:
        break;
    }
    uint32_t i = tg.index;
    const cr_let_info *li = &p->lets[i];
    if (s->let_state[i] != LET_DONE && li->kind == LET_CONST && li->pc < p->ncode &&
        p->code[li->pc].op == CR_OP_CONST) {
        /* a const built from literals is its constant: its uses read
         * that, so its own code need not have run */
        *out = p->consts[p->code[li->pc].c];
        return true;
    }
    if (s->let_state[i] != LET_DONE) {
        snprintf(why, whysize, "%s was not computed for this application", e->name);
        return false;
    }
    *out = s->lets[i];
    if (tg.field >= 0)   /* a null record (an optional one) has null fields */
        *out = out->tag == CR_RECORD && (uint32_t)tg.field < out->len ? out->u.items[tg.field] : cr_null();
    return true;
}

static bool list_contains(cr_value list, cr_value x)
{
    if (list.tag == CR_TEXT && x.tag == CR_TEXT)
        return x.len == 0 || (list.len >= x.len && memmem(list.u.s, list.len, x.u.s, x.len) != NULL);
    if (list.tag != CR_LIST && list.tag != CR_SET)
        return false;
    for (uint32_t i = 0; i < list.len; i++)
        if (cr_value_eq(list.u.items[i], x))
            return true;
    return false;
}

static bool comparable(cr_value a, cr_value b)
{
    bool na = a.tag == CR_INT || a.tag == CR_DEC, nb = b.tag == CR_INT || b.tag == CR_DEC;
    return (na && nb) || a.tag == b.tag;
}

static void value_text(cr_value v, char *buf, size_t size)
{
    cr_buf b = {0};
    cr_buf_json_value(&b, v, NULL);
    snprintf(buf, size, "%s", b.p ? b.p : "?");
    cr_buf_free(&b);
}

/* Checks one expectation against a decided application; on failure
 * writes expected and actual into msg. */
static bool check_expectation(const cr_session *s, const expectation *e, cr_arena *arena, char *msg, size_t size)
{
    cr_value v;
    char why[256] = "", act[240], ea[200], eb[200];
    if (e->kind == EX_ERROR) {
        snprintf(msg, size, "expected an ERROR containing \"%s\", got %s", e->text, cr_outcome_name(s->outcome));
        return false;
    }
    if (e->kind == EX_COMPILE_ERROR || e->kind == EX_COMPILE_WARNING) {
        snprintf(msg, size, "compile expectations need `check \"FILE\"` in the test");
        return false;
    }
    if (!actual_value(s, e, arena, &v, why, sizeof why)) {
        snprintf(msg, size, "%s", why[0] ? why : "out of memory");
        return false;
    }
    char what[160];   /* the name as the test writes it: score.dti, offer.limit */
    snprintf(what, sizeof what, "%s%s%s", e->name, e->member ? "." : "", e->member ? e->member : "");
    value_text(v, act, sizeof act);
    value_text(e->a, ea, sizeof ea);
    bool ok = false;
    switch (e->kind) {
    case EX_CMP: {
        if (!comparable(v, e->a) && e->op != T_EQ && e->op != T_NE) {
            snprintf(msg, size, "cannot order %s and %s", act, ea);
            return false;
        }
        int c = cr_value_cmp(v, e->a);
        bool eq = cr_value_eq(v, e->a);
        switch (e->op) {
        case T_EQ: ok = eq; break;
        case T_NE: ok = !eq; break;
        case '<': ok = c < 0; break;
        case T_LE: ok = c <= 0; break;
        case '>': ok = c > 0; break;
        case T_GE: ok = c >= 0; break;
        }
        if (!ok)
            snprintf(msg, size, "expected %s %s %s\n    actual:   %s", what, op_text(e->op), ea, act);
        return ok;
    }
    case EX_BETWEEN:
        value_text(e->b, eb, sizeof eb);
        ok = comparable(v, e->a) && comparable(v, e->b) && cr_value_cmp(v, e->a) >= 0 && cr_value_cmp(v, e->b) <= 0;
        if (!ok)
            snprintf(msg, size, "expected %s between %s and %s\n    actual:   %s", what, ea, eb, act);
        return ok;
    case EX_CONTAINS:
    case EX_NOT_CONTAINS:
        ok = list_contains(v, e->a) == (e->kind == EX_CONTAINS);
        if (!ok)
            snprintf(msg, size, "expected %s %s %s\n    actual:   %s", what,
                     e->kind == EX_CONTAINS ? "contains" : "not contains", ea, act);
        return ok;
    case EX_IS_NULL:
    case EX_NOT_NULL:
        ok = (v.tag == CR_NULL) == (e->kind == EX_IS_NULL);
        if (!ok)
            snprintf(msg, size, "expected %s is %snull\n    actual:   %s", what, e->kind == EX_IS_NULL ? "" : "not ", act);
        return ok;
    default:
        return false;
    }
}

static void print_failure(const cr_test_options *opt, const char *file, const char *src, size_t len, cr_span sp,
                          const char *name, const char *what)
{
    uint32_t line, col;
    cr_source_linecol(src, len, sp.start, &line, &col);
    fprintf(opt->out, "FAIL %s:%u: %s\n", file, line, name);
    if (what)
        fprintf(opt->out, "  %s\n", what);
}

static void print_expectation_source(const cr_test_options *opt, const char *src, cr_span sp)
{
    uint32_t n = sp.end > sp.start ? sp.end - sp.start : 0;
    while (n && (src[sp.start + n - 1] == ' ' || src[sp.start + n - 1] == '\n' || src[sp.start + n - 1] == '\r'))
        n--;
    fprintf(opt->out, "  expect %.*s\n", (int)n, src + sp.start);
}

/* Cases are decided explained: the trace printed with a failing case is
 * the decision line with why, and the count of instructions run. */
static const cr_decide_opts explained = {.explain = true};

/* The trace printed with a failing case: the decision and why. */
static void print_trace(const cr_test_options *opt, const cr_session *s, bool ok, const cr_json_result *res)
{
    cr_buf b = {0};
    if (ok)
        cr_write_decision(&b, s, res ? res->app_id : NULL, res ? res->app_id_len : 0, true);
    fprintf(opt->out, "  trace: %s", ok ? (b.p ? b.p : "\n") : "(the application stopped with an error)\n");
    cr_buf_free(&b);
}

static void run_check_test(const char *test_path, const test_case *t, reader *r, const cr_test_options *opt,
                           cr_test_totals *tot)
{
    char *path = sibling_path(test_path, t->check_file);
    size_t len;
    char *src = path ? cr_read_file(path, &len) : NULL;
    if (!src) {
        char what[512];
        snprintf(what, sizeof what, "cannot read %s: %s", path ? path : t->check_file, strerror(errno));
        print_failure(opt, test_path, r->src, r->len, t->span, t->name, what);
        tot->failed++;
        free(path);
        return;
    }
    cr_diags d;
    cr_diags_init(&d, path, src, len);
    cr_program *p = cr_compile(path, src, len, &d);
    bool ok = true;
    for (const expectation *e = t->exps; e; e = e->next) {
        bool found = false;
        if (e->kind != EX_COMPILE_ERROR && e->kind != EX_COMPILE_WARNING) {
            print_failure(opt, test_path, r->src, r->len, t->span, t->name, "a `check` test can only expect compile errors or warnings");
            ok = false;
            break;
        }
        cr_severity want = e->kind == EX_COMPILE_ERROR ? CR_SEV_ERROR : CR_SEV_WARNING;
        for (uint32_t i = 0; i < d.count; i++)
            if (d.items[i].severity == want && strstr(d.items[i].msg, e->text))
                found = true;
        if (!found) {
            char what[640];
            snprintf(what, sizeof what, "expected a compile %s containing \"%s\"; the compiler said:",
                     want == CR_SEV_ERROR ? "error" : "warning", e->text);
            print_failure(opt, test_path, r->src, r->len, t->span, t->name, what);
            cr_diags_print(&d, opt->out);
            ok = false;
            break;
        }
    }
    if (ok) {
        tot->passed++;
        if (opt->verbose)
            fprintf(opt->out, "ok   %s\n", t->name);
    } else {
        tot->failed++;
    }
    cr_program_free(p);
    cr_diags_free(&d);
    free(src);
    free(path);
}

/* The application of a test: its fixture's fields, then the overrides. */
static char *application_json(const test_file *tf, const test_case *t, char *err, size_t errsize)
{
    const fixture *f = NULL;
    if (t->fixture) {
        for (f = tf->fixtures; f; f = f->next)
            if (strcmp(f->name, t->fixture) == 0)
                break;
        if (!f) {
            snprintf(err, errsize, "no fixture named '%s'", t->fixture);
            return NULL;
        }
    }
    cr_buf b = {0};
    cr_buf_put(&b, "{", 1);
    bool first = true;
    if (f) {
        for (uint32_t i = 0; i < f->rec.count; i++) {
            const pair *pp = &f->rec.items[i];
            const char *json = pp->json;
            for (uint32_t k = 0; k < t->overrides.count; k++)
                if (strcmp(t->overrides.items[k].key, pp->key) == 0)
                    json = t->overrides.items[k].json;
            if (!first)
                cr_buf_put(&b, ",", 1);
            cr_buf_json_string(&b, pp->key, strlen(pp->key));
            cr_buf_put(&b, ":", 1);
            cr_buf_puts(&b, json);
            first = false;
        }
    }
    for (uint32_t k = 0; k < t->overrides.count; k++) {
        bool in_fixture = false;
        for (uint32_t i = 0; f && i < f->rec.count; i++)
            if (strcmp(f->rec.items[i].key, t->overrides.items[k].key) == 0)
                in_fixture = true;
        if (in_fixture)
            continue;
        if (!first)
            cr_buf_put(&b, ",", 1);
        cr_buf_json_string(&b, t->overrides.items[k].key, strlen(t->overrides.items[k].key));
        cr_buf_put(&b, ":", 1);
        cr_buf_puts(&b, t->overrides.items[k].json);
        first = false;
    }
    cr_buf_put(&b, "}", 1);
    if (b.failed) {
        cr_buf_free(&b);
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    return b.p;
}

static void run_case(const char *test_path, const test_file *tf, const test_case *t, reader *r, cr_session *s,
                     cr_coverage *cov, const cr_test_options *opt, cr_test_totals *tot)
{
    char err[512];
    char *json = application_json(tf, t, err, sizeof err);
    if (!json) {
        print_failure(opt, test_path, r->src, r->len, t->span, t->name, err);
        tot->failed++;
        return;
    }
    s->today = t->has_as_of ? t->as_of : tf->has_as_of ? tf->as_of : cr_days_from_civil(2026, 1, 1);
    cr_decided d;
    const char *error = cr_decide(s, json, strlen(json), NULL, &explained, &d) ? NULL : d.error;
    bool ok = true;
    if (!error)
        cr_coverage_add(cov, s);
    bool expects_error = false;
    for (const expectation *e = t->exps; e && ok; e = e->next) {
        char msg[1024];
        if (e->kind == EX_ERROR) {
            expects_error = true;
            if (!error || !strstr(error, e->text)) {
                if (error)
                    snprintf(msg, sizeof msg, "expected an ERROR containing \"%s\"\n    actual ERROR: %s", e->text, error);
                else
                    snprintf(msg, sizeof msg, "expected an ERROR containing \"%s\"\n    actual:   %s", e->text, cr_outcome_name(s->outcome));
                print_failure(opt, test_path, r->src, r->len, t->span, t->name, NULL);
                print_expectation_source(opt, r->src, e->span);
                fprintf(opt->out, "    %s\n", msg);
                if (!error)
                    print_trace(opt, s, true, &d.read);
                ok = false;
            }
            continue;
        }
        if (error) {
            print_failure(opt, test_path, r->src, r->len, t->span, t->name, NULL);
            fprintf(opt->out, "  the application stopped with an ERROR: %s\n", error);
            ok = false;
            break;
        }
        if (!check_expectation(s, e, &s->arena, msg, sizeof msg)) {
            print_failure(opt, test_path, r->src, r->len, t->span, t->name, NULL);
            print_expectation_source(opt, r->src, e->span);
            fprintf(opt->out, "    %s\n", msg);
            print_trace(opt, s, true, &d.read);
            ok = false;
        }
    }
    if (ok && error && !expects_error) {
        print_failure(opt, test_path, r->src, r->len, t->span, t->name, NULL);
        fprintf(opt->out, "  the application stopped with an ERROR: %s\n", error);
        ok = false;
    }
    if (ok && !t->exps) {
        print_failure(opt, test_path, r->src, r->len, t->span, t->name, "the test expects nothing; add an `expect` line");
        ok = false;
    }
    if (ok) {
        tot->passed++;
        if (opt->verbose)
            fprintf(opt->out, "ok   %s\n", t->name);
    } else {
        tot->failed++;
    }
    free(json);
}

static void free_record(record *rec)
{
    for (uint32_t i = 0; i < rec->count; i++)
        free(rec->items[i].json);
    free(rec->items);
}

/* ---- a test file read once, run against one program or many ---- */

struct cr_test_suite {
    const char *path;
    char *src;
    size_t len;
    cr_arena arena;
    reader r;
    test_file tf;
};

cr_test_suite *cr_test_suite_read(const char *test_path, FILE *out)
{
    cr_test_suite *ts = calloc(1, sizeof *ts);
    if (!ts) {
        fprintf(out, "FAIL %s: out of memory\n", test_path);
        return NULL;
    }
    ts->path = test_path;
    ts->src = cr_read_file(test_path, &ts->len);
    if (!ts->src) {
        fprintf(out, "FAIL %s: cannot read: %s\n", test_path, strerror(errno));
        free(ts);
        return NULL;
    }
    cr_arena_init(&ts->arena, 64 * 1024, 0);
    reader *r = &ts->r;
    r->file = test_path;
    r->src = ts->src;
    r->len = ts->len;
    r->arena = &ts->arena;
    cr_diags_init(&r->diags, test_path, ts->src, ts->len);
    r->ctx.arena = &ts->arena;
    r->ctx.diags = &r->diags;
    r->ctx.src = ts->src;
    r->ctx.len = ts->len;
    bool parsed = false;
    if (cr_yylex_init_extra(&r->ctx, &r->scanner) == 0) {
        YY_BUFFER_STATE buf = cr_yy_scan_bytes(ts->src, (int)ts->len, r->scanner);
        parsed = read_test_file(r, &ts->tf, test_path) && r->diags.errors == 0;
        cr_yy_delete_buffer(buf, r->scanner);
        cr_yylex_destroy(r->scanner);
    }
    if (parsed) {
        /* a fixture no test uses is dead weight, or a test lost its data */
        for (fixture *f = ts->tf.fixtures; f; f = f->next) {
            bool used = false;
            for (test_case *t = ts->tf.tests; t && !used; t = t->next)
                used = t->fixture && strcmp(t->fixture, f->name) == 0;
            if (!used)
                cr_diag(&r->diags, CR_SEV_WARNING, f->span, "fixture '%s' is never used", f->name);
        }
        if (r->diags.warnings)
            cr_diags_print(&r->diags, out);
        return ts;
    }
    cr_diags_print(&r->diags, out);
    fprintf(out, "FAIL %s: the test file has errors\n", test_path);
    cr_test_suite_free(ts);
    return NULL;
}

const char *cr_test_suite_policy(const cr_test_suite *ts)
{
    return ts->tf.policy;
}

const char *cr_test_suite_equivalent(const cr_test_suite *ts, const char *key)
{
    for (equivalent *e = ts->tf.equivalents; e; e = e->next)
        if (strcmp(e->key, key) == 0) {
            e->seen = true;
            return e->why;
        }
    return NULL;
}

void cr_test_suite_unseen_equivalents(const cr_test_suite *ts, FILE *out)
{
    for (equivalent *e = ts->tf.equivalents; e; e = e->next) {
        if (e->seen)
            continue;
        uint32_t line, col;
        cr_source_linecol(ts->src, ts->len, e->span.start, &line, &col);
        fprintf(out, "%s:%u:%u: warning: the policy has no mutant \"%s\" (any longer): remove the line\n", ts->path,
                line, col, e->key);
    }
}

void cr_test_suite_free(cr_test_suite *ts)
{
    if (!ts)
        return;
    for (fixture *f = ts->tf.fixtures; f; f = f->next)
        free_record(&f->rec);
    for (test_case *t = ts->tf.tests; t; t = t->next)
        free_record(&t->overrides);
    free((char *)ts->tf.policy);
    cr_diags_free(&ts->r.diags);
    cr_arena_free(&ts->arena);
    free(ts->src);
    free(ts);
}

bool cr_test_suite_run(const cr_test_suite *ts, const cr_program *p, cr_coverage *cov, bool decisions_only,
                       bool stop_at_failure, const cr_test_options *opt, cr_test_totals *tot)
{
    cr_session *s = cr_session_new(p, NULL);
    if (!s)
        return false;
    uint32_t failed = tot->failed;
    for (test_case *t = ts->tf.tests; t; t = t->next) {
        /* for a report, what the test prints is its failure's text */
        cr_test_options o = *opt;
        char *text = NULL;
        size_t textlen = 0;
        if (opt->report && !(o.out = open_memstream(&text, &textlen)))
            o.out = opt->out;
        uint32_t before = tot->failed;
        if (t->check_file) {
            if (!decisions_only)
                run_check_test(ts->path, t, (reader *)&ts->r, &o, tot);
        } else {
            run_case(ts->path, &ts->tf, t, (reader *)&ts->r, s, cov, &o, tot);
        }
        if (o.out != opt->out) {
            fclose(o.out);
            uint32_t line, col;
            cr_source_linecol(ts->src, ts->len, t->span.start, &line, &col);
            cr_report_result(opt->report, ts->path, line, t->name, tot->failed == before, text);
            free(text);
        }
        if (stop_at_failure && tot->failed > failed)
            break;
    }
    cr_session_free(s);
    return true;
}

/* Every name an expectation reads must be in the policy: a misspelt one
 * is an error at its place before anything runs, not a failure that
 * reads like a wrong value.  Returns false after printing the errors. */
static bool check_expect_names(const cr_test_suite *ts, const cr_program *p, FILE *out)
{
    cr_diags d;
    cr_diags_init(&d, ts->path, ts->src, ts->len);
    for (const test_case *t = ts->tf.tests; t; t = t->next) {
        if (t->check_file)
            continue;
        for (const expectation *e = t->exps; e; e = e->next) {
            char why[320];
            target tg;
            bool bad_member;
            if (e->name && !find_target(p, e, &tg, &bad_member, why, sizeof why))
                cr_diag(&d, CR_SEV_ERROR, bad_member ? e->member_sp : e->name_sp, "%s", why);
        }
    }
    bool ok = d.errors == 0;
    if (!ok) {
        cr_diags_print(&d, out);
        fprintf(out, "FAIL %s: the test file has errors\n", ts->path);
    }
    cr_diags_free(&d);
    return ok;
}

static void run_test_file(const char *test_path, const cr_test_options *opt, cr_test_totals *tot);

void cr_test_file(const char *test_path, const cr_test_options *opt, cr_test_totals *tot)
{
    if (!opt->report) {
        run_test_file(test_path, opt, tot);
        return;
    }
    /* for a report, a failure of the file as a whole (it does not parse,
     * its policy does not compile) is one failed test named after it */
    cr_test_options o = *opt;
    char *text = NULL;
    size_t len = 0;
    if (!(o.out = open_memstream(&text, &len)))
        o.out = opt->out;
    uint32_t results = opt->report->nresults, failed = tot->failed;
    run_test_file(test_path, &o, tot);
    if (o.out != opt->out)
        fclose(o.out);
    if (opt->report->nresults == results && tot->failed > failed)
        cr_report_result(opt->report, test_path, 0, "(the test file)", false, text);
    else if (text && *text)
        fputs(text, stderr);   /* warnings, mutation testing's report */
    free(text);
}

static void run_test_file(const char *test_path, const cr_test_options *opt, cr_test_totals *tot)
{
    cr_test_suite *ts = cr_test_suite_read(test_path, opt->out);
    if (!ts) {
        tot->failed++;
        return;
    }
    const char *policy = ts->tf.policy;
    size_t plen;
    char *psrc = cr_read_file(policy, &plen);
    cr_program *p = NULL;
    if (!psrc) {
        fprintf(opt->out, "FAIL %s: cannot read the policy %s: %s\n", test_path, policy, strerror(errno));
        tot->failed++;
    } else {
        cr_diags pd;
        cr_diags_init(&pd, policy, psrc, plen);
        p = cr_compile(policy, psrc, plen, &pd);
        if (!p) {
            cr_diags_print(&pd, opt->out);
            fprintf(opt->out, "FAIL %s: the policy %s does not compile (%u errors)\n", test_path, policy, pd.errors);
            tot->failed++;
        }
        cr_diags_free(&pd);
    }
    if (p && !check_expect_names(ts, p, opt->out)) {
        tot->failed++;
        cr_program_free(p);
        p = NULL;
    }
    cr_coverage cov;
    if (p && cr_coverage_init(&cov, p)) {
        uint32_t failed = tot->failed;
        if (cr_test_suite_run(ts, p, &cov, false, false, opt, tot))
            cr_coverage_report(&cov, opt, tot);
        else
            fprintf(opt->out, "FAIL %s: out of memory\n", test_path);
        cr_coverage_free(&cov);
        if (opt->mutate) {
            if (tot->failed > failed)
                fprintf(opt->out, "mutation testing of %s skipped: its tests must pass first\n", policy);
            else
                cr_mutate(ts, p, psrc, plen, opt, tot);
        }
    }
    cr_program_free(p);
    free(psrc);
    cr_test_suite_free(ts);
}

/* ---- case files ---- */

static void *arena_cb(void *ctx, size_t n) { return cr_arena_calloc(ctx, n); }

/* The schema of one case line: name, the application (the policy's
 * input record) and the expectations (every let's type, optional). */
static bool case_schema(const cr_program *p, cr_arena *a, cr_record *line, cr_record *expect)
{
    static const cr_type opt_text = {CR_T_TEXT, true, "text", NULL, NULL, NULL};
    static const cr_type text_elem = {CR_T_TEXT, false, "text", NULL, NULL, NULL};
    static const cr_type opt_text_list = {CR_T_LIST, true, "list", &text_elem, NULL, NULL};
    uint32_t n = p->nlets + 4;
    expect->name = "expect";
    expect->fields = cr_arena_calloc(a, n * sizeof *expect->fields);
    if (!expect->fields)
        return false;
    const char *fixed[] = {"decision", "reasons", "fired", "error"};
    for (int i = 0; i < 4; i++) {
        cr_field *f = &expect->fields[expect->nfields++];
        f->name = fixed[i];
        f->len = (uint32_t)strlen(fixed[i]);
        f->type = (i == 1 || i == 2) ? &opt_text_list : &opt_text;
    }
    for (uint32_t i = 0; i < p->nlets; i++) {
        const cr_type *lt = p->lets[i].type;
        if (!lt || lt->kind == CR_T_SET || lt->kind == CR_T_REGEX || lt->kind == CR_T_ERROR)
            continue;
        cr_type *t = cr_arena_calloc(a, sizeof *t);
        if (!t)
            return false;
        *t = *lt;
        if (t->kind == CR_T_LABEL) {
            t->kind = CR_T_TEXT;
            t->labels = NULL;
        }
        t->optional = true;
        cr_field *f = &expect->fields[expect->nfields++];
        f->name = p->lets[i].name;
        f->len = (uint32_t)strlen(f->name);
        f->type = t;
    }
    if (!cr_record_build_index(expect, arena_cb, a))
        return false;
    cr_type *app = cr_arena_calloc(a, sizeof *app), *exp = cr_arena_calloc(a, sizeof *exp);
    line->fields = cr_arena_calloc(a, 3 * sizeof *line->fields);
    if (!app || !exp || !line->fields)
        return false;
    app->kind = CR_T_RECORD;
    app->spelling = "record";
    app->rec = p->input;
    exp->kind = CR_T_RECORD;
    exp->spelling = "record";
    exp->rec = expect;
    exp->optional = true;
    line->name = "case";
    line->nfields = 3;
    line->fields[0] = (cr_field){"name", 4, &opt_text};
    line->fields[1] = (cr_field){"application", 11, app};
    line->fields[2] = (cr_field){"expect", 6, exp};
    return cr_record_build_index(line, arena_cb, a);
}

/* ---- the keys of a case line ---- */

/* The JSON line was read (and so is valid) before these walk it. */
static size_t skip_ws(const char *s, size_t i, size_t len)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    return i;
}

/* Past the string starting at s[i] (a quote). */
static size_t skip_string(const char *s, size_t i, size_t len)
{
    for (i++; i < len && s[i] != '"'; i++)
        if (s[i] == '\\')
            i++;
    return i + 1;
}

/* Past the value starting at s[i]. */
static size_t skip_value(const char *s, size_t i, size_t len)
{
    if (s[i] == '"')
        return skip_string(s, i, len);
    if (s[i] != '{' && s[i] != '[') {
        while (i < len && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\t')
            i++;
        return i;
    }
    int depth = 0;
    for (; i < len; i++) {
        if (s[i] == '"')
            i = skip_string(s, i, len) - 1;
        else if (s[i] == '{' || s[i] == '[')
            depth++;
        else if ((s[i] == '}' || s[i] == ']') && --depth == 0)
            return i + 1;
    }
    return i;
}

/* The first key of the object at s[i] that rec has no field for, copied
 * into key; false when every key is known.  With `member`, only the keys
 * of that member's object are looked at (recursively, once). */
static bool unknown_key(const char *s, size_t i, size_t len, const cr_record *rec, const char *member,
                        const cr_record *member_rec, char *key, size_t keysize)
{
    i = skip_ws(s, i, len);
    if (i >= len || s[i] != '{')
        return false;
    i = skip_ws(s, i + 1, len);
    while (i < len && s[i] == '"') {
        size_t k = i + 1, e = skip_string(s, i, len) - 1;
        i = skip_ws(s, e + 1, len);
        if (i < len && s[i] == ':')
            i = skip_ws(s, i + 1, len);
        if (cr_record_find(rec, s + k, e - k) < 0) {
            snprintf(key, keysize, "%.*s", (int)(e - k), s + k);
            return true;
        }
        if (member && e - k == strlen(member) && memcmp(s + k, member, e - k) == 0 &&
            unknown_key(s, i, len, member_rec, NULL, NULL, key, keysize))
            return true;
        i = skip_ws(s, skip_value(s, i, len), len);
        if (i < len && s[i] == ',')
            i = skip_ws(s, i + 1, len);
    }
    return false;
}

/* A case line that failed: printed as "FAIL FILE:LINE: NAME: MSG", or
 * recorded for a report. */
static void case_failed(const cr_test_options *opt, const char *cases_path, uint64_t lineno, const char *name,
                        const char *msg, cr_test_totals *tot)
{
    tot->failed++;
    if (opt->report)
        cr_report_result(opt->report, cases_path, (uint32_t)lineno, name[0] ? name : "(case line)", false, msg);
    else
        fprintf(opt->out, "FAIL %s:%llu: %s%s%s\n", cases_path, (unsigned long long)lineno, name, name[0] ? ": " : "",
                msg);
}

void cr_test_cases(const char *policy_path, const char *cases_path, const cr_test_options *opt, cr_test_totals *tot)
{
    int errors = 0;
    size_t plen;
    char *psrc = cr_read_file(policy_path, &plen);
    if (!psrc) {
        fprintf(opt->out, "FAIL %s: cannot read: %s\n", policy_path, strerror(errno));
        tot->failed++;
        return;
    }
    cr_diags pd;
    cr_diags_init(&pd, policy_path, psrc, plen);
    cr_program *p = cr_compile(policy_path, psrc, plen, &pd);
    errors = (int)pd.errors;
    cr_diags_print(&pd, opt->out);
    cr_diags_free(&pd);
    free(psrc);
    if (!p) {
        fprintf(opt->out, "FAIL %s: does not compile (%d errors)\n", policy_path, errors);
        tot->failed++;
        return;
    }
    FILE *in = fopen(cases_path, "rb");
    if (!in) {
        fprintf(opt->out, "FAIL %s: cannot read: %s\n", cases_path, strerror(errno));
        tot->failed++;
        cr_program_free(p);
        return;
    }
    cr_arena a;
    cr_arena_init(&a, 16 * 1024, 0);
    cr_record line_rec, expect_rec;
    memset(&line_rec, 0, sizeof line_rec);
    memset(&expect_rec, 0, sizeof expect_rec);
    cr_session *s = cr_session_new(p, NULL);
    cr_coverage cov;
    bool cov_ok = cr_coverage_init(&cov, p);
    if (!s || !cov_ok || !case_schema(p, &a, &line_rec, &expect_rec)) {
        fprintf(opt->out, "FAIL %s: out of memory\n", cases_path);
        tot->failed++;
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        uint64_t lineno = 0;
        cr_value caseslots[3];
        while ((n = getline(&line, &cap, in)) >= 0) {
            lineno++;
            size_t len = (size_t)n;
            while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                len--;
            if (len == 0)
                continue;
            cr_session_begin(s);
            s->today = cr_days_from_civil(2026, 1, 1);
            cr_json_result res;
            char name[160];
            snprintf(name, sizeof name, "line %llu", (unsigned long long)lineno);
            char msg[1024] = "";
            if (cr_json_read(&line_rec, line, len, &s->arena, NULL, caseslots, &res) != 0) {
                snprintf(msg, sizeof msg, "the case line is not a valid case: %s", res.error);
                case_failed(opt, cases_path, lineno, "", msg, tot);
                continue;
            }
            if (caseslots[0].tag == CR_TEXT)
                snprintf(name, sizeof name, "%.*s", (int)caseslots[0].len, caseslots[0].u.s);
            char key[128];
            if (unknown_key(line, 0, len, &line_rec, "expect", &expect_rec, key, sizeof key)) {
                /* a misspelt key would check nothing, and pass */
                snprintf(msg, sizeof msg, "%s: unknown key \"%s\" (a case has name, application and expect;"
                         " expect has decision, reasons, fired, error and the policy's results and lets)", name, key);
                case_failed(opt, cases_path, lineno, "", msg, tot);
                continue;
            }
            memcpy(s->slots, caseslots[1].u.items, p->input->nfields * sizeof *s->slots);
            cr_decided d;
            bool ran = cr_decide(s, NULL, 0, NULL, &explained, &d);
            if (ran)
                cr_coverage_add(&cov, s);
            const cr_value *exp = caseslots[2].tag == CR_RECORD ? caseslots[2].u.items : NULL;
            bool ok = true;
            if (exp && exp[3].tag == CR_TEXT) {
                if (ran || !memmem(s->error, strlen(s->error), exp[3].u.s, exp[3].len)) {
                    snprintf(msg, sizeof msg, "expected an ERROR containing \"%.*s\"\n    actual: %s", (int)exp[3].len, exp[3].u.s,
                             ran ? cr_outcome_name(s->outcome) : s->error);
                    ok = false;
                }
            } else if (!ran) {
                snprintf(msg, sizeof msg, "the application stopped with an ERROR: %s", s->error);
                ok = false;
            } else if (exp) {
                for (uint32_t f = 0; f < expect_rec.nfields && ok; f++) {
                    if (f == 3 || exp[f].tag == CR_NULL)
                        continue;
                    expectation e;
                    memset(&e, 0, sizeof e);
                    e.kind = EX_CMP;
                    e.op = T_EQ;
                    e.name = expect_rec.fields[f].name;
                    e.a = exp[f];
                    ok = check_expectation(s, &e, &s->arena, msg, sizeof msg);
                }
            }
            if (ok) {
                tot->passed++;
                if (opt->verbose)
                    fprintf(opt->out, "ok   %s\n", name);
                if (opt->report)
                    cr_report_result(opt->report, cases_path, (uint32_t)lineno, name, true, NULL);
            } else if (opt->report) {
                case_failed(opt, cases_path, lineno, name, msg, tot);
            } else {
                tot->failed++;
                fprintf(opt->out, "FAIL %s:%llu: %s\n    %s\n", cases_path, (unsigned long long)lineno, name, msg);
                if (ran)
                    print_trace(opt, s, true, &res);
            }
        }
        free(line);
        cr_coverage_report(&cov, opt, tot);
    }
    if (cov_ok)
        cr_coverage_free(&cov);
    cr_session_free(s);
    cr_arena_free(&a);
    fclose(in);
    cr_program_free(p);
}

/* ---- coverage ---- */

bool cr_coverage_init(cr_coverage *c, const cr_program *p)
{
    memset(c, 0, sizeof *c);
    c->prog = p;
    uint32_t nbins = 0, nseg = 0, ntbl = 0;
    c->bin_base = calloc(p->ncharacs + 1, sizeof *c->bin_base);
    c->seg_base = calloc(p->nsegments + 1, sizeof *c->seg_base);
    c->tbl_base = calloc(p->ntables + 1, sizeof *c->tbl_base);
    if (!c->bin_base || !c->seg_base || !c->tbl_base) {
        cr_coverage_free(c);
        return false;
    }
    for (uint32_t i = 0; i < p->ncharacs; i++) {
        c->bin_base[i] = nbins;
        nbins += p->characs[i].nbins;
    }
    for (uint32_t i = 0; i < p->nsegments; i++) {
        c->seg_base[i] = nseg;
        nseg += p->segments[i].nrows;
    }
    for (uint32_t i = 0; i < p->ntables; i++) {
        c->tbl_base[i] = ntbl;
        ntbl += p->tables[i].nrows;
    }
    c->rule_fired = calloc(p->nrules + 1, 1);
    c->bin_hit = calloc(nbins + 1, 1);
    c->seg_hit = calloc(nseg + 1, 1);
    c->tbl_hit = calloc(ntbl + 1, 1);
    c->decide_hit = calloc(p->ndecide + 1, 1);
    if (!c->rule_fired || !c->bin_hit || !c->seg_hit || !c->tbl_hit || !c->decide_hit) {
        cr_coverage_free(c);
        return false;
    }
    return true;
}

void cr_coverage_free(cr_coverage *c)
{
    free(c->rule_fired);
    free(c->bin_base);
    free(c->bin_hit);
    free(c->seg_base);
    free(c->seg_hit);
    free(c->tbl_base);
    free(c->tbl_hit);
    free(c->decide_hit);
    memset(c, 0, sizeof *c);
}

void cr_coverage_add(cr_coverage *c, const cr_session *s)
{
    const cr_program *p = c->prog;
    for (uint32_t i = 0; i < s->nfired; i++)
        c->rule_fired[s->fired[i]] = 1;
    for (uint32_t i = 0; i < p->ncharacs; i++)
        if (s->sc_bin[i] >= 0)
            c->bin_hit[c->bin_base[i] + (uint32_t)s->sc_bin[i]] = 1;
    for (uint32_t i = 0; i < p->nsegments; i++)
        if (s->seg_row[i] >= 0)
            c->seg_hit[c->seg_base[i] + (uint32_t)s->seg_row[i]] = 1;
    for (uint32_t t = 0; t < p->ntables; t++) {
        const uint32_t *rows = s->tbl_rows + (size_t)t * p->max_table_rows;
        for (uint32_t k = 0; k < s->tbl_count[t]; k++)
            c->tbl_hit[c->tbl_base[t] + rows[k]] = 1;
    }
    if (s->decide_row >= 0)
        c->decide_hit[s->decide_row] = 1;
}

static uint32_t span_line(const cr_program *p, cr_span sp)
{
    uint32_t line, col;
    cr_source_linecol(p->src, p->len, sp.start, &line, &col);
    return line;
}

void cr_coverage_report(const cr_coverage *c, const cr_test_options *opt, cr_test_totals *tot)
{
    const cr_program *p = c->prog;
    uint32_t parts = 0, covered = 0;
    FILE *out = opt->out;
    char what[256];
#define PART(hit, span, ...)                                                    \
    do {                                                                        \
        parts++;                                                                \
        if (hit) {                                                              \
            covered++;                                                          \
        } else if (opt->coverage || opt->report) {                              \
            snprintf(what, sizeof what, __VA_ARGS__);                           \
            if (opt->report)                                                    \
                cr_report_uncovered(opt->report, p->file, span_line(p, span), what); \
            else                                                                \
                fprintf(out, "  %s:%u: %s\n", p->file, span_line(p, span), what); \
        }                                                                       \
    } while (0)
    if (opt->coverage)
        fprintf(out, "coverage of %s:\n", p->file);
    for (uint32_t i = 0; i < p->nrules; i++)
        PART(c->rule_fired[i], p->rules[i].span, "%s rule %s never fired",
             p->rules[i].kind == RULE_REJECT ? "reject" : "refer", p->rules[i].code);
    for (uint32_t k = 0; k < p->nscorecards; k++) {
        const cr_scorecard_info *sc = &p->scorecards[k];
        for (uint32_t i = 0; i < sc->count; i++) {
            const cr_charac_info *ci = &p->characs[sc->first + i];
            for (uint32_t b = 0; b < ci->nbins; b++)
                PART(c->bin_hit[c->bin_base[sc->first + i] + b], ci->bin_spans[b],
                     "scorecard %s: bin %u of %s never chosen", sc->name, b + 1, ci->name);
        }
    }
    for (uint32_t k = 0; k < p->nsegments; k++) {
        const cr_segment_info *sg = &p->segments[k];
        for (uint32_t i = 0; i < sg->nrows; i++)
            PART(c->seg_hit[c->seg_base[k] + i], sg->row_spans[i], "segment %s: row %s never taken", sg->name, sg->labels[i]);
    }
    for (uint32_t k = 0; k < p->ntables; k++) {
        const cr_table_info *t = &p->tables[k];
        for (uint32_t i = 0; i < t->nrows; i++)
            PART(c->tbl_hit[c->tbl_base[k] + i], t->row_spans[i], "table %s: row %u never matched", t->name, i + 1);
    }
    for (uint32_t i = 0; i < p->ndecide; i++)
        PART(c->decide_hit[i], p->decide_spans[i], "decide: row %u never chosen", i + 1);
#undef PART
    if (opt->report)
        cr_report_coverage(opt->report, p->file, parts, covered);
    double pct = parts ? 100.0 * covered / parts : 100.0;
    if (opt->coverage)
        fprintf(out, "  %.1f%% covered (%u of %u rules, bins, rows and branches)\n", pct, covered, parts);
    if (opt->coverage_min >= 0 && pct + 1e-9 < opt->coverage_min) {
        fprintf(out, "FAIL %s: coverage %.1f%% is below the minimum %.1f%%\n", p->file, pct, opt->coverage_min);
        tot->coverage_failed = true;
    }
    tot->parts += parts;
    tot->covered += covered;
}
