/* DIN, the Deep Interest Network (Zhou et al. 2018, "Deep Interest Network for
 * Click-Through Rate Prediction"):
 *
 *   v_U(A) = sum_j a(e_j, v_A) e_j = sum_j w_j e_j
 *
 * The candidate item's embedding v_A (the query q, field seq_field) and each
 * history item's embedding e_j (the key k, same table) enter the activation
 * unit as [q, k, q - k, q * k] (B x T x 4D), an MLP ("att.N", PReLU or Dice,
 * then a linear "att.out" to one unit) gives one score per history item, and
 * the scores weight the history's sum. Padded positions are masked: their
 * weight is exactly 0. The normalisation is the `attention` option:
 *
 *   none            w_j = score_j                      (the paper: no softmax,
 *                                                       to keep interest intensity)
 *   softmax         w = softmax over the valid items of score
 *   scaled_softmax  w = softmax over the valid items of score / sqrt(D)
 *                   (the official code's variant)
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
    int D = c->embed_dim;
    if ((st->embed = rn__table(m, "embed.weight", m->rows, D, g)) == NULL) return rn_error_code();
    m->table = st->embed;
    int rc = rn__mlp_init(&st->att_mlp, m->ps, m->bufs, "att", 4 * D, c->n_att_hidden,
                          c->att_hidden, 1, c->att_activation, 0, 0.0f, c->bn_momentum,
                          c->dice_eps, c->init, g);
    if (rc != RN_OK) return rc;
    int in = c->n_fields * D + D + c->n_dense;
    rc = rn__mlp_init(&st->deep, m->ps, m->bufs, "deep", in, c->n_hidden, c->hidden, 1,
                      c->activation, c->bn, c->dropout, c->bn_momentum, c->dice_eps, c->init, g);
    if (rc != RN_OK) return rc;
    rn__layer(m, "embed", "Embedding (shared)", "B x %d x %d", c->n_fields + c->seq_len, D);
    rn__layer(m, "att.input", "Concat [q,k,q-k,q*k]", "B*T x %d", 4 * D);
    rn__mlp_describe(m, &st->att_mlp, "att", "B*T");
    rn__layer(m, "att.weights",
              c->attention == RN_ATT_NONE ? "Mask (no softmax)" : "Masked softmax", "B x %d",
              c->seq_len);
    rn__layer(m, "interest", "WeightedSumPooling", "B x %d", D);
    rn__mlp_describe(m, &st->deep, "deep", "B");
    return RN_OK;
}

/* A B x T x 1 tensor of ones, to broadcast the query over the history. */
static rn_tensor *ones(rn_graph *g, int B, int T)
{
    rn_tensor *t = rn_graph_tensor(g, 3, (const int[]){B, T, 1}, NULL);
    if (t != NULL) rn_tensor_fill(t, 1.0f);
    return t;
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

static int forward(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *out)
{
    const rn_model_config *c = &m->cfg;
    din_state *st = m->state;
    int B = (int)b->n, T = c->seq_len, D = c->embed_dim;
    rn_tensor *emb = rn__field_embed(m, g, st->embed, b); /* B x F x D */
    rn_tensor *q = rn_slice(g, emb, 1, c->seq_field, 1);  /* B x 1 x D */
    rn_tensor *k = rn__seq_embed(m, g, st->embed, b);     /* B x T x D */
    rn_tensor *qe = rn_mul(g, ones(g, B, T), q);          /* B x T x D */
    rn_tensor *parts[4] = {qe, k, rn_sub(g, qe, k), rn_mul(g, qe, k)};
    rn_tensor *unit = rn_reshape(g, rn_concat(g, 4, parts, 2), 2, (const int[]){B * T, 4 * D});
    rn_tensor *scores =
        rn_reshape(g, rn__mlp_forward(&st->att_mlp, g, unit), 2, (const int[]){B, T});
    rn_tensor *w = rn__attention_weights(g, b, scores, c->attention, D);
    if (out->want_views) out->view[0] = w;
    rn_tensor *interest = rn_pool(g, k, rn__mask_input(g, b), w, RN_POOL_WEIGHTED); /* B x D */
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
