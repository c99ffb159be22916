/* softplus: y = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)), stable for any x.
 * Backward: dx += dy sigmoid(x).
 * Reference: torch.nn.functional.softplus (beta 1). */
#include "op.h"

#include <math.h>

void rn_softplus_forward(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = fmaxf(x[i], 0.0f) + log1pf(expf(-fabsf(x[i])));
}

rn_tensor *rn_softplus(rn_graph *g, rn_tensor *x)
{
    if (!rn__ready(g, 1, &x, 0)) return NULL;
    rn_tensor *y = rn__out(g, x->ndim, x->shape);
    if (y == NULL) return NULL;
    rn_softplus_forward(y->data, x->data, x->n);
    rn__record(g, RN_OP_SOFTPLUS, y, 1, &x);
    return y;
}

void rn_softplus_backward(rn_graph *g, rn_node *nd)
{
    float *dx = rn__grad(g, nd->in[0]);
    if (dx == NULL) return;
    const float *x = nd->in[0]->data, *dy = nd->out->grad;
    for (size_t i = 0, n = nd->out->n; i < n; i++)
        dx[i] +=
            dy[i] * (x[i] >= 0.0f ? 1.0f / (1.0f + expf(-x[i])) : expf(x[i]) / (1.0f + expf(x[i])));
}
