/* fm: the pairwise interaction term of a factorization machine for field
 * embeddings v (B x F x D), in Rendle's O(F D) form:
 *
 *   y[b] = sum_{i<j} <v_i, v_j> = 1/2 sum_d [ (sum_f v_fd)^2 - sum_f v_fd^2 ]
 *   s[b,d] = sum_f v[b,f,d] (saved)           -> y (B x 1)
 *
 * Backward: dv[b,f,d] += dy[b] (s[b,d] - v[b,f,d]).
 * Reference: Rendle 2010, "Factorization Machines", lemma 3.1; DeepFM's FM
 * component (Guo et al. 2017). */
#include "op.h"

void rn_fm_forward(float *y, float *s, const float *v, int B, int F, int D)
{
    for (int b = 0; b < B; b++) {
        double acc = 0;
        for (int d = 0; d < D; d++) {
            double sum = 0, sq = 0;
            for (int f = 0; f < F; f++) {
                double x = v[((size_t)b * F + f) * D + d];
                sum += x;
                sq += x * x;
            }
            s[b * D + d] = (float)sum;
            acc += sum * sum - sq;
        }
        y[b] = (float)(0.5 * acc);
    }
}

rn_tensor *rn_fm(rn_graph *g, rn_tensor *v)
{
    if (!rn__ready(g, 1, &v, 0)) return NULL;
    if (v->ndim != 3)
        return rn__fail(g, RN_ESHAPE, "fm needs field embeddings B x F x D, got %s", rn__shape(v));
    int B = v->shape[0], F = v->shape[1], D = v->shape[2], shape[2] = {B, 1};
    rn_tensor *y = rn__out(g, 2, shape);
    float *s = rn__floats(g, (size_t)B * D);
    if (y == NULL || s == NULL) return NULL;
    rn_fm_forward(y->data, s, v->data, B, F, D);
    rn_node *nd = rn__record(g, RN_OP_FM, y, 1, &v);
    if (nd != NULL) nd->save[0] = s;
    return y;
}

void rn_fm_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *v = nd->in[0];
    float *dv = rn__grad(g, v);
    if (dv == NULL) return;
    int B = v->shape[0], F = v->shape[1], D = v->shape[2];
    const float *s = nd->save[0], *dy = nd->out->grad;
    for (int b = 0; b < B; b++)
        for (int f = 0; f < F; f++)
            for (int d = 0; d < D; d++) {
                size_t i = ((size_t)b * F + f) * D + d;
                dv[i] += dy[b] * (s[b * D + d] - v->data[i]);
            }
}
