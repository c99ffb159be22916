/* Exact top-K search by blocked matrix products and a bounded heap per query.
 *
 * For a tile of TQ queries and a tile of TI vectors, one cblas_sgemm computes
 * the TQ x TI scores S = Q_tile V_tile^T; each query's row of S then goes
 * through its heap of the K best so far. The heap is a min-heap under the
 * result order (score descending, then id ascending, then row ascending), so
 * its root is the worst kept result and most scores are rejected by one
 * comparison with the root's score. The S buffer (TQ x TI floats) stays in
 * cache; the vectors stream once per query tile.
 *
 * Reference: the exact ("Flat") indexes of FAISS (Johnson, Douze, Jegou,
 * "Billion-scale similarity search with GPUs", 2017) search this way: a
 * blocked GEMM followed by a per-query k-selection.
 */
#include "index.h"

#include "alloc.h"
#include "error.h"
#include "interrupt.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define MAX_DIM (1 << 16)
#define TQ RN_INDEX_TILE_QUERIES
#define TI RN_INDEX_TILE_VECTORS
/* At most this many heap entries at once: with a large k, fewer queries per tile. */
#define MAX_HEAP_ENTRIES ((size_t)1 << 20)

struct rn_index {
    int dim, metric;
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

/* The first non-finite value of an n x dim array, as an RN_ENAN naming what,
 * the row and the column (1-based); RN_OK when all are finite. */
static int check_finite(const float *v, size_t n, int dim, const char *what)
{
    size_t total = n * (size_t)dim;
    for (size_t i = 0; i < total; i++)
        if (!isfinite(v[i]))
            return rn_fail(RN_ENAN, "%s: row %zu, column %zu is %s (must be finite)", what,
                           i / (size_t)dim + 1, i % (size_t)dim + 1,
                           isnan(v[i]) ? "nan" : v[i] > 0 ? "inf" : "-inf");
    return RN_OK;
}

/* Scales x (dim values) to unit length, in double; a zero vector stays zero. */
static void normalise(float *x, int dim)
{
    double s = 0;
    for (int d = 0; d < dim; d++)
        s += (double)x[d] * (double)x[d];
    if (s == 0 || !isfinite(s)) {
        if (s == 0) return;
        /* squares overflowed: scale down first (values are finite) */
        double m = 0;
        for (int d = 0; d < dim; d++)
            m = fmax(m, fabs((double)x[d]));
        s = 0;
        for (int d = 0; d < dim; d++)
            s += ((double)x[d] / m) * ((double)x[d] / m);
        double inv = 1.0 / (m * sqrt(s));
        for (int d = 0; d < dim; d++)
            x[d] = (float)((double)x[d] * inv);
        return;
    }
    double inv = 1.0 / sqrt(s);
    for (int d = 0; d < dim; d++)
        x[d] = (float)((double)x[d] * inv);
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
    int rc = check_finite(v, n, dim, "index add");
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
        if (ix->metric == RN_INDEX_COSINE) normalise(dst + i * (size_t)dim, dim);
    }
    ix->n += n;
    return RN_OK;
}

/* ---- the bounded heap ------------------------------------------------------------------- */

typedef struct {
    float s;
    size_t row;
} hit;

/* a ranks after b in the result order: lower score, or equal score and a larger
 * id, or equal ids and added later. */
static inline int worse(const int64_t *ids, hit a, hit b)
{
    if (a.s != b.s) return a.s < b.s;
    if (ids[a.row] != ids[b.row]) return ids[a.row] > ids[b.row];
    return a.row > b.row;
}

/* Restores the heap (worst at the root) below position i. */
static void sift_down(hit *h, size_t m, size_t i, const int64_t *ids)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < m && worse(ids, h[l], h[w])) w = l;
        if (r < m && worse(ids, h[r], h[w])) w = r;
        if (w == i) return;
        hit t = h[i];
        h[i] = h[w], h[w] = t;
        i = w;
    }
}

static void sift_up(hit *h, size_t i, const int64_t *ids)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!worse(ids, h[i], h[p])) return;
        hit t = h[i];
        h[i] = h[p], h[p] = t;
        i = p;
    }
}

/* Feeds the scores s[0..m) of rows row0.. to the heap h of *cnt (of at most k). */
static void push_scores(hit *h, size_t *cnt, size_t k, const float *s, size_t m, size_t row0,
                        const int64_t *ids)
{
    size_t c = *cnt, j = 0;
    /* filling: every score enters */
    for (; j < m && c < k; j++) {
        float x = s[j] == s[j] ? s[j] : -INFINITY; /* NaN (inf - inf) ranks last */
        h[c] = (hit){x, row0 + j};
        sift_up(h, c++, ids);
    }
    float th = c > 0 ? h[0].s : -INFINITY;
    for (; j < m; j++) {
        /* blocks of 16 scores all below the worst kept one are skipped with one
         * branch: the comparisons vectorise (a NaN compares false: skipped too) */
        while (j + 16 <= m) {
            int any = 0;
            for (size_t t = 0; t < 16; t++)
                any |= s[j + t] >= th;
            if (any) break;
            j += 16;
        }
        if (j >= m) break;
        /* the common case: one comparison with the worst kept score */
        if (!(s[j] >= th)) continue;
        hit x = {s[j], row0 + j};
        if (!worse(ids, h[0], x)) continue;
        h[0] = x;
        sift_down(h, c, 0, ids);
        th = h[0].s;
    }
    *cnt = c;
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
    int rc = check_finite(q, nq, dim, "index search");
    if (rc) return rc;

    size_t kk = (size_t)k < ix->n ? (size_t)k : ix->n; /* results per query */
    size_t tq = MAX_HEAP_ENTRIES / kk;
    if (tq > TQ) tq = TQ;
    if (tq < 1) tq = 1;
    if (tq > nq) tq = nq;
    size_t ti = ix->n < TI ? ix->n : TI;
    float *S = rn_malloc(tq * ti * sizeof *S, "index search scores");
    hit *heaps = rn_malloc(tq * kk * sizeof *heaps, "index search heaps");
    size_t *cnt = rn_malloc(tq * sizeof *cnt, "index search counts");
    float *qn = ix->metric == RN_INDEX_COSINE
                    ? rn_malloc(tq * (size_t)dim * sizeof *qn, "index search queries")
                    : NULL;
    if (S == NULL || heaps == NULL || cnt == NULL || (ix->metric == RN_INDEX_COSINE && !qn)) {
        rn_free(S), rn_free(heaps), rn_free(cnt), rn_free(qn);
        return RN_ENOMEM;
    }
    for (size_t q0 = 0; q0 < nq; q0 += tq) {
        if (rn_interrupted()) {
            rc = rn_interrupt_fail("index search");
            break;
        }
        size_t mq = nq - q0 < tq ? nq - q0 : tq;
        const float *Q = q + q0 * (size_t)dim;
        if (qn != NULL) {
            memcpy(qn, Q, mq * (size_t)dim * sizeof *qn);
            for (size_t i = 0; i < mq; i++)
                normalise(qn + i * (size_t)dim, dim);
            Q = qn;
        }
        memset(cnt, 0, mq * sizeof *cnt);
        for (size_t i0 = 0; i0 < ix->n; i0 += ti) {
            size_t mi = ix->n - i0 < ti ? ix->n - i0 : ti;
            /* S (mq x mi) = Q (mq x dim) . V[i0 .. i0+mi)^T */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)mq, (int)mi, dim, 1.0f, Q,
                        dim, ix->v + i0 * (size_t)dim, dim, 0.0f, S, (int)mi);
            for (size_t i = 0; i < mq; i++)
                push_scores(heaps + i * kk, &cnt[i], kk, S + i * mi, mi, i0, ix->ids);
        }
        /* heap to sorted output: pop the worst into the last free slot */
        for (size_t i = 0; i < mq; i++) {
            hit *h = heaps + i * kk;
            int64_t *oid = ids + (q0 + i) * (size_t)k;
            float *osc = scores + (q0 + i) * (size_t)k;
            for (size_t m = cnt[i]; m > 0; m--) {
                oid[m - 1] = ix->ids[h[0].row];
                osc[m - 1] = h[0].s;
                h[0] = h[m - 1];
                sift_down(h, m - 1, 0, ix->ids);
            }
            for (size_t j = cnt[i]; j < (size_t)k; j++)
                oid[j] = -1, osc[j] = -INFINITY;
        }
    }
    rn_free(S), rn_free(heaps), rn_free(cnt), rn_free(qn);
    return rc;
}
