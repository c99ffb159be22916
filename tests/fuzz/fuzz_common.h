/* Shared by the libFuzzer harnesses (tests/fuzz/README.md).
 *
 * The loaders read paths, so each input is written to an anonymous
 * in-memory file (memfd_create) and handed over as /proc/self/fd/N: no
 * file system is touched. Engine allocations above FUZZ_ALLOC_MAX are
 * refused through the engine's hook, which keeps runs fast and exercises
 * the out-of-memory paths; the model loader's own budget is still checked
 * (a lying config fails on its budget before reaching this cap). */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alloc.h"

#define FUZZ_ALLOC_MAX ((size_t)256 << 20)

static inline void *fuzz_alloc(void *ud, void *ptr, size_t size)
{
    (void)ud;
    if (size > FUZZ_ALLOC_MAX) return NULL;
    return rn_alloc_default(NULL, ptr, size);
}

/* A memfd holding data[0..n), as a path. The same file is reused. */
static inline const char *fuzz_file(int slot, const uint8_t *data, size_t n)
{
    static int fds[4] = {-1, -1, -1, -1};
    static char paths[4][64];
    if (fds[slot] < 0) {
        fds[slot] = memfd_create("recnote-fuzz", MFD_CLOEXEC);
        if (fds[slot] < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(paths[slot], sizeof paths[slot], "/proc/self/fd/%d", fds[slot]);
        rn_alloc_set(fuzz_alloc, NULL);
    }
    if (ftruncate(fds[slot], 0) != 0 || (n > 0 && pwrite(fds[slot], data, n, 0) != (ssize_t)n))
        abort();
    return paths[slot];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
