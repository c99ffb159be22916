/* Optimizers: SGD (momentum, Nesterov), AdaGrad, Adam, AdamW and
 * FTRL-Proximal, with L2, gradient clipping and learning-rate schedules.
 *
 * An optimizer updates the parameters it was given: rn_optim_add takes every
 * parameter of a set whose name starts with a prefix, so a model gives its
 * wide part FTRL and its deep part AdaGrad with two optimizers:
 *
 *     rn_optim_config c = rn_optim_defaults(RN_FTRL);  c.l1 = 1.0f;
 *     rn_optim *wide = rn_optim_new(&c);   rn_optim_add(wide, ps, "wide.");
 *     rn_optim_config d = rn_optim_defaults(RN_ADAGRAD);  d.lr = 0.05f;
 *     rn_optim *deep = rn_optim_new(&d);   rn_optim_add(deep, ps, "deep.");
 *     ... rn_backward(g, loss); rn_optim_step(wide); rn_optim_step(deep);
 *     rn_params_zero_grad(ps); rn_graph_reset(g);
 *
 * Sparse embedding tables (rn_param_table) are updated lazily: only the rows
 * the batch touched change, and only their optimizer state moves (as
 * TensorFlow's LazyAdam; L2 and AdamW decay also touch only those rows).
 * The state (moments, accumulators) is allocated by rn_optim_add, so a step
 * allocates nothing.
 */
#ifndef RN_OPTIM_H
#define RN_OPTIM_H

#include "tensor.h"

enum { RN_SGD, RN_ADAGRAD, RN_ADAM, RN_ADAMW, RN_FTRL };

enum { RN_LR_CONSTANT, RN_LR_LINEAR, RN_LR_STEP, RN_LR_COSINE };

/* The learning rate at 0-based step t: a linear warm-up from lr/warmup to lr
 * over the first warmup steps, then
 *   constant  lr
 *   linear    lr -> min_lr linearly over the steps up to total
 *   step      lr * gamma^floor((t - warmup) / step_size)
 *   cosine    min_lr + (lr - min_lr) (1 + cos(pi p)) / 2,  p = (t - warmup) / (total - warmup)
 * (after total, linear and cosine stay at min_lr). */
typedef struct {
    int kind;    /* RN_LR_* */
    long warmup; /* warm-up steps, 0 for none */
    long total;  /* linear, cosine: the step where min_lr is reached */
    long step_size;
    float gamma; /* step: the factor every step_size steps */
    float min_lr;
} rn_schedule;

float rn_schedule_lr(const rn_schedule *s, float lr, long t);

typedef struct {
    int kind;                  /* RN_SGD, ... */
    float lr;                  /* learning rate (FTRL: alpha) */
    float momentum;            /* SGD: 0 for plain SGD */
    int nesterov;              /* SGD with momentum: Nesterov's variant */
    float beta1, beta2;        /* Adam, AdamW: 0.9, 0.999 */
    float eps;                 /* Adam, AdamW: 1e-8; AdaGrad: 1e-10 */
    float initial_accumulator; /* AdaGrad: 0 (PyTorch's default) */
    float weight_decay; /* L2 added to the gradient (SGD, AdaGrad, Adam); decoupled in AdamW */
    float beta, l1, l2; /* FTRL-Proximal: beta 1, L1 and L2 strengths */
    float clip_norm;    /* > 0: scale gradients so their global L2 norm is at most this */
    rn_schedule schedule;
} rn_optim_config;

/* Defaults for kind: PyTorch's (lr 0.01 for SGD/AdaGrad, 1e-3 for Adam/AdamW
 * with weight_decay 0.01 for AdamW) and FTRL's alpha 0.1, beta 1. */
rn_optim_config rn_optim_defaults(int kind);

typedef struct rn_optim rn_optim;

/* A new optimizer with no parameters. Caller frees with rn_optim_free. NULL
 * with RN_EARG naming a bad setting (lr <= 0, beta1 outside [0, 1), ...). */
rn_optim *rn_optim_new(const rn_optim_config *cfg);
void rn_optim_free(rn_optim *o);

/* Adds every parameter of ps whose name starts with prefix (NULL or "" for
 * all) and allocates its state. Borrows the parameters: ps must outlive o.
 * RN_EARG when nothing matches or a parameter was already added. */
int rn_optim_add(rn_optim *o, rn_params *ps, const char *prefix);

/* Adds one persistent tensor that has a gradient (not an arena tensor). */
int rn_optim_add_tensor(rn_optim *o, rn_tensor *t);

/* One update of every parameter from its gradient (touched rows only for
 * sparse tables). RN_ENAN, naming the parameter and step, if a gradient is
 * not finite; nothing is updated then. Does not zero the gradients. */
int rn_optim_step(rn_optim *o);

/* Zeroes the gradients of this optimizer's parameters. */
void rn_optim_zero_grad(rn_optim *o);

/* The learning rate the next step will use, and the steps taken so far. */
float rn_optim_lr(const rn_optim *o);
long rn_optim_steps(const rn_optim *o);

/* The global gradient norm measured by the last step (before clipping). */
float rn_optim_last_norm(const rn_optim *o);

/* The number of parameters held. */
size_t rn_optim_count(const rn_optim *o);

/* The kind's name: "sgd", "adagrad", "adam", "adamw", "ftrl". */
const char *rn_optim_name(int kind);

#endif
