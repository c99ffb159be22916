/* The model interface (model.h): defaults and names, config checks, build,
 * forward and loss, the teacher's views (pairwise contributions, attention),
 * predict and the Keras-like summary. Each kind's layers live in its own file
 * (lr.c, fm.c, mlp.c, wide_deep.c, deepfm.c, din.c, dien.c). */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "../alloc.h"
#include "../error.h"
#include "../interrupt.h"
#include "config.h"

static const rn__kind *const kinds[RN_MODEL_N_KINDS] = {
    &rn__lr,   &rn__fm,  &rn__mlp_model, &rn__wide_deep, &rn__deepfm, &rn__din, &rn__dien,
    &rn__shared_bottom, &rn__moe, &rn__mmoe, &rn__esmm, &rn__cgc, &rn__ple, &rn__ffm};

/* ---- names ------------------------------------------------------------------- */

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

/* ---- config ------------------------------------------------------------------- */

rn_model_config rn_model_defaults(int kind)
{
    rn_model_config c;
    memset(&c, 0, sizeof c);
    c.kind = kind >= 0 && kind < RN_MODEL_N_KINDS ? kind : RN_MODEL_LR;
    rn__config_table_defaults(&c);
    if (kinds[c.kind]->defaults != NULL) kinds[c.kind]->defaults(&c);
    return c;
}

#define RN_MODEL_MAX_PARAMS (1 << 28) /* 1 GB of float32 */

static int check_config(const rn_model_config *c)
{
    if (rn_config_check_keys(c) != RN_OK) return rn_error_code();
    const rn__kind *kd = kinds[c->kind];
    const char *k = kd->name;
    if (c->n_fields < 1 && !(kd->dense_alone && c->n_dense > 0) && c->bag_cardinality < 1)
        return rn_fail(RN_EARG, "%s: give the cardinality of at least one field%s", k,
                       kd->dense_alone                   ? " (or dense features)"
                       : c->bag_cardinality == 0 &&
                               rn_config_key_reads(rn_config_key_find("bag_cardinality"), c->kind)
                           ? " (or a sparse bag: bag = n)"
                           : "");
    long rows = c->bag_cardinality;
    for (int f = 0; f < c->n_fields; f++)
        rows += c->cardinality[f];
    if (rows > 100000000L)
        return rn_fail(RN_EARG, "%s: %ld embedding rows in all (at most 100000000)", k, rows);
    if (c->n_tasks > kd->max_tasks)
        return rn_fail(RN_EARG, "%s has %d head%s, not %d tasks", k, kd->max_tasks,
                       kd->max_tasks == 1 ? "" : "s", c->n_tasks);
    if (kd->needs_seq && c->seq_len < 1)
        return rn_fail(RN_EARG, "%s needs a behaviour sequence: seq_len >= 1, got %d", k,
                       c->seq_len);
    if (c->seq_len > 0 && (c->seq_field < 0 || c->seq_field >= c->n_fields))
        return rn_fail(RN_EARG,
                       "%s: seq_field must name the candidate item's field (1..%d), got %d", k,
                       c->n_fields, c->seq_field + 1);
    for (int s = 0; c->seq_len > 0 && s < c->n_seq_fields; s++)
        if (c->seq_fields[s] >= c->n_fields)
            return rn_fail(RN_EARG,
                           "%s: seq_fields[%d] is field %d, but the model has %d fields (each "
                           "behaviour feature shares a candidate field's embedding)",
                           k, s + 1, c->seq_fields[s] + 1, c->n_fields);
    if (c->seq_len > 0 && c->n_seq_fields > 0 && c->seq_field != c->seq_fields[0])
        return rn_fail(RN_EARG,
                       "%s: seq_field (%d) must be the first of seq_fields (%d, ...): the "
                       "candidate item's field comes first",
                       k, c->seq_field + 1, c->seq_fields[0] + 1);
    if (kd->check != NULL && kd->check(c) != RN_OK) return rn_error_code();
    /* a bound on the size, so that a typo (hidden = {40000, 40000}) is an error
     * rather than gigabytes allocated */
    double D = c->embed_dim, est = (double)rows * (D + 1) + (double)c->n_dense * (D + 1);
    est += (double)c->n_crosses * c->cross_buckets;
    double S = c->n_seq_fields > 1 ? c->n_seq_fields : 1; /* behaviour features */
    double in = c->n_fields * D + c->n_dense + 2 * S * D;
    for (int i = 0; i < c->n_hidden; i++)
        est += in * c->hidden[i], in = c->hidden[i];
    in = 4 * S * D;
    for (int i = 0; i < c->n_att_hidden; i++)
        est += in * c->att_hidden[i], in = c->att_hidden[i];
    est += 6 * S * D * S * D;
    /* experts (at most each task's own and the shared ones, per level) and towers,
     * for the kinds that read them */
    double experts = (double)c->n_experts * (c->n_tasks + 1) + c->n_shared;
    in = c->n_fields * D + c->n_dense;
    if (rn_config_key_reads(rn_config_key_find("expert_hidden"), c->kind))
        for (int i = 0; i < c->n_expert_hidden; i++)
            est += experts * c->n_levels * in * c->expert_hidden[i], in = c->expert_hidden[i];
    if (rn_config_key_reads(rn_config_key_find("tower_hidden"), c->kind))
        for (int i = 0; i < c->n_tower_hidden; i++)
            est += 2.0 * c->n_tasks * in * c->tower_hidden[i], in = c->tower_hidden[i];
    if (est > RN_MODEL_MAX_PARAMS)
        return rn_fail(RN_EARG, "%s: about %.0f parameters (at most %d)", k, est,
                       RN_MODEL_MAX_PARAMS);
    return RN_OK;
}

int rn_model_seq_features(const rn_model_config *c, int *fields)
{
    if (c->seq_len < 1) return 0;
    int n = c->n_seq_fields > 0 ? c->n_seq_fields : 1;
    for (int s = 0; fields != NULL && s < n; s++)
        fields[s] = c->n_seq_fields > 0 ? c->seq_fields[s] : c->seq_field;
    return n;
}

/* One history feature is seq_field alone (so a single-feature model's config
 * and file are what they were before seq_fields); seq_field is the first of
 * several. */
static void seq_canonical(rn_model_config *c)
{
    if (c->seq_len < 1 || c->n_seq_fields < 0 || c->n_seq_fields > RN_SEQ_MAX_FEATURES) {
        if (c->seq_len < 1) c->n_seq_fields = 0;
        return; /* a bad count: rn_config_check_keys names it */
    }
    if (c->n_seq_fields >= 1 && c->seq_field < 0) c->seq_field = c->seq_fields[0];
    if (c->n_seq_fields == 1 && c->seq_field == c->seq_fields[0]) c->n_seq_fields = 0;
}

/* ---- build ---------------------------------------------------------------------- */

rn_model *rn_model_new(const rn_model_config *cfg)
{
    if (cfg == NULL) {
        rn_fail(RN_EARG, "model: config is NULL");
        return NULL;
    }
    rn_model_config c = *cfg;
    rn_config_normalize(&c); /* keys the kind does not read take its defaults */
    seq_canonical(&c);
    if (check_config(&c) != RN_OK) return NULL;
    rn_model *m = rn_calloc(1, sizeof *m, "model");
    if (m == NULL) return NULL;
    m->cfg = c;
    m->kind = kinds[cfg->kind];
    for (int f = 0; f < cfg->n_fields; f++) {
        m->offset[f] = m->rows;
        m->rows += cfg->cardinality[f];
    }
    m->bag_offset = m->rows; /* the sparse bag's rows follow the fields' */
    m->n_seq = rn_model_seq_features(&c, m->seq_fields);
    m->rows += c.bag_cardinality;
    m->ps = rn_params_new();
    m->bufs = rn_params_new();
    if (m->ps == NULL || m->bufs == NULL) {
        rn_model_free(m);
        return NULL;
    }
    if (m->kind->state_size > 0 &&
        (m->state = rn_calloc(1, m->kind->state_size, "model state")) == NULL) {
        rn_model_free(m);
        return NULL;
    }
    rn_rng g;
    rn_rng_seed(&g, cfg->seed);
    if (m->kind->build(m, &g) != RN_OK || m->layers_oom) {
        if (m->layers_oom && rn_error_code() == RN_OK)
            rn_fail(RN_ENOMEM, "%s: out of memory for its layers", m->kind->name);
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
    rn_free(m->reg);
    rn_free(m->layers);
    rn_free(m->state);
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

int rn_model_label_columns(const rn_model *m)
{
    int n = 0;
    for (int k = 0; k < m->cfg.n_tasks; k++)
        if (m->cfg.task[k].label + 1 > n) n = m->cfg.task[k].label + 1;
    return n;
}

static int check_labels(const rn_model *m, const rn_samples *b)
{
    const rn_model_config *c = &m->cfg;
    const char *k = m->kind->name;
    int want = rn_model_label_columns(m);
    if (b->labels == NULL || b->n_tasks < 1)
        return rn_fail(RN_ESHAPE, "%s: the batch has no label column", k);
    if (b->n_tasks != want)
        return rn_fail(RN_ESHAPE,
                       "%s: the batch has %d label columns, the model's tasks read %d (%s%s); "
                       "choose the tasks' label columns or the data's labels",
                       k, b->n_tasks, want, c->task[0].name, c->n_tasks > 1 ? ", ..." : "");
    size_t W = (size_t)b->n_tasks;
    for (int t = 0; t < c->n_tasks; t++) {
        const rn_task *task = &c->task[t];
        if (task->label < 0) continue;
        for (size_t r = 0; r < b->n; r++) {
            float y = b->labels[r * W + (size_t)task->label];
            int bad = task->loss == RN_LOSS_BCE ? !(y >= 0.0f && y <= 1.0f) : !isfinite(y);
            if (bad)
                return rn_fail(RN_EARG, "%s: row %zu: label %g of task '%s' is %s", k, r,
                               (double)y, task->name,
                               task->loss == RN_LOSS_BCE
                                   ? "not in [0, 1] (a bce task learns 0/1 labels: choose a 0/1 "
                                     "label column, or loss = 'mse' for ratings)"
                                   : "not finite");
        }
    }
    return RN_OK;
}

/* Which of the batch's behaviour features each of the model's reads
 * (m->seq_col, m->seq_stride): by the field each shares when the batch says
 * (b->seq_of), so a model of the item history alone reads a batch of item and
 * category histories; else in order, when the counts agree. */
static int seq_columns(const rn_model *m, const rn_samples *b, int *col, int *stride)
{
    const char *k = m->kind->name;
    int W = b->n_seq > 0 ? b->n_seq : 1, known = 1, used[RN_SEQ_MAX_FEATURES] = {0};
    for (int j = 0; j < W && j < RN_SEQ_MAX_FEATURES; j++)
        known &= b->seq_of[j] >= 0;
    *stride = W;
    int matched = known;
    for (int s = 0; matched && s < m->n_seq; s++) {
        int found = -1;
        for (int j = 0; j < W && found < 0; j++)
            if (!used[j] && b->seq_of[j] == m->seq_fields[s]) found = j;
        if (found < 0) matched = 0;
        else used[found] = 1, col[s] = found;
    }
    if (matched) return RN_OK;
    if (W == m->n_seq) { /* unlabelled (or labelled otherwise): in order */
        for (int s = 0; s < m->n_seq; s++)
            col[s] = s;
        return RN_OK;
    }
    char have[96] = "", want[96] = "";
    for (int j = 0; j < W; j++)
        snprintf(have + strlen(have), sizeof have - strlen(have), "%s%d", j ? ", " : "",
                 b->seq_of[j] + 1);
    for (int s = 0; s < m->n_seq; s++)
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%d", s ? ", " : "",
                 m->seq_fields[s] + 1);
    return rn_fail(RN_ESHAPE,
                   "%s: the batch has %d behaviour feature%s per history position (sharing "
                   "fields %s), the model reads %d (seq_fields %s)",
                   k, W, W == 1 ? "" : "s", known ? have : "unknown", m->n_seq, want);
}

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
    if (b->bag_len > 0 && c->bag_cardinality == 0)
        return rn_fail(RN_ESHAPE,
                       "%s: the batch has a sparse bag (libsvm / libffm features) and the model "
                       "none%s",
                       k,
                       rn_config_key_reads(rn_config_key_find("bag_cardinality"), c->kind)
                           ? ": build it with bag = n (or data = the data set)"
                           : "; lr, fm and ffm read one");
    if (c->n_fields == 0 && c->n_dense == 0 && b->bag_len == 0)
        return rn_fail(RN_ESHAPE, "%s: the model reads only a sparse bag and the batch has none",
                       k);
    if (check_labels(m, b) != RN_OK) return rn_error_code();
    for (size_t i = 0; i < b->n * (size_t)b->bag_len; i++) {
        size_t L = (size_t)b->bag_len;
        if (b->bag[i] < 0 || b->bag[i] >= c->bag_cardinality)
            return rn_fail(RN_EARG, "%s: row %zu, sparse feature %zu: id %d outside [0, %d)", k,
                           i / L, i % L, (int)b->bag[i], c->bag_cardinality);
        if (b->bag_fld != NULL && (b->bag_fld[i] < 0 || b->bag_fld[i] >= c->bag_fields) &&
            rn_config_key_reads(rn_config_key_find("bag_fields"), c->kind))
            return rn_fail(RN_EARG, "%s: row %zu, sparse feature %zu: field %d outside [0, %d)", k,
                           i / L, i % L, (int)b->bag_fld[i], c->bag_fields);
        if (!isfinite(b->bag_val[i]))
            return rn_fail(RN_EARG, "%s: row %zu, sparse feature %zu: value %g is not finite", k,
                           i / L, i % L, (double)b->bag_val[i]);
    }
    size_t F = (size_t)c->n_fields;
    for (size_t r = 0; r < b->n; r++)
        for (size_t f = 0; f < F; f++) {
            int32_t id = b->sparse[r * F + f];
            if (id < 0 || id >= c->cardinality[f])
                return rn_fail(RN_EARG, "%s: row %zu, field %zu: id %d outside [0, %d)", k, r, f,
                               (int)id, c->cardinality[f]);
        }
    if (c->seq_len > 0) {
        int col[RN_SEQ_MAX_FEATURES], stride;
        if (seq_columns(m, b, col, &stride) != RN_OK) return rn_error_code();
        size_t T = (size_t)c->seq_len, W = (size_t)stride;
        for (int s = 0; s < m->n_seq; s++) {
            int card = c->cardinality[m->seq_fields[s]];
            const int32_t *id = b->seq + col[s];
            for (size_t i = 0; i < b->n * T; i++)
                if (id[i * W] < 0 || id[i * W] >= card)
                    return rn_fail(RN_EARG,
                                   "%s: row %zu, sequence position %zu: %s %d outside [0, %d) "
                                   "(the field %d it shares)",
                                   k, i / T, i % T, s == 0 ? "item" : "behaviour feature",
                                   (int)id[i * W], card, m->seq_fields[s] + 1);
        }
        for (size_t i = 0; i < b->n * T; i++)
            if (b->mask[i] != 0.0f && b->mask[i] != 1.0f)
                return rn_fail(RN_EARG, "%s: row %zu, sequence position %zu: mask %g is not 0 or 1",
                               k, i / T, i % T, (double)b->mask[i]);
    }
    return RN_OK;
}

int rn_model_forward(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *out)
{
    int want_views = out->want_views;
    memset(out, 0, sizeof *out);
    out->want_views = want_views;
    if (rn_model_check_batch(m, b) != RN_OK) return rn_error_code();
    /* grow the scratch ids now: an allocation failing between two ops would
     * leave the graph without its sticky error */
    const rn_model_config *c = &m->cfg;
    size_t width = (size_t)c->n_fields;
    if ((size_t)c->seq_len * (size_t)(m->n_seq + 1) > width)
        width = (size_t)c->seq_len * (size_t)(m->n_seq + 1); /* DIN's valid positions and map */
    if ((size_t)c->n_crosses > width) width = (size_t)c->n_crosses;
    if ((size_t)b->bag_len > width) width = (size_t)b->bag_len;
    if (width > 0 && rn__scratch_ids(m, b->n * width) == NULL) return rn_error_code();
    if (m->n_seq > 0) seq_columns(m, b, m->seq_col, &m->seq_stride); /* checked above */
    m->n_reg = 0;
    out->n_tasks = c->n_tasks;
    int rc = m->kind->forward(m, g, b, out);
    if (rc == RN_OK && rn_graph_error(g) != RN_OK) rc = rn_graph_error(g);
    for (int k = 0; rc == RN_OK && k < c->n_tasks; k++)
        if (out->logit[k] == NULL) rc = RN_ESTATE;
    if (rc != RN_OK && rn_error_code() == RN_OK)
        rn_fail(RN_ESTATE, "%s: forward failed", m->kind->name);
    return rc != RN_OK ? rn_error_code() : RN_OK;
}

/* The task's labels (B x 1): the batch's column itself when it is the only one. */
static rn_tensor *label_column(rn_graph *g, const rn_samples *b, int col)
{
    int B = (int)b->n;
    if (b->n_tasks == 1) return rn_graph_tensor(g, 2, (const int[]){B, 1}, b->labels);
    rn_tensor *y = rn_graph_tensor(g, 2, (const int[]){B, 1}, NULL);
    if (y != NULL)
        for (int r = 0; r < B; r++)
            y->data[r] = b->labels[(size_t)r * (size_t)b->n_tasks + (size_t)col];
    return y;
}

/* One task's loss, or NULL with *skip set when no row counts (a task given
 * another with no positive row in the batch). */
static rn_tensor *task_loss(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *h, int k,
                            int *skip)
{
    const rn_task *t = &m->cfg.task[k];
    *skip = 0;
    rn_tensor *y = label_column(g, b, t->label), *w = NULL;
    float rescale = 1.0f;
    if (t->given >= 0) {
        int col = m->cfg.task[t->given].label, B = (int)b->n;
        w = rn_graph_tensor(g, 1, (const int[]){B}, NULL);
        if (w == NULL) return NULL;
        double n = 0;
        for (int r = 0; r < B; r++) {
            w->data[r] = b->labels[(size_t)r * (size_t)b->n_tasks + (size_t)col] >= 0.5f ? 1.0f : 0.0f;
            n += (double)w->data[r];
        }
        if (n == 0) {
            *skip = 1;
            return NULL;
        }
        rescale = (float)((double)B / n); /* the mean over the rows that count */
    }
    rn_tensor *l = t->loss == RN_LOSS_MSE ? rn_mse(g, h->logit[k], y, w)
                                          : rn_bce_logits(g, h->logit[k], y, w);
    if (rescale != 1.0f) l = rn_scale(g, l, rescale);
    if (t->weight != 1.0f) l = rn_scale(g, l, t->weight);
    return l;
}

rn_tensor *rn_model_loss(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *out)
{
    rn_heads local;
    rn_heads *h = out != NULL ? out : &local;
    if (out == NULL) local.want_views = 0;
    if (rn_model_forward(m, g, b, h) != RN_OK) return NULL;
    rn_tensor *loss = NULL;
    for (int k = 0; k < m->cfg.n_tasks; k++) {
        if (m->cfg.task[k].loss == RN_LOSS_NONE || m->cfg.task[k].label < 0) continue;
        int skip;
        rn_tensor *l = task_loss(m, g, b, h, k, &skip);
        if (skip) continue;
        loss = loss == NULL ? l : rn_add(g, loss, l);
    }
    if (loss == NULL) { /* no task scored this batch: a zero loss that still trains the extra */
        loss = rn_graph_tensor(g, 1, (const int[]){1}, NULL);
        if (loss != NULL) loss->data[0] = 0.0f;
    }
    if (m->cfg.l2_embed > 0)
        for (int i = 0; i < m->n_reg; i++) {
            rn_tensor *e = m->reg[i];
            /* sum of squares over the batch, divided by B like the click loss */
            rn_tensor *sq = rn_sum_all(g, rn_mul(g, e, e));
            loss = rn_add(g, loss, rn_scale(g, sq, m->cfg.l2_embed / (float)b->n));
        }
    if (h->extra != NULL) loss = rn_add(g, loss, h->extra);
    if (loss == NULL && rn_error_code() == RN_OK)
        rn_fail(RN_ESTATE, "%s: loss failed", m->kind->name);
    return loss;
}

/* ---- teacher's views -------------------------------------------------------------- */

const char *const *rn_model_kind_views(int kind)
{
    static const char *const none[] = {NULL};
    if (kind < 0 || kind >= RN_MODEL_N_KINDS || kinds[kind]->views == NULL) return none;
    return kinds[kind]->views;
}

const char *const *rn_model_views(const rn_model *m)
{
    return rn_model_kind_views(m->cfg.kind);
}

int rn_model_view(rn_model *m, const char *name, const rn_samples *b, float *out, int shape[3],
                  int *ndim)
{
    const char *const *views = rn_model_views(m);
    const char *k = m->kind->name;
    int which = -1;
    for (int i = 0; views[i] != NULL && which < 0; i++)
        if (name != NULL && strcmp(views[i], name) == 0) which = i;
    if (which < 0) {
        char have[128] = "";
        for (int i = 0; views[i] != NULL; i++)
            snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", i ? ", " : "",
                     views[i]);
        return rn_fail(RN_EARG, "%s has no view '%s' (%s)", k, name ? name : "",
                       have[0] ? have : "it has none");
    }
    rn_graph *g = rn_graph_new(m->cfg.seed);
    if (g == NULL) return rn_error_code();
    rn_graph_set_training(g, 0);
    rn_heads h;
    h.want_views = 1;
    rn_error_clear(); /* a kind may say why it leaves a view empty */
    int rc = rn_model_forward(m, g, b, &h);
    if (rc == RN_OK && h.view[which] == NULL)
        rc = rn_error_code() != RN_OK
                 ? rn_error_code()
                 : rn_fail(RN_EARG, "%s: view '%s' is not available with this config", k, name);
    if (rc == RN_OK) {
        const rn_tensor *t = h.view[which];
        if (t->ndim > 3) {
            rc = rn_fail(RN_ESTATE, "%s: view '%s' has %d dimensions", k, name, t->ndim);
        } else {
            for (int d = 0; d < 3; d++)
                shape[d] = d < t->ndim ? t->shape[d] : 0;
            if (ndim != NULL) *ndim = t->ndim;
            if (out != NULL) memcpy(out, t->data, t->n * sizeof *out);
        }
    }
    rn_graph_free(g);
    return rc;
}

int rn_model_predict(rn_model *m, const rn_samples *data, size_t batch_size, float *out)
{
    if (batch_size < 1) return rn_fail(RN_EARG, "predict: batch size must be at least 1");
    if (data == NULL || data->n == 0) return rn_fail(RN_EARG, "predict: no rows");
    rn_graph *g = rn_graph_new(m->cfg.seed);
    if (g == NULL) return rn_error_code();
    rn_graph_set_training(g, 0);
    int rc = RN_OK, T = m->cfg.n_tasks;
    for (size_t start = 0; start < data->n && rc == RN_OK; start += batch_size) {
        if (rn_interrupted()) { /* Ctrl-C: between batches, nothing half-written matters */
            char where[96];
            snprintf(where, sizeof where, "predict at row %zu of %zu", start + 1, data->n);
            rc = rn_interrupt_fail(where);
            break;
        }
        size_t n = data->n - start < batch_size ? data->n - start : batch_size;
        rn_samples v = rn_samples_view(data, start, n);
        rn_heads h;
        h.want_views = 0;
        rc = rn_model_forward(m, g, &v, &h);
        if (rc == RN_OK && T == 1)
            memcpy(out + start, h.logit[0]->data, n * sizeof *out);
        else if (rc == RN_OK)
            for (size_t r = 0; r < n; r++)
                for (int k = 0; k < T; k++)
                    out[(start + r) * (size_t)T + (size_t)k] = h.logit[k]->data[r];
        rn_graph_reset(g);
    }
    rn_graph_free(g);
    return rc;
}

rn_tensor *rn_model_field_table(rn_model *m, int f, int *offset)
{
    if (m->table == NULL) {
        rn_fail(RN_EARG, "%s has no embedding table", m->kind->name);
        return NULL;
    }
    if (f < 0 || f >= m->cfg.n_fields) {
        rn_fail(RN_EARG, "%s: field %d of %d", m->kind->name, f + 1, m->cfg.n_fields);
        return NULL;
    }
    *offset = m->offset[f];
    return m->table;
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
    char bag[48] = "";
    if (m->cfg.bag_cardinality > 0)
        snprintf(bag, sizeof bag, ", sparse bag of %d", m->cfg.bag_cardinality);
    EMIT("Model: %s (%d fields, %d dense%s%s, embed_dim %d)\n", m->kind->name, m->cfg.n_fields,
         m->cfg.n_dense, m->cfg.seq_len > 0 ? ", sequence" : "", bag, m->cfg.embed_dim);
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
