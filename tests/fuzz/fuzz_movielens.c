/* libFuzzer: the MovieLens loader (engine/data/movielens.c). The input is
 * movies.csv, the separator FF 00 FF, then ratings.csv (no separator: the
 * input is movies.csv and ratings.csv is the header only); both go to a
 * private temporary folder, as the loader reads a folder. */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include <string.h>

#include "data/dataset.h"

static char dir[256];

static void put(const char *name, const uint8_t *data, size_t n)
{
    char path[320];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || (n > 0 && fwrite(data, 1, n, f) != n)) abort();
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (dir[0] == '\0') {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/recnote-fuzz-ml-XXXXXX", tmp ? tmp : "/tmp");
        if (mkdtemp(dir) == NULL) abort();
        rn_alloc_set(fuzz_alloc, NULL);
    }
    const uint8_t *sep = NULL;
    for (size_t i = 0; i + 3 <= size && sep == NULL; i++)
        if (data[i] == 0xff && data[i + 1] == 0 && data[i + 2] == 0xff) sep = data + i;
    static const char header[] = "userId,movieId,rating,timestamp\n";
    if (sep != NULL) {
        put("movies.csv", data, (size_t)(sep - data));
        put("ratings.csv", sep + 3, size - (size_t)(sep - data) - 3);
    } else {
        put("movies.csv", data, size);
        put("ratings.csv", (const uint8_t *)header, sizeof header - 1);
    }
    rn_movielens_config c = {0};
    c.dir = dir;
    c.max_history = size % 2 ? 3 : 0;
    rn_dataset_free(rn_load_movielens(&c));
    return 0;
}
