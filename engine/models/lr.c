/* Logistic regression: logit = b + sum_f w[id_f] + sum_j u_j x_j, the first-order
 * term of every CTR model, with one weight per categorical value (a sparse
 * table "linear.weight", rows x 1, so a step touches only the batch's rows). */
#include "internal.h"

#include "../error.h"

static int build(rn_model *m, rn_rng *g)
{
    (void)g;
    if ((m->lin = rn__table(m, "linear.weight", m->rows, 1, g)) == NULL) return rn_error_code();
    rn_tensor_fill(m->lin, 0.0f);
    if (m->cfg.n_dense > 0 &&
        (m->lin_dense = rn__param(m, "linear.dense", 2, (const int[]){m->cfg.n_dense, 1})) == NULL)
        return rn_error_code();
    if ((m->lin_bias = rn__param(m, "linear.bias", 1, (const int[]){1})) == NULL)
        return rn_error_code();
    rn__layer(m, "linear", "Linear", "B x 1");
    return RN_OK;
}

static rn_tensor *forward(rn_model *m, rn_graph *g, const rn_samples *b)
{
    return rn__linear_term(m, g, b, m->lin, m->lin_dense, m->lin_bias);
}

const rn__kind rn__lr = {"lr", build, forward};
