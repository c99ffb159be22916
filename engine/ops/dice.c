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
#include "vexp.h"

#include <math.h>

/* The forward and backward work in float a row at a time, in functions whose
 * restrict arguments let gcc vectorise them (with vexp.h's expf); the
 * per-channel sums stay in double. */
static void forward_row(float *restrict y, float *restrict p, float *restrict xhat,
                        const float *restrict x, const double *restrict mu,
                        const float *restrict inv_std, const float *restrict alpha, int H)
{
    for (int h = 0; h < H; h++) {
        /* x - mu in double: x sits near mu, and float would lose the difference's digits */
        float xh = (float)(((double)x[h] - mu[h]) * (double)inv_std[h]);
        float ph = 1.0f / (1.0f + rn__vexpf(-xh));
        xhat[h] = xh;
        p[h] = ph;
        y[h] = x[h] * (alpha[h] + (1.0f - alpha[h]) * ph);
    }
}

void rn_dice_forward(float *y, float *p, float *xhat, float *inv_std, double *mu, const float *x,
                     const float *alpha, float *running_mean, float *running_var, int B, int H,
                     int training, float momentum, float eps)
{
    rn__channel_stats(x, B, H, training, momentum, eps, running_mean, running_var, mu, inv_std);
    for (int b = 0; b < B; b++) {
        size_t r = (size_t)b * (size_t)H;
        forward_row(y + r, p + r, xhat + r, x + r, mu, inv_std, alpha, H);
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

/* The backward's first pass over a row: the per-channel sums m1 += dxhat,
 * m2 += dxhat xhat, and dalpha. */
static void sums_row(double *restrict m1, double *restrict m2, float *restrict da,
                     const float *restrict dy, const float *restrict x, const float *restrict p,
                     const float *restrict xhat, const float *restrict one_minus_a, int H)
{
    for (int h = 0; h < H; h++) {
        float dxh = dy[h] * x[h] * one_minus_a[h] * p[h] * (1.0f - p[h]);
        m1[h] += (double)dxh;
        m2[h] += (double)dxh * (double)xhat[h];
    }
    if (da != NULL)
        for (int h = 0; h < H; h++)
            da[h] += dy[h] * x[h] * (1.0f - p[h]);
}

/* The second pass: dx with the batch means c1, c2 (0 at inference), the
 * centring in double as the sums (dxhat sits near its mean). */
static void dx_row(float *restrict dx, const float *restrict dy, const float *restrict x,
                   const float *restrict p, const float *restrict xhat,
                   const float *restrict one_minus_a, const float *restrict inv_std,
                   const double *restrict c1, const double *restrict c2, int H)
{
    for (int h = 0; h < H; h++) {
        float dxh = dy[h] * x[h] * one_minus_a[h] * p[h] * (1.0f - p[h]);
        double through = (double)dxh - c1[h] - (double)xhat[h] * c2[h];
        dx[h] += dy[h] * (1.0f - one_minus_a[h] + one_minus_a[h] * p[h]) +
                 (float)((double)inv_std[h] * through);
    }
}

/* Row by row, as the forward pass: per-channel sums in double (m1, m2), then
 * the rows again with their means. */
void rn_dice_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *x = nd->in[0], *alpha = nd->in[1];
    const float *p = nd->save[0], *xhat = nd->save[1], *inv_std = nd->save[2];
    const float *dy = nd->out->grad, *xd = x->data, *a = alpha->data;
    float *dx = rn__grad(g, x), *da = rn__grad(g, alpha);
    int B = x->shape[0], H = x->shape[1], training = nd->iarg[0];
    /* sums and means of dxhat and dxhat xhat: 4 H doubles, then H floats */
    double *m1 = (double *)rn__floats(g, 9 * (size_t)H);
    if (m1 == NULL) return;
    double *m2 = m1 + H, *c1 = m2 + H, *c2 = c1 + H;
    float *one_minus_a = (float *)(c2 + H);
    for (int h = 0; h < 2 * H; h++)
        m1[h] = 0;
    for (int h = 0; h < H; h++)
        one_minus_a[h] = 1.0f - a[h];
    for (int b = 0; b < B; b++) {
        size_t r = (size_t)b * (size_t)H;
        sums_row(m1, m2, da, dy + r, xd + r, p + r, xhat + r, one_minus_a, H);
    }
    if (dx == NULL) return;
    for (int h = 0; h < H; h++) { /* inference drops the batch-mean terms */
        c1[h] = training ? m1[h] / B : 0.0;
        c2[h] = training ? m2[h] / B : 0.0;
    }
    for (int b = 0; b < B; b++) {
        size_t r = (size_t)b * (size_t)H;
        dx_row(dx + r, dy + r, xd + r, p + r, xhat + r, one_minus_a, inv_std, c1, c2, H);
    }
}
