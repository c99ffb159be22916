/* matmul: C = op(A) op(B), one sgemm per batch item.
 *
 *   2-D  A (M x K) or, with trans_a, (K x M);  B (K x N) or, with trans_b, (N x K)
 *        C (M x N)
 *   3-D  the same for each of n items: A (n x . x .), B (n x . x .), C (n x M x N)
 *
 * Backward (with op(X) = X or X^T):
 *   dA += dC op(B)^T   (stored transposed when trans_a: dA += op(B) dC^T)
 *   dB += op(A)^T dC   (stored transposed when trans_b: dB += dC^T op(A))
 * Reference: cblas_sgemm, BLAS level 3; torch.matmul. */
#include "op.h"

#include "../gemm.h"

void rn_matmul_forward(float *c, const float *a, const float *b, int M, int N, int K, int ta,
                       int tb, int batch)
{
    for (int i = 0; i < batch; i++)
        rn_gemm(ta, tb, M, N, K, 1.0f, a + (size_t)i * M * K, ta ? M : K, b + (size_t)i * K * N,
                tb ? K : N, 0.0f, c + (size_t)i * M * N, N);
}

rn_tensor *rn_matmul(rn_graph *g, rn_tensor *a, rn_tensor *b, int trans_a, int trans_b)
{
    rn_tensor *in[2] = {a, b};
    if (!rn__ready(g, 2, in, 0)) return NULL;
    if (a->ndim != b->ndim || a->ndim < 2 || a->ndim > 3)
        return rn__fail(g, RN_ESHAPE, "matmul needs two 2-D or two 3-D tensors, got %s and %s",
                        rn__shape(a), rn__shape(b));
    int o = a->ndim - 2, batch = a->ndim == 3 ? a->shape[0] : 1;
    if (a->ndim == 3 && b->shape[0] != batch)
        return rn__fail(g, RN_ESHAPE, "matmul: batch sizes differ: %s and %s", rn__shape(a),
                        rn__shape(b));
    int M = trans_a ? a->shape[o + 1] : a->shape[o], K = trans_a ? a->shape[o] : a->shape[o + 1];
    int Kb = trans_b ? b->shape[o + 1] : b->shape[o], N = trans_b ? b->shape[o] : b->shape[o + 1];
    if (K != Kb)
        return rn__fail(g, RN_ESHAPE, "matmul: inner sizes differ: %s%s times %s%s (%d vs %d)",
                        rn__shape(a), trans_a ? "^T" : "", rn__shape(b), trans_b ? "^T" : "", K,
                        Kb);
    int shape[3] = {batch, M, N};
    rn_tensor *c = rn__out(g, a->ndim, a->ndim == 3 ? shape : shape + 1);
    if (c == NULL) return NULL;
    rn_matmul_forward(c->data, a->data, b->data, M, N, K, trans_a, trans_b, batch);
    rn_node *nd = rn__record(g, RN_OP_MATMUL, c, 2, in);
    if (nd != NULL) {
        nd->iarg[0] = M, nd->iarg[1] = N, nd->iarg[2] = K;
        nd->iarg[3] = trans_a, nd->iarg[4] = trans_b, nd->iarg[5] = batch;
    }
    return c;
}

void rn_matmul_backward(rn_graph *g, rn_node *nd)
{
    int M = nd->iarg[0], N = nd->iarg[1], K = nd->iarg[2];
    int ta = nd->iarg[3], tb = nd->iarg[4], batch = nd->iarg[5];
    rn_tensor *a = nd->in[0], *b = nd->in[1];
    const float *dc = nd->out->grad;
    int fresh_a, fresh_b; /* a gradient not written yet is set (beta 0), not added to */
    float *da = rn__grad_fresh(g, a, &fresh_a), *db = rn__grad_fresh(g, b, &fresh_b);
    float beta_a = fresh_a ? 0.0f : 1.0f, beta_b = fresh_b ? 0.0f : 1.0f;
    for (int i = 0; i < batch; i++) {
        const float *A = a->data + (size_t)i * M * K, *Bm = b->data + (size_t)i * K * N;
        const float *dC = dc + (size_t)i * M * N;
        if (da != NULL) {
            float *dA = da + (size_t)i * M * K;
            if (!ta) /* dA (M x K) += dC (M x N) op(B)^T (N x K) */
                rn_gemm(0, !tb, M, K, N, 1.0f, dC, N, Bm, tb ? K : N, beta_a, dA, K);
            else /* dA (K x M) += op(B) (K x N) dC^T (N x M) */
                rn_gemm(tb, 1, K, M, N, 1.0f, Bm, tb ? K : N, dC, N, beta_a, dA, M);
        }
        if (db != NULL) {
            float *dB = db + (size_t)i * K * N;
            if (!tb) /* dB (K x N) += op(A)^T (K x M) dC (M x N) */
                rn_gemm(!ta, 0, K, N, M, 1.0f, A, ta ? M : K, dC, N, beta_b, dB, N);
            else /* dB (N x K) += dC^T (N x M) op(A) (M x K) */
                rn_gemm(1, ta, N, K, M, 1.0f, dC, N, A, ta ? M : K, beta_b, dB, K);
        }
    }
}
