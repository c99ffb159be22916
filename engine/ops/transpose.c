/* transpose: swaps axes a0 and a1 (a copy into a contiguous output).
 *   y[..., j, ..., i, ...] = x[..., i, ..., j, ...]
 * Backward: dx = dy with the same two axes swapped back.
 * Reference: torch.transpose(x, a0, a1). */
#include "op.h"

/* Copies x (shape) into y with axes a0 and a1 swapped; with add, y += instead. */
static void swap_axes(float *y, const float *x, const int *shape, int a0, int a1, int ndim, int add)
{
    int s[4] = {1, 1, 1, 1}, k = 4 - ndim;
    for (int i = 0; i < ndim; i++)
        s[k + i] = shape[i];
    a0 += k, a1 += k;
    size_t xs[4], acc = 1; /* strides of x */
    for (int i = 3; i >= 0; i--)
        xs[i] = acc, acc *= (size_t)s[i];
    int ys[4] = {s[0], s[1], s[2], s[3]};
    ys[a0] = s[a1], ys[a1] = s[a0];
    size_t st[4] = {xs[0], xs[1], xs[2], xs[3]}; /* x stride for each y axis */
    st[a0] = xs[a1], st[a1] = xs[a0];
    size_t o = 0;
    for (int i0 = 0; i0 < ys[0]; i0++)
        for (int i1 = 0; i1 < ys[1]; i1++)
            for (int i2 = 0; i2 < ys[2]; i2++)
                for (int i3 = 0; i3 < ys[3]; i3++, o++) {
                    size_t ix = i0 * st[0] + i1 * st[1] + i2 * st[2] + i3 * st[3];
                    if (add)
                        y[ix] += x[o]; /* backward: scatter dy back to x's layout */
                    else
                        y[o] = x[ix];
                }
}

void rn_transpose_forward(float *y, const float *x, const int *shape, int a0, int a1, int ndim)
{
    swap_axes(y, x, shape, a0, a1, ndim, 0);
}

rn_tensor *rn_transpose(rn_graph *g, rn_tensor *x, int a0, int a1)
{
    if (!rn__ready(g, 1, &x, 0)) return NULL;
    int b0 = rn__axis(g, x, a0, "transpose"), b1 = b0 < 0 ? -1 : rn__axis(g, x, a1, "transpose");
    if (b1 < 0) return NULL;
    int shape[RN_MAX_DIMS];
    for (int i = 0; i < x->ndim; i++)
        shape[i] = x->shape[i];
    shape[b0] = x->shape[b1], shape[b1] = x->shape[b0];
    rn_tensor *y = rn__out(g, x->ndim, shape);
    if (y == NULL) return NULL;
    rn_transpose_forward(y->data, x->data, x->shape, b0, b1, x->ndim);
    rn_node *nd = rn__record(g, RN_OP_TRANSPOSE, y, 1, &x);
    if (nd != NULL) nd->iarg[0] = b0, nd->iarg[1] = b1;
    return y;
}

void rn_transpose_backward(rn_graph *g, rn_node *nd)
{
    float *dx = rn__grad(g, nd->in[0]);
    if (dx != NULL) /* walk y's layout, adding each dy into its x position */
        swap_axes(dx, nd->out->grad, nd->in[0]->shape, nd->iarg[0], nd->iarg[1], nd->in[0]->ndim,
                  1);
}
