/* DeepFM (Guo et al. 2017): an FM and a DNN side by side on one shared
 * embedding table,
 *
 *   y_hat = sigmoid(y_FM + y_DNN)
 *
 * y_FM is the FM of fm.c (first-order weights "linear.*" plus the pairwise
 * term of the field vectors "embed.*"); y_DNN an MLP ("deep.N", "deep.out")
 * over the concatenated field embeddings (the same rows) and dense features. */
#include "internal.h"

#include "../error.h"

typedef struct {
    rn__linear lin;
    rn__fm_vecs v;
    rn__mlp deep;
} deepfm_state;

static int build(rn_model *m, rn_rng *g)
{
    const rn_model_config *c = &m->cfg;
    deepfm_state *st = m->state;
    int rc = rn__linear_build(m, &st->lin, "linear", g);
    if (rc == RN_OK) rc = rn__fm_build_vectors(m, &st->v, g);
    if (rc != RN_OK) return rc;
    int D = c->embed_dim, in = c->n_fields * D + c->n_dense;
    rc = rn__mlp_init(&st->deep, m->ps, m->bufs, "deep", in, c->n_hidden, c->hidden, 1,
                      c->activation, c->bn, c->dropout, c->bn_momentum, c->dice_eps, c->init, g);
    if (rc != RN_OK) return rc;
    rn__layer(m, "linear", "Linear", "B x 1");
    rn__layer(m, "embed", "Embedding (shared)", "B x %d x %d", c->n_fields + c->n_dense, D);
    rn__layer(m, "fm", "FM (pairwise)", "B x 1");
    rn__mlp_describe(m, &st->deep, "deep", "B");
    rn__layer(m, "sum", "Add (FM + DNN)", "B x 1");
    return RN_OK;
}

static int forward(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *out)
{
    deepfm_state *st = m->state;
    rn_tensor *lin = rn__linear_term(m, g, b, &st->lin);
    rn_tensor *emb = rn__field_embed(m, g, st->v.table, b);
    rn_tensor *v = rn__fm_vectors(m, g, b, emb, &st->v);
    rn_tensor *y_fm = rn_add(g, lin, rn_fm(g, v));
    rn_tensor *y_dnn = rn__mlp_forward(&st->deep, g, rn__stack(m, g, b, emb, NULL));
    out->logit[0] = rn_add(g, y_fm, y_dnn);
    if (out->want_views) out->view[0] = rn_pairwise(g, v);
    return RN_OK;
}

static const char *const views[] = {"interactions", NULL};

const rn__kind rn__deepfm = {.name = "deepfm",
                             .max_tasks = 1,
                             .state_size = sizeof(deepfm_state),
                             .build = build,
                             .forward = forward,
                             .views = views};
