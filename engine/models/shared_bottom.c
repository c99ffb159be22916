/* Shared-Bottom (Caruana 1997, "Multitask Learning"; the baseline of Ma et
 * al., KDD 2018, "Modeling Task Relationships in Multi-task Learning with
 * Multi-gate Mixture-of-Experts", eq. 1):
 *
 *   y_k = h_k(f(x))
 *
 * One bottom network f, an MLP ("bottom.N", widths `expert_hidden`: the one
 * expert every task shares, so that Shared-Bottom and MMoE compare with the
 * same keys) over the shared
 * input (the field embeddings of one table, and the dense features), feeds
 * every task's tower h_k ("tower.K", widths `tower_hidden`, one output). The
 * tasks share everything below their towers: cheap, and the first to suffer
 * when the tasks pull the bottom in different directions. */
#include "internal.h"

#include <stdio.h>

#include "../error.h"

typedef struct {
    rn_tensor *embed;
    rn__mlp bottom;
    rn__mlp tower[RN_MODEL_MAX_TASKS];
} sb_state;

static int build(rn_model *m, rn_rng *g)
{
    const rn_model_config *c = &m->cfg;
    sb_state *st = m->state;
    int rc = rn__mt_embed_build(m, &st->embed, g);
    if (rc != RN_OK) return rc;
    int in = rn__mt_input_width(c);
    rc = rn__mlp_init(&st->bottom, m->ps, m->bufs, "bottom", in, c->n_expert_hidden,
                      c->expert_hidden, 0, c->activation, c->bn, c->dropout, c->bn_momentum,
                      c->dice_eps, c->init, g);
    if (rc != RN_OK) return rc;
    rn__mlp_describe(m, &st->bottom, "bottom", "B");
    int H = c->expert_hidden[c->n_expert_hidden - 1];
    if ((rc = rn__towers_init(m, st->tower, c->n_tasks, H, g)) != RN_OK) return rc;
    return RN_OK;
}

static int forward(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *out)
{
    sb_state *st = m->state;
    rn_tensor *f = rn__mlp_forward(&st->bottom, g, rn__mt_input(m, g, b, st->embed));
    for (int k = 0; k < m->cfg.n_tasks; k++)
        out->logit[k] = rn__mlp_forward(&st->tower[k], g, f);
    return RN_OK;
}

const rn__kind rn__shared_bottom = {.name = "shared_bottom",
                                    .dense_alone = 1,
                                    .max_tasks = RN_MODEL_MAX_TASKS,
                                    .state_size = sizeof(sb_state),
                                    .defaults = rn__default_two_tasks,
                                    .check = rn__check_experts,
                                    .build = build,
                                    .forward = forward};
