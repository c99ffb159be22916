/* Internals shared by the model files (engine/models/ *.c): the model struct,
 * the MLP layer, and the per-kind table. Not part of the API (model.h is). */
#ifndef RN_MODELS_INTERNAL_H
#define RN_MODELS_INTERNAL_H

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

/* Builds the layers' parameters in ps and buffers in bufs, initialised from g
 * (Xavier uniform weights, zero biases, PReLU/Dice alpha 0.25, gamma 1). */
int rn__mlp_init(rn__mlp *mlp, rn_params *ps, rn_params *bufs, const char *prefix, int in,
                 int n_hidden, const int *hidden, int out, int act, int bn, float dropout,
                 float momentum, float eps, rn_rng *g);

/* x (N x in) -> (N x out), or (N x hidden[n-1]) when out == 0. */
rn_tensor *rn__mlp_forward(rn__mlp *mlp, rn_graph *g, rn_tensor *x);

/* Describe rows for the MLP's layers. */
void rn__mlp_describe(rn_model *m, const rn__mlp *mlp, const char *prefix, const char *rows);

/* ---- the model ------------------------------------------------------------------- */

typedef struct rn__kind rn__kind;

struct rn_model {
    rn_model_config cfg;
    const rn__kind *kind;
    rn_params *ps, *bufs;
    int offset[RN_MODEL_MAX_FIELDS]; /* first row of each field in the embedding tables */
    int rows;                        /* sum of cardinalities */
    int n_layers;
    rn_layer_info layers[48];

    /* scratch ids (grown to the largest batch; copied into the arena by ops) */
    int32_t *ids;
    size_t ids_cap;

    /* the L2 term of the last forward: the looked-up embeddings (arena) */
    rn_tensor *reg[4];
    int n_reg;
    /* DIEN's auxiliary loss of the last forward (arena), or NULL */
    rn_tensor *aux;
    /* the attention weights (B x T) of the last forward (arena), or NULL */
    rn_tensor *att;
    /* the pairwise contributions' field vectors (B x F' x D) of the last forward */
    rn_tensor *fm_v;

    /* per-kind state */
    rn_tensor *embed, *embed_dense;        /* embed.weight (rows x D), embed.dense */
    rn_tensor *lin, *lin_dense, *lin_bias; /* linear.* or wide.* */
    rn_tensor *cross;                      /* wide.cross */
    rn_tensor *gru_wih, *gru_whh, *gru_bih, *gru_bhh;
    rn_tensor *evo_wih, *evo_whh, *evo_bih, *evo_bhh;
    rn_tensor *att_w; /* DIEN's bilinear attention (H x D) */
    rn__mlp deep, att_mlp;
};

struct rn__kind {
    const char *name;
    int (*build)(rn_model *m, rn_rng *g);
    rn_tensor *(*forward)(rn_model *m, rn_graph *g, const rn_samples *b);
};

extern const rn__kind rn__lr, rn__fm, rn__mlp_model, rn__wide_deep, rn__deepfm, rn__din, rn__dien;

/* Masked attention weights (B x T) from scores (B x T) by mode RN_ATT_* (din.c;
 * DIEN uses the softmax): exactly 0 at padding. D scales the scaled softmax. */
rn_tensor *rn__attention_weights(rn_graph *g, const rn_samples *b, rn_tensor *scores, int mode,
                                 int D);

/* FM's field vectors embed.weight and embed.dense (fm.c; shared with DeepFM). */
int rn__fm_build_vectors(rn_model *m, rn_rng *g);

/* Adds a describe row (name, kind, output shape); the parameter count is
 * summed over the parameters named name or starting with name + "." at
 * describe time. */
void rn__layer(rn_model *m, const char *name, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A parameter (zeros) / sparse table (normal(0, init_std)) / buffer, or NULL. */
rn_tensor *rn__param(rn_model *m, const char *name, int ndim, const int *shape);
rn_tensor *rn__table(rn_model *m, const char *name, int rows, int dim, rn_rng *g);
rn_tensor *rn__buffer(rn_model *m, const char *name, int n, float value);

/* Scratch ids of n entries (grown as needed), or NULL with RN_ENOMEM. */
int32_t *rn__scratch_ids(rn_model *m, size_t n);

/* The field embeddings of b (B x F x D) from table (one lookup; the ids are
 * shifted by each field's offset), or NULL on the graph's error. Records the
 * result for the L2 term. */
rn_tensor *rn__field_embed(rn_model *m, rn_graph *g, rn_tensor *table, const rn_samples *b);

/* The sequence's embeddings (B x T x D) from table rows of seq_field. */
rn_tensor *rn__seq_embed(rn_model *m, rn_graph *g, rn_tensor *table, const rn_samples *b);

/* The first-order term bias + sum_f w[id_f] + dense . w_dense (B x 1). */
rn_tensor *rn__linear_term(rn_model *m, rn_graph *g, const rn_samples *b, rn_tensor *w,
                           rn_tensor *w_dense, rn_tensor *bias);

/* Field vectors for FM: the field embeddings (B x F x D), followed when
 * n_dense > 0 by x_j * v_j of each dense feature (B x (F + n_dense) x D). */
rn_tensor *rn__fm_vectors(rn_model *m, rn_graph *g, const rn_samples *b, rn_tensor *emb);

/* The batch's dense features (B x n_dense) and mask (B x T) as graph tensors
 * (the arena keeps a copy), or NULL. */
rn_tensor *rn__dense_input(rn_graph *g, const rn_samples *b);
rn_tensor *rn__mask_input(rn_graph *g, const rn_samples *b);

/* The MLP's input: the flattened field embeddings (B x F D), extra (B x E)
 * when not NULL, and the dense features. */
rn_tensor *rn__stack(rn_model *m, rn_graph *g, const rn_samples *b, rn_tensor *emb,
                     rn_tensor *extra);

#endif
