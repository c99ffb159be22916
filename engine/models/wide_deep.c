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

typedef struct {
    rn__linear wide;
    rn_tensor *cross; /* wide.cross (n_crosses x cross_buckets rows x 1), or NULL */
    rn_tensor *embed; /* deep.embed.weight */
    rn__mlp deep;
} wd_state;

static int check(const rn_model_config *c)
{
    for (int i = 0; i < c->n_crosses; i++)
        for (int j = 0; j < 2; j++)
            if (c->cross[i][j] >= c->n_fields)
                return rn_fail(RN_EARG, "wide_deep: cross %d names field %d of %d", i + 1,
                               c->cross[i][j] + 1, c->n_fields);
    return RN_OK;
}

static int build(rn_model *m, rn_rng *g)
{
    const rn_model_config *c = &m->cfg;
    wd_state *st = m->state;
    int D = c->embed_dim;
    int rc = rn__linear_build(m, &st->wide, "wide", g);
    if (rc != RN_OK) return rc;
    if (c->n_crosses > 0) {
        st->cross = rn__table(m, "wide.cross", c->n_crosses * c->cross_buckets, 1, g);
        if (st->cross == NULL) return rn_error_code();
        rn_tensor_fill(st->cross, 0.0f);
    }
    if ((st->embed = rn__table(m, "deep.embed.weight", m->rows, D, g)) == NULL)
        return rn_error_code();
    m->table = st->embed;
    int in = c->n_fields * D + c->n_dense;
    rc = rn__mlp_init(&st->deep, m->ps, m->bufs, "deep", in, c->n_hidden, c->hidden, 1,
                      c->activation, c->bn, c->dropout, c->bn_momentum, c->dice_eps, c->init, g);
    if (rc != RN_OK) return rc;
    rn__layer(m, "wide", "Linear (raw+crossed)", "B x 1");
    rn__layer(m, "deep.embed", "Embedding", "B x %d x %d", c->n_fields, D);
    rn__mlp_describe(m, &st->deep, "deep", "B");
    rn__layer(m, "sum", "Add (wide + deep)", "B x 1");
    return RN_OK;
}

static int forward(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *out)
{
    const rn_model_config *c = &m->cfg;
    wd_state *st = m->state;
    int B = (int)b->n, F = c->n_fields;
    rn_tensor *wide = rn__linear_term(m, g, b, &st->wide);
    if (c->n_crosses > 0) {
        int32_t *id = rn__scratch_ids(m, (size_t)B * (size_t)c->n_crosses);
        if (id == NULL) return rn_error_code();
        for (int r = 0; r < B; r++)
            for (int k = 0; k < c->n_crosses; k++)
                id[r * c->n_crosses + k] =
                    cross_row(m, k, b->sparse[(size_t)r * (size_t)F + (size_t)c->cross[k][0]],
                              b->sparse[(size_t)r * (size_t)F + (size_t)c->cross[k][1]]);
        rn_ids ids = {id, (size_t)B * (size_t)c->n_crosses, 2, {B, c->n_crosses}, RN_I32};
        rn_tensor *x = rn_embedding(g, st->cross, &ids); /* B x C x 1 */
        wide =
            rn_add(g, wide, rn_sum(g, rn_reshape(g, x, 2, (const int[]){B, c->n_crosses}), 1, 1));
    }
    rn_tensor *deep = rn__mlp_forward(&st->deep, g,
                                      rn__stack(m, g, b, rn__field_embed(m, g, st->embed, b), NULL));
    out->logit[0] = rn_add(g, wide, deep);
    return RN_OK;
}

/* The paper's optimizers: FTRL-Proximal (alpha 0.1, beta 1, L1 l1) on the wide
 * part, AdaGrad (lr 0.05) on the deep part. */
static int optims(rn_model *m, float lr, float l1, rn_optim **opts, int *n)
{
    (void)lr;
    *n = 0;
    rn_optim_config w = rn_optim_defaults(RN_FTRL);
    w.l1 = l1;
    rn_optim_config d = rn_optim_defaults(RN_ADAGRAD);
    d.lr = 0.05f;
    opts[0] = rn_optim_new(&w);
    opts[1] = rn_optim_new(&d);
    if (opts[0] == NULL || opts[1] == NULL || rn_optim_add(opts[0], m->ps, "wide.") != RN_OK ||
        rn_optim_add(opts[1], m->ps, "deep.") != RN_OK) {
        int rc = rn_error_code();
        rn_optim_free(opts[0]);
        rn_optim_free(opts[1]);
        return rc;
    }
    *n = 2;
    return RN_OK;
}

const rn__kind rn__wide_deep = {.name = "wide_deep",
                                .max_tasks = 1,
                                .state_size = sizeof(wd_state),
                                .check = check,
                                .build = build,
                                .forward = forward,
                                .optims = optims};
