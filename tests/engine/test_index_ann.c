/* Tests of the approximate indexes (engine/index_hnsw.c, engine/index_ivf.c)
 * and of the index files (all three kinds).
 *
 * - Small sets against brute force in double: with ef_search >= n (HNSW) or
 *   nprobe = nlist (IVF) the approximate search must be exact, ties (small
 *   integer vectors tie often), duplicate ids and k > n padding included.
 * - recall@10 against the exact index on seeded clustered data above bars.
 * - errors word for word: empty index, dimension mismatch, NaN, bad
 *   parameters, untrained IVF.
 * - save and load: identical results, adds after a load; corrupt files
 *   (every truncation, flipped bytes with the checksum fixed up so the
 *   structural checks are reached) fail with a located error or load an
 *   index that searches safely.
 * - Ctrl-C, and failing each allocation in turn. */
#include "check.h"

#include "alloc.h"
#include "error.h"
#include "index.h"
#include "index_hnsw.h"
#include "index_ivf.h"
#include "interrupt.h"
#include "rng.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- data and references ---------------------------------------------------------------- */

/* n vectors around n_clusters N(0, 1) centres with N(0, spread^2) noise. */
static float *clustered(size_t n, int dim, int n_clusters, float spread, uint64_t seed)
{
    rn_rng g;
    rn_rng_seed(&g, seed);
    float *c = malloc((size_t)n_clusters * (size_t)dim * sizeof *c);
    for (size_t i = 0; i < (size_t)n_clusters * (size_t)dim; i++)
        c[i] = rn_rng_normal(&g);
    float *v = malloc(n * (size_t)dim * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        size_t k = (size_t)rn_rng_below(&g, (uint64_t)n_clusters);
        for (int d = 0; d < dim; d++)
            v[i * (size_t)dim + (size_t)d] = c[k * (size_t)dim + (size_t)d] + spread * rn_rng_normal(&g);
    }
    free(c);
    return v;
}

static float *ints(size_t m, int span, uint64_t seed)
{
    rn_rng g;
    rn_rng_seed(&g, seed);
    float *x = malloc(m * sizeof *x);
    for (size_t i = 0; i < m; i++)
        x[i] = (float)((int)rn_rng_below(&g, (uint64_t)(2 * span + 1)) - span);
    return x;
}

/* The exact index's answer (tested against brute force in test_index.c). */
static void exact(const float *v, const int64_t *ids, size_t n, const float *q, size_t nq, int dim,
                  int metric, int k, int64_t *out_ids, float *out_sc)
{
    rn_index *ix = rn_index_new(dim, metric);
    CHECK(rn_index_add(ix, v, n, dim, ids) == RN_OK);
    CHECK(rn_index_search(ix, q, nq, dim, k, out_ids, out_sc) == RN_OK);
    rn_index_free(ix);
}

/* |approx ∩ exact| / (nq k), ids compared as sets per query. */
static double recall(const int64_t *a, const int64_t *e, size_t nq, int k)
{
    size_t hit = 0;
    for (size_t i = 0; i < nq; i++)
        for (int x = 0; x < k; x++)
            for (int y = 0; y < k; y++)
                if (a[i * (size_t)k + (size_t)x] == e[i * (size_t)k + (size_t)y] &&
                    a[i * (size_t)k + (size_t)x] >= 0) {
                    hit++;
                    break;
                }
    return (double)hit / ((double)nq * k);
}

/* The kinds behind one set of calls, so each test runs on both. */
enum { HNSW, IVF };
typedef struct {
    int kind;
    rn_index_hnsw *h;
    rn_index_ivf *f;
} ann;

static ann ann_new(int kind, int dim, int metric, int param, uint64_t seed)
{
    ann a = {kind, NULL, NULL};
    if (kind == HNSW)
        a.h = rn_index_hnsw_new(dim, metric, param, 64, seed);
    else
        a.f = rn_index_ivf_new(dim, metric, param, seed);
    return a;
}

static int ann_add(ann *a, const float *v, size_t n, int dim, const int64_t *ids)
{
    if (a->kind == HNSW) return rn_index_hnsw_add(a->h, v, n, dim, ids);
    if (!rn_index_ivf_is_trained(a->f)) {
        int rc = rn_index_ivf_train(a->f, v, n, dim, 10);
        if (rc) return rc;
    }
    return rn_index_ivf_add(a->f, v, n, dim, ids);
}

static int ann_search(ann *a, const float *q, size_t nq, int dim, int k, int64_t *ids, float *sc)
{
    return a->kind == HNSW ? rn_index_hnsw_search(a->h, q, nq, dim, k, ids, sc)
                           : rn_index_ivf_search(a->f, q, nq, dim, k, ids, sc);
}

/* The exhaustive setting: ef_search >= n, or nprobe = nlist. */
static void ann_exhaustive(ann *a, size_t n)
{
    if (a->kind == HNSW)
        CHECK(rn_index_hnsw_set_ef_search(a->h, (int)n) == RN_OK);
    else
        CHECK(rn_index_ivf_set_nprobe(a->f, rn_index_ivf_nlist(a->f)) == RN_OK);
}

static void ann_free(ann *a)
{
    rn_index_hnsw_free(a->h);
    rn_index_ivf_free(a->f);
}

/* ---- exhaustive settings equal brute force ---------------------------------------------- */

/* n integer vectors (ties everywhere), some ids repeated; k up to above n.
 * HNSW with M = 16 on a few hundred nodes: a graph this dense reaches every
 * node (a sparse one need not: a search reaches only what links lead to). */
static void exhaustive_case(int kind, size_t n, int dim, int metric, int k)
{
    size_t nq = 40;
    float *v = ints(n * (size_t)dim, 2, 11 + n), *q = ints(nq * (size_t)dim, 2, 12 + n);
    int64_t *vid = malloc(n * sizeof *vid);
    for (size_t i = 0; i < n; i++)
        vid[i] = (int64_t)(i % 7 == 3 ? i - 1 : i) + 100; /* duplicates: 102 twice, ... */
    ann a = ann_new(kind, dim, metric, kind == HNSW ? 16 : n < 3 ? 1 : 3, 5);
    CHECK(ann_add(&a, v, n, dim, vid) == RN_OK);
    ann_exhaustive(&a, n);
    int64_t *ids = malloc(nq * (size_t)k * sizeof *ids), *eids = malloc(nq * (size_t)k * sizeof *eids);
    float *sc = malloc(nq * (size_t)k * sizeof *sc), *esc = malloc(nq * (size_t)k * sizeof *esc);
    CHECK(ann_search(&a, q, nq, dim, k, ids, sc) == RN_OK);
    exact(v, vid, n, q, nq, dim, metric, k, eids, esc);
    /* dot on small integers is exact in float: ids and scores equal, ties in
     * order; cosine scores round differently by summation order, so there the
     * scores must agree position by position (ties may then swap) */
    int same = 1;
    for (size_t i = 0; i < nq * (size_t)k; i++)
        if (metric == RN_INDEX_DOT)
            same = same && ids[i] == eids[i] && (sc[i] == esc[i]);
        else
            same = same && (sc[i] == esc[i] || fabsf(sc[i] - esc[i]) < 1e-5f);
    if (!same)
        fprintf(stderr, "exhaustive %s n=%zu dim=%d %s k=%d differs from exact\n",
                kind == HNSW ? "hnsw" : "ivf", n, dim, rn_index_metric_name(metric), k);
    CHECK(same);
    if ((size_t)k > n) CHECK(ids[k - 1] == -1 && isinf(sc[k - 1]) && sc[k - 1] < 0);
    ann_free(&a);
    free(v), free(q), free(vid), free(ids), free(eids), free(sc), free(esc);
}

static void test_exhaustive_equals_exact(void)
{
    for (int kind = HNSW; kind <= IVF; kind++)
        for (int metric = 0; metric < 2; metric++) {
            exhaustive_case(kind, 60, 3, metric, 5);
            exhaustive_case(kind, 60, 3, metric, 70); /* k > n */
            exhaustive_case(kind, 300, 5, metric, 10);
            exhaustive_case(kind, 1, 2, metric, 3);
        }
}

/* ---- recall on clustered data ---------------------------------------------------------- */

static void test_recall(void)
{
    size_t n = 20000, nq = 200;
    int dim = 32, k = 10;
    float *v = clustered(n, dim, 100, 0.5f, 1), *q = clustered(nq, dim, 100, 0.5f, 2);
    int64_t *eids = malloc(nq * (size_t)k * sizeof *eids), *ids = malloc(nq * (size_t)k * sizeof *ids);
    float *esc = malloc(nq * (size_t)k * sizeof *esc), *sc = malloc(nq * (size_t)k * sizeof *sc);
    for (int metric = 0; metric < 2; metric++) {
        exact(v, NULL, n, q, nq, dim, metric, k, eids, esc);

        rn_index_hnsw *h = rn_index_hnsw_new(dim, metric, 16, 100, 7);
        rn_index_hnsw_set_threads(h, 1);
        CHECK(rn_index_hnsw_add(h, v, n, dim, NULL) == RN_OK);
        CHECK(rn_index_hnsw_set_ef_search(h, 200) == RN_OK);
        CHECK(rn_index_hnsw_search(h, q, nq, dim, k, ids, sc) == RN_OK);
        double r_h = recall(ids, eids, nq, k);
        CHECK(rn_index_hnsw_set_ef_search(h, 10) == RN_OK);
        CHECK(rn_index_hnsw_search(h, q, nq, dim, k, ids, sc) == RN_OK);
        double r_h10 = recall(ids, eids, nq, k);
        rn_index_hnsw_free(h);

        /* two threads build a different graph, as good */
        h = rn_index_hnsw_new(dim, metric, 16, 100, 7);
        rn_index_hnsw_set_threads(h, 2);
        CHECK(rn_index_hnsw_add(h, v, n, dim, NULL) == RN_OK);
        CHECK(rn_index_hnsw_set_ef_search(h, 200) == RN_OK);
        CHECK(rn_index_hnsw_search(h, q, nq, dim, k, ids, sc) == RN_OK);
        double r_h2 = recall(ids, eids, nq, k);
        rn_index_hnsw_free(h);

        rn_index_ivf *f = rn_index_ivf_new(dim, metric, 100, 7);
        CHECK(rn_index_ivf_train(f, v, n, dim, 10) == RN_OK);
        CHECK(rn_index_ivf_add(f, v, n, dim, NULL) == RN_OK);
        CHECK(rn_index_ivf_set_nprobe(f, 8) == RN_OK);
        CHECK(rn_index_ivf_search(f, q, nq, dim, k, ids, sc) == RN_OK);
        double r_f = recall(ids, eids, nq, k);
        CHECK(rn_index_ivf_set_nprobe(f, 1) == RN_OK);
        CHECK(rn_index_ivf_search(f, q, nq, dim, k, ids, sc) == RN_OK);
        double r_f1 = recall(ids, eids, nq, k);
        size_t total = 0, empty = 0;
        for (int l = 0; l < 100; l++)
            total += rn_index_ivf_list_size(f, l), empty += rn_index_ivf_list_size(f, l) == 0;
        CHECK(total == n);
        rn_index_ivf_free(f);
        printf("%s: recall@10 hnsw ef 200 %.3f, ef 10 %.3f, 2 threads %.3f; ivf nprobe 8 %.3f, "
               "nprobe 1 %.3f (%zu empty lists)\n",
               rn_index_metric_name(metric), r_h, r_h10, r_h2, r_f, r_f1, empty);
        /* maximum inner product (dot) is harder for a graph than cosine: a long
         * vector outscores its own neighbours, so the bars differ (FAISS's
         * IndexHNSWFlat scores 0.90 / 0.99 at ef 256 on data like this) */
        CHECK(r_h >= (metric == RN_INDEX_COSINE ? 0.97 : 0.85));
        CHECK(r_h2 >= (metric == RN_INDEX_COSINE ? 0.97 : 0.85));
        CHECK(r_h10 < r_h - 0.2); /* ef matters */
        CHECK(r_f >= 0.92);
        CHECK(r_f1 < r_f);
        CHECK(empty <= 5);
    }
    free(v), free(q), free(eids), free(ids), free(esc), free(sc);
}

/* With one thread the same seed builds the same graph. */
static void test_hnsw_reproducible(void)
{
    size_t n = 3000;
    int dim = 8;
    float *v = clustered(n, dim, 20, 0.3f, 3);
    rn_index_hnsw *a = rn_index_hnsw_new(dim, RN_INDEX_DOT, 8, 40, 99);
    rn_index_hnsw *b = rn_index_hnsw_new(dim, RN_INDEX_DOT, 8, 40, 99);
    rn_index_hnsw_set_threads(a, 1), rn_index_hnsw_set_threads(b, 1);
    CHECK(rn_index_hnsw_add(a, v, n, dim, NULL) == RN_OK);
    CHECK(rn_index_hnsw_add(b, v, 1000, dim, NULL) == RN_OK);
    CHECK(rn_index_hnsw_add(b, v + 1000 * dim, n - 1000, dim, NULL) == RN_OK);
    CHECK(rn_index_hnsw_links(a) == rn_index_hnsw_links(b));
    CHECK(rn_index_hnsw_max_level(a) == rn_index_hnsw_max_level(b));
    CHECK(rn_index_hnsw_max_level(a) >= 2); /* about log_8(3000) = 3.9 layers */
    rn_index_hnsw_free(a), rn_index_hnsw_free(b);
    free(v);
}

/* ---- errors ------------------------------------------------------------------------------ */

static void test_errors(void)
{
    int64_t id;
    float s, nanv[4] = {1, 2, NAN, 4};
    rn_index_hnsw *h = rn_index_hnsw_new(2, RN_INDEX_DOT, 8, 40, 1);
    CHECK(rn_index_hnsw_search(h, (const float[]){1, 1}, 1, 2, 1, &id, &s) == RN_ESTATE);
    CHECK_STR(rn_error(), "hnsw index search: the index is empty (add vectors first)");
    CHECK(rn_index_hnsw_add(h, (const float[]){1, 2, 3}, 1, 3, NULL) == RN_ESHAPE);
    CHECK_STR(rn_error(), "hnsw index add: vectors of dim 3, the index holds dim 2");
    CHECK(rn_index_hnsw_add(h, nanv, 2, 2, NULL) == RN_ENAN);
    CHECK_STR(rn_error(), "hnsw index add: row 2, column 1 is nan (must be finite)");
    CHECK(rn_index_hnsw_size(h) == 0);
    CHECK(rn_index_hnsw_add(h, (const float[]){1, 2}, 1, 2, (const int64_t[]){-4}) == RN_EARG);
    CHECK_STR(rn_error(), "hnsw index add: id of row 1 is -4 (ids must be >= 0)");
    CHECK(rn_index_hnsw_add(h, (const float[]){1, 2}, 1, 2, NULL) == RN_OK);
    CHECK(rn_index_hnsw_search(h, (const float[]){1, 1, 1}, 1, 3, 1, &id, &s) == RN_ESHAPE);
    CHECK_STR(rn_error(), "hnsw index search: queries of dim 3, the index holds dim 2");
    CHECK(rn_index_hnsw_search(h, nanv + 1, 1, 2, 1, &id, &s) == RN_ENAN);
    CHECK_STR(rn_error(), "hnsw index search: row 1, column 2 is nan (must be finite)");
    CHECK(rn_index_hnsw_search(h, (const float[]){1, 1}, 1, 2, 0, &id, &s) == RN_EARG);
    CHECK_STR(rn_error(), "hnsw index search: k must be at least 1, got 0");
    CHECK(rn_index_hnsw_set_ef_search(h, 0) == RN_EARG);
    CHECK_STR(rn_error(), "hnsw index: ef_search must be 1..100000, got 0");
    rn_index_hnsw_free(h);
    CHECK(rn_index_hnsw_new(2, RN_INDEX_DOT, 1, 40, 1) == NULL);
    CHECK_STR(rn_error(), "hnsw index: M must be 2..256, got 1");

    rn_index_ivf *f = rn_index_ivf_new(2, RN_INDEX_COSINE, 4, 1);
    CHECK(rn_index_ivf_add(f, (const float[]){1, 2}, 1, 2, NULL) == RN_ESTATE);
    CHECK_STR(rn_error(), "ivf index add: the index is not trained (train it first)");
    CHECK(rn_index_ivf_train(f, (const float[]){1, 2, 3, 4}, 2, 2, 5) == RN_EARG);
    CHECK_STR(rn_error(), "ivf index train: 2 training vectors for 4 lists (need at least nlist)");
    float tv[8] = {1, 0, 0, 1, -1, 0, 0, -1};
    CHECK(rn_index_ivf_train(f, tv, 4, 2, 5) == RN_OK);
    CHECK(rn_index_ivf_search(f, (const float[]){1, 1}, 1, 2, 1, &id, &s) == RN_ESTATE);
    CHECK_STR(rn_error(), "ivf index search: the index is empty (add vectors first)");
    CHECK(rn_index_ivf_add(f, tv, 4, 2, NULL) == RN_OK);
    CHECK(rn_index_ivf_train(f, tv, 4, 2, 5) == RN_ESTATE);
    CHECK_STR(rn_error(), "ivf index train: the index already holds 4 vectors (train before adding)");
    CHECK(rn_index_ivf_search(f, (const float[]){1}, 1, 1, 1, &id, &s) == RN_ESHAPE);
    CHECK_STR(rn_error(), "ivf index search: queries of dim 1, the index holds dim 2");
    CHECK(rn_index_ivf_set_nprobe(f, 5) == RN_EARG);
    CHECK_STR(rn_error(), "ivf index: nprobe must be 1..4 (nlist), got 5");
    CHECK(rn_index_ivf_set_nprobe(f, 4) == RN_OK);
    CHECK(rn_index_ivf_search(f, (const float[]){2, 0.1f}, 1, 2, 1, &id, &s) == RN_OK && id == 0);
    rn_index_ivf_free(f);
}

/* ---- files ------------------------------------------------------------------------------- */

static char tmp_path[64];

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    fseek(fp, 0, SEEK_END);
    *n = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *p = malloc(*n);
    CHECK(fread(p, 1, *n, fp) == *n);
    fclose(fp);
    return p;
}

static void spit(const char *path, const unsigned char *p, size_t n)
{
    FILE *fp = fopen(path, "wb");
    fwrite(p, 1, n, fp);
    fclose(fp);
}

/* Rewrites the trailing FNV-1a checksum so that a changed byte reaches the
 * structural checks. */
static void fix_checksum(unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n - 8; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    for (int i = 0; i < 8; i++)
        p[n - 8 + (size_t)i] = (unsigned char)(h >> (8 * i));
}

/* Loads path as kind and, when it loads, searches it (must not crash). 1 if loaded. */
static int try_load(int kind, const char *path)
{
    int64_t ids[3];
    float sc[3];
    const float q[4] = {1, -1, 0.5f, 2};
    if (kind == RN_INDEX_FLAT) {
        rn_index *ix = rn_index_load(path);
        if (ix && rn_index_size(ix) > 0 && rn_index_dim(ix) == 4)
            (void)rn_index_search(ix, q, 1, 4, 3, ids, sc);
        rn_index_free(ix);
        return ix != NULL;
    }
    if (kind == RN_INDEX_HNSW) {
        rn_index_hnsw *h = rn_index_hnsw_load(path);
        if (h && rn_index_hnsw_size(h) > 0 && rn_index_hnsw_dim(h) == 4)
            (void)rn_index_hnsw_search(h, q, 1, 4, 3, ids, sc);
        rn_index_hnsw_free(h);
        return h != NULL;
    }
    rn_index_ivf *f = rn_index_ivf_load(path);
    if (f && rn_index_ivf_size(f) > 0 && rn_index_ivf_dim(f) == 4)
        (void)rn_index_ivf_search(f, q, 1, 4, 3, ids, sc);
    rn_index_ivf_free(f);
    return f != NULL;
}

static void check_corruptions(int kind, const char *path)
{
    size_t n;
    unsigned char *good = slurp(path, &n), *p = malloc(n);
    char bad[80];
    snprintf(bad, sizeof bad, "%s.bad", path);
    /* every truncation: a located error */
    int located = 1, loaded = 0;
    for (size_t cut = 0; cut < n; cut += (cut < 64 ? 1 : 7)) {
        spit(bad, good, cut);
        memcpy(p, good, cut);
        if (cut >= 48) { /* with a valid checksum too, so the parser meets the short section */
            fix_checksum(p, cut);
            spit(bad, p, cut);
        }
        loaded += try_load(kind, bad);
        located = located && (strstr(rn_error(), bad) != NULL) &&
                  (rn_error_code() == RN_EPARSE || rn_error_code() == RN_EIO);
    }
    CHECK(located);
    CHECK(loaded == 0);
    /* a flipped byte without fixing the checksum: refused */
    memcpy(p, good, n);
    p[n / 2] ^= 0x5a;
    spit(bad, p, n);
    CHECK(!try_load(kind, bad));
    CHECK(strstr(rn_error(), "checksum mismatch") != NULL);
    /* flipped bytes with the checksum fixed: each loads or fails with a located error */
    rn_rng g;
    rn_rng_seed(&g, 77);
    int clean = 1;
    for (int t = 0; t < 400; t++) {
        memcpy(p, good, n);
        for (int f = 0; f < 1 + t % 3; f++)
            p[rn_rng_below(&g, n - 8)] ^= (unsigned char)(1 + rn_rng_below(&g, 255));
        fix_checksum(p, n);
        spit(bad, p, n);
        if (!try_load(kind, bad))
            clean = clean && strstr(rn_error(), "byte ") != NULL &&
                    rn_error_code() == RN_EPARSE;
    }
    CHECK(clean);
    unlink(bad);
    free(good), free(p);
}

static void test_files(void)
{
    snprintf(tmp_path, sizeof tmp_path, "/tmp/rn_test_index_%d.idx", (int)getpid());
    size_t n = 400, nq = 30;
    int dim = 4, k = 5;
    float *v = clustered(n, dim, 8, 0.3f, 4), *q = clustered(nq, dim, 8, 0.3f, 5);
    int64_t a_ids[30 * 5], b_ids[30 * 5];
    float a_sc[30 * 5], b_sc[30 * 5];

    rn_index *ix = rn_index_new(dim, RN_INDEX_COSINE);
    CHECK(rn_index_add(ix, v, n, dim, NULL) == RN_OK);
    CHECK(rn_index_save(ix, tmp_path) == RN_OK);
    CHECK(rn_index_file_kind(tmp_path) == RN_INDEX_FLAT);
    rn_index *ix2 = rn_index_load(tmp_path);
    CHECK(ix2 != NULL && rn_index_size(ix2) == n && rn_index_metric(ix2) == RN_INDEX_COSINE);
    CHECK(rn_index_search(ix, q, nq, dim, k, a_ids, a_sc) == RN_OK);
    CHECK(rn_index_search(ix2, q, nq, dim, k, b_ids, b_sc) == RN_OK);
    CHECK(memcmp(a_ids, b_ids, sizeof a_ids) == 0 && memcmp(a_sc, b_sc, sizeof a_sc) == 0);
    CHECK(rn_index_hnsw_load(tmp_path) == NULL);
    CHECK(strstr(rn_error(), "byte 8: this is an exact index, not an HNSW one") != NULL);
    check_corruptions(RN_INDEX_FLAT, tmp_path);
    rn_index_free(ix), rn_index_free(ix2);

    rn_index_hnsw *h = rn_index_hnsw_new(dim, RN_INDEX_DOT, 6, 30, 3);
    rn_index_hnsw_set_threads(h, 1);
    CHECK(rn_index_hnsw_add(h, v, n / 2, dim, NULL) == RN_OK);
    CHECK(rn_index_hnsw_set_ef_search(h, 12) == RN_OK);
    CHECK(rn_index_hnsw_save(h, tmp_path) == RN_OK);
    CHECK(rn_index_file_kind(tmp_path) == RN_INDEX_HNSW);
    rn_index_hnsw *h2 = rn_index_hnsw_load(tmp_path);
    CHECK(h2 != NULL && rn_index_hnsw_ef_search(h2) == 12 && rn_index_hnsw_M(h2) == 6);
    rn_index_hnsw_set_threads(h2, 1);
    /* adds after a load continue as without the round trip (the layer generator is saved) */
    CHECK(rn_index_hnsw_add(h, v + n / 2 * dim, n - n / 2, dim, NULL) == RN_OK);
    CHECK(rn_index_hnsw_add(h2, v + n / 2 * dim, n - n / 2, dim, NULL) == RN_OK);
    CHECK(rn_index_hnsw_search(h, q, nq, dim, k, a_ids, a_sc) == RN_OK);
    CHECK(rn_index_hnsw_search(h2, q, nq, dim, k, b_ids, b_sc) == RN_OK);
    CHECK(memcmp(a_ids, b_ids, sizeof a_ids) == 0 && memcmp(a_sc, b_sc, sizeof a_sc) == 0);
    CHECK(rn_index_hnsw_links(h) == rn_index_hnsw_links(h2));
    CHECK(rn_index_hnsw_save(h, tmp_path) == RN_OK);
    check_corruptions(RN_INDEX_HNSW, tmp_path);
    rn_index_hnsw_free(h), rn_index_hnsw_free(h2);

    rn_index_ivf *f = rn_index_ivf_new(dim, RN_INDEX_COSINE, 8, 3);
    CHECK(rn_index_ivf_save(f, tmp_path) == RN_OK); /* untrained */
    rn_index_ivf *f2 = rn_index_ivf_load(tmp_path);
    CHECK(f2 != NULL && !rn_index_ivf_is_trained(f2));
    rn_index_ivf_free(f2);
    CHECK(rn_index_ivf_train(f, v, n, dim, 5) == RN_OK);
    CHECK(rn_index_ivf_add(f, v, n, dim, NULL) == RN_OK);
    CHECK(rn_index_ivf_set_nprobe(f, 3) == RN_OK);
    CHECK(rn_index_ivf_save(f, tmp_path) == RN_OK);
    f2 = rn_index_ivf_load(tmp_path);
    CHECK(f2 != NULL && rn_index_ivf_nprobe(f2) == 3 && rn_index_ivf_size(f2) == n);
    CHECK(rn_index_ivf_search(f, q, nq, dim, k, a_ids, a_sc) == RN_OK);
    CHECK(rn_index_ivf_search(f2, q, nq, dim, k, b_ids, b_sc) == RN_OK);
    CHECK(memcmp(a_ids, b_ids, sizeof a_ids) == 0 && memcmp(a_sc, b_sc, sizeof a_sc) == 0);
    check_corruptions(RN_INDEX_IVF, tmp_path);
    rn_index_ivf_free(f), rn_index_ivf_free(f2);

    CHECK(rn_index_load("/nonexistent/x.idx") == NULL && rn_error_code() == RN_EIO);
    unlink(tmp_path);
    free(v), free(q);
}

/* ---- Ctrl-C and failing allocations ------------------------------------------------------ */

static void test_interrupt(void)
{
    size_t n = 4000;
    int dim = 4;
    float *v = clustered(n, dim, 8, 0.3f, 6);
    volatile sig_atomic_t flag = 0;
    rn_interrupt_use(&flag);
    rn_index_hnsw *h = rn_index_hnsw_new(dim, RN_INDEX_DOT, 6, 30, 3);
    rn_index_hnsw_set_threads(h, 1);
    CHECK(rn_index_hnsw_add(h, v, 100, dim, NULL) == RN_OK);
    flag = 1;
    CHECK(rn_index_hnsw_add(h, v, n, dim, NULL) == RN_EINTR);
    CHECK(strstr(rn_error(), "hnsw index add after 0 of 4000 vectors") != NULL);
    CHECK(rn_index_hnsw_size(h) == 100);
    int64_t id;
    float s;
    CHECK(rn_index_hnsw_search(h, v, 1, dim, 1, &id, &s) == RN_EINTR);
    rn_index_hnsw_set_threads(h, 2);
    /* Ctrl-C at the loop's third poll, two workers: two whole blocks are kept */
    rn_interrupt_after(2);
    flag = 0;
    int rc = rn_index_hnsw_add(h, v, n, dim, NULL);
    rn_interrupt_after(-1);
    CHECK(rc == RN_EINTR);
    CHECK(rn_index_hnsw_size(h) == 100 + 2 * RN_HNSW_ADD_BLOCK);
    CHECK(rn_index_hnsw_search(h, v, 1, dim, 1, &id, &s) == RN_OK && id >= 0);
    rn_index_hnsw_free(h);
    flag = 1;
    rn_index_ivf *f = rn_index_ivf_new(dim, RN_INDEX_DOT, 4, 1);
    CHECK(rn_index_ivf_train(f, v, n, dim, 3) == RN_EINTR);
    CHECK(!rn_index_ivf_is_trained(f));
    rn_index_ivf_free(f);
    rn_interrupt_use(NULL);
    free(v);
}

/* Progress through the shared loop: a call per block, the count rising to
 * the total; a callback returning 0 stops the build as Ctrl-C does. */
typedef struct {
    int calls, stop_after, epochs, last_epoch;
    size_t seen, total;
} seen_progress;

static int on_step(void *ud, const rn_fit_progress *p)
{
    seen_progress *s = ud;
    s->calls++;
    s->seen = p->seen, s->total = p->total, s->epochs = p->epochs, s->last_epoch = p->epoch;
    return s->stop_after == 0 || s->calls < s->stop_after;
}

static void test_progress(void)
{
    size_t n = 5000;
    int dim = 4;
    float *v = clustered(n, dim, 8, 0.3f, 7);
    seen_progress s = {0};
    rn_index_progress p = {on_step, &s};
    rn_index_hnsw *h = rn_index_hnsw_new(dim, RN_INDEX_DOT, 6, 30, 3);
    rn_index_hnsw_set_threads(h, 1);
    rn_index_hnsw_set_progress(h, &p);
    CHECK(rn_index_hnsw_add(h, v, n, dim, NULL) == RN_OK);
    CHECK(s.calls == (int)((n + RN_HNSW_ADD_BLOCK - 1) / RN_HNSW_ADD_BLOCK));
    CHECK(s.seen == n && s.total == n);
    s = (seen_progress){.stop_after = 2};
    CHECK(rn_index_hnsw_add(h, v, n, dim, NULL) == RN_EINTR);
    CHECK(strstr(rn_error(), "stopped by the progress callback in hnsw index add after 2048 of "
                             "5000 vectors") != NULL);
    CHECK(rn_index_hnsw_size(h) == n + 2 * RN_HNSW_ADD_BLOCK);
    rn_index_hnsw_set_progress(h, NULL);
    s = (seen_progress){0};
    CHECK(rn_index_hnsw_add(h, v, 10, dim, NULL) == RN_OK && s.calls == 0);
    rn_index_hnsw_free(h);

    rn_index_ivf *f = rn_index_ivf_new(dim, RN_INDEX_DOT, 4, 1);
    rn_index_ivf_set_progress(f, &p);
    s = (seen_progress){0};
    CHECK(rn_index_ivf_train(f, v, n, dim, 3) == RN_OK);
    /* the sample is 256 nlist = 1024 vectors: one block per iteration */
    CHECK(s.calls == 3 && s.epochs == 3 && s.last_epoch == 3 && s.seen == 1024);
    s = (seen_progress){0};
    CHECK(rn_index_ivf_add(f, v, n, dim, NULL) == RN_OK);
    CHECK(s.calls == 2 && s.seen == n && s.total == n);
    s = (seen_progress){.stop_after = 1};
    CHECK(rn_index_ivf_add(f, v, n, dim, NULL) == RN_EINTR);
    CHECK(strstr(rn_error(), "stopped by the progress callback in ivf index add (nothing was "
                             "added)") != NULL);
    CHECK(rn_index_ivf_size(f) == n);
    rn_index_ivf_free(f);
    f = rn_index_ivf_new(dim, RN_INDEX_DOT, 4, 1);
    rn_index_ivf_set_progress(f, &p);
    s = (seen_progress){.stop_after = 2};
    CHECK(rn_index_ivf_train(f, v, n, dim, 3) == RN_EINTR);
    CHECK(strstr(rn_error(), "after 2 of 3 iterations (the index stays untrained)") != NULL);
    CHECK(!rn_index_ivf_is_trained(f));
    rn_index_ivf_free(f);
    free(v);
}

static long fail_at;
static void *hook(void *ud, void *ptr, size_t size)
{
    (void)ud;
    if (size > 0 && fail_at > 0 && --fail_at == 0) return NULL;
    return rn_alloc_default(NULL, ptr, size);
}

static void test_alloc_failures(void)
{
    int dim = 3;
    size_t n = 300;
    float *v = clustered(n, dim, 5, 0.3f, 8);
    int64_t ids[2 * 4];
    float sc[2 * 4];
    for (int kind = HNSW; kind <= IVF; kind++) {
        int clean = 1, seen = 0;
        long k;
        rn_alloc_set(hook, NULL);
        for (k = 1;; k++) {
            fail_at = k;
            ann a = ann_new(kind, dim, RN_INDEX_COSINE, 4, 1);
            int rc = a.h == NULL && a.f == NULL ? rn_error_code() : RN_OK;
            if (rc == RN_OK) rc = ann_add(&a, v, n / 2, dim, NULL);
            if (rc == RN_OK) rc = ann_add(&a, v + n / 2 * dim, n - n / 2, dim, NULL);
            if (rc == RN_OK) rc = ann_search(&a, v, 2, dim, 4, ids, sc);
            if (rc == RN_OK && ids[0] < 0) clean = 0;
            ann_free(&a);
            if (rc == RN_ENOMEM)
                seen++;
            else if (rc != RN_OK)
                clean = 0;
            if (fail_at > 0) break;
        }
        fail_at = 0;
        rn_alloc_set(NULL, NULL);
        printf("%s: failing each of %ld allocations in turn: %d clean RN_ENOMEM\n",
               kind == HNSW ? "hnsw" : "ivf", k - 1, seen);
        CHECK(clean);
        CHECK(seen == k - 1 && seen >= 10);
    }
    free(v);
}

int main(void)
{
    RUN(test_exhaustive_equals_exact);
    RUN(test_recall);
    RUN(test_hnsw_reproducible);
    RUN(test_errors);
    RUN(test_files);
    RUN(test_interrupt);
    RUN(test_progress);
    RUN(test_alloc_failures);
    return check_report();
}
