/* bce_logits: binary cross-entropy on logits z against labels y in [0, 1],
 * optionally weighted per sample:
 *
 *   l_i  = max(z_i, 0) - z_i y_i + log(1 + exp(-|z_i|))   (= -y log s - (1-y) log(1-s))
 *   loss = (1/n) sum_i w_i l_i        (w_i = 1 without weights)  -> shape [1]
 *
 * The rearranged form never exponentiates a positive number, so it is exact
 * for |z| > 50 where log(sigmoid(z)) underflows.
 * Backward: dz_i += dloss w_i (sigmoid(z_i) - y_i) / n;
 *           dw_i += dloss l_i / n when w requires a gradient.
 * Reference: torch.nn.functional.binary_cross_entropy_with_logits(weight=w). */
#include "op.h"

#include <math.h>

static double term(float z, float y)
{
    return fmax((double)z, 0.0) - (double)z * (double)y + log1p(exp(-fabs((double)z)));
}

void rn_bce_logits_forward(float *loss, const float *z, const float *y, const float *w, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)(w ? w[i] : 1.0f) * term(z[i], y[i]);
    *loss = (float)(s / (double)n);
}

rn_tensor *rn_bce_logits(rn_graph *g, rn_tensor *z, rn_tensor *y, rn_tensor *w)
{
    rn_tensor *in[3] = {z, y, w};
    if (!rn__ready(g, 3, in, 0x4)) return NULL;
    if (y->n != z->n || (w && w->n != z->n))
        return rn__fail(
            g, RN_ESHAPE, "bce_logits: logits %s, labels %s%s%s must have as many elements",
            rn__shape(z), rn__shape(y), w ? " and weights " : "", w ? rn__shape(w) : "");
    int one = 1;
    rn_tensor *loss = rn__out(g, 1, &one);
    if (loss == NULL) return NULL;
    rn_bce_logits_forward(loss->data, z->data, y->data, w ? w->data : NULL, z->n);
    rn__record(g, RN_OP_BCE_LOGITS, loss, 3, in);
    return loss;
}

void rn_bce_logits_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *z = nd->in[0], *y = nd->in[1], *w = nd->in[2];
    float *dz = rn__grad(g, z), *dw = rn__grad(g, w);
    float k = nd->out->grad[0] / (float)z->n;
    for (size_t i = 0; i < z->n; i++) {
        float zi = z->data[i];
        float s = zi >= 0.0f ? 1.0f / (1.0f + expf(-zi)) : expf(zi) / (1.0f + expf(zi));
        if (dz != NULL) dz[i] += k * (w ? w->data[i] : 1.0f) * (s - y->data[i]);
        if (dw != NULL) dw[i] += k * (float)term(zi, y->data[i]);
    }
}
