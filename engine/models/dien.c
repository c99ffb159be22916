/* DIEN, the Deep Interest Evolution Network (Zhou et al. 2019, "Deep Interest
 * Evolution Network for Click-Through Rate Prediction"):
 *
 * Interest extractor: a GRU ("gru.*", torch.nn.GRUCell's layout, hidden size
 * H = E) runs over the behaviour embeddings e_1..e_T, giving h_1..h_T; padded
 * steps keep the previous state. A behaviour carries S features (item id,
 * category id, ...: the seq_fields), each embedded with its candidate field's
 * rows and concatenated, so e_t and the candidate e_A have E = S D entries (the
 * official code's item + category, hidden size their sum). Its auxiliary loss
 * (eq. 6) asks h_t to tell the next behaviour e_{t+1} from a negative drawn
 * with the graph's seeded generator: an item drawn uniformly from the item
 * field (S = 1), or a real behaviour of the batch, its features together
 * (S > 1, so that a negative item keeps its own category):
 *
 *   L_aux = -mean over valid t of [log sigmoid(<h_t, e_{t+1}>) + log(1 - sigmoid(<h_t, e~_{t+1}>))]
 *
 * added to the click loss with weight aux_weight (training only).
 *
 * Attention (eq. 7): a_t = softmax over the valid steps of h_t W e_A, with W
 * "att.weight" (H x E) and e_A the candidate's embedding; 0 at padding.
 *
 * Interest evolution ("evo.*"), by the `gru` option, with the GRU's gates
 * r, z, candidate n and u = 1 - z the update gate of the paper's convention
 * h_t = (1 - u) h_{t-1} + u n:
 *
 *   augru  u'_t = a_t u_t;  h'_t = (1 - u'_t) h'_{t-1} + u'_t n_t   (the paper's choice)
 *   agru   h'_t = (1 - a_t) h'_{t-1} + a_t n_t
 *   aigru  a GRU over the inputs a_t h_t
 *   gru    a GRU over h_t, no attention
 *
 * The final state h'_T joins the field embeddings and dense features in the
 * MLP ("deep.N", "deep.out"). The paper's auxiliary network is an MLP; here
 * it is the inner product, so the loss is a plain composition of ops. */
#include "internal.h"

#include <math.h>
#include <stdio.h>

#include "../error.h"

typedef struct {
    rn_tensor *wih, *whh, *bih, *bhh;
} gru_w;

typedef struct {
    rn_tensor *embed;
    gru_w gru, evo;
    rn_tensor *att_w; /* the bilinear attention (H x E) */
    rn__mlp deep;
} dien_state;

static int gru_params(rn_model *m, const char *prefix, int I, int H, gru_w *w, rn_rng *g)
{
    char name[64];
    float a = 1.0f / sqrtf((float)H); /* torch.nn.GRUCell's U(-1/sqrt(H), 1/sqrt(H)) */
    rn_tensor **t[4] = {&w->wih, &w->whh, &w->bih, &w->bhh};
    const char *tag[4] = {"w_ih", "w_hh", "b_ih", "b_hh"};
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "%s.%s", prefix, tag[i]);
        *t[i] = i < 2 ? rn__param(m, name, 2, (const int[]){3 * H, i == 0 ? I : H})
                      : rn__param(m, name, 1, (const int[]){3 * H});
        if (*t[i] == NULL) return rn_error_code();
        rn__init_uniform(*t[i], g, -a, a);
    }
    return RN_OK;
}

static int build(rn_model *m, rn_rng *g)
{
    const rn_model_config *c = &m->cfg;
    dien_state *st = m->state;
    int D = c->embed_dim, E = rn__seq_width(m), H = E, T = c->seq_len;
    if ((st->embed = rn__table(m, "embed.weight", m->rows, D, g)) == NULL) return rn_error_code();
    m->table = st->embed;
    int rc = gru_params(m, "gru", E, H, &st->gru, g);
    if (rc == RN_OK) rc = gru_params(m, "evo", H, H, &st->evo, g);
    if (rc != RN_OK) return rc;
    if ((st->att_w = rn__param(m, "att.weight", 2, (const int[]){H, E})) == NULL)
        return rn_error_code();
    rn__init_uniform(st->att_w, g, -1.0f / sqrtf((float)E), 1.0f / sqrtf((float)E));
    int in = c->n_fields * D + H + c->n_dense;
    rc = rn__mlp_init(&st->deep, m->ps, m->bufs, "deep", in, c->n_hidden, c->hidden, 1,
                      c->activation, c->bn, c->dropout, c->bn_momentum, c->dice_eps, c->init, g);
    if (rc != RN_OK) return rc;
    rn__layer(m, "embed", "Embedding (shared)", "B x %d x %d", c->n_fields + T * m->n_seq, D);
    rn__layer(m, "gru", "GRU (extractor)", "B x %d x %d", T, H);
    rn__layer(m, "aux", c->aux_weight > 0 ? "Aux loss (next item)" : "Aux loss (off)", "1");
    rn__layer(m, "att", "Bilinear+softmax", "B x %d", T);
    static const char *const cell[] = {"AUGRU", "AGRU", "AIGRU", "GRU"};
    char kind[24];
    snprintf(kind, sizeof kind, "%s (evolution)", cell[c->gru]);
    rn__layer(m, "evo", kind, "B x %d", H);
    rn__mlp_describe(m, &st->deep, "deep", "B");
    return RN_OK;
}

/* h + gate * (n - h): the convex update of a GRU-style cell. */
static rn_tensor *blend(rn_graph *g, rn_tensor *h, rn_tensor *n, rn_tensor *gate)
{
    return rn_add(g, h, rn_mul(g, gate, rn_sub(g, n, h)));
}

/* One AUGRU (a_t scales the update gate) or AGRU (a_t is the update gate)
 * step. For AUGRU, *u receives the update gate 1 - z_t (B x H) when u is not
 * NULL. */
static rn_tensor *attention_cell(rn_model *m, rn_graph *g, rn_tensor *x, rn_tensor *h, rn_tensor *a,
                                 rn_tensor *one, int augru, rn_tensor **u)
{
    const dien_state *st = m->state;
    int H = rn__seq_width(m);
    rn_tensor *gi = rn_add(g, rn_matmul(g, x, st->evo.wih, 0, 1), st->evo.bih); /* B x 3H */
    rn_tensor *gh = rn_add(g, rn_matmul(g, h, st->evo.whh, 0, 1), st->evo.bhh);
    rn_tensor *pi[3], *ph[3];
    const int sizes[3] = {H, H, H};
    if (rn_split(g, gi, 1, 3, sizes, pi) != RN_OK || rn_split(g, gh, 1, 3, sizes, ph) != RN_OK)
        return NULL;
    rn_tensor *n;
    if (augru) {
        rn_tensor *r = rn_sigmoid(g, rn_add(g, pi[0], ph[0]));
        rn_tensor *z = rn_sigmoid(g, rn_add(g, pi[1], ph[1]));
        n = rn_tanh(g, rn_add(g, pi[2], rn_mul(g, r, ph[2])));
        rn_tensor *uz = rn_sub(g, one, z);
        if (u != NULL) *u = uz;
        return blend(g, h, n, rn_mul(g, a, uz)); /* u' = a (1 - z) */
    }
    rn_tensor *r = rn_sigmoid(g, rn_add(g, pi[0], ph[0]));
    n = rn_tanh(g, rn_add(g, pi[2], rn_mul(g, r, ph[2])));
    return blend(g, h, n, a);
}

#define DIEN_MAX_T 256

static rn_tensor *aux_loss(rn_model *m, rn_graph *g, const rn_samples *b, rn_tensor *hs,
                           rn_tensor *k)
{
    const rn_model_config *c = &m->cfg;
    int B = (int)b->n, T = c->seq_len, T1 = T - 1;
    int card = c->cardinality[c->seq_field], off = m->offset[c->seq_field];
    rn_tensor *prev = rn_slice(g, hs, 1, 0, T1);
    rn_tensor *pos = rn_sum(g, rn_mul(g, prev, rn_slice(g, k, 1, 1, T1)), 2, 0); /* B x T1 */
    size_t n = (size_t)B * (size_t)T;
    int32_t *id = rn__scratch_ids(m, (size_t)B * (size_t)T1);
    if (id == NULL) return NULL;
    rn_rng *r = rn_graph_rng(g);
    rn_tensor *neg_e;
    if (m->n_seq == 1) { /* an item drawn uniformly (id 0 is padding: from 1..) */
        for (size_t i = 0; i < (size_t)B * (size_t)T1; i++)
            id[i] = off + (card > 1 ? 1 + (int32_t)rn_rng_below(r, (uint64_t)(card - 1)) : 0);
        rn_ids ids = {id, (size_t)B * (size_t)T1, 2, {B, T1}, RN_I32};
        neg_e = rn_embedding(g, ((const dien_state *)m->state)->embed, &ids);
    } else { /* a behaviour of the batch drawn uniformly, all its features together, so a
                negative's item and category belong together (the paper's data has them) */
        size_t any = 0;
        for (size_t i = 0; i < n && any == 0; i++)
            any = b->mask[i] != 0.0f;
        if (any == 0) return NULL;
        for (size_t i = 0; i < (size_t)B * (size_t)T1; i++) {
            size_t p;
            do /* rejection: at least one position is real */
                p = (size_t)rn_rng_below(r, (uint64_t)n);
            while (b->mask[p] == 0.0f);
            id[i] = (int32_t)p;
        }
        rn_ids ids = {id, (size_t)B * (size_t)T1, 2, {B, T1}, RN_I32};
        int E = rn__seq_width(m);
        neg_e = rn_gather_rows(g, rn_reshape(g, k, 2, (const int[]){(int)n, E}), &ids);
    }
    rn_tensor *neg = rn_sum(g, rn_mul(g, prev, neg_e), 2, 0);
    rn_tensor *both[2] = {pos, neg};
    rn_tensor *z = rn_concat(g, 2, both, 1); /* B x 2 T1 */
    rn_tensor *y = rn_graph_tensor(g, 2, (const int[]){B, 2 * T1}, NULL);
    rn_tensor *w = rn_graph_tensor(g, 2, (const int[]){B, 2 * T1}, NULL);
    if (y == NULL || w == NULL || z == NULL) return NULL;
    double valid = 0;
    for (int i = 0; i < B; i++)
        for (int t = 0; t < T1; t++) {
            float mk = b->mask[(size_t)i * (size_t)T + (size_t)t + 1];
            y->data[i * 2 * T1 + t] = 1.0f;
            w->data[i * 2 * T1 + t] = mk;
            w->data[i * 2 * T1 + T1 + t] = mk;
            valid += 2.0 * (double)mk;
        }
    if (valid == 0) return NULL;
    /* bce_logits averages over all 2 B T1 pairs: rescale to the valid ones */
    return rn_scale(g, rn_bce_logits(g, z, y, w), (float)(2.0 * B * T1 / valid));
}

static int forward(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *out)
{
    const rn_model_config *c = &m->cfg;
    dien_state *st = m->state;
    int B = (int)b->n, T = c->seq_len, E = rn__seq_width(m), H = E;
    rn_tensor *emb = rn__field_embed(m, g, st->embed, b);
    rn_tensor *q = rn__seq_query(m, g, emb);          /* B x E */
    rn_tensor *k = rn__seq_embed(m, g, st->embed, b); /* B x T x E */
    rn_tensor *mask = rn__mask_input(g, b);
    rn_tensor *h = rn_graph_tensor(g, 2, (const int[]){B, H}, NULL);
    rn_tensor *hs[DIEN_MAX_T], *ms[DIEN_MAX_T];
    for (int t = 0; t < T; t++) {
        rn_tensor *x = rn_reshape(g, rn_slice(g, k, 1, t, 1), 2, (const int[]){B, E});
        ms[t] = rn_slice(g, mask, 1, t, 1); /* B x 1 */
        rn_tensor *hn = rn_gru_cell(g, x, h, st->gru.wih, st->gru.whh, st->gru.bih, st->gru.bhh);
        h = blend(g, h, hn, ms[t]); /* padding keeps the state */
        hs[t] = rn_reshape(g, h, 3, (const int[]){B, 1, H});
    }
    rn_tensor *hseq = T == 1 ? hs[0] : rn_concat(g, T, hs, 1); /* B x T x H */
    if (rn_graph_training(g) && c->aux_weight > 0 && T >= 2 && hseq != NULL) {
        rn_tensor *aux = aux_loss(m, g, b, hseq, k);
        if (aux == NULL && rn_graph_error(g) != RN_OK) return rn_graph_error(g);
        if (aux != NULL) out->extra = rn_scale(g, aux, c->aux_weight);
    }
    /* attention a_t = softmax(h_t W e_A) over the valid steps */
    rn_tensor *qw = rn_reshape(g, rn_matmul(g, q, st->att_w, 0, 1), 3, (const int[]){B, 1, H});
    rn_tensor *scores = rn_sum(g, rn_mul(g, hseq, qw), 2, 0);
    rn_tensor *a = rn__attention_weights(g, b, scores, RN_ATT_SOFTMAX, E);
    if (out->want_views) out->view[0] = a;
    rn_tensor *one = rn_graph_tensor(g, 2, (const int[]){1, 1}, (const float[]){1.0f});
    rn_tensor *he = rn_graph_tensor(g, 2, (const int[]){B, H}, NULL);
    rn_tensor *ug[DIEN_MAX_T], *eg[DIEN_MAX_T]; /* the gate views' steps, B x 1 */
    int gates = out->want_views && c->gru == RN_GRU_AUGRU;
    for (int t = 0; t < T; t++) {
        rn_tensor *x = rn_reshape(g, hs[t], 2, (const int[]){B, H});
        rn_tensor *at = rn_slice(g, a, 1, t, 1); /* B x 1, 0 at padding */
        switch (c->gru) {
        case RN_GRU_AUGRU: {
            rn_tensor *u = NULL;
            he = attention_cell(m, g, x, he, at, one, 1, gates ? &u : NULL);
            if (gates) { /* the means over the hidden units of 1 - z_t and a_t (1 - z_t) */
                rn_tensor *mu = rn_mean(g, u, 1, 1); /* B x 1 */
                ug[t] = rn_mul(g, mu, ms[t]);
                eg[t] = rn_mul(g, mu, at);
            }
            break;
        }
        case RN_GRU_AGRU:
            he = attention_cell(m, g, x, he, at, one, 0, NULL);
            break;
        default: {
            if (c->gru == RN_GRU_AIGRU) x = rn_mul(g, x, at);
            rn_tensor *hn = rn_gru_cell(g, x, he, st->evo.wih, st->evo.whh, st->evo.bih, st->evo.bhh);
            he = blend(g, he, hn, ms[t]);
        }
        }
    }
    if (gates) {
        out->view[1] = T == 1 ? ug[0] : rn_concat(g, T, ug, 1); /* B x T */
        out->view[2] = T == 1 ? eg[0] : rn_concat(g, T, eg, 1);
    } else if (out->want_views && c->gru == RN_GRU_AGRU) {
        out->view[2] = a; /* AGRU's gate is the attention itself */
        rn_fail(RN_EARG, "dien with gru = 'agru' has no update_gate view: the attention is its "
                         "update gate (augru has one; effective_gate is the attention)");
    } else if (out->want_views) { /* read by rn_model_view only when a gate view is asked */
        rn_fail(RN_EARG, "dien with gru = '%s' has no update_gate or effective_gate view (augru "
                         "has both, agru has effective_gate)", rn_gru_name(c->gru));
    }
    out->logit[0] = rn__mlp_forward(&st->deep, g, rn__stack(m, g, b, emb, he));
    return RN_OK;
}

static const char *const views[] = {"attention", "update_gate", "effective_gate", NULL};

const rn__kind rn__dien = {.name = "dien",
                           .needs_seq = 1,
                           .max_tasks = 1,
                           .state_size = sizeof(dien_state),
                           .build = build,
                           .forward = forward,
                           .views = views};
