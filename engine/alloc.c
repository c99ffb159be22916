/* The allocation hook (see alloc.h). */
#include "alloc.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

static rn_alloc_fn hook = rn_alloc_default;
static void *hook_ud;

void *rn_alloc_default(void *ud, void *ptr, size_t size)
{
    (void)ud;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, size);
}

void rn_alloc_set(rn_alloc_fn fn, void *ud)
{
    hook = fn ? fn : rn_alloc_default;
    hook_ud = fn ? ud : NULL;
}

void rn_alloc_get(rn_alloc_fn *fn, void **ud)
{
    *fn = hook;
    *ud = hook_ud;
}

void *rn_malloc(size_t size, const char *what)
{
    void *p = hook(hook_ud, NULL, size ? size : 1);
    if (p == NULL) rn_fail(RN_ENOMEM, "out of memory allocating %zu bytes for %s", size, what);
    return p;
}

void *rn_calloc(size_t count, size_t size, const char *what)
{
    if (size != 0 && count > (size_t)-1 / size) {
        rn_fail(RN_ENOMEM, "out of memory: %zu x %zu bytes for %s overflows", count, size, what);
        return NULL;
    }
    void *p = rn_malloc(count * size, what);
    if (p != NULL) memset(p, 0, count * size);
    return p;
}

void *rn_realloc(void *ptr, size_t size, const char *what)
{
    void *p = hook(hook_ud, ptr, size ? size : 1);
    if (p == NULL) rn_fail(RN_ENOMEM, "out of memory growing %s to %zu bytes", what, size);
    return p;
}

void rn_free(void *ptr)
{
    if (ptr != NULL) hook(hook_ud, ptr, 0);
}

char *rn_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = rn_malloc(n, "a name");
    if (p != NULL) memcpy(p, s, n);
    return p;
}
