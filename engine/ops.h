/* The ops: differentiable building blocks recorded on a graph's tape.
 *
 * Every builder takes the graph first and returns a new arena tensor (valid
 * until rn_graph_reset), or NULL with the graph's sticky error set (then
 * every later op returns NULL too; check rn_graph_error once at the end).
 * Inputs may be persistent tensors (parameters, batch data; borrowed until
 * the next reset) or intermediates of the same step. Shapes are written
 * B batch, F fields, T sequence length, D embedding dim, H hidden, C classes.
 * Each op's file under engine/ops/ gives its math and a reference.
 */
#ifndef RN_OPS_H
#define RN_OPS_H

#include "autograd.h"
#include "tensor.h"

/* ---- linear algebra and shape ---------------------------------------------- */

/* C = op(A) op(B) through cblas_sgemm; op transposes when trans_* is set.
 * 2-D: A (M x K) [or K x M], B (K x N) [or N x K] -> (M x N). 3-D: the same per
 * batch item, A (n x . x .), B (n x . x .) -> (n x M x N). */
rn_tensor *rn_matmul(rn_graph *g, rn_tensor *a, rn_tensor *b, int trans_a, int trans_b);

/* y = x W + b: x (R x K), W (K x N), b (N values) or NULL -> (R x N). The
 * fully connected layer as one op: add(matmul(x, W), b)'s function with one
 * output tensor instead of two. */
rn_tensor *rn_linear(rn_graph *g, rn_tensor *x, rn_tensor *w, rn_tensor *b);

/* y = x W + s[ids]: x (R x K), W (K x N), s (S x N), ids (R rows of s) ->
 * (R x N). add(matmul(x, W), gather_rows(s, ids))'s function with one output
 * tensor instead of three (DIN's activation unit: s is the candidate's part,
 * once per sample). */
rn_tensor *rn_linear_rows(rn_graph *g, rn_tensor *x, rn_tensor *w, rn_tensor *s, const rn_ids *ids);

/* Elementwise a + b, a - b, a * b, a / b with numpy broadcasting (trailing
 * dims aligned; a dim of 1 stretches). */
rn_tensor *rn_add(rn_graph *g, rn_tensor *a, rn_tensor *b);
rn_tensor *rn_sub(rn_graph *g, rn_tensor *a, rn_tensor *b);
rn_tensor *rn_mul(rn_graph *g, rn_tensor *a, rn_tensor *b);
rn_tensor *rn_div(rn_graph *g, rn_tensor *a, rn_tensor *b);

/* s * x. */
rn_tensor *rn_scale(rn_graph *g, rn_tensor *x, float s);

/* Sum or mean over axis (negative counts from the end). The axis is dropped
 * unless keepdim (a 1-D input gives shape [1]). The *_all forms reduce every
 * element to shape [1]. */
rn_tensor *rn_sum(rn_graph *g, rn_tensor *x, int axis, int keepdim);
rn_tensor *rn_mean(rn_graph *g, rn_tensor *x, int axis, int keepdim);
rn_tensor *rn_sum_all(rn_graph *g, rn_tensor *x);
rn_tensor *rn_mean_all(rn_graph *g, rn_tensor *x);

/* The same elements in a new shape; one dim may be -1 (inferred). Shares x's data. */
rn_tensor *rn_reshape(rn_graph *g, rn_tensor *x, int ndim, const int *shape);

/* Swaps axes a0 and a1 (a copy). */
rn_tensor *rn_transpose(rn_graph *g, rn_tensor *x, int a0, int a1);

/* Joins n tensors along axis; every other dim must agree. */
rn_tensor *rn_concat(rn_graph *g, int n, rn_tensor *const *xs, int axis);

/* x[..., start:start+len, ...] along axis. */
rn_tensor *rn_slice(rn_graph *g, rn_tensor *x, int axis, int start, int len);

/* Cuts x along axis into n pieces of the given sizes (summing to the dim),
 * written to out[0..n). Returns the graph's error code. */
int rn_split(rn_graph *g, rn_tensor *x, int axis, int n, const int *sizes, rn_tensor **out);

/* Rows of x (N x ...) picked by ids (any shape): (ids shape x rest of x).
 * Gradient flows back densely (scatter-add). */
rn_tensor *rn_gather_rows(rn_graph *g, rn_tensor *x, const rn_ids *ids);

/* ---- activations ------------------------------------------------------------ */

rn_tensor *rn_relu(rn_graph *g, rn_tensor *x);
rn_tensor *rn_leaky_relu(rn_graph *g, rn_tensor *x, float slope);
/* max(0,x) + alpha * min(0,x); alpha has 1 element or one per last-dim channel. */
rn_tensor *rn_prelu(rn_graph *g, rn_tensor *x, rn_tensor *alpha);
rn_tensor *rn_sigmoid(rn_graph *g, rn_tensor *x);
rn_tensor *rn_tanh(rn_graph *g, rn_tensor *x);
rn_tensor *rn_softplus(rn_graph *g, rn_tensor *x);
rn_tensor *rn_exp(rn_graph *g, rn_tensor *x);
/* log(x) for x > 0; clamp first where x may reach 0 (e.g. a product of probabilities). */
rn_tensor *rn_log(rn_graph *g, rn_tensor *x);
/* The logit of sigmoid(a) sigmoid(b) (a, b of one shape): log p - log(1 - p), stable for
 * any a, b (ESMM's pCTCVR = pCTR x pCVR as a logit; see ops/logit_prod.c). */
rn_tensor *rn_logit_prod(rn_graph *g, rn_tensor *a, rn_tensor *b);

/* Dice (Zhou et al. 2018, DIN): x (B x H); p = sigmoid((x - E[x]) / sqrt(Var[x] + eps)),
 * y = p x + (1 - p) alpha x. Training: batch statistics, running ones updated
 * with momentum (PyTorch convention, unbiased variance); inference: running
 * statistics. alpha, running_mean, running_var: (H). The DIN paper uses eps 1e-8. */
rn_tensor *rn_dice(rn_graph *g, rn_tensor *x, rn_tensor *alpha, rn_tensor *running_mean,
                   rn_tensor *running_var, float momentum, float eps);

/* Softmax / log-softmax over axis. */
rn_tensor *rn_softmax(rn_graph *g, rn_tensor *x, int axis);
rn_tensor *rn_log_softmax(rn_graph *g, rn_tensor *x, int axis);

/* Inverted dropout with drop probability p in [0, 1): training zeroes each
 * element with probability p (drawn from the graph's generator) and scales
 * the rest by 1/(1-p); inference is the identity. */
rn_tensor *rn_dropout(rn_graph *g, rn_tensor *x, float p);

/* ---- normalisation ---------------------------------------------------------- */

/* Batch norm over the batch of x (B x H): training normalises with batch
 * statistics (biased variance) and updates running_mean/var (H) with momentum
 * (unbiased variance, as PyTorch); inference uses the running ones. gamma,
 * beta (H) may be NULL (no affine part). */
rn_tensor *rn_batchnorm(rn_graph *g, rn_tensor *x, rn_tensor *gamma, rn_tensor *beta,
                        rn_tensor *running_mean, rn_tensor *running_var, float momentum, float eps);

/* Layer norm over the last dim D of x; gamma, beta (D) may be NULL. */
rn_tensor *rn_layernorm(rn_graph *g, rn_tensor *x, rn_tensor *gamma, rn_tensor *beta, float eps);

/* ---- embeddings, sequences, interactions ------------------------------------ */

/* Rows of table (V x D) picked by ids (B or B x T) -> (B x D) or (B x T x D).
 * A sparse table's gradient records only the rows touched. */
rn_tensor *rn_embedding(rn_graph *g, rn_tensor *table, const rn_ids *ids);

enum { RN_POOL_SUM, RN_POOL_MEAN, RN_POOL_MAX, RN_POOL_WEIGHTED };

/* Pools x (B x T x D) over the valid positions of mask (B x T, 1 valid, 0
 * padding) -> (B x D). Mean divides by the number of valid positions; max
 * takes the largest valid value; weighted sums w (B x T) * x (w gets a
 * gradient too). A row with no valid position pools to 0. w is NULL unless
 * mode is RN_POOL_WEIGHTED. */
rn_tensor *rn_pool(rn_graph *g, rn_tensor *x, rn_tensor *mask, rn_tensor *w, int mode);

/* The FM pairwise term of Rendle 2010 for field embeddings v (B x F x D), in
 * the O(F D) form 1/2 sum_d [(sum_f v)^2 - sum_f v^2] -> (B x 1). */
rn_tensor *rn_fm(rn_graph *g, rn_tensor *v);

/* Every pairwise inner product <v_i, v_j>, i < j, of the field embeddings v
 * (B x F x D) -> (B x F(F-1)/2), pairs in row-major order (0,1), (0,2), ...,
 * (1,2), ...: FM's pairwise contributions (they sum to rn_fm), PNN's inner
 * products. */
rn_tensor *rn_pairwise(rn_graph *g, rn_tensor *v);

/* One GRU step as torch.nn.GRUCell: x (B x I), h (B x H), w_ih (3H x I),
 * w_hh (3H x H), b_ih, b_hh (3H) in the gate order r, z, n -> h' (B x H). */
rn_tensor *rn_gru_cell(rn_graph *g, rn_tensor *x, rn_tensor *h, rn_tensor *w_ih, rn_tensor *w_hh,
                       rn_tensor *b_ih, rn_tensor *b_hh);

/* ---- losses (each returns shape [1]: the mean over samples) ----------------- */

/* Binary cross-entropy on logits z (n elements, e.g. B or B x 1) against
 * labels y in [0,1] (n elements), optionally weighted per sample by w (n):
 * mean_i w_i [max(z,0) - z y + log(1 + exp(-|z|))], stable for any |z|. */
rn_tensor *rn_bce_logits(rn_graph *g, rn_tensor *z, rn_tensor *y, rn_tensor *w);

/* Mean squared error, mean_i w_i (p_i - t_i)^2. */
rn_tensor *rn_mse(rn_graph *g, rn_tensor *p, rn_tensor *t, rn_tensor *w);

/* Softmax cross-entropy of logits (B x C) against class ids (B). */
rn_tensor *rn_softmax_ce(rn_graph *g, rn_tensor *logits, const rn_ids *target, rn_tensor *w);

/* Sampled softmax (Jean et al. 2015): h (B x D) is scored against the table
 * (V x D) rows of its true item (target, B) and of S negatives shared by the
 * batch (neg, S ids); the loss is the softmax cross-entropy of the true item
 * among those 1 + S candidates. Built from embedding, matmul and softmax_ce,
 * so a sparse table gets row-sparse gradients. */
rn_tensor *rn_sampled_softmax(rn_graph *g, rn_tensor *h, rn_tensor *table, const rn_ids *target,
                              const rn_ids *neg, rn_tensor *w);

/* Negative-sampling loss (Mikolov et al. 2013): u (B x D) against table rows
 * of a positive (pos, B) and K negatives (neg, B x K):
 * mean_b w_b [-log sigmoid(u.v_pos) - sum_k log sigmoid(-u.v_neg_k)]. */
rn_tensor *rn_neg_sampling(rn_graph *g, rn_tensor *u, rn_tensor *table, const rn_ids *pos,
                           const rn_ids *neg, rn_tensor *w);

#endif
