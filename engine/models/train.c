/* Training loop, evaluation and default optimizers (train.h). */
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../alloc.h"
#include "../error.h"
#include "../interrupt.h"
#include "../metrics.h"
#include "internal.h"

rn_fit_config rn_fit_defaults(void)
{
    rn_fit_config c;
    memset(&c, 0, sizeof c);
    c.epochs = 1;
    c.batch_size = 256;
    c.seed = 1;
    c.shuffle = 1;
    return c;
}

int rn_model_evaluate(rn_model *m, const rn_samples *data, size_t batch_size, rn_eval *out)
{
    memset(out, 0, sizeof *out);
    if (data == NULL || data->n == 0) return rn_fail(RN_EARG, "evaluate: no rows");
    if (data->n_tasks != 1)
        return rn_fail(RN_EARG, "evaluate: %d label columns; these models predict one",
                       data->n_tasks);
    float *z = rn_malloc(data->n * sizeof *z, "evaluate logits");
    if (z == NULL) return RN_ENOMEM;
    int rc = rn_model_predict(m, data, batch_size, z);
    if (rc == RN_OK) rc = rn_auc(data->labels, z, data->n, &out->auc);
    if (rc == RN_OK) rc = rn_logloss_logits(data->labels, z, data->n, &out->logloss);
    if (rc == RN_OK && data->group != NULL) {
        rn_gauc_result gr;
        /* a set where no group has both classes has no gAUC: not an error */
        if (rn_gauc(data->labels, z, data->group, data->n, 1, &gr) == RN_OK) {
            out->gauc = gr.value;
            out->has_gauc = 1;
        } else {
            rn_error_clear();
        }
    }
    out->n = data->n;
    rn_free(z);
    return rc;
}

int rn_model_fit(rn_model *m, const rn_samples *data, rn_optim *const *opts, int n_opts,
                 const rn_fit_config *c, rn_fit_result *res)
{
    rn_fit_result r;
    memset(&r, 0, sizeof r);
    if (res != NULL) *res = r;
    if (c == NULL || c->epochs < 1) return rn_fail(RN_EARG, "fit: epochs must be at least 1");
    if (c->batch_size < 1 || c->batch_size > (1u << 24))
        return rn_fail(RN_EARG, "fit: batch size must be in 1..16777216, got %zu", c->batch_size);
    if (n_opts < 1 || opts == NULL) return rn_fail(RN_EARG, "fit: no optimizer given");
    for (int i = 0; i < n_opts; i++)
        if (opts[i] == NULL) return rn_fail(RN_EARG, "fit: optimizer %d is NULL", i + 1);
    if (data == NULL || data->n == 0) return rn_fail(RN_EARG, "fit: no training rows");
    int rc = rn_model_check_batch(m, data);
    if (rc == RN_OK && c->valid != NULL) rc = rn_model_check_batch(m, c->valid);
    if (rc != RN_OK) return rc;

    size_t n = data->n, bs = c->batch_size < n ? c->batch_size : n;
    size_t *rows = rn_malloc(n * sizeof *rows, "fit row order");
    rn_samples *batch =
        rn_samples_new(bs, data->n_fields, data->n_dense, data->seq_len, data->n_tasks, 0);
    rn_graph *g = rn_graph_new(c->seed);
    if (rows == NULL || batch == NULL || g == NULL) {
        rc = rn_error_code() != RN_OK ? rn_error_code() : RN_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        rows[i] = i;
    rn_rng shuffle;
    rn_rng_seed(&shuffle, c->seed ^ 0x5eedf00dull);
    rn_params_zero_grad(m->ps);
    double best = -1;
    int since_best = 0;
    rn_fit_progress p;
    memset(&p, 0, sizeof p);
    p.epochs = c->epochs;
    p.total = n;
    p.n_batches = (n + bs - 1) / bs;
    for (int e = 1; e <= c->epochs && r.stopped == RN_FIT_DONE; e++) {
        if (c->shuffle)
            for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
                size_t j = (size_t)rn_rng_below(&shuffle, (uint64_t)i + 1), t = rows[i];
                rows[i] = rows[j];
                rows[j] = t;
            }
        p.epoch = e;
        p.seen = 0;
        p.epoch_loss = 0;
        double sum = 0;
        for (size_t bi = 0; bi < p.n_batches; bi++) {
            if (rn_interrupted()) {
                char where[96];
                snprintf(where, sizeof where,
                         "fit at epoch %d, step %ld (the model keeps step %ld)", e, r.steps + 1,
                         r.steps);
                rc = rn_interrupt_fail(where);
                goto done;
            }
            size_t start = bi * bs, cnt = n - start < bs ? n - start : bs;
            if ((rc = rn_samples_gather(batch, data, rows + start, cnt)) != RN_OK) goto done;
            rn_tensor *loss = rn_model_loss(m, g, batch, NULL);
            if (loss == NULL) {
                rc = rn_error_code() != RN_OK ? rn_error_code() : RN_ESTATE;
                goto done;
            }
            float lv = loss->data[0];
            if (!isfinite(lv)) {
                rc = rn_fail(RN_ENAN,
                             "fit: the loss is %s at step %ld (epoch %d, batch %zu); the model "
                             "keeps the weights of step %ld",
                             isnan(lv) ? "NaN" : "infinite", r.steps + 1, e, bi + 1, r.steps);
                goto done;
            }
            if ((rc = rn_backward(g, loss)) != RN_OK) goto done;
            for (int k = 0; k < n_opts; k++)
                if ((rc = rn_optim_step(opts[k])) != RN_OK) goto done;
            rn_params_zero_grad(m->ps);
            rn_graph_reset(g);
            r.steps++;
            sum += (double)lv * (double)cnt;
            p.batch = bi + 1;
            p.step = r.steps;
            p.seen += cnt;
            p.loss = lv;
            p.epoch_loss = sum / (double)p.seen;
            if (c->on_step != NULL && !c->on_step(c->ud, &p)) {
                r.stopped = RN_FIT_CALLBACK;
                break;
            }
        }
        r.epochs_run = e;
        r.last_loss = p.seen > 0 ? sum / (double)p.seen : 0;
        rn_eval ev;
        memset(&ev, 0, sizeof ev);
        if (c->valid != NULL) {
            if ((rc = rn_model_evaluate(m, c->valid, bs, &ev)) != RN_OK) goto done;
            r.valid = ev;
            if (ev.auc > best) {
                best = ev.auc;
                r.best_epoch = e;
                since_best = 0;
            } else if (c->patience > 0 && ++since_best >= c->patience && r.stopped == RN_FIT_DONE) {
                r.stopped = RN_FIT_EARLY;
            }
        }
        if (c->on_epoch != NULL && !c->on_epoch(c->ud, &p, c->valid != NULL ? &ev : NULL) &&
            r.stopped == RN_FIT_DONE)
            r.stopped = RN_FIT_CALLBACK;
    }
done:
    if (g != NULL) rn_params_zero_grad(m->ps);
    rn_graph_free(g);
    rn_samples_free(batch);
    rn_free(rows);
    if (res != NULL) *res = r;
    return rc;
}

int rn_model_default_optims(rn_model *m, float lr, float l1, rn_optim **opts, int *n)
{
    *n = 0;
    if (m->cfg.kind == RN_MODEL_WIDE_DEEP) {
        rn_optim_config w = rn_optim_defaults(RN_FTRL);
        w.l1 = l1;
        rn_optim_config d = rn_optim_defaults(RN_ADAGRAD);
        d.lr = 0.05f;
        opts[0] = rn_optim_new(&w);
        opts[1] = rn_optim_new(&d);
        if (opts[0] == NULL || opts[1] == NULL || rn_optim_add(opts[0], m->ps, "wide.") != RN_OK ||
            rn_optim_add(opts[1], m->ps, "deep.") != RN_OK) {
            int rc = rn_error_code();
            rn_optim_free(opts[0]);
            rn_optim_free(opts[1]);
            return rc;
        }
        *n = 2;
        return RN_OK;
    }
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
