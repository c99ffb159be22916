/* HNSW: a layered proximity graph for approximate top-K search (see
 * index_hnsw.h for the idea and the paper).
 *
 * Storage. Vectors n x dim (unit length under cosine), ids, each node's top
 * layer. Link lists are arrays of uint32 node numbers led by their count:
 * layer 0 in one flat array (1 + 2M per node), the upper layers in one pool
 * (1 + M per layer, from the node's offset up_off). Only about 1/M of the
 * nodes have upper layers, so the pool stays small.
 *
 * Concurrency. An add first grows every array and draws the new nodes'
 * layers (on the calling thread, so allocation failures are clean), then
 * the workers take new nodes in order from a shared counter. A link list is
 * read and written under its node's spin lock; the entry point and top layer
 * under a mutex, held through the whole insertion of a node that raises the
 * top layer (as hnswlib does). The batch goes through the shared loop
 * (loop.h) in blocks of RN_HNSW_ADD_BLOCK, the workers sharing each block,
 * so Ctrl-C (polled by the loop between blocks) leaves whole blocks
 * inserted: a prefix of the batch.
 *
 * Scratch. Each worker marks visited nodes with a generation number in its
 * own array (kept in the index between calls, so a search does not clear n
 * entries), and keeps the candidates (a max-heap) and the ef best (a
 * min-heap) in buffers sized by the caller. The candidate heap is compacted
 * when full: a candidate scoring below the worst of a full result list can
 * never be expanded, and at most ef candidates score above it.
 */
#include "index_hnsw.h"

#include "alloc.h"
#include "error.h"
#include "index_internal.h"
#include "interrupt.h"
#include "rng.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LEVEL 32
#define NONE      UINT32_MAX
/* Adds of fewer vectors, and searches of fewer queries, stay on one thread. */
#define PARALLEL_MIN_ADD    1000
#define PARALLEL_MIN_SEARCH 8

struct rn_index_hnsw {
    int dim, metric, M, efc, ef, threads;
    size_t n, cap;
    float *v;          /* cap x dim */
    int64_t *ids;      /* cap */
    uint8_t *level;    /* cap: each node's top layer */
    uint32_t *links0;  /* cap x (1 + 2M) */
    size_t *up_off;    /* cap: where the node's layer-1 list starts in up */
    uint32_t *up;      /* the upper layers' lists */
    size_t up_n, up_cap;
    atomic_uchar *locks; /* cap: one spin lock per node */
    int max_level;       /* -1 when empty */
    uint32_t entry;      /* a node on the top layer (NONE when empty) */
    rn_rng rng;          /* draws the layers */
    pthread_mutex_t top; /* guards max_level and entry during a parallel add */
    uint32_t *visited[RN__MAX_THREADS]; /* visited_cap each: generation marks */
    uint32_t gen[RN__MAX_THREADS];
    size_t visited_cap;
    rn_index_progress progress; /* on_step NULL: none */
};

typedef struct {
    float s;
    uint32_t node;
} cand;

/* One worker's buffers for one call. */
typedef struct {
    uint32_t *visited, *gen;
    cand *C, *W, *sel, *prune;
    size_t c_cap, w_cap;
    uint32_t *nb, *chosen; /* a copied link list; the selected neighbours */
    float *qbuf;           /* a normalised query */
    rn__hit *hits;         /* the output heap */
} scratch;

/* ---- small parts -------------------------------------------------------------------------- */

static size_t width(const rn_index_hnsw *h, int level)
{
    return level == 0 ? (size_t)(2 * h->M) : (size_t)h->M;
}

static uint32_t *links(const rn_index_hnsw *h, uint32_t node, int level)
{
    if (level == 0) return h->links0 + (size_t)node * (1 + 2 * (size_t)h->M);
    return h->up + h->up_off[node] + (size_t)(level - 1) * (1 + (size_t)h->M);
}

static const float *vec(const rn_index_hnsw *h, uint32_t node)
{
    return h->v + (size_t)node * (size_t)h->dim;
}

static void lock(atomic_uchar *l)
{
    for (int spins = 0; atomic_exchange_explicit(l, 1, memory_order_acquire); spins++)
        if (spins > 64) sched_yield();
}

static void unlock(atomic_uchar *l)
{
    atomic_store_explicit(l, 0, memory_order_release);
}

/* Copies node's list on level into out (count first), under its lock when
 * the graph is being built concurrently. */
static void read_links(const rn_index_hnsw *h, uint32_t node, int level, int locked, uint32_t *out)
{
    if (locked) lock(&h->locks[node]);
    const uint32_t *l = links(h, node, level);
    memcpy(out, l, (1 + l[0]) * sizeof *out);
    if (locked) unlock(&h->locks[node]);
}

/* A new generation of visited marks (clearing the array when it wraps). */
static uint32_t next_gen(const rn_index_hnsw *h, scratch *sc)
{
    if (++*sc->gen == 0) {
        memset(sc->visited, 0, h->visited_cap * sizeof *sc->visited);
        *sc->gen = 1;
    }
    return *sc->gen;
}

/* ---- heaps of candidates ------------------------------------------------------------------ */

/* max-heap (best on top) when best != 0, else min-heap (worst on top) */
static int above(cand a, cand b, int best)
{
    return best ? a.s > b.s : a.s < b.s;
}

static void heap_push(cand *h, size_t *m, cand x, int best)
{
    size_t i = (*m)++;
    h[i] = x;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!above(h[i], h[p], best)) break;
        cand t = h[i];
        h[i] = h[p], h[p] = t;
        i = p;
    }
}

static void heap_down(cand *h, size_t m, size_t i, int best)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < m && above(h[l], h[w], best)) w = l;
        if (r < m && above(h[r], h[w], best)) w = r;
        if (w == i) return;
        cand t = h[i];
        h[i] = h[w], h[w] = t;
        i = w;
    }
}

static cand heap_pop(cand *h, size_t *m, int best)
{
    cand top = h[0];
    h[0] = h[--*m];
    heap_down(h, *m, 0, best);
    return top;
}

/* Keeps the candidates scoring above th, as a heap again. */
static void compact(cand *C, size_t *cn, float th)
{
    size_t m = 0;
    for (size_t i = 0; i < *cn; i++)
        if (C[i].s > th) C[m++] = C[i];
    *cn = m;
    for (size_t i = m / 2; i-- > 0;)
        heap_down(C, m, i, 1);
}

/* ---- the searches ------------------------------------------------------------------------- */

/* Greedy walk on one layer from *cur (score *cur_s) to a local best. */
static void greedy(const rn_index_hnsw *h, scratch *sc, const float *q, int level, int locked,
                   uint32_t *cur, float *cur_s)
{
    for (int changed = 1; changed;) {
        changed = 0;
        read_links(h, *cur, level, locked, sc->nb);
        for (uint32_t j = 1; j <= sc->nb[0]; j++) {
            uint32_t e = sc->nb[j];
            float s = rn__dot(q, vec(h, e), h->dim);
            if (s > *cur_s) *cur_s = s, *cur = e, changed = 1;
        }
    }
}

/* The paper's SEARCH-LAYER: best-first from the entries ep[0..n_ep) on
 * level, keeping the ef best in sc->W (a min-heap). Returns their count. */
static size_t search_layer(const rn_index_hnsw *h, scratch *sc, const float *q, const cand *ep,
                           size_t n_ep, size_t ef, int level, int locked)
{
    uint32_t g = next_gen(h, sc);
    size_t cn = 0, wn = 0;
    cand *C = sc->C, *W = sc->W;
    for (size_t i = 0; i < n_ep; i++) {
        if (sc->visited[ep[i].node] == g) continue;
        sc->visited[ep[i].node] = g;
        heap_push(C, &cn, ep[i], 1);
        heap_push(W, &wn, ep[i], 0);
        if (wn > ef) heap_pop(W, &wn, 0);
    }
    while (cn > 0) {
        cand c = heap_pop(C, &cn, 1);
        if (wn >= ef && c.s < W[0].s) break; /* nothing left can improve W */
        read_links(h, c.node, level, locked, sc->nb);
        for (uint32_t j = 1; j <= sc->nb[0]; j++) {
            uint32_t e = sc->nb[j];
            if (sc->visited[e] == g) continue;
            sc->visited[e] = g;
            float s = rn__dot(q, vec(h, e), h->dim);
            if (wn >= ef && !(s > W[0].s)) continue;
            cand x = {s, e};
            heap_push(W, &wn, x, 0);
            if (wn > ef) heap_pop(W, &wn, 0);
            if (cn == sc->c_cap) compact(C, &cn, wn >= ef ? W[0].s : -INFINITY);
            if (cn < sc->c_cap) heap_push(C, &cn, x, 1);
        }
    }
    return wn;
}

static int by_score_desc(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    if (a->s != b->s) return a->s > b->s ? -1 : 1;
    return (a->node > b->node) - (a->node < b->node);
}

/* The paper's heuristic (Algorithm 4, without keepPrunedConnections, as
 * FAISS): candidates best first; a candidate is kept when it scores higher
 * with the base than with every neighbour kept so far. Writes at most max
 * nodes to out and returns their count. Sorts cands. */
static size_t select_heuristic(const rn_index_hnsw *h, cand *cands, size_t m, size_t max,
                               uint32_t *out)
{
    qsort(cands, m, sizeof *cands, by_score_desc);
    size_t r = 0;
    for (size_t i = 0; i < m && r < max; i++) {
        const float *ve = vec(h, cands[i].node);
        int good = 1;
        for (size_t j = 0; j < r && good; j++)
            if (rn__dot(ve, vec(h, out[j]), h->dim) > cands[i].s) good = 0;
        if (good) out[r++] = cands[i].node;
    }
    return r;
}

/* Adds the link e -> x on level; when e's list is full, prunes it (x among
 * the candidates) with the heuristic. */
static void add_link(rn_index_hnsw *h, scratch *sc, uint32_t e, uint32_t x, int level, int locked)
{
    size_t max = width(h, level);
    if (locked) lock(&h->locks[e]);
    uint32_t *l = links(h, e, level);
    if (l[0] < max) {
        l[1 + l[0]] = x;
        l[0]++;
    } else {
        const float *ve = vec(h, e);
        size_t m = 0;
        for (uint32_t j = 1; j <= l[0]; j++)
            sc->prune[m++] = (cand){rn__dot(ve, vec(h, l[j]), h->dim), l[j]};
        sc->prune[m++] = (cand){rn__dot(ve, vec(h, x), h->dim), x};
        size_t r = select_heuristic(h, sc->prune, m, max, l + 1);
        l[0] = (uint32_t)r;
    }
    if (locked) unlock(&h->locks[e]);
}

/* The paper's INSERT (Algorithm 1) of node x, already stored with its layer. */
static void insert(rn_index_hnsw *h, scratch *sc, uint32_t x, int locked)
{
    const float *q = vec(h, x);
    int lx = h->level[x];
    if (locked) pthread_mutex_lock(&h->top);
    uint32_t ep = h->entry;
    int L = h->max_level;
    int raises = lx > L;
    if (locked && !raises) pthread_mutex_unlock(&h->top);
    if (ep == NONE) { /* the first node */
        h->entry = x, h->max_level = lx;
        if (locked) pthread_mutex_unlock(&h->top);
        return;
    }
    uint32_t cur = ep;
    float cur_s = rn__dot(q, vec(h, ep), h->dim);
    for (int lc = L; lc > lx; lc--)
        greedy(h, sc, q, lc, locked, &cur, &cur_s);
    cand *eps = sc->sel; /* this layer's entries, then the next one's */
    size_t n_ep = 1;
    eps[0] = (cand){cur_s, cur};
    for (int lc = lx < L ? lx : L; lc >= 0; lc--) {
        size_t wn = search_layer(h, sc, q, eps, n_ep, (size_t)h->efc, lc, locked);
        memcpy(eps, sc->W, wn * sizeof *eps);
        n_ep = wn;
        size_t r = select_heuristic(h, eps, wn, width(h, lc), sc->chosen);
        if (locked) lock(&h->locks[x]);
        uint32_t *lx_links = links(h, x, lc);
        memcpy(lx_links + 1, sc->chosen, r * sizeof *sc->chosen);
        lx_links[0] = (uint32_t)r;
        if (locked) unlock(&h->locks[x]);
        for (size_t j = 0; j < r; j++)
            add_link(h, sc, sc->chosen[j], x, lc, locked);
    }
    if (raises) {
        h->entry = x, h->max_level = lx;
        if (locked) pthread_mutex_unlock(&h->top);
    }
}

/* ---- create, free, describe --------------------------------------------------------------- */

rn_index_hnsw *rn_index_hnsw_new(int dim, int metric, int M, int ef_construction, uint64_t seed)
{
    if (dim < 1 || dim > 65536) {
        rn_fail(RN_EARG, "hnsw index: dim must be 1..65536, got %d", dim);
        return NULL;
    }
    if (metric != RN_INDEX_DOT && metric != RN_INDEX_COSINE) {
        rn_fail(RN_EARG, "hnsw index: unknown metric %d (RN_INDEX_DOT or RN_INDEX_COSINE)",
                metric);
        return NULL;
    }
    if (M < 2 || M > RN_HNSW_MAX_M) {
        rn_fail(RN_EARG, "hnsw index: M must be 2..%d, got %d", RN_HNSW_MAX_M, M);
        return NULL;
    }
    if (ef_construction < 1 || ef_construction > RN_HNSW_MAX_EF) {
        rn_fail(RN_EARG, "hnsw index: ef_construction must be 1..%d, got %d", RN_HNSW_MAX_EF,
                ef_construction);
        return NULL;
    }
    rn_index_hnsw *h = rn_calloc(1, sizeof *h, "hnsw index");
    if (h == NULL) return NULL;
    h->dim = dim, h->metric = metric, h->M = M;
    h->efc = ef_construction < M ? M : ef_construction;
    h->ef = 64;
    h->max_level = -1;
    h->entry = NONE;
    rn_rng_seed(&h->rng, seed);
    pthread_mutex_init(&h->top, NULL);
    return h;
}

void rn_index_hnsw_free(rn_index_hnsw *h)
{
    if (h == NULL) return;
    rn_free(h->v), rn_free(h->ids), rn_free(h->level), rn_free(h->links0);
    rn_free(h->up_off), rn_free(h->up), rn_free((void *)h->locks);
    for (int w = 0; w < RN__MAX_THREADS; w++)
        rn_free(h->visited[w]);
    pthread_mutex_destroy(&h->top);
    rn_free(h);
}

size_t rn_index_hnsw_size(const rn_index_hnsw *h)
{
    return h->n;
}
int rn_index_hnsw_dim(const rn_index_hnsw *h)
{
    return h->dim;
}
int rn_index_hnsw_metric(const rn_index_hnsw *h)
{
    return h->metric;
}
int rn_index_hnsw_M(const rn_index_hnsw *h)
{
    return h->M;
}
int rn_index_hnsw_ef_construction(const rn_index_hnsw *h)
{
    return h->efc;
}
int rn_index_hnsw_ef_search(const rn_index_hnsw *h)
{
    return h->ef;
}
int rn_index_hnsw_max_level(const rn_index_hnsw *h)
{
    return h->max_level;
}
const float *rn_index_hnsw_vectors(const rn_index_hnsw *h)
{
    return h->v;
}
const int64_t *rn_index_hnsw_ids(const rn_index_hnsw *h)
{
    return h->ids;
}

size_t rn_index_hnsw_links(const rn_index_hnsw *h)
{
    size_t total = 0;
    for (size_t i = 0; i < h->n; i++)
        total += links(h, (uint32_t)i, 0)[0];
    return total;
}

int rn_index_hnsw_set_ef_search(rn_index_hnsw *h, int ef)
{
    if (ef < 1 || ef > RN_HNSW_MAX_EF)
        return rn_fail(RN_EARG, "hnsw index: ef_search must be 1..%d, got %d", RN_HNSW_MAX_EF, ef);
    h->ef = ef;
    return RN_OK;
}

void rn_index_hnsw_set_threads(rn_index_hnsw *h, int threads)
{
    h->threads = threads < 0 ? 0 : threads > RN__MAX_THREADS ? RN__MAX_THREADS : threads;
}

/* ---- growing ------------------------------------------------------------------------------ */

/* Room for cap nodes in every per-node array (contents kept). */
static int grow(rn_index_hnsw *h, size_t cap)
{
    if (cap <= h->cap) return RN_OK;
    size_t w0 = 1 + 2 * (size_t)h->M;
    if (cap > (SIZE_MAX / sizeof(float)) / (size_t)h->dim || cap > SIZE_MAX / 4 / w0 ||
        cap > NONE)
        return rn_fail(RN_EARG, "hnsw index: %zu vectors are too many", cap);
#define GROW(field, count)                                                                         \
    do {                                                                                           \
        void *p_ = rn_realloc((void *)h->field, (count) * sizeof *h->field, "hnsw index");        \
        if (p_ == NULL) return RN_ENOMEM;                                                          \
        h->field = p_;                                                                             \
    } while (0)
    GROW(v, cap * (size_t)h->dim);
    GROW(ids, cap);
    GROW(level, cap);
    GROW(links0, cap * w0);
    GROW(up_off, cap);
    GROW(locks, cap);
#undef GROW
    h->cap = cap;
    return RN_OK;
}

/* Each worker's visited marks cover every node (cleared when they grow). */
static int grow_visited(rn_index_hnsw *h, int workers, size_t n)
{
    if (n > h->visited_cap) {
        for (int w = 0; w < RN__MAX_THREADS; w++)
            rn_free(h->visited[w]), h->visited[w] = NULL;
        h->visited_cap = 0;
    }
    for (int w = 0; w < workers; w++)
        if (h->visited[w] == NULL) {
            size_t cap = n > h->visited_cap ? n : h->visited_cap;
            h->visited[w] = rn_calloc(cap, sizeof *h->visited[w], "hnsw visited marks");
            if (h->visited[w] == NULL) return RN_ENOMEM;
            h->gen[w] = 0;
            h->visited_cap = cap;
        }
    return RN_OK;
}

/* Buffers of the workers for an ef: one allocation each, freed by free_scratch. */
static int make_scratch(rn_index_hnsw *h, scratch *sc, int workers, size_t ef, size_t k)
{
    size_t w0 = 2 * (size_t)h->M, wcap = ef + 1, sel = ef + w0 + 1;
    size_t ccap = 2 * (ef + w0) + 16;
    memset(sc, 0, (size_t)workers * sizeof *sc);
    for (int w = 0; w < workers; w++) {
        sc[w].visited = h->visited[w];
        sc[w].gen = &h->gen[w];
        sc[w].c_cap = ccap, sc[w].w_cap = wcap;
        sc[w].C = rn_malloc(ccap * sizeof(cand), "hnsw scratch");
        sc[w].W = rn_malloc(wcap * sizeof(cand), "hnsw scratch");
        sc[w].sel = rn_malloc(sel * sizeof(cand), "hnsw scratch");
        sc[w].prune = rn_malloc((w0 + 1) * sizeof(cand), "hnsw scratch");
        sc[w].nb = rn_malloc((w0 + 1) * sizeof(uint32_t), "hnsw scratch");
        sc[w].chosen = rn_malloc((w0 + 1) * sizeof(uint32_t), "hnsw scratch");
        sc[w].qbuf = rn_malloc((size_t)h->dim * sizeof(float), "hnsw scratch");
        sc[w].hits = rn_malloc((k > 0 ? k : 1) * sizeof(rn__hit), "hnsw scratch");
        if (!sc[w].C || !sc[w].W || !sc[w].sel || !sc[w].prune || !sc[w].nb || !sc[w].chosen ||
            !sc[w].qbuf || !sc[w].hits)
            return RN_ENOMEM;
    }
    return RN_OK;
}

static void free_scratch(scratch *sc, int workers)
{
    for (int w = 0; w < workers; w++) {
        rn_free(sc[w].C), rn_free(sc[w].W), rn_free(sc[w].sel), rn_free(sc[w].prune);
        rn_free(sc[w].nb), rn_free(sc[w].chosen), rn_free(sc[w].qbuf), rn_free(sc[w].hits);
    }
}

/* ---- add ---------------------------------------------------------------------------------- */

typedef struct {
    rn_index_hnsw *h;
    scratch *sc;
    size_t base;          /* the batch's first node: the loop's row 0 */
    size_t first, count;  /* the block: nodes first .. first+count */
    atomic_size_t next;   /* the next node of the block to take */
    int locked, workers;
    size_t done;          /* nodes of the batch inserted */
} add_job;

static void add_worker(void *ctx, int w, int n_workers)
{
    (void)n_workers;
    add_job *j = ctx;
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->count) return;
        insert(j->h, &j->sc[w], (uint32_t)(j->first + i), j->locked);
    }
}

/* The loop's step: a block of the batch (its rows consecutive: no shuffle),
 * shared by the workers. */
static int add_step(void *self, const size_t *rows, size_t m, double *loss)
{
    add_job *j = self;
    j->first = j->base + rows[0];
    j->count = m;
    atomic_store(&j->next, 0);
    rn__parallel(j->workers, add_worker, j);
    j->done += m;
    *loss = 0;
    return RN_OK;
}

void rn_index_hnsw_set_progress(rn_index_hnsw *h, const rn_index_progress *p)
{
    h->progress = p ? *p : (rn_index_progress){0};
}

int rn_index_hnsw_add(rn_index_hnsw *h, const float *v, size_t n, int dim, const int64_t *ids)
{
    if (dim != h->dim)
        return rn_fail(RN_ESHAPE, "hnsw index add: vectors of dim %d, the index holds dim %d",
                       dim, h->dim);
    if (n == 0) return RN_OK;
    if (v == NULL) return rn_fail(RN_EARG, "hnsw index add: no vectors (NULL)");
    if (n > (size_t)NONE - h->n)
        return rn_fail(RN_EARG, "hnsw index add: %zu vectors are too many", n);
    int rc = rn__check_finite(v, n, dim, "hnsw index add");
    if (rc) return rc;
    for (size_t i = 0; ids != NULL && i < n; i++)
        if (ids[i] < 0)
            return rn_fail(RN_EARG, "hnsw index add: id of row %zu is %lld (ids must be >= 0)",
                           i + 1, (long long)ids[i]);
    /* room, layers and upper lists, all before the first insertion */
    size_t need = h->n + n;
    if (need > h->cap) {
        size_t cap = h->cap ? h->cap : 64;
        while (cap < need)
            cap = cap > SIZE_MAX / 4 ? need : cap * 2;
        if ((rc = grow(h, cap)) != RN_OK) return rc;
    }
    int workers = h->threads > 0 ? h->threads : rn__threads();
    if (n < PARALLEL_MIN_ADD) workers = 1;
    if ((rc = grow_visited(h, workers, h->cap)) != RN_OK) return rc;
    rn_rng saved = h->rng;
    double mL = 1.0 / log((double)h->M);
    size_t up_need = h->up_n, w1 = 1 + (size_t)h->M;
    for (size_t i = h->n; i < need; i++) {
        double u = 1.0 - (double)rn_rng_uniform(&h->rng); /* (0, 1] */
        double l = floor(-log(u) * mL);
        h->level[i] = (uint8_t)(l > MAX_LEVEL ? MAX_LEVEL : l);
        h->up_off[i] = up_need;
        up_need += h->level[i] * w1;
    }
    if (up_need > h->up_cap) {
        size_t cap = h->up_cap ? h->up_cap : 1024;
        while (cap < up_need)
            cap *= 2;
        uint32_t *p = rn_realloc(h->up, cap * sizeof *p, "hnsw upper links");
        if (p == NULL) {
            h->rng = saved;
            return RN_ENOMEM;
        }
        h->up = p, h->up_cap = cap;
    }
    scratch sc[RN__MAX_THREADS];
    size_t ef = (size_t)h->efc;
    if ((rc = make_scratch(h, sc, workers, ef, 1)) != RN_OK) {
        free_scratch(sc, workers);
        h->rng = saved;
        return rc;
    }
    /* the new nodes: vectors, ids, empty lists */
    size_t w0 = 1 + 2 * (size_t)h->M;
    float *dst = h->v + h->n * (size_t)dim;
    memcpy(dst, v, n * (size_t)dim * sizeof *dst);
    for (size_t i = 0; i < n; i++) {
        size_t node = h->n + i;
        h->ids[node] = ids ? ids[i] : (int64_t)node;
        if (h->metric == RN_INDEX_COSINE) rn__normalise(dst + i * (size_t)dim, dim);
        h->links0[node * w0] = 0;
        for (int l = 0; l < h->level[node]; l++)
            h->up[h->up_off[node] + (size_t)l * w1] = 0;
        atomic_init(&h->locks[node], 0);
    }
    h->up_n = up_need;

    add_job j = {.h = h, .sc = sc, .base = h->n, .locked = workers > 1, .workers = workers};
    if (h->entry == NONE && workers > 1) { /* the first node alone: it becomes the entry */
        insert(h, &sc[0], (uint32_t)h->n, 0);
        j.base++, j.done = 1;
    }
    rn_loop_result res = {0};
    if (j.done < n) {
        rn_trainer t = {.n_rows = n - j.done, .step = add_step, .self = &j};
        rn_loop_config c = rn_loop_defaults();
        c.batch_size = RN_HNSW_ADD_BLOCK;
        c.shuffle = 0; /* the nodes in order: an interrupted add keeps a prefix */
        c.on_step = h->progress.on_step;
        c.ud = h->progress.ud;
        rc = rn_train(&t, &c, &res);
    }
    size_t done = j.done;
    h->n += done;
    free_scratch(sc, workers);
    if (done < n) {
        /* the nodes not inserted were never linked: forget them (and their upper lists) */
        h->up_n = h->up_off[h->n];
        if (rc != RN_OK && rc != RN_EINTR) return rc;
        return rn_fail(RN_EINTR,
                       "%s in hnsw index add after %zu of %zu vectors (the index keeps them: "
                       "%zu in all)",
                       rc == RN_EINTR ? "interrupted (Ctrl-C)" : "stopped by the progress callback",
                       done, n, h->n);
    }
    return rc;
}

/* ---- search ------------------------------------------------------------------------------- */

typedef struct {
    const rn_index_hnsw *h;
    scratch *sc;
    const float *q;
    size_t nq, k, kk, ef;
    int64_t *ids;
    float *scores;
    atomic_int stop;
} search_job;

static void search_one(const rn_index_hnsw *h, scratch *sc, const float *q0, size_t ef, size_t kk,
                       size_t k, int64_t *out_ids, float *out_scores)
{
    const float *q = q0;
    if (h->metric == RN_INDEX_COSINE) {
        memcpy(sc->qbuf, q0, (size_t)h->dim * sizeof *q);
        rn__normalise(sc->qbuf, h->dim);
        q = sc->qbuf;
    }
    uint32_t cur = h->entry;
    float cur_s = rn__dot(q, vec(h, cur), h->dim);
    for (int lc = h->max_level; lc > 0; lc--)
        greedy(h, sc, q, lc, 0, &cur, &cur_s);
    cand ep = {cur_s, cur};
    size_t wn = search_layer(h, sc, q, &ep, 1, ef, 0, 0);
    size_t cnt = 0;
    for (size_t i = 0; i < wn; i++) {
        uint32_t node = sc->W[i].node;
        rn__topk_push(sc->hits, &cnt, kk, (rn__hit){sc->W[i].s, h->ids[node], node});
    }
    rn__topk_pop_sorted(sc->hits, cnt, k, out_ids, out_scores);
}

static void search_worker(void *ctx, int w, int n_workers)
{
    search_job *j = ctx;
    for (size_t i = (size_t)w; i < j->nq; i += (size_t)n_workers) {
        if (w == 0 && rn_interrupted()) atomic_store(&j->stop, 1);
        if (atomic_load_explicit(&j->stop, memory_order_relaxed)) return;
        search_one(j->h, &j->sc[w], j->q + i * (size_t)j->h->dim, j->ef, j->kk, j->k,
                   j->ids + i * j->k, j->scores + i * j->k);
    }
}

int rn_index_hnsw_search(rn_index_hnsw *h, const float *q, size_t nq, int dim, int k,
                         int64_t *ids, float *scores)
{
    if (dim != h->dim)
        return rn_fail(RN_ESHAPE, "hnsw index search: queries of dim %d, the index holds dim %d",
                       dim, h->dim);
    if (k < 1) return rn_fail(RN_EARG, "hnsw index search: k must be at least 1, got %d", k);
    if (h->n == 0)
        return rn_fail(RN_ESTATE, "hnsw index search: the index is empty (add vectors first)");
    if (nq == 0) return RN_OK;
    if (q == NULL || ids == NULL || scores == NULL)
        return rn_fail(RN_EARG, "hnsw index search: queries or outputs are NULL");
    if (nq > SIZE_MAX / (size_t)k || nq > (SIZE_MAX / sizeof(float)) / (size_t)dim)
        return rn_fail(RN_EARG, "hnsw index search: %zu queries are too many", nq);
    int rc = rn__check_finite(q, nq, dim, "hnsw index search");
    if (rc) return rc;
    size_t kk = (size_t)k < h->n ? (size_t)k : h->n;
    size_t ef = (size_t)h->ef > kk ? (size_t)h->ef : kk;
    int workers = h->threads > 0 ? h->threads : rn__threads();
    if (nq < PARALLEL_MIN_SEARCH) workers = 1;
    if ((rc = grow_visited(h, workers, h->cap)) != RN_OK) return rc;
    scratch sc[RN__MAX_THREADS];
    if ((rc = make_scratch(h, sc, workers, ef, kk)) != RN_OK) {
        free_scratch(sc, workers);
        return rc;
    }
    search_job j = {.h = h, .sc = sc, .q = q, .nq = nq, .k = (size_t)k, .kk = kk, .ef = ef,
                    .ids = ids, .scores = scores};
    atomic_init(&j.stop, 0);
    rn__parallel(workers, search_worker, &j);
    free_scratch(sc, workers);
    if (atomic_load(&j.stop)) return rn_interrupt_fail("hnsw index search");
    return RN_OK;
}

/* ---- files --------------------------------------------------------------------------------
 *
 * After the common header (kind 1): u32 M, u32 ef_construction, u32
 * ef_search, i32 max_level, u32 entry, u32 reserved, 4 x u64 the layer
 * generator's state; then the vectors (n x dim f32), the ids (n x u64), the
 * layers (n x u8), layer 0's lists (n x (1 + 2M) u32) and the upper lists
 * (sum of the layers x (1 + M) u32, node by node). */

int rn_index_hnsw_save(const rn_index_hnsw *h, const char *path)
{
    rn__writer w = {0};
    rn__w_header(&w, RN__INDEX_FILE_HNSW, h->metric, h->dim, h->n);
    rn__w_u32(&w, (uint32_t)h->M);
    rn__w_u32(&w, (uint32_t)h->efc);
    rn__w_u32(&w, (uint32_t)h->ef);
    rn__w_u32(&w, (uint32_t)h->max_level);
    rn__w_u32(&w, h->entry);
    rn__w_u32(&w, 0);
    for (int i = 0; i < 4; i++)
        rn__w_u64(&w, h->rng.s[i]);
    rn__w_bytes(&w, h->v, h->n * (size_t)h->dim * sizeof *h->v);
    for (size_t i = 0; i < h->n; i++)
        rn__w_u64(&w, (uint64_t)h->ids[i]);
    rn__w_bytes(&w, h->level, h->n);
    rn__w_bytes(&w, h->links0, h->n * (1 + 2 * (size_t)h->M) * sizeof *h->links0);
    size_t up_used = h->n > 0 ? h->up_off[h->n - 1] + h->level[h->n - 1] * (1 + (size_t)h->M) : 0;
    rn__w_bytes(&w, h->up, up_used * sizeof *h->up);
    return rn__w_finish(&w, path, "hnsw index save");
}

/* Checks the lists of one node on one layer: count and targets. */
static int check_list(rn__reader *r, const rn_index_hnsw *h, uint32_t node, int level,
                      size_t at)
{
    const uint32_t *l = links(h, node, level);
    if (l[0] > width(h, level)) {
        r->off = at;
        return rn__r_fail(r, "node %u holds %u links on layer %d (at most %zu)", node, l[0],
                          level, width(h, level));
    }
    for (uint32_t j = 1; j <= l[0]; j++)
        if (l[j] >= h->n || h->level[l[j]] < level) {
            r->off = at + 4 * (size_t)j;
            return rn__r_fail(r, "node %u links to node %u on layer %d, which %s", node, l[j],
                              level, l[j] >= h->n ? "does not exist" : "is not on that layer");
        }
    return RN_OK;
}

rn_index_hnsw *rn_index_hnsw_load(const char *path)
{
    rn__reader r;
    int kind, metric, dim;
    uint64_t n;
    rn_index_hnsw *h = NULL;
    int rc = rn__r_open(&r, path, &kind, &metric, &dim, &n);
    if (rc == RN_OK && kind != RN__INDEX_FILE_HNSW) {
        r.off = 8;
        rc = rn__r_fail(&r, "this is an %s index, not an HNSW one",
                        kind == RN__INDEX_FILE_FLAT ? "exact" : "IVF");
    }
    uint32_t M = 0, efc = 0, ef = 0, max_level = 0, entry = 0;
    if (rc == RN_OK) {
        M = rn__r_u32(&r, "the HNSW parameters");
        efc = rn__r_u32(&r, "the HNSW parameters");
        ef = rn__r_u32(&r, "the HNSW parameters");
        max_level = rn__r_u32(&r, "the HNSW parameters");
        entry = rn__r_u32(&r, "the HNSW parameters");
        (void)rn__r_u32(&r, "the HNSW parameters");
        if (r.failed) rc = RN_EPARSE;
    }
    if (rc == RN_OK && (M < 2 || M > RN_HNSW_MAX_M || efc < 1 || efc > RN_HNSW_MAX_EF || ef < 1 ||
                        ef > RN_HNSW_MAX_EF)) {
        r.off = RN__INDEX_HEADER;
        rc = rn__r_fail(&r, "parameters out of range: M %u (2..%d), ef_construction %u, "
                            "ef_search %u (1..%d)",
                        M, RN_HNSW_MAX_M, efc, ef, RN_HNSW_MAX_EF);
    }
    if (rc == RN_OK && n > (uint64_t)NONE - 1) rc = rn__r_fail(&r, "%llu vectors are too many",
                                                               (unsigned long long)n);
    if (rc == RN_OK)
        rc = rn__r_fits(&r, n, (size_t)dim * 4 + 8 + 1 + (1 + 2 * (size_t)M) * 4,
                        "the vectors and their layer-0 links");
    if (rc == RN_OK && (h = rn_index_hnsw_new(dim, metric, (int)M, (int)efc, 0)) == NULL)
        rc = rn_error_code();
    if (rc == RN_OK) {
        h->efc = (int)efc, h->ef = (int)ef;
        for (int i = 0; i < 4; i++)
            h->rng.s[i] = rn__r_u64(&r, "the generator state");
        if (n > 0 && (rc = grow(h, (size_t)n)) == RN_OK) rc = r.failed ? RN_EPARSE : RN_OK;
    }
    if (rc == RN_OK && n > 0) {
        h->n = (size_t)n;
        if ((rc = rn__r_vectors(&r, h->v, h->ids, n, dim)) == RN_OK) {
            size_t at = r.off;
            rn__r_bytes(&r, h->level, (size_t)n, "the layers");
            size_t up = 0;
            for (size_t i = 0; rc == RN_OK && i < n && !r.failed; i++) {
                if (h->level[i] > max_level) {
                    r.off = at + i;
                    rc = rn__r_fail(&r, "node %zu is on layer %u, above the top layer %u", i,
                                    h->level[i], max_level);
                }
                h->up_off[i] = up;
                up += h->level[i] * (1 + (size_t)M);
                atomic_init(&h->locks[i], 0);
            }
            if (rc == RN_OK && r.failed) rc = RN_EPARSE;
            if (rc == RN_OK && (max_level > MAX_LEVEL || entry >= n ||
                                h->level[entry] != max_level)) {
                r.off = RN__INDEX_HEADER + 12;
                rc = rn__r_fail(&r, "the entry point %u (top layer %u) is not a node on the top "
                                    "layer",
                                entry, max_level);
            }
            size_t at0 = r.off, w0 = 1 + 2 * (size_t)M;
            if (rc == RN_OK) rn__r_bytes(&r, h->links0, (size_t)n * w0 * 4, "the layer-0 links");
            if (rc == RN_OK && (rc = rn__r_fits(&r, up, 4, "the upper links")) == RN_OK && up > 0) {
                h->up = rn_malloc(up * sizeof *h->up, "hnsw upper links");
                if (h->up == NULL) rc = RN_ENOMEM;
                h->up_cap = h->up_n = up;
            }
            size_t atu = r.off;
            if (rc == RN_OK && up > 0) rn__r_bytes(&r, h->up, up * 4, "the upper links");
            if (rc == RN_OK && r.failed) rc = RN_EPARSE;
            for (size_t i = 0; rc == RN_OK && i < n; i++) {
                rc = check_list(&r, h, (uint32_t)i, 0, at0 + i * w0 * 4);
                for (int l = 1; rc == RN_OK && l <= h->level[i]; l++)
                    rc = check_list(&r, h, (uint32_t)i, l,
                                    atu + (h->up_off[i] + (size_t)(l - 1) * (1 + M)) * 4);
            }
            if (rc == RN_OK) h->max_level = (int)max_level, h->entry = entry;
        }
    } else if (rc == RN_OK && (entry != NONE || max_level != (uint32_t)-1)) {
        r.off = RN__INDEX_HEADER + 12;
        rc = rn__r_fail(&r, "an empty index has an entry point");
    }
    if (rc == RN_OK && r.off != r.size)
        rc = rn__r_fail(&r, "%zu bytes follow the last section", r.size - r.off);
    rn_free((void *)r.p);
    if (rc != RN_OK) {
        rn_index_hnsw_free(h);
        return NULL;
    }
    return h;
}
