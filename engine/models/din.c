/* DIN, the Deep Interest Network (Zhou et al. 2018, "Deep Interest Network for
 * Click-Through Rate Prediction"):
 *
 *   v_U(A) = sum_j a(e_j, v_A) e_j = sum_j w_j e_j
 *
 * The candidate's embedding v_A (the query q) and each history position's
 * embedding e_j (the key k) enter the activation unit as [q, k, q - k, q * k],
 * an MLP ("att.N", PReLU or Dice, then a linear "att.out" to one unit) gives
 * one score per history position, and the scores weight the history's sum.
 * A position carries S behaviour features (item id, category id, ...: the
 * seq_fields), each embedded with its candidate field's rows and concatenated
 * (E = S D), and the query concatenates the same candidate fields, as the
 * paper and its reference code embed goods id and category id. Padded
 * positions never enter the unit (only the real ones are gathered into it)
 * and their weight is exactly 0. The normalisation is the `attention` option:
 *
 *   none            w_j = score_j                      (the paper: no softmax,
 *                                                       to keep interest intensity)
 *   softmax         w = softmax over the valid items of score
 *   scaled_softmax  w = softmax over the valid items of score / sqrt(D)
 *                   (the official code's variant; E for D with several features)
 *
 * The interest v_U(A), the field embeddings and the dense features are
 * stacked into the MLP "deep.N", "deep.out". rn_model_attention returns w. */
#include "internal.h"

#include <math.h>

#include "../error.h"

typedef struct {
    rn_tensor *embed;
    rn__mlp att_mlp, deep;
} din_state;

static void defaults(rn_model_config *c)
{
    c->activation = RN_ACT_DICE; /* the paper's */
}

static int build(rn_model *m, rn_rng *g)
{
    const rn_model_config *c = &m->cfg;
    din_state *st = m->state;
    int D = c->embed_dim, S = m->n_seq, E = S * D; /* a history position: S features */
    if ((st->embed = rn__table(m, "embed.weight", m->rows, D, g)) == NULL) return rn_error_code();
    m->table = st->embed;
    int rc =
        rn__mlp_init(&st->att_mlp, m->ps, m->bufs, "att", 4 * E, c->n_att_hidden, c->att_hidden, 1,
                     c->att_activation, 0, 0.0f, c->bn_momentum, c->dice_eps, c->init, g);
    if (rc != RN_OK) return rc;
    int in = c->n_fields * D + E + c->n_dense;
    rc = rn__mlp_init(&st->deep, m->ps, m->bufs, "deep", in, c->n_hidden, c->hidden, 1,
                      c->activation, c->bn, c->dropout, c->bn_momentum, c->dice_eps, c->init, g);
    if (rc != RN_OK) return rc;
    rn__layer(m, "embed", "Embedding (shared)", "B x %d x %d", c->n_fields + c->seq_len * S, D);
    rn__layer(m, "att.input", "Concat [q,k,q-k,q*k]", "B*T x %d", 4 * E);
    rn__mlp_describe(m, &st->att_mlp, "att", "B*T");
    rn__layer(m, "att.weights",
              c->attention == RN_ATT_NONE ? "Mask (no softmax)" : "Masked softmax", "B x %d",
              c->seq_len);
    rn__layer(m, "interest", "WeightedSumPooling", "B x %d", E);
    rn__mlp_describe(m, &st->deep, "deep", "B");
    return RN_OK;
}

/* score + (mask - 1) 1e9: exp underflows to exactly 0 at padding. */
static rn_tensor *neg_mask(rn_graph *g, const rn_samples *b)
{
    rn_tensor *t = rn_graph_tensor(g, 2, (const int[]){(int)b->n, b->seq_len}, b->mask);
    if (t != NULL)
        for (size_t i = 0; i < t->n; i++)
            t->data[i] = (t->data[i] - 1.0f) * 1e9f;
    return t;
}

/* Masked attention weights from scores (B x T) by mode (also DIEN's softmax). */
rn_tensor *rn__attention_weights(rn_graph *g, const rn_samples *b, rn_tensor *scores, int mode,
                                 int D)
{
    rn_tensor *mask = rn__mask_input(g, b);
    if (mode == RN_ATT_NONE) return rn_mul(g, scores, mask);
    if (mode == RN_ATT_SCALED_SOFTMAX) scores = rn_scale(g, scores, 1.0f / sqrtf((float)D));
    rn_tensor *w = rn_softmax(g, rn_add(g, scores, neg_mask(g, b)), 1);
    return rn_mul(g, w, mask); /* a row with no item gets zeros, not 1/T */
}

/* The unit's first layer, [q, k, q - k, q * k] W + b with W's four blocks
 * of E rows Wq, Wk, Wd, Wp, taken by parts without the Nv x 4E input:
 *
 *   q (Wq + Wd) + k (Wk - Wd) + (q * k) Wp + b
 *
 * q's part once per row of the batch (B x H1, gathered to the Nv keys), the
 * rest one Nv x 2E by 2E x H1 product: half the multiply-adds of the direct
 * form, the same function and the same gradients for W. */
static rn_tensor *unit_input(din_state *st, rn_graph *g, int E, rn_tensor *q, rn_tensor *qv,
                             rn_tensor *kv, const rn_ids *rows)
{
    const rn__dense *d = &st->att_mlp.layer[0];
    rn_tensor *wq = rn_slice(g, d->w, 0, 0, E), *wk = rn_slice(g, d->w, 0, E, E);
    rn_tensor *wd = rn_slice(g, d->w, 0, 2 * E, E), *wp = rn_slice(g, d->w, 0, 3 * E, E);
    /* q's part with the bias, B x H1, the start of each of its sample's Nv rows */
    rn_tensor *from_q = rn_linear(g, q, rn_add(g, wq, wd), d->b);
    rn_tensor *keys[2] = {kv, rn_mul(g, qv, kv)}, *w_keys[2] = {rn_sub(g, wk, wd), wp};
    return rn_linear_rows(g, rn_concat(g, 2, keys, 1), rn_concat(g, 2, w_keys, 0), from_q, rows);
}

/* The activation unit's scores (B x T) of the real positions, 0 at padding.
 * Only the Nv real positions enter the unit: their keys and their row's query
 * are gathered into Nv x 4E rows [q, k, q - k, q * k], so padding never
 * reaches the MLP (nor Dice's batch statistics), and a short history costs
 * its length, not T. The scores go back to B x T by a gather from the Nv
 * scores and one zero. */
static rn_tensor *unit_scores(rn_model *m, rn_graph *g, const rn_samples *b, rn_tensor *q,
                              rn_tensor *k)
{
    din_state *st = m->state;
    int B = (int)b->n, T = m->cfg.seq_len, E = rn__seq_width(m);
    size_t n = (size_t)B * (size_t)T;
    int32_t *id = rn__scratch_ids(m, 2 * n); /* [0, Nv): rows, [n, 2n): positions */
    if (id == NULL) return NULL;
    int nv = 0;
    for (size_t i = 0; i < n; i++)
        if (b->mask[i] != 0.0f)
            id[nv] = (int32_t)(i / (size_t)T), id[n + (size_t)nv++] = (int32_t)i;
    if (nv == 0) return rn_graph_tensor(g, 2, (const int[]){B, T}, NULL); /* no history: zeros */
    rn_ids rows = {id, (size_t)nv, 1, {nv}, RN_I32};
    rn_tensor *qv = rn_gather_rows(g, q, &rows); /* Nv x E */
    rn_ids pos = {id + n, (size_t)nv, 1, {nv}, RN_I32};
    rn_tensor *kv = rn_gather_rows(g, rn_reshape(g, k, 2, (const int[]){(int)n, E}), &pos);
    rn_tensor *sv; /* Nv x 1 */
    if (st->att_mlp.n > 0)
        sv = rn__mlp_forward_pre(&st->att_mlp, g, NULL, unit_input(st, g, E, q, qv, kv, &rows));
    else { /* no hidden layer: the linear map of [q, k, q - k, q * k] */
        rn_tensor *parts[4] = {qv, kv, rn_sub(g, qv, kv), rn_mul(g, qv, kv)};
        sv = rn__mlp_forward(&st->att_mlp, g, rn_concat(g, 4, parts, 1));
    }
    rn_tensor *zero = rn_graph_tensor(g, 2, (const int[]){1, 1}, NULL);
    rn_tensor *both[2] = {sv, zero};
    int j = 0; /* position i reads score j (its rank among the real ones) or the zero, Nv */
    for (size_t i = 0; i < n; i++)
        id[i] = b->mask[i] != 0.0f ? j++ : nv;
    rn_ids back = {id, n, 2, {B, T}, RN_I32};
    rn_tensor *scores = rn_gather_rows(g, rn_concat(g, 2, both, 0), &back); /* B x T x 1 */
    return rn_reshape(g, scores, 2, (const int[]){B, T});
}

static int forward(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *out)
{
    const rn_model_config *c = &m->cfg;
    din_state *st = m->state;
    int E = rn__seq_width(m); /* S D: the behaviour features side by side */
    rn_tensor *emb = rn__field_embed(m, g, st->embed, b); /* B x F x D */
    rn_tensor *q = rn__seq_query(m, g, emb);              /* B x E */
    rn_tensor *k = rn__seq_embed(m, g, st->embed, b);     /* B x T x E */
    rn_tensor *scores = unit_scores(m, g, b, q, k);       /* B x T, 0 at padding */
    rn_tensor *w = rn__attention_weights(g, b, scores, c->attention, E);
    if (out->want_views) out->view[0] = w;
    rn_tensor *interest = rn_pool(g, k, rn__mask_input(g, b), w, RN_POOL_WEIGHTED); /* B x E */
    out->logit[0] = rn__mlp_forward(&st->deep, g, rn__stack(m, g, b, emb, interest));
    return RN_OK;
}

static const char *const views[] = {"attention", NULL};

const rn__kind rn__din = {.name = "din",
                          .needs_seq = 1,
                          .max_tasks = 1,
                          .state_size = sizeof(din_state),
                          .defaults = defaults,
                          .build = build,
                          .forward = forward,
                          .views = views};
