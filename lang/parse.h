/* The parser's context: shared by the reentrant scanner (lexer.l) and the
 * pure parser (parser.y), so there are no globals in the front end. */
#ifndef CREDO_PARSE_H
#define CREDO_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "../runtime/arena.h"
#include "ast.h"
#include "diag.h"

typedef struct cr_parse_ctx {
    cr_arena *arena;       /* owns the AST */
    cr_diags *diags;
    const char *src;
    size_t len;
    cr_policy_ast *ast;
    cr_item **tail;        /* where the next item is linked */
    /* scanner state */
    uint32_t offset;       /* byte offset of the next token */
    bool prev_ends_expr;   /* decides whether '/' starts a regex */
    bool keep_comments;    /* '#' comments become T_COMMENT tokens (credo fmt) */
    bool oom;
    /* the optional word after `hit collect`, handed to the table's action */
    const char *pending_ident;
    cr_span pending_span;
} cr_parse_ctx;

/* Parses ctx->src into ctx->ast; syntax errors go to ctx->diags.
 * Returns false when the tree is unusable (any syntax error). */
bool cr_parse(cr_parse_ctx *ctx);

/* AST construction helpers used by the grammar's actions. */
void *cr_ast_alloc(cr_parse_ctx *ctx, size_t n);
const char *cr_ast_strndup(cr_parse_ctx *ctx, const char *s, size_t n);
cr_expr *cr_ast_expr(cr_parse_ctx *ctx, cr_expr_kind kind, cr_span span);
void cr_ast_list_push(cr_parse_ctx *ctx, cr_expr_list *l, cr_expr *e);

#endif
