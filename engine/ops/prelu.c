/* prelu: y = max(0, x) + alpha min(0, x), alpha learned: one value shared by
 * all elements, or one per channel of the last dim (C).
 * Backward: dx += dy (x > 0 ? 1 : alpha);  dalpha[c] += sum dy x [x <= 0].
 * Reference: He et al. 2015, "Delving deep into rectifiers"; torch.nn.PReLU
 * (which takes channels on dim 1: the same as the last dim for B x C input). */
#include "op.h"

void rn_prelu_forward(float *y, const float *x, const float *alpha, size_t n, size_t C,
                      size_t n_alpha)
{
    for (size_t i = 0; i < n; i++) {
        float a = alpha[n_alpha == 1 ? 0 : i % C];
        y[i] = x[i] > 0.0f ? x[i] : a * x[i];
    }
}

rn_tensor *rn_prelu(rn_graph *g, rn_tensor *x, rn_tensor *alpha)
{
    rn_tensor *in[2] = {x, alpha};
    if (!rn__ready(g, 2, in, 0)) return NULL;
    size_t C = (size_t)x->shape[x->ndim - 1];
    if (alpha->n != 1 && alpha->n != C)
        return rn__fail(g, RN_ESHAPE,
                        "prelu: alpha has %zu values; it needs 1 or one per channel (%zu) of %s",
                        alpha->n, C, rn__shape(x));
    rn_tensor *y = rn__out(g, x->ndim, x->shape);
    if (y == NULL) return NULL;
    rn_prelu_forward(y->data, x->data, alpha->data, x->n, C, alpha->n);
    rn__record(g, RN_OP_PRELU, y, 2, in);
    return y;
}

void rn_prelu_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *x = nd->in[0], *alpha = nd->in[1];
    float *dx = rn__grad(g, x), *da = rn__grad(g, alpha);
    size_t C = (size_t)x->shape[x->ndim - 1];
    const float *dy = nd->out->grad;
    for (size_t i = 0; i < x->n; i++) {
        size_t c = alpha->n == 1 ? 0 : i % C;
        if (dx != NULL) dx[i] += dy[i] * (x->data[i] > 0.0f ? 1.0f : alpha->data[c]);
        if (da != NULL && x->data[i] <= 0.0f) da[c] += dy[i] * x->data[i];
    }
}
