/* logit_prod: the log-odds of the product of two probabilities given as logits,
 *
 *   p = sigmoid(a) sigmoid(b),   z = log p - log(1 - p)          (a, b, z: same shape)
 *
 * ESMM's pCTCVR = pCTR x pCVR (Ma et al., SIGIR 2018, eq. 2) kept as a logit,
 * so that the binary cross-entropy on logits (bce_logits) trains it stably and
 * sigmoid(z) is a probability in [0, 1]: no division, no log of a product that
 * underflows. Both terms are computed from softplus(x) = log(1 + e^x):
 *
 *   log p     = -softplus(-a) - softplus(-b)
 *   log(1-p)  = log(sigmoid(-a) + sigmoid(a) sigmoid(-b))               (1 - s_a s_b
 *             = logsumexp(-softplus(a), -softplus(-a) - softplus(b))     = (1 - s_a) + s_a (1 -
 * s_b))
 *
 * The second is log1mexp(log p) written as a sum of two positive terms, so it
 * does not cancel when p is near 1 (log1mexp(x) = log(-expm1(x)) loses the
 * digits of a p within float rounding of 1; the sum has none to lose).
 *
 * Backward: dz/da = 1 / (1 - p) x d(log p)/da = sigmoid(-a) / (1 - p)
 *                 = sigmoid(softplus(b) - a)  (the same sum, divided through),
 *           dz/db = sigmoid(softplus(a) - b).
 * Both lie in (0, 1]; at a = b = 0 each is 2/3.
 * Reference: Machler, "Accurately computing log(1 - exp(-|a|))" (2012), for
 * log1mexp; the rewrite as a log-sum-exp is ours. */
#include "op.h"

#include <math.h>

static double softplus(double x)
{
    return fmax(x, 0.0) + log1p(exp(-fabs(x)));
}

static double sigmoid(double x)
{
    return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}

static double logsumexp2(double u, double v)
{
    double hi = fmax(u, v), lo = fmin(u, v);
    return hi + log1p(exp(lo - hi));
}

void rn_logit_prod_forward(float *z, const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double x = (double)a[i], y = (double)b[i];
        double log_p = -softplus(-x) - softplus(-y);
        double log_q = logsumexp2(-softplus(x), -softplus(-x) - softplus(y));
        z[i] = (float)(log_p - log_q);
    }
}

rn_tensor *rn_logit_prod(rn_graph *g, rn_tensor *a, rn_tensor *b)
{
    rn_tensor *in[2] = {a, b};
    if (!rn__ready(g, 2, in, 0)) return NULL;
    if (a->n != b->n || a->ndim != b->ndim)
        return rn__fail(g, RN_ESHAPE, "logit_prod: a of shape %s and b of shape %s differ",
                        rn__shape(a), rn__shape(b));
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d])
            return rn__fail(g, RN_ESHAPE, "logit_prod: a of shape %s and b of shape %s differ",
                            rn__shape(a), rn__shape(b));
    rn_tensor *z = rn__out(g, a->ndim, a->shape);
    if (z == NULL) return NULL;
    rn_logit_prod_forward(z->data, a->data, b->data, a->n);
    rn__record(g, RN_OP_LOGIT_PROD, z, 2, in);
    return z;
}

void rn_logit_prod_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *a = nd->in[0], *b = nd->in[1];
    float *da = rn__grad(g, a), *db = rn__grad(g, b);
    const float *dz = nd->out->grad;
    for (size_t i = 0; i < a->n; i++) {
        double x = (double)a->data[i], y = (double)b->data[i];
        if (da != NULL) da[i] += (float)((double)dz[i] * sigmoid(softplus(y) - x));
        if (db != NULL) db[i] += (float)((double)dz[i] * sigmoid(softplus(x) - y));
    }
}
