/* Engine-internal: the tape node, the graph, the op table and the helpers
 * every op file uses. Not part of the public API (see ops.h for that).
 *
 * An op file holds three things:
 *   rn_<op>(g, ...)           the public builder: checks shapes, makes the
 *                             output in the arena, runs the forward kernel and
 *                             records a node when an input requires a gradient;
 *   rn_<op>_forward(...)      the kernel, with a signature that reads like the math;
 *   rn_<op>_backward(g, nd)   the backward, accumulating (+=) into input gradients.
 */
#ifndef RN_OPS_OP_H
#define RN_OPS_OP_H

#include <assert.h>
#include <stddef.h>

#include "../arena.h"
#include "../autograd.h"
#include "../error.h"
#include "../ops.h"
#include "../parallel.h"
#include "../rng.h"
#include "../tensor.h"

enum {
    RN_OP_MATMUL,
    RN_OP_ADD,
    RN_OP_SUB,
    RN_OP_MUL,
    RN_OP_DIV,
    RN_OP_SCALE,
    RN_OP_SUM,
    RN_OP_MEAN,
    RN_OP_RESHAPE,
    RN_OP_TRANSPOSE,
    RN_OP_CONCAT,
    RN_OP_SLICE,
    RN_OP_GATHER,
    RN_OP_RELU,
    RN_OP_LEAKY_RELU,
    RN_OP_PRELU,
    RN_OP_SIGMOID,
    RN_OP_TANH,
    RN_OP_SOFTPLUS,
    RN_OP_EXP,
    RN_OP_LOG,
    RN_OP_DICE,
    RN_OP_SOFTMAX,
    RN_OP_LOG_SOFTMAX,
    RN_OP_DROPOUT,
    RN_OP_BATCHNORM,
    RN_OP_LAYERNORM,
    RN_OP_EMBEDDING,
    RN_OP_POOL,
    RN_OP_FM,
    RN_OP_PAIRWISE,
    RN_OP_GRU_CELL,
    RN_OP_BCE_LOGITS,
    RN_OP_MSE,
    RN_OP_SOFTMAX_CE,
    RN_OP_LOGIT_PROD,
    RN_OP_LINEAR,
    RN_OP_LINEAR_ROWS,
    RN_OP_COUNT
};

typedef struct rn_node rn_node;
struct rn_node {
    int op;
    int n_in;
    rn_tensor **in; /* n_in inputs (arena array; an optional input may be NULL) */
    rn_tensor *out;
    int iarg[8];   /* op-specific integers (axis, sizes, mode) */
    float farg[4]; /* op-specific floats (slope, eps) */
    void *save[4]; /* arena buffers the forward saved for backward */
    rn_node *prev; /* the node recorded before this one */
};

struct rn_graph {
    rn_arena arena;
    rn_node *tape; /* last node recorded */
    size_t n_nodes;
    int training;
    int err;
    rn_rng rng;
    unsigned long generation;
};

typedef void (*rn__backward_fn)(rn_graph *g, rn_node *nd);
extern const rn__backward_fn rn__op_backward[];

/* Nonzero when g may run an op on the n tensors (NULL entries allowed only
 * where optional is set per bit): no sticky error, every input present and
 * from this step. Records the failure otherwise. */
int rn__ready(rn_graph *g, int n, rn_tensor *const *in, unsigned optional);

/* Records an error on the graph (first one wins) and returns NULL. */
rn_tensor *rn__fail(rn_graph *g, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An arena tensor (uninitialised data), or NULL with the error recorded. */
rn_tensor *rn__out(rn_graph *g, int ndim, const int *shape);

/* An arena tensor header over existing data (shape already checked). */
rn_tensor *rn__view(rn_graph *g, int ndim, const int *shape, float *data);

/* Arena scratch of n floats (NULL with the error recorded). */
float *rn__floats(rn_graph *g, size_t n);

/* An elementwise loop built twice, for AVX2 and the baseline x86-64 (SSE2),
 * the copy chosen once at load by the CPU (GCC's target_clones): 8 floats a
 * step instead of 4. No FMA, so every element is computed by the same
 * operations in both and the results agree to the bit. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define RN__VECTOR_LOOP __attribute__((target_clones("avx2", "default")))
#else
#define RN__VECTOR_LOOP
#endif

/* The fewest rows of H values worth a part of rn_par_for (parallel.h): about
 * 16k values, some tens of microseconds of elementwise work. */
static inline size_t rn__rows_grain(size_t H)
{
    return H >= 16384 ? 1 : 16384 / (H > 0 ? H : 1);
}

/* Records a node for out when any input requires a gradient (out then
 * requires one too). Returns the node, or NULL when none is needed or on
 * failure (check g->err). */
rn_node *rn__record(rn_graph *g, int op, rn_tensor *out, int n_in, rn_tensor *const *in);

/* The gradient array of t to accumulate into during backward, allocated
 * zeroed for an intermediate on first use; NULL when t needs no gradient. */
float *rn__grad(rn_graph *g, rn_tensor *t);

/* The same, but a gradient not allocated yet comes back uninitialised with
 * *fresh set: the caller then writes every element instead of adding (no
 * zero fill, one pass less over memory). *fresh is 0 otherwise. */
float *rn__grad_fresh(rn_graph *g, rn_tensor *t, int *fresh);

/* For a sparse table reached by an op other than embedding, rn__grad marks
 * every row touched (a dense gradient). Embedding's backward uses
 * rn__grad_rows instead and marks the rows it writes with rn__touch. */
float *rn__grad_rows(rn_graph *g, rn_tensor *t);

/* Marks row r of a sparse table as touched (backward of embedding lookups). */
void rn__touch(rn_tensor *table, int64_t r);

/* Splits t's shape around axis: outer * len * inner == t->n. */
void rn__axis_split(const rn_tensor *t, int axis, size_t *outer, size_t *len, size_t *inner);

/* Normalises a possibly negative axis; -1 (with the error recorded) if out of range. */
int rn__axis(rn_graph *g, const rn_tensor *t, int axis, const char *op);

/* Shape as text in a per-call rotating buffer, for messages. */
const char *rn__shape(const rn_tensor *t);

/* ---- kernels and backward functions, one pair per file --------------------- */

void rn_matmul_forward(float *c, const float *a, const float *b, int M, int N, int K, int ta,
                       int tb, int batch);
void rn_matmul_backward(rn_graph *g, rn_node *nd);
void rn_linear_backward(rn_graph *g, rn_node *nd);
void rn_binary_forward(float *out, const float *a, const float *b, const int *sa, const int *sb,
                       const int *so, int op);
void rn_binary_backward(rn_graph *g, rn_node *nd);
void rn_scale_forward(float *y, const float *x, float s, size_t n);
void rn_scale_backward(rn_graph *g, rn_node *nd);
void rn_sum_forward(float *y, const float *x, size_t outer, size_t len, size_t inner, int mean);
void rn_sum_backward(rn_graph *g, rn_node *nd);
void rn_reshape_forward(void);
void rn_reshape_backward(rn_graph *g, rn_node *nd);
void rn_transpose_forward(float *y, const float *x, const int *shape, int a0, int a1, int ndim);
void rn_transpose_backward(rn_graph *g, rn_node *nd);
void rn_concat_forward(float *y, const float *x, size_t outer, size_t len_x, size_t len_y,
                       size_t offset, size_t inner);
void rn_concat_backward(rn_graph *g, rn_node *nd);
void rn_slice_forward(float *y, const float *x, size_t outer, size_t len_x, size_t start,
                      size_t len_y, size_t inner);
void rn_slice_backward(rn_graph *g, rn_node *nd);
void rn_gather_forward(float *y, const float *x, const int64_t *ids, size_t n_ids, size_t D);
void rn_gather_backward(rn_graph *g, rn_node *nd);
void rn_relu_forward(float *y, const float *x, size_t n);
void rn_relu_backward(rn_graph *g, rn_node *nd);
void rn_leaky_relu_forward(float *y, const float *x, size_t n, float slope);
void rn_leaky_relu_backward(rn_graph *g, rn_node *nd);
void rn_sigmoid_forward(float *y, const float *x, size_t n);
void rn_sigmoid_backward(rn_graph *g, rn_node *nd);
void rn_tanh_forward(float *y, const float *x, size_t n);
void rn_tanh_backward(rn_graph *g, rn_node *nd);
void rn_softplus_forward(float *y, const float *x, size_t n);
void rn_softplus_backward(rn_graph *g, rn_node *nd);
void rn_exp_forward(float *y, const float *x, size_t n);
void rn_exp_backward(rn_graph *g, rn_node *nd);
void rn_log_forward(float *y, const float *x, size_t n);
void rn_log_backward(rn_graph *g, rn_node *nd);
void rn_prelu_forward(float *y, const float *x, const float *alpha, size_t n, size_t C,
                      size_t n_alpha);
void rn_prelu_backward(rn_graph *g, rn_node *nd);
/* Batch statistics per channel of x (B x H) for batchnorm and dice
 * (channel_stats.c): the batch mean into mu and 1 / sqrt(var + eps) into
 * inv_std, the running statistics updated (training), or both from the
 * running statistics (inference). mu needs RN__STATS_DOUBLES(H) doubles (all
 * but the first H are scratch: the variance sums and each thread's partial
 * sums). */
#define RN__STATS_DOUBLES(H) ((size_t)(2 + RN_PAR_MAX_THREADS) * (size_t)(H))
void rn__channel_stats(const float *x, int B, int H, int training, float momentum, float eps,
                       float *running_mean, float *running_var, double *mu, float *inv_std);
void rn_dice_forward(float *y, float *p, float *mu_f, float *inv_std, double *mu, const float *x,
                     const float *alpha, float *running_mean, float *running_var, int B, int H,
                     int training, float momentum, float eps);
void rn_dice_backward(rn_graph *g, rn_node *nd);
void rn_softmax_forward(float *y, const float *x, size_t outer, size_t len, size_t inner, int log);
void rn_softmax_backward(rn_graph *g, rn_node *nd);
void rn_dropout_forward(float *y, float *mask, const float *x, size_t n, float p, rn_rng *r);
void rn_dropout_backward(rn_graph *g, rn_node *nd);
void rn_batchnorm_forward(float *y, float *xhat, float *inv_std, double *mu, const float *x,
                          const float *gamma, const float *beta, float *running_mean,
                          float *running_var, int B, int H, int training, float momentum,
                          float eps);
void rn_batchnorm_backward(rn_graph *g, rn_node *nd);
void rn_layernorm_forward(float *y, float *xhat, float *inv_std, const float *x, const float *gamma,
                          const float *beta, size_t rows, size_t D, float eps);
void rn_layernorm_backward(rn_graph *g, rn_node *nd);
void rn_embedding_forward(float *y, const float *table, const int64_t *ids, size_t n_ids, size_t D);
void rn_embedding_backward(rn_graph *g, rn_node *nd);
void rn_pool_forward(float *y, int *argmax, const float *x, const float *mask, const float *w,
                     int B, int T, int D, int mode);
void rn_pool_backward(rn_graph *g, rn_node *nd);
void rn_fm_forward(float *y, float *s, const float *v, int B, int F, int D);
void rn_fm_backward(rn_graph *g, rn_node *nd);
void rn_pairwise_forward(float *y, const float *v, int B, int F, int D);
void rn_pairwise_backward(rn_graph *g, rn_node *nd);
void rn_gru_cell_forward(float *h_new, float *gates, float *ghn, const float *x, const float *h,
                         const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh,
                         int B, int I, int H);
void rn_gru_cell_backward(rn_graph *g, rn_node *nd);
void rn_bce_logits_forward(float *loss, const float *z, const float *y, const float *w, size_t n);
void rn_bce_logits_backward(rn_graph *g, rn_node *nd);
void rn_mse_forward(float *loss, const float *p, const float *t, const float *w, size_t n);
void rn_mse_backward(rn_graph *g, rn_node *nd);
void rn_softmax_ce_forward(float *loss, float *prob, const float *z, const int64_t *target,
                           const float *w, int B, int C);
void rn_softmax_ce_backward(rn_graph *g, rn_node *nd);
void rn_logit_prod_forward(float *z, const float *a, const float *b, size_t n);
void rn_logit_prod_backward(rn_graph *g, rn_node *nd);

/* Copies ids into the arena as int64 (NULL with the error recorded). */
int64_t *rn__ids(rn_graph *g, const rn_ids *ids);

#endif
