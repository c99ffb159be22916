/* batchnorm over the batch of x (B x H), per channel h:
 *
 *   training   mu = mean_b x,  var = mean_b (x - mu)^2 (biased)
 *              running_mean = (1 - m) running_mean + m mu
 *              running_var  = (1 - m) running_var  + m var B / (B - 1)  (unbiased)
 *   inference  mu, var = running_mean, running_var
 *   xhat = (x - mu) / sqrt(var + eps),   y = gamma xhat + beta
 *
 * Backward (training):
 *   dxhat = dy gamma
 *   dx = inv_std (dxhat - mean_b dxhat - xhat mean_b(dxhat xhat))
 *   dgamma += sum_b dy xhat,   dbeta += sum_b dy
 * Inference: dx = dxhat inv_std.
 * Reference: Ioffe & Szegedy 2015; torch.nn.BatchNorm1d (momentum 0.1, eps 1e-5). */
#include "op.h"

#include <math.h>

void rn_batchnorm_forward(float *y, float *xhat, float *inv_std, double *mu, const float *x,
                          const float *gamma, const float *beta, float *running_mean,
                          float *running_var, int B, int H, int training, float momentum, float eps)
{
    rn__channel_stats(x, B, H, training, momentum, eps, running_mean, running_var, mu, inv_std);
    for (int b = 0; b < B; b++) {
        size_t r = (size_t)b * (size_t)H;
        for (int h = 0; h < H; h++) {
            size_t i = r + (size_t)h;
            xhat[i] = (float)(((double)x[i] - mu[h]) * (double)inv_std[h]);
            y[i] = (gamma ? gamma[h] : 1.0f) * xhat[i] + (beta ? beta[h] : 0.0f);
        }
    }
}

rn_tensor *rn_batchnorm(rn_graph *g, rn_tensor *x, rn_tensor *gamma, rn_tensor *beta,
                        rn_tensor *running_mean, rn_tensor *running_var, float momentum, float eps)
{
    rn_tensor *in[5] = {x, gamma, beta, running_mean, running_var};
    if (!rn__ready(g, 5, in, 0x6)) return NULL;
    if (x->ndim != 2)
        return rn__fail(g, RN_ESHAPE, "batchnorm needs x of shape B x H, got %s", rn__shape(x));
    size_t H = (size_t)x->shape[1];
    if ((gamma && gamma->n != H) || (beta && beta->n != H) || running_mean->n != H ||
        running_var->n != H)
        return rn__fail(g, RN_ESHAPE,
                        "batchnorm: gamma, beta, running_mean and running_var need %zu values "
                        "(H of %s)",
                        H, rn__shape(x));
    if (g->training && x->shape[0] < 2)
        return rn__fail(g, RN_ESHAPE, "batchnorm in training needs a batch of 2 or more, got %s",
                        rn__shape(x));
    rn_tensor *y = rn__out(g, 2, x->shape);
    float *xhat = rn__floats(g, x->n), *inv_std = rn__floats(g, H);
    double *mu = (double *)rn__floats(g, 2 * RN__STATS_DOUBLES(H)); /* the arena aligns to 64 */
    if (y == NULL || xhat == NULL || inv_std == NULL || mu == NULL) return NULL;
    rn_batchnorm_forward(y->data, xhat, inv_std, mu, x->data, gamma ? gamma->data : NULL,
                         beta ? beta->data : NULL, running_mean->data, running_var->data,
                         x->shape[0], (int)H, g->training, momentum, eps);
    rn_node *nd = rn__record(g, RN_OP_BATCHNORM, y, 3, in);
    if (nd != NULL) {
        nd->save[0] = xhat, nd->save[1] = inv_std;
        nd->iarg[0] = g->training;
    }
    return y;
}

/* Row by row, as the forward pass: per-channel sums in m1, m2 (2 H doubles). */
void rn_batchnorm_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *x = nd->in[0], *gamma = nd->in[1], *beta = nd->in[2];
    const float *xhat = nd->save[0], *inv_std = nd->save[1], *dy = nd->out->grad;
    float *dx = rn__grad(g, x), *dg = rn__grad(g, gamma), *db = rn__grad(g, beta);
    int B = x->shape[0], H = x->shape[1], training = nd->iarg[0];
    double *m1 = (double *)rn__floats(g, 4 * (size_t)H);
    if (m1 == NULL) return;
    double *m2 = m1 + H;
    for (int h = 0; h < 2 * H; h++)
        m1[h] = 0;
    for (int b = 0; b < B; b++) {
        size_t r = (size_t)b * (size_t)H;
        for (int h = 0; h < H; h++) {
            size_t i = r + (size_t)h;
            double ga = gamma ? (double)gamma->data[h] : 1.0;
            m1[h] += (double)dy[i] * ga;
            m2[h] += (double)dy[i] * ga * (double)xhat[i];
            if (dg != NULL) dg[h] += dy[i] * xhat[i];
            if (db != NULL) db[h] += dy[i];
        }
    }
    if (dx == NULL) return;
    for (int h = 0; h < H; h++)
        m1[h] /= B, m2[h] /= B;
    for (int b = 0; b < B; b++) {
        size_t r = (size_t)b * (size_t)H;
        for (int h = 0; h < H; h++) {
            size_t i = r + (size_t)h;
            double dxh = (double)dy[i] * (gamma ? (double)gamma->data[h] : 1.0);
            dx[i] += (float)((double)inv_std[h] *
                             (training ? dxh - m1[h] - (double)xhat[i] * m2[h] : dxh));
        }
    }
}
