/* ALS half-steps (als.h): every row of one side solved exactly (explicit,
 * or implicit with cg_steps = 0: a K x K Cholesky in double) or by
 * warm-started conjugate gradient (implicit), the rows split over threads.
 *
 * Costs per row with n ratings and K unknowns: the Gram F_uᵀF_u, n K^2 / 2
 * (cblas_ssyrk when n is large enough to pay for the call), the right side
 * n K, Cholesky K^3 / 6. Implicit CG: per step 2 n K + K^2 (YᵀY p), never
 * forming the matrix. */
#include "als_internal.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "../error.h"

/* Per-row products are summed by hand, not by BLAS: the rows are small
 * (K = 33 at k = 32; most MovieLens items have < 10 ratings) and solved on
 * our own threads, where OpenBLAS calls cost more than they save (measured
 * on MovieLens at k = 32: one iteration 0.11 s with ssyrk/sgemv per row
 * against 0.06 s by hand, as OpenBLAS's own threads fight ours). BLAS
 * computes the whole side's YᵀY (rn__als_gram), a single large product.
 * Rows with many ratings take ssyrk above this count. */
#define GRAM_BLAS_MIN 4096

/* G (K x K, upper triangle) = FᵀF for F n x K. */
static void gram_upper(const float *F, size_t n, int K, float *G)
{
    if (n >= GRAM_BLAS_MIN) {
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, K, (int)n, 1.0f, F, K, 0.0f, G, K);
        return;
    }
    /* whole rows, not the triangle: each is an axpy the compiler vectorises,
     * which beats half the multiply-adds done one at a time */
    memset(G, 0, (size_t)K * (size_t)K * sizeof *G);
    for (size_t j = 0; j < n; j++) {
        const float *f = F + j * (size_t)K;
        for (int a = 0; a < K; a++) {
            float fa = f[a], *g = G + a * K;
            for (int b = 0; b < K; b++)
                g[b] += fa * f[b];
        }
    }
}

/* Solves A x = rhs in place (rhs becomes x) for A (K x K, symmetric: the
 * upper triangle is read) by Cholesky A = L Lᵀ, L written into A's lower
 * triangle. -1 when A is not positive definite. */
static int cholesky_solve(double *A, double *rhs, int K)
{
    for (int j = 0; j < K; j++) {
        double d = A[j * K + j];
        for (int p = 0; p < j; p++)
            d -= A[j * K + p] * A[j * K + p];
        if (!(d > 1e-12 * (1.0 + fabs(A[j * K + j])))) return -1;
        double l = sqrt(d);
        A[j * K + j] = l;
        for (int i = j + 1; i < K; i++) {
            double s = A[j * K + i]; /* upper (j, i) = the symmetric (i, j) */
            for (int p = 0; p < j; p++)
                s -= A[i * K + p] * A[j * K + p];
            A[i * K + j] = s / l;
        }
    }
    for (int i = 0; i < K; i++) { /* L z = rhs */
        double s = rhs[i];
        for (int p = 0; p < i; p++)
            s -= A[i * K + p] * rhs[p];
        rhs[i] = s / A[i * K + i];
    }
    for (int i = K - 1; i >= 0; i--) { /* Lᵀ x = z */
        double s = rhs[i];
        for (int p = i + 1; p < K; p++)
            s -= A[p * K + i] * rhs[p];
        rhs[i] = s / A[i * K + i];
    }
    return 0;
}

/* a · b over K floats, in four float partial sums (vectorisable without
 * reassociating one sum), added in double. */
static double dot4(const float *a, const float *b, int K)
{
    float s[4] = {0, 0, 0, 0};
    int c = 0;
    for (; c + 4 <= K; c += 4)
        for (int l = 0; l < 4; l++)
            s[l] += a[c + l] * b[c + l];
    double d = (double)s[0] + (double)s[1] + (double)s[2] + (double)s[3];
    for (; c < K; c++)
        d += (double)a[c] * (double)b[c];
    return d;
}

/* ---- explicit ------------------------------------------------------------------------- */

/* Row q of side s: x = (FᵀF + lambda n I)^-1 Fᵀt (als.h). Returns the row's
 * squared error after the solve, or -1 when singular. */
static double explicit_row(rn_als *m, rn__als_scratch *sc, int s, size_t q)
{
    rn__als_side *me = &m->side[s];
    const rn__als_side *ot = &m->side[1 - s];
    int k = m->c.k, K = m->K;
    size_t n = me->off[q + 1] - me->off[q];
    const uint32_t *other = me->other + me->off[q];
    const float *val = me->val + me->off[q];
    for (size_t j = 0; j < n; j++) {
        float *f = sc->F + j * (size_t)K;
        memcpy(f, ot->f + (size_t)other[j] * (size_t)k, (size_t)k * sizeof *f);
        sc->t[j] = val[j] - (float)m->mu;
        if (K > k) {
            f[k] = 1.0f; /* the bias's column */
            sc->t[j] -= ot->b[other[j]];
        }
    }
    double reg = m->c.lambda * (double)n;
    if (n < (size_t)K && reg > 0) {
        /* fewer ratings than unknowns (most items): the push-through identity
         * (FᵀF + cI)^-1 Fᵀ = Fᵀ(FFᵀ + cI)^-1 turns the K x K system into an
         * n x n one, x = Fᵀy with (FFᵀ + cI) y = t: the same solution, at
         * n^2 K + n^3 / 6 instead of n K^2 + K^3 / 6. */
        int nn = (int)n;
        for (int a = 0; a < nn; a++) {
            for (int b = a; b < nn; b++) {
                sc->A[a * nn + b] = dot4(sc->F + (size_t)a * K, sc->F + (size_t)b * K, K);
            }
            sc->A[a * nn + a] += reg;
            sc->rhs[a] = sc->t[a];
        }
        if (cholesky_solve(sc->A, sc->rhs, nn) != 0) return -1;
        double *y = sc->A; /* the factor is no longer needed: x = Fᵀy goes here */
        for (int c = 0; c < K; c++) {
            double v = 0;
            for (int a = 0; a < nn; a++)
                v += (double)sc->F[(size_t)a * K + c] * sc->rhs[a];
            y[c] = v;
        }
        for (int c = 0; c < K; c++)
            sc->rhs[c] = y[c];
    } else {
        gram_upper(sc->F, n, K, sc->G);
        float *rf = sc->cg; /* Fᵀt */
        memset(rf, 0, (size_t)K * sizeof *rf);
        for (size_t j = 0; j < n; j++)
            for (int a = 0; a < K; a++)
                rf[a] += sc->t[j] * sc->F[j * (size_t)K + a];
        for (int a = 0; a < K; a++) {
            for (int b = a; b < K; b++)
                sc->A[a * K + b] = sc->G[a * K + b];
            sc->A[a * K + a] += reg;
            sc->rhs[a] = rf[a];
        }
        if (cholesky_solve(sc->A, sc->rhs, K) != 0) return -1;
    }
    float *x = me->f + q * (size_t)k;
    for (int a = 0; a < k; a++)
        x[a] = (float)sc->rhs[a];
    if (K > k) me->b[q] = (float)sc->rhs[k];
    double se = 0;
    for (size_t j = 0; j < n; j++) {
        const float *f = sc->F + j * (size_t)K;
        double p = 0;
        for (int a = 0; a < K; a++)
            p += (double)f[a] * sc->rhs[a];
        double e = (double)sc->t[j] - p;
        se += e * e;
    }
    return se;
}

/* ---- implicit ------------------------------------------------------------------------- */

/* out = G v for the full symmetric k x k G. */
static void symv(const float *G, int k, const float *v, float *out)
{
    for (int a = 0; a < k; a++) {
        float s = 0;
        for (int b = 0; b < k; b++)
            s += G[a * k + b] * v[b];
        out[a] = s;
    }
}

/* y = (G + lambda I + sum_j (c_j - 1) y_j y_jᵀ) v, without forming it. */
static void implicit_apply(const rn_als *m, const float *G, const float *Y, const uint32_t *other,
                           const float *val, size_t n, const float *v, float *out)
{
    int k = m->c.k;
    symv(G, k, v, out);
    for (int a = 0; a < k; a++)
        out[a] += (float)m->c.lambda * v[a];
    for (size_t j = 0; j < n; j++) {
        const float *y = Y + (size_t)other[j] * (size_t)k;
        double d = 0;
        for (int a = 0; a < k; a++)
            d += (double)y[a] * (double)v[a];
        float w = (float)(m->c.alpha * (double)val[j] * d); /* (c - 1) yᵀv */
        for (int a = 0; a < k; a++)
            out[a] += w * y[a];
    }
}

static double dot(const float *a, const float *b, int k)
{
    double s = 0;
    for (int i = 0; i < k; i++)
        s += (double)a[i] * (double)b[i];
    return s;
}

int rn__als_implicit_row(const rn_als *m, rn__als_scratch *sc, const float *G, const float *Y,
                         const uint32_t *other, const float *val, size_t n, int cg_steps,
                         float *x)
{
    int k = m->c.k;
    if (cg_steps == 0) { /* exact: form A and factor it */
        for (size_t j = 0; j < n; j++) {
            float w = sqrtf((float)(m->c.alpha * (double)val[j]));
            const float *y = Y + (size_t)other[j] * (size_t)k;
            for (int a = 0; a < k; a++)
                sc->F[j * (size_t)k + a] = w * y[a];
        }
        gram_upper(sc->F, n, k, sc->G);
        for (int a = 0; a < k; a++) {
            for (int b = a; b < k; b++)
                sc->A[a * k + b] = (double)G[a * k + b] + (double)sc->G[a * k + b];
            sc->A[a * k + a] += m->c.lambda;
            sc->rhs[a] = 0;
        }
        for (size_t j = 0; j < n; j++) {
            double c = 1 + m->c.alpha * (double)val[j];
            const float *y = Y + (size_t)other[j] * (size_t)k;
            for (int a = 0; a < k; a++)
                sc->rhs[a] += c * (double)y[a];
        }
        if (cholesky_solve(sc->A, sc->rhs, k) != 0)
            return rn_fail(RN_EARG, "als: singular system");
        for (int a = 0; a < k; a++)
            x[a] = (float)sc->rhs[a];
        return RN_OK;
    }
    /* conjugate gradient on A x = b from the x given (the `implicit`
     * library's solver: r = b - A x, b = sum_j c_j y_j) */
    float *r = sc->cg, *p = r + k, *Ap = p + k;
    implicit_apply(m, G, Y, other, val, n, x, Ap);
    for (int a = 0; a < k; a++)
        r[a] = -Ap[a];
    for (size_t j = 0; j < n; j++) {
        float c = (float)(1 + m->c.alpha * (double)val[j]);
        const float *y = Y + (size_t)other[j] * (size_t)k;
        for (int a = 0; a < k; a++)
            r[a] += c * y[a];
    }
    memcpy(p, r, (size_t)k * sizeof *p);
    double rs = dot(r, r, k);
    for (int it = 0; it < cg_steps && rs > 1e-20; it++) {
        implicit_apply(m, G, Y, other, val, n, p, Ap);
        double pAp = dot(p, Ap, k);
        if (!(pAp > 0)) break; /* p is 0 to float precision: converged */
        float step = (float)(rs / pAp);
        for (int a = 0; a < k; a++) {
            x[a] += step * p[a];
            r[a] -= step * Ap[a];
        }
        double rs_new = dot(r, r, k);
        float beta = (float)(rs_new / rs);
        for (int a = 0; a < k; a++)
            p[a] = r[a] + beta * p[a];
        rs = rs_new;
    }
    return RN_OK;
}

/* The loss of an implicit row: sum over every item of c (p - xᵀy)^2 =
 * xᵀGx + sum over its ratings of c (1 - s)^2 - s^2. */
static double implicit_loss(const rn_als *m, const float *G, const float *Y, const uint32_t *other,
                            const float *val, size_t n, const float *x, float *tmp)
{
    int k = m->c.k;
    symv(G, k, x, tmp);
    double l = dot(x, tmp, k);
    for (size_t j = 0; j < n; j++) {
        double s = dot(x, Y + (size_t)other[j] * (size_t)k, k), c = 1 + m->c.alpha * (double)val[j];
        l += c * (1 - s) * (1 - s) - s * s;
    }
    return l;
}

/* ---- half-steps on threads ------------------------------------------------------------ */

void rn__als_gram(rn_als *m, int s)
{
    int k = m->c.k;
    float *G = m->gram[s];
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, k, (int)m->side[s].n, 1.0f, m->side[s].f,
                k, 0.0f, G, k);
    for (int a = 0; a < k; a++) /* the lower triangle too: symv reads it whole */
        for (int b = 0; b < a; b++)
            G[a * k + b] = G[b * k + a];
}

typedef struct {
    rn_als *m;
    rn__als_scratch *sc;
    int s;
    const size_t *rows;
    size_t base, n;
    double loss, count;
} work;

static void *solve_chunk(void *arg)
{
    work *w = arg;
    rn_als *m = w->m;
    rn__als_side *me = &m->side[w->s];
    const rn__als_side *ot = &m->side[1 - w->s];
    int k = m->c.k;
    w->sc->failed = RN_OK;
    for (size_t j = 0; j < w->n; j++) {
        size_t q = w->rows[j] - w->base;
        size_t n = me->off[q + 1] - me->off[q];
        if (!m->c.implicit) {
            double se = explicit_row(m, w->sc, w->s, q);
            if (se < 0) {
                w->sc->failed = RN_EARG;
                w->sc->bad_row = q;
                w->sc->bad_side = w->s;
                return NULL;
            }
            w->loss += se;
            w->count += (double)n;
            continue;
        }
        const float *G = m->gram[1 - w->s];
        float *x = me->f + q * (size_t)k;
        const uint32_t *other = me->other + me->off[q];
        const float *val = me->val + me->off[q];
        if (rn__als_implicit_row(m, w->sc, G, ot->f, other, val, n, m->c.cg_steps, x) != RN_OK) {
            w->sc->failed = RN_EARG;
            w->sc->bad_row = q;
            w->sc->bad_side = w->s;
            return NULL;
        }
        w->loss += implicit_loss(m, G, ot->f, other, val, n, x, w->sc->cg + 3 * (size_t)k);
        w->count += (double)ot->n;
    }
    return NULL;
}

int rn__als_solve_rows(rn_als *m, int s, const size_t *rows, size_t base, size_t n,
                       double *loss, double *count)
{
    int T = m->c.threads;
    work w[RN_ALS_MAX_THREADS];
    pthread_t th[RN_ALS_MAX_THREADS];
    int started[RN_ALS_MAX_THREADS] = {0};
    const rn__als_side *me = &m->side[s];
    /* contiguous chunks of about equal ratings (a row costs ~ its ratings + K^2) */
    double total = 0;
    for (size_t j = 0; j < n; j++) {
        size_t q = rows[j] - base;
        total += (double)(me->off[q + 1] - me->off[q]) + (double)m->K;
    }
    size_t at = 0;
    double acc = 0;
    for (int t = 0; t < T; t++) {
        size_t start = at;
        double goal = total * (double)(t + 1) / T;
        while (at < n && (t == T - 1 || acc < goal)) {
            size_t q = rows[at] - base;
            acc += (double)(me->off[q + 1] - me->off[q]) + (double)m->K;
            at++;
        }
        w[t] = (work){.m = m, .sc = &m->scr[t], .s = s, .rows = rows + start, .base = base,
                      .n = at - start};
    }
    for (int t = 1; t < T; t++)
        if (w[t].n > 0) started[t] = pthread_create(&th[t], NULL, solve_chunk, &w[t]) == 0;
    solve_chunk(&w[0]);
    for (int t = 1; t < T; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else if (w[t].n > 0)
            solve_chunk(&w[t]); /* no thread to spare: solve it here */
    }
    *loss = *count = 0;
    for (int t = 0; t < T; t++) {
        if (w[t].n > 0 && m->scr[t].failed != RN_OK) {
            const rn__als_scratch *sc = &m->scr[t];
            const rn__als_side *d = &m->side[sc->bad_side];
            size_t q = sc->bad_row;
            return rn_fail(RN_EARG,
                           "als: the system of %s %lld is singular (%zu ratings for %d unknowns, "
                           "lambda = %g): use lambda > 0",
                           sc->bad_side ? "item" : "user", (long long)d->ids[q],
                           d->off[q + 1] - d->off[q], m->K, m->c.lambda);
        }
        *loss += w[t].loss;
        *count += w[t].count;
    }
    return RN_OK;
}
