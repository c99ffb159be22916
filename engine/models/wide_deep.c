/* Wide & Deep (Cheng et al. 2016, "Wide & Deep Learning for Recommender
 * Systems"):
 *
 *   P(y = 1 | x) = sigmoid(w_wide^T [x, phi(x)] + w_deep^T a^(lf) + b)
 *
 * The wide part is a linear model over the raw categorical values x
 * ("wide.weight"), the crossed features phi(x) ("wide.cross": one weight per
 * hashed value pair of each crossed field pair) and the dense features; the
 * deep part an Embedding+MLP ("deep.embed.weight", "deep.N", "deep.out").
 * Both are trained jointly on the sum of their logits; the paper optimises the
 * wide part with FTRL and L1 and the deep part with AdaGrad, which the
 * parameter prefixes "wide." and "deep." make two optimizer groups. */
#include "internal.h"

#include "../error.h"

/* The row of cross c for the value pair (a, b): exact while the pairs fit the
 * buckets, else hashed (splitmix64's finaliser) into them. */
static int32_t cross_row(const rn_model *m, int c, int32_t a, int32_t b)
{
    const rn_model_config *cf = &m->cfg;
    int64_t nb = cf->cardinality[cf->cross[c][1]];
    uint64_t key = (uint64_t)a * (uint64_t)nb + (uint64_t)b;
    int64_t pairs = (int64_t)cf->cardinality[cf->cross[c][0]] * nb;
    if (pairs > cf->cross_buckets) {
        key += 0x9e3779b97f4a7c15ull * (uint64_t)(c + 1);
        key = (key ^ (key >> 30)) * 0xbf58476d1ce4e5b9ull;
        key = (key ^ (key >> 27)) * 0x94d049bb133111ebull;
        key ^= key >> 31;
        key %= (uint64_t)cf->cross_buckets;
    }
    return (int32_t)((int64_t)c * cf->cross_buckets + (int64_t)key);
}

static int build(rn_model *m, rn_rng *g)
{
    const rn_model_config *c = &m->cfg;
    int D = c->embed_dim;
    if ((m->lin = rn__table(m, "wide.weight", m->rows, 1, g)) == NULL) return rn_error_code();
    rn_tensor_fill(m->lin, 0.0f);
    if (c->n_crosses > 0) {
        m->cross = rn__table(m, "wide.cross", c->n_crosses * c->cross_buckets, 1, g);
        if (m->cross == NULL) return rn_error_code();
        rn_tensor_fill(m->cross, 0.0f);
    }
    if (c->n_dense > 0 &&
        (m->lin_dense = rn__param(m, "wide.dense", 2, (const int[]){c->n_dense, 1})) == NULL)
        return rn_error_code();
    if ((m->lin_bias = rn__param(m, "wide.bias", 1, (const int[]){1})) == NULL)
        return rn_error_code();
    if ((m->embed = rn__table(m, "deep.embed.weight", m->rows, D, g)) == NULL)
        return rn_error_code();
    int in = c->n_fields * D + c->n_dense;
    int rc = rn__mlp_init(&m->deep, m->ps, m->bufs, "deep", in, c->n_hidden, c->hidden, 1,
                          c->activation, c->bn, c->dropout, c->bn_momentum, c->dice_eps, g);
    if (rc != RN_OK) return rc;
    rn__layer(m, "wide", "Linear (raw+crossed)", "B x 1");
    rn__layer(m, "deep.embed", "Embedding", "B x %d x %d", c->n_fields, D);
    rn__mlp_describe(m, &m->deep, "deep", "B");
    rn__layer(m, "sum", "Add (wide + deep)", "B x 1");
    return RN_OK;
}

static rn_tensor *forward(rn_model *m, rn_graph *g, const rn_samples *b)
{
    const rn_model_config *c = &m->cfg;
    int B = (int)b->n, F = c->n_fields;
    rn_tensor *wide = rn__linear_term(m, g, b, m->lin, m->lin_dense, m->lin_bias);
    if (c->n_crosses > 0) {
        int32_t *id = rn__scratch_ids(m, (size_t)B * (size_t)c->n_crosses);
        if (id == NULL) return NULL;
        for (int r = 0; r < B; r++)
            for (int k = 0; k < c->n_crosses; k++)
                id[r * c->n_crosses + k] =
                    cross_row(m, k, b->sparse[(size_t)r * (size_t)F + (size_t)c->cross[k][0]],
                              b->sparse[(size_t)r * (size_t)F + (size_t)c->cross[k][1]]);
        rn_ids ids = {id, (size_t)B * (size_t)c->n_crosses, 2, {B, c->n_crosses}, RN_I32};
        rn_tensor *x = rn_embedding(g, m->cross, &ids); /* B x C x 1 */
        wide =
            rn_add(g, wide, rn_sum(g, rn_reshape(g, x, 2, (const int[]){B, c->n_crosses}), 1, 1));
    }
    rn_tensor *deep =
        rn__mlp_forward(&m->deep, g, rn__stack(m, g, b, rn__field_embed(m, g, m->embed, b), NULL));
    return rn_add(g, wide, deep);
}

const rn__kind rn__wide_deep = {"wide_deep", build, forward};
