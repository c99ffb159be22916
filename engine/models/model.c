/* The model interface (model.h): defaults and names, config checks, build,
 * forward and loss, the teacher's views (pairwise contributions, attention),
 * predict and the Keras-like summary. Each kind's layers live in its own file
 * (lr.c, fm.c, mlp.c, wide_deep.c, deepfm.c, din.c, dien.c). */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../alloc.h"
#include "../error.h"

static const rn__kind *const kinds[RN_MODEL_N_KINDS] = {
    &rn__lr, &rn__fm, &rn__mlp_model, &rn__wide_deep, &rn__deepfm, &rn__din, &rn__dien};

/* ---- names ------------------------------------------------------------------- */

static const char *const act_names[RN_ACT_N] = {"relu", "prelu", "dice", "sigmoid"};
static const char *const att_names[RN_ATT_N] = {"none", "softmax", "scaled_softmax"};
static const char *const gru_names[RN_GRU_N] = {"augru", "agru", "aigru", "gru"};

static int find(const char *const *names, int n, const char *name)
{
    for (int i = 0; name != NULL && i < n; i++)
        if (strcmp(names[i], name) == 0) return i;
    return -1;
}

const char *rn_model_kind_name(int kind)
{
    return kind >= 0 && kind < RN_MODEL_N_KINDS ? kinds[kind]->name : "?";
}

int rn_model_kind_from(const char *name)
{
    for (int i = 0; name != NULL && i < RN_MODEL_N_KINDS; i++)
        if (strcmp(kinds[i]->name, name) == 0) return i;
    return -1;
}

const char *rn_act_name(int act)
{
    return act >= 0 && act < RN_ACT_N ? act_names[act] : "?";
}
int rn_act_from(const char *name)
{
    return find(act_names, RN_ACT_N, name);
}
const char *rn_att_name(int att)
{
    return att >= 0 && att < RN_ATT_N ? att_names[att] : "?";
}
int rn_att_from(const char *name)
{
    return find(att_names, RN_ATT_N, name);
}
const char *rn_gru_name(int gru)
{
    return gru >= 0 && gru < RN_GRU_N ? gru_names[gru] : "?";
}
int rn_gru_from(const char *name)
{
    return find(gru_names, RN_GRU_N, name);
}

/* ---- config ------------------------------------------------------------------- */

rn_model_config rn_model_defaults(int kind)
{
    rn_model_config c;
    memset(&c, 0, sizeof c);
    c.kind = kind >= 0 && kind < RN_MODEL_N_KINDS ? kind : RN_MODEL_LR;
    c.seq_field = -1;
    c.embed_dim = 8;
    c.n_hidden = 2;
    c.hidden[0] = 64;
    c.hidden[1] = 32;
    c.activation = c.kind == RN_MODEL_DIN ? RN_ACT_DICE : RN_ACT_RELU;
    c.bn_momentum = 0.1f;
    c.dice_eps = 1e-8f;
    c.init_std = 0.05f;
    c.seed = 42;
    c.cross_buckets = 1000;
    c.n_att_hidden = 2;
    c.att_hidden[0] = 80;
    c.att_hidden[1] = 40;
    c.att_activation = RN_ACT_DICE;
    c.attention = RN_ATT_NONE;
    c.gru = RN_GRU_AUGRU;
    c.aux_weight = 1.0f;
    return c;
}

#define DIEN_MAX_T          256
#define RN_MODEL_MAX_PARAMS (1 << 28) /* 1 GB of float32 */

static int check_config(const rn_model_config *c)
{
    if (c->kind < 0 || c->kind >= RN_MODEL_N_KINDS)
        return rn_fail(RN_EARG, "model: unknown kind %d", c->kind);
    const char *k = kinds[c->kind]->name;
    if (c->n_fields < 1 || c->n_fields > RN_MODEL_MAX_FIELDS)
        return rn_fail(RN_EARG, "%s: n_fields must be in 1..%d, got %d", k, RN_MODEL_MAX_FIELDS,
                       c->n_fields);
    long rows = 0;
    for (int f = 0; f < c->n_fields; f++) {
        if (c->cardinality[f] < 1)
            return rn_fail(RN_EARG, "%s: cardinality of field %d must be at least 1, got %d", k, f,
                           c->cardinality[f]);
        rows += c->cardinality[f];
    }
    if (rows > 100000000L)
        return rn_fail(RN_EARG, "%s: %ld embedding rows in all (at most 100000000)", k, rows);
    if (c->n_dense < 0 || c->n_dense > 4096)
        return rn_fail(RN_EARG, "%s: n_dense must be in 0..4096, got %d", k, c->n_dense);
    if (c->embed_dim < 1 || c->embed_dim > 1024)
        return rn_fail(RN_EARG, "%s: embed_dim must be in 1..1024, got %d", k, c->embed_dim);
    if (c->n_hidden < 0 || c->n_hidden > RN_MODEL_MAX_LAYERS)
        return rn_fail(RN_EARG, "%s: hidden has %d layers (at most %d)", k, c->n_hidden,
                       RN_MODEL_MAX_LAYERS);
    for (int i = 0; i < c->n_hidden; i++)
        if (c->hidden[i] < 1 || c->hidden[i] > 65536)
            return rn_fail(RN_EARG, "%s: hidden layer %d has width %d (1..65536)", k, i + 1,
                           c->hidden[i]);
    if (c->n_att_hidden < 0 || c->n_att_hidden > RN_MODEL_MAX_LAYERS)
        return rn_fail(RN_EARG, "%s: att_hidden has %d layers (at most %d)", k, c->n_att_hidden,
                       RN_MODEL_MAX_LAYERS);
    for (int i = 0; i < c->n_att_hidden; i++)
        if (c->att_hidden[i] < 1 || c->att_hidden[i] > 65536)
            return rn_fail(RN_EARG, "%s: att_hidden layer %d has width %d (1..65536)", k, i + 1,
                           c->att_hidden[i]);
    if (c->activation < 0 || c->activation >= RN_ACT_N)
        return rn_fail(RN_EARG, "%s: unknown activation %d", k, c->activation);
    if (c->att_activation < 0 || c->att_activation >= RN_ACT_N)
        return rn_fail(RN_EARG, "%s: unknown att_activation %d", k, c->att_activation);
    if (c->attention < 0 || c->attention >= RN_ATT_N)
        return rn_fail(RN_EARG, "%s: unknown attention %d", k, c->attention);
    if (c->gru < 0 || c->gru >= RN_GRU_N) return rn_fail(RN_EARG, "%s: unknown gru %d", k, c->gru);
    if (!(c->dropout >= 0 && c->dropout < 1))
        return rn_fail(RN_EARG, "%s: dropout must be in [0, 1), got %g", k, (double)c->dropout);
    if (!(c->l2_embed >= 0 && c->l2_embed < 1e6f))
        return rn_fail(RN_EARG, "%s: l2_embed must be >= 0, got %g", k, (double)c->l2_embed);
    if (!(c->bn_momentum > 0 && c->bn_momentum <= 1))
        return rn_fail(RN_EARG, "%s: bn_momentum must be in (0, 1], got %g", k,
                       (double)c->bn_momentum);
    if (!(c->dice_eps > 0 && c->dice_eps < 1))
        return rn_fail(RN_EARG, "%s: dice_eps must be in (0, 1), got %g", k, (double)c->dice_eps);
    if (!(c->init_std >= 0 && c->init_std < 10))
        return rn_fail(RN_EARG, "%s: init_std must be in [0, 10), got %g", k, (double)c->init_std);
    if (!(c->aux_weight >= 0 && c->aux_weight < 1e6f))
        return rn_fail(RN_EARG, "%s: aux_weight must be >= 0, got %g", k, (double)c->aux_weight);
    int uses_seq = c->kind == RN_MODEL_MLP || c->kind == RN_MODEL_DIN || c->kind == RN_MODEL_DIEN;
    int needs_seq = c->kind == RN_MODEL_DIN || c->kind == RN_MODEL_DIEN;
    if (c->seq_len < 0 || c->seq_len > DIEN_MAX_T)
        return rn_fail(RN_EARG, "%s: seq_len must be in 0..%d, got %d", k, DIEN_MAX_T, c->seq_len);
    if (c->seq_len > 0 && !uses_seq)
        return rn_fail(RN_EARG, "%s reads no behaviour sequence: seq_len must be 0, got %d", k,
                       c->seq_len);
    if (needs_seq && c->seq_len < 1)
        return rn_fail(RN_EARG, "%s needs a behaviour sequence: seq_len >= 1, got %d", k,
                       c->seq_len);
    if (c->seq_len > 0 && (c->seq_field < 0 || c->seq_field >= c->n_fields))
        return rn_fail(RN_EARG,
                       "%s: seq_field must name the candidate item's field (0..%d), got %d", k,
                       c->n_fields - 1, c->seq_field);
    if (c->kind == RN_MODEL_WIDE_DEEP) {
        if (c->n_crosses < 0 || c->n_crosses > RN_MODEL_MAX_CROSSES)
            return rn_fail(RN_EARG, "%s: %d crosses (at most %d)", k, c->n_crosses,
                           RN_MODEL_MAX_CROSSES);
        if (c->n_crosses > 0 && (c->cross_buckets < 1 || c->cross_buckets > 10000000))
            return rn_fail(RN_EARG, "%s: cross_buckets must be in 1..10000000, got %d", k,
                           c->cross_buckets);
        for (int i = 0; i < c->n_crosses; i++)
            for (int j = 0; j < 2; j++)
                if (c->cross[i][j] < 0 || c->cross[i][j] >= c->n_fields)
                    return rn_fail(RN_EARG, "%s: cross %d names field %d of %d", k, i + 1,
                                   c->cross[i][j], c->n_fields);
    }
    /* a bound on the size, so that a typo (hidden = {40000, 40000}) is an error
     * rather than gigabytes allocated */
    double D = c->embed_dim, est = (double)rows * (D + 1) + (double)c->n_dense * (D + 1);
    if (c->kind == RN_MODEL_WIDE_DEEP) est += (double)c->n_crosses * c->cross_buckets;
    double in = c->n_fields * D + c->n_dense + 2 * D;
    for (int i = 0; i < c->n_hidden; i++)
        est += in * c->hidden[i], in = c->hidden[i];
    in = 4 * D;
    for (int i = 0; i < c->n_att_hidden; i++)
        est += in * c->att_hidden[i], in = c->att_hidden[i];
    est += 6 * D * D;
    if (est > RN_MODEL_MAX_PARAMS)
        return rn_fail(RN_EARG, "%s: about %.0f parameters (at most %d)", k, est,
                       RN_MODEL_MAX_PARAMS);
    return RN_OK;
}

/* ---- build ---------------------------------------------------------------------- */

rn_model *rn_model_new(const rn_model_config *cfg)
{
    if (cfg == NULL) {
        rn_fail(RN_EARG, "model: config is NULL");
        return NULL;
    }
    if (check_config(cfg) != RN_OK) return NULL;
    rn_model *m = rn_calloc(1, sizeof *m, "model");
    if (m == NULL) return NULL;
    m->cfg = *cfg;
    m->kind = kinds[cfg->kind];
    for (int f = 0; f < cfg->n_fields; f++) {
        m->offset[f] = m->rows;
        m->rows += cfg->cardinality[f];
    }
    m->ps = rn_params_new();
    m->bufs = rn_params_new();
    if (m->ps == NULL || m->bufs == NULL) {
        rn_model_free(m);
        return NULL;
    }
    rn_rng g;
    rn_rng_seed(&g, cfg->seed);
    if (m->kind->build(m, &g) != RN_OK) {
        rn_model_free(m);
        return NULL;
    }
    return m;
}

void rn_model_free(rn_model *m)
{
    if (m == NULL) return;
    rn_params_free(m->ps);
    rn_params_free(m->bufs);
    rn_free(m->ids);
    rn_free(m);
}

const rn_model_config *rn_model_config_of(const rn_model *m)
{
    return &m->cfg;
}

rn_params *rn_model_params(rn_model *m)
{
    return m->ps;
}

rn_params *rn_model_buffers(rn_model *m)
{
    return m->bufs;
}

/* ---- forward and loss ---------------------------------------------------------- */

int rn_model_check_batch(const rn_model *m, const rn_samples *b)
{
    const rn_model_config *c = &m->cfg;
    const char *k = m->kind->name;
    if (b == NULL) return rn_fail(RN_EARG, "%s: the batch is NULL", k);
    if (b->n < 1 || b->n > (size_t)INT32_MAX / 4)
        return rn_fail(RN_EARG, "%s: a batch needs 1 to %d rows, got %zu", k, INT32_MAX / 4, b->n);
    if (b->n_fields != c->n_fields)
        return rn_fail(RN_ESHAPE, "%s: the batch has %d sparse fields, the model %d", k,
                       b->n_fields, c->n_fields);
    if (b->n_dense != c->n_dense)
        return rn_fail(RN_ESHAPE, "%s: the batch has %d dense features, the model %d", k,
                       b->n_dense, c->n_dense);
    if (c->seq_len > 0 && b->seq_len != c->seq_len)
        return rn_fail(RN_ESHAPE, "%s: the batch's sequences have length %d, the model %d", k,
                       b->seq_len, c->seq_len);
    if (b->n_tasks < 1 || b->labels == NULL)
        return rn_fail(RN_ESHAPE, "%s: the batch has no label column", k);
    size_t F = (size_t)c->n_fields;
    for (size_t r = 0; r < b->n; r++)
        for (size_t f = 0; f < F; f++) {
            int32_t id = b->sparse[r * F + f];
            if (id < 0 || id >= c->cardinality[f])
                return rn_fail(RN_EARG, "%s: row %zu, field %zu: id %d outside [0, %d)", k, r, f,
                               (int)id, c->cardinality[f]);
        }
    if (c->seq_len > 0) {
        size_t T = (size_t)c->seq_len;
        int card = c->cardinality[c->seq_field];
        for (size_t i = 0; i < b->n * T; i++) {
            if (b->seq[i] < 0 || b->seq[i] >= card)
                return rn_fail(RN_EARG,
                               "%s: row %zu, sequence position %zu: item %d outside [0, %d) "
                               "(the field %d it shares)",
                               k, i / T, i % T, (int)b->seq[i], card, c->seq_field);
            if (b->mask[i] != 0.0f && b->mask[i] != 1.0f)
                return rn_fail(RN_EARG, "%s: row %zu, sequence position %zu: mask %g is not 0 or 1",
                               k, i / T, i % T, (double)b->mask[i]);
        }
    }
    return RN_OK;
}

rn_tensor *rn_model_forward(rn_model *m, rn_graph *g, const rn_samples *b)
{
    if (rn_model_check_batch(m, b) != RN_OK) return NULL;
    /* grow the scratch ids now: an allocation failing between two ops would
     * leave the graph without its sticky error */
    const rn_model_config *c = &m->cfg;
    size_t width = (size_t)c->n_fields;
    if ((size_t)c->seq_len > width) width = (size_t)c->seq_len;
    if ((size_t)c->n_crosses > width) width = (size_t)c->n_crosses;
    if (rn__scratch_ids(m, b->n * width) == NULL) return NULL;
    m->n_reg = 0;
    m->aux = m->att = m->fm_v = NULL;
    rn_tensor *y = m->kind->forward(m, g, b);
    if (y == NULL && rn_error_code() == RN_OK)
        rn_fail(RN_ESTATE, "%s: forward failed", m->kind->name);
    return y;
}

rn_tensor *rn_model_loss(rn_model *m, rn_graph *g, const rn_samples *b, rn_tensor **logits)
{
    rn_tensor *z = rn_model_forward(m, g, b);
    if (logits != NULL) *logits = z;
    if (z == NULL) return NULL;
    rn_tensor *y = rn_graph_tensor(g, 2, (const int[]){(int)b->n, 1}, b->labels);
    rn_tensor *loss = rn_bce_logits(g, z, y, NULL);
    if (m->cfg.l2_embed > 0)
        for (int i = 0; i < m->n_reg; i++) {
            rn_tensor *e = m->reg[i];
            /* sum of squares over the batch, divided by B like the click loss */
            rn_tensor *sq = rn_sum_all(g, rn_mul(g, e, e));
            loss = rn_add(g, loss, rn_scale(g, sq, m->cfg.l2_embed / (float)b->n));
        }
    if (m->aux != NULL) loss = rn_add(g, loss, rn_scale(g, m->aux, m->cfg.aux_weight));
    if (loss == NULL && rn_error_code() == RN_OK)
        rn_fail(RN_ESTATE, "%s: loss failed", m->kind->name);
    return loss;
}

/* ---- teacher's views -------------------------------------------------------------- */

/* Runs an inference forward on a fresh graph and copies the tensor picked by
 * which (0: pairwise contributions, 1: attention) into out. */
static int inspect(rn_model *m, const rn_samples *b, float *out, int *n_out, int which)
{
    const rn_model_config *c = &m->cfg;
    const char *k = m->kind->name;
    int width;
    if (which == 0) {
        if (c->kind != RN_MODEL_FM && c->kind != RN_MODEL_DEEPFM)
            return rn_fail(RN_EARG, "%s has no pairwise interactions (fm and deepfm have)", k);
        int F = c->n_fields + c->n_dense;
        width = F * (F - 1) / 2;
        if (width == 0) return rn_fail(RN_EARG, "%s: one field has no pairs to interact", k);
    } else {
        if (c->kind != RN_MODEL_DIN && c->kind != RN_MODEL_DIEN)
            return rn_fail(RN_EARG, "%s has no attention (din and dien have)", k);
        width = c->seq_len;
    }
    if (n_out != NULL) *n_out = width;
    if (out == NULL) return RN_OK;
    rn_graph *g = rn_graph_new(c->seed);
    if (g == NULL) return rn_error_code();
    rn_graph_set_training(g, 0);
    int rc = RN_OK;
    if (rn_model_forward(m, g, b) == NULL) {
        rc = rn_error_code();
    } else {
        rn_tensor *t = which == 0 ? rn_pairwise(g, m->fm_v) : m->att;
        if (t == NULL)
            rc = rn_error_code() != RN_OK ? rn_error_code()
                                          : rn_fail(RN_ESTATE, "%s: nothing to inspect", k);
        else
            memcpy(out, t->data, t->n * sizeof *out);
    }
    rn_graph_free(g);
    return rc;
}

int rn_model_interactions(rn_model *m, const rn_samples *b, float *out, int *n_out)
{
    return inspect(m, b, out, n_out, 0);
}

int rn_model_attention(rn_model *m, const rn_samples *b, float *out, int *n_out)
{
    return inspect(m, b, out, n_out, 1);
}

int rn_model_predict(rn_model *m, const rn_samples *data, size_t batch_size, float *out)
{
    if (batch_size < 1) return rn_fail(RN_EARG, "predict: batch size must be at least 1");
    if (data == NULL || data->n == 0) return rn_fail(RN_EARG, "predict: no rows");
    rn_graph *g = rn_graph_new(m->cfg.seed);
    if (g == NULL) return rn_error_code();
    rn_graph_set_training(g, 0);
    int rc = RN_OK;
    for (size_t start = 0; start < data->n && rc == RN_OK; start += batch_size) {
        size_t n = data->n - start < batch_size ? data->n - start : batch_size;
        rn_samples v = rn_samples_view(data, start, n);
        rn_tensor *z = rn_model_forward(m, g, &v);
        if (z == NULL)
            rc = rn_error_code();
        else
            memcpy(out + start, z->data, n * sizeof *out);
        rn_graph_reset(g);
    }
    rn_graph_free(g);
    return rc;
}

/* ---- describe ------------------------------------------------------------------- */

static size_t count_prefix(const rn_params *ps, const char *name)
{
    size_t total = 0, len = strlen(name);
    for (size_t i = 0; i < rn_params_count(ps); i++) {
        const rn_tensor *t = rn_params_at(ps, i);
        if (strncmp(t->name, name, len) == 0 && (t->name[len] == '\0' || t->name[len] == '.'))
            total += t->n;
    }
    return total;
}

int rn_model_n_layers(const rn_model *m)
{
    return m->n_layers;
}

int rn_model_layer(const rn_model *m, int i, rn_layer_info *out)
{
    if (i < 0 || i >= m->n_layers)
        return rn_fail(RN_EARG, "layer %d out of range (0..%d)", i, m->n_layers - 1);
    *out = m->layers[i];
    /* its parameters: those named name or name.* (layer names never nest) */
    out->n_params = count_prefix(m->ps, out->name);
    return RN_OK;
}

size_t rn_model_describe(const rn_model *m, char *buf, size_t size)
{
    size_t used = 0;
    char line[160];
#define EMIT(...)                                                                                  \
    do {                                                                                           \
        int n_ = snprintf(line, sizeof line, __VA_ARGS__);                                         \
        if (n_ > 0) {                                                                              \
            if (used + (size_t)n_ < size)                                                          \
                memcpy(buf + used, line, (size_t)n_ + 1);                                          \
            else if (used < size && size > 0) {                                                    \
                memcpy(buf + used, line, size - used - 1);                                         \
                buf[size - 1] = '\0';                                                              \
            }                                                                                      \
            used += (size_t)n_;                                                                    \
        }                                                                                          \
    } while (0)
    if (size > 0) buf[0] = '\0';
    EMIT("Model: %s (%d fields, %d dense%s, embed_dim %d)\n", m->kind->name, m->cfg.n_fields,
         m->cfg.n_dense, m->cfg.seq_len > 0 ? ", sequence" : "", m->cfg.embed_dim);
    EMIT("%-16s %-24s %-18s %12s\n", "Layer", "Kind", "Output shape", "Param #");
    EMIT("%.*s\n", 73,
         "==========================================================================");
    size_t listed = 0;
    for (int i = 0; i < m->n_layers; i++) {
        rn_layer_info l;
        rn_model_layer(m, i, &l);
        listed += l.n_params;
        EMIT("%-16s %-24s %-18s %12zu\n", l.name, l.kind, l.output, l.n_params);
    }
    EMIT("%.*s\n", 73,
         "==========================================================================");
    size_t total = rn_params_size(m->ps), bufs = rn_params_size(m->bufs);
    EMIT("Total params: %zu (%zu tensors)\n", total, rn_params_count(m->ps));
    EMIT("Buffers (running statistics): %zu\n", bufs);
    if (listed != total) EMIT("(parameters outside the listed layers: %zu)\n", total - listed);
#undef EMIT
    return used;
}
