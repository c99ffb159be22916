/* The shared layers a sibling family may build on (ARCHITECTURE.md: engine/retrieval/
 * includes only this header of models/): the MLP of layers.c, made of engine
 * ops, with its parameters in any rn_params. */
#ifndef RN_MODELS_LAYERS_H
#define RN_MODELS_LAYERS_H

#include "model.h"

#include "../ops.h"

/* ---- the MLP layer (layers.c) --------------------------------------------------
 *
 * Linear layers in -> hidden[0] -> ... -> hidden[n-1], each followed by
 * optional batch norm, the activation and optional dropout, then (when out > 0)
 * a last linear layer to out units with nothing after it. Parameters under
 * prefix: prefix.N.weight (in x out), .bias, .gamma, .beta (bn), .alpha (prelu,
 * dice); buffers prefix.N.running_mean / running_var (bn) and
 * prefix.N.dice_mean / dice_var (dice); the last layer prefix.out.*. */
typedef struct {
    rn_tensor *w, *b, *gamma, *beta, *bn_mean, *bn_var, *alpha, *dice_mean, *dice_var;
} rn__dense;

typedef struct {
    int n;       /* hidden layers */
    int in, out; /* input width; output units of the last layer (0: none) */
    int width[RN_MODEL_MAX_LAYERS];
    int act, bn;
    float dropout, momentum, eps;
    rn__dense layer[RN_MODEL_MAX_LAYERS];
    rn__dense last;
} rn__mlp;

/* Builds the layers' parameters in ps and buffers in bufs, initialised from g:
 * each linear layer by init (RN_INIT_TORCH: weight and bias U(+-1/sqrt(fan_in)),
 * PyTorch's nn.Linear; RN_INIT_XAVIER: Glorot uniform weights, zero biases),
 * PReLU/Dice alpha 0.25, BN gamma 1 and beta 0. */
int rn__mlp_init(rn__mlp *mlp, rn_params *ps, rn_params *bufs, const char *prefix, int in,
                 int n_hidden, const int *hidden, int out, int act, int bn, float dropout,
                 float momentum, float eps, int init, rn_rng *g);

/* x (N x in) -> (N x out), or (N x hidden[n-1]) when out == 0. */
rn_tensor *rn__mlp_forward(rn__mlp *mlp, rn_graph *g, rn_tensor *x);
/* The same from the first layer's pre-activation x W0 + b0, computed by the
 * caller (DIN's activation unit computes it by parts); x is then unused. */
rn_tensor *rn__mlp_forward_pre(rn__mlp *mlp, rn_graph *g, rn_tensor *x, rn_tensor *pre0);

#endif
