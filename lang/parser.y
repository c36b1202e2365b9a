/* The credo grammar.  Pure, reentrant, with byte-span locations; builds the
 * AST in the compile arena (lang/ast.h).  Newlines are white space: items
 * and rows end where the next one begins.  `%expect 0`: a new conflict
 * fails the build. */
%code requires {
#include "lang/ast.h"
#ifndef CR_YYSCAN_T
#define CR_YYSCAN_T
typedef void *yyscan_t;
#endif
struct cr_parse_ctx;
}

%code provides {
/* bison names the types CR_YYSTYPE and CR_YYLTYPE (api.prefix below);
 * flex's bison bridge, in the scanner and lexer.h, uses the plain names. */
#ifndef YYSTYPE
#define YYSTYPE CR_YYSTYPE
#endif
#ifndef YYLTYPE
#define YYLTYPE CR_YYLTYPE
#endif
}

%code {
#include <string.h>
#include "lang/parse.h"
#include "lexer.h"

static void cr_yyerror(cr_span *loc, yyscan_t scanner, struct cr_parse_ctx *ctx, const char *msg);
/* The parser's stack: a block's rows, fields and rules stay on it until
 * the block ends, so it must hold the largest table (bison's default,
 * 10,000, refused a 10,000-row table); deeper, "memory exhausted" is
 * reported as the policy nesting too deeply (README.md, "Limits"). */
#define YYMAXDEPTH 200000
static cr_span join(cr_span a, cr_span b) { cr_span s = {a.start, b.end}; return s; }
static cr_expr *bin(struct cr_parse_ctx *ctx, cr_op op, cr_expr *a, cr_expr *b, cr_span sp);
static cr_expr *name_expr(struct cr_parse_ctx *ctx, const char *s, uint32_t len, cr_span sp);
static const char *dotted_name(struct cr_parse_ctx *ctx, const cr_expr *ref);
static void add_item(struct cr_parse_ctx *ctx, cr_item *it);
static cr_item *new_item(struct cr_parse_ctx *ctx, cr_item_kind k, cr_span sp);
static cr_cell make_cell(cr_cell_kind k, cr_span sp, cr_expr *a, cr_expr *b);
static cr_cell any_of(struct cr_parse_ctx *ctx, cr_span sp, cr_cell *tests, uint32_t n);
static cr_table_row *grid_rows(struct cr_parse_ctx *ctx, cr_cell *cols, uint32_t ncols, cr_table_row *rows);
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                   \
    do {                                                              \
        if (N) { (Cur).start = YYRHSLOC(Rhs, 1).start; (Cur).end = YYRHSLOC(Rhs, N).end; } \
        else { (Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end; }      \
    } while (0)
}

%define api.pure full
/* Every name bison generates starts with cr_yy (CR_YY): a host program
 * with its own bison parser links beside the library. */
%define api.prefix {cr_yy}
%define api.location.type {cr_span}
%define parse.error detailed
%locations
%param {yyscan_t scanner}
%parse-param {struct cr_parse_ctx *ctx}
%expect 0

%union {
    struct { const char *s; uint32_t len; } str;
    int64_t ival;
    cr_dec dval;
    cr_expr *expr;
    cr_expr_list list;
    cr_type_expr *type;
    cr_field_decl *field;
    cr_rule_decl *rule;
    cr_param *param;
    cr_cell cell;
    struct { cr_cell *items; uint32_t count; } cells;
    cr_bin *bin;
    cr_charac *charac;
    cr_seg_row *seg;
    cr_table_row *row;
    cr_decide_row *drow;
    cr_lookup_decl *lookup;
    int num;
}

%token KW_POLICY "policy"
%token KW_INPUT "input" KW_CONST "const" KW_LET "let" KW_FN "fn"
%token KW_ADMISSION "admission" KW_REJECT "reject" KW_REFER "refer" KW_APPROVE "approve"
%token KW_WHEN "when" KW_AND "and" KW_OR "or" KW_NOT "not" KW_IN "in" KW_MATCHES "matches"
%token KW_IS "is" KW_IF "if" KW_THEN "then" KW_ELSE "else" KW_LIST "list" KW_OF "of"
%token KW_FOR "for" KW_WHERE "where" KW_COUNT "count" KW_ANY "any" KW_ALL "all"
%token KW_NULL "null" KW_TRUE "true" KW_FALSE "false" KW_TODAY "today"
%token KW_SCORECARD "scorecard" KW_SEGMENT "segment" KW_OTHERWISE "otherwise"
%token KW_TABLE "table" KW_DECIDE "decide" KW_AS "as" KW_LOOKUP "lookup" KW_HAS "has"
%token T_EQ "==" T_NE "!=" T_LE "<=" T_GE ">=" T_ARROW "->" T_COALESCE "??" T_DOTDOT ".."
%token <str> T_REGEX "regular expression" T_IDENT "name" T_STRING "text"
%token <ival> T_DATE "date" T_INT "integer"
%token <dval> T_DEC "decimal number"
%token T_BAD "invalid character"
/* Only when cr_parse_ctx.keep_comments is set (credo fmt); never in the grammar. */
%token T_COMMENT "comment"

%type <expr> expr primary value operand opt_when charac_ref
%type <list> args opt_args reasons opt_reasons operands outputs
%type <type> type table_type
%type <field> fields field
%type <rule> rules rule
%type <param> params opt_params
%type <cell> cell rcell test range
%type <cells> rcells grid_head tests
%type <bin> bins bin
%type <charac> characs charac
%type <seg> seg_rows seg_row
%type <row> rows row grid_rows grid_row
%type <drow> decide_rows decide_row
%type <str> opt_string opt_code hit_word
%type <num> outcome opt_q
%type <lookup> lookup_key

%precedence KW_ELSE KW_WHERE
%left KW_OR
%left KW_AND
%right KW_NOT
%nonassoc T_EQ T_NE '<' T_LE '>' T_GE KW_IN KW_MATCHES KW_IS KW_HAS
%precedence T_DOTDOT
%right T_COALESCE
%left '+' '-'
%left '*' '/' '%'
%precedence UMINUS

%%

policy:
    header items
    ;

/* policy NAME "title", then `version "v"`, `effective DATE`, `owner "team"`
 * (parsed as items, so these words stay free for field names) */
header:
    KW_POLICY T_IDENT opt_string {
        ctx->ast->name = $2.s;
        ctx->ast->name_span = @2;
        ctx->ast->title = $3.s;
        ctx->ast->header_span = @$;
    }
    ;

opt_string:
    %empty      { $$.s = NULL; $$.len = 0; }
  | T_STRING    { $$ = $1; }
  ;

items:
    %empty
  | items item
  | items error
  ;

item:
    T_IDENT T_STRING {
        if (ctx->ast->items)
            cr_diag(ctx->diags, CR_SEV_ERROR, @1, "'%s' belongs in the policy header, before the first item", $1.s);
        if (!strcmp($1.s, "version")) ctx->ast->version = $2.s;
        else if (!strcmp($1.s, "owner")) ctx->ast->owner = $2.s;
        else cr_diag(ctx->diags, CR_SEV_ERROR, @1, "unknown header attribute '%s' (version \"...\", effective DATE or owner \"...\")", $1.s);
        ctx->ast->header_span.end = @2.end;
    }
  | T_IDENT T_DATE {
        if (ctx->ast->items)
            cr_diag(ctx->diags, CR_SEV_ERROR, @1, "'%s' belongs in the policy header, before the first item", $1.s);
        if (!strcmp($1.s, "effective")) { ctx->ast->effective = $2; ctx->ast->has_effective = true; }
        else cr_diag(ctx->diags, CR_SEV_ERROR, @1, "unknown header attribute '%s' (version \"...\", effective DATE or owner \"...\")", $1.s);
        ctx->ast->header_span.end = @2.end;
    }
  | KW_INPUT T_IDENT '{' fields '}' {
        cr_item *it = new_item(ctx, I_INPUT, @$);
        if (it) {
            it->name = $2.s; it->name_span = @2;
            it->type = cr_ast_alloc(ctx, sizeof *it->type);
            if (it->type) { it->type->kind = TE_RECORD; it->type->span = @$; it->type->fields = $4; }
            add_item(ctx, it);
        }
    }
  /* input applicant key id { ... }: the field that names each decision */
  | KW_INPUT T_IDENT T_IDENT T_IDENT '{' fields '}' {
        if (strcmp($3.s, "key") != 0)
            cr_diag(ctx->diags, CR_SEV_ERROR, @3, "expected 'key FIELD' or '{' after the input's name, not '%s'", $3.s);
        cr_item *it = new_item(ctx, I_INPUT, @$);
        if (it) {
            it->name = $2.s; it->name_span = @2;
            it->input_key = $4.s; it->input_key_span = @4;
            it->type = cr_ast_alloc(ctx, sizeof *it->type);
            if (it->type) { it->type->kind = TE_RECORD; it->type->span = @$; it->type->fields = $6; }
            add_item(ctx, it);
        }
    }
  | KW_CONST T_IDENT '=' expr {
        cr_item *it = new_item(ctx, I_CONST, @$);
        if (it) { it->name = $2.s; it->name_span = @2; it->expr = $4; add_item(ctx, it); }
    }
  | KW_LET T_IDENT '=' expr {
        cr_item *it = new_item(ctx, I_LET, @$);
        if (it) { it->name = $2.s; it->name_span = @2; it->expr = $4; add_item(ctx, it); }
    }
  | T_IDENT '=' expr {
        cr_item *it = new_item(ctx, I_RESULT, @$);
        if (it) { it->name = $1.s; it->name_span = @1; it->expr = $3; add_item(ctx, it); }
    }
  | KW_ADMISSION '{' rules '}' {
        cr_item *it = new_item(ctx, I_ADMISSION, @$);
        if (it) { it->name = "admission"; it->name_span = @1; it->rules = $3; add_item(ctx, it); }
    }
  | rule {
        cr_item *it = new_item(ctx, I_RULE, @$);
        if (it) { it->rules = $1; add_item(ctx, it); }
    }
  | KW_FN T_IDENT '(' opt_params ')' T_ARROW type '=' expr {
        cr_item *it = new_item(ctx, I_FN, @$);
        if (it) {
            it->name = $2.s; it->name_span = @2; it->params = $4; it->type = $7; it->expr = $9;
            add_item(ctx, it);
        }
    }
  /* scorecard NAME base N { characteristic: bin | bin ... } */
  | KW_SCORECARD T_IDENT T_IDENT value '{' characs '}' {
        cr_item *it = new_item(ctx, I_SCORECARD, @$);
        if (strcmp($3.s, "base") != 0)
            cr_diag(ctx->diags, CR_SEV_ERROR, @3, "expected 'base' after the scorecard's name");
        if (it) { it->name = $2.s; it->name_span = @2; it->base = $4; it->characs = $6; add_item(ctx, it); }
    }
  | KW_SCORECARD T_IDENT '{' characs '}' {
        cr_diag(ctx->diags, CR_SEV_ERROR, @3, "expected 'base' and the points every applicant starts from (scorecard %s base 600 {)", $2.s);
    }
  /* segment NAME { LABEL when cond ... LABEL otherwise } */
  | KW_SEGMENT T_IDENT '{' seg_rows '}' {
        cr_item *it = new_item(ctx, I_SEGMENT, @$);
        if (it) { it->name = $2.s; it->name_span = @2; it->seg_rows = $4; add_item(ctx, it); }
    }
  /* table NAME(inputs) -> type hit POLICY { rows }; the type may be
   * `(name: type, ...)`, several named outputs */
  | KW_TABLE T_IDENT '(' args ')' T_ARROW table_type T_IDENT hit_word opt_ident '{' rows '}' {
        cr_item *it = new_item(ctx, I_TABLE, @$);
        if (it) {
            it->name = $2.s; it->name_span = @2; it->inputs = $4; it->type = $7; it->rows = $12;
            if (strcmp($8.s, "hit") != 0)
                cr_diag(ctx->diags, CR_SEV_ERROR, @8, "expected 'hit' and a hit policy after the table's type");
            const char *h = $9.s;
            if (!strcmp(h, "first")) it->hit = HIT_FIRST;
            else if (!strcmp(h, "unique")) it->hit = HIT_UNIQUE;
            else if (!strcmp(h, "priority")) it->hit = HIT_PRIORITY;
            else if (!strcmp(h, "any")) it->hit = HIT_ANY;
            else if (!strcmp(h, "collect")) it->hit = HIT_COLLECT;
            else if (!strcmp(h, "rule_order")) it->hit = HIT_RULE_ORDER;
            else if (!strcmp(h, "output_order")) it->hit = HIT_OUTPUT_ORDER;
            else cr_diag(ctx->diags, CR_SEV_ERROR, @9, "unknown hit policy '%s' (first, unique, priority, any, collect, rule_order or output_order)", h);
            it->collect = COLLECT_LIST;
            if (ctx->pending_ident) {
                const char *c = ctx->pending_ident;
                if (it->hit != HIT_COLLECT) cr_diag(ctx->diags, CR_SEV_ERROR, ctx->pending_span, "only 'hit collect' takes an aggregate");
                else if (!strcmp(c, "sum")) it->collect = COLLECT_SUM;
                else if (!strcmp(c, "min")) it->collect = COLLECT_MIN;
                else if (!strcmp(c, "max")) it->collect = COLLECT_MAX;
                else if (!strcmp(c, "count")) it->collect = COLLECT_COUNT;
                else cr_diag(ctx->diags, CR_SEV_ERROR, ctx->pending_span, "unknown collect aggregate '%s' (sum, min, max or count)", c);
                ctx->pending_ident = NULL;
            }
            add_item(ctx, it);
        }
    }
  | KW_TABLE T_IDENT '(' args ')' T_ARROW table_type '{' grid_head grid_rows '}' {
        cr_item *it = new_item(ctx, I_TABLE, @$);
        if (it) {
            it->name = $2.s; it->name_span = @2; it->inputs = $4; it->type = $7; it->hit = HIT_FIRST;
            if ($7 && $7->kind == TE_RECORD && $7->outputs)
                cr_diag(ctx->diags, CR_SEV_ERROR, $7->span, "a grid table has one output: write its rows as 'cells -> outputs' with a hit policy");
            it->rows = grid_rows(ctx, $9.items, $9.count, $10);
            add_item(ctx, it);
        }
    }
  | KW_DECIDE '{' decide_rows '}' {
        cr_item *it = new_item(ctx, I_DECIDE, @$);
        if (it) { it->name = "decide"; it->name_span = @1; it->decide = $3; add_item(ctx, it); }
    }
  /* lookup NAME from csv|sqlite "path" [table TABLE] key COLUMN
   *        [sha256 "HEX"] [min_rows N] { columns } */
  | KW_LOOKUP T_IDENT T_IDENT T_IDENT T_STRING lookup_key lookup_pins '{' fields '}' {
        cr_item *it = new_item(ctx, I_LOOKUP, @$);
        cr_lookup_decl *lk = $6;
        if (strcmp($3.s, "from") != 0)
            cr_diag(ctx->diags, CR_SEV_ERROR, @3, "expected 'from' after the lookup's name");
        if (!strcmp($4.s, "csv")) {
            lk->source = LOOKUP_CSV;
            if (lk->table)
                cr_diag(ctx->diags, CR_SEV_ERROR, lk->table_span, "a csv lookup has no table: write key COLUMN after its path");
        } else if (!strcmp($4.s, "sqlite")) {
            lk->source = LOOKUP_SQLITE;
            if (!lk->table)
                cr_diag(ctx->diags, CR_SEV_ERROR, lk->key_span, "a sqlite lookup names its table: table TABLE key COLUMN");
        } else {
            cr_diag(ctx->diags, CR_SEV_ERROR, @4, "unknown lookup source '%s' (csv or sqlite)", $4.s);
        }
        lk->path = $5.s; lk->path_span = @5; lk->columns = $9;
        if (it) { it->name = $2.s; it->name_span = @2; it->lookup = lk; add_item(ctx, it); }
    }
  ;

/* What a lookup pins of its data, after its key: `sha256 "HEX"` (64 hex
 * digits), `min_rows N`; each at most once, in either order.  Words, not
 * keywords, so that neither is taken from field names. */
lookup_pins:
    %empty { }
  | lookup_pins T_IDENT T_STRING {
        cr_lookup_decl *lk = ctx->pending_lookup;
        if (strcmp($2.s, "sha256") != 0)
            cr_diag(ctx->diags, CR_SEV_ERROR, @2, "expected sha256 \"…\", min_rows N or the lookup's '{'");
        else if (lk && lk->pin_sha256)
            cr_diag(ctx->diags, CR_SEV_ERROR, @2, "the lookup pins its sha256 twice");
        else if ($3.len != 64 || strspn($3.s, "0123456789abcdefABCDEF") != 64)
            cr_diag(ctx->diags, CR_SEV_ERROR, @3, "a sha256 is 64 hex digits");
        else if (lk) {
            lk->pin_sha256 = $3.s; lk->pin_span = @3;
        }
    }
  | lookup_pins T_IDENT T_INT {
        cr_lookup_decl *lk = ctx->pending_lookup;
        if (strcmp($2.s, "min_rows") != 0)
            cr_diag(ctx->diags, CR_SEV_ERROR, @2, "expected sha256 \"…\", min_rows N or the lookup's '{'");
        else if (lk && lk->has_min_rows)
            cr_diag(ctx->diags, CR_SEV_ERROR, @2, "the lookup pins min_rows twice");
        else if (lk) {
            lk->min_rows = $3; lk->has_min_rows = true; lk->min_rows_span = @3;
        }
    }
  ;

/* `key COLUMN` or `table TABLE key COLUMN`; `key` stays free for field names */
lookup_key:
    T_IDENT T_IDENT {
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        if (strcmp($1.s, "key") != 0)
            cr_diag(ctx->diags, CR_SEV_ERROR, @1, "expected 'key' and the key column after the lookup's path");
        $$->key = $2.s; $$->key_span = @2;
        ctx->pending_lookup = $$;
    }
  | KW_TABLE T_IDENT T_IDENT T_IDENT {
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        if (strcmp($3.s, "key") != 0)
            cr_diag(ctx->diags, CR_SEV_ERROR, @3, "expected 'key' and the key column after the table");
        $$->table = $2.s; $$->table_span = @2;
        $$->key = $4.s; $$->key_span = @4;
        ctx->pending_lookup = $$;
    }
  ;

/* `any` and `count` are keywords elsewhere; here they name hit policies */
hit_word:
    T_IDENT         { $$ = $1; }
  | KW_ANY          { $$.s = "any"; $$.len = 3; }
  ;

opt_ident:
    %empty          { ctx->pending_ident = NULL; }
  | KW_COUNT        { ctx->pending_ident = "count"; ctx->pending_span = @1; }
  | T_IDENT         { ctx->pending_ident = $1.s; ctx->pending_span = @1; }
  ;

fields:
    %empty                  { $$ = NULL; }
  | field fields            { $1->next = $2; $$ = $1; }
  | field ',' fields        { $1->next = $3; $$ = $1; }
  ;

field:
    T_IDENT ':' type {
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        $$->name = $1.s; $$->span = @1; $$->type = $3;
    }
  ;

/* int, money?, list of number, (list of number)?, { name: text ... }? */
type:
    T_IDENT opt_q {
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        $$->kind = TE_NAME; $$->span = @$; $$->name = $1.s; $$->optional = $2;
    }
  | T_IDENT KW_OF '{' operands '}' opt_q {
        /* one of {"a", "b"}: a text with a closed set of values */
        if (strcmp($1.s, "one") != 0)
            cr_diag(ctx->diags, CR_SEV_ERROR, @1, "expected a type; a closed set of values is written 'one of {\"a\", \"b\"}'");
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        $$->kind = TE_ONE_OF; $$->span = @$; $$->values = $4; $$->optional = $6;
    }
  | KW_LIST KW_OF type {
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        $$->kind = TE_LIST; $$->span = @$; $$->elem = $3;
    }
  | '{' fields '}' opt_q {
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        $$->kind = TE_RECORD; $$->span = @$; $$->fields = $2; $$->optional = $4;
    }
  /* (list of money)?: a list that may be missing, apart from a list of
   * money? (whose items may be null) */
  | '(' type ')' opt_q {
        $$ = $2;
        if ($$) { $$->span = @$; $$->optional = $$->optional || $4; }
    }
  ;

/* A table's output: a type, or `(name: type, ...)`, its named outputs. */
table_type:
    type                    { $$ = $1; }
  | '(' fields ')' {
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        $$->kind = TE_RECORD; $$->span = @$; $$->fields = $2; $$->outputs = true;
    }
  ;

opt_q:
    %empty  { $$ = 0; }
  | '?'     { $$ = 1; }
  ;

opt_params:
    %empty  { $$ = NULL; }
  | params  { $$ = $1; }
  ;

params:
    T_IDENT ':' type {
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        $$->name = $1.s; $$->span = @1; $$->type = $3;
    }
  | T_IDENT ':' type ',' params {
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        $$->name = $1.s; $$->span = @1; $$->type = $3; $$->next = $5;
    }
  ;

rules:
    %empty          { $$ = NULL; }
  | rule rules      { $1->next = $2; $$ = $1; }
  ;

/* reject CODE "description" when cond  |  refer CODE when cond */
rule:
    KW_REJECT T_IDENT opt_string KW_WHEN expr {
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        $$->kind = RULE_REJECT; $$->code = $2.s; $$->code_span = @2; $$->desc = $3.s; $$->cond = $5; $$->span = @$;
    }
  | KW_REFER T_IDENT opt_string KW_WHEN expr {
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        $$->kind = RULE_REFER; $$->code = $2.s; $$->code_span = @2; $$->desc = $3.s; $$->cond = $5; $$->span = @$;
    }
  ;

characs:
    %empty                  { $$ = NULL; }
  | charac characs          { $1->next = $2; $$ = $1; }
  ;

/* credit_score [as CODE]: < 600 -> -40 | < 650 -> -10 | else -> 55 */
charac:
    charac_ref opt_code ':' bins {
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        $$->name = dotted_name(ctx, $1);
        $$->name_span = @1; $$->code = $2.s; $$->bins = $4;
        $$->code_span.start = @2.end - $2.len; $$->code_span.end = @2.end; /* the CODE of `as CODE` */
        $$->ref = $1;
    }
  ;

/* what a characteristic bins: a name or a nested field (residence.kind) */
charac_ref:
    T_IDENT                 { $$ = name_expr(ctx, $1.s, $1.len, @1); }
  | charac_ref '.' T_IDENT {
        $$ = cr_ast_expr(ctx, E_FIELD, @$);
        if ($$) { $$->u.call.recv = $1; $$->u.call.name = $3.s; $$->u.call.name_span = @3; }
    }
  ;

opt_code:
    %empty              { $$.s = NULL; $$.len = 0; }
  | KW_AS T_IDENT       { $$ = $2; }
  ;

bins:
    bin                 { $$ = $1; }
  | bin '|' bins        { $1->next = $3; $$ = $1; }
  ;

bin:
    cell T_ARROW value {
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        $$->cell = $1; $$->points = $3; $$->span = @$;
    }
  ;

/* A test against one value: else, null, a test, or `{test, ...}`: a set of
 * values, or any of several tests (`{< 5, > 10}`). */
cell:
    KW_ELSE                     { $$ = make_cell(CELL_ANY, @$, NULL, NULL); }
  | KW_NULL                     { $$ = make_cell(CELL_NULL, @$, cr_ast_expr(ctx, E_NULL, @$), NULL); }
  | test                        { $$ = $1; }
  | '{' tests '}'               { $$ = any_of(ctx, @$, $2.items, $2.count); }
  ;

/* v, < v, <= v, > v, >= v, != v, a..b, [a..b], (a..b), [a..b), (a..b] */
test:
    operand                     { $$ = make_cell(CELL_EQ, @$, $1, NULL); }
  | '<' operand                 { $$ = make_cell(CELL_LT, @$, $2, NULL); }
  | T_LE operand                { $$ = make_cell(CELL_LE, @$, $2, NULL); }
  | '>' operand                 { $$ = make_cell(CELL_GT, @$, $2, NULL); }
  | T_GE operand                { $$ = make_cell(CELL_GE, @$, $2, NULL); }
  | T_NE operand                { $$ = make_cell(CELL_NE, @$, $2, NULL); }
  | operand T_DOTDOT operand    { $$ = make_cell(CELL_RANGE, @$, $1, $3); }
  | range                       { $$ = $1; }
  ;

/* A range with its ends written: '[' or ']' includes the bound, '(' or ')' leaves it out. */
range:
    '[' operand T_DOTDOT operand ']'    { $$ = make_cell(CELL_RANGE, @$, $2, $4); }
  | '[' operand T_DOTDOT operand ')'    { $$ = make_cell(CELL_RANGE, @$, $2, $4); $$.hi_open = true; }
  | '(' operand T_DOTDOT operand ']'    { $$ = make_cell(CELL_RANGE, @$, $2, $4); $$.lo_open = true; }
  | '(' operand T_DOTDOT operand ')'    { $$ = make_cell(CELL_RANGE, @$, $2, $4); $$.lo_open = $$.hi_open = true; }
  ;

tests:
    test {
        $$.items = cr_ast_alloc(ctx, 8 * sizeof *$$.items);
        if (!$$.items) YYNOMEM;
        $$.items[0] = $1; $$.count = 1;
    }
  | tests ',' test {
        $$ = $1;
        if ($$.count % 8 == 0) {
            cr_cell *n = cr_ast_alloc(ctx, ($$.count + 8) * sizeof *n);
            if (!n) YYNOMEM;
            memcpy(n, $$.items, $$.count * sizeof *n);
            $$.items = n;
        }
        $$.items[$$.count++] = $3;
    }
  ;

/* In table rows '-' also means "any". */
rcell:
    cell        { $$ = $1; }
  | '-'         { $$ = make_cell(CELL_ANY, @$, NULL, NULL); }
  ;

operands:
    operand                 { memset(&$$, 0, sizeof $$); cr_ast_list_push(ctx, &$$, $1); }
  | operands ',' operand    { $$ = $1; cr_ast_list_push(ctx, &$$, $3); }
  ;

operand:
    T_INT               { $$ = cr_ast_expr(ctx, E_INT, @$); if ($$) $$->u.ival = $1; }
  | '-' T_INT           { $$ = cr_ast_expr(ctx, E_INT, @$); if ($$) $$->u.ival = -$2; }
  | T_DEC               { $$ = cr_ast_expr(ctx, E_DEC, @$); if ($$) $$->u.dval = $1; }
  | '-' T_DEC           { $$ = cr_ast_expr(ctx, E_DEC, @$); if ($$) $$->u.dval = cr_dec_neg($2); }
  | T_STRING            { $$ = cr_ast_expr(ctx, E_STR, @$); if ($$) { $$->u.str.s = $1.s; $$->u.str.len = $1.len; } }
  | T_DATE              { $$ = cr_ast_expr(ctx, E_DATE, @$); if ($$) $$->u.ival = $1; }
  | KW_TRUE             { $$ = cr_ast_expr(ctx, E_BOOL, @$); if ($$) $$->u.ival = 1; }
  | KW_FALSE            { $$ = cr_ast_expr(ctx, E_BOOL, @$); if ($$) $$->u.ival = 0; }
  | T_IDENT             { $$ = name_expr(ctx, $1.s, $1.len, @1); }
  ;

/* A row's or bin's result: a literal, a name or a parenthesised expression. */
value:
    operand             { $$ = $1; }
  | KW_NULL             { $$ = cr_ast_expr(ctx, E_NULL, @$); }
  | '(' expr ')'        { $$ = $2; }
  ;

seg_rows:
    %empty              { $$ = NULL; }
  | seg_row seg_rows    { $1->next = $2; $$ = $1; }
  ;

seg_row:
    T_IDENT KW_WHEN expr {
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        $$->label = $1.s; $$->span = @$; $$->cond = $3;
    }
  | T_IDENT KW_OTHERWISE {
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        $$->label = $1.s; $$->span = @$;
    }
  ;

rows:
    %empty              { $$ = NULL; }
  | row rows            { $1->next = $2; $$ = $1; }
  ;

/* PRIME, <= 12 -> 0.80;  PRIME -> 50000, 3.10 (several outputs);
 * `default -> 0` (a word, not a keyword: used when no other row matches) */
row:
    rcells T_ARROW outputs {
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        $$->cells = $1.items; $$->ncells = $1.count; $$->outs = $3; $$->out = $3.items[0]; $$->span = @$;
        const cr_cell *c = &$1.items[0];
        if ($1.count == 1 && c->kind == CELL_EQ && c->a && c->a->kind == E_NAME &&
            c->a->u.str.len == 7 && !memcmp(c->a->u.str.s, "default", 7)) {
            $$->is_default = true;
            $$->ncells = 0;
        }
    }
  ;

outputs:
    value                   { memset(&$$, 0, sizeof $$); cr_ast_list_push(ctx, &$$, $1); }
  | outputs ',' value       { $$ = $1; cr_ast_list_push(ctx, &$$, $3); }
  ;

rcells:
    rcell {
        $$.items = cr_ast_alloc(ctx, 8 * sizeof *$$.items);
        if (!$$.items) YYNOMEM;
        $$.items[0] = $1; $$.count = 1;
    }
  | rcells ',' rcell {
        $$ = $1;
        if ($$.count % 8 == 0) {
            cr_cell *n = cr_ast_alloc(ctx, ($$.count + 8) * sizeof *n);
            if (!n) YYNOMEM;
            memcpy(n, $$.items, $$.count * sizeof *n);
            $$.items = n;
        }
        $$.items[$$.count++] = $3;
    }
  ;

/* The grid form: a header of column tests, then `row test | value | value ...` */
grid_head:
    '|' cell {
        $$.items = cr_ast_alloc(ctx, 16 * sizeof *$$.items);
        if (!$$.items) YYNOMEM;
        $$.items[0] = $2; $$.count = 1;
    }
  | grid_head '|' cell {
        $$ = $1;
        if ($$.count % 16 == 0) {
            cr_cell *n = cr_ast_alloc(ctx, ($$.count + 16) * sizeof *n);
            if (!n) YYNOMEM;
            memcpy(n, $$.items, $$.count * sizeof *n);
            $$.items = n;
        }
        $$.items[$$.count++] = $3;
    }
  ;

grid_rows:
    %empty                  { $$ = NULL; }
  | grid_row grid_rows      { $1->next = $2; $$ = $1; }
  ;

/* Parsed as one cell and its values; grid_rows() spreads it over the columns. */
grid_row:
    rcell '|' value {
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        $$->cells = cr_ast_alloc(ctx, sizeof *$$->cells);
        if (!$$->cells) YYNOMEM;
        $$->cells[0] = $1; $$->ncells = 1; $$->out = $3; $$->span = @$;
        $$->grid_values.count = 0; $$->grid_values.cap = 0; $$->grid_values.items = NULL;
        cr_ast_list_push(ctx, &$$->grid_values, $3);
    }
  | grid_row '|' value {
        $$ = $1; $$->span.end = @3.end;
        cr_ast_list_push(ctx, &$$->grid_values, $3);
    }
  ;

decide_rows:
    %empty                      { $$ = NULL; }
  | decide_row decide_rows      { $1->next = $2; $$ = $1; }
  ;

/* refer LIMIT_TOO_LOW, score.lowest(3) when limit < 10000 */
decide_row:
    outcome opt_reasons opt_when {
        $$ = cr_ast_alloc(ctx, sizeof *$$);
        if (!$$) YYNOMEM;
        $$->outcome = (cr_outcome)$1; $$->reasons = $2; $$->cond = $3; $$->span = @$;
    }
  ;

outcome:
    KW_APPROVE      { $$ = OUT_APPROVE; }
  | KW_REFER        { $$ = OUT_REFER; }
  | KW_REJECT       { $$ = OUT_REJECT; }
  ;

opt_reasons:
    %empty          { memset(&$$, 0, sizeof $$); }
  | reasons         { $$ = $1; }
  ;

reasons:
    expr                { memset(&$$, 0, sizeof $$); cr_ast_list_push(ctx, &$$, $1); }
  | reasons ',' expr    { $$ = $1; cr_ast_list_push(ctx, &$$, $3); }
  ;

opt_when:
    %empty              { $$ = NULL; }
  | KW_WHEN expr        { $$ = $2; }
  ;

expr:
    primary
  | KW_IF expr KW_THEN expr KW_ELSE expr {
        $$ = cr_ast_expr(ctx, E_IF, @$);
        if ($$) { $$->u.tri.a = $2; $$->u.tri.b = $4; $$->u.tri.c = $6; }
    }
  | KW_COUNT T_IDENT KW_IN expr KW_WHERE expr {
        $$ = cr_ast_expr(ctx, E_AGG, @$);
        if ($$) { $$->u.loop.agg = AGG_COUNT; $$->u.loop.var = $2.s; $$->u.loop.src = $4; $$->u.loop.cond = $6; $$->u.loop.var_span = @2; }
    }
  | KW_ANY T_IDENT KW_IN expr KW_WHERE expr {
        $$ = cr_ast_expr(ctx, E_AGG, @$);
        if ($$) { $$->u.loop.agg = AGG_ANY; $$->u.loop.var = $2.s; $$->u.loop.src = $4; $$->u.loop.cond = $6; $$->u.loop.var_span = @2; }
    }
  | KW_ALL T_IDENT KW_IN expr KW_WHERE expr {
        $$ = cr_ast_expr(ctx, E_AGG, @$);
        if ($$) { $$->u.loop.agg = AGG_ALL; $$->u.loop.var = $2.s; $$->u.loop.src = $4; $$->u.loop.cond = $6; $$->u.loop.var_span = @2; }
    }
  | expr KW_OR expr         { $$ = bin(ctx, OP_OR_, $1, $3, @$); }
  | expr KW_AND expr        { $$ = bin(ctx, OP_AND_, $1, $3, @$); }
  | KW_NOT expr             { $$ = bin(ctx, OP_NOT_, $2, NULL, @$); if ($$) $$->kind = E_UNARY; }
  | expr T_EQ expr          { $$ = bin(ctx, OP_EQ_, $1, $3, @$); }
  | expr T_NE expr          { $$ = bin(ctx, OP_NE_, $1, $3, @$); }
  | expr '<' expr           { $$ = bin(ctx, OP_LT_, $1, $3, @$); }
  | expr T_LE expr          { $$ = bin(ctx, OP_LE_, $1, $3, @$); }
  | expr '>' expr           { $$ = bin(ctx, OP_GT_, $1, $3, @$); }
  | expr T_GE expr          { $$ = bin(ctx, OP_GE_, $1, $3, @$); }
  | expr KW_IN expr         { $$ = bin(ctx, OP_IN_, $1, $3, @$); }
  | expr KW_NOT KW_IN expr %prec KW_IN { $$ = bin(ctx, OP_NOTIN_, $1, $4, @$); }
  | expr KW_IN expr T_DOTDOT expr %prec KW_IN {
        $$ = cr_ast_expr(ctx, E_BETWEEN, @$);
        if ($$) { $$->u.tri.a = $1; $$->u.tri.b = $3; $$->u.tri.c = $5; $$->u.tri.negate = false; }
    }
  | expr KW_NOT KW_IN expr T_DOTDOT expr %prec KW_IN {
        $$ = cr_ast_expr(ctx, E_BETWEEN, @$);
        if ($$) { $$->u.tri.a = $1; $$->u.tri.b = $4; $$->u.tri.c = $6; $$->u.tri.negate = true; }
    }
  | expr KW_MATCHES expr {
        $$ = cr_ast_expr(ctx, E_MATCHES, @$);
        if ($$) { $$->u.tri.a = $1; $$->u.tri.b = $3; }
    }
  | expr KW_HAS expr {
        $$ = cr_ast_expr(ctx, E_HAS, @$);
        if ($$) { $$->u.tri.a = $1; $$->u.tri.b = $3; }
    }
  | expr KW_IS KW_NULL {
        $$ = cr_ast_expr(ctx, E_ISNULL, @$);
        if ($$) { $$->u.tri.a = $1; $$->u.tri.negate = false; }
    }
  | expr KW_IS KW_NOT KW_NULL {
        $$ = cr_ast_expr(ctx, E_ISNULL, @$);
        if ($$) { $$->u.tri.a = $1; $$->u.tri.negate = true; }
    }
  | expr T_COALESCE expr    { $$ = bin(ctx, OP_COALESCE_, $1, $3, @$); }
  | expr '+' expr           { $$ = bin(ctx, OP_ADD_, $1, $3, @$); }
  | expr '-' expr           { $$ = bin(ctx, OP_SUB_, $1, $3, @$); }
  | expr '*' expr           { $$ = bin(ctx, OP_MUL_, $1, $3, @$); }
  | expr '/' expr           { $$ = bin(ctx, OP_DIV_, $1, $3, @$); }
  | expr '%' expr           { $$ = bin(ctx, OP_MOD_, $1, $3, @$); }
  | '-' expr %prec UMINUS   {
        /* fold -literal so that -9223372036854775807 - 1 style limits read naturally */
        if ($2 && $2->kind == E_INT && $2->span.start == @2.start) { $$ = $2; $$->u.ival = -$$->u.ival; $$->span = @$; }
        else if ($2 && $2->kind == E_DEC) { $$ = $2; $$->u.dval = cr_dec_neg($$->u.dval); $$->span = @$; }
        else { $$ = bin(ctx, OP_NEG_, $2, NULL, @$); if ($$) $$->kind = E_UNARY; }
    }
  ;

primary:
    T_INT               { $$ = cr_ast_expr(ctx, E_INT, @$); if ($$) $$->u.ival = $1; }
  | T_DEC               { $$ = cr_ast_expr(ctx, E_DEC, @$); if ($$) $$->u.dval = $1; }
  | T_STRING            { $$ = cr_ast_expr(ctx, E_STR, @$); if ($$) { $$->u.str.s = $1.s; $$->u.str.len = $1.len; } }
  | T_DATE              { $$ = cr_ast_expr(ctx, E_DATE, @$); if ($$) $$->u.ival = $1; }
  | T_REGEX             { $$ = cr_ast_expr(ctx, E_REGEX, @$); if ($$) { $$->u.str.s = $1.s; $$->u.str.len = $1.len; } }
  | KW_TRUE             { $$ = cr_ast_expr(ctx, E_BOOL, @$); if ($$) $$->u.ival = 1; }
  | KW_FALSE            { $$ = cr_ast_expr(ctx, E_BOOL, @$); if ($$) $$->u.ival = 0; }
  | KW_NULL             { $$ = cr_ast_expr(ctx, E_NULL, @$); }
  | KW_TODAY            { $$ = cr_ast_expr(ctx, E_TODAY, @$); }
  | T_IDENT             { $$ = name_expr(ctx, $1.s, $1.len, @1); }
  | KW_ADMISSION '.' T_IDENT {
        $$ = cr_ast_expr(ctx, E_ADMISSION, @$);
        if ($$) { $$->u.str.s = $3.s; $$->u.str.len = $3.len; }
    }
  | '(' expr ')'        { $$ = $2; }
  | T_IDENT '(' opt_args ')' {
        $$ = cr_ast_expr(ctx, E_CALL, @$);
        if ($$) { $$->u.call.name = $1.s; $$->u.call.name_span = @1; $$->u.call.args = $3; }
    }
  | KW_COUNT '(' opt_args ')' {
        $$ = cr_ast_expr(ctx, E_CALL, @$);
        if ($$) { $$->u.call.name = "count"; $$->u.call.name_span = @1; $$->u.call.args = $3; }
    }
  | primary '.' T_IDENT {
        $$ = cr_ast_expr(ctx, E_FIELD, @$);
        if ($$) { $$->u.call.recv = $1; $$->u.call.name = $3.s; $$->u.call.name_span = @3; }
    }
  | primary '.' T_IDENT '(' opt_args ')' {
        $$ = cr_ast_expr(ctx, E_METHOD, @$);
        if ($$) { $$->u.call.recv = $1; $$->u.call.name = $3.s; $$->u.call.name_span = @3; $$->u.call.args = $5; }
    }
  | primary '[' expr ']' {
        $$ = cr_ast_expr(ctx, E_INDEX, @$);
        if ($$) { $$->u.tri.a = $1; $$->u.tri.b = $3; }
    }
  | primary '[' expr T_DOTDOT expr ']' {
        $$ = cr_ast_expr(ctx, E_SLICE, @$);
        if ($$) { $$->u.tri.a = $1; $$->u.tri.b = $3; $$->u.tri.c = $5; }
    }
  | '[' opt_args ']' {
        $$ = cr_ast_expr(ctx, E_LIST, @$);
        if ($$) $$->u.list = $2;
    }
  | '[' expr KW_FOR T_IDENT KW_IN expr ']' {
        $$ = cr_ast_expr(ctx, E_COMP, @$);
        if ($$) { $$->u.loop.body = $2; $$->u.loop.var = $4.s; $$->u.loop.var_span = @4; $$->u.loop.src = $6; }
    }
  | '[' expr KW_FOR T_IDENT KW_IN expr KW_WHERE expr ']' {
        $$ = cr_ast_expr(ctx, E_COMP, @$);
        if ($$) { $$->u.loop.body = $2; $$->u.loop.var = $4.s; $$->u.loop.var_span = @4; $$->u.loop.src = $6; $$->u.loop.cond = $8; }
    }
  | '{' args '}' {
        $$ = cr_ast_expr(ctx, E_SET, @$);
        if ($$) $$->u.list = $2;
    }
  ;

opt_args:
    %empty      { memset(&$$, 0, sizeof $$); }
  | args        { $$ = $1; }
  ;

args:
    expr                { memset(&$$, 0, sizeof $$); cr_ast_list_push(ctx, &$$, $1); }
  | args ',' expr       { $$ = $1; cr_ast_list_push(ctx, &$$, $3); }
  ;

%%

static void cr_yyerror(cr_span *loc, yyscan_t scanner, struct cr_parse_ctx *ctx, const char *msg)
{
    (void)scanner;
    /* bison says "syntax error, unexpected X, expecting Y": keep the useful part */
    if (strncmp(msg, "syntax error, ", 14) == 0)
        msg += 14;
    if (strcmp(msg, "memory exhausted") == 0) {
        cr_diag(ctx->diags, CR_SEV_ERROR, *loc,
                "the policy is nested too deeply to parse: more than %d brackets, operators and block rows"
                " open at once (an expression may nest at most 1000 levels)", YYMAXDEPTH);
        return;
    }
    cr_diag(ctx->diags, CR_SEV_ERROR, *loc, "%s", msg);
}

static cr_expr *bin(struct cr_parse_ctx *ctx, cr_op op, cr_expr *a, cr_expr *b, cr_span sp)
{
    cr_expr *e = cr_ast_expr(ctx, E_BINARY, sp);
    if (e) { e->u.bin.op = op; e->u.bin.a = a; e->u.bin.b = b; }
    return e;
}

static cr_expr *name_expr(struct cr_parse_ctx *ctx, const char *s, uint32_t len, cr_span sp)
{
    cr_expr *e = cr_ast_expr(ctx, E_NAME, sp);
    if (e) { e->u.str.s = s; e->u.str.len = len; }
    return e;
}

/* A characteristic's name from its names, joined by dots (residence.kind):
 * not the source text, whose white space and comments between the names
 * would otherwise become part of the name and of its reason code, and
 * change with `credo fmt`. */
static const char *dotted_name(struct cr_parse_ctx *ctx, const cr_expr *ref)
{
    if (!ref)
        return NULL;
    if (ref->kind == E_NAME)
        return cr_ast_strndup(ctx, ref->u.str.s, ref->u.str.len);
    const char *recv = dotted_name(ctx, ref->u.call.recv);
    if (!recv)
        return NULL;
    size_t a = strlen(recv), b = strlen(ref->u.call.name);
    char buf[a + b + 2];
    memcpy(buf, recv, a);
    buf[a] = '.';
    memcpy(buf + a + 1, ref->u.call.name, b + 1);
    return cr_ast_strndup(ctx, buf, a + b + 1);
}

static cr_item *new_item(struct cr_parse_ctx *ctx, cr_item_kind k, cr_span sp)
{
    cr_item *it = cr_ast_alloc(ctx, sizeof *it);
    if (it) { it->kind = k; it->span = sp; }
    return it;
}

static void add_item(struct cr_parse_ctx *ctx, cr_item *it)
{
    *ctx->tail = it;
    ctx->tail = &it->next;
}

static cr_cell make_cell(cr_cell_kind k, cr_span sp, cr_expr *a, cr_expr *b)
{
    cr_cell c;
    memset(&c, 0, sizeof c);
    c.kind = k; c.span = sp; c.a = a; c.b = b;
    return c;
}

/* `{test, ...}`: a set of values when every test is one (`{"A", "B"}`),
 * else a cell that any of its tests passes; its operands are also kept
 * in its set, for the walks that look for names. */
static cr_cell any_of(struct cr_parse_ctx *ctx, cr_span sp, cr_cell *tests, uint32_t n)
{
    cr_cell c = make_cell(CELL_SET, sp, NULL, NULL);
    bool values = true;
    for (uint32_t i = 0; i < n; i++)
        values = values && tests[i].kind == CELL_EQ;
    for (uint32_t i = 0; i < n; i++) {
        if (tests[i].a) cr_ast_list_push(ctx, &c.set, tests[i].a);
        if (tests[i].b) cr_ast_list_push(ctx, &c.set, tests[i].b);
    }
    if (!values) {
        c.kind = CELL_ANYOF;
        c.tests = tests;
        c.ntests = n;
    }
    return c;
}

/* Spreads each grid row (a row test and one value per column) into ordinary
 * two-input rows, row-major, so the grid is a first-hit table. */
static cr_table_row *grid_rows(struct cr_parse_ctx *ctx, cr_cell *cols, uint32_t ncols, cr_table_row *rows)
{
    cr_table_row *head = NULL, **tail = &head;
    for (cr_table_row *g = rows; g; g = g->next) {
        if (g->grid_values.count != ncols)
            cr_diag(ctx->diags, CR_SEV_ERROR, g->span, "this grid row has %u values but the header has %u columns",
                    g->grid_values.count, ncols);
        for (uint32_t c = 0; c < g->grid_values.count && c < ncols; c++) {
            cr_table_row *r = cr_ast_alloc(ctx, sizeof *r);
            cr_cell *cells = cr_ast_alloc(ctx, 2 * sizeof *cells);
            if (!r || !cells)
                return head;
            cells[0] = g->cells[0];
            cells[1] = cols[c];
            r->cells = cells; r->ncells = 2; r->out = g->grid_values.items[c];
            cr_ast_list_push(ctx, &r->outs, r->out);
            r->span = g->grid_values.items[c] ? g->grid_values.items[c]->span : g->span;
            r->grid_row_span = g->cells[0].span;
            *tail = r;
            tail = &r->next;
        }
    }
    return head;
}
