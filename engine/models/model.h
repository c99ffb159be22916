/* The CTR model zoo: one interface for LR, FM, Embedding+MLP, Wide & Deep,
 * DeepFM, DIN and DIEN, and the multi-task models Shared-Bottom, MoE, MMoE,
 * ESMM, CGC and PLE.
 *
 * A model is built from a config struct (rn_model_defaults fills a kind's
 * defaults; change what you need), holds named parameters ("deep.0.weight")
 * and buffers (batch-norm and Dice running statistics), forwards a batch
 * (batch.h) to one logit per row and task on an autograd graph, and shows
 * what a teacher wants to see: FM's pairwise contributions, DIN's and DIEN's
 * attention per history item, Dice's running mean and variance (buffers).
 *
 *     rn_model_config c = rn_model_defaults(RN_MODEL_DEEPFM);
 *     c.n_fields = 3;  c.cardinality[0] = 10; c.cardinality[1] = 20; c.cardinality[2] = 5;
 *     rn_model *m = rn_model_new(&c);                  // NULL + rn_error() on a bad config
 *     rn_graph *g = rn_graph_new(1);
 *     rn_tensor *loss = rn_model_loss(m, g, batch, NULL);
 *     rn_backward(g, loss); rn_optim_step(opt); rn_params_zero_grad(rn_model_params(m));
 *
 * Fields: every model reads n_fields categorical fields (one id each), n_dense
 * dense features and, for the sequence models (Embedding+MLP with sum
 * pooling, DIN, DIEN), a behaviour sequence whose items share the embedding
 * rows of field seq_field (the candidate item). All field embeddings live in
 * one table, "embed.weight" (sum of cardinalities x embed_dim), field f's rows
 * starting at the sum of the cardinalities before it, so a batch is one
 * lookup and the optimizer touches only the rows the batch used.
 *
 * Parameter names, by kind (prefixes make the groups of per-group optimizers):
 *   lr         linear.weight (rows x 1, sparse), linear.dense, linear.bias
 *   fm         linear.*, embed.weight, embed.dense (n_dense x D)
 *   mlp        embed.weight, deep.N.{weight,bias,gamma,beta,alpha}, deep.out.*
 *   wide_deep  wide.{weight,cross,dense,bias}, deep.embed.weight, deep.N.*, deep.out.*
 *   deepfm     linear.*, embed.*, deep.N.*, deep.out.*
 *   din        embed.weight, att.N.*, att.out.*, deep.N.*, deep.out.*
 *   dien       embed.weight, gru.*, evo.*, att.weight, deep.N.*, deep.out.*
 *   shared_bottom  embed.weight, bottom.N.*, tower.K.{N,out}.*   (K: the task's index)
 *   moe, mmoe  embed.weight, expert.E.N.*, gate.K.out.* (moe: gate.0 only), tower.K.*
 *   esmm       embed.weight, tower.0.* (ctr), tower.1.* (cvr)
 *   cgc, ple   embed.weight, level.L.expert.K.E.N.* (task K's own; K = "s": shared),
 *              level.L.gate.K.out.* (ple: level.L.gate.s for the shared gate of a
 *              non-final level), tower.K.*
 *
 * The multi-task kinds may read dense features alone (n_fields 0), as the MMoE
 * paper's synthetic benchmark is.
 *
 * Around it: batch.h (the rows a model reads, rn_samples), synth.h (seeded
 * synthetic data with a known truth), from_dataset.h (rows of a columnar
 * rn_dataset), train.h (fit, evaluate, the papers' optimizers).
 *
 * Ownership: a model owns its parameters, buffers and scratch; rn_model_free
 * frees them. Tensors returned by forward live in the graph's arena (until
 * rn_graph_reset). Errors follow error.h: NULL or a negative RN_E* code with a
 * message naming the field, row or shape.
 */
#ifndef RN_MODELS_MODEL_H
#define RN_MODELS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "../autograd.h"
#include "../tensor.h"
#include "batch.h"

enum {
    RN_MODEL_LR,
    RN_MODEL_FM,
    RN_MODEL_MLP,
    RN_MODEL_WIDE_DEEP,
    RN_MODEL_DEEPFM,
    RN_MODEL_DIN,
    RN_MODEL_DIEN,
    RN_MODEL_SHARED_BOTTOM,
    RN_MODEL_MOE,
    RN_MODEL_MMOE,
    RN_MODEL_ESMM,
    RN_MODEL_CGC,
    RN_MODEL_PLE,
    RN_MODEL_FFM,
    RN_MODEL_N_KINDS
};

/* MLP activations. */
enum { RN_ACT_RELU, RN_ACT_PRELU, RN_ACT_DICE, RN_ACT_SIGMOID, RN_ACT_N };

/* DIN attention normalisation: none (the paper: raw scores keep the interest
 * intensity), softmax over the valid items, or softmax of scores / sqrt(D)
 * (the official code). */
enum { RN_ATT_NONE, RN_ATT_SOFTMAX, RN_ATT_SCALED_SOFTMAX, RN_ATT_N };

/* DIEN interest-evolution cell (Zhou et al. 2019, section 4.3). */
enum { RN_GRU_AUGRU, RN_GRU_AGRU, RN_GRU_AIGRU, RN_GRU_GRU, RN_GRU_N };

/* How the MLP's linear layers start (layers.c; ARCHITECTURE.md "Initialisation"):
 * torch: PyTorch's nn.Linear default, weight and bias ~ U(-1/sqrt(fan_in),
 *        1/sqrt(fan_in)) (Kaiming-uniform with a = sqrt(5));
 * xavier: Glorot & Bengio 2010 uniform weights, U(+-sqrt(6 / (fan_in + fan_out))),
 *         zero biases (the default). */
enum { RN_INIT_TORCH, RN_INIT_XAVIER, RN_INIT_N };

#define RN_MODEL_MAX_FIELDS  64
#define RN_MODEL_MAX_LAYERS  8
#define RN_MODEL_MAX_CROSSES 32
#define RN_MODEL_MAX_TASKS   4
#define RN_MODEL_MAX_VIEWS   4
#define RN_MODEL_MAX_EXPERTS 16 /* n_experts, n_shared */
#define RN_MODEL_MAX_LEVELS  4  /* PLE's extraction levels */

/* PLE's shared gate in a non-final level: over all the level's experts (the
 * paper, Tang et al. 2020, eq. 5) or over the shared experts only (a variant
 * some libraries implement). */
enum { RN_SHARED_GATE_ALL, RN_SHARED_GATE_SHARED_ONLY, RN_SHARED_GATE_N };

/* Task losses. */
enum { RN_LOSS_BCE, RN_LOSS_MSE, RN_LOSS_NONE, RN_LOSS_N };

/* One task: a head of the model, trained on one label column of the batch and
 * scored by name. The CTR kinds have one head ("click", BCE on label column
 * 0); multi-task kinds (ESMM, MMoE, PLE) have several. */
typedef struct {
    char name[16]; /* "click", "ctr", "cvr", ...: metrics are name.auc, name.logloss */
    int label;     /* the batch's label column it is trained on, or -1 (no label: no loss) */
    int loss;      /* RN_LOSS_BCE on the head's logits, RN_LOSS_MSE on its output, or NONE */
    float weight;  /* weight in the summed loss (1) */
    int given;     /* train only on rows where task `given`'s label is 1 (ESMM-style), or -1 */
} rn_task;

/* The config of a model. Every key lives once in config.c's table
 * (rn_model_config_keys), which gives each its type, range, default, one-line
 * doc and the kinds that read it; defaults, checks, JSON and the Lua
 * constructors all read that table. A key a kind does not read must keep its
 * default (rn_model_new refuses it, naming the key and the kind). */
typedef struct {
    int kind; /* RN_MODEL_* */

    /* the data */
    int n_fields;                         /* categorical fields (>= 1) */
    int cardinality[RN_MODEL_MAX_FIELDS]; /* rows of each field's embedding (>= 1) */
    int n_dense;                          /* dense features (>= 0) */
    int seq_len;   /* behaviour-sequence length T (0: none; mlp, din, dien) */
    int seq_field; /* the field whose rows the sequence items share (-1: none) */
    int n_seq_fields; /* behaviour features per history position when more than one (0: one,
                         seq_field's; din, dien, mlp) */
    int seq_fields[RN_SEQ_MAX_FEATURES]; /* the field each feature shares (item, category...):
                                            seq_fields[0] is seq_field */
    int bag_cardinality; /* rows of the weighted sparse bag's weights: ids of a libsvm or
                            libffm row lie in [0, bag_cardinality) (0: none; lr, fm, ffm) */
    int bag_fields;      /* fields of a libffm bag, [0, bag_fields) (0: none; ffm) */

    /* the tasks (default: one, {"click", 0, BCE, 1, -1}) */
    int n_tasks;
    rn_task task[RN_MODEL_MAX_TASKS];

    /* embeddings and the MLP (deep part) */
    int embed_dim;                   /* D (default 8) */
    int n_hidden;                    /* layers of the MLP */
    int hidden[RN_MODEL_MAX_LAYERS]; /* their widths (default 64, 32) */
    int activation;                  /* RN_ACT_* (default relu; dice for din) */
    int bn;                          /* batch norm after each hidden linear layer */
    float dropout;                   /* drop probability after each hidden layer */
    float l2_embed;                  /* L2 on the embedding rows a batch uses */
    float bn_momentum;               /* batch norm and Dice running statistics: 0.1 */
    float dice_eps;                  /* Dice's epsilon: 1e-8 as the DIN paper */
    float init_std;                  /* embeddings ~ N(0, init_std^2): 0.05 */
    int init;                        /* RN_INIT_* of the linear layers (default xavier) */
    uint64_t seed;                   /* initialisation */

    /* Wide & Deep: crossed features of the wide part */
    int n_crosses;                      /* pairs of fields crossed */
    int cross[RN_MODEL_MAX_CROSSES][2]; /* field indices of each pair */
    int cross_buckets;                  /* hashed rows per cross (default 1000) */

    /* DIN: the activation unit */
    int n_att_hidden; /* default 2 layers: 80, 40 */
    int att_hidden[RN_MODEL_MAX_LAYERS];
    int att_activation; /* RN_ACT_* (default dice) */
    int attention;      /* RN_ATT_* (default none) */

    /* DIEN */
    int gru;          /* RN_GRU_* (default augru) */
    float aux_weight; /* weight of the auxiliary loss (default 1; 0 turns it off) */

    /* multi-task: experts, gates and towers */
    int n_experts;       /* moe, mmoe: experts in all (4); cgc, ple: each task's own (1) */
    int n_expert_hidden; /* each expert's MLP widths (default 32) */
    int expert_hidden[RN_MODEL_MAX_LAYERS];
    int n_tower_hidden;  /* each task's tower: hidden widths, then one output (default 16) */
    int tower_hidden[RN_MODEL_MAX_LAYERS];
    int n_shared;        /* cgc, ple: shared experts per level (1) */
    int n_levels;        /* ple: extraction levels (2; cgc is one) */
    int shared_gate;     /* ple: RN_SHARED_GATE_* (default all, the paper's) */
} rn_model_config;

/* One forward's outputs, on g's tape (arena tensors, valid until
 * rn_graph_reset): a head per task, an extra loss term, and, when want_views
 * was set before the forward, the kind's teacher views (rn_model_views order). */
typedef struct {
    int n_tasks;
    rn_tensor *logit[RN_MODEL_MAX_TASKS]; /* B x 1 each (the prediction itself for MSE) */
    rn_tensor *extra;                     /* added to the loss as it is (DIEN's aux loss), or NULL */
    int want_views;                       /* set by the caller: fill view[] */
    rn_tensor *view[RN_MODEL_MAX_VIEWS];
} rn_heads;

/* The defaults of kind (every field above set; n_fields 0, which the caller
 * must fill). An unknown kind gives the defaults of LR. */
rn_model_config rn_model_defaults(int kind);

/* The behaviour features per history position c reads (0 without a sequence;
 * 1: seq_field's ids; else n_seq_fields) and, when fields is not NULL, the
 * field each shares its embedding rows with (RN_SEQ_MAX_FEATURES entries). */
int rn_model_seq_features(const rn_model_config *c, int *fields);

/* Names: "lr", "fm", "mlp", "wide_deep", "deepfm", "din", "dien", "shared_bottom",
 * "moe", "mmoe", "esmm", "cgc", "ple" and back
 * (-1 when unknown); "relu", "prelu", "dice", "sigmoid"; "none", "softmax",
 * "scaled_softmax"; "augru", "agru", "aigru", "gru". */
const char *rn_model_kind_name(int kind);
int rn_model_kind_from(const char *name);
const char *rn_act_name(int act);
int rn_act_from(const char *name);
const char *rn_att_name(int att);
int rn_att_from(const char *name);
const char *rn_gru_name(int gru);
int rn_gru_from(const char *name);
const char *rn_loss_name(int loss); /* "bce", "mse", "none" */
int rn_loss_from(const char *name);

typedef struct rn_model rn_model;

/* A model built and initialised from cfg (copied). Caller frees with
 * rn_model_free. NULL with RN_EARG naming the setting that is wrong ("din needs
 * seq_len >= 1", "cross 2 names field 7 of 3", more than 2^28 parameters) or
 * RN_ENOMEM. */
rn_model *rn_model_new(const rn_model_config *cfg);
void rn_model_free(rn_model *m);

/* The config the model was built from (borrowed). */
const rn_model_config *rn_model_config_of(const rn_model *m);

/* Trainable parameters (borrowed; the model owns them) and buffers (running
 * statistics, no gradient; not given to optimizers, but saved). */
rn_params *rn_model_params(rn_model *m);
rn_params *rn_model_buffers(rn_model *m);

/* Checks that b fits the model: widths, the label columns the tasks read
 * (b->n_tasks must be 1 + the largest task label column: a batch with more
 * label columns than the model reads is refused, never mixed), BCE labels 0 or
 * 1, ids within each field's cardinality, sequence ids within seq_field's,
 * mask values 0 or 1. RN_ESHAPE / RN_EARG naming the row and field ("row 3,
 * field 1: id 12 outside [0, 10)"). */
int rn_model_check_batch(const rn_model *m, const rn_samples *b);

/* The label columns a batch must carry (1 + the largest task label column). */
int rn_model_label_columns(const rn_model *m);

/* Forward: one head per task (out->logit[k], B x 1) and the extra loss term, on
 * g's tape. Training or inference follows rn_graph_training(g). RN_OK, or an
 * error code with rn_error() set (the graph's sticky error when an op failed;
 * a batch that does not fit fails before any op). b must stay alive until
 * g's reset. */
int rn_model_forward(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *out);

/* The training loss on g's tape: the sum over tasks of weight x loss (mean
 * binary cross-entropy of the logits, or mean squared error, against the task's
 * label column; a task given another is averaged over the rows where that
 * task's label is 1), plus l2_embed x the squared norm of the looked-up
 * embedding rows (per batch, as the DIN paper's mini-batch aware L2), plus the
 * forward's extra term (DIEN: aux_weight x its auxiliary loss). out, when not
 * NULL, receives the forward's heads. NULL on error. */
rn_tensor *rn_model_loss(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *out);

/* What a teacher wants to see, by name, from an inference forward of b on a
 * graph of its own: "interactions" (fm, deepfm: B x P, every pairwise
 * contribution <v_i, v_j> x_i x_j of the fields, categorical then dense,
 * pairs (0,1), (0,2), ..., (1,2), ...; a row sums to the FM term), "attention"
 * (din, dien: B x T, the weight of each history item, exactly 0 at padding),
 * "gates" (moe, mmoe, cgc, ple: B x tasks x experts, each task's softmax
 * weights over the experts it mixes; cgc and ple: of the last level, over the
 * task's own experts and then the shared ones; moe: one gate, a row per task).
 * "update_gate" (dien with gru = 'augru': B x T, the mean over the hidden
 * units of the evolution cell's update gate 1 - z_t, 0 at padding) and
 * "effective_gate" (augru: the mean of a_t (1 - z_t), the gate applied; agru:
 * a_t). A view the config leaves empty is RN_EARG saying why.
 * shape receives the view's dimensions (up to 3; unused ones 0) and ndim its
 * count; out NULL asks for the shape only, else out holds the product of the
 * dimensions. RN_EARG naming the views the kind has when it lacks name. */
int rn_model_view(rn_model *m, const char *name, const rn_samples *b, float *out, int shape[3],
                  int *ndim);

/* The names of the kind's views, NULL-terminated (borrowed, static); of a
 * kind (RN_MODEL_*) before any model exists. */
const char *const *rn_model_views(const rn_model *m);
const char *const *rn_model_kind_views(int kind);

/* ---- the gates a teacher watches (gates.c) ---------------------------------------- */

#define RN_GATE_MAX_WIDTH (2 * RN_MODEL_MAX_EXPERTS) /* cgc, ple: own + shared experts */

/* The "gates" view (moe, mmoe, cgc, ple) summed up over the rows of a data
 * set: each task's batch-mean gate and two entropies (natural log, nats):
 *
 *   entropy[k]         = mean over rows x of H(g_k(x)),  H(w) = -sum_i w_i log w_i
 *   entropy_of_mean[k] = H(mean over rows x of g_k(x))
 *
 * Both lie in [0, log n]. A gate that puts all its weight on one expert for
 * every row (collapse) has both near 0; a gate that routes each row sharply
 * to a different expert has entropy near 0 but entropy_of_mean near log n;
 * a gate that does not route at all (uniform) has both at log n. */
typedef struct {
    int n_tasks, n_experts;                              /* the view's T and n */
    float mean[RN_MODEL_MAX_TASKS][RN_GATE_MAX_WIDTH];    /* batch-mean gate, [task][expert] */
    double entropy[RN_MODEL_MAX_TASKS];                  /* mean per-row entropy */
    double entropy_of_mean[RN_MODEL_MAX_TASKS];          /* entropy of the batch-mean gate */
    double max_entropy;                                  /* log n: a uniform gate */
    char expert[RN_GATE_MAX_WIDTH][16];                  /* column labels: "e1", "own 1", "shared 1" */
} rn_gate_stats;

/* Whether the model has the "gates" view. */
int rn_model_has_gates(const rn_model *m);

/* The gate statistics of data (every row, in inference mode, in batches of
 * batch_size >= 1) into out. RN_EARG when the kind has no gates (naming the
 * kinds that have) or data has no rows; the batch's check otherwise. */
int rn_model_gate_stats(rn_model *m, const rn_samples *data, size_t batch_size,
                        rn_gate_stats *out);

/* The outputs of every row of data (n x n_tasks floats into out, row-major:
 * logits for BCE tasks, predictions for MSE tasks), in inference mode, in
 * batches of batch_size (>= 1). */
int rn_model_predict(rn_model *m, const rn_samples *data, size_t batch_size, float *out);

/* The first embedding row of field f in the model's embedding table and the
 * table itself (borrowed; rows x embed_dim), for m:embeddings: field f's
 * vectors are rows offset .. offset + cardinality[f] - 1. NULL (RN_EARG) when
 * the kind has no embedding table or f is out of range. */
rn_tensor *rn_model_field_table(rn_model *m, int f, int *offset);

/* ---- describe ---------------------------------------------------------------- */

/* One layer as a Keras summary shows it. */
typedef struct {
    char name[48];   /* "deep.0" */
    char kind[24];   /* "Dense", "Embedding", "FM", "Attention", ... */
    char output[32]; /* "B x 64" */
    size_t n_params; /* scalars in the parameters under name + "." */
} rn_layer_info;

/* The number of layers and layer i (0-based; RN_EARG when out of range). */
int rn_model_n_layers(const rn_model *m);
int rn_model_layer(const rn_model *m, int i, rn_layer_info *out);

/* A Keras-like summary: a header, one line per layer (name, kind, output
 * shape, parameter count) and the totals, written to buf (always
 * terminated, truncated to size). Returns the length it needed. */
size_t rn_model_describe(const rn_model *m, char *buf, size_t size);

/* ---- save and load ------------------------------------------------------------- */

/* Writes the parameters and buffers as a safetensors file (F32 tensors under
 * their names; the config as JSON in the metadata under "recnote.config"),
 * to a new temporary file beside path (common/atomic_file.h: a unique name,
 * fsync, rename, folder fsync), so a reader never sees half a file and the
 * old file survives any failure; a target that is not a regular file is
 * refused. RN_EIO naming the path on failure. */
int rn_model_save(const rn_model *m, const char *path);

/* Reads a file written by rn_model_save: rebuilds the model from the config
 * and fills every parameter and buffer. Caller frees. NULL with RN_EIO (cannot
 * read) or RN_EPARSE naming the path and the problem: a file shorter than its
 * header claims, a header size larger than the file or than 100 MB, JSON that
 * does not parse, a tensor missing, of the wrong shape or dtype, or offsets
 * outside the data. Never allocates more than the file's size. */
rn_model *rn_model_load(const char *path);

/* The config as a JSON object string, and back (used by save and load).
 * rn_model_config_json: caller frees with rn_free; NULL on RN_ENOMEM.
 * rn_model_config_parse: RN_EPARSE naming the key that is wrong. */
char *rn_model_config_json(const rn_model_config *cfg);
int rn_model_config_parse(const char *json, rn_model_config *cfg);

#endif
