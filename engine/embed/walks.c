/* Random walks (walks.h): DeepWalk's first-order steps from alias tables,
 * node2vec's second-order steps by rejection, run as a job of the loop. */
#include "embed/walks.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "interrupt.h"

rn_walks_config rn_walks_defaults(void)
{
    rn_walks_config c;
    memset(&c, 0, sizeof c);
    c.length = 40;
    c.per_node = 10;
    c.p = c.q = 1.0;
    c.seed = 1;
    c.threads = 1;
    c.batch = 256;
    return c;
}

void rn_walks_free(rn_walks *w)
{
    if (w == NULL) return;
    rn_free(w->nodes), rn_free(w->offsets);
    rn_free(w);
}

double rn_walks_alpha(const rn_itemgraph *g, size_t t, size_t x, double p, double q)
{
    if (x == t) return 1.0 / p;
    if (rn_itemgraph_weight(g, t, x) > 0) return 1.0;
    return 1.0 / q;
}

int64_t rn_walks_step(const rn_itemgraph *g, int64_t prev, size_t v, double p, double q,
                      rn_rng *r)
{
    if (prev < 0 || (p == 1.0 && q == 1.0)) return rn_itemgraph_sample(g, v, r);
    double amax = 1.0 / p > 1.0 ? 1.0 / p : 1.0;
    if (1.0 / q > amax) amax = 1.0 / q;
    for (;;) {
        int64_t x = rn_itemgraph_sample(g, v, r);
        if (x < 0) return -1;
        double a = rn_walks_alpha(g, (size_t)prev, (size_t)x, p, q);
        /* accept with probability a / amax; a == amax always passes */
        if (a >= amax || (double)rn_rng_uniform(r) * amax < a) return x;
    }
}

/* ---- the job -------------------------------------------------------------------------- */

typedef struct {
    const rn_itemgraph *g;
    const rn_walks_config *c;
    uint32_t *buf;   /* n_total x length */
    uint32_t *len;   /* n_total walk lengths */
    size_t done;     /* walks made so far (the next walk's number) */
} job;

typedef struct {
    job *j;
    const size_t *starts;
    size_t from, to; /* this thread's share of the batch */
    size_t first;    /* the batch's first walk number */
} share;

static void walk_one(job *j, size_t number, size_t start)
{
    const rn_walks_config *c = j->c;
    rn_rng r;
    rn_rng_seed(&r, c->seed * 0x9E3779B97F4A7C15ull + number);
    uint32_t *out = j->buf + number * (size_t)c->length;
    out[0] = (uint32_t)start;
    uint32_t n = 1;
    int64_t prev = -1;
    size_t v = start;
    while (n < (uint32_t)c->length) {
        int64_t x = rn_walks_step(j->g, prev, v, c->p, c->q, &r);
        if (x < 0) break;
        out[n++] = (uint32_t)x;
        prev = (int64_t)v, v = (size_t)x;
    }
    j->len[number] = n;
}

static void *run_share(void *arg)
{
    share *s = arg;
    for (size_t i = s->from; i < s->to; i++)
        walk_one(s->j, s->first + i, s->starts[i]);
    return NULL;
}

static int step(void *self, const size_t *rows, size_t n, double *loss)
{
    job *j = self;
    int T = j->c->threads;
    /* a thread is worth starting for a few hundred walks, not fewer */
    if ((size_t)T > n / 64) T = (int)(n / 64);
    if (T < 1) T = 1;
    share sh[32];
    pthread_t tid[32];
    int started[32] = {0};
    for (int k = 0; k < T; k++) {
        size_t from = n * (size_t)k / (size_t)T, to = n * (size_t)(k + 1) / (size_t)T;
        sh[k] = (share){j, rows, from, to, j->done};
        if (k > 0) {
            started[k] = pthread_create(&tid[k], NULL, run_share, &sh[k]) == 0;
            if (!started[k]) run_share(&sh[k]); /* no thread: do its share here */
        }
    }
    run_share(&sh[0]);
    for (int k = 1; k < T; k++)
        if (started[k]) pthread_join(tid[k], NULL);
    j->done += n;
    *loss = 0;
    return RN_OK;
}

rn_walks *rn_walks_generate(const rn_itemgraph *g, const rn_walks_config *c)
{
    if (g == NULL) return rn_fail(RN_EARG, "walks: no graph"), NULL;
    if (c == NULL) return rn_fail(RN_EARG, "walks: no config"), NULL;
    if (c->length < 1 || c->length > 100000)
        return rn_fail(RN_EARG, "walks: length must be in 1..100000, got %d", c->length), NULL;
    if (c->per_node < 1 || c->per_node > 100000)
        return rn_fail(RN_EARG, "walks: per_node must be in 1..100000, got %d", c->per_node), NULL;
    if (!(c->p > 0) || c->p > 1e9)
        return rn_fail(RN_EARG, "walks: p must be > 0, got %g", c->p), NULL;
    if (!(c->q > 0) || c->q > 1e9)
        return rn_fail(RN_EARG, "walks: q must be > 0, got %g", c->q), NULL;
    if (c->threads < 1 || c->threads > 31)
        return rn_fail(RN_EARG, "walks: threads must be in 1..31, got %d", c->threads), NULL;
    size_t n = rn_itemgraph_n_nodes(g), total = n * (size_t)c->per_node;
    if (total > ((size_t)1 << 40) / (size_t)c->length)
        return rn_fail(RN_EARG, "walks: %zu walks of %d nodes are too many", total, c->length),
               NULL;
    rn_walks *w = rn_calloc(1, sizeof *w, "walks");
    job j = {.g = g, .c = c};
    if (w == NULL) return NULL;
    j.buf = rn_malloc(total * (size_t)c->length * sizeof *j.buf, "walk nodes");
    j.len = rn_malloc(total * sizeof *j.len, "walk lengths");
    w->offsets = rn_malloc((total + 1) * sizeof *w->offsets, "walk offsets");
    if (j.buf == NULL || j.len == NULL || w->offsets == NULL) goto fail;
    rn_trainer t = {.n_rows = n, .step = step, .self = &j};
    rn_loop_config lc = rn_loop_defaults();
    lc.epochs = c->per_node;
    lc.batch_size = c->batch > 0 ? c->batch : 256;
    lc.seed = c->seed;
    lc.on_step = c->on_step;
    lc.ud = c->ud;
    int rc = rn_train(&t, &lc, NULL);
    if (rc == RN_EINTR) {
        char where[96];
        snprintf(where, sizeof where, "random walks after %zu of %zu walks", j.done, total);
        rn_interrupt_fail(where);
        goto fail;
    }
    if (rc != RN_OK) goto fail;
    /* pack the walks made (all of them, unless a callback stopped early) */
    w->n_walks = j.done;
    w->offsets[0] = 0;
    for (size_t s = 0; s < j.done; s++)
        w->offsets[s + 1] = w->offsets[s] + j.len[s];
    for (size_t s = 0; s < j.done; s++)
        memmove(j.buf + w->offsets[s], j.buf + s * (size_t)c->length, j.len[s] * sizeof *j.buf);
    size_t used = w->offsets[j.done];
    uint32_t *shrunk = rn_realloc(j.buf, (used ? used : 1) * sizeof *j.buf, "walk nodes");
    w->nodes = shrunk != NULL ? shrunk : j.buf;
    rn_free(j.len);
    rn_error_clear();
    return w;
fail:
    rn_free(j.buf), rn_free(j.len);
    rn_walks_free(w);
    return NULL;
}

int64_t *rn_walks_ids(const rn_walks *w, const rn_itemgraph *g)
{
    size_t n = w->offsets[w->n_walks];
    int64_t *ids = rn_malloc((n ? n : 1) * sizeof *ids, "walk ids");
    if (ids == NULL) return NULL;
    const int64_t *node_ids = rn_itemgraph_ids(g);
    for (size_t i = 0; i < n; i++)
        ids[i] = node_ids[w->nodes[i]];
    return ids;
}
