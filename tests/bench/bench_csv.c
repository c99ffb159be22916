/* recnote's side of tests/bench/bench_csv.py: loads a Criteo-shaped CSV
 * (tests/bench/make_ctr_csv.py: label, I1..I13 dense, C1..C26 categorical)
 * with rn_load_csv and prints the seconds it took as JSON; with a second
 * path also saves the data set in the binary columnar format there and times
 * reloading it (rn_dataset_load_bin); with a third argument "1thread" also
 * times the CSV read on one thread. Not a test.
 *
 *     bench_csv FILE.csv [FILE.rnd [1thread]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/data_internal.h"
#include "data/dataset.h"
#include "error.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE.csv [FILE.rnd]\n", argv[0]);
        return 2;
    }
    static char names[40][8];
    rn_csv_col cols[40];
    memset(cols, 0, sizeof cols);
    for (int j = 0; j < 40; j++) {
        if (j == 0)
            snprintf(names[j], sizeof names[j], "label");
        else if (j <= 13)
            snprintf(names[j], sizeof names[j], "I%d", j);
        else
            snprintf(names[j], sizeof names[j], "C%d", j - 13);
        cols[j].name = names[j];
        cols[j].kind = j == 0 ? RN_COL_LABEL : j <= 13 ? RN_COL_DENSE : RN_COL_CAT;
    }
    rn_csv_schema sc;
    memset(&sc, 0, sizeof sc);
    sc.cols = cols;
    sc.n_cols = 40;
    double t0 = now();
    int joined = 0; /* rn_load_csv, telling whether its two halves were joined */
    rn_dataset *ds = rn__load_csv_split(argv[1], &sc, NULL, 0, &joined);
    double t_csv = now() - t0;
    if (ds == NULL) {
        fprintf(stderr, "%s\n", rn_error());
        return 1;
    }
    size_t ids = 0;
    for (int j = 14; j < 40; j++)
        ids += (size_t)ds->cols[j].cardinality;
    printf("{\"rows\": %zu, \"ids\": %zu, \"csv_s\": %.4f, \"joined\": %d", ds->n_rows, ids,
           t_csv, joined);
    if (argc > 2) {
        t0 = now();
        if (rn_dataset_save_bin(ds, argv[2]) != RN_OK) {
            fprintf(stderr, "%s\n", rn_error());
            return 1;
        }
        double t_save = now() - t0;
        t0 = now();
        rn_dataset *back = rn_dataset_load_bin(argv[2]);
        double t_load = now() - t0;
        if (back == NULL) {
            fprintf(stderr, "%s\n", rn_error());
            return 1;
        }
        /* touch every id so a lazily mapped file is really read */
        int64_t sum = 0;
        for (int j = 14; j < 40; j++)
            for (size_t r = 0; r < back->n_rows; r++)
                sum += back->cols[j].ids[r];
        double t_touch = now() - t0;
        printf(", \"save_s\": %.4f, \"bin_s\": %.4f, \"bin_touch_s\": %.4f, \"checksum\": %lld",
               t_save, t_load, t_touch, (long long)sum);
        rn_dataset_free(back);
    }
    if (argc > 3 && strcmp(argv[3], "1thread") == 0) {
        t0 = now();
        rn_dataset *one = rn__load_csv_split(argv[1], &sc, NULL, SIZE_MAX, NULL);
        printf(", \"csv_1thread_s\": %.4f", now() - t0);
        rn_dataset_free(one);
    }
    printf("}\n");
    rn_dataset_free(ds);
    return 0;
}
