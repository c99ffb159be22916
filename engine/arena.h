/* A bump allocator for one training step's intermediates.
 *
 * rn_arena_alloc hands out 64-byte aligned blocks from a list of chunks;
 * rn_arena_reset forgets every block but keeps the chunks, so a step that
 * repeats the previous step's allocations (a warm training step) is served
 * from the same chunks and calls the allocation hook zero times. A request
 * that fits no remaining chunk adds a chunk of at least twice the last size.
 */
#ifndef RN_ARENA_H
#define RN_ARENA_H

#include <stddef.h>

typedef struct rn_arena_chunk rn_arena_chunk;

typedef struct {
    rn_arena_chunk *first;   /* owned list of chunks */
    rn_arena_chunk *current; /* the chunk being filled */
    size_t used;             /* bytes handed out since the last reset */
    size_t capacity;         /* bytes held in all chunks */
} rn_arena;

/* An empty arena (no allocation until the first rn_arena_alloc). */
void rn_arena_init(rn_arena *a);

/* size bytes, 64-byte aligned, uninitialised; valid until the next reset or
 * free. NULL with RN_ENOMEM recorded on failure. */
void *rn_arena_alloc(rn_arena *a, size_t size);

/* Like rn_arena_alloc, zero-filled. */
void *rn_arena_calloc(rn_arena *a, size_t size);

/* Forgets every block; keeps the chunks for reuse. */
void rn_arena_reset(rn_arena *a);

/* Frees every chunk. The arena may be reused after rn_arena_init. */
void rn_arena_free(rn_arena *a);

#endif
