/* softmax_ce: softmax cross-entropy of logits (B x C) against class ids (B),
 * optionally weighted per sample:
 *   l_b = log sum_c exp(z_bc) - z_b,target_b     (computed with the max subtracted)
 *   loss = (1/B) sum_b w_b l_b  -> shape [1]
 * Backward: dz_bc += dloss w_b (softmax(z_b)_c - [c == target_b]) / B.
 * Reference: torch.nn.functional.cross_entropy (reduction mean, no class weights). */
#include "op.h"

#include <math.h>

/* -log softmax(z)_target for one row, through log-sum-exp. */
static float sample_loss(const float *z, int C, int64_t target)
{
    float m = z[0];
    for (int c = 1; c < C; c++)
        m = fmaxf(m, z[c]);
    double e = 0;
    for (int c = 0; c < C; c++)
        e += exp((double)(z[c] - m));
    return (float)(log(e) + (double)m - (double)z[target]);
}

void rn_softmax_ce_forward(float *loss, float *prob, const float *z, const int64_t *target,
                           const float *w, int B, int C)
{
    double s = 0;
    for (int b = 0; b < B; b++) {
        const float *zb = z + (size_t)b * C;
        float m = zb[0];
        for (int c = 1; c < C; c++)
            m = fmaxf(m, zb[c]);
        double e = 0;
        for (int c = 0; c < C; c++)
            e += exp((double)(zb[c] - m));
        for (int c = 0; c < C; c++)
            prob[(size_t)b * C + c] = (float)(exp((double)(zb[c] - m)) / e);
        s += (double)(w ? w[b] : 1.0f) * (log(e) + (double)m - (double)zb[target[b]]);
    }
    *loss = (float)(s / B);
}

rn_tensor *rn_softmax_ce(rn_graph *g, rn_tensor *logits, const rn_ids *target, rn_tensor *w)
{
    rn_tensor *in[2] = {logits, w};
    if (!rn__ready(g, 2, in, 0x2)) return NULL;
    if (target == NULL) return rn__fail(g, RN_EARG, "softmax_ce: target ids are missing (NULL)");
    if (logits->ndim != 2 || target->n != (size_t)logits->shape[0] ||
        (w && w->n != (size_t)logits->shape[0]))
        return rn__fail(g, RN_ESHAPE,
                        "softmax_ce needs logits B x C with B targets (and weights): got %s "
                        "with %zu targets",
                        rn__shape(logits), target->n);
    int B = logits->shape[0], C = logits->shape[1], one = 1;
    int64_t *t = rn__ids(g, target);
    if (t == NULL) return NULL;
    for (int b = 0; b < B; b++)
        if (t[b] < 0 || t[b] >= C)
            return rn__fail(g, RN_EARG, "softmax_ce: target %lld of row %d is outside 0..%d",
                            (long long)t[b], b, C - 1);
    rn_tensor *loss = rn__out(g, 1, &one);
    float *prob = rn__floats(g, logits->n);
    if (loss == NULL || prob == NULL) return NULL;
    rn_softmax_ce_forward(loss->data, prob, logits->data, t, w ? w->data : NULL, B, C);
    rn_node *nd = rn__record(g, RN_OP_SOFTMAX_CE, loss, 2, in);
    if (nd != NULL) nd->save[0] = prob, nd->save[1] = t;
    return loss;
}

void rn_softmax_ce_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *z = nd->in[0], *w = nd->in[1];
    int B = z->shape[0], C = z->shape[1];
    const float *prob = nd->save[0];
    const int64_t *t = nd->save[1];
    float *dz = rn__grad(g, z), *dw = rn__grad(g, w);
    float k = nd->out->grad[0] / (float)B;
    for (int b = 0; b < B; b++) {
        float wb = w ? w->data[b] : 1.0f;
        for (int c = 0; dz && c < C; c++)
            dz[(size_t)b * C + c] += k * wb * (prob[(size_t)b * C + c] - (c == t[b]));
        if (dw != NULL) /* l_b, recomputed through log-sum-exp so it stays finite */
            dw[b] += k * sample_loss(z->data + (size_t)b * C, C, t[b]);
    }
}
