/* Exact top-K search by blocked matrix products and a bounded heap per query.
 *
 * For a tile of TQ queries and a tile of TI vectors, one cblas_sgemm computes
 * the TQ x TI scores S = Q_tile V_tile^T; each query's row of S then goes
 * through its heap of the K best so far (index_internal.h: a min-heap under
 * the result order whose root is the worst kept result, so most scores are
 * rejected by one comparison with the root's score).
 *
 * The loops run vector tile outermost: a tile of vectors (TI x dim floats,
 * 256 KiB at dim 64) is read from memory once and stays in cache while every
 * query tile of the batch is multiplied with it, so a batch streams the index
 * once, not once per query tile. The queries' heaps live across the whole
 * pass (a chunk of queries at a time, to bound their memory).
 *
 * Two cores: the vector tiles are split between workers (rn__parallel), each
 * with its own score buffer and heaps and OpenBLAS held to one thread, and
 * the workers' heaps are merged per query at the end. The merge keeps the
 * result order, so the result does not depend on the number of workers.
 * Small searches (a few vector tiles) stay on the calling thread.
 *
 * Reference: the exact ("Flat") indexes of FAISS (Johnson, Douze, Jegou,
 * "Billion-scale similarity search with GPUs", 2017) search this way: a
 * blocked GEMM followed by a per-query k-selection.
 */
#include "index.h"

#include "alloc.h"
#include "error.h"
#include "index_internal.h"
#include "interrupt.h"

#include <cblas.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#define MAX_DIM (1 << 16)
#define TQ RN_INDEX_TILE_QUERIES
#define TI RN_INDEX_TILE_VECTORS
/* At most this many heap entries per worker at once: a chunk of queries. */
#define MAX_HEAP_ENTRIES ((size_t)1 << 18)
/* Below this many multiply-adds a search stays on one thread. */
#define PARALLEL_MIN_WORK ((double)(1 << 22))

struct rn_index {
    int dim, metric, threads;
    size_t n, cap;
    float *v;     /* n x dim; unit length (or zero) under cosine */
    int64_t *ids; /* n */
};

const char *rn_index_metric_name(int metric)
{
    return metric == RN_INDEX_DOT ? "dot" : metric == RN_INDEX_COSINE ? "cosine" : "?";
}

int rn_index_metric_from_name(const char *s)
{
    if (s == NULL) return -1;
    if (strcmp(s, "dot") == 0) return RN_INDEX_DOT;
    if (strcmp(s, "cosine") == 0) return RN_INDEX_COSINE;
    return -1;
}

rn_index *rn_index_new(int dim, int metric)
{
    if (dim < 1 || dim > MAX_DIM) {
        rn_fail(RN_EARG, "index: dim must be 1..%d, got %d", MAX_DIM, dim);
        return NULL;
    }
    if (metric != RN_INDEX_DOT && metric != RN_INDEX_COSINE) {
        rn_fail(RN_EARG, "index: unknown metric %d (RN_INDEX_DOT or RN_INDEX_COSINE)", metric);
        return NULL;
    }
    rn_index *ix = rn_calloc(1, sizeof *ix, "index");
    if (ix == NULL) return NULL;
    ix->dim = dim, ix->metric = metric;
    return ix;
}

void rn_index_free(rn_index *ix)
{
    if (ix == NULL) return;
    rn_free(ix->v);
    rn_free(ix->ids);
    rn_free(ix);
}

size_t rn_index_size(const rn_index *ix)
{
    return ix->n;
}
int rn_index_dim(const rn_index *ix)
{
    return ix->dim;
}
int rn_index_metric(const rn_index *ix)
{
    return ix->metric;
}
const float *rn_index_vectors(const rn_index *ix)
{
    return ix->v;
}
const int64_t *rn_index_ids(const rn_index *ix)
{
    return ix->ids;
}

void rn_index_set_threads(rn_index *ix, int threads)
{
    ix->threads = threads < 0 ? 0 : threads > RN__MAX_THREADS ? RN__MAX_THREADS : threads;
}

int rn_index_add(rn_index *ix, const float *v, size_t n, int dim, const int64_t *ids)
{
    if (dim != ix->dim)
        return rn_fail(RN_ESHAPE, "index add: vectors of dim %d, the index holds dim %d", dim,
                       ix->dim);
    if (n == 0) return RN_OK;
    if (v == NULL) return rn_fail(RN_EARG, "index add: no vectors (NULL)");
    if (n > (SIZE_MAX / sizeof(float)) / (size_t)dim - ix->n || n > (size_t)INT64_MAX - ix->n)
        return rn_fail(RN_EARG, "index add: %zu vectors of dim %d are too many", n, dim);
    int rc = rn__check_finite(v, n, dim, "index add");
    if (rc) return rc;
    for (size_t i = 0; ids != NULL && i < n; i++)
        if (ids[i] < 0)
            return rn_fail(RN_EARG, "index add: id of row %zu is %lld (ids must be >= 0)", i + 1,
                           (long long)ids[i]);
    if (ix->n + n > ix->cap) {
        size_t cap = ix->cap ? ix->cap : 64;
        while (cap < ix->n + n)
            cap = cap > SIZE_MAX / 2 / ((size_t)dim * sizeof(float)) ? ix->n + n : cap * 2;
        float *nv = rn_realloc(ix->v, cap * (size_t)dim * sizeof *nv, "index vectors");
        if (nv == NULL) return RN_ENOMEM;
        ix->v = nv;
        int64_t *ni = rn_realloc(ix->ids, cap * sizeof *ni, "index ids");
        if (ni == NULL) return RN_ENOMEM;
        ix->ids = ni;
        ix->cap = cap;
    }
    float *dst = ix->v + ix->n * (size_t)dim;
    memcpy(dst, v, n * (size_t)dim * sizeof *dst);
    for (size_t i = 0; i < n; i++) {
        ix->ids[ix->n + i] = ids ? ids[i] : (int64_t)(ix->n + i);
        if (ix->metric == RN_INDEX_COSINE) rn__normalise(dst + i * (size_t)dim, dim);
    }
    ix->n += n;
    return RN_OK;
}

/* ---- the search --------------------------------------------------------------------------- */

typedef struct {
    const rn_index *ix;
    const float *Q;   /* nq x dim, normalised under cosine */
    size_t nq, kk;    /* queries in this chunk, results kept per query */
    size_t tq, ti;    /* tile sizes */
    float *S[RN__MAX_THREADS];      /* tq x ti scores per worker */
    rn__hit *heaps[RN__MAX_THREADS]; /* nq x kk per worker */
    size_t *cnt[RN__MAX_THREADS];   /* nq per worker */
    atomic_int stop;                /* Ctrl-C seen by worker 0 */
} search_job;

/* Worker w of n_workers: the vector tiles t with t % n_workers == w, against
 * every query tile of the chunk. */
static void search_worker(void *ctx, int w, int n_workers)
{
    search_job *j = ctx;
    const rn_index *ix = j->ix;
    int dim = ix->dim;
    float *S = j->S[w];
    size_t n_tiles = (ix->n + j->ti - 1) / j->ti;
    for (size_t t = (size_t)w; t < n_tiles; t += (size_t)n_workers) {
        if (w == 0 && rn_interrupted()) atomic_store(&j->stop, 1);
        if (atomic_load_explicit(&j->stop, memory_order_relaxed)) return;
        size_t i0 = t * j->ti, mi = ix->n - i0 < j->ti ? ix->n - i0 : j->ti;
        for (size_t q0 = 0; q0 < j->nq; q0 += j->tq) {
            size_t mq = j->nq - q0 < j->tq ? j->nq - q0 : j->tq;
            /* S (mq x mi) = Q[q0 .. q0+mq) (mq x dim) . V[i0 .. i0+mi)^T */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)mq, (int)mi, dim, 1.0f,
                        j->Q + q0 * (size_t)dim, dim, ix->v + i0 * (size_t)dim, dim, 0.0f, S,
                        (int)mi);
            for (size_t i = 0; i < mq; i++)
                rn__topk_push_run(j->heaps[w] + (q0 + i) * j->kk, &j->cnt[w][q0 + i], j->kk,
                                  S + i * mi, mi, ix->ids + i0, NULL, i0);
        }
    }
}

int rn_index_search(const rn_index *ix, const float *q, size_t nq, int dim, int k, int64_t *ids,
                    float *scores)
{
    if (dim != ix->dim)
        return rn_fail(RN_ESHAPE, "index search: queries of dim %d, the index holds dim %d", dim,
                       ix->dim);
    if (k < 1) return rn_fail(RN_EARG, "index search: k must be at least 1, got %d", k);
    if (ix->n == 0) return rn_fail(RN_ESTATE, "index search: the index is empty (add vectors first)");
    if (nq == 0) return RN_OK;
    if (q == NULL || ids == NULL || scores == NULL)
        return rn_fail(RN_EARG, "index search: queries or outputs are NULL");
    if (nq > SIZE_MAX / (size_t)k || nq > (SIZE_MAX / sizeof(float)) / (size_t)dim)
        return rn_fail(RN_EARG, "index search: %zu queries are too many", nq);
    int rc = rn__check_finite(q, nq, dim, "index search");
    if (rc) return rc;

    size_t kk = (size_t)k < ix->n ? (size_t)k : ix->n; /* results per query */
    size_t chunk = MAX_HEAP_ENTRIES / kk;
    if (chunk < 1) chunk = 1;
    if (chunk > nq) chunk = nq;
    size_t ti = ix->n < TI ? ix->n : TI, n_tiles = (ix->n + ti - 1) / ti;
    size_t tq = chunk < TQ ? chunk : TQ;
    int workers = ix->threads > 0 ? ix->threads : rn__threads();
    if ((size_t)workers > n_tiles) workers = (int)n_tiles;
    if ((double)ix->n * (double)nq * dim < PARALLEL_MIN_WORK) workers = 1;

    search_job j = {.ix = ix, .kk = kk, .tq = tq, .ti = ti};
    atomic_init(&j.stop, 0);
    float *qn = NULL;
    int ok = 1;
    for (int w = 0; w < workers; w++) {
        j.S[w] = rn_malloc(tq * ti * sizeof *j.S[w], "index search scores");
        j.heaps[w] = rn_malloc(chunk * kk * sizeof *j.heaps[w], "index search heaps");
        j.cnt[w] = rn_malloc(chunk * sizeof *j.cnt[w], "index search counts");
        ok = ok && j.S[w] && j.heaps[w] && j.cnt[w];
    }
    if (ok && ix->metric == RN_INDEX_COSINE)
        ok = (qn = rn_malloc(chunk * (size_t)dim * sizeof *qn, "index search queries")) != NULL;
    if (!ok) rc = RN_ENOMEM;

    int blas = workers > 1 ? rn__blas_threads_begin() : 1;
    for (size_t c0 = 0; ok && c0 < nq; c0 += chunk) {
        j.nq = nq - c0 < chunk ? nq - c0 : chunk;
        j.Q = q + c0 * (size_t)dim;
        if (qn != NULL) {
            memcpy(qn, j.Q, j.nq * (size_t)dim * sizeof *qn);
            for (size_t i = 0; i < j.nq; i++)
                rn__normalise(qn + i * (size_t)dim, dim);
            j.Q = qn;
        }
        for (int w = 0; w < workers; w++)
            memset(j.cnt[w], 0, j.nq * sizeof *j.cnt[w]);
        rn__parallel(workers, search_worker, &j);
        if (atomic_load(&j.stop)) {
            rc = rn_interrupt_fail("index search");
            break;
        }
        /* merge the workers' heaps into worker 0's, then sort each out */
        for (size_t i = 0; i < j.nq; i++) {
            rn__hit *h = j.heaps[0] + i * kk;
            for (int w = 1; w < workers; w++)
                for (size_t m = 0; m < j.cnt[w][i]; m++)
                    rn__topk_push(h, &j.cnt[0][i], kk, j.heaps[w][i * kk + m]);
            rn__topk_pop_sorted(h, j.cnt[0][i], (size_t)k, ids + (c0 + i) * (size_t)k,
                                scores + (c0 + i) * (size_t)k);
        }
    }
    if (workers > 1) rn__blas_threads_end(blas);
    for (int w = 0; w < workers; w++)
        rn_free(j.S[w]), rn_free(j.heaps[w]), rn_free(j.cnt[w]);
    rn_free(qn);
    return rc;
}

/* ---- files -------------------------------------------------------------------------------- */

int rn_index_save(const rn_index *ix, const char *path)
{
    rn__writer w = {0};
    rn__w_header(&w, RN__INDEX_FILE_FLAT, ix->metric, ix->dim, ix->n);
    rn__w_bytes(&w, ix->v, ix->n * (size_t)ix->dim * sizeof *ix->v);
    for (size_t i = 0; i < ix->n; i++)
        rn__w_u64(&w, (uint64_t)ix->ids[i]);
    return rn__w_finish(&w, path, "index save");
}

int rn_index_file_kind(const char *path)
{
    rn__reader r;
    int kind, metric, dim;
    uint64_t n;
    int rc = rn__r_open(&r, path, &kind, &metric, &dim, &n);
    rn_free((void *)r.p);
    return rc ? rc : kind;
}

rn_index *rn_index_load(const char *path)
{
    rn__reader r;
    int kind, metric, dim;
    uint64_t n;
    rn_index *ix = NULL;
    int rc = rn__r_open(&r, path, &kind, &metric, &dim, &n);
    if (rc == RN_OK && kind != RN__INDEX_FILE_FLAT) {
        r.off = 8;
        rc = rn__r_fail(&r, "this is an %s index, not an exact one",
                        kind == RN__INDEX_FILE_HNSW ? "HNSW" : "IVF");
    }
    if (rc == RN_OK) rc = rn__r_fits(&r, n, (size_t)dim * sizeof(float) + 8, "the vectors");
    if (rc == RN_OK && (ix = rn_index_new(dim, metric)) == NULL) rc = rn_error_code();
    if (rc == RN_OK && n > 0) {
        ix->v = rn_malloc((size_t)n * (size_t)dim * sizeof *ix->v, "index vectors");
        ix->ids = rn_malloc((size_t)n * sizeof *ix->ids, "index ids");
        if (ix->v == NULL || ix->ids == NULL) rc = RN_ENOMEM;
        if (rc == RN_OK) rc = rn__r_vectors(&r, ix->v, ix->ids, n, dim);
        ix->n = ix->cap = (size_t)n;
    }
    if (rc == RN_OK && r.off != r.size)
        rc = rn__r_fail(&r, "%zu bytes follow the last section", r.size - r.off);
    rn_free((void *)r.p);
    if (rc != RN_OK) {
        rn_index_free(ix);
        return NULL;
    }
    return ix;
}
