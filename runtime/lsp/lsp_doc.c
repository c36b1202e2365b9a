/* The documents an editor has open, and positions: LSP counts lines from
 * 0 and characters in UTF-16 code units; the compiler counts bytes. */
#include <stdlib.h>
#include <string.h>

#include "runtime/lsp/lsp.h"

cr_lsp_doc *cr_lsp_doc_find(cr_lsp_docs *d, const char *uri)
{
    for (size_t i = 0; i < d->count; i++)
        if (strcmp(d->items[i].uri, uri) == 0)
            return &d->items[i];
    return NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* file:///a/b%20c.credo -> /a/b c.credo; any other scheme is kept as is. */
static char *uri_path(const char *uri)
{
    const char *p = strncmp(uri, "file://", 7) == 0 ? uri + 7 : uri;
    char *out = malloc(strlen(p) + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (; *p; p++) {
        if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            out[o++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
            p += 2;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    return out;
}

cr_lsp_doc *cr_lsp_doc_set(cr_lsp_docs *d, const char *uri, const char *text, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, text, len);
    copy[len] = '\0';
    cr_lsp_doc *doc = cr_lsp_doc_find(d, uri);
    if (!doc) {
        if (d->count == d->cap) {
            size_t cap = d->cap ? d->cap * 2 : 8;
            cr_lsp_doc *grown = realloc(d->items, cap * sizeof *grown);
            if (!grown) {
                free(copy);
                return NULL;
            }
            d->items = grown;
            d->cap = cap;
        }
        doc = &d->items[d->count];
        memset(doc, 0, sizeof *doc);
        doc->uri = strdup(uri);
        doc->path = uri_path(uri);
        if (!doc->uri || !doc->path) {
            free(doc->uri);
            free(doc->path);
            free(copy);
            return NULL;
        }
        d->count++;
    }
    free(doc->text);
    doc->text = copy;
    doc->len = len;
    return doc;
}

static void doc_free(cr_lsp_doc *doc)
{
    free(doc->uri);
    free(doc->path);
    free(doc->text);
}

void cr_lsp_doc_close(cr_lsp_docs *d, const char *uri)
{
    cr_lsp_doc *doc = cr_lsp_doc_find(d, uri);
    if (!doc)
        return;
    doc_free(doc);
    *doc = d->items[--d->count];
}

void cr_lsp_docs_free(cr_lsp_docs *d)
{
    for (size_t i = 0; i < d->count; i++)
        doc_free(&d->items[i]);
    free(d->items);
    memset(d, 0, sizeof *d);
}

/* UTF-16 units of the UTF-8 sequence starting with byte c. */
static unsigned utf16_units(unsigned char c)
{
    return c >= 0xF0 ? 2 : 1;
}

static bool continuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

cJSON *cr_lsp_position(const char *src, size_t len, uint32_t off)
{
    uint32_t line = 0, ch = 0;
    for (uint32_t i = 0; i < off && i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c == '\n') {
            line++;
            ch = 0;
        } else if (!continuation(c)) {
            ch += utf16_units(c);
        }
    }
    cJSON *p = cJSON_CreateObject();
    cJSON_AddNumberToObject(p, "line", line);
    cJSON_AddNumberToObject(p, "character", ch);
    return p;
}

cJSON *cr_lsp_range(const char *src, size_t len, uint32_t start, uint32_t end)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddItemToObject(r, "start", cr_lsp_position(src, len, start));
    cJSON_AddItemToObject(r, "end", cr_lsp_position(src, len, end));
    return r;
}

uint32_t cr_lsp_offset(const char *src, size_t len, const cJSON *pos)
{
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(pos, "line");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(pos, "character");
    double want_line = cJSON_IsNumber(l) ? l->valuedouble : 0;
    double want_ch = cJSON_IsNumber(c) ? c->valuedouble : 0;
    size_t i = 0;
    for (double line = 0; line < want_line && i < len; i++)
        if (src[i] == '\n')
            line++;
    for (double ch = 0; i < len && src[i] != '\n'; ) {
        unsigned units = utf16_units((unsigned char)src[i]);
        if (ch + units > want_ch)
            break;
        ch += units;
        i++;
        while (i < len && continuation((unsigned char)src[i]))
            i++;
    }
    return (uint32_t)i;
}
