/* Top-K search benchmark (not a test): rn_index_search on n seeded N(0, 1)
 * vectors, against the matrix products it is built on, measured in the same
 * run so that the ratio does not depend on the machine.
 *
 *     bench_index [n = 1000000 [dim = 64 [queries = 2048 [k = 10]]]]
 *
 * Prints, best of 3 runs each:
 *   search   queries/s of rn_index_search (dot, then cosine)
 *   sgemm    queries/s of the same tiled products alone (no heap): the ceiling
 *            of this design, and the search's fraction of it
 *   peak     GFLOP/s of one large square sgemm: the machine's ceiling, and the
 *            search's fraction of it (2 n dim flops per query) */
#include <cblas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "error.h"
#include "index.h"
#include "rng.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static long arg(int argc, char **argv, int i, long dflt)
{
    return argc > i ? strtol(argv[i], NULL, 10) : dflt;
}

/* The products of a search without its heaps: query tiles x vector tiles. */
static void tiled_sgemm(const float *q, size_t nq, const float *v, size_t n, int dim, float *S)
{
    size_t tq = RN_INDEX_TILE_QUERIES, ti = RN_INDEX_TILE_VECTORS;
    for (size_t q0 = 0; q0 < nq; q0 += tq) {
        size_t mq = nq - q0 < tq ? nq - q0 : tq;
        for (size_t i0 = 0; i0 < n; i0 += ti) {
            size_t mi = n - i0 < ti ? n - i0 : ti;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)mq, (int)mi, dim, 1.0f,
                        q + q0 * (size_t)dim, dim, v + i0 * (size_t)dim, dim, 0.0f, S, (int)mi);
        }
    }
}

int main(int argc, char **argv)
{
    size_t n = (size_t)arg(argc, argv, 1, 1000000);
    int dim = (int)arg(argc, argv, 2, 64);
    size_t nq = (size_t)arg(argc, argv, 3, 2048);
    int k = (int)arg(argc, argv, 4, 10);
    if (n < 1 || dim < 1 || nq < 1 || k < 1) {
        fprintf(stderr, "usage: bench_index [n [dim [queries [k]]]] (all >= 1)\n");
        return 2;
    }
    float *v = malloc(n * (size_t)dim * sizeof *v), *q = malloc(nq * (size_t)dim * sizeof *q);
    int64_t *ids = malloc(nq * (size_t)k * sizeof *ids);
    float *sc = malloc(nq * (size_t)k * sizeof *sc);
    float *S = malloc((size_t)RN_INDEX_TILE_QUERIES * RN_INDEX_TILE_VECTORS * sizeof *S);
    if (!v || !q || !ids || !sc || !S) {
        fprintf(stderr, "bench_index: out of memory\n");
        return 1;
    }
    rn_rng g;
    rn_rng_seed(&g, 1);
    for (size_t i = 0; i < n * (size_t)dim; i++)
        v[i] = rn_rng_normal(&g);
    for (size_t i = 0; i < nq * (size_t)dim; i++)
        q[i] = rn_rng_normal(&g);
    printf("index of %zu x %d, %zu queries, k = %d\n", n, dim, nq, k);

    double best_tiled = 1e30;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        tiled_sgemm(q, nq, v, n, dim, S);
        double t = now() - t0;
        if (t < best_tiled) best_tiled = t;
    }
    double tiled_qps = (double)nq / best_tiled;
    printf("sgemm   %10.0f queries/s  (the tiled products alone, %.1f GFLOP/s)\n", tiled_qps,
           2.0 * (double)n * dim * (double)nq / best_tiled * 1e-9);

    /* the machine's ceiling: one large square product */
    int m = 1536;
    float *A = malloc((size_t)m * m * sizeof *A), *B = malloc((size_t)m * m * sizeof *B),
          *C = malloc((size_t)m * m * sizeof *C);
    for (size_t i = 0; i < (size_t)m * m; i++)
        A[i] = rn_rng_normal(&g), B[i] = rn_rng_normal(&g);
    double best_peak = 1e30;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, m, m, 1.0f, A, m, B, m, 0.0f, C,
                    m);
        double t = now() - t0;
        if (t < best_peak) best_peak = t;
    }
    double peak = 2.0 * m * (double)m * m / best_peak * 1e-9;
    printf("peak    %10.1f GFLOP/s  (one %d x %d x %d sgemm)\n", peak, m, m, m);
    free(A), free(B), free(C);

    for (int metric = 0; metric < 2; metric++) {
        rn_index *ix = rn_index_new(dim, metric);
        if (ix == NULL || rn_index_add(ix, v, n, dim, NULL) != RN_OK) {
            fprintf(stderr, "bench_index: %s\n", rn_error());
            return 1;
        }
        double best = 1e30;
        for (int r = 0; r < 3; r++) {
            double t0 = now();
            if (rn_index_search(ix, q, nq, dim, k, ids, sc) != RN_OK) {
                fprintf(stderr, "bench_index: %s\n", rn_error());
                return 1;
            }
            double t = now() - t0;
            if (t < best) best = t;
        }
        double qps = (double)nq / best, gflops = 2.0 * (double)n * dim * (double)nq / best * 1e-9;
        printf("search  %10.0f queries/s  %-6s  %.1f GFLOP/s: %.0f%% of the tiled sgemm, "
               "%.0f%% of peak\n",
               qps, rn_index_metric_name(metric), gflops, 100 * qps / tiled_qps,
               100 * gflops / peak);
        rn_index_free(ix);
    }
    free(v), free(q), free(ids), free(sc), free(S);
    return 0;
}
