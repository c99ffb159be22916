/* Graphs, the tape and backward (see autograd.h), and the helpers that op
 * files share (ops/op.h). */
#include "autograd.h"
#include "parallel.h"
#include "alloc.h"
#include "error.h"
#include "ops/op.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

rn_graph *rn_graph_new(uint64_t seed)
{
    rn_graph *g = rn_calloc(1, sizeof *g, "a graph");
    if (g == NULL) return NULL;
    rn_arena_init(&g->arena);
    g->training = 1;
    g->generation = 1;
    rn_rng_seed(&g->rng, seed);
    return g;
}

void rn_graph_free(rn_graph *g)
{
    if (g == NULL) return;
    rn_arena_free(&g->arena);
    rn_free(g);
}

void rn_graph_reset(rn_graph *g)
{
    rn_arena_reset(&g->arena);
    g->tape = NULL;
    g->n_nodes = 0;
    g->err = RN_OK;
    g->generation++;
}

void rn_graph_set_training(rn_graph *g, int training)
{
    g->training = training != 0;
}

int rn_graph_training(const rn_graph *g)
{
    return g->training;
}

void rn_graph_seed(rn_graph *g, uint64_t seed)
{
    rn_rng_seed(&g->rng, seed);
}

rn_rng *rn_graph_rng(rn_graph *g)
{
    return &g->rng;
}

int rn_graph_error(const rn_graph *g)
{
    return g->err;
}

void rn_graph_clear_error(rn_graph *g)
{
    g->err = RN_OK;
}

unsigned long rn_graph_generation(const rn_graph *g)
{
    return g->generation;
}

size_t rn_graph_nodes(const rn_graph *g)
{
    return g->n_nodes;
}

size_t rn_graph_arena_used(const rn_graph *g)
{
    return g->arena.used;
}

size_t rn_graph_arena_capacity(const rn_graph *g)
{
    return g->arena.capacity;
}

/* ---- helpers for op files -------------------------------------------------- */

rn_tensor *rn__fail(rn_graph *g, int code, const char *fmt, ...)
{
    if (g->err == RN_OK) {
        char msg[RN_ERROR_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        rn_fail(code, "%s", msg);
        g->err = code;
    }
    return NULL;
}

int rn__ready(rn_graph *g, int n, rn_tensor *const *in, unsigned optional)
{
    if (g == NULL) {
        rn_fail(RN_EARG, "an op needs a graph, got NULL");
        return 0;
    }
    if (g->err != RN_OK) return 0;
    for (int i = 0; i < n; i++) {
        if (in[i] == NULL) {
            if (!(optional & (1u << i))) {
                rn__fail(g, RN_EARG, "input %d of an op is missing (NULL)", i + 1);
                return 0;
            }
            continue;
        }
        if ((in[i]->flags & RN_T_ARENA) && in[i]->generation != g->generation) {
            rn__fail(g, RN_ESTATE,
                     "input %d is an intermediate of an earlier step (freed by reset)", i + 1);
            return 0;
        }
    }
    return 1;
}

static void record_oom(rn_graph *g)
{
    if (g->err == RN_OK) g->err = RN_ENOMEM; /* rn_malloc has written the message */
}

rn_tensor *rn__out(rn_graph *g, int ndim, const int *shape)
{
    size_t n = rn_shape_count(ndim, shape);
    if (n == 0)
        return rn__fail(g, RN_ESHAPE, "an op would make an empty or %d-dimensional tensor", ndim);
    rn_tensor *t = rn_arena_alloc(&g->arena, sizeof *t);
    float *data = t ? rn_arena_alloc(&g->arena, n * sizeof(float)) : NULL;
    if (data == NULL) {
        record_oom(g);
        return NULL;
    }
    memset(t, 0, sizeof *t);
    t->data = data;
    t->n = n;
    t->ndim = ndim;
    memcpy(t->shape, shape, (size_t)ndim * sizeof *shape);
    t->flags = RN_T_ARENA;
    t->generation = g->generation;
    return t;
}

rn_tensor *rn__view(rn_graph *g, int ndim, const int *shape, float *data)
{
    rn_tensor *t = rn_arena_alloc(&g->arena, sizeof *t);
    if (t == NULL) {
        record_oom(g);
        return NULL;
    }
    memset(t, 0, sizeof *t);
    t->data = data;
    t->n = rn_shape_count(ndim, shape);
    t->ndim = ndim;
    memcpy(t->shape, shape, (size_t)ndim * sizeof *shape);
    t->flags = RN_T_ARENA;
    t->generation = g->generation;
    return t;
}

float *rn__floats(rn_graph *g, size_t n)
{
    float *p = rn_arena_alloc(&g->arena, n * sizeof(float));
    if (p == NULL) record_oom(g);
    return p;
}

int64_t *rn__ids(rn_graph *g, const rn_ids *ids)
{
    int64_t *p = rn_arena_alloc(&g->arena, ids->n * sizeof(int64_t));
    if (p == NULL) {
        record_oom(g);
        return NULL;
    }
    for (size_t i = 0; i < ids->n; i++)
        p[i] = rn_ids_get(ids, i);
    return p;
}

rn_node *rn__record(rn_graph *g, int op, rn_tensor *out, int n_in, rn_tensor *const *in)
{
    int needed = 0;
    for (int i = 0; i < n_in; i++)
        if (in[i] != NULL && (in[i]->flags & RN_T_GRAD)) needed = 1;
    if (!needed) return NULL;
    rn_node *nd = rn_arena_alloc(&g->arena, sizeof *nd);
    rn_tensor **ins = nd ? rn_arena_alloc(&g->arena, (size_t)n_in * sizeof *ins) : NULL;
    if (ins == NULL) {
        record_oom(g);
        return NULL;
    }
    memset(nd, 0, sizeof *nd);
    memcpy(ins, in, (size_t)n_in * sizeof *ins);
    nd->op = op;
    nd->n_in = n_in;
    nd->in = ins;
    nd->out = out;
    nd->prev = g->tape;
    g->tape = nd;
    g->n_nodes++;
    out->flags |= RN_T_GRAD;
    return nd;
}

float *rn__grad(rn_graph *g, rn_tensor *t)
{
    if (t == NULL || !(t->flags & RN_T_GRAD)) return NULL;
    if (t->sparse != NULL && t->sparse->n_rows < (size_t)t->shape[0]) {
        /* A sparse table reached by an op other than embedding (a matmul, a
         * gather) gets a dense gradient: mark every row, so optimizers and
         * zero_grad see all of it. */
        for (int64_t r = 0; r < t->shape[0]; r++)
            rn__touch(t, r);
    }
    if (t->grad == NULL) {
        /* Only intermediates get here: persistent tensors hold their gradient. */
        t->grad = rn_arena_alloc(&g->arena, t->n * sizeof(float));
        if (t->grad == NULL)
            record_oom(g);
        else
            rn_par_zero(t->grad, t->n);
    }
    return t->grad;
}

float *rn__grad_fresh(rn_graph *g, rn_tensor *t, int *fresh)
{
    *fresh = 0;
    if (t != NULL && (t->flags & RN_T_GRAD) && t->grad == NULL && t->sparse == NULL) {
        t->grad = rn_arena_alloc(&g->arena, t->n * sizeof(float));
        if (t->grad == NULL) {
            record_oom(g);
            return NULL;
        }
        *fresh = 1;
        return t->grad;
    }
    return rn__grad(g, t);
}

/* For embedding: the gradient of a table whose rows the caller touches one by one. */
float *rn__grad_rows(rn_graph *g, rn_tensor *t)
{
    if (t->sparse == NULL) return rn__grad(g, t);
    return (t->flags & RN_T_GRAD) ? t->grad : NULL;
}

void rn__touch(rn_tensor *table, int64_t r)
{
    rn_touched *s = table->sparse;
    if (s != NULL && !s->touched[r]) {
        s->touched[r] = 1;
        s->rows[s->n_rows++] = r;
    }
}

void rn__axis_split(const rn_tensor *t, int axis, size_t *outer, size_t *len, size_t *inner)
{
    *outer = 1;
    *inner = 1;
    for (int i = 0; i < axis; i++)
        *outer *= (size_t)t->shape[i];
    for (int i = axis + 1; i < t->ndim; i++)
        *inner *= (size_t)t->shape[i];
    *len = (size_t)t->shape[axis];
}

int rn__axis(rn_graph *g, const rn_tensor *t, int axis, const char *op)
{
    int a = axis < 0 ? axis + t->ndim : axis;
    if (a < 0 || a >= t->ndim) {
        rn__fail(g, RN_EARG, "%s: axis %d is out of range for a %d-dimensional tensor (%s)", op,
                 axis, t->ndim, rn__shape(t));
        return -1;
    }
    return a;
}

const char *rn__shape(const rn_tensor *t)
{
    static _Thread_local char bufs[4][48];
    static _Thread_local int k;
    k = (k + 1) & 3;
    return rn_shape_str(t, bufs[k], sizeof bufs[k]);
}

/* ---- backward -------------------------------------------------------------- */

static int run_backward(rn_graph *g, rn_tensor *out, const float *dout)
{
    if (g->err != RN_OK) return g->err; /* the forward's message stays */
    if (!(out->flags & RN_T_ARENA) || out->generation != g->generation)
        return rn_fail(RN_ESTATE, "backward needs an output of this step's ops");
    if (!(out->flags & RN_T_GRAD))
        return rn_fail(RN_ESTATE, "backward: the output depends on no tensor that requires a "
                                  "gradient");
    /* A second backward in the same step starts afresh for intermediates. */
    for (rn_node *nd = g->tape; nd != NULL; nd = nd->prev)
        nd->out->grad = NULL;
    float *d = rn__grad(g, out);
    if (d == NULL) return g->err;
    for (size_t i = 0; i < out->n; i++)
        d[i] = dout ? dout[i] : 1.0f;
    for (rn_node *nd = g->tape; nd != NULL; nd = nd->prev) {
        if (nd->out->grad == NULL) continue; /* nothing flowed into this node */
        rn__op_backward[nd->op](g, nd);
        if (g->err != RN_OK) return g->err;
    }
    return RN_OK;
}

const char *rn_graph_node(const rn_graph *g, size_t i, const rn_tensor **out)
{
    if (i >= g->n_nodes) return NULL;
    /* The tape links backwards from the last node: node i is n - 1 - i steps back. */
    const rn_node *nd = g->tape;
    for (size_t k = g->n_nodes - 1; k > i; k--)
        nd = nd->prev;
    if (out != NULL) *out = nd->out;
    return rn_op_name(nd->op);
}

int rn_backward(rn_graph *g, rn_tensor *loss)
{
    if (loss == NULL) return g->err ? g->err : rn_fail(RN_EARG, "backward: no loss");
    if (loss->n != 1)
        return rn_fail(RN_ESHAPE, "backward needs a loss of one element, got shape %s",
                       rn__shape(loss));
    if (!isfinite(loss->data[0]))
        return rn_fail(RN_ENAN, "backward: the loss is %g at step %lu of this graph",
                       (double)loss->data[0], g->generation);
    return run_backward(g, loss, NULL);
}

int rn_backward_from(rn_graph *g, rn_tensor *out, const float *dout)
{
    if (out == NULL) return g->err ? g->err : rn_fail(RN_EARG, "backward: no output");
    return run_backward(g, out, dout);
}

rn_tensor *rn_graph_tensor(rn_graph *g, int ndim, const int *shape, const float *data)
{
    if (g->err != RN_OK) return NULL;
    rn_tensor *t = rn__out(g, ndim, shape);
    if (t == NULL) return NULL;
    if (data != NULL)
        memcpy(t->data, data, t->n * sizeof(float));
    else
        memset(t->data, 0, t->n * sizeof(float));
    return t;
}
