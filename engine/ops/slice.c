/* slice (and split, a row of slices): y = x[..., start:start+len, ...] along an axis.
 *   x (outer x len_x x inner) -> y (outer x len x inner)
 * Backward: dx[o, start + l, i] += dy[o, l, i].
 * Reference: torch.narrow(x, dim, start, len); torch.split. */
#include "op.h"

#include <string.h>

void rn_slice_forward(float *y, const float *x, size_t outer, size_t len_x, size_t start,
                      size_t len_y, size_t inner)
{
    for (size_t o = 0; o < outer; o++)
        memcpy(y + o * len_y * inner, x + (o * len_x + start) * inner,
               len_y * inner * sizeof(float));
}

rn_tensor *rn_slice(rn_graph *g, rn_tensor *x, int axis, int start, int len)
{
    if (!rn__ready(g, 1, &x, 0)) return NULL;
    int a = rn__axis(g, x, axis, "slice");
    if (a < 0) return NULL;
    if (start < 0 || len < 1 || start > x->shape[a] - len)
        return rn__fail(g, RN_ESHAPE, "slice: [%d, %d) is outside dimension %d of %s (size %d)",
                        start, start + len, a + 1, rn__shape(x), x->shape[a]);
    int shape[RN_MAX_DIMS];
    for (int i = 0; i < x->ndim; i++)
        shape[i] = x->shape[i];
    shape[a] = len;
    rn_tensor *y = rn__out(g, x->ndim, shape);
    if (y == NULL) return NULL;
    size_t outer, len_x, inner;
    rn__axis_split(x, a, &outer, &len_x, &inner);
    rn_slice_forward(y->data, x->data, outer, len_x, (size_t)start, (size_t)len, inner);
    rn_node *nd = rn__record(g, RN_OP_SLICE, y, 1, &x);
    if (nd != NULL) nd->iarg[0] = a, nd->iarg[1] = start;
    return y;
}

int rn_split(rn_graph *g, rn_tensor *x, int axis, int n, const int *sizes, rn_tensor **out)
{
    if (!rn__ready(g, 1, &x, 0)) return g ? g->err : RN_EARG;
    int a = rn__axis(g, x, axis, "split");
    if (a < 0) return g->err;
    long total = 0;
    for (int k = 0; k < n; k++)
        total += sizes[k];
    if (n < 1 || total != x->shape[a]) {
        rn__fail(g, RN_ESHAPE, "split: %d sizes summing to %ld do not cut dimension %d of %s", n,
                 total, a + 1, rn__shape(x));
        return g->err;
    }
    int start = 0;
    for (int k = 0; k < n; k++) {
        out[k] = rn_slice(g, x, a, start, sizes[k]);
        start += sizes[k];
    }
    return g->err;
}

void rn_slice_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *x = nd->in[0];
    float *dx = rn__grad(g, x);
    if (dx == NULL) return;
    size_t outer, len_x, inner;
    rn__axis_split(x, nd->iarg[0], &outer, &len_x, &inner);
    size_t len = (size_t)nd->out->shape[nd->iarg[0]], start = (size_t)nd->iarg[1];
    const float *dy = nd->out->grad;
    for (size_t o = 0; o < outer; o++)
        for (size_t j = 0; j < len * inner; j++)
            dx[(o * len_x + start) * inner + j] += dy[o * len * inner + j];
}
