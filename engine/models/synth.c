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
    rn_synth_seq_config c = {20000, 200, 10, 100, 10, 2, 0, 0.8f, 7};
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
    if ((double)c->rows * (double)(3 + 2 * T) > 2e8)
        return rn_fail(RN_EARG, "synthetic seq: %zu rows of length %zu is too large (2e8 values)",
                       c->rows, T),
               NULL;
    rn_samples *b = rn_samples_new(c->rows, 3, 0, c->seq_len, 1, 1);
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
        int32_t *seq = b->seq + r * T;
        float *mask = b->mask + r * T;
        for (int t = 0; t < len; t++) {
            int which = c->drift ? (t < len / 2 ? first : 1 - first) : (int)rn_rng_below(&g, 2);
            if (rn_rng_uniform(&g) < 0.8f)
                seq[t] = item_of(&g, c, interest[2 * user + which]);
            else
                seq[t] = 1 + (int32_t)rn_rng_below(&g, (uint64_t)(c->n_items - 1));
            mask[t] = 1.0f;
        }
        int32_t cand = rn_rng_uniform(&g) < 0.5f
                           ? item_of(&g, c, interest[2 * user + (int)rn_rng_below(&g, 2)])
                           : 1 + (int32_t)rn_rng_below(&g, (uint64_t)(c->n_items - 1));
        int cat = rn_synth_seq_category(c, cand), count = 0;
        for (int t = c->drift ? len / 2 : 0; t < len; t++)
            count += rn_synth_seq_category(c, seq[t]) == cat;
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
