/* Top-K search benchmark, recnote's side (not a test): run by bench_ann.py,
 * which writes the vectors, runs FAISS on the same ones and prints the
 * ratios. Prints one JSON object per line.
 *
 *     bench_ann DIR n n_ann dim nq [threads = 2 [stages = exact,hnsw,ivf]]
 *
 * DIR/v.f32 holds n x dim float32 vectors, DIR/q.f32 the queries. Measured,
 * best of 3 each:
 *   exact    queries/s of rn_index_search top-10 over all n vectors, and the
 *            ceilings: the same tiled sgemm without heaps (OpenBLAS on
 *            `threads` threads), and one large square sgemm (GFLOP/s)
 *   hnsw     build time over the first n_ann vectors, then recall@10 and
 *            queries/s for a sweep of ef_search
 *   ivf      train + add time over the same n_ann, then a sweep of nprobe
 *   rss      peak resident memory after each stage (getrusage) */
#include <cblas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "error.h"
#include "index.h"
#include "index_hnsw.h"
#include "index_ivf.h"

int openblas_get_num_threads(void);
void openblas_set_num_threads(int n);

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double peak_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

static float *load(const char *dir, const char *name, size_t count)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    float *v = malloc(count * sizeof *v);
    if (f == NULL || v == NULL || fread(v, sizeof *v, count, f) != count) {
        fprintf(stderr, "bench_ann: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    return v;
}

static void die(void)
{
    fprintf(stderr, "bench_ann: %s\n", rn_error());
    exit(1);
}

static double recall(const int64_t *a, const int64_t *e, size_t nq, int k)
{
    size_t hit = 0;
    for (size_t i = 0; i < nq; i++)
        for (int x = 0; x < k; x++)
            for (int y = 0; y < k; y++)
                if (a[i * (size_t)k + (size_t)x] == e[i * (size_t)k + (size_t)y]) {
                    hit++;
                    break;
                }
    return (double)hit / ((double)nq * k);
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: bench_ann DIR n n_ann dim nq [threads]\n");
        return 2;
    }
    const char *dir = argv[1];
    size_t n = (size_t)atol(argv[2]), n_ann = (size_t)atol(argv[3]);
    int dim = atoi(argv[4]);
    size_t nq = (size_t)atol(argv[5]);
    int threads = argc > 6 ? atoi(argv[6]) : 2, k = 10;
    const char *stages = argc > 7 ? argv[7] : "exact,hnsw,ivf";
    float *v = load(dir, "v.f32", n * (size_t)dim), *q = load(dir, "q.f32", nq * (size_t)dim);
    int64_t *ids = malloc(nq * (size_t)k * sizeof *ids), *truth = malloc(nq * (size_t)k * sizeof *truth);
    float *sc = malloc(nq * (size_t)k * sizeof *sc);
    openblas_set_num_threads(threads);

    /* ---- exact, and its ceilings ---- */
    rn_index *ix = NULL;
    if (strstr(stages, "exact") == NULL) goto ann;
    ix = rn_index_new(dim, RN_INDEX_DOT);
    if (ix == NULL || rn_index_add(ix, v, n, dim, NULL) != RN_OK) die();
    rn_index_set_threads(ix, threads);
    double best = 1e30;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        if (rn_index_search(ix, q, nq, dim, k, ids, sc) != RN_OK) die();
        double t = now() - t0;
        best = t < best ? t : best;
    }
    size_t tq = RN_INDEX_TILE_QUERIES, ti = RN_INDEX_TILE_VECTORS;
    float *S = malloc(tq * ti * sizeof *S);
    double best_tiled = 1e30;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        for (size_t i0 = 0; i0 < n; i0 += ti)
            for (size_t q0 = 0; q0 < nq; q0 += tq) {
                size_t mq = nq - q0 < tq ? nq - q0 : tq, mi = n - i0 < ti ? n - i0 : ti;
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)mq, (int)mi, dim, 1.0f,
                            q + q0 * (size_t)dim, dim, v + i0 * (size_t)dim, dim, 0.0f, S, (int)mi);
            }
        double t = now() - t0;
        best_tiled = t < best_tiled ? t : best_tiled;
    }
    int m = 2048;
    float *A = malloc((size_t)m * m * sizeof *A), *B = malloc((size_t)m * m * sizeof *B),
          *C = malloc((size_t)m * m * sizeof *C);
    for (size_t i = 0; i < (size_t)m * m; i++)
        A[i] = (float)(i % 17) * 0.1f, B[i] = (float)(i % 13) * 0.1f;
    double best_peak = 1e30;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, m, m, 1.0f, A, m, B, m, 0.0f, C, m);
        double t = now() - t0;
        best_peak = t < best_peak ? t : best_peak;
    }
    free(A), free(B), free(C), free(S);
    double flops = 2.0 * (double)n * dim * (double)nq;
    printf("{\"stage\": \"exact\", \"qps\": %.1f, \"gflops\": %.2f, \"tiled_sgemm_qps\": %.1f, "
           "\"peak_gflops\": %.2f, \"rss_mb\": %.0f}\n",
           (double)nq / best, flops / best * 1e-9, (double)nq / best_tiled,
           2.0 * m * (double)m * m / best_peak * 1e-9, peak_mb());
    /* one thread, for the parallel speed-up */
    rn_index_set_threads(ix, 1);
    openblas_set_num_threads(1);
    double best1 = 1e30;
    for (int r = 0; r < 2; r++) {
        double t0 = now();
        if (rn_index_search(ix, q, nq, dim, k, ids, sc) != RN_OK) die();
        double t = now() - t0;
        best1 = t < best1 ? t : best1;
    }
    openblas_set_num_threads(threads);
    printf("{\"stage\": \"exact_1thread\", \"qps\": %.1f}\n", (double)nq / best1);
    rn_index_free(ix);
    fflush(stdout);

ann:
    /* ---- the truth for the ANN subset ---- */
    ix = rn_index_new(dim, RN_INDEX_DOT);
    if (ix == NULL || rn_index_add(ix, v, n_ann, dim, NULL) != RN_OK ||
        rn_index_search(ix, q, nq, dim, k, truth, sc) != RN_OK)
        die();
    rn_index_free(ix);

    if (strstr(stages, "hnsw") == NULL) goto ivf;
    /* ---- HNSW ---- */
    rn_index_hnsw *h = rn_index_hnsw_new(dim, RN_INDEX_DOT, 16, 64, 42);
    if (h == NULL) die();
    rn_index_hnsw_set_threads(h, threads);
    double t0 = now();
    if (rn_index_hnsw_add(h, v, n_ann, dim, NULL) != RN_OK) die();
    printf("{\"stage\": \"hnsw_build\", \"seconds\": %.2f, \"rss_mb\": %.0f}\n", now() - t0,
           peak_mb());
    fflush(stdout);
    static const int efs[] = {10, 16, 24, 32, 48, 64, 96, 128, 256};
    for (size_t e = 0; e < sizeof efs / sizeof *efs; e++) {
        rn_index_hnsw_set_ef_search(h, efs[e]);
        double b = 1e30;
        for (int r = 0; r < 3; r++) {
            double s0 = now();
            if (rn_index_hnsw_search(h, q, nq, dim, k, ids, sc) != RN_OK) die();
            double t = now() - s0;
            b = t < b ? t : b;
        }
        printf("{\"stage\": \"hnsw\", \"ef_search\": %d, \"qps\": %.1f, \"recall\": %.4f}\n",
               efs[e], (double)nq / b, recall(ids, truth, nq, k));
    }
    rn_index_hnsw_free(h);
    fflush(stdout);

ivf:
    if (strstr(stages, "ivf") == NULL) goto done;
    /* ---- IVF ---- */
    int nlist = 1024;
    rn_index_ivf *f = rn_index_ivf_new(dim, RN_INDEX_DOT, nlist, 42);
    if (f == NULL) die();
    rn_index_ivf_set_threads(f, threads);
    t0 = now();
    if (rn_index_ivf_train(f, v, n_ann, dim, 10) != RN_OK) die();
    double train = now() - t0;
    if (rn_index_ivf_add(f, v, n_ann, dim, NULL) != RN_OK) die();
    printf("{\"stage\": \"ivf_build\", \"seconds\": %.2f, \"train_seconds\": %.2f, \"rss_mb\": "
           "%.0f}\n",
           now() - t0, train, peak_mb());
    static const int nps[] = {1, 2, 4, 8, 16, 24, 32, 64, 128};
    for (size_t e = 0; e < sizeof nps / sizeof *nps; e++) {
        rn_index_ivf_set_nprobe(f, nps[e]);
        double b = 1e30;
        for (int r = 0; r < 3; r++) {
            double s0 = now();
            if (rn_index_ivf_search(f, q, nq, dim, k, ids, sc) != RN_OK) die();
            double t = now() - s0;
            b = t < b ? t : b;
        }
        printf("{\"stage\": \"ivf\", \"nprobe\": %d, \"qps\": %.1f, \"recall\": %.4f}\n", nps[e],
               (double)nq / b, recall(ids, truth, nq, k));
    }
    rn_index_ivf_free(f);
done:
    free(v), free(q), free(ids), free(truth), free(sc);
    return 0;
}
