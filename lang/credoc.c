/* .credoc files: a compiled program written out and read back (the layout
 * is in credoc.h).
 *
 * Reading trusts nothing: every read is checked against the bytes left,
 * every count is capped by what the bytes left could hold (so a lying count
 * cannot make a huge allocation), strings must be UTF-8, indexes must point
 * at what they claim to, and the finished program goes through
 * cr_program_verify before anyone can run it.  Everything read lives in
 * the program's arena, so cr_program_free frees it. */
#include "lang/credoc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "lang/compile.h"
#include "lang/lookup.h"
#include "runtime/core/date.h"
#include "runtime/core/sha256.h"
#include "runtime/core/utf8.h"

#define NONE 0xFFFFFFFFu
/* Constants and types nest no deeper than this (the compiler's nest a few
 * levels); deeper ones would only exhaust recursion. */
#define MAX_NEST 32
/* Sizes the VM allocates per session from these numbers. */
#define MAX_TABLE_CELLS (1u << 24)
#define MAX_LOCALS 65539u

enum { NODE_LABELS = 1, NODE_RECORD = 2, NODE_TYPE = 3 };

/* ======================================================================
 * writing
 * ====================================================================== */

typedef struct wbuf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
} wbuf;

static void w_bytes(wbuf *w, const void *s, size_t n)
{
    if (w->oom)
        return;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->len + n)
            cap *= 2;
        uint8_t *p = realloc(w->p, cap);
        if (!p) {
            w->oom = true;
            return;
        }
        w->p = p;
        w->cap = cap;
    }
    if (n)
        memcpy(w->p + w->len, s, n);
    w->len += n;
}

static void w_uint(wbuf *w, uint64_t v, unsigned size)
{
    uint8_t b[8];
    for (unsigned i = 0; i < size; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    w_bytes(w, b, size);
}

static void w_u8(wbuf *w, uint32_t v) { w_uint(w, v, 1); }
static void w_u16(wbuf *w, uint32_t v) { w_uint(w, v, 2); }
static void w_u32(wbuf *w, uint32_t v) { w_uint(w, v, 4); }
static void w_i64(wbuf *w, int64_t v) { w_uint(w, (uint64_t)v, 8); }

static void w_strn(wbuf *w, const char *s, size_t n)
{
    w_u32(w, (uint32_t)n);
    w_bytes(w, s, n);
}

static void w_str(wbuf *w, const char *s)
{
    if (!s)
        w_u32(w, NONE);
    else
        w_strn(w, s, strlen(s));
}

static void w_span(wbuf *w, cr_span sp)
{
    w_u32(w, sp.start);
    w_u32(w, sp.end);
}

/* The types, records and label sets a program points to, each once, in an
 * order where everything comes after what it refers to. */
typedef struct graph {
    const void **ptr;
    uint8_t *kind;
    uint32_t n, cap;
    bool oom;
} graph;

static uint32_t g_find(const graph *g, const void *p)
{
    for (uint32_t i = 0; i < g->n; i++)
        if (g->ptr[i] == p)
            return i;
    return NONE;
}

static uint32_t g_add(graph *g, const void *p, uint8_t kind)
{
    if (g->n == g->cap) {
        uint32_t cap = g->cap ? g->cap * 2 : 32;
        const void **np = realloc(g->ptr, cap * sizeof *np);
        if (np)
            g->ptr = np;
        uint8_t *nk = realloc(g->kind, cap);
        if (nk)
            g->kind = nk;
        if (!np || !nk) {
            g->oom = true;
            return NONE;
        }
        g->cap = cap;
    }
    g->ptr[g->n] = p;
    g->kind[g->n] = kind;
    return g->n++;
}

static uint32_t g_type(graph *g, const cr_type *t);

static uint32_t g_record(graph *g, const cr_record *r)
{
    uint32_t i = g_find(g, r);
    if (i != NONE)
        return i;
    for (uint32_t f = 0; f < r->nfields; f++)
        g_type(g, r->fields[f].type);
    return g_add(g, r, NODE_RECORD);
}

static uint32_t g_type(graph *g, const cr_type *t)
{
    if (!t)
        return NONE;
    uint32_t i = g_find(g, t);
    if (i != NONE)
        return i;
    if (t->elem)
        g_type(g, t->elem);
    if (t->rec)
        g_record(g, t->rec);
    if (t->labels && g_find(g, t->labels) == NONE)
        g_add(g, t->labels, NODE_LABELS);
    return g_add(g, t, NODE_TYPE);
}

static void w_ref(wbuf *w, const graph *g, const void *p) { w_u32(w, p ? g_find(g, p) : NONE); }

static void w_graph(wbuf *w, const graph *g)
{
    w_u32(w, g->n);
    for (uint32_t i = 0; i < g->n; i++) {
        w_u8(w, g->kind[i]);
        if (g->kind[i] == NODE_LABELS) {
            const cr_labels *l = g->ptr[i];
            w_str(w, l->name);
            w_u32(w, l->count);
            for (uint32_t k = 0; k < l->count; k++)
                w_str(w, l->names[k]);
        } else if (g->kind[i] == NODE_RECORD) {
            const cr_record *r = g->ptr[i];
            w_str(w, r->name);
            w_u32(w, r->nfields);
            for (uint32_t f = 0; f < r->nfields; f++) {
                w_strn(w, r->fields[f].name, r->fields[f].len);
                w_ref(w, g, r->fields[f].type);
            }
        } else {
            const cr_type *t = g->ptr[i];
            w_u8(w, (uint32_t)t->kind);
            w_u8(w, t->optional);
            w_str(w, t->spelling);
            w_ref(w, g, t->elem);
            w_ref(w, g, t->rec);
            w_ref(w, g, t->labels);
        }
    }
}

static void w_value(wbuf *w, cr_value v)
{
    w_u8(w, v.tag);
    switch ((cr_tag)v.tag) {
    case CR_NULL: break;
    case CR_BOOL: w_u8(w, v.u.b); break;
    case CR_INT: case CR_DATE: w_i64(w, v.u.i); break;
    case CR_DEC:
        w_u8(w, v.scale);
        w_uint(w, (uint64_t)(unsigned __int128)v.u.coef, 8);
        w_uint(w, (uint64_t)((unsigned __int128)v.u.coef >> 64), 8);
        break;
    case CR_TEXT: w_strn(w, v.u.s, v.len); break;
    case CR_REGEX: w_u32(w, (uint32_t)v.u.i); break;
    case CR_LIST: case CR_SET: case CR_RECORD:
        w_u32(w, v.len);
        for (uint32_t i = 0; i < v.len; i++)
            w_value(w, v.u.items[i]);
        break;
    }
}

static void w_code(wbuf *w, const cr_program *p)
{
    w_u32(w, p->ncode);
    for (uint32_t i = 0; i < p->ncode; i++) {
        const cr_ins *in = &p->code[i];
        w_u8(w, in->op);
        w_u8(w, in->a);
        w_u16(w, in->b);
        w_u32(w, in->c);
        w_span(w, p->spans[i]);
    }
    w_u32(w, p->nconsts);
    for (uint32_t i = 0; i < p->nconsts; i++)
        w_value(w, p->consts[i]);
}

static void w_tables(wbuf *w, const cr_program *p, const graph *g)
{
    w_u32(w, p->nlets);
    for (uint32_t i = 0; i < p->nlets; i++) {
        const cr_let_info *l = &p->lets[i];
        w_str(w, l->name);
        w_u32(w, l->pc);
        w_u8(w, l->kind);
        w_u32(w, l->index);
        w_ref(w, g, l->type);
        w_span(w, l->span);
    }
    w_u32(w, p->nresults);
    for (uint32_t i = 0; i < p->nresults; i++)
        w_u32(w, p->results[i]);
    w_u32(w, p->nrules);
    for (uint32_t i = 0; i < p->nrules; i++) {
        const cr_rule_info *r = &p->rules[i];
        w_str(w, r->code);
        w_str(w, r->desc);
        w_u8(w, r->kind);
        w_u8(w, r->in_admission);
        w_span(w, r->span);
    }
    w_u32(w, p->ncharacs);
    for (uint32_t i = 0; i < p->ncharacs; i++) {
        const cr_charac_info *c = &p->characs[i];
        w_str(w, c->name);
        w_str(w, c->code);
        w_u8(w, c->src_kind);
        w_u32(w, c->src_index);
        w_u32(w, c->nbins);
        for (uint32_t k = 0; k < c->nbins; k++)
            w_span(w, c->bin_spans[k]);
    }
    w_u32(w, p->nscorecards);
    for (uint32_t i = 0; i < p->nscorecards; i++) {
        w_str(w, p->scorecards[i].name);
        w_u32(w, p->scorecards[i].first);
        w_u32(w, p->scorecards[i].count);
    }
    w_u32(w, p->nsegments);
    for (uint32_t i = 0; i < p->nsegments; i++) {
        const cr_segment_info *s = &p->segments[i];
        w_str(w, s->name);
        w_u32(w, s->nrows);
        for (uint32_t k = 0; k < s->nrows; k++) {
            w_str(w, s->labels[k]);
            w_span(w, s->row_spans[k]);
        }
    }
    w_u32(w, p->ntables);
    for (uint32_t i = 0; i < p->ntables; i++) {
        const cr_table_info *t = &p->tables[i];
        w_str(w, t->name);
        w_u8(w, t->hit);
        w_u8(w, t->collect);
        w_ref(w, g, t->out);
        w_u32(w, t->nrows);
        for (uint32_t k = 0; k < t->nrows; k++)
            w_span(w, t->row_spans[k]);
    }
    w_u32(w, p->ndecide);
    for (uint32_t i = 0; i < p->ndecide; i++)
        w_span(w, p->decide_spans[i]);
}

static void w_sha(wbuf *w, const char *hex)
{
    uint8_t raw[CR_SHA256_LEN] = {0};
    cr_sha256_from_hex(hex, strlen(hex), raw);
    w_bytes(w, raw, sizeof raw);
}

/* The reference tables: what identifies each, its row type and every
 * row.  The index is not written: a reader builds its own.  For the
 * program's identity (rows false) the rows are left out: the SHA-256 of
 * the data they were read from stands for them. */
static void w_lookups(wbuf *w, const cr_program *p, const graph *g, bool rows)
{
    w_u32(w, p->nlookups);
    for (uint32_t i = 0; i < p->nlookups; i++) {
        const cr_lookup_info *lk = &p->lookups[i];
        w_str(w, lk->name);
        w_u8(w, lk->source);
        w_str(w, lk->path);
        w_str(w, lk->table);
        w_str(w, lk->key);
        w_sha(w, lk->sha256);
        w_ref(w, g, lk->row);
        w_span(w, lk->span);
        w_u32(w, lk->nrows);
        for (uint32_t r = 0; rows && r < lk->nrows; r++) {
            w_value(w, lk->keys[r]);
            for (uint32_t f = 0; f < lk->rows[r].len; f++)
                w_value(w, lk->rows[r].u.items[f]);
        }
    }
}

/* The content of p's .credoc (credoc.h); for its identity, without the
 * file name (where it was compiled from is not what it does) and without
 * the lookups' rows. */
static bool encode_content(const cr_program *p, bool identity, wbuf *out)
{
    graph g;
    memset(&g, 0, sizeof g);
    g_record(&g, p->input);
    for (uint32_t i = 0; i < p->nlets; i++)
        g_type(&g, p->lets[i].type);
    for (uint32_t i = 0; i < p->ntables; i++)
        g_type(&g, p->tables[i].out);
    for (uint32_t i = 0; i < p->nlookups; i++)
        g_type(&g, p->lookups[i].row);
    wbuf w;
    memset(&w, 0, sizeof w);
    w_bytes(&w, CR_CREDOC_MAGIC, CR_CREDOC_MAGIC_LEN);
    w_u16(&w, CR_CREDOC_VERSION);
    w_sha(&w, p->sha256);
    w_str(&w, identity ? "" : p->file);
    w_str(&w, p->name);
    w_str(&w, p->title);
    w_str(&w, p->version);
    w_str(&w, p->owner);
    w_u8(&w, p->has_effective);
    w_i64(&w, p->effective);
    w_strn(&w, p->src, p->len);
    w_graph(&w, &g);
    w_ref(&w, &g, p->input);
    w_str(&w, p->input_name);
    w_str(&w, p->key);
    w_code(&w, p);
    w_tables(&w, p, &g);
    w_u32(&w, p->nregex);
    for (uint32_t i = 0; i < p->nregex; i++)
        w_strn(&w, p->regex_src[i], p->regex_len[i]);
    w_lookups(&w, p, &g, !identity);
    w_u32(&w, p->nlocals);
    w_u32(&w, p->max_stack);
    w_u32(&w, p->max_table_rows);
    w_u8(&w, p->has_decide);
    free(g.ptr);
    free(g.kind);
    if (w.oom || g.oom) {
        free(w.p);
        return false;
    }
    *out = w;
    return true;
}

#define SEAL_DOMAIN "credo-credoc-v3\n"
#define SEAL_DOMAIN_LEN (sizeof SEAL_DOMAIN - 1)
#define SIGNATURE_LEN (CR_ED25519_KEY_LEN + CR_ED25519_SIG_LEN)

/* What a signature signs: the domain, then the content's SHA-256. */
static void seal_message(const uint8_t digest[CR_SHA256_LEN], uint8_t msg[SEAL_DOMAIN_LEN + CR_SHA256_LEN])
{
    memcpy(msg, SEAL_DOMAIN, SEAL_DOMAIN_LEN);
    memcpy(msg + SEAL_DOMAIN_LEN, digest, CR_SHA256_LEN);
}

void *cr_credoc_encode(const cr_program *p, const cr_ed25519_key *signer, size_t *len)
{
    wbuf w;
    if (!encode_content(p, false, &w))
        return NULL;
    uint8_t digest[CR_SHA256_LEN];
    cr_sha256(w.p, w.len, digest);
    w_bytes(&w, digest, sizeof digest);
    if (signer) {
        uint8_t msg[SEAL_DOMAIN_LEN + CR_SHA256_LEN], sig[CR_ED25519_SIG_LEN];
        seal_message(digest, msg);
        cr_ed25519_sign(signer, msg, sizeof msg, sig);
        w_bytes(&w, signer->pub, CR_ED25519_KEY_LEN);
        w_bytes(&w, sig, sizeof sig);
    }
    w_u8(&w, signer ? 1 : 0);
    if (w.oom) {
        free(w.p);
        return NULL;
    }
    *len = w.len;
    return w.p;
}

bool cr_program_identity(cr_program *p)
{
    wbuf w;
    if (!encode_content(p, true, &w))
        return false;
    uint8_t digest[CR_SHA256_LEN];
    cr_sha256(w.p, w.len, digest);
    free(w.p);
    cr_sha256_hex(digest, p->program_sha256);
    return true;
}

bool cr_credoc_write(const cr_program *p, const cr_ed25519_key *signer, FILE *out)
{
    size_t len;
    void *buf = cr_credoc_encode(p, signer, &len);
    if (!buf) {
        errno = ENOMEM;
        return false;
    }
    bool ok = fwrite(buf, 1, len, out) == len;
    free(buf);
    return ok;
}

bool cr_credoc_is(const void *data, size_t len)
{
    return len >= CR_CREDOC_MAGIC_LEN && memcmp(data, CR_CREDOC_MAGIC, CR_CREDOC_MAGIC_LEN) == 0;
}

/* ======================================================================
 * reading
 * ====================================================================== */

typedef struct rd {
    const uint8_t *base, *p, *end;
    cr_program *P;
    char *err;
    size_t errsize;
    bool failed;
    const char *what;       /* the part being read, for messages */
    uint32_t nnodes;
    uint8_t *node_kind;
    void **node;
    uint8_t *node_depth;
    bool *node_input_ok;    /* a type the JSON reader can fill */
} rd;

static bool fail(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(rd *r, const char *fmt, ...)
{
    if (r->failed)
        return false;
    r->failed = true;
    int n = snprintf(r->err, r->errsize, "credoc: ");
    if (n < 0 || (size_t)n >= r->errsize)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + n, r->errsize - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

static size_t left(const rd *r) { return (size_t)(r->end - r->p); }
static size_t offset(const rd *r) { return (size_t)(r->p - r->base); }

static bool need(rd *r, size_t n)
{
    if (r->failed)
        return false;
    if (left(r) >= n)
        return true;
    return fail(r, "truncated at byte %zu of %zu: %zu more byte%s needed for %s", offset(r),
                (size_t)(r->end - r->base), n, n == 1 ? "" : "s", r->what);
}

static uint64_t r_uint(rd *r, unsigned size)
{
    if (!need(r, size))
        return 0;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
    r->p += size;
    return v;
}

static uint32_t r_u8(rd *r) { return (uint32_t)r_uint(r, 1); }
static uint32_t r_u16(rd *r) { return (uint32_t)r_uint(r, 2); }
static uint32_t r_u32(rd *r) { return (uint32_t)r_uint(r, 4); }
static int64_t r_i64(rd *r) { return (int64_t)r_uint(r, 8); }

static bool r_bool(rd *r, const char *what)
{
    uint32_t v = r_u8(r);
    if (v > 1)
        fail(r, "%s: %s is %u, not 0 or 1 (byte %zu)", r->what, what, v, offset(r) - 1);
    return v == 1;
}

/* A count of items each taking at least `min_size` bytes: more than the
 * bytes left could hold is a truncated file or a lie, refused before any
 * allocation. */
static uint32_t r_count(rd *r, size_t min_size, const char *what)
{
    uint32_t n = r_u32(r);
    if (r->failed)
        return 0;
    if ((uint64_t)n * min_size > left(r)) {
        fail(r, "truncated or corrupt: %u %s need at least %llu bytes, but only %zu are left (byte %zu)", n, what,
             (unsigned long long)n * min_size, left(r), offset(r) - 4);
        return 0;
    }
    return n;
}

static void *r_alloc(rd *r, size_t n)
{
    if (r->failed)
        return NULL;
    void *p = cr_arena_calloc(&r->P->arena, n ? n : 1);
    if (!p)
        fail(r, "out of memory reading %s", r->what);
    return p;
}

/* A string: NULL when absent (and allowed), else a NUL-terminated copy in
 * the arena of valid UTF-8 with no NUL inside (names are C strings). */
static const char *r_str_len(rd *r, bool optional, uint32_t *len_out)
{
    size_t at = offset(r);
    uint32_t n = r_u32(r);
    if (r->failed)
        return NULL;
    if (n == NONE) {
        if (!optional)
            fail(r, "%s: a text is missing (byte %zu)", r->what, at);
        return NULL;
    }
    if (!need(r, n))
        return NULL;
    if (memchr(r->p, 0, n) || cr_utf8_invalid_at(r->p, n) < n) {
        fail(r, "%s: a text that is not valid UTF-8 (byte %zu)", r->what, at);
        return NULL;
    }
    char *s = cr_arena_strndup(&r->P->arena, (const char *)r->p, n);
    if (!s) {
        fail(r, "out of memory reading %s", r->what);
        return NULL;
    }
    r->p += n;
    if (len_out)
        *len_out = n;
    return s;
}

static const char *r_str(rd *r, bool optional) { return r_str_len(r, optional, NULL); }

/* A name: present and not empty. */
static const char *r_name(rd *r)
{
    const char *s = r_str(r, false);
    if (s && !*s)
        fail(r, "%s: an empty name (byte %zu)", r->what, offset(r) - 4);
    return s;
}

static cr_span r_span(rd *r)
{
    cr_span sp;
    size_t at = offset(r);
    sp.start = r_u32(r);
    sp.end = r_u32(r);
    if (!r->failed && (sp.start > sp.end || sp.end > r->P->len))
        fail(r, "%s: source span %u..%u is outside the source of %zu bytes (byte %zu)", r->what, sp.start, sp.end,
             r->P->len, at);
    return sp;
}

/* ---- header and source ---- */

/* Years 1 to 9999, the dates the language can write and the reader can
 * read; date arithmetic stays far from overflow inside them. */
static bool valid_day(int64_t d) { return d >= -719162 && d <= 2932896; }

static bool r_header(rd *r)
{
    cr_program *P = r->P;
    size_t len = left(r);
    if (len < CR_CREDOC_MAGIC_LEN || memcmp(r->p, CR_CREDOC_MAGIC, CR_CREDOC_MAGIC_LEN) != 0) {
        size_t k = len < CR_CREDOC_MAGIC_LEN ? len : CR_CREDOC_MAGIC_LEN;
        if (memcmp(r->p, CR_CREDOC_MAGIC, k) == 0)
            return fail(r, "truncated: %zu byte%s, not even the CREDOC magic", len, len == 1 ? "" : "s");
        return fail(r, "not a compiled policy (it does not start with CREDOC)");
    }
    r->p += CR_CREDOC_MAGIC_LEN;
    r->what = "the format version";
    uint32_t version = r_u16(r);
    if (!r->failed && version != CR_CREDOC_VERSION)
        return fail(r, "format version %u; this credo reads version %u", version, CR_CREDOC_VERSION);
    r->what = "the source's SHA-256";
    if (!need(r, 32))
        return false;
    uint8_t stored[32];
    memcpy(stored, r->p, 32);
    r->p += 32;
    r->what = "the file name";
    P->file = r_str(r, false);
    r->what = "the policy name";
    P->name = r_name(r);
    r->what = "the policy title";
    P->title = r_str(r, true);
    r->what = "the policy version";
    P->version = r_str(r, true);
    r->what = "the policy owner";
    P->owner = r_str(r, true);
    r->what = "the effective date";
    P->has_effective = r_bool(r, "has_effective");
    P->effective = r_i64(r);
    if (!r->failed && P->has_effective && !valid_day(P->effective))
        return fail(r, "the effective date (day %lld) is not a date between years 1 and 9999", (long long)P->effective);
    r->what = "the source text";
    uint32_t n = r_u32(r);
    if (!need(r, n))
        return false;
    char *src = cr_arena_strndup(&P->arena, (const char *)r->p, n);
    if (!src)
        return fail(r, "out of memory reading the source");
    r->p += n;
    P->src = src;
    P->len = n;
    /* the source must be the one the program was compiled from */
    uint8_t digest[CR_SHA256_LEN];
    cr_sha256(src, n, digest);
    cr_sha256_hex(digest, P->sha256);
    if (memcmp(digest, stored, 32) != 0) {
        char want[65];
        cr_sha256_hex(stored, want);
        return fail(r, "the source text does not match its SHA-256 (stored %.12s..., the text has %.12s...): "
                       "the file was changed after it was compiled", want, P->sha256);
    }
    return !r->failed;
}

/* ---- types, records, label sets ---- */

/* A reference to an earlier entry of the type table: its number, or NONE
 * when absent (and allowed).  Only entries before `self` may be named, so
 * the graph cannot have a cycle. */
static uint32_t r_node_ref(rd *r, uint32_t self, uint8_t kind, bool optional)
{
    static const char *const names[] = {"", "a label set", "a record", "a type"};
    size_t at = offset(r);
    uint32_t i = r_u32(r);
    if (r->failed)
        return NONE;
    if (i == NONE) {
        if (!optional)
            fail(r, "%s: no %s where one is needed (byte %zu)", r->what, names[kind] + 2, at);
        return NONE;
    }
    if (i >= self || r->node_kind[i] != kind) {
        fail(r, "%s: entry %u of the type table is not %s before this one (byte %zu)", r->what, i, names[kind], at);
        return NONE;
    }
    return i;
}

static void *r_node(rd *r, uint32_t self, uint8_t kind, bool optional)
{
    uint32_t i = r_node_ref(r, self, kind, optional);
    return i == NONE ? NULL : r->node[i];
}

static void *arena_cb(void *ctx, size_t n) { return cr_arena_calloc(ctx, n); }

static bool r_labels(rd *r, uint32_t self)
{
    cr_labels *l = r_alloc(r, sizeof *l);
    if (!l)
        return false;
    l->name = r_str(r, true);
    l->count = r_count(r, 5, "labels");
    const char **names = r_alloc(r, l->count * sizeof *names);
    for (uint32_t k = 0; names && k < l->count; k++)
        names[k] = r_name(r);
    l->names = names;
    r->node[self] = l;
    r->node_input_ok[self] = false;
    return !r->failed;
}

static bool r_record(rd *r, uint32_t self)
{
    cr_record *rec = r_alloc(r, sizeof *rec);
    if (!rec)
        return false;
    rec->name = r_str(r, true);
    rec->nfields = r_count(r, 9, "record fields");
    rec->fields = r_alloc(r, rec->nfields * sizeof *rec->fields);
    uint8_t depth = 0;
    bool input_ok = true;
    for (uint32_t f = 0; rec->fields && f < rec->nfields && !r->failed; f++) {
        uint32_t len = 0;
        rec->fields[f].name = r_str_len(r, false, &len);
        rec->fields[f].len = len;
        if (!r->failed && len == 0)
            return fail(r, "record %s has a field with an empty name", rec->name ? rec->name : "?");
        uint32_t ti = r_node_ref(r, self, NODE_TYPE, false);
        if (ti == NONE)
            return false;
        rec->fields[f].type = r->node[ti];
        if (r->node_depth[ti] > depth)
            depth = r->node_depth[ti];
        input_ok &= r->node_input_ok[ti];
    }
    if (r->failed)
        return false;
    if (!cr_record_build_index(rec, arena_cb, &r->P->arena))
        return fail(r, "out of memory reading %s", r->what);
    for (uint32_t f = 0; f < rec->nfields; f++)
        if (cr_record_find(rec, rec->fields[f].name, rec->fields[f].len) != (int)f)
            return fail(r, "record %s has two fields named %s", rec->name ? rec->name : "?", rec->fields[f].name);
    r->node[self] = rec;
    r->node_depth[self] = (uint8_t)(depth + 1);
    r->node_input_ok[self] = input_ok;
    return true;
}

static bool r_type(rd *r, uint32_t self)
{
    cr_type *t = r_alloc(r, sizeof *t);
    if (!t)
        return false;
    uint32_t kind = r_u8(r);
    t->optional = r_bool(r, "a type's optional flag");
    t->spelling = r_str(r, true);
    uint32_t elem = r_node_ref(r, self, NODE_TYPE, true);
    uint32_t rec = r_node_ref(r, self, NODE_RECORD, true);
    t->labels = r_node(r, self, NODE_LABELS, true);
    t->elem = elem == NONE ? NULL : r->node[elem];
    t->rec = rec == NONE ? NULL : r->node[rec];
    if (r->failed)
        return false;
    if (kind < CR_T_NULL || kind > CR_T_LABEL)
        return fail(r, "type entry %u has kind %u, which does not exist", self, kind);
    t->kind = (cr_kind)kind;
    bool want_elem = kind == CR_T_LIST || kind == CR_T_SET, want_rec = kind == CR_T_RECORD,
         want_labels = kind == CR_T_LABEL;
    /* a text may have labels too: its closed set of values (`one of`) */
    if (want_elem != (t->elem != NULL) || want_rec != (t->rec != NULL) ||
        (want_labels && !t->labels) || (t->labels && !want_labels && kind != CR_T_TEXT))
        return fail(r, "type entry %u (kind %u) has the wrong parts for its kind", self, kind);
    uint8_t depth = 0;
    bool input_ok = kind == CR_T_BOOL || kind == CR_T_INT || kind == CR_T_DEC || kind == CR_T_TEXT ||
                    kind == CR_T_DATE;
    if (elem != NONE) {
        depth = r->node_depth[elem];
        input_ok = kind == CR_T_LIST && r->node_input_ok[elem];
    }
    if (rec != NONE) {
        depth = r->node_depth[rec];
        input_ok = r->node_input_ok[rec];
    }
    if (depth + 1 > MAX_NEST)
        return fail(r, "types nest more than %d deep", MAX_NEST);
    r->node[self] = t;
    r->node_depth[self] = (uint8_t)(depth + 1);
    r->node_input_ok[self] = input_ok;
    return true;
}

static bool r_graph(rd *r)
{
    r->what = "the type table";
    r->nnodes = r_count(r, 9, "type table entries");
    r->node_kind = r_alloc(r, r->nnodes);
    r->node = r_alloc(r, r->nnodes * sizeof *r->node);
    r->node_depth = r_alloc(r, r->nnodes);
    r->node_input_ok = r_alloc(r, r->nnodes * sizeof *r->node_input_ok);
    for (uint32_t i = 0; i < r->nnodes && !r->failed; i++) {
        uint32_t kind = r_u8(r);
        r->node_kind[i] = (uint8_t)kind;
        if (kind == NODE_LABELS)
            r_labels(r, i);
        else if (kind == NODE_RECORD)
            r_record(r, i);
        else if (kind == NODE_TYPE)
            r_type(r, i);
        else if (!r->failed)
            fail(r, "type table entry %u has kind %u, which does not exist", i, kind);
    }
    if (r->failed)
        return false;
    r->what = "the input record";
    uint32_t in = r_node_ref(r, r->nnodes, NODE_RECORD, false);
    if (in == NONE)
        return false;
    if (!r->node_input_ok[in])
        return fail(r, "the input record has a field of a type the JSON reader cannot fill");
    r->P->input = r->node[in];
    r->what = "the input name";
    r->P->input_name = r_name(r);
    r->what = "the input's key";
    const char *key = r_str(r, true);
    if (!r->failed && key) {
        int f = cr_record_find(r->P->input, key, strlen(key));
        cr_kind k = f >= 0 ? r->P->input->fields[f].type->kind : CR_T_ERROR;
        if (k != CR_T_TEXT && k != CR_T_INT && k != CR_T_DEC && k != CR_T_DATE)
            return fail(r, "the input's key '%s' is not a text, int, number or date field of the input", key);
        r->P->key = key;
    }
    return !r->failed;
}

/* ---- code and constants ---- */

static bool dec_ok(cr_i128 coef, uint32_t scale)
{
    const cr_i128 max = (cr_i128)CR_DEC_MAX_COEF;
    return scale <= CR_DEC_MAX_SCALE && coef <= max && coef >= -max;
}

static bool r_value(rd *r, cr_value *v, unsigned depth, uint32_t index)
{
    if (depth > MAX_NEST)
        return fail(r, "constant %u nests more than %d deep", index, MAX_NEST);
    size_t at = offset(r);
    uint32_t tag = r_u8(r);
    memset(v, 0, sizeof *v);
    v->tag = (uint8_t)tag;
    switch (tag) {
    case CR_NULL: break;
    case CR_BOOL: v->u.b = r_bool(r, "a bool constant"); break;
    case CR_INT: v->u.i = r_i64(r); break;
    case CR_DATE:
        v->u.i = r_i64(r);
        if (!r->failed && !valid_day(v->u.i))
            return fail(r, "constant %u is day %lld, not a date between years 1 and 9999 (byte %zu)", index,
                        (long long)v->u.i, at);
        break;
    case CR_DEC: {
        uint32_t scale = r_u8(r);
        uint64_t lo = r_uint(r, 8), hi = r_uint(r, 8);
        cr_i128 coef = (cr_i128)(((unsigned __int128)hi << 64) | lo);
        if (!r->failed && !dec_ok(coef, scale))
            return fail(r, "constant %u is a decimal with scale %u or more than 38 digits (byte %zu)", index, scale, at);
        v->scale = (uint8_t)scale;
        v->u.coef = coef;
        break;
    }
    case CR_TEXT: {
        uint32_t len = 0;
        /* texts may hold NUL; only their UTF-8 matters */
        uint32_t n = r_u32(r);
        if (!need(r, n))
            return false;
        if (cr_utf8_invalid_at(r->p, n) < n)
            return fail(r, "constant %u is a text that is not valid UTF-8 (byte %zu)", index, at);
        char *s = cr_arena_strndup(&r->P->arena, (const char *)r->p, n);
        if (!s)
            return fail(r, "out of memory reading the constants");
        r->p += n;
        len = n;
        v->len = len;
        v->u.s = s;
        break;
    }
    case CR_REGEX:
        v->u.i = r_u32(r); /* checked against the patterns once they are read */
        break;
    case CR_LIST: case CR_SET: case CR_RECORD: {
        uint32_t n = r_count(r, 1, "items");
        cr_value *items = r_alloc(r, n * sizeof *items);
        for (uint32_t i = 0; items && i < n && !r->failed; i++)
            r_value(r, &items[i], depth + 1, index);
        v->len = n;
        v->u.items = items;
        break;
    }
    default:
        return fail(r, "constant %u has tag %u, which does not exist (byte %zu)", index, tag, at);
    }
    return !r->failed;
}

static bool r_code(rd *r)
{
    cr_program *P = r->P;
    r->what = "the code";
    P->ncode = r_count(r, 16, "instructions");
    P->code = r_alloc(r, P->ncode * sizeof *P->code);
    P->spans = r_alloc(r, P->ncode * sizeof *P->spans);
    for (uint32_t i = 0; i < P->ncode && !r->failed; i++) {
        cr_ins *in = &P->code[i];
        in->op = (uint8_t)r_u8(r);
        in->a = (uint8_t)r_u8(r);
        in->b = (uint16_t)r_u16(r);
        in->c = r_u32(r);
        P->spans[i] = r_span(r);
    }
    r->what = "the constants";
    P->nconsts = r_count(r, 1, "constants");
    P->consts = r_alloc(r, P->nconsts * sizeof *P->consts);
    for (uint32_t i = 0; i < P->nconsts && !r->failed; i++)
        r_value(r, &P->consts[i], 0, i);
    return !r->failed;
}

/* ---- lets, rules, scorecards, segments, tables ---- */

static bool r_lets(rd *r)
{
    cr_program *P = r->P;
    r->what = "the lets";
    P->nlets = r_count(r, 25, "lets");
    P->lets = r_alloc(r, P->nlets * sizeof *P->lets);
    for (uint32_t i = 0; i < P->nlets && !r->failed; i++) {
        cr_let_info *l = &P->lets[i];
        l->name = r_name(r);
        l->pc = r_u32(r);
        l->kind = (uint8_t)r_u8(r);
        l->index = r_u32(r);
        l->type = r_node(r, r->nnodes, NODE_TYPE, true);
        l->span = r_span(r);
        if (!r->failed && l->kind > LET_TABLE)
            return fail(r, "let %s has kind %u, which does not exist", l->name, l->kind);
    }
    r->what = "the results";
    P->nresults = r_count(r, 4, "results");
    P->results = r_alloc(r, P->nresults * sizeof *P->results);
    for (uint32_t i = 0; i < P->nresults && !r->failed; i++) {
        P->results[i] = r_u32(r);
        if (!r->failed && P->results[i] >= P->nlets)
            return fail(r, "result %u is let %u, past the end (%u lets)", i, P->results[i], P->nlets);
    }
    return !r->failed;
}

static bool r_rules(rd *r)
{
    cr_program *P = r->P;
    r->what = "the rules";
    P->nrules = r_count(r, 18, "rules");
    P->rules = r_alloc(r, P->nrules * sizeof *P->rules);
    for (uint32_t i = 0; i < P->nrules && !r->failed; i++) {
        cr_rule_info *ru = &P->rules[i];
        ru->code = r_name(r);
        ru->desc = r_str(r, true);
        ru->kind = (uint8_t)r_u8(r);
        ru->in_admission = r_bool(r, "a rule's admission flag");
        ru->span = r_span(r);
        if (!r->failed && ru->kind != RULE_REJECT && ru->kind != RULE_REFER)
            return fail(r, "rule %s has kind %u, neither reject nor refer", ru->code, ru->kind);
    }
    return !r->failed;
}

static bool r_scorecards(rd *r)
{
    cr_program *P = r->P;
    r->what = "the characteristics";
    P->ncharacs = r_count(r, 17, "characteristics");
    P->characs = r_alloc(r, P->ncharacs * sizeof *P->characs);
    for (uint32_t i = 0; i < P->ncharacs && !r->failed; i++) {
        cr_charac_info *c = &P->characs[i];
        c->name = r_name(r);
        c->code = r_name(r);
        c->src_kind = (uint8_t)r_u8(r);
        c->src_index = r_u32(r);
        if (!r->failed && (c->src_kind > CHARAC_SRC_LET || (c->src_kind == CHARAC_SRC_INPUT && c->src_index >= P->input->nfields)))
            return fail(r, "characteristic %s takes its value from %s %u, which does not exist", c->name,
                        c->src_kind == CHARAC_SRC_INPUT ? "input slot" : "place", c->src_index);
        c->nbins = r_count(r, 8, "bins");
        c->bin_spans = r_alloc(r, c->nbins * sizeof *c->bin_spans);
        for (uint32_t k = 0; c->bin_spans && k < c->nbins; k++)
            c->bin_spans[k] = r_span(r);
    }
    r->what = "the scorecards";
    P->nscorecards = r_count(r, 12, "scorecards");
    P->scorecards = r_alloc(r, P->nscorecards * sizeof *P->scorecards);
    for (uint32_t i = 0; i < P->nscorecards && !r->failed; i++) {
        cr_scorecard_info *s = &P->scorecards[i];
        s->name = r_name(r);
        s->first = r_u32(r);
        s->count = r_u32(r);
        if (!r->failed && (uint64_t)s->first + s->count > P->ncharacs)
            return fail(r, "scorecard %s has characteristics %u to %llu, past the end (%u)", s->name, s->first,
                        (unsigned long long)s->first + s->count, P->ncharacs);
    }
    return !r->failed;
}

static bool r_segments(rd *r)
{
    cr_program *P = r->P;
    r->what = "the segments";
    P->nsegments = r_count(r, 8, "segments");
    P->segments = r_alloc(r, P->nsegments * sizeof *P->segments);
    for (uint32_t i = 0; i < P->nsegments && !r->failed; i++) {
        cr_segment_info *s = &P->segments[i];
        s->name = r_name(r);
        s->nrows = r_count(r, 12, "segment rows");
        s->labels = r_alloc(r, s->nrows * sizeof *s->labels);
        s->row_spans = r_alloc(r, s->nrows * sizeof *s->row_spans);
        for (uint32_t k = 0; s->row_spans && k < s->nrows && !r->failed; k++) {
            s->labels[k] = r_name(r);
            s->row_spans[k] = r_span(r);
        }
    }
    return !r->failed;
}

static bool r_tables(rd *r)
{
    cr_program *P = r->P;
    r->what = "the tables";
    P->ntables = r_count(r, 14, "tables");
    P->tables = r_alloc(r, P->ntables * sizeof *P->tables);
    for (uint32_t i = 0; i < P->ntables && !r->failed; i++) {
        cr_table_info *t = &P->tables[i];
        t->name = r_name(r);
        t->hit = (uint8_t)r_u8(r);
        t->collect = (uint8_t)r_u8(r);
        t->out = r_node(r, r->nnodes, NODE_TYPE, true);
        t->nrows = r_count(r, 8, "table rows");
        t->row_spans = r_alloc(r, t->nrows * sizeof *t->row_spans);
        for (uint32_t k = 0; t->row_spans && k < t->nrows; k++)
            t->row_spans[k] = r_span(r);
        if (r->failed)
            return false;
        if (t->hit > HIT_OUTPUT_ORDER || t->collect > COLLECT_COUNT)
            return fail(r, "table %s has hit policy %u and collect %u, which do not exist", t->name, t->hit, t->collect);
    }
    r->what = "the decide rows";
    P->ndecide = r_count(r, 8, "decide rows");
    P->decide_spans = r_alloc(r, P->ndecide * sizeof *P->decide_spans);
    for (uint32_t i = 0; P->decide_spans && i < P->ndecide; i++)
        P->decide_spans[i] = r_span(r);
    return !r->failed;
}

/* ---- regular expressions and the last numbers ---- */

static bool r_regex(rd *r)
{
    cr_program *P = r->P;
    r->what = "the regular expressions";
    uint32_t n = r_count(r, 4, "regular expressions");
    P->regex = r_alloc(r, n * sizeof *P->regex);
    P->regex_src = r_alloc(r, n * sizeof *P->regex_src);
    P->regex_len = r_alloc(r, n * sizeof *P->regex_len);
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        uint32_t len = 0;
        const char *pat = r_str_len(r, false, &len);
        if (!pat)
            return false;
        int code;
        PCRE2_SIZE off;
        /* the flags lang/sema.c compiles with, so matching is the same */
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, len, PCRE2_UTF | PCRE2_DOLLAR_ENDONLY, &code, &off, NULL);
        if (!re) {
            char msg[160];
            pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
            return fail(r, "regular expression %u /%.60s/ does not compile: %s", i, pat, msg);
        }
        pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* a failure just means no JIT */
        P->regex[i] = re;
        P->regex_src[i] = pat;
        P->regex_len[i] = len;
        P->nregex = i + 1; /* cr_program_free frees what is compiled so far */
    }
    return !r->failed;
}

/* ---- lookups ---- */

/* Is t what a lookup's row is: an optional record of int, number, text,
 * bool and date columns (the values r_cell can read)? */
static bool lookup_row_ok(const cr_type *t)
{
    if (!t || t->kind != CR_T_RECORD || !t->optional || !t->rec)
        return false;
    for (uint32_t f = 0; f < t->rec->nfields; f++) {
        cr_kind k = t->rec->fields[f].type->kind;
        if (k != CR_T_INT && k != CR_T_DEC && k != CR_T_TEXT && k != CR_T_BOOL && k != CR_T_DATE)
            return false;
    }
    return true;
}

static uint8_t tag_of(cr_kind k)
{
    switch (k) {
    case CR_T_INT: return CR_INT;
    case CR_T_DEC: return CR_DEC;
    case CR_T_BOOL: return CR_BOOL;
    case CR_T_DATE: return CR_DATE;
    default: return CR_TEXT;
    }
}

/* One cell of lookup `name` (or its key, t text): a value of t, or null
 * when t is optional. */
static bool r_cell(rd *r, const cr_type *t, cr_value *v, const char *name, uint32_t row)
{
    size_t at = offset(r);
    uint32_t tag = r_u8(r);
    memset(v, 0, sizeof *v);
    if (r->failed)
        return false;
    if (tag != tag_of(t->kind) && !(tag == CR_NULL && t->optional))
        return fail(r, "lookup %s row %u holds a value of tag %u in a column of type %s (byte %zu)", name, row, tag,
                    t->spelling ? t->spelling : "?", at);
    v->tag = (uint8_t)tag;
    switch (tag) {
    case CR_NULL: break;
    case CR_BOOL: v->u.b = r_bool(r, "a bool cell"); break;
    case CR_INT: v->u.i = r_i64(r); break;
    case CR_DATE:
        v->u.i = r_i64(r);
        if (!r->failed && !valid_day(v->u.i))
            return fail(r, "lookup %s row %u holds day %lld, not a date between years 1 and 9999 (byte %zu)", name, row,
                        (long long)v->u.i, at);
        break;
    case CR_DEC: {
        uint32_t scale = r_u8(r);
        uint64_t lo = r_uint(r, 8), hi = r_uint(r, 8);
        cr_i128 coef = (cr_i128)(((unsigned __int128)hi << 64) | lo);
        if (!r->failed && !dec_ok(coef, scale))
            return fail(r, "lookup %s row %u holds a decimal with scale %u or more than 38 digits (byte %zu)", name, row,
                        scale, at);
        v->scale = (uint8_t)scale;
        v->u.coef = coef;
        break;
    }
    default: { /* CR_TEXT: any UTF-8, NUL included, as the CSV or database had it */
        uint32_t n = r_u32(r);
        if (!need(r, n))
            return false;
        if (cr_utf8_invalid_at(r->p, n) < n)
            return fail(r, "lookup %s row %u holds a text that is not valid UTF-8 (byte %zu)", name, row, at);
        char *s = cr_arena_strndup(&r->P->arena, (const char *)r->p, n);
        if (!s)
            return fail(r, "out of memory reading %s", r->what);
        r->p += n;
        v->len = n;
        v->u.s = s;
    }
    }
    return !r->failed;
}

/* A lookup's rows, and the index built over their keys (a file's
 * duplicate key is refused: one key, one row). */
static bool r_lookup_rows(rd *r, cr_lookup_info *lk)
{
    static const cr_type key_type = {CR_T_TEXT, false, "text", NULL, NULL, NULL};
    uint32_t nf = lk->row->rec->nfields;
    lk->nrows = r_count(r, 5 + (size_t)nf, "lookup rows");
    cr_value *keys = r_alloc(r, lk->nrows * sizeof *keys);
    cr_value *rows = r_alloc(r, lk->nrows * sizeof *rows);
    cr_value *cells = r_alloc(r, (size_t)lk->nrows * nf * sizeof *cells);
    for (uint32_t i = 0; cells && i < lk->nrows && !r->failed; i++) {
        r_cell(r, &key_type, &keys[i], lk->name, i + 1);
        for (uint32_t f = 0; f < nf && !r->failed; f++)
            r_cell(r, lk->row->rec->fields[f].type, &cells[(size_t)i * nf + f], lk->name, i + 1);
        rows[i].tag = CR_RECORD;
        rows[i].len = nf;
        rows[i].u.items = &cells[(size_t)i * nf];
    }
    if (r->failed)
        return false;
    lk->keys = keys;
    lk->rows = rows;
    uint32_t a = 0, b = 0;
    switch (cr_lookup_index(lk, &r->P->arena, &a, &b)) {
    case CR_LOOKUP_INDEX_OK: return true;
    case CR_LOOKUP_INDEX_OOM: return fail(r, "out of memory reading %s", r->what);
    default:
        return fail(r, "lookup %s has rows %u and %u with one key, %.*s", lk->name, a + 1, b + 1, (int)keys[a].len,
                    keys[a].u.s);
    }
}

static bool r_lookup(rd *r, cr_lookup_info *lk)
{
    lk->name = r_name(r);
    lk->source = (uint8_t)r_u8(r);
    lk->path = r_str(r, false);
    lk->table = r_str(r, true);
    lk->key = r_name(r);
    if (!need(r, 32))
        return false;
    cr_sha256_hex(r->p, lk->sha256);
    r->p += 32;
    lk->row = r_node(r, r->nnodes, NODE_TYPE, false);
    lk->span = r_span(r);
    if (r->failed)
        return false;
    if (lk->source > LOOKUP_SQLITE || (lk->source == LOOKUP_SQLITE) != (lk->table != NULL))
        return fail(r, "lookup %s has source %u %s a table", lk->name, lk->source, lk->table ? "with" : "without");
    if (!lookup_row_ok(lk->row))
        return fail(r, "lookup %s: its rows are not of an optional record of int, number, text, bool and date columns",
                    lk->name);
    return r_lookup_rows(r, lk);
}

static bool r_lookups(rd *r)
{
    cr_program *P = r->P;
    r->what = "the lookups";
    P->nlookups = r_count(r, 64, "lookups");
    P->lookups = r_alloc(r, P->nlookups * sizeof *P->lookups);
    for (uint32_t i = 0; P->lookups && i < P->nlookups && !r->failed; i++)
        r_lookup(r, &P->lookups[i]);
    return !r->failed;
}

static bool r_tail(rd *r)
{
    cr_program *P = r->P;
    r->what = "the program's sizes";
    P->nlocals = r_u32(r);
    P->max_stack = r_u32(r);
    P->max_table_rows = r_u32(r);
    P->has_decide = r_bool(r, "has_decide");
    if (r->failed)
        return false;
    if (r->p != r->end)
        return fail(r, "the program ends at byte %zu but the file goes on for %zu more byte%s", offset(r), left(r),
                    left(r) == 1 ? "" : "s");
    return true;
}

/* What the VM sizes from these numbers, and the regexes constants name. */
static bool cross_check(rd *r)
{
    cr_program *P = r->P;
    if (P->nlocals > MAX_LOCALS)
        return fail(r, "the program has %u locals; at most %u are allowed", P->nlocals, MAX_LOCALS);
    uint32_t rows = 0;
    for (uint32_t i = 0; i < P->ntables; i++)
        if (P->tables[i].nrows > rows)
            rows = P->tables[i].nrows;
    if (P->max_table_rows != rows)
        return fail(r, "max_table_rows is %u but the largest table has %u rows", P->max_table_rows, rows);
    if ((uint64_t)P->ntables * rows > MAX_TABLE_CELLS)
        return fail(r, "%u tables of up to %u rows are more than a session can hold", P->ntables, rows);
    for (uint32_t i = 0; i < P->ncharacs; i++)
        if (P->characs[i].src_kind == CHARAC_SRC_LET && P->characs[i].src_index >= P->nlets)
            return fail(r, "characteristic %s takes its value from let %u, past the end (%u lets)",
                        P->characs[i].name, P->characs[i].src_index, P->nlets);
    for (uint32_t i = 0; i < P->nconsts; i++)
        if (P->consts[i].tag == CR_REGEX && (uint64_t)P->consts[i].u.i >= P->nregex)
            return fail(r, "constant %u names regular expression %lld, past the end (%u)", i,
                        (long long)P->consts[i].u.i, P->nregex);
    return true;
}

/* The magic and the format version, before the seal: an old or foreign
 * file is told apart from a changed one. */
static bool r_magic_version(rd *r)
{
    size_t len = left(r);
    if (len < CR_CREDOC_MAGIC_LEN || memcmp(r->p, CR_CREDOC_MAGIC, CR_CREDOC_MAGIC_LEN) != 0)
        return r_header(r); /* says what is wrong with the start */
    if (len < CR_CREDOC_MAGIC_LEN + 2)
        return fail(r, "truncated: %zu bytes, not even the format version", len);
    uint32_t version = (uint32_t)r->p[CR_CREDOC_MAGIC_LEN] | (uint32_t)r->p[CR_CREDOC_MAGIC_LEN + 1] << 8;
    if (version != CR_CREDOC_VERSION)
        return fail(r, "format version %u; this credo reads version %u%s", version, CR_CREDOC_VERSION,
                    version < CR_CREDOC_VERSION ? " (older files carry no seal: compile the policy again)" : "");
    return true;
}

/* The seal (credoc.h): the content must hash to it and every signature
 * must verify, before any of the content is read; with a trust list, one
 * signature must be by a trusted key.  Leaves r->end at the content's end. */
static bool r_seal(rd *r, const cr_credoc_trust *trust)
{
    size_t len = left(r), min = CR_CREDOC_MAGIC_LEN + 2 + CR_SHA256_LEN + 1;
    if (len < min)
        return fail(r, "truncated: %zu bytes, too few for a sealed compiled policy", len);
    uint32_t k = r->end[-1];
    size_t seal = CR_SHA256_LEN + (size_t)k * SIGNATURE_LEN + 1;
    if (len - min < (size_t)k * SIGNATURE_LEN)
        return fail(r, "truncated or changed: its last byte says it carries %u signature%s, more than its %zu bytes "
                       "can hold", k, k == 1 ? "" : "s", len);
    const uint8_t *content_end = r->end - seal;
    uint8_t digest[CR_SHA256_LEN];
    cr_sha256(r->base, (size_t)(content_end - r->base), digest);
    if (memcmp(digest, content_end, CR_SHA256_LEN) != 0)
        return fail(r, "the file was changed after it was compiled: its content does not match the SHA-256 it "
                       "carries (or it was cut short)");
    uint8_t msg[SEAL_DOMAIN_LEN + CR_SHA256_LEN];
    seal_message(digest, msg);
    const uint8_t *sig = content_end + CR_SHA256_LEN;
    char id[CR_ED25519_ID_LEN + 1], trusted[CR_ED25519_ID_LEN + 1] = "";
    char signers[4 * (CR_ED25519_ID_LEN + 2)] = "";
    for (uint32_t i = 0; i < k; i++, sig += SIGNATURE_LEN) {
        cr_ed25519_id(sig, id);
        if (!cr_ed25519_verify(sig, msg, sizeof msg, sig + CR_ED25519_KEY_LEN))
            return fail(r, "signature %u (key %s) does not verify: the file was changed after it was signed", i + 1,
                        id);
        if (strlen(signers) + strlen(id) + 3 < sizeof signers)
            snprintf(signers + strlen(signers), sizeof signers - strlen(signers), "%s%s", i ? ", " : "", id);
        for (uint32_t t = 0; trust && t < trust->nkeys && !trusted[0]; t++)
            if (memcmp(trust->keys[t].pub, sig, CR_ED25519_KEY_LEN) == 0)
                memcpy(trusted, id, sizeof trusted);
    }
    if (trust && trust->nkeys && !trusted[0]) {
        char want[4 * (CR_ED25519_ID_LEN + 2)] = "";
        for (uint32_t t = 0; t < trust->nkeys && strlen(want) + CR_ED25519_ID_LEN + 3 < sizeof want; t++) {
            cr_ed25519_id(trust->keys[t].pub, id);
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", t ? ", " : "", id);
        }
        return fail(r, "not signed by a trusted key (signed by: %s; trusted: %s)", k ? signers : "nobody", want);
    }
    memcpy(r->P->signed_by, trusted, sizeof trusted);
    r->end = content_end;
    return true;
}

cr_program *cr_credoc_read(const void *data, size_t len, const cr_credoc_trust *trust, char *err, size_t errsize)
{
    if (errsize)
        err[0] = '\0';
    cr_program *P = calloc(1, sizeof *P);
    if (!P) {
        snprintf(err, errsize, "credoc: out of memory");
        return NULL;
    }
    cr_arena_init(&P->arena, 64 * 1024, 0);
    rd r;
    memset(&r, 0, sizeof r);
    r.base = r.p = data ? data : (const void *)"";
    r.end = r.base + (data ? len : 0);
    r.P = P;
    r.err = err;
    r.errsize = errsize;
    r.what = "the header";
    bool ok = r_magic_version(&r) && r_seal(&r, trust) && r_header(&r) && r_graph(&r) && r_code(&r) && r_lets(&r) && r_rules(&r) && r_scorecards(&r) &&
              r_segments(&r) && r_tables(&r) && r_regex(&r) && r_lookups(&r) && r_tail(&r) && cross_check(&r) &&
              cr_program_verify(P, err, errsize);
    if (ok && !cr_program_identity(P)) {
        snprintf(err, errsize, "credoc: out of memory");
        ok = false;
    }
    if (!ok) {
        if (!r.failed && errsize && !err[0])
            snprintf(err, errsize, "credoc: the program does not verify");
        cr_program_free(P);
        return NULL;
    }
    return P;
}
