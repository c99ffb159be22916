/* dropout (inverted): training keeps each element with probability 1 - p and
 * scales it by 1 / (1 - p), so inference is the identity:
 *   mask_i = [u_i >= p] / (1 - p),  u_i ~ U[0, 1) from the graph's generator
 *   y = mask x.   Backward: dx += mask dy (inference: dx += dy).
 * Reference: Srivastava et al. 2014; torch.nn.functional.dropout. */
#include "op.h"

void rn_dropout_forward(float *y, float *mask, const float *x, size_t n, float p, rn_rng *r)
{
    float keep = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) {
        mask[i] = rn_rng_uniform(r) >= p ? keep : 0.0f;
        y[i] = mask[i] * x[i];
    }
}

rn_tensor *rn_dropout(rn_graph *g, rn_tensor *x, float p)
{
    if (!rn__ready(g, 1, &x, 0)) return NULL;
    if (!(p >= 0.0f && p < 1.0f))
        return rn__fail(g, RN_EARG, "dropout: p must be in [0, 1), got %g", (double)p);
    rn_tensor *y = rn__out(g, x->ndim, x->shape);
    float *mask = g->training ? rn__floats(g, x->n) : NULL;
    if (y == NULL || (g->training && mask == NULL)) return NULL;
    if (g->training) {
        rn_dropout_forward(y->data, mask, x->data, x->n, p, &g->rng);
    } else {
        for (size_t i = 0; i < x->n; i++)
            y->data[i] = x->data[i];
    }
    rn_node *nd = rn__record(g, RN_OP_DROPOUT, y, 1, &x);
    if (nd != NULL) nd->save[0] = mask;
    return y;
}

void rn_dropout_backward(rn_graph *g, rn_node *nd)
{
    float *dx = rn__grad(g, nd->in[0]);
    const float *mask = nd->save[0], *dy = nd->out->grad;
    if (dx != NULL)
        for (size_t i = 0, n = nd->out->n; i < n; i++)
            dx[i] += mask ? mask[i] * dy[i] : dy[i];
}
