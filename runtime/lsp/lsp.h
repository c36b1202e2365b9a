/* credo lsp: a language server for editors, over stdin and stdout
 * (JSON-RPC 2.0 with Content-Length framing, the Language Server
 * Protocol).  What the parts of the room share. */
#ifndef CREDO_LSP_H
#define CREDO_LSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/* ---- lsp_rpc.c: messages ---- */

/* The next message's JSON, or NULL at the end of input or on a frame
 * that cannot be read (its reason in *why). */
cJSON *cr_lsp_read(FILE *in, const char **why);
/* Writes one message (consumed), framed. */
void cr_lsp_write(FILE *out, cJSON *msg);
/* A response to id with result (consumed; NULL: null). */
void cr_lsp_reply(FILE *out, const cJSON *id, cJSON *result);
void cr_lsp_reply_error(FILE *out, const cJSON *id, int code, const char *message);
/* A notification. */
void cr_lsp_notify(FILE *out, const char *method, cJSON *params);

/* ---- lsp_doc.c: open documents and positions ---- */

typedef struct cr_lsp_doc {
    char *uri;
    char *path;        /* the file the uri names, for diagnostics and lookups */
    char *text;
    size_t len;
} cr_lsp_doc;

typedef struct cr_lsp_docs {
    cr_lsp_doc *items;
    size_t count, cap;
} cr_lsp_docs;

cr_lsp_doc *cr_lsp_doc_find(cr_lsp_docs *d, const char *uri);
/* Opens or replaces a document's text; NULL when out of memory. */
cr_lsp_doc *cr_lsp_doc_set(cr_lsp_docs *d, const char *uri, const char *text, size_t len);
void cr_lsp_doc_close(cr_lsp_docs *d, const char *uri);
void cr_lsp_docs_free(cr_lsp_docs *d);
/* A byte offset as an LSP position (0-based line, UTF-16 character). */
cJSON *cr_lsp_position(const char *src, size_t len, uint32_t off);
/* A span as an LSP range. */
cJSON *cr_lsp_range(const char *src, size_t len, uint32_t start, uint32_t end);
/* An LSP position ({"line","character"}) as a byte offset. */
uint32_t cr_lsp_offset(const char *src, size_t len, const cJSON *pos);

/* ---- lsp_index.c: the names of a policy ---- */

typedef enum cr_lsp_kind {
    LSP_INPUT, LSP_FIELD, LSP_CONST, LSP_LET, LSP_RESULT, LSP_FN, LSP_PARAM,
    LSP_SCORECARD, LSP_SEGMENT, LSP_LABEL, LSP_TABLE, LSP_LOOKUP, LSP_CODE
} cr_lsp_kind;

typedef struct cr_lsp_name {
    cr_lsp_kind kind;
    uint32_t start, end;     /* the name where it is defined */
    uint32_t item;           /* offset where its item or row starts (for hover) */
    uint32_t owner;          /* index of the name it belongs to (a field's input, a label's segment), or UINT32_MAX */
} cr_lsp_name;

typedef struct cr_lsp_token {
    int kind;                /* the lexer's token kind */
    uint32_t start, end;
} cr_lsp_token;

typedef struct cr_lsp_index {
    cr_lsp_token *toks;
    uint32_t ntoks;
    cr_lsp_name *names;
    uint32_t nnames;
} cr_lsp_index;

/* Tokens and definitions of src; false when out of memory. */
bool cr_lsp_index_build(cr_lsp_index *ix, const char *src, size_t len);
void cr_lsp_index_free(cr_lsp_index *ix);
/* How many tokens start (by_end false) or end (by_end true) at or
 * before off: the tokens are in order and do not overlap. */
uint32_t cr_lsp_tokens_before(const cr_lsp_index *ix, uint32_t off, bool by_end);
/* The token at (or just before) off, or -1. */
int cr_lsp_token_at(const cr_lsp_index *ix, uint32_t off);
bool cr_lsp_token_is_name(const cr_lsp_token *t);
/* The definition a name's text refers to, or -1. */
int cr_lsp_name_find(const cr_lsp_index *ix, const char *src, const char *name, size_t n);
const char *cr_lsp_kind_word(cr_lsp_kind k);

/* ---- lsp_features.c: what the server answers ---- */

cJSON *cr_lsp_diagnostics(const cr_lsp_doc *doc);
cJSON *cr_lsp_hover(const cr_lsp_doc *doc, const cJSON *pos);
cJSON *cr_lsp_definition(const cr_lsp_doc *doc, const cJSON *pos);
cJSON *cr_lsp_references(const cr_lsp_doc *doc, const cJSON *pos, bool with_declaration);
cJSON *cr_lsp_symbols(const cr_lsp_doc *doc);
/* Every name, built-in and keyword; after `NAME.`, NAME's members. */
cJSON *cr_lsp_completion(const cr_lsp_doc *doc, const cJSON *pos);
cJSON *cr_lsp_formatting(const cr_lsp_doc *doc);

#endif
