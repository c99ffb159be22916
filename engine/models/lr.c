/* Logistic regression: logit = b + sum_f w[id_f] + sum_j u_j x_j (+ sum_i w_i x_i
 * over a sparse bag: a libsvm row's index:value pairs), the first-order term of
 * every CTR model, with one weight per categorical value (a sparse
 * table "linear.weight", rows x 1, so a step touches only the batch's rows). */
#include "internal.h"

#include "../error.h"

typedef struct {
    rn__linear lin;
} lr_state;

static int build(rn_model *m, rn_rng *g)
{
    lr_state *st = m->state;
    int rc = rn__linear_build(m, &st->lin, "linear", g);
    if (rc != RN_OK) return rc;
    rn__layer(m, "linear", "Linear", "B x 1");
    return RN_OK;
}

static int forward(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *out)
{
    lr_state *st = m->state;
    out->logit[0] = rn__linear_term(m, g, b, &st->lin);
    return RN_OK;
}

const rn__kind rn__lr = {.name = "lr",
                         .max_tasks = 1,
                         .state_size = sizeof(lr_state),
                         .build = build,
                         .forward = forward};
