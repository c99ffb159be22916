/* Per-channel statistics over a batch, shared by batchnorm and dice.
 *
 * x is B x H, row-major. Both ops need, per channel h, the batch mean and the
 * biased variance (training, with the running statistics updated from them,
 * the variance unbiased as torch.nn.BatchNorm1d does) or the running ones
 * (inference). Reading x row by row keeps the accesses contiguous: a column
 * at a time would stride H floats per element and walk the whole tensor H
 * times. The rows are split across the engine's threads (parallel.h): each
 * part sums its rows in double, in order, and the parts' sums are added in
 * part order, so one thread gives the column-wise loops' results to the last
 * bit and more threads differ only in how the double sums are grouped. */
#include "op.h"

#include <math.h>
#include <string.h>

#include "../parallel.h"

typedef struct {
    const float *x;
    const double *mu; /* NULL: the sum pass; else the squared-deviation pass */
    double *partial;  /* parts x H */
    int H;
} stats_job;

RN__VECTOR_LOOP static void sum_rows(void *ctx, int part, size_t lo, size_t hi)
{
    const stats_job *j = ctx;
    size_t H = (size_t)j->H;
    double *restrict s = j->partial + (size_t)part * H;
    memset(s, 0, H * sizeof *s);
    for (size_t b = lo; b < hi; b++) {
        const float *restrict row = j->x + b * H;
        if (j->mu == NULL)
            for (size_t h = 0; h < H; h++)
                s[h] += (double)row[h];
        else
            for (size_t h = 0; h < H; h++) {
                double d = (double)row[h] - j->mu[h];
                s[h] += d * d;
            }
    }
}

/* out[h] = the parts' sums added in part order. */
static void add_parts(double *out, const double *partial, int parts, int H)
{
    for (int h = 0; h < H; h++)
        out[h] = partial[h];
    for (int p = 1; p < parts; p++)
        for (int h = 0; h < H; h++)
            out[h] += partial[(size_t)p * (size_t)H + (size_t)h];
}

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
    double *ss = mu + H, *partial = ss + H; /* the caller gives RN__STATS_DOUBLES(H) */
    stats_job j = {x, NULL, partial, H};
    size_t grain = rn__rows_grain(H);
    add_parts(mu, partial, rn_par_for((size_t)B, grain, sum_rows, &j), H);
    for (int h = 0; h < H; h++)
        mu[h] /= B;
    j.mu = mu;
    add_parts(ss, partial, rn_par_for((size_t)B, grain, sum_rows, &j), H);
    double m = (double)momentum;
    for (int h = 0; h < H; h++) {
        double var = ss[h] / B, unbiased = B > 1 ? ss[h] / (B - 1) : var;
        running_mean[h] = (float)((1.0 - m) * (double)running_mean[h] + m * mu[h]);
        running_var[h] = (float)((1.0 - m) * (double)running_var[h] + m * unbiased);
        inv_std[h] = (float)(1.0 / sqrt(var + (double)eps));
    }
}
