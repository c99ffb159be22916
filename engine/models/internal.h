/* Internals shared by the model files (engine/models/ *.c): the model struct,
 * the MLP layer, and the per-kind table. Not part of the API (model.h is). */
#ifndef RN_MODELS_INTERNAL_H
#define RN_MODELS_INTERNAL_H

#include "model.h"

#include "../ops.h"
#include "../optim.h"

#include "layers.h"

/* Describe rows for the MLP's layers. */
void rn__mlp_describe(rn_model *m, const rn__mlp *mlp, const char *prefix, const char *rows);

/* ---- the model ------------------------------------------------------------------- */

typedef struct rn__kind rn__kind;

struct rn_model {
    rn_model_config cfg;
    const rn__kind *kind;
    rn_params *ps, *bufs;
    int offset[RN_MODEL_MAX_FIELDS]; /* first row of each field in the embedding tables */
    int rows;                        /* sum of cardinalities, the sparse bag's included */
    int bag_offset;                  /* first row of the sparse bag in the tables */
    int n_seq;                       /* behaviour features per history position (0: none) */
    int seq_fields[RN_SEQ_MAX_FEATURES]; /* the field each shares its embedding rows with */
    int seq_col[RN_SEQ_MAX_FEATURES]; /* the batch's feature each reads (set per forward) */
    int seq_stride;                   /* the batch's features per position (set per forward) */
    rn_tensor *table;                /* the field embedding table (rows x D) m:embeddings reads,
                                        or NULL: set by the kind's build */

    /* describe rows (grown) */
    rn_layer_info *layers;
    int n_layers, cap_layers, layers_oom;

    /* scratch ids (grown to the largest batch; copied into the arena by ops) */
    int32_t *ids;
    size_t ids_cap;

    /* the L2 term of the forward in progress: the looked-up embeddings (arena), grown */
    rn_tensor **reg;
    int n_reg, cap_reg;

    void *state; /* the kind's own struct (kind->state_size bytes, zeroed), freed with the model */
};

/* What a kind provides. Adding a model means a file with one of these, a row
 * in model.c's kinds[] and its keys' bits in config.c: no shared code tests
 * a kind. */
struct rn__kind {
    const char *name;
    int needs_seq;     /* a behaviour sequence is required (seq_len >= 1) */
    int dense_alone;   /* may read dense features alone (n_fields 0, n_dense >= 1) */
    int max_tasks;     /* heads it can have */
    size_t state_size; /* its state struct */
    void (*defaults)(rn_model_config *c); /* changes to the table's defaults, or NULL */
    int (*check)(const rn_model_config *c); /* checks beyond the table's, or NULL */
    int (*build)(rn_model *m, rn_rng *g);   /* fills m->state, m->table and describe rows */
    /* one logit per task into out->logit, out->extra, and out->view[] when out->want_views */
    int (*forward)(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *out);
    const char *const *views; /* names, NULL-terminated, or NULL */
    /* the label of column j of the "gates" view ("e1", "own 1", "shared 1"), or NULL */
    void (*gate_label)(const rn_model_config *c, int j, char *buf, size_t size);
    /* the paper's optimizers (NULL: Adam at lr on every parameter) */
    int (*optims)(rn_model *m, float lr, float l1, rn_optim **opts, int *n);
};

extern const rn__kind rn__lr, rn__fm, rn__mlp_model, rn__wide_deep, rn__deepfm, rn__din, rn__dien;
extern const rn__kind rn__shared_bottom, rn__moe, rn__mmoe, rn__esmm, rn__cgc, rn__ple;
extern const rn__kind rn__ffm;

/* The table's defaults into c (config.c), before a kind's own. */
void rn__config_table_defaults(rn_model_config *c);

/* The first-order term's parameters: prefix.weight (rows x 1, sparse, zeros),
 * prefix.dense (n_dense x 1), prefix.bias. */
typedef struct {
    rn_tensor *w, *dense, *bias;
} rn__linear;
int rn__linear_build(rn_model *m, rn__linear *lin, const char *prefix, rn_rng *g);

/* The first-order term bias + sum_f w[id_f] + dense . w_dense (B x 1). */
rn_tensor *rn__linear_term(rn_model *m, rn_graph *g, const rn_samples *b, const rn__linear *lin);

/* FM's field vectors: embed.weight (rows x D) and, with dense features,
 * embed.dense (n_dense x D) (fm.c; shared with DeepFM). */
typedef struct {
    rn_tensor *table, *dense;
} rn__fm_vecs;
int rn__fm_build_vectors(rn_model *m, rn__fm_vecs *v, rn_rng *g);

/* Field vectors for FM: the field embeddings (B x F x D), followed when
 * n_dense > 0 by x_j * v_j of each dense feature (B x (F + n_dense) x D). */
rn_tensor *rn__fm_vectors(rn_model *m, rn_graph *g, const rn_samples *b, rn_tensor *emb,
                          const rn__fm_vecs *v);

/* Masked attention weights (B x T) from scores (B x T) by mode RN_ATT_* (din.c;
 * DIEN uses the softmax): exactly 0 at padding. D scales the scaled softmax. */
rn_tensor *rn__attention_weights(rn_graph *g, const rn_samples *b, rn_tensor *scores, int mode,
                                 int D);

/* Adds a describe row (name, kind, output shape); the parameter count is
 * summed over the parameters named name or starting with name + "." at
 * describe time. */
void rn__layer(rn_model *m, const char *name, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Set by rn_model_load while it builds the model it then fills from the file:
 * the random starts below are skipped (every tensor is read over anyway), so a
 * load costs no draws over a million-row table. */
extern _Thread_local int rn__loading;

/* Random starts that rn__loading skips: normal(0, std) and uniform(lo, hi). */
void rn__init_normal(rn_tensor *t, rn_rng *g, float std);
void rn__init_uniform(rn_tensor *t, rn_rng *g, float lo, float hi);

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

/* The sparse bag's vectors scaled by their values, x_i v_i (B x L x D, L the
 * batch's bag_len), from table rows after bag_offset. */
rn_tensor *rn__bag_embed(rn_model *m, rn_graph *g, rn_tensor *table, const rn_samples *b);

/* The sequence's embeddings (B x T x S D): at each position the S = m->n_seq
 * behaviour features' embeddings side by side (item, category, ...), each
 * from table rows of its field (m->seq_fields), one lookup for them all.
 * Only real positions count in the L2 term. */
rn_tensor *rn__seq_embed(rn_model *m, rn_graph *g, rn_tensor *table, const rn_samples *b);

/* The candidate as the history's query (B x S D): the embeddings of the fields
 * the behaviour features share, in the same order, sliced from the field
 * embeddings emb (B x F x D). */
rn_tensor *rn__seq_query(rn_model *m, rn_graph *g, rn_tensor *emb);

/* The width of a history position's embedding, S D (0 without a sequence). */
int rn__seq_width(const rn_model *m);

/* The batch's dense features (B x n_dense) and mask (B x T) as graph tensors
 * (the arena keeps a copy), or NULL. */
rn_tensor *rn__dense_input(rn_graph *g, const rn_samples *b);
rn_tensor *rn__mask_input(rn_graph *g, const rn_samples *b);

/* The MLP's input: the flattened field embeddings (B x F D), extra (B x E)
 * when not NULL, and the dense features. */
rn_tensor *rn__stack(rn_model *m, rn_graph *g, const rn_samples *b, rn_tensor *emb,
                     rn_tensor *extra);

/* ---- multi-task pieces (heads.c) ------------------------------------------------
 *
 * The shared input of the multi-task kinds, experts, softmax gates and towers.
 * Every piece is an rn__mlp drawn from the generator in turn, so n experts
 * start from n independent draws (never copies: identical experts receive
 * identical gradients and stay one expert). */

/* The shared input's width: F D + n_dense. */
int rn__mt_input_width(const rn_model_config *c);

/* The shared embedding table "embed.weight" (m->table), or none when the model
 * reads dense features alone (n_fields 0). */
int rn__mt_embed_build(rn_model *m, rn_tensor **table, rn_rng *g);

/* The shared input (B x (F D + n_dense)): the flattened field embeddings from
 * table (NULL when n_fields is 0) and the dense features. */
rn_tensor *rn__mt_input(rn_model *m, rn_graph *g, const rn_samples *b, rn_tensor *table);

/* n experts named prefix.first .. prefix.(first + n - 1), each an MLP in ->
 * expert_hidden (the config's activation, bn, dropout), with nothing after its
 * last hidden layer: the expert's output is B x expert_hidden[last]. */
int rn__experts_init(rn_model *m, rn__mlp *experts, const char *prefix, int n, int in,
                     rn_rng *g);

/* The outputs of n experts on x, each B x H, into outs[0..n). */
void rn__experts_forward(rn__mlp *experts, int n, rn_graph *g, rn_tensor *x, rn_tensor **outs);

/* Stacks n tensors of B x H into B x n x H. */
rn_tensor *rn__stack_experts(rn_graph *g, int n, rn_tensor *const *outs);

/* A gate over n experts: one linear layer name.out (in -> n), its softmax the weights. */
int rn__gate_init(rn_model *m, rn__mlp *gate, const char *name, int in, int n, rn_rng *g);

/* softmax(x W + b) over the experts: B x n. */
rn_tensor *rn__gate_forward(rn__mlp *gate, rn_graph *g, rn_tensor *x);

/* The mixture sum_i w_i E_i: w (B x n), E (B x n x H) -> B x H. */
rn_tensor *rn__mix(rn_graph *g, rn_tensor *w, rn_tensor *E);

/* A task's tower name (in -> tower_hidden -> 1): its head's logit. */
int rn__tower_init(rn_model *m, rn__mlp *tower, const char *name, int in, rn_rng *g);

/* n towers "tower.0" .. "tower.<n-1>" on input width in, with their describe rows. */
int rn__towers_init(rn_model *m, rn__mlp *towers, int n, int in, rn_rng *g);

/* The multi-task kinds' default tasks: "y1" and "y2", BCE on label columns 1 and 2. */
void rn__default_two_tasks(rn_model_config *c);

/* The check of the kinds with experts: expert_hidden has a width (RN_EARG). */
int rn__check_experts(const rn_model_config *c);

/* Stacks the tasks' gate weights (each B x n) into the "gates" view B x T x n. */
rn_tensor *rn__gates_view(rn_graph *g, int n_tasks, rn_tensor *const *w);

#endif
