/* mse: mean squared error, optionally weighted per sample:
 *   loss = (1/n) sum_i w_i (p_i - t_i)^2   -> shape [1]
 * Backward: dp_i += dloss 2 w_i (p_i - t_i) / n  (dt_i the negative of it).
 * Reference: torch.nn.functional.mse_loss. */
#include "op.h"

void rn_mse_forward(float *loss, const float *p, const float *t, const float *w, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double e = (double)p[i] - (double)t[i];
        s += (double)(w ? w[i] : 1.0f) * e * e;
    }
    *loss = (float)(s / (double)n);
}

rn_tensor *rn_mse(rn_graph *g, rn_tensor *p, rn_tensor *t, rn_tensor *w)
{
    rn_tensor *in[3] = {p, t, w};
    if (!rn__ready(g, 3, in, 0x4)) return NULL;
    if (t->n != p->n || (w && w->n != p->n))
        return rn__fail(
            g, RN_ESHAPE, "mse: predictions %s, targets %s%s%s must have as many elements",
            rn__shape(p), rn__shape(t), w ? " and weights " : "", w ? rn__shape(w) : "");
    int one = 1;
    rn_tensor *loss = rn__out(g, 1, &one);
    if (loss == NULL) return NULL;
    rn_mse_forward(loss->data, p->data, t->data, w ? w->data : NULL, p->n);
    rn__record(g, RN_OP_MSE, loss, 3, in);
    return loss;
}

void rn_mse_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *p = nd->in[0], *t = nd->in[1], *w = nd->in[2];
    float *dp = rn__grad(g, p), *dt = rn__grad(g, t), *dw = rn__grad(g, w);
    float k = nd->out->grad[0] / (float)p->n;
    for (size_t i = 0; i < p->n; i++) {
        float e = p->data[i] - t->data[i], wi = w ? w->data[i] : 1.0f;
        if (dp != NULL) dp[i] += k * 2.0f * wi * e;
        if (dt != NULL) dt[i] -= k * 2.0f * wi * e;
        if (dw != NULL) dw[i] += k * e * e;
    }
}
