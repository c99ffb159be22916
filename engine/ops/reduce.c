/* sum and mean over one axis.
 *
 *   x viewed as (outer x len x inner) around the axis;
 *   sum:  y[o, i] = sum_l x[o, l, i]           mean: the same divided by len
 *   y has x's shape without the axis (or with it as 1 when keepdim); a 1-D x
 *   gives shape [1].
 * Backward: dx[o, l, i] += dy[o, i] (times 1/len for mean).
 * Reference: torch.sum(x, dim, keepdim), torch.mean. */
#include "op.h"

void rn_sum_forward(float *y, const float *x, size_t outer, size_t len, size_t inner, int mean)
{
    /* long reductions in double: a batch mean stays exact to float. The
     * sums of a block of inner positions run side by side, so x is read
     * in order (each sum still adds l = 0, 1, ... in turn). */
    enum { BLOCK = 256 };
    double s[BLOCK];
    for (size_t o = 0; o < outer; o++)
        for (size_t i0 = 0; i0 < inner; i0 += BLOCK) {
            size_t w = inner - i0 < BLOCK ? inner - i0 : BLOCK;
            for (size_t i = 0; i < w; i++)
                s[i] = 0;
            for (size_t l = 0; l < len; l++) {
                const float *row = x + (o * len + l) * inner + i0;
                for (size_t i = 0; i < w; i++)
                    s[i] += (double)row[i];
            }
            for (size_t i = 0; i < w; i++)
                y[o * inner + i0 + i] = (float)(mean ? s[i] / (double)len : s[i]);
        }
}

static rn_tensor *reduce(rn_graph *g, rn_tensor *x, int axis, int keepdim, int mean)
{
    if (!rn__ready(g, 1, &x, 0)) return NULL;
    int a = rn__axis(g, x, axis, mean ? "mean" : "sum");
    if (a < 0) return NULL;
    int shape[RN_MAX_DIMS], nd_out = 0;
    for (int i = 0; i < x->ndim; i++) {
        if (i != a)
            shape[nd_out++] = x->shape[i];
        else if (keepdim)
            shape[nd_out++] = 1;
    }
    if (nd_out == 0) shape[nd_out++] = 1;
    rn_tensor *y = rn__out(g, nd_out, shape);
    if (y == NULL) return NULL;
    size_t outer, len, inner;
    rn__axis_split(x, a, &outer, &len, &inner);
    rn_sum_forward(y->data, x->data, outer, len, inner, mean);
    rn_node *nd = rn__record(g, mean ? RN_OP_MEAN : RN_OP_SUM, y, 1, &x);
    if (nd != NULL) nd->iarg[0] = a;
    return y;
}

rn_tensor *rn_sum(rn_graph *g, rn_tensor *x, int axis, int keepdim)
{
    return reduce(g, x, axis, keepdim, 0);
}

rn_tensor *rn_mean(rn_graph *g, rn_tensor *x, int axis, int keepdim)
{
    return reduce(g, x, axis, keepdim, 1);
}

rn_tensor *rn_sum_all(rn_graph *g, rn_tensor *x)
{
    if (!rn__ready(g, 1, &x, 0)) return NULL;
    int n = (int)x->n;
    return reduce(g, rn_reshape(g, x, 1, &n), 0, 0, 0);
}

rn_tensor *rn_mean_all(rn_graph *g, rn_tensor *x)
{
    if (!rn__ready(g, 1, &x, 0)) return NULL;
    int n = (int)x->n;
    return reduce(g, rn_reshape(g, x, 1, &n), 0, 0, 1);
}

void rn_sum_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *x = nd->in[0];
    float *dx = rn__grad(g, x);
    if (dx == NULL) return;
    size_t outer, len, inner;
    rn__axis_split(x, nd->iarg[0], &outer, &len, &inner);
    float k = nd->op == RN_OP_MEAN ? 1.0f / (float)len : 1.0f;
    const float *dy = nd->out->grad;
    for (size_t o = 0; o < outer; o++)
        for (size_t l = 0; l < len; l++)
            for (size_t i = 0; i < inner; i++)
                dx[(o * len + l) * inner + i] += k * dy[o * inner + i];
}
