/* libFuzzer: the CSV loader (engine/data/csv.c) under one of four schemas,
 * chosen by the first byte; the rest is the file. */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include "data/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    static const rn_csv_col full[] = {{"id", RN_COL_INT, 0, 0, 0, 0, NULL},
                                      {"name", RN_COL_CAT, 0, 0, 0, 0, NULL},
                                      {"score", RN_COL_DENSE, 0, 0, 1, -1.0f, NULL},
                                      {"click", RN_COL_LABEL, 0, 0, 0, 0, NULL},
                                      {"tags", RN_COL_SEQ, 0, '|', 0, 0, NULL},
                                      {"ts", RN_COL_INT, 0, 0, 0, 0, NULL}};
    static const rn_csv_col hashed[] = {{"a", RN_COL_LABEL, 0, 0, 0, 0, NULL},
                                        {"b", RN_COL_CAT, 7, 0, 0, 0, NULL},
                                        {"c", RN_COL_SEQ, 5, ';', 0, 0, NULL}};
    rn_csv_schema s = {0};
    switch (data[0] & 3) {
    case 0:
        s.cols = full, s.n_cols = 6, s.group = "id", s.time = "ts";
        break;
    case 1:
        s.cols = full, s.n_cols = 4, s.no_header = 1, s.delimiter = '\t';
        break;
    case 2:
        s.cols = hashed, s.n_cols = 3, s.delimiter = ';', s.max_rows = 5;
        break;
    default:
        s.cols = hashed, s.n_cols = 3, s.no_header = 1;
        break;
    }
    rn_dataset *ds = rn_load_csv(fuzz_file(0, data + 1, size - 1), &s);
    rn_dataset_free(ds);
    return 0;
}
