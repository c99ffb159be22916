/* Factorization machine (Rendle 2010):
 *
 *   y = w0 + sum_i w_i x_i + sum_{i<j} <v_i, v_j> x_i x_j
 *
 * with the pairwise term in its O(kn) form
 *
 *   sum_{i<j} <v_i, v_j> x_i x_j = 1/2 sum_f [(sum_i v_if x_i)^2 - sum_i v_if^2 x_i^2]
 *
 * (rn_fm). A categorical field contributes its value's vector (x = 1), a
 * dense feature j its vector v_j scaled by x_j ("embed.dense"), and each
 * entry i of a sparse bag (a libsvm row's index:value pairs) its row's vector
 * scaled by x_i, from the rows after the fields' in embed.weight. Each pairwise
 * contribution <v_i, v_j> x_i x_j is exposed by rn_model_interactions. */
#include "internal.h"

#include "../error.h"

/* embed.weight and, with dense features, embed.dense: shared with DeepFM. */
int rn__fm_build_vectors(rn_model *m, rn__fm_vecs *v, rn_rng *g)
{
    int D = m->cfg.embed_dim;
    if ((v->table = rn__table(m, "embed.weight", m->rows, D, g)) == NULL) return rn_error_code();
    if (m->cfg.n_dense > 0) {
        v->dense = rn__param(m, "embed.dense", 2, (const int[]){m->cfg.n_dense, D});
        if (v->dense == NULL) return rn_error_code();
        rn__init_normal(v->dense, g, m->cfg.init_std);
    }
    m->table = v->table;
    return RN_OK;
}

typedef struct {
    rn__linear lin;
    rn__fm_vecs v;
} fm_state;

static int build(rn_model *m, rn_rng *g)
{
    fm_state *st = m->state;
    int rc = rn__linear_build(m, &st->lin, "linear", g);
    if (rc == RN_OK) rc = rn__fm_build_vectors(m, &st->v, g);
    if (rc != RN_OK) return rc;
    rn__layer(m, "linear", "Linear", "B x 1");
    rn__layer(m, "embed", "Embedding", "B x %d x %d", m->cfg.n_fields + m->cfg.n_dense,
              m->cfg.embed_dim);
    rn__layer(m, "fm", "FM (pairwise)", "B x 1");
    return RN_OK;
}

static int forward(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *out)
{
    fm_state *st = m->state;
    rn_tensor *lin = rn__linear_term(m, g, b, &st->lin);
    rn_tensor *emb = m->cfg.n_fields > 0 ? rn__field_embed(m, g, st->v.table, b) : NULL;
    rn_tensor *v = rn__fm_vectors(m, g, b, emb, &st->v); /* fields and dense: B x F' x D */
    rn_tensor *all = v;
    if (b->bag_len > 0) { /* the sparse bag's x_i v_i join them; padding is a zero vector */
        rn_tensor *bag = rn__bag_embed(m, g, st->v.table, b);
        rn_tensor *parts[2] = {v, bag};
        all = v != NULL ? rn_concat(g, 2, parts, 1) : bag;
    }
    out->logit[0] = rn_add(g, lin, rn_fm(g, all));
    /* the view names fields; a bag's entries differ from row to row */
    if (out->want_views && v != NULL) out->view[0] = rn_pairwise(g, v);
    if (out->want_views && v == NULL)
        rn_fail(RN_EARG, "fm: the interactions view pairs fields and dense features; this model "
                         "reads only a sparse bag");
    return RN_OK;
}

static const char *const views[] = {"interactions", NULL};

const rn__kind rn__fm = {.name = "fm",
                         .max_tasks = 1,
                         .state_size = sizeof(fm_state),
                         .build = build,
                         .forward = forward,
                         .views = views};
