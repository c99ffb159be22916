/* Embedding + MLP, as the interview notes draw it: each categorical feature
 * becomes an embedding, the stacking layer concatenates the embeddings with
 * the dense features (and, with a behaviour sequence, the sum of its items'
 * embeddings: the DIN paper's Base model with sum pooling), and an MLP maps
 * the stack to one logit. */
#include "internal.h"

#include "../error.h"

typedef struct {
    rn_tensor *embed;
    rn__mlp deep;
} mlp_state;

static int build(rn_model *m, rn_rng *g)
{
    const rn_model_config *c = &m->cfg;
    mlp_state *st = m->state;
    int D = c->embed_dim;
    if ((st->embed = rn__table(m, "embed.weight", m->rows, D, g)) == NULL) return rn_error_code();
    m->table = st->embed;
    int in = c->n_fields * D + c->n_dense + rn__seq_width(m); /* the pooled history: S D */
    int rc = rn__mlp_init(&st->deep, m->ps, m->bufs, "deep", in, c->n_hidden, c->hidden, 1,
                          c->activation, c->bn, c->dropout, c->bn_momentum, c->dice_eps,
                          c->init, g);
    if (rc != RN_OK) return rc;
    rn__layer(m, "embed", "Embedding", "B x %d x %d", c->n_fields, D);
    if (c->seq_len > 0) rn__layer(m, "pool", "SumPooling", "B x %d", rn__seq_width(m));
    rn__layer(m, "stack", "Concatenate", "B x %d", in);
    rn__mlp_describe(m, &st->deep, "deep", "B");
    return RN_OK;
}

static int forward(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *out)
{
    mlp_state *st = m->state;
    rn_tensor *emb = rn__field_embed(m, g, st->embed, b), *pooled = NULL;
    if (m->cfg.seq_len > 0)
        pooled =
            rn_pool(g, rn__seq_embed(m, g, st->embed, b), rn__mask_input(g, b), NULL, RN_POOL_SUM);
    out->logit[0] = rn__mlp_forward(&st->deep, g, rn__stack(m, g, b, emb, pooled));
    return RN_OK;
}

const rn__kind rn__mlp_model = {.name = "mlp",
                                .max_tasks = 1,
                                .state_size = sizeof(mlp_state),
                                .build = build,
                                .forward = forward};
