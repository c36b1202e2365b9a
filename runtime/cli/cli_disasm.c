/* credo disasm: a policy's bytecode, for review.  Every instruction with
 * its number, its name and its operands spelt out (constants' values, the
 * names of lets, fields, rules, tables...), under the source line it comes
 * from; the main code first, then each let's code under its name.  Works
 * on a source policy or a .credoc, so a reviewer sees exactly what a
 * compiled policy will run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cli/cli.h"
#include "runtime/core/date.h"
#include "stdlib/stdlib.h"

static const char usage_disasm[] =
    "usage: credo disasm POLICY|FILE.credoc\n"
    "\n"
    "Prints the policy's bytecode: each instruction's number, name and\n"
    "operands (constant values, let, field, rule and table names, jump\n"
    "targets), under `file:line: text` of the source line it comes from.\n"
    "The main code comes first, then the code of each let under its name.\n"
    "\n"
    "exit status: 0 printed, 1 the policy has errors or the file is refused,\n"
    "2 usage.\n";

static const char *const let_kinds[] = {"let", "const", "result", "scorecard", "segment", "table"};
static const char *const outcomes[] = {"approve", "refer", "reject"};
static const char *const members[] = {"reasons", "rejected", "referred", "rejections", "referrals"};

/* A value as in a decision record, cut to a readable length. */
static void put_value(cr_buf *b, cr_value v)
{
    cr_buf tmp = {0};
    if (v.tag == CR_SET)
        cr_buf_puts(b, "set ");
    cr_buf_json_value(&tmp, v, NULL);
    if (tmp.len > 72) {
        cr_buf_put(b, tmp.p, 69);
        cr_buf_puts(b, "...");
    } else if (tmp.p) {
        cr_buf_put(b, tmp.p, tmp.len);
    }
    cr_buf_free(&tmp);
}

static void put_name(cr_buf *b, const char *what, const char *name)
{
    cr_buf_printf(b, "%s%s", what, name ? name : "?");
}

/* The operands of one instruction, in words. */
static void operands(cr_buf *b, const cr_program *p, const cr_ins *in)
{
    switch ((cr_opcode)in->op) {
    case CR_OP_CONST: put_value(b, p->consts[in->c]); return;
    case CR_OP_INPUT: put_name(b, "", p->input->fields[in->c].name); return;
    case CR_OP_LET: case CR_OP_LET_END: put_name(b, "", p->lets[in->c].name); return;
    case CR_OP_LOCAL: case CR_OP_STORE: cr_buf_printf(b, "local %u", in->c); return;
    case CR_OP_FIELD: cr_buf_printf(b, "field %u", in->c); return;
    case CR_OP_JUMP: case CR_OP_JUMP_FALSE: case CR_OP_JUMP_TRUE: case CR_OP_AND_JUMP: case CR_OP_OR_JUMP:
    case CR_OP_COALESCE: case CR_OP_AGG_ANY: case CR_OP_AGG_ALL:
        cr_buf_printf(b, "-> %u", in->c);
        return;
    case CR_OP_IS_NULL: cr_buf_puts(b, in->a ? "(is not null)" : ""); return;
    case CR_OP_IN: cr_buf_puts(b, in->a ? "(not in)" : ""); return;
    case CR_OP_MATCH:
        cr_buf_put(b, "/", 1);
        cr_buf_put(b, p->regex_src[in->c], p->regex_len[in->c]);
        cr_buf_put(b, "/", 1);
        return;
    case CR_OP_LOOKUP: case CR_OP_HAS: put_name(b, "lookup ", p->lookups[in->c].name); return;
    case CR_OP_CALL: cr_buf_printf(b, "%s/%u", cr_builtins[in->c].name, in->a); return;
    case CR_OP_LIST: cr_buf_printf(b, "%u items", in->c); return;
    case CR_OP_REASONS: cr_buf_printf(b, "%u values", in->c); return;
    case CR_OP_FIRE: {
        const cr_rule_info *r = &p->rules[in->c];
        cr_buf_printf(b, "rule %s (%s)", r->code, r->kind == RULE_REJECT ? "reject" : "refer");
        return;
    }
    case CR_OP_ITER_INIT: case CR_OP_COMP_NEW: cr_buf_printf(b, "locals %u..%u", in->b, in->b + 2u); return;
    case CR_OP_ITER_NEXT: cr_buf_printf(b, "locals %u..%u, done -> %u", in->b, in->b + 2u, in->c); return;
    case CR_OP_SC_MARK:
        cr_buf_printf(b, "%s bin %u", p->characs[in->b].name, in->c + 1);
        return;
    case CR_OP_SC_POINTS: put_name(b, "points of ", p->characs[in->c].name); return;
    case CR_OP_SC_LOWEST: put_name(b, "lowest of ", p->scorecards[in->c].name); return;
    case CR_OP_SC_REASONS: put_name(b, "reasons of ", p->scorecards[in->c].name); return;
    case CR_OP_SEG_MARK:
        cr_buf_printf(b, "%s row %u (%s)", p->segments[in->b].name, in->c + 1, p->segments[in->b].labels[in->c]);
        return;
    case CR_OP_TBL_START: case CR_OP_TBL_END: case CR_OP_TBL_NONE: put_name(b, "", p->tables[in->c].name); return;
    case CR_OP_TBL_MATCH: cr_buf_printf(b, "%s row %u", p->tables[in->b].name, in->c + 1); return;
    case CR_OP_ADMISSION: cr_buf_puts(b, in->a < 5 ? members[in->a] : "?"); return;
    case CR_OP_DECIDE: cr_buf_printf(b, "%s (row %u)", in->a < 3 ? outcomes[in->a] : "?", in->c + 1); return;
    case CR_OP_FAIL: put_value(b, p->consts[in->c]); return;
    default: return;
    }
}

/* `file:line: text` of the line holding offset `at`. */
static void put_source_line(cr_buf *b, const cr_program *p, uint32_t at, uint32_t line)
{
    size_t s = at > p->len ? p->len : at, e;
    while (s > 0 && p->src[s - 1] != '\n')
        s--;
    for (e = s; e < p->len && p->src[e] != '\n' && p->src[e] != '\r'; e++)
        ;
    while (s < e && (p->src[s] == ' ' || p->src[s] == '\t'))
        s++;
    cr_buf_printf(b, "%s:%u: ", p->file, line);
    cr_buf_put(b, p->src + s, e - s);
    cr_buf_put(b, "\n", 1);
}

/* Instructions [start, end), each under its source line when that changes. */
static void put_code(cr_buf *b, const cr_program *p, uint32_t start, uint32_t end)
{
    uint32_t last_line = 0;
    for (uint32_t pc = start; pc < end; pc++) {
        uint32_t line, col;
        cr_source_linecol(p->src, p->len, p->spans[pc].start, &line, &col);
        if (line != last_line) {
            put_source_line(b, p, p->spans[pc].start, line);
            last_line = line;
        }
        const cr_ins *in = &p->code[pc];
        cr_buf_printf(b, "%6u  %-11s ", pc, in->op < CR_OP__COUNT ? cr_opcode_names[in->op] : "?");
        operands(b, p, in);
        while (b->len && b->p[b->len - 1] == ' ')
            b->len--;
        cr_buf_put(b, "\n", 1);
    }
}

static void put_header(cr_buf *b, const cr_program *p)
{
    cr_buf_printf(b, "; policy %s", p->name);
    if (p->title) {
        cr_buf_puts(b, " ");
        cr_buf_json_string(b, p->title, strlen(p->title));
    }
    if (p->version)
        cr_buf_printf(b, " version %s", p->version);
    if (p->has_effective) {
        char d[16];
        cr_date_format(p->effective, d);
        cr_buf_printf(b, " effective %s", d);
    }
    if (p->owner)
        cr_buf_printf(b, " owner %s", p->owner);
    cr_buf_printf(b, "\n; source %s, sha256 %s\n; program sha256 %s%s%s\n", p->file, p->sha256, p->program_sha256,
                  p->signed_by[0] ? ", signed by key " : "", p->signed_by);
    cr_buf_printf(b, "; %u instructions, %u constants, %u lets, %u rules, %u locals, stack %u\n", p->ncode,
                  p->nconsts, p->nlets, p->nrules, p->nlocals, p->max_stack);
}

static int by_pc(const void *x, const void *y)
{
    const uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

static bool disasm(const cr_program *p, FILE *out)
{
    cr_buf b = {0};
    put_header(&b, p);
    /* lets in code order: (pc << 32) | let */
    uint64_t *order = malloc((p->nlets ? p->nlets : 1) * sizeof *order);
    if (!order)
        return false;
    for (uint32_t i = 0; i < p->nlets; i++)
        order[i] = (uint64_t)p->lets[i].pc << 32 | i;
    qsort(order, p->nlets, sizeof *order, by_pc);
    uint32_t main_end = p->nlets ? (uint32_t)(order[0] >> 32) : p->ncode;
    cr_buf_puts(&b, "\nmain:\n");
    put_code(&b, p, 0, main_end);
    for (uint32_t i = 0; i < p->nlets; i++) {
        const cr_let_info *li = &p->lets[order[i] & 0xFFFFFFFFu];
        uint32_t end = i + 1 < p->nlets ? (uint32_t)(order[i + 1] >> 32) : p->ncode;
        cr_buf_printf(&b, "\n%s %s:\n", li->kind <= LET_TABLE ? let_kinds[li->kind] : "let", li->name);
        put_code(&b, p, li->pc, end);
    }
    free(order);
    bool ok = !b.failed && fwrite(b.p, 1, b.len, out) == b.len;
    cr_buf_free(&b);
    return ok;
}

int cr_cmd_disasm(int argc, char **argv)
{
    if (cr_cli_want_help(argc, argv))
        return cr_cli_usage(usage_disasm, 0);
    static const struct option longopts[] = {{NULL, 0, NULL, 0}};
    if (cr_cli_getopt("disasm", argc, argv, "", longopts) != -1)
        return 2;
    int first = cr_cli_optind();
    if (argc - first != 1)
        return cr_cli_usage_error("disasm", first == argc ? "no policy given" : "one policy at a time");
    argv += first;
    int errors = 0;
    cr_program *p = cr_cli_load_policy(argv[0], false, &errors);
    if (!p)
        return 1;
    int rc = 0;
    if (!disasm(p, stdout) || fflush(stdout) != 0) {
        fprintf(stderr, "credo disasm: cannot write the listing\n");
        rc = 1;
    }
    cr_program_free(p);
    return rc;
}
