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

void rn_batchnorm_forward(float *y, float *xhat, float *inv_std, const float *x, const float *gamma,
                          const float *beta, float *running_mean, float *running_var, int B, int H,
                          int training, float momentum, float eps)
{
    for (int h = 0; h < H; h++) {
        double mu, var;
        if (training) {
            double s = 0, ss = 0, m = momentum;
            for (int b = 0; b < B; b++)
                s += (double)x[b * H + h];
            mu = s / B;
            for (int b = 0; b < B; b++)
                ss += ((double)x[b * H + h] - mu) * ((double)x[b * H + h] - mu);
            var = ss / B;
            double unbiased = B > 1 ? ss / (B - 1) : var;
            running_mean[h] = (float)((1.0 - m) * (double)running_mean[h] + m * mu);
            running_var[h] = (float)((1.0 - m) * (double)running_var[h] + m * unbiased);
        } else {
            mu = (double)running_mean[h];
            var = (double)running_var[h];
        }
        float is = (float)(1.0 / sqrt(var + (double)eps));
        inv_std[h] = is;
        float ga = gamma ? gamma[h] : 1.0f, be = beta ? beta[h] : 0.0f;
        for (int b = 0; b < B; b++) {
            int i = b * H + h;
            xhat[i] = (float)(((double)x[i] - mu) * (double)is);
            y[i] = ga * xhat[i] + be;
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
    if (y == NULL || xhat == NULL || inv_std == NULL) return NULL;
    rn_batchnorm_forward(y->data, xhat, inv_std, x->data, gamma ? gamma->data : NULL,
                         beta ? beta->data : NULL, running_mean->data, running_var->data,
                         x->shape[0], (int)H, g->training, momentum, eps);
    rn_node *nd = rn__record(g, RN_OP_BATCHNORM, y, 3, in);
    if (nd != NULL) {
        nd->save[0] = xhat, nd->save[1] = inv_std;
        nd->iarg[0] = g->training;
    }
    return y;
}

void rn_batchnorm_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *x = nd->in[0], *gamma = nd->in[1], *beta = nd->in[2];
    const float *xhat = nd->save[0], *inv_std = nd->save[1], *dy = nd->out->grad;
    float *dx = rn__grad(g, x), *dg = rn__grad(g, gamma), *db = rn__grad(g, beta);
    int B = x->shape[0], H = x->shape[1], training = nd->iarg[0];
    for (int h = 0; h < H; h++) {
        float ga = gamma ? gamma->data[h] : 1.0f;
        double m1 = 0, m2 = 0;
        for (int b = 0; b < B; b++) {
            int i = b * H + h;
            m1 += (double)dy[i] * (double)ga;
            m2 += (double)dy[i] * (double)ga * (double)xhat[i];
            if (dg != NULL) dg[h] += dy[i] * xhat[i];
            if (db != NULL) db[h] += dy[i];
        }
        m1 /= B, m2 /= B;
        if (dx == NULL) continue;
        for (int b = 0; b < B; b++) {
            int i = b * H + h;
            double dxh = (double)dy[i] * (double)ga;
            dx[i] +=
                (float)((double)inv_std[h] * (training ? dxh - m1 - (double)xhat[i] * m2 : dxh));
        }
    }
}
