/* AUC benchmark (not a test): times rn_auc on n seeded scores, or on labels
 * and scores read from a file written by tests/bench/bench_auc.py, which runs
 * this binary and scikit-learn's roc_auc_score on the same data and prints
 * the ratio.
 *
 *     bench_auc [n]             n seeded scores (default 10 million)
 *     bench_auc --file path     n, then n float32 labels, then n float32 scores
 *
 * Prints "auc <value> seconds <best of 5>", then the time of a gAUC over the
 * same rows in 100,000 random groups. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "metrics.h"
#include "rng.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    size_t n = 10000000;
    float *y = NULL, *s = NULL;
    if (argc == 3 && strcmp(argv[1], "--file") == 0) {
        FILE *f = fopen(argv[2], "rb");
        uint64_t n64 = 0;
        if (f == NULL || fread(&n64, sizeof n64, 1, f) != 1) {
            fprintf(stderr, "bench_auc: cannot read %s\n", argv[2]);
            return 1;
        }
        n = (size_t)n64;
        y = malloc(n * sizeof *y);
        s = malloc(n * sizeof *s);
        if (!y || !s || fread(y, sizeof *y, n, f) != n || fread(s, sizeof *s, n, f) != n) {
            fprintf(stderr, "bench_auc: %s is short\n", argv[2]);
            return 1;
        }
        fclose(f);
    } else {
        if (argc == 2) n = strtoull(argv[1], NULL, 10);
        y = malloc(n * sizeof *y);
        s = malloc(n * sizeof *s);
        if (!y || !s) return 1;
        rn_rng g;
        rn_rng_seed(&g, 1);
        for (size_t i = 0; i < n; i++) {
            y[i] = rn_rng_uniform(&g) < 0.2f ? 1.0f : 0.0f;
            s[i] = rn_rng_normal(&g) + 0.8f * y[i];
        }
    }
    double best = 1e30, auc = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        if (rn_auc(y, s, n, &auc) != RN_OK) {
            fprintf(stderr, "bench_auc: %s\n", rn_error());
            return 1;
        }
        double t = now() - t0;
        if (t < best) best = t;
    }
    printf("auc %.17g seconds %.4f n %zu\n", auc, best, n);

    /* gAUC over the same rows in 100,000 groups (users), in random order */
    int64_t *g = malloc(n * sizeof *g);
    if (g == NULL) return 1;
    rn_rng gr;
    rn_rng_seed(&gr, 2);
    for (size_t i = 0; i < n; i++)
        g[i] = (int64_t)rn_rng_below(&gr, 100000);
    rn_gauc_result r;
    double t0 = now();
    if (rn_gauc(y, s, g, n, 1, &r) != RN_OK) {
        fprintf(stderr, "bench_auc: %s\n", rn_error());
        return 1;
    }
    printf("gauc %.17g seconds %.4f groups %zu used %zu\n", r.value, now() - t0, r.n_groups,
           r.n_used);
    free(g);
    free(y);
    free(s);
    return 0;
}
