/* relu: y = max(0, x).
 * Backward: dx += dy [x > 0] (the kink at 0 takes the slope 0).
 * Reference: torch.nn.functional.relu. */
#include "op.h"

#include <math.h>

void rn_relu_forward(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

rn_tensor *rn_relu(rn_graph *g, rn_tensor *x)
{
    if (!rn__ready(g, 1, &x, 0)) return NULL;
    rn_tensor *y = rn__out(g, x->ndim, x->shape);
    if (y == NULL) return NULL;
    rn_relu_forward(y->data, x->data, x->n);
    rn__record(g, RN_OP_RELU, y, 1, &x);
    return y;
}

/* dx += dy where x > 0: a select, not a branch (the signs of x are a coin
 * toss, which a branch mispredicts), over buffers that never overlap. */
static void relu_grad(float *restrict dx, const float *restrict dy, const float *restrict x,
                      size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float d = dy[i]; /* loaded on every element: what lets gcc vectorise the select */
        dx[i] += x[i] > 0.0f ? d : 0.0f;
    }
}

void rn_relu_backward(rn_graph *g, rn_node *nd)
{
    float *dx = rn__grad(g, nd->in[0]);
    if (dx == NULL) return;
    relu_grad(dx, nd->out->grad, nd->in[0]->data, nd->out->n);
}
