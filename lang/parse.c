/* Runs the reentrant scanner and the pure parser over one policy source,
 * and the small constructors the grammar's actions use. */
#include "lang/parse.h"

#include <string.h>

#include "parser.h"
#include "lexer.h"

void *cr_ast_alloc(cr_parse_ctx *ctx, size_t n)
{
    void *p = cr_arena_calloc(ctx->arena, n);
    if (!p)
        ctx->oom = true;
    return p;
}

const char *cr_ast_strndup(cr_parse_ctx *ctx, const char *s, size_t n)
{
    char *p = cr_arena_strndup(ctx->arena, s, n);
    if (!p) {
        ctx->oom = true;
        return "";
    }
    return p;
}

cr_expr *cr_ast_expr(cr_parse_ctx *ctx, cr_expr_kind kind, cr_span span)
{
    cr_expr *e = cr_ast_alloc(ctx, sizeof *e);
    if (e) {
        e->kind = kind;
        e->span = span;
        e->builtin = -1;
    }
    return e;
}

void cr_ast_list_push(cr_parse_ctx *ctx, cr_expr_list *l, cr_expr *e)
{
    if (l->count == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 4;
        cr_expr **items = cr_ast_alloc(ctx, cap * sizeof *items);
        if (!items)
            return;
        if (l->count)
            memcpy(items, l->items, l->count * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->count++] = e;
}

bool cr_parse(cr_parse_ctx *ctx)
{
    yyscan_t scanner;
    if (!cr_lex_begin(ctx, ctx->src, ctx->len, &scanner)) {
        cr_span sp = {0, 0};
        cr_diag(ctx->diags, CR_SEV_ERROR, sp, "out of memory while parsing");
        return false;
    }
    ctx->offset = 0;
    ctx->prev_ends_expr = false;
    ctx->tail = &ctx->ast->items;
    ctx->ast->effective = INT64_MIN;
    uint32_t errors_before = ctx->diags->errors;
    int rc = cr_yyparse(scanner, ctx);
    cr_lex_end(scanner);
    if (ctx->oom) {
        cr_span sp = {0, 0};
        cr_diag(ctx->diags, CR_SEV_ERROR, sp, "out of memory while parsing");
    }
    return rc == 0 && !ctx->oom && ctx->diags->errors == errors_before;
}
