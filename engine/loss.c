/* Losses built from ops: sampled softmax and negative sampling. Because they
 * are compositions (embedding, matmul, log_softmax, softplus, ...), their
 * gradients come from the ops' backwards and a sparse output table gets
 * row-sparse gradients. The one-op losses (bce_logits, mse, softmax_ce) live
 * in ops/. */
#include "error.h"
#include "ops.h"
#include "ops/op.h"

/* Multiplies per-sample losses l (B x 1) by weights w (B elements) when given. */
static rn_tensor *weighted(rn_graph *g, rn_tensor *l, rn_tensor *w, const char *what)
{
    if (w == NULL || l == NULL) return l;
    if (w->n != (size_t)l->shape[0])
        return rn__fail(g, RN_ESHAPE, "%s: %zu weights for a batch of %d", what, w->n, l->shape[0]);
    int shape[2] = {l->shape[0], 1};
    return rn_mul(g, l, rn_reshape(g, w, 2, shape));
}

rn_tensor *rn_sampled_softmax(rn_graph *g, rn_tensor *h, rn_tensor *table, const rn_ids *target,
                              const rn_ids *neg, rn_tensor *w)
{
    rn_tensor *in[2] = {h, table};
    if (!rn__ready(g, 2, in, 0)) return NULL;
    if (target == NULL || neg == NULL)
        return rn__fail(g, RN_EARG, "sampled_softmax: target and negative ids are required");
    if (h->ndim != 2 || table->ndim != 2 || h->shape[1] != table->shape[1] ||
        target->n != (size_t)h->shape[0] || neg->ndim != 1)
        return rn__fail(g, RN_ESHAPE,
                        "sampled_softmax needs h B x D, a table V x D, B targets and 1-D "
                        "negatives: got h %s, table %s, %zu targets, %d-D negatives",
                        rn__shape(h), rn__shape(table), target->n, neg->ndim);
    /* logit of the true item: <h_b, W[target_b]> (B x 1) */
    rn_tensor *pos = rn_sum(g, rn_mul(g, h, rn_embedding(g, table, target)), 1, 1);
    /* logits of the shared negatives: h W[neg]^T (B x S) */
    rn_tensor *negs = rn_matmul(g, h, rn_embedding(g, table, neg), 0, 1);
    rn_tensor *parts[2] = {pos, negs};
    rn_tensor *logits = rn_concat(g, 2, parts, 1);
    /* -log softmax at column 0, where the true item sits */
    rn_tensor *l = rn_slice(g, rn_log_softmax(g, logits, 1), 1, 0, 1);
    return rn_scale(g, rn_mean_all(g, weighted(g, l, w, "sampled_softmax")), -1.0f);
}

rn_tensor *rn_neg_sampling(rn_graph *g, rn_tensor *u, rn_tensor *table, const rn_ids *pos,
                           const rn_ids *neg, rn_tensor *w)
{
    rn_tensor *in[2] = {u, table};
    if (!rn__ready(g, 2, in, 0)) return NULL;
    if (pos == NULL || neg == NULL)
        return rn__fail(g, RN_EARG, "neg_sampling: positive and negative ids are required");
    if (u->ndim != 2 || table->ndim != 2 || u->shape[1] != table->shape[1] ||
        pos->n != (size_t)u->shape[0] || neg->ndim != 2 || neg->shape[0] != u->shape[0])
        return rn__fail(g, RN_ESHAPE,
                        "neg_sampling needs u B x D, a table V x D, B positives and B x K "
                        "negatives: got u %s, table %s, %zu positives, negatives %dx%d",
                        rn__shape(u), rn__shape(table), pos->n, neg->shape[0],
                        neg->ndim == 2 ? neg->shape[1] : 1);
    int B = u->shape[0], D = u->shape[1], col[3] = {B, D, 1};
    /* -log sigmoid(s) = softplus(-s) for the positive, softplus(s) for each negative */
    rn_tensor *sp = rn_sum(g, rn_mul(g, u, rn_embedding(g, table, pos)), 1, 1); /* B x 1 */
    rn_tensor *sn = rn_matmul(g, rn_embedding(g, table, neg), rn_reshape(g, u, 3, col), 0, 0);
    rn_tensor *l = rn_add(g, rn_softplus(g, rn_scale(g, sp, -1.0f)),
                          rn_sum(g, rn_softplus(g, sn), 1, 0)); /* B x 1 */
    return rn_mean_all(g, weighted(g, l, w, "neg_sampling"));
}
