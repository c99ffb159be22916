/* dice: the data-adaptive activation of DIN (Zhou et al. 2018, "Deep Interest
 * Network for Click-Through Rate Prediction", eq. 9), per channel h of x (B x H):
 *
 *   xhat = (x - mu_h) / sqrt(var_h + eps)     p = sigmoid(xhat)
 *   y    = p x + (1 - p) alpha_h x = x (alpha + (1 - alpha) p)
 *
 * Training: mu, var are the batch mean and biased variance; the running ones
 * move as running = (1 - momentum) running + momentum batch (unbiased
 * variance), as torch.nn.BatchNorm1d(affine=False) does, which is how the
 * PyTorch fixture computes Dice. Inference: mu, var are the running ones.
 *
 * Backward (training, where mu and var depend on x through the batch):
 *   dp = dy x (1 - alpha)          dxhat = dp p (1 - p)
 *   dx = dy (alpha + (1 - alpha) p)
 *      + inv_std (dxhat - mean_b(dxhat) - xhat mean_b(dxhat xhat))
 *   dalpha_h += sum_b dy x (1 - p)
 * Inference drops the two batch-mean terms. */
#include "op.h"

#include <math.h>

void rn_dice_forward(float *y, float *p, float *xhat, float *inv_std, double *mu, const float *x,
                     const float *alpha, float *running_mean, float *running_var, int B, int H,
                     int training, float momentum, float eps)
{
    rn__channel_stats(x, B, H, training, momentum, eps, running_mean, running_var, mu, inv_std);
    for (int b = 0; b < B; b++) {
        size_t r = (size_t)b * (size_t)H;
        for (int h = 0; h < H; h++) {
            size_t i = r + (size_t)h;
            xhat[i] = (float)(((double)x[i] - mu[h]) * (double)inv_std[h]);
            p[i] = 1.0f / (1.0f + expf(-xhat[i]));
            y[i] = x[i] * (alpha[h] + (1.0f - alpha[h]) * p[i]);
        }
    }
}

rn_tensor *rn_dice(rn_graph *g, rn_tensor *x, rn_tensor *alpha, rn_tensor *running_mean,
                   rn_tensor *running_var, float momentum, float eps)
{
    rn_tensor *in[4] = {x, alpha, running_mean, running_var};
    if (!rn__ready(g, 4, in, 0)) return NULL;
    if (x->ndim != 2)
        return rn__fail(g, RN_ESHAPE, "dice needs x of shape B x H, got %s", rn__shape(x));
    size_t H = (size_t)x->shape[1];
    if (alpha->n != H || running_mean->n != H || running_var->n != H)
        return rn__fail(g, RN_ESHAPE,
                        "dice: alpha, running_mean and running_var need %zu values (H of %s), "
                        "got %zu, %zu, %zu",
                        H, rn__shape(x), alpha->n, running_mean->n, running_var->n);
    if (g->training && x->shape[0] < 2)
        return rn__fail(g, RN_ESHAPE, "dice in training needs a batch of 2 or more, got %s",
                        rn__shape(x));
    rn_tensor *y = rn__out(g, 2, x->shape);
    float *p = rn__floats(g, x->n), *xhat = rn__floats(g, x->n), *inv_std = rn__floats(g, H);
    double *mu = (double *)rn__floats(g, 4 * H); /* 2 H doubles; the arena aligns to 64 */
    if (y == NULL || p == NULL || xhat == NULL || inv_std == NULL || mu == NULL) return NULL;
    rn_dice_forward(y->data, p, xhat, inv_std, mu, x->data, alpha->data, running_mean->data,
                    running_var->data, x->shape[0], (int)H, g->training, momentum, eps);
    rn_node *nd = rn__record(g, RN_OP_DICE, y, 2, in);
    if (nd != NULL) {
        nd->save[0] = p, nd->save[1] = xhat, nd->save[2] = inv_std;
        nd->iarg[0] = g->training;
    }
    return y;
}

/* Row by row, as the forward pass: per-channel sums in m (2 H doubles). */
void rn_dice_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *x = nd->in[0], *alpha = nd->in[1];
    const float *p = nd->save[0], *xhat = nd->save[1], *inv_std = nd->save[2];
    const float *dy = nd->out->grad, *xd = x->data, *a = alpha->data;
    float *dx = rn__grad(g, x), *da = rn__grad(g, alpha);
    int B = x->shape[0], H = x->shape[1], training = nd->iarg[0];
    double *m1 = (double *)rn__floats(g, 4 * (size_t)H); /* mean_b dxhat, mean_b dxhat xhat */
    if (m1 == NULL) return;
    double *m2 = m1 + H;
    for (int h = 0; h < 2 * H; h++)
        m1[h] = 0;
    for (int b = 0; b < B; b++) {
        size_t r = (size_t)b * (size_t)H;
        for (int h = 0; h < H; h++) {
            size_t i = r + (size_t)h;
            double dxh = (double)(dy[i] * xd[i] * (1.0f - a[h]) * p[i] * (1.0f - p[i]));
            m1[h] += dxh;
            m2[h] += dxh * (double)xhat[i];
            if (da != NULL) da[h] += dy[i] * xd[i] * (1.0f - p[i]);
        }
    }
    if (dx == NULL) return;
    for (int h = 0; h < H; h++)
        m1[h] /= B, m2[h] /= B;
    for (int b = 0; b < B; b++) {
        size_t r = (size_t)b * (size_t)H;
        for (int h = 0; h < H; h++) {
            size_t i = r + (size_t)h;
            double dxh = (double)(dy[i] * xd[i] * (1.0f - a[h]) * p[i] * (1.0f - p[i]));
            double through = training ? dxh - m1[h] - (double)xhat[i] * m2[h] : dxh;
            dx[i] += (float)((double)(dy[i] * (a[h] + (1.0f - a[h]) * p[i])) +
                             (double)inv_std[h] * through);
        }
    }
}
