/* Factorization machine (Rendle 2010):
 *
 *   y = w0 + sum_i w_i x_i + sum_{i<j} <v_i, v_j> x_i x_j
 *
 * with the pairwise term in its O(kn) form
 *
 *   sum_{i<j} <v_i, v_j> x_i x_j = 1/2 sum_f [(sum_i v_if x_i)^2 - sum_i v_if^2 x_i^2]
 *
 * (rn_fm). A categorical field contributes its value's vector (x = 1), a
 * dense feature j its vector v_j scaled by x_j ("embed.dense"). Each pairwise
 * contribution <v_i, v_j> x_i x_j is exposed by rn_model_interactions. */
#include "internal.h"

#include "../error.h"

/* embed.weight and, with dense features, embed.dense: shared with DeepFM. */
int rn__fm_build_vectors(rn_model *m, rn_rng *g)
{
    int D = m->cfg.embed_dim;
    if ((m->embed = rn__table(m, "embed.weight", m->rows, D, g)) == NULL) return rn_error_code();
    if (m->cfg.n_dense > 0) {
        m->embed_dense = rn__param(m, "embed.dense", 2, (const int[]){m->cfg.n_dense, D});
        if (m->embed_dense == NULL) return rn_error_code();
        rn_tensor_normal(m->embed_dense, g, 0.0f, m->cfg.init_std);
    }
    return RN_OK;
}

static int build(rn_model *m, rn_rng *g)
{
    int rc = rn__lr.build(m, g);
    if (rc == RN_OK) rc = rn__fm_build_vectors(m, g);
    if (rc != RN_OK) return rc;
    rn__layer(m, "embed", "Embedding", "B x %d x %d", m->cfg.n_fields + m->cfg.n_dense,
              m->cfg.embed_dim);
    rn__layer(m, "fm", "FM (pairwise)", "B x 1");
    return RN_OK;
}

static rn_tensor *forward(rn_model *m, rn_graph *g, const rn_samples *b)
{
    rn_tensor *lin = rn__linear_term(m, g, b, m->lin, m->lin_dense, m->lin_bias);
    rn_tensor *v = rn__fm_vectors(m, g, b, rn__field_embed(m, g, m->embed, b));
    m->fm_v = v;
    return rn_add(g, lin, rn_fm(g, v));
}

const rn__kind rn__fm = {"fm", build, forward};
