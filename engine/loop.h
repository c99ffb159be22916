/* The one training loop every long job goes through: epochs of shuffled
 * steps, Ctrl-C between whole steps, a NaN stop, callbacks, named metrics
 * after each epoch, and early stopping on a named metric that restores the
 * best weights. A job (the CTR models' fit, and later word2vec, ALS, DSSM)
 * supplies only its step, its evaluation and its snapshot:
 *
 *     static int step(void *self, const size_t *rows, size_t n, double *loss) { ... }
 *     rn_trainer t = {.n_rows = n, .step = step, .evaluate = eval, .self = &job};
 *     rn_loop_config c = rn_loop_defaults();  c.epochs = 3;  c.watch = "auc";
 *     rn_loop_result r;
 *     if (rn_train(&t, &c, &r) != RN_OK) puts(rn_error());
 *
 * rn_train never prints: progress reaches the caller through on_step /
 * on_epoch, which may stop training by returning 0. Between whole steps it
 * polls rn_interrupted() (interrupt.h) and returns RN_EINTR naming the step,
 * the job holding the state of the last whole step. A NaN or infinite loss
 * stops it with RN_ENAN naming the step (the step must not apply an update
 * whose loss is not finite). Same job, config and seed: the same row order.
 */
#ifndef RN_LOOP_H
#define RN_LOOP_H

#include <stddef.h>
#include <stdint.h>

#define RN_METRICS_MAX 24

/* A named metric: "auc", "ctr.auc", "recall@50", "rmse". */
typedef struct {
    char name[48]; /* "ctr.auc", "gate_entropy_of_mean.<task>" */
    double value;
} rn_metric;

typedef struct {
    int n;
    rn_metric m[RN_METRICS_MAX];
} rn_metrics;

/* Appends name = value (RN_EARG when full or the name is too long). */
int rn_metrics_add(rn_metrics *ms, const char *name, double value);

/* The metric named name, or NULL. */
const rn_metric *rn_metrics_find(const rn_metrics *ms, const char *name);

/* Whether a larger value of the metric is better (auc, gauc, recall, ndcg,
 * hit rate, mrr, accuracy) or a smaller one (loss, logloss, rmse, mse), by
 * the last part of its name. */
int rn_metric_higher_is_better(const char *name);

/* Where training is, handed to the callbacks (borrowed for the call). */
typedef struct {
    int epoch, epochs;       /* 1-based epoch, of epochs */
    size_t batch, n_batches; /* 1-based step within the epoch, of n_batches */
    long step;               /* 1-based step over the whole run */
    size_t seen, total;      /* rows trained this epoch, rows per epoch */
    float loss;              /* this step's loss */
    double epoch_loss;       /* mean loss of this epoch so far */
} rn_fit_progress;

/* A job for the loop. */
typedef struct {
    size_t n_rows; /* rows of an epoch: impressions, pairs, users, ... */
    /* One whole step on rows[0..n) (indices into the job's rows): forward,
     * backward, update. Writes the step's loss; returns RN_OK or an error. */
    int (*step)(void *self, const size_t *rows, size_t n, double *loss);
    /* After each epoch: metrics (on validation data); NULL for none. */
    int (*evaluate)(void *self, rn_metrics *out);
    /* Keeps (save = 1) or brings back (save = 0) the job's state, for early
     * stopping's best weights; NULL: the best weights are not restored. */
    int (*snapshot)(void *self, int save);
    void *self;
} rn_trainer;

typedef struct {
    int epochs;        /* >= 1 (default 1) */
    size_t batch_size; /* >= 1 (default 256) */
    uint64_t seed;     /* the row order (default 1) */
    int shuffle;       /* shuffle the rows each epoch (default 1) */
    int patience;      /* > 0: stop after this many epochs without a better `watch` */
    const char *watch; /* the metric for early stopping; NULL: the first metric evaluate gives */
    /* Called after each step / epoch; return 0 to stop training (not an error). */
    int (*on_step)(void *ud, const rn_fit_progress *p);
    int (*on_epoch)(void *ud, const rn_fit_progress *p, const rn_metrics *valid);
    void *ud;
} rn_loop_config;

enum { RN_FIT_DONE, RN_FIT_CALLBACK, RN_FIT_EARLY };

typedef struct {
    int epochs_run;
    long steps;
    int stopped;        /* RN_FIT_DONE, RN_FIT_CALLBACK (a callback returned 0), RN_FIT_EARLY */
    double last_loss;   /* mean loss of the last epoch run */
    rn_metrics valid;   /* the last evaluation (n = 0 without one) */
    int best_epoch;     /* the epoch of the best `watch` (0 without evaluation) */
    double best;        /* its value */
    int restored;       /* the best epoch's weights were brought back (early stopping) */
} rn_loop_result;

rn_loop_config rn_loop_defaults(void);

/* Runs t for c->epochs. res may be NULL. Errors: RN_EARG (bad config, a watch
 * metric evaluate does not give), the step's and evaluate's errors, RN_ENAN,
 * RN_EINTR, RN_ENOMEM. With patience > 0 and a snapshot, training that stops
 * early, or ends past its best epoch, ends with the best epoch's state. */
int rn_train(const rn_trainer *t, const rn_loop_config *c, rn_loop_result *res);

#endif
