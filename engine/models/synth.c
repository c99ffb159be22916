/* Seeded synthetic CTR data with a known ground truth (synth.h). */
#include "synth.h"

#include <math.h>
#include <string.h>

#include "../alloc.h"
#include "../error.h"
#include "../rng.h"

rn_synth_ctr_config rn_synth_ctr_defaults(void)
{
    rn_synth_ctr_config c = {20000, 4, 20, 0, 4, 1.0f, 0.3f, 0.0f, 0.0f, 7};
    return c;
}

rn_synth_seq_config rn_synth_seq_defaults(void)
{
    rn_synth_seq_config c = {20000, 200, 10, 100, 10, 2, 0, 0.8f, 7, 0, 0};
    return c;
}

static float sigmoid(double z)
{
    return (float)(1.0 / (1.0 + exp(-z)));
}

rn_samples *rn_synth_ctr(const rn_synth_ctr_config *c)
{
    if (c->rows < 1 || c->rows > 10000000)
        return rn_fail(RN_EARG, "synthetic ctr: rows must be in 1..1e7, got %zu", c->rows), NULL;
    if (c->n_fields < 1 || c->n_fields > 64 || c->cardinality < 1 || c->cardinality > 1000000 ||
        c->n_dense < 0 || c->n_dense > 1024 || c->rank < 1 || c->rank > 256)
        return rn_fail(RN_EARG,
                       "synthetic ctr: fields 1..64, cardinality 1..1e6, dense 0..1024, rank "
                       "1..256 (got %d, %d, %d, %d)",
                       c->n_fields, c->cardinality, c->n_dense, c->rank),
               NULL;
    size_t F = (size_t)c->n_fields, V = (size_t)c->cardinality, K = (size_t)c->rank;
    if ((double)c->rows * (double)(F + (size_t)c->n_dense) > 2e8 || (double)F * V * K > 1e8)
        return rn_fail(RN_EARG, "synthetic ctr: %zu rows x %zu columns is too large (2e8 values)",
                       c->rows, F + (size_t)c->n_dense),
               NULL;
    rn_samples *b = rn_samples_new(c->rows, c->n_fields, c->n_dense, 0, 1, 1);
    float *w = rn_malloc(F * V * sizeof *w, "synthetic weights");
    float *u = rn_malloc(F * V * K * sizeof *u, "synthetic vectors");
    float *a = rn_malloc(((size_t)c->n_dense + 1) * sizeof *a, "synthetic dense weights");
    if (b == NULL || w == NULL || u == NULL || a == NULL) {
        rn_samples_free(b);
        rn_free(w);
        rn_free(u);
        rn_free(a);
        return NULL;
    }
    rn_rng g;
    rn_rng_seed(&g, c->seed);
    float s = powf((float)K, -0.25f);
    for (size_t i = 0; i < F * V; i++)
        w[i] = c->linear * rn_rng_normal(&g);
    for (size_t i = 0; i < F * V * K; i++)
        u[i] = s * rn_rng_normal(&g);
    for (int j = 0; j < c->n_dense; j++)
        a[j] = c->linear * rn_rng_normal(&g);
    for (size_t r = 0; r < c->rows; r++) {
        int32_t *id = b->sparse + r * F;
        double z = (double)c->bias;
        for (size_t f = 0; f < F; f++) {
            id[f] = (int32_t)rn_rng_below(&g, V);
            z += (double)w[f * V + (size_t)id[f]];
        }
        for (size_t i = 0; i < F; i++)
            for (size_t j = i + 1; j < F; j++) {
                const float *ui = u + (i * V + (size_t)id[i]) * K;
                const float *uj = u + (j * V + (size_t)id[j]) * K;
                double d = 0;
                for (size_t k = 0; k < K; k++)
                    d += (double)ui[k] * (double)uj[k];
                z += (double)c->interaction * d;
            }
        for (int j = 0; j < c->n_dense; j++) {
            float x = rn_rng_normal(&g);
            b->dense[r * (size_t)c->n_dense + (size_t)j] = x;
            z += (double)(a[j] * x);
        }
        if (c->noise > 0) z += (double)(c->noise * rn_rng_normal(&g));
        b->labels[r] = rn_rng_uniform(&g) < sigmoid(z) ? 1.0f : 0.0f;
        b->group[r] = id[0];
    }
    rn_free(w);
    rn_free(u);
    rn_free(a);
    return b;
}

int rn_synth_seq_category(const rn_synth_seq_config *c, int item)
{
    return (int)((7919L * item) % c->n_cats);
}

/* An item of category cat (rejection sampling; every category has items when
 * n_items >= 2 n_cats, checked by the caller). */
static int32_t item_of(rn_rng *g, const rn_synth_seq_config *c, int cat)
{
    for (;;) {
        int32_t it = 1 + (int32_t)rn_rng_below(g, (uint64_t)(c->n_items - 1));
        if (rn_synth_seq_category(c, it) == cat) return it;
    }
}

/* ---- the nearest-items truth (nearest = k) ----------------------------------- */

/* A rank near focus on a line of n items: focus + a rounded N(0, spread^2), clipped. */
static int near_rank(rn_rng *g, int focus, double spread, int n)
{
    long r = lround((double)focus + spread * (double)rn_rng_normal(g));
    return (int)(r < 0 ? 0 : r >= n ? n - 1 : r);
}

/* Fills b (made by rn_synth_seq: fields item, category, user; S features) by
 * the nearest-items truth of synth.h; b on success, NULL with RN_ENOMEM. */
static rn_samples *synth_nearest(const rn_synth_seq_config *c, rn_samples *b)
{
    int C = c->n_cats, N = c->n_items, S = b->n_seq, k = c->nearest;
    size_t T = (size_t)c->seq_len;
    /* each category's items in id order: items[off[cat] + rank]; rank of each item */
    int32_t *off = rn_calloc((size_t)C + 1, sizeof *off, "synthetic categories");
    int32_t *items = rn_malloc((size_t)N * sizeof *items, "synthetic items");
    int32_t *rank = rn_malloc((size_t)N * sizeof *rank, "synthetic ranks");
    int32_t *user = rn_malloc((size_t)c->n_users * 4 * sizeof *user, "synthetic users");
    double *sims = rn_malloc(T * sizeof *sims, "synthetic similarities");
    if (off == NULL || items == NULL || rank == NULL || user == NULL || sims == NULL) {
        rn_free(off), rn_free(items), rn_free(rank), rn_free(user), rn_free(sims);
        return NULL;
    }
    for (int i = 1; i < N; i++)
        off[rn_synth_seq_category(c, i) + 1]++;
    for (int a = 0; a < C; a++)
        off[a + 1] += off[a];
    int32_t *fill = rn_calloc((size_t)C, sizeof *fill, "synthetic categories");
    if (fill == NULL) {
        rn_free(off), rn_free(items), rn_free(rank), rn_free(user), rn_free(sims);
        return NULL;
    }
    for (int i = 1; i < N; i++) { /* ids ascend, so the fill order is the rank order */
        int a = rn_synth_seq_category(c, i);
        rank[i] = fill[a];
        items[off[a] + fill[a]++] = i;
    }
    rn_free(fill);
    double spread = fmax(1.0, (double)(N - 1) / C / 10.0), width = spread / 2.0;
    rn_rng g;
    rn_rng_seed(&g, c->seed);
    for (int u = 0; u < c->n_users; u++) { /* two interests: {category, focus rank} */
        int32_t *p = user + 4 * u;
        p[0] = (int32_t)rn_rng_below(&g, (uint64_t)C);
        do
            p[2] = (int32_t)rn_rng_below(&g, (uint64_t)C);
        while (p[2] == p[0]);
        p[1] = (int32_t)rn_rng_below(&g, (uint64_t)(off[p[0] + 1] - off[p[0]]));
        p[3] = (int32_t)rn_rng_below(&g, (uint64_t)(off[p[2] + 1] - off[p[2]]));
    }
    for (size_t r = 0; r < c->rows; r++) {
        int u = (int)rn_rng_below(&g, (uint64_t)c->n_users);
        const int32_t *p = user + 4 * u;
        int len = c->min_len + (int)rn_rng_below(&g, (uint64_t)(c->seq_len - c->min_len + 1));
        int32_t *seq = b->seq + r * T * (size_t)S;
        int32_t cand;
        double pick = rn_rng_uniform(&g);
        int which = 2 * (int)rn_rng_below(&g, 2), cat = p[which];
        int n_cat = off[cat + 1] - off[cat];
        if (pick < 0.25)
            cand = items[off[cat] + near_rank(&g, p[which + 1], spread, n_cat)];
        else if (pick < 0.5)
            cand = items[off[cat] + (int)rn_rng_below(&g, (uint64_t)n_cat)];
        else
            cand = 1 + (int32_t)rn_rng_below(&g, (uint64_t)(N - 1));
        int ccat = rn_synth_seq_category(c, cand);
        for (int t = 0; t < len; t++) {
            int32_t it;
            if (rn_rng_uniform(&g) < 0.8f) {
                int w = 2 * (int)rn_rng_below(&g, 2), a = p[w];
                it = items[off[a] + near_rank(&g, p[w + 1], spread, off[a + 1] - off[a])];
            } else {
                it = 1 + (int32_t)rn_rng_below(&g, (uint64_t)(N - 1));
            }
            seq[t * S] = it;
            if (S == 2) seq[t * S + 1] = rn_synth_seq_category(c, it);
            b->mask[r * T + (size_t)t] = 1.0f;
            int hc = rn_synth_seq_category(c, it);
            sims[t] = hc != ccat ? 0.0
                                 : 0.5 + 0.5 * exp(-fabs((double)(rank[it] - rank[cand])) / width);
        }
        double top = 0; /* the k largest similarities: k passes of a max (k is small) */
        for (int j = 0; j < k && j < len; j++) {
            int best = 0;
            for (int t = 1; t < len; t++)
                if (sims[t] > sims[best]) best = t;
            top += sims[best];
            sims[best] = -1.0;
        }
        double z = -2.0 + (double)c->strength * top;
        b->labels[r] = rn_rng_uniform(&g) < sigmoid(z) ? 1.0f : 0.0f;
        b->sparse[r * 3] = cand;
        b->sparse[r * 3 + 1] = ccat;
        b->sparse[r * 3 + 2] = u;
        b->group[r] = u;
    }
    rn_free(off), rn_free(items), rn_free(rank), rn_free(user), rn_free(sims);
    return b;
}

rn_samples *rn_synth_seq(const rn_synth_seq_config *c)
{
    if (c->rows < 1 || c->rows > 10000000)
        return rn_fail(RN_EARG, "synthetic seq: rows must be in 1..1e7, got %zu", c->rows), NULL;
    if (c->n_cats < 2 || c->n_items < 2 * c->n_cats || c->n_items > 10000000 || c->n_users < 1 ||
        c->seq_len < 2 || c->seq_len > 256 || c->min_len < 1 || c->min_len > c->seq_len)
        return rn_fail(RN_EARG,
                       "synthetic seq: n_cats >= 2, n_items >= 2 n_cats, n_users >= 1, seq_len "
                       "2..256, min_len 1..seq_len (got %d, %d, %d, %d, %d)",
                       c->n_cats, c->n_items, c->n_users, c->seq_len, c->min_len),
               NULL;
    size_t T = (size_t)c->seq_len;
    if ((double)c->rows * (double)(3 + (c->cat_history ? 3 : 2) * T) > 2e8)
        return rn_fail(RN_EARG, "synthetic seq: %zu rows of length %zu is too large (2e8 values)",
                       c->rows, T),
               NULL;
    if (c->nearest < 0 || c->nearest > c->seq_len || (c->drift && c->nearest > 0))
        return rn_fail(RN_EARG,
                       "synthetic seq: nearest must be in 0..seq_len (%d), and without drift "
                       "(got %d)",
                       c->seq_len, c->nearest),
               NULL;
    int S = c->cat_history ? 2 : 1;
    rn_samples *b = rn_samples_new_seq(c->rows, 3, 0, c->seq_len, S, 1, 1);
    if (b != NULL) {
        b->seq_of[0] = 0; /* the history's items share the candidate item's rows */
        if (S == 2) b->seq_of[1] = 1; /* and their categories the candidate's category */
    }
    if (b != NULL && c->nearest > 0) {
        rn_samples *out = synth_nearest(c, b);
        if (out == NULL) rn_samples_free(b);
        return out;
    }
    int32_t *interest = rn_malloc((size_t)c->n_users * 2 * sizeof *interest, "synthetic users");
    if (b == NULL || interest == NULL) {
        rn_samples_free(b);
        rn_free(interest);
        return NULL;
    }
    rn_rng g;
    rn_rng_seed(&g, c->seed);
    for (int u = 0; u < c->n_users; u++) {
        interest[2 * u] = (int32_t)rn_rng_below(&g, (uint64_t)c->n_cats);
        do
            interest[2 * u + 1] = (int32_t)rn_rng_below(&g, (uint64_t)c->n_cats);
        while (interest[2 * u + 1] == interest[2 * u]);
    }
    for (size_t r = 0; r < c->rows; r++) {
        int user = (int)rn_rng_below(&g, (uint64_t)c->n_users);
        int len = c->min_len + (int)rn_rng_below(&g, (uint64_t)(c->seq_len - c->min_len + 1));
        int first = (int)rn_rng_below(&g, 2); /* drift: the older interest */
        int32_t *seq = b->seq + r * T * (size_t)S;
        float *mask = b->mask + r * T;
        for (int t = 0; t < len; t++) {
            int which = c->drift ? (t < len / 2 ? first : 1 - first) : (int)rn_rng_below(&g, 2);
            int32_t it;
            if (rn_rng_uniform(&g) < 0.8f)
                it = item_of(&g, c, interest[2 * user + which]);
            else
                it = 1 + (int32_t)rn_rng_below(&g, (uint64_t)(c->n_items - 1));
            seq[t * S] = it;
            if (S == 2) seq[t * S + 1] = rn_synth_seq_category(c, it);
            mask[t] = 1.0f;
        }
        int32_t cand = rn_rng_uniform(&g) < 0.5f
                           ? item_of(&g, c, interest[2 * user + (int)rn_rng_below(&g, 2)])
                           : 1 + (int32_t)rn_rng_below(&g, (uint64_t)(c->n_items - 1));
        int cat = rn_synth_seq_category(c, cand), count = 0;
        for (int t = c->drift ? len / 2 : 0; t < len; t++)
            count += rn_synth_seq_category(c, seq[t * S]) == cat;
        double z = -2.0 + (double)c->strength * count;
        b->labels[r] = rn_rng_uniform(&g) < sigmoid(z) ? 1.0f : 0.0f;
        b->sparse[r * 3] = cand;
        b->sparse[r * 3 + 1] = cat;
        b->sparse[r * 3 + 2] = user;
        b->group[r] = user;
    }
    rn_free(interest);
    return b;
}
