/* Layers shared by the models: the MLP (linear, batch norm, activation,
 * dropout), field embeddings with per-field offsets into one table, the
 * first-order term, FM's field vectors and the stacking of an
 * Embedding+MLP's input. Each is a composition of engine ops (ops.h), so a
 * Lua script can rebuild it from rec.nn. */
#include "internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../alloc.h"
#include "../error.h"
#include "../ops/op.h"

/* ---- parameters ---------------------------------------------------------------- */

_Thread_local int rn__loading;

void rn__init_normal(rn_tensor *t, rn_rng *g, float std)
{
    if (!rn__loading) rn_tensor_normal(t, g, 0.0f, std);
}

void rn__init_uniform(rn_tensor *t, rn_rng *g, float lo, float hi)
{
    if (!rn__loading) rn_tensor_uniform(t, g, lo, hi);
}

rn_tensor *rn__param(rn_model *m, const char *name, int ndim, const int *shape)
{
    return rn_param_new(m->ps, name, ndim, shape);
}

rn_tensor *rn__table(rn_model *m, const char *name, int rows, int dim, rn_rng *g)
{
    rn_tensor *t = rn_param_table(m->ps, name, rows, dim);
    if (t != NULL && m->cfg.init_std > 0) rn__init_normal(t, g, m->cfg.init_std);
    return t;
}

rn_tensor *rn__buffer(rn_model *m, const char *name, int n, float value)
{
    rn_tensor *t = rn_param_new(m->bufs, name, 1, &n);
    if (t != NULL) rn_tensor_fill(t, value);
    return t;
}

/* The weight (in x out) and bias (out) of a linear layer, by scheme (RN_INIT_*):
 *   torch   PyTorch's nn.Linear.reset_parameters: Kaiming-uniform with a = sqrt(5),
 *           gain sqrt(2 / (1 + a^2)) = sqrt(1/3), so W ~ U(-b, b) with
 *           b = gain sqrt(3 / fan_in) = 1 / sqrt(fan_in), and bias ~ U(-b, b)
 *   xavier  Glorot & Bengio 2010, uniform: W ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out));
 *           bias 0
 * The weight is drawn first, then the bias, from g. */
static void linear_init(rn_tensor *w, rn_tensor *bias, int scheme, rn_rng *g)
{
    int fan_in = w->shape[0], fan_out = w->shape[1];
    if (scheme == RN_INIT_XAVIER) {
        float a = sqrtf(6.0f / (float)(fan_in + fan_out));
        rn__init_uniform(w, g, -a, a);
        rn_tensor_fill(bias, 0.0f);
        return;
    }
    float b = 1.0f / sqrtf((float)fan_in);
    rn__init_uniform(w, g, -b, b);
    rn__init_uniform(bias, g, -b, b);
}

static int dense_init(rn__dense *d, rn_params *ps, rn_params *bufs, const char *prefix,
                      const char *tag, int in, int out, int act, int bn, int init, rn_rng *g)
{
    char name[96];
    memset(d, 0, sizeof *d);
    snprintf(name, sizeof name, "%s.%s.weight", prefix, tag);
    if ((d->w = rn_param_new(ps, name, 2, (const int[]){in, out})) == NULL) return rn_error_code();
    snprintf(name, sizeof name, "%s.%s.bias", prefix, tag);
    if ((d->b = rn_param_new(ps, name, 1, &out)) == NULL) return rn_error_code();
    linear_init(d->w, d->b, init, g);
    if (bn) {
        snprintf(name, sizeof name, "%s.%s.gamma", prefix, tag);
        if ((d->gamma = rn_param_new(ps, name, 1, &out)) == NULL) return rn_error_code();
        rn_tensor_fill(d->gamma, 1.0f);
        snprintf(name, sizeof name, "%s.%s.beta", prefix, tag);
        if ((d->beta = rn_param_new(ps, name, 1, &out)) == NULL) return rn_error_code();
        snprintf(name, sizeof name, "%s.%s.running_mean", prefix, tag);
        if ((d->bn_mean = rn_param_new(bufs, name, 1, &out)) == NULL) return rn_error_code();
        snprintf(name, sizeof name, "%s.%s.running_var", prefix, tag);
        if ((d->bn_var = rn_param_new(bufs, name, 1, &out)) == NULL) return rn_error_code();
        rn_tensor_fill(d->bn_var, 1.0f);
    }
    if (act == RN_ACT_PRELU || act == RN_ACT_DICE) {
        snprintf(name, sizeof name, "%s.%s.alpha", prefix, tag);
        if ((d->alpha = rn_param_new(ps, name, 1, &out)) == NULL) return rn_error_code();
        rn_tensor_fill(d->alpha, 0.25f); /* PyTorch's PReLU default */
    }
    if (act == RN_ACT_DICE) {
        snprintf(name, sizeof name, "%s.%s.dice_mean", prefix, tag);
        if ((d->dice_mean = rn_param_new(bufs, name, 1, &out)) == NULL) return rn_error_code();
        snprintf(name, sizeof name, "%s.%s.dice_var", prefix, tag);
        if ((d->dice_var = rn_param_new(bufs, name, 1, &out)) == NULL) return rn_error_code();
        rn_tensor_fill(d->dice_var, 1.0f);
    }
    return RN_OK;
}

int rn__mlp_init(rn__mlp *mlp, rn_params *ps, rn_params *bufs, const char *prefix, int in,
                 int n_hidden, const int *hidden, int out, int act, int bn, float dropout,
                 float momentum, float eps, int init, rn_rng *g)
{
    memset(mlp, 0, sizeof *mlp);
    mlp->n = n_hidden;
    mlp->in = in;
    mlp->out = out;
    mlp->act = act;
    mlp->bn = bn;
    mlp->dropout = dropout;
    mlp->momentum = momentum;
    mlp->eps = eps;
    int width = in;
    for (int i = 0; i < n_hidden; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "%d", i);
        mlp->width[i] = hidden[i];
        int rc =
            dense_init(&mlp->layer[i], ps, bufs, prefix, tag, width, hidden[i], act, bn, init, g);
        if (rc != RN_OK) return rc;
        width = hidden[i];
    }
    if (out > 0) return dense_init(&mlp->last, ps, bufs, prefix, "out", width, out, -1, 0, init, g);
    return RN_OK;
}

static rn_tensor *activate(rn_graph *g, const rn__mlp *mlp, const rn__dense *d, rn_tensor *x)
{
    switch (mlp->act) {
    case RN_ACT_PRELU:
        return rn_prelu(g, x, d->alpha);
    case RN_ACT_DICE:
        return rn_dice(g, x, d->alpha, d->dice_mean, d->dice_var, mlp->momentum, mlp->eps);
    case RN_ACT_SIGMOID:
        return rn_sigmoid(g, x);
    default:
        return rn_relu(g, x);
    }
}

rn_tensor *rn__mlp_forward(rn__mlp *mlp, rn_graph *g, rn_tensor *x)
{
    return rn__mlp_forward_pre(mlp, g, x, NULL);
}

rn_tensor *rn__mlp_forward_pre(rn__mlp *mlp, rn_graph *g, rn_tensor *x, rn_tensor *pre0)
{
    for (int i = 0; i < mlp->n && (x != NULL || (i == 0 && pre0 != NULL)); i++) {
        const rn__dense *d = &mlp->layer[i];
        x = i == 0 && pre0 != NULL ? pre0 : rn_linear(g, x, d->w, d->b);
        /* BN's running variance follows PyTorch (eps 1e-5); Dice keeps its own eps */
        if (mlp->bn)
            x = rn_batchnorm(g, x, d->gamma, d->beta, d->bn_mean, d->bn_var, mlp->momentum, 1e-5f);
        x = activate(g, mlp, d, x);
        if (mlp->dropout > 0) x = rn_dropout(g, x, mlp->dropout);
    }
    if (x != NULL && mlp->out > 0) x = rn_linear(g, x, mlp->last.w, mlp->last.b);
    return x;
}

void rn__mlp_describe(rn_model *m, const rn__mlp *mlp, const char *prefix, const char *rows)
{
    static const char *const act_kind[] = {"ReLU", "PReLU", "Dice", "Sigmoid"};
    for (int i = 0; i < mlp->n; i++) {
        char name[48];
        snprintf(name, sizeof name, "%s.%d", prefix, i);
        char kind[24];
        snprintf(kind, sizeof kind, "Dense%s+%s%s", mlp->bn ? "+BN" : "", act_kind[mlp->act],
                 mlp->dropout > 0 ? "+Drop" : "");
        rn__layer(m, name, kind, "%s x %d", rows, mlp->width[i]);
    }
    if (mlp->out > 0) {
        char name[48];
        snprintf(name, sizeof name, "%s.out", prefix);
        rn__layer(m, name, "Dense", "%s x %d", rows, mlp->out);
    }
}

/* ---- inputs ------------------------------------------------------------------ */

int32_t *rn__scratch_ids(rn_model *m, size_t n)
{
    if (n > m->ids_cap) {
        int32_t *p = rn_realloc(m->ids, n * sizeof *p, "model scratch ids");
        if (p == NULL) return NULL;
        m->ids = p;
        m->ids_cap = n;
    }
    return m->ids;
}

/* Records an embedding lookup for the L2 term (the list grows with the model's
 * first forwards, then stays). */
static int keep_reg(rn_model *m, rn_graph *g, rn_tensor *e)
{
    if (m->n_reg == m->cap_reg) {
        int cap = m->cap_reg ? 2 * m->cap_reg : 8;
        rn_tensor **p = rn_realloc(m->reg, (size_t)cap * sizeof *p, "model L2 list");
        if (p == NULL) {
            rn__fail(g, RN_ENOMEM, "model: out of memory for the L2 list");
            return RN_ENOMEM;
        }
        m->reg = p;
        m->cap_reg = cap;
    }
    m->reg[m->n_reg++] = e;
    return RN_OK;
}

rn_tensor *rn__field_embed(rn_model *m, rn_graph *g, rn_tensor *table, const rn_samples *b)
{
    int B = (int)b->n, F = m->cfg.n_fields;
    int32_t *id = rn__scratch_ids(m, (size_t)B * (size_t)F);
    if (id == NULL) return NULL;
    for (int r = 0; r < B; r++)
        for (int f = 0; f < F; f++)
            id[r * F + f] = b->sparse[(size_t)r * (size_t)F + (size_t)f] + m->offset[f];
    rn_ids ids = {id, (size_t)B * (size_t)F, 2, {B, F}, RN_I32};
    rn_tensor *e = rn_embedding(g, table, &ids);
    if (e != NULL && table->shape[1] > 1 && keep_reg(m, g, e) != RN_OK) return NULL;
    return e;
}

rn_tensor *rn__seq_embed(rn_model *m, rn_graph *g, rn_tensor *table, const rn_samples *b)
{
    int B = (int)b->n, T = m->cfg.seq_len, S = m->n_seq, W = m->seq_stride, D = table->shape[1];
    size_t n = (size_t)B * (size_t)T;
    int32_t *id = rn__scratch_ids(m, n * (size_t)S);
    if (id == NULL) return NULL;
    if (S == 1 && W == 1) {
        int off = m->offset[m->seq_fields[0]];
        for (size_t i = 0; i < n; i++)
            id[i] = b->seq[i] + off;
    } else { /* position-major: the S features of a position side by side */
        for (size_t i = 0; i < n; i++)
            for (int s = 0; s < S; s++)
                id[i * (size_t)S + (size_t)s] =
                    b->seq[i * (size_t)W + (size_t)m->seq_col[s]] + m->offset[m->seq_fields[s]];
    }
    rn_ids ids = {id, n * (size_t)S, 2, {B, T * S}, RN_I32};
    rn_tensor *e = rn_embedding(g, table, &ids); /* B x T S x D: the same floats as B x T x S D */
    if (S > 1) e = rn_reshape(g, e, 3, (const int[]){B, T, S * D});
    /* only real items count in the L2 term */
    if (e != NULL) {
        rn_tensor *mask = rn__mask_input(g, b);
        rn_tensor *m3 = rn_reshape(g, mask, 3, (const int[]){B, T, 1});
        rn_tensor *em = rn_mul(g, e, m3);
        if (em != NULL && keep_reg(m, g, em) != RN_OK) return NULL;
    }
    return e;
}

rn_tensor *rn__seq_query(rn_model *m, rn_graph *g, rn_tensor *emb)
{
    int B = emb != NULL ? emb->shape[0] : 0, S = m->n_seq, D = m->cfg.embed_dim;
    int f0 = m->seq_fields[0], run = 1; /* fields f0, f0 + 1, ...: one slice */
    while (run < S && m->seq_fields[run] == f0 + run)
        run++;
    if (run == S) return rn_reshape(g, rn_slice(g, emb, 1, f0, S), 2, (const int[]){B, S * D});
    rn_tensor *parts[RN_SEQ_MAX_FEATURES];
    for (int s = 0; s < S; s++)
        parts[s] = rn_slice(g, emb, 1, m->seq_fields[s], 1); /* B x 1 x D */
    return rn_reshape(g, rn_concat(g, S, parts, 2), 2, (const int[]){B, S * D});
}

int rn__seq_width(const rn_model *m)
{
    return m->n_seq * m->cfg.embed_dim;
}

rn_tensor *rn__bag_embed(rn_model *m, rn_graph *g, rn_tensor *table, const rn_samples *b)
{
    int B = (int)b->n, L = b->bag_len;
    int32_t *id = rn__scratch_ids(m, (size_t)B * (size_t)L);
    if (id == NULL) return NULL;
    for (size_t i = 0; i < (size_t)B * (size_t)L; i++)
        id[i] = b->bag[i] + m->bag_offset;
    rn_ids ids = {id, (size_t)B * (size_t)L, 2, {B, L}, RN_I32};
    rn_tensor *x = rn_graph_tensor(g, 3, (const int[]){B, L, 1}, b->bag_val);
    /* x_i v_i: padding has x = 0 and adds nothing to a sum, an FM, or the L2 term */
    rn_tensor *e = rn_mul(g, rn_embedding(g, table, &ids), x);
    if (e != NULL && table->shape[1] > 1 && keep_reg(m, g, e) != RN_OK) return NULL;
    return e;
}

rn_tensor *rn__dense_input(rn_graph *g, const rn_samples *b)
{
    return rn_graph_tensor(g, 2, (const int[]){(int)b->n, b->n_dense}, b->dense);
}

rn_tensor *rn__mask_input(rn_graph *g, const rn_samples *b)
{
    return rn_graph_tensor(g, 2, (const int[]){(int)b->n, b->seq_len}, b->mask);
}

int rn__linear_build(rn_model *m, rn__linear *lin, const char *prefix, rn_rng *g)
{
    char name[48];
    snprintf(name, sizeof name, "%s.weight", prefix);
    if ((lin->w = rn__table(m, name, m->rows, 1, g)) == NULL) return rn_error_code();
    rn_tensor_fill(lin->w, 0.0f);
    snprintf(name, sizeof name, "%s.dense", prefix);
    if (m->cfg.n_dense > 0 &&
        (lin->dense = rn__param(m, name, 2, (const int[]){m->cfg.n_dense, 1})) == NULL)
        return rn_error_code();
    snprintf(name, sizeof name, "%s.bias", prefix);
    if ((lin->bias = rn__param(m, name, 1, (const int[]){1})) == NULL) return rn_error_code();
    return RN_OK;
}

rn_tensor *rn__linear_term(rn_model *m, rn_graph *g, const rn_samples *b, const rn__linear *l)
{
    int B = (int)b->n;
    rn_tensor *y = l->bias; /* 1, broadcast to B x 1 */
    if (m->cfg.n_fields > 0) {
        rn_tensor *lin = rn__field_embed(m, g, l->w, b); /* B x F x 1 */
        y = rn_add(g, y, rn_sum(g, rn_reshape(g, lin, 2, (const int[]){B, m->cfg.n_fields}), 1, 1));
    }
    if (m->cfg.n_dense > 0 && l->dense != NULL)
        y = rn_add(g, y, rn_matmul(g, rn__dense_input(g, b), l->dense, 0, 0));
    if (b->bag_len > 0) {                            /* sum_i w_i x_i over the sparse bag */
        rn_tensor *w = rn__bag_embed(m, g, l->w, b); /* B x L x 1 */
        y = rn_add(g, y, rn_sum(g, rn_reshape(g, w, 2, (const int[]){B, b->bag_len}), 1, 1));
    }
    if (y == l->bias) y = rn_add(g, rn_graph_tensor(g, 2, (const int[]){B, 1}, NULL), y);
    return y; /* B x 1 */
}

rn_tensor *rn__fm_vectors(rn_model *m, rn_graph *g, const rn_samples *b, rn_tensor *emb,
                          const rn__fm_vecs *vecs)
{
    int B = (int)b->n, nd = m->cfg.n_dense, D = m->cfg.embed_dim;
    if (nd == 0) return emb;
    /* x_j v_j: (B x nd x 1) * (nd x D) broadcasts to B x nd x D */
    rn_tensor *x = rn_reshape(g, rn__dense_input(g, b), 3, (const int[]){B, nd, 1});
    rn_tensor *v = rn_mul(g, x, vecs->dense);
    (void)D;
    if (emb == NULL) return v; /* no categorical field */
    rn_tensor *parts[2] = {emb, v};
    return rn_concat(g, 2, parts, 1);
}

rn_tensor *rn__stack(rn_model *m, rn_graph *g, const rn_samples *b, rn_tensor *emb,
                     rn_tensor *extra)
{
    int B = (int)b->n;
    rn_tensor *parts[3];
    int n = 0;
    parts[n++] = rn_reshape(g, emb, 2, (const int[]){B, -1});
    if (extra != NULL) parts[n++] = extra;
    if (m->cfg.n_dense > 0) parts[n++] = rn__dense_input(g, b);
    return n == 1 ? parts[0] : rn_concat(g, n, parts, 1);
}

/* ---- describe rows ---------------------------------------------------------------- */

void rn__layer(rn_model *m, const char *name, const char *kind, const char *fmt, ...)
{
    if (m->n_layers == m->cap_layers) {
        int cap = m->cap_layers ? 2 * m->cap_layers : 16;
        rn_layer_info *p = rn_realloc(m->layers, (size_t)cap * sizeof *p, "model layers");
        if (p == NULL) { /* rn_model_new fails with RN_ENOMEM */
            m->layers_oom = 1;
            return;
        }
        m->layers = p;
        m->cap_layers = cap;
    }
    rn_layer_info *l = &m->layers[m->n_layers++];
    memset(l, 0, sizeof *l);
    snprintf(l->name, sizeof l->name, "%s", name);
    snprintf(l->kind, sizeof l->kind, "%s", kind);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->output, sizeof l->output, fmt, ap);
    va_end(ap);
}
