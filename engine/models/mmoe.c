/* MMoE, the Multi-gate Mixture-of-Experts (Ma et al., KDD 2018, "Modeling
 * Task Relationships in Multi-task Learning with Multi-gate
 * Mixture-of-Experts", eqs. 5-7), and its one-gate special case MoE (eq. 4):
 *
 *   MMoE:  y_k = h_k(f_k(x)),  f_k(x) = sum_{i=1..n} g_k(x)_i E_i(x),
 *          g_k(x) = softmax(W_gk x)                     (W_gk: n x d, one gate per task)
 *   MoE:   y_k = h_k(sum_i g(x)_i E_i(x)),  g(x) = softmax(W_g x)   (one gate for all tasks)
 *
 * The experts E_i ("expert.I", widths `expert_hidden`) are MLPs over the
 * shared input, each initialised from its own draws; the gates ("gate.K":
 * one linear layer, then a softmax over the n experts) decide per row how
 * much of each expert a task takes; the towers h_k ("tower.K") map each
 * task's mixture to its logit. With one gate (MoE) every task sees the same
 * mixture, so the tasks differ only in their towers; with a gate per task
 * (MMoE) a task can lean on the experts that serve it, which is what keeps
 * MMoE robust when the tasks are weakly related. MoE is a kind of its own
 * (rec.models.moe) so that the two can be compared with the same keys.
 *
 * View "gates": B x tasks x n, each task's softmax weights (MoE: the one
 * gate's weights on every task's row). */
#include "internal.h"

#include <stdio.h>

#include "../error.h"

typedef struct {
    rn_tensor *embed;
    int n_gates; /* tasks (mmoe) or 1 (moe) */
    rn__mlp expert[RN_MODEL_MAX_EXPERTS];
    rn__mlp gate[RN_MODEL_MAX_TASKS];
    rn__mlp tower[RN_MODEL_MAX_TASKS];
} mmoe_state;

static int build_gates(rn_model *m, rn_rng *g, int n_gates)
{
    const rn_model_config *c = &m->cfg;
    mmoe_state *st = m->state;
    int rc = rn__mt_embed_build(m, &st->embed, g);
    if (rc != RN_OK) return rc;
    int in = rn__mt_input_width(c), n = c->n_experts;
    int H = c->expert_hidden[c->n_expert_hidden - 1];
    if ((rc = rn__experts_init(m, st->expert, "expert", n, in, g)) != RN_OK) return rc;
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "expert.%d", i);
        rn__mlp_describe(m, &st->expert[i], name, "B");
    }
    st->n_gates = n_gates;
    for (int k = 0; k < n_gates; k++) {
        char name[32];
        snprintf(name, sizeof name, "gate.%d", k);
        if ((rc = rn__gate_init(m, &st->gate[k], name, in, n, g)) != RN_OK) return rc;
        rn__layer(m, name, "Dense+Softmax (gate)", "B x %d", n);
    }
    rn__layer(m, "mix", n_gates > 1 ? "Mixture (per task)" : "Mixture (one gate)", "B x %d", H);
    if ((rc = rn__towers_init(m, st->tower, c->n_tasks, H, g)) != RN_OK) return rc;
    return RN_OK;
}

static int build_mmoe(rn_model *m, rn_rng *g)
{
    return build_gates(m, g, m->cfg.n_tasks);
}

static int build_moe(rn_model *m, rn_rng *g)
{
    return build_gates(m, g, 1);
}

static int forward(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *out)
{
    mmoe_state *st = m->state;
    int T = m->cfg.n_tasks, n = m->cfg.n_experts;
    rn_tensor *x = rn__mt_input(m, g, b, st->embed);
    rn_tensor *outs[RN_MODEL_MAX_EXPERTS], *w[RN_MODEL_MAX_TASKS], *mix[RN_MODEL_MAX_TASKS];
    rn__experts_forward(st->expert, n, g, x, outs);
    rn_tensor *E = rn__stack_experts(g, n, outs); /* B x n x H */
    for (int k = 0; k < st->n_gates; k++) {
        w[k] = rn__gate_forward(&st->gate[k], g, x);
        mix[k] = rn__mix(g, w[k], E);
    }
    for (int k = 0; k < T; k++) {
        int gk = st->n_gates > 1 ? k : 0;
        w[k] = w[gk];
        out->logit[k] = rn__mlp_forward(&st->tower[k], g, mix[gk]);
    }
    if (out->want_views) out->view[0] = rn__gates_view(g, T, w);
    return RN_OK;
}

static const char *const views[] = {"gates", NULL};

const rn__kind rn__mmoe = {.name = "mmoe",
                           .dense_alone = 1,
                           .max_tasks = RN_MODEL_MAX_TASKS,
                           .state_size = sizeof(mmoe_state),
                           .defaults = rn__default_two_tasks,
                           .check = rn__check_experts,
                           .build = build_mmoe,
                           .forward = forward,
                           .views = views};

const rn__kind rn__moe = {.name = "moe",
                          .dense_alone = 1,
                          .max_tasks = RN_MODEL_MAX_TASKS,
                          .state_size = sizeof(mmoe_state),
                          .defaults = rn__default_two_tasks,
                          .check = rn__check_experts,
                          .build = build_moe,
                          .forward = forward,
                          .views = views};
