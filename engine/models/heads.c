/* The pieces of the multi-task kinds (Shared-Bottom, MoE, MMoE, ESMM, CGC,
 * PLE): their shared input, experts, softmax gates, towers and the "gates"
 * view. With E_i(x) the experts and W_k a task's gate,
 *
 *   g_k(x) = softmax(x W_k + b_k)         (B x n: a weight per expert, summing to 1)
 *   f_k(x) = sum_i g_k(x)_i E_i(x)        (B x H: the task's mixture)
 *   y_k    = t_k(f_k(x))                  (the task's tower: one logit)
 *
 * Each expert is an MLP initialised from the generator in turn (independent
 * draws): experts that started equal would get equal gradients through any
 * gate and stay one expert. */
#include "internal.h"

#include <stdio.h>

#include "../error.h"

int rn__mt_input_width(const rn_model_config *c)
{
    return c->n_fields * c->embed_dim + c->n_dense;
}

int rn__mt_embed_build(rn_model *m, rn_tensor **table, rn_rng *g)
{
    *table = NULL;
    if (m->rows == 0) return RN_OK; /* dense features alone */
    if ((*table = rn__table(m, "embed.weight", m->rows, m->cfg.embed_dim, g)) == NULL)
        return rn_error_code();
    m->table = *table;
    rn__layer(m, "embed", "Embedding (shared)", "B x %d x %d", m->cfg.n_fields, m->cfg.embed_dim);
    return RN_OK;
}

rn_tensor *rn__mt_input(rn_model *m, rn_graph *g, const rn_samples *b, rn_tensor *table)
{
    if (table == NULL) return rn__dense_input(g, b);
    return rn__stack(m, g, b, rn__field_embed(m, g, table, b), NULL);
}

int rn__experts_init(rn_model *m, rn__mlp *experts, const char *prefix, int n, int in,
                     rn_rng *g)
{
    const rn_model_config *c = &m->cfg;
    for (int i = 0; i < n; i++) {
        char name[48];
        snprintf(name, sizeof name, "%s.%d", prefix, i);
        int rc = rn__mlp_init(&experts[i], m->ps, m->bufs, name, in, c->n_expert_hidden,
                              c->expert_hidden, 0, c->activation, c->bn, c->dropout,
                              c->bn_momentum, c->dice_eps, c->init, g);
        if (rc != RN_OK) return rc;
    }
    return RN_OK;
}

void rn__experts_forward(rn__mlp *experts, int n, rn_graph *g, rn_tensor *x, rn_tensor **outs)
{
    for (int i = 0; i < n; i++)
        outs[i] = rn__mlp_forward(&experts[i], g, x);
}

rn_tensor *rn__stack_experts(rn_graph *g, int n, rn_tensor *const *outs)
{
    rn_tensor *parts[RN_MODEL_MAX_TASKS * RN_MODEL_MAX_EXPERTS + RN_MODEL_MAX_EXPERTS];
    for (int i = 0; i < n; i++) {
        if (outs[i] == NULL) return NULL; /* the graph holds the error */
        parts[i] = rn_reshape(g, outs[i], 3, (const int[]){outs[i]->shape[0], 1, outs[i]->shape[1]});
    }
    return n == 1 ? parts[0] : rn_concat(g, n, parts, 1);
}

int rn__gate_init(rn_model *m, rn__mlp *gate, const char *name, int in, int n, rn_rng *g)
{
    const rn_model_config *c = &m->cfg;
    return rn__mlp_init(gate, m->ps, m->bufs, name, in, 0, NULL, n, RN_ACT_RELU, 0, 0.0f,
                        c->bn_momentum, c->dice_eps, c->init, g);
}

rn_tensor *rn__gate_forward(rn__mlp *gate, rn_graph *g, rn_tensor *x)
{
    return rn_softmax(g, rn__mlp_forward(gate, g, x), 1);
}

rn_tensor *rn__mix(rn_graph *g, rn_tensor *w, rn_tensor *E)
{
    if (w == NULL || E == NULL) return NULL;
    int B = E->shape[0], n = E->shape[1];
    /* (B x n x 1) * (B x n x H), summed over the experts */
    rn_tensor *w3 = rn_reshape(g, w, 3, (const int[]){B, n, 1});
    return rn_sum(g, rn_mul(g, w3, E), 1, 0);
}

int rn__tower_init(rn_model *m, rn__mlp *tower, const char *name, int in, rn_rng *g)
{
    const rn_model_config *c = &m->cfg;
    return rn__mlp_init(tower, m->ps, m->bufs, name, in, c->n_tower_hidden, c->tower_hidden, 1,
                        c->activation, c->bn, c->dropout, c->bn_momentum, c->dice_eps, c->init, g);
}

int rn__towers_init(rn_model *m, rn__mlp *towers, int n, int in, rn_rng *g)
{
    for (int k = 0; k < n; k++) {
        char name[32];
        snprintf(name, sizeof name, "tower.%d", k);
        int rc = rn__tower_init(m, &towers[k], name, in, g);
        if (rc != RN_OK) return rc;
        rn__mlp_describe(m, &towers[k], name, "B");
    }
    return RN_OK;
}

rn_tensor *rn__gates_view(rn_graph *g, int n_tasks, rn_tensor *const *w)
{
    return rn__stack_experts(g, n_tasks, w);
}

void rn__default_two_tasks(rn_model_config *c)
{
    static const char *const names[2] = {"y1", "y2"};
    c->n_tasks = 2;
    for (int k = 0; k < 2; k++) {
        rn_task *t = &c->task[k];
        snprintf(t->name, sizeof t->name, "%s", names[k]);
        t->label = k;
        t->loss = RN_LOSS_BCE;
        t->weight = 1.0f;
        t->given = -1;
    }
}

int rn__check_experts(const rn_model_config *c)
{
    const char *k = rn_model_kind_name(c->kind);
    if (c->n_expert_hidden < 1)
        return rn_fail(RN_EARG, "%s: expert_hidden needs at least one width (the experts' output)",
                       k);
    return RN_OK;
}
