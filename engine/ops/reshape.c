/* reshape: the same n elements under a new shape (one dim may be -1).
 * The output shares x's data (no copy); its gradient is its own array.
 * Backward: dx += dy, element for element.  Reference: torch.reshape. */
#include "op.h"

#include <string.h>

void rn_reshape_forward(void)
{
    /* Nothing to compute: the output aliases the input's data. */
}

rn_tensor *rn_reshape(rn_graph *g, rn_tensor *x, int ndim, const int *shape)
{
    if (!rn__ready(g, 1, &x, 0)) return NULL;
    if (ndim < 1 || ndim > RN_MAX_DIMS)
        return rn__fail(g, RN_ESHAPE, "reshape: %d dimensions (1 to %d allowed)", ndim,
                        RN_MAX_DIMS);
    int s[RN_MAX_DIMS], infer = -1;
    size_t known = 1;
    for (int i = 0; i < ndim; i++) {
        s[i] = shape[i];
        if (shape[i] == -1 && infer < 0) {
            infer = i;
        } else if (shape[i] < 1) {
            return rn__fail(g, RN_ESHAPE, "reshape: dimension %d is %d", i + 1, shape[i]);
        } else {
            known *= (size_t)shape[i];
        }
    }
    if (infer >= 0 && known > 0 && x->n % known == 0)
        s[infer] = (int)(x->n / known), known *= (size_t)s[infer];
    if (known != x->n)
        return rn__fail(g, RN_ESHAPE, "reshape: %s has %zu elements, the new shape %zu",
                        rn__shape(x), x->n, known);
    rn_tensor *y = rn__view(g, ndim, s, x->data);
    if (y == NULL) return NULL;
    rn_reshape_forward();
    rn__record(g, RN_OP_RESHAPE, y, 1, &x);
    return y;
}

void rn_reshape_backward(rn_graph *g, rn_node *nd)
{
    int fresh;
    float *dx = rn__grad_fresh(g, nd->in[0], &fresh);
    const float *dy = nd->out->grad;
    if (dx != NULL && fresh)
        memcpy(dx, dy, nd->out->n * sizeof *dx);
    else if (dx != NULL)
        for (size_t i = 0, n = nd->out->n; i < n; i++)
            dx[i] += dy[i];
}
