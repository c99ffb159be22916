/* The model interface of the second half of the zoo: tasks and label columns
 * (the review's two-task probe), the one config table and its per-kind rule,
 * named views, named metrics, and early stopping that restores the best
 * weights (engine/models/model.h, config.h, train.h, engine/loop.h). */
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "loop.h"
#include "models/config.h"
#include "models/model.h"
#include "models/synth.h"
#include "models/train.h"
#include "optim.h"

/* The review's probe: 1000 rows, one field of 3 values; label column 0
 * always 1, column 1 always 0. */
static rn_samples *two_label_rows(void)
{
    rn_samples *b = rn_samples_new(1000, 1, 0, 0, 2, 0);
    for (size_t i = 0; i < 1000; i++) {
        b->sparse[i] = (int32_t)(i % 3);
        b->labels[2 * i] = 1.0f;
        b->labels[2 * i + 1] = 0.0f;
    }
    return b;
}

static rn_model *lr3(int task_label, int loss)
{
    rn_model_config c = rn_model_defaults(RN_MODEL_LR);
    c.n_fields = 1;
    c.cardinality[0] = 3;
    c.task[0].label = task_label;
    c.task[0].loss = loss;
    return rn_model_new(&c);
}

static int train(rn_model *m, const rn_samples *b, float lr, int epochs)
{
    rn_optim_config oc = rn_optim_defaults(RN_ADAM);
    oc.lr = lr;
    rn_optim *o = rn_optim_new(&oc);
    rn_optim_add(o, rn_model_params(m), "");
    rn_fit_config fc = rn_fit_defaults();
    fc.epochs = epochs;
    fc.batch_size = 100;
    int rc = rn_model_fit(m, b, &o, 1, &fc, NULL);
    rn_optim_free(o);
    return rc;
}

static void test_two_task_probe(void)
{
    rn_samples *b = two_label_rows();
    /* a one-task model refuses a two-column batch instead of mixing the columns */
    rn_model *m = lr3(0, RN_LOSS_BCE);
    CHECK(train(m, b, 0.1f, 1) == RN_ESHAPE);
    CHECK(strstr(rn_error(), "the batch has 2 label columns, the model's tasks read 1") != NULL);
    rn_model_free(m);
    /* told to read column 2 (1 in C), it learns that column: logits well below 0 */
    m = lr3(1, RN_LOSS_BCE);
    CHECK(rn_model_label_columns(m) == 2);
    CHECK(train(m, b, 0.1f, 3) == RN_OK);
    float z[3];
    rn_samples v = rn_samples_view(b, 0, 3);
    CHECK(rn_model_predict(m, &v, 3, z) == RN_OK);
    for (int i = 0; i < 3; i++)
        CHECK(z[i] < -3.0f);
    rn_model_free(m);
    rn_samples_free(b);
    /* BCE labels outside [0, 1] are refused, naming the row */
    b = rn_samples_new(4, 1, 0, 0, 1, 0);
    b->labels[2] = 2.0f;
    m = lr3(0, RN_LOSS_BCE);
    CHECK(train(m, b, 0.1f, 1) == RN_EARG);
    CHECK(strstr(rn_error(), "lr: row 2: label 2 of task 'click' is not in [0, 1]") != NULL);
    rn_model_free(m);
    rn_samples_free(b);
}

/* LR with an MSE task is linear regression: y = 2 [field = 1] - 1 + noise-free. */
static void test_mse_task(void)
{
    rn_samples *b = rn_samples_new(600, 1, 1, 0, 1, 0);
    for (size_t i = 0; i < 600; i++) {
        b->sparse[i] = (int32_t)(i % 2);
        b->dense[i] = (float)(i % 5) / 5.0f;
        b->labels[i] = 2.0f * (float)(i % 2) - 1.0f + 3.0f * b->dense[i];
    }
    rn_model_config c = rn_model_defaults(RN_MODEL_LR);
    c.n_fields = 1, c.cardinality[0] = 2, c.n_dense = 1;
    c.task[0].loss = RN_LOSS_MSE;
    snprintf(c.task[0].name, sizeof c.task[0].name, "rating");
    rn_model *m = rn_model_new(&c);
    CHECK(m != NULL);
    CHECK(train(m, b, 0.05f, 60) == RN_OK);
    rn_metrics ev;
    CHECK(rn_model_evaluate(m, b, 128, &ev) == RN_OK);
    const rn_metric *rmse = rn_metrics_find(&ev, "rmse");
    CHECK(rmse != NULL && ev.n == 1);
    printf("linear regression through an MSE task: rmse %.5f\n", rmse ? rmse->value : -1);
    CHECK(rmse != NULL && rmse->value < 0.02);
    rn_model_free(m);
    rn_samples_free(b);
}

static void test_config_table(void)
{
    size_t n;
    const rn_config_key *keys = rn_model_config_keys(&n);
    CHECK(n >= 20);
    /* every key has a doc line, a reader, and a default in its own range */
    for (size_t i = 0; i < n; i++) {
        CHECK(keys[i].doc != NULL && strlen(keys[i].doc) > 10);
        CHECK(keys[i].kinds != 0);
    }
    for (int k = 0; k < RN_MODEL_N_KINDS; k++) {
        rn_model_config c = rn_model_defaults(k);
        c.n_fields = 2, c.cardinality[0] = 5, c.cardinality[1] = 5;
        if (k == RN_MODEL_DIN || k == RN_MODEL_DIEN) c.seq_len = 3, c.seq_field = 0;
        rn_model *m = rn_model_new(&c);
        if (m == NULL) fprintf(stderr, "%s: %s\n", rn_model_kind_name(k), rn_error());
        CHECK(m != NULL);
        rn_model_free(m);
    }
    /* the probe: an lr given gru = agru and hidden = {10} holds neither (the Lua
     * constructor refuses them: tests/models/test_models.lua) */
    rn_model_config c = rn_model_defaults(RN_MODEL_LR);
    c.n_fields = 1, c.cardinality[0] = 3;
    c.gru = RN_GRU_AGRU;
    c.n_hidden = 1, c.hidden[0] = 10;
    rn_model *lr = rn_model_new(&c);
    CHECK(lr != NULL);
    CHECK(rn_model_config_of(lr)->gru == RN_GRU_AUGRU && rn_model_config_of(lr)->n_hidden == 2);
    char *js = rn_model_config_json(rn_model_config_of(lr));
    CHECK(js != NULL && strstr(js, "gru") == NULL && strstr(js, "hidden") == NULL &&
          strstr(js, "embed_dim") == NULL && strstr(js, "\"tasks\"") != NULL);
    free(js);
    rn_model_free(lr);
    char who[160];
    rn_config_key_readers(rn_config_key_find("hidden"), who, sizeof who);
    CHECK_STR(who, "mlp, wide_deep, deepfm, din, dien");
    c = rn_model_defaults(RN_MODEL_FM);
    c.n_fields = 1, c.cardinality[0] = 3;
    c.embed_dim = 0;
    CHECK(rn_model_new(&c) == NULL);
    CHECK_STR(rn_error(), "fm: embed_dim must be in 1..1024, got 0");
    /* a single-head kind takes one task */
    c = rn_model_defaults(RN_MODEL_FM);
    c.n_fields = 1, c.cardinality[0] = 3;
    c.n_tasks = 2;
    c.task[1] = c.task[0];
    snprintf(c.task[1].name, sizeof c.task[1].name, "buy");
    CHECK(rn_model_new(&c) == NULL);
    CHECK_STR(rn_error(), "fm has 1 head, not 2 tasks");
    /* formats for help */
    char buf[128];
    c = rn_model_defaults(RN_MODEL_DIN);
    rn_config_key_format(rn_config_key_find("hidden"), &c, buf, sizeof buf);
    CHECK_STR(buf, "{64, 32}");
    rn_config_key_format(rn_config_key_find("activation"), &c, buf, sizeof buf);
    CHECK_STR(buf, "'dice'");
    rn_config_key_format(rn_config_key_find("tasks"), &c, buf, sizeof buf);
    CHECK_STR(buf, "{{name = 'click', label = 1, loss = 'bce', weight = 1}}");
}

static void test_config_json(void)
{
    rn_model_config c = rn_model_defaults(RN_MODEL_WIDE_DEEP);
    c.n_fields = 3, c.cardinality[0] = 4, c.cardinality[1] = 5, c.cardinality[2] = 6;
    c.n_crosses = 1, c.cross[0][0] = 0, c.cross[0][1] = 2;
    c.seed = 18446744073709551615ull;
    c.task[0].loss = RN_LOSS_MSE;
    char *js = rn_model_config_json(&c);
    CHECK(js != NULL);
    rn_model_config back;
    CHECK(rn_model_config_parse(js, &back) == RN_OK);
    size_t n;
    const rn_config_key *keys = rn_model_config_keys(&n);
    for (size_t i = 0; i < n; i++)
        CHECK(rn_config_key_equal(&keys[i], &c, &back));
    CHECK(back.seed == c.seed);
    free(js);
    /* a file of the first half of the zoo (no "tasks"): the defaults */
    const char *old = "{\"kind\":\"fm\",\"n_fields\":2,\"cardinality\":[3,4],\"n_dense\":0,"
                      "\"seq_len\":0,\"seq_field\":-1,\"embed_dim\":4,\"hidden\":[64,32],"
                      "\"activation\":\"relu\",\"bn\":false,\"dropout\":0,\"l2_embed\":0,"
                      "\"bn_momentum\":0.1,\"dice_eps\":1e-08,\"init_std\":0.05,\"seed\":\"42\","
                      "\"crosses\":[],\"cross_buckets\":1000,\"att_hidden\":[80,40],"
                      "\"att_activation\":\"dice\",\"attention\":\"none\",\"gru\":\"augru\","
                      "\"aux_weight\":1}";
    CHECK(rn_model_config_parse(old, &back) == RN_OK);
    CHECK(back.n_tasks == 1 && strcmp(back.task[0].name, "click") == 0);
    CHECK(back.embed_dim == 4 && back.cardinality[1] == 4);
    rn_model *m = rn_model_new(&back);
    CHECK(m != NULL);
    rn_model_free(m);
    CHECK(rn_model_config_parse("{\"kind\":\"fm\",\"cardinality\":[3],\"gru_x\":1}", &back) ==
          RN_EPARSE);
    CHECK_STR(rn_error(), "model config: unknown key 'gru_x'");
    CHECK(rn_model_config_parse("{\"kind\":\"fm\",\"n_fields\":2,\"cardinality\":[3]}", &back) ==
          RN_EPARSE);
    CHECK_STR(rn_error(), "model config: 'cardinality' has 1 entries for 2 fields");
}

static void test_metrics_names(void)
{
    rn_metrics ms;
    memset(&ms, 0, sizeof ms);
    CHECK(rn_metrics_add(&ms, "ctr.auc", 0.7) == RN_OK);
    CHECK(rn_metrics_add(&ms, "recall@50", 0.2) == RN_OK);
    CHECK(rn_metrics_find(&ms, "recall@50")->value == 0.2);
    CHECK(rn_metrics_find(&ms, "auc") == NULL);
    CHECK(rn_metric_higher_is_better("ctr.auc"));
    CHECK(rn_metric_higher_is_better("recall@50"));
    CHECK(!rn_metric_higher_is_better("cvr.logloss"));
    CHECK(!rn_metric_higher_is_better("rmse"));
}

/* Early stopping watches a named metric and ends with the best epoch's weights. */
static int n_epochs_seen;
static double logloss_by_epoch[16];
static int on_epoch(void *ud, const rn_fit_progress *p, const rn_metrics *valid)
{
    (void)ud;
    const rn_metric *ll = rn_metrics_find(valid, "logloss");
    if (ll != NULL && p->epoch < 16) logloss_by_epoch[p->epoch] = ll->value;
    n_epochs_seen = p->epoch;
    return 1;
}

static void test_early_stop_restores(void)
{
    rn_synth_ctr_config sc = rn_synth_ctr_defaults();
    sc.rows = 3000;
    rn_samples *all = rn_synth_ctr(&sc);
    rn_samples train = rn_samples_view(all, 0, 300), valid = rn_samples_view(all, 300, 2700);
    rn_model_config c = rn_model_defaults(RN_MODEL_FM);
    c.n_fields = sc.n_fields;
    for (int f = 0; f < c.n_fields; f++)
        c.cardinality[f] = sc.cardinality;
    c.embed_dim = 16;
    rn_model *m = rn_model_new(&c);
    rn_optim_config oc = rn_optim_defaults(RN_ADAM);
    oc.lr = 0.05f; /* 300 rows and a large lr: it overfits within a few epochs */
    rn_optim *o = rn_optim_new(&oc);
    rn_optim_add(o, rn_model_params(m), "");
    rn_fit_config fc = rn_fit_defaults();
    fc.epochs = 15, fc.batch_size = 50, fc.valid = &valid, fc.patience = 3;
    fc.watch = "logloss";
    fc.on_epoch = on_epoch;
    rn_fit_result res;
    CHECK(rn_model_fit(m, &train, &o, 1, &fc, &res) == RN_OK);
    printf("early stop on logloss: best epoch %d of %d run (%.4f), restored %d\n", res.best_epoch,
           res.epochs_run, res.best, res.restored);
    CHECK(res.stopped == RN_FIT_EARLY);
    CHECK(res.best_epoch >= 1 && res.best_epoch < res.epochs_run);
    CHECK(res.restored);
    CHECK(res.epochs_run == res.best_epoch + 3);
    CHECK_NEAR(res.best, logloss_by_epoch[res.best_epoch], 1e-12);
    /* the model now holds the best epoch's weights: its valid logloss is the best */
    rn_metrics ev;
    CHECK(rn_model_evaluate(m, &valid, 256, &ev) == RN_OK);
    CHECK_NEAR(rn_metrics_find(&ev, "logloss")->value, res.best, 1e-9);
    CHECK(rn_metrics_find(&ev, "logloss")->value < logloss_by_epoch[res.epochs_run]);
    /* watching a metric that is not evaluated is an error naming what there is */
    fc.watch = "recall@50";
    CHECK(rn_model_fit(m, &train, &o, 1, &fc, NULL) == RN_EARG);
    CHECK_STR(rn_error(), "fit: the metric to watch, 'recall@50', is not evaluated (auc, logloss, "
                          "gauc)");
    rn_optim_free(o);
    rn_model_free(m);
    rn_samples_free(all);
}

int main(void)
{
    RUN(test_two_task_probe);
    RUN(test_mse_task);
    RUN(test_config_table);
    RUN(test_config_json);
    RUN(test_metrics_names);
    RUN(test_early_stop_restores);
    return check_report();
}
