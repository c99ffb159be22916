/* linear: y = x W + b, the fully connected layer in one op; linear_rows:
 * y = x W + s[ids], each row's offset a gathered row of s.
 *
 *   x (R x K), W (K x N), b (N) or NULL  ->  y (R x N)
 *   x (R x K), W (K x N), s (S x N), ids (R values in 0..S-1)  ->  y (R x N)
 *
 * The same function as add(matmul(x, W), b), with one R x N tensor (and its
 * gradient) where that pair makes two, and one pass less over them: the
 * forward copies b into every row of y and lets the GEMM add x W (beta 1).
 *
 * linear_rows is DIN's activation unit: the part of the first layer that
 * depends only on the candidate is computed once per sample (s, B x N) and
 * each of the sample's history rows starts from it, with no R x N gathered
 * copy and no separate sum (two R x N tensors and their gradients less).
 *
 * Backward:
 *   dx += dy W^T     dW += x^T dy     db += sum over rows of dy
 *   ds[ids[r]] += dy[r]   (linear_rows: a scatter, in row order, one thread)
 * db's sums are split across threads by columns, each column summed over
 * the rows in order, so the result does not depend on the thread count.
 * Reference: torch.nn.functional.linear (with W stored transposed). */
#include "op.h"

#include <string.h>

#include "../gemm.h"

typedef struct {
    float *y;
    const float *b, *dy;
    float *db;
    size_t R, N;
    const int64_t *ids; /* linear_rows: row r starts from b's row ids[r]; else b itself */
} bias_job;

static void fill_rows(void *ctx, int part, size_t lo, size_t hi)
{
    (void)part;
    const bias_job *j = ctx;
    for (size_t r = lo; r < hi; r++)
        memcpy(j->y + r * j->N, j->ids ? j->b + (size_t)j->ids[r] * j->N : j->b,
               j->N * sizeof(float));
}

RN__VECTOR_LOOP static void add_row(float *restrict acc, const float *restrict row, size_t n)
{
    for (size_t i = 0; i < n; i++)
        acc[i] += row[i];
}

static void column_sums(void *ctx, int part, size_t lo, size_t hi)
{
    (void)part;
    const bias_job *j = ctx;
    for (size_t r = 0; r < j->R; r++)
        add_row(j->db + lo, j->dy + r * j->N + lo, hi - lo);
}

rn_tensor *rn_linear(rn_graph *g, rn_tensor *x, rn_tensor *w, rn_tensor *b)
{
    rn_tensor *in[3] = {x, w, b};
    if (!rn__ready(g, 3, in, 0x4)) return NULL;
    if (x->ndim != 2 || w->ndim != 2 || x->shape[1] != w->shape[0])
        return rn__fail(g, RN_ESHAPE, "linear needs x (R x K) and W (K x N), got %s and %s",
                        rn__shape(x), rn__shape(w));
    int R = x->shape[0], K = x->shape[1], N = w->shape[1];
    if (b != NULL && b->n != (size_t)N)
        return rn__fail(g, RN_ESHAPE, "linear: the bias needs %d values (N of W %s), got %s", N,
                        rn__shape(w), rn__shape(b));
    rn_tensor *y = rn__out(g, 2, (const int[]){R, N});
    if (y == NULL) return NULL;
    if (b != NULL) {
        bias_job j = {y->data, b->data, NULL, NULL, (size_t)R, (size_t)N, NULL};
        rn_par_for((size_t)R, rn__rows_grain((size_t)N), fill_rows, &j);
    }
    rn_gemm(0, 0, R, N, K, 1.0f, x->data, K, w->data, N, b != NULL ? 1.0f : 0.0f, y->data, N);
    rn__record(g, RN_OP_LINEAR, y, 3, in);
    return y;
}

rn_tensor *rn_linear_rows(rn_graph *g, rn_tensor *x, rn_tensor *w, rn_tensor *s, const rn_ids *ids)
{
    rn_tensor *in[3] = {x, w, s};
    if (!rn__ready(g, 3, in, 0)) return NULL;
    if (x->ndim != 2 || w->ndim != 2 || x->shape[1] != w->shape[0] || s->ndim != 2 ||
        s->shape[1] != w->shape[1])
        return rn__fail(g, RN_ESHAPE,
                        "linear_rows needs x (R x K), W (K x N) and rows (S x N), got %s, %s "
                        "and %s",
                        rn__shape(x), rn__shape(w), rn__shape(s));
    int R = x->shape[0], K = x->shape[1], N = w->shape[1];
    if (ids == NULL || ids->n != (size_t)R)
        return rn__fail(g, RN_EARG, "linear_rows: needs %d ids (one per row of x), got %zu", R,
                        ids ? ids->n : (size_t)0);
    int64_t *id = rn__ids(g, ids);
    if (id == NULL) return NULL;
    for (size_t i = 0; i < ids->n; i++)
        if (id[i] < 0 || id[i] >= s->shape[0])
            return rn__fail(g, RN_EARG, "linear_rows: id %lld at position %zu is outside 0..%d",
                            (long long)id[i], i, s->shape[0] - 1);
    rn_tensor *y = rn__out(g, 2, (const int[]){R, N});
    if (y == NULL) return NULL;
    bias_job j = {y->data, s->data, NULL, NULL, (size_t)R, (size_t)N, id};
    rn_par_for((size_t)R, rn__rows_grain((size_t)N), fill_rows, &j);
    rn_gemm(0, 0, R, N, K, 1.0f, x->data, K, w->data, N, 1.0f, y->data, N);
    rn_node *nd = rn__record(g, RN_OP_LINEAR_ROWS, y, 3, in);
    if (nd != NULL) nd->save[0] = id;
    return y;
}

void rn_linear_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *x = nd->in[0], *w = nd->in[1], *b = nd->in[2];
    int R = x->shape[0], K = x->shape[1], N = w->shape[1];
    const float *dy = nd->out->grad;
    int fresh_x, fresh_w; /* a gradient not written yet is set (beta 0), not added to */
    float *dx = rn__grad_fresh(g, x, &fresh_x), *dw = rn__grad_fresh(g, w, &fresh_w);
    float *db = rn__grad(g, b);
    if (dx != NULL) /* dx (R x K) += dy (R x N) W^T */
        rn_gemm(0, 1, R, K, N, 1.0f, dy, N, w->data, N, fresh_x ? 0.0f : 1.0f, dx, K);
    if (dw != NULL) /* dW (K x N) += x^T (K x R) dy (R x N) */
        rn_gemm(1, 0, K, N, R, 1.0f, x->data, K, dy, N, fresh_w ? 0.0f : 1.0f, dw, N);
    if (db != NULL && nd->op == RN_OP_LINEAR_ROWS) { /* ds[ids[r]] += dy[r] */
        const int64_t *id = nd->save[0];
        for (int r = 0; r < R; r++)
            add_row(db + (size_t)id[r] * (size_t)N, dy + (size_t)r * (size_t)N, (size_t)N);
    } else if (db != NULL) {
        bias_job j = {NULL, NULL, dy, db, (size_t)R, (size_t)N, NULL};
        rn_par_for((size_t)N, 16384 / ((size_t)R + 1) + 1, column_sums,
                   &j); /* ~16k values a part */
    }
}
