/* ALS as a job of the one training loop (../loop.h): an epoch is one ALS
 * iteration whose rows are the users (0 .. n_users) then the items, in
 * order and never shuffled, so every item is solved after every user of
 * its iteration; a step is a block of them. */
#include "als_internal.h"

#include <math.h>
#include <string.h>

#include "../error.h"

rn_als_fit_config rn_als_fit_defaults(void)
{
    rn_als_fit_config c;
    memset(&c, 0, sizeof c);
    c.iterations = 10;
    c.block = 256;
    return c;
}

typedef struct {
    rn_als *m;
    const rn_als_fit_config *fc;
} job;

static int step(void *self, const size_t *rows, size_t n, double *loss)
{
    job *j = self;
    rn_als *m = j->m;
    size_t nu = m->side[0].n, split = 0;
    while (split < n && rows[split] < nu) /* rows are increasing: users, then items */
        split++;
    double l = 0, c = 0, l1, c1;
    if (split > 0) {
        if (m->c.implicit && rows[0] == 0) rn__als_gram(m, 1); /* the items' YᵀY, once */
        if (rn__als_solve_rows(m, 0, rows, 0, split, &l1, &c1) != RN_OK) return rn_error_code();
        l += l1, c += c1;
    }
    if (split < n) {
        if (m->c.implicit && rows[split] == nu) rn__als_gram(m, 0); /* the users' XᵀX */
        if (rn__als_solve_rows(m, 1, rows + split, nu, n - split, &l1, &c1) != RN_OK)
            return rn_error_code();
        l += l1, c += c1;
    }
    *loss = c > 0 ? l / c : 0;
    return isfinite(*loss) ? RN_OK : RN_ENAN;
}

static int evaluate(void *self, rn_metrics *out)
{
    job *j = self;
    rn_als *m = j->m;
    const rn_als_fit_config *fc = j->fc;
    int rc;
    double v;
    if (!m->c.implicit) {
        if (fc->n_valid > 0) {
            if ((rc = rn_als_rmse(m, fc->valid_users, fc->valid_items, fc->valid_r, fc->n_valid,
                                  &v)) != RN_OK)
                return rc;
            if ((rc = rn_metrics_add(out, "rmse", v)) != RN_OK) return rc;
        }
        /* the training ratings, through the same clipped predictions */
        double se = 0;
        const rn__als_side *U = &m->side[0];
        for (size_t u = 0; u < U->n; u++)
            for (size_t q = U->off[u]; q < U->off[u + 1]; q++) {
                double p = (double)rn__als_score(m, u, U->other[q]);
                double lo = (double)m->r_min, hi = (double)m->r_max;
                p = p < lo ? lo : (p > hi ? hi : p);
                se += ((double)U->val[q] - p) * ((double)U->val[q] - p);
            }
        if ((rc = rn_metrics_add(out, "train_rmse", sqrt(se / (double)m->n_ratings))) != RN_OK)
            return rc;
    }
    v = rn_als_objective(m);
    if (isnan(v)) return rn_error_code();
    return rn_metrics_add(out, "objective", v);
}

int rn_als_fit(rn_als *m, const rn_als_fit_config *fc, rn_loop_result *res)
{
    if (fc == NULL || fc->iterations < 1)
        return rn_fail(RN_EARG, "als: iterations must be at least 1, got %d",
                       fc ? fc->iterations : 0);
    if (fc->block < 1) return rn_fail(RN_EARG, "als: block must be at least 1 row");
    if (fc->n_valid > 0 && (fc->valid_users == NULL || fc->valid_items == NULL || !fc->valid_r))
        return rn_fail(RN_EARG, "als: validation ratings without their arrays");
    job j = {.m = m, .fc = fc};
    rn_trainer t = {.n_rows = m->side[0].n + m->side[1].n,
                    .step = step,
                    .evaluate = evaluate,
                    .self = &j};
    rn_loop_config c = rn_loop_defaults();
    c.epochs = fc->iterations;
    c.batch_size = fc->block;
    c.shuffle = 0; /* users before items, always */
    c.on_step = fc->on_step;
    c.on_epoch = fc->on_epoch;
    c.ud = fc->ud;
    return rn_train(&t, &c, res);
}
