/* The parser's context: shared by the reentrant scanner (lexer.l) and the
 * pure parser (parser.y), so there are no globals in the front end. */
#ifndef CREDO_PARSE_H
#define CREDO_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/core/arena.h"
#include "lang/ast.h"
#include "lang/diag.h"

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
    /* the lookup whose key was just read, for its pins (parser.y, lookup_pins) */
    struct cr_lookup_decl *pending_lookup;
    /* the scanner's own memory (lexer.l), so that running out of it while
     * the scanner is set up is an error, not an abort */
    void *lex_mem[8];
    void *lex_fatal;       /* jmp_buf * while cr_lex_begin runs */
} cr_parse_ctx;

/* A scanner over src[0..len) with ctx as its context: true and *scanner,
 * or false when out of memory (nothing is left allocated).  End it with
 * cr_lex_end.  Defined in lexer.l. */
bool cr_lex_begin(cr_parse_ctx *ctx, const char *src, size_t len, void **scanner);
void cr_lex_end(void *scanner);

/* One token of a source: its kind (the parser's token number; T_COMMENT
 * for a comment, T_BAD for a character that is no token) and its span. */
typedef struct cr_token {
    int kind;
    cr_span sp;
} cr_token;
/* Every token of src[0..len), in order, its comments too when
 * keep_comments; *count of them, and after them one of kind 0 at the
 * end of the source.  Lexical errors go to diags (NULL: dropped).  NULL
 * when out of memory; free() the array.  Defined in lexer.l. */
cr_token *cr_lex_all(const char *src, size_t len, cr_diags *diags, bool keep_comments, uint32_t *count);

/* Parses ctx->src into ctx->ast; syntax errors go to ctx->diags.
 * Returns false when the tree is unusable (any syntax error). */
bool cr_parse(cr_parse_ctx *ctx);

/* AST construction helpers used by the grammar's actions. */
void *cr_ast_alloc(cr_parse_ctx *ctx, size_t n);
const char *cr_ast_strndup(cr_parse_ctx *ctx, const char *s, size_t n);
cr_expr *cr_ast_expr(cr_parse_ctx *ctx, cr_expr_kind kind, cr_span span);
void cr_ast_list_push(cr_parse_ctx *ctx, cr_expr_list *l, cr_expr *e);

#endif
