/* ALS (engine/mf/): one user's closed-form update against Cramer's rule by
 * hand, the objective going down at every iteration (explicit, implicit),
 * CG against the exact solve, recommend skipping seen items, threads giving
 * the same factors, and the errors of bad input. MovieLens RMSE and recall
 * are asserted in test_als.lua. */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "interrupt.h"
#include "mf/als_internal.h"
#include "rng.h"

/* Ratings of a seeded rank-2 truth plus noise: nu users x ni items, each
 * pair kept with probability keep. */
typedef struct {
    int64_t u[4000], i[4000];
    float r[4000];
    size_t n;
} ratings;

static void make_ratings(ratings *d, int nu, int ni, float keep, int implicit, uint64_t seed)
{
    rn_rng g;
    rn_rng_seed(&g, seed);
    float P[100][2], Q[100][2];
    for (int a = 0; a < nu; a++)
        P[a][0] = rn_rng_normal(&g), P[a][1] = rn_rng_normal(&g);
    for (int b = 0; b < ni; b++)
        Q[b][0] = rn_rng_normal(&g), Q[b][1] = rn_rng_normal(&g);
    d->n = 0;
    for (int a = 0; a < nu; a++)
        for (int b = 0; b < ni; b++) {
            if (rn_rng_uniform(&g) >= keep) continue;
            float s = P[a][0] * Q[b][0] + P[a][1] * Q[b][1];
            d->u[d->n] = 100 + a;
            d->i[d->n] = 7 * b;
            d->r[d->n] = implicit ? (s > 0 ? 1.0f + s : 0.0f) : 3.0f + s + 0.1f * rn_rng_normal(&g);
            if (!implicit || d->r[d->n] > 0) d->n++;
        }
}

/* User 0 rated items a, b, c; with the item factors fixed by hand the
 * update is p = (QᵀQ + lambda n I)^-1 Qᵀr, a 2 x 2 system solved here by
 * Cramer's rule (k = 2, no biases). */
static void test_closed_form_user(void)
{
    int64_t us[] = {1, 1, 1, 2, 2};
    int64_t is[] = {10, 20, 30, 10, 20};
    float rs[] = {4, 2, 5, 3, 1};
    rn_als_config c = rn_als_defaults();
    c.k = 2;
    c.biases = 0;
    c.lambda = 0.3;
    c.threads = 1;
    rn_als *m = rn_als_new(&c, us, is, rs, 5);
    CHECK(m != NULL);
    if (m == NULL) return;
    float Q[3][2] = {{1.0f, 0.5f}, {-0.5f, 2.0f}, {0.25f, -1.0f}};
    memcpy(m->side[1].f, Q, sizeof Q);
    size_t row0 = 0;
    double loss, count;
    CHECK(rn__als_solve_rows(m, 0, &row0, 0, 1, &loss, &count) == RN_OK);
    /* by hand: A = QᵀQ + 0.3 * 3 I, b = Qᵀr */
    double a11 = 1 + 0.25 + 0.0625 + 0.9, a12 = 0.5 - 1 - 0.25, a22 = 0.25 + 4 + 1 + 0.9;
    double b1 = 4 * 1.0 + 2 * -0.5 + 5 * 0.25, b2 = 4 * 0.5 + 2 * 2.0 + 5 * -1.0;
    double det = a11 * a22 - a12 * a12;
    double p1 = (b1 * a22 - a12 * b2) / det, p2 = (a11 * b2 - a12 * b1) / det;
    CHECK_NEAR(m->side[0].f[0], p1, 1e-5);
    CHECK_NEAR(m->side[0].f[1], p2, 1e-5);
    CHECK_NEAR(count, 3, 0);
    double se = 0;
    for (int j = 0; j < 3; j++) {
        double e = (double)rs[j] - (p1 * (double)Q[j][0] + p2 * (double)Q[j][1]);
        se += e * e;
    }
    CHECK_NEAR(loss, se, 1e-4);
    float pred;
    CHECK(rn_als_predict(m, 1, 30, &pred) == RN_OK);
    CHECK_NEAR(pred, p1 * 0.25 - p2, 1e-5);
    rn_als_free(m);
}

/* The same with biases: unknowns [p, b_u], partner rows [q_i, 1], targets
 * r - mu - b_i. A 3 x 3 system: checked by its residual A x - b = 0. */
static void test_closed_form_biases(void)
{
    int64_t us[] = {1, 1, 1, 2};
    int64_t is[] = {10, 20, 30, 10};
    float rs[] = {4, 2, 5, 3};
    rn_als_config c = rn_als_defaults();
    c.k = 2;
    c.lambda = 0.1;
    c.threads = 1;
    rn_als *m = rn_als_new(&c, us, is, rs, 4);
    CHECK(m != NULL && m->K == 3);
    if (m == NULL) return;
    CHECK_NEAR(rn_als_mean(m), 3.5, 1e-6);
    float Q[3][2] = {{1.0f, 0.5f}, {-0.5f, 2.0f}, {0.25f, -1.0f}}, bi[3] = {0.2f, -0.4f, 0.1f};
    memcpy(m->side[1].f, Q, sizeof Q);
    memcpy(m->side[1].b, bi, sizeof bi);
    size_t row0 = 0;
    double loss, count;
    CHECK(rn__als_solve_rows(m, 0, &row0, 0, 1, &loss, &count) == RN_OK);
    double x[3] = {m->side[0].f[0], m->side[0].f[1], m->side[0].b[0]};
    for (int a = 0; a < 3; a++) { /* row a of (FᵀF + 0.3 I) x - Fᵀt */
        double res = 0.1 * 3 * x[a];
        for (int j = 0; j < 3; j++) {
            double f[3] = {Q[j][0], Q[j][1], 1}, t = (double)rs[j] - 3.5 - (double)bi[j];
            res += f[a] * (f[0] * x[0] + f[1] * x[1] + f[2] * x[2] - t);
        }
        CHECK_NEAR(res, 0, 1e-5);
    }
    /* user 2 has 1 rating for 3 unknowns: solved through the n x n system
     * (the push-through identity); the same normal equations must hold */
    size_t row1 = 1;
    CHECK(rn__als_solve_rows(m, 0, &row1, 0, 1, &loss, &count) == RN_OK);
    double y[3] = {m->side[0].f[2], m->side[0].f[3], m->side[0].b[1]};
    double f0[3] = {Q[0][0], Q[0][1], 1}, t0 = 3 - 3.5 - (double)bi[0];
    double fy = f0[0] * y[0] + f0[1] * y[1] + f0[2] * y[2];
    for (int a = 0; a < 3; a++)
        CHECK_NEAR(0.1 * 1 * y[a] + f0[a] * (fy - t0), 0, 1e-6);
    CHECK_NEAR(loss, (t0 - fy) * (t0 - fy), 1e-6);
    rn_als_free(m);
}

typedef struct {
    double obj[32];
    int n;
} objectives;

static int record(void *ud, const rn_fit_progress *p, const rn_metrics *ms)
{
    (void)p;
    objectives *o = ud;
    const rn_metric *v = rn_metrics_find(ms, "objective");
    if (v != NULL && o->n < 32) o->obj[o->n++] = v->value;
    return 1;
}

static void objective_decreases(int implicit)
{
    static ratings d;
    make_ratings(&d, 60, 50, 0.3f, implicit, 11);
    rn_als_config c = rn_als_defaults();
    c.k = 4;
    c.lambda = implicit ? 0.5 : 0.05;
    c.implicit = implicit;
    c.cg_steps = 0; /* exact: every half-step is the minimum, so the objective cannot rise */
    rn_als *m = rn_als_new(&c, d.u, d.i, d.r, d.n);
    CHECK(m != NULL);
    if (m == NULL) return;
    double before = rn_als_objective(m);
    objectives o = {.n = 0};
    rn_als_fit_config fc = rn_als_fit_defaults();
    fc.iterations = 8;
    fc.block = 16;
    fc.on_epoch = record;
    fc.ud = &o;
    CHECK(rn_als_fit(m, &fc, NULL) == RN_OK);
    CHECK(o.n == 8);
    CHECK(o.obj[0] < before);
    for (int t = 1; t < o.n; t++)
        CHECK(o.obj[t] <= o.obj[t - 1] * (1 + 1e-6));
    CHECK(o.obj[o.n - 1] < 0.9 * o.obj[0]);
    CHECK_NEAR(rn_als_objective(m), o.obj[o.n - 1], 1e-9 * o.obj[0]);
    if (!implicit) { /* the truth is rank 2 plus noise 0.1: the fit gets near it */
        double rmse;
        CHECK(rn_als_rmse(m, d.u, d.i, d.r, d.n, &rmse) == RN_OK);
        CHECK(rmse < 0.3);
    }
    rn_als_free(m);
}

static void test_objective_decreases_explicit(void)
{
    objective_decreases(0);
}

static void test_objective_decreases_implicit(void)
{
    objective_decreases(1);
}

/* Implicit: CG run long enough reaches the Cholesky solution of the same
 * system, and 3 warm-started steps already get close. */
static void test_cg_equals_exact(void)
{
    static ratings d;
    make_ratings(&d, 40, 60, 0.3f, 1, 5);
    rn_als_config c = rn_als_defaults();
    c.k = 8;
    c.implicit = 1;
    c.alpha = 5;
    c.lambda = 0.1;
    rn_als *m = rn_als_new(&c, d.u, d.i, d.r, d.n);
    CHECK(m != NULL);
    if (m == NULL) return;
    rn__als_gram(m, 1);
    rn__als_side *U = &m->side[0];
    double worst = 0, worst3 = 0;
    for (size_t u = 0; u < U->n; u++) {
        float exact[8], cg[8], cg3[8];
        memcpy(exact, U->f + u * 8, sizeof exact);
        memcpy(cg, exact, sizeof cg);
        memcpy(cg3, exact, sizeof cg3);
        size_t n = U->off[u + 1] - U->off[u];
        const uint32_t *o = U->other + U->off[u];
        const float *v = U->val + U->off[u];
        CHECK(rn__als_implicit_row(m, m->scr, m->gram[1], m->side[1].f, o, v, n, 0, exact) == 0);
        CHECK(rn__als_implicit_row(m, m->scr, m->gram[1], m->side[1].f, o, v, n, 50, cg) == 0);
        CHECK(rn__als_implicit_row(m, m->scr, m->gram[1], m->side[1].f, o, v, n, 3, cg3) == 0);
        double nx = 0, dx = 0, d3 = 0;
        for (int a = 0; a < 8; a++) {
            nx += (double)exact[a] * (double)exact[a];
            dx += ((double)cg[a] - (double)exact[a]) * ((double)cg[a] - (double)exact[a]);
            d3 += ((double)cg3[a] - (double)exact[a]) * ((double)cg3[a] - (double)exact[a]);
        }
        worst = fmax(worst, sqrt(dx / nx));
        worst3 = fmax(worst3, sqrt(d3 / nx));
    }
    CHECK(worst < 1e-4);
    CHECK(worst3 < 0.5); /* from a random start, 3 steps go most of the way */
    printf("cg vs exact: worst relative error %.2g after 50 steps, %.2g after 3\n", worst, worst3);
    rn_als_free(m);
}

/* Same seed, 1 or 2 threads: the same factors (each row is independent). */
static void test_threads_agree(void)
{
    static ratings d;
    make_ratings(&d, 50, 40, 0.4f, 0, 3);
    rn_als_config c = rn_als_defaults();
    c.k = 3;
    c.threads = 1;
    rn_als *a = rn_als_new(&c, d.u, d.i, d.r, d.n);
    c.threads = 2;
    rn_als *b = rn_als_new(&c, d.u, d.i, d.r, d.n);
    CHECK(a != NULL && b != NULL);
    if (a == NULL || b == NULL) return;
    rn_als_fit_config fc = rn_als_fit_defaults();
    fc.iterations = 3;
    CHECK(rn_als_fit(a, &fc, NULL) == RN_OK);
    CHECK(rn_als_fit(b, &fc, NULL) == RN_OK);
    CHECK(memcmp(a->side[0].f, b->side[0].f, 50 * 3 * sizeof(float)) == 0);
    CHECK(memcmp(a->side[1].f, b->side[1].f, 40 * 3 * sizeof(float)) == 0);
    rn_als_free(a);
    rn_als_free(b);
}

/* recommend: best first, none of the user's training items, scores equal
 * to predict, k larger than what is left gives what is left. */
static void test_recommend(void)
{
    static ratings d;
    make_ratings(&d, 30, 20, 0.5f, 0, 9);
    rn_als_config c = rn_als_defaults();
    c.k = 3;
    rn_als *m = rn_als_new(&c, d.u, d.i, d.r, d.n);
    CHECK(m != NULL);
    if (m == NULL) return;
    rn_als_fit_config fc = rn_als_fit_defaults();
    fc.iterations = 3;
    CHECK(rn_als_fit(m, &fc, NULL) == RN_OK);
    size_t u;
    CHECK(rn_als_user_row(m, 100, &u) == RN_OK);
    size_t seen = m->side[0].off[u + 1] - m->side[0].off[u];
    int64_t ids[20];
    float sc[20];
    int got = rn_als_recommend(m, 100, 20, ids, sc);
    CHECK(got == (int)(rn_als_n_items(m) - seen));
    for (int j = 0; j < got; j++) {
        for (size_t q = m->side[0].off[u]; q < m->side[0].off[u + 1]; q++)
            CHECK(ids[j] != m->side[1].ids[m->side[0].other[q]]);
        float p;
        CHECK(rn_als_predict(m, 100, ids[j], &p) == RN_OK);
        CHECK_NEAR(sc[j], p, 1e-4);
        if (j > 0) CHECK(sc[j] <= sc[j - 1]);
    }
    CHECK(rn_als_recommend(m, 100, 2, ids, sc) == 2);
    rn_embeddings *e = rn_als_item_embeddings(m, NULL);
    CHECK(e != NULL && rn_emb_count(e) == rn_als_n_items(m) && rn_emb_dim(e) == 3);
    CHECK(e != NULL && rn_emb_id(e, 1) == 7);
    rn_emb_free(e);
    rn_als_free(m);
}

static void test_errors(void)
{
    int64_t us[] = {1, 1, 2}, is[] = {5, 6, 5};
    float rs[] = {4, 3, 2};
    rn_als_config c = rn_als_defaults();
    c.k = 0;
    CHECK(rn_als_new(&c, us, is, rs, 3) == NULL);
    CHECK_STR(rn_error(), "als: k must be in 1..1024, got 0");
    c = rn_als_defaults();
    c.lambda = -1;
    CHECK(rn_als_new(&c, us, is, rs, 3) == NULL);
    CHECK_STR(rn_error(), "als: lambda must be a finite number >= 0, got -1");
    c = rn_als_defaults();
    CHECK(rn_als_new(&c, us, is, rs, 0) == NULL);
    CHECK_STR(rn_error(), "als: no ratings to train on");
    float bad[] = {4, NAN, 2};
    CHECK(rn_als_new(&c, us, is, bad, 3) == NULL);
    CHECK_STR(rn_error(), "als: rating 2 (user 1, item 6) is nan: expected a finite number");
    int64_t dup_i[] = {5, 5, 5};
    CHECK(rn_als_new(&c, us, dup_i, rs, 3) == NULL);
    CHECK_STR(rn_error(), "als: user 1 rated item 5 twice (give each pair once)");
    rn_als *m = rn_als_new(&c, us, is, rs, 3);
    CHECK(m != NULL);
    if (m == NULL) return;
    float p;
    int64_t ids[2];
    float sc[2];
    CHECK(rn_als_predict(m, 99, 5, &p) == RN_EARG);
    CHECK_STR(rn_error(), "als: unknown user 99 (not in the training ratings)");
    CHECK(rn_als_predict(m, 1, 77, &p) == RN_EARG);
    CHECK_STR(rn_error(), "als: unknown item 77 (not in the training ratings)");
    CHECK(rn_als_recommend(m, 99, 2, ids, sc) == RN_EARG);
    CHECK(rn_als_recommend(m, 1, 0, ids, sc) == RN_EARG);
    rn_als_fit_config fc = rn_als_fit_defaults();
    fc.iterations = 0;
    CHECK(rn_als_fit(m, &fc, NULL) == RN_EARG);
    rn_als_free(m);
    /* lambda = 0 and fewer ratings than unknowns: singular, named */
    c.lambda = 0;
    m = rn_als_new(&c, us, is, rs, 3);
    CHECK(m != NULL);
    fc = rn_als_fit_defaults();
    CHECK(m != NULL && rn_als_fit(m, &fc, NULL) == RN_EARG);
    CHECK_STR(rn_error(), "als: the system of user 1 is singular (2 ratings for 33 unknowns, "
                          "lambda = 0): use lambda > 0");
    rn_als_free(m);
    c = rn_als_defaults();
    c.implicit = 1;
    float neg[] = {1, -1, 1};
    CHECK(rn_als_new(&c, us, is, neg, 3) == NULL);
    m = rn_als_new(&c, us, is, rs, 3);
    double r;
    CHECK(m != NULL && rn_als_rmse(m, us, is, rs, 3, &r) == RN_EARG);
    rn_als_free(m);
}

/* Ctrl-C at every poll of a short fit: RN_EINTR naming where, every factor
 * finite (each row a whole solve), and the model trains on afterwards. */
static void test_interrupt(void)
{
    static ratings d;
    make_ratings(&d, 30, 20, 0.5f, 0, 4);
    rn_als_config c = rn_als_defaults();
    c.k = 3;
    rn_als_fit_config fc = rn_als_fit_defaults();
    fc.iterations = 2;
    fc.block = 8;
    rn_als *m = rn_als_new(&c, d.u, d.i, d.r, d.n);
    CHECK(m != NULL);
    if (m == NULL) return;
    rn_interrupt_after(1000000);
    CHECK(rn_als_fit(m, &fc, NULL) == RN_OK);
    long polls = rn_interrupt_polls();
    CHECK(polls == 2 * 7); /* 50 rows in blocks of 8, twice */
    for (long k = 0; k < polls; k++) {
        rn_interrupt_after(k);
        CHECK(rn_als_fit(m, &fc, NULL) == RN_EINTR);
        CHECK(strstr(rn_error(), "interrupted") != NULL);
        int finite = 1;
        for (size_t j = 0; j < 30 * 3; j++)
            finite &= isfinite(m->side[0].f[j]);
        CHECK(finite);
    }
    rn_interrupt_after(-1);
    double rmse;
    CHECK(rn_als_fit(m, &fc, NULL) == RN_OK);
    CHECK(rn_als_rmse(m, d.u, d.i, d.r, d.n, &rmse) == RN_OK && rmse < 0.5);
    rn_als_free(m);
}

/* ---- files -------------------------------------------------------------------------------- */

static const char *tmp_path(const char *name)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/recnote-test-als-%ld-%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (long)getpid(), name);
    return buf;
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc(*n);
    if (p != NULL && fread(p, 1, *n, f) != *n) free(p), p = NULL;
    fclose(f);
    return p;
}

static void spit(const char *path, const unsigned char *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) return;
    fwrite(p, 1, n, f);
    fclose(f);
}

/* The checksum the format ends with (FNV-1a), so a test can forge a file
 * whose damage is past the checksum and reaches the parser. */
static void reseal(unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i + 8 < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    memcpy(p + n - 8, &h, 8);
}

/* Saved and loaded: every prediction and recommendation the same to the
 * bit, the labels and iteration count back, and fit continues from it. */
static void test_save_load(void)
{
    static ratings d;
    make_ratings(&d, 30, 20, 0.5f, 0, 9);
    rn_als_config c = rn_als_defaults();
    c.k = 3;
    rn_als *m = rn_als_new(&c, d.u, d.i, d.r, d.n);
    CHECK(m != NULL);
    if (m == NULL) return;
    rn_als_fit_config fc = rn_als_fit_defaults();
    fc.iterations = 3;
    CHECK(rn_als_fit(m, &fc, NULL) == RN_OK);
    const char *labels[20] = {"Heat (1995)", NULL, "Up (2009)"};
    const char *path = tmp_path("model");
    CHECK(rn_als_save(m, path, 3, labels) == RN_OK);
    int its = 0;
    char **got_labels = NULL;
    rn_als *l = rn_als_load(path, &its, &got_labels);
    CHECK(l != NULL);
    if (l == NULL) {
        fprintf(stderr, "  %s\n", rn_error());
        rn_als_free(m);
        return;
    }
    CHECK(its == 3);
    CHECK(got_labels != NULL && got_labels[1] == NULL);
    CHECK_STR(got_labels ? got_labels[0] : "", "Heat (1995)");
    CHECK_STR(got_labels ? got_labels[2] : "", "Up (2009)");
    rn_als_labels_free(got_labels, rn_als_n_items(l));
    CHECK(rn_als_n_users(l) == rn_als_n_users(m) && rn_als_n_items(l) == rn_als_n_items(m));
    int same = 1;
    for (size_t j = 0; j < d.n; j++) {
        float a, b;
        same &= rn_als_predict(m, d.u[j], d.i[j], &a) == RN_OK &&
                rn_als_predict(l, d.u[j], d.i[j], &b) == RN_OK && a == b;
    }
    CHECK(same);
    int64_t ia[20], ib[20];
    float sa[20], sb[20];
    int na = rn_als_recommend(m, 100, 20, ia, sa), nb = rn_als_recommend(l, 100, 20, ib, sb);
    CHECK(na == nb && na > 0 && memcmp(ia, ib, (size_t)na * sizeof *ia) == 0 &&
          memcmp(sa, sb, (size_t)na * sizeof *sa) == 0);
    CHECK(rn_als_objective(m) == rn_als_objective(l));
    /* one more iteration on each: still the same */
    fc.iterations = 1;
    CHECK(rn_als_fit(m, &fc, NULL) == RN_OK && rn_als_fit(l, &fc, NULL) == RN_OK);
    CHECK(memcmp(rn_als_item_factors(m), rn_als_item_factors(l),
                 rn_als_n_items(m) * 3 * sizeof(float)) == 0);
    rn_als_free(l);
    /* without labels: the array comes back NULL */
    CHECK(rn_als_save(m, path, 4, NULL) == RN_OK);
    got_labels = (char **)1;
    l = rn_als_load(path, NULL, &got_labels);
    CHECK(l != NULL && got_labels == NULL);
    rn_als_free(l);
    /* implicit, without biases */
    static ratings di;
    make_ratings(&di, 30, 20, 0.5f, 1, 9);
    c.implicit = 1, c.biases = 0;
    rn_als *mi = rn_als_new(&c, di.u, di.i, di.r, di.n);
    CHECK(mi != NULL);
    if (mi != NULL) {
        CHECK(rn_als_fit(mi, &fc, NULL) == RN_OK);
        CHECK(rn_als_save(mi, path, 1, NULL) == RN_OK);
        l = rn_als_load(path, NULL, NULL);
        CHECK(l != NULL);
        int same_i = l != NULL;
        for (size_t j = 0; l != NULL && j < di.n; j++) {
            float a = 0, b = 1;
            same_i &= rn_als_predict(mi, di.u[j], di.i[j], &a) == RN_OK &&
                      rn_als_predict(l, di.u[j], di.i[j], &b) == RN_OK && a == b;
        }
        CHECK(same_i);
        rn_als_free(l);
        rn_als_free(mi);
    }
    /* a save that cannot happen leaves the old file whole */
    CHECK(rn_als_save(m, "/nonexistent-dir/x.model", 1, NULL) == RN_EIO);
    CHECK(strstr(rn_error(), "/nonexistent-dir/x.model") != NULL);
    rn_als_free(m);
    remove(path);
}

/* Damaged files: each refused with a message naming the file and what. */
static void test_load_corrupt(void)
{
    static ratings d;
    make_ratings(&d, 10, 8, 0.6f, 0, 5);
    rn_als_config c = rn_als_defaults();
    c.k = 2;
    rn_als *m = rn_als_new(&c, d.u, d.i, d.r, d.n);
    CHECK(m != NULL);
    if (m == NULL) return;
    const char *path = tmp_path("corrupt");
    char good_path[600];
    snprintf(good_path, sizeof good_path, "%s.good", path);
    CHECK(rn_als_save(m, good_path, 0, NULL) == RN_OK);
    size_t n = 0;
    unsigned char *good = slurp(good_path, &n), *p = malloc(n + 16);
    CHECK(good != NULL && p != NULL && n > 100);
    if (good == NULL || p == NULL) {
        free(good), free(p), rn_als_free(m);
        return;
    }
    CHECK(rn_als_load(tmp_path("missing"), NULL, NULL) == NULL && rn_error_code() == RN_EIO);
    CHECK(strstr(rn_error(), "missing") != NULL);
    /* truncated */
    spit(path, good, n / 2);
    CHECK(rn_als_load(path, NULL, NULL) == NULL);
    CHECK(strstr(rn_error(), "checksum") != NULL && strstr(rn_error(), path) != NULL);
    /* a flipped byte in the factors */
    memcpy(p, good, n);
    p[n - 40] ^= 0x10;
    spit(path, p, n);
    CHECK(rn_als_load(path, NULL, NULL) == NULL && strstr(rn_error(), "checksum") != NULL);
    /* not an ALS file */
    memcpy(p, good, n);
    memcpy(p, "RNINDEX1", 8);
    spit(path, p, n);
    CHECK(rn_als_load(path, NULL, NULL) == NULL &&
          strstr(rn_error(), "not a recnote ALS model file") != NULL);
    /* a header claiming 2^40 ratings, resealed: refused by size, before any allocation */
    memcpy(p, good, n);
    uint64_t huge = (uint64_t)1 << 40;
    memcpy(p + 72, &huge, 8);
    reseal(p, n);
    spit(path, p, n);
    CHECK(rn_als_load(path, NULL, NULL) == NULL);
    CHECK(strstr(rn_error(), "the header is out of range") != NULL);
    huge = 1000000;
    memcpy(p + 72, &huge, 8);
    reseal(p, n);
    spit(path, p, n);
    CHECK(rn_als_load(path, NULL, NULL) == NULL);
    CHECK(strstr(rn_error(), "the ratings: 1000000 of 20 bytes each do not fit") != NULL);
    /* k out of range */
    memcpy(p, good, n);
    uint32_t k = 5000;
    memcpy(p + 8, &k, 4);
    reseal(p, n);
    spit(path, p, n);
    CHECK(rn_als_load(path, NULL, NULL) == NULL && strstr(rn_error(), "k 5000") != NULL);
    /* a NaN factor */
    memcpy(p, good, n);
    float nan = NAN;
    size_t biases = 4 * (rn_als_n_users(m) + rn_als_n_items(m));
    memcpy(p + n - 8 - 8 - biases - 4, &nan, 4); /* the last item factor */
    reseal(p, n);
    spit(path, p, n);
    CHECK(rn_als_load(path, NULL, NULL) == NULL);
    CHECK(strstr(rn_error(), "not finite") != NULL && strstr(rn_error(), "byte") != NULL);
    /* bytes after the last section */
    memcpy(p, good, n - 8);
    memset(p + n - 8, 0, 8);
    reseal(p, n + 8);
    spit(path, p, n + 8);
    CHECK(rn_als_load(path, NULL, NULL) == NULL && strstr(rn_error(), "follow the last") != NULL);
    /* a directory */
    CHECK(rn_als_load("/tmp", NULL, NULL) == NULL && strstr(rn_error(), "not a regular") != NULL);
    free(good), free(p);
    remove(path), remove(good_path);
    rn_als_free(m);
}

int main(void)
{
    RUN(test_closed_form_user);
    RUN(test_closed_form_biases);
    RUN(test_objective_decreases_explicit);
    RUN(test_objective_decreases_implicit);
    RUN(test_cg_equals_exact);
    RUN(test_threads_agree);
    RUN(test_recommend);
    RUN(test_errors);
    RUN(test_interrupt);
    RUN(test_save_load);
    RUN(test_load_corrupt);
    return check_report();
}
