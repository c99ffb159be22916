/* libFuzzer: the libsvm loader (engine/data/libsvm.c). */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include "data/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rn_dataset_free(rn_load_libsvm(fuzz_file(0, data, size)));
    return 0;
}
