/* Reference tables (lookup.h): read once, when the policy compiles.
 *
 * A CSV file is read as RFC 4180 says, with libcsv: a header row naming
 * the columns, fields separated by commas, a field in double quotes may
 * hold commas, line breaks and "" for a quote, records end with CRLF or
 * LF.  A SQLite database is opened read-only and read with
 * SELECT key, columns FROM table.
 * Only the declared columns are read; others are ignored.
 *
 * Every cell becomes a value of its column's declared type from its text:
 * numbers through cr_dec_parse (exact, never a double: a SQLite REAL is
 * read as the text SQLite gives for it), ints digit by digit, bools from
 * true/false/1/0, dates from YYYY-MM-DD; texts are taken byte for byte (no
 * trimming).  An empty CSV cell or a SQLite NULL is null, which only an
 * optional column (T?) may hold.  The first bad cell stops the table with
 * an error naming its row and column: a policy never runs on half a table.
 *
 * Rows live in the program's arena; keys go into an open-addressing index
 * (FNV-1a, linear probing, at most half full), so a lookup at run time is
 * one hash and a probe or two. */
#include "lang/ast.h"
#include "lang/lookup.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <csv.h>
#include <sqlite3.h>

#include "lang/compile.h"
#include "runtime/core/date.h"
#include "runtime/core/hash.h"
#include "runtime/core/sha256.h"
#include "runtime/core/utf8.h"

/* More rows than this would overflow the index's size arithmetic. */
#define MAX_ROWS (1u << 28)

/* ---- the index ---------------------------------------------------------- */

static bool same_key(const cr_value *k, const char *s, uint32_t len)
{
    return k->len == len && cr_bytes_eq(k->u.s, s, len);
}

cr_lookup_index_status cr_lookup_index(cr_lookup_info *lk, cr_arena *arena, uint32_t *dup_a, uint32_t *dup_b)
{
    uint32_t cap = 8;
    while (cap < lk->nrows * 2u)
        cap *= 2;
    lk->index = cr_arena_calloc(arena, cap * sizeof *lk->index);
    if (!lk->index)
        return CR_LOOKUP_INDEX_OOM;
    lk->index_mask = cap - 1;
    for (uint32_t r = 0; r < lk->nrows; r++) {
        const cr_value *k = &lk->keys[r];
        uint32_t h = cr_hash_bytes(k->u.s, k->len) & lk->index_mask;
        for (; lk->index[h]; h = (h + 1) & lk->index_mask) {
            if (same_key(&lk->keys[lk->index[h] - 1], k->u.s, k->len)) {
                *dup_a = lk->index[h] - 1;
                *dup_b = r;
                return CR_LOOKUP_INDEX_DUPLICATE;
            }
        }
        lk->index[h] = r + 1;
    }
    return CR_LOOKUP_INDEX_OK;
}

int64_t cr_lookup_find(const cr_lookup_info *lk, const char *key, uint32_t len)
{
    if (!lk->index)
        return -1;
    for (uint32_t h = cr_hash_bytes(key, len) & lk->index_mask; lk->index[h]; h = (h + 1) & lk->index_mask)
        if (same_key(&lk->keys[lk->index[h] - 1], key, len))
            return (int64_t)lk->index[h] - 1;
    return -1;
}

/* ---- small helpers ------------------------------------------------------- */

/* The type of a column without its '?': "rate", "int", "date"... */
static const char *type_word(const cr_type *t)
{
    switch (t->kind) {
    case CR_T_INT: return "int";
    case CR_T_DEC: return t->spelling ? t->spelling : "number";
    case CR_T_TEXT: return "text";
    case CR_T_BOOL: return "bool";
    case CR_T_DATE: return "date";
    default: return "?";
    }
}

/* An int written as digits with an optional '-', nothing else. */
static bool parse_int(const char *s, size_t n, int64_t *out)
{
    size_t i = n && s[0] == '-';
    uint64_t limit = i ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    if (i == n)
        return false;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (s[0] != '-')
        *out = (int64_t)v;
    else
        *out = v == 0 ? 0 : -(int64_t)(v - 1) - 1;
    return true;
}

static bool parse_bool(const char *s, size_t n, bool *out)
{
    if (n == 1 && (s[0] == '1' || s[0] == '0'))
        *out = s[0] == '1';
    else if (n == 4 && strncasecmp(s, "true", 4) == 0)
        *out = true;
    else if (n == 5 && strncasecmp(s, "false", 5) == 0)
        *out = false;
    else
        return false;
    return true;
}

/* ---- one table ------------------------------------------------------------ */

/* A cell as its source gives it: bytes, or null (an empty CSV cell, a
 * SQLite NULL). */
typedef struct cell {
    const char *s;
    size_t n;
    bool null;
} cell;

typedef struct loader {
    cr_program *P;
    cr_diags *diags;
    const cr_item *it;
    cr_lookup_info *lk;
    const cr_record *rec;      /* the row's columns */
    char where[512];           /* "data/industry_risk.csv", "data/reference.db table blacklist" */
    const char *null_word;     /* "empty" or "NULL" */
    const char *nulls;         /* "empty cells" or "NULLs" */
    cr_value *keys, *rows;     /* grown while reading, copied into the arena at the end */
    uint32_t *rownos;          /* each row's number in its source, for messages */
    uint32_t n, cap;
    bool failed;
    cr_sha256_ctx rows_hash;   /* SQLite: the rows as read (see sqlite_rows) */
} loader;

static void lerr(loader *L, cr_span sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void lerr(loader *L, cr_span sp, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cr_diag(L->diags, CR_SEV_ERROR, sp, "lookup %s: %s", L->it->name, msg);
    L->failed = true;
}

/* Where column i is declared: errors about it point there. */
static cr_span column_span(const loader *L, uint32_t i)
{
    const cr_field_decl *f = L->it->lookup->columns;
    for (; f && i; f = f->next)
        i--;
    return f ? f->span : L->it->name_span;
}

/* The value of cell c in a column of type t; false with the reason in why. */
static bool cell_value(loader *L, const cr_type *t, cell c, cr_value *out, char *why, size_t size)
{
    if (c.null) {
        if (t->optional) {
            *out = cr_null();
            return true;
        }
        snprintf(why, size, "%s, but the column's type is %s; declare it %s? to allow %s", L->null_word,
                 type_word(t), type_word(t), L->nulls);
        return false;
    }
    switch (t->kind) {
    case CR_T_TEXT: {
        if (cr_utf8_invalid_at(c.s, c.n) < c.n) {
            snprintf(why, size, "not valid UTF-8");
            return false;
        }
        char *s = cr_arena_strndup(&L->P->arena, c.s, c.n);
        if (!s) {
            snprintf(why, size, "out of memory");
            return false;
        }
        *out = cr_text(s, (uint32_t)c.n);
        return true;
    }
    case CR_T_INT: {
        int64_t v;
        if (!parse_int(c.s, c.n, &v)) {
            snprintf(why, size, "not an int");
            return false;
        }
        *out = cr_int(v);
        return true;
    }
    case CR_T_DEC: {
        cr_dec d;
        cr_dec_status st = cr_dec_parse(c.s, c.n, &d);
        if (st == CR_DEC_SYNTAX)
            snprintf(why, size, "not a %s", type_word(t));
        else if (st != CR_DEC_OK)
            snprintf(why, size, "not a %s: %s", type_word(t), cr_dec_status_text(st));
        if (st != CR_DEC_OK)
            return false;
        *out = cr_decv(d);
        return true;
    }
    case CR_T_BOOL: {
        bool b;
        if (!parse_bool(c.s, c.n, &b)) {
            snprintf(why, size, "not a bool (true, false, 1 or 0)");
            return false;
        }
        *out = cr_bool(b);
        return true;
    }
    case CR_T_DATE: {
        int64_t d;
        if (!cr_date_parse(c.s, c.n, &d)) {
            snprintf(why, size, "not a date (YYYY-MM-DD)");
            return false;
        }
        *out = cr_date(d);
        return true;
    }
    default:
        snprintf(why, size, "a column of this type cannot be read");
        return false;
    }
}

static bool grow_rows(loader *L)
{
    if (L->n < L->cap)
        return true;
    uint32_t cap = L->cap ? L->cap * 2 : 64;
    cr_value *k = realloc(L->keys, cap * sizeof *k);
    if (k)
        L->keys = k;
    cr_value *r = realloc(L->rows, cap * sizeof *r);
    if (r)
        L->rows = r;
    uint32_t *no = realloc(L->rownos, cap * sizeof *no);
    if (no)
        L->rownos = no;
    if (!k || !r || !no)
        return false;
    L->cap = cap;
    return true;
}

/* One row of the source (number rowno): its key and its declared columns'
 * cells, in the row type's field order. */
static void add_row(loader *L, uint32_t rowno, cell key, const cell *cells)
{
    const cr_lookup_decl *d = L->it->lookup;
    char why[400];
    if (key.null || key.n == 0) {
        lerr(L, d->key_span, "%s row %u: the key %s is %s", L->where, rowno, d->key, key.null ? L->null_word : "empty");
        return;
    }
    if (cr_utf8_invalid_at(key.s, key.n) < key.n) {
        lerr(L, d->key_span, "%s row %u: the key is not valid UTF-8", L->where, rowno);
        return;
    }
    if (L->n >= MAX_ROWS) {
        lerr(L, L->it->name_span, "%s has more than %u rows", L->where, MAX_ROWS);
        return;
    }
    uint32_t nf = L->rec->nfields;
    cr_value *items = cr_arena_alloc(&L->P->arena, (nf ? nf : 1) * sizeof *items);
    char *ks = cr_arena_strndup(&L->P->arena, key.s, key.n);
    if (!items || !ks || !grow_rows(L)) {
        lerr(L, L->it->name_span, "out of memory reading %s", L->where);
        return;
    }
    for (uint32_t i = 0; i < nf; i++) {
        if (!cell_value(L, L->rec->fields[i].type, cells[i], &items[i], why, sizeof why)) {
            lerr(L, column_span(L, i), "%s row %u, column %s: %s", L->where, rowno, L->rec->fields[i].name, why);
            return;
        }
    }
    cr_value row = {0};
    row.tag = CR_RECORD;
    row.len = nf;
    row.u.items = items;
    L->keys[L->n] = cr_text(ks, (uint32_t)key.n);
    L->rows[L->n] = row;
    L->rownos[L->n] = rowno;
    L->n++;
}

/* The rows read become the lookup's, with their index. */
static void finish(loader *L)
{
    cr_lookup_info *lk = L->lk;
    size_t n = L->n ? L->n : 1;
    cr_value *keys = cr_arena_alloc(&L->P->arena, n * sizeof *keys);
    cr_value *rows = cr_arena_alloc(&L->P->arena, n * sizeof *rows);
    if (!keys || !rows) {
        lerr(L, L->it->name_span, "out of memory reading %s", L->where);
        return;
    }
    if (L->n) {
        memcpy(keys, L->keys, L->n * sizeof *keys);
        memcpy(rows, L->rows, L->n * sizeof *rows);
    }
    lk->keys = keys;
    lk->rows = rows;
    lk->nrows = L->n;
    uint32_t a = 0, b = 0;
    switch (cr_lookup_index(lk, &L->P->arena, &a, &b)) {
    case CR_LOOKUP_INDEX_OK:
        return;
    case CR_LOOKUP_INDEX_OOM:
        lerr(L, L->it->name_span, "out of memory indexing %s", L->where);
        return;
    case CR_LOOKUP_INDEX_DUPLICATE:
        lerr(L, L->it->lookup->key_span, "%s rows %u and %u have the same key", L->where, L->rownos[a],
             L->rownos[b]);
        return;
    }
}

/* Finds the key column and each declared column among a source's column
 * names (cmp: exact for CSV, case-insensitive for SQLite, as each source
 * means them); false after reporting every one that is missing. */
static bool map_columns(loader *L, char *const *names, uint32_t n, int (*cmp)(const char *, const char *),
                        int *key_col, int *cols)
{
    const cr_lookup_decl *d = L->it->lookup;
    bool ok = true;
    for (uint32_t f = 0; f <= L->rec->nfields; f++) {
        const char *want = f == 0 ? d->key : L->rec->fields[f - 1].name;
        int found = -1, count = 0;
        for (uint32_t i = 0; i < n; i++)
            if (cmp(names[i], want) == 0) {
                found = found < 0 ? (int)i : found;
                count++;
            }
        cr_span sp = f == 0 ? d->key_span : column_span(L, f - 1);
        if (count == 0) {
            lerr(L, sp, "%s has no column '%s'%s", L->where, want, f == 0 ? " (the key)" : "");
            ok = false;
        } else if (count > 1) {
            lerr(L, sp, "%s names column '%s' %d times", L->where, want, count);
            ok = false;
        }
        if (f == 0)
            *key_col = found;
        else
            cols[f - 1] = found;
    }
    return ok;
}

/* ---- CSV ------------------------------------------------------------------- */

/* libcsv (csv.h) reads the records, in strict mode: a quote inside an
 * unquoted field, text after a closing quote and a quoted field still open
 * at the end of the file stop it.  It hands over one field at a time, in a
 * buffer it reuses, and then the end of the record; the fields of a record
 * are copied into buf until then.  With CSV_REPALL_NL it also reports every
 * line break between records, so a blank line is a record of its own (it
 * counts in row numbers) and the LF of a CRLF is told apart by following a
 * CR with nothing between. */

typedef struct csv_field {
    size_t off, len;           /* in csv.buf */
} csv_field;

typedef struct csv {
    loader *L;
    uint32_t row;              /* records ended so far; the header is row 1 */
    bool after_cr;             /* the last record ended at a CR */
    bool oom;
    csv_field *f;              /* the record's fields so far */
    uint32_t nf, capf;
    char *buf;                 /* their bytes, one after another */
    size_t blen, bcap;
    char **head;               /* the header's names, once it is read */
    uint32_t nhead;
    int key_col;
    int *cols;                 /* each declared column's field */
    cell *cells;
} csv;

/* libcsv trims spaces and tabs around fields unless told that nothing is
 * a space: a cell is taken byte for byte. */
static int csv_no_space(unsigned char ch) { return 0; }

static bool csv_stopped(const csv *c) { return c->L->failed || c->oom; }

static void csv_on_field(void *s, size_t len, void *data)
{
    csv *c = data;
    if (csv_stopped(c))
        return;
    if (c->nf == c->capf) {
        uint32_t cap = c->capf ? c->capf * 2 : 16;
        csv_field *f = realloc(c->f, cap * sizeof *f);
        if (!f) {
            c->oom = true;
            return;
        }
        c->f = f;
        c->capf = cap;
    }
    if (c->bcap - c->blen < len) {
        size_t cap = c->bcap ? c->bcap : 256;
        while (cap - c->blen < len)
            cap *= 2;
        char *b = realloc(c->buf, cap);
        if (!b) {
            c->oom = true;
            return;
        }
        c->buf = b;
        c->bcap = cap;
    }
    if (len)
        memcpy(c->buf + c->blen, s, len);
    c->f[c->nf].off = c->blen;
    c->f[c->nf].len = len;
    c->nf++;
    c->blen += len;
}

static cell csv_cell(const csv *c, int i)
{
    cell x = {c->buf ? c->buf + c->f[i].off : "", c->f[i].len, c->f[i].len == 0};
    return x;
}

/* The header's names, copied (the next record reuses the buffer). */
static char **csv_header(const csv *c)
{
    char **names = calloc(c->nf, sizeof *names);
    for (uint32_t i = 0; names && i < c->nf; i++) {
        names[i] = malloc(c->f[i].len + 1);
        if (names[i]) {
            if (c->f[i].len)   /* an empty header may have no buffer at all */
                memcpy(names[i], c->buf + c->f[i].off, c->f[i].len);
            names[i][c->f[i].len] = '\0';
        } else {
            for (uint32_t k = 0; k < i; k++)
                free(names[k]);
            free(names);
            return NULL;
        }
    }
    return names;
}

/* One whole record, row c->row: the header, a blank line, or a row. */
static void csv_record(csv *c)
{
    loader *L = c->L;
    if (!c->head) {
        c->head = csv_header(c);
        c->nhead = c->nf;
        if (!c->head)
            c->oom = true;
        else
            map_columns(L, c->head, c->nhead, strcmp, &c->key_col, c->cols); /* a missing column stops the reading */
        return;
    }
    if (c->nf == 1 && c->f[0].len == 0)
        return; /* a blank line */
    if (c->nf != c->nhead) {
        lerr(L, L->it->name_span, "%s row %u has %u field%s; the header has %u", L->where, c->row, c->nf,
             c->nf == 1 ? "" : "s", c->nhead);
        return;
    }
    for (uint32_t i = 0; i < L->rec->nfields; i++)
        c->cells[i] = csv_cell(c, c->cols[i]);
    add_row(L, c->row, csv_cell(c, c->key_col), c->cells);
}

/* The end of a record (ch the CR or LF that ended it, -1 at the end of the
 * file), or a line break between records. */
static void csv_on_record(int ch, void *data)
{
    csv *c = data;
    if (csv_stopped(c))
        return;
    bool lf_of_crlf = ch == '\n' && c->after_cr && c->nf == 0;
    c->after_cr = ch == '\r';
    if (lf_of_crlf)
        return;
    c->row++;
    if (c->nf == 0)
        csv_on_field("", 0, c); /* a line with nothing on it: one empty field */
    if (!c->oom)
        csv_record(c);
    c->nf = 0;
    c->blen = 0;
}

/* What stopped libcsv (status from csv_error) in the record after the
 * last one read, at byte at (NULL at the end of the file): in the column
 * the header names, once it has been read, else by field number. */
static void csv_error_at(loader *L, const csv *c, int status, const char *at)
{
    const char *why;
    if (status != CSV_EPARSE) {
        lerr(L, L->it->name_span, "out of memory reading %s", L->where);
        return;
    }
    if (!at)
        why = "a quoted field is not closed before the end of the file";
    else if (*at == '"')
        why = "a quote inside a field that does not start with one (quote the whole field and write the quote as \"\")";
    else
        why = "text after the closing quote (a quote inside a quoted field is written \"\")";
    uint32_t field = c->nf + 1;
    if (c->head && field <= c->nhead)
        lerr(L, L->it->name_span, "%s row %u, column %s: %s", L->where, c->row + 1, c->head[field - 1], why);
    else
        lerr(L, L->it->name_span, "%s row %u, field %u: %s", L->where, c->row + 1, field, why);
}

static void load_csv(loader *L, const char *full)
{
    const cr_lookup_decl *d = L->it->lookup;
    size_t len;
    char *data = cr_read_file(full, &len);
    if (!data) {
        if (errno == ENOMEM)
            lerr(L, d->path_span, "out of memory reading %s", full);
        else
            lerr(L, d->path_span, "cannot read %s: %s", full, strerror(errno));
        return;
    }
    uint8_t digest[CR_SHA256_LEN];
    cr_sha256(data, len, digest);   /* the bytes that are parsed, read once */
    cr_sha256_hex(digest, L->lk->sha256);
    csv c;
    memset(&c, 0, sizeof c);
    c.L = L;
    c.key_col = -1;
    c.cols = calloc(L->rec->nfields ? L->rec->nfields : 1, sizeof *c.cols);
    c.cells = calloc(L->rec->nfields ? L->rec->nfields : 1, sizeof *c.cells);
    struct csv_parser p;
    if (!c.cols || !c.cells || csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) {
        lerr(L, L->it->name_span, "out of memory reading %s", L->where);
        free(c.cols);
        free(c.cells);
        free(data);
        return;
    }
    csv_set_space_func(&p, csv_no_space);
    const char *s = data, *end = data + len;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        s += 3; /* the byte order mark spreadsheets write */
    /* In pieces, so that a mistake early in a large file ends the reading
     * there (the callbacks ignore everything after it). */
    bool malformed = false;
    while (s < end && !csv_stopped(&c) && !malformed) {
        size_t n = (size_t)(end - s) < 65536 ? (size_t)(end - s) : 65536;
        size_t used = csv_parse(&p, s, n, csv_on_field, csv_on_record, &c);
        malformed = used < n;
        s += used;
    }
    if (!malformed && !csv_stopped(&c) && csv_fini(&p, csv_on_field, csv_on_record, &c) != 0) {
        malformed = true;
        s = NULL;
    }
    if (csv_stopped(&c)) {
        if (!L->failed)
            lerr(L, L->it->name_span, "out of memory reading %s", L->where);
    } else if (malformed) {
        csv_error_at(L, &c, csv_error(&p), s);
    } else if (!c.head) {
        lerr(L, d->path_span, "%s is empty: it needs a header row naming its columns", L->where);
    }
    csv_free(&p);
    for (uint32_t i = 0; c.head && i < c.nhead; i++)
        free(c.head[i]);
    free(c.head);
    free(c.cols);
    free(c.cells);
    free(c.f);
    free(c.buf);
    free(data);
}

/* ---- SQLite --------------------------------------------------------------------- */

static int column_cmp(const char *a, const char *b) { return sqlite3_stricmp(a, b); }

/* The table's column names (NULL with *n 0 when it has none: no such
 * table); false when the database cannot be read, reported. */
static bool sqlite_columns(loader *L, sqlite3 *db, const char *full, char ***names, uint32_t *n)
{
    sqlite3_stmt *st = NULL;
    *names = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?1)", -1, &st, NULL) != SQLITE_OK) {
        lerr(L, L->it->lookup->path_span, "%s is not a SQLite database it can read: %s", full, sqlite3_errmsg(db));
        return false;
    }
    sqlite3_bind_text(st, 1, L->lk->table, -1, SQLITE_STATIC);
    uint32_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char **grew = realloc(*names, cap * sizeof *grew);
            if (!grew)
                break;
            *names = grew;
        }
        (*names)[*n] = strdup(name ? name : "");
        if (!(*names)[*n])
            break;
        (*n)++;
    }
    bool ok = rc == SQLITE_DONE;
    if (!ok)
        lerr(L, L->it->lookup->path_span, "cannot read %s: %s", full, rc == SQLITE_ROW ? "out of memory" : sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return ok;
}

/* A quoted SQL identifier, "name" with every " doubled: its length, and
 * writing it at o (returns the end). */
static size_t ident_len(const char *name)
{
    size_t n = 2;
    for (; *name; name++)
        n += *name == '"' ? 2 : 1;
    return n;
}

static char *put_ident(char *o, const char *name)
{
    *o++ = '"';
    for (; *name; name++) {
        if (*name == '"')
            *o++ = '"';
        *o++ = *name;
    }
    *o++ = '"';
    return o;
}

/* SELECT "key", "column", ... FROM "table" */
static char *select_sql(const loader *L)
{
    const char *key = L->it->lookup->key, *table = L->lk->table;
    size_t n = sizeof "SELECT  FROM " + ident_len(key) + ident_len(table);
    for (uint32_t i = 0; i < L->rec->nfields; i++)
        n += 2 + ident_len(L->rec->fields[i].name);
    char *s = malloc(n), *o = s;
    if (!s)
        return NULL;
    o = put_ident(stpcpy(o, "SELECT "), key);
    for (uint32_t i = 0; i < L->rec->nfields; i++)
        o = put_ident(stpcpy(o, ", "), L->rec->fields[i].name);
    o = put_ident(stpcpy(o, " FROM "), table);
    *o = '\0';
    return s;
}

static cell sqlite_cell(sqlite3_stmt *st, int i)
{
    cell c = {"", 0, sqlite3_column_type(st, i) == SQLITE_NULL};
    if (c.null)
        return c;
    /* the text SQLite gives for any value: a REAL never goes through a double here */
    const char *s = (const char *)sqlite3_column_text(st, i);
    if (s) {
        c.s = s;
        c.n = (size_t)sqlite3_column_bytes(st, i);
    }
    return c;
}

/* One cell into the rows' hash: NULL or its length and bytes, so that no
 * two different tables hash alike. */
static void hash_cell(cr_sha256_ctx *h, cell c)
{
    uint8_t head[9] = {c.null ? 0 : 1};
    for (int i = 0; i < 8; i++)
        head[1 + i] = (uint8_t)((uint64_t)c.n >> (56 - 8 * i));
    cr_sha256_update(h, head, sizeof head);
    cr_sha256_update(h, c.s, c.n);
}

/* The rows of the table, each hashed as read (key first, then the declared
 * columns, in the order SQLite returns them).  A database's file is not
 * its data: rows in a WAL file not yet checkpointed are read but are not
 * in it, so the lookup's SHA-256 is taken over what was read, inside the
 * one read transaction load_sqlite holds. */
static void sqlite_rows(loader *L, sqlite3 *db)
{
    char *sql = select_sql(L);
    cell *cells = calloc(L->rec->nfields ? L->rec->nfields : 1, sizeof *cells);
    sqlite3_stmt *st = NULL;
    if (!sql || !cells) {
        lerr(L, L->it->name_span, "out of memory reading %s", L->where);
    } else if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        lerr(L, L->it->name_span, "cannot read %s: %s", L->where, sqlite3_errmsg(db));
    } else {
        uint32_t rowno = 0;
        int rc;
        while (!L->failed && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            rowno++;
            cell key = sqlite_cell(st, 0);
            hash_cell(&L->rows_hash, key);
            for (uint32_t i = 0; i < L->rec->nfields; i++) {
                cells[i] = sqlite_cell(st, (int)i + 1);
                hash_cell(&L->rows_hash, cells[i]);
            }
            add_row(L, rowno, key, cells);
        }
        if (!L->failed && rc != SQLITE_DONE)
            lerr(L, L->it->name_span, "cannot read %s: %s", L->where, sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    free(sql);
    free(cells);
}

static void load_sqlite(loader *L, const char *full)
{
    const cr_lookup_decl *d = L->it->lookup;
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(full, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        lerr(L, d->path_span, "cannot open %s: %s", full, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return;
    }
    /* a writer's commit or another reader's WAL recovery holds the lock for
       moments; wait for it as the decision log does, rather than refuse */
    sqlite3_busy_timeout(db, 5000);
    char **names = NULL;
    uint32_t n = 0;
    int key_col = -1;
    int *cols = calloc(L->rec->nfields ? L->rec->nfields : 1, sizeof *cols);
    /* columns and rows from one snapshot: a writer between them changes neither */
    static const char domain[] = "credo-lookup-sqlite-rows-v1\n";
    cr_sha256_init(&L->rows_hash);
    cr_sha256_update(&L->rows_hash, domain, sizeof domain - 1);
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        lerr(L, d->path_span, "cannot read %s: %s", full, sqlite3_errmsg(db));
    else if (!cols)
        lerr(L, L->it->name_span, "out of memory reading %s", L->where);
    else if (!sqlite_columns(L, db, full, &names, &n))
        ; /* reported */
    else if (n == 0)
        lerr(L, d->table_span, "%s has no table %s", d->path, d->table);
    else if (map_columns(L, names, n, column_cmp, &key_col, cols))
        sqlite_rows(L, db);
    if (!L->failed) {
        uint8_t digest[CR_SHA256_LEN];
        cr_sha256_final(&L->rows_hash, digest);
        cr_sha256_hex(digest, L->lk->sha256);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    for (uint32_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(cols);
    sqlite3_close(db);
}

/* ---- every lookup ---------------------------------------------------------------- */

/* path as the policy writes it, relative to the folder of the policy file
 * (an absolute path stays as it is). */
static char *resolve(const char *policy_file, const char *path)
{
    const char *slash = policy_file ? strrchr(policy_file, '/') : NULL;
    if (path[0] == '/' || !slash)
        return strdup(path);
    size_t dn = (size_t)(slash - policy_file) + 1, pn = strlen(path);
    char *s = malloc(dn + pn + 1);
    if (s) {
        memcpy(s, policy_file, dn);
        memcpy(s + dn, path, pn + 1);
    }
    return s;
}

/* Only a regular file is read: a device or a pipe named by mistake (or
 * by a hostile policy text) would never end, or end differently each time,
 * and its SHA-256 would identify nothing. */
static bool regular_file(loader *L, const char *full)
{
    struct stat st;
    if (stat(full, &st) != 0) {
        lerr(L, L->it->lookup->path_span, "cannot read %s: %s", full, strerror(errno));
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        lerr(L, L->it->lookup->path_span, "cannot read %s: not a regular file", full);
        return false;
    }
    return true;
}

/* What the policy pins of its data: `sha256 "…"` and `min_rows N`.  A
 * table that changed, or was emptied, refuses to load. */
static void check_pins(loader *L)
{
    const cr_lookup_decl *d = L->it->lookup;
    if (d->pin_sha256 && strcasecmp(d->pin_sha256, L->lk->sha256) != 0)
        lerr(L, d->pin_span, "%s has SHA-256 %s, but the policy pins %s: the data changed since it was pinned",
             L->where, L->lk->sha256, d->pin_sha256);
    if (d->has_min_rows && (int64_t)L->lk->nrows < d->min_rows)
        lerr(L, d->min_rows_span, "%s has %u row%s, but the policy requires at least %lld", L->where,
             L->lk->nrows, L->lk->nrows == 1 ? "" : "s", (long long)d->min_rows);
}

static void load_one(cr_program *P, cr_diags *diags, const cr_item *it)
{
    const cr_lookup_decl *d = it->lookup;
    cr_lookup_info *lk = &P->lookups[it->sub_index];
    lk->name = it->name;
    lk->source = (uint8_t)d->source;
    lk->path = d->path;
    lk->table = d->source == LOOKUP_SQLITE ? d->table : NULL;
    lk->key = d->key;
    lk->row = it->value_type;
    lk->span = it->span;
    loader L;
    memset(&L, 0, sizeof L);
    L.P = P;
    L.diags = diags;
    L.it = it;
    L.lk = lk;
    L.rec = it->value_type->rec;
    if (d->source == LOOKUP_SQLITE) {
        snprintf(L.where, sizeof L.where, "%s table %s", d->path, d->table);
        L.null_word = "NULL";
        L.nulls = "NULLs";
    } else {
        snprintf(L.where, sizeof L.where, "%s", d->path);
        L.null_word = "empty";
        L.nulls = "empty cells";
    }
    char *full = resolve(P->file, d->path);
    if (!full)
        lerr(&L, it->name_span, "out of memory");
    else if (!regular_file(&L, full))
        ; /* reported */
    else if (d->source == LOOKUP_SQLITE)
        load_sqlite(&L, full);
    else
        load_csv(&L, full);
    if (!L.failed)
        finish(&L);
    if (!L.failed)
        check_pins(&L);
    free(full);
    free(L.keys);
    free(L.rows);
    free(L.rownos);
}

bool cr_lookups_load(cr_program *P, const cr_policy_ast *ast, cr_diags *diags)
{
    uint32_t errors_before = diags->errors;
    for (const cr_item *it = ast->items; it; it = it->next) {
        /* a declaration sema refused has no row type to read into */
        if (it->kind != I_LOOKUP || !it->lookup || !it->value_type || it->value_type->kind != CR_T_RECORD ||
            !it->value_type->rec || it->sub_index >= P->nlookups || (it->lookup->source == LOOKUP_SQLITE && !it->lookup->table))
            continue;
        load_one(P, diags, it);
    }
    return diags->errors == errors_before;
}
