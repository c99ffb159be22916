/* tanh: y = tanh(x).
 * Backward: dx += dy (1 - y^2).
 * Reference: torch.tanh. */
#include "op.h"

#include <math.h>

void rn_tanh_forward(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = tanhf(x[i]);
}

rn_tensor *rn_tanh(rn_graph *g, rn_tensor *x)
{
    if (!rn__ready(g, 1, &x, 0)) return NULL;
    rn_tensor *y = rn__out(g, x->ndim, x->shape);
    if (y == NULL) return NULL;
    rn_tanh_forward(y->data, x->data, x->n);
    rn__record(g, RN_OP_TANH, y, 1, &x);
    return y;
}

void rn_tanh_backward(rn_graph *g, rn_node *nd)
{
    float *dx = rn__grad(g, nd->in[0]);
    if (dx == NULL) return;
    const float *y = nd->out->data, *dy = nd->out->grad;
    for (size_t i = 0, n = nd->out->n; i < n; i++)
        dx[i] += dy[i] * (1.0f - y[i] * y[i]);
}
