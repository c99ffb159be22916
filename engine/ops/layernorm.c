/* layernorm over the last dim D of x (rows = n / D):
 *   mu = mean_d x,  var = mean_d (x - mu)^2,  xhat = (x - mu) / sqrt(var + eps)
 *   y = gamma xhat + beta
 * Backward: dxhat = dy gamma;
 *   dx = inv_std (dxhat - mean_d dxhat - xhat mean_d(dxhat xhat))
 *   dgamma += sum_rows dy xhat,  dbeta += sum_rows dy
 * Reference: Ba et al. 2016; torch.nn.LayerNorm; llm.c doc/layernorm. */
#include "op.h"

#include <math.h>

void rn_layernorm_forward(float *y, float *xhat, float *inv_std, const float *x, const float *gamma,
                          const float *beta, size_t rows, size_t D, float eps)
{
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * D;
        double s = 0, ss = 0;
        for (size_t d = 0; d < D; d++)
            s += (double)xr[d];
        double mu = s / (double)D;
        for (size_t d = 0; d < D; d++)
            ss += ((double)xr[d] - mu) * ((double)xr[d] - mu);
        float is = (float)(1.0 / sqrt(ss / (double)D + (double)eps));
        inv_std[r] = is;
        for (size_t d = 0; d < D; d++) {
            xhat[r * D + d] = (float)(((double)xr[d] - mu) * (double)is);
            y[r * D + d] = (gamma ? gamma[d] : 1.0f) * xhat[r * D + d] + (beta ? beta[d] : 0.0f);
        }
    }
}

rn_tensor *rn_layernorm(rn_graph *g, rn_tensor *x, rn_tensor *gamma, rn_tensor *beta, float eps)
{
    rn_tensor *in[3] = {x, gamma, beta};
    if (!rn__ready(g, 3, in, 0x6)) return NULL;
    size_t D = (size_t)x->shape[x->ndim - 1], rows = x->n / D;
    if ((gamma && gamma->n != D) || (beta && beta->n != D))
        return rn__fail(g, RN_ESHAPE, "layernorm: gamma and beta need %zu values (last dim of %s)",
                        D, rn__shape(x));
    rn_tensor *y = rn__out(g, x->ndim, x->shape);
    float *xhat = rn__floats(g, x->n), *inv_std = rn__floats(g, rows);
    if (y == NULL || xhat == NULL || inv_std == NULL) return NULL;
    rn_layernorm_forward(y->data, xhat, inv_std, x->data, gamma ? gamma->data : NULL,
                         beta ? beta->data : NULL, rows, D, eps);
    rn_node *nd = rn__record(g, RN_OP_LAYERNORM, y, 3, in);
    if (nd != NULL) nd->save[0] = xhat, nd->save[1] = inv_std;
    return y;
}

void rn_layernorm_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *x = nd->in[0], *gamma = nd->in[1], *beta = nd->in[2];
    const float *xhat = nd->save[0], *inv_std = nd->save[1], *dy = nd->out->grad;
    float *dx = rn__grad(g, x), *dg = rn__grad(g, gamma), *db = rn__grad(g, beta);
    size_t D = (size_t)x->shape[x->ndim - 1], rows = x->n / D;
    for (size_t r = 0; r < rows; r++) {
        double m1 = 0, m2 = 0;
        for (size_t d = 0; d < D; d++) {
            size_t i = r * D + d;
            double dxh = (double)(dy[i] * (gamma ? gamma->data[d] : 1.0f));
            m1 += dxh;
            m2 += dxh * (double)xhat[i];
            if (dg != NULL) dg[d] += dy[i] * xhat[i];
            if (db != NULL) db[d] += dy[i];
        }
        m1 /= (double)D, m2 /= (double)D;
        if (dx != NULL)
            for (size_t d = 0; d < D; d++) {
                size_t i = r * D + d;
                double dxh = (double)(dy[i] * (gamma ? gamma->data[d] : 1.0f));
                dx[i] += (float)((double)inv_std[r] * (dxh - m1 - (double)xhat[i] * m2));
            }
    }
}
