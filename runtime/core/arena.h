/* Bump allocation in chained blocks.  An arena is reset, not freed piece by
 * piece: the policy's arena lives as long as the compiled policy, a
 * session's arena is reset after every application and keeps its first
 * block, so a steady stream of applications allocates nothing. */
#ifndef CREDO_ARENA_H
#define CREDO_ARENA_H

#include <stddef.h>

typedef struct cr_arena_block cr_arena_block;

typedef struct cr_arena {
    cr_arena_block *head;   /* block being filled */
    cr_arena_block *spare;  /* blocks kept by reset, reused before malloc */
    size_t block_size;      /* size of a new block's payload */
    size_t used_total;      /* bytes handed out since the last reset */
    size_t limit;           /* 0 = unlimited; else alloc fails past it */
} cr_arena;

void cr_arena_init(cr_arena *a, size_t block_size, size_t limit);
/* NULL when out of memory or past the arena's limit. Memory is 16-aligned. */
void *cr_arena_alloc(cr_arena *a, size_t n);
void *cr_arena_calloc(cr_arena *a, size_t n);
char *cr_arena_strndup(cr_arena *a, const char *s, size_t n);
/* Where an arena stands, to go back to: every allocation after a mark is
 * forgotten by rewinding to it (its blocks kept for reuse). */
typedef struct cr_arena_mark {
    cr_arena_block *head;
    size_t head_used;
    size_t used_total;
} cr_arena_mark;
cr_arena_mark cr_arena_save(const cr_arena *a);
void cr_arena_rewind(cr_arena *a, cr_arena_mark m);
/* Forgets every allocation, keeps the blocks for reuse. */
void cr_arena_reset(cr_arena *a);
void cr_arena_free(cr_arena *a);

#endif
