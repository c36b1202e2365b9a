/* Reads one application line into input slots; see json_read.h.
 *
 * A recursive-descent scanner over [line, line + len): every read is
 * bounds-checked against the end pointer (the line is not NUL terminated),
 * recursion is bounded by limits->max_depth, and all memory comes from the
 * arena.  Errors come in two strengths:
 *   - a syntax error (or running out of arena) stops the scan at once;
 *   - a field error (wrong type, bad text, ...) is recorded and the scan goes
 *     on validating without storing, so a later "app_id" is still captured.
 * The first error recorded is the one reported. */
#include "runtime/io/json_read.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runtime/core/check.h"
#include "runtime/core/date.h"
#include "runtime/core/utf8.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#if defined(__GNUC__)
#define CR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CR_PRINTF(f, a)
#endif

/* A slot's tag while its member has not been seen: lets a slot double as
 * the "given" flag, so duplicates and missing fields need no bitset. */
#define UNSEEN 0xFF

/* Numbers and dates quoted in messages are cut to this many bytes. */
#define QUOTE_MAX 40

/* JSON kinds, named as messages name them. */
enum { J_NULL, J_BOOL, J_NUMBER, J_TEXT, J_LIST, J_OBJECT };
static const char *const kind_name[] = {"null", "bool", "number", "text", "list", "object"};

/* Where a value sits, for messages: a chain of frames on the C stack,
 * turned into text only when an error is reported. */
typedef struct jpath {
    const struct jpath *up;
    const char *key;   /* member name, or NULL for a list item */
    size_t len;        /* name bytes, or the item's index */
} jpath;

typedef struct jr {
    const char *line, *p, *end;
    cr_arena *arena;
    cr_json_limits lim;
    cr_json_result *res;
    bool failed;   /* an error is recorded: validate only, store nothing */
    bool str_esc;  /* the last string scanned has escapes */
    bool str_bad;  /* the last string scanned has a content error: */
    const char *bad_at, *bad_what; /* its first, and what is wrong */
    const char *id_key;      /* the top-level member captured as the application's id */
    size_t id_key_len;
} jr;

/* ---- errors ---------------------------------------------------------- */

/* Writes the path root first ("owners[2].name") into buf.  Built from the
 * leaf backwards, so no recursion; a path too long loses its head to "...". */
static void path_text(const jpath *path, char *buf, size_t size)
{
    char *end = buf + size - 1, *q = end;
    *q = '\0';
    for (const jpath *f = path; f; f = f->up) {
        char seg[32];
        const char *s = f->key;
        size_t n = f->len;
        if (!s) {
            n = (size_t)snprintf(seg, sizeof seg, "[%zu]", f->len);
            s = seg;
        }
        size_t dot = f->key && f->up;
        if ((size_t)(q - buf) < n + dot + 3) {
            q += *q == '.'; /* "...name", not "....name" */
            q -= 3;
            CR_ASSERT(q >= buf);
            memcpy(q, "...", 3);
            break;
        }
        q -= n;
        memcpy(q, s, n);
        if (dot)
            *--q = '.';
        CR_ASSERT(q - buf >= 3); /* room left for "..." */
    }
    memmove(buf, q, (size_t)(end - q) + 1);
}

static void verror(jr *j, const char *prefix, const char *fmt, va_list ap)
{
    char *e = j->res->error;
    size_t size = sizeof j->res->error;
    int n = snprintf(e, size, "%s", prefix);
    if (n >= 0 && (size_t)n < size)
        vsnprintf(e + n, size - (size_t)n, fmt, ap);
}

/* Records a field error (if it is the first) and lets the scan go on. */
CR_PRINTF(3, 4)
static void field_error(jr *j, const jpath *path, const char *fmt, ...)
{
    if (j->failed)
        return;
    j->failed = true;
    char prefix[192];
    path_text(path, prefix, sizeof prefix - 2);
    strcat(prefix, ": ");
    va_list ap;
    va_start(ap, fmt);
    verror(j, prefix, fmt, ap);
    va_end(ap);
}

/* Records a syntax error at `at` (if it is the first); returns -1 so that
 * callers can stop with `return syntax(...)`. */
CR_PRINTF(3, 4)
static int syntax(jr *j, const char *at, const char *fmt, ...)
{
    if (j->failed)
        return -1;
    j->failed = true;
    char prefix[48];
    snprintf(prefix, sizeof prefix, "json: byte %zu: ", (size_t)(at - j->line));
    va_list ap;
    va_start(ap, fmt);
    verror(j, prefix, fmt, ap);
    va_end(ap);
    return -1;
}

/* A syntax error where something was expected: at the end of the line it
 * says so rather than naming what was missing. */
static int expected(jr *j, const char *at, const char *what)
{
    if (at >= j->end)
        return syntax(j, j->end, "unexpected end of line");
    return syntax(j, at, "%s", what);
}

static int oom(jr *j)
{
    if (!j->failed && j->arena->limit)
        snprintf(j->res->error, sizeof j->res->error, "json: out of memory for this application (limit %zu bytes)",
                 j->arena->limit);
    else if (!j->failed)
        snprintf(j->res->error, sizeof j->res->error, "json: out of memory for this application");
    j->failed = true;
    return -1;
}

/* How many bytes of s[0..n) to quote in a message: at most QUOTE_MAX, not
 * splitting a UTF-8 sequence. */
static int quote_len(const char *s, size_t n)
{
    if (n <= QUOTE_MAX)
        return (int)n;
    size_t k = QUOTE_MAX;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    return (int)k;
}

/* ---- lexical pieces --------------------------------------------------- */

static inline const char *skip_ws(const char *p, const char *end)
{
    CR_ASSERT(p <= end);
    /* most lines have no white space between tokens */
    if (p < end && (unsigned char)*p > ' ')
        return p;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static inline bool is_digit(char c) { return (unsigned char)(c - '0') < 10; }

/* Byte classes inside a string; the table keeps the common case (plain
 * ASCII) to one load and compare per byte. */
enum { S_PLAIN, S_QUOTE, S_ESC, S_CTRL, S_HIGH };
#define R16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
static const uint8_t str_class[256] = {
    R16(S_CTRL), R16(S_CTRL),
    0, 0, S_QUOTE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20 */
    R16(0), R16(0),
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, S_ESC, 0, 0, 0,   /* 0x50 */
    R16(0), R16(0),
    R16(S_HIGH), R16(S_HIGH), R16(S_HIGH), R16(S_HIGH),
    R16(S_HIGH), R16(S_HIGH), R16(S_HIGH), R16(S_HIGH),
};
#undef R16

static bool hex4(const unsigned char *p, const unsigned char *end, uint32_t *out)
{
    if (end - p < 4)
        return false;
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned c = p[k], d;
        if (c - '0' < 10)
            d = c - '0';
        else if ((c | 0x20) - 'a' < 6)
            d = (c | 0x20) - 'a' + 10;
        else
            return false;
        v = v << 4 | d;
    }
    *out = v;
    return true;
}

enum { ESC_BAD = -1, ESC_SURROGATE = -2 };

/* The escape at p (a backslash): its length in bytes and *cp its code
 * point (a surrogate pair is joined), or ESC_BAD / ESC_SURROGATE. */
static int escape_at(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
    if (end - p < 2)
        return ESC_BAD;
    switch (p[1]) {
    case '"': *cp = '"'; return 2;
    case '\\': *cp = '\\'; return 2;
    case '/': *cp = '/'; return 2;
    case 'b': *cp = '\b'; return 2;
    case 'f': *cp = '\f'; return 2;
    case 'n': *cp = '\n'; return 2;
    case 'r': *cp = '\r'; return 2;
    case 't': *cp = '\t'; return 2;
    case 'u': break;
    default: return ESC_BAD;
    }
    uint32_t hi, lo;
    if (!hex4(p + 2, end, &hi))
        return ESC_BAD;
    if (hi < 0xD800 || hi > 0xDFFF) {
        *cp = hi;
        return 6;
    }
    if (hi >= 0xDC00 || end - p < 12 || p[6] != '\\' || p[7] != 'u' || !hex4(p + 8, end, &lo) ||
        lo < 0xDC00 || lo > 0xDFFF)
        return ESC_SURROGATE;
    *cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    return 12;
}

/* Scans the string whose opening quote is at j->p, leaving j->p after its
 * closing quote and setting j->str_esc and j->str_bad.  Checks UTF-8,
 * control characters and escapes; the first fault is kept in j->bad_at and
 * j->bad_what for the caller to report, once the string is known to be
 * closed (a line cut off inside a string is reported as that instead).
 * Decoding is left to decode(), which only strings with escapes need.  -1
 * on a syntax error. */
static int scan_string(jr *j)
{
    const unsigned char *p = (const unsigned char *)j->p + 1;
    const unsigned char *end = (const unsigned char *)j->end;
    const unsigned char *bad_at = NULL;
    const char *bad_what = NULL;
    bool esc = false;
    for (;;) {
#ifdef __SSE2__
        /* 16 bytes at a time: a quote, a backslash, a control character
         * or a byte of 0x80 and up (negative as a signed byte, so below
         * 0x20 too) ends the plain run. */
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                        _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                                           _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
            unsigned mask = (unsigned)_mm_movemask_epi8(special);
            if (mask) {
                p += __builtin_ctz(mask);
                break;
            }
            p += 16;
        }
#endif
        while (p < end && str_class[*p] == S_PLAIN)
            p++;
        if (p == end)
            return syntax(j, j->end, "unexpected end of line");
        const char *what = NULL;
        int k;
        switch (str_class[*p]) {
        case S_QUOTE:
            j->p = (const char *)p + 1;
            j->str_esc = esc;
            j->str_bad = bad_at != NULL;
            j->bad_at = (const char *)bad_at;
            j->bad_what = bad_what;
            return 0;
        case S_ESC: {
            uint32_t cp;
            esc = true;
            k = escape_at(p, end, &cp);
            if (k < 0) {
                what = k == ESC_BAD ? "invalid escape" : "unpaired surrogate";
                /* Step over the backslash and the byte it escapes, so an
                 * escaped quote does not end the string. */
                k = end - p >= 2 ? 2 : 1;
            }
            break;
        }
        case S_CTRL:
            what = "unescaped control character";
            k = 1;
            break;
        default:
            k = (int)cr_utf8_seq_len(p, (size_t)(end - p));
            if (k == 0) {
                what = "invalid UTF-8";
                k = 1;
            }
            break;
        }
        if (what && !bad_at) {
            bad_at = p;
            bad_what = what;
        }
        p += k;
        CR_ASSERT(p <= end);
    }
}

static size_t put_utf8(unsigned char *q, uint32_t cp)
{
    if (cp < 0x80) {
        q[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        q[0] = (unsigned char)(0xC0 | cp >> 6);
        q[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        q[0] = (unsigned char)(0xE0 | cp >> 12);
        q[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        q[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    q[0] = (unsigned char)(0xF0 | cp >> 18);
    q[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    q[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    q[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes the body raw[0..n) of a string scan_string found well formed into
 * the arena.  Every escape is at least as long as its UTF-8, so n bytes
 * always suffice.  NULL when the arena is full. */
static const char *decode(jr *j, const char *raw, size_t n, size_t *out_len)
{
    unsigned char *out = cr_arena_alloc(j->arena, n);
    if (!out)
        return NULL;
    const unsigned char *p = (const unsigned char *)raw, *end = p + n;
    unsigned char *q = out;
    while (p < end) {
        const unsigned char *b = memchr(p, '\\', (size_t)(end - p));
        if (!b)
            b = end;
        memcpy(q, p, (size_t)(b - p));
        q += b - p;
        p = b;
        if (p < end) {
            uint32_t cp;
            int k = escape_at(p, end, &cp);
            CR_ASSERT(k > 0); /* scan_string found every escape well formed */
            p += k;
            q += put_utf8(q, cp);
            /* an escape is at least as long as its UTF-8: n bytes suffice */
            CR_ASSERT(q - out <= p - (const unsigned char *)raw && p <= end);
        }
    }
    *out_len = (size_t)(q - out);
    return (const char *)out;
}

/* Scans the number at j->p (JSON grammar, strictly); *nfrac gets the
 * number of fraction digits, or -1 when there is an exponent.  On the way
 * *digits gets the value of all its digits, the point ignored, modulo
 * 2^64: exact when there are at most 18 of them (store_number). */
static int scan_number(jr *j, int *nfrac, uint64_t *digits)
{
    const char *p = j->p, *end = j->end;
    uint64_t v = 0;
    if (*p == '-')
        p++;
    if (p == end || !is_digit(*p))
        return expected(j, p, "invalid number");
    if (*p == '0')
        p++;
    else
        while (p < end && is_digit(*p))
            v = v * 10 + (uint64_t)(*p++ - '0');
    *nfrac = 0;
    if (p < end && *p == '.') {
        const char *f = ++p;
        if (p == end || !is_digit(*p))
            return expected(j, p, "invalid number");
        while (p < end && is_digit(*p))
            v = v * 10 + (uint64_t)(*p++ - '0');
        *nfrac = p - f > 99 ? 99 : (int)(p - f);
    }
    *digits = v;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p == end || !is_digit(*p))
            return expected(j, p, "invalid number");
        while (p < end && is_digit(*p))
            p++;
        *nfrac = -1;
    }
    CR_ASSERT(p <= end);
    j->p = p;
    return 0;
}

static int scan_literal(jr *j, const char *word, size_t n)
{
    size_t room = (size_t)(j->end - j->p), m = room < n ? room : n;
    if (memcmp(j->p, word, m) != 0)
        return syntax(j, j->p, "expected a value");
    if (m < n)
        return syntax(j, j->end, "unexpected end of line");
    j->p += n;
    return 0;
}

/* ---- typed values ------------------------------------------------------ */

static bool accepts(const cr_type *t, int k)
{
    if (k == J_NULL)
        return t->optional;
    switch (t->kind) {
    case CR_T_BOOL: return k == J_BOOL;
    case CR_T_INT:
    case CR_T_DEC: return k == J_NUMBER;
    case CR_T_TEXT:
    case CR_T_DATE: return k == J_TEXT;
    case CR_T_LIST: return k == J_LIST;
    case CR_T_RECORD: return k == J_OBJECT;
    default: return false; /* not an input type */
    }
}

static void type_error(jr *j, const jpath *path, const cr_type *t, int k)
{
    CR_ASSERT(k >= J_NULL && k <= J_OBJECT);
    cr_type plain = *t; /* the field's type, named without its '?' */
    plain.optional = false;
    char name[128];
    field_error(j, path, "expected %s, got %s", cr_type_name(&plain, name, sizeof name), kind_name[k]);
}

/* Stores the number s[0..n), scanned by scan_number into nfrac and digits,
 * as an int or an exact decimal. */
static void store_number(jr *j, const cr_type *t, const char *s, size_t n, int nfrac, uint64_t digits,
                         cr_value *out, const jpath *path)
{
    /* The usual case, up to 18 digits and no exponent, fits an int64: the
     * value is the digits and the scale the fraction's length, exactly what
     * cr_dec_parse gives, without its general path. */
    bool neg = s[0] == '-';
    size_t ndigits = n - neg - (nfrac > 0);
    if (nfrac >= 0 && ndigits <= 18 && (t->kind == CR_T_DEC || nfrac == 0)) {
        CR_ASSERT(digits < 1000000000000000000u && nfrac <= CR_DEC_MAX_SCALE);
        int64_t v = (int64_t)digits; /* below 10^18 */
        if (neg)
            v = -v;
        /* Compound literals rather than value.h's constructors here and
         * for texts: gcc builds those in memory a byte at a time and copies
         * them out, a store-forwarding stall per value on the hot path. */
        if (t->kind == CR_T_INT)
            *out = (cr_value){.tag = CR_INT, .u.i = v};
        else
            *out = (cr_value){.tag = CR_DEC, .scale = (uint8_t)nfrac, .u.coef = v};
        return;
    }
    cr_dec d;
    cr_dec_status st = cr_dec_parse(s, n, &d);
    if (st == CR_DEC_OK && t->kind == CR_T_INT) {
        int64_t v;
        st = cr_dec_to_int(d, &v); /* 1.0 and 1e2 are integral, 5.5 is not */
        if (st == CR_DEC_OK) {
            *out = cr_int(v);
            return;
        }
    } else if (st == CR_DEC_OK) {
        *out = cr_decv(d);
        return;
    }
    int q = quote_len(s, n);
    const char *more = (size_t)q < n ? "..." : "";
    if (st == CR_DEC_OVERFLOW)
        field_error(j, path, "number %.*s%s is out of range", q, s, more);
    else if (st == CR_DEC_PRECISION && t->kind == CR_T_INT)
        field_error(j, path, "expected int, got number %.*s%s", q, s, more);
    else if (st == CR_DEC_PRECISION)
        field_error(j, path, "number %.*s%s has more than %d fractional digits", q, s, more,
                    CR_DEC_MAX_SCALE);
    else
        field_error(j, path, "number %.*s%s: %s", q, s, more, cr_dec_status_text(st));
}

/* Stores the string body raw[0..n) (just scanned, well formed) as a text
 * or a date. */
static int store_text(jr *j, const cr_type *t, const char *raw, size_t n, cr_value *out,
                      const jpath *path)
{
    const char *s = raw;
    size_t len = n;
    if (t->kind == CR_T_DATE) {
        int64_t days;
        /* A date is 10 bytes, at most 60 when every one is escaped: longer
         * escaped strings are not worth decoding to find that out. */
        if (j->str_esc && n <= 60 && !(s = decode(j, raw, n, &len)))
            return oom(j);
        if (cr_date_parse(s, len, &days)) {
            *out = cr_date(days);
        } else {
            int q = quote_len(raw, n);
            field_error(j, path, "expected a date YYYY-MM-DD, got \"%.*s%s\"", q, raw,
                        (size_t)q < n ? "..." : "");
        }
        return 0;
    }
    if (j->str_esc && !(s = decode(j, raw, n, &len)))
        return oom(j);
    if (len > j->lim.max_text) {
        field_error(j, path, "text is longer than %" PRIu32 " bytes", j->lim.max_text);
        return 0;
    }
    if (cr_type_value_index(t, s, len) < 0) { /* a field declared `one of {...}` */
        char vals[512];
        int q = quote_len(s, len);
        field_error(j, path, "\"%.*s%s\" is not one of %s", q, s, (size_t)q < len ? "..." : "",
                    cr_type_values_text(t, vals, sizeof vals));
        return 0;
    }
    *out = (cr_value){.tag = CR_TEXT, .len = (uint32_t)len, .u.s = s};
    return 0;
}

static int read_value(jr *j, const cr_type *t, cr_value *out, const jpath *path, uint32_t depth);

/* The object at j->p.  With rec, members are read into slots[0..nfields);
 * without, the object is only validated.  `top` marks the application
 * itself, whose "app_id" member is captured. */
static int read_object(jr *j, const cr_record *rec, cr_value *slots, const jpath *path, uint32_t depth,
                       bool top)
{
    if (depth > j->lim.max_depth)
        return syntax(j, j->p, "nested deeper than %" PRIu32, j->lim.max_depth);
    if (rec) /* the rest of an unseen slot is never read */
        for (uint32_t i = 0; i < rec->nfields; i++)
            slots[i].tag = UNSEEN;
    const char *end = j->end, *p = skip_ws(j->p + 1, end);
    uint32_t next = 0;   /* the field expected next */
    if (p < end && *p == '}') {
        j->p = p + 1;
    } else {
        const char *want_key = "expected a key or '}'";
        for (;;) {
            if (p == end || *p != '"')
                return expected(j, p, want_key);
            j->p = p;
            if (scan_string(j) < 0)
                return -1;
            if (j->str_bad) /* a key that cannot be looked up */
                return syntax(j, j->bad_at, "%s in a key", j->bad_what);
            const char *key = p + 1;
            size_t klen = (size_t)(j->p - 1 - key);
            if (j->str_esc && !(key = decode(j, key, klen, &klen)))
                return oom(j);
            p = skip_ws(j->p, end);
            if (p == end || *p != ':')
                return expected(j, p, "expected ':'");
            p = skip_ws(p + 1, end);
            j->p = p;

            jpath here = {path, key, klen};
            const cr_type *t = NULL;
            cr_value *slot = NULL;
            int f = -1;
            if (rec && !j->failed) {
                /* Producers write members in one order, most often the
                 * declared one: try the field after the last one found
                 * before hashing the key. */
                const cr_field *g = next < rec->nfields ? &rec->fields[next] : NULL;
                f = g && g->len == klen && cr_bytes_eq(g->name, key, (uint32_t)klen) ? (int)next
                                                                           : cr_record_find(rec, key, klen);
                if (f >= 0)
                    next = (uint32_t)f + 1;
                CR_ASSERT(f < (int)rec->nfields && next <= rec->nfields);
            }
            if (f >= 0) {
                if (slots[f].tag != UNSEEN)
                    field_error(j, &here, "given twice");
                else {
                    t = rec->fields[f].type;
                    slot = &slots[f];
                }
            }
            if (read_value(j, t, slot, &here, depth) < 0)
                return -1;
            if (top && klen == j->id_key_len && memcmp(key, j->id_key, klen) == 0 && !j->res->app_id) {
                /* Captured whatever its schema type, and even after a field
                 * error, so a rejection can still name the application. */
                const char *s = p;
                size_t n = (size_t)(j->p - p);
                if (slot && slot->tag == CR_TEXT) { /* already decoded */
                    s = slot->u.s;
                    n = slot->len;
                } else if (*p == '"' && !j->str_bad) {
                    s = p + 1;
                    n -= 2;
                    if (j->str_esc && !(s = decode(j, s, n, &n)))
                        return oom(j);
                } else if (*p != '-' && !is_digit(*p))
                    s = NULL;
                if (s && n <= UINT32_MAX) {
                    j->res->app_id = s;
                    j->res->app_id_len = (uint32_t)n;
                    j->res->app_id_number = *p != '"';
                }
            }
            p = skip_ws(j->p, end);
            if (p < end && *p == ',') {
                p = skip_ws(p + 1, end);
                want_key = "expected a key";
                continue;
            }
            if (p < end && *p == '}') {
                j->p = p + 1;
                break;
            }
            return expected(j, p, "expected ',' or '}'");
        }
    }
    if (rec) {
        for (uint32_t i = 0; i < rec->nfields; i++) {
            if (slots[i].tag != UNSEEN)
                continue;
            slots[i] = cr_null();
            if (!rec->fields[i].type->optional) {
                jpath here = {path, rec->fields[i].name, rec->fields[i].len};
                field_error(j, &here, "required field is missing");
            }
        }
    }
    return 0;
}

/* The array at j->p.  With elem, items are read into an arena array that
 * doubles as it fills (the count is not known before the ']'); without, the
 * array is only validated. */
static int read_list(jr *j, const cr_type *elem, cr_value *out, const jpath *path, uint32_t depth)
{
    if (depth > j->lim.max_depth)
        return syntax(j, j->p, "nested deeper than %" PRIu32, j->lim.max_depth);
    cr_value *items = NULL;
    size_t n = 0, cap = 0;
    const char *end = j->end, *p = skip_ws(j->p + 1, end);
    if (p < end && *p == ']') {
        j->p = p + 1;
    } else {
        for (;;) {
            j->p = p;
            cr_value *slot = NULL;
            if (elem && !j->failed) {
                if (n >= j->lim.max_list) {
                    field_error(j, path, "list has more than %" PRIu32 " items", j->lim.max_list);
                } else {
                    if (n == cap) {
                        size_t ncap = cap ? cap * 2 : 8;
                        if (ncap > j->lim.max_list)
                            ncap = j->lim.max_list;
                        cr_value *grown = cr_arena_alloc(j->arena, ncap * sizeof *grown);
                        if (!grown)
                            return oom(j);
                        if (n)
                            memcpy(grown, items, n * sizeof *items);
                        items = grown;
                        cap = ncap;
                    }
                    CR_ASSERT(n < cap && cap <= j->lim.max_list);
                    slot = &items[n];
                }
            }
            jpath here = {path, NULL, n};
            if (read_value(j, slot ? elem : NULL, slot, &here, depth) < 0)
                return -1;
            n++;
            p = skip_ws(j->p, end);
            if (p < end && *p == ',') {
                p = skip_ws(p + 1, end);
                continue;
            }
            if (p < end && *p == ']') {
                j->p = p + 1;
                break;
            }
            return expected(j, p, "expected ',' or ']'");
        }
    }
    if (elem && !j->failed)
        *out = cr_list(items, (uint32_t)n);
    return 0;
}

/* The value at j->p, read as type t into *out; with t NULL (an unknown
 * member, or anything after an error) it is only validated.  `depth` is
 * the nesting of the container holding the value. */
static int read_value(jr *j, const cr_type *t, cr_value *out, const jpath *path, uint32_t depth)
{
    const char *v = j->p;
    int k;
    CR_ASSERT(j->line <= v && v <= j->end);
    if (v == j->end)
        return syntax(j, v, "unexpected end of line");
    switch (*v) {
    case '"': k = J_TEXT; break;
    case '{': k = J_OBJECT; break;
    case '[': k = J_LIST; break;
    case 't': case 'f': k = J_BOOL; break;
    case 'n': k = J_NULL; break;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': k = J_NUMBER; break;
    default: return syntax(j, v, "expected a value");
    }
    if (j->failed)
        t = NULL;
    /* A scalar is scanned before its type is checked, so a malformed one is
     * a syntax error; a list or object of the wrong type is reported at
     * once and then only validated. */
    bool wrong = t && !accepts(t, k);
    switch (k) {
    case J_NULL:
    case J_BOOL: {
        bool b = *v == 't';
        const char *word = k == J_NULL ? "null" : b ? "true" : "false";
        if (scan_literal(j, word, strlen(word)) < 0)
            return -1;
        if (wrong)
            type_error(j, path, t, k);
        else if (t)
            *out = k == J_NULL ? cr_null() : cr_bool(b);
        return 0;
    }
    case J_NUMBER: {
        int nfrac = 0;
        uint64_t digits = 0;
        if (scan_number(j, &nfrac, &digits) < 0)
            return -1;
        if (wrong)
            type_error(j, path, t, k);
        else if (t)
            store_number(j, t, v, (size_t)(j->p - v), nfrac, digits, out, path);
        return 0;
    }
    case J_TEXT:
        if (scan_string(j) < 0)
            return -1;
        if (wrong) /* says more than a fault inside the text would */
            type_error(j, path, t, k);
        else if (j->str_bad)
            field_error(j, path, "%s at byte %zu", j->bad_what, (size_t)(j->bad_at - j->line));
        else if (t)
            return store_text(j, t, v + 1, (size_t)(j->p - v) - 2, out, path);
        return 0;
    case J_LIST:
        if (wrong) {
            type_error(j, path, t, k);
            t = NULL;
        }
        return read_list(j, t ? t->elem : NULL, out, path, depth + 1);
    default: { /* J_OBJECT */
        if (wrong) {
            type_error(j, path, t, k);
            t = NULL;
        }
        if (!t)
            return read_object(j, NULL, NULL, path, depth + 1, false);
        const cr_record *rec = t->rec;
        cr_value *slots = cr_arena_alloc(j->arena, rec->nfields * sizeof *slots);
        if (!slots)
            return oom(j);
        if (read_object(j, rec, slots, path, depth + 1, false) < 0)
            return -1;
        if (!j->failed) {
            cr_value r = {0};
            r.tag = CR_RECORD;
            r.len = rec->nfields;
            r.u.items = slots;
            *out = r;
        }
        return 0;
    }
    }
}

int cr_json_read(const cr_record *schema, const char *line, size_t len, cr_arena *arena,
                 const cr_json_limits *limits, cr_value *slots, cr_json_result *res)
{
    return cr_json_read_keyed(schema, NULL, line, len, arena, limits, slots, res);
}

int cr_json_read_keyed(const cr_record *schema, const char *id_key, const char *line, size_t len, cr_arena *arena,
                       const cr_json_limits *limits, cr_value *slots, cr_json_result *res)
{
    static const cr_json_limits defaults = CR_JSON_LIMITS_DEFAULT;
    if (!id_key)
        id_key = "app_id";
    res->app_id = NULL;
    res->app_id_len = 0;
    res->app_id_number = false;
    res->error[0] = '\0';
    if (!line)
        line = "";
    jr j = {.line = line, .p = line, .end = line + len, .arena = arena,
            .lim = limits ? *limits : defaults, .res = res, .id_key = id_key, .id_key_len = strlen(id_key)};
    if (j.lim.max_depth > CR_JSON_MAX_DEPTH)
        j.lim.max_depth = CR_JSON_MAX_DEPTH;
    if (j.lim.max_text > CR_JSON_MAX_TEXT)
        j.lim.max_text = CR_JSON_MAX_TEXT;
    if (j.lim.max_list > CR_JSON_MAX_LIST)
        j.lim.max_list = CR_JSON_MAX_LIST;
    const char *p = skip_ws(line, j.end);
    int rc;
    if (j.end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        rc = syntax(&j, p, "a byte order mark (U+FEFF) is not JSON; expected an object");
    } else if (p == j.end || *p != '{') {
        rc = syntax(&j, p, "expected an object");
    } else {
        j.p = p;
        rc = read_object(&j, schema, slots, NULL, 1, true);
        if (rc == 0) {
            p = skip_ws(j.p, j.end);
            if (p != j.end)
                rc = syntax(&j, p, "unexpected data after the object");
        }
    }
    if (rc < 0 || j.failed) {
        /* Leave no half-filled slots (or UNSEEN tags) behind. */
        for (uint32_t i = 0; i < schema->nfields; i++)
            slots[i] = cr_null();
        return -1;
    }
    return 0;
}
