/* The type of every value a policy handles (types.h): the built-in
 * types, records with their field index, and the names of types in
 * messages.  Calls only runtime/core/hash.h. */
#include "lang/types.h"

#include <stdio.h>
#include <string.h>

#include "runtime/core/hash.h"

bool cr_record_build_index(cr_record *r, void *(*alloc)(void *ctx, size_t n), void *ctx)
{
    uint32_t cap = 8;
    while (cap < r->nfields * 2u)
        cap *= 2;
    r->index = alloc(ctx, cap * sizeof *r->index);
    if (!r->index)
        return false;
    for (uint32_t i = 0; i < cap; i++)
        r->index[i] = -1;
    r->index_mask = cap - 1;
    for (uint32_t f = 0; f < r->nfields; f++) {
        uint32_t h = cr_hash_bytes(r->fields[f].name, r->fields[f].len) & r->index_mask;
        while (r->index[h] >= 0)
            h = (h + 1) & r->index_mask;
        r->index[h] = (int32_t)f;
    }
    return true;
}

int cr_record_find(const cr_record *r, const char *name, size_t len)
{
    if (!r->index)
        return -1;
    uint32_t h = cr_hash_bytes(name, len) & r->index_mask;
    for (;;) {
        int32_t f = r->index[h];
        if (f < 0)
            return -1;
        const cr_field *fd = &r->fields[f];
        if (fd->len == len && memcmp(fd->name, name, len) == 0)
            return f;
        h = (h + 1) & r->index_mask;
    }
}

int cr_type_value_index(const cr_type *t, const char *s, size_t n)
{
    if (t->kind != CR_T_TEXT || !t->labels)
        return 0;
    for (uint32_t i = 0; i < t->labels->count; i++)
        if (strlen(t->labels->names[i]) == n && memcmp(t->labels->names[i], s, n) == 0)
            return (int)i;
    return -1;
}

const char *cr_type_values_text(const cr_type *t, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = 0;
    for (uint32_t i = 0; t->labels && i < t->labels->count && at < size; i++) {
        int w = snprintf(buf + at, size - at, "%s\"%s\"", i ? ", " : "", t->labels->names[i]);
        if (w < 0 || (size_t)w >= size - at) {
            snprintf(buf + (size > 4 ? size - 4 : 0), size > 4 ? 4 : size, "...");
            break;
        }
        at += (size_t)w;
    }
    return buf;
}

const char *cr_type_name(const cr_type *t, char *buf, size_t size)
{
    char inner[128];
    const char *q = t->optional ? "?" : "";
    switch (t->kind) {
    case CR_T_ERROR: snprintf(buf, size, "<error>"); break;
    case CR_T_NULL: snprintf(buf, size, "null"); break;
    case CR_T_BOOL: snprintf(buf, size, "bool%s", q); break;
    case CR_T_INT: snprintf(buf, size, "int%s", q); break;
    case CR_T_DEC: snprintf(buf, size, "%s%s", t->spelling ? t->spelling : "number", q); break;
    case CR_T_TEXT: snprintf(buf, size, "text%s", q); break;
    case CR_T_DATE: snprintf(buf, size, "date%s", q); break;
    case CR_T_REGEX: snprintf(buf, size, "regex"); break;
    case CR_T_LIST:   /* an optional list is written as a policy writes it */
        snprintf(buf, size, "%slist of %s%s", *q ? "(" : "", cr_type_name(t->elem, inner, sizeof inner), *q ? ")?" : "");
        break;
    case CR_T_SET:
        snprintf(buf, size, "set of %s", cr_type_name(t->elem, inner, sizeof inner));
        break;
    case CR_T_RECORD: snprintf(buf, size, "record %s%s", t->rec->name, q); break;
    case CR_T_LABEL: snprintf(buf, size, "%s label%s", t->labels->name, q); break;
    }
    return buf;
}
