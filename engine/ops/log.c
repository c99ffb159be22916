/* log: y = log(x) for x > 0 (0 gives -inf and a negative x NaN, which
 * backward then refuses as a non-finite loss; clamp first when x may reach 0).
 * Backward: dx += dy / x.
 * Reference: torch.log. */
#include "op.h"

#include <math.h>

void rn_log_forward(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = logf(x[i]);
}

rn_tensor *rn_log(rn_graph *g, rn_tensor *x)
{
    if (!rn__ready(g, 1, &x, 0)) return NULL;
    rn_tensor *y = rn__out(g, x->ndim, x->shape);
    if (y == NULL) return NULL;
    rn_log_forward(y->data, x->data, x->n);
    rn__record(g, RN_OP_LOG, y, 1, &x);
    return y;
}

void rn_log_backward(rn_graph *g, rn_node *nd)
{
    float *dx = rn__grad(g, nd->in[0]);
    if (dx == NULL) return;
    const float *x = nd->in[0]->data, *dy = nd->out->grad;
    for (size_t i = 0, n = nd->out->n; i < n; i++)
        dx[i] += dy[i] * (1.0f / x[i]);
}
