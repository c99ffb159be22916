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
 * restrict arguments let gcc vectorise them (with vexp.h's expf), the rows
 * split across the engine's threads (parallel.h); the per-channel sums stay
 * in double, per part, added in part order. x - mu is taken in float, as
 * PyTorch's batch norm does: mu rounded to float moves xhat by about
 * |mu| / sigma 6e-8, far below what the sigmoid gate can show. The forward keeps p, the float mu
 * and inv_std for the backward, which recomputes xhat by the same float operations (the same bits):
 * B x H floats less per Dice layer. */
RN__VECTOR_LOOP static void forward_row(float *restrict y, float *restrict p,
                                        const float *restrict x, const float *restrict mu,
                                        const float *restrict inv_std, const float *restrict alpha,
                                        int H)
{
    for (int h = 0; h < H; h++) {
        float xh = (x[h] - mu[h]) * inv_std[h];
        float ph = 1.0f / (1.0f + rn__vexpf(-xh));
        p[h] = ph;
        y[h] = x[h] * (alpha[h] + (1.0f - alpha[h]) * ph);
    }
}

typedef struct {
    float *y, *p;
    const float *x, *mu, *inv_std, *alpha;
    int H;
} forward_job;

static void forward_rows(void *ctx, int part, size_t lo, size_t hi)
{
    (void)part;
    const forward_job *j = ctx;
    for (size_t r = lo * (size_t)j->H; r < hi * (size_t)j->H; r += (size_t)j->H)
        forward_row(j->y + r, j->p + r, j->x + r, j->mu, j->inv_std, j->alpha, j->H);
}

void rn_dice_forward(float *y, float *p, float *mu_f, float *inv_std, double *mu, const float *x,
                     const float *alpha, float *running_mean, float *running_var, int B, int H,
                     int training, float momentum, float eps)
{
    rn__channel_stats(x, B, H, training, momentum, eps, running_mean, running_var, mu, inv_std);
    for (int h = 0; h < H; h++)
        mu_f[h] = (float)mu[h];
    forward_job j = {y, p, x, mu_f, inv_std, alpha, H};
    rn_par_for((size_t)B, rn__rows_grain((size_t)H), forward_rows, &j);
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
    float *p = rn__floats(g, x->n), *mu_f = rn__floats(g, H), *inv_std = rn__floats(g, H);
    double *mu = (double *)rn__floats(g, 2 * RN__STATS_DOUBLES(H)); /* the arena aligns to 64 */
    if (y == NULL || p == NULL || mu_f == NULL || inv_std == NULL || mu == NULL) return NULL;
    rn_dice_forward(y->data, p, mu_f, inv_std, mu, x->data, alpha->data, running_mean->data,
                    running_var->data, x->shape[0], (int)H, g->training, momentum, eps);
    rn_node *nd = rn__record(g, RN_OP_DICE, y, 2, in);
    if (nd != NULL) {
        nd->save[0] = p, nd->save[1] = mu_f, nd->save[2] = inv_std; /* xhat is recomputed */
        nd->iarg[0] = g->training;
    }
    return y;
}

/* The backward's first pass over a row: the per-channel sums m1 += dxhat,
 * m2 += dxhat xhat, and dalpha. */
RN__VECTOR_LOOP static void sums_row(double *restrict m1, double *restrict m2, float *restrict da,
                                     const float *restrict dy, const float *restrict x,
                                     const float *restrict p, const float *restrict mu,
                                     const float *restrict inv_std,
                                     const float *restrict one_minus_a, int H)
{
    for (int h = 0; h < H; h++) {
        float dxh = dy[h] * x[h] * one_minus_a[h] * p[h] * (1.0f - p[h]);
        m1[h] += (double)dxh;
        m2[h] += (double)dxh * (double)((x[h] - mu[h]) * inv_std[h]); /* xhat */
    }
    if (da != NULL)
        for (int h = 0; h < H; h++)
            da[h] += dy[h] * x[h] * (1.0f - p[h]);
}

/* The second pass: dx with the batch means c1, c2 (0 at inference). */
RN__VECTOR_LOOP static void dx_row(float *restrict dx, const float *restrict dy,
                                   const float *restrict x, const float *restrict p,
                                   const float *restrict mu, const float *restrict one_minus_a,
                                   const float *restrict inv_std, const float *restrict c1,
                                   const float *restrict c2, int H, int write)
{
    for (int h = 0; h < H; h++) {
        float dxh = dy[h] * x[h] * one_minus_a[h] * p[h] * (1.0f - p[h]);
        float v = dy[h] * (1.0f - one_minus_a[h] + one_minus_a[h] * p[h]) +
                  inv_std[h] * (dxh - c1[h] - (x[h] - mu[h]) * inv_std[h] * c2[h]);
        dx[h] = write ? v : dx[h] + v; /* write: a fresh gradient */
    }
}

typedef struct {
    const float *dy, *x, *p, *mu, *one_minus_a, *inv_std;
    float *dx, *c1, *c2;
    double *m; /* parts x 2 H: each part's m1, m2 */
    float *da; /* parts x H: each part's dalpha, or NULL */
    int write; /* dx is fresh: set, not added to */
    int H;
} backward_job;

static void sums_rows(void *ctx, int part, size_t lo, size_t hi)
{
    const backward_job *j = ctx;
    size_t H = (size_t)j->H;
    double *m1 = j->m + 2 * H * (size_t)part;
    float *da = j->da ? j->da + H * (size_t)part : NULL;
    for (size_t h = 0; h < 2 * H; h++)
        m1[h] = 0;
    for (size_t h = 0; da != NULL && h < H; h++)
        da[h] = 0;
    for (size_t r = lo * H; r < hi * H; r += H)
        sums_row(m1, m1 + H, da, j->dy + r, j->x + r, j->p + r, j->mu, j->inv_std, j->one_minus_a,
                 j->H);
}

static void dx_rows(void *ctx, int part, size_t lo, size_t hi)
{
    (void)part;
    const backward_job *j = ctx;
    size_t H = (size_t)j->H;
    for (size_t r = lo * H; r < hi * H; r += H)
        dx_row(j->dx + r, j->dy + r, j->x + r, j->p + r, j->mu, j->one_minus_a, j->inv_std, j->c1,
               j->c2, j->H, j->write);
}

/* Row by row, as the forward pass: per-channel sums in double (m1, m2), then
 * the rows again with their means. */
void rn_dice_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *x = nd->in[0], *alpha = nd->in[1];
    const float *a = alpha->data;
    float *da = rn__grad(g, alpha);
    int B = x->shape[0], H = x->shape[1], training = nd->iarg[0];
    size_t h2 = 2 * (size_t)H, parts = RN_PAR_MAX_THREADS;
    /* each part's sums (2 H doubles) and dalpha (H floats); 1 - alpha, c1, c2 */
    double *m = (double *)rn__floats(g, parts * 2 * h2);
    float *da_part = rn__floats(g, parts * (size_t)H), *one_minus_a = rn__floats(g, 3 * (size_t)H);
    if (m == NULL || da_part == NULL || one_minus_a == NULL) return;
    int fresh;
    float *dx = rn__grad_fresh(g, x, &fresh);
    for (int h = 0; h < H; h++)
        one_minus_a[h] = 1.0f - a[h];
    backward_job j = {.dy = nd->out->grad,
                      .x = x->data,
                      .p = nd->save[0],
                      .mu = nd->save[1],
                      .one_minus_a = one_minus_a,
                      .inv_std = nd->save[2],
                      .dx = dx,
                      .c1 = one_minus_a + H,
                      .c2 = one_minus_a + 2 * H,
                      .m = m,
                      .da = da ? da_part : NULL,
                      .write = fresh,
                      .H = H};
    int used = rn_par_for((size_t)B, rn__rows_grain((size_t)H), sums_rows, &j);
    for (int p = 0; p < used; p++) /* the parts in order */
        for (int h = 0; h < H; h++) {
            if (p > 0) m[h] += m[h2 * (size_t)p + (size_t)h];
            if (p > 0) m[H + h] += m[h2 * (size_t)p + (size_t)(H + h)];
            if (da != NULL) da[h] += da_part[(size_t)H * (size_t)p + (size_t)h];
        }
    if (dx == NULL) return;
    for (int h = 0; h < H; h++) { /* inference drops the batch-mean terms */
        j.c1[h] = training ? (float)(m[h] / B) : 0.0f;
        j.c2[h] = training ? (float)(m[H + h] / B) : 0.0f;
    }
    rn_par_for((size_t)B, rn__rows_grain((size_t)H), dx_rows, &j);
}
