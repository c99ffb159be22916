/* pool: x (B x T x D) over the valid positions of a padded sequence,
 * mask (B x T) with 1 for valid and 0 for padding -> y (B x D):
 *
 *   sum       y[b] = sum_t m[b,t] x[b,t]
 *   mean      y[b] = sum_t m[b,t] x[b,t] / sum_t m[b,t]
 *   max       y[b,d] = max over valid t of x[b,t,d]
 *   weighted  y[b] = sum_t m[b,t] w[b,t] x[b,t]   (w: B x T, e.g. attention scores)
 *   A row without valid positions pools to 0 (and passes no gradient).
 *
 * Backward: sum/mean spread dy[b] over valid t (divided by the count for
 * mean); max routes dy[b,d] to the arg max; weighted gives
 * dx[b,t] += m w dy[b] and dw[b,t] += m x[b,t] . dy[b].
 * Reference: DIN's sum pooling of behaviour embeddings; YouTube DNN's average
 * of watch-history embeddings; torch.nn.EmbeddingBag(mode=sum/mean/max). */
#include "op.h"

#include <string.h>

void rn_pool_forward(float *y, int *argmax, const float *x, const float *mask, const float *w,
                     int B, int T, int D, int mode)
{
    memset(y, 0, (size_t)B * D * sizeof(float));
    for (int b = 0; b < B; b++) {
        float *yb = y + (size_t)b * D;
        int count = 0;
        for (int t = 0; t < T; t++) {
            if (mask[b * T + t] == 0.0f) continue;
            const float *xt = x + ((size_t)b * T + t) * D;
            float k = mode == RN_POOL_WEIGHTED ? w[b * T + t] : 1.0f;
            for (int d = 0; d < D; d++) {
                if (mode != RN_POOL_MAX)
                    yb[d] += k * xt[d];
                else if (count == 0 || xt[d] > yb[d])
                    yb[d] = xt[d], argmax[b * D + d] = t;
            }
            count++;
        }
        if (mode == RN_POOL_MAX && count == 0)
            for (int d = 0; d < D; d++)
                argmax[b * D + d] = -1;
        if (mode == RN_POOL_MEAN && count > 0)
            for (int d = 0; d < D; d++)
                yb[d] /= (float)count;
    }
}

rn_tensor *rn_pool(rn_graph *g, rn_tensor *x, rn_tensor *mask, rn_tensor *w, int mode)
{
    rn_tensor *in[3] = {x, mask, w};
    if (!rn__ready(g, 3, in, mode == RN_POOL_WEIGHTED ? 0 : 0x4)) return NULL;
    if (mode < RN_POOL_SUM || mode > RN_POOL_WEIGHTED)
        return rn__fail(g, RN_EARG, "pool: unknown mode %d (sum, mean, max or weighted)", mode);
    if (x->ndim != 3)
        return rn__fail(g, RN_ESHAPE, "pool needs x of shape B x T x D, got %s", rn__shape(x));
    int B = x->shape[0], T = x->shape[1], D = x->shape[2];
    if (mask->n != (size_t)B * T || (w && mode == RN_POOL_WEIGHTED && w->n != (size_t)B * T))
        return rn__fail(g, RN_ESHAPE, "pool: mask%s must be B x T = %dx%d for x %s, got %s%s%s",
                        mode == RN_POOL_WEIGHTED ? " and weights" : "", B, T, rn__shape(x),
                        rn__shape(mask), mode == RN_POOL_WEIGHTED ? " and " : "",
                        mode == RN_POOL_WEIGHTED ? rn__shape(w) : "");
    int shape[2] = {B, D};
    rn_tensor *y = rn__out(g, 2, shape);
    int *argmax = NULL;
    if (mode == RN_POOL_MAX)
        argmax = (int *)rn__floats(g, (size_t)B * D); /* int and float have the same size */
    if (y == NULL || (mode == RN_POOL_MAX && argmax == NULL)) return NULL;
    rn_pool_forward(y->data, argmax, x->data, mask->data, w ? w->data : NULL, B, T, D, mode);
    rn_tensor *rec[2] = {x, mode == RN_POOL_WEIGHTED ? w : NULL};
    rn_node *nd = rn__record(g, RN_OP_POOL, y, 2, rec);
    if (nd != NULL) {
        nd->save[0] = argmax, nd->save[1] = mask->data;
        nd->iarg[0] = mode;
    }
    return y;
}

void rn_pool_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *x = nd->in[0], *w = nd->in[1];
    int B = x->shape[0], T = x->shape[1], D = x->shape[2], mode = nd->iarg[0];
    const int *argmax = nd->save[0];
    const float *mask = nd->save[1], *dy = nd->out->grad;
    float *dx = rn__grad(g, x), *dw = rn__grad(g, w);
    for (int b = 0; b < B; b++) {
        const float *dyb = dy + (size_t)b * D;
        if (mode == RN_POOL_MAX) {
            for (int d = 0; d < D && dx; d++)
                if (argmax[b * D + d] >= 0)
                    dx[((size_t)b * T + argmax[b * D + d]) * D + d] += dyb[d];
            continue;
        }
        int count = 0;
        for (int t = 0; t < T; t++)
            count += mask[b * T + t] != 0.0f;
        for (int t = 0; t < T; t++) {
            if (mask[b * T + t] == 0.0f) continue;
            size_t base = ((size_t)b * T + t) * D;
            float k = mode == RN_POOL_MEAN       ? 1.0f / (float)count
                      : mode == RN_POOL_WEIGHTED ? w->data[b * T + t]
                                                 : 1.0f;
            if (dx != NULL)
                for (int d = 0; d < D; d++)
                    dx[base + d] += k * dyb[d];
            if (dw != NULL) {
                double s = 0;
                for (int d = 0; d < D; d++)
                    s += (double)x->data[base + d] * (double)dyb[d];
                dw[b * T + t] += (float)s;
            }
        }
    }
}
