/* Embedding + MLP, as the interview notes draw it: each categorical feature
 * becomes an embedding, the stacking layer concatenates the embeddings with
 * the dense features (and, with a behaviour sequence, the sum of its items'
 * embeddings: the DIN paper's Base model with sum pooling), and an MLP maps
 * the stack to one logit. */
#include "internal.h"

#include "../error.h"

static int build(rn_model *m, rn_rng *g)
{
    const rn_model_config *c = &m->cfg;
    int D = c->embed_dim;
    if ((m->embed = rn__table(m, "embed.weight", m->rows, D, g)) == NULL) return rn_error_code();
    int in = c->n_fields * D + c->n_dense + (c->seq_len > 0 ? D : 0);
    int rc = rn__mlp_init(&m->deep, m->ps, m->bufs, "deep", in, c->n_hidden, c->hidden, 1,
                          c->activation, c->bn, c->dropout, c->bn_momentum, c->dice_eps, g);
    if (rc != RN_OK) return rc;
    rn__layer(m, "embed", "Embedding", "B x %d x %d", c->n_fields, D);
    if (c->seq_len > 0) rn__layer(m, "pool", "SumPooling", "B x %d", D);
    rn__layer(m, "stack", "Concatenate", "B x %d", in);
    rn__mlp_describe(m, &m->deep, "deep", "B");
    return RN_OK;
}

static rn_tensor *forward(rn_model *m, rn_graph *g, const rn_samples *b)
{
    rn_tensor *emb = rn__field_embed(m, g, m->embed, b), *pooled = NULL;
    if (m->cfg.seq_len > 0)
        pooled =
            rn_pool(g, rn__seq_embed(m, g, m->embed, b), rn__mask_input(g, b), NULL, RN_POOL_SUM);
    return rn__mlp_forward(&m->deep, g, rn__stack(m, g, b, emb, pooled));
}

const rn__kind rn__mlp_model = {"mlp", build, forward};
