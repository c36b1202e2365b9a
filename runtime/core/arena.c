/* Bump allocation in blocks (arena.h): one arena per application (reset,
 * not freed, between applications, so the hot path does no malloc) and one
 * per compiled program.  Calls only the C library. */
#include "runtime/core/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct cr_arena_block {
    cr_arena_block *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
};

void cr_arena_init(cr_arena *a, size_t block_size, size_t limit)
{
    memset(a, 0, sizeof *a);
    a->block_size = block_size ? block_size : 64 * 1024;
    a->limit = limit;
}

static cr_arena_block *new_block(cr_arena *a, size_t need)
{
    /* Reuse a spare block when it is big enough. */
    cr_arena_block **pp = &a->spare;
    for (cr_arena_block *b = a->spare; b; pp = &b->next, b = b->next) {
        if (b->size >= need) {
            *pp = b->next;
            b->used = 0;
            return b;
        }
    }
    size_t size = need > a->block_size ? need : a->block_size;
    cr_arena_block *b = malloc(sizeof *b + size);
    if (!b)
        return NULL;
    b->size = size;
    b->used = 0;
    return b;
}

void *cr_arena_alloc(cr_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    if (a->limit && (n > a->limit || a->used_total > a->limit - n))
        return NULL;
    cr_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        b = new_block(a, n);
        if (!b)
            return NULL;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->used_total += n;
    return p;
}

void *cr_arena_calloc(cr_arena *a, size_t n)
{
    void *p = cr_arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *cr_arena_strndup(cr_arena *a, const char *s, size_t n)
{
    char *p = cr_arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

cr_arena_mark cr_arena_save(const cr_arena *a)
{
    return (cr_arena_mark){a->head, a->head ? a->head->used : 0, a->used_total};
}

/* Blocks are pushed at the head as they are taken, so those taken after
 * the mark are the ones before its head. */
void cr_arena_rewind(cr_arena *a, cr_arena_mark m)
{
    while (a->head && a->head != m.head) {
        cr_arena_block *b = a->head;
        a->head = b->next;
        b->next = a->spare;
        a->spare = b;
    }
    if (a->head)
        a->head->used = m.head_used;
    a->used_total = m.used_total;
}

void cr_arena_reset(cr_arena *a)
{
    cr_arena_block *b = a->head;
    while (b) {
        cr_arena_block *next = b->next;
        b->next = a->spare;
        a->spare = b;
        b = next;
    }
    a->head = NULL;
    a->used_total = 0;
}

void cr_arena_free(cr_arena *a)
{
    cr_arena_reset(a);
    for (cr_arena_block *b = a->spare, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    a->spare = NULL;
}
