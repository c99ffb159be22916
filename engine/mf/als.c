/* ALS (als.h): building the model from ratings (ids to rows, the ratings
 * by user and by item), the objective, and using it: predict, RMSE,
 * recommend, embeddings. The half-steps are in als_solve.c, the loop's job
 * in als_fit.c. */
#include "als_internal.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../alloc.h"
#include "../error.h"
#include "../rng.h"

rn_als_config rn_als_defaults(void)
{
    rn_als_config c;
    memset(&c, 0, sizeof c);
    c.k = 32;
    c.lambda = 0.1;
    c.alpha = 1.0;
    c.biases = 1;
    c.cg_steps = 3;
    c.threads = 2;
    c.init_std = 0.1;
    c.seed = 1;
    return c;
}

static int check_config(const rn_als_config *c)
{
    if (c->k < 1 || c->k > RN_ALS_MAX_K)
        return rn_fail(RN_EARG, "als: k must be in 1..%d, got %d", RN_ALS_MAX_K, c->k);
    if (!(c->lambda >= 0) || !isfinite(c->lambda))
        return rn_fail(RN_EARG, "als: lambda must be a finite number >= 0, got %g", c->lambda);
    if (!(c->alpha >= 0) || !isfinite(c->alpha))
        return rn_fail(RN_EARG, "als: alpha must be a finite number >= 0, got %g", c->alpha);
    if (c->cg_steps < 0 || c->cg_steps > 1000)
        return rn_fail(RN_EARG, "als: cg_steps must be in 0..1000, got %d", c->cg_steps);
    if (c->threads < 1 || c->threads > RN_ALS_MAX_THREADS)
        return rn_fail(RN_EARG, "als: threads must be in 1..%d, got %d", RN_ALS_MAX_THREADS,
                       c->threads);
    if (!(c->init_std >= 0) || !isfinite(c->init_std))
        return rn_fail(RN_EARG, "als: init_std must be a finite number >= 0, got %g",
                       c->init_std);
    return RN_OK;
}

/* ---- building ------------------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The row of id in the sorted ids[0..n), or -1. */
static long find_row(const int64_t *ids, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && ids[lo] == id ? (long)lo : -1;
}

/* The sorted distinct ids of ids[0..n) into side->ids. */
static int distinct_ids(rn__als_side *side, const int64_t *ids, size_t n, const char *what)
{
    int64_t *s = rn_malloc(n * sizeof *s, what);
    if (s == NULL) return rn_error_code();
    memcpy(s, ids, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_i64);
    size_t m = 0;
    for (size_t j = 0; j < n; j++)
        if (j == 0 || s[j] != s[j - 1]) s[m++] = s[j];
    side->ids = s;
    side->n = m;
    return RN_OK;
}

/* CSR of side s: for each rating j, its row in s and its partner's row. */
static int build_csr(rn__als_side *side, const uint32_t *row, const uint32_t *other,
                     const float *r, size_t n)
{
    side->off = rn_calloc(side->n + 1, sizeof *side->off, "als ratings offsets");
    side->other = rn_malloc((n ? n : 1) * sizeof *side->other, "als ratings");
    side->val = rn_malloc((n ? n : 1) * sizeof *side->val, "als rating values");
    if (side->off == NULL || side->other == NULL || side->val == NULL) return rn_error_code();
    for (size_t j = 0; j < n; j++)
        side->off[row[j] + 1]++;
    for (size_t q = 0; q < side->n; q++)
        side->off[q + 1] += side->off[q];
    size_t *fill = rn_malloc(side->n * sizeof *fill, "als fill");
    if (fill == NULL) return rn_error_code();
    memcpy(fill, side->off, side->n * sizeof *fill);
    for (size_t j = 0; j < n; j++) {
        size_t at = fill[row[j]]++;
        side->other[at] = other[j];
        side->val[at] = r[j];
    }
    rn_free(fill);
    return RN_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* A (user, item) pair rated twice is an error (its two values would be
 * fitted as one least squares with no meaning). */
static int check_duplicates(const rn_als *m)
{
    const rn__als_side *u = &m->side[0];
    uint32_t *tmp = rn_malloc((m->max_n ? m->max_n : 1) * sizeof *tmp, "als duplicates");
    if (tmp == NULL) return rn_error_code();
    int rc = RN_OK;
    for (size_t r = 0; r < u->n && rc == RN_OK; r++) {
        size_t n = u->off[r + 1] - u->off[r];
        memcpy(tmp, u->other + u->off[r], n * sizeof *tmp);
        qsort(tmp, n, sizeof *tmp, cmp_u32);
        for (size_t j = 1; j < n; j++)
            if (tmp[j] == tmp[j - 1]) {
                rc = rn_fail(RN_EARG,
                             "als: user %lld rated item %lld twice (give each pair once)",
                             (long long)u->ids[r], (long long)m->side[1].ids[tmp[j]]);
                break;
            }
    }
    rn_free(tmp);
    return rc;
}

static int alloc_model(rn_als *m)
{
    int k = m->c.k, K = m->K;
    rn_rng g;
    rn_rng_seed(&g, m->c.seed);
    for (int s = 0; s < 2; s++) {
        rn__als_side *d = &m->side[s];
        d->f = rn_calloc(d->n * (size_t)k, sizeof *d->f, s ? "als item factors" : "als user factors");
        if (d->f == NULL) return rn_error_code();
        if (!m->c.implicit && m->c.biases) {
            d->b = rn_calloc(d->n, sizeof *d->b, "als biases");
            if (d->b == NULL) return rn_error_code();
        }
        for (size_t r = 0; r < d->n; r++)
            m->max_n = d->off[r + 1] - d->off[r] > m->max_n ? d->off[r + 1] - d->off[r] : m->max_n;
        if (m->c.implicit) {
            m->gram[s] = rn_calloc((size_t)k * (size_t)k, sizeof(float), "als gram");
            if (m->gram[s] == NULL) return rn_error_code();
        }
    }
    /* items start random (users are solved first); for implicit, users too,
     * as CG starts from them */
    for (int s = m->c.implicit ? 0 : 1; s < 2; s++)
        for (size_t j = 0; j < m->side[s].n * (size_t)k; j++)
            m->side[s].f[j] = (float)m->c.init_std * rn_rng_normal(&g);
    m->scr = rn_calloc((size_t)m->c.threads, sizeof *m->scr, "als scratch");
    if (m->scr == NULL) return rn_error_code();
    for (int t = 0; t < m->c.threads; t++) {
        rn__als_scratch *sc = &m->scr[t];
        sc->G = rn_malloc((size_t)K * (size_t)K * sizeof *sc->G, "als scratch");
        sc->A = rn_malloc((size_t)K * (size_t)K * sizeof *sc->A, "als scratch");
        sc->rhs = rn_malloc((size_t)K * sizeof *sc->rhs, "als scratch");
        sc->F = rn_malloc(m->max_n * (size_t)K * sizeof *sc->F, "als scratch");
        sc->t = rn_malloc(m->max_n * sizeof *sc->t, "als scratch");
        sc->cg = rn_malloc(4 * (size_t)K * sizeof *sc->cg, "als scratch");
        if (!sc->G || !sc->A || !sc->rhs || !sc->F || !sc->t || !sc->cg) return rn_error_code();
    }
    return RN_OK;
}

rn_als *rn_als_new(const rn_als_config *c, const int64_t *users, const int64_t *items,
                   const float *r, size_t n)
{
    if (c == NULL) return rn_fail(RN_EARG, "als: no config"), NULL;
    if (check_config(c) != RN_OK) return NULL;
    if (n == 0 || users == NULL || items == NULL || r == NULL)
        return rn_fail(RN_EARG, "als: no ratings to train on"), NULL;
    if (n > UINT32_MAX) return rn_fail(RN_EARG, "als: more than %u ratings", UINT32_MAX), NULL;
    double sum = 0;
    for (size_t j = 0; j < n; j++) {
        if (users[j] < 0 || items[j] < 0)
            return rn_fail(RN_EARG, "als: rating %zu has a negative %s id %lld", j + 1,
                           users[j] < 0 ? "user" : "item",
                           (long long)(users[j] < 0 ? users[j] : items[j])),
                   NULL;
        if (!isfinite(r[j]) || (c->implicit && r[j] < 0))
            return rn_fail(RN_EARG, "als: rating %zu (user %lld, item %lld) is %g: expected %s",
                           j + 1, (long long)users[j], (long long)items[j], (double)r[j],
                           c->implicit ? "a finite number >= 0 (an interaction's strength)"
                                       : "a finite number"),
                   NULL;
        sum += (double)r[j];
    }
    rn_als *m = rn_calloc(1, sizeof *m, "als model");
    if (m == NULL) return NULL;
    m->c = *c;
    m->K = c->k + (!c->implicit && c->biases ? 1 : 0);
    m->n_ratings = n;
    m->mu = !c->implicit && c->biases ? sum / (double)n : 0;
    uint32_t *ur = NULL, *ir = NULL;
    if (distinct_ids(&m->side[0], users, n, "als user ids") != RN_OK) goto fail;
    if (distinct_ids(&m->side[1], items, n, "als item ids") != RN_OK) goto fail;
    ur = rn_malloc(n * sizeof *ur, "als rows");
    ir = rn_malloc(n * sizeof *ir, "als rows");
    if (ur == NULL || ir == NULL) goto fail;
    m->r_min = m->r_max = r[0];
    for (size_t j = 0; j < n; j++) {
        ur[j] = (uint32_t)find_row(m->side[0].ids, m->side[0].n, users[j]);
        ir[j] = (uint32_t)find_row(m->side[1].ids, m->side[1].n, items[j]);
        m->r_min = r[j] < m->r_min ? r[j] : m->r_min;
        m->r_max = r[j] > m->r_max ? r[j] : m->r_max;
    }
    if (build_csr(&m->side[0], ur, ir, r, n) != RN_OK) goto fail;
    if (build_csr(&m->side[1], ir, ur, r, n) != RN_OK) goto fail;
    rn_free(ur);
    rn_free(ir);
    ur = ir = NULL;
    if (alloc_model(m) != RN_OK) goto fail;
    if (check_duplicates(m) != RN_OK) goto fail;
    return m;
fail:
    rn_free(ur);
    rn_free(ir);
    rn_als_free(m);
    return NULL;
}

void rn_als_free(rn_als *m)
{
    if (m == NULL) return;
    for (int s = 0; s < 2; s++) {
        rn__als_side *d = &m->side[s];
        rn_free(d->ids);
        rn_free(d->off);
        rn_free(d->other);
        rn_free(d->val);
        rn_free(d->f);
        rn_free(d->b);
        rn_free(m->gram[s]);
    }
    for (int t = 0; m->scr != NULL && t < m->c.threads; t++) {
        rn__als_scratch *sc = &m->scr[t];
        rn_free(sc->G);
        rn_free(sc->A);
        rn_free(sc->rhs);
        rn_free(sc->F);
        rn_free(sc->t);
        rn_free(sc->cg);
    }
    rn_free(m->scr);
    rn_free(m);
}

/* ---- accessors ------------------------------------------------------------------------ */

const rn_als_config *rn_als_config_of(const rn_als *m)
{
    return &m->c;
}
size_t rn_als_n_users(const rn_als *m)
{
    return m->side[0].n;
}
size_t rn_als_n_items(const rn_als *m)
{
    return m->side[1].n;
}
size_t rn_als_n_ratings(const rn_als *m)
{
    return m->n_ratings;
}
int64_t rn_als_user_id(const rn_als *m, size_t row)
{
    return row < m->side[0].n ? m->side[0].ids[row] : -1;
}
int64_t rn_als_item_id(const rn_als *m, size_t row)
{
    return row < m->side[1].n ? m->side[1].ids[row] : -1;
}
const float *rn_als_user_factors(const rn_als *m)
{
    return m->side[0].f;
}
const float *rn_als_item_factors(const rn_als *m)
{
    return m->side[1].f;
}
const float *rn_als_user_biases(const rn_als *m)
{
    return m->side[0].b;
}
const float *rn_als_item_biases(const rn_als *m)
{
    return m->side[1].b;
}
double rn_als_mean(const rn_als *m)
{
    return m->mu;
}

static int side_row(const rn_als *m, int s, int64_t id, size_t *row)
{
    long r = find_row(m->side[s].ids, m->side[s].n, id);
    if (r < 0)
        return rn_fail(RN_EARG, "als: unknown %s %lld (not in the training ratings)",
                       s ? "item" : "user", (long long)id);
    *row = (size_t)r;
    return RN_OK;
}

int rn_als_user_row(const rn_als *m, int64_t id, size_t *row)
{
    return side_row(m, 0, id, row);
}

int rn_als_item_row(const rn_als *m, int64_t id, size_t *row)
{
    return side_row(m, 1, id, row);
}

/* ---- predictions ---------------------------------------------------------------------- */

float rn__als_score(const rn_als *m, size_t u, size_t i)
{
    int k = m->c.k;
    const float *p = m->side[0].f + u * (size_t)k, *q = m->side[1].f + i * (size_t)k;
    double s = m->mu;
    for (int d = 0; d < k; d++)
        s += (double)p[d] * (double)q[d];
    if (m->side[0].b != NULL) s += (double)m->side[0].b[u] + (double)m->side[1].b[i];
    return (float)s;
}

int rn_als_predict(const rn_als *m, int64_t user, int64_t item, float *out)
{
    size_t u = 0, i = 0;
    if (side_row(m, 0, user, &u) != RN_OK || side_row(m, 1, item, &i) != RN_OK)
        return rn_error_code();
    *out = rn__als_score(m, u, i);
    return RN_OK;
}

int rn_als_rmse(const rn_als *m, const int64_t *users, const int64_t *items, const float *r,
                size_t n, double *rmse)
{
    if (m->c.implicit)
        return rn_fail(RN_EARG, "als: rmse: an implicit model scores preferences, not ratings "
                                "(use recall@K)");
    if (n == 0) return rn_fail(RN_EARG, "als: rmse: no ratings");
    double se = 0;
    for (size_t j = 0; j < n; j++) {
        long u = find_row(m->side[0].ids, m->side[0].n, users[j]);
        long i = find_row(m->side[1].ids, m->side[1].n, items[j]);
        double p;
        if (u >= 0 && i >= 0) {
            p = rn__als_score(m, (size_t)u, (size_t)i);
        } else { /* cold: what is known */
            p = m->mu;
            if (m->side[0].b != NULL && u >= 0) p += (double)m->side[0].b[u];
            if (m->side[1].b != NULL && i >= 0) p += (double)m->side[1].b[i];
        }
        p = p < (double)m->r_min ? (double)m->r_min : (p > (double)m->r_max ? (double)m->r_max : p);
        double e = (double)r[j] - p;
        se += e * e;
    }
    *rmse = sqrt(se / (double)n);
    return RN_OK;
}

double rn_als_objective(const rn_als *m)
{
    int k = m->c.k;
    const rn__als_side *U = &m->side[0], *It = &m->side[1];
    double err = 0, reg = 0;
    if (!m->c.implicit) {
        for (size_t u = 0; u < U->n; u++)
            for (size_t j = U->off[u]; j < U->off[u + 1]; j++) {
                double e = (double)U->val[j] - (double)rn__als_score(m, u, U->other[j]);
                err += e * e;
            }
        for (int s = 0; s < 2; s++) {
            const rn__als_side *d = &m->side[s];
            for (size_t q = 0; q < d->n; q++) {
                double nn = 0;
                for (int c = 0; c < k; c++)
                    nn += (double)d->f[q * (size_t)k + c] * (double)d->f[q * (size_t)k + c];
                if (d->b != NULL) nn += (double)d->b[q] * (double)d->b[q];
                reg += (double)(d->off[q + 1] - d->off[q]) * nn;
            }
        }
        return err + m->c.lambda * reg;
    }
    /* implicit: sum over all pairs of c (p - s)^2 = sum_u x_uᵀ(YᵀY)x_u
     * + sum over ratings of c (1 - s)^2 - s^2 (the terms the first sum counted
     * with p = 0, c = 1, replaced) */
    double *G = rn_calloc((size_t)k * (size_t)k, sizeof *G, "als objective");
    if (G == NULL) return NAN;
    for (size_t i = 0; i < It->n; i++)
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                G[a * k + b] += (double)It->f[i * (size_t)k + a] * (double)It->f[i * (size_t)k + b];
    for (size_t u = 0; u < U->n; u++) {
        const float *x = U->f + u * (size_t)k;
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                err += (double)x[a] * G[a * k + b] * (double)x[b];
        for (size_t j = U->off[u]; j < U->off[u + 1]; j++) {
            double s = rn__als_score(m, u, U->other[j]), c = 1 + m->c.alpha * (double)U->val[j];
            err += c * (1 - s) * (1 - s) - s * s;
        }
    }
    rn_free(G);
    for (int s = 0; s < 2; s++)
        for (size_t j = 0; j < m->side[s].n * (size_t)k; j++)
            reg += (double)m->side[s].f[j] * (double)m->side[s].f[j];
    return err + m->c.lambda * reg;
}

/* ---- recommend ------------------------------------------------------------------------ */

/* Whether (score a, id a) ranks before (score b, id b). */
static int before(float sa, int64_t ia, float sb, int64_t ib)
{
    return sa > sb || (sa == sb && ia < ib);
}

int rn_als_recommend(const rn_als *m, int64_t user, int k, int64_t *items, float *scores)
{
    size_t u = 0;
    if (k < 1) return rn_fail(RN_EARG, "als: recommend: k must be at least 1, got %d", k);
    if (side_row(m, 0, user, &u) != RN_OK) return rn_error_code();
    const rn__als_side *U = &m->side[0], *It = &m->side[1];
    float *s = rn_malloc(It->n * sizeof *s, "als scores");
    if (s == NULL) return rn_error_code();
    /* s = Q p_u (+ b_i): one matrix-vector product over every item */
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)It->n, m->c.k, 1.0f, It->f, m->c.k,
                U->f + u * (size_t)m->c.k, 1, 0.0f, s, 1);
    if (It->b != NULL)
        for (size_t i = 0; i < It->n; i++)
            s[i] += It->b[i] + U->b[u] + (float)m->mu;
    for (size_t j = U->off[u]; j < U->off[u + 1]; j++)
        s[U->other[j]] = NAN; /* seen: skipped */
    /* insertion into a sorted top-k list: k is small against the items */
    int got = 0;
    for (size_t i = 0; i < It->n; i++) {
        if (isnan(s[i])) continue;
        if (got == k && !before(s[i], It->ids[i], scores[k - 1], items[k - 1])) continue;
        int at = got < k ? got++ : k - 1;
        while (at > 0 && before(s[i], It->ids[i], scores[at - 1], items[at - 1])) {
            scores[at] = scores[at - 1];
            items[at] = items[at - 1];
            at--;
        }
        scores[at] = s[i];
        items[at] = It->ids[i];
    }
    rn_free(s);
    return got;
}

/* ---- embeddings ----------------------------------------------------------------------- */

rn_embeddings *rn_als_user_embeddings(const rn_als *m)
{
    return rn_emb_new(m->side[0].f, m->side[0].n, m->c.k, m->side[0].ids, NULL);
}

rn_embeddings *rn_als_item_embeddings(const rn_als *m, const char *const *labels)
{
    return rn_emb_new(m->side[1].f, m->side[1].n, m->c.k, m->side[1].ids, labels);
}
