/* embedding: rows of a table (V x D) picked by ids (B or B x T):
 *   y[i, :] = table[ids[i], :]  ->  (B x D) or (B x T x D)
 * Backward: table.grad[ids[i], :] += dy[i, :]. For a sparse table (see
 * rn_param_table) each row written is recorded once in the table's touched
 * list, so zero_grad and the optimizers visit only those rows.
 * Reference: torch.nn.Embedding(sparse=True). */
#include "op.h"

#include <string.h>

void rn_embedding_forward(float *y, const float *table, const int64_t *ids, size_t n_ids, size_t D)
{
    for (size_t i = 0; i < n_ids; i++)
        memcpy(y + i * D, table + (size_t)ids[i] * D, D * sizeof(float));
}

rn_tensor *rn_embedding(rn_graph *g, rn_tensor *table, const rn_ids *ids)
{
    if (!rn__ready(g, 1, &table, 0)) return NULL;
    if (ids == NULL) return rn__fail(g, RN_EARG, "embedding: ids are missing (NULL)");
    if (table->ndim != 2)
        return rn__fail(g, RN_ESHAPE, "embedding: the table %s%s%s must be V x D, got %s",
                        table->name ? "'" : "", table->name ? table->name : "",
                        table->name ? "'" : "", rn__shape(table));
    int64_t *id = rn__ids(g, ids);
    if (id == NULL) return NULL;
    for (size_t i = 0; i < ids->n; i++)
        if (id[i] < 0 || id[i] >= table->shape[0])
            return rn__fail(g, RN_EARG,
                            "embedding: id %lld at position %zu is outside the table %s (rows "
                            "0..%d)",
                            (long long)id[i], i, table->name ? table->name : rn__shape(table),
                            table->shape[0] - 1);
    int shape[3] = {ids->shape[0], ids->shape[1], table->shape[1]};
    if (ids->ndim == 1) shape[1] = table->shape[1];
    rn_tensor *y = rn__out(g, ids->ndim + 1, shape);
    if (y == NULL) return NULL;
    rn_embedding_forward(y->data, table->data, id, ids->n, (size_t)table->shape[1]);
    rn_node *nd = rn__record(g, RN_OP_EMBEDDING, y, 1, &table);
    if (nd != NULL) nd->save[0] = id, nd->iarg[0] = (int)ids->n;
    return y;
}

void rn_embedding_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *table = nd->in[0];
    float *dt = rn__grad_rows(g, table);
    if (dt == NULL) return;
    const int64_t *id = nd->save[0];
    size_t D = (size_t)table->shape[1];
    const float *dy = nd->out->grad;
    for (size_t i = 0; i < (size_t)nd->iarg[0]; i++) {
        rn__touch(table, id[i]);
        for (size_t d = 0; d < D; d++)
            dt[(size_t)id[i] * D + d] += dy[i * D + d];
    }
}
