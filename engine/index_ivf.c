/* IVF-Flat: k-means lists of full vectors (see index_ivf.h).
 *
 * The centroids live in an exact rn_index (metric dot: under cosine both
 * they and the vectors are unit length), so assigning vectors during
 * training and adds, and ranking the lists for a query, are the exact
 * index's blocked, parallel top-K search (k = 1, or k = nprobe).
 *
 * Each list keeps its vectors in blocks of 16, dimension-major within a
 * block (index_internal.h: the layout the scan kernel reads), with their ids
 * and rows (the order of addition, for the result order's last tie-break).
 * Files keep the vectors row by row, so the layout is the memory's alone.
 *
 * The search turns "each query scans its nprobe lists" around: for a chunk
 * of queries, the (query, list) pairs are bucketed by list, then each
 * list is scanned for its queries four at a time by the register-blocked
 * kernel of index_ivf_scan.c (each block of the list read once per four
 * queries, while it is in cache), every row of scores feeding that query's
 * k-heap. Workers take contiguous ranges of queries, so no two share a
 * heap.
 */
#include "index_ivf.h"

#include "alloc.h"
#include "error.h"
#include "index_internal.h"
#include "interrupt.h"
#include "rng.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

#define SAMPLE_PER_LIST 256 /* training vectors per list at most, as FAISS */
#define CHUNK           1024 /* queries bucketed at once per worker */
#define QG              4    /* queries per kernel call (index_ivf_scan.c) */
#define TI              1024 /* list vectors per kernel call: a multiple of RN__IVF_BLOCK */

typedef struct {
    float *v;      /* cap x dim, in blocks of RN__IVF_BLOCK (index_internal.h); cap is a
                    * multiple of the block, the slots past n zero */
    int64_t *ids;  /* cap */
    uint64_t *rows; /* cap: order of addition */
    size_t n, cap;
} ivf_list;

struct rn_index_ivf {
    int dim, metric, nlist, nprobe, threads;
    uint64_t seed;
    size_t n;
    rn_index *quant; /* the centroids (NULL until trained) */
    ivf_list *lists; /* nlist */
    rn_index_progress progress; /* on_step NULL: none */
};

/* Vector i of list L: into out (dim values), and from x. */
static void list_get(const ivf_list *L, size_t i, int dim, float *out)
{
    const float *blk = L->v + (i / RN__IVF_BLOCK) * (size_t)dim * RN__IVF_BLOCK + i % RN__IVF_BLOCK;
    for (int d = 0; d < dim; d++)
        out[d] = blk[(size_t)d * RN__IVF_BLOCK];
}

static void list_put(ivf_list *L, size_t i, int dim, const float *x)
{
    float *blk = L->v + (i / RN__IVF_BLOCK) * (size_t)dim * RN__IVF_BLOCK + i % RN__IVF_BLOCK;
    for (int d = 0; d < dim; d++)
        blk[(size_t)d * RN__IVF_BLOCK] = x[d];
}

/* ---- create, free, describe --------------------------------------------------------------- */

rn_index_ivf *rn_index_ivf_new(int dim, int metric, int nlist, uint64_t seed)
{
    if (dim < 1 || dim > 65536) {
        rn_fail(RN_EARG, "ivf index: dim must be 1..65536, got %d", dim);
        return NULL;
    }
    if (metric != RN_INDEX_DOT && metric != RN_INDEX_COSINE) {
        rn_fail(RN_EARG, "ivf index: unknown metric %d (RN_INDEX_DOT or RN_INDEX_COSINE)", metric);
        return NULL;
    }
    if (nlist < 1 || nlist > RN_IVF_MAX_NLIST) {
        rn_fail(RN_EARG, "ivf index: nlist must be 1..%d, got %d", RN_IVF_MAX_NLIST, nlist);
        return NULL;
    }
    rn_index_ivf *f = rn_calloc(1, sizeof *f, "ivf index");
    if (f == NULL) return NULL;
    f->lists = rn_calloc((size_t)nlist, sizeof *f->lists, "ivf lists");
    if (f->lists == NULL) {
        rn_free(f);
        return NULL;
    }
    f->dim = dim, f->metric = metric, f->nlist = nlist, f->seed = seed;
    f->nprobe = nlist < 8 ? nlist : 8;
    return f;
}

void rn_index_ivf_free(rn_index_ivf *f)
{
    if (f == NULL) return;
    for (int l = 0; l < f->nlist; l++)
        rn_free(f->lists[l].v), rn_free(f->lists[l].ids), rn_free(f->lists[l].rows);
    rn_free(f->lists);
    rn_index_free(f->quant);
    rn_free(f);
}

size_t rn_index_ivf_size(const rn_index_ivf *f)
{
    return f->n;
}
int rn_index_ivf_dim(const rn_index_ivf *f)
{
    return f->dim;
}
int rn_index_ivf_metric(const rn_index_ivf *f)
{
    return f->metric;
}
int rn_index_ivf_nlist(const rn_index_ivf *f)
{
    return f->nlist;
}
int rn_index_ivf_nprobe(const rn_index_ivf *f)
{
    return f->nprobe;
}
int rn_index_ivf_is_trained(const rn_index_ivf *f)
{
    return f->quant != NULL;
}
size_t rn_index_ivf_list_size(const rn_index_ivf *f, int l)
{
    return l >= 0 && l < f->nlist ? f->lists[l].n : 0;
}
const float *rn_index_ivf_centroids(const rn_index_ivf *f)
{
    return f->quant ? rn_index_vectors(f->quant) : NULL;
}

void rn_index_ivf_vectors(const rn_index_ivf *f, float *v, int64_t *ids)
{
    for (int l = 0; l < f->nlist; l++) {
        const ivf_list *L = &f->lists[l];
        for (size_t i = 0; i < L->n; i++) {
            list_get(L, i, f->dim, v + L->rows[i] * (size_t)f->dim);
            ids[L->rows[i]] = L->ids[i];
        }
    }
}

int rn_index_ivf_set_nprobe(rn_index_ivf *f, int nprobe)
{
    if (nprobe < 1 || nprobe > f->nlist)
        return rn_fail(RN_EARG, "ivf index: nprobe must be 1..%d (nlist), got %d", f->nlist,
                       nprobe);
    f->nprobe = nprobe;
    return RN_OK;
}

void rn_index_ivf_set_progress(rn_index_ivf *f, const rn_index_progress *p)
{
    f->progress = p ? *p : (rn_index_progress){0};
}

/* Runs job t through the shared loop in blocks of RN_IVF_BLOCK_ROWS over
 * epochs, with f's progress callback. *stopped: the callback stopped it. */
static int run_loop(const rn_index_ivf *f, rn_trainer *t, int epochs, int *stopped)
{
    rn_loop_config c = rn_loop_defaults();
    c.epochs = epochs;
    c.batch_size = RN_IVF_BLOCK_ROWS;
    c.shuffle = 0; /* k-means updates after an epoch's last block */
    c.on_step = f->progress.on_step;
    c.ud = f->progress.ud;
    rn_loop_result res;
    int rc = rn_train(t, &c, &res);
    *stopped = rc == RN_OK && res.stopped == RN_FIT_CALLBACK;
    return rc;
}

void rn_index_ivf_set_threads(rn_index_ivf *f, int threads)
{
    f->threads = threads < 0 ? 0 : threads > RN__MAX_THREADS ? RN__MAX_THREADS : threads;
    if (f->quant) rn_index_set_threads(f->quant, f->threads);
}

/* ---- training ----------------------------------------------------------------------------- */

/* The centroids as an exact index of ids 0..nlist-1 (NULL on failure). */
static rn_index *centroid_index(const rn_index_ivf *f, const float *c)
{
    rn_index *q = rn_index_new(f->dim, RN_INDEX_DOT);
    if (q == NULL) return NULL;
    rn_index_set_threads(q, f->threads);
    if (rn_index_add(q, c, (size_t)f->nlist, f->dim, NULL) != RN_OK) {
        rn_index_free(q);
        return NULL;
    }
    return q;
}

/* One Lloyd step's update: c = mean of the assigned rows (an empty cluster
 * takes half of the largest one), unit length under cosine. */
static void update_centroids(rn_index_ivf *f, const float *X, size_t m, const int64_t *assign,
                             float *c, double *sum, size_t *count, rn_rng *g)
{
    int D = f->dim, K = f->nlist;
    memset(sum, 0, (size_t)K * (size_t)D * sizeof *sum);
    memset(count, 0, (size_t)K * sizeof *count);
    for (size_t i = 0; i < m; i++) {
        size_t a = (size_t)assign[i];
        count[a]++;
        for (int d = 0; d < D; d++)
            sum[a * (size_t)D + (size_t)d] += (double)X[i * (size_t)D + (size_t)d];
    }
    for (int k = 0; k < K; k++)
        if (count[k] > 0)
            for (int d = 0; d < D; d++)
                c[(size_t)k * D + d] = (float)(sum[(size_t)k * D + d] / (double)count[k]);
    for (int k = 0; k < K; k++) {
        if (count[k] > 0) continue;
        /* split the largest cluster: two nudged copies of its centroid (FAISS's rule) */
        int big = 0;
        for (int j = 1; j < K; j++)
            if (count[j] > count[big]) big = j;
        float *ck = c + (size_t)k * D, *cb = c + (size_t)big * D;
        for (int d = 0; d < D; d++) {
            float eps = (rn_rng_uniform(g) < 0.5f ? 1 : -1) / 1024.0f;
            ck[d] = cb[d] * (1 + eps);
            cb[d] = cb[d] * (1 - eps);
        }
        count[k] = count[big] / 2;
        count[big] -= count[k];
    }
    if (f->metric == RN_INDEX_COSINE)
        for (int k = 0; k < K; k++)
            rn__normalise(c + (size_t)k * D, D);
}

/* k-means as a job of the shared loop: an epoch is one Lloyd iteration over
 * the sample, a step assigns a block of it to the centroids, and the
 * epoch's last step moves the centroids. */
typedef struct {
    rn_index_ivf *f;
    const float *X; /* m x dim: the sample */
    size_t m;
    float *c;        /* nlist x dim centroids */
    double *sum;     /* nlist x dim */
    size_t *count;   /* nlist */
    int64_t *assign; /* m */
    float *score;    /* m */
    rn_rng *g;
    rn_index *q;   /* this iteration's centroids as an index */
    int iteration; /* 0-based, the one running */
} train_job;

static int train_step(void *self, const size_t *rows, size_t n, double *loss)
{
    train_job *j = self;
    rn_index_ivf *f = j->f;
    size_t D = (size_t)f->dim, r0 = rows[0];
    if (r0 == 0 && (j->q = centroid_index(f, j->c)) == NULL) return rn_error_code();
    int rc = rn_index_search(j->q, j->X + r0 * D, n, f->dim, 1, j->assign + r0, j->score + r0);
    if (rc != RN_OK) return rc;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)j->score[r0 + i];
    *loss = -s / (double)n; /* minus the mean score: it falls as the centroids settle */
    if (r0 + n == j->m) { /* the iteration's last block: move the centroids */
        update_centroids(f, j->X, j->m, j->assign, j->c, j->sum, j->count, j->g);
        rn_index_free(j->q);
        j->q = NULL;
        j->iteration++;
    }
    return RN_OK;
}

int rn_index_ivf_train(rn_index_ivf *f, const float *v, size_t n, int dim, int iterations)
{
    if (dim != f->dim)
        return rn_fail(RN_ESHAPE, "ivf index train: vectors of dim %d, the index holds dim %d",
                       dim, f->dim);
    if (f->n > 0)
        return rn_fail(RN_ESTATE, "ivf index train: the index already holds %zu vectors "
                                  "(train before adding)",
                       f->n);
    if (iterations < 1 || iterations > 1000)
        return rn_fail(RN_EARG, "ivf index train: iterations must be 1..1000, got %d",
                       iterations);
    if (n < (size_t)f->nlist)
        return rn_fail(RN_EARG, "ivf index train: %zu training vectors for %d lists (need at "
                                "least nlist)",
                       n, f->nlist);
    if (v == NULL) return rn_fail(RN_EARG, "ivf index train: no vectors (NULL)");
    int rc = rn__check_finite(v, n, dim, "ivf index train");
    if (rc) return rc;
    size_t m = (size_t)f->nlist * SAMPLE_PER_LIST;
    if (m > n) m = n;
    size_t K = (size_t)f->nlist, D = (size_t)dim;
    size_t *perm = rn_malloc(n * sizeof *perm, "ivf training sample");
    float *X = rn_malloc(m * D * sizeof *X, "ivf training sample");
    float *c = rn_malloc(K * D * sizeof *c, "ivf centroids");
    double *sum = rn_malloc(K * D * sizeof *sum, "ivf centroid sums");
    size_t *count = rn_malloc(K * sizeof *count, "ivf cluster sizes");
    int64_t *assign = rn_malloc(m * sizeof *assign, "ivf assignments");
    float *score = rn_malloc(m * sizeof *score, "ivf assignment scores");
    if (!perm || !X || !c || !sum || !count || !assign || !score) rc = RN_ENOMEM;
    rn_rng g;
    rn_rng_seed(&g, f->seed);
    if (rc == RN_OK) {
        /* the sample: the first m of a seeded partial Fisher-Yates shuffle */
        for (size_t i = 0; i < n; i++)
            perm[i] = i;
        for (size_t i = 0; i < m; i++) {
            size_t j = i + (size_t)rn_rng_below(&g, n - i), t = perm[i];
            perm[i] = perm[j], perm[j] = t;
            memcpy(X + i * D, v + perm[i] * D, D * sizeof *X);
            if (f->metric == RN_INDEX_COSINE) rn__normalise(X + i * D, dim);
        }
        memcpy(c, X, K * D * sizeof *c); /* the first centroids: K distinct sample rows */
    }
    train_job tj = {.f = f, .X = X, .m = m, .c = c, .sum = sum, .count = count,
                    .assign = assign, .score = score, .g = &g};
    int stopped = 0;
    if (rc == RN_OK) {
        rn_trainer t = {.n_rows = m, .step = train_step, .self = &tj};
        rc = run_loop(f, &t, iterations, &stopped);
    }
    rn_index_free(tj.q);
    if (rc == RN_EINTR || stopped)
        rc = rn_fail(RN_EINTR, "%s in ivf index train after %d of %d iterations (the index "
                               "stays untrained)",
                     stopped ? "stopped by the progress callback" : "interrupted (Ctrl-C)",
                     tj.iteration, iterations);
    if (rc == RN_OK && (f->quant = centroid_index(f, c)) == NULL) rc = rn_error_code();
    rn_free(perm), rn_free(X), rn_free(c), rn_free(sum), rn_free(count), rn_free(assign);
    rn_free(score);
    return rc;
}

/* ---- add ---------------------------------------------------------------------------------- */

static int list_reserve(ivf_list *L, size_t need, int dim)
{
    if (need <= L->cap) return RN_OK;
    size_t cap = L->cap ? L->cap : RN__IVF_BLOCK; /* whole blocks: doubled, still whole */
    while (cap < need)
        cap *= 2;
    float *v = rn_realloc(L->v, cap * (size_t)dim * sizeof *v, "ivf list vectors");
    if (v == NULL) return RN_ENOMEM;
    /* the new blocks zero: the kernel scores the padding of the last block */
    memset(v + L->cap * (size_t)dim, 0, (cap - L->cap) * (size_t)dim * sizeof *v);
    L->v = v;
    int64_t *ids = rn_realloc(L->ids, cap * sizeof *ids, "ivf list ids");
    if (ids == NULL) return RN_ENOMEM;
    L->ids = ids;
    uint64_t *rows = rn_realloc(L->rows, cap * sizeof *rows, "ivf list rows");
    if (rows == NULL) return RN_ENOMEM;
    L->rows = rows;
    L->cap = cap;
    return RN_OK;
}

/* Adding as a job of the shared loop: a step finds the lists of a block of
 * vectors; they are filed only when every block is done. */
typedef struct {
    rn_index_ivf *f;
    const float *x; /* n x dim, unit length under cosine */
    int64_t *assign;
    float *score;
} add_job;

static int add_step(void *self, const size_t *rows, size_t n, double *loss)
{
    add_job *j = self;
    size_t r0 = rows[0];
    *loss = 0;
    return rn_index_search(j->f->quant, j->x + r0 * (size_t)j->f->dim, n, j->f->dim, 1,
                           j->assign + r0, j->score + r0);
}

int rn_index_ivf_add(rn_index_ivf *f, const float *v, size_t n, int dim, const int64_t *ids)
{
    if (dim != f->dim)
        return rn_fail(RN_ESHAPE, "ivf index add: vectors of dim %d, the index holds dim %d", dim,
                       f->dim);
    if (f->quant == NULL)
        return rn_fail(RN_ESTATE, "ivf index add: the index is not trained (train it first)");
    if (n == 0) return RN_OK;
    if (v == NULL) return rn_fail(RN_EARG, "ivf index add: no vectors (NULL)");
    if (n > (SIZE_MAX / sizeof(float)) / (size_t)dim - f->n)
        return rn_fail(RN_EARG, "ivf index add: %zu vectors are too many", n);
    int rc = rn__check_finite(v, n, dim, "ivf index add");
    if (rc) return rc;
    for (size_t i = 0; ids != NULL && i < n; i++)
        if (ids[i] < 0)
            return rn_fail(RN_EARG, "ivf index add: id of row %zu is %lld (ids must be >= 0)",
                           i + 1, (long long)ids[i]);
    size_t D = (size_t)dim;
    float *x = rn_malloc(n * D * sizeof *x, "ivf add vectors");
    int64_t *assign = rn_malloc(n * sizeof *assign, "ivf add assignments");
    float *score = rn_malloc(n * sizeof *score, "ivf add scores");
    size_t *count = rn_calloc((size_t)f->nlist, sizeof *count, "ivf add counts");
    if (!x || !assign || !score || !count) rc = RN_ENOMEM;
    if (rc == RN_OK) {
        memcpy(x, v, n * D * sizeof *x);
        if (f->metric == RN_INDEX_COSINE)
            for (size_t i = 0; i < n; i++)
                rn__normalise(x + i * D, dim);
        add_job aj = {.f = f, .x = x, .assign = assign, .score = score};
        rn_trainer t = {.n_rows = n, .step = add_step, .self = &aj};
        int stopped = 0;
        rc = run_loop(f, &t, 1, &stopped);
        if (rc == RN_EINTR || stopped)
            rc = rn_fail(RN_EINTR, "%s in ivf index add (nothing was added)",
                         stopped ? "stopped by the progress callback" : "interrupted (Ctrl-C)");
    }
    if (rc == RN_OK) {
        for (size_t i = 0; i < n; i++)
            count[assign[i]]++;
        for (int l = 0; rc == RN_OK && l < f->nlist; l++)
            rc = list_reserve(&f->lists[l], f->lists[l].n + count[l], dim);
    }
    if (rc == RN_OK)
        for (size_t i = 0; i < n; i++) {
            ivf_list *L = &f->lists[assign[i]];
            list_put(L, L->n, dim, x + i * D);
            L->ids[L->n] = ids ? ids[i] : (int64_t)(f->n + i);
            L->rows[L->n] = f->n + i;
            L->n++;
        }
    if (rc == RN_OK) f->n += n;
    rn_free(x), rn_free(assign), rn_free(score), rn_free(count);
    return rc;
}

/* ---- search ------------------------------------------------------------------------------- */

typedef struct {
    const rn_index_ivf *f;
    const float *q;       /* nq x dim, unit length under cosine */
    const int64_t *probe; /* nq x nprobe list numbers (-1: none) */
    size_t nq, np, k, kk;
    int64_t *ids;
    float *scores;
    /* per worker */
    rn__hit *heaps[RN__MAX_THREADS]; /* CHUNK x kk */
    size_t *cnt[RN__MAX_THREADS];    /* CHUNK */
    size_t *bucket[RN__MAX_THREADS]; /* nlist + 1 offsets */
    uint32_t *pairs[RN__MAX_THREADS]; /* CHUNK x np query numbers, by list */
    float *S[RN__MAX_THREADS];       /* QG x TI scores */
    atomic_int stop;
} search_job;

/* Scans the lists for queries c0 .. c0+m of worker w. */
static void scan_chunk(search_job *j, int w, size_t c0, size_t m)
{
    const rn_index_ivf *f = j->f;
    size_t D = (size_t)f->dim, K = (size_t)f->nlist;
    size_t *b = j->bucket[w];
    uint32_t *pairs = j->pairs[w];
    rn__hit *heaps = j->heaps[w];
    size_t *cnt = j->cnt[w];
    memset(b, 0, (K + 1) * sizeof *b);
    memset(cnt, 0, m * sizeof *cnt);
    for (size_t i = 0; i < m; i++) /* bucket the (query, list) pairs by list */
        for (size_t p = 0; p < j->np; p++) {
            int64_t l = j->probe[(c0 + i) * j->np + p];
            if (l >= 0) b[l + 1]++;
        }
    for (size_t l = 0; l < K; l++)
        b[l + 1] += b[l];
    for (size_t i = 0; i < m; i++)
        for (size_t p = 0; p < j->np; p++) {
            int64_t l = j->probe[(c0 + i) * j->np + p];
            if (l >= 0) pairs[b[l]++] = (uint32_t)i;
        }
    for (size_t l = K; l > 0; l--) /* back to the starts */
        b[l] = b[l - 1];
    b[0] = 0;
    for (size_t l = 0; l < K; l++) {
        const ivf_list *L = &f->lists[l];
        if (L->n == 0) continue;
        for (size_t p0 = b[l]; p0 < b[l + 1]; p0 += QG) {
            int mq = b[l + 1] - p0 < QG ? (int)(b[l + 1] - p0) : QG;
            const float *qs[QG];
            for (int t = 0; t < mq; t++)
                qs[t] = j->q + (c0 + pairs[p0 + (size_t)t]) * D;
            for (size_t i0 = 0; i0 < L->n; i0 += TI) {
                size_t mi = L->n - i0 < TI ? L->n - i0 : TI;
                rn__ivf_scores(qs, mq, L->v + i0 * D, mi, f->dim, j->S[w], TI);
                for (int t = 0; t < mq; t++) {
                    uint32_t qi = pairs[p0 + (size_t)t];
                    rn__topk_push_run(heaps + qi * j->kk, &cnt[qi], j->kk, j->S[w] + (size_t)t * TI,
                                      mi, L->ids + i0, L->rows + i0, 0);
                }
            }
        }
    }
    for (size_t i = 0; i < m; i++)
        rn__topk_pop_sorted(heaps + i * j->kk, cnt[i], j->k, j->ids + (c0 + i) * j->k,
                            j->scores + (c0 + i) * j->k);
}

static void search_worker(void *ctx, int w, int n_workers)
{
    search_job *j = ctx;
    size_t lo = j->nq * (size_t)w / (size_t)n_workers, hi = j->nq * (size_t)(w + 1) / (size_t)n_workers;
    for (size_t c0 = lo; c0 < hi; c0 += CHUNK) {
        if (w == 0 && rn_interrupted()) atomic_store(&j->stop, 1);
        if (atomic_load_explicit(&j->stop, memory_order_relaxed)) return;
        scan_chunk(j, w, c0, hi - c0 < CHUNK ? hi - c0 : CHUNK);
    }
}

int rn_index_ivf_search(rn_index_ivf *f, const float *q, size_t nq, int dim, int k,
                        int64_t *ids, float *scores)
{
    if (dim != f->dim)
        return rn_fail(RN_ESHAPE, "ivf index search: queries of dim %d, the index holds dim %d",
                       dim, f->dim);
    if (k < 1) return rn_fail(RN_EARG, "ivf index search: k must be at least 1, got %d", k);
    if (f->n == 0)
        return rn_fail(RN_ESTATE, "ivf index search: the index is empty (add vectors first)");
    if (nq == 0) return RN_OK;
    if (q == NULL || ids == NULL || scores == NULL)
        return rn_fail(RN_EARG, "ivf index search: queries or outputs are NULL");
    size_t np = (size_t)f->nprobe;
    if (nq > SIZE_MAX / (size_t)k || nq > (SIZE_MAX / sizeof(float)) / (size_t)dim ||
        nq > SIZE_MAX / 8 / np)
        return rn_fail(RN_EARG, "ivf index search: %zu queries are too many", nq);
    int rc = rn__check_finite(q, nq, dim, "ivf index search");
    if (rc) return rc;
    size_t D = (size_t)dim, kk = (size_t)k < f->n ? (size_t)k : f->n;
    int workers = f->threads > 0 ? f->threads : rn__threads();
    if (nq < 16) workers = 1;
    search_job j = {.f = f, .nq = nq, .np = np, .k = (size_t)k, .kk = kk, .ids = ids,
                    .scores = scores};
    atomic_init(&j.stop, 0);
    float *qn = NULL, *psc = rn_malloc(nq * np * sizeof *psc, "ivf probe scores");
    int64_t *probe = rn_malloc(nq * np * sizeof *probe, "ivf probes");
    if (psc == NULL || probe == NULL) rc = RN_ENOMEM;
    if (rc == RN_OK && f->metric == RN_INDEX_COSINE) {
        if ((qn = rn_malloc(nq * D * sizeof *qn, "ivf queries")) == NULL) rc = RN_ENOMEM;
        if (qn != NULL) {
            memcpy(qn, q, nq * D * sizeof *qn);
            for (size_t i = 0; i < nq; i++)
                rn__normalise(qn + i * D, dim);
        }
    }
    size_t chunk = nq < CHUNK ? nq : CHUNK;
    for (int w = 0; rc == RN_OK && w < workers; w++) {
        j.heaps[w] = rn_malloc(chunk * kk * sizeof(rn__hit), "ivf search heaps");
        j.cnt[w] = rn_malloc(chunk * sizeof(size_t), "ivf search counts");
        j.bucket[w] = rn_malloc(((size_t)f->nlist + 1) * sizeof(size_t), "ivf search buckets");
        j.pairs[w] = rn_malloc(chunk * np * sizeof(uint32_t), "ivf search pairs");
        j.S[w] = rn_malloc((size_t)QG * TI * sizeof(float), "ivf search scores");
        if (!j.heaps[w] || !j.cnt[w] || !j.bucket[w] || !j.pairs[w] || !j.S[w])
            rc = RN_ENOMEM;
    }
    j.q = qn ? qn : q;
    j.probe = probe;
    if (rc == RN_OK) { /* the lists to scan: the nprobe best centroids per query */
        rc = rn_index_search(f->quant, j.q, nq, dim, (int)np, probe, psc);
        if (rc == RN_EINTR) rc = rn_interrupt_fail("ivf index search");
    }
    if (rc == RN_OK) {
        rn__parallel(workers, search_worker, &j);
        if (atomic_load(&j.stop)) rc = rn_interrupt_fail("ivf index search");
    }
    for (int w = 0; w < workers; w++) {
        rn_free(j.heaps[w]), rn_free(j.cnt[w]), rn_free(j.bucket[w]), rn_free(j.pairs[w]);
        rn_free(j.S[w]);
    }
    rn_free(qn), rn_free(psc), rn_free(probe);
    return rc;
}

/* ---- files --------------------------------------------------------------------------------
 *
 * After the common header (kind 2): u32 nlist, u32 nprobe, u32 trained, u32
 * reserved, u64 seed; when trained the centroids (nlist x dim f32), then per
 * list: u64 size, its vectors (size x dim f32), ids (size x u64) and rows
 * (size x u64: each row < n, every row once). */

int rn_index_ivf_save(const rn_index_ivf *f, const char *path)
{
    float *x = rn_malloc((size_t)f->dim * sizeof *x, "ivf save row");
    if (x == NULL) return RN_ENOMEM;
    rn__writer w = {0};
    rn__w_header(&w, RN__INDEX_FILE_IVF, f->metric, f->dim, f->n);
    rn__w_u32(&w, (uint32_t)f->nlist);
    rn__w_u32(&w, (uint32_t)f->nprobe);
    rn__w_u32(&w, f->quant != NULL);
    rn__w_u32(&w, 0);
    rn__w_u64(&w, f->seed);
    if (f->quant != NULL) {
        rn__w_bytes(&w, rn_index_vectors(f->quant),
                    (size_t)f->nlist * (size_t)f->dim * sizeof(float));
        for (int l = 0; l < f->nlist; l++) {
            const ivf_list *L = &f->lists[l];
            rn__w_u64(&w, L->n);
            for (size_t i = 0; i < L->n; i++) { /* row by row: the file's layout */
                list_get(L, i, f->dim, x);
                rn__w_bytes(&w, x, (size_t)f->dim * sizeof *x);
            }
            for (size_t i = 0; i < L->n; i++)
                rn__w_u64(&w, (uint64_t)L->ids[i]);
            for (size_t i = 0; i < L->n; i++)
                rn__w_u64(&w, L->rows[i]);
        }
    }
    rn_free(x);
    return rn__w_finish(&w, path, "ivf index save");
}

rn_index_ivf *rn_index_ivf_load(const char *path)
{
    rn__reader r;
    int kind, metric, dim;
    uint64_t n;
    rn_index_ivf *f = NULL;
    float *c = NULL;
    uint8_t *seen = NULL;
    int rc = rn__r_open(&r, path, &kind, &metric, &dim, &n);
    if (rc == RN_OK && kind != RN__INDEX_FILE_IVF) {
        r.off = 8;
        rc = rn__r_fail(&r, "this is an %s index, not an IVF one",
                        kind == RN__INDEX_FILE_FLAT ? "exact" : "HNSW");
    }
    uint32_t nlist = 0, nprobe = 0, trained = 0;
    uint64_t seed = 0;
    if (rc == RN_OK) {
        nlist = rn__r_u32(&r, "the IVF parameters");
        nprobe = rn__r_u32(&r, "the IVF parameters");
        trained = rn__r_u32(&r, "the IVF parameters");
        (void)rn__r_u32(&r, "the IVF parameters");
        seed = rn__r_u64(&r, "the IVF parameters");
        if (r.failed) rc = RN_EPARSE;
    }
    if (rc == RN_OK && (nlist < 1 || nlist > RN_IVF_MAX_NLIST || nprobe < 1 || nprobe > nlist ||
                        trained > 1 || (!trained && n > 0))) {
        r.off = RN__INDEX_HEADER;
        rc = rn__r_fail(&r, "parameters out of range: nlist %u (1..%d), nprobe %u (1..nlist), "
                            "trained %u with %llu vectors",
                        nlist, RN_IVF_MAX_NLIST, nprobe, trained, (unsigned long long)n);
    }
    if (rc == RN_OK) rc = rn__r_fits(&r, n, (size_t)dim * 4 + 16, "the vectors");
    if (rc == RN_OK && (f = rn_index_ivf_new(dim, metric, (int)nlist, seed)) == NULL)
        rc = rn_error_code();
    if (rc == RN_OK) f->nprobe = (int)nprobe;
    if (rc == RN_OK && trained) {
        rc = rn__r_fits(&r, nlist, (size_t)dim * 4, "the centroids");
        if (rc == RN_OK && (c = rn_malloc((size_t)nlist * (size_t)dim * sizeof *c,
                                          "ivf centroids")) == NULL)
            rc = RN_ENOMEM;
        if (rc == RN_OK) {
            size_t at = r.off;
            rn__r_bytes(&r, c, (size_t)nlist * (size_t)dim * sizeof *c, "the centroids");
            for (size_t i = 0; !r.failed && i < (size_t)nlist * (size_t)dim; i++)
                if (!isfinite(c[i])) {
                    r.off = at + 4 * i;
                    rn__r_fail(&r, "centroid %zu, value %zu is not finite", i / (size_t)dim + 1,
                               i % (size_t)dim + 1);
                }
            if (r.failed) rc = RN_EPARSE;
        }
        if (rc == RN_OK && (f->quant = centroid_index(f, c)) == NULL) rc = rn_error_code();
        if (rc == RN_OK && n > 0 && (seen = rn_calloc((size_t)n, 1, "ivf rows seen")) == NULL)
            rc = RN_ENOMEM;
        uint64_t total = 0;
        for (uint32_t l = 0; rc == RN_OK && l < nlist; l++) {
            ivf_list *L = &f->lists[l];
            size_t at = r.off;
            uint64_t m = rn__r_u64(&r, "a list's size");
            if (r.failed) {
                rc = RN_EPARSE;
                break;
            }
            if (m > n - total) {
                r.off = at;
                rc = rn__r_fail(&r, "list %u holds %llu vectors, more than the %llu left of %llu",
                                l, (unsigned long long)m, (unsigned long long)(n - total),
                                (unsigned long long)n);
                break;
            }
            if ((rc = rn__r_fits(&r, m, (size_t)dim * 4 + 16, "a list")) != RN_OK) break;
            if ((rc = list_reserve(L, (size_t)m, dim)) != RN_OK) break;
            /* the file's rows, then into the list's blocks */
            float *rows = m > 0 ? rn_malloc((size_t)m * (size_t)dim * sizeof *rows, "ivf list")
                                : NULL;
            if (m > 0 && rows == NULL) {
                rc = RN_ENOMEM;
                break;
            }
            rc = m > 0 ? rn__r_vectors(&r, rows, L->ids, m, dim) : RN_OK;
            for (size_t i = 0; rc == RN_OK && i < m; i++)
                list_put(L, i, dim, rows + i * (size_t)dim);
            rn_free(rows);
            if (rc != RN_OK) break;
            at = r.off;
            for (size_t i = 0; i < m; i++) {
                L->rows[i] = rn__r_u64(&r, "a list's rows");
                if (!r.failed && (L->rows[i] >= n || seen[L->rows[i]])) {
                    r.off = at + 8 * i;
                    rc = rn__r_fail(&r, "list %u, vector %zu has row %llu (%s)", l, i + 1,
                                    (unsigned long long)L->rows[i],
                                    L->rows[i] >= n ? "out of range" : "given twice");
                    break;
                }
                if (!r.failed) seen[L->rows[i]] = 1;
            }
            if (rc == RN_OK && r.failed) rc = RN_EPARSE;
            L->n = (size_t)m;
            total += m;
        }
        if (rc == RN_OK && total != n)
            rc = rn__r_fail(&r, "the lists hold %llu vectors, the header says %llu",
                            (unsigned long long)total, (unsigned long long)n);
        if (rc == RN_OK) f->n = (size_t)n;
    }
    if (rc == RN_OK && r.off != r.size)
        rc = rn__r_fail(&r, "%zu bytes follow the last section", r.size - r.off);
    rn_free((void *)r.p), rn_free(c), rn_free(seen);
    if (rc != RN_OK) {
        rn_index_ivf_free(f);
        return NULL;
    }
    return f;
}
