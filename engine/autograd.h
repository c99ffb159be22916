/* Graphs: the tape of one step, its arena, and backward.
 *
 * A graph records each op applied to tensors that require gradients (a
 * tape), holds every intermediate tensor of the step in its arena, and knows
 * whether the step trains (batch norm, Dice, dropout behave differently at
 * inference). One step reads:
 *
 *     rn_graph *g = rn_graph_new(7);                 // seed for dropout
 *     rn_tensor *h = rn_relu(g, rn_add(g, rn_matmul(g, x, W, 0, 0), b));
 *     rn_tensor *loss = rn_bce_logits(g, rn_matmul(g, h, V, 0, 0), y, NULL);
 *     if (rn_graph_error(g) || rn_backward(g, loss)) puts(rn_error());
 *     rn_optim_step(opt);  rn_graph_reset(g);         // next step reuses the arena
 *
 * Errors are sticky: an op that fails records the message and returns NULL,
 * and every later op on that graph returns NULL without touching the message,
 * so a chain of ops is checked once at the end with rn_graph_error.
 *
 * Ownership: the graph owns its intermediates (valid until rn_graph_reset or
 * rn_graph_free). It borrows persistent tensors used as inputs (parameters,
 * batch tensors): they must stay alive until the next reset. Ids passed to ops
 * are copied into the arena.
 */
#ifndef RN_AUTOGRAD_H
#define RN_AUTOGRAD_H

#include <stddef.h>
#include <stdint.h>

#include "tensor.h"

typedef struct rn_graph rn_graph;

/* A new graph in training mode, its generator seeded with seed. Caller frees
 * with rn_graph_free. NULL with RN_ENOMEM. */
rn_graph *rn_graph_new(uint64_t seed);
void rn_graph_free(rn_graph *g);

/* Forgets the tape, the intermediates and a sticky error; keeps the arena's
 * memory, so a warm step allocates nothing. Tensors of the previous step are
 * invalid afterwards (ops reject them with RN_ESTATE). */
void rn_graph_reset(rn_graph *g);

/* Training (1, the default) or inference (0) mode. */
void rn_graph_set_training(rn_graph *g, int training);
int rn_graph_training(const rn_graph *g);

/* Reseeds the generator used by dropout. */
void rn_graph_seed(rn_graph *g, uint64_t seed);

/* The generator (borrowed), for ops and samplers that draw during a step. */
rn_rng *rn_graph_rng(rn_graph *g);

/* The sticky error code (RN_OK when every op so far succeeded). */
int rn_graph_error(const rn_graph *g);

/* Forgets the sticky error but keeps the step: for interactive hosts, where a
 * typo in one op should not cost the intermediates made so far. A failed op
 * records nothing on the tape, so the step stays consistent. */
void rn_graph_clear_error(rn_graph *g);

/* The step counter: increases at each reset. Arena tensors remember the
 * generation that made them. */
unsigned long rn_graph_generation(const rn_graph *g);

/* Ops recorded on the tape, and bytes of arena in use / held. */
size_t rn_graph_nodes(const rn_graph *g);
size_t rn_graph_arena_used(const rn_graph *g);
size_t rn_graph_arena_capacity(const rn_graph *g);

/* An arena tensor of the given shape holding a copy of data (or zeros when
 * data is NULL), requiring no gradient: the way to feed a batch without
 * allocating. Valid until reset. NULL on error (sticky). */
rn_tensor *rn_graph_tensor(rn_graph *g, int ndim, const int *shape, const float *data);

/* Backpropagates from a one-element loss: fills the gradient of every tensor
 * that requires one and that the loss depends on. Persistent tensors
 * accumulate (+=); call rn_params_zero_grad between steps. Returns the sticky
 * error if the forward failed, RN_ESHAPE if loss has more than one element,
 * RN_ENAN (naming the graph's step) if the loss is NaN or infinite. */
int rn_backward(rn_graph *g, rn_tensor *loss);

/* Backpropagates a given output gradient dout (out->n floats, copied): the
 * vector-Jacobian product used by gradient checks. */
int rn_backward_from(rn_graph *g, rn_tensor *out, const float *dout);

/* The name of an op ("matmul"), for messages and tape listings. */
const char *rn_op_name(int op);

/* The tape in recording order, for teaching: the i-th op recorded this step
 * (i < rn_graph_nodes), its name and its output (borrowed, valid until
 * reset). Returns NULL when i is out of range. O(nodes) per call. */
const char *rn_graph_node(const rn_graph *g, size_t i, const rn_tensor **out);

#endif
