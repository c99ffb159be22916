/* Training and evaluation of a model (model.h) on in-memory rows (batch.h).
 *
 *     rn_optim *opts[2]; int n_opts;
 *     rn_model_default_optims(m, opts, &n_opts);     // or build your own groups
 *     rn_fit_config fc = rn_fit_defaults();  fc.epochs = 3;  fc.valid = test;
 *     rn_fit_result res;
 *     if (rn_model_fit(m, train, opts, n_opts, &fc, &res) != RN_OK) puts(rn_error());
 *
 * fit never prints: progress reaches the caller through on_step / on_epoch,
 * which may stop training by returning 0. Between whole steps it polls
 * rn_interrupted() (interrupt.h) and returns RN_EINTR naming the step, the
 * model holding the weights of the last whole step. A NaN or infinite loss
 * stops it with RN_ENAN naming the step, before any update from that batch.
 * Same data, config, seed and thread count: the same weights.
 */
#ifndef RN_MODELS_TRAIN_H
#define RN_MODELS_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "../optim.h"
#include "batch.h"
#include "model.h"

/* Where training is, handed to the callbacks (borrowed for the call). */
typedef struct {
    int epoch, epochs;       /* 1-based epoch, of epochs */
    size_t batch, n_batches; /* 1-based batch within the epoch, of n_batches */
    long step;               /* 1-based step over the whole fit */
    size_t seen, total;      /* rows trained this epoch, rows per epoch */
    float loss;              /* this step's loss */
    double epoch_loss;       /* mean loss of this epoch so far */
} rn_fit_progress;

/* Metrics of an evaluation: AUC, logloss and, when the rows carry a group
 * column, the impression-weighted group AUC (has_gauc). */
typedef struct {
    double auc, logloss, gauc;
    int has_gauc;
    size_t n;
} rn_eval;

typedef struct {
    int epochs;              /* >= 1 (default 1) */
    size_t batch_size;       /* >= 1 (default 256) */
    uint64_t seed;           /* shuffling and dropout (default 1) */
    int shuffle;             /* shuffle the rows each epoch (default 1) */
    const rn_samples *valid; /* evaluated after each epoch, or NULL */
    int patience;            /* > 0: stop after this many epochs without a better valid AUC */
    /* Called after each step / epoch; return 0 to stop training (not an error). */
    int (*on_step)(void *ud, const rn_fit_progress *p);
    int (*on_epoch)(void *ud, const rn_fit_progress *p, const rn_eval *valid);
    void *ud;
} rn_fit_config;

enum { RN_FIT_DONE, RN_FIT_CALLBACK, RN_FIT_EARLY };

typedef struct {
    int epochs_run;
    long steps;
    int stopped;      /* RN_FIT_DONE, RN_FIT_CALLBACK (a callback returned 0), RN_FIT_EARLY */
    double last_loss; /* mean loss of the last epoch run */
    rn_eval valid;    /* the last validation, when valid was given */
    int best_epoch;   /* the epoch of the best valid AUC (0 without valid) */
} rn_fit_result;

rn_fit_config rn_fit_defaults(void);

/* Trains m on data with the optimizers opts[0..n_opts) (each holding its group
 * of the model's parameters; together every parameter that should move).
 * res may be NULL. Errors: RN_EARG (bad config, no optimizer), the batch's
 * check (rn_model_check_batch), RN_ENAN, RN_EINTR, RN_ENOMEM. */
int rn_model_fit(rn_model *m, const rn_samples *data, rn_optim *const *opts, int n_opts,
                 const rn_fit_config *c, rn_fit_result *res);

/* AUC, logloss (and gAUC) of the model's predictions on data. RN_EARG when
 * data holds one class only (AUC is undefined). */
int rn_model_evaluate(rn_model *m, const rn_samples *data, size_t batch_size, rn_eval *out);

/* The paper's optimizers for m, each given its parameter group: Wide & Deep
 * gets FTRL-Proximal (alpha 0.1, beta 1, L1 l1) on "wide." and AdaGrad (lr
 * 0.05) on "deep."; every other kind Adam (lr) on all parameters. Writes 1 or 2
 * optimizers to opts (the caller frees them) and their count to n. */
int rn_model_default_optims(rn_model *m, float lr, float l1, rn_optim **opts, int *n);

#endif
