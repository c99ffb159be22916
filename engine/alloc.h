/* The engine's one allocation hook.
 *
 * Every byte the engine allocates goes through rn_malloc / rn_calloc /
 * rn_realloc and returns through rn_free, which call one function of the
 * shape of lua_Alloc. A test installs its own function to count allocations
 * or to fail the Nth one, and checks that the error is clean and nothing
 * leaks (as sqlite's test_malloc.c does).
 *
 *     static void *failing(void *ud, void *ptr, size_t size)
 *     {
 *         if (size > 0 && --*(int *)ud == 0) return NULL;   // fail the Nth
 *         return rn_alloc_default(NULL, ptr, size);
 *     }
 *     int n = 3; rn_alloc_set(failing, &n);
 *
 * The hook is process-wide (the one piece of global state beside the error
 * message): set it before using the engine, not while another thread runs it.
 */
#ifndef RN_ALLOC_H
#define RN_ALLOC_H

#include <stddef.h>

/* size == 0: free ptr (may be NULL) and return NULL. ptr == NULL: allocate
 * size bytes. Otherwise: resize ptr to size bytes. Returns NULL on failure
 * (ptr then stays valid). */
typedef void *(*rn_alloc_fn)(void *ud, void *ptr, size_t size);

/* The default: realloc / free from the C library. */
void *rn_alloc_default(void *ud, void *ptr, size_t size);

/* Installs fn with its user data; NULL restores the default. */
void rn_alloc_set(rn_alloc_fn fn, void *ud);

/* The hook installed now, so that a wrapper (the model loader's allocation
 * budget) can chain to it and put it back. */
void rn_alloc_get(rn_alloc_fn *fn, void **ud);

/* Allocation entry points. On failure they record an RN_ENOMEM message naming
 * the size and what (a short noun such as "tensor data") and return NULL. */
void *rn_malloc(size_t size, const char *what);
void *rn_calloc(size_t count, size_t size, const char *what);
void *rn_realloc(void *ptr, size_t size, const char *what);
void rn_free(void *ptr);

/* rn_strdup through the hook; NULL on failure. */
char *rn_strdup(const char *s);

#endif
