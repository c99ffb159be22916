/* CGC, Customized Gate Control, and PLE, Progressive Layered Extraction
 * (Tang et al., RecSys 2020, "Progressive Layered Extraction (PLE): A Novel
 * Multi-Task Learning (MTL) Model for Personalized Recommendations", eqs. 1-6):
 *
 *   CGC:  y_k = t_k(g_k(x)),  g_k(x) = w_k(x)^T S_k(x),  w_k(x) = softmax(W_k x),
 *         S_k(x) = [E_(k,1..m_k)(x), E_(s,1..m_s)(x)]
 *   PLE:  g_(k,j)(x) = w_(k,j)(g_(k,j-1)(x))^T S_(k,j)(x)        (j = 1..N levels)
 *         g_(s,j)(x) = w_(s,j)(g_(s,j-1)(x))^T S_(s,j)(x),
 *         S_(s,j) = every expert of level j, all tasks' and the shared ones
 *         y_k = t_k(g_(k,N)(x)),  g_(k,0) = g_(s,0) = x
 *
 * Each task k has its own experts ("level.L.expert.K.E", n_experts of them)
 * and every level has shared ones ("level.L.expert.s.E", n_shared); a task's
 * gate ("level.L.gate.K") mixes only its own experts and the shared ones, so
 * no task has to use another's private experts (the seesaw MMoE shows when
 * tasks conflict). In PLE, a non-final level also has a shared gate
 * ("level.L.gate.s") whose mixture feeds the next level's shared experts;
 * it mixes ALL the level's experts, as the paper's eq. 5 and Fig. 5 have it.
 * shared_gate = 'shared_only' restricts it to the shared experts, a variant
 * some libraries implement, so that the two can be compared. The last level
 * has task gates only; its mixtures feed the towers ("tower.K").
 *
 * CGC is PLE with one level: a kind of its own (rec.models.cgc), reading
 * neither n_levels nor shared_gate. Expert inputs: level 1 reads the shared
 * input x; level j > 1 reads g_(k,j-1) for task k's experts and g_(s,j-1)
 * for the shared experts.
 *
 * View "gates": B x tasks x (n_experts + n_shared), the last level's task gates,
 * the task's own experts first, then the shared ones. */
#include "internal.h"

#include <stdio.h>

#include "../error.h"

#define SH RN_MODEL_MAX_TASKS /* the index of the shared experts and gate */

typedef struct {
    rn_tensor *embed;
    int levels;
    rn__mlp expert[RN_MODEL_MAX_LEVELS][RN_MODEL_MAX_TASKS + 1][RN_MODEL_MAX_EXPERTS];
    rn__mlp gate[RN_MODEL_MAX_LEVELS][RN_MODEL_MAX_TASKS + 1];
    rn__mlp tower[RN_MODEL_MAX_TASKS];
} ple_state;

static void defaults(rn_model_config *c)
{
    rn__default_two_tasks(c);
    c->n_experts = 1;
}

/* Experts a gate mixes: the task's own and the shared ones; the shared gate
 * of a non-final level all of the level's (or the shared ones only). */
static int gate_width(const rn_model_config *c, int k)
{
    if (k != SH) return c->n_experts + c->n_shared;
    return c->shared_gate == RN_SHARED_GATE_ALL ? c->n_tasks * c->n_experts + c->n_shared
                                                : c->n_shared;
}

static int build_levels(rn_model *m, rn_rng *g, int levels)
{
    const rn_model_config *c = &m->cfg;
    ple_state *st = m->state;
    int rc = rn__mt_embed_build(m, &st->embed, g);
    if (rc != RN_OK) return rc;
    int T = c->n_tasks, H = c->expert_hidden[c->n_expert_hidden - 1];
    st->levels = levels;
    for (int l = 0; l < levels; l++) {
        int in = l == 0 ? rn__mt_input_width(c) : H, last = l == levels - 1;
        for (int k = 0; k <= T; k++) { /* each task's experts, then the shared ones (k == T) */
            int slot = k == T ? SH : k, n = k == T ? c->n_shared : c->n_experts;
            char prefix[48];
            if (k == T)
                snprintf(prefix, sizeof prefix, "level.%d.expert.s", l);
            else
                snprintf(prefix, sizeof prefix, "level.%d.expert.%d", l, k);
            if ((rc = rn__experts_init(m, st->expert[l][slot], prefix, n, in, g)) != RN_OK)
                return rc;
            rn__layer(m, prefix, "Experts (MLP)", "%d x B x %d", n, H);
        }
        for (int k = 0; k <= T; k++) {
            if (k == T && last) break; /* the last level has no shared gate */
            int slot = k == T ? SH : k;
            char name[48];
            if (k == T)
                snprintf(name, sizeof name, "level.%d.gate.s", l);
            else
                snprintf(name, sizeof name, "level.%d.gate.%d", l, k);
            int n = gate_width(c, slot);
            if ((rc = rn__gate_init(m, &st->gate[l][slot], name, in, n, g)) != RN_OK) return rc;
            rn__layer(m, name, "Dense+Softmax (gate)", "B x %d", n);
        }
    }
    if ((rc = rn__towers_init(m, st->tower, T, H, g)) != RN_OK) return rc;
    return RN_OK;
}

static int build_cgc(rn_model *m, rn_rng *g)
{
    return build_levels(m, g, 1);
}

static int build_ple(rn_model *m, rn_rng *g)
{
    return build_levels(m, g, m->cfg.n_levels);
}

static int forward(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *out)
{
    const rn_model_config *c = &m->cfg;
    ple_state *st = m->state;
    int T = c->n_tasks, ne = c->n_experts, ns = c->n_shared;
    rn_tensor *x = rn__mt_input(m, g, b, st->embed);
    rn_tensor *in[RN_MODEL_MAX_TASKS + 1], *w[RN_MODEL_MAX_TASKS];
    for (int k = 0; k <= SH; k++)
        in[k] = x;
    for (int l = 0; l < st->levels; l++) {
        int last = l == st->levels - 1;
        /* every expert's output: task k's at own[k][0..ne), the shared ones at own[SH][0..ns) */
        rn_tensor *own[RN_MODEL_MAX_TASKS + 1][RN_MODEL_MAX_EXPERTS];
        for (int k = 0; k < T; k++)
            rn__experts_forward(st->expert[l][k], ne, g, in[k], own[k]);
        rn__experts_forward(st->expert[l][SH], ns, g, in[SH], own[SH]);
        rn_tensor *next[RN_MODEL_MAX_TASKS + 1];
        rn_tensor *sel[RN_MODEL_MAX_TASKS * RN_MODEL_MAX_EXPERTS + RN_MODEL_MAX_EXPERTS];
        for (int k = 0; k < T; k++) { /* S_k = [own experts, shared experts] */
            int n = 0;
            for (int i = 0; i < ne; i++)
                sel[n++] = own[k][i];
            for (int i = 0; i < ns; i++)
                sel[n++] = own[SH][i];
            rn_tensor *wk = rn__gate_forward(&st->gate[l][k], g, in[k]);
            next[k] = rn__mix(g, wk, rn__stack_experts(g, n, sel));
            if (last) w[k] = wk;
        }
        if (!last) { /* the shared gate: every expert of the level (or the shared ones) */
            int n = 0;
            if (c->shared_gate == RN_SHARED_GATE_ALL)
                for (int k = 0; k < T; k++)
                    for (int i = 0; i < ne; i++)
                        sel[n++] = own[k][i];
            for (int i = 0; i < ns; i++)
                sel[n++] = own[SH][i];
            rn_tensor *ws = rn__gate_forward(&st->gate[l][SH], g, in[SH]);
            next[SH] = rn__mix(g, ws, rn__stack_experts(g, n, sel));
        }
        for (int k = 0; k < T; k++)
            in[k] = next[k];
        if (!last) in[SH] = next[SH];
    }
    for (int k = 0; k < T; k++)
        out->logit[k] = rn__mlp_forward(&st->tower[k], g, in[k]);
    if (out->want_views) out->view[0] = rn__gates_view(g, T, w);
    return RN_OK;
}

static const char *const views[] = {"gates", NULL};

/* The gates view's columns: the task's own experts, then the shared ones. */
static void gate_label(const rn_model_config *c, int j, char *buf, size_t size)
{
    if (j < c->n_experts)
        snprintf(buf, size, "own %d", j + 1);
    else
        snprintf(buf, size, "shared %d", j - c->n_experts + 1);
}

const rn__kind rn__cgc = {.name = "cgc",
                          .dense_alone = 1,
                          .max_tasks = RN_MODEL_MAX_TASKS,
                          .state_size = sizeof(ple_state),
                          .defaults = defaults,
                          .check = rn__check_experts,
                          .build = build_cgc,
                          .forward = forward,
                          .views = views,
                          .gate_label = gate_label};

const rn__kind rn__ple = {.name = "ple",
                          .dense_alone = 1,
                          .max_tasks = RN_MODEL_MAX_TASKS,
                          .state_size = sizeof(ple_state),
                          .defaults = defaults,
                          .check = rn__check_experts,
                          .build = build_ple,
                          .forward = forward,
                          .views = views,
                          .gate_label = gate_label};
