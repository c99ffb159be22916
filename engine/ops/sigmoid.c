/* sigmoid: y = 1 / (1 + exp(-x)), in a form that never overflows:
 * exp(-|x|) only.
 * Backward: dx += dy y (1 - y).
 * Reference: torch.sigmoid. */
#include "op.h"

#include <math.h>

void rn_sigmoid_forward(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] >= 0.0f ? 1.0f / (1.0f + expf(-x[i])) : expf(x[i]) / (1.0f + expf(x[i]));
}

rn_tensor *rn_sigmoid(rn_graph *g, rn_tensor *x)
{
    if (!rn__ready(g, 1, &x, 0)) return NULL;
    rn_tensor *y = rn__out(g, x->ndim, x->shape);
    if (y == NULL) return NULL;
    rn_sigmoid_forward(y->data, x->data, x->n);
    rn__record(g, RN_OP_SIGMOID, y, 1, &x);
    return y;
}

void rn_sigmoid_backward(rn_graph *g, rn_node *nd)
{
    float *dx = rn__grad(g, nd->in[0]);
    if (dx == NULL) return;
    const float *y = nd->out->data, *dy = nd->out->grad;
    for (size_t i = 0, n = nd->out->n; i < n; i++)
        dx[i] += dy[i] * (y[i] * (1.0f - y[i]));
}
