/* The engine's threads (parallel.h, gemm.h): every row in exactly one part,
 * the parts' sizes, nesting, and results that do not depend on the thread
 * count (GEMM to the bit; Dice's batch sums to rounding). */
#include <cblas.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "autograd.h"
#include "check.h"
#include "gemm.h"
#include "ops.h"
#include "parallel.h"
#include "rng.h"
#include "tensor.h"

typedef struct {
    atomic_int *visits;
    size_t lo[RN_PAR_MAX_THREADS], hi[RN_PAR_MAX_THREADS];
    atomic_int nested_parts;
} count_job;

static void count(void *ctx, int part, size_t lo, size_t hi)
{
    count_job *j = ctx;
    j->lo[part] = lo, j->hi[part] = hi;
    for (size_t i = lo; i < hi; i++)
        atomic_fetch_add(&j->visits[i], 1);
}

static void test_every_row_once(void)
{
    size_t n = 1001;
    count_job j = {.visits = calloc(n, sizeof(atomic_int))};
    for (int t = 1; t <= 4; t++) {
        rn_par_set_threads(t);
        for (size_t i = 0; i < n; i++)
            atomic_store(&j.visits[i], 0);
        int parts = rn_par_for(n, 1, count, &j);
        CHECK(parts == t);
        int once = 1;
        for (size_t i = 0; i < n; i++)
            once &= atomic_load(&j.visits[i]) == 1;
        CHECK(once);
        /* contiguous, in order, sizes differing by at most one */
        CHECK(j.lo[0] == 0 && j.hi[parts - 1] == n);
        for (int p = 1; p < parts; p++)
            CHECK(j.lo[p] == j.hi[p - 1]);
        for (int p = 0; p < parts; p++)
            CHECK(j.hi[p] - j.lo[p] == n / (size_t)parts ||
                  j.hi[p] - j.lo[p] == n / (size_t)parts + 1);
    }
    rn_par_set_threads(3);
    CHECK(rn_par_parts(10, 1) == 3);
    CHECK(rn_par_parts(10, 4) == 2);
    CHECK(rn_par_parts(10, 100) == 1);
    CHECK(rn_par_parts(0, 1) == 1);
    CHECK(rn_par_for(0, 1, count, &j) == 1); /* no rows: one empty part */
    free(j.visits);
}

static void nested(void *ctx, int part, size_t lo, size_t hi)
{
    (void)part;
    count_job *j = ctx;
    /* a part's own rn_par_for runs serially in this thread */
    atomic_fetch_add(&j->nested_parts, rn_par_for(hi - lo, 1, count, j));
}

static void test_nested_calls_run_serially(void)
{
    rn_par_set_threads(2);
    count_job j = {.visits = calloc(100, sizeof(atomic_int))};
    CHECK(rn_par_for(100, 1, nested, &j) == 2);
    CHECK(atomic_load(&j.nested_parts) == 2); /* two parts, each one nested part */
    free(j.visits);
}

static float *random_floats(rn_rng *r, size_t n)
{
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = rn_rng_uniform(r) * 2.0f - 1.0f;
    return x;
}

/* rn_gemm on 1 thread is one cblas_sgemm call to the bit; on 2 and 3 it
 * agrees to rounding (a part may take another of OpenBLAS's kernels, its
 * small-matrix ones, which add in another order) and repeats to the bit.
 * Every transpose, beta 0 and 1, split by rows (M >= N) and by columns. */
static void test_gemm_matches_one_call(void)
{
    static const int shapes[][3] = {{1, 1, 1},     {17, 300, 5},   {300, 17, 9},  {513, 64, 80},
                                    {64, 513, 33}, {1000, 80, 64}, {33, 2000, 70}};
    rn_rng r;
    rn_rng_seed(&r, 7);
    int cases = 0, one_thread_differs = 0, repeat_differs = 0;
    double worst = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
        size_t mn = (size_t)M * (size_t)N;
        float *a = random_floats(&r, (size_t)M * K), *b = random_floats(&r, (size_t)K * N);
        float *c0 = random_floats(&r, mn), *ref = malloc(mn * sizeof *ref);
        float *c = malloc(mn * sizeof *c), *again = malloc(mn * sizeof *again);
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++)
                for (int beta = 0; beta < 2; beta++) {
                    int lda = ta ? M : K, ldb = tb ? K : N;
                    memcpy(ref, c0, mn * sizeof *ref);
                    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
                                tb ? CblasTrans : CblasNoTrans, M, N, K, 0.5f, a, lda, b, ldb,
                                (float)beta, ref, N);
                    for (int t = 1; t <= 3; t++) {
                        rn_par_set_threads(t);
                        memcpy(c, c0, mn * sizeof *c);
                        rn_gemm(ta, tb, M, N, K, 0.5f, a, lda, b, ldb, (float)beta, c, N);
                        memcpy(again, c0, mn * sizeof *again);
                        rn_gemm(ta, tb, M, N, K, 0.5f, a, lda, b, ldb, (float)beta, again, N);
                        cases++;
                        if (t == 1) one_thread_differs += memcmp(c, ref, mn * sizeof *c) != 0;
                        repeat_differs += memcmp(c, again, mn * sizeof *c) != 0;
                        for (size_t i = 0; i < mn; i++) { /* |terms| <= 0.5 K + 1 */
                            double d = fabs((double)c[i] - (double)ref[i]) / (0.5 * K + 1);
                            if (!(d <= worst)) worst = d;
                        }
                    }
                }
        free(a), free(b), free(c0), free(ref), free(c), free(again);
    }
    CHECK(cases == 7 * 8 * 3);
    CHECK(one_thread_differs == 0);
    CHECK(repeat_differs == 0);
    CHECK(worst < 1e-6);
    printf("rn_gemm: %d cases, largest difference from one call %.2g of the terms' size\n", cases,
           worst);
}

/* Dice forward and backward on 1 and 2 threads: the same outputs and
 * gradients up to the regrouping of the per-channel double sums. */
static double dice_run(int threads, rn_tensor *x, rn_tensor *alpha, float *y_out, float *dx_out,
                       float *da_out)
{
    rn_par_set_threads(threads);
    int H = x->shape[1];
    rn_tensor *rm = rn_tensor_new(1, (const int[]){H}), *rv = rn_tensor_new(1, (const int[]){H});
    for (int h = 0; h < H; h++)
        rv->data[h] = 1.0f;
    rn_tensor_zero_grad(x);
    rn_tensor_zero_grad(alpha);
    rn_graph *g = rn_graph_new(1);
    rn_tensor *y = rn_dice(g, x, alpha, rm, rv, 0.1f, 1e-8f);
    rn_tensor *loss = rn_sum(g, rn_mul(g, y, y), -1, 0);
    double l = loss != NULL ? loss->data[0] : NAN;
    if (loss != NULL) rn_backward(g, loss);
    if (y != NULL) memcpy(y_out, y->data, y->n * sizeof *y_out);
    memcpy(dx_out, x->grad, x->n * sizeof *dx_out);
    memcpy(da_out, alpha->grad, alpha->n * sizeof *da_out);
    rn_graph_free(g);
    rn_tensor_free(rm);
    rn_tensor_free(rv);
    return l;
}

static double max_rel(const float *a, const float *b, size_t n)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]) / (fabs((double)b[i]) + 1e-3);
        if (!(d <= worst)) worst = d;
    }
    return worst;
}

static void test_dice_does_not_depend_on_threads(void)
{
    int B = 3000, H = 40; /* enough rows to be split */
    rn_rng r;
    rn_rng_seed(&r, 11);
    rn_tensor *x = rn_tensor_new(2, (const int[]){B, H}),
              *alpha = rn_tensor_new(1, (const int[]){H});
    for (size_t i = 0; i < x->n; i++)
        x->data[i] = rn_rng_uniform(&r) * 4.0f - 1.0f;
    for (int h = 0; h < H; h++)
        alpha->data[h] = rn_rng_uniform(&r) * 0.5f;
    rn_tensor_require_grad(x);
    rn_tensor_require_grad(alpha);
    size_t n = x->n;
    float *y1 = malloc(n * 4), *y2 = malloc(n * 4), *dx1 = malloc(n * 4), *dx2 = malloc(n * 4);
    float da1[40], da2[40];
    double l1 = dice_run(1, x, alpha, y1, dx1, da1), l2 = dice_run(2, x, alpha, y2, dx2, da2);
    CHECK(isfinite(l1) && fabs(l1 - l2) <= 1e-6 * fabs(l1));
    CHECK(max_rel(y2, y1, n) < 1e-5);
    CHECK(max_rel(dx2, dx1, n) < 1e-4);
    CHECK(max_rel(da2, da1, (size_t)H) < 1e-4);
    free(y1), free(y2), free(dx1), free(dx2);
    rn_tensor_free(x);
    rn_tensor_free(alpha);
}

static void test_zero(void)
{
    rn_par_set_threads(2);
    size_t n = 1000003;
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = 1.0f;
    rn_par_zero(x, n);
    size_t nonzero = 0;
    for (size_t i = 0; i < n; i++)
        nonzero += x[i] != 0.0f;
    CHECK(nonzero == 0);
    free(x);
}

int main(void)
{
    RUN(test_every_row_once);
    RUN(test_nested_calls_run_serially);
    RUN(test_gemm_matches_one_call);
    RUN(test_dice_does_not_depend_on_threads);
    RUN(test_zero);
    return check_report();
}
