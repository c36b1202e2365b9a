/* Traced tests in words (explain_words.h): the plain-language text and the
 * HTML page of `credo explain` say "age 17 is below the minimum of 18"
 * where the trace says "age < 18: 17 < 18 -> true". */
#include "runtime/io/explain_words.h"

#include <stdio.h>
#include <string.h>

#include "runtime/io/explain_parts.h"

void cr_ex_name_words(const char *name, char *buf, size_t size)
{
    size_t o = 0;
    for (; *name && o + 1 < size; name++)
        buf[o++] = *name == '_' ? ' ' : *name;
    buf[o] = '\0';
}

void cr_ex_value_words(cr_value v, char *buf, size_t size)
{
    cr_ex_typed_value_words(v, NULL, buf, size);
}

void cr_ex_typed_value_words(cr_value v, const cr_type *t, char *buf, size_t size)
{
    char json[256];
    cr_ex_value_text(v, t, json, sizeof json);
    /* drop JSON's quotes; a list's commas get a space after them */
    size_t o = 0;
    bool quoted = false;
    for (const char *c = json; *c && o + 2 < size; c++) {
        if (*c == '\\' && quoted && c[1]) {
            buf[o++] = *++c;
        } else if (*c == '"') {
            quoted = !quoted;
        } else if (!quoted && (*c == '[' || *c == ']')) {
            continue;
        } else {
            buf[o++] = *c;
            if (!quoted && *c == ',')
                buf[o++] = ' ';
        }
    }
    buf[o] = '\0';
    if (o == 0 && v.tag == CR_LIST)
        snprintf(buf, size, "(none)");
}

/* The left side of a test as the policy writes it: the text before its
 * operator ("monthly_income * 0.5 < x" -> "monthly_income * 0.5"). */
static void left_side(const char *src, const char *op, char *buf, size_t size)
{
    char pat[24];
    snprintf(pat, sizeof pat, " %s", op);
    const char *at = strstr(src, pat);
    size_t n = at ? (size_t)(at - src) : strlen(src);
    snprintf(buf, size, "%.*s", (int)n, src);
}

void cr_ex_test_words(const cr_session *s, const cr_trace_entry *e, bool in_rule, char *buf, size_t size)
{
    const cr_program *p = s->prog;
    const cr_ins *in = &p->code[e->pc];
    const char *op = cr_ex_op_symbol(in->op, in->a);
    char src[200], left[200], who[480], a[256], b[256];
    cr_ex_span_text(p, p->spans[e->pc], src, sizeof src);
    left_side(src, op, left, sizeof left);
    cr_ex_value_words(e->a, a, sizeof a);
    /* "age 17", or just "17" where the left side is the value itself */
    if (strcmp(left, a) == 0 || strchr(left, '"'))
        snprintf(who, sizeof who, "%s", a);
    else {
        char name[200];
        cr_ex_name_words(left, name, sizeof name);
        snprintf(who, sizeof who, "%s %s", name, a);
    }
    bool yes = e->r.u.b;
    switch ((cr_opcode)in->op) {
    case CR_OP_IS_NULL:
        /* `x is null` true, or `x is not null` false: the value is missing */
        cr_ex_name_words(left, who, sizeof who);
        snprintf(buf, size, "%s is %s", who, yes == !in->a ? "missing" : "given");
        return;
    case CR_OP_MATCH:
        snprintf(buf, size, "%s %s the required form", who, yes ? "has" : "does not have");
        return;
    case CR_OP_HAS:
        snprintf(buf, size, "%s is %son the list %s", a, yes ? "" : "not ", p->lookups[in->c].name);
        return;
    default:
        break;
    }
    cr_ex_value_words(e->b, b, sizeof b);
    const char *verb;
    switch ((cr_opcode)in->op) {
    case CR_OP_LT: verb = yes ? (in_rule ? "is below the minimum of" : "is below") : "is not below"; break;
    case CR_OP_LE: verb = yes ? "is at or below" : "is above"; break;
    case CR_OP_GT: verb = yes ? (in_rule ? "is above the maximum of" : "is above") : "is not above"; break;
    case CR_OP_GE: verb = yes ? "is at or above" : "is below"; break;
    case CR_OP_EQ: verb = yes ? "is" : "is not"; break;
    case CR_OP_NE: verb = yes ? "is not" : "is"; break;
    case CR_OP_IN: verb = yes == !in->a ? "is one of" : "is not one of"; break;
    default: verb = op; break;
    }
    snprintf(buf, size, "%s %s %s", who, verb, b);
}
