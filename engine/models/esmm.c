/* ESMM, the Entire Space Multi-task Model (Ma et al., SIGIR 2018, "Entire
 * Space Multi-Task Model: An Effective Approach for Estimating Post-Click
 * Conversion Rate", eqs. 1-3):
 *
 *   pCTCVR = p(y = 1, z = 1 | x) = pCTR x pCVR = p(y = 1 | x) x p(z = 1 | y = 1, x)
 *   L(theta_ctr, theta_cvr) = sum_i l(y_i, f(x_i; theta_ctr))
 *                           + sum_i l(y_i & z_i, f(x_i; theta_ctr) x f(x_i; theta_cvr))
 *
 * over ALL impressions i (l: cross-entropy; y the click, z the conversion).
 * Two towers ("tower.0" CTR, "tower.1" CVR, each an MLP of widths `tower_hidden`,
 * 64 and 32 by default, to one logit) read the same input, the field embeddings of ONE table
 * ("embed.weight": the CVR tower learns from the CTR task's many clicks, the
 * paper's answer to data sparsity). The heads, in this order:
 *
 *   ctr    the CTR tower's logit, BCE on the click column (label 1)
 *   cvr    the CVR tower's logit, loss 'none': pCVR gets NO loss of its own
 *          and is learned only through the product (a CVR loss on clicked
 *          rows would be the conventional model ESMM replaces, whose training
 *          space, clicked impressions, is not its inference space, all
 *          impressions: the sample selection bias)
 *   ctcvr  logit(sigmoid(z_ctr) sigmoid(z_cvr)) (ops' logit_prod), BCE on the
 *          CTCVR column (click and conversion, label 2): a probability in
 *          [0, 1] by construction, never pCTCVR / pCTR (which divides by a
 *          small number and can exceed 1)
 *
 * The tasks' names, weights and label columns may be changed; their roles
 * may not. A label column for cvr (with loss 'none' and given = 'ctr') scores
 * pCVR on the clicked rows without training on it. */
#include "internal.h"

#include <stdio.h>

#include "../error.h"

typedef struct {
    rn_tensor *embed;
    rn__mlp tower[2]; /* ctr, cvr */
} esmm_state;

static void defaults(rn_model_config *c)
{
    c->n_tower_hidden = 2; /* each tower is a whole base model's MLP */
    c->tower_hidden[0] = 64, c->tower_hidden[1] = 32;
    static const struct {
        const char *name;
        int label, loss;
    } t[3] = {{"ctr", 0, RN_LOSS_BCE}, {"cvr", -1, RN_LOSS_NONE}, {"ctcvr", 1, RN_LOSS_BCE}};
    c->n_tasks = 3;
    for (int k = 0; k < 3; k++) {
        snprintf(c->task[k].name, sizeof c->task[k].name, "%s", t[k].name);
        c->task[k].label = t[k].label;
        c->task[k].loss = t[k].loss;
        c->task[k].weight = 1.0f;
        c->task[k].given = -1;
    }
}

static int check(const rn_model_config *c)
{
    if (c->n_tasks != 3)
        return rn_fail(RN_EARG, "esmm has three heads, ctr, cvr and ctcvr (in that order), not %d "
                                "tasks",
                       c->n_tasks);
    if (c->task[1].loss != RN_LOSS_NONE)
        return rn_fail(RN_EARG,
                       "esmm: the cvr head ('%s') has no loss of its own (loss = 'none'): ESMM "
                       "learns pCVR only through pCTCVR = pCTR x pCVR over all impressions",
                       c->task[1].name);
    if (c->task[0].loss != RN_LOSS_BCE || c->task[2].loss != RN_LOSS_BCE)
        return rn_fail(RN_EARG, "esmm: the ctr and ctcvr heads ('%s', '%s') are probabilities: "
                                "loss = 'bce'",
                       c->task[0].name, c->task[2].name);
    return RN_OK;
}

static int build(rn_model *m, rn_rng *g)
{
    const rn_model_config *c = &m->cfg;
    esmm_state *st = m->state;
    int rc = rn__mt_embed_build(m, &st->embed, g);
    if (rc != RN_OK) return rc;
    int in = rn__mt_input_width(c);
    if ((rc = rn__towers_init(m, st->tower, 2, in, g)) != RN_OK) return rc;
    rn__layer(m, "ctcvr", "Product pCTR x pCVR", "B x 1");
    return RN_OK;
}

static int forward(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *out)
{
    esmm_state *st = m->state;
    rn_tensor *x = rn__mt_input(m, g, b, st->embed);
    out->logit[0] = rn__mlp_forward(&st->tower[0], g, x);
    out->logit[1] = rn__mlp_forward(&st->tower[1], g, x);
    out->logit[2] = rn_logit_prod(g, out->logit[0], out->logit[1]);
    return RN_OK;
}

const rn__kind rn__esmm = {.name = "esmm",
                           .dense_alone = 1,
                           .max_tasks = 3,
                           .state_size = sizeof(esmm_state),
                           .defaults = defaults,
                           .check = check,
                           .build = build,
                           .forward = forward};
