/* The per-step arena (see arena.h). */
#include "arena.h"
#include "alloc.h"

#include <stdint.h>
#include <string.h>

#define ALIGN     64
#define MIN_CHUNK ((size_t)1 << 16)

struct rn_arena_chunk {
    rn_arena_chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    unsigned char *base; /* aligned start of the usable bytes */
};

void rn_arena_init(rn_arena *a)
{
    memset(a, 0, sizeof *a);
}

static rn_arena_chunk *chunk_new(size_t size)
{
    /* The header, padding up to ALIGN, then size bytes. */
    unsigned char *raw = rn_malloc(sizeof(rn_arena_chunk) + ALIGN + size, "the step arena");
    if (raw == NULL) return NULL;
    rn_arena_chunk *c = (rn_arena_chunk *)raw;
    uintptr_t start = (uintptr_t)(raw + sizeof *c);
    c->base = (unsigned char *)((start + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1));
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

void *rn_arena_alloc(rn_arena *a, size_t size)
{
    size = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (size == 0) size = ALIGN;
    /* Walk forward from the current chunk: after a reset the same sequence of
     * requests lands in the same chunks. */
    rn_arena_chunk *c = a->current ? a->current : a->first;
    while (c != NULL && c->size - c->used < size) {
        if (c->next == NULL) break;
        c = c->next;
        c->used = 0;
    }
    if (c == NULL || c->size - c->used < size) {
        size_t want = c ? c->size * 2 : MIN_CHUNK;
        if (want < size) want = size;
        rn_arena_chunk *n = chunk_new(want);
        if (n == NULL) return NULL;
        if (c == NULL)
            a->first = n;
        else
            c->next = n;
        a->capacity += want;
        c = n;
    }
    a->current = c;
    void *p = c->base + c->used;
    c->used += size;
    a->used += size;
    return p;
}

void *rn_arena_calloc(rn_arena *a, size_t size)
{
    void *p = rn_arena_alloc(a, size);
    if (p != NULL) memset(p, 0, size);
    return p;
}

void rn_arena_reset(rn_arena *a)
{
    if (a->first != NULL) a->first->used = 0;
    a->current = a->first;
    a->used = 0;
}

void rn_arena_free(rn_arena *a)
{
    rn_arena_chunk *c = a->first;
    while (c != NULL) {
        rn_arena_chunk *next = c->next;
        rn_free(c);
        c = next;
    }
    rn_arena_init(a);
}
