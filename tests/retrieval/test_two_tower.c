/* The two-tower model: its three losses by hand on tiny numbers (logQ and the
 * duplicate mask included), finite-difference checks of the losses and of the
 * whole model's loss, a learning bar on MovieLens's leave-last-out split
 * against the popularity baseline, recommend's exclusion of seen items, and
 * bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "engine/gradcheck.h"

/* gradcheck.h helpers this file does not need */
static void (*const unused_gc_off_zero)(rn_tensor *, float) __attribute__((unused)) = gc_off_zero;

#include "alloc.h"
#include "error.h"
#include "interrupt.h"
#include "loop.h"
#include "retrieval/two_tower.h"

static rn_dataset *movielens(size_t max_rows)
{
    static char dir[1024];
    const char *root = getenv("RECNOTE_DATA_DIR");
    snprintf(dir, sizeof dir, "%s/assets/movielens", root ? root : ".");
    rn_movielens_config cfg = {dir, 0, -1, max_rows};
    rn_dataset *ds = rn_load_movielens(&cfg);
    if (ds == NULL) fprintf(stderr, "movielens: %s\n", rn_error());
    return ds;
}

static rn_tensor *tensor(rn_graph *g, int rows, int cols, const float *x)
{
    return rn_graph_tensor(g, 2, (const int[]){rows, cols}, x);
}

static double softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }

/* ---- the losses by hand ---------------------------------------------------------------- */

static void test_inbatch_by_hand(void)
{
    rn_graph *g = rn_graph_new(1);
    const float U[] = {1, 0, 0, 1}, V[] = {1, 0, 0.6f, 0.8f};
    const float logq[] = {logf(0.5f), logf(0.25f)};
    float tau = 0.5f;
    /* logits u_i.v_j / tau - log q_j: row 0 [2 - ln .5, 1.2 - ln .25], row 1 [0 - ln .5, 1.6 - ln .25] */
    double r0[2] = {2 - log(0.5), 1.2 - log(0.25)}, r1[2] = {0 - log(0.5), 1.6 - log(0.25)};
    double want = 0.5 * (log(exp(r0[0]) + exp(r0[1])) - r0[0] + log(exp(r1[0]) + exp(r1[1])) - r1[1]);
    rn_tensor *l = rn_two_tower_inbatch_loss(g, tensor(g, 2, 2, U), tensor(g, 2, 2, V), logq, NULL, tau);
    CHECK(l != NULL);
    if (l) CHECK_NEAR(l->data[0], want, 1e-5);
    CHECK_NEAR(want, 0.36868, 1e-4); /* the numbers worked on paper */
    /* without logQ: plain in-batch softmax */
    rn_graph_reset(g);
    double p0[2] = {2, 1.2}, p1[2] = {0, 1.6};
    double plain = 0.5 * (log(exp(p0[0]) + exp(p0[1])) - p0[0] + log(exp(p1[0]) + exp(p1[1])) - p1[1]);
    l = rn_two_tower_inbatch_loss(g, tensor(g, 2, 2, U), tensor(g, 2, 2, V), NULL, NULL, tau);
    if (l) CHECK_NEAR(l->data[0], plain, 1e-5);
    /* the same item twice: neither row may use the other as a negative, the loss is 0 */
    rn_graph_reset(g);
    const int32_t same[] = {7, 7};
    l = rn_two_tower_inbatch_loss(g, tensor(g, 2, 2, U), tensor(g, 2, 2, V), logq, same, tau);
    if (l) CHECK_NEAR(l->data[0], 0.0, 1e-6);
    rn_graph_free(g);
}

static void test_sampled_and_bce_by_hand(void)
{
    rn_graph *g = rn_graph_new(1);
    const float U[] = {1, 0}, VP[] = {0.6f, 0.8f}, VN[] = {1, 0, 0, 1};
    const float corr[] = {logf(2.0f / 4.0f), logf(2.0f / 4.0f)}; /* S = 2 of N = 4, uniform */
    /* logits [0.6, 1 - ln .5, 0 - ln .5], target 0 */
    double z[3] = {0.6, 1 - log(0.5), 0 - log(0.5)};
    double want = log(exp(z[0]) + exp(z[1]) + exp(z[2])) - z[0];
    rn_tensor *l = rn_two_tower_sampled_loss(g, tensor(g, 1, 2, U), tensor(g, 1, 2, VP),
                                             tensor(g, 2, 2, VN), corr, 1.0f);
    CHECK(l != NULL);
    if (l) CHECK_NEAR(l->data[0], want, 1e-5);
    rn_graph_reset(g);
    /* BCE: logits [0.6, 1, 0] against [1, 0, 0] */
    double bce = (softplus(-0.6) + softplus(1.0) + softplus(0.0)) / 3.0;
    l = rn_two_tower_bce_loss(g, tensor(g, 1, 2, U), tensor(g, 1, 2, VP), tensor(g, 2, 2, VN), 1.0f);
    if (l) CHECK_NEAR(l->data[0], bce, 1e-5);
    rn_graph_free(g);
}

/* ---- finite differences ------------------------------------------------------------------ */

static const float gc_logq[4] = {-1.0f, -2.0f, -0.5f, -1.5f};
static const float gc_corr[3] = {-0.3f, -0.3f, -0.3f};
static const int32_t gc_items[4] = {1, 2, 1, 3};

static rn_tensor *build_inbatch(rn_graph *g, rn_tensor **in, void *ctx)
{
    (void)ctx;
    return rn_two_tower_inbatch_loss(g, rn_two_tower_normalize(g, in[0]),
                                     rn_two_tower_normalize(g, in[1]), gc_logq, gc_items, 0.5f);
}

static rn_tensor *build_sampled(rn_graph *g, rn_tensor **in, void *ctx)
{
    (void)ctx;
    return rn_two_tower_sampled_loss(g, rn_two_tower_normalize(g, in[0]),
                                     rn_two_tower_normalize(g, in[1]),
                                     rn_two_tower_normalize(g, in[2]), gc_corr, 0.5f);
}

static rn_tensor *build_bce(rn_graph *g, rn_tensor **in, void *ctx)
{
    (void)ctx;
    return rn_two_tower_bce_loss(g, rn_two_tower_normalize(g, in[0]),
                                 rn_two_tower_normalize(g, in[1]),
                                 rn_two_tower_normalize(g, in[2]), 0.5f);
}

static void test_loss_gradients(void)
{
    rn_rng r;
    rn_rng_seed(&r, 5);
    rn_tensor *in[3] = {gc_tensor(&r, 2, (const int[]){4, 3}, -1, 1),
                        gc_tensor(&r, 2, (const int[]){4, 3}, -1, 1),
                        gc_tensor(&r, 2, (const int[]){3, 3}, -1, 1)};
    CHECK(gc_check("two_tower inbatch", build_inbatch, 2, in, NULL) < 1e-3);
    CHECK(gc_check("two_tower sampled", build_sampled, 3, in, NULL) < 1e-3);
    CHECK(gc_check("two_tower bce", build_bce, 3, in, NULL) < 1e-3);
    for (int k = 0; k < 3; k++)
        rn_tensor_free(in[k]);
}

/* The whole model's loss against central differences on its parameters: the
 * entries with the largest gradients and a few more from each parameter. */
static double model_gradcheck(rn_dataset *ds, int loss)
{
    rn_two_tower_config c = rn_two_tower_defaults();
    c.dim = 4, c.out_dim = 4, c.n_hidden = 0, c.loss = loss, c.n_neg = 6, c.max_history = 5;
    c.temperature = 0.5f, c.init_std = 0.5f;
    rn_two_tower *m = rn_two_tower_new(ds, &c);
    if (m == NULL) return INFINITY;
    size_t pairs[8];
    for (int b = 0; b < 8; b++)
        pairs[b] = (size_t)b * 37 % rn_two_tower_n_pairs(m);
    rn_params *ps = rn_two_tower_params(m);
    double L, worst = 0;
    rn_params_zero_grad(ps);
    for (size_t i = 0; i < rn_params_count(ps); i++)
        rn_tensor_zero_grad(rn_params_at(ps, i)); /* sparse tables: forget old rows too */
    if (rn_two_tower_batch_loss(m, pairs, 8, 3, 1, &L) != RN_OK) {
        rn_two_tower_free(m);
        return INFINITY;
    }
    const double h = 5e-2; /* the loss is float32 (one ulp near 4 is 5e-7): keep h large, Richardson cancels h^2 */
    for (size_t i = 0; i < rn_params_count(ps); i++) {
        rn_tensor *t = rn_params_at(ps, i);
        float *grad = malloc(t->n * sizeof *grad);
        memcpy(grad, t->grad, t->n * sizeof *grad);
        double scale = 0;
        size_t best = 0;
        for (size_t j = 0; j < t->n; j++)
            if (fabs(grad[j]) > scale) scale = fabs(grad[j]), best = j;
        for (int probe = 0; probe < 6; probe++) {
            size_t j = probe == 0 ? best : (best + (size_t)probe * 7919) % t->n;
            float x0 = t->data[j];
            double Lp, Lm, Lp2, Lm2;
            t->data[j] = x0 + (float)h;
            rn_two_tower_batch_loss(m, pairs, 8, 3, 0, &Lp);
            t->data[j] = x0 - (float)h;
            rn_two_tower_batch_loss(m, pairs, 8, 3, 0, &Lm);
            t->data[j] = x0 + (float)(h / 2);
            rn_two_tower_batch_loss(m, pairs, 8, 3, 0, &Lp2);
            t->data[j] = x0 - (float)(h / 2);
            rn_two_tower_batch_loss(m, pairs, 8, 3, 0, &Lm2);
            t->data[j] = x0;
            double d1 = (Lp - Lm) / (2 * h), d2 = (Lp2 - Lm2) / h;
            double num = (4 * d2 - d1) / 3, a = grad[j];
            double den = fmax(fmax(fabs(a), fabs(num)), fmax(1e-2 * scale, 5e-3));
            double err = fabs(a - num) / den;
            if (err > worst) worst = err;
            if (err > 1e-2)
                fprintf(stderr, "  %s %s[%zu]: analytic %.6g numeric %.6g\n",
                        rn_two_tower_loss_name(loss), t->name, j, a, num);
        }
        free(grad);
    }
    rn_two_tower_free(m);
    return worst;
}

static void test_model_gradients(void)
{
    rn_dataset *ds = movielens(3000);
    CHECK(ds != NULL);
    if (ds == NULL) return;
    for (int loss = 0; loss < RN_TT_N_LOSSES; loss++) {
        double e = model_gradcheck(ds, loss);
        printf("  model gradcheck %-8s max rel error %.2e\n", rn_two_tower_loss_name(loss), e);
        CHECK(e < 1e-2);
    }
    rn_dataset_free(ds);
}

/* ---- learning, recommend, errors --------------------------------------------------------------- */

static void test_learns_and_recommends(void)
{
    rn_dataset *ds = movielens(0);
    CHECK(ds != NULL);
    if (ds == NULL) return;
    rn_two_tower_config c = rn_two_tower_defaults();
    rn_two_tower *m = rn_two_tower_new(ds, &c);
    CHECK(m != NULL);
    if (m == NULL) {
        fprintf(stderr, "%s\n", rn_error());
        rn_dataset_free(ds);
        return;
    }
    CHECK(rn_two_tower_n_test(m) == 671); /* every MovieLens-small user has >= 20 ratings */
    rn_trainer t;
    rn_two_tower_trainer(m, &t);
    rn_loop_config lc = rn_loop_defaults();
    lc.epochs = 3;
    lc.batch_size = 256;
    rn_loop_result res;
    clock_t t0 = clock();
    int rc = rn_train(&t, &lc, &res);
    CHECK(rc == RN_OK);
    if (rc != RN_OK) fprintf(stderr, "%s\n", rn_error());
    rn_two_tower_eval model, pop, i2i;
    CHECK(rn_two_tower_evaluate(m, RN_TT_U2I, 50, &model) == RN_OK);
    CHECK(rn_two_tower_evaluate(m, RN_TT_POPULAR, 50, &pop) == RN_OK);
    CHECK(rn_two_tower_evaluate(m, RN_TT_I2I, 50, &i2i) == RN_OK);
    printf("  3 epochs in %.1f s; loss %.3f; recall@50 u2i %.3f  i2i %.3f  popularity %.3f\n",
           (double)(clock() - t0) / CLOCKS_PER_SEC, res.last_loss, model.recall, i2i.recall,
           pop.recall);
    CHECK(model.recall > 1.2 * pop.recall);
    CHECK(model.n_users == 671);

    /* recommend never returns what the user rated */
    int row;
    CHECK(rn_two_tower_user_row(m, 42, &row) == RN_OK);
    int rows[20];
    float sc[20];
    int got = rn_two_tower_recommend(m, row, 20, rows, sc);
    CHECK(got == 20);
    size_t n_seen;
    const int32_t *seen = rn_two_tower_history(m, row, &n_seen);
    int clash = 0;
    for (int k = 0; k < got; k++) {
        for (size_t j = 0; j < n_seen; j++)
            clash += rows[k] == seen[j];
        if (k) CHECK(sc[k] <= sc[k - 1]);
    }
    CHECK(clash == 0);
    CHECK(rn_two_tower_item_title(m, rows[0]) != NULL);

    /* Ctrl-C at the 4th poll: training stops between whole steps with RN_EINTR,
     * and the weights stay those of the last whole step (finite, usable) */
    rn_loop_config one = rn_loop_defaults();
    one.epochs = 1;
    rn_interrupt_after(3);
    CHECK(rn_train(&t, &one, NULL) == RN_EINTR);
    rn_interrupt_after(-1);
    rn_two_tower_eval after;
    CHECK(rn_two_tower_evaluate(m, RN_TT_U2I, 50, &after) == RN_OK);
    CHECK(after.recall > pop.recall);

    /* bad input */
    CHECK(rn_two_tower_user_row(m, 100000, &row) == RN_EARG);
    CHECK(strstr(rn_error(), "no user 100000") != NULL);
    CHECK(rn_two_tower_recommend(m, row, 0, rows, sc) == RN_EARG);
    CHECK(rn_two_tower_evaluate(m, RN_TT_U2I, 0, &model) == RN_EARG);
    size_t bad = rn_two_tower_n_pairs(m);
    double L;
    CHECK(rn_two_tower_batch_loss(m, &bad, 1, 1, 0, &L) == RN_EARG);
    rn_two_tower_free(m);

    c.temperature = 0;
    CHECK(rn_two_tower_new(ds, &c) == NULL);
    CHECK(strstr(rn_error(), "temperature") != NULL);
    rn_dataset_free(ds);

    rn_dataset *empty = rn_dataset_new("empty");
    rn_dataset_add_column(empty, "user", RN_COL_CAT, 0);
    c = rn_two_tower_defaults();
    CHECK(rn_two_tower_new(empty, &c) == NULL);
    CHECK(strstr(rn_error(), "no column 'item'") != NULL);
    rn_dataset_free(empty);
}

int main(void)
{
    RUN(test_inbatch_by_hand);
    RUN(test_sampled_and_bce_by_hand);
    RUN(test_loss_gradients);
    RUN(test_model_gradients);
    RUN(test_learns_and_recommends);
    return check_report();
}
