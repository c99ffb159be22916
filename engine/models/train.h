/* Training and evaluation of a model (model.h) on in-memory rows (batch.h).
 *
 *     rn_optim *opts[2]; int n_opts;
 *     rn_model_default_optims(m, opts, &n_opts);     // or build your own groups
 *     rn_fit_config fc = rn_fit_defaults();  fc.epochs = 3;  fc.valid = test;
 *     rn_fit_result res;
 *     if (rn_model_fit(m, train, opts, n_opts, &fc, &res) != RN_OK) puts(rn_error());
 *
 * fit is a job of the one training loop (../loop.h): it never prints;
 * progress reaches the caller through on_step / on_epoch, which may stop
 * training by returning 0. Between whole steps it polls rn_interrupted()
 * (interrupt.h) and returns RN_EINTR naming the step, the model holding the
 * weights of the last whole step. A NaN or infinite loss stops it with RN_ENAN
 * naming the step, before any update from that batch. Same data, config, seed
 * and thread count: the same weights.
 */
#ifndef RN_MODELS_TRAIN_H
#define RN_MODELS_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "../loop.h"
#include "../optim.h"
#include "batch.h"
#include "model.h"

/* rn_fit_progress, rn_metrics and the loop's result come from ../loop.h. */
typedef struct {
    int epochs;              /* >= 1 (default 1) */
    size_t batch_size;       /* >= 1 (default 256) */
    uint64_t seed;           /* shuffling and dropout (default 1) */
    int shuffle;             /* shuffle the rows each epoch (default 1) */
    const rn_samples *valid; /* evaluated after each epoch, or NULL */
    int patience;            /* > 0: stop after this many epochs without a better `watch`,
                                and end with the best epoch's weights */
    const char *watch;       /* the valid metric early stopping watches (NULL: the first,
                                "auc" or the first task's "name.auc") */
    /* Called after each step / epoch; return 0 to stop training (not an error). */
    int (*on_step)(void *ud, const rn_fit_progress *p);
    int (*on_epoch)(void *ud, const rn_fit_progress *p, const rn_metrics *valid);
    void *ud;
} rn_fit_config;

typedef rn_loop_result rn_fit_result;

rn_fit_config rn_fit_defaults(void);

/* Trains m on data with the optimizers opts[0..n_opts) (each holding its group
 * of the model's parameters; together every parameter that should move).
 * res may be NULL. Errors: RN_EARG (bad config, no optimizer), the batch's
 * check (rn_model_check_batch), RN_ENAN, RN_EINTR, RN_ENOMEM. */
int rn_model_fit(rn_model *m, const rn_samples *data, rn_optim *const *opts, int n_opts,
                 const rn_fit_config *c, rn_fit_result *res);

/* Named metrics of the model's predictions on data, per task: for a BCE task
 * AUC, logloss and, when the rows carry a group column, the impression-weighted
 * group AUC; for an MSE task RMSE. A single-task model's metrics are named
 * "auc", "logloss", "gauc", "rmse"; a multi-task model's "task.auc", ... A
 * task given another is scored on the rows where that task's label is 1.
 * The gated kinds (moe, mmoe, cgc, ple) add, after the tasks' metrics,
 * "gate_entropy.<task>" and "gate_entropy_of_mean.<task>" (rn_gate_stats), so
 * each epoch of fit shows whether a gate collapses.
 * RN_EARG when a BCE task's rows hold one class only (AUC is undefined). */
int rn_model_evaluate(rn_model *m, const rn_samples *data, size_t batch_size, rn_metrics *out);

/* The paper's optimizers for m, each given its parameter group (the kind's
 * own choice: Wide & Deep gets FTRL-Proximal (alpha 0.1, beta 1, L1 l1) on
 * "wide." and AdaGrad (lr 0.05) on "deep."); by default Adam (lr) on all
 * parameters. Writes 1 or 2
 * optimizers to opts (the caller frees them) and their count to n. */
int rn_model_default_optims(rn_model *m, float lr, float l1, rn_optim **opts, int *n);

#endif
