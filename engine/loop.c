/* The one training loop (loop.h): shuffled epochs of whole steps, Ctrl-C,
 * NaN, callbacks, named metrics and early stopping with the best weights. */
#include "loop.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "interrupt.h"
#include "rng.h"

int rn_metrics_add(rn_metrics *ms, const char *name, double value)
{
    if (ms->n >= RN_METRICS_MAX) return rn_fail(RN_EARG, "metrics: more than %d", RN_METRICS_MAX);
    if (strlen(name) >= sizeof ms->m[0].name)
        return rn_fail(RN_EARG, "metrics: the name '%s' is too long", name);
    snprintf(ms->m[ms->n].name, sizeof ms->m[0].name, "%s", name);
    ms->m[ms->n].value = value;
    ms->n++;
    return RN_OK;
}

const rn_metric *rn_metrics_find(const rn_metrics *ms, const char *name)
{
    for (int i = 0; name != NULL && i < ms->n; i++)
        if (strcmp(ms->m[i].name, name) == 0) return &ms->m[i];
    return NULL;
}

int rn_metric_higher_is_better(const char *name)
{
    const char *dot = strrchr(name, '.');
    const char *base = dot != NULL ? dot + 1 : name;
    static const char *const lower[] = {"loss", "logloss", "rmse", "mse", "mae", NULL};
    for (int i = 0; lower[i] != NULL; i++)
        if (strcmp(base, lower[i]) == 0) return 0;
    return 1;
}

rn_loop_config rn_loop_defaults(void)
{
    rn_loop_config c;
    memset(&c, 0, sizeof c);
    c.epochs = 1;
    c.batch_size = 256;
    c.seed = 1;
    c.shuffle = 1;
    return c;
}

/* Early stopping's bookkeeping after an evaluation: whether the epoch is the
 * best so far (and its state kept), and whether patience has run out. */
static int watch_epoch(const rn_trainer *t, const rn_loop_config *c, const rn_metrics *ev, int e,
                       rn_loop_result *r, int *since_best, int *stop)
{
    const rn_metric *w = c->watch != NULL ? rn_metrics_find(ev, c->watch)
                                          : (ev->n > 0 ? &ev->m[0] : NULL);
    if (w == NULL) {
        if (c->watch == NULL) return RN_OK; /* nothing to watch */
        char have[256] = "";
        for (int i = 0; i < ev->n; i++)
            snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", i ? ", " : "",
                     ev->m[i].name);
        return rn_fail(RN_EARG, "fit: the metric to watch, '%s', is not evaluated (%s)", c->watch,
                       have[0] ? have : "no metrics: give validation data");
    }
    int up = rn_metric_higher_is_better(w->name);
    int better = r->best_epoch == 0 || (up ? w->value > r->best : w->value < r->best);
    if (better) {
        r->best = w->value;
        r->best_epoch = e;
        *since_best = 0;
        if (c->patience > 0 && t->snapshot != NULL) return t->snapshot(t->self, 1);
    } else if (c->patience > 0 && ++*since_best >= c->patience) {
        *stop = 1;
    }
    return RN_OK;
}

int rn_train(const rn_trainer *t, const rn_loop_config *c, rn_loop_result *res)
{
    rn_loop_result r;
    memset(&r, 0, sizeof r);
    if (res != NULL) *res = r;
    if (t == NULL || t->step == NULL) return rn_fail(RN_EARG, "fit: no step to train");
    if (c == NULL || c->epochs < 1) return rn_fail(RN_EARG, "fit: epochs must be at least 1");
    if (c->batch_size < 1 || c->batch_size > (1u << 24))
        return rn_fail(RN_EARG, "fit: batch size must be in 1..16777216, got %zu", c->batch_size);
    if (c->patience < 0) return rn_fail(RN_EARG, "fit: patience must be >= 0, got %d", c->patience);
    if (t->n_rows == 0) return rn_fail(RN_EARG, "fit: no training rows");

    size_t n = t->n_rows, bs = c->batch_size < n ? c->batch_size : n;
    size_t *rows = rn_malloc(n * sizeof *rows, "fit row order");
    if (rows == NULL) return rn_error_code();
    for (size_t i = 0; i < n; i++)
        rows[i] = i;
    rn_rng shuffle;
    rn_rng_seed(&shuffle, c->seed ^ 0x5eedf00dull);
    int rc = RN_OK, since_best = 0;
    rn_fit_progress p;
    memset(&p, 0, sizeof p);
    p.epochs = c->epochs;
    p.total = n;
    p.n_batches = (n + bs - 1) / bs;
    for (int e = 1; e <= c->epochs && r.stopped == RN_FIT_DONE; e++) {
        if (c->shuffle)
            for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
                size_t j = (size_t)rn_rng_below(&shuffle, (uint64_t)i + 1), tmp = rows[i];
                rows[i] = rows[j];
                rows[j] = tmp;
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
            double lv = 0;
            if ((rc = t->step(t->self, rows + start, cnt, &lv)) != RN_OK) {
                if (rc == RN_ENAN)
                    rn_fail(RN_ENAN,
                            "fit: the loss is %s at step %ld (epoch %d, batch %zu); the model "
                            "keeps the weights of step %ld",
                            isnan(lv) ? "NaN" : "infinite", r.steps + 1, e, bi + 1, r.steps);
                goto done;
            }
            r.steps++;
            sum += lv * (double)cnt;
            p.batch = bi + 1;
            p.step = r.steps;
            p.seen += cnt;
            p.loss = (float)lv;
            p.epoch_loss = sum / (double)p.seen;
            if (c->on_step != NULL && !c->on_step(c->ud, &p)) {
                r.stopped = RN_FIT_CALLBACK;
                break;
            }
        }
        r.epochs_run = e;
        r.last_loss = p.seen > 0 ? sum / (double)p.seen : 0;
        rn_metrics ev;
        memset(&ev, 0, sizeof ev);
        int have = 0;
        if (t->evaluate != NULL) {
            if ((rc = t->evaluate(t->self, &ev)) != RN_OK) {
                if (rc == RN_EINTR) { /* Ctrl-C in the validation pass (it polls too) */
                    char where[96];
                    snprintf(where, sizeof where,
                             "fit's validation after epoch %d (the model keeps step %ld)", e,
                             r.steps);
                    rc = rn_interrupt_fail(where);
                }
                goto done;
            }
            have = 1;
            r.valid = ev;
            int stop = 0;
            if ((rc = watch_epoch(t, c, &ev, e, &r, &since_best, &stop)) != RN_OK) goto done;
            if (stop && r.stopped == RN_FIT_DONE) r.stopped = RN_FIT_EARLY;
        }
        if (c->on_epoch != NULL && !c->on_epoch(c->ud, &p, have ? &ev : NULL) &&
            r.stopped == RN_FIT_DONE)
            r.stopped = RN_FIT_CALLBACK;
    }
    /* early stopping ends with the best epoch's weights */
    if (c->patience > 0 && t->snapshot != NULL && r.best_epoch > 0 &&
        r.best_epoch < r.epochs_run) {
        if ((rc = t->snapshot(t->self, 0)) == RN_OK) r.restored = 1;
    }
done:
    rn_free(rows);
    if (res != NULL) *res = r;
    return rc;
}
