/* leaky_relu: y = x for x > 0, slope x otherwise.  Backward: dx += dy (x > 0 ? 1 : slope).
 * Reference: torch.nn.functional.leaky_relu(x, negative_slope). */
#include "op.h"

#include <math.h>

void rn_leaky_relu_forward(float *y, const float *x, size_t n, float slope)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
}

rn_tensor *rn_leaky_relu(rn_graph *g, rn_tensor *x, float slope)
{
    if (!rn__ready(g, 1, &x, 0)) return NULL;
    rn_tensor *y = rn__out(g, x->ndim, x->shape);
    if (y == NULL) return NULL;
    rn_leaky_relu_forward(y->data, x->data, x->n, slope);
    rn_node *nd = rn__record(g, RN_OP_LEAKY_RELU, y, 1, &x);
    if (nd != NULL) nd->farg[0] = slope;
    return y;
}

void rn_leaky_relu_backward(rn_graph *g, rn_node *nd)
{
    float *dx = rn__grad(g, nd->in[0]);
    if (dx == NULL) return;
    const float *x = nd->in[0]->data, *y = nd->out->data, *dy = nd->out->grad;
    (void)x, (void)y;
    for (size_t i = 0, n = nd->out->n; i < n; i++)
        dx[i] += dy[i] * (x[i] > 0.0f ? 1.0f : nd->farg[0]);
}
