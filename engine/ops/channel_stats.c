/* Per-channel statistics over a batch, shared by batchnorm and dice.
 *
 * x is B x H, row-major. Both ops need, per channel h, the batch mean and the
 * biased variance (training, with the running statistics updated from them,
 * the variance unbiased as torch.nn.BatchNorm1d does) or the running ones
 * (inference). Reading x row by row keeps the accesses contiguous: a column
 * at a time would stride H floats per element and walk the whole tensor H
 * times. Each channel's sums still run over b in order, so the results are
 * those of the column-wise loops to the last bit. */
#include "op.h"

#include <math.h>
#include <string.h>

void rn__channel_stats(const float *x, int B, int H, int training, float momentum, float eps,
                       float *running_mean, float *running_var, double *mu, float *inv_std)
{
    if (!training) {
        for (int h = 0; h < H; h++) {
            mu[h] = (double)running_mean[h];
            inv_std[h] = (float)(1.0 / sqrt((double)running_var[h] + (double)eps));
        }
        return;
    }
    double *ss = mu + H; /* the caller gives 2 H doubles */
    memset(mu, 0, 2 * (size_t)H * sizeof *mu);
    for (int b = 0; b < B; b++) {
        const float *row = x + (size_t)b * (size_t)H;
        for (int h = 0; h < H; h++)
            mu[h] += (double)row[h];
    }
    for (int h = 0; h < H; h++)
        mu[h] /= B;
    for (int b = 0; b < B; b++) {
        const float *row = x + (size_t)b * (size_t)H;
        for (int h = 0; h < H; h++) {
            double d = (double)row[h] - mu[h];
            ss[h] += d * d;
        }
    }
    double m = (double)momentum;
    for (int h = 0; h < H; h++) {
        double var = ss[h] / B, unbiased = B > 1 ? ss[h] / (B - 1) : var;
        running_mean[h] = (float)((1.0 - m) * (double)running_mean[h] + m * mu[h]);
        running_var[h] = (float)((1.0 - m) * (double)running_var[h] + m * unbiased);
        inv_std[h] = (float)(1.0 / sqrt(var + (double)eps));
    }
}
