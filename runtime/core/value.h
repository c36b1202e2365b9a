/* Run-time values: a small tagged union passed by value.
 *
 * Ownership: a value never owns what it points to.  Texts, lists and
 * records point into the application's input line, the session arena
 * (reset after each application) or the policy's constant pool (alive as
 * long as the policy).  Copying a value is copying the struct. */
#ifndef CREDO_VALUE_H
#define CREDO_VALUE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "runtime/core/decimal.h"

typedef enum cr_tag {
    CR_NULL = 0,
    CR_BOOL,
    CR_INT,
    CR_DEC,
    CR_TEXT,   /* UTF-8 bytes s[0..len), not NUL terminated */
    CR_DATE,   /* days since 1970-01-01 in i */
    CR_LIST,   /* items[0..len) */
    CR_RECORD, /* items[0..len) in the record type's field order */
    CR_SET,    /* constant set: items[0..len) sorted, see stdlib/list.c */
    CR_REGEX   /* index of a compiled pattern in the program */
} cr_tag;

typedef struct cr_value {
    uint8_t tag;
    uint8_t scale;  /* CR_DEC: fractional digits */
    uint32_t len;   /* CR_TEXT bytes, CR_LIST/CR_RECORD/CR_SET items */
    union {
        bool b;
        int64_t i;
        cr_i128 coef;  /* CR_DEC coefficient */
        const char *s;
        const struct cr_value *items;
    } u;
} cr_value;

/* Constructors.  Macros, not functions returning a value: GCC builds a
 * returned cr_value (a union with a 128-bit member) in a stack temporary
 * with byte stores and copies it out with wide loads, a store-forwarding
 * stall on every comparison result the VM pushes; a compound literal
 * assigned in place is stored straight to its destination.  Each argument
 * is evaluated once. */
#define cr_null() ((cr_value){.tag = CR_NULL})
#define cr_bool(b_) ((cr_value){.tag = CR_BOOL, .u.b = (b_)})
#define cr_int(i_) ((cr_value){.tag = CR_INT, .u.i = (i_)})
#define cr_date(days_) ((cr_value){.tag = CR_DATE, .u.i = (days_)})
#define cr_text(s_, len_) ((cr_value){.tag = CR_TEXT, .len = (len_), .u.s = (s_)})
#define cr_list(items_, len_) ((cr_value){.tag = CR_LIST, .len = (len_), .u.items = (items_)})
static inline cr_value cr_decv(cr_dec d)
{
    cr_value v = {0}; v.tag = CR_DEC; v.scale = (uint8_t)d.scale; v.u.coef = d.coef; return v;
}
/* A decimal stored in place, field by field (see the constructors above):
 * for results the VM and the arithmetic write on every decision. */
static inline void cr_put_dec(cr_value *out, cr_i128 coef, int scale)
{
    out->tag = CR_DEC;
    out->scale = (uint8_t)scale;
    out->len = 0;
    out->u.coef = coef;
}
/* memcmp's sign for n bytes; short texts (codes, grades, segment names:
 * most texts a policy compares) byte by byte, without the call. */
static inline int cr_bytes_cmp(const char *x, const char *y, uint32_t n)
{
    if (n > 16)
        return memcmp(x, y, n);
    for (uint32_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return (unsigned char)x[i] < (unsigned char)y[i] ? -1 : 1;
    return 0;
}
/* Whether x[0..n) == y[0..n): up to 3 bytes (grades, short codes) byte
 * by byte, 4 to 16 (keys, longer codes) by two loads from each that
 * overlap, within the n bytes; no call. */
static inline bool cr_bytes_eq(const char *x, const char *y, uint32_t n)
{
    if (n < 4) {
        for (uint32_t i = 0; i < n; i++)
            if (x[i] != y[i])
                return false;
        return true;
    }
    if (n < 8) {
        uint32_t a0, a1, b0, b1;
        memcpy(&a0, x, 4);
        memcpy(&b0, y, 4);
        memcpy(&a1, x + n - 4, 4);
        memcpy(&b1, y + n - 4, 4);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    if (n <= 16) {
        uint64_t a0, a1, b0, b1;
        memcpy(&a0, x, 8);
        memcpy(&b0, y, 8);
        memcpy(&a1, x + n - 8, 8);
        memcpy(&b1, y + n - 8, 8);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    return memcmp(x, y, n) == 0;
}
/* Two texts by their bytes: equal, and ordered (-1, 0, 1; a prefix comes
 * first).  Inline: the VM compares texts on its hot path. */
static inline bool cr_text_eq(const cr_value *a, const cr_value *b)
{
    return a->len == b->len && cr_bytes_eq(a->u.s, b->u.s, a->len);
}
static inline int cr_text_cmp(const cr_value *a, const cr_value *b)
{
    uint32_t n = a->len < b->len ? a->len : b->len;
    int c = cr_bytes_cmp(a->u.s, b->u.s, n);
    if (c)
        return c < 0 ? -1 : 1;
    return (a->len > b->len) - (a->len < b->len);
}

static inline cr_dec cr_value_dec(cr_value v)
{
    cr_dec d;
    if (v.tag == CR_INT) { d.coef = v.u.i; d.scale = 0; }
    else { d.coef = v.u.coef; d.scale = v.scale; }
    return d;
}

#endif
