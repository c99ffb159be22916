/* The CTR models' body of the one training loop (train.h on ../loop.h): a
 * step gathers the chosen rows, forwards, and updates; evaluation gives each
 * task's named metrics; a snapshot keeps the best epoch's weights. */
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../alloc.h"
#include "../error.h"
#include "../metrics.h"
#include "internal.h"

rn_fit_config rn_fit_defaults(void)
{
    rn_loop_config l = rn_loop_defaults();
    rn_fit_config c;
    memset(&c, 0, sizeof c);
    c.epochs = l.epochs;
    c.batch_size = l.batch_size;
    c.seed = l.seed;
    c.shuffle = l.shuffle;
    return c;
}

/* ---- evaluate --------------------------------------------------------------------- */

/* name.what, or what alone for a single-task model. */
static int add_metric(rn_metrics *out, const rn_model *m, int k, const char *what, double v)
{
    char name[sizeof out->m[0].name];
    if (m->cfg.n_tasks == 1)
        snprintf(name, sizeof name, "%s", what);
    else
        snprintf(name, sizeof name, "%s.%s", m->cfg.task[k].name, what);
    return rn_metrics_add(out, name, v);
}

/* One task's metrics from the outputs z (n x T) on data. */
static int task_metrics(const rn_model *m, int k, const rn_samples *data, const float *z,
                        rn_metrics *out)
{
    const rn_task *t = &m->cfg.task[k];
    size_t n = data->n, T = (size_t)m->cfg.n_tasks, W = (size_t)data->n_tasks;
    float *y = rn_malloc(n * sizeof *y, "evaluate labels"), *s = rn_malloc(n * sizeof *s, "evaluate scores");
    int64_t *grp = data->group != NULL ? rn_malloc(n * sizeof *grp, "evaluate groups") : NULL;
    int rc = y != NULL && s != NULL && (data->group == NULL || grp != NULL) ? RN_OK : RN_ENOMEM;
    size_t cnt = 0;
    for (size_t r = 0; rc == RN_OK && r < n; r++) {
        if (t->given >= 0 &&
            data->labels[r * W + (size_t)m->cfg.task[t->given].label] < 0.5f)
            continue;
        y[cnt] = data->labels[r * W + (size_t)t->label];
        s[cnt] = z[r * T + (size_t)k];
        if (grp != NULL) grp[cnt] = data->group[r];
        cnt++;
    }
    if (rc == RN_OK && cnt == 0)
        rc = rn_fail(RN_EARG, "evaluate: task '%s' has no row to score", t->name);
    if (rc == RN_OK && t->loss == RN_LOSS_MSE) {
        double se = 0;
        for (size_t i = 0; i < cnt; i++)
            se += ((double)s[i] - (double)y[i]) * ((double)s[i] - (double)y[i]);
        rc = add_metric(out, m, k, "rmse", sqrt(se / (double)cnt));
    } else if (rc == RN_OK) {
        double auc = 0, ll = 0;
        rc = rn_auc(y, s, cnt, &auc);
        if (rc == RN_OK) rc = rn_logloss_logits(y, s, cnt, &ll);
        if (rc == RN_OK) rc = add_metric(out, m, k, "auc", auc);
        if (rc == RN_OK) rc = add_metric(out, m, k, "logloss", ll);
        if (rc == RN_OK && grp != NULL) {
            rn_gauc_result gr;
            /* a set where no group has both classes has no gAUC: not an error */
            if (rn_gauc(y, s, grp, cnt, 1, &gr) == RN_OK)
                rc = add_metric(out, m, k, "gauc", gr.value);
            else
                rn_error_clear();
        }
    }
    rn_free(y);
    rn_free(s);
    rn_free(grp);
    return rc;
}

/* The gated kinds' gate entropies per task (gates.c): "gate_entropy.<task>",
 * the mean over rows of each row's gate entropy, and
 * "gate_entropy_of_mean.<task>", the entropy of the batch-mean gate. */
static int gate_metrics(rn_model *m, const rn_samples *data, size_t batch_size, rn_metrics *out)
{
    rn_gate_stats st;
    int rc = rn_model_gate_stats(m, data, batch_size, &st);
    for (int k = 0; rc == RN_OK && k < st.n_tasks; k++) {
        char name[sizeof out->m[0].name];
        snprintf(name, sizeof name, "gate_entropy.%s", m->cfg.task[k].name);
        rc = rn_metrics_add(out, name, st.entropy[k]);
    }
    for (int k = 0; rc == RN_OK && k < st.n_tasks; k++) {
        char name[sizeof out->m[0].name];
        snprintf(name, sizeof name, "gate_entropy_of_mean.%s", m->cfg.task[k].name);
        rc = rn_metrics_add(out, name, st.entropy_of_mean[k]);
    }
    return rc;
}

int rn_model_evaluate(rn_model *m, const rn_samples *data, size_t batch_size, rn_metrics *out)
{
    memset(out, 0, sizeof *out);
    if (data == NULL || data->n == 0) return rn_fail(RN_EARG, "evaluate: no rows");
    if (rn_model_check_batch(m, data) != RN_OK) return rn_error_code();
    size_t T = (size_t)m->cfg.n_tasks;
    float *z = rn_malloc(data->n * T * sizeof *z, "evaluate outputs");
    if (z == NULL) return RN_ENOMEM;
    int rc = rn_model_predict(m, data, batch_size, z);
    for (int k = 0; rc == RN_OK && k < m->cfg.n_tasks; k++)
        if (m->cfg.task[k].label >= 0) rc = task_metrics(m, k, data, z, out);
    rn_free(z);
    if (rc == RN_OK && rn_model_has_gates(m)) rc = gate_metrics(m, data, batch_size, out);
    return rc;
}

/* ---- fit: the loop's job ------------------------------------------------------------- */

typedef struct {
    rn_model *m;
    const rn_samples *data, *valid;
    rn_optim *const *opts;
    int n_opts;
    size_t eval_batch;
    rn_samples *batch;
    rn_graph *g;
    float *best; /* the best epoch's parameters and buffers, or NULL */
} fit_job;

static int fit_step(void *self, const size_t *rows, size_t n, double *loss)
{
    fit_job *j = self;
    int rc = rn_samples_gather(j->batch, j->data, rows, n);
    if (rc != RN_OK) return rc;
    rn_tensor *l = rn_model_loss(j->m, j->g, j->batch, NULL);
    if (l == NULL) {
        rc = rn_error_code() != RN_OK ? rn_error_code() : RN_ESTATE;
        rn_graph_reset(j->g);
        return rc;
    }
    float lv = l->data[0];
    *loss = (double)lv;
    if (!isfinite(lv)) { /* before any update from this batch */
        rn_graph_reset(j->g);
        return RN_ENAN;
    }
    if ((rc = rn_backward(j->g, l)) == RN_OK)
        for (int k = 0; k < j->n_opts && rc == RN_OK; k++)
            rc = rn_optim_step(j->opts[k]);
    rn_params_zero_grad(j->m->ps);
    rn_graph_reset(j->g);
    return rc;
}

static int fit_evaluate(void *self, rn_metrics *out)
{
    fit_job *j = self;
    return rn_model_evaluate(j->m, j->valid, j->eval_batch, out);
}

/* The parameters and buffers, back to back, into or out of j->best. */
static int fit_snapshot(void *self, int save)
{
    fit_job *j = self;
    rn_params *sets[2] = {j->m->ps, j->m->bufs};
    if (j->best == NULL) {
        if (!save) return RN_OK;
        size_t total = rn_params_size(j->m->ps) + rn_params_size(j->m->bufs);
        if ((j->best = rn_malloc(total * sizeof *j->best, "fit: the best weights")) == NULL)
            return rn_error_code();
    }
    float *p = j->best;
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < rn_params_count(sets[s]); i++) {
            rn_tensor *t = rn_params_at(sets[s], i);
            if (save)
                memcpy(p, t->data, t->n * sizeof *p);
            else
                memcpy(t->data, p, t->n * sizeof *p);
            p += t->n;
        }
    return RN_OK;
}

int rn_model_fit(rn_model *m, const rn_samples *data, rn_optim *const *opts, int n_opts,
                 const rn_fit_config *c, rn_fit_result *res)
{
    if (res != NULL) memset(res, 0, sizeof *res);
    if (c == NULL) return rn_fail(RN_EARG, "fit: no config");
    if (n_opts < 1 || opts == NULL) return rn_fail(RN_EARG, "fit: no optimizer given");
    for (int i = 0; i < n_opts; i++)
        if (opts[i] == NULL) return rn_fail(RN_EARG, "fit: optimizer %d is NULL", i + 1);
    if (data == NULL || data->n == 0) return rn_fail(RN_EARG, "fit: no training rows");
    if (c->batch_size < 1 || c->batch_size > (1u << 24))
        return rn_fail(RN_EARG, "fit: batch size must be in 1..16777216, got %zu", c->batch_size);
    int rc = rn_model_check_batch(m, data);
    if (rc == RN_OK && c->valid != NULL) rc = rn_model_check_batch(m, c->valid);
    if (rc != RN_OK) return rc;

    fit_job j;
    memset(&j, 0, sizeof j);
    j.m = m;
    j.data = data;
    j.valid = c->valid;
    j.opts = opts;
    j.n_opts = n_opts;
    size_t bs = c->batch_size < data->n ? c->batch_size : data->n;
    j.eval_batch = bs;
    j.batch = rn_samples_new(bs, data->n_fields, data->n_dense, data->seq_len, data->n_tasks, 0);
    j.g = rn_graph_new(c->seed);
    if (j.batch == NULL || j.g == NULL) {
        rc = rn_error_code() != RN_OK ? rn_error_code() : RN_ENOMEM;
    } else {
        rn_params_zero_grad(m->ps);
        rn_trainer t = {.n_rows = data->n,
                        .step = fit_step,
                        .evaluate = c->valid != NULL ? fit_evaluate : NULL,
                        .snapshot = fit_snapshot,
                        .self = &j};
        rn_loop_config lc = rn_loop_defaults();
        lc.epochs = c->epochs;
        lc.batch_size = c->batch_size;
        lc.seed = c->seed;
        lc.shuffle = c->shuffle;
        lc.patience = c->patience;
        lc.watch = c->watch;
        lc.on_step = c->on_step;
        lc.on_epoch = c->on_epoch;
        lc.ud = c->ud;
        rc = rn_train(&t, &lc, res);
        rn_params_zero_grad(m->ps);
    }
    rn_graph_free(j.g);
    rn_samples_free(j.batch);
    rn_free(j.best);
    return rc;
}

int rn_model_default_optims(rn_model *m, float lr, float l1, rn_optim **opts, int *n)
{
    *n = 0;
    if (m->kind->optims != NULL) return m->kind->optims(m, lr, l1, opts, n);
    rn_optim_config a = rn_optim_defaults(RN_ADAM);
    a.lr = lr;
    opts[0] = rn_optim_new(&a);
    if (opts[0] == NULL) return rn_error_code();
    if (rn_optim_add(opts[0], m->ps, "") != RN_OK) {
        int rc = rn_error_code();
        rn_optim_free(opts[0]);
        return rc;
    }
    *n = 1;
    return RN_OK;
}
