/* Optimizers (see optim.h). Every rule works on one coordinate range at a
 * time: the whole tensor for dense parameters, each touched row for sparse
 * tables, which is what makes the updates lazy. */
#include "optim.h"
#include "parallel.h"
#include "alloc.h"
#include "error.h"

#include <math.h>
#include <string.h>

typedef struct {
    rn_tensor *t;
    float *s1, *s2; /* state: SGD momentum; AdaGrad sum; Adam m, v; FTRL z, n */
} slot;

struct rn_optim {
    rn_optim_config c;
    slot *slots;
    size_t n, cap;
    long t; /* steps taken */
    float last_norm;
};

const char *rn_optim_name(int kind)
{
    static const char *const names[] = {"sgd", "adagrad", "adam", "adamw", "ftrl"};
    return kind >= RN_SGD && kind <= RN_FTRL ? names[kind] : "unknown";
}

rn_optim_config rn_optim_defaults(int kind)
{
    rn_optim_config c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.lr = kind == RN_ADAM || kind == RN_ADAMW ? 1e-3f : kind == RN_FTRL ? 0.1f : 0.01f;
    c.beta1 = 0.9f;
    c.beta2 = 0.999f;
    c.eps = kind == RN_ADAGRAD ? 1e-10f : 1e-8f;
    c.weight_decay = kind == RN_ADAMW ? 0.01f : 0.0f;
    c.beta = 1.0f;
    c.schedule.kind = RN_LR_CONSTANT;
    c.schedule.gamma = 0.1f;
    c.schedule.step_size = 1;
    return c;
}

float rn_schedule_lr(const rn_schedule *s, float lr, long t)
{
    if (s->warmup > 0 && t < s->warmup) return lr * (float)(t + 1) / (float)s->warmup;
    long u = t - (s->warmup > 0 ? s->warmup : 0);
    long span = s->total - (s->warmup > 0 ? s->warmup : 0);
    double p = span > 0 ? (double)u / (double)span : 1.0;
    if (p > 1.0) p = 1.0;
    switch (s->kind) {
    case RN_LR_LINEAR:
        return (float)((double)lr + ((double)s->min_lr - (double)lr) * p);
    case RN_LR_STEP:
        return lr * powf(s->gamma, (float)(u / (s->step_size > 0 ? s->step_size : 1)));
    case RN_LR_COSINE:
        return (float)((double)s->min_lr +
                       ((double)lr - (double)s->min_lr) * (1.0 + cos(M_PI * p)) / 2.0);
    default:
        return lr;
    }
}

static int check_config(const rn_optim_config *c)
{
    if (c->kind < RN_SGD || c->kind > RN_FTRL)
        return rn_fail(RN_EARG, "unknown optimizer kind %d", c->kind);
    const char *name = rn_optim_name(c->kind);
    if (!(c->lr > 0.0f) || !isfinite(c->lr))
        return rn_fail(RN_EARG, "%s: lr must be a positive number, got %g", name, (double)c->lr);
    if (!(c->momentum >= 0.0f && c->momentum < 1.0f))
        return rn_fail(RN_EARG, "%s: momentum must be in [0, 1), got %g", name,
                       (double)c->momentum);
    if (c->nesterov && !(c->momentum > 0.0f))
        return rn_fail(RN_EARG, "%s: nesterov needs a momentum above 0", name);
    if (!(c->beta1 >= 0.0f && c->beta1 < 1.0f) || !(c->beta2 >= 0.0f && c->beta2 < 1.0f))
        return rn_fail(RN_EARG, "%s: beta1 and beta2 must be in [0, 1), got %g and %g", name,
                       (double)c->beta1, (double)c->beta2);
    if (!(c->eps >= 0.0f) || !(c->weight_decay >= 0.0f) || !(c->l1 >= 0.0f) || !(c->l2 >= 0.0f) ||
        !(c->beta >= 0.0f) || !(c->clip_norm >= 0.0f) || !(c->initial_accumulator >= 0.0f))
        return rn_fail(RN_EARG,
                       "%s: eps, weight_decay, l1, l2, beta, clip_norm and initial_accumulator "
                       "must not be negative",
                       name);
    const rn_schedule *s = &c->schedule;
    if (s->kind < RN_LR_CONSTANT || s->kind > RN_LR_COSINE)
        return rn_fail(RN_EARG, "%s: unknown schedule %d", name, s->kind);
    /* a NaN or infinite schedule would make every later lr NaN: silent nonsense */
    if (!(s->min_lr >= 0.0f) || !isfinite(s->min_lr) || !(s->gamma >= 0.0f) || !isfinite(s->gamma))
        return rn_fail(RN_EARG,
                       "%s: schedule min_lr and gamma must be finite numbers >= 0, got %g and %g",
                       name, (double)s->min_lr, (double)s->gamma);
    if (s->warmup < 0 || (s->kind == RN_LR_STEP && s->step_size < 1) ||
        ((s->kind == RN_LR_LINEAR || s->kind == RN_LR_COSINE) && s->total <= s->warmup))
        return rn_fail(RN_EARG,
                       "%s: schedule needs warmup >= 0, step_size >= 1 (step) and total > "
                       "warmup (linear, cosine); got warmup %ld, step_size %ld, total %ld",
                       name, s->warmup, s->step_size, s->total);
    return RN_OK;
}

rn_optim *rn_optim_new(const rn_optim_config *cfg)
{
    if (check_config(cfg) != RN_OK) return NULL;
    rn_optim *o = rn_calloc(1, sizeof *o, "an optimizer");
    if (o != NULL) o->c = *cfg;
    return o;
}

void rn_optim_free(rn_optim *o)
{
    if (o == NULL) return;
    for (size_t i = 0; i < o->n; i++) {
        rn_free(o->slots[i].s1);
        rn_free(o->slots[i].s2);
    }
    rn_free(o->slots);
    rn_free(o);
}

int rn_optim_add_tensor(rn_optim *o, rn_tensor *t)
{
    if (t == NULL || (t->flags & RN_T_ARENA) || t->grad == NULL)
        return rn_fail(RN_EARG, "%s: only a persistent tensor with a gradient can be optimized",
                       rn_optim_name(o->c.kind));
    for (size_t i = 0; i < o->n; i++)
        if (o->slots[i].t == t)
            return rn_fail(RN_EARG, "%s: parameter '%s' was added twice", rn_optim_name(o->c.kind),
                           t->name ? t->name : "(unnamed)");
    if (o->n == o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 8;
        slot *s = rn_realloc(o->slots, cap * sizeof *s, "optimizer slots");
        if (s == NULL) return RN_ENOMEM;
        o->slots = s;
        o->cap = cap;
    }
    slot s = {t, NULL, NULL};
    int k = o->c.kind;
    int need1 = (k == RN_SGD && o->c.momentum > 0.0f) || k != RN_SGD;
    int need2 = k == RN_ADAM || k == RN_ADAMW || k == RN_FTRL;
    if (need1 && (s.s1 = rn_calloc(t->n, sizeof(float), "optimizer state")) == NULL)
        return RN_ENOMEM;
    if (need2 && (s.s2 = rn_calloc(t->n, sizeof(float), "optimizer state")) == NULL) {
        rn_free(s.s1);
        return RN_ENOMEM;
    }
    if (k == RN_ADAGRAD)
        for (size_t i = 0; i < t->n; i++)
            s.s1[i] = o->c.initial_accumulator;
    o->slots[o->n++] = s;
    return RN_OK;
}

int rn_optim_add(rn_optim *o, rn_params *ps, const char *prefix)
{
    size_t plen = prefix ? strlen(prefix) : 0, added = 0;
    for (size_t i = 0; i < rn_params_count(ps); i++) {
        rn_tensor *t = rn_params_at(ps, i);
        if (plen && strncmp(t->name, prefix, plen) != 0) continue;
        int rc = rn_optim_add_tensor(o, t);
        if (rc != RN_OK) return rc;
        added++;
    }
    if (added == 0)
        return rn_fail(RN_EARG, "%s: no parameter name starts with '%s'", rn_optim_name(o->c.kind),
                       prefix ? prefix : "");
    return RN_OK;
}

/* Runs body once per coordinate range of t that holds a gradient this step:
 * the whole tensor, or each touched row of a sparse table. */
#define FOR_RANGES(t, start, len, body)                                                            \
    do {                                                                                           \
        if ((t)->sparse != NULL) {                                                                 \
            size_t D_ = (t)->n / (size_t)(t)->shape[0];                                            \
            for (size_t r_ = 0; r_ < (t)->sparse->n_rows; r_++) {                                  \
                size_t start = (size_t)(t)->sparse->rows[r_] * D_, len = D_;                       \
                body;                                                                              \
            }                                                                                      \
        } else {                                                                                   \
            size_t start = 0, len = (t)->n;                                                        \
            body;                                                                                  \
        }                                                                                          \
    } while (0)

/* Adam's bias corrections 1 - beta^t, computed once per step. */
typedef struct {
    double bc1, bc2;
} corrections;

static void update(const rn_optim *o, slot *s, size_t start, size_t len, float lr, float clip,
                   corrections k)
{
    const rn_optim_config *c = &o->c;
    float *restrict w = s->t->data + start;
    const float *restrict gr = s->t->grad + start;
    float *restrict s1 = s->s1 ? s->s1 + start : NULL;
    float *restrict s2 = s->s2 ? s->s2 + start : NULL;
    float wd = c->kind == RN_ADAMW || c->kind == RN_FTRL ? 0.0f : c->weight_decay;
    /* One loop per kind, with the kind's constants hoisted: the loops
     * vectorise (the arithmetic per element is unchanged). */
    switch (c->kind) {
    case RN_SGD:
        if (s1 == NULL) {
            for (size_t i = 0; i < len; i++)
                w[i] -= lr * (gr[i] * clip + wd * w[i]);
        } else { /* PyTorch's form: buf = mu buf + g */
            float mu = c->momentum;
            for (size_t i = 0; i < len; i++) {
                float g = gr[i] * clip + wd * w[i];
                s1[i] = mu * s1[i] + g;
                g = c->nesterov ? g + mu * s1[i] : s1[i];
                w[i] -= lr * g;
            }
        }
        break;
    case RN_ADAGRAD: {
        float eps = c->eps;
        for (size_t i = 0; i < len; i++) {
            float g = gr[i] * clip + wd * w[i];
            s1[i] += g * g;
            w[i] -= lr * g / (sqrtf(s1[i]) + eps);
        }
        break;
    }
    case RN_ADAMW:
    case RN_ADAM: {
        /* PyTorch's float32 form (torch.optim.Adam, foreach=False):
         *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
         *   w -= (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps)
         * in float, so the loop vectorises (double sqrt and division per
         * element were 15% of a DeepFM step). */
        float b1 = c->beta1, b2 = c->beta2, eps = c->eps;
        float step = (float)((double)lr / k.bc1), rs2 = (float)(1.0 / sqrt(k.bc2));
        float keep = c->kind == RN_ADAMW ? 1.0f - lr * c->weight_decay : 1.0f;
        for (size_t i = 0; i < len; i++) {
            float g = gr[i] * clip + wd * w[i];
            float m = b1 * s1[i] + (1.0f - b1) * g, v = b2 * s2[i] + (1.0f - b2) * g * g;
            s1[i] = m, s2[i] = v;
            /* AdamW: the decoupled decay w (1 - lr wd) first (Loshchilov & Hutter) */
            w[i] = w[i] * keep - step * m / (sqrtf(v) * rs2 + eps);
        }
        break;
    }
    default: /* FTRL-Proximal, McMahan et al. 2013, Algorithm 1: s1 = z, s2 = n */
        for (size_t i = 0; i < len; i++) {
            float g = gr[i] * clip + wd * w[i];
            double n = s2[i], gg = (double)g;
            double sigma = (sqrt(n + gg * gg) - sqrt(n)) / (double)lr;
            s1[i] += (float)(gg - sigma * (double)w[i]);
            s2[i] = (float)(n + gg * gg);
            double z = s1[i];
            if (fabs(z) <= (double)c->l1)
                w[i] = 0.0f; /* the L1 term gives exact zeros */
            else
                w[i] =
                    (float)(-(z - copysign((double)c->l1, z)) /
                            (((double)c->beta + sqrt((double)s2[i])) / (double)lr + (double)c->l2));
        }
        break;
    }
}

/* One parameter's update split across the engine's threads (parallel.h): by
 * its touched rows (a sparse table) or its elements. Every element's update
 * is independent, so the split changes nothing in the result. */
typedef struct {
    const rn_optim *o;
    slot *s;
    float lr, clip;
    corrections k;
} update_job;

static size_t update_grain(size_t row_len)
{
    return row_len >= 16384 ? 1 : 16384 / row_len;
}

static void update_rows(void *ctx, int part, size_t lo, size_t hi)
{
    (void)part;
    update_job *j = ctx;
    rn_tensor *t = j->s->t;
    if (t->sparse == NULL) {
        update(j->o, j->s, lo, hi - lo, j->lr, j->clip, j->k);
        return;
    }
    size_t D = t->n / (size_t)t->shape[0];
    for (size_t r = lo; r < hi; r++)
        update(j->o, j->s, (size_t)t->sparse->rows[r] * D, D, j->lr, j->clip, j->k);
}

/* The sum of squares of x[0..n): eight float lanes (which vectorise) over
 * blocks of 256, each block added up in double. A NaN or infinity still
 * shows in the result. */
static double sum_squares(const float *x, size_t n)
{
    double total = 0;
    for (size_t b = 0; b < n; b += 256) {
        size_t e = n - b < 256 ? n : b + 256, i = b;
        float lane[8] = {0};
        for (; i + 8 <= e; i += 8)
            for (int j = 0; j < 8; j++)
                lane[j] += x[i + j] * x[i + j];
        for (; i < e; i++)
            lane[0] += x[i] * x[i];
        for (int j = 0; j < 8; j++)
            total += (double)lane[j];
    }
    return total;
}

int rn_optim_step(rn_optim *o)
{
    /* One pass for the global norm, which also finds non-finite gradients
     * before anything is updated. */
    double ss = 0;
    for (size_t k = 0; k < o->n; k++) {
        rn_tensor *t = o->slots[k].t;
        double part = 0;
        FOR_RANGES(t, start, len, { part += sum_squares(t->grad + start, len); });
        if (!isfinite(part))
            return rn_fail(RN_ENAN, "%s step %ld: the gradient of %s is not finite",
                           rn_optim_name(o->c.kind), o->t + 1, t->name ? t->name : "a tensor");
        ss += part;
    }
    o->last_norm = (float)sqrt(ss);
    float clip = 1.0f;
    if (o->c.clip_norm > 0.0f && o->last_norm > o->c.clip_norm)
        clip = o->c.clip_norm / o->last_norm;
    float lr = rn_optim_lr(o);
    o->t++;
    corrections bc = {1.0 - pow((double)o->c.beta1, (double)o->t),
                      1.0 - pow((double)o->c.beta2, (double)o->t)};
    for (size_t k = 0; k < o->n; k++) {
        update_job j = {o, &o->slots[k], lr, clip, bc};
        rn_tensor *t = j.s->t;
        if (t->sparse != NULL) /* its touched rows */
            rn_par_for(t->sparse->n_rows, update_grain(t->n / (size_t)t->shape[0]), update_rows,
                       &j);
        else
            rn_par_for(t->n, update_grain(1), update_rows, &j);
    }
    return RN_OK;
}

void rn_optim_zero_grad(rn_optim *o)
{
    for (size_t k = 0; k < o->n; k++)
        rn_tensor_zero_grad(o->slots[k].t);
}

float rn_optim_lr(const rn_optim *o)
{
    return rn_schedule_lr(&o->c.schedule, o->c.lr, o->t);
}

long rn_optim_steps(const rn_optim *o)
{
    return o->t;
}

float rn_optim_last_norm(const rn_optim *o)
{
    return o->last_norm;
}

size_t rn_optim_count(const rn_optim *o)
{
    return o->n;
}
