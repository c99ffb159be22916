/* Optimizers beyond the PyTorch fixtures: FTRL-Proximal against the paper's
 * algorithm and its exact zeros, lazy sparse rows, clipping, schedules,
 * parameter groups by prefix, and the failure paths. */
#include "check.h"

#include <stdlib.h>

#include "autograd.h"
#include "error.h"
#include "ops.h"
#include "optim.h"
#include "tensor.h"

#define S(...) ((const int[]){__VA_ARGS__})

/* McMahan et al. 2013, Algorithm 1, per coordinate, in double. */
static void ftrl_reference(double *w, double *z, double *n, double g, double alpha, double beta,
                           double l1, double l2)
{
    double sigma = (sqrt(*n + g * g) - sqrt(*n)) / alpha;
    *z += g - sigma * *w;
    *n += g * g;
    if (fabs(*z) <= l1)
        *w = 0;
    else
        *w = -(*z - (*z > 0 ? l1 : -l1)) / ((beta + sqrt(*n)) / alpha + l2);
}

static void test_ftrl_matches_paper(void)
{
    rn_optim_config c = rn_optim_defaults(RN_FTRL);
    c.lr = 0.3f, c.beta = 1.0f, c.l1 = 0.2f, c.l2 = 0.5f;
    rn_tensor *w = rn_tensor_new(1, S(5));
    rn_tensor_require_grad(w);
    rn_optim *o = rn_optim_new(&c);
    CHECK(rn_optim_add_tensor(o, w) == RN_OK);
    double rw[5] = {0}, rz[5] = {0}, rn[5] = {0}, worst = 0;
    rn_rng r;
    rn_rng_seed(&r, 5);
    for (int step = 0; step < 20; step++) {
        for (int i = 0; i < 5; i++) {
            w->grad[i] = 2.0f * rn_rng_uniform(&r) - 1.0f + 0.3f * (float)(i - 2);
            ftrl_reference(&rw[i], &rz[i], &rn[i], (double)w->grad[i], 0.3, 1.0, 0.2, 0.5);
        }
        CHECK(rn_optim_step(o) == RN_OK);
        for (int i = 0; i < 5; i++)
            worst = fmax(worst, fabs((double)w->data[i] - rw[i]) / fmax(fabs(rw[i]), 1e-3));
    }
    printf("ftrl vs paper (20 steps): max relative difference %.2e\n", worst);
    CHECK(worst < 1e-5);
    rn_optim_free(o);
    rn_tensor_free(w);
}

static void test_ftrl_l1_exact_zeros(void)
{
    rn_optim_config c = rn_optim_defaults(RN_FTRL);
    c.lr = 0.1f, c.l1 = 1.0f;
    rn_tensor *w = rn_tensor_new(1, S(3));
    rn_tensor_require_grad(w);
    rn_optim *o = rn_optim_new(&c);
    CHECK(rn_optim_add_tensor(o, w) == RN_OK);
    for (int step = 0; step < 50; step++) {
        w->grad[0] = step % 2 ? 0.1f : -0.1f; /* noise: |z| stays below l1 */
        w->grad[1] = 0.015f;                  /* weak signal: its sum 0.75 stays below l1 */
        w->grad[2] = 0.5f;                    /* strong signal */
        CHECK(rn_optim_step(o) == RN_OK);
    }
    CHECK(w->data[0] == 0.0f); /* exactly zero, not merely small */
    CHECK(w->data[1] == 0.0f);
    CHECK(w->data[2] < -0.1f);
    /* without L1 the same noise leaves a non-zero weight */
    c.l1 = 0.0f;
    rn_optim *o2 = rn_optim_new(&c);
    rn_tensor *v = rn_tensor_new(1, S(1));
    rn_tensor_require_grad(v);
    rn_optim_add_tensor(o2, v);
    for (int step = 0; step < 49; step++) {
        v->grad[0] = step % 2 ? 0.1f : -0.1f;
        rn_optim_step(o2);
    }
    CHECK(v->data[0] != 0.0f);
    rn_optim_free(o), rn_optim_free(o2);
    rn_tensor_free(w), rn_tensor_free(v);
}

/* Lazy updates: only touched rows move, and a row's momentum does not carry
 * it forward in steps where it is not touched (as dense Adam would). */
static void test_lazy_sparse_rows(void)
{
    int kinds[4] = {RN_ADAM, RN_ADAGRAD, RN_FTRL, RN_SGD};
    for (int k = 0; k < 4; k++) {
        rn_params *ps = rn_params_new();
        rn_tensor *table = rn_param_table(ps, "emb", 100, 4);
        rn_rng r;
        rn_rng_seed(&r, 3);
        rn_tensor_uniform(table, &r, -1, 1);
        float *before = malloc(table->n * sizeof(float));
        memcpy(before, table->data, table->n * sizeof(float));
        rn_optim_config c = rn_optim_defaults(kinds[k]);
        c.momentum = kinds[k] == RN_SGD ? 0.9f : 0.0f;
        rn_optim *o = rn_optim_new(&c);
        CHECK(rn_optim_add(o, ps, "emb") == RN_OK);
        rn_graph *g = rn_graph_new(1);
        rn_ids *ids = rn_ids_new(RN_I32, 1, S(3));
        rn_ids_set(ids, 0, 3), rn_ids_set(ids, 1, 7), rn_ids_set(ids, 2, 3);
        rn_tensor *loss = rn_sum_all(g, rn_embedding(g, table, ids));
        CHECK(rn_backward(g, loss) == RN_OK);
        CHECK(table->sparse->n_rows == 2);
        CHECK(rn_optim_step(o) == RN_OK);
        int moved = 0, others_same = 1;
        for (int row = 0; row < 100; row++)
            for (int d = 0; d < 4; d++) {
                int same = table->data[row * 4 + d] == before[row * 4 + d];
                if (row == 3 || row == 7)
                    moved += !same;
                else
                    others_same &= same;
            }
        CHECK(moved == 8);
        CHECK(others_same);
        rn_optim_zero_grad(o);
        CHECK(table->sparse->n_rows == 0);
        CHECK(table->grad[3 * 4] == 0.0f);
        /* second step touches row 5 only: row 3 must stay where it is */
        float row3 = table->data[3 * 4];
        rn_graph_reset(g);
        rn_ids_set(ids, 0, 5), rn_ids_set(ids, 1, 5), rn_ids_set(ids, 2, 5);
        CHECK(rn_backward(g, rn_sum_all(g, rn_embedding(g, table, ids))) == RN_OK);
        CHECK(rn_optim_step(o) == RN_OK);
        CHECK(table->data[3 * 4] == row3);
        CHECK(table->data[5 * 4] != before[5 * 4]);
        rn_ids_free(ids);
        rn_graph_free(g);
        rn_optim_free(o);
        rn_params_free(ps);
        free(before);
    }
}

/* A sparse table used by an op other than embedding gets a dense gradient:
 * every row is touched, updated, and zeroed afterwards. */
static void test_sparse_table_dense_use(void)
{
    rn_params *ps = rn_params_new();
    rn_tensor *table = rn_param_table(ps, "out", 5, 2);
    rn_tensor_fill(table, 1.0f);
    rn_optim_config c = rn_optim_defaults(RN_SGD);
    c.lr = 0.5f;
    rn_optim *o = rn_optim_new(&c);
    CHECK(rn_optim_add(o, ps, NULL) == RN_OK);
    rn_graph *g = rn_graph_new(1);
    rn_tensor *h = rn_graph_tensor(g, 2, S(1, 2), (const float[]){1.0f, 2.0f});
    /* loss = sum(h table^T) = sum over rows of 1 * t0 + 2 * t1 */
    CHECK(rn_backward(g, rn_sum_all(g, rn_matmul(g, h, table, 0, 1))) == RN_OK);
    CHECK(table->sparse->n_rows == 5);
    CHECK(rn_optim_step(o) == RN_OK);
    CHECK(table->data[4 * 2] == 0.5f && table->data[4 * 2 + 1] == 0.0f);
    rn_optim_zero_grad(o);
    CHECK(table->sparse->n_rows == 0 && table->grad[9] == 0.0f);
    rn_graph_free(g);
    rn_optim_free(o);
    rn_params_free(ps);
}

static void test_clipping(void)
{
    rn_optim_config c = rn_optim_defaults(RN_SGD);
    c.lr = 1.0f, c.clip_norm = 1.0f;
    rn_params *ps = rn_params_new();
    rn_tensor *a = rn_param_new(ps, "a", 1, S(1)), *b = rn_param_new(ps, "b", 1, S(1));
    rn_optim *o = rn_optim_new(&c);
    CHECK(rn_optim_add(o, ps, NULL) == RN_OK);
    a->grad[0] = 3.0f, b->grad[0] = 4.0f; /* global norm 5 -> scaled by 1/5 */
    CHECK(rn_optim_step(o) == RN_OK);
    CHECK_NEAR(rn_optim_last_norm(o), 5.0, 1e-6);
    CHECK_NEAR(a->data[0], -0.6, 1e-6);
    CHECK_NEAR(b->data[0], -0.8, 1e-6);
    a->grad[0] = 0.3f, b->grad[0] = 0.4f; /* under the norm: unchanged */
    CHECK(rn_optim_step(o) == RN_OK);
    CHECK_NEAR(a->data[0], -0.9, 1e-6);
    rn_optim_free(o);
    rn_params_free(ps);
}

static void test_schedules(void)
{
    rn_schedule s = {RN_LR_CONSTANT, 4, 0, 1, 0.1f, 0.0f};
    CHECK_NEAR(rn_schedule_lr(&s, 1.0f, 0), 0.25, 1e-7); /* warm-up */
    CHECK_NEAR(rn_schedule_lr(&s, 1.0f, 3), 1.0, 1e-7);
    CHECK_NEAR(rn_schedule_lr(&s, 1.0f, 100), 1.0, 1e-7);
    s.kind = RN_LR_COSINE, s.total = 14;
    CHECK_NEAR(rn_schedule_lr(&s, 1.0f, 4), 1.0, 1e-6);
    CHECK_NEAR(rn_schedule_lr(&s, 1.0f, 9), 0.5, 1e-6);
    CHECK_NEAR(rn_schedule_lr(&s, 1.0f, 14), 0.0, 1e-6);
    CHECK_NEAR(rn_schedule_lr(&s, 1.0f, 50), 0.0, 1e-6);
    s.kind = RN_LR_LINEAR, s.warmup = 0, s.total = 10, s.min_lr = 0.1f;
    CHECK_NEAR(rn_schedule_lr(&s, 1.0f, 5), 0.55, 1e-6);
    CHECK_NEAR(rn_schedule_lr(&s, 1.0f, 20), 0.1, 1e-6);
    s.kind = RN_LR_STEP, s.step_size = 2, s.gamma = 0.5f;
    CHECK_NEAR(rn_schedule_lr(&s, 1.0f, 1), 1.0, 1e-7);
    CHECK_NEAR(rn_schedule_lr(&s, 1.0f, 2), 0.5, 1e-7);
    CHECK_NEAR(rn_schedule_lr(&s, 1.0f, 5), 0.25, 1e-7);
    /* the optimizer follows its schedule: SGD steps of size lr(t) * g */
    rn_optim_config c = rn_optim_defaults(RN_SGD);
    c.lr = 1.0f, c.schedule = s;
    rn_tensor *w = rn_tensor_new(1, S(1));
    rn_tensor_require_grad(w);
    rn_optim *o = rn_optim_new(&c);
    rn_optim_add_tensor(o, w);
    for (int t = 0; t < 4; t++) {
        w->grad[0] = 1.0f;
        rn_optim_step(o);
    }
    CHECK_NEAR(w->data[0], -(1.0 + 1.0 + 0.5 + 0.5), 1e-6);
    CHECK(rn_optim_steps(o) == 4);
    CHECK_NEAR(rn_optim_lr(o), 0.25, 1e-7);
    rn_optim_free(o);
    rn_tensor_free(w);
}

static void test_groups_by_prefix(void)
{
    rn_params *ps = rn_params_new();
    rn_tensor *wide = rn_param_new(ps, "wide.w", 1, S(4));
    rn_param_new(ps, "deep.0.weight", 2, S(4, 3));
    rn_param_new(ps, "deep.0.bias", 1, S(3));
    rn_optim_config fc = rn_optim_defaults(RN_FTRL), ac = rn_optim_defaults(RN_ADAGRAD);
    rn_optim *f = rn_optim_new(&fc), *a = rn_optim_new(&ac);
    CHECK(rn_optim_add(f, ps, "wide.") == RN_OK);
    CHECK(rn_optim_add(a, ps, "deep.") == RN_OK);
    CHECK(rn_optim_count(f) == 1 && rn_optim_count(a) == 2);
    CHECK(rn_optim_add(a, ps, "nope.") == RN_EARG);
    CHECK_STR(rn_error(), "adagrad: no parameter name starts with 'nope.'");
    CHECK(rn_optim_add(f, ps, "wide.") == RN_EARG);
    CHECK_STR(rn_error(), "ftrl: parameter 'wide.w' was added twice");
    /* a NaN gradient is refused before anything moves */
    wide->grad[2] = NAN;
    wide->data[0] = 0.5f;
    CHECK(rn_optim_step(f) == RN_ENAN);
    CHECK_STR(rn_error(), "ftrl step 1: the gradient of wide.w is not finite");
    CHECK(wide->data[0] == 0.5f);
    CHECK(rn_optim_steps(f) == 0);
    rn_optim_free(f), rn_optim_free(a);
    rn_params_free(ps);
}

static void test_bad_configs(void)
{
    rn_optim_config c = rn_optim_defaults(RN_ADAM);
    c.lr = -1.0f;
    CHECK(rn_optim_new(&c) == NULL);
    CHECK_STR(rn_error(), "adam: lr must be a positive number, got -1");
    c = rn_optim_defaults(RN_ADAM);
    c.beta1 = 1.0f;
    CHECK(rn_optim_new(&c) == NULL);
    CHECK_STR(rn_error(), "adam: beta1 and beta2 must be in [0, 1), got 1 and 0.999");
    c = rn_optim_defaults(RN_SGD);
    c.nesterov = 1;
    CHECK(rn_optim_new(&c) == NULL);
    CHECK_STR(rn_error(), "sgd: nesterov needs a momentum above 0");
    c = rn_optim_defaults(RN_SGD);
    c.schedule.kind = RN_LR_COSINE;
    CHECK(rn_optim_new(&c) == NULL);
    CHECK(rn_error_code() == RN_EARG);
}

/* The review's reproducer 10: lr NaN, 0, -1 (and inf) trained silently at a
 * default. Every optimizer refuses each, naming the value; so does a NaN
 * schedule, which would turn every later lr into NaN. */
static void test_bad_lr_every_optimizer(void)
{
    const float bad[] = {NAN, 0.0f, -1.0f, INFINITY, -INFINITY, -0.0f};
    const char *shown[] = {"nan", "0", "-1", "inf", "-inf", "-0"};
    for (int kind = RN_SGD; kind <= RN_FTRL; kind++)
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            rn_optim_config c = rn_optim_defaults(kind);
            c.lr = bad[i];
            CHECK(rn_optim_new(&c) == NULL);
            CHECK(rn_error_code() == RN_EARG);
            char want[96];
            snprintf(want, sizeof want, "%s: lr must be a positive number, got %s",
                     rn_optim_name(kind), shown[i]);
            CHECK_STR(rn_error(), want);
        }
    rn_optim_config c = rn_optim_defaults(RN_SGD);
    c.lr = 1e-30f; /* tiny but positive: allowed */
    rn_optim *o = rn_optim_new(&c);
    CHECK(o != NULL);
    rn_optim_free(o);
    c.schedule.kind = RN_LR_STEP, c.schedule.step_size = 2, c.schedule.gamma = NAN;
    CHECK(rn_optim_new(&c) == NULL);
    CHECK_STR(rn_error(), "sgd: schedule min_lr and gamma must be finite numbers >= 0, got 0 and nan");
    c.schedule.gamma = 0.5f, c.schedule.min_lr = INFINITY;
    CHECK(rn_optim_new(&c) == NULL && rn_error_code() == RN_EARG);
}

int main(void)
{
    RUN(test_bad_lr_every_optimizer);
    RUN(test_ftrl_matches_paper);
    RUN(test_ftrl_l1_exact_zeros);
    RUN(test_lazy_sparse_rows);
    RUN(test_sparse_table_dense_use);
    RUN(test_clipping);
    RUN(test_schedules);
    RUN(test_groups_by_prefix);
    RUN(test_bad_configs);
    return check_report();
}
