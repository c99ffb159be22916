/* gather_rows: y[i, :] = x[ids[i], :] for x (N x ...) and ids of any shape;
 * y has the ids' shape followed by x's trailing dims.
 * Backward (dense scatter-add): dx[ids[i], :] += dy[i, :].
 * Reference: torch.index_select(x, 0, ids). For parameter tables with sparse
 * gradients use embedding (embedding.c). */
#include "op.h"

#include <string.h>

typedef struct {
    float *y;
    const float *x;
    const int64_t *ids;
    size_t D;
} gather_job;

static void gather_part(void *ctx, int part, size_t lo, size_t hi)
{
    (void)part;
    const gather_job *j = ctx;
    for (size_t i = lo; i < hi; i++)
        memcpy(j->y + i * j->D, j->x + (size_t)j->ids[i] * j->D, j->D * sizeof(float));
}

/* The rows split across the engine's threads (each writes its own rows). */
void rn_gather_forward(float *y, const float *x, const int64_t *ids, size_t n_ids, size_t D)
{
    gather_job j = {y, x, ids, D};
    rn_par_for(n_ids, rn__rows_grain(D), gather_part, &j);
}

rn_tensor *rn_gather_rows(rn_graph *g, rn_tensor *x, const rn_ids *ids)
{
    if (!rn__ready(g, 1, &x, 0)) return NULL;
    if (ids == NULL) return rn__fail(g, RN_EARG, "gather_rows: ids are missing (NULL)");
    if (ids->ndim + x->ndim - 1 > RN_MAX_DIMS)
        return rn__fail(g, RN_ESHAPE, "gather_rows: %d-D ids into %s exceed %d dims", ids->ndim,
                        rn__shape(x), RN_MAX_DIMS);
    int64_t *id = rn__ids(g, ids);
    if (id == NULL) return NULL;
    for (size_t i = 0; i < ids->n; i++)
        if (id[i] < 0 || id[i] >= x->shape[0])
            return rn__fail(g, RN_EARG, "gather_rows: id %lld at position %zu is outside 0..%d",
                            (long long)id[i], i, x->shape[0] - 1);
    int shape[RN_MAX_DIMS], nd_out = 0;
    for (int i = 0; i < ids->ndim; i++)
        shape[nd_out++] = ids->shape[i];
    for (int i = 1; i < x->ndim; i++)
        shape[nd_out++] = x->shape[i];
    rn_tensor *y = rn__out(g, nd_out, shape);
    if (y == NULL) return NULL;
    size_t D = x->n / (size_t)x->shape[0];
    rn_gather_forward(y->data, x->data, id, ids->n, D);
    rn_node *nd = rn__record(g, RN_OP_GATHER, y, 1, &x);
    if (nd != NULL) nd->save[0] = id, nd->iarg[0] = (int)ids->n;
    return y;
}

void rn_gather_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *x = nd->in[0];
    float *dx = rn__grad(g, x);
    if (dx == NULL) return;
    const int64_t *id = nd->save[0];
    size_t D = x->n / (size_t)x->shape[0];
    const float *dy = nd->out->grad;
    for (size_t i = 0; i < (size_t)nd->iarg[0]; i++)
        for (size_t d = 0; d < D; d++)
            dx[(size_t)id[i] * D + d] += dy[i * D + d];
}
