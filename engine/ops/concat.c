/* concat: joins n tensors along one axis; every other dim must agree.
 *   y (outer x sum_k len_k x inner): piece k fills [offset_k, offset_k + len_k)
 * Backward: dx_k += dy restricted to piece k's range.
 * Reference: torch.cat(xs, dim). */
#include "op.h"

#include <string.h>

void rn_concat_forward(float *y, const float *x, size_t outer, size_t len_x, size_t len_y,
                       size_t offset, size_t inner)
{
    for (size_t o = 0; o < outer; o++)
        memcpy(y + (o * len_y + offset) * inner, x + o * len_x * inner,
               len_x * inner * sizeof(float));
}

rn_tensor *rn_concat(rn_graph *g, int n, rn_tensor *const *xs, int axis)
{
    if (n < 1)
        return g ? rn__fail(g, RN_EARG, "concat needs at least one tensor, got %d", n) : NULL;
    if (!rn__ready(g, n, xs, 0)) return NULL;
    int a = rn__axis(g, xs[0], axis, "concat");
    if (a < 0) return NULL;
    int shape[RN_MAX_DIMS];
    for (int i = 0; i < xs[0]->ndim; i++)
        shape[i] = xs[0]->shape[i];
    shape[a] = 0;
    for (int k = 0; k < n; k++) {
        int same = xs[k]->ndim == xs[0]->ndim;
        for (int i = 0; same && i < xs[0]->ndim; i++)
            same = i == a || xs[k]->shape[i] == xs[0]->shape[i];
        if (!same)
            return rn__fail(g, RN_ESHAPE, "concat along axis %d: tensor %d is %s, tensor 1 is %s",
                            a, k + 1, rn__shape(xs[k]), rn__shape(xs[0]));
        shape[a] += xs[k]->shape[a];
    }
    rn_tensor *y = rn__out(g, xs[0]->ndim, shape);
    if (y == NULL) return NULL;
    size_t outer, len_y, inner, off = 0;
    rn__axis_split(y, a, &outer, &len_y, &inner);
    for (int k = 0; k < n; k++) {
        rn_concat_forward(y->data, xs[k]->data, outer, (size_t)xs[k]->shape[a], len_y, off, inner);
        off += (size_t)xs[k]->shape[a];
    }
    rn_node *nd = rn__record(g, RN_OP_CONCAT, y, n, xs);
    if (nd != NULL) nd->iarg[0] = a;
    return y;
}

void rn_concat_backward(rn_graph *g, rn_node *nd)
{
    int a = nd->iarg[0];
    size_t outer, len_y, inner, off = 0;
    rn__axis_split(nd->out, a, &outer, &len_y, &inner);
    const float *dy = nd->out->grad;
    for (int k = 0; k < nd->n_in; k++) {
        size_t len = (size_t)nd->in[k]->shape[a];
        float *dx = rn__grad(g, nd->in[k]);
        if (dx != NULL)
            for (size_t o = 0; o < outer; o++)
                for (size_t j = 0; j < len * inner; j++)
                    dx[o * len * inner + j] += dy[(o * len_y + off) * inner + j];
        off += len;
    }
}
