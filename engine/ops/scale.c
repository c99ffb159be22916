/* scale: y = s x for a constant s.  Backward: dx += s dy.
 * Reference: torch.mul(x, s). */
#include "op.h"

void rn_scale_forward(float *y, const float *x, float s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = s * x[i];
}

rn_tensor *rn_scale(rn_graph *g, rn_tensor *x, float s)
{
    if (!rn__ready(g, 1, &x, 0)) return NULL;
    rn_tensor *y = rn__out(g, x->ndim, x->shape);
    if (y == NULL) return NULL;
    rn_scale_forward(y->data, x->data, s, x->n);
    rn_node *nd = rn__record(g, RN_OP_SCALE, y, 1, &x);
    if (nd != NULL) nd->farg[0] = s;
    return y;
}

void rn_scale_backward(rn_graph *g, rn_node *nd)
{
    float *dx = rn__grad(g, nd->in[0]);
    const float *dy = nd->out->grad;
    if (dx != NULL)
        for (size_t i = 0, n = nd->out->n; i < n; i++)
            dx[i] += nd->farg[0] * dy[i];
}
