/* pairwise: every inner product between the field embeddings of a row,
 *   v (B x F x D) -> y (B x P), P = F (F - 1) / 2, pairs (i, j), i < j, in the
 *   order (0,1), (0,2), ..., (0,F-1), (1,2), ...:   y[b, p(i,j)] = <v_bi, v_bj>
 * These are FM's pairwise contributions (their sum is fm's output), PNN's
 * inner-product layer, and what a teacher shows as "which field pairs matter".
 * Backward: dv_bi += sum_{j != i} dy[b, p(i,j)] v_bj.
 * Reference: Rendle 2010 (FM); Qu et al. 2016, "Product-based Neural Networks". */
#include "op.h"

void rn_pairwise_forward(float *y, const float *v, int B, int F, int D)
{
    for (int b = 0; b < B; b++) {
        const float *vb = v + (size_t)b * F * D;
        float *yb = y + (size_t)b * F * (F - 1) / 2;
        int p = 0;
        for (int i = 0; i < F; i++)
            for (int j = i + 1; j < F; j++, p++) {
                double s = 0;
                for (int d = 0; d < D; d++)
                    s += (double)vb[i * D + d] * (double)vb[j * D + d];
                yb[p] = (float)s;
            }
    }
}

rn_tensor *rn_pairwise(rn_graph *g, rn_tensor *v)
{
    if (!rn__ready(g, 1, &v, 0)) return NULL;
    if (v->ndim != 3 || v->shape[1] < 2)
        return rn__fail(g, RN_ESHAPE,
                        "pairwise needs field embeddings B x F x D with F >= 2, got %s",
                        rn__shape(v));
    int B = v->shape[0], F = v->shape[1], shape[2] = {B, F * (F - 1) / 2};
    rn_tensor *y = rn__out(g, 2, shape);
    if (y == NULL) return NULL;
    rn_pairwise_forward(y->data, v->data, B, F, v->shape[2]);
    rn__record(g, RN_OP_PAIRWISE, y, 1, &v);
    return y;
}

void rn_pairwise_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *v = nd->in[0];
    float *dv = rn__grad(g, v);
    if (dv == NULL) return;
    int B = v->shape[0], F = v->shape[1], D = v->shape[2], P = F * (F - 1) / 2;
    const float *dy = nd->out->grad;
    for (int b = 0; b < B; b++) {
        const float *vb = v->data + (size_t)b * F * D;
        float *db = dv + (size_t)b * F * D;
        int p = 0;
        for (int i = 0; i < F; i++)
            for (int j = i + 1; j < F; j++, p++) {
                float d = dy[(size_t)b * P + p];
                for (int k = 0; k < D; k++) {
                    db[i * D + k] += d * vb[j * D + k];
                    db[j * D + k] += d * vb[i * D + k];
                }
            }
    }
}
