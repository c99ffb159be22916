/* Tests of engine/index.c: top-K by blocked sgemm + a k-heap, against brute
 * force in double.
 *
 * With small integer vectors every product is exact in float, so the index
 * must return exactly the brute-force ids and scores, ties included (small
 * integers tie often, which exercises the id order). With random floats the
 * returned scores must be the brute-force ones within 1e-5 and the k-th best
 * must match. Sizes straddle the tiles (128 queries x 1024 vectors). Then
 * k > n, duplicate vectors and ids, the errors word for word, Ctrl-C and
 * failing allocations. */
#include "check.h"

#include "alloc.h"
#include "error.h"
#include "index.h"
#include "interrupt.h"
#include "rng.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* ---- brute force ------------------------------------------------------------------------ */

typedef struct {
    double s;
    int64_t id;
    size_t row;
} ref_hit;

static int ref_cmp(const void *pa, const void *pb)
{
    const ref_hit *a = pa, *b = pb;
    if (a->s != b->s) return a->s > b->s ? -1 : 1;
    if (a->id != b->id) return a->id < b->id ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

static double ref_score(const float *q, const float *v, int dim, int metric)
{
    double ab = 0, aa = 0, bb = 0;
    for (int d = 0; d < dim; d++) {
        ab += (double)q[d] * (double)v[d];
        aa += (double)q[d] * (double)q[d];
        bb += (double)v[d] * (double)v[d];
    }
    if (metric == RN_INDEX_DOT) return ab;
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

/* The full ranking of the n vectors for query q (caller frees). */
static ref_hit *brute(const float *q, const float *v, const int64_t *ids, size_t n, int dim,
                      int metric)
{
    ref_hit *h = malloc(n * sizeof *h);
    for (size_t i = 0; i < n; i++)
        h[i] = (ref_hit){ref_score(q, v + i * (size_t)dim, dim, metric), ids ? ids[i] : (int64_t)i,
                         i};
    qsort(h, n, sizeof *h, ref_cmp);
    return h;
}

static void fill_ints(float *x, size_t m, rn_rng *g, int span)
{
    for (size_t i = 0; i < m; i++)
        x[i] = (float)((int)rn_rng_below(g, (uint64_t)(2 * span + 1)) - span);
}

static void fill_normal(float *x, size_t m, rn_rng *g)
{
    for (size_t i = 0; i < m; i++)
        x[i] = rn_rng_normal(g);
}

/* ---- exact agreement on integer data ---------------------------------------------------- */

/* Searches n integer vectors with nq queries and checks ids and scores equal
 * brute force exactly; returns the number of queries that disagreed. */
static int exact_case(size_t n, size_t nq, int dim, int k, int metric, uint64_t seed)
{
    rn_rng g;
    rn_rng_seed(&g, seed);
    float *v = malloc(n * (size_t)dim * sizeof *v), *q = malloc(nq * (size_t)dim * sizeof *q);
    fill_ints(v, n * (size_t)dim, &g, 2);
    fill_ints(q, nq * (size_t)dim, &g, 2);
    rn_index *ix = rn_index_new(dim, metric);
    CHECK(ix != NULL);
    CHECK(rn_index_add(ix, v, n, dim, NULL) == RN_OK);
    CHECK(rn_index_size(ix) == n);
    int64_t *ids = malloc(nq * (size_t)k * sizeof *ids);
    float *sc = malloc(nq * (size_t)k * sizeof *sc);
    CHECK(rn_index_search(ix, q, nq, dim, k, ids, sc) == RN_OK);
    int bad = 0;
    for (size_t i = 0; i < nq; i++) {
        ref_hit *r = brute(q + i * (size_t)dim, v, NULL, n, dim, metric);
        int ok = 1;
        for (int j = 0; j < k; j++) {
            int64_t *oid = ids + i * (size_t)k;
            float *osc = sc + i * (size_t)k;
            if ((size_t)j < n)
                ok = ok && oid[j] == r[j].id && osc[j] == (float)r[j].s;
            else
                ok = ok && oid[j] == -1 && isinf(osc[j]) && osc[j] < 0;
        }
        if (!ok && bad++ == 0)
            fprintf(stderr, "exact_case n=%zu nq=%zu dim=%d k=%d: query %zu differs\n", n, nq,
                    dim, k, i);
        free(r);
    }
    free(v), free(q), free(ids), free(sc);
    rn_index_free(ix);
    return bad;
}

static void test_exact_dot(void)
{
    /* sizes around the tiles: 1024 vectors, 128 queries */
    static const size_t ns[] = {1, 2, 7, 1023, 1024, 1025, 2500};
    static const size_t nqs[] = {1, 5, 128, 129, 300};
    static const int dims[] = {1, 3, 17};
    static const int ks[] = {1, 5, 10};
    int cases = 0, bad = 0;
    for (size_t a = 0; a < sizeof ns / sizeof *ns; a++)
        for (size_t b = 0; b < sizeof nqs / sizeof *nqs; b++)
            for (size_t c = 0; c < sizeof dims / sizeof *dims; c++) {
                int k = ks[(a + b + c) % 3];
                bad += exact_case(ns[a], nqs[b], dims[c], k, RN_INDEX_DOT, 1000 + a * 100 + b * 10 + c) != 0;
                cases++;
            }
    printf("dot, integer data: %d cases (n x nq x dim), %d differ from brute force\n", cases, bad);
    CHECK(bad == 0);
}

/* k > n: the n results, then -1 / -inf. */
static void test_k_above_n(void)
{
    CHECK(exact_case(3, 4, 2, 10, RN_INDEX_DOT, 7) == 0);
    CHECK(exact_case(1, 1, 5, 3, RN_INDEX_DOT, 8) == 0);
    float v[] = {1, 0, 0, 1};
    rn_index *ix = rn_index_new(2, RN_INDEX_DOT);
    CHECK(rn_index_add(ix, v, 2, 2, (const int64_t[]){40, 30}) == RN_OK);
    int64_t ids[4];
    float sc[4];
    CHECK(rn_index_search(ix, (const float[]){2, 1}, 1, 2, 4, ids, sc) == RN_OK);
    CHECK(ids[0] == 40 && sc[0] == 2.0f && ids[1] == 30 && sc[1] == 1.0f);
    CHECK(ids[2] == -1 && ids[3] == -1 && sc[2] == -INFINITY && sc[3] == -INFINITY);
    rn_index_free(ix);
}

/* A large k takes fewer queries per tile (the heap budget): still exact. */
static void test_large_k(void)
{
    CHECK(exact_case(20000, 60, 2, 20000, RN_INDEX_DOT, 11) == 0);
    CHECK(exact_case(3000, 140, 4, 2999, RN_INDEX_DOT, 12) == 0);
}

/* ---- random floats: scores within tolerance ---------------------------------------------- */

static void random_case(size_t n, size_t nq, int dim, int k, int metric, uint64_t seed,
                        double *worst)
{
    rn_rng g;
    rn_rng_seed(&g, seed);
    float *v = malloc(n * (size_t)dim * sizeof *v), *q = malloc(nq * (size_t)dim * sizeof *q);
    fill_normal(v, n * (size_t)dim, &g);
    fill_normal(q, nq * (size_t)dim, &g);
    rn_index *ix = rn_index_new(dim, metric);
    /* in two parts: ids continue from the size */
    CHECK(rn_index_add(ix, v, n / 2, dim, NULL) == RN_OK);
    CHECK(rn_index_add(ix, v + n / 2 * (size_t)dim, n - n / 2, dim, NULL) == RN_OK);
    int64_t *ids = malloc(nq * (size_t)k * sizeof *ids);
    float *sc = malloc(nq * (size_t)k * sizeof *sc);
    CHECK(rn_index_search(ix, q, nq, dim, k, ids, sc) == RN_OK);
    for (size_t i = 0; i < nq; i++) {
        const float *qi = q + i * (size_t)dim;
        ref_hit *r = brute(qi, v, NULL, n, dim, metric);
        for (int j = 0; j < k; j++) {
            int64_t id = ids[i * (size_t)k + j];
            float s = sc[i * (size_t)k + j];
            /* the score is the true score of the id it names, and the j-th best score */
            double truth = ref_score(qi, v + (size_t)id * (size_t)dim, dim, metric);
            double e = fmax(fabs((double)s - truth), fabs((double)s - r[j].s));
            if (j > 0 && s > sc[i * (size_t)k + j - 1]) e = INFINITY; /* not sorted */
            if (e > *worst) *worst = e;
        }
        free(r);
    }
    free(v), free(q), free(ids), free(sc);
    rn_index_free(ix);
}

static void test_random(void)
{
    double worst = 0;
    random_case(5000, 200, 64, 10, RN_INDEX_DOT, 21, &worst);
    random_case(1500, 33, 16, 25, RN_INDEX_DOT, 22, &worst);
    printf("dot, random data: worst score difference %.3g\n", worst);
    CHECK(worst < 1e-4); /* dot products of 64 N(0,1) pairs are ~8: float rounding ~1e-6 */
    worst = 0;
    random_case(5000, 200, 64, 10, RN_INDEX_COSINE, 23, &worst);
    random_case(1100, 129, 7, 3, RN_INDEX_COSINE, 24, &worst);
    printf("cosine, random data: worst score difference %.3g\n", worst);
    CHECK(worst < 1e-5);
}

/* ---- ties, duplicates, zero vectors ----------------------------------------------------- */

static void test_ties(void)
{
    /* the same vector five times with ids in descending order: the smaller id first */
    float v[6 * 3];
    for (int i = 0; i < 5; i++)
        v[3 * i] = 0.3f, v[3 * i + 1] = -1.7f, v[3 * i + 2] = 2.1f;
    v[15] = 1, v[16] = -9, v[17] = 9; /* and one better by dot, worse by cosine */
    const int64_t ids[] = {50, 40, 30, 20, 10, 99};
    for (int metric = 0; metric < 2; metric++) {
        rn_index *ix = rn_index_new(3, metric);
        CHECK(rn_index_add(ix, v, 6, 3, ids) == RN_OK);
        int64_t out[6];
        float sc[6];
        const float q[] = {0.3f, -1.7f, 2.1f};
        CHECK(rn_index_search(ix, q, 1, 3, 6, out, sc) == RN_OK);
        if (metric == RN_INDEX_DOT) {
            CHECK(out[0] == 99);
            CHECK(out[1] == 10 && out[2] == 20 && out[3] == 30 && out[4] == 40 && out[5] == 50);
            CHECK(sc[1] == sc[5]);
        } else {
            /* cosine: the five copies are the query's direction, before (9, 9, 9) */
            CHECK(out[0] == 10 && out[1] == 20 && out[2] == 30 && out[3] == 40 && out[4] == 50);
            CHECK(out[5] == 99);
            CHECK(sc[0] == sc[4]);
            CHECK_NEAR(sc[0], 1.0, 1e-6);
        }
        /* k = 2 of the tie: the two smallest ids, whichever tile they sit in */
        CHECK(rn_index_search(ix, q, 1, 3, 2, out, sc) == RN_OK);
        CHECK(metric == RN_INDEX_DOT ? out[0] == 99 && out[1] == 10 : out[0] == 10 && out[1] == 20);
        rn_index_free(ix);
    }
    /* duplicate ids: allowed, then in the order of addition */
    rn_index *ix = rn_index_new(1, RN_INDEX_DOT);
    CHECK(rn_index_add(ix, (const float[]){1, 1, 2}, 3, 1, (const int64_t[]){7, 7, 7}) == RN_OK);
    int64_t out[3];
    float sc[3];
    CHECK(rn_index_search(ix, (const float[]){1}, 1, 1, 3, out, sc) == RN_OK);
    CHECK(out[0] == 7 && sc[0] == 2 && out[1] == 7 && sc[1] == 1 && out[2] == 7 && sc[2] == 1);
    rn_index_free(ix);
    /* ties across many item tiles: 3000 copies, ids shuffled; the 10 smallest ids win */
    enum { N = 3000 };
    float *w = malloc(N * 4 * sizeof *w);
    int64_t *wid = malloc(N * sizeof *wid);
    rn_rng g;
    rn_rng_seed(&g, 5);
    for (int i = 0; i < N; i++) {
        w[4 * i] = 0.1f, w[4 * i + 1] = 0.2f, w[4 * i + 2] = -0.3f, w[4 * i + 3] = 0.77f;
        wid[i] = 1000 + i;
    }
    for (int i = N - 1; i > 0; i--) {
        int j = (int)rn_rng_below(&g, (uint64_t)i + 1);
        int64_t t = wid[i];
        wid[i] = wid[j], wid[j] = t;
    }
    ix = rn_index_new(4, RN_INDEX_DOT);
    CHECK(rn_index_add(ix, w, N, 4, wid) == RN_OK);
    int64_t o10[10];
    float s10[10];
    CHECK(rn_index_search(ix, (const float[]){0.5f, -1.25f, 3, 0.1f}, 1, 4, 10, o10, s10) == 0);
    int in_order = 1;
    for (int j = 0; j < 10; j++)
        in_order = in_order && o10[j] == 1000 + j && s10[j] == s10[0];
    CHECK(in_order);
    rn_index_free(ix);
    free(w), free(wid);
}

static void test_zero_vector(void)
{
    rn_index *ix = rn_index_new(2, RN_INDEX_COSINE);
    CHECK(rn_index_add(ix, (const float[]){0, 0, -1, 0}, 2, 2, NULL) == RN_OK);
    int64_t out[2];
    float sc[2];
    CHECK(rn_index_search(ix, (const float[]){1, 0}, 1, 2, 2, out, sc) == RN_OK);
    CHECK(out[0] == 0 && sc[0] == 0.0f && out[1] == 1 && sc[1] == -1.0f);
    /* a zero query scores 0 with everything: then ids decide */
    CHECK(rn_index_search(ix, (const float[]){0, 0}, 1, 2, 2, out, sc) == RN_OK);
    CHECK(out[0] == 0 && out[1] == 1 && sc[0] == 0 && sc[1] == 0);
    /* huge but finite values: normalised without overflow */
    CHECK(rn_index_add(ix, (const float[]){3e38f, 3e38f}, 1, 2, NULL) == RN_OK);
    CHECK(rn_index_search(ix, (const float[]){1, 1}, 1, 2, 1, out, sc) == RN_OK);
    CHECK(out[0] == 2);
    CHECK_NEAR(sc[0], 1.0, 1e-6);
    rn_index_free(ix);
}

/* ---- errors ----------------------------------------------------------------------------- */

static void test_errors(void)
{
    CHECK(rn_index_new(0, RN_INDEX_DOT) == NULL);
    CHECK_STR(rn_error(), "index: dim must be 1..65536, got 0");
    CHECK(rn_index_new(4, 7) == NULL);
    CHECK_STR(rn_error(), "index: unknown metric 7 (RN_INDEX_DOT or RN_INDEX_COSINE)");

    rn_index *ix = rn_index_new(3, RN_INDEX_DOT);
    int64_t ids[4];
    float sc[4];
    const float q[] = {1, 2, 3};
    CHECK(rn_index_search(ix, q, 1, 3, 2, ids, sc) == RN_ESTATE);
    CHECK_STR(rn_error(), "index search: the index is empty (add vectors first)");
    CHECK(rn_index_add(ix, q, 1, 2, NULL) == RN_ESHAPE);
    CHECK_STR(rn_error(), "index add: vectors of dim 2, the index holds dim 3");
    const float bad[] = {1, 2, 3, 4, NAN, 6};
    CHECK(rn_index_add(ix, bad, 2, 3, NULL) == RN_ENAN);
    CHECK_STR(rn_error(), "index add: row 2, column 2 is nan (must be finite)");
    CHECK(rn_index_size(ix) == 0); /* nothing added */
    const float inf[] = {1, INFINITY, 3};
    CHECK(rn_index_add(ix, inf, 1, 3, NULL) == RN_ENAN);
    CHECK_STR(rn_error(), "index add: row 1, column 2 is inf (must be finite)");
    CHECK(rn_index_add(ix, q, 1, 3, (const int64_t[]){-1}) == RN_EARG);
    CHECK_STR(rn_error(), "index add: id of row 1 is -1 (ids must be >= 0)");
    CHECK(rn_index_size(ix) == 0);
    CHECK(rn_index_add(ix, q, 1, 3, NULL) == RN_OK);
    CHECK(rn_index_search(ix, q, 1, 3, 0, ids, sc) == RN_EARG);
    CHECK_STR(rn_error(), "index search: k must be at least 1, got 0");
    CHECK(rn_index_search(ix, q, 1, 4, 1, ids, sc) == RN_ESHAPE);
    CHECK_STR(rn_error(), "index search: queries of dim 4, the index holds dim 3");
    CHECK(rn_index_search(ix, bad, 2, 3, 1, ids, sc) == RN_ENAN);
    CHECK_STR(rn_error(), "index search: row 2, column 2 is nan (must be finite)");
    CHECK(rn_index_search(ix, q, 0, 3, 1, ids, sc) == RN_OK); /* no queries: nothing to do */
    CHECK(rn_index_dim(ix) == 3 && rn_index_metric(ix) == RN_INDEX_DOT);
    CHECK_STR(rn_index_metric_name(RN_INDEX_COSINE), "cosine");
    CHECK(rn_index_metric_from_name("dot") == RN_INDEX_DOT);
    CHECK(rn_index_metric_from_name("l2") == -1);
    rn_index_free(ix);
    rn_index_free(NULL);

    /* scores that overflow: whether a sum meets inf - inf (NaN) depends on the
     * BLAS kernel (an FMA keeps the second product exact); either way no NaN
     * comes out and the order holds (a NaN ranks as -inf) */
    ix = rn_index_new(4, RN_INDEX_DOT);
    CHECK(rn_index_add(ix, (const float[]){3e38f, -3e38f, 3e38f, -3e38f, 1, 1, 1, 1, -1, -1, -1, -1},
                       3, 4, NULL) == RN_OK);
    CHECK(rn_index_search(ix, (const float[]){3e38f, 3e38f, 3e38f, 3e38f}, 1, 4, 3, ids, sc) == 0);
    CHECK(!isnan(sc[0]) && !isnan(sc[1]) && !isnan(sc[2]));
    CHECK(sc[0] >= sc[1] && sc[1] >= sc[2]);
    CHECK(ids[0] == 1 || ids[0] == 0);
    CHECK(ids[2] == 2 || sc[2] == -INFINITY);
    rn_index_free(ix);
}

static void test_interrupt(void)
{
    volatile sig_atomic_t flag = 1;
    rn_interrupt_use(&flag);
    rn_index *ix = rn_index_new(2, RN_INDEX_DOT);
    CHECK(rn_index_add(ix, (const float[]){1, 2}, 1, 2, NULL) == RN_OK);
    int64_t id;
    float s;
    CHECK(rn_index_search(ix, (const float[]){1, 1}, 1, 2, 1, &id, &s) == RN_EINTR);
    rn_interrupt_use(NULL);
    CHECK(rn_index_search(ix, (const float[]){1, 1}, 1, 2, 1, &id, &s) == RN_OK && id == 0);
    rn_index_free(ix);
}

/* ---- failing allocations ---------------------------------------------------------------- */

static long fail_at;
static void *hook(void *ud, void *ptr, size_t size)
{
    (void)ud;
    if (size > 0 && fail_at > 0 && --fail_at == 0) return NULL;
    return rn_alloc_default(NULL, ptr, size);
}

static void test_alloc_failures(void)
{
    float v[2000 * 3];
    for (int i = 0; i < 2000 * 3; i++)
        v[i] = (float)(i % 7) - 3;
    int clean = 1, seen = 0;
    long k;
    rn_alloc_set(hook, NULL);
    for (k = 1;; k++) {
        fail_at = k;
        int rc = RN_OK;
        rn_index *ix = rn_index_new(3, RN_INDEX_COSINE);
        if (ix == NULL) rc = rn_error_code();
        for (int part = 0; rc == RN_OK && part < 4; part++)
            rc = rn_index_add(ix, v + part * 500 * 3, 500, 3, NULL);
        int64_t ids[3 * 5];
        float sc[3 * 5];
        if (rc == RN_OK) rc = rn_index_search(ix, v, 3, 3, 5, ids, sc);
        if (rc == RN_OK && rn_index_size(ix) != 2000) clean = 0;
        rn_index_free(ix);
        if (rc == RN_ENOMEM)
            seen++;
        else if (rc != RN_OK)
            clean = 0;
        if (fail_at > 0) break; /* the k-th allocation was never reached */
    }
    fail_at = 0;
    rn_alloc_set(NULL, NULL);
    printf("failing each of %ld allocations in turn: %d clean RN_ENOMEM\n", k - 1, seen);
    CHECK(clean);
    CHECK(seen == k - 1 && seen >= 6);
}

int main(void)
{
    RUN(test_exact_dot);
    RUN(test_k_above_n);
    RUN(test_large_k);
    RUN(test_random);
    RUN(test_ties);
    RUN(test_zero_vector);
    RUN(test_errors);
    RUN(test_interrupt);
    RUN(test_alloc_failures);
    return check_report();
}
