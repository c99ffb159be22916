/* The multi-task models (Shared-Bottom, MoE, MMoE, ESMM, CGC, PLE): their
 * experts start apart, their gates are softmax weights, several label columns
 * come from a data set in the tasks' order, the papers' findings as learning
 * bars with fixed seeds (MMoE against Shared-Bottom as the tasks' correlation
 * falls; ESMM's pCVR against a CVR model trained on clicked rows only, on the
 * impressions nobody clicked), and save/load round trips. (Their gradient
 * checks are test_models.c's, with every other kind's.) */
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/synth_tasks.h"
#include "error.h"
#include "models/from_dataset.h"
#include "models/model.h"
#include "models/train.h"

static inline double sigmoid(double z)
{
    return 1.0 / (1.0 + exp(-z));
}

/* Rows [start, start + n) of ds through map, as a batch (caller frees). */
static rn_samples *rows_of(const rn_dataset *ds, const rn_data_map *map, size_t start, size_t n)
{
    rn_samples *b = rn_samples_from_dataset(ds, map, NULL, start, n);
    if (b == NULL) fprintf(stderr, "rows_of: %s\n", rn_error());
    return b;
}

/* Trains m with Adam at lr for epochs; RN_OK or the error. */
static int train(rn_model *m, const rn_samples *data, int epochs, float lr, size_t batch)
{
    rn_optim *o[2];
    int n = 0, rc = rn_model_default_optims(m, lr, 0, o, &n);
    rn_fit_config fc = rn_fit_defaults();
    fc.epochs = epochs;
    fc.batch_size = batch;
    if (rc == RN_OK) rc = rn_model_fit(m, data, o, n, &fc, NULL);
    if (rc != RN_OK) fprintf(stderr, "train %s: %s\n", rn_model_kind_name(rn_model_config_of(m)->kind), rn_error());
    for (int k = 0; k < n; k++)
        rn_optim_free(o[k]);
    return rc;
}

/* ---- structure -------------------------------------------------------------------------- */

/* A small config of kind: 2 fields {7, 5}, 3 dense, D 4. */
static rn_model_config small(int kind)
{
    rn_model_config c = rn_model_defaults(kind);
    c.n_fields = 2, c.cardinality[0] = 7, c.cardinality[1] = 5, c.n_dense = 3, c.embed_dim = 4;
    c.n_experts = 3, c.n_shared = 2, c.n_expert_hidden = 1, c.expert_hidden[0] = 6;
    return c;
}

/* 10 rows of small()'s data with the label columns m reads (random 0/1). */
static rn_samples *small_rows(const rn_model *m)
{
    int W = rn_model_label_columns(m);
    rn_samples *b = rn_samples_new(10, 2, 3, 0, W, 0);
    rn_rng r;
    rn_rng_seed(&r, 3);
    for (size_t i = 0; i < b->n; i++) {
        b->sparse[i * 2] = (int32_t)rn_rng_below(&r, 7);
        b->sparse[i * 2 + 1] = (int32_t)rn_rng_below(&r, 5);
        for (int j = 0; j < 3; j++)
            b->dense[i * 3 + (size_t)j] = rn_rng_normal(&r);
        for (int k = 0; k < W; k++)
            b->labels[i * (size_t)W + (size_t)k] = (float)rn_rng_below(&r, 2);
    }
    return b;
}

/* Identical experts would get identical gradients through any gate and stay
 * one expert: each is drawn from the generator in turn. */
static void test_experts_start_apart(void)
{
    const int kinds[3] = {RN_MODEL_MMOE, RN_MODEL_MOE, RN_MODEL_PLE};
    const char *names[3][2] = {{"expert.0.0.weight", "expert.1.0.weight"},
                               {"expert.1.0.weight", "expert.2.0.weight"},
                               {"level.0.expert.0.0.0.weight", "level.0.expert.s.0.0.weight"}};
    for (int i = 0; i < 3; i++) {
        rn_model_config c = small(kinds[i]);
        rn_model *m = rn_model_new(&c);
        CHECK(m != NULL);
        if (m == NULL) continue;
        rn_tensor *a = rn_params_find(rn_model_params(m), names[i][0]);
        rn_tensor *b = rn_params_find(rn_model_params(m), names[i][1]);
        CHECK(a != NULL && b != NULL && a->n == b->n);
        double diff = 0;
        for (size_t k = 0; a != NULL && b != NULL && k < a->n; k++)
            diff += fabs((double)a->data[k] - (double)b->data[k]);
        CHECK(diff / (double)(a ? a->n : 1) > 0.05); /* Xavier draws, not copies */
        rn_model_free(m);
    }
}

/* m:gates: B x tasks x experts, each task's row a softmax (sums to 1); MoE's
 * one gate is the same for every task; views of kinds without gates. */
static void test_gates_view(void)
{
    const int kinds[4] = {RN_MODEL_MMOE, RN_MODEL_MOE, RN_MODEL_CGC, RN_MODEL_PLE};
    const int width[4] = {3, 3, 5, 5}; /* cgc, ple: 3 own + 2 shared */
    for (int i = 0; i < 4; i++) {
        rn_model_config c = small(kinds[i]);
        rn_model *m = rn_model_new(&c);
        rn_samples *b = small_rows(m);
        int shape[3], nd = 0;
        CHECK(rn_model_view(m, "gates", b, NULL, shape, &nd) == RN_OK);
        CHECK(nd == 3 && shape[0] == 10 && shape[1] == 2 && shape[2] == width[i]);
        float *g = malloc(10 * 2 * (size_t)width[i] * sizeof *g);
        CHECK(rn_model_view(m, "gates", b, g, shape, &nd) == RN_OK);
        double worst = 0, spread = 0;
        for (int r = 0; r < 10; r++)
            for (int t = 0; t < 2; t++) {
                double s = 0;
                for (int e = 0; e < width[i]; e++) {
                    float v = g[(r * 2 + t) * width[i] + e];
                    CHECK(v > 0 && v < 1);
                    s += (double)v;
                    spread += fabs((double)v - (double)g[(r * 2) * width[i] + e]); /* against task 0's row */
                }
                worst = fmax(worst, fabs(s - 1));
            }
        CHECK(worst < 1e-5);
        if (kinds[i] == RN_MODEL_MOE) CHECK(spread == 0);
        else CHECK(spread > 0); /* a gate per task */
        free(g);
        rn_samples_free(b);
        rn_model_free(m);
    }
    rn_model_config c = small(RN_MODEL_ESMM);
    rn_model *m = rn_model_new(&c);
    rn_samples *b = small_rows(m);
    int shape[3], nd;
    CHECK(rn_model_view(m, "gates", b, NULL, shape, &nd) == RN_EARG);
    CHECK_STR(rn_error(), "esmm has no view 'gates' (it has none)");
    rn_samples_free(b);
    rn_model_free(m);
}

/* H(w) in nats, and softmax of three logits, in double: the hand computation. */
static double entropy3(const double *w)
{
    double h = 0;
    for (int i = 0; i < 3; i++)
        h -= w[i] * log(w[i]);
    return h;
}

static void softmax3(const double *z, double *w)
{
    double s = exp(z[0]) + exp(z[1]) + exp(z[2]);
    for (int i = 0; i < 3; i++)
        w[i] = exp(z[i]) / s;
}

/* Gates forced by hand: task y1's gate ignores x (bias log 1, log 2, log 3:
 * weights 1/6, 2/6, 3/6 on every row); task y2's is uniform when x1 = 0 and
 * near one-hot when x1 = 1 (weight 6 on expert 1). Its per-row entropy is
 * the mean of log 3 and H(softmax(6, 0, 0)); its entropy of the mean is
 * H of the mean of the two rows' weights. */
static void test_gate_entropy(void)
{
    rn_model_config c = rn_model_defaults(RN_MODEL_MMOE);
    c.n_fields = 0, c.n_dense = 2, c.n_experts = 3;
    c.task[0].loss = c.task[1].loss = RN_LOSS_MSE;
    rn_model *m = rn_model_new(&c);
    CHECK(m != NULL);
    rn_params *ps = rn_model_params(m);
    rn_tensor *w0 = rn_params_find(ps, "gate.0.out.weight"), *b0 = rn_params_find(ps, "gate.0.out.bias");
    rn_tensor *w1 = rn_params_find(ps, "gate.1.out.weight"), *b1 = rn_params_find(ps, "gate.1.out.bias");
    CHECK(w0 != NULL && b0 != NULL && w1 != NULL && b1 != NULL && w1->n == 6);
    for (int i = 0; i < 6; i++)
        w0->data[i] = w1->data[i] = 0.0f;
    for (int i = 0; i < 3; i++)
        b0->data[i] = (float)log(i + 1.0), b1->data[i] = 0.0f;
    w1->data[0] = 6.0f; /* x1 (row 0 of the in x n weight) pushes expert 1 */
    rn_samples *b = rn_samples_new(2, 0, 2, 0, 2, 0);
    b->dense[0] = 0.0f, b->dense[1] = 0.3f; /* x2 has no weight: any value */
    b->dense[2] = 1.0f, b->dense[3] = -0.7f;
    double p0[3] = {1.0 / 6, 2.0 / 6, 3.0 / 6}, u[3] = {1.0 / 3, 1.0 / 3, 1.0 / 3}, sharp[3];
    softmax3((const double[]){6, 0, 0}, sharp);
    double mean1[3];
    for (int i = 0; i < 3; i++)
        mean1[i] = (u[i] + sharp[i]) / 2;
    double want_h[2] = {entropy3(p0), (log(3.0) + entropy3(sharp)) / 2};
    double want_hm[2] = {entropy3(p0), entropy3(mean1)};
    for (size_t bs = 1; bs <= 2; bs++) { /* one forward, or two summed */
        rn_gate_stats st;
        CHECK(rn_model_gate_stats(m, b, bs, &st) == RN_OK);
        CHECK(st.n_tasks == 2 && st.n_experts == 3);
        CHECK_NEAR(st.max_entropy, log(3.0), 1e-12);
        for (int k = 0; k < 2; k++) {
            CHECK_NEAR(st.entropy[k], want_h[k], 1e-6);
            CHECK_NEAR(st.entropy_of_mean[k], want_hm[k], 1e-6);
        }
        for (int i = 0; i < 3; i++) {
            CHECK_NEAR((double)st.mean[0][i], p0[i], 1e-6);
            CHECK_NEAR((double)st.mean[1][i], mean1[i], 1e-6);
        }
        CHECK_STR(st.expert[2], "e3");
    }
    /* in the evaluation, after the tasks' metrics */
    rn_metrics e;
    CHECK(rn_model_evaluate(m, b, 2, &e) == RN_OK);
    CHECK(e.n == 6 && strcmp(e.m[0].name, "y1.rmse") == 0);
    const rn_metric *h1 = rn_metrics_find(&e, "gate_entropy.y2");
    const rn_metric *hm1 = rn_metrics_find(&e, "gate_entropy_of_mean.y2");
    CHECK(h1 != NULL && hm1 != NULL);
    if (h1 != NULL && hm1 != NULL) {
        CHECK_NEAR(h1->value, want_h[1], 1e-6);
        CHECK_NEAR(hm1->value, want_hm[1], 1e-6);
    }
    rn_samples_free(b);
    rn_model_free(m);
    /* PLE's columns: the task's own experts, then the shared ones */
    rn_model_config pc = small(RN_MODEL_PLE);
    rn_model *p = rn_model_new(&pc);
    rn_samples *pb = small_rows(p);
    rn_gate_stats st;
    CHECK(rn_model_gate_stats(p, pb, 4, &st) == RN_OK);
    CHECK(st.n_experts == 5 && strcmp(st.expert[2], "own 3") == 0 && strcmp(st.expert[4], "shared 2") == 0);
    for (int k = 0; k < 2; k++)
        CHECK(st.entropy[k] > 0 && st.entropy[k] <= st.entropy_of_mean[k] + 1e-9 &&
              st.entropy_of_mean[k] <= log(5.0) + 1e-9); /* H is concave: H(mean) >= mean H */
    rn_samples_free(pb);
    rn_model_free(p);
    /* kinds without gates */
    rn_model_config ec = small(RN_MODEL_SHARED_BOTTOM);
    rn_model *sb = rn_model_new(&ec);
    rn_samples *sbb = small_rows(sb);
    CHECK(rn_model_gate_stats(sb, sbb, 4, &st) == RN_EARG);
    CHECK_STR(rn_error(), "shared_bottom has no gates (moe, mmoe, cgc and ple have)");
    rn_samples_free(sbb);
    rn_model_free(sb);
}

/* CGC is PLE with one level: the same draws, the same predictions. */
static void test_cgc_is_one_level_ple(void)
{
    rn_model_config a = small(RN_MODEL_CGC), p = small(RN_MODEL_PLE);
    p.n_levels = 1;
    rn_model *cgc = rn_model_new(&a), *ple = rn_model_new(&p);
    rn_samples *b = small_rows(cgc);
    float za[20], zp[20];
    CHECK(rn_model_predict(cgc, b, 4, za) == RN_OK && rn_model_predict(ple, b, 4, zp) == RN_OK);
    CHECK(memcmp(za, zp, sizeof za) == 0);
    CHECK(rn_params_size(rn_model_params(cgc)) == rn_params_size(rn_model_params(ple)));
    /* two levels: a shared gate over all 3 x 2 + 2 experts, or the 2 shared ones */
    p.n_levels = 2;
    rn_model *all = rn_model_new(&p);
    p.shared_gate = RN_SHARED_GATE_SHARED_ONLY;
    rn_model *only = rn_model_new(&p);
    CHECK(rn_params_find(rn_model_params(all), "level.0.gate.s.out.weight")->shape[1] == 8);
    CHECK(rn_params_find(rn_model_params(only), "level.0.gate.s.out.weight")->shape[1] == 2);
    CHECK(rn_params_find(rn_model_params(all), "level.1.gate.s.out.weight") == NULL);
    rn_model_free(all), rn_model_free(only);
    rn_samples_free(b);
    rn_model_free(cgc), rn_model_free(ple);
}

/* ESMM's heads keep their roles: the cvr head has no loss of its own. */
static void test_esmm_config(void)
{
    rn_model_config c = small(RN_MODEL_ESMM);
    CHECK(c.n_tasks == 3 && strcmp(c.task[1].name, "cvr") == 0 && c.task[1].label == -1 &&
          c.task[1].loss == RN_LOSS_NONE && c.task[2].label == 1);
    c.task[1].loss = RN_LOSS_BCE, c.task[1].label = 1, c.task[1].given = 0;
    CHECK(rn_model_new(&c) == NULL);
    CHECK_STR(rn_error(), "esmm: the cvr head ('cvr') has no loss of its own (loss = 'none'): "
                          "ESMM learns pCVR only through pCTCVR = pCTR x pCVR over all "
                          "impressions");
    c = small(RN_MODEL_ESMM);
    c.n_tasks = 2;
    CHECK(rn_model_new(&c) == NULL);
    c = small(RN_MODEL_LR);
    c.n_fields = 0;
    CHECK(rn_model_new(&c) == NULL);
    CHECK_STR(rn_error(), "lr: give the cardinality of at least one field (or a sparse bag: bag = n)");
    /* pCTCVR = pCTR x pCVR, a probability, whatever the towers say */
    c = small(RN_MODEL_ESMM);
    rn_model *m = rn_model_new(&c);
    rn_samples *b = small_rows(m);
    float z[30];
    CHECK(rn_model_predict(m, b, 10, z) == RN_OK);
    for (int r = 0; r < 10; r++)
        CHECK_NEAR(sigmoid(z[r * 3 + 2]), sigmoid(z[r * 3]) * sigmoid(z[r * 3 + 1]), 1e-6);
    rn_samples_free(b);
    rn_model_free(m);
}

/* Several label columns: batch column k is the k-th chosen; all in order when none. */
static void test_label_columns(void)
{
    rn_synth_funnel_config fc = rn_synth_funnel_defaults();
    fc.rows = 200;
    rn_dataset *ds = rn_synth_funnel(&fc, NULL, NULL);
    rn_data_map map;
    const char *swapped[2] = {"conversion", "click"};
    CHECK(rn_data_map_infer_labels(ds, swapped, 2, 1, &map) == RN_OK);
    CHECK(map.n_labels == 2 && map.labels[0] == 3 && map.labels[1] == 2);
    rn_samples *b = rn_samples_from_dataset(ds, &map, NULL, 0, 200);
    CHECK(b != NULL && b->n_tasks == 2);
    int ok = 1, seen = 0;
    for (size_t r = 0; b != NULL && r < b->n; r++) {
        /* a conversion only after a click: column 0 (conversion) <= column 1 (click) */
        ok &= b->labels[r * 2] <= b->labels[r * 2 + 1];
        seen += b->labels[r * 2] > 0.5f;
    }
    CHECK(ok && seen > 0);
    rn_samples_free(b);
    CHECK(rn_data_map_infer_labels(ds, NULL, 0, 1, &map) == RN_OK);
    CHECK(map.n_labels == 2 && map.labels[0] == 2 && map.labels[1] == 3 && map.n_fields == 2);
    const char *bad[2] = {"click", "clicks"};
    CHECK(rn_data_map_infer_labels(ds, bad, 2, 1, &map) == RN_EARG);
    CHECK_STR(rn_error(), "synthetic funnel: no label column 'clicks' (label columns: 'click', "
                          "'conversion')");
    const char *twice[2] = {"click", "click"};
    CHECK(rn_data_map_infer_labels(ds, twice, 2, 1, &map) == RN_EARG);
    CHECK_STR(rn_error(), "synthetic funnel: label column 'click' is chosen twice");
    const char *not_label[1] = {"user"};
    CHECK(rn_data_map_infer_labels(ds, not_label, 1, 1, &map) == RN_EARG);
    /* one label, as before: several and none chosen is an error naming them */
    CHECK(rn_data_map_infer(ds, NULL, 1, &map) == RN_EARG);
    CHECK_STR(rn_error(), "synthetic funnel: 2 label columns ('click', 'conversion'): choose one "
                          "with label = ...");
    rn_dataset_free(ds);
    /* dense features alone: the MMoE benchmark's x1..x16 */
    rn_synth_multitask_config mc = rn_synth_multitask_defaults();
    mc.rows = 50;
    ds = rn_synth_multitask(&mc);
    CHECK(rn_data_map_infer_labels(ds, NULL, 0, 1, &map) == RN_OK);
    CHECK(map.n_fields == 0 && map.n_dense == 16 && map.n_labels == 2);
    rn_dataset_free(ds);
}

/* Every new kind saves and loads with identical predictions. */
static void test_save_load_round_trip(void)
{
    const int kinds[6] = {RN_MODEL_SHARED_BOTTOM, RN_MODEL_MOE, RN_MODEL_MMOE,
                          RN_MODEL_ESMM,          RN_MODEL_CGC, RN_MODEL_PLE};
    char path[] = "/tmp/recnote-mtl-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) close(fd);
    for (int i = 0; i < 6; i++) {
        rn_model_config c = small(kinds[i]);
        if (kinds[i] == RN_MODEL_PLE) c.n_levels = 3, c.shared_gate = RN_SHARED_GATE_SHARED_ONLY;
        if (kinds[i] == RN_MODEL_MMOE) c.task[1].loss = RN_LOSS_MSE, c.task[0].weight = 2;
        rn_model *m = rn_model_new(&c);
        rn_samples *b = small_rows(m);
        CHECK(train(m, b, 3, 0.05f, 4) == RN_OK); /* moved off the initialisation */
        float z0[40], z1[40];
        CHECK(rn_model_predict(m, b, 10, z0) == RN_OK);
        CHECK(rn_model_save(m, path) == RN_OK);
        rn_model *l = rn_model_load(path);
        CHECK(l != NULL);
        if (l != NULL) {
            CHECK(rn_model_predict(l, b, 10, z1) == RN_OK);
            CHECK(memcmp(z0, z1, (size_t)(10 * c.n_tasks) * sizeof *z0) == 0);
            const rn_model_config *lc = rn_model_config_of(l);
            CHECK(lc->kind == kinds[i] && lc->n_experts == rn_model_config_of(m)->n_experts &&
                  lc->n_levels == rn_model_config_of(m)->n_levels &&
                  lc->shared_gate == rn_model_config_of(m)->shared_gate &&
                  lc->task[1].loss == c.task[1].loss);
        }
        rn_model_free(l);
        rn_samples_free(b);
        rn_model_free(m);
    }
    remove(path);
}

/* ---- the MMoE paper's synthetic benchmark ------------------------------------------------ */

/* The p experiment (Ma et al., KDD 2018, section 4.3 and Fig. 4): two
 * regression tasks whose weight vectors have cosine p, on the paper's 100
 * inputs; Shared-Bottom and MMoE with equal widths (a bottom of 128 units
 * against 8 experts of 16: the paper's equal budgets), the same towers,
 * optimizer and rows. */
enum { P_DIM = 100, P_BOTTOM = 128, P_EXPERTS = 8, P_WIDTH = 16, P_TOWER = 8, P_EPOCHS = 10 };
enum { P_SEEDS = 3 };

static rn_model_config regression_config(int kind, const rn_data_map *map)
{
    rn_model_config c = rn_model_defaults(kind);
    rn_data_map_config(map, &c);
    c.task[0].loss = c.task[1].loss = RN_LOSS_MSE;
    c.n_tower_hidden = 1, c.tower_hidden[0] = P_TOWER;
    c.n_expert_hidden = 1;
    c.expert_hidden[0] = kind == RN_MODEL_SHARED_BOTTOM ? P_BOTTOM : P_WIDTH;
    c.n_experts = P_EXPERTS;
    return c;
}

/* Mean test MSE over the two tasks of kind on the data of correlation p. */
static double task_mse(int kind, float p, uint64_t seed)
{
    rn_synth_multitask_config sc = rn_synth_multitask_defaults();
    sc.rows = 12000, sc.correlation = p, sc.seed = seed, sc.dim = P_DIM;
    rn_dataset *ds = rn_synth_multitask(&sc);
    rn_data_map map;
    double r = NAN;
    if (ds == NULL || rn_data_map_infer_labels(ds, NULL, 0, 1, &map) != RN_OK) {
        fprintf(stderr, "multitask data: %s\n", rn_error());
        rn_dataset_free(ds);
        return r;
    }
    rn_samples *tr = rows_of(ds, &map, 0, 10000), *te = rows_of(ds, &map, 10000, 2000);
    rn_model_config c = regression_config(kind, &map);
    c.seed = seed;
    rn_model *m = rn_model_new(&c);
    rn_metrics e;
    if (m != NULL && tr != NULL && te != NULL && train(m, tr, P_EPOCHS, 0.005f, 128) == RN_OK &&
        rn_model_evaluate(m, te, 1024, &e) == RN_OK) {
        double a = rn_metrics_find(&e, "y1.rmse")->value, b = rn_metrics_find(&e, "y2.rmse")->value;
        r = (a * a + b * b) / 2;
    }
    rn_model_free(m);
    rn_samples_free(tr);
    rn_samples_free(te);
    rn_dataset_free(ds);
    return r;
}

/* What holds of the paper's finding, over seeds: MMoE beats Shared-Bottom
 * at every correlation (the paper's Fig. 4), by a wide margin on average and
 * in nearly every seed (17 of 18 runs over seeds 1-6). That its advantage
 * GROWS as p falls does not hold robustly here: averaged over seeds 1-3 it
 * is 0.066, 0.043, 0.104 at p = 1, 0.5, 0; over seeds 4-6 0.071, 0.055,
 * 0.034; with other budgets (16 inputs, 4 experts of 4 units against 16)
 * it grows over seeds 1-6 and not over seeds 7-12. The table is printed so
 * that the numbers stay in view. */
static void test_mmoe_vs_shared_bottom(void)
{
    const float ps[3] = {1.0f, 0.5f, 0.0f};
    double sb[3] = {0}, mm[3] = {0};
    int wins = 0;
    for (int i = 0; i < 3; i++) {
        for (int s = 0; s < P_SEEDS; s++) {
            double a = task_mse(RN_MODEL_SHARED_BOTTOM, ps[i], 1 + (uint64_t)s);
            double b = task_mse(RN_MODEL_MMOE, ps[i], 1 + (uint64_t)s);
            printf("  p %.1f seed %d: test MSE shared_bottom %.4f mmoe %.4f\n", (double)ps[i], s + 1,
                   a, b);
            sb[i] += a / P_SEEDS, mm[i] += b / P_SEEDS;
            wins += b < a;
        }
    }
    printf("p    shared_bottom  mmoe    advantage (mean test MSE over %d seeds)\n", P_SEEDS);
    for (int i = 0; i < 3; i++)
        printf("%.1f  %.4f         %.4f  %+.4f\n", (double)ps[i], sb[i], mm[i], sb[i] - mm[i]);
    printf("mmoe wins %d of %d runs\n", wins, 3 * P_SEEDS);
    CHECK(wins >= 3 * P_SEEDS - 2);
    for (int i = 0; i < 3; i++)
        CHECK(sb[i] - mm[i] > 0.01 && mm[i] < 0.85 * sb[i]);
}

/* ---- ESMM on the funnel -------------------------------------------------------------------- */

static void test_esmm_vs_naive_cvr(void)
{
    rn_synth_funnel_config fc = rn_synth_funnel_defaults();
    fc.rows = 60000;
    fc.shared = -0.6f; /* what raises a user's or item's CTR lowers its CVR */
    size_t n_train = 50000, n_test = fc.rows - n_train;
    float *ctr = malloc(fc.rows * sizeof *ctr), *cvr = malloc(fc.rows * sizeof *cvr);
    rn_dataset *ds = rn_synth_funnel(&fc, ctr, cvr);
    CHECK(ds != NULL);
    rn_data_map map, one;
    CHECK(rn_data_map_infer_labels(ds, NULL, 0, 1, &map) == RN_OK); /* click, conversion */
    CHECK(rn_data_map_infer(ds, "conversion", 1, &one) == RN_OK);
    rn_samples *tr = rows_of(ds, &map, 0, n_train), *te = rows_of(ds, &map, n_train, n_test);
    int epochs = 5;
    /* ESMM: ctr on click, ctcvr on conversion (= click and conversion) over all impressions */
    rn_model_config c = rn_model_defaults(RN_MODEL_ESMM);
    rn_data_map_config(&map, &c);
    c.embed_dim = 8;
    rn_model *esmm = rn_model_new(&c);
    CHECK(esmm != NULL && train(esmm, tr, epochs, 0.005f, 256) == RN_OK);
    /* the conventional CVR model: the same tower on clicked impressions only */
    size_t *clicked = malloc(n_train * sizeof *clicked), n_clicked = 0;
    for (size_t r = 0; r < n_train; r++)
        if (tr->labels[r * 2] > 0.5f) clicked[n_clicked++] = r;
    rn_samples *ck = rn_samples_from_dataset(ds, &one, clicked, 0, n_clicked);
    rn_model_config n = rn_model_defaults(RN_MODEL_MLP);
    rn_data_map_config(&one, &n);
    n.embed_dim = 8;
    n.n_hidden = 2, n.hidden[0] = 64, n.hidden[1] = 32; /* ESMM's tower */
    rn_model *naive = rn_model_new(&n);
    CHECK(naive != NULL && ck != NULL && train(naive, ck, epochs, 0.005f, 256) == RN_OK);
    /* pCVR against the true CVR on the test impressions nobody clicked */
    float *ze = malloc(n_test * 3 * sizeof *ze), *zn = malloc(n_test * sizeof *zn);
    rn_samples *te_one = rn_samples_from_dataset(ds, &one, NULL, n_train, n_test);
    CHECK(rn_model_predict(esmm, te, 1024, ze) == RN_OK);
    CHECK(te_one != NULL && rn_model_predict(naive, te_one, 1024, zn) == RN_OK);
    double err_e = 0, err_n = 0, err_e_ck = 0, err_n_ck = 0, mean_true = 0;
    size_t cnt = 0, cnt_ck = 0;
    for (size_t i = 0; i < n_test; i++) {
        double t = (double)cvr[n_train + i];
        double pe = sigmoid((double)ze[i * 3 + 1]), pn = sigmoid((double)zn[i]);
        if (te->labels[i * 2] > 0.5f) {
            err_e_ck += fabs(pe - t), err_n_ck += fabs(pn - t), cnt_ck++;
            continue;
        }
        err_e += fabs(pe - t), err_n += fabs(pn - t), mean_true += t, cnt++;
    }
    err_e /= (double)cnt, err_n /= (double)cnt, mean_true /= (double)cnt;
    err_e_ck /= (double)cnt_ck, err_n_ck /= (double)cnt_ck;
    printf("esmm vs naive CVR (%zu clicked training rows): mean |pCVR - true CVR| on %zu "
           "non-clicked test impressions: esmm %.4f, naive %.4f (true CVR there %.4f); on %zu "
           "clicked: esmm %.4f, naive %.4f\n",
           n_clicked, cnt, err_e, err_n, mean_true, cnt_ck, err_e_ck, err_n_ck);
    CHECK(err_e < err_n);
    free(ze), free(zn), free(clicked), free(ctr), free(cvr);
    rn_samples_free(tr), rn_samples_free(te), rn_samples_free(ck), rn_samples_free(te_one);
    rn_model_free(esmm), rn_model_free(naive);
    rn_dataset_free(ds);
}

int main(void)
{
    RUN(test_experts_start_apart);
    RUN(test_gates_view);
    RUN(test_gate_entropy);
    RUN(test_cgc_is_one_level_ple);
    RUN(test_esmm_config);
    RUN(test_label_columns);
    RUN(test_save_load_round_trip);
    RUN(test_mmoe_vs_shared_bottom);
    RUN(test_esmm_vs_naive_cvr);
    return check_report();
}
